/* SPDX-License-Identifier: MIT */
/*
 * Private to the MMU model: the walk context shared by the walker
 * (model/mmu.c) and the TLB (model/tlb.c), which caches the stage-2
 * translations of stage-1 table pages for walks.
 */
#ifndef S2MM_MODEL_INTERNAL_H
#define S2MM_MODEL_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <s2mm/mmu.h>
#include <s2mm/tlb.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the MMU model reads little-endian descriptors with native loads"
#endif

/* A stage-2 leaf as the walker found it (or a TLB cached it). */
struct s2_leaf {
	uint64_t pa;       /* output address of the looked-up IPA */
	int8_t level;
	uint8_t shift;     /* log2 block size */
	uint8_t perm;      /* S2_MMU_PERM_* */
	uint8_t memattr;   /* stage-2 MemAttr[3:0] */
	uint8_t sh;
};

/* Decoded stage-2 controls (VTCR_EL2, VTTBR_EL2), once per walk. */
struct s2_cfg {
	uint64_t base;
	uint8_t gbits;
	uint8_t stride;
	int8_t start;
	uint8_t ia_bits;
	uint8_t oa_bits;
	bool ds;
	bool lpa64k;
	uint8_t sh;        /* VTCR_EL2.SH0, used when DS=1 */
	uint8_t bad;       /* fault type every lookup gives, 0 when valid */
};

struct s2_walk {
	const struct s2_mmu_mem *mem;
	const struct s2_mmu_cpu *cpu;
	const struct s2_mmu_regs *regs;
	struct s2_tlb *tlb;      /* walk cache for S1 table fetches, or NULL */
	uint16_t vmid;
	bool s2_on;
	struct s2_cfg s2;
	uint32_t reads;
	uint32_t s2_cache_hits;
};

/* Initialise @w for one translation (decodes stage-2 controls). */
void s2_model_walk_init(struct s2_walk *w, const struct s2_mmu_mem *mem,
			const struct s2_mmu_cpu *cpu,
			const struct s2_mmu_regs *regs, struct s2_tlb *tlb);

/* Full translation with an initialised context; fills @res. */
void s2_model_translate(struct s2_walk *w, const struct s2_mmu_access *acc,
			bool s1_only, struct s2_mmu_result *res);

/* Stage 2 alone for @acc->va as an IPA. */
void s2_model_translate_s2(struct s2_walk *w, const struct s2_mmu_access *acc,
			   struct s2_mmu_result *res);

/* Combine stage-1 MAIR attributes with stage-2 MemAttr (S2CombineS1MemAttrs). */
uint8_t s2_model_combine_attr(uint8_t s1attr, uint8_t s2memattr);
/* PAR_EL1.SH for memory with combined attribute @attr and shareability @sh. */
uint8_t s2_model_par_sh(uint8_t attr, uint8_t sh);
/* Stage-1 attributes with the MMU off, for access kind @acc. */
uint8_t s2_model_mmu_off_attr(const struct s2_mmu_regs *regs, unsigned acc);

/* Argument checks shared by every entry point (see s2_mmu_translate()). */
int s2_model_check_args(const struct s2_mmu_mem *mem,
			const struct s2_mmu_cpu *cpu,
			const struct s2_mmu_regs *regs,
			const struct s2_mmu_access *acc, const void *res);

/* The ASID non-global entries are tagged with (TCR.A1/TTBCR.A1, TCR.AS). */
uint16_t s2_model_cur_asid(const struct s2_mmu_cpu *cpu,
			   const struct s2_mmu_regs *regs);

/* Does @perm allow access kind @acc at @el? */
static inline bool s2_model_perm_ok(uint8_t perm, unsigned acc, unsigned el)
{
	return (perm >> (acc + 3u * el)) & 1u;
}

/* TLB walk cache: stage-2-only entries used for stage-1 table fetches. */
bool s2_tlb_walk_lookup(struct s2_tlb *tlb, uint16_t vmid, uint64_t ipa,
			struct s2_leaf *out);
void s2_tlb_walk_fill(struct s2_tlb *tlb, uint16_t vmid, uint64_t ipa,
		      const struct s2_leaf *leaf);

#endif /* S2MM_MODEL_INTERNAL_H */

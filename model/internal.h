/* SPDX-License-Identifier: MIT */
/*
 * Private to the MMU model: the walk context shared by the walker
 * (model/walk.c) and the TLB (model/tlb.c), which caches the stage-2
 * translations of stage-1 table pages for walks.
 */
#ifndef S2MM_MODEL_INTERNAL_H
#define S2MM_MODEL_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <s2mm/arch.h>
#include <s2mm/error.h>
#include <s2mm/mmu.h>
#include <s2mm/tlb.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the MMU model reads little-endian descriptors with native loads"
#endif

#define BIT(n) (1ULL << (n))
#define GENMASK(hi, lo) ((~0ULL >> (63 - (hi))) & ~((1ULL << (lo)) - 1))
#define LOWMASK(n) ((n) >= 64 ? ~0ULL : (1ULL << (n)) - 1)

/*
 * The walk's hot path is forced inline into s2_model_translate(): the
 * walk context is then a local whose fields live in registers, and each
 * stage's loop is only its own descriptor step.
 */
#define WALK_INLINE inline __attribute__((always_inline))

/* A stage-2 leaf as the walker found it (or a TLB cached it). */
struct s2_leaf {
	uint64_t pa;       /* output address of the looked-up IPA */
	int8_t level;
	uint8_t shift;     /* log2 block size */
	uint8_t perm;      /* S2_MMU_PERM_* */
	uint8_t memattr;   /* stage-2 MemAttr[3:0] */
	uint8_t sh;
};

/* Simulated physical memory as the walker reads it. */
struct tt_mem {
	uint64_t base;
	uint64_t last;           /* size - 8: a PA is in when PA - base <= last */
	uintptr_t host;          /* host address of PA @base */
};

struct s2_walk {
	const struct s2_mmu_cpu *cpu;
	const struct s2_mmu_regs *regs;
	struct s2_tlb *tlb;      /* walk cache for S1 table fetches, or NULL */
	struct tt_mem mem;
	uint16_t vmid;
	bool s2_on;
	const struct s2_mmu_tt *s2; /* decoded stage 2, when @s2_on */
	/* Hot values of @s2 in the walk context (registers, not reloads). */
	uint64_t s2_base_off;    /* start table as an offset in @mem */
	uint64_t s2_fast;
	uint64_t s2_tmask;       /* the fast walk's table test (regime_blk()) */
	uint64_t s2_tval;
	uint64_t s2_oa_mask;
	uint64_t s2_range;       /* IPA bits that must be zero (range_mask) */
	unsigned s2_bad;         /* @s2's fault, or 0 */
	bool ptw;                /* HCR_EL2.PTW */
	uint32_t reads;
	uint32_t s2_cache_hits;
};

/* What s2_model_translate() translates. */
enum s2_model_mode {
	S2_MODEL_S12,   /* the access: stage 1, then stage 2 when HCR_EL2.VM */
	S2_MODEL_S1,    /* stage 1 only (AT S1E*): the result's PA is the IPA */
	S2_MODEL_S2,    /* stage 2 alone, VA taken as IPA, whatever HCR_EL2.VM */
};

/*
 * Walk the tables afresh for @acc (arguments already checked) and fill
 * @res. @rc: the decoded-regime cache to use (checked against @cpu and
 * @regs). @tlb: a TLB whose stage-2-only entries serve (and are filled by)
 * the stage-2 translations of stage-1 table fetches, or NULL. @mode: enum
 * s2_model_mode. Returns how many of those fetches the TLB served.
 */
uint32_t s2_model_translate(const struct s2_mmu_mem *mem,
			    const struct s2_mmu_cpu *cpu,
			    const struct s2_mmu_regs *regs,
			    struct s2_mmu_regime *rc, struct s2_tlb *tlb,
			    const struct s2_mmu_access *acc, unsigned mode,
			    struct s2_mmu_result *res);

/* s2_model_translate() of an access (S2_MODEL_S12) without a TLB. */
void s2_model_translate_s12(const struct s2_mmu_mem *mem,
			    const struct s2_mmu_cpu *cpu,
			    const struct s2_mmu_regs *regs,
			    struct s2_mmu_regime *rc,
			    const struct s2_mmu_access *acc,
			    struct s2_mmu_result *res);

/*
 * Argument checks shared by every entry point (see s2_mmu_translate()).
 * Inline: the TLB hit path runs them on every translation.
 */
static inline int s2_model_check_args(const struct s2_mmu_mem *mem,
				      const struct s2_mmu_cpu *cpu,
				      const struct s2_mmu_regs *regs,
				      const struct s2_mmu_access *acc,
				      const void *res)
{
	if (!mem || !cpu || !regs || !acc || !res || acc->el > 1 ||
	    acc->acc > S2_MMU_EXEC)
		return -S2_EINVAL;
	if (!mem->host || (((uintptr_t)mem->host | mem->base | mem->size) & 7) ||
	    mem->size < 8 || mem->base + mem->size < mem->base)
		return -S2_EINVAL;
	if (cpu->pa_bits < 32 || cpu->pa_bits > 52)
		return -S2_EINVAL;
	if ((regs->sctlr_el1 & SCTLR_M) && !(regs->hcr_el2 & HCR_EL2_RW) &&
	    !(regs->tcr_el1 & TTBCR_EAE))
		return -S2_ENOTSUP;
	return 0;
}

/* TLB walk cache: stage-2-only entries used for stage-1 table fetches. */
bool s2_tlb_walk_lookup(struct s2_tlb *tlb, uint16_t vmid, uint64_t ipa,
			struct s2_leaf *out);
void s2_tlb_walk_fill(struct s2_tlb *tlb, uint16_t vmid, uint64_t ipa,
		      const struct s2_leaf *leaf);

#endif /* S2MM_MODEL_INTERNAL_H */

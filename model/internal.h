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

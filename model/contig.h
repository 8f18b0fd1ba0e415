/* SPDX-License-Identifier: MIT */
/*
 * Private to the MMU model: the Contiguous hint (descriptor bit 52). The
 * walker marks the leaves whose hint is in effect (s2_contig_leaf(), out of
 * line: the walk tests bit 52 and calls it only when set); a TLB
 * miss then fills one entry for the whole range, after checking the range
 * (contig.c, called from translate.c).
 */
#ifndef S2MM_MODEL_CONTIG_H
#define S2MM_MODEL_CONTIG_H

#include <stdbool.h>
#include <stdint.h>

#include <s2mm/arch.h>
#include <s2mm/mmu.h>
#include <s2mm/tlb.h>

/*
 * @flag (S2_MMU_CONTIG_S1 or _S2) when leaf @desc at @level, mapping
 * 1 << @shift, has its Contiguous hint in effect under @c, else 0.
 * AArch64.ContiguousBitFaults: a range wider than the input address size
 * may be an IMPLEMENTATION DEFINED translation fault; the model takes
 * none (as the Cortex-A76 does, TRM "Mis-programming contiguous hints")
 * and ignores such a hint: no TLB entry may reach outside the input
 * address space, whose addresses must still fault.
 */
uint8_t s2_contig_leaf(const struct s2_mmu_tt *c, uint64_t desc, int level,
		       unsigned shift, uint8_t flag);

/*
 * Fill @tlb with the walk @res of @acc (entry kind @kind, tagged by input
 * address @in): one entry for the Contiguous range where a hint in
 * @res->contig widens it, after checking the range; may turn @res into a
 * TLB conflict abort (S2_TLB_CONTIG_ABORT).
 */
void s2_contig_fill(struct s2_tlb *tlb, const struct s2_mmu_mem *mem,
		    const struct s2_mmu_cpu *cpu, const struct s2_mmu_regs *regs,
		    const struct s2_mmu_access *acc, unsigned kind, uint64_t in,
		    struct s2_mmu_result *res);

struct s2_walk;
struct s2_leaf;

/*
 * The TLB's stage-2-only entry for a stage-1 table fetch at @ipa, whose
 * stage-2 leaf @o (descriptor @desc) has the hint: one entry for the
 * whole run when the run checks out, else for the leaf alone.
 */
void s2_contig_fetch_fill(const struct s2_walk *w, uint64_t ipa, uint64_t desc,
			  struct s2_leaf *o);

#endif /* S2MM_MODEL_CONTIG_H */

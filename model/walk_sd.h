/* SPDX-License-Identifier: MIT */
/*
 * Private to the MMU model: the AArch32 Short-descriptor stage 1
 * (VMSAv8-32 with TTBCR.EAE=0, walk_sd.c). The general walker (walk.c)
 * hands such a stage 1 over whole; the TLB's hit path (translate.c) asks
 * the current DACR about an entry's domain, which no TLB caches.
 */
#ifndef S2MM_MODEL_WALK_SD_H
#define S2MM_MODEL_WALK_SD_H

#include <stdbool.h>
#include <stdint.h>

#include <s2mm/arch.h>
#include <s2mm/mmu.h>
#include <s2mm/tlb.h>

#include "walk.h"

/* Does @regs's stage 1 use short descriptors: AArch32 EL1, TTBCR.EAE=0? */
static inline bool s2_model_is_sd(const struct s2_mmu_regs *regs)
{
	return !(regs->hcr_el2 & HCR_EL2_RW) && !(regs->tcr_el1 & TTBCR_EAE);
}

/*
 * Stage 1 of @acc in the short-descriptor format, SCTLR.M=1
 * (AArch32.TranslationTableWalkSD, then AArch32.FirstStageTranslate's
 * domain and permission checks): fills @res's stage-1 fields and, on
 * success, the stage-1 attributes in MAIR format (@attr) and the
 * shareability (@sh) for stage 2 to combine. Each descriptor fetch goes
 * through stage 2 (walk.c's s2_model_s1_fetch()). Returns false on a
 * fault, recorded in @res.
 */
bool s2_model_walk_sd(struct s2_walk *w, const struct s2_mmu_access *acc,
		      struct s2_mmu_result *res, uint8_t *attr, uint8_t *sh);

/*
 * A TLB hit on entry @e of a short-descriptor regime, into @res: the
 * domain's current DACR field decides (Domain fault, Client: the entry's
 * stage-1 permissions, Manager: none), then stage 2's permissions.
 */
void s2_model_sd_from_entry(const struct s2_tlb_entry *e,
			    const struct s2_mmu_regs *regs,
			    const struct s2_mmu_access *acc, uint64_t in,
			    struct s2_mmu_result *res);

#endif /* S2MM_MODEL_WALK_SD_H */

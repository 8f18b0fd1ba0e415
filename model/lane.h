/* SPDX-License-Identifier: MIT */
/*
 * Private to the MMU model: the TLB miss in the usual case (lane.c), which
 * the translation path (translate.c) takes for every miss of the context
 * its inline hit validated, and the general miss it falls back to.
 */
#ifndef S2MM_MODEL_LANE_H
#define S2MM_MODEL_LANE_H

#include <s2mm/mmu.h>
#include <s2mm/tlb.h>

/*
 * A miss of @acc->va in the context s2_tlb_translate() validated for its
 * inline hit (@tlb->ctx.fast; every block size probed): walk and fill as
 * s2_model_miss_walk() does, with the same result, statistics and TLB and
 * walk-cache contents, in one function for the usual case (lane.c says
 * which); anything else is s2_model_miss_walk()'s. Returns 0, or
 * -S2_EINVAL for a bad @acc.
 */
int s2_model_miss_lane(struct s2_tlb *tlb, const struct s2_mmu_access *acc,
		       struct s2_mmu_result *res);

/*
 * The general miss in that context (translate.c): the walker's walk
 * (S2_MODEL_LANE when stage 2 is on) and the TLB's fill. Returns 0, or
 * -S2_EINVAL for a bad @acc.
 */
int s2_model_miss_walk(struct s2_tlb *tlb, const struct s2_mmu_access *acc,
		       struct s2_mmu_result *res);

#endif /* S2MM_MODEL_LANE_H */

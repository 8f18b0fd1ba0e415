/* SPDX-License-Identifier: MIT */
/*
 * Private to the MMU model: the 2D walk served by warm translation caches
 * (walk_wc_fast.c), which the general walker (walk.c) tries first when a
 * TLB has its stage-1 walk cache and nested TLB on.
 */
#ifndef S2MM_MODEL_WALK_WC_FAST_H
#define S2MM_MODEL_WALK_WC_FAST_H

#include <stdbool.h>
#include <stdint.h>

#include <s2mm/mmu.h>

#include "walk.h"

/*
 * Can @w's walks through stage 1 @c take s2_model_walk2d_cached()? Both
 * stages fast4k (4KB granule, OAs of at most 48 bits, no HA, valid
 * registers), the stage-1 walk cache and the nested TLB on (three
 * distinct caches), no HCR_EL2.PTW.
 */
static inline bool walk_wc_fast_ok(const struct s2_walk *w,
				   const struct s2_mmu_tt *c)
{
	return c->fast4k && w->s2_on && w->wc1 && w->ntlb && w->s2->fast4k &&
	       !w->ptw && w->wc1 != w->ntlb && w->wc2 != w->ntlb &&
	       w->wc2 != w->wc1;
}

/*
 * The walk of @va when the caches hold what it needs: the nested TLB a
 * readable stage-2 leaf for every stage-1 descriptor fetched below the
 * stage-1 walk cache's deepest table descriptor for @va (from the start
 * level when it has none), and the tables the usual cases (walk2d_fast's:
 * tables, then a page or an allowed block, OAs in range); the final
 * stage 2 likewise below the stage-2 walk cache's deepest entry, or from
 * its start level. Exactly what walk_s1() and the final stage-2 look-up do
 * with those caches: the same reads, the same look-ups counted, hits
 * stamped and table descriptors filled, in the same order. It finds
 * everything first and changes nothing until it knows it can finish, so
 * on anything else it returns having changed nothing and the general walk
 * does it all.
 *
 * Returns 0 (nothing done), 1 (@lf: the stage-1 leaf; @w counts its walk;
 * the final stage 2 is the caller's) or 2 (and @lf2: the final stage-2
 * leaf through the stage-2 walk cache, before its Access flag check,
 * read in @reads2 more descriptors).
 */
unsigned s2_model_walk2d_cached(struct s2_walk *w, const struct s2_mmu_tt *c,
				uint64_t va, struct tt_leaf *lf,
				struct tt_leaf *lf2, uint32_t *reads2);

#endif /* S2MM_MODEL_WALK_WC_FAST_H */

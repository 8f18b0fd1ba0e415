/* SPDX-License-Identifier: MIT */
/*
 * Private to the MMU model: the fast 2D walk (walk_fast.c), which the
 * general walker (walk.c) tries first in the usual configuration.
 */
#ifndef S2MM_MODEL_WALK_FAST_H
#define S2MM_MODEL_WALK_FAST_H

#include <stdbool.h>
#include <stdint.h>

#include <s2mm/mmu.h>
#include <s2mm/tlb.h>

#include "regime.h"
#include "walk.h"

/*
 * The usual configuration's 2D walk, fast: both stages with the 4KB
 * granule and OAs of at most 48 bits, no walk cache, HCR_EL2.PTW clear.
 * It does what walk_s1() and the final stage-2 lookup do, reduced to the
 * cases that succeed: stage-2 table descriptors holding only their OA and
 * 0b11; stage-2 leaves that are pages or blocks with their OA in range
 * (and, serving a stage-1 fetch, AF and S2AP[0] set); stage-1 tables, and
 * a leaf, without a fault. Each read then follows the previous one with
 * nothing between them (stage-2 table steps), one AND (a stage-2 leaf to
 * the stage-1 descriptor) or a shift and an AND (a stage-1 descriptor to
 * its stage-2 start index). On anything else it stops, having changed
 * nothing, and the general walk does the rest with every rule.
 *
 * The walk of @va through stage 1 @c (fast4k) and @w's stage 2, which
 * regime_blk() has accepted. Returns 0 (nothing done), 1 (@lf: the
 * stage-1 leaf; @w->reads counts its walk) or 2 (and @lf2: the final
 * stage-2 leaf, before its Access flag check, read in @reads2 more
 * descriptors).
 */
unsigned s2_model_walk2d_fast(struct s2_walk *w, const struct s2_mmu_tt *c,
			      uint64_t va, struct tt_leaf *lf,
			      struct tt_leaf *lf2, uint32_t *reads2);

/*
 * s2_model_walk2d_fast() with the walk context's values as
 * s2_model_walk2d_regs() took them from a validated context: the same
 * walk, the stage-1 walk's reads in @reads1 (not added anywhere).
 */
unsigned s2_model_walk2d_lane(const struct s2_tlb_lane_walk *fw,
			      const struct s2_mmu_tt *c, uint64_t va,
			      struct tt_leaf *lf, struct tt_leaf *lf2,
			      uint32_t *reads1, uint32_t *reads2);

/* The values of @w (regime_blk() accepted) the fast walk uses, into @fw. */
void s2_model_walk2d_regs(struct s2_tlb_lane_walk *fw, const struct s2_walk *w);

/*
 * Find the tables' block of @w's memory window and keep it in @rc
 * (walk_fast.c says what it is): regime_blk()'s slow path, once per
 * window.
 */
void s2_model_regime_find_blk(struct s2_mmu_regime *rc,
			      const struct s2_walk *w);

/*
 * Can @w take s2_model_walk2d_fast() (its stage 1 allowing it too)? Sets
 * its table test from @rc. No cache serving the walk (it must count its hits)
 * and no HCR_EL2.PTW (the fast walk does not test MemAttr).
 */
static inline bool regime_blk(struct s2_mmu_regime *rc, struct s2_walk *w)
{
	if (!(rc->valid & REGIME_BLK) || rc->blk_base != w->mem.base ||
	    rc->blk_size != w->mem.last + 8)
		s2_model_regime_find_blk(rc, w);
	w->s2_tmask = rc->blk_tmask;
	w->s2_tval = rc->blk_tval;
	return rc->blk_tmask && !w->tlb && !w->wc1 && !w->wc2 && !w->ntlb &&
	       !w->ptw;
}

#endif /* S2MM_MODEL_WALK_FAST_H */

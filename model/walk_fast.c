/* SPDX-License-Identifier: MIT */
/*
 * The MMU model's fast 2D walk: the usual configuration (4KB granule at
 * both stages, OAs of at most 48 bits, no walk cache, HCR_EL2.PTW clear),
 * successful walks only, each descriptor read following the previous one
 * with as little as possible between them. walk_fast.h says what it
 * covers and holds the walk itself, inline, which the miss lane (lane.c)
 * runs in its own function; here are the general walker's entry and the
 * search for the tables' block. docs/model.md says how it is kept equal
 * to the general walker. Freestanding.
 */
#include <stdbool.h>
#include <stdint.h>

#include <s2mm/arch.h>
#include <s2mm/mmu.h>

#include "internal.h"
#include "regime.h"
#include "walk.h"
#include "walk_fast.h"

/* The values of @w the fast walk uses. */
static WALK_INLINE struct s2_tlb_lane_walk walk_regs(const struct s2_walk *w)
{
	return (struct s2_tlb_lane_walk){
		.last = w->mem.last, .base = w->mem.base,
		.tmask = w->s2_tmask, .tval = w->s2_tval, .oa2 = w->s2_oa_mask,
		.leafm = w->s2_fast, .i0mask = w->s2->start_mask << 3,
		.range = w->s2_range, .root_off = w->s2_base_off,
		.hroot = w->mem.host + (uintptr_t)w->s2_base_off,
		.htab = w->mem.host - (uintptr_t)w->mem.base -
			(uintptr_t)(DESC_VALID | DESC_TABLE),
		.hlo = w->mem.host - (uintptr_t)w->mem.base,
		.s2start = w->s2->start,
	};
}

void s2_model_walk2d_regs(struct s2_tlb_lane_walk *fw, const struct s2_walk *w)
{
	*fw = walk_regs(w);
}

unsigned s2_model_walk2d_fast(struct s2_walk *w, const struct s2_mmu_tt *c,
			      uint64_t va, struct tt_leaf *lf,
			      struct tt_leaf *lf2, uint32_t *reads2)
{
	const struct s2_tlb_lane_walk fw = walk_regs(w);
	uint32_t reads1 = 0;
	unsigned fast;

	fast = walk2d_fast_any(&fw, c, va, w->s2->start, lf, lf2, &reads1, reads2);
	if (fast)
		w->reads += reads1;
	return fast;
}


/*
 * The fast walk's test of a stage-2 table descriptor, (d & tmask) ==
 * tval into @w: nothing but 0b11 and the OA of a table inside the tables'
 * block, the largest naturally aligned power-of-two block of the memory
 * window that holds the start table and lies inside the output size
 * (its reads then need no bounds check, its OAs no size check). Found
 * once per window and kept in @rc; tmask 0 when there is none.
 */
void s2_model_regime_find_blk(struct s2_mmu_regime *rc,
			      const struct s2_walk *w)
{
	uint64_t base = w->mem.base, size = w->mem.last + 8;
	uint64_t root = base + w->s2_base_off, blk;
	unsigned n;

	rc->blk_base = base;
	rc->blk_size = size;
	rc->blk_tmask = 0;
	rc->valid |= REGIME_BLK;
	/* Stage 2 must take the fast walk too: else no block (tmask 0). */
	if (!w->s2->fast4k)
		return;
	for (n = 63 - (unsigned)__builtin_clzll(size); n >= 12; n--) {
		blk = root & ~LOWMASK(n);
		if (blk >= base && blk - base <= size - BIT(n) &&
		    blk + (BIT(n) - 1) <= w->s2->oa_limit) {
			rc->blk_tmask = ~(LOWMASK(n) & ~LOWMASK(12));
			rc->blk_tval = blk | DESC_VALID | DESC_TABLE;
			return;
		}
	}
}

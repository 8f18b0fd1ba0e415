/* SPDX-License-Identifier: MIT */
/*
 * The MMU model's fast 2D walk: the usual configuration (4KB granule at
 * both stages, OAs of at most 48 bits, no walk cache, HCR_EL2.PTW clear),
 * successful walks only, each descriptor read following the previous one
 * with as little as possible between them. walk_fast.h says what it
 * covers; docs/model.md how it is kept equal to the general walker.
 * Freestanding.
 */
#include <stdbool.h>
#include <stdint.h>

#include <s2mm/arch.h>
#include <s2mm/mmu.h>

#include "internal.h"
#include "regime.h"
#include "walk.h"
#include "walk_fast.h"

/*
 * The descriptor at host address @hb + @x, in one load that adds the two
 * registers itself: each read of a walk then follows the previous one
 * with no add between them (compilers add first, a cycle more on every
 * step of the dependent chain). Single-copy atomic: one aligned 64-bit
 * load. The caller has checked the window bounds.
 */
static inline uint64_t desc_load(uintptr_t hb, uint64_t x)
{
	uint64_t v;

	/* The "m" operand tells the compiler which memory the load reads. */
#if defined(__x86_64__)
	__asm__ volatile("movq (%1,%2), %0" : "=r"(v)
			 : "r"(hb), "r"(x), "m"(*(const uint64_t *)(hb + (uintptr_t)x)));
#elif defined(__aarch64__)
	__asm__ volatile("ldr %0, [%1, %2]" : "=r"(v)
			 : "r"(hb), "r"(x), "m"(*(const uint64_t *)(hb + (uintptr_t)x)));
#else
	v = __atomic_load_n((const uint64_t *)(hb + (uintptr_t)x), __ATOMIC_RELAXED);
#endif
	return v;
}

/*
 * Hide how @v was computed from the compiler, so that it keeps a base
 * for desc_load() apart from the bounds check's offset (it would fold
 * them back into one add on the chain).
 */
#define HIDE(v) __asm__("" : "+r"(v))

/*
 * Stage 2 of @ipa from start level @s2start (a constant): the start index
 * from @hi, a value whose bits from that index up equal @ipa's (@ipa, or
 * the stage-1 descriptor @ipa was made from: the index then comes from
 * the read without waiting for the address's sum), then table steps.
 * Returns the level (1..3) of the descriptor that ends the walk, in @d,
 * or 0 when the walk leaves the usual cases. The caller checks the leaf.
 */
static WALK_INLINE int fast_s2(const struct s2_tlb_lane_walk *fw, uint64_t ipa,
			       uint64_t hi, const int s2start, uint64_t *d)
{
	const unsigned s0 = 12 + 9 * (unsigned)(3 - s2start);
	uint64_t x = (hi >> (s0 - 3)) & fw->i0mask;
	uintptr_t hb;
	int l2;

	/* The start table lies in the window (walk2d_fast_k() checks). */
	if (ipa & fw->range)
		return 0;
	*d = desc_load(fw->hroot, x);
#pragma GCC unroll 4
	for (l2 = s2start; l2 < 3; l2++) {
		/* Not a table in the tables' block: the caller sees. */
		if ((*d & fw->tmask) != fw->tval)
			break;
		x = *d;
		hb = fw->htab + (uintptr_t)((ipa >> (9 * (3 - l2))) & 0xff8);
		HIDE(hb);
		*d = desc_load(hb, x);
	}
	return l2;
}

/*
 * The fast walk of @va through stage 1 @c. @s1start, @s2start: the start
 * levels as constants (the loops unroll), @s1start -1 for @c's. Returns 0
 * (nothing done), 1 (@lf: the stage-1 leaf, read in @reads1 descriptors)
 * or 2 (and @lf2: the final stage-2 leaf, before its Access flag check,
 * read in @reads2 more). @fwp: the walk context's values (struct
 * s2_tlb_lane_walk, copied into registers here), taken from the walk
 * context on each walk (s2_model_walk2d_fast()) or once for a validated
 * context (s2_model_walk2d_lane()).
 */
static WALK_INLINE unsigned walk2d_fast_k(const struct s2_tlb_lane_walk *fwp,
					  const struct s2_mmu_tt *c, uint64_t va,
					  const int s1start, const int s2start,
					  struct tt_leaf *lf, struct tt_leaf *lf2,
					  uint32_t *reads1, uint32_t *reads2)
{
	const struct s2_tlb_lane_walk fw = *fwp;
	/* A stage-2 page serving a fetch: AF, S2AP[0], OA in range. */
	const uint64_t fetchm = fw.leafm | DESC_AF | S2_DESC_S2AP_R;
	const uint64_t fetch_page = DESC_VALID | DESC_PAGE | DESC_AF | S2_DESC_S2AP_R;
	int level = s1start < 0 ? c->start : s1start, l2;
	unsigned shift = s1start < 0 ? c->start_shift : 12 + 9 * (unsigned)(3 - s1start), sh;
	uint64_t idx_mask = c->start_mask, table = c->base, hi = c->base;
	uint64_t tbl_attrs = 0, d = 0, d2, ipa, xo, lo;
	uint32_t reads = 0;
	uintptr_t hb;

	/* The whole start table in the window: its reads need no check. */
	if (fw.root_off + fw.i0mask > fw.last)
		return 0;
#pragma GCC unroll 4
	for (; level <= 3; level++) {
		ipa = table + ((va >> shift) & idx_mask) * 8;
		l2 = fast_s2(&fw, ipa, hi, s2start, &d2);
		if (__builtin_expect(l2 == 3 && (d2 & fetchm) == fetch_page, 1)) {
			xo = d2 & fw.oa2;
			lo = ipa & 0xfff;
		} else {
			/* A block at level 1 or 2. */
			if (l2 == 0 || l2 == 3 ||
			    (d2 & fetchm) != (fetch_page & ~DESC_PAGE))
				return 0;
			sh = 12 + 9 * (unsigned)(3 - l2);
			xo = d2 & fw.oa2 & ~LOWMASK(sh);
			lo = ipa & LOWMASK(sh);
		}
		reads += (uint32_t)(l2 - s2start + 2);
		/* The stage-1 descriptor at the leaf's OA. */
		if (xo + lo - fw.base > fw.last)
			return 0;
		hb = fw.hlo + (uintptr_t)lo;
		HIDE(hb);
		d = desc_load(hb, xo);
		if (level == 3 || (d & c->fast_mask) != (DESC_VALID | DESC_TABLE))
			break;
		tbl_attrs |= d & GENMASK(63, 59);
		table = d & c->oa_mask;
		hi = d;
		shift -= 9;
		idx_mask = 511;
	}
	/* The stage-1 leaf: a page, or a block where the level allows one. */
	if (level == 3 ? (d & c->fast_mask) != (DESC_VALID | DESC_PAGE) :
	    (d & c->fast_mask) != DESC_VALID || !(c->block_levels & BIT(level + 1)))
		return 0;
	*reads1 = reads;
	leaf_set(lf, d, tbl_attrs, level, shift, d & c->oa_mask, va);
	/* The output IPA's stage 2: above a page's offset, its bits are d's. */
	l2 = fast_s2(&fw, lf->out, level == 3 ? d : lf->out, s2start, &d2);
	if (l2 == 3 ? (d2 & fw.leafm) != (DESC_VALID | DESC_PAGE) :
	    !l2 || (d2 & fw.leafm) != DESC_VALID)
		return 1;
	*reads2 = (uint32_t)(l2 - s2start + 1);
	leaf_set(lf2, d2, 0, l2, 12 + 9 * (unsigned)(3 - l2), d2 & fw.oa2, lf->out);
	return 2;
}

/*
 * walk2d_fast_k() for the start levels of both stages: @s2start, @c's.
 * A 48-bit VA space (stage 1 from level 0) unrolled: with a 48-bit or a
 * 40-bit IPA space, the usual configurations.
 */
static WALK_INLINE unsigned walk2d_fast_any(const struct s2_tlb_lane_walk *fw,
					    const struct s2_mmu_tt *c, uint64_t va,
					    int s2start, struct tt_leaf *lf,
					    struct tt_leaf *lf2, uint32_t *reads1,
					    uint32_t *reads2)
{
	switch (s2start) {
	case 0:
		if (c->start == 0)
			return walk2d_fast_k(fw, c, va, 0, 0, lf, lf2, reads1, reads2);
		return walk2d_fast_k(fw, c, va, -1, 0, lf, lf2, reads1, reads2);
	case 1:
		if (c->start == 0)
			return walk2d_fast_k(fw, c, va, 0, 1, lf, lf2, reads1, reads2);
		return walk2d_fast_k(fw, c, va, -1, 1, lf, lf2, reads1, reads2);
	default:
		return walk2d_fast_k(fw, c, va, -1, 2, lf, lf2, reads1, reads2);
	}
}

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

unsigned s2_model_walk2d_lane(const struct s2_tlb_lane_walk *fw,
			      const struct s2_mmu_tt *c, uint64_t va,
			      struct tt_leaf *lf, struct tt_leaf *lf2,
			      uint32_t *reads1, uint32_t *reads2)
{
	return walk2d_fast_any(fw, c, va, fw->s2start, lf, lf2, reads1, reads2);
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

/* SPDX-License-Identifier: MIT */
/*
 * Private to the MMU model: the fast 2D walk (walk_fast.c), which the
 * general walker (walk.c) tries first in the usual configuration and the
 * miss lane (lane.c) runs inline.
 */
#ifndef S2MM_MODEL_WALK_FAST_H
#define S2MM_MODEL_WALK_FAST_H

#include <stdbool.h>
#include <stdint.h>

#include <s2mm/arch.h>
#include <s2mm/mmu.h>
#include <s2mm/tlb.h>

#include "internal.h"
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
 * the next stage-2 read: fast_s2() reads the start entry ahead). On
 * anything else it stops, having changed nothing, and the general walk
 * does the rest with every rule.
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

/*
 * The walk itself, inline: walk_fast.c's s2_model_walk2d_fast() runs it
 * with the values it takes from the walk context on each walk, and the
 * miss lane (lane.c) in its own function with the values it took once
 * per context (struct s2_tlb_lane_walk, s2_model_walk2d_regs()).
 */
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
 * Stage 2 of @ipa from start level @s2start (a constant). @hi: a value
 * whose bits from 12 up equal @ipa's (@ipa, or the stage-1 descriptor
 * @ipa was made from): each index then comes from that read without
 * waiting for the address's sum. Returns the level (1..3) of the
 * descriptor that ends the walk, in @d, or 0 when the walk leaves the
 * usual cases. The caller checks the leaf.
 *
 * From level 0, whose entries each cover 512 GiB of IPA, every walk of a
 * 2D walk but the rarest starts at the entry the walk before it started
 * at, @px (a byte offset, updated): that entry is read before @hi
 * arrives, and the next read waits only for @hi's index, not for the
 * start entry too. A wrong guess, seen when @hi arrives, reads the right
 * entry. Each read is still of the entry the walk's descriptors name, its
 * value taken after the walk before it: as a stage-2 walk cache could
 * give it, and the count of reads is the walk's. From level 1 or 2 (an
 * entry covers 1 GiB or less, where a guest's tables spread) the start
 * entry is read after @hi.
 */
static WALK_INLINE int fast_s2(const struct s2_tlb_lane_walk *fw, uint64_t ipa,
			       uint64_t hi, const int s2start, uint64_t *px, uint64_t *d)
{
	const unsigned s0 = 12 + 9 * (unsigned)(3 - s2start);
	uint64_t x = (hi >> (s0 - 3)) & fw->i0mask;
	uintptr_t hb;
	int l2 = s2start;

	/* The start table lies in the window (walk2d_fast_k() checks). */
	if (ipa & fw->range)
		return 0;
	if (s2start == 0) {
		*d = desc_load(fw->hroot, *px);
		if (__builtin_expect(x != *px, 0)) {
			*px = x;
			*d = desc_load(fw->hroot, x);
		}
		/* The first step: the start entry is in, the index comes last. */
		if ((*d & fw->tmask) != fw->tval)
			return 0;
		hb = fw->htab + (uintptr_t)*d;
		HIDE(hb);
		*d = desc_load(hb, (hi >> 27) & 0xff8);
		l2 = 1;
	} else {
		*d = desc_load(fw->hroot, x);
	}
#pragma GCC unroll 3
	for (; l2 < 3; l2++) {
		/* Not a table in the tables' block: the caller sees. */
		if ((*d & fw->tmask) != fw->tval)
			break;
		hb = fw->htab + (uintptr_t)((hi >> (9 * (3 - l2))) & 0xff8);
		HIDE(hb);
		*d = desc_load(hb, *d);
	}
	return l2;
}

/* The start index @hi gives from @s2start (fast_s2()'s @px). */
static WALK_INLINE uint64_t fast_s2_start(const struct s2_tlb_lane_walk *fw, uint64_t hi,
					  const int s2start)
{
	return (hi >> (12 + 9 * (unsigned)(3 - s2start) - 3)) & fw->i0mask;
}

/*
 * The fast walk of @va through stage 1 @c. @s1start, @s2start: the start
 * levels as constants (the loops unroll), @s1start -1 for @c's. Returns 0
 * (nothing done), 1 (@lf: the stage-1 leaf, read in @reads1 descriptors)
 * or 2 (and @lf2: the final stage-2 leaf, before its Access flag check,
 * read in @reads2 more). @fwp: the walk context's values (struct
 * s2_tlb_lane_walk, copied into registers here), taken from the walk
 * context on each walk (s2_model_walk2d_fast()) or once for a validated
 * context (the miss lane, lane.c).
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
	uint64_t px = fast_s2_start(&fw, c->base, s2start);
	uint32_t reads = 0;
	uintptr_t hb;

	/* The whole start table in the window: its reads need no check. */
	if (fw.root_off + fw.i0mask > fw.last)
		return 0;
#pragma GCC unroll 4
	for (; level <= 3; level++) {
		ipa = table + ((va >> shift) & idx_mask) * 8;
		l2 = fast_s2(&fw, ipa, hi, s2start, &px, &d2);
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
	l2 = fast_s2(&fw, lf->out, level == 3 ? d : lf->out, s2start, &px, &d2);
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

#endif /* S2MM_MODEL_WALK_FAST_H */

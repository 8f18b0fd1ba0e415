/* SPDX-License-Identifier: MIT */
/*
 * The MMU model's 2D walk with warm translation caches: the stage-1 walk
 * cache's deepest table descriptor, then each stage-1 fetch translated by
 * the nested TLB, then the final IPA from the stage-2 walk cache's deepest
 * table descriptor. walk_wc_fast.h says what it covers; it is the general
 * walker's cached walk (walk.c, walk_s1() and walk_s2_cached()) less the
 * cases it declines, and the checked build (S2MM_MODEL_CHECK_FAST)
 * compares the two, caches included. The warm case (a level-2 entry at
 * each stage, or a level-1 entry and a block for the final IPA) is
 * straight-line code; a shallower hit, a fill or a miss takes the general
 * loop below it (walk2d_cold(), final_s2_cold()). Freestanding.
 */
#include <stdbool.h>
#include <stdint.h>

#include <s2mm/arch.h>
#include <s2mm/mmu.h>
#include <s2mm/tlb.h>

#include "internal.h"
#include "walk.h"
#include "walk_cache.h"
#include "walk_wc_fast.h"

/* A table descriptor a walk read, to fill into its walk cache. */
struct wc_fill {
	uint64_t next;
	int level;
	uint8_t tbl;
};

/* The descriptor at offset @off of @w's window, or false: out of it. */
static inline bool read_off(const struct s2_walk *w, uint64_t off, uint64_t *d)
{
	if (off > w->mem.last)
		return false;
	/* Single-copy atomic, as a walker's descriptor read is. */
	*d = __atomic_load_n((const uint64_t *)(w->mem.host + (uintptr_t)off),
			     __ATOMIC_RELAXED);
	return true;
}

/*
 * Is @d at @level a leaf the fast walks accept (walk2d_fast_k()'s test):
 * a page at level 3, else a block where @c allows one, OA in range?
 */
static inline bool leaf_ok(const struct s2_mmu_tt *c, int level, uint64_t d)
{
	if (level == 3)
		return (d & c->fast_mask) == (DESC_VALID | DESC_PAGE);
	return (d & c->fast_mask) == DESC_VALID && (c->block_levels & BIT(level + 1));
}

/* A 4KB-granule walk cache's level-2 and level-1 entries: 2MB, 1GB. */
#define WC_SHIFT2 21
#define WC_SHIFT1 30

/* A look-up of @w's that hit @e at @level, counted (and in @w's hits). */
static inline void wc_hit_at(struct s2_walk *w, struct s2_wc *wc,
			     struct s2_wc_entry *e, int level)
{
	wc->stats.lookups++;
	wc->stats.hits[level + 1]++;
	e->stamp = ++wc->clock;
	w->wc_hits++;
}

/* A walk-cache look-up the general walk makes, hit (@h) or miss, counted. */
static inline void wc_count(struct s2_walk *w, struct s2_wc *wc,
			    struct s2_wc_entry *h)
{
	wc->stats.lookups++;
	if (h) {
		wc_hit(wc, h);
		w->wc_hits++;
	} else {
		wc->stats.misses++;
	}
}

/*
 * final_s2_cached() when the stage-2 walk cache has no level-2 entry for
 * @ipa: the look-up goes on at level 1 (walk_s2_cached()'s, deepest
 * first), then the walk from the entry it finds or from the start level.
 */
static __attribute__((noinline)) unsigned
final_s2_cold(struct s2_walk *w, uint64_t ipa, struct tt_leaf *lf2,
	      uint32_t *reads2)
{
	const struct s2_mmu_tt *s2 = w->s2;
	struct s2_wc *wc = w->wc2;
	struct s2_wc_entry *h;
	/* Levels 0 to 2 at most: a fast4k walk has no level -1. */
	struct wc_fill fills[3];
	unsigned shift, nf = 0;
	uint64_t off, d, idx_mask = 511;
	int level, level0;

	h = wc_table_find_from(wc, 1, s2->start, 12, w->vmid, 0, ipa);
	if (h) {
		level = h->level + 1;
		shift = 12 + 9 * (unsigned)(3 - level);
		off = h->out - w->mem.base;
	} else {
		/* A miss: walk_s2_cached() walks from the start level. */
		if (s2->start < 0)
			return 1;
		level = s2->start;
		shift = s2->start_shift;
		idx_mask = s2->start_mask;   /* concatenated tables */
		off = s2->base - w->mem.base;
	}
	level0 = level;
	for (;;) {
		off += ((ipa >> shift) & idx_mask) * 8;
		if (!read_off(w, off, &d))
			return 1;
		if (level == 3 || (d & s2->fast_mask) != (DESC_VALID | DESC_TABLE))
			break;
		fills[nf++] = (struct wc_fill){ d & s2->oa_mask, level, 0 };
		off = (d & s2->oa_mask) - w->mem.base;
		level++;
		shift -= 9;
		idx_mask = 511;
	}
	if (!leaf_ok(s2, level, d))
		return 1;
	/* walk_s2_cached()'s look-up, hit or miss, and fills, in its order. */
	wc_count(w, wc, h);
	for (unsigned i = 0; i < nf; i++)
		wc_table_fill(wc, s2, w->vmid, 0, ipa, fills[i].level, fills[i].next, 0);
	*reads2 = (uint32_t)(level - level0 + 1);
	/* A stage-2 leaf's @table: its descriptor's offset (s2_set_af()). */
	leaf_set(lf2, d, off, level, shift, d & s2->oa_mask, ipa);
	return 2;
}

/*
 * final_s2_cached() when the stage-2 walk cache has no level-2 entry for
 * @ipa: a level-1 entry, then a 2MB block, as a guest's memory mapped in
 * blocks mostly is; anything else final_s2_cold()'s.
 */
static __attribute__((noinline)) unsigned
final_s2_l1(struct s2_walk *w, uint64_t ipa, struct tt_leaf *lf2,
	    uint32_t *reads2)
{
	const struct s2_mmu_tt *s2 = w->s2;
	struct s2_wc *wc = w->wc2;
	const uint64_t tag = ipa >> WC_SHIFT1;
	struct s2_wc_entry *h;
	uint64_t off, d;

	if (s2->start > 1)
		return final_s2_cold(w, ipa, lf2, reads2);
	h = wc_ways(wc, wc_set(wc, tag, 1), tag, WC_KEY(w->vmid, 0, 1, WC_SHIFT1, 12), ~0ULL);
	if (!h)
		return final_s2_cold(w, ipa, lf2, reads2);
	off = h->out - w->mem.base + ((ipa >> WC_SHIFT2) & 511) * 8;
	if (!read_off(w, off, &d))
		return 1;
	/* A table (its fill) or no block: the general case's. */
	if (!leaf_ok(s2, 2, d))
		return final_s2_cold(w, ipa, lf2, reads2);
	wc_hit_at(w, wc, h, 1);
	*reads2 = 1;
	leaf_set(lf2, d, off, 2, WC_SHIFT2, d & s2->oa_mask, ipa);
	return 2;
}

/*
 * The final stage 2 of @ipa through the stage-2 walk cache
 * (walk_s2_cached()), found in full before anything is counted: 1 with
 * nothing changed when the cache has no table descriptor for @ipa or the
 * walk below it leaves the usual cases, else 2 (s2_model_walk2d_cached()'s
 * return values). Inline, the warm case: a level-2 entry, then the
 * level-3 page.
 */
static inline __attribute__((always_inline)) unsigned
final_s2_cached(struct s2_walk *w, uint64_t ipa, struct tt_leaf *lf2,
		uint32_t *reads2)
{
	const struct s2_mmu_tt *s2 = w->s2;
	struct s2_wc *wc = w->wc2;
	const uint64_t tag = ipa >> WC_SHIFT2;
	struct s2_wc_entry *h;
	uint64_t off, d;

	/* AArch64.IPAIsOutOfRange: the general walk faults. */
	if (!wc || (ipa & w->s2_range))
		return 1;
	if (__builtin_expect(s2->start > 2, 0))
		return final_s2_cold(w, ipa, lf2, reads2);
	h = wc_ways(wc, wc_set(wc, tag, 2), tag, WC_KEY(w->vmid, 0, 2, WC_SHIFT2, 12), ~0ULL);
	if (!h)
		return final_s2_l1(w, ipa, lf2, reads2);
	off = h->out - w->mem.base + ((ipa >> 12) & 511) * 8;
	if (!read_off(w, off, &d) || (d & s2->fast_mask) != (DESC_VALID | DESC_PAGE))
		return 1;
	wc_hit_at(w, wc, h, 2);
	*reads2 = 1;
	/* A stage-2 leaf's @table: its descriptor's offset (s2_set_af()). */
	leaf_set(lf2, d, off, 3, 12, d & s2->oa_mask, ipa);
	return 2;
}

/*
 * s2_model_walk2d_cached() when the stage-1 walk cache has no level-2
 * entry for @va: the look-up goes on at level 1 (walk_s1()'s, deepest
 * first), then each fetch below the entry found, or from the start level.
 */
static __attribute__((noinline)) unsigned
walk2d_cold(struct s2_walk *w, const struct s2_mmu_tt *c, uint64_t va,
	    struct tt_leaf *lf, struct tt_leaf *lf2, uint32_t *reads2)
{
	/* The walk cache's tag: VA[55] picks the TTBR, the top byte is TBI's. */
	const uint64_t ia = va & GENMASK(55, 0);
	struct s2_wc *wc = w->wc1, *ntlb = w->ntlb;
	struct s2_wc_entry *h = wc_table_find_from(wc, 1, c->start, 12, w->vmid,
						   c->asid, ia);
	/* Levels 0 to 3 fetched, 0 to 2 filled: no level -1 (below). */
	struct s2_wc_entry *fetch[4];
	struct wc_fill fills[3];
	uint64_t table, tbl_attrs, ipa, d, idx_mask = 511;
	unsigned shift, n = 0, nf = 0;
	int level;

	if (h) {
		level = h->level + 1;
		shift = 12 + 9 * (unsigned)(3 - level);
		table = h->out;
		tbl_attrs = (uint64_t)h->tbl << 59;
	} else {
		/*
		 * A miss: walk_s1() walks from the start level, each fetch
		 * through the nested TLB all the same.
		 */
		if (c->start < 0)
			return 0;
		level = c->start;
		shift = c->start_shift;
		idx_mask = c->start_mask;
		table = c->base;
		tbl_attrs = 0;
	}
	for (;;) {
		struct s2_wc_entry *e;

		ipa = table + ((va >> shift) & idx_mask) * 8;
		/* s1_fetch(): the nested TLB's leaf, readable (no PTW). */
		e = wc_leaf_find(ntlb, w->vmid, ipa);
		if (!e || !(e->perm & S2_MMU_PERM_R1) ||
		    !read_off(w, (e->out | (ipa & LOWMASK(e->shift))) - w->mem.base, &d))
			return 0;
		fetch[n++] = e;
		if (level == 3 || (d & c->fast_mask) != (DESC_VALID | DESC_TABLE))
			break;
		tbl_attrs |= d & GENMASK(63, 59);
		fills[nf++] = (struct wc_fill){ d & c->oa_mask, level,
						(uint8_t)(tbl_attrs >> 59) };
		table = d & c->oa_mask;
		level++;
		shift -= 9;
		idx_mask = 511;
	}
	if (!leaf_ok(c, level, d))
		return 0;
	/*
	 * walk_s1()'s look-up and hit, each fetch's nested TLB look-up and
	 * hit, its fills: each cache sees them in the walk's order.
	 */
	wc_count(w, wc, h);
	for (unsigned i = 0; i < n; i++) {
		ntlb->stats.lookups++;
		wc_hit(ntlb, fetch[i]);
	}
	for (unsigned i = 0; i < nf; i++)
		wc_table_fill(wc, c, w->vmid, c->asid, ia, fills[i].level,
			      fills[i].next, fills[i].tbl);
	w->s2_cache_hits += n;
	w->reads += n;
	leaf_set(lf, d, tbl_attrs, level, shift, d & c->oa_mask, va);
	w->s1_dipa = ipa;
	return final_s2_cached(w, lf->out, lf2, reads2);
}

unsigned s2_model_walk2d_cached(struct s2_walk *w, const struct s2_mmu_tt *c,
				uint64_t va, struct tt_leaf *lf,
				struct tt_leaf *lf2, uint32_t *reads2)
{
	/* The walk cache's tag: VA[55] picks the TTBR, the top byte is TBI's. */
	const uint64_t tag = (va & GENMASK(55, 0)) >> WC_SHIFT2;
	struct s2_wc *wc = w->wc1, *ntlb = w->ntlb;
	struct s2_wc_entry *h, *e;
	uint64_t ipa, pa, d;

	if (__builtin_expect(c->start > 2, 0))
		return walk2d_cold(w, c, va, lf, lf2, reads2);
	h = wc_ways(wc, wc_set(wc, tag, 2), tag,
		    WC_KEY(w->vmid, c->asid, 2, WC_SHIFT2, 12), ~0ULL);
	if (!h)
		return walk2d_cold(w, c, va, lf, lf2, reads2);
	/* The warm case: the level-3 fetch, through the nested TLB. */
	ipa = h->out + ((va >> 12) & 511) * 8;
	e = wc_leaf_find_pa(ntlb, w->vmid, ipa, &pa);
	if (!e || !(e->perm & S2_MMU_PERM_R1) || !read_off(w, pa - w->mem.base, &d) ||
	    (d & c->fast_mask) != (DESC_VALID | DESC_PAGE))
		return 0;
	/* Three distinct caches (walk_wc_fast_ok()): each its own order. */
	w->reads++;
	wc_hit_at(w, wc, h, 2);
	ntlb->stats.lookups++;
	wc_hit(ntlb, e);
	w->s2_cache_hits++;
	leaf_set(lf, d, (uint64_t)h->tbl << 59, 3, 12, d & c->oa_mask, va);
	w->s1_dipa = ipa;
	return final_s2_cached(w, lf->out, lf2, reads2);
}

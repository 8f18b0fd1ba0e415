/* SPDX-License-Identifier: MIT */
/*
 * Private to the MMU model: the walk caches (struct s2_wc, tlb.h) as the
 * walker uses them. walk_cache.c keeps them: look-up, fill, replacement,
 * and what each TLBI removes from them. The walker (walk.c) decides when
 * to look up and what to fill.
 */
#ifndef S2MM_MODEL_WALK_CACHE_H
#define S2MM_MODEL_WALK_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <s2mm/mmu.h>
#include <s2mm/tlb.h>

#include "internal.h"
#include "tlb_sets.h"

/* A table descriptor a walk cache gave: where the walk goes on. */
struct wc_table {
	uint64_t table;   /* next level's table address */
	int level;        /* the cached descriptor's level */
	uint8_t tbl;      /* stage 1: table bits [63:59] accumulated, >> 59 */
};

/* The lowest input bit a descriptor at @level indexes (its range's log2). */
static inline unsigned wc_level_shift(const struct s2_mmu_tt *c, int level)
{
	return c->gbits + (unsigned)(3 - level) * c->stride;
}

/*
 * Levels of one prefix spread over neighbouring sets. The set's byte
 * offset from the mask and stride s2_tlb_walk_cache() keeps: a look-up
 * with warm caches is mostly this and the compares.
 */
static inline struct s2_wc_entry *wc_set(const struct s2_wc *wc, uint64_t tag,
					 int level)
{
	uint64_t set = (tag + (uint64_t)(level + 1)) & wc->set_mask;

	return (struct s2_wc_entry *)((char *)wc->entries + set * wc->set_bytes);
}

/*
 * An entry's vmid, asid, level, shift, gbits and valid as one word: a
 * look-up compares the tag and this key, two compares a way (field by
 * field, a TLB-miss-heavy s2mm run spent as much on the probes as on
 * the descriptor reads they save).
 */
_Static_assert(offsetof(struct s2_wc_entry, asid) == offsetof(struct s2_wc_entry, vmid) + 2 &&
	       offsetof(struct s2_wc_entry, level) == offsetof(struct s2_wc_entry, vmid) + 4 &&
	       offsetof(struct s2_wc_entry, shift) == offsetof(struct s2_wc_entry, vmid) + 5 &&
	       offsetof(struct s2_wc_entry, gbits) == offsetof(struct s2_wc_entry, vmid) + 6 &&
	       offsetof(struct s2_wc_entry, valid) == offsetof(struct s2_wc_entry, vmid) + 7 &&
	       __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	       "vmid to valid: one little-endian 64-bit key");
#define WC_KEY(vmid, asid, level, shift, gbits) \
	((uint64_t)(vmid) | (uint64_t)(asid) << 16 | (uint64_t)(uint8_t)(level) << 32 | \
	 (uint64_t)(shift) << 40 | (uint64_t)(gbits) << 48 | 1ULL << 56)
/* The nested TLB's key leaves out the leaf's level: any level answers. */
#define WC_KEY_NOLEVEL (~(0xffULL << 32))

static inline uint64_t wc_key(const struct s2_wc_entry *e)
{
	uint64_t k;

	__builtin_memcpy(&k, &e->vmid, sizeof(k));
	return k;
}

/*
 * The first way of the set at @e holding @tag and, under @mask, @key:
 * ways run from @e to the set's end (at least one).
 */
static inline __attribute__((always_inline)) struct s2_wc_entry *
wc_ways(const struct s2_wc *wc, struct s2_wc_entry *e, uint64_t tag,
	uint64_t key, uint64_t mask)
{
	const struct s2_wc_entry *end =
		(const struct s2_wc_entry *)((const char *)e + wc->set_bytes);

	do {
		if (e->tag == tag && (wc_key(e) & mask) == key)
			return e;
	} while (++e < end);
	return NULL;
}

/* A hit on @e: counted by its level, and its LRU time. */
static inline void wc_hit(struct s2_wc *wc, struct s2_wc_entry *e)
{
	/* hits[level + 1], indexed without a 32-bit sum to widen. */
	(wc->stats.hits + 1)[(intptr_t)e->level]++;
	e->stamp = ++wc->clock;
}

/*
 * The entry wc_table_lookup() would hit, uncounted: for a walk that decides
 * whether to use it before it counts anything (walk_wc_fast.c). @gbits:
 * the granule's, a constant where the caller knows it (shifts and keys
 * then fold), with @start the walk's start level; levels @top down to
 * @start are probed (a caller that found level 2 empty starts below it).
 */
static inline __attribute__((always_inline)) struct s2_wc_entry *
wc_table_find_from(const struct s2_wc *wc, int top, int start,
		   const unsigned gbits, uint16_t vmid, uint16_t asid, uint64_t ia)
{
	const uint64_t key0 = WC_KEY(vmid, asid, 0, 0, gbits);

	/* The deepest first: it skips the most reads. */
#pragma GCC unroll 4
	for (int level = top; level >= start; level--) {
		unsigned shift = gbits + (unsigned)(3 - level) * (gbits - 3);
		uint64_t tag = ia >> shift;
		uint64_t key = key0 | WC_KEY(0, 0, level, shift, 0);
		struct s2_wc_entry *e = wc_ways(wc, wc_set(wc, tag, level), tag, key, ~0ULL);

		if (e)
			return e;
	}
	return NULL;
}

/* wc_table_find_from() from level 2, the deepest a walk cache holds. */
static inline __attribute__((always_inline)) struct s2_wc_entry *
wc_table_find_g(const struct s2_wc *wc, int start, const unsigned gbits,
		uint16_t vmid, uint16_t asid, uint64_t ia)
{
	return wc_table_find_from(wc, 2, start, gbits, vmid, asid, ia);
}

static inline struct s2_wc_entry *wc_table_find(const struct s2_wc *wc,
						const struct s2_mmu_tt *c,
						uint16_t vmid, uint16_t asid,
						uint64_t ia)
{
	return wc_table_find_g(wc, c->start, c->gbits, vmid, asid, ia);
}

/*
 * The deepest table descriptor @wc holds for input address @ia in a walk
 * of @c's geometry (levels @c->start to 2), tagged @vmid and @asid (0 for
 * stage 2). Counts the look-up and its hit level. @ia: stage 1's VA with
 * bits [63:56] cleared, or an IPA. Inline: a walk with warm caches is
 * mostly look-ups.
 */
static inline bool wc_table_lookup(struct s2_wc *wc, const struct s2_mmu_tt *c,
				   uint16_t vmid, uint16_t asid, uint64_t ia,
				   struct wc_table *out)
{
	struct s2_wc_entry *e = wc_table_find(wc, c, vmid, asid, ia);

	wc->stats.lookups++;
	if (!e) {
		wc->stats.misses++;
		return false;
	}
	wc_hit(wc, e);
	out->table = e->out;
	out->level = e->level;
	out->tbl = e->tbl;
	return true;
}

/*
 * Cache the table descriptor read at @level for @ia: @next, the next
 * level's table; @tbl, the table bits accumulated with it.
 */
void wc_table_fill(struct s2_wc *wc, const struct s2_mmu_tt *c, uint16_t vmid,
		   uint16_t asid, uint64_t ia, int level, uint64_t next,
		   uint8_t tbl);

/* The entry wc_leaf_lookup() would hit, uncounted (see wc_table_find()). */
static inline struct s2_wc_entry *wc_leaf_find(const struct s2_wc *wc,
					       uint16_t vmid, uint64_t ipa)
{
	for (uint64_t shifts = wc->shifts; shifts; shifts &= shifts - 1) {
		unsigned shift = (unsigned)__builtin_ctzll(shifts);
		uint64_t tag = ipa >> shift, key = WC_KEY(vmid, 0, 0, shift, 0);
		struct s2_wc_entry *e = wc_ways(wc, wc_set(wc, tag, 0), tag, key,
						WC_KEY_NOLEVEL);

		if (e)
			return e;
	}
	return NULL;
}

/*
 * wc_leaf_find(), and the PA of @ipa in the leaf found (@pa), with one
 * probe when @wc holds leaves of one size, as a guest's stage 2 mostly
 * does (wc->shift1, with its key and low bits): none held, it probes a
 * size no leaf has (63), whose key no entry holds, and finds nothing, as
 * the loop.
 */
static inline __attribute__((always_inline)) struct s2_wc_entry *
wc_leaf_find_pa(const struct s2_wc *wc, uint16_t vmid, uint64_t ipa,
		uint64_t *pa)
{
	unsigned shift = wc->shift1;
	struct s2_wc_entry *e;
	uint64_t tag;

	if (__builtin_expect(shift > 63, 0)) {
		e = wc_leaf_find(wc, vmid, ipa);
		if (e)
			*pa = e->out | (ipa & LOWMASK(e->shift));
		return e;
	}
	tag = ipa >> shift;
	e = wc_ways(wc, wc_set(wc, tag, 0), tag, vmid | wc->key1, WC_KEY_NOLEVEL);
	if (e)
		*pa = e->out | (ipa & wc->low1);
	return e;
}

/*
 * The nested TLB: a stage-2 leaf for a stage-1 descriptor fetch at @ipa,
 * probed for each block size it holds, the smallest first.
 */
static inline bool wc_leaf_lookup(struct s2_wc *wc, uint16_t vmid, uint64_t ipa,
				  struct s2_leaf *out)
{
	struct s2_wc_entry *e = wc_leaf_find(wc, vmid, ipa);

	wc->stats.lookups++;
	if (!e) {
		wc->stats.misses++;
		return false;
	}
	wc_hit(wc, e);
	out->pa = e->out | (ipa & LOWMASK(e->shift));
	out->level = e->level;
	out->shift = e->shift;
	out->perm = e->perm;
	out->memattr = e->memattr;
	out->sh = e->sh;
	return true;
}

void wc_leaf_fill(struct s2_wc *wc, uint16_t vmid, uint64_t ipa,
		  const struct s2_leaf *leaf);

/*
 * Whether two walk-cache entries are the same, field by field (the
 * checked model's comparisons of a fast path's caches with the general
 * path's).
 */
static inline bool wc_entry_same(const struct s2_wc_entry *a, const struct s2_wc_entry *b)
{
	return a->tag == b->tag && a->out == b->out && a->stamp == b->stamp &&
	       a->vmid == b->vmid && a->asid == b->asid && a->level == b->level &&
	       a->shift == b->shift && a->gbits == b->gbits && a->valid == b->valid &&
	       a->perm == b->perm && a->memattr == b->memattr && a->sh == b->sh &&
	       a->tbl == b->tbl;
}

/* Remove from @tlb's walk caches what TLBI @op reaches (D8.13). */
void wc_tlbi(struct s2_tlb *tlb, const struct s2_tlbi *op);

/* Zero the walk caches' counters. */
void wc_stats_reset(struct s2_tlb *tlb);

#endif /* S2MM_MODEL_WALK_CACHE_H */

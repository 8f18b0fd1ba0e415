/* SPDX-License-Identifier: MIT */
/*
 * The MMU model's TLB miss in the usual case, the miss lane: walk, check
 * and fill in one function, for the context s2_tlb_translate() validated
 * for its inline hit. The usual case: an AArch64 EL1 with both stages on,
 * the 4KB granule and OAs of at most 48 bits at both (fast4k), no
 * HCR_EL2.PTW, no hardware Access flag or dirty state, no stale-entry
 * checking; either every translation cache on (the stage-1 and stage-2
 * walk caches and the nested TLB) or none (no TLB entry serving stage-1
 * fetches either); and per access, a walk without a fault whose leaves
 * have AF set and no Contiguous hint, a stage-2 leaf without DBM, and
 * both stages granting the access. With the caches on, the
 * walk is the warm one (s2_model_walk2d_cached()'s straight-line case:
 * the stage-1 walk cache's level-2 entry, the level-3 table page in the
 * nested TLB, a page; the stage-2 walk cache's level-2 entry and a page,
 * or its level-1 entry and a 2MB block); with none, the fast 2D walk
 * (walk_fast.c). Anything else goes to the general miss
 * (s2_model_miss_walk()) with nothing changed: the lane finds everything
 * first and only then counts and fills.
 *
 * What the general miss spends around its walk, the lane does once per
 * context (lane_prepare(), into struct s2_tlb_lane): the regime's
 * checks, the walk caches' keys, the fast walk's values, the stage-2
 * grants by descriptor bits. What is left is the walk, the leaves'
 * grants and attributes, the result written once, the counters and the
 * entry written from the leaves in place. The checked build
 * (S2MM_MODEL_CHECK_FAST) runs the general miss after every miss the
 * lane serves, on the state as it was, and traps on any difference in
 * the result, the TLB (entries, counters, cursor, fill log, free count)
 * or the walk caches (entries, counters). Freestanding.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <s2mm/arch.h>
#include <s2mm/error.h>
#include <s2mm/mmu.h>
#include <s2mm/tlb.h>

#include "attr.h"
#include "internal.h"
#include "lane.h"
#include "leaf_memo.h"
#include "regime.h"
#include "tlb_sets.h"
#include "walk.h"
#include "walk_cache.h"
#include "walk_fast.h"

/* struct s2_tlb_lane's state. 0: not prepared since the context changed. */
enum {
	LANE_NONE = 1,   /* not the usual case: every miss is the general one */
	LANE_WC,         /* every translation cache on: the warm walk */
	LANE_FAST,       /* none on: the fast 2D walk */
};

/* A 4KB-granule walk cache's level-2 and level-1 entries: 2MB, 1GB. */
#define LANE_WC_SHIFT2 21
#define LANE_WC_SHIFT1 30

/*
 * The entry's words from attr on, as the miss writes them: attr to
 * s2_perm one word, s2_memattr to vmid one word, kind to clean four
 * bytes (tlb_sets.h: the result has the same bytes from attr to vmid).
 */
_Static_assert(offsetof(struct s2_tlb_entry, attr) == 24 &&
	       offsetof(struct s2_tlb_entry, s2_perm) == 31 &&
	       offsetof(struct s2_tlb_entry, s2_memattr) == 32 &&
	       offsetof(struct s2_tlb_entry, s2_sh) == 33 &&
	       offsetof(struct s2_tlb_entry, global) == 34 &&
	       offsetof(struct s2_tlb_entry, domain) == 35 &&
	       offsetof(struct s2_tlb_entry, asid) == 36 &&
	       offsetof(struct s2_tlb_entry, vmid) == 38 &&
	       offsetof(struct s2_tlb_entry, kind) == 40 &&
	       offsetof(struct s2_tlb_entry, shift) == 41 &&
	       offsetof(struct s2_tlb_entry, perm) == 42 &&
	       offsetof(struct s2_tlb_entry, clean) == 43,
	       "a TLB entry's words as the miss lane writes them");

static inline void put32(void *p, uint32_t v)
{
	__builtin_memcpy(p, &v, sizeof(v));
}

/*
 * The leaves @d1 (stage 1, under the table bits @t1) and
 * @d2 into @ln's memo (memo_hit(), memo_fill(), with the context's MAIR_EL1, FWB
 * and tags): false when the lane cannot finish with them.
 */
static WALK_INLINE bool lane_leaves(struct s2_tlb *tlb, struct s2_tlb_lane *ln,
				    const struct s2_mmu_tt *c, uint64_t d1, uint64_t t1,
				    uint64_t d2)
{
	return memo_hit(&ln->memo, d1, t1, d2) ||
	       memo_fill(&ln->memo, tlb->ctx.regs.mair_el1, tlb->regime.s2.memattr_fwb,
			 tlb->regime.vmid, c->asid, d1, t1, d2);
}

/*
 * Finish a walk the lane serves, whose leaves lane_leaves() took and
 * whose grants allow @a at @el (AArch64.S1CheckPermissions,
 * AArch64.S2CheckPermissions: else a permission fault, the general
 * miss's): the result, written once (as the general miss gives it:
 * full_s1(), final_s2()), the TLB's counters (miss_walk()) and the
 * combined entry (fill_walk() of S2_TLB_S12: both sizes the smaller one's,
 * the grants as the leaves give them, no write withheld). Stage 1 maps
 * 1 << @shift1 bytes of @va at @level1 to @ipa, stage 2 1 << @shift2 of
 * @ipa at @level2 to @pa. @reads: the walk's descriptor reads; @s2_hits:
 * its stage-1 fetches a cache served.
 */
static WALK_INLINE void lane_finish(struct s2_tlb *tlb, const struct s2_tlb_lane *ln,
				    unsigned a, unsigned el, uint64_t va,
				    int level1, unsigned shift1, uint64_t ipa,
				    int level2, unsigned shift2, uint64_t pa,
				    uint32_t reads, uint32_t s2_hits,
				    struct s2_mmu_result *res)
{
	struct s2_tlb_stats *st = &tlb->stats;
	unsigned shift = shift1 < shift2 ? shift1 : shift2;
	uint64_t mask = BIT(shift) - 1;
	uint64_t w40 = memo_w40(&ln->memo, level1, level2);
	uint64_t ids = ln->memo.ids;
	char *e;

	memo_result(&ln->memo, res, a, el, va, level1, shift1, ipa, level2, shift2, pa, reads);
	st->translations++;
	st->misses++;
	st->walks++;
	st->walk_s2_hits += s2_hits;
	st->desc_reads += reads;
	st->last_walk_reads = reads;
	if (reads > st->max_walk_reads)
		st->max_walk_reads = reads;
	e = (char *)tlb_fill_slot(tlb, va, shift);
	put64(e, va & ~mask);
	put64(e + 8, ipa & ~mask);
	put64(e + 16, pa & ~mask);
	put64(e + 24, w40 | (uint64_t)shift << 32 | (uint64_t)shift << 40);
	put64(e + 32, ids);   /* a combined entry keeps no stage-2 MemAttr, SH */
	put32(e + 40, S2_TLB_S12 | shift << 8 | (unsigned)ln->memo.perm << 16);
}

/* Do the grants lane_leaves() took allow @a at @el? */
static WALK_INLINE bool lane_allows(const struct s2_tlb_lane *ln, unsigned a,
				    unsigned el)
{
	return memo_allows(&ln->memo, a, el);
}

/*
 * lane_wc()'s final stage 2: its walk-cache entry @h2 at @level2 - 1 (a
 * constant: 2, a page, or 1, a 2MB block), the leaf at its table's
 * index; then the leaves checked, each cache's look-up and hit counted
 * as the general walk counts them, and the miss finished. @h1, @e: the
 * stage-1 walk cache's and the nested TLB's entries the walk took to the
 * stage-1 leaf @d1, which maps @va to @ipa.
 */
static WALK_INLINE bool lane_wc_final(struct s2_tlb *tlb, struct s2_tlb_lane *ln,
				      const struct s2_mmu_tt *c, uint64_t va, unsigned a,
				      unsigned el, struct s2_wc_entry *h1,
				      struct s2_wc_entry *e, uint64_t d1, uint64_t ipa,
				      struct s2_wc_entry *h2, const int level2,
				      struct s2_mmu_result *res)
{
	const unsigned shift2 = 12 + 9 * (unsigned)(3 - level2);
	struct s2_wc *wc1 = tlb->wc[S2_WC_S1], *nt = tlb->wc[S2_WC_NESTED];
	struct s2_wc *wc2 = tlb->wc[S2_WC_S2];
	uint64_t pa2 = h2->out + ((ipa >> shift2) & 511) * 8, d2;

	if (pa2 - ln->walk.base > ln->walk.last)
		return false;
	d2 = __atomic_load_n((const uint64_t *)(ln->walk.hlo + (uintptr_t)pa2),
			     __ATOMIC_RELAXED);
	/* A page, or a block (4KB stage 2 from level 1: allowed at 2). */
	if ((d2 & ln->walk.leafm) != (level2 == 3 ? DESC_VALID | DESC_PAGE : DESC_VALID) ||
	    !lane_leaves(tlb, ln, c, d1, (uint64_t)h1->tbl << 59, d2) ||
	    !lane_allows(ln, a, el))
		return false;
	/* Three distinct caches (lane_prepare()): each its own order. */
	wc1->stats.lookups++;
	wc1->stats.hits[2 + 1]++;
	h1->stamp = ++wc1->clock;
	nt->stats.lookups++;
	wc_hit(nt, e);
	wc2->stats.lookups++;
	wc2->stats.hits[level2 - 1 + 1]++;
	h2->stamp = ++wc2->clock;
	lane_finish(tlb, ln, a, el, va, 3, 12, ipa, level2, shift2,
		    (d2 & ln->walk.oa2 & ~(BIT(shift2) - 1)) | (ipa & (BIT(shift2) - 1)),
		    2, 1, res);
	return true;
}

/*
 * The warm walk of @va through stage 1 @c (s2_model_walk2d_cached()'s
 * straight-line case, tried first by the general walk too): the stage-1
 * walk cache's level-2 entry, the level-3 descriptor fetched through the
 * nested TLB, the final IPA's level-2 entry in the stage-2 walk cache and
 * its page, or its level-1 entry and a 2MB block (final_s2_l1()). Found
 * in full and checked first, then counted. False, nothing changed: the
 * general miss.
 */
static WALK_INLINE bool lane_wc(struct s2_tlb *tlb, struct s2_tlb_lane *ln,
				const struct s2_mmu_tt *c, unsigned sel,
				uint64_t va, unsigned a, unsigned el,
				struct s2_mmu_result *res)
{
	struct s2_wc *wc1 = tlb->wc[S2_WC_S1], *wc2;
	/* The walk cache's tag: VA[55] picks the TTBR, the top byte is TBI's. */
	uint64_t tag = (va & GENMASK(55, 0)) >> LANE_WC_SHIFT2;
	uint64_t pa1, d1, ipa;
	struct s2_wc_entry *h1, *e, *h2;

	h1 = wc_ways(wc1, wc_set(wc1, tag, 2), tag, ln->wc1_key[sel], ~0ULL);
	if (!h1)
		return false;
	/* s1_fetch(): the nested TLB's leaf, readable (no PTW). */
	e = wc_leaf_find_pa(tlb->wc[S2_WC_NESTED], tlb->regime.vmid,
			    h1->out + ((va >> 12) & 511) * 8, &pa1);
	if (!e || !(e->perm & S2_MMU_PERM_R1) || pa1 - ln->walk.base > ln->walk.last)
		return false;
	d1 = __atomic_load_n((const uint64_t *)(ln->walk.hlo + (uintptr_t)pa1),
			     __ATOMIC_RELAXED);
	if ((d1 & c->fast_mask) != (DESC_VALID | DESC_PAGE))
		return false;
	ipa = (d1 & c->oa_mask) | (va & 0xfff);
	/* AArch64.IPAIsOutOfRange: the general walk faults. */
	if (ipa & ln->walk.range)
		return false;
	tag = ipa >> LANE_WC_SHIFT2;
	wc2 = tlb->wc[S2_WC_S2];
	h2 = wc_ways(wc2, wc_set(wc2, tag, 2), tag, ln->wc2_key, ~0ULL);
	if (__builtin_expect(h2 != NULL, 1))
		return lane_wc_final(tlb, ln, c, va, a, el, h1, e, d1, ipa, h2, 3, res);
	if (!ln->s2blk)
		return false;
	tag = ipa >> LANE_WC_SHIFT1;
	h2 = wc_ways(wc2, wc_set(wc2, tag, 1), tag, ln->wc2_key1, ~0ULL);
	return h2 && lane_wc_final(tlb, ln, c, va, a, el, h1, e, d1, ipa, h2, 2, res);
}

/*
 * The fast 2D walk of @va through stage 1 @c (walk_fast.h's, inline, as
 * the warm walk is), with the values lane_prepare() took: any leaf
 * sizes. False, nothing changed: the general miss.
 */
static WALK_INLINE bool lane_fast(struct s2_tlb *tlb, struct s2_tlb_lane *ln,
				  const struct s2_mmu_tt *c, uint64_t va, unsigned a,
				  unsigned el, struct s2_mmu_result *res)
{
	struct tt_leaf lf, lf2;
	uint32_t reads1, reads2;

	if (walk2d_fast_any(&ln->walk, c, va, ln->walk.s2start, &lf, &lf2, &reads1, &reads2) != 2 ||
	    !lane_leaves(tlb, ln, c, lf.desc, lf.table, lf2.desc) ||
	    !lane_allows(ln, a, el))
		return false;
	/* Pages at both stages, as the warm walk's: levels and sizes constant. */
	if (__builtin_expect(lf.level == 3 && lf2.level == 3, 1))
		lane_finish(tlb, ln, a, el, va, 3, 12, lf.out, 3, 12, lf2.out,
			    reads1 + reads2, 0, res);
	else
		lane_finish(tlb, ln, a, el, va, lf.level, lf.shift, lf.out,
			    lf2.level, lf2.shift, lf2.out, reads1 + reads2, 0, res);
	return true;
}

/*
 * The lane of the context as it is now, into @tlb->lane: what every miss
 * of the general walk would test again, tested once. Then the miss.
 */
static __attribute__((noinline, cold)) int
lane_prepare(struct s2_tlb *tlb, const struct s2_mmu_access *acc,
	     struct s2_mmu_result *res)
{
	struct s2_tlb_lane *ln = &tlb->lane;
	const struct s2_tlb_ctx *x = &tlb->ctx;
	struct s2_mmu_regime *rc = &tlb->regime;
	struct s2_wc *wc1 = tlb->wc[S2_WC_S1], *wc2 = tlb->wc[S2_WC_S2];
	struct s2_wc *nt = tlb->wc[S2_WC_NESTED];
	const struct s2_mmu_tt *s2;
	struct s2_walk w = { 0 };

	*ln = (struct s2_tlb_lane){ .state = LANE_NONE };
	/* Stage 2 on (combined entries): the lane's context (S2_MODEL_LANE). */
	if (((x->key >> 16) & 0xff) != S2_TLB_S12 || (x->regs.hcr_el2 & HCR_EL2_PTW))
		return s2_model_miss_lane(tlb, acc, res);
	s2 = regime_s2(rc, &x->cpu, &x->regs);
	if (!s2->fast4k)
		return s2_model_miss_lane(tlb, acc, res);
	w.mem.base = x->mem.base;
	w.mem.last = x->mem.size - 8;
	w.mem.host = (uintptr_t)x->mem.host;
	w.s2 = s2;
	w.s2_base_off = s2->base - w.mem.base;
	w.s2_fast = s2->fast_mask;
	w.s2_oa_mask = s2->oa_mask;
	w.s2_range = s2->range_mask;
	/* walk_wc_fast_ok(): three distinct caches. */
	if (wc1 && wc2 && nt && wc1 != wc2 && wc1 != nt && wc2 != nt) {
		/* The window and stage 2's masks, as the fast walk has them. */
		s2_model_walk2d_regs(&ln->walk, &w);
		ln->state = LANE_WC;
	} else if (!wc1 && !wc2 && !nt && tlb->no_s2_fetch && regime_blk(rc, &w)) {
		/* regime_blk(): the fast walk's block of stage-2 tables. */
		s2_model_walk2d_regs(&ln->walk, &w);
		ln->state = LANE_FAST;
	} else {
		return s2_model_miss_lane(tlb, acc, res);
	}
	memo_prepare(&ln->memo, &x->cpu, x->regs.sctlr_el1);
	for (unsigned sel = 0; sel < 2; sel++) {
		const struct s2_mmu_tt *c = regime_s1(rc, &x->cpu, &x->regs, false, sel);

		/* fast4k: valid, no HA (so no HD). The warm walk: level 2 cached. */
		if (c->fast4k && (ln->state == LANE_FAST || c->start <= 2))
			ln->s1ok |= (uint8_t)(1u << sel);
		ln->wc1_key[sel] = WC_KEY(rc->vmid, c->asid, 2, LANE_WC_SHIFT2, 12);
	}
	ln->wc2_key = WC_KEY(rc->vmid, 0, 2, LANE_WC_SHIFT2, 12);
	ln->wc2_key1 = WC_KEY(rc->vmid, 0, 1, LANE_WC_SHIFT1, 12);
	/*
	 * final_s2_l1(): a level-1 entry, where the walk has one; below it
	 * a 2MB block, which the 4KB granule always allows at level 2
	 * (AArch64.BlockDescSupported).
	 */
	ln->s2blk = s2->start <= 1;
	return s2_model_miss_lane(tlb, acc, res);
}

/*
 * The lane's miss in @state (LANE_WC or LANE_FAST, a constant where the
 * caller knows it): true when served, false with nothing changed. @acc
 * is valid (S2_MMU_EXEC at most, EL 0 or 1).
 */
static WALK_INLINE bool lane_miss(struct s2_tlb *tlb, const struct s2_mmu_access *acc,
				  struct s2_mmu_result *res, const unsigned state)
{
	struct s2_tlb_lane *ln = &tlb->lane;
	uint64_t va = acc->va;
	unsigned a = acc->acc, el = acc->el, sel = (unsigned)(va >> 55) & 1;
	const struct s2_mmu_tt *c = regime_s1_half(&tlb->regime, sel);

	/* Stage 1's input address check (s1_check_in(): fast4k, no fault). */
	if (!((ln->s1ok >> sel) & 1) || (va & c->range_mask) != c->range_want)
		return false;
	if (state == LANE_WC)
		return lane_wc(tlb, ln, c, sel, va, a, el, res);
	return lane_fast(tlb, ln, c, va, a, el, res);
}

#ifdef S2MM_MODEL_CHECK_FAST
/*
 * Self-check build: every miss the lane serves is served again by the
 * general miss from the state as it was, and must give the same result
 * and leave the TLB and its walk caches the same; a miss it declines
 * must have changed nothing. Counted: [0] declined, [1] served.
 */
unsigned long s2_model_lane_misses[2];

#define CHECK_LANE_MAX 4096

static struct s2_tlb check_tlb[2];
static struct s2_tlb_entry check_ent[2][CHECK_LANE_MAX];
static struct s2_wc check_wc[2][S2_WC_NR];
static struct s2_wc_entry check_wce[2][S2_WC_NR][CHECK_LANE_MAX];

/* Copy @tlb's state (TLB, entries, walk caches) into check slot @k. */
static void lane_save(const struct s2_tlb *tlb, unsigned k)
{
	check_tlb[k] = *tlb;
	for (uint32_t i = 0; i < tlb->sets * tlb->ways; i++)
		check_ent[k][i] = tlb->entries[i];
	for (unsigned t = 0; t < S2_WC_NR; t++) {
		const struct s2_wc *wc = tlb->wc[t];

		if (!wc)
			continue;
		check_wc[k][t] = *wc;
		for (uint32_t i = 0; i < wc->sets * wc->ways; i++)
			check_wce[k][t][i] = wc->entries[i];
	}
}

/* Put check slot @k's state back into @tlb. */
static void lane_restore(struct s2_tlb *tlb, unsigned k)
{
	*tlb = check_tlb[k];
	for (uint32_t i = 0; i < tlb->sets * tlb->ways; i++)
		tlb->entries[i] = check_ent[k][i];
	for (unsigned t = 0; t < S2_WC_NR; t++) {
		struct s2_wc *wc = tlb->wc[t];

		if (!wc)
			continue;
		*wc = check_wc[k][t];
		for (uint32_t i = 0; i < wc->sets * wc->ways; i++)
			wc->entries[i] = check_wce[k][t][i];
	}
}

static bool bytes_eq(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return false;
	return true;
}

static bool entry_eq(const struct s2_tlb_entry *a, const struct s2_tlb_entry *b)
{
	/* Up to clean: the padding after it is no entry's. */
	return bytes_eq(a, b, offsetof(struct s2_tlb_entry, clean) + 1);
}

/* Does @tlb's state equal check slot @k's? */
static bool lane_same(const struct s2_tlb *tlb, unsigned k)
{
	const struct s2_tlb *o = &check_tlb[k];

	if (!bytes_eq(&tlb->stats, &o->stats, sizeof(tlb->stats)) ||
	    tlb->victim != o->victim || tlb->free != o->free || tlb->shifts != o->shifts ||
	    tlb->fills_n != o->fills_n || tlb->fills_vmid != o->fills_vmid ||
	    !bytes_eq(tlb->fills, o->fills, sizeof(tlb->fills)))
		return false;
	for (uint32_t i = 0; i < tlb->sets * tlb->ways; i++)
		if (!entry_eq(&tlb->entries[i], &check_ent[k][i]))
			return false;
	for (unsigned t = 0; t < S2_WC_NR; t++) {
		const struct s2_wc *wc = tlb->wc[t], *ow = &check_wc[k][t];

		if (!wc)
			continue;
		if (!bytes_eq(&wc->stats, &ow->stats, sizeof(wc->stats)) ||
		    wc->clock != ow->clock || wc->victim != ow->victim ||
		    wc->shifts != ow->shifts || wc->fills_n != ow->fills_n)
			return false;
		for (uint32_t i = 0; i < wc->sets * wc->ways; i++)
			if (!wc_entry_same(&wc->entries[i], &check_wce[k][t][i]))
				return false;
	}
	return true;
}

static bool lane_small(const struct s2_tlb *tlb)
{
	if ((uint64_t)tlb->sets * tlb->ways > CHECK_LANE_MAX)
		return false;
	for (unsigned t = 0; t < S2_WC_NR; t++)
		if (tlb->wc[t] && (uint64_t)tlb->wc[t]->sets * tlb->wc[t]->ways > CHECK_LANE_MAX)
			return false;
	return true;
}

static bool check_lane(struct s2_tlb *tlb, const struct s2_mmu_access *acc,
		       struct s2_mmu_result *res)
{
	struct s2_mmu_result general;
	bool served;

	if (!lane_small(tlb))
		return lane_miss(tlb, acc, res, tlb->lane.state);
	lane_save(tlb, 0);
	served = lane_miss(tlb, acc, res, tlb->lane.state);
	s2_model_lane_misses[served]++;
	if (!served) {
		if (!lane_same(tlb, 0))
			__builtin_trap();
		return false;
	}
	lane_save(tlb, 1);
	lane_restore(tlb, 0);
	if (s2_model_miss_walk(tlb, acc, &general) ||
	    !result_same(&general, res) ||
	    !lane_same(tlb, 1))
		__builtin_trap();
	return true;
}
#endif

/*
 * The lane's miss in @state, else the general one. Each state its own
 * function, so that each walk has the registers to itself.
 */
static WALK_INLINE int lane_or_general(struct s2_tlb *tlb,
				       const struct s2_mmu_access *acc,
				       struct s2_mmu_result *res, const unsigned state)
{
#ifdef S2MM_MODEL_CHECK_FAST
	(void)state;
	if (check_lane(tlb, acc, res))
		return 0;
#else
	if (lane_miss(tlb, acc, res, state))
		return 0;
#endif
	return s2_model_miss_walk(tlb, acc, res);
}

static __attribute__((noinline)) int
lane_miss_wc(struct s2_tlb *tlb, const struct s2_mmu_access *acc,
	     struct s2_mmu_result *res)
{
	return lane_or_general(tlb, acc, res, LANE_WC);
}

static __attribute__((noinline)) int
lane_miss_fast(struct s2_tlb *tlb, const struct s2_mmu_access *acc,
	       struct s2_mmu_result *res)
{
	return lane_or_general(tlb, acc, res, LANE_FAST);
}

int s2_model_miss_lane(struct s2_tlb *tlb, const struct s2_mmu_access *acc,
		       struct s2_mmu_result *res)
{
	unsigned state = tlb->lane.state;

	/* A bad access is the general miss's error; so is any other case. */
	if (__builtin_expect(state < LANE_WC, 0) || acc->el > 1 ||
	    acc->acc > S2_MMU_EXEC) {
		if (!state)
			return lane_prepare(tlb, acc, res);
		return s2_model_miss_walk(tlb, acc, res);
	}
	if (state == LANE_WC)
		return lane_miss_wc(tlb, acc, res);
	return lane_miss_fast(tlb, acc, res);
}

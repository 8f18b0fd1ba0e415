/* SPDX-License-Identifier: MIT */
/*
 * The TLB miss lane (model/lane.c) against the general miss: two TLBs of
 * the same shape translate the same accesses over the same tables, one in
 * the inline hit's context (its misses take the lane), the other with
 * stale-entry checking on (every miss the general walk and fill, and the
 * check a fresh walk that agrees here: nothing changes the tables). After
 * each access the two must agree on everything: the result byte for byte,
 * the TLB's counters and entries, the walk caches' counters and entries.
 * The leaves vary in every bit the lane reads (permissions, attributes,
 * shareability, nG, AF, DBM, Contiguous, table bits), with both VA halves,
 * page and block leaves, and caches warm, cold, small and off. Linked
 * with the checked model too, which also compares every miss the lane
 * serves with the general miss from the same state, and counts them: there
 * the lane must have served, and declined, as many as the accesses say.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <s2mm/arch.h>
#include <s2mm/error.h>
#include <s2mm/mmu.h>
#include <s2mm/tlb.h>
#include <s2mm/tlb_fast.h>

#include "lworld.h"
#include "tt.h"

/* Twin TLBs: [0] takes the lane, [1] the general miss (stale checking). */
struct twin {
	struct s2_tlb tlb[2];
	struct s2_tlb_entry ent[2][16 * 4];
	struct s2_wc wc[2][S2_WC_NR];
	struct s2_wc_entry wce[2][S2_WC_NR][16 * 4];
};

/* Both TLBs of @k the same shape: walk caches @caches (bit n: S2_WC_n). */
static void twin_init(struct twin *k, unsigned caches, bool fetch, uint32_t wc_sets,
		      uint32_t wc_ways)
{
	for (unsigned i = 0; i < 2; i++) {
		assert_int_equal(s2_tlb_init(&k->tlb[i], k->ent[i], 16, 4), 0);
		s2_tlb_set_check_stale(&k->tlb[i], i == 1);
		s2_tlb_set_s2_fetch(&k->tlb[i], fetch);
		for (unsigned t = 0; t < S2_WC_NR; t++)
			if (caches & (1u << t))
				assert_int_equal(s2_tlb_walk_cache(&k->tlb[i], t, &k->wc[i][t],
								   k->wce[i][t], wc_sets, wc_ways,
								   t == S2_WC_NESTED ? S2_WC_LRU :
								   S2_WC_ROUND_ROBIN), 0);
	}
}

static void assert_wc_equal(const struct s2_wc *a, const struct s2_wc *b)
{
	assert_memory_equal(&a->stats, &b->stats, sizeof(a->stats));
	assert_int_equal(a->clock, b->clock);
	for (uint32_t i = 0; i < a->sets * a->ways; i++) {
		const struct s2_wc_entry *x = &a->entries[i], *y = &b->entries[i];

		assert_int_equal(x->valid, y->valid);
		if (!x->valid)
			continue;
		assert_int_equal(x->tag, y->tag);
		assert_int_equal(x->out, y->out);
		assert_int_equal(x->stamp, y->stamp);
		assert_int_equal(x->level, y->level);
		assert_int_equal(x->perm, y->perm);
	}
}

/* The twins agree: statistics, replacement, entries, walk caches. */
static void assert_twins(const struct twin *k)
{
	const struct s2_tlb *a = &k->tlb[0], *b = &k->tlb[1];
	struct s2_tlb_stats sb = b->stats;

	/* Only the stale check's count may differ (twin_run()). */
	assert_int_equal(a->stats.stale_hits, 0);
	sb.stale_hits = 0;
	assert_memory_equal(&a->stats, &sb, sizeof(sb));
	assert_int_equal(a->victim, b->victim);
	assert_int_equal(a->free, b->free);
	assert_int_equal(a->free, a->sets * a->ways - s2_tlb_count(a));
	assert_int_equal(a->shifts, b->shifts);
	assert_int_equal(a->fills_n, b->fills_n);
	assert_memory_equal(a->fills, b->fills, sizeof(a->fills));
	for (unsigned i = 0; i < 64; i++)
		assert_memory_equal(&a->entries[i], &b->entries[i],
				    offsetof(struct s2_tlb_entry, clean) + 1);
	for (unsigned t = 0; t < S2_WC_NR; t++) {
		assert_true(!a->wc[t] == !b->wc[t]);
		if (a->wc[t])
			assert_wc_equal(a->wc[t], b->wc[t]);
	}
}

/* A random access to a mapped page (or, rarely, beyond the VA space). */
static struct s2_mmu_access access_random(struct lworld *w)
{
	uint64_t r = rnd(w), va;

	switch (usual ? 4 : (r >> 60) % 8) {
	case 0:
		va = VA_HI + ((r >> 12) % 256) * 4096;
		break;
	case 1:
		va = VA_S1BLK + ((r >> 12) % 512) * 4096;
		break;
	case 4:
		if (usual)
			va = (r >> 59) & 1 ? VA_HI + ((r >> 12) % 256) * 4096 :
					     VA_INBLK + ((r >> 12) % 256) * 4096;
		else
			va = VA_LO + ((r >> 12) % (512 + 256)) * 4096;
		break;
	case 2:
		va = VA_INBLK + ((r >> 12) % 256) * 4096;
		break;
	case 3:
		/* Out of TTBR0's range (T0SZ=16): a translation fault. */
		va = rarely(w, 8, 1ULL << 50) | VA_LO;
		break;
	default:
		va = VA_LO + ((r >> 12) % (512 + 256)) * 4096;
		break;
	}
	/* Usual: reads and writes (EL0-writable pages are EL1-execute-never). */
	return (struct s2_mmu_access){ va | (r & 0xff8),
				       (uint8_t)((r >> 40) % (usual ? 2 : 3)),
				       (uint8_t)((r >> 44) & 1) };
}

/* The checked model's lane counts (weak: absent from the other model). */
extern unsigned long s2_model_lane_misses[2] __attribute__((weak));

/*
 * @n random accesses through the twins of @k over @w: each must give the
 * same result and leave the same state. Returns how many the checked
 * model's lane served (0 without it).
 */
static unsigned long twin_run(struct lworld *w, struct twin *k, unsigned n)
{
	unsigned long served = s2_model_lane_misses ? s2_model_lane_misses[1] : 0;

	for (unsigned i = 0; i < n; i++) {
		struct s2_mmu_access a = access_random(w);
		struct s2_mmu_result r[2];

		for (unsigned j = 0; j < 2; j++)
			assert_int_equal(s2_tlb_translate(&k->tlb[j], &w->t.mem, &w->cpu,
							  &w->regs, &a, &r[j]), 0);
		/*
		 * The stale check's verdict aside: random Contiguous hints make
		 * misprogrammed ranges, whose range entries a fresh walk may
		 * contradict (test_contig.c); the lane's TLB checks nothing.
		 */
		assert_false(r[0].stale);
		r[1].stale = false;
		assert_memory_equal(&r[0], &r[1], offsetof(struct s2_mmu_result, contig) + 1);
		assert_twins(k);
	}
	return s2_model_lane_misses ? s2_model_lane_misses[1] - served : 0;
}

/*
 * Every translation cache on, then none (and no TLB entry serving
 * stage-1 fetches): the lane's two walks, over random leaves, agreeing
 * with the general miss throughout; the checked model says the lane
 * served most misses.
 */
static void lane_agrees_with_general_miss(void **state)
{
	(void)state;
	for (unsigned caches = 0; caches < 2; caches++) {
		struct lworld *w = lworld(0x9e3779b97f4a7c15ULL + caches);
		struct twin *k = calloc(1, sizeof(*k));
		unsigned long served;

		twin_init(k, caches ? 7 : 0, caches, 16, 4);
		served = twin_run(w, k, 6000);
		assert_true(k->tlb[0].stats.misses > 4000);
		/* Random leaves: a third to a half of them usual. */
		if (s2_model_lane_misses)
			assert_true(served > k->tlb[0].stats.misses / 4);
		free(k);
		lworld_free(w);
	}
}

/*
 * Usual leaves only (every grant, AF set, no hint, no DBM), and accesses
 * to pages through both VA halves and onto the stage-2 block: after a
 * round that warms the caches, the checked model's lane serves every
 * miss, with the caches on (the stage-2 walk cache's level-2 and level-1
 * entries) and off, and declines none; the same with a 40-bit IPA space
 * (stage 2 from level 1), and with it a 39-bit VA space (stage 1 from
 * level 1; TTBR1's stays 48 bits).
 */
static void lane_serves_the_usual_case(void **state)
{
	(void)state;
	usual = true;
	for (unsigned run = 0; run < 6; run++) {
		unsigned caches = run & 1;
		struct lworld *w;
		struct twin *k = calloc(1, sizeof(*k));
		unsigned long n[2] = { 0 }, served;
		uint64_t misses;

		ipa40 = run >= 2;
		va_mask = run >= 4 ? BIT39_MASK : ~0ULL;
		w = lworld(0x5851f42d4c957f2dULL + run);
		ipa40 = false;
		twin_init(k, caches ? 7 : 0, caches, 16, 4);
		twin_run(w, k, 2000);
		if (s2_model_lane_misses)
			memcpy(n, s2_model_lane_misses, sizeof(n));
		misses = k->tlb[0].stats.misses;
		served = twin_run(w, k, 2000);
		assert_int_equal(k->tlb[0].regime.s2.start, run >= 2 ? 1 : 0);
		assert_int_equal(k->tlb[0].regime.s1[0].start, run >= 4 ? 1 : 0);
		misses = k->tlb[0].stats.misses - misses;
		assert_true(misses > 1500);
		assert_int_equal(k->tlb[0].stats.faults[S2_MMU_FAULT_PERMISSION], 0);
		if (s2_model_lane_misses) {
			assert_int_equal(served, misses);
			assert_int_equal(s2_model_lane_misses[0], n[0]);
		}
		free(k);
		lworld_free(w);
		va_mask = ~0ULL;
	}
	usual = false;
}

/*
 * Small walk caches (one set, two ways) and a small nested TLB holding
 * leaves of two sizes (the stage-2 block's and pages): the warm walk is
 * rarely whole, and the lane declines or takes it as the caches say.
 */
static void lane_with_small_caches(void **state)
{
	struct lworld *w = lworld(0x2545f4914f6cdd1dULL);
	struct twin *k = calloc(1, sizeof(*k));

	(void)state;
	twin_init(k, 7, true, 1, 2);
	twin_run(w, k, 4000);
	twin_init(k, 7, true, 2, 4);
	twin_run(w, k, 4000);
	free(k);
	lworld_free(w);
}

/*
 * Configurations the lane leaves to the general miss (some caches on,
 * the TLB's own entries serving fetches, HCR_EL2.PTW, a stage 1 with the
 * hardware Access flag) agree too, and the checked model's lane serves
 * none of their misses.
 */
static void lane_declines_other_configurations(void **state)
{
	static const struct { unsigned caches; bool fetch; uint64_t hcr, tcr; } cfg[] = {
		{ 1u << S2_WC_S1 | 1u << S2_WC_NESTED, true, 0, 0 },
		{ 1u << S2_WC_S2, false, 0, 0 },
		{ 0, true, 0, 0 },
		{ 7, true, HCR_EL2_PTW, 0 },
		{ 0, false, HCR_EL2_PTW, 0 },
		{ 7, true, 0, TCR_EL1_HA },
		{ 0, false, 0, TCR_EL1_HA },
	};

	(void)state;
	for (unsigned c = 0; c < sizeof(cfg) / sizeof(cfg[0]); c++) {
		struct lworld *w;
		struct twin *k = calloc(1, sizeof(*k));

		/* The twins share the tables: no Access flag update between them. */
		keep_af = cfg[c].tcr & TCR_EL1_HA;
		w = lworld(77 + c);
		keep_af = false;

		w->regs.hcr_el2 |= cfg[c].hcr;
		w->regs.tcr_el1 |= cfg[c].tcr;
		twin_init(k, cfg[c].caches, cfg[c].fetch, 16, 4);
		assert_int_equal(twin_run(w, k, 1500), 0);
		free(k);
		lworld_free(w);
	}
}

/*
 * What the lane keeps per context follows the context: a new MAIR_EL1,
 * SCTLR_EL1.WXN, ASID or HCR_EL2.FWB gives the next misses the new
 * attributes, grants and tags; walk caches turned off or on mid-run and
 * the TLB's fetch setting take effect at once.
 */
static void lane_follows_the_context(void **state)
{
	struct lworld *w = lworld(0xdeadbeefcafef00dULL);
	struct twin *k = calloc(1, sizeof(*k));
	unsigned long served = 0;

	(void)state;
	twin_init(k, 7, true, 16, 4);
	served += twin_run(w, k, 1500);
	w->regs.mair_el1 = 0x44ff000cbbaa04ffULL;
	served += twin_run(w, k, 1500);
	w->regs.sctlr_el1 |= SCTLR_WXN;
	served += twin_run(w, k, 1500);
	w->regs.ttbr0_el1 ^= 3ULL << TTBR_ASID_SHIFT;
	w->regs.ttbr1_el1 ^= 3ULL << TTBR_ASID_SHIFT;
	served += twin_run(w, k, 1500);
	w->regs.hcr_el2 |= HCR_EL2_FWB;
	served += twin_run(w, k, 1500);
	/* The caches off: the lane's fast walk, once the fetches are off too. */
	for (unsigned i = 0; i < 2; i++)
		for (unsigned t = 0; t < S2_WC_NR; t++)
			assert_int_equal(s2_tlb_walk_cache(&k->tlb[i], t, NULL, NULL, 0, 0, 0), 0);
	served += twin_run(w, k, 1000);
	for (unsigned i = 0; i < 2; i++)
		s2_tlb_set_s2_fetch(&k->tlb[i], false);
	served += twin_run(w, k, 1500);
	if (s2_model_lane_misses)
		assert_true(served > 2000);
	free(k);
	lworld_free(w);
}

/*
 * TLBIs between the accesses: the lane fills into the slots they free
 * (the first free way, as the general fill), and fills a full TLB
 * round-robin; the fill log and the counters stay the general miss's.
 */
static void lane_fills_as_the_general_miss(void **state)
{
	struct lworld *w = lworld(0x1234567887654321ULL);
	struct twin *k = calloc(1, sizeof(*k));

	(void)state;
	twin_init(k, 7, true, 16, 4);
	for (unsigned round = 0; round < 40; round++) {
		struct s2_tlbi op = { S2_TLBI_VAALE1, VMID, VA_LO + (rnd(w) % 768) * 4096, 0 };

		if (round % 5 == 0)
			op.op = S2_TLBI_VMALLE1;
		if (round % 13 == 0)
			op.op = S2_TLBI_VMALLS12E1;
		for (unsigned i = 0; i < 2; i++)
			assert_int_equal(s2_tlb_tlbi(&k->tlb[i], &op), 0);
		assert_twins(k);
		twin_run(w, k, 100);
	}
	assert_true(k->tlb[0].stats.evictions > 0);
	free(k);
	lworld_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lane_agrees_with_general_miss),
		cmocka_unit_test(lane_serves_the_usual_case),
		cmocka_unit_test(lane_with_small_caches),
		cmocka_unit_test(lane_declines_other_configurations),
		cmocka_unit_test(lane_follows_the_context),
		cmocka_unit_test(lane_fills_as_the_general_miss),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

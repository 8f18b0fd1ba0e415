/* SPDX-License-Identifier: MIT */
/*
 * The library's Contiguous hints (s2_geom_set_contig()), judged by the MMU
 * model as the CPU: a TLB wired to the library's invalidations, with
 * stale checking on and misprogrammed runs made TLB conflict aborts
 * (S2_TLB_CONTIG_ABORT), and the break-before-make monitor
 * (s2_host_mm_check()) watching every store. After each operation every page of the range is
 * translated through that TLB: the translation must be the one the test
 * expects, no hit may be stale, and no run may be misprogrammed.
 */
#include "fixture.h"

#include <s2mm/monitor.h>
#include <s2mm/tlb.h>

#define IPA0   0x200000ULL       /* 2MB aligned */
#define PA0    0x1000000000ULL   /* data: never read */
#define NPAGE  512               /* the range the tests look at */

struct ct {
	struct fx f;
	struct s2_tlb tlb;
	struct s2_tlb_entry ent[64 * 4];
	uint64_t want[NPAGE];        /* PA of page i, or UINT64_MAX */
	unsigned int prot[NPAGE];    /* enum s2_prot of page i */
	bool old[NPAGE];             /* aged: AF=0 */
	uint64_t gsz;
};

static void hook_ipa(void *arg, const struct s2_pgtable *pgt, uint64_t ipa,
		     unsigned int level)
{
	struct ct *t = arg;
	struct s2_tlbi op = { S2_TLBI_IPAS2E1, 1, ipa, 0 };

	(void)pgt;
	(void)level;
	assert_int_equal(s2_tlb_tlbi(&t->tlb, &op), 0);
}

static void hook_vmid(void *arg, const struct s2_pgtable *pgt)
{
	struct ct *t = arg;
	struct s2_tlbi op = { S2_TLBI_VMALLS12E1, 1, 0, 0 };

	(void)pgt;
	assert_int_equal(s2_tlb_tlbi(&t->tlb, &op), 0);
}

static struct ct *ct_new_pa(unsigned int granule, bool contig, unsigned int pa_bits)
{
	struct ct *t = calloc(1, sizeof(*t));
	struct fx *f = &t->f;

	assert_non_null(t);
	fx_init(f, granule, 40, pa_bits, S2_START_LEVEL_AUTO);
	/* The layout is copied at init: again, with the hint. */
	s2_pgtable_destroy(&f->pt);
	/* The break-before-make monitor from the start: a violation aborts. */
	assert_int_equal(s2_host_mm_check(&f->hm, NULL, NULL), 0);
	assert_int_equal(s2_geom_set_contig(&f->g, contig), 0);
	assert_int_equal(s2_pgtable_init(&f->pt, &f->g, &f->hm.ops, f), 0);
	f->regs.vttbr_el2 = s2_geom_vttbr(&f->pt.geom, f->pt.root_pa, 1);
	f->regs.sctlr_el1 = 0;   /* guest MMU off: stage-2 entries by IPA */
	f->hm.tlbi_ipa_hook = hook_ipa;
	f->hm.tlbi_vmid_hook = hook_vmid;
	f->hm.hook_arg = t;
	assert_int_equal(s2_tlb_init(&t->tlb, t->ent, 64, 4), 0);
	s2_tlb_set_check_stale(&t->tlb, true);
	assert_int_equal(s2_tlb_set_contig(&t->tlb, S2_TLB_CONTIG_ABORT), 0);
	t->gsz = granule;
	for (unsigned int i = 0; i < NPAGE; i++)
		t->want[i] = UINT64_MAX;
	return t;
}

static struct ct *ct_new(unsigned int granule, bool contig)
{
	return ct_new_pa(granule, contig, 40);
}

static void ct_free(struct ct *t)
{
	fx_check_invariants(&t->f);
	fx_fini(&t->f);
	free(t);
}

static void expect_map(struct ct *t, uint64_t first, uint64_t n, uint64_t pa,
		       unsigned int prot)
{
	for (uint64_t i = first; i < first + n; i++) {
		t->want[i] = pa + (i - first) * t->gsz;
		t->prot[i] = prot;
		t->old[i] = false;
	}
}

/*
 * Translate every page (twice: a miss, then through whatever the TLB
 * holds) and compare with what the test expects.
 */
static void sweep(struct ct *t)
{
	for (unsigned int pass = 0; pass < 2; pass++) {
		for (unsigned int i = 0; i < NPAGE; i++) {
			uint64_t ipa = IPA0 + i * t->gsz + 8;
			struct s2_mmu_access a = { ipa, S2_MMU_WRITE, 1 };
			struct s2_mmu_result r;

			assert_int_equal(s2_tlb_translate(&t->tlb, &t->f.mem, &t->f.cpu,
							  &t->f.regs, &a, &r), 0);
			if (r.stale || r.fault.type == S2_MMU_FAULT_TLB_CONFLICT)
				fail_msg("page %u: %s", i, r.stale ? "stale TLB hit" :
					 "TLB conflict: a misprogrammed run");
			if (t->want[i] == UINT64_MAX) {
				assert_int_equal(r.fault.type, S2_MMU_FAULT_TRANSLATION);
				continue;
			}
			if (t->old[i]) {
				assert_int_equal(r.fault.type, S2_MMU_FAULT_ACCESS_FLAG);
				continue;
			}
			assert_int_equal(r.fault.type, (t->prot[i] & S2_PROT_W) ? 0 :
					 S2_MMU_FAULT_PERMISSION);
			assert_int_equal(r.pa, t->want[i] + 8);
		}
	}
	assert_int_equal(t->tlb.stats.contig_bad, 0);
}

/* Bit 52 of the leaf at page @i. */
static bool hinted(struct ct *t, unsigned int i)
{
	uint64_t desc;
	int level;

	assert_int_equal(s2_pgtable_lookup(&t->f.pt, IPA0 + i * t->gsz, &desc, &level), 0);
	return desc & DESC_CONTIGUOUS;
}

/* AArch64.ContiguousSize, and no run wider than the IPA space. */
static void contig_shift_spec(void **state)
{
	static const struct { unsigned int granule, ipa; int level; unsigned int want; } t[] = {
		{ 4096, 40, 3, 16 }, { 4096, 40, 2, 25 }, { 4096, 40, 1, 34 },
		{ 4096, 33, 1, 0 }, { 4096, 34, 1, 34 }, { 4096, 40, 0, 0 },
		{ 16384, 40, 3, 21 }, { 16384, 40, 2, 30 }, { 16384, 40, 1, 0 },
		{ 65536, 40, 3, 21 }, { 65536, 40, 2, 34 }, { 65536, 33, 2, 0 },
		{ 65536, 40, 1, 0 },
	};
	struct s2_geom g;

	(void)state;
	for (unsigned int i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(s2_geom_init(&g, t[i].granule, t[i].ipa, 40,
					      S2_START_LEVEL_AUTO), 0);
		assert_int_equal(s2_geom_contig_shift(&g, t[i].level), t[i].want);
	}
	assert_int_equal(s2_geom_set_contig(NULL, true), -S2_EINVAL);
	assert_false(g.contig);
	assert_int_equal(s2_geom_set_contig(&g, true), 0);
	assert_true(g.contig);
}

/* Off by default: no hint anywhere. */
static void contig_off_by_default(void **state)
{
	struct ct *t = ct_new(4096, false);

	(void)state;
	assert_int_equal(s2_pgtable_map(&t->f.pt, IPA0, 256 * 4096, PA0,
					 S2_PROT_RW, S2_MAP_PAGES), 0);
	expect_map(t, 0, 256, PA0, S2_PROT_RW);
	for (unsigned int i = 0; i < 256; i++)
		assert_false(hinted(t, i));
	sweep(t);
	assert_int_equal(t->tlb.stats.contig_fills, 0);
	ct_free(t);
}

/*
 * Pages: aligned runs of 16 hinted, one TLB entry each; then changes to
 * part of a run (unmap the 5th page, write-protect four, remap one, relax
 * one, age one) and to a whole run (write-protect).
 */
static void contig_pages_4k(void **state)
{
	struct ct *t = ct_new(4096, true);
	struct s2_pgtable *pt = &t->f.pt;
	uint64_t g = 4096;

	(void)state;
	/* 256 pages, and a 17-page run off the PA's alignment. */
	assert_int_equal(s2_pgtable_map(pt, IPA0, 256 * g, PA0, S2_PROT_RW,
					 S2_MAP_PAGES), 0);
	expect_map(t, 0, 256, PA0, S2_PROT_RW);
	assert_int_equal(s2_pgtable_map(pt, IPA0 + 256 * g, 32 * g, PA0 + 0x1000,
					 S2_PROT_RW, S2_MAP_PAGES), 0);
	expect_map(t, 256, 32, PA0 + 0x1000, S2_PROT_RW);
	/* Pages 291..330: run 19 (304..319) whole, runs 18 and 20 in part. */
	assert_int_equal(s2_pgtable_map(pt, IPA0 + 291 * g, 40 * g, PA0 + 291 * g,
					 S2_PROT_RW, S2_MAP_PAGES), 0);
	expect_map(t, 291, 40, PA0 + 291 * g, S2_PROT_RW);
	for (unsigned int i = 0; i < 331; i++)
		if (i < 288 || i >= 291)
			assert_int_equal(hinted(t, i), i < 256 || (i >= 304 && i < 320));
	sweep(t);
	assert_int_equal(t->tlb.stats.contig_fills, 17);

	/* Unmap the 5th page of run 1: the run loses its hint. */
	assert_int_equal(s2_pgtable_unmap(pt, IPA0 + 20 * g, g), 0);
	t->want[20] = UINT64_MAX;
	for (unsigned int i = 16; i < 48; i++)
		if (i != 20)
			assert_int_equal(hinted(t, i), i >= 32);
	sweep(t);

	/* Unmap the first 4 pages of run 8: from its start, not to its end. */
	assert_int_equal(s2_pgtable_unmap(pt, IPA0 + 128 * g, 4 * g), 0);
	for (unsigned int i = 128; i < 132; i++)
		t->want[i] = UINT64_MAX;
	assert_false(hinted(t, 140));
	sweep(t);

	/* Write-protect pages 34..37 of run 2. */
	assert_int_equal(s2_pgtable_wrprotect(pt, IPA0 + 34 * g, 4 * g), 0);
	for (unsigned int i = 34; i < 38; i++)
		t->prot[i] = S2_PROT_R;
	assert_false(hinted(t, 40));
	sweep(t);

	/* Write-protect run 3 whole: it stays hinted. */
	assert_int_equal(s2_pgtable_wrprotect(pt, IPA0 + 48 * g, 16 * g), 0);
	for (unsigned int i = 48; i < 64; i++)
		t->prot[i] = S2_PROT_R;
	assert_true(hinted(t, 50));
	sweep(t);
	/* Then relax one page of it (the dirty-logging fault). */
	assert_int_equal(s2_pgtable_relax(pt, IPA0 + 53 * g, S2_PROT_W), 0);
	t->prot[53] = S2_PROT_RW;
	assert_false(hinted(t, 48));
	sweep(t);

	/* Remap page 70 elsewhere. */
	assert_int_equal(s2_pgtable_map(pt, IPA0 + 70 * g, g, PA0 + 0x100000,
					 S2_PROT_RW, 0), 0);
	t->want[70] = PA0 + 0x100000;
	assert_false(hinted(t, 64));
	sweep(t);

	/* Mapping run 5 again as it is keeps its hint. */
	assert_int_equal(s2_pgtable_map(pt, IPA0 + 80 * g, 16 * g, PA0 + 80 * g,
					 S2_PROT_RW, S2_MAP_PAGES), 0);
	assert_true(hinted(t, 80));

	/* Age page 100: AF alone may differ within a run. */
	bool young;
	assert_int_equal(s2_pgtable_test_clear_young(pt, IPA0 + 100 * g, g, &young), 0);
	assert_true(young);
	t->old[100] = true;
	assert_true(hinted(t, 96));
	/*
	 * Ageing invalidates nothing (a TLB entry only delays the next AF
	 * fault, as in KVM): start from an empty TLB to see the fault.
	 */
	assert_int_equal(s2_tlb_tlbi(&t->tlb, &(struct s2_tlbi){ .op = S2_TLBI_ALLE1 }), 0);
	sweep(t);
	assert_int_equal(s2_pgtable_mkyoung(pt, IPA0 + 100 * g), 0);
	t->old[100] = false;
	sweep(t);

	/* Unmap run 7 whole, then map it again: hinted again. */
	assert_int_equal(s2_pgtable_unmap(pt, IPA0 + 112 * g, 16 * g), 0);
	for (unsigned int i = 112; i < 128; i++)
		t->want[i] = UINT64_MAX;
	sweep(t);
	assert_int_equal(s2_pgtable_map(pt, IPA0 + 112 * g, 16 * g, PA0 + 0x200000,
					 S2_PROT_RW, S2_MAP_PAGES | S2_MAP_SHARED), 0);
	expect_map(t, 112, 16, PA0 + 0x200000, S2_PROT_RW);
	assert_true(hinted(t, 127));
	sweep(t);
	ct_free(t);
}

/*
 * A whole table of pages (written before it is linked): hinted where the
 * PA is aligned as the runs, not where it is not.
 */
static void contig_whole_table(void **state)
{
	for (unsigned int k = 0; k < 2; k++) {
		struct ct *t = ct_new(4096, true);
		uint64_t pa = PA0 + k * 0x1000;

		(void)state;
		assert_int_equal(s2_pgtable_map(&t->f.pt, IPA0, NPAGE * 4096ULL, pa,
						 S2_PROT_RW, S2_MAP_PAGES), 0);
		expect_map(t, 0, NPAGE, pa, S2_PROT_RW);
		for (unsigned int i = 0; i < NPAGE; i += 37)
			assert_int_equal(hinted(t, i), k == 0);
		sweep(t);
		assert_int_equal(t->tlb.stats.contig_fills, k ? 0 : NPAGE / 16);
		ct_free(t);
	}
}

/* Blocks: 16 x 2MB runs; splitting one block unfolds its run. */
static void contig_blocks_4k(void **state)
{
	struct ct *t = ct_new(4096, true);
	struct s2_pgtable *pt = &t->f.pt;
	uint64_t ipa = 32ULL << 20, pa = PA0;
	struct s2_mmu_result r;
	struct s2_mmu_access a = { ipa + (5ULL << 21) + 8, S2_MMU_READ, 1 };

	(void)state;
	assert_int_equal(s2_pgtable_map(pt, ipa, 32ULL << 20, pa, S2_PROT_RW, 0), 0);
	assert_int_equal(s2_mmu_translate_s2(&t->f.mem, &t->f.cpu, &t->f.regs, &a, &r), 0);
	assert_int_equal(r.s2_level, 2);
	assert_int_equal(r.contig, S2_MMU_CONTIG_S2);
	assert_int_equal(s2_tlb_translate(&t->tlb, &t->f.mem, &t->f.cpu, &t->f.regs, &a, &r), 0);
	a.va = ipa + (31ULL << 20);
	assert_int_equal(s2_tlb_translate(&t->tlb, &t->f.mem, &t->f.cpu, &t->f.regs, &a, &r), 0);
	assert_true(r.tlb_hit);
	assert_false(r.stale);
	/* Split block 5 into pages. */
	assert_int_equal(s2_pgtable_split(pt, ipa + (5ULL << 21), 2ULL << 20, 3), 0);
	for (uint64_t off = 0; off < (32ULL << 20); off += 1ULL << 19) {
		a.va = ipa + off + 8;
		assert_int_equal(s2_tlb_translate(&t->tlb, &t->f.mem, &t->f.cpu,
						  &t->f.regs, &a, &r), 0);
		assert_int_equal(r.fault.type, 0);
		assert_false(r.stale);
		assert_int_equal(r.pa, pa + off + 8);
		assert_int_equal(r.contig, 0);
	}
	assert_int_equal(t->tlb.stats.contig_bad, 0);
	/* Unmap half of it: all blocks gone, or split, no run left behind. */
	assert_int_equal(s2_pgtable_unmap(pt, ipa, 16ULL << 20), 0);
	ct_free(t);
}

/* 16KB: runs of 128 pages (2MB), partly unmapped. */
static void contig_pages_16k(void **state)
{
	struct ct *t = ct_new(16384, true);
	struct s2_pgtable *pt = &t->f.pt;
	uint64_t g = 16384;

	(void)state;
	assert_int_equal(s2_pgtable_map(pt, IPA0, 256 * g, PA0, S2_PROT_RW,
					 S2_MAP_PAGES), 0);
	expect_map(t, 0, 256, PA0, S2_PROT_RW);
	assert_true(hinted(t, 0));
	assert_true(hinted(t, 255));
	sweep(t);
	assert_int_equal(t->tlb.stats.contig_fills, 2);
	assert_int_equal(s2_pgtable_unmap(pt, IPA0 + 200 * g, g), 0);
	t->want[200] = UINT64_MAX;
	assert_true(hinted(t, 0));
	assert_false(hinted(t, 128));
	sweep(t);
	ct_free(t);
}

/*
 * 52-bit output (FEAT_LPA2 descriptors with 4KB and 16KB, FEAT_LPA with
 * 64KB): OA[51:48] moves into low bits, bit 52 stays the hint.
 */
static void contig_52bit(void **state)
{
	static const unsigned int granules[] = { 4096, 16384, 65536 };

	(void)state;
	for (unsigned int k = 0; k < 3; k++) {
		struct ct *t = ct_new_pa(granules[k], true, 52);
		uint64_t g = granules[k], pa = 3ULL << 50;
		unsigned int run = g == 16384 ? 128 : g == 65536 ? 32 : 16;

		assert_int_equal(s2_pgtable_map(&t->f.pt, IPA0, 2 * run * g, pa,
						 S2_PROT_RW, S2_MAP_PAGES), 0);
		expect_map(t, 0, 2 * run, pa, S2_PROT_RW);
		assert_true(hinted(t, 0));
		assert_true(hinted(t, 2 * run - 1));
		assert_int_equal(s2_pgtable_unmap(&t->f.pt, IPA0 + 3 * g, g), 0);
		t->want[3] = UINT64_MAX;
		assert_false(hinted(t, 0));
		assert_true(hinted(t, run));
		for (unsigned int i = 2 * run; i < NPAGE; i++)
			t->want[i] = UINT64_MAX;
		sweep(t);
		ct_free(t);
	}
}

/*
 * A concurrent vCPU, as a fold claiming a run meets it: the hook runs at
 * the library's report of its first store (the claim of the run's first
 * entry) and clears the Access flag of entry @race_idx of that run, so
 * that the claim of that entry fails and the fold gives back what it
 * claimed.
 */
static void (*race_next)(void *ctx, const struct s2_mon_event *ev);
static int race_idx = -1;

static void race_hook(void *ctx, const struct s2_mon_event *ev)
{
	race_next(ctx, ev);
	if (race_idx < 0 || ev->kind != S2_MON_WRITE)
		return;
	uint64_t *victim = ev->ptep + race_idx;
	race_idx = -1;
	__atomic_fetch_and(victim, ~DESC_AF, __ATOMIC_RELAXED);
	struct s2_mon_event w = { .kind = S2_MON_WRITE, .pgt = ev->pgt,
				  .ptep = victim, .n = 1 };
	race_next(ctx, &w);
}

/*
 * s2_pgtable_fold(): a run made whole again gets its hint back by
 * break-before-make (each entry invalidated), only where the hint's
 * promise holds; the TLB (stale checks on, misprogrammed runs aborting)
 * then holds it as one entry.
 */
static void contig_fold(void **state)
{
	struct ct *t = ct_new(4096, true);
	struct s2_pgtable *pt = &t->f.pt;
	uint64_t g = 4096, tlbis;
	bool young;

	(void)state;
	assert_int_equal(s2_pgtable_map(pt, IPA0, 64 * g, PA0, S2_PROT_RW,
					 S2_MAP_PAGES), 0);
	expect_map(t, 0, 64, PA0, S2_PROT_RW);
	/* A hinted run: nothing to do, nothing invalidated. */
	tlbis = t->f.hm.tlbi_ipa;
	assert_int_equal(s2_pgtable_fold(pt, IPA0 + 3 * g, 0), 0);
	assert_int_equal(t->f.hm.tlbi_ipa, tlbis);

	/* Page 5 write-protected: unfolded, and not foldable. */
	assert_int_equal(s2_pgtable_wrprotect(pt, IPA0 + 5 * g, g), 0);
	t->prot[5] = S2_PROT_R;
	assert_false(hinted(t, 0));
	assert_int_equal(s2_pgtable_fold(pt, IPA0, 0), -S2_ENOENT);
	assert_false(hinted(t, 15));
	sweep(t);
	/* Writable again, and page 7 aged: the Access flag may differ. */
	assert_int_equal(s2_pgtable_relax(pt, IPA0 + 5 * g, S2_PROT_W), 0);
	t->prot[5] = S2_PROT_RW;
	assert_int_equal(s2_pgtable_test_clear_young(pt, IPA0 + 7 * g, g, &young), 0);
	t->old[7] = true;
	tlbis = t->f.hm.tlbi_ipa;
	uint64_t fills = t->tlb.stats.contig_fills;
	assert_int_equal(s2_pgtable_fold(pt, IPA0 + 15 * g, S2_MAP_SHARED), 0);
	for (unsigned int i = 0; i < 16; i++)
		assert_true(hinted(t, i));
	/* Every entry of the run invalidated (a TLB held them one by one). */
	assert_int_equal(t->f.hm.tlbi_ipa, tlbis + 16);
	assert_int_equal(s2_tlb_tlbi(&t->tlb, &(struct s2_tlbi){ .op = S2_TLBI_ALLE1 }), 0);
	sweep(t);
	assert_true(t->tlb.stats.contig_fills > fills);
	assert_int_equal(s2_pgtable_mkyoung(pt, IPA0 + 7 * g), 0);
	t->old[7] = false;

	/* Run 1: a hole, then a page mapped elsewhere, then the right one. */
	assert_int_equal(s2_pgtable_unmap(pt, IPA0 + 20 * g, g), 0);
	t->want[20] = UINT64_MAX;
	assert_int_equal(s2_pgtable_fold(pt, IPA0 + 16 * g, 0), -S2_ENOENT);
	assert_int_equal(s2_pgtable_map(pt, IPA0 + 20 * g, g, PA0 + 0x100000,
					 S2_PROT_RW, 0), 0);
	t->want[20] = PA0 + 0x100000;
	assert_int_equal(s2_pgtable_fold(pt, IPA0 + 16 * g, 0), -S2_ENOENT);
	/* Another memory type (Device) breaks the promise too. */
	assert_int_equal(s2_pgtable_map(pt, IPA0 + 20 * g, g, PA0 + 20 * g,
					 S2_PROT_RW | S2_PROT_DEVICE, 0), 0);
	assert_int_equal(s2_pgtable_fold(pt, IPA0 + 16 * g, 0), -S2_ENOENT);
	assert_int_equal(s2_pgtable_map(pt, IPA0 + 20 * g, g, PA0 + 20 * g,
					 S2_PROT_RW, 0), 0);
	t->want[20] = PA0 + 20 * g;
	sweep(t);
	assert_int_equal(s2_pgtable_fold(pt, IPA0 + 31 * g, 0), 0);
	assert_true(hinted(t, 16) && hinted(t, 31));
	sweep(t);

	/*
	 * Run 2 unfolded, then a shared fold that meets a concurrent change
	 * at its 6th entry: the 5 entries it claimed come back as they were,
	 * each invalidated first (a make after a break: the monitor checks),
	 * and the fold says so. Tried again, it folds.
	 */
	assert_int_equal(s2_pgtable_wrprotect(pt, IPA0 + 40 * g, g), 0);
	assert_int_equal(s2_pgtable_relax(pt, IPA0 + 40 * g, S2_PROT_W), 0);
	assert_false(hinted(t, 32));
	race_next = t->f.hm.ops.monitor;
	t->f.hm.ops.monitor = race_hook;
	race_idx = 5;
	tlbis = t->f.hm.tlbi_ipa;
	assert_int_equal(s2_pgtable_fold(pt, IPA0 + 32 * g, S2_MAP_SHARED), -S2_EAGAIN);
	t->f.hm.ops.monitor = race_next;
	assert_int_equal(race_idx, -1);
	assert_int_equal(t->f.hm.tlbi_ipa, tlbis + 5);
	/* The next exclusive change's end: the monitor finds nothing owed. */
	assert_int_equal(s2_pgtable_wrprotect(pt, IPA0 + 200 * g, g), 0);
	t->old[37] = true;
	for (unsigned int i = 32; i < 48; i++)
		assert_false(hinted(t, i));
	assert_int_equal(s2_tlb_tlbi(&t->tlb, &(struct s2_tlbi){ .op = S2_TLBI_ALLE1 }), 0);
	sweep(t);
	assert_int_equal(s2_pgtable_fold(pt, IPA0 + 32 * g, S2_MAP_SHARED), 0);
	assert_true(hinted(t, 32) && hinted(t, 47));
	sweep(t);
	assert_int_equal(s2_pgtable_mkyoung(pt, IPA0 + 37 * g), 0);
	t->old[37] = false;

	/* A run whose output is not aligned as the run is never hinted. */
	assert_int_equal(s2_pgtable_map(pt, IPA0 + 64 * g, 16 * g, PA0 + 0x201000,
					 S2_PROT_RW, S2_MAP_PAGES), 0);
	expect_map(t, 64, 16, PA0 + 0x201000, S2_PROT_RW);
	assert_int_equal(s2_pgtable_fold(pt, IPA0 + 64 * g, 0), -S2_ENOENT);
	assert_false(hinted(t, 64));
	sweep(t);

	/* Bad arguments change nothing. */
	assert_int_equal(s2_pgtable_fold(pt, IPA0, S2_MAP_PAGES), -S2_EINVAL);
	assert_int_equal(s2_pgtable_fold(pt, 1ULL << 40, 0), -S2_ERANGE);
	sweep(t);
	ct_free(t);

	/* A layout without hints has no runs to fold. */
	t = ct_new(4096, false);
	assert_int_equal(s2_pgtable_map(&t->f.pt, IPA0, 16 * g, PA0, S2_PROT_RW,
					 S2_MAP_PAGES), 0);
	assert_int_equal(s2_pgtable_fold(&t->f.pt, IPA0, 0), -S2_ENOENT);
	assert_false(hinted(t, 0));
	ct_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(contig_shift_spec),
		cmocka_unit_test(contig_off_by_default),
		cmocka_unit_test(contig_pages_4k),
		cmocka_unit_test(contig_whole_table),
		cmocka_unit_test(contig_blocks_4k),
		cmocka_unit_test(contig_pages_16k),
		cmocka_unit_test(contig_52bit),
		cmocka_unit_test(contig_fold),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

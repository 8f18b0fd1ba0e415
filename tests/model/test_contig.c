/* SPDX-License-Identifier: MIT */
/*
 * The Contiguous hint (descriptor bit 52) in the TLB model, as a spec: the
 * range sizes of AArch64.ContiguousSize where AArch64.ContiguousBit lets
 * the bit mean something, one TLB entry for a whole range at either stage
 * (a combined entry the smaller of both), a TLBI of any page of the range
 * removing it, and what a misprogrammed range does under each
 * s2_tlb_set_contig() mode.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <s2mm/arch.h>
#include <s2mm/error.h>
#include <s2mm/mmu.h>
#include <s2mm/tlb.h>

#include "tt.h"

#define NSETS 16
#define NWAYS 4
#define VA_R   0x40000000ULL       /* stage-1 hinted range (64KB aligned) */
#define IPA_R  0x20000000ULL       /* its IPA */
#define PA_R   0x2000000000ULL     /* its PA (never read: data) */
#define MAIR_VAL 0xff00ULL

struct cworld {
	struct tt t;
	struct s2_mmu_cpu cpu;
	struct s2_mmu_regs regs;
	struct tt_geo s2, s1;
	struct s2_tlb_entry ent[NSETS * NWAYS];
	struct s2_tlb tlb;
};

static int csetup(void **state)
{
	struct cworld *w = calloc(1, sizeof(*w));

	tt_init(&w->t);
	w->cpu = s2_mmu_cpu_max;
	tt_world_48(&w->t, 0x80000000ULL, 4ULL << 20, &w->s2, &w->s1, &w->regs);
	w->regs.mair_el1 = MAIR_VAL;
	assert_int_equal(s2_tlb_init(&w->tlb, w->ent, NSETS, NWAYS), 0);
	s2_tlb_set_check_stale(&w->tlb, true);
	*state = w;
	return 0;
}

static int cteardown(void **state)
{
	struct cworld *w = *state;

	tt_fini(&w->t);
	free(w);
	return 0;
}

/* Valid entries of @kind (walks also fill stage-2 entries for fetches). */
static unsigned count_kind(const struct cworld *w, unsigned kind)
{
	unsigned i, n = 0;

	for (i = 0; i < NSETS * NWAYS; i++)
		n += w->ent[i].kind == kind;
	return n;
}

static struct s2_mmu_result xl(struct cworld *w, uint64_t va, unsigned acc)
{
	struct s2_mmu_access a = { va, (uint8_t)acc, 1 };
	struct s2_mmu_result r;

	assert_int_equal(s2_tlb_translate(&w->tlb, &w->t.mem, &w->cpu, &w->regs,
					  &a, &r), 0);
	return r;
}

/* Stage 1: 16 pages VA_R -> IPA_R, hinted when @s1c; stage 2 likewise. */
static void map_range(struct cworld *w, bool s1c, bool s2c)
{
	uint64_t i;

	for (i = 0; i < 16; i++) {
		tt_set(&w->t, &w->s1, VA_R + i * 4096, 3,
		       s1_leaf(IPA_R + i * 4096, 0, 1, s1c ? DESC_CONTIGUOUS : 0, 3));
		tt_set(&w->t, &w->s2, IPA_R + i * 4096, 3,
		       s2_leaf(PA_R + i * 4096, 3, 0xf, 0, 3) |
		       (s2c ? DESC_CONTIGUOUS : 0));
	}
}

/* AArch64.ContiguousSize where AArch64.ContiguousBit is not RES0. */
static void contig_shift_spec(void **state)
{
	static const struct { int level; unsigned shift, want; } t[] = {
		{ 3, 12, 16 }, { 2, 21, 25 }, { 1, 30, 34 }, { 0, 39, 0 },
		{ 3, 14, 21 }, { 2, 25, 30 }, { 1, 36, 0 },
		{ 3, 16, 21 }, { 2, 29, 34 }, { 1, 42, 0 },
		/* no leaf of any granule */
		{ 3, 13, 0 }, { 2, 12, 0 }, { -1, 48, 0 }, { 4, 12, 0 },
		{ 2, 30, 0 }, { 3, 21, 0 },
	};
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		assert_int_equal(s2_mmu_contig_shift(t[i].level, t[i].shift), t[i].want);
}

/* Both stages hinted: one 64KB entry answers for all 16 pages. */
static void both_stages_one_entry(void **state)
{
	struct cworld *w = *state;
	struct s2_mmu_result r;
	uint64_t i;

	map_range(w, true, true);
	r = xl(w, VA_R + 5 * 4096 + 0x10, S2_MMU_READ);
	assert_int_equal(r.fault.type, 0);
	assert_int_equal(r.contig, S2_MMU_CONTIG_S1 | S2_MMU_CONTIG_S2);
	assert_int_equal(w->tlb.stats.contig_fills, 1);
	for (i = 0; i < 16; i++) {
		r = xl(w, VA_R + i * 4096 + 8, S2_MMU_READ);
		assert_true(r.tlb_hit);
		assert_false(r.stale);
		assert_int_equal(r.pa, PA_R + i * 4096 + 8);
		assert_int_equal(r.ipa, IPA_R + i * 4096 + 8);
		assert_int_equal(r.s1_shift, 16);
	}
	assert_int_equal(w->tlb.stats.misses, 1);
	assert_int_equal(w->tlb.stats.contig_bad, 0);
	/* The next range is not covered. */
	r = xl(w, VA_R + 16 * 4096, S2_MMU_READ);
	assert_false(r.tlb_hit);
}

/* One stage hinted: the combined entry is the other stage's page. */
static void combined_takes_the_smaller(void **state)
{
	struct cworld *w = *state;
	struct s2_mmu_result r;

	map_range(w, true, false);
	r = xl(w, VA_R, S2_MMU_READ);
	assert_int_equal(r.contig, S2_MMU_CONTIG_S1);
	r = xl(w, VA_R + 4096, S2_MMU_READ);
	assert_false(r.tlb_hit);
	assert_int_equal(w->tlb.stats.contig_fills, 0);
	s2_tlb_stats_reset(&w->tlb);
	s2_tlb_tlbi(&w->tlb, &(struct s2_tlbi){ S2_TLBI_VMALLS12E1, 0, 0, 0 });
	map_range(w, false, true);
	r = xl(w, VA_R, S2_MMU_READ);
	assert_int_equal(r.contig, S2_MMU_CONTIG_S2);
	r = xl(w, VA_R + 4096, S2_MMU_READ);
	assert_false(r.tlb_hit);
}

/* D8.13: a TLBI by VA of any page of the range removes the entry. */
static void tlbi_fifth_page_removes(void **state)
{
	struct cworld *w = *state;
	struct s2_mmu_result r;
	struct s2_tlbi op = { S2_TLBI_VAE1, 0, VA_R + 4 * 4096, 0 };

	map_range(w, true, true);
	xl(w, VA_R, S2_MMU_READ);
	assert_int_equal(count_kind(w, S2_TLB_S12), 1);
	/* Page 4 moves, the range unhinted first (break-before-make). */
	map_range(w, false, true);
	tt_set(&w->t, &w->s1, VA_R + 4 * 4096, 3, s1_leaf(IPA_R + 15 * 4096, 0, 1, 0, 3));
	r = xl(w, VA_R + 4 * 4096, S2_MMU_READ);
	assert_true(r.tlb_hit);
	assert_true(r.stale);          /* no TLBI yet */
	assert_int_equal(s2_tlb_tlbi(&w->tlb, &op), 0);
	assert_int_equal(count_kind(w, S2_TLB_S12), 0);
	r = xl(w, VA_R + 4 * 4096, S2_MMU_READ);
	assert_false(r.tlb_hit);
	assert_int_equal(r.pa, PA_R + 15 * 4096);
	r = xl(w, VA_R, S2_MMU_READ);
	assert_false(r.tlb_hit);
	assert_false(r.stale);
	/* IPAS2E1 of the range's 5th IPA removes a stage-2-only entry. */
	w->regs.sctlr_el1 = 0;
	r = xl(w, IPA_R, S2_MMU_READ);
	assert_int_equal(r.contig, S2_MMU_CONTIG_S2);
	assert_true(xl(w, IPA_R + 15 * 4096, S2_MMU_READ).tlb_hit);
	op = (struct s2_tlbi){ S2_TLBI_IPAS2E1, 0, IPA_R + 4 * 4096, 0 };
	assert_int_equal(s2_tlb_tlbi(&w->tlb, &op), 0);
	assert_false(xl(w, IPA_R + 15 * 4096, S2_MMU_READ).tlb_hit);
}

static void off_mode_ignores_the_hint(void **state)
{
	struct cworld *w = *state;

	assert_int_equal(s2_tlb_set_contig(&w->tlb, S2_TLB_CONTIG_NR), -S2_EINVAL);
	assert_int_equal(s2_tlb_set_contig(NULL, S2_TLB_CONTIG_OFF), -S2_EINVAL);
	assert_int_equal(s2_tlb_set_contig(&w->tlb, S2_TLB_CONTIG_OFF), 0);
	map_range(w, true, true);
	xl(w, VA_R, S2_MMU_READ);
	assert_false(xl(w, VA_R + 4096, S2_MMU_READ).tlb_hit);
	assert_int_equal(w->tlb.stats.contig_fills, 0);
}

enum mis { MIS_NOHINT, MIS_OA, MIS_PERM, MIS_ALIGN, MIS_ATTR, MIS_AF, MIS_NR };

/* Misprogram the range's stage @stage as @m says. */
static void misprogram(struct cworld *w, unsigned stage, enum mis m)
{
	uint64_t i, c = DESC_CONTIGUOUS;

	map_range(w, true, true);
	if (m == MIS_ALIGN) {   /* consistent, but one page off alignment */
		for (i = 0; i < 16; i++) {
			if (stage == 1)
				tt_set(&w->t, &w->s1, VA_R + i * 4096, 3,
				       s1_leaf(IPA_R + (i + 1) * 4096, 0, 1, c, 3));
			else
				tt_set(&w->t, &w->s2, IPA_R + i * 4096, 3,
				       s2_leaf(PA_R + (i + 1) * 4096, 3, 0xf, 0, 3) | c);
		}
		return;
	}
	if (stage == 1) {
		uint64_t d = s1_leaf(IPA_R + 9 * 4096, 0, 1, c, 3);

		d = m == MIS_NOHINT ? d & ~c : m == MIS_OA ? d + 4096 * 3 :
		    m == MIS_PERM ? d | (2ULL << S1_DESC_AP_SHIFT) :
		    m == MIS_ATTR ? s1_leaf(IPA_R + 9 * 4096, 0, 0, c, 3) :
		    d & ~DESC_AF;
		tt_set(&w->t, &w->s1, VA_R + 9 * 4096, 3, d);
	} else {
		uint64_t d = s2_leaf(PA_R + 9 * 4096, 3, 0xf, 0, 3) | c;

		d = m == MIS_NOHINT ? d & ~c : m == MIS_OA ? d + 4096 * 3 :
		    m == MIS_PERM ? s2_leaf(PA_R + 9 * 4096, 1, 0xf, 0, 3) | c :
		    m == MIS_ATTR ? s2_leaf(PA_R + 9 * 4096, 3, 0x5, 0, 3) | c :
		    d & ~DESC_AF;
		tt_set(&w->t, &w->s2, IPA_R + 9 * 4096, 3, d);
	}
}

/*
 * RANGE: the walked entry answers for the range, counted as misprogrammed
 * (an AF=0 entry is not); the stale check shows what differs from the
 * tables.
 */
static void misprogrammed_range_mode(void **state)
{
	struct cworld *w = *state;
	unsigned stage, m;

	for (stage = 1; stage <= 2; stage++) {
		for (m = 0; m < MIS_NR; m++) {
			struct s2_mmu_result r;
			bool bad = m != MIS_AF;
			/* No range entry: AF=0 somewhere, or the walked
			 * page's own OA is off the range's alignment. */
			bool af = m == MIS_AF || m == MIS_ALIGN;

			s2_tlb_tlbi(&w->tlb, &(struct s2_tlbi){ S2_TLBI_ALLE1, 0, 0, 0 });
			s2_tlb_stats_reset(&w->tlb);
			misprogram(w, stage, (enum mis)m);
			r = xl(w, VA_R + 2 * 4096, S2_MMU_READ);
			assert_int_equal(r.fault.type, 0);
			assert_int_equal(w->tlb.stats.contig_bad, bad);
			assert_int_equal(!!(r.contig & S2_MMU_CONTIG_BAD), bad);
			/* An AF=0 entry: no range entry, its fault shows. */
			assert_int_equal(w->tlb.stats.contig_fills, !af);
			r = xl(w, VA_R + 9 * 4096, S2_MMU_READ);
			if (m == MIS_ALIGN) {
				assert_false(r.tlb_hit);
				assert_int_equal(r.fault.type, 0);
				assert_int_equal(r.pa, PA_R + 10 * 4096);
				continue;
			}
			if (af) {
				assert_false(r.tlb_hit);
				assert_int_equal(r.fault.type, S2_MMU_FAULT_ACCESS_FLAG);
				assert_int_equal(r.fault.stage, stage);
				continue;
			}
			/*
			 * Page 9 through the entry page 2 filled: its OA
			 * aligned down to the range, plus page 9's offset.
			 */
			assert_true(r.tlb_hit);
			assert_int_equal(r.stale, m != MIS_NOHINT);
			assert_int_equal(r.pa, PA_R + 9 * 4096);
		}
	}
}

/* ABORT: a misprogrammed range is a TLB conflict abort, nothing filled. */
static void misprogrammed_abort_mode(void **state)
{
	struct cworld *w = *state;
	unsigned stage, m;

	assert_int_equal(s2_tlb_set_contig(&w->tlb, S2_TLB_CONTIG_ABORT), 0);
	for (stage = 1; stage <= 2; stage++) {
		for (m = 0; m < MIS_NR; m++) {
			struct s2_mmu_result r;
			uint64_t esr;

			s2_tlb_tlbi(&w->tlb, &(struct s2_tlbi){ S2_TLBI_ALLE1, 0, 0, 0 });
			s2_tlb_stats_reset(&w->tlb);
			misprogram(w, stage, (enum mis)m);
			r = xl(w, VA_R + 2 * 4096, S2_MMU_WRITE);
			if (m == MIS_AF) {
				assert_int_equal(r.fault.type, 0);
				assert_int_equal(w->tlb.stats.contig_fills, 0);
				continue;
			}
			assert_int_equal(r.fault.type, S2_MMU_FAULT_TLB_CONFLICT);
			assert_int_equal(r.fault.stage, 2);
			assert_int_equal(r.fault.level, 0);   /* none: 0 */
			assert_int_equal(s2_mmu_fsc(&r.fault), 0x30);
			assert_int_equal(s2_mmu_esr(&r.fault, NULL, &esr), 0);
			assert_int_equal(esr & 0x3f, 0x30);
			assert_true(esr & ESR_ISS_DA_WnR);
			assert_false(s2_mmu_hpfar_valid(&r.fault));
			assert_string_equal(s2_mmu_fault_name(r.fault.type), "TLB conflict");
			assert_int_equal(count_kind(w, S2_TLB_S12), 0);
			assert_int_equal(w->tlb.stats.faults[S2_MMU_FAULT_TLB_CONFLICT], 1);
			/* Fixed: the range maps again, through one entry. */
			map_range(w, true, true);
			r = xl(w, VA_R + 2 * 4096, S2_MMU_WRITE);
			assert_int_equal(r.fault.type, 0);
			assert_int_equal(count_kind(w, S2_TLB_S12), 1);
		}
	}
}

/* The check walks leave the tables alone: no AF set under HA. */
static void check_writes_nothing(void **state)
{
	struct cworld *w = *state;
	uint64_t slot;

	w->regs.tcr_el1 |= TCR_EL1_HA;
	w->regs.vtcr_el2 |= VTCR_EL2_HA;
	misprogram(w, 1, MIS_AF);
	slot = tt_slot(&w->t, &w->s1, VA_R + 9 * 4096, 3);
	xl(w, VA_R, S2_MMU_READ);
	assert_int_equal(tt_rd(&w->t, slot) & DESC_AF, 0);
	assert_int_equal(w->tlb.stats.contig_bad, 0);
	/* Its own walk sets it. */
	s2_tlb_tlbi(&w->tlb, &(struct s2_tlbi){ S2_TLBI_ALLE1, 0, 0, 0 });
	s2_tlb_set_contig(&w->tlb, S2_TLB_CONTIG_OFF);
	xl(w, VA_R + 9 * 4096, S2_MMU_READ);
	assert_int_equal(tt_rd(&w->t, slot) & DESC_AF, DESC_AF);
}

/*
 * Stage 2 alone (guest MMU off) over every granule and leaf level that
 * has a range: the entry covers exactly the range.
 */
static void granules_and_levels(void **state)
{
	static const struct { unsigned g, tg, sl0; int start, level; } t[] = {
		{ 12, 0, 2, 0, 3 }, { 12, 0, 2, 0, 2 }, { 12, 0, 2, 0, 1 },
		{ 14, 2, 2, 1, 3 }, { 14, 2, 2, 1, 2 },
		{ 16, 1, 2, 1, 3 }, { 16, 1, 2, 1, 2 },
	};
	struct cworld *w = *state;
	unsigned i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		unsigned shift = t[i].g + (3 - t[i].level) * (t[i].g - 3);
		unsigned cs = s2_mmu_contig_shift(t[i].level, shift);
		uint64_t ipa = 1ULL << 40, n = 1ULL << (cs - shift), j;
		struct tt_geo g = { t[i].g, t[i].start, 48,
				    tt_alloc(&w->t, 1ULL << 17), 0 };
		struct s2_mmu_result r;

		for (j = 0; j < n; j++)
			tt_set(&w->t, &g, ipa + (j << shift), t[i].level,
			       s2_leaf(PA_R + (j << shift), 3, 0xf, 0, t[i].level) |
			       DESC_CONTIGUOUS);
		w->regs.sctlr_el1 = 0;
		w->regs.vttbr_el2 = g.root;
		w->regs.vtcr_el2 = 16 | ((uint64_t)t[i].sl0 << 6) |
				   ((uint64_t)t[i].tg << 14) | (5ULL << 16) |
				   VTCR_EL2_RES1;
		s2_tlb_tlbi(&w->tlb, &(struct s2_tlbi){ S2_TLBI_ALLE1, 0, 0, 0 });
		s2_tlb_stats_reset(&w->tlb);
		r = xl(w, ipa + (1ULL << shift) + 8, S2_MMU_READ);
		assert_int_equal(r.fault.type, 0);
		assert_int_equal(r.s2_level, t[i].level);
		assert_int_equal(r.contig, S2_MMU_CONTIG_S2);
		r = xl(w, ipa + (1ULL << cs) - 8, S2_MMU_READ);
		assert_true(r.tlb_hit);
		assert_false(r.stale);
		assert_int_equal(r.pa, PA_R + (1ULL << cs) - 8);
		assert_int_equal(r.s2_shift, cs);
		assert_int_equal(w->tlb.stats.contig_bad, 0);
		/* Just past the range: not this entry (a fault, unmapped). */
		r = xl(w, ipa + (1ULL << cs), S2_MMU_READ);
		assert_false(r.tlb_hit);
		assert_int_equal(r.fault.type, S2_MMU_FAULT_TRANSLATION);
	}
}

/*
 * FEAT_LPA2 (VTCR_EL2.DS, 52-bit PA): bit 52 stays the hint while OA[51:50]
 * sit in bits [9:8]; a run of 16 pages above 4PB / 4 maps as one entry.
 */
static void lpa2_stage2(void **state)
{
	struct cworld *w = *state;
	struct tt_geo g = { 12, 0, 48, tt_alloc(&w->t, 4096), 0 };
	uint64_t ipa = 1ULL << 40, pa = 3ULL << 50, j;
	struct s2_mmu_result r;

	assert_true(w->cpu.lpa2 && w->cpu.pa_bits == 52);
	for (j = 0; j < 16; j++)
		tt_set(&w->t, &g, ipa + (j << 12), 3,
		       ((pa + (j << 12)) & ((1ULL << 50) - 1)) | (3ULL << 8) |
		       (3ULL << S2_DESC_S2AP_SHIFT) | (0xfULL << 2) | DESC_AF |
		       DESC_TYPE_PAGE | DESC_CONTIGUOUS);
	w->regs.sctlr_el1 = 0;
	w->regs.vttbr_el2 = g.root;
	/* T0SZ=16, SL0=2 (level 0), 4KB, PS=52 bits, DS */
	w->regs.vtcr_el2 = 16 | (2ULL << 6) | (6ULL << 16) | VTCR_EL2_DS | VTCR_EL2_RES1;
	r = xl(w, ipa + 0x3008, S2_MMU_READ);
	assert_int_equal(r.fault.type, 0);
	assert_int_equal(r.pa, pa + 0x3008);
	assert_int_equal(r.contig, S2_MMU_CONTIG_S2);
	r = xl(w, ipa + 0xf010, S2_MMU_READ);
	assert_true(r.tlb_hit);
	assert_false(r.stale);
	assert_int_equal(r.pa, pa + 0xf010);
	assert_int_equal(w->tlb.stats.contig_fills, 1);
}

/*
 * AArch64.ContiguousBitFaults: a range wider than the input address space
 * is no fault here, and no wider entry: 16 x 1GB under a 33-bit IPA.
 */
static void range_beyond_input_size(void **state)
{
	struct cworld *w = *state;
	struct tt_geo g = { 12, 1, 33, tt_alloc(&w->t, 8192), 0 };
	struct s2_mmu_result r;
	uint64_t j;

	for (j = 0; j < 8; j++)
		tt_set(&w->t, &g, j << 30, 1,
		       s2_leaf(PA_R + (j << 30), 3, 0xf, 0, 1) | DESC_CONTIGUOUS);
	w->regs.sctlr_el1 = 0;
	w->regs.vttbr_el2 = g.root;
	/* T0SZ=31, SL0=1 (level 1, two concatenated tables), 4KB */
	w->regs.vtcr_el2 = 31 | (1ULL << 6) | (5ULL << 16) | VTCR_EL2_RES1;
	r = xl(w, 1ULL << 30, S2_MMU_READ);
	assert_int_equal(r.fault.type, 0);
	assert_int_equal(r.s2_shift, 30);
	assert_int_equal(r.contig, 0);
	assert_false(xl(w, 2ULL << 30, S2_MMU_READ).tlb_hit);
}

/* AArch32 LPAE stage 1 has the hint too: 16 x 4KB, 32-bit VAs. */
static void aarch32_lpae_stage1(void **state)
{
	struct cworld *w = *state;
	struct s2_mmu_result r;
	uint64_t i;
	struct tt_geo g = { 12, 1, 32, tt_alloc(&w->t, 4096), w->s1.off };

	for (i = 0; i < 16; i++) {
		tt_set(&w->t, &g, VA_R + i * 4096, 3,
		       s1_leaf(IPA_R + i * 4096, 0, 1, DESC_CONTIGUOUS, 3));
		tt_set(&w->t, &w->s2, IPA_R + i * 4096, 3,
		       s2_leaf(PA_R + i * 4096, 3, 0xf, 0, 3) | DESC_CONTIGUOUS);
	}
	w->regs.hcr_el2 = HCR_EL2_VM;          /* EL1 in AArch32 */
	w->regs.tcr_el1 = TTBCR_EAE;          /* T0SZ=0: TTBR0 only */
	w->regs.ttbr0_el1 = g.root - g.off;
	r = xl(w, VA_R + 3 * 4096, S2_MMU_READ);
	assert_int_equal(r.fault.type, 0);
	assert_int_equal(r.contig, S2_MMU_CONTIG_S1 | S2_MMU_CONTIG_S2);
	r = xl(w, VA_R + 12 * 4096 + 4, S2_MMU_READ);
	assert_true(r.tlb_hit);
	assert_false(r.stale);
	assert_int_equal(r.pa, PA_R + 12 * 4096 + 4);
}

/*
 * The TLB's stage-2 entries for stage-1 table fetches take a run too: RAM
 * (holding the stage-1 tables) mapped by hinted 4KB pages gives 64KB
 * entries, checked; one misprogrammed page makes its run narrow.
 */
static void fetch_entries(void **state)
{
	struct cworld *w = *state;
	uint64_t ipa, i, n = 0;
	struct s2_mmu_result r;

	/* tt_world_48(): RAM at IPA 0x80000000, 4MB, PA aligned to its size. */
	for (ipa = 0x80000000ULL; ipa < 0x80400000ULL; ipa += 4096) {
		uint64_t slot = tt_slot(&w->t, &w->s2, ipa, 3);

		tt_wr(&w->t, slot, tt_rd(&w->t, slot) | DESC_CONTIGUOUS);
	}
	map_range(w, false, false);
	r = xl(w, VA_R, S2_MMU_READ);
	assert_int_equal(r.fault.type, 0);
	for (i = 0; i < NSETS * NWAYS; i++)
		n += w->ent[i].kind == S2_TLB_S2 && w->ent[i].shift == 16;
	assert_true(n >= 1);
	assert_int_equal(w->tlb.stats.contig_bad, 0);
	assert_int_equal(w->tlb.stats.contig_fills, n);
	/* Misprogram every run: each fetch entry narrow, each run counted. */
	s2_tlb_tlbi(&w->tlb, &(struct s2_tlbi){ S2_TLBI_ALLE1, 0, 0, 0 });
	s2_tlb_stats_reset(&w->tlb);
	for (ipa = 0x80000000ULL; ipa < 0x80400000ULL; ipa += 0x10000) {
		uint64_t slot = tt_slot(&w->t, &w->s2, ipa + 0x3000, 3);

		tt_wr(&w->t, slot, tt_rd(&w->t, slot) & ~DESC_CONTIGUOUS);
	}
	r = xl(w, VA_R, S2_MMU_READ);
	assert_int_equal(r.fault.type, 0);
	for (i = 0; i < NSETS * NWAYS; i++)
		assert_false(w->ent[i].kind == S2_TLB_S2 && w->ent[i].shift == 16);
	assert_int_equal(w->tlb.stats.contig_fills, 0);
	assert_true(w->tlb.stats.contig_bad >= 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(contig_shift_spec),
		cmocka_unit_test_setup_teardown(both_stages_one_entry, csetup, cteardown),
		cmocka_unit_test_setup_teardown(combined_takes_the_smaller, csetup, cteardown),
		cmocka_unit_test_setup_teardown(tlbi_fifth_page_removes, csetup, cteardown),
		cmocka_unit_test_setup_teardown(off_mode_ignores_the_hint, csetup, cteardown),
		cmocka_unit_test_setup_teardown(misprogrammed_range_mode, csetup, cteardown),
		cmocka_unit_test_setup_teardown(misprogrammed_abort_mode, csetup, cteardown),
		cmocka_unit_test_setup_teardown(check_writes_nothing, csetup, cteardown),
		cmocka_unit_test_setup_teardown(granules_and_levels, csetup, cteardown),
		cmocka_unit_test_setup_teardown(range_beyond_input_size, csetup, cteardown),
		cmocka_unit_test_setup_teardown(aarch32_lpae_stage1, csetup, cteardown),
		cmocka_unit_test_setup_teardown(fetch_entries, csetup, cteardown),
		cmocka_unit_test_setup_teardown(lpa2_stage2, csetup, cteardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

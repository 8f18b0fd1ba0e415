/* SPDX-License-Identifier: MIT */
/*
 * The model's AArch32 Short-descriptor stage 1 (TTBCR.EAE=0) against the
 * reference walk (refwalk.c, written from the Arm ARM and sharing no code
 * with the model): seeded random worlds of level-1 tables (TTBR0 and
 * TTBR1, split by a random TTBCR.N, PD0/PD1) holding faults, sections,
 * supersections and page tables, level-2 tables holding faults, large and
 * small pages, every descriptor's AP[2:0], XN, PXN, nG and domain random,
 * under a random DACR and SCTLR.AFE/WXN/UWXN; the stage-2 leaves of the
 * tables' pages with random AF and S2AP (S1PTW faults) and HCR_EL2.PTW,
 * the output IPAs in stage-2 blocks with random permissions or in none.
 * Each walk is compared: the fault (type, level, stage, S1PTW, IPA, the
 * domain the DFSR reports), or the IPA, PA, leaf levels and size, both
 * stages' permissions and nG. The run must have reached every descriptor
 * type and every stage-1 fault type, or it fails.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include <s2mm/arch.h>
#include <s2mm/mmu.h>

#include "refwalk.h"
#include "splitmix.h"
#include "tt.h"

#define SEED      0x5344524546ULL
#define NCFG      400
#define NL1       48          /* level-1 entries written a table */
#define NL2       12          /* level-2 tables */
#define NACC      96
#define RAM_IPA   0x80000000ULL
#define RAM_SIZE  (1ULL << 20)
#define L1_0      (RAM_IPA)             /* TTBR0's table: 16KB >> N */
#define L1_1      (RAM_IPA + 0x4000)    /* TTBR1's: 16KB */
#define L2_BASE   (RAM_IPA + 0x8000)    /* level-2 tables, 1KB each */
#define DATA_IPA  0x10000000ULL         /* stage-1 outputs: 32MB of 2MB blocks */
#define DATA_SIZE (32ULL << 20)
#define DATA_PA   0x200000000ULL

static uint64_t rng = SEED;

static uint64_t rnd(void)
{
	return splitmix64(&rng);
}

/* True with probability @n / 8. */
static bool chance(unsigned n)
{
	return (rnd() & 7) < n;
}

/*
 * AP[2:0]: any but the reserved 100 (CONSTRAINED UNPREDICTABLE with
 * SCTLR.AFE=0).
 */
static unsigned rnd_ap(void)
{
	static const unsigned ap[7] = { 0, 1, 2, 3, 5, 6, 7 };

	return ap[rnd() % 7];
}

/* A stage-1 output address: mostly in the data blocks, else anywhere. */
static uint32_t rnd_out(void)
{
	if (chance(7))
		return (uint32_t)(DATA_IPA + (rnd() % DATA_SIZE));
	return (uint32_t)rnd();
}

struct world {
	struct tt t;
	struct tt_geo s2;
	uint64_t ram_pa;
	struct s2_mmu_cpu cpu;
	struct s2_mmu_regs regs;
	/* VAs the tables map, so that most accesses walk to a leaf. */
	uint32_t va[NL1 * 2];
	unsigned nva;
};

/* Write the 32-bit descriptor @v at @ipa in guest RAM (little-endian). */
static void wr32(struct world *w, uint64_t ipa, uint32_t v)
{
	uint64_t pa = w->ram_pa + (ipa - RAM_IPA), d = tt_rd(&w->t, pa & ~7ULL);

	if (pa & 4)
		d = (d & 0xffffffffULL) | (uint64_t)v << 32;
	else
		d = (d & ~0xffffffffULL) | v;
	tt_wr(&w->t, pa & ~7ULL, d);
}

/* A level-2 entry: fault, large page or small page, random bits. */
static uint32_t rnd_l2(void)
{
	uint32_t ap = rnd_ap(), d;

	/* nG [11], S [10], AP[2] [9], AP[1:0] [5:4], C [3], B [2] */
	d = (uint32_t)rnd() & (1u << 11 | 1u << 10 | 3u << 2);
	d |= (ap & 3) << 4 | (ap >> 2) << 9;
	switch (rnd() % 8) {
	case 0:
		return (uint32_t)rnd() & ~3u;          /* fault: the rest ignored */
	case 1: case 2: case 3:                         /* large: XN [15], TEX [14:12] */
		return d | (rnd_out() & 0xffff0000u) | ((uint32_t)rnd() & 0xf000u) | 1u;
	default:                                        /* small: TEX [8:6], XN [0] */
		return d | (rnd_out() & 0xfffff000u) | ((uint32_t)rnd() & 0x1c0u) | 2u |
		       ((uint32_t)rnd() & 1u);
	}
}

/* A level-1 entry: fault, page table, section or supersection. */
static uint32_t rnd_l1(void)
{
	uint32_t ap = rnd_ap(), d;

	switch (rnd() % 8) {
	case 0:
		return (uint32_t)rnd() & ~3u;
	case 1: case 2: case 3:
		/* Page table: base [31:10], domain [8:5], PXN [2] (NS [3] 0). */
		return (uint32_t)(L2_BASE + (rnd() % NL2) * 0x400) |
		       ((uint32_t)rnd() & 0xf) << 5 | ((uint32_t)rnd() & 4u) | 1u;
	}
	/*
	 * nG [17], S [16], AP[2] [15], TEX [14:12], AP[1:0] [11:10], XN [4],
	 * C [3], B [2], PXN [0]; NS [19] 0.
	 */
	d = (uint32_t)rnd() & (1u << 17 | 1u << 16 | 7u << 12 | 1u << 4 | 3u << 2 | 1u);
	d |= (ap & 3) << 10 | (ap >> 2) << 15 | 2u;
	if (chance(5))   /* section: base [31:20], domain [8:5] */
		return d | (rnd_out() & 0xfff00000u) | ((uint32_t)rnd() & 0xf) << 5;
	/* Supersection [18]: PA[31:24], PA[35:32] [23:20], PA[39:36] [8:5]. */
	d |= 1u << 18 | (rnd_out() & 0xff000000u);
	if (chance(1))
		d |= ((uint32_t)rnd() & 0xf) << 20 | ((uint32_t)rnd() & 0xf) << 5;
	return d;
}

static unsigned long checks, faults[S2_MMU_FAULT_NR][3], leaves[4], s1ptw_faults, ttbr1;

static void check_one(struct world *w, uint32_t va, unsigned acc, unsigned el,
		      unsigned cfg)
{
	struct s2_mmu_access a = { .va = va, .acc = (uint8_t)acc, .el = (uint8_t)el };
	struct refwalk_result ref;
	struct s2_mmu_result r;
	char what[200];

	assert_int_equal(refwalk_translate(&w->t.mem, &w->cpu, &w->regs, &a, &ref), 0);
	assert_int_equal(s2_mmu_translate(&w->t.mem, &w->cpu, &w->regs, &a, &r), 0);
	snprintf(what, sizeof(what), "config %u va 0x%08x %s at PL%u (TTBCR 0x%llx SCTLR "
		 "0x%llx DACR 0x%08llx)", cfg, va,
		 acc == S2_MMU_READ ? "read" : acc == S2_MMU_WRITE ? "write" : "exec", el,
		 (unsigned long long)w->regs.tcr_el1, (unsigned long long)w->regs.sctlr_el1,
		 (unsigned long long)w->regs.dacr32_el2);
	if (!refwalk_check_sd(&ref, &r, what) || !refwalk_check_mem(&ref, &w->t.mem, what))
		fail();
	checks++;
	if (ref.fault)
		faults[ref.fault][ref.stage] += 1;
	s1ptw_faults += ref.fault && ref.s1ptw;
	if (ref.s1_level > 0) {
		/* Leaf kinds by size: 4KB small, 64KB large, 1MB section, 16MB super. */
		leaves[ref.s1_shift == 12 ? 0 : ref.s1_shift == 16 ? 1 :
		       ref.s1_shift == 20 ? 2 : 3]++;
	}
	ttbr1 += (w->regs.tcr_el1 & 7) && (va >> (32 - (w->regs.tcr_el1 & 7)));
}

static void one_config(unsigned cfg)
{
	struct world *w = test_calloc(1, sizeof(*w));
	unsigned i, n;
	/*
	 * T0SZ=24 (the 40-bit IPA an AArch32 EL1 may have whatever PAMax is;
	 * 48 bits would be beyond the cortex-a57's), SL0=1 (level 1, two
	 * concatenated tables), 4KB granule, PS 48 bits.
	 */
	uint64_t vtcr = 24 | (1 << 6) | (5ULL << 16) | VTCR_EL2_RES1;

	tt_init(&w->t);
	w->cpu = chance(4) ? s2_mmu_cpu_max : s2_mmu_cpu_cortex_a57;
	/* Stage 2's tables at the window's top (tt_alloc), guest RAM at its bottom. */
	w->s2 = (struct tt_geo){ 12, 1, 40, tt_alloc(&w->t, 8192), 0 };
	w->ram_pa = TT_MEM_BASE;
	/* The tables' pages: mostly readable with AF set, else an S1PTW fault. */
	for (uint64_t ipa = RAM_IPA; ipa < L2_BASE + NL2 * 0x400; ipa += 4096) {
		uint64_t d = s2_leaf(w->ram_pa + (ipa - RAM_IPA), chance(7) ? 3 : 2,
				     chance(7) ? 0xf : 0x0, 0, 3);

		if (!chance(7))
			d &= ~DESC_AF;
		tt_set(&w->t, &w->s2, ipa, 3, d);
	}
	/* The output IPAs: 2MB blocks with random S2AP and XN, some missing. */
	for (uint64_t off = 0; off < DATA_SIZE; off += 2ULL << 20)
		if (chance(7))
			tt_set(&w->t, &w->s2, DATA_IPA + off, 2,
			       s2_leaf(DATA_PA + off, chance(6) ? 3 : (unsigned)(rnd() & 3), 0xf,
				       chance(1), 2));
	n = chance(4) ? 0 : (unsigned)(rnd() % 8);
	w->regs = (struct s2_mmu_regs){
		/* RW=0: EL1 is AArch32; PTW [2] sometimes. */
		.hcr_el2 = HCR_EL2_VM | (chance(2) ? HCR_EL2_PTW : 0),
		.vtcr_el2 = vtcr | (w->cpu.hafdbs && chance(3) ? VTCR_EL2_HA : 0),
		.vttbr_el2 = w->s2.root,
		/* M, WXN [19], UWXN [20], AFE [29] */
		.sctlr_el1 = 1 | (chance(2) ? 1ULL << 19 : 0) | (chance(2) ? 1ULL << 20 : 0) |
			     (chance(3) ? 1ULL << 29 : 0),
		/* EAE=0, N, PD0 [4], PD1 [5] rarely */
		.tcr_el1 = n | (chance(1) ? 1u << 4 : 0) | (chance(1) ? 1u << 5 : 0),
		/* TTBR0's table aligned to 16KB >> N; low bits (IRGN...) random. */
		.ttbr0_el1 = L1_0 | (rnd() & 0x7f & ((1u << (14 - n)) - 1)),
		.ttbr1_el1 = L1_1 | (rnd() & 0x7f),
		.dacr32_el2 = rnd() & 0xffffffffULL,
		.contextidr_el1 = rnd() & 0xff,
	};
	for (i = 0; i < NL2 * 256; i++)
		wr32(w, L2_BASE + i * 4, rnd_l2());
	w->nva = 0;
	for (i = 0; i < NL1 * 2; i++) {
		bool one = i & 1;
		/* TTBR0 covers VA[31-N:20] below 2^(32-N); TTBR1 the rest (n > 0). */
		uint32_t idx = (uint32_t)rnd() & (one ? 0xfffu : 0xfffu >> n);
		uint32_t va = idx << 20 | ((uint32_t)rnd() & 0xfffff);

		if (one && !n)
			continue;
		if (one && !(va >> (32 - n)))
			va |= 0x80000000u;   /* into TTBR1's range */
		wr32(w, (one ? L1_1 : L1_0) + (uint64_t)((va >> 20) & (one ? 0xfffu : 0xfffu >> n)) * 4,
		     rnd_l1());
		w->va[w->nva++] = va;
	}
	for (i = 0; i < NACC; i++) {
		uint32_t va = chance(7) ? w->va[rnd() % w->nva] ^ ((uint32_t)rnd() & 0xffff)
					: (uint32_t)rnd();

		check_one(w, va, (unsigned)(rnd() % 3), (unsigned)(rnd() & 1), cfg);
	}
	tt_fini(&w->t);
	test_free(w);
}

static void walk_sd_vs_reference(void **state)
{
	unsigned long s2 = 0;

	(void)state;
	for (unsigned cfg = 0; cfg < NCFG; cfg++)
		one_config(cfg);
	for (unsigned t = 0; t < S2_MMU_FAULT_NR; t++)
		s2 += faults[t][2];
	printf("%lu walks: leaves small %lu large %lu section %lu supersection %lu; "
	       "stage-1 faults translation %lu access flag %lu domain %lu permission %lu; "
	       "stage-2 faults %lu (S1PTW %lu); TTBR1 %lu\n", checks, leaves[0], leaves[1],
	       leaves[2], leaves[3], faults[S2_MMU_FAULT_TRANSLATION][1],
	       faults[S2_MMU_FAULT_ACCESS_FLAG][1], faults[S2_MMU_FAULT_DOMAIN][1],
	       faults[S2_MMU_FAULT_PERMISSION][1],
	       s2, s1ptw_faults, ttbr1);
	/* Every descriptor type and every stage-1 fault type was compared. */
	for (unsigned k = 0; k < 4; k++)
		assert_true(leaves[k] > 100);
	assert_true(faults[S2_MMU_FAULT_TRANSLATION][1] > 100);
	assert_true(faults[S2_MMU_FAULT_ACCESS_FLAG][1] > 100);
	assert_true(faults[S2_MMU_FAULT_DOMAIN][1] > 100);
	assert_true(faults[S2_MMU_FAULT_PERMISSION][1] > 100);
	assert_true(faults[S2_MMU_FAULT_PERMISSION][2] > 100);
	assert_true(s1ptw_faults > 100);
	assert_true(ttbr1 > 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(walk_sd_vs_reference),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

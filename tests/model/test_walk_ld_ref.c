/* SPDX-License-Identifier: MIT */
/*
 * The model's AArch32 Long-descriptor stage 1 (HCR_EL2.RW=0, TTBCR.EAE=1)
 * against the reference walk (refwalk.c, written from the Arm ARM and
 * sharing no code with the model): seeded random worlds of TTBR0 and
 * TTBR1 tables split by a random T0SZ/T1SZ (start level 1 or 2, the gap
 * between the ranges), EPD0/EPD1, TTBCR.A1 and ASIDs, TTBRs and
 * descriptors with bits [47:40] set now and then; tables of every level
 * holding invalid entries, the reserved level-3 encoding, table
 * descriptors with random APTable, XNTable and PXNTable, 1GB and 2MB
 * blocks and pages with random AP[2:1], XN, PXN, AF and nG, under random
 * SCTLR.WXN and UWXN (and the AFE and TRE bits the format ignores); the
 * stage-2 leaves of the tables' pages with random AF, S2AP and Device
 * memory (S1PTW faults, HCR_EL2.PTW, HCR_EL2.FWB on the max), the output
 * IPAs in stage-2 blocks with random permissions, AF and DBM under
 * VTCR_EL2.HA/HD, or in none; stage 2 of 40 or 48 bits. Each access
 * (read, write or fetch, at PL0 or PL1) is compared: the fault (type,
 * level, stage, S1PTW, IPA), or the IPA, PA, leaf levels and size, both
 * stages' permissions, nG and the ASID, and the stage-2 descriptors the
 * walk updated; every other access through s2_mmu_translate_cached(), one
 * decoded-regime cache for the whole run. The run must have met every
 * descriptor kind, every stage-1 fault type and each permission rule many
 * times, or it fails.
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

#define SEED      0x4c44524546ULL
#define NCFG      800
#define NACC      160
#define NL2       6           /* level-2 tables the level-1 entries share */
#define NL3       16          /* level-3 tables */
#define RAM_IPA   0x80000000ULL
#define RAM_SIZE  (1ULL << 20)
#define ROOT0     (RAM_IPA)              /* TTBR0's start table */
#define ROOT1     (RAM_IPA + 0x1000)     /* TTBR1's */
#define L2_BASE   (RAM_IPA + 0x2000)
#define L3_BASE   (L2_BASE + NL2 * 0x1000ULL)
#define HOLE_IPA  0x20000000ULL          /* no stage-2 mapping */
#define DATA_IPA  0x40000000ULL          /* stage-1 outputs: 1GB of 2MB blocks */
#define DATA_SIZE (1ULL << 30)
#define DATA_PA   0x200000000ULL

static uint64_t rng = SEED;

static uint64_t rnd(void)
{
	return splitmix64(&rng);
}

/* True with probability @n / 16. */
static bool chance(unsigned n)
{
	return (rnd() & 15) < n;
}

struct world {
	struct tt t;
	struct tt_geo s2;
	uint64_t ram_pa;
	struct s2_mmu_cpu cpu;
	struct s2_mmu_regs regs;
};

static void wr_desc(struct world *w, uint64_t ipa, uint64_t d)
{
	tt_wr(&w->t, w->ram_pa + (ipa - RAM_IPA), d);
}

/*
 * An output address for a leaf of @shift bits: mostly in the data blocks,
 * else anywhere in 40 bits, now and then with bits [47:40] set.
 */
static uint64_t rnd_oa(unsigned shift)
{
	uint64_t oa;

	if (chance(13))
		oa = DATA_IPA + rnd() % DATA_SIZE;
	else
		oa = rnd() & ((1ULL << 40) - 1);
	if (chance(1))
		oa |= (rnd() & 0xff) << 40 | 1ULL << 40;
	return oa & ~((1ULL << shift) - 1);
}

/*
 * A block (levels 1, 2) or page (level 3): AP[2:1], AF mostly set, nG,
 * PXN, XN random; AttrIndx, NS, SH and the software bits [58:55] random
 * (none of them changes the walk).
 */
static uint64_t rnd_leaf(int level)
{
	uint64_t d = rnd_oa(39 - 9 * (unsigned)level);

	d |= rnd() & (0x7ULL << 2 | 1ULL << 5 | 0x3ULL << 6 | 0x3ULL << 8 | 1ULL << 11 |
		      0xfULL << 55);
	if (chance(4))
		d |= 1ULL << 53;   /* PXN */
	if (chance(4))
		d |= 1ULL << 54;   /* XN */
	if (chance(14))
		d |= 1ULL << 10;   /* AF */
	return d | (level == 3 ? 3 : 1);
}

/*
 * A table descriptor at @level: to one of the next level's tables, now and
 * then to an unmapped IPA or past 40 bits; each of PXNTable, XNTable,
 * APTable[0], APTable[1] set a time in four, NSTable and the ignored bits
 * random.
 */
static uint64_t rnd_table(int level)
{
	uint64_t d;

	if (level == 1)
		d = L2_BASE + (rnd() % NL2) * 0x1000;
	else
		d = L3_BASE + (rnd() % NL3) * 0x1000;
	if (chance(1))
		d = chance(8) ? HOLE_IPA + (rnd() & 0xfffff000) : d | 1ULL << (40 + rnd() % 8);
	d |= rnd() & (0x3ffULL << 2 | 0x7fULL << 52 | 1ULL << 63);
	for (unsigned b = 59; b <= 62; b++)
		if (chance(4))
			d |= 1ULL << b;
	return d | 3;
}

/* Any entry of a level-@level table. */
static uint64_t rnd_entry(int level)
{
	unsigned k = (unsigned)(rnd() % 16);

	if (k < 2)
		return rnd() & ~1ULL;                          /* invalid */
	if (level == 3)
		return k < 3 ? (rnd_leaf(3) & ~2ULL) : rnd_leaf(3);   /* 0b01: reserved */
	return k < 9 ? rnd_table(level) : rnd_leaf(level);
}

/* A start table at the level the TxSZ gives (4 or 2 entries at level 1). */
static void fill_root(struct world *w, uint64_t ipa, unsigned tsz)
{
	int level = tsz <= 1 ? 1 : 2;
	unsigned n = level == 1 ? 4 : 512;

	for (unsigned i = 0; i < n; i++)
		wr_desc(w, ipa + i * 8, rnd_entry(level));
}

/* A TTBR: the table, random BADDR bits below its size, the ASID, [47:40]. */
static uint64_t rnd_ttbr(uint64_t table, unsigned tsz)
{
	unsigned x = tsz <= 1 ? 5 - tsz : 14 - tsz;
	uint64_t t = table | (rnd() & ((1ULL << x) - 1)) | (rnd() & 0xff) << 48;

	if (chance(1))
		t |= 1ULL << (40 + rnd() % 8);
	return t;
}

/* A TxSZ: 0 (3 in 8), 1 (1 in 8) or 2..7. */
static unsigned rnd_tsz(void)
{
	unsigned k = (unsigned)(rnd() % 8);

	return k < 3 ? 0 : k < 4 ? 1 : 2 + (unsigned)(rnd() % 6);
}

enum rule { APT0, APT1, XNT, PXNT, XN, PXN, PL0X, WXN, UWXN, NRULE };

static const char *const rule_name[NRULE] = {
	"APTable[0]", "APTable[1]", "XNTable", "PXNTable", "XN", "PXN",
	"PL0 exec without read", "WXN", "UWXN",
};

static struct s2_mmu_regime regime;   /* all-zero: empty */
static unsigned long checks, faults[S2_MMU_FAULT_NR][3], leaves[4], s1ptw_faults,
	ttbr1, start2, range_faults, ttbr_size, rules[NRULE], af_set, dirtied;

/*
 * Count the permission rules @a met at the stage-1 leaf @ref reached: the
 * table or leaf bit set where it takes away what @a asks for (and the
 * leaf's AP[2:1] would grant it).
 */
static void count_rules(const struct refwalk_result *ref, const struct s2_mmu_access *a,
			uint64_t sctlr)
{
	uint64_t d = ref->s1_desc, t = ref->s1_tbl;
	bool x = a->acc == S2_MMU_EXEC, pl1 = a->el == 1;
	bool ur = (d >> 6 & 1) && !(t >> 61 & 1), pw = !(d >> 7 & 1) && !(t >> 62 & 1);

	rules[APT0] += (t >> 61 & 1) && (d >> 6 & 1) && !pl1;
	rules[APT1] += (t >> 62 & 1) && !(d >> 7 & 1) && a->acc == S2_MMU_WRITE;
	rules[XNT] += (t >> 60 & 1) && !(d >> 54 & 1) && x;
	rules[PXNT] += (t >> 59 & 1) && !(d >> 53 & 1) && x && pl1;
	rules[XN] += (d >> 54 & 1) && x && pl1;
	rules[PXN] += (d >> 53 & 1) && x && pl1;
	rules[PL0X] += !ur && x && !pl1;
	rules[WXN] += (sctlr >> 19 & 1) && pw && (pl1 || ur) && x;
	rules[UWXN] += (sctlr >> 20 & 1) && ur && pw && x && pl1;
}

static void check_one(struct world *w, uint32_t va, unsigned acc, unsigned el,
		      unsigned cfg)
{
	struct s2_mmu_access a = { .va = va, .acc = (uint8_t)acc, .el = (uint8_t)el };
	uint64_t ttbcr = w->regs.tcr_el1;
	unsigned t0sz = ttbcr & 7, t1sz = (ttbcr >> 16) & 7;
	struct refwalk_result ref;
	struct s2_mmu_result r;
	char what[240];
	bool lo, hi;

	assert_int_equal(refwalk_translate(&w->t.mem, &w->cpu, &w->regs, &a, &ref), 0);
	/*
	 * Every other access through one decoded-regime cache for the whole
	 * run: each configuration's registers must make it decode afresh.
	 */
	if (checks & 1)
		assert_int_equal(s2_mmu_translate_cached(&regime, &w->t.mem, &w->cpu, &w->regs,
							 &a, &r), 0);
	else
		assert_int_equal(s2_mmu_translate(&w->t.mem, &w->cpu, &w->regs, &a, &r), 0);
	snprintf(what, sizeof(what), "config %u va 0x%08x %s at PL%u (TTBCR 0x%llx SCTLR "
		 "0x%llx TTBR0 0x%llx TTBR1 0x%llx)", cfg, va,
		 acc == S2_MMU_READ ? "read" : acc == S2_MMU_WRITE ? "write" : "exec", el,
		 (unsigned long long)ttbcr, (unsigned long long)w->regs.sctlr_el1,
		 (unsigned long long)w->regs.ttbr0_el1, (unsigned long long)w->regs.ttbr1_el1);
	if (!refwalk_check_ld(&ref, &r, what) || !refwalk_check_mem(&ref, &w->t.mem, what))
		fail();
	checks++;
	if (ref.fault)
		faults[ref.fault][ref.stage] += 1;
	s1ptw_faults += ref.fault && ref.s1ptw;
	af_set += ref.af_set != 0;
	dirtied += (ref.dirty & 7) != 0;
	/* VA[31:32-TxSZ] zero (TTBR0's range), ones (TTBR1's), or neither. */
	lo = !t0sz || !(va >> (32 - t0sz));
	hi = t1sz && (va >> (32 - t1sz)) == (1u << t1sz) - 1;
	range_faults += t1sz && !lo && !hi;
	ttbr_size += ref.fault == S2_MMU_FAULT_ADDR_SIZE && ref.stage == 1 && ref.level == 0;
	if (ref.s1_level > 0) {
		bool sel = t1sz ? hi : !lo;

		leaves[ref.s1_level]++;
		ttbr1 += sel;
		start2 += (sel ? t1sz : t0sz) >= 2;
		count_rules(&ref, &a, w->regs.sctlr_el1);
	}
}

/*
 * Halfway through a configuration, one register field the decoding reads
 * changes (the cache of s2_mmu_translate_cached() must see it): TTBCR.A1,
 * an ASID, EPD0 or EPD1, or T0SZ or T1SZ to another value of the same
 * start level (the tables stay those of the start level).
 */
static void change_one(struct world *w)
{
	uint64_t *tcr = &w->regs.tcr_el1;
	unsigned sh = rnd() & 1 ? 16 : 0, tsz = (*tcr >> sh) & 7;

	switch (rnd() % 4) {
	case 0:
		*tcr ^= 1ULL << 22;
		break;
	case 1:
		*(rnd() & 1 ? &w->regs.ttbr0_el1 : &w->regs.ttbr1_el1) ^= ((rnd() & 0xff) | 1) << 48;
		break;
	case 2:
		*tcr ^= 1ULL << (sh ? 23 : 7);
		break;
	default:
		tsz = tsz <= 1 ? tsz ^ 1 : 2 + (tsz - 2 + 1 + (unsigned)(rnd() % 5)) % 6;
		*tcr = (*tcr & ~(7ULL << sh)) | (uint64_t)tsz << sh;
		break;
	}
}

/* Stage 2 of 40 bits from level 1 (2 concatenated tables), or 48 from 0. */
static void make_s2(struct world *w, bool ipa48)
{
	unsigned t0sz = ipa48 ? 16 : 24, sl0 = ipa48 ? 2 : 1;

	w->s2 = (struct tt_geo){ 12, ipa48 ? 0 : 1, 64 - t0sz, tt_alloc(&w->t, 8192), 0 };
	/* 4KB granule, PS 40 or 48 bits */
	w->regs.vtcr_el2 = t0sz | sl0 << 6 | (chance(8) ? 2ULL : 5ULL) << 16 | VTCR_EL2_RES1;
	w->regs.vttbr_el2 = w->s2.root;
}

static void one_config(unsigned cfg)
{
	struct world *w = test_calloc(1, sizeof(*w));
	unsigned t0sz = rnd_tsz(), t1sz = rnd_tsz(), i;
	uint64_t fwb;

	tt_init(&w->t);
	w->cpu = chance(8) ? s2_mmu_cpu_max : s2_mmu_cpu_cortex_a57;
	fwb = w->cpu.s2fwb && chance(4) ? HCR_EL2_FWB : 0;
	/* RW=0: EL1 is AArch32; PTW [2] a time in four. */
	w->regs.hcr_el2 = HCR_EL2_VM | (chance(4) ? HCR_EL2_PTW : 0) | fwb;
	/* A 48-bit IPA is beyond what the cortex-a57's PAMax allows: all fault. */
	make_s2(w, chance(2));
	if (w->cpu.hafdbs && chance(8))
		w->regs.vtcr_el2 |= VTCR_EL2_HA | (chance(12) ? VTCR_EL2_HD : 0);
	w->ram_pa = TT_MEM_BASE;
	/* The tables' pages: mostly readable Normal memory with AF set. */
	for (uint64_t ipa = RAM_IPA; ipa < L3_BASE + NL3 * 0x1000ULL; ipa += 4096) {
		uint64_t d = s2_leaf(w->ram_pa + (ipa - RAM_IPA), chance(15) ? 3 : 2,
				     chance(15) ? 0xf : (fwb ? 0x2 : 0x0), 0, 3);

		if (!chance(15))
			d &= ~DESC_AF;
		tt_set(&w->t, &w->s2, ipa, 3, d);
	}
	/* The output IPAs: 2MB blocks, random S2AP, XN, AF and DBM; some missing. */
	for (uint64_t off = 0; off < DATA_SIZE; off += 2ULL << 20) {
		uint64_t d;

		if (chance(1))
			continue;
		d = s2_leaf(DATA_PA + off, chance(10) ? 3 : (unsigned)(rnd() & 3), 0xf,
			    chance(3), 2);
		if (chance(2))
			d &= ~DESC_AF;
		if (chance(8))
			d |= DESC_DBM;
		tt_set(&w->t, &w->s2, DATA_IPA + off, 2, d);
	}
	/*
	 * M (mostly), WXN [19] a time in three, UWXN [20] in two, AFE [29] and
	 * TRE [28] random: the Long-descriptor format reads neither.
	 */
	w->regs.sctlr_el1 = (chance(15) ? 1 : 0) | (chance(5) ? 1ULL << 19 : 0) |
			    (chance(8) ? 1ULL << 20 : 0) | (rnd() & (3ULL << 28));
	/* EAE [31], T0SZ, T1SZ, EPD0 [7] and EPD1 [23] rarely, A1 [22]. */
	w->regs.tcr_el1 = 1ULL << 31 | t0sz | (uint64_t)t1sz << 16 |
			  (chance(1) ? 1ULL << 7 : 0) | (chance(1) ? 1ULL << 23 : 0) |
			  (rnd() & (1ULL << 22));
	w->regs.ttbr0_el1 = rnd_ttbr(ROOT0, t0sz);
	w->regs.ttbr1_el1 = rnd_ttbr(ROOT1, t1sz);
	w->regs.mair_el1 = rnd();
	fill_root(w, ROOT0, t0sz);
	fill_root(w, ROOT1, t1sz);
	for (i = 0; i < NL2 * 512; i++)
		wr_desc(w, L2_BASE + i * 8ULL, rnd_entry(2));
	for (i = 0; i < NL3 * 512; i++)
		wr_desc(w, L3_BASE + i * 8ULL, rnd_entry(3));
	for (i = 0; i < NACC; i++) {
		uint32_t va = (uint32_t)rnd();

		if (i == NACC / 2)
			change_one(w);
		t0sz = w->regs.tcr_el1 & 7;
		t1sz = (w->regs.tcr_el1 >> 16) & 7;

		/* Mostly into TTBR0's or TTBR1's range, else anywhere (the gap). */
		if (chance(13)) {
			if (rnd() & 1)
				va = t0sz ? va >> t0sz : va;
			else if (t1sz)
				va |= ~(0xffffffffu >> t1sz);
		}
		check_one(w, va, (unsigned)(rnd() % 3), (unsigned)(rnd() & 1), cfg);
	}
	tt_fini(&w->t);
	test_free(w);
}

static void walk_ld_vs_reference(void **state)
{
	unsigned long s2 = 0;

	(void)state;
	for (unsigned cfg = 0; cfg < NCFG; cfg++)
		one_config(cfg);
	for (unsigned t = 0; t < S2_MMU_FAULT_NR; t++)
		s2 += faults[t][2];
	printf("%lu walks: leaves 1GB %lu 2MB %lu 4KB %lu (TTBR1 %lu, start level 2 %lu); "
	       "stage-1 faults translation %lu (VAs outside both ranges %lu) address size %lu "
	       "(TTBR %lu) access flag %lu permission %lu; stage-2 faults %lu (S1PTW %lu); "
	       "stage-2 AF set %lu, dirtied %lu\n",
	       checks, leaves[1], leaves[2], leaves[3], ttbr1, start2,
	       faults[S2_MMU_FAULT_TRANSLATION][1], range_faults,
	       faults[S2_MMU_FAULT_ADDR_SIZE][1], ttbr_size,
	       faults[S2_MMU_FAULT_ACCESS_FLAG][1], faults[S2_MMU_FAULT_PERMISSION][1], s2,
	       s1ptw_faults, af_set, dirtied);
	printf("permission rules met:");
	for (unsigned k = 0; k < NRULE; k++)
		printf(" %s %lu%s", rule_name[k], rules[k], k + 1 < NRULE ? "," : "\n");
	/* Every leaf kind, stage-1 fault type and permission rule was compared. */
	for (unsigned l = 1; l <= 3; l++)
		assert_true(leaves[l] > 200);
	assert_true(ttbr1 > 200 && start2 > 200);
	assert_true(faults[S2_MMU_FAULT_TRANSLATION][1] > 200);
	assert_true(range_faults > 50 && ttbr_size > 50);
	assert_true(faults[S2_MMU_FAULT_ADDR_SIZE][1] > ttbr_size + 50);
	assert_true(faults[S2_MMU_FAULT_ACCESS_FLAG][1] > 200);
	assert_true(faults[S2_MMU_FAULT_PERMISSION][1] > 200);
	assert_true(faults[S2_MMU_FAULT_PERMISSION][2] > 200);
	assert_true(s1ptw_faults > 200);
	/* VTCR_EL2.HA/HD: the walks' stage-2 updates were compared too. */
	assert_true(af_set > 300 && dirtied > 50);
	for (unsigned k = 0; k < NRULE; k++)
		assert_true(rules[k] > 300);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(walk_ld_vs_reference),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

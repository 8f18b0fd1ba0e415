/* SPDX-License-Identifier: MIT */
/*
 * FEAT_HAFDBS in the MMU model against the reference walk (refwalk.c,
 * written from the Arm ARM and sharing no code with the model): seeded
 * random two-stage worlds whose leaves, at both stages and for the
 * stage-1 tables' own pages, have random AF, DBM and access permissions,
 * under random TCR_EL1.HA/HD, VTCR_EL2.HA/HD, SCTLR_EL1.WXN and a CPU with
 * or without the dirty state. Each mapping takes a random run of reads,
 * writes and fetches at EL0 and EL1, and of AT S12E*R/W, on the memory
 * the earlier ones left: the reference says, from the same memory, what
 * the access gives and which descriptors it updates to what; the model
 * must give the same (fault, PA, permissions, leaves set and made dirty,
 * writable-clean stages) and leave the same descriptors in memory.
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

#define SEED      0x4841464442ULL
#define NCFG      300
#define NMAP      24
#define NACC      12
#define RAM_IPA   0x80000000ULL
#define RAM_SIZE  (4ULL << 20)
#define DATA_IPA  0x10000000ULL
#define VA_BASE   0x40000000ULL

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

/* Random AF (mostly set), DBM and permission bits of a stage-2 leaf. */
static uint64_t s2_bits(uint64_t d, bool table_page)
{
	d &= ~(DESC_AF | DESC_DBM | S2_DESC_S2AP_MASK | S2_DESC_XN_MASK);
	if (chance(table_page ? 7 : 6))
		d |= DESC_AF;
	if (chance(4))
		d |= DESC_DBM;
	/*
	 * Mostly readable, often writable; else a table page unreadable, a
	 * data page write-only.
	 */
	d |= (uint64_t)(chance(7) ? (chance(5) ? 3 : 1) : table_page ? 0 : 2)
	     << S2_DESC_S2AP_SHIFT;
	if (!table_page)
		d |= (rnd() & 3) << S2_DESC_XN_SHIFT;
	return d;
}

static unsigned long checks, updates_af, updates_dirty, clean_seen, faults, at_checks;

static void check_one(struct tt *t, const struct s2_mmu_cpu *cpu,
		      const struct s2_mmu_regs *regs, uint64_t va, unsigned acc,
		      unsigned el, bool at, unsigned cfg)
{
	static const enum s2_mmu_at_op ops[2][2] = {
		{ S2_MMU_AT_S12E0R, S2_MMU_AT_S12E0W },
		{ S2_MMU_AT_S12E1R, S2_MMU_AT_S12E1W },
	};
	struct s2_mmu_access a = { .va = va, .acc = (uint8_t)acc, .el = (uint8_t)el };
	struct refwalk_result ref;
	struct s2_mmu_result r;
	uint64_t par;
	char what[160];

	if (at) {
		assert_int_equal(refwalk_at(&t->mem, cpu, regs, &a, &ref), 0);
		assert_int_equal(s2_mmu_at(&t->mem, cpu, regs, ops[el][acc == S2_MMU_WRITE],
					   va, &par, &r), 0);
		at_checks++;
	} else {
		assert_int_equal(refwalk_translate(&t->mem, cpu, regs, &a, &ref), 0);
		assert_int_equal(s2_mmu_translate(&t->mem, cpu, regs, &a, &r), 0);
	}
	snprintf(what, sizeof(what), "config %u va 0x%llx %s%s at EL%u (tcr 0x%llx vtcr 0x%llx)",
		 cfg, (unsigned long long)va, at ? "AT " : "",
		 acc == S2_MMU_READ ? "read" : acc == S2_MMU_WRITE ? "write" : "exec", el,
		 (unsigned long long)regs->tcr_el1, (unsigned long long)regs->vtcr_el2);
	if (!refwalk_check(&ref, &r, what) || !refwalk_check_mem(&ref, &t->mem, what))
		fail();
	checks++;
	updates_af += ref.af_set != 0;
	updates_dirty += (ref.dirty & 7) != 0;
	clean_seen += (ref.dirty & (S2_MMU_CLEAN_S1 | S2_MMU_CLEAN_S2)) != 0;
	faults += ref.fault != 0;
}

static void one_config(unsigned cfg)
{
	struct tt t;
	struct tt_geo s2, s1;
	struct s2_mmu_regs regs;
	struct s2_mmu_cpu cpu = s2_mmu_cpu_max;
	uint64_t data_pa;
	unsigned i, k;

	tt_init(&t);
	tt_world_48(&t, RAM_IPA, RAM_SIZE, &s2, &s1, &regs);
	regs.mair_el1 = 0xff;
	data_pa = tt_alloc(&t, NMAP * 4096ULL);
	for (i = 0; i < NMAP; i++) {
		uint64_t va = VA_BASE + i * 0x201000ULL;   /* a level-3 table each, mostly */
		uint64_t d = s1_leaf(DATA_IPA + i * 4096ULL, (unsigned)(rnd() & 3), 0,
				     (chance(2) ? S1_DESC_UXN : 0) |
				     (chance(2) ? S1_DESC_PXN : 0) |
				     (chance(4) ? DESC_DBM : 0), 3);

		if (chance(2))
			d &= ~DESC_AF;
		tt_set(&t, &s1, va, 3, d);
		tt_set(&t, &s2, DATA_IPA + i * 4096ULL, 3,
		       s2_bits(s2_leaf(data_pa + i * 4096ULL, 3, S2_MEMATTR_NORMAL_WB, 0, 3),
			       false));
	}
	/*
	 * The pages of the level-3 stage-1 tables: random stage-2 leaves too
	 * (the tables above them are every walk's).
	 */
	for (i = 0; i < NMAP; i++) {
		uint64_t tbl = (tt_slot(&t, &s1, VA_BASE + i * 0x201000ULL, 3) & ~0xfffULL) -
			       s1.off;
		uint64_t slot = tt_slot(&t, &s2, tbl, 3);

		tt_wr(&t, slot, s2_bits(tt_rd(&t, slot), true));
	}
	if (chance(2))
		cpu.hafdbs_dirty = false;
	if (chance(1))
		cpu.hafdbs = false;
	regs.tcr_el1 |= (chance(5) ? TCR_EL1_HA : 0) | (chance(5) ? TCR_EL1_HD : 0);
	regs.vtcr_el2 |= (chance(5) ? VTCR_EL2_HA : 0) | (chance(5) ? VTCR_EL2_HD : 0);
	if (chance(2))
		regs.sctlr_el1 |= SCTLR_WXN;
	for (k = 0; k < NMAP * NACC; k++) {
		unsigned m = (unsigned)(rnd() % NMAP), acc = (unsigned)(rnd() % 3);
		unsigned el = (unsigned)(rnd() & 1);
		bool at = acc != S2_MMU_EXEC && chance(2);

		check_one(&t, &cpu, &regs, VA_BASE + m * 0x201000ULL + (rnd() & 0xff8), acc,
			  el, at, cfg);
	}
	tt_fini(&t);
}

static void hafdbs_vs_reference(void **state)
{
	(void)state;
	for (unsigned cfg = 0; cfg < NCFG; cfg++)
		one_config(cfg);
	print_message("  %lu translations against the reference (%lu AT), %lu set AF, "
		      "%lu made a leaf dirty, %lu met a writable-clean leaf, %lu faulted\n",
		      checks, at_checks, updates_af, updates_dirty, clean_seen, faults);
	/* The run must have met every case it is for. */
	assert_true(updates_af > 1000 && updates_dirty > 250 && clean_seen > 1000);
	assert_true(faults > checks / 10 && faults < checks - checks / 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hafdbs_vs_reference),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

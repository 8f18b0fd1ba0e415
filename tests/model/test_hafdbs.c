/* SPDX-License-Identifier: MIT */
/*
 * FEAT_HAFDBS in the MMU model. The Access flag: with TCR_EL1.HA /
 * VTCR_EL2.HA an AF=0 leaf gets AF set in memory instead of an Access
 * flag fault (AArch64.S1Translate / AArch64.S2Translate:
 * AArch64.SetAccessFlag, AArch64.MemSwapTableDesc), after the permission
 * check; a stage-1 update writes its descriptor through stage 2, whose
 * fault there is an S1PTW fault reported as a write. The dirty state: with
 * HD (and HA) a DBM=1 leaf is writable (AArch64.S1/S2ApplyOutputPerms) and
 * a write that is not AT makes it dirty in memory (stage 1: AP[2] cleared;
 * stage 2: S2AP[1] set); the TLB holds such a leaf read-only until then.
 * The swap that finds its descriptor changed walks again.
 */
#define _POSIX_C_SOURCE 200809L /* sigaction, siginfo_t, sysconf */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>

#include <s2mm/arch.h>
#include <s2mm/error.h>
#include <s2mm/mmu.h>
#include <s2mm/tlb.h>

#include "tt.h"

#define VTCR_40BIT  0x80023558ULL  /* 4K, T0SZ=24, SL0=1, PS=40-bit */
#define RAM_IPA     0x80000000ULL  /* guest RAM: the stage-1 tables */
#define RAM_SIZE    (8ULL << 20)
#define PA_DATA     0x40000000ULL

#define IPA_RW      0x10000000ULL
#define IPA_NOAF    0x10001000ULL  /* stage-2 page, AF=0, RW */
#define IPA_NOAF_RO 0x10002000ULL  /* stage-2 page, AF=0, read-only */
#define IPA_NOAF_XN 0x10003000ULL  /* stage-2 page, AF=0, XN */

#define VA_RW       0x400000ULL    /* AF=1 both stages */
#define VA_S1NOAF   0x401000ULL    /* stage-1 AF=0 -> IPA_RW */
#define VA_S2NOAF   0x402000ULL    /* -> IPA_NOAF */
#define VA_S1RO     0x403000ULL    /* stage-1 AF=0, AP read-only -> IPA_RW */
#define VA_S2RO_NOAF 0x404000ULL   /* -> IPA_NOAF_RO */
#define VA_S2XN     0x405000ULL    /* -> IPA_NOAF_XN */
/* A second stage-1 level-3 table, in a guest RAM page stage 2 maps RO. */
#define VA_ROTBL    0x600000ULL    /* stage-1 AF=0 in the read-only table */
#define VA_NOAFTBL  0x800000ULL    /* stage-1 AF=1 in a table page with S2 AF=0 */
#define VA_BOTH     0xa00000ULL    /* stage-1 AF=0 in a table page with S2 AF=0 */
#define VA_S1OABIG  0x406000ULL    /* stage-1 AF=0, OA beyond IPS (40 bits) */
#define VA_S2OABIG  0x407000ULL    /* -> IPA_OABIG */
#define IPA_OABIG   0x10004000ULL  /* stage-2 page, AF=0, OA beyond PS */
/* The dirty state. */
#define IPA_DBM     0x10005000ULL  /* stage-2 page, DBM=1, S2AP read-only */
#define IPA_RO      0x10006000ULL  /* stage-2 page, DBM=0, S2AP read-only */
#define IPA_DBM_NOAF 0x10007000ULL /* stage-2 page, DBM=1, read-only, AF=0 */
#define VA_DBM      0x408000ULL    /* stage-1 DBM=1, AP[2:1]=10 -> IPA_RW */
#define VA_RO       0x409000ULL    /* stage-1 DBM=0, AP[2:1]=10 -> IPA_RW */
#define VA_S2DBM    0x40a000ULL    /* -> IPA_DBM */
#define VA_S2RO     0x40b000ULL    /* -> IPA_RO */
#define VA_BOTHDBM  0x40c000ULL    /* stage-1 DBM=1 read-only -> IPA_DBM */
#define VA_DBM_S2RO 0x40d000ULL    /* stage-1 DBM=1 read-only -> IPA_RO */
#define VA_DBM_NOAF 0x40e000ULL    /* stage-1 DBM=1 read-only, AF=0 -> IPA_DBM_NOAF */
#define VA_DBM_EL1  0x40f000ULL    /* stage-1 DBM=1, AP[2:1]=10 (no EL0) -> IPA_RW */
#define VA_DBM_ALL  0x410000ULL    /* stage-1 DBM=1, AP[2:1]=11 (EL0 RO) -> IPA_RW */
#define VA_ROTBL_DBM 0x601000ULL   /* stage-1 DBM=1 read-only in VA_ROTBL's table */

#define MAIR_VAL    0x000000000044ff00ULL /* 1: Normal WB */
#define ATTR_WB     1

struct world {
	struct tt t;
	struct s2_mmu_cpu cpu;
	struct s2_mmu_regs regs;
	struct tt_geo s2;
	struct tt_geo s1;
	uint64_t ram_pa;
};

static void s2map(struct world *w, uint64_t ipa, int level, uint64_t d)
{
	tt_set(&w->t, &w->s2, ipa, level, d);
}

static uint64_t s1slot(struct world *w, uint64_t va)
{
	return tt_slot(&w->t, &w->s1, va, 3);
}

static uint64_t s2slot(struct world *w, uint64_t ipa)
{
	return tt_slot(&w->t, &w->s2, ipa, 3);
}

/* Map the guest RAM page at @ipa by a level-3 stage-2 page (@ap, @af). */
static void s2ram_page(struct world *w, uint64_t ipa, unsigned ap, bool af)
{
	uint64_t d = s2_leaf(w->ram_pa + (ipa - RAM_IPA), ap, S2_MEMATTR_NORMAL_WB, 0, 3);

	s2map(w, ipa, 3, af ? d : d & ~DESC_AF);
}

static int world_setup(void **state)
{
	struct world *w = calloc(1, sizeof(*w));
	uint64_t i, tbl;

	tt_init(&w->t);
	w->cpu = s2_mmu_cpu_max;
	w->s2 = (struct tt_geo){ 12, 1, 40, tt_alloc(&w->t, 8192), 0 };
	w->ram_pa = (w->t.next + (2ULL << 20) - 1) & ~((2ULL << 20) - 1);
	w->t.next = w->ram_pa;
	/* Guest RAM by level-3 pages, so that single table pages can differ. */
	for (i = 0; i < RAM_SIZE; i += 4096)
		s2ram_page(w, RAM_IPA + i, 3, true);
	s2map(w, IPA_RW, 3, s2_leaf(PA_DATA + 0x1000, 3, S2_MEMATTR_NORMAL_WB, 0, 3));
	s2map(w, IPA_NOAF, 3,
	      s2_leaf(PA_DATA + 0x2000, 3, S2_MEMATTR_NORMAL_WB, 0, 3) & ~DESC_AF);
	s2map(w, IPA_NOAF_RO, 3,
	      s2_leaf(PA_DATA + 0x3000, 1, S2_MEMATTR_NORMAL_WB, 0, 3) & ~DESC_AF);
	s2map(w, IPA_NOAF_XN, 3,
	      s2_leaf(PA_DATA + 0x4000, 3, S2_MEMATTR_NORMAL_WB, 1, 3) & ~DESC_AF);

	s2map(w, IPA_OABIG, 3,
	      s2_leaf(1ULL << 40, 3, S2_MEMATTR_NORMAL_WB, 0, 3) & ~DESC_AF);
	w->s1 = (struct tt_geo){ 12, 0, 48, tt_alloc(&w->t, 4096), w->ram_pa - RAM_IPA };
	tt_wr(&w->t, s1slot(w, VA_RW), s1_leaf(IPA_RW, 0, ATTR_WB, 0, 3));
	tt_wr(&w->t, s1slot(w, VA_S1NOAF), s1_leaf(IPA_RW, 0, ATTR_WB, 0, 3) & ~DESC_AF);
	tt_wr(&w->t, s1slot(w, VA_S2NOAF), s1_leaf(IPA_NOAF, 0, ATTR_WB, 0, 3));
	tt_wr(&w->t, s1slot(w, VA_S1RO), s1_leaf(IPA_RW, 2, ATTR_WB, 0, 3) & ~DESC_AF);
	tt_wr(&w->t, s1slot(w, VA_S2RO_NOAF), s1_leaf(IPA_NOAF_RO, 0, ATTR_WB, 0, 3));
	tt_wr(&w->t, s1slot(w, VA_S2XN), s1_leaf(IPA_NOAF_XN, 0, ATTR_WB, 0, 3));
	tt_wr(&w->t, s1slot(w, VA_ROTBL), s1_leaf(IPA_RW, 0, ATTR_WB, 0, 3) & ~DESC_AF);
	tt_wr(&w->t, s1slot(w, VA_NOAFTBL), s1_leaf(IPA_RW, 0, ATTR_WB, 0, 3));
	tt_wr(&w->t, s1slot(w, VA_BOTH), s1_leaf(IPA_RW, 0, ATTR_WB, 0, 3) & ~DESC_AF);
	tt_wr(&w->t, s1slot(w, VA_S1OABIG), s1_leaf(1ULL << 40, 0, ATTR_WB, 0, 3) & ~DESC_AF);
	tt_wr(&w->t, s1slot(w, VA_S2OABIG), s1_leaf(IPA_OABIG, 0, ATTR_WB, 0, 3));
	s2map(w, IPA_DBM, 3,
	      s2_leaf(PA_DATA + 0x6000, 1, S2_MEMATTR_NORMAL_WB, 0, 3) | DESC_DBM);
	s2map(w, IPA_RO, 3, s2_leaf(PA_DATA + 0x7000, 1, S2_MEMATTR_NORMAL_WB, 0, 3));
	s2map(w, IPA_DBM_NOAF, 3,
	      (s2_leaf(PA_DATA + 0x8000, 1, S2_MEMATTR_NORMAL_WB, 0, 3) | DESC_DBM) &
	      ~DESC_AF);
	tt_wr(&w->t, s1slot(w, VA_DBM), s1_leaf(IPA_RW, 2, ATTR_WB, DESC_DBM, 3));
	tt_wr(&w->t, s1slot(w, VA_RO), s1_leaf(IPA_RW, 2, ATTR_WB, 0, 3));
	tt_wr(&w->t, s1slot(w, VA_S2DBM), s1_leaf(IPA_DBM, 0, ATTR_WB, 0, 3));
	tt_wr(&w->t, s1slot(w, VA_S2RO), s1_leaf(IPA_RO, 0, ATTR_WB, 0, 3));
	tt_wr(&w->t, s1slot(w, VA_BOTHDBM), s1_leaf(IPA_DBM, 2, ATTR_WB, DESC_DBM, 3));
	tt_wr(&w->t, s1slot(w, VA_DBM_S2RO), s1_leaf(IPA_RO, 2, ATTR_WB, DESC_DBM, 3));
	tt_wr(&w->t, s1slot(w, VA_DBM_NOAF),
	      s1_leaf(IPA_DBM_NOAF, 2, ATTR_WB, DESC_DBM, 3) & ~DESC_AF);
	tt_wr(&w->t, s1slot(w, VA_DBM_EL1), s1_leaf(IPA_RW, 2, ATTR_WB, DESC_DBM, 3));
	tt_wr(&w->t, s1slot(w, VA_DBM_ALL), s1_leaf(IPA_RW, 3, ATTR_WB, DESC_DBM, 3));
	tt_wr(&w->t, s1slot(w, VA_ROTBL_DBM), s1_leaf(IPA_RW, 2, ATTR_WB, DESC_DBM, 3));
	/* The level-3 tables of VA_ROTBL, VA_NOAFTBL, VA_BOTH: stage 2 RO, AF=0. */
	tbl = (s1slot(w, VA_ROTBL) & ~0xfffULL) - w->s1.off;
	s2ram_page(w, tbl, 1, true);
	tbl = (s1slot(w, VA_NOAFTBL) & ~0xfffULL) - w->s1.off;
	s2ram_page(w, tbl, 3, false);
	tbl = (s1slot(w, VA_BOTH) & ~0xfffULL) - w->s1.off;
	s2ram_page(w, tbl, 3, false);

	w->regs = (struct s2_mmu_regs){
		.hcr_el2 = HCR_EL2_RW | HCR_EL2_VM,
		.vtcr_el2 = VTCR_40BIT,
		.vttbr_el2 = w->s2.root | (5ULL << VTTBR_EL2_VMID_SHIFT),
		.sctlr_el1 = SCTLR_M,
		.tcr_el1 = 16 | (16ULL << TCR_EL1_T1SZ_SHIFT) |
			   (TCR_EL1_TG1_4K << TCR_EL1_TG1_SHIFT) |
			   (2ULL << TCR_EL1_IPS_SHIFT),
		.ttbr0_el1 = w->s1.root - w->s1.off,
		.mair_el1 = MAIR_VAL,
	};
	*state = w;
	return 0;
}

static int world_teardown(void **state)
{
	struct world *w = *state;

	tt_fini(&w->t);
	free(w);
	return 0;
}

static struct s2_mmu_result xlate(struct world *w, uint64_t va, unsigned acc)
{
	struct s2_mmu_access a = { .va = va, .acc = (uint8_t)acc, .el = 1 };
	struct s2_mmu_result r;

	assert_int_equal(s2_mmu_translate(&w->t.mem, &w->cpu, &w->regs, &a, &r), 0);
	return r;
}

static bool s1_af(struct world *w, uint64_t va)
{
	return tt_rd(&w->t, s1slot(w, va)) & DESC_AF;
}

static bool s2_af(struct world *w, uint64_t ipa)
{
	return tt_rd(&w->t, s2slot(w, ipa)) & DESC_AF;
}

/* Without HA (or without the feature: HA is RES0) AF=0 stays a fault. */
static void no_ha_is_af_fault(void **state)
{
	struct world *w = *state;
	const struct s2_mmu_cpu *cpus[2] = { &s2_mmu_cpu_max, &s2_mmu_cpu_cortex_a57 };
	struct s2_mmu_result r;
	unsigned i;

	for (i = 0; i < 2; i++) {
		w->cpu = *cpus[i];
		/* On the A57, HA set is RES0: the same as clear. */
		if (i) {
			w->regs.tcr_el1 |= TCR_EL1_HA;
			w->regs.vtcr_el2 |= VTCR_EL2_HA;
		}
		r = xlate(w, VA_S1NOAF, S2_MMU_READ);
		assert_int_equal(r.fault.type, S2_MMU_FAULT_ACCESS_FLAG);
		assert_int_equal(r.fault.stage, 1);
		assert_int_equal(r.fault.level, 3);
		assert_false(s1_af(w, VA_S1NOAF));
		r = xlate(w, VA_S2NOAF, S2_MMU_WRITE);
		assert_int_equal(r.fault.type, S2_MMU_FAULT_ACCESS_FLAG);
		assert_int_equal(r.fault.stage, 2);
		assert_false(s2_af(w, IPA_NOAF));
		/* A stage-1 table page with stage-2 AF=0: S1PTW AF fault. */
		r = xlate(w, VA_NOAFTBL, S2_MMU_READ);
		assert_int_equal(r.fault.type, S2_MMU_FAULT_ACCESS_FLAG);
		assert_true(r.fault.s1ptw);
		assert_false(r.fault.tte_update);
		assert_int_equal(r.af_set, 0);
	}
	w->cpu = s2_mmu_cpu_max;
	w->regs.tcr_el1 &= ~TCR_EL1_HA;
	w->regs.vtcr_el2 &= ~VTCR_EL2_HA;
}

/* ID_AA64MMFR1_EL1.HAFDBS (bits [3:0]) names the feature. */
static void hafdbs_from_id(void **state)
{
	struct s2_mmu_cpu c;

	(void)state;
	assert_int_equal(s2_mmu_cpu_from_id(5, 0, 0, &c), 0);
	assert_false(c.hafdbs);
	assert_int_equal(s2_mmu_cpu_from_id(5, 1, 0, &c), 0);
	assert_true(c.hafdbs);
	assert_int_equal(s2_mmu_cpu_from_id(5, 2, 0, &c), 0);
	assert_true(c.hafdbs);
	assert_true(s2_mmu_cpu_max.hafdbs);
	assert_false(s2_mmu_cpu_cortex_a57.hafdbs);
}

/*
 * TCR_EL1.HA: a stage-1 AF=0 leaf is set in memory and the access goes on
 * with it (AArch64.S1Translate), for every access kind; VTCR_EL2.HA alone
 * does not do it.
 */
static void s1_ha_sets_af(void **state)
{
	struct world *w = *state;
	static const unsigned accs[3] = { S2_MMU_READ, S2_MMU_WRITE, S2_MMU_EXEC };
	struct s2_mmu_result r;
	unsigned i;

	w->regs.vtcr_el2 |= VTCR_EL2_HA;
	r = xlate(w, VA_S1NOAF, S2_MMU_READ);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_ACCESS_FLAG);
	w->regs.vtcr_el2 &= ~VTCR_EL2_HA;
	w->regs.tcr_el1 |= TCR_EL1_HA;
	for (i = 0; i < 3; i++) {
		uint64_t slot = s1slot(w, VA_S1NOAF), d = tt_rd(&w->t, slot);

		tt_wr(&w->t, slot, d & ~DESC_AF);
		r = xlate(w, VA_S1NOAF, accs[i]);
		assert_int_equal(r.fault.type, S2_MMU_FAULT_NONE);
		assert_int_equal(r.pa, PA_DATA + 0x1000);
		assert_int_equal(r.af_set, S2_MMU_AF_S1);
		/* Only AF changed. */
		assert_int_equal(tt_rd(&w->t, slot), d | DESC_AF);
		/* The next walk finds AF=1: nothing more to set. */
		r = xlate(w, VA_S1NOAF, accs[i]);
		assert_int_equal(r.fault.type, S2_MMU_FAULT_NONE);
		assert_int_equal(r.af_set, 0);
	}
	w->regs.tcr_el1 &= ~TCR_EL1_HA;
}

/*
 * The permission check comes before the update; setting AF on a
 * permission fault is CONSTRAINED UNPREDICTABLE
 * (AArch64.SettingAccessFlagPermitted): the model, as QEMU, leaves it.
 */
static void s1_ha_permission_first(void **state)
{
	struct world *w = *state;
	struct s2_mmu_result r;

	w->regs.tcr_el1 |= TCR_EL1_HA;
	r = xlate(w, VA_S1RO, S2_MMU_WRITE);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_PERMISSION);
	assert_int_equal(r.fault.stage, 1);
	assert_false(s1_af(w, VA_S1RO));
	r = xlate(w, VA_S1RO, S2_MMU_READ);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_NONE);
	assert_true(s1_af(w, VA_S1RO));
	w->regs.tcr_el1 &= ~TCR_EL1_HA;
}

/* VTCR_EL2.HA: the final stage-2 leaf (AArch64.S2Translate). */
static void s2_ha_sets_af(void **state)
{
	struct world *w = *state;
	struct s2_mmu_result r;
	uint64_t d = tt_rd(&w->t, s2slot(w, IPA_NOAF));

	w->regs.tcr_el1 |= TCR_EL1_HA;
	r = xlate(w, VA_S2NOAF, S2_MMU_WRITE);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_ACCESS_FLAG);
	assert_int_equal(r.fault.stage, 2);
	w->regs.tcr_el1 &= ~TCR_EL1_HA;
	w->regs.vtcr_el2 |= VTCR_EL2_HA;
	r = xlate(w, VA_S2NOAF, S2_MMU_WRITE);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_NONE);
	assert_int_equal(r.pa, PA_DATA + 0x2000);
	assert_int_equal(r.af_set, S2_MMU_AF_S2);
	assert_int_equal(tt_rd(&w->t, s2slot(w, IPA_NOAF)), d | DESC_AF);
	/* Permissions first: a write to a read-only page, an execute of XN. */
	r = xlate(w, VA_S2RO_NOAF, S2_MMU_WRITE);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_PERMISSION);
	assert_int_equal(r.fault.stage, 2);
	assert_false(s2_af(w, IPA_NOAF_RO));
	r = xlate(w, VA_S2RO_NOAF, S2_MMU_READ);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_NONE);
	assert_true(s2_af(w, IPA_NOAF_RO));
	r = xlate(w, VA_S2XN, S2_MMU_EXEC);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_PERMISSION);
	assert_false(s2_af(w, IPA_NOAF_XN));
	r = xlate(w, VA_S2XN, S2_MMU_READ);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_NONE);
	assert_true(s2_af(w, IPA_NOAF_XN));
	w->regs.vtcr_el2 &= ~VTCR_EL2_HA;
}

/*
 * VTCR_EL2.HA on a stage-1 walk: the stage-2 leaf of a table page with
 * AF=0 is set too (AArch64.S2Translate of the walk's read).
 */
static void s2_ha_table_page(void **state)
{
	struct world *w = *state;
	struct s2_mmu_result r;
	uint64_t tbl = (s1slot(w, VA_NOAFTBL) & ~0xfffULL) - w->s1.off;

	w->regs.vtcr_el2 |= VTCR_EL2_HA;
	/* No S2AP read: the walk's permission fault first, AF left clear. */
	s2ram_page(w, tbl, 0, false);
	r = xlate(w, VA_NOAFTBL, S2_MMU_READ);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_PERMISSION);
	assert_true(r.fault.s1ptw);
	assert_false(r.fault.tte_update);
	assert_false(s2_af(w, tbl));
	s2ram_page(w, tbl, 3, false);
	r = xlate(w, VA_NOAFTBL, S2_MMU_READ);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_NONE);
	assert_int_equal(r.af_set, S2_MMU_AF_S2PTW);
	assert_true(s2_af(w, tbl));
	w->regs.vtcr_el2 &= ~VTCR_EL2_HA;
}

/*
 * Faults the walk finds before the Access flag come first: an OA beyond
 * the output size is an address size fault (AArch64.S1Walk/S2Walk,
 * AArch64.OAOutOfRange), and nothing is written.
 */
static void earlier_faults_first(void **state)
{
	struct world *w = *state;
	struct s2_mmu_result r;

	w->regs.tcr_el1 |= TCR_EL1_HA;
	w->regs.vtcr_el2 |= VTCR_EL2_HA;
	r = xlate(w, VA_S1OABIG, S2_MMU_READ);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_ADDR_SIZE);
	assert_int_equal(r.fault.stage, 1);
	assert_false(s1_af(w, VA_S1OABIG));
	r = xlate(w, VA_S2OABIG, S2_MMU_READ);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_ADDR_SIZE);
	assert_int_equal(r.fault.stage, 2);
	assert_false(s2_af(w, IPA_OABIG));
	assert_int_equal(r.af_set, 0);
	w->regs.tcr_el1 &= ~TCR_EL1_HA;
	w->regs.vtcr_el2 &= ~VTCR_EL2_HA;
}

/*
 * A stage-1 update writes the descriptor: stage 2 mapping the table page
 * read-only gives a stage-2 permission fault on the stage-1 walk (S1PTW),
 * on the descriptor's IPA, reported as a write (AArch64.S2Translate with
 * CreateAccDescTTEUpdate(): ESR WnR=1 for a data abort; an instruction
 * abort has no WnR). AF stays clear.
 */
static void s1_update_s2_readonly(void **state)
{
	struct world *w = *state;
	static const unsigned accs[3] = { S2_MMU_READ, S2_MMU_WRITE, S2_MMU_EXEC };
	uint64_t desc_ipa = s1slot(w, VA_ROTBL) - w->s1.off, esr, hpfar;
	struct s2_mmu_result r;
	unsigned i;

	w->regs.tcr_el1 |= TCR_EL1_HA;
	for (i = 0; i < 3; i++) {
		r = xlate(w, VA_ROTBL, accs[i]);
		assert_int_equal(r.fault.type, S2_MMU_FAULT_PERMISSION);
		assert_int_equal(r.fault.stage, 2);
		assert_int_equal(r.fault.level, 3);
		assert_true(r.fault.s1ptw);
		assert_true(r.fault.tte_update);
		assert_true(r.fault.ipa_valid);
		assert_int_equal(r.fault.ipa, desc_ipa);
		assert_int_equal(s2_mmu_hpfar(&r.fault, &hpfar), 0);
		assert_int_equal(hpfar, (desc_ipa >> 12) << 4);
		assert_int_equal(s2_mmu_esr(&r.fault, NULL, &esr), 0);
		assert_true(esr & ESR_ISS_DA_S1PTW);
		assert_int_equal(!!(esr & ESR_ISS_DA_WnR), accs[i] != S2_MMU_EXEC);
		assert_false(s1_af(w, VA_ROTBL));
	}
	/* A plain walk read of the same page (AF=1 leaf) is no write. */
	tt_wr(&w->t, s1slot(w, VA_ROTBL), tt_rd(&w->t, s1slot(w, VA_ROTBL)) | DESC_AF);
	r = xlate(w, VA_ROTBL, S2_MMU_WRITE);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_NONE);
	tt_wr(&w->t, s1slot(w, VA_ROTBL), tt_rd(&w->t, s1slot(w, VA_ROTBL)) & ~DESC_AF);
	w->regs.tcr_el1 &= ~TCR_EL1_HA;
}

/*
 * Both stages: the stage-1 leaf with AF=0 in a table page whose stage-2
 * leaf has AF=0. Stage-2 HA off: the walk's read is an S1PTW Access flag
 * fault, before any update. With it, both are set.
 */
static void both_stages(void **state)
{
	struct world *w = *state;
	struct s2_mmu_result r;
	uint64_t tbl = (s1slot(w, VA_BOTH) & ~0xfffULL) - w->s1.off;

	w->regs.tcr_el1 |= TCR_EL1_HA;
	r = xlate(w, VA_BOTH, S2_MMU_READ);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_ACCESS_FLAG);
	assert_true(r.fault.s1ptw);
	assert_false(r.fault.tte_update);
	assert_false(s1_af(w, VA_BOTH));
	w->regs.vtcr_el2 |= VTCR_EL2_HA;
	r = xlate(w, VA_BOTH, S2_MMU_READ);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_NONE);
	assert_int_equal(r.af_set, S2_MMU_AF_S1 | S2_MMU_AF_S2PTW);
	assert_true(s1_af(w, VA_BOTH));
	assert_true(s2_af(w, tbl));
	w->regs.tcr_el1 &= ~TCR_EL1_HA;
	w->regs.vtcr_el2 &= ~VTCR_EL2_HA;
}

/*
 * The TLB caches the translation only after the update (AF=1 in memory),
 * and its stage-2 entries serving the walk never hold an AF=0 leaf: with
 * stale checking on, a hit agrees with a fresh walk.
 */
static void tlb_after_update(void **state)
{
	struct world *w = *state;
	static struct s2_tlb_entry ent[64];
	struct s2_mmu_access a = { .va = VA_S1NOAF, .acc = S2_MMU_READ, .el = 1 };
	struct s2_tlb tlb;
	struct s2_mmu_result r;

	assert_int_equal(s2_tlb_init(&tlb, ent, 16, 4), 0);
	s2_tlb_set_check_stale(&tlb, true);
	tt_wr(&w->t, s1slot(w, VA_S1NOAF), tt_rd(&w->t, s1slot(w, VA_S1NOAF)) & ~DESC_AF);
	assert_int_equal(s2_tlb_translate(&tlb, &w->t.mem, &w->cpu, &w->regs, &a, &r), 0);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_ACCESS_FLAG);
	assert_false(s1_af(w, VA_S1NOAF));
	w->regs.tcr_el1 |= TCR_EL1_HA;
	assert_int_equal(s2_tlb_translate(&tlb, &w->t.mem, &w->cpu, &w->regs, &a, &r), 0);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_NONE);
	assert_false(r.tlb_hit);
	assert_true(s1_af(w, VA_S1NOAF));
	assert_int_equal(s2_tlb_translate(&tlb, &w->t.mem, &w->cpu, &w->regs, &a, &r), 0);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_NONE);
	assert_true(r.tlb_hit);
	assert_false(r.stale);
	w->regs.tcr_el1 &= ~TCR_EL1_HA;
}

/*
 * The TLB's stage-2 entries serving stage-1 table reads: a table page's
 * leaf with AF=0 that the walk may not read (permission fault, AF left
 * clear) is not cached; once the walk has set AF it is.
 */
static void tlb_no_af0_fetch_entry(void **state)
{
	struct world *w = *state;
	static struct s2_tlb_entry ent[64];
	struct s2_mmu_access a = { .va = VA_NOAFTBL, .acc = S2_MMU_READ, .el = 1 };
	uint64_t tbl = (s1slot(w, VA_NOAFTBL) & ~0xfffULL) - w->s1.off;
	struct s2_tlb tlb;
	struct s2_mmu_result r;

	assert_int_equal(s2_tlb_init(&tlb, ent, 16, 4), 0);
	w->regs.vtcr_el2 |= VTCR_EL2_HA;
	s2ram_page(w, tbl, 0, false);
	assert_int_equal(s2_tlb_translate(&tlb, &w->t.mem, &w->cpu, &w->regs, &a, &r), 0);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_PERMISSION);
	assert_true(r.fault.s1ptw);
	assert_int_equal(r.fault.level, 3);
	/* The leaves of the level-0..2 table pages only (AF=1). */
	assert_int_equal(s2_tlb_count(&tlb), 3);
	s2ram_page(w, tbl, 3, false);
	assert_int_equal(s2_tlb_translate(&tlb, &w->t.mem, &w->cpu, &w->regs, &a, &r), 0);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_NONE);
	assert_true(s2_af(w, tbl));
	assert_true(s2_tlb_count(&tlb) > 3);
	w->regs.vtcr_el2 &= ~VTCR_EL2_HA;
}


/* ------------------------------------------------------------------ */
/* The dirty state (TCR_EL1.HD, VTCR_EL2.HD, DBM)                       */
/* ------------------------------------------------------------------ */

#define HAHD1 (TCR_EL1_HA | TCR_EL1_HD)
#define HAHD2 (VTCR_EL2_HA | VTCR_EL2_HD)
#define AP2   (2ULL << S1_DESC_AP_SHIFT)   /* stage-1 AP[2], bit 7 */

static struct s2_mmu_result xlate_el(struct world *w, uint64_t va, unsigned acc,
				     unsigned el)
{
	struct s2_mmu_access a = { .va = va, .acc = (uint8_t)acc, .el = (uint8_t)el };
	struct s2_mmu_result r;

	assert_int_equal(s2_mmu_translate(&w->t.mem, &w->cpu, &w->regs, &a, &r), 0);
	return r;
}

static uint64_t s1d(struct world *w, uint64_t va)
{
	return tt_rd(&w->t, s1slot(w, va));
}

static uint64_t s2d(struct world *w, uint64_t ipa)
{
	return tt_rd(&w->t, s2slot(w, ipa));
}

/* ID_AA64MMFR1_EL1.HAFDBS 0b0010: the dirty state too; 0b0001 the AF only. */
static void hafdbs_dirty_from_id(void **state)
{
	struct s2_mmu_cpu c;

	(void)state;
	assert_int_equal(s2_mmu_cpu_from_id(5, 1, 0, &c), 0);
	assert_false(c.hafdbs_dirty);
	assert_int_equal(s2_mmu_cpu_from_id(5, 2, 0, &c), 0);
	assert_true(c.hafdbs && c.hafdbs_dirty);
	assert_true(s2_mmu_cpu_max.hafdbs_dirty);
	assert_false(s2_mmu_cpu_cortex_a57.hafdbs_dirty);
}

/*
 * TCR_EL1.HD: a write through a DBM=1 read-only leaf clears AP[2] in
 * memory (nothing else) and goes on; a read leaves it clean but is told
 * the leaf is writable-clean, its grants holding the write DBM allows.
 */
static void s1_hd_write_makes_dirty(void **state)
{
	struct world *w = *state;
	uint64_t d = s1d(w, VA_DBM);
	struct s2_mmu_result r;

	w->regs.tcr_el1 |= HAHD1;
	r = xlate(w, VA_DBM, S2_MMU_READ);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_NONE);
	assert_int_equal(r.dirty, S2_MMU_CLEAN_S1);
	assert_true(r.s1_perm & S2_MMU_PERM_W1);
	assert_int_equal(s1d(w, VA_DBM), d);
	r = xlate(w, VA_DBM, S2_MMU_EXEC);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_NONE);
	assert_int_equal(s1d(w, VA_DBM), d);
	r = xlate(w, VA_DBM, S2_MMU_WRITE);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_NONE);
	assert_int_equal(r.pa, PA_DATA + 0x1000);
	assert_int_equal(r.dirty, S2_MMU_DIRTY_S1);
	assert_int_equal(r.af_set, 0);
	assert_int_equal(s1d(w, VA_DBM), d & ~AP2);
	/* Dirty now: nothing more to write, nothing clean. */
	r = xlate(w, VA_DBM, S2_MMU_WRITE);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_NONE);
	assert_int_equal(r.dirty, 0);
	w->regs.tcr_el1 &= ~HAHD1;
}

/*
 * AP[2] taken as 0 (AArch64.S1ApplyOutputPerms) is what the permission
 * check sees: under SCTLR_EL1.WXN a writable-clean page is not executable
 * either, and a DBM=1 page without EL0 access stays without it (its EL0
 * write faults, and nothing is written).
 */
static void s1_hd_permissions(void **state)
{
	struct world *w = *state;
	uint64_t d = s1d(w, VA_DBM_EL1), dall = s1d(w, VA_DBM_ALL);
	struct s2_mmu_result r;

	w->regs.tcr_el1 |= HAHD1;
	w->regs.sctlr_el1 |= SCTLR_WXN;
	r = xlate(w, VA_DBM_EL1, S2_MMU_EXEC);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_PERMISSION);
	assert_int_equal(r.fault.stage, 1);
	w->regs.sctlr_el1 &= ~SCTLR_WXN;
	r = xlate_el(w, VA_DBM_EL1, S2_MMU_WRITE, 0);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_PERMISSION);
	assert_int_equal(r.fault.stage, 1);
	assert_int_equal(s1d(w, VA_DBM_EL1), d);
	/* AP[2:1] = 11 with DBM: an EL0 write, as 01 allows it. */
	r = xlate_el(w, VA_DBM_ALL, S2_MMU_WRITE, 0);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_NONE);
	assert_int_equal(r.dirty, S2_MMU_DIRTY_S1);
	assert_int_equal(s1d(w, VA_DBM_ALL), dall & ~AP2);
	assert_true(r.s1_perm & S2_MMU_PERM_W0);
	w->regs.tcr_el1 &= ~HAHD1;
}

/*
 * The effective AP[2] of a DBM=1 leaf is 0 for every access, fetches
 * included (AArch64.S1ApplyOutputPerms clears it before any access type
 * is looked at): AP[2:1] = 11 becomes 01, writable at EL0, and "locations
 * writable by unprivileged cannot be executed by privileged"
 * (AArch64.S1DirectBasePermissions: px = NOT(pxn OR pxn_table OR uw)).
 * Without WXN an EL1 fetch from such a leaf faults under HD and runs
 * without it; EL0's fetch (UXN clear) runs either way. QEMU clears AP[2]
 * for stores only (docs/fidelity.md, deviation 11).
 */
static void s1_hd_dbm_implicit_pxn(void **state)
{
	struct world *w = *state;
	uint64_t dall = s1d(w, VA_DBM_ALL);
	struct s2_mmu_result r;

	w->regs.sctlr_el1 &= ~SCTLR_WXN;
	r = xlate(w, VA_DBM_ALL, S2_MMU_EXEC);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_NONE);
	w->regs.tcr_el1 |= HAHD1;
	r = xlate(w, VA_DBM_ALL, S2_MMU_EXEC);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_PERMISSION);
	assert_int_equal(r.fault.stage, 1);
	assert_int_equal(r.fault.level, 3);
	assert_int_equal(s1d(w, VA_DBM_ALL), dall);
	r = xlate_el(w, VA_DBM_ALL, S2_MMU_EXEC, 0);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_NONE);
	/* A read at EL1 is not a fetch: AP 01 allows it. */
	r = xlate(w, VA_DBM_ALL, S2_MMU_READ);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_NONE);
	w->regs.tcr_el1 &= ~HAHD1;
}

/*
 * HD without HA has no effect (AArch64.S1/S2Translate and ApplyOutputPerms
 * test both), nor does HD on a CPU with the Access flag part only: the
 * write is a permission fault and the descriptor stays as it was.
 */
static void hd_needs_ha(void **state)
{
	struct world *w = *state;
	uint64_t d1 = s1d(w, VA_DBM), d2 = s2d(w, IPA_DBM);
	struct s2_mmu_result r;
	unsigned i;

	for (i = 0; i < 2; i++) {
		if (i == 0) {
			w->regs.tcr_el1 |= TCR_EL1_HD;
			w->regs.vtcr_el2 |= VTCR_EL2_HD;
		} else {
			w->cpu.hafdbs_dirty = false;
			w->regs.tcr_el1 |= HAHD1;
			w->regs.vtcr_el2 |= HAHD2;
		}
		r = xlate(w, VA_DBM, S2_MMU_WRITE);
		assert_int_equal(r.fault.type, S2_MMU_FAULT_PERMISSION);
		assert_int_equal(r.fault.stage, 1);
		assert_int_equal(r.dirty, 0);
		assert_false(r.s1_perm & S2_MMU_PERM_W1);
		r = xlate(w, VA_S2DBM, S2_MMU_WRITE);
		assert_int_equal(r.fault.type, S2_MMU_FAULT_PERMISSION);
		assert_int_equal(r.fault.stage, 2);
		assert_int_equal(r.dirty, 0);
		assert_int_equal(s1d(w, VA_DBM), d1);
		assert_int_equal(s2d(w, IPA_DBM), d2);
	}
	w->cpu = s2_mmu_cpu_max;
	w->regs.tcr_el1 &= ~HAHD1;
	w->regs.vtcr_el2 &= ~HAHD2;
}

/* DBM=0: a read-only leaf stays read-only under HD at either stage. */
static void dbm0_still_faults(void **state)
{
	struct world *w = *state;
	uint64_t d1 = s1d(w, VA_RO), d2 = s2d(w, IPA_RO);
	struct s2_mmu_result r;

	w->regs.tcr_el1 |= HAHD1;
	w->regs.vtcr_el2 |= HAHD2;
	r = xlate(w, VA_RO, S2_MMU_WRITE);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_PERMISSION);
	assert_int_equal(r.fault.stage, 1);
	r = xlate(w, VA_S2RO, S2_MMU_WRITE);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_PERMISSION);
	assert_int_equal(r.fault.stage, 2);
	assert_int_equal(s1d(w, VA_RO), d1);
	assert_int_equal(s2d(w, IPA_RO), d2);
	w->regs.tcr_el1 &= ~HAHD1;
	w->regs.vtcr_el2 &= ~HAHD2;
}

/*
 * VTCR_EL2.HD: a write through a DBM=1 read-only stage-2 leaf sets S2AP[1]
 * in memory; a read leaves it clean; TCR_EL1.HD alone does not do it.
 */
static void s2_hd_write_makes_dirty(void **state)
{
	struct world *w = *state;
	uint64_t d = s2d(w, IPA_DBM);
	struct s2_mmu_result r;

	w->regs.tcr_el1 |= HAHD1;
	r = xlate(w, VA_S2DBM, S2_MMU_WRITE);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_PERMISSION);
	assert_int_equal(r.fault.stage, 2);
	w->regs.tcr_el1 &= ~HAHD1;
	w->regs.vtcr_el2 |= HAHD2;
	r = xlate(w, VA_S2DBM, S2_MMU_READ);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_NONE);
	assert_int_equal(r.dirty, S2_MMU_CLEAN_S2);
	assert_true(r.s2_perm & S2_MMU_PERM_W1);
	assert_int_equal(s2d(w, IPA_DBM), d);
	r = xlate(w, VA_S2DBM, S2_MMU_WRITE);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_NONE);
	assert_int_equal(r.pa, PA_DATA + 0x6000);
	assert_int_equal(r.dirty, S2_MMU_DIRTY_S2);
	assert_int_equal(s2d(w, IPA_DBM), d | S2_DESC_S2AP_W);
	r = xlate(w, VA_S2DBM, S2_MMU_WRITE);
	assert_int_equal(r.dirty, 0);
	w->regs.vtcr_el2 &= ~HAHD2;
}

/*
 * Both stages writable-clean: one write makes both dirty; AF=0 and clean
 * at both: one swap each sets AF and the dirty state together.
 */
static void both_stages_dirty(void **state)
{
	struct world *w = *state;
	uint64_t d1 = s1d(w, VA_BOTHDBM), d2 = s2d(w, IPA_DBM);
	uint64_t n1 = s1d(w, VA_DBM_NOAF), n2 = s2d(w, IPA_DBM_NOAF);
	struct s2_mmu_result r;

	w->regs.tcr_el1 |= HAHD1;
	w->regs.vtcr_el2 |= HAHD2;
	r = xlate(w, VA_BOTHDBM, S2_MMU_READ);
	assert_int_equal(r.dirty, S2_MMU_CLEAN_S1 | S2_MMU_CLEAN_S2);
	r = xlate(w, VA_BOTHDBM, S2_MMU_WRITE);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_NONE);
	assert_int_equal(r.dirty, S2_MMU_DIRTY_S1 | S2_MMU_DIRTY_S2);
	assert_int_equal(s1d(w, VA_BOTHDBM), d1 & ~AP2);
	assert_int_equal(s2d(w, IPA_DBM), d2 | S2_DESC_S2AP_W);
	r = xlate(w, VA_DBM_NOAF, S2_MMU_WRITE);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_NONE);
	assert_int_equal(r.af_set, S2_MMU_AF_S1 | S2_MMU_AF_S2);
	assert_int_equal(r.dirty, S2_MMU_DIRTY_S1 | S2_MMU_DIRTY_S2);
	assert_int_equal(s1d(w, VA_DBM_NOAF), (n1 | DESC_AF) & ~AP2);
	assert_int_equal(s2d(w, IPA_DBM_NOAF), n2 | DESC_AF | S2_DESC_S2AP_W);
	w->regs.tcr_el1 &= ~HAHD1;
	w->regs.vtcr_el2 &= ~HAHD2;
}

/*
 * Stage 1 finishes, its update included, before stage 2 translates the
 * output (AArch64.FullTranslate): a write through a writable-clean
 * stage-1 leaf to a read-only stage-2 page makes the stage-1 leaf dirty,
 * then faults at stage 2.
 */
static void s1_dirty_before_s2_fault(void **state)
{
	struct world *w = *state;
	uint64_t d = s1d(w, VA_DBM_S2RO);
	struct s2_mmu_result r;

	w->regs.tcr_el1 |= HAHD1;
	r = xlate(w, VA_DBM_S2RO, S2_MMU_WRITE);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_PERMISSION);
	assert_int_equal(r.fault.stage, 2);
	assert_false(r.fault.s1ptw);
	assert_int_equal(r.dirty, S2_MMU_DIRTY_S1);
	assert_int_equal(s1d(w, VA_DBM_S2RO), d & ~AP2);
	w->regs.tcr_el1 &= ~HAHD1;
}

/*
 * AT S1E1W / S12E1W through writable-clean leaves: permitted (PAR
 * without F), but AT makes nothing dirty (AArch64.S1/S2Translate exclude
 * AccessType_AT); the Access flag is set as for an access.
 */
static void at_does_not_dirty(void **state)
{
	struct world *w = *state;
	uint64_t d1 = s1d(w, VA_BOTHDBM), d2 = s2d(w, IPA_DBM);
	uint64_t n1 = s1d(w, VA_DBM_NOAF), n2 = s2d(w, IPA_DBM_NOAF), par;
	struct s2_mmu_result r;

	w->regs.tcr_el1 |= HAHD1;
	w->regs.vtcr_el2 |= HAHD2;
	assert_int_equal(s2_mmu_at(&w->t.mem, &w->cpu, &w->regs, S2_MMU_AT_S12E1W,
				   VA_BOTHDBM, &par, &r), 0);
	assert_false(par & PAR_EL1_F);
	assert_int_equal(r.pa, PA_DATA + 0x6000);
	assert_int_equal(r.dirty, S2_MMU_CLEAN_S1 | S2_MMU_CLEAN_S2);
	assert_int_equal(s2_mmu_at(&w->t.mem, &w->cpu, &w->regs, S2_MMU_AT_S1E1W,
				   VA_BOTHDBM, &par, &r), 0);
	assert_false(par & PAR_EL1_F);
	assert_int_equal(s1d(w, VA_BOTHDBM), d1);
	assert_int_equal(s2d(w, IPA_DBM), d2);
	assert_int_equal(s2_mmu_at(&w->t.mem, &w->cpu, &w->regs, S2_MMU_AT_S12E1W,
				   VA_DBM_NOAF, &par, &r), 0);
	assert_false(par & PAR_EL1_F);
	assert_int_equal(r.af_set, S2_MMU_AF_S1 | S2_MMU_AF_S2);
	assert_int_equal(r.dirty, S2_MMU_CLEAN_S1 | S2_MMU_CLEAN_S2);
	assert_int_equal(s1d(w, VA_DBM_NOAF), n1 | DESC_AF);
	assert_int_equal(s2d(w, IPA_DBM_NOAF), n2 | DESC_AF);
	w->regs.tcr_el1 &= ~HAHD1;
	w->regs.vtcr_el2 &= ~HAHD2;
}

/*
 * The stage-1 update writes its table page: stage 2 mapping it read-only
 * without DBM is a stage-2 permission fault on the walk (S1PTW) at the
 * descriptor's IPA, a write (ESR WnR=1), the descriptor left clean. With
 * DBM on that leaf and VTCR_EL2.HD the update makes the table page dirty
 * at stage 2 first; DBM without VTCR_EL2.HD still faults.
 */
static void s1_update_table_page_dirty(void **state)
{
	struct world *w = *state;
	uint64_t desc_ipa = s1slot(w, VA_ROTBL_DBM) - w->s1.off, esr;
	uint64_t tbl = desc_ipa & ~0xfffULL, d = s1d(w, VA_ROTBL_DBM), t2;
	struct s2_mmu_result r;

	w->regs.tcr_el1 |= HAHD1;
	w->regs.vtcr_el2 |= HAHD2;
	r = xlate(w, VA_ROTBL_DBM, S2_MMU_WRITE);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_PERMISSION);
	assert_int_equal(r.fault.stage, 2);
	assert_true(r.fault.s1ptw);
	assert_true(r.fault.tte_update);
	assert_int_equal(r.fault.ipa, desc_ipa);
	assert_int_equal(s2_mmu_esr(&r.fault, NULL, &esr), 0);
	assert_true(esr & ESR_ISS_DA_WnR);
	assert_true(esr & ESR_ISS_DA_S1PTW);
	assert_int_equal(s1d(w, VA_ROTBL_DBM), d);
	/* A read needs no update: the table page is read as usual. */
	r = xlate(w, VA_ROTBL_DBM, S2_MMU_READ);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_NONE);
	/* DBM on the table page's stage-2 leaf. */
	t2 = s2d(w, tbl) | DESC_DBM;
	tt_wr(&w->t, s2slot(w, tbl), t2);
	w->regs.vtcr_el2 &= ~VTCR_EL2_HD;
	r = xlate(w, VA_ROTBL_DBM, S2_MMU_WRITE);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_PERMISSION);
	assert_true(r.fault.s1ptw);
	w->regs.vtcr_el2 |= VTCR_EL2_HD;
	r = xlate(w, VA_ROTBL_DBM, S2_MMU_WRITE);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_NONE);
	assert_int_equal(r.dirty, S2_MMU_DIRTY_S1 | S2_MMU_DIRTY_S2PTW);
	assert_int_equal(s1d(w, VA_ROTBL_DBM), d & ~AP2);
	assert_int_equal(s2d(w, tbl), t2 | S2_DESC_S2AP_W);
	/* AT's Access flag update is a write of the table page too. */
	tt_wr(&w->t, s2slot(w, tbl), t2);
	tt_wr(&w->t, s1slot(w, VA_ROTBL), s1d(w, VA_ROTBL) & ~DESC_AF);
	assert_int_equal(s2_mmu_at(&w->t.mem, &w->cpu, &w->regs, S2_MMU_AT_S12E1R,
				   VA_ROTBL, &esr, &r), 0);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_NONE);
	assert_int_equal(r.af_set, S2_MMU_AF_S1);
	assert_int_equal(r.dirty, S2_MMU_DIRTY_S2PTW);
	w->regs.tcr_el1 &= ~HAHD1;
	w->regs.vtcr_el2 &= ~HAHD2;
}

static struct s2_mmu_result tlb_xlate(struct world *w, struct s2_tlb *tlb,
				      uint64_t va, unsigned acc)
{
	struct s2_mmu_access a = { .va = va, .acc = (uint8_t)acc, .el = 1 };
	struct s2_mmu_result r;

	assert_int_equal(s2_tlb_translate(tlb, &w->t.mem, &w->cpu, &w->regs, &a, &r), 0);
	return r;
}

/*
 * What the TLB may hold of a writable-clean leaf, at each stage: a read
 * caches it read-only; a write that hits it walks again and makes the
 * descriptor dirty (no fault), after which writes hit. Software making
 * the descriptor clean again without a TLBI leaves a stale entry (the
 * stale check's walk writing nothing); the TLBI makes the next write
 * dirty it again.
 */
static void tlb_writable_clean(void **state)
{
	struct world *w = *state;
	static const struct { uint64_t va; bool s2; } cases[2] = {
		{ VA_DBM, false }, { VA_S2DBM, true },
	};
	static struct s2_tlb_entry ent[64];
	struct s2_tlbi ti = { .op = S2_TLBI_VAAE1, .vmid = 5 };
	struct s2_tlb tlb;
	struct s2_mmu_result r;
	unsigned i;

	w->regs.tcr_el1 |= HAHD1;
	w->regs.vtcr_el2 |= HAHD2;
	for (i = 0; i < 2; i++) {
		uint64_t va = cases[i].va;
		uint64_t slot = cases[i].s2 ? s2slot(w, IPA_DBM) : s1slot(w, va);
		uint64_t d = tt_rd(&w->t, slot);
		uint64_t dirty = cases[i].s2 ? d | S2_DESC_S2AP_W : d & ~AP2;

		assert_int_equal(s2_tlb_init(&tlb, ent, 16, 4), 0);
		s2_tlb_set_check_stale(&tlb, true);
		/* The tables' stage-2 entries first: the next walk is checked. */
		r = tlb_xlate(w, &tlb, VA_RW, S2_MMU_READ);
		assert_int_equal(r.fault.type, S2_MMU_FAULT_NONE);
		r = tlb_xlate(w, &tlb, va, S2_MMU_READ);
		assert_int_equal(r.fault.type, S2_MMU_FAULT_NONE);
		assert_false(r.tlb_hit);
		assert_false(r.stale);
		assert_int_equal(tlb.stats.stale_hits, 0);
		r = tlb_xlate(w, &tlb, va, S2_MMU_READ);
		assert_true(r.tlb_hit);
		assert_false(r.stale);
		assert_false((cases[i].s2 ? r.s2_perm : r.s1_perm) & S2_MMU_PERM_W1);
		assert_int_equal(tt_rd(&w->t, slot), d);
		/* The write: walked, made dirty, no fault. */
		r = tlb_xlate(w, &tlb, va, S2_MMU_WRITE);
		assert_int_equal(r.fault.type, S2_MMU_FAULT_NONE);
		assert_false(r.tlb_hit);
		assert_int_equal(r.dirty, cases[i].s2 ? S2_MMU_DIRTY_S2 : S2_MMU_DIRTY_S1);
		assert_int_equal(tt_rd(&w->t, slot), dirty);
		assert_int_equal(tlb.stats.dirty_walks, 1);
		/* The clean entry dropped counts as free again, the walk's fill not. */
		assert_int_equal(tlb.free, 64 - s2_tlb_count(&tlb));
		r = tlb_xlate(w, &tlb, va, S2_MMU_WRITE);
		assert_true(r.tlb_hit);
		assert_false(r.stale);
		assert_int_equal(r.fault.type, S2_MMU_FAULT_NONE);
		/* Cleaned by software, no TLBI: the write hit is stale. */
		tt_wr(&w->t, slot, d);
		r = tlb_xlate(w, &tlb, va, S2_MMU_WRITE);
		assert_true(r.tlb_hit);
		assert_true(r.stale);
		assert_int_equal(tt_rd(&w->t, slot), d);
		ti.addr = va;
		if (cases[i].s2) {
			ti.op = S2_TLBI_VMALLS12E1;
		}
		assert_int_equal(s2_tlb_tlbi(&tlb, &ti), 0);
		r = tlb_xlate(w, &tlb, va, S2_MMU_WRITE);
		assert_false(r.tlb_hit);
		assert_int_equal(tt_rd(&w->t, slot), dirty);
		assert_int_equal(tlb.stats.dirty_walks, 1);
		assert_int_equal(tlb.stats.faults[S2_MMU_FAULT_PERMISSION], 0);
		tt_wr(&w->t, slot, d);
	}
	w->regs.tcr_el1 &= ~HAHD1;
	w->regs.vtcr_el2 &= ~HAHD2;
}

/*
 * Another CPU's walk makes a writable-clean leaf dirty in memory (with
 * HD, no TLBI follows): this TLB's entry, filled by a read, holds the
 * leaf read-only, older than memory but never granting more. Its hits are
 * not stale, and a write through it walks (no fault). Without HD the
 * same difference is a stale entry (something changed without a TLBI).
 */
static void tlb_older_than_other_cpus_dirty(void **state)
{
	struct world *w = *state;
	static const struct { uint64_t va; bool s2; } cases[2] = {
		{ VA_DBM, false }, { VA_S2DBM, true },
	};
	static struct s2_tlb_entry ent[64];
	struct s2_tlb tlb;
	struct s2_mmu_result r;

	for (unsigned int hd = 0; hd < 2; hd++) {
		for (unsigned int i = 0; i < 2; i++) {
			uint64_t va = cases[i].va;
			uint64_t slot = cases[i].s2 ? s2slot(w, IPA_DBM) : s1slot(w, va);
			uint64_t d = tt_rd(&w->t, slot);
			uint64_t dirty = cases[i].s2 ? d | S2_DESC_S2AP_W : d & ~AP2;

			w->regs.tcr_el1 |= HAHD1;
			w->regs.vtcr_el2 |= HAHD2;
			if (!hd) {
				w->regs.tcr_el1 &= ~(uint64_t)TCR_EL1_HD;
				w->regs.vtcr_el2 &= ~(uint64_t)VTCR_EL2_HD;
			}
			assert_int_equal(s2_tlb_init(&tlb, ent, 16, 4), 0);
			s2_tlb_set_check_stale(&tlb, true);
			r = tlb_xlate(w, &tlb, va, S2_MMU_READ);
			assert_int_equal(r.fault.type, S2_MMU_FAULT_NONE);
			tt_wr(&w->t, slot, dirty);
			r = tlb_xlate(w, &tlb, va, S2_MMU_READ);
			assert_true(r.tlb_hit);
			assert_int_equal(r.stale, !hd);
			if (hd) {
				r = tlb_xlate(w, &tlb, va, S2_MMU_WRITE);
				assert_int_equal(r.fault.type, S2_MMU_FAULT_NONE);
				assert_false(r.stale);
			}
			tt_wr(&w->t, slot, d);
			w->regs.tcr_el1 &= ~HAHD1;
			w->regs.vtcr_el2 &= ~HAHD2;
		}
	}
}

/*
 * A write hit on the read-only entry of a leaf that is not writable-clean
 * (DBM=0) is the permission fault, not a walk.
 */
static void tlb_dbm0_write_faults(void **state)
{
	struct world *w = *state;
	static struct s2_tlb_entry ent[64];
	struct s2_tlb tlb;
	struct s2_mmu_result r;

	w->regs.tcr_el1 |= HAHD1;
	w->regs.vtcr_el2 |= HAHD2;
	assert_int_equal(s2_tlb_init(&tlb, ent, 16, 4), 0);
	r = tlb_xlate(w, &tlb, VA_RO, S2_MMU_READ);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_NONE);
	r = tlb_xlate(w, &tlb, VA_RO, S2_MMU_WRITE);
	assert_true(r.tlb_hit);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_PERMISSION);
	assert_int_equal(tlb.stats.dirty_walks, 0);
	w->regs.tcr_el1 &= ~HAHD1;
	w->regs.vtcr_el2 &= ~HAHD2;
}

/*
 * The stale check's walk writes nothing: a hit whose descriptor had its
 * AF cleared since (ageing, no TLBI) is not stale and AF stays clear, even
 * where setting it would first make the table page dirty at stage 2
 * (DBM=1, read-only: the check takes the write DBM allows).
 */
static void tlb_stale_check_writes_nothing(void **state)
{
	struct world *w = *state;
	static struct s2_tlb_entry ent[64];
	uint64_t desc_ipa = s1slot(w, VA_ROTBL_DBM) - w->s1.off;
	uint64_t tbl = desc_ipa & ~0xfffULL, t2, d;
	struct s2_tlb tlb;
	struct s2_mmu_result r;

	w->regs.tcr_el1 |= HAHD1;
	w->regs.vtcr_el2 |= HAHD2;
	t2 = s2d(w, tbl) | DESC_DBM;
	tt_wr(&w->t, s2slot(w, tbl), t2);
	assert_int_equal(s2_tlb_init(&tlb, ent, 16, 4), 0);
	s2_tlb_set_check_stale(&tlb, true);
	r = tlb_xlate(w, &tlb, VA_ROTBL_DBM, S2_MMU_READ);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_NONE);
	d = s1d(w, VA_ROTBL_DBM) & ~DESC_AF;
	tt_wr(&w->t, s1slot(w, VA_ROTBL_DBM), d);
	r = tlb_xlate(w, &tlb, VA_ROTBL_DBM, S2_MMU_READ);
	assert_true(r.tlb_hit);
	assert_false(r.stale);
	assert_int_equal(s1d(w, VA_ROTBL_DBM), d);
	assert_int_equal(s2d(w, tbl), t2);
	w->regs.tcr_el1 &= ~HAHD1;
	w->regs.vtcr_el2 &= ~HAHD2;
}

/*
 * A miss that walks through the TLB's cached stage-2 entries is
 * stale-checked by a walk that makes no update. A write whose stage-1
 * dirty update faults at stage 2 (the table page read-only, no DBM:
 * S1PTW, a descriptor update) is a fault that walk cannot give, not a
 * stale entry: the cached entries translate the table page as the
 * tables do.
 */
static void tlb_update_fault_not_stale(void **state)
{
	struct world *w = *state;
	static struct s2_tlb_entry ent[64];
	struct s2_tlb tlb;
	struct s2_mmu_result r;

	w->regs.tcr_el1 |= HAHD1;
	w->regs.vtcr_el2 |= HAHD2;
	assert_int_equal(s2_tlb_init(&tlb, ent, 16, 4), 0);
	s2_tlb_set_check_stale(&tlb, true);
	r = tlb_xlate(w, &tlb, VA_ROTBL_DBM, S2_MMU_READ);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_NONE);
	/* The entry holds no write (writable-clean): the write walks. */
	r = tlb_xlate(w, &tlb, VA_ROTBL_DBM, S2_MMU_WRITE);
	assert_false(r.tlb_hit);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_PERMISSION);
	assert_true(r.fault.s1ptw);
	assert_true(r.fault.tte_update);
	assert_true(tlb.stats.walk_s2_hits > 0);
	assert_false(r.stale);
	assert_int_equal(tlb.stats.stale_hits, 0);
	w->regs.tcr_el1 &= ~HAHD1;
	w->regs.vtcr_el2 &= ~HAHD2;
}

/*
 * The last descriptor of the memory window is updated like any other
 * (the swap's bounds check is the read's: offset <= size - 8): a stage-2
 * leaf with AF=0 in the window's last 8 bytes gets AF.
 */
static void swap_at_window_end(void **state)
{
	struct world *w = *state;
	const uint64_t ipa = 0x10fff000ULL, va = 0x411000ULL;   /* index 511 */
	uint64_t tbl = TT_MEM_BASE + TT_MEM_SIZE - 4096, slot = tbl + 511 * 8;
	struct s2_mmu_result r;

	assert_int_equal(slot, w->t.mem.base + w->t.mem.size - 8);
	tt_wr(&w->t, tt_slot(&w->t, &w->s2, ipa, 2), tbl | DESC_TYPE_TABLE);
	tt_wr(&w->t, slot,
	      s2_leaf(PA_DATA + 0xa000, 3, S2_MEMATTR_NORMAL_WB, 0, 3) & ~DESC_AF);
	tt_wr(&w->t, s1slot(w, va), s1_leaf(ipa, 0, ATTR_WB, 0, 3));
	w->regs.vtcr_el2 |= VTCR_EL2_HA;
	r = xlate(w, va, S2_MMU_READ);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_NONE);
	assert_int_equal(r.pa, PA_DATA + 0xa000);
	assert_int_equal(r.af_set, S2_MMU_AF_S2);
	assert_true(tt_rd(&w->t, slot) & DESC_AF);
	w->regs.vtcr_el2 &= ~VTCR_EL2_HA;
}

/* ------------------------------------------------------------------ */
/* The swap that finds its descriptor changed                           */
/* ------------------------------------------------------------------ */

/*
 * Another agent changes the descriptor between the walk's read and its
 * swap: the descriptor's host page is made read-only, so that the swap
 * (a write) traps; the handler writes the other agent's value, opens the
 * page and returns, and the swap runs again on the changed descriptor.
 * No hook in the model: the real compare-and-swap meets a real change.
 */
static struct {
	volatile uint64_t *slot;   /* the descriptor, host address */
	uintptr_t page;
	size_t page_size;
	uint64_t value;            /* what the other agent writes */
	volatile int hits;
} race;

static void race_segv(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	if ((uintptr_t)si->si_addr - race.page >= race.page_size)
		abort();
	mprotect((void *)race.page, race.page_size, PROT_READ | PROT_WRITE);
	if (!race.hits++)
		*race.slot = race.value;
}

/* Arm the race on the descriptor at PA @pa: it becomes @value at the swap. */
static void race_arm(struct world *w, uint64_t pa, uint64_t value,
		     struct sigaction *old)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = race_segv;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	race.slot = (volatile uint64_t *)((uintptr_t)w->t.mem.host + (pa - w->t.mem.base));
	race.page_size = (size_t)sysconf(_SC_PAGESIZE);
	race.page = (uintptr_t)race.slot & ~(uintptr_t)(race.page_size - 1);
	race.value = value;
	race.hits = 0;
	assert_int_equal(sigaction(SIGSEGV, &sa, old), 0);
	assert_int_equal(mprotect((void *)race.page, race.page_size, PROT_READ), 0);
}

static void race_disarm(const struct sigaction *old)
{
	mprotect((void *)race.page, race.page_size, PROT_READ | PROT_WRITE);
	sigaction(SIGSEGV, old, NULL);
}

/*
 * Stage 1, HA: the AF=0 leaf is pointed elsewhere (still AF=0) before the
 * swap. The translation is walked again: it gives the new output, and the
 * new descriptor gets AF; the other agent's change is not overwritten.
 */
static void redo_s1_af(void **state)
{
	struct world *w = *state;
	uint64_t slot = s1slot(w, VA_S1NOAF);
	uint64_t nd = s1_leaf(IPA_DBM, 0, ATTR_WB, 0, 3) & ~DESC_AF;
	struct sigaction old;
	struct s2_mmu_result r;

	w->regs.tcr_el1 |= TCR_EL1_HA;
	race_arm(w, slot, nd, &old);
	r = xlate(w, VA_S1NOAF, S2_MMU_READ);
	race_disarm(&old);
	assert_int_equal(race.hits, 1);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_NONE);
	assert_int_equal(r.ipa, IPA_DBM);
	assert_int_equal(r.pa, PA_DATA + 0x6000);
	assert_int_equal(tt_rd(&w->t, slot), nd | DESC_AF);
	w->regs.tcr_el1 &= ~TCR_EL1_HA;
}

/*
 * Stage 1, HD: the writable-clean leaf is made invalid before the swap:
 * the walk again finds a translation fault, and nothing is written.
 */
static void redo_s1_dirty(void **state)
{
	struct world *w = *state;
	uint64_t slot = s1slot(w, VA_DBM);
	struct sigaction old;
	struct s2_mmu_result r;

	w->regs.tcr_el1 |= HAHD1;
	race_arm(w, slot, 0, &old);
	r = xlate(w, VA_DBM, S2_MMU_WRITE);
	race_disarm(&old);
	assert_int_equal(race.hits, 1);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_TRANSLATION);
	assert_int_equal(r.fault.stage, 1);
	assert_int_equal(r.dirty, 0);
	assert_int_equal(tt_rd(&w->t, slot), 0);
	w->regs.tcr_el1 &= ~HAHD1;
}

/*
 * Stage 2, HD: the writable-clean stage-2 leaf is given another output
 * address before the swap: the write goes to the new one, made dirty.
 */
static void redo_s2_dirty(void **state)
{
	struct world *w = *state;
	uint64_t slot = s2slot(w, IPA_DBM);
	uint64_t nd = s2_leaf(PA_DATA + 0x9000, 1, S2_MEMATTR_NORMAL_WB, 0, 3) | DESC_DBM;
	struct sigaction old;
	struct s2_mmu_result r;

	w->regs.vtcr_el2 |= HAHD2;
	race_arm(w, slot, nd, &old);
	r = xlate(w, VA_S2DBM, S2_MMU_WRITE);
	race_disarm(&old);
	assert_int_equal(race.hits, 1);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_NONE);
	assert_int_equal(r.pa, PA_DATA + 0x9000);
	assert_int_equal(r.dirty, S2_MMU_DIRTY_S2);
	assert_int_equal(tt_rd(&w->t, slot), nd | S2_DESC_S2AP_W);
	w->regs.vtcr_el2 &= ~HAHD2;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hafdbs_from_id),
		cmocka_unit_test_setup_teardown(no_ha_is_af_fault, world_setup, world_teardown),
		cmocka_unit_test_setup_teardown(s1_ha_sets_af, world_setup, world_teardown),
		cmocka_unit_test_setup_teardown(s1_ha_permission_first, world_setup, world_teardown),
		cmocka_unit_test_setup_teardown(s2_ha_sets_af, world_setup, world_teardown),
		cmocka_unit_test_setup_teardown(s2_ha_table_page, world_setup, world_teardown),
		cmocka_unit_test_setup_teardown(s1_update_s2_readonly, world_setup, world_teardown),
		cmocka_unit_test_setup_teardown(both_stages, world_setup, world_teardown),
		cmocka_unit_test_setup_teardown(earlier_faults_first, world_setup, world_teardown),
		cmocka_unit_test_setup_teardown(tlb_after_update, world_setup, world_teardown),
		cmocka_unit_test_setup_teardown(tlb_no_af0_fetch_entry, world_setup, world_teardown),
		cmocka_unit_test(hafdbs_dirty_from_id),
		cmocka_unit_test_setup_teardown(s1_hd_write_makes_dirty, world_setup, world_teardown),
		cmocka_unit_test_setup_teardown(s1_hd_permissions, world_setup, world_teardown),
		cmocka_unit_test_setup_teardown(s1_hd_dbm_implicit_pxn, world_setup, world_teardown),
		cmocka_unit_test_setup_teardown(hd_needs_ha, world_setup, world_teardown),
		cmocka_unit_test_setup_teardown(dbm0_still_faults, world_setup, world_teardown),
		cmocka_unit_test_setup_teardown(s2_hd_write_makes_dirty, world_setup, world_teardown),
		cmocka_unit_test_setup_teardown(both_stages_dirty, world_setup, world_teardown),
		cmocka_unit_test_setup_teardown(s1_dirty_before_s2_fault, world_setup, world_teardown),
		cmocka_unit_test_setup_teardown(at_does_not_dirty, world_setup, world_teardown),
		cmocka_unit_test_setup_teardown(s1_update_table_page_dirty, world_setup, world_teardown),
		cmocka_unit_test_setup_teardown(tlb_older_than_other_cpus_dirty, world_setup, world_teardown),
		cmocka_unit_test_setup_teardown(tlb_writable_clean, world_setup, world_teardown),
		cmocka_unit_test_setup_teardown(tlb_dbm0_write_faults, world_setup, world_teardown),
		cmocka_unit_test_setup_teardown(tlb_stale_check_writes_nothing, world_setup, world_teardown),
		cmocka_unit_test_setup_teardown(tlb_update_fault_not_stale, world_setup, world_teardown),
		cmocka_unit_test_setup_teardown(swap_at_window_end, world_setup, world_teardown),
		cmocka_unit_test_setup_teardown(redo_s1_af, world_setup, world_teardown),
		cmocka_unit_test_setup_teardown(redo_s1_dirty, world_setup, world_teardown),
		cmocka_unit_test_setup_teardown(redo_s2_dirty, world_setup, world_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

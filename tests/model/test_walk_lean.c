/* SPDX-License-Identifier: MIT */
/*
 * The plain walk's usual case (model/walk_lean.c) against the general
 * walker: s2_mmu_translate_cached(), which tries the lean walk first with
 * its decoded-regime cache, and s2_mmu_translate(), which walks afresh
 * with the general walker every time, translate the same accesses over
 * the same tables and must give the same result, byte for byte. The
 * leaves vary in every bit the lean walk reads (permissions, attributes,
 * shareability, nG, AF, DBM, Contiguous, table bits), with both VA
 * halves, page and block leaves at both stages, and contexts the lean
 * walk serves and declines, changed between accesses. Linked with the
 * checked model too, which also translates every access the lean walk
 * serves with the general walker, trapping on any difference, and counts
 * them: there the lean walk must have served, and declined, as the
 * accesses say.
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

#include "tt.h"

#define RAM_IPA   0x80000000ULL
#define RAM_SIZE  (1ULL << 20)          /* the stage-1 tables */
#define IPA_PAGES 0x10000000ULL         /* stage-2 pages, random leaves */
#define IPA_BLOCK 0x30000000ULL         /* a stage-2 2MB block */
#define PA_DATA   0x40000000ULL
#define PA_BLOCK  0x42000000ULL
#define VA_LO     0x0000123456000000ULL /* pages over 2 level-3 tables */
#define VA_S1BLK  0x0000123480000000ULL /* a stage-1 2MB block */
#define VA_INBLK  0x00001234a0000000ULL /* pages onto the stage-2 block */
#define VA_HI     0xffffff8012000000ULL /* TTBR1: pages */
#define NPAGES    1024
#define ASID      5
#define VMID      3

struct lworld {
	struct tt t;
	struct s2_mmu_cpu cpu;
	struct s2_mmu_regs regs;
	struct tt_geo s2, s1, s1hi;
	uint64_t rng;
};

/* The checked model's lean walk counts (weak: absent from the other model). */
extern unsigned long s2_model_lean_walks[2] __attribute__((weak));

/* Every leaf usual: AF set, no hint, no DBM, everything granted. */
static bool usual;

/* The last access run() made: the next run() starts with it again. */
static struct s2_mmu_access last_access;
static bool have_last;

static uint64_t rnd(struct lworld *w)
{
	w->rng ^= w->rng << 13;
	w->rng ^= w->rng >> 7;
	w->rng ^= w->rng << 17;
	return w->rng;
}

/* @set, once in @rare calls (at random); else 0. */
static uint64_t rarely(struct lworld *w, unsigned rare, uint64_t set)
{
	return rnd(w) % rare == 0 ? set : 0;
}

static const unsigned sh_vals[3] = { DESC_SH_NS, DESC_SH_OS, DESC_SH_IS };
static const uint64_t s2_memattrs[6] = { 0xf, 0xf, 0xf, 0x5, 0x0, 0xa };

/* A stage-1 leaf onto @oa at @level, its bits random. */
static uint64_t s1_random(struct lworld *w, uint64_t oa, int level)
{
	uint64_t r = rnd(w);
	uint64_t ap = (r >> 12) % 4 ? S1_DESC_AP_RW_ALL : (r >> 3) & 3;
	uint64_t d = oa | (r & 7) << S1_DESC_ATTRINDX_SHIFT | ap << S1_DESC_AP_SHIFT |
		     (uint64_t)sh_vals[(r >> 5) % 3] << DESC_SH_SHIFT |
		     ((r >> 8) & 1 ? S1_DESC_NG : 0) | ((r >> 14) % 4 ? 0 : S1_DESC_PXN) |
		     ((r >> 16) % 4 ? 0 : S1_DESC_UXN) | ((r >> 11) & 1 ? DESC_DBM : 0) |
		     (level == 3 ? DESC_TYPE_PAGE : DESC_TYPE_BLOCK);

	if (usual)
		return (d & ~(S1_DESC_AP_MASK | S1_DESC_PXN | S1_DESC_UXN)) |
		       S1_DESC_AP_RW_ALL << S1_DESC_AP_SHIFT | DESC_AF;
	d |= DESC_AF & ~rarely(w, 16, DESC_AF);
	return d | rarely(w, 32, DESC_CONTIGUOUS);
}

/* A stage-2 leaf onto @pa at @level, its bits random. */
static uint64_t s2_random(struct lworld *w, uint64_t pa, int level)
{
	uint64_t r = rnd(w);
	uint64_t d = pa | s2_memattrs[r % 6] << S2_DESC_MEMATTR_SHIFT |
		     (uint64_t)((r >> 3) % 4 ? 3 : (r >> 5) & 3) << S2_DESC_S2AP_SHIFT |
		     (uint64_t)sh_vals[(r >> 7) % 3] << DESC_SH_SHIFT |
		     ((r >> 14) % 4 ? 0 : ((r >> 9) & 3) << S2_DESC_XN_SHIFT) |
		     ((r >> 11) % 8 ? 0 : DESC_DBM) |
		     (level == 3 ? DESC_TYPE_PAGE : DESC_TYPE_BLOCK);

	if (usual)
		return (d & ~(S2_DESC_XN_MASK | DESC_DBM)) | 3ULL << S2_DESC_S2AP_SHIFT | DESC_AF;
	d |= DESC_AF & ~rarely(w, 16, DESC_AF);
	return d | rarely(w, 32, DESC_CONTIGUOUS);
}

/*
 * The world: stage 2 maps the stage-1 tables' RAM, the random pages and a
 * block; stage 1 (TTBR0 and TTBR1) maps pages onto them, a block onto
 * stage-2 pages, and pages onto the block, with random table bits on one
 * level-2 table descriptor.
 */
static struct lworld *lworld(uint64_t seed)
{
	struct lworld *w = calloc(1, sizeof(*w));
	uint64_t i, slot;

	w->rng = seed;
	tt_init(&w->t);
	w->cpu = s2_mmu_cpu_max;
	tt_world_48(&w->t, RAM_IPA, RAM_SIZE, &w->s2, &w->s1, &w->regs);
	w->regs.vttbr_el2 |= (uint64_t)VMID << VTTBR_EL2_VMID_SHIFT;
	w->regs.ttbr0_el1 |= (uint64_t)ASID << TTBR_ASID_SHIFT;
	w->regs.mair_el1 = 0xff04bb44aa0c00ffULL;
	w->s1hi = (struct tt_geo){ 12, 0, 48, tt_alloc(&w->t, 4096), w->s1.off };
	w->regs.tcr_el1 |= 16ULL << TCR_EL1_T1SZ_SHIFT | TCR_EL1_TG1_4K << TCR_EL1_TG1_SHIFT;
	w->regs.ttbr1_el1 = (w->s1hi.root - w->s1hi.off) | (uint64_t)ASID << TTBR_ASID_SHIFT;
	for (i = 0; i < NPAGES; i++)
		tt_set(&w->t, &w->s2, IPA_PAGES + i * 4096, 3,
		       s2_random(w, PA_DATA + i * 4096, 3));
	tt_set(&w->t, &w->s2, IPA_BLOCK, 2, s2_random(w, PA_BLOCK, 2) | DESC_AF);
	for (i = 0; i < 512 + 256; i++)
		tt_set(&w->t, &w->s1, VA_LO + i * 4096, 3,
		       s1_random(w, IPA_PAGES + (i % NPAGES) * 4096, 3));
	for (i = 0; i < 256; i++) {
		tt_set(&w->t, &w->s1hi, VA_HI + i * 4096, 3,
		       s1_random(w, IPA_PAGES + ((i * 7) % NPAGES) * 4096, 3));
		tt_set(&w->t, &w->s1, VA_INBLK + i * 4096, 3,
		       s1_random(w, IPA_BLOCK + i * 4096, 3));
	}
	tt_set(&w->t, &w->s1, VA_S1BLK, 2, s1_random(w, IPA_PAGES, 2) | DESC_AF);
	/* APTable, UXNTable, PXNTable on the second level-3 table of VA_LO. */
	slot = tt_slot(&w->t, &w->s1, VA_LO + (2ULL << 20), 2);
	tt_wr(&w->t, slot, tt_rd(&w->t, slot) | (rnd(w) & 0xf800000000000000ULL));
	assert_true(w->t.next <= RAM_IPA + w->s1.off + RAM_SIZE);
	return w;
}

static void lworld_free(struct lworld *w)
{
	have_last = false;
	tt_fini(&w->t);
	free(w);
}

/* A random access to a mapped page (or, rarely, beyond the VA space). */
static struct s2_mmu_access access_random(struct lworld *w)
{
	uint64_t r = rnd(w), va;

	/* Usual: no table bits taking grants away (VA_LO's second table). */
	switch (usual ? (r >> 60) % 3 : (r >> 60) % 8) {
	case 0:
		va = VA_HI + ((r >> 12) % 256) * 4096;
		break;
	case 1:
		va = usual ? VA_HI + ((r >> 12) % 256) * 4096 : VA_S1BLK + ((r >> 12) % 512) * 4096;
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

/*
 * @n random accesses over @w: through @rc (the lean walk first) and
 * afresh (the general walker), the same result. The first is the last
 * run's again: with the context changed in between, the lean walk's memo
 * holds that access's leaves, kept for the old context. Returns how many
 * the checked model's lean walk served (0 without it).
 */
static unsigned long run(struct lworld *w, struct s2_mmu_regime *rc,
			 const struct s2_mmu_mem *mem, unsigned n)
{
	unsigned long served = s2_model_lean_walks ? s2_model_lean_walks[1] : 0;

	for (unsigned i = 0; i < n; i++) {
		struct s2_mmu_access a = i == 0 && have_last ? last_access : access_random(w);
		struct s2_mmu_result r[2];

		memset(r, 0x5a, sizeof(r));
		assert_int_equal(s2_mmu_translate_cached(rc, mem, &w->cpu, &w->regs, &a,
							 &r[0]), 0);
		assert_int_equal(s2_mmu_translate(mem, &w->cpu, &w->regs, &a, &r[1]), 0);
		assert_memory_equal(&r[0], &r[1], offsetof(struct s2_mmu_result, contig) + 1);
		last_access = a;
		have_last = true;
	}
	return s2_model_lean_walks ? s2_model_lean_walks[1] - served : 0;
}

/*
 * Random leaves, random accesses (reads, writes, fetches at EL0 and EL1):
 * the lean walk agrees with the general walker throughout; the checked
 * model says it served a good part of them, and not the faults.
 */
static void lean_agrees_with_general_walk(void **state)
{
	struct lworld *w = lworld(0x9e3779b97f4a7c15ULL);
	struct s2_mmu_regime rc;
	unsigned long served;

	(void)state;
	s2_mmu_regime_init(&rc);
	served = run(w, &rc, &w->t.mem, 8000);
	if (s2_model_lean_walks)
		assert_true(served > 8000 / 4 && served < 8000);
	lworld_free(w);
}

/*
 * Usual leaves, accesses to pages through both VA halves and onto the
 * stage-2 block: the checked model's lean walk serves every access and
 * declines none.
 */
static void lean_serves_the_usual_case(void **state)
{
	struct lworld *w;
	struct s2_mmu_regime rc;
	unsigned long n0 = 0, served;

	(void)state;
	usual = true;
	w = lworld(0x5851f42d4c957f2dULL);
	s2_mmu_regime_init(&rc);
	if (s2_model_lean_walks)
		n0 = s2_model_lean_walks[0];
	served = run(w, &rc, &w->t.mem, 4000);
	if (s2_model_lean_walks) {
		assert_int_equal(served, 4000);
		assert_int_equal(s2_model_lean_walks[0], n0);
	}
	usual = false;
	lworld_free(w);
}

/*
 * What the lean walk keeps per context follows it: a new MAIR_EL1,
 * SCTLR_EL1.WXN, ASID, VMID or HCR_EL2.FWB gives the next accesses the
 * new attributes, grants and tags; a copy of the memory window (another
 * host address) is read, not the old one; configurations it declines
 * (HCR_EL2.PTW, stage 1 or stage 2 off) are the general walker's, and it
 * serves again after them.
 */
static void lean_follows_the_context(void **state)
{
	struct lworld *w;
	struct s2_mmu_regime rc;
	struct s2_mmu_regs base;
	struct s2_mmu_mem mem;
	unsigned long served;

	(void)state;
	/* Usual leaves: every access served, the memo holding the last one's. */
	usual = true;
	w = lworld(0xdeadbeefcafef00dULL);
	s2_mmu_regime_init(&rc);
	served = run(w, &rc, &w->t.mem, 1500);
	w->regs.mair_el1 = 0x44ff000cbbaa04ffULL;
	served += run(w, &rc, &w->t.mem, 1500);
	w->regs.sctlr_el1 |= SCTLR_WXN;
	served += run(w, &rc, &w->t.mem, 1500);
	w->regs.ttbr0_el1 ^= 3ULL << TTBR_ASID_SHIFT;
	w->regs.ttbr1_el1 ^= 3ULL << TTBR_ASID_SHIFT;
	served += run(w, &rc, &w->t.mem, 1500);
	w->regs.vttbr_el2 ^= 6ULL << VTTBR_EL2_VMID_SHIFT;
	served += run(w, &rc, &w->t.mem, 1500);
	w->regs.hcr_el2 |= HCR_EL2_FWB;
	served += run(w, &rc, &w->t.mem, 1500);
	if (s2_model_lean_walks)
		assert_int_equal(served, 6 * 1500);
	/* Declined: none served. */
	base = w->regs;
	w->regs.hcr_el2 |= HCR_EL2_PTW;
	assert_int_equal(run(w, &rc, &w->t.mem, 500), 0);
	w->regs = base;
	w->regs.sctlr_el1 &= ~SCTLR_M;
	assert_int_equal(run(w, &rc, &w->t.mem, 500), 0);
	w->regs = base;
	w->regs.hcr_el2 &= ~HCR_EL2_VM;
	assert_int_equal(run(w, &rc, &w->t.mem, 500), 0);
	w->regs = base;
	served = run(w, &rc, &w->t.mem, 1000);
	if (s2_model_lean_walks)
		assert_int_equal(served, 1000);
	/*
	 * The memory window moved: the same tables at another host address
	 * (a copy), then the original changed under it. The lean walk reads
	 * the copy, so results agree with a walk of the copy.
	 */
	{
		void *copy = malloc(TT_MEM_SIZE);

		assert_non_null(copy);
		memcpy(copy, w->t.mem.host, TT_MEM_SIZE);
		mem = w->t.mem;
		mem.host = copy;
		memset((void *)(uintptr_t)w->t.mem.host, 0, TT_MEM_SIZE);
		served = run(w, &rc, &mem, 1000);
		if (s2_model_lean_walks)
			assert_int_equal(served, 1000);
		free(copy);
	}
	usual = false;
	lworld_free(w);
}

/*
 * A stage 1 with the hardware Access flag (TCR_EL1.HA: not fast4k) over
 * usual leaves, which it never updates: the general walker's, none
 * served; the same world without it, served.
 */
static void lean_declines_hardware_updates(void **state)
{
	struct lworld *w;
	struct s2_mmu_regime rc;

	(void)state;
	usual = true;
	w = lworld(0x2545f4914f6cdd1dULL);
	s2_mmu_regime_init(&rc);
	w->regs.tcr_el1 |= TCR_EL1_HA;
	assert_int_equal(run(w, &rc, &w->t.mem, 1000), 0);
	w->regs.tcr_el1 &= ~TCR_EL1_HA;
	w->regs.vtcr_el2 |= VTCR_EL2_HA;
	assert_int_equal(run(w, &rc, &w->t.mem, 1000), 0);
	w->regs.vtcr_el2 &= ~VTCR_EL2_HA;
	if (s2_model_lean_walks)
		assert_int_equal(run(w, &rc, &w->t.mem, 1000), 1000);
	usual = false;
	lworld_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lean_agrees_with_general_walk),
		cmocka_unit_test(lean_serves_the_usual_case),
		cmocka_unit_test(lean_follows_the_context),
		cmocka_unit_test(lean_declines_hardware_updates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

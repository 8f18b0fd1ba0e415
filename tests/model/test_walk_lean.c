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

#include "lworld.h"
#include "tt.h"

/* The checked model's lean walk counts (weak: absent from the other model). */
extern unsigned long s2_model_lean_walks[2] __attribute__((weak));

/* The last access run() made: the next run() starts with it again. */
static struct s2_mmu_access last_access;
static bool have_last;

/* lworld(), the last access forgotten. */
static struct lworld *world(uint64_t seed)
{
	have_last = false;
	return lworld(seed);
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
	struct lworld *w = world(0x9e3779b97f4a7c15ULL);
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
	w = world(0x5851f42d4c957f2dULL);
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
	w = world(0xdeadbeefcafef00dULL);
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
	w = world(0x2545f4914f6cdd1dULL);
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

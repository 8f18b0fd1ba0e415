/* SPDX-License-Identifier: MIT */
/*
 * The test the stage-1 guests run (mmu.c: long descriptors, both execution
 * states; mmusd32.c: AArch32 short descriptors), whatever format their
 * tables use: before the MMU goes on, take the tables and the test area
 * out of stage 2, so that the first walks take stage-2 faults with
 * ESR.S1PTW=1; after, write through an alias whose page i is page 511 - i
 * of the test area and read the words back through the identity map (only
 * a real two-stage translation gives them back), then dirty-log writes
 * made through stage 1, whose FAR is a VA (HPFAR_EL2 is UNKNOWN for a
 * permission fault: the hypervisor must find the IPA itself).
 *
 * Included once by each guest (a guest is one C file with glib.c).
 */
#ifndef S2HYP_GUEST_MMU_TEST_H
#define S2HYP_GUEST_MMU_TEST_H

#include "guests/guest.h"

#define MMU_TEST_PG	4096UL

/* The layout a guest's tables give. */
struct mmu_test {
	const char *name;        /* the guest's prefix in its messages */
	unsigned long ram;       /* RAM's IPA = VA (identity map) */
	unsigned long tables;    /* offset in RAM of the stage-1 tables */
	unsigned long test;      /* offset of the 2 MiB the alias covers */
	unsigned long alias_va;  /* alias page i -> test page 511 - i */
	unsigned long log_va;    /* 2 MiB onto GUEST_LOG_IPA */
	uint32_t pattern;        /* XORed into the words written */
};

/*
 * Before the MMU goes on: touch the log slot whole (mapped now, with the
 * MMU off) and take the tables and the test area out of stage 2.
 */
static void mmu_test_before(const struct mmu_test *t)
{
	for (unsigned long i = 0; i < GUEST_LOG_SIZE / 4; i += MMU_TEST_PG / 4)
		((volatile uint32_t *)GUEST_LOG_IPA)[i] = 0;
	hvc2(HC_UNMAP, t->ram + t->tables, t->test - t->tables);
	hvc2(HC_UNMAP, t->ram + t->test, t->test);
}

/* With the MMU on. Return: 0 when every check passed, else 1. */
static int mmu_test_after(const struct mmu_test *t)
{
	volatile uint32_t *alias = (volatile uint32_t *)t->alias_va;
	volatile uint32_t *log = (volatile uint32_t *)t->log_va;
	unsigned long bad = 0, s1ptw, diff;

	for (unsigned long i = 0; i < 512 * MMU_TEST_PG / 4; i += 64)
		alias[i] = (uint32_t)(i * 2654435761u) ^ t->pattern;
	for (unsigned long i = 0; i < 512 * MMU_TEST_PG / 4; i += 64) {
		unsigned long page = i / (MMU_TEST_PG / 4), off = i % (MMU_TEST_PG / 4);
		volatile uint32_t *id = (volatile uint32_t *)(t->ram + t->test +
			(511 - page) * MMU_TEST_PG) + off;

		if (*id != ((uint32_t)(i * 2654435761u) ^ t->pattern))
			bad++;
	}
	s1ptw = hvc(HC_STATS, STAT_S1PTW);
	gprintf("%s: alias checked, %lu bad words, %lu stage-2 faults on "
		"stage-1 walks\n", t->name, bad, s1ptw);
	diff = hvc(HC_DIRTY, 0);
	for (uint32_t p = 0; p < GUEST_LOG_SIZE / MMU_TEST_PG; p++)
		if (DIRTY_WANT(1, p))
			log[p * (MMU_TEST_PG / 4) + 1] = p;
	diff += hvc(HC_DIRTY, 1);
	gprintf("%s: dirty log through stage 1: %lu mismatches\n", t->name, diff);
	return bad || !s1ptw || diff;
}

#endif /* S2HYP_GUEST_MMU_TEST_H */

/* SPDX-License-Identifier: MIT */
/*
 * Stage-1 guest: builds its own translation tables and turns its MMU on, so
 * that every stage-1 walk is itself translated by stage 2. One source for
 * both execution states, as the formats agree: AArch64 uses the 4KB
 * granule with a 39-bit VA (start level 1); AArch32 uses the LPAE long
 * descriptors with TTBCR.T0SZ=0 (32-bit VA, start level 1). In both, level
 * 1 entries map 1GB, level 2 2MB, level 3 4KB, and the block/page/table
 * descriptor bits are the same (Arm ARM D8.3 and G5.5).
 *
 * The map: VA 0..1GB a Device block (the console); RAM identity-mapped
 * with pages; and an alias at ALIAS_VA whose page i is RAM page
 * (TEST_OFF / 4K) + 511 - i, so that only a real translation gives back
 * what was written. Before the MMU goes on the guest asks the hypervisor
 * to take its table pages out of stage 2 (HC_UNMAP): the first walks then
 * take stage-2 faults with ESR.S1PTW=1, which the hypervisor must handle
 * like any RAM fault.
 */
#include "guests/mmu_test.h"

#define PG		4096UL
#define TABLES_OFF	0x100000UL	/* 6 table pages at RAM + 1 MiB */
#define TEST_OFF	0x200000UL	/* 2 MiB the alias covers */
#define ALIAS_VA	0x80000000UL
#define LOG_VA		0xc0000000UL	/* 2 MiB block -> GUEST_LOG_IPA */
#define NTABLES		7

/* Long-descriptor bits (Arm ARM D8.3, G5.5.3); same in both states. */
#define D_TABLE		3ULL
#define D_PAGE		3ULL
#define D_BLOCK		1ULL
#define D_ATTR(i)	((uint64_t)(i) << 2)
#define D_SH_IS		(3ULL << 8)
#define D_AF		(1ULL << 10)
#define D_XN		(1ULL << 54)
#define ATTR_DEVICE	0	/* MAIR attr0 = 0x04, Device-nGnRE */
#define ATTR_NORMAL	1	/* MAIR attr1 = 0xff, Normal WB */
#define MAIR_VALUE	0xff04UL

static uint64_t *table(unsigned long ram, unsigned int n)
{
	return (uint64_t *)(ram + TABLES_OFF + n * PG);
}

static void build(unsigned long ram, unsigned long size)
{
	uint64_t *l1 = table(ram, 0), *l2 = table(ram, 1);
	uint64_t *l2a = table(ram, 4), *l3a = table(ram, 5);
	uint64_t *l2l = table(ram, 6);

	for (unsigned int t = 0; t < NTABLES; t++)
		for (unsigned int i = 0; i < 512; i++)
			table(ram, t)[i] = 0;
	l1[0] = 0 | D_ATTR(ATTR_DEVICE) | D_AF | D_XN | D_BLOCK;
	l1[ram >> 30] = (uint64_t)(unsigned long)l2 | D_TABLE;
	l1[ALIAS_VA >> 30] = (uint64_t)(unsigned long)l2a | D_TABLE;
	/* RAM: one level-3 table per 2 MiB (at most 2 of them). */
	for (unsigned long off = 0; off < size && off < 2 * TEST_OFF; off += PG) {
		uint64_t *l3 = table(ram, 2 + (unsigned int)(off >> 21));

		if ((off & 0x1fffff) == 0)
			l2[(ram + off) >> 21 & 511] =
				(uint64_t)(unsigned long)l3 | D_TABLE;
		l3[off >> 12 & 511] = (uint64_t)(ram + off) |
				      D_ATTR(ATTR_NORMAL) | D_SH_IS | D_AF |
				      D_PAGE;
	}
	l2a[ALIAS_VA >> 21 & 511] = (uint64_t)(unsigned long)l3a | D_TABLE;
	for (unsigned int i = 0; i < 512; i++)
		l3a[i] = (uint64_t)(ram + TEST_OFF + (511 - i) * PG) |
			 D_ATTR(ATTR_NORMAL) | D_SH_IS | D_AF | D_XN | D_PAGE;
	l1[LOG_VA >> 30] = (uint64_t)(unsigned long)l2l | D_TABLE;
	l2l[LOG_VA >> 21 & 511] = (uint64_t)GUEST_LOG_IPA | D_ATTR(ATTR_NORMAL) |
				  D_SH_IS | D_AF | D_XN | D_BLOCK;
}

/*
 * Stores made with the MMU off are Non-cacheable; the walker reads
 * Cacheable (TCR IRGN0/ORGN0 = WBWA). Invalidate the tables' lines to the
 * PoC so no stale line hides them (Arm ARM D7.5.9).
 */
static void mmu_on(unsigned long ram)
{
	unsigned long t = ram + TABLES_OFF;

#ifdef __aarch64__
	for (unsigned long p = t; p < t + NTABLES * PG; p += 64)
		__asm__ volatile("dc ivac, %0" : : "r"(p) : "memory");
	/* T0SZ=25 (39-bit VA, level-1 start), IRGN0=ORGN0=WBWA, SH0=IS,
	 * TG0=4K, EPD1 (no TTBR1 walks), IPS=40-bit. */
	uint64_t tcr = 25 | 1 << 8 | 1 << 10 | 3 << 12 | 1 << 23 | 2ULL << 32;

	__asm__ volatile("dsb sy\n\t"
			 "msr mair_el1, %0\n\t"
			 "msr tcr_el1, %1\n\t"
			 "msr ttbr0_el1, %2\n\t"
			 "isb\n\t"
			 "tlbi vmalle1\n\t"
			 "dsb nsh\n\t"
			 "isb\n\t"
			 "mrs x9, sctlr_el1\n\t"
			 "orr x9, x9, #1\n\t"		/* M */
			 "orr x9, x9, #4\n\t"		/* C */
			 "orr x9, x9, #0x1000\n\t"	/* I */
			 "msr sctlr_el1, x9\n\t"
			 "isb"
			 : : "r"(MAIR_VALUE), "r"(tcr), "r"(t) : "x9", "memory");
#else
	for (unsigned long p = t; p < t + NTABLES * PG; p += 64)
		__asm__ volatile("mcr p15, 0, %0, c7, c6, 1" /* DCIMVAC */
				 : : "r"(p) : "memory");
	/* TTBCR: EAE (long descriptors), T0SZ=0, IRGN0=ORGN0=WBWA, SH0=IS,
	 * EPD1. TTBR0 is 64-bit (MCRR); MAIR0 holds attr0..3. */
	uint32_t ttbcr = 1u << 31 | 1 << 8 | 1 << 10 | 3 << 12 | 1 << 23;

	__asm__ volatile("dsb sy\n\t"
			 "mcr p15, 0, %0, c10, c2, 0\n\t"	/* MAIR0 */
			 "mcr p15, 0, %1, c2, c0, 2\n\t"	/* TTBCR */
			 "mcrr p15, 0, %2, %3, c2\n\t"		/* TTBR0 */
			 "isb\n\t"
			 "mcr p15, 0, %3, c8, c7, 0\n\t"	/* TLBIALL */
			 "dsb\n\t"
			 "isb\n\t"
			 "mrc p15, 0, r9, c1, c0, 0\n\t"	/* SCTLR */
			 "orr r9, r9, #1\n\t"
			 "orr r9, r9, #4\n\t"
			 "orr r9, r9, #0x1000\n\t"
			 "mcr p15, 0, r9, c1, c0, 0\n\t"
			 "isb"
			 : : "r"((uint32_t)MAIR_VALUE), "r"(ttbcr), "r"(t),
			     "r"(0u) : "r9", "memory");
#endif
}

int guest_main(unsigned long ram, unsigned long size, unsigned long premapped,
	       unsigned long flags)
{
	const struct mmu_test t = {
		.name = "mmu", .ram = ram, .tables = TABLES_OFF, .test = TEST_OFF,
		.alias_va = ALIAS_VA, .log_va = LOG_VA, .pattern = 0xa5a5a5a5u,
	};

	(void)premapped;
	(void)flags;
	if (size < 2 * TEST_OFF) {
		gprintf("mmu: needs 4 MiB of RAM\n");
		return 1;
	}
	build(ram, size);
	mmu_test_before(&t);
	mmu_on(ram);
	gprintf("mmu: stage 1 on (%s)\n",
#ifdef __aarch64__
		"AArch64 4K, 39-bit VA"
#else
		"AArch32 LPAE, 3 levels"
#endif
	);
	return mmu_test_after(&t);
}

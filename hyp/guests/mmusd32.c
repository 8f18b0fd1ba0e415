/* SPDX-License-Identifier: MIT */
/*
 * AArch32 stage-1 guest with short descriptors (TTBCR.EAE=0, N=0, Arm ARM
 * G5.4): the mmu guest's test (mmu.c) in the VMSAv8-32 Short-descriptor
 * format. It builds a 16KB level-1 table and 1KB level-2 tables, turns
 * its MMU on, and every 32-bit descriptor fetch is translated by stage 2.
 *
 * The map: VA 0..1GB Device sections (the console), XN; RAM identity-mapped
 * with small pages (Normal Write-Back, TEX=001 C=B=1, Shareable); an alias
 * at ALIAS_VA whose page i is RAM page (TEST_OFF / 4K) + 511 - i, in domain
 * 3 (the rest is domain 0, both Client in the DACR); and two sections at
 * LOG_VA onto the dirty-log slot. Before the MMU goes on the guest asks the
 * hypervisor to take its table pages out of stage 2 (HC_UNMAP): the first
 * walks then take stage-2 faults with ESR.S1PTW=1.
 */
#include "guests/mmu_test.h"

#define PG		4096UL
#define TABLES_OFF	0x100000UL	/* level 1 (16KB), then level-2 tables */
#define TEST_OFF	0x200000UL	/* 2 MiB the alias covers */
#define ALIAS_VA	0x80000000UL
#define LOG_VA		0xc0000000UL	/* 2 sections -> GUEST_LOG_IPA */
#define ALIAS_DOMAIN	3u

/* Short-descriptor bits (Arm ARM G5.4.1). */
#define L1_TABLE	1u
#define L1_SECTION	2u
#define SECT_B		(1u << 2)
#define SECT_C		(1u << 3)
#define SECT_XN		(1u << 4)
#define SECT_AP_RW	(3u << 10)	/* AP[2:0] = 011: full access */
#define SECT_TEX1	(1u << 12)
#define SECT_S		(1u << 16)
#define L2_SMALL	2u
#define L2_XN		1u
#define L2_B		(1u << 2)
#define L2_C		(1u << 3)
#define L2_AP_RW	(3u << 4)
#define L2_TEX1		(1u << 6)
#define L2_S		(1u << 10)
#define DOMAIN(d)	((uint32_t)(d) << 5)
#define L2_NORMAL	(L2_SMALL | L2_TEX1 | L2_C | L2_B | L2_S | L2_AP_RW)
#define SECT_NORMAL	(L1_SECTION | SECT_TEX1 | SECT_C | SECT_B | SECT_S | SECT_AP_RW)
#define SECT_DEVICE	(L1_SECTION | SECT_B | SECT_XN | SECT_AP_RW)	/* Device-nGnRE */

/* Level 1 at +1 MiB (16KB aligned), level-2 tables of 1KB after it. */
static uint32_t *l1_table(unsigned long ram)
{
	return (uint32_t *)(ram + TABLES_OFF);
}

static uint32_t *l2_table(unsigned long ram, unsigned int n)
{
	return (uint32_t *)(ram + TABLES_OFF + 0x4000 + n * 0x400);
}

#define NL2		6	/* RAM: 4 MiB, alias: 2 MiB */
#define TABLES_SIZE	(0x4000 + NL2 * 0x400)

static void build(unsigned long ram, unsigned long size)
{
	uint32_t *l1 = l1_table(ram);
	unsigned int n = 0;

	for (unsigned int i = 0; i < TABLES_SIZE / 4; i++)
		l1[i] = 0;
	for (unsigned int i = 0; i < 1024; i++)
		l1[i] = (uint32_t)i << 20 | SECT_DEVICE | DOMAIN(0);
	/* RAM: small pages, one level-2 table per MiB. */
	for (unsigned long off = 0; off < size && off < 2 * TEST_OFF; off += PG) {
		unsigned long va = ram + off;

		if (!(off & 0xfffff))
			l1[va >> 20] = (uint32_t)(unsigned long)l2_table(ram, n++) |
				       L1_TABLE | DOMAIN(0);
		l2_table(ram, n - 1)[(va >> 12) & 0xff] = (uint32_t)va | L2_NORMAL;
	}
	/* The alias, reversed page by page, in its own domain. */
	for (unsigned int i = 0; i < 512; i++) {
		unsigned long va = ALIAS_VA + i * PG;

		if (!(i & 0xff))
			l1[va >> 20] = (uint32_t)(unsigned long)l2_table(ram, n++) |
				       L1_TABLE | DOMAIN(ALIAS_DOMAIN);
		l2_table(ram, n - 1)[(va >> 12) & 0xff] =
			(uint32_t)(ram + TEST_OFF + (511 - i) * PG) | L2_NORMAL | L2_XN;
	}
	for (unsigned int i = 0; i < 2; i++)
		l1[(LOG_VA >> 20) + i] = (uint32_t)(GUEST_LOG_IPA + (i << 20)) |
					 SECT_NORMAL | SECT_XN | DOMAIN(0);
}

/*
 * Stores made with the MMU off are Non-cacheable; the walker reads
 * Cacheable (TTBR0.IRGN/RGN = WBWA): invalidate the tables' lines to the
 * PoC first (Arm ARM D7.5.9).
 */
static void mmu_on(unsigned long ram)
{
	unsigned long t = ram + TABLES_OFF;
	/* TTBR0: the base, IRGN=01 (bit 6), RGN=01 WBWA, S. */
	uint32_t ttbr0 = (uint32_t)t | 1u << 6 | 1u << 3 | 1u << 1;
	/* Domains 0 and ALIAS_DOMAIN Client, the others no access. */
	uint32_t dacr = 1u | 1u << (2 * ALIAS_DOMAIN);

	for (unsigned long p = t; p < t + TABLES_SIZE; p += 64)
		__asm__ volatile("mcr p15, 0, %0, c7, c6, 1" /* DCIMVAC */
				 : : "r"(p) : "memory");
	__asm__ volatile("dsb sy\n\t"
			 "mcr p15, 0, %0, c3, c0, 0\n\t"	/* DACR */
			 "mcr p15, 0, %1, c2, c0, 2\n\t"	/* TTBCR: EAE=0, N=0 */
			 "mcr p15, 0, %2, c2, c0, 0\n\t"	/* TTBR0 (32-bit) */
			 "mcr p15, 0, %1, c13, c0, 1\n\t"	/* CONTEXTIDR: ASID 0 */
			 "isb\n\t"
			 "mcr p15, 0, %1, c8, c7, 0\n\t"	/* TLBIALL */
			 "dsb\n\t"
			 "isb\n\t"
			 "mrc p15, 0, r9, c1, c0, 0\n\t"	/* SCTLR */
			 "bic r9, r9, #0x30000000\n\t"		/* AFE=0, TRE=0 */
			 "orr r9, r9, #1\n\t"			/* M */
			 "orr r9, r9, #4\n\t"			/* C */
			 "orr r9, r9, #0x1000\n\t"		/* I */
			 "mcr p15, 0, r9, c1, c0, 0\n\t"
			 "isb"
			 : : "r"(dacr), "r"(0u), "r"(ttbr0) : "r9", "memory");
}

int guest_main(unsigned long ram, unsigned long size, unsigned long premapped,
	       unsigned long flags)
{
	const struct mmu_test t = {
		.name = "mmusd", .ram = ram, .tables = TABLES_OFF, .test = TEST_OFF,
		.alias_va = ALIAS_VA, .log_va = LOG_VA, .pattern = 0x5a5a5a5au,
	};

	(void)premapped;
	(void)flags;
	if (size < 2 * TEST_OFF) {
		gprintf("mmusd: needs 4 MiB of RAM\n");
		return 1;
	}
	build(ram, size);
	mmu_test_before(&t);
	mmu_on(ram);
	gprintf("mmusd: stage 1 on (AArch32 short descriptors, 2 levels)\n");
	return mmu_test_after(&t);
}

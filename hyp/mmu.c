/* SPDX-License-Identifier: MIT */
/*
 * EL2 stage-1 identity map (the hypervisor's own translation, not the
 * guests'). With SCTLR_EL2.M=0 every data access is Device-nGnRnE (Arm ARM
 * D8.2.11): unaligned accesses fault and exclusives are not guaranteed, so
 * we turn on a flat map early: 1 GiB blocks, 39-bit VA, level-1 start.
 * [0, 1 GiB) holds the UART and other MMIO: Device-nGnRE, execute-never.
 * [1 GiB, 256 GiB) covers RAM on virt: Normal write-back, Inner Shareable.
 */
#include "hyp.h"

#include <s2mm/arch.h>

#define MAIR_IDX_DEVICE	0
#define MAIR_IDX_NORMAL	1
/* Attr0 = 0x04 Device-nGnRE, Attr1 = 0xff Normal inner/outer WB RW-alloc. */
#define MAIR_VALUE	(0x04ULL | 0xffULL << 8)

#define TCR_EL2_RES1	((1ULL << 31) | (1ULL << 23))
#define TCR_EL2_VALUE	(TCR_EL2_RES1 | 2ULL << 16 /* PS 40 bits */ |   \
			 3ULL << 12 /* SH0 IS */ | 1ULL << 10 | 1ULL << 8 | \
			 25 /* T0SZ: 39-bit VA, start level 1 */)

/* SCTLR_EL2 RES1 bits (E2H=0): 4, 5, 11, 16, 18, 22, 23, 28, 29. */
#define SCTLR_EL2_RES1	0x30c50830ULL
#define SCTLR_EL2_SA	(1ULL << 3)

#define BLOCK_ATTR(idx)	(DESC_AF | (idx) << 2 | 1)

static uint64_t el2_l1[512] __attribute__((aligned(4096)));

void mmu_init_tables(void)
{
	/* Descriptors per Arm ARM D8.3: block at level 1, AF set. */
	el2_l1[0] = BLOCK_ATTR(MAIR_IDX_DEVICE) | (1ULL << 54) /* XN */;
	for (uint64_t i = 1; i < 256; i++)
		el2_l1[i] = i << 30 | BLOCK_ATTR(MAIR_IDX_NORMAL) |
			    3ULL << 8 /* SH IS */;
}

void mmu_enable(void)
{
	write_sysreg(MAIR_VALUE, mair_el2);
	write_sysreg(TCR_EL2_VALUE, tcr_el2);
	write_sysreg((uint64_t)el2_l1, ttbr0_el2);
	isb();
	__asm__ volatile("tlbi alle2" ::: "memory");
	dsb(ish);
	isb();
	write_sysreg(SCTLR_EL2_RES1 | SCTLR_EL2_SA | SCTLR_I | SCTLR_C | SCTLR_M,
		     sctlr_el2);
	isb();
}

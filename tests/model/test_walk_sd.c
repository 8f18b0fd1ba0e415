/* SPDX-License-Identifier: MIT */
/*
 * The AArch32 Short-descriptor stage 1 (TTBCR.EAE=0) in the MMU model,
 * rule by rule from the Arm ARM pseudocode: AArch32.TranslationTableWalkSD
 * (TTBR0/TTBR1 by TTBCR.N, PD0/PD1, sections, supersections, page tables,
 * large and small pages, the Access flag with SCTLR.AFE),
 * AArch32.FirstStageTranslate (AArch32.CheckDomain, then
 * AArch32.CheckPermission), AArch32.DefaultTEXDecode and
 * AArch32.RemappedTEXDecode; each descriptor fetched through stage 2
 * (AArch32.SecondStageWalk: S1PTW faults). The fault codes are the
 * short-descriptor DFSR/IFSR (s2_mmu_fsr_sd()) the guest reads and the
 * ESR_EL2/HPFAR_EL2 the hypervisor reads.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include <s2mm/arch.h>
#include <s2mm/arch_sd.h>
#include <s2mm/error.h>
#include <s2mm/mmu.h>
#include <s2mm/tlb.h>

#include "tt.h"

/*
 * Guest RAM: 32MB at IPA 0x80000000, stage 2 by 2MB blocks (4KB granule,
 * 48-bit IPA, start level 0: each stage-2 walk reads 3 descriptors).
 */
#define RAM_IPA    0x80000000ULL
#define RAM_PA     (TT_MEM_BASE + (32ULL << 20))
#define RAM_SIZE   (32ULL << 20)
#define L1_IPA     0x80000000ULL   /* TTBR0's level-1 table (16KB) */
#define L1B_IPA    0x80008000ULL   /* TTBR1's */
#define L2_IPA     0x80200000ULL   /* level-2 tables, their own 2MB block */
#define OUT_SECT   0x80400000ULL
#define OUT_PAGES  0x80500000ULL
#define OUT_SUPER  0x81000000ULL

#define VA_SECT    0x00100000u     /* section -> OUT_SECT */
#define VA_PT      0x00200000u     /* page table at L2_IPA */
#define VA_SMALL   0x00201000u     /* small page -> OUT_PAGES + 0x1000 */
#define VA_LARGE   0x00210000u     /* large page -> OUT_PAGES + 0x10000 */
#define VA_SUPER   0x01000000u     /* supersection -> OUT_SUPER */
#define DOM        5u              /* the domain of the section and table */

#define R S2_MMU_READ
#define W S2_MMU_WRITE
#define X S2_MMU_EXEC

#define DACR_ALL(v) (0x55555555ULL * (v))

struct world {
	struct tt t;
	struct s2_mmu_cpu cpu;
	struct s2_mmu_regs regs;
	struct tt_geo s2;
	struct s2_mmu_result r;
};

static uint64_t ipa_pa(uint64_t ipa)
{
	return ipa - RAM_IPA + RAM_PA;
}

/* Write the 32-bit descriptor @v at @ipa in guest RAM. */
static void wr32(struct world *w, uint64_t ipa, uint32_t v)
{
	uint64_t pa = ipa_pa(ipa), d = tt_rd(&w->t, pa & ~7ULL);

	if (pa & 4)
		d = (d & 0xffffffffULL) | (uint64_t)v << 32;
	else
		d = (d & ~0xffffffffULL) | v;
	tt_wr(&w->t, pa & ~7ULL, d);
}

static void l1(struct world *w, uint64_t table, uint32_t va, uint32_t d)
{
	wr32(w, table + (va >> 20) * 4, d);
}

static void l2(struct world *w, uint32_t va, uint32_t d)
{
	wr32(w, L2_IPA + ((va >> 12) & 0xff) * 4, d);
}

/* Section: AP[2:0], TEX, C:B, domain, extra bits (XN, PXN, nG, S). */
static uint32_t sect(uint64_t oa, unsigned ap, unsigned dom, uint32_t extra)
{
	return (uint32_t)oa | (uint32_t)SD_L1_SECTION |
	       (ap & 3) << SD_SECT_AP_SHIFT | (ap & 4 ? (uint32_t)SD_SECT_AP2 : 0) |
	       dom << SD_DOMAIN_SHIFT | extra;
}

static uint32_t small(uint64_t oa, unsigned ap, uint32_t extra)
{
	return (uint32_t)oa | (uint32_t)SD_L2_SMALL |
	       (ap & 3) << SD_L2_AP_SHIFT | (ap & 4 ? (uint32_t)SD_L2_AP2 : 0) | extra;
}

static uint32_t large(uint64_t oa, unsigned ap, uint32_t extra)
{
	return (uint32_t)oa | (uint32_t)SD_L2_LARGE |
	       (ap & 3) << SD_L2_AP_SHIFT | (ap & 4 ? (uint32_t)SD_L2_AP2 : 0) | extra;
}

/* The mappings every test starts from, AP=011 (full access), WB memory. */
static int setup(void **state)
{
	struct world *w = test_calloc(1, sizeof(*w));
	uint64_t i;
	uint32_t cb = SD_SECT_C | SD_SECT_B;

	tt_init(&w->t);
	w->cpu = s2_mmu_cpu_cortex_a57;
	/* A 44-bit IPA: cortex-a57's PAMax bounds it (AArch64.S2MinTxSZ). */
	w->s2 = (struct tt_geo){ 12, 0, 44, tt_alloc(&w->t, 4096), 0 };
	for (i = 0; i < RAM_SIZE; i += 2ULL << 20)
		tt_set(&w->t, &w->s2, RAM_IPA + i, 2, s2_leaf(RAM_PA + i, 3, 0xf, 0, 2));
	w->regs = (struct s2_mmu_regs){
		.hcr_el2 = HCR_EL2_VM,   /* RW=0: EL1 is AArch32 */
		.vtcr_el2 = 20 | (2 << 6) | (4ULL << 16) | VTCR_EL2_RES1,
		.vttbr_el2 = w->s2.root,
		.sctlr_el1 = SCTLR_M,
		.tcr_el1 = 0,            /* EAE=0, N=0 */
		.ttbr0_el1 = L1_IPA,
		.ttbr1_el1 = L1B_IPA,
		.dacr32_el2 = DACR_ALL(DACR_CLIENT),
		.contextidr_el1 = 0x42,
	};
	l1(w, L1_IPA, VA_SECT, sect(OUT_SECT, 3, DOM, cb));
	l1(w, L1_IPA, VA_PT, (uint32_t)L2_IPA | (uint32_t)SD_L1_TABLE | DOM << SD_DOMAIN_SHIFT);
	l2(w, VA_SMALL, small(OUT_PAGES + 0x1000, 3, SD_L2_C | SD_L2_B));
	for (i = 0; i < 16; i++)   /* a large page repeats in 16 entries */
		l2(w, VA_LARGE + (uint32_t)i * 0x1000,
		   large(OUT_PAGES + 0x10000, 3, SD_L2_C | SD_L2_B));
	for (i = 0; i < 16; i++)   /* a supersection in 16 */
		l1(w, L1_IPA, VA_SUPER + (uint32_t)i * 0x100000,
		   sect(OUT_SUPER, 3, 0, cb | SD_SECT_SUPER));
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	struct world *w = *state;

	tt_fini(&w->t);
	test_free(w);
	return 0;
}

static void xlate(struct world *w, uint64_t va, unsigned acc, unsigned el)
{
	struct s2_mmu_access a = { va, (uint8_t)acc, (uint8_t)el };

	assert_int_equal(s2_mmu_translate(&w->t.mem, &w->cpu, &w->regs, &a, &w->r), 0);
}

static void expect_ok(struct world *w, uint64_t va, unsigned acc, unsigned el,
		      uint64_t pa)
{
	xlate(w, va, acc, el);
	assert_int_equal(w->r.fault.type, S2_MMU_FAULT_NONE);
	assert_int_equal(w->r.pa, pa);
}

static void expect_fault(struct world *w, uint64_t va, unsigned acc, unsigned el,
			 unsigned type, int level, unsigned stage)
{
	xlate(w, va, acc, el);
	assert_int_equal(w->r.fault.type, type);
	assert_int_equal(w->r.fault.level, level);
	assert_int_equal(w->r.fault.stage, stage);
}

/*
 * AArch32.TranslationTableWalkSD, each descriptor type: a section maps
 * VA[19:0] under d[31:20], a supersection VA[23:0] under d[31:24], a small
 * page VA[11:0] under d[31:12], a large page VA[15:0] under d[31:16]; the
 * level-2 table is at d[31:10] indexed by VA[19:12]. Each 32-bit fetch
 * is one stage-2 walk (3 reads) and one read; the output one more walk.
 */
static void descriptor_types(void **state)
{
	struct world *w = *state;

	expect_ok(w, VA_SECT + 0x12345, R, 1, RAM_PA + (OUT_SECT - RAM_IPA) + 0x12345);
	assert_int_equal(w->r.ipa, OUT_SECT + 0x12345);
	assert_int_equal(w->r.s1_level, 1);
	assert_int_equal(w->r.s1_shift, 20);
	assert_int_equal(w->r.domain, DOM);
	assert_int_equal(w->r.desc_reads, 4 + 3);

	expect_ok(w, VA_SUPER + 0xabcdef, R, 1, RAM_PA + (OUT_SUPER - RAM_IPA) + 0xabcdef);
	assert_int_equal(w->r.s1_level, 1);
	assert_int_equal(w->r.s1_shift, 24);
	assert_int_equal(w->r.domain, 0);   /* supersections are domain 0 */

	expect_ok(w, VA_SMALL + 0x123, R, 1, ipa_pa(OUT_PAGES + 0x1123));
	assert_int_equal(w->r.ipa, OUT_PAGES + 0x1123);
	assert_int_equal(w->r.s1_level, 2);
	assert_int_equal(w->r.s1_shift, 12);
	assert_int_equal(w->r.domain, DOM);
	assert_int_equal(w->r.desc_reads, 4 + 4 + 3);

	/* The large page's 16th entry: VA[15:12] come from the VA. */
	expect_ok(w, VA_LARGE + 0xf123, R, 1, ipa_pa(OUT_PAGES + 0x1f123));
	assert_int_equal(w->r.s1_level, 2);
	assert_int_equal(w->r.s1_shift, 16);

	/* Bits [9:5] of a table descriptor's base are not address bits. */
	l1(w, L1_IPA, VA_PT, (uint32_t)L2_IPA | 0x200 | (uint32_t)SD_L1_TABLE |
			     DOM << SD_DOMAIN_SHIFT);
	expect_ok(w, VA_SMALL, R, 1, ipa_pa(OUT_PAGES + 0x1000 + 0));
	l1(w, L1_IPA, VA_PT, (uint32_t)L2_IPA | 0x400 | (uint32_t)SD_L1_TABLE |
			     DOM << SD_DOMAIN_SHIFT);
	/* ... bit 10 is: that table is empty, a page translation fault. */
	expect_fault(w, VA_SMALL, R, 1, S2_MMU_FAULT_TRANSLATION, 2, 1);
}

/*
 * Invalid descriptors: l1desc<1:0> = 00 is a translation fault at level 1
 * ("section", FS 0b00101), l2desc<1:0> = 00 at level 2 ("page",
 * FS 0b00111), reported with the level-1 table's domain.
 */
static void translation_faults(void **state)
{
	struct world *w = *state;

	expect_fault(w, 0x00300000, R, 1, S2_MMU_FAULT_TRANSLATION, 1, 1);
	assert_int_equal(s2_mmu_fsr_sd(&w->r), FS_SD_TRANSLATION_L1);
	assert_int_equal(w->r.desc_reads, 4);
	expect_fault(w, VA_PT + 0x5000, W, 0, S2_MMU_FAULT_TRANSLATION, 2, 1);
	assert_int_equal(s2_mmu_fsr_sd(&w->r), FS_SD_TRANSLATION_L2 |
			 DOM << FSR_SD_DOMAIN_SHIFT | FSR_SD_WNR);
	assert_int_equal(w->r.desc_reads, 8);
	/* The same fault as an AArch64 AT reports it (PAR_EL1.FST). */
	assert_int_equal(s2_mmu_fsc(&w->r.fault), FSC_TRANSLATION + 2);
}

/*
 * TTBCR.N: VA[31:32-N] zero selects TTBR0, whose table is at
 * TTBR0[31:14-N] and indexed by VA[31-N:20]; otherwise TTBR1, walked as
 * with N=0 (its table at TTBR1[31:14], VA[31:20]). The TTBR's low bits
 * (IRGN, S, RGN, NOS) are not address bits.
 */
static void ttbcr_n_split(void **state)
{
	struct world *w = *state;
	const uint64_t t0 = L1_IPA + 0x5000;   /* 4KB-aligned: N = 2 */

	w->regs.tcr_el1 = 2;
	w->regs.ttbr0_el1 = t0 | 0x5b;
	l1(w, t0, 0x00100000, sect(OUT_SECT + 0x100000, 3, DOM, 0));
	/* VA 0x3ff00000 is TTBR0's last entry: index 0x3ff. */
	l1(w, t0, 0x3ff00000, sect(OUT_SECT + 0x200000, 3, DOM, 0));
	l1(w, L1B_IPA, 0x40000000, sect(OUT_SECT + 0x300000, 3, DOM, 0));
	l1(w, L1B_IPA, 0xfff00000, sect(OUT_SECT + 0x400000, 3, DOM, 0));
	expect_ok(w, 0x00100004, R, 1, ipa_pa(OUT_SECT + 0x100004));
	expect_ok(w, 0x3ff00004, R, 1, ipa_pa(OUT_SECT + 0x200004));
	expect_ok(w, 0x40000004, R, 1, ipa_pa(OUT_SECT + 0x300004));
	expect_ok(w, 0xfff00004, R, 1, ipa_pa(OUT_SECT + 0x400004));
	/* N = 0: all of the VA space is TTBR0's, TTBR0[31:14]. */
	w->regs.tcr_el1 = 0;
	w->regs.ttbr0_el1 = L1_IPA | 0x3fff;
	expect_ok(w, VA_SECT, R, 1, ipa_pa(OUT_SECT));
	expect_fault(w, 0xfff00000, R, 1, S2_MMU_FAULT_TRANSLATION, 1, 1);
}

/*
 * TTBCR.PD0/PD1: a walk through a disabled TTBR is a translation fault at
 * level 1, with no descriptor read.
 */
static void ttbcr_pd(void **state)
{
	struct world *w = *state;

	w->regs.tcr_el1 = 1 | TTBCR_PD1;
	l1(w, L1B_IPA, 0x80000000, sect(OUT_SECT, 3, DOM, 0));
	expect_ok(w, VA_SECT, R, 1, ipa_pa(OUT_SECT));
	expect_fault(w, 0x80000000, R, 1, S2_MMU_FAULT_TRANSLATION, 1, 1);
	assert_int_equal(w->r.desc_reads, 0);
	w->regs.tcr_el1 = 1 | TTBCR_PD0;
	expect_ok(w, 0x80000000, R, 1, ipa_pa(OUT_SECT));
	expect_fault(w, VA_SECT, R, 1, S2_MMU_FAULT_TRANSLATION, 1, 1);
	assert_int_equal(w->r.desc_reads, 0);
	assert_int_equal(s2_mmu_fsr_sd(&w->r), FS_SD_TRANSLATION_L1);
}

/*
 * AArch32.CheckDomain: DACR 00 (no access) and the reserved 10 are a
 * Domain fault (FS 0b01001 section, 0b01011 page, the domain in
 * DFSR[7:4]; FSC 0x3d/0x3e from AArch64); 01 (Client) checks AP; 11
 * (Manager) checks nothing, not even XN. A supersection is domain 0.
 */
static void domains(void **state)
{
	struct world *w = *state;

	l1(w, L1_IPA, VA_SECT, sect(OUT_SECT, 5, DOM, SD_SECT_XN));   /* RO, XN */
	l2(w, VA_SMALL, small(OUT_PAGES + 0x1000, 1, 0));           /* PL1 only */
	w->regs.dacr32_el2 = DACR_ALL(DACR_CLIENT) & ~(3ULL << (2 * DOM));
	expect_fault(w, VA_SECT, R, 1, S2_MMU_FAULT_DOMAIN, 1, 1);
	assert_int_equal(w->r.domain, DOM);
	assert_int_equal(s2_mmu_fsr_sd(&w->r), FS_SD_DOMAIN_L1 | DOM << FSR_SD_DOMAIN_SHIFT);
	assert_int_equal(s2_mmu_fsc(&w->r.fault), FSC_DOMAIN_L1);
	expect_fault(w, VA_SMALL, X, 0, S2_MMU_FAULT_DOMAIN, 2, 1);
	/* IFSR: no domain, no WnR. */
	assert_int_equal(s2_mmu_fsr_sd(&w->r), FS_SD_DOMAIN_L2);
	assert_int_equal(s2_mmu_fsc(&w->r.fault), FSC_DOMAIN_L2);
	/* Only the domain's own field counts: the supersection is domain 0. */
	expect_ok(w, VA_SUPER, W, 0, ipa_pa(OUT_SUPER));
	w->regs.dacr32_el2 = DACR_ALL(DACR_CLIENT) & ~3ULL;
	expect_fault(w, VA_SUPER, R, 1, S2_MMU_FAULT_DOMAIN, 1, 1);
	assert_int_equal(w->r.domain, 0);
	expect_ok(w, VA_SECT, R, 1, ipa_pa(OUT_SECT));
	/* Reserved 0b10: as no access. */
	w->regs.dacr32_el2 = (DACR_ALL(DACR_CLIENT) & ~(3ULL << (2 * DOM))) |
			     (uint64_t)DACR_RESERVED << (2 * DOM);
	expect_fault(w, VA_SECT, R, 1, S2_MMU_FAULT_DOMAIN, 1, 1);
	/* Client: AP and XN. */
	w->regs.dacr32_el2 = DACR_ALL(DACR_CLIENT);
	expect_fault(w, VA_SECT, W, 1, S2_MMU_FAULT_PERMISSION, 1, 1);
	assert_int_equal(s2_mmu_fsr_sd(&w->r), FS_SD_PERMISSION_L1 |
			 DOM << FSR_SD_DOMAIN_SHIFT | FSR_SD_WNR);
	expect_fault(w, VA_SECT, X, 1, S2_MMU_FAULT_PERMISSION, 1, 1);
	expect_fault(w, VA_SMALL, R, 0, S2_MMU_FAULT_PERMISSION, 2, 1);
	assert_int_equal(s2_mmu_fsr_sd(&w->r), FS_SD_PERMISSION_L2 | DOM << FSR_SD_DOMAIN_SHIFT);
	/* Manager: no permission check at all. */
	w->regs.dacr32_el2 = (uint64_t)DACR_MANAGER << (2 * DOM);
	expect_ok(w, VA_SECT, W, 0, ipa_pa(OUT_SECT));
	expect_ok(w, VA_SECT, X, 0, ipa_pa(OUT_SECT));
	expect_ok(w, VA_SMALL, W, 0, ipa_pa(OUT_PAGES + 0x1000));
	/* What AP and XN grant is still reported. */
	assert_int_equal(w->r.s1_perm, S2_MMU_PERM_R1 | S2_MMU_PERM_W1 | S2_MMU_PERM_X1);
}

#define R0 S2_MMU_PERM_R0
#define W0 S2_MMU_PERM_W0
#define X0 S2_MMU_PERM_X0
#define R1 S2_MMU_PERM_R1
#define W1 S2_MMU_PERM_W1
#define X1 S2_MMU_PERM_X1

/*
 * AArch32.CheckPermission, SCTLR.AFE=0, AP[2:0]: 000 no access, 001 PL1
 * RW, 010 PL1 RW PL0 RO, 011 RW both, 101 PL1 RO, 110 and 111 RO both
 * (100 is reserved: the pseudocode gives PL1 RO). A fetch needs read
 * access at its level.
 */
static void ap_afe0(void **state)
{
	struct world *w = *state;
	static const uint8_t want[8] = {
		[0] = 0,
		[1] = R1 | W1 | X1,
		[2] = R1 | W1 | X1 | R0 | X0,
		[3] = R1 | W1 | X1 | R0 | W0 | X0,
		[4] = R1 | X1,
		[5] = R1 | X1,
		[6] = R1 | X1 | R0 | X0,
		[7] = R1 | X1 | R0 | X0,
	};
	unsigned ap, acc, el;

	for (ap = 0; ap < 8; ap++) {
		l1(w, L1_IPA, VA_SECT, sect(OUT_SECT, ap, DOM, 0));
		l2(w, VA_SMALL, small(OUT_PAGES + 0x1000, ap, 0));
		for (el = 0; el < 2; el++)
			for (acc = R; acc <= X; acc++) {
				bool ok = want[ap] & (1u << (acc + 3 * el));

				xlate(w, VA_SECT, acc, el);
				assert_int_equal(w->r.fault.type, ok ? S2_MMU_FAULT_NONE
								     : S2_MMU_FAULT_PERMISSION);
				assert_int_equal(w->r.s1_perm, want[ap]);
				xlate(w, VA_SMALL, acc, el);
				assert_int_equal(w->r.fault.type, ok ? S2_MMU_FAULT_NONE
								     : S2_MMU_FAULT_PERMISSION);
				if (!ok)
					assert_int_equal(w->r.fault.level, 2);
			}
	}
}

/*
 * SCTLR.AFE=1: AP[0] is the Access flag, AP[0]=0 an Access flag fault
 * from the walk (FS 0b00011 section, 0b00110 page), before the domain
 * check; AP[2:1] is the simplified model: 00 PL1 RW, 01 RW both, 10 PL1
 * RO, 11 RO both.
 */
static void ap_afe1(void **state)
{
	struct world *w = *state;
	static const uint8_t want[4] = {
		R1 | W1 | X1, R1 | W1 | X1 | R0 | W0 | X0, R1 | X1, R1 | X1 | R0 | X0,
	};
	unsigned ap21;

	w->regs.sctlr_el1 |= SCTLR_AFE;
	for (ap21 = 0; ap21 < 4; ap21++) {
		l1(w, L1_IPA, VA_SECT, sect(OUT_SECT, ap21 << 1 | 1, DOM, 0));
		l2(w, VA_SMALL, small(OUT_PAGES + 0x1000, ap21 << 1 | 1, 0));
		xlate(w, VA_SECT, R, 1);
		assert_int_equal(w->r.s1_perm, want[ap21]);
		xlate(w, VA_SMALL, R, 1);
		assert_int_equal(w->r.s1_perm, want[ap21]);
		l1(w, L1_IPA, VA_SECT, sect(OUT_SECT, ap21 << 1, DOM, 0));
		l2(w, VA_SMALL, small(OUT_PAGES + 0x1000, ap21 << 1, 0));
		expect_fault(w, VA_SECT, R, 1, S2_MMU_FAULT_ACCESS_FLAG, 1, 1);
		assert_int_equal(s2_mmu_fsr_sd(&w->r), FS_SD_AF_L1 | DOM << FSR_SD_DOMAIN_SHIFT);
		expect_fault(w, VA_SMALL, W, 0, S2_MMU_FAULT_ACCESS_FLAG, 2, 1);
		assert_int_equal(s2_mmu_fsr_sd(&w->r),
				 FS_SD_AF_L2 | DOM << FSR_SD_DOMAIN_SHIFT | FSR_SD_WNR);
		assert_int_equal(s2_mmu_fsc(&w->r.fault), FSC_ACCESS_FLAG + 2);
	}
	/* The Access flag fault comes before a Domain fault. */
	w->regs.dacr32_el2 = 0;
	expect_fault(w, VA_SECT, R, 1, S2_MMU_FAULT_ACCESS_FLAG, 1, 1);
	/* ... and even a Manager domain takes it. */
	w->regs.dacr32_el2 = DACR_ALL(DACR_MANAGER);
	expect_fault(w, VA_SMALL, R, 1, S2_MMU_FAULT_ACCESS_FLAG, 2, 1);
	/* AFE=0: AP[0]=0 is a permission encoding, no Access flag fault. */
	w->regs.sctlr_el1 &= ~SCTLR_AFE;
	w->regs.dacr32_el2 = DACR_ALL(DACR_CLIENT);
	expect_fault(w, VA_SECT, W, 1, S2_MMU_FAULT_PERMISSION, 1, 1);   /* AP 110 */
}

/*
 * XN and PXN: section XN (bit 4) stops fetches at both levels, section
 * PXN (bit 0) and a page table's PXN (bit 2) at PL1; a small page's XN
 * is bit 0, a large page's bit 15. SCTLR.WXN makes writable memory XN at
 * the level that may write it; SCTLR.UWXN makes PL0-writable memory XN
 * at PL1.
 */
static void xn_pxn_wxn(void **state)
{
	struct world *w = *state;

	l1(w, L1_IPA, VA_SECT, sect(OUT_SECT, 3, DOM, SD_SECT_XN));
	expect_fault(w, VA_SECT, X, 0, S2_MMU_FAULT_PERMISSION, 1, 1);
	assert_int_equal(s2_mmu_fsr_sd(&w->r), FS_SD_PERMISSION_L1);   /* IFSR */
	expect_fault(w, VA_SECT, X, 1, S2_MMU_FAULT_PERMISSION, 1, 1);
	l1(w, L1_IPA, VA_SECT, sect(OUT_SECT, 3, DOM, SD_SECT_PXN));
	expect_ok(w, VA_SECT, X, 0, ipa_pa(OUT_SECT));
	expect_fault(w, VA_SECT, X, 1, S2_MMU_FAULT_PERMISSION, 1, 1);
	l2(w, VA_SMALL, small(OUT_PAGES + 0x1000, 3, SD_L2_SMALL_XN));
	expect_fault(w, VA_SMALL, X, 0, S2_MMU_FAULT_PERMISSION, 2, 1);
	expect_fault(w, VA_SMALL, X, 1, S2_MMU_FAULT_PERMISSION, 2, 1);
	expect_ok(w, VA_SMALL, W, 0, ipa_pa(OUT_PAGES + 0x1000));
	expect_ok(w, VA_LARGE, X, 1, ipa_pa(OUT_PAGES + 0x10000));
	l2(w, VA_LARGE, large(OUT_PAGES + 0x10000, 3, SD_L2_LARGE_XN));
	expect_fault(w, VA_LARGE, X, 0, S2_MMU_FAULT_PERMISSION, 2, 1);
	/* Bit 0 of a large page is its type, not XN: executable. */
	l2(w, VA_LARGE, large(OUT_PAGES + 0x10000, 3, 0));
	expect_ok(w, VA_LARGE, X, 0, ipa_pa(OUT_PAGES + 0x10000));
	/* The page table's PXN. */
	l1(w, L1_IPA, VA_PT, (uint32_t)L2_IPA | (uint32_t)SD_L1_TABLE |
			     DOM << SD_DOMAIN_SHIFT | (uint32_t)SD_L1T_PXN);
	expect_ok(w, VA_LARGE, X, 0, ipa_pa(OUT_PAGES + 0x10000));
	expect_fault(w, VA_LARGE, X, 1, S2_MMU_FAULT_PERMISSION, 2, 1);
	l1(w, L1_IPA, VA_PT, (uint32_t)L2_IPA | (uint32_t)SD_L1_TABLE |
			     DOM << SD_DOMAIN_SHIFT);
	/* WXN: AP 011 is writable at both levels, so XN at both. */
	w->regs.sctlr_el1 |= SCTLR_WXN;
	l1(w, L1_IPA, VA_SECT, sect(OUT_SECT, 3, DOM, 0));
	expect_fault(w, VA_SECT, X, 0, S2_MMU_FAULT_PERMISSION, 1, 1);
	expect_fault(w, VA_SECT, X, 1, S2_MMU_FAULT_PERMISSION, 1, 1);
	/* AP 010: PL1 writes, PL0 reads: PL0 may execute, PL1 not. */
	l1(w, L1_IPA, VA_SECT, sect(OUT_SECT, 2, DOM, 0));
	expect_ok(w, VA_SECT, X, 0, ipa_pa(OUT_SECT));
	expect_fault(w, VA_SECT, X, 1, S2_MMU_FAULT_PERMISSION, 1, 1);
	w->regs.sctlr_el1 &= ~SCTLR_WXN;
	expect_ok(w, VA_SECT, X, 1, ipa_pa(OUT_SECT));
	/* UWXN: PL0-writable (AP 011) is XN at PL1 only. */
	w->regs.sctlr_el1 |= SCTLR_UWXN;
	l1(w, L1_IPA, VA_SECT, sect(OUT_SECT, 3, DOM, 0));
	expect_ok(w, VA_SECT, X, 0, ipa_pa(OUT_SECT));
	expect_fault(w, VA_SECT, X, 1, S2_MMU_FAULT_PERMISSION, 1, 1);
	l1(w, L1_IPA, VA_SECT, sect(OUT_SECT, 2, DOM, 0));
	expect_ok(w, VA_SECT, X, 1, ipa_pa(OUT_SECT));
}

/* Stage-1 attributes alone: AT S1E1R (the stage-1 walk still goes through stage 2). */
static void s1_attr(struct world *w, uint32_t d, uint8_t attr, uint8_t sh)
{
	uint64_t par;

	l1(w, L1_IPA, VA_SECT, d);
	assert_int_equal(s2_mmu_at(&w->t.mem, &w->cpu, &w->regs, S2_MMU_AT_S1E1R,
				   VA_SECT, &par, &w->r), 0);
	assert_int_equal(w->r.fault.type, S2_MMU_FAULT_NONE);
	assert_int_equal(w->r.attr, attr);
	assert_int_equal(w->r.sh, sh);
}

#define TEXCB(tex, c, b) ((tex) << SD_SECT_TEX_SHIFT | (c) << 3 | (b) << 2)

/*
 * AArch32.DefaultTEXDecode (SCTLR.TRE=0), as MAIR bytes: 000/00
 * Device-nGnRnE, 000/01 and 010/00 Device-nGnRE, 000/10 WT, 000/11 WB
 * no write-allocate, 001/00 Non-cacheable, 001/11 WB, 1BB/AA outer BB
 * inner AA; S is Outer Shareable (no Inner Shareable without remap).
 */
static void tex_default(void **state)
{
	struct world *w = *state;
	const uint32_t s = SD_SECT_S;

	s1_attr(w, sect(OUT_SECT, 3, DOM, TEXCB(0, 0, 0)), 0x00, DESC_SH_OS);
	s1_attr(w, sect(OUT_SECT, 3, DOM, TEXCB(0, 0, 1)), 0x04, DESC_SH_OS);
	s1_attr(w, sect(OUT_SECT, 3, DOM, TEXCB(2, 0, 0)), 0x04, DESC_SH_OS);
	s1_attr(w, sect(OUT_SECT, 3, DOM, TEXCB(0, 1, 0)), 0xaa, DESC_SH_NS);
	s1_attr(w, sect(OUT_SECT, 3, DOM, TEXCB(0, 1, 1) | s), 0xee, DESC_SH_OS);
	s1_attr(w, sect(OUT_SECT, 3, DOM, TEXCB(1, 0, 0)), 0x44, DESC_SH_OS);
	s1_attr(w, sect(OUT_SECT, 3, DOM, TEXCB(1, 1, 1)), 0xff, DESC_SH_NS);
	s1_attr(w, sect(OUT_SECT, 3, DOM, TEXCB(1, 1, 1) | s), 0xff, DESC_SH_OS);
	/* TEX[1:0] = 01 outer WB WA, C:B = 10 inner WT. */
	s1_attr(w, sect(OUT_SECT, 3, DOM, TEXCB(5, 1, 0) | s), 0xfa, DESC_SH_OS);
	s1_attr(w, sect(OUT_SECT, 3, DOM, TEXCB(6, 1, 1)), 0xae, DESC_SH_NS);
	s1_attr(w, sect(OUT_SECT, 3, DOM, TEXCB(7, 0, 0)), 0xe4, DESC_SH_NS);
	/* Pages: TEX in [8:6] (small), [14:12] (large). */
	l2(w, VA_SMALL, small(OUT_PAGES + 0x1000, 3, 5u << 6 | SD_L2_C));
	assert_int_equal(s2_mmu_at(&w->t.mem, &w->cpu, &w->regs, S2_MMU_AT_S1E1R,
				   VA_SMALL, &(uint64_t){ 0 }, &w->r), 0);
	assert_int_equal(w->r.attr, 0xfa);
	l2(w, VA_LARGE, large(OUT_PAGES + 0x10000, 3, 6u << 12 | SD_L2_B | SD_L2_S));
	assert_int_equal(s2_mmu_at(&w->t.mem, &w->cpu, &w->regs, S2_MMU_AT_S1E1R,
				   VA_LARGE, &(uint64_t){ 0 }, &w->r), 0);
	assert_int_equal(w->r.attr, 0xaf);
	assert_int_equal(w->r.sh, DESC_SH_OS);
}

/*
 * AArch32.RemappedTEXDecode (SCTLR.TRE=1): region TEX[0]:C:B, PRRR.TRn
 * (00 Device-nGnRnE, 01 Device-nGnRE, 10 Normal), NMRR.IRn/ORn; S picks
 * PRRR.NS0/NS1 (shareable), PRRR.NOSn makes it Inner Shareable. TEX[2:1]
 * are ignored.
 */
static void tex_remap(void **state)
{
	struct world *w = *state;
	/* Regions: 0 Device-nGnRnE, 1 Device-nGnRE, 2 Normal WT/WB, 3 NC, 7 WBWA with NOS. */
	uint32_t prrr = 0u << 0 | 1u << 2 | 2u << 4 | 2u << 6 | 2u << 14 |
			(uint32_t)PRRR_NS1 | 1u << (PRRR_NOS_SHIFT + 7);
	uint32_t nmrr = 2u << 4 | 3u << (4 + NMRR_OR_SHIFT) |   /* 2: inner WT, outer WB */
			0u << 6 | 0u << (6 + NMRR_OR_SHIFT) |   /* 3: NC */
			1u << 14 | 1u << (14 + NMRR_OR_SHIFT);  /* 7: WB WA */
	const uint32_t s = SD_SECT_S;

	w->regs.sctlr_el1 |= SCTLR_TRE;
	w->regs.mair_el1 = (uint64_t)nmrr << 32 | prrr;
	s1_attr(w, sect(OUT_SECT, 3, DOM, TEXCB(0, 0, 0)), 0x00, DESC_SH_OS);
	s1_attr(w, sect(OUT_SECT, 3, DOM, TEXCB(0, 0, 1)), 0x04, DESC_SH_OS);
	s1_attr(w, sect(OUT_SECT, 3, DOM, TEXCB(0, 1, 0)), 0xea, DESC_SH_NS);
	/* S=1 reads PRRR.NS1 (set), NOS2 clear: Outer Shareable. */
	s1_attr(w, sect(OUT_SECT, 3, DOM, TEXCB(0, 1, 0) | s), 0xea, DESC_SH_OS);
	s1_attr(w, sect(OUT_SECT, 3, DOM, TEXCB(0, 1, 1) | s), 0x44, DESC_SH_OS);
	/* Region 7 (TEX[0]=1, C=B=1), NOS7: Inner Shareable; TEX[2:1] ignored. */
	s1_attr(w, sect(OUT_SECT, 3, DOM, TEXCB(7, 1, 1) | s), 0xff, DESC_SH_IS);
	s1_attr(w, sect(OUT_SECT, 3, DOM, TEXCB(1, 1, 1) | s), 0xff, DESC_SH_IS);
	/* S=0 reads NS0 (clear): Non-shareable. */
	s1_attr(w, sect(OUT_SECT, 3, DOM, TEXCB(1, 1, 1)), 0xff, DESC_SH_NS);
	/* Region 4 (TEX[0]=1, C=B=0) has TR4 = 00: Device, whatever TEX[2:1]. */
	s1_attr(w, sect(OUT_SECT, 3, DOM, TEXCB(3, 0, 0)), 0x00, DESC_SH_OS);
	/* TRE=0 again: the same descriptor is Normal (TEX=011 is reserved: Device). */
	w->regs.sctlr_el1 &= ~SCTLR_TRE;
	s1_attr(w, sect(OUT_SECT, 3, DOM, TEXCB(0, 1, 0)), 0xaa, DESC_SH_NS);
}

/*
 * The supersection's extended base address: PA[35:32] from d[23:20],
 * PA[39:36] from d[8:5], as far as the CPU's PA size goes (stage 2 off:
 * the IPA is the PA).
 */
static void supersection_pa(void **state)
{
	struct world *w = *state;
	uint32_t d = sect(0x12000000, 3, 0, SD_SECT_SUPER | 0xa << 20) | 0x5 << 5;
	uint32_t i;

	w->regs.hcr_el2 = 0;   /* AArch32 EL1, stage 1 only */
	for (i = 0; i < 16; i++)
		l1(w, L1_IPA, VA_SUPER + i * 0x100000, d);
	w->regs.ttbr0_el1 = ipa_pa(L1_IPA);
	w->regs.dacr32_el2 = DACR_CLIENT;   /* domain 0, not 5 (d[8:5]) */
	expect_ok(w, VA_SUPER + 0x345678, R, 1, 0x5a12345678ULL);
	w->cpu.pa_bits = 36;
	expect_ok(w, VA_SUPER + 0x345678, R, 1, 0xa12345678ULL);
	w->cpu.pa_bits = 32;
	expect_ok(w, VA_SUPER + 0x345678, R, 1, 0x12345678ULL);
	/* With stage 2 the IPA has all 40 bits: unmapped there, a stage-2 fault. */
	w->cpu = s2_mmu_cpu_cortex_a57;
	w->regs.hcr_el2 = HCR_EL2_VM;
	w->regs.ttbr0_el1 = L1_IPA;
	expect_fault(w, VA_SUPER + 0x10, R, 1, S2_MMU_FAULT_TRANSLATION, 1, 2);
	assert_int_equal(w->r.ipa, 0x5a12000010ULL);
	assert_int_equal(w->r.fault.ipa, 0x5a12000010ULL);
	assert_false(w->r.fault.s1ptw);
}

/*
 * Stage 2 translates each descriptor fetch (AArch32.SecondStageWalk): a
 * fault there is an S1PTW fault on the descriptor's IPA, taken to EL2
 * (ESR_EL2 with S1PTW, the long-descriptor DFSC; HPFAR_EL2), never seen
 * in the guest's DFSR. The output IPA's fault is not S1PTW.
 */
static void stage2_on_fetches(void **state)
{
	struct world *w = *state;
	uint64_t esr, hpfar, l1_slot = L1_IPA + (VA_SMALL >> 20) * 4;
	uint64_t l2_slot = L2_IPA + ((VA_SMALL >> 12) & 0xff) * 4;

	/* The level-2 table's block: stage-2 translation fault at level 2. */
	tt_set(&w->t, &w->s2, L2_IPA, 2, 0);
	expect_fault(w, VA_SMALL, W, 0, S2_MMU_FAULT_TRANSLATION, 2, 2);
	assert_true(w->r.fault.s1ptw);
	assert_int_equal(w->r.fault.ipa, l2_slot);
	assert_int_equal(s2_mmu_fsr_sd(&w->r), 0);
	assert_int_equal(s2_mmu_esr(&w->r.fault, NULL, &esr), 0);
	/* DABT from a lower EL, IL, S1PTW, the walk's read: no WnR. */
	assert_int_equal(esr, 0x92000086ULL);
	assert_int_equal(s2_mmu_hpfar(&w->r.fault, &hpfar), 0);
	assert_int_equal(hpfar, (l2_slot >> 12) << HPFAR_EL2_FIPA_SHIFT);
	/* Read-only for stage 2 is enough; no read is a permission fault. */
	tt_set(&w->t, &w->s2, L2_IPA, 2, s2_leaf(ipa_pa(L2_IPA), 1, 0xf, 0, 2));
	expect_ok(w, VA_SMALL, W, 0, ipa_pa(OUT_PAGES + 0x1000));
	tt_set(&w->t, &w->s2, L2_IPA, 2, s2_leaf(ipa_pa(L2_IPA), 2, 0xf, 0, 2));
	expect_fault(w, VA_SMALL, R, 1, S2_MMU_FAULT_PERMISSION, 2, 2);
	assert_true(w->r.fault.s1ptw);
	assert_int_equal(w->r.fault.ipa, l2_slot);
	/* HCR_EL2.PTW: a walk to Device memory (stage-2 MemAttr 0b0000). */
	tt_set(&w->t, &w->s2, L2_IPA, 2, s2_leaf(ipa_pa(L2_IPA), 3, 0x0, 0, 2));
	expect_ok(w, VA_SMALL, R, 1, ipa_pa(OUT_PAGES + 0x1000));
	w->regs.hcr_el2 |= HCR_EL2_PTW;
	expect_fault(w, VA_SMALL, R, 1, S2_MMU_FAULT_PERMISSION, 2, 2);
	assert_true(w->r.fault.s1ptw);
	w->regs.hcr_el2 &= ~HCR_EL2_PTW;
	tt_set(&w->t, &w->s2, L2_IPA, 2, s2_leaf(ipa_pa(L2_IPA), 3, 0xf, 0, 2));
	/* The level-1 table's block. */
	tt_set(&w->t, &w->s2, L1_IPA, 2, 0);
	expect_fault(w, VA_SMALL, X, 0, S2_MMU_FAULT_TRANSLATION, 2, 2);
	assert_true(w->r.fault.s1ptw);
	assert_int_equal(w->r.fault.ipa, l1_slot);
	assert_int_equal(s2_mmu_esr(&w->r.fault, NULL, &esr), 0);
	assert_int_equal(esr, 0x82000086ULL);   /* IABT lower, S1PTW */
	assert_int_equal(w->r.desc_reads, 3);
	tt_set(&w->t, &w->s2, L1_IPA, 2, s2_leaf(ipa_pa(L1_IPA), 3, 0xf, 0, 2));
	/* The output IPA: a stage-2 fault, not on the walk. */
	tt_set(&w->t, &w->s2, OUT_PAGES, 2, s2_leaf(ipa_pa(OUT_SECT), 1, 0xf, 0, 2));
	expect_fault(w, VA_SMALL, W, 1, S2_MMU_FAULT_PERMISSION, 2, 2);
	assert_false(w->r.fault.s1ptw);
	assert_int_equal(w->r.fault.ipa, OUT_PAGES + 0x1000);
}

/*
 * A descriptor outside memory is a synchronous external abort on the
 * walk: FS 0b01100 at level 1, 0b01110 at level 2.
 */
static void external_abort(void **state)
{
	struct world *w = *state;

	w->regs.hcr_el2 = 0;
	w->regs.ttbr0_el1 = 0x10000000;   /* no memory there */
	expect_fault(w, VA_SECT, R, 1, S2_MMU_FAULT_EXT_ABORT, 1, 1);
	assert_int_equal(s2_mmu_fsr_sd(&w->r), FS_SD_SEA_TTW_L1);
	w->regs.ttbr0_el1 = ipa_pa(L1_IPA);
	l1(w, L1_IPA, VA_PT, 0x10000000u | (uint32_t)SD_L1_TABLE | DOM << SD_DOMAIN_SHIFT);
	expect_fault(w, VA_SMALL, R, 1, S2_MMU_FAULT_EXT_ABORT, 2, 1);
	assert_int_equal(s2_mmu_fsr_sd(&w->r), FS_SD_SEA_TTW_L2 | DOM << FSR_SD_DOMAIN_SHIFT);
	assert_int_equal(s2_mmu_fsc(&w->r.fault), FSC_SEA_TTW + 2);
}

/*
 * TLB entries of a short-descriptor stage 1: the leaf's size (4KB, 64KB,
 * 1MB, 16MB), tagged with CONTEXTIDR.ASID when nG=1; the DACR is not
 * cached: a hit checks the entry's domain against the DACR of the moment.
 */
static void tlb_entries(void **state)
{
	struct world *w = *state;
	struct s2_tlb_entry ents[64];
	struct s2_tlb tlb;
	struct s2_mmu_access a = { 0, R, 1 };
	static const struct { uint32_t va; unsigned size; } leaf[] = {
		{ VA_SMALL, 0x1000 }, { VA_LARGE, 0x10000 },
		{ VA_SECT, 0x100000 }, { VA_SUPER, 0x1000000 },
	};
	unsigned i;

#define TR(v) do {                                                              \
		a.va = (v);                                                     \
		assert_int_equal(s2_tlb_translate(&tlb, &w->t.mem, &w->cpu,     \
						  &w->regs, &a, &w->r), 0);     \
	} while (0)
	assert_int_equal(s2_tlb_init(&tlb, ents, 16, 4), 0);
	/*
	 * Stage 1 alone first (the level-1 table's page-table entry then
	 * holds the level-2 table's PA): each entry is the leaf's size.
	 */
	w->regs.hcr_el2 = 0;
	w->regs.ttbr0_el1 = ipa_pa(L1_IPA);
	l1(w, L1_IPA, VA_PT, (uint32_t)ipa_pa(L2_IPA) | (uint32_t)SD_L1_TABLE |
			     DOM << SD_DOMAIN_SHIFT);
	for (i = 0; i < 4; i++) {
		uint64_t size = leaf[i].size;

		TR(leaf[i].va);
		assert_false(w->r.tlb_hit);
		assert_int_equal(w->r.fault.type, S2_MMU_FAULT_NONE);
		TR(leaf[i].va + size - 4);
		assert_true(w->r.tlb_hit);
		assert_int_equal(w->r.pa - (leaf[i].va + size - 4),
				 (leaf[i].va == VA_SMALL ? OUT_PAGES + 0x1000 :
				  leaf[i].va == VA_LARGE ? OUT_PAGES + 0x10000 :
				  leaf[i].va == VA_SECT ? OUT_SECT : OUT_SUPER) - leaf[i].va);
		TR(leaf[i].va + size);
		assert_false(w->r.tlb_hit);
	}
	/* Both stages: the combined entry is no larger than stage 2's 2MB block. */
	w->regs.hcr_el2 = HCR_EL2_VM;
	w->regs.ttbr0_el1 = L1_IPA;
	l1(w, L1_IPA, VA_PT, (uint32_t)L2_IPA | (uint32_t)SD_L1_TABLE |
			     DOM << SD_DOMAIN_SHIFT);
	for (i = 0; i < 4; i++) {
		uint64_t size = leaf[i].size > (2u << 20) ? 2u << 20 : leaf[i].size;

		TR(leaf[i].va);
		assert_false(w->r.tlb_hit);
		TR(leaf[i].va + size - 4);
		assert_true(w->r.tlb_hit);
		TR(leaf[i].va + size);
		assert_false(w->r.tlb_hit);
	}
	/* The DACR of the moment: no access, then Manager, on hits. */
	TR(VA_SECT);
	assert_true(w->r.tlb_hit);
	w->regs.dacr32_el2 = 0;
	TR(VA_SECT);
	assert_true(w->r.tlb_hit);
	assert_int_equal(w->r.fault.type, S2_MMU_FAULT_DOMAIN);
	assert_int_equal(w->r.fault.level, 1);
	assert_int_equal(s2_mmu_fsr_sd(&w->r), FS_SD_DOMAIN_L1 | DOM << FSR_SD_DOMAIN_SHIFT);
	w->regs.dacr32_el2 = DACR_ALL(DACR_CLIENT);
	l1(w, L1_IPA, VA_SECT, sect(OUT_SECT, 5, DOM, 0));   /* read-only now */
	s2_tlb_tlbi(&tlb, &(struct s2_tlbi){ .op = S2_TLBI_VMALLE1 });
	a.acc = W;
	TR(VA_SECT);
	assert_int_equal(w->r.fault.type, S2_MMU_FAULT_PERMISSION);
	a.acc = R;
	TR(VA_SECT);
	TR(VA_SECT);
	assert_true(w->r.tlb_hit);
	w->regs.dacr32_el2 = (uint64_t)DACR_MANAGER << (2 * DOM);
	a.acc = W;
	TR(VA_SECT);
	assert_true(w->r.tlb_hit);
	assert_int_equal(w->r.fault.type, S2_MMU_FAULT_NONE);
	w->regs.dacr32_el2 = DACR_ALL(DACR_CLIENT);
	TR(VA_SECT);
	assert_true(w->r.tlb_hit);
	assert_int_equal(w->r.fault.type, S2_MMU_FAULT_PERMISSION);
	assert_int_equal(w->r.fault.stage, 1);
	a.acc = R;
	/* nG: tagged with CONTEXTIDR.ASID (bits [7:0]). */
	l1(w, L1_IPA, VA_SECT, sect(OUT_SECT, 3, DOM, SD_SECT_NG));
	s2_tlb_tlbi(&tlb, &(struct s2_tlbi){ .op = S2_TLBI_VMALLE1 });
	TR(VA_SECT);
	assert_false(w->r.global);
	assert_int_equal(w->r.asid, 0x42);
	TR(VA_SECT);
	assert_true(w->r.tlb_hit);
	w->regs.contextidr_el1 = 0x1243;   /* PROCID in [31:8] is no tag */
	TR(VA_SECT);
	assert_false(w->r.tlb_hit);
	assert_int_equal(w->r.asid, 0x43);
	w->regs.contextidr_el1 = 0x5542;
	TR(VA_SECT);
	assert_true(w->r.tlb_hit);
	/* TLBI by ASID removes it; a global entry stays. */
	TR(VA_SUPER);
	s2_tlb_tlbi(&tlb, &(struct s2_tlbi){ .op = S2_TLBI_ASIDE1, .asid = 0x42 });
	TR(VA_SECT);
	assert_false(w->r.tlb_hit);
	TR(VA_SUPER);
	assert_true(w->r.tlb_hit);
#undef TR
}

/*
 * TTBCR.EAE selects the format: the same registers with EAE=1 walk LPAE
 * descriptors (this table is not one: a translation fault), and an
 * AArch64 EL1 never walks short descriptors.
 */
static void eae_selects_format(void **state)
{
	struct world *w = *state;

	expect_ok(w, VA_SECT, R, 1, ipa_pa(OUT_SECT));
	w->regs.tcr_el1 = TTBCR_EAE;
	xlate(w, VA_SECT, R, 1);
	assert_int_not_equal(w->r.fault.type, S2_MMU_FAULT_NONE);
	assert_int_equal(w->r.domain, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(descriptor_types, setup, teardown),
		cmocka_unit_test_setup_teardown(translation_faults, setup, teardown),
		cmocka_unit_test_setup_teardown(ttbcr_n_split, setup, teardown),
		cmocka_unit_test_setup_teardown(ttbcr_pd, setup, teardown),
		cmocka_unit_test_setup_teardown(domains, setup, teardown),
		cmocka_unit_test_setup_teardown(ap_afe0, setup, teardown),
		cmocka_unit_test_setup_teardown(ap_afe1, setup, teardown),
		cmocka_unit_test_setup_teardown(xn_pxn_wxn, setup, teardown),
		cmocka_unit_test_setup_teardown(tex_default, setup, teardown),
		cmocka_unit_test_setup_teardown(tex_remap, setup, teardown),
		cmocka_unit_test_setup_teardown(supersection_pa, setup, teardown),
		cmocka_unit_test_setup_teardown(stage2_on_fetches, setup, teardown),
		cmocka_unit_test_setup_teardown(external_abort, setup, teardown),
		cmocka_unit_test_setup_teardown(tlb_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(eae_selects_format, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

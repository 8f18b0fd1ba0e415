/* SPDX-License-Identifier: MIT */
/*
 * Test fixture for the page-table engine: host memory, checks, and the MMU
 * model as the reference that says what a CPU makes of the tables.
 */
#ifndef S2MM_TEST_PT_FIXTURE_H
#define S2MM_TEST_PT_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <s2mm/arch.h>
#include <s2mm/error.h>
#include <s2mm/geometry.h>
#include <s2mm/host_ops.h>
#include <s2mm/mmu.h>
#include <s2mm/pgtable.h>
#include <s2mm/physmem.h>

#include "tree_check.h"

#define TABLE_MEM_BASE 0x40000000ULL
#define TABLE_MEM_SIZE (512ULL << 20)

struct fx {
	struct s2_physmem *pm;
	struct s2_host_mm hm;
	struct s2_geom g;
	struct s2_pgtable pt;
	/* The CPU that judges the tables, reading them where the library
	 * wrote them, with the registers a hypervisor would load. */
	struct s2_mmu_mem mem;
	struct s2_mmu_cpu cpu;
	struct s2_mmu_regs regs;
};

/*
 * The VTCR_EL2 fields that say which tables the CPU walks (Arm ARM D19.2,
 * VTCR_EL2), checked against what the test asked for rather than taken from
 * the library: T0SZ = 64 - IPA size; TG0 0b00 4KB, 0b01 64KB, 0b10 16KB;
 * PS 0b000..0b110 for 32, 36, 40, 42, 44, 48, 52 bits; DS (bit 32) for a
 * 52-bit output with 4KB or 16KB, whose descriptors need the FEAT_LPA2
 * format (64KB holds OA[51:48] in bits [15:12] with FEAT_LPA, no DS).
 */
static inline void fx_check_vtcr(uint64_t vtcr, unsigned int granule,
				 unsigned int ipa, unsigned int pa)
{
	static const unsigned int ps_bits[] = { 32, 36, 40, 42, 44, 48, 52 };
	unsigned int tg0 = granule == 4096 ? 0 : granule == 65536 ? 1 : 2;

	assert_int_equal(vtcr & 0x3f, 64 - ipa);
	assert_int_equal((vtcr >> 14) & 3, tg0);
	assert_true(((vtcr >> 16) & 7) < 7);
	assert_int_equal(ps_bits[(vtcr >> 16) & 7], pa);
	assert_int_equal((vtcr >> 32) & 1, pa == 52 && granule != 65536);
}

static inline void fx_init(struct fx *f, unsigned int granule,
			   unsigned int ipa, unsigned int pa, int level)
{
	memset(f, 0, sizeof(*f));
	assert_int_equal(s2_physmem_create(&f->pm, TABLE_MEM_BASE, TABLE_MEM_SIZE), 0);
	s2_host_mm_init(&f->hm, f->pm);
	f->hm.poison = true;
	assert_int_equal(s2_geom_init(&f->g, granule, ipa, pa, level), 0);
	assert_int_equal(s2_pgtable_init(&f->pt, &f->g, &f->hm.ops, f), 0);

	f->mem = (struct s2_mmu_mem){
		.host = s2_physmem_va(f->pm, TABLE_MEM_BASE, TABLE_MEM_SIZE),
		.base = TABLE_MEM_BASE,
		.size = TABLE_MEM_SIZE,
	};
	assert_non_null(f->mem.host);
	/* PAMax is the layout's output size, so that an OA the layout cannot
	 * hold is an address size fault; FEAT_LPA2 comes with 52 bits. */
	f->cpu = s2_mmu_cpu_max;
	f->cpu.pa_bits = (uint8_t)pa;
	f->cpu.lpa2 = pa == 52;
	fx_check_vtcr(f->pt.geom.vtcr, granule, ipa, pa);
	f->regs.hcr_el2 = HCR_EL2_VM | HCR_EL2_RW;
	f->regs.vtcr_el2 = f->pt.geom.vtcr;
	f->regs.vttbr_el2 = s2_geom_vttbr(&f->pt.geom, f->pt.root_pa, 1);
}

static inline void fx_fini(struct fx *f)
{
	s2_pgtable_destroy(&f->pt);
	/* Destroy gives back every page: nothing leaked. */
	assert_int_equal(s2_physmem_allocated(f->pm), 0);
	s2_host_mm_fini(&f->hm);
	s2_physmem_destroy(f->pm);
}

/*
 * Whole-tree invariant (tree_check.h), and the allocator holds exactly the
 * root plus the reachable tables (no leak). Returns the number of table
 * pages.
 */
static inline uint64_t fx_check_invariants(struct fx *f)
{
	struct tree_check c;
	if (tree_check(&f->pt, f->pm, &c))
		fail_msg("%s", c.why);
	/* Tables are distinct pages: the allocator's count proves no page is
	 * both reachable twice and allocated once. */
	assert_int_equal(s2_physmem_allocated(f->pm),
			 f->g.root_size + (c.tables << f->g.granule_shift));
	return c.tables;
}

/*
 * What translating an IPA gives: the PA (UINT64_MAX when nothing maps it),
 * the enum s2_prot bits and the leaf's level.
 */
struct fx_xlat {
	uint64_t pa;
	unsigned int prot;
	int level;
};

/*
 * The library's own answer: s2_pgtable_lookup() and the descriptor decoders.
 * Only a second opinion: a bug shared by the map and lookup code (an
 * encoding both get wrong the same way) agrees with itself here.
 */
static inline void fx_lookup_translate(struct fx *f, uint64_t ipa,
				       struct fx_xlat *x)
{
	uint64_t desc;
	int level;

	x->pa = UINT64_MAX;
	x->prot = 0;
	x->level = -9;
	if (s2_pgtable_lookup(&f->pt, ipa, &desc, &level))
		return;
	uint64_t size = s2_geom_level_size(&f->g, level);
	x->pa = s2_geom_desc_to_oa(&f->g, desc) + (ipa & (size - 1));
	x->prot = s2_pgtable_desc_prot(desc);
	x->level = level;
}

/*
 * The enum s2_prot bits the model's stage-2 result grants. S2AP applies to
 * both ELs, and the library never sets XN[0] (FEAT_XNX, the CPU has it), so
 * EL0 and EL1 must get the same rights. Of the stage-2 MemAttr[3:0]
 * encodings (Arm ARM, "Stage 2 memory type and Cacheability attributes")
 * the library makes only 0b1111 (Normal, Inner and Outer Write-Back) and
 * 0b0001 (Device-nGnRE).
 */
static inline unsigned int fx_model_prot(uint64_t ipa,
					 const struct s2_mmu_result *r)
{
	static const struct { uint8_t el0, el1; unsigned int prot; } bits[] = {
		{ S2_MMU_PERM_R0, S2_MMU_PERM_R1, S2_PROT_R },
		{ S2_MMU_PERM_W0, S2_MMU_PERM_W1, S2_PROT_W },
		{ S2_MMU_PERM_X0, S2_MMU_PERM_X1, S2_PROT_X },
	};
	unsigned int prot = 0;

	for (unsigned int i = 0; i < 3; i++) {
		bool el0 = r->s2_perm & bits[i].el0, el1 = r->s2_perm & bits[i].el1;
		if (el0 != el1)
			fail_msg("IPA %#llx: the model grants EL0 and EL1 different "
				 "stage-2 rights (perm %#x)",
				 (unsigned long long)ipa, r->s2_perm);
		if (el1)
			prot |= bits[i].prot;
	}
	switch (r->s2_memattr) {
	case 0xf:
		break;
	case 0x1:
		prot |= S2_PROT_DEVICE;
		break;
	default:
		fail_msg("IPA %#llx: the model reads stage-2 MemAttr %#x, which "
			 "the library never makes", (unsigned long long)ipa,
			 r->s2_memattr);
	}
	/* The library makes every leaf Inner Shareable (SH[1:0] = 0b11, or
	 * VTCR_EL2.SH0 with FEAT_LPA2, where the descriptor has no SH). */
	if (r->s2_sh != 3)
		fail_msg("IPA %#llx: the model reads stage-2 shareability %u, "
			 "not Inner Shareable", (unsigned long long)ipa, r->s2_sh);
	return prot;
}

/*
 * The hardware's answer: the MMU model walks the tables from VTTBR_EL2 as
 * a CPU would (a guest read at EL1 with its MMU off). A translation fault
 * is "not mapped". Any other fault is a broken tree and fails the test:
 * an address size fault or an external abort on the walk (an OA or table
 * address the CPU cannot reach), and an Access flag fault too, as the
 * library maps with AF=1 and only s2_pgtable_test_clear_young() clears it
 * (call s2_pgtable_mkyoung() before translating a page aged that way).
 * A stage-2 permission fault still completes the translation (Arm ARM
 * AArch64.S2CheckPermissions comes after the walk): it only means no read.
 */
static inline void fx_model_translate(struct fx *f, uint64_t ipa,
				      struct fx_xlat *x)
{
	struct s2_mmu_access a = { .va = ipa, .acc = S2_MMU_READ, .el = 1 };
	struct s2_mmu_result r;

	x->pa = UINT64_MAX;
	x->prot = 0;
	x->level = -9;
	assert_int_equal(s2_mmu_translate_s2(&f->mem, &f->cpu, &f->regs, &a, &r), 0);
	switch (r.fault.type) {
	case S2_MMU_FAULT_TRANSLATION:
		return;
	case S2_MMU_FAULT_NONE:
	case S2_MMU_FAULT_PERMISSION:
		break;
	default:
		fail_msg("IPA %#llx: the model takes a stage-2 %s fault at "
			 "level %d", (unsigned long long)ipa,
			 s2_mmu_fault_name(r.fault.type), r.fault.level);
	}
	x->pa = r.pa;
	x->prot = fx_model_prot(ipa, &r);
	x->level = r.s2_level;
	if ((r.fault.type == S2_MMU_FAULT_PERMISSION) == !!(x->prot & S2_PROT_R))
		fail_msg("IPA %#llx: the model's read %s a permission fault with "
			 "prot %#x", (unsigned long long)ipa,
			 r.fault.type ? "took" : "did not take", x->prot);
}

/*
 * The model's reading of the entry that decides @ipa (a guest read at EL1,
 * stage 2 alone), for checks that go leaf by leaf: @fault is the fault
 * type (S2_MMU_FAULT_NONE, or PERMISSION for a leaf without read, both
 * with @pa, @prot and @level filled), TRANSLATION for a hole, ACCESS_FLAG
 * for a leaf with AF=0 (no hardware AF update: the CPU takes the fault,
 * the leaf's OA is not reported); @level is where the walk stopped and
 * @size the bytes the entry there covers. Other faults (address size,
 * external abort) fail the test: the tree is broken.
 */
struct fx_leaf {
	unsigned int fault;
	uint64_t pa;
	unsigned int prot;
	int level;
	uint64_t size;
};

static inline void fx_model_leaf(struct fx *f, uint64_t ipa, struct fx_leaf *l)
{
	struct s2_mmu_access a = { .va = ipa, .acc = S2_MMU_READ, .el = 1 };
	struct s2_mmu_result r;

	assert_int_equal(s2_mmu_translate_s2(&f->mem, &f->cpu, &f->regs, &a, &r), 0);
	*l = (struct fx_leaf){ .fault = r.fault.type, .pa = UINT64_MAX,
			       .level = r.fault.type ? r.fault.level : r.s2_level };
	switch (r.fault.type) {
	case S2_MMU_FAULT_TRANSLATION:
	case S2_MMU_FAULT_ACCESS_FLAG:
		break;
	case S2_MMU_FAULT_NONE:
	case S2_MMU_FAULT_PERMISSION:
		l->pa = r.pa;
		l->prot = fx_model_prot(ipa, &r);
		if ((r.fault.type == S2_MMU_FAULT_PERMISSION) == !!(l->prot & S2_PROT_R))
			fail_msg("IPA %#llx: the model's read %s a permission fault "
				 "with prot %#x", (unsigned long long)ipa,
				 r.fault.type ? "took" : "did not take", l->prot);
		break;
	default:
		fail_msg("IPA %#llx: the model takes a stage-2 %s fault at "
			 "level %d", (unsigned long long)ipa,
			 s2_mmu_fault_name(r.fault.type), r.fault.level);
	}
	l->size = s2_geom_level_size(&f->g, l->level);
}

static inline void fx_xlat_str(const struct fx_xlat *x, char *buf, size_t len)
{
	if (x->pa == UINT64_MAX)
		snprintf(buf, len, "not mapped");
	else
		snprintf(buf, len, "PA %#llx prot %#x level %d",
			 (unsigned long long)x->pa, x->prot, x->level);
}

/*
 * The PA the tree translates @ipa to, or UINT64_MAX; @prot gets its prot.
 * The model decides (the tests judge the library with the hardware's
 * reading of its tables), and the library's lookup must say the same.
 */
static inline uint64_t fx_translate(struct fx *f, uint64_t ipa, unsigned int *prot)
{
	struct fx_xlat hw, lib;

	fx_model_translate(f, ipa, &hw);
	fx_lookup_translate(f, ipa, &lib);
	if (hw.pa != lib.pa || hw.prot != lib.prot ||
	    (hw.pa != UINT64_MAX && hw.level != lib.level)) {
		char a[64], b[64];
		fx_xlat_str(&hw, a, sizeof(a));
		fx_xlat_str(&lib, b, sizeof(b));
		fail_msg("IPA %#llx: the model says %s, s2_pgtable_lookup() says %s",
			 (unsigned long long)ipa, a, b);
	}
	if (prot)
		*prot = hw.prot;
	return hw.pa;
}

#endif

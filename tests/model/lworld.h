/* SPDX-License-Identifier: MIT */
/*
 * The random world the usual-case tests share (test_lane.c, the TLB's
 * miss lane; test_walk_lean.c, the plain walk's lean path): stage 2 maps
 * the stage-1 tables' RAM, NPAGES pages with random leaves and a 2MB
 * block; stage 1 (TTBR0, TTBR1) maps pages, a block and pages onto the
 * block, with random leaf and table bits. @usual makes every leaf one the
 * fast paths serve; @keep_af, @ipa40 and @va_mask vary the world further.
 * Each test includes it once: its functions are static.
 */
#ifndef S2MM_TESTS_MODEL_LWORLD_H
#define S2MM_TESTS_MODEL_LWORLD_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include <s2mm/arch.h>
#include <s2mm/mmu.h>

#include "tt.h"

#define RAM_IPA   0x80000000ULL
#define RAM_SIZE  (1ULL << 20)          /* the stage-1 tables */
#define IPA_PAGES 0x10000000ULL         /* stage-2 pages, random leaves */
#define IPA_BLOCK 0x30000000ULL         /* a stage-2 2MB block */
#define PA_DATA   0x40000000ULL
#define PA_BLOCK  0x42000000ULL
/* TTBR0's VAs, within 39 bits for a stage 1 from level 1 (va_mask). */
#define VA_LO     (0x0000123456000000ULL & va_mask) /* pages over 2 level-3 tables */
#define VA_S1BLK  (0x0000123480000000ULL & va_mask) /* a stage-1 2MB block */
#define VA_INBLK  (0x00001234a0000000ULL & va_mask) /* pages onto the stage-2 block */
#define VA_HI     0xffffff8012000000ULL /* TTBR1: pages */
#define NPAGES    1024                  /* IPA_PAGES pages */
#define ASID      5
#define VMID      3

struct lworld {
	struct tt t;
	struct s2_mmu_cpu cpu;
	struct s2_mmu_regs regs;
	struct tt_geo s2, s1, s1hi;
	uint64_t rng;
};

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

/* Stage-1 leaves all with AF set: a walk then writes nothing under HA. */
static bool keep_af;
/* Every leaf usual: AF set, no hint, no DBM, everything granted. */
static bool usual;

static const unsigned sh_vals[3] = { DESC_SH_NS, DESC_SH_OS, DESC_SH_IS };
static const uint64_t s2_memattrs[6] = { 0xf, 0xf, 0xf, 0x5, 0x0, 0xa };

/* A stage-1 leaf onto @oa at @level, its bits random. */
static uint64_t s1_random(struct lworld *w, uint64_t oa, int level)
{
	uint64_t r = rnd(w);
	/* Mostly RW at both ELs and executable: most accesses pass. */
	uint64_t ap = (r >> 12) % 4 ? S1_DESC_AP_RW_ALL : (r >> 3) & 3;
	uint64_t d = oa | (r & 7) << S1_DESC_ATTRINDX_SHIFT | ap << S1_DESC_AP_SHIFT |
		     (uint64_t)sh_vals[(r >> 5) % 3] << DESC_SH_SHIFT |
		     ((r >> 8) & 1 ? S1_DESC_NG : 0) | ((r >> 14) % 4 ? 0 : S1_DESC_PXN) |
		     ((r >> 16) % 4 ? 0 : S1_DESC_UXN) | ((r >> 11) & 1 ? DESC_DBM : 0) |
		     (level == 3 ? DESC_TYPE_PAGE : DESC_TYPE_BLOCK);

	if (usual)
		return (d & ~(S1_DESC_AP_MASK | S1_DESC_PXN | S1_DESC_UXN)) |
		       S1_DESC_AP_RW_ALL << S1_DESC_AP_SHIFT | DESC_AF;
	/* Mostly usual: AF set (always, for a world with TCR_EL1.HA), no Contiguous hint. */
	d |= keep_af ? DESC_AF : DESC_AF & ~rarely(w, 16, DESC_AF);
	return d | rarely(w, 32, DESC_CONTIGUOUS);
}

/* A stage-2 leaf onto @pa at @level, its bits random. */
static uint64_t s2_random(struct lworld *w, uint64_t pa, int level)
{
	uint64_t r = rnd(w);
	uint64_t d = pa | s2_memattrs[r % 6] << S2_DESC_MEMATTR_SHIFT |
		     /* S2AP mostly RW: the fetches need S2AP[0] */
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

/* Stage 2 with a 40-bit IPA space instead (from level 1, two tables). */
static bool ipa40;
/* TTBR0's VA space: 48 bits (stage 1 from level 0), or 39 (from level 1). */
static uint64_t va_mask = ~0ULL;
#define BIT39_MASK ((1ULL << 39) - 1)

/* tt_world_48() with a 40-bit IPA space: stage 2 starts at level 1. */
static void world_40(struct tt *t, struct tt_geo *s2, struct tt_geo *s1,
		     struct s2_mmu_regs *regs)
{
	uint64_t ram_pa, i;

	*s2 = (struct tt_geo){ 12, 1, 40, tt_alloc(t, 8192), 0 };
	ram_pa = (t->next + RAM_SIZE - 1) & ~(RAM_SIZE - 1);
	t->next = ram_pa;
	for (i = 0; i < RAM_SIZE; i += 4096)
		tt_set(t, s2, RAM_IPA + i, 3, s2_leaf(ram_pa + i, 3, 0xf, 0, 3));
	*s1 = (struct tt_geo){ 12, 0, 48, tt_alloc(t, 4096), ram_pa - RAM_IPA };
	*regs = (struct s2_mmu_regs){
		.hcr_el2 = HCR_EL2_RW | HCR_EL2_VM,
		/* T0SZ=24, SL0=1 (level 1), 4K, PS=40-bit */
		.vtcr_el2 = 24 | (1 << 6) | (2ULL << 16) | VTCR_EL2_RES1,
		.vttbr_el2 = s2->root,
		.sctlr_el1 = SCTLR_M,
		.tcr_el1 = 16 | (5ULL << TCR_EL1_IPS_SHIFT),
		.ttbr0_el1 = s1->root - s1->off,
	};
}

/*
 * The world: stage 2 maps the stage-1 tables' RAM (readable pages), the
 * random pages and a block; stage 1 (TTBR0 and TTBR1) maps pages onto
 * them, a block onto stage-2 pages, and pages onto the block, with random
 * table bits on some level-2 table descriptors.
 */
static struct lworld *lworld(uint64_t seed)
{
	struct lworld *w = calloc(1, sizeof(*w));
	uint64_t i;

	w->rng = seed;
	tt_init(&w->t);
	w->cpu = s2_mmu_cpu_max;
	if (ipa40)
		world_40(&w->t, &w->s2, &w->s1, &w->regs);
	else
		tt_world_48(&w->t, RAM_IPA, RAM_SIZE, &w->s2, &w->s1, &w->regs);
	w->regs.vttbr_el2 |= (uint64_t)VMID << VTTBR_EL2_VMID_SHIFT;
	w->regs.ttbr0_el1 |= (uint64_t)ASID << TTBR_ASID_SHIFT;
	if (va_mask != ~0ULL) {
		/* T0SZ=25: a 39-bit VA space, one level-1 table. */
		w->s1.start = 1;
		w->s1.ia_bits = 39;
		w->regs.tcr_el1 = (w->regs.tcr_el1 & ~0x3fULL) | 25;
	}
	/* Device, Normal NC, WB, WT and others by AttrIndx. */
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
	{
		uint64_t slot = tt_slot(&w->t, &w->s1, VA_LO + (2ULL << 20), 2);

		tt_wr(&w->t, slot, tt_rd(&w->t, slot) | (rnd(w) & 0xf800000000000000ULL));
	}
	/* Every stage-1 table in the RAM stage 2 maps. */
	assert_true(w->t.next <= RAM_IPA + w->s1.off + RAM_SIZE);
	return w;
}

static void lworld_free(struct lworld *w)
{
	tt_fini(&w->t);
	free(w);
}

#endif

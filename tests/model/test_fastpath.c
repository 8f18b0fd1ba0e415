/* SPDX-License-Identifier: MIT */
/*
 * The MMU model's fast 2D walk (s2_model_walk2d_fast() in
 * model/walk_fast.c) against its general walker (model/walk.c). Linked
 * with s2mm_model_checked (S2MM_MODEL_CHECK_FAST): inside the library
 * every fast-path answer is walked again the general way and any
 * difference traps, so a wrong fast path crashes this test (the SIGILL
 * handler below names the configuration and the walk).
 *
 * Over seeded random two-stage configurations (4KB granule at both
 * stages, stage 2 starting at level 0, 1 or 2 with concatenated roots,
 * AArch64 stage 1 through TTBR0 and TTBR1 and AArch32 LPAE, pages and
 * 2MB/1GB blocks at both stages, mutated descriptors) it shows that:
 *  - the fast path answers as the general walk wherever it answers;
 *  - it is really taken, finishing both stages for most translations,
 *    and really declines where it must (s2_model_fast_walks), the
 *    general walk then translating;
 *  - s2_mmu_translate_cached() gives what s2_mmu_translate() gives, and
 *    AT gives what the translation gives;
 *  - an EL1 read of an untouched mapping gives the PA it was built for;
 *  - every AArch64 translation, the hand-made ones too, gives what the
 *    reference walk (refwalk.c, written from the Arm ARM, sharing no code
 *    with the model) gives: the two walkers agreeing with each other is
 *    not enough.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <s2mm/arch.h>
#include <s2mm/error.h>
#include <s2mm/mmu.h>

#include "refwalk.h"
#include "splitmix.h"
#include "tt.h"

/* The checked model's counters, by s2_model_walk2d_fast()'s return value. */
extern unsigned long s2_model_fast_walks[3];

#define SEED    0x2d0fa57c0ffee5ULL
#define NCFG    3000
#define NMAP    20
#define NOFF    3

#define GENMASK(hi, lo) ((~0ULL >> (63 - (hi))) & ~((1ULL << (lo)) - 1))
#define OA_BITS GENMASK(47, 12)
#define SZ_4K   (1ULL << 12)
#define SZ_2M   (1ULL << 21)
#define SZ_1G   (1ULL << 30)
#define MEM_END (TT_MEM_BASE + TT_MEM_SIZE)
/*
 * One configuration's tables: the window's top 16 MiB, zeroed again for
 * the next one. Its last 64 KiB are kept for tables placed at the very
 * end of the window.
 */
#define AREA_SIZE (16ULL << 20)
#define AREA_BASE (MEM_END - AREA_SIZE)
#define END_KEEP  (64ULL << 10)

enum { R = S2_MMU_READ, W = S2_MMU_WRITE, X = S2_MMU_EXEC };

/* ------------------------------------------------------------------ */
/* Deterministic PRNG (splitmix64)                                     */
/* ------------------------------------------------------------------ */

static uint64_t rng;

static uint64_t rnd(void)
{
	return splitmix64(&rng);
}

static uint64_t rnd_below(uint64_t n)
{
	return rnd() % n;
}

static bool chance(unsigned pct)
{
	return rnd_below(100) < pct;
}

/* ------------------------------------------------------------------ */
/* Fast-path counters                                                  */
/* ------------------------------------------------------------------ */

struct fast_count {
	unsigned long n[3];
};

static struct fast_count fast_now(void)
{
	struct fast_count c;

	memcpy(c.n, s2_model_fast_walks, sizeof(c.n));
	return c;
}

static struct fast_count fast_since(const struct fast_count *then)
{
	struct fast_count c = fast_now();
	int i;

	for (i = 0; i < 3; i++)
		c.n[i] -= then->n[i];
	return c;
}

/* Every field of a result (padding left out: memcmp would see it). */
static bool result_eq(const struct s2_mmu_result *a, const struct s2_mmu_result *b)
{
	return a->fault.type == b->fault.type && a->fault.level == b->fault.level &&
	       a->fault.stage == b->fault.stage && a->fault.s1ptw == b->fault.s1ptw &&
	       a->fault.acc == b->fault.acc && a->fault.el == b->fault.el &&
	       a->fault.ipa_valid == b->fault.ipa_valid && a->fault.va == b->fault.va &&
	       a->fault.ipa == b->fault.ipa && a->pa == b->pa && a->ipa == b->ipa &&
	       a->attr == b->attr && a->sh == b->sh && a->s1_level == b->s1_level &&
	       a->s2_level == b->s2_level && a->s1_shift == b->s1_shift &&
	       a->s2_shift == b->s2_shift && a->s1_perm == b->s1_perm &&
	       a->s2_perm == b->s2_perm && a->s2_memattr == b->s2_memattr &&
	       a->s2_sh == b->s2_sh && a->global == b->global && a->asid == b->asid &&
	       a->vmid == b->vmid && a->desc_reads == b->desc_reads &&
	       a->tlb_hit == b->tlb_hit && a->stale == b->stale;
}

/* The model's answer @r to @a against the reference walk (refwalk.c). */
static void assert_ref(const struct s2_mmu_mem *mem, const struct s2_mmu_cpu *cpu,
		       const struct s2_mmu_regs *regs, const struct s2_mmu_access *a,
		       const struct s2_mmu_result *r, const char *what)
{
	struct refwalk_result ref;

	assert_int_equal(refwalk_translate(mem, cpu, regs, a, &ref), 0);
	assert_true(refwalk_check(&ref, r, what));
}

/* ------------------------------------------------------------------ */
/* Hand-made cases: which answer the fast path gives                   */
/* ------------------------------------------------------------------ */

#define RAM_IPA   0x80000000ULL
#define RAM_SIZE  (8ULL << 20)
#define VA_PAGE   0x400000ULL
#define IPA_PAGE  0x101ff000ULL   /* last entry of its level-3 table */
#define PA_PAGE   0x40001000ULL
#define VA_HOLE   0x401000ULL     /* stage 1 maps it to an IPA hole */
#define IPA_HOLE  0x10400000ULL

struct hand {
	struct tt t;
	struct s2_mmu_cpu cpu;
	struct s2_mmu_regs regs;
	struct tt_geo s2, s1;
};

static int hand_setup(void **state)
{
	struct hand *h = calloc(1, sizeof(*h));
	uint64_t ram_pa, i;

	tt_init(&h->t);
	h->cpu = s2_mmu_cpu_cortex_a57;
	/* QEMU's VTCR: 40-bit IPA, start level 1, two concatenated tables. */
	h->s2 = (struct tt_geo){ 12, 1, 40, tt_alloc(&h->t, 8192), 0 };
	ram_pa = (h->t.next + SZ_2M - 1) & ~(SZ_2M - 1);
	h->t.next = ram_pa;
	for (i = 0; i < RAM_SIZE; i += SZ_2M)
		tt_set(&h->t, &h->s2, RAM_IPA + i, 2,
		       s2_leaf(ram_pa + i, 3, S2_MEMATTR_NORMAL_WB, 0, 2));
	tt_set(&h->t, &h->s2, IPA_PAGE, 3,
	       s2_leaf(PA_PAGE, 3, S2_MEMATTR_NORMAL_WB, 0, 3));
	h->s1 = (struct tt_geo){ 12, 0, 48, tt_alloc(&h->t, 4096), ram_pa - RAM_IPA };
	tt_set(&h->t, &h->s1, VA_PAGE, 3, s1_leaf(IPA_PAGE, 0, 1, 0, 3));
	tt_set(&h->t, &h->s1, VA_HOLE, 3, s1_leaf(IPA_HOLE, 0, 1, 0, 3));
	h->regs = (struct s2_mmu_regs){
		.hcr_el2 = HCR_EL2_RW | HCR_EL2_VM,
		.vtcr_el2 = 0x80023558ULL,
		.vttbr_el2 = h->s2.root,
		.sctlr_el1 = SCTLR_M,
		.tcr_el1 = 16 | (16ULL << TCR_EL1_T1SZ_SHIFT) |
			   (TCR_EL1_TG1_4K << TCR_EL1_TG1_SHIFT) |
			   (2ULL << TCR_EL1_IPS_SHIFT),
		.ttbr0_el1 = h->s1.root - h->s1.off,
		.mair_el1 = 0xff00,
	};
	*state = h;
	return 0;
}

static int hand_teardown(void **state)
{
	struct hand *h = *state;

	tt_fini(&h->t);
	free(h);
	return 0;
}

/*
 * Translate @va for an EL1 read (through @rc when not NULL): the result,
 * and how many times each of s2_model_walk2d_fast()'s answers was given.
 */
static struct fast_count hand_walk(struct hand *h, struct s2_mmu_regime *rc,
				   uint64_t va, struct s2_mmu_result *r)
{
	struct s2_mmu_access a = { va, R, 1 };
	struct fast_count c = fast_now();

	if (rc)
		assert_int_equal(s2_mmu_translate_cached(rc, &h->t.mem, &h->cpu,
							 &h->regs, &a, r), 0);
	else
		assert_int_equal(s2_mmu_translate(&h->t.mem, &h->cpu, &h->regs,
						  &a, r), 0);
	c = fast_since(&c);
	assert_ref(&h->t.mem, &h->cpu, &h->regs, &a, r, "hand-made case");
	return c;
}

/*
 * OR @bits into the descriptor of @in at @level in @g: its slot, and the
 * old value in @old for putting it back.
 */
static uint64_t set_bits(struct hand *h, const struct tt_geo *g, uint64_t in,
			 int level, uint64_t bits, uint64_t *old)
{
	uint64_t slot = tt_slot(&h->t, g, in, level);

	*old = tt_rd(&h->t, slot);
	tt_wr(&h->t, slot, *old | bits);
	return slot;
}

#define assert_fast(c, n0, n1, n2)                 \
	do {                                        \
		assert_int_equal((c).n[0], (n0));   \
		assert_int_equal((c).n[1], (n1));   \
		assert_int_equal((c).n[2], (n2));   \
	} while (0)

static void fast_path_answers(void **state)
{
	struct hand *h = *state;
	struct s2_mmu_regime rc;
	struct s2_mmu_result r, ref;
	struct fast_count c;
	uint64_t slot, d, l3, ipa, end = MEM_END - SZ_4K;
	const uint64_t ignored[2] = { GENMASK(58, 52), GENMASK(11, 2) };
	int i;

	/* The usual case: the fast path walks both stages (answer 2). */
	c = hand_walk(h, NULL, VA_PAGE + 0x234, &ref);
	assert_int_equal(ref.fault.type, S2_MMU_FAULT_NONE);
	assert_int_equal(ref.pa, PA_PAGE + 0x234);
	/* 4 stage-1 levels, each 2 stage-2 reads (2MB block) + 1; then 3. */
	assert_int_equal(ref.desc_reads, 4 * 3 + 3);
	assert_fast(c, 0, 0, 1);

	/*
	 * Ignored bits [58:52] or [11:2] in a stage-2 table descriptor of
	 * the final IPA: the fast path leaves that stage 2 to the general
	 * walk (answer 1), which ignores them: same translation. In the
	 * stage-2 walk of a stage-1 table, it declines (answer 0).
	 */
	for (i = 0; i < 2; i++) {
		slot = set_bits(h, &h->s2, IPA_PAGE, 1, ignored[i], &d);
		c = hand_walk(h, NULL, VA_PAGE + 0x234, &r);
		assert_true(result_eq(&r, &ref));
		assert_fast(c, 0, 1, 0);
		tt_wr(&h->t, slot, d);

		slot = set_bits(h, &h->s2, RAM_IPA, 1, ignored[i], &d);
		c = hand_walk(h, NULL, VA_PAGE + 0x234, &r);
		assert_true(result_eq(&r, &ref));
		assert_fast(c, 1, 0, 0);
		tt_wr(&h->t, slot, d);
	}

	/*
	 * Stage-1 table descriptors with ignored bits and APTable/XNTable
	 * set: the fast path keeps them (answer 2); the permissions change.
	 */
	slot = set_bits(h, &h->s1, VA_PAGE, 2, GENMASK(63, 52) | GENMASK(11, 2), &d);
	c = hand_walk(h, NULL, VA_PAGE + 0x234, &r);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_NONE);
	assert_int_equal(r.pa, PA_PAGE + 0x234);
	assert_int_equal(r.s1_perm, S2_MMU_PERM_R1);
	assert_fast(c, 0, 0, 1);
	tt_wr(&h->t, slot, d);

	/* The final IPA unmapped: stage 1 fast (answer 1), stage-2 fault. */
	c = hand_walk(h, NULL, VA_HOLE, &r);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_TRANSLATION);
	assert_int_equal(r.fault.stage, 2);
	assert_false(r.fault.s1ptw);
	assert_fast(c, 0, 1, 0);

	/*
	 * Stage-1 OAs beyond TCR_EL1.IPS (32 bits) whose IPAs stage 2
	 * (40 bits) maps all the same, to the same pages: address size
	 * faults, which the fast path must leave to the general walk. With
	 * IPS at 40 bits they translate.
	 */
	tt_set(&h->t, &h->s2, IPA_PAGE | 1ULL << 32, 3,
	       s2_leaf(PA_PAGE, 3, S2_MEMATTR_NORMAL_WB, 0, 3));
	slot = set_bits(h, &h->s1, VA_PAGE, 3, 1ULL << 32, &d);
	c = hand_walk(h, NULL, VA_PAGE + 0x234, &r);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_NONE);
	assert_int_equal(r.ipa, (IPA_PAGE | 1ULL << 32) + 0x234);
	assert_int_equal(r.pa, PA_PAGE + 0x234);
	assert_fast(c, 0, 0, 1);
	h->regs.tcr_el1 &= ~TCR_EL1_IPS_MASK;
	c = hand_walk(h, NULL, VA_PAGE + 0x234, &r);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_ADDR_SIZE);
	assert_int_equal(r.fault.stage, 1);
	assert_int_equal(r.fault.level, 3);
	assert_fast(c, 1, 0, 0);
	tt_wr(&h->t, slot, d);
	/* ... a level-0 table descriptor: the level-1 table's alias. */
	slot = set_bits(h, &h->s1, VA_PAGE, 0, 1ULL << 32, &d);
	ipa = (d & OA_BITS) & ~(SZ_2M - 1);
	tt_set(&h->t, &h->s2, ipa | 1ULL << 32, 2,
	       tt_rd(&h->t, tt_slot(&h->t, &h->s2, ipa, 2)));
	c = hand_walk(h, NULL, VA_PAGE + 0x234, &r);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_ADDR_SIZE);
	assert_int_equal(r.fault.stage, 1);
	assert_int_equal(r.fault.level, 0);
	assert_fast(c, 1, 0, 0);
	h->regs.tcr_el1 |= 2ULL << TCR_EL1_IPS_SHIFT;
	c = hand_walk(h, NULL, VA_PAGE + 0x234, &r);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_NONE);
	assert_int_equal(r.pa, PA_PAGE + 0x234);
	assert_fast(c, 0, 0, 1);
	tt_wr(&h->t, slot, d);

	/*
	 * The level-3 table of the final IPA moved to the window's last
	 * page: the page descriptor is the window's last 8 bytes. Then 8
	 * bytes less of window: an external abort, the general walk's. The
	 * decoded-regime cache follows the window: same registers, another
	 * window, another answer.
	 */
	slot = tt_slot(&h->t, &h->s2, IPA_PAGE, 2);
	d = tt_rd(&h->t, slot);
	l3 = d & OA_BITS;
	tt_wr(&h->t, end + 0xff8, tt_rd(&h->t, l3 + 0xff8));
	tt_wr(&h->t, slot, end | DESC_TYPE_TABLE);
	s2_mmu_regime_init(&rc);
	for (i = 0; i < 2; i++) {
		c = hand_walk(h, i ? &rc : NULL, VA_PAGE + 0x234, &r);
		assert_true(result_eq(&r, &ref));
		assert_fast(c, 0, 0, 1);
		h->t.mem.size -= 8;
		c = hand_walk(h, i ? &rc : NULL, VA_PAGE + 0x234, &r);
		assert_int_equal(r.fault.type, S2_MMU_FAULT_EXT_ABORT);
		assert_int_equal(r.fault.level, 3);
		assert_fast(c, 0, 1, 0);
		h->t.mem.size += 8;
		c = hand_walk(h, i ? &rc : NULL, VA_PAGE + 0x234, &r);
		assert_true(result_eq(&r, &ref));
		assert_fast(c, 0, 0, 1);
	}
	tt_wr(&h->t, slot, d);

	/* HCR_EL2.PTW: not the fast path's case, never tried. */
	h->regs.hcr_el2 |= HCR_EL2_PTW;
	c = hand_walk(h, NULL, VA_PAGE + 0x234, &r);
	assert_true(result_eq(&r, &ref));
	assert_fast(c, 0, 0, 0);
	h->regs.hcr_el2 &= ~HCR_EL2_PTW;
}

/*
 * Stage 2 maps a stage-1 table with a "bare" 4KB page: a page descriptor
 * holding only its OA and 0b11 (AF=0, S2AP=00, no attributes), which is
 * bit for bit a table descriptor of the fast walk's tables' block. At
 * level 3 it is a page (AArch64.DecodeDescriptorType: 0b11 at level 3),
 * so the fetch through it is a stage-2 Access flag fault on the walk,
 * level 3. A walk that took it for a table would read one level further,
 * into the stage-1 table itself: here the entry there is a stage-1
 * level-2 block with AF and AP[1] set, which looks like a readable
 * stage-2 block, and the PA its OA names holds another stage-1 block, so
 * such a walk ends in a translation instead of the fault (the fast_s2()
 * mutant `l2 < 3` -> `l2 <= 3`).
 */
#define VA_BLK  0x600000ULL      /* same stage-1 level-2 table as VA_PAGE */
#define PA_TRAP 0x40600000ULL    /* the block's IPA, read as a PA */

static void s2_bare_page_is_a_page(void **state)
{
	struct hand *h = *state;
	struct s2_mmu_result r;
	struct fast_count c;
	uint64_t l2slot, l2ipa, s2slot, blk, l3, i, d;

	/* VA_BLK: a stage-1 level-2 block, readable at EL0 (AP[1], bit 6). */
	tt_set(&h->t, &h->s1, VA_BLK, 2, s1_leaf(PA_TRAP, 1, 1, 0, 2));
	tt_wr(&h->t, PA_TRAP, s1_leaf(RAM_IPA, 1, 1, 0, 2));
	/* Stage 1 gives PA_TRAP, an IPA stage 2 does not map. */
	c = hand_walk(h, NULL, VA_BLK + 0x10, &r);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_TRANSLATION);
	assert_int_equal(r.fault.stage, 2);
	assert_false(r.fault.s1ptw);
	assert_int_equal(r.fault.ipa, PA_TRAP + 0x10);
	assert_fast(c, 0, 1, 0);

	/* The level-2 table's page: its 2MB stage-2 block made 4KB pages. */
	l2slot = tt_slot(&h->t, &h->s1, VA_BLK, 2);
	l2ipa = l2slot - h->s1.off;
	s2slot = tt_slot(&h->t, &h->s2, l2ipa, 2);
	d = tt_rd(&h->t, s2slot);
	blk = d & OA_BITS;
	l3 = tt_alloc(&h->t, SZ_4K);
	for (i = 0; i < 512; i++)
		tt_wr(&h->t, l3 + i * 8,
		      s2_leaf(blk + i * SZ_4K, 3, S2_MEMATTR_NORMAL_WB, 0, 3));
	tt_wr(&h->t, s2slot, l3 | DESC_TYPE_TABLE);
	c = hand_walk(h, NULL, VA_BLK + 0x10, &r);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_TRANSLATION);
	assert_false(r.fault.s1ptw);
	assert_fast(c, 0, 1, 0);

	/* Now bare: Access flag fault on the stage-1 walk, level 3. */
	i = (l2ipa & (SZ_2M - 1)) >> 12;
	tt_wr(&h->t, l3 + i * 8, (blk + i * SZ_4K) | DESC_TYPE_PAGE);
	c = hand_walk(h, NULL, VA_BLK + 0x10, &r);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_ACCESS_FLAG);
	assert_int_equal(r.fault.stage, 2);
	assert_int_equal(r.fault.level, 3);
	assert_true(r.fault.s1ptw);
	assert_int_equal(r.fault.ipa, l2ipa);
	assert_fast(c, 1, 0, 0);
	/* The same through the cached entry point. */
	{
		struct s2_mmu_regime rc;
		struct s2_mmu_result rr;

		s2_mmu_regime_init(&rc);
		hand_walk(h, &rc, VA_BLK + 0x10, &rr);
		assert_true(result_eq(&rr, &r));
	}
}

/*
 * FEAT_TTST start levels (max has it): a stage 2 from level 3 (4KB,
 * VTCR_EL2.SL0 = 0b11) is left to the general walk, whose fast copy
 * knows stage-2 starts 0..2 only (the fast path is not even tried: no
 * count); a stage 1 from level 3 (T0SZ=48) it walks (answer 2).
 */
static void fast_path_ttst_starts(void **state)
{
	struct tt t = { 0 };
	const struct s2_mmu_cpu *cpu = &s2_mmu_cpu_max;
	const uint64_t tbl_ipa = 0x100000, data_ipa = 0x200000;
	struct s2_mmu_regs regs;
	struct s2_mmu_access a = { 0xa123, R, 1 };
	struct s2_mmu_result r;
	struct fast_count c0;
	struct tt_geo s2l3, s2l2, s1;
	uint64_t tbl, pa;

	(void)state;
	tt_init(&t);
	tbl = tt_alloc(&t, 4096);
	pa = tt_alloc(&t, 4096);
	/* The same 25-bit IPA space from level 3 (16 tables) and level 2. */
	s2l3 = (struct tt_geo){ 12, 3, 25, tt_alloc(&t, 65536), 0 };
	s2l2 = (struct tt_geo){ 12, 2, 25, tt_alloc(&t, 4096), 0 };
	tt_set(&t, &s2l3, tbl_ipa, 3, s2_leaf(tbl, 3, S2_MEMATTR_NORMAL_WB, 0, 3));
	tt_set(&t, &s2l3, data_ipa, 3, s2_leaf(pa, 3, S2_MEMATTR_NORMAL_WB, 0, 3));
	tt_set(&t, &s2l2, tbl_ipa, 3, s2_leaf(tbl, 3, S2_MEMATTR_NORMAL_WB, 0, 3));
	tt_set(&t, &s2l2, data_ipa, 3, s2_leaf(pa, 3, S2_MEMATTR_NORMAL_WB, 0, 3));
	/* A 16-bit VA space: one level-3 table. */
	s1 = (struct tt_geo){ 12, 3, 16, tbl, tbl - tbl_ipa };
	tt_set(&t, &s1, 0xa000, 3, s1_leaf(data_ipa, 0, 0, 0, 3));
	regs = (struct s2_mmu_regs){
		.hcr_el2 = HCR_EL2_RW | HCR_EL2_VM,
		/* T0SZ=39, SL0=3 (level 3), PS=40 bits */
		.vtcr_el2 = 39 | (3 << 6) | (2ULL << 16) | VTCR_EL2_RES1,
		.vttbr_el2 = s2l3.root,
		.sctlr_el1 = SCTLR_M,
		.tcr_el1 = 48 | (2ULL << TCR_EL1_IPS_SHIFT) | TCR_EL1_EPD1,
		.ttbr0_el1 = tbl_ipa,
		.mair_el1 = 0xff,
	};
	c0 = fast_now();
	assert_int_equal(s2_mmu_translate(&t.mem, cpu, &regs, &a, &r), 0);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_NONE);
	assert_int_equal(r.pa, pa + 0x123);
	assert_int_equal(r.desc_reads, 3);
	c0 = fast_since(&c0);
	assert_fast(c0, 0, 0, 0);
	/* Stage 2 from level 2 (SL0=0): the fast path walks both stages. */
	regs.vtcr_el2 = 39 | (2ULL << 16) | VTCR_EL2_RES1;
	regs.vttbr_el2 = s2l2.root;
	c0 = fast_now();
	assert_int_equal(s2_mmu_translate(&t.mem, cpu, &regs, &a, &r), 0);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_NONE);
	assert_int_equal(r.pa, pa + 0x123);
	assert_int_equal(r.desc_reads, (2 + 1) + 2);
	c0 = fast_since(&c0);
	assert_fast(c0, 0, 0, 1);
	tt_fini(&t);
}

/*
 * A window that crosses the output size: [0, 8 GiB) with VTCR_EL2.PS at
 * 32 bits. A stage-2 table above 4 GiB is in the window but beyond PS:
 * an address size fault, which the fast path must leave to the general
 * walk however the window would let it read there.
 */
static void fast_path_output_size(void **state)
{
	struct tt t = { 0 };
	struct s2_mmu_cpu cpu = s2_mmu_cpu_cortex_a57;
	struct s2_mmu_regs regs;
	struct s2_mmu_access a = { VA_PAGE + 0x40, R, 1 };
	struct s2_mmu_result r;
	struct fast_count c;
	struct tt_geo s2, s1;
	uint64_t slot, d, high = 1ULL << 32, ram_pa = 0x20000000, i;

	(void)state;
	assert_int_equal(s2_physmem_create(&t.pm, 0, 8ULL << 30), 0);
	t.mem = (struct s2_mmu_mem){ s2_physmem_va(t.pm, 0, 8ULL << 30), 0, 8ULL << 30 };
	t.next = 0x10000000;
	/* 32-bit IPA, start level 1 (4 entries); stage-1 tables at RAM_IPA. */
	s2 = (struct tt_geo){ 12, 1, 32, tt_alloc(&t, SZ_4K), 0 };
	t.next = ram_pa;
	for (i = 0; i < RAM_SIZE; i += SZ_2M)
		tt_set(&t, &s2, RAM_IPA + i, 2,
		       s2_leaf(ram_pa + i, 3, S2_MEMATTR_NORMAL_WB, 0, 2));
	s1 = (struct tt_geo){ 12, 1, 39, tt_alloc(&t, SZ_4K), ram_pa - RAM_IPA };
	tt_set(&t, &s2, IPA_PAGE, 3, s2_leaf(PA_PAGE, 3, S2_MEMATTR_NORMAL_WB, 0, 3));
	tt_set(&t, &s1, VA_PAGE, 3, s1_leaf(IPA_PAGE, 0, 1, 0, 3));
	regs = (struct s2_mmu_regs){
		.hcr_el2 = HCR_EL2_RW | HCR_EL2_VM,
		.vtcr_el2 = 32 | (1 << VTCR_EL2_SL0_SHIFT) | VTCR_EL2_RES1,
		.vttbr_el2 = s2.root,
		.sctlr_el1 = SCTLR_M,
		.tcr_el1 = 25,
		.ttbr0_el1 = s1.root - s1.off,
		.mair_el1 = 0xff00,
	};
	c = fast_now();
	assert_int_equal(s2_mmu_translate(&t.mem, &cpu, &regs, &a, &r), 0);
	assert_ref(&t.mem, &cpu, &regs, &a, &r, "output size");
	assert_int_equal(r.fault.type, S2_MMU_FAULT_NONE);
	assert_int_equal(r.pa, PA_PAGE + 0x40);
	assert_fast(fast_since(&c), 0, 0, 1);

	/* The final IPA's level-3 table at 4 GiB: in the window, beyond PS. */
	slot = tt_slot(&t, &s2, IPA_PAGE, 2);
	d = tt_rd(&t, slot);
	for (i = 0; i < SZ_4K; i += 8)
		tt_wr(&t, high + i, tt_rd(&t, (d & OA_BITS) + i));
	tt_wr(&t, slot, high | DESC_TYPE_TABLE);
	c = fast_now();
	assert_int_equal(s2_mmu_translate(&t.mem, &cpu, &regs, &a, &r), 0);
	assert_ref(&t.mem, &cpu, &regs, &a, &r, "output size");
	assert_int_equal(r.fault.type, S2_MMU_FAULT_ADDR_SIZE);
	assert_int_equal(r.fault.stage, 2);
	assert_int_equal(r.fault.level, 2);
	assert_fast(fast_since(&c), 0, 1, 0);
	tt_wr(&t, slot, d);

	/* The same for the stage-2 walk of a stage-1 table: declined. */
	slot = tt_slot(&t, &s2, RAM_IPA, 1);
	d = tt_rd(&t, slot);
	for (i = 0; i < SZ_4K; i += 8)
		tt_wr(&t, high + i, tt_rd(&t, (d & OA_BITS) + i));
	tt_wr(&t, slot, high | DESC_TYPE_TABLE);
	c = fast_now();
	assert_int_equal(s2_mmu_translate(&t.mem, &cpu, &regs, &a, &r), 0);
	assert_ref(&t.mem, &cpu, &regs, &a, &r, "output size");
	assert_int_equal(r.fault.type, S2_MMU_FAULT_ADDR_SIZE);
	assert_int_equal(r.fault.stage, 2);
	assert_true(r.fault.s1ptw);
	assert_fast(fast_since(&c), 1, 0, 0);
	tt_wr(&t, slot, d);

	/*
	 * The regime cache's table block follows the registers: found under
	 * a 40-bit PS, where the level-3 table at 4 GiB is inside it, it must
	 * not outlive a change back to 32 bits (a kept block would take that
	 * table without the size check: the checked build traps on it).
	 */
	struct s2_mmu_regime rc;

	s2_mmu_regime_init(&rc);
	slot = tt_slot(&t, &s2, IPA_PAGE, 2);
	d = tt_rd(&t, slot);
	for (i = 0; i < SZ_4K; i += 8)
		tt_wr(&t, high + i, tt_rd(&t, (d & OA_BITS) + i));
	tt_wr(&t, slot, high | DESC_TYPE_TABLE);
	regs.vtcr_el2 |= 2ULL << 16; /* PS: 40 bits */
	c = fast_now();
	assert_int_equal(s2_mmu_translate_cached(&rc, &t.mem, &cpu, &regs, &a, &r), 0);
	assert_ref(&t.mem, &cpu, &regs, &a, &r, "output size, cached");
	assert_int_equal(r.fault.type, S2_MMU_FAULT_NONE);
	assert_int_equal(r.pa, PA_PAGE + 0x40);
	assert_fast(fast_since(&c), 0, 0, 1);
	regs.vtcr_el2 &= ~(7ULL << 16); /* PS: 32 bits again, same cache */
	c = fast_now();
	assert_int_equal(s2_mmu_translate_cached(&rc, &t.mem, &cpu, &regs, &a, &r), 0);
	assert_ref(&t.mem, &cpu, &regs, &a, &r, "output size, cached");
	assert_int_equal(r.fault.type, S2_MMU_FAULT_ADDR_SIZE);
	assert_int_equal(r.fault.stage, 2);
	assert_int_equal(r.fault.level, 2);
	assert_fast(fast_since(&c), 0, 1, 0);
	tt_wr(&t, slot, d);
	s2_physmem_destroy(t.pm);
}

/* ------------------------------------------------------------------ */
/* Random configurations                                               */
/* ------------------------------------------------------------------ */

struct region {
	uint64_t lo, last;
};

/* A stage-1 leaf and the stage-2 leaves of the offsets translated in it. */
struct map {
	uint64_t va;            /* first VA of the stage-1 leaf */
	uint64_t ipa;           /* its output address */
	uint64_t off[NOFF];     /* offsets translated */
	uint64_t pa[NOFF];      /* the PA each must give */
	unsigned noff;
	int s1_level, s2_level;
	unsigned half;          /* TTBR0 or TTBR1 */
	bool clean;             /* an EL1 read must give @pa */
	bool mutated;           /* a mutation changed one of its leaves */
};

/* Where the tables are in IPA space: 1GB block, 2MB blocks, pages. */
enum { RAM_1G, RAM_2M, RAM_4K };

/* Tables at the end of the window (the walks' bounds checks). */
enum {
	EDGE_NONE,
	EDGE_S2ROOT_END,    /* stage-2 root in the window's last bytes */
	EDGE_S2ROOT_CUT,    /* ... and the window ends halfway through it */
	EDGE_S2TABLE_END,   /* a stage-2 table in the window's last page */
	EDGE_S1TABLE_END,   /* a stage-1 table there */
	EDGE_TIGHT,         /* the window ends after the last table */
	EDGE_NR,
};

static const char *const edge_name[EDGE_NR] = {
	"none", "s2 root at end", "s2 root cut by window end",
	"s2 table at end", "s1 table at end", "window ends after last table",
};

enum {
	MUT_INVALID,        /* valid bit clear (level 3: reserved encoding) */
	MUT_IGNORED,        /* table: ignored bits [11:2] or [58:52] set */
	MUT_NOAF,           /* leaf: AF=0 */
	MUT_NOREAD,         /* stage-2 leaf: S2AP without read */
	MUT_OA_BIG,         /* OA beyond the stage's output size */
	MUT_OUTSIDE,        /* table (or stage-2 leaf of tables) outside the window */
	MUT_TO_BLOCK,       /* table descriptor turned into a block */
	MUT_NR,
};

struct fp {
	struct tt t;
	uint8_t *host;
	struct s2_mmu_regime rc;    /* kept across configurations */
	uint64_t seed;
	/* The configuration. */
	unsigned n;
	struct s2_mmu_cpu cpu;
	struct s2_mmu_regs regs;
	struct s2_mmu_mem mem;
	struct tt_geo s2, s1[2];
	bool a32;
	bool half_on[2];
	uint64_t half_lo[2], half_last[2];
	unsigned ia2, oa2, s1oa, ipa_bits;
	unsigned ram_mode;
	uint64_t area_ipa;          /* IPA of AREA_BASE */
	uint64_t ram_lo;            /* first IPA of the stage-2 leaves of tables */
	unsigned edge;
	bool broken;                /* a shared descriptor faults: no PA oracle */
	bool s2_ignored;            /* a stage-2 table has ignored bits set */
	struct map map[NMAP];
	unsigned nmap;
	struct region va_used[NMAP], ipa_used[NMAP + 1];
	unsigned nva, nipa;
	/* The access being translated, for the trap report. */
	struct s2_mmu_access cur;
	const char *cur_what;
	/* Statistics. */
	unsigned long calls, oracle, ref_checks, fast_usual, at_ops, mutations, cfg_a32, cfg_broken;
	unsigned long s2_start[3], edges[EDGE_NR], faults[S2_MMU_FAULT_NR];
};

static struct fp *trap_fp;
static void (*prev_ill)(int);

static unsigned min_u(unsigned a, unsigned b)
{
	return a < b ? a : b;
}

static uint64_t lsize(int level)
{
	return 1ULL << (12 + 9 * (3 - level));
}

static uint64_t rd(struct fp *f, uint64_t pa)
{
	return tt_rd(&f->t, pa);
}

static void wr(struct fp *f, uint64_t pa, uint64_t v)
{
	tt_wr(&f->t, pa, v);
}

/*
 * PA of the descriptor for @in at @level of @g, following the tables as
 * they are (never allocating); 0 when the way there is not tables in the
 * window.
 */
static uint64_t slot_ro(struct fp *f, const struct tt_geo *g, uint64_t in,
			int level)
{
	uint64_t table = g->root, slot, d;
	int l;

	for (l = g->start;; l++) {
		unsigned shift = 12 + 9 * (unsigned)(3 - l);
		unsigned bits = l == g->start ? g->ia_bits - shift : 9;

		slot = table + ((in >> shift) & ((1ULL << bits) - 1)) * 8;
		if (slot - TT_MEM_BASE >= TT_MEM_SIZE)
			return 0;
		if (l == level)
			return slot;
		d = rd(f, slot);
		if ((d & DESC_TYPE_MASK) != DESC_TYPE_TABLE)
			return 0;
		table = (d & OA_BITS) + g->off;
	}
}

static bool overlaps(const struct region *r, unsigned n, uint64_t lo,
		     uint64_t last)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (lo <= r[i].last && r[i].lo <= last)
			return true;
	return false;
}

/*
 * A free @size-aligned range of @size bytes in [@lo, @last], often next
 * to an earlier one (@near: their first addresses), so that walks share
 * tables. Returns false when none is found.
 */
static bool pick_range(const struct region *used, unsigned nused,
		       const uint64_t *near, unsigned nnear, uint64_t lo,
		       uint64_t last, uint64_t size, uint64_t *out)
{
	uint64_t slots, v;
	int i;

	if (last - lo < size - 1)
		return false;
	slots = (last - lo - (size - 1)) / size + 1;
	for (i = 0; i < 16; i++) {
		if (nnear && chance(60))
			v = (near[rnd_below(nnear)] & ~(size * 512 - 1)) +
			    rnd_below(512) * size;
		else
			v = lo + rnd_below(slots) * size;
		if (v < lo || v + (size - 1) < v || v + (size - 1) > last)
			continue;
		if (overlaps(used, nused, v, v + size - 1))
			continue;
		*out = v;
		return true;
	}
	return false;
}

/* A leaf level: pages mostly, blocks at levels 1 and 2. */
static int pick_level(int start)
{
	unsigned r = (unsigned)rnd_below(100);
	int l = r < 55 ? 3 : r < 85 ? 2 : 1;

	return l < start ? start : l;
}

static uint64_t s2_data_leaf(uint64_t pa, int level, bool *readable)
{
	static const uint8_t memattr[] = { 0xf, 0xf, 0xf, 0xf, 0x5, 0xa, 0x1, 0x0 };
	unsigned r = (unsigned)rnd_below(100);
	unsigned s2ap = r < 75 ? 3 : r < 92 ? 1 : r < 97 ? 2 : 0;
	uint64_t d = s2_leaf(pa, s2ap, memattr[rnd_below(8)], 0, level);

	d = (d & ~S2_DESC_XN_MASK) | (rnd() & S2_DESC_XN_MASK);
	d = (d & ~DESC_SH_MASK) | (rnd() & DESC_SH_MASK);
	if (chance(10))
		d |= rnd() & (DESC_SW_MASK | DESC_CONTIGUOUS | DESC_DBM);
	if (!(s2ap & 1))
		*readable = false;
	return d;
}

static uint64_t s1_data_leaf(uint64_t ipa, int level)
{
	uint64_t extra = 0, d;

	if (chance(50))
		extra |= S1_DESC_NG;
	if (chance(25))
		extra |= S1_DESC_UXN;
	if (chance(25))
		extra |= S1_DESC_PXN;
	if (chance(10))
		extra |= rnd() & (DESC_SW_MASK | DESC_CONTIGUOUS | DESC_DBM | S1_DESC_NS);
	d = s1_leaf(ipa, (unsigned)rnd_below(4), (unsigned)rnd_below(8), extra, level);
	return (d & ~DESC_SH_MASK) | (rnd() & DESC_SH_MASK);
}

/* One stage-1 leaf, its IPA range and the stage-2 leaves of its offsets. */
static void add_map(struct fp *f)
{
	struct map *m = &f->map[f->nmap];
	unsigned h = f->half_on[1] && chance(35), j;
	const struct tt_geo *g1 = &f->s1[h];
	uint64_t near_va[NMAP], near_ipa[NMAP], s1sz, s2sz, region, pa;
	int l1 = pick_level(g1->start), l2 = pick_level(f->s2.start);
	bool readable = true;

	for (j = 0; j < f->nmap; j++) {
		near_va[j] = f->map[j].va;
		near_ipa[j] = f->map[j].ipa;
	}
	for (;; l1++) {
		if (l1 > 3)
			return;
		s1sz = lsize(l1);
		if (pick_range(f->va_used, f->nva, near_va, f->nmap, f->half_lo[h],
			       f->half_last[h], s1sz, &m->va))
			break;
	}
	for (;; l2++) {
		if (l2 > 3)
			return;
		s2sz = lsize(l2);
		if (pick_range(f->ipa_used, f->nipa, near_ipa, f->nmap, 0,
			       (1ULL << f->ipa_bits) - 1, s1sz > s2sz ? s1sz : s2sz,
			       &region))
			break;
	}
	f->va_used[f->nva++] = (struct region){ m->va, m->va + s1sz - 1 };
	f->ipa_used[f->nipa++] =
		(struct region){ region, region + (s1sz > s2sz ? s1sz : s2sz) - 1 };
	m->half = h;
	m->s1_level = l1;
	m->s2_level = l2;
	m->noff = 1 + (unsigned)rnd_below(NOFF);
	for (j = 0; j < m->noff; j++) {
		switch (rnd_below(4)) {
		case 0: m->off[j] = 0; break;
		case 1: m->off[j] = s1sz - 1 - rnd_below(16); break;
		default: m->off[j] = rnd_below(s1sz); break;
		}
	}
	if (s2sz >= s1sz) {
		/* One stage-2 leaf holds the whole stage-1 leaf. */
		m->ipa = region + rnd_below(s2sz / s1sz) * s1sz;
		pa = rnd() & ((1ULL << f->oa2) - 1) & ~(s2sz - 1);
		tt_set(&f->t, &f->s2, region, l2, s2_data_leaf(pa, l2, &readable));
		for (j = 0; j < m->noff; j++)
			m->pa[j] = pa + (m->ipa - region) + m->off[j];
	} else {
		/* A stage-2 leaf for each offset; the rest are IPA holes. */
		m->ipa = region;
		for (j = 0; j < m->noff; j++) {
			uint64_t in = m->ipa + m->off[j], piece = in & ~(s2sz - 1);
			uint64_t slot = tt_slot(&f->t, &f->s2, piece, l2), d = rd(f, slot);

			if (!(d & DESC_VALID)) {
				pa = rnd() & ((1ULL << f->oa2) - 1) & ~(s2sz - 1);
				d = s2_data_leaf(pa, l2, &readable);
				wr(f, slot, d);
			}
			m->pa[j] = (d & OA_BITS & ~(s2sz - 1)) + (in & (s2sz - 1));
		}
	}
	m->clean = readable;
	m->mutated = false;
	tt_set(&f->t, g1, m->va, l1, s1_data_leaf(m->ipa, l1));
	f->nmap++;
}

/* Copy the table holding @in's level-@level descriptor to the last page. */
static void move_table_to_end(struct fp *f, const struct tt_geo *g, uint64_t in,
			      int level)
{
	uint64_t slot = slot_ro(f, g, in, level - 1), d, old, end = MEM_END - SZ_4K;

	if (!slot)
		return;
	d = rd(f, slot);
	old = (d & OA_BITS) + g->off;
	memcpy(f->host + (end - TT_MEM_BASE), f->host + (old - TT_MEM_BASE), SZ_4K);
	wr(f, slot, (d & ~OA_BITS) | (end - g->off));
}

/* The stage-2 leaves that map the tables' IPAs to the window. */
static void map_ram(struct fp *f)
{
	unsigned r = (unsigned)rnd_below(100);
	uint64_t memattr = r < 80 ? 0xf : r < 88 ? 0x5 : r < 96 ? 0xa : 0x1;
	unsigned s2ap = chance(85) ? 3 : 1;
	uint64_t pa, end;

	/* HCR_EL2.PTW and Device tables: every walk faults. */
	if ((f->regs.hcr_el2 & HCR_EL2_PTW) && !(memattr & 0xc))
		f->broken = true;
	switch (f->ram_mode) {
	case RAM_1G:
		tt_set(&f->t, &f->s2, f->ram_lo, 1,
		       s2_leaf(TT_MEM_BASE, s2ap, memattr, chance(50), 1));
		break;
	case RAM_2M:
		for (pa = AREA_BASE; pa < MEM_END; pa += SZ_2M)
			tt_set(&f->t, &f->s2, f->area_ipa + (pa - AREA_BASE), 2,
			       s2_leaf(pa, s2ap, memattr, chance(50), 2));
		break;
	default:
		/* The tables so far (later ones are stage 2's) and the end. */
		end = f->t.next;
		for (pa = AREA_BASE; pa < end; pa += SZ_4K)
			tt_set(&f->t, &f->s2, f->area_ipa + (pa - AREA_BASE), 3,
			       s2_leaf(pa, s2ap, memattr, chance(50), 3));
		for (pa = MEM_END - END_KEEP; pa < MEM_END; pa += SZ_4K)
			tt_set(&f->t, &f->s2, f->area_ipa + (pa - AREA_BASE), 3,
			       s2_leaf(pa, s2ap, memattr, chance(50), 3));
		break;
	}
}

/* A random mutation of a descriptor on @m's walks; false if none applies. */
static bool mutate(struct fp *f, struct map *m)
{
	unsigned kind = (unsigned)rnd_below(MUT_NR), where = (unsigned)rnd_below(3);
	unsigned j = (unsigned)rnd_below(m->noff), oa_bits;
	const struct tt_geo *g;
	uint64_t in, slot, d, bit;
	int leaf, level;
	bool own;

	if (where == 0) {                 /* stage 1 */
		g = &f->s1[m->half];
		in = m->va + m->off[j];
		leaf = m->s1_level;
		oa_bits = f->s1oa;
	} else if (where == 1) {          /* stage 2 of the final IPA */
		g = &f->s2;
		in = m->ipa + m->off[j];
		leaf = m->s2_level;
		oa_bits = f->oa2;
	} else {                          /* stage 2 of the tables */
		g = &f->s2;
		in = f->area_ipa + rnd_below(f->t.next - AREA_BASE);
		leaf = f->ram_mode == RAM_1G ? 1 : f->ram_mode == RAM_2M ? 2 : 3;
		oa_bits = f->oa2;
	}
	level = g->start + (int)rnd_below((uint64_t)(leaf - g->start + 1));
	if (kind == MUT_IGNORED || kind == MUT_TO_BLOCK ||
	    (kind == MUT_OUTSIDE && where != 2)) {
		if (leaf == g->start)
			return false;
		if (level == leaf)
			level--;
		/* Blocks at the start level: level 0 has none with 4KB. */
		if (kind == MUT_TO_BLOCK && chance(50))
			level = g->start;
	} else if (kind == MUT_NOAF || kind == MUT_NOREAD ||
		   (kind == MUT_OUTSIDE && where == 2)) {
		level = leaf;
	}
	if (kind == MUT_NOREAD && where == 0)
		return false;
	slot = slot_ro(f, g, in, level);
	if (!slot)
		return false;
	d = rd(f, slot);
	if (!(d & DESC_VALID))
		return false;
	switch (kind) {
	case MUT_INVALID:
		d &= level == 3 && chance(50) ? ~DESC_PAGE : ~DESC_VALID;
		break;
	case MUT_IGNORED:
		do
			d |= rnd() & (GENMASK(11, 2) | GENMASK(58, 52));
		while (!(d & (GENMASK(11, 2) | GENMASK(58, 52))));
		break;
	case MUT_NOAF:
		d &= ~DESC_AF;
		break;
	case MUT_NOREAD:
		d &= ~S2_DESC_S2AP_R;
		break;
	case MUT_OA_BIG:
		/* Stage 1 with a 48-bit IPS: beyond stage 2's IPA size. */
		if (oa_bits >= 48 && where == 0)
			oa_bits = f->ia2;
		if (oa_bits >= 48)
			return false;
		bit = oa_bits + rnd_below(48 - oa_bits);
		d |= 1ULL << bit;
		break;
	case MUT_OUTSIDE:
		if (where == 0) {
			/* An IPA whose stage 2 leads past the window, or nowhere. */
			in = f->ram_mode == RAM_1G ? f->ram_lo + (SZ_1G - SZ_4K)
						   : f->area_ipa + AREA_SIZE;
		} else if (where == 1) {
			in = chance(50) ? MEM_END : TT_MEM_BASE - SZ_4K;
		} else {
			/* The tables' stage-2 leaf: a block or page past the end. */
			in = f->ram_mode == RAM_1G ? 2 * SZ_1G : MEM_END;
		}
		d = (d & ~OA_BITS) | (in & OA_BITS);
		break;
	default:
		/* A block with the table's OA, often with valid attributes too. */
		d &= ~DESC_TABLE;
		if (chance(50))
			d = where ? s2_leaf(d & OA_BITS, 3, S2_MEMATTR_NORMAL_WB, 0, 2)
				  : s1_leaf(d & OA_BITS, 0, (unsigned)rnd_below(8), 0, 2);
		break;
	}
	wr(f, slot, d);
	/* A leaf of @m's own changes @m only; a table may be anyone's. */
	own = level == leaf && where != 2;
	if (kind == MUT_IGNORED) {
		f->s2_ignored |= where != 0;
	} else if (own) {
		m->clean = false;
		m->mutated = true;
	} else {
		f->broken = true;
	}
	f->mutations++;
	return true;
}

/* A new configuration's registers, geometry and translation table roots. */
static void pick_regs(struct fp *f)
{
	/* Stage-2 shapes (VTCR_EL2.SL0, T0SZ) with 4KB: start level 2 - SL0. */
	static const uint8_t shape[][2] = {
		{ 2, 16 }, { 2, 16 }, { 2, 20 }, { 2, 24 },
		{ 1, 21 }, { 1, 22 }, { 1, 24 }, { 1, 24 }, { 1, 24 }, { 1, 25 },
		{ 1, 25 }, { 1, 28 }, { 1, 33 },
		{ 0, 30 }, { 0, 32 }, { 0, 34 }, { 0, 39 },
	};
	static const uint8_t ps_bits[6] = { 32, 36, 40, 42, 44, 48 };
	static const uint8_t a64_tsz[] = { 16, 16, 16, 25, 25, 25, 20, 30, 34, 39 };
	static const uint8_t a32_tsz[][2] = {
		{ 0, 0 }, { 1, 1 }, { 2, 2 }, { 1, 0 }, { 2, 1 }, { 0, 2 },
	};
	unsigned sl0, t0sz, ps, ips, encs[6], ne, e, sz[2], h;
	uint64_t tcr = 0, root_size;
	bool identity;
	int start2;

	switch (rnd_below(4)) {
	case 0:
		f->cpu = s2_mmu_cpu_max;
		break;
	case 1:
		f->cpu = s2_mmu_cpu_cortex_a57;
		f->cpu.pa_bits = 40;
		break;
	default:
		f->cpu = s2_mmu_cpu_cortex_a57;
		break;
	}
	/* Stage 2: a shape the CPU allows, and a PS that holds its IPAs. */
	for (;;) {
		e = (unsigned)rnd_below(sizeof(shape) / sizeof(shape[0]));
		sl0 = shape[e][0];
		t0sz = shape[e][1];
		start2 = 2 - (int)sl0;
		f->ia2 = 64 - t0sz;
		if (start2 == 0 && f->cpu.pa_bits <= 42)
			continue;
		for (ne = 0, ps = 0; ps < 6; ps++) {
			if (min_u(ps_bits[ps], f->cpu.pa_bits) >= f->ia2)
				encs[ne++] = ps;
		}
		if (ne)
			break;
	}
	ps = encs[rnd_below(ne)];
	f->oa2 = min_u(min_u(ps_bits[ps], f->cpu.pa_bits), 48);
	f->s2_start[start2]++;
	f->regs.vtcr_el2 = t0sz | (uint64_t)sl0 << VTCR_EL2_SL0_SHIFT |
			   VTCR_EL2_RGN_WBWA << VTCR_EL2_IRGN0_SHIFT |
			   VTCR_EL2_RGN_WBWA << VTCR_EL2_ORGN0_SHIFT |
			   VTCR_EL2_SH0_IS << VTCR_EL2_SH0_SHIFT |
			   (uint64_t)ps << VTCR_EL2_PS_SHIFT | VTCR_EL2_RES1 |
			   (chance(30) ? VTCR_EL2_VS : 0);
	root_size = 8ULL << (f->ia2 - (12 + 9 * (unsigned)(3 - start2)));
	if (root_size < SZ_4K)
		root_size = SZ_4K;

	/* Stage 1. */
	f->a32 = chance(15);
	f->cfg_a32 += f->a32;
	if (f->a32) {
		e = (unsigned)rnd_below(sizeof(a32_tsz) / sizeof(a32_tsz[0]));
		sz[0] = a32_tsz[e][0];
		sz[1] = a32_tsz[e][1];
		tcr = TTBCR_EAE | sz[0] | (uint64_t)sz[1] << TTBCR_T1SZ_SHIFT |
		      (chance(30) ? TTBCR_A1 : 0);
		f->s1oa = LPAE_OA_HI + 1;
		f->half_on[0] = true;
		f->half_lo[0] = 0;
		f->half_last[0] = (1ULL << (32 - sz[0])) - 1;
		if (sz[1]) {
			f->half_on[1] = true;
			f->half_lo[1] = (1ULL << 32) - (1ULL << (32 - sz[1]));
			if (f->half_last[0] >= f->half_lo[1])
				f->half_last[0] = f->half_lo[1] - 1;
		} else {
			f->half_on[1] = sz[0] != 0;
			f->half_lo[1] = 1ULL << (32 - sz[0]);
		}
		f->half_last[1] = 0xffffffffULL;
		for (h = 0; h < 2; h++)
			sz[h] = 32 - sz[h];          /* now input sizes */
		f->regs.hcr_el2 = HCR_EL2_VM;
	} else {
		sz[0] = a64_tsz[rnd_below(sizeof(a64_tsz))];
		sz[1] = a64_tsz[rnd_below(sizeof(a64_tsz))];
		ips = (unsigned)rnd_below(6);
		f->s1oa = min_u(min_u(ps_bits[ips], f->cpu.pa_bits), 48);
		tcr = sz[0] | (uint64_t)sz[1] << TCR_EL1_T1SZ_SHIFT |
		      TCR_EL1_TG1_4K << TCR_EL1_TG1_SHIFT |
		      (uint64_t)ips << TCR_EL1_IPS_SHIFT |
		      (rnd() & (TCR_EL1_SH0_MASK | TCR_EL1_SH1_MASK)) |
		      (chance(30) ? TCR_EL1_A1 : 0) | (chance(50) ? TCR_EL1_AS : 0) |
		      (chance(25) ? TCR_EL1_TBI0 : 0) | (chance(25) ? TCR_EL1_TBI1 : 0);
		f->half_on[0] = true;
		f->half_on[1] = chance(90);
		if (!f->half_on[1])
			tcr |= TCR_EL1_EPD1;
		for (h = 0; h < 2; h++)
			sz[h] = 64 - sz[h];
		f->half_lo[0] = 0;
		f->half_last[0] = (1ULL << sz[0]) - 1;
		f->half_lo[1] = 0 - (1ULL << sz[1]);
		f->half_last[1] = ~0ULL;
		f->regs.hcr_el2 = HCR_EL2_VM | HCR_EL2_RW;
	}
	if (chance(5))
		f->regs.hcr_el2 |= HCR_EL2_PTW;
	f->regs.tcr_el1 = tcr;
	f->regs.sctlr_el1 = SCTLR_M | (chance(30) ? SCTLR_WXN : 0) |
			    (chance(50) ? SCTLR_I | SCTLR_C : 0);
	f->regs.mair_el1 = rnd();
	f->ipa_bits = min_u(f->ia2, f->s1oa);

	/* Where the tables are in IPA space: sometimes at their PAs. */
	identity = f->ipa_bits >= 31 && chance(25);
	if (start2 <= 1 && f->ipa_bits >= 32 && chance(30)) {
		f->ram_mode = RAM_1G;
		f->ram_lo = identity ? TT_MEM_BASE :
				       rnd_below(1ULL << (f->ipa_bits - 30)) << 30;
		f->area_ipa = f->ram_lo + (AREA_BASE - TT_MEM_BASE);
		f->ipa_used[0] = (struct region){ f->ram_lo, f->ram_lo + SZ_1G - 1 };
	} else {
		f->ram_mode = chance(50) ? RAM_2M : RAM_4K;
		f->area_ipa = identity ? AREA_BASE :
			      rnd_below((1ULL << f->ipa_bits) / AREA_SIZE) * AREA_SIZE;
		if (f->ram_mode == RAM_4K && f->area_ipa && !identity)
			f->area_ipa -= rnd_below(64) * SZ_4K;
		f->ram_lo = f->area_ipa;
		f->ipa_used[0] = (struct region){ f->area_ipa, f->area_ipa + AREA_SIZE - 1 };
	}
	f->nipa = 1;

	/* Tables: the stage-2 root, then one stage-1 root per VA half. */
	f->edge = chance(40) ? 1 + (unsigned)rnd_below(EDGE_NR - 1) : EDGE_NONE;
	if (f->edge == EDGE_S2ROOT_END || f->edge == EDGE_S2ROOT_CUT)
		f->s2 = (struct tt_geo){ 12, start2, f->ia2, MEM_END - root_size, 0 };
	else
		f->s2 = (struct tt_geo){ 12, start2, f->ia2, tt_alloc(&f->t, root_size), 0 };
	for (h = 0; h < 2; h++) {
		f->s1[h] = (struct tt_geo){ 12, 4 - (int)((sz[h] - 4) / 9), sz[h],
					    tt_alloc(&f->t, SZ_4K),
					    AREA_BASE - f->area_ipa };
	}
	f->regs.vttbr_el2 = f->s2.root | rnd() << VTTBR_EL2_VMID_SHIFT |
			    (chance(20) ? VTTBR_EL2_CNP : 0);
	f->regs.ttbr0_el1 = (f->s1[0].root - f->s1[0].off) | rnd() << TTBR_ASID_SHIFT;
	f->regs.ttbr1_el1 = (f->s1[1].root - f->s1[1].off) | rnd() << TTBR_ASID_SHIFT;
	if (f->a32) {
		/* 64-bit TTBRs: ASID [55:48], bits above RES0. */
		f->regs.ttbr0_el1 &= GENMASK(55, 0);
		f->regs.ttbr1_el1 &= GENMASK(55, 0);
	}
	f->mem = f->t.mem;
	if (f->edge == EDGE_S2ROOT_CUT) {
		f->mem.size -= root_size / 2;
		f->broken = true;
	}
}

/* Configuration @n: registers, tables, mappings, edges, mutations. */
static void build(struct fp *f, unsigned n)
{
	unsigned i, nmut;

	/* Zero what the last configuration wrote. */
	memset(f->host + (AREA_BASE - TT_MEM_BASE), 0, f->t.next - AREA_BASE);
	memset(f->host + (MEM_END - END_KEEP - TT_MEM_BASE), 0, END_KEEP);
	f->t.next = AREA_BASE;
	f->n = n;
	f->nmap = f->nva = 0;
	f->broken = false;
	f->s2_ignored = false;
	pick_regs(f);
	f->edges[f->edge]++;

	for (i = 8 + (unsigned)rnd_below(NMAP - 7); i; i--)
		add_map(f);
	/* APTable, UXNTable (XNTable), PXNTable, NSTable on the way. */
	for (i = 0; i < f->nmap; i++) {
		const struct map *m = &f->map[i];
		const struct tt_geo *g = &f->s1[m->half];
		int l;

		for (l = g->start; l < m->s1_level; l++) {
			uint64_t slot = slot_ro(f, g, m->va, l);

			if (slot && chance(12))
				wr(f, slot, rd(f, slot) | (rnd() & GENMASK(63, 59)));
		}
	}
	if (f->nmap && (f->edge == EDGE_S2TABLE_END || f->edge == EDGE_S1TABLE_END)) {
		const struct map *m = &f->map[rnd_below(f->nmap)];
		bool s2 = f->edge == EDGE_S2TABLE_END;
		const struct tt_geo *g = s2 ? &f->s2 : &f->s1[m->half];
		int leaf = s2 ? m->s2_level : m->s1_level, level;

		if (leaf > g->start) {
			level = g->start + 1 + (int)rnd_below((uint64_t)(leaf - g->start));
			move_table_to_end(f, g, s2 ? m->ipa + m->off[0] : m->va, level);
		}
	}
	map_ram(f);
	assert_true(f->t.next <= MEM_END - END_KEEP);
	if (f->edge == EDGE_TIGHT)
		f->mem.size = f->t.next - TT_MEM_BASE;

	/* A few percent of the descriptors, in a third of the configurations. */
	if (f->nmap && chance(35)) {
		for (nmut = 1 + (unsigned)rnd_below(3); nmut; nmut--)
			mutate(f, &f->map[rnd_below(f->nmap)]);
	}
	f->cfg_broken += f->broken;
}

/* ------------------------------------------------------------------ */
/* Reports                                                             */
/* ------------------------------------------------------------------ */

static void dump_walk(struct fp *f, FILE *out, const struct tt_geo *g,
		      uint64_t in, bool s1, const char *name)
{
	const char *ind = s1 ? "" : "    ";
	int l;

	fprintf(out, "  %s%s walk of 0x%llx (start L%d, %u bits, root 0x%llx; "
		"PAs as built):\n", ind, name, (unsigned long long)in, g->start, g->ia_bits,
		(unsigned long long)g->root);
	for (l = g->start; l <= 3; l++) {
		uint64_t slot = slot_ro(f, g, in, l), d;

		if (!slot)
			break;
		d = rd(f, slot);
		fprintf(out, "    %sL%d [PA 0x%llx] = 0x%016llx\n", ind, l,
			(unsigned long long)slot, (unsigned long long)d);
		if (s1)   /* how the descriptor was fetched */
			dump_walk(f, out, &f->s2, slot - g->off, false, "its stage-2");
		if ((d & DESC_TYPE_MASK) != DESC_TYPE_TABLE || l == 3) {
			if ((d & DESC_VALID) && s1) {
				uint64_t ipa = (d & OA_BITS & ~(lsize(l) - 1)) |
					       (in & (lsize(l) - 1));

				dump_walk(f, out, &f->s2, ipa, false, "final stage-2");
			}
			break;
		}
	}
}

static void report(struct fp *f, FILE *out, const char *what)
{
	const struct s2_mmu_regs *r = &f->regs;
	uint64_t va = f->cur.va;
	bool sel;

	fprintf(out, "fastpath: %s: seed 0x%llx config %u (edge: %s, ram mode %u%s)\n",
		what, (unsigned long long)f->seed, f->n, edge_name[f->edge],
		f->ram_mode, f->broken ? ", broken" : "");
	fprintf(out, "  access va 0x%llx acc %u el %u (%s)\n", (unsigned long long)va,
		f->cur.acc, f->cur.el, f->cur_what ? f->cur_what : "");
	fprintf(out, "  cpu pa_bits %u vmid %u asid %u lpa2 %d xnx %d\n",
		f->cpu.pa_bits, f->cpu.vmid_bits, f->cpu.asid_bits, f->cpu.lpa2, f->cpu.xnx);
	fprintf(out, "  hcr 0x%llx vtcr 0x%llx vttbr 0x%llx sctlr 0x%llx\n"
		"  tcr 0x%llx ttbr0 0x%llx ttbr1 0x%llx mair 0x%llx\n",
		(unsigned long long)r->hcr_el2, (unsigned long long)r->vtcr_el2,
		(unsigned long long)r->vttbr_el2, (unsigned long long)r->sctlr_el1,
		(unsigned long long)r->tcr_el1, (unsigned long long)r->ttbr0_el1,
		(unsigned long long)r->ttbr1_el1, (unsigned long long)r->mair_el1);
	fprintf(out, "  window [0x%llx, +0x%llx), tables at IPA 0x%llx (PA - IPA 0x%llx)\n",
		(unsigned long long)f->mem.base, (unsigned long long)f->mem.size,
		(unsigned long long)f->area_ipa, (unsigned long long)f->s1[0].off);
	if (f->a32) {
		uint32_t va32 = (uint32_t)va;
		unsigned t0 = (unsigned)S2_FIELD_GET(TTBCR_T0SZ, r->tcr_el1);
		unsigned t1 = (unsigned)S2_FIELD_GET(TTBCR_T1SZ, r->tcr_el1);

		sel = t1 ? va32 >= ~(0xffffffffu >> t1) : va32 > (0xffffffffu >> t0);
	} else {
		sel = (va >> 55) & 1;
	}
	dump_walk(f, out, &f->s1[sel], va, true, sel ? "stage-1 (TTBR1)" : "stage-1 (TTBR0)");
	fflush(out);
}

/* A trap in the checked model: the fast path and the general walk differ. */
static void on_trap(int sig)
{
	if (trap_fp)
		report(trap_fp, stderr, "fast path differs from the general walk (trap)");
	/*
	 * cmocka's handler fails the test; without one, returning
	 * re-executes the trap, now fatal.
	 */
	if (prev_ill != SIG_DFL && prev_ill != SIG_IGN && prev_ill != SIG_ERR) {
		signal(sig, prev_ill);
		prev_ill(sig);
	}
	signal(sig, SIG_DFL);
}

/* ------------------------------------------------------------------ */
/* Translations                                                        */
/* ------------------------------------------------------------------ */

/*
 * Translate (uncached and cached) and compare. @want_pa: the PA an EL1
 * read must give, or NULL. @usual: the fast path must walk both stages
 * (nothing on the walk is beyond its documented cases).
 */
static void check_access(struct fp *f, uint64_t va, unsigned acc, unsigned el,
			 const uint64_t *want_pa, bool usual, const char *what)
{
	struct s2_mmu_access a = { .va = va, .acc = (uint8_t)acc, .el = (uint8_t)el };
	struct s2_mmu_result r, c;
	struct fast_count c0 = fast_now(), fc;

	f->cur = a;
	f->cur_what = what;
	assert_int_equal(s2_mmu_translate(&f->mem, &f->cpu, &f->regs, &a, &r), 0);
	assert_int_equal(s2_mmu_translate_cached(&f->rc, &f->mem, &f->cpu, &f->regs,
						 &a, &c), 0);
	f->calls += 2;
	f->faults[r.fault.type]++;
	fc = fast_since(&c0);
	if (usual && fc.n[2] != 2) {
		report(f, stdout, "the fast path did not walk a usual configuration");
		print_error("  fast path answers: declined %lu, stage 1 only %lu, both %lu\n",
			    fc.n[0], fc.n[1], fc.n[2]);
		fail();
	}
	f->fast_usual += usual;
	if (!result_eq(&r, &c)) {
		report(f, stdout, "s2_mmu_translate_cached differs from s2_mmu_translate");
		fail();
	}
	if (want_pa && (r.fault.type != S2_MMU_FAULT_NONE || r.pa != *want_pa)) {
		report(f, stdout, "EL1 read of an untouched mapping");
		print_error("  got fault %u (L%d, stage %u, s1ptw %d) pa 0x%llx, "
			    "want pa 0x%llx\n",
			    r.fault.type, r.fault.level, r.fault.stage, r.fault.s1ptw,
			    (unsigned long long)r.pa, (unsigned long long)*want_pa);
		fail();
	}
	f->oracle += want_pa != NULL;
	/* Both answers (the checked build: the fast one where it was taken) against the reference. */
	if (!f->a32) {
		struct refwalk_result ref;

		assert_int_equal(refwalk_translate(&f->mem, &f->cpu, &f->regs, &a, &ref), 0);
		if (!refwalk_check(&ref, &r, what)) {
			report(f, stdout, "the model differs from the reference walk");
			fail();
		}
		f->ref_checks++;
	}
}

/* An AT instruction gives what the translation of the same access gives. */
static void check_at(struct fp *f, uint64_t va)
{
	static const struct { uint8_t acc, el; bool s1; } ops[] = {
		[S2_MMU_AT_S1E1R] = { R, 1, true },  [S2_MMU_AT_S1E1W] = { W, 1, true },
		[S2_MMU_AT_S1E0R] = { R, 0, true },  [S2_MMU_AT_S1E0W] = { W, 0, true },
		[S2_MMU_AT_S12E1R] = { R, 1, false }, [S2_MMU_AT_S12E1W] = { W, 1, false },
		[S2_MMU_AT_S12E0R] = { R, 0, false }, [S2_MMU_AT_S12E0W] = { W, 0, false },
	};
	unsigned op = (unsigned)rnd_below(8);
	struct s2_mmu_access a = { .va = va, .acc = ops[op].acc, .el = ops[op].el };
	struct s2_mmu_result r, at;
	uint64_t par = 0;

	f->cur = a;
	f->cur_what = "AT";
	assert_int_equal(s2_mmu_translate(&f->mem, &f->cpu, &f->regs, &a, &r), 0);
	assert_int_equal(s2_mmu_at(&f->mem, &f->cpu, &f->regs, (enum s2_mmu_at_op)op,
				   va, &par, &at), 0);
	f->calls += 2;
	f->at_ops++;
	if (!ops[op].s1) {
		assert_true(result_eq(&r, &at));
		assert_int_equal(par, s2_mmu_par(&r));
	} else if (r.fault.type != S2_MMU_FAULT_NONE &&
		   (r.fault.stage == 1 || r.fault.s1ptw)) {
		/* Stage 1 (or its walk through stage 2) faults: AT S1 too. */
		assert_int_equal(par, s2_mmu_par(&r));
	} else {
		/* Stage 1 gives the IPA, whatever the final stage 2 says. */
		assert_int_equal(at.fault.type, S2_MMU_FAULT_NONE);
		assert_int_equal(par & 1, 0);
		assert_int_equal(par & OA_BITS, r.ipa & OA_BITS);
		assert_int_equal(at.s1_level, r.s1_level);
	}
}

/* A VA as used: the top byte a random tag where TBI ignores it. */
static uint64_t tagged(struct fp *f, uint64_t va, unsigned h)
{
	if (!f->a32 && (f->regs.tcr_el1 & (h ? TCR_EL1_TBI1 : TCR_EL1_TBI0)) &&
	    chance(50))
		return (va & GENMASK(55, 0)) | (rnd() << 56);
	return va;
}

static unsigned rnd_acc(void)
{
	return (unsigned)rnd_below(3);
}

static unsigned rnd_el(void)
{
	return (unsigned)rnd_below(2);
}

static void run_cfg(struct fp *f)
{
	const uint64_t vmask = f->a32 ? 0xffffffffULL : ~0ULL;
	unsigned i, j, acc, el, k;

	for (i = 0; i < f->nmap; i++) {
		const struct map *m = &f->map[i];
		bool oracle = m->clean && !f->broken;
		/*
		 * The fast path's cases: tables with no ignored bits set, all
		 * in one naturally aligned block of the window (the whole
		 * window when it is one), no HCR_EL2.PTW.
		 */
		bool usual = !m->mutated && !f->broken && !f->s2_ignored &&
			     f->mem.size == TT_MEM_SIZE &&
			     !(f->regs.hcr_el2 & HCR_EL2_PTW);

		for (j = 0; j < m->noff; j++) {
			uint64_t va = tagged(f, m->va + m->off[j], m->half);

			for (acc = R; acc <= X; acc++)
				for (el = 0; el <= 1; el++)
					check_access(f, va, acc, el,
						     oracle && acc == R && el == 1 ?
						     &m->pa[j] : NULL, usual, "mapped");
		}
		/* Next to it: holes at some level, or another mapping. */
		check_access(f, (m->va + lsize(m->s1_level)) & vmask, rnd_acc(),
			     rnd_el(), NULL, false, "after");
		check_access(f, (m->va - SZ_4K) & vmask, rnd_acc(), rnd_el(), NULL,
			     false, "before");
		/* Elsewhere in the stage-1 leaf: often an IPA hole. */
		check_access(f, m->va + rnd_below(lsize(m->s1_level)), R, 1, NULL,
			     false, "inside");
		if (chance(30))
			check_at(f, m->va + m->off[0]);
	}
	for (k = 0; k < 8; k++) {
		unsigned h = f->half_on[1] && chance(50);
		uint64_t va = f->half_lo[h] + rnd_below(f->half_last[h] - f->half_lo[h] + 1);

		check_access(f, tagged(f, va, h), rnd_acc(), rnd_el(), NULL, false,
			     "random");
	}
	/* Anywhere: mostly beyond the VA ranges (no walk at all). */
	check_access(f, rnd() & vmask, rnd_acc(), rnd_el(), NULL, false, "any");
}

static int sweep_setup(void **state)
{
	struct fp *f = calloc(1, sizeof(*f));

	tt_init(&f->t);
	f->host = s2_physmem_va(f->t.pm, TT_MEM_BASE, TT_MEM_SIZE);
	f->t.next = AREA_BASE;
	s2_mmu_regime_init(&f->rc);
	trap_fp = f;
	*state = f;
	return 0;
}

static int sweep_teardown(void **state)
{
	struct fp *f = *state;

	trap_fp = NULL;
	tt_fini(&f->t);
	free(f);
	return 0;
}

static void fast_path_sweep(void **state)
{
	struct fp *f = *state;
	struct fast_count c0 = fast_now(), c;
	const char *env = getenv("S2MM_FASTPATH_SEED");
	unsigned n, ncfg = NCFG;

	/* Another seed (and more configurations) to explore; the default is fixed. */
	f->seed = env ? strtoull(env, NULL, 0) : SEED;
	env = getenv("S2MM_FASTPATH_CONFIGS");
	if (env)
		ncfg = (unsigned)strtoul(env, NULL, 0);
	rng = f->seed;
	/* Over cmocka's handler (installed for the test): report, then fail. */
	prev_ill = signal(SIGILL, on_trap);
	for (n = 0; n < ncfg; n++) {
		build(f, n);
		run_cfg(f);
	}
	signal(SIGILL, prev_ill);
	c = fast_since(&c0);
	print_message("  seed 0x%llx: %u configs (%lu AArch32, s2 start L0/L1/L2 "
		      "%lu/%lu/%lu, %lu with faulting shared descriptors), %lu mutations\n",
		      (unsigned long long)f->seed, ncfg, f->cfg_a32, f->s2_start[0],
		      f->s2_start[1], f->s2_start[2], f->cfg_broken, f->mutations);
	print_message("  edges: root end %lu, root cut %lu, s2 table end %lu, "
		      "s1 table end %lu, tight %lu\n", f->edges[EDGE_S2ROOT_END],
		      f->edges[EDGE_S2ROOT_CUT], f->edges[EDGE_S2TABLE_END],
		      f->edges[EDGE_S1TABLE_END], f->edges[EDGE_TIGHT]);
	print_message("  %lu translations (%lu AT), %lu PA checks; faults: none %lu "
		      "trans %lu af %lu perm %lu asz %lu sea %lu\n", f->calls, f->at_ops,
		      f->oracle, f->faults[0], f->faults[1], f->faults[2], f->faults[3],
		      f->faults[4], f->faults[5]);
	print_message("  %lu translations judged by the reference walk (refwalk.c)\n",
		      f->ref_checks);
	print_message("  fast path: declined %lu, stage 1 only %lu, both stages %lu "
		      "(%lu translations of untouched mappings, all both stages)\n",
		      c.n[0], c.n[1], c.n[2], f->fast_usual);
	/* Really taken, and to the end for most: not silently bypassed. */
	assert_true(c.n[2] * 5 >= f->calls);
	assert_true(c.n[1] > 0);
	assert_true(c.n[0] > 0);
	assert_true(f->oracle >= ncfg);
	/* Every AArch64 translation (the configurations' 85%) was judged. */
	assert_true(f->ref_checks * 10 >= f->calls * 7 / 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(fast_path_answers, hand_setup, hand_teardown),
		cmocka_unit_test_setup_teardown(s2_bare_page_is_a_page, hand_setup,
						hand_teardown),
		cmocka_unit_test(fast_path_output_size),
		cmocka_unit_test(fast_path_ttst_starts),
		cmocka_unit_test_setup_teardown(fast_path_sweep, sweep_setup, sweep_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

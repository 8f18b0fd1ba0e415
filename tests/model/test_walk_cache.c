/* SPDX-License-Identifier: MIT */
/*
 * The walk caches beside the TLB (S2_WC_*) as a spec: the descriptor reads
 * a walk makes with each combination of caches warm, worked out by hand;
 * which TLBI removes which cached entries (Arm ARM D8.13); and that an
 * entry a TLBI should have removed shows as a stale translation.
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
#include <s2mm/tlb.h>

#include "tt.h"

#define RAM_IPA   0x80000000ULL
#define RAM_SIZE  (1ULL << 20)       /* holds the stage-1 tables */
#define IPA_DATA  0x10000000ULL      /* 4 data pages, each a stage-2 page */
#define PA_DATA   0x40000000ULL
#define VA_X      0x0000123456600000ULL
#define VA_Y      0x0000123456800000ULL  /* another level-3 table than X */
#define VA_Z      0x0000123456a00000ULL  /* and a third */
#define MAIR_VAL  0xffULL
#define ASID      1
#define VMID      1

#define WC_SETS 16
#define WC_WAYS 4

enum { C_S1 = 1, C_S2 = 2, C_NESTED = 4, C_TLBFETCH = 8 };

struct wworld {
	struct tt t;
	struct s2_mmu_cpu cpu;
	struct s2_mmu_regs regs;
	struct tt_geo s2, s1;
	struct s2_tlb_entry ent[64];
	struct s2_tlb tlb;
	struct s2_wc wc[S2_WC_NR];
	struct s2_wc_entry wce[S2_WC_NR][WC_SETS * WC_WAYS];
};

/*
 * The 4+4-level world of tt_world_48(): VA_X, VA_Y and VA_Z each map 4
 * pages onto IPA_DATA's, and share stage-1 tables down to level 2.
 */
static struct wworld *world_sized(unsigned caches, const uint32_t sets[S2_WC_NR],
				  const uint32_t ways[S2_WC_NR])
{
	struct wworld *w = calloc(1, sizeof(*w));

	tt_init(&w->t);
	w->cpu = s2_mmu_cpu_max;
	tt_world_48(&w->t, RAM_IPA, RAM_SIZE, &w->s2, &w->s1, &w->regs);
	w->regs.mair_el1 = MAIR_VAL;
	w->regs.vttbr_el2 |= (uint64_t)VMID << VTTBR_EL2_VMID_SHIFT;
	w->regs.ttbr0_el1 |= (uint64_t)ASID << TTBR_ASID_SHIFT;
	for (uint64_t i = 0; i < 4; i++) {
		tt_set(&w->t, &w->s2, IPA_DATA + i * 4096, 3,
		       s2_leaf(PA_DATA + i * 4096, 3, 0xf, 0, 3));
		tt_set(&w->t, &w->s1, VA_X + i * 4096, 3,
		       s1_leaf(IPA_DATA + i * 4096, 0, 0, S1_DESC_NG, 3));
		tt_set(&w->t, &w->s1, VA_Y + i * 4096, 3,
		       s1_leaf(IPA_DATA + i * 4096, 0, 0, S1_DESC_NG, 3));
		tt_set(&w->t, &w->s1, VA_Z + i * 4096, 3,
		       s1_leaf(IPA_DATA + i * 4096, 0, 0, S1_DESC_NG, 3));
	}
	assert_true(w->t.next <= w->s1.off + RAM_IPA + RAM_SIZE);
	assert_int_equal(s2_tlb_init(&w->tlb, w->ent, 16, 4), 0);
	s2_tlb_set_check_stale(&w->tlb, true);
	s2_tlb_set_s2_fetch(&w->tlb, caches & C_TLBFETCH);
	for (unsigned t = 0; t < S2_WC_NR; t++)
		if (caches & (1u << t))
			assert_int_equal(s2_tlb_walk_cache(&w->tlb, t, &w->wc[t], w->wce[t],
							   sets[t], ways[t],
							   S2_WC_ROUND_ROBIN), 0);
	return w;
}

static struct wworld *world(unsigned caches)
{
	static const uint32_t sets[S2_WC_NR] = { WC_SETS, WC_SETS, WC_SETS };
	static const uint32_t ways[S2_WC_NR] = { WC_WAYS, WC_WAYS, WC_WAYS };

	return world_sized(caches, sets, ways);
}

static void world_free(struct wworld *w)
{
	tt_fini(&w->t);
	free(w);
}

static struct s2_mmu_result xlate(struct wworld *w, uint64_t va)
{
	struct s2_mmu_access a = { va, S2_MMU_READ, 1 };
	struct s2_mmu_result r;

	assert_int_equal(s2_tlb_translate(&w->tlb, &w->t.mem, &w->cpu, &w->regs,
					  &a, &r), 0);
	return r;
}

static void tlbi(struct wworld *w, unsigned op, uint16_t vmid, uint64_t addr,
		 uint16_t asid)
{
	struct s2_tlbi t = { (uint8_t)op, vmid, addr, asid };

	assert_int_equal(s2_tlb_tlbi(&w->tlb, &t), 0);
}

/*
 * The closed forms. A cold 4+4 walk reads 24 descriptors: 4 stage-1
 * levels, each fetch translated by a 4-level stage-2 walk first
 * (4 x (4 + 1)), and the final IPA's 4 levels. With the stage-2 walk
 * cache it reads 14: the first fetch (4 + 1) fills the level-2 descriptor
 * that covers every stage-1 table page (they share 1 MiB of RAM), so the
 * next three fetches read 1 + 1 each, and the final IPA shares only the
 * level-0 descriptor with them: 3. The next page
 * (same stage-1 tables, another stage-2 leaf, a TLB miss) then reads
 *   s1 x (1 + fetch) + final
 * with s1 = 1 when the stage-1 walk cache holds the level-2 table
 * descriptor (else 4), fetch = 0 when the nested TLB (or the TLB's own
 * stage-2 entries) translate the fetch, else 1 with the stage-2 walk cache
 * holding the level-2 descriptor and 4 without, and final = 1 or 4 the
 * same way: from 24 (nothing) down to 2 (everything).
 */
static void closed_forms_4_4(void **state)
{
	(void)state;
	for (unsigned caches = 0; caches < 16; caches++) {
		struct wworld *w = world(caches);
		unsigned s1 = caches & C_S1 ? 1 : 4;
		unsigned s2 = caches & C_S2 ? 1 : 4;
		unsigned fetch = caches & (C_NESTED | C_TLBFETCH) ? 0 : s2;
		struct s2_mmu_result r = xlate(w, VA_X);

		assert_int_equal(r.fault.type, 0);
		assert_int_equal(r.pa, PA_DATA);
		assert_int_equal(r.desc_reads, caches & C_S2 ? 5 + 3 * 2 + 3 : 24);
		r = xlate(w, VA_X + 4096);
		assert_int_equal(r.fault.type, 0);
		assert_false(r.tlb_hit);
		assert_false(r.stale);
		assert_int_equal(r.pa, PA_DATA + 4096);
		assert_int_equal(r.desc_reads, s1 * (1 + fetch) + s2);
		/* And what the counters say of it. */
		if (caches & C_S1) {
			assert_int_equal(w->wc[S2_WC_S1].stats.lookups, 2);
			assert_int_equal(w->wc[S2_WC_S1].stats.hits[2 + 1], 1);
			assert_int_equal(w->wc[S2_WC_S1].stats.fills, 3);
		}
		if (caches & C_NESTED) {
			/* The four table pages, each a stage-2 page. */
			assert_int_equal(w->wc[S2_WC_NESTED].stats.fills, 4);
			assert_int_equal(w->wc[S2_WC_NESTED].stats.hits[3 + 1], s1);
			assert_int_equal(w->tlb.stats.walk_s2_hits, s1);
		}
		if (caches & C_S2) {
			/* The cold walk's 3 fetches and final IPA, then this one's. */
			assert_int_equal(w->wc[S2_WC_S2].stats.hits[2 + 1],
					 3 + 1 + (fetch ? s1 : 0));
			assert_int_equal(w->wc[S2_WC_S2].stats.hits[0 + 1], 1);
		}
		world_free(w);
	}
}

/*
 * 19: a 3-level stage 2 (40-bit IPA, level 1 start, two concatenated
 * tables) under a 4-level stage 1: 4 x (3 + 1) + 3. With every cache on,
 * cold: 13 (3 + 1, then 3 x (1 + 1) through the stage-2 walk cache's
 * level-2 descriptor, then the final IPA's 3, which shares no level-1
 * descriptor with the tables); warm, the next page reads 2, as in the
 * 4+4 world.
 */
static void closed_forms_19(void **state)
{
	(void)state;
	struct wworld *w = world(0);
	struct s2_mmu_result r;

	tt_fini(&w->t);
	tt_init(&w->t);
	w->s2 = (struct tt_geo){ 12, 1, 40, tt_alloc(&w->t, 8192), 0 };
	{
		uint64_t ram_pa = (w->t.next + RAM_SIZE - 1) & ~(RAM_SIZE - 1);

		w->t.next = ram_pa;
		for (uint64_t i = 0; i < RAM_SIZE; i += 4096)
			tt_set(&w->t, &w->s2, RAM_IPA + i, 3,
			       s2_leaf(ram_pa + i, 3, 0xf, 0, 3));
		w->s1 = (struct tt_geo){ 12, 0, 48, tt_alloc(&w->t, 4096),
					 ram_pa - RAM_IPA };
	}
	for (uint64_t i = 0; i < 2; i++) {
		tt_set(&w->t, &w->s2, IPA_DATA + i * 4096, 3,
		       s2_leaf(PA_DATA + i * 4096, 3, 0xf, 0, 3));
		tt_set(&w->t, &w->s1, VA_X + i * 4096, 3,
		       s1_leaf(IPA_DATA + i * 4096, 0, 0, 0, 3));
	}
	/* T0SZ = 24 (40 bits), SL0 = 1 (level 1), 4K, PS = 40 bits. */
	w->regs.vtcr_el2 = 24 | (1 << 6) | (2ULL << 16) | VTCR_EL2_RES1;
	w->regs.vttbr_el2 = w->s2.root;
	w->regs.ttbr0_el1 = w->s1.root - w->s1.off;
	r = xlate(w, VA_X);
	assert_int_equal(r.fault.type, 0);
	assert_int_equal(r.desc_reads, 19);
	for (unsigned t = 0; t < S2_WC_NR; t++)
		assert_int_equal(s2_tlb_walk_cache(&w->tlb, t, &w->wc[t], w->wce[t],
						   WC_SETS, WC_WAYS, S2_WC_LRU), 0);
	tlbi(w, S2_TLBI_VMALLS12E1, 0, 0, 0);
	r = xlate(w, VA_X);
	assert_int_equal(r.desc_reads, 13);
	r = xlate(w, VA_X + 4096);
	assert_int_equal(r.pa, PA_DATA + 4096);
	assert_int_equal(r.desc_reads, 2);
	world_free(w);
}

/* DS=1: descriptor bits [9:8] are OA[51:50], not SH. */
#define DS_SH (3ULL << DESC_SH_SHIFT)

/*
 * @w's tables afresh for FEAT_LPA2 (DS=1) at both stages: a 52-bit IPA
 * space from level -1 (VTCR_EL2: T0SZ = 12, SL2:SL0 = 0b100, 4K, PS = 52
 * bits) mapping the stage-1 tables' RAM, and an empty 52-bit stage-1
 * start table. The caller maps, and sets VTTBR_EL2 and TCR_EL1.
 * Returns the RAM's PA.
 */
static uint64_t lpa2_tables(struct wworld *w)
{
	uint64_t ram_pa;

	tt_fini(&w->t);
	tt_init(&w->t);
	w->s2 = (struct tt_geo){ 12, -1, 52, tt_alloc(&w->t, 4096), 0 };
	ram_pa = (w->t.next + RAM_SIZE - 1) & ~(RAM_SIZE - 1);
	w->t.next = ram_pa;
	for (uint64_t i = 0; i < RAM_SIZE; i += 4096)
		tt_set(&w->t, &w->s2, RAM_IPA + i, 3, s2_leaf(ram_pa + i, 3, 0xf, 0, 3) & ~DS_SH);
	w->s1 = (struct tt_geo){ 12, -1, 52, tt_alloc(&w->t, 4096), ram_pa - RAM_IPA };
	w->regs.vtcr_el2 = 12 | (6ULL << 16) | VTCR_EL2_DS | VTCR_EL2_SL2 | VTCR_EL2_RES1;
	return ram_pa;
}

/*
 * 35: 5+5 levels, 52-bit VA and IPA with FEAT_LPA2 (both stages start at
 * level -1): 5 x (5 + 1) + 5 cold with no cache. With every cache on,
 * cold: 17 ((5 + 1), then 4 x (1 + 1) through the stage-2 walk cache's
 * level-2 descriptor, then the final IPA's 3 below the level-0 descriptor
 * it shares with the tables); the next page reads 2.
 */
static void closed_forms_35(void **state)
{
	(void)state;
	const uint64_t sh = DS_SH;

	for (unsigned cached = 0; cached < 2; cached++) {
		struct wworld *w = world(cached ? C_S1 | C_S2 | C_NESTED : 0);
		struct s2_mmu_result r;
		uint64_t ram_pa = lpa2_tables(w), va = 0x000f123456600000ULL;

		for (uint64_t i = 0; i < 2; i++) {
			tt_set(&w->t, &w->s2, IPA_DATA + i * 4096, 3,
			       s2_leaf(PA_DATA + i * 4096, 3, 0xf, 0, 3) & ~sh);
			tt_set(&w->t, &w->s1, va + i * 4096, 3,
			       s1_leaf(IPA_DATA + i * 4096, 0, 0, 0, 3) & ~sh);
		}
		assert_true(w->t.next <= ram_pa + RAM_SIZE);
		w->regs.vttbr_el2 = w->s2.root;
		w->regs.tcr_el1 = 12 | (6ULL << TCR_EL1_IPS_SHIFT) | TCR_EL1_DS |
				  TCR_EL1_EPD1;
		w->regs.ttbr0_el1 = w->s1.root - w->s1.off;
		r = xlate(w, va);
		assert_int_equal(r.fault.type, 0);
		assert_int_equal(r.pa, PA_DATA);
		assert_int_equal(r.desc_reads, cached ? 6 + 4 * 2 + 3 : 35);
		r = xlate(w, va + 4096);
		assert_int_equal(r.fault.type, 0);
		assert_int_equal(r.pa, PA_DATA + 4096);
		assert_int_equal(r.desc_reads, cached ? 2 : 35);
		world_free(w);
	}
}

/*
 * A TLBI by VA reaches a TTBR1 walk's level -1 entry (FEAT_LPA2, 52-bit
 * VA: the entry's tag holds VA[55:48]) in a stage-1 walk cache of 256
 * sets, where VA[55] picks the set: the TLBI must index the set with the
 * VA's bit 55 as the fill did (bits [63:56] are TBI's), or the entry
 * stays. Each level's entry goes, and the next walk reads all five
 * stage-1 levels again.
 */
static void tlbi_by_va_reaches_ttbr1_level_minus1(void **state)
{
	(void)state;
	const uint64_t sh = DS_SH;
	static struct s2_wc_entry big[256];
	struct wworld *w = world(C_S2 | C_NESTED);
	struct s2_mmu_result r;
	uint64_t va = 0xfff0123456600000ULL;
	unsigned held = 0;

	lpa2_tables(w);
	tt_set(&w->t, &w->s2, IPA_DATA, 3, s2_leaf(PA_DATA, 3, 0xf, 0, 3) & ~sh);
	tt_set(&w->t, &w->s1, va, 3, s1_leaf(IPA_DATA, 0, 0, 0, 3) & ~sh);
	w->regs.vttbr_el2 = w->s2.root | (uint64_t)VMID << VTTBR_EL2_VMID_SHIFT;
	/* TCR: T1SZ = 12, TG1 4K, EPD0: TTBR1's 52-bit half only. */
	w->regs.tcr_el1 = 12ULL << TCR_EL1_T1SZ_SHIFT | TCR_EL1_TG1_4K << TCR_EL1_TG1_SHIFT |
			  (6ULL << TCR_EL1_IPS_SHIFT) | TCR_EL1_DS | TCR_EL1_EPD0;
	w->regs.ttbr1_el1 = (w->s1.root - w->s1.off) | (uint64_t)ASID << TTBR_ASID_SHIFT;
	assert_int_equal(s2_tlb_walk_cache(&w->tlb, S2_WC_S1, &w->wc[S2_WC_S1], big, 256, 1,
					   S2_WC_ROUND_ROBIN), 0);
	r = xlate(w, va);
	assert_int_equal(r.fault.type, 0);
	assert_int_equal(r.pa, PA_DATA);
	for (unsigned i = 0; i < 256; i++)
		held += big[i].valid && big[i].level == -1;
	assert_int_equal(held, 1);
	tlbi(w, S2_TLBI_VAE1, VMID, va, ASID);
	for (unsigned i = 0; i < 256; i++)
		assert_false(big[i].valid);
	r = xlate(w, va + 8);
	assert_int_equal(r.fault.type, 0);
	assert_int_equal(w->wc[S2_WC_S1].stats.misses, 2);
	assert_int_equal(w->tlb.stats.stale_hits, 0);
	world_free(w);
}

/* Which caches TLBI @op (on VMID_ @vmid, at @addr, ASID @asid) empties. */
struct reach {
	uint8_t op;
	uint16_t vmid, asid;
	uint64_t addr;
	bool s1, s2, nested;
};

/*
 * D8.13's reach into the walk caches. Each cache holds entries for VA_X's
 * walk; the IPA operations name a stage-1 table page's IPA (the stage-2
 * walk cache and the nested TLB hold it), the VA ones VA_X.
 */
static void tlbi_reach(void **state)
{
	(void)state;
	struct wworld *probe = world(0);
	/* The level-0 table page: the first the walk fetches. */
	uint64_t tbl_ipa = probe->s1.root - probe->s1.off;
	const struct reach table[] = {
		{ S2_TLBI_ALLE1, 7, 0, 0, true, true, true },
		{ S2_TLBI_VMALLS12E1, VMID, 0, 0, true, true, true },
		{ S2_TLBI_VMALLS12E1, 2, 0, 0, false, false, false },
		{ S2_TLBI_VMALLE1, VMID, 0, 0, true, false, false },
		{ S2_TLBI_IPAS2E1, VMID, 0, tbl_ipa, false, true, true },
		{ S2_TLBI_IPAS2E1, 2, 0, tbl_ipa, false, false, false },
		{ S2_TLBI_IPAS2E1, VMID, 0, IPA_DATA + (1ULL << 40), false, false, false },
		{ S2_TLBI_IPAS2LE1, VMID, 0, tbl_ipa, false, false, true },
		{ S2_TLBI_VAE1, VMID, ASID, VA_X, true, false, false },
		{ S2_TLBI_VAE1, VMID, ASID + 1, VA_X, false, false, false },
		{ S2_TLBI_VAE1, VMID, ASID, VA_X ^ (1ULL << 47), false, false, false },
		{ S2_TLBI_VAE1, 2, ASID, VA_X, false, false, false },
		{ S2_TLBI_VALE1, VMID, ASID, VA_X, false, false, false },
		{ S2_TLBI_VAAE1, VMID, 9, VA_X, true, false, false },
		{ S2_TLBI_VAALE1, VMID, 9, VA_X, false, false, false },
		{ S2_TLBI_ASIDE1, VMID, ASID, 0, true, false, false },
		{ S2_TLBI_ASIDE1, VMID, ASID + 1, 0, false, false, false },
	};

	world_free(probe);
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		const struct reach *t = &table[i];
		struct wworld *w = world(C_S1 | C_S2 | C_NESTED);
		bool want[S2_WC_NR] = { t->s1, t->s2, t->nested };

		xlate(w, VA_X);
		tlbi(w, t->op, t->vmid, t->addr, t->asid);
		for (unsigned c = 0; c < S2_WC_NR; c++) {
			assert_true(w->wc[c].stats.fills > 0);
			assert_int_equal(w->wc[c].stats.invalidated > 0, want[c]);
		}
		world_free(w);
	}
}

/*
 * A stage-1 table descriptor changed without the TLBI that reaches the
 * walk cache: VALE1 (last level) leaves the cached level-2 descriptor, the
 * walk goes to the old level-3 table and the stale check sees it; VAE1
 * removes it.
 */
static void stale_s1_table(void **state)
{
	(void)state;
	struct wworld *w = world(C_S1 | C_S2 | C_NESTED);
	uint64_t l2 = tt_slot(&w->t, &w->s1, VA_X, 2);
	uint64_t l3 = tt_alloc(&w->t, 4096);
	struct s2_mmu_result r;

	xlate(w, VA_X);
	/* A new level-3 table mapping VA_X's pages one page further on. */
	assert_true(l3 < w->s1.off + RAM_IPA + RAM_SIZE);
	for (uint64_t i = 0; i < 3; i++)
		tt_wr(&w->t, l3 + ((VA_X >> 12) & 511) * 8 + i * 8,
		      s1_leaf(IPA_DATA + (i + 1) * 4096, 0, 0, S1_DESC_NG, 3));
	tt_wr(&w->t, l2, (l3 - w->s1.off) | DESC_TYPE_TABLE);
	tlbi(w, S2_TLBI_VALE1, VMID, VA_X + 4096, ASID);
	r = xlate(w, VA_X + 4096);
	assert_true(r.stale);
	assert_int_equal(r.pa, PA_DATA + 4096);   /* the old table's */
	assert_int_equal(w->tlb.stats.stale_hits, 1);
	tlbi(w, S2_TLBI_VAE1, VMID, VA_X + 8192, ASID);
	r = xlate(w, VA_X + 8192);
	assert_false(r.stale);
	assert_int_equal(r.pa, PA_DATA + 3 * 4096);
	assert_int_equal(w->tlb.stats.stale_hits, 1);
	world_free(w);
}

/*
 * A stage-1 walk cache hit restores the table bits of the descriptors
 * above it (APTable, UXNTable, PXNTable: AArch64.S1Walk accumulates them
 * for the leaf's permissions): APTable[1] on VA_X's level-1 table
 * descriptor takes write away from the next page too, whose walk starts
 * below the cached level-2 table descriptor.
 */
static void s1_table_bits(void **state)
{
	(void)state;
	struct wworld *w = world(C_S1);
	uint64_t l1 = tt_slot(&w->t, &w->s1, VA_X, 1);
	struct s2_mmu_result r;

	tt_wr(&w->t, l1, tt_rd(&w->t, l1) | 1ULL << 62);
	r = xlate(w, VA_X);
	assert_int_equal(r.s1_perm & (S2_MMU_PERM_R1 | S2_MMU_PERM_W1), S2_MMU_PERM_R1);
	r = xlate(w, VA_X + 4096);
	assert_false(r.tlb_hit);
	assert_int_equal(r.desc_reads, 1 + 4 + 4);
	assert_int_equal(r.s1_perm & (S2_MMU_PERM_R1 | S2_MMU_PERM_W1), S2_MMU_PERM_R1);
	assert_false(r.stale);
	world_free(w);
}

/*
 * A stage-2 table descriptor replaced (the data pages' level-3 table):
 * IPAS2LE1 leaves the stage-2 walk cache's level-2 entry; IPAS2E1 removes
 * it. VALE1 drops the combined entry each time, so the access walks.
 */
static void stale_s2_table(void **state)
{
	(void)state;
	struct wworld *w = world(C_S1 | C_S2 | C_NESTED);
	uint64_t l2 = tt_slot(&w->t, &w->s2, IPA_DATA, 2);
	uint64_t l3 = tt_alloc(&w->t, 4096);
	struct s2_mmu_result r;

	xlate(w, VA_X);
	for (uint64_t i = 0; i < 4; i++)
		tt_wr(&w->t, l3 + ((IPA_DATA >> 12) & 511) * 8 + i * 8,
		      s2_leaf(PA_DATA + 0x100000 + i * 4096, 3, 0xf, 0, 3));
	tt_wr(&w->t, l2, l3 | DESC_TYPE_TABLE);
	tlbi(w, S2_TLBI_IPAS2LE1, VMID, IPA_DATA + 4096, 0);
	tlbi(w, S2_TLBI_VALE1, VMID, VA_X + 4096, ASID);
	r = xlate(w, VA_X + 4096);
	assert_true(r.stale);
	assert_int_equal(r.pa, PA_DATA + 4096);
	tlbi(w, S2_TLBI_IPAS2E1, VMID, IPA_DATA + 8192, 0);
	r = xlate(w, VA_X + 8192);
	assert_false(r.stale);
	assert_int_equal(r.pa, PA_DATA + 0x100000 + 8192);
	world_free(w);
}

/*
 * A stage-1 table page moved in stage 2 (its IPA now maps a copy whose
 * level-3 entries differ): VMALLE1, a stage-1 operation, leaves the nested
 * TLB's entry and the stale check sees the old copy read; IPAS2LE1 of the
 * table page's IPA removes it.
 */
static void stale_nested(void **state)
{
	(void)state;
	struct wworld *w = world(C_S1 | C_NESTED);
	uint64_t slot = tt_slot(&w->t, &w->s1, VA_X, 3);
	uint64_t page = slot & ~0xfffULL, copy = tt_alloc(&w->t, 4096);
	uint64_t ipa = page - w->s1.off;
	struct s2_mmu_result r;

	xlate(w, VA_X);
	for (uint64_t i = 0; i < 512; i++)
		tt_wr(&w->t, copy + i * 8, tt_rd(&w->t, page + i * 8));
	tt_wr(&w->t, copy + (slot & 0xfff) + 8,
	      s1_leaf(IPA_DATA + 3 * 4096, 0, 0, S1_DESC_NG, 3));
	tt_set(&w->t, &w->s2, ipa, 3, s2_leaf(copy, 3, 0xf, 0, 3));
	tlbi(w, S2_TLBI_VMALLE1, VMID, 0, 0);
	r = xlate(w, VA_X + 4096);
	assert_true(r.stale);
	assert_int_equal(r.pa, PA_DATA + 4096);
	tlbi(w, S2_TLBI_IPAS2LE1, VMID, ipa, 0);
	tlbi(w, S2_TLBI_VMALLE1, VMID, 0, 0);
	r = xlate(w, VA_X + 4096);
	assert_false(r.stale);
	assert_int_equal(r.pa, PA_DATA + 3 * 4096);
	world_free(w);
}

/* Entries are tagged: another ASID or VMID does not hit them. */
static void tags(void **state)
{
	(void)state;
	struct wworld *w = world(C_S1 | C_S2 | C_NESTED);
	struct s2_mmu_result r;

	xlate(w, VA_X);
	w->regs.ttbr0_el1 += 1ULL << TTBR_ASID_SHIFT;
	r = xlate(w, VA_X + 4096);
	/* Stage 1 walks from the root again; stage 2's caches still serve. */
	assert_int_equal(w->wc[S2_WC_S1].stats.misses, 2);
	assert_int_equal(r.desc_reads, 4 + 1);
	/* Another VMID: cold, as closed_forms_4_4() counts it. */
	w->regs.vttbr_el2 += 1ULL << VTTBR_EL2_VMID_SHIFT;
	r = xlate(w, VA_X + 8192);
	assert_int_equal(r.desc_reads, 5 + 3 * 2 + 3);
	world_free(w);
}

/*
 * Replacement: a nested TLB of one set of 2 ways, the stage-1 walk cache
 * on, so each later walk fetches only its level-2 and level-3 tables.
 * After X's walk (fills P0, P1, P2, TX) the set holds {P2, TX}; Y's walk
 * hits P2 and fills TY, evicting P2 under round robin (the cursor), TX
 * under LRU. X's next page then finds TX only under round robin.
 */
static void replacement(void **state)
{
	(void)state;
	for (unsigned lru = 0; lru < 2; lru++) {
		struct wworld *w = world(C_S1);
		struct s2_mmu_result r;

		assert_int_equal(s2_tlb_walk_cache(&w->tlb, S2_WC_NESTED,
						   &w->wc[S2_WC_NESTED],
						   w->wce[S2_WC_NESTED], 1, 2,
						   lru ? S2_WC_LRU : S2_WC_ROUND_ROBIN), 0);
		xlate(w, VA_X);
		r = xlate(w, VA_Y);
		/* Level 2 (P2 hit) and level 3 (TY: 4 + 1), final 4. */
		assert_int_equal(r.desc_reads, 1 + 5 + 4);
		r = xlate(w, VA_X + 4096);
		assert_int_equal(r.desc_reads, lru ? 5 + 4 : 1 + 4);
		assert_int_equal(w->wc[S2_WC_NESTED].stats.evictions, lru ? 4 : 3);
		world_free(w);
	}
}

/* Bad arguments are refused and leave the TLB as it was. */
static void bad_args(void **state)
{
	(void)state;
	struct wworld *w = world(C_S1);
	struct s2_wc wc;

	assert_int_equal(s2_tlb_walk_cache(NULL, S2_WC_S1, &wc, w->wce[0], 1, 1, 0), -S2_EINVAL);
	assert_int_equal(s2_tlb_walk_cache(&w->tlb, S2_WC_NR, &wc, w->wce[0], 1, 1, 0), -S2_EINVAL);
	assert_int_equal(s2_tlb_walk_cache(&w->tlb, S2_WC_S2, &wc, NULL, 1, 1, 0), -S2_EINVAL);
	assert_int_equal(s2_tlb_walk_cache(&w->tlb, S2_WC_S2, &wc, w->wce[1], 3, 1, 0), -S2_EINVAL);
	assert_int_equal(s2_tlb_walk_cache(&w->tlb, S2_WC_S2, &wc, w->wce[1], 0, 1, 0), -S2_EINVAL);
	assert_int_equal(s2_tlb_walk_cache(&w->tlb, S2_WC_S2, &wc, w->wce[1], 1, 0, 0), -S2_EINVAL);
	assert_int_equal(s2_tlb_walk_cache(&w->tlb, S2_WC_S2, &wc, w->wce[1], 1, 1,
					   S2_WC_REPL_NR), -S2_EINVAL);
	assert_null(w->tlb.wc[S2_WC_S2]);
	assert_ptr_equal(w->tlb.wc[S2_WC_S1], &w->wc[S2_WC_S1]);
	/* Off again: the walk reads what an uncached one does. */
	assert_int_equal(s2_tlb_walk_cache(&w->tlb, S2_WC_S1, NULL, NULL, 0, 0, 0), 0);
	xlate(w, VA_X);
	assert_int_equal(xlate(w, VA_X + 4096).desc_reads, 24);
	assert_int_equal(w->wc[S2_WC_S1].stats.lookups, 0);
	world_free(w);
}

/*
 * The caller's storage may hold anything: setting a cache up empties it
 * (a cold walk evicts nothing), and resetting the counters zeroes those
 * of every cache the TLB has, and only those.
 */
static void storage_and_reset(void **state)
{
	(void)state;
	struct wworld *w = world(0);

	memset(w->wce, 0xa5, sizeof(w->wce));
	for (unsigned t = S2_WC_S2; t < S2_WC_NR; t++)
		assert_int_equal(s2_tlb_walk_cache(&w->tlb, t, &w->wc[t], w->wce[t],
						   4, 4, S2_WC_LRU), 0);
	assert_int_equal(xlate(w, VA_X).desc_reads, 5 + 3 * 2 + 3);
	for (unsigned t = S2_WC_S2; t < S2_WC_NR; t++) {
		assert_int_equal(w->wc[t].stats.evictions, 0);
		assert_true(w->wc[t].stats.fills > 0);
	}
	w->wc[S2_WC_S1].stats.fills = 7;   /* not the TLB's: untouched */
	s2_tlb_stats_reset(&w->tlb);
	assert_int_equal(w->tlb.stats.walks, 0);
	for (unsigned t = S2_WC_S2; t < S2_WC_NR; t++)
		assert_int_equal(w->wc[t].stats.fills, 0);
	assert_int_equal(w->wc[S2_WC_S1].stats.fills, 7);
	world_free(w);
}

/* Valid entries of VMID @vmid in cache @t. */
static unsigned wc_held(const struct wworld *w, unsigned t, uint16_t vmid)
{
	unsigned n = 0;

	for (unsigned i = 0; i < WC_SETS * WC_WAYS; i++)
		n += w->wce[t][i].valid && w->wce[t][i].vmid == vmid;
	return n;
}

/* Translate @va under VMID @vmid. */
static void xlate_vmid(struct wworld *w, uint64_t va, uint16_t vmid)
{
	w->regs.vttbr_el2 = (w->regs.vttbr_el2 & ~(0xffffULL << VTTBR_EL2_VMID_SHIFT)) |
			    (uint64_t)vmid << VTTBR_EL2_VMID_SHIFT;
	assert_int_equal(xlate(w, va).fault.type, S2_MMU_FAULT_NONE);
}

/*
 * VMALLE1 looks only at the stage-1 walk cache's slots filled since its
 * last whole scan when they hold every entry of its VMID (the fill log):
 * it must still remove every entry of the VMID, filled before another
 * VMID's VMALLE1 or after more fills than the log holds, and no other.
 */
static void vmalle1_reaches_every_fill(void **state)
{
	struct wworld *w = world(C_S1 | C_NESTED);

	(void)state;
	xlate_vmid(w, VA_X, VMID);
	xlate_vmid(w, VA_Y, 2);
	assert_int_equal(wc_held(w, S2_WC_S1, VMID), 3);
	tlbi(w, S2_TLBI_VMALLE1, VMID, 0, 0);
	assert_int_equal(wc_held(w, S2_WC_S1, VMID), 0);
	assert_int_equal(wc_held(w, S2_WC_S1, 2), 3);
	assert_int_equal(wc_held(w, S2_WC_NESTED, VMID), 4);

	/* Filled before another VMID's VMALLE1. */
	xlate_vmid(w, VA_X + 4096, VMID);
	tlbi(w, S2_TLBI_VMALLE1, 2, 0, 0);
	assert_int_equal(wc_held(w, S2_WC_S1, VMID), 3);
	tlbi(w, S2_TLBI_VMALLE1, VMID, 0, 0);
	assert_int_equal(wc_held(w, S2_WC_S1, VMID), 0);

	/* Filled after 9 fills of other VMIDs: past the log. */
	for (uint16_t v = 3; v < 6; v++)
		xlate_vmid(w, VA_Y, v);
	xlate_vmid(w, VA_Z, VMID);
	assert_int_equal(wc_held(w, S2_WC_S1, VMID), 3);
	tlbi(w, S2_TLBI_VMALLE1, VMID, 0, 0);
	assert_int_equal(wc_held(w, S2_WC_S1, VMID), 0);
	for (uint16_t v = 3; v < 6; v++)
		assert_int_equal(wc_held(w, S2_WC_S1, v), 3);
	assert_int_equal(w->tlb.stats.stale_hits, 0);
	world_free(w);
}

/*
 * The checked model's count of s2_model_walk2d_cached()'s answers, by
 * return value (weak: absent from the model the other tests link).
 */
extern unsigned long s2_model_cached_walks[3] __attribute__((weak));

/*
 * Walks the warm caches serve read what the closed forms say, with or
 * without the stage-2 walk cache for the final IPA, and give the tables'
 * translation. In the checked build each is compared with the general
 * cached walk (caches and counters included): here they must have been
 * taken (2: both stages, 1: stage 1 only) and declined (0) where the
 * caches lack something.
 */
static void warm_walks_are_fast(void **state)
{
	unsigned long n[3] = { 0 };
	bool checked = s2_model_cached_walks != NULL;

	(void)state;
	if (checked)
		memcpy(n, s2_model_cached_walks, sizeof(n));
	for (unsigned wc2 = 0; wc2 < 2; wc2++) {
		struct wworld *w = world(C_S1 | C_NESTED | (wc2 ? C_S2 : 0));
		struct s2_mmu_result r = xlate(w, VA_X);

		assert_int_equal(r.desc_reads, wc2 ? 14 : 24);
		for (uint64_t i = 1; i < 4; i++) {
			r = xlate(w, VA_X + i * 4096);
			assert_int_equal(r.fault.type, S2_MMU_FAULT_NONE);
			assert_int_equal(r.pa, PA_DATA + i * 4096);
			assert_int_equal(r.desc_reads, wc2 ? 2 : 5);
		}
		/* Another level-3 table: its page is not in the nested TLB. */
		r = xlate(w, VA_Y);
		assert_int_equal(r.pa, PA_DATA);
		assert_int_equal(w->tlb.stats.stale_hits, 0);
		world_free(w);
	}
	if (checked) {
		assert_true(s2_model_cached_walks[2] >= n[2] + 3);
		assert_true(s2_model_cached_walks[1] >= n[1] + 3);
		assert_true(s2_model_cached_walks[0] >= n[0] + 2);
	}
}

/*
 * Walks the stage-1 walk cache serves from above level 2 take the cached
 * walk too, its general loop: after VMALLE1 (which leaves the nested TLB
 * and the stage-2 walk cache) a walk starts at level 0 and fetches all
 * four levels through the nested TLB (4 reads, the final IPA from the
 * stage-2 walk cache's level-2 entry: 1), filling levels 0 to 2; VA_Y,
 * which shares X's tables down to level 2, then hits the level-1 entry
 * (2 + 1), and its next page the level-2 one (1 + 1). Each is served
 * (checked build: counted 2), the same as the general walk's.
 */
static void cold_walks_are_cached(void **state)
{
	struct wworld *w = world(C_S1 | C_S2 | C_NESTED);
	static const struct { uint64_t va; uint32_t reads; } walk[] = {
		{ VA_X + 4096, 5 }, { VA_Y + 4096, 3 }, { VA_Y + 2 * 4096, 2 },
	};
	unsigned long n[3] = { 0 };
	bool checked = s2_model_cached_walks != NULL;
	struct s2_wc_stats s1;
	struct s2_mmu_result r;

	(void)state;
	xlate(w, VA_X);
	/* Y's level-3 table page into the nested TLB. */
	xlate(w, VA_Y);
	tlbi(w, S2_TLBI_VMALLE1, VMID, 0, 0);
	s1 = w->wc[S2_WC_S1].stats;
	if (checked)
		memcpy(n, s2_model_cached_walks, sizeof(n));
	for (unsigned i = 0; i < 3; i++) {
		r = xlate(w, walk[i].va);
		assert_int_equal(r.fault.type, S2_MMU_FAULT_NONE);
		assert_int_equal(r.pa, PA_DATA + (walk[i].va & 0xffff));
		assert_int_equal(r.desc_reads, walk[i].reads);
	}
	/* The stage-1 walk cache: a miss, a level-1 hit, a level-2 hit. */
	assert_int_equal(w->wc[S2_WC_S1].stats.misses, s1.misses + 1);
	assert_int_equal(w->wc[S2_WC_S1].stats.hits[1 + 1], s1.hits[1 + 1] + 1);
	assert_int_equal(w->wc[S2_WC_S1].stats.hits[2 + 1], s1.hits[2 + 1] + 1);
	assert_int_equal(w->tlb.stats.stale_hits, 0);
	if (checked) {
		assert_int_equal(s2_model_cached_walks[2], n[2] + 3);
		assert_int_equal(s2_model_cached_walks[0], n[0]);
	}
	world_free(w);
}

/*
 * A stage-2 walk-cache hit at level 0 whose next descriptor is a 1GB
 * block: the final stage 2 ends there (a block at level 1 with the 4KB
 * granule, AArch64.BlockDescSupported). Nothing may read on below a
 * block as if it were a table: here what such a read would find is
 * made to look like a level-2 block and a level-3 page (in a data page
 * the block maps, and a page of its own), so a walk that did would give
 * another PA.
 */
static void block_below_a_cached_table(void **state)
{
	struct wworld *w = world(C_S1 | C_S2 | C_NESTED);
	/* Level-0 index 0, level-1 index 3 (the block), level-2 index 5. */
	const uint64_t ipa_b = 0xc0a01000ULL, va_w = 0x0000123456c00000ULL;
	uint64_t decoy = tt_alloc(&w->t, 4096);
	unsigned long n[3] = { 0 };
	struct s2_mmu_result r;

	(void)state;
	/* The block: IPA 0xc0000000 + 1GB onto PA 0x40000000 (the window). */
	tt_wr(&w->t, tt_slot(&w->t, &w->s2, 0xc0000000ULL, 1),
	      s2_leaf(TT_MEM_BASE, 3, 0xf, 0, 1));
	/* Read as a table, the block's output (data page 0) at index 5. */
	tt_wr(&w->t, TT_MEM_BASE + 5 * 8, s2_leaf(decoy, 3, 0xf, 0, 2));
	tt_wr(&w->t, decoy + 1 * 8, s2_leaf(PA_DATA + 0x7000, 3, 0xf, 0, 3));
	tt_set(&w->t, &w->s1, va_w, 3, s1_leaf(ipa_b, 0, 0, S1_DESC_NG, 3));
	/*
	 * Warm: the stage-2 walk cache holds the level-0 table descriptor,
	 * the nested TLB the stage-1 table pages; VMALLE1 leaves both and
	 * sends the next access to the cached walk.
	 */
	xlate(w, VA_X);
	r = xlate(w, va_w);
	assert_int_equal(r.pa, TT_MEM_BASE + (ipa_b & 0x3fffffffULL));
	tlbi(w, S2_TLBI_VMALLE1, VMID, 0, 0);
	if (s2_model_cached_walks)
		memcpy(n, s2_model_cached_walks, sizeof(n));
	r = xlate(w, va_w + 0x10);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_NONE);
	assert_int_equal(r.pa, TT_MEM_BASE + (ipa_b & 0x3fffffffULL) + 0x10);
	assert_int_equal(r.s2_level, 1);
	assert_int_equal(w->tlb.stats.stale_hits, 0);
	/* The checked build counts the walks the cached walk served whole. */
	if (s2_model_cached_walks)
		assert_int_equal(s2_model_cached_walks[2], n[2] + 1);
	world_free(w);
}

static void assert_wc_same(const struct s2_wc *a, const struct s2_wc *b)
{
	assert_int_equal(a->stats.lookups, b->stats.lookups);
	assert_int_equal(a->stats.misses, b->stats.misses);
	assert_int_equal(a->stats.fills, b->stats.fills);
	assert_int_equal(a->stats.evictions, b->stats.evictions);
	for (unsigned l = 0; l < S2_WC_LEVELS; l++)
		assert_int_equal(a->stats.hits[l], b->stats.hits[l]);
	for (uint32_t i = 0; i < a->sets * a->ways; i++) {
		assert_int_equal(a->entries[i].tag, b->entries[i].tag);
		assert_int_equal(a->entries[i].level, b->entries[i].level);
		assert_int_equal(a->entries[i].out, b->entries[i].out);
	}
}

/*
 * Walk caches of one set and two ways (round-robin), the stage-1 walk
 * cache, the stage-2 walk cache or both: a walk that hits a table
 * descriptor above level 2 fills the next level into the slot of the very
 * entry it hit, and a walk the stage-1 walk cache misses starts at the
 * root. The VA_X pages map IPAs 2 MiB apart, so each final stage 2 hits
 * the level-1 descriptor and fills a level-2 one. Every walk must read,
 * count and fill what the general cached walk does: the same world with
 * HCR_EL2.PTW (no Device memory here, so no other answer), which the fast
 * cached walk declines.
 */
static void fills_evict_the_hit(void **state)
{
	static const unsigned tiny[] = { 1u << S2_WC_S2, 1u << S2_WC_S1,
					 (1u << S2_WC_S1) | (1u << S2_WC_S2) };

	(void)state;
	for (unsigned k = 0; k < 3; k++) {
		uint32_t sets[S2_WC_NR], ways[S2_WC_NR];
		struct wworld *w[2];

		for (unsigned t = 0; t < S2_WC_NR; t++) {
			sets[t] = tiny[k] & (1u << t) ? 1 : WC_SETS;
			ways[t] = tiny[k] & (1u << t) ? 2 : WC_WAYS;
		}
		for (unsigned g = 0; g < 2; g++) {
			w[g] = world_sized(C_S1 | C_S2 | C_NESTED, sets, ways);
			for (uint64_t i = 0; i < 4; i++) {
				tt_set(&w[g]->t, &w[g]->s2, IPA_DATA + (i << 21), 3,
				       s2_leaf(PA_DATA + i * 4096, 3, 0xf, 0, 3));
				tt_set(&w[g]->t, &w[g]->s1, VA_X + i * 4096, 3,
				       s1_leaf(IPA_DATA + (i << 21), 0, 0, S1_DESC_NG, 3));
			}
			assert_true(w[g]->t.next <= w[g]->s1.off + RAM_IPA + RAM_SIZE);
		}
		w[1]->regs.hcr_el2 |= HCR_EL2_PTW;
		for (unsigned round = 0; round < 3; round++) {
			for (uint64_t i = 0; i < 6; i++) {
				uint64_t va = i < 4 ? VA_X + i * 4096 : i == 4 ? VA_Y : VA_Z;
				struct s2_mmu_result r[2];

				for (unsigned g = 0; g < 2; g++) {
					/* Last level: the walk caches stay. */
					tlbi(w[g], S2_TLBI_VAALE1, VMID, va, 0);
					r[g] = xlate(w[g], va);
				}
				assert_int_equal(r[0].fault.type, S2_MMU_FAULT_NONE);
				assert_int_equal(r[0].pa, r[1].pa);
				assert_int_equal(r[0].desc_reads, r[1].desc_reads);
				assert_int_equal(w[0]->tlb.stats.walk_s2_hits,
						 w[1]->tlb.stats.walk_s2_hits);
			}
		}
		for (unsigned t = 0; t < S2_WC_NR; t++)
			assert_wc_same(&w[0]->wc[t], &w[1]->wc[t]);
		assert_int_equal(w[0]->tlb.stats.desc_reads, w[1]->tlb.stats.desc_reads);
		assert_int_equal(w[0]->tlb.stats.stale_hits, 0);
		world_free(w[0]);
		world_free(w[1]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(closed_forms_4_4),
		cmocka_unit_test(closed_forms_19),
		cmocka_unit_test(closed_forms_35),
		cmocka_unit_test(tlbi_by_va_reaches_ttbr1_level_minus1),
		cmocka_unit_test(tlbi_reach),
		cmocka_unit_test(stale_s1_table),
		cmocka_unit_test(s1_table_bits),
		cmocka_unit_test(stale_s2_table),
		cmocka_unit_test(stale_nested),
		cmocka_unit_test(tags),
		cmocka_unit_test(replacement),
		cmocka_unit_test(bad_args),
		cmocka_unit_test(storage_and_reset),
		cmocka_unit_test(warm_walks_are_fast),
		cmocka_unit_test(cold_walks_are_cached),
		cmocka_unit_test(block_below_a_cached_table),
		cmocka_unit_test(fills_evict_the_hit),
		cmocka_unit_test(vmalle1_reaches_every_fill),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/*
 * The TLB model as a spec: what stays cached, and which TLBI removes it.
 * A missing or too-narrow TLBI must show up as a stale translation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <s2mm/arch.h>
#include <s2mm/arch_sd.h>
#include <s2mm/error.h>
#include <s2mm/mmu.h>
#include <s2mm/tlb.h>

#include "tt.h"

#define RAM_IPA   0x80000000ULL
#define PA_DATA   0x40000000ULL
#define IPA_A     0x10000000ULL
#define VA_A      0x400000ULL
#define VA_B      0x401000ULL   /* nG page */
#define VA_TBL2   0x8000000000ULL /* walks a table page at IPA_TBL */
#define MAIR_VAL  0xff00ULL

#define NSETS 16
#define NWAYS 4

struct tworld {
	struct tt t;
	struct s2_mmu_cpu cpu;
	struct s2_mmu_regs regs;
	struct tt_geo s2, s1;
	uint64_t tbl_ipa;                       /* IPA of a stage-1 L1 table */
	struct s2_tlb_entry ent[2][NSETS * NWAYS];
	struct s2_tlb tlb[2];
	struct s2_tlb *cpus[2];
	struct s2_tlb_system sys;
};

static int tsetup(void **state)
{
	struct tworld *w = calloc(1, sizeof(*w));
	uint64_t ram_pa, i, l1;

	tt_init(&w->t);
	w->cpu = s2_mmu_cpu_cortex_a57;
	w->s2 = (struct tt_geo){ 12, 1, 40, tt_alloc(&w->t, 8192), 0 };
	ram_pa = (w->t.next + (2ULL << 20) - 1) & ~((2ULL << 20) - 1);
	w->t.next = ram_pa;
	for (i = 0; i < (8ULL << 20); i += 2ULL << 20)
		tt_set(&w->t, &w->s2, RAM_IPA + i, 2, s2_leaf(ram_pa + i, 3, 0xf, 0, 2));
	tt_set(&w->t, &w->s2, IPA_A, 3, s2_leaf(PA_DATA + 0x1000, 3, 0xf, 0, 3));
	w->s1 = (struct tt_geo){ 12, 0, 48, tt_alloc(&w->t, 4096), ram_pa - RAM_IPA };
	tt_set(&w->t, &w->s1, VA_A, 3, s1_leaf(IPA_A, 0, 1, 0, 3));
	tt_set(&w->t, &w->s1, VA_B, 3, s1_leaf(IPA_A, 0, 1, S1_DESC_NG, 3));
	/*
	 * VA_TBL2's level-1 table sits in a page outside RAM_IPA, mapped by a
	 * stage-2 page of its own, so the walk cache can go stale on it.
	 */
	l1 = tt_alloc(&w->t, 4096);
	w->tbl_ipa = 0x11000000ULL;
	tt_set(&w->t, &w->s2, w->tbl_ipa, 3, s2_leaf(l1, 3, 0xf, 0, 3));
	tt_wr(&w->t, w->s1.root + 8, w->tbl_ipa | DESC_TYPE_TABLE);
	{
		struct tt_geo g = { 12, 1, 39, l1, w->s1.off };
		/* Level-1 1G block: VA_TBL2 -> IPA 0xc0000000 */
		tt_set(&w->t, &g, VA_TBL2, 1, s1_leaf(0xc0000000ULL, 0, 1, 0, 1));
		tt_set(&w->t, &w->s2, 0xc0000000ULL, 3, s2_leaf(PA_DATA + 0x9000, 3, 0xf, 0, 3));
	}

	w->regs = (struct s2_mmu_regs){
		.hcr_el2 = HCR_EL2_RW | HCR_EL2_VM,
		.vtcr_el2 = 0x80023558ULL,
		.vttbr_el2 = w->s2.root | (1ULL << VTTBR_EL2_VMID_SHIFT),
		.sctlr_el1 = SCTLR_M,
		.tcr_el1 = 16 | (2ULL << TCR_EL1_IPS_SHIFT),
		.ttbr0_el1 = (w->s1.root - w->s1.off) | (1ULL << TTBR_ASID_SHIFT),
		.mair_el1 = MAIR_VAL,
	};
	for (i = 0; i < 2; i++) {
		assert_int_equal(s2_tlb_init(&w->tlb[i], w->ent[i], NSETS, NWAYS), 0);
		s2_tlb_set_check_stale(&w->tlb[i], true);
		w->cpus[i] = &w->tlb[i];
	}
	w->sys = (struct s2_tlb_system){ w->cpus, 2 };
	*state = w;
	return 0;
}

static int tteardown(void **state)
{
	struct tworld *w = *state;
	tt_fini(&w->t);
	free(w);
	return 0;
}

static struct s2_mmu_result xlate(struct tworld *w, unsigned cpu, uint64_t va,
				  unsigned acc)
{
	struct s2_mmu_access a = { va, (uint8_t)acc, 1 };
	struct s2_mmu_result r;
	assert_int_equal(s2_tlb_translate(&w->tlb[cpu], &w->t.mem, &w->cpu,
					  &w->regs, &a, &r), 0);
	return r;
}

static void tlbi_is(struct tworld *w, unsigned op, uint64_t addr, uint16_t asid)
{
	struct s2_tlbi t = { (uint8_t)op, s2_mmu_vmid(&w->cpu, &w->regs), addr, asid };
	assert_int_equal(s2_tlb_tlbi_is(&w->sys, &t), 0);
}

/* Move IPA_A to another frame in stage 2 (no TLBI: that is the test). */
static void remap_ipa_a(struct tworld *w, uint64_t pa)
{
	tt_set(&w->t, &w->s2, IPA_A, 3, s2_leaf(pa, 3, 0xf, 0, 3));
}

/* A miss walks and fills; the next access hits without reading memory. */
static void tlb_hit_after_miss(void **state)
{
	struct tworld *w = *state;
	struct s2_mmu_result r = xlate(w, 0, VA_A + 8, S2_MMU_READ);

	assert_false(r.tlb_hit);
	assert_int_equal(r.pa, PA_DATA + 0x1008);
	/* S1 tables share one 2M stage-2 block: after the first fetch the
	 * walk cache serves them: (2 + 1) + 3 x 1 + 3 (uncached: 4 x 3 + 3). */
	assert_int_equal(r.desc_reads, 9);
	r = xlate(w, 0, VA_A + 16, S2_MMU_READ);
	assert_true(r.tlb_hit);
	assert_false(r.stale);
	assert_int_equal(r.pa, PA_DATA + 0x1010);
	assert_int_equal(r.desc_reads, 0);
	assert_int_equal(w->tlb[0].stats.hits, 1);
	assert_int_equal(w->tlb[0].stats.misses, 1);
	assert_int_equal(w->tlb[0].stats.max_walk_reads, 9);
	/* CPU 1 has its own TLB. */
	assert_false(xlate(w, 1, VA_A, S2_MMU_READ).tlb_hit);
}

/* Remapping a stage-2 page without TLBI: the old PA stays in use. */
static void tlb_remap_without_tlbi_is_stale(void **state)
{
	struct tworld *w = *state;
	struct s2_mmu_result r;

	xlate(w, 0, VA_A, S2_MMU_READ);
	remap_ipa_a(w, PA_DATA + 0x5000);
	r = xlate(w, 0, VA_A, S2_MMU_READ);
	assert_true(r.tlb_hit);
	assert_int_equal(r.pa, PA_DATA + 0x1000);   /* stale */
	assert_true(r.stale);
	assert_int_equal(w->tlb[0].stats.stale_hits, 1);
}

/* IPAS2E1IS alone does not remove combined S1+S2 entries (QEMU agrees). */
static void tlb_ipas2e1is_alone_stays_stale(void **state)
{
	struct tworld *w = *state;
	struct s2_mmu_result r;

	xlate(w, 0, VA_A, S2_MMU_READ);
	xlate(w, 1, VA_A, S2_MMU_READ);
	remap_ipa_a(w, PA_DATA + 0x5000);
	tlbi_is(w, S2_TLBI_IPAS2E1, IPA_A, 0);
	r = xlate(w, 1, VA_A, S2_MMU_READ);
	assert_true(r.stale);
	assert_int_equal(r.pa, PA_DATA + 0x1000);
	/* ... IPAS2E1IS + VMALLE1IS does, on every CPU. */
	tlbi_is(w, S2_TLBI_VMALLE1, 0, 0);
	for (unsigned c = 0; c < 2; c++) {
		r = xlate(w, c, VA_A, S2_MMU_READ);
		assert_false(r.tlb_hit);
		assert_int_equal(r.pa, PA_DATA + 0x5000);
	}
}

/* VMALLS12E1IS removes everything of the VMID on every CPU. */
static void tlb_vmalls12e1is_clears(void **state)
{
	struct tworld *w = *state;

	xlate(w, 0, VA_A, S2_MMU_READ);
	xlate(w, 1, VA_B, S2_MMU_READ);
	assert_true(s2_tlb_count(&w->tlb[0]) > 0);
	remap_ipa_a(w, PA_DATA + 0x6000);
	tlbi_is(w, S2_TLBI_VMALLS12E1, 0, 0);
	assert_int_equal(s2_tlb_count(&w->tlb[0]), 0);
	assert_int_equal(s2_tlb_count(&w->tlb[1]), 0);
	assert_int_equal(xlate(w, 1, VA_B, S2_MMU_READ).pa, PA_DATA + 0x6000);
}

/* A local TLBI reaches only its own CPU. */
static void tlb_local_tlbi_is_local(void **state)
{
	struct tworld *w = *state;
	struct s2_tlbi t = { S2_TLBI_VMALLS12E1, 1, 0, 0 };

	xlate(w, 0, VA_A, S2_MMU_READ);
	xlate(w, 1, VA_A, S2_MMU_READ);
	remap_ipa_a(w, PA_DATA + 0x6000);
	assert_int_equal(s2_tlb_tlbi(&w->tlb[0], &t), 0);
	assert_int_equal(xlate(w, 0, VA_A, S2_MMU_READ).pa, PA_DATA + 0x6000);
	assert_true(xlate(w, 1, VA_A, S2_MMU_READ).stale);
}

/* Same tables, another VMID: no entry is shared; ALLE1 clears all VMIDs. */
static void tlb_vmid_change_isolates(void **state)
{
	struct tworld *w = *state;
	struct s2_mmu_result r;
	struct s2_tlbi all = { S2_TLBI_ALLE1, 0, 0, 0 };

	xlate(w, 0, VA_A, S2_MMU_READ);
	remap_ipa_a(w, PA_DATA + 0x7000);
	w->regs.vttbr_el2 = (w->regs.vttbr_el2 & ~VTTBR_EL2_VMID8_MASK) |
			    (2ULL << VTTBR_EL2_VMID_SHIFT);
	r = xlate(w, 0, VA_A, S2_MMU_READ);
	assert_false(r.tlb_hit);
	assert_int_equal(r.vmid, 2);
	assert_int_equal(r.pa, PA_DATA + 0x7000);
	/* VMID 1's stale entry is still there, VMALLS12E1 of VMID 2 keeps it. */
	tlbi_is(w, S2_TLBI_VMALLS12E1, 0, 0);
	w->regs.vttbr_el2 = (w->regs.vttbr_el2 & ~VTTBR_EL2_VMID8_MASK) |
			    (1ULL << VTTBR_EL2_VMID_SHIFT);
	r = xlate(w, 0, VA_A, S2_MMU_READ);
	assert_true(r.stale);
	assert_int_equal(r.pa, PA_DATA + 0x1000);
	assert_int_equal(s2_tlb_tlbi_is(&w->sys, &all), 0);
	assert_int_equal(xlate(w, 0, VA_A, S2_MMU_READ).pa, PA_DATA + 0x7000);
}

/* nG entries are per ASID; ASIDE1 and VAE1 have their reach. */
static void tlb_asid_tagging(void **state)
{
	struct tworld *w = *state;
	uint64_t ttbr = w->regs.ttbr0_el1 & ~TTBR_ASID_MASK;
	struct s2_mmu_result r;

	xlate(w, 0, VA_A, S2_MMU_READ);             /* global */
	r = xlate(w, 0, VA_B, S2_MMU_READ);         /* nG, ASID 1 */
	assert_false(r.global);
	assert_int_equal(r.asid, 1);
	w->regs.ttbr0_el1 = ttbr | (2ULL << TTBR_ASID_SHIFT);
	assert_true(xlate(w, 0, VA_A, S2_MMU_READ).tlb_hit);
	assert_false(xlate(w, 0, VA_B, S2_MMU_READ).tlb_hit);   /* ASID 2: miss */
	/* ASIDE1 of ASID 1 removes its nG entry only. */
	tlbi_is(w, S2_TLBI_ASIDE1, 0, 1);
	assert_true(xlate(w, 0, VA_A, S2_MMU_READ).tlb_hit);
	w->regs.ttbr0_el1 = ttbr | (1ULL << TTBR_ASID_SHIFT);
	assert_false(xlate(w, 0, VA_B, S2_MMU_READ).tlb_hit);
	/* VAE1 by VA: removes the global entry whatever the ASID. */
	tlbi_is(w, S2_TLBI_VAE1, VA_A, 9);
	assert_false(xlate(w, 0, VA_A, S2_MMU_READ).tlb_hit);
	assert_true(xlate(w, 0, VA_B, S2_MMU_READ).tlb_hit);
	/* Its ASID does not widen it to the ASID's other VAs. */
	tlbi_is(w, S2_TLBI_VAE1, VA_A, 1);
	assert_true(xlate(w, 0, VA_B, S2_MMU_READ).tlb_hit);
	tlbi_is(w, S2_TLBI_VALE1, VA_B, 1);
	assert_false(xlate(w, 0, VA_B, S2_MMU_READ).tlb_hit);
}

/* Guest MMU off: stage-2-only entries; IPAS2E1 is enough for them. */
static void tlb_mmu_off_entries_are_stage2(void **state)
{
	struct tworld *w = *state;
	struct s2_mmu_result r;

	w->regs.sctlr_el1 = 0;
	xlate(w, 0, IPA_A, S2_MMU_READ);
	assert_true(xlate(w, 0, IPA_A, S2_MMU_READ).tlb_hit);
	remap_ipa_a(w, PA_DATA + 0x8000);
	tlbi_is(w, S2_TLBI_VMALLE1, 0, 0);   /* stage 1 only: keeps it */
	assert_true(xlate(w, 0, IPA_A, S2_MMU_READ).stale);
	tlbi_is(w, S2_TLBI_IPAS2E1, IPA_A + 0x123, 0);
	r = xlate(w, 0, IPA_A, S2_MMU_READ);
	assert_false(r.tlb_hit);
	assert_int_equal(r.pa, PA_DATA + 0x8000);
}

/*
 * A stage-2-only entry answers as its walk did (shareability included),
 * and IPAS2E1 removes only the entries of the IPA it names.
 */
static void tlb_stage2_entry_hits_as_walked(void **state)
{
	struct tworld *w = *state;
	struct s2_mmu_result miss, hit;

	w->regs.sctlr_el1 = 0;
	miss = xlate(w, 0, IPA_A + 8, S2_MMU_READ);
	assert_false(miss.tlb_hit);
	hit = xlate(w, 0, IPA_A + 8, S2_MMU_READ);
	assert_true(hit.tlb_hit);
	assert_int_equal(hit.pa, miss.pa);
	assert_int_equal(hit.s2_sh, miss.s2_sh);
	assert_int_equal(hit.s2_sh, DESC_SH_IS);
	assert_int_equal(hit.sh, miss.sh);
	assert_int_equal(hit.s1_shift, miss.s1_shift);
	assert_int_equal(hit.s2_shift, miss.s2_shift);
	assert_int_equal(hit.s2_shift, 12);
	tlbi_is(w, S2_TLBI_IPAS2E1, IPA_A + 0x1000, 0);
	assert_true(xlate(w, 0, IPA_A + 8, S2_MMU_READ).tlb_hit);
	tlbi_is(w, S2_TLBI_IPAS2E1, IPA_A, 0);
	assert_false(xlate(w, 0, IPA_A + 8, S2_MMU_READ).tlb_hit);
}

/*
 * Permission faults come from cached entries too: relaxing S2AP without
 * TLBI keeps faulting (the livelock shape); IPAS2E1+VMALLE1 fixes it.
 */
static void tlb_permission_relax_needs_tlbi(void **state)
{
	struct tworld *w = *state;
	struct s2_mmu_result r;

	tt_set(&w->t, &w->s2, IPA_A, 3, s2_leaf(PA_DATA + 0x1000, 1, 0xf, 0, 3));
	r = xlate(w, 0, VA_A, S2_MMU_WRITE);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_PERMISSION);
	assert_int_equal(r.fault.stage, 2);
	tt_set(&w->t, &w->s2, IPA_A, 3, s2_leaf(PA_DATA + 0x1000, 3, 0xf, 0, 3));
	r = xlate(w, 0, VA_A, S2_MMU_WRITE);
	assert_true(r.tlb_hit);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_PERMISSION);
	assert_int_equal(r.fault.level, 3);
	assert_int_equal(r.fault.ipa, IPA_A);
	assert_true(r.stale);
	tlbi_is(w, S2_TLBI_IPAS2E1, IPA_A, 0);
	tlbi_is(w, S2_TLBI_VMALLE1, 0, 0);
	r = xlate(w, 0, VA_A, S2_MMU_WRITE);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_NONE);
	assert_int_equal(w->tlb[0].stats.faults[S2_MMU_FAULT_PERMISSION], 2);
	assert_int_equal(w->tlb[0].stats.faults_stage2, 2);
}

/*
 * Walks cache the stage-2 translation of stage-1 table pages: moving a
 * table page in stage 2 without IPAS2E1 leaves walks reading the old one.
 */
static void tlb_walk_cache_needs_ipas2e1(void **state)
{
	struct tworld *w = *state;
	struct s2_mmu_result r;
	uint64_t newtbl = tt_alloc(&w->t, 4096);

	r = xlate(w, 0, VA_TBL2, S2_MMU_READ);
	assert_int_equal(r.pa, PA_DATA + 0x9000);
	/* New copy of the level-1 table maps the block elsewhere. */
	tt_wr(&w->t, newtbl, s1_leaf(0x10000000ULL & ~0x3fffffffULL, 0, 1, 0, 1));
	tt_set(&w->t, &w->s2, w->tbl_ipa, 3, s2_leaf(newtbl, 3, 0xf, 0, 3));
	tlbi_is(w, S2_TLBI_VMALLE1, 0, 0);   /* drops the leaf, not the walk cache */
	r = xlate(w, 0, VA_TBL2, S2_MMU_READ);
	assert_false(r.tlb_hit);
	assert_int_equal(r.pa, PA_DATA + 0x9000);   /* old table page used */
	assert_true(w->tlb[0].stats.walk_s2_hits > 0);
	tlbi_is(w, S2_TLBI_IPAS2E1, w->tbl_ipa, 0);
	tlbi_is(w, S2_TLBI_VMALLE1, 0, 0);
	r = xlate(w, 0, VA_TBL2, S2_MMU_READ);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_TRANSLATION);  /* IPA 0 unmapped */
	assert_int_equal(r.fault.stage, 2);
}

/* Capacity: a tiny TLB evicts; results stay right. */
static void tlb_capacity_evicts(void **state)
{
	struct tworld *w = *state;
	struct s2_tlb_entry ent[1 * 2];
	struct s2_tlb tiny;
	uint64_t i;

	assert_int_equal(s2_tlb_init(&tiny, ent, 1, 2), 0);
	w->regs.sctlr_el1 = 0;
	for (i = 0; i < 16; i++) {
		struct s2_mmu_access a = { RAM_IPA + i * 4096, S2_MMU_READ, 1 };
		struct s2_mmu_result r;
		assert_int_equal(s2_tlb_translate(&tiny, &w->t.mem, &w->cpu, &w->regs, &a, &r), 0);
		assert_int_equal(r.fault.type, S2_MMU_FAULT_NONE);
	}
	/* 2M stage-2 blocks: all 16 pages share one entry. */
	assert_int_equal(s2_tlb_count(&tiny), 1);
	assert_int_equal(tiny.stats.hits, 15);
	/*
	 * Blocks 0..3 are RAM, block 4 faults (not cached). One set of two
	 * ways, round robin: block 1 takes the free way, blocks 2 and 3
	 * evict blocks 0 and 1. Every result is what a fresh walk gives.
	 */
	for (i = 0; i < 5; i++) {
		struct s2_mmu_access a = { RAM_IPA + i * (2ULL << 20) + 0x123, S2_MMU_READ, 1 };
		struct s2_mmu_result r, fresh;
		assert_int_equal(s2_tlb_translate(&tiny, &w->t.mem, &w->cpu, &w->regs, &a, &r), 0);
		assert_int_equal(s2_mmu_translate(&w->t.mem, &w->cpu, &w->regs, &a, &fresh), 0);
		assert_int_equal(r.fault.type, fresh.fault.type);
		assert_int_equal(r.fault.type, i < 4 ? S2_MMU_FAULT_NONE : S2_MMU_FAULT_TRANSLATION);
		if (!r.fault.type)
			assert_int_equal(r.pa, fresh.pa);
	}
	assert_int_equal(s2_tlb_count(&tiny), 2);
	assert_int_equal(tiny.stats.evictions, 2);
	assert_int_equal(tiny.stats.hits, 16);
	/*
	 * Blocks 2 and 3 are the ones kept; 0 comes back only by a walk,
	 * and then stays. The round robin goes on where it stopped: 0 took
	 * way 0 (block 2's), so 2 coming back takes way 1 (block 3's), and
	 * 0 stays.
	 */
	static const struct { unsigned int block; bool hit; } seq[] = {
		{ 3, true }, { 2, true }, { 0, false }, { 0, true },
		{ 3, true }, { 2, false }, { 0, true }, { 3, false },
	};
	for (i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
		struct s2_mmu_access a = { RAM_IPA + seq[i].block * (2ULL << 20), S2_MMU_READ, 1 };
		struct s2_mmu_result r;
		uint64_t hits = tiny.stats.hits;

		assert_int_equal(s2_tlb_translate(&tiny, &w->t.mem, &w->cpu, &w->regs, &a, &r), 0);
		assert_int_equal(tiny.stats.hits - hits, seq[i].hit);
	}
	assert_int_equal(s2_tlb_init(&tiny, ent, 3, 2), -S2_EINVAL);
}

/* One access through @t: hit (true) or walk. */
static bool tiny_hit(struct tworld *w, struct s2_tlb *t, uint64_t va)
{
	struct s2_mmu_access a = { va, S2_MMU_READ, 1 };
	struct s2_mmu_result r;
	uint64_t hits = t->stats.hits;

	assert_int_equal(s2_tlb_translate(t, &w->t.mem, &w->cpu, &w->regs, &a, &r), 0);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_NONE);
	return t->stats.hits != hits;
}

/*
 * A fill takes a way a TLBI freed, not the round-robin victim, whichever
 * TLBI freed it: by address (one set), VMALLE1 through the fill log, a
 * whole scan (VMALLS12E1). The TLB counts its free entries for that
 * (a full one fills without looking for a free way): each removal must
 * count, or the next fill would evict an entry in use.
 */
static void tlb_fill_takes_the_freed_way(void **state)
{
	struct tworld *w = *state;
	struct s2_tlb_entry ent[1 * 2];
	struct s2_tlb tiny;
	struct s2_tlbi op = { S2_TLBI_IPAS2E1, s2_mmu_vmid(&w->cpu, &w->regs), 0, 0 };
	const uint64_t blk = 2ULL << 20;

	assert_int_equal(s2_tlb_init(&tiny, ent, 1, 2), 0);
	/* Walks fill no stage-2 entries of their own: the ways are the test's. */
	s2_tlb_set_s2_fetch(&tiny, false);
	assert_int_equal(tiny.free, 2);
	/* Stage-2-only entries: RAM's 2MB blocks 0 and 1 fill both ways. */
	w->regs.sctlr_el1 = 0;
	assert_false(tiny_hit(w, &tiny, RAM_IPA));
	assert_false(tiny_hit(w, &tiny, RAM_IPA + blk));
	assert_int_equal(tiny.free, 0);
	/* Block 1's way (way 1) freed; the victim would be way 0 (block 0). */
	op.addr = RAM_IPA + blk;
	assert_int_equal(s2_tlb_tlbi(&tiny, &op), 0);
	assert_int_equal(tiny.free, 1);
	assert_false(tiny_hit(w, &tiny, RAM_IPA + 2 * blk));
	assert_true(tiny_hit(w, &tiny, RAM_IPA));
	assert_true(tiny_hit(w, &tiny, RAM_IPA + 2 * blk));
	assert_int_equal(tiny.stats.evictions, 0);
	/* A whole scan frees both. */
	op.op = S2_TLBI_VMALLS12E1;
	assert_int_equal(s2_tlb_tlbi(&tiny, &op), 0);
	assert_int_equal(tiny.free, 2);
	/* Combined entries, removed by VMALLE1 through the fill log. */
	w->regs.sctlr_el1 = SCTLR_M;
	assert_false(tiny_hit(w, &tiny, VA_A));
	assert_false(tiny_hit(w, &tiny, VA_B));
	assert_int_equal(tiny.stats.evictions, 0);
	op.op = S2_TLBI_VMALLE1;
	assert_int_equal(s2_tlb_tlbi(&tiny, &op), 0);
	assert_int_equal(tiny.stats.invalidated, 1 + 2 + 2);
	assert_int_equal(tiny.free, 2);
	assert_false(tiny_hit(w, &tiny, VA_B));
	assert_false(tiny_hit(w, &tiny, VA_A));
	assert_true(tiny_hit(w, &tiny, VA_B));
	assert_int_equal(tiny.stats.evictions, 0);
	/* Full again: the next fill evicts (way 0, VA_B's). */
	w->regs.sctlr_el1 = 0;
	assert_false(tiny_hit(w, &tiny, RAM_IPA));
	assert_int_equal(tiny.stats.evictions, 1);
	assert_int_equal(tiny.free, 0);
	w->regs.sctlr_el1 = SCTLR_M;
	assert_true(tiny_hit(w, &tiny, VA_A));
	assert_false(tiny_hit(w, &tiny, VA_B));
}

/*
 * A hit is checked as a walk would be: EL0 reading VA_A (stage 1 AP=0,
 * EL1 only) after EL1 filled the entry is a stage-1 permission fault at
 * the leaf's level. TLBI counts its operations and refuses unknown ones.
 */
static void tlb_hit_checks_permissions(void **state)
{
	struct tworld *w = *state;
	struct s2_mmu_access el0 = { VA_A, S2_MMU_READ, 0 };
	struct s2_mmu_result r;
	uint64_t hits, ops;

	r = xlate(w, 0, VA_A, S2_MMU_READ);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_NONE);
	hits = w->tlb[0].stats.hits;
	assert_int_equal(s2_tlb_translate(&w->tlb[0], &w->t.mem, &w->cpu, &w->regs, &el0, &r), 0);
	assert_int_equal(w->tlb[0].stats.hits, hits + 1);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_PERMISSION);
	assert_int_equal(r.fault.stage, 1);
	assert_int_equal(r.fault.level, 3);

	ops = w->tlb[0].stats.tlbi_ops;
	assert_int_equal(s2_tlb_tlbi(&w->tlb[0], &(struct s2_tlbi){ .op = S2_TLBI_VMALLS12E1 }), 0);
	assert_int_equal(w->tlb[0].stats.tlbi_ops, ops + 1);
	assert_int_equal(s2_tlb_tlbi(&w->tlb[0], &(struct s2_tlbi){ .op = S2_TLBI_NR }),
			 -S2_EINVAL);
	assert_int_equal(w->tlb[0].stats.tlbi_ops, ops + 1);
	/* No TLB: refused, not dereferenced. */
	assert_int_equal(s2_tlb_translate(NULL, &w->t.mem, &w->cpu, &w->regs, &el0, &r),
			 -S2_EINVAL);
	/* Refused by the broadcast too, even to a system of no CPUs. */
	assert_int_equal(s2_tlb_tlbi_is(&(struct s2_tlb_system){ NULL, 0 },
					&(struct s2_tlbi){ .op = S2_TLBI_NR }), -S2_EINVAL);
}

/* A TLB owns exactly sets x ways entries: init and count stay inside. */
static void tlb_stays_in_its_entries(void **state)
{
	struct s2_tlb_entry ent[2 * 2 + 1];
	struct s2_tlb t;

	(void)state;
	memset(ent, 0, sizeof(ent));
	ent[4].kind = S2_TLB_S2; /* the caller's, past the TLB */
	assert_int_equal(s2_tlb_init(&t, ent, 2, 2), 0);
	assert_int_equal(s2_tlb_count(&t), 0);
	assert_int_equal(ent[4].kind, S2_TLB_S2);
}

/*
 * AArch32 LPAE, T0SZ = 0 and T1SZ = 7: TTBR0 translates VAs below
 * 0xfe000000 and TTBR1 the top 32MB. A TTBR0 1GB block at 0xc0000000
 * reaches into TTBR1's range; its TLB entry must not answer there
 * (found by fuzz_walk: a hit disagreeing with the walk).
 */
static void tlb_a32_split_keeps_entries_apart(void **state)
{
	struct tworld *w = *state;
	uint64_t l1 = tt_alloc(&w->t, 4096);
	struct s2_mmu_result r;

	tt_wr(&w->t, l1 + 3 * 8, s1_leaf(PA_DATA, 0, 1, 0, 1));
	w->regs.hcr_el2 = 0;   /* AArch32 EL1, stage 1 only */
	w->regs.tcr_el1 = TTBCR_EAE | TTBCR_EPD1 | (7ULL << TTBCR_T1SZ_SHIFT);
	w->regs.ttbr0_el1 = l1;
	r = xlate(w, 0, 0xfdfff000ULL, S2_MMU_READ);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_NONE);
	assert_int_equal(r.pa, PA_DATA + 0x3dfff000ULL);
	assert_true(xlate(w, 0, 0xfdfff008ULL, S2_MMU_READ).tlb_hit);
	/* Without stale checking too; the VA is its low 32 bits. */
	s2_tlb_set_check_stale(&w->tlb[1], false);
	xlate(w, 1, 0xfdfff000ULL, S2_MMU_READ);
	r = xlate(w, 1, 0x1fdfff010ULL, S2_MMU_READ);
	assert_true(r.tlb_hit);
	assert_int_equal(r.pa, PA_DATA + 0x3dfff010ULL);
	assert_false(xlate(w, 1, 0xfe000000ULL, S2_MMU_READ).tlb_hit);
}

/*
 * An AArch32 EL1's VA is its low 32 bits on every path: an entry an
 * AArch64 EL1 left at a VA above 4GB does not answer for the AArch32 VA
 * whose upper bits name it (the registers changed, no TLBI).
 */
static void tlb_a32_va_is_32_bits(void **state)
{
	struct tworld *w = *state;
	struct s2_mmu_result r;

	s2_tlb_set_check_stale(&w->tlb[1], false);
	assert_false(xlate(w, 1, VA_TBL2 + 0x100, S2_MMU_READ).tlb_hit);
	assert_true(xlate(w, 1, VA_TBL2 + 0x100, S2_MMU_READ).tlb_hit);
	w->regs.hcr_el2 &= ~HCR_EL2_RW;
	w->regs.tcr_el1 = TTBCR_EAE | TTBCR_EPD1;
	for (int i = 0; i < 2; i++) {   /* the second with the registers known */
		r = xlate(w, 1, VA_TBL2 + 0x100, S2_MMU_READ);
		assert_false(r.tlb_hit);
		assert_int_equal(r.fault.va, VA_TBL2 + 0x100);
	}
	/* TTBR1's range: EPD1, a level-1 translation fault, not a hit. */
	r = xlate(w, 0, 0xfe000000ULL, S2_MMU_READ);
	assert_false(r.tlb_hit);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_TRANSLATION);
	assert_int_equal(r.fault.stage, 1);
	assert_int_equal(r.fault.level, 1);
}

/*
 * AArch64: an entry keeps its block's size whatever TCR_EL1's low bits
 * would say as an AArch32 TTBCR (T0SZ = 23 reads as TTBCR.T0SZ = 7, whose
 * split would cut entries to 32MB). A 1GB block at both stages: an access
 * 64MB into it hits. And without TBI, bit 63 is part of the VA: a VA whose
 * bit 63 differs from bits [62:41] is out of range, a translation fault.
 */
static void tlb_a64_entries_keep_their_block(void **state)
{
	struct tworld *w = *state;
	struct s2_mmu_result r;
	const uint64_t g1 = 1ULL << 30, va = 4 * g1;

	tt_set(&w->t, &w->s2, va, 1, s2_leaf(g1, 3, 0xf, 0, 1));
	tt_set(&w->t, &w->s1, va, 1, s1_leaf(va, 0, 1, 0, 1));
	w->regs.tcr_el1 = 23 | (2ULL << TCR_EL1_IPS_SHIFT);
	r = xlate(w, 0, va + 8, S2_MMU_READ);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_NONE);
	assert_int_equal(r.pa, g1 + 8);
	r = xlate(w, 0, va + (64ULL << 20), S2_MMU_READ);
	assert_true(r.tlb_hit);
	assert_int_equal(r.pa, g1 + (64ULL << 20));
	r = xlate(w, 0, VA_A | (1ULL << 63), S2_MMU_READ);
	assert_false(r.tlb_hit);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_TRANSLATION);
	assert_int_equal(r.fault.stage, 1);
}

/*
 * What a hit gives, by the rules of the TLB: the translation of the walk
 * @fill that filled the entry, moved to @a's offset, with the entry's
 * size for each stage on (64 for a stage off), no descriptor read,
 * tlb_hit set, the stage-2 MemAttr and SH only for stage-2-only entries
 * (whose attributes are @a's own @walk's), and the permission fault of
 * @walk (a fault the cached grants
 * find: the translation stays complete). Every other byte zero, padding
 * included.
 */
static void expect_hit(struct s2_mmu_result *want, const struct s2_mmu_result *fill,
		       const struct s2_mmu_result *walk, const struct s2_mmu_access *a,
		       unsigned kind, unsigned shift)
{
	uint64_t delta = a->va - fill->fault.va;
	struct s2_mmu_result r;

	memset(&r, 0, sizeof(r));
	r.fault.acc = a->acc;
	r.fault.el = a->el;
	r.fault.va = a->va;
	if (walk->fault.type == S2_MMU_FAULT_PERMISSION) {
		r.fault.type = S2_MMU_FAULT_PERMISSION;
		r.fault.level = walk->fault.level;
		r.fault.stage = walk->fault.stage;
		if (walk->fault.stage == 2) {
			r.fault.ipa = fill->ipa + delta;
			r.fault.ipa_valid = true;
		}
	}
	r.pa = fill->pa + delta;
	r.ipa = fill->ipa + delta;
	r.attr = fill->attr;
	r.sh = fill->sh;
	r.s1_level = fill->s1_level;
	r.s2_level = fill->s2_level;
	r.s1_shift = (uint8_t)(kind == S2_TLB_S2 ? 64 : shift);
	r.s2_shift = (uint8_t)(kind == S2_TLB_S1 ? 64 : shift);
	r.s1_perm = fill->s1_perm;
	r.s2_perm = fill->s2_perm;
	if (kind == S2_TLB_S2) {
		/* Combined anew with the MMU-off attributes of @a's kind. */
		r.attr = walk->attr;
		r.sh = walk->sh;
		r.s2_memattr = fill->s2_memattr;
		r.s2_sh = fill->s2_sh;
	}
	r.global = fill->global;
	r.asid = fill->asid;
	r.vmid = fill->vmid;
	r.tlb_hit = true;
	memcpy(want, &r, sizeof(r));   /* padding included: no struct return */
}

/*
 * @va through CPU 0's TLB (stale checking on: the general path) and CPU
 * 1's (off: the inline hit where it applies), after an EL1 read filled
 * both: every access kind at both ELs gives, byte for byte, expect_hit()
 * of a fresh walk. @kind: the entries the regime uses; @shift their size.
 */
static void hits_as_walked(struct tworld *w, uint64_t va, unsigned kind, unsigned shift)
{
	struct s2_mmu_access a = { va, S2_MMU_READ, 1 };
	struct s2_mmu_result fill, walk, hit[2], want;
	unsigned c, acc, el;

	assert_int_equal(s2_mmu_translate(&w->t.mem, &w->cpu, &w->regs, &a, &fill), 0);
	if (fill.fault.type)
		print_error("va 0x%llx: fault %u stage %u level %d\n", (unsigned long long)va,
			    fill.fault.type, fill.fault.stage, fill.fault.level);
	assert_int_equal(fill.fault.type, S2_MMU_FAULT_NONE);
	for (c = 0; c < 2; c++) {
		assert_int_equal(s2_tlb_translate(&w->tlb[c], &w->t.mem, &w->cpu,
						  &w->regs, &a, &hit[c]), 0);
		assert_int_equal(hit[c].fault.type, S2_MMU_FAULT_NONE);
	}
	for (acc = S2_MMU_READ; acc <= S2_MMU_EXEC; acc++) {
		for (el = 0; el <= 1; el++) {
			a = (struct s2_mmu_access){ va + 8 * (acc + el), (uint8_t)acc, (uint8_t)el };
			assert_int_equal(s2_mmu_translate(&w->t.mem, &w->cpu, &w->regs, &a,
							  &walk), 0);
			if (walk.fault.type != S2_MMU_FAULT_NONE)
				assert_int_equal(walk.fault.type, S2_MMU_FAULT_PERMISSION);
			expect_hit(&want, &fill, &walk, &a, kind, shift);
			for (c = 0; c < 2; c++) {
				memset(&hit[c], 0xa5, sizeof(hit[c]));
				assert_int_equal(s2_tlb_translate(&w->tlb[c], &w->t.mem, &w->cpu,
								  &w->regs, &a, &hit[c]), 0);
				/*
				 * Not stale, a hit that faults at stage 1
				 * included: the fresh walk stops at stage 1
				 * and has no PA, which the check must not ask
				 * it to agree on.
				 */
				want.stale = false;
				if (memcmp(&hit[c], &want, sizeof(want))) {
					print_error("va 0x%llx acc %u el %u, TLB %u: pa 0x%llx "
						    "fault %u/%u shifts %u/%u, want pa 0x%llx "
						    "fault %u/%u shifts %u/%u\n",
						    (unsigned long long)a.va, acc, el, c,
						    (unsigned long long)hit[c].pa,
						    hit[c].fault.type, hit[c].fault.stage,
						    hit[c].s1_shift, hit[c].s2_shift,
						    (unsigned long long)want.pa, want.fault.type,
						    want.fault.stage, want.s1_shift, want.s2_shift);
					for (unsigned b = 0; b < sizeof(want); b++)
						if (((uint8_t *)&hit[c])[b] != ((uint8_t *)&want)[b])
							print_error("  byte %u: %#x, want %#x\n", b,
								    ((uint8_t *)&hit[c])[b],
								    ((uint8_t *)&want)[b]);
					fail();
				}
			}
		}
	}
}

/*
 * A hit is the walk's translation, byte for byte, on the general path and
 * on the inline one: pages and a 1GB stage-1 block over a 4KB stage-2
 * page (the entry keeps the smaller), global and nG, stage-1 AP=0 (EL0
 * faults at stage 1), a read-only stage-2 page (writes fault at stage 2),
 * XN at either stage; stage 1 only, stage 2 only (its attributes combined
 * anew on every hit) and an AArch32 EL1.
 */
static void tlb_hits_as_walked(void **state)
{
	struct tworld *w = *state;
	const uint64_t ro_ipa = 0x12000000ULL, va_ro = 0x403000ULL;

	s2_tlb_set_check_stale(&w->tlb[1], false);
	tt_set(&w->t, &w->s2, ro_ipa, 3, s2_leaf(PA_DATA + 0x3000, 1, 0xf, 1, 3));
	tt_set(&w->t, &w->s1, va_ro, 3, s1_leaf(ro_ipa, 1, 1, S1_DESC_NG | S1_DESC_UXN, 3));
	hits_as_walked(w, VA_A, S2_TLB_S12, 12);
	hits_as_walked(w, VA_B, S2_TLB_S12, 12);
	hits_as_walked(w, va_ro, S2_TLB_S12, 12);
	hits_as_walked(w, VA_TBL2 + 0x100, S2_TLB_S12, 12);
	/* 16-bit ASIDs (TCR_EL1.AS), the ASID in TTBR1 (TCR_EL1.A1). */
	w->regs.tcr_el1 |= TCR_EL1_AS | TCR_EL1_A1;
	w->regs.ttbr1_el1 = 0x1234ULL << TTBR_ASID_SHIFT;
	hits_as_walked(w, VA_B, S2_TLB_S12, 12);
	w->regs.tcr_el1 &= ~(TCR_EL1_AS | TCR_EL1_A1);
	/* Stage 1 only: its tables and output are PAs. */
	{
		struct tt_geo pa1 = { 12, 0, 48, tt_alloc(&w->t, 4096), 0 };

		tt_set(&w->t, &pa1, 0x500000ULL, 3, s1_leaf(PA_DATA + 0x4000, 0, 1, 0, 3));
		w->regs.hcr_el2 &= ~HCR_EL2_VM;
		w->regs.ttbr0_el1 = pa1.root | (1ULL << TTBR_ASID_SHIFT);
		hits_as_walked(w, 0x500000ULL, S2_TLB_S1, 12);
	}
	/* Stage 2 only, MAIR ignored: the MMU-off attributes. */
	w->regs.hcr_el2 |= HCR_EL2_VM;
	w->regs.sctlr_el1 = 0;
	hits_as_walked(w, IPA_A + 0x100, S2_TLB_S2, 12);
	hits_as_walked(w, RAM_IPA + 0x1000, S2_TLB_S2, 21);
}

/* A hit over 2MB blocks at both stages: the second block size probed. */
static void tlb_hits_blocks_as_walked(void **state)
{
	struct tworld *w = *state;
	const uint64_t va = 0x40000000ULL;

	s2_tlb_set_check_stale(&w->tlb[1], false);
	tt_set(&w->t, &w->s1, va, 2, s1_leaf(RAM_IPA + (2ULL << 20), 0, 1, S1_DESC_NG, 2));
	hits_as_walked(w, VA_A, S2_TLB_S12, 12);
	hits_as_walked(w, va + 0x1234, S2_TLB_S12, 21);
	w->regs.vtcr_el2 |= VTCR_EL2_VS;   /* 8-bit VMIDs on the Cortex-A57 */
	w->regs.vttbr_el2 |= 0x3400ULL << VTTBR_EL2_VMID_SHIFT;
	hits_as_walked(w, va + 0x1234, S2_TLB_S12, 21);
}

/*
 * The inline hit compares the memory, CPU and registers with those it
 * last validated: changed in place, behind the same pointers, they are
 * checked again (-S2_EINVAL and -S2_ENOTSUP change nothing, not even the
 * result), and a VMID or ASID changed in place is a miss. Turning stale
 * checking on reaches the next hit.
 */
static void tlb_hit_checks_what_changed(void **state)
{
	struct tworld *w = *state;
	struct s2_tlb *t = &w->tlb[1];
	struct s2_mmu_access a = { VA_A, S2_MMU_READ, 1 };
	struct s2_mmu_result r, sentinel;
	struct s2_tlb_stats st;
	struct s2_mmu_mem mem = w->t.mem;
	uint64_t vttbr = w->regs.vttbr_el2;

#define REFUSED(err) do {                                                       \
		st = t->stats;                                                  \
		memset(&r, 0x5a, sizeof(r));                                    \
		sentinel = r;                                                   \
		assert_int_equal(s2_tlb_translate(t, &w->t.mem, &w->cpu, &w->regs, &a, \
						  &r), (err));                  \
		assert_memory_equal(&r, &sentinel, sizeof(r));                  \
		assert_memory_equal(&t->stats, &st, sizeof(st));                \
	} while (0)
#define HIT(yes) do {                                                           \
		assert_int_equal(s2_tlb_translate(t, &w->t.mem, &w->cpu, &w->regs, &a, \
						  &r), 0);                      \
		assert_int_equal(r.tlb_hit, (yes));                             \
	} while (0)

	s2_tlb_set_check_stale(t, false);
	HIT(false);
	HIT(true);
	/* Each pointer, NULL after a hit: refused, nothing written. */
	st = t->stats;
	assert_int_equal(s2_tlb_translate(NULL, &w->t.mem, &w->cpu, &w->regs, &a, &r), -S2_EINVAL);
	assert_int_equal(s2_tlb_translate(t, NULL, &w->cpu, &w->regs, &a, &r), -S2_EINVAL);
	assert_int_equal(s2_tlb_translate(t, &w->t.mem, NULL, &w->regs, &a, &r), -S2_EINVAL);
	assert_int_equal(s2_tlb_translate(t, &w->t.mem, &w->cpu, NULL, &a, &r), -S2_EINVAL);
	assert_int_equal(s2_tlb_translate(t, &w->t.mem, &w->cpu, &w->regs, NULL, &r), -S2_EINVAL);
	assert_int_equal(s2_tlb_translate(t, &w->t.mem, &w->cpu, &w->regs, &a, NULL), -S2_EINVAL);
	assert_memory_equal(&t->stats, &st, sizeof(st));
	w->t.mem.size = 4;
	REFUSED(-S2_EINVAL);
	w->t.mem.size = mem.size;
	w->t.mem.base += 4;
	REFUSED(-S2_EINVAL);
	w->t.mem.base = ~0ULL - 7;
	REFUSED(-S2_EINVAL);
	w->t.mem = mem;
	w->t.mem.host = NULL;
	REFUSED(-S2_EINVAL);
	w->t.mem = mem;
	HIT(true);
	w->cpu.pa_bits = 53;
	REFUSED(-S2_EINVAL);
	w->cpu.pa_bits = 31;
	REFUSED(-S2_EINVAL);
	w->cpu = s2_mmu_cpu_cortex_a57;
	a.el = 2;
	REFUSED(-S2_EINVAL);
	a.el = 1;
	a.acc = S2_MMU_EXEC + 1;
	REFUSED(-S2_EINVAL);
	a.va = VA_A + 0x10000;   /* a miss */
	REFUSED(-S2_EINVAL);
	a = (struct s2_mmu_access){ VA_A, S2_MMU_READ, 1 };
	HIT(true);
	/*
	 * AArch32 EL1 with TTBCR.EAE = 0 (short descriptors): the entry the
	 * AArch64 EL1 left (software invalidates on a change of state)
	 * answers for the same 32-bit VA, and the DACR of the moment decides
	 * on every hit (AArch32.CheckDomain): its domain 0 is "no access"
	 * with DACR = 0, a Domain fault at the entry's level; Manager, the
	 * translation.
	 */
	w->regs.hcr_el2 &= ~HCR_EL2_RW;
	HIT(true);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_DOMAIN);
	assert_int_equal(r.fault.stage, 1);
	w->regs.dacr32_el2 = DACR_MANAGER;
	HIT(true);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_NONE);
	w->regs.dacr32_el2 = 0;
	w->regs.hcr_el2 |= HCR_EL2_RW;
	HIT(true);
	w->regs.vttbr_el2 = (vttbr & ~VTTBR_EL2_VMID8_MASK) | (2ULL << VTTBR_EL2_VMID_SHIFT);
	HIT(false);
	assert_int_equal(r.vmid, 2);
	w->regs.vttbr_el2 = vttbr;
	HIT(true);
	assert_int_equal(r.vmid, 1);
	a.va = VA_B;
	HIT(false);
	HIT(true);
	w->regs.ttbr0_el1 += 1ULL << TTBR_ASID_SHIFT;
	HIT(false);
	assert_int_equal(r.asid, 2);
	w->regs.ttbr0_el1 -= 1ULL << TTBR_ASID_SHIFT;
	HIT(true);
	/* The ASID from TTBR1 (TCR_EL1.A1), changed there in place. */
	w->regs.tcr_el1 |= TCR_EL1_A1;
	w->regs.ttbr1_el1 = 1ULL << TTBR_ASID_SHIFT;
	HIT(true);
	w->regs.ttbr1_el1 = 3ULL << TTBR_ASID_SHIFT;
	HIT(false);
	assert_int_equal(r.asid, 3);
	w->regs.tcr_el1 &= ~TCR_EL1_A1;
	/* Stage 1 off in place: VA_A is an IPA that nothing maps. */
	a.va = VA_A;
	HIT(true);
	w->regs.sctlr_el1 &= ~SCTLR_M;
	HIT(false);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_TRANSLATION);
	assert_int_equal(r.fault.stage, 2);
	w->regs.sctlr_el1 |= SCTLR_M;
	HIT(true);
	/* No TLBI after a remap: stale checking, turned on, sees it, every hit. */
	remap_ipa_a(w, PA_DATA + 0x5000);
	HIT(true);
	assert_false(r.stale);
	s2_tlb_set_check_stale(t, true);
	HIT(true);
	assert_true(r.stale);
	HIT(true);
	assert_true(r.stale);
	assert_int_equal(t->stats.stale_hits, 2);
	s2_tlb_set_check_stale(t, false);
	HIT(true);
	assert_false(r.stale);
	assert_int_equal(t->stats.stale_hits, 2);
#undef REFUSED
#undef HIT
}

/*
 * A fully associative TLB (one set): the next page's VA, one block size
 * away, is not the entry's (every way of the one set is compared).
 */
static void tlb_one_set_keeps_pages_apart(void **state)
{
	struct tworld *w = *state;
	struct s2_tlb_entry ent[4];
	struct s2_tlb t;
	struct s2_mmu_access a = { VA_A, S2_MMU_READ, 1 };
	struct s2_mmu_result r;
	unsigned i;

	assert_int_equal(s2_tlb_init(&t, ent, 1, 4), 0);
	for (i = 0; i < 2; i++) {
		a.va = VA_A;
		assert_int_equal(s2_tlb_translate(&t, &w->t.mem, &w->cpu, &w->regs, &a, &r), 0);
		assert_true(r.global);
		a.va = VA_B;   /* VA_A + 4KB, nG: its own entry */
		assert_int_equal(s2_tlb_translate(&t, &w->t.mem, &w->cpu, &w->regs, &a, &r), 0);
		assert_int_equal(r.tlb_hit, i == 1);
		assert_false(r.global);
		assert_int_equal(r.asid, 1);
	}
}

/*
 * A TLBI by address reaches an entry of any size that holds the address,
 * whichever set the address's 4KB page would index, and nothing else:
 * not another VMID's, not a block beside it.
 */
static void tlb_tlbi_by_addr_reaches_every_size(void **state)
{
	struct tworld *w = *state;
	struct s2_tlb *t = &w->tlb[0];
	struct s2_tlbi other = { S2_TLBI_IPAS2E1, 2, RAM_IPA + 0x5000, 0 };
	struct s2_mmu_result r;
	const uint64_t g1 = 1ULL << 30, va = 4 * g1;

	/* Stage-2-only entries: a 2MB block and a 4KB page. */
	w->regs.sctlr_el1 &= ~SCTLR_M;
	r = xlate(w, 0, RAM_IPA + 0x10, S2_MMU_READ);
	assert_int_equal(r.s2_shift, 21);
	xlate(w, 0, IPA_A, S2_MMU_READ);
	assert_int_equal(s2_tlb_count(t), 2);
	assert_int_equal(s2_tlb_tlbi(t, &other), 0);
	other.vmid = s2_mmu_vmid(&w->cpu, &w->regs);
	other.addr = RAM_IPA + (2ULL << 20) + 0x5000;   /* the next block */
	assert_int_equal(s2_tlb_tlbi(t, &other), 0);
	other.op = S2_TLBI_VAE1;   /* stage 1 only: no stage-2-only entry */
	other.addr = RAM_IPA + 0x5000;
	assert_int_equal(s2_tlb_tlbi(t, &other), 0);
	assert_int_equal(s2_tlb_count(t), 2);
	assert_true(xlate(w, 0, RAM_IPA + 0x1ff000, S2_MMU_READ).tlb_hit);
	tlbi_is(w, S2_TLBI_IPAS2E1, RAM_IPA + 0x5000, 0);
	assert_int_equal(s2_tlb_count(t), 1);
	assert_false(xlate(w, 0, RAM_IPA + 0x10, S2_MMU_READ).tlb_hit);
	assert_true(xlate(w, 0, IPA_A, S2_MMU_READ).tlb_hit);

	/* A 1GB combined entry, by a VA in its last 4KB page. */
	w->regs.sctlr_el1 |= SCTLR_M;
	w->regs.tcr_el1 = 23 | (2ULL << TCR_EL1_IPS_SHIFT);
	tt_set(&w->t, &w->s2, va, 1, s2_leaf(g1, 3, 0xf, 0, 1));
	tt_set(&w->t, &w->s1, va, 1, s1_leaf(va, 0, 1, 0, 1));
	r = xlate(w, 0, va + 8, S2_MMU_READ);
	assert_int_equal(r.s1_shift, 30);
	assert_int_equal(s2_tlb_count(t), 3);
	tlbi_is(w, S2_TLBI_VAAE1, va - 0x1000, 0);
	tlbi_is(w, S2_TLBI_IPAS2E1, va + 0x3000, 0);   /* not a stage-1 entry */
	assert_int_equal(s2_tlb_count(t), 3);
	tlbi_is(w, S2_TLBI_VALE1, va + g1 - 0x1000, 1);
	assert_int_equal(s2_tlb_count(t), 2);
	assert_false(xlate(w, 0, va + 8, S2_MMU_READ).tlb_hit);
}

/* Translate VA_A on CPU 0 under VMID @vmid (a combined entry of it). */
static void fill_vmid(struct tworld *w, uint16_t vmid)
{
	w->regs.vttbr_el2 = w->s2.root | ((uint64_t)vmid << VTTBR_EL2_VMID_SHIFT);
	assert_int_equal(xlate(w, 0, VA_A, S2_MMU_READ).fault.type, S2_MMU_FAULT_NONE);
}

/*
 * VMALLE1 looks only at the slots filled since the last whole-TLB
 * operation when those hold every stage-1 entry of its VMID (the fill
 * log); it must reach the same entries as a scan of the whole TLB: its
 * VMID's stage-1 entries, however many fills ago and whatever operation
 * came last, and nothing else.
 */
static void tlb_vmalle1_reaches_every_fill(void **state)
{
	struct tworld *w = *state;
	struct s2_tlb *t = &w->tlb[0];
	struct s2_tlbi op = { S2_TLBI_VMALLE1, 1, 0, 0 };
	uint16_t v;

	s2_tlb_set_s2_fetch(t, false);   /* no stage-2 entries for the fetches */
	/* A stage-2-only entry and a combined one of VMID 1: the second goes. */
	w->regs.sctlr_el1 &= ~SCTLR_M;
	xlate(w, 0, IPA_A, S2_MMU_READ);
	w->regs.sctlr_el1 |= SCTLR_M;
	fill_vmid(w, 1);
	assert_int_equal(s2_tlb_count(t), 2);
	assert_int_equal(s2_tlb_tlbi(t, &op), 0);
	assert_int_equal(s2_tlb_count(t), 1);

	/* VMID 1's entry filled before a VMALLE1 of VMID 2: still reached. */
	fill_vmid(w, 1);
	op.vmid = 2;
	assert_int_equal(s2_tlb_tlbi(t, &op), 0);
	assert_int_equal(s2_tlb_count(t), 2);
	op.vmid = 1;
	assert_int_equal(s2_tlb_tlbi(t, &op), 0);
	assert_int_equal(s2_tlb_count(t), 1);

	/*
	 * More fills than the log holds (stage-2-only entries of other
	 * VMIDs, one set's ways), VMID 1's the last, in another set: still
	 * reached, the others left.
	 */
	w->regs.sctlr_el1 &= ~SCTLR_M;
	for (v = 2; v < 12; v++) {
		w->regs.vttbr_el2 = w->s2.root | ((uint64_t)v << VTTBR_EL2_VMID_SHIFT);
		xlate(w, 0, IPA_A, S2_MMU_READ);
	}
	w->regs.sctlr_el1 |= SCTLR_M;
	w->regs.vttbr_el2 = w->s2.root | (1ULL << VTTBR_EL2_VMID_SHIFT);
	assert_int_equal(xlate(w, 0, VA_B, S2_MMU_READ).fault.type, S2_MMU_FAULT_NONE);
	assert_int_equal(s2_tlb_count(t), NWAYS + 1);
	assert_int_equal(s2_tlb_tlbi(t, &op), 0);
	assert_int_equal(s2_tlb_count(t), NWAYS);
	assert_false(xlate(w, 0, VA_B, S2_MMU_READ).tlb_hit);
	w->regs.sctlr_el1 &= ~SCTLR_M;
	w->regs.vttbr_el2 = w->s2.root | (11ULL << VTTBR_EL2_VMID_SHIFT);
	assert_true(xlate(w, 0, IPA_A, S2_MMU_READ).tlb_hit);
	w->regs.sctlr_el1 |= SCTLR_M;
	/* After ALLE1 the log holds everything: a fill, then VMALLE1. */
	op.op = S2_TLBI_ALLE1;
	assert_int_equal(s2_tlb_tlbi(t, &op), 0);
	assert_int_equal(s2_tlb_count(t), 0);
	fill_vmid(w, 3);
	fill_vmid(w, 1);
	op.op = S2_TLBI_VMALLE1;
	assert_int_equal(s2_tlb_tlbi(t, &op), 0);
	assert_int_equal(s2_tlb_count(t), 1);
	assert_int_equal(w->tlb[0].stats.stale_hits, 0);
}

/*
 * Faults are counted by kind and stage: a stage-2 fault on a stage-1
 * table fetch (S1PTW) counts as stage 2 and as S1PTW, a stage-1
 * permission fault of a hit as neither.
 */
static void tlb_counts_faults(void **state)
{
	struct tworld *w = *state;
	struct s2_tlb_stats *st = &w->tlb[0].stats;
	struct s2_mmu_access el0 = { VA_A, S2_MMU_READ, 0 };
	struct s2_mmu_result r;

	tt_set(&w->t, &w->s2, w->tbl_ipa, 3, 0);   /* VA_TBL2's level-1 table */
	r = xlate(w, 0, VA_TBL2, S2_MMU_READ);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_TRANSLATION);
	assert_true(r.fault.s1ptw);
	assert_int_equal(st->faults[S2_MMU_FAULT_TRANSLATION], 1);
	assert_int_equal(st->faults_stage2, 1);
	assert_int_equal(st->faults_s1ptw, 1);
	xlate(w, 0, VA_A, S2_MMU_READ);
	assert_int_equal(s2_tlb_translate(&w->tlb[0], &w->t.mem, &w->cpu, &w->regs, &el0, &r), 0);
	assert_true(r.tlb_hit);
	assert_int_equal(st->faults[S2_MMU_FAULT_PERMISSION], 1);
	assert_int_equal(st->faults_stage2, 1);
	assert_int_equal(st->faults_s1ptw, 1);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, tsetup, tteardown)
	const struct CMUnitTest tests[] = {
		T(tlb_hit_after_miss),
		T(tlb_remap_without_tlbi_is_stale),
		T(tlb_ipas2e1is_alone_stays_stale),
		T(tlb_vmalls12e1is_clears),
		T(tlb_local_tlbi_is_local),
		T(tlb_vmid_change_isolates),
		T(tlb_asid_tagging),
		T(tlb_mmu_off_entries_are_stage2),
		T(tlb_stage2_entry_hits_as_walked),
		T(tlb_permission_relax_needs_tlbi),
		T(tlb_walk_cache_needs_ipas2e1),
		T(tlb_capacity_evicts),
		T(tlb_fill_takes_the_freed_way),
		cmocka_unit_test(tlb_stays_in_its_entries),
		T(tlb_hit_checks_permissions),
		T(tlb_a32_split_keeps_entries_apart),
		T(tlb_a32_va_is_32_bits),
		T(tlb_one_set_keeps_pages_apart),
		T(tlb_counts_faults),
		T(tlb_tlbi_by_addr_reaches_every_size),
		T(tlb_vmalle1_reaches_every_fill),
		T(tlb_a64_entries_keep_their_block),
		T(tlb_hits_as_walked),
		T(tlb_hits_blocks_as_walked),
		T(tlb_hit_checks_what_changed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

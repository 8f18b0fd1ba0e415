/* SPDX-License-Identifier: MIT */
/*
 * The inline TLB hit (s2mm/tlb_fast.h) against s2_tlb_translate(): where
 * it hits, it gives what the full translation gives; it misses after
 * every TLBI that removes the entry, after every register change the
 * embedder announces (s2_tlb_regs_changed()), for writes through a
 * writable-clean leaf and wherever the full path must decide.
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
#include <s2mm/tlb_fast.h>

#include "tt.h"

#define RAM_IPA   0x80000000ULL
#define PA_DATA   0x40000000ULL
#define IPA_A     0x10000000ULL
#define IPA_C     0x10002000ULL   /* DBM=1 stage-2 page, read-only */
#define VA_A      0x400000ULL     /* global, RW at EL0 and EL1 */
#define VA_B      0x401000ULL     /* nG (ASID), RW */
#define VA_RO     0x402000ULL     /* read-only, never executable */
#define VA_CLEAN  0x403000ULL     /* stage-1 DBM=1, AP[2]=1: writable-clean */
#define VA_S2CLEAN 0x404000ULL    /* stage 1 RW over IPA_C */
#define VA_BLK    0x40000000ULL   /* stage-1 1GB block over the RAM's 2MB blocks */
#define MAIR_VAL  0xff00ULL       /* attr 1: Normal WB */

#define NSETS 16
#define NWAYS 4

struct fworld {
	struct tt t;
	struct s2_mmu_cpu cpu;
	struct s2_mmu_regs regs;
	struct tt_geo s2, s1;
	struct s2_tlb_entry ent[NSETS * NWAYS];
	struct s2_tlb_entry trap;   /* right past the TLB's last set */
	struct s2_tlb tlb;
};

static int fsetup(void **state)
{
	struct fworld *w = calloc(1, sizeof(*w));
	uint64_t ram_pa, i;

	tt_init(&w->t);
	w->cpu = s2_mmu_cpu_max;
	w->s2 = (struct tt_geo){ 12, 1, 40, tt_alloc(&w->t, 8192), 0 };
	ram_pa = (w->t.next + (2ULL << 20) - 1) & ~((2ULL << 20) - 1);
	w->t.next = ram_pa;
	for (i = 0; i < (8ULL << 20); i += 2ULL << 20)
		tt_set(&w->t, &w->s2, RAM_IPA + i, 2, s2_leaf(ram_pa + i, 3, 0xf, 0, 2));
	tt_set(&w->t, &w->s2, IPA_A, 3, s2_leaf(PA_DATA + 0x1000, 3, 0xf, 0, 3));
	tt_set(&w->t, &w->s2, IPA_C, 3,
	       s2_leaf(PA_DATA + 0x3000, 1, 0xf, 0, 3) | DESC_DBM);
	w->s1 = (struct tt_geo){ 12, 0, 48, tt_alloc(&w->t, 4096), ram_pa - RAM_IPA };
	tt_set(&w->t, &w->s1, VA_A, 3, s1_leaf(IPA_A, 1, 1, 0, 3));
	tt_set(&w->t, &w->s1, VA_B, 3, s1_leaf(IPA_A, 1, 1, S1_DESC_NG, 3));
	tt_set(&w->t, &w->s1, VA_RO, 3,
	       s1_leaf(IPA_A, 3, 1, S1_DESC_UXN | S1_DESC_PXN, 3));
	tt_set(&w->t, &w->s1, VA_CLEAN, 3, s1_leaf(IPA_A, 3, 1, DESC_DBM, 3));
	tt_set(&w->t, &w->s1, VA_S2CLEAN, 3, s1_leaf(IPA_C, 1, 1, 0, 3));
	tt_set(&w->t, &w->s1, VA_BLK, 1, s1_leaf(RAM_IPA, 1, 1, 0, 1));
	w->regs = (struct s2_mmu_regs){
		.hcr_el2 = HCR_EL2_RW | HCR_EL2_VM,
		.vtcr_el2 = 0x80023558ULL | VTCR_EL2_HA | VTCR_EL2_HD,
		.vttbr_el2 = w->s2.root | (1ULL << VTTBR_EL2_VMID_SHIFT),
		.sctlr_el1 = SCTLR_M,
		.tcr_el1 = 16 | (2ULL << TCR_EL1_IPS_SHIFT) | TCR_EL1_HA | TCR_EL1_HD,
		.ttbr0_el1 = (w->s1.root - w->s1.off) | (1ULL << TTBR_ASID_SHIFT),
		.mair_el1 = MAIR_VAL,
	};
	assert_int_equal(s2_tlb_init(&w->tlb, w->ent, NSETS, NWAYS), 0);
	*state = w;
	return 0;
}

static int fteardown(void **state)
{
	struct fworld *w = *state;

	tt_fini(&w->t);
	free(w);
	return 0;
}

static struct s2_mmu_result full(struct fworld *w, uint64_t va, unsigned acc,
				 unsigned el)
{
	struct s2_mmu_access a = { va, (uint8_t)acc, (uint8_t)el };
	struct s2_mmu_result r;

	assert_int_equal(s2_tlb_translate(&w->tlb, &w->t.mem, &w->cpu, &w->regs, &a, &r), 0);
	return r;
}

static bool fast(struct fworld *w, uint64_t va, unsigned acc, unsigned el,
		 struct s2_tlb_fast_hit *h)
{
	struct s2_mmu_access a = { va, (uint8_t)acc, (uint8_t)el };

	return s2_tlb_fast_lookup(&w->tlb, &a, h);
}

/*
 * The inline look-up of (@va, @acc, @el) misses, counting nothing, and
 * the full translation after it says whether it had to: @full_hits.
 */
static void must_miss(struct fworld *w, uint64_t va, unsigned acc, unsigned el,
		      bool full_hits)
{
	struct s2_tlb_fast_hit h;
	struct s2_tlb_stats before = w->tlb.stats;

	memset(&h, 0xa5, sizeof(h));
	assert_false(fast(w, va, acc, el, &h));
	assert_memory_equal(&before, &w->tlb.stats, sizeof(before));
	for (size_t i = 0; i < sizeof(h); i++)
		assert_int_equal(((const uint8_t *)&h)[i], 0xa5);  /* untouched */
	assert_int_equal(full(w, va, acc, el).tlb_hit, full_hits);
}

/*
 * The inline look-up hits, counts as the full translation's hit does,
 * and gives what the full translation gives for the same access.
 */
static void must_hit(struct fworld *w, uint64_t va, unsigned acc, unsigned el)
{
	struct s2_tlb_fast_hit h;
	struct s2_tlb_stats before = w->tlb.stats;
	struct s2_mmu_result r;

	assert_true(fast(w, va, acc, el, &h));
	assert_int_equal(w->tlb.stats.translations, before.translations + 1);
	assert_int_equal(w->tlb.stats.hits, before.hits + 1);
	assert_int_equal(w->tlb.stats.misses, before.misses);
	r = full(w, va, acc, el);
	assert_true(r.tlb_hit);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_NONE);
	assert_int_equal(r.dirty, 0);
	assert_int_equal(h.pa, r.pa);
	assert_int_equal(h.ipa, r.ipa);
	assert_int_equal(h.attr, r.attr);
	assert_int_equal(h.sh, r.sh);
	assert_int_equal(h.s1_level, r.s1_level);
	assert_int_equal(h.s2_level, r.s2_level);
	assert_int_equal(h.s1_shift, r.s1_shift);
	assert_int_equal(h.s2_shift, r.s2_shift);
	assert_int_equal(h.s1_perm, r.s1_perm);
	assert_int_equal(h.s2_perm, r.s2_perm);
}

/* A hit gives the walk's translation; a TLB not yet used, nothing. */
static void fast_hit_agrees(void **state)
{
	struct fworld *w = *state;
	struct s2_mmu_result walk;
	struct s2_mmu_access a = { VA_A + 0x18, S2_MMU_READ, 1 };

	must_miss(w, VA_A + 0x18, S2_MMU_READ, 1, false);   /* fills */
	must_hit(w, VA_A + 0x18, S2_MMU_READ, 1);
	must_hit(w, VA_A + 0xff8, S2_MMU_WRITE, 1);
	must_hit(w, VA_A, S2_MMU_READ, 0);
	must_hit(w, VA_A + 4, S2_MMU_EXEC, 0);
	assert_int_equal(s2_mmu_translate(&w->t.mem, &w->cpu, &w->regs, &a, &walk), 0);
	{
		struct s2_tlb_fast_hit h;

		assert_true(fast(w, VA_A + 0x18, S2_MMU_READ, 1, &h));
		assert_int_equal(h.pa, PA_DATA + 0x1018);
		assert_int_equal(h.pa, walk.pa);
		assert_int_equal(h.ipa, IPA_A + 0x18);
		assert_int_equal(h.attr, walk.attr);
	}
	/* The next page: no entry. */
	must_miss(w, VA_A + 0x1000 + 0x18, S2_MMU_READ, 1, false);
}

/* What the entry does not grant, the full path decides (and faults). */
static void fast_permission_misses(void **state)
{
	struct fworld *w = *state;
	struct s2_tlb_fast_hit h;
	struct s2_mmu_access bad = { VA_RO, 3, 1 };

	must_miss(w, VA_RO, S2_MMU_READ, 0, false);
	must_hit(w, VA_RO, S2_MMU_READ, 0);
	must_hit(w, VA_RO, S2_MMU_READ, 1);
	must_miss(w, VA_RO, S2_MMU_WRITE, 1, true);
	assert_int_equal(full(w, VA_RO, S2_MMU_WRITE, 0).fault.type, S2_MMU_FAULT_PERMISSION);
	must_miss(w, VA_RO, S2_MMU_EXEC, 0, true);
	must_miss(w, VA_RO, S2_MMU_EXEC, 1, true);
	/* A bad access is the full path's error, not a hit. */
	assert_false(s2_tlb_fast_lookup(&w->tlb, &bad, &h));
	must_miss(w, VA_A, S2_MMU_READ, 1, false);
	must_hit(w, VA_A, S2_MMU_READ, 1);
	bad = (struct s2_mmu_access){ VA_A, 3, 0 };   /* bit 3: EL1's read */
	assert_false(s2_tlb_fast_lookup(&w->tlb, &bad, &h));
	bad = (struct s2_mmu_access){ VA_RO, S2_MMU_READ, 2 };
	assert_false(s2_tlb_fast_lookup(&w->tlb, &bad, &h));
	assert_int_equal(s2_tlb_translate(&w->tlb, &w->t.mem, &w->cpu, &w->regs, &bad,
					  &(struct s2_mmu_result){ 0 }), -S2_EINVAL);
}

/*
 * FEAT_HAFDBS: a writable-clean leaf's entry holds no write. A write
 * misses inline, walks (the leaf made dirty), and then hits; either stage.
 */
static void fast_writable_clean_walks(void **state)
{
	struct fworld *w = *state;
	static const uint64_t vas[] = { VA_CLEAN, VA_S2CLEAN };

	for (unsigned i = 0; i < 2; i++) {
		uint64_t dirty_walks = w->tlb.stats.dirty_walks;
		struct s2_mmu_result r;

		must_miss(w, vas[i], S2_MMU_READ, 1, false);
		must_hit(w, vas[i], S2_MMU_READ, 1);
		must_miss(w, vas[i], S2_MMU_WRITE, 1, false);
		assert_int_equal(w->tlb.stats.dirty_walks, dirty_walks + 1);
		must_hit(w, vas[i], S2_MMU_WRITE, 1);
		r = full(w, vas[i], S2_MMU_WRITE, 0);
		assert_int_equal(r.fault.type, S2_MMU_FAULT_NONE);
	}
}

/* Every block size the TLB holds is probed: a 1GB... block entry hits. */
static void fast_hits_every_size(void **state)
{
	struct fworld *w = *state;
	struct s2_tlb_fast_hit h;

	must_miss(w, VA_A, S2_MMU_READ, 1, false);
	must_miss(w, VA_BLK + 0x123450, S2_MMU_READ, 1, false);
	assert_true(fast(w, VA_BLK + 0x123450, S2_MMU_READ, 1, &h));
	assert_int_equal(h.s2_shift, 21);   /* the stage-2 2MB block bounds it */
	must_hit(w, VA_BLK + 0x1ffff8, S2_MMU_WRITE, 1);
	must_hit(w, VA_A + 8, S2_MMU_READ, 1);
	must_miss(w, VA_BLK + 0x200000, S2_MMU_READ, 1, false);
	must_hit(w, VA_BLK + 0x200000, S2_MMU_READ, 1);
}

/*
 * A probe reads its own set's ways and nothing past them: an entry that
 * would match, lying right after the last set, is never hit.
 */
static void fast_probe_stays_in_its_set(void **state)
{
	struct fworld *w = *state;
	const uint64_t va = VA_A + (NSETS - 1 - ((VA_A >> 12) & (NSETS - 1))) * 4096;
	struct s2_tlbi op = { S2_TLBI_VAAE1, 1, va, 0 };
	struct s2_tlb_fast_hit h;
	unsigned n = 0;

	tt_set(&w->t, &w->s1, va, 3, s1_leaf(IPA_A, 1, 1, 0, 3));
	must_miss(w, va, S2_MMU_READ, 1, false);
	must_hit(w, va, S2_MMU_READ, 1);
	/* Its entry, in the last set: copied past it, then invalidated. */
	for (unsigned i = 0; i < NSETS * NWAYS; i++) {
		if (w->ent[i].kind != S2_TLB_INVALID && w->ent[i].in == va) {
			assert_true(i >= (NSETS - 1) * NWAYS);
			w->trap = w->ent[i];
			n++;
		}
	}
	assert_int_equal(n, 1);
	assert_int_equal(s2_tlb_tlbi(&w->tlb, &op), 0);
	assert_false(fast(w, va, S2_MMU_READ, 1, &h));
	/* The full path's probe is the same code. */
	assert_false(full(w, va, S2_MMU_READ, 1).tlb_hit);
}

struct tlbi_case {
	uint8_t op;
	uint64_t addr;
	uint16_t asid;
	bool a_stays, b_stays;   /* VA_A (global), VA_B (nG, ASID 1) */
};

/*
 * After each TLBI, the inline look-up misses exactly the entries it
 * removed (D8.13): a TLBI that left one would show as a hit here.
 */
static void fast_misses_after_every_tlbi(void **state)
{
	struct fworld *w = *state;
	static const struct tlbi_case cases[] = {
		{ S2_TLBI_ALLE1, 0, 0, false, false },
		{ S2_TLBI_VMALLS12E1, 0, 0, false, false },
		{ S2_TLBI_VMALLE1, 0, 0, false, false },
		{ S2_TLBI_VAE1, VA_A, 1, false, true },
		{ S2_TLBI_VAE1, VA_B, 1, true, false },
		{ S2_TLBI_VAE1, VA_B, 2, true, true },     /* another ASID */
		{ S2_TLBI_VALE1, VA_A, 7, false, true },   /* global: any ASID */
		{ S2_TLBI_VALE1, VA_B, 1, true, false },
		{ S2_TLBI_VAAE1, VA_B, 0, true, false },
		{ S2_TLBI_VAALE1, VA_A, 0, false, true },
		{ S2_TLBI_ASIDE1, 0, 1, true, false },
		{ S2_TLBI_ASIDE1, 0, 2, true, true },
		/* Stage-2-only entries alone: combined entries survive. */
		{ S2_TLBI_IPAS2E1, IPA_A, 0, true, true },
		{ S2_TLBI_IPAS2LE1, IPA_A, 0, true, true },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct tlbi_case *c = &cases[i];
		struct s2_tlbi op = { c->op, 1, c->addr, c->asid };

		print_message("case %zu\n", i);

		full(w, VA_A, S2_MMU_READ, 1);
		full(w, VA_B, S2_MMU_READ, 1);
		must_hit(w, VA_A, S2_MMU_READ, 1);
		must_hit(w, VA_B, S2_MMU_READ, 1);
		assert_int_equal(s2_tlb_tlbi(&w->tlb, &op), 0);
		if (c->a_stays)
			must_hit(w, VA_A, S2_MMU_READ, 1);
		else
			must_miss(w, VA_A, S2_MMU_READ, 1, false);
		if (c->b_stays)
			must_hit(w, VA_B, S2_MMU_READ, 1);
		else
			must_miss(w, VA_B, S2_MMU_READ, 1, false);
	}
	/* Another VMID's TLBI reaches nothing of VMID 1's (ALLE1 has none). */
	for (unsigned op = S2_TLBI_ALLE1 + 1; op < S2_TLBI_NR; op++) {
		struct s2_tlbi t = { (uint8_t)op, 2, VA_A, 1 };

		assert_int_equal(s2_tlb_tlbi(&w->tlb, &t), 0);
		must_hit(w, VA_A, S2_MMU_READ, 1);
	}
	/* The broadcast form reaches this TLB as the local one does. */
	{
		struct s2_tlb *cpus[] = { &w->tlb };
		struct s2_tlb_system sys = { cpus, 1 };
		struct s2_tlbi t = { S2_TLBI_VMALLE1, 1, 0, 0 };

		assert_int_equal(s2_tlb_tlbi_is(&sys, &t), 0);
		must_miss(w, VA_A, S2_MMU_READ, 1, false);
	}
}

/*
 * The full translation of (@va, @acc, @el), and the inline look-up before
 * it: a hit of it must be a hit of the full path with the same answer.
 */
static bool agree(struct fworld *w, uint64_t va, unsigned acc, unsigned el)
{
	struct s2_tlb_fast_hit h;
	bool hit = fast(w, va, acc, el, &h);
	struct s2_mmu_result r = full(w, va, acc, el);

	if (!hit)
		return false;
	assert_true(r.tlb_hit);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_NONE);
	assert_int_equal(h.pa, r.pa);
	assert_int_equal(h.ipa, r.ipa);
	assert_memory_equal(&h.attr, &r.attr, 8);
	return true;
}

/* A change of one register, announced: the look-up misses until validated. */
struct reg_case {
	const char *what;
	size_t off;        /* the register in struct s2_mmu_regs */
	uint64_t xor;      /* the bits changed */
	bool a_hits;       /* VA_A's entry answers under the new value */
	bool b_hits;       /* VA_B's (ASID 1) too */
};

static void fast_misses_after_every_register_write(void **state)
{
	struct fworld *w = *state;
	const struct reg_case cases[] = {
		/* ASID 1 -> 3: VA_A is global, VA_B's entry is ASID 1's. */
		{ "TTBR0_EL1.ASID", offsetof(struct s2_mmu_regs, ttbr0_el1),
		  2ULL << TTBR_ASID_SHIFT, true, false },
		/* VMID 1 -> 3: nothing of VMID 1 answers. */
		{ "VTTBR_EL2.VMID", offsetof(struct s2_mmu_regs, vttbr_el2),
		  2ULL << VTTBR_EL2_VMID_SHIFT, false, false },
		/* No TLBI with them: the old entries answer (as on hardware). */
		{ "MAIR_EL1", offsetof(struct s2_mmu_regs, mair_el1), 0x44ULL << 16, true, true },
		{ "TCR_EL1.HD", offsetof(struct s2_mmu_regs, tcr_el1), TCR_EL1_HD, true, true },
		{ "VTCR_EL2.HD", offsetof(struct s2_mmu_regs, vtcr_el2), VTCR_EL2_HD, true, true },
		{ "TTBR0_EL1.BADDR", offsetof(struct s2_mmu_regs, ttbr0_el1), 0x1000, true, true },
		{ "DACR32_EL2", offsetof(struct s2_mmu_regs, dacr32_el2), 3, true, true },
		{ "CONTEXTIDR_EL1", offsetof(struct s2_mmu_regs, contextidr_el1), 5, true, true },
		/* Stage 1 off: stage-2-only entries, the full path's. */
		{ "SCTLR_EL1.M", offsetof(struct s2_mmu_regs, sctlr_el1), SCTLR_M, false, false },
		/* Stage-1-only entries: another kind. */
		{ "HCR_EL2.VM", offsetof(struct s2_mmu_regs, hcr_el2), HCR_EL2_VM, false, false },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct reg_case *c = &cases[i];
		uint64_t *reg = (uint64_t *)(void *)((char *)&w->regs + c->off);

		print_message("%s\n", c->what);
		full(w, VA_A, S2_MMU_READ, 1);
		full(w, VA_B, S2_MMU_READ, 1);
		must_hit(w, VA_B, S2_MMU_READ, 1);
		*reg ^= c->xor;
		s2_tlb_regs_changed(&w->tlb);
		/* The first look-up after the change: the old context is gone. */
		must_miss(w, VA_B, S2_MMU_READ, 1, c->b_hits);
		/* Validated again by that call: hits where the full path does. */
		if (c->a_hits)
			must_hit(w, VA_A, S2_MMU_READ, 1);
		else
			agree(w, VA_A, S2_MMU_READ, 1);
		*reg ^= c->xor;
		s2_tlb_regs_changed(&w->tlb);
		must_miss(w, VA_A, S2_MMU_READ, 1, true);
		must_hit(w, VA_A, S2_MMU_READ, 1);
	}
}

/*
 * A VMID and ASID switch and back, as a hypervisor's context switch does:
 * each side's entries answer only under its own tags.
 */
static void fast_vmid_asid_switch(void **state)
{
	struct fworld *w = *state;
	const uint64_t vmid1 = w->regs.vttbr_el2, asid1 = w->regs.ttbr0_el1;

	full(w, VA_B, S2_MMU_READ, 1);
	must_hit(w, VA_B, S2_MMU_READ, 1);
	w->regs.ttbr0_el1 = asid1 ^ (3ULL << TTBR_ASID_SHIFT);   /* ASID 2 */
	s2_tlb_regs_changed(&w->tlb);
	must_miss(w, VA_B, S2_MMU_READ, 1, false);   /* ASID 2 fills its own */
	must_hit(w, VA_B, S2_MMU_READ, 1);
	w->regs.vttbr_el2 = vmid1 ^ (3ULL << VTTBR_EL2_VMID_SHIFT);   /* VMID 2 */
	s2_tlb_regs_changed(&w->tlb);
	must_miss(w, VA_B, S2_MMU_READ, 1, false);
	must_hit(w, VA_B, S2_MMU_READ, 1);
	w->regs.vttbr_el2 = vmid1;
	w->regs.ttbr0_el1 = asid1;
	s2_tlb_regs_changed(&w->tlb);
	must_miss(w, VA_B, S2_MMU_READ, 1, true);    /* VMID 1, ASID 1's entry */
	must_hit(w, VA_B, S2_MMU_READ, 1);
	/* VMID 1's VMALLE1 leaves VMID 2's entries; back there, they hit. */
	{
		struct s2_tlbi t = { S2_TLBI_VMALLE1, 1, 0, 0 };

		assert_int_equal(s2_tlb_tlbi(&w->tlb, &t), 0);
	}
	must_miss(w, VA_B, S2_MMU_READ, 1, false);
	w->regs.vttbr_el2 = vmid1 ^ (3ULL << VTTBR_EL2_VMID_SHIFT);
	w->regs.ttbr0_el1 = asid1 ^ (3ULL << TTBR_ASID_SHIFT);
	s2_tlb_regs_changed(&w->tlb);
	must_miss(w, VA_B, S2_MMU_READ, 1, true);
	must_hit(w, VA_B, S2_MMU_READ, 1);
}

/* Where the inline hit does not apply at all: the full path answers. */
static void fast_never_where_full_path_decides(void **state)
{
	struct fworld *w = *state;

	/* Stale-entry checking verifies every hit: none inline. */
	s2_tlb_set_check_stale(&w->tlb, true);
	must_miss(w, VA_A, S2_MMU_READ, 1, false);
	must_miss(w, VA_A, S2_MMU_READ, 1, true);
	s2_tlb_set_check_stale(&w->tlb, false);
	must_miss(w, VA_A, S2_MMU_READ, 1, true);
	must_hit(w, VA_A, S2_MMU_READ, 1);
	/* An AArch32 EL1 (HCR_EL2.RW=0). */
	w->regs.hcr_el2 &= ~HCR_EL2_RW;
	w->regs.tcr_el1 = 0;
	s2_tlb_regs_changed(&w->tlb);
	full(w, VA_A, S2_MMU_READ, 1);
	must_miss(w, VA_A, S2_MMU_READ, 1, true);
}

/*
 * Random accesses, TLBIs and register switches: every inline hit is a
 * hit of the full path with the same answer, and counts the same.
 */
static void fast_random_agrees(void **state)
{
	struct fworld *w = *state;
	static const uint64_t vas[] = { VA_A, VA_B, VA_RO, VA_CLEAN, VA_S2CLEAN,
					VA_BLK, VA_BLK + 0x200000, VA_A + 0x1000 };
	const uint64_t vttbr = w->regs.vttbr_el2, ttbr0 = w->regs.ttbr0_el1;
	uint64_t rng = 88172645463325252ULL, fast_hits = 0;

	for (int n = 0; n < 20000; n++) {
		uint64_t va;
		unsigned acc, el;

		rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
		if (rng % 97 == 0) {
			struct s2_tlbi t = { (uint8_t)((rng >> 8) % S2_TLBI_NR),
					     (uint16_t)(1 + ((rng >> 16) & 1)),
					     vas[(rng >> 20) % 8], (uint16_t)(1 + ((rng >> 24) & 1)) };
			assert_int_equal(s2_tlb_tlbi(&w->tlb, &t), 0);
			continue;
		}
		if (rng % 89 == 0) {
			w->regs.vttbr_el2 = vttbr ^ ((rng >> 8) & 1 ? 3ULL << VTTBR_EL2_VMID_SHIFT : 0);
			w->regs.ttbr0_el1 = ttbr0 ^ ((rng >> 9) & 1 ? 3ULL << TTBR_ASID_SHIFT : 0);
			s2_tlb_regs_changed(&w->tlb);
			continue;
		}
		va = vas[(rng >> 8) % 8] + ((rng >> 16) & 0xff8);
		acc = (unsigned)(rng >> 32) % 3;
		el = (unsigned)(rng >> 40) & 1;
		fast_hits += agree(w, va, acc, el);
	}
	assert_true(fast_hits > 5000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(fast_hit_agrees, fsetup, fteardown),
		cmocka_unit_test_setup_teardown(fast_permission_misses, fsetup, fteardown),
		cmocka_unit_test_setup_teardown(fast_writable_clean_walks, fsetup, fteardown),
		cmocka_unit_test_setup_teardown(fast_hits_every_size, fsetup, fteardown),
		cmocka_unit_test_setup_teardown(fast_probe_stays_in_its_set, fsetup, fteardown),
		cmocka_unit_test_setup_teardown(fast_misses_after_every_tlbi, fsetup, fteardown),
		cmocka_unit_test_setup_teardown(fast_misses_after_every_register_write,
						fsetup, fteardown),
		cmocka_unit_test_setup_teardown(fast_vmid_asid_switch, fsetup, fteardown),
		cmocka_unit_test_setup_teardown(fast_never_where_full_path_decides,
						fsetup, fteardown),
		cmocka_unit_test_setup_teardown(fast_random_agrees, fsetup, fteardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

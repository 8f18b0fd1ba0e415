/* SPDX-License-Identifier: MIT */
/*
 * The MMU model's walkers (the fast 2D walk where it applies, the general
 * walk everywhere) against the reference walk (refwalk.c) over a product
 * of configurations: output size (48 bits; 52 bits by FEAT_LPA with 64KB,
 * FEAT_LPA2 with DS=1 for 4KB and 16KB) x stage-2 granule x stage-2 start
 * level and IPA size (single and concatenated roots, level -1 with LPA2)
 * x stage-1 granule x VA size x stage-1 leaf level x stage-2 leaf level
 * (every block level the granule allows, and pages), the stage-1 tables'
 * own stage-2 mapping by pages or by level-2 blocks, through TTBR0 and
 * TTBR1. Each mapping is read, written and executed at EL0 and EL1 at
 * its first and last bytes and one between; its neighbours, and IPA
 * holes under a stage-1 block, are translated too. Every answer must equal
 * the reference walk's (fault type, level, stage, S1PTW, fault IPA; PA,
 * IPA, leaf levels, permissions) and s2_mmu_translate_cached()'s, and an
 * EL1 read must give the PA the mapping was built for.
 *
 * Linked with s2mm_model_checked: where the fast walk answers (4KB at
 * both stages, 48-bit OAs) it is also checked against the general walk.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <s2mm/arch.h>
#include <s2mm/mmu.h>

#include "refwalk.h"
#include "splitmix.h"
#include "tt.h"

extern unsigned long s2_model_fast_walks[3];

#define GENMASK(hi, lo) ((~0ULL >> (63 - (hi))) & ~((1ULL << (lo)) - 1))
#define AREA_BASE (TT_MEM_BASE + TT_MEM_SIZE - (64ULL << 20))
#define MAXMAP 30

enum { OA48, OA52 };
enum { R = S2_MMU_READ, W = S2_MMU_WRITE, X = S2_MMU_EXEC };

struct world {
	struct tt t;
	uint8_t *host;
	struct s2_mmu_cpu cpu;
	struct s2_mmu_regs regs;
	struct s2_mmu_regime rc;   /* kept across configurations */
	struct tt_geo s2, s1[2];
	unsigned mode, oa;         /* OA48/OA52, output size of both stages */
	uint64_t ram_ipa;          /* IPA of TT_MEM_BASE */
	char name[160];
	uint64_t rng;
	unsigned long configs, maps, xlats, pa_checks, ref_checks;
};

static uint64_t rnd(struct world *w)
{
	return splitmix64(&w->rng);
}

static unsigned stride_of(unsigned g)
{
	return g - 3;
}

static uint64_t lsize(unsigned g, int level)
{
	return 1ULL << (g + (unsigned)(3 - level) * stride_of(g));
}

/* AArch64.BlockDescSupported, DS as @mode. */
static bool leaf_level_ok(const struct s2_mmu_cpu *cpu, unsigned mode, unsigned g,
			  int level)
{
	bool ds = mode == OA52 && g != 16;

	if (level == 3)
		return true;
	switch (g) {
	case 12:
		return level == 1 || level == 2 || (level == 0 && ds);
	case 14:
		return level == 2 || (level == 1 && ds);
	default:
		return level == 2 || (level == 1 && cpu->pa_bits == 52);
	}
}

/*
 * A leaf's OA field: OA[47:g] in place; with DS OA[49:g] in place and
 * OA[51:50] in bits [9:8]; 64KB with a 52-bit OA: OA[51:48] in [15:12].
 */
static uint64_t enc_oa(unsigned mode, unsigned g, uint64_t oa)
{
	if (mode == OA52 && g != 16)
		return (oa & GENMASK(49, g)) | ((oa >> 50) & 3) << 8;
	if (mode == OA52)
		return (oa & GENMASK(47, 16)) | ((oa >> 48) & 0xf) << 12;
	return oa & GENMASK(47, g);
}

/* SH is bits [9:8] only without DS (with DS they are OA[51:50]). */
static uint64_t sh_bits(unsigned mode, unsigned g)
{
	return mode == OA52 && g != 16 ? 0 : DESC_SH_IS << DESC_SH_SHIFT;
}

static uint64_t s2_data(struct world *w, uint64_t pa, int level, unsigned k)
{
	unsigned g = w->s2.gbits;

	return enc_oa(w->mode, g, pa) | sh_bits(w->mode, g) |
	       (S2_MEMATTR_NORMAL_WB << S2_DESC_MEMATTR_SHIFT) |
	       ((uint64_t)(k % 3 + 1) << S2_DESC_S2AP_SHIFT) |
	       ((uint64_t)(k >> 1 & 3) << S2_DESC_XN_SHIFT) | DESC_AF |
	       (level == 3 ? DESC_TYPE_PAGE : DESC_TYPE_BLOCK);
}

static uint64_t s1_data(struct world *w, unsigned h, uint64_t ipa, int level,
			unsigned k)
{
	unsigned g = w->s1[h].gbits;

	return enc_oa(w->mode, g, ipa) | sh_bits(w->mode, g) |
	       ((uint64_t)(k & 3) << S1_DESC_AP_SHIFT) |
	       (k & 4 ? S1_DESC_UXN : 0) | (k & 8 ? S1_DESC_PXN : 0) |
	       (k & 16 ? S1_DESC_NG : 0) | DESC_AF |
	       (level == 3 ? DESC_TYPE_PAGE : DESC_TYPE_BLOCK);
}

/* Every field of the result a caller can see (no padding compared). */
static bool same(const struct s2_mmu_result *a, const struct s2_mmu_result *b)
{
	return a->fault.type == b->fault.type && a->fault.level == b->fault.level &&
	       a->fault.stage == b->fault.stage && a->fault.s1ptw == b->fault.s1ptw &&
	       a->fault.ipa == b->fault.ipa && a->pa == b->pa && a->ipa == b->ipa &&
	       a->s1_level == b->s1_level && a->s2_level == b->s2_level &&
	       a->s1_perm == b->s1_perm && a->s2_perm == b->s2_perm &&
	       a->attr == b->attr && a->desc_reads == b->desc_reads;
}

/*
 * Translate @va (@acc at @el) three ways: uncached, cached, reference.
 * @want: the PA an EL1 read must give, or NULL.
 */
static void xlat(struct world *w, uint64_t va, unsigned acc, unsigned el,
		 const uint64_t *want, const char *what)
{
	struct s2_mmu_access a = { va, (uint8_t)acc, (uint8_t)el };
	struct s2_mmu_result r, c;
	struct refwalk_result ref;
	char buf[256];

	assert_int_equal(s2_mmu_translate(&w->t.mem, &w->cpu, &w->regs, &a, &r), 0);
	assert_int_equal(s2_mmu_translate_cached(&w->rc, &w->t.mem, &w->cpu, &w->regs,
						 &a, &c), 0);
	assert_int_equal(refwalk_translate(&w->t.mem, &w->cpu, &w->regs, &a, &ref), 0);
	snprintf(buf, sizeof(buf), "%s: %s va 0x%llx acc %u el %u", w->name, what,
		 (unsigned long long)va, acc, el);
	if (!refwalk_check(&ref, &r, buf) || !same(&r, &c)) {
		print_error("%s: model fault %u L%d stage %u pa 0x%llx; cached fault %u pa 0x%llx\n",
			    buf, r.fault.type, r.fault.level, r.fault.stage,
			    (unsigned long long)r.pa, c.fault.type, (unsigned long long)c.pa);
		fail();
	}
	w->xlats++;
	w->ref_checks++;
	if (want) {
		if (r.fault.type != S2_MMU_FAULT_NONE || r.pa != *want) {
			print_error("%s: fault %u (L%d stage %u s1ptw %d IPA 0x%llx) pa 0x%llx, "
				    "built for 0x%llx\n", buf, r.fault.type, r.fault.level,
				    r.fault.stage, r.fault.s1ptw, (unsigned long long)r.fault.ipa,
				    (unsigned long long)r.pa, (unsigned long long)*want);
			fail();
		}
		w->pa_checks++;
	}
}

static uint64_t ipa_of_pa(struct world *w, uint64_t pa)
{
	return pa - TT_MEM_BASE + w->ram_ipa;
}

/*
 * The stage-2 mapping of the stage-1 tables' IPAs: level-2 blocks, or
 * pages over [AREA_BASE, @end) (later stage-2 tables are not stage 1's).
 */
static void map_ram(struct world *w, bool blocks, uint64_t end)
{
	unsigned g = w->s2.gbits;
	uint64_t sz = blocks ? lsize(g, 2) : 1ULL << g, pa;

	for (pa = AREA_BASE & ~(sz - 1); pa < end; pa += sz)
		tt_set(&w->t, &w->s2, ipa_of_pa(w, pa), blocks ? 2 : 3,
		       s2_data(w, pa, blocks ? 2 : 3, 2) | S2_DESC_S2AP_R);
}

/*
 * One mapping, @k-th: a stage-1 leaf at @l1, its IPA range under one
 * stage-2 leaf at @l2 or, when those are smaller, a few of them, the
 * rest holes. Returns false when the sizes do not fit the slots.
 */
static bool add_map(struct world *w, unsigned k, int l1, int l2,
		    uint64_t *va, uint64_t off[3], uint64_t pa[3])
{
	unsigned h = k & 1, g1 = w->s1[h].gbits, g2 = w->s2.gbits, j;
	uint64_t s1sz = lsize(g1, l1), s2sz = lsize(g2, l2);
	uint64_t vslot = 1ULL << (w->s1[h].ia_bits - 5);
	uint64_t islot = w->ram_ipa >> 5;   /* 31 slots below the tables */
	uint64_t ipa = (uint64_t)(k + 1) * islot, base;
	uint64_t oamask = GENMASK(w->oa - 1, 0);

	if (s1sz > vslot || s1sz > islot || s2sz > islot)
		return false;
	*va = (uint64_t)(k + 1) * vslot;
	if (h)
		*va |= ~0ULL << w->s1[h].ia_bits;
	off[0] = 0;
	off[1] = s1sz - 8;
	off[2] = (rnd(w) % s1sz) & ~7ULL;
	base = rnd(w) & oamask & ~(s2sz - 1);
	for (j = 0; j < 3; j++) {
		uint64_t in = ipa + off[j], piece = in & ~(s2sz - 1);
		uint64_t slot = tt_slot(&w->t, &w->s2, piece, l2);

		if (!(tt_rd(&w->t, slot) & DESC_VALID))
			tt_wr(&w->t, slot, s2_data(w, base + (piece - ipa), l2, k));
		pa[j] = base + (in - ipa);
	}
	tt_set(&w->t, &w->s1[h], *va, l1, s1_data(w, h, ipa, l1, k));
	return true;
}

/* The registers' encodings of a granule. */
static uint64_t tg0(unsigned g)
{
	return g == 12 ? TCR_EL1_TG0_4K : g == 14 ? TCR_EL1_TG0_16K : TCR_EL1_TG0_64K;
}

static uint64_t tg1(unsigned g)
{
	return g == 12 ? TCR_EL1_TG1_4K : g == 14 ? TCR_EL1_TG1_16K : TCR_EL1_TG1_64K;
}

/* A TTBR's BADDR: with a 52-bit OA, BADDR[51:48] sit in bits [5:2]. */
static uint64_t ttbr(unsigned mode, uint64_t base)
{
	if (mode == OA52)
		return (base & GENMASK(47, 6)) | ((base >> 48) & 0xf) << 2;
	return base;
}

static void run_config(struct world *w, unsigned mode, unsigned g2, int start2,
		       unsigned ia2, unsigned g1, unsigned ia1, bool ram_blocks)
{
	unsigned h, k = 0, j, acc, el;
	uint64_t root_sz, sl0, end;
	int start1, l1, l2;
	struct {
		uint64_t va, off[3], pa[3];
		int l1;
		unsigned k;
	} m[MAXMAP];
	unsigned nm = 0;

	memset(w->host + (AREA_BASE - TT_MEM_BASE), 0, w->t.next - AREA_BASE);
	w->t.next = AREA_BASE;
	w->mode = mode;
	w->oa = mode == OA52 ? 52 : w->cpu.pa_bits < 48 ? w->cpu.pa_bits : 48;
	/*
	 * Below 2^48 (tt.h writes table descriptors with OA[47:g] only) and
	 * inside stage 1's output size.
	 */
	w->ram_ipa = 1ULL << (ia2 - 1 > 47 ? 47 : ia2 - 1);
	if (w->ram_ipa >> (w->oa - 1))
		w->ram_ipa = 1ULL << (w->oa - 1);
	start1 = 4 - (int)((ia1 - g1 + stride_of(g1) - 1) / stride_of(g1));
	snprintf(w->name, sizeof(w->name),
		 "%s, OA %u, S2 %uK from L%d (%u bits), S1 %uK from L%d (%u bits), tables' S2 %s",
		 w->cpu.pa_bits == 52 ? "max" : "cortex-a57", w->oa, 1u << (g2 - 10), start2, ia2, 1u << (g1 - 10), start1, ia1,
		 ram_blocks ? "blocks" : "pages");

	root_sz = 8ULL << (ia2 - (g2 + (unsigned)(3 - start2) * stride_of(g2)));
	w->s2 = (struct tt_geo){ g2, start2, ia2, tt_alloc(&w->t, root_sz < 64 ? 64 : root_sz), 0 };
	for (h = 0; h < 2; h++) {
		root_sz = 8ULL << (ia1 - (g1 + (unsigned)(3 - start1) * stride_of(g1)));
		w->s1[h] = (struct tt_geo){ g1, start1, ia1,
					    tt_alloc(&w->t, root_sz < 64 ? 64 : root_sz),
					    TT_MEM_BASE - w->ram_ipa };
	}
	if (g2 == 12)
		sl0 = start2 == -1 ? 0 : (uint64_t)(2 - start2);
	else
		sl0 = (uint64_t)(3 - start2);
	w->regs = (struct s2_mmu_regs){
		.hcr_el2 = HCR_EL2_RW | HCR_EL2_VM,
		.vtcr_el2 = (64 - ia2) | sl0 << VTCR_EL2_SL0_SHIFT |
			    tg0(g2) << VTCR_EL2_TG0_SHIFT |
			    (uint64_t)(mode == OA52 ? 6 : 5) << VTCR_EL2_PS_SHIFT |
			    VTCR_EL2_RES1 |
			    (mode == OA52 && g2 != 16 ? VTCR_EL2_DS : 0) |
			    (start2 == -1 ? VTCR_EL2_SL2 : 0),
		.vttbr_el2 = w->s2.root,
		.sctlr_el1 = SCTLR_M,
		.tcr_el1 = (64 - ia1) | (uint64_t)(64 - ia1) << TCR_EL1_T1SZ_SHIFT |
			   tg0(g1) << TCR_EL1_TG0_SHIFT | tg1(g1) << TCR_EL1_TG1_SHIFT |
			   (uint64_t)(mode == OA52 ? 6 : 5) << TCR_EL1_IPS_SHIFT |
			   (mode == OA52 && g1 != 16 ? TCR_EL1_DS : 0),
		.ttbr0_el1 = ttbr(mode, w->s1[0].root - w->s1[0].off),
		.ttbr1_el1 = ttbr(mode, w->s1[1].root - w->s1[1].off),
		.mair_el1 = 0xff,
	};

	for (l1 = start1; l1 <= 3; l1++) {
		if (!leaf_level_ok(&w->cpu, mode, g1, l1))
			continue;
		for (l2 = start2; l2 <= 3; l2++) {
			if (!leaf_level_ok(&w->cpu, mode, g2, l2) || k >= MAXMAP)
				continue;
			if (add_map(w, k, l1, l2, &m[nm].va, m[nm].off, m[nm].pa)) {
				m[nm].l1 = l1;
				m[nm].k = k;
				nm++;
			}
			k++;
		}
	}
	end = w->t.next;
	/* A walk from level 3 has no level-2 blocks. */
	map_ram(w, ram_blocks && start2 <= 2, end);
	w->configs++;
	w->maps += nm;

	for (j = 0; j < nm; j++) {
		uint64_t s1sz = lsize(g1, m[j].l1);
		unsigned i;

		for (i = 0; i < 3; i++)
			for (acc = R; acc <= X; acc++)
				for (el = 0; el <= 1; el++)
					xlat(w, m[j].va + m[j].off[i], acc, el,
					     /* S2AP 0b10 (k % 3 == 1): no read */
					     acc == R && el == 1 && m[j].k % 3 != 1 ?
					     &m[j].pa[i] : NULL, "mapped");
		/* Neighbours, and the IPA holes of a split stage-1 block. */
		xlat(w, m[j].va + s1sz, R, 1, NULL, "after");
		xlat(w, m[j].va - 8, R, 1, NULL, "before");
		xlat(w, m[j].va + (rnd(w) % s1sz), (unsigned)(rnd(w) % 3),
		     (unsigned)(rnd(w) & 1), NULL, "inside");
	}
}

static void product(void **state)
{
	struct world *w = *state;
	/* Stage-2 IPA sizes at least 32 bits: the tables' IPAs at 2^(ia-1). */
	static const unsigned ia1s[] = { 52, 48, 39, 33 };
	static const unsigned gs[] = { 12, 14, 16 };
	unsigned mode, i2, i1, ia, n = 0, ias[2], nia, a, c;
	unsigned long f0 = s2_model_fast_walks[2];
	int start2;

	for (mode = OA48; mode <= OA52; mode++) {
		unsigned iamax = mode == OA52 ? 52 : 48;

		for (i2 = 0; i2 < 3; i2++) {
			unsigned g2 = gs[i2], st = stride_of(g2);

			for (start2 = -1; start2 <= 3; start2++) {
				unsigned min_ia = (unsigned)(3 - start2) * st + g2 + 1;
				unsigned max_ia = min_ia + st - 1 + 4;

				/* AArch64.S2InvalidSL on the max CPU. */
				if ((start2 == -1 && (g2 != 12 || mode != OA52)) ||
				    (start2 == 3 && g2 == 12) ||
				    (start2 == 0 && g2 == 14 && mode != OA52) ||
				    (start2 == 0 && g2 == 16))
					continue;
				/* One table, and 16 concatenated (or the most that fit). */
				nia = 0;
				ia = min_ia + st - 1;
				if (ia > iamax)
					ia = iamax;
				if (ia >= 32 && ia >= min_ia)
					ias[nia++] = ia;
				ia = max_ia > iamax ? iamax : max_ia;
				if (ia >= 32 && ia >= min_ia && (!nia || ia != ias[0]))
					ias[nia++] = ia;
				for (a = 0; a < nia; a++)
					for (i1 = 0; i1 < 3; i1++)
						for (unsigned v = 0; v < 4; v++) {
							if (ia1s[v] > iamax)
								continue;
						for (c = 0; c < 2; c++) {
							/*
							 * Cortex-A57 (44-bit PA, 4K and 64K,
							 * no LPA2): 48-bit configurations.
							 */
							if (c && (mode == OA52 || g2 == 14 ||
								  gs[i1] == 14))
								continue;
							/*
							 * AArch64.S2MinTxSZ: its IPA at most
							 * PAMax (44 bits), once per size.
							 */
							ia = ias[a];
							if (c && ia > s2_mmu_cpu_cortex_a57.pa_bits) {
								ia = s2_mmu_cpu_cortex_a57.pa_bits;
								if (ia < min_ia || (a && ias[0] >= ia))
									continue;
							}
							w->cpu = c ? s2_mmu_cpu_cortex_a57
								   : s2_mmu_cpu_max;
							run_config(w, mode, g2, start2, ia,
								   gs[i1], ia1s[v], n++ & 1);
						}
						}
			}
		}
	}
	print_message("  %lu configurations, %lu mappings, %lu translations (each also "
		      "cached and by the reference walk), %lu PA checks; fast 2D walks %lu\n",
		      w->configs, w->maps, w->xlats, w->pa_checks,
		      s2_model_fast_walks[2] - f0);
	assert_true(w->configs >= 300 && w->maps >= 1500);
	assert_true(w->pa_checks >= 2 * w->maps);
	/* The 4KB/4KB 48-bit configurations took the fast walk. */
	assert_true(s2_model_fast_walks[2] - f0 > 1000);
}

static int setup(void **state)
{
	struct world *w = calloc(1, sizeof(*w));

	tt_init(&w->t);
	w->host = s2_physmem_va(w->t.pm, TT_MEM_BASE, TT_MEM_SIZE);
	w->t.next = AREA_BASE;
	w->cpu = s2_mmu_cpu_max;
	w->rng = 0x5eedf00dULL;
	s2_mmu_regime_init(&w->rc);
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	struct world *w = *state;

	tt_fini(&w->t);
	free(w);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(product, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

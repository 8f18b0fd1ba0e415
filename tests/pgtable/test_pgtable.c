/* SPDX-License-Identifier: MIT */
/* The page-table engine, operation by operation, on the classic layout. */
#include "fixture.h"

#include <s2mm/table_rc.h>

#define K4 0x1000ULL
#define M2 0x200000ULL
#define G1 0x40000000ULL
#define RAM 0x80000000ULL /* a PA aligned to 1 GiB */

static int setup(void **state)
{
	struct fx *f = malloc(sizeof(*f));
	fx_init(f, 4096, 40, 40, S2_START_LEVEL_AUTO);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fx_fini(*state);
	free(*state);
	return 0;
}

static int level_of(struct fx *f, uint64_t ipa)
{
	int level;
	uint64_t desc;
	if (s2_pgtable_lookup(&f->pt, ipa, &desc, &level))
		return -9;
	return level;
}

/* An empty table translates nothing, anywhere in the IPA space. */
static void pgtable_empty_translates_nothing(void **state)
{
	struct fx *f = *state;
	for (uint64_t ipa = 0; ipa < (1ULL << 40); ipa += 0x1234567000ULL)
		assert_int_equal(fx_translate(f, ipa, NULL), UINT64_MAX);
	assert_int_equal(s2_pgtable_lookup(&f->pt, 1ULL << 40, NULL, NULL), -S2_ERANGE);
	assert_int_equal(fx_check_invariants(f), 0);
}

/* A page maps at level 3 with the permissions asked for. */
static void pgtable_map_page(void **state)
{
	struct fx *f = *state;
	unsigned int prot;
	assert_int_equal(s2_pgtable_map(&f->pt, 0x1000, K4, RAM + 0x5000, S2_PROT_R, 0), 0);
	assert_int_equal(fx_translate(f, 0x1abc, &prot), RAM + 0x5abc);
	assert_int_equal(prot, S2_PROT_R);
	assert_int_equal(level_of(f, 0x1000), 3);
	assert_int_equal(fx_translate(f, 0x2000, NULL), UINT64_MAX);
	uint64_t desc;
	assert_int_equal(s2_pgtable_lookup(&f->pt, 0x1000, &desc, NULL), 0);
	/* Normal WB, read-only, inner shareable, AF, XN, page. */
	assert_int_equal(desc, (RAM + 0x5000) | 0x7f | DESC_AF | S2_DESC_XN | 0x300 | 0x3 |
			       S2_DESC_S2AP_R);
	assert_int_equal(fx_check_invariants(f), 2); /* one level-2, one level-3 table */
}

/* Blocks where IPA and PA line up; pages where they do not or when asked. */
static void pgtable_map_uses_largest_block(void **state)
{
	struct fx *f = *state;
	assert_int_equal(s2_pgtable_map(&f->pt, G1, G1, RAM, S2_PROT_RW, 0), 0);
	assert_int_equal(level_of(f, G1 + 0x12345000), 1);
	assert_int_equal(s2_pgtable_map(&f->pt, 4 * G1, 2 * M2, RAM, S2_PROT_RW, 0), 0);
	assert_int_equal(level_of(f, 4 * G1 + M2), 2);
	assert_int_equal(s2_pgtable_map(&f->pt, 5 * G1, M2, RAM + K4, S2_PROT_RW, 0), 0);
	assert_int_equal(level_of(f, 5 * G1), 3);
	assert_int_equal(fx_translate(f, 5 * G1 + 0x1ff000, NULL), RAM + 0x200000);
	assert_int_equal(s2_pgtable_map(&f->pt, 6 * G1, M2, RAM, S2_PROT_RW, S2_MAP_PAGES), 0);
	assert_int_equal(level_of(f, 6 * G1 + 0x1000), 3);
	/* A range straddling block edges: page, block, page. */
	assert_int_equal(s2_pgtable_map(&f->pt, 8 * G1 - K4, M2 + 2 * K4, RAM - K4, S2_PROT_RW, 0), 0);
	assert_int_equal(level_of(f, 8 * G1 - K4), 3);
	assert_int_equal(level_of(f, 8 * G1), 2);
	assert_int_equal(level_of(f, 8 * G1 + M2), 3);
	assert_int_equal(fx_translate(f, 8 * G1 + M2, NULL), RAM + M2);
	fx_check_invariants(f);
}

/* Device memory gets MemAttr Device-nGnRE. */
static void pgtable_map_device(void **state)
{
	struct fx *f = *state;
	uint64_t desc;
	assert_int_equal(s2_pgtable_map(&f->pt, 0x9000000, K4, 0x9000000, S2_PROT_RW | S2_PROT_DEVICE, 0), 0);
	assert_int_equal(s2_pgtable_lookup(&f->pt, 0x9000000, &desc, NULL), 0);
	assert_int_equal(S2_FIELD_GET(S2_DESC_MEMATTR, desc), S2_MEMATTR_DEVICE_nGnRE);
	assert_int_equal(s2_pgtable_desc_prot(desc), S2_PROT_RW | S2_PROT_DEVICE);
	/* Device memory is never executable, even if asked. */
	assert_int_equal(s2_pgtable_map(&f->pt, 0x9001000, K4, 0x9001000, S2_PROT_RWX | S2_PROT_DEVICE, 0), 0);
	assert_int_equal(s2_pgtable_lookup(&f->pt, 0x9001000, &desc, NULL), 0);
	assert_true(desc & S2_DESC_XN);
	/* Nor by changing its permissions afterwards: protect (a single
	 * leaf, and a whole table of pages) and relax keep XN. */
	assert_int_equal(s2_pgtable_protect(&f->pt, 0x9000000, K4, S2_PROT_RWX), 0);
	assert_int_equal(s2_pgtable_lookup(&f->pt, 0x9000000, &desc, NULL), 0);
	assert_int_equal(s2_pgtable_desc_prot(desc), S2_PROT_RW | S2_PROT_DEVICE);
	assert_int_equal(s2_pgtable_relax(&f->pt, 0x9001000, S2_PROT_X), 0);
	assert_int_equal(s2_pgtable_lookup(&f->pt, 0x9001000, &desc, NULL), 0);
	assert_true(desc & S2_DESC_XN);
	uint64_t span = K4 << f->g.stride;
	assert_int_equal(s2_pgtable_map(&f->pt, 0x10000000, span, 0x10000000,
					S2_PROT_R | S2_PROT_DEVICE, S2_MAP_PAGES), 0);
	assert_int_equal(s2_pgtable_protect(&f->pt, 0x10000000, span, S2_PROT_RWX), 0);
	assert_int_equal(s2_pgtable_lookup(&f->pt, 0x10000000 + span - K4, &desc, NULL), 0);
	assert_int_equal(s2_pgtable_desc_prot(desc), S2_PROT_RW | S2_PROT_DEVICE);
	/* Execute alone sets no bit, it only clears XN: found by fuzz_api. */
	assert_int_equal(s2_pgtable_protect(&f->pt, 0x10000000, span, S2_PROT_X), 0);
	assert_int_equal(s2_pgtable_lookup(&f->pt, 0x10000000, &desc, NULL), 0);
	assert_int_equal(s2_pgtable_desc_prot(desc), S2_PROT_DEVICE);
	/* Normal memory does become executable. */
	assert_int_equal(s2_pgtable_map(&f->pt, 0x9002000, K4, 0x9002000, S2_PROT_RW, 0), 0);
	assert_int_equal(s2_pgtable_relax(&f->pt, 0x9002000, S2_PROT_X), 0);
	assert_int_equal(s2_pgtable_lookup(&f->pt, 0x9002000, &desc, NULL), 0);
	assert_int_equal(s2_pgtable_desc_prot(desc), S2_PROT_RWX);
}

static unsigned int fwb_cleans;

static void count_clean(void *ctx, void *va, size_t size)
{
	(void)ctx;
	(void)va;
	(void)size;
	fwb_cleans++;
}

/*
 * s2_geom_set_fwb(): Normal memory as MemAttr 0b0110 (Normal Write-Back
 * forced under HCR_EL2.FWB), Device as 0b0001 (Device-nGnRE either way),
 * read back as the same enum s2_prot. The model with HCR_EL2.FWB agrees:
 * a data access with the guest MMU off (stage 1 Device-nGnRnE) is Normal
 * Write-Back on the RAM, Device on the MMIO page. The tables are still
 * cleaned: FWB says nothing about the walker.
 */
static void pgtable_fwb_leaves(void **state)
{
	struct fx *f = *state;
	struct s2_geom g = f->g;
	struct s2_pgtable pt;
	struct s2_mm_ops ops = f->hm.ops;
	struct s2_mmu_regs regs = f->regs;
	struct s2_mmu_access a = { .va = 0x1000, .acc = S2_MMU_READ, .el = 1 };
	struct s2_mmu_result r;
	uint64_t desc;

	assert_int_equal(s2_geom_set_fwb(NULL, true), -S2_EINVAL);
	assert_int_equal(s2_geom_set_fwb(&g, true), 0);
	assert_true(g.fwb);
	ops.dcache_clean_poc = count_clean;
	fwb_cleans = 0;
	assert_int_equal(s2_pgtable_init(&pt, &g, &ops, f), 0);
	assert_int_equal(s2_pgtable_map(&pt, 0x1000, K4, RAM + 0x5000, S2_PROT_RW, 0), 0);
	assert_int_equal(s2_pgtable_map(&pt, 0x9000000, K4, 0x9000000,
					S2_PROT_RW | S2_PROT_DEVICE, 0), 0);
	/* The root, and the tables and leaves of both maps. */
	assert_true(fwb_cleans >= 3);
	assert_int_equal(s2_pgtable_lookup(&pt, 0x1000, &desc, NULL), 0);
	assert_int_equal(S2_FIELD_GET(S2_DESC_MEMATTR, desc), S2_MEMATTR_FWB_NORMAL_WB);
	assert_int_equal(s2_pgtable_desc_prot(desc), S2_PROT_RW);
	assert_int_equal(s2_pgtable_lookup(&pt, 0x9000000, &desc, NULL), 0);
	assert_int_equal(S2_FIELD_GET(S2_DESC_MEMATTR, desc), S2_MEMATTR_DEVICE_nGnRE);
	assert_int_equal(s2_pgtable_desc_prot(desc), S2_PROT_RW | S2_PROT_DEVICE);

	regs.hcr_el2 |= HCR_EL2_FWB;
	regs.vttbr_el2 = s2_geom_vttbr(&pt.geom, pt.root_pa, 1);
	assert_int_equal(s2_mmu_translate_s2(&f->mem, &f->cpu, &regs, &a, &r), 0);
	assert_int_equal(r.fault.type, S2_MMU_FAULT_NONE);
	assert_int_equal(r.pa, RAM + 0x5000);
	assert_int_equal(r.attr, 0xff);
	a.va = 0x9000000;
	assert_int_equal(s2_mmu_translate_s2(&f->mem, &f->cpu, &regs, &a, &r), 0);
	assert_int_equal(r.attr, 0x04);
	s2_pgtable_destroy(&pt);

	/* The same layout without FWB: MemAttr 0b1111. */
	assert_int_equal(s2_pgtable_map(&f->pt, 0x1000, K4, RAM + 0x5000, S2_PROT_RW, 0), 0);
	assert_int_equal(s2_pgtable_lookup(&f->pt, 0x1000, &desc, NULL), 0);
	assert_int_equal(S2_FIELD_GET(S2_DESC_MEMATTR, desc), S2_MEMATTR_NORMAL_WB);
}

/* Arguments the other entry points refuse (and what an empty descriptor
 * grants: nothing). */
static void pgtable_rejects_bad_walks_and_layouts(void **state)
{
	struct fx *f = *state;
	struct s2_walker w = { .cb = tree_check_visitor, .flags = S2_WALK_LEAF | (1u << 7) };
	assert_int_equal(s2_pgtable_walk(&f->pt, 0, K4, &w), -S2_EINVAL);
	w.flags = S2_WALK_LEAF;
	w.cb = NULL;
	assert_int_equal(s2_pgtable_walk(&f->pt, 0, K4, &w), -S2_EINVAL);
	assert_int_equal(s2_pgtable_desc_prot(0), 0);
	/* A layout s2_geom_init() would not make: refused before any
	 * allocation. */
	struct s2_pgtable pt;
	struct s2_geom bad = f->g;
	uint64_t allocated = s2_physmem_allocated(f->pm);
	bad.root_size = 0;
	assert_int_equal(s2_pgtable_init(&pt, &bad, &f->hm.ops, NULL), -S2_EINVAL);
	memset(&bad, 0, sizeof(bad));
	assert_int_equal(s2_pgtable_init(&pt, &bad, &f->hm.ops, NULL), -S2_EINVAL);
	bad = f->g;
	bad.concat = bad.concat + 1;
	assert_int_equal(s2_pgtable_init(&pt, &bad, &f->hm.ops, NULL), -S2_EINVAL);
	assert_int_equal(s2_physmem_allocated(f->pm), allocated);
	/* mkyoung beyond the IPA size: the error its doc lists. */
	assert_int_equal(s2_pgtable_mkyoung(&f->pt, s2_geom_ipa_limit(&f->g)), -S2_ERANGE);
}

/* Bad arguments are refused and change nothing. */
static void pgtable_map_rejects_bad_arguments(void **state)
{
	struct fx *f = *state;
	uint64_t before = s2_physmem_allocated(f->pm);
	assert_int_equal(s2_pgtable_map(&f->pt, 0x1001, K4, RAM, S2_PROT_R, 0), -S2_EINVAL);
	assert_int_equal(s2_pgtable_map(&f->pt, 0x1000, 0, RAM, S2_PROT_R, 0), -S2_EINVAL);
	assert_int_equal(s2_pgtable_map(&f->pt, 0x1000, K4, RAM + 1, S2_PROT_R, 0), -S2_EINVAL);
	assert_int_equal(s2_pgtable_map(&f->pt, 0x1000, K4, RAM, 0, 0), -S2_EINVAL);
	assert_int_equal(s2_pgtable_map(&f->pt, 0x1000, K4, RAM, 0x100, 0), -S2_EINVAL);
	assert_int_equal(s2_pgtable_map(&f->pt, 0x1000, K4, RAM, S2_PROT_R, 0x80), -S2_EINVAL);
	assert_int_equal(s2_pgtable_map(&f->pt, 1ULL << 40, K4, RAM, S2_PROT_R, 0), -S2_ERANGE);
	assert_int_equal(s2_pgtable_map(&f->pt, (1ULL << 40) - K4, 2 * K4, RAM, S2_PROT_R, 0), -S2_ERANGE);
	assert_int_equal(s2_pgtable_map(&f->pt, 0, K4, 1ULL << 40, S2_PROT_R, 0), -S2_ERANGE);
	assert_int_equal(s2_pgtable_map(&f->pt, 0, UINT64_MAX - 0xfff, 0, S2_PROT_R, 0), -S2_ERANGE);
	assert_int_equal(s2_pgtable_unmap(&f->pt, 0x1000, 0x800), -S2_EINVAL);
	assert_int_equal(s2_pgtable_protect(&f->pt, 0x1000, K4, 0x20), -S2_EINVAL);
	assert_int_equal(s2_pgtable_split(&f->pt, 0, M2, 0), -S2_EINVAL);
	assert_int_equal(s2_physmem_allocated(f->pm), before);
}

/* The last, largest page of the IPA space maps and unmaps. */
static void pgtable_last_page(void **state)
{
	struct fx *f = *state;
	uint64_t last = (1ULL << 40) - K4;
	assert_int_equal(s2_pgtable_map(&f->pt, last, K4, RAM, S2_PROT_RW, 0), 0);
	assert_int_equal(fx_translate(f, last + 0xfff, NULL), RAM + 0xfff);
	assert_int_equal(s2_pgtable_map(&f->pt, (1ULL << 40) - G1, G1, RAM, S2_PROT_RW, 0), 0);
	assert_int_equal(level_of(f, last), 1);
	assert_int_equal(s2_pgtable_unmap(&f->pt, last, K4), 0);
	assert_int_equal(fx_translate(f, last, NULL), UINT64_MAX);
	assert_int_equal(fx_translate(f, last - K4, NULL), RAM + G1 - 2 * K4);
	fx_check_invariants(f);
}

/* Break-before-make: when the TLB is invalidated the entry is invalid. */
static unsigned int bbm_seen_invalid, bbm_calls;
static void bbm_hook(void *arg, const struct s2_pgtable *pgt, uint64_t ipa,
		     unsigned int level)
{
	(void)arg;
	(void)level;
	bbm_calls++;
	if (s2_pgtable_lookup(pgt, ipa, NULL, NULL) == -S2_ENOENT)
		bbm_seen_invalid++;
}

static void pgtable_remap_goes_through_bbm(void **state)
{
	struct fx *f = *state;
	f->hm.tlbi_ipa_hook = bbm_hook;
	bbm_seen_invalid = bbm_calls = 0;
	assert_int_equal(s2_pgtable_map(&f->pt, 0x10000, 4 * K4, RAM, S2_PROT_RW, 0), 0);
	assert_int_equal(bbm_calls, 0); /* invalid -> valid needs no TLBI */
	assert_int_equal(s2_pgtable_map(&f->pt, 0x10000, 4 * K4, RAM, S2_PROT_RW, 0), 0);
	assert_int_equal(bbm_calls, 0); /* identical: nothing to do */
	assert_int_equal(s2_pgtable_map(&f->pt, 0x10000, 4 * K4, RAM + M2, S2_PROT_RW, 0), 0);
	assert_int_equal(bbm_calls, 4);
	assert_int_equal(bbm_seen_invalid, 4);
	assert_int_equal(fx_translate(f, 0x13000, NULL), RAM + M2 + 0x3000);
	/* Splitting a block is break-before-make at the block's level. */
	assert_int_equal(s2_pgtable_map(&f->pt, 2 * M2, M2, RAM, S2_PROT_RW, 0), 0);
	bbm_calls = bbm_seen_invalid = 0;
	assert_int_equal(s2_pgtable_split(&f->pt, 2 * M2, M2, 3), 0);
	assert_int_equal(bbm_calls, 1);
	assert_int_equal(bbm_seen_invalid, 1);
	assert_int_equal(level_of(f, 2 * M2 + K4), 3);
	f->hm.tlbi_ipa_hook = NULL;
	fx_check_invariants(f);
}

/* S2_MAP_NOREPLACE refuses to touch a valid mapping. */
static void pgtable_map_noreplace(void **state)
{
	struct fx *f = *state;
	assert_int_equal(s2_pgtable_map(&f->pt, 0x10000, K4, RAM, S2_PROT_RW, 0), 0);
	uint64_t before = s2_physmem_allocated(f->pm);
	assert_int_equal(s2_pgtable_map(&f->pt, 0, M2, RAM, S2_PROT_RW, S2_MAP_NOREPLACE), -S2_EEXIST);
	assert_int_equal(s2_physmem_allocated(f->pm), before);
	assert_int_equal(fx_translate(f, 0, NULL), UINT64_MAX);
	assert_int_equal(s2_pgtable_map(&f->pt, 0x11000, K4, RAM, S2_PROT_RW, S2_MAP_NOREPLACE), 0);
}

/* Unmap inside a block splits it; emptied tables are freed. */
static void pgtable_unmap_splits_and_frees(void **state)
{
	struct fx *f = *state;
	assert_int_equal(s2_pgtable_map(&f->pt, G1, M2, RAM, S2_PROT_RW, 0), 0);
	assert_int_equal(fx_check_invariants(f), 1);
	uint64_t tlbi = f->hm.tlbi_ipa;
	assert_int_equal(s2_pgtable_unmap(&f->pt, G1 + K4, K4), 0);
	assert_true(f->hm.tlbi_ipa > tlbi);
	assert_int_equal(fx_translate(f, G1 + K4, NULL), UINT64_MAX);
	assert_int_equal(fx_translate(f, G1, NULL), RAM);
	assert_int_equal(fx_translate(f, G1 + 2 * K4, NULL), RAM + 2 * K4);
	assert_int_equal(fx_check_invariants(f), 2);
	/* Unmapping the rest frees both tables; the root alone remains. */
	uint64_t vmid_flushes = f->hm.tlbi_vmid;
	assert_int_equal(s2_pgtable_unmap(&f->pt, G1, M2), 0);
	assert_int_equal(fx_check_invariants(f), 0);
	assert_true(f->hm.tlbi_vmid > vmid_flushes); /* tables freed: VMID-wide */
	/* Unmapping nothing is fine and frees nothing. */
	assert_int_equal(s2_pgtable_unmap(&f->pt, 0, G1), 0);
}

/* A block mapped over a table replaces it, freeing the old subtree. */
static void pgtable_block_replaces_table(void **state)
{
	struct fx *f = *state;
	assert_int_equal(s2_pgtable_map(&f->pt, M2, M2, RAM, S2_PROT_RW, S2_MAP_PAGES), 0);
	assert_int_equal(fx_check_invariants(f), 2);
	uint64_t vmid = f->hm.tlbi_vmid;
	assert_int_equal(s2_pgtable_map(&f->pt, M2, M2, RAM, S2_PROT_RW, 0), 0);
	assert_int_equal(level_of(f, M2 + K4), 2);
	assert_int_equal(f->hm.tlbi_vmid, vmid + 1);
	assert_int_equal(fx_check_invariants(f), 1);
}

/* Write-protect removes W (and invalidates); relax gives it back. */
static void pgtable_wrprotect_and_relax(void **state)
{
	struct fx *f = *state;
	unsigned int prot;
	assert_int_equal(s2_pgtable_map(&f->pt, 0, 2 * M2, RAM, S2_PROT_RW, 0), 0);
	uint64_t tlbi = f->hm.tlbi_ipa + f->hm.tlbi_vmid;
	assert_int_equal(s2_pgtable_wrprotect(&f->pt, 0, 2 * M2), 0);
	assert_true(f->hm.tlbi_ipa + f->hm.tlbi_vmid > tlbi);
	fx_translate(f, M2 + K4, &prot);
	assert_int_equal(prot, S2_PROT_R);
	tlbi = f->hm.tlbi_ipa;
	assert_int_equal(s2_pgtable_relax(&f->pt, M2 + K4, S2_PROT_W), 0);
	assert_int_equal(f->hm.tlbi_ipa, tlbi + 1);
	fx_translate(f, M2, &prot);
	assert_int_equal(prot, S2_PROT_RW); /* the whole block */
	fx_translate(f, 0, &prot);
	assert_int_equal(prot, S2_PROT_R);
	/* Relaxing what is already allowed still invalidates: the faulting
	 * CPU may hold the stricter entry. */
	tlbi = f->hm.tlbi_ipa;
	assert_int_equal(s2_pgtable_relax(&f->pt, M2 + K4, S2_PROT_W), 0);
	assert_int_equal(f->hm.tlbi_ipa, tlbi + 1);
	/* Protect part of a block: it is split, the rest keeps its rights. */
	assert_int_equal(s2_pgtable_protect(&f->pt, M2, K4, S2_PROT_R | S2_PROT_X), 0);
	fx_translate(f, M2, &prot);
	assert_int_equal(prot, S2_PROT_R | S2_PROT_X);
	fx_translate(f, M2 + K4, &prot);
	assert_int_equal(prot, S2_PROT_RW);
	assert_int_equal(s2_pgtable_relax(&f->pt, 8 * M2, S2_PROT_W), -S2_ENOENT);
	fx_check_invariants(f);
}

/*
 * A whole table of pages write-protected (one pass, one VMID-wide
 * invalidation); a second write-protect finds nothing to change and
 * invalidates nothing, and so does one of pages mapped read-only.
 */
static void pgtable_wrprotect_of_a_protected_table_invalidates_nothing(void **state)
{
	struct fx *f = *state;
	unsigned int prot;
	assert_int_equal(s2_pgtable_map(&f->pt, 0, M2, RAM, S2_PROT_RW, S2_MAP_PAGES), 0);
	assert_int_equal(s2_pgtable_map(&f->pt, M2, M2, RAM + M2, S2_PROT_R, S2_MAP_PAGES), 0);
	uint64_t ipa = f->hm.tlbi_ipa, vmid = f->hm.tlbi_vmid;
	assert_int_equal(s2_pgtable_wrprotect(&f->pt, 0, M2), 0);
	assert_int_equal(f->hm.tlbi_vmid, vmid + 1);
	assert_int_equal(f->hm.tlbi_ipa, ipa);
	fx_translate(f, M2 - K4, &prot);
	assert_int_equal(prot, S2_PROT_R);
	assert_int_equal(s2_pgtable_wrprotect(&f->pt, 0, 2 * M2), 0);
	assert_int_equal(f->hm.tlbi_vmid, vmid + 1);
	assert_int_equal(f->hm.tlbi_ipa, ipa);
	assert_int_equal(fx_check_invariants(f), 3);
}

/* Ageing: test-and-clear reports and clears AF; mkyoung sets it. */
static void pgtable_ageing(void **state)
{
	struct fx *f = *state;
	bool young;
	uint64_t desc;
	assert_int_equal(s2_pgtable_map(&f->pt, 0, 2 * K4, RAM, S2_PROT_RW, 0), 0);
	assert_int_equal(s2_pgtable_test_clear_young(&f->pt, 0, M2, &young), 0);
	assert_true(young);
	assert_int_equal(s2_pgtable_test_clear_young(&f->pt, 0, M2, &young), 0);
	assert_false(young);
	assert_int_equal(s2_pgtable_lookup(&f->pt, 0, &desc, NULL), 0);
	assert_int_equal(desc & DESC_AF, 0);
	assert_int_equal(s2_pgtable_mkyoung(&f->pt, K4), 0);
	assert_int_equal(s2_pgtable_test_clear_young(&f->pt, 0, M2, &young), 0);
	assert_true(young);
	assert_int_equal(s2_pgtable_mkyoung(&f->pt, 8 * K4), -S2_ENOENT);
}

/* Split goes one level at a time or down to pages, keeping translations. */
static void pgtable_split_levels(void **state)
{
	struct fx *f = *state;
	assert_int_equal(s2_pgtable_map(&f->pt, G1, G1, RAM, S2_PROT_RWX, 0), 0);
	assert_int_equal(s2_pgtable_split(&f->pt, G1, K4, 2), 0);
	assert_int_equal(level_of(f, G1), 2);
	assert_int_equal(level_of(f, G1 + M2), 2);
	assert_int_equal(s2_pgtable_split(&f->pt, G1, G1, 3), 0);
	assert_int_equal(level_of(f, G1 + G1 - K4), 3);
	unsigned int prot;
	assert_int_equal(fx_translate(f, G1 + 0x3456789, &prot), RAM + 0x3456789);
	assert_int_equal(prot, S2_PROT_RWX);
	assert_int_equal(fx_check_invariants(f), 1 + 512);
}

/* Running out of memory at any allocation leaves the tree as it was. */
static void pgtable_enomem_at_every_allocation(void **state)
{
	struct fx *f = *state;
	assert_int_equal(s2_pgtable_map(&f->pt, G1, G1, RAM, S2_PROT_RW, 0), 0);
	for (uint64_t n = 1;; n++) {
		uint64_t before = s2_physmem_allocated(f->pm);
		f->hm.fail_nth = n;
		/* Needs tables at levels 2 and 3 across two 1 GiB regions, and a
		 * block split at both edges. */
		int ret = s2_pgtable_map(&f->pt, G1 + M2 - K4, G1, RAM + 3 * K4,
					 S2_PROT_RW, 0);
		if (ret == 0) {
			assert_true(n > 3);
			break;
		}
		assert_int_equal(ret, -S2_ENOMEM);
		assert_int_equal(s2_physmem_allocated(f->pm), before);
		assert_int_equal(fx_translate(f, G1 + M2, NULL), RAM + M2);
		assert_int_equal(level_of(f, G1 + M2), 1);
		assert_int_equal(fx_translate(f, 2 * G1, NULL), UINT64_MAX);
		fx_check_invariants(f);
	}
	f->hm.fail_nth = 0;
	assert_int_equal(fx_translate(f, G1 + M2, NULL), RAM + 4 * K4);
	fx_check_invariants(f);
}

/*
 * A shared map (the fault path) of a block over a table frees the old
 * table through free_deferred, concurrent walkers may still read it: the
 * embedder's reclaim gives it back, nothing leaks.
 */
static void pgtable_shared_block_over_table_frees_it_deferred(void **state)
{
	struct fx *f = *state;
	assert_int_equal(s2_pgtable_map(&f->pt, M2, M2, RAM, S2_PROT_RW, S2_MAP_PAGES), 0);
	assert_int_equal(s2_pgtable_unmap(&f->pt, M2 + K4, K4), 0);
	assert_int_equal(fx_check_invariants(f), 2);
	uint64_t frees = f->hm.frees;
	assert_int_equal(s2_pgtable_map(&f->pt, M2, M2, RAM, S2_PROT_RW, S2_MAP_SHARED), 0);
	assert_int_equal(level_of(f, M2 + K4), 2);
	/* Not freed at once: walkers may still be in it. */
	assert_int_equal(f->hm.frees, frees);
	assert_int_equal(f->hm.ndeferred, 1);
	s2_host_mm_reclaim(&f->hm);
	assert_int_equal(f->hm.frees, frees + 1);
	assert_int_equal(fx_check_invariants(f), 1);
}

/*
 * A block-sized map at an IPA that is not block-aligned while its PA is:
 * not one leaf but pages across two blocks' ranges, with their tables.
 */
static void pgtable_block_sized_map_at_unaligned_ipa(void **state)
{
	struct fx *f = *state;
	assert_int_equal(s2_pgtable_map(&f->pt, G1 + K4, M2, RAM, S2_PROT_RW, 0), 0);
	assert_int_equal(level_of(f, G1 + K4), 3);
	assert_int_equal(fx_translate(f, G1 + K4, NULL), RAM);
	assert_int_equal(fx_translate(f, G1 + M2 + K4 - 8, NULL), RAM + M2 - 8);
	assert_int_equal(fx_translate(f, G1, NULL), UINT64_MAX);
	assert_int_equal(fx_translate(f, G1 + M2 + K4, NULL), UINT64_MAX);
	assert_int_equal(fx_check_invariants(f), 3);
}

/*
 * A map allocates exactly the tables it installs, not one more: with
 * memory for exactly those (the next allocation fails) it succeeds. Here a
 * new level-2 table whose range starts at its second entry and spans four,
 * each needing a page table.
 */
static void pgtable_map_allocates_exactly_what_it_needs(void **state)
{
	struct fx *f = *state;
	uint64_t allocs = f->hm.allocs, frees = f->hm.frees;
	f->hm.fail_nth = 5 + 1; /* a level-2 table, 4 level-3 tables, then none */
	assert_int_equal(s2_pgtable_map(&f->pt, G1 + M2, 4 * M2, RAM, S2_PROT_RW,
					S2_MAP_PAGES), 0);
	f->hm.fail_nth = 0;
	assert_int_equal(f->hm.allocs - allocs, 5);
	assert_int_equal(f->hm.frees, frees);
	assert_int_equal(fx_translate(f, G1 + 5 * M2 - 8, NULL), RAM + 4 * M2 - 8);
	assert_int_equal(fx_check_invariants(f), 5);
}

/*
 * What an unmap removes translates nothing afterwards, whether the whole
 * table went at once (the range covers it) or emptied page by page; the
 * entry that pointed at it is invalid again, so a new map there works.
 */
static void pgtable_unmapped_tables_leave_invalid_entries(void **state)
{
	struct fx *f = *state;
	assert_int_equal(s2_pgtable_map(&f->pt, G1, 4 * M2, RAM, S2_PROT_RW, S2_MAP_PAGES), 0);
	assert_int_equal(fx_check_invariants(f), 1 + 4);
	/* Whole tables: the level-2 table and its level-3 ones. */
	assert_int_equal(s2_pgtable_unmap(&f->pt, G1, G1), 0);
	for (uint64_t ipa = G1; ipa < G1 + 4 * M2; ipa += M2 / 2)
		assert_int_equal(s2_pgtable_lookup(&f->pt, ipa, NULL, NULL), -S2_ENOENT);
	assert_int_equal(fx_check_invariants(f), 0);
	/* Emptied: a level-3 table loses its last page, then its parent. */
	assert_int_equal(s2_pgtable_map(&f->pt, G1 + M2, 2 * K4, RAM, S2_PROT_RW, 0), 0);
	assert_int_equal(s2_pgtable_unmap(&f->pt, G1 + M2, K4), 0);
	assert_int_equal(s2_pgtable_unmap(&f->pt, G1 + M2 + K4, K4), 0);
	assert_int_equal(s2_pgtable_lookup(&f->pt, G1 + M2, NULL, NULL), -S2_ENOENT);
	assert_int_equal(s2_pgtable_lookup(&f->pt, G1, NULL, NULL), -S2_ENOENT);
	assert_int_equal(fx_check_invariants(f), 0);
	assert_int_equal(s2_pgtable_map(&f->pt, G1, K4, RAM, S2_PROT_RW, S2_MAP_NOREPLACE), 0);
	assert_int_equal(fx_translate(f, G1 + 8, NULL), RAM + 8);
}

/* The entry a walk shows for the one page it is asked to walk. */
static int ptep_visitor(const struct s2_walk_ctx *ctx, enum s2_walk_flags visit)
{
	(void)visit;
	*(uint64_t **)ctx->arg = ctx->ptep;
	return 0;
}

/*
 * A shared map (the fault path) meets an invalid entry another walker
 * holds locked during its break-before-make (bit 10 set, bit 0 clear): it
 * backs off with -S2_EAGAIN and leaves the entry alone, in the one-leaf
 * fast case as in the general one; once the entry is free it maps.
 */
static void pgtable_shared_map_backs_off_a_locked_entry(void **state)
{
	struct fx *f = *state;
	uint64_t *ptep = NULL;
	struct s2_walker w = { .cb = ptep_visitor, .arg = &ptep, .flags = S2_WALK_LEAF };

	assert_int_equal(s2_pgtable_map(&f->pt, G1, K4, RAM, S2_PROT_RW, 0), 0);
	assert_int_equal(s2_pgtable_walk(&f->pt, G1 + K4, K4, &w), 0);
	assert_non_null(ptep);
	assert_int_equal(*ptep, 0);
	*ptep = 1ULL << 10;
	assert_int_equal(s2_pgtable_map(&f->pt, G1 + K4, K4, RAM + K4, S2_PROT_RW,
					S2_MAP_SHARED), -S2_EAGAIN);
	assert_int_equal(*ptep, 1ULL << 10);
	*ptep = 0;
	assert_int_equal(s2_pgtable_map(&f->pt, G1 + K4, K4, RAM + K4, S2_PROT_RW,
					S2_MAP_SHARED), 0);
	assert_int_equal(fx_translate(f, G1 + K4 + 8, NULL), RAM + K4 + 8);
	assert_int_equal(fx_check_invariants(f), 2); /* a level-2 and a level-3 table */
}

/* The refcount of the table holding @ipa's level-3 entry. */
static uint32_t l3_refcount(struct fx *f, uint64_t ipa)
{
	uint64_t *ptep = NULL;
	struct s2_walker w = { .cb = ptep_visitor, .arg = &ptep, .flags = S2_WALK_LEAF };

	assert_int_equal(s2_pgtable_walk(&f->pt, ipa, K4, &w), 0);
	assert_non_null(ptep);
	uint64_t pa = f->hm.ops.virt_to_phys(f->hm.ops.ctx,
					     (void *)((uintptr_t)ptep & ~(uintptr_t)(K4 - 1)));
	return *s2_physmem_refcount(f->pm, pa);
}

/*
 * Leaves the shared fault path installs are not counted: their table is
 * marked instead (s2mm/table_rc.h). Exclusive changes count the table
 * again, with their own change in it; a table emptied that way is freed.
 */
static void pgtable_shared_leaves_are_settled_by_exclusive_changes(void **state)
{
	struct fx *f = *state;

	assert_int_equal(s2_pgtable_map(&f->pt, G1, K4, RAM, S2_PROT_RW, S2_MAP_PAGES), 0);
	assert_int_equal(l3_refcount(f, G1), 1);
	for (uint64_t i = 1; i < 8; i++)
		assert_int_equal(s2_pgtable_map(&f->pt, G1 + i * K4, K4, RAM + i * K4,
						S2_PROT_RW, S2_MAP_SHARED), 0);
	assert_int_equal(l3_refcount(f, G1), 1 | S2_TABLE_RC_UNCOUNTED);
	assert_int_equal(fx_check_invariants(f), 2);
	/* An exclusive map adds one leaf: counted with the other seven. */
	assert_int_equal(s2_pgtable_map(&f->pt, G1 + 8 * K4, K4, RAM + 8 * K4,
					S2_PROT_RW, S2_MAP_PAGES), 0);
	assert_int_equal(l3_refcount(f, G1), 9);
	/* Shared again, then an exclusive map of two pages (the general
	 * path): exact again. */
	assert_int_equal(s2_pgtable_map(&f->pt, G1 + 9 * K4, K4, RAM + 9 * K4,
					S2_PROT_RW, S2_MAP_SHARED), 0);
	assert_int_equal(s2_pgtable_map(&f->pt, G1 + 10 * K4, 2 * K4, RAM + 10 * K4,
					S2_PROT_RW, S2_MAP_PAGES), 0);
	assert_int_equal(l3_refcount(f, G1), 12);
	assert_int_equal(s2_pgtable_unmap(&f->pt, G1 + 9 * K4, 3 * K4), 0);
	assert_int_equal(l3_refcount(f, G1), 9);
	/* Shared again, then an unmap of one page: exact, the page gone. */
	assert_int_equal(s2_pgtable_map(&f->pt, G1 + 9 * K4, K4, RAM + 9 * K4,
					S2_PROT_RW, S2_MAP_SHARED), 0);
	assert_int_equal(l3_refcount(f, G1), 9 | S2_TABLE_RC_UNCOUNTED);
	assert_int_equal(s2_pgtable_unmap(&f->pt, G1 + 3 * K4, K4), 0);
	assert_int_equal(l3_refcount(f, G1), 9);
	assert_int_equal(fx_translate(f, G1 + 3 * K4, NULL), UINT64_MAX);
	assert_int_equal(fx_translate(f, G1 + 9 * K4, NULL), RAM + 9 * K4);
	assert_int_equal(fx_check_invariants(f), 2);
	/* Shared leaves, then every page unmapped one by one: freed. */
	assert_int_equal(s2_pgtable_map(&f->pt, G1 + 3 * K4, K4, RAM + 3 * K4,
					S2_PROT_RW, S2_MAP_SHARED), 0);
	for (uint64_t i = 0; i < 10; i++)
		assert_int_equal(s2_pgtable_unmap(&f->pt, G1 + i * K4, K4), 0);
	assert_int_equal(fx_check_invariants(f), 0);
	/* And the same when a whole range goes at once. */
	assert_int_equal(s2_pgtable_map(&f->pt, G1, K4, RAM, S2_PROT_RW, S2_MAP_PAGES), 0);
	assert_int_equal(s2_pgtable_map(&f->pt, G1 + K4, K4, RAM + K4, S2_PROT_RW,
					S2_MAP_SHARED), 0);
	assert_int_equal(s2_pgtable_unmap(&f->pt, G1, 2 * K4), 0);
	assert_int_equal(fx_check_invariants(f), 0);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(pgtable_empty_translates_nothing),
		T(pgtable_map_page),
		T(pgtable_map_uses_largest_block),
		T(pgtable_map_device),
	T(pgtable_fwb_leaves),
		T(pgtable_rejects_bad_walks_and_layouts),
		T(pgtable_map_rejects_bad_arguments),
		T(pgtable_last_page),
		T(pgtable_remap_goes_through_bbm),
		T(pgtable_map_noreplace),
		T(pgtable_unmap_splits_and_frees),
		T(pgtable_block_replaces_table),
		T(pgtable_wrprotect_and_relax),
		T(pgtable_wrprotect_of_a_protected_table_invalidates_nothing),
		T(pgtable_ageing),
		T(pgtable_split_levels),
		T(pgtable_enomem_at_every_allocation),
		T(pgtable_shared_block_over_table_frees_it_deferred),
		T(pgtable_block_sized_map_at_unaligned_ipa),
		T(pgtable_map_allocates_exactly_what_it_needs),
		T(pgtable_shared_map_backs_off_a_locked_entry),
		T(pgtable_shared_leaves_are_settled_by_exclusive_changes),
		T(pgtable_unmapped_tables_leave_invalid_entries),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

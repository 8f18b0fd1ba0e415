/* SPDX-License-Identifier: MIT */
/*
 * Test-only translation table writer for the MMU model's tests: written
 * here from the Arm ARM, independent of libs2mm's pgtable (the judge must
 * not share code with the judged). Tables live in simulated physical
 * memory; a bump allocator hands out zeroed frames.
 */
#ifndef S2MM_TESTS_MODEL_TT_H
#define S2MM_TESTS_MODEL_TT_H

#include <stdint.h>
#include <stdlib.h>

#include <s2mm/arch.h>
#include <s2mm/mmu.h>
#include <s2mm/physmem.h>

#define TT_MEM_BASE 0x40000000ULL
#define TT_MEM_SIZE (256ULL << 20)

struct tt {
	struct s2_physmem *pm;
	struct s2_mmu_mem mem;
	uint64_t next;   /* bump pointer for table frames (PA) */
};

static inline void tt_init(struct tt *t)
{
	if (s2_physmem_create(&t->pm, TT_MEM_BASE, TT_MEM_SIZE))
		abort();
	t->mem.host = s2_physmem_va(t->pm, TT_MEM_BASE, TT_MEM_SIZE);
	t->mem.base = TT_MEM_BASE;
	t->mem.size = TT_MEM_SIZE;
	/* Tables in the top 64 MiB of the window. */
	t->next = TT_MEM_BASE + TT_MEM_SIZE - (64ULL << 20);
}

static inline void tt_fini(struct tt *t)
{
	s2_physmem_destroy(t->pm);
}

/* A zeroed, @size-aligned block for tables (never reused: stays zero). */
static inline uint64_t tt_alloc(struct tt *t, uint64_t size)
{
	uint64_t pa = (t->next + size - 1) & ~(size - 1);
	t->next = pa + size;
	if (t->next > TT_MEM_BASE + TT_MEM_SIZE)
		abort();
	return pa;
}

static inline uint64_t tt_rd(struct tt *t, uint64_t pa)
{
	uint64_t v;
	if (s2_physmem_read64(t->pm, pa, &v))
		abort();
	return v;
}

static inline void tt_wr(struct tt *t, uint64_t pa, uint64_t v)
{
	if (s2_physmem_write64(t->pm, pa, v))
		abort();
}

/*
 * struct tt_geo - One translation regime's shape.
 * @gbits: 12, 14 or 16. @start: start level. @ia_bits: input size.
 * @root: PA of the root table. @off: PA - (address written in table
 * descriptors): 0 for stage 2, PA-IPA for stage-1 tables in guest RAM.
 */
struct tt_geo {
	unsigned gbits;
	int start;
	unsigned ia_bits;
	uint64_t root;
	uint64_t off;
};

/* PA of the descriptor slot for @in at @level, making tables on the way. */
static inline uint64_t tt_slot(struct tt *t, const struct tt_geo *g,
			       uint64_t in, int level)
{
	unsigned stride = g->gbits - 3;
	uint64_t table = g->root;
	int l;

	for (l = g->start;; l++) {
		unsigned shift = g->gbits + (unsigned)(3 - l) * stride;
		unsigned bits = l == g->start ? g->ia_bits - shift : stride;
		uint64_t slot = table + ((in >> shift) & ((1ULL << bits) - 1)) * 8;
		uint64_t d;

		if (l == level)
			return slot;
		d = tt_rd(t, slot);
		if (!(d & DESC_VALID)) {
			uint64_t n = tt_alloc(t, 1ULL << g->gbits);
			tt_wr(t, slot, (n - g->off) | DESC_TYPE_TABLE);
			table = n;
		} else {
			table = (d & (((1ULL << 48) - 1) & ~((1ULL << g->gbits) - 1))) + g->off;
		}
	}
}

static inline void tt_set(struct tt *t, const struct tt_geo *g, uint64_t in,
			  int level, uint64_t desc)
{
	tt_wr(t, tt_slot(t, g, in, level), desc);
}

/* Stage-2 leaf: S2AP (bit0 R, bit1 W), MemAttr, XN; level 3 = page. */
static inline uint64_t s2_leaf(uint64_t pa, unsigned s2ap, uint64_t memattr,
			       int xn, int level)
{
	return pa | (memattr << S2_DESC_MEMATTR_SHIFT) |
	       ((uint64_t)s2ap << S2_DESC_S2AP_SHIFT) |
	       (DESC_SH_IS << DESC_SH_SHIFT) | DESC_AF | (xn ? S2_DESC_XN : 0) |
	       (level == 3 ? DESC_TYPE_PAGE : DESC_TYPE_BLOCK);
}

/* Stage-1 leaf: AP[2:1], AttrIndx, extra bits (nG, PXN, UXN...). */
static inline uint64_t s1_leaf(uint64_t oa, unsigned ap, unsigned attrindx,
			       uint64_t extra, int level)
{
	return oa | ((uint64_t)attrindx << S1_DESC_ATTRINDX_SHIFT) |
	       ((uint64_t)ap << S1_DESC_AP_SHIFT) |
	       (DESC_SH_IS << DESC_SH_SHIFT) | DESC_AF | extra |
	       (level == 3 ? DESC_TYPE_PAGE : DESC_TYPE_BLOCK);
}

/*
 * The usual two-stage world: 4KB granule, 48-bit VA and IPA spaces (both
 * walks start at level 0, a full walk reads 4+4 levels). Stage 2 maps
 * @ram_size bytes of guest RAM (a power of two) at IPA @ram_ipa page by
 * page, at a PA aligned to its size; stage-1 tables are made in it. Fills
 * @s2, @s1 and the registers of an AArch64 EL1 with both stages on, VMID
 * 0; the caller adds mappings (and a MAIR).
 */
static inline void tt_world_48(struct tt *t, uint64_t ram_ipa, uint64_t ram_size,
			       struct tt_geo *s2, struct tt_geo *s1,
			       struct s2_mmu_regs *regs)
{
	uint64_t ram_pa, i;

	*s2 = (struct tt_geo){ 12, 0, 48, tt_alloc(t, 4096), 0 };
	ram_pa = (t->next + ram_size - 1) & ~(ram_size - 1);
	t->next = ram_pa;
	for (i = 0; i < ram_size; i += 4096)
		tt_set(t, s2, ram_ipa + i, 3, s2_leaf(ram_pa + i, 3, 0xf, 0, 3));
	*s1 = (struct tt_geo){ 12, 0, 48, tt_alloc(t, 4096), ram_pa - ram_ipa };
	*regs = (struct s2_mmu_regs){
		.hcr_el2 = HCR_EL2_RW | HCR_EL2_VM,
		/* T0SZ=16, SL0=2 (level 0), 4K, PS=48-bit */
		.vtcr_el2 = 16 | (2 << 6) | (5ULL << 16) | VTCR_EL2_RES1,
		.vttbr_el2 = s2->root,
		.sctlr_el1 = SCTLR_M,
		.tcr_el1 = 16 | (5ULL << TCR_EL1_IPS_SHIFT),
		.ttbr0_el1 = s1->root - s1->off,
	};
}

#endif /* S2MM_TESTS_MODEL_TT_H */

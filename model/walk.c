/* SPDX-License-Identifier: MIT */
/*
 * The two-stage translation walker of the MMU model, written from the Arm
 * ARM (DDI 0487) pseudocode: AArch64.FullTranslate, AArch64.S1Translate,
 * AArch64.S2Translate and their helpers, AArch32.S1TranslateLD for the
 * AArch32 LPAE stage 1. The general walker: every configuration, every
 * fault. It tries the fast 2D walk (walk_fast.c) first where that applies,
 * takes the registers decoded (regime.c) and leaves permissions and
 * attributes to attr.h. Freestanding: no libc, no allocation.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <s2mm/arch.h>
#include <s2mm/mmu.h>

#include "attr.h"
#include "contig.h"
#include "internal.h"
#include "regime.h"
#include "tlb_sets.h"
#include "walk.h"
#include "walk_cache.h"
#include "walk_fast.h"
#include "walk_sd.h"
#include "walk_wc_fast.h"

static void set_fault(struct s2_mmu_fault *f, unsigned type, int level,
		      unsigned stage)
{
	f->type = (uint8_t)type;
	f->level = (int8_t)level;
	f->stage = (uint8_t)stage;
}

/*
 * Output address of a table/block/page descriptor (AArch64.S1/S2 OA
 * decoding): OA[hi:gbits] sit in place; with 52-bit OAs the top bits come
 * from elsewhere in the descriptor.
 */
static inline uint64_t desc_oa(const struct s2_mmu_tt *c, uint64_t d)
{
	uint64_t oa = d & c->oa_mask;

	if (!c->oa52)
		return oa;
	if (c->ds)   /* FEAT_LPA2: OA[51:50] in bits [9:8] */
		return oa | ((d >> DESC_OA52_LPA2_SHIFT) & 3) << 50;
	/* FEAT_LPA, 64KB: OA[51:48] in bits [15:12] */
	return oa | ((d >> DESC_OA52_64K_SHIFT) & 0xf) << 48;
}

/*
 * One descriptor read from simulated memory. Out of range is an external
 * abort on the walk (the caller reports it). One unsigned compare covers
 * both ends: a PA below the base wraps to a huge offset.
 */
static inline bool mem_read(const struct tt_mem *m, uint64_t pa, uint64_t *d)
{
	uint64_t off = pa - m->base;

	if (off > m->last)
		return false;
	/* Single-copy atomic, as a walker's descriptor read is. */
	*d = __atomic_load_n((const uint64_t *)(m->host + (uintptr_t)off),
			     __ATOMIC_RELAXED);
	return true;
}

/* ------------------------------------------------------------------ */
/* Stage 2                                                             */
/* ------------------------------------------------------------------ */

/*
 * Decode descriptor @d read at @level: AArch64.DecodeDescriptorType, then
 * AArch64.OAOutOfRange. The type comes first: invalid, the reserved level-3
 * encoding (bit 1 clear) and a block where the level allows none are
 * translation faults, whatever their OA. Returns a fault type, or 0 with
 * the next table or the output address in @oa and @leaf saying which.
 */
static WALK_INLINE unsigned desc_decode(const struct s2_mmu_tt *c, int level,
					uint64_t d, uint64_t *oa, bool *leaf)
{
	if (!(d & DESC_VALID))
		return S2_MMU_FAULT_TRANSLATION;
	*leaf = level == 3 || !(d & DESC_TABLE);
	if (*leaf && (level == 3 ? !(d & DESC_PAGE)
				 : !(c->block_levels & BIT(level + 1))))
		return S2_MMU_FAULT_TRANSLATION;
	*oa = desc_oa(c, d);
	if (*oa > c->oa_limit)
		return S2_MMU_FAULT_ADDR_SIZE;
	return 0;
}

/*
 * The stage-2 table walk of @ipa (AArch64.S2Walk), descriptors read at
 * their PA, from the table at offset @off in the memory window, which
 * level @level0 indexes with @idx_mask at bit @shift. A table descriptor
 * takes one test (fast_mask); the rest, and the leaf, go through
 * desc_decode(). Addresses are kept as offsets into the memory window, so
 * the bounds check is one compare. @wc: the stage-2 walk cache to fill
 * with the table descriptors read, or NULL. Returns a fault type (0: @lf
 * holds the leaf). Any geometry; walk_s2_g() is faster.
 */
static WALK_INLINE unsigned walk_s2_from(struct s2_walk *w, uint64_t ipa,
					 const int level0, unsigned shift,
					 uint64_t idx_mask, uint64_t off,
					 struct s2_wc *wc, struct tt_leaf *lf,
					 struct s2_mmu_fault *f)
{
	const struct s2_mmu_tt *c = w->s2;
	int level = level0;
	unsigned stride = c->stride, t;
	uint64_t fast = c->fast_mask, d, oa;
	bool leaf;

	for (;;) {
		off += ((ipa >> shift) & idx_mask) * 8;
		if (off > w->mem.last) {
			t = S2_MMU_FAULT_EXT_ABORT;
			break;
		}
		/* Single-copy atomic, as a walker's descriptor read is. */
		d = __atomic_load_n((const uint64_t *)(w->mem.host + (uintptr_t)off),
				    __ATOMIC_RELAXED);
		if (level < 3 && (d & fast) == (DESC_VALID | DESC_TABLE)) {
			oa = d & c->oa_mask;
		} else {
			t = desc_decode(c, level, d, &oa, &leaf);
			if (t || leaf)
				break;
		}
		if (wc)
			wc_table_fill(wc, c, w->vmid, 0, ipa, level, oa, 0);
		off = oa - w->mem.base;
		level++;
		shift -= stride;
		idx_mask = BIT(stride) - 1;
	}
	/* One descriptor read per level visited, the faulting one included. */
	w->reads += (uint32_t)(level - level0 + 1);
	if (t) {
		set_fault(f, t, level, 2);
		return t;
	}
	/* A stage-2 leaf's @table: its descriptor's offset (s2_update()). */
	leaf_set(lf, d, off, level, shift, oa, ipa);
	return 0;
}

/* walk_s2_from() the start level: the walk without a walk cache. */
static WALK_INLINE unsigned walk_s2_any(struct s2_walk *w, uint64_t ipa,
					struct tt_leaf *lf,
					struct s2_mmu_fault *f)
{
	const struct s2_mmu_tt *c = w->s2;

	return walk_s2_from(w, ipa, c->start, c->start_shift, c->start_mask,
			    c->base - w->mem.base, NULL, lf, f);
}

/*
 * walk_s2_from() through the stage-2 walk cache: from below the deepest
 * table descriptor it holds for @ipa, else from the start level, filling
 * it on the way. Out of line: only TLB misses with the cache on take it.
 */
static __attribute__((noinline)) unsigned
walk_s2_cached(struct s2_walk *w, uint64_t ipa, struct tt_leaf *lf,
	       struct s2_mmu_fault *f)
{
	const struct s2_mmu_tt *c = w->s2;
	struct wc_table h;
	int level;

	if (!wc_table_lookup(w->wc2, c, w->vmid, 0, ipa, &h))
		return walk_s2_from(w, ipa, c->start, c->start_shift,
				    c->start_mask, c->base - w->mem.base,
				    w->wc2, lf, f);
	w->wc_hits++;
	level = h.level + 1;
	return walk_s2_from(w, ipa, level,
			    c->gbits + (unsigned)(3 - level) * c->stride,
			    BIT(c->stride) - 1, h.table - w->mem.base, w->wc2,
			    lf, f);
}

enum { STEP_TABLE, STEP_STOP, STEP_ABORT };

/*
 * One stage-2 table step at the offset @off in the memory window: read
 * the descriptor into @d; a table descriptor (fast test) gives in @off the
 * next level's descriptor, indexed by the @stride IPA bits at @next_shift.
 * Returns STEP_TABLE, STEP_STOP (@d is not a table) or STEP_ABORT.
 */
static WALK_INLINE unsigned s2_step(const struct s2_walk *w, uint64_t ipa,
				    unsigned next_shift, unsigned stride,
				    uint64_t *off, uint64_t *d)
{
	if (*off > w->mem.last)
		return STEP_ABORT;
	*d = __atomic_load_n((const uint64_t *)(w->mem.host + (uintptr_t)*off),
			     __ATOMIC_RELAXED);
	if ((*d & w->s2_fast) != (DESC_VALID | DESC_TABLE))
		return STEP_STOP;
	*off = (*d & w->s2_oa_mask) - w->mem.base +
	       ((ipa >> next_shift) & (BIT(stride) - 1)) * 8;
	return STEP_TABLE;
}

/*
 * walk_s2_any() for one granule (@stride a constant in each copy) and
 * OAs of at most 48 bits: the levels unrolled from the start level, each
 * a few instructions with constant shifts and masks. Without 52-bit OAs a
 * descriptor that fails the fast test at level 0..2 is not a table, so
 * desc_decode() sees only the last one: the leaf, or the fault.
 * @start_k: the start level when the caller knows it as a constant (the
 * level switch and the start shift then fold away), or S2_START_ANY.
 */
#define S2_START_ANY 99

static WALK_INLINE unsigned walk_s2_g(struct s2_walk *w, uint64_t ipa,
				      const unsigned stride, const int start_k,
				      struct tt_leaf *lf, struct s2_mmu_fault *f)
{
	const struct s2_mmu_tt *c = w->s2;
	const unsigned g = stride + 3;
	const int start = start_k == S2_START_ANY ? c->start : start_k;
	const unsigned start_shift = start_k == S2_START_ANY ?
		c->start_shift : g + (unsigned)(3 - start_k) * stride;
	uint64_t off = w->s2_base_off +
		       ((ipa >> start_shift) & c->start_mask) * 8;
	uint64_t d = 0, oa;
	unsigned r, t;
	int level;
	bool leaf;

	switch (start) {
	case -1:
		level = -1;
		r = s2_step(w, ipa, g + 3 * stride, stride, &off, &d);
		if (r != STEP_TABLE)
			break;
		/* fall through */
	case 0:
		level = 0;
		r = s2_step(w, ipa, g + 2 * stride, stride, &off, &d);
		if (r != STEP_TABLE)
			break;
		/* fall through */
	case 1:
		level = 1;
		r = s2_step(w, ipa, g + stride, stride, &off, &d);
		if (r != STEP_TABLE)
			break;
		/* fall through */
	case 2:
		level = 2;
		r = s2_step(w, ipa, g, stride, &off, &d);
		if (r != STEP_TABLE)
			break;
		/* fall through */
	default:
		level = 3;
		r = STEP_ABORT;
		if (off > w->mem.last)
			break;
		d = __atomic_load_n((const uint64_t *)(w->mem.host + (uintptr_t)off),
				    __ATOMIC_RELAXED);
		r = STEP_STOP;
		/* The fast test at level 3 is a page with its OA in range. */
		if ((d & w->s2_fast) == (DESC_VALID | DESC_PAGE)) {
			w->reads += (uint32_t)(4 - start);
			leaf_set(lf, d, off, 3, g, d & w->s2_oa_mask, ipa);
			return 0;
		}
		break;
	}
	/* One descriptor read per level visited, the faulting one included. */
	w->reads += (uint32_t)(level - start + 1);
	t = r == STEP_ABORT ? S2_MMU_FAULT_EXT_ABORT
			    : desc_decode(c, level, d, &oa, &leaf);
	if (t) {
		set_fault(f, t, level, 2);
		return t;
	}
	leaf_set(lf, d, off, level, g + (unsigned)(3 - level) * stride, oa, ipa);
	return 0;
}

/*
 * AArch64.S2Walk for one IPA up to the leaf: the register checks, the IPA
 * range check and the table walk (@stride: the granule's, a constant, or
 * 0 for any geometry; @start: the start level as a constant, or
 * S2_START_ANY, see walk_s2_g()). The Access flag is the caller's (s2_af_fault()),
 * and so are permissions and attributes (s2_leaf_of()): the stage-1 walk
 * tests AF with read permission in one go.
 */
static WALK_INLINE unsigned s2_walk_leaf(struct s2_walk *w, uint64_t ipa,
					 const unsigned stride, const int start,
					 struct tt_leaf *lf, struct s2_mmu_fault *f)
{
	const struct s2_mmu_tt *c = w->s2;

	/*
	 * One test for the common case: registers valid, IPA in range. The
	 * constant-stride copies only run with valid registers
	 * (walk_s1_any()).
	 */
	if (__builtin_expect((ipa & w->s2_range) | (stride ? 0 : w->s2_bad), 0)) {
		/*
		 * AArch64.S2Translate's order: the register checks and
		 * AArch64.IPAIsOutOfRange (translation faults, level 0)
		 * before AArch64.S2Walk's base address check (address size
		 * fault, level 0).
		 */
		unsigned t = c->fault == S2_MMU_FAULT_ADDR_SIZE && !(ipa & w->s2_range) ?
			     S2_MMU_FAULT_ADDR_SIZE : S2_MMU_FAULT_TRANSLATION;

		set_fault(f, t, 0, 2);
		return t;
	}
	if (w->wc2)
		return walk_s2_cached(w, ipa, lf, f);
	if (stride)
		return walk_s2_g(w, ipa, stride, start, lf, f);
	return walk_s2_any(w, ipa, lf, f);
}

/*
 * Replace the descriptor at offset @off in the memory window, which the
 * walk read as @d, by @nd: AArch64.MemSwapTableDesc, a compare-and-swap.
 * Returns 0, S2_MMU_FAULT_EXT_ABORT, or S2_MODEL_REDO when the descriptor
 * changed since: the translation starts again from the new tables, as
 * AArch64.S1/S2Translate repeat their walk until the swap finds the
 * descriptor they read. A dry walk writes nothing.
 */
static unsigned desc_swap(const struct s2_walk *w, uint64_t off, uint64_t d,
			  uint64_t nd)
{
	uint64_t old = d;

	if (off > w->mem.last)
		return S2_MMU_FAULT_EXT_ABORT;
	if (w->dry)
		return 0;
	if (!__atomic_compare_exchange_n((uint64_t *)(w->mem.host + (uintptr_t)off),
					 &old, nd, false,
					 __ATOMIC_SEQ_CST, __ATOMIC_RELAXED))
		return S2_MODEL_REDO;
	return 0;
}

/*
 * A stage-2 leaf (@lf, from the general walker) with AF=0, or DBM=1 under
 * a write. AF=0 without VTCR_EL2.HA is an Access flag fault
 * (AArch64.S2Walk). Else AArch64.S2Translate checks permissions first, a
 * DBM=1 leaf being writable under VTCR_EL2.HD (s2_perm_dbm()), and only
 * for an access they allow updates the descriptor in one swap: AF set
 * (AArch64.SetAccessFlag), and for a write S2AP[1] set, the dirty state
 * (not for AT; the stage-1 descriptor update is a write). On a permission
 * fault setting AF is CONSTRAINED UNPREDICTABLE
 * (AArch64.SettingAccessFlagPermitted) and, as QEMU, the model leaves it
 * clear, for the caller to report the fault; the dirty state is never set
 * on a fault (AArch64.SettingDirtyStatePermitted). @need: the
 * S2_MMU_PERM_* bit the access needs; @write: it may make the leaf dirty;
 * @ptw_dev: a stage-1 walk to Device memory under HCR_EL2.PTW. @af,
 * @dirty: the S2_MMU_AF_* and S2_MMU_DIRTY_* bits to record.
 */
static __attribute__((noinline, cold)) unsigned
s2_update(struct s2_walk *w, struct tt_leaf *lf, struct s2_mmu_fault *f,
	  uint8_t need, bool write, bool ptw_dev, uint8_t af, uint8_t dirty)
{
	uint64_t d = lf->desc, nd;
	unsigned t;

	if (!(d & DESC_AF) && !w->s2->ha) {
		set_fault(f, S2_MMU_FAULT_ACCESS_FLAG, lf->level, 2);
		return S2_MMU_FAULT_ACCESS_FLAG;
	}
	if (!(s2_perm_dbm(w->cpu, w->s2, d) & need) || ptw_dev)
		return 0;
	nd = d | DESC_AF;
	if (write && w->s2->hd && (d & DESC_DBM))
		nd |= S2_DESC_S2AP_W;
	if (nd == d)
		return 0;
	t = desc_swap(w, lf->table, d, nd);
	if (t) {
		set_fault(f, t, lf->level, 2);
		return t;
	}
	if (!(d & DESC_AF))
		w->af_set |= af;
	if (nd & ~d & S2_DESC_S2AP_W)
		w->dirty |= dirty;
	lf->desc = nd;
	return 0;
}

/*
 * A stage-2 leaf with AF=0, or DBM=1 under a write (@write, as for
 * s2_update()): an Access flag fault, or s2_update().
 */
static WALK_INLINE unsigned s2_af_fault(struct s2_walk *w, struct tt_leaf *lf,
					struct s2_mmu_fault *f, uint8_t need,
					bool write, uint8_t af, uint8_t dirty)
{
	if (__builtin_expect((lf->desc & DESC_AF) &&
			     !(write && (lf->desc & DESC_DBM)), 1))
		return 0;
	return s2_update(w, lf, f, need, write, false, af, dirty);
}

/*
 * AArch64.S2Walk for one IPA, any geometry: range check, walk, AF (@need,
 * @write: the access, for the updates of s2_update()).
 */
static WALK_INLINE unsigned s2_lookup(struct s2_walk *w, uint64_t ipa,
				      struct tt_leaf *lf, struct s2_mmu_fault *f,
				      uint8_t need, bool write)
{
	unsigned t;

	if (w->s2->oa52 || w->s2->fault)
		t = s2_walk_leaf(w, ipa, 0, S2_START_ANY, lf, f);
	else if (w->s2->gbits == 12 && w->s2->start == 0)
		t = s2_walk_leaf(w, ipa, 9, 0, lf, f);
	else if (w->s2->gbits == 12)
		t = s2_walk_leaf(w, ipa, 9, S2_START_ANY, lf, f);
	else if (w->s2->gbits == 14)
		t = s2_walk_leaf(w, ipa, 11, S2_START_ANY, lf, f);
	else
		t = s2_walk_leaf(w, ipa, 13, S2_START_ANY, lf, f);
	return t ? t : s2_af_fault(w, lf, f, need, write, S2_MMU_AF_S2,
				   S2_MMU_DIRTY_S2);
}

/* The stage-2 leaf @lf as a TLB entry keeps it. */
static WALK_INLINE void s2_leaf_of(const struct s2_walk *w,
				   const struct tt_leaf *lf, struct s2_leaf *o)
{
	o->pa = lf->out;
	o->level = lf->level;
	o->shift = lf->shift;
	o->perm = s2_perm(w->cpu, lf->desc);
	o->memattr = (uint8_t)S2_FIELD_GET(S2_DESC_MEMATTR, lf->desc) |
		     w->s2->memattr_fwb;
	o->sh = w->s2->ds ? w->s2->sh : (uint8_t)S2_FIELD_GET(DESC_SH, lf->desc);
}

/* ------------------------------------------------------------------ */
/* Stage 1                                                             */
/* ------------------------------------------------------------------ */

/*
 * The cached stage-2 leaf of a stage-1 table fetch at @ipa: the nested
 * TLB's when the TLB has one, else the TLB's stage-2-only entries.
 */
static WALK_INLINE bool fetch_lookup(struct s2_walk *w, uint64_t ipa,
				     struct s2_leaf *o)
{
	if (w->ntlb)
		return wc_leaf_lookup(w->ntlb, w->vmid, ipa, o);
	return w->tlb && s2_tlb_walk_lookup(w->tlb, w->vmid, ipa, o);
}

/* Cache the stage-2 leaf @lf of a table fetch at @ipa, as fetch_lookup() finds it. */
static WALK_INLINE void fetch_fill(struct s2_walk *w, uint64_t ipa,
				   const struct tt_leaf *lf)
{
	struct s2_leaf o;

	if (!w->ntlb && !w->tlb)
		return;
	s2_leaf_of(w, lf, &o);
	if (w->ntlb)
		wc_leaf_fill(w->ntlb, w->vmid, ipa, &o);
	else if (__builtin_expect(lf->desc & DESC_CONTIGUOUS, 0))
		s2_contig_fetch_fill(w, ipa, lf->desc, &o);
	else
		s2_tlb_walk_fill(w->tlb, w->vmid, ipa, &o);
}

/*
 * Fetch a stage-1 descriptor at @ipa: stage 2 translates the fetch
 * (AArch64.S2Translate with s1ptw); a stage-2 fault here is an S1PTW fault
 * whose IPA is the descriptor's. The walk needs stage-2 read permission
 * (S2AP[0]); with HCR_EL2.PTW, a walk to Device memory (memattr_is_device())
 * is a permission fault. @s2stride, @s2start: as for s2_walk_leaf().
 */
static WALK_INLINE unsigned s1_fetch(struct s2_walk *w, uint64_t ipa,
				     int level, const unsigned s2stride,
				     const int s2start, uint64_t *d,
				     struct s2_mmu_fault *f)
{
	uint64_t pa = ipa;
	unsigned t;
	int s2_level;

	if (w->s2_on) {
		struct s2_leaf o;
		struct tt_leaf lf;

		if (fetch_lookup(w, ipa, &o)) {
			w->s2_cache_hits++;
			s2_level = o.level;
			if (!(o.perm & S2_MMU_PERM_R1) ||
			    (w->ptw && memattr_is_device(o.memattr)))
				goto perm;
			pa = o.pa;
		} else {
			bool dev;

			t = s2_walk_leaf(w, ipa, s2stride, s2start, &lf, f);
			if (t)
				goto s1ptw;
			dev = memattr_is_device((uint8_t)S2_FIELD_GET(S2_DESC_MEMATTR, lf.desc) |
						w->s2->memattr_fwb);
			s2_level = lf.level;
			/* AF=1, S2AP[0] and the PTW check in one test. */
			if (__builtin_expect((lf.desc & (DESC_AF | S2_DESC_S2AP_R)) !=
						     (DESC_AF | S2_DESC_S2AP_R) ||
					     (w->ptw && dev), 0)) {
				/* The Access flag fault comes first. */
				if (!(lf.desc & DESC_AF)) {
					t = s2_update(w, &lf, f, S2_MMU_PERM_R1,
						      false, w->ptw && dev,
						      S2_MMU_AF_S2PTW, 0);
					if (t)
						goto s1ptw;
				}
				if (!(lf.desc & S2_DESC_S2AP_R) || (w->ptw && dev)) {
					/* Only what has AF=1 in memory is cached. */
					if (lf.desc & DESC_AF)
						fetch_fill(w, ipa, &lf);
					goto perm;
				}
			}
			fetch_fill(w, ipa, &lf);
			pa = lf.out;
		}
	}
	w->reads++;
	if (!mem_read(&w->mem, pa, d)) {
		set_fault(f, S2_MMU_FAULT_EXT_ABORT, level, 1);
		return S2_MMU_FAULT_EXT_ABORT;
	}
	return 0;
perm:
	set_fault(f, S2_MMU_FAULT_PERMISSION, s2_level, 2);
	t = S2_MMU_FAULT_PERMISSION;
s1ptw:
	f->s1ptw = true;
	f->ipa = ipa;
	f->ipa_valid = true;
	return t;
}

unsigned s2_model_s1_fetch(struct s2_walk *w, uint64_t ipa, int level,
			   uint64_t *d, struct s2_mmu_fault *f)
{
	return s1_fetch(w, ipa, level, 0, S2_START_ANY, d, f);
}

/*
 * The stage-1 table walk of @va (AArch64.S1Walk), each descriptor fetched
 * through stage 2 (s1_fetch()); APTable/UXNTable/PXNTable (bits [63:59]
 * of table descriptors) accumulate for the leaf's permissions. Returns a
 * fault type (0: @lf holds the leaf). @s2stride: the stage-2 granule's
 * stride, chosen once per translation (walk_s1_any()), or 0; @s2start: the
 * stage-2 start level when chosen with it, or S2_START_ANY. @wc: the
 * stage-1 walk cache, or NULL: the walk starts below the deepest table
 * descriptor it holds for @va and fills it with those it reads.
 */
static WALK_INLINE unsigned walk_s1(struct s2_walk *w, const struct s2_mmu_tt *c,
				    uint64_t va, const unsigned s2stride,
				    const int s2start, struct s2_wc *wc,
				    struct tt_leaf *lf, struct s2_mmu_fault *f)
{
	int level = c->start;
	unsigned shift = c->start_shift, stride = c->stride, t;
	uint64_t idx_mask = c->start_mask, fast = c->fast_mask;
	const uint64_t next_mask = BIT(stride) - 1, oa_mask = c->oa_mask;
	/* The walk cache's tag: VA[55] picks the TTBR, the top byte is TBI's. */
	const uint64_t ia = va & GENMASK(55, 0);
	uint64_t table = c->base, tbl_attrs = 0, d, oa, ipa;
	struct wc_table h;
	bool leaf;

	if (wc && wc_table_lookup(wc, c, w->vmid, c->asid, ia, &h)) {
		w->wc_hits++;
		level = h.level + 1;
		shift = c->gbits + (unsigned)(3 - level) * stride;
		idx_mask = next_mask;
		table = h.table;
		tbl_attrs = (uint64_t)h.tbl << 59;
	}
	for (;;) {
		ipa = table + ((va >> shift) & idx_mask) * 8;
		t = s1_fetch(w, ipa, level, s2stride, s2start, &d, f);
		if (t)
			return t;
		if (level < 3 && (d & fast) == (DESC_VALID | DESC_TABLE)) {
			oa = d & oa_mask;
		} else {
			t = desc_decode(c, level, d, &oa, &leaf);
			if (t || leaf)
				break;
		}
		tbl_attrs |= d & GENMASK(63, 59);
		if (wc)
			wc_table_fill(wc, c, w->vmid, c->asid, ia, level, oa,
				      (uint8_t)(tbl_attrs >> 59));
		table = oa;
		level++;
		shift -= stride;
		idx_mask = next_mask;
	}
	if (t) {
		set_fault(f, t, level, 1);
		return t;
	}
	leaf_set(lf, d, tbl_attrs, level, shift, oa, va);
	w->s1_dipa = ipa;
	return 0;
}

#ifdef S2MM_MODEL_CHECK_FAST
/*
 * Self-check build (tests): every s2_model_walk2d_fast() result is
 * compared with the general walk's, from a copy of the walk context as it
 * was before.
 */
unsigned long s2_model_fast_walks[3];

static bool leaf_eq(const struct tt_leaf *a, const struct tt_leaf *b)
{
	return a->desc == b->desc && a->out == b->out && a->table == b->table &&
	       a->level == b->level && a->shift == b->shift;
}

/* The same for stage-2 leaves, whose @table only the general walk sets. */
static bool leaf2_eq(const struct tt_leaf *a, const struct tt_leaf *b)
{
	return a->desc == b->desc && a->out == b->out &&
	       a->level == b->level && a->shift == b->shift;
}

static void check_fast(const struct s2_walk *w0, const struct s2_walk *w,
		       const struct s2_mmu_tt *c, uint64_t va, unsigned fast,
		       const struct tt_leaf *lf, const struct tt_leaf *lf2,
		       uint32_t reads2)
{
	struct s2_walk g = *w0;
	struct s2_mmu_fault f = { 0 };
	struct tt_leaf ref;

	s2_model_fast_walks[fast]++;
	if (!fast)
		return;
	if (walk_s1(&g, c, va, 0, S2_START_ANY, NULL, &ref, &f) || !leaf_eq(&ref, lf) ||
	    g.reads != w->reads)
		__builtin_trap();
	if (fast == 2 && (s2_walk_leaf(&g, lf->out, 0, S2_START_ANY, &ref, &f) ||
			  !leaf2_eq(&ref, lf2) || g.reads != w->reads + reads2))
		__builtin_trap();
}
#endif

/*
 * walk_s1() through the stage-1 walk cache. Out of line, and for any
 * stage-2 geometry: only TLB misses with the cache on take it.
 */
static __attribute__((noinline)) unsigned
walk_s1_cached(struct s2_walk *w, const struct s2_mmu_tt *c, uint64_t va,
	       struct tt_leaf *lf, struct s2_mmu_fault *f)
{
	return walk_s1(w, c, va, 0, S2_START_ANY, w->wc1, lf, f);
}

#ifdef S2MM_MODEL_CHECK_FAST
/*
 * Self-check build: every s2_model_walk2d_cached() is compared with the
 * general cached walk run on copies of the caches as they were before:
 * the same leaves, reads and hits, and the caches left the same, entry by
 * entry and counter by counter; declining, it must have changed nothing.
 * Counted by its return value.
 */
unsigned long s2_model_cached_walks[3];

#define CHECK_WC_MAX 4096
static struct s2_wc_entry check_ent[S2_WC_NR][CHECK_WC_MAX];
static struct s2_wc check_wc[S2_WC_NR];

static bool wc_eq(const struct s2_wc *a, const struct s2_wc *b)
{
	const struct s2_wc_stats *x = &a->stats, *y = &b->stats;
	uint64_t i;

	if (a->victim != b->victim || a->clock != b->clock || a->shifts != b->shifts ||
	    a->granules != b->granules || x->lookups != y->lookups ||
	    x->misses != y->misses || x->fills != y->fills ||
	    x->evictions != y->evictions || x->invalidated != y->invalidated)
		return false;
	for (i = 0; i < S2_WC_LEVELS; i++)
		if (x->hits[i] != y->hits[i])
			return false;
	for (i = 0; i < (uint64_t)a->sets * a->ways; i++)
		if (!wc_entry_same(&a->entries[i], &b->entries[i]))
			return false;
	return true;
}

/* A copy of @wc in check slot @t, for the general walk; NULL stays NULL. */
static struct s2_wc *wc_copy(const struct s2_wc *wc, unsigned t)
{
	uint64_t i;

	if (!wc)
		return NULL;
	check_wc[t] = *wc;
	check_wc[t].entries = check_ent[t];
	for (i = 0; i < (uint64_t)wc->sets * wc->ways; i++)
		check_ent[t][i] = wc->entries[i];
	return &check_wc[t];
}

static bool wc_small(const struct s2_wc *wc)
{
	return !wc || (uint64_t)wc->sets * wc->ways <= CHECK_WC_MAX;
}

static unsigned check_cached(struct s2_walk *w, const struct s2_mmu_tt *c,
			     uint64_t va, struct tt_leaf *lf, struct tt_leaf *lf2,
			     uint32_t *reads2)
{
	struct s2_walk g = *w;
	struct s2_mmu_fault f = { 0 };
	struct tt_leaf ref;
	unsigned fast;

	if (!wc_small(w->wc1) || !wc_small(w->wc2) || !wc_small(w->ntlb))
		return s2_model_walk2d_cached(w, c, va, lf, lf2, reads2);
	g.wc1 = wc_copy(w->wc1, S2_WC_S1);
	g.wc2 = wc_copy(w->wc2, S2_WC_S2);
	g.ntlb = wc_copy(w->ntlb, S2_WC_NESTED);
	fast = s2_model_walk2d_cached(w, c, va, lf, lf2, reads2);
	s2_model_cached_walks[fast]++;
	if (!fast) {
		if (w->reads != g.reads || w->wc_hits != g.wc_hits ||
		    w->s2_cache_hits != g.s2_cache_hits)
			__builtin_trap();
	} else {
		if (walk_s1(&g, c, va, 0, S2_START_ANY, g.wc1, &ref, &f) ||
		    !leaf_eq(&ref, lf) || g.s1_dipa != w->s1_dipa)
			__builtin_trap();
		if (fast == 2) {
			if (s2_walk_leaf(&g, lf->out, 0, S2_START_ANY, &ref, &f) ||
			    !leaf_eq(&ref, lf2))
				__builtin_trap();
			g.reads -= *reads2;
		}
		if (g.reads != w->reads || g.wc_hits != w->wc_hits ||
		    g.s2_cache_hits != w->s2_cache_hits)
			__builtin_trap();
	}
	if (!wc_eq(g.wc1, w->wc1) || (w->wc2 && !wc_eq(g.wc2, w->wc2)) ||
	    !wc_eq(g.ntlb, w->ntlb))
		__builtin_trap();
	return fast;
}
#endif

/*
 * walk_s1() with the stage-2 granule chosen once for the whole walk, not
 * per lookup: each stage-2 lookup is then walk_s2_g() with constant
 * shifts and masks. The 4KB granule starting at level 0 (a 48-bit IPA
 * space, the usual configuration) also has its start level constant.
 */
static WALK_INLINE unsigned walk_s1_any(struct s2_walk *w,
					const struct s2_mmu_tt *c, uint64_t va,
					struct tt_leaf *lf,
					struct s2_mmu_fault *f)
{
	if (w->wc1)
		return walk_s1_cached(w, c, va, lf, f);
	if (!w->s2_on || w->s2->oa52 || w->s2->fault)
		return walk_s1(w, c, va, 0, S2_START_ANY, NULL, lf, f);
	if (w->s2->gbits == 12 && w->s2->start == 0)
		return walk_s1(w, c, va, 9, 0, NULL, lf, f);
	if (w->s2->gbits == 12)
		return walk_s1(w, c, va, 9, S2_START_ANY, NULL, lf, f);
	if (w->s2->gbits == 14)
		return walk_s1(w, c, va, 11, S2_START_ANY, NULL, lf, f);
	return walk_s1(w, c, va, 13, S2_START_ANY, NULL, lf, f);
}

/*
 * Faults before the stage-1 walk of input address @in, in the Arm ARM's
 * order: invalid TxSZ, VA out of range, EPDx (translation faults; AArch32
 * reports them at level 1, "AArch64 reports this as a level 0 fault"),
 * then a base address beyond the output size (address size, level 0).
 */
static WALK_INLINE unsigned s1_check_in(const struct s2_mmu_tt *c, uint64_t in,
					struct s2_mmu_fault *f)
{
	bool in_range = (in & c->range_mask) == c->range_want;

	if (__builtin_expect(!c->fault && in_range, 1))
		return 0;
	if (c->fault == S2_MMU_FAULT_ADDR_SIZE && in_range) {
		set_fault(f, S2_MMU_FAULT_ADDR_SIZE, 0, 1);
		return S2_MMU_FAULT_ADDR_SIZE;
	}
	set_fault(f, S2_MMU_FAULT_TRANSLATION, c->aarch32 ? 1 : 0, 1);
	return S2_MMU_FAULT_TRANSLATION;
}

/* ------------------------------------------------------------------ */
/* Full translation                                                    */
/* ------------------------------------------------------------------ */

static WALK_INLINE void result_init(struct s2_walk *w,
				     const struct s2_mmu_access *acc,
				     struct s2_mmu_result *res)
{
	*res = (struct s2_mmu_result){
		.fault = { .acc = acc->acc, .el = acc->el, .va = acc->va },
		.s1_level = -2, .s2_level = -2, .s1_shift = 64, .s2_shift = 64,
		.s1_perm = S2_MMU_PERM_ALL, .s2_perm = S2_MMU_PERM_ALL,
		.global = true, .vmid = w->vmid,
	};
}

/*
 * Stage 2 of the final IPA: walk, then AArch64.S2CheckPermissions. @lf2:
 * the walk's leaf when s2_model_walk2d_fast() has done it, after @reads2
 * reads, or NULL.
 */
static WALK_INLINE void final_s2(struct s2_walk *w,
				 const struct s2_mmu_access *acc,
				 uint8_t s1attr, uint8_t s1sh,
				 struct tt_leaf *lf2, uint32_t reads2,
				 struct s2_mmu_result *res)
{
	struct s2_leaf o;
	struct tt_leaf lf;
	struct s2_mmu_fault *f = &res->fault;
	uint8_t need;
	bool write;

	if (!w->s2_on) {
		res->pa = res->ipa;
		res->attr = s1attr;
		res->sh = s2_model_par_sh(s1attr, s1sh);
		return;
	}
	if (lf2)
		w->reads += reads2;
	else
		lf2 = &lf;
	need = (uint8_t)BIT(acc->acc + 3u * acc->el);
	write = acc->acc == S2_MMU_WRITE && !w->no_dirty;
	if (lf2 != &lf ? s2_af_fault(w, lf2, f, need, write, S2_MMU_AF_S2,
				     S2_MMU_DIRTY_S2) :
			 s2_lookup(w, res->ipa, &lf, f, need, write)) {
		f->ipa = res->ipa;
		f->ipa_valid = true;
		return;
	}
	s2_leaf_of(w, lf2, &o);
	if (__builtin_expect(w->s2->hd, 0)) {
		/* A writable-clean leaf grants the write its DBM allows. */
		uint8_t p = s2_perm_dbm(w->cpu, w->s2, lf2->desc);

		if (p != o.perm)
			res->dirty |= S2_MMU_CLEAN_S2;
		o.perm = p;
	}
	/* AArch64.S2CheckPermissions; the translation stays in @res. */
	if (!s2_model_perm_ok(o.perm, acc->acc, acc->el)) {
		set_fault(f, S2_MMU_FAULT_PERMISSION, o.level, 2);
		f->ipa = res->ipa;
		f->ipa_valid = true;
	}
	res->pa = o.pa;
	res->s2_level = o.level;
	res->s2_shift = o.shift;
	if (__builtin_expect(lf2->desc & DESC_CONTIGUOUS, 0))
		res->contig |= s2_contig_leaf(w->s2, lf2->desc, o.level, o.shift,
					      S2_MMU_CONTIG_S2);
	res->s2_perm = o.perm;
	res->s2_memattr = o.memattr;
	res->s2_sh = o.sh;
	res->attr = s2_model_combine_attr(s1attr, o.memattr);
	res->sh = s2_model_par_sh(res->attr, combine_sh(s1sh, o.sh));
}

/*
 * A stage-1 leaf (@lf, from the general walker: the fast walk takes no HA
 * regime) with AF=0, or under TCR_EL1.HD. AF=0 without TCR_EL1.HA is an
 * Access flag fault (AArch64.S1Walk). Else AArch64.S1Translate checks
 * permissions first, a DBM=1 leaf being writable under HD
 * (s1_perm_dbm()), and only for an access they allow updates the
 * descriptor in one swap (AArch64.MemSwapTableDesc): AF set
 * (AArch64.SetAccessFlag), and for a write that is not AT AP[2] cleared,
 * the dirty state. The swap writes the descriptor's IPA, which stage 2
 * translates as a write (CreateAccDescTTEUpdate(): it needs S2AP[1], and
 * may make the table page's stage-2 leaf dirty in turn): a stage-2 fault
 * there is a fault on the stage-1 walk (S1PTW) on the descriptor's IPA,
 * reported as a write. On a permission fault the model leaves the
 * descriptor as it is (setting AF is CONSTRAINED UNPREDICTABLE,
 * AArch64.SettingAccessFlagPermitted, QEMU does the same; the dirty state
 * is never set, AArch64.SettingDirtyStatePermitted) and returns 0 for the
 * caller to report it. Returns 0 or a fault type.
 */
static __attribute__((noinline, cold)) unsigned
s1_update(struct s2_walk *w, const struct s2_mmu_tt *c,
	  const struct s2_mmu_access *acc, struct tt_leaf *lf,
	  struct s2_mmu_fault *f)
{
	uint64_t dipa = w->s1_dipa, pa = dipa, d = lf->desc, nd;
	struct tt_leaf l2;
	unsigned t;

	if (!(d & DESC_AF) && !c->ha) {
		set_fault(f, S2_MMU_FAULT_ACCESS_FLAG, lf->level, 1);
		return S2_MMU_FAULT_ACCESS_FLAG;
	}
	if (!s2_model_perm_ok(s1_perm_dbm(c, w->regs, d, lf->table),
			      acc->acc, acc->el))
		return 0;
	nd = d | DESC_AF;
	if (c->hd && (d & DESC_DBM) && acc->acc == S2_MMU_WRITE && !w->no_dirty)
		nd &= ~S1_DESC_AP2;
	if (nd == d)
		return 0;
	if (w->s2_on) {
		t = s2_walk_leaf(w, dipa, 0, S2_START_ANY, &l2, f);
		if (!t)
			t = s2_af_fault(w, &l2, f, S2_MMU_PERM_W1, !w->dry,
					S2_MMU_AF_S2PTW, S2_MMU_DIRTY_S2PTW);
		if (t == S2_MODEL_REDO)
			return t;
		/* S2AP[1], or DBM: the update writes the table page. */
		if (!t && !(s2_perm_dbm(w->cpu, w->s2, l2.desc) & S2_MMU_PERM_W1)) {
			set_fault(f, S2_MMU_FAULT_PERMISSION, l2.level, 2);
			t = S2_MMU_FAULT_PERMISSION;
		}
		if (t) {
			f->s1ptw = true;
			f->tte_update = true;
			f->ipa = dipa;
			f->ipa_valid = true;
			return t;
		}
		pa = l2.out;
	}
	t = desc_swap(w, pa - w->mem.base, d, nd);
	if (t) {
		set_fault(f, t, lf->level, 1);
		if (t == S2_MMU_FAULT_EXT_ABORT)
			f->tte_update = true;
		return t;
	}
	if (!(d & DESC_AF))
		w->af_set |= S2_MMU_AF_S1;
	if (d & ~nd & S1_DESC_AP2)
		w->dirty |= S2_MMU_DIRTY_S1;
	lf->desc = nd;
	return 0;
}

/*
 * Stage 1 and the IPA's attributes (@attr, @sh); false on a fault. Where
 * s2_model_walk2d_fast() applies, it also walks the final stage 2: @lf2
 * and @reads2 for final_s2(), @fast2 set.
 */
static WALK_INLINE bool full_s1(struct s2_walk *w, struct s2_mmu_regime *rc,
				const struct s2_mmu_access *acc,
				struct s2_mmu_result *res, uint8_t *attr,
				uint8_t *sh, struct tt_leaf *lf2,
				uint32_t *reads2, bool *fast2, const bool lane)
{
	const struct s2_mmu_regs *regs = w->regs;
	bool a32 = !lane && !(regs->hcr_el2 & HCR_EL2_RW), sel;
	const struct s2_mmu_tt *c;
	struct tt_leaf lf;
	struct s2_mmu_fault *f = &res->fault;
	uint64_t in;
	unsigned t, fast;

	if (!lane && !(regs->sctlr_el1 & SCTLR_M)) {
		/*
		 * Stage 1 off: the VA is the IPA (AArch64.S1DisabledOutput):
		 * VA[AddrTop:PAMax] must be zero, AddrTop being 55 with TBI.
		 */
		uint64_t va = a32 ? (uint32_t)acc->va : acc->va;
		bool tbi = (va >> 55) & 1 ? regs->tcr_el1 & TCR_EL1_TBI1
					  : regs->tcr_el1 & TCR_EL1_TBI0;
		if (!a32 && tbi)
			va &= GENMASK(55, 0);
		if (!a32 && (va >> w->cpu->pa_bits)) {
			set_fault(f, S2_MMU_FAULT_ADDR_SIZE, 0, 1);
			return false;
		}
		res->ipa = va;
		*attr = s2_model_mmu_off_attr(regs, acc->acc);
		*sh = DESC_SH_OS;
		return true;
	}
	/* TTBCR.EAE=0: the short-descriptor format, walk_sd.c. */
	if (a32 && !(regs->tcr_el1 & TTBCR_EAE))
		return s2_model_walk_sd(w, acc, res, attr, sh);
	in = a32 ? (uint32_t)acc->va : acc->va;
	sel = a32 ? s1_a32_sel(regs->tcr_el1, (uint32_t)in) : (in >> 55) & 1;
	c = regime_s1(rc, w->cpu, regs, a32, sel);
	t = s1_check_in(c, in, f);
	if (t)
		return false;
	fast = 0;
	/*
	 * The caches first: with a stage-1 walk cache on, regime_blk() is
	 * false (the uncached fast walk counts no hits), so it need not be
	 * asked.
	 */
	if (w->wc1 && walk_wc_fast_ok(w, c)) {
#ifdef S2MM_MODEL_CHECK_FAST
		fast = check_cached(w, c, in, &lf, lf2, reads2);
#else
		fast = s2_model_walk2d_cached(w, c, in, &lf, lf2, reads2);
#endif
	} else if (c->fast4k && (lane || w->s2_on) && regime_blk(rc, w)) {
#ifdef S2MM_MODEL_CHECK_FAST
		struct s2_walk w0 = *w;

		fast = s2_model_walk2d_fast(w, c, in, &lf, lf2, reads2);
		check_fast(&w0, w, c, in, fast, &lf, lf2, *reads2);
#else
		fast = s2_model_walk2d_fast(w, c, in, &lf, lf2, reads2);
#endif
	}
	*fast2 = fast == 2;
	if (!fast && walk_s1_any(w, c, in, &lf, f))
		return false;
	/*
	 * AF=0: an Access flag fault before permissions (AArch64.S1Walk), or
	 * with HA the update; under HD a write may make the leaf dirty.
	 */
	if (__builtin_expect(!(lf.desc & DESC_AF) || c->hd, 0)) {
		if (s1_update(w, c, acc, &lf, f))
			return false;
		res->s1_perm = s1_perm_dbm(c, regs, lf.desc, lf.table);
		/* A writable-clean leaf grants the write its DBM allows. */
		if (res->s1_perm != s1_perm(c, regs, lf.desc, lf.table))
			res->dirty |= S2_MMU_CLEAN_S1;
	} else {
		res->s1_perm = s1_perm(c, regs, lf.desc, lf.table);
	}
	res->s1_level = lf.level;
	res->s1_shift = lf.shift;
	if (__builtin_expect(lf.desc & DESC_CONTIGUOUS, 0))   /* result_init(): 0 */
		res->contig = s2_contig_leaf(c, lf.desc, lf.level, lf.shift,
					     S2_MMU_CONTIG_S1);
	res->global = !(lf.desc & S1_DESC_NG);
	res->asid = res->global ? 0 : c->asid;
	res->ipa = lf.out;
	if (!s2_model_perm_ok(res->s1_perm, acc->acc, acc->el)) {
		set_fault(f, S2_MMU_FAULT_PERMISSION, lf.level, 1);
		return false;
	}
	*attr = (uint8_t)(regs->mair_el1 >>
			  (8 * S2_FIELD_GET(S1_DESC_ATTRINDX, lf.desc)));
	if (!c->ds)
		*sh = (uint8_t)S2_FIELD_GET(DESC_SH, lf.desc);
	else if ((acc->va >> 55) & 1)  /* FEAT_LPA2: SH from TCR */
		*sh = (uint8_t)S2_FIELD_GET(TCR_EL1_SH1, regs->tcr_el1);
	else
		*sh = (uint8_t)S2_FIELD_GET(TCR_EL1_SH0, regs->tcr_el1);
	return true;
}

static WALK_INLINE uint32_t translate(const struct s2_mmu_mem *mem,
				      const struct s2_mmu_cpu *cpu,
				      const struct s2_mmu_regs *regs,
				      struct s2_mmu_regime *rc, struct s2_tlb *tlb,
				      const struct s2_mmu_access *acc, unsigned mode,
				      struct s2_mmu_result *res, uint32_t *wc_hits)
{
	/*
	 * Field by field: an initializer would clear the whole context
	 * first, which compilers do with a string instruction that stalls
	 * the front end for longer than the walk's first reads take.
	 */
	struct s2_walk w;
	struct tt_leaf lf2;
	uint32_t reads2 = 0;
	bool fast2 = false;
	uint8_t attr, sh;

	const bool lane = mode & S2_MODEL_LANE;

	w.cpu = cpu;
	w.regs = regs;
	w.tlb = (lane || tlb) && !tlb->no_s2_fetch ? tlb : NULL;
	w.mem.base = mem->base;
	w.mem.last = mem->size - 8;
	w.mem.host = (uintptr_t)mem->host;
	w.s2_on = lane || (mode & S2_MODEL_MODE) == S2_MODEL_S2 ||
		  (regs->hcr_el2 & HCR_EL2_VM);
	w.wc1 = (lane || tlb) && (lane || (regs->hcr_el2 & HCR_EL2_RW)) ?
		tlb->wc[S2_WC_S1] : NULL;
	w.wc2 = lane || tlb ? tlb->wc[S2_WC_S2] : NULL;
	w.ntlb = lane || tlb ? tlb->wc[S2_WC_NESTED] : NULL;
	w.reads = 0;
	w.s2_cache_hits = 0;
	w.wc_hits = 0;
	w.af_set = 0;
	w.dirty = 0;
	w.dry = mode & S2_MODEL_DRY;
	w.no_dirty = mode & (S2_MODEL_AT | S2_MODEL_DRY);
	mode &= S2_MODEL_MODE;
	w.s2 = NULL;
	w.ptw = false;
	/* Any register the decoding reads changed: decode afresh. */
	if (!lane && !regime_match(rc, cpu, regs))
		regime_reset(rc, cpu, regs);
	w.vmid = rc->vmid;
	if (lane || w.s2_on) {
		w.s2 = regime_s2(rc, cpu, regs);
		w.s2_base_off = w.s2->base - w.mem.base;
		w.s2_fast = w.s2->fast_mask;
		w.s2_oa_mask = w.s2->oa_mask;
		w.s2_range = w.s2->range_mask;
		w.s2_bad = w.s2->fault;
		w.ptw = regs->hcr_el2 & HCR_EL2_PTW;
	}
again:
	result_init(&w, acc, res);
	if (mode == S2_MODEL_S2) {
		res->ipa = acc->va;
		final_s2(&w, acc, 0xff, DESC_SH_IS, NULL, 0, res);
	} else if (full_s1(&w, rc, acc, res, &attr, &sh, &lf2, &reads2, &fast2, lane)) {
		if (mode == S2_MODEL_S1) {
			res->pa = res->ipa;
			res->attr = attr;
			res->sh = s2_model_par_sh(attr, sh);
		} else {
			final_s2(&w, acc, attr, sh, fast2 ? &lf2 : NULL,
				 reads2, res);
		}
	}
	/* A descriptor changed under a hardware update: walk again. */
	if (__builtin_expect(res->fault.type == S2_MODEL_REDO, 0))
		goto again;
	res->af_set = w.af_set;
	res->dirty |= w.dirty;
	res->desc_reads = w.reads;
	if (wc_hits)
		*wc_hits = w.wc_hits;
	return w.s2_cache_hits;
}

uint32_t s2_model_translate(const struct s2_mmu_mem *mem,
			    const struct s2_mmu_cpu *cpu,
			    const struct s2_mmu_regs *regs,
			    struct s2_mmu_regime *rc, struct s2_tlb *tlb,
			    const struct s2_mmu_access *acc, unsigned mode,
			    struct s2_mmu_result *res, uint32_t *wc_hits)
{
	return translate(mem, cpu, regs, rc, tlb, acc, mode, res, wc_hits);
}

uint32_t s2_model_translate_miss(const struct s2_mmu_mem *mem,
				 const struct s2_mmu_cpu *cpu,
				 const struct s2_mmu_regs *regs,
				 struct s2_mmu_regime *rc, struct s2_tlb *tlb,
				 const struct s2_mmu_access *acc,
				 struct s2_mmu_result *res, uint32_t *wc_hits)
{
	return translate(mem, cpu, regs, rc, tlb, acc, S2_MODEL_S12, res, wc_hits);
}

uint32_t s2_model_translate_lane(const struct s2_mmu_mem *mem,
				 const struct s2_mmu_cpu *cpu,
				 const struct s2_mmu_regs *regs,
				 struct s2_mmu_regime *rc, struct s2_tlb *tlb,
				 const struct s2_mmu_access *acc,
				 struct s2_mmu_result *res, uint32_t *wc_hits)
{
	return translate(mem, cpu, regs, rc, tlb, acc, S2_MODEL_S12 | S2_MODEL_LANE,
			 res, wc_hits);
}

void s2_model_regime_sync(struct s2_mmu_regime *rc, const struct s2_mmu_cpu *cpu,
			  const struct s2_mmu_regs *regs)
{
	if (!regime_match(rc, cpu, regs))
		regime_reset(rc, cpu, regs);
}

/*
 * The same for an access without a TLB's walk cache, its own copy: the
 * mode and the absent walk cache then fold away, and the fast walk's
 * callers (s2_mmu_translate*(), the TLB's stale check) save a call.
 */
void s2_model_translate_s12(const struct s2_mmu_mem *mem,
			    const struct s2_mmu_cpu *cpu,
			    const struct s2_mmu_regs *regs,
			    struct s2_mmu_regime *rc,
			    const struct s2_mmu_access *acc,
			    struct s2_mmu_result *res)
{
	translate(mem, cpu, regs, rc, NULL, acc, S2_MODEL_S12, res, NULL);
}

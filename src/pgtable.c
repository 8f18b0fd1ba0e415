/* SPDX-License-Identifier: MIT */
/*
 * The stage-2 page-table engine: one walker, and each operation as a small
 * private data struct plus a visitor (the shape of Linux's
 * arch/arm64/kvm/hyp/pgtable.c).
 *
 * Operations that may need new table pages run in two phases: prepare counts
 * the pages the change needs against the current tree and allocates them all
 * into a private cache; commit makes the change and cannot fail. So running
 * out of memory leaves the tree exactly as it was.
 */
#include <s2mm/arch.h>
#include <s2mm/error.h>
#include <s2mm/pgtable.h>
#include <s2mm/table_rc.h>

#include "geom_oa.h"
#include "monitor_hook.h"
#include "pgtable_edges.h"
#include "table_pass.h"

#define ALWAYS_INLINE inline __attribute__((always_inline))

/* Descriptor bits that encode permissions and type in a stage-2 leaf. */
#define S2_LEAF_PROT_MASK (S2_DESC_S2AP_MASK | S2_DESC_XN | DESC_DBM)

/* The enum s2_prot bits a leaf can carry. */
#define S2_PROT_LEAF (S2_PROT_RWX | S2_PROT_DBM)

/*
 * An invalid entry a shared walker holds while it breaks-before-makes;
 * others that meet it back off with -S2_EAGAIN. Hardware ignores every bit
 * of an invalid descriptor but bit 0. (Bit 10 is the Access flag's place
 * in a valid entry; every reader tests validity first, so ageing and the
 * dirty-state passes skip it.)
 */
#define PTE_LOCKED (S2_UL(1) << 10)

/* At most this many leaves are invalidated one by one; more: VMID-wide. */
#define INVAL_BATCH 16
/* Table pages freed by one operation before a forced VMID-wide flush. */
#define FREE_BATCH 64

/*
 * Acquire: a table entry a shared walker published (release) must show
 * the table's contents to whoever follows it.
 */
static ALWAYS_INLINE uint64_t pte_read(const uint64_t *ptep)
{
	return __atomic_load_n(ptep, __ATOMIC_ACQUIRE);
}

static ALWAYS_INLINE bool pte_valid(uint64_t d)
{
	return d & DESC_VALID;
}

/* Bit 1 means "table" only above the final level (Arm ARM D8.3.1). */
static ALWAYS_INLINE bool pte_table(uint64_t d, int level)
{
	return level < S2_LEVEL_MAX && (d & DESC_TYPE_MASK) == DESC_TYPE_TABLE;
}

static ALWAYS_INLINE bool pte_leaf(uint64_t d, int level)
{
	return pte_valid(d) && !pte_table(d, level);
}

static ALWAYS_INLINE uint64_t *table_va(const struct s2_pgtable *pgt, uint64_t d)
{
	return pgt->ops->phys_to_virt(pgt->ops->ctx,
				      geom_desc_to_oa(&pgt->geom, d));
}

static ALWAYS_INLINE uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static ALWAYS_INLINE uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/* ------------------------------------------------------------------------ */
/* The walker.                                                              */
/* ------------------------------------------------------------------------ */

/*
 * Iterative, so that with a constant visitor the compiler inlines the
 * visitor into each operation's copy of the loop.
 */
static ALWAYS_INLINE int walk(const struct s2_pgtable *pgt, uint64_t start,
			      uint64_t end, s2_visitor_fn cb, void *arg,
			      unsigned int flags)
{
	const struct s2_geom *g = &pgt->geom;
	struct {
		uint64_t *table;
		uint64_t idx, n, base;
	} stack[S2_LEVEL_MAX - S2_LEVEL_MIN + 1];
	int depth = 0;
	int level = g->start_level;
	unsigned int shift = s2_geom_level_shift(g, level);
	uint64_t *table = pgt->root;
	uint64_t n = g->root_entries, base = 0, idx = start >> shift;
	struct s2_walk_ctx ctx = {
		.pgt = pgt, .start = start, .end = end, .arg = arg,
	};

	for (;;) {
		if (idx < n && base + (idx << shift) < end) {
			int ret = 0;

			ctx.ptep = &table[idx];
			ctx.old = pte_read(ctx.ptep);
			ctx.addr = base + (idx << shift);
			ctx.level = level;
			if (pte_table(ctx.old, level)) {
				if (flags & S2_WALK_TABLE_PRE) {
					ret = cb(&ctx, S2_WALK_TABLE_PRE);
					if (ret < 0)
						return ret;
					ctx.old = pte_read(ctx.ptep);
				}
			} else if (flags & S2_WALK_LEAF) {
				ret = cb(&ctx, S2_WALK_LEAF);
				if (ret < 0)
					return ret;
				ctx.old = pte_read(ctx.ptep);
			}
			if (ret != S2_WALK_SKIP && pte_table(ctx.old, level)) {
				stack[depth].table = table;
				stack[depth].idx = idx;
				stack[depth].n = n;
				stack[depth].base = base;
				depth++;
				base = ctx.addr;
				level++;
				shift -= g->stride;
				n = 1ULL << g->stride;
				table = table_va(pgt, ctx.old);
				idx = start > base ? (start - base) >> shift : 0;
				continue;
			}
			idx++;
			continue;
		}
		if (!depth)
			return 0;
		depth--;
		level--;
		shift += g->stride;
		table = stack[depth].table;
		idx = stack[depth].idx;
		n = stack[depth].n;
		base = stack[depth].base;
		if (flags & S2_WALK_TABLE_POST) {
			ctx.ptep = &table[idx];
			ctx.old = pte_read(ctx.ptep);
			ctx.addr = base + (idx << shift);
			ctx.level = level;
			int ret = cb(&ctx, S2_WALK_TABLE_POST);
			if (ret < 0)
				return ret;
		}
		idx++;
	}
}

static int check_range(const struct s2_pgtable *pgt, uint64_t ipa,
		       uint64_t size)
{
	uint64_t gmask = (1ULL << pgt->geom.granule_shift) - 1;

	if (!size || (ipa | size) & gmask)
		return -S2_EINVAL;
	if (ipa >= s2_geom_ipa_limit(&pgt->geom) ||
	    size > s2_geom_ipa_limit(&pgt->geom) - ipa)
		return -S2_ERANGE;
	return 0;
}

int s2_pgtable_walk(const struct s2_pgtable *pgt, uint64_t ipa, uint64_t size,
		    const struct s2_walker *w)
{
	int ret = check_range(pgt, ipa, size);

	if (ret)
		return ret;
	if (!w || !w->cb || (w->flags & ~(unsigned int)(S2_WALK_LEAF |
			S2_WALK_TABLE_PRE | S2_WALK_TABLE_POST)))
		return -S2_EINVAL;
	return walk(pgt, ipa, ipa + size, w->cb, w->arg, w->flags);
}

/* ------------------------------------------------------------------------ */
/* Entries, refcounts, invalidation.                                        */
/* ------------------------------------------------------------------------ */

/* State shared by every operation that changes the tree. */
struct change {
	struct s2_pgtable *pgt;
	bool shared;          /* concurrent walkers: install with cmpxchg */
	void *cache;          /* prepared table pages, linked through word 0 */
	bool raw;             /* they came from ops->alloc: not zeroed */
	/* Invalidation owed before returning (and before freeing tables). */
	uint64_t inval_ipa[INVAL_BATCH];
	uint8_t inval_level[INVAL_BATCH];
	unsigned int ninval;
	bool inval_all;
	struct {
		uint64_t desc;  /* an unlinked table entry */
		int level;
	} freeq[FREE_BATCH];
	unsigned int nfree;
	/* The last table page whose refcount was looked up. */
	void *rc_page;
	uint32_t *rc;
};

/*
 * Set up a change without zeroing its batches: an initializer would clear
 * the whole struct (over a kilobyte) on every fault.
 */
static ALWAYS_INLINE void change_init(struct change *c, struct s2_pgtable *pgt,
				      bool shared)
{
	c->pgt = pgt;
	c->shared = shared;
	c->cache = NULL;
	c->raw = pgt->ops->alloc != NULL;
	c->ninval = 0;
	c->inval_all = false;
	c->nfree = 0;
	c->rc_page = NULL;
	c->rc = NULL;
}

/* After a store to *@ptep: the monitor's record, the embedder's cleaning. */
static ALWAYS_INLINE void pte_stored(const struct s2_pgtable *pgt, uint64_t *ptep)
{
	mon_write(pgt, ptep, 1);
	if (pgt->ops->dcache_clean_poc)
		pgt->ops->dcache_clean_poc(pgt->ops->ctx, ptep, sizeof(*ptep));
}

static ALWAYS_INLINE void pte_write(struct change *c, uint64_t *ptep, uint64_t v)
{
	__atomic_store_n(ptep, v, __ATOMIC_RELAXED);
	pte_stored(c->pgt, ptep);
}

/* Publish a filled table: its contents must be visible before the entry. */
static ALWAYS_INLINE void pte_publish(struct change *c, uint64_t *ptep,
				      uint64_t v)
{
	__atomic_store_n(ptep, v, __ATOMIC_RELEASE);
	pte_stored(c->pgt, ptep);
}

/*
 * Install @new over @old (release: a table's contents before the entry).
 * A shared walker does it with compare-and-swap and loses to any change
 * made since it read @old.
 */
static ALWAYS_INLINE bool pte_install_in(const struct s2_pgtable *pgt,
					 bool shared, uint64_t *ptep,
					 uint64_t old, uint64_t new)
{
	if (!shared)
		__atomic_store_n(ptep, new, __ATOMIC_RELEASE);
	else if (!__atomic_compare_exchange_n(ptep, &old, new, false,
					      __ATOMIC_RELEASE, __ATOMIC_RELAXED))
		return false;
	pte_stored(pgt, ptep);
	return true;
}

static ALWAYS_INLINE bool pte_install(struct change *c, uint64_t *ptep,
				      uint64_t old, uint64_t new)
{
	return pte_install_in(c->pgt, c->shared, ptep, old, new);
}

static ALWAYS_INLINE size_t granule(const struct s2_pgtable *pgt)
{
	return (size_t)1 << pgt->geom.granule_shift;
}

/* The table page holding @ptep. */
static ALWAYS_INLINE void *table_of(const struct s2_pgtable *pgt, uint64_t *ptep)
{
	return (void *)((uintptr_t)ptep & ~(uintptr_t)(granule(pgt) - 1));
}

/*
 * Refcounts (s2mm/table_rc.h): the shared fault path marks a table
 * uncounted instead of counting each leaf; exclusive code settles such a
 * table (counts its entries again) where it would read or change the count.
 */
#define RC_UNCOUNTED S2_TABLE_RC_UNCOUNTED

/* Count @page's valid entries into @rc. Exclusive callers only. */
static __attribute__((noinline)) void rc_settle(const struct s2_pgtable *pgt,
						const uint64_t *page, uint32_t *rc)
{
	size_t n = granule(pgt) / sizeof(*page);
	uint32_t valid = 0;

	for (size_t i = 0; i < n; i++)
		valid += (uint32_t)(__atomic_load_n(&page[i], __ATOMIC_RELAXED) & DESC_VALID);
	*rc = valid;
}

/*
 * An exclusive change to an entry of table page @page, made before the
 * call: settling an uncounted table counts it with the change.
 */
static ALWAYS_INLINE void rc_exclusive_add(const struct s2_pgtable *pgt,
					   void *page, uint32_t *rc, int delta)
{
	if (__builtin_expect(*rc & RC_UNCOUNTED, 0))
		rc_settle(pgt, page, rc);
	else
		*rc += (uint32_t)delta;
}

/*
 * Account for an entry of the table holding @ptep that has just become
 * valid (@delta 1) or invalid (-1); the root has no refcount (it is never
 * freed). The count of the table last looked up stays at hand, exact once
 * an exclusive change has settled it. A shared walker's update races with
 * others': atomic.
 */
static ALWAYS_INLINE void rc_add(struct change *c, uint64_t *ptep, int level,
				 int delta)
{
	if (level == c->pgt->geom.start_level)
		return;
	void *page = table_of(c->pgt, ptep);
	if (page != c->rc_page) {
		c->rc_page = page;
		c->rc = c->pgt->ops->refcount(c->pgt->ops->ctx, page);
		if (!c->shared && __builtin_expect(*c->rc & RC_UNCOUNTED, 0)) {
			rc_settle(c->pgt, page, c->rc); /* with this change */
			return;
		}
	}
	if (c->shared)
		__atomic_add_fetch(c->rc, (uint32_t)delta, __ATOMIC_RELAXED);
	else
		*c->rc += (uint32_t)delta;
}

/*
 * Free the table entry @d at @level points to, and every table below it;
 * @deferred: through ops->free_deferred (concurrent walkers may still be
 * reading them) when the embedder has it.
 */
static void free_tables(const struct s2_pgtable *pgt, uint64_t d, int level,
			bool deferred)
{
	const struct s2_mm_ops *ops = pgt->ops;
	uint64_t *t = table_va(pgt, d);

	if (level + 1 < S2_LEVEL_MAX) {
		for (uint64_t i = 0; i < (1ULL << pgt->geom.stride); i++) {
			uint64_t cd = pte_read(&t[i]);
			if (pte_table(cd, level + 1))
				free_tables(pgt, cd, level + 1, deferred);
		}
	}
	if (deferred && ops->free_deferred)
		ops->free_deferred(ops->ctx, t, granule(pgt));
	else
		ops->free(ops->ctx, t, granule(pgt));
}

static void inval_flush(struct change *c)
{
	const struct s2_mm_ops *ops = c->pgt->ops;

	if (c->inval_all)
		ops->tlbi_vmid(ops->ctx, c->pgt);
	else
		for (unsigned int i = 0; i < c->ninval; i++)
			ops->tlbi_ipa(ops->ctx, c->pgt, c->inval_ipa[i],
				      c->inval_level[i]);
	/* Only now can no walker (or walk cache) still reach these pages. */
	for (unsigned int i = 0; i < c->nfree; i++)
		free_tables(c->pgt, c->freeq[i].desc, c->freeq[i].level, false);
	if (c->nfree)
		c->rc_page = NULL;
	c->ninval = 0;
	c->nfree = 0;
	c->inval_all = false;
}

/* Owe an invalidation of the leaf at @ipa, @level. */
static ALWAYS_INLINE void inval_leaf(struct change *c, uint64_t ipa, int level)
{
	if (c->inval_all)
		return;
	if (c->ninval == INVAL_BATCH) {
		c->inval_all = true;
		return;
	}
	c->inval_ipa[c->ninval] = ipa;
	c->inval_level[c->ninval] = (uint8_t)level;
	c->ninval++;
}

/*
 * Free the table (and the tables below it) that entry @desc at @level
 * pointed to, once the VMID-wide invalidation it needs is done.
 */
static void free_table_later(struct change *c, uint64_t desc, int level)
{
	if (c->nfree == FREE_BATCH) {
		c->inval_all = true;
		inval_flush(c);
	}
	c->inval_all = true;
	c->freeq[c->nfree].desc = desc;
	c->freeq[c->nfree].level = level;
	c->nfree++;
}

static void cache_push(struct change *c, void *page)
{
	*(void **)page = c->cache;
	c->cache = page;
}

static void zero_table(const struct s2_pgtable *pgt, uint64_t *t)
{
	for (uint64_t i = 0; i < (1ULL << pgt->geom.stride); i++)
		t[i] = 0;
}

/* Give back a table a lost race filled; zeroed cached pages stay so. */
static void cache_unfill(struct change *c, uint64_t *t)
{
	if (!c->raw)
		zero_table(c->pgt, t);
	cache_push(c, t);
}

/* A table page for the caller to fill completely. */
static void *cache_pop(struct change *c)
{
	void *page = c->cache;

	c->cache = *(void **)page;
	*(void **)page = NULL;
	return page;
}

/* A table page with every entry invalid. */
static void *cache_pop_zeroed(struct change *c)
{
	uint64_t *t = cache_pop(c);

	if (c->raw)
		zero_table(c->pgt, t);
	return t;
}

static void cache_free(struct change *c)
{
	const struct s2_mm_ops *ops = c->pgt->ops;

	while (c->cache) {
		void *page = c->cache;
		c->cache = *(void **)page;
		*(void **)page = NULL;
		ops->free(ops->ctx, page, granule(c->pgt));
	}
}

static int cache_fill(struct change *c, uint64_t n)
{
	const struct s2_mm_ops *ops = c->pgt->ops;

	for (; n; n--) {
		/* Tables are filled or zeroed as they are used: when the
		 * embedder can skip zeroing, skip it (half a fresh map's cost). */
		void *page = c->raw ? ops->alloc(ops->ctx, granule(c->pgt))
				    : ops->zalloc(ops->ctx, granule(c->pgt));
		if (!page) {
			cache_free(c);
			return -S2_ENOMEM;
		}
		cache_push(c, page);
	}
	return 0;
}

/*
 * Break-before-make (Arm ARM D8.14.1): a valid entry is replaced by another
 * valid one only through an invalid entry and a completed invalidation.
 * For a leaf the invalidation is by IPA at its level; for a table, whose
 * walk may be cached anywhere below it, VMID-wide.
 */
static bool bbm_replace(struct change *c, uint64_t *ptep, uint64_t old,
			uint64_t new, uint64_t addr, int level)
{
	const struct s2_mm_ops *ops = c->pgt->ops;

	if (c->shared) {
		/* Claim the entry; a shared walker racing us backs off. */
		if (!pte_install(c, ptep, old, PTE_LOCKED))
			return false;
	} else {
		pte_write(c, ptep, 0);
	}
	if (pte_table(old, level))
		ops->tlbi_vmid(ops->ctx, c->pgt);
	else
		ops->tlbi_ipa(ops->ctx, c->pgt, addr, (unsigned int)level);
	pte_publish(c, ptep, new);
	return true;
}

/* A leaf at @level one level below a block, for child @i of block @blk. */
static ALWAYS_INLINE uint64_t child_leaf(const struct s2_geom *g, uint64_t blk,
					 int level, uint64_t i)
{
	uint64_t pa = geom_desc_to_oa(g, blk) +
		      (i << s2_geom_level_shift(g, level + 1));
	/* A hint names the block's run, never its children's. */
	uint64_t attrs = blk & ~(geom_oa_to_desc(g, geom_desc_to_oa(g, blk)) |
				 DESC_TYPE_MASK | DESC_CONTIGUOUS);
	uint64_t type = level + 1 == S2_LEVEL_MAX ? DESC_TYPE_PAGE : DESC_TYPE_BLOCK;

	return geom_oa_to_desc(g, pa) | attrs | type;
}

/*
 * Replace the block at ctx with a table of leaves one level down.
 * Return: 0, or -S2_EAGAIN when a shared walker lost the entry.
 */
static int split_block(struct change *c, const struct s2_walk_ctx *ctx)
{
	const struct s2_geom *g = &c->pgt->geom;
	const struct s2_mm_ops *ops = c->pgt->ops;
	uint64_t *t = cache_pop(c);
	uint64_t n = 1ULL << g->stride;

	for (uint64_t i = 0; i < n; i++)
		t[i] = child_leaf(g, ctx->old, ctx->level, i);
	*ops->refcount(ops->ctx, t) = (uint32_t)n;
	if (ops->dcache_clean_poc)
		ops->dcache_clean_poc(ops->ctx, t, granule(c->pgt));
	if (!bbm_replace(c, ctx->ptep, ctx->old,
			 geom_oa_to_desc(g, ops->virt_to_phys(ops->ctx, t)) |
				 DESC_TYPE_TABLE,
			 ctx->addr, ctx->level)) {
		cache_unfill(c, t);
		return -S2_EAGAIN;
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* The Contiguous hint (s2_geom_set_contig()).                              */
/* ------------------------------------------------------------------------ */

/*
 * The hint promises that every entry of an aligned run maps the run's
 * aligned output with the same attributes and permissions (Arm ARM D8.6.1,
 * "The Contiguous bit"); a TLB may then hold one entry for the run, which
 * a TLBI of any of its addresses removes (D8.13). Changing part of a run
 * would break the promise, and changing the hint of valid entries may
 * give a TLB conflict abort (R_FWRMB): the run first loses its hint by
 * break-before-make of all its entries (Linux's contpte "unfold"): each
 * cleared (claimed, with concurrent walkers), each invalidated by IPA
 * (a TLB may have held them one by one), then each written back without
 * the hint. The Access flag may differ within a run and changes in place.
 */
#define CONTIG_MAX 128   /* entries in the largest run: 16K pages */

/*
 * Break the run of @n entries from @first (mapping from @base, @ls bits
 * each, at @level), read as @old: each valid one cleared (claimed, with
 * concurrent walkers), then each invalidated by IPA (a TLB may hold them
 * one by one, or the run as one entry). Return: true; false when a
 * concurrent change was met, and then the entries are as they were.
 */
static bool run_break(struct change *c, uint64_t *first, uint64_t n,
		      const uint64_t *old, uint64_t base, unsigned int ls,
		      int level)
{
	const struct s2_pgtable *pgt = c->pgt;
	const struct s2_mm_ops *ops = pgt->ops;
	uint64_t i;

	for (i = 0; i < n; i++) {
		if (!pte_valid(old[i]))
			continue;
		if (c->shared && !pte_install(c, &first[i], old[i], PTE_LOCKED)) {
			/*
			 * A concurrent change: give back what was claimed.
			 * Those entries were invalid meanwhile, so their
			 * return is a make after a break: invalidated first.
			 */
			for (uint64_t j = 0; j < i; j++)
				if (pte_valid(old[j]))
					ops->tlbi_ipa(ops->ctx, pgt, base + (j << ls),
						      (unsigned int)level);
			while (i--)
				if (pte_valid(old[i]))
					pte_publish(c, &first[i], old[i]);
			return false;
		}
		if (!c->shared)
			pte_write(c, &first[i], 0);
	}
	for (i = 0; i < n; i++)
		if (pte_valid(old[i]))
			ops->tlbi_ipa(ops->ctx, pgt, base + (i << ls),
				      (unsigned int)level);
	return true;
}

/* The run of the hinted leaf at @ptep (@addr, @level): unfold it. */
static int unfold_at(struct change *c, uint64_t *ptep, uint64_t addr,
		     int level)
{
	const struct s2_pgtable *pgt = c->pgt;
	unsigned int cs = s2_geom_contig_shift(&pgt->geom, level);
	unsigned int ls = s2_geom_level_shift(&pgt->geom, level);
	uint64_t base, n, i, old[CONTIG_MAX], *first;

	if (!cs)   /* bit 52 where it is RES0: not a run of ours */
		return 0;
	base = addr & ~((1ULL << cs) - 1);
	n = 1ULL << (cs - ls);
	first = ptep - ((addr - base) >> ls);
	for (i = 0; i < n; i++)
		old[i] = pte_read(&first[i]);
	if (!run_break(c, first, n, old, base, ls, level))
		return -S2_EAGAIN;
	for (i = 0; i < n; i++)
		if (pte_valid(old[i]))
			pte_publish(c, &first[i], old[i] & ~DESC_CONTIGUOUS);
	return 0;
}

/*
 * Before a visitor changes the leaf at @ctx: unfold its run unless the
 * change covers the whole run (every entry then changes alike).
 * Return: 0, or -S2_EAGAIN when a concurrent walker holds an entry.
 */
static ALWAYS_INLINE int contig_break(struct change *c,
				      const struct s2_walk_ctx *ctx, bool all)
{
	if (!(ctx->old & DESC_CONTIGUOUS) || !pte_leaf(ctx->old, ctx->level))
		return 0;
	if (!all) {
		unsigned int cs = s2_geom_contig_shift(&c->pgt->geom, ctx->level);
		uint64_t base = ctx->addr & ~((1ULL << cs) - 1);

		if (cs && base >= ctx->start && ctx->end - base >= 1ULL << cs)
			return 0;
	}
	return unfold_at(c, ctx->ptep, ctx->addr, ctx->level);
}

/* ------------------------------------------------------------------------ */
/* Prepare: how many table pages a change needs.                            */
/* ------------------------------------------------------------------------ */

enum prep_mode {
	PREP_MAP,   /* map: leaves where aligned, tables elsewhere */
	PREP_EDGES, /* unmap/protect: split blocks straddling the range's ends */
	PREP_SPLIT, /* split blocks above a target level */
};

struct prep {
	const struct s2_pgtable *pgt;
	enum prep_mode mode;
	uint64_t start, end;
	uint64_t pa_off;      /* PA - IPA (mod 2^64), for PREP_MAP */
	unsigned int flags;   /* enum s2_map_flags */
	int target;           /* for PREP_SPLIT */
	bool exists;          /* S2_MAP_NOREPLACE met a valid entry */
};

/* A leaf at @level is allowed: a page, or a block the layout and @flags allow. */
static ALWAYS_INLINE bool leaf_level_ok(const struct s2_geom *g, unsigned int flags,
					int level)
{
	return level == S2_LEVEL_MAX ||
	       (!(flags & S2_MAP_PAGES) && s2_geom_leaf_allowed(g, level));
}

static ALWAYS_INLINE bool map_leaf_ok(const struct s2_geom *g, uint64_t pa_off,
				      unsigned int flags, int level,
				      uint64_t addr)
{
	return leaf_level_ok(g, flags, level) &&
	       !((addr + pa_off) & (s2_geom_level_size(g, level) - 1));
}

static uint64_t need_table(struct prep *p, const uint64_t *t, uint64_t n,
			   int level, uint64_t base);

/* Tables needed below an entry @d at @level that maps [base, base + size). */
static uint64_t need_entry(struct prep *p, uint64_t d, int level, uint64_t base)
{
	const struct s2_geom *g = &p->pgt->geom;
	uint64_t size = s2_geom_level_size(g, level);
	uint64_t lo = max_u64(p->start, base), hi = min_u64(p->end, base + size);
	bool covered = lo == base && hi == base + size;

	switch (p->mode) {
	case PREP_MAP:
		if (covered && map_leaf_ok(g, p->pa_off, p->flags, level, base)) {
			if (pte_valid(d) && (p->flags & S2_MAP_NOREPLACE))
				p->exists = true;
			return 0;
		}
		break;
	case PREP_EDGES:
		if (!pte_valid(d) || covered)
			return 0;
		break;
	case PREP_SPLIT:
		if (!pte_valid(d) || level >= p->target)
			return 0;
		break;
	}
	if (pte_table(d, level))
		return need_table(p, table_va(p->pgt, d), 1ULL << g->stride,
				  level + 1, base);
	if (pte_valid(d) && (p->flags & S2_MAP_NOREPLACE))
		p->exists = true;

	/*
	 * A new table: empty, or the split of block @d. Its children are
	 * virtual (never tables); children fully inside the range all need
	 * the same, so only the first, one middle and the last are counted.
	 */
	uint64_t cd = pte_valid(d) ? DESC_VALID : 0;
	unsigned int cshift = s2_geom_level_shift(g, level + 1);
	uint64_t i0 = (lo - base) >> cshift, i1 = (hi - 1 - base) >> cshift;
	uint64_t total = 1 + need_entry(p, cd, level + 1, base + (i0 << cshift));

	if (i1 > i0)
		total += need_entry(p, cd, level + 1, base + (i1 << cshift));
	if (i1 > i0 + 1)
		total += (i1 - i0 - 1) *
			 need_entry(p, cd, level + 1, base + ((i0 + 1) << cshift));
	return total;
}

/* Tables needed below the @n-entry table @t at @level starting at IPA @base. */
static uint64_t need_table(struct prep *p, const uint64_t *t, uint64_t n,
			   int level, uint64_t base)
{
	unsigned int shift = s2_geom_level_shift(&p->pgt->geom, level);
	uint64_t lo = max_u64(p->start, base);
	uint64_t i0 = (lo - base) >> shift;
	uint64_t i1 = (p->end - 1 - base) >> shift;
	uint64_t total = 0;

	if (i1 >= n)
		i1 = n - 1;
	for (uint64_t i = i0; i <= i1; i++)
		total += need_entry(p, pte_read(&t[i]), level, base + (i << shift));
	return total;
}

/*
 * The level at which a map of @size bytes at @ipa is exactly one leaf
 * (@ipa aligned to it, the PA too, a leaf allowed there), or S2_LEVEL_MIN - 1
 * when it is not one leaf.
 */
static ALWAYS_INLINE int one_leaf_level(const struct s2_geom *g, uint64_t ipa,
					uint64_t size, uint64_t pa_off,
					unsigned int flags)
{
	int leaf = S2_LEVEL_MAX;
	unsigned int shift = g->granule_shift;

	while (leaf > g->start_level && (1ULL << shift) < size) {
		leaf--;
		shift += g->stride;
	}
	if ((1ULL << shift) != size || ((ipa | (ipa + pa_off)) & (size - 1)) ||
	    !leaf_level_ok(g, flags, leaf))
		return S2_LEVEL_MIN - 1;
	return leaf;
}

/*
 * The fault path's common case, a map of exactly one leaf: follow the
 * tables down to its level; each missing (or block) level needs one table.
 * Return: false when the map is not a single leaf (use the general count).
 */
static bool need_single_leaf(struct prep *p, uint64_t *n)
{
	const struct s2_pgtable *pgt = p->pgt;
	const struct s2_geom *g = &pgt->geom;
	int leaf = one_leaf_level(g, p->start, p->end - p->start, p->pa_off,
				  p->flags);

	if (leaf < S2_LEVEL_MIN)
		return false;
	const uint64_t *t = pgt->root;
	int l = g->start_level;
	uint64_t idx = p->start >> s2_geom_level_shift(g, l);
	for (;;) {
		uint64_t d = pte_read(&t[idx]);
		if (l == leaf) {
			if (pte_valid(d) && (p->flags & S2_MAP_NOREPLACE))
				p->exists = true;
			*n = 0;
			return true;
		}
		if (!pte_table(d, l)) {
			if (pte_valid(d) && (p->flags & S2_MAP_NOREPLACE))
				p->exists = true;
			*n = (uint64_t)(leaf - l);
			return true;
		}
		t = table_va(pgt, d);
		l++;
		idx = (p->start >> s2_geom_level_shift(g, l)) & ((1ULL << g->stride) - 1);
	}
}

static int prepare(struct change *c, struct prep *p)
{
	const struct s2_pgtable *pgt = p->pgt;
	uint64_t n;

	if (p->mode != PREP_MAP || !need_single_leaf(p, &n))
		n = need_table(p, pgt->root, pgt->geom.root_entries,
			       pgt->geom.start_level, 0);

	if (p->exists)
		return -S2_EEXIST;
	return cache_fill(c, n);
}

/* Finish a change: owed invalidations, then deferred frees. */
static void finish(struct change *c)
{
	if (c->ninval || c->inval_all || c->nfree)
		inval_flush(c);
	cache_free(c); /* empty unless prepare over-counted */
	if (!c->shared)
		mon_table(c->pgt, S2_MON_DONE, NULL, 0);
}

/* ------------------------------------------------------------------------ */
/* Map.                                                                     */
/* ------------------------------------------------------------------------ */

struct map_data {
	struct change c;
	uint64_t pa_off;
	uint64_t attrs;  /* leaf attributes without OA and type */
	unsigned int flags;
	/* The hinted run being written (map_contig()), or run_end 0. */
	uint64_t run_start, run_end;
	bool claimed;    /* a shared map holds its entries PTE_LOCKED */
};

/* S2AP[1:0] is W:R (Arm ARM D8.4, stage 2 data access permissions), as
 * enum s2_prot has them: one shift. */
_Static_assert(S2_PROT_R << S2_DESC_S2AP_SHIFT == S2_DESC_S2AP_R &&
	       S2_PROT_W << S2_DESC_S2AP_SHIFT == S2_DESC_S2AP_W,
	       "S2AP from enum s2_prot by a shift");

static ALWAYS_INLINE uint64_t leaf_attrs(const struct s2_geom *g,
					 unsigned int prot)
{
	uint64_t a = DESC_AF |
		     (uint64_t)(prot & S2_PROT_RW) << S2_DESC_S2AP_SHIFT |
		     S2_FIELD_PREP(S2_DESC_MEMATTR, (prot & S2_PROT_DEVICE) ?
						    S2_MEMATTR_DEVICE_nGnRE :
						    g->fwb ? S2_MEMATTR_FWB_NORMAL_WB :
						    S2_MEMATTR_NORMAL_WB);

	if (prot & S2_PROT_DBM)
		a |= DESC_DBM;
	/* Never execute from Device memory (fetches there are unpredictable
	 * at best: Arm ARM B2.7.2), whatever was asked. */
	if ((prot & (S2_PROT_X | S2_PROT_DEVICE)) != S2_PROT_X)
		a |= S2_DESC_XN;
	/* With FEAT_LPA2 bits [9:8] are OA; shareability is VTCR_EL2.SH0. */
	if (!g->ds)
		a |= S2_FIELD_PREP(DESC_SH, DESC_SH_IS);
	return a;
}

static ALWAYS_INLINE uint64_t mk_leaf(const struct s2_geom *g, uint64_t pa,
				      uint64_t attrs, int level)
{
	return geom_oa_to_desc(g, pa) | attrs |
	       (level == S2_LEVEL_MAX ? DESC_TYPE_PAGE : DESC_TYPE_BLOCK);
}

/*
 * A hinted run starts at @ctx's leaf when the map covers the run, its
 * output is aligned as the run and every entry of the run is invalid: then
 * no TLB can hold any of them and the run needs no break-before-make
 * (Linux's contpte_set_ptes() makes the same argument). A shared map
 * claims the run's entries first, so that no concurrent walker makes one
 * valid meanwhile.
 */
static void run_begin(struct map_data *d, const struct s2_walk_ctx *ctx)
{
	struct change *c = &d->c;
	unsigned int cs = s2_geom_contig_shift(&ctx->pgt->geom, ctx->level);
	uint64_t rs = 1ULL << cs, n, i;

	d->run_end = 0;
	if (!cs || (ctx->addr & (rs - 1)) || ctx->addr < ctx->start ||
	    ctx->end - ctx->addr < rs || (d->pa_off & (rs - 1)))
		return;
	uint64_t e[CONTIG_MAX];

	n = rs >> s2_geom_level_shift(&ctx->pgt->geom, ctx->level);
	for (i = 0; i < n; i++) {
		e[i] = pte_read(&ctx->ptep[i]);
		if (pte_valid(e[i]) || e[i] == PTE_LOCKED ||
		    (c->shared && !pte_install(c, &ctx->ptep[i], e[i], PTE_LOCKED))) {
			/* Give back what was claimed. */
			while (c->shared && i--)
				pte_publish(c, &ctx->ptep[i], e[i]);
			return;
		}
	}
	d->run_start = ctx->addr;
	d->run_end = ctx->addr + rs;
	d->claimed = c->shared;
}

static ALWAYS_INLINE bool in_run(const struct map_data *d, uint64_t addr)
{
	return addr < d->run_end && addr >= d->run_start;
}

/*
 * The hint for leaf @new over @old at @ctx: set where a run begun by
 * run_begin() holds the entry; an entry of a hinted run that maps
 * something else unfolds its run first. Return: 0 or -S2_EAGAIN.
 */
static int map_contig(struct map_data *d, const struct s2_walk_ctx *ctx,
		      uint64_t *old, uint64_t *new)
{
	if (pte_valid(*old)) {
		if (!(*old & DESC_CONTIGUOUS))
			return 0;
		if ((*old & ~DESC_CONTIGUOUS) == *new) {
			*new = *old;   /* the same mapping: the run stays */
			return 0;
		}
		int ret = unfold_at(&d->c, ctx->ptep, ctx->addr, ctx->level);
		*old = pte_read(ctx->ptep);
		return ret;
	}
	if (!in_run(d, ctx->addr))
		run_begin(d, ctx);
	if (in_run(d, ctx->addr)) {
		*new |= DESC_CONTIGUOUS;
		if (d->claimed)
			*old = PTE_LOCKED;
	}
	return 0;
}

/*
 * @contig: the layout's hints (s2_geom_set_contig()), a constant in each
 * of the two visitors below, so that a layout without them tests nothing
 * per entry.
 */
static ALWAYS_INLINE int map_visit(const struct s2_walk_ctx *ctx,
				   enum s2_walk_flags visit, const bool contig)
{
	struct map_data *d = ctx->arg;
	struct change *c = &d->c;
	const struct s2_pgtable *pgt = ctx->pgt;
	const struct s2_geom *g = &pgt->geom;
	const struct s2_mm_ops *ops = pgt->ops;
	uint64_t size = s2_geom_level_size(g, ctx->level);
	bool covered = ctx->addr >= ctx->start && ctx->end - ctx->addr >= size;
	bool leaf_ok = covered &&
		       map_leaf_ok(g, d->pa_off, d->flags, ctx->level, ctx->addr);

	if (c->shared && ctx->old == PTE_LOCKED &&
	    !(d->claimed && in_run(d, ctx->addr)))
		return -S2_EAGAIN; /* another walker is changing it */

	if (visit == S2_WALK_TABLE_PRE) {
		if (!leaf_ok)
			return 0;
		/* A block replaces a whole table (e.g. after dirty logging). */
		if (!bbm_replace(c, ctx->ptep, ctx->old,
				 mk_leaf(g, ctx->addr + d->pa_off, d->attrs, ctx->level),
				 ctx->addr, ctx->level))
			return -S2_EAGAIN;
		/* Shared walkers may still be reading the old tables. */
		free_tables(pgt, ctx->old, ctx->level, c->shared);
		c->rc_page = NULL; /* it may have been in the freed subtree */
		return S2_WALK_SKIP;
	}

	if (leaf_ok) {
		uint64_t new = mk_leaf(g, ctx->addr + d->pa_off, d->attrs, ctx->level);
		uint64_t old = ctx->old;
		if (contig) {
			int ret = map_contig(d, ctx, &old, &new);
			if (ret)
				return ret;
		}
		if (old == new)
			/* A shared walker tells its caller it raced (KVM does). */
			return c->shared ? -S2_EAGAIN : 0;
		if (pte_valid(old)) {
			if (!bbm_replace(c, ctx->ptep, old, new, ctx->addr,
					 ctx->level))
				return -S2_EAGAIN;
		} else {
			if (!pte_install(c, ctx->ptep, old, new))
				return -S2_EAGAIN;
			rc_add(c, ctx->ptep, ctx->level, 1);
		}
		return 0;
	}

	if (pte_valid(ctx->old)) {
		/* A block in the way. */
		int ret = contig ? contig_break(c, ctx, true) : 0;
		return ret ? ret : split_block(c, ctx);
	}

	/* A new table. Fill it before it is visible when the range covers it. */
	uint64_t *t;
	uint64_t n = 0;
	uint64_t csize = s2_geom_level_size(g, ctx->level + 1);
	int ret = 0;
	if (covered && map_leaf_ok(g, d->pa_off, d->flags, ctx->level + 1,
				   ctx->addr)) {
		t = cache_pop(c);
		uint64_t attrs = d->attrs;
		/* A new table: every run in it is new, hinted if aligned. */
		if (contig) {
			unsigned int cs = s2_geom_contig_shift(g, ctx->level + 1);
			if (cs && !(d->pa_off & ((1ULL << cs) - 1)))
				attrs |= DESC_CONTIGUOUS;
		}
		uint64_t first = mk_leaf(g, ctx->addr + d->pa_off, attrs,
					 ctx->level + 1);
		n = 1ULL << g->stride;
		if (g->ds || g->lpa) {
			for (uint64_t i = 0; i < n; i++)
				t[i] = mk_leaf(g, ctx->addr + d->pa_off + i * csize,
					       attrs, ctx->level + 1);
		} else {
			/* OA is in place: consecutive leaves differ by csize. */
			s2_table_fill(t, n, first, csize);
		}
		if (ops->dcache_clean_poc)
			ops->dcache_clean_poc(ops->ctx, t, granule(pgt));
		ret = S2_WALK_SKIP;
	} else {
		t = cache_pop_zeroed(c);
		if (ops->dcache_clean_poc)
			ops->dcache_clean_poc(ops->ctx, t, granule(pgt));
	}
	*ops->refcount(ops->ctx, t) = (uint32_t)n;
	if (!pte_install(c, ctx->ptep, ctx->old,
			 geom_oa_to_desc(g, ops->virt_to_phys(ops->ctx, t)) |
				 DESC_TYPE_TABLE)) {
		cache_unfill(c, t);
		return -S2_EAGAIN;
	}
	rc_add(c, ctx->ptep, ctx->level, 1);
	return ret;
}

static int map_visitor(const struct s2_walk_ctx *ctx, enum s2_walk_flags visit)
{
	return map_visit(ctx, visit, false);
}

static int map_visitor_contig(const struct s2_walk_ctx *ctx,
			      enum s2_walk_flags visit)
{
	return map_visit(ctx, visit, true);
}

/*
 * The fault path's common case in one traversal: one leaf into an invalid
 * entry of a table that already exists. Anything else (a table to add, a
 * block or leaf in the way, an entry a shared walker holds locked, a
 * compare-and-swap lost to one) is left to the general map, which
 * prepares, walks what is there now and reports. It needs none of a
 * change's state: no table pages, and no invalidation, since an entry
 * that gives a Translation fault is never held in a TLB (Arm ARM D8.13,
 * TLBs), so making an invalid entry valid leaves nothing stale; only the
 * table's refcount.
 * Return: whether the leaf is in place.
 */
static ALWAYS_INLINE bool map_one_leaf(struct s2_pgtable *pgt, uint64_t ipa,
				       uint64_t size, uint64_t pa_off,
				       uint64_t attrs, unsigned int flags)
{
	const struct s2_geom *g = &pgt->geom;
	int leaf = one_leaf_level(g, ipa, size, pa_off, flags);

	if (leaf < S2_LEVEL_MIN)
		return false;
	/*
	 * The geometry in registers, the shift counting the levels down:
	 * each level's call to phys_to_virt would make the compiler read
	 * it again. Where the OA sits in place (no 52-bit format) the field
	 * is one AND.
	 */
	const struct s2_mm_ops *ops = pgt->ops;
	unsigned int stride = g->stride;
	unsigned int shift = s2_geom_level_shift(g, g->start_level);
	unsigned int leaf_shift = s2_geom_level_shift(g, leaf);
	uint64_t oa_mask = g->ds || g->lpa ? 0 : geom_desc_to_oa(g, ~0ULL);
	uint64_t imask = (1ULL << stride) - 1;
	uint64_t *ptep = &pgt->root[ipa >> shift];
	for (; shift > leaf_shift; shift -= stride) {
		uint64_t e = pte_read(ptep);
		/* Above the leaf's level, hence not the last: 0b11 is a table. */
		if ((e & DESC_TYPE_MASK) != DESC_TYPE_TABLE)
			return false;
		uint64_t *t = ops->phys_to_virt(ops->ctx, oa_mask ? e & oa_mask :
							   geom_desc_to_oa(g, e));
		ptep = &t[(ipa >> (shift - stride)) & imask];
	}
	uint64_t old = pte_read(ptep);
	if (pte_valid(old) || old == PTE_LOCKED)
		return false;
	uint64_t pa = ipa + pa_off;
	uint64_t new = (oa_mask ? pa & oa_mask : geom_oa_to_desc(g, pa)) | attrs |
		       (leaf == S2_LEVEL_MAX ? DESC_TYPE_PAGE : DESC_TYPE_BLOCK);
	bool shared = flags & S2_MAP_SHARED;
	if (!pte_install_in(pgt, shared, ptep, old, new))
		return false;
	/* The root has no refcount: it is never freed. */
	if (leaf != g->start_level) {
		uint32_t *rc = ops->refcount(ops->ctx, table_of(pgt, ptep));
		if (!shared)
			rc_exclusive_add(pgt, table_of(pgt, ptep), rc, 1);
		else if (!(__atomic_load_n(rc, __ATOMIC_RELAXED) & RC_UNCOUNTED))
			__atomic_fetch_or(rc, RC_UNCOUNTED, __ATOMIC_RELAXED);
	}
	if (!shared)
		mon_table(pgt, S2_MON_DONE, NULL, 0);
	return true;
}

/*
 * The general map: prepare, walk, finish. Out of line, so that the fault
 * path's one-leaf map (map_one_leaf()) keeps a small frame.
 */
static __attribute__((noinline)) int map_walk(struct s2_pgtable *pgt, uint64_t ipa,
					      uint64_t size, uint64_t pa,
					      uint64_t attrs, unsigned int flags)
{
	struct map_data d;
	int ret;

	change_init(&d.c, pgt, flags & S2_MAP_SHARED);
	d.pa_off = pa - ipa;
	d.attrs = attrs;
	d.flags = flags;
	d.run_start = d.run_end = 0;
	d.claimed = false;
	struct prep p = {
		.pgt = pgt, .mode = PREP_MAP, .start = ipa, .end = ipa + size,
		.pa_off = pa - ipa, .flags = flags,
	};
	ret = prepare(&d.c, &p);
	if (ret)
		return ret;
	if (pgt->geom.contig)
		ret = walk(pgt, ipa, ipa + size, map_visitor_contig, &d,
			   S2_WALK_LEAF | S2_WALK_TABLE_PRE);
	else
		ret = walk(pgt, ipa, ipa + size, map_visitor, &d,
			   S2_WALK_LEAF | S2_WALK_TABLE_PRE);
	finish(&d.c);
	return ret;
}

int s2_pgtable_map(struct s2_pgtable *pgt, uint64_t ipa, uint64_t size,
		   uint64_t pa, unsigned int prot, unsigned int flags)
{
	int ret = check_range(pgt, ipa, size);

	if (ret)
		return ret;
	if (!(prot & S2_PROT_RWX) || (prot & ~(S2_PROT_LEAF | S2_PROT_DEVICE)) ||
	    (flags & ~(S2_MAP_PAGES | S2_MAP_NOREPLACE | S2_MAP_SHARED)) ||
	    (pa & ((1ULL << pgt->geom.granule_shift) - 1)))
		return -S2_EINVAL;
	if (pa >= (1ULL << pgt->geom.pa_bits) ||
	    size > (1ULL << pgt->geom.pa_bits) - pa)
		return -S2_ERANGE;

	uint64_t attrs = leaf_attrs(&pgt->geom, prot);
	if (map_one_leaf(pgt, ipa, size, pa - ipa, attrs, flags))
		return 0;
	return map_walk(pgt, ipa, size, pa, attrs, flags);
}

/*
 * Begin an exclusive change of [@ipa, @ipa + @size) that may split the
 * blocks straddling its ends: the range checked, the table pages those
 * splits need prepared (all or nothing: -S2_ENOMEM changes nothing).
 */
static int edges_begin(struct change *c, struct s2_pgtable *pgt,
		       uint64_t ipa, uint64_t size)
{
	int ret = check_range(pgt, ipa, size);

	if (ret)
		return ret;
	change_init(c, pgt, false);
	struct prep p = {
		.pgt = pgt, .mode = PREP_EDGES, .start = ipa, .end = ipa + size,
	};
	return prepare(c, &p);
}

/* ------------------------------------------------------------------------ */
/* Unmap.                                                                   */
/* ------------------------------------------------------------------------ */

/* @contig: as for map_visit(). */
static ALWAYS_INLINE int unmap_visit(const struct s2_walk_ctx *ctx,
				     enum s2_walk_flags visit, const bool contig)
{
	struct change *c = ctx->arg;
	const struct s2_pgtable *pgt = ctx->pgt;

	uint64_t size = s2_geom_level_size(&pgt->geom, ctx->level);
	bool covered = ctx->addr >= ctx->start && ctx->end - ctx->addr >= size;

	if (visit == S2_WALK_TABLE_PRE) {
		if (!covered)
			return 0;
		/*
		 * The whole table goes: unlink it and free it after the
		 * VMID-wide invalidation; its entries need no clearing, as
		 * nothing can reach them once that invalidation is done.
		 */
		pte_write(c, ctx->ptep, 0);
		rc_add(c, ctx->ptep, ctx->level, -1);
		free_table_later(c, ctx->old, ctx->level);
		return S2_WALK_SKIP;
	}
	if (visit == S2_WALK_TABLE_POST) {
		/*
		 * Settled if this unmap cleared one of its entries; still
		 * marked uncounted (so non-zero) only if it cleared none.
		 */
		if (*pgt->ops->refcount(pgt->ops->ctx, table_va(pgt, ctx->old)))
			return 0;
		pte_write(c, ctx->ptep, 0);
		rc_add(c, ctx->ptep, ctx->level, -1);
		free_table_later(c, ctx->old, ctx->level);
		return 0;
	}
	if (!pte_valid(ctx->old))
		return 0;
	if (contig && (ctx->old & DESC_CONTIGUOUS))
		contig_break(c, ctx, false);   /* not shared: no failure */
	if (!covered)
		return split_block(c, ctx);
	pte_write(c, ctx->ptep, 0);
	rc_add(c, ctx->ptep, ctx->level, -1);
	inval_leaf(c, ctx->addr, ctx->level);
	return 0;
}

static int unmap_visitor(const struct s2_walk_ctx *ctx, enum s2_walk_flags visit)
{
	return unmap_visit(ctx, visit, false);
}

static int unmap_visitor_contig(const struct s2_walk_ctx *ctx,
				enum s2_walk_flags visit)
{
	return unmap_visit(ctx, visit, true);
}

int s2_pgtable_unmap(struct s2_pgtable *pgt, uint64_t ipa, uint64_t size)
{
	struct change c;
	int ret = edges_begin(&c, pgt, ipa, size);

	if (ret)
		return ret;
	if (pgt->geom.contig)
		ret = walk(pgt, ipa, ipa + size, unmap_visitor_contig, &c,
			   S2_WALK_LEAF | S2_WALK_TABLE_PRE | S2_WALK_TABLE_POST);
	else
		ret = walk(pgt, ipa, ipa + size, unmap_visitor, &c,
			   S2_WALK_LEAF | S2_WALK_TABLE_PRE | S2_WALK_TABLE_POST);
	finish(&c);
	return ret;
}

/* Blocks straddling an end of the range split; tables it covers skipped. */
static int edges_visitor(const struct s2_walk_ctx *ctx, enum s2_walk_flags visit)
{
	struct change *c = ctx->arg;
	uint64_t size = s2_geom_level_size(&ctx->pgt->geom, ctx->level);
	bool covered = ctx->addr >= ctx->start && ctx->end - ctx->addr >= size;

	if (covered)
		return visit == S2_WALK_TABLE_PRE ? S2_WALK_SKIP : 0;
	if (visit != S2_WALK_LEAF || !pte_valid(ctx->old))
		return 0;
	if (ctx->pgt->geom.contig)
		contig_break(c, ctx, false);   /* not shared: no failure */
	return split_block(c, ctx);
}

int s2_pgtable_split_edges(struct s2_pgtable *pgt, uint64_t ipa, uint64_t size)
{
	struct change c;
	int ret = edges_begin(&c, pgt, ipa, size);

	if (ret)
		return ret;
	ret = walk(pgt, ipa, ipa + size, edges_visitor, &c,
		   S2_WALK_LEAF | S2_WALK_TABLE_PRE);
	finish(&c);
	return ret;
}

/* ------------------------------------------------------------------------ */
/* Permissions.                                                             */
/* ------------------------------------------------------------------------ */

struct prot_data {
	struct change c;
	uint64_t set, clear;  /* descriptor bits to set and to clear */
};

/*
 * @old with its permission bits changed, except that Device memory stays
 * execute-never whatever is asked (fetches from it are never wanted:
 * Arm ARM B2.7.2), as map() already has it.
 */
static ALWAYS_INLINE uint64_t prot_change(uint64_t old, uint64_t set,
					  uint64_t clear)
{
	uint64_t dev = (old & S2_DESC_MEMATTR_MASK) ==
		       S2_FIELD_PREP(S2_DESC_MEMATTR, S2_MEMATTR_DEVICE_nGnRE);

	return (old & ~clear) | set | (dev * S2_DESC_XN);
}

static uint64_t prot_bits(unsigned int prot)
{
	return (prot & S2_PROT_R ? S2_DESC_S2AP_R : 0) |
	       (prot & S2_PROT_W ? S2_DESC_S2AP_W : 0) |
	       (prot & S2_PROT_DBM ? DESC_DBM : 0) |
	       (prot & S2_PROT_X ? 0 : S2_DESC_XN);
}

static int prot_visitor(const struct s2_walk_ctx *ctx, enum s2_walk_flags visit)
{
	struct prot_data *d = ctx->arg;
	uint64_t size = s2_geom_level_size(&ctx->pgt->geom, ctx->level);

	bool covered = ctx->addr >= ctx->start && ctx->end - ctx->addr >= size;

	if (visit == S2_WALK_TABLE_PRE) {
		if (!covered || ctx->level + 1 != S2_LEVEL_MAX)
			return 0;
		/* A whole table of pages: one branch-free pass, then one
		 * VMID-wide invalidation instead of one per page. */
		uint64_t *t = table_va(ctx->pgt, ctx->old);
		uint64_t n = 1ULL << ctx->pgt->geom.stride, changed = 0;
		if (!d->set && !(d->clear & S2_DESC_XN)) {
			/* Clearing (write-protect): invalid entries hold no
			 * permission bits, so no need to skip them. Not when
			 * XN goes (protect to X alone sets nothing): Device
			 * pages keep it, which prot_change() knows. */
			changed = s2_table_clear(t, n, d->clear);
		} else {
			for (uint64_t i = 0; i < n; i++) {
				uint64_t old = t[i];
				uint64_t valid = 0 - (old & DESC_VALID);
				uint64_t new = old ^ ((prot_change(old, d->set, d->clear) ^ old) & valid);
				changed |= new ^ old;
				t[i] = new;
			}
		}
		if (changed) {
			mon_write(ctx->pgt, t, n);
			if (ctx->pgt->ops->dcache_clean_poc)
				ctx->pgt->ops->dcache_clean_poc(ctx->pgt->ops->ctx, t,
								granule(ctx->pgt));
			d->c.inval_all = true;
		}
		return S2_WALK_SKIP;
	}
	if (!pte_valid(ctx->old))
		return 0;
	uint64_t old = ctx->old;
	if (__builtin_expect(old & DESC_CONTIGUOUS, 0)) {
		/* Unfolded unless the whole run changes alike. */
		contig_break(&d->c, ctx, false);   /* not shared */
		old = pte_read(ctx->ptep);
	}
	if (!covered)
		return split_block(&d->c, ctx);
	uint64_t new = prot_change(old, d->set, d->clear);
	if (new == old)
		return 0;
	/* Permission changes need no break-before-make (Arm ARM D8.14.1). */
	pte_write(&d->c, ctx->ptep, new);
	inval_leaf(&d->c, ctx->addr, ctx->level);
	return 0;
}

static int update_prot(struct s2_pgtable *pgt, uint64_t ipa, uint64_t size,
		       uint64_t set, uint64_t clear)
{
	struct prot_data d;
	int ret = edges_begin(&d.c, pgt, ipa, size);

	if (ret)
		return ret;
	d.set = set;
	d.clear = clear;
	ret = walk(pgt, ipa, ipa + size, prot_visitor, &d,
		   S2_WALK_LEAF | S2_WALK_TABLE_PRE);
	finish(&d.c);
	return ret;
}

int s2_pgtable_protect(struct s2_pgtable *pgt, uint64_t ipa, uint64_t size,
		       unsigned int prot)
{
	if (prot & ~S2_PROT_LEAF)
		return -S2_EINVAL;
	return update_prot(pgt, ipa, size, prot_bits(prot), S2_LEAF_PROT_MASK);
}

int s2_pgtable_wrprotect(struct s2_pgtable *pgt, uint64_t ipa, uint64_t size)
{
	return update_prot(pgt, ipa, size, 0, S2_DESC_S2AP_W);
}

unsigned int s2_pgtable_desc_prot(uint64_t desc)
{
	unsigned int prot = 0;

	/* An invalid descriptor grants nothing (Arm ARM D8.3). */
	if (!(desc & DESC_VALID))
		return 0;

	if (desc & S2_DESC_S2AP_R)
		prot |= S2_PROT_R;
	if (desc & S2_DESC_S2AP_W)
		prot |= S2_PROT_W;
	if (!(desc & S2_DESC_XN))
		prot |= S2_PROT_X;
	if (desc & DESC_DBM)
		prot |= S2_PROT_DBM;
	if (S2_FIELD_GET(S2_DESC_MEMATTR, desc) == S2_MEMATTR_DEVICE_nGnRE)
		prot |= S2_PROT_DEVICE;
	return prot;
}

/* ------------------------------------------------------------------------ */
/* Dirty state (FEAT_HAFDBS).                                               */
/* ------------------------------------------------------------------------ */

struct clean_data {
	struct change c;
	uint64_t look;       /* a leaf holding any of these is changed */
	uint64_t set, clear; /* how */
	bool inval;          /* the change may take a permission away */
	uint64_t *bitmap;
	uint64_t bitmap_ipa;
};

/* enum s2_clean_op -> what it looks for and what it sets and clears. */
static const struct {
	uint64_t look, set, clear;
	bool inval;
} clean_ops[S2_CLEAN_OPS] = {
	[S2_CLEAN_KEEP] = { S2_DESC_S2AP_W, 0, S2_DESC_S2AP_W, true },
	[S2_CLEAN_ARM] = { S2_DESC_S2AP_W, DESC_DBM, S2_DESC_S2AP_W, true },
	[S2_CLEAN_FREEZE] = { S2_DESC_S2AP_W | DESC_DBM, 0,
			      S2_DESC_S2AP_W | DESC_DBM, true },
	[S2_CLEAN_RELEASE] = { DESC_DBM, S2_DESC_S2AP_W, DESC_DBM, false },
};

/* Mark the pages [@lo, @hi) in the bitmap. */
static void clean_report(const struct clean_data *d, unsigned int gs,
			 uint64_t lo, uint64_t hi)
{
	for (uint64_t p = (lo - d->bitmap_ipa) >> gs; p < (hi - d->bitmap_ipa) >> gs; p++)
		__atomic_fetch_or(&d->bitmap[p / 64], 1ULL << (p % 64),
				  __ATOMIC_RELAXED);
}

/*
 * Change the valid leaf at @ptep (read as @old) mapping [@lo, @hi) of the
 * range, at @addr and @level, if it holds what the op looks for.
 */
static ALWAYS_INLINE void clean_leaf(struct clean_data *d, uint64_t *ptep,
				     uint64_t old, uint64_t addr, int level,
				     uint64_t lo, uint64_t hi)
{
	const struct s2_pgtable *pgt = d->c.pgt;
	uint64_t new;

	/* The hardware may set S2AP[1] meanwhile: compare-and-swap. */
	do {
		if (!(old & d->look))
			return;
		new = (old & ~d->clear) | d->set;
	} while (!__atomic_compare_exchange_n(ptep, &old, new, false,
					      __ATOMIC_RELAXED, __ATOMIC_RELAXED));
	pte_stored(pgt, ptep);
	if (d->bitmap && (old & S2_DESC_S2AP_W))
		clean_report(d, pgt->geom.granule_shift, lo, hi);
	if (d->inval)
		inval_leaf(&d->c, addr, level);
}

static int clean_visitor(const struct s2_walk_ctx *ctx, enum s2_walk_flags visit)
{
	struct clean_data *d = ctx->arg;
	const struct s2_pgtable *pgt = ctx->pgt;
	uint64_t size = s2_geom_level_size(&pgt->geom, ctx->level);
	bool covered = ctx->addr >= ctx->start && ctx->end - ctx->addr >= size;

	if (visit == S2_WALK_TABLE_PRE) {
		if (!covered || ctx->level + 1 != S2_LEVEL_MAX)
			return 0;
		/*
		 * A whole table of pages, here rather than one callback per
		 * entry: one read-only pass says whether any leaf holds what
		 * the op looks for (most of a slot between two rounds holds
		 * none), then only those are changed.
		 */
		uint64_t *t = table_va(pgt, ctx->old);
		uint64_t n = 1ULL << pgt->geom.stride;
		unsigned int gs = pgt->geom.granule_shift;
		if (!s2_table_any(t, n, d->look))
			return S2_WALK_SKIP;
		for (uint64_t i = 0; i < n; i++) {
			uint64_t old = __atomic_load_n(&t[i], __ATOMIC_RELAXED);
			if (!pte_valid(old) || !(old & d->look))
				continue;
			uint64_t addr = ctx->addr + (i << gs);
			clean_leaf(d, &t[i], old, addr, S2_LEVEL_MAX, addr,
				   addr + (1ULL << gs));
		}
		return S2_WALK_SKIP;
	}
	if (!pte_valid(ctx->old) || !(ctx->old & d->look))
		return 0;
	if (!covered)
		return split_block(&d->c, ctx);
	clean_leaf(d, ctx->ptep, ctx->old, ctx->addr, ctx->level,
		   max_u64(ctx->addr, ctx->start), min_u64(ctx->addr + size, ctx->end));
	return 0;
}

int s2_pgtable_clean_dirty(struct s2_pgtable *pgt, uint64_t ipa, uint64_t size,
			   enum s2_clean_op op, uint64_t *bitmap,
			   uint64_t bitmap_ipa)
{
	int ret = check_range(pgt, ipa, size);

	if (ret)
		return ret;
	if ((unsigned int)op >= S2_CLEAN_OPS || bitmap_ipa > ipa ||
	    (bitmap_ipa & (granule(pgt) - 1)))
		return -S2_EINVAL;
	struct clean_data d;
	change_init(&d.c, pgt, false);
	d.look = clean_ops[op].look;
	d.set = clean_ops[op].set;
	d.clear = clean_ops[op].clear;
	d.inval = clean_ops[op].inval;
	d.bitmap = bitmap;
	d.bitmap_ipa = bitmap_ipa;
	struct prep p = {
		.pgt = pgt, .mode = PREP_EDGES, .start = ipa, .end = ipa + size,
	};
	ret = prepare(&d.c, &p);
	if (ret)
		return ret;
	ret = walk(pgt, ipa, ipa + size, clean_visitor, &d,
		   S2_WALK_LEAF | S2_WALK_TABLE_PRE);
	finish(&d.c);
	return ret;
}

/* ------------------------------------------------------------------------ */
/* Single-leaf updates, lookup.                                             */
/* ------------------------------------------------------------------------ */

/* The entry translating @ipa: the leaf, or the invalid entry that ends it. */
static uint64_t *find_entry(const struct s2_pgtable *pgt, uint64_t ipa,
			    int *level)
{
	const struct s2_geom *g = &pgt->geom;
	int l = g->start_level;
	uint64_t *t = pgt->root;
	uint64_t idx = ipa >> s2_geom_level_shift(g, l);

	for (;;) {
		uint64_t *ptep = &t[idx];
		uint64_t d = pte_read(ptep);
		if (!pte_table(d, l)) {
			*level = l;
			return ptep;
		}
		t = table_va(pgt, d);
		l++;
		idx = (ipa >> s2_geom_level_shift(g, l)) & ((1ULL << g->stride) - 1);
	}
}

int s2_pgtable_lookup(const struct s2_pgtable *pgt, uint64_t ipa,
		      uint64_t *desc, int *level)
{
	if (ipa >= s2_geom_ipa_limit(&pgt->geom))
		return -S2_ERANGE;
	int l;
	uint64_t d = pte_read(find_entry(pgt, ipa, &l));
	if (desc)
		*desc = pte_valid(d) ? d : 0;
	if (level)
		*level = l;
	return pte_valid(d) ? 0 : -S2_ENOENT;
}

/*
 * Update the leaf translating @ipa with compare-and-swap: relax and mkyoung
 * run on the fault path, concurrently with other vCPUs' faults.
 */
static int update_leaf(struct s2_pgtable *pgt, uint64_t ipa, uint64_t set,
		       uint64_t clear, int *level)
{
	if (ipa >= s2_geom_ipa_limit(&pgt->geom))
		return -S2_ERANGE;
	uint64_t *ptep = find_entry(pgt, ipa, level);
	uint64_t old = pte_read(ptep);
	for (;;) {
		if (!pte_leaf(old, *level))
			return -S2_ENOENT;
		uint64_t new = prot_change(old, set, clear);
		if (new == old)
			return 0;
		if (__atomic_compare_exchange_n(ptep, &old, new, false,
						__ATOMIC_RELAXED, __ATOMIC_RELAXED))
			break;
	}
	pte_stored(pgt, ptep);
	return 0;
}

int s2_pgtable_relax(struct s2_pgtable *pgt, uint64_t ipa, unsigned int prot)
{
	if (prot & ~S2_PROT_LEAF)
		return -S2_EINVAL;
	int level;
	uint64_t bits = prot_bits(prot);
	uint64_t set = bits & ~S2_DESC_XN, clear = (prot & S2_PROT_X) ? S2_DESC_XN : 0;
	if (__builtin_expect(pgt->geom.contig, 0) &&
	    ipa < s2_geom_ipa_limit(&pgt->geom)) {
		/* One entry of a run changes: the run loses its hint first. */
		uint64_t *ptep = find_entry(pgt, ipa, &level);
		uint64_t d = pte_read(ptep);
		if (pte_leaf(d, level) && (d & DESC_CONTIGUOUS) &&
		    prot_change(d, set, clear) != d) {
			struct change c;
			change_init(&c, pgt, true);
			int ret = unfold_at(&c, ptep,
					    ipa & ~(s2_geom_level_size(&pgt->geom, level) - 1),
					    level);
			if (ret)
				return ret;
		}
	}
	int ret = update_leaf(pgt, ipa, set, clear, &level);
	if (ret)
		return ret;
	/*
	 * Always: the faulting CPU may hold the stricter entry even when
	 * another vCPU relaxed the descriptor first; without the
	 * invalidation it would fault again and again (a livelock KVM had).
	 */
	uint64_t base = ipa & ~(s2_geom_level_size(&pgt->geom, level) - 1);
	pgt->ops->tlbi_ipa(pgt->ops->ctx, pgt, base, (unsigned int)level);
	return 0;
}

int s2_pgtable_mkyoung(struct s2_pgtable *pgt, uint64_t ipa)
{
	int level;

	return update_leaf(pgt, ipa, DESC_AF, 0, &level);
}

int s2_pgtable_fold(struct s2_pgtable *pgt, uint64_t ipa, unsigned int flags)
{
	if (flags & ~(unsigned int)S2_MAP_SHARED)
		return -S2_EINVAL;
	if (ipa >= s2_geom_ipa_limit(&pgt->geom))
		return -S2_ERANGE;
	if (!pgt->geom.contig)
		return -S2_ENOENT;
	const struct s2_geom *g = &pgt->geom;
	int level;
	uint64_t *ptep = find_entry(pgt, ipa, &level);
	unsigned int cs = s2_geom_contig_shift(g, level);
	unsigned int ls = s2_geom_level_shift(g, level);
	if (!cs)
		return -S2_ENOENT;
	uint64_t base = ipa & ~((1ULL << cs) - 1), n = 1ULL << (cs - ls);
	uint64_t *first = ptep - (((ipa & ~((1ULL << ls) - 1)) - base) >> ls);
	uint64_t old[CONTIG_MAX], folded = DESC_CONTIGUOUS, rest0 = 0, oa0 = 0;

	/*
	 * The promise the hint makes (Arm ARM D8.6.1): every entry a leaf,
	 * one output range aligned as the run, the same attributes and
	 * permissions; the Access flag may differ.
	 */
	for (uint64_t i = 0; i < n; i++) {
		old[i] = pte_read(&first[i]);
		if (!pte_leaf(old[i], level))
			return old[i] == PTE_LOCKED ? -S2_EAGAIN : -S2_ENOENT;
		uint64_t oa = geom_desc_to_oa(g, old[i]);
		uint64_t rest = old[i] & ~(geom_oa_to_desc(g, oa) | DESC_AF |
					   DESC_CONTIGUOUS);
		if (!i) {
			rest0 = rest;
			oa0 = oa;
			if (oa0 & ((1ULL << cs) - 1))
				return -S2_ENOENT;   /* output not aligned as the run */
		}
		if (rest != rest0 || oa != oa0 + (i << ls))
			return -S2_ENOENT;
		folded &= old[i];
	}
	if (folded)
		return 0;   /* hinted already */
	struct change c;
	change_init(&c, pgt, flags & S2_MAP_SHARED);
	if (!run_break(&c, first, n, old, base, ls, level))
		return -S2_EAGAIN;
	for (uint64_t i = 0; i < n; i++)
		pte_publish(&c, &first[i], old[i] | DESC_CONTIGUOUS);
	if (!c.shared)
		mon_table(pgt, S2_MON_DONE, NULL, 0);
	return 0;
}

struct young_data {
	struct change c;
	bool young;
};

static int young_visitor(const struct s2_walk_ctx *ctx, enum s2_walk_flags visit)
{
	struct young_data *d = ctx->arg;

	(void)visit;
	if (!pte_valid(ctx->old) || !(ctx->old & DESC_AF))
		return 0;
	/*
	 * An atomic AND, not a store: a CPU with FEAT_HAFDBS may set S2AP[1]
	 * (VTCR_EL2.HD) or AF (HA) meanwhile, and a store would undo it.
	 */
	__atomic_fetch_and(ctx->ptep, ~DESC_AF, __ATOMIC_RELAXED);
	pte_stored(ctx->pgt, ctx->ptep);
	d->young = true;
	return 0;
}

int s2_pgtable_test_clear_young(struct s2_pgtable *pgt, uint64_t ipa,
				uint64_t size, bool *young)
{
	int ret = check_range(pgt, ipa, size);

	if (ret)
		return ret;
	struct young_data d;
	change_init(&d.c, pgt, false);
	d.young = false;
	ret = walk(pgt, ipa, ipa + size, young_visitor, &d, S2_WALK_LEAF);
	if (young)
		*young = d.young;
	return ret;
}

/* ------------------------------------------------------------------------ */
/* Split.                                                                   */
/* ------------------------------------------------------------------------ */

struct split_data {
	struct change c;
	int target;
};

static int split_visitor(const struct s2_walk_ctx *ctx, enum s2_walk_flags visit)
{
	struct split_data *d = ctx->arg;

	(void)visit;
	if (pte_valid(ctx->old) && ctx->level < d->target) {
		contig_break(&d->c, ctx, true);   /* not shared */
		return split_block(&d->c, ctx);
	}
	return 0;
}

int s2_pgtable_split(struct s2_pgtable *pgt, uint64_t ipa, uint64_t size,
		     int level)
{
	int ret = check_range(pgt, ipa, size);

	if (ret)
		return ret;
	if (level < pgt->geom.start_level || level > S2_LEVEL_MAX)
		return -S2_EINVAL;
	struct split_data d;
	change_init(&d.c, pgt, false);
	d.target = level;
	struct prep p = {
		.pgt = pgt, .mode = PREP_SPLIT, .start = ipa, .end = ipa + size,
		.target = level,
	};
	ret = prepare(&d.c, &p);
	if (ret)
		return ret;
	ret = walk(pgt, ipa, ipa + size, split_visitor, &d, S2_WALK_LEAF);
	finish(&d.c);
	return ret;
}

/* ------------------------------------------------------------------------ */
/* Lifecycle.                                                               */
/* ------------------------------------------------------------------------ */

/* Whether @g is a layout s2_geom_init() made (a caller may pass any). */
static bool geom_ok(const struct s2_geom *g)
{
	struct s2_geom chk;

	if (g->granule_shift != 12 && g->granule_shift != 14 &&
	    g->granule_shift != 16)
		return false;
	if (s2_geom_init(&chk, 1u << g->granule_shift, g->ipa_bits,
			 g->pa_bits, g->start_level))
		return false;
	return chk.stride == g->stride && chk.concat == g->concat &&
	       chk.root_entries == g->root_entries &&
	       chk.root_size == g->root_size && chk.ds == g->ds &&
	       chk.lpa == g->lpa;
}

int s2_pgtable_init(struct s2_pgtable *pgt, const struct s2_geom *g,
		    const struct s2_mm_ops *ops, void *owner)
{
	if (!pgt || !g || !ops || !ops->zalloc || !ops->free ||
	    !ops->refcount || !ops->virt_to_phys || !ops->phys_to_virt ||
	    !ops->tlbi_ipa || !ops->tlbi_vmid || !geom_ok(g))
		return -S2_EINVAL;
	void *root = ops->zalloc(ops->ctx, g->root_size);
	if (!root)
		return -S2_ENOMEM;
	if (ops->dcache_clean_poc)
		ops->dcache_clean_poc(ops->ctx, root, g->root_size);
	pgt->geom = *g;
	pgt->ops = ops;
	pgt->root = root;
	pgt->root_pa = ops->virt_to_phys(ops->ctx, root);
	pgt->owner = owner;
	mon_table(pgt, S2_MON_TABLE_INIT, root, g->root_size);
	return 0;
}

static int destroy_visitor(const struct s2_walk_ctx *ctx,
			   enum s2_walk_flags visit)
{
	const struct s2_mm_ops *ops = ctx->pgt->ops;

	(void)visit;
	ops->free(ops->ctx, table_va(ctx->pgt, ctx->old), granule(ctx->pgt));
	return 0;
}

void s2_pgtable_destroy(struct s2_pgtable *pgt)
{
	if (!pgt || !pgt->root)
		return;
	mon_table(pgt, S2_MON_TABLE_DESTROY, NULL, 0);
	walk(pgt, 0, s2_geom_ipa_limit(&pgt->geom), destroy_visitor, NULL,
	     S2_WALK_TABLE_POST);
	pgt->ops->free(pgt->ops->ctx, pgt->root, pgt->geom.root_size);
	pgt->root = NULL;
}

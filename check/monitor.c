/* SPDX-License-Identifier: MIT */
/*
 * The break-before-make and invalidation monitor (include/s2mm/monitor.h).
 *
 * Ghost state: every table page a walker may reach has a ghost page with a
 * copy of its descriptors (so each report of a store is checked against
 * what the entry held, not against what the library believes it held) and,
 * for entries whose old translation a TLB may still hold, an owed
 * invalidation that goes BROKEN (stored) -> ISSUED (a covering TLBI after
 * a DSB) -> done (the DSB ISH after that TLBI). Unlinked table pages stay
 * DETACHED, still walkable, until the VMID-wide invalidation of their
 * unlinking completes; then CLEAN, free to go.
 */
#include <s2mm/arch.h>
#include <s2mm/error.h>
#include <s2mm/geometry.h>
#include <s2mm/monitor.h>
#include <s2mm/ops.h>
#include <s2mm/pgtable.h>

/* The smallest granule: ghost pages are found by page address in steps of it. */
#define MIN_PAGE 4096u

/*
 * Fields a valid stage-2 entry may change in place: permissions, the
 * access flag, DBM and the software bits. Anything else (output address,
 * memory type, shareability, contiguous hint, block or table) needs
 * break-before-make (Arm ARM D8.14.1).
 */
#define NO_BBM_MASK (S2_DESC_S2AP_MASK | S2_DESC_XN_MASK | DESC_AF | DESC_DBM | \
		     DESC_SW_MASK)

enum page_state {
	PG_LIVE,     /* linked into a tree */
	PG_DETACHED, /* unlinked; its walks may still be cached */
	PG_CLEAN,    /* unlinked and invalidated: the embedder's again */
};

enum owed_stage {
	OW_NONE,
	OW_BROKEN, /* the store that needs an invalidation was made */
	OW_ISSUED, /* a TLBI covering it came after a DSB after the store */
};

struct owed {
	uint64_t old;    /* the translation a TLB may still hold */
	uint64_t epoch;  /* DSBs seen before the store */
	uint8_t stage;
	bool unordered;  /* a covering TLBI came with no DSB after the store */
};

struct s2_mon_page {
	uintptr_t va;
	const struct s2_pgtable *pgt;
	uint64_t base;        /* the IPA entry 0 maps */
	int level;
	uint8_t state;
	uint32_t nent;
	uint32_t nowed;       /* entries with an invalidation owed */
	uint32_t nissued;     /* entries of it in m->issued */
	size_t owed_pos;      /* index in m->owed while nowed */
	uint64_t *shadow;     /* what each entry held at its last report */
	struct owed *owed;    /* per entry; allocated at the first owed */
};

/* An entry whose covering TLBI awaits the DSB ISH that completes it. */
struct s2_mon_issued {
	struct s2_mon_page *page;
	uint32_t idx;
};

struct s2_mon_owner {
	const void *vm;  /* the last VM handed this VMID */
	uint64_t gen;    /* in this generation */
	uint64_t seq;    /* at this point of the sequence */
};

/* ------------------------------------------------------------------------ */
/* Lock, memory, reports.                                                   */
/* ------------------------------------------------------------------------ */

static void lock(struct s2_mon *m)
{
	while (__atomic_exchange_n(&m->lock, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&m->lock, __ATOMIC_RELAXED))
			;
}

static void unlock(struct s2_mon *m)
{
	__atomic_store_n(&m->lock, 0, __ATOMIC_RELEASE);
}

static void record(struct s2_mon *m, const struct s2_mon_violation *v)
{
	if (!m->violations++)
		m->first = *v;
	if (m->report)
		m->report(m->report_arg, v);
}

static void violation(struct s2_mon *m, enum s2_mon_rule rule,
		      const struct s2_pgtable *pgt, const void *where,
		      uint64_t ipa, int level, uint64_t old, uint64_t new,
		      const char *why)
{
	struct s2_mon_violation v = {
		.rule = rule, .pgt = pgt, .where = where, .ipa = ipa,
		.level = level, .old = old, .new = new, .why = why,
	};

	record(m, &v);
}

/* Ghost state is lost: say so once and stop checking, rather than guess. */
static void *mon_alloc(struct s2_mon *m, size_t size)
{
	void *p = m->mem.alloc(m->mem.ctx, size);

	if (!p && !m->off) {
		m->off = true;
		violation(m, S2_MON_RULE_NOMEM, NULL, NULL, 0, -1, 0, 0,
			  "no memory for ghost state: checking stopped");
	}
	return p;
}

static void mon_free(struct s2_mon *m, void *p, size_t size)
{
	if (p)
		m->mem.free(m->mem.ctx, p, size);
}

/* ------------------------------------------------------------------------ */
/* Ghost pages: a linear-probing hash keyed by page address.                */
/* ------------------------------------------------------------------------ */

static size_t home(const struct s2_mon *m, uintptr_t va)
{
	uint64_t h = (uint64_t)(va / MIN_PAGE) * 0x9e3779b97f4a7c15ull;

	return (size_t)(h >> 32) & (m->cap - 1);
}

static struct s2_mon_page *find(const struct s2_mon *m, uintptr_t va)
{
	if (!m->cap)
		return NULL;
	for (size_t i = home(m, va);; i = (i + 1) & (m->cap - 1)) {
		struct s2_mon_page *p = m->pages[i];
		if (!p || p->va == va)
			return p;
	}
}

static void place(struct s2_mon *m, struct s2_mon_page *p)
{
	size_t i = home(m, p->va);

	while (m->pages[i])
		i = (i + 1) & (m->cap - 1);
	m->pages[i] = p;
}

static bool grow(struct s2_mon *m)
{
	size_t cap = m->cap ? 2 * m->cap : 256;
	struct s2_mon_page **old = m->pages;
	size_t old_cap = m->cap;
	struct s2_mon_page **pages = mon_alloc(m, cap * sizeof(*pages));

	if (!pages)
		return false;
	for (size_t i = 0; i < cap; i++)
		pages[i] = NULL;
	m->pages = pages;
	m->cap = cap;
	for (size_t i = 0; i < old_cap; i++)
		if (old[i])
			place(m, old[i]);
	mon_free(m, old, old_cap * sizeof(*old));
	return true;
}

/* Backward-shift deletion keeps every probe chain unbroken. */
static void unhash(struct s2_mon *m, const struct s2_mon_page *p)
{
	size_t mask = m->cap - 1, i = home(m, p->va);

	while (m->pages[i] != p)
		i = (i + 1) & mask;
	m->pages[i] = NULL;
	for (size_t j = (i + 1) & mask; m->pages[j]; j = (j + 1) & mask) {
		size_t k = home(m, m->pages[j]->va);
		/* Move j back to i unless its home lies cyclically in (i, j]. */
		if ((j > i && (k <= i || k > j)) || (j < i && k <= i && k > j)) {
			m->pages[i] = m->pages[j];
			m->pages[j] = NULL;
			i = j;
		}
	}
	m->npages--;
}

static void owed_list_remove(struct s2_mon *m, struct s2_mon_page *p)
{
	struct s2_mon_page *last = m->owed[--m->nowed];

	m->owed[p->owed_pos] = last;
	last->owed_pos = p->owed_pos;
}

static void drop(struct s2_mon *m, struct s2_mon_page *p)
{
	if (p->nissued) {
		size_t n = 0;
		for (size_t i = 0; i < m->nissued; i++)
			if (m->issued[i].page != p)
				m->issued[n++] = m->issued[i];
		m->nissued = n;
	}
	if (p->nowed)
		owed_list_remove(m, p);
	unhash(m, p);
	mon_free(m, p->owed, p->nent * sizeof(*p->owed));
	mon_free(m, p->shadow, p->nent * sizeof(*p->shadow));
	mon_free(m, p, sizeof(*p));
}

/*
 * Acquire, as the library's walkers read: a table entry another thread
 * published (release) must show the table's contents to the ghosting
 * that follows it (TSan found the monitor reading a vCPU's new table with
 * no order against the allocator's zeroing of it).
 */
static uint64_t load(const uint64_t *ptep)
{
	return __atomic_load_n(ptep, __ATOMIC_ACQUIRE);
}

static struct s2_mon_page *page_new(struct s2_mon *m, uintptr_t va,
				    const struct s2_pgtable *pgt, int level,
				    uint64_t base, uint32_t nent)
{
	if ((m->npages + 1) * 2 > m->cap && !grow(m))
		return NULL;
	struct s2_mon_page *p = mon_alloc(m, sizeof(*p));
	uint64_t *shadow = p ? mon_alloc(m, nent * sizeof(*shadow)) : NULL;
	if (!shadow) {
		mon_free(m, p, sizeof(*p));
		return NULL;
	}
	*p = (struct s2_mon_page){
		.va = va, .pgt = pgt, .base = base, .level = level,
		.state = PG_LIVE, .nent = nent, .shadow = shadow,
	};
	for (uint32_t i = 0; i < nent; i++)
		shadow[i] = load((const uint64_t *)va + i);
	place(m, p);
	m->npages++;
	return p;
}

/* ------------------------------------------------------------------------ */
/* Descriptors.                                                             */
/* ------------------------------------------------------------------------ */

static bool valid(uint64_t d)
{
	return d & DESC_VALID;
}

/* Bit 1 means "table" only above the final level (Arm ARM D8.3.1). */
static bool is_table(uint64_t d, int level)
{
	return level < S2_LEVEL_MAX && (d & DESC_TYPE_MASK) == DESC_TYPE_TABLE;
}

static bool compatible(uint64_t a, uint64_t b, int level)
{
	return is_table(a, level) == is_table(b, level) &&
	       !((a ^ b) & ~NO_BBM_MASK);
}

/* @new grants less than @old: a TLB holding @old must lose it. */
static bool restricted(uint64_t old, uint64_t new)
{
	return (old & S2_DESC_S2AP_MASK & ~new) ||
	       (new & S2_DESC_XN_MASK & ~old);
}

static uintptr_t child_va(const struct s2_pgtable *pgt, uint64_t d)
{
	return (uintptr_t)pgt->ops->phys_to_virt(pgt->ops->ctx,
					s2_geom_desc_to_oa(&pgt->geom, d));
}

static uint64_t entry_ipa(const struct s2_mon_page *p, uint32_t idx)
{
	return p->base + ((uint64_t)idx << s2_geom_level_shift(&p->pgt->geom,
							       p->level));
}

/* Move the subtree the table entry @d of @p points to from @from to @to. */
static void subtree_state(struct s2_mon *m, const struct s2_mon_page *p,
			  uint64_t d, enum page_state from, enum page_state to)
{
	struct s2_mon_page *c = find(m, child_va(p->pgt, d));

	if (!c || c->state != from)
		return;
	c->state = (uint8_t)to;
	for (uint32_t i = 0; i < c->nent; i++)
		if (is_table(c->shadow[i], c->level))
			subtree_state(m, c, c->shadow[i], from, to);
}

/* ------------------------------------------------------------------------ */
/* Owed invalidations.                                                      */
/* ------------------------------------------------------------------------ */

static void owe(struct s2_mon *m, struct s2_mon_page *p, uint32_t idx,
		uint64_t old)
{
	if (!p->owed) {
		p->owed = mon_alloc(m, p->nent * sizeof(*p->owed));
		if (!p->owed)
			return;
		for (uint32_t i = 0; i < p->nent; i++)
			p->owed[i] = (struct owed){ 0 };
	}
	struct owed *o = &p->owed[idx];
	if (o->stage == OW_NONE) {
		if (!p->nowed++) {
			if (m->nowed == m->owed_cap) {
				size_t cap = m->owed_cap ? 2 * m->owed_cap : 64;
				struct s2_mon_page **l = mon_alloc(m, cap * sizeof(*l));
				if (!l) {
					p->nowed--;
					return;
				}
				for (size_t i = 0; i < m->nowed; i++)
					l[i] = m->owed[i];
				mon_free(m, m->owed, m->owed_cap * sizeof(*l));
				m->owed = l;
				m->owed_cap = cap;
			}
			p->owed_pos = m->nowed;
			m->owed[m->nowed++] = p;
		}
		/* Still owed: the oldest translation is the one a TLB may hold. */
		o->old = old;
	}
	o->epoch = m->dsb_epoch;
	o->stage = OW_BROKEN;
	o->unordered = false;
}

static void owed_done(struct s2_mon *m, struct s2_mon_page *p, uint32_t idx)
{
	struct owed *o = &p->owed[idx];

	o->stage = OW_NONE;
	/* An unlinked table's walks are gone with it: its pages are free. */
	if (is_table(o->old, p->level))
		subtree_state(m, p, o->old, PG_DETACHED, PG_CLEAN);
	if (!--p->nowed)
		owed_list_remove(m, p);
}

/* A TLBI covering the owed entry @idx of @p was issued. */
static void cover(struct s2_mon *m, struct s2_mon_page *p, uint32_t idx)
{
	struct owed *o = &p->owed[idx];

	if (o->stage != OW_BROKEN)
		return;
	/* Arm ARM D8.13.1: only a DSB between them orders the store first. */
	if (o->epoch >= m->dsb_epoch) {
		o->unordered = true;
		return;
	}
	if (m->nissued == m->issued_cap) {
		size_t cap = m->issued_cap ? 2 * m->issued_cap : 64;
		struct s2_mon_issued *l = mon_alloc(m, cap * sizeof(*l));
		if (!l)
			return;
		for (size_t i = 0; i < m->nissued; i++)
			l[i] = m->issued[i];
		mon_free(m, m->issued, m->issued_cap * sizeof(*l));
		m->issued = l;
		m->issued_cap = cap;
	}
	o->stage = OW_ISSUED;
	m->issued[m->nissued++] = (struct s2_mon_issued){ p, idx };
	p->nissued++;
}

/* ------------------------------------------------------------------------ */
/* Reports of the library.                                                  */
/* ------------------------------------------------------------------------ */

static void adopt(struct s2_mon *m, struct s2_mon_page *p, uint32_t idx,
		  uint64_t d, bool relink);

/* Ghost the table page @d (an entry of @p at @idx) links, and what is below. */
static void adopt(struct s2_mon *m, struct s2_mon_page *p, uint32_t idx,
		  uint64_t d, bool relink)
{
	const struct s2_pgtable *pgt = p->pgt;
	uintptr_t va = child_va(pgt, d);
	struct s2_mon_page *c = find(m, va);
	uint64_t ipa = entry_ipa(p, idx);

	if (c && c->state == PG_LIVE) {
		violation(m, S2_MON_RULE_TABLE_REUSE, pgt, (void *)va, ipa,
			  p->level, 0, d, "table page linked at a second place");
		return;
	}
	if (c && c->state == PG_DETACHED) {
		if (relink) {
			/* The same table back where it was: its walks are its own. */
			subtree_state(m, p, d, PG_DETACHED, PG_LIVE);
			return;
		}
		violation(m, S2_MON_RULE_TABLE_REUSE, pgt, (void *)va, ipa,
			  p->level, 0, d,
			  "table page linked again before the invalidation of its unlinking completed");
		return;
	}
	if (c)
		drop(m, c); /* a clean page reused: ghost it afresh */
	c = page_new(m, va, pgt, p->level + 1, ipa,
		     1u << pgt->geom.stride);
	if (!c)
		return;
	for (uint32_t i = 0; i < c->nent; i++)
		if (is_table(c->shadow[i], c->level))
			adopt(m, c, i, c->shadow[i], false);
}

static void transition(struct s2_mon *m, struct s2_mon_page *p, uint32_t idx,
		       uint64_t old, uint64_t new)
{
	const struct s2_pgtable *pgt = p->pgt;
	int level = p->level;
	const void *where = (const uint64_t *)p->va + idx;
	struct owed *o = p->owed && p->owed[idx].stage ? &p->owed[idx] : NULL;

	if (valid(old) && valid(new)) {
		if (!compatible(old, new, level)) {
			violation(m, S2_MON_RULE_BBM, pgt, where, entry_ipa(p, idx),
				  level, old, new,
				  "valid entry replaced by a different valid entry with no invalid entry between");
			if (is_table(old, level))
				subtree_state(m, p, old, PG_LIVE, PG_DETACHED);
			owe(m, p, idx, old);
			if (is_table(new, level))
				adopt(m, p, idx, new, false);
		} else if (restricted(old, new)) {
			owe(m, p, idx, old);
		}
		return;
	}
	if (valid(old)) {
		owe(m, p, idx, old);
		if (is_table(old, level))
			subtree_state(m, p, old, PG_LIVE, PG_DETACHED);
		return;
	}
	if (!valid(new))
		return;
	bool relink = false;
	if (o) {
		if (compatible(o->old, new, level)) {
			relink = is_table(new, level);
		} else {
			bool issued = o->stage == OW_ISSUED;
			violation(m, issued || o->unordered ?
				     S2_MON_RULE_TLBI_ORDER : S2_MON_RULE_BBM_INVAL,
				  pgt, where, entry_ipa(p, idx), level, o->old, new,
				  issued ? "entry made before the DSB ISH that completes its TLBI" :
				  o->unordered ? "the TLBI of the break came with no DSB after the break's store" :
				  "entry made after a break with no covering invalidation");
			owed_done(m, p, idx);
		}
	}
	if (is_table(new, level))
		adopt(m, p, idx, new, relink);
}

static void on_write(struct s2_mon *m, const struct s2_pgtable *pgt,
		     uint64_t *ptep, size_t n)
{
	uintptr_t gmask = ((uintptr_t)1 << pgt->geom.granule_shift) - 1;
	struct s2_mon_page *p = find(m, (uintptr_t)ptep & ~gmask);

	/* Not a page a walker can reach: a table being filled before its link. */
	if (!p)
		return;
	uint32_t first = (uint32_t)(ptep - (uint64_t *)p->va);
	for (uint32_t i = first; i < first + n && i < p->nent; i++) {
		uint64_t old = p->shadow[i], new = load((uint64_t *)p->va + i);
		m->stores++;
		if (old == new)
			continue;
		p->shadow[i] = new;
		if (p->state != PG_CLEAN)
			transition(m, p, i, old, new);
	}
}

static void on_init(struct s2_mon *m, const struct s2_pgtable *pgt,
		    uint64_t *root, size_t bytes)
{
	const struct s2_geom *g = &pgt->geom;
	size_t page = (size_t)1 << g->granule_shift;
	uint64_t per = page / sizeof(uint64_t);

	if (g->root_entries < per)
		per = g->root_entries;
	/* A concatenated root is ghosted page by page (Arm ARM D8.2.5). */
	for (size_t off = 0; off < bytes; off += page) {
		uintptr_t va = (uintptr_t)root + off;
		struct s2_mon_page *old = find(m, va);
		if (old) {
			if (old->state != PG_CLEAN)
				violation(m, S2_MON_RULE_TABLE_REUSE, pgt, (void *)va,
					  0, g->start_level, 0, 0,
					  "root of a new table is a page still in use");
			drop(m, old);
		}
		page_new(m, va, pgt, g->start_level,
			 (off / page) * (per << s2_geom_level_shift(g, g->start_level)),
			 (uint32_t)per);
	}
}

static void on_done(struct s2_mon *m, const struct s2_pgtable *pgt)
{
	for (size_t k = m->nowed; k-- > 0;) {
		struct s2_mon_page *p = m->owed[k];
		if (p->pgt != pgt)
			continue;
		for (uint32_t i = 0; i < p->nent && p->nowed; i++) {
			if (!p->owed[i].stage)
				continue;
			violation(m, S2_MON_RULE_INVAL_OWED, pgt,
				  (const uint64_t *)p->va + i, entry_ipa(p, i),
				  p->level, p->owed[i].old, p->shadow[i],
				  p->owed[i].stage == OW_ISSUED ?
				  "change returned before the DSB ISH that completes its TLBI" :
				  "change returned with the entry's invalidation not issued");
			owed_done(m, p, i);
		}
	}
}

static void on_destroy(struct s2_mon *m, const struct s2_pgtable *pgt)
{
	/* Its VMID is not used again before a flush (the VMID rules check
	 * that), so its tables may go without an invalidation. */
	for (size_t i = 0; i < m->cap; i++) {
		struct s2_mon_page *p = m->pages[i];
		if (!p || p->pgt != pgt)
			continue;
		if (p->nowed)
			owed_list_remove(m, p);
		p->nowed = 0;
		if (p->owed)
			for (uint32_t j = 0; j < p->nent; j++)
				p->owed[j].stage = OW_NONE;
		p->state = PG_CLEAN;
	}
}

static void on_vmid(struct s2_mon *m, const void *vm, uint64_t vmid,
		    uint64_t gen)
{
	if (vmid >= m->nowners) {
		size_t n = m->nowners ? m->nowners : 256;
		while (n <= vmid)
			n *= 2;
		struct s2_mon_owner *o = mon_alloc(m, n * sizeof(*o));
		if (!o)
			return;
		for (size_t i = 0; i < n; i++)
			o[i] = i < m->nowners ? m->owners[i] : (struct s2_mon_owner){ 0 };
		mon_free(m, m->owners, m->nowners * sizeof(*o));
		m->owners = o;
		m->nowners = n;
	}
	struct s2_mon_owner *o = &m->owners[vmid];
	if (o->vm && o->vm != vm) {
		struct s2_mon_violation v = {
			.level = -1, .ipa = vmid, .old = o->gen, .new = gen,
			.vm = vm, .other_vm = o->vm,
		};
		if (o->gen == gen) {
			v.rule = S2_MON_RULE_VMID_SHARED;
			v.why = "VMID handed to a second VM in one generation";
		} else if (m->flush_seq < o->seq) {
			v.rule = S2_MON_RULE_VMID_REUSE;
			v.why = "VMID handed to another VM with no completed flush since its last holder got it";
		} else {
			v.why = NULL;
		}
		if (v.why)
			record(m, &v);
	}
	o->vm = vm;
	o->gen = gen;
	o->seq = ++m->seq;
}

/* ------------------------------------------------------------------------ */
/* API.                                                                     */
/* ------------------------------------------------------------------------ */

int s2_mon_init(struct s2_mon *m, const struct s2_mon_mem *mem,
		void (*report)(void *arg, const struct s2_mon_violation *v),
		void *arg)
{
	if (!m || !mem || !mem->alloc || !mem->free)
		return -S2_EINVAL;
	*m = (struct s2_mon){
		.mem = *mem, .report = report, .report_arg = arg,
	};
	return 0;
}

void s2_mon_fini(struct s2_mon *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->cap; i++) {
		struct s2_mon_page *p = m->pages[i];
		if (!p)
			continue;
		mon_free(m, p->owed, p->nent * sizeof(*p->owed));
		mon_free(m, p->shadow, p->nent * sizeof(*p->shadow));
		mon_free(m, p, sizeof(*p));
	}
	mon_free(m, m->pages, m->cap * sizeof(*m->pages));
	mon_free(m, m->owed, m->owed_cap * sizeof(*m->owed));
	mon_free(m, m->owners, m->nowners * sizeof(*m->owners));
	mon_free(m, m->issued, m->issued_cap * sizeof(*m->issued));
	m->issued = NULL;
	m->nissued = m->issued_cap = 0;
	m->pages = NULL;
	m->owed = NULL;
	m->owners = NULL;
	m->cap = m->npages = m->nowed = m->owed_cap = m->nowners = 0;
}

void s2_mon_event(struct s2_mon *m, const struct s2_mon_event *ev)
{
	lock(m);
	if (!m->off) {
		switch (ev->kind) {
		case S2_MON_TABLE_INIT:
			on_init(m, ev->pgt, ev->ptep, ev->n);
			break;
		case S2_MON_WRITE:
			on_write(m, ev->pgt, ev->ptep, ev->n);
			break;
		case S2_MON_DONE:
			on_done(m, ev->pgt);
			break;
		case S2_MON_TABLE_DESTROY:
			on_destroy(m, ev->pgt);
			break;
		case S2_MON_VMID:
			on_vmid(m, ev->vm, ev->vmid, ev->generation);
			break;
		case S2_MON_VMID_INIT:
			/* One allocator at a time: its VMIDs are all there is. */
			for (size_t i = 0; i < m->nowners; i++)
				m->owners[i] = (struct s2_mon_owner){ 0 };
			break;
		}
	}
	unlock(m);
}

/* [@va, @va + @size) leaves the library's hands: no walk may reach it. */
static void release(struct s2_mon *m, const void *va, size_t size,
		    enum s2_mon_rule rule, const char *live, const char *detached)
{
	lock(m);
	for (size_t off = 0; !m->off && off < size; off += MIN_PAGE) {
		struct s2_mon_page *p = find(m, (uintptr_t)va + off);
		if (!p)
			continue;
		if (p->state != PG_CLEAN)
			violation(m, rule, p->pgt, (void *)p->va, p->base, p->level,
				  0, 0, p->state == PG_LIVE ? live : detached);
		drop(m, p);
	}
	unlock(m);
}

void s2_mon_alloc(struct s2_mon *m, const void *va, size_t size)
{
	release(m, va, size, S2_MON_RULE_TABLE_REUSE,
		"allocator handed out a table page still linked",
		"allocator handed out a table page before the invalidation of its unlinking completed");
}

void s2_mon_free(struct s2_mon *m, const void *va, size_t size)
{
	release(m, va, size, S2_MON_RULE_TABLE_FREE,
		"table page freed while linked",
		"table page freed before the invalidation of its unlinking completed");
}

void s2_mon_dsb(struct s2_mon *m, enum s2_mon_dsb kind)
{
	lock(m);
	m->dsb_epoch++;
	if (kind == S2_MON_DSB_ISH) {
		/* Entries broken again (or settled) since their TLBI are not
		 * ISSUED any more: they stay as they are. */
		for (size_t i = 0; i < m->nissued; i++) {
			struct s2_mon_page *p = m->issued[i].page;
			p->nissued = 0;
			if (p->owed[m->issued[i].idx].stage == OW_ISSUED)
				owed_done(m, p, m->issued[i].idx);
		}
		m->nissued = 0;
	}
	if (kind == S2_MON_DSB_ISH && m->all_issued) {
		m->flush_seq = ++m->seq;
		m->all_issued = false;
	}
	unlock(m);
}

void s2_mon_tlbi_ipa(struct s2_mon *m, const struct s2_pgtable *pgt,
		     uint64_t ipa, unsigned int level)
{
	lock(m);
	for (size_t k = 0; k < m->nowed; k++) {
		struct s2_mon_page *p = m->owed[k];
		if (p->pgt != pgt || ipa < p->base ||
		    (level != S2_MON_TTL_NONE && p->level != (int)level))
			continue;
		uint64_t i = (ipa - p->base) >> s2_geom_level_shift(&pgt->geom,
								     p->level);
		/* By IPA only leaves: a table's walks need VMID-wide. */
		if (i < p->nent && !is_table(p->owed[i].old, p->level))
			cover(m, p, (uint32_t)i);
	}
	unlock(m);
}

void s2_mon_tlbi_vmid(struct s2_mon *m, const struct s2_pgtable *pgt)
{
	lock(m);
	for (size_t k = 0; k < m->nowed; k++) {
		struct s2_mon_page *p = m->owed[k];
		if (p->pgt != pgt)
			continue;
		for (uint32_t i = 0; i < p->nent; i++)
			cover(m, p, i);
	}
	unlock(m);
}

void s2_mon_tlbi_all(struct s2_mon *m)
{
	lock(m);
	for (size_t k = 0; k < m->nowed; k++)
		for (uint32_t i = 0; i < m->owed[k]->nent; i++)
			cover(m, m->owed[k], i);
	m->all_issued = true;
	unlock(m);
}

uint64_t s2_mon_violations(const struct s2_mon *m)
{
	return __atomic_load_n(&m->violations, __ATOMIC_RELAXED);
}

uint64_t s2_mon_stores(const struct s2_mon *m)
{
	return __atomic_load_n(&m->stores, __ATOMIC_RELAXED);
}

const char *s2_mon_rule_name(enum s2_mon_rule rule)
{
	static const char *const names[S2_MON_RULE_NR] = {
		[S2_MON_RULE_BBM] = "bbm",
		[S2_MON_RULE_BBM_INVAL] = "bbm-inval",
		[S2_MON_RULE_TLBI_ORDER] = "tlbi-order",
		[S2_MON_RULE_INVAL_OWED] = "inval-owed",
		[S2_MON_RULE_TABLE_FREE] = "table-free",
		[S2_MON_RULE_TABLE_REUSE] = "table-reuse",
		[S2_MON_RULE_VMID_REUSE] = "vmid-reuse",
		[S2_MON_RULE_VMID_SHARED] = "vmid-shared",
		[S2_MON_RULE_NOMEM] = "nomem",
	};

	return (unsigned int)rule < S2_MON_RULE_NR ? names[rule] : "?";
}

/* ------------------------------------------------------------------------ */
/* Formatting without libc.                                                 */
/* ------------------------------------------------------------------------ */

struct out {
	char *buf;
	size_t size, len;
};

static void put(struct out *o, const char *s)
{
	for (; s && *s; s++) {
		if (o->len + 1 < o->size)
			o->buf[o->len] = *s;
		o->len++;
	}
}

static void put_hex(struct out *o, uint64_t v)
{
	char b[19] = "0x";
	int n = 2;

	for (int sh = 60; sh >= 0; sh -= 4)
		if (v >> sh || sh == 0 || n > 2)
			b[n++] = "0123456789abcdef"[(v >> sh) & 15];
	b[n] = 0;
	put(o, b);
}

size_t s2_mon_format(const struct s2_mon_violation *v, char *buf, size_t size)
{
	struct out o = { buf, size, 0 };

	put(&o, s2_mon_rule_name(v->rule));
	put(&o, ": ");
	put(&o, v->why);
	if (v->rule == S2_MON_RULE_VMID_REUSE || v->rule == S2_MON_RULE_VMID_SHARED) {
		put(&o, "; vmid ");
		put_hex(&o, v->ipa);
		put(&o, " vm ");
		put_hex(&o, (uintptr_t)v->vm);
		put(&o, " generation ");
		put_hex(&o, v->new);
		put(&o, ", held by vm ");
		put_hex(&o, (uintptr_t)v->other_vm);
		put(&o, " since generation ");
		put_hex(&o, v->old);
	} else if (v->rule != S2_MON_RULE_NOMEM) {
		char lv[3] = { 'L', (char)('0' + (v->level < 0 ? 0 : v->level)), 0 };
		put(&o, "; ipa ");
		put_hex(&o, v->ipa);
		put(&o, " level ");
		put(&o, v->level == -1 ? "-1" : lv + 1);
		put(&o, " at ");
		put_hex(&o, (uintptr_t)v->where);
		put(&o, " old ");
		put_hex(&o, v->old);
		put(&o, " new ");
		put_hex(&o, v->new);
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = 0;
	return o.len < size ? o.len : (size ? size - 1 : 0);
}

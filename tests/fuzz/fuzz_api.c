/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for libs2mm's API: the input bytes are a program of library
 * operations on three objects, each checked after every step.
 *
 *  - an embedder's own stage-2 table (s2_pgtable_*: map, unmap, protect,
 *    write-protect, relax, split, ageing), against an exact reference
 *    (IPA page -> PA, permissions), as tests/pgtable/test_pgtable_random.c
 *    does, and through the MMU model: a walk must give the reference's PA,
 *    or the fault its permissions call for;
 *  - two VMs (s2_vm_*: memslots, host unmap/write-protect/ageing, dirty
 *    logging, guest accesses walked through the MMU model whose stage-2
 *    aborts go to s2_vm_handle_abort() with the ESR, FAR and HPFAR the
 *    model reports), checked against what the VM API promises: every
 *    mapping lies in a slot and maps the slot's memory, a writable page of
 *    a dirty-logged slot is marked dirty, an access in a slot makes
 *    progress, an abort outside the slots exits as MMIO or is injected;
 *  - the VMID allocator those VMs run under (two CPUs, a narrow space so
 *    that it rolls over).
 *
 * Geometries (granule, IPA and PA size, start level) come from the input,
 * as do allocation failures (the Nth allocation of an operation fails):
 * an operation that fails with -S2_ENOMEM must leave its tree exactly as
 * it was, every descriptor included. After every step each tree keeps the
 * whole-tree invariants (tree_check.h) and the allocator holds exactly
 * the roots and the reachable tables.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <s2mm/arch.h>
#include <s2mm/error.h>
#include <s2mm/host_ops.h>
#include <s2mm/mmu.h>
#include <s2mm/pgtable.h>
#include <s2mm/physmem.h>
#include <s2mm/vm.h>
#include <s2mm/vmid.h>

#include "../pgtable/tree_check.h"

#define MEM_BASE 0x40000000ULL
#define MEM_SIZE (256ULL << 20)
#define MAX_PAGES (1u << 14)     /* reference pages per object */
#define MAX_STEPS 256
#define NVM 2
#define NCPU 2
#define MAX_IDS 40               /* slot ids 0..39: more than fit a VM */
#define UNMAPPED UINT64_MAX

#define CHECK(cond, ...)                                                       \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "fuzz_api: step %u: ", step_no);       \
			fprintf(stderr, __VA_ARGS__);                          \
			fprintf(stderr, "\n");                                 \
			abort();                                               \
		}                                                              \
	} while (0)

static unsigned int step_no;
/* FUZZ_API_TRACE=1 in the environment: say each step (to read a crash). */
static bool trace;

#define TRACE(...)                                                             \
	do {                                                                   \
		if (trace)                                                     \
			fprintf(stderr, __VA_ARGS__);                          \
	} while (0)

/* ------------------------------------------------------------------ */
/* Input decoding: past the end every read is 0, so any prefix runs.   */
/* ------------------------------------------------------------------ */

struct in {
	const uint8_t *p;
	size_t n;
};

static uint64_t take(struct in *in, unsigned int bytes)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < bytes && in->n; i++, in->n--)
		v |= (uint64_t)*in->p++ << (8 * i);
	return v;
}

static uint64_t below(struct in *in, uint64_t n)
{
	return n ? take(in, n > 256 ? 2 : 1) % n : 0;
}

/* ------------------------------------------------------------------ */
/* Shared state: host memory, the MMU model's view of it.              */
/* ------------------------------------------------------------------ */

static struct s2_physmem *pm;
static struct s2_host_mm hm;
static struct s2_mmu_mem mem;

struct ref_page {
	uint64_t pa;
	uint8_t prot;
};

/* One object's layout, window and reference. */
struct obj {
	bool live;
	struct s2_geom g;
	uint64_t gsz, wbase, wsize, npages, big;
	struct ref_page ref[MAX_PAGES];
	uint64_t mapped;          /* reference pages mapped */
	uint64_t hw;              /* VTCR_EL2.HA/HD the CPU runs it with */
};

static struct obj tobj;           /* the embedder's table */
static struct s2_pgtable tpt;

struct vmx {
	struct obj o;
	struct s2_vm vm;
	/* The library's, per id: pages, then the hardware modes' summary. */
	uint64_t bitmap[MAX_IDS][MAX_PAGES / 64 + 8];
	uint64_t written[MAX_IDS][MAX_PAGES / 64]; /* writes tried since clear */
	uint64_t done[MAX_IDS][MAX_PAGES / 64];    /* writes made since clear */
	uint16_t vmid;            /* last from s2_vmid_update(), 0: none */
};

static struct vmx vms[NVM];
static struct s2_vmid_alloc va;
struct cpu_state {
	int vm;                   /* VM last updated on the CPU, -1: none */
	uint16_t vmid;            /* the VMID it got */
	bool active;              /* not put since */
};

static struct cpu_state cpus[NCPU];

/* Dirty rings, one per simulated vCPU, attached to a VM or not; small,
 * so that they overflow into the bitmaps. */
#define NRING 3
#define RING_MAX 4
struct ringx {
	struct s2_dirty_ring r;
	uint64_t ipa[RING_MAX];
	int vm;                   /* attached to, -1: none */
};

static struct ringx rings[NRING];

static const unsigned int pa_list[] = { 32, 36, 40, 42, 44, 48, 52 };

/* A layout from the input; falls back to the automatic start level, then
 * to a 40-bit one, so that every input gets one. */
static void pick_geom(struct in *in, struct s2_geom *g)
{
	unsigned int granule = 4096u << (2 * below(in, 3));
	unsigned int pa = pa_list[below(in, 7)];
	unsigned int ipa = 25 + (unsigned int)below(in, 28);
	int level = (int)below(in, 7) - 3; /* -3: auto, else -1..3 */

	if (ipa > pa)
		ipa = pa;
	if (level < -1)
		level = S2_START_LEVEL_AUTO;
	if (s2_geom_init(g, granule, ipa, pa, level) &&
	    s2_geom_init(g, granule, ipa, pa, S2_START_LEVEL_AUTO) &&
	    s2_geom_init(g, granule, ipa < 40 ? ipa : 40, 40, S2_START_LEVEL_AUTO))
		abort();
}

/* The window the object's operations stay in: a couple of the largest
 * blocks (up to 1 GiB) the layout has, at most MAX_PAGES pages, at the
 * top or the bottom of the IPA space. */
static void obj_init(struct in *in, struct obj *o)
{
	uint64_t big;

	pick_geom(in, &o->g);
	o->gsz = 1ULL << o->g.granule_shift;
	big = o->gsz;
	for (int l = S2_LEVEL_MAX; l > o->g.start_level; l--)
		if (s2_geom_leaf_allowed(&o->g, l) &&
		    s2_geom_level_size(&o->g, l) <= (1ULL << 30) &&
		    s2_geom_level_size(&o->g, l) / o->gsz <= MAX_PAGES / 2)
			big = s2_geom_level_size(&o->g, l);
	o->big = big;
	o->wsize = 2 * big;
	/* Smaller windows run faster; the input may ask for one. */
	for (uint64_t k = below(in, 4); k && o->wsize > 4 * o->gsz; k--)
		o->wsize /= 2;
	if (o->wsize > s2_geom_ipa_limit(&o->g))
		o->wsize = s2_geom_ipa_limit(&o->g);
	o->wbase = below(in, 2) ? 0 : s2_geom_ipa_limit(&o->g) - o->wsize;
	o->npages = o->wsize / o->gsz;
	for (uint64_t i = 0; i < o->npages; i++)
		o->ref[i] = (struct ref_page){ UNMAPPED, 0 };
	o->mapped = 0;
	o->hw = 0;
	o->live = true;
}

static bool bit(const uint64_t *map, uint64_t n)
{
	return map[n / 64] >> (n % 64) & 1;
}

static struct ref_page *ref_at(struct obj *o, uint64_t ipa)
{
	return &o->ref[(ipa - o->wbase) / o->gsz];
}

static bool in_window(const struct obj *o, uint64_t ipa)
{
	return ipa >= o->wbase && ipa - o->wbase < o->wsize;
}

/* Device memory is never executable, whatever was asked (pgtable.c). */
static uint8_t eff_prot(unsigned int prot)
{
	return (uint8_t)(prot & S2_PROT_DEVICE ? prot & ~(unsigned int)S2_PROT_X : prot);
}

static void ref_set(struct obj *o, uint64_t ipa, uint64_t pa, uint8_t prot)
{
	struct ref_page *r = ref_at(o, ipa);

	o->mapped += (pa != UNMAPPED) - (r->pa != UNMAPPED);
	*r = (struct ref_page){ pa, prot };
}

/* A granularity for a range: a page or some leaf size. */
static uint64_t pick_unit(struct in *in, const struct obj *o)
{
	int l = S2_LEVEL_MAX - (int)below(in, 3);
	uint64_t u;

	if (l <= o->g.start_level)
		l = S2_LEVEL_MAX;
	u = s2_geom_level_size(&o->g, l);
	return u > o->wsize / 2 ? o->gsz : u;
}

static void pick_range(struct in *in, const struct obj *o, uint64_t *ipa, uint64_t *size)
{
	uint64_t unit = pick_unit(in, o), units = o->wsize / unit;
	uint64_t first = below(in, units), b = take(in, 1);
	uint64_t n = 1 + below(in, units - first < 8 ? units - first : 8);

	*ipa = o->wbase + first * unit;
	*size = n * unit;
	/* Nudge the ends by a page, to straddle block edges. */
	if ((b & 3) == 1 && *ipa > o->wbase) {
		*ipa -= o->gsz;
		*size += o->gsz;
	}
	if ((b & 12) == 4 && *size > o->gsz)
		*size -= o->gsz;
}

/* ------------------------------------------------------------------ */
/* Checks.                                                             */
/* ------------------------------------------------------------------ */

static uint64_t table_bytes(const struct s2_pgtable *pt, const char *what)
{
	struct tree_check c;

	CHECK(!tree_check(pt, pm, &c), "%s: %s", what, c.why);
	return pt->geom.root_size + (c.tables << pt->geom.granule_shift);
}

/*
 * The invariants of the trees a step touched (@which: bit 0 the table,
 * bit 1 + i VM i; the others' sizes are remembered), and no page allocated
 * that no tree holds.
 */
static uint64_t tree_bytes[1 + NVM];

static void check_trees(unsigned int which)
{
	uint64_t bytes = 0;

	if (which & 1)
		tree_bytes[0] = tobj.live ? table_bytes(&tpt, "table") : 0;
	for (int i = 0; i < NVM; i++)
		if (which & (2u << i))
			tree_bytes[1 + i] = vms[i].o.live ? table_bytes(&vms[i].vm.pgt, "VM") : 0;
	for (int i = 0; i < 1 + NVM; i++)
		bytes += tree_bytes[i];
	CHECK(s2_physmem_allocated(pm) == bytes, "allocated %llu bytes, trees hold %llu",
	      (unsigned long long)s2_physmem_allocated(pm), (unsigned long long)bytes);
}

/* A hash of every descriptor: a failed operation must not change one. */
struct hash_data {
	uint64_t h;
};

static int hash_visitor(const struct s2_walk_ctx *ctx, enum s2_walk_flags visit)
{
	struct hash_data *d = ctx->arg;

	(void)visit;
	d->h = (d->h ^ ctx->old ^ (ctx->addr * 31) ^ (uint64_t)(ctx->level + 2)) *
	       0x100000001b3ULL;
	d->h ^= d->h >> 29;
	return 0;
}

static uint64_t tree_hash(const struct s2_pgtable *pt)
{
	struct hash_data d = { 0xcbf29ce484222325ULL };
	struct s2_walker w = { .cb = hash_visitor, .arg = &d,
			       .flags = S2_WALK_LEAF | S2_WALK_TABLE_PRE };

	if (s2_pgtable_walk(pt, 0, s2_geom_ipa_limit(&pt->geom), &w))
		abort();
	return d.h;
}

/*
 * Compare a tree with its object's reference. Pages that differ go to
 * @accept (NULL: none may), which says whether the change is one the
 * operation may make; accepted ones update the reference. The walk visits
 * valid leaves only, so the cost follows what is mapped: a count of the
 * mapped pages proves that none went missing.
 */
typedef bool accept_fn(void *arg, uint64_t ipa, const struct ref_page *was,
		       uint64_t pa, uint8_t prot);

struct cmp_data {
	struct obj *o;
	accept_fn *accept;
	void *arg;
	uint64_t seen, added;
};

static int cmp_visitor(const struct s2_walk_ctx *ctx, enum s2_walk_flags visit)
{
	struct cmp_data *d = ctx->arg;
	struct obj *o = d->o;
	uint64_t size = s2_geom_level_size(&o->g, ctx->level);
	uint64_t oa = s2_geom_desc_to_oa(&o->g, ctx->old);
	uint8_t prot = (uint8_t)s2_pgtable_desc_prot(ctx->old);

	(void)visit;
	if (!(ctx->old & DESC_VALID))
		return 0;
	CHECK(in_window(o, ctx->addr) && in_window(o, ctx->addr + size - 1),
	      "leaf at %#llx level %d outside the window [%#llx +%#llx)",
	      (unsigned long long)ctx->addr, ctx->level, (unsigned long long)o->wbase,
	      (unsigned long long)o->wsize);
	for (uint64_t a = ctx->addr; a < ctx->addr + size; a += o->gsz) {
		struct ref_page *r = ref_at(o, a);
		uint64_t pa = oa + (a - ctx->addr);

		d->seen++;
		if (r->pa == pa && r->prot == prot)
			continue;
		CHECK(d->accept && d->accept(d->arg, a, r, pa, prot),
		      "ipa %#llx: tree %#llx prot %u (level %d), reference %#llx prot %u",
		      (unsigned long long)a, (unsigned long long)pa, prot, ctx->level,
		      (unsigned long long)r->pa, r->prot);
		d->added += r->pa == UNMAPPED;
		*r = (struct ref_page){ pa, prot };
	}
	return 0;
}

static void compare(struct obj *o, const struct s2_pgtable *pt, accept_fn *accept,
		    void *arg)
{
	struct cmp_data d = { o, accept, arg, 0, 0 };
	struct s2_walker w = { .cb = cmp_visitor, .arg = &d, .flags = S2_WALK_LEAF };

	CHECK(!s2_pgtable_walk(pt, 0, s2_geom_ipa_limit(&o->g), &w), "walk failed");
	o->mapped += d.added;
	CHECK(d.seen == o->mapped, "tree maps %llu pages, reference %llu",
	      (unsigned long long)d.seen, (unsigned long long)o->mapped);
}

/* ------------------------------------------------------------------ */
/* Failure injection.                                                   */
/* ------------------------------------------------------------------ */

struct inject {
	bool on;
	uint64_t hash, bytes;
	const struct s2_pgtable *pt;
};

static void inject_arm_with(uint64_t b, struct inject *f, const struct s2_pgtable *pt)
{
	f->on = (b & 7) == 0;
	f->pt = pt;
	hm.fail_nth = 0;
	if (!f->on)
		return;
	f->hash = tree_hash(pt);
	f->bytes = s2_physmem_allocated(pm);
	hm.fail_nth = 1 + ((b >> 3) & 7);
}

static void inject_arm(struct in *in, struct inject *f, const struct s2_pgtable *pt)
{
	inject_arm_with(take(in, 1), f, pt);
}

/* After the operation: -S2_ENOMEM only when injected, and then nothing
 * changed. Return: whether it failed so. */
static bool inject_done(struct inject *f, int ret, const char *what)
{
	hm.fail_nth = 0;
	if (ret != -S2_ENOMEM)
		return false;
	CHECK(f->on, "%s: -S2_ENOMEM with no failure injected", what);
	CHECK(s2_physmem_allocated(pm) == f->bytes, "%s: failed, leaked %lld bytes", what,
	      (long long)(s2_physmem_allocated(pm) - f->bytes));
	CHECK(tree_hash(f->pt) == f->hash, "%s: failed, but the tree changed", what);
	return true;
}

/* ------------------------------------------------------------------ */
/* The MMU model: regs for a tree, guest stage 1 off (VA = IPA).        */
/* ------------------------------------------------------------------ */

static void model_regs(const struct s2_pgtable *pt, uint64_t hw, uint16_t vmid,
		       struct s2_mmu_regs *r)
{
	/* With HA/HD the model's walks update descriptors as a CPU with
	 * FEAT_HAFDBS does (AArch64.S2Translate's AF and dirty updates). */
	*r = (struct s2_mmu_regs){ .hcr_el2 = HCR_EL2_VM | HCR_EL2_RW,
				   .vtcr_el2 = pt->geom.vtcr | hw,
				   .vttbr_el2 = s2_geom_vttbr(&pt->geom, pt->root_pa, vmid) };
}

/*
 * What the reference says of a walk's outcome: a translation fault exactly
 * where nothing is mapped, the reference's PA where it succeeds, a
 * permission fault only without the right. (Fetch permissions depend on
 * EL and FEAT_XNX, Access flag faults on ageing: not predicted.)
 */
static void check_walk(struct obj *o, uint64_t ipa, unsigned int acc,
		       const struct s2_mmu_result *r)
{
	const struct ref_page *p = ref_at(o, ipa & ~(o->gsz - 1));
	unsigned int need = acc == S2_MMU_WRITE ? S2_PROT_W : S2_PROT_R;

	/* VTCR_EL2.HD: a write through a writable-clean leaf (DBM) makes it
	 * writable-dirty instead of faulting. */
	if (acc == S2_MMU_WRITE && (o->hw & VTCR_EL2_HD))
		need |= S2_PROT_DBM;

	if (r->fault.type == S2_MMU_FAULT_NONE) {
		CHECK(p->pa != UNMAPPED && r->pa == p->pa + (ipa & (o->gsz - 1)),
		      "walk of %#llx gives PA %#llx, reference %#llx",
		      (unsigned long long)ipa, (unsigned long long)r->pa,
		      (unsigned long long)p->pa);
		CHECK(acc == S2_MMU_EXEC || (p->prot & need), "walk of %#llx (acc %u) allowed, prot %u",
		      (unsigned long long)ipa, acc, p->prot);
		return;
	}
	CHECK(r->fault.stage == 2, "stage-%u fault with stage 1 off", r->fault.stage);
	CHECK((r->fault.type == S2_MMU_FAULT_TRANSLATION) == (p->pa == UNMAPPED),
	      "walk of %#llx: fault %u, reference %#llx", (unsigned long long)ipa,
	      r->fault.type, (unsigned long long)p->pa);
	if (r->fault.type == S2_MMU_FAULT_PERMISSION)
		CHECK(acc == S2_MMU_EXEC || !(p->prot & need),
		      "walk of %#llx (acc %u): permission fault, prot %u",
		      (unsigned long long)ipa, acc, p->prot);
	else
		CHECK(r->fault.type == S2_MMU_FAULT_TRANSLATION ||
		      r->fault.type == S2_MMU_FAULT_ACCESS_FLAG,
		      "walk of %#llx: fault type %u", (unsigned long long)ipa, r->fault.type);
}

/*
 * After a walk of @ipa that succeeded: a write through a writable-clean
 * leaf under VTCR_EL2.HD made the whole leaf writable-dirty (S2AP[1]
 * set, DBM kept), which the reference follows. Return: whether it did.
 */
static bool hw_sync(struct obj *o, const struct s2_pgtable *pt, uint64_t ipa,
		    unsigned int acc)
{
	uint64_t page = ipa & ~(o->gsz - 1), desc;
	int level;

	if (acc != S2_MMU_WRITE || !(o->hw & VTCR_EL2_HD) || (ref_at(o, page)->prot & S2_PROT_W))
		return false;
	CHECK(!s2_pgtable_lookup(pt, page, &desc, &level), "lookup after a write");
	CHECK((desc & S2_DESC_S2AP_W) && (desc & DESC_DBM),
	      "write to %#llx through a clean leaf: descriptor %#llx not made dirty",
	      (unsigned long long)ipa, (unsigned long long)desc);
	uint64_t lsz = s2_geom_level_size(&o->g, level), base = page & ~(lsz - 1);
	for (uint64_t a = base; a < base + lsz; a += o->gsz)
		if (in_window(o, a))
			ref_at(o, a)->prot |= S2_PROT_W;
	return true;
}

/* ------------------------------------------------------------------ */
/* The embedder's table.                                                */
/* ------------------------------------------------------------------ */

static void table_create(struct in *in)
{
	struct inject f = { 0 };

	obj_init(in, &tobj);
	uint64_t b = take(in, 1);
	hm.fail_nth = (b & 3) == 0;
	f.on = hm.fail_nth;
	/* Contiguous hints; the model's walks with HA, or HA and HD. */
	if (b & 4)
		CHECK(!s2_geom_set_contig(&tobj.g, true), "set_contig");
	tobj.hw = (b & 0x18) == 0x08 ? VTCR_EL2_HA :
		  (b & 0x10) ? VTCR_EL2_HA | VTCR_EL2_HD : 0;
	int ret = s2_pgtable_init(&tpt, &tobj.g, &hm.ops, NULL);
	hm.fail_nth = 0;
	if (ret == -S2_ENOMEM && f.on) {
		tobj.live = false;
		return;
	}
	CHECK(!ret, "s2_pgtable_init: %s", s2_strerror(ret));
}

static void table_destroy(void)
{
	if (!tobj.live)
		return;
	s2_pgtable_destroy(&tpt);
	tobj.live = false;
}

/*
 * s2_pgtable_clean_dirty() over the range with an op from the input (or a
 * bad one, or a bad bitmap_ipa): each leaf changes as enum s2_clean_op
 * says, and the bitmap gets exactly the pages of the writable leaves it
 * changed.
 */
static int table_clean(struct in *in, struct inject *f, uint64_t ipa, uint64_t size)
{
	static uint64_t map[MAX_PAGES / 64];
	struct obj *o = &tobj;
	uint64_t b = take(in, 1);
	unsigned int op = (unsigned int)(b & 7) % 5; /* 4: no such op */
	uint64_t bipa = b & 8 ? o->wbase : ipa;
	bool bad = op == S2_CLEAN_OPS;
	uint64_t *bm = b & 0x10 ? NULL : map;

	if ((b & 0x60) == 0x60) {
		bipa = ipa + o->gsz;  /* after ipa */
		bad = true;
	} else if ((b & 0x60) == 0x40) {
		bipa |= 0x800;        /* misaligned */
		bad = true;
	}
	memset(map, 0, sizeof(map));
	int ret = s2_pgtable_clean_dirty(&tpt, ipa, size, (enum s2_clean_op)op, bm, bipa);
	TRACE("%u: clean_dirty op %u bitmap at %#llx: %d\n", step_no, op,
	      (unsigned long long)bipa, ret);
	if (inject_done(f, ret, "clean_dirty"))
		return ret;
	if (bad) {
		CHECK(ret == -S2_EINVAL, "clean_dirty, bad op or bitmap_ipa: %s", s2_strerror(ret));
		return ret;
	}
	CHECK(!ret, "clean_dirty: %s", s2_strerror(ret));
	for (uint64_t a = ipa; a < ipa + size; a += o->gsz) {
		struct ref_page *r = ref_at(o, a);
		uint64_t n = (a - bipa) / o->gsz;
		bool w = r->prot & S2_PROT_W, dbm = r->prot & S2_PROT_DBM;
		bool rep = bm && bit(map, n);

		if (r->pa == UNMAPPED) {
			CHECK(!rep, "clean_dirty: unmapped %#llx reported", (unsigned long long)a);
			continue;
		}
		/* RELEASE looks at DBM leaves only: a writable leaf without
		 * DBM may go unreported. */
		if (op != S2_CLEAN_RELEASE || !w || dbm)
			CHECK(rep == (bm && w && (op != S2_CLEAN_RELEASE || dbm)),
			      "clean_dirty op %u: %#llx prot %u %sreported", op,
			      (unsigned long long)a, r->prot, rep ? "" : "not ");
		switch (op) {
		case S2_CLEAN_KEEP:
			r->prot &= (uint8_t)~S2_PROT_W;
			break;
		case S2_CLEAN_ARM:
			if (w)
				r->prot = (uint8_t)((r->prot & ~S2_PROT_W) | S2_PROT_DBM);
			break;
		case S2_CLEAN_FREEZE:
			r->prot &= (uint8_t)~(S2_PROT_W | S2_PROT_DBM);
			break;
		default:
			if (dbm)
				r->prot = (uint8_t)((r->prot & ~S2_PROT_DBM) | S2_PROT_W);
			break;
		}
	}
	/* Nothing outside the range. */
	if (bm)
		for (uint64_t w = 0; w < MAX_PAGES / 64; w++)
			for (uint64_t m = map[w]; m; m &= m - 1) {
				uint64_t a = bipa + (w * 64 + (uint64_t)__builtin_ctzll(m)) * o->gsz;
				CHECK(a >= ipa && a < ipa + size, "clean_dirty reported %#llx outside",
				      (unsigned long long)a);
			}
	return ret;
}

static void table_step(struct in *in, unsigned int op)
{
	struct obj *o = &tobj;
	struct inject f;
	uint64_t ipa, size, desc;
	int ret = 0, level;
	const char *what;

	pick_range(in, o, &ipa, &size);
	inject_arm(in, &f, &tpt);
	switch (op) {
	case 0: case 1: case 2: {
		/* R, W, X, Device and DBM in any mix. */
		unsigned int prot = 1 + (unsigned int)below(in, 31);
		uint64_t unit = pick_unit(in, o), b = take(in, 1);
		uint64_t span = (1ULL << o->g.pa_bits) - MEM_BASE - MEM_SIZE;
		unsigned int flags = (b & 1 ? S2_MAP_PAGES : 0) | (b & 2 ? S2_MAP_NOREPLACE : 0);
		/* PAs above the table memory, congruent with the IPA modulo
		 * the unit or off by a page; sometimes beyond the PA size. */
		uint64_t pa = MEM_BASE + MEM_SIZE + below(in, span / unit / 2) * unit +
			      (ipa & (unit - 1)) + (b & 4 ? o->gsz : 0);
		bool exists = false;

		if ((b & 0x38) == 0x38)
			pa = (1ULL << o->g.pa_bits) - o->gsz;
		what = "map";
		for (uint64_t a = 0; a < size; a += o->gsz)
			exists |= ref_at(o, ipa + a)->pa != UNMAPPED;
		ret = s2_pgtable_map(&tpt, ipa, size, pa, prot, flags);
		if (inject_done(&f, ret, what))
			break;
		if (!(prot & S2_PROT_RWX)) {
			CHECK(ret == -S2_EINVAL, "map with prot %u: %s", prot, s2_strerror(ret));
			break;
		}
		if (pa + size > (1ULL << o->g.pa_bits)) {
			CHECK(ret == -S2_ERANGE, "map beyond the PA size: %s", s2_strerror(ret));
			break;
		}
		if ((flags & S2_MAP_NOREPLACE) && exists) {
			/* Refused before any change, or after mapping part? */
			CHECK(ret == -S2_EEXIST, "map NOREPLACE over a mapping: %s",
			      s2_strerror(ret));
			break;
		}
		CHECK(!ret, "map [%#llx +%#llx) -> %#llx prot %u flags %u: %s",
		      (unsigned long long)ipa, (unsigned long long)size,
		      (unsigned long long)pa, prot, flags, s2_strerror(ret));
		for (uint64_t a = 0; a < size; a += o->gsz)
			ref_set(o, ipa + a, pa + a, eff_prot(prot));
		break;
	}
	case 3:
		what = "unmap";
		ret = s2_pgtable_unmap(&tpt, ipa, size);
		if (inject_done(&f, ret, what))
			break;
		CHECK(!ret, "unmap: %s", s2_strerror(ret));
		for (uint64_t a = 0; a < size; a += o->gsz)
			ref_set(o, ipa + a, UNMAPPED, 0);
		break;
	case 4: {
		/* R, W, X, DBM; now and then Device, which it refuses. */
		unsigned int v = (unsigned int)below(in, 17);
		unsigned int prot = v == 16 ? S2_PROT_R | S2_PROT_DEVICE :
				    (v & 7) | (v & 8 ? S2_PROT_DBM : 0);
		what = "protect";
		if (!(prot & 7))
			prot |= S2_PROT_R;
		ret = s2_pgtable_protect(&tpt, ipa, size, prot);
		if (inject_done(&f, ret, what))
			break;
		if (prot & S2_PROT_DEVICE) {
			CHECK(ret == -S2_EINVAL, "protect with Device: %s", s2_strerror(ret));
			break;
		}
		CHECK(!ret, "protect: %s", s2_strerror(ret));
		for (uint64_t a = 0; a < size; a += o->gsz) {
			struct ref_page *r = ref_at(o, ipa + a);
			/* The memory type stays. */
			r->prot = eff_prot((r->prot & S2_PROT_DEVICE) | prot);
		}
		break;
	}
	case 5:
		what = "wrprotect";
		ret = s2_pgtable_wrprotect(&tpt, ipa, size);
		if (inject_done(&f, ret, what))
			break;
		CHECK(!ret, "wrprotect: %s", s2_strerror(ret));
		for (uint64_t a = 0; a < size; a += o->gsz)
			ref_at(o, ipa + a)->prot &= (uint8_t)~S2_PROT_W;
		break;
	case 6: {
		int l = S2_LEVEL_MAX - (int)below(in, 3);
		what = "split";
		if (l < o->g.start_level)
			l = S2_LEVEL_MAX;
		ret = s2_pgtable_split(&tpt, ipa, size, l);
		if (inject_done(&f, ret, what))
			break;
		CHECK(!ret, "split: %s", s2_strerror(ret));
		break;
	}
	case 7: {
		/* The whole leaf holding ipa gains the rights (DBM too). */
		unsigned int v = 1 + (unsigned int)below(in, 15);
		unsigned int prot = (v & 7) | (v & 8 ? S2_PROT_DBM : 0);
		what = "relax";
		ipa += below(in, size / o->gsz) * o->gsz;
		ret = s2_pgtable_relax(&tpt, ipa, prot);
		inject_done(&f, ret, what);
		if (s2_pgtable_lookup(&tpt, ipa, &desc, &level)) {
			CHECK(ret == -S2_ENOENT, "relax of nothing: %s", s2_strerror(ret));
			break;
		}
		CHECK(!ret, "relax: %s", s2_strerror(ret));
		uint64_t lsz = s2_geom_level_size(&o->g, level), base = ipa & ~(lsz - 1);
		for (uint64_t a = base; a < base + lsz; a += o->gsz)
			ref_at(o, a)->prot = eff_prot(ref_at(o, a)->prot | prot);
		break;
	}
	case 9:
		ret = table_clean(in, &f, ipa, size);
		break;
	default: {
		bool young;
		what = "age";
		ret = s2_pgtable_test_clear_young(&tpt, ipa, size, &young);
		inject_done(&f, ret, what);
		CHECK(!ret, "test_clear_young: %s", s2_strerror(ret));
		ret = s2_pgtable_mkyoung(&tpt, ipa);
		CHECK(ret == (ref_at(o, ipa)->pa == UNMAPPED ? -S2_ENOENT : 0),
		      "mkyoung: %s", s2_strerror(ret));
		break;
	}
	}
	TRACE("%u: table op %u [%#llx +%#llx): %d\n", step_no, op,
	      (unsigned long long)ipa, (unsigned long long)size, ret);
	compare(o, &tpt, NULL, NULL);
	/* A few walks through the model. */
	for (unsigned int k = take(in, 1) & 3; k; k--) {
		struct s2_mmu_regs regs;
		struct s2_mmu_access a = { o->wbase + below(in, o->npages) * o->gsz +
					   (take(in, 2) & (o->gsz - 1)),
					   (uint8_t)below(in, 3), 1 };
		struct s2_mmu_result r;

		model_regs(&tpt, o->hw, 1, &regs);
		CHECK(!s2_mmu_translate(&mem, &s2_mmu_cpu_max, &regs, &a, &r), "model");
		check_walk(o, a.va, a.acc, &r);
		if (r.fault.type == S2_MMU_FAULT_NONE && hw_sync(o, &tpt, a.va, a.acc))
			compare(o, &tpt, NULL, NULL);
	}
}

/* ------------------------------------------------------------------ */
/* VMs.                                                                 */
/* ------------------------------------------------------------------ */

static size_t slot_words(const struct vmx *x, const struct s2_memslot *s)
{
	return (size_t)(((s->size >> x->o.g.granule_shift) + 63) / 64);
}

static struct s2_memslot *slot_of(struct vmx *x, uint32_t id)
{
	for (unsigned int i = 0; i < x->vm.nslots; i++)
		if (x->vm.slots[i].id == id)
			return &x->vm.slots[i];
	return NULL;
}


static bool logs_hw(const struct s2_memslot *s)
{
	return (s->flags & S2_SLOT_DIRTY_LOG) && s->dirty_mode != S2_DIRTY_LOG_SW;
}

/* The IPA span of one last-level table: a summary bit's (vm.h). */
static uint64_t table_span(const struct vmx *x)
{
	return s2_geom_level_size(&x->o.g, S2_LEVEL_MAX - 1);
}

/* The bitmap words s2_vm_dirty_log_enable_mode() needs: a bit per page,
 * and in the hardware modes one per last-level table the slot spans. */
static size_t log_words(const struct vmx *x, const struct s2_memslot *s, unsigned int mode)
{
	uint64_t ts = table_span(x);
	uint64_t tables = (s->ipa + s->size - 1) / ts - s->ipa / ts + 1;

	return slot_words(x, s) + (mode != S2_DIRTY_LOG_SW ? (size_t)((tables + 63) / 64) : 0);
}

/* Whether the page of @ipa in logged slot @s is marked dirty: in the
 * slot's bitmap or in a ring attached to the VM. */
static bool marked(const struct vmx *x, const struct s2_memslot *s, uint64_t ipa)
{
	uint64_t page = ipa & ~(x->o.gsz - 1);

	if (bit(s->dirty, (page - s->ipa) >> x->o.g.granule_shift))
		return true;
	for (int k = 0; k < NRING; k++)
		if (rings[k].vm == x - vms)
			for (uint32_t e = 0; e < rings[k].r.used; e++)
				if ((rings[k].ipa[e] & ~(x->o.gsz - 1)) == page)
					return true;
	return false;
}

static void bit_set(uint64_t *map, uint64_t n)
{
	map[n / 64] |= 1ULL << (n % 64);
}

/*
 * What the VM API promises of every mapping, whatever led to it: it lies
 * in a slot and maps the slot's memory at the same offset; it is never
 * writable in a read-only slot; writable in a dirty-logged slot only once
 * the page is marked dirty.
 */
static void vm_check_page(struct vmx *x, uint64_t ipa, uint64_t pa, uint8_t prot)
{
	const struct s2_memslot *s = s2_vm_slot_find(&x->vm, ipa);

	CHECK(s, "VM maps %#llx outside every slot", (unsigned long long)ipa);
	CHECK(pa == s->pa + (ipa - s->ipa), "VM maps %#llx to %#llx, slot %u says %#llx",
	      (unsigned long long)ipa, (unsigned long long)pa, s->id,
	      (unsigned long long)(s->pa + (ipa - s->ipa)));
	CHECK((prot & ~(unsigned int)(S2_PROT_W | S2_PROT_DBM)) == (S2_PROT_R | S2_PROT_X),
	      "VM maps %#llx with prot %u", (unsigned long long)ipa, prot);
	CHECK(!(prot & S2_PROT_W) || !(s->flags & S2_SLOT_READONLY),
	      "read-only slot %u writable at %#llx", s->id, (unsigned long long)ipa);
	/* DBM only where the hardware logs, and only in a table the
	 * get-and-clear scan visits (the slot's summary). */
	if (prot & S2_PROT_DBM) {
		uint64_t t = ipa / table_span(x) - s->ipa / table_span(x);
		CHECK(logs_hw(s), "slot %u, not logged by hardware: DBM at %#llx", s->id,
		      (unsigned long long)ipa);
		CHECK(bit(s->dirty_tables, t), "slot %u: DBM at %#llx, table %llu not in the summary",
		      s->id, (unsigned long long)ipa, (unsigned long long)t);
	}
	/* Writable while logging: marked, or dirty by hardware (found by
	 * the next get-and-clear's scan). */
	if ((prot & S2_PROT_W) && (s->flags & S2_SLOT_DIRTY_LOG))
		CHECK(marked(x, s, ipa) || (prot & S2_PROT_DBM),
		      "slot %u: %#llx writable, not marked dirty", s->id,
		      (unsigned long long)ipa);
}

struct vm_check_data {
	struct vmx *x;
};

static int vm_leaf_visitor(const struct s2_walk_ctx *ctx, enum s2_walk_flags visit)
{
	struct vmx *x = ((struct vm_check_data *)ctx->arg)->x;
	uint64_t size = s2_geom_level_size(&x->o.g, ctx->level);
	uint64_t oa = s2_geom_desc_to_oa(&x->o.g, ctx->old);

	(void)visit;
	if (ctx->old & DESC_VALID)
		for (uint64_t a = 0; a < size; a += x->o.gsz)
			vm_check_page(x, ctx->addr + a, oa + a,
				      (uint8_t)s2_pgtable_desc_prot(ctx->old));
	return 0;
}

static void vm_check(struct vmx *x, accept_fn *accept, void *arg)
{
	struct vm_check_data d = { x };
	struct s2_walker w = { .cb = vm_leaf_visitor, .arg = &d, .flags = S2_WALK_LEAF };

	compare(&x->o, &x->vm.pgt, accept, arg);
	CHECK(!s2_pgtable_walk(&x->vm.pgt, 0, s2_geom_ipa_limit(&x->o.g), &w), "walk");
	for (int k = 0; k < NRING; k++)
		if (rings[k].vm == x - vms)
			CHECK(rings[k].r.vm == &x->vm && rings[k].r.used <= rings[k].r.size,
			      "ring %d: vm %p used %u of %u", k, (const void *)rings[k].r.vm,
			      rings[k].r.used, rings[k].r.size);
	CHECK(s2_vm_vtcr_hw(&x->vm) == x->o.hw, "s2_vm_vtcr_hw %#llx, told %#llx",
	      (unsigned long long)s2_vm_vtcr_hw(&x->vm), (unsigned long long)x->o.hw);
}

/* What a stage-2 abort may change: in the faulting slot, pages mapped
 * afresh onto the slot's memory, or (a write) made writable. */
struct abort_data {
	const struct s2_memslot *slot;
	bool write;
	bool translation;         /* a translation fault: may map a block */
};

static bool abort_accept(void *arg, uint64_t ipa, const struct ref_page *was,
			 uint64_t pa, uint8_t prot)
{
	struct abort_data *d = arg;
	const struct s2_memslot *s = d->slot;

	if (!s || ipa < s->ipa || ipa - s->ipa >= s->size)
		return false;
	/* A write makes its page (or block) writable, and where the
	 * hardware logs gives it DBM; nothing is taken away. */
	if (was->pa == pa) {
		unsigned int keep = ~(unsigned int)(S2_PROT_W | S2_PROT_DBM);
		return d->write && (prot & S2_PROT_W) && !(was->prot & ~prot) &&
		       (prot & keep) == (was->prot & keep);
	}
	return pa == s->pa + (ipa - s->ipa);
}

static void vm_destroy(int i)
{
	struct vmx *x = &vms[i];

	if (!x->o.live)
		return;
	/* Its vCPUs are put first, or the VMID cannot be released. */
	for (int c = 0; c < NCPU; c++)
		if (cpus[c].vm == i && cpus[c].active) {
			CHECK(s2_vmid_release(&va, &x->vm.vmid) == -S2_EBUSY ||
			      !s2_vmid_is_current(&va, &x->vm.vmid, NULL),
			      "release of a running VM's VMID");
			CHECK(!s2_vmid_clear_active(&va, (unsigned int)c), "clear_active");
			cpus[c].active = false;
		}
	for (int c = 0; c < NCPU; c++)
		if (cpus[c].vm == i)
			cpus[c].vm = -1;
	CHECK(!s2_vmid_release(&va, &x->vm.vmid), "s2_vmid_release");
	s2_vm_destroy(&x->vm);
	/* Its rings detached. */
	for (int k = 0; k < NRING; k++)
		if (rings[k].vm == i) {
			CHECK(!rings[k].r.vm && !rings[k].r.next, "ring %d still attached", k);
			rings[k].vm = -1;
		}
	s2_host_mm_reclaim(&hm);
	x->o.live = false;
}

static void vm_create(struct in *in, int i)
{
	struct vmx *x = &vms[i];
	uint64_t b = take(in, 1);
	bool fail = (b & 3) == 0;

	vm_destroy(i);
	obj_init(in, &x->o);
	if (b & 4)
		CHECK(!s2_geom_set_contig(&x->o.g, true), "set_contig");
	hm.fail_nth = fail;
	int ret = s2_vm_init(&x->vm, &x->o.g, &hm.ops);
	hm.fail_nth = 0;
	if (ret == -S2_ENOMEM && fail) {
		x->o.live = false;
		return;
	}
	CHECK(!ret, "s2_vm_init: %s", s2_strerror(ret));
	x->vmid = 0;
	b = take(in, 1);
	if (b & 1)
		CHECK(!s2_vm_set_eager_split(&x->vm, false), "lazy split");
	/* The CPU it runs on: no FEAT_HAFDBS, the Access flag, or both. */
	unsigned int hw = b & 4 ? S2_HW_DIRTY : b & 2 ? S2_HW_AF : 0;
	CHECK(!s2_vm_set_hw_update(&x->vm, hw), "set_hw_update");
	x->o.hw = hw & S2_HW_DIRTY ? VTCR_EL2_HA | VTCR_EL2_HD : hw ? VTCR_EL2_HA : 0;
}

/* The reference's expectation of s2_vm_slot_add(). */
static int slot_add_expect(struct vmx *x, const struct s2_memslot *s)
{
	const struct s2_geom *g = &x->o.g;
	uint64_t m = x->o.gsz - 1;

	if (s->flags & ~(uint32_t)S2_SLOT_READONLY)
		return -S2_EINVAL;
	if (!s->size || ((s->ipa | s->size | s->pa) & m))
		return -S2_EINVAL;
	if (s->ipa >= s2_geom_ipa_limit(g) || s->size > s2_geom_ipa_limit(g) - s->ipa ||
	    s->pa >= (1ULL << g->pa_bits) || s->size > (1ULL << g->pa_bits) - s->pa)
		return -S2_ERANGE;
	for (unsigned int i = 0; i < x->vm.nslots; i++) {
		const struct s2_memslot *t = &x->vm.slots[i];
		if (s->ipa < t->ipa + t->size && t->ipa < s->ipa + s->size)
			return -S2_EEXIST;
	}
	if (slot_of(x, s->id))
		return -S2_EEXIST;
	if (x->vm.nslots == x->vm.max_slots)
		return -S2_ENOMEM;
	return 0;
}

static void vm_unmap_ref(struct vmx *x, uint64_t ipa, uint64_t size)
{
	for (uint64_t a = 0; a < size; a += x->o.gsz)
		if (in_window(&x->o, ipa + a))
			ref_set(&x->o, ipa + a, UNMAPPED, 0);
}

static void vm_wrprotect_ref(struct vmx *x, uint64_t ipa, uint64_t size)
{
	for (uint64_t a = 0; a < size; a += x->o.gsz)
		if (in_window(&x->o, ipa + a))
			ref_at(&x->o, ipa + a)->prot &= (uint8_t)~(S2_PROT_W | S2_PROT_DBM);
}

static uint64_t vm_ipa_in_slot(struct in *in, struct vmx *x)
{
	uint64_t b = take(in, 1);

	if (x->vm.nslots && (b & 3)) {
		const struct s2_memslot *s = &x->vm.slots[below(in, x->vm.nslots)];
		return s->ipa + below(in, s->size / x->o.gsz) * x->o.gsz;
	}
	return x->o.wbase + below(in, x->o.npages) * x->o.gsz;
}

/*
 * One guest access, as the CPU makes it: walk it through the model; on a
 * stage-2 fault, hand the abort handler what the CPU reports (as the
 * simulator does: ESR, FAR, HPFAR, or AT S1E1R where HPFAR is UNKNOWN),
 * then try again, until it translates or exits.
 */
static void vm_access(struct in *in, struct vmx *x)
{
	uint64_t b = take(in, 1);
	struct s2_mmu_access a = { .acc = (uint8_t)(b % 3), .el = 1 };
	uint64_t b2 = take(in, 1);
	struct s2_mmu_insn insn = { .isv = b & 4, .sas = (uint8_t)((b >> 3) & 3),
				    .sse = b & 0x20, .srt = (uint8_t)(b2 & 31),
				    .sf = b & 0x40, .ar = b & 0x80 };
	/* The vCPU's dirty ring, if it has one attached to this VM. */
	unsigned int rk = (unsigned int)(b2 >> 5) & 3;
	struct s2_dirty_ring *ring = rk && rings[rk - 1].vm == x - vms ? &rings[rk - 1].r : NULL;
	uint64_t gregs[31];
	bool beyond = false;
	/* One byte for the failures of all its aborts, whatever their
	 * number, so that the bytes after it keep their meaning: the
	 * abort (b >> 6) of the access fails if at all. */
	uint64_t fail = take(in, 1);

	a.va = vm_ipa_in_slot(in, x) + (take(in, 2) & (x->o.gsz - 1));
	if (x->o.g.ipa_bits < 48 && (b & 0x78) == 0x78) {
		a.va += s2_geom_ipa_limit(&x->o.g);
		beyond = true;
	}
	for (int i = 0; i < 31; i++)
		gregs[i] = 0x1111111111111111ULL * (uint64_t)i;

	for (int tries = 0;; tries++) {
		struct s2_mmu_regs regs;
		struct s2_mmu_result r;
		struct s2_abort abt = { .regs = gregs, .ring = ring };
		struct s2_exit ex = { 0 };
		struct inject f;
		uint64_t page = a.va & ~(x->o.gsz - 1);
		const struct s2_memslot *s = beyond ? NULL : s2_vm_slot_find(&x->vm, page);
		bool write = a.acc == S2_MMU_WRITE;

		model_regs(&x->vm.pgt, x->o.hw, x->vmid ? x->vmid : 1, &regs);
		CHECK(!s2_mmu_translate(&mem, &s2_mmu_cpu_max, &regs, &a, &r), "model");
		if (!beyond && in_window(&x->o, a.va))
			check_walk(&x->o, a.va, a.acc, &r);
		if (r.fault.type == S2_MMU_FAULT_NONE) {
			CHECK(!beyond, "access beyond the IPA size translated");
			/* The hardware may have made the page dirty itself. */
			hw_sync(&x->o, &x->vm.pgt, a.va, a.acc);
			if (write && s && (s->flags & S2_SLOT_DIRTY_LOG)) {
				uint64_t n = (page - s->ipa) >> x->o.g.granule_shift;
				bit_set(x->written[s->id], n);
				bit_set(x->done[s->id], n);
				/* Software logging: marked before it was writable. */
				CHECK(s->dirty_mode != S2_DIRTY_LOG_SW || marked(x, s, page),
				      "write to %#llx of logged slot %u not marked dirty",
				      (unsigned long long)a.va, s->id);
			}
			return;
		}
		/* A few rounds suffice: map, set AF, make writable. */
		CHECK(tries < 6, "access to %#llx (acc %u) makes no progress: fault %u",
		      (unsigned long long)a.va, a.acc, r.fault.type);
		CHECK(!s2_mmu_esr(&r.fault, &insn, &abt.esr), "esr");
		CHECK(!s2_mmu_hpfar(&r.fault, &abt.hpfar), "hpfar");
		abt.far = s2_mmu_far(&r.fault);
		if (s2_hpfar_needs_at(abt.esr)) {
			struct s2_mmu_result at;
			uint64_t par;
			CHECK(!s2_mmu_at(&mem, &s2_mmu_cpu_max, &regs, S2_MMU_AT_S1E1R,
					 abt.far, &par, &at), "AT");
			CHECK(!s2_hpfar_from_par(par, &abt.hpfar), "AT faulted with stage 1 off");
		}
		if (s && write && (s->flags & S2_SLOT_DIRTY_LOG)) {
			uint64_t n = (page - s->ipa) >> x->o.g.granule_shift;
			x->written[s->id][n / 64] |= 1ULL << (n % 64);
		}
		inject_arm_with((uint64_t)tries == fail >> 6 ? fail : 1, &f, &x->vm.pgt);
		int ret = s2_vm_handle_abort(&x->vm, &abt, &ex);
		TRACE("%u: abort at %#llx acc %u fault %u: %d exit %u\n", step_no,
		      (unsigned long long)a.va, a.acc, r.fault.type, ret, ex.reason);
		/* No other walker: what the shared walk replaced can go. */
		s2_host_mm_reclaim(&hm);
		if (inject_done(&f, ret, "abort"))
			return;
		CHECK(!ret, "s2_vm_handle_abort: %s", s2_strerror(ret));
		struct abort_data d = { s, write, r.fault.type == S2_MMU_FAULT_TRANSLATION };
		vm_check(x, abort_accept, &d);
		switch (ex.reason) {
		case S2_EXIT_RESUME:
		case S2_EXIT_RETRY:
			CHECK(s, "abort outside the slots resumed");
			/* Setting the Access flag comes before the write's
			 * permission fault. */
			CHECK(!(write && (s->flags & S2_SLOT_READONLY)) ||
			      r.fault.type == S2_MMU_FAULT_ACCESS_FLAG,
			      "write to read-only slot resumed");
			break;
		case S2_EXIT_MMIO:
		case S2_EXIT_CANNOT_EMULATE:
			CHECK(!beyond && a.acc != S2_MMU_EXEC &&
			      (!s || (write && (s->flags & S2_SLOT_READONLY))),
			      "MMIO exit at %#llx (acc %u) in slot %d", (unsigned long long)a.va,
			      a.acc, s ? (int)s->id : -1);
			CHECK(ex.mmio.ipa == a.va && ex.mmio.write == write, "MMIO decode");
			CHECK((ex.reason == S2_EXIT_MMIO) == insn.isv, "MMIO without ISV");
			if (ex.reason == S2_EXIT_MMIO && write && insn.srt != 31) {
				uint64_t v = gregs[insn.srt];
				if (ex.mmio.size < 8)
					v &= (1ULL << (8 * ex.mmio.size)) - 1;
				CHECK(ex.mmio.value == v, "MMIO value");
			}
			return;
		case S2_EXIT_INJECT:
			CHECK(beyond || (!s && a.acc == S2_MMU_EXEC),
			      "abort at %#llx (acc %u) injected", (unsigned long long)a.va, a.acc);
			return;
		default:
			CHECK(0, "exit reason %u", ex.reason);
		}
	}
}

static void vm_step(struct in *in, struct vmx *x, unsigned int op)
{
	struct inject f;
	uint64_t ipa, size;
	uint32_t id = (uint32_t)below(in, MAX_IDS);
	struct s2_memslot *s = slot_of(x, id);
	int ret;

	switch (op) {
	case 0: case 1: case 2: case 3: case 4: case 5:
		vm_access(in, x);
		return;
	case 6: {
		/* A slot somewhere in the window; now and then a bad one. */
		struct s2_memslot n = { .id = id };
		uint64_t unit = pick_unit(in, &x->o), b = take(in, 1);
		uint64_t span = (1ULL << x->o.g.pa_bits) - MEM_BASE - MEM_SIZE;

		pick_range(in, &x->o, &n.ipa, &n.size);
		n.pa = MEM_BASE + MEM_SIZE + below(in, span / unit / 2) * unit +
		       (n.ipa & (unit - 1)) + (b & 1 ? x->o.gsz : 0);
		n.flags = b & 2 ? S2_SLOT_READONLY : 0;
		if ((b & 0x1c) == 0x1c)
			n.pa |= 0x800;
		if ((b & 0x1c) == 0x18)
			n.flags |= 1u << 7;
		if ((b & 0x1c) == 0x14)
			n.pa = (1ULL << x->o.g.pa_bits) - x->o.gsz;
		int want = slot_add_expect(x, &n);
		ret = s2_vm_slot_add(&x->vm, &n);
		CHECK(ret == want, "slot_add: %s, expected %s", s2_strerror(ret),
		      s2_strerror(want));
		break;
	}
	case 7: {
		/* Removal moves the last slot into its place: keep a copy. */
		struct s2_memslot old = s ? *s : (struct s2_memslot){ 0 };
		inject_arm(in, &f, &x->vm.pgt);
		ret = s2_vm_slot_remove(&x->vm, id);
		if (inject_done(&f, ret, "slot_remove"))
			break;
		if (!s) {
			CHECK(ret == -S2_ENOENT, "slot_remove of nothing: %s", s2_strerror(ret));
			break;
		}
		CHECK(!ret, "slot_remove: %s", s2_strerror(ret));
		CHECK(!slot_of(x, id), "slot %u still there", id);
		vm_unmap_ref(x, old.ipa, old.size);
		break;
	}
	case 8: {
		uint64_t nipa, nsize, oipa = s ? s->ipa : 0, osize = s ? s->size : 0;
		pick_range(in, &x->o, &nipa, &nsize);
		/* The slot keeps its size: it stays in the window. */
		if (s && nipa + s->size > x->o.wbase + x->o.wsize)
			nipa = x->o.wbase + x->o.wsize - s->size;
		inject_arm(in, &f, &x->vm.pgt);
		ret = s2_vm_slot_move(&x->vm, id, nipa);
		if (inject_done(&f, ret, "slot_move"))
			break;
		if (!s) {
			CHECK(ret == -S2_ENOENT, "slot_move of nothing: %s", s2_strerror(ret));
			break;
		}
		if (ret) {
			CHECK(ret == -S2_ERANGE || ret == -S2_EEXIST, "slot_move: %s",
			      s2_strerror(ret));
			CHECK(s->ipa == oipa, "failed move moved the slot");
			break;
		}
		vm_unmap_ref(x, oipa, osize);
		break;
	}
	case 9:
		pick_range(in, &x->o, &ipa, &size);
		inject_arm(in, &f, &x->vm.pgt);
		ret = s2_vm_unmap(&x->vm, ipa, size);
		if (inject_done(&f, ret, "vm_unmap"))
			break;
		CHECK(!ret, "vm_unmap: %s", s2_strerror(ret));
		vm_unmap_ref(x, ipa, size);
		break;
	case 10:
		pick_range(in, &x->o, &ipa, &size);
		inject_arm(in, &f, &x->vm.pgt);
		ret = s2_vm_wrprotect(&x->vm, ipa, size);
		if (inject_done(&f, ret, "vm_wrprotect"))
			break;
		CHECK(!ret, "vm_wrprotect: %s", s2_strerror(ret));
		vm_wrprotect_ref(x, ipa, size);
		break;
	case 11: {
		bool young;
		pick_range(in, &x->o, &ipa, &size);
		ret = s2_vm_test_clear_young(&x->vm, ipa, size, &young);
		CHECK(!ret, "test_clear_young: %s", s2_strerror(ret));
		break;
	}
	case 12: {
		uint64_t b = take(in, 1);
		unsigned int mode = (unsigned int)(b >> 3) & 3; /* 3: no such mode */
		size_t words = s ? log_words(x, s, mode) : 1;
		bool short_map = (b & 7) == 0 && words > 0;
		bool logging = s && (s->flags & S2_SLOT_DIRTY_LOG);
		if (s)
			CHECK(s2_vm_dirty_log_words(&x->vm, id, mode) ==
			      (mode < S2_DIRTY_LOG_MODES ? words : 0), "dirty_log_words");
		if (short_map)
			words--;
		inject_arm(in, &f, &x->vm.pgt);
		ret = s2_vm_dirty_log_enable_mode(&x->vm, id, x->bitmap[id], words,
						  (enum s2_dirty_log_mode)mode);
		if (inject_done(&f, ret, "dirty_log_enable")) {
			CHECK(s && (!(s->flags & S2_SLOT_DIRTY_LOG) || logging), "failed enable logs");
			break;
		}
		if (!s)
			CHECK(ret == -S2_ENOENT, "enable of nothing: %s", s2_strerror(ret));
		else if (short_map || mode >= S2_DIRTY_LOG_MODES || (s->flags & S2_SLOT_READONLY))
			CHECK(ret == -S2_EINVAL, "enable, short map, bad mode or ROM: %s",
			      s2_strerror(ret));
		else if (logging)
			CHECK(ret == -S2_EBUSY, "enable twice: %s", s2_strerror(ret));
		else if (mode != S2_DIRTY_LOG_SW && !(x->o.hw & VTCR_EL2_HD))
			CHECK(ret == -S2_ENOTSUP, "hardware mode without HD: %s", s2_strerror(ret));
		else
			CHECK(!ret, "enable mode %u: %s", mode, s2_strerror(ret));
		if (ret) {
			CHECK(!s || !!(s->flags & S2_SLOT_DIRTY_LOG) == logging, "failed enable");
			break;
		}
		CHECK(s->dirty_mode == mode, "mode %u, asked %u", s->dirty_mode, mode);
		/* Writable pages: write-protected, or writable-clean (HW). */
		for (uint64_t a = s->ipa; a < s->ipa + s->size; a += x->o.gsz) {
			struct ref_page *r = ref_at(&x->o, a);
			if (mode == S2_DIRTY_LOG_HW && (r->prot & S2_PROT_W))
				r->prot |= S2_PROT_DBM;
			r->prot &= (uint8_t)~S2_PROT_W;
		}
		memset(x->written[id], 0, sizeof(x->written[id]));
		memset(x->done[id], 0, sizeof(x->done[id]));
		break;
	}
	case 13: {
		static uint64_t out[MAX_PAGES / 64];
		uint64_t b = take(in, 1);
		size_t words = s ? slot_words(x, s) : 1;
		bool logging = s && (s->flags & S2_SLOT_DIRTY_LOG);
		bool short_out = (b & 15) == 1 && words > 1;
		uint64_t *live = logging ? s->dirty : NULL;
		unsigned int mode = logging ? s->dirty_mode : 0;
		if (short_out)
			words--;
		inject_arm(in, &f, &x->vm.pgt);
		ret = s2_vm_dirty_log_get_clear(&x->vm, id, out, words);
		if (inject_done(&f, ret, "dirty_log_get_clear"))
			break;
		if (!s) {
			CHECK(ret == -S2_ENOENT, "get of nothing: %s", s2_strerror(ret));
			break;
		}
		if (!logging || short_out) {
			CHECK(ret == -S2_EINVAL, "get while not logging, or short: %s",
			      s2_strerror(ret));
			break;
		}
		CHECK(!ret, "get_clear: %s", s2_strerror(ret));
		/* Reported: every page the guest wrote since the last round, in
		 * every mode, with or without a ring; no page it did not try
		 * to write. Then no page of the slot is writable. */
		for (size_t w = 0; w < words; w++) {
			CHECK(!(out[w] & ~x->written[id][w]), "slot %u: unwritten pages reported dirty "
			      "(word %zu: %#llx, tried %#llx)", id, w, (unsigned long long)out[w],
			      (unsigned long long)x->written[id][w]);
			CHECK(!(x->done[id][w] & ~out[w]), "slot %u mode %u: written pages not reported "
			      "(word %zu: %#llx, written %#llx)", id, mode, w,
			      (unsigned long long)out[w], (unsigned long long)x->done[id][w]);
			CHECK(!live[w], "bitmap not cleared");
			x->written[id][w] = 0;
			x->done[id][w] = 0;
		}
		for (uint64_t a = s->ipa; a < s->ipa + s->size; a += x->o.gsz)
			ref_at(&x->o, a)->prot &= (uint8_t)~S2_PROT_W;
		/* Hybrid: a table none of whose pages was written this round
		 * loses DBM (and its summary bit). */
		if (mode == S2_DIRTY_LOG_HYBRID) {
			uint64_t ts = table_span(x);
			for (uint64_t lo = s->ipa; lo < s->ipa + s->size;) {
				uint64_t hi = (lo / ts + 1) * ts;
				bool any = false;
				if (hi > s->ipa + s->size)
					hi = s->ipa + s->size;
				for (uint64_t a = lo; a < hi; a += x->o.gsz)
					any |= bit(out, (a - s->ipa) / x->o.gsz);
				for (uint64_t a = lo; a < hi && !any; a += x->o.gsz)
					ref_at(&x->o, a)->prot &= (uint8_t)~S2_PROT_DBM;
				lo = hi;
			}
		}
		break;
	}
	case 14: {
		bool logging = s && (s->flags & S2_SLOT_DIRTY_LOG);
		unsigned int mode = logging ? s->dirty_mode : 0;
		ret = s2_vm_dirty_log_disable(&x->vm, id);
		CHECK(ret == (!s ? -S2_ENOENT : logging ? 0 : -S2_EINVAL), "disable: %s",
		      s2_strerror(ret));
		if (ret)
			break;
		/* The bitmap, the embedder's now, holds the writes since the
		 * last round (the CPU's and the rings' too), and no others. */
		for (size_t w = 0; w < slot_words(x, s); w++) {
			CHECK(!(x->bitmap[id][w] & ~x->written[id][w]),
			      "slot %u: disable reports unwritten pages", id);
			CHECK(!(x->done[id][w] & ~x->bitmap[id][w]),
			      "slot %u mode %u: disable loses written pages", id, mode);
		}
		/* Hardware modes: DBM pages get write permission back. */
		for (uint64_t a = s->ipa; a < s->ipa + s->size; a += x->o.gsz) {
			struct ref_page *r = ref_at(&x->o, a);
			if (r->prot & S2_PROT_DBM)
				r->prot = (uint8_t)((r->prot & ~S2_PROT_DBM) | S2_PROT_W);
		}
		break;
	}
	case 16: {
		uint64_t b = take(in, 1);
		unsigned int feat = (unsigned int)b & 7; /* 4: no such bit */
		bool hw_logging = false;
		uint64_t before = s2_vm_vtcr_hw(&x->vm);
		for (unsigned int k = 0; k < x->vm.nslots; k++)
			hw_logging |= logs_hw(&x->vm.slots[k]);
		if (b & 8) {
			CHECK(s2_vm_set_hw_update(NULL, feat) == -S2_EINVAL, "set_hw_update(NULL)");
			ret = -S2_EINVAL;
			break;
		}
		ret = s2_vm_set_hw_update(&x->vm, feat);
		int want = feat & 4 ? -S2_EINVAL :
			   !(feat & S2_HW_DIRTY) && hw_logging ? -S2_EBUSY : 0;
		CHECK(ret == want, "set_hw_update(%u): %s, expected %s", feat, s2_strerror(ret),
		      s2_strerror(want));
		if (ret)
			CHECK(s2_vm_vtcr_hw(&x->vm) == before, "failed set_hw_update changed VTCR");
		else
			x->o.hw = feat & S2_HW_DIRTY ? VTCR_EL2_HA | VTCR_EL2_HD :
				  feat ? VTCR_EL2_HA : 0;
		break;
	}
	case 17: {
		uint64_t b = take(in, 1);
		int k = (int)(b % NRING), me = (int)(x - vms);
		struct ringx *rx = &rings[k];
		switch ((b >> 2) & 7) {
		case 0: case 1: case 2: case 3:
			if (rx->vm < 0) {
				rx->r.ipa = rx->ipa;
				rx->r.size = 1 + (uint32_t)((b >> 5) & 3);
			}
			ret = s2_vm_dirty_ring_attach(&x->vm, &rx->r);
			CHECK(ret == (rx->vm >= 0 ? -S2_EINVAL : 0), "ring_attach of %s ring: %s",
			      rx->vm >= 0 ? "an attached" : "a free", s2_strerror(ret));
			if (!ret) {
				CHECK(rx->r.vm == &x->vm && !rx->r.used, "attached ring");
				rx->vm = me;
			}
			break;
		case 4: case 5:
			ret = s2_vm_dirty_ring_detach(&x->vm, &rx->r);
			CHECK(ret == (rx->vm == me ? 0 : -S2_ENOENT), "ring_detach: %s",
			      s2_strerror(ret));
			if (!ret) {
				CHECK(!rx->r.vm && !rx->r.used, "detached ring");
				rx->vm = -1;
			}
			break;
		case 6: {
			/* Bad rings: no storage, no entries, NULL. */
			struct s2_dirty_ring bad = { .ipa = b & 0x20 ? rx->ipa : NULL,
						     .size = b & 0x20 ? 0 : 4 };
			ret = s2_vm_dirty_ring_attach(&x->vm, b & 0x40 ? NULL : &bad);
			CHECK(ret == -S2_EINVAL, "ring_attach of a bad ring: %s", s2_strerror(ret));
			CHECK(s2_vm_dirty_ring_attach(NULL, &bad) == -S2_EINVAL, "ring_attach(NULL)");
			break;
		}
		default:
			ret = s2_vm_dirty_ring_detach(&x->vm, NULL);
			CHECK(ret == -S2_EINVAL, "ring_detach(NULL): %s", s2_strerror(ret));
			CHECK(s2_vm_dirty_ring_detach(NULL, &rx->r) == -S2_EINVAL,
			      "ring_detach(vm NULL)");
			break;
		}
		break;
	}
	case 15: {
		bool eager = take(in, 1) & 1, any = false;
		for (unsigned int i = 0; i < x->vm.nslots; i++)
			any |= x->vm.slots[i].flags & S2_SLOT_DIRTY_LOG;
		ret = s2_vm_set_eager_split(&x->vm, eager);
		CHECK(ret == (any ? -S2_EBUSY : 0), "set_eager_split: %s", s2_strerror(ret));
		break;
	}
	}
	TRACE("%u: VM op %u slot %u: %d\n", step_no, op, id, ret);
	vm_check(x, NULL, NULL);
}

/* ------------------------------------------------------------------ */
/* VMIDs.                                                               */
/* ------------------------------------------------------------------ */

static void vmid_step(struct in *in)
{
	unsigned int cpu = (unsigned int)below(in, NCPU), b = (unsigned int)take(in, 1);
	int i = (int)(b % NVM);
	struct vmx *x = &vms[i];
	uint16_t vmid, old;
	bool cur, same_cpu;

	if (b & 4) {
		CHECK(!s2_vmid_clear_active(&va, cpu), "clear_active");
		cpus[cpu].active = false;
		return;
	}
	if (!x->o.live)
		return;
	cur = s2_vmid_is_current(&va, &x->vm.vmid, &old);
	same_cpu = cpus[cpu].vm == i && cpus[cpu].active;
	uint64_t roll = s2_vmid_rollovers(&va);
	CHECK(!s2_vmid_update(&va, &x->vm.vmid, cpu, &vmid), "vmid_update");
	CHECK(vmid && vmid <= va.vmid_mask, "VMID %u out of the space", vmid);
	/* A VM keeps its VMID through its generation; a vCPU still running
	 * it keeps it through a rollover. */
	if (cur && s2_vmid_rollovers(&va) == roll)
		CHECK(vmid == old, "VMID changed from %u to %u without a rollover", old, vmid);
	if (same_cpu)
		CHECK(vmid == cpus[cpu].vmid, "running VM lost VMID %u for %u", cpus[cpu].vmid,
		      vmid);
	CHECK(hm.tlbi_all == s2_vmid_rollovers(&va), "%llu TLBI ALL for %llu rollovers",
	      (unsigned long long)hm.tlbi_all, (unsigned long long)s2_vmid_rollovers(&va));
	cpus[cpu] = (struct cpu_state){ i, vmid, true };
	x->vmid = vmid;
	/* Live VMs of the current generation hold distinct VMIDs. */
	uint16_t v[NVM];
	bool c[NVM];
	for (int k = 0; k < NVM; k++)
		c[k] = vms[k].o.live && s2_vmid_is_current(&va, &vms[k].vm.vmid, &v[k]);
	for (int k = 1; k < NVM; k++)
		for (int j = 0; j < k; j++)
			CHECK(!(c[k] && c[j] && v[k] == v[j]), "VMs %d and %d share VMID %u", j, k,
			      v[k]);
}

/* ------------------------------------------------------------------ */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = { data, size };

	if (!pm) {
		trace = getenv("FUZZ_API_TRACE") != NULL;
		if (s2_physmem_create(&pm, MEM_BASE, MEM_SIZE))
			abort();
		s2_host_mm_init(&hm, pm);
		hm.poison = true;
		mem = (struct s2_mmu_mem){ s2_physmem_va(pm, MEM_BASE, MEM_SIZE), MEM_BASE,
					   MEM_SIZE };
	}
	hm.tlbi_all = 0;
	step_no = 0;
	CHECK(!s2_vmid_init(&va, S2_VMID_BITS_8, NCPU, &hm.ops), "vmid_init");
	CHECK(!s2_vmid_narrow(&va, 2 + (unsigned int)below(&in, 3)), "vmid_narrow");
	for (int c = 0; c < NCPU; c++)
		cpus[c].vm = -1, cpus[c].active = false;
	for (int k = 0; k < NRING; k++) {
		memset(&rings[k], 0, sizeof(rings[k]));
		rings[k].vm = -1;
	}
	table_create(&in);
	for (int i = 0; i < NVM; i++)
		vm_create(&in, i);
	check_trees(~0u);

	for (step_no = 1; in.n && step_no <= MAX_STEPS; step_no++) {
		unsigned int op = (unsigned int)take(&in, 1);
		unsigned int sel = op >> 5; /* 0-2 table, 3-6 VMs, 7 the rest */
		unsigned int which = sel < 3 ? 1 : sel < 7 ? 2u << (sel & 1) : ~0u;

		op &= 31;
		if (sel < 3) {
			if (tobj.live)
				table_step(&in, op % 10);
			else if (op < 4)
				table_create(&in);
		} else if (sel < 7) {
			int i = (int)(sel & 1);
			if (vms[i].o.live)
				vm_step(&in, &vms[i], op % 18);
			else if (op < 8)
				vm_create(&in, i);
		} else if (op < 24) {
			vmid_step(&in);
		} else if (op < 28) {
			vm_create(&in, op & 1);
		} else if (op < 30) {
			vm_destroy(op & 1);
		} else {
			table_destroy();
			table_create(&in);
		}
		check_trees(which);
	}
	table_destroy();
	for (int i = 0; i < NVM; i++)
		vm_destroy(i);
	CHECK(s2_physmem_allocated(pm) == 0, "%llu bytes leaked",
	      (unsigned long long)s2_physmem_allocated(pm));
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * Model-based random test: long random sequences of map, unmap, protect,
 * write-protect, relax, split and ageing on random ranges and geometries,
 * compared after every step with a plain reference (page -> PA, permissions)
 * and checked for whole-tree invariants; failed allocations are injected
 * at random points and must leave the tree exactly as it was.
 *
 * The judge is the MMU model, walking the tables from VTTBR_EL2 as a CPU
 * would (fx_model_leaf()): after every step over the step's range, and
 * over the whole window every CHECK_EVERY steps and at the end. The
 * library's own walker (s2_pgtable_walk()) is compared too, every step,
 * as a second opinion. Ageing leaves AF=0: for a leaf the ageing steps
 * have aged (and nothing since made young), an Access flag fault is the
 * model's right answer (no hardware AF update); anywhere else it is a
 * failure.
 *
 * S2MM_SEED=<n> in the environment replays one seed; S2MM_STEPS=<n> sets
 * the steps per geometry.
 */
#include <stdio.h>

#include "fixture.h"

#define UNMAPPED UINT64_MAX
#define CHECK_EVERY 16

struct ref_page {
	uint64_t pa;
	uint8_t prot;
	/* Aged by test_clear_young(): its leaf may have AF=0. */
	bool old;
};

struct rt {
	struct fx f;
	uint64_t seed;
	uint64_t wbase, wsize, gsz;
	struct ref_page *ref;
	uint64_t npages;
	unsigned long step;
	unsigned long model_leaves, model_af;
};

static uint64_t rnd(struct rt *t)
{
	/* xorshift64* */
	t->seed ^= t->seed >> 12;
	t->seed ^= t->seed << 25;
	t->seed ^= t->seed >> 27;
	return t->seed * 0x2545F4914F6CDD1DULL;
}

static uint64_t rnd_below(struct rt *t, uint64_t n)
{
	return n ? rnd(t) % n : 0;
}

/* A granularity for a random range: a page or some leaf size. */
static uint64_t rnd_unit(struct rt *t)
{
	int l = S2_LEVEL_MAX - (int)rnd_below(t, 3);
	if (l <= t->f.g.start_level)
		l = S2_LEVEL_MAX;
	uint64_t u = s2_geom_level_size(&t->f.g, l);
	return u > t->wsize / 2 ? t->gsz : u;
}

static void rnd_range(struct rt *t, uint64_t *ipa, uint64_t *size)
{
	uint64_t unit = rnd_unit(t);
	uint64_t units = t->wsize / unit;
	uint64_t first = rnd_below(t, units);
	uint64_t n = 1 + rnd_below(t, units - first < 8 ? units - first : 8);
	*ipa = t->wbase + first * unit;
	*size = n * unit;
	/* Sometimes nudge the ends by a page, to straddle block edges. */
	if (rnd_below(t, 3) == 0 && *ipa > t->wbase) {
		*ipa -= t->gsz;
		*size += t->gsz;
	}
	if (rnd_below(t, 3) == 0 && *size > t->gsz)
		*size -= t->gsz;
}

struct cmp_data {
	struct rt *t;
	int bad;
};

static int cmp_visitor(const struct s2_walk_ctx *ctx, enum s2_walk_flags visit)
{
	struct cmp_data *d = ctx->arg;
	struct rt *t = d->t;
	(void)visit;
	uint64_t size = s2_geom_level_size(&t->f.g, ctx->level);
	uint64_t lo = ctx->addr > t->wbase ? ctx->addr : t->wbase;
	uint64_t hi = ctx->addr + size < t->wbase + t->wsize ? ctx->addr + size
							     : t->wbase + t->wsize;
	bool valid = ctx->old & DESC_VALID;
	uint64_t oa = s2_geom_desc_to_oa(&t->f.g, ctx->old);
	unsigned int prot = s2_pgtable_desc_prot(ctx->old);
	for (uint64_t a = lo; a < hi; a += t->gsz) {
		struct ref_page *r = &t->ref[(a - t->wbase) / t->gsz];
		uint64_t want = valid ? oa + (a - ctx->addr) : UNMAPPED;
		if (r->pa != want || (valid && r->prot != prot)) {
			if (d->bad++ < 5)
				print_error("step %lu: ipa %#llx: tree %#llx prot %u level %d, ref %#llx prot %u\n",
					    t->step, (unsigned long long)a,
					    (unsigned long long)want, prot, ctx->level,
					    (unsigned long long)r->pa, r->prot);
		}
	}
	return 0;
}

static void compare(struct rt *t)
{
	struct cmp_data d = { .t = t };
	struct s2_walker w = { .cb = cmp_visitor, .arg = &d, .flags = S2_WALK_LEAF };
	assert_int_equal(s2_pgtable_walk(&t->f.pt, t->wbase, t->wsize, &w), 0);
	if (d.bad)
		fail_msg("tree differs from reference at %d pages", d.bad);
	fx_check_invariants(&t->f);
}

static struct ref_page *ref_at(struct rt *t, uint64_t ipa)
{
	return &t->ref[(ipa - t->wbase) / t->gsz];
}

/* The window's pages of the entry of @size bytes that holds @ipa. */
static void leaf_span(struct rt *t, uint64_t ipa, uint64_t size, uint64_t *lo,
		      uint64_t *hi)
{
	uint64_t base = ipa & ~(size - 1);

	*lo = base > t->wbase ? base : t->wbase;
	*hi = base + size < t->wbase + t->wsize ? base + size : t->wbase + t->wsize;
}

/*
 * The model's reading of [@lo, @hi) (page-aligned, inside the window)
 * against the reference, entry by entry: a hole must be unmapped in the
 * reference, a leaf must give each page's PA and prot, an Access flag
 * fault is right only where every page of the leaf was aged (and is
 * mapped).
 */
static void model_check(struct rt *t, uint64_t lo, uint64_t hi)
{
	struct fx_leaf l;
	uint64_t a = lo, b, e, p;

	while (a < hi) {
		fx_model_leaf(&t->f, a, &l);
		leaf_span(t, a, l.size, &b, &e);
		b = b > lo ? b : lo;
		e = e < hi ? e : hi;
		t->model_leaves++;
		t->model_af += l.fault == S2_MMU_FAULT_ACCESS_FLAG;
		for (p = b; p < e; p += t->gsz) {
			struct ref_page *r = ref_at(t, p);
			uint64_t want = l.pa == UINT64_MAX ? UNMAPPED : l.pa + (p - a);
			bool ok;

			if (l.fault == S2_MMU_FAULT_ACCESS_FLAG)
				ok = r->pa != UNMAPPED && r->old;
			else
				ok = r->pa == want && (want == UNMAPPED || r->prot == l.prot);
			if (!ok)
				fail_msg("step %lu: IPA %#llx: the model says fault %u (L%d) "
					 "PA %#llx prot %#x; the reference PA %#llx prot %#x%s",
					 t->step, (unsigned long long)p, l.fault, l.level,
					 (unsigned long long)want, l.prot,
					 (unsigned long long)r->pa, r->prot,
					 r->old ? " (aged)" : "");
		}
		a = e;
	}
}

/* Run one operation; with @inject, fail a random allocation inside it. */
static void step(struct rt *t)
{
	uint64_t ipa, size;
	int ret = 0;
	unsigned int op = (unsigned int)rnd_below(t, 100);
	bool inject = rnd_below(t, 8) == 0;
	uint64_t before = s2_physmem_allocated(t->f.pm);

	rnd_range(t, &ipa, &size);
	if (inject)
		t->f.hm.fail_nth = 1 + rnd_below(t, 4);
	if (op < 40) {
		unsigned int prot = 1 + (unsigned int)rnd_below(t, 7);
		uint64_t unit = rnd_unit(t);
		/* PA congruent with the IPA modulo a random unit, or not. */
		uint64_t half = 1ULL << (t->f.g.pa_bits - 1);
		uint64_t pa = half + rnd_below(t, (half / 2) / unit) * unit +
			      (ipa & (unit - 1));
		if (rnd_below(t, 4) == 0)
			pa += t->gsz;
		unsigned int flags = rnd_below(t, 4) == 0 ? S2_MAP_PAGES : 0;
		ret = s2_pgtable_map(&t->f.pt, ipa, size, pa, prot, flags);
		if (!ret)
			for (uint64_t a = 0; a < size; a += t->gsz)
				*ref_at(t, ipa + a) = (struct ref_page){ pa + a, (uint8_t)prot,
									 false };
	} else if (op < 60) {
		ret = s2_pgtable_unmap(&t->f.pt, ipa, size);
		if (!ret)
			for (uint64_t a = 0; a < size; a += t->gsz)
				*ref_at(t, ipa + a) = (struct ref_page){ UNMAPPED, 0, false };
	} else if (op < 70) {
		unsigned int prot = 1 + (unsigned int)rnd_below(t, 7);
		ret = s2_pgtable_protect(&t->f.pt, ipa, size, prot);
		if (!ret)
			for (uint64_t a = 0; a < size; a += t->gsz)
				ref_at(t, ipa + a)->prot = (uint8_t)prot;
	} else if (op < 78) {
		ret = s2_pgtable_wrprotect(&t->f.pt, ipa, size);
		if (!ret)
			for (uint64_t a = 0; a < size; a += t->gsz)
				ref_at(t, ipa + a)->prot &= (uint8_t)~S2_PROT_W;
	} else if (op < 86) {
		int level = S2_LEVEL_MAX - (int)rnd_below(t, 3);
		if (level < t->f.g.start_level)
			level = S2_LEVEL_MAX;
		ret = s2_pgtable_split(&t->f.pt, ipa, size, level);
	} else if (op < 94) {
		/* Relax the leaf holding ipa: the whole leaf gains the rights. */
		unsigned int prot = 1 + (unsigned int)rnd_below(t, 7);
		uint64_t desc;
		int level;
		t->f.hm.fail_nth = 0;
		if (s2_pgtable_lookup(&t->f.pt, ipa, &desc, &level) == 0) {
			uint64_t lsz = s2_geom_level_size(&t->f.g, level);
			uint64_t base = ipa & ~(lsz - 1);
			assert_int_equal(s2_pgtable_relax(&t->f.pt, ipa, prot), 0);
			for (uint64_t a = base; a < base + lsz; a += t->gsz)
				if (a >= t->wbase && a < t->wbase + t->wsize)
					ref_at(t, a)->prot |= (uint8_t)prot;
		} else {
			assert_int_equal(s2_pgtable_relax(&t->f.pt, ipa, prot), -S2_ENOENT);
		}
	} else {
		bool young;
		struct fx_leaf l;
		uint64_t b, e;

		ret = s2_pgtable_test_clear_young(&t->f.pt, ipa, size, &young);
		/*
		 * The leaves the model now finds with AF=0 (whole leaves,
		 * also beyond the range) were aged; a mapped page of the
		 * range the model still reads was not.
		 */
		for (uint64_t a = ipa; !ret && a < ipa + size; a = e) {
			fx_model_leaf(&t->f, a, &l);
			leaf_span(t, a, l.size, &b, &e);
			if (l.fault == S2_MMU_FAULT_ACCESS_FLAG)
				for (uint64_t p = b; p < e; p += t->gsz)
					ref_at(t, p)->old = true;
			else if (l.pa != UINT64_MAX)
				fail_msg("step %lu: IPA %#llx still young after "
					 "test_clear_young", t->step,
					 (unsigned long long)a);
		}
		if (!ret && rnd_below(t, 2) && ref_at(t, ipa)->pa != UNMAPPED) {
			/* mkyoung: the leaf of @ipa reads again, all of it. */
			assert_int_equal(s2_pgtable_mkyoung(&t->f.pt, ipa), 0);
			fx_model_leaf(&t->f, ipa, &l);
			if (l.pa == UINT64_MAX)
				fail_msg("step %lu: IPA %#llx: fault %u after mkyoung",
					 t->step, (unsigned long long)ipa, l.fault);
			leaf_span(t, ipa, l.size, &b, &e);
			for (uint64_t p = b; p < e; p += t->gsz)
				ref_at(t, p)->old = false;
		}
	}
	if (ret == -S2_ENOMEM) {
		assert_true(inject);
		assert_int_equal(s2_physmem_allocated(t->f.pm), before);
	} else if (ret) {
		fail_msg("step %lu: op %u [%#llx +%#llx): %s", t->step, op,
			 (unsigned long long)ipa, (unsigned long long)size,
			 s2_strerror(ret));
	}
	t->f.hm.fail_nth = 0;
	compare(t);
	if (t->step % CHECK_EVERY == CHECK_EVERY - 1) {
		model_check(t, t->wbase, t->wbase + t->wsize);
	} else if (size / t->gsz <= 4096) {
		model_check(t, ipa, ipa + size);
	} else {
		/* A large range: its ends and a sample of its pages. */
		model_check(t, ipa, ipa + t->gsz);
		model_check(t, ipa + size - t->gsz, ipa + size);
		for (int i = 0; i < 64; i++) {
			uint64_t p = ipa + rnd_below(t, size / t->gsz) * t->gsz;

			model_check(t, p, p + t->gsz);
		}
	}
}

static uint64_t env_u64(const char *name, uint64_t dflt)
{
	const char *s = getenv(name);
	return s ? strtoull(s, NULL, 0) : dflt;
}

static void run_geometry(unsigned int granule, unsigned int ipa_bits,
			 unsigned int pa_bits, uint64_t seed, unsigned long steps)
{
	struct rt t = { .seed = seed | 1 };
	fx_init(&t.f, granule, ipa_bits, pa_bits, S2_START_LEVEL_AUTO);
	t.gsz = granule;
	/* A window of a few of the largest blocks (up to 1 GiB) the layout has,
	 * ending at the top of the IPA space when it is small. */
	uint64_t big = granule;
	for (int l = S2_LEVEL_MAX; l > t.f.g.start_level; l--)
		if (s2_geom_leaf_allowed(&t.f.g, l) && s2_geom_level_size(&t.f.g, l) <= (1ULL << 30))
			big = s2_geom_level_size(&t.f.g, l);
	t.wsize = 2 * big;
	while (t.wsize / t.gsz > (1ULL << 19))
		t.wsize /= 2;
	t.wbase = s2_geom_ipa_limit(&t.f.g) - t.wsize - (rnd(&t) & 1) * t.wsize;
	t.npages = t.wsize / t.gsz;
	t.ref = malloc(t.npages * sizeof(*t.ref));
	assert_non_null(t.ref);
	for (uint64_t i = 0; i < t.npages; i++)
		t.ref[i].pa = UNMAPPED;
	for (t.step = 0; t.step < steps; t.step++)
		step(&t);
	model_check(&t, t.wbase, t.wbase + t.wsize);
	print_message("  the model read %lu entries (%lu with AF=0)\n",
		      t.model_leaves, t.model_af);
	assert_true(t.model_leaves >= steps);
	free(t.ref);
	fx_fini(&t.f);
}

static const struct { unsigned int granule, ipa, pa; } layouts[] = {
	{ 4096, 40, 40 }, { 4096, 32, 36 }, { 4096, 48, 48 }, { 4096, 52, 52 },
	{ 16384, 40, 40 }, { 16384, 48, 48 }, { 16384, 52, 52 }, { 16384, 29, 32 },
	{ 65536, 40, 40 }, { 65536, 52, 52 }, { 65536, 32, 32 },
};

static void random_sequences_match_reference(void **state)
{
	(void)state;
	uint64_t seed = env_u64("S2MM_SEED", 0x5eed2012);
	unsigned long steps = (unsigned long)env_u64("S2MM_STEPS", 600);
	for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++) {
		print_message("layout %u/%u/%u seed %#llx steps %lu\n",
			      layouts[i].granule, layouts[i].ipa, layouts[i].pa,
			      (unsigned long long)(seed + i), steps);
		run_geometry(layouts[i].granule, layouts[i].ipa, layouts[i].pa,
			     seed + i, steps);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(random_sequences_match_reference),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

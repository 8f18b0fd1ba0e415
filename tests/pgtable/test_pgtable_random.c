/* SPDX-License-Identifier: MIT */
/*
 * Model-based random test: long random sequences of map, unmap, protect,
 * write-protect, relax, split and ageing on random ranges and geometries,
 * compared after every step with a plain reference (page -> PA, permissions)
 * and checked for whole-tree invariants; failed allocations are injected
 * at random points and must leave the tree exactly as it was.
 *
 * S2MM_SEED=<n> in the environment replays one seed; S2MM_STEPS=<n> sets
 * the steps per geometry.
 */
#include <stdio.h>

#include "fixture.h"

#define UNMAPPED UINT64_MAX

struct ref_page {
	uint64_t pa;
	uint8_t prot;
};

struct rt {
	struct fx f;
	uint64_t seed;
	uint64_t wbase, wsize, gsz;
	struct ref_page *ref;
	uint64_t npages;
	unsigned long step;
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
				*ref_at(t, ipa + a) = (struct ref_page){ pa + a, (uint8_t)prot };
	} else if (op < 60) {
		ret = s2_pgtable_unmap(&t->f.pt, ipa, size);
		if (!ret)
			for (uint64_t a = 0; a < size; a += t->gsz)
				ref_at(t, ipa + a)->pa = UNMAPPED;
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
		ret = s2_pgtable_test_clear_young(&t->f.pt, ipa, size, &young);
		if (rnd_below(t, 2))
			s2_pgtable_mkyoung(&t->f.pt, ipa);
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

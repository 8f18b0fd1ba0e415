/* SPDX-License-Identifier: MIT */
/*
 * The same properties over every geometry the architecture allows: an empty
 * table translates nothing; a map translates every byte of its range to the
 * right PA; overlapping maps and unmaps behave; the last, largest page of the
 * IPA space maps and unmaps.
 */
#include "fixture.h"

static const unsigned int granules[] = { 4096, 16384, 65536 };
static const unsigned int pas[] = { 32, 36, 40, 42, 44, 48, 52 };

/* Check [ipa, ipa + size) translates to pa + offset at sampled offsets. */
static void expect_range(struct fx *f, uint64_t ipa, uint64_t size, uint64_t pa)
{
	uint64_t step = size / 61 | 1;
	for (uint64_t off = 0; off < size; off += step)
		assert_int_equal(fx_translate(f, ipa + off, NULL), pa + off);
	assert_int_equal(fx_translate(f, ipa + size - 1, NULL), pa + size - 1);
}

static void sweep_one(unsigned int granule, unsigned int ipa_bits,
		      unsigned int pa_bits, int level)
{
	struct fx f;
	fx_init(&f, granule, ipa_bits, pa_bits, level);
	uint64_t gsz = 1ULL << f.g.granule_shift;
	uint64_t limit = s2_geom_ipa_limit(&f.g);
	uint64_t pa_limit = 1ULL << pa_bits;

	/* Empty: nothing translates, not even the last byte. */
	assert_int_equal(fx_translate(&f, 0, NULL), UINT64_MAX);
	assert_int_equal(fx_translate(&f, limit - 1, NULL), UINT64_MAX);

	/* The largest block the layout has below the root, mapped aligned. */
	int blevel = S2_LEVEL_MAX;
	for (int l = S2_LEVEL_MAX; l > f.g.start_level; l--)
		if (s2_geom_leaf_allowed(&f.g, l) &&
		    s2_geom_level_size(&f.g, l) <= limit / 4 &&
		    s2_geom_level_size(&f.g, l) <= pa_limit / 4)
			blevel = l;
	uint64_t bsz = s2_geom_level_size(&f.g, blevel);

	/* Range: one page before a block, the block, two pages after. */
	uint64_t ipa = 2 * bsz - gsz, size = bsz + 3 * gsz;
	if (size < 8 * gsz)
		size = 8 * gsz;
	if (ipa + size > limit)
		ipa = 0, size = bsz;
	/* Congruent to ipa modulo the block; high PAs exercise 52-bit formats. */
	uint64_t mpa = pa_limit / 4 + (ipa & (bsz - 1));
	assert_int_equal(s2_pgtable_map(&f.pt, ipa, size, mpa, S2_PROT_RW, 0), 0);
	expect_range(&f, ipa, size, mpa);
	int got_level;
	uint64_t desc;
	assert_int_equal(s2_pgtable_lookup(&f.pt, (ipa + bsz - 1) & ~(bsz - 1), &desc, &got_level), 0);
	if (size > bsz)
		assert_int_equal(got_level, blevel);
	fx_check_invariants(&f);

	/* Overlap: remap the middle elsewhere with pages, then unmap a hole. */
	uint64_t mid = ipa + gsz * 2;
	assert_int_equal(s2_pgtable_map(&f.pt, mid, 4 * gsz, gsz * 64, S2_PROT_R, 0), 0);
	expect_range(&f, mid, 4 * gsz, gsz * 64);
	expect_range(&f, ipa, 2 * gsz, mpa);
	expect_range(&f, mid + 4 * gsz, size - 6 * gsz, mpa + 6 * gsz);
	assert_int_equal(s2_pgtable_unmap(&f.pt, mid + gsz, gsz), 0);
	assert_int_equal(fx_translate(&f, mid + gsz, NULL), UINT64_MAX);
	expect_range(&f, mid + 2 * gsz, 2 * gsz, gsz * 66);
	fx_check_invariants(&f);

	/* The last, largest page of the IPA space. */
	uint64_t last = limit - gsz;
	assert_int_equal(s2_pgtable_map(&f.pt, last, gsz, pa_limit - gsz, S2_PROT_RW, 0), 0);
	assert_int_equal(fx_translate(&f, limit - 1, NULL), pa_limit - 1);
	assert_int_equal(s2_pgtable_unmap(&f.pt, last, gsz), 0);
	assert_int_equal(fx_translate(&f, limit - 1, NULL), UINT64_MAX);

	/* Unmap everything: only the root remains. */
	assert_int_equal(s2_pgtable_unmap(&f.pt, 0, limit), 0);
	assert_int_equal(fx_check_invariants(&f), 0);
	fx_fini(&f);
}

static void sweep_every_geometry(void **state)
{
	(void)state;
	unsigned int layouts = 0;
	for (unsigned int gi = 0; gi < 3; gi++)
	for (unsigned int pi = 0; pi < 7; pi++)
	for (unsigned int ipa = 25; ipa <= 52; ipa++)
	for (int level = -1; level <= 3; level++) {
		struct s2_geom g;
		if (s2_geom_init(&g, granules[gi], ipa, pas[pi], level))
			continue;
		/* Keep the sweep quick: every layout for 32-52 bits, and the
		 * smallest IPA sizes once per granule and level. */
		if (ipa < 32 && pas[pi] != 32)
			continue;
		print_message("layout %u/%u/%u level %d\n", granules[gi], ipa, pas[pi], level);
		sweep_one(granules[gi], ipa, pas[pi], level);
		layouts++;
	}
	print_message("swept %u layouts\n", layouts);
	assert_true(layouts > 150);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sweep_every_geometry),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

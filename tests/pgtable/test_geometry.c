/* SPDX-License-Identifier: MIT */
/* Stage-2 geometry against the Arm ARM rules, as a table and as properties. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <cmocka.h>

#include <s2mm/arch.h>
#include <s2mm/error.h>
#include <s2mm/geometry.h>

#define AUTO S2_START_LEVEL_AUTO

struct geom_case {
	unsigned int granule, ipa, pa;
	int level_req;
	int ret;
	int level;
	unsigned int concat;
	uint64_t vtcr; /* 0: not checked */
};

/* granule, IPA, PA, requested level -> result, start level, concatenation. */
static const struct geom_case cases[] = {
	/* The seed's layout: 40-bit IPA, level 1, two concatenated pages. */
	{ 4096, 40, 40, AUTO, 0, 1, 2, 0x80023558 },
	{ 4096, 39, 40, AUTO, 0, 1, 1, 0x80023559 },
	{ 4096, 32, 40, AUTO, 0, 2, 4, 0 },
	{ 4096, 25, 32, AUTO, 0, 2, 1, 0 },
	{ 4096, 34, 36, AUTO, 0, 2, 16, 0 },
	{ 4096, 35, 36, AUTO, 0, 1, 1, 0 },
	{ 4096, 43, 44, AUTO, 0, 1, 16, 0 },
	{ 4096, 44, 44, AUTO, 0, 0, 1, 0 },
	{ 4096, 48, 48, AUTO, 0, 0, 1, 0x80053590 },
	/* 52-bit with 4K: FEAT_LPA2, level 0 with 16 concatenated tables. */
	{ 4096, 52, 52, AUTO, 0, 0, 16, 0x18006358c },
	{ 4096, 52, 52, -1, 0, -1, 1, 0x38006350c },
	{ 4096, 48, 48, -1, -S2_ENOTSUP, 0, 0, 0 },
	/* Level 0 needs a PA of at least 44 bits (AArch64.S2InvalidSL). */
	{ 4096, 40, 40, 0, -S2_ENOTSUP, 0, 0, 0 },
	{ 4096, 40, 44, 0, 0, 0, 1, 0 },
	{ 4096, 40, 40, 2, -S2_ENOTSUP, 0, 0, 0 },
	/*
	 * Level 3 with 4K (SL0 = 0b11) needs FEAT_TTST: made when forced,
	 * never picked (25 bits above from level 2). 16 concatenated tables
	 * at most (AArch64.S2InconsistentSL): 26 bits are too many.
	 */
	{ 4096, 25, 32, 3, 0, 3, 16, 0x800035e7 },
	{ 4096, 26, 32, 3, -S2_ENOTSUP, 0, 0, 0 },
	{ 4096, 44, 40, AUTO, -S2_ENOTSUP, 0, 0, 0 },
	{ 16384, 40, 40, AUTO, 0, 2, 16, 0 },
	{ 16384, 41, 42, AUTO, 0, 1, 1, 0 },
	{ 16384, 41, 41 + 1, 2, -S2_ENOTSUP, 0, 0, 0 },
	{ 16384, 48, 48, AUTO, 0, 1, 2, 0 },
	{ 16384, 52, 52, AUTO, 0, 0, 1, 0 },
	{ 16384, 48, 48, 0, -S2_ENOTSUP, 0, 0, 0 },
	{ 16384, 29, 32, AUTO, 0, 3, 16, 0 },
	{ 65536, 40, 40, AUTO, 0, 2, 1, 0x80027558 },
	{ 65536, 32, 32, AUTO, 0, 3, 8, 0 },
	{ 65536, 48, 48, AUTO, 0, 1, 1, 0 },
	{ 65536, 52, 52, AUTO, 0, 1, 1, 0 },
	{ 65536, 46, 42, AUTO, -S2_ENOTSUP, 0, 0, 0 },
	{ 65536, 52, 52, 0, -S2_ENOTSUP, 0, 0, 0 },
	/*
	 * Each edge from both sides. AArch64.S2MinTxSZ: the IPA at most
	 * PAMax (52 bits with 4K/16K only as DS, which a 52-bit PA uses).
	 */
	{ 4096, 44, 44, AUTO, 0, 0, 1, 0 },
	{ 4096, 45, 44, AUTO, -S2_ENOTSUP, 0, 0, 0 },
	{ 16384, 48, 48, AUTO, 0, 1, 2, 0 },
	{ 16384, 49, 48, AUTO, -S2_ENOTSUP, 0, 0, 0 },
	{ 16384, 49, 52, AUTO, 0, 1, 4, 0 },
	{ 65536, 49, 48, AUTO, -S2_ENOTSUP, 0, 0, 0 },
	{ 65536, 49, 52, AUTO, 0, 1, 1, 0 },
	/* AArch64.S2InvalidSL: 16K level 1 needs PAMax >= 42 ... */
	{ 16384, 40, 42, 1, 0, 1, 1, 0 },
	{ 16384, 40, 40, 1, -S2_ENOTSUP, 0, 0, 0 },
	/* ... 64K level 1 PAMax >= 44 (below, 43+ bits exceed PAMax too) ... */
	{ 65536, 44, 44, 1, 0, 1, 1, 0 },
	{ 65536, 43, 42, 1, -S2_ENOTSUP, 0, 0, 0 },
	/* ... 4K level -1 and 16K level 0 DS and PAMax 52. */
	{ 4096, 49, 52, -1, 0, -1, 1, 0 },
	{ 16384, 48, 52, 0, 0, 0, 1, 0 },
	/* AArch64.S2InconsistentSL: 4K level 1 takes 31..43 bits. */
	{ 4096, 43, 44, 1, 0, 1, 16, 0 },
	{ 4096, 44, 44, 1, -S2_ENOTSUP, 0, 0, 0 },
	{ 4096, 31, 32, 1, 0, 1, 1, 0 },
	{ 4096, 30, 32, 1, -S2_ENOTSUP, 0, 0, 0 },
	{ 4096, 48, 52, -1, -S2_ENOTSUP, 0, 0, 0 },
	{ 8192, 40, 40, AUTO, -S2_EINVAL, 0, 0, 0 },
	{ 4096, 24, 32, AUTO, -S2_EINVAL, 0, 0, 0 },
	{ 4096, 53, 52, AUTO, -S2_EINVAL, 0, 0, 0 },
	{ 4096, 40, 38, AUTO, -S2_EINVAL, 0, 0, 0 },
	{ 4096, 40, 40, 4, -S2_EINVAL, 0, 0, 0 },
};

static void geometry_table_of_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct geom_case *c = &cases[i];
		struct s2_geom g = { 0 };
		int ret = s2_geom_init(&g, c->granule, c->ipa, c->pa, c->level_req);
		if (ret != c->ret)
			fail_msg("case %zu (%u/%u/%u/%d): ret %d, want %d", i,
				 c->granule, c->ipa, c->pa, c->level_req, ret, c->ret);
		if (ret)
			continue;
		if (g.start_level != c->level || g.concat != c->concat)
			fail_msg("case %zu: level %d concat %u, want %d %u", i,
				 g.start_level, g.concat, c->level, c->concat);
		if (c->vtcr && g.vtcr != c->vtcr)
			fail_msg("case %zu: vtcr %#llx, want %#llx", i,
				 (unsigned long long)g.vtcr,
				 (unsigned long long)c->vtcr);
	}
}

static const unsigned int pas[] = { 32, 36, 40, 42, 44, 48, 52 };

/* Arm ARM AArch64.S2InconsistentSL, restated for the property check. */
static int resolved_bits(unsigned int gshift, int level)
{
	return (3 - level) * (int)(gshift - 3) + (int)gshift;
}

/*
 * Every granule x IPA x PA x level: a layout that is accepted resolves
 * exactly the IPA size with 1..16 root tables and encodes consistent VTCR
 * fields; AUTO picks the fewest levels among the accepted ones, but for
 * 4K from level 3, which needs FEAT_TTST.
 */
static void geometry_properties_every_combination(void **state)
{
	(void)state;
	static const unsigned int granules[] = { 4096, 16384, 65536 };
	unsigned int accepted = 0;

	for (unsigned int gi = 0; gi < 3; gi++)
	for (unsigned int pi = 0; pi < 7; pi++)
	for (unsigned int ipa = 25; ipa <= 52; ipa++) {
		unsigned int gr = granules[gi], pa = pas[pi];
		unsigned int gshift = gr == 4096 ? 12 : gr == 16384 ? 14 : 16;
		struct s2_geom a;
		int auto_ret = s2_geom_init(&a, gr, ipa, pa, AUTO);
		int deepest = -9;
		for (int level = -1; level <= 3; level++) {
			struct s2_geom g;
			if (s2_geom_init(&g, gr, ipa, pa, level))
				continue;
			accepted++;
			/* AUTO leaves 4K level 3 (FEAT_TTST) to a forced request. */
			if (!(gshift == 12 && level == 3))
				deepest = level;
			assert_true(ipa <= pa);
			assert_int_equal(g.start_level, level);
			assert_true(g.concat >= 1 && g.concat <= 16);
			/* The root resolves exactly the IPA. */
			assert_int_equal(g.root_entries << s2_geom_level_shift(&g, level),
					 1ULL << ipa);
			assert_true((int)ipa > resolved_bits(gshift, level));
			assert_int_equal(g.root_size, (size_t)g.concat << gshift);
			assert_int_equal(S2_FIELD_GET(VTCR_EL2_T0SZ, g.vtcr), 64 - ipa);
			assert_int_equal(S2_FIELD_GET(VTCR_EL2_TG0, g.vtcr),
					 gshift == 12 ? 0 : gshift == 14 ? 2 : 1);
			assert_true(g.vtcr & VTCR_EL2_RES1);
			assert_int_equal(!!(g.vtcr & VTCR_EL2_DS), pa == 52 && gshift != 16);
			/* Leaves: always at level 3; blocks per granule. */
			assert_true(s2_geom_leaf_allowed(&g, 3));
			assert_false(s2_geom_leaf_allowed(&g, -1));
			/* Output addresses round-trip through descriptors. */
			uint64_t oa = ((1ULL << pa) - 1) & ~((1ULL << gshift) - 1);
			assert_int_equal(s2_geom_desc_to_oa(&g, s2_geom_oa_to_desc(&g, oa)), oa);
			assert_int_equal(s2_geom_oa_to_desc(&g, oa) & 3, 0);
		}
		if (deepest == -9) {
			assert_int_not_equal(auto_ret, 0);
		} else {
			assert_int_equal(auto_ret, 0);
			assert_int_equal(a.start_level, deepest);
		}
	}
	/* Sanity: the sweep accepted a reasonable share of layouts. */
	assert_true(accepted > 200);
}

/*
 * Block descriptors by granule and level (Arm ARM D8.3.1,
 * AArch64.BlockDescSupported): 4K at levels 1-2 (0 with DS), 16K at 2 (1 with
 * DS), 64K at 2 (1 with 52-bit PA); pages at level 3 only.
 */
static void geometry_block_levels(void **state)
{
	(void)state;
	static const struct {
		unsigned int granule, ipa, pa;
		bool leaf[5]; /* levels -1..3 */
	} cases[] = {
		{ 4096, 48, 48, { false, false, true, true, true } },
		{ 4096, 52, 52, { false, true, true, true, true } },
		{ 16384, 48, 48, { false, false, false, true, true } },
		{ 16384, 52, 52, { false, false, true, true, true } },
		{ 65536, 48, 48, { false, false, false, true, true } },
		{ 65536, 52, 52, { false, false, true, true, true } },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct s2_geom g;
		assert_int_equal(s2_geom_init(&g, cases[i].granule, cases[i].ipa,
					      cases[i].pa, AUTO), 0);
		for (int level = -1; level <= 3; level++)
			if (s2_geom_leaf_allowed(&g, level) != cases[i].leaf[level + 1])
				fail_msg("granule %u PA %u level %d", cases[i].granule,
					 cases[i].pa, level);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(geometry_table_of_cases),
		cmocka_unit_test(geometry_properties_every_combination),
		cmocka_unit_test(geometry_block_levels),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

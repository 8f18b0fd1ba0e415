/* SPDX-License-Identifier: MIT */
/* Test fixture for the page-table engine: host memory, checks, reference. */
#ifndef S2MM_TEST_PT_FIXTURE_H
#define S2MM_TEST_PT_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <s2mm/arch.h>
#include <s2mm/error.h>
#include <s2mm/geometry.h>
#include <s2mm/host_ops.h>
#include <s2mm/pgtable.h>
#include <s2mm/physmem.h>

#include "tree_check.h"

#define TABLE_MEM_BASE 0x40000000ULL
#define TABLE_MEM_SIZE (512ULL << 20)

struct fx {
	struct s2_physmem *pm;
	struct s2_host_mm hm;
	struct s2_geom g;
	struct s2_pgtable pt;
};

static inline void fx_init(struct fx *f, unsigned int granule,
			   unsigned int ipa, unsigned int pa, int level)
{
	memset(f, 0, sizeof(*f));
	assert_int_equal(s2_physmem_create(&f->pm, TABLE_MEM_BASE, TABLE_MEM_SIZE), 0);
	s2_host_mm_init(&f->hm, f->pm);
	f->hm.poison = true;
	assert_int_equal(s2_geom_init(&f->g, granule, ipa, pa, level), 0);
	assert_int_equal(s2_pgtable_init(&f->pt, &f->g, &f->hm.ops, f), 0);
}

static inline void fx_fini(struct fx *f)
{
	s2_pgtable_destroy(&f->pt);
	/* Destroy gives back every page: nothing leaked. */
	assert_int_equal(s2_physmem_allocated(f->pm), 0);
	s2_host_mm_fini(&f->hm);
	s2_physmem_destroy(f->pm);
}

/*
 * Whole-tree invariant (tree_check.h), and the allocator holds exactly the
 * root plus the reachable tables (no leak). Returns the number of table
 * pages.
 */
static inline uint64_t fx_check_invariants(struct fx *f)
{
	struct tree_check c;
	if (tree_check(&f->pt, f->pm, &c))
		fail_msg("%s", c.why);
	/* Tables are distinct pages: the allocator's count proves no page is
	 * both reachable twice and allocated once. */
	assert_int_equal(s2_physmem_allocated(f->pm),
			 f->g.root_size + (c.tables << f->g.granule_shift));
	return c.tables;
}

/* The PA the tree translates @ipa to, or UINT64_MAX; @prot gets its prot. */
static inline uint64_t fx_translate(struct fx *f, uint64_t ipa, unsigned int *prot)
{
	uint64_t desc;
	int level;
	if (s2_pgtable_lookup(&f->pt, ipa, &desc, &level))
		return UINT64_MAX;
	uint64_t size = s2_geom_level_size(&f->g, level);
	if (prot)
		*prot = s2_pgtable_desc_prot(desc);
	return s2_geom_desc_to_oa(&f->g, desc) + (ipa & (size - 1));
}

#endif

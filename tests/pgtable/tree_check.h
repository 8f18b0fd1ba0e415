/* SPDX-License-Identifier: MIT */
/*
 * Whole-tree invariants of a stage-2 table on the host's simulated memory,
 * shared by the cmocka fixture (fixture.h) and the fuzz targets, which
 * cannot use cmocka's asserts: every table page is reachable once, sits in
 * the window, and its refcount is right for its valid entries (none empty;
 * s2mm/table_rc.h).
 * Counting the pages lets the caller compare them with the allocator's
 * total, which proves no page is reachable twice or leaked.
 */
#ifndef S2MM_TEST_TREE_CHECK_H
#define S2MM_TEST_TREE_CHECK_H

#include <stdint.h>
#include <stdio.h>

#include <s2mm/geometry.h>
#include <s2mm/pgtable.h>
#include <s2mm/physmem.h>
#include <s2mm/table_rc.h>

struct tree_check {
	struct s2_physmem *pm;
	uint64_t tables;      /* table pages reachable from the root */
	uint64_t bad;         /* tables that broke an invariant */
	char why[160];        /* the first one, said */
};

static inline int tree_check_visitor(const struct s2_walk_ctx *ctx,
				     enum s2_walk_flags visit)
{
	struct tree_check *c = ctx->arg;
	const struct s2_geom *g = &ctx->pgt->geom;
	uint64_t pa = s2_geom_desc_to_oa(g, ctx->old);
	uint64_t *t = s2_physmem_va(c->pm, pa, 1ULL << g->granule_shift);
	uint32_t valid = 0, rc;

	(void)visit;
	if (!t || (pa & ((1ULL << g->granule_shift) - 1))) {
		if (!c->bad++)
			snprintf(c->why, sizeof(c->why), "table at %#llx outside the window",
				 (unsigned long long)pa);
		return 0;
	}
	for (uint64_t i = 0; i < (1ULL << g->stride); i++)
		valid += t[i] & 1;
	rc = *s2_physmem_refcount(c->pm, pa);
	if (!s2_table_rc_ok(rc, valid) || valid == 0) {
		if (!c->bad++)
			snprintf(c->why, sizeof(c->why),
				 "table %#llx: refcount %u, valid entries %u",
				 (unsigned long long)pa, rc, valid);
	}
	c->tables++;
	return 0;
}

/*
 * tree_check() - Check @pt's tables; @c->tables receives their number.
 * Return: 0, or -1 with @c->why saying the first broken invariant.
 */
static inline int tree_check(const struct s2_pgtable *pt, struct s2_physmem *pm,
			     struct tree_check *c)
{
	struct s2_walker w = { .cb = tree_check_visitor, .arg = c,
			       .flags = S2_WALK_TABLE_PRE };
	int ret;

	*c = (struct tree_check){ .pm = pm };
	ret = s2_pgtable_walk(pt, 0, s2_geom_ipa_limit(&pt->geom), &w);
	if (ret) {
		snprintf(c->why, sizeof(c->why), "walk failed: %d", ret);
		return -1;
	}
	return c->bad ? -1 : 0;
}

#endif

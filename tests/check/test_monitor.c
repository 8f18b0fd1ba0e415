/* SPDX-License-Identifier: MIT */
/*
 * The break-before-make monitor: each rule broken on purpose must be
 * caught, and the same steps done right must not be. A broken library is
 * played by storing descriptors into a real tree and reporting them as the
 * checked library does; a broken embedder by telling the monitor of
 * barriers and invalidations it leaves out.
 */
#include "pgtable/fixture.h"

#include <s2mm/monitor.h>
#include <s2mm/vmid.h>

#define MAX_SEEN 8
#define RAM_PA 0x80000000ULL

struct seen {
	unsigned int n;
	enum s2_mon_rule rule[MAX_SEEN];
	char msg[MAX_SEEN][256];
};

static void note(void *arg, const struct s2_mon_violation *v)
{
	struct seen *s = arg;

	if (s->n < MAX_SEEN) {
		s->rule[s->n] = v->rule;
		s2_mon_format(v, s->msg[s->n], sizeof(s->msg[0]));
	}
	s->n++;
}

struct mfx {
	struct fx f;
	struct seen seen;
};

static int setup(void **state)
{
	struct mfx *m = calloc(1, sizeof(*m));

	assert_non_null(m);
	fx_init(&m->f, 4096, 40, 40, 1);
	assert_int_equal(s2_host_mm_check(&m->f.hm, note, &m->seen), 0);
	/* The root was ghosted by the monitor s2_host_mm_check() replaced:
	 * start this one with the tree as it stands. */
	s2_pgtable_destroy(&m->f.pt);
	assert_int_equal(s2_pgtable_init(&m->f.pt, &m->f.g, &m->f.hm.ops, &m->f), 0);
	*state = m;
	return 0;
}

static int teardown(void **state)
{
	struct mfx *m = *state;

	fx_fini(&m->f);
	free(m);
	return 0;
}

static struct s2_mon *mon(struct mfx *m)
{
	return m->f.hm.mon;
}

/* What a checked library reports after storing @v at @ptep. */
static void store(struct mfx *m, uint64_t *ptep, uint64_t v)
{
	struct s2_mon_event ev = {
		.kind = S2_MON_WRITE, .pgt = &m->f.pt, .ptep = ptep, .n = 1,
	};

	__atomic_store_n(ptep, v, __ATOMIC_RELEASE);
	s2_mon_event(mon(m), &ev);
}

static void done(struct mfx *m)
{
	struct s2_mon_event ev = { .kind = S2_MON_DONE, .pgt = &m->f.pt };

	s2_mon_event(mon(m), &ev);
}

/* The entry translating @ipa at @level (a table walk by hand). */
static uint64_t *entry(struct mfx *m, uint64_t ipa, int level)
{
	const struct s2_geom *g = &m->f.g;
	uint64_t *t = m->f.pt.root;

	for (int l = g->start_level;; l++) {
		uint64_t idx = (ipa >> s2_geom_level_shift(g, l)) &
			       (l == g->start_level ? g->root_entries - 1 :
				(1ULL << g->stride) - 1);
		if (l == level)
			return &t[idx];
		t = s2_physmem_va(m->f.pm, s2_geom_desc_to_oa(g, t[idx]), 4096);
	}
}

static void expect(struct mfx *m, enum s2_mon_rule rule)
{
	if (m->seen.n != 1 || m->seen.rule[0] != rule)
		fail_msg("expected one %s violation, saw %u (first: %s)",
			 s2_mon_rule_name(rule), m->seen.n,
			 m->seen.n ? m->seen.msg[0] : "none");
	assert_int_equal(s2_mon_violations(mon(m)), 1);
}

static void expect_none(struct mfx *m)
{
	if (m->seen.n)
		fail_msg("expected no violation, saw %u (first: %s)", m->seen.n,
			 m->seen.msg[0]);
}

/* The right invalidation of a 4K leaf, step by step. */
static void tlbi_page(struct mfx *m, uint64_t ipa)
{
	s2_mon_dsb(mon(m), S2_MON_DSB_ISHST);
	s2_mon_tlbi_ipa(mon(m), &m->f.pt, ipa, 3);
	s2_mon_dsb(mon(m), S2_MON_DSB_ISH);
}

static void map_pages(struct mfx *m, uint64_t ipa, uint64_t size)
{
	assert_int_equal(s2_pgtable_map(&m->f.pt, ipa, size, RAM_PA, S2_PROT_RW,
					S2_MAP_PAGES), 0);
}

/* Page 0 mapped, then broken by hand: its entry, with the old leaf in @old. */
static uint64_t *broken_page(struct mfx *m, uint64_t *old)
{
	map_pages(m, 0, 0x1000);
	uint64_t *p = entry(m, 0, 3);
	*old = *p;
	store(m, p, 0);
	return p;
}

/* The library's own operations, checked, break nothing. */
static void library_keeps_every_rule(void **state)
{
	struct mfx *m = *state;

	assert_int_equal(s2_pgtable_map(&m->f.pt, 0, 4 << 20, RAM_PA, S2_PROT_RWX, 0), 0);
	assert_int_equal(s2_pgtable_split(&m->f.pt, 0, 2 << 20, 3), 0);
	assert_int_equal(s2_pgtable_wrprotect(&m->f.pt, 0, 4 << 20), 0);
	assert_int_equal(s2_pgtable_relax(&m->f.pt, 0x3000, S2_PROT_RW), 0);
	assert_int_equal(s2_pgtable_unmap(&m->f.pt, 0x1000, 0x1000), 0);
	/* A block over the split table: break, VMID-wide, make, free. */
	assert_int_equal(s2_pgtable_map(&m->f.pt, 0, 2 << 20, RAM_PA, S2_PROT_RW, 0), 0);
	assert_int_equal(s2_pgtable_unmap(&m->f.pt, 0, 4 << 20), 0);
	expect_none(m);
}

/* Rule: valid -> different valid only through a break. */
static void catches_valid_to_valid(void **state)
{
	struct mfx *m = *state;

	map_pages(m, 0, 0x1000);
	uint64_t *p = entry(m, 0, 3);
	/* Permissions may change in place... */
	store(m, p, *p & ~S2_DESC_S2AP_W);
	tlbi_page(m, 0);
	expect_none(m);
	/* ...the output address may not. */
	store(m, p, *p + 0x1000);
	expect(m, S2_MON_RULE_BBM);
}

/* Rule: the make waits for a completed invalidation of the break. */
static void catches_make_without_tlbi(void **state)
{
	struct mfx *m = *state;

	map_pages(m, 0, 0x2000);
	uint64_t *p = entry(m, 0, 3), *q = entry(m, 0x1000, 3);
	uint64_t v = *p, w = *q;
	store(m, q, 0);
	tlbi_page(m, 0x1000);
	store(m, q, w + 0x10000);
	expect_none(m);
	store(m, p, 0);
	store(m, p, v + 0x10000);
	expect(m, S2_MON_RULE_BBM_INVAL);
}

/* A TLBI by IPA with the wrong level (TTL hint) covers nothing. */
static void catches_tlbi_of_wrong_level(void **state)
{
	struct mfx *m = *state;

	uint64_t v;
	uint64_t *p = broken_page(m, &v);
	s2_mon_dsb(mon(m), S2_MON_DSB_ISHST);
	s2_mon_tlbi_ipa(mon(m), &m->f.pt, 0, 2);
	s2_mon_dsb(mon(m), S2_MON_DSB_ISH);
	store(m, p, v + 0x10000);
	expect(m, S2_MON_RULE_BBM_INVAL);
}

/* Rule: DSB between the store and its TLBI... */
static void catches_tlbi_before_barrier(void **state)
{
	struct mfx *m = *state;

	uint64_t v;
	uint64_t *p = broken_page(m, &v);
	s2_mon_tlbi_ipa(mon(m), &m->f.pt, 0, 3);
	s2_mon_dsb(mon(m), S2_MON_DSB_ISH);
	store(m, p, v + 0x10000);
	expect(m, S2_MON_RULE_TLBI_ORDER);
}

/* ...and a DSB ISH (not ISHST) after it, before the make. */
static void catches_tlbi_not_completed(void **state)
{
	struct mfx *m = *state;

	uint64_t v;
	uint64_t *p = broken_page(m, &v);
	s2_mon_dsb(mon(m), S2_MON_DSB_ISHST);
	s2_mon_tlbi_ipa(mon(m), &m->f.pt, 0, 3);
	s2_mon_dsb(mon(m), S2_MON_DSB_ISHST);
	store(m, p, v + 0x10000);
	expect(m, S2_MON_RULE_TLBI_ORDER);
}

/* Rule: a change returns with its invalidations done (dirty logging). */
static void catches_wrprotect_left_in_tlb(void **state)
{
	struct mfx *m = *state;

	map_pages(m, 0, 0x2000);
	uint64_t *p = entry(m, 0, 3), *q = entry(m, 0x1000, 3);
	store(m, q, *q & ~S2_DESC_S2AP_W);
	tlbi_page(m, 0x1000);
	done(m);
	/* Adding permissions or clearing AF owes nothing. */
	store(m, q, (*q | S2_DESC_S2AP_W) & ~DESC_AF);
	done(m);
	expect_none(m);
	store(m, p, *p & ~S2_DESC_S2AP_W);
	done(m);
	expect(m, S2_MON_RULE_INVAL_OWED);
}

/* Rule: an unlinked table is freed only after a VMID-wide invalidation. */
static void catches_table_freed_early(void **state)
{
	struct mfx *m = *state;
	const struct s2_mm_ops *ops = &m->f.hm.ops;

	map_pages(m, 0, 0x1000);
	map_pages(m, 2 << 20, 0x1000);
	uint64_t *a = entry(m, 0, 2), *b = entry(m, 2 << 20, 2);
	void *ta = s2_physmem_va(m->f.pm, s2_geom_desc_to_oa(&m->f.g, *a), 4096);
	void *tb = s2_physmem_va(m->f.pm, s2_geom_desc_to_oa(&m->f.g, *b), 4096);
	/* Done right: break, VMID-wide TLBI, then free. */
	store(m, a, 0);
	s2_mon_dsb(mon(m), S2_MON_DSB_ISHST);
	s2_mon_tlbi_vmid(mon(m), &m->f.pt);
	s2_mon_dsb(mon(m), S2_MON_DSB_ISH);
	ops->free(ops->ctx, ta, 4096);
	expect_none(m);
	/* By IPA is not enough: the table's walks are cached for all of it. */
	store(m, b, 0);
	s2_mon_dsb(mon(m), S2_MON_DSB_ISHST);
	s2_mon_tlbi_ipa(mon(m), &m->f.pt, 2 << 20, 3);
	s2_mon_dsb(mon(m), S2_MON_DSB_ISH);
	ops->free(ops->ctx, tb, 4096);
	expect(m, S2_MON_RULE_TABLE_FREE);
	/* The tree the test broke by hand is not the library's to free. */
	m->seen.n = 0;
	*a = *b = 0;
}

/* ...and never while it is linked. */
static void catches_linked_table_freed(void **state)
{
	struct mfx *m = *state;
	const struct s2_mm_ops *ops = &m->f.hm.ops;

	map_pages(m, 0, 0x1000);
	uint64_t *a = entry(m, 0, 2);
	void *ta = s2_physmem_va(m->f.pm, s2_geom_desc_to_oa(&m->f.g, *a), 4096);
	ops->free(ops->ctx, ta, 4096);
	expect(m, S2_MON_RULE_TABLE_FREE);
	m->seen.n = 0;
	*a = 0;
}

/* Rule: an unlinked table is linked again only after that invalidation. */
static void catches_table_relinked_early(void **state)
{
	struct mfx *m = *state;

	map_pages(m, 0, 0x1000);
	uint64_t *a = entry(m, 0, 2), *b = entry(m, 2 << 20, 2);
	uint64_t t = *a;
	store(m, a, 0);
	store(m, b, t);
	expect(m, S2_MON_RULE_TABLE_REUSE);
	m->seen.n = 0;
	*b = 0;
	*a = t;
}

/* Rule: a table page is linked at one place only. */
static void catches_table_linked_twice(void **state)
{
	struct mfx *m = *state;

	map_pages(m, 0, 0x1000);
	uint64_t *a = entry(m, 0, 2), *b = entry(m, 2 << 20, 2);
	store(m, b, *a);
	expect(m, S2_MON_RULE_TABLE_REUSE);
	m->seen.n = 0;
	*b = 0;
}

static void vmid(struct mfx *m, const void *vm, uint64_t id, uint64_t gen)
{
	struct s2_mon_event ev = {
		.kind = S2_MON_VMID, .vm = vm, .vmid = id, .generation = gen,
	};

	s2_mon_event(mon(m), &ev);
}

/* Rule: a VMID goes to another VM only after the rollover's flush. */
static void catches_vmid_reused_without_flush(void **state)
{
	struct mfx *m = *state;
	int a = 0, b = 0, c = 0;

	vmid(m, &a, 1, 1);
	vmid(m, &a, 1, 2); /* kept across a rollover: no flush needed */
	s2_mon_tlbi_all(mon(m));
	s2_mon_dsb(mon(m), S2_MON_DSB_ISH);
	vmid(m, &b, 1, 3);
	expect_none(m);
	/* A flush not yet complete does not count. */
	s2_mon_tlbi_all(mon(m));
	vmid(m, &c, 1, 4);
	expect(m, S2_MON_RULE_VMID_REUSE);
}

/* Rule: never one VMID for two VMs in a generation. */
static void catches_vmid_shared(void **state)
{
	struct mfx *m = *state;
	int a = 0, b = 0;

	vmid(m, &a, 5, 1);
	vmid(m, &b, 5, 1);
	expect(m, S2_MON_RULE_VMID_SHARED);
}

/* The real allocator through a rollover keeps the VMID rules. */
static void allocator_keeps_vmid_rules(void **state)
{
	struct mfx *m = *state;
	struct s2_vmid_alloc *a = malloc(sizeof(*a));
	struct s2_vmid vms[300];
	uint16_t id;

	assert_non_null(a);
	assert_int_equal(s2_vmid_init(a, 8, 2, &m->f.hm.ops), 0);
	for (int round = 0; round < 3; round++)
		for (unsigned int i = 0; i < 300; i++) {
			if (!round)
				s2_vmid_vm_init(&vms[i]);
			assert_int_equal(s2_vmid_update(a, &vms[i], i % 2, &id), 0);
		}
	assert_true(s2_vmid_rollovers(a) >= 2);
	expect_none(m);
	free(a);
}

static void formats_without_overflow(void **state)
{
	(void)state;
	struct s2_mon_violation v = {
		.rule = S2_MON_RULE_BBM, .why = "x", .ipa = 0x1234, .level = -1,
		.old = ~0ULL, .new = 1,
	};
	char buf[16];

	assert_int_equal(s2_mon_format(&v, buf, sizeof(buf)), 15);
	assert_string_equal(buf, "bbm: x; ipa 0x1");
	char big[128];
	s2_mon_format(&v, big, sizeof(big));
	assert_string_equal(big, "bbm: x; ipa 0x1234 level -1 at 0x0 old 0xffffffffffffffff new 0x1");
	assert_string_equal(s2_mon_rule_name(S2_MON_RULE_NR), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(library_keeps_every_rule, setup, teardown),
		cmocka_unit_test_setup_teardown(catches_valid_to_valid, setup, teardown),
		cmocka_unit_test_setup_teardown(catches_make_without_tlbi, setup, teardown),
		cmocka_unit_test_setup_teardown(catches_tlbi_of_wrong_level, setup, teardown),
		cmocka_unit_test_setup_teardown(catches_tlbi_before_barrier, setup, teardown),
		cmocka_unit_test_setup_teardown(catches_tlbi_not_completed, setup, teardown),
		cmocka_unit_test_setup_teardown(catches_wrprotect_left_in_tlb, setup, teardown),
		cmocka_unit_test_setup_teardown(catches_table_freed_early, setup, teardown),
		cmocka_unit_test_setup_teardown(catches_linked_table_freed, setup, teardown),
		cmocka_unit_test_setup_teardown(catches_table_relinked_early, setup, teardown),
		cmocka_unit_test_setup_teardown(catches_table_linked_twice, setup, teardown),
		cmocka_unit_test_setup_teardown(catches_vmid_reused_without_flush, setup, teardown),
		cmocka_unit_test_setup_teardown(catches_vmid_shared, setup, teardown),
		cmocka_unit_test_setup_teardown(allocator_keeps_vmid_rules, setup, teardown),
		cmocka_unit_test(formats_without_overflow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

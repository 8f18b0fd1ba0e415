/* SPDX-License-Identifier: MIT */
/*
 * Dirty logging by software, by hardware (FEAT_HAFDBS, VTCR_EL2.HD) and
 * both (the hybrid method), on the same workload: a 16 GiB slot of 4K
 * pages, all mapped writable before logging starts; rounds of guest
 * writes, 90% at random in a hot working set of 64 MiB, the rest a
 * sequential stream through the whole slot (a guest writing a file
 * through its page cache), each round ended by a get-and-clear (a
 * migration's pre-copy).
 *
 * The guest's writes are made as the CPU makes them, through an array of
 * descriptor pointers standing for the TLB: a write through a writable
 * leaf costs nothing here; through a writable-clean one (DBM) the CPU's
 * atomic update (a compare-and-swap); through a write-protected one the
 * whole abort handler for a permission fault. What this does not count is
 * the exception entry and exit a real fault adds (microseconds under a
 * hypervisor: tests/qemu's s2hyp run measures that), so the software
 * method's write phase is a lower bound here.
 *
 * Reports per method: write phase, get-and-clear, faults, pages reported.
 * Goals against the same run: every method reports the same pages; the
 * hardware method's write phase at most the software one's; the hybrid
 * method's write faults at most 0.75 of the software one's (only the first
 * write to a page since its table was last idle faults) and its
 * get-and-clear at most 0.75 of the hardware one's (it scans the tables
 * written lately, not the slot).
 * Usage: bench_dirty [rounds]
 */
#define _POSIX_C_SOURCE 200809L
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <s2mm/arch.h>
#include <s2mm/error.h>
#include <s2mm/host_ops.h>
#include <s2mm/vm.h>
#include "../bench.h"

#define K4 4096ULL
#define G1 (1ULL << 30)
#define SLOT_IPA (4 * G1)
#define SLOT_SIZE (16 * G1)
#define PAGES (SLOT_SIZE / K4)
#define HOT_PAGES (64ULL << 20) / K4
#define WRITES_PER_ROUND 200000

static const char *const names[] = { "software", "hardware", "hybrid" };

struct result {
	double enable, writes, get_clear; /* seconds, all rounds */
	uint64_t faults, reported, digest;
};

struct leaves {
	uint64_t **ptep;
};

static int leaf_visitor(const struct s2_walk_ctx *ctx, enum s2_walk_flags visit)
{
	struct leaves *l = ctx->arg;

	(void)visit;
	if (ctx->level == S2_LEVEL_MAX)
		l->ptep[(ctx->addr - SLOT_IPA) / K4] = ctx->ptep;
	return 0;
}

/* A guest write to @page as the CPU makes it (see the file comment). */
static void guest_write(struct s2_vm *vm, uint64_t **ptep, uint64_t page,
			struct s2_vm_stats *st)
{
	uint64_t *p = ptep[page];
	uint64_t d = __atomic_load_n(p, __ATOMIC_RELAXED);

	if (d & S2_DESC_S2AP_W)
		return;
	if (d & DESC_DBM) {
		/* VTCR_EL2.HD: the dirty state update, atomic. */
		__atomic_fetch_or(p, S2_DESC_S2AP_W, __ATOMIC_RELAXED);
		return;
	}
	uint64_t ipa = SLOT_IPA + page * K4;
	struct s2_abort abt = {
		.esr = (ESR_ELx_EC_DABT_LOW << 26) | ESR_ELx_IL | ESR_ISS_DA_WnR |
		       (FSC_PERMISSION + 3),
		.far = ipa, .hpfar = (ipa >> 12) << 4, .stats = st,
	};
	struct s2_exit x;
	bench_check(s2_vm_handle_abort(vm, &abt, &x), "fault");
}

static void run(enum s2_dirty_log_mode mode, int rounds, struct result *r)
{
	struct s2_physmem *pm;
	struct s2_host_mm hm;
	struct s2_geom g;
	struct s2_vm vm;

	memset(r, 0, sizeof(*r));
	bench_check(s2_physmem_create(&pm, 0x40000000, 128ULL << 20), "physmem");
	s2_host_mm_init(&hm, pm);
	bench_check(s2_geom_init(&g, 4096, 40, 40, S2_START_LEVEL_AUTO), "geometry");
	bench_check(s2_vm_init(&vm, &g, &hm.ops), "vm");
	bench_check(s2_vm_set_hw_update(&vm, S2_HW_DIRTY), "hw update");
	struct s2_memslot slot = { .id = 1, .ipa = SLOT_IPA, .size = SLOT_SIZE, .pa = SLOT_IPA };
	bench_check(s2_vm_slot_add(&vm, &slot), "slot");
	bench_check(s2_pgtable_map(&vm.pgt, SLOT_IPA, SLOT_SIZE, SLOT_IPA, S2_PROT_RWX,
				   S2_MAP_PAGES), "map");
	size_t words = s2_vm_dirty_log_words(&vm, 1, mode);
	uint64_t *bitmap = calloc(words, 8), *out = calloc(PAGES / 64, 8);
	struct leaves l = { calloc(PAGES, sizeof(uint64_t *)) };
	if (!bitmap || !out || !l.ptep)
		bench_check(-S2_ENOMEM, "bitmaps");

	double t0 = bench_now();
	bench_check(s2_vm_dirty_log_enable_mode(&vm, 1, bitmap, words, mode), "enable");
	r->enable = bench_now() - t0;
	/* Pages only, never split again while logging: the pointers hold. */
	const struct s2_walker w = { .cb = leaf_visitor, .arg = &l, .flags = S2_WALK_LEAF };
	bench_check(s2_pgtable_walk(&vm.pgt, SLOT_IPA, SLOT_SIZE, &w), "walk");

	struct s2_vm_stats st = { 0 };
	uint64_t seed = 2026, stream = HOT_PAGES;
	for (int round = 0; round < rounds; round++) {
		t0 = bench_now();
		for (unsigned int i = 0; i < WRITES_PER_ROUND; i++) {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			uint64_t x = seed >> 24;
			uint64_t page = (x >> 4) % HOT_PAGES;
			if (!(x % 10))
				page = stream++ % PAGES;
			guest_write(&vm, l.ptep, page, &st);
		}
		double t1 = bench_now();
		bench_check(s2_vm_dirty_log_get_clear(&vm, 1, out, PAGES / 64), "get-clear");
		r->get_clear += bench_now() - t1;
		r->writes += t1 - t0;
		for (uint64_t i = 0; i < PAGES / 64; i++) {
			r->reported += (uint64_t)__builtin_popcountll(out[i]);
			r->digest = (r->digest ^ out[i]) * 0x100000001b3ULL;
		}
	}
	r->faults = st.permission;
	bench_check(s2_vm_dirty_log_disable(&vm, 1), "disable");
	free(l.ptep);
	free(out);
	free(bitmap);
	s2_vm_destroy(&vm);
	s2_host_mm_reclaim(&hm);
	s2_physmem_destroy(pm);
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 20;
	struct result r[3];

	bench_start("bench_dirty");
	for (unsigned int m = 0; m < 3; m++) {
		run((enum s2_dirty_log_mode)m, rounds, &r[m]);
		printf("%-8s enable %7.2f ms, writes %8.2f ms (%5.1f ns/write), get-and-clear "
		       "%7.3f ms/round, faults %8llu, pages reported %8llu\n",
		       names[m], r[m].enable * 1e3, r[m].writes * 1e3,
		       r[m].writes * 1e9 / ((double)rounds * WRITES_PER_ROUND),
		       r[m].get_clear * 1e3 / rounds, (unsigned long long)r[m].faults,
		       (unsigned long long)r[m].reported);
	}
	bool ok = true;
	ok &= bench_goal("pages reported that differ between the methods",
			 (double)((r[1].digest != r[0].digest) + (r[2].digest != r[0].digest) +
				  (r[1].reported != r[0].reported) + (r[2].reported != r[0].reported)),
			 true, 0.0, "");
	ok &= bench_goal("hardware write phase vs software", r[1].writes / r[0].writes,
			 true, 1.0, "x");
	/* Counted, not timed: here a fault costs the handler only, on a CPU
	 * the exception entry and exit too (the figure that matters). */
	ok &= bench_goal("hybrid write faults vs software", (double)r[2].faults / (double)r[0].faults,
			 true, 0.75, "x");
	ok &= bench_goal("hybrid get-and-clear vs hardware (tables written lately only)",
			 r[2].get_clear / r[1].get_clear, true, 0.75, "x");
	return ok ? 0 : 1;
}

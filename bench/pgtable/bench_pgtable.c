/* SPDX-License-Identifier: MIT */
/*
 * Map, unmap and write-protect 1 GiB at 4K and at 2M granularity, each as a
 * ratio against a memset of the same descriptor and table bytes measured in
 * the same run (goal for mapping 1 GiB of 4K pages: at most 2x).
 *
 * Usage: bench_pgtable [repetitions]   (default 30; the best run counts)
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <s2mm/error.h>
#include "../bench.h"
#include <s2mm/geometry.h>
#include <s2mm/host_ops.h>
#include <s2mm/pgtable.h>
#include <s2mm/physmem.h>

#define GIB (1ULL << 30)
#define IPA_BASE (4 * GIB)
#define PA_BASE (8 * GIB)


/* Best-of-N time of memset over @bytes (in a buffer reused every time). */
static double memset_time(size_t bytes, int reps)
{
	unsigned char *buf = aligned_alloc(4096, bytes);
	volatile unsigned char sink = 0;
	double best = 1e9;
	memset(buf, 1, bytes);
	for (int r = 0; r < reps; r++) {
		double t0 = bench_now();
		memset(buf, r, bytes);
		bench_keep(buf);
		double t = bench_now() - t0;
		sink ^= buf[bytes / 2];
		if (t < best)
			best = t;
	}
	(void)sink;
	free(buf);
	return best;
}

int main(int argc, char **argv)
{
	int reps = argc > 1 ? atoi(argv[1]) : 30;
	struct s2_physmem *pm;
	struct s2_host_mm hm;
	struct s2_geom g;
	struct s2_pgtable pt;

	bench_start("bench_pgtable");
	bench_check(s2_physmem_create(&pm, 0x40000000, 256ULL << 20), "physmem");
	s2_host_mm_init(&hm, pm);
	bench_check(s2_geom_init(&g, 4096, 40, 40, S2_START_LEVEL_AUTO), "geometry");
	bench_check(s2_pgtable_init(&pt, &g, &hm.ops, NULL), "pgtable");

	static const struct { const char *name; unsigned int flags; } modes[] = {
		{ "4K", S2_MAP_PAGES }, { "2M", 0 },
	};
	double goal_map = 0, goal_wp = 0;
	printf("%-22s %12s %12s %8s\n", "operation (1 GiB)", "best (us)", "memset (us)", "ratio");
	for (int m = 0; m < 2; m++) {
		double tmap = 1e9, tunmap = 1e9, twp = 1e9;
		for (int r = 0; r < reps; r++) {
			double t0 = bench_now();
			bench_check(s2_pgtable_map(&pt, IPA_BASE, GIB, PA_BASE, S2_PROT_RW,
					     modes[m].flags), "map");
			double t1 = bench_now();
			bench_check(s2_pgtable_wrprotect(&pt, IPA_BASE, GIB), "wrprotect");
			double t2 = bench_now();
			bench_check(s2_pgtable_unmap(&pt, IPA_BASE, GIB), "unmap");
			double t3 = bench_now();
			if (t1 - t0 < tmap) tmap = t1 - t0;
			if (t2 - t1 < twp) twp = t2 - t1;
			if (t3 - t2 < tunmap) tunmap = t3 - t2;
		}
		/* The bytes a 1 GiB mapping occupies: the level-2 table, plus
		 * 512 level-3 tables for pages. */
		size_t bytes = 4096 + (modes[m].flags ? 512 * 4096 : 0);
		double base = memset_time(bytes, reps * 4);
		const char *ops[] = { "map", "write-protect", "unmap" };
		double ts[] = { tmap, twp, tunmap };
		for (int o = 0; o < 3; o++) {
			char label[64];
			snprintf(label, sizeof(label), "%s %s", ops[o], modes[m].name);
			printf("%-22s %12.1f %12.1f %8.2f\n", label, ts[o] * 1e6,
			       base * 1e6, ts[o] / base);
		}
		if (modes[m].flags) {
			goal_map = tmap / base;
			goal_wp = twp / base;
		}
	}
	/* For comparison: allocating the same 513 pages zeroed (ops->zalloc),
	 * which map avoids when the embedder offers ops->alloc. */
	double talloc = 1e9;
	static void *pages[513];
	for (int r = 0; r < reps; r++) {
		double t0 = bench_now();
		for (int i = 0; i < 513; i++)
			pages[i] = hm.ops.zalloc(hm.ops.ctx, 4096);
		double t = bench_now() - t0;
		for (int i = 0; i < 513; i++)
			hm.ops.free(hm.ops.ctx, pages[i], 4096);
		if (t < talloc)
			talloc = t;
	}
	double base = memset_time(513 * 4096, reps * 4);
	printf("%-22s %12.1f %12.1f %8.2f\n", "513 pages by zalloc", talloc * 1e6,
	       base * 1e6, talloc / base);
	bench_goal("map 1 GiB of 4K pages vs memset of its table bytes", goal_map, true, 2.0, "x");
	bench_goal("write-protect that 1 GiB vs the same memset", goal_wp, true, 2.0, "x");
	s2_pgtable_destroy(&pt);
	s2_physmem_destroy(pm);
	return 0;
}

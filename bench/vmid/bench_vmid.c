/* SPDX-License-Identifier: MIT */
/*
 * VMID allocator benchmarks, each against a baseline measured in the same
 * run:
 *  fast     s2_vmid_update() for a VM of the current generation (same VM
 *           again, and two VMs alternating on one CPU), vs one plain
 *           atomic compare-and-swap of a 64-bit word in the same loop;
 *  slow     first run of a new VM (lock, bitmap search), no rollover;
 *  rollover the update that finds the space spent: new generation with 4
 *           CPUs (3 others running VMs whose VMIDs are kept), one tlbi_all
 *           (the host op: a counter), for 8- and 16-bit VMIDs.
 *
 * Usage: bench_vmid [fast-iterations]    (default 50,000,000)
 *        bench_vmid --callgrind [N]      (fast path only, for
 *        valgrind --tool=callgrind --toggle-collect=s2_vmid_update)
 */
#define _POSIX_C_SOURCE 200809L
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <s2mm/host_ops.h>
#include <s2mm/physmem.h>
#include <s2mm/vmid.h>

#include "../bench.h"

enum { REPEAT = 7, NCPU = 4 };

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static double median(uint64_t *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	return n % 2 ? (double)v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

static struct s2_physmem *pm;
static struct s2_host_mm hm;
static struct s2_vmid_alloc alloc;
static _Atomic uint64_t word;
static volatile uint16_t sink;

/* Baseline: one successful 64-bit CAS per iteration, as the fast path. */
static __attribute__((noinline)) uint64_t base_cas(uint64_t n)
{
	uint64_t t0 = now_ns();

	for (uint64_t i = 0; i < n; i++) {
		uint64_t old =
		    atomic_load_explicit(&word, memory_order_relaxed);

		atomic_compare_exchange_strong_explicit(&word, &old, i | 1,
							memory_order_relaxed,
							memory_order_relaxed);
	}
	return now_ns() - t0;
}

static __attribute__((noinline)) uint64_t fast_same(struct s2_vmid *vm,
						    uint64_t n)
{
	uint16_t t = 0;
	uint64_t t0 = now_ns();

	for (uint64_t i = 0; i < n; i++)
		s2_vmid_update(&alloc, vm, 0, &t);
	sink = t;
	return now_ns() - t0;
}

static __attribute__((noinline)) uint64_t fast_alt(struct s2_vmid *vms,
						   uint64_t n)
{
	uint16_t t = 0;
	uint64_t t0 = now_ns();

	for (uint64_t i = 0; i < n; i++)
		s2_vmid_update(&alloc, &vms[i & 1], 0, &t);
	sink = t;
	return now_ns() - t0;
}

static void bench_fast(uint64_t n)
{
	struct s2_vmid vms[2] = {S2_VMID_INIT, S2_VMID_INIT};
	uint64_t tb[REPEAT], ts[REPEAT], ta[REPEAT];
	uint16_t t;

	s2_vmid_init(&alloc, 16, NCPU, &hm.ops);
	s2_vmid_update(&alloc, &vms[0], 0, &t);
	s2_vmid_update(&alloc, &vms[1], 0, &t);
	for (int r = 0; r < REPEAT; r++) {
		tb[r] = base_cas(n);
		ts[r] = fast_same(&vms[0], n);
		ta[r] = fast_alt(vms, n);
	}
	double b = median(tb, REPEAT) / (double)n;
	double s = median(ts, REPEAT) / (double)n;
	double a = median(ta, REPEAT) / (double)n;

	printf("fast path (median of %d x %llu calls):\n", REPEAT,
	       (unsigned long long)n);
	printf("  baseline atomic CAS          %6.2f ns\n", b);
	printf("  update, same VM              %6.2f ns   ratio %.2fx\n", s,
	       s / b);
	printf("  update, 2 VMs alternating    %6.2f ns   ratio %.2fx\n", a,
	       a / b);
	if (s2_vmid_rollovers(&alloc) != 0)
		printf("  (unexpected rollover)\n");
}

/* Cost of one clock_gettime pair, subtracted from per-call samples. */
static double clock_overhead(void)
{
	uint64_t v[10001];

	for (int i = 0; i < 10001; i++) {
		uint64_t t0 = now_ns();

		v[i] = now_ns() - t0;
	}
	return median(v, 10001);
}

static void bench_slow_and_rollover(unsigned int bits, unsigned int rollovers)
{
	enum { POOL = 1024 };
	static struct s2_vmid pool[POOL], running[NCPU];
	size_t max_roll = rollovers, max_slow = 200000;
	uint64_t *roll = calloc(max_roll, sizeof(*roll));
	uint64_t *slow = calloc(max_slow, sizeof(*slow));
	size_t nroll = 0, nslow = 0;
	double ovh = clock_overhead();
	uint64_t flushes0 = hm.tlbi_all;
	uint16_t t;

	s2_vmid_init(&alloc, bits, NCPU, &hm.ops);
	/* CPUs 1..3 run a VM each, through every rollover. */
	for (unsigned int c = 1; c < NCPU; c++) {
		s2_vmid_vm_init(&running[c]);
		s2_vmid_update(&alloc, &running[c], c, &t);
	}
	/* CPU 0 runs VMs never seen before until @rollovers rollovers. */
	for (uint64_t i = 0; nroll < max_roll; i++) {
		struct s2_vmid *vm = &pool[i % POOL];
		uint64_t before = s2_vmid_rollovers(&alloc);

		s2_vmid_vm_init(vm); /* a fresh VM in a recycled slot */
		uint64_t t0 = now_ns();
		s2_vmid_update(&alloc, vm, 0, &t);
		uint64_t dt = now_ns() - t0;

		if (s2_vmid_rollovers(&alloc) != before)
			roll[nroll++] = dt;
		else if (nslow < max_slow)
			slow[nslow++] = dt;
	}
	double sl = median(slow, nslow) - ovh, ro = median(roll, nroll) - ovh;

	printf("%2u-bit, %d CPUs (clock overhead %.0f ns subtracted):\n", bits,
	       NCPU, ovh);
	printf("  slow path, new VM            %6.0f ns   (median of %zu)\n",
	       sl, nslow);
	printf("  rollover                     %6.0f ns   (median of %zu; %llu "
	       "tlbi_all)\n",
	       ro, nroll, (unsigned long long)(hm.tlbi_all - flushes0));
	/* The running VMs kept their VMIDs. */
	for (unsigned int c = 1; c < NCPU; c++) {
		s2_vmid_update(&alloc, &running[c], c, &t);
		if (t != c)
			printf("  ERROR: CPU %u's VM lost VMID %u (now %u)\n",
			       c, c, t);
	}
	free(roll);
	free(slow);
}

int main(int argc, char **argv)
{
	uint64_t n = 50000000;
	int callgrind = argc > 1 && strcmp(argv[1], "--callgrind") == 0;

	if (argc > 1 + callgrind)
		n = strtoull(argv[1 + callgrind], NULL, 0);
	bench_start("bench_vmid");
	if (s2_physmem_create(&pm, 0x40000000, 1 << 20))
		return 1;
	s2_host_mm_init(&hm, pm);

	if (callgrind) {
		struct s2_vmid vms[2] = {S2_VMID_INIT, S2_VMID_INIT};
		uint16_t t;

		s2_vmid_init(&alloc, 16, NCPU, &hm.ops);
		s2_vmid_update(&alloc, &vms[0], 0, &t);
		s2_vmid_update(&alloc, &vms[1], 0, &t);
		fast_alt(vms, n ? n : 1000000);
		return 0;
	}
	bench_fast(n);
	bench_slow_and_rollover(8, 20000);
	bench_slow_and_rollover(16, 200);
	s2_physmem_destroy(pm);
	return 0;
}

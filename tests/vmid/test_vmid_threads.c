/* SPDX-License-Identifier: MIT */
/*
 * The VMID allocator under real concurrency: one thread per simulated CPU,
 * each running random VMs through s2_vmid_update() (fast and slow path,
 * rollovers racing with fast paths). Meant to be run under TSan
 * (cmake -DS2MM_TSAN=ON) as well as plainly.
 *
 * Invariant checked at every "run": while a CPU runs VM v with tag t, no
 * other CPU runs a different VM with tag t. Each tag has an owner word
 * (VM + 1, number of CPUs running it) updated by compare-and-swap; a CPU
 * that finds another VM there has caught two VMs sharing a VMID.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include <s2mm/error.h>
#include <s2mm/host_ops.h>
#include <s2mm/physmem.h>
#include <s2mm/vmid.h>

enum { NTHREADS = 4, NVM = 600, HOT = 4 };

#ifdef __SANITIZE_THREAD__
#define ITERS 300000
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define ITERS 300000
#endif
#endif
#ifndef ITERS
#define ITERS 3000000
#endif

struct shared {
	struct s2_physmem *pm;
	struct s2_host_mm hm;
	struct s2_vmid_alloc a;
	struct s2_vmid vms[NVM];
	_Atomic uint64_t owner[1u << 16];
	atomic_ulong violations, zero_vmids, errors, runs;
	unsigned int bits;
	int hot_only;
};

struct worker {
	struct shared *s;
	unsigned int cpu;
	uint64_t rng;
	pthread_t tid;
};

static uint64_t xorshift(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* Take tag @t for VM @vm; false if another VM holds it. */
static bool own(struct shared *s, uint16_t t, unsigned int vm)
{
	uint64_t cur = atomic_load(&s->owner[t]);
	uint64_t want;

	do {
		uint64_t who = cur >> 32;

		if (who != 0 && who != vm + 1)
			return false;
		want = ((uint64_t)(vm + 1) << 32) | ((cur & 0xffffffff) + 1);
	} while (!atomic_compare_exchange_weak(&s->owner[t], &cur, want));
	return true;
}

static void disown(struct shared *s, uint16_t t)
{
	uint64_t cur = atomic_load(&s->owner[t]);
	uint64_t want;

	do {
		uint64_t n = (cur & 0xffffffff) - 1;

		want = n ? (cur & ~UINT64_C(0xffffffff)) | n : 0;
	} while (!atomic_compare_exchange_weak(&s->owner[t], &cur, want));
}

static void *cpu_loop(void *arg)
{
	struct worker *w = arg;
	struct shared *s = w->s;

	for (int i = 0; i < ITERS; i++) {
		uint64_t r = xorshift(&w->rng);
		unsigned int vm = s->hot_only || (r & 7) == 0
				      ? (unsigned int)(r >> 8) % HOT
				      : (unsigned int)(r >> 8) % NVM;
		uint16_t t = 0;

		if (s2_vmid_update(&s->a, &s->vms[vm], w->cpu, &t)) {
			atomic_fetch_add(&s->errors, 1);
			continue;
		}
		if (t == 0)
			atomic_fetch_add(&s->zero_vmids, 1);
		if (!own(s, t, vm)) {
			atomic_fetch_add(&s->violations, 1);
		} else {
			/* "Run" the guest for a moment, then exit. */
			for (volatile int k = 0; k < (int)(r >> 60); k++)
				;
			disown(s, t);
		}
		atomic_fetch_add_explicit(&s->runs, 1, memory_order_relaxed);
		if ((r >> 40) & 1)
			s2_vmid_clear_active(&s->a, w->cpu);
	}
	return NULL;
}

static void run_threads(struct shared *s)
{
	struct worker w[NTHREADS];

	for (unsigned int c = 0; c < NTHREADS; c++) {
		w[c] = (struct worker){
		    .s = s, .cpu = c, .rng = 0x9e3779b97f4a7c15ULL * (c + 1)};
		assert_int_equal(
		    pthread_create(&w[c].tid, NULL, cpu_loop, &w[c]), 0);
	}
	for (unsigned int c = 0; c < NTHREADS; c++)
		assert_int_equal(pthread_join(w[c].tid, NULL), 0);
}

static struct shared *make(unsigned int bits, int hot_only)
{
	struct shared *s = calloc(1, sizeof(*s));

	assert_non_null(s);
	assert_int_equal(s2_physmem_create(&s->pm, 0x40000000, 1 << 20), 0);
	s2_host_mm_init(&s->hm, s->pm);
	assert_int_equal(s2_vmid_init(&s->a, bits, NTHREADS, &s->hm.ops), 0);
	for (int i = 0; i < NVM; i++)
		s2_vmid_vm_init(&s->vms[i]);
	s->bits = bits;
	s->hot_only = hot_only;
	return s;
}

static void check_and_free(struct shared *s, const char *what)
{
	uint64_t rolls = s2_vmid_rollovers(&s->a);

	print_message(
	    "%s: %d threads x %d runs, %llu rollovers, %llu tlbi_all\n", what,
	    NTHREADS, ITERS, (unsigned long long)rolls,
	    (unsigned long long)s->hm.tlbi_all);
	assert_int_equal(atomic_load(&s->errors), 0);
	assert_int_equal(atomic_load(&s->zero_vmids), 0);
	assert_int_equal(atomic_load(&s->violations), 0);
	assert_int_equal(atomic_load(&s->runs),
			 (unsigned long)NTHREADS * ITERS);
	assert_int_equal(s->hm.tlbi_all, rolls);
	s2_host_mm_fini(&s->hm);
	s2_physmem_destroy(s->pm);
	free(s);
}

/* 8-bit VMIDs, 600 VMs on 4 CPUs: rollovers race with fast paths. */
static void vmid_threads_8bit_rollovers(void **state)
{
	(void)state;
	struct shared *s = make(8, 0);

	run_threads(s);
	assert_true(s2_vmid_rollovers(&s->a) > 0);
	check_and_free(s, "8-bit, 600 VMs");
}

/* 16-bit VMIDs, 600 VMs: no rollover, mostly fast paths. */
static void vmid_threads_16bit_no_rollover(void **state)
{
	(void)state;
	struct shared *s = make(16, 0);

	run_threads(s);
	assert_int_equal(s2_vmid_rollovers(&s->a), 0);
	check_and_free(s, "16-bit, 600 VMs");
}

/* A few VMs, each with vCPUs on every CPU: fast path everywhere. */
static void vmid_threads_hot_vms_share(void **state)
{
	(void)state;
	struct shared *s = make(8, 1);

	run_threads(s);
	assert_int_equal(s2_vmid_rollovers(&s->a), 0);
	for (unsigned int v = 0; v < HOT; v++) {
		uint16_t t;

		assert_true(s2_vmid_is_current(&s->a, &s->vms[v], &t));
		for (unsigned int u = 0; u < v; u++) {
			uint16_t o;

			assert_true(s2_vmid_is_current(&s->a, &s->vms[u], &o));
			assert_int_not_equal(o, t);
		}
	}
	check_and_free(s, "4 hot VMs");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(vmid_threads_8bit_rollovers),
	    cmocka_unit_test(vmid_threads_16bit_no_rollover),
	    cmocka_unit_test(vmid_threads_hot_vms_share),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

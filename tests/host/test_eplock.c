/* SPDX-License-Identifier: MIT */
/*
 * The per-vCPU reader/writer lock (host/eplock.c): writers exclude readers
 * and each other, readers do not exclude each other, bad arguments are
 * refused. The stress test's shared data is plain (non-atomic) memory:
 * only the lock orders it, so a lost update or a torn read is the lock's
 * fault, and TSan (ctest -L concurrency in its build) sees any race.
 *
 * Built a second time per deliberate bug of eplock.c (S2_EPLOCK_BUG_*):
 * those builds must fail writer_excludes_readers with "a writer overlapped
 * a reader" (tests/host/CMakeLists.txt checks the message).
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <cmocka.h>

#include <s2mm/eplock.h>
#include <s2mm/error.h>

#define READERS 2
#if defined(S2_EPLOCK_BUG_NO_FENCE) || defined(S2_EPLOCK_BUG_NO_WAIT)
/* A broken lock: every critical section yields in its window, the one
 * writer gives the readers a turn after each (two writers handing the lock
 * to each other kept the flag set, and the readers out, for whole runs),
 * and the run is long but ends at the first overlap, so that the bug shows
 * every time. */
#define WRITERS 1
#define WRITES 1000000  /* per writer */
#define YIELD_EVERY 1
#define YIELD_AFTER 1
#else
#define WRITERS 2
#define WRITES 20000
#define YIELD_EVERY 4
#define YIELD_AFTER 0
#endif

static struct s2_eplock lock;
/* Written under the write lock only; a and b always equal outside it. */
static uint64_t data_a, data_b;
static atomic_bool stop;
static atomic_ulong overlaps, reads;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void *writer(void *arg)
{
	(void)arg;
	for (unsigned int i = 0; i < WRITES && !atomic_load(&stop); i++) {
		s2_eplock_write_lock(&lock);
		uint64_t x = data_a;
		data_a = x + 1;
		/* The window a reader or another writer would show up in. */
		if (i % YIELD_EVERY == 0)
			sched_yield();
		data_b = x + 1;
		s2_eplock_write_unlock(&lock);
		if (YIELD_AFTER)
			sched_yield();
	}
	return NULL;
}

static void *reader(void *arg)
{
	unsigned int slot = (unsigned int)(uintptr_t)arg;
	for (unsigned int i = 0; !atomic_load(&stop); i++) {
		assert_int_equal(s2_eplock_read_lock(&lock, slot), 0);
		uint64_t a = data_a;
		if (i % YIELD_EVERY == 0)
			sched_yield();
		uint64_t b = data_b, a2 = data_a;
		assert_int_equal(s2_eplock_read_unlock(&lock, slot), 0);
		atomic_fetch_add_explicit(&reads, 1, memory_order_relaxed);
		if (a != b || a != a2) {
			atomic_fetch_add(&overlaps, 1);
			atomic_store(&stop, true);
		}
	}
	return NULL;
}

static void writer_excludes_readers(void **state)
{
	(void)state;
	pthread_t r[READERS], w[WRITERS];

	assert_int_equal(s2_eplock_init(&lock, READERS), 0);
	data_a = data_b = 0;
	atomic_store(&stop, false);
	for (int i = 0; i < READERS; i++)
		assert_int_equal(pthread_create(&r[i], NULL, reader, (void *)(uintptr_t)i), 0);
	for (int i = 0; i < WRITERS; i++)
		assert_int_equal(pthread_create(&w[i], NULL, writer, NULL), 0);
	for (int i = 0; i < WRITERS; i++)
		pthread_join(w[i], NULL);
	atomic_store(&stop, true);
	for (int i = 0; i < READERS; i++)
		pthread_join(r[i], NULL);
	if (atomic_load(&overlaps))
		fail_msg("a writer overlapped a reader: it saw a half-done write");
	/* Writers against each other: no increment lost. */
	if (data_a != (uint64_t)WRITERS * WRITES)
		fail_msg("writers overlapped: %llu of %u increments", (unsigned long long)data_a,
			 WRITERS * WRITES);
	assert_true(atomic_load(&reads) > 0);
	print_message("%lu reads, %llu writes\n", atomic_load(&reads),
		      (unsigned long long)data_a);
	s2_eplock_destroy(&lock);
}

/* Two readers inside at once: each waits for the other there. */
static atomic_int inside;

static void *meet(void *arg)
{
	unsigned int slot = (unsigned int)(uintptr_t)arg;
	bool met = false;

	assert_int_equal(s2_eplock_read_lock(&lock, slot), 0);
	atomic_fetch_add(&inside, 1);
	for (double t0 = now(); now() - t0 < 10;) {
		if (atomic_load(&inside) == 2) {
			met = true;
			break;
		}
		sched_yield();
	}
	/* Nesting on one's own slot works too. */
	assert_int_equal(s2_eplock_read_lock(&lock, slot), 0);
	assert_int_equal(s2_eplock_read_unlock(&lock, slot), 0);
	assert_int_equal(s2_eplock_read_unlock(&lock, slot), 0);
	return (void *)(uintptr_t)met;
}

static void readers_share(void **state)
{
	(void)state;
	pthread_t t[2];
	void *met[2];

	assert_int_equal(s2_eplock_init(&lock, 2), 0);
	atomic_store(&inside, 0);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, meet, (void *)(uintptr_t)i), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], &met[i]);
	assert_true(met[0] && met[1]);
	s2_eplock_destroy(&lock);
}

/* A writer waits for a reader inside, and gets in once it leaves. */
static atomic_bool wrote;

static void *write_once(void *arg)
{
	(void)arg;
	s2_eplock_write_lock(&lock);
	atomic_store(&wrote, true);
	s2_eplock_write_unlock(&lock);
	return NULL;
}

static void writer_waits_for_reader(void **state)
{
	(void)state;
	pthread_t t;
	struct timespec ms50 = { 0, 50 * 1000 * 1000 };

	assert_int_equal(s2_eplock_init(&lock, 3), 0);
	atomic_store(&wrote, false);
	assert_int_equal(s2_eplock_read_lock(&lock, 2), 0);
	assert_int_equal(pthread_create(&t, NULL, write_once, NULL), 0);
	nanosleep(&ms50, NULL);
	assert_false(atomic_load(&wrote));
	assert_int_equal(s2_eplock_read_unlock(&lock, 2), 0);
	pthread_join(t, NULL);
	assert_true(atomic_load(&wrote));
	/* The slots are lines of their own. */
	assert_int_equal((uintptr_t)&lock.slots[1] - (uintptr_t)&lock.slots[0], S2_EPLOCK_LINE);
	assert_int_equal((uintptr_t)&lock.slots[0] % S2_EPLOCK_LINE, 0);
	s2_eplock_destroy(&lock);
}

static void bad_arguments(void **state)
{
	(void)state;
	struct s2_eplock l;

	assert_int_equal(s2_eplock_init(NULL, 1), -S2_EINVAL);
	assert_int_equal(s2_eplock_init(&l, 0), -S2_EINVAL);
	assert_int_equal(s2_eplock_init(&l, S2_EPLOCK_MAX_SLOTS + 1), -S2_EINVAL);
	assert_int_equal(s2_eplock_init(&l, 4), 0);
	assert_int_equal(s2_eplock_read_lock(&l, 4), -S2_EINVAL);
	assert_int_equal(s2_eplock_read_unlock(&l, 4), -S2_EINVAL);
	/* Releasing a slot that holds nothing is refused, not wrapped. */
	assert_int_equal(s2_eplock_read_unlock(&l, 0), -S2_EINVAL);
	/* Nothing was taken by the refused calls: a writer gets in. */
	s2_eplock_write_lock(&l);
	s2_eplock_write_unlock(&l);
	s2_eplock_destroy(&l);
	assert_int_equal(s2_eplock_init(&l, S2_EPLOCK_MAX_SLOTS), 0);
	s2_eplock_destroy(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bad_arguments),
		cmocka_unit_test(readers_share),
		cmocka_unit_test(writer_waits_for_reader),
		cmocka_unit_test(writer_excludes_readers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/*
 * The per-vCPU reader/writer lock (internal/s2mm/eplock.h).
 *
 * Why it is correct: the store-buffering (Dekker) pattern.
 *
 *   reader on slot s                  writer
 *   held[s] = 1       (relaxed)       writer = 1          (relaxed)
 *   fence(seq_cst)                    fence(seq_cst)
 *   load writer       (acquire)       load held[i], all i (acquire)
 *
 * Without the fences each side's load may be satisfied before its own
 * store is visible to the other (x86's store buffer does exactly that; so
 * do Arm and POWER), and both would see 0 and both enter. With them, the
 * two seq_cst fences are ordered in the single total order S: if the
 * reader's comes first, the writer's later load of held[s] sees 1 (C11
 * 7.17.3, the rule for a store before one seq_cst fence and a load after
 * another that follows it in S), and the writer waits; if the writer's
 * comes first, the reader sees writer = 1 and backs off. At least one
 * sees the other.
 *
 * Why the critical sections are ordered: a reader leaves with a release
 * store of held[s] = 0 that the writer's acquire load reads; the writer
 * leaves with a release store of writer = 0 that a reader's acquire load
 * reads. A reader that saw writer = 0 before any writer came needs no
 * edge: that writer then waits for it.
 *
 * ThreadSanitizer does not model a standalone fence, and would take the
 * relaxed store for a race-free but unordered one: under it the two
 * accesses on each side are seq_cst themselves (the same argument, through
 * S directly), which costs an xchg on the fast path there only.
 */
#define _POSIX_C_SOURCE 200809L /* sched_yield */
#include <sched.h>
#include <stdlib.h>

#include <s2mm/eplock.h>
#include <s2mm/error.h>

#if defined(__SANITIZE_THREAD__)
#define EPLOCK_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define EPLOCK_TSAN 1
#endif
#endif

#ifdef EPLOCK_TSAN
#define ANNOUNCE memory_order_seq_cst   /* the store each side makes */
#define OBSERVE memory_order_seq_cst    /* the load each side makes */
#define FENCE() ((void)0)
#else
#define ANNOUNCE memory_order_relaxed
#define OBSERVE memory_order_acquire
#define FENCE() atomic_thread_fence(memory_order_seq_cst)
#endif

/*
 * Deliberate bugs, for tests/host only (each must make test_eplock fail):
 *  S2_EPLOCK_BUG_NO_FENCE: the reader's fence is gone. The load of the
 *    writer flag may then complete before the slot's store is visible; the
 *    bug build does them in that order, so the test sees it every run and
 *    not once a week.
 *  S2_EPLOCK_BUG_NO_WAIT: the writer does not wait for the readers.
 * WINDOW() widens the window the bug opens, in those builds only.
 */
#if defined(S2_EPLOCK_BUG_NO_FENCE) || defined(S2_EPLOCK_BUG_NO_WAIT)
#define WINDOW() sched_yield()
#else
#define WINDOW() ((void)0)
#endif

/* Spin a little, then give the CPU away: a vCPU thread may be waiting
 * for one the host's scheduler has preempted. */
static void wait_a_bit(unsigned int *spins)
{
	if (++*spins < 64) {
#if defined(__x86_64__) || defined(__i386__)
		__builtin_ia32_pause();
#elif defined(__aarch64__)
		__asm__ volatile("yield");
#endif
		return;
	}
	*spins = 0;
	sched_yield();
}

int s2_eplock_init(struct s2_eplock *l, unsigned int nslots)
{
	if (!l || nslots == 0 || nslots > S2_EPLOCK_MAX_SLOTS)
		return -S2_EINVAL;
	l->slots = aligned_alloc(S2_EPLOCK_LINE, sizeof(*l->slots) * nslots);
	if (!l->slots)
		return -S2_ENOMEM;
	if (pthread_mutex_init(&l->writers, NULL)) {
		free(l->slots);
		l->slots = NULL;
		return -S2_ENOMEM;
	}
	for (unsigned int i = 0; i < nslots; i++)
		atomic_init(&l->slots[i].held, 0);
	atomic_init(&l->writer, 0);
	l->nslots = nslots;
	return 0;
}

void s2_eplock_destroy(struct s2_eplock *l)
{
	pthread_mutex_destroy(&l->writers);
	free(l->slots);
	l->slots = NULL;
	l->nslots = 0;
}

int s2_eplock_read_lock(struct s2_eplock *l, unsigned int slot)
{
	if (slot >= l->nslots)
		return -S2_EINVAL;
	atomic_uint *held = &l->slots[slot].held;
	/* Only this slot's owner writes it: a load and a store, no RMW. */
	unsigned int n = atomic_load_explicit(held, memory_order_relaxed);
	if (n) {
		/* Nested: no writer can be inside, nor get in, while we hold. */
		atomic_store_explicit(held, n + 1, memory_order_relaxed);
		return 0;
	}
	for (;;) {
#ifdef S2_EPLOCK_BUG_NO_FENCE
		unsigned int w = atomic_load_explicit(&l->writer, OBSERVE);
		WINDOW();
		atomic_store_explicit(held, 1, ANNOUNCE);
		if (!w)
			return 0;
#else
		atomic_store_explicit(held, 1, ANNOUNCE);
		FENCE();
		if (!atomic_load_explicit(&l->writer, OBSERVE))
			return 0;
#endif
		/* A writer holds or wants the lock: step aside (it may be
		 * waiting for this very slot), wait until it is done. */
		atomic_store_explicit(held, 0, memory_order_release);
		unsigned int spins = 0;
		while (atomic_load_explicit(&l->writer, memory_order_relaxed))
			wait_a_bit(&spins);
	}
}

int s2_eplock_read_unlock(struct s2_eplock *l, unsigned int slot)
{
	if (slot >= l->nslots)
		return -S2_EINVAL;
	atomic_uint *held = &l->slots[slot].held;
	unsigned int n = atomic_load_explicit(held, memory_order_relaxed);
	if (!n)
		return -S2_EINVAL;
	/* Release: the critical section happens before the writer that
	 * reads this 0. */
	atomic_store_explicit(held, n - 1, memory_order_release);
	return 0;
}

void s2_eplock_write_lock(struct s2_eplock *l)
{
	pthread_mutex_lock(&l->writers);
	atomic_store_explicit(&l->writer, 1, ANNOUNCE);
	FENCE();
#ifdef S2_EPLOCK_BUG_NO_WAIT
	WINDOW();
#else
	for (unsigned int i = 0; i < l->nslots; i++) {
		unsigned int spins = 0;
		while (atomic_load_explicit(&l->slots[i].held, OBSERVE))
			wait_a_bit(&spins);
	}
#endif
}

void s2_eplock_write_unlock(struct s2_eplock *l)
{
	/* Release: the critical section happens before the reader that
	 * reads this 0. */
	atomic_store_explicit(&l->writer, 0, memory_order_release);
	pthread_mutex_unlock(&l->writers);
}

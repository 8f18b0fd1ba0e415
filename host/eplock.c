/* SPDX-License-Identifier: MIT */
/*
 * The per-vCPU reader/writer lock (internal/s2mm/eplock.h) on the host:
 * the protocol and why it is correct are internal/s2mm/eplock_core.h's
 * (shared with s2hyp's mm_lock, hyp/mmlock.c); here are the slots, the
 * mutex between writers, waiting, nesting and the deliberate bugs.
 */
#define _POSIX_C_SOURCE 200809L /* sched_yield */
#include <sched.h>
#include <stdlib.h>

#include <s2mm/eplock.h>
#include <s2mm/error.h>

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
		unsigned int w = atomic_load_explicit(&l->writer,
						      S2_EPLOCK_OBSERVE);
		WINDOW();
		atomic_store_explicit(held, 1, S2_EPLOCK_ANNOUNCE);
		if (!w)
			return 0;
		atomic_store_explicit(held, 0, memory_order_release);
#else
		if (s2_eplock_read_enter(&l->slots[slot], &l->writer))
			return 0;
#endif
		/* A writer holds or wants the lock: it may be waiting for
		 * this very slot, now empty; wait until it is done. */
		unsigned int spins = 0;
		while (s2_eplock_writer_busy(&l->writer))
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
	s2_eplock_read_leave(&l->slots[slot], n - 1);
	return 0;
}

void s2_eplock_write_lock(struct s2_eplock *l)
{
	pthread_mutex_lock(&l->writers);
	s2_eplock_write_enter(&l->writer);
#ifdef S2_EPLOCK_BUG_NO_WAIT
	WINDOW();
#else
	for (unsigned int i = 0; i < l->nslots; i++) {
		unsigned int spins = 0;
		while (s2_eplock_slot_held(&l->slots[i]))
			wait_a_bit(&spins);
	}
#endif
}

void s2_eplock_write_unlock(struct s2_eplock *l)
{
	s2_eplock_write_leave(&l->writer);
	pthread_mutex_unlock(&l->writers);
}

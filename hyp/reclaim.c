/* SPDX-License-Identifier: MIT */
/*
 * Deferred freeing of table pages (reclaim.h), by quiescent states: each
 * CPU counts its shared walks in walk_seq, odd while inside one. A
 * deferred page keeps a snapshot of the counters; it may go once every
 * CPU that was odd in the snapshot has moved on.
 */
#include "hyp.h"
#include "reclaim.h"

#define RECLAIM_MAX	256

struct deferred {
	void *va;
	size_t size;
	uint64_t snap[HYP_MAX_CPUS];
};

/* Each CPU's on a line of its own: a fault writes only its CPU's. */
static struct {
	_Alignas(S2_EPLOCK_LINE) uint64_t seq;
} walk_seq[HYP_MAX_CPUS];
static hyp_lock_t lock;
static struct deferred list[RECLAIM_MAX];
static unsigned int nr;

void reclaim_walk_begin(void)
{
	/* Odd before the walk reads any descriptor (acquire-release and a
	 * barrier: the counter is seen before the walk's loads). */
	__atomic_add_fetch(&walk_seq[this_cpu()->id].seq, 1, __ATOMIC_ACQ_REL);
	__asm__ volatile("dmb ish" ::: "memory");
}

void reclaim_walk_end(void)
{
	__atomic_add_fetch(&walk_seq[this_cpu()->id].seq, 1, __ATOMIC_RELEASE);
	if (__atomic_load_n(&nr, __ATOMIC_RELAXED))
		reclaim_poll();
}

static bool deferred_ready(const struct deferred *d)
{
	for (unsigned int c = 0; c < HYP_MAX_CPUS; c++)
		if ((d->snap[c] & 1) &&
		    __atomic_load_n(&walk_seq[c].seq, __ATOMIC_ACQUIRE) == d->snap[c])
			return false;
	return true;
}

unsigned int reclaim_poll(void)
{
	unsigned int left;

	hyp_lock(&lock);
	for (unsigned int i = 0; i < nr; ) {
		if (deferred_ready(&list[i])) {
			palloc_free_bytes(list[i].va, list[i].size);
			list[i] = list[--nr];
		} else {
			i++;
		}
	}
	left = nr;
	hyp_unlock(&lock);
	return left;
}

void reclaim_free_deferred(void *va, size_t size)
{
	struct deferred d = { .va = va, .size = size };

	/* The page is unlinked already: snapshot who may still read it. */
	__asm__ volatile("dmb ish" ::: "memory");
	for (unsigned int c = 0; c < HYP_MAX_CPUS; c++)
		d.snap[c] = __atomic_load_n(&walk_seq[c].seq, __ATOMIC_ACQUIRE);
	for (;;) {
		hyp_lock(&lock);
		if (nr < RECLAIM_MAX) {
			list[nr++] = d;
			hyp_unlock(&lock);
			return;
		}
		hyp_unlock(&lock);
		/* Full: walks are short; wait for some to end. Our own walk
		 * (if any) is not in the snapshot of the pages queued. */
		reclaim_poll();
	}
}

int reclaim_selftest(void)
{
	uint64_t before = palloc_free_pages();
	void *page = palloc_zalloc_bytes(PAGE_SIZE);

	if (!page)
		return -1;
	reclaim_walk_begin();
	reclaim_free_deferred(page, PAGE_SIZE);
	/* Our walk may still read it: it must stay allocated. */
	if (reclaim_poll() != 1 || palloc_free_pages() != before - 1)
		return -2;
	reclaim_walk_end();
	if (reclaim_poll() != 0 || palloc_free_pages() != before)
		return -3;
	return 0;
}

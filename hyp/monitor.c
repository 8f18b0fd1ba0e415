/* SPDX-License-Identifier: MIT */
/* The checked build's monitor: its memory, its reports (monitor.h). */
#include "monitor.h"

#ifdef S2MM_MONITOR
#include "hyp.h"

struct s2_mon hyp_mon;

/* Pages held for ghost state: not the scenario's, so not a leak. */
static uint64_t mon_pages;

static void *mon_alloc(void *ctx, size_t size)
{
	void *p = palloc_zalloc_bytes(size);

	(void)ctx;
	if (p)
		__atomic_add_fetch(&mon_pages, 1ULL << palloc_order(size),
				   __ATOMIC_RELAXED);
	return p;
}

static void mon_free(void *ctx, void *p, size_t size)
{
	(void)ctx;
	palloc_free_bytes(p, size);
	__atomic_sub_fetch(&mon_pages, 1ULL << palloc_order(size),
			   __ATOMIC_RELAXED);
}

static void report(void *arg, const struct s2_mon_violation *v)
{
	char msg[256];

	(void)arg;
	s2_mon_format(v, msg, sizeof(msg));
	hyp_panic("break-before-make monitor: %s", msg);
}

int hyp_mon_init(void)
{
	static const struct s2_mon_mem mem = { mon_alloc, mon_free, NULL };

	return s2_mon_init(&hyp_mon, &mem, report, NULL);
}

uint64_t hyp_mon_pages(void)
{
	return __atomic_load_n(&mon_pages, __ATOMIC_RELAXED);
}

uint64_t hyp_mon_summary(void)
{
	hyp_printf("s2hyp: monitor: %lu violations in %lu descriptor stores "
		   "and %lu DSBs\n", s2_mon_violations(&hyp_mon),
		   s2_mon_stores(&hyp_mon), hyp_mon.dsb_epoch);
	return s2_mon_violations(&hyp_mon);
}
#endif

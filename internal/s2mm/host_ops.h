/* SPDX-License-Identifier: MIT */
/**
 * @file
 * The host embedder: a struct s2_mm_ops over simulated physical memory
 * (s2_physmem), with allocation-failure injection for tests and hooks that
 * forward TLB invalidations to whatever plays the hardware (the MMU model).
 */
#ifndef S2MM_HOST_OPS_H
#define S2MM_HOST_OPS_H

#include <pthread.h>
#include <stdbool.h>

#include <s2mm/ops.h>
#include <s2mm/physmem.h>

/**
 * struct s2_host_mm - The host's ops table and its state. Set it up with
 * s2_host_mm_init(); then the hooks, fail_nth and poison are the caller's
 * to set, the rest is the embedder's own.
 */
struct s2_host_mm {
	struct s2_mm_ops ops;           /* pass &hm->ops to the library */
	struct s2_physmem *pm;          /* where table pages come from */
	/**
	 * @pm's window (s2_physmem_va() of its base, its base and size),
	 * kept here so that the address conversions, which the library
	 * calls at every level of every walk, need no call of their own.
	 */
	uint8_t *win_host;
	uint64_t win_base, win_size;
	/** Counters of calls into the ops table (updated atomically). */
	uint64_t allocs, frees, tlbi_ipa, tlbi_vmid, tlbi_all;
	/**
	 * Descriptor stores the library reported (S2_MON_WRITE), with or
	 * without the monitor; only a checked library reports them, and then
	 * @stores_counted is set. An embedder that rechecks its TLBs after
	 * each change can skip the check when no descriptor was stored.
	 */
	uint64_t stores;
	bool stores_counted;
	/**
	 * Failure injection: when non-zero, the fail_nth-th allocation from
	 * now fails (1 = the next one), and then allocations succeed again.
	 */
	uint64_t fail_nth;
	/** Fill what alloc (not zalloc) returns with 0xa5: tests use it to
	 * catch a library that relies on memory it did not initialise. */
	bool poison;
	/** Test aid: the invalidations tell the monitor of no DSB ISH, as an
	 * embedder that does not wait for its TLBIs to complete. */
	bool drop_dsb;
	/** Optional: called for each invalidation by IPA, e.g. into the TLB model. */
	void (*tlbi_ipa_hook)(void *arg, const struct s2_pgtable *pgt,
			      uint64_t ipa, unsigned int level);
	/** Optional: called for each VMID-wide invalidation. */
	void (*tlbi_vmid_hook)(void *arg, const struct s2_pgtable *pgt);
	/** Optional: called for each invalidation of every VMID. */
	void (*tlbi_all_hook)(void *arg);
	void *hook_arg;                 /* the hooks' first argument */
	/** Pages freed with free_deferred, waiting for s2_host_mm_reclaim(). */
	struct s2_host_deferred {
		void *va;               /* the page */
		size_t size;            /* its size */
	} *deferred;                    /* the list */
	size_t ndeferred, deferred_cap; /* entries used, entries allocated */
	pthread_mutex_t lock; /* guards the deferred list */
	/** The break-before-make monitor, when s2_host_mm_check() set one. */
	struct s2_mon *mon;
};

struct s2_mon_violation;

/**
 * s2_host_mm_init() - Fill @hm with an ops table allocating from @pm.
 * Hooks and fail_nth start cleared; set them after this call.
 */
void s2_host_mm_init(struct s2_host_mm *hm, struct s2_physmem *pm);

/**
 * s2_host_mm_reclaim() - Free the pages given to free_deferred. Call it
 * when no shared walk can be running (for instance with the VM's lock held
 * exclusively): that is this embedder's grace period. Call it before
 * destroying the physical memory if shared walks ran.
 */
void s2_host_mm_reclaim(struct s2_host_mm *hm);

/**
 * s2_host_mm_check() - Check every change made through @hm with the
 * break-before-make monitor of <s2mm/monitor.h>: the ops table reports
 * allocations, frees, barriers and invalidations, and the library (a
 * checked build of it) its descriptor stores. @report is called for each
 * violation; NULL prints it and aborts. Calling it again starts afresh.
 * The tests' build of this glue (S2MM_HOST_CHECK_ALWAYS) calls it from
 * s2_host_mm_init(), so every host test runs checked.
 * Return: 0; -S2_ENOMEM; -S2_ENOTSUP when built against a production
 * library, which reports nothing.
 */
int s2_host_mm_check(struct s2_host_mm *hm,
		     void (*report)(void *arg, const struct s2_mon_violation *v),
		     void *arg);

/**
 * s2_host_mm_fini() - Reclaim deferred frees and give back the monitor.
 * @hm may be set up again with s2_host_mm_init() afterwards.
 */
void s2_host_mm_fini(struct s2_host_mm *hm);

#endif /* S2MM_HOST_OPS_H */

/* SPDX-License-Identifier: MIT */
/*
 * The host embedder: a struct s2_mm_ops over simulated physical memory
 * (s2_physmem), with allocation-failure injection for tests and hooks that
 * forward TLB invalidations to whatever plays the hardware (the MMU model).
 */
#ifndef S2MM_HOST_OPS_H
#define S2MM_HOST_OPS_H

#include <s2mm/ops.h>
#include <s2mm/physmem.h>

struct s2_host_mm {
	struct s2_mm_ops ops;           /* pass &hm->ops to the library */
	struct s2_physmem *pm;
	/* Counters (updated atomically). */
	uint64_t allocs, frees, tlbi_ipa, tlbi_vmid, tlbi_all;
	/*
	 * Failure injection: when non-zero, the fail_nth-th allocation from
	 * now fails (1 = the next one), and then allocations succeed again.
	 */
	uint64_t fail_nth;
	/* Optional: called for each invalidation, e.g. into the TLB model. */
	void (*tlbi_ipa_hook)(void *arg, const struct s2_pgtable *pgt,
			      uint64_t ipa, unsigned int level);
	void (*tlbi_vmid_hook)(void *arg, const struct s2_pgtable *pgt);
	void (*tlbi_all_hook)(void *arg);
	void *hook_arg;
};

/**
 * s2_host_mm_init() - Fill @hm with an ops table allocating from @pm.
 * Hooks and fail_nth start cleared; set them after this call.
 */
void s2_host_mm_init(struct s2_host_mm *hm, struct s2_physmem *pm);

#endif /* S2MM_HOST_OPS_H */

/* SPDX-License-Identifier: MIT */
/*
 * Same-page merging across guests (as Linux's KSM does for KVM): pages
 * with equal contents are mapped read-only onto one shared frame; a write
 * to one of them takes a stage-2 permission fault and gets its own copy
 * (pager.c).
 */
#ifndef S2HYP_KSM_H
#define S2HYP_KSM_H

#include <stdint.h>

struct ksm_stats {
	uint64_t passes;	/* table rebuilds (one per sweep of every VM) */
	uint64_t scanned;	/* private pages hashed */
	uint64_t compared;	/* candidates compared byte for byte */
	uint64_t merged;	/* pages mapped onto a shared frame */
	uint64_t shared_frames;	/* shared frames live now */
	uint64_t sharing;	/* guest pages on them now */
	uint64_t saved_peak;	/* max of sharing - shared_frames */
	uint64_t zero_merged;	/* merged pages that were all zero */
};

extern struct ksm_stats ksm_stats;

/**
 * ksm_init() - Once: a table for @pages guest pages. Return: 0 or
 * -S2_ENOMEM.
 */
int ksm_init(uint64_t pages);

/**
 * ksm_tick() - Hash and merge a bounded batch of pages; any CPU may call
 * it between guest slices (one at a time does the work). A VM whose
 * /init is ready (the harness register) gets a host event for each
 * sweep over all its pages that started after that.
 */
void ksm_tick(void);

/** ksm_fini() - After the last VM: free the shared frames kept. */
void ksm_fini(void);

/** ksm_report() - The merging's line. */
void ksm_report(void);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * Live migration of a running Linux VM into a new VM on the same host
 * (pre-copy through libs2mm's dirty log): the shape of a VMM's migration,
 * with both ends in s2hyp, so that the host can compare them page by page.
 */
#ifndef S2HYP_MIGRATE_H
#define S2HYP_MIGRATE_H

#include <stdbool.h>
#include <stdint.h>

struct hyp_vm;

#define MIGRATE_MAX_ROUNDS	32

struct migrate_opts {
	bool lazy_split;	/* split blocks at their first write */
	unsigned int max_rounds;	/* pre-copy rounds (0: 8) */
	uint64_t stop_pages;	/* stop once a round finds fewer (0: 256) */
	/* Test aid: one page written during the pre-copy is never sent
	 * again, which the page-by-page comparison must catch. */
	bool drop_page;
};

struct migrate_stats {
	unsigned int rounds;	/* pre-copy rounds after the full copy */
	uint64_t sent[MIGRATE_MAX_ROUNDS + 2];	/* full copy, rounds, final */
	uint64_t total;		/* pages sent */
	uint64_t final_pages;	/* sent while stopped */
	uint64_t downtime_us;	/* vCPUs stopped -> running in the new VM,
				 * without the check below */
	uint64_t check_us;	/* comparing both RAMs while stopped */
	uint64_t enable_us;	/* dirty logging on (the eager split) */
	uint64_t precopy_us;	/* logging on -> vCPUs stopped */
	uint64_t differ;	/* pages unequal after the move (must be 0) */
	uint64_t pages;		/* pages compared */
};

/**
 * migrate_vm() - Move the running Linux VM @src into @dst: create @dst
 * with @src's configuration, copy RAM round by round while @src runs,
 * stop @src's vCPUs, copy the last dirty pages and the vCPU, vGIC, timer
 * and UART state, compare both RAMs page by page, start @dst's vCPUs and
 * destroy @src. On failure before the stop @src runs on and @dst is gone.
 * Return: 0 (see @st->differ), or a negative S2_E* code.
 */
int migrate_vm(struct hyp_vm *src, struct hyp_vm *dst,
	       const struct migrate_opts *o, struct migrate_stats *st);

/** migrate_report() - The figures of one migration, on the console. */
void migrate_report(const struct hyp_vm *vm, const struct migrate_opts *o,
		    const struct migrate_stats *st);

#endif

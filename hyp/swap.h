/* SPDX-License-Identifier: MIT */
/*
 * Overcommit: when the pager's budget runs low, take cold pages away from
 * running guests into the compressed store (as Linux's kswapd does with
 * zswap); pager.c brings each back on its next fault.
 */
#ifndef S2HYP_SWAP_H
#define S2HYP_SWAP_H

#include <stdint.h>

struct swap_stats {
	uint64_t passes;	/* reclaim runs */
	uint64_t scanned;	/* pages looked at */
	uint64_t young;		/* of them spared: accessed since last look */
	uint64_t unmaps;	/* s2_vm_unmap() calls (runs of cold pages) */
	uint64_t store_full;	/* cold pages left: the store was full */
	uint64_t peak_pages;	/* pages stored when its arena was fullest */
	uint64_t peak_same;	/* ... of them same-filled */
};

extern struct swap_stats swap_stats;

/**
 * swap_tick() - If the pager's free frames are below the low watermark
 * (or a fault starved), reclaim up to the high watermark, a bounded
 * batch per call; any CPU may call it between guest slices (one at a
 * time does the work). Return: frames freed.
 */
uint64_t swap_tick(void);

/** swap_report() - The reclaimer's line, with the store's. */
void swap_report(void);

#endif

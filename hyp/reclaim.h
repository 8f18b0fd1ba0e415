/* SPDX-License-Identifier: MIT */
/*
 * Deferred freeing of stage-2 table pages (libs2mm's ops->free_deferred):
 * a table that a fault on one CPU unlinks may still be read by a fault
 * walk in progress on another CPU of the same VM (the library's shared
 * walks). The page is freed only once every CPU that was inside such a
 * walk when it was unlinked has left it. A walk that starts later cannot
 * reach the page: it was unlinked first.
 */
#ifndef S2HYP_RECLAIM_H
#define S2HYP_RECLAIM_H

#include <stddef.h>

/** reclaim_walk_begin() - This CPU enters a shared stage-2 walk. */
void reclaim_walk_begin(void);
/** reclaim_walk_end() - ... and leaves it; frees what became free. */
void reclaim_walk_end(void);
/** reclaim_free_deferred() - Free @va (@size bytes from the allocator)
 * once no walk that may have seen it is left. */
void reclaim_free_deferred(void *va, size_t size);
/** reclaim_poll() - Free every deferred page no walk may still read.
 * Return: how many stay deferred. */
unsigned int reclaim_poll(void);
/** reclaim_selftest() - A page deferred during a walk stays allocated
 * until the walk ends. Return: 0, or a negative step that failed. */
int reclaim_selftest(void);

#endif

/* SPDX-License-Identifier: MIT */
/**
 * @file
 * What a table page's refcount (struct s2_mm_ops.refcount) holds, for the
 * page-table engine and the tests that check its trees.
 *
 * Exact, it counts the page's valid entries, and the page is freed when it
 * reaches 0. The shared fault path does not count the leaves it installs:
 * an atomic add per fault on a line every vCPU faulting into the table
 * shares would cost parallel faults their scaling. It sets
 * S2_TABLE_RC_UNCOUNTED instead, once per table; the low bits then count
 * some of the valid entries only, and exclusive code counts the page again
 * before it reads or changes the count. The mark keeps the count non-zero,
 * so such a table is never freed on it.
 */
#ifndef S2MM_TABLE_RC_H
#define S2MM_TABLE_RC_H

#include <stdbool.h>
#include <stdint.h>

/** A shared fault installed leaves the count does not include. */
#define S2_TABLE_RC_UNCOUNTED (UINT32_C(1) << 31)

/**
 * s2_table_rc_ok() - Whether refcount @rc is right for a table page with
 * @valid valid entries: equal, or, marked uncounted, at most that.
 */
static inline bool s2_table_rc_ok(uint32_t rc, uint32_t valid)
{
	if (rc & S2_TABLE_RC_UNCOUNTED)
		return (rc & ~S2_TABLE_RC_UNCOUNTED) <= valid && valid > 0;
	return rc == valid;
}

#endif

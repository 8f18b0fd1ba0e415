/* SPDX-License-Identifier: MIT */
/*
 * Whole-table passes over a table page's descriptors: the page-table
 * engine's bulk map and bulk write-protect are streams of stores whose
 * limit is the store bandwidth, so they live here, written to vectorise.
 */
#ifndef S2MM_TABLE_PASS_H
#define S2MM_TABLE_PASS_H

#include <stdint.h>

/**
 * s2_table_fill() - store @n consecutive leaves into the table page @t
 * @t:     the table page (8-byte aligned, @n entries)
 * @n:     the number of entries
 * @first: the first leaf descriptor
 * @step:  what each next leaf adds to the previous one (the child size when
 *         the output address sits in place in the descriptor)
 */
void s2_table_fill(uint64_t *t, uint64_t n, uint64_t first, uint64_t step);

/**
 * s2_table_clear() - clear @clear in each of the @n descriptors of @t
 * @t:     the table page
 * @n:     the number of entries
 * @clear: the descriptor bits to clear
 *
 * Invalid entries are cleared too: the caller uses it only for bits that
 * an invalid entry never holds (hardware ignores all of it but bit 0).
 *
 * Return: the bits that were set in some entry among @clear (0: the table
 * did not change).
 */
uint64_t s2_table_clear(uint64_t *t, uint64_t n, uint64_t clear);

/**
 * s2_table_any() - which of @bits some of the @n descriptors of @t hold
 * @t:     the table page
 * @n:     the number of entries
 * @bits:  the descriptor bits looked for
 *
 * A read-only pass (the dirty-state scan skips a table with no writable
 * leaf in it after one pass over its 64 cache lines). Invalid entries are
 * read too: the caller looks only for bits an invalid entry never holds.
 *
 * Return: the bits among @bits set in some entry.
 */
uint64_t s2_table_any(const uint64_t *t, uint64_t n, uint64_t bits);

#endif

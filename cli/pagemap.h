/* SPDX-License-Identifier: MIT */
/*
 * A map from 64-bit keys (page numbers, tagged or not) to 64-bit values,
 * growing as needed (open addressing): the distinct pages `s2mm record
 * --info` counts, the address spaces the replay of a recording keeps.
 */
#ifndef S2MM_CLI_PAGEMAP_H
#define S2MM_CLI_PAGEMAP_H

#include <stddef.h>
#include <stdint.h>

struct pagemap {
	uint64_t *key, *val;       /* key UINT64_MAX: an empty slot */
	size_t cap, n;             /* n: the keys held */
};

/** pagemap_get() - @key's value, or -1 when @m does not hold it. */
int64_t pagemap_get(const struct pagemap *m, uint64_t key);

/**
 * pagemap_put() - Set @key (not UINT64_MAX) to @val.
 * Return: 0, or -ENOMEM (@m unchanged).
 */
int pagemap_put(struct pagemap *m, uint64_t key, uint64_t val);

/** pagemap_free() - Free @m's memory; it is empty again. */
void pagemap_free(struct pagemap *m);

#endif

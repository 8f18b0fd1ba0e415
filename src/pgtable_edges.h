/* SPDX-License-Identifier: MIT */
/*
 * The first half of an unmap or a permission change, for a caller that
 * must change descriptors in between (the VM's host operations over slots
 * logged by hardware clean them first): afterwards the change over the
 * same range needs no memory, so it cannot fail after the caller's own.
 */
#ifndef S2MM_PGTABLE_EDGES_H
#define S2MM_PGTABLE_EDGES_H

#include <stdint.h>

#include <s2mm/pgtable.h>

/**
 * s2_pgtable_split_edges() - Split the blocks straddling either end of
 * [@ipa, @ipa + @size), as s2_pgtable_unmap() and s2_pgtable_protect()
 * do first (break-before-make, invalidated), and nothing else.
 * Return: 0, -S2_EINVAL, -S2_ERANGE, -S2_ENOMEM (the tree as it was).
 */
int s2_pgtable_split_edges(struct s2_pgtable *pgt, uint64_t ipa, uint64_t size);

#endif /* S2MM_PGTABLE_EDGES_H */

/* SPDX-License-Identifier: MIT */
/*
 * Private to the fidelity generator: what gen.c lends gen_sd.c (the
 * AArch32 short-descriptor stage 1) of the region's pools, the slot log
 * that clears them, the stage-2 targets and the address set.
 */
#ifndef S2HYP_FIDELITY_GEN_INT_H
#define S2HYP_FIDELITY_GEN_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "fidelity.h"

/* A zero block of @size bytes (naturally aligned) of the stage-1 pool, mapped in the T window. */
uint64_t fid_s1_alloc(struct fid_gen *g, struct fid_case *c, uint64_t size);
/* Write @d at @slot, logged for the next configuration's clearing. */
void fid_set_slot(struct fid_gen *g, uint64_t *slot, uint64_t d);
/* A stage-1 pool PA as the tables name it (its T-window IPA), and back. */
uint64_t fid_s1_ipa(const struct fid_case *c, const struct fid_gen *g, uint64_t pa);
uint64_t fid_s1_pa(const struct fid_case *c, const struct fid_gen *g, uint64_t ipa);
/* Is @pa in the part of the stage-1 pool this configuration allocated? */
bool fid_s1_in_pool(const struct fid_gen *g, uint64_t pa);
/* An output IPA for a stage-1 leaf, with a stage-2 leaf made for it. */
uint64_t fid_target_ipa(struct fid_gen *g, struct fid_case *c, unsigned ips_bits,
			uint64_t mask);
void fid_add_addr(struct fid_case *c, uint64_t a);
/* @va and an address at an edge of the 1 << @shift bytes around it. */
void fid_add_edges(struct fid_gen *g, struct fid_case *c, uint64_t va, unsigned shift);
/* Print stage 2's walk of @ipa; its output, or ~0. */
uint64_t fid_dump_s2(const struct fid_gen *g, const struct fid_case *c, uint64_t ipa);

/* gen_sd.c */
/* Stage 1 in the short-descriptor format for @c (EL1 AArch32, SCTLR.M=1). */
void fid_gen_sd(struct fid_gen *g, struct fid_case *c);
/*
 * The IPAs a short-descriptor walk of @va reads (its level-1 entry, the
 * level-2 one under a table: @desc, @ndesc of them) and, when it ends in
 * a section or page, its output IPA (@out). Return: whether it does.
 */
bool fid_sd_walk_ipas(const struct fid_gen *g, const struct fid_case *c, uint64_t va,
		      uint64_t desc[2], unsigned *ndesc, uint64_t *out);
/* fid_dump_walk() of a short-descriptor stage 1. */
void fid_dump_walk_sd(const struct fid_gen *g, const struct fid_case *c, uint64_t va);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * Private to the MMU model: the walk caches (struct s2_wc, tlb.h) as the
 * walker uses them. walk_cache.c keeps them: look-up, fill, replacement,
 * and what each TLBI removes from them. The walker (walk.c) decides when
 * to look up and what to fill.
 */
#ifndef S2MM_MODEL_WALK_CACHE_H
#define S2MM_MODEL_WALK_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include <s2mm/mmu.h>
#include <s2mm/tlb.h>

#include "tlb_sets.h"

/* A table descriptor a walk cache gave: where the walk goes on. */
struct wc_table {
	uint64_t table;   /* next level's table address */
	int level;        /* the cached descriptor's level */
	uint8_t tbl;      /* stage 1: table bits [63:59] accumulated, >> 59 */
};

/*
 * The deepest table descriptor @wc holds for input address @ia in a walk
 * of @c's geometry (levels @c->start to 2), tagged @vmid and @asid (0 for
 * stage 2). Counts the look-up and its hit level. @ia: stage 1's VA with
 * bits [63:56] cleared, or an IPA.
 */
bool wc_table_lookup(struct s2_wc *wc, const struct s2_mmu_tt *c,
		     uint16_t vmid, uint16_t asid, uint64_t ia,
		     struct wc_table *out);

/*
 * Cache the table descriptor read at @level for @ia: @next, the next
 * level's table; @tbl, the table bits accumulated with it.
 */
void wc_table_fill(struct s2_wc *wc, const struct s2_mmu_tt *c, uint16_t vmid,
		   uint16_t asid, uint64_t ia, int level, uint64_t next,
		   uint8_t tbl);

/* The nested TLB: a stage-2 leaf for a stage-1 descriptor fetch at @ipa. */
bool wc_leaf_lookup(struct s2_wc *wc, uint16_t vmid, uint64_t ipa,
		    struct s2_leaf *out);
void wc_leaf_fill(struct s2_wc *wc, uint16_t vmid, uint64_t ipa,
		  const struct s2_leaf *leaf);

/* Remove from @tlb's walk caches what TLBI @op reaches (D8.13). */
void wc_tlbi(struct s2_tlb *tlb, const struct s2_tlbi *op);

/* Zero the walk caches' counters. */
void wc_stats_reset(struct s2_tlb *tlb);

#endif /* S2MM_MODEL_WALK_CACHE_H */

/* SPDX-License-Identifier: MIT */
/*
 * The host's page pool behind pager slots, shared by mm.c (the pool,
 * the pager, copy-on-write), swap.c (--overcommit: reclaim into a
 * compressed store) and share.c (--share: same-page merging).
 *
 * Every granule page of a pager VM's RAM is, in the VM's pte[] (its
 * VMM's record), one of: never touched (0: reads as zeroes, no memory),
 * in a host frame (frame index + 1; the frame private to the VM or shared
 * read-only by several), or in the compressed store (MM_PTE_STORE | entry).
 */
#ifndef S2MM_SIM_MM_H
#define S2MM_SIM_MM_H

#include "sim_int.h"

#define MM_PTE_STORE (1U << 31)
/* The pool in chunks: physmem's buddy allocator gives 1 GiB at most. */
#define MM_CHUNK_SHIFT 28

enum mm_frame_state { FR_FREE, FR_PRIVATE, FR_SHARED };
enum mm_frame_list { FL_NONE, FL_STABLE, FL_UNSTABLE };

struct mm_frame {
	uint64_t hash;             /* contents when the merger last looked */
	uint32_t vm, page;         /* private: its VM's index and guest page */
	uint32_t ref;              /* shared: guest pages mapping it */
	uint32_t next;             /* free list or hash chain: index + 1 */
	uint8_t state, list;
};

/* A page in the store: same-filled (len 0: every word is fill) or zstd. */
struct mm_entry {
	uint64_t fill;
	void *data;
	uint32_t len;
	uint32_t next_free;        /* index + 1 */
};

struct sim_mm {
	uint64_t nframes, gsz;
	unsigned int gshift, chunk_fshift; /* frames per chunk: 1 << chunk_fshift */
	uint64_t *chunk_pa;
	uint32_t nchunks;
	uint32_t *chunk_of;        /* by (pa - PHYS_BASE) >> MM_CHUNK_SHIFT: + 1 */
	uint64_t lo, hi;           /* the chunks' span */
	struct mm_frame *fr;
	uint32_t free_head;        /* index + 1 */
	uint64_t nfree;
	bool want;                 /* a fault found no free frame */
	/* swap.c */
	bool overcommit;
	uint64_t hand;             /* the clock */
	struct mm_entry *store;
	uint32_t nstore, store_free;
	void *cctx, *dctx, *zbuf;
	size_t zcap;
	uint64_t *prev_in;         /* test aid: the last data page restored */
	bool have_prev;
	/* share.c */
	uint32_t *stable, *unstable; /* hash buckets: frame index + 1 */
	uint64_t buckets;
	uint64_t scan;             /* the merger's hand */
	uint64_t saved;            /* guest pages backed by another's frame */
};

static inline uint64_t mm_frame_pa(const struct sim_mm *mm, uint32_t f)
{
	return mm->chunk_pa[f >> mm->chunk_fshift] +
	       ((uint64_t)(f & ((1U << mm->chunk_fshift) - 1)) << mm->gshift);
}

static inline void *mm_frame_va(struct sim *s, uint32_t f)
{
	return s2_physmem_va(s->pm, mm_frame_pa(s->mm, f), s->mm->gsz);
}

static inline uint64_t mm_page_ipa(const struct sim_mm *mm, uint32_t page)
{
	return RAM_IPA + ((uint64_t)page << mm->gshift);
}

/* mm.c */
bool mm_frame_get(struct sim *s, uint32_t *f);
void mm_frame_put(struct sim *s, uint32_t f);
void mm_set_private(struct sim_mm *mm, uint32_t f, const struct gvm *g, uint32_t page);
void mm_account(struct sim *s);

/* swap.c */
int swap_init(struct sim *s);
void swap_destroy(struct sim *s);
void swap_in(struct sim *s, struct gvm *g, uint32_t page, uint32_t entry, uint32_t f);
int swap_reclaim(struct sim *s);

/* share.c */
int share_init(struct sim *s);
void share_destroy(struct sim *s);
void share_unlist(struct sim_mm *mm, uint32_t f);
int share_tick(struct sim *s);

#endif

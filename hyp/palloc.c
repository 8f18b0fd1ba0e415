/* SPDX-License-Identifier: MIT */
/*
 * Physical page allocator: a binary buddy over the RAM after the image.
 * Blocks of 2^order pages are naturally aligned in physical addresses
 * (RAM starts 1 GiB aligned on virt), as stage-2 roots need (a concatenated
 * root is aligned to its size, Arm ARM D8.2.6) and as block mappings of
 * guest RAM like. Per-frame metadata (buddy state and the library's table
 * refcount) is carved from the start of the region. One lock.
 *
 * The hypervisor's VA equals its PA (mmu.c), so the free lists live inside
 * the free blocks themselves.
 */
#include "hyp.h"

#define META_FREE	0x80 /* head of a free block; low bits: order */

struct fblock {
	struct fblock *next, *prev;
};

static struct {
	hyp_lock_t lock;
	uint64_t base;	    /* PA of frame 0 */
	uint64_t nframes;
	uint8_t *meta;	    /* per frame */
	uint32_t *refcnt;   /* per frame, for ops->refcount */
	struct fblock head[PALLOC_MAX_ORDER + 1];
	uint64_t free_pages;
} pa;

static struct fblock *blk(uint64_t idx)
{
	return (struct fblock *)(pa.base + (idx << PAGE_SHIFT));
}

static uint64_t idx_of(const void *p)
{
	return ((uint64_t)p - pa.base) >> PAGE_SHIFT;
}

static void list_add(unsigned int order, struct fblock *b)
{
	struct fblock *h = &pa.head[order];

	b->next = h->next;
	b->prev = h;
	h->next->prev = b;
	h->next = b;
}

static void list_del(struct fblock *b)
{
	b->prev->next = b->next;
	b->next->prev = b->prev;
}

/* Caller holds the lock. */
static void free_locked(uint64_t idx, unsigned int order)
{
	pa.free_pages += 1ULL << order;
	while (order < PALLOC_MAX_ORDER) {
		uint64_t buddy = idx ^ (1ULL << order);

		if (buddy >= pa.nframes || pa.meta[buddy] != (META_FREE | order))
			break;
		list_del(blk(buddy));
		pa.meta[buddy] = 0;
		idx &= ~(1ULL << order);
		order++;
	}
	pa.meta[idx] = (uint8_t)(META_FREE | order);
	list_add(order, blk(idx));
}

int palloc_init(uint64_t ram_base, uint64_t ram_end, uint64_t free_start)
{
	uint64_t meta_bytes, idx, end;

	pa.base = ram_base;
	pa.nframes = (ram_end - ram_base) >> PAGE_SHIFT;
	for (unsigned int o = 0; o <= PALLOC_MAX_ORDER; o++)
		pa.head[o].next = pa.head[o].prev = &pa.head[o];

	free_start = ALIGN_UP(free_start, 8);
	meta_bytes = pa.nframes * (sizeof(uint32_t) + 1);
	if (free_start + meta_bytes + PAGE_SIZE > ram_end)
		return -1;
	pa.refcnt = (uint32_t *)free_start;
	pa.meta = (uint8_t *)(free_start + pa.nframes * sizeof(uint32_t));
	memset(pa.refcnt, 0, meta_bytes);

	idx = (ALIGN_UP(free_start + meta_bytes, PAGE_SIZE) - ram_base) >>
	      PAGE_SHIFT;
	end = pa.nframes;
	while (idx < end) {
		unsigned int o = 0;

		while (o < PALLOC_MAX_ORDER && !(idx & (1ULL << o)) &&
		       idx + (2ULL << o) <= end)
			o++;
		free_locked(idx, o);
		idx += 1ULL << o;
	}
	return 0;
}

int palloc_alloc(unsigned int order, uint64_t *out)
{
	unsigned int o;
	struct fblock *b;
	uint64_t idx;

	if (order > PALLOC_MAX_ORDER)
		return -1;
	hyp_lock(&pa.lock);
	for (o = order; o <= PALLOC_MAX_ORDER; o++)
		if (pa.head[o].next != &pa.head[o])
			break;
	if (o > PALLOC_MAX_ORDER) {
		hyp_unlock(&pa.lock);
		return -1;
	}
	b = pa.head[o].next;
	list_del(b);
	idx = idx_of(b);
	/* Split: hand back the upper halves until the block fits. */
	while (o > order) {
		o--;
		pa.meta[idx + (1ULL << o)] = (uint8_t)(META_FREE | o);
		list_add(o, blk(idx + (1ULL << o)));
	}
	pa.meta[idx] = (uint8_t)order;
	pa.free_pages -= 1ULL << order;
	hyp_unlock(&pa.lock);
	*out = pa.base + (idx << PAGE_SHIFT);
	return 0;
}

void palloc_free(uint64_t addr, unsigned int order)
{
	uint64_t idx = (addr - pa.base) >> PAGE_SHIFT;

	if (addr & ((PAGE_SIZE << order) - 1) || idx >= pa.nframes ||
	    pa.meta[idx] != order)
		hyp_panic("palloc_free(%lx, %u): not an allocated block", addr,
			  order);
	hyp_lock(&pa.lock);
	free_locked(idx, order);
	hyp_unlock(&pa.lock);
}

unsigned int palloc_order(size_t size)
{
	unsigned int o = 0;

	while ((PAGE_SIZE << o) < size)
		o++;
	return o;
}

void *palloc_zalloc_bytes(size_t size)
{
	uint64_t addr;

	if (palloc_alloc(palloc_order(size), &addr))
		return NULL;
	memset((void *)addr, 0, size);
	return (void *)addr;
}

void palloc_free_bytes(void *va, size_t size)
{
	palloc_free((uint64_t)va, palloc_order(size));
}

uint32_t *palloc_refcount(uint64_t addr)
{
	return &pa.refcnt[(addr - pa.base) >> PAGE_SHIFT];
}

uint64_t palloc_free_pages(void)
{
	return pa.free_pages;
}

/* Boot-time check: alignment, exhaustion-free reuse, full coalescing. */
int palloc_selftest(void)
{
	uint64_t before = palloc_free_pages(), a[PALLOC_MAX_ORDER + 1];

	for (unsigned int o = 0; o <= 10; o++) {
		if (palloc_alloc(o, &a[o]))
			return -1;
		if (a[o] & ((PAGE_SIZE << o) - 1))
			return -2;
	}
	for (unsigned int o = 0; o <= 10; o++)
		for (unsigned int p = o + 1; p <= 10; p++)
			if (a[o] < a[p] + (PAGE_SIZE << p) &&
			    a[p] < a[o] + (PAGE_SIZE << o))
				return -3;
	for (unsigned int o = 0; o <= 10; o++)
		palloc_free(a[o], o);
	return palloc_free_pages() == before ? 0 : -4;
}

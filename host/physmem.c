/* SPDX-License-Identifier: MIT */
/*
 * Simulated physical memory: a lazily committed host mapping plus a buddy
 * allocator whose bookkeeping lives in side arrays, so free memory is never
 * touched (and never committed).
 */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS, MAP_NORESERVE */
#include <s2mm/error.h>
#include <s2mm/physmem.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define FRAME_SHIFT S2_PHYSMEM_FRAME_SHIFT
#define MAX_ORDER 30 /* largest block: 1 GiB (a 4K-granule level-1 block) */
#define NIL UINT32_MAX
#define REF_STRIDE 64

struct s2_physmem {
	uint8_t *host;
	uint64_t base;
	uint64_t size;
	uint64_t frames;
	unsigned int max_order;
	uint64_t allocated;
	/* Per frame: order + 1 when it heads a free block, else 0. */
	uint8_t *free_order;
	uint32_t *next, *prev;      /* free-list links, by frame index */
	uint32_t heads[MAX_ORDER + 1];
	/*
	 * One cache line per frame, as Linux's struct page: concurrent
	 * faults updating the counts of neighbouring table pages must not
	 * share a line.
	 */
	struct frame_ref {
		uint32_t count;
		uint8_t pad[REF_STRIDE - sizeof(uint32_t)];
	} *refcount;
	pthread_mutex_t lock;
};

static void *map_lazy(uint64_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

static void list_push(struct s2_physmem *pm, uint32_t idx, unsigned int order)
{
	pm->free_order[idx] = (uint8_t)(order + 1);
	pm->prev[idx] = NIL;
	pm->next[idx] = pm->heads[order];
	if (pm->heads[order] != NIL)
		pm->prev[pm->heads[order]] = idx;
	pm->heads[order] = idx;
}

static void list_del(struct s2_physmem *pm, uint32_t idx, unsigned int order)
{
	pm->free_order[idx] = 0;
	if (pm->prev[idx] != NIL)
		pm->next[pm->prev[idx]] = pm->next[idx];
	else
		pm->heads[order] = pm->next[idx];
	if (pm->next[idx] != NIL)
		pm->prev[pm->next[idx]] = pm->prev[idx];
}

/* Free [idx, idx + n) frames as maximal naturally aligned blocks. */
static void free_frames(struct s2_physmem *pm, uint64_t idx, uint64_t n)
{
	while (n) {
		unsigned int order = FRAME_SHIFT;
		while (order < pm->max_order &&
		       !(idx & ((1ULL << (order + 1 - FRAME_SHIFT)) - 1)) &&
		       (1ULL << (order + 1 - FRAME_SHIFT)) <= n)
			order++;
		uint64_t span = 1ULL << (order - FRAME_SHIFT);
		uint32_t i = (uint32_t)idx;
		unsigned int k = order;
		/* Merge with the buddy while it is a free block of the same order. */
		while (k < pm->max_order) {
			uint64_t buddy = i ^ (1ULL << (k - FRAME_SHIFT));
			if (buddy + (1ULL << (k - FRAME_SHIFT)) > pm->frames ||
			    pm->free_order[buddy] != k + 1)
				break;
			list_del(pm, (uint32_t)buddy, k);
			i = (uint32_t)(i & buddy);
			k++;
		}
		list_push(pm, i, k);
		idx += span;
		n -= span;
	}
}

int s2_physmem_create(struct s2_physmem **out, uint64_t base, uint64_t size)
{
	if (!out || !size || (size | base) & (S2_PHYSMEM_FRAME_SIZE - 1) ||
	    base + size < base || (size >> FRAME_SHIFT) >= NIL)
		return -S2_EINVAL;
	struct s2_physmem *pm = calloc(1, sizeof(*pm));
	if (!pm)
		return -S2_ENOMEM;
	pm->base = base;
	pm->size = size;
	pm->frames = size >> FRAME_SHIFT;
	pm->max_order = MAX_ORDER;
	/* Blocks are naturally aligned in PA terms only up to base's alignment. */
	while (pm->max_order > FRAME_SHIFT && base & ((1ULL << pm->max_order) - 1))
		pm->max_order--;
	for (unsigned int i = 0; i <= MAX_ORDER; i++)
		pm->heads[i] = NIL;
	pm->host = map_lazy(size);
	pm->free_order = map_lazy(pm->frames);
	pm->next = map_lazy(pm->frames * sizeof(uint32_t));
	pm->prev = map_lazy(pm->frames * sizeof(uint32_t));
	pm->refcount = map_lazy(pm->frames * REF_STRIDE);
	if (!pm->host || !pm->free_order || !pm->next || !pm->prev ||
	    !pm->refcount) {
		s2_physmem_destroy(pm);
		return -S2_ENOMEM;
	}
	pthread_mutex_init(&pm->lock, NULL);
	free_frames(pm, 0, pm->frames);
	*out = pm;
	return 0;
}

void s2_physmem_destroy(struct s2_physmem *pm)
{
	if (!pm)
		return;
	if (pm->host)
		munmap(pm->host, pm->size);
	if (pm->free_order)
		munmap(pm->free_order, pm->frames);
	if (pm->next)
		munmap(pm->next, pm->frames * sizeof(uint32_t));
	if (pm->prev)
		munmap(pm->prev, pm->frames * sizeof(uint32_t));
	if (pm->refcount)
		munmap(pm->refcount, pm->frames * REF_STRIDE);
	free(pm);
}

uint64_t s2_physmem_base(const struct s2_physmem *pm) { return pm->base; }
uint64_t s2_physmem_size(const struct s2_physmem *pm) { return pm->size; }

void *s2_physmem_va(const struct s2_physmem *pm, uint64_t pa, uint64_t len)
{
	uint64_t off = pa - pm->base;
	if (pa < pm->base || off > pm->size || len > pm->size - off)
		return NULL;
	return pm->host + off;
}

uint64_t s2_physmem_pa(const struct s2_physmem *pm, const void *va)
{
	return pm->base + (uint64_t)((const uint8_t *)va - pm->host);
}

static unsigned int order_of(uint64_t size)
{
	unsigned int order = FRAME_SHIFT;
	while ((1ULL << order) < size)
		order++;
	return order;
}

static int alloc_order(struct s2_physmem *pm, unsigned int order, uint64_t *pa)
{
	unsigned int k = order;
	while (k <= pm->max_order && pm->heads[k] == NIL)
		k++;
	if (k > pm->max_order)
		return -S2_ENOMEM;
	uint32_t idx = pm->heads[k];
	list_del(pm, idx, k);
	while (k > order) {
		k--;
		list_push(pm, (uint32_t)(idx + (1ULL << (k - FRAME_SHIFT))), k);
	}
	*pa = pm->base + ((uint64_t)idx << FRAME_SHIFT);
	return 0;
}

int s2_physmem_alloc(struct s2_physmem *pm, uint64_t size, uint64_t *pa)
{
	if (size < S2_PHYSMEM_FRAME_SIZE || (size & (size - 1)))
		return -S2_EINVAL;
	unsigned int order = order_of(size);
	if (order > pm->max_order)
		return -S2_ENOMEM;
	pthread_mutex_lock(&pm->lock);
	int ret = alloc_order(pm, order, pa);
	if (!ret)
		pm->allocated += size;
	pthread_mutex_unlock(&pm->lock);
	return ret;
}

int s2_physmem_alloc_range(struct s2_physmem *pm, uint64_t size,
			   uint64_t align, uint64_t *pa)
{
	if (!size || size & (S2_PHYSMEM_FRAME_SIZE - 1) || align & (align - 1) ||
	    align < S2_PHYSMEM_FRAME_SIZE)
		return -S2_EINVAL;
	unsigned int order = order_of(size > align ? size : align);
	if (order > pm->max_order)
		return -S2_ENOMEM;
	pthread_mutex_lock(&pm->lock);
	int ret = alloc_order(pm, order, pa);
	if (!ret) {
		uint64_t idx = (*pa - pm->base) >> FRAME_SHIFT;
		uint64_t used = size >> FRAME_SHIFT;
		free_frames(pm, idx + used, (1ULL << (order - FRAME_SHIFT)) - used);
		pm->allocated += size;
	}
	pthread_mutex_unlock(&pm->lock);
	return ret;
}

void s2_physmem_free(struct s2_physmem *pm, uint64_t pa, uint64_t size)
{
	s2_physmem_free_range(pm, pa, size);
}

void s2_physmem_free_range(struct s2_physmem *pm, uint64_t pa, uint64_t size)
{
	pthread_mutex_lock(&pm->lock);
	free_frames(pm, (pa - pm->base) >> FRAME_SHIFT, size >> FRAME_SHIFT);
	pm->allocated -= size;
	pthread_mutex_unlock(&pm->lock);
}

uint32_t *s2_physmem_refcount(struct s2_physmem *pm, uint64_t pa)
{
	return &pm->refcount[(pa - pm->base) >> FRAME_SHIFT].count;
}

uint64_t s2_physmem_allocated(const struct s2_physmem *pm)
{
	return pm->allocated;
}

int s2_physmem_read64(const struct s2_physmem *pm, uint64_t pa, uint64_t *val)
{
	const void *p = (pa & 7) ? NULL : s2_physmem_va(pm, pa, 8);
	if (!p)
		return -S2_EFAULT;
	*val = __atomic_load_n((const uint64_t *)p, __ATOMIC_RELAXED);
	return 0;
}

int s2_physmem_write64(struct s2_physmem *pm, uint64_t pa, uint64_t val)
{
	void *p = (pa & 7) ? NULL : s2_physmem_va(pm, pa, 8);
	if (!p)
		return -S2_EFAULT;
	__atomic_store_n((uint64_t *)p, val, __ATOMIC_RELAXED);
	return 0;
}

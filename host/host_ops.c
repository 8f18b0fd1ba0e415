/* SPDX-License-Identifier: MIT */
#include <s2mm/host_ops.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static void *host_alloc(void *ctx, size_t size)
{
	struct s2_host_mm *hm = ctx;
	uint64_t pa;

	if (__atomic_load_n(&hm->fail_nth, __ATOMIC_RELAXED) &&
	    __atomic_sub_fetch(&hm->fail_nth, 1, __ATOMIC_RELAXED) == 0)
		return NULL;
	if (s2_physmem_alloc(hm->pm, size, &pa))
		return NULL;
	__atomic_add_fetch(&hm->allocs, 1, __ATOMIC_RELAXED);
	void *va = s2_physmem_va(hm->pm, pa, size);
	if (hm->poison)
		memset(va, 0xa5, size);
	return va;
}

static void *host_zalloc(void *ctx, size_t size)
{
	void *va = host_alloc(ctx, size);

	if (va)
		memset(va, 0, size);
	return va;
}

static void host_free(void *ctx, void *va, size_t size)
{
	struct s2_host_mm *hm = ctx;

	s2_physmem_free(hm->pm, s2_physmem_pa(hm->pm, va), size);
	__atomic_add_fetch(&hm->frees, 1, __ATOMIC_RELAXED);
}

static void host_free_deferred(void *ctx, void *va, size_t size)
{
	struct s2_host_mm *hm = ctx;

	pthread_mutex_lock(&hm->lock);
	if (hm->ndeferred == hm->deferred_cap) {
		size_t cap = hm->deferred_cap ? 2 * hm->deferred_cap : 64;
		void *p = realloc(hm->deferred, cap * sizeof(*hm->deferred));
		if (!p) {
			/* Better a leak than a use after free by a walker. */
			pthread_mutex_unlock(&hm->lock);
			return;
		}
		hm->deferred = p;
		hm->deferred_cap = cap;
	}
	hm->deferred[hm->ndeferred].va = va;
	hm->deferred[hm->ndeferred].size = size;
	hm->ndeferred++;
	pthread_mutex_unlock(&hm->lock);
}

void s2_host_mm_reclaim(struct s2_host_mm *hm)
{
	pthread_mutex_lock(&hm->lock);
	for (size_t i = 0; i < hm->ndeferred; i++)
		host_free(hm, hm->deferred[i].va, hm->deferred[i].size);
	hm->ndeferred = 0;
	free(hm->deferred);
	hm->deferred = NULL;
	hm->deferred_cap = 0;
	pthread_mutex_unlock(&hm->lock);
}

static uint32_t *host_refcount(void *ctx, void *va)
{
	struct s2_host_mm *hm = ctx;

	return s2_physmem_refcount(hm->pm, s2_physmem_pa(hm->pm, va));
}

static uint64_t host_virt_to_phys(void *ctx, void *va)
{
	return s2_physmem_pa(((struct s2_host_mm *)ctx)->pm, va);
}

static void *host_phys_to_virt(void *ctx, uint64_t pa)
{
	return s2_physmem_va(((struct s2_host_mm *)ctx)->pm, pa, 1);
}

static void host_tlbi_ipa(void *ctx, const struct s2_pgtable *pgt,
			  uint64_t ipa, unsigned int level)
{
	struct s2_host_mm *hm = ctx;

	__atomic_add_fetch(&hm->tlbi_ipa, 1, __ATOMIC_RELAXED);
	if (hm->tlbi_ipa_hook)
		hm->tlbi_ipa_hook(hm->hook_arg, pgt, ipa, level);
}

static void host_tlbi_vmid(void *ctx, const struct s2_pgtable *pgt)
{
	struct s2_host_mm *hm = ctx;

	__atomic_add_fetch(&hm->tlbi_vmid, 1, __ATOMIC_RELAXED);
	if (hm->tlbi_vmid_hook)
		hm->tlbi_vmid_hook(hm->hook_arg, pgt);
}

static void host_tlbi_all(void *ctx)
{
	struct s2_host_mm *hm = ctx;

	__atomic_add_fetch(&hm->tlbi_all, 1, __ATOMIC_RELAXED);
	if (hm->tlbi_all_hook)
		hm->tlbi_all_hook(hm->hook_arg);
}

void s2_host_mm_init(struct s2_host_mm *hm, struct s2_physmem *pm)
{
	memset(hm, 0, sizeof(*hm));
	pthread_mutex_init(&hm->lock, NULL);
	hm->pm = pm;
	hm->ops = (struct s2_mm_ops){
		.zalloc = host_zalloc,
		.alloc = host_alloc,
		.free = host_free,
		.free_deferred = host_free_deferred,
		.refcount = host_refcount,
		.virt_to_phys = host_virt_to_phys,
		.phys_to_virt = host_phys_to_virt,
		.dcache_clean_poc = NULL, /* the model's walker snoops */
		.tlbi_ipa = host_tlbi_ipa,
		.tlbi_vmid = host_tlbi_vmid,
		.tlbi_all = host_tlbi_all,
		.ctx = hm,
	};
}

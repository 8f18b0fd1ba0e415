/* SPDX-License-Identifier: MIT */
#include <s2mm/host_ops.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <s2mm/error.h>
#include <s2mm/monitor.h>

/*
 * What the ops tell the monitor. Only a build over the checked library has
 * one (it alone links check/monitor.c); the production build tells nothing.
 */
#ifdef S2MM_MONITOR
#define MON(hm, call) do { if ((hm)->mon) call; } while (0)
#else
#define MON(hm, call) do { (void)(hm); } while (0)
#endif

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
	MON(hm, s2_mon_alloc(hm->mon, va, size));
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

	MON(hm, s2_mon_free(hm->mon, va, size));
	s2_physmem_free(hm->pm, s2_physmem_pa(hm->pm, va), size);
	__atomic_add_fetch(&hm->frees, 1, __ATOMIC_RELAXED);
}

static void host_free_deferred(void *ctx, void *va, size_t size)
{
	struct s2_host_mm *hm = ctx;

	MON(hm, s2_mon_free(hm->mon, va, size));
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
	/* Not host_free(): the monitor saw these go at free_deferred. */
	for (size_t i = 0; i < hm->ndeferred; i++) {
		s2_physmem_free(hm->pm, s2_physmem_pa(hm->pm, hm->deferred[i].va),
				hm->deferred[i].size);
		__atomic_add_fetch(&hm->frees, 1, __ATOMIC_RELAXED);
	}
	hm->ndeferred = 0;
	free(hm->deferred);
	hm->deferred = NULL;
	hm->deferred_cap = 0;
	pthread_mutex_unlock(&hm->lock);
}

static uint32_t *host_refcount(void *ctx, void *va)
{
	struct s2_host_mm *hm = ctx;

	return s2_physmem_refcount(hm->pm, hm->win_base +
					   (uint64_t)((uint8_t *)va - hm->win_host));
}

static uint64_t host_virt_to_phys(void *ctx, void *va)
{
	struct s2_host_mm *hm = ctx;

	return hm->win_base + (uint64_t)((uint8_t *)va - hm->win_host);
}

/* As s2_physmem_va(pm, pa, 1): NULL outside the window (below its base,
 * the offset wraps to above its size). */
static void *host_phys_to_virt(void *ctx, uint64_t pa)
{
	struct s2_host_mm *hm = ctx;
	uint64_t off = pa - hm->win_base;

	return off >= hm->win_size ? NULL : hm->win_host + off;
}

/*
 * Each invalidation is what the ops contract asks of hardware: DSB ISHST,
 * the TLBI, DSB ISH. Told to the monitor step by step, as s2hyp's would be.
 */
static void host_tlbi_ipa(void *ctx, const struct s2_pgtable *pgt,
			  uint64_t ipa, unsigned int level)
{
	struct s2_host_mm *hm = ctx;

	__atomic_add_fetch(&hm->tlbi_ipa, 1, __ATOMIC_RELAXED);
	MON(hm, s2_mon_dsb(hm->mon, S2_MON_DSB_ISHST));
	MON(hm, s2_mon_tlbi_ipa(hm->mon, pgt, ipa, level));
	if (hm->tlbi_ipa_hook)
		hm->tlbi_ipa_hook(hm->hook_arg, pgt, ipa, level);
	if (!hm->drop_dsb)
		MON(hm, s2_mon_dsb(hm->mon, S2_MON_DSB_ISH));
}

static void host_tlbi_vmid(void *ctx, const struct s2_pgtable *pgt)
{
	struct s2_host_mm *hm = ctx;

	__atomic_add_fetch(&hm->tlbi_vmid, 1, __ATOMIC_RELAXED);
	MON(hm, s2_mon_dsb(hm->mon, S2_MON_DSB_ISHST));
	MON(hm, s2_mon_tlbi_vmid(hm->mon, pgt));
	if (hm->tlbi_vmid_hook)
		hm->tlbi_vmid_hook(hm->hook_arg, pgt);
	if (!hm->drop_dsb)
		MON(hm, s2_mon_dsb(hm->mon, S2_MON_DSB_ISH));
}

static void host_tlbi_all(void *ctx)
{
	struct s2_host_mm *hm = ctx;

	__atomic_add_fetch(&hm->tlbi_all, 1, __ATOMIC_RELAXED);
	MON(hm, s2_mon_dsb(hm->mon, S2_MON_DSB_ISHST));
	MON(hm, s2_mon_tlbi_all(hm->mon));
	if (hm->tlbi_all_hook)
		hm->tlbi_all_hook(hm->hook_arg);
	if (!hm->drop_dsb)
		MON(hm, s2_mon_dsb(hm->mon, S2_MON_DSB_ISH));
}

/* ------------------------------------------------------------------------ */
/* The break-before-make monitor.                                           */
/* ------------------------------------------------------------------------ */

#ifdef S2MM_MONITOR
static void host_monitor(void *ctx, const struct s2_mon_event *ev)
{
	struct s2_host_mm *hm = ctx;

	if (ev->kind == S2_MON_WRITE)
		__atomic_add_fetch(&hm->stores, ev->n, __ATOMIC_RELAXED);
	if (hm->mon)
		s2_mon_event(hm->mon, ev);
}

static void *mon_malloc(void *ctx, size_t size)
{
	(void)ctx;
	return malloc(size);
}

static void mon_mfree(void *ctx, void *p, size_t size)
{
	(void)ctx;
	(void)size;
	free(p);
}

/* By default a violation ends the program: the message says which rule. */
static void report_abort(void *arg, const struct s2_mon_violation *v)
{
	char msg[512];

	(void)arg;
	s2_mon_format(v, msg, sizeof(msg));
	fprintf(stderr, "s2mm monitor: %s\n", msg);
	abort();
}

int s2_host_mm_check(struct s2_host_mm *hm,
		     void (*report)(void *arg, const struct s2_mon_violation *v),
		     void *arg)
{
	static const struct s2_mon_mem mem = { mon_malloc, mon_mfree, NULL };

	if (!hm->mon) {
		hm->mon = malloc(sizeof(*hm->mon));
		if (!hm->mon)
			return -S2_ENOMEM;
	} else {
		s2_mon_fini(hm->mon);
	}
	s2_mon_init(hm->mon, &mem, report ? report : report_abort, arg);
	hm->ops.monitor = host_monitor;
	return 0;
}
#else
int s2_host_mm_check(struct s2_host_mm *hm,
		     void (*report)(void *arg, const struct s2_mon_violation *v),
		     void *arg)
{
	(void)hm;
	(void)report;
	(void)arg;
	return -S2_ENOTSUP; /* a production build reports nothing to check */
}
#endif

void s2_host_mm_fini(struct s2_host_mm *hm)
{
	s2_host_mm_reclaim(hm);
	MON(hm, s2_mon_fini(hm->mon));
	free(hm->mon);
	hm->mon = NULL;
	/* Stores are still counted. */
}

void s2_host_mm_init(struct s2_host_mm *hm, struct s2_physmem *pm)
{
	memset(hm, 0, sizeof(*hm));
	pthread_mutex_init(&hm->lock, NULL);
	hm->pm = pm;
	hm->win_base = s2_physmem_base(pm);
	hm->win_size = s2_physmem_size(pm);
	hm->win_host = s2_physmem_va(pm, hm->win_base, hm->win_size);
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
#ifdef S2MM_MONITOR
	/* Counts the library's stores; checks them after s2_host_mm_check(). */
	hm->ops.monitor = host_monitor;
	hm->stores_counted = true;
#endif
#ifdef S2MM_HOST_CHECK_ALWAYS
	/* The tests' build: every change checked, a violation fatal. */
	if (s2_host_mm_check(hm, NULL, NULL)) {
		fprintf(stderr, "s2mm host: no memory for the monitor\n");
		abort();
	}
#endif
}

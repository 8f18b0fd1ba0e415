/* SPDX-License-Identifier: MIT */
/*
 * The pager of guest RAM (pager.h): libs2mm asks it which frame backs a
 * page (struct s2_pager) on a stage-2 translation fault, and on a write
 * permission fault, where a shared frame is copied for the writer.
 */
#include "vm.h"
#include "pager.h"

#include <s2mm/error.h>

hyp_lock_t pager_lock;
hyp_lock_t pager_host_lock;
struct pager_stats pager_stats;
struct zstore pager_store;
bool pager_starved;

static struct hyp_vm *live[HYP_MAX_CPUS * 2];
static unsigned int nr_live;

int pager_init(uint64_t budget_frames, uint64_t arena_frames)
{
	uint64_t arena;

	if (arena_frames >= budget_frames ||
	    palloc_alloc(palloc_order(arena_frames * PAGE_SIZE), &arena))
		return -S2_ENOMEM;
	pager_stats.budget = budget_frames;
	pager_stats.arena_frames = arena_frames;
	pager_stats.used = pager_stats.peak = arena_frames;
	if (zstore_init(&pager_store, (void *)arena, arena_frames * PAGE_SIZE)) {
		palloc_free(arena, palloc_order(arena_frames * PAGE_SIZE));
		return -S2_EINVAL;
	}
	return 0;
}

uint64_t pager_frame_alloc(void)
{
	struct pager_stats *s = &pager_stats;
	uint64_t pa;

	if (s->used >= s->budget || palloc_alloc(0, &pa))
		return 0;
	*palloc_refcount(pa) = 0;
	if (++s->used > s->peak)
		s->peak = s->used;
	return pa;
}

void pager_frame_free(uint64_t pa)
{
	palloc_free(pa, 0);
	pager_stats.used--;
}

void pager_unshare(uint64_t pa)
{
	pager_stats.shared_pages--;
	/* The last one: the frame stays ksm.c's until it forgets it. */
	if (--*palloc_refcount(pa) == 0)
		pager_stats.shared_frames--;
}

/*
 * A frame the guest may now read with its MMU off or execute from: its
 * new contents to the PoC, and no instructions of its last owner left in
 * the instruction cache (Arm ARM D7.5.9).
 */
static void frame_ready(uint64_t pa)
{
	vm_dcache_clean(pa, PAGE_SIZE);
	__asm__ volatile("ic ialluis; dsb ish; isb" ::: "memory");
}

static uint64_t frame_zeroed(void)
{
	uint64_t pa = pager_frame_alloc();

	if (pa) {
		memset((void *)pa, 0, PAGE_SIZE);
		pager_stats.zero_fills++;
	}
	return pa;
}

/* struct s2_pager's page(): under the VM's mm_lock, shared. */
static int pager_page(void *arg, const struct s2_memslot *slot, uint64_t ipa,
		      bool write, uint64_t *pa, bool *writable)
{
	struct hyp_vm *vm = arg;
	struct pager_vm *pg = &vm->pg;
	uint64_t i = (ipa - slot->ipa) >> PAGE_SHIFT, frame;
	enum pg_state st;
	int ret = 0;

	hyp_lock(&pager_lock);
	st = pg->state[i];
	/* A frame of its own: first touch, back from the store, or a write
	 * to a shared frame (copy-on-write; the others keep it). */
	if (st == PG_NONE || st == PG_SWAPPED || (st == PG_SHARED && write)) {
		frame = pager_frame_alloc();
		if (!frame) {
			/* None until the reclaimer frees some. */
			pager_stats.starved++;
			__atomic_store_n(&pager_starved, true, __ATOMIC_RELEASE);
			ret = -S2_EAGAIN;
			goto out;
		}
		if (st == PG_NONE) {
			memset((void *)frame, 0, PAGE_SIZE);
			pager_stats.zero_fills++;
		} else if (st == PG_SWAPPED) {
			ret = zstore_take(&pager_store, pg->val[i], (void *)frame);
			if (ret) {
				pager_frame_free(frame);
				goto out;
			}
			pager_stats.pages_in++;
		} else {
			memcpy((void *)frame, (const void *)pg->val[i], PAGE_SIZE);
			pager_unshare(pg->val[i]);
			pager_stats.cow_breaks++;
		}
		frame_ready(frame);
		pg->state[i] = PG_PRIVATE;
		pg->val[i] = frame;
	}
	*pa = pg->val[i];
	*writable = pg->state[i] == PG_PRIVATE;
out:
	hyp_unlock(&pager_lock);
	return ret;
}

int pager_vm_init(struct hyp_vm *vm)
{
	struct pager_vm *pg = &vm->pg;
	const struct s2_pager p = { .page = pager_page, .arg = vm };

	pg->pages = vm->cfg.ram_size >> PAGE_SHIFT;
	pg->state = palloc_zalloc_bytes(pg->pages);
	pg->val = palloc_zalloc_bytes(pg->pages * 8);
	if (!pg->state || !pg->val) {
		pager_vm_fini(vm);
		return -S2_ENOMEM;
	}
	return s2_vm_set_pager(&vm->mm, &p);
}

void pager_vm_fini(struct hyp_vm *vm)
{
	struct pager_vm *pg = &vm->pg;

	hyp_lock(&pager_lock);
	for (uint64_t i = 0; pg->state && pg->val && i < pg->pages; i++) {
		if (pg->state[i] == PG_PRIVATE)
			pager_frame_free(pg->val[i]);
		else if (pg->state[i] == PG_SHARED)
			pager_unshare(pg->val[i]);
		else if (pg->state[i] == PG_SWAPPED)
			zstore_drop(&pager_store, pg->val[i]);
	}
	hyp_unlock(&pager_lock);
	if (pg->state)
		palloc_free_bytes(pg->state, pg->pages);
	if (pg->val)
		palloc_free_bytes(pg->val, pg->pages * 8);
	memset(pg, 0, sizeof(*pg));
}

int pager_copy_in(struct hyp_vm *vm, uint64_t off, const void *src,
		  uint64_t len)
{
	struct pager_vm *pg = &vm->pg;
	const char *from = src;

	while (len) {
		uint64_t i = off >> PAGE_SHIFT, in = off & (PAGE_SIZE - 1);
		uint64_t n = PAGE_SIZE - in < len ? PAGE_SIZE - in : len;

		hyp_lock(&pager_lock);
		if (pg->state[i] == PG_NONE) {
			uint64_t frame = frame_zeroed();

			if (!frame) {
				hyp_unlock(&pager_lock);
				return -S2_ENOMEM;
			}
			/* All of it: the guest reads the rest with its MMU
			 * off too. */
			frame_ready(frame);
			pg->state[i] = PG_PRIVATE;
			pg->val[i] = frame;
		}
		/* Before the guest runs: every page is private here. */
		memcpy((void *)(pg->val[i] + in), from, n);
		vm_dcache_clean(pg->val[i] + in, n);
		hyp_unlock(&pager_lock);
		from += n;
		off += n;
		len -= n;
	}
	return 0;
}

unsigned int pager_vms(struct hyp_vm ***vms)
{
	*vms = live;
	return nr_live;
}

void pager_vm_add(struct hyp_vm *vm)
{
	hyp_lock(&pager_host_lock);
	if (nr_live == ARRAY_SIZE(live))
		hyp_panic("pager: too many VMs");
	live[nr_live++] = vm;
	pager_stats.ram_pages += vm->pg.pages;
	if (pager_stats.ram_pages > pager_stats.ram_peak)
		pager_stats.ram_peak = pager_stats.ram_pages;
	hyp_unlock(&pager_host_lock);
}

void pager_vm_remove(struct hyp_vm *vm)
{
	/* Waits for a reclaim or merge pass that may be reading it. */
	hyp_lock(&pager_host_lock);
	for (unsigned int i = 0; i < nr_live; i++) {
		if (live[i] == vm) {
			live[i] = live[--nr_live];
			pager_stats.ram_pages -= vm->pg.pages;
			break;
		}
	}
	hyp_unlock(&pager_host_lock);
}

void pager_report(void)
{
	const struct pager_stats *s = &pager_stats;
	struct zstore_stats z;

	zstore_stats(&pager_store, &z);
	hyp_printf("pager: budget %lu frames (%lu MiB, %lu for the store), "
		   "peak %lu frames in use (%lu MiB) for %lu MiB of guest RAM at once; "
		   "%lu zero-filled, %lu out, %lu in, %lu retried faults, %lu "
		   "copy-on-write breaks; store peak %lu KiB\n", s->budget,
		   s->budget >> 8, s->arena_frames, s->peak, s->peak >> 8,
		   s->ram_peak >> 8, s->zero_fills, s->pages_out, s->pages_in,
		   s->starved, s->cow_breaks, s->store_peak >> 10);
}

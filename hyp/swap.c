/* SPDX-License-Identifier: MIT */
/*
 * The reclaimer (swap.h): a clock over each VM's private pages. A page
 * whose stage-2 Access flag is set was used since the last sweep: the
 * flag is cleared (libs2mm's test-and-clear) and the page spared once. A
 * page found with the flag clear is cold: unmapped (runs of neighbours in
 * one call, one invalidation), compressed into the store, its frame
 * freed. The unmap comes first: once it returns no guest access can
 * reach the frame, so the contents stored are final.
 */
#include "vm.h"
#include "pager.h"
#include "swap.h"

#include <s2mm/error.h>

struct swap_stats swap_stats;

/* Pages looked at per call, so that guest slices are not held up. */
#define SWAP_BATCH	512
/* Out of memory: in this long, more faults than this retried and fewer
 * served. */
#define SWAP_OOM_SECONDS	10
#define SWAP_OOM_FAULTS		256

static uint64_t free_frames(void)
{
	return pager_stats.budget - pager_stats.used;
}

/* Store page @i of @vm (unmapped already), under pager_lock. */
static int swap_out_page(struct hyp_vm *vm, uint64_t i)
{
	struct pager_vm *pg = &vm->pg;
	struct zstore_stats z;
	uint64_t handle;
	int ret = zstore_put(&pager_store, (const void *)pg->val[i], &handle);

	if (ret)
		return ret;
	pager_frame_free(pg->val[i]);
	pg->state[i] = PG_SWAPPED;
	pg->val[i] = handle;
	pager_stats.pages_out++;
	zstore_stats(&pager_store, &z);
	if (z.arena_used > pager_stats.store_peak) {
		pager_stats.store_peak = z.arena_used;
		swap_stats.peak_pages = z.pages;
		swap_stats.peak_same = z.same_filled;
	}
	return 0;
}

/* Unmap pages [first, first + n) of @vm and store them; under its
 * mm_lock. Return: pages stored (fewer if the store filled up). */
static uint64_t swap_out_run(struct hyp_vm *vm, uint64_t first, uint64_t n)
{
	uint64_t done = 0;
	int ret;

	if (!n)
		return 0;
	ret = s2_vm_unmap(&vm->mm, GUEST_RAM_IPA + (first << PAGE_SHIFT),
			  n << PAGE_SHIFT);
	if (ret)
		hyp_panic("vm%u: swap: s2_vm_unmap: %s", vm->id,
			  s2_strerror(ret));
	swap_stats.unmaps++;
	hyp_lock(&pager_lock);
	for (uint64_t i = first; i < first + n; i++) {
		/* Unmapped, still private: the fault path waits on the
		 * mm_lock; a full store leaves it private, faulting in again. */
		if (swap_out_page(vm, i)) {
			swap_stats.store_full++;
			continue;
		}
		done++;
	}
	hyp_unlock(&pager_lock);
	return done;
}

/*
 * Whether page @i can go to the store: a same-filled page always can;
 * others while the arena has room for a raw page. (Checked before the
 * unmap, so that a full store does not make the guest fault pages back
 * in for nothing; the contents may still change until the unmap, and a
 * put that then fails leaves the page private.)
 */
static bool storable(const struct pager_vm *pg, uint64_t i)
{
	struct zstore_stats z;

	hyp_lock(&pager_lock);
	zstore_stats(&pager_store, &z);
	hyp_unlock(&pager_lock);
	return z.arena_free >= 2 * PAGE_SIZE ||
	       zstore_same_filled((const void *)pg->val[i], NULL);
}

/* One sweep of up to @budget pages of @vm from its clock hand. */
static uint64_t sweep(struct hyp_vm *vm, uint64_t budget, uint64_t want)
{
	struct pager_vm *pg = &vm->pg;
	uint64_t freed = 0, run = 0, run_first = 0;

	hyp_mm_write_lock(&vm->mm_lock);
	for (uint64_t n = 0; n < budget && freed + run < want; n++) {
		uint64_t i = pg->clock;
		bool young = false;

		pg->clock = (pg->clock + 1) % pg->pages;
		swap_stats.scanned++;
		/* Only private pages: a shared frame is not one guest's. */
		if (pg->state[i] == PG_PRIVATE) {
			int ret = s2_vm_test_clear_young(
				&vm->mm, GUEST_RAM_IPA + (i << PAGE_SHIFT),
				PAGE_SIZE, &young);

			if (ret)
				hyp_panic("vm%u: swap: test_clear_young: %s",
					  vm->id, s2_strerror(ret));
			if (young) {
				swap_stats.young++;
			} else if (!storable(pg, i)) {
				swap_stats.store_full++;
			} else {
				if (!run || i != run_first + run) {
					freed += swap_out_run(vm, run_first, run);
					run = 0;
					run_first = i;
				}
				run++;
				continue;
			}
		}
		freed += swap_out_run(vm, run_first, run);
		run = 0;
	}
	freed += swap_out_run(vm, run_first, run);
	hyp_mm_write_unlock(&vm->mm_lock);
	return freed;
}

/*
 * Out of memory: over a window of SWAP_OOM_SECONDS, faults kept being
 * told to retry and hardly any was served (a page given a frame: zeroed,
 * brought back, copied). The guests are ended (an OOM kill) rather than
 * left hanging. Reclaim that keeps up, however slowly, is no OOM.
 */
static void oom_check(struct hyp_vm **vms, unsigned int nr)
{
	static uint64_t window, starved0, served0;
	const struct pager_stats *s = &pager_stats;
	uint64_t served = s->zero_fills + s->pages_in + s->cow_breaks;

	if (hyp_counter() - window < SWAP_OOM_SECONDS * read_sysreg(cntfrq_el0))
		return;
	if (window && s->starved - starved0 > SWAP_OOM_FAULTS &&
	    served - served0 < SWAP_OOM_FAULTS) {
		hyp_printf("swap: out of memory: %lu faults retried and %lu "
			   "served in %u s (store full)\n", s->starved - starved0,
			   served - served0, SWAP_OOM_SECONDS);
		for (unsigned int i = 0; i < nr; i++)
			vm_stop(vms[i], -S2_ENOMEM);
	}
	window = hyp_counter();
	starved0 = s->starved;
	served0 = served;
}

uint64_t swap_tick(void)
{
	static unsigned int next_vm;
	uint64_t low = pager_stats.budget / 32, high = pager_stats.budget / 16;
	static uint64_t last_status;
	uint64_t freed = 0, scanned = 0;
	struct hyp_vm **vms;
	unsigned int nr;

	if (!pager_stats.budget ||
	    (free_frames() >= low &&
	     !__atomic_load_n(&pager_starved, __ATOMIC_ACQUIRE)))
		return 0;
	/* One reclaimer at a time; the others go back to their guests. */
	if (!hyp_trylock(&pager_host_lock))
		return 0;
	__atomic_store_n(&pager_starved, false, __ATOMIC_RELEASE);
	nr = pager_vms(&vms);
	swap_stats.passes++;
	while (nr && free_frames() < high && scanned < SWAP_BATCH * nr) {
		struct hyp_vm *vm = vms[next_vm++ % nr];

		freed += sweep(vm, SWAP_BATCH, high - free_frames());
		scanned += SWAP_BATCH;
	}
	if (hyp_counter() - last_status > 5 * read_sysreg(cntfrq_el0)) {
		/* A reclaimer under pressure says how it is doing. */
		last_status = hyp_counter();
		hyp_printf("swap: %lu frames free, %lu out, %lu in, %lu faults "
			   "retried, %lu pages spared young, %lu left for a full "
			   "store\n", free_frames(), pager_stats.pages_out,
			   pager_stats.pages_in, pager_stats.starved,
			   swap_stats.young, swap_stats.store_full);
	}
	oom_check(vms, nr);
	hyp_unlock(&pager_host_lock);
	return freed;
}

void swap_report(void)
{
	uint64_t in = swap_stats.peak_pages * PAGE_SIZE;
	uint64_t used = pager_stats.store_peak;

	hyp_printf("swap: %lu reclaim runs, %lu pages scanned, %lu spared as "
		   "young, %lu unmap calls, %lu left for a full store; store "
		   "at its peak: %lu pages (%lu same-filled) in %lu KiB, "
		   "compression ratio %lu.%02lu\n", swap_stats.passes,
		   swap_stats.scanned, swap_stats.young, swap_stats.unmaps,
		   swap_stats.store_full, swap_stats.peak_pages,
		   swap_stats.peak_same, used >> 10, used ? in / used : 0,
		   used ? in * 100 / used % 100 : 0);
}

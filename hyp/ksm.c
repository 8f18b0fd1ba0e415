/* SPDX-License-Identifier: MIT */
/*
 * Same-page merging (ksm.h). Each pass sweeps every live pager VM's
 * private pages, hashing each into a table that holds the shared frames
 * and the pages seen so far this pass (KSM's stable and unstable trees,
 * as one hash table rebuilt per pass). A hash match is only a candidate:
 * the pages are write-protected first (libs2mm's s2_vm_wrprotect, which
 * invalidates), then compared byte for byte, and only equal pages are
 * remapped (s2_vm_map_page: break-before-make) onto the shared frame; the
 * frame a page leaves is freed after its remap, whose invalidation is the
 * last use the guest can make of it.
 *
 * Shared frames are owned here: a frame whose last page broke away stays
 * allocated (refcount 0) until the next rebuild forgets and frees it, so
 * the table never names a frame that went back to the allocator.
 */
#include "vm.h"
#include "ksm.h"
#include "linux.h"
#include "pager.h"

#include <s2mm/error.h>

struct ksm_stats ksm_stats;

#define KSM_BATCH	256

enum { E_EMPTY, E_SHARED, E_UNSTABLE };

struct entry {
	uint64_t hash;
	uint64_t pa;		/* the shared frame, or the page's frame */
	struct hyp_vm *vm;	/* E_UNSTABLE: whose page */
	uint32_t page;
	uint32_t kind;
};

static struct entry *table;
static uint64_t table_mask;
/* Every shared frame we own, with the hash of its contents (read-only:
 * it never changes). */
struct shared_frame {
	uint64_t pa, hash;
};
static struct shared_frame *shared;
static uint64_t nr_shared, max_shared;
static unsigned int cursor;	/* the live VM being swept */
static uint64_t zero_hash;

/* FNV-1a over 64-bit words: cheap, and equal pages always collide. */
static uint64_t page_hash(const uint64_t *p)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (unsigned int i = 0; i < PAGE_SIZE / 8; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

int ksm_init(uint64_t pages)
{
	uint64_t n = 1;
	static const uint64_t zero[PAGE_SIZE / 8];

	/* A pass adds at most one entry per page and per shared frame. */
	while (n < pages * 4)
		n <<= 1;
	table = palloc_zalloc_bytes(n * sizeof(*table));
	max_shared = pages;
	shared = palloc_zalloc_bytes(max_shared * sizeof(*shared));
	if (!table || !shared)
		return -S2_ENOMEM;
	table_mask = n - 1;
	zero_hash = page_hash(zero);
	return 0;
}

/* Probes before a lookup gives up (a page is then just not merged). */
#define KSM_PROBES	64

/* The entry for @hash, the empty slot where it would go, or NULL. */
static struct entry *lookup(uint64_t hash)
{
	uint64_t i = hash & table_mask;

	for (unsigned int n = 0; n < KSM_PROBES; n++, i = (i + 1) & table_mask)
		if (table[i].kind == E_EMPTY || table[i].hash == hash)
			return &table[i];
	return NULL;
}

/*
 * A new pass: free frames no page shares any more, forget the pages seen
 * (their contents may have changed), keep the shared frames. A frame's
 * last sharer dropped it in a copy-on-write fault that may still be
 * remapping the page (its vCPUs can read the frame until then): each
 * VM's faults in flight are waited out (its mm_lock, taken and dropped)
 * before such a frame goes back. Only merging raises a refcount, so a
 * frame found at 0 stays there meanwhile.
 */
static void rebuild(struct hyp_vm **vms, unsigned int nr)
{
	uint64_t nr_free = 0;

	memset(table, 0, (table_mask + 1) * sizeof(*table));
	hyp_lock(&pager_lock);
	for (uint64_t i = 0; i < nr_shared; i++) {
		if (*palloc_refcount(shared[i].pa) == 0) {
			/* To the front: the ones to free. */
			struct shared_frame t = shared[nr_free];

			shared[nr_free++] = shared[i];
			shared[i] = t;
		}
	}
	hyp_unlock(&pager_lock);
	if (nr_free) {
		for (unsigned int k = 0; k < nr; k++) {
			hyp_mm_write_lock(&vms[k]->mm_lock);
			hyp_mm_write_unlock(&vms[k]->mm_lock);
		}
		hyp_lock(&pager_lock);
		for (uint64_t i = 0; i < nr_free; i++)
			pager_frame_free(shared[i].pa);
		for (uint64_t i = nr_free; i < nr_shared; i++)
			shared[i - nr_free] = shared[i];
		nr_shared -= nr_free;
		hyp_unlock(&pager_lock);
	}
	/* Their hashes were taken once: the frames are read-only. */
	for (uint64_t i = 0; i < nr_shared; i++) {
		struct entry *e = lookup(shared[i].hash);

		if (e && e->kind == E_EMPTY)
			*e = (struct entry){ .hash = shared[i].hash, .pa = shared[i].pa,
					     .kind = E_SHARED };
	}
	ksm_stats.passes++;
}

static void count_merge(uint64_t frame_hash)
{
	uint64_t saved;

	ksm_stats.merged++;
	ksm_stats.zero_merged += frame_hash == zero_hash;
	pager_stats.shared_pages++;
	saved = pager_stats.shared_pages - pager_stats.shared_frames;
	if (saved > ksm_stats.saved_peak)
		ksm_stats.saved_peak = saved;
}

/*
 * Page @i of @vm (write-protected, equal to shared frame @s): remap it
 * there and free its frame. Under the VM's mm_lock.
 */
static void remap_shared(struct hyp_vm *vm, uint64_t i, uint64_t s,
			 uint64_t hash)
{
	struct pager_vm *pg = &vm->pg;
	uint64_t old = pg->val[i];

	if (s2_vm_map_page(&vm->mm, GUEST_RAM_IPA + (i << PAGE_SHIFT), s,
			   false))
		return; /* no memory for a table: it stays private */
	hyp_lock(&pager_lock);
	/* Its last page may have broken away since the table was read:
	 * the frame, unchanged, is shared again. */
	if ((*palloc_refcount(s))++ == 0)
		pager_stats.shared_frames++;
	pg->state[i] = PG_SHARED;
	pg->val[i] = s;
	pager_frame_free(old);
	count_merge(hash);
	hyp_unlock(&pager_lock);
}

static int wrprotect(struct hyp_vm *vm, uint64_t i)
{
	return s2_vm_wrprotect(&vm->mm, GUEST_RAM_IPA + (i << PAGE_SHIFT),
			       PAGE_SIZE);
}

/* Merge page @i of @vm into shared frame @e->pa if equal. */
static void merge_into_shared(struct hyp_vm *vm, uint64_t i, struct entry *e)
{
	hyp_mm_write_lock(&vm->mm_lock);
	if (!wrprotect(vm, i)) {
		ksm_stats.compared++;
		if (page_equal((const void *)vm->pg.val[i], (const void *)e->pa))
			remap_shared(vm, i, e->pa, e->hash);
	}
	hyp_mm_write_unlock(&vm->mm_lock);
}

static bool vm_live(struct hyp_vm *vm)
{
	struct hyp_vm **vms;
	unsigned int nr = pager_vms(&vms);

	for (unsigned int k = 0; k < nr; k++)
		if (vms[k] == vm)
			return true;
	return false;
}

/*
 * Page @i of @vm hashed like page @e->page of @e->vm, seen earlier this
 * pass: if both are still private with the frames seen and equal, the
 * earlier one's frame becomes shared and the other is remapped onto it.
 */
static void merge_pair(struct hyp_vm *vm, uint64_t i, struct entry *e)
{
	struct hyp_vm *a = e->vm;
	uint64_t ai = e->page, fa = e->pa;

	if (!vm_live(a) || ai >= a->pg.pages || (a == vm && ai == i))
		return;
	/* Two write locks: only this pass takes more than one, so no
	 * other CPU can hold one of them waiting for the other. */
	hyp_mm_write_lock(&a->mm_lock);
	if (a != vm)
		hyp_mm_write_lock(&vm->mm_lock);
	if (a->pg.state[ai] == PG_PRIVATE && a->pg.val[ai] == fa &&
	    nr_shared < max_shared && !wrprotect(a, ai) && !wrprotect(vm, i)) {
		ksm_stats.compared++;
		if (page_equal((const void *)fa, (const void *)vm->pg.val[i])) {
			/* a's page keeps its frame, now shared read-only:
			 * its mapping is write-protected already. */
			hyp_lock(&pager_lock);
			*palloc_refcount(fa) = 1;
			a->pg.state[ai] = PG_SHARED;
			pager_stats.shared_frames++;
			count_merge(e->hash);
			hyp_unlock(&pager_lock);
			/* Hashed now, write-protected: e->hash is of what
			 * the page held when it was seen. */
			shared[nr_shared++] = (struct shared_frame){
				fa, page_hash((const uint64_t *)fa) };
			e->kind = E_SHARED;
			e->vm = NULL;
			remap_shared(vm, i, fa, e->hash);
		}
	}
	if (a != vm)
		hyp_mm_write_unlock(&vm->mm_lock);
	hyp_mm_write_unlock(&a->mm_lock);
}

/* Hash page @i of @vm and act on what the table says. */
static void scan_page(struct hyp_vm *vm, uint64_t i)
{
	struct pager_vm *pg = &vm->pg;
	uint64_t h;
	struct entry *e;

	/* The state can change under us only from private to swapped
	 * (not while we hold pager_host_lock) or by a fault of the guest
	 * (never out of private): a private frame stays allocated. */
	if (pg->state[i] != PG_PRIVATE)
		return;
	ksm_stats.scanned++;
	h = page_hash((const uint64_t *)pg->val[i]);
	e = lookup(h);
	if (!e)
		return;
	if (e->kind == E_SHARED) {
		if (*palloc_refcount(e->pa))
			merge_into_shared(vm, i, e);
	} else if (e->kind == E_UNSTABLE) {
		merge_pair(vm, i, e);
	} else {
		*e = (struct entry){ .hash = h, .pa = pg->val[i], .vm = vm,
				     .page = (uint32_t)i, .kind = E_UNSTABLE };
	}
}

void ksm_tick(void)
{
	struct hyp_vm **vms, *vm;
	unsigned int nr;

	if (!table || !hyp_trylock(&pager_host_lock))
		return;
	nr = pager_vms(&vms);
	if (!nr)
		goto out;
	if (cursor >= nr) {
		cursor = 0;
		rebuild(vms, nr);
	}
	vm = vms[cursor];
	for (unsigned int n = 0; n < KSM_BATCH; n++) {
		struct pager_vm *pg = &vm->pg;

		scan_page(vm, pg->scan);
		if (++pg->scan < pg->pages)
			continue;
		/* A whole sweep of this VM: one host event for a guest
		 * that was ready before it began. */
		pg->scan = 0;
		if (pg->ready_at_sweep_start)
			__atomic_add_fetch(&vm->host_events, 1,
					   __ATOMIC_RELEASE);
		pg->ready_at_sweep_start =
			__atomic_load_n(&vm->guest_phase, __ATOMIC_ACQUIRE) >=
			HARNESS_PHASE_READY;
		pg->passes++;
		cursor++;
		break;
	}
out:
	hyp_unlock(&pager_host_lock);
}

void ksm_fini(void)
{
	/* Every VM is gone: every shared frame left has refcount 0. (The
	 * table, like the pager's store, lives as long as s2hyp.) */
	hyp_lock(&pager_lock);
	for (uint64_t i = 0; i < nr_shared; i++)
		pager_frame_free(shared[i].pa);
	nr_shared = 0;
	hyp_unlock(&pager_lock);
}

void ksm_report(void)
{
	hyp_printf("ksm: %lu passes, %lu pages hashed, %lu compared, %lu "
		   "merged (%lu zero pages), %lu shared frames for %lu guest "
		   "pages now; at most %lu frames saved (%lu MiB); %lu "
		   "copy-on-write breaks\n", ksm_stats.passes,
		   ksm_stats.scanned, ksm_stats.compared, ksm_stats.merged,
		   ksm_stats.zero_merged, pager_stats.shared_frames,
		   pager_stats.shared_pages, ksm_stats.saved_peak,
		   ksm_stats.saved_peak >> 8, pager_stats.cow_breaks);
}

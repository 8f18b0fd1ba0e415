/* SPDX-License-Identifier: MIT */
/*
 * The page pool behind pager slots (--overcommit, --share): the host's
 * frames, the VMs' records of their pages (mm.h), and the pager that
 * libs2mm calls on a fault in such a slot (struct s2_pager): a page never
 * touched gets a zeroed frame (RAM need not be zeroed up front), a page
 * in the store comes back from it, a write to a shared page gets a
 * private copy (copy-on-write). With no free frame the pager answers
 * -S2_EAGAIN: the vCPU retries once the host has made room (hyp.c calls
 * mm_after_retry() after such a retry), so the library is never entered
 * again from inside its own fault handler.
 */
#include <stdlib.h>
#include <string.h>

#include <s2mm/error.h>

#include "mm.h"

void mm_account(struct sim *s)
{
	struct sim_mm *mm = s->mm;
	struct sim_mm_stats *st = &s->st.mm;
	uint64_t used = mm->nframes - mm->nfree;

	st->host_bytes = used * mm->gsz + st->store_bytes;
	if (st->host_bytes > st->peak_host_bytes)
		st->peak_host_bytes = st->host_bytes;
	if (used > st->peak_pages)
		st->peak_pages = used;
	if (mm->saved > st->saved_peak)
		st->saved_peak = mm->saved;
}

bool mm_frame_get(struct sim *s, uint32_t *f)
{
	struct sim_mm *mm = s->mm;

	if (!mm->free_head) {
		mm->want = true;
		return false;
	}
	*f = mm->free_head - 1;
	mm->free_head = mm->fr[*f].next;
	mm->nfree--;
	mm->fr[*f] = (struct mm_frame){ 0 };
	mm_account(s);
	return true;
}

/*
 * Free frame @f. Its contents are overwritten with DV_POISON, as a kernel
 * with init_on_free would: a translation the host forgot to invalidate
 * then reads garbage that the data self-check reports, not yesterday's
 * data that would pass it.
 */
void mm_frame_put(struct sim *s, uint32_t f)
{
	struct sim_mm *mm = s->mm;
	uint64_t *p = mm_frame_va(s, f);

	share_unlist(mm, f);
	for (uint64_t i = 0; i < mm->gsz / 8; i++)
		p[i] = DV_POISON;
	mm->fr[f] = (struct mm_frame){ .state = FR_FREE, .next = mm->free_head };
	mm->free_head = f + 1;
	mm->nfree++;
	mm_account(s);
}

void mm_set_private(struct sim_mm *mm, uint32_t f, const struct gvm *g, uint32_t page)
{
	share_unlist(mm, f);
	mm->fr[f] = (struct mm_frame){ .state = FR_PRIVATE, .vm = g->idx, .page = page,
				       .ref = 1 };
}

/* The pager (struct s2_pager): the host page backing @ipa for VM @arg. */
static int pager_page(void *arg, const struct s2_memslot *slot, uint64_t ipa,
		      bool write, uint64_t *pa, bool *writable)
{
	struct gvm *g = arg;
	struct sim *s = g->sim;
	struct sim_mm *mm = s->mm;
	uint32_t page = (uint32_t)((ipa - slot->ipa) >> mm->gshift);
	uint32_t e = g->pte[page], f, copy;

	if (!e || (e & MM_PTE_STORE)) {
		if (!mm_frame_get(s, &f))
			return -S2_EAGAIN;
		if (e) {
			swap_in(s, g, page, e & ~MM_PTE_STORE, f);
		} else {
			memset(mm_frame_va(s, f), 0, mm->gsz);
			s->st.mm.zero_fills++;
		}
		mm_set_private(mm, f, g, page);
		g->pte[page] = f + 1;
	} else {
		f = e - 1;
		if (mm->fr[f].state == FR_SHARED) {
			if (!write) {
				/* Read-only: the next write asks again. */
				*pa = mm_frame_pa(mm, f);
				*writable = false;
				return 0;
			}
			/* Copy-on-write breaks the sharing for this page. */
			s->st.mm.breaks++;
			if (mm->fr[f].ref == 1) {
				/* The last sharer: the frame is its own again. */
				s->st.mm.shared_frames--;
				mm_set_private(mm, f, g, page);
			} else {
				if (!mm_frame_get(s, &copy))
					return -S2_EAGAIN;
				memcpy(mm_frame_va(s, copy), mm_frame_va(s, f), mm->gsz);
				mm->fr[f].ref--;
				mm->saved--;
				mm_set_private(mm, copy, g, page);
				g->pte[page] = copy + 1;
				f = copy;
			}
		}
	}
	*pa = mm_frame_pa(mm, f);
	*writable = true;
	return 0;
}

int mm_create(struct sim *s, uint64_t total_pages, char *err, size_t errlen)
{
	struct sim_mm *mm = calloc(1, sizeof(*mm));
	double ratio = s->cfg.overcommit;
	int ret;

	if (!mm) {
		snprintf(err, errlen, "out of memory");
		return -S2_ENOMEM;
	}
	s->mm = mm;
	mm->gsz = s->cfg.granule;
	mm->gshift = (unsigned int)__builtin_ctzll(mm->gsz);
	mm->overcommit = ratio != 0;
	/* Overcommit: the host has RAM / ratio; else as much as the guests. */
	mm->nframes = mm->overcommit ? (uint64_t)((double)total_pages / ratio) : total_pages;
	s->st.mm.guest_bytes = total_pages * mm->gsz;
	s->st.mm.page_size = mm->gsz;
	s->st.mm.pool_pages = mm->nframes;
	if (mm->nframes < 64) {
		snprintf(err, errlen, "--overcommit %g leaves the host %llu pages for %llu "
			 "pages of guest RAM: at least 64 needed", ratio,
			 (unsigned long long)mm->nframes, (unsigned long long)total_pages);
		return -S2_EINVAL;
	}
	if (mm->nframes >= MM_PTE_STORE) {
		snprintf(err, errlen, "guest RAM too large for the page pool");
		return -S2_ERANGE;
	}
	mm->chunk_fshift = MM_CHUNK_SHIFT - mm->gshift;
	mm->nchunks = (uint32_t)((mm->nframes + (1ULL << mm->chunk_fshift) - 1) >>
				 mm->chunk_fshift);
	mm->chunk_pa = calloc(mm->nchunks, sizeof(*mm->chunk_pa));
	mm->chunk_of = calloc((s->mem.size >> MM_CHUNK_SHIFT) + 1, sizeof(*mm->chunk_of));
	mm->fr = calloc(mm->nframes, sizeof(*mm->fr));
	if (!mm->chunk_pa || !mm->chunk_of || !mm->fr) {
		snprintf(err, errlen, "out of memory");
		return -S2_ENOMEM;
	}
	mm->lo = UINT64_MAX;
	for (uint32_t i = 0; i < mm->nchunks; i++) {
		uint64_t n = mm->nframes - ((uint64_t)i << mm->chunk_fshift);
		uint64_t size = (n < (1ULL << mm->chunk_fshift) ? n : 1ULL << mm->chunk_fshift)
				<< mm->gshift;

		/* Aligned to its size rounded up: inside one chunk-sized region. */
		ret = s2_physmem_alloc_range(s->pm, size, mm->gsz, &mm->chunk_pa[i]);
		if (ret) {
			snprintf(err, errlen, "host page pool of %llu MiB: %s",
				 (unsigned long long)(mm->nframes * mm->gsz >> 20),
				 s2_strerror(ret));
			return ret;
		}
		mm->chunk_of[(mm->chunk_pa[i] - PHYS_BASE) >> MM_CHUNK_SHIFT] = i + 1;
		if (mm->chunk_pa[i] < mm->lo)
			mm->lo = mm->chunk_pa[i];
		if (mm->chunk_pa[i] + size > mm->hi)
			mm->hi = mm->chunk_pa[i] + size;
	}
	/* The free list in address order: the first faults take the lowest. */
	for (uint64_t i = mm->nframes; i-- > 0;) {
		mm->fr[i].next = mm->free_head;
		mm->free_head = (uint32_t)i + 1;
	}
	mm->nfree = mm->nframes;
	ret = mm->overcommit ? swap_init(s) : 0;
	if (!ret && s->cfg.share)
		ret = share_init(s);
	if (ret)
		snprintf(err, errlen, "out of memory");
	return ret;
}

void mm_destroy(struct sim *s)
{
	struct sim_mm *mm = s->mm;

	if (!mm)
		return;
	swap_destroy(s);
	share_destroy(s);
	for (uint32_t i = 0; mm->chunk_pa && i < mm->nchunks; i++) {
		uint64_t n = mm->nframes - ((uint64_t)i << mm->chunk_fshift);

		if (mm->chunk_pa[i])
			s2_physmem_free_range(s->pm, mm->chunk_pa[i],
					      (n < (1ULL << mm->chunk_fshift) ? n :
					       1ULL << mm->chunk_fshift) << mm->gshift);
	}
	free(mm->chunk_pa);
	free(mm->chunk_of);
	free(mm->fr);
	free(mm);
	s->mm = NULL;
}

int mm_vm_init(struct sim *s, struct gvm *g)
{
	struct s2_pager pager = { .page = pager_page, .arg = g };
	struct s2_memslot slot = { .id = 0, .ipa = RAM_IPA, .size = g->ram_size,
				   .flags = S2_SLOT_PAGER };
	int err;

	g->pte = calloc(g->ram_size >> s->mm->gshift, sizeof(*g->pte));
	if (!g->pte)
		return -S2_ENOMEM;
	err = s2_vm_set_pager(gvm_s2(g), &pager);
	return err ? err : s2_vm_slot_add(gvm_s2(g), &slot);
}

void mm_vm_destroy(struct sim *s, struct gvm *g)
{
	(void)s; /* its frames go with the pool, its store entries with the store */
	free(g->pte);
	g->pte = NULL;
}

bool mm_pa_ok(const struct sim *s, const struct gvm *g, uint64_t pa, bool write)
{
	const struct sim_mm *mm = s->mm;
	const struct mm_frame *fr;
	uint32_t c;
	uint64_t f;

	if (pa - PHYS_BASE >= s->mem.size)
		return false;
	c = mm->chunk_of[(pa - PHYS_BASE) >> MM_CHUNK_SHIFT];
	if (!c || pa < mm->chunk_pa[c - 1])
		return false;
	f = ((uint64_t)(c - 1) << mm->chunk_fshift) + ((pa - mm->chunk_pa[c - 1]) >> mm->gshift);
	if (f >= mm->nframes)
		return false;
	fr = &mm->fr[f];
	if (fr->state == FR_SHARED)
		return !write;
	return fr->state == FR_PRIVATE && fr->vm == g->idx;
}

uint64_t mm_pool_pa(const struct sim *s)
{
	return s->mm->lo;
}

uint64_t mm_pool_size(const struct sim *s)
{
	return s->mm->hi - s->mm->lo;
}

int mm_after_retry(struct sim *s)
{
	if (!s->mm->want)
		return 0;
	s->mm->want = false;
	if (!s->mm->overcommit)
		return sim_fail(s, -S2_ENOMEM, "host page pool exhausted");
	return swap_reclaim(s);
}

int mm_slice_end(struct sim *s)
{
	return s->cfg.share ? share_tick(s) : 0;
}

void mm_stats(const struct sim *s, struct sim_stats *st)
{
	const struct sim_mm *mm = s->mm;

	st->mm.sharing = 0;
	for (uint64_t f = 0; f < mm->nframes; f++)
		if (mm->fr[f].state == FR_SHARED)
			st->mm.sharing += mm->fr[f].ref;
}

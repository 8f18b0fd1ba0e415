/* SPDX-License-Identifier: MIT */
/*
 * --overcommit: the host has fewer frames than the guests have RAM. When a
 * fault finds none free, the host reclaims cold pages as Linux's page
 * reclaim does for a VM's anonymous memory with zram as swap:
 *  - a clock over the frames ages each private page with
 *    s2_vm_test_clear_young() (a page whose Access flag was set gets a
 *    second chance; no invalidation, so a hint may be stale, as Linux's);
 *  - a cold page is unmapped with s2_vm_unmap() (invalidated), its contents
 *    stored: a same-filled page (zeroes, most often) as its fill word
 *    alone, any other compressed with zstd; its frame freed;
 *  - the next fault on it (the pager, mm.c) takes a frame and brings
 *    the contents back.
 * Shared pages (--share) are not reclaimed: one frame backs many pages.
 */
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include <s2mm/error.h>

#include "mm.h"

#define ZSTD_LEVEL 1

int swap_init(struct sim *s)
{
	struct sim_mm *mm = s->mm;

	mm->cctx = ZSTD_createCCtx();
	mm->dctx = ZSTD_createDCtx();
	mm->zcap = ZSTD_compressBound(mm->gsz);
	mm->zbuf = malloc(mm->zcap);
	if (s->cfg.bad_swapin)
		mm->prev_in = malloc(mm->gsz);
	if (!mm->cctx || !mm->dctx || !mm->zbuf || (s->cfg.bad_swapin && !mm->prev_in))
		return -S2_ENOMEM;
	return 0;
}

void swap_destroy(struct sim *s)
{
	struct sim_mm *mm = s->mm;

	for (uint32_t i = 0; i < mm->nstore; i++)
		free(mm->store[i].data);
	free(mm->store);
	ZSTD_freeCCtx(mm->cctx);
	ZSTD_freeDCtx(mm->dctx);
	free(mm->zbuf);
	free(mm->prev_in);
}

static int entry_new(struct sim_mm *mm, uint32_t *idx)
{
	if (!mm->store_free) {
		uint32_t n = mm->nstore ? mm->nstore * 2 : 1024;
		struct mm_entry *p = realloc(mm->store, n * sizeof(*p));

		if (!p)
			return -S2_ENOMEM;
		for (uint32_t i = n; i-- > mm->nstore;)
			p[i] = (struct mm_entry){ .next_free = i + 1 < n ? i + 2 : 0 };
		mm->store_free = mm->nstore + 1;
		mm->store = p;
		mm->nstore = n;
	}
	*idx = mm->store_free - 1;
	mm->store_free = mm->store[*idx].next_free;
	return 0;
}

static void entry_free(struct sim *s, uint32_t idx)
{
	struct sim_mm *mm = s->mm;
	struct mm_entry *e = &mm->store[idx];

	s->st.mm.store_bytes -= e->len;
	s->st.mm.stored_pages--;
	free(e->data);
	*e = (struct mm_entry){ .next_free = mm->store_free };
	mm->store_free = idx + 1;
}

/* Store the contents of frame @f in entry @idx. */
static int store_page(struct sim *s, uint32_t f, uint32_t idx)
{
	struct sim_mm *mm = s->mm;
	struct mm_entry *e = &mm->store[idx];
	const uint64_t *p = mm_frame_va(s, f);
	uint64_t i, n = mm->gsz / 8;
	size_t len;

	for (i = 1; i < n && p[i] == p[0]; i++)
		;
	if (i == n) {
		/* Same-filled, as zram stores it: the word alone. */
		*e = (struct mm_entry){ .fill = p[0] };
		s->st.mm.same_filled++;
	} else {
		len = ZSTD_compressCCtx(mm->cctx, mm->zbuf, mm->zcap, p, mm->gsz, ZSTD_LEVEL);
		if (ZSTD_isError(len))
			return -S2_EINVAL;
		*e = (struct mm_entry){ .data = malloc(len), .len = (uint32_t)len };
		if (!e->data)
			return -S2_ENOMEM;
		memcpy(e->data, mm->zbuf, len);
		s->st.mm.compressed_in += mm->gsz;
		s->st.mm.compressed_out += len;
		s->st.mm.store_bytes += len;
	}
	s->st.mm.stored_pages++;
	return 0;
}

/* Page out the private frame @f: unmap, store, free. */
static int swap_out(struct sim *s, uint32_t f)
{
	struct sim_mm *mm = s->mm;
	struct mm_frame *fr = &mm->fr[f];
	struct gvm *g = &s->vms[fr->vm];
	uint32_t page = fr->page, idx;
	int err;

	/* Unmapped (and invalidated) first: the guest cannot write it meanwhile. */
	err = s2_vm_unmap(gvm_s2(g), mm_page_ipa(mm, page), mm->gsz);
	if (err)
		return sim_fail(s, err, "reclaim: s2_vm_unmap");
	sim_sweep(s, g);
	err = entry_new(mm, &idx);
	if (!err)
		err = store_page(s, f, idx);
	if (err)
		return sim_fail(s, err, "reclaim: the compressed store");
	g->pte[page] = MM_PTE_STORE | idx;
	s->st.mm.pages_out++;
	mm_frame_put(s, f);
	return 0;
}

/* Whether guest page @page of @g holds data the guest wrote (the shadow). */
static bool data_page(const struct sim_mm *mm, const struct gvm *g, uint32_t page)
{
	uint64_t first = ((uint64_t)page << mm->gshift) >> 12;

	for (uint64_t k = 0; k < mm->gsz >> 12; k++)
		if (g->shadow[first + k])
			return true;
	return false;
}

void swap_in(struct sim *s, struct gvm *g, uint32_t page, uint32_t idx, uint32_t f)
{
	struct sim_mm *mm = s->mm;
	struct mm_entry *e = &mm->store[idx];
	uint64_t *p = mm_frame_va(s, f);

	if (!e->len) {
		for (uint64_t i = 0; i < mm->gsz / 8; i++)
			p[i] = e->fill;
	} else {
		/* Compressed from a full page by this store: cannot fail. */
		ZSTD_decompressDCtx(mm->dctx, p, mm->gsz, e->data, e->len);
	}
	if (s->cfg.bad_swapin && data_page(mm, g, page)) {
		/*
		 * Test aid: the store hands back the page restored before
		 * this one (a decompression into the wrong page).
		 */
		if (mm->have_prev) {
			memcpy(mm->zbuf, p, mm->gsz); /* zcap >= gsz */
			memcpy(p, mm->prev_in, mm->gsz);
			memcpy(mm->prev_in, mm->zbuf, mm->gsz);
		} else {
			memcpy(mm->prev_in, p, mm->gsz);
			mm->have_prev = true;
		}
	}
	entry_free(s, idx);
	s->st.mm.pages_in++;
}

/*
 * Make room: run the clock until a few frames are free (a batch, as
 * kswapd frees up to a watermark, so that the next faults find some).
 */
int swap_reclaim(struct sim *s)
{
	struct sim_mm *mm = s->mm;
	uint64_t target = mm->nframes / 64 < 8 ? 8 : mm->nframes / 64;
	uint64_t steps = 0;
	int err;

	if (target > 64)
		target = 64;
	while (mm->nfree < target && steps++ < 2 * mm->nframes + 1) {
		uint32_t f = (uint32_t)(mm->hand++ % mm->nframes);
		struct mm_frame *fr = &mm->fr[f];
		bool young = false;

		if (fr->state != FR_PRIVATE)
			continue;
		s->st.mm.aged++;
		err = s2_vm_test_clear_young(gvm_s2(&s->vms[fr->vm]),
					     mm_page_ipa(mm, fr->page), mm->gsz, &young);
		if (err)
			return sim_fail(s, err, "reclaim: s2_vm_test_clear_young");
		if (young) {
			s->st.mm.young++;
			continue; /* second chance */
		}
		err = swap_out(s, f);
		if (err)
			return err;
	}
	if (!mm->nfree)
		return sim_fail(s, -S2_ENOMEM, "reclaim: no page to take (all shared)");
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * --share: same-page merging, as Linux's KSM does for VMs' memory. A
 * scanner looks at --share-scan frames of the pool per time slice, round
 * and round. A private page whose contents did not change since its last
 * look (a volatile page is not worth merging) is looked up by the hash of
 * its contents:
 *  - among the shared pages (KSM's stable tree): found, the candidate is
 *    write-protected (s2_vm_wrprotect: the guest cannot change it while
 *    the host compares), compared byte by byte, and if equal remapped
 *    read-only onto the shared page (s2_vm_map_page: break-before-make,
 *    invalidated); its own frame is freed;
 *  - among the pages seen once this pass (the unstable tree): found and
 *    still equal, that page becomes a shared page and the candidate is
 *    merged into it; else the candidate waits there for a partner.
 * A write to a shared page faults into the pager (mm.c), which gives
 * the writer a private copy. Zero pages need nothing special: they are
 * the commonest identical page. The kernel image the guests write at boot
 * is the same in every VM (sim_image_value(), sim_int.h): the other source.
 */
#include <stdlib.h>
#include <string.h>

#include <s2mm/error.h>

#include "mm.h"

/* Four independent lanes: a page in about a fifth of a microsecond. */
static uint64_t page_hash(const uint64_t *p, uint64_t words)
{
	uint64_t h[4] = { 0x9E3779B97F4A7C15ULL, 0xC2B2AE3D27D4EB4FULL,
			  0x165667B19E3779F9ULL, 0x27D4EB2F165667C5ULL };

	for (uint64_t i = 0; i < words; i += 4)
		for (unsigned int k = 0; k < 4; k++)
			h[k] = (h[k] ^ p[i + k]) * 0xff51afd7ed558ccdULL;
	return (h[0] ^ (h[1] >> 17) ^ (h[2] << 13) ^ (h[3] >> 29)) * 0xc4ceb9fe1a85ec53ULL;
}

static uint32_t *bucket(struct sim_mm *mm, uint8_t list, uint64_t hash)
{
	uint32_t *t = list == FL_STABLE ? mm->stable : mm->unstable;

	return &t[hash & (mm->buckets - 1)];
}

static void list_add(struct sim_mm *mm, uint32_t f, uint8_t list)
{
	uint32_t *b = bucket(mm, list, mm->fr[f].hash);

	mm->fr[f].next = *b;
	mm->fr[f].list = list;
	*b = f + 1;
}

void share_unlist(struct sim_mm *mm, uint32_t f)
{
	uint32_t *p;

	if (mm->fr[f].list == FL_NONE)
		return;
	for (p = bucket(mm, mm->fr[f].list, mm->fr[f].hash); *p; p = &mm->fr[*p - 1].next)
		if (*p == f + 1) {
			*p = mm->fr[f].next;
			break;
		}
	mm->fr[f].list = FL_NONE;
	mm->fr[f].next = 0;
}

int share_init(struct sim *s)
{
	struct sim_mm *mm = s->mm;

	mm->buckets = 1;
	while (mm->buckets < mm->nframes)
		mm->buckets <<= 1;
	mm->stable = calloc(mm->buckets, sizeof(*mm->stable));
	mm->unstable = calloc(mm->buckets, sizeof(*mm->unstable));
	return mm->stable && mm->unstable ? 0 : -S2_ENOMEM;
}

void share_destroy(struct sim *s)
{
	free(s->mm->stable);
	free(s->mm->unstable);
}

static uint64_t frame_hash(struct sim *s, uint32_t f)
{
	return page_hash(mm_frame_va(s, f), s->mm->gsz / 8);
}

/* Write-protect guest page @page of @g before comparing it. */
static int wrprotect(struct sim *s, struct gvm *g, uint32_t page)
{
	int err = s2_vm_wrprotect(gvm_s2(g), mm_page_ipa(s->mm, page), s->mm->gsz);

	if (err)
		return sim_fail(s, err, "share: s2_vm_wrprotect");
	sim_sweep(s, g);
	return 0;
}

/* Remap guest page @page of @g, held in frame @f, onto shared frame @to. */
static int merge(struct sim *s, struct gvm *g, uint32_t page, uint32_t f, uint32_t to)
{
	struct sim_mm *mm = s->mm;
	int err;

	err = s2_vm_map_page(gvm_s2(g), mm_page_ipa(mm, page), mm_frame_pa(mm, to), false);
	if (err)
		return sim_fail(s, err, "share: s2_vm_map_page");
	sim_sweep(s, g);
	g->pte[page] = to + 1;
	mm->fr[to].ref++;
	mm->saved++;
	s->st.mm.merged++;
	mm_frame_put(s, f);
	return 0;
}

/* Frame @f against the shared pages of hash @h: 1 when merged. */
static int try_stable(struct sim *s, struct gvm *g, uint32_t page, uint32_t f, uint64_t h)
{
	struct sim_mm *mm = s->mm;
	bool protected = false;
	int err;

	for (uint32_t c = *bucket(mm, FL_STABLE, h); c; c = mm->fr[c - 1].next) {
		uint32_t to = c - 1;

		if (mm->fr[to].hash != h)
			continue;
		if (!protected) {
			err = wrprotect(s, g, page);
			if (err)
				return err;
			protected = true;
		}
		if (!memcmp(mm_frame_va(s, f), mm_frame_va(s, to), mm->gsz)) {
			err = merge(s, g, page, f, to);
			return err ? err : 1;
		}
	}
	return 0;
}

/* Frame @f against the pages seen once this pass: 1 when merged. */
static int try_unstable(struct sim *s, struct gvm *g, uint32_t page, uint32_t f, uint64_t h)
{
	struct sim_mm *mm = s->mm;
	struct gvm *other;
	uint32_t u = UINT32_MAX;
	int err;

	for (uint32_t c = *bucket(mm, FL_UNSTABLE, h); c; c = mm->fr[c - 1].next)
		if (c - 1 != f && mm->fr[c - 1].hash == h) {
			u = c - 1;
			break;
		}
	if (u == UINT32_MAX)
		return 0;
	/* Listed when it last looked so: it may have changed since. */
	if (frame_hash(s, u) != h) {
		share_unlist(mm, u);
		return 0;
	}
	other = &s->vms[mm->fr[u].vm];
	err = wrprotect(s, other, mm->fr[u].page);
	if (!err)
		err = wrprotect(s, g, page);
	if (err)
		return err;
	if (memcmp(mm_frame_va(s, f), mm_frame_va(s, u), mm->gsz))
		return 0;
	/* @u becomes a shared page: its owner maps it read-only already. */
	share_unlist(mm, u);
	mm->fr[u].state = FR_SHARED;
	mm->fr[u].ref = 1;
	list_add(mm, u, FL_STABLE);
	s->st.mm.shared_frames++;
	err = merge(s, g, page, f, u);
	return err ? err : 1;
}

static int scan_frame(struct sim *s, uint32_t f)
{
	struct sim_mm *mm = s->mm;
	struct mm_frame *fr = &mm->fr[f];
	struct gvm *g;
	uint32_t page;
	uint64_t h;
	int ret;

	if (fr->state != FR_PRIVATE)
		return 0;
	s->st.mm.scanned++;
	g = &s->vms[fr->vm];
	page = fr->page;
	h = frame_hash(s, f);
	if (h != fr->hash) {
		/* Changed since the last look (or never looked at): wait. */
		share_unlist(mm, f);
		fr->hash = h;
		return 0;
	}
	if (fr->list == FL_UNSTABLE)
		return 0; /* a candidate already: its partner will find it */
	ret = try_stable(s, g, page, f, h);
	if (!ret)
		ret = try_unstable(s, g, page, f, h);
	if (!ret)
		list_add(mm, f, FL_UNSTABLE);
	return ret < 0 ? ret : 0;
}

int share_tick(struct sim *s)
{
	struct sim_mm *mm = s->mm;
	int err;

	/* --share-scan pages in use; free frames cost a glance only. */
	for (uint64_t k = 0, steps = 0; k < s->cfg.share_scan && steps < mm->nframes; steps++) {
		uint32_t f = (uint32_t)(mm->scan % mm->nframes);

		if (f == 0) {
			/* A new pass: KSM's unstable tree starts empty. */
			for (uint64_t i = 0; i < mm->nframes; i++)
				if (mm->fr[i].list == FL_UNSTABLE)
					mm->fr[i].list = FL_NONE;
			memset(mm->unstable, 0, mm->buckets * sizeof(*mm->unstable));
		}
		mm->scan++;
		if (mm->fr[f].state != FR_PRIVATE)
			continue;
		k++;
		/* For the test aid that loses the merger's TLBIs (hyp.c). */
		s->merging = true;
		err = scan_frame(s, f);
		s->merging = false;
		if (err)
			return err;
	}
	return 0;
}

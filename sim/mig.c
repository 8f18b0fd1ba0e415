/* SPDX-License-Identifier: MIT */
/*
 * --migrate: VM 0 moves, while it runs, into a second stage 2 with RAM of
 * its own, as a VMM's pre-copy live migration does (QEMU's RAM migration
 * over KVM's dirty log), all through libs2mm's API:
 *  - round 0: dirty logging on (blocks split eagerly, or lazily on their
 *    first write with --lazy-split), then every page of RAM copied;
 *  - live rounds: get and clear the log, copy the pages it reports, while
 *    the VM's vCPUs keep running between rounds. A round takes as many
 *    time slices as its pages need at --migrate-rate pages per slice, so
 *    a guest that dirties memory faster than the host copies it does not
 *    converge, as on a real link;
 *  - when a round reports at most --migrate-threshold pages (or after
 *    --migrate-rounds rounds): the vCPUs are stopped (put off their CPUs),
 *    the last dirty pages copied (the downtime), source and destination
 *    compared page by page (a lost dirty page fails the run), and the VM
 *    switched to the destination's stage 2, which has its own struct
 *    s2_vmid, so no TLB entry of the source can be taken for one of its
 *    own. The source is destroyed and its VMID released.
 * The guest's stage-1 tables are in its RAM: they move with it. The copy
 * of a round is instantaneous in simulated time (the host copies between
 * two slices); what a round costs is the slices until the next one.
 */
#include <stdlib.h>
#include <string.h>

#include <s2mm/error.h>

#include "sim_int.h"

enum mig_state { MIG_WAIT, MIG_LIVE, MIG_DONE };

struct sim_mig {
	enum mig_state state;
	struct gvm *g;
	struct gs2 *dst;
	uint64_t dst_alloc_pa, dst_alloc_size, dst_ram_pa;
	uint64_t *bitmap, *out;    /* the log and a round's copy of it */
	size_t words;
	uint64_t pages, gsz;
	uint64_t next;             /* the slice of the next round */
	uint64_t faults0, maps0;   /* the source's permission faults, page maps */
};

static bool is_zero(const uint64_t *p, uint64_t size)
{
	for (uint64_t i = 0; i < size / 8; i++)
		if (p[i])
			return false;
	return true;
}

/* Send page @n: the source's contents into the destination's page. */
static void copy_page(struct sim *s, struct sim_mig *m, uint64_t n)
{
	uint64_t off = n * m->gsz;

	memcpy(s2_physmem_va(s->pm, m->dst_ram_pa + off, m->gsz),
	       s2_physmem_va(s->pm, m->g->ram_pa + off, m->gsz), m->gsz);
}

/* Copy the pages set in m->out; returns how many. */
static uint64_t copy_dirty(struct sim *s, struct sim_mig *m)
{
	uint64_t n = 0;

	if (s->cfg.drop_dirty_page) {
		/*
		 * Test aid: a host whose bitmap walk skips the first page
		 * each log reports. The last report with pages loses one
		 * for good: nothing reports it again.
		 */
		for (size_t w = 0; w < m->words; w++)
			if (m->out[w]) {
				m->out[w] &= m->out[w] - 1;
				s->st.mm.mig_forgotten++;
				n++; /* the host believes it sent it */
				break;
			}
	}
	for (size_t w = 0; w < m->words; w++) {
		uint64_t bits = m->out[w];

		while (bits) {
			copy_page(s, m, w * 64 + (uint64_t)__builtin_ctzll(bits));
			bits &= bits - 1;
			n++;
		}
	}
	return n;
}

static uint64_t count_bits(const uint64_t *b, size_t words)
{
	uint64_t n = 0;

	for (size_t w = 0; w < words; w++)
		n += (uint64_t)__builtin_popcountll(b[w]);
	return n;
}

static void record_round(struct sim *s, uint64_t pages)
{
	struct sim_mm_stats *st = &s->st.mm;

	if (st->mig_rounds < SIM_MIG_MAX_ROUNDS)
		st->mig_round_pages[st->mig_rounds] = pages;
	st->mig_rounds++;
	st->mig_pages += pages;
}

static int get_clear(struct sim *s, struct sim_mig *m)
{
	int err = s2_vm_dirty_log_get_clear(gvm_s2(m->g), 0, m->out, m->words);

	if (err)
		return sim_fail(s, err, "migration: s2_vm_dirty_log_get_clear");
	sim_sweep(s, m->g);
	return 0;
}

/* Round 0: the destination, the log, and every page of RAM. */
static int mig_begin(struct sim *s, struct sim_mig *m)
{
	struct gvm *g = m->g;
	struct s2_memslot slot;
	uint64_t t0, zero = 0;
	int err;

	m->dst = calloc(1, sizeof(*m->dst));
	m->words = (m->pages + 63) / 64;
	/* The hardware methods keep their table summary after the pages. */
	m->bitmap = calloc(s2_vm_dirty_log_words(gvm_s2(g), 0,
						 (enum s2_dirty_log_mode)s->cfg.dirty_log) +
			   m->words, 8);
	m->out = calloc(m->words, 8);
	if (!m->dst || !m->bitmap || !m->out)
		return sim_fail(s, -S2_ENOMEM, "migration");
	m->dst->g = g;
	err = s2_vm_init(&m->dst->vm, &s->g, &s->hm.ops);
	if (err)
		return sim_fail(s, err, "migration: s2_vm_init");
	err = sim_ram_alloc(s, &m->dst_alloc_pa, &m->dst_alloc_size, &m->dst_ram_pa);
	if (err)
		return sim_fail(s, err, "migration: destination RAM");
	slot = (struct s2_memslot){ .id = 0, .ipa = RAM_IPA, .size = g->ram_size,
				    .pa = m->dst_ram_pa };
	err = s2_vm_slot_add(&m->dst->vm, &slot);
	if (err)
		return sim_fail(s, err, "migration: s2_vm_slot_add");

	err = s2_vm_set_eager_split(gvm_s2(g), !s->cfg.lazy_split);
	if (err)
		return sim_fail(s, err, "migration: s2_vm_set_eager_split");
	m->faults0 = gvm_s2(g)->stats.permission;
	m->maps0 = gvm_s2(g)->stats.page_maps;
	t0 = sim_now_ns();
	err = s2_vm_dirty_log_enable_mode(gvm_s2(g), 0, m->bitmap,
					  s2_vm_dirty_log_words(gvm_s2(g), 0,
						(enum s2_dirty_log_mode)s->cfg.dirty_log),
					  (enum s2_dirty_log_mode)s->cfg.dirty_log);
	s->st.mm.mig_enable_ns = sim_now_ns() - t0;
	if (err)
		return sim_fail(s, err, "migration: s2_vm_dirty_log_enable");
	sim_sweep(s, g);

	/*
	 * Every page, after logging started: a write from now on is either
	 * in this copy or in a later round. Zero pages are sent as a flag (a
	 * never-touched page costs no memory on either side).
	 */
	for (uint64_t n = 0; n < m->pages; n++) {
		uint64_t off = n * m->gsz;
		uint64_t *src = s2_physmem_va(s->pm, g->ram_pa + off, m->gsz);
		uint64_t *dst = s2_physmem_va(s->pm, m->dst_ram_pa + off, m->gsz);

		if (!is_zero(src, m->gsz)) {
			memcpy(dst, src, m->gsz);
			continue;
		}
		zero++;
		if (!is_zero(dst, m->gsz))
			memset(dst, 0, m->gsz); /* recycled host memory */
	}
	s->st.mm.mig_zero_pages = zero;
	record_round(s, m->pages);
	m->next = s->slices + (m->pages + s->cfg.migrate_rate - 1) / s->cfg.migrate_rate;
	m->state = MIG_LIVE;
	return 0;
}

/* Granule pages of RAM holding a page the guest touched. */
static uint64_t touched_pages(struct sim *s, struct sim_mig *m)
{
	uint64_t s1 = 1ULL << s->s1_gshift, n = 0, prev = UINT64_MAX;

	for (uint64_t t = 0; t < m->g->ram_size / s1; t++) {
		if (!(m->g->touched[t / 64] & (1ULL << (t % 64))))
			continue;
		/* Ascending: a granule page shared by stage-1 pages repeats. */
		for (uint64_t p = t * s1 / m->gsz; p <= (t * s1 + s1 - 1) / m->gsz; p++)
			if (p != prev) {
				n++;
				prev = p;
			}
	}
	return n;
}

/*
 * The last phase: the vCPUs stop, the last dirty pages (in m->out) are
 * copied, the copies compared, the VM switched to the destination.
 */
static int mig_finish(struct sim *s, struct sim_mig *m)
{
	struct sim_mm_stats *st = &s->st.mm;
	struct gvm *g = m->g;
	struct gs2 *src = g->s2;
	uint64_t t0 = sim_now_ns(), n, lost = 0;
	uint64_t old_pa = g->alloc_pa, old_size = g->alloc_size;
	int err;

	sim_put_vm(s, g);
	n = copy_dirty(s, m);
	/* Nothing ran since that round: normally nothing more to send. */
	err = get_clear(s, m);
	if (err)
		return err;
	n += copy_dirty(s, m);
	st->mig_downtime_ns = sim_now_ns() - t0;
	st->mig_downtime_pages = n;
	record_round(s, n);
	st->mig_write_faults = gvm_s2(g)->stats.permission - m->faults0;
	/* Lazy splitting maps a page inside a block on its first write. */
	st->mig_fault_maps = gvm_s2(g)->stats.page_maps - m->maps0;

	/* Self-check: the destination must hold what the source holds. */
	for (uint64_t p = 0; p < m->pages; p++)
		if (memcmp(s2_physmem_va(s->pm, g->ram_pa + p * m->gsz, m->gsz),
			   s2_physmem_va(s->pm, m->dst_ram_pa + p * m->gsz, m->gsz), m->gsz))
			lost++;
	st->mig_lost_pages = lost;
	st->mig_ram_pages = m->pages;
	st->mig_touched_pages = touched_pages(s, m);

	/* The switch: the vCPUs resume on the destination's stage 2. */
	g->s2 = m->dst;
	m->dst = NULL;
	g->alloc_pa = m->dst_alloc_pa;
	g->alloc_size = m->dst_alloc_size;
	g->ram_pa = m->dst_ram_pa;
	g->last_vmid = 0xffff;
	m->dst_alloc_pa = 0;
	/* Every vCPU is put: the source's VMID can go (its entries with it, at
	 * the next rollover's flush). */
	err = s2_vmid_release(s->ids, &src->vm.vmid);
	if (err)
		return sim_fail(s, err, "migration: s2_vmid_release");
	s2_vm_destroy(&src->vm);
	free(src);
	s2_physmem_free_range(s->pm, old_pa, old_size);
	st->mig_done = true;
	m->state = MIG_DONE;
	return 0;
}

int mig_tick(struct sim *s)
{
	struct sim_mig *m = s->mig;
	uint64_t n;
	int err;

	if (!m) {
		m = s->mig = calloc(1, sizeof(*m));
		if (!m)
			return sim_fail(s, -S2_ENOMEM, "migration");
		m->g = &s->vms[0];
		m->gsz = s->cfg.granule;
		m->pages = m->g->ram_size / m->gsz;
		s->st.mm.mig_lazy = s->cfg.lazy_split;
	}
	if (m->state == MIG_DONE)
		return 0;
	if (m->state == MIG_WAIT)
		return s->slices >= s->cfg.migrate_start ? mig_begin(s, m) : 0;
	if (s->slices < m->next)
		return 0;
	err = get_clear(s, m);
	if (err)
		return err;
	n = count_bits(m->out, m->words);
	if (n <= s->cfg.migrate_threshold ||
	    s->st.mm.mig_rounds + 1 >= s->cfg.migrate_rounds)
		return mig_finish(s, m);
	record_round(s, copy_dirty(s, m));
	m->next = s->slices + (n + s->cfg.migrate_rate - 1) / s->cfg.migrate_rate;
	return 0;
}

void mig_destroy(struct sim *s)
{
	struct sim_mig *m = s->mig;

	if (!m)
		return;
	if (m->state == MIG_LIVE)
		s2_vm_dirty_log_disable(gvm_s2(m->g), 0); /* the log is freed here */
	if (m->dst) {
		/* The run ended mid-migration: the destination never ran. */
		if (m->dst->vm.pgt.root)
			s2_vm_destroy(&m->dst->vm);
		free(m->dst);
	}
	if (m->dst_alloc_pa)
		s2_physmem_free_range(s->pm, m->dst_alloc_pa, m->dst_alloc_size);
	free(m->bitmap);
	free(m->out);
	free(m);
	s->mig = NULL;
}

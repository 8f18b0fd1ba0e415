/* SPDX-License-Identifier: MIT */
/*
 * Memory a host manages page by page: pager slots (pages on demand,
 * copy-on-write of shared pages, pages taken back and returned), the
 * host's own maps and write-protection, and dirty logging with lazy block
 * splitting. The MMU model is the CPU; the test's pager is the host's
 * record of which page backs each guest page.
 */
#include "vmfx.h"

#define RAM_IPA 0x40000000ULL
#define M2 (2ULL << 20)
#define K4 0x1000ULL
#define NPAGES 512 /* 2 MiB: a block would fit, were blocks allowed */

enum { R = S2_MMU_READ, W = S2_MMU_WRITE };

/* The host's record: the page behind each guest page, shared or not. */
struct pager {
	struct vmfx *f;
	uint64_t page[NPAGES];    /* 0: none yet */
	bool shared[NPAGES];
	unsigned int calls, write_calls, copies;
	int fail;                 /* next answer, if nonzero */
	bool bad_writable;        /* answer a write with writable=false */
};

static int pager_page(void *arg, const struct s2_memslot *slot, uint64_t ipa,
		      bool write, uint64_t *pa, bool *writable)
{
	struct pager *p = arg;
	uint64_t i = (ipa - slot->ipa) / K4;

	assert_true(i < NPAGES && !(ipa & (K4 - 1)));
	p->calls++;
	p->write_calls += write;
	if (p->fail) {
		int ret = p->fail;
		p->fail = 0;
		return ret;
	}
	if (!p->page[i]) {
		/* On demand, zeroed now: nothing was zeroed up front. */
		assert_int_equal(s2_physmem_alloc(p->f->pm, K4, &p->page[i]), 0);
		memset(s2_physmem_va(p->f->pm, p->page[i], K4), 0, K4);
	} else if (write && p->shared[i]) {
		/* Copy-on-write: a private copy for this page. */
		uint64_t copy;
		assert_int_equal(s2_physmem_alloc(p->f->pm, K4, &copy), 0);
		memcpy(s2_physmem_va(p->f->pm, copy, K4),
		       s2_physmem_va(p->f->pm, p->page[i], K4), K4);
		p->page[i] = copy;
		p->shared[i] = false;
		p->copies++;
	}
	*pa = p->page[i];
	*writable = !p->shared[i] && !p->bad_writable;
	return 0;
}

static void pager_setup(struct vmfx *f, struct pager *p, uint32_t flags)
{
	memset(p, 0, sizeof(*p));
	p->f = f;
	const struct s2_pager pg = { .page = pager_page, .arg = p };
	assert_int_equal(s2_vm_set_pager(&f->vm, &pg), 0);
	vmfx_slot(f, 1, RAM_IPA, NPAGES * K4, 0, S2_SLOT_PAGER | flags);
}

/* A guest store of @val at @ipa through the model (stage 1 off). */
static void guest_write(struct vmfx *f, uint64_t ipa, uint64_t val)
{
	uint64_t pa = vmfx_touch(f, ipa, W, 3, NULL);
	assert_int_not_equal(pa, UINT64_MAX);
	assert_int_equal(s2_physmem_write64(f->pm, pa, val), 0);
}

static uint64_t guest_read(struct vmfx *f, uint64_t ipa)
{
	uint64_t pa = vmfx_touch(f, ipa, R, 3, NULL), v;
	assert_int_not_equal(pa, UINT64_MAX);
	assert_int_equal(s2_physmem_read64(f->pm, pa, &v), 0);
	return v;
}

/* The pager is asked once per page on first touch, and blocks never
 * appear in a pager slot even where they would line up. */
static void pager_backs_pages_on_demand(void **state)
{
	(void)state;
	struct vmfx f;
	struct pager p;
	vmfx_init(&f, 4096, 40);
	pager_setup(&f, &p, 0);
	for (unsigned int i = 0; i < NPAGES; i++)
		guest_write(&f, RAM_IPA + i * K4 + 8, 0x1000 + i);
	assert_int_equal(p.calls, NPAGES);
	for (unsigned int i = 0; i < NPAGES; i++) {
		int level;
		uint64_t desc;
		assert_int_equal(s2_pgtable_lookup(&f.vm.pgt, RAM_IPA + i * K4, &desc, &level), 0);
		assert_int_equal(level, 3);
		assert_int_equal(s2_geom_desc_to_oa(&f.g, desc), p.page[i]);
		assert_int_equal(guest_read(&f, RAM_IPA + i * K4 + 8), 0x1000 + i);
	}
	assert_int_equal(p.calls, NPAGES);
	assert_int_equal(f.vm.stats.block_maps, 0);
	vmfx_fini(&f);
}

/*
 * Same-page merging: the host write-protects two pages, finds them equal,
 * maps both onto one read-only page; reads share it, the first write
 * copies, and the other guest page keeps the old contents.
 */
static void merge_then_copy_on_write(void **state)
{
	(void)state;
	struct vmfx f;
	struct pager p;
	vmfx_init(&f, 4096, 40);
	pager_setup(&f, &p, 0);
	guest_write(&f, RAM_IPA + 0 * K4, 42);
	guest_write(&f, RAM_IPA + 5 * K4, 42);
	/* Merge page 5 into page 0's frame. */
	assert_int_equal(s2_vm_wrprotect(&f.vm, RAM_IPA, NPAGES * K4), 0);
	assert_memory_equal(s2_physmem_va(f.pm, p.page[0], K4),
			    s2_physmem_va(f.pm, p.page[5], K4), K4);
	uint64_t old5 = p.page[5];
	p.page[5] = p.page[0];
	p.shared[0] = p.shared[5] = true;
	uint64_t tlbi = f.hm.tlbi_ipa + f.hm.tlbi_vmid;
	assert_int_equal(s2_vm_map_page(&f.vm, RAM_IPA + 5 * K4, p.page[0], false), 0);
	/* The old translation of page 5 is gone from every TLB. */
	assert_true(f.hm.tlbi_ipa + f.hm.tlbi_vmid > tlbi);
	s2_physmem_free(f.pm, old5, K4);
	assert_int_equal(vmfx_touch(&f, RAM_IPA + 5 * K4, R, 1, NULL), p.page[0]);
	assert_int_equal(guest_read(&f, RAM_IPA + 5 * K4), 42);
	/* A write breaks the sharing: page 5 gets its own copy. */
	unsigned int faults;
	uint64_t pa = vmfx_touch(&f, RAM_IPA + 5 * K4, W, 2, &faults);
	assert_int_equal(faults, 1);
	assert_int_equal(p.copies, 1);
	assert_int_equal(pa, p.page[5]);
	assert_int_not_equal(pa, p.page[0]);
	assert_int_equal(s2_physmem_write64(f.pm, pa, 7), 0);
	assert_int_equal(guest_read(&f, RAM_IPA + 5 * K4), 7);
	assert_int_equal(guest_read(&f, RAM_IPA + 0 * K4), 42);
	/* Page 0 is still shared in the record: its write copies too. */
	guest_write(&f, RAM_IPA, 9);
	assert_int_equal(p.copies, 2);
	assert_int_equal(guest_read(&f, RAM_IPA + 5 * K4), 7);
	vmfx_fini(&f);
}

/* A page taken back by the host faults in again through the pager. */
static void reclaimed_page_comes_back(void **state)
{
	(void)state;
	struct vmfx f;
	struct pager p;
	vmfx_init(&f, 4096, 40);
	pager_setup(&f, &p, 0);
	guest_write(&f, RAM_IPA + 3 * K4, 0xabc);
	bool young;
	assert_int_equal(s2_vm_test_clear_young(&f.vm, RAM_IPA + 3 * K4, K4, &young), 0);
	assert_true(young);
	/* Out: unmap, keep the contents, free the frame. */
	assert_int_equal(s2_vm_unmap(&f.vm, RAM_IPA + 3 * K4, K4), 0);
	uint64_t saved;
	assert_int_equal(s2_physmem_read64(f.pm, p.page[3], &saved), 0);
	s2_physmem_free(f.pm, p.page[3], K4);
	p.page[3] = 0;
	/* No page yet: the vCPU retries, nothing is mapped. */
	p.fail = -S2_EAGAIN;
	struct vmfx_step st;
	vmfx_access(&f, RAM_IPA + 3 * K4, R, NULL, &st);
	assert_true(st.faulted);
	assert_int_equal(st.ret, 0);
	assert_int_equal(st.exit.reason, S2_EXIT_RETRY);
	assert_int_equal(s2_pgtable_lookup(&f.vm.pgt, RAM_IPA + 3 * K4, NULL, NULL), -S2_ENOENT);
	/* Any other error fails the abort, nothing mapped. */
	p.fail = -S2_ENOMEM;
	vmfx_access(&f, RAM_IPA + 3 * K4, R, NULL, &st);
	assert_int_equal(st.ret, -S2_ENOMEM);
	assert_int_equal(s2_pgtable_lookup(&f.vm.pgt, RAM_IPA + 3 * K4, NULL, NULL), -S2_ENOENT);
	/* In: the pager gives a fresh frame, the host restores it. */
	assert_int_equal(s2_physmem_alloc(f.pm, K4, &p.page[3]), 0);
	memset(s2_physmem_va(f.pm, p.page[3], K4), 0, K4);
	assert_int_equal(s2_physmem_write64(f.pm, p.page[3], saved), 0);
	assert_int_equal(guest_read(&f, RAM_IPA + 3 * K4), 0xabc);
	vmfx_fini(&f);
}

/* A pager that will not make a page writable for a write is refused
 * (the write would fault forever). */
static void pager_must_grant_writes(void **state)
{
	(void)state;
	struct vmfx f;
	struct pager p;
	vmfx_init(&f, 4096, 40);
	pager_setup(&f, &p, 0);
	p.bad_writable = true;
	struct vmfx_step st;
	vmfx_access(&f, RAM_IPA, W, NULL, &st);
	assert_int_equal(st.ret, -S2_EINVAL);
	assert_int_equal(s2_pgtable_lookup(&f.vm.pgt, RAM_IPA, NULL, NULL), -S2_ENOENT);
	vmfx_fini(&f);
}

/* Dirty logging in a pager slot: every write is logged, including the
 * one that breaks a sharing. */
static void pager_slot_dirty_log(void **state)
{
	(void)state;
	struct vmfx f;
	struct pager p;
	vmfx_init(&f, 4096, 40);
	pager_setup(&f, &p, 0);
	for (unsigned int i = 0; i < NPAGES; i++)
		guest_write(&f, RAM_IPA + i * K4, i);
	uint64_t bm[NPAGES / 64], out[NPAGES / 64];
	assert_int_equal(s2_vm_dirty_log_enable(&f.vm, 1, bm, NPAGES / 64), 0);
	/* Share page 2 onto page 1 while logging: mapped read-only even if
	 * asked writable. */
	p.page[2] = p.page[1];
	p.shared[1] = p.shared[2] = true;
	assert_int_equal(s2_vm_map_page(&f.vm, RAM_IPA + 2 * K4, p.page[1], true), 0);
	guest_write(&f, RAM_IPA + 2 * K4, 100);
	guest_write(&f, RAM_IPA + 9 * K4, 101);
	assert_int_equal(guest_read(&f, RAM_IPA + 1 * K4), 1);
	assert_int_equal(s2_vm_dirty_log_get_clear(&f.vm, 1, out, NPAGES / 64), 0);
	assert_int_equal(out[0], (1ULL << 2) | (1ULL << 9));
	assert_int_equal(p.copies, 1);
	vmfx_fini(&f);
}

/*
 * A stage-1 walk that updates a descriptor's Access flag or dirty state
 * in hardware (FEAT_HAFDBS) writes its table page: on a page that dirty
 * logging write-protected, that is a write fault (logged, made writable),
 * not a stale read to retry forever; in a read-only slot, an abort.
 */
static void s1ptw_permission_fault_is_a_write(void **state)
{
	(void)state;
	struct vmfx f;
	vmfx_init(&f, 4096, 40);
	uint64_t pa = vmfx_ram(&f, M2, M2), rom = vmfx_ram(&f, M2, M2);
	vmfx_slot(&f, 1, RAM_IPA, M2, pa, 0);
	vmfx_slot(&f, 2, RAM_IPA + M2, M2, rom, S2_SLOT_READONLY);
	vmfx_touch(&f, RAM_IPA + 7 * K4, R, 2, NULL);
	vmfx_touch(&f, RAM_IPA + M2, R, 2, NULL);
	uint64_t bm[8], out[8];
	assert_int_equal(s2_vm_dirty_log_enable(&f.vm, 1, bm, 8), 0);
	/* WnR clear: some CPUs leave it so for a walk's update. */
	struct s2_abort abt = {
		.esr = (ESR_ELx_EC_DABT_LOW << 26) | ESR_ELx_IL | ESR_ISS_DA_S1PTW |
		       (FSC_PERMISSION + 3),
		.far = 0x1234, .hpfar = ((RAM_IPA + 7 * K4) >> 12) << 4,
	};
	struct s2_exit e;
	assert_int_equal(s2_vm_handle_abort(&f.vm, &abt, &e), 0);
	assert_int_equal(e.reason, S2_EXIT_RESUME);
	uint64_t desc;
	assert_int_equal(s2_pgtable_lookup(&f.vm.pgt, RAM_IPA + 7 * K4, &desc, NULL), 0);
	assert_true(s2_pgtable_desc_prot(desc) & S2_PROT_W);
	assert_int_equal(s2_vm_dirty_log_get_clear(&f.vm, 1, out, 8), 0);
	assert_int_equal(out[0], 1ULL << 7);
	/* Tables in a read-only slot: the walk's write is refused. */
	abt.hpfar = ((RAM_IPA + M2) >> 12) << 4;
	assert_int_equal(s2_vm_handle_abort(&f.vm, &abt, &e), 0);
	assert_int_equal(e.reason, S2_EXIT_INJECT);
	vmfx_fini(&f);
}

/* The pager API's own errors. */
static void pager_api_rejects(void **state)
{
	(void)state;
	struct vmfx f;
	struct pager p;
	vmfx_init(&f, 4096, 40);
	struct s2_memslot s = { .id = 1, .flags = S2_SLOT_PAGER, .ipa = RAM_IPA, .size = M2 };
	/* No pager yet. */
	assert_int_equal(s2_vm_slot_add(&f.vm, &s), -S2_EINVAL);
	const struct s2_pager none = { .page = NULL };
	assert_int_equal(s2_vm_set_pager(&f.vm, &none), -S2_EINVAL);
	assert_int_equal(s2_vm_set_pager(&f.vm, NULL), -S2_EINVAL);
	pager_setup(&f, &p, 0);
	const struct s2_pager again = { .page = pager_page, .arg = &p };
	assert_int_equal(s2_vm_set_pager(&f.vm, &again), -S2_EBUSY);
	/* A pager slot has no contiguous backing. */
	s.id = 2;
	s.ipa = RAM_IPA + M2;
	s.pa = MEM_BASE;
	assert_int_equal(s2_vm_slot_add(&f.vm, &s), -S2_EINVAL);
	/* map_page: only pager slots, aligned. */
	uint64_t pa = vmfx_ram(&f, M2, M2);
	vmfx_slot(&f, 3, RAM_IPA + 2 * M2, M2, pa, 0);
	assert_int_equal(s2_vm_map_page(&f.vm, RAM_IPA + 2 * M2, pa, true), -S2_ENOENT);
	assert_int_equal(s2_vm_map_page(&f.vm, RAM_IPA + 4 * M2, pa, true), -S2_ENOENT);
	assert_int_equal(s2_vm_map_page(&f.vm, RAM_IPA + 8, pa, true), -S2_EINVAL);
	assert_int_equal(s2_vm_map_page(&f.vm, RAM_IPA, pa + 8, true), -S2_EINVAL);
	assert_int_equal(s2_vm_map_page(NULL, RAM_IPA, pa, true), -S2_EINVAL);
	/* Writable as asked in a pager slot neither read-only nor logged;
	 * read-only and executable otherwise. */
	uint64_t desc;
	assert_int_equal(s2_vm_map_page(&f.vm, RAM_IPA + K4, p.page[1], true), 0);
	assert_int_equal(s2_pgtable_lookup(&f.vm.pgt, RAM_IPA + K4, &desc, NULL), 0);
	assert_int_equal(s2_pgtable_desc_prot(desc), S2_PROT_RWX);
	assert_int_equal(s2_vm_map_page(&f.vm, RAM_IPA + K4, p.page[1], false), 0);
	assert_int_equal(s2_pgtable_lookup(&f.vm.pgt, RAM_IPA + K4, &desc, NULL), 0);
	assert_int_equal(s2_pgtable_desc_prot(desc), S2_PROT_R | S2_PROT_X);
	/* eager split: not while logging. */
	uint64_t bm[8];
	assert_int_equal(s2_vm_dirty_log_enable(&f.vm, 3, bm, 8), 0);
	assert_int_equal(s2_vm_set_eager_split(&f.vm, false), -S2_EBUSY);
	assert_int_equal(s2_vm_dirty_log_disable(&f.vm, 3), 0);
	assert_int_equal(s2_vm_set_eager_split(&f.vm, false), 0);
	assert_int_equal(s2_vm_set_eager_split(NULL, false), -S2_EINVAL);
	vmfx_fini(&f);
}

/*
 * Lazy splitting: logging starts with the blocks whole and read-only;
 * each write splits its block and makes only its page writable, so no
 * write goes unlogged and unwritten pages stay read-only.
 */
static void lazy_split_logs_every_write(void **state)
{
	(void)state;
	struct vmfx f;
	vmfx_init(&f, 4096, 40);
	const uint64_t size = 4 * M2, pages = size / K4;
	uint64_t pa = vmfx_ram(&f, size, M2);
	vmfx_slot(&f, 1, RAM_IPA, size, pa, 0);
	for (uint64_t i = 0; i < 4; i++)
		vmfx_touch(&f, RAM_IPA + i * M2, W, 2, NULL);
	assert_int_equal(s2_vm_set_eager_split(&f.vm, false), 0);
	uint64_t bitmap[pages / 64], out[pages / 64];
	uint64_t allocated = s2_physmem_allocated(f.pm);
	assert_int_equal(s2_vm_dirty_log_enable(&f.vm, 1, bitmap, pages / 64), 0);
	/* Nothing split yet: no table page allocated. */
	assert_int_equal(s2_physmem_allocated(f.pm), allocated);
	int level;
	assert_int_equal(s2_pgtable_lookup(&f.vm.pgt, RAM_IPA + M2, NULL, &level), 0);
	assert_int_equal(level, 2);
	/* Reads of the read-only blocks need no fault. */
	unsigned int faults;
	assert_int_equal(vmfx_touch(&f, RAM_IPA + M2 + 5 * K4, R, 1, &faults), pa + M2 + 5 * K4);
	assert_int_equal(faults, 0);
	uint8_t written[pages];
	memset(written, 0, sizeof(written));
	/* The first write into a read-only block maps its page afresh: one
	 * fault that resumes (not a retry), counted as a page map. */
	struct s2_vm_stats before = f.vm.stats;
	assert_int_equal(vmfx_touch(&f, RAM_IPA + 3 * K4, W, 1, &faults), pa + 3 * K4);
	assert_int_equal(faults, 1);
	assert_int_equal(f.vm.stats.page_maps, before.page_maps + 1);
	assert_int_equal(f.vm.stats.retry, before.retry);
	written[3] = 1;
	uint64_t seed = 99;
	for (unsigned int round = 0; round < 20; round++) {
		for (unsigned int i = 0; i < 64; i++) {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			uint64_t page = (seed >> 33) % pages;
			unsigned int acc = (seed >> 20) & 1 ? W : R;
			assert_int_equal(vmfx_touch(&f, RAM_IPA + page * K4, acc, 2, NULL),
					 pa + page * K4);
			if (acc == W)
				written[page] = 1;
		}
		assert_int_equal(s2_vm_dirty_log_get_clear(&f.vm, 1, out, pages / 64), 0);
		for (uint64_t p = 0; p < pages; p++) {
			assert_int_equal((out[p / 64] >> (p % 64)) & 1, written[p]);
			written[p] = 0;
		}
	}
	/* A page never written is still read-only (its block's mapping
	 * kept, split or not): writing it faults and logs it. */
	uint64_t untouched = pages;
	for (uint64_t p = 0; p < pages && untouched == pages; p++) {
		uint64_t desc;
		assert_int_equal(s2_pgtable_lookup(&f.vm.pgt, RAM_IPA + p * K4, &desc, NULL), 0);
		if (!(s2_pgtable_desc_prot(desc) & S2_PROT_W))
			untouched = p;
	}
	assert_true(untouched < pages);
	assert_int_equal(vmfx_touch(&f, RAM_IPA + untouched * K4, W, 2, &faults),
			 pa + untouched * K4);
	assert_int_equal(faults, 1);
	assert_int_equal(s2_vm_dirty_log_get_clear(&f.vm, 1, out, pages / 64), 0);
	assert_int_equal(out[untouched / 64], 1ULL << (untouched % 64));
	vmfx_fini(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(pager_backs_pages_on_demand),
		cmocka_unit_test(merge_then_copy_on_write),
		cmocka_unit_test(reclaimed_page_comes_back),
		cmocka_unit_test(pager_must_grant_writes),
		cmocka_unit_test(pager_slot_dirty_log),
		cmocka_unit_test(pager_api_rejects),
		cmocka_unit_test(s1ptw_permission_fault_is_a_write),
		cmocka_unit_test(lazy_split_logs_every_write),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

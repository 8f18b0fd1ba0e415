/* SPDX-License-Identifier: MIT */
/*
 * The memory manager's lifecycle, memslots, dirty logging and host-side
 * operations; allocation failures injected at every point.
 */
#include "vmfx.h"

#define RAM_IPA 0x40000000ULL
#define M2 (2ULL << 20)
#define K4 0x1000ULL

enum { R = S2_MMU_READ, W = S2_MMU_WRITE };

/* Bad slots are refused with the right error and change nothing. */
static void slot_add_rejects_bad_slots(void **state)
{
	(void)state;
	struct vmfx f;
	vmfx_init(&f, 4096, 40);
	uint64_t pa = vmfx_ram(&f, 4 * M2, M2);
	uint64_t d[1];
	static const struct { struct s2_memslot s; int ret; } bad[] = {
		{ { .id = 9, .ipa = RAM_IPA + 1, .size = M2 }, -S2_EINVAL },
		{ { .id = 9, .ipa = RAM_IPA, .size = M2 + 8 }, -S2_EINVAL },
		{ { .id = 9, .ipa = RAM_IPA, .size = 0 }, -S2_EINVAL },
		{ { .id = 9, .ipa = RAM_IPA, .size = M2, .flags = 0x80 }, -S2_EINVAL },
		{ { .id = 9, .ipa = RAM_IPA, .size = M2, .flags = S2_SLOT_DIRTY_LOG }, -S2_EINVAL },
		{ { .id = 9, .ipa = 1ULL << 40, .size = M2 }, -S2_ERANGE },
		{ { .id = 9, .ipa = (1ULL << 40) - M2, .size = 2 * M2 }, -S2_ERANGE },
		{ { .id = 9, .ipa = 0, .size = M2, .pa = 1ULL << 40 }, -S2_ERANGE },
		{ { .id = 9, .ipa = RAM_IPA + M2, .size = M2 }, -S2_EEXIST },  /* overlap */
		{ { .id = 1, .ipa = 0, .size = M2 }, -S2_EEXIST },             /* id */
	};
	vmfx_slot(&f, 1, RAM_IPA, 2 * M2, pa, 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct s2_memslot s = bad[i].s;
		if (!s.pa && s.ipa != 0)
			s.pa = pa;
		assert_int_equal(s2_vm_slot_add(&f.vm, &s), bad[i].ret);
	}
	struct s2_memslot s = { .id = 9, .ipa = 0, .size = M2, .pa = pa, .dirty = d };
	assert_int_equal(s2_vm_slot_add(&f.vm, &s), -S2_EINVAL);
	assert_int_equal(f.vm.nslots, 1);
	/* The VM itself holds S2_VM_INLINE_SLOTS. */
	for (uint32_t i = 1; i < S2_VM_INLINE_SLOTS; i++)
		vmfx_slot(&f, 100 + i, (uint64_t)(i + 2) << 30, M2, pa, 0);
	s = (struct s2_memslot){ .id = 500, .ipa = 1ULL << 39, .size = M2, .pa = pa };
	assert_int_equal(s2_vm_slot_add(&f.vm, &s), -S2_ENOMEM);
	/* Storage too small for the slots in use, or none: refused, unchanged. */
	static struct s2_memslot room[32];
	assert_int_equal(s2_vm_set_slot_storage(&f.vm, room, S2_VM_INLINE_SLOTS - 1), -S2_EINVAL);
	assert_int_equal(s2_vm_set_slot_storage(&f.vm, NULL, 32), -S2_EINVAL);
	assert_ptr_equal(f.vm.slots, f.vm.inline_slots);
	assert_int_equal(f.vm.max_slots, S2_VM_INLINE_SLOTS);
	/* Exactly the slots in use: taken, and full. */
	/* One more slot than given, as a guard: nothing is written past @n. */
	static struct s2_memslot tight[S2_VM_INLINE_SLOTS + 1];
	tight[S2_VM_INLINE_SLOTS].id = 0xdead;
	assert_int_equal(s2_vm_set_slot_storage(&f.vm, tight, S2_VM_INLINE_SLOTS), 0);
	assert_int_equal(s2_vm_slot_add(&f.vm, &s), -S2_ENOMEM);
	assert_int_equal(tight[S2_VM_INLINE_SLOTS].id, 0xdead);
	/* The embedder's storage: the slots move over and it holds 32. */
	assert_int_equal(s2_vm_set_slot_storage(&f.vm, room, 32), 0);
	assert_int_equal(f.vm.nslots, S2_VM_INLINE_SLOTS);
	assert_ptr_equal(s2_vm_slot_find(&f.vm, RAM_IPA), &room[0]);
	for (uint32_t i = 1; i < S2_VM_INLINE_SLOTS; i++)
		assert_int_equal(s2_vm_slot_find(&f.vm, (uint64_t)(i + 2) << 30)->id, 100 + i);
	for (uint32_t i = S2_VM_INLINE_SLOTS; i < 32; i++)
		vmfx_slot(&f, 100 + i, (uint64_t)(i + 2) << 30, M2, pa, 0);
	assert_int_equal(s2_vm_slot_add(&f.vm, &s), -S2_ENOMEM);
	/* The moved slots still fault in. */
	assert_int_equal(vmfx_touch(&f, RAM_IPA + 8, W, 2, NULL), pa + 8);
	assert_int_equal(vmfx_touch(&f, (33ULL << 30) + 8, R, 2, NULL), pa + 8);
	assert_int_equal(s2_vm_slot_remove(&f.vm, 777), -S2_ENOENT);
	vmfx_fini(&f);
}

/* Nothing is mapped up front; removing a slot unmaps it; moving remaps. */
static void slot_remove_and_move(void **state)
{
	(void)state;
	struct vmfx f;
	vmfx_init(&f, 4096, 40);
	uint64_t pa = vmfx_ram(&f, 4 * M2, M2);
	uint64_t base = s2_physmem_allocated(f.pm);
	vmfx_slot(&f, 1, RAM_IPA, 4 * M2, pa, 0);
	assert_int_equal(s2_pgtable_lookup(&f.vm.pgt, RAM_IPA, NULL, NULL), -S2_ENOENT);
	assert_int_equal(vmfx_touch(&f, RAM_IPA + M2 + 8, W, 2, NULL), pa + M2 + 8);
	assert_true(s2_physmem_allocated(f.pm) > base);
	/* Move: the old range is gone, the new one faults in to the same RAM. */
	assert_int_equal(s2_vm_slot_move(&f.vm, 1, 0x100000000ULL), 0);
	assert_int_equal(s2_pgtable_lookup(&f.vm.pgt, RAM_IPA + M2, NULL, NULL), -S2_ENOENT);
	assert_int_equal(vmfx_touch(&f, 0x100000000ULL + M2 + 8, R, 2, NULL), pa + M2 + 8);
	assert_int_equal(s2_vm_slot_move(&f.vm, 1, 0x100000001ULL), -S2_EINVAL);
	assert_int_equal(s2_vm_slot_move(&f.vm, 2, 0), -S2_ENOENT);
	/* Remove: unmapped, and every table page given back. */
	assert_int_equal(s2_vm_slot_remove(&f.vm, 1), 0);
	assert_int_equal(s2_pgtable_lookup(&f.vm.pgt, 0x100000000ULL + M2, NULL, NULL), -S2_ENOENT);
	assert_int_equal(s2_physmem_allocated(f.pm), base);
	assert_int_equal(f.vm.nslots, 0);
	vmfx_fini(&f);
}

/* 100,000 create/fault/destroy cycles leak nothing. */
static void lifecycle_no_leak(void **state)
{
	(void)state;
	struct vmfx f;
	vmfx_init(&f, 4096, 40);
	uint64_t pa = vmfx_ram(&f, M2, M2);
	s2_vm_destroy(&f.vm);
	uint64_t base = s2_physmem_allocated(f.pm);
	for (unsigned int i = 0; i < 100000; i++) {
		assert_int_equal(s2_vm_init(&f.vm, &f.g, &f.hm.ops), 0);
		f.regs.vttbr_el2 = s2_vm_vttbr(&f.vm, 1);
		vmfx_slot(&f, 1, RAM_IPA, M2, pa, 0);
		uint64_t ipa = RAM_IPA + (i % 512) * K4;
		struct s2_abort abt = {
			.esr = (ESR_ELx_EC_DABT_LOW << 26) | ESR_ELx_IL | (FSC_TRANSLATION + 1),
			.far = ipa, .hpfar = (ipa >> 12) << 4,
		};
		struct s2_exit e;
		assert_int_equal(s2_vm_handle_abort(&f.vm, &abt, &e), 0);
		assert_int_equal(e.reason, S2_EXIT_RESUME);
		s2_vm_destroy(&f.vm);
		assert_int_equal(s2_physmem_allocated(f.pm), base);
	}
	assert_int_equal(s2_vm_init(&f.vm, &f.g, &f.hm.ops), 0);
	vmfx_fini(&f);
}

/* Allocation failure at every point of fault handling and slot changes:
 * a clean error, no leak, state unchanged. */
static void enomem_everywhere(void **state)
{
	(void)state;
	struct vmfx f;
	vmfx_init(&f, 4096, 40);
	uint64_t pa = vmfx_ram(&f, 4 * M2, M2);
	vmfx_slot(&f, 1, RAM_IPA, 4 * M2, pa, 0);
	vmfx_slot(&f, 2, 0x7000000000ULL + K4, 4 * M2, pa, 0); /* pages only */
	uint64_t bitmap[(4 * M2 / K4) / 64];
	/* A fault needing new tables at every level. */
	for (uint64_t n = 1;; n++) {
		uint64_t before = s2_physmem_allocated(f.pm);
		f.hm.fail_nth = n;
		struct vmfx_step st;
		vmfx_access(&f, 0x7000000000ULL + 3 * K4, W, NULL, &st);
		assert_true(st.faulted);
		f.hm.fail_nth = 0;
		if (st.ret == 0) {
			assert_int_equal(st.exit.reason, S2_EXIT_RESUME);
			break;
		}
		assert_int_equal(st.ret, -S2_ENOMEM);
		assert_int_equal(s2_physmem_allocated(f.pm), before);
		assert_int_equal(s2_pgtable_lookup(&f.vm.pgt, 0x7000000000ULL + 3 * K4, NULL, NULL), -S2_ENOENT);
	}
	/* Dirty-log enable splits blocks: fails whole or not at all. */
	vmfx_touch(&f, RAM_IPA, W, 2, NULL);
	for (uint64_t n = 1;; n++) {
		uint64_t before = s2_physmem_allocated(f.pm);
		f.hm.fail_nth = n;
		int ret = s2_vm_dirty_log_enable(&f.vm, 1, bitmap, sizeof(bitmap) / 8);
		f.hm.fail_nth = 0;
		if (ret == 0)
			break;
		assert_int_equal(ret, -S2_ENOMEM);
		assert_int_equal(s2_physmem_allocated(f.pm), before);
		assert_int_equal(f.vm.slots[0].flags & S2_SLOT_DIRTY_LOG, 0);
		int level;
		assert_int_equal(s2_pgtable_lookup(&f.vm.pgt, RAM_IPA, NULL, &level), 0);
		assert_int_equal(level, 2);
	}
	assert_int_equal(s2_vm_dirty_log_disable(&f.vm, 1), 0);
	/* Host unmap of part of a block: split first, all or nothing. */
	vmfx_touch(&f, RAM_IPA + 2 * M2, W, 2, NULL);
	for (uint64_t n = 1;; n++) {
		uint64_t before = s2_physmem_allocated(f.pm);
		f.hm.fail_nth = n;
		int ret = s2_vm_unmap(&f.vm, RAM_IPA + 2 * M2 + K4, K4);
		f.hm.fail_nth = 0;
		if (ret == 0)
			break;
		assert_int_equal(ret, -S2_ENOMEM);
		assert_int_equal(s2_physmem_allocated(f.pm), before);
		assert_int_equal(s2_pgtable_lookup(&f.vm.pgt, RAM_IPA + 2 * M2 + K4, NULL, NULL), 0);
	}
	assert_int_equal(s2_pgtable_lookup(&f.vm.pgt, RAM_IPA + 2 * M2 + K4, NULL, NULL), -S2_ENOENT);
	vmfx_fini(&f);
}

/*
 * Dirty logging never loses a write, and blocks grow back after it; with
 * a dirty ring of @ring_size entries (0: none), which fills up in most
 * rounds when small.
 */
static void dirty_log_rounds(uint32_t ring_size)
{
	struct vmfx f;
	vmfx_init(&f, 4096, 40);
	const uint64_t size = 4 * M2, pages = size / K4;
	uint64_t ring_ipa[ring_size + 1]; /* one more: a canary past the end */
	struct s2_dirty_ring ring = { .ipa = ring_ipa, .size = ring_size };
	ring_ipa[ring_size] = 0x5a5a5a5a5a5a5a5aULL;
	if (ring_size) {
		assert_int_equal(s2_vm_dirty_ring_attach(&f.vm, &ring), 0);
		f.ring = &ring;
	}
	uint64_t pa = vmfx_ram(&f, size, M2);
	vmfx_slot(&f, 1, RAM_IPA, size, pa, 0);
	/* Before logging: blocks, written freely. */
	for (uint64_t i = 0; i < 4; i++)
		vmfx_touch(&f, RAM_IPA + i * M2, W, 2, NULL);
	uint64_t bitmap[pages / 64], out[pages / 64], seen[pages / 64];
	uint8_t written[pages];
	memset(seen, 0, sizeof(seen));
	memset(written, 0, sizeof(written));
	assert_int_equal(s2_vm_dirty_log_enable(&f.vm, 1, bitmap, sizeof(bitmap) / 8), 0);
	assert_int_equal(s2_vm_dirty_log_enable(&f.vm, 1, bitmap, sizeof(bitmap) / 8), -S2_EBUSY);
	uint64_t seed = 12345;
	for (unsigned int round = 0; round < 50; round++) {
		for (unsigned int i = 0; i < 200; i++) {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			uint64_t page = (seed >> 33) % pages;
			unsigned int acc = (seed >> 20) & 1 ? W : R;
			assert_int_equal(vmfx_touch(&f, RAM_IPA + page * K4, acc, 2, NULL), pa + page * K4);
			if (acc == W)
				written[page] = 1;
		}
		assert_int_equal(s2_vm_dirty_log_get_clear(&f.vm, 1, out, pages / 64), 0);
		for (uint64_t p = 0; p < pages; p++) {
			bool dirty = (out[p / 64] >> (p % 64)) & 1;
			/* Exactly the pages written since the last round. */
			assert_int_equal(dirty, written[p]);
			written[p] = 0;
			if (dirty)
				seen[p / 64] |= 1ULL << (p % 64);
		}
	}
	/* A small ring overflowed into the bitmap; a large one never. */
	if (ring_size)
		assert_true(ring_size < 64 ? ring.overflows > 0 : ring.overflows == 0);
	assert_true(ring_ipa[ring_size] == 0x5a5a5a5a5a5a5a5aULL);
	assert_int_equal(s2_vm_dirty_log_get_clear(&f.vm, 1, out, 1), -S2_EINVAL);
	assert_int_equal(s2_vm_dirty_log_disable(&f.vm, 1), 0);
	assert_int_equal(s2_vm_dirty_log_disable(&f.vm, 1), -S2_EINVAL);
	assert_int_equal(s2_vm_dirty_log_get_clear(&f.vm, 1, out, pages / 64), -S2_EINVAL);
	/* After: the host unmaps, and the next fault maps a block again. */
	assert_int_equal(s2_vm_unmap(&f.vm, RAM_IPA, M2), 0);
	vmfx_touch(&f, RAM_IPA + 5 * K4, R, 2, NULL);
	int level;
	assert_int_equal(s2_pgtable_lookup(&f.vm.pgt, RAM_IPA, NULL, &level), 0);
	assert_int_equal(level, 2);
	vmfx_fini(&f);
	assert_null(ring.vm); /* s2_vm_destroy() detached it */
}

static void dirty_log_loses_no_write(void **state)
{
	(void)state;
	dirty_log_rounds(0);
}

/* The same through a vCPU's dirty ring: one that fills up, one that never. */
static void dirty_ring_loses_no_write(void **state)
{
	(void)state;
	dirty_log_rounds(16);
	dirty_log_rounds(256);
}

/*
 * A dirty ring holds the marks until the library reads or changes the
 * bitmaps: get-and-clear, disable, detach, slot moves and removal move
 * them in; a ring not attached to the VM is not used.
 */
static void dirty_ring_flushes(void **state)
{
	(void)state;
	struct vmfx f;
	vmfx_init(&f, 4096, 40);
	uint64_t pa = vmfx_ram(&f, 2 * M2, M2), bitmap[8], out[8], ipas[4], ipas2[4];
	struct s2_dirty_ring ring = { .ipa = ipas, .size = 4 };
	struct s2_dirty_ring other = { .ipa = ipas2, .size = 4 };
	vmfx_slot(&f, 1, RAM_IPA, M2, pa, 0);
	vmfx_slot(&f, 2, RAM_IPA + M2, M2, pa + M2, 0);
	assert_int_equal(s2_vm_dirty_log_enable(&f.vm, 1, bitmap, 8), 0);

	/* Bad arguments. */
	assert_int_equal(s2_vm_dirty_ring_attach(NULL, &ring), -S2_EINVAL);
	assert_int_equal(s2_vm_dirty_ring_attach(&f.vm, NULL), -S2_EINVAL);
	struct s2_dirty_ring none = { .ipa = NULL, .size = 4 }, empty = { .ipa = ipas };
	assert_int_equal(s2_vm_dirty_ring_attach(&f.vm, &none), -S2_EINVAL);
	assert_int_equal(s2_vm_dirty_ring_attach(&f.vm, &empty), -S2_EINVAL);
	assert_int_equal(s2_vm_dirty_ring_detach(&f.vm, &ring), -S2_ENOENT);
	assert_int_equal(s2_vm_dirty_ring_detach(NULL, &ring), -S2_EINVAL);

	/* Not attached: the fault marks the bitmap. */
	f.ring = &ring;
	vmfx_touch(&f, RAM_IPA, W, 2, NULL);
	assert_int_equal(bitmap[0], 1);
	assert_int_equal(ring.used, 0);

	/* Attached: the ring holds the mark, the bitmap not yet. */
	ring.used = 3; /* whatever was there: attach empties it */
	assert_int_equal(s2_vm_dirty_ring_attach(&f.vm, &ring), 0);
	assert_int_equal(ring.used, 0);
	assert_int_equal(s2_vm_dirty_ring_attach(&f.vm, &ring), -S2_EINVAL);
	vmfx_touch(&f, RAM_IPA + K4, W, 2, NULL);
	assert_int_equal(ring.used, 1);
	assert_int_equal(bitmap[0], 1);
	/* A ring of another VM's is refused here. */
	struct vmfx g;
	vmfx_init(&g, 4096, 40);
	assert_int_equal(s2_vm_dirty_ring_attach(&g.vm, &ring), -S2_EINVAL);
	vmfx_fini(&g);
	/* Get-and-clear moves it in, and reports it. */
	assert_int_equal(s2_vm_dirty_log_get_clear(&f.vm, 1, out, 8), 0);
	assert_int_equal(out[0], 3);
	assert_int_equal(ring.used, 0);
	/* A page written after get-and-clear faults again, into the ring. */
	vmfx_touch(&f, RAM_IPA + K4, W, 2, NULL);
	vmfx_touch(&f, RAM_IPA + 5 * K4, W, 2, NULL);
	assert_int_equal(ring.used, 2);
	/* Disable moves it in: the bitmap is the embedder's to read. */
	assert_int_equal(s2_vm_dirty_log_disable(&f.vm, 1), 0);
	assert_int_equal(bitmap[0], (1ULL << 1) | (1ULL << 5));
	assert_int_equal(ring.used, 0);

	/* Detach moves it in too. */
	assert_int_equal(s2_vm_dirty_log_enable(&f.vm, 2, bitmap, 8), 0);
	vmfx_touch(&f, RAM_IPA + M2 + 2 * K4, W, 2, NULL);
	assert_int_equal(s2_vm_dirty_ring_detach(&f.vm, &ring), 0);
	assert_null(ring.vm);
	assert_int_equal(bitmap[0], 1ULL << 2);
	/* Two rings; a slot's move takes their marks in first. */
	assert_int_equal(s2_vm_dirty_ring_attach(&f.vm, &ring), 0);
	assert_int_equal(s2_vm_dirty_ring_attach(&f.vm, &other), 0);
	vmfx_touch(&f, RAM_IPA + M2 + 3 * K4, W, 2, NULL);
	f.ring = &other;
	vmfx_touch(&f, RAM_IPA + M2 + 4 * K4, W, 2, NULL);
	assert_int_equal(ring.used + other.used, 2);
	assert_int_equal(s2_vm_slot_move(&f.vm, 2, RAM_IPA + 4 * M2), 0);
	assert_int_equal(bitmap[0], (1ULL << 2) | (1ULL << 3) | (1ULL << 4));
	assert_int_equal(ring.used + other.used, 0);
	/* Removal: an entry for the slot is moved in while it still exists. */
	vmfx_touch(&f, RAM_IPA + 4 * M2 + 6 * K4, W, 2, NULL);
	assert_int_equal(other.used, 1);
	assert_int_equal(s2_vm_slot_remove(&f.vm, 2), 0);
	assert_int_equal(other.used, 0);
	assert_int_equal(bitmap[0] >> 6 & 1, 1);
	vmfx_fini(&f);
	assert_null(ring.vm);
	assert_null(other.vm);
}

/* Read-only slots cannot be dirty-logged; unknown slots are refused. */
static void dirty_log_rejects(void **state)
{
	(void)state;
	struct vmfx f;
	vmfx_init(&f, 4096, 40);
	uint64_t pa = vmfx_ram(&f, M2, M2), bm[8];
	vmfx_slot(&f, 1, RAM_IPA, M2, pa, S2_SLOT_READONLY);
	assert_int_equal(s2_vm_dirty_log_enable(&f.vm, 1, bm, 8), -S2_EINVAL);
	assert_int_equal(s2_vm_dirty_log_enable(&f.vm, 2, bm, 8), -S2_ENOENT);
	assert_int_equal(s2_vm_dirty_log_get_clear(&f.vm, 2, bm, 8), -S2_ENOENT);
	assert_int_equal(s2_vm_dirty_log_disable(&f.vm, 2), -S2_ENOENT);
	vmfx_fini(&f);
}

/* Host unmap (an MMU notifier) and ageing. */
static void host_unmap_and_age(void **state)
{
	(void)state;
	struct vmfx f;
	vmfx_init(&f, 65536, 40);
	uint64_t size = 1ULL << 29; /* one 512M block with 64K pages */
	uint64_t pa = vmfx_ram(&f, size, size);
	vmfx_slot(&f, 1, 1ULL << 30, size, pa, 0);
	vmfx_touch(&f, (1ULL << 30) + 0x12345, W, 2, NULL);
	int level;
	assert_int_equal(s2_pgtable_lookup(&f.vm.pgt, 1ULL << 30, NULL, &level), 0);
	assert_int_equal(level, 2);
	bool young;
	assert_int_equal(s2_vm_test_clear_young(&f.vm, 1ULL << 30, size, &young), 0);
	assert_true(young);
	assert_int_equal(s2_vm_test_clear_young(&f.vm, 1ULL << 30, size, &young), 0);
	assert_false(young);
	unsigned int faults;
	/* Ageing cleared AF: the next access takes an access flag fault. */
	assert_int_equal(vmfx_touch(&f, (1ULL << 30) + 0x20008, R, 2, &faults), pa + 0x20008);
	assert_int_equal(faults, 1);
	assert_int_equal(f.vm.stats.access_flag, 1);
	uint64_t tlbi = f.hm.tlbi_ipa + f.hm.tlbi_vmid;
	assert_int_equal(s2_vm_unmap(&f.vm, (1ULL << 30) + 0x10000, 0x10000), 0);
	assert_true(f.hm.tlbi_ipa + f.hm.tlbi_vmid > tlbi);
	assert_int_equal(s2_pgtable_lookup(&f.vm.pgt, (1ULL << 30) + 0x10000, NULL, NULL), -S2_ENOENT);
	/* The next fault maps the whole block again, over the split table. */
	assert_int_equal(vmfx_touch(&f, (1ULL << 30) + 0x10008, R, 2, &faults), pa + 0x10008);
	assert_int_equal(faults, 1);
	assert_int_equal(s2_pgtable_lookup(&f.vm.pgt, 1ULL << 30, NULL, &level), 0);
	assert_int_equal(level, 2);
	vmfx_fini(&f);
}

/*
 * A read permission fault on a page that grants reads comes from a stale
 * TLB entry: the handler invalidates it and retries (else the CPU would
 * fault forever).
 */
static void stale_read_permission_fault_invalidates(void **state)
{
	(void)state;
	struct vmfx f;
	vmfx_init(&f, 4096, 40);
	uint64_t pa = vmfx_ram(&f, M2, M2);
	vmfx_slot(&f, 1, RAM_IPA, M2, pa, 0);
	vmfx_touch(&f, RAM_IPA, R, 2, NULL);
	uint64_t tlbi = f.hm.tlbi_ipa;
	struct s2_abort abt = {
		.esr = (ESR_ELx_EC_DABT_LOW << 26) | ESR_ELx_IL | (FSC_PERMISSION + 2),
		.far = RAM_IPA + 8, .hpfar = (RAM_IPA >> 12) << 4,
	};
	struct s2_exit e;
	assert_int_equal(s2_vm_handle_abort(&f.vm, &abt, &e), 0);
	assert_int_equal(e.reason, S2_EXIT_RETRY);
	assert_int_equal(f.hm.tlbi_ipa, tlbi + 1);
	/* The same fault on a page unmapped meanwhile: just retry. */
	assert_int_equal(s2_vm_unmap(&f.vm, RAM_IPA, M2), 0);
	assert_int_equal(s2_vm_handle_abort(&f.vm, &abt, &e), 0);
	assert_int_equal(e.reason, S2_EXIT_RETRY);
	vmfx_fini(&f);
}

/*
 * A write permission fault on a logged page that the host unmapped
 * between the fault and the handler: nothing to relax, the vCPU retries
 * (and its translation fault maps the page again), with eager and with
 * lazy splitting (which looks the leaf up first).
 */
static void write_fault_on_page_unmapped_meanwhile_retries(void **state)
{
	(void)state;
	for (int eager = 1; eager >= 0; eager--) {
		struct vmfx f;
		uint64_t bitmap[M2 / K4 / 64];
		vmfx_init(&f, 4096, 40);
		uint64_t pa = vmfx_ram(&f, M2, M2);
		vmfx_slot(&f, 1, RAM_IPA, M2, pa, 0);
		assert_int_equal(s2_vm_set_eager_split(&f.vm, eager), 0);
		assert_int_equal(s2_vm_dirty_log_enable(&f.vm, 1, bitmap, M2 / K4 / 64), 0);
		vmfx_touch(&f, RAM_IPA + 3 * K4, R, 2, NULL);
		assert_int_equal(s2_vm_unmap(&f.vm, RAM_IPA, M2), 0);
		struct s2_abort abt = {
			.esr = (ESR_ELx_EC_DABT_LOW << 26) | ESR_ELx_IL | ESR_ISS_DA_WnR |
			       (FSC_PERMISSION + 3),
			.far = RAM_IPA + 3 * K4 + 8, .hpfar = s2_hpfar_from_ipa(RAM_IPA + 3 * K4),
		};
		struct s2_exit e = { .reason = S2_EXIT_RESUME };
		assert_int_equal(s2_vm_handle_abort(&f.vm, &abt, &e), 0);
		assert_int_equal(e.reason, S2_EXIT_RETRY);
		assert_int_equal(s2_pgtable_lookup(&f.vm.pgt, RAM_IPA + 3 * K4, NULL, NULL),
				 -S2_ENOENT);
		assert_int_equal(vmfx_touch(&f, RAM_IPA + 3 * K4, W, 2, NULL), pa + 3 * K4);
		vmfx_fini(&f);
	}
}

/*
 * Blocks need IPA and PA aligned alike modulo the block, not each of them
 * aligned: a slot whose IPA and PA are both 4 KiB past a 2 MiB boundary
 * gets a 2 MiB block where one fits inside it. And a VM needs a VM, a
 * geometry and ops.
 */
static void fault_block_where_ipa_and_pa_line_up(void **state)
{
	(void)state;
	struct vmfx f;
	vmfx_init(&f, 4096, 40);
	uint64_t pa = vmfx_ram(&f, 4 * M2, M2);
	vmfx_slot(&f, 1, RAM_IPA + K4, 3 * M2, pa + K4, 0);
	assert_int_equal(vmfx_touch(&f, RAM_IPA + M2 + 0x123, R, 2, NULL), pa + M2 + 0x123);
	int level;
	assert_int_equal(s2_pgtable_lookup(&f.vm.pgt, RAM_IPA + M2, NULL, &level), 0);
	assert_int_equal(level, 2);
	assert_int_equal(f.vm.stats.block_maps, 1);
	/* At the slot's unaligned start: pages. */
	assert_int_equal(vmfx_touch(&f, RAM_IPA + K4, R, 2, NULL), pa + K4);
	assert_int_equal(s2_pgtable_lookup(&f.vm.pgt, RAM_IPA + K4, NULL, &level), 0);
	assert_int_equal(level, 3);
	struct s2_vm vm;
	assert_int_equal(s2_vm_init(NULL, &f.g, &f.hm.ops), -S2_EINVAL);
	assert_int_equal(s2_vm_init(&vm, NULL, &f.hm.ops), -S2_EINVAL);
	assert_int_equal(s2_vm_init(&vm, &f.g, NULL), -S2_EINVAL);
	vmfx_fini(&f);
}

/*
 * A page the host write-protected keeps its protection when a read fault
 * elsewhere in its block-sized region could map a block over its table:
 * that fault maps its own page. Once no page there is protected, the block
 * comes back. (Found by fuzz_api.)
 */
static void wrprotected_page_survives_a_block_fault(void **state)
{
	(void)state;
	struct vmfx f;
	vmfx_init(&f, 4096, 40);
	uint64_t pa = vmfx_ram(&f, 2 * M2, M2);
	vmfx_slot(&f, 1, RAM_IPA, 2 * M2, pa, 0);
	assert_int_equal(vmfx_touch(&f, RAM_IPA, R, 2, NULL), pa);
	assert_int_equal(s2_pgtable_split(&f.vm.pgt, RAM_IPA, M2, 3), 0);
	assert_int_equal(s2_vm_wrprotect(&f.vm, RAM_IPA + K4, K4), 0);
	assert_int_equal(s2_vm_unmap(&f.vm, RAM_IPA + 2 * K4, 2 * K4), 0);
	/* A read of an unmapped page of the region: that page alone. */
	assert_int_equal(vmfx_touch(&f, RAM_IPA + 2 * K4, R, 2, NULL), pa + 2 * K4);
	uint64_t desc;
	int level;
	assert_int_equal(s2_pgtable_lookup(&f.vm.pgt, RAM_IPA + 2 * K4, &desc, &level), 0);
	assert_int_equal(level, 3);
	assert_int_equal(s2_pgtable_lookup(&f.vm.pgt, RAM_IPA + K4, &desc, &level), 0);
	assert_int_equal(s2_pgtable_desc_prot(desc) & S2_PROT_W, 0);
	/* Its next write faults, as promised; then nothing is protected and
	 * the next translation fault maps the block again. */
	unsigned int faults = 0;
	assert_int_equal(vmfx_touch(&f, RAM_IPA + K4, W, 2, &faults), pa + K4);
	assert_int_equal(faults, 1);
	assert_int_equal(vmfx_touch(&f, RAM_IPA + 3 * K4, R, 2, NULL), pa + 3 * K4);
	assert_int_equal(s2_pgtable_lookup(&f.vm.pgt, RAM_IPA + 3 * K4, NULL, &level), 0);
	assert_int_equal(level, 2);
	vmfx_fini(&f);
}

/* Bit 52 of the leaf mapping @ipa. */
static bool vm_hinted(struct vmfx *f, uint64_t ipa)
{
	uint64_t desc;

	assert_int_equal(s2_pgtable_lookup(&f->vm.pgt, ipa, &desc, NULL), 0);
	return desc & DESC_CONTIGUOUS;
}

/*
 * With Contiguous hints a fault maps a run of 16 pages hinted; dirty
 * logging write-protects it whole (still hinted) and a write unfolds it.
 * While logging, runs stay unfolded; after, the write that makes a run
 * whole again folds it (s2_pgtable_fold()), with the monitor watching.
 */
static void contig_runs_fold_after_logging(void **state)
{
	struct vmfx f;
	uint64_t run = 16 * K4, bitmap[2], out[2];

	(void)state;
	vmfx_init(&f, 4096, 40);
	s2_vm_destroy(&f.vm);
	assert_int_equal(s2_host_mm_check(&f.hm, NULL, NULL), 0);
	assert_int_equal(s2_geom_set_contig(&f.g, true), 0);
	assert_int_equal(s2_vm_init(&f.vm, &f.g, &f.hm.ops), 0);
	f.regs.vttbr_el2 = s2_vm_vttbr(&f.vm, 1);
	/* 64KB off 2MB: no block fits, runs of pages do. */
	uint64_t pa = vmfx_ram(&f, 2 * M2, M2) + run;
	vmfx_slot(&f, 1, RAM_IPA, 4 * run, pa, 0);

	assert_int_equal(vmfx_touch(&f, RAM_IPA + 3 * K4, S2_MMU_WRITE, 4, NULL), pa + 3 * K4);
	assert_true(vm_hinted(&f, RAM_IPA) && vm_hinted(&f, RAM_IPA + 15 * K4));
	assert_int_equal(vmfx_touch(&f, RAM_IPA + run, S2_MMU_READ, 4, NULL), pa + run);

	assert_int_equal(s2_vm_dirty_log_enable(&f.vm, 1, bitmap, 1), 0);
	assert_true(vm_hinted(&f, RAM_IPA));
	for (uint64_t i = 0; i < 16; i++)
		assert_int_equal(vmfx_touch(&f, RAM_IPA + i * K4, S2_MMU_WRITE, 4, NULL),
				 pa + i * K4);
	/* Every page writable again, but logged one by one: no hint. */
	for (uint64_t i = 0; i < 16; i++)
		assert_false(vm_hinted(&f, RAM_IPA + i * K4));
	assert_int_equal(s2_vm_dirty_log_get_clear(&f.vm, 1, out, 1), 0);
	assert_int_equal(out[0], 0xffff);
	assert_int_equal(s2_vm_dirty_log_disable(&f.vm, 1), 0);

	/* Pages stay write-protected until written: the last write folds. */
	for (uint64_t i = 0; i < 15; i++) {
		assert_int_equal(vmfx_touch(&f, RAM_IPA + i * K4, S2_MMU_WRITE, 4, NULL),
				 pa + i * K4);
		assert_false(vm_hinted(&f, RAM_IPA));
	}
	assert_int_equal(vmfx_touch(&f, RAM_IPA + 15 * K4, S2_MMU_WRITE, 4, NULL),
			 pa + 15 * K4);
	for (uint64_t i = 0; i < 16; i++)
		assert_true(vm_hinted(&f, RAM_IPA + i * K4));
	/* The read-only run 1 was never unfolded: written, it unfolds, and
	 * whole again, folds. */
	for (uint64_t i = 16; i < 32; i++)
		assert_int_equal(vmfx_touch(&f, RAM_IPA + i * K4, S2_MMU_WRITE, 4, NULL),
				 pa + i * K4);
	assert_true(vm_hinted(&f, RAM_IPA + run) && vm_hinted(&f, RAM_IPA + 31 * K4));
	vmfx_fini(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(slot_add_rejects_bad_slots),
		cmocka_unit_test(slot_remove_and_move),
		cmocka_unit_test(lifecycle_no_leak),
		cmocka_unit_test(enomem_everywhere),
		cmocka_unit_test(dirty_log_loses_no_write),
		cmocka_unit_test(dirty_ring_loses_no_write),
		cmocka_unit_test(dirty_ring_flushes),
		cmocka_unit_test(dirty_log_rejects),
		cmocka_unit_test(host_unmap_and_age),
		cmocka_unit_test(stale_read_permission_fault_invalidates),
		cmocka_unit_test(write_fault_on_page_unmapped_meanwhile_retries),
		cmocka_unit_test(fault_block_where_ipa_and_pa_line_up),
		cmocka_unit_test(wrprotected_page_survives_a_block_fault),
		cmocka_unit_test(contig_runs_fold_after_logging),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

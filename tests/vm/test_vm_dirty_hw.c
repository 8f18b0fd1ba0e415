/* SPDX-License-Identifier: MIT */
/*
 * Dirty logging by hardware (FEAT_HAFDBS, VTCR_EL2.HD): the three methods
 * on the same writes, the descriptors get-and-clear leaves, its
 * invalidations, host operations in between, switching methods, bad
 * arguments; and ageing with the hardware Access flag (VTCR_EL2.HA).
 *
 * The guest's accesses are the MMU model's, as QEMU's max CPU with
 * VTCR_EL2.HA and HD: its walks make the pages dirty.
 */
#include "vmfx.h"

#define RAM_IPA 0x40000000ULL
#define M2 (2ULL << 20)
#define K4 0x1000ULL

enum { R = S2_MMU_READ, W = S2_MMU_WRITE };

static const enum s2_dirty_log_mode modes[] = {
	S2_DIRTY_LOG_SW, S2_DIRTY_LOG_HW, S2_DIRTY_LOG_HYBRID,
};

/* The descriptor mapping @ipa (0 when none). */
static uint64_t desc_of(struct vmfx *f, uint64_t ipa)
{
	uint64_t d;

	if (s2_pgtable_lookup(&f->vm.pgt, ipa, &d, NULL))
		return 0;
	return d;
}

/*
 * A guest write to @ipa on the model of QEMU's max CPU with the VM's
 * VTCR_EL2.HA/HD (setup()): through a writable-clean leaf the model's walk
 * sets S2AP[1] itself (AArch64.S2Translate's dirty state update), no
 * fault. Return: the stage-2 faults taken.
 */
static unsigned int cpu_write(struct vmfx *f, uint64_t ipa)
{
	unsigned int faults;

	assert_int_not_equal(vmfx_touch(f, ipa, W, 3, &faults), UINT64_MAX);
	return faults;
}

static void setup(struct vmfx *f, uint64_t size, uint64_t *pa)
{
	vmfx_init(f, 4096, 40);
	*pa = vmfx_ram(f, size, M2);
	vmfx_slot(f, 1, RAM_IPA, size, *pa, 0);
	assert_int_equal(s2_vm_set_hw_update(&f->vm, S2_HW_DIRTY), 0);
	f->cpu = &s2_mmu_cpu_max;
	f->regs.vtcr_el2 = f->g.vtcr | s2_vm_vtcr_hw(&f->vm);
}

/*
 * Every method reports exactly the pages written since the last round;
 * the hardware one without a single fault for a mapped page, the software
 * one once per page and round, the hybrid one once per page until a round
 * in which nothing in its last-level table was written takes DBM away
 * from the whole table.
 */
static void reports_exactly_the_writes(void **state)
{
	(void)state;
	const uint64_t size = 4 * M2, pages = size / K4;
	for (unsigned int m = 0; m < 3; m++) {
		struct vmfx f;
		uint64_t pa;
		setup(&f, size, &pa);
		/* Mapped before logging, as blocks, half of it. */
		vmfx_touch(&f, RAM_IPA, W, 2, NULL);
		vmfx_touch(&f, RAM_IPA + M2, R, 2, NULL);
		size_t words = s2_vm_dirty_log_words(&f.vm, 1, modes[m]);
		assert_int_equal(words, pages / 64 + (modes[m] != S2_DIRTY_LOG_SW));
		uint64_t bitmap[pages / 64 + 1], out[pages / 64];
		uint8_t written[pages], armed[pages];
		memset(written, 0, sizeof(written));
		memset(armed, 0, sizeof(armed));
		assert_int_equal(s2_vm_dirty_log_enable_mode(&f.vm, 1, bitmap, words, modes[m]), 0);
		assert_true(f.vm.slots[0].flags & S2_SLOT_DIRTY_LOG);
		assert_int_equal(f.vm.slots[0].dirty_mode, modes[m]);
		uint64_t seed = 99 + m;
		for (unsigned int round = 0; round < 30; round++) {
			unsigned int perm_before = (unsigned int)f.vm.stats.permission;
			unsigned int expect_perm = 0;
			for (unsigned int i = 0; i < 150; i++) {
				seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
				/* A working set: most writes to the first 300 pages. */
				uint64_t page = (seed >> 33) % ((seed >> 20) & 3 ? 300 : pages);
				uint64_t ipa = RAM_IPA + page * K4 + (seed & 0xff8);
				if ((seed >> 24) & 1) {
					assert_int_equal(vmfx_touch(&f, ipa, R, 2, NULL), pa + page * K4 + (seed & 0xff8));
					continue;
				}
				bool mapped = desc_of(&f, ipa) != 0;
				unsigned int faults = cpu_write(&f, ipa);
				if (mapped && modes[m] == S2_DIRTY_LOG_HW)
					assert_int_equal(faults, 0);
				if (mapped && modes[m] == S2_DIRTY_LOG_HYBRID)
					assert_int_equal(faults, !armed[page]);
				if (mapped && modes[m] == S2_DIRTY_LOG_SW && !written[page])
					assert_int_equal(faults, 1);
				if (mapped && faults)
					expect_perm++;
				written[page] = armed[page] = 1;
			}
			assert_int_equal(f.vm.stats.permission - perm_before, expect_perm);
			assert_int_equal(s2_vm_dirty_log_get_clear(&f.vm, 1, out, pages / 64), 0);
			/* Hybrid: a table with no write this round is disarmed. */
			for (uint64_t t = 0; t < pages; t += 512) {
				bool idle = true;
				for (uint64_t p = t; p < t + 512; p++)
					idle &= !written[p];
				if (idle)
					memset(&armed[t], 0, 512);
			}
			for (uint64_t p = 0; p < pages; p++) {
				bool dirty = (out[p / 64] >> (p % 64)) & 1;
				assert_int_equal(dirty, written[p]);
				written[p] = 0;
				/* Cleaned: no page keeps write permission. */
				uint64_t d = desc_of(&f, RAM_IPA + p * K4);
				assert_false(d & S2_DESC_S2AP_W);
				/* DBM where the method gives it. */
				bool dbm = modes[m] == S2_DIRTY_LOG_HW ? d != 0 :
					   modes[m] == S2_DIRTY_LOG_HYBRID ? armed[p] : false;
				assert_int_equal(!!(d & DESC_DBM), dbm);
			}
		}
		/* Nothing written: nothing reported. */
		assert_int_equal(s2_vm_dirty_log_get_clear(&f.vm, 1, out, pages / 64), 0);
		for (uint64_t w = 0; w < pages / 64; w++)
			assert_int_equal(out[w], 0);
		assert_int_equal(s2_vm_dirty_log_disable(&f.vm, 1), 0);
		vmfx_fini(&f);
	}
}

/* Each cleaned entry is invalidated: by IPA up to a batch, then VMID-wide. */
static void get_clear_invalidates_each_cleaned_entry(void **state)
{
	(void)state;
	const uint64_t size = 2 * M2, pages = size / K4;
	for (unsigned int m = 1; m < 3; m++) {
		struct vmfx f;
		uint64_t pa;
		setup(&f, size, &pa);
		for (uint64_t p = 0; p < pages; p++)
			vmfx_touch(&f, RAM_IPA + p * K4, R, 2, NULL);
		uint64_t bitmap[pages / 64 + 1], out[pages / 64];
		assert_int_equal(s2_vm_dirty_log_enable_mode(&f.vm, 1, bitmap, pages / 64 + 1, modes[m]), 0);
		/* Round 1 gives the hybrid method's pages DBM. */
		const uint64_t few[] = { 3, 64, 511, 512, 700, 1023 };
		for (unsigned int round = 0; round < 2; round++) {
			for (unsigned int i = 0; i < 6; i++)
				cpu_write(&f, RAM_IPA + few[i] * K4);
			uint64_t ipa0 = f.hm.tlbi_ipa, vmid0 = f.hm.tlbi_vmid;
			assert_int_equal(s2_vm_dirty_log_get_clear(&f.vm, 1, out, pages / 64), 0);
			assert_int_equal(f.hm.tlbi_ipa - ipa0, 6);
			assert_int_equal(f.hm.tlbi_vmid - vmid0, 0);
			for (unsigned int i = 0; i < 6; i++)
				assert_true(out[few[i] / 64] >> (few[i] % 64) & 1);
		}
		/*
		 * Nothing dirty: nothing cleaned. The hybrid method takes DBM
		 * away from the idle tables' six pages (invalidated: a TLB may
		 * hold them writable-clean) and drops the tables from its
		 * summary; then nothing at all.
		 */
		uint64_t ipa0 = f.hm.tlbi_ipa, vmid0 = f.hm.tlbi_vmid;
		assert_int_equal(s2_vm_dirty_log_get_clear(&f.vm, 1, out, pages / 64), 0);
		assert_int_equal(f.hm.tlbi_ipa - ipa0, modes[m] == S2_DIRTY_LOG_HYBRID ? 6 : 0);
		assert_int_equal(f.hm.tlbi_vmid - vmid0, 0);
		for (uint64_t w = 0; w < pages / 64; w++)
			assert_int_equal(out[w], 0);
		assert_int_equal(f.vm.slots[0].dirty_tables[0],
				 modes[m] == S2_DIRTY_LOG_HYBRID ? 0 : 3);
		ipa0 = f.hm.tlbi_ipa;
		assert_int_equal(s2_vm_dirty_log_get_clear(&f.vm, 1, out, pages / 64), 0);
		assert_int_equal(f.hm.tlbi_ipa - ipa0 + f.hm.tlbi_vmid - vmid0, 0);
		/* Many: one VMID-wide invalidation instead. */
		for (uint64_t p = 0; p < 100; p++)
			cpu_write(&f, RAM_IPA + p * 7 * K4);
		assert_int_equal(s2_vm_dirty_log_get_clear(&f.vm, 1, out, pages / 64), 0);
		assert_true(f.hm.tlbi_vmid - vmid0 >= 1);
		for (uint64_t p = 0; p < 100; p++)
			assert_true(out[p * 7 / 64] >> (p * 7 % 64) & 1);
		vmfx_fini(&f);
	}
}

/*
 * Host operations while the CPU logs: what it marked goes to the bitmap
 * first; a page left mapped loses DBM, faults on its next write (logged
 * by software) and gets DBM back.
 */
static void host_operations_keep_the_marks(void **state)
{
	(void)state;
	const uint64_t size = 2 * M2, pages = size / K4;
	struct vmfx f;
	uint64_t pa;
	setup(&f, size, &pa);
	for (uint64_t p = 0; p < pages; p++)
		vmfx_touch(&f, RAM_IPA + p * K4, R, 2, NULL);
	uint64_t bitmap[pages / 64 + 1], out[pages / 64];
	assert_int_equal(s2_vm_dirty_log_enable_mode(&f.vm, 1, bitmap, pages / 64 + 1,
						     S2_DIRTY_LOG_HW), 0);
	cpu_write(&f, RAM_IPA + 10 * K4);
	cpu_write(&f, RAM_IPA + 11 * K4);
	cpu_write(&f, RAM_IPA + 600 * K4);
	/* Unmap a marked page, write-protect another and a clean one. */
	assert_int_equal(s2_vm_unmap(&f.vm, RAM_IPA + 10 * K4, K4), 0);
	assert_int_equal(s2_vm_wrprotect(&f.vm, RAM_IPA + 11 * K4, 2 * K4), 0);
	assert_int_equal(desc_of(&f, RAM_IPA + 10 * K4), 0);
	uint64_t d = desc_of(&f, RAM_IPA + 12 * K4);
	assert_false(d & (DESC_DBM | S2_DESC_S2AP_W));
	/* Misaligned: refused before anything is frozen. */
	assert_int_equal(s2_vm_wrprotect(&f.vm, RAM_IPA + 20 * K4 + 8, K4), -S2_EINVAL);
	assert_true(desc_of(&f, RAM_IPA + 20 * K4) & DESC_DBM);
	assert_int_equal(s2_vm_unmap(&f.vm, RAM_IPA + 20 * K4, 0), -S2_EINVAL);
	assert_true(desc_of(&f, RAM_IPA + 20 * K4) & DESC_DBM);
	/* The frozen page's next write faults, is logged, and has DBM again. */
	uint64_t perm = f.vm.stats.permission;
	assert_int_equal(cpu_write(&f, RAM_IPA + 12 * K4), 1);
	assert_int_equal(f.vm.stats.permission - perm, 1);
	d = desc_of(&f, RAM_IPA + 12 * K4);
	assert_true((d & DESC_DBM) && (d & S2_DESC_S2AP_W));
	/* The unmapped one faults in writable-dirty, logged. */
	assert_int_equal(cpu_write(&f, RAM_IPA + 10 * K4 + 16), 1);
	assert_true(desc_of(&f, RAM_IPA + 10 * K4) & DESC_DBM);
	assert_int_equal(s2_vm_dirty_log_get_clear(&f.vm, 1, out, pages / 64), 0);
	for (uint64_t p = 0; p < pages; p++)
		assert_int_equal(out[p / 64] >> (p % 64) & 1,
				 p == 10 || p == 11 || p == 12 || p == 600);
	/* Removing the slot moves the marks to the bitmap before it goes. */
	cpu_write(&f, RAM_IPA + 5 * K4);
	memset(out, 0, sizeof(out));
	assert_int_equal(s2_vm_slot_remove(&f.vm, 1), 0);
	for (uint64_t p = 0; p < pages; p++)
		assert_int_equal(bitmap[p / 64] >> (p % 64) & 1, p == 5);
	vmfx_fini(&f);
}

/*
 * Switching methods on one slot; disabling a hardware method gives write
 * permission back at once, the software one at each page's next write.
 */
static void switch_methods_and_disable(void **state)
{
	(void)state;
	const uint64_t size = M2, pages = size / K4;
	struct vmfx f;
	uint64_t pa;
	setup(&f, size, &pa);
	for (uint64_t p = 0; p < pages; p++)
		vmfx_touch(&f, RAM_IPA + p * K4, R, 2, NULL);
	uint64_t bitmap[pages / 64 + 1], out[pages / 64];
	const enum s2_dirty_log_mode seq[] = {
		S2_DIRTY_LOG_HW, S2_DIRTY_LOG_SW, S2_DIRTY_LOG_HYBRID,
		S2_DIRTY_LOG_HW, S2_DIRTY_LOG_HYBRID, S2_DIRTY_LOG_SW,
	};
	for (unsigned int i = 0; i < 6; i++) {
		assert_int_equal(s2_vm_dirty_log_enable_mode(&f.vm, 1, bitmap, pages / 64 + 1, seq[i]), 0);
		cpu_write(&f, RAM_IPA + (i + 1) * K4);
		cpu_write(&f, RAM_IPA + 100 * K4);
		assert_int_equal(s2_vm_dirty_log_get_clear(&f.vm, 1, out, pages / 64), 0);
		for (uint64_t p = 0; p < pages; p++)
			assert_int_equal(out[p / 64] >> (p % 64) & 1, p == i + 1 || p == 100);
		/* Marked after the last round: in the bitmap after disabling. */
		cpu_write(&f, RAM_IPA + 200 * K4);
		uint8_t had_dbm[pages];
		for (uint64_t p = 0; p < pages; p++)
			had_dbm[p] = !!(desc_of(&f, RAM_IPA + p * K4) & DESC_DBM);
		/* The first round armed every page (all writable before). */
		if (i == 0)
			for (uint64_t p = 0; p < pages; p++)
				assert_true(had_dbm[p]);
		assert_int_equal(s2_vm_dirty_log_disable(&f.vm, 1), 0);
		assert_true(bitmap[200 / 64] >> (200 % 64) & 1);
		assert_false(f.vm.slots[0].flags & S2_SLOT_DIRTY_LOG);
		assert_null(f.vm.slots[0].dirty_tables);
		/*
		 * Write permission back: no DBM left, pages that had it
		 * writable at once. (Pages an earlier software round left
		 * write-protected stay so until their next write: the
		 * library cannot tell them from pages the host protects.)
		 */
		for (uint64_t p = 0; p < pages; p++) {
			uint64_t d = desc_of(&f, RAM_IPA + p * K4);
			assert_false(d & DESC_DBM);
			if (had_dbm[p])
				assert_true(d & S2_DESC_S2AP_W);
		}
		assert_int_equal(cpu_write(&f, RAM_IPA + 300 * K4),
				 had_dbm[300] ? 0 : 1);
		assert_int_equal(cpu_write(&f, RAM_IPA + 300 * K4), 0);
	}
	vmfx_fini(&f);
}

/* Bad arguments are refused and change nothing. */
static void bad_arguments(void **state)
{
	(void)state;
	const uint64_t size = M2, pages = size / K4;
	struct vmfx f;
	uint64_t pa, bitmap[pages / 64 + 1], out[pages / 64];
	vmfx_init(&f, 4096, 40);
	pa = vmfx_ram(&f, size, M2);
	vmfx_slot(&f, 1, RAM_IPA, size, pa, 0);
	for (uint64_t p = 0; p < pages; p++)
		vmfx_touch(&f, RAM_IPA + p * K4, W, 2, NULL);
	uint64_t before = desc_of(&f, RAM_IPA + 5 * K4);
	assert_true(before & S2_DESC_S2AP_W);
	/* No S2_HW_DIRTY: the hardware methods are refused. */
	assert_int_equal(s2_vm_vtcr_hw(&f.vm), 0);
	assert_int_equal(s2_vm_dirty_log_enable_mode(&f.vm, 1, bitmap, pages / 64 + 1,
						     S2_DIRTY_LOG_HW), -S2_ENOTSUP);
	assert_int_equal(s2_vm_dirty_log_enable_mode(&f.vm, 1, bitmap, pages / 64 + 1,
						     S2_DIRTY_LOG_HYBRID), -S2_ENOTSUP);
	assert_int_equal(s2_vm_set_hw_update(&f.vm, S2_HW_AF), 0);
	assert_int_equal(s2_vm_vtcr_hw(&f.vm), VTCR_EL2_HA);
	assert_int_equal(s2_vm_dirty_log_enable_mode(&f.vm, 1, bitmap, pages / 64 + 1,
						     S2_DIRTY_LOG_HW), -S2_ENOTSUP);
	assert_int_equal(s2_vm_set_hw_update(&f.vm, 4), -S2_EINVAL);
	assert_int_equal(s2_vm_set_hw_update(NULL, 0), -S2_EINVAL);
	assert_int_equal(s2_vm_vtcr_hw(&f.vm), VTCR_EL2_HA);
	/* HD implies HA. */
	assert_int_equal(s2_vm_set_hw_update(&f.vm, S2_HW_DIRTY), 0);
	assert_int_equal(s2_vm_vtcr_hw(&f.vm), VTCR_EL2_HA | VTCR_EL2_HD);
	/* The summary needs its word; unknown modes; unknown slots. */
	assert_int_equal(s2_vm_dirty_log_words(&f.vm, 1, S2_DIRTY_LOG_SW), pages / 64);
	assert_int_equal(s2_vm_dirty_log_words(&f.vm, 1, S2_DIRTY_LOG_MODES), 0);
	assert_int_equal(s2_vm_dirty_log_words(&f.vm, 2, S2_DIRTY_LOG_HW), 0);
	assert_int_equal(s2_vm_dirty_log_enable_mode(&f.vm, 1, bitmap, pages / 64,
						     S2_DIRTY_LOG_HW), -S2_EINVAL);
	assert_int_equal(s2_vm_dirty_log_enable_mode(&f.vm, 1, bitmap, pages / 64 + 1,
						     S2_DIRTY_LOG_MODES), -S2_EINVAL);
	assert_int_equal(s2_vm_dirty_log_enable_mode(&f.vm, 1, NULL, pages / 64 + 1,
						     S2_DIRTY_LOG_HW), -S2_EINVAL);
	assert_int_equal(s2_vm_dirty_log_enable_mode(&f.vm, 2, bitmap, pages / 64 + 1,
						     S2_DIRTY_LOG_HW), -S2_ENOENT);
	assert_int_equal(s2_vm_dirty_log_enable_mode(NULL, 1, bitmap, 1, S2_DIRTY_LOG_HW), -S2_EINVAL);
	assert_int_equal(s2_vm_dirty_log_get_clear(NULL, 1, out, 1), -S2_EINVAL);
	assert_int_equal(s2_vm_dirty_log_disable(NULL, 1), -S2_EINVAL);
	/* Nothing changed. */
	assert_false(f.vm.slots[0].flags & S2_SLOT_DIRTY_LOG);
	assert_int_equal(desc_of(&f, RAM_IPA + 5 * K4), before);
	/* Logging by hardware: HD cannot be taken away. */
	assert_int_equal(s2_vm_dirty_log_enable_mode(&f.vm, 1, bitmap, pages / 64 + 1,
						     S2_DIRTY_LOG_HW), 0);
	assert_int_equal(s2_vm_set_hw_update(&f.vm, S2_HW_AF), -S2_EBUSY);
	assert_int_equal(s2_vm_vtcr_hw(&f.vm), VTCR_EL2_HA | VTCR_EL2_HD);
	assert_int_equal(s2_vm_dirty_log_enable_mode(&f.vm, 1, bitmap, pages / 64 + 1,
						     S2_DIRTY_LOG_SW), -S2_EBUSY);
	assert_int_equal(f.vm.slots[0].dirty_mode, S2_DIRTY_LOG_HW);
	assert_int_equal(s2_vm_dirty_log_get_clear(&f.vm, 1, out, pages / 64 - 1), -S2_EINVAL);
	assert_int_equal(s2_vm_dirty_log_disable(&f.vm, 1), 0);
	assert_int_equal(s2_vm_set_hw_update(&f.vm, 0), 0);
	assert_int_equal(s2_vm_vtcr_hw(&f.vm), 0);
	/* A slot holding a dirty bitmap or summary is refused. */
	struct s2_memslot s = { .id = 3, .ipa = RAM_IPA + M2, .size = M2, .pa = pa,
				.dirty_tables = bitmap };
	assert_int_equal(s2_vm_slot_add(&f.vm, &s), -S2_EINVAL);
	vmfx_fini(&f);
}

static int pager_page(void *arg, const struct s2_memslot *slot, uint64_t ipa,
		      bool write, uint64_t *pa, bool *writable)
{
	(void)write;
	*pa = *(uint64_t *)arg + (ipa - slot->ipa);
	*writable = true;
	return 0;
}

/* The pager shares pages read-only: no hardware method there. */
static void pager_slot_refuses_hardware(void **state)
{
	(void)state;
	struct vmfx f;
	vmfx_init(&f, 4096, 40);
	uint64_t base = vmfx_ram(&f, M2, M2), bitmap[9];
	struct s2_pager pg = { .page = pager_page, .arg = &base };
	assert_int_equal(s2_vm_set_pager(&f.vm, &pg), 0);
	vmfx_slot(&f, 1, RAM_IPA, M2, 0, S2_SLOT_PAGER);
	assert_int_equal(s2_vm_set_hw_update(&f.vm, S2_HW_DIRTY), 0);
	assert_int_equal(s2_vm_dirty_log_enable_mode(&f.vm, 1, bitmap, 9, S2_DIRTY_LOG_HW), -S2_EINVAL);
	assert_int_equal(s2_vm_dirty_log_enable_mode(&f.vm, 1, bitmap, 9, S2_DIRTY_LOG_HYBRID), -S2_EINVAL);
	assert_int_equal(s2_vm_dirty_log_enable_mode(&f.vm, 1, bitmap, 9, S2_DIRTY_LOG_SW), 0);
	vmfx_fini(&f);
}

/*
 * The page-table operation itself: each op on a hand-made set of leaves
 * (writable-dirty, writable-clean, read-only, writable without DBM), a
 * block straddling the range's end, and its argument checks.
 */
static void clean_dirty_ops(void **state)
{
	(void)state;
	struct vmfx f;
	vmfx_init(&f, 4096, 40);
	struct s2_pgtable *pgt = &f.vm.pgt;
	const unsigned int rx = S2_PROT_R | S2_PROT_X;
	const unsigned int kinds[4] = {
		rx | S2_PROT_W | S2_PROT_DBM, rx | S2_PROT_DBM, rx, rx | S2_PROT_W,
	};
	/* Expected prot after each op, by kind. */
	const unsigned int after[S2_CLEAN_OPS][4] = {
		[S2_CLEAN_KEEP] = { rx | S2_PROT_DBM, rx | S2_PROT_DBM, rx, rx },
		[S2_CLEAN_ARM] = { rx | S2_PROT_DBM, rx | S2_PROT_DBM, rx, rx | S2_PROT_DBM },
		[S2_CLEAN_FREEZE] = { rx, rx, rx, rx },
		[S2_CLEAN_RELEASE] = { rx | S2_PROT_W, rx | S2_PROT_W, rx, rx | S2_PROT_W },
	};
	const uint64_t tlbis[S2_CLEAN_OPS] = { 2, 2, 3, 0 };
	for (unsigned int op = 0; op < S2_CLEAN_OPS; op++) {
		for (unsigned int k = 0; k < 4; k++)
			assert_int_equal(s2_pgtable_map(pgt, RAM_IPA + k * K4, K4,
							MEM_BASE + k * K4, kinds[k], 0), 0);
		uint64_t bm[2] = { 0, 0 }, t0 = f.hm.tlbi_ipa;
		/* Bit n is the page at bitmap_ipa + n pages. */
		assert_int_equal(s2_pgtable_clean_dirty(pgt, RAM_IPA, 4 * K4, op, bm,
							RAM_IPA - 64 * K4), 0);
		for (unsigned int k = 0; k < 4; k++)
			assert_int_equal(s2_pgtable_desc_prot(desc_of(&f, RAM_IPA + k * K4)),
					 after[op][k]);
		/* Reported: the leaves that had write permission. */
		assert_int_equal(bm[0], 0);
		assert_int_equal(bm[1], op == S2_CLEAN_RELEASE ? 1 : 1 | 8);
		assert_int_equal(f.hm.tlbi_ipa - t0, tlbis[op]);
	}
	/* A dirty block: all its pages in range reported; split at the end. */
	assert_int_equal(s2_pgtable_map(pgt, RAM_IPA + M2, M2, MEM_BASE + M2,
					S2_PROT_RWX | S2_PROT_DBM, 0), 0);
	uint64_t bm[8] = { 0 };
	assert_int_equal(s2_pgtable_clean_dirty(pgt, RAM_IPA + M2, M2 / 2, S2_CLEAN_KEEP,
						bm, RAM_IPA + M2), 0);
	for (unsigned int w = 0; w < 8; w++)
		assert_int_equal(bm[w], w < 4 ? ~0ULL : 0);
	int level;
	assert_int_equal(s2_pgtable_lookup(pgt, RAM_IPA + M2, NULL, &level), 0);
	assert_int_equal(level, 3);
	assert_true(desc_of(&f, RAM_IPA + M2 + M2 / 2) & S2_DESC_S2AP_W);
	assert_false(desc_of(&f, RAM_IPA + M2) & S2_DESC_S2AP_W);
	/* A NULL bitmap cleans without reporting. */
	assert_int_equal(s2_pgtable_clean_dirty(pgt, RAM_IPA + M2, M2, S2_CLEAN_KEEP, NULL, 0), 0);
	assert_false(desc_of(&f, RAM_IPA + M2 + M2 / 2) & S2_DESC_S2AP_W);
	/* Arguments. */
	assert_int_equal(s2_pgtable_clean_dirty(pgt, RAM_IPA, K4, S2_CLEAN_OPS, bm, RAM_IPA), -S2_EINVAL);
	assert_int_equal(s2_pgtable_clean_dirty(pgt, RAM_IPA, K4, S2_CLEAN_KEEP, bm, RAM_IPA + K4), -S2_EINVAL);
	assert_int_equal(s2_pgtable_clean_dirty(pgt, RAM_IPA, K4, S2_CLEAN_KEEP, bm, RAM_IPA - 8), -S2_EINVAL);
	assert_int_equal(s2_pgtable_clean_dirty(pgt, RAM_IPA + 8, K4, S2_CLEAN_KEEP, bm, 0), -S2_EINVAL);
	assert_int_equal(s2_pgtable_clean_dirty(pgt, 1ULL << 40, K4, S2_CLEAN_KEEP, bm, 0), -S2_ERANGE);
	/* DBM through the other permission operations. */
	assert_int_equal(s2_pgtable_protect(pgt, RAM_IPA, K4, rx | S2_PROT_DBM), 0);
	assert_int_equal(s2_pgtable_desc_prot(desc_of(&f, RAM_IPA)), rx | S2_PROT_DBM);
	assert_int_equal(s2_pgtable_protect(pgt, RAM_IPA, K4, rx), 0);
	assert_int_equal(s2_pgtable_desc_prot(desc_of(&f, RAM_IPA)), rx);
	assert_int_equal(s2_pgtable_relax(pgt, RAM_IPA, S2_PROT_W | S2_PROT_DBM), 0);
	assert_int_equal(s2_pgtable_desc_prot(desc_of(&f, RAM_IPA)), S2_PROT_RWX | S2_PROT_DBM);
	assert_int_equal(s2_pgtable_protect(pgt, RAM_IPA, K4, 1 << 5), -S2_EINVAL);
	assert_int_equal(s2_pgtable_relax(pgt, RAM_IPA, 1 << 5), -S2_EINVAL);
	vmfx_fini(&f);
}

/*
 * Ageing with VTCR_EL2.HA (the model's FEAT_HAFDBS Access flag): after
 * test-and-clear the next access sets AF itself, without a fault.
 */
static void ageing_with_hardware_access_flag(void **state)
{
	(void)state;
	struct vmfx f;
	uint64_t pa;
	setup(&f, M2, &pa);
	vmfx_touch(&f, RAM_IPA + 0x1238, W, 2, NULL);
	bool young;
	assert_int_equal(s2_vm_test_clear_young(&f.vm, RAM_IPA, M2, &young), 0);
	assert_true(young);
	assert_false(desc_of(&f, RAM_IPA) & DESC_AF);
	unsigned int faults;
	assert_int_equal(vmfx_touch(&f, RAM_IPA + 0x5000, R, 2, &faults), pa + 0x5000);
	assert_int_equal(faults, 0);
	assert_int_equal(f.vm.stats.access_flag, 0);
	assert_true(desc_of(&f, RAM_IPA) & DESC_AF);
	assert_int_equal(s2_vm_test_clear_young(&f.vm, RAM_IPA, M2, &young), 0);
	assert_true(young);
	assert_int_equal(s2_vm_test_clear_young(&f.vm, RAM_IPA, M2, &young), 0);
	assert_false(young);
	/* Clearing AF keeps the rest, a dirty mark included. */
	uint64_t bitmap[9];
	assert_int_equal(s2_vm_dirty_log_enable_mode(&f.vm, 1, bitmap, 9, S2_DIRTY_LOG_HW), 0);
	vmfx_touch(&f, RAM_IPA, R, 2, NULL);
	cpu_write(&f, RAM_IPA);
	assert_int_equal(s2_vm_test_clear_young(&f.vm, RAM_IPA, M2, &young), 0);
	assert_true(desc_of(&f, RAM_IPA) & S2_DESC_S2AP_W);
	vmfx_fini(&f);
}

/*
 * A host unmap or write-protect over the end of a slot logged by hardware
 * and a block of the next slot: when splitting the block fails, -S2_ENOMEM
 * leaves every descriptor as it was (the logged pages' clean included),
 * and the call made again unmaps (write-protects) with the mark kept.
 */
static void host_operation_enomem_changes_nothing(void **state)
{
	(void)state;
	for (int op = 0; op < 2; op++) {
		struct vmfx f;
		uint64_t pa, out[M2 / K4 / 64];
		int level;
		setup(&f, M2, &pa);
		uint64_t pb = vmfx_ram(&f, M2, M2);
		vmfx_slot(&f, 2, RAM_IPA + M2, M2, pb, 0);
		vmfx_touch(&f, RAM_IPA, R, 2, NULL);
		vmfx_touch(&f, RAM_IPA + M2, R, 2, NULL);
		assert_int_equal(s2_pgtable_lookup(&f.vm.pgt, RAM_IPA + M2, NULL, &level), 0);
		assert_int_equal(level, 2);
		size_t words = s2_vm_dirty_log_words(&f.vm, 1, S2_DIRTY_LOG_HW);
		uint64_t bitmap[words];
		assert_int_equal(s2_vm_dirty_log_enable_mode(&f.vm, 1, bitmap, words,
							     S2_DIRTY_LOG_HW), 0);
		assert_int_equal(cpu_write(&f, RAM_IPA + M2 - 2 * K4), 0);
		uint64_t before[4];
		for (int i = 0; i < 4; i++)
			before[i] = desc_of(&f, RAM_IPA + M2 + (uint64_t)(i - 2) * K4);
		assert_true(before[0] & S2_DESC_S2AP_W);
		assert_true(before[1] & DESC_DBM);
		uint64_t ipa = RAM_IPA + M2 - 2 * K4, size = 4 * K4;
		f.hm.fail_nth = 1;
		int ret = op ? s2_vm_wrprotect(&f.vm, ipa, size) : s2_vm_unmap(&f.vm, ipa, size);
		f.hm.fail_nth = 0;
		assert_int_equal(ret, -S2_ENOMEM);
		for (int i = 0; i < 4; i++)
			assert_int_equal(desc_of(&f, RAM_IPA + M2 + (uint64_t)(i - 2) * K4), before[i]);
		assert_int_equal(s2_pgtable_lookup(&f.vm.pgt, RAM_IPA + M2, NULL, &level), 0);
		assert_int_equal(level, 2);
		ret = op ? s2_vm_wrprotect(&f.vm, ipa, size) : s2_vm_unmap(&f.vm, ipa, size);
		assert_int_equal(ret, 0);
		assert_int_equal(s2_vm_dirty_log_get_clear(&f.vm, 1, out, M2 / K4 / 64), 0);
		for (uint64_t p = 0; p < M2 / K4; p++)
			assert_int_equal((out[p / 64] >> (p % 64)) & 1, p == M2 / K4 - 2);
		vmfx_fini(&f);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reports_exactly_the_writes),
		cmocka_unit_test(get_clear_invalidates_each_cleaned_entry),
		cmocka_unit_test(host_operations_keep_the_marks),
		cmocka_unit_test(host_operation_enomem_changes_nothing),
		cmocka_unit_test(switch_methods_and_disable),
		cmocka_unit_test(bad_arguments),
		cmocka_unit_test(pager_slot_refuses_hardware),
		cmocka_unit_test(clean_dirty_ops),
		cmocka_unit_test(ageing_with_hardware_access_flag),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/*
 * Stage-2 abort handling as a table, in the spirit of KVM's page_fault_test:
 * access kind x slot state -> action, mapping and syndrome decoding. Every
 * fault is produced by the MMU model from the VM's real tables.
 */
#include "vmfx.h"

#define RAM_IPA 0x40000000ULL
#define RAM_SIZE (16ULL << 20)
#define ROM_IPA 0x0ULL
#define ROM_SIZE (64ULL << 10)
#define LOG_IPA 0x80000000ULL
#define LOG_SIZE (4ULL << 20)
#define ODD_IPA 0x81001000ULL /* congruent with its PA only modulo 4K */
#define ODD_SIZE (4ULL << 20)
#define HOLE 0x09000000ULL

enum pre { PRE_NONE, PRE_READ, PRE_WRITE, PRE_LOG, PRE_LOG_READ, PRE_AGE };
enum acc { R = S2_MMU_READ, W = S2_MMU_WRITE, X = S2_MMU_EXEC };

struct fault_case {
	const char *name;
	enum pre pre;
	uint64_t ipa;
	enum acc acc;
	bool isv;                 /* the instruction gives a valid syndrome */
	enum s2_exit_reason reason; /* -1: no abort at all */
	int level;                /* leaf level after, -9: unmapped */
	unsigned int fault_kind;  /* expected model fault type, 0 none */
	bool dirty;               /* the page ends up in the dirty log */
};

#define NOFAULT ((enum s2_exit_reason)-1)

static const struct fault_case cases[] = {
	{ "read hole, ISV: MMIO load", PRE_NONE, HOLE + 8, R, true, S2_EXIT_MMIO, -9, S2_MMU_FAULT_TRANSLATION, false },
	{ "write hole, ISV: MMIO store", PRE_NONE, HOLE, W, true, S2_EXIT_MMIO, -9, S2_MMU_FAULT_TRANSLATION, false },
	{ "write hole, no ISV: cannot emulate", PRE_NONE, HOLE, W, false, S2_EXIT_CANNOT_EMULATE, -9, S2_MMU_FAULT_TRANSLATION, false },
	{ "fetch hole: prefetch abort injected", PRE_NONE, HOLE, X, false, S2_EXIT_INJECT, -9, S2_MMU_FAULT_TRANSLATION, false },
	{ "read RAM: 2M block", PRE_NONE, RAM_IPA + 0x234560, R, true, S2_EXIT_RESUME, 2, S2_MMU_FAULT_TRANSLATION, false },
	{ "write RAM: 2M block", PRE_NONE, RAM_IPA + 0xa00008, W, true, S2_EXIT_RESUME, 2, S2_MMU_FAULT_TRANSLATION, false },
	{ "fetch RAM: 2M block", PRE_NONE, RAM_IPA, X, false, S2_EXIT_RESUME, 2, S2_MMU_FAULT_TRANSLATION, false },
	{ "read present RAM: no abort", PRE_READ, RAM_IPA + 0x1000, R, true, NOFAULT, 2, 0, false },
	{ "write present RAM: no abort", PRE_WRITE, RAM_IPA + 0x1000, W, true, NOFAULT, 2, 0, false },
	{ "misaligned slot: pages only", PRE_NONE, ODD_IPA + 0x3000, R, true, S2_EXIT_RESUME, 3, S2_MMU_FAULT_TRANSLATION, false },
	{ "read ROM: mapped read-only", PRE_NONE, ROM_IPA + 0x2000, R, true, S2_EXIT_RESUME, 3, S2_MMU_FAULT_TRANSLATION, false },
	{ "fetch ROM: mapped", PRE_NONE, ROM_IPA, X, false, S2_EXIT_RESUME, 3, S2_MMU_FAULT_TRANSLATION, false },
	{ "write ROM first: MMIO", PRE_NONE, ROM_IPA + 0x10, W, true, S2_EXIT_MMIO, -9, S2_MMU_FAULT_TRANSLATION, false },
	{ "write mapped ROM: permission, MMIO", PRE_READ, ROM_IPA + 0x10, W, true, S2_EXIT_MMIO, 3, S2_MMU_FAULT_PERMISSION, false },
	{ "read logged: page, read-only", PRE_LOG, LOG_IPA + 0x5000, R, true, S2_EXIT_RESUME, 3, S2_MMU_FAULT_TRANSLATION, false },
	{ "write logged first: page, dirty", PRE_LOG, LOG_IPA + 0x5000, W, true, S2_EXIT_RESUME, 3, S2_MMU_FAULT_TRANSLATION, true },
	{ "write logged mapped: permission, dirty", PRE_LOG_READ, LOG_IPA + 0x5000, W, true, S2_EXIT_RESUME, 3, S2_MMU_FAULT_PERMISSION, true },
	{ "read logged mapped: no abort", PRE_LOG_READ, LOG_IPA + 0x5000, R, true, NOFAULT, 3, 0, false },
	{ "read aged RAM: access flag", PRE_AGE, RAM_IPA + 0x1000, R, true, S2_EXIT_RESUME, 2, S2_MMU_FAULT_ACCESS_FLAG, false },
};

struct world {
	struct vmfx f;
	struct s2_memslot slots[4]; /* more than a VM holds itself */
	uint64_t ram, rom, log, odd;
	uint64_t bitmap[(LOG_SIZE >> 12) / 64];
};

static void world_init(struct world *w)
{
	vmfx_init(&w->f, 4096, 40);
	w->ram = vmfx_ram(&w->f, RAM_SIZE, 2 << 20);
	w->rom = vmfx_ram(&w->f, ROM_SIZE, 4096);
	w->log = vmfx_ram(&w->f, LOG_SIZE, 2 << 20);
	w->odd = vmfx_ram(&w->f, ODD_SIZE, 2 << 20);
	assert_int_equal(s2_vm_set_slot_storage(&w->f.vm, w->slots, 4), 0);
	vmfx_slot(&w->f, 1, RAM_IPA, RAM_SIZE, w->ram, 0);
	vmfx_slot(&w->f, 2, ROM_IPA, ROM_SIZE, w->rom, S2_SLOT_READONLY);
	vmfx_slot(&w->f, 3, LOG_IPA, LOG_SIZE, w->log, 0);
	vmfx_slot(&w->f, 4, ODD_IPA, ODD_SIZE, w->odd, 0);
}

static uint64_t backing(const struct world *w, uint64_t ipa)
{
	const struct s2_memslot *s = s2_vm_slot_find(&w->f.vm, ipa);
	return s ? s->pa + (ipa - s->ipa) : UINT64_MAX;
}

/* Each row on a fresh VM: the action, the mapping after, the syndrome. */
static void fault_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct fault_case *c = &cases[i];
		struct world w;
		struct vmfx_step st;
		print_message("case: %s\n", c->name);
		world_init(&w);
		switch (c->pre) {
		case PRE_READ: vmfx_touch(&w.f, c->ipa, R, 4, NULL); break;
		case PRE_WRITE: vmfx_touch(&w.f, c->ipa, W, 4, NULL); break;
		case PRE_LOG:
		case PRE_LOG_READ:
			assert_int_equal(s2_vm_dirty_log_enable(&w.f.vm, 3, w.bitmap, sizeof(w.bitmap) / 8), 0);
			if (c->pre == PRE_LOG_READ)
				vmfx_touch(&w.f, c->ipa, R, 4, NULL);
			break;
		case PRE_AGE: {
			bool young;
			vmfx_touch(&w.f, c->ipa, R, 4, NULL);
			assert_int_equal(s2_vm_test_clear_young(&w.f.vm, RAM_IPA, RAM_SIZE, &young), 0);
			assert_true(young);
			break;
		}
		default: break;
		}
		struct s2_mmu_insn insn = { .isv = true, .sas = ESR_SAS_WORD, .srt = 7, .sf = false };
		w.f.gregs[7] = 0x1122334455667788ULL;
		vmfx_access(&w.f, c->ipa, c->acc, c->isv ? &insn : NULL, &st);
		if (c->reason == NOFAULT) {
			assert_false(st.faulted);
			assert_int_equal(st.res.pa, backing(&w, c->ipa));
		} else {
			assert_true(st.faulted);
			assert_int_equal(st.res.fault.type, c->fault_kind);
			assert_int_equal(st.ret, 0);
			if (st.exit.reason != c->reason)
				fail_msg("%s: reason %d, want %d", c->name, st.exit.reason, c->reason);
			assert_int_equal(st.exit.ipa, c->ipa);
		}
		if (c->reason == S2_EXIT_MMIO) {
			/* The syndrome decoded: a word in W7, its value for stores. */
			assert_int_equal(st.exit.mmio.ipa, c->ipa);
			assert_int_equal(st.exit.mmio.size, 4);
			assert_int_equal(st.exit.mmio.reg, 7);
			assert_int_equal(st.exit.mmio.write, c->acc == W);
			assert_false(st.exit.mmio.sf);
			assert_int_equal(st.exit.mmio.value, c->acc == W ? 0x55667788ULL : 0);
		}
		if (c->reason == S2_EXIT_CANNOT_EMULATE)
			assert_int_equal(st.exit.mmio.ipa, c->ipa);
		/* The mapping now in place, and the access through it. */
		uint64_t desc;
		int level;
		int found = s2_pgtable_lookup(&w.f.vm.pgt, c->ipa, &desc, &level);
		if (c->level == -9) {
			assert_int_equal(found, -S2_ENOENT);
		} else {
			assert_int_equal(found, 0);
			assert_int_equal(level, c->level);
			if (c->reason == S2_EXIT_RESUME) {
				vmfx_access(&w.f, c->ipa, c->acc, NULL, &st);
				assert_false(st.faulted);
				assert_int_equal(st.res.pa, backing(&w, c->ipa));
			}
		}
		if (c->pre == PRE_LOG || c->pre == PRE_LOG_READ) {
			uint64_t out[sizeof(w.bitmap) / 8];
			assert_int_equal(s2_vm_dirty_log_get_clear(&w.f.vm, 3, out, sizeof(w.bitmap) / 8), 0);
			uint64_t page = (c->ipa - LOG_IPA) >> 12;
			assert_int_equal((out[page / 64] >> (page % 64)) & 1, c->dirty);
			/* Reported pages are write-protected again. */
			if (c->dirty) {
				vmfx_access(&w.f, c->ipa, W, NULL, &st);
				assert_true(st.faulted);
				assert_int_equal(st.res.fault.type, S2_MMU_FAULT_PERMISSION);
			}
		}
		vmfx_fini(&w.f);
	}
}

/* A fault taken on a stage-1 table walk maps the table page (guest RAM). */
static void fault_s1ptw_maps_guest_tables(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	/* Guest stage 1: 4K granule, 39-bit VA, 3 levels, tables in RAM. */
	uint64_t l1 = RAM_IPA + 0x100000, l2 = RAM_IPA + 0x300000, l3 = RAM_IPA + 0x500000;
	uint64_t data_ipa = RAM_IPA + 0x700000;
	uint64_t va = 0x12345000ULL;
	uint64_t *t1 = s2_physmem_va(w.f.pm, backing(&w, l1), 4096);
	uint64_t *t2 = s2_physmem_va(w.f.pm, backing(&w, l2), 4096);
	uint64_t *t3 = s2_physmem_va(w.f.pm, backing(&w, l3), 4096);
	t1[(va >> 30) & 511] = l2 | 3;
	t2[(va >> 21) & 511] = l3 | 3;
	t3[(va >> 12) & 511] = data_ipa | 3 | DESC_AF | (3ULL << 8);
	w.f.regs.sctlr_el1 = SCTLR_M;
	w.f.regs.tcr_el1 = 25 | TCR_EL1_EPD1 | (2ULL << TCR_EL1_IPS_SHIFT);
	w.f.regs.ttbr0_el1 = l1;
	w.f.regs.mair_el1 = 0xff;

	struct vmfx_step st;
	vmfx_access(&w.f, va + 0x10, R, NULL, &st);
	assert_true(st.faulted);
	assert_true(st.res.fault.s1ptw);
	assert_int_equal(st.exit.reason, S2_EXIT_RESUME);
	/* On a walk only the page of the descriptor is known (HPFAR). */
	assert_int_equal(st.exit.ipa, l1);
	unsigned int faults;
	/* Tables and data lie in four different 2M blocks: three faults on
	 * the walk (the first one handled above), one on the data. */
	uint64_t pa = vmfx_touch(&w.f, va + 0x10, R, 8, &faults);
	assert_int_equal(pa, backing(&w, data_ipa) + 0x10);
	assert_int_equal(w.f.vm.stats.s1ptw, 3);
	assert_int_equal(w.f.vm.stats.translation, 1);
	vmfx_fini(&w.f);
}

/* Outside the IPA space (a stage-1 output beyond 40 bits): inject. */
static void fault_beyond_ipa_size_injects(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	uint64_t l1 = RAM_IPA, l2 = RAM_IPA + 0x1000, l3 = RAM_IPA + 0x2000;
	vmfx_touch(&w.f, RAM_IPA, R, 2, NULL); /* tables mapped */
	uint64_t *t1 = s2_physmem_va(w.f.pm, backing(&w, l1), 4096);
	uint64_t *t2 = s2_physmem_va(w.f.pm, backing(&w, l2), 4096);
	uint64_t *t3 = s2_physmem_va(w.f.pm, backing(&w, l3), 4096);
	t1[1] = l2 | 3;
	t2[0] = l3 | 3;
	t3[0] = (1ULL << 41) | 3 | DESC_AF;
	w.f.regs.sctlr_el1 = SCTLR_M;
	w.f.regs.tcr_el1 = 25 | TCR_EL1_EPD1 | (5ULL << TCR_EL1_IPS_SHIFT);
	w.f.regs.ttbr0_el1 = l1;
	struct vmfx_step st;
	vmfx_access(&w.f, 1ULL << 30, R, NULL, &st);
	assert_true(st.faulted);
	assert_int_equal(st.ret, 0);
	assert_int_equal(st.exit.reason, S2_EXIT_INJECT);
	/* A synchronous external abort, as taken from EL1. */
	assert_int_equal(st.exit.inject_esr,
			 (ESR_ELx_EC_DABT_CUR << 26) | ESR_ELx_IL | FSC_SEA);
	vmfx_fini(&w.f);
}

/* MMIO loads: truncate, sign-extend (SSE), 32-bit registers (SF=0). */
static void mmio_load_value_rules(void **state)
{
	(void)state;
	struct s2_mmio m = { .size = 1, .sign_extend = true, .sf = true };
	assert_int_equal(s2_mmio_load_value(&m, 0x1280), 0xffffffffffffff80ULL);
	m.sf = false;
	assert_int_equal(s2_mmio_load_value(&m, 0x1280), 0xffffff80ULL);
	m.sign_extend = false;
	assert_int_equal(s2_mmio_load_value(&m, 0x1280), 0x80);
	m = (struct s2_mmio){ .size = 8, .sf = true };
	assert_int_equal(s2_mmio_load_value(&m, 0x8000000000000001ULL), 0x8000000000000001ULL);
	/* SSE with a doubleword (no such load, but an ESR can say so):
	 * nothing to extend, and no shift by 64. */
	m.sign_extend = true;
	assert_int_equal(s2_mmio_load_value(&m, 0x8000000000000001ULL), 0x8000000000000001ULL);
	m = (struct s2_mmio){ .size = 2, .sign_extend = true, .sf = true };
	assert_int_equal(s2_mmio_load_value(&m, 0x7fff), 0x7fff);
	/* No bytes: no value, and no shift by -1 (UBSan watches). */
	m = (struct s2_mmio){ .size = 0, .sign_extend = true, .sf = true };
	assert_int_equal(s2_mmio_load_value(&m, 0xffff), 0);
}

/*
 * Every fault status code (ISS.DFSC, all 64): translation at any level,
 * -1 included, faults its page in; permission and access flag on an
 * unmapped page retry (nothing to change); everything else (address
 * size, external aborts, alignment, TLB conflict, reserved codes) is
 * injected. Nothing but a translation fault maps.
 */
static void fault_every_status_code(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	for (uint64_t fsc = 0; fsc < 64; fsc++) {
		bool translation = (fsc >= 0x04 && fsc <= 0x07) || fsc == 0x2b;
		bool retry = fsc >= 0x08 && fsc <= 0x0f;
		struct s2_abort abt = {
			.esr = (ESR_ELx_EC_DABT_LOW << 26) | ESR_ELx_IL | fsc,
			.far = RAM_IPA + 0x10, .hpfar = (RAM_IPA >> 12) << 4,
		};
		struct s2_exit e;
		assert_int_equal(s2_vm_handle_abort(&w.f.vm, &abt, &e), 0);
		if (translation)
			assert_int_equal(e.reason, S2_EXIT_RESUME);
		else if (retry)
			assert_int_equal(e.reason, S2_EXIT_RETRY);
		else
			assert_int_equal(e.reason, S2_EXIT_INJECT);
		assert_int_equal(s2_pgtable_lookup(&w.f.vm.pgt, RAM_IPA, NULL, NULL),
				 translation ? 0 : -S2_ENOENT);
		assert_int_equal(s2_vm_unmap(&w.f.vm, RAM_IPA, RAM_SIZE), 0);
	}
	vmfx_fini(&w.f);
}

/*
 * A 4K layout with a 52-bit IPA starts at level -1 (FEAT_LPA2): the CPU's
 * first access takes a level -1 translation fault (FSC 0x2b), which must
 * map RAM like any other translation fault.
 */
static void fault_level_minus_one_maps(void **state)
{
	(void)state;
	struct vmfx f;
	memset(&f, 0, sizeof(f));
	assert_int_equal(s2_physmem_create(&f.pm, MEM_BASE, MEM_SIZE), 0);
	s2_host_mm_init(&f.hm, f.pm);
	assert_int_equal(s2_geom_init(&f.g, 4096, 52, 52, -1), 0);
	assert_int_equal(f.g.start_level, -1);
	assert_int_equal(s2_vm_init(&f.vm, &f.g, &f.hm.ops), 0);
	f.mem.host = s2_physmem_va(f.pm, MEM_BASE, MEM_SIZE);
	f.mem.base = MEM_BASE;
	f.mem.size = MEM_SIZE;
	f.cpu = &s2_mmu_cpu_max;
	f.regs.hcr_el2 = HCR_EL2_VM | HCR_EL2_RW;
	f.regs.vtcr_el2 = f.g.vtcr;
	f.regs.vttbr_el2 = s2_vm_vttbr(&f.vm, 1);
	uint64_t pa = vmfx_ram(&f, 2 << 20, 2 << 20);
	vmfx_slot(&f, 1, RAM_IPA, 2 << 20, pa, 0);
	struct vmfx_step st;
	vmfx_access(&f, RAM_IPA + 0x40, R, NULL, &st);
	assert_true(st.faulted);
	assert_int_equal(st.res.fault.level, -1);
	assert_int_equal(st.ret, 0);
	assert_int_equal(st.exit.reason, S2_EXIT_RESUME);
	assert_int_equal(vmfx_touch(&f, RAM_IPA + 0x40, R, 1, NULL), pa + 0x40);
	vmfx_fini(&f);
}

/* A syndrome that is not a stage-2 abort is refused. */
static void fault_rejects_other_exceptions(void **state)
{
	(void)state;
	struct world w;
	world_init(&w);
	struct s2_abort abt = { .esr = ESR_ELx_EC_HVC64 << 26 };
	struct s2_exit e;
	assert_int_equal(s2_vm_handle_abort(&w.f.vm, &abt, &e), -S2_EINVAL);
	vmfx_fini(&w.f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fault_table),
		cmocka_unit_test(fault_s1ptw_maps_guest_tables),
		cmocka_unit_test(fault_beyond_ipa_size_injects),
		cmocka_unit_test(mmio_load_value_rules),
		cmocka_unit_test(fault_rejects_other_exceptions),
		cmocka_unit_test(fault_every_status_code),
		cmocka_unit_test(fault_level_minus_one_maps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

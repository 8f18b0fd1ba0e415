/* SPDX-License-Identifier: MIT */
/*
 * Fixture for the memory manager's tests: host memory, one VM, and the MMU
 * model as the CPU that produces the faults the handler sees.
 */
#ifndef S2MM_TEST_VMFX_H
#define S2MM_TEST_VMFX_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <s2mm/arch.h>
#include <s2mm/error.h>
#include <s2mm/host_ops.h>
#include <s2mm/mmu.h>
#include <s2mm/physmem.h>
#include <s2mm/vm.h>

#define MEM_BASE 0x40000000ULL
#define MEM_SIZE (1ULL << 30)

struct vmfx {
	struct s2_physmem *pm;
	struct s2_host_mm hm;
	struct s2_geom g;
	struct s2_vm vm;
	struct s2_mmu_mem mem;
	struct s2_mmu_regs regs;
	const struct s2_mmu_cpu *cpu;
	uint64_t gregs[31];   /* the guest's X registers */
	struct s2_dirty_ring *ring; /* the vCPU's dirty ring, if any */
};

static inline void vmfx_init(struct vmfx *f, unsigned int granule, unsigned int ipa)
{
	memset(f, 0, sizeof(*f));
	assert_int_equal(s2_physmem_create(&f->pm, MEM_BASE, MEM_SIZE), 0);
	s2_host_mm_init(&f->hm, f->pm);
	f->hm.poison = true;
	assert_int_equal(s2_geom_init(&f->g, granule, ipa, 40, S2_START_LEVEL_AUTO), 0);
	assert_int_equal(s2_vm_init(&f->vm, &f->g, &f->hm.ops), 0);
	f->mem.host = s2_physmem_va(f->pm, MEM_BASE, MEM_SIZE);
	f->mem.base = MEM_BASE;
	f->mem.size = MEM_SIZE;
	f->cpu = &s2_mmu_cpu_cortex_a57;
	f->regs.hcr_el2 = HCR_EL2_VM | HCR_EL2_RW;
	f->regs.vtcr_el2 = f->g.vtcr;
	f->regs.vttbr_el2 = s2_vm_vttbr(&f->vm, 1);
}

static inline void vmfx_fini(struct vmfx *f)
{
	s2_vm_destroy(&f->vm);
	s2_host_mm_fini(&f->hm);
	s2_physmem_destroy(f->pm);
}

/* Back a slot with fresh host memory aligned to @align. */
static inline uint64_t vmfx_ram(struct vmfx *f, uint64_t size, uint64_t align)
{
	uint64_t pa;
	assert_int_equal(s2_physmem_alloc_range(f->pm, size, align, &pa), 0);
	memset(s2_physmem_va(f->pm, pa, size), 0, size);
	return pa;
}

static inline void vmfx_slot(struct vmfx *f, uint32_t id, uint64_t ipa,
			     uint64_t size, uint64_t pa, uint32_t flags)
{
	struct s2_memslot s = { .id = id, .flags = flags, .ipa = ipa, .size = size, .pa = pa };
	assert_int_equal(s2_vm_slot_add(&f->vm, &s), 0);
}

/* One guest access as the CPU makes it: translate, and on a stage-2 fault
 * hand the hypervisor what the CPU would report. */
struct vmfx_step {
	struct s2_mmu_result res;  /* the model's outcome */
	bool faulted;              /* a stage-2 abort was taken */
	int ret;                   /* s2_vm_handle_abort()'s return */
	struct s2_exit exit;
};

static inline void vmfx_access(struct vmfx *f, uint64_t va, unsigned int acc,
			       const struct s2_mmu_insn *insn, struct vmfx_step *st)
{
	struct s2_mmu_access a = { .va = va, .acc = (uint8_t)acc, .el = 1 };
	memset(st, 0, sizeof(*st));
	assert_int_equal(s2_mmu_translate(&f->mem, f->cpu, &f->regs, &a, &st->res), 0);
	if (st->res.fault.type == S2_MMU_FAULT_NONE || st->res.fault.stage != 2)
		return;
	struct s2_abort abt = { .far = s2_mmu_far(&st->res.fault), .regs = f->gregs,
				.ring = f->ring };
	assert_int_equal(s2_mmu_esr(&st->res.fault, insn, &abt.esr), 0);
	assert_int_equal(s2_mmu_hpfar(&st->res.fault, &abt.hpfar), 0);
	st->faulted = true;
	st->ret = s2_vm_handle_abort(&f->vm, &abt, &st->exit);
}

/* Access until the model translates it (at most @max faults handled). */
static inline uint64_t vmfx_touch(struct vmfx *f, uint64_t va, unsigned int acc,
				  unsigned int max, unsigned int *faults)
{
	struct vmfx_step st;
	unsigned int n = 0;
	for (;;) {
		vmfx_access(f, va, acc, NULL, &st);
		if (!st.faulted)
			break;
		assert_int_equal(st.ret, 0);
		assert_true(st.exit.reason == S2_EXIT_RESUME || st.exit.reason == S2_EXIT_RETRY);
		assert_true(++n <= max);
	}
	if (faults)
		*faults = n;
	return st.res.fault.type == S2_MMU_FAULT_NONE ? st.res.pa : UINT64_MAX;
}

#endif

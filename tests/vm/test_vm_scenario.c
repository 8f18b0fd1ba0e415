/* SPDX-License-Identifier: MIT */
/*
 * 1,000 VMs scheduled round-robin on 4 simulated CPUs with 8-bit VMIDs:
 * the VMID allocator, the memory manager and the MMU model with per-CPU
 * TLBs together. Every access's PA must lie in that VM's own memory, and no
 * translation may come from another VM's or an older generation's TLB
 * entries (the model checks every TLB hit against a fresh walk). The host
 * also unmaps pages now and then, so the invalidations the library sends
 * are what keeps the TLBs honest.
 */
#include <s2mm/tlb.h>
#include <s2mm/vmid.h>

#include "vmfx.h"

#define NVMS 1000
#define NCPUS 4
#define RAM_IPA 0x40000000ULL
#define RAM_SIZE (64ULL << 10)
#define SETS 16
#define WAYS 4

struct sim {
	struct s2_physmem *pm;
	struct s2_host_mm hm;
	struct s2_geom g;
	struct s2_mmu_mem mem;
	struct s2_vmid_alloc ids;
	struct s2_tlb tlb[NCPUS];
	struct s2_tlb_entry entries[NCPUS][SETS * WAYS];
	struct s2_tlb *cpus[NCPUS];
	struct s2_tlb_system sys;
	struct guest {
		struct s2_vm vm;
		uint64_t pa;
		uint16_t vmid; /* the VMID it last ran with */
	} *vms;
	uint64_t tlbis;
};

/* The hypervisor's TLBI instructions, executed by the model. */
static void tlbi(struct sim *s, uint8_t op, uint16_t vmid, uint64_t addr)
{
	struct s2_tlbi t = { .op = op, .vmid = vmid, .addr = addr };
	assert_int_equal(s2_tlb_tlbi_is(&s->sys, &t), 0);
	s->tlbis++;
}

static void hook_ipa(void *arg, const struct s2_pgtable *pgt, uint64_t ipa,
		     unsigned int level)
{
	struct sim *s = arg;
	const struct guest *g = pgt->owner;
	(void)level;
	/* IPAS2E1IS alone leaves combined entries: VMALLE1IS too. */
	tlbi(s, S2_TLBI_IPAS2E1, g->vmid, ipa);
	tlbi(s, S2_TLBI_VMALLE1, g->vmid, 0);
}

static void hook_vmid(void *arg, const struct s2_pgtable *pgt)
{
	struct sim *s = arg;
	tlbi(s, S2_TLBI_VMALLS12E1, ((const struct guest *)pgt->owner)->vmid, 0);
}

static void hook_all(void *arg)
{
	tlbi(arg, S2_TLBI_ALLE1, 0, 0);
}

static void scenario_many_vms_on_few_vmids(void **state)
{
	(void)state;
	struct sim *s = calloc(1, sizeof(*s));
	assert_non_null(s);
	s->vms = calloc(NVMS, sizeof(*s->vms));
	assert_non_null(s->vms);
	assert_int_equal(s2_physmem_create(&s->pm, MEM_BASE, MEM_SIZE), 0);
	s2_host_mm_init(&s->hm, s->pm);
	s->hm.tlbi_ipa_hook = hook_ipa;
	s->hm.tlbi_vmid_hook = hook_vmid;
	s->hm.tlbi_all_hook = hook_all;
	s->hm.hook_arg = s;
	assert_int_equal(s2_geom_init(&s->g, 4096, 40, 40, S2_START_LEVEL_AUTO), 0);
	s->mem = (struct s2_mmu_mem){ s2_physmem_va(s->pm, MEM_BASE, MEM_SIZE), MEM_BASE, MEM_SIZE };
	assert_int_equal(s2_vmid_init(&s->ids, 8, NCPUS, &s->hm.ops), 0);
	for (int c = 0; c < NCPUS; c++) {
		assert_int_equal(s2_tlb_init(&s->tlb[c], s->entries[c], SETS, WAYS), 0);
		s2_tlb_set_check_stale(&s->tlb[c], true);
		s->cpus[c] = &s->tlb[c];
	}
	s->sys = (struct s2_tlb_system){ s->cpus, NCPUS };
	for (int i = 0; i < NVMS; i++) {
		struct guest *g = &s->vms[i];
		/* The VM is the guest's first member: pgt->owner is the guest. */
		assert_int_equal(s2_vm_init(&g->vm, &s->g, &s->hm.ops), 0);
		assert_int_equal(s2_physmem_alloc_range(s->pm, RAM_SIZE, RAM_SIZE, &g->pa), 0);
		struct s2_memslot slot = { .id = 1, .ipa = RAM_IPA, .size = RAM_SIZE, .pa = g->pa };
		assert_int_equal(s2_vm_slot_add(&g->vm, &slot), 0);
	}

	uint64_t accesses = 0, faults = 0, seed = 1;
	for (unsigned int round = 0; round < 12; round++) {
		for (int i = 0; i < NVMS; i += NCPUS) {
			for (int c = 0; c < NCPUS; c++) {
				/* Round-robin, shifted each round so VMs change CPUs. */
				struct guest *g = &s->vms[(i + c + round) % NVMS];
				assert_int_equal(s2_vmid_update(&s->ids, &g->vm.vmid, (unsigned int)c, &g->vmid), 0);
				assert_int_not_equal(g->vmid, 0);
				struct s2_mmu_regs regs = {
					.hcr_el2 = HCR_EL2_VM | HCR_EL2_RW,
					.vtcr_el2 = s->g.vtcr,
					.vttbr_el2 = s2_vm_vttbr(&g->vm, g->vmid),
				};
				for (int k = 0; k < 8; k++) {
					seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
					uint64_t off = (seed >> 40) % RAM_SIZE & ~7ULL;
					struct s2_mmu_access a = { .va = RAM_IPA + off,
								   .acc = (seed >> 20) & 1, .el = 1 };
					struct s2_mmu_result res;
					for (int tries = 0;; tries++) {
						assert_int_equal(s2_tlb_translate(&s->tlb[c], &s->mem, &s2_mmu_cpu_cortex_a57,
										  &regs, &a, &res), 0);
						if (res.fault.type == S2_MMU_FAULT_NONE)
							break;
						assert_int_equal(res.fault.stage, 2);
						struct s2_abort abt = { .far = s2_mmu_far(&res.fault) };
						assert_int_equal(s2_mmu_esr(&res.fault, NULL, &abt.esr), 0);
						assert_int_equal(s2_mmu_hpfar(&res.fault, &abt.hpfar), 0);
						struct s2_exit e;
						assert_int_equal(s2_vm_handle_abort(&g->vm, &abt, &e), 0);
						assert_true(e.reason == S2_EXIT_RESUME || e.reason == S2_EXIT_RETRY);
						faults++;
						assert_true(tries < 3);
					}
					/* Isolation: its own RAM, and never a stale entry. */
					assert_false(res.stale);
					assert_int_equal(res.pa, g->pa + off);
					accesses++;
				}
				/* Now and then the host takes a page back. */
				if (((seed >> 8) & 31) == 0)
					assert_int_equal(s2_vm_unmap(&g->vm, RAM_IPA + ((seed >> 12) % 16) * 4096, 4096), 0);
				assert_int_equal(s2_vmid_clear_active(&s->ids, (unsigned int)c), 0);
			}
		}
	}
	uint64_t stale = 0;
	for (int c = 0; c < NCPUS; c++)
		stale += s->tlb[c].stats.stale_hits;
	print_message("%llu accesses, %llu faults, %llu rollovers, %llu full flushes, %llu TLBIs\n",
		      (unsigned long long)accesses, (unsigned long long)faults,
		      (unsigned long long)s2_vmid_rollovers(&s->ids),
		      (unsigned long long)s->hm.tlbi_all, (unsigned long long)s->tlbis);
	assert_int_equal(stale, 0);
	/* 12 rounds of 1,000 VMs over 255 VMIDs: a rollover every ~255 runs,
	 * each with exactly one full flush. */
	assert_true(s2_vmid_rollovers(&s->ids) >= 12 * NVMS / 255 - 1);
	assert_int_equal(s->hm.tlbi_all, s2_vmid_rollovers(&s->ids));
	for (int i = 0; i < NVMS; i++) {
		s2_vm_destroy(&s->vms[i].vm);
		s2_physmem_free_range(s->pm, s->vms[i].pa, RAM_SIZE);
	}
	assert_int_equal(s2_physmem_allocated(s->pm), 0);
	s2_host_mm_fini(&s->hm);
	s2_physmem_destroy(s->pm);
	free(s->vms);
	free(s);
}

/*
 * The model catches a hypervisor that forgets a TLBI: remap a page behind
 * the library's back and the CPU keeps the old translation.
 */
static void scenario_missing_tlbi_is_stale(void **state)
{
	(void)state;
	struct vmfx f;
	vmfx_init(&f, 4096, 40);
	uint64_t pa = vmfx_ram(&f, 2 << 20, 2 << 20);
	vmfx_slot(&f, 1, RAM_IPA, 2 << 20, pa, 0);
	struct s2_tlb tlb;
	struct s2_tlb_entry e[64];
	assert_int_equal(s2_tlb_init(&tlb, e, 16, 4), 0);
	s2_tlb_set_check_stale(&tlb, true);
	assert_int_equal(vmfx_touch(&f, RAM_IPA, S2_MMU_READ, 2, NULL), pa);
	struct s2_mmu_access a = { .va = RAM_IPA, .acc = S2_MMU_READ, .el = 1 };
	struct s2_mmu_result res;
	assert_int_equal(s2_tlb_translate(&tlb, &f.mem, f.cpu, &f.regs, &a, &res), 0);
	/* Rewrite the block's output address without any invalidation. */
	uint64_t desc;
	int level;
	assert_int_equal(s2_pgtable_lookup(&f.vm.pgt, RAM_IPA, &desc, &level), 0);
	uint64_t *root = f.vm.pgt.root;
	uint64_t *l2 = s2_physmem_va(f.pm, s2_geom_desc_to_oa(&f.g, root[1]), 4096);
	l2[0] = desc + (4ULL << 20);
	assert_int_equal(s2_tlb_translate(&tlb, &f.mem, f.cpu, &f.regs, &a, &res), 0);
	assert_true(res.stale);
	assert_int_equal(res.pa, pa);
	l2[0] = desc;
	vmfx_fini(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(scenario_many_vms_on_few_vmids),
		cmocka_unit_test(scenario_missing_tlbi_is_stale),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

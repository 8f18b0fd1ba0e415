/* SPDX-License-Identifier: MIT */
/*
 * The test guests' hypercalls (hypercall.h): console, exit, yield, and the
 * hooks their checks need (unmap, dirty log rounds, the stale-TLB remap).
 */
#include "vm.h"

#include <s2mm/error.h>
#include <s2mm/geometry.h>

/* The VM's permission faults so far, all vCPUs. */
static uint64_t permission_faults(const struct hyp_vm *vm)
{
	uint64_t n = vm->mm.stats.permission;

	for (unsigned int i = 0; i < vm->cfg.nr_vcpus; i++)
		n += vm->vcpus[i].fault_stats.permission;
	return n;
}

static const char *const log_modes[] = { "software", "hardware", "hybrid" };

/* HC_DIRTY: round 0 starts logging the log slot (by cfg.log_mode); round
 * r > 0 fetches and clears the log and compares it with what the guest
 * was told to write (DIRTY_WANT), and reports the round's cost: the
 * guest's time since the last round (its writes, with their faults), the
 * get-and-clear's. Return: the number of pages that differ. */
static uint64_t hc_dirty(struct hyp_vm *vm, uint64_t round)
{
	uint64_t got[ARRAY_SIZE(vm->dirty_bitmap)], diff = 0, ndirty = 0;
	uint64_t t0 = hyp_counter(), t1, freq = read_sysreg(cntfrq_el0);
	unsigned int mode = vm->cfg.log_mode;
	int ret;

	if (!vm->cfg.log)
		return (uint64_t)-1;
	if (round == 0) {
		ret = s2_vm_dirty_log_enable_mode(&vm->mm, VM_SLOT_LOG,
						  vm->dirty_bitmap,
						  ARRAY_SIZE(vm->dirty_bitmap),
						  (enum s2_dirty_log_mode)mode);
		if (ret)
			hyp_printf("vm%u: dirty_log_enable: %s\n", vm->id,
				   s2_strerror(ret));
		vm->dirty_faults = permission_faults(vm);
		vm->dirty_resumed = hyp_counter();
		return ret ? (uint64_t)-1 : 0;
	}
	ret = s2_vm_dirty_log_get_clear(&vm->mm, VM_SLOT_LOG, got, ARRAY_SIZE(got));
	t1 = hyp_counter();
	if (ret) {
		hyp_printf("vm%u: dirty_log_get_clear: %s\n", vm->id,
			   s2_strerror(ret));
		return (uint64_t)-1;
	}
	for (uint32_t p = 0; p < GUEST_LOG_SIZE / PAGE_SIZE; p++) {
		bool dirty = got[p / 64] >> (p % 64) & 1;

		ndirty += dirty;
		if (dirty != (bool)DIRTY_WANT(round, p))
			diff++;
	}
	uint64_t faults = permission_faults(vm) - vm->dirty_faults;
	hyp_printf("vm%u: dirty log round %lu: %lu pages dirty, %lu differ "
		   "from the guest's writes (%s: guest %lu ns, %lu permission "
		   "faults; get-and-clear %lu ns)\n", vm->id, round, ndirty, diff,
		   mode < ARRAY_SIZE(log_modes) ? log_modes[mode] : "?",
		   (t0 - vm->dirty_resumed) * 1000000000 / freq, faults,
		   (t1 - t0) * 1000000000 / freq);
	vm->dirty_guest_ticks += t0 - vm->dirty_resumed;
	vm->dirty_clear_ticks += t1 - t0;
	if (round == DIRTY_ROUNDS)
		hyp_printf("vm%u: dirty log by %s: %u rounds, guest %lu us, "
			   "get-and-clear %lu us\n", vm->id,
			   mode < ARRAY_SIZE(log_modes) ? log_modes[mode] : "?",
			   DIRTY_ROUNDS, hyp_ticks_us(vm->dirty_guest_ticks),
			   hyp_ticks_us(vm->dirty_clear_ticks));
	vm->dirty_faults = permission_faults(vm);
	vm->dirty_resumed = hyp_counter();
	return diff;
}

/* Rewrite the probe page's leaf to the other frame, with no TLBI: what a
 * buggy hypervisor would do. */
struct remap_arg {
	uint64_t pa;
};

static int remap_leaf(const struct s2_walk_ctx *ctx, enum s2_walk_flags visit)
{
	const struct s2_geom *g = &ctx->pgt->geom;
	const struct remap_arg *a = ctx->arg;
	uint64_t old = ctx->old;

	(void)visit;
	if (!(old & DESC_VALID))
		return -S2_ENOENT;
	*(volatile uint64_t *)ctx->ptep = old - s2_geom_oa_to_desc(g,
		s2_geom_desc_to_oa(g, old)) + s2_geom_oa_to_desc(g, a->pa);
	vm_dcache_clean((uint64_t)ctx->ptep, 8);
	return 0;
}

/* HC_REMAP: see hypercall.h. Return: the first word of the frame the
 * probe page maps now (what a fresh translation reads). */
static uint64_t hc_remap(struct hyp_vm *vm, uint64_t mode)
{
	const struct s2_mm_ops *ops = &hyp_mm_ops;
	struct remap_arg a;
	struct s2_walker w = { .cb = remap_leaf, .arg = &a,
			       .flags = S2_WALK_LEAF };
	int ret;

	if (!vm->cfg.probe)
		return (uint64_t)-1;
	if (mode == REMAP_SYNC) {
		ops->tlbi_vmid(ops->ctx, &vm->mm.pgt);
		return *(uint64_t *)vm->probe_pa[vm->probe_cur];
	}
	a.pa = vm->probe_pa[!vm->probe_cur];
	ret = s2_pgtable_walk(&vm->mm.pgt, GUEST_PROBE_IPA, PAGE_SIZE, &w);
	if (ret) {
		hyp_printf("vm%u: remap: %s\n", vm->id, s2_strerror(ret));
		return (uint64_t)-1;
	}
	vm->probe_cur = !vm->probe_cur;
	dsb(ishst);
	switch (mode) {
	case REMAP_IPAS2:
		/* Stage-2-only entries by IPA; combined S1+S2 entries stay. */
		write_sysreg(vm->vttbr, vttbr_el2);
		isb();
		__asm__ volatile("tlbi ipas2e1is, %0" : :
				 "r"(GUEST_PROBE_IPA >> 12) : "memory");
		dsb(ish);
		isb();
		break;
	case REMAP_IPAS2_VMALLE1:
		ops->tlbi_ipa(ops->ctx, &vm->mm.pgt, GUEST_PROBE_IPA, 3);
		break;
	case REMAP_VMALLS12:
		ops->tlbi_vmid(ops->ctx, &vm->mm.pgt);
		break;
	default:
		break;
	}
	return *(uint64_t *)vm->probe_pa[vm->probe_cur];
}

/*
 * HC_EXIT: a test guest of one vCPU ends with it. One of several vCPUs
 * (test=lockstress) only goes off; a failure stays the VM's, and the VM
 * ends with its last vCPU: each vCPU going off looks at the others after
 * (both sequentially consistent), so the last two cannot both miss it.
 */
static void hc_exit(struct hyp_vcpu *vcpu, int status)
{
	struct hyp_vm *vm = vcpu->vm;

	if (vm->cfg.nr_vcpus == 1) {
		vm_stop(vm, status);
		return;
	}
	if (status)
		__atomic_compare_exchange_n(&vm->status, &(int){ 0 }, status,
					    false, __ATOMIC_ACQ_REL,
					    __ATOMIC_ACQUIRE);
	vcpu->yielded = true;
	__atomic_store_n(&vcpu->power, VCPU_OFF, __ATOMIC_SEQ_CST);
	for (unsigned int i = 0; i < vm->cfg.nr_vcpus; i++)
		if (__atomic_load_n(&vm->vcpus[i].power, __ATOMIC_SEQ_CST) !=
		    VCPU_OFF)
			return;
	vm_stop(vm, status);
}

void vcpu_hypercall(struct hyp_vcpu *vcpu)
{
	struct hyp_vm *vm = vcpu->vm;
	uint64_t *x = vcpu->regs.x;
	int ret;

	/* An AArch32 guest's r0..r2 are x0..x2[31:0]; the top halves are
	 * UNKNOWN (Arm ARM D1.20.1), so ignore them. */
	if (vm->cfg.aarch32) {
		x[0] &= 0xffffffffULL;
		x[1] &= 0xffffffffULL;
		x[2] &= 0xffffffffULL;
	}
	switch (x[0]) {
	case HC_EXIT:
		if (x[1])
			hyp_dump_regs(&vcpu->regs);
		hc_exit(vcpu, (int)x[1]);
		break;
	case HC_PUTC:
		vm_putc(vm, (char)x[1]);
		x[0] = 0;
		break;
	case HC_YIELD:
		vcpu->yielded = true;
		x[0] = 0;
		break;
	case HC_NOP:
		x[0] = 0;
		break;
	case HC_UNMAP:
		/* Exclusive, as every change but a fault's: another vCPU of
		 * the VM may be faulting (not this one: it is in an HVC). */
		hyp_mm_write_lock(&vm->mm_lock);
		ret = s2_vm_unmap(&vm->mm, x[1], x[2]);
		hyp_mm_write_unlock(&vm->mm_lock);
		if (ret)
			hyp_printf("vm%u: unmap %lx+%lx: %s\n", vm->id, x[1],
				   x[2], s2_strerror(ret));
		x[0] = (uint64_t)(int64_t)ret;
		break;
	case HC_DIRTY:
		hyp_mm_write_lock(&vm->mm_lock);
		x[0] = hc_dirty(vm, x[1]);
		hyp_mm_write_unlock(&vm->mm_lock);
		break;
	case HC_REMAP:
		x[0] = hc_remap(vm, x[1]);
		break;
	case HC_STATS: {
		struct s2_vm_stats st;

		vm_fault_stats(vm, &st);
		x[0] = x[1] == STAT_S1PTW ? st.s1ptw
		       : x[1] == STAT_MMIO ? vcpu->mmio : (uint64_t)-1;
		break;
	}
	default:
		x[0] = (uint64_t)-1;
		break;
	}
	/* ELR_EL2 already points after the HVC (preferred return address). */
}

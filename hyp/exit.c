/* SPDX-License-Identifier: MIT */
/*
 * Guest exits: an IRQ (the EL2 slice timer), or a synchronous exception
 * dispatched by its exception class through one table, as Bao does.
 * Stage-2 aborts go to libs2mm (s2_vm_handle_abort), which maps RAM or
 * says what to emulate or inject.
 */
#include "gicv2.h"
#include "vm.h"
#include "psci.h"
#include "reclaim.h"
#include "lockstress.h"

#include <s2mm/error.h>

typedef void exit_fn(struct hyp_vcpu *vcpu, uint64_t esr);

static void vcpu_fail(struct hyp_vcpu *vcpu, const char *what, uint64_t esr)
{
	hyp_printf("vm%u: %s, ESR %lx\n", vcpu->vm->id, what, esr);
	hyp_dump_regs(&vcpu->regs);
	vm_stop(vcpu->vm, -1);
}

/*
 * HPFAR_EL2 for this abort, as struct s2_abort wants it (vm.h). Where it
 * is UNKNOWN but the library needs the IPA (a permission fault not on a
 * stage-1 walk), the guest's own stage 1 (still loaded) translates
 * FAR_EL2 with AT S1E1R, as KVM does; the guest's PAR_EL1 is put back.
 * Return: false when AT faults (a stage-1 entry changed under us, or a
 * table page left stage 2): retry the guest.
 */
static bool fault_hpfar(struct hyp_vcpu *vcpu, uint64_t esr, uint64_t far,
			uint64_t *hpfar)
{
	uint64_t par, saved;

	if (s2_hpfar_valid(esr)) {
		*hpfar = read_sysreg(hpfar_el2);
		return true;
	}
	if (!s2_hpfar_needs_at(esr)) {
		*hpfar = 0; /* UNKNOWN, and the library injects such aborts */
		return true;
	}
	saved = read_sysreg(par_el1);
	__asm__ volatile("at s1e1r, %0" : : "r"(far) : "memory");
	isb();
	par = read_sysreg(par_el1);
	write_sysreg(saved, par_el1);
	if (s2_hpfar_from_par(par, hpfar))
		return false;
	vcpu->at_resolved++;
	return true;
}

/* A synchronous external abort for an access with nothing behind it: a
 * data abort (with the access's WnR), or an instruction abort for a fetch. */
static void abort_nothing_there(struct hyp_vcpu *vcpu, uint64_t esr,
				uint64_t far)
{
	if (S2_FIELD_GET(ESR_ELx_EC, esr) == ESR_ELx_EC_IABT_LOW)
		inject_abort(vcpu, ESR_ELx_EC_IABT_CUR << ESR_ELx_EC_SHIFT |
			     ESR_ELx_IL | FSC_SEA, far);
	else
		inject_abort(vcpu, ESR_ELx_EC_DABT_CUR << ESR_ELx_EC_SHIFT |
			     ESR_ELx_IL | (esr & ESR_ISS_DA_WnR) | FSC_SEA,
			     far);
}

static void exit_abort(struct hyp_vcpu *vcpu, uint64_t esr)
{
	struct hyp_vm *vm = vcpu->vm;
	struct s2_abort abt = {
		.esr = esr, .far = read_sysreg(far_el2), .regs = vcpu->regs.x,
		.stats = &vcpu->fault_stats,
	};
	struct s2_exit ex;
	uint64_t val;
	int ret;

	if (!fault_hpfar(vcpu, esr, abt.far, &abt.hpfar))
		return; /* the guest takes the fault again */
	/* Shared walk: other vCPUs of the VM may fault at the same time;
	 * the host's own changes to the VM's memory (migration, reclaim,
	 * merging) wait for them and hold them off. */
	hyp_mm_read_lock(&vm->mm_lock);
	reclaim_walk_begin();
	if (__builtin_expect(vm->cfg.lock_check, 0))
		lockstress_reader();
	ret = s2_vm_handle_abort(&vm->mm, &abt, &ex);
	reclaim_walk_end();
	hyp_mm_read_unlock(&vm->mm_lock);
	if (ret) {
		hyp_printf("vm%u: s2_vm_handle_abort(ESR %lx, IPA %lx): %s\n",
			   vm->id, esr, ex.ipa, s2_strerror(ret));
		vm_stop(vm, -1);
		return;
	}
	switch (ex.reason) {
	case S2_EXIT_RETRY:
		/* No frame for the page yet: give the CPU to the reclaimer
		 * rather than fault again at once. */
		if (vm->cfg.pager &&
		    __atomic_load_n(&pager_starved, __ATOMIC_ACQUIRE))
			vcpu->yielded = true;
		return;
	case S2_EXIT_RESUME:
		return; /* the instruction is retried */
	case S2_EXIT_MMIO:
		vcpu->mmio++;
		if (mmio_access(vcpu, &ex.mmio, &val)) {
			abort_nothing_there(vcpu, esr, abt.far);
			return;
		}
		if (!ex.mmio.write && ex.mmio.reg != 31)
			vcpu->regs.x[ex.mmio.reg] =
				s2_mmio_load_value(&ex.mmio, val);
		vcpu_skip(vcpu, esr);
		return;
	case S2_EXIT_CANNOT_EMULATE:
		hyp_printf("vm%u: MMIO at %lx without a syndrome (ESR %lx)\n",
			   vm->id, ex.ipa, esr);
		abort_nothing_there(vcpu, esr & ~ESR_ISS_DA_WnR, abt.far);
		return;
	case S2_EXIT_INJECT:
		inject_abort(vcpu, ex.inject_esr, abt.far);
		return;
	}
}

/* SMCCC's answer to a function ID nobody implements (DEN0028 5.2). */
#define SMCCC_RET_NOT_SUPPORTED	((uint64_t)-1)

/* HVC: PSCI for Linux guests, the test hypercalls for the others. ELR_EL2
 * already points after the HVC (its preferred return address). */
static void exit_hvc(struct hyp_vcpu *vcpu, uint64_t esr)
{
	(void)esr;
	vcpu->hvcs++;
	if (!vcpu->vm->cfg.linux)
		vcpu_hypercall(vcpu);
	else if (!psci_call(vcpu))
		vcpu->regs.x[0] = SMCCC_RET_NOT_SUPPORTED;
}

/* SMC trapped by HCR_EL2.TSC: ELR_EL2 is the SMC itself (Arm ARM D1.19.2);
 * with no EL3 behind us it is PSCI's other conduit. */
static void exit_smc(struct hyp_vcpu *vcpu, uint64_t esr)
{
	if (!vcpu->vm->cfg.linux) {
		inject_undef(vcpu);
		return;
	}
	vcpu_skip(vcpu, esr);
	if (!psci_call(vcpu))
		vcpu->regs.x[0] = SMCCC_RET_NOT_SUPPORTED;
}

/* WFI/WFE trapped (HCR_EL2.TWI, TWE): ISS.TI bit 0 is 1 for WFE. */
#define ESR_ISS_WFx_TI_WFE	(1ULL << 0)

static void exit_wfx(struct hyp_vcpu *vcpu, uint64_t esr)
{
	vcpu_skip(vcpu, esr);
	/* WFE: a spinning vCPU gives way; WFI: it sleeps until an
	 * interrupt is pending for it (the scheduler wakes it). */
	if (!(esr & ESR_ISS_WFx_TI_WFE) &&
	    !vgic_pending(&vcpu->vm->vgic, vcpu->id))
		vcpu->wfi = true;
	vcpu->yielded = true;
}

static exit_fn *const exit_handlers[64] = {
	[ESR_ELx_EC_WFx] = exit_wfx,
	[ESR_ELx_EC_HVC64] = exit_hvc,
	[ESR_ELx_EC_HVC32] = exit_hvc,
	[ESR_ELx_EC_SMC64] = exit_smc,
	[ESR_ELx_EC_SYS64] = sysreg_trap,
	[ESR_ELx_EC_DABT_LOW] = exit_abort,
	[ESR_ELx_EC_IABT_LOW] = exit_abort,
};

static void exit_irq(struct hyp_vcpu *vcpu)
{
	uint32_t iar = gic_ack();
	unsigned int intid = iar & GICC_IAR_INTID_MASK;

	switch (intid) {
	case GIC_SPURIOUS:
		return;
	case GIC_INTID_HYP_TIMER:
		/* The slice is over: next vCPU. */
		vcpu->yielded = true;
		vcpu->preemptions++;
		break;
	case GIC_INTID_VTIMER:
		vcpu->irq_vtimer++;
		vtimer_fired(vcpu);
		break;
	case GIC_INTID_MAINT:
		/* The exit itself was the point: the run loop looks again. */
		vcpu->irq_maint++;
		break;
	case GIC_SGI_KICK:
		vcpu->irq_kick++;
		break;
	default:
		hyp_printf("vm%u: unexpected IRQ %u\n", vcpu->vm->id, intid);
		break;
	}
	gic_eoi(iar);
}

void vcpu_handle_exit(struct hyp_vcpu *vcpu, unsigned int vec)
{
	const bool a32 = vcpu->vm->cfg.aarch32;
	uint64_t esr = read_sysreg(esr_el2);
	exit_fn *fn;

	if (vec == (a32 ? VEC_LOW32_IRQ : VEC_LOW64_IRQ)) {
		exit_irq(vcpu);
		return;
	}
	if (vec != (a32 ? VEC_LOW32_SYNC : VEC_LOW64_SYNC)) {
		vcpu_fail(vcpu, "unexpected exception vector", vec);
		return;
	}
	vcpu->exit_ec[S2_FIELD_GET(ESR_ELx_EC, esr)]++;
	fn = exit_handlers[S2_FIELD_GET(ESR_ELx_EC, esr)];
	if (!fn && vcpu->vm->cfg.linux) {
		/* An operating system survives an UNDEF; a test guest that
		 * gets here has a bug to show. */
		hyp_printf("vm%u: unhandled exception class, ESR %lx: undefined "
			   "instruction injected\n", vcpu->vm->id, esr);
		inject_undef(vcpu);
		return;
	}
	if (!fn) {
		vcpu_fail(vcpu, "unhandled exception class", esr);
		return;
	}
	fn(vcpu, esr);
}

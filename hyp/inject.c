/* SPDX-License-Identifier: MIT */
/*
 * Exceptions injected into a guest, as the hardware would take them to its
 * EL1: the vCPU's EL1 registers are live on this CPU while it runs.
 */
#include "vm.h"

/* SPSR_EL2 for an AArch64 guest: EL1h, DAIF masked (M[3:0] = 0b0101). */
#define SPSR_EL1H_DAIF		0x3c5ULL
#define SPSR_M_MASK		0xfULL
#define SPSR_M_EL0T		0x0ULL
#define SPSR_M_EL1T		0x4ULL
#define SPSR_M_EL1H		0x5ULL
#define SPSR_NRW		(1ULL << 4)	/* AArch32 */
#define SPSR_PAN		(1ULL << 22)
#define SPSR_DIT		(1ULL << 24)
#define SCTLR_EL1_SPAN		(1ULL << 23)
/* Vector offsets from VBAR_EL1 (Arm ARM D1.10.2): synchronous exception
 * from the current EL with SP_EL0 / SP_ELx. */
#define VBAR_CUR_SP0_SYNC	0x000
#define VBAR_CUR_SPX_SYNC	0x200
#define VBAR_LOWER64_SYNC	0x400
#define VBAR_LOWER32_SYNC	0x600

/* AArch32 CPSR / SCTLR bits for taking an exception (Arm ARM G1.12.3). */
#define PSR_AA32_MODE_ABT	0x17ULL
#define PSR_AA32_MODE_MASK	0x1fULL
#define PSR_AA32_T		(1ULL << 5)
#define PSR_AA32_I		(1ULL << 7)
#define PSR_AA32_A		(1ULL << 8)
#define PSR_AA32_E		(1ULL << 9)
#define PSR_AA32_IT_MASK	(0x3ULL << 25 | 0x3fULL << 10)
#define PSR_AA32_J		(1ULL << 24)
#define SCTLR_AA32_V		(1ULL << 13)
#define SCTLR_AA32_EE		(1ULL << 25)
#define SCTLR_AA32_TE		(1ULL << 30)
#define DFSR_LPAE		(1ULL << 9)
#define DFSR_WNR		(1ULL << 11)
#define DFSR_SEA_LONG		0x10ULL	/* long-descriptor STATUS */
#define DFSR_SEA_SHORT		0x08ULL	/* short-descriptor FS */
#define A32_VECTOR_DABT		0x10
#define A32_LR_ABT		20	/* LR_abt is X20 (Arm ARM D1.20.1) */

/*
 * A Data Abort into an AArch32 guest, as the hardware takes it (Arm ARM
 * G1.12.3, AArch32.TakeDataAbortException): SPSR_abt = CPSR, LR_abt = the
 * faulting instruction + 8, Abort mode with A and I masked, T and E from
 * SCTLR, PC = vector base + 0x10; DFSR (ESR_EL1[31:0]) in the format
 * TTBCR.EAE selects, DFAR (FAR_EL1[31:0]).
 *
 * QEMU 7.2 deviation: an ERET from EL2 straight into Abort mode leaves the
 * AArch32 view of SPSR_abt stale (the ERET writes CPSR raw, without the
 * mode switch that loads the banked SPSR), so a handler's SUBS PC, LR
 * restores a wrong CPSR; hostile.c's AArch32 handler returns without
 * reading SPSR_abt.
 */
static void inject_dabt32(struct hyp_vcpu *vcpu, uint64_t esr, uint64_t far)
{
	uint64_t sctlr = read_sysreg(sctlr_el1), cpsr = vcpu->regs.pstate;
	uint64_t fsr = (read_sysreg(tcr_el1) & TTBCR_EAE) ?
		       DFSR_LPAE | DFSR_SEA_LONG : DFSR_SEA_SHORT;

	if (esr & ESR_ISS_DA_WnR)
		fsr |= DFSR_WNR;
	write_sysreg(cpsr, spsr_abt);
	vcpu->regs.x[A32_LR_ABT] = (vcpu->regs.pc + 8) & 0xffffffffULL;
	write_sysreg(fsr, esr_el1);
	write_sysreg((read_sysreg(far_el1) & ~0xffffffffULL) |
		     (far & 0xffffffffULL), far_el1);
	cpsr &= ~(PSR_AA32_MODE_MASK | PSR_AA32_T | PSR_AA32_E |
		  PSR_AA32_IT_MASK | PSR_AA32_J);
	cpsr |= PSR_AA32_MODE_ABT | PSR_AA32_A | PSR_AA32_I;
	if (sctlr & SCTLR_AA32_TE)
		cpsr |= PSR_AA32_T;
	if (sctlr & SCTLR_AA32_EE)
		cpsr |= PSR_AA32_E;
	vcpu->regs.pstate = cpsr;
	vcpu->regs.pc = ((sctlr & SCTLR_AA32_V) ? 0xffff0000ULL
		       : read_sysreg(vbar_el1) & 0xffffffe0ULL) + A32_VECTOR_DABT;
	vcpu->injected++;
}

/*
 * Inject a synchronous external abort into the guest at EL1, as the
 * hardware would take it (Arm ARM D1.10): for AArch64, ESR/FAR/ELR/SPSR_EL1
 * written, PSTATE to EL1h with DAIF masked, PC to the vector. The vCPU's
 * EL1 registers are live on this CPU while it runs (vm_load).
 */
void inject_abort(struct hyp_vcpu *vcpu, uint64_t esr, uint64_t far)
{
	struct hyp_vm *vm = vcpu->vm;
	uint64_t from = vcpu->regs.pstate & SPSR_M_MASK;
	uint64_t ec = S2_FIELD_GET(ESR_ELx_EC, esr), vector, pan;

	if (vm->cfg.aarch32 && ec == ESR_ELx_EC_DABT_CUR) {
		inject_dabt32(vcpu, esr, far);
		return;
	}
	if (vm->cfg.aarch32 || (!(vcpu->regs.pstate & SPSR_NRW) &&
	    from != SPSR_M_EL0T && from != SPSR_M_EL1T &&
	    from != SPSR_M_EL1H)) {
		hyp_printf("vm%u: exception at %lx to inject, ESR %lx: guest "
			   "stopped\n", vm->id, far, esr);
		vm_stop(vm, -1);
		return;
	}
	/* The vector and the class as seen from EL1 (Arm ARM D1.10.2): an
	 * abort from EL0 is one from a lower level. */
	if (vcpu->regs.pstate & SPSR_NRW) {
		/* AArch32 EL0 (a compat task) under an AArch64 EL1. */
		vector = VBAR_LOWER32_SYNC;
		if (ec == ESR_ELx_EC_DABT_CUR || ec == ESR_ELx_EC_IABT_CUR)
			esr -= 1ULL << ESR_ELx_EC_SHIFT;
	} else if (from == SPSR_M_EL0T) {
		vector = VBAR_LOWER64_SYNC;
		if (ec == ESR_ELx_EC_DABT_CUR || ec == ESR_ELx_EC_IABT_CUR)
			esr -= 1ULL << ESR_ELx_EC_SHIFT;
	} else {
		vector = from == SPSR_M_EL1T ? VBAR_CUR_SP0_SYNC
					     : VBAR_CUR_SPX_SYNC;
	}
	write_sysreg(esr, esr_el1);
	write_sysreg(far, far_el1);
	write_sysreg(vcpu->regs.pc, elr_el1);
	write_sysreg(vcpu->regs.pstate, spsr_el1);
	vcpu->regs.pc = read_sysreg(vbar_el1) + vector;
	/* PSTATE.PAN is set on taking an exception to EL1 when FEAT_PAN is
	 * there and SCTLR_EL1.SPAN is 0, else left as it was; DIT is kept
	 * (Arm ARM D1.10.3). An exception from AArch32 had neither. */
	pan = vcpu->regs.pstate & SPSR_PAN;
	if ((read_sysreg(id_aa64mmfr1_el1) >> 20 & 0xf) &&
	    !(read_sysreg(sctlr_el1) & SCTLR_EL1_SPAN))
		pan = SPSR_PAN;
	vcpu->regs.pstate = SPSR_EL1H_DAIF |
		((vcpu->regs.pstate & SPSR_NRW) ? pan & SPSR_PAN :
		 pan | (vcpu->regs.pstate & SPSR_DIT));
	vcpu->injected++;
}

/* Skip the instruction that trapped: 4 bytes, or 2 for a 16-bit T32 one
 * (ESR_EL2.IL, Arm ARM D17.2.37). */
void vcpu_skip(struct hyp_vcpu *vcpu, uint64_t esr)
{
	vcpu->regs.pc += (esr & ESR_ELx_IL) ? 4 : 2;
}

void inject_undef(struct hyp_vcpu *vcpu)
{
	/* EC 0 "unknown reason" is how an UNDEFINED instruction is reported
	 * (Arm ARM D17.2.37); IL for a 32-bit instruction. */
	inject_abort(vcpu, ESR_ELx_EC_UNKNOWN << ESR_ELx_EC_SHIFT | ESR_ELx_IL,
		     read_sysreg(far_el1));
}

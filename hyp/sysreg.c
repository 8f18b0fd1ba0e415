/* SPDX-License-Identifier: MIT */
/*
 * Trapped system instructions and registers of Linux guests (ESR_EL2 EC
 * 0x18): the ID registers (HCR_EL2.TID3) as the guest sees them, the debug
 * and PMU registers (MDCR_EL2), and data cache maintenance by set/way
 * (HCR_EL2.TSW).
 *
 * The ID registers are the CPU's own, with the features s2hyp does not
 * virtualize taken out, as KVM sanitizes them: SVE and SME (their vector
 * registers are not switched between vCPUs), MTE (no tag storage behind
 * the VM's RAM) and the PMU (not partitioned between vCPUs).
 */
#include "vm.h"

/* ESR_EL2.ISS for EC 0x18 (Arm ARM D17.2.37): Op0 [21:20], Op2 [19:17],
 * Op1 [16:14], CRn [13:10], Rt [9:5], CRm [4:1], Direction [0] (1: read). */
#define SYS64_ISS_MASK		0x3ffc1eULL	/* Op0, Op2, Op1, CRn, CRm */
#define SYS64_RT(esr)		(((esr) >> 5) & 0x1f)
#define SYS64_READ		(1ULL << 0)
#define SYS64_ENC(op0, op1, crn, crm, op2)				\
	((uint64_t)(op0) << 20 | (uint64_t)(op2) << 17 |		\
	 (uint64_t)(op1) << 14 | (uint64_t)(crn) << 10 | (uint64_t)(crm) << 1)
#define SYS64_CRM(esr)		(((esr) >> 1) & 0xf)
#define SYS64_OP2(esr)		(((esr) >> 17) & 0x7)

#define SYS_DC_ISW		SYS64_ENC(1, 0, 7, 6, 2)
#define SYS_DC_CSW		SYS64_ENC(1, 0, 7, 10, 2)
#define SYS_DC_CISW		SYS64_ENC(1, 0, 7, 14, 2)
/* The ID register space HCR_EL2.TID3 traps: Op0 3, Op1 0, CRn 0, CRm
 * 1..7 (Arm ARM D17.2.37, "ID group 3"). */
#define SYS_ID_SPACE_MASK	SYS64_ENC(3, 7, 15, 0, 0)
#define SYS_ID_SPACE		SYS64_ENC(3, 0, 0, 0, 0)

#define ID_AA64PFR0		SYS64_ENC(3, 0, 0, 4, 0)
#define ID_AA64PFR1		SYS64_ENC(3, 0, 0, 4, 1)
#define ID_AA64ZFR0		SYS64_ENC(3, 0, 0, 4, 4)
#define ID_AA64SMFR0		SYS64_ENC(3, 0, 0, 4, 5)
#define ID_AA64DFR0		SYS64_ENC(3, 0, 0, 5, 0)
#define ID_FIELD(lo)		(0xfULL << (lo))
#define ID_AA64PFR0_SVE		ID_FIELD(32)
#define ID_AA64PFR1_MTE		ID_FIELD(8)
#define ID_AA64PFR1_SME		ID_FIELD(24)
#define ID_AA64DFR0_PMUVER	ID_FIELD(8)

/* The CPU's ID register S3_0_C0_C<crm>_<op2>; mrs needs them constant. */
#define ID_MRS(crm, op2)						\
	case (crm) * 8 + (op2):						\
		return read_sysreg(s3_0_c0_c##crm##_##op2);
#define ID_MRS_CRM(crm)							\
	ID_MRS(crm, 0) ID_MRS(crm, 1) ID_MRS(crm, 2) ID_MRS(crm, 3)	\
	ID_MRS(crm, 4) ID_MRS(crm, 5) ID_MRS(crm, 6) ID_MRS(crm, 7)

static uint64_t id_reg_hw(unsigned int crm, unsigned int op2)
{
	switch (crm * 8 + op2) {
	ID_MRS_CRM(1) ID_MRS_CRM(2) ID_MRS_CRM(3) ID_MRS_CRM(4)
	ID_MRS_CRM(5) ID_MRS_CRM(6) ID_MRS_CRM(7)
	}
	return 0;
}

/* What the guest reads for ID register @enc. */
static uint64_t id_reg_guest(uint64_t enc, unsigned int crm, unsigned int op2)
{
	uint64_t v = id_reg_hw(crm, op2);

	switch (enc) {
	case ID_AA64PFR0:
		return v & ~ID_AA64PFR0_SVE;
	case ID_AA64PFR1:
		return v & ~(ID_AA64PFR1_MTE | ID_AA64PFR1_SME);
	case ID_AA64ZFR0:
	case ID_AA64SMFR0:
		return 0;
	case ID_AA64DFR0:
		return v & ~ID_AA64DFR0_PMUVER;
	}
	return v;
}

/*
 * Debug and PMU registers (MDCR_EL2.TDA, TDOSA, TDRA, TPM, TPMCR; vcpu.c):
 * the guest gets no hardware breakpoints, watchpoints or counters, which
 * would otherwise stay programmed for the next VM on the CPU. MDSCR_EL1 is
 * the guest's own (switched with the vCPU); the OS lock reads as
 * implemented and unlocked; everything else reads as zero and ignores
 * writes. The ID registers say the same (no PMU; sysreg.c above).
 * Return: whether @enc was one of them.
 */
#define SYS_MDSCR_EL1		SYS64_ENC(2, 0, 0, 2, 2)
#define SYS_OSLSR_EL1		SYS64_ENC(2, 0, 1, 1, 4)
#define OSLSR_OSLM_IMPLEMENTED	(1ULL << 3)	/* OSLM = 0b10 */
#define SYS64_OP0(esr)		(((esr) >> 20) & 0x3)
#define SYS64_CRN(esr)		(((esr) >> 10) & 0xf)

static bool sysreg_debug_pmu(struct hyp_vcpu *vcpu, uint64_t esr, uint64_t enc,
			     uint64_t rt, uint64_t val)
{
	unsigned int crn = SYS64_CRN(esr), crm = SYS64_CRM(esr);
	bool read = esr & SYS64_READ;
	uint64_t out = 0;

	if (SYS64_OP0(esr) == 2) {
		if (enc == SYS_MDSCR_EL1) {
			if (read)
				out = read_sysreg(mdscr_el1);
			else
				write_sysreg(val, mdscr_el1);
		} else if (enc == SYS_OSLSR_EL1) {
			out = OSLSR_OSLM_IMPLEMENTED;
		}
	} else if (!(SYS64_OP0(esr) == 3 &&
		     ((crn == 9 && crm >= 12) || (crn == 14 && crm >= 8)))) {
		return false;	/* not a PMU register either */
	}
	if (read && rt != 31)
		vcpu->regs.x[rt] = out;
	vcpu_skip(vcpu, esr);
	return true;
}

void sysreg_trap(struct hyp_vcpu *vcpu, uint64_t esr)
{
	uint64_t enc = esr & SYS64_ISS_MASK, rt = SYS64_RT(esr);
	uint64_t val = rt == 31 ? 0 : vcpu->regs.x[rt];

	if ((enc & SYS_ID_SPACE_MASK) == SYS_ID_SPACE && SYS64_CRM(esr) &&
	    (esr & SYS64_READ)) {
		if (rt != 31)
			vcpu->regs.x[rt] = id_reg_guest(enc, SYS64_CRM(esr),
							SYS64_OP2(esr));
		vcpu_skip(vcpu, esr);
		return;
	}
	if (sysreg_debug_pmu(vcpu, esr, enc, rt, val))
		return;
	switch (enc) {
	case SYS_DC_ISW:
	case SYS_DC_CSW:
	case SYS_DC_CISW:
		/* Done on this CPU's caches as clean and invalidate, which
		 * never loses data where the guest asked for invalidate only
		 * (as KVM turns it too). */
		__asm__ volatile("dc cisw, %0" : : "r"(val) : "memory");
		dsb(sy);
		vcpu_skip(vcpu, esr);
		return;
	}
	hyp_printf("vm%u: trapped system register access, ESR %lx: "
		   "undefined instruction injected\n", vcpu->vm->id, esr);
	inject_undef(vcpu);
}

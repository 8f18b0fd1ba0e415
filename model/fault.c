/* SPDX-License-Identifier: MIT */
/*
 * Fault records into the registers the CPU writes: ESR_ELx ISS for data and
 * instruction aborts (Arm ARM D19.2.37, ISS encoding for an exception from
 * a Data/Instruction Abort), HPFAR_EL2 (D19.2.58), FAR and PAR_EL1
 * (D19.2.116). Freestanding.
 */
#include <stdbool.h>
#include <stdint.h>

#include <s2mm/arch.h>
#include <s2mm/arch_sd.h>
#include <s2mm/error.h>
#include <s2mm/mmu.h>


uint32_t s2_mmu_fsc(const struct s2_mmu_fault *f)
{
	unsigned lvl = (unsigned)f->level & 3u;
	bool lm1 = f->level < 0;

	switch (f->type) {
	case S2_MMU_FAULT_TRANSLATION:
		return lm1 ? FSC_TRANSLATION_LM1 : FSC_TRANSLATION + lvl;
	case S2_MMU_FAULT_ADDR_SIZE:
		return lm1 ? FSC_ADDR_SIZE_LM1 : FSC_ADDR_SIZE + lvl;
	case S2_MMU_FAULT_ACCESS_FLAG:
		return FSC_ACCESS_FLAG + lvl;
	case S2_MMU_FAULT_PERMISSION:
		return FSC_PERMISSION + lvl;
	case S2_MMU_FAULT_EXT_ABORT:
		/* Level -1: 0b010011 (FEAT_LPA2). */
		return lm1 ? FSC_SEA_TTW - 1 : FSC_SEA_TTW + lvl;
	case S2_MMU_FAULT_TLB_CONFLICT:
		return FSC_TLB_CONFLICT;   /* no level */
	case S2_MMU_FAULT_DOMAIN:
		return f->level == 2 ? FSC_DOMAIN_L2 : FSC_DOMAIN_L1;
	default:
		return 0;
	}
}

uint32_t s2_mmu_fsr_sd(const struct s2_mmu_result *res)
{
	/* FS[4:0] of each fault type at level 1 (section) and 2 (page). */
	static const uint8_t fs[S2_MMU_FAULT_NR][2] = {
		[S2_MMU_FAULT_TRANSLATION] = { FS_SD_TRANSLATION_L1, FS_SD_TRANSLATION_L2 },
		[S2_MMU_FAULT_ACCESS_FLAG] = { FS_SD_AF_L1, FS_SD_AF_L2 },
		[S2_MMU_FAULT_PERMISSION] = { FS_SD_PERMISSION_L1, FS_SD_PERMISSION_L2 },
		[S2_MMU_FAULT_EXT_ABORT] = { FS_SD_SEA_TTW_L1, FS_SD_SEA_TTW_L2 },
		[S2_MMU_FAULT_DOMAIN] = { FS_SD_DOMAIN_L1, FS_SD_DOMAIN_L2 },
	};
	const struct s2_mmu_fault *f = &res->fault;
	uint32_t v;

	if (!f->type || f->type >= S2_MMU_FAULT_NR || f->stage != 1)
		return 0;
	v = fs[f->type][f->level == 2];
	if (!v)   /* no short-descriptor code (address size) */
		return 0;
	/* FS[4] goes to bit 10; none of the walk's codes sets it. */
	v = (v & 0xf) | ((v & 0x10) ? (uint32_t)FSR_SD_FS4 : 0);
	if (f->acc != S2_MMU_EXEC) {   /* DFSR: Domain and WnR */
		v |= (uint32_t)res->domain << FSR_SD_DOMAIN_SHIFT;
		if (f->acc == S2_MMU_WRITE)
			v |= (uint32_t)FSR_SD_WNR;
	}
	return v;
}

unsigned s2_mmu_fault_target_el(const struct s2_mmu_fault *f)
{
	if (!f->type)
		return 0;
	return f->stage == 2 ? 2 : 1;
}

int s2_mmu_esr(const struct s2_mmu_fault *f, const struct s2_mmu_insn *insn,
	       uint64_t *esr)
{
	bool exec, lower, isv;
	uint64_t ec, v;

	if (!f || !esr || !f->type)
		return -S2_EINVAL;
	exec = f->acc == S2_MMU_EXEC;
	/* Stage-2 faults go to EL2 from EL0/EL1; stage-1 faults to EL1. */
	lower = f->stage == 2 || f->el == 0;
	if (exec)
		ec = lower ? ESR_ELx_EC_IABT_LOW : ESR_ELx_EC_IABT_CUR;
	else
		ec = lower ? ESR_ELx_EC_DABT_LOW : ESR_ELx_EC_DABT_CUR;
	v = S2_FIELD_PREP(ESR_ELx_EC, ec) | s2_mmu_fsc(f);
	if (f->s1ptw)
		v |= ESR_ISS_DA_S1PTW;   /* same bit in the IA ISS */
	/*
	 * ISV: only stage-2 data aborts not on a stage-1 walk carry the
	 * instruction syndrome; external aborts on the walk do not here.
	 */
	isv = !exec && f->stage == 2 && !f->s1ptw && insn && insn->isv &&
	      f->type != S2_MMU_FAULT_EXT_ABORT &&
	      f->type != S2_MMU_FAULT_TLB_CONFLICT;
	/*
	 * An S1PTW fault reports the walk's read, unless it is on the
	 * hardware update of the descriptor: AArch64.S2Translate of the
	 * update with CreateAccDescTTEUpdate(), a write (the instruction
	 * abort ISS has no WnR).
	 */
	if (!exec && (f->s1ptw ? f->tte_update : f->acc == S2_MMU_WRITE))
		v |= ESR_ISS_DA_WnR;
	if (isv) {
		v |= ESR_ISS_DA_ISV | S2_FIELD_PREP(ESR_ISS_DA_SAS, insn->sas) |
		     S2_FIELD_PREP(ESR_ISS_DA_SRT, insn->srt);
		if (insn->sse)
			v |= ESR_ISS_DA_SSE;
		if (insn->sf)
			v |= ESR_ISS_DA_SF;
		if (insn->ar)
			v |= ESR_ISS_DA_AR;
	}
	/* IL is 1 for instruction aborts and for ISV=0 data aborts. */
	if (!(isv && insn->il16))
		v |= ESR_ELx_IL;
	*esr = v;
	return 0;
}

int s2_mmu_hpfar(const struct s2_mmu_fault *f, uint64_t *hpfar)
{
	if (!f || !hpfar || !f->type || f->stage != 2 || !f->ipa_valid)
		return -S2_EINVAL;
	*hpfar = ((f->ipa >> 12) << HPFAR_EL2_FIPA_SHIFT) & HPFAR_EL2_FIPA_MASK;
	return 0;
}

bool s2_mmu_hpfar_valid(const struct s2_mmu_fault *f)
{
	if (!f || f->stage != 2 || !f->ipa_valid)
		return false;
	/*
	 * IPAValid(): a walk's permission fault too, but an external abort
	 * never, not even on a stage-1 walk.
	 */
	switch (f->type) {
	case S2_MMU_FAULT_TRANSLATION:
	case S2_MMU_FAULT_ACCESS_FLAG:
	case S2_MMU_FAULT_ADDR_SIZE:
		return true;
	case S2_MMU_FAULT_PERMISSION:
		return f->s1ptw;
	default:
		return false;
	}
}

uint64_t s2_mmu_far(const struct s2_mmu_fault *f)
{
	return f->va;
}

uint64_t s2_mmu_par(const struct s2_mmu_result *res)
{
	const struct s2_mmu_fault *f = &res->fault;

	if (f->type) {
		uint64_t v = PAR_EL1_F | PAR_EL1_RES1_11 |
			     S2_FIELD_PREP(PAR_EL1_FST, s2_mmu_fsc(f));
		if (f->s1ptw)
			v |= PAR_EL1_PTW;
		if (f->stage == 2)
			v |= PAR_EL1_S;
		return v;
	}
	return (res->pa & PAR_EL1_PA_MASK) | PAR_EL1_RES1_11 |
	       S2_FIELD_PREP(PAR_EL1_SH, res->sh) |
	       S2_FIELD_PREP(PAR_EL1_ATTR, res->attr);
}

const char *s2_mmu_fault_name(unsigned type)
{
	static const char *const names[S2_MMU_FAULT_NR] = {
		[S2_MMU_FAULT_NONE] = "none",
		[S2_MMU_FAULT_TRANSLATION] = "translation",
		[S2_MMU_FAULT_ACCESS_FLAG] = "access flag",
		[S2_MMU_FAULT_PERMISSION] = "permission",
		[S2_MMU_FAULT_ADDR_SIZE] = "address size",
		[S2_MMU_FAULT_EXT_ABORT] = "external abort on walk",
		[S2_MMU_FAULT_TLB_CONFLICT] = "TLB conflict",
		[S2_MMU_FAULT_DOMAIN] = "domain",
	};
	return type < S2_MMU_FAULT_NR ? names[type] : "unknown";
}

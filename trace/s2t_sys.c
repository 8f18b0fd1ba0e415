/* SPDX-License-Identifier: MIT */
/*
 * Which A64 system instructions change a guest's translation: the ones the
 * recorder keeps and the replay acts on. Encodings: ARM ARM C5.2 (MSR
 * (register), SYS) and C5.5 (TLBI).
 */
#include "s2trace.h"

/* MSR <sysreg>, Xt: 1101 0101 0001 o0 op1 CRn CRm op2 Rt (op0 = 2 + o0). */
#define MSR_MASK 0xfff00000u
#define MSR_BITS 0xd5100000u
/* SYS #op1, CRn, CRm, #op2{, Xt}: op0 = 1, L = 0. */
#define SYS_MASK 0xfff80000u
#define SYS_BITS 0xd5080000u

/* op0:op1:CRn:CRm:op2 as bits 20:5 of the word put them. */
#define SYSREG(op0, op1, crn, crm, op2) \
	((uint32_t)(op0) << 14 | (op1) << 11 | (crn) << 7 | (crm) << 3 | (op2))

static uint32_t sysreg_of(uint32_t insn)
{
	return (insn >> 5) & 0xffff;
}

enum s2t_sys s2t_sysinsn(uint32_t insn)
{
	if ((insn & MSR_MASK) == MSR_BITS) {
		switch (sysreg_of(insn)) {
		case SYSREG(3, 0, 2, 0, 0): return S2T_SYS_TTBR0;
		case SYSREG(3, 0, 2, 0, 1): return S2T_SYS_TTBR1;
		case SYSREG(3, 0, 2, 0, 2): return S2T_SYS_TCR;
		case SYSREG(3, 0, 1, 0, 0): return S2T_SYS_SCTLR;
		case SYSREG(3, 0, 13, 0, 1): return S2T_SYS_CONTEXTIDR;
		default: return S2T_SYS_NONE;
		}
	}
	/* TLBI is SYS with CRn == 8 (C5.5: op1 0 for the EL1 forms). */
	if ((insn & SYS_MASK) == SYS_BITS && ((insn >> 12) & 0xf) == 8)
		return S2T_SYS_TLBI;
	return S2T_SYS_NONE;
}

struct tlbi_op {
	uint8_t op1, crm, op2;
	bool by_va, by_asid;
	const char *name;
};

/* The EL1 operations (op1 = 0), ARM ARM C5.5; Outer Shareable and range
 * forms included. */
static const struct tlbi_op tlbi_ops[] = {
	{ 0, 3, 0, false, false, "VMALLE1IS" }, { 0, 7, 0, false, false, "VMALLE1" },
	{ 0, 1, 0, false, false, "VMALLE1OS" },
	{ 0, 3, 1, true, false, "VAE1IS" },     { 0, 7, 1, true, false, "VAE1" },
	{ 0, 1, 1, true, false, "VAE1OS" },
	{ 0, 3, 2, false, true, "ASIDE1IS" },   { 0, 7, 2, false, true, "ASIDE1" },
	{ 0, 1, 2, false, true, "ASIDE1OS" },
	{ 0, 3, 3, true, false, "VAAE1IS" },    { 0, 7, 3, true, false, "VAAE1" },
	{ 0, 1, 3, true, false, "VAAE1OS" },
	{ 0, 3, 5, true, false, "VALE1IS" },    { 0, 7, 5, true, false, "VALE1" },
	{ 0, 1, 5, true, false, "VALE1OS" },
	{ 0, 3, 7, true, false, "VAALE1IS" },   { 0, 7, 7, true, false, "VAALE1" },
	{ 0, 1, 7, true, false, "VAALE1OS" },
	{ 0, 2, 1, true, false, "RVAE1IS" },    { 0, 6, 1, true, false, "RVAE1" },
	{ 0, 5, 1, true, false, "RVAE1OS" },
	{ 0, 2, 3, true, false, "RVAAE1IS" },   { 0, 6, 3, true, false, "RVAAE1" },
	{ 0, 5, 3, true, false, "RVAAE1OS" },
	{ 0, 2, 5, true, false, "RVALE1IS" },   { 0, 6, 5, true, false, "RVALE1" },
	{ 0, 5, 5, true, false, "RVALE1OS" },
	{ 0, 2, 7, true, false, "RVAALE1IS" },  { 0, 6, 7, true, false, "RVAALE1" },
	{ 0, 5, 7, true, false, "RVAALE1OS" },
};

const char *s2t_tlbi_name(uint32_t insn, bool *by_va, bool *by_asid)
{
	unsigned int op1 = (insn >> 16) & 7, crm = (insn >> 8) & 0xf, op2 = (insn >> 5) & 7;

	*by_va = *by_asid = false;
	if (s2t_sysinsn(insn) != S2T_SYS_TLBI)
		return NULL;
	for (size_t i = 0; i < sizeof(tlbi_ops) / sizeof(tlbi_ops[0]); i++) {
		const struct tlbi_op *t = &tlbi_ops[i];

		if (t->op1 == op1 && t->crm == crm && t->op2 == op2) {
			*by_va = t->by_va;
			*by_asid = t->by_asid;
			return t->name;
		}
	}
	return NULL;
}

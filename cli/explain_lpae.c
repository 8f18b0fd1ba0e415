/* SPDX-License-Identifier: MIT */
/*
 * s2mm explain: a stage 1 in the long-descriptor formats (VMSAv8-64, and
 * AArch32 LPAE with TTBCR.EAE=1): the walk of a VA, each descriptor fetch
 * an IPA with its own stage-2 walk, and the stage-1 permissions.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <s2mm/arch.h>

#include "explain.h"

/*
 * Stage-1 permissions (AArch64.S1ComputePermissions, as the model has
 * them) of leaf @d under the table bits @tbl (APTable, UXNTable,
 * PXNTable of the tables above): AP[2:1], APTable[0] taking EL0's access
 * away and APTable[1] writes; SCTLR_EL1.WXN. AArch64 never lets EL1
 * execute what EL0 may write; an AArch32 (LPAE) stage 1 has XN for both
 * levels and lets EL0 execute only what it may read.
 * Return: NULL when the access is allowed, else why not.
 */
static const char *s1_denied(const struct walk *w, uint64_t d, uint64_t tbl)
{
	const struct s2_mmu_regs *r = w->v->regs;
	bool a32 = !(r->hcr_el2 & HCR_EL2_RW);
	/* AArch64.S1ApplyOutputPerms: DBM=1 under TCR_EL1.HD takes AP[2] as 0. */
	unsigned int ap = (unsigned int)(d >> S1_DESC_AP_SHIFT) &
			  (explain_s1_hd(w) && (d & DESC_DBM) ? 1 : 3);
	unsigned int apt = (unsigned int)(tbl >> S1_TABLE_APTABLE_SHIFT) & 3;
	unsigned int eff = (ap & ~(apt & 1)) | (apt & 2);
	bool r0 = eff & 1, w0 = eff == 1, w1 = !(eff & 2);
	bool wxn = r->sctlr_el1 & SCTLR_WXN;
	const char *no_el0 = ap & 1 ? "APTable[0]=1 above: no EL0 access"
				    : "AP: no EL0 access";
	const char *ro = ap & 2 ? "AP: read-only" : "APTable[1]=1 above: read-only";

	switch (w->acc) {
	case S2_MMU_READ:
		return w->el || r0 ? NULL : no_el0;
	case S2_MMU_WRITE:
		if (w->el ? w1 : w0)
			return NULL;
		return w->el || r0 ? ro : no_el0;
	}
	if (w->el == 0) {
		if (d & S1_DESC_UXN)
			return a32 ? "XN=1" : "UXN=1";
		if (tbl & S1_TABLE_UXNTABLE)
			return a32 ? "XNTable=1 above" : "UXNTable=1 above";
		if (a32 && !r0)
			return "AArch32: EL0 executes only what it may read, and AP gives "
			       "EL0 no access";
		if (wxn && w0)
			return "SCTLR_EL1.WXN=1: memory EL0 may write never executes at EL0";
		return NULL;
	}
	if (a32 && (d & S1_DESC_UXN))
		return "XN=1";
	if (a32 && (tbl & S1_TABLE_UXNTABLE))
		return "XNTable=1 above";
	if (d & S1_DESC_PXN)
		return "PXN=1";
	if (tbl & S1_TABLE_PXNTABLE)
		return "PXNTable=1 above";
	if (!a32 && w0)
		return "EL0 may write this page (AP=EL1+EL0 RW), and AArch64 never "
		       "lets EL1 execute such a page (implicit PXN)";
	if (wxn && w1)
		return "SCTLR_EL1.WXN=1: writable memory never executes";
	return NULL;
}

/*
 * The VMSAv8-64 (or AArch32 LPAE) stage 1 of @va, each descriptor read
 * through its own stage-2 walk. Returns true with the output IPA in *@ipa.
 */
bool explain_walk_lpae(struct walk *w, uint64_t va, uint64_t *ipa)
{
	const struct sim_view *v = w->v;
	uint64_t table = v->regs->ttbr0_el1 & ((1ULL << 48) - 1) & ~1ULL;
	uint64_t tbl = 0;  /* APTable, UXNTable, PXNTable of the tables passed */

	for (int level = v->s1_start; level <= 3; level++) {
		unsigned int shift = v->s1_gshift + (unsigned)(3 - level) * v->s1_stride;
		uint64_t bits = level == v->s1_start ? v->s1_va_bits - shift : v->s1_stride;
		uint64_t idx = (va >> shift) & ((1ULL << bits) - 1);
		uint64_t dipa = table + idx * 8, dpa, d;
		char what[200];

		printf(" stage 1 level %d: descriptor [%" PRIu64 "] at IPA %#" PRIx64
		       ", its stage-2 walk:\n", level, idx, dipa);
		if (!explain_s2_walk(w, level, dipa, S2_FOR_FETCH, &dpa))
			return false;
		d = explain_af_rd(w, dpa);
		if (!(d & DESC_VALID) || (level == 3 && (d & 3) != 3)) {
			snprintf(what, sizeof(what), "L%d [%" PRIu64 "] invalid: stage-1 "
				 "translation fault, level %d (to the guest)", level, idx, level);
			explain_add(w, level, -9, dpa, d, true, what);
			explain_fault_at(w, S2_MMU_FAULT_TRANSLATION, 1, level, false);
			snprintf(w->fault_what, sizeof(w->fault_what),
				 "stage-1 translation fault, level %d", level);
			return false;
		}
		if (level < 3 && (d & 3) == DESC_TYPE_TABLE) {
			table = d & ((1ULL << 48) - 1) & ~((1ULL << v->s1_gshift) - 1);
			tbl |= d & (0x1fULL << 59);
			snprintf(what, sizeof(what), "L%d [%" PRIu64 "] table -> IPA %#" PRIx64,
				 level, idx, table);
			explain_add(w, level, -9, dpa, d, false, what);
			continue;
		}
		uint64_t size = 1ULL << shift;
		uint64_t oa = d & ((1ULL << 48) - 1) & ~(size - 1);
		static const char *const ap[] = { "EL1 RW", "EL1+EL0 RW", "EL1 RO",
						  "EL1+EL0 RO" };
		/* AF=0 faults before permissions, unless TCR_EL1.HA. */
		bool af_fault = !(d & DESC_AF) && !explain_s1_ha(w);
		const char *denied = af_fault ? NULL : s1_denied(w, d, tbl);
		int len;

		*ipa = oa | (va & (size - 1));
		len = snprintf(what, sizeof(what),
			       "L%d [%" PRIu64 "] %s -> IPA %#" PRIx64 " AttrIndx=%u AP=%s "
			       "SH=%s AF=%d nG=%d PXN=%d UXN=%d", level, idx,
			       level == 3 ? "page" : "block", oa,
			       (unsigned)((d >> S1_DESC_ATTRINDX_SHIFT) & 7),
			       ap[(d >> S1_DESC_AP_SHIFT) & 3], explain_sh_name(d), !!(d & DESC_AF),
			       !!(d & S1_DESC_NG), !!(d & S1_DESC_PXN), !!(d & S1_DESC_UXN));
		if (len > 0 && (size_t)len < sizeof(what) && (d & DESC_DBM))
			len += snprintf(what + len, sizeof(what) - (size_t)len, " DBM=1");
		if (len > 0 && (size_t)len < sizeof(what) && (af_fault || denied))
			snprintf(what + len, sizeof(what) - (size_t)len,
				 ": stage-1 %s fault", denied ? "permission"
							      : "access flag");
		explain_add(w, level, -9, dpa, d, af_fault || denied, what);
		if (af_fault || denied) {
			/*
			 * AArch64.S1Translate reports the fault: the
			 * output IPA never reaches stage 2.
			 */
			if (denied)
				printf("      %s at EL%u denied: %s\n", explain_acc_names[w->acc],
				       w->el, denied);
			printf(" the walk stops here: a stage-1 fault is taken before "
			       "stage 2 translates the output IPA %#" PRIx64 "\n", *ipa);
			explain_fault_at(w, denied ? S2_MMU_FAULT_PERMISSION
					   : S2_MMU_FAULT_ACCESS_FLAG, 1, level, false);
			snprintf(w->fault_what, sizeof(w->fault_what),
				 "stage-1 %s fault, level %d%s%s",
				 denied ? "permission" : "access flag", level,
				 denied ? ": " : "", denied ? denied : "");
			return false;
		}
		/*
		 * AArch64.S1Translate: one swap sets AF and, for a
		 * write through a writable-clean leaf, clears AP[2]; a
		 * write of the descriptor at its IPA, which stage 2
		 * translates (and may make the table page dirty).
		 */
		uint64_t nd = d | DESC_AF, upa;
		bool clean = explain_s1_hd(w) && (d & DESC_DBM) &&
			     (d & (S1_DESC_AP_RO_EL1 << S1_DESC_AP_SHIFT));

		if (clean && w->acc == S2_MMU_WRITE)
			nd &= ~(S1_DESC_AP_RO_EL1 << S1_DESC_AP_SHIFT);
		else if (clean)
			printf("      DBM=1, AP[2]=1: writable-clean (TCR_EL1.HD); "
			       "a %s leaves it clean\n", explain_acc_names[w->acc]);
		if (nd != d) {
			printf("      the CPU updates it: a write at IPA %#" PRIx64
			       ", its stage-2 walk:\n", dipa);
			w->tte_walk = true;
			if (!explain_s2_walk(w, level, dipa, S2_FOR_UPDATE, &upa)) {
				w->tte_walk = false;
				return false;
			}
			w->tte_walk = false;
			explain_upd_set(w, dpa, d, nd, "TCR_EL1.HA", "TCR_EL1.HD");
		}
		return true;
	}
	return true;
}

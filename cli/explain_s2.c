/* SPDX-License-Identifier: MIT */
/*
 * s2mm explain: the stage-2 walk of one IPA (VMSAv8-64 stage 2, whatever
 * stage 1's format), for a stage-1 descriptor read or write (S1PTW) or for
 * the access's own output IPA, with the stage-2 permissions and
 * attributes decoded.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <s2mm/arch.h>

#include "explain.h"

/* HCR_EL2.FWB in effect: the CPU has FEAT_S2FWB and the bit is set. */
bool explain_fwb_on(const struct walk *w)
{
	return w->v->cpu->s2fwb && (w->v->regs->hcr_el2 & HCR_EL2_FWB);
}

/*
 * What stage-2 MemAttr[3:0] @m means on its own: S2AttrDecode, or under
 * HCR_EL2.FWB the table "Stage 2 memory type and Cacheability attributes
 * when FEAT_S2FWB is enabled" (MemAttr[3] RES0).
 */
static const char *memattr_name(bool fwb, unsigned int m)
{
	static const char *const dev[4] = { "Device-nGnRnE", "Device-nGnRE",
					    "Device-nGRE", "Device-GRE" };

	if (fwb) {
		if (!(m & 4))
			return dev[m & 3];
		return (m & 3) == 3 ? "FWB: stage 1's" :
		       (m & 3) == 2 ? "FWB: Normal Write-Back" : "FWB: Normal Non-cacheable";
	}
	if (!(m & 0xc))
		return dev[m & 3];
	return m == 0xf ? "Normal Write-Back" : "Normal";
}

/*
 * Stage-2 permissions (AArch64.S2CheckPermissions, as the model has them):
 * a stage-1 table read (@ptw) needs S2AP read and, with HCR_EL2.PTW, Normal
 * memory (MemAttr[3:2] != 0, under HCR_EL2.FWB MemAttr[2] != 0); the access itself needs its kind's S2AP bit, or to execute
 * XN[1:0] (FEAT_XNX: 01 not at EL1, 11 not at EL0; without it XN[1] only).
 * Return: NULL when allowed, else why not.
 */
static const char *s2_denied(const struct walk *w, uint64_t d, enum s2_for why)
{
	/* AArch64.S2ApplyOutputPerms: DBM=1 under VTCR_EL2.HD is writable. */
	bool wr = (d & S2_DESC_S2AP_W) || (explain_s2_hd(w) && (d & DESC_DBM));
	unsigned int xn;

	if (why == S2_FOR_UPDATE)
		return wr ? NULL : "the CPU's update of a stage-1 descriptor is a write, "
				   "and needs S2AP write (or DBM)";
	if (why == S2_FOR_FETCH) {
		if (!(d & S2_DESC_S2AP_R))
			return "a stage-1 table read needs S2AP read";
		if ((w->v->regs->hcr_el2 & HCR_EL2_PTW) &&
		    !(d & ((explain_fwb_on(w) ? 0x4ULL : 0xcULL) << S2_DESC_MEMATTR_SHIFT)))
			return "HCR_EL2.PTW: a stage-1 table in Device memory";
		return NULL;
	}
	switch (w->acc) {
	case S2_MMU_READ:
		return d & S2_DESC_S2AP_R ? NULL : "a read needs S2AP read";
	case S2_MMU_WRITE:
		return wr ? NULL : "a write needs S2AP write";
	default:
		xn = (unsigned int)S2_FIELD_GET(S2_DESC_XN, d);
		if (w->v->cpu->xnx ? xn == 0 || xn == (w->el ? 3u : 1u) : xn < 2)
			return NULL;
		return w->el ? "XN forbids execution at EL1" : "XN forbids execution at EL0";
	}
}

/*
 * Stage-2 walk of @ipa, recorded in @row, for @why (enum s2_for): reading
 * or writing the stage-1 descriptor there (S1PTW), or the final IPA (the
 * access's own permission). Return: true with *@pa, or false with the
 * steps' verdict in @w.
 */
bool explain_s2_walk(struct walk *w, int row, uint64_t ipa, enum s2_for why, uint64_t *pa)
{
	bool ptw = why != S2_FOR_ACCESS;
	/* A write may make the leaf dirty; the update is one (not an AT). */
	bool write = why == S2_FOR_UPDATE || (why == S2_FOR_ACCESS && w->acc == S2_MMU_WRITE);
	const struct s2_geom *g = w->v->g;
	uint64_t table = w->v->regs->vttbr_el2 & VTTBR_EL2_BADDR_MASK &
			 ~((uint64_t)g->root_size - 1);
	char what[200], on[80];

	if (why == S2_FOR_UPDATE)
		snprintf(on, sizeof(on), "writing the stage-1 level %d descriptor (S1PTW)", row);
	else if (ptw)
		snprintf(on, sizeof(on), "reading the stage-1 level %d descriptor (S1PTW)", row);
	else
		snprintf(on, sizeof(on), "on IPA %#" PRIx64, ipa);
	/* AArch64.IPAIsOutOfRange: a translation fault, level 0, before any read. */
	if (ipa >> g->ipa_bits) {
		printf("      IPA %#" PRIx64 " is beyond the %u-bit IPA space: stage-2 "
		       "translation fault, level 0\n", ipa, g->ipa_bits);
		explain_fault_at(w, S2_MMU_FAULT_TRANSLATION, 2, 0, ptw);
		snprintf(w->fault_what, sizeof(w->fault_what), "stage-2 translation fault, "
			 "level 0, %s: beyond the IPA space", on);
		return false;
	}
	for (int level = g->start_level; level <= S2_LEVEL_MAX; level++) {
		unsigned int shift = s2_geom_level_shift(g, level);
		uint64_t idx = level == g->start_level
				       ? (ipa >> shift) & (g->root_entries - 1)
				       : (ipa >> shift) & ((1ULL << g->stride) - 1);
		uint64_t a = table + idx * 8, d = explain_af_rd(w, a);

		if (!(d & DESC_VALID) || (level == S2_LEVEL_MAX && (d & 3) != 3)) {
			snprintf(what, sizeof(what), "L%d [%" PRIu64 "] invalid: stage-2 "
				 "translation fault, level %d", level, idx, level);
			explain_add(w, row, level, a, d, true, what);
			explain_fault_at(w, S2_MMU_FAULT_TRANSLATION, 2, level, ptw);
			snprintf(w->fault_what, sizeof(w->fault_what),
				 "stage-2 translation fault, level %d, %s", level, on);
			return false;
		}
		if (level < S2_LEVEL_MAX && (d & 3) == DESC_TYPE_TABLE) {
			table = s2_geom_desc_to_oa(g, d) & ~((1ULL << g->granule_shift) - 1);
			snprintf(what, sizeof(what), "L%d [%" PRIu64 "] table -> PA %#" PRIx64,
				 level, idx, table);
			explain_add(w, row, level, a, d, false, what);
			continue;
		}
		uint64_t size = s2_geom_level_size(g, level);
		uint64_t oa = s2_geom_desc_to_oa(g, d) & ~(size - 1);
		static const char *const ap[] = { "none", "RO", "WO", "RW" };
		/*
		 * AF=0 faults, before permissions are looked at; with
		 * VTCR_EL2.HA the permissions come first and then the CPU
		 * sets AF (AArch64.S2Translate).
		 */
		bool af_fault = !(d & DESC_AF) && !explain_s2_ha(w);
		const char *denied = af_fault ? NULL : s2_denied(w, d, why);
		int len;

		len = snprintf(what, sizeof(what),
			       "L%d [%" PRIu64 "] %" PRIu64 "%c %s -> PA %#" PRIx64 " S2AP=%s "
			       "MemAttr=%#x (%s) SH=%s AF=%d XN=%d", level, idx,
			       size >> (size >= (1ULL << 30) ? 30 : size >= (1ULL << 20) ? 20 : 10),
			       size >= (1ULL << 30) ? 'G' : size >= (1ULL << 20) ? 'M' : 'K',
			       level == S2_LEVEL_MAX ? "page" : "block", oa,
			       ap[(d >> S2_DESC_S2AP_SHIFT) & 3], (unsigned)((d >> 2) & 0xf),
			       memattr_name(explain_fwb_on(w), (unsigned)((d >> 2) & 0xf)),
			       /* LPA2 (DS): bits [9:8] hold OA[51:50], SH is VTCR_EL2.SH0. */
			       g->ds ? explain_sh_name((uint64_t)S2_FIELD_GET(VTCR_EL2_SH0,
								      w->v->regs->vtcr_el2)
					       << DESC_SH_SHIFT)
				     : explain_sh_name(d),
			       !!(d & DESC_AF), !!(d & S2_DESC_XN));
		if (len > 0 && (size_t)len < sizeof(what) && (d & DESC_DBM))
			len += snprintf(what + len, sizeof(what) - (size_t)len, " DBM=1");
		if (len > 0 && (size_t)len < sizeof(what) && (af_fault || denied))
			snprintf(what + len, sizeof(what) - (size_t)len, ": stage-2 %s fault",
				 denied ? "permission" : "access flag");
		explain_add(w, row, level, a, d, af_fault || denied, what);
		if (af_fault) {
			explain_fault_at(w, S2_MMU_FAULT_ACCESS_FLAG, 2, level, ptw);
			snprintf(w->fault_what, sizeof(w->fault_what),
				 "stage-2 access flag fault, level %d, %s", level, on);
			return false;
		}
		if (denied) {
			printf("      %s %s at EL%u: %s\n",
			       why == S2_FOR_UPDATE ? "stage-1 descriptor update" :
			       ptw ? "stage-1 table read" : explain_acc_names[w->acc],
			       why == S2_FOR_UPDATE ? "(a write)" : ptw ? "(a read)" : "denied",
			       w->el, denied);
			explain_fault_at(w, S2_MMU_FAULT_PERMISSION, 2, level, ptw);
			snprintf(w->fault_what, sizeof(w->fault_what),
				 "stage-2 permission fault, level %d, %s: %s", level, on, denied);
			return false;
		}
		/*
		 * AArch64.S2Translate: one swap sets AF and, for a write
		 * through a writable-clean leaf, S2AP[1]; a read leaves it
		 * clean.
		 */
		uint64_t nd = d | DESC_AF;

		if (write && explain_s2_hd(w) && (d & DESC_DBM))
			nd |= S2_DESC_S2AP_W;
		else if (explain_s2_hd(w) && (d & DESC_DBM) && !(d & S2_DESC_S2AP_W))
			printf("      DBM=1, S2AP read-only: writable-clean (VTCR_EL2.HD); "
			       "a read leaves it clean\n");
		if (nd != d)
			explain_upd_set(w, a, d, nd, "VTCR_EL2.HA", "VTCR_EL2.HD");
		*pa = oa | (ipa & (size - 1));
		return true;
	}
	return false;
}

/* SPDX-License-Identifier: MIT */
/*
 * s2mm explain: one address's two-dimensional walk, step by step.
 *
 * A VM is built with the chosen layout, its guest touches the address (so
 * the guest maps it in stage 1 and libs2mm faults stage 2 in), then the
 * chosen state is applied (host unmap, dirty logging, ...). The walk is
 * then shown as the hardware makes it: each stage-1 descriptor fetch is an
 * IPA, translated by its own stage-2 walk, then read; the final IPA gets a
 * last stage-2 walk. Every descriptor read is listed with its address,
 * value and decoded fields, and the walk stops where the architecture
 * stops it: at an invalid descriptor, an Access flag of 0 or a permission
 * check that fails (a stage-1 permission fault is taken before stage 2
 * sees the output IPA). The steps are read here from simulated memory for
 * display and their verdict worked out here too; the verdict shown (PA or
 * fault, ESR/HPFAR/PAR) is the MMU model's own (s2_mmu_translate,
 * s2_mmu_at), and the two are cross-checked.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <s2mm/arch.h>
#include <s2mm/arch_sd.h>
#include <s2mm/error.h>
#include <s2mm/geometry.h>
#include <s2mm/tlb.h>

#include "cli.h"
#include "report.h"
#include "sim.h"

enum { OPT_WRITE = OPT_CMD_BASE, OPT_EXEC, OPT_EL, OPT_STATE, OPT_SVG };

enum state { ST_MAPPED, ST_COLD, ST_UNMAPPED, ST_DIRTY, ST_MMU_OFF, ST_OLD };
static const char *const state_names[] = { "mapped", "cold", "unmapped", "dirty",
					   "mmu-off", "old" };
static const char *const acc_names[] = { "read", "write", "exec" };

#define MAX_STEPS 64
#define ROW_FINAL 100

struct step {
	int row;          /* stage-1 level, or ROW_FINAL for the final IPA */
	int col;          /* stage-2 level, or -9 for the stage-1 descriptor */
	uint64_t addr, val;
	bool fault;
	char what[200];
};

struct walk {
	const struct sim_view *v;
	unsigned int acc, el;      /* the access explained: enum s2_mmu_acc, EL */
	struct step steps[MAX_STEPS];
	int n;
	/* The steps' own verdict (type 0: none), compared with the model's. */
	struct s2_mmu_fault f;
	char fault_what[240];
	/*
	 * Descriptors the CPU has updated in this walk (FEAT_HAFDBS: AF, the
	 * dirty state), at @upd_pa, now @upd_val.
	 */
	uint64_t upd_pa[MAX_STEPS], upd_val[MAX_STEPS];
	int n_upd;
	/*
	 * Descriptor reads, those of the stage-2 walk of a stage-1 update
	 * too, which are listed but not kept in @steps (the grid has one
	 * cell for each level of a stage-1 descriptor's stage-2 walk).
	 */
	int reads;
	bool tte_walk;
};

static void explain_usage(FILE *out)
{
	fprintf(out,
		"usage: s2mm explain [options] ADDRESS\n\n"
		"Shows the 2D walk of ADDRESS (a guest VA; an IPA with --state mmu-off):\n"
		"each stage-1 descriptor fetch with its own stage-2 walk, every\n"
		"descriptor read (address, value, decoded fields) up to where the walk\n"
		"ends (a stage-1 fault ends it before the output IPA's stage-2 walk),\n"
		"and the final PA or the fault with ESR_EL2/FAR/HPFAR_EL2 and PAR_EL1\n"
		"(AT S12E0R/W or S12E1R/W; a fetch has no AT of its own: the read's is\n"
		"shown, labelled so).\n\n"
		"  --state mapped      the guest touched ADDRESS first (default)\n"
		"  --state cold        ...then the host unmapped all its RAM: the walk\n"
		"                      faults in stage 2 on a stage-1 table (S1PTW)\n"
		"  --state unmapped    ...then the host unmapped the data page only\n"
		"  --state dirty       ...then dirty logging started (try --write, and\n"
		"                      --hw-af --hw-dirty)\n"
		"  --state mmu-off     the guest MMU is off: stage 2 alone\n"
		"  --state old         ...then the host aged all its RAM (stage-2 AF=0;\n"
		"                      try --hw-af)\n"

		"  --write / --exec    the access kind (default: read)\n"
		"  --el 0|1            exception level of the access (default 0)\n"
		"  --svg FILE          draw the walk grid as SVG\n"
		"%s",
		report_options_help);
}

static uint64_t rd(const struct sim_view *v, uint64_t pa)
{
	const uint64_t *p = s2_physmem_va(v->pm, pa, 8);

	return p ? *p : 0;
}

static void add(struct walk *w, int row, int col, uint64_t addr, uint64_t val,
		bool fault, const char *what)
{
	struct step *s;

	w->reads++;
	printf("  %2d  %-6s PA %#014" PRIx64 "  = %#018" PRIx64 "  %s\n", w->reads,
	       col == -9 ? "S1" : "S2", addr, val, what);
	if (w->n == MAX_STEPS || w->tte_walk)
		return;
	s = &w->steps[w->n++];
	*s = (struct step){ .row = row, .col = col, .addr = addr, .val = val,
			    .fault = fault };
	snprintf(s->what, sizeof(s->what), "%s", what);
}

/* The steps' verdict: a fault of @type at @stage, @level. */
static void fault_at(struct walk *w, unsigned int type, unsigned int stage, int level,
		     bool s1ptw)
{
	w->f = (struct s2_mmu_fault){ .type = (uint8_t)type, .stage = (uint8_t)stage,
				      .level = (int8_t)level, .s1ptw = s1ptw };
}

/* "a stage-2 translation fault, level 3 (S1PTW)", or "no fault". */
static void fault_text(char *buf, size_t n, const struct s2_mmu_fault *f)
{
	if (!f->type)
		snprintf(buf, n, "no fault");
	else
		snprintf(buf, n, "a stage-%u %s fault, level %d%s", f->stage,
			 s2_mmu_fault_name(f->type), f->level, f->s1ptw ? " (S1PTW)" : "");
}

static bool same_fault(const struct s2_mmu_fault *a, const struct s2_mmu_fault *b)
{
	return a->type == b->type && a->stage == b->stage && a->level == b->level &&
	       a->s1ptw == b->s1ptw;
}

static const char *sh_name(uint64_t d)
{
	static const char *const n[] = { "NS", "res", "OS", "IS" };

	return n[(d >> DESC_SH_SHIFT) & 3];
}

/*
 * The descriptor at @pa as this walk reads it: the model updates memory
 * only after these steps, so a descriptor the walk has already updated
 * (upd_set()) reads here as the update left it, as the CPU's next read
 * would.
 */
static uint64_t af_rd(const struct walk *w, uint64_t pa)
{
	for (int i = w->n_upd - 1; i >= 0; i--)
		if (w->upd_pa[i] == pa)
			return w->upd_val[i];
	return rd(w->v, pa);
}

/*
 * The CPU replaces descriptor @d at @pa by @nd (AF set, made dirty), one
 * compare-and-swap (AArch64.MemSwapTableDesc); @af_reg, @dirty_reg: the
 * registers that make it do so.
 */
static void upd_set(struct walk *w, uint64_t pa, uint64_t d, uint64_t nd,
		    const char *af_reg, const char *dirty_reg)
{
	bool af = (d ^ nd) & DESC_AF, db = (d ^ nd) & ~DESC_AF;
	const char *what = nd & ~d & ~DESC_AF ? "sets S2AP[1]" : "clears AP[2]";

	if (w->n_upd < MAX_STEPS) {
		w->upd_pa[w->n_upd] = pa;
		w->upd_val[w->n_upd++] = nd;
	}
	if (af && db)
		printf("      AF=0 and a write through a writable-clean leaf: the CPU sets "
		       "AF (%s) and %s, the dirty state (%s), in one compare-and-swap of "
		       "this descriptor, and goes on\n", af_reg, what, dirty_reg);
	else if (db)
		printf("      a write through a writable-clean leaf: the CPU %s, the dirty "
		       "state (%s), a compare-and-swap of this descriptor, and goes on\n",
		       what, dirty_reg);
	else
		printf("      AF=0: the CPU sets it (%s), a compare-and-swap of this "
		       "descriptor, and goes on\n", af_reg);
}
/*
 * The hardware Access flag update in effect at stage 2 / stage 1: the CPU
 * has FEAT_HAFDBS and VTCR_EL2.HA / TCR_EL1.HA is set (RES0 without it).
 */
static bool s2_ha(const struct walk *w)
{
	return w->v->cpu->hafdbs && (w->v->regs->vtcr_el2 & VTCR_EL2_HA);
}

static bool s1_ha(const struct walk *w)
{
	return w->v->cpu->hafdbs && (w->v->regs->hcr_el2 & HCR_EL2_RW) &&
	       (w->v->regs->tcr_el1 & TCR_EL1_HA);
}

/*
 * The hardware dirty state in effect at stage 2 / stage 1: the CPU has it
 * (HAFDBS 0b0010), HD is set, and so is HA (AArch64.S1/S2Translate test
 * both): a DBM=1 leaf is writable, a write makes it dirty.
 */
static bool s2_hd(const struct walk *w)
{
	return s2_ha(w) && w->v->cpu->hafdbs_dirty && (w->v->regs->vtcr_el2 & VTCR_EL2_HD);
}

static bool s1_hd(const struct walk *w)
{
	return s1_ha(w) && w->v->cpu->hafdbs_dirty && (w->v->regs->tcr_el1 & TCR_EL1_HD);
}

/* What a stage-2 walk is for. */
enum s2_for {
	S2_FOR_FETCH,   /* reading a stage-1 descriptor (S1PTW): needs read */
	S2_FOR_ACCESS,  /* the final IPA: the access's own permission */
	S2_FOR_UPDATE,  /* writing a stage-1 descriptor the CPU updates (S1PTW) */
};

/* HCR_EL2.FWB in effect: the CPU has FEAT_S2FWB and the bit is set. */
static bool fwb_on(const struct walk *w)
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
	bool wr = (d & S2_DESC_S2AP_W) || (s2_hd(w) && (d & DESC_DBM));
	unsigned int xn;

	if (why == S2_FOR_UPDATE)
		return wr ? NULL : "the CPU's update of a stage-1 descriptor is a write, "
				   "and needs S2AP write (or DBM)";
	if (why == S2_FOR_FETCH) {
		if (!(d & S2_DESC_S2AP_R))
			return "a stage-1 table read needs S2AP read";
		if ((w->v->regs->hcr_el2 & HCR_EL2_PTW) &&
		    !(d & ((fwb_on(w) ? 0x4ULL : 0xcULL) << S2_DESC_MEMATTR_SHIFT)))
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
static bool s2_walk(struct walk *w, int row, uint64_t ipa, enum s2_for why, uint64_t *pa)
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
		fault_at(w, S2_MMU_FAULT_TRANSLATION, 2, 0, ptw);
		snprintf(w->fault_what, sizeof(w->fault_what), "stage-2 translation fault, "
			 "level 0, %s: beyond the IPA space", on);
		return false;
	}
	for (int level = g->start_level; level <= S2_LEVEL_MAX; level++) {
		unsigned int shift = s2_geom_level_shift(g, level);
		uint64_t idx = level == g->start_level
				       ? (ipa >> shift) & (g->root_entries - 1)
				       : (ipa >> shift) & ((1ULL << g->stride) - 1);
		uint64_t a = table + idx * 8, d = af_rd(w, a);

		if (!(d & DESC_VALID) || (level == S2_LEVEL_MAX && (d & 3) != 3)) {
			snprintf(what, sizeof(what), "L%d [%" PRIu64 "] invalid: stage-2 "
				 "translation fault, level %d", level, idx, level);
			add(w, row, level, a, d, true, what);
			fault_at(w, S2_MMU_FAULT_TRANSLATION, 2, level, ptw);
			snprintf(w->fault_what, sizeof(w->fault_what),
				 "stage-2 translation fault, level %d, %s", level, on);
			return false;
		}
		if (level < S2_LEVEL_MAX && (d & 3) == DESC_TYPE_TABLE) {
			table = s2_geom_desc_to_oa(g, d) & ~((1ULL << g->granule_shift) - 1);
			snprintf(what, sizeof(what), "L%d [%" PRIu64 "] table -> PA %#" PRIx64,
				 level, idx, table);
			add(w, row, level, a, d, false, what);
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
		bool af_fault = !(d & DESC_AF) && !s2_ha(w);
		const char *denied = af_fault ? NULL : s2_denied(w, d, why);
		int len;

		len = snprintf(what, sizeof(what),
			       "L%d [%" PRIu64 "] %" PRIu64 "%c %s -> PA %#" PRIx64 " S2AP=%s "
			       "MemAttr=%#x (%s) SH=%s AF=%d XN=%d", level, idx,
			       size >> (size >= (1ULL << 30) ? 30 : size >= (1ULL << 20) ? 20 : 10),
			       size >= (1ULL << 30) ? 'G' : size >= (1ULL << 20) ? 'M' : 'K',
			       level == S2_LEVEL_MAX ? "page" : "block", oa,
			       ap[(d >> S2_DESC_S2AP_SHIFT) & 3], (unsigned)((d >> 2) & 0xf),
			       memattr_name(fwb_on(w), (unsigned)((d >> 2) & 0xf)),
			       /* LPA2 (DS): bits [9:8] hold OA[51:50], SH is VTCR_EL2.SH0. */
			       g->ds ? sh_name((uint64_t)S2_FIELD_GET(VTCR_EL2_SH0,
								      w->v->regs->vtcr_el2)
					       << DESC_SH_SHIFT)
				     : sh_name(d),
			       !!(d & DESC_AF), !!(d & S2_DESC_XN));
		if (len > 0 && (size_t)len < sizeof(what) && (d & DESC_DBM))
			len += snprintf(what + len, sizeof(what) - (size_t)len, " DBM=1");
		if (len > 0 && (size_t)len < sizeof(what) && (af_fault || denied))
			snprintf(what + len, sizeof(what) - (size_t)len, ": stage-2 %s fault",
				 denied ? "permission" : "access flag");
		add(w, row, level, a, d, af_fault || denied, what);
		if (af_fault) {
			fault_at(w, S2_MMU_FAULT_ACCESS_FLAG, 2, level, ptw);
			snprintf(w->fault_what, sizeof(w->fault_what),
				 "stage-2 access flag fault, level %d, %s", level, on);
			return false;
		}
		if (denied) {
			printf("      %s %s at EL%u: %s\n",
			       why == S2_FOR_UPDATE ? "stage-1 descriptor update" :
			       ptw ? "stage-1 table read" : acc_names[w->acc],
			       why == S2_FOR_UPDATE ? "(a write)" : ptw ? "(a read)" : "denied",
			       w->el, denied);
			fault_at(w, S2_MMU_FAULT_PERMISSION, 2, level, ptw);
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

		if (write && s2_hd(w) && (d & DESC_DBM))
			nd |= S2_DESC_S2AP_W;
		else if (s2_hd(w) && (d & DESC_DBM) && !(d & S2_DESC_S2AP_W))
			printf("      DBM=1, S2AP read-only: writable-clean (VTCR_EL2.HD); "
			       "a read leaves it clean\n");
		if (nd != d)
			upd_set(w, a, d, nd, "VTCR_EL2.HA", "VTCR_EL2.HD");
		*pa = oa | (ipa & (size - 1));
		return true;
	}
	return false;
}

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
			  (s1_hd(w) && (d & DESC_DBM) ? 1 : 3);
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

/* An AArch32 EL1 walking short descriptors (TTBCR.EAE=0)? */
static bool sd_regs(const struct s2_mmu_regs *r)
{
	return !(r->hcr_el2 & HCR_EL2_RW) && !(r->tcr_el1 & TTBCR_EAE);
}

static uint32_t rd32(const struct sim_view *v, uint64_t pa)
{
	const void *p = s2_physmem_va(v->pm, pa, 4);
	uint32_t d = 0;

	if (p)
		memcpy(&d, p, sizeof(d));
	return d;
}

/*
 * Short-descriptor permissions in a Client domain (AArch32.CheckPermission):
 * AP[2:0] (AP[0] the Access flag with SCTLR.AFE=1), XN, PXN, SCTLR.WXN
 * and UWXN. Return: NULL when the access is allowed, else why not.
 */
static const char *sd_denied(const struct walk *w, unsigned int ap, bool xn, bool pxn)
{
	uint64_t sctlr = w->v->regs->sctlr_el1;
	unsigned int ap21 = (ap >> 1) & 3;
	bool simple = (sctlr & SCTLR_AFE) || (ap & 1);
	bool pr = simple || ap21, pw = simple ? !(ap & 4) : ap21 == 1;
	bool ur = ap & 2, uw = simple && ap21 == 1;
	bool wxn = sctlr & SCTLR_WXN, uwxn = sctlr & SCTLR_UWXN;

	switch (w->acc) {
	case S2_MMU_READ:
		if (w->el ? pr : ur)
			return NULL;
		return w->el ? "AP: no PL1 access" : "AP: no PL0 access";
	case S2_MMU_WRITE:
		if (w->el ? pw : uw)
			return NULL;
		if (w->el ? pr : ur)
			return w->el ? "AP: read-only at PL1" : "AP: read-only at PL0";
		return w->el ? "AP: no PL1 access" : "AP: no PL0 access";
	}
	if (!(w->el ? pr : ur))
		return w->el ? "AP: no PL1 access, so no execution"
			     : "PL0 executes only what it may read, and AP gives PL0 no access";
	if (xn)
		return "XN=1";
	if (w->el && pxn)
		return "PXN=1";
	if (wxn && (w->el ? pw : uw))
		return "SCTLR.WXN=1: writable memory never executes";
	if (w->el && uwxn && uw)
		return "SCTLR.UWXN=1: memory PL0 may write never executes at PL1";
	return NULL;
}

static const char *const dacr_names[4] = { "no access", "Client", "reserved",
					   "Manager" };

/*
 * The short-descriptor stage 1 of @va (AArch32.TranslationTableWalkSD,
 * then the domain and permission checks of AArch32.FirstStageTranslate),
 * each 32-bit descriptor read through its own stage-2 walk. Returns true
 * with the output IPA in *@ipa.
 */
static bool walk_sd(struct walk *w, uint32_t va, uint64_t *ipa)
{
	const struct s2_mmu_regs *r = w->v->regs;
	uint32_t ttbcr = (uint32_t)r->tcr_el1, ttbr, d, dipa, idx;
	unsigned int n = ttbcr & 7, dom, level = 1, ap, tex, dacr;
	bool pd, one = !n || !(va >> (32 - n)), xn, pxn, af_fault, fault;
	uint64_t dpa, size, oa;
	const char *kind, *denied = NULL;
	char what[200];
	int len;

	ttbr = (uint32_t)(one ? r->ttbr0_el1 : r->ttbr1_el1);
	pd = ttbcr & (one ? TTBCR_PD0 : TTBCR_PD1);
	if (!one)
		n = 0;   /* TTBR1 is walked as TTBR0 with N=0 */
	if (pd) {
		printf(" TTBR%d walks are disabled (TTBCR.PD%d=1): stage-1 translation "
		       "fault, level 1, no descriptor read\n", !one, !one);
		fault_at(w, S2_MMU_FAULT_TRANSLATION, 1, 1, false);
		snprintf(w->fault_what, sizeof(w->fault_what),
			 "stage-1 translation fault, level 1: TTBCR.PD%d=1", !one);
		return false;
	}
	idx = (va >> 20) & (0xfffu >> n);
	dipa = (ttbr & ~((1u << (14 - n)) - 1)) + idx * 4;
	printf(" stage 1 level 1 (TTBR%d, short descriptors): descriptor [%" PRIu32 "] at "
	       "IPA %#" PRIx32 ", its stage-2 walk:\n", !one, idx, dipa);
	if (!s2_walk(w, 1, dipa, S2_FOR_FETCH, &dpa))
		return false;
	d = rd32(w->v, dpa);
	if ((d & 3) == 0) {
		snprintf(what, sizeof(what), "L1 [%" PRIu32 "] invalid: stage-1 translation "
			 "fault, level 1 (section; to the guest)", idx);
		add(w, 1, -9, dpa, d, true, what);
		fault_at(w, S2_MMU_FAULT_TRANSLATION, 1, 1, false);
		snprintf(w->fault_what, sizeof(w->fault_what),
			 "stage-1 translation fault, level 1");
		return false;
	}
	if ((d & 3) == 1) {
		uint32_t l2 = d & 0xfffffc00u;

		dom = (d >> 5) & 0xf;
		pxn = d & 4;
		snprintf(what, sizeof(what), "L1 [%" PRIu32 "] page table -> IPA %#" PRIx32
			 " domain %u PXN=%d", idx, l2, dom, pxn);
		add(w, 1, -9, dpa, d, false, what);
		level = 2;
		idx = (va >> 12) & 0xff;
		dipa = l2 + idx * 4;
		printf(" stage 1 level 2: descriptor [%" PRIu32 "] at IPA %#" PRIx32
		       ", its stage-2 walk:\n", idx, dipa);
		if (!s2_walk(w, 2, dipa, S2_FOR_FETCH, &dpa))
			return false;
		d = rd32(w->v, dpa);
		if ((d & 3) == 0) {
			snprintf(what, sizeof(what), "L2 [%" PRIu32 "] invalid: stage-1 "
				 "translation fault, level 2 (page; to the guest)", idx);
			add(w, 2, -9, dpa, d, true, what);
			fault_at(w, S2_MMU_FAULT_TRANSLATION, 1, 2, false);
			snprintf(w->fault_what, sizeof(w->fault_what),
				 "stage-1 translation fault, level 2");
			return false;
		}
		ap = ((d >> 4) & 3) | ((d >> 7) & 4);
		if (d & 2) {
			kind = "small page";
			size = 1ULL << 12;
			xn = d & 1;
			tex = (d >> 6) & 7;
		} else {
			kind = "large page";
			size = 1ULL << 16;
			xn = (d >> 15) & 1;
			tex = (d >> 12) & 7;
		}
		oa = d & ~(uint32_t)(size - 1);
	} else {
		pxn = d & 1;
		ap = ((d >> 10) & 3) | ((d >> 13) & 4);
		tex = (d >> 12) & 7;
		xn = (d >> 4) & 1;
		if (d & (1u << 18)) {
			/* PA[39:36] in d[8:5], PA[35:32] in d[23:20]. */
			kind = "supersection";
			size = 1ULL << 24;
			dom = 0;
			oa = (d & 0xff000000u) | (uint64_t)((d >> 20) & 0xf) << 32 |
			     (uint64_t)((d >> 5) & 0xf) << 36;
			if (w->v->cpu->pa_bits < 64)
				oa &= (1ULL << w->v->cpu->pa_bits) - 1;
		} else {
			kind = "section";
			size = 1ULL << 20;
			dom = (d >> 5) & 0xf;
			oa = d & 0xfff00000u;
		}
	}
	*ipa = oa | (va & (size - 1));
	dacr = (unsigned int)(r->dacr32_el2 >> (2 * dom)) & 3;
	/* The walk's Access flag check, then the domain, then AP. */
	af_fault = (r->sctlr_el1 & SCTLR_AFE) && !(ap & 1);
	if (!af_fault && dacr == DACR_CLIENT)
		denied = sd_denied(w, ap, xn, pxn);
	fault = af_fault || dacr == DACR_NO_ACCESS || dacr == DACR_RESERVED || denied;
	len = snprintf(what, sizeof(what), "L%u [%" PRIu32 "] %s -> IPA %#" PRIx64
		       " domain %u (DACR: %s) AP[2:0]=%u%u%u TEX=%u C=%u B=%u S=%d nG=%d "
		       "XN=%d PXN=%d", level, idx, kind, oa, dom, dacr_names[dacr],
		       (ap >> 2) & 1, (ap >> 1) & 1, ap & 1, tex, (d >> 3) & 1, (d >> 2) & 1,
		       level == 2 ? (d >> 10) & 1 : (d >> 16) & 1,
		       level == 2 ? (d >> 11) & 1 : (d >> 17) & 1, xn, pxn);
	if (len > 0 && (size_t)len < sizeof(what) && fault)
		snprintf(what + len, sizeof(what) - (size_t)len, ": stage-1 %s fault",
			 af_fault ? "access flag" : denied ? "permission" : "domain");
	add(w, (int)level, -9, dpa, d, fault, what);
	if (!fault) {
		if (dacr == DACR_MANAGER)
			printf("      domain %u is a Manager: no permission check (AP, XN)\n", dom);
		return true;
	}
	if (af_fault) {
		fault_at(w, S2_MMU_FAULT_ACCESS_FLAG, 1, (int)level, false);
		snprintf(w->fault_what, sizeof(w->fault_what), "stage-1 access flag fault, "
			 "level %u: SCTLR.AFE=1 and AP[0]=0", level);
	} else if (!denied) {
		fault_at(w, S2_MMU_FAULT_DOMAIN, 1, (int)level, false);
		snprintf(w->fault_what, sizeof(w->fault_what), "stage-1 domain fault, "
			 "level %u: DACR gives domain %u %s", level, dom, dacr_names[dacr]);
	} else {
		printf("      %s at PL%u denied: %s\n", acc_names[w->acc], w->el, denied);
		fault_at(w, S2_MMU_FAULT_PERMISSION, 1, (int)level, false);
		snprintf(w->fault_what, sizeof(w->fault_what), "stage-1 permission fault, "
			 "level %u: %s", level, denied);
	}
	printf(" the walk stops here: a stage-1 fault is taken before stage 2 translates "
	       "the output IPA %#" PRIx64 "\n", *ipa);
	return false;
}

/* The 2D walk of @va; returns true with *@pa when it ends in a PA. */
static bool walk2d(struct walk *w, uint64_t va, bool mmu_on, uint64_t *pa)
{
	const struct sim_view *v = w->v;
	uint64_t table = v->regs->ttbr0_el1 & ((1ULL << 48) - 1) & ~1ULL, ipa = va;
	uint64_t tbl = 0;  /* APTable, UXNTable, PXNTable of the tables passed */

	if (mmu_on && sd_regs(v->regs)) {
		if (!walk_sd(w, (uint32_t)va, &ipa))
			return false;
	} else if (mmu_on) {
		for (int level = v->s1_start; level <= 3; level++) {
			unsigned int shift = v->s1_gshift + (unsigned)(3 - level) * v->s1_stride;
			uint64_t bits = level == v->s1_start ? v->s1_va_bits - shift : v->s1_stride;
			uint64_t idx = (va >> shift) & ((1ULL << bits) - 1);
			uint64_t dipa = table + idx * 8, dpa, d;
			char what[200];

			printf(" stage 1 level %d: descriptor [%" PRIu64 "] at IPA %#" PRIx64
			       ", its stage-2 walk:\n", level, idx, dipa);
			if (!s2_walk(w, level, dipa, S2_FOR_FETCH, &dpa))
				return false;
			d = af_rd(w, dpa);
			if (!(d & DESC_VALID) || (level == 3 && (d & 3) != 3)) {
				snprintf(what, sizeof(what), "L%d [%" PRIu64 "] invalid: stage-1 "
					 "translation fault, level %d (to the guest)", level, idx, level);
				add(w, level, -9, dpa, d, true, what);
				fault_at(w, S2_MMU_FAULT_TRANSLATION, 1, level, false);
				snprintf(w->fault_what, sizeof(w->fault_what),
					 "stage-1 translation fault, level %d", level);
				return false;
			}
			if (level < 3 && (d & 3) == DESC_TYPE_TABLE) {
				table = d & ((1ULL << 48) - 1) & ~((1ULL << v->s1_gshift) - 1);
				tbl |= d & (0x1fULL << 59);
				snprintf(what, sizeof(what), "L%d [%" PRIu64 "] table -> IPA %#" PRIx64,
					 level, idx, table);
				add(w, level, -9, dpa, d, false, what);
				continue;
			}
			uint64_t size = 1ULL << shift;
			uint64_t oa = d & ((1ULL << 48) - 1) & ~(size - 1);
			static const char *const ap[] = { "EL1 RW", "EL1+EL0 RW", "EL1 RO",
							  "EL1+EL0 RO" };
			/* AF=0 faults before permissions, unless TCR_EL1.HA. */
			bool af_fault = !(d & DESC_AF) && !s1_ha(w);
			const char *denied = af_fault ? NULL : s1_denied(w, d, tbl);
			int len;

			ipa = oa | (va & (size - 1));
			len = snprintf(what, sizeof(what),
				       "L%d [%" PRIu64 "] %s -> IPA %#" PRIx64 " AttrIndx=%u AP=%s "
				       "SH=%s AF=%d nG=%d PXN=%d UXN=%d", level, idx,
				       level == 3 ? "page" : "block", oa,
				       (unsigned)((d >> S1_DESC_ATTRINDX_SHIFT) & 7),
				       ap[(d >> S1_DESC_AP_SHIFT) & 3], sh_name(d), !!(d & DESC_AF),
				       !!(d & S1_DESC_NG), !!(d & S1_DESC_PXN), !!(d & S1_DESC_UXN));
			if (len > 0 && (size_t)len < sizeof(what) && (d & DESC_DBM))
				len += snprintf(what + len, sizeof(what) - (size_t)len, " DBM=1");
			if (len > 0 && (size_t)len < sizeof(what) && (af_fault || denied))
				snprintf(what + len, sizeof(what) - (size_t)len,
					 ": stage-1 %s fault", denied ? "permission"
								      : "access flag");
			add(w, level, -9, dpa, d, af_fault || denied, what);
			if (af_fault || denied) {
				/*
				 * AArch64.S1Translate reports the fault: the
				 * output IPA never reaches stage 2.
				 */
				if (denied)
					printf("      %s at EL%u denied: %s\n", acc_names[w->acc],
					       w->el, denied);
				printf(" the walk stops here: a stage-1 fault is taken before "
				       "stage 2 translates the output IPA %#" PRIx64 "\n", ipa);
				fault_at(w, denied ? S2_MMU_FAULT_PERMISSION
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
			bool clean = s1_hd(w) && (d & DESC_DBM) &&
				     (d & (S1_DESC_AP_RO_EL1 << S1_DESC_AP_SHIFT));

			if (clean && w->acc == S2_MMU_WRITE)
				nd &= ~(S1_DESC_AP_RO_EL1 << S1_DESC_AP_SHIFT);
			else if (clean)
				printf("      DBM=1, AP[2]=1: writable-clean (TCR_EL1.HD); "
				       "a %s leaves it clean\n", acc_names[w->acc]);
			if (nd != d) {
				printf("      the CPU updates it: a write at IPA %#" PRIx64
				       ", its stage-2 walk:\n", dipa);
				w->tte_walk = true;
				if (!s2_walk(w, level, dipa, S2_FOR_UPDATE, &upa)) {
					w->tte_walk = false;
					return false;
				}
				w->tte_walk = false;
				upd_set(w, dpa, d, nd, "TCR_EL1.HA", "TCR_EL1.HD");
			}
			break;
		}
	}
	printf(" %s IPA %#" PRIx64 ", its stage-2 walk:\n", mmu_on ? "output" : "input",
	       ipa);
	return s2_walk(w, ROW_FINAL, ipa, S2_FOR_ACCESS, pa);
}

/*
 * The SVG's text is monospace: each character advances 0.6 em in the
 * common monospace fonts (DejaVu Sans Mono, Liberation Mono, Courier), so
 * a text's width is its length times 0.6 times its font size, and every
 * box is sized from the texts it holds. A descriptor's decoding is
 * wrapped at spaces into lines of at most SVG_WRAP characters.
 */
#define SVG_PAD 6            /* inside a box, each side */
#define SVG_GAP 6            /* between boxes */
#define SVG_WRAP 44
#define SVG_LINES 8
#define SVG_LINE_H 11        /* a 9-pixel decoding line */

static int svg_text_w(size_t len, int size)
{
	return (int)((len * (size_t)size * 3 + 4) / 5);  /* 0.6 em, rounded up */
}

struct svg_lines {
	int n;
	struct { int off, len; } l[SVG_LINES];
};

/* Wrap @s at spaces; a word longer than a line keeps a line of its own. */
static void svg_wrap(const char *s, struct svg_lines *out)
{
	int len = (int)strlen(s), start = 0;

	out->n = 0;
	while (start < len) {
		int end = len;

		if (len - start > SVG_WRAP && out->n < SVG_LINES - 1) {
			end = start + SVG_WRAP;
			while (end > start && s[end] != ' ')
				end--;
			if (end == start)
				for (end = start + SVG_WRAP; end < len && s[end] != ' '; end++)
					;
		}
		out->l[out->n].off = start;
		out->l[out->n].len = end - start;
		out->n++;
		for (start = end; s[start] == ' '; start++)
			;
	}
}

/* @len characters of @s as XML character data. */
static void svg_put(FILE *f, const char *s, size_t len)
{
	for (size_t i = 0; i < len && s[i]; i++) {
		switch (s[i]) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '\'': fputs("&apos;", f); break;
		default: fputc(s[i], f);
		}
	}
}

static void svg_textf(FILE *f, int x, int y, const char *attrs, const char *s, size_t len)
{
	fprintf(f, "<text x='%d' y='%d'%s>", x, y, attrs);
	svg_put(f, s, len);
	fputs("</text>\n", f);
}

static int svg(const char *path, const struct walk *w, const struct sim_view *v,
	       bool mmu_on, const char *title)
{
	const struct s2_geom *g = v->g;
	int rows[8], nrows = 0, cols, x0 = 0, y0 = 70, ch, width, height, maxl = 1;
	int colw[8], colx[8];
	struct svg_lines lines[MAX_STEPS];
	char head[8][24], label[8][24], addr[MAX_STEPS][24], foot[160];
	FILE *f;

	if (mmu_on)
		for (int l = v->s1_start; l <= 3; l++)
			rows[nrows++] = l;
	rows[nrows++] = ROW_FINAL;
	cols = (S2_LEVEL_MAX - g->start_level + 1) + (mmu_on ? 1 : 0);
	/* Each column as wide as its widest text: header, address, value, decoding. */
	for (int c = 0; c < cols; c++) {
		if (mmu_on && c == cols - 1)
			snprintf(head[c], sizeof(head[c]), "stage-1 descriptor");
		else
			snprintf(head[c], sizeof(head[c]), "stage 2 L%d", g->start_level + c);
		colw[c] = SVG_PAD + svg_text_w(strlen(head[c]), 11) + SVG_PAD;
	}
	for (int i = 0; i < w->n; i++) {
		const struct step *s = &w->steps[i];
		int c = s->col == -9 ? cols - 1 : s->col - g->start_level, need;

		svg_wrap(s->what, &lines[i]);
		if (lines[i].n > maxl)
			maxl = lines[i].n;
		snprintf(addr[i], sizeof(addr[i]), "PA %#" PRIx64, s->addr);
		/* The step's number (16-pixel, two digits at most) then its address. */
		need = 32 + svg_text_w(strlen(addr[i]), 11);
		if (need < SVG_PAD + svg_text_w(18, 11))
			need = SVG_PAD + svg_text_w(18, 11);
		for (int k = 0; k < lines[i].n; k++)
			if (need < SVG_PAD + svg_text_w((size_t)lines[i].l[k].len, 9))
				need = SVG_PAD + svg_text_w((size_t)lines[i].l[k].len, 9);
		if (colw[c] < need + SVG_PAD)
			colw[c] = need + SVG_PAD;
	}
	/* The stage-2 columns alike, a grid: the widest one's width. */
	for (int c = 1; c < cols - (mmu_on ? 1 : 0); c++)
		if (colw[0] < colw[c])
			colw[0] = colw[c];
	for (int c = 1; c < cols - (mmu_on ? 1 : 0); c++)
		colw[c] = colw[0];
	for (int r = 0; r < nrows; r++) {
		int lw;

		if (rows[r] == ROW_FINAL)
			snprintf(label[r], sizeof(label[r]), "%s", mmu_on ? "output IPA" : "IPA");
		else
			snprintf(label[r], sizeof(label[r]), "stage 1 L%d", rows[r]);
		lw = 8 + svg_text_w(strlen(label[r]), 11) + 12;
		if (x0 < lw)
			x0 = lw;
	}
	for (int c = 0; c < cols; c++)
		colx[c] = c ? colx[c - 1] + colw[c - 1] + SVG_GAP : x0;
	/* Number and address, the value, then the decoding's lines. */
	ch = 54 + (maxl - 1) * SVG_LINE_H + 8 + SVG_GAP;
	snprintf(foot, sizeof(foot), "%d descriptor reads. Blue: stage-2 descriptors, "
		 "green: stage-1 descriptors, red: the fault.", w->reads);
	width = colx[cols - 1] + colw[cols - 1] + 20;
	if (width < 10 + svg_text_w(strlen(title), 15) + 10)
		width = 10 + svg_text_w(strlen(title), 15) + 10;
	if (width < 10 + svg_text_w(strlen(foot), 12) + 10)
		width = 10 + svg_text_w(strlen(foot), 12) + 10;
	height = y0 + nrows * ch + 40;

	f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "s2mm explain: cannot write %s\n", path);
		return 2;
	}
	fprintf(f, "<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' "
		   "font-family='monospace' font-size='11'>\n", width, height);
	fprintf(f, "<rect width='100%%' height='100%%' fill='white'/>\n");
	svg_textf(f, 10, 22, " font-size='15' font-weight='bold'", title, strlen(title));
	for (int c = 0; c < cols; c++)
		svg_textf(f, colx[c] + SVG_PAD, y0 - 10, " font-weight='bold'", head[c],
			  strlen(head[c]));
	for (int r = 0; r < nrows; r++) {
		svg_textf(f, 8, y0 + r * ch + ch / 2, " font-weight='bold'", label[r],
			  strlen(label[r]));
		for (int c = 0; c < cols; c++)
			fprintf(f, "<rect x='%d' y='%d' width='%d' height='%d' fill='#f4f4f4' "
				   "stroke='#ccc'/>\n", colx[c], y0 + r * ch, colw[c], ch - SVG_GAP);
	}
	for (int i = 0; i < w->n; i++) {
		const struct step *s = &w->steps[i];
		int r = 0, c;
		char num[12], val[24];

		while (r < nrows && rows[r] != s->row)
			r++;
		c = s->col == -9 ? cols - 1 : s->col - g->start_level;
		int x = colx[c], y = y0 + r * ch;
		const char *fill = s->fault ? "#f6b0b0" : s->col == -9 ? "#b9e4b9" : "#b8d4f0";

		fprintf(f, "<rect x='%d' y='%d' width='%d' height='%d' fill='%s' stroke='#555'/>\n",
			x, y, colw[c], ch - SVG_GAP, fill);
		snprintf(num, sizeof(num), "%d", i + 1);
		snprintf(val, sizeof(val), "%#018" PRIx64, s->val);
		svg_textf(f, x + SVG_PAD, y + 20, " font-size='16' font-weight='bold'", num,
			  strlen(num));
		svg_textf(f, x + 32, y + 18, "", addr[i], strlen(addr[i]));
		svg_textf(f, x + SVG_PAD, y + 38, "", val, strlen(val));
		for (int k = 0; k < lines[i].n; k++)
			svg_textf(f, x + SVG_PAD, y + 54 + k * SVG_LINE_H, " font-size='9'",
				  s->what + lines[i].l[k].off, (size_t)lines[i].l[k].len);
	}
	svg_textf(f, 10, height - 14, " font-size='12'", foot, strlen(foot));
	fprintf(f, "</svg>\n");
	if (fclose(f)) {
		fprintf(stderr, "s2mm explain: cannot write %s\n", path);
		return 2;
	}
	return 0;
}


/*
 * The Contiguous runs the leaves of @res belong to (Arm ARM D8.6.1, "The
 * Contiguous bit"), the TLB entry they allow, and whether a TLB filling
 * it finds the run misprogrammed.
 */
static void print_contig(const struct sim_view *v, const struct s2_mmu_access *a,
			 bool mmu_on, const struct s2_mmu_result *res)
{
	static const char *const st[2] = { "stage-1", "stage-2" };
	unsigned int run[2] = { res->s1_shift, res->s2_shift }, shift;
	uint64_t in[2] = { a->va, res->ipa }, out[2] = { res->ipa, res->pa };
	int lvl[2] = { res->s1_level, res->s2_level };
	struct s2_tlb_entry ent[4];
	struct s2_tlb tlb;
	struct s2_mmu_result r;

	for (int i = 0; i < 2; i++) {
		if (!(res->contig & (S2_MMU_CONTIG_S1 << i)))
			continue;
		run[i] = s2_mmu_contig_shift(lvl[i], i ? res->s2_shift : res->s1_shift);
		uint64_t m = (1ULL << run[i]) - 1;
		printf("  contiguous: the %s leaf (level %d) is one of a run of %llu with the "
		       "hint: %s [%#" PRIx64 ", %#" PRIx64 "] -> %s [%#" PRIx64 ", %#" PRIx64 "]\n",
		       st[i], lvl[i],
		       1ULL << (run[i] - (i ? res->s2_shift : res->s1_shift)),
		       i ? "IPA" : "VA", in[i] & ~m, (in[i] | m),
		       i || !mmu_on ? "PA" : "IPA", out[i] & ~m, out[i] | m);
	}
	shift = run[0] < run[1] ? run[0] : run[1];
	uint64_t mask = ((uint64_t)1 << shift) - 1;
	printf("  contiguous: one TLB entry may hold %s [%#" PRIx64 ", %#" PRIx64 "] "
	       "(the smaller of both stages)\n", mmu_on ? "VA" : "IPA",
	       a->va & ~mask, a->va | mask);
	/* A TLB fill checks the runs: is any misprogrammed? */
	if (s2_tlb_init(&tlb, ent, 1, 4) ||
	    s2_tlb_translate(&tlb, v->mem, v->cpu, v->regs, a, &r))
		return;
	if (r.contig & S2_MMU_CONTIG_BAD)
		printf("  contiguous: MISPROGRAMMED run (entries differ in output, attributes, "
		       "permissions or the hint): CONSTRAINED UNPREDICTABLE\n");
}
/*
 * PAR_EL1 from the AT instruction for the access: AT S12E<el>R or W.
 * AArch64 has no AT for an instruction fetch: a fetch gets the read's,
 * which checks read permission and not execute, so the line says so and
 * whether the read's result is the fetch's.
 */
static void print_par(unsigned int acc, unsigned int el, uint64_t par,
		      const struct s2_mmu_result *at, const struct s2_mmu_result *res)
{
	char what[120];
	bool same;

	if (acc != S2_MMU_EXEC) {
		printf("  PAR_EL1 %#018" PRIx64 " (AT S12E%u%c)\n", par, el,
		       acc == S2_MMU_WRITE ? 'W' : 'R');
		return;
	}
	if (at->fault.type)
		fault_text(what, sizeof(what), &at->fault);
	else
		snprintf(what, sizeof(what), "PA %#" PRIx64, at->pa);
	same = at->fault.type ? same_fault(&at->fault, &res->fault)
			      : !res->fault.type && at->pa == res->pa;
	printf("  PAR_EL1 %#018" PRIx64 " (AT S12E%uR, a read: AArch64 has no AT for "
	       "instruction fetches, and a read checks read permission, not execute;\n"
	       "    the read gives %s, %s)\n", par, el, what,
	       same ? "as the fetch does" : "not the fetch's result above");
}

/* Which leaves the model's walk made dirty, and which it left writable-clean. */
static void print_dirty(const struct s2_mmu_result *res)
{
	static const char *const who[3] = { "the stage-1 leaf", "the final stage-2 leaf",
					    "stage-2 leaves of stage-1 tables" };
	const char *sep = "";

	if (res->dirty & 7) {
		printf("  the CPU made dirty (the model's walk):");
		for (int i = 0; i < 3; i++)
			if (res->dirty & (1u << i)) {
				printf("%s %s", sep, who[i]);
				sep = ",";
			}
		printf("\n");
	}
	if (res->dirty & (S2_MMU_CLEAN_S1 | S2_MMU_CLEAN_S2))
		printf("  writable-clean (a TLB holds it read-only until a write makes it "
		       "dirty): %s%s%s\n", res->dirty & S2_MMU_CLEAN_S1 ? who[0] : "",
		       (res->dirty & S2_MMU_CLEAN_S1) && (res->dirty & S2_MMU_CLEAN_S2) ? ", " : "",
		       res->dirty & S2_MMU_CLEAN_S2 ? who[1] : "");
}

int cmd_explain(int argc, char **argv)
{
	static const struct option opts[] = {
		REPORT_LONGOPTS,
		{ "write", 0, 0, OPT_WRITE }, { "exec", 0, 0, OPT_EXEC },
		{ "el", 1, 0, OPT_EL }, { "state", 1, 0, OPT_STATE },
		{ "svg", 1, 0, OPT_SVG }, { "help", 0, 0, 'h' }, { 0, 0, 0, 0 },
	};
	struct sim_config cfg = sim_defaults;
	struct report rep = { .command = "explain" };
	enum state state = ST_MAPPED;
	unsigned int acc = S2_MMU_READ, el = 0;
	const char *svg_path = NULL;
	struct sim *s = NULL;
	char err[256] = "";
	uint64_t va;
	int c, r, ret = 2;

	cfg.tlb_entries = 64;
	cfg.utlb = false;
	cfg.vm_mem = 64ULL << 20;
	/* 0 until --va-bits is given: an AArch32 stage 1 takes 32 only. */
	cfg.va_bits = 0;
	while ((c = report_getopt(argc, argv, opts, &cfg, &rep)) != -1) {
		switch (c) {
		case 'h':
			explain_usage(stdout);
			return 0;
		case OPT_WRITE:
			acc = S2_MMU_WRITE;
			break;
		case OPT_EXEC:
			acc = S2_MMU_EXEC;
			break;
		case OPT_EL:
			if (strcmp(optarg, "0") && strcmp(optarg, "1")) {
				fprintf(stderr, "s2mm explain: --el '%s': expected 0 or 1\n", optarg);
				return 2;
			}
			el = (unsigned int)(optarg[0] - '0');
			break;
		case OPT_STATE: {
			unsigned int i;

			for (i = 0; i < 6 && strcmp(optarg, state_names[i]); i++)
				;
			if (i == 6) {
				fprintf(stderr, "s2mm explain: --state '%s': expected mapped, cold, "
						"unmapped, dirty, mmu-off or old\n", optarg);
				return 2;
			}
			state = (enum state)i;
			break;
		}
		case OPT_SVG:
			svg_path = optarg;
			break;
		default: /* report_getopt() said why */
			return 2;
		}
	}
	if (optind != argc - 1 || !parse_u64(argv[optind], &va)) {
		fprintf(stderr, "s2mm explain: expected one ADDRESS (e.g. 0x400123)\n"
				"Try 's2mm explain --help'.\n");
		return 2;
	}
	if (cfg.cpus != 1 || cfg.vms != 1 || cfg.vcpus != 1) {
		fprintf(stderr, "s2mm explain: one VM on one CPU\n");
		return 2;
	}
	if (sim_config_check(&cfg, err, sizeof(err))) {
		fprintf(stderr, "s2mm explain: %s\n", err);
		return 2;
	}
	if (sim_create(&s, &cfg, err, sizeof(err))) {
		fprintf(stderr, "s2mm explain: %s\n", err);
		return 2;
	}
	struct sim_vcpu *vc = sim_vcpu(s, 0, 0);
	struct sim_view v;
	bool mmu_on = state != ST_MMU_OFF;
	uint64_t limit = mmu_on ? 1ULL << sim_va_bits(s)
				: sim_ram_ipa(s) + cfg.vm_mem;

	if (va >= limit || (!mmu_on && va < sim_ram_ipa(s))) {
		if (!mmu_on)
			fprintf(stderr, "s2mm explain: address %#" PRIx64 " outside guest RAM "
					"(IPA 0x40000000 + --vm-mem)\n", va);
		else
			fprintf(stderr, "s2mm explain: address %#" PRIx64 " outside the guest's "
					"%u-bit VA space (%s)\n", va, sim_va_bits(s),
				sim_s1_is_a32(cfg.s1_format) ? "--s1-format" : "--va-bits");
		goto out;
	}
	if (sim_schedule(s, 0, vc) || (mmu_on && sim_mmu_enable(s, vc)))
		goto sim_err;
	/* The guest touches the address (a read at EL0; EL1 with the MMU off). */
	if (sim_access(s, 0, va, S2_MMU_READ))
		goto sim_err;
	sim_view(s, 0, &v);
	if (state == ST_COLD && sim_host_unmap(s, 0, sim_ram_ipa(s), v.ram_size))
		goto sim_err;
	if (state == ST_OLD && sim_host_age(s, 0, sim_ram_ipa(s), v.ram_size))
		goto sim_err;
	if (state == ST_UNMAPPED) {
		struct s2_mmu_result res;
		struct s2_mmu_access a = { .va = va, .acc = S2_MMU_READ, .el = 0 };
		uint64_t gsz = cfg.granule;

		s2_mmu_translate(v.mem, v.cpu, v.regs, &a, &res);
		if (sim_host_unmap(s, 0, res.ipa & ~(gsz - 1), gsz))
			goto sim_err;
	}
	if (state == ST_DIRTY && sim_dirty_log_start(s, 0))
		goto sim_err;
	sim_view(s, 0, &v);

	struct walk *w = calloc(1, sizeof(*w));
	struct s2_mmu_result res, at_res;
	struct s2_mmu_access a = { .va = va, .acc = (uint8_t)acc, .el = (uint8_t)el };
	uint64_t pa = 0, par = 0;
	char steps[120], model[120];
	bool ok;

	if (!w)
		goto out;
	w->v = &v;
	w->acc = acc;
	w->el = el;
	printf("s2mm explain: %s %#" PRIx64 " (%s at EL%u), guest MMU %s, state %s\n",
	       mmu_on ? "VA" : "IPA", va, acc_names[acc], el, mmu_on ? "on" : "off",
	       state_names[state]);
	printf("  VTTBR_EL2 %#018" PRIx64 "  VTCR_EL2 %#" PRIx64 "  HCR_EL2 %#" PRIx64 "\n",
	       v.regs->vttbr_el2, v.regs->vtcr_el2, v.regs->hcr_el2);
	if (mmu_on && sd_regs(v.regs))
		printf("  TTBR0 %#010" PRIx64 "  TTBCR %#" PRIx64 "  SCTLR %#" PRIx64
		       "  DACR %#010" PRIx64 "  CONTEXTIDR %#" PRIx64 "  PRRR/NMRR %#" PRIx64
		       "\n", v.regs->ttbr0_el1, v.regs->tcr_el1, v.regs->sctlr_el1,
		       v.regs->dacr32_el2, v.regs->contextidr_el1, v.regs->mair_el1);
	else if (mmu_on)
		printf("  TTBR0_EL1 %#018" PRIx64 "  TCR_EL1 %#" PRIx64 "  SCTLR_EL1 %#" PRIx64
		       "  MAIR_EL1 %#" PRIx64 "\n", v.regs->ttbr0_el1, v.regs->tcr_el1,
		       v.regs->sctlr_el1, v.regs->mair_el1);
	printf("  stage 2: %uK granule, %u-bit IPA, start level %d, %u concatenated root "
	       "table(s)%s\n", 1u << (v.g->granule_shift - 10), v.g->ipa_bits,
	       v.g->start_level, v.g->concat, cfg.blocks ? "" : ", no blocks");
	if (mmu_on && sd_regs(v.regs))
		printf("  stage 1: AArch32 short descriptors (TTBCR.EAE=0, N=%u): level 1 "
		       "sections (1M), supersections (16M) or page tables, level 2 large "
		       "(64K) and small (4K) pages\n", (unsigned)(v.regs->tcr_el1 & 7));
	else if (mmu_on)
		printf("  stage 1: %uK granule, %u-bit VA, start level %d\n",
		       1u << (v.s1_gshift - 10), v.s1_va_bits, v.s1_start);
	ok = walk2d(w, va, mmu_on, &pa);

	/*
	 * The model's verdict (a fresh walk, as AT does), and PAR_EL1 from
	 * the AT instruction whose permission check is the access's (a
	 * fetch: the read's, print_par() says why).
	 */
	if (mmu_on)
		r = s2_mmu_translate(v.mem, v.cpu, v.regs, &a, &res);
	else
		r = s2_mmu_translate_s2(v.mem, v.cpu, v.regs, &a, &res);
	if (!r)
		r = s2_mmu_at(v.mem, v.cpu, v.regs,
			      acc == S2_MMU_WRITE ? (el ? S2_MMU_AT_S12E1W : S2_MMU_AT_S12E0W)
						  : (el ? S2_MMU_AT_S12E1R : S2_MMU_AT_S12E0R),
			      va, &par, &at_res);
	if (r) {
		fprintf(stderr, "s2mm explain: the model refused the walk: %s\n", s2_strerror(r));
		free(w);
		goto out;
	}
	ret = 0;
	if (!res.fault.type) {
		printf(" result: PA %#" PRIx64 " (%s)\n", res.pa,
		       res.pa - v.ram_pa < v.ram_size ? "inside the VM's RAM" : "OUTSIDE the VM's RAM");
		printf("  %u descriptor reads here, %u by the model\n", w->reads, res.desc_reads);
		if (res.contig)
			print_contig(&v, &a, mmu_on, &res);
		if (res.af_set) {
			static const char *const who[3] = { "the stage-1 leaf",
							    "the final stage-2 leaf",
							    "stage-2 leaves of stage-1 tables" };
			const char *sep = "";

			printf("  the CPU set AF (the model's walk):");
			for (int i = 0; i < 3; i++)
				if (res.af_set & (1u << i)) {
					printf("%s %s", sep, who[i]);
					sep = ",";
				}
			printf("\n");
		}
		print_dirty(&res);
		/* With the MMU off, AT's: stage 1's are then the access's own
		 * (AArch64.S1DisabledOutput), which stage 2 alone does not know. */
		printf("  memory: attributes 0x%02x (MAIR format), shareability %u, stage 1 "
		       "and stage 2 combined%s\n", mmu_on ? res.attr : at_res.attr,
		       mmu_on ? res.sh : at_res.sh, fwb_on(w) ? " under HCR_EL2.FWB" : "");
		print_par(acc, el, par, &at_res, &res);
	} else {
		const struct s2_mmu_fault *f = &res.fault;
		static const struct s2_mmu_insn ldr = { .isv = true, .sas = ESR_SAS_DOUBLE,
							.srt = 1, .sf = true };
		uint64_t esr = 0, hpfar = 0;

		s2_mmu_esr(f, &ldr, &esr);
		printf(" result: stage-%u %s fault, level %d%s (taken to EL%u)\n", f->stage,
		       s2_mmu_fault_name(f->type), f->level, f->s1ptw ? ", on a stage-1 walk (S1PTW)" : "",
		       s2_mmu_fault_target_el(f));
		if (f->stage == 1 && mmu_on && sd_regs(v.regs))
			/* An AArch32 EL1 with short descriptors reads the short FSR. */
			printf("  %s %#06" PRIx32 " (FS %#x, short-descriptor format)  %s %#"
			       PRIx64, acc == S2_MMU_EXEC ? "IFSR" : "DFSR", s2_mmu_fsr_sd(&res),
			       (unsigned)((s2_mmu_fsr_sd(&res) & 0xf) |
					  ((s2_mmu_fsr_sd(&res) >> 6) & 0x10)),
			       acc == S2_MMU_EXEC ? "IFAR" : "DFAR", s2_mmu_far(f));
		else
			printf("  ESR_EL%u %#010" PRIx64 " (EC %#x, FSC %#x)  FAR %#" PRIx64,
			       s2_mmu_fault_target_el(f), esr,
			       (unsigned)((esr >> ESR_ELx_EC_SHIFT) & 0x3f), s2_mmu_fsc(f),
			       s2_mmu_far(f));
		if (f->stage == 2 && !s2_mmu_hpfar(f, &hpfar))
			printf("  HPFAR_EL2 %#" PRIx64 "%s (IPA %#" PRIx64 ")", hpfar,
			       s2_mmu_hpfar_valid(f) ? "" : " [UNKNOWN architecturally]", f->ipa);
		printf("\n  %u descriptor reads here, %u by the model\n", w->reads, res.desc_reads);
		if (f->s1ptw && f->tte_update)
			printf("  on the CPU's update of the stage-1 descriptor: a write "
			       "(ESR WnR=1)\n");
		print_dirty(&res);
		print_par(acc, el, par, &at_res, &res);
		printf("  steps: %s\n", w->fault_what);
	}
	/* The steps above and the model must agree: the fault, or the PA. */
	if (!same_fault(&w->f, &res.fault) || (ok && pa != res.pa)) {
		fault_text(model, sizeof(model), &res.fault);
		if (ok)
			snprintf(steps, sizeof(steps), "PA %#" PRIx64, pa);
		else
			fault_text(steps, sizeof(steps), &w->f);
		if (!res.fault.type)
			snprintf(model, sizeof(model), "PA %#" PRIx64, res.pa);
		printf("  MISMATCH: the steps above give %s, the model %s\n", steps, model);
		ret = 1;
	}
	if (svg_path) {
		char title[200];

		if (!res.fault.type)
			snprintf(title, sizeof(title), "%s %#" PRIx64 " -> PA %#" PRIx64 " (%d reads)",
				 mmu_on ? "VA" : "IPA", va, res.pa, w->reads);
		else
			snprintf(title, sizeof(title), "%s %#" PRIx64 " (%s at EL%u): stage-%u %s "
				 "fault, level %d%s", mmu_on ? "VA" : "IPA", va, acc_names[acc], el,
				 res.fault.stage, s2_mmu_fault_name(res.fault.type),
				 res.fault.level, res.fault.s1ptw ? " (S1PTW)" : "");
		r = svg(svg_path, w, &v, mmu_on, title);
		if (r)
			ret = r;
		else
			printf(" picture: %s\n", svg_path);
	}
	free(w);
	goto out;
sim_err:
	fprintf(stderr, "s2mm explain: %s\n", sim_error(s));
	ret = 2;
out:
	sim_destroy(s);
	return ret;
}

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
 * value and decoded fields. The steps are read here from simulated memory
 * for display; the verdict (PA or fault, ESR/HPFAR/PAR) is the MMU model's
 * own (s2_mmu_translate, s2_mmu_at), and the two are cross-checked.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <s2mm/arch.h>
#include <s2mm/error.h>
#include <s2mm/geometry.h>

#include "cli.h"
#include "report.h"
#include "sim.h"

enum { OPT_WRITE = OPT_CMD_BASE, OPT_EXEC, OPT_EL, OPT_STATE, OPT_SVG };

enum state { ST_MAPPED, ST_COLD, ST_UNMAPPED, ST_DIRTY, ST_MMU_OFF };
static const char *const state_names[] = { "mapped", "cold", "unmapped", "dirty",
					   "mmu-off" };

#define MAX_STEPS 64
#define ROW_FINAL 100

struct step {
	int row;          /* stage-1 level, or ROW_FINAL for the final IPA */
	int col;          /* stage-2 level, or -9 for the stage-1 descriptor */
	uint64_t addr, val;
	bool fault;
	char what[160];
};

struct walk {
	const struct sim_view *v;
	struct step steps[MAX_STEPS];
	int n;
	bool fault;
	char fault_what[160];
};

static void explain_usage(FILE *out)
{
	fprintf(out,
		"usage: s2mm explain [options] ADDRESS\n\n"
		"Shows the 2D walk of ADDRESS (a guest VA; an IPA with --state mmu-off):\n"
		"each stage-1 descriptor fetch with its own stage-2 walk, every\n"
		"descriptor read (address, value, decoded fields), and the final PA or\n"
		"the fault with ESR_EL2/FAR/HPFAR_EL2 and PAR_EL1 (AT S12E1R/W).\n\n"
		"  --state mapped      the guest touched ADDRESS first (default)\n"
		"  --state cold        ...then the host unmapped all its RAM: the walk\n"
		"                      faults in stage 2 on a stage-1 table (S1PTW)\n"
		"  --state unmapped    ...then the host unmapped the data page only\n"
		"  --state dirty       ...then dirty logging started (try --write)\n"
		"  --state mmu-off     the guest MMU is off: stage 2 alone\n"
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

	if (w->n == MAX_STEPS)
		return;
	s = &w->steps[w->n++];
	*s = (struct step){ .row = row, .col = col, .addr = addr, .val = val,
			    .fault = fault };
	snprintf(s->what, sizeof(s->what), "%s", what);
	printf("  %2d  %-6s PA %#014" PRIx64 "  = %#018" PRIx64 "  %s\n", w->n,
	       col == -9 ? "S1" : "S2", addr, val, what);
}

static const char *sh_name(uint64_t d)
{
	static const char *const n[] = { "NS", "res", "OS", "IS" };

	return n[(d >> DESC_SH_SHIFT) & 3];
}

/* Stage-2 walk of @ipa, recorded in @row. Return: true with *@pa. */
static bool s2_walk(struct walk *w, int row, uint64_t ipa, uint64_t *pa)
{
	const struct s2_geom *g = w->v->g;
	uint64_t table = w->v->regs->vttbr_el2 & VTTBR_EL2_BADDR_MASK &
			 ~((uint64_t)g->root_size - 1);
	char what[160];

	for (int level = g->start_level; level <= S2_LEVEL_MAX; level++) {
		unsigned int shift = s2_geom_level_shift(g, level);
		uint64_t idx = level == g->start_level
				       ? (ipa >> shift) & (g->root_entries - 1)
				       : (ipa >> shift) & ((1ULL << g->stride) - 1);
		uint64_t a = table + idx * 8, d = rd(w->v, a);

		if (!(d & DESC_VALID) || (level == S2_LEVEL_MAX && (d & 3) != 3)) {
			snprintf(what, sizeof(what), "L%d [%" PRIu64 "] invalid: stage-2 "
				 "translation fault, level %d", level, idx, level);
			add(w, row, level, a, d, true, what);
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

		snprintf(what, sizeof(what),
			 "L%d [%" PRIu64 "] %" PRIu64 "%c %s -> PA %#" PRIx64 " S2AP=%s MemAttr=%#x "
			 "SH=%s AF=%d XN=%d", level, idx,
			 size >> (size >= (1ULL << 30) ? 30 : size >= (1ULL << 20) ? 20 : 10),
			 size >= (1ULL << 30) ? 'G' : size >= (1ULL << 20) ? 'M' : 'K',
			 level == S2_LEVEL_MAX ? "page" : "block", oa,
			 ap[(d >> S2_DESC_S2AP_SHIFT) & 3], (unsigned)((d >> 2) & 0xf),
			 /* LPA2 (DS): bits [9:8] hold OA[51:50], SH is VTCR_EL2.SH0. */
			 g->ds ? sh_name((uint64_t)S2_FIELD_GET(VTCR_EL2_SH0,
								w->v->regs->vtcr_el2)
					 << DESC_SH_SHIFT)
			       : sh_name(d),
			 !!(d & DESC_AF), !!(d & S2_DESC_XN));
		add(w, row, level, a, d, !(d & DESC_AF), what);
		if (!(d & DESC_AF))
			return false;
		*pa = oa | (ipa & (size - 1));
		return true;
	}
	return false;
}

/* The 2D walk of @va; returns true with *@pa when no translation fault. */
static bool walk2d(struct walk *w, uint64_t va, bool mmu_on, uint64_t *pa)
{
	const struct sim_view *v = w->v;
	uint64_t table = v->regs->ttbr0_el1 & ((1ULL << 48) - 1) & ~1ULL, ipa = va;

	if (mmu_on) {
		for (int level = v->s1_start; level <= 3; level++) {
			unsigned int shift = v->s1_gshift + (unsigned)(3 - level) * v->s1_stride;
			uint64_t bits = level == v->s1_start ? v->s1_va_bits - shift : v->s1_stride;
			uint64_t idx = (va >> shift) & ((1ULL << bits) - 1);
			uint64_t dipa = table + idx * 8, dpa, d;
			char what[160];

			printf(" stage 1 level %d: descriptor [%" PRIu64 "] at IPA %#" PRIx64
			       ", its stage-2 walk:\n", level, idx, dipa);
			if (!s2_walk(w, level, dipa, &dpa)) {
				w->fault = true;
				snprintf(w->fault_what, sizeof(w->fault_what),
					 "stage-2 fault on the stage-1 table walk (S1PTW), "
					 "stage-1 level %d", level);
				return false;
			}
			d = rd(v, dpa);
			if (!(d & DESC_VALID) || (level == 3 && (d & 3) != 3)) {
				snprintf(what, sizeof(what), "L%d [%" PRIu64 "] invalid: stage-1 "
					 "translation fault, level %d (to the guest)", level, idx, level);
				add(w, level, -9, dpa, d, true, what);
				w->fault = true;
				snprintf(w->fault_what, sizeof(w->fault_what), "%s", what);
				return false;
			}
			if (level < 3 && (d & 3) == DESC_TYPE_TABLE) {
				table = d & ((1ULL << 48) - 1) & ~((1ULL << v->s1_gshift) - 1);
				snprintf(what, sizeof(what), "L%d [%" PRIu64 "] table -> IPA %#" PRIx64,
					 level, idx, table);
				add(w, level, -9, dpa, d, false, what);
				continue;
			}
			uint64_t size = 1ULL << shift;
			uint64_t oa = d & ((1ULL << 48) - 1) & ~(size - 1);
			static const char *const ap[] = { "EL1 RW", "EL1+EL0 RW", "EL1 RO",
							  "EL1+EL0 RO" };

			snprintf(what, sizeof(what),
				 "L%d [%" PRIu64 "] %s -> IPA %#" PRIx64 " AttrIndx=%u AP=%s SH=%s "
				 "AF=%d nG=%d PXN=%d UXN=%d", level, idx,
				 level == 3 ? "page" : "block", oa,
				 (unsigned)((d >> S1_DESC_ATTRINDX_SHIFT) & 7),
				 ap[(d >> S1_DESC_AP_SHIFT) & 3], sh_name(d), !!(d & DESC_AF),
				 !!(d & S1_DESC_NG), !!(d & S1_DESC_PXN), !!(d & S1_DESC_UXN));
			add(w, level, -9, dpa, d, false, what);
			ipa = oa | (va & (size - 1));
			break;
		}
	}
	printf(" %s IPA %#" PRIx64 ", its stage-2 walk:\n", mmu_on ? "output" : "input",
	       ipa);
	if (!s2_walk(w, ROW_FINAL, ipa, pa)) {
		w->fault = true;
		snprintf(w->fault_what, sizeof(w->fault_what),
			 "stage-2 fault on IPA %#" PRIx64, ipa);
		return false;
	}
	return true;
}

static int svg(const char *path, const struct walk *w, const struct sim_view *v,
	       bool mmu_on, const char *title)
{
	FILE *f = fopen(path, "w");
	int rows[8], nrows = 0, cols, cw = 190, ch = 74, x0 = 110, y0 = 70;
	const struct s2_geom *g = v->g;

	if (!f) {
		fprintf(stderr, "s2mm explain: cannot write %s\n", path);
		return 2;
	}
	if (mmu_on)
		for (int l = v->s1_start; l <= 3; l++)
			rows[nrows++] = l;
	rows[nrows++] = ROW_FINAL;
	cols = (S2_LEVEL_MAX - g->start_level + 1) + (mmu_on ? 1 : 0);
	int width = x0 + cols * cw + 20, height = y0 + nrows * ch + 40;

	fprintf(f, "<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' "
		   "font-family='monospace' font-size='11'>\n", width, height);
	fprintf(f, "<rect width='100%%' height='100%%' fill='white'/>\n");
	fprintf(f, "<text x='10' y='22' font-size='15' font-weight='bold'>%s</text>\n", title);
	for (int c = 0; c < cols; c++) {
		bool s1col = mmu_on && c == cols - 1;
		fprintf(f, "<text x='%d' y='%d' font-weight='bold'>", x0 + c * cw + 6, y0 - 10);
		if (s1col)
			fprintf(f, "stage-1 descriptor</text>\n");
		else
			fprintf(f, "stage 2 L%d</text>\n", g->start_level + c);
	}
	for (int r = 0; r < nrows; r++) {
		fprintf(f, "<text x='8' y='%d' font-weight='bold'>", y0 + r * ch + ch / 2);
		if (rows[r] == ROW_FINAL)
			fprintf(f, "%s</text>\n", mmu_on ? "output IPA" : "IPA");
		else
			fprintf(f, "stage 1 L%d</text>\n", rows[r]);
		for (int c = 0; c < cols; c++)
			fprintf(f, "<rect x='%d' y='%d' width='%d' height='%d' fill='#f4f4f4' "
				   "stroke='#ccc'/>\n", x0 + c * cw, y0 + r * ch, cw - 6, ch - 6);
	}
	for (int i = 0; i < w->n; i++) {
		const struct step *s = &w->steps[i];
		int r = 0, c;

		while (r < nrows && rows[r] != s->row)
			r++;
		c = s->col == -9 ? cols - 1 : s->col - g->start_level;
		int x = x0 + c * cw, y = y0 + r * ch;
		const char *fill = s->fault ? "#f6b0b0" : s->col == -9 ? "#b9e4b9" : "#b8d4f0";

		fprintf(f, "<rect x='%d' y='%d' width='%d' height='%d' fill='%s' stroke='#555'/>\n",
			x, y, cw - 6, ch - 6, fill);
		fprintf(f, "<text x='%d' y='%d' font-size='16' font-weight='bold'>%d</text>\n",
			x + 6, y + 20, i + 1);
		fprintf(f, "<text x='%d' y='%d'>PA %#" PRIx64 "</text>\n", x + 32, y + 18, s->addr);
		fprintf(f, "<text x='%d' y='%d'>%#018" PRIx64 "</text>\n", x + 6, y + 38, s->val);
		fprintf(f, "<text x='%d' y='%d' font-size='9'>%.34s</text>\n", x + 6, y + 56,
			s->what);
	}
	fprintf(f, "<text x='10' y='%d' font-size='12'>%d descriptor reads. Blue: stage-2 "
		   "descriptors, green: stage-1 descriptors, red: the fault.</text>\n",
		height - 14, w->n);
	fprintf(f, "</svg>\n");
	if (fclose(f)) {
		fprintf(stderr, "s2mm explain: cannot write %s\n", path);
		return 2;
	}
	return 0;
}

int cmd_explain(int argc, char **argv)
{
	static const struct option opts[] = {
		REPORT_LONGOPTS,
		{ "write", 0, 0, OPT_WRITE }, { "exec", 0, 0, OPT_EXEC },
		{ "el", 1, 0, OPT_EL }, { "state", 1, 0, OPT_STATE },
		{ "svg", 1, 0, OPT_SVG }, { "help", 0, 0, 'h' }, { 0, 0, 0, 0 },
	};
	struct sim_config cfg = report_defaults;
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

			for (i = 0; i < 5 && strcmp(optarg, state_names[i]); i++)
				;
			if (i == 5) {
				fprintf(stderr, "s2mm explain: --state '%s': expected mapped, cold, "
						"unmapped, dirty or mmu-off\n", optarg);
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
		fprintf(stderr, "s2mm explain: address %#" PRIx64 " outside %s\n", va,
			mmu_on ? "the guest's VA space (--va-bits)"
			       : "guest RAM (IPA 0x40000000 + --vm-mem)");
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

	static const char *const acc_names[] = { "read", "write", "exec" };
	struct walk *w = calloc(1, sizeof(*w));
	struct s2_mmu_result res;
	struct s2_mmu_access a = { .va = va, .acc = (uint8_t)acc, .el = (uint8_t)el };
	uint64_t pa = 0, par = 0;
	bool ok;

	if (!w)
		goto out;
	w->v = &v;
	printf("s2mm explain: %s %#" PRIx64 " (%s at EL%u), guest MMU %s, state %s\n",
	       mmu_on ? "VA" : "IPA", va, acc_names[acc], el, mmu_on ? "on" : "off",
	       state_names[state]);
	printf("  VTTBR_EL2 %#018" PRIx64 "  VTCR_EL2 %#" PRIx64 "  HCR_EL2 %#" PRIx64 "\n",
	       v.regs->vttbr_el2, v.regs->vtcr_el2, v.regs->hcr_el2);
	if (mmu_on)
		printf("  TTBR0_EL1 %#018" PRIx64 "  TCR_EL1 %#" PRIx64 "  SCTLR_EL1 %#" PRIx64
		       "  MAIR_EL1 %#" PRIx64 "\n", v.regs->ttbr0_el1, v.regs->tcr_el1,
		       v.regs->sctlr_el1, v.regs->mair_el1);
	printf("  stage 2: %uK granule, %u-bit IPA, start level %d, %u concatenated root "
	       "table(s)%s\n", 1u << (v.g->granule_shift - 10), v.g->ipa_bits,
	       v.g->start_level, v.g->concat, cfg.blocks ? "" : ", no blocks");
	if (mmu_on)
		printf("  stage 1: %uK granule, %u-bit VA, start level %d\n",
		       1u << (v.s1_gshift - 10), v.s1_va_bits, v.s1_start);
	ok = walk2d(w, va, mmu_on, &pa);

	/* The model's verdict (a fresh walk, as AT does). */
	if (mmu_on)
		r = s2_mmu_translate(v.mem, v.cpu, v.regs, &a, &res);
	else
		r = s2_mmu_translate_s2(v.mem, v.cpu, v.regs, &a, &res);
	if (!r)
		r = s2_mmu_at(v.mem, v.cpu, v.regs,
			      acc == S2_MMU_WRITE ? (el ? S2_MMU_AT_S12E1W : S2_MMU_AT_S12E0W)
						  : (el ? S2_MMU_AT_S12E1R : S2_MMU_AT_S12E0R),
			      va, &par, NULL);
	if (r) {
		fprintf(stderr, "s2mm explain: the model refused the walk: %s\n", s2_strerror(r));
		free(w);
		goto out;
	}
	ret = 0;
	if (!res.fault.type) {
		printf(" result: PA %#" PRIx64 " (%s)\n", res.pa,
		       res.pa - v.ram_pa < v.ram_size ? "inside the VM's RAM" : "OUTSIDE the VM's RAM");
		printf("  %u descriptor reads here, %u by the model; PAR_EL1 %#018" PRIx64 "\n",
		       w->n, res.desc_reads, par);
		if (!ok || pa != res.pa) {
			printf("  MISMATCH: the steps above give %s%#" PRIx64 "\n",
			       ok ? "PA " : "a fault, not ", ok ? pa : res.pa);
			ret = 1;
		}
	} else {
		const struct s2_mmu_fault *f = &res.fault;
		static const struct s2_mmu_insn ldr = { .isv = true, .sas = ESR_SAS_DOUBLE,
							.srt = 1, .sf = true };
		uint64_t esr = 0, hpfar = 0;

		s2_mmu_esr(f, &ldr, &esr);
		printf(" result: stage-%u %s fault, level %d%s (taken to EL%u)\n", f->stage,
		       s2_mmu_fault_name(f->type), f->level, f->s1ptw ? ", on a stage-1 walk (S1PTW)" : "",
		       s2_mmu_fault_target_el(f));
		printf("  ESR_EL%u %#010" PRIx64 " (EC %#x, FSC %#x)  FAR %#" PRIx64,
		       s2_mmu_fault_target_el(f), esr, (unsigned)((esr >> ESR_ELx_EC_SHIFT) & 0x3f),
		       s2_mmu_fsc(f), s2_mmu_far(f));
		if (f->stage == 2 && !s2_mmu_hpfar(f, &hpfar))
			printf("  HPFAR_EL2 %#" PRIx64 "%s (IPA %#" PRIx64 ")", hpfar,
			       s2_mmu_hpfar_valid(f) ? "" : " [UNKNOWN architecturally]", f->ipa);
		printf("\n  PAR_EL1 %#018" PRIx64 " (AT S12E%u%c)\n", par, el,
		       acc == S2_MMU_WRITE ? 'W' : 'R');
		if (ok && f->type == S2_MMU_FAULT_TRANSLATION) {
			printf("  MISMATCH: the steps above found no translation fault\n");
			ret = 1;
		}
		if (!ok)
			printf("  steps: %s\n", w->fault_what);
	}
	if (svg_path) {
		char title[200];

		if (!res.fault.type)
			snprintf(title, sizeof(title), "%s %#" PRIx64 " -> PA %#" PRIx64 " (%d reads)",
				 mmu_on ? "VA" : "IPA", va, res.pa, w->n);
		else
			snprintf(title, sizeof(title), "%s %#" PRIx64 ": stage-%u %s fault, level %d%s",
				 mmu_on ? "VA" : "IPA", va, res.fault.stage,
				 s2_mmu_fault_name(res.fault.type), res.fault.level,
				 res.fault.s1ptw ? " (S1PTW)" : "");
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

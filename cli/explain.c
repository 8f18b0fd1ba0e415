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

#include "cli.h"
#include "explain.h"
#include "report.h"

enum { OPT_WRITE = OPT_CMD_BASE, OPT_EXEC, OPT_EL, OPT_STATE, OPT_SVG, OPT_S1_UNMAP,
       OPT_S1_AP, OPT_S1_DOMAIN, OPT_DOMAIN_ACCESS, OPT_AFE, OPT_S1_SECTION };

enum state { ST_MAPPED, ST_COLD, ST_UNMAPPED, ST_DIRTY, ST_MMU_OFF, ST_OLD };
static const char *const state_names[] = { "mapped", "cold", "unmapped", "dirty",
					   "mmu-off", "old" };
const char *const explain_acc_names[] = { "read", "write", "exec" };

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
		"With --s1-format short, after the guest's touch (stage-1 faults, the\n"
		"short-descriptor DFSR/IFSR):\n"
		"  --s1-unmap section|page  ADDRESS's level-1 / level-2 entry is invalid\n"
		"  --s1-ap N           AP[2:0] of ADDRESS's small page (0-7)\n"
		"  --s1-section        ADDRESS's MB is a section made from its small page\n"
		"                      (level-1 faults; --s1-ap then sets the section's)\n"
		"  --s1-domain D       the domain of ADDRESS's level-1 entry (0-15)\n"
		"  --domain-access no-access|client|reserved|manager\n"
		"                      DACR's field for that domain\n"
		"  --afe               SCTLR.AFE=1: AP[0] is the Access flag\n"
		"%s",
		report_options_help);
}

/* The 2D walk of @va; returns true with *@pa when it ends in a PA. */
static bool walk2d(struct walk *w, uint64_t va, bool mmu_on, uint64_t *pa)
{
	uint64_t ipa = va;

	if (mmu_on && explain_sd_regs(w->v->regs)) {
		if (!explain_walk_sd(w, (uint32_t)va, &ipa))
			return false;
	} else if (mmu_on) {
		if (!explain_walk_lpae(w, va, &ipa))
			return false;
	}
	printf(" %s IPA %#" PRIx64 ", its stage-2 walk:\n", mmu_on ? "output" : "input",
	       ipa);
	return explain_s2_walk(w, ROW_FINAL, ipa, S2_FOR_ACCESS, pa);
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
		explain_fault_text(what, sizeof(what), &at->fault);
	else
		snprintf(what, sizeof(what), "PA %#" PRIx64, at->pa);
	same = at->fault.type ? explain_same_fault(&at->fault, &res->fault)
			      : !res->fault.type && at->pa == res->pa;
	printf("  PAR_EL1 %#018" PRIx64 " (AT S12E%uR, a read: AArch64 has no AT for "
	       "instruction fetches, and a read checks read permission, not execute;\n"
	       "    the read gives %s, %s)\n", par, el, what,
	       same ? "as the fetch does" : "not the fetch's result above");
}


int cmd_explain(int argc, char **argv)
{
	static const struct option opts[] = {
		REPORT_LONGOPTS,
		{ "write", 0, 0, OPT_WRITE }, { "exec", 0, 0, OPT_EXEC },
		{ "el", 1, 0, OPT_EL }, { "state", 1, 0, OPT_STATE },
		{ "svg", 1, 0, OPT_SVG }, { "s1-unmap", 1, 0, OPT_S1_UNMAP },
		{ "s1-ap", 1, 0, OPT_S1_AP }, { "s1-domain", 1, 0, OPT_S1_DOMAIN },
		{ "domain-access", 1, 0, OPT_DOMAIN_ACCESS }, { "afe", 0, 0, OPT_AFE },
		{ "s1-section", 0, 0, OPT_S1_SECTION },
		{ "help", 0, 0, 'h' }, { 0, 0, 0, 0 },
	};
	static const char *const dacr_opt[4] = { "no-access", "client", "reserved",
						 "manager" };
	struct explain_sd_opts sd = { .unmap = EXPLAIN_SD_UNMAP_NONE, .ap = -1,
				      .domain = -1, .dacr = -1 };
	bool sd_opt = false;
	struct s2_mmu_regs regs;
	uint64_t n;
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
		case OPT_S1_UNMAP:
			if (!strcmp(optarg, "section")) {
				sd.unmap = EXPLAIN_SD_UNMAP_SECTION;
			} else if (!strcmp(optarg, "page")) {
				sd.unmap = EXPLAIN_SD_UNMAP_PAGE;
			} else {
				fprintf(stderr, "s2mm explain: --s1-unmap '%s': expected section "
						"or page\n", optarg);
				return 2;
			}
			sd_opt = true;
			break;
		case OPT_S1_AP:
		case OPT_S1_DOMAIN:
			if (!parse_u64(optarg, &n) || n > (c == OPT_S1_AP ? 7u : 15u)) {
				fprintf(stderr, "s2mm explain: %s '%s': expected 0 to %u\n",
					c == OPT_S1_AP ? "--s1-ap" : "--s1-domain", optarg,
					c == OPT_S1_AP ? 7u : 15u);
				return 2;
			}
			*(c == OPT_S1_AP ? &sd.ap : &sd.domain) = (int)n;
			sd_opt = true;
			break;
		case OPT_DOMAIN_ACCESS:
			for (sd.dacr = 3; sd.dacr >= 0 && strcmp(optarg, dacr_opt[sd.dacr]); sd.dacr--)
				;
			if (sd.dacr < 0) {
				fprintf(stderr, "s2mm explain: --domain-access '%s': expected "
						"no-access, client, reserved or manager\n", optarg);
				return 2;
			}
			sd_opt = true;
			break;
		case OPT_AFE:
			sd.afe = true;
			sd_opt = true;
			break;
		case OPT_S1_SECTION:
			sd.section = true;
			sd_opt = true;
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
	if (sd_opt && cfg.s1_format != SIM_S1_A32_SD) {
		fprintf(stderr, "s2mm explain: --s1-unmap, --s1-ap, --s1-domain, "
				"--s1-section, --domain-access and --afe need --s1-format short\n");
		return 2;
	}
	if (sd_opt && (state == ST_MMU_OFF || state == ST_UNMAPPED)) {
		fprintf(stderr, "s2mm explain: --s1-unmap, --s1-ap, --s1-domain, "
				"--s1-section, --domain-access and --afe need the guest MMU on and ADDRESS's "
				"stage-1 entry in place: not with --state %s\n", state_names[state]);
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
	/* The guest's stage 1 changed as asked, while stage 2 still maps it. */
	if (sd_opt && explain_sd_edit(&v, (uint32_t)va, &sd, err, sizeof(err))) {
		fprintf(stderr, "s2mm explain: %s\n", err);
		goto out;
	}
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
	/* The registers as asked: the steps and the model both read these. */
	regs = *v.regs;
	explain_sd_regs_apply(&regs, &sd);
	v.regs = &regs;

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
	       mmu_on ? "VA" : "IPA", va, explain_acc_names[acc], el, mmu_on ? "on" : "off",
	       state_names[state]);
	printf("  VTTBR_EL2 %#018" PRIx64 "  VTCR_EL2 %#" PRIx64 "  HCR_EL2 %#" PRIx64 "\n",
	       v.regs->vttbr_el2, v.regs->vtcr_el2, v.regs->hcr_el2);
	if (mmu_on && explain_sd_regs(v.regs))
		explain_sd_print_regs(v.regs);
	else if (mmu_on)
		printf("  TTBR0_EL1 %#018" PRIx64 "  TCR_EL1 %#" PRIx64 "  SCTLR_EL1 %#" PRIx64
		       "  MAIR_EL1 %#" PRIx64 "\n", v.regs->ttbr0_el1, v.regs->tcr_el1,
		       v.regs->sctlr_el1, v.regs->mair_el1);
	printf("  stage 2: %uK granule, %u-bit IPA, start level %d, %u concatenated root "
	       "table(s)%s\n", 1u << (v.g->granule_shift - 10), v.g->ipa_bits,
	       v.g->start_level, v.g->concat, cfg.blocks ? "" : ", no blocks");
	if (mmu_on && explain_sd_regs(v.regs))
		explain_sd_print_format(v.regs);
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
			explain_print_contig(&v, &a, mmu_on, &res);
		explain_print_af_set(&res);
		explain_print_dirty(&res);
		/* With the MMU off, AT's: stage 1's are then the access's own
		 * (AArch64.S1DisabledOutput), which stage 2 alone does not know. */
		printf("  memory: attributes 0x%02x (MAIR format), shareability %u, stage 1 "
		       "and stage 2 combined%s\n", mmu_on ? res.attr : at_res.attr,
		       mmu_on ? res.sh : at_res.sh, explain_fwb_on(w) ? " under HCR_EL2.FWB" : "");
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
		if (f->stage == 1 && mmu_on && explain_sd_regs(v.regs))
			/* An AArch32 EL1 with short descriptors reads the short FSR. */
			explain_sd_print_fsr(&res);
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
		explain_print_dirty(&res);
		print_par(acc, el, par, &at_res, &res);
		printf("  steps: %s\n", w->fault_what);
	}
	/* The steps above and the model must agree: the fault, or the PA. */
	if (!explain_same_fault(&w->f, &res.fault) || (ok && pa != res.pa)) {
		explain_fault_text(model, sizeof(model), &res.fault);
		if (ok)
			snprintf(steps, sizeof(steps), "PA %#" PRIx64, pa);
		else
			explain_fault_text(steps, sizeof(steps), &w->f);
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
				 "fault, level %d%s", mmu_on ? "VA" : "IPA", va, explain_acc_names[acc], el,
				 res.fault.stage, s2_mmu_fault_name(res.fault.type),
				 res.fault.level, res.fault.s1ptw ? " (S1PTW)" : "");
		r = explain_svg(svg_path, w, &v, mmu_on, title);
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

/* SPDX-License-Identifier: MIT */
/*
 * s2mm hyp: its subcommands, and `run`: boot s2hyp (the EL2 hypervisor in
 * hyp/) with a scenario of guests, stream its console, and end with
 * "N passed, N failed" counted over the guests it ran. QEMU is started by
 * qemu.c, as for every subcommand.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "qemu.h"


struct hyp_opts {
	unsigned int guests;	/* 0: s2hyp's default */
	unsigned int vmid_bits; /* 0: what the CPU has */
	const char *scenario;
};

static void hyp_usage(FILE *out, const struct s2hyp_qemu *q)
{
	fprintf(out,
		"usage: s2mm hyp run [--guests N] [--vmid-bits 8|16]\n"
		"                    [--scenario NAME] [QEMU options]\n"
		"       s2mm hyp fidelity [--seed S] [--count N] ...: the MMU\n"
		"                    model against QEMU's AT (see its --help)\n"
		"       s2mm hyp boot [QEMU options] [--] S2HYP-ARGS...: boot\n"
		"                    s2hyp with its own command line\n"
		"       s2mm hyp check [QEMU options]: can s2hyp boot here?\n"
		"       s2mm hyp linux [--guests N] [--vcpus N] ...: Debian's\n"
		"                    arm64 Linux as guests (see its --help)\n\n"
		"Boot s2hyp, the EL2 hypervisor on libs2mm, under\n"
		"qemu-system-aarch64 -M virt,virtualization=on and run guests.\n\n"
		"  --scenario NAME   many (default): --guests memory-test VMs\n"
		"                    time-sliced on every CPU (they yield); preempt:\n"
		"                    the same, preempted by the EL2 timer; guest,\n"
		"                    mmu, dirtylog, staletlb (AArch64) and guest32,\n"
		"                    mmu32, mmusd32 (short descriptors), dirtylog32,\n"
		"                    staletlb32 (AArch32): one VM per CPU;\n"
		"                    dirtyloghw, dirtyloghybrid: dirtylog logged by\n"
		"                    the CPU (FEAT_HAFDBS: needs --cpu max);\n"
		"                    hostile, hostile32: a guest scanning\n"
		"                    its IPA space next to marker-filled VMs;\n"
		"                    boot: no guests\n"
		"  --guests N        guests for many/preempt (default 1000)\n"
		"  --vmid-bits 8|16  VMID width (default: the CPU's; 16 needs max)\n"
		"QEMU options:\n");
	s2hyp_qemu_help(out, q, 1);
	fprintf(out,
		"\nEnds with 'N passed, N failed' over the guests; exit status 0 only\n"
		"if s2hyp passed and no guest failed.\n");
}

/*
 * Option --@name's argument @arg: a decimal in [@lo, @hi] into *@out.
 * @unit follows the range in the message ("" or " seconds").
 * Return: 0, or -1 after saying what the option wants.
 */
static int uint_arg(const char *name, const char *arg, long lo, long hi,
		    const char *unit, unsigned int *out)
{
	long v = parse_uint(arg, lo, hi);

	if (v < 0) {
		fprintf(stderr,
			"s2mm hyp run: --%s wants %ld..%ld%s, not '%s'\n", name,
			lo, hi, unit, arg);
		return -1;
	}
	*out = (unsigned int)v;
	return 0;
}

/* Only names s2hyp knows: checked here so that a typo fails fast, with a
 * clear message, before anything is built. */
static const char *const scenarios[] = {
#define GUEST(name, ...) #name,
#define GUEST32 GUEST
#include "scenarios.def"
#undef GUEST
#undef GUEST32
	"boot",
};

static int scenario_known(const char *name)
{
	for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
		if (!strcmp(name, scenarios[i]))
			return 1;
	return 0;
}

struct tally {
	long passed, failed; /* from s2hyp's "guests: N passed, N failed" */
	int hyp_pass;	     /* s2hyp printed "PASS" */
};

static void scan_line(void *ctx, const char *line)
{
	struct tally *t = ctx;
	long p, f;

	if (sscanf(line, "guests: %ld passed, %ld failed", &p, &f) == 2) {
		t->passed = p;
		t->failed = f;
	}
	if (!strcmp(line, "PASS"))
		t->hyp_pass = 1;
}

static int hyp_run(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "guests", required_argument, NULL, 'g' },
		{ "vmid-bits", required_argument, NULL, 'v' },
		{ "scenario", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		S2HYP_OPTIONS_BOOT,
		S2HYP_OPTION_CPUS,
		{ NULL, 0, NULL, 0 },
	};
	struct hyp_opts o = { .scenario = "many" };
	struct s2hyp_qemu q;
	struct tally t = { 0 };
	struct s2hyp_boot_result res;
	char append[128];
	long v;
	int c, status;

	s2hyp_qemu_init(&q, "s2mm hyp run", 120);
	q.cpus = 4;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
		switch (c) {
		case 'g':
			if (uint_arg("guests", optarg, 1, 1000000, "",
				     &o.guests))
				return 2;
			break;
		case 'v':
			v = parse_uint(optarg, 8, 16);
			if (v != 8 && v != 16) {
				fprintf(stderr, "s2mm hyp run: --vmid-bits wants 8 "
					"or 16, not '%s'\n", optarg);
				return 2;
			}
			o.vmid_bits = (unsigned int)v;
			break;
		case 's':
			if (!scenario_known(optarg)) {
				fprintf(stderr, "s2mm hyp run: unknown scenario "
					"'%s' (see --help)\n", optarg);
				return 2;
			}
			o.scenario = optarg;
			break;
		case 'h':
			hyp_usage(stdout, &q);
			return 0;
		default:
			if (s2hyp_qemu_option_or_usage(&q, c, optarg, hyp_usage))
				return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "s2mm hyp run: unexpected argument '%s'\n",
			argv[optind]);
		return 2;
	}
	/* o.guests is 0 here unless --guests was given (it wants 1 or more). */
	if (strcmp(o.scenario, "many") && strcmp(o.scenario, "preempt")) {
		if (o.guests) {
			fprintf(stderr, "s2mm hyp run: --guests applies to "
				"--scenario many or preempt only\n");
			return 2;
		}
	} else if (!o.guests) {
		o.guests = 1000;
	}
	if (o.vmid_bits == 16 && !strcmp(q.cpu, "cortex-a57")) {
		fprintf(stderr, "s2mm hyp run: cortex-a57 has 8-bit VMIDs; "
			"--vmid-bits 16 needs --cpu max\n");
		return 2;
	}
	if (s2hyp_qemu_image(&q))
		return 1;

	snprintf(append, sizeof(append), "test=%s", o.scenario);
	if (o.guests)
		snprintf(append + strlen(append), sizeof(append) - strlen(append),
			 " guests=%u", o.guests);
	if (o.vmid_bits)
		snprintf(append + strlen(append), sizeof(append) - strlen(append),
			 " vmid-bits=%u", o.vmid_bits);
	status = s2hyp_qemu_boot(&q, append, 0, scan_line, &t, &res);
	/* A hypervisor that failed without blaming a guest still fails. */
	if (status != S2HYP_EXIT_PASS && t.failed == 0)
		t.failed = 1;
	if (status == S2HYP_EXIT_PASS && !t.hyp_pass && t.failed == 0)
		t.failed = 1;
	if (status == S2HYP_EXIT_PANIC)
		fprintf(stderr, "s2mm hyp run: s2hyp panicked\n");
	else if (status > 0 && status != S2HYP_EXIT_TIMEOUT && res.spoke)
		fprintf(stderr, "s2mm hyp run: s2hyp exited with status %d\n",
			status);
	printf("%ld passed, %ld failed\n", t.passed, t.failed);
	return status == S2HYP_EXIT_PASS && t.failed == 0 ? 0 : 1;
}

int cmd_hyp(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(int argc, char **argv);
	} subs[] = {
		{ "run", hyp_run },
		{ "fidelity", cmd_hyp_fidelity },
		{ "boot", cmd_hyp_boot },
		{ "check", cmd_hyp_check },
		{ "linux", cmd_hyp_linux },
	};
	struct s2hyp_qemu q;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		s2hyp_qemu_init(&q, "s2mm hyp", 120);
		q.cpus = 4;
		hyp_usage(argc < 2 ? stderr : stdout, &q);
		return argc < 2 ? 2 : 0;
	}
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++)
		if (!strcmp(argv[1], subs[i].name))
			return subs[i].run(argc - 1, argv + 1);
	fprintf(stderr, "s2mm hyp: unknown subcommand '%s' (run, fidelity, "
		"boot, check or linux)\n", argv[1]);
	return 2;
}

/* SPDX-License-Identifier: MIT */
/*
 * s2mm hyp fidelity: boot s2hyp's fidelity scenario (hyp/fidelity/) under
 * QEMU (qemu.c): the MMU model, compiled into the image, against QEMU's AT
 * instructions on the same tables; stream the console and end with
 * "N passed, N failed" (comparisons). docs/fidelity.md.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "qemu.h"

static void usage(FILE *out, const struct s2hyp_qemu *q)
{
	fprintf(out,
		"usage: s2mm hyp fidelity [--seed S] [--count N] [--cfg C]\n"
		"                         [--inject-model-bug] [QEMU options]\n\n"
		"Differential test of the MMU model against QEMU's ARM translation:\n"
		"s2hyp generates random stage-1/stage-2 configurations and tables\n"
		"from the seed, runs AT S12E1R/W, S1E1R... and compares PAR_EL1 with\n"
		"the model's answer on the same memory. Differences that are known\n"
		"QEMU deviations from the architecture are counted as passed.\n\n"
		"  --seed S      generator seed (default 1)\n"
		"  --count N     comparisons (default 1000000)\n"
		"  --cfg C       start at configuration C (reproduce a report)\n"
		"  --inject-model-bug  corrupt one model answer in 1000 (the test\n"
		"                must then fail: proves mismatches are caught)\n"
		"QEMU options (--cpu: cortex-a57 or max, the model's presets):\n");
	s2hyp_qemu_help(out, q, 0);
}

struct result {
	long long passed, failed;
};

static void scan_line(void *ctx, const char *line)
{
	struct result *r = ctx;
	long long p, f;

	if (sscanf(line, "fidelity: %lld passed, %lld failed", &p, &f) == 2) {
		r->passed = p;
		r->failed = f;
	}
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno || end == s || *end || *s == '-' ? -1 : 0;
}

int cmd_hyp_fidelity(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "count", required_argument, NULL, 'n' },
		{ "cfg", required_argument, NULL, 'f' },
		{ "inject-model-bug", no_argument, NULL, 'I' },
		{ "help", no_argument, NULL, 'h' },
		S2HYP_OPTIONS_BOOT,
		{ NULL, 0, NULL, 0 },
	};
	uint64_t seed = 1, count = 1000000, cfg = 0;
	struct s2hyp_qemu q;
	struct result r = { -1, -1 };
	char append[160];
	int inject = 0, opt, status;

	s2hyp_qemu_init(&q, "s2mm hyp fidelity", 600);
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
		uint64_t *dst = NULL;

		switch (opt) {
		case 's': dst = &seed; break;
		case 'n': dst = &count; break;
		case 'f': dst = &cfg; break;
		case 'I': inject = 1; break;
		case 'h': usage(stdout, &q); return 0;
		default:
			if (s2hyp_qemu_option_or_usage(&q, opt, optarg, usage))
				return 2;
		}
		if (dst && parse_u64(optarg, dst)) {
			fprintf(stderr, "s2mm hyp fidelity: bad number '%s'\n", optarg);
			return 2;
		}
	}
	if (count == 0) {
		fprintf(stderr, "s2mm hyp fidelity: --count wants at least 1\n");
		return 2;
	}
	if (optind != argc) {
		fprintf(stderr, "s2mm hyp fidelity: unexpected argument '%s'\n",
			argv[optind]);
		usage(stderr, &q);
		return 2;
	}
	if (strcmp(q.cpu, "cortex-a57") && strcmp(q.cpu, "max")) {
		fprintf(stderr, "s2mm hyp fidelity: --cpu: cortex-a57 or max (the "
			"model has presets for those)\n");
		return 2;
	}
	if (s2hyp_qemu_image(&q))
		return 1;
	snprintf(append, sizeof(append),
		 "test=fidelity seed=%" PRIu64 " count=%" PRIu64 " cfg=%" PRIu64 "%s",
		 seed, count, cfg, inject ? " inject=1" : "");
	status = s2hyp_qemu_boot(&q, append, 0, scan_line, &r, NULL);
	if (r.passed < 0) {
		/* As hyp run and hyp linux say it. */
		if (status == S2HYP_EXIT_TIMEOUT)
			fprintf(stderr, "s2mm hyp fidelity: s2hyp timed out "
				"before its result\n");
		else if (status < 0)
			fprintf(stderr, "s2mm hyp fidelity: QEMU did not run "
				"s2hyp (see above)\n");
		else
			fprintf(stderr, "s2mm hyp fidelity: no result from "
				"s2hyp (QEMU exit status %d)\n", status);
		printf("0 passed, 0 failed\n");
		return 1;
	}
	printf("%lld passed, %lld failed\n", r.passed, r.failed);
	return status == 0 && r.failed == 0 ? 0 : 1;
}

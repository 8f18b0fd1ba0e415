/* SPDX-License-Identifier: MIT */
/*
 * s2mm hyp fidelity: boot s2hyp's fidelity scenario (hyp/fidelity/) under
 * QEMU: the MMU model, compiled into the image, against QEMU's AT
 * instructions on the same tables; stream the console and end with
 * "N passed, N failed" (comparisons). docs/fidelity.md.
 *
 * The image comes from the build tree this s2mm binary lives in
 * (<build>/cli/s2mm -> <build>/hyp/image/s2hyp.elf, built first with
 * `cmake --build <build> --target s2hyp`), or from --elf.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: s2mm hyp fidelity [--seed S] [--count N] [--cpu NAME]\n"
		"                         [--cfg C] [--timeout SEC] [--elf PATH]\n"
		"                         [--no-build]\n\n"
		"Differential test of the MMU model against QEMU's ARM translation:\n"
		"s2hyp generates random stage-1/stage-2 configurations and tables\n"
		"from the seed, runs AT S12E1R/W, S1E1R... and compares PAR_EL1 with\n"
		"the model's answer on the same memory. Differences that are known\n"
		"QEMU deviations from the architecture are counted as passed.\n\n"
		"  --seed S      generator seed (default 1)\n"
		"  --count N     comparisons (default 1000000)\n"
		"  --cpu NAME    cortex-a57 (default) or max\n"
		"  --cfg C       start at configuration C (reproduce a report)\n"
		"  --timeout SEC kill QEMU after SEC seconds (default 600)\n"
		"  --elf PATH    s2hyp image (default: this build tree's)\n"
		"  --no-build    do not build the image first\n"
		"  --inject-model-bug  corrupt one model answer in 1000 (the test\n"
		"                must then fail: proves mismatches are caught)\n");
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
		{ "cpu", required_argument, NULL, 'C' },
		{ "cfg", required_argument, NULL, 'f' },
		{ "timeout", required_argument, NULL, 't' },
		{ "elf", required_argument, NULL, 'e' },
		{ "no-build", no_argument, NULL, 'B' },
		{ "inject-model-bug", no_argument, NULL, 'I' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t seed = 1, count = 1000000, cfg = 0, timeout = 600;
	const char *cpu = "cortex-a57", *elf = NULL;
	const char *qemu = getenv("QEMU") ? getenv("QEMU") : "qemu-system-aarch64";
	char build[PATH_MAX], image[PATH_MAX + 32], append[160], tmo[24];
	char line[1024];
	int build_first = 1, inject = 0, opt, status;
	long long passed = -1, failed = -1;
	FILE *out;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
		uint64_t *dst = NULL;

		switch (opt) {
		case 's': dst = &seed; break;
		case 'n': dst = &count; break;
		case 'f': dst = &cfg; break;
		case 't': dst = &timeout; break;
		case 'C':
			if (strcmp(optarg, "cortex-a57") && strcmp(optarg, "max")) {
				fprintf(stderr, "s2mm hyp fidelity: --cpu: cortex-a57 "
					"or max (the model has presets for those)\n");
				return 2;
			}
			cpu = optarg;
			break;
		case 'e': elf = optarg; build_first = 0; break;
		case 'B': build_first = 0; break;
		case 'I': inject = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
		if (dst && parse_u64(optarg, dst)) {
			fprintf(stderr, "s2mm hyp fidelity: bad number '%s'\n", optarg);
			return 2;
		}
	}
	if (optind != argc || count == 0 || timeout == 0) {
		usage(stderr);
		return 2;
	}
	if (!elf) {
		if (hyp_build_dir(build, sizeof(build))) {
			fprintf(stderr, "s2mm hyp fidelity: cannot find the build "
				"tree; use --elf\n");
			return 1;
		}
		snprintf(image, sizeof(image), "%s/hyp/image/s2hyp.elf", build);
		elf = image;
		if (build_first && hyp_build_image(build))
			return 1;
	}
	if (access(elf, R_OK)) {
		fprintf(stderr, "s2mm hyp fidelity: %s: %s\n", elf, strerror(errno));
		return 1;
	}
	snprintf(append, sizeof(append),
		 "test=fidelity seed=%" PRIu64 " count=%" PRIu64 " cfg=%" PRIu64 "%s",
		 seed, count, cfg, inject ? " inject=1" : "");
	snprintf(tmo, sizeof(tmo), "%" PRIu64, timeout);
	fprintf(stderr, "s2mm hyp fidelity: %s -cpu %s -kernel %s -append \"%s\"\n",
		qemu, cpu, elf, append);

	/* timeout(1) bounds QEMU (an HLT without semihosting would spin). */
	{
		int pipefd[2];
		pid_t pid;
		char *qargv[] = { "timeout", "-s", "KILL", tmo, (char *)qemu, "-M",
				  "virt,virtualization=on", "-cpu", (char *)cpu,
				  "-m", "512M", "-nographic", "-monitor", "none",
				  "-semihosting", "-kernel", (char *)elf, "-append",
				  append, NULL };

		if (pipe(pipefd))
			return 1;
		pid = fork();
		if (pid < 0)
			return 1;
		if (pid == 0) {
			dup2(pipefd[1], STDOUT_FILENO);
			dup2(pipefd[1], STDERR_FILENO);
			close(pipefd[0]);
			if (!freopen("/dev/null", "r", stdin))
				_exit(127);
			execvp(qargv[0], qargv);
			fprintf(stderr, "cannot run timeout/%s: %s\n", qemu,
				strerror(errno));
			_exit(127);
		}
		close(pipefd[1]);
		out = fdopen(pipefd[0], "r");
		while (out && fgets(line, sizeof(line), out)) {
			long long p, f;

			fputs(line, stdout);
			if (sscanf(line, "fidelity: %lld passed, %lld failed", &p,
				   &f) == 2) {
				passed = p;
				failed = f;
			}
		}
		fflush(stdout);
		if (out)
			fclose(out);
		if (waitpid(pid, &status, 0) < 0)
			return 1;
		status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	}
	if (passed < 0) {
		fprintf(stderr, "s2mm hyp fidelity: no result from s2hyp "
			"(QEMU status %d%s)\n", status,
			status == 124 || status == 137 ? ": timed out" : "");
		printf("0 passed, 0 failed\n");
		return 1;
	}
	printf("%lld passed, %lld failed\n", passed, failed);
	return status == 0 && failed == 0 ? 0 : 1;
}

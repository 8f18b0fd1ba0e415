/* SPDX-License-Identifier: MIT */
/*
 * s2mm hyp run: build s2hyp (the EL2 hypervisor in hyp/) if needed, boot it
 * under QEMU's virt machine with a timeout, stream its console, and end with
 * "N passed, N failed" counted over the guests it ran.
 *
 * The image and the build come from the build tree this s2mm binary lives
 * in (<build>/cli/s2mm -> <build>/hyp/image/s2hyp.elf, target s2hyp), or
 * from --elf.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

/* s2hyp's exit statuses (hyp/hyp.h: HYP_EXIT_*), passed through QEMU's
 * semihosting exit. */
#define HYP_EXIT_PASS 0
#define HYP_EXIT_PANIC 3

struct hyp_opts {
	unsigned int guests;	/* 0: s2hyp's default */
	unsigned int cpus;
	unsigned int vmid_bits; /* 0: what the CPU has */
	unsigned int timeout;	/* seconds */
	const char *cpu;
	const char *scenario;
	const char *elf;	/* NULL: the build tree's, built first */
	int build;
};

static void hyp_usage(FILE *out)
{
	fprintf(out,
		"usage: s2mm hyp run [--guests N] [--cpus N] [--vmid-bits 8|16]\n"
		"                    [--cpu NAME] [--scenario NAME] [--timeout SEC]\n"
		"                    [--elf PATH] [--no-build]\n"
		"       s2mm hyp fidelity [--seed S] [--count N] [--cpu NAME]: the\n"
		"                    MMU model against QEMU's AT (see its --help)\n\n"
		"Boot s2hyp, the EL2 hypervisor on libs2mm, under\n"
		"qemu-system-aarch64 -M virt,virtualization=on and run guests.\n\n"
		"  --scenario NAME   many (default): --guests memory-test VMs\n"
		"                    time-sliced on every CPU (they yield); preempt:\n"
		"                    the same, preempted by the EL2 timer; guest,\n"
		"                    mmu, dirtylog, staletlb (AArch64) and guest32,\n"
		"                    mmu32, dirtylog32, staletlb32 (AArch32): one VM\n"
		"                    per CPU; hostile, hostile32: a guest scanning\n"
		"                    its IPA space next to marker-filled VMs;\n"
		"                    boot: no guests\n"
		"  --guests N        guests for many/preempt (default 1000)\n"
		"  --cpus N          QEMU -smp, 1..8 (default 4)\n"
		"  --vmid-bits 8|16  VMID width (default: the CPU's; 16 needs max)\n"
		"  --cpu NAME        QEMU CPU: cortex-a57 (8-bit VMIDs, default),\n"
		"                    max (16-bit VMIDs)\n"
		"  --timeout SEC     stop QEMU after SEC seconds (default 120)\n"
		"  --elf PATH        run this s2hyp image (implies --no-build)\n"
		"  --no-build        do not run 'cmake --build' for the s2hyp target\n\n"
		"Ends with 'N passed, N failed' over the guests; exit status 0 only\n"
		"if s2hyp passed and no guest failed. QEMU: $QEMU or\n"
		"qemu-system-aarch64 on PATH.\n");
}

/* A decimal in [lo, hi]; -1 when not. */
static long parse_uint(const char *s, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	return v;
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
	"many", "preempt", "guest", "mmu", "dirtylog", "staletlb", "hostile", "guest32",
	"mmu32", "dirtylog32", "staletlb32", "hostile32", "boot",
};

static int scenario_known(const char *name)
{
	for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++)
		if (!strcmp(name, scenarios[i]))
			return 1;
	return 0;
}

int hyp_build_dir(char *out, size_t n)
{
	char exe[PATH_MAX], cache[PATH_MAX + 32];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	struct stat st;

	if (len <= 0)
		return -1;
	exe[len] = '\0';
	for (int up = 0; up < 2; up++) {
		char *slash = strrchr(exe, '/');

		if (!slash)
			return -1;
		*slash = '\0';
	}
	snprintf(cache, sizeof(cache), "%s/CMakeCache.txt", exe);
	if (stat(cache, &st) || (size_t)snprintf(out, n, "%s", exe) >= n)
		return -1;
	return 0;
}

/* Run argv with stdout and stderr to @log_fd (or inherited if < 0).
 * Return: its exit status, or -1. */
static int run_wait(char *const argv[], int log_fd)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (log_fd >= 0) {
			dup2(log_fd, STDOUT_FILENO);
			dup2(log_fd, STDERR_FILENO);
		}
		execvp(argv[0], argv);
		fprintf(stderr, "s2mm hyp: cannot run %s: %s\n", argv[0],
			strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int hyp_build_image(const char *build)
{
	char log[] = "/tmp/s2mm-hyp-build-XXXXXX";
	int fd = mkstemp(log), ret;
	char *argv[] = { "cmake", "--build", (char *)build, "--target", "s2hyp",
			 NULL };

	if (fd < 0) {
		perror("s2mm hyp: mkstemp");
		return -1;
	}
	unlink(log);
	fprintf(stderr, "s2mm hyp: cmake --build %s --target s2hyp\n", build);
	ret = run_wait(argv, fd);
	if (ret != 0) {
		char buf[4096];
		ssize_t n;

		lseek(fd, 0, SEEK_SET);
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			fwrite(buf, 1, (size_t)n, stderr);
		fprintf(stderr, "s2mm hyp: building s2hyp failed (status %d); "
			"is aarch64-linux-gnu-gcc installed, and the build "
			"configured without S2MM_SKIP_HYP?\n", ret);
	}
	close(fd);
	return ret == 0 ? 0 : -1;
}

struct tally {
	long passed, failed; /* from s2hyp's "guests: N passed, N failed" */
	int seen;
	int hyp_pass;	     /* s2hyp printed "PASS" */
};

static void scan_line(struct tally *t, const char *line)
{
	long p, f;

	if (sscanf(line, "guests: %ld passed, %ld failed", &p, &f) == 2) {
		t->passed = p;
		t->failed = f;
		t->seen = 1;
	}
	if (!strcmp(line, "PASS") || !strcmp(line, "PASS\r"))
		t->hyp_pass = 1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Boot QEMU, copy its output to stdout line by line while scanning it, and
 * kill it (the process we started, by its id) at the deadline.
 * Return: QEMU's exit status, 124 on timeout, or -1.
 */
static int run_qemu(const struct hyp_opts *o, const char *elf,
		    struct tally *t)
{
	const char *qemu = getenv("QEMU") ? getenv("QEMU") : "qemu-system-aarch64";
	char smp[16], append[128], line[4096];
	size_t len = 0;
	int pipefd[2], status, timed_out = 0;
	double deadline = now() + o->timeout, t0 = now();
	pid_t pid;

	snprintf(smp, sizeof(smp), "%u", o->cpus);
	snprintf(append, sizeof(append), "test=%s", o->scenario);
	if (o->guests)
		snprintf(append + strlen(append), sizeof(append) - strlen(append),
			 " guests=%u", o->guests);
	if (o->vmid_bits)
		snprintf(append + strlen(append), sizeof(append) - strlen(append),
			 " vmid-bits=%u", o->vmid_bits);
	char *argv[] = { (char *)qemu, "-M", "virt,virtualization=on", "-cpu",
			 (char *)o->cpu, "-m", "512M", "-smp", smp, "-nographic",
			 "-monitor", "none", "-semihosting", "-kernel",
			 (char *)elf, "-append", append, NULL };

	fprintf(stderr, "s2mm hyp: %s -M virt,virtualization=on -cpu %s -smp %s "
		"-kernel %s -append \"%s\"\n", qemu, o->cpu, smp, elf, append);
	if (pipe(pipefd))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int devnull = open("/dev/null", 0);

		if (devnull >= 0)
			dup2(devnull, STDIN_FILENO);
		dup2(pipefd[1], STDOUT_FILENO);
		dup2(pipefd[1], STDERR_FILENO);
		close(pipefd[0]);
		execvp(qemu, argv);
		fprintf(stderr, "s2mm hyp: cannot run %s: %s\n", qemu,
			strerror(errno));
		_exit(127);
	}
	close(pipefd[1]);
	for (;;) {
		struct pollfd pfd = { .fd = pipefd[0], .events = POLLIN };
		double left = deadline - now();
		char buf[4096];
		ssize_t n;

		if (left <= 0) {
			timed_out = 1;
			kill(pid, SIGKILL);
			break;
		}
		if (poll(&pfd, 1, (int)(left * 1000) + 1) <= 0)
			continue;
		n = read(pipefd[0], buf, sizeof(buf));
		if (n <= 0)
			break;
		fwrite(buf, 1, (size_t)n, stdout);
		fflush(stdout);
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] == '\n') {
				line[len] = '\0';
				scan_line(t, line);
				len = 0;
			} else if (len < sizeof(line) - 1) {
				line[len++] = buf[i];
			}
		}
	}
	close(pipefd[0]);
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	fprintf(stderr, "s2mm hyp: QEMU ran %.2f s\n", now() - t0);
	if (timed_out) {
		fprintf(stderr, "s2mm hyp: timed out after %u s\n", o->timeout);
		return 124;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int hyp_run(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "guests", required_argument, NULL, 'g' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "vmid-bits", required_argument, NULL, 'v' },
		{ "cpu", required_argument, NULL, 'C' },
		{ "scenario", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ "elf", required_argument, NULL, 'e' },
		{ "no-build", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct hyp_opts o = { .cpus = 4, .timeout = 120, .cpu = "cortex-a57",
			      .scenario = "many", .build = 1 };
	struct tally t = { 0 };
	char build[PATH_MAX], elf[PATH_MAX + 32];
	long v;
	int c, status;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
		switch (c) {
		case 'g':
			if (uint_arg("guests", optarg, 1, 1000000, "",
				     &o.guests))
				return 2;
			break;
		case 'c':
			/* s2hyp's HYP_MAX_CPUS is 8. */
			if (uint_arg("cpus", optarg, 1, 8, "", &o.cpus))
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
		case 'C':
			if (!*optarg || strchr(optarg, ',')) {
				fprintf(stderr, "s2mm hyp run: bad --cpu '%s'\n",
					optarg);
				return 2;
			}
			o.cpu = optarg;
			break;
		case 's':
			if (!scenario_known(optarg)) {
				fprintf(stderr, "s2mm hyp run: unknown scenario "
					"'%s' (see --help)\n", optarg);
				return 2;
			}
			o.scenario = optarg;
			break;
		case 't':
			if (uint_arg("timeout", optarg, 1, 3600, " seconds",
				     &o.timeout))
				return 2;
			break;
		case 'e':
			o.elf = optarg;
			o.build = 0;
			break;
		case 'n':
			o.build = 0;
			break;
		case 'h':
			hyp_usage(stdout);
			return 0;
		default:
			hyp_usage(stderr);
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
	if (o.vmid_bits == 16 && !strcmp(o.cpu, "cortex-a57")) {
		fprintf(stderr, "s2mm hyp run: cortex-a57 has 8-bit VMIDs; "
			"--vmid-bits 16 needs --cpu max\n");
		return 2;
	}

	if (o.elf) {
		snprintf(elf, sizeof(elf), "%s", o.elf);
	} else {
		if (hyp_build_dir(build, sizeof(build))) {
			fprintf(stderr, "s2mm hyp run: cannot find the build "
				"tree of this s2mm (no CMakeCache.txt two levels "
				"up); use --elf PATH\n");
			return 2;
		}
		if (o.build && hyp_build_image(build))
			return 1;
		snprintf(elf, sizeof(elf), "%s/hyp/image/s2hyp.elf", build);
	}
	if (access(elf, R_OK)) {
		fprintf(stderr, "s2mm hyp run: %s: %s\n", elf, strerror(errno));
		return 1;
	}

	status = run_qemu(&o, elf, &t);
	/* A hypervisor that failed without blaming a guest still fails. */
	if (status != HYP_EXIT_PASS && t.failed == 0)
		t.failed = 1;
	if (status == HYP_EXIT_PASS && !t.hyp_pass && t.failed == 0)
		t.failed = 1;
	if (status < 0)
		fprintf(stderr, "s2mm hyp run: QEMU did not exit normally\n");
	else if (status == HYP_EXIT_PANIC)
		fprintf(stderr, "s2mm hyp run: s2hyp panicked\n");
	else if (status != HYP_EXIT_PASS && status != 124)
		fprintf(stderr, "s2mm hyp run: s2hyp exited with status %d\n",
			status);
	printf("%ld passed, %ld failed\n", t.passed, t.failed);
	return status == HYP_EXIT_PASS && t.failed == 0 ? 0 : 1;
}

int cmd_hyp(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		hyp_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "run"))
		return hyp_run(argc - 1, argv + 1);
	if (!strcmp(argv[1], "fidelity"))
		return cmd_hyp_fidelity(argc - 1, argv + 1);
	fprintf(stderr, "s2mm hyp: unknown subcommand '%s' ('run' or 'fidelity')\n",
		argv[1]);
	return 2;
}

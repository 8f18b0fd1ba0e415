/* SPDX-License-Identifier: MIT */
/*
 * s2hyp under QEMU (qemu.h): image lookup, the command line, the deadline
 * and the diagnosis of a QEMU that cannot start.
 *
 * The command line asks for exactly what s2hyp uses on the virt machine:
 * EL2 (virtualization=on), the GICv2 of hyp/gic.c, the PL011 UART as the
 * console, semihosting for the exit status, -kernel/-append (and, for the
 * baseline Linux runs on plain QEMU, the same without EL2). -nodefaults
 * drops everything else QEMU would add on its own (a network card with its
 * iPXE option ROM, a monitor, a display), so no firmware file is ever
 * needed: QEMU's data directories may be empty.
 */
#define _POSIX_C_SOURCE 200809L

#include "qemu.h"

#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>


void s2hyp_qemu_init(struct s2hyp_qemu *q, const char *who,
		     unsigned int timeout)
{
	memset(q, 0, sizeof(*q));
	q->qemu = getenv("QEMU") && *getenv("QEMU") ? getenv("QEMU")
						    : "qemu-system-aarch64";
	q->build = 1;
	q->cpu = "cortex-a57";
	q->cpus = 1;
	q->mem_mib = 512;
	q->timeout = timeout;
	q->who = who;
}

void s2hyp_qemu_help(FILE *out, const struct s2hyp_qemu *q, int cpus)
{
	fprintf(out,
		"  --cpu NAME          QEMU CPU: cortex-a57 (8-bit VMIDs, default)\n"
		"                      or max (16-bit VMIDs)\n");
	if (cpus)
		fprintf(out,
			"  --cpus N            QEMU -smp, 1..8 (default %u)\n",
			q->cpus);
	fprintf(out,
		"  --timeout SEC       kill QEMU after SEC seconds (default %u)\n"
		"  --elf PATH          boot this s2hyp image (implies --no-build)\n"
		"  --no-build          do not build the build tree's image first\n"
		"  --qemu PATH         QEMU binary (default: $QEMU, else\n"
		"                      qemu-system-aarch64 on PATH)\n"
		"  --qemu-datadir DIR  QEMU -L: a directory searched first for\n"
		"                      firmware (s2hyp needs none)\n",
		q->timeout);
}

int s2hyp_qemu_option(struct s2hyp_qemu *q, int opt, const char *arg)
{
	long v;

	switch (opt) {
	case S2HYP_OPT_CPU:
		/* The CPUs s2hyp and the model know (checked here, before
		 * QEMU starts; a comma would also smuggle properties in). */
		if (strcmp(arg, "cortex-a57") && strcmp(arg, "max")) {
			fprintf(stderr, "%s: --cpu '%s': cortex-a57 or max\n",
				q->who, arg);
			return -1;
		}
		q->cpu = arg;
		return 1;
	case S2HYP_OPT_CPUS:
		/* s2hyp's HYP_MAX_CPUS is 8. */
		v = parse_uint(arg, 1, 8);
		if (v < 0) {
			fprintf(stderr, "%s: --cpus wants 1..8, not '%s'\n",
				q->who, arg);
			return -1;
		}
		q->cpus = (unsigned int)v;
		return 1;
	case S2HYP_OPT_TIMEOUT:
		v = parse_uint(arg, 1, 86400);
		if (v < 0) {
			fprintf(stderr, "%s: --timeout wants 1..86400 seconds, "
				"not '%s'\n", q->who, arg);
			return -1;
		}
		q->timeout = (unsigned int)v;
		return 1;
	case S2HYP_OPT_ELF:
		q->elf = arg;
		q->build = 0;
		return 1;
	case S2HYP_OPT_NO_BUILD:
		q->build = 0;
		return 1;
	case S2HYP_OPT_QEMU:
		if (!*arg) {
			fprintf(stderr, "%s: --qemu wants a path\n", q->who);
			return -1;
		}
		q->qemu = arg;
		return 1;
	case S2HYP_OPT_DATADIR: {
		struct stat st;

		if (stat(arg, &st) || !S_ISDIR(st.st_mode)) {
			fprintf(stderr, "%s: --qemu-datadir '%s' is not a "
				"directory\n", q->who, arg);
			return -1;
		}
		q->datadir = arg;
		return 1;
	}
	}
	return 0;
}

int s2hyp_qemu_option_or_usage(struct s2hyp_qemu *q, int opt, const char *arg,
			       void (*usage)(FILE *out,
					     const struct s2hyp_qemu *q))
{
	switch (s2hyp_qemu_option(q, opt, arg)) {
	case 1:
		return 0;
	case 0:
		usage(stderr, q);
		break;
	}
	return 2;
}

/* Is @name an executable, by path or on $PATH? */
static int executable(const char *name)
{
	const char *path = getenv("PATH");
	char buf[PATH_MAX];

	if (strchr(name, '/'))
		return access(name, X_OK) == 0;
	if (!path)
		path = "/usr/bin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");

		if ((size_t)snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, path,
				     name) < sizeof(buf) &&
		    access(buf, X_OK) == 0)
			return 1;
		path += n + (path[n] == ':');
	}
	return 0;
}

int s2mm_build_dir(char *out, size_t n)
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

/* cmake --build @build --target s2hyp, its output shown only on failure. */
static int build_image(const struct s2hyp_qemu *q, const char *build)
{
	char log[] = "/tmp/s2mm-hyp-build-XXXXXX";
	int fd = mkstemp(log), status;
	char *argv[] = { "cmake", "--build", (char *)build, "--target", "s2hyp",
			 NULL };
	pid_t pid;

	if (fd < 0) {
		fprintf(stderr, "%s: mkstemp: %s\n", q->who, strerror(errno));
		return -1;
	}
	unlink(log);
	fprintf(stderr, "%s: cmake --build %s --target s2hyp\n", q->who, build);
	pid = fork();
	if (pid == 0) {
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		execvp(argv[0], argv);
		fprintf(stderr, "cannot run cmake: %s\n", strerror(errno));
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0) {
		close(fd);
		return -1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		char buf[4096];
		ssize_t n;

		lseek(fd, 0, SEEK_SET);
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			fwrite(buf, 1, (size_t)n, stderr);
		if (!executable("aarch64-linux-gnu-gcc"))
			fprintf(stderr, "%s: cannot build s2hyp: "
				"aarch64-linux-gnu-gcc not found (Debian package "
				"gcc-aarch64-linux-gnu); install it, then "
				"configure the build tree again\n", q->who);
		else
			fprintf(stderr, "%s: building s2hyp failed (was the "
				"build tree configured with S2MM_SKIP_HYP?)\n",
				q->who);
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/*
 * The image must be an AArch64 ELF executable: QEMU would start anything
 * else and wait, silent, until the timeout (ELF: e_ident, e_type,
 * e_machine EM_AARCH64 = 183, little-endian).
 */
static int check_elf(const struct s2hyp_qemu *q)
{
	unsigned char h[20];
	FILE *f = fopen(q->image, "rb");
	size_t got = f ? fread(h, 1, sizeof(h), f) : 0;

	if (f)
		fclose(f);
	if (got < sizeof(h) || memcmp(h, "\177ELF", 4) || h[4] != 2 ||
	    h[5] != 1 || (h[16] | h[17] << 8) != 2 ||
	    (h[18] | h[19] << 8) != 183) {
		fprintf(stderr, "%s: %s is not an s2hyp image (not a 64-bit "
			"little-endian AArch64 ELF executable)\n", q->who,
			q->image);
		return -1;
	}
	return 0;
}

int s2hyp_qemu_image(struct s2hyp_qemu *q)
{
	char build[PATH_MAX];

	if (q->elf) {
		if ((size_t)snprintf(q->image, sizeof(q->image), "%s", q->elf) >=
		    sizeof(q->image)) {
			fprintf(stderr, "%s: --elf path too long\n", q->who);
			return -1;
		}
	} else {
		if (s2mm_build_dir(build, sizeof(build))) {
			fprintf(stderr, "%s: cannot find the build tree of this "
				"s2mm (no CMakeCache.txt two levels up); use "
				"--elf PATH\n", q->who);
			return -1;
		}
		if (q->build && build_image(q, build))
			return -1;
		if ((size_t)snprintf(q->image, sizeof(q->image),
				     "%s/hyp/image/s2hyp.elf", build) >=
		    sizeof(q->image)) {
			fprintf(stderr, "%s: build tree path too long\n",
				q->who);
			return -1;
		}
	}
	if (access(q->image, R_OK)) {
		fprintf(stderr, "%s: no s2hyp image: %s: %s%s\n", q->who,
			q->image, strerror(errno),
			q->elf ? "" : " (build it: cmake --build <build> "
				      "--target s2hyp, which needs Debian's "
				      "gcc-aarch64-linux-gnu)");
		return -1;
	}
	return check_elf(q);
}

/* The Debian package that ships QEMU's ROM or firmware file @file. */
static const char *rom_package(const char *file)
{
	if (!strncmp(file, "efi-", 4) || !strncmp(file, "pxe-", 4))
		return "ipxe-qemu";
	if (strstr(file, "AAVMF") || strstr(file, "QEMU_EFI"))
		return "qemu-efi-aarch64";
	if (strstr(file, "bios"))
		return "seabios";
	return "qemu-system-data";
}

/*
 * QEMU exited with @status before s2hyp printed a line; @early is what it
 * printed. Say in one message what is missing.
 */
/* What is booted: s2hyp, or Linux straight on QEMU. */
static const char *guest(const struct s2hyp_qemu *q)
{
	return q->direct_initrd ? "Linux" : "s2hyp";
}

static void diagnose(const struct s2hyp_qemu *q, int status, const char *early)
{
	const char *p;
	char file[256];

	if ((p = strstr(early, "failed to find romfile \"")) ||
	    (p = strstr(early, "Could not find ROM image '"))) {
		const char *s = strpbrk(p, "\"'") + 1;
		size_t n = strcspn(s, "\"'\n");

		snprintf(file, sizeof(file), "%.*s", (int)n, s);
		fprintf(stderr,
			"%s: cannot boot %s: QEMU wants the firmware file "
			"\"%s\" (Debian package %s) for a device s2hyp does "
			"not use; s2hyp's command line has -nodefaults, so "
			"this QEMU adds the device by itself: install %s or "
			"report it\n",
			q->who, guest(q), file, rom_package(file), rom_package(file));
	} else if (strstr(early, "unable to find CPU model")) {
		fprintf(stderr, "%s: cannot boot %s: %s has no CPU '%s' "
			"(--cpu: cortex-a57 or max)\n", q->who, guest(q), q->qemu, q->cpu);
	} else if (strstr(early, "virtualization") &&
		   strstr(early, "not found")) {
		fprintf(stderr, "%s: cannot boot %s: %s cannot emulate EL2 "
			"(-M virt,virtualization=on needs QEMU 2.12 or later; "
			"Debian's qemu-system-arm has it)\n", q->who, guest(q), q->qemu);
	} else if (status == 127 && strstr(early, "cannot run")) {
		fprintf(stderr, "%s: cannot boot %s: cannot run %s (Debian "
			"package qemu-system-arm)\n", q->who, guest(q), q->qemu);
	} else if (status == S2HYP_EXIT_TIMEOUT) {
		fprintf(stderr, "%s: cannot boot %s: QEMU printed no %s "
			"line in %u s (is %s an s2hyp image?)\n", q->who, guest(q),
			guest(q), q->timeout, q->image);
	} else {
		size_t n = strcspn(early, "\n");

		fprintf(stderr, "%s: cannot boot %s: QEMU exited with status "
			"%d before %s started%s%.*s\n", q->who, guest(q), status,
			guest(q), n ? ": " : "", (int)n, early);
	}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* What the console said, line by line, while QEMU runs. */
struct console {
	char line[4096];
	size_t len;
	int spoke;		/* s2hyp printed a line */
	char early[2048];	/* QEMU's output before that */
	size_t early_len;
	s2hyp_line_fn *on_line;
	void *ctx;
};

static void console_line(struct console *c)
{
	if (c->len && c->line[c->len - 1] == '\r')
		c->len--;
	c->line[c->len] = '\0';
	if (!strncmp(c->line, "s2hyp", 5))
		c->spoke = 1;
	if (!c->spoke) {
		int n = snprintf(c->early + c->early_len,
				 sizeof(c->early) - c->early_len, "%s\n",
				 c->line);

		if (n > 0)
			c->early_len += (size_t)n;
		if (c->early_len >= sizeof(c->early))
			c->early_len = sizeof(c->early) - 1;
	}
	if (c->on_line)
		c->on_line(c->ctx, c->line);
	c->len = 0;
}

/*
 * Run @argv[0] (a path, or a name looked up in $PATH) with stdin from
 * /dev/null and stdout and stderr into a pipe, whose read end goes to
 * *@fd. Return: the child's pid, or -1.
 */
static pid_t spawn(const char *const *argv, int *fd)
{
	int pipefd[2];
	pid_t pid;

	if (pipe(pipefd))
		return -1;
	pid = fork();
	if (pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return -1;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);

		if (devnull >= 0)
			dup2(devnull, STDIN_FILENO);
		dup2(pipefd[1], STDOUT_FILENO);
		dup2(pipefd[1], STDERR_FILENO);
		close(pipefd[0]);
		execv(argv[0], (char *const *)argv);
		if (!strchr(argv[0], '/'))
			execvp(argv[0], (char *const *)argv);
		fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(pipefd[1]);
	*fd = pipefd[0];
	return pid;
}

int s2hyp_qemu_boot(const struct s2hyp_qemu *q, const char *cmdline,
		    int quiet, s2hyp_line_fn *on_line, void *ctx,
		    struct s2hyp_boot_result *res)
{
	char smp[16], mem[16], blob[S2HYP_MAX_BLOBS][PATH_MAX + 64];
	const char *argv[32 + 2 * S2HYP_MAX_BLOBS + S2HYP_MAX_EXTRA];
	struct console c = { .on_line = on_line, .ctx = ctx };
	double t0 = now(), deadline = t0 + q->timeout, heard = t0;
	int fd, status, timed_out = 0, silent = 0, ret;
	size_t n = 0;
	pid_t pid;

	if (!executable(q->qemu)) {
		fprintf(stderr, "%s: cannot boot %s: %s not found (Debian "
			"package qemu-system-arm; or set --qemu or $QEMU)\n",
			q->who, guest(q), q->qemu);
		return -1;
	}
	snprintf(smp, sizeof(smp), "%u", q->cpus);
	snprintf(mem, sizeof(mem), "%uM", q->mem_mib);
	argv[n++] = q->qemu;
	argv[n++] = "-M";
	argv[n++] = q->direct_initrd ? "virt,gic-version=2"
				     : "virt,virtualization=on,gic-version=2";
	argv[n++] = "-cpu";
	/* max's pointer authentication: QEMU's IMPLEMENTATION DEFINED
	 * algorithm, which the architecture allows (ID_AA64ISAR1_EL1.API),
	 * instead of QARMA5: Debian's kernel signs every return address, and
	 * under TCG QARMA5 made Linux guests 3 times slower. Translation is
	 * the same either way. */
	argv[n++] = strcmp(q->cpu, "max") ? q->cpu : "max,pauth-impdef=on";
	argv[n++] = "-smp";
	argv[n++] = smp;
	argv[n++] = "-m";
	argv[n++] = mem;
	argv[n++] = "-nodefaults";
	argv[n++] = "-display";
	argv[n++] = "none";
	argv[n++] = "-serial";
	argv[n++] = "stdio";
	/* s2hyp's exit status comes by semihosting; Linux's power-off by
	 * PSCI ends QEMU by itself. */
	if (!q->direct_initrd)
		argv[n++] = "-semihosting";
	if (q->datadir) {
		argv[n++] = "-L";
		argv[n++] = q->datadir;
	}
	/* The generic loader is a pseudo-device: no ROM, no guest-visible
	 * hardware, just bytes in RAM before the CPUs start. */
	for (unsigned int i = 0; i < q->nr_blobs; i++) {
		/* QEMU's option syntax would split the path at a comma. */
		if (strchr(q->blobs[i].path, ',')) {
			fprintf(stderr, "%s: a comma in %s: QEMU cannot load "
				"it; use another directory\n", q->who,
				q->blobs[i].path);
			return -1;
		}
		if ((size_t)snprintf(blob[i], sizeof(blob[i]),
				     "loader,file=%s,addr=0x%llx,force-raw=on",
				     q->blobs[i].path,
				     (unsigned long long)q->blobs[i].pa) >=
		    sizeof(blob[i])) {
			fprintf(stderr, "%s: path too long: %s\n", q->who,
				q->blobs[i].path);
			return -1;
		}
		argv[n++] = "-device";
		argv[n++] = blob[i];
	}
	for (unsigned int i = 0; i < q->nr_extra; i++)
		argv[n++] = q->extra[i];
	argv[n++] = "-kernel";
	argv[n++] = q->image;
	if (q->direct_initrd) {
		argv[n++] = "-initrd";
		argv[n++] = q->direct_initrd;
	}
	argv[n++] = "-append";
	argv[n++] = cmdline;
	argv[n] = NULL;

	if (!q->terse) {
		fprintf(stderr, "%s:", q->who);
		for (size_t i = 0; i < n; i++)
			fprintf(stderr, strpbrk(argv[i], " \"") ? " '%s'" : " %s",
				argv[i]);
		fprintf(stderr, "\n");
	}
	fflush(stdout);
	pid = spawn(argv, &fd);
	if (pid < 0)
		return -1;
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		double left = deadline - now();
		char buf[4096];
		ssize_t got;

		if (q->silence && heard + q->silence - now() < left)
			left = heard + q->silence - now();
		if (left <= 0) {
			timed_out = deadline <= now();
			silent = !timed_out;
			kill(pid, SIGKILL);
			break;
		}
		if (poll(&pfd, 1, (int)(left * 1000) + 1) <= 0)
			continue;
		got = read(fd, buf, sizeof(buf));
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		heard = now();
		if (!quiet) {
			fwrite(buf, 1, (size_t)got, stdout);
			fflush(stdout);
		}
		for (ssize_t i = 0; i < got; i++) {
			if (buf[i] == '\n')
				console_line(&c);
			else if (c.len < sizeof(c.line) - 1)
				c.line[c.len++] = buf[i];
		}
	}
	if (c.len)
		console_line(&c);
	close(fd);
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	if (timed_out) {
		fprintf(stderr, "%s: timed out after %u s; QEMU killed\n",
			q->who, q->timeout);
		ret = S2HYP_EXIT_TIMEOUT;
	} else if (silent) {
		fprintf(stderr, "%s: QEMU silent for %u s (hung); killed\n",
			q->who, q->silence);
		ret = S2HYP_EXIT_TIMEOUT;
	} else {
		ret = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	}
	if (ret != S2HYP_EXIT_PASS && !c.spoke) {
		if (quiet)
			fputs(c.early, stderr);
		diagnose(q, ret, c.early);
	}
	if (res) {
		res->spoke = c.spoke;
		res->seconds = now() - t0;
	}
	return ret;
}

/* The preflight's console: kept to be shown if the boot fails. */
struct check_log {
	char text[16384];
	size_t len;
	int pass;
};

static void check_line(void *ctx, const char *line)
{
	struct check_log *l = ctx;
	int n;

	if (!strcmp(line, "PASS"))
		l->pass = 1;
	n = snprintf(l->text + l->len, sizeof(l->text) - l->len, "%s\n", line);
	if (n > 0)
		l->len += (size_t)n;
	if (l->len >= sizeof(l->text))
		l->len = sizeof(l->text) - 1;
}

int s2hyp_qemu_check(struct s2hyp_qemu *q)
{
	struct check_log log = { .len = 0 };
	struct s2hyp_boot_result res;
	int status;

	if (s2hyp_qemu_image(q))
		return -1;
	status = s2hyp_qemu_boot(q, "test=boot", 1, check_line, &log, &res);
	if (status == S2HYP_EXIT_PASS && log.pass) {
		printf("%s: ok: s2hyp boots on %s -cpu %s -smp %u (%.2f s)\n",
		       q->who, q->qemu, q->cpu, q->cpus, res.seconds);
		return 0;
	}
	if (!res.spoke) {
		/* A failed QEMU is diagnosed by s2hyp_qemu_boot(). */
		if (status == S2HYP_EXIT_PASS)
			fprintf(stderr, "%s: QEMU exited 0 but s2hyp printed "
				"nothing: is %s an s2hyp image?\n", q->who,
				q->image);
		return -1;
	}
	fputs(log.text, stderr);
	fprintf(stderr, "%s: s2hyp booted but %s (status %d): see its console "
		"above\n", q->who,
		status == S2HYP_EXIT_PASS	? "did not print PASS" :
		status == S2HYP_EXIT_TIMEOUT	? "hung" : "failed",
		status);
	return -1;
}

int s2hyp_qemu_version(const struct s2hyp_qemu *q, unsigned int *major,
		       unsigned int *minor)
{
	const char *argv[] = { q->qemu, "--version", NULL };
	char out[512] = "";
	const char *v;
	size_t len = 0;
	int fd, status;
	ssize_t got;
	pid_t pid;

	pid = spawn(argv, &fd);
	if (pid < 0)
		return -1;
	while (len < sizeof(out) - 1 &&
	       (got = read(fd, out + len, sizeof(out) - 1 - len)) != 0) {
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			break;
		len += (size_t)got;
	}
	out[len] = '\0';
	close(fd);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
		return -1;
	/* "QEMU emulator version 7.2.22 (Debian ...)" */
	v = strstr(out, "version ");
	if (!v || sscanf(v + 8, "%u.%u", major, minor) != 2)
		return -1;
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * s2hyp under QEMU: the one place that finds (and builds) the s2hyp image,
 * writes QEMU's command line, boots it under a deadline, and says what is
 * missing when QEMU cannot start. Every `s2mm hyp` subcommand and every
 * QEMU test boots s2hyp through here.
 */
#ifndef S2MM_CLI_QEMU_H
#define S2MM_CLI_QEMU_H

#include <getopt.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define S2HYP_MAX_BLOBS	4
#define S2HYP_MAX_EXTRA	10

/* How to boot s2hyp; s2hyp_qemu_init() sets the defaults. */
struct s2hyp_qemu {
	const char *qemu;	/* the binary: --qemu, $QEMU or qemu-system-aarch64 */
	const char *datadir;	/* QEMU -L (searched first for ROMs); NULL: none */
	const char *elf;	/* --elf; NULL: the build tree's image */
	int build;		/* build the build tree's image first */
	const char *cpu;	/* QEMU -cpu */
	unsigned int cpus;	/* QEMU -smp */
	unsigned int mem_mib;	/* QEMU -m */
	unsigned int timeout;	/* seconds until QEMU is killed */
	unsigned int silence;	/* ... or silent that long (0: no limit) */
	int terse;		/* do not echo QEMU's command line */
	const char *who;	/* "s2mm hyp run": prefixes every message */
	/* Files QEMU's generic loader puts in RAM for s2hyp (Linux guests). */
	struct s2hyp_blob {
		const char *path;
		uint64_t pa;
	} blobs[S2HYP_MAX_BLOBS];
	unsigned int nr_blobs;
	/* Not s2hyp but Linux straight on QEMU (the baseline s2hyp is
	 * measured against): image is the kernel, this its initramfs. */
	const char *direct_initrd;
	/* More options, before -kernel (`s2mm record`: its plugin,
	 * -icount; a second -M adds to the machine's properties). */
	const char *extra[S2HYP_MAX_EXTRA];
	unsigned int nr_extra;
	char image[PATH_MAX];	/* the image s2hyp_qemu_image() chose */
};

/* The options every `s2mm hyp` subcommand shares (long options only). */
enum {
	S2HYP_OPT_CPU = 0x100,
	S2HYP_OPT_CPUS,
	S2HYP_OPT_TIMEOUT,
	S2HYP_OPT_ELF,
	S2HYP_OPT_NO_BUILD,
	S2HYP_OPT_QEMU,
	S2HYP_OPT_DATADIR,
};
/* struct option entries for them, to put in a subcommand's table. */
#define S2HYP_OPTIONS_BOOT                                                    \
	{ "cpu", required_argument, NULL, S2HYP_OPT_CPU },                    \
	{ "timeout", required_argument, NULL, S2HYP_OPT_TIMEOUT },            \
	{ "elf", required_argument, NULL, S2HYP_OPT_ELF },                    \
	{ "no-build", no_argument, NULL, S2HYP_OPT_NO_BUILD },                \
	{ "qemu", required_argument, NULL, S2HYP_OPT_QEMU },                  \
	{ "qemu-datadir", required_argument, NULL, S2HYP_OPT_DATADIR }
#define S2HYP_OPTION_CPUS { "cpus", required_argument, NULL, S2HYP_OPT_CPUS }

/**
 * s2hyp_qemu_help() - Print the shared options' help, with @q's defaults;
 * --cpus too when @cpus.
 */
void s2hyp_qemu_help(FILE *out, const struct s2hyp_qemu *q, int cpus);

/**
 * s2hyp_qemu_init() - Defaults: cortex-a57, 1 CPU, 512 MiB, build first.
 * @who: the subcommand's name for messages; @timeout: its default seconds.
 */
void s2hyp_qemu_init(struct s2hyp_qemu *q, const char *who,
		     unsigned int timeout);

/**
 * s2hyp_qemu_option() - Take one of the shared options.
 * Return: 1 when @opt was one (and valid), 0 when it is not shared, -1 after
 * saying what is wrong with @arg.
 */
int s2hyp_qemu_option(struct s2hyp_qemu *q, int opt, const char *arg);

/**
 * s2hyp_qemu_image() - Choose the image: --elf, or the build tree this s2mm
 * binary lives in (<build>/cli/s2mm -> <build>/hyp/image/s2hyp.elf), built
 * first unless --no-build. Fills @q->image.
 * Return: 0, or -1 after saying what is missing.
 */
int s2hyp_qemu_image(struct s2hyp_qemu *q);

/**
 * s2mm_build_dir() - The build tree this s2mm binary lives in
 * (<build>/cli/s2mm, with <build>/CMakeCache.txt). Return: 0, or -1.
 */
int s2mm_build_dir(char *out, size_t n);

/* s2hyp's exit statuses (hyp/hyp.h HYP_EXIT_*), which QEMU's semihosting
 * exit passes through, and the launcher's own for a deadline reached. */
#define S2HYP_EXIT_PASS		0
#define S2HYP_EXIT_FAIL		1
#define S2HYP_EXIT_PANIC	3
#define S2HYP_EXIT_TIMEOUT	124

/* Called with each console line (no newline) as it arrives. */
typedef void s2hyp_line_fn(void *ctx, const char *line);

/* How a boot went, beyond its exit status. */
struct s2hyp_boot_result {
	int spoke;		/* s2hyp printed a line (else QEMU failed) */
	double seconds;		/* QEMU's wall time */
};

/**
 * s2hyp_qemu_boot() - Boot @q->image with s2hyp's command line @cmdline,
 * copy the console to stdout (unless @quiet) and hand each line to @on_line
 * (may be NULL). QEMU is killed at the deadline, or when its console has
 * been silent for @q->silence seconds (a hang). When QEMU fails before
 * s2hyp says anything, one message names what is missing. @res (may be
 * NULL) gets whether s2hyp spoke and QEMU's wall time.
 * Return: QEMU's exit status (s2hyp's, by semihosting), S2HYP_EXIT_TIMEOUT
 * (either limit), or -1 when QEMU could not run or died by a signal.
 */
int s2hyp_qemu_boot(const struct s2hyp_qemu *q, const char *cmdline,
		    int quiet, s2hyp_line_fn *on_line, void *ctx,
		    struct s2hyp_boot_result *res);

/**
 * s2hyp_qemu_version() - The version @q->qemu --version reports, as
 * @major.@minor. Return: 0, or -1 when it cannot be told.
 */
int s2hyp_qemu_version(const struct s2hyp_qemu *q, unsigned int *major,
		       unsigned int *minor);

/**
 * s2hyp_qemu_option_or_usage() - In a subcommand's getopt loop, for an
 * option it does not take itself: one of the shared ones, or a usage error.
 * Return: 0 to go on, or the exit status 2 (after the usage or a message).
 */
int s2hyp_qemu_option_or_usage(struct s2hyp_qemu *q, int opt, const char *arg,
			       void (*usage)(FILE *out,
					     const struct s2hyp_qemu *q));

/**
 * s2hyp_qemu_check() - Preflight: boot the smallest image (test=boot) once.
 * Return: 0 when s2hyp passed, or -1 after one message naming what is
 * missing (a package, a file or an option) and, if QEMU ran, its console.
 */
int s2hyp_qemu_check(struct s2hyp_qemu *q);

#endif

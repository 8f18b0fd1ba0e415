/* SPDX-License-Identifier: MIT */
/*
 * s2mm hyp boot: s2hyp with a command line of the caller's, its exit
 * status passed through (what the QEMU tests drive); s2mm hyp check: the
 * preflight, one boot of the smallest image and a clear word when it
 * cannot work.
 */
#define _POSIX_C_SOURCE 200809L

#include <getopt.h>
#include <string.h>

#include "cli.h"
#include "qemu.h"

/* `hyp boot` exit statuses beside s2hyp's own (0 pass, 1 fail, 3 panic). */
#define BOOT_EXIT_USAGE 2
#define BOOT_EXIT_NO_QEMU 125

static void boot_usage(FILE *out, const struct s2hyp_qemu *q)
{
	fprintf(out,
		"usage: s2mm hyp boot [QEMU options] [--] [S2HYP-ARGS...]\n\n"
		"Boot s2hyp with S2HYP-ARGS as its command line (default\n"
		"'test=boot'; e.g. 'test=many guests=100 vmid-bits=8'), copy its\n"
		"console to stdout and exit with its status: 0 passed, 1 failed,\n"
		"3 panicked; 124 timed out, 125 QEMU or the image missing or\n"
		"QEMU died, 2 bad options.\n\nQEMU options:\n");
	s2hyp_qemu_help(out, q, 1);
}

/*
 * Parse the shared options of `hyp boot` and `hyp check` into @q.
 * Return: 0, 1 after --help, or -1 on a bad option (usage printed).
 */
static int boot_options(int argc, char **argv, struct s2hyp_qemu *q,
			void (*usage)(FILE *, const struct s2hyp_qemu *))
{
	static const struct option lopts[] = {
		{ "help", no_argument, NULL, 'h' },
		S2HYP_OPTIONS_BOOT,
		S2HYP_OPTION_CPUS,
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 1;
	/* "+": S2HYP-ARGS start at the first non-option. */
	while ((c = getopt_long(argc, argv, "+h", lopts, NULL)) != -1) {
		if (c == 'h') {
			usage(stdout, q);
			return 1;
		}
		if (s2hyp_qemu_option_or_usage(q, c, optarg, usage))
			return -1;
	}
	return 0;
}

int cmd_hyp_boot(int argc, char **argv)
{
	struct s2hyp_qemu q;
	char cmdline[1024] = "test=boot";
	size_t len = 0;
	int ret, status;

	s2hyp_qemu_init(&q, "s2mm hyp boot", 60);
	ret = boot_options(argc, argv, &q, boot_usage);
	if (ret)
		return ret > 0 ? 0 : BOOT_EXIT_USAGE;
	for (int i = optind; i < argc; i++) {
		size_t n = strlen(argv[i]);

		if (len + n + 2 > sizeof(cmdline)) {
			fprintf(stderr, "s2mm hyp boot: s2hyp's command line "
				"is limited to %zu bytes\n", sizeof(cmdline) - 1);
			return BOOT_EXIT_USAGE;
		}
		if (len)
			cmdline[len++] = ' ';
		memcpy(cmdline + len, argv[i], n + 1);
		len += n;
	}
	if (s2hyp_qemu_image(&q))
		return BOOT_EXIT_NO_QEMU;
	status = s2hyp_qemu_boot(&q, cmdline, 0, NULL, NULL, NULL);
	if (status < 0)
		return BOOT_EXIT_NO_QEMU;
	return status;
}

static void check_usage(FILE *out, const struct s2hyp_qemu *q)
{
	fprintf(out,
		"usage: s2mm hyp check [QEMU options]\n\n"
		"Boot the smallest s2hyp run (test=boot) once. Exit 0 when it\n"
		"passed; else say what is missing (a package, a file, an option).\n"
		"\nQEMU options:\n");
	s2hyp_qemu_help(out, q, 1);
}

int cmd_hyp_check(int argc, char **argv)
{
	struct s2hyp_qemu q;
	int ret;

	s2hyp_qemu_init(&q, "s2mm hyp check", 60);
	ret = boot_options(argc, argv, &q, check_usage);
	if (ret)
		return ret > 0 ? 0 : 2;
	if (optind < argc) {
		fprintf(stderr, "s2mm hyp check: unexpected argument '%s'\n",
			argv[optind]);
		return 2;
	}
	return s2hyp_qemu_check(&q) ? 1 : 0;
}

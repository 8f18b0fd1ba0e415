/* SPDX-License-Identifier: MIT */
/* s2mm: the command users run. Dispatches to a subcommand. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *help;
} commands[] = {
	{ "demo", cmd_demo,
	  "build a VM's stage-2 tables, fault memory in, dirty-log it, show the tables" },
	{ "run", cmd_run,
	  "simulate CPUs running many VMs: TLBs, 2D walks, faults, VMID rollover" },
	{ "trace", cmd_trace,
	  "replay a program's memory trace (valgrind lackey) as a VM's guest" },
	{ "record", cmd_record,
	  "record real arm64 software's memory accesses with a QEMU plugin" },
	{ "sweep", cmd_sweep,
	  "run a grid of run/trace options as parallel processes: CSV, plots, Slurm" },
	{ "explain", cmd_explain,
	  "show one address's 2D walk step by step (text and SVG)" },
	{ "hyp", cmd_hyp, "boot s2hyp (the EL2 hypervisor) under QEMU and run guests" },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: s2mm <command> [options]\n\n"
		     "ARM stage-2 memory virtualization: library, MMU model and tools.\n\n"
		     "commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(out, "\n's2mm <command> --help' describes a command's options;\n"
		     "'s2mm --version' prints the version.\n");
}

long parse_uint(const char *s, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return -1;
	return v;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version")) {
		/* CMake's project(VERSION): the libraries' and the .pc files' too. */
		printf("s2mm %s\n", S2MM_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "s2mm: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return 2;
}

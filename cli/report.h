/* SPDX-License-Identifier: MIT */
/*
 * Reports of `s2mm run` and `s2mm trace`: the terminal summary, a progress
 * line, --json (jansson), --csv time series and --plot through gnuplot, and
 * the command-line options they share with `s2mm explain` (the machine's
 * knobs, parsed into a struct sim_config: sim/config.h has its defaults,
 * limits and check).
 */
#ifndef S2MM_CLI_REPORT_H
#define S2MM_CLI_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "parse_num.h"
#include "sim.h"

struct report_sample {
	double t;
	uint64_t accesses, hits, misses, s1_faults, s2_faults, rollovers, flushes;
	uint64_t s2_translation, s2_permission, s2_access_flag, s2_s1ptw;
};

struct report {
	const char *command;       /* "run", "trace" or "explain" */
	const char *workload;      /* workload name or trace file */
	struct sim_config cfg;     /* the machine's, filled by report_finish() */
	uint64_t seed, slice, trace_lines;
	struct sim_stats st;
	double seconds;
	/* Outputs. */
	const char *json, *csv, *plot;
	bool quiet, progress;
	/* --cost: the cost model's prices (SIM_COST_DEFAULT until given). */
	bool cost_given;
	struct sim_cost_model cost;
	/* Progress: a live line on a terminal; else whole lines (logs,
	 * CI), every @progress_every seconds (0: the default). */
	bool progress_lines;
	double progress_every;
	/* Time series, every @sample_every accesses. */
	uint64_t sample_every, next_sample, total;
	struct report_sample *samples;
	size_t nsamples, cap;
	double t0, next_progress;
};

/* Long-option ids of the shared options (getopt_long's val). */
enum {
	OPT_CPUS = 256, OPT_VMS, OPT_VCPUS, OPT_VMID_BITS, OPT_GRANULE,
	OPT_IPA_BITS, OPT_PA_BITS, OPT_S1_GRANULE, OPT_S1_FORMAT, OPT_VA_BITS,
	OPT_BLOCKS, OPT_NO_BLOCKS, OPT_TLB_ENTRIES, OPT_TLB_WAYS, OPT_NO_UTLB,
	OPT_S1_WC, OPT_S2_WC, OPT_NESTED_TLB, OPT_NO_TLB_FETCH,
	OPT_VM_MEM, OPT_DIRTY_VMS, OPT_DIRTY_EVERY, OPT_RECLAIM_EVERY,
	OPT_JSON, OPT_CSV, OPT_PLOT, OPT_QUIET, OPT_SAMPLE, OPT_DROP_TLBI, OPT_DROP_FLUSH,
	OPT_PROGRESS, OPT_CHECK_BBM, OPT_DROP_DSB, OPT_COST, OPT_FWB, OPT_HW_AF,
	OPT_HW_DIRTY, OPT_DIRTY_LOG, OPT_CONTIG, OPT_TLB_CONTIG,
	OPT_CMD_BASE = 512,        /* each command's own options from here */
};

/* The shared options, for a command's getopt_long table (NULL-terminated). */
#define REPORT_LONGOPTS                                                   \
	{ "cpus", 1, 0, OPT_CPUS }, { "vms", 1, 0, OPT_VMS },             \
	{ "vcpus", 1, 0, OPT_VCPUS }, { "vmid-bits", 1, 0, OPT_VMID_BITS }, \
	{ "granule", 1, 0, OPT_GRANULE }, { "ipa-bits", 1, 0, OPT_IPA_BITS }, \
	{ "pa-bits", 1, 0, OPT_PA_BITS },                                 \
	{ "s1-granule", 1, 0, OPT_S1_GRANULE },                           \
	{ "s1-format", 1, 0, OPT_S1_FORMAT }, { "va-bits", 1, 0, OPT_VA_BITS }, \
	{ "blocks", 0, 0, OPT_BLOCKS }, { "no-blocks", 0, 0, OPT_NO_BLOCKS }, \
	{ "tlb-entries", 1, 0, OPT_TLB_ENTRIES },                         \
	{ "tlb-ways", 1, 0, OPT_TLB_WAYS }, { "no-utlb", 0, 0, OPT_NO_UTLB }, \
	{ "s1-walk-cache", 1, 0, OPT_S1_WC }, { "s2-walk-cache", 1, 0, OPT_S2_WC }, \
	{ "nested-tlb", 1, 0, OPT_NESTED_TLB },                          \
	{ "no-tlb-fetch", 0, 0, OPT_NO_TLB_FETCH },                      \
	{ "vm-mem", 1, 0, OPT_VM_MEM }, { "dirty-vms", 1, 0, OPT_DIRTY_VMS }, \
	{ "dirty-every", 1, 0, OPT_DIRTY_EVERY },                         \
	{ "dirty-log", 1, 0, OPT_DIRTY_LOG },                             \
	{ "reclaim-every", 1, 0, OPT_RECLAIM_EVERY },                     \
	{ "json", 1, 0, OPT_JSON }, { "csv", 1, 0, OPT_CSV },             \
	{ "plot", 1, 0, OPT_PLOT }, { "quiet", 0, 0, OPT_QUIET },         \
	{ "sample", 1, 0, OPT_SAMPLE }, { "progress", 1, 0, OPT_PROGRESS }, \
	{ "inject-missing-tlbi", 0, 0, OPT_DROP_TLBI },                   \
	{ "inject-missing-rollover-flush", 0, 0, OPT_DROP_FLUSH },        \
	{ "check-bbm", 0, 0, OPT_CHECK_BBM }, { "fwb", 0, 0, OPT_FWB },   \
	{ "hw-af", 0, 0, OPT_HW_AF }, { "hw-dirty", 0, 0, OPT_HW_DIRTY },  \
	{ "contig", 0, 0, OPT_CONTIG },                                   \
	{ "tlb-contig", 1, 0, OPT_TLB_CONTIG },                           \
	{ "inject-missing-dsb", 0, 0, OPT_DROP_DSB },                     \
	{ "cost", 1, 0, OPT_COST }

/* Help text of the shared options. */
extern const char report_options_help[];

struct option;

/**
 * report_getopt() - getopt_long() over @opts for `s2mm @rep->command`. The
 * shared options (REPORT_LONGOPTS) are applied to @cfg and @rep here; the
 * command's own come back to the caller. The first call names the command
 * in argv[0], for getopt's own messages, and starts at argv[1].
 * Return: the next option of the command's own (its argument in optarg);
 * -1 after the last option (optind: the first operand), once the output
 * files (--json, --csv, --plot) were found writable; '?' after an error was
 * printed (a bad value, an unknown option, an output that cannot be
 * written): exit status 2.
 */
int report_getopt(int argc, char **argv, const struct option *opts,
		  struct sim_config *cfg, struct report *rep);


/** report_begin() - Start the clock; @total accesses expected (0: unknown). */
void report_begin(struct report *rep, uint64_t total);

/** report_tick() - Take samples and update the progress line (cheap). */
void report_tick(struct report *rep, struct sim *s);

/**
 * report_finish() - Collect the machine's configuration and totals, print
 * the summary, write the files.
 * Return: the exit status: 0, 1 when a self-check failed, 2 when a file
 * could not be written.
 */
int report_finish(struct report *rep, struct sim *s);

void report_free(struct report *rep);

#endif

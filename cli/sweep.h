/* SPDX-License-Identifier: MIT */
/*
 * s2mm sweep: the grid (cli/sweep.c runs it) and its results
 * (cli/sweep_results.c: results.csv and the plots).
 */
#ifndef S2MM_CLI_SWEEP_H
#define S2MM_CLI_SWEEP_H

#include <limits.h>

#include <jansson.h>

#define SWEEP_MAX_VARY	8
#define SWEEP_MAX_RUNS	100000
#define SWEEP_MAX_PLOTS	8

/* One --vary: an option of the command and its values, in order. */
struct vary {
	char *opt;		/* without the leading "--" */
	char **val;
	unsigned int n;
};

/* A sweep: its definition (sweep.json) and the directory it lives in. */
struct sweep {
	const char *who;
	char dir[PATH_MAX];
	char exe[PATH_MAX];
	char **cmd;		/* COMMAND ARGS...: argv's, or sweep.json's strings */
	char **cmd_alloc;	/* @cmd when allocated for sweep.json's */
	unsigned int ncmd;
	struct vary vary[SWEEP_MAX_VARY];
	unsigned int nvary;
	unsigned long runs;
	json_t *def;		/* sweep.json's object */
};

/* One --plot: metric Y (KEY or KEY/KEY) against varied option X. */
struct plot {
	char y[128];
	char x[64];
	char file[PATH_MAX];
	unsigned int xk;	/* X's index in vary[] */
};

/** sweep_value() - Run @r's value of the varied option @k. */
const char *sweep_value(const struct sweep *sw, unsigned long r, unsigned int k);

/** sweep_run_path() - @dir/runs/NNNN.@ext of run @r into @buf. */
void sweep_run_path(const struct sweep *sw, unsigned long r, const char *ext,
		    char *buf, size_t size);

/**
 * sweep_parse_plot() - --plot Y:X[:FILE] into @p (X not yet looked up).
 * Return: 0, or -1 after saying why.
 */
int sweep_parse_plot(const char *who, const char *arg, struct plot *p);

/**
 * sweep_collect() - Write @sw->dir/results.csv from the finished runs'
 * reports, then each of @plots through gnuplot.
 * Return: 0, or -1 after saying why.
 */
int sweep_collect(const struct sweep *sw, struct plot *plots, unsigned int nplots);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * What the benchmarks share: a monotonic clock, a fatal error check, a
 * barrier that keeps a baseline's work observable, and the report: where
 * the benchmark ran (CPU model, cores) and one PASS/FAIL line per goal
 * against its same-run baseline, also appended as a JSON line to the file
 * $S2MM_BENCH_JSON names (bench/run gathers them).
 */
#ifndef S2MM_BENCH_H
#define S2MM_BENCH_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <s2mm/error.h>

static inline double bench_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Stop the benchmark on any error: a number measured past one is noise. */
static inline void bench_check(int ret, const char *what)
{
	if (ret) {
		fprintf(stderr, "%s: %s\n", what, s2_strerror(ret));
		exit(1);
	}
}

/*
 * The compiler must assume that @p's memory was read here: a baseline
 * (a memset, a store loop) whose result nothing reads could be deleted.
 */
static inline void bench_keep(const void *p)
{
	__asm__ volatile("" : : "r"(p) : "memory");
}

/* The CPU's model name, as lscpu and /proc/cpuinfo give it. */
static inline const char *bench_cpu(void)
{
	static char model[128];
	char line[256];
	FILE *f;

	if (model[0])
		return model;
	strcpy(model, "unknown CPU");
	f = fopen("/proc/cpuinfo", "r");
	if (!f)
		return model;
	while (fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (strncmp(line, "model name", 10) || !colon)
			continue;
		colon += 1 + (colon[1] == ' ');
		colon[strcspn(colon, "\n")] = 0;
		snprintf(model, sizeof(model), "%s", colon);
		break;
	}
	fclose(f);
	return model;
}

static const char *bench_name_ = "bench";

/* Start the report of benchmark @name: where it runs. */
static inline void bench_start(const char *name)
{
	bench_name_ = name;
	printf("%s on %s, %ld cores\n", name, bench_cpu(), sysconf(_SC_NPROCESSORS_ONLN));
}

/*
 * One goal: @value (in @unit; a ratio against the same run's baseline
 * where the goal is one) must be at most (@at_most) or at least @limit.
 * Prints PASS or FAIL; returns whether it passed.
 */
static inline bool bench_goal(const char *goal, double value, bool at_most, double limit,
			      const char *unit)
{
	bool pass = at_most ? value <= limit : value >= limit;
	const char *path = getenv("S2MM_BENCH_JSON");

	printf("%s %s: %.3g%s (goal %s %.3g%s)\n", pass ? "PASS" : "FAIL", goal, value, unit,
	       at_most ? "<=" : ">=", limit, unit);
	if (path && *path) {
		FILE *f = fopen(path, "a");

		if (!f) {
			fprintf(stderr, "%s: cannot append to %s\n", bench_name_, path);
			exit(1);
		}
		/* Goal names and units are the benchmarks' own: no quoting needed. */
		fprintf(f,
			"{\"bench\":\"%s\",\"goal\":\"%s\",\"value\":%.6g,\"unit\":\"%s\","
			"\"op\":\"%s\",\"limit\":%.6g,\"pass\":%s,\"cpu\":\"%s\",\"cores\":%ld}\n",
			bench_name_, goal, value, unit, at_most ? "<=" : ">=", limit,
			pass ? "true" : "false", bench_cpu(), sysconf(_SC_NPROCESSORS_ONLN));
		fclose(f);
	}
	return pass;
}

#endif

/* SPDX-License-Identifier: MIT */
/* What the benchmarks share: a monotonic clock and a fatal error check. */
#ifndef S2MM_BENCH_H
#define S2MM_BENCH_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

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

#endif

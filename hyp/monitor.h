/* SPDX-License-Identifier: MIT */
/*
 * s2hyp's checked build (S2MM_MONITOR, `image-check/`): the
 * break-before-make monitor of <s2mm/monitor.h> over everything s2hyp's
 * stage 2 does. mm_ops.c tells it each barrier and TLBI as it executes
 * them, and each table page allocated and freed; the library its
 * descriptor stores. A violation panics with the rule. The production
 * image compiles all of it out.
 */
#ifndef S2HYP_MONITOR_H
#define S2HYP_MONITOR_H

#include <stdint.h>

#ifdef S2MM_MONITOR
#include <s2mm/monitor.h>

extern struct s2_mon hyp_mon;

/* A call to the monitor, made only by the checked build. */
#define HYP_MON(call) do { call; } while (0)

/** hyp_mon_init() - Start the monitor (before the first VM). Return: 0. */
int hyp_mon_init(void);

/** hyp_mon_pages() - Pages the monitor's ghost state holds now. */
uint64_t hyp_mon_pages(void);

/** hyp_mon_summary() - Print what the monitor saw. Return: violations. */
uint64_t hyp_mon_summary(void);
#else
#define HYP_MON(call) do { } while (0)

static inline int hyp_mon_init(void)
{
	return 0;
}

static inline uint64_t hyp_mon_pages(void)
{
	return 0;
}

static inline uint64_t hyp_mon_summary(void)
{
	return 0;
}
#endif

#endif /* S2HYP_MONITOR_H */

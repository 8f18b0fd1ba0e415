/* SPDX-License-Identifier: MIT */
/*
 * The report's parts for the data self-check and live memory management
 * (--migrate, --overcommit, --share), called by report.c.
 */
#ifndef S2MM_CLI_SIM_REPORT_H
#define S2MM_CLI_SIM_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "sim.h"

/* Shared by the reports (report.c, sim_report.c). */
static inline double report_ratio(uint64_t a, uint64_t b)
{
	return b ? (double)a / (double)b : 0.0;
}

static inline void json_set_u64(json_t *o, const char *key, uint64_t v)
{
	json_object_set_new(o, key, json_integer((json_int_t)v));
}

/* Whether a data check failed (a data error, a page lost by migration). */
bool sim_report_failed(const struct sim_stats *st);
/* Summary lines: migration, overcommit, sharing (each when it ran), data. */
void sim_report_summary(FILE *f, const struct sim_config *c, const struct sim_stats *st);
/* JSON keys: data_checks, data_errors, data_foreign; "migration",
 * "overcommit", "sharing" objects when they ran. */
void sim_report_json(json_t *o, const struct sim_config *c, const struct sim_stats *st);
/* What failed, for the error message. */
void sim_report_failure(FILE *f, const char *cmd, const struct sim_stats *st);

#endif

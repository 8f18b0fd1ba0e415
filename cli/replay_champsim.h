/* SPDX-License-Identifier: MIT */
/*
 * Replay of ChampSim traces (the DPC-3 traces) for `s2mm trace`: one
 * program's instruction pointers and data addresses as the VAs of one
 * guest, as a lackey trace's are.
 */
#ifndef S2MM_CLI_REPLAY_CHAMPSIM_H
#define S2MM_CLI_REPLAY_CHAMPSIM_H

#include <stdint.h>

#include "report.h"

/**
 * replay_champsim() - Replay the ChampSim trace @path (NULL: standard
 * input) once, on CPU 0 of @s (its vCPU scheduled, MMU on). Each record is
 * a fetch at its ip, then a load per nonzero source_memory slot, then a
 * store per nonzero destination_memory slot, each one byte wide (ChampSim
 * records no sizes). @name names the input in messages; *@records grows by
 * the records replayed (the report's trace_lines).
 * Return: 0, or 2 after printing why (a truncated, corrupt or malformed
 * trace, with the record's number).
 */
int replay_champsim(struct sim *s, struct report *rep, const char *path, const char *name,
		    uint64_t *records);

#endif

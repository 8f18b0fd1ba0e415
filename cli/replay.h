/* SPDX-License-Identifier: MIT */
/*
 * Replay of s2mm traces (`s2mm record`) through the simulator, for
 * `s2mm trace`: a program's (user mode) or a whole machine's, each vCPU of
 * the recording on its own simulated CPU.
 */
#ifndef S2MM_CLI_REPLAY_H
#define S2MM_CLI_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

#include "report.h"

/**
 * replay_recorded() - Replay the s2mm trace @path on a machine configured
 * by @cfg (the recording decides CPUs, vCPUs and, for a whole machine, RAM
 * and stage 1), reporting through @rep. @repeat: times through a user-mode
 * trace. Return: the command's exit status (0, 1 for a failed self-check,
 * 2 for bad input: the record number is printed).
 */
int replay_recorded(const char *path, struct sim_config *cfg, struct report *rep,
		    uint64_t repeat);

#endif

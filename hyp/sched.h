/* SPDX-License-Identifier: MIT */
/* vCPU scheduling (sched.c). */
#ifndef S2HYP_SCHED_H
#define S2HYP_SCHED_H

struct hyp_vm;

/**
 * sched_run_vm() - Run @vm's vCPUs on physical CPU @cpu, time-sliced,
 * until the VM ends (powered off, or stopped by s2hyp).
 */
void sched_run_vm(struct hyp_vm *vm, unsigned int cpu);

#endif

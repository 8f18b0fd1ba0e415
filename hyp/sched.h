/* SPDX-License-Identifier: MIT */
/*
 * vCPU scheduling (sched.c): one run queue for every vCPU of every live
 * VM, served by all physical CPUs.
 */
#ifndef S2HYP_SCHED_H
#define S2HYP_SCHED_H

#include <stdbool.h>

struct hyp_vm;
struct hyp_vcpu;

/** sched_add_vm() - Put @vm's vCPUs on the run queue. */
void sched_add_vm(struct hyp_vm *vm);
/**
 * sched_remove_vm() - Take @vm's vCPUs off the run queue, and wait until
 * no physical CPU runs any of them (then @vm may be destroyed).
 */
void sched_remove_vm(struct hyp_vm *vm);
/**
 * sched_pause_vm() - Run none of @vm's vCPUs from now on, and wait until
 * no physical CPU runs any of them (their state is then in memory).
 */
void sched_pause_vm(struct hyp_vm *vm);
/**
 * sched_run_once() - On physical CPU @cpu: run the next runnable vCPU for
 * a slice, or sleep until one may be (a kick, a timer deadline).
 */
void sched_run_once(unsigned int cpu);
/**
 * sched_kick() - @vcpu has something new to do (powered on, an interrupt
 * pending): a CPU running it exits to see it, an idle CPU wakes to run it.
 */
void sched_kick(struct hyp_vcpu *vcpu);
/** sched_wake_all() - Wake every idle CPU (a VM ended: its owner acts). */
void sched_wake_all(void);

#endif

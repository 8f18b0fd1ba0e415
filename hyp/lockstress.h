/* SPDX-License-Identifier: MIT */
/*
 * test=lockstress: a VM's mm_lock under load (lockstress.c).
 */
#ifndef S2HYP_LOCKSTRESS_H
#define S2HYP_LOCKSTRESS_H

#include "vm.h"

/**
 * lockstress_run() - The scenario on @cpu (every CPU calls it): CPU 0
 * creates a VM of @cfg with a vCPU for every other CPU and changes its
 * memory in a loop while they fault (@opt: the lock's deliberate bug, or
 * no writer and a vCPU on CPU 0 too); CPU 0 reports and checks once all
 * are done. Return: 0, or -1 on a failure.
 */
int lockstress_run(const struct vm_config *cfg, const struct vm_options *opt,
		   unsigned int cpu);

/** lockstress_reader() - In exit.c's fault path under the read lock, for
 * a VM with cfg.lock_check: count this fault as inside, look for a
 * writer inside. */
void lockstress_reader(void);

#endif

/* SPDX-License-Identifier: MIT */
/* s2hyp VMs: stage-2 tables from libs2mm, vCPU run loop, guest images. */
#ifndef S2HYP_VM_H
#define S2HYP_VM_H

#include <stdint.h>

/* One VM per CPU running the memory-test guest. Return: 0 when it passed. */
int vm_scenario_guest(unsigned int cpu);
/* Boot-time checks of the ops table (VTTBR save/restore around TLBI). */
int vm_selftest(void);

#endif /* S2HYP_VM_H */

/* SPDX-License-Identifier: MIT */
/*
 * The EL1 virtual timer a Linux guest owns (CNTV_*_EL0, PPI 11 = INTID 27).
 * The guest programs it directly; when it fires while the vCPU runs, the
 * physical PPI reaches EL2 (HCR_EL2.IMO), s2hyp disables that PPI on this
 * CPU and raises the virtual one, and enables it again once the guest has
 * handled the timer (its condition no longer holds). A vCPU that is not
 * loaded keeps its timer in struct vtimer; the scheduler wakes it at
 * vtimer_deadline().
 */
#ifndef S2HYP_VTIMER_H
#define S2HYP_VTIMER_H

#include <stdint.h>

struct hyp_vcpu;

/** vtimer_load() - Put @vcpu's timer and its VM's CNTVOFF_EL2 on this CPU. */
void vtimer_load(struct hyp_vcpu *vcpu);
/** vtimer_put() - Save @vcpu's timer and stop it on this CPU. */
void vtimer_put(struct hyp_vcpu *vcpu);
/** vtimer_fired() - The physical PPI 27 came while @vcpu ran. */
void vtimer_fired(struct hyp_vcpu *vcpu);
/** vtimer_sync() - After an exit of loaded @vcpu: lower the virtual line
 * and unmask the physical PPI once the guest has dealt with the timer. */
void vtimer_sync(struct hyp_vcpu *vcpu);
/** vtimer_deadline() - The physical count at which put @vcpu's timer
 * fires; ~0 when it cannot. */
uint64_t vtimer_deadline(const struct hyp_vcpu *vcpu);

#endif

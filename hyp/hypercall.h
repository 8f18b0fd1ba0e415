/* SPDX-License-Identifier: MIT */
/*
 * The guest <-> s2hyp interface: hypercall numbers and entry flags. Plain
 * constants, shared by the hypervisor and by AArch64 and AArch32 guests.
 */
#ifndef S2HYP_HYPERCALL_H
#define S2HYP_HYPERCALL_H

/* Hypercalls: HVC #0, x0 (r0) = number, x1 (r1) = argument, result in x0. */
#define HC_EXIT			0	/* x1 = status; the vCPU stops */
#define HC_PUTC			1	/* x1 = character */
#define HC_NOP			2	/* round-trip measurement */
#define HC_YIELD		3	/* let the CPU run another VM */

/* Guest flags in x3 at entry. */
#define GUEST_F_QUICK		(1 << 0) /* fewer HVC round trips */
#define GUEST_F_YIELD		(1 << 1) /* measure HC_YIELD (VM switches) */

#endif /* S2HYP_HYPERCALL_H */

/* SPDX-License-Identifier: MIT */
/*
 * The guest <-> s2hyp interface: hypercall numbers, entry flags and the
 * guest-physical (IPA) map. Plain constants, shared by the hypervisor and by
 * AArch64 and AArch32 guests.
 */
#ifndef S2HYP_HYPERCALL_H
#define S2HYP_HYPERCALL_H

/* Hypercalls: HVC #0, x0 (r0) = number, x1, x2 (r1, r2) = arguments,
 * result in x0 (r0). */
#define HC_EXIT			0	/* x1 = status; the vCPU stops */
#define HC_PUTC			1	/* x1 = character */
#define HC_NOP			2	/* round-trip measurement */
#define HC_YIELD		3	/* let the CPU run another VM */
#define HC_UNMAP		4	/* x1 = IPA, x2 = size: the host takes
					 * the range out of stage 2 (refaults) */
#define HC_DIRTY		5	/* x1 = round: see guests/dirtylog.c */
#define HC_REMAP		6	/* x1 = REMAP_*: see guests/staletlb.c */
#define HC_STATS		7	/* x1 = STAT_*: a counter of this VM */

/* HC_REMAP: swap the backing of the probe page, and invalidate ... */
#define REMAP_NO_TLBI		0	/* ... nothing (the bug) */
#define REMAP_IPAS2		1	/* ... TLBI IPAS2E1IS only */
#define REMAP_IPAS2_VMALLE1	2	/* ... IPAS2E1IS + VMALLE1IS */
#define REMAP_VMALLS12		3	/* ... VMALLS12E1IS */
#define REMAP_SYNC		4	/* no swap: VMALLS12E1IS (a clean start) */

/* HC_DIRTY round r > 0: the guest writes log-slot page p iff this holds. */
#define DIRTY_WANT(r, p) \
	((((uint32_t)(p) * 2654435761u) >> (8 + (r))) & 1)
#define DIRTY_ROUNDS		4

/* HC_STATS counters. */
#define STAT_S1PTW		0	/* stage-2 faults on stage-1 walks */
#define STAT_MMIO		1

/* Guest flags in x3 at entry. */
#define GUEST_F_QUICK		(1 << 0) /* fewer HVC round trips */
#define GUEST_F_YIELD		(1 << 1) /* measure HC_YIELD (VM switches) */

/* test=lockstress (guests/lockstress.c, hyp/lockstress.c): each vCPU
 * writes and checks its own word of LS_PAGES pages at LS_REGION_IPA, and
 * reads the console's flag register LS_MMIO times (an MMIO abort each),
 * LS_ROUNDS times over (or x3's at entry), while the host unmaps or write-protects the
 * pages again and again. */
#define LS_REGION_IPA		0x40100000UL
#define LS_PAGES		64
#define LS_ROUNDS		400
#define LS_MMIO			16

/* The guest-physical map every VM sees. */
#define GUEST_UART_IPA		0x09000000UL /* console: PL011 UARTDR */
#define GUEST_UART_FR		0x18	     /* UARTFR: reads 0 (TX ready) */
#define GUEST_RAM_IPA		0x40000000UL
#define GUEST_LOG_IPA		0x80000000UL /* dirtylog: the logged slot */
#define GUEST_LOG_SIZE		0x200000UL
#define GUEST_PROBE_IPA		0x90000000UL /* staletlb: the probe page */
/* Victims' RAM (test=hostile) holds this in every word. */
#define GUEST_MARKER		0x5eC7e75eC7e75eC7ULL

#endif /* S2HYP_HYPERCALL_H */

/* SPDX-License-Identifier: MIT */
/*
 * What every s2hyp guest gets, AArch64 or AArch32 (the same C source builds
 * for both where the guest does nothing architecture-specific): hypercalls,
 * the MMIO console, the counter.
 */
#ifndef S2HYP_GUEST_H
#define S2HYP_GUEST_H

#include <stdint.h>

#include "guests/gio.h"
#include "hypercall.h"

/* HVC #0 with x0/r0 = @nr, x1, x2 = @a1, @a2. Return: x0/r0. */
static inline unsigned long hvc2(unsigned long nr, unsigned long a1,
				 unsigned long a2)
{
#ifdef __aarch64__
	register unsigned long r0 __asm__("x0") = nr;
	register unsigned long r1 __asm__("x1") = a1;
	register unsigned long r2 __asm__("x2") = a2;

	__asm__ volatile("hvc #0" : "+r"(r0), "+r"(r1), "+r"(r2) : : "memory");
#else
	register unsigned long r0 __asm__("r0") = nr;
	register unsigned long r1 __asm__("r1") = a1;
	register unsigned long r2 __asm__("r2") = a2;

	__asm__ volatile(".arch_extension virt\n\thvc #0"
			 : "+r"(r0), "+r"(r1), "+r"(r2) : : "memory");
#endif
	return r0;
}

static inline unsigned long hvc(unsigned long nr, unsigned long arg)
{
	return hvc2(nr, arg, 0);
}

static inline uint64_t guest_cntvct(void)
{
#ifdef __aarch64__
	uint64_t v;

	__asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(v) : : "memory");
	return v;
#else
	uint32_t lo, hi;

	__asm__ volatile("isb; mrrc p15, 1, %0, %1, c14"
			 : "=r"(lo), "=r"(hi) : : "memory");
	return (uint64_t)hi << 32 | lo;
#endif
}

static inline uint64_t guest_cntfrq(void)
{
#ifdef __aarch64__
	uint64_t v;

	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(v));
	return v;
#else
	uint32_t v;

	__asm__ volatile("mrc p15, 0, %0, c14, c0, 0" : "=r"(v));
	return v;
#endif
}

void gputs(const char *s);
/* %s %c %d %u %x, with l for long (64-bit on AArch64 only); no width. */
void gprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

extern char __end[];

/* Entry from start.S / start32.S: RAM base IPA, RAM size, bytes the
 * hypervisor mapped up front (0: none), GUEST_F_* flags. Return: the
 * HC_EXIT status. */
int guest_main(unsigned long ram_base, unsigned long ram_size,
	       unsigned long premapped, unsigned long flags);
/* vCPU n > 0 of a guest with several (start.S), with its own registers
 * as s2hyp set them; the default returns -1. */
int guest_secondary(unsigned long ram_base, unsigned long ram_size,
		    unsigned long premapped, unsigned long flags);

#endif /* S2HYP_GUEST_H */

/* SPDX-License-Identifier: MIT */
/* What every s2hyp guest gets: hypercalls, a console, the counter. */
#ifndef S2HYP_GUEST_H
#define S2HYP_GUEST_H

#include <stdint.h>

#include "hypercall.h"

static inline uint64_t hvc(uint64_t nr, uint64_t arg)
{
	register uint64_t x0 __asm__("x0") = nr;
	register uint64_t x1 __asm__("x1") = arg;

	__asm__ volatile("hvc #0" : "+r"(x0), "+r"(x1) : : "memory");
	return x0;
}

static inline uint64_t guest_cntvct(void)
{
	uint64_t v;

	__asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(v) : : "memory");
	return v;
}

static inline uint64_t guest_cntfrq(void)
{
	uint64_t v;

	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(v));
	return v;
}

void gputs(const char *s);
/* %s %c %d %u %x, with l for 64-bit; no width. */
void gprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

extern char __end[];

/* Entry from start.S: x0 = RAM base IPA, x1 = RAM size, x2 = bytes the
 * hypervisor mapped up front, x3 = GUEST_F_* flags. Return: the HC_EXIT
 * status. */
int guest_main(uint64_t ram_base, uint64_t ram_size, uint64_t premapped,
	       uint64_t flags);

#endif /* S2HYP_GUEST_H */

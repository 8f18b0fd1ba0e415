/* SPDX-License-Identifier: MIT */
/*
 * Console output for AArch64 and AArch32 guests alike: byte stores to the
 * virtual console's data register, an IPA outside RAM. Each store is a
 * stage-2 translation fault with a valid syndrome (ESR ISS.ISV=1) that the
 * hypervisor emulates as MMIO.
 */
#ifndef S2HYP_GIO_H
#define S2HYP_GIO_H

#include <stdint.h>

#include "hypercall.h"

static inline void gio_putc(char c)
{
	*(volatile uint8_t *)GUEST_UART_IPA = (uint8_t)c;
}

static inline void gio_puts(const char *s)
{
	while (*s)
		gio_putc(*s++);
}

static inline void gio_hex(uint64_t v)
{
	int i = 60;

	while (i > 0 && !(v >> i))
		i -= 4;
	for (; i >= 0; i -= 4)
		gio_putc("0123456789abcdef"[(v >> i) & 0xf]);
}

/* Decimal without a 64-bit division (AArch32 has no libgcc here). */
static inline void gio_dec(uint32_t v)
{
	static const uint32_t pow10[] = { 1000000000u, 100000000u, 10000000u,
		1000000u, 100000u, 10000u, 1000u, 100u, 10u, 1u };
	int started = 0;

	for (unsigned int i = 0; i < sizeof(pow10) / sizeof(pow10[0]); i++) {
		char d = '0';

		while (v >= pow10[i]) {
			v -= pow10[i];
			d++;
		}
		if (d != '0' || started || i == 9) {
			gio_putc(d);
			started = 1;
		}
	}
}

#endif /* S2HYP_GIO_H */

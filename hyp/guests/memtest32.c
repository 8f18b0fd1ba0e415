/* SPDX-License-Identifier: MIT */
/*
 * AArch32 memory tester (runs with HCR_EL2.RW=0): fill RAM above the image
 * with an address-dependent pattern, verify it, report over HC_PUTC. The
 * pages beyond the premapped part fault in through stage 2 on first touch,
 * exactly as for AArch64 guests.
 */
#include <stdint.h>

#include "guests/gio.h"

extern char __end[];

static void puts32(const char *s)
{
	while (*s)
		gio_putc(*s++);
}

static void hex32(uint32_t v)
{
	for (int i = 28; i >= 0; i -= 4)
		gio_putc("0123456789abcdef"[(v >> i) & 0xf]);
}

static uint32_t fill_check(volatile uint32_t *p, volatile uint32_t *end,
			   uint32_t seed)
{
	uint32_t bad = 0;

	for (volatile uint32_t *q = p; q < end; q++)
		*q = (uint32_t)(uintptr_t)q ^ seed;
	for (; p < end; p++)
		if (*p != ((uint32_t)(uintptr_t)p ^ seed))
			bad++;
	return bad;
}

int guest_main(uint32_t ram_base, uint32_t ram_size, uint32_t premapped,
	       uint32_t flags);

int guest_main(uint32_t ram_base, uint32_t ram_size, uint32_t premapped,
	       uint32_t flags)
{
	volatile uint32_t *start = (volatile uint32_t *)__end;
	volatile uint32_t *end = (volatile uint32_t *)(ram_base + ram_size);
	uint32_t bad;

	(void)flags;
	bad = fill_check(start, end, 0xa5a5c3c3u);
	bad += fill_check(start, end, 0x5a5a3c3cu);
	puts32("memtest32: AArch32, 0x");
	hex32((ram_base + ram_size - (uint32_t)(uintptr_t)__end) >> 12);
	puts32(" pages (0x");
	hex32((ram_size - premapped) >> 12);
	puts32(" demand-faulted), 0x");
	hex32(bad);
	puts32(" bad words\n");
	return bad ? 1 : 0;
}

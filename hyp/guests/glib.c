/* SPDX-License-Identifier: MIT */
/* Guest console (the MMIO console device) and a tiny formatter. */
#include <stdarg.h>

#include "guests/guest.h"

void gputs(const char *s)
{
	while (*s)
		gio_putc(*s++);
}

/* No division: AArch32 guests have no libgcc (its helpers use the
 * hard-float ABI), so decimal is by subtracting powers of ten. */
static void gnum(uint64_t v, unsigned int base)
{
	uint64_t pow10[20];
	int n = 1;

	if (base == 16) {
		gio_hex(v);
		return;
	}
	pow10[0] = 1;
	while (n < 20 && v >= pow10[n - 1] * 10) {
		pow10[n] = pow10[n - 1] * 10;
		n++;
	}
	while (n--) {
		char d = '0';

		while (v >= pow10[n]) {
			v -= pow10[n];
			d++;
		}
		gio_putc(d);
	}
}

void gprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	for (; *fmt; fmt++) {
		int lng = 0;

		if (*fmt != '%') {
			gio_putc(*fmt);
			continue;
		}
		if (*++fmt == 'l') {
			lng = 1;
			fmt++;
		}
		switch (*fmt) {
		case 's':
			gputs(va_arg(ap, const char *));
			break;
		case 'c':
			gio_putc((char)va_arg(ap, int));
			break;
		case 'd': {
			int64_t v = lng ? va_arg(ap, long) : va_arg(ap, int);

			if (v < 0) {
				gio_putc('-');
				v = -v;
			}
			gnum((uint64_t)v, 10);
			break;
		}
		case 'u':
		case 'x':
			gnum(lng ? va_arg(ap, unsigned long)
				 : va_arg(ap, unsigned int),
			     *fmt == 'u' ? 10 : 16);
			break;
		default:
			gio_putc(*fmt);
			break;
		}
	}
	va_end(ap);
}

/* Guests of one vCPU have no secondaries (start.S). */
__attribute__((weak)) int guest_secondary(unsigned long ram_base,
					  unsigned long ram_size,
					  unsigned long premapped,
					  unsigned long flags)
{
	(void)ram_base;
	(void)ram_size;
	(void)premapped;
	(void)flags;
	return -1;
}

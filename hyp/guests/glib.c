/* SPDX-License-Identifier: MIT */
/* Guest console over HC_PUTC and a tiny formatter. */
#include <stdarg.h>

#include "guests/guest.h"

void gputs(const char *s)
{
	while (*s)
		hvc(HC_PUTC, (unsigned char)*s++);
}

static void gnum(uint64_t v, unsigned int base)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	while (n)
		hvc(HC_PUTC, (unsigned char)tmp[--n]);
}

void gprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	for (; *fmt; fmt++) {
		int lng = 0;

		if (*fmt != '%') {
			hvc(HC_PUTC, (unsigned char)*fmt);
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
			hvc(HC_PUTC, (unsigned char)va_arg(ap, int));
			break;
		case 'd': {
			int64_t v = lng ? va_arg(ap, int64_t) : va_arg(ap, int);

			if (v < 0) {
				hvc(HC_PUTC, '-');
				v = -v;
			}
			gnum((uint64_t)v, 10);
			break;
		}
		case 'u':
		case 'x':
			gnum(lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned int),
			     *fmt == 'u' ? 10 : 16);
			break;
		default:
			hvc(HC_PUTC, (unsigned char)*fmt);
			break;
		}
	}
	va_end(ap);
}

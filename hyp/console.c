/* SPDX-License-Identifier: MIT */
/*
 * PL011 console at 0x09000000 (QEMU virt; works without set-up) and a
 * small printf of our own: %c %s %d %i %u %x %X %p %%, with l/ll/z length,
 * '0'/'-' flags and a width. One lock serialises whole calls so lines from
 * different CPUs do not interleave.
 */
#include "hyp.h"

#define PL011_BASE	0x09000000UL
#define PL011_DR	0x00
#define PL011_FR	0x18
#define PL011_FR_TXFF	(1u << 5)

static hyp_lock_t console_lk;
static volatile bool console_nolock;

static void uart_putc(char c)
{
	volatile uint32_t *fr = (volatile uint32_t *)(PL011_BASE + PL011_FR);
	volatile uint32_t *dr = (volatile uint32_t *)(PL011_BASE + PL011_DR);

	while (*fr & PL011_FR_TXFF)
		;
	*dr = (uint32_t)(unsigned char)c;
}

void console_putc(char c)
{
	if (c == '\n')
		uart_putc('\r');
	uart_putc(c);
}

void console_lock(void)
{
	if (!console_nolock)
		hyp_lock(&console_lk);
}

void console_unlock(void)
{
	if (!console_nolock)
		hyp_unlock(&console_lk);
}

void console_break_lock(void)
{
	console_nolock = true;
}

struct out {
	char *buf;  /* NULL: to the UART */
	size_t cap;
	size_t len;
};

static void out_c(struct out *o, char c)
{
	if (!o->buf)
		console_putc(c);
	else if (o->len + 1 < o->cap)
		o->buf[o->len] = c;
	o->len++;
}

static void out_num(struct out *o, uint64_t v, unsigned int base, bool neg,
		    bool upper, unsigned int width, char pad, bool left)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	unsigned int n = 0, len;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	len = n + (neg ? 1 : 0);
	if (neg && pad == '0')
		out_c(o, '-');
	for (; !left && len < width; len++)
		out_c(o, pad);
	if (neg && pad != '0')
		out_c(o, '-');
	while (n)
		out_c(o, tmp[--n]);
	for (; left && len < width; len++)
		out_c(o, ' ');
}

static void format(struct out *o, const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		unsigned int width = 0, lng = 0;
		bool left = false;
		char pad = ' ';

		if (*fmt != '%') {
			out_c(o, *fmt);
			continue;
		}
		fmt++;
		if (*fmt == '-') {
			left = true;
			fmt++;
		}
		if (*fmt == '0') {
			pad = '0';
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (unsigned int)(*fmt++ - '0');
		while (*fmt == 'l' || *fmt == 'z') {
			lng++;
			fmt++;
		}
		switch (*fmt) {
		case 'c':
			out_c(o, (char)va_arg(ap, int));
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);
			unsigned int len;

			if (!s)
				s = "(null)";
			len = (unsigned int)strlen(s);
			for (; !left && len < width; len++)
				out_c(o, ' ');
			while (*s)
				out_c(o, *s++);
			for (; left && len < width; len++)
				out_c(o, ' ');
			break;
		}
		case 'd':
		case 'i': {
			int64_t v = lng ? va_arg(ap, int64_t) : va_arg(ap, int);

			out_num(o, v < 0 ? -(uint64_t)v : (uint64_t)v, 10, v < 0,
				false, width, pad, left);
			break;
		}
		case 'u':
		case 'x':
		case 'X': {
			uint64_t v = lng ? va_arg(ap, uint64_t)
					 : va_arg(ap, unsigned int);

			out_num(o, v, *fmt == 'u' ? 10 : 16, false, *fmt == 'X',
				width, pad, left);
			break;
		}
		case 'p':
			out_c(o, '0');
			out_c(o, 'x');
			out_num(o, (uint64_t)(uintptr_t)va_arg(ap, void *), 16,
				false, false, 0, ' ', false);
			break;
		case '%':
			out_c(o, '%');
			break;
		case '\0':
			return;
		default:
			out_c(o, '%');
			out_c(o, *fmt);
			break;
		}
	}
}

int hyp_vprintf(const char *fmt, va_list ap)
{
	struct out o = { 0 };

	console_lock();
	format(&o, fmt, ap);
	console_unlock();
	return (int)o.len;
}

int hyp_printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = hyp_vprintf(fmt, ap);
	va_end(ap);
	return n;
}

int hyp_snprintf(char *buf, size_t n, const char *fmt, ...)
{
	struct out o = { .buf = buf, .cap = n };
	va_list ap;

	va_start(ap, fmt);
	format(&o, fmt, ap);
	va_end(ap);
	if (n)
		buf[o.len < n ? o.len : n - 1] = '\0';
	return (int)o.len;
}

/* SPDX-License-Identifier: MIT */
/*
 * One line of a lackey trace (valgrind --tool=lackey --trace-mem=yes):
 * " L 04222cac,8". Only the line's syntax; replaying it is trace.c's job.
 */
#ifndef S2MM_CLI_LACKEY_H
#define S2MM_CLI_LACKEY_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/** enum lackey_kind - What a line records. */
enum lackey_kind {
	LACKEY_FETCH,   /* I: an instruction fetch */
	LACKEY_LOAD,    /* L */
	LACKEY_STORE,   /* S */
	LACKEY_MODIFY,  /* M: a load, then a store */
};

/** struct lackey_access - A line's access: @size bytes at @addr. */
struct lackey_access {
	uint64_t addr;
	uint64_t size;
	enum lackey_kind kind;
};

/*
 * The parser is inline: it runs once per line, and the call cost 15 of its
 * instructions.
 */
static const int8_t lackey_hexval[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6,
	['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10, ['a'] = 11, ['b'] = 12,
	['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16, ['A'] = 11, ['B'] = 12,
	['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

static inline int lackey_bad(const char **why, const char *what)
{
	*why = what;
	return -1;
}

/*
 * The value of the 8 hexadecimal digits at @p in *@v, all at once (lackey
 * prints addresses with at least 8 digits; digit by digit was a third of
 * the replay's time); false, leaving *@v, if any of them is not one.
 */
static inline bool lackey_hex8(const char *p, uint64_t *v)
{
	const uint64_t ones = 0x0101010101010101ULL, high = ones * 0x80;
	uint64_t x, l, dig, let, n;

	memcpy(&x, p, 8);
	if (x & high)
		return false;
	/*
	 * Bytes below 0x80: (b | 0x80) - lo keeps bit 7 iff b >= lo, and
	 * b + (0x7f - hi) sets it iff b > hi, neither carrying into the next
	 * byte. Digits on the bytes as they are; letters with case folded
	 * (0x20 set: only 'A'-'F' and 'a'-'f' land on 'a'-'f').
	 */
	l = x | ones * 0x20;
	dig = ((x | high) - ones * '0') & ~(x + ones * (0x7f - '9'));
	let = ((l | high) - ones * 'a') & ~(l + ones * (0x7f - 'f'));
	if (((dig | let) & high) != high)
		return false;
	/* A digit's low nibble is its value; a letter's plus 9 (bit 6 set). */
	n = (x & ones * 0x0f) + ((x >> 6) & ones) * 9;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	n = __builtin_bswap64(n); /* the first digit most significant */
#endif
	n = (n | n >> 4) & 0x00ff00ff00ff00ffULL;
	n = (n | n >> 8) & 0x0000ffff0000ffffULL;
	*v = (n | n >> 16) & 0xffffffffULL;
	return true;
}

/*
 * What lackey_parse() may read past the bytes it is given: a NUL at their
 * end, then LACKEY_PAD - 1 more bytes (any values; the NUL stops the
 * parse). The caller's buffer has them so that the parser can load words
 * without checking where the bytes end.
 */
#define LACKEY_PAD 8

/*
 * The first three bytes of valgrind's own access lines ("I  ", " L ",
 * " S ", " M "), as a 32-bit load of them reads in this byte order.
 */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define LACKEY_HEAD(a, b, c) ((uint32_t)(a) | (uint32_t)(b) << 8 | (uint32_t)(c) << 16)
#define LACKEY_HEAD_MASK 0x00ffffffu
#else
#define LACKEY_HEAD(a, b, c) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8)
#define LACKEY_HEAD_MASK 0xffffff00u
#endif

/*
 * Any line, the way lackey_parse() describes; the line valgrind writes
 * has a faster way there.
 */
static inline int lackey_parse_any(const char *p, const char *end, uint64_t va_limit,
				   struct lackey_access *a, const char **next,
				   const char **why)
{
	uint64_t addr = 0, size = 0;
	int8_t h;

	/*
	 * Skipped: valgrind's own messages, comments and empty lines, and
	 * nothing else: a stray "-5" or "=x" is damage to report. p[1] is
	 * readable: at worst it is the NUL at @end.
	 */
	if (*p == '\n' || (p[0] == '\r' && p[1] == '\n')) {
		*next = p + 1 + (*p == '\r');
		return 0;
	}
	if ((p[0] == '=' && p[1] == '=') || (p[0] == '-' && p[1] == '-') || p[0] == '#') {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		if (!nl)
			return lackey_bad(why, "line not ended");
		*next = nl + 1;
		return 0;
	}
	if (*p == ' ')
		p++;
	switch (*p) {
	case 'I': a->kind = LACKEY_FETCH; break;
	case 'L': a->kind = LACKEY_LOAD; break;
	case 'S': a->kind = LACKEY_STORE; break;
	case 'M': a->kind = LACKEY_MODIFY; break;
	default:
		return lackey_bad(why, "not a lackey line (I, L, S or M)");
	}
	p++;
	if (*p != ' ')
		return lackey_bad(why, "expected a space after the access kind");
	while (*p == ' ')
		p++;
	if (!lackey_hexval[(uint8_t)*p])
		return lackey_bad(why, "expected a hexadecimal address");
	int n = 0;
	/*
	 * Eight bytes are readable from any byte up to @end; a window that
	 * reaches past the line holds its '\n' or the NUL, no digit.
	 */
	if (lackey_hex8(p, &addr)) {
		p += 8;
		n = 8;
	}
	for (; (h = lackey_hexval[(uint8_t)*p]); p++, n++) {
		if (n == 16)
			return lackey_bad(why, "address too long");
		addr = addr << 4 | (uint64_t)(h - 1);
	}
	if (*p++ != ',')
		return lackey_bad(why, "expected ',' after the address");
	if (p[1] == '\n' && *p >= '1' && *p <= '9') {
		size = (uint64_t)(*p++ - '0');
	} else {
		if (*p < '0' || *p > '9')
			return lackey_bad(why, "expected a decimal size");
		while (*p >= '0' && *p <= '9' && size < 1000000)
			size = size * 10 + (uint64_t)(*p++ - '0');
		if (*p == '\r')
			p++;
		if (*p != '\n' || !size || size > 4096)
			return lackey_bad(why, "bad size or trailing characters");
	}
	if (addr + size - 1 >= va_limit || addr + size < addr)
		return lackey_bad(why, "address beyond the guest's VA size (--va-bits)");
	a->addr = addr;
	a->size = size;
	*next = p + 1;
	return 1;
}

/**
 * lackey_parse() - Parse the line at @p, which ends at its '\n'.
 * @end: where the bytes read so far end: *@end is a NUL, and LACKEY_PAD
 *       bytes from @end are readable. Looking for the line's end is the
 *       parse's own job: a search for each line's '\n' first cost as much.
 * @va_limit: one past the largest address a line may touch.
 * @next: set past the line's '\n' when the line is taken or skipped.
 *
 * Skipped: valgrind's own messages ("==1== ...", "--1-- ..."), comments
 * ("#") and empty lines ("\r" too: CRLF files); anything else that is not
 * an access is damage.
 * Return: 1 with *@a filled, 0 for a line to skip, or -1 with *@why saying
 * what is wrong: the line is malformed if it has a '\n' before @end, else
 * it may only be cut short by @end (the caller looks, then reads on).
 */
static inline int lackey_parse(const char *p, const char *end, uint64_t va_limit,
			       struct lackey_access *a, const char **next, const char **why)
{
	enum lackey_kind kind;
	uint64_t addr, size;
	const char *q;
	uint32_t head;
	int8_t h;

	/*
	 * Valgrind's own line: its three-byte head, at least 8 address
	 * digits at p + 3 (lackey pads to 8), a one- or two-digit size, the
	 * '\n'. Anything else takes the general way, from the start.
	 */
	memcpy(&head, p, 4);
	switch (head & LACKEY_HEAD_MASK) {
	case LACKEY_HEAD('I', ' ', ' '): kind = LACKEY_FETCH; break;
	case LACKEY_HEAD(' ', 'L', ' '): kind = LACKEY_LOAD; break;
	case LACKEY_HEAD(' ', 'S', ' '): kind = LACKEY_STORE; break;
	case LACKEY_HEAD(' ', 'M', ' '): kind = LACKEY_MODIFY; break;
	default:
		goto any;
	}
	/* The head holds no NUL: p + 3 <= @end, p + 11 <= @end + LACKEY_PAD. */
	if (!lackey_hex8(p + 3, &addr))
		goto any;
	for (q = p + 11; (h = lackey_hexval[(uint8_t)*q]); q++)
		addr = addr << 4 | (uint64_t)(h - 1);
	if (q - p > 3 + 16 || q[0] != ',' || q[1] < '1' || q[1] > '9')
		goto any;
	size = (uint64_t)(q[1] - '0');
	if (q[2] == '\n') {
		q += 3;
	} else if (q[2] >= '0' && q[2] <= '9' && q[3] == '\n') {
		size = size * 10 + (uint64_t)(q[2] - '0');
		q += 4;
	} else {
		goto any;
	}
	if (addr + size - 1 >= va_limit || addr + size < addr)
		goto any;
	a->kind = kind;
	a->addr = addr;
	a->size = size;
	*next = q;
	return 1;
any:
	return lackey_parse_any(p, end, va_limit, a, next, why);
}

#endif

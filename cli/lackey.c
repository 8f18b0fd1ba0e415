/* SPDX-License-Identifier: MIT */
/* One line of a lackey trace. */
#include <stdbool.h>

#include "lackey.h"

static const int8_t hexval[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6,
	['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10, ['a'] = 11, ['b'] = 12,
	['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16, ['A'] = 11, ['B'] = 12,
	['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

static int bad(const char **why, const char *what)
{
	*why = what;
	return -1;
}

int lackey_parse(const char *p, const char *nl, uint64_t va_limit,
		 struct lackey_access *a, const char **why)
{
	uint64_t addr = 0, size = 0;
	int8_t h;

	/*
	 * Skipped: valgrind's own messages, comments and empty lines, and
	 * nothing else: a stray "-5" or "=x" is damage to report. p[1] is
	 * readable: at worst it is *nl.
	 */
	if (p == nl || (p[0] == '=' && p[1] == '=') || (p[0] == '-' && p[1] == '-') ||
	    p[0] == '#' || (p[0] == '\r' && p + 1 == nl))
		return 0;
	if (*p == ' ')
		p++;
	switch (*p) {
	case 'I': a->kind = LACKEY_FETCH; break;
	case 'L': a->kind = LACKEY_LOAD; break;
	case 'S': a->kind = LACKEY_STORE; break;
	case 'M': a->kind = LACKEY_MODIFY; break;
	default:
		return bad(why, "not a lackey line (I, L, S or M)");
	}
	p++;
	if (*p != ' ')
		return bad(why, "expected a space after the access kind");
	while (*p == ' ')
		p++;
	if (!hexval[(uint8_t)*p])
		return bad(why, "expected a hexadecimal address");
	for (int n = 0; (h = hexval[(uint8_t)*p]); p++, n++) {
		if (n == 16)
			return bad(why, "address too long");
		addr = addr << 4 | (uint64_t)(h - 1);
	}
	if (*p++ != ',')
		return bad(why, "expected ',' after the address");
	if (*p < '0' || *p > '9')
		return bad(why, "expected a decimal size");
	while (*p >= '0' && *p <= '9' && size < 1000000)
		size = size * 10 + (uint64_t)(*p++ - '0');
	if (*p == '\r')
		p++;
	if (p != nl || !size || size > 4096)
		return bad(why, "bad size or trailing characters");
	if (addr + size - 1 >= va_limit || addr + size < addr)
		return bad(why, "address beyond the guest's VA size (--va-bits)");
	a->addr = addr;
	a->size = size;
	return 1;
}

/* SPDX-License-Identifier: MIT */
/* Numbers and sizes in the command's options. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "parse_num.h"

/* The number at @s and where it ends; strtoull() alone would also take
 * leading spaces and a sign ("-1" is 2^64 - 1 to it). */
static bool parse_prefix(const char *s, uint64_t *v, const char **rest)
{
	char *end;
	unsigned long long x;
	unsigned int shift = 0;

	if (!s || *s < '0' || *s > '9')
		return false;
	errno = 0;
	x = strtoull(s, &end, 0);
	if (end == s || errno)
		return false;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	}
	if (x > (~0ULL >> shift))
		return false;
	*v = (uint64_t)x << shift;
	*rest = end;
	return true;
}

bool parse_u64(const char *s, uint64_t *v)
{
	const char *rest;
	uint64_t x;

	if (!parse_prefix(s, &x, &rest) || *rest)
		return false;
	*v = x;
	return true;
}

unsigned long long parse_size(const char *s)
{
	const char *rest;
	uint64_t x;

	if (!parse_prefix(s, &x, &rest) || (*rest && strcmp(rest, "B") && strcmp(rest, "iB")))
		return 0;
	return x;
}

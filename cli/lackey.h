/* SPDX-License-Identifier: MIT */
/*
 * One line of a lackey trace (valgrind --tool=lackey --trace-mem=yes):
 * " L 04222cac,8". Only the line's syntax; replaying it is trace.c's job.
 */
#ifndef S2MM_CLI_LACKEY_H
#define S2MM_CLI_LACKEY_H

#include <stdint.h>

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

/**
 * lackey_parse() - Parse the line [@p, @nl). *@nl must be readable (the
 * '\n' ending it, or a NUL after the last line). Skipped: valgrind's own
 * messages ("==1== ...", "--1-- ..."), comments ("#") and empty lines
 * (a lone "\r" too: CRLF files); anything else that is not an access is
 * damage. @va_limit: one past the largest address a line may touch.
 * Return: 1 with *@a filled, 0 for a line to skip, -1 with *@why saying
 * what is wrong.
 */
int lackey_parse(const char *p, const char *nl, uint64_t va_limit,
		 struct lackey_access *a, const char **why);

#endif

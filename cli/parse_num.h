/* SPDX-License-Identifier: MIT */
/*
 * The numbers and sizes the command's options take ("4K", "0x1000",
 * "2MiB"): one parser for every option, so that each refuses the same bad
 * input (signs, spaces, overflow, stray characters) with an error.
 */
#ifndef S2MM_CLI_PARSE_NUM_H
#define S2MM_CLI_PARSE_NUM_H

#include <stdbool.h>
#include <stdint.h>

/**
 * parse_u64() - A count: decimal, 0x hexadecimal or 0 octal digits, then
 * an optional K, M or G (times 2^10, 2^20, 2^30). Nothing else: no sign,
 * no space, no value above 2^64 - 1.
 * Return: true with *@v set, false (*@v untouched) for anything else.
 */
bool parse_u64(const char *s, uint64_t *v);

/**
 * parse_size() - A size: parse_u64()'s syntax, then optionally "B" or
 * "iB" ("4K", "2MiB", "4096B", "0x1000").
 * Return: the bytes, 0 for bad input (so a size of 0 is refused too).
 */
unsigned long long parse_size(const char *s);

#endif

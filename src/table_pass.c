/* SPDX-License-Identifier: MIT */
/*
 * Whole-table passes (table_pass.h).
 *
 * A 4K table page is 64 cache lines of descriptors; filling a gigabyte of
 * 4K pages stores 2 MiB. Scalar 8-byte stores reach about a third of the
 * store bandwidth memset reaches with the widest vectors, 16-byte ones
 * about half, so on an x86-64 host each pass is compiled for the wider
 * vector units too and the loader picks the widest the CPU has
 * (target_clones, an ifunc: hosted ELF builds only). Everywhere else
 * (the freestanding AArch64 build, with no SIMD registers in use at EL2)
 * the same C is compiled once, scalar or with whatever the target allows.
 * Not under ThreadSanitizer either: its runtime is not up yet when the
 * loader runs an ifunc's resolver, which then crashes (gcc 12, clang 14).
 * The clones are static, called through the exported functions: clang 14
 * exports no symbol for a multiversioned function a caller in another
 * file could link to.
 */
#include "table_pass.h"

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TABLE_PASS_TSAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define TABLE_PASS_TSAN 1
#endif

#if defined(__x86_64__) && defined(__ELF__) && __STDC_HOSTED__ && \
	!defined(TABLE_PASS_TSAN) && defined(__has_attribute)
#if __has_attribute(target_clones)
#define TABLE_PASS_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#endif
#endif
#ifndef TABLE_PASS_CLONES
#define TABLE_PASS_CLONES
#endif

TABLE_PASS_CLONES
static void fill(uint64_t *t, uint64_t n, uint64_t first, uint64_t step)
{
	for (uint64_t i = 0; i < n; i++)
		t[i] = first + i * step;
}

TABLE_PASS_CLONES
static uint64_t clear(uint64_t *t, uint64_t n, uint64_t bits)
{
	uint64_t changed = 0;

	for (uint64_t i = 0; i < n; i++) {
		changed |= t[i] & bits;
		t[i] &= ~bits;
	}
	return changed;
}

TABLE_PASS_CLONES
static uint64_t any(const uint64_t *t, uint64_t n, uint64_t bits)
{
	uint64_t seen = 0;

	for (uint64_t i = 0; i < n; i++)
		seen |= t[i];
	return seen & bits;
}

void s2_table_fill(uint64_t *t, uint64_t n, uint64_t first, uint64_t step)
{
	fill(t, n, first, step);
}

uint64_t s2_table_clear(uint64_t *t, uint64_t n, uint64_t clear_bits)
{
	return clear(t, n, clear_bits);
}

uint64_t s2_table_any(const uint64_t *t, uint64_t n, uint64_t bits)
{
	return any(t, n, bits);
}

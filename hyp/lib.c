/* SPDX-License-Identifier: MIT */
/*
 * The libc functions GCC may emit calls to even with -ffreestanding (struct
 * copies, zeroing), and the spinlock. Built with
 * -fno-tree-loop-distribute-patterns so these loops are not turned back
 * into calls to themselves.
 */
#include "hyp.h"

void *memset(void *s, int c, size_t n)
{
	unsigned char *p = s;
	uint64_t w = (unsigned char)c * 0x0101010101010101ULL;

	while (n && ((uintptr_t)p & 7)) {
		*p++ = (unsigned char)c;
		n--;
	}
	for (; n >= 8; n -= 8, p += 8)
		*(volatile uint64_t *)p = w;
	while (n--)
		*p++ = (unsigned char)c;
	return s;
}

void *memcpy(void *d, const void *s, size_t n)
{
	unsigned char *dp = d;
	const unsigned char *sp = s;

	/* Word copies only when both sides share alignment (-mstrict-align). */
	if ((((uintptr_t)dp ^ (uintptr_t)sp) & 7) == 0) {
		while (n && ((uintptr_t)dp & 7)) {
			*dp++ = *sp++;
			n--;
		}
		for (; n >= 8; n -= 8, dp += 8, sp += 8)
			*(uint64_t *)dp = *(const uint64_t *)sp;
	}
	while (n--)
		*dp++ = *sp++;
	return d;
}

void *memmove(void *d, const void *s, size_t n)
{
	unsigned char *dp = d;
	const unsigned char *sp = s;

	if (dp <= sp || dp >= sp + n)
		return memcpy(d, s, n);
	while (n--)
		dp[n] = sp[n];
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

bool page_equal(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;
	uint64_t diff = 0;

	for (unsigned int i = 0; i < PAGE_SIZE / 8; i++)
		diff |= x[i] ^ y[i];
	return diff == 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		if (!*a)
			return 0;
	}
	return 0;
}

/*
 * Test-and-set with acquire/release exclusives (Arm ARM B2.9). Exclusives
 * need Normal cacheable memory to be architecturally reliable, which is why
 * mmu_enable() runs before any CPU takes a lock.
 */
void hyp_lock(hyp_lock_t *l)
{
	uint32_t tmp, busy;

	__asm__ volatile(
		"	sevl\n"
		"1:	wfe\n"
		"2:	ldaxr	%w0, [%2]\n"
		"	cbnz	%w0, 1b\n"
		"	stxr	%w1, %w3, [%2]\n"
		"	cbnz	%w1, 2b\n"
		: "=&r"(tmp), "=&r"(busy)
		: "r"(&l->v), "r"(1)
		: "memory");
}

bool hyp_trylock(hyp_lock_t *l)
{
	uint32_t free = 0;

	return __atomic_compare_exchange_n(&l->v, &free, 1, false,
					   __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

void hyp_unlock(hyp_lock_t *l)
{
	/* The release store also clears the monitors and wakes WFE. */
	__asm__ volatile("stlr wzr, [%0]" : : "r"(&l->v) : "memory");
}

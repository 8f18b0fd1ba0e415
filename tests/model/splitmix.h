/* SPDX-License-Identifier: MIT */
/*
 * The model tests' random numbers: SplitMix64 (Steele, Lea and Flood),
 * one 64-bit state a test seeds itself, so that every run draws the same
 * worlds and a failure replays.
 */
#ifndef S2MM_TESTS_MODEL_SPLITMIX_H
#define S2MM_TESTS_MODEL_SPLITMIX_H

#include <stdint.h>

/* The next number from *@state. */
static inline uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

#endif

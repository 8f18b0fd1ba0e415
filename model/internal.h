/* SPDX-License-Identifier: MIT */
/*
 * Private to the MMU model: what every one of its files may use, the bit
 * masks and the walk's inlining. Each room's own interface is in its
 * header: regime.h (register decoding), attr.h (permissions, attributes),
 * walk.h and walk_fast.h (the walkers), tlb_sets.h (the TLB's sets).
 */
#ifndef S2MM_MODEL_INTERNAL_H
#define S2MM_MODEL_INTERNAL_H

#define BIT(n) (1ULL << (n))
#define GENMASK(hi, lo) ((~0ULL >> (63 - (hi))) & ~((1ULL << (lo)) - 1))
#define LOWMASK(n) ((n) >= 64 ? ~0ULL : (1ULL << (n)) - 1)

/*
 * The walk's hot path is forced inline into s2_model_translate(): the
 * walk context is then a local whose fields live in registers, and each
 * stage's loop is only its own descriptor step.
 */
#define WALK_INLINE inline __attribute__((always_inline))

#endif /* S2MM_MODEL_INTERNAL_H */

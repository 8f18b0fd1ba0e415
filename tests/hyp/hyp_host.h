/* SPDX-License-Identifier: MIT */
/*
 * What hyp/vgic.c takes from hyp/hyp.h, for building it on the host
 * (-DVGIC_HOST_TEST): the spinlock, on GCC atomics so that ThreadSanitizer
 * follows it, and the GICH frame the vgic drives, a simulated register file
 * per thread (each test thread plays one physical CPU, whose GICH is
 * banked).
 */
#ifndef S2HYP_TEST_HYP_HOST_H
#define S2HYP_TEST_HYP_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct { volatile uint32_t v; } hyp_lock_t;

static inline void hyp_lock(hyp_lock_t *l)
{
	while (__atomic_exchange_n(&l->v, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&l->v, __ATOMIC_RELAXED))
			;
}

static inline void hyp_unlock(hyp_lock_t *l)
{
	__atomic_store_n(&l->v, 0, __ATOMIC_RELEASE);
}

/* This thread's GICH (0x200 bytes: up to GICH_LR63), set by the test. */
extern _Thread_local volatile uint32_t *vgic_host_gich;

#endif

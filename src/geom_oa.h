/* SPDX-License-Identifier: MIT */
/*
 * A descriptor's output-address field, inline: the walks convert at every
 * level, and an out-of-line call there cost the fault path as much as the
 * conversion itself. geometry.c exports the same conversions as
 * s2_geom_oa_to_desc() and s2_geom_desc_to_oa() for everyone else.
 *
 * Arm ARM D8.3: bits [47:granule] hold OA[47:granule]; with FEAT_LPA (64K
 * granule) OA[51:48] sits in bits [15:12]; with FEAT_LPA2 (DS=1) OA[51:50]
 * sits in bits [9:8] and bits [49:48] are in place.
 */
#ifndef S2MM_GEOM_OA_H
#define S2MM_GEOM_OA_H

#include <stdint.h>

#include <s2mm/arch.h>
#include <s2mm/geometry.h>

/*
 * Bits [47:granule] first (all the common layouts have), the 52-bit formats
 * as exceptions: the branches, taken the same way on every call, cost less
 * than computing each format's mask.
 */

/* @pa (aligned to the leaf or table it names) in @g's descriptor format. */
static inline uint64_t geom_oa_to_desc(const struct s2_geom *g, uint64_t pa)
{
	uint64_t d = pa & (~S2_UL(0) << g->granule_shift);

	if (__builtin_expect(g->ds, 0))
		return (d & S2_FIELD_MASK(0, 50)) |
		       S2_FIELD_PREP(DESC_OA52_LPA2, pa >> 50);
	d &= S2_FIELD_MASK(0, 48);
	if (__builtin_expect(g->lpa, 0))
		d |= S2_FIELD_PREP(DESC_OA52_64K, pa >> 48);
	return d;
}

/* The output address descriptor @desc holds, in @g's format. */
static inline uint64_t geom_desc_to_oa(const struct s2_geom *g, uint64_t desc)
{
	uint64_t pa = desc & (~S2_UL(0) << g->granule_shift);

	if (__builtin_expect(g->ds, 0))
		return (pa & S2_FIELD_MASK(0, 50)) |
		       S2_FIELD_GET(DESC_OA52_LPA2, desc) << 50;
	pa &= S2_FIELD_MASK(0, 48);
	if (__builtin_expect(g->lpa, 0))
		pa |= S2_FIELD_GET(DESC_OA52_64K, desc) << 48;
	return pa;
}

#endif /* S2MM_GEOM_OA_H */

/* SPDX-License-Identifier: MIT */
/*
 * Stage-2 layout rules (Arm ARM D8.2, VTCR_EL2; pseudocode
 * AArch64.S2MinTxSZ, AArch64.S2InconsistentSL, AArch64.S2InvalidSL,
 * AArch64.S2StartLevel).
 */
#include <s2mm/arch.h>
#include <s2mm/error.h>
#include <s2mm/geometry.h>

#include "geom_oa.h"

static int parange(unsigned int pa_bits)
{
	switch (pa_bits) {
	case 32: return PARANGE_32;
	case 36: return PARANGE_36;
	case 40: return PARANGE_40;
	case 42: return PARANGE_42;
	case 44: return PARANGE_44;
	case 48: return PARANGE_48;
	case 52: return PARANGE_52;
	default: return -1;
	}
}

/*
 * AArch64.S2InconsistentSL: the IPA size must leave at least one bit for the
 * start level and at most what one table plus 16-way concatenation resolves.
 */
static bool sl_consistent(unsigned int gshift, int level, unsigned int ipa_bits)
{
	unsigned int stride = gshift - 3;
	unsigned int min_ia = (unsigned int)(S2_LEVEL_MAX - level) * stride + gshift + 1;
	unsigned int max_ia = min_ia + (stride - 1) + 4;

	return ipa_bits >= min_ia && ipa_bits <= max_ia;
}

/*
 * VTCR_EL2.SL0 (and SL2) encoding of @level, or -1 where the architecture
 * reserves it for this granule and CPU (AArch64.S2InvalidSL).
 */
static int sl0_encode(unsigned int gshift, int level, unsigned int pa_bits,
		      bool ds, bool *sl2)
{
	*sl2 = false;
	switch (gshift) {
	case 12:
		switch (level) {
		case -1: /* SL2:SL0 = 1:00, FEAT_LPA2 and PAMax 52 */
			if (!ds)
				return -1;
			*sl2 = true;
			return 0;
		case 0: return pa_bits >= 44 ? 2 : -1;
		case 1: return 1;
		case 2: return 0;
		case 3: return 3; /* FEAT_TTST: only when forced */
		default: return -1;
		}
	case 14:
		switch (level) {
		case 0: return ds ? 3 : -1; /* DS and PAMax 52 */
		case 1: return pa_bits >= 42 ? 2 : -1;
		case 2: return 1;
		case 3: return 0;
		default: return -1;
		}
	case 16:
		switch (level) {
		case 1: return pa_bits >= 44 ? 2 : -1;
		case 2: return 1;
		case 3: return 0;
		default: return -1;
		}
	}
	return -1;
}

int s2_geom_init(struct s2_geom *g, unsigned int granule, unsigned int ipa_bits,
		 unsigned int pa_bits, int start_level)
{
	unsigned int gshift;
	uint64_t tg0;

	switch (granule) {
	case 4096: gshift = 12; tg0 = VTCR_EL2_TG0_4K; break;
	case 16384: gshift = 14; tg0 = VTCR_EL2_TG0_16K; break;
	case 65536: gshift = 16; tg0 = VTCR_EL2_TG0_64K; break;
	default: return -S2_EINVAL;
	}
	int ps = parange(pa_bits);
	if (ps < 0 || ipa_bits < 25 || ipa_bits > 52)
		return -S2_EINVAL;
	if (start_level != S2_START_LEVEL_AUTO &&
	    (start_level < S2_LEVEL_MIN || start_level > S2_LEVEL_MAX))
		return -S2_EINVAL;
	/*
	 * AArch64.S2MinTxSZ: an IPA no wider than PAMax (@pa_bits; 52 bits
	 * with 4K/16K only in the DS format, which a 52-bit layout uses),
	 * as KVM's kvm_ipa_limit. The 40 bits it allows an AArch32 EL1 on a
	 * smaller PAMax would exceed PS, which is CONSTRAINED UNPREDICTABLE.
	 */
	if (ipa_bits > pa_bits)
		return -S2_ENOTSUP;
	/* 52-bit output: 64K uses FEAT_LPA; 4K/16K need the LPA2 format (DS). */
	bool ds = pa_bits == 52 && gshift != 16;
	bool lpa = pa_bits == 52 && gshift == 16;

	int level = start_level;
	int sl0 = -1;
	bool sl2 = false;
	if (level == S2_START_LEVEL_AUTO) {
		/* Fewest levels: try the deepest start level first. */
		for (level = S2_LEVEL_MAX; level >= S2_LEVEL_MIN; level--) {
			/*
			 * 4K from level 3 (SL0 = 0b11) needs FEAT_TTST,
			 * which a CPU need not have (AArch64.S2InvalidSL):
			 * only an embedder that forces the level gets it.
			 */
			if (gshift == 12 && level == S2_LEVEL_MAX)
				continue;
			if (!sl_consistent(gshift, level, ipa_bits))
				continue;
			sl0 = sl0_encode(gshift, level, pa_bits, ds, &sl2);
			if (sl0 >= 0)
				break;
		}
		if (level < S2_LEVEL_MIN)
			return -S2_ENOTSUP;
	} else {
		if (!sl_consistent(gshift, level, ipa_bits))
			return -S2_ENOTSUP;
		sl0 = sl0_encode(gshift, level, pa_bits, ds, &sl2);
		if (sl0 < 0)
			return -S2_ENOTSUP;
	}

	struct s2_geom r = {
		.granule_shift = gshift,
		.stride = gshift - 3,
		.ipa_bits = ipa_bits,
		.pa_bits = pa_bits,
		.start_level = level,
		.ds = ds,
		.lpa = lpa,
	};
	unsigned int root_bits = ipa_bits - s2_geom_level_shift(&r, level);
	r.root_entries = 1ULL << root_bits;
	r.concat = root_bits > r.stride ? 1u << (root_bits - r.stride) : 1;
	r.root_size = (size_t)r.concat << gshift;
	r.vtcr = S2_FIELD_PREP(VTCR_EL2_T0SZ, 64 - ipa_bits) |
		 S2_FIELD_PREP(VTCR_EL2_SL0, sl0) |
		 S2_FIELD_PREP(VTCR_EL2_IRGN0, VTCR_EL2_RGN_WBWA) |
		 S2_FIELD_PREP(VTCR_EL2_ORGN0, VTCR_EL2_RGN_WBWA) |
		 S2_FIELD_PREP(VTCR_EL2_SH0, VTCR_EL2_SH0_IS) |
		 S2_FIELD_PREP(VTCR_EL2_TG0, tg0) |
		 S2_FIELD_PREP(VTCR_EL2_PS, ps) | VTCR_EL2_RES1 |
		 (ds ? VTCR_EL2_DS : 0) | (sl2 ? VTCR_EL2_SL2 : 0);
	*g = r;
	return 0;
}

bool s2_geom_leaf_allowed(const struct s2_geom *g, int level)
{
	if (level == S2_LEVEL_MAX)
		return true;
	switch (g->granule_shift) {
	case 12: return level == 2 || level == 1 || (level == 0 && g->ds);
	case 14: return level == 2 || (level == 1 && g->ds);
	case 16: return level == 2 || (level == 1 && g->lpa);
	}
	return false;
}

int s2_geom_set_fwb(struct s2_geom *g, bool fwb)
{
	if (!g)
		return -S2_EINVAL;
	g->fwb = fwb;
	return 0;
}

int s2_geom_set_contig(struct s2_geom *g, bool on)
{
	if (!g)
		return -S2_EINVAL;
	g->contig = on;
	return 0;
}

unsigned int s2_geom_contig_shift(const struct s2_geom *g, int level)
{
	unsigned int bits;

	if (level < 1 || level > S2_LEVEL_MAX)
		return 0;
	switch (g->granule_shift) {
	case 12:
		bits = 4;
		break;
	case 14:
		bits = level == 3 ? 7 : level == 2 ? 5 : 0;
		break;
	default:
		bits = level >= 2 ? 5 : 0;
		break;
	}
	if (!bits || s2_geom_level_shift(g, level) + bits > g->ipa_bits)
		return 0;
	return s2_geom_level_shift(g, level) + bits;
}

/* The conversions themselves are geom_oa.h's, inlined in the walks. */
uint64_t s2_geom_oa_to_desc(const struct s2_geom *g, uint64_t pa)
{
	return geom_oa_to_desc(g, pa);
}

uint64_t s2_geom_desc_to_oa(const struct s2_geom *g, uint64_t desc)
{
	return geom_desc_to_oa(g, desc);
}

/*
 * VTTBR_EL2.BADDR holds the root address; with a 52-bit output size,
 * BADDR[5:2] hold PA[51:48] (Arm ARM D19.2, VTTBR_EL2).
 */
uint64_t s2_geom_vttbr(const struct s2_geom *g, uint64_t root_pa, uint16_t vmid)
{
	uint64_t baddr = root_pa & S2_FIELD_MASK(6, 42);
	if (g->pa_bits == 52)
		baddr |= ((root_pa >> 48) & 0xf) << 2;
	return baddr | ((uint64_t)vmid << VTTBR_EL2_VMID_SHIFT);
}

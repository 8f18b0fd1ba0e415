/* SPDX-License-Identifier: MIT */
/*
 * The MMU model's register decoding (Arm ARM DDI 0487): VTCR_EL2/VTTBR_EL2
 * as AArch64.S2Translate reads them, TCR_EL1/TTBRn_EL1 as
 * AArch64.GetS1TTWParams does, the AArch32 LPAE TTBCR as
 * AArch32.S1TranslateLD does, into the controls of struct s2_mmu_tt that
 * the walks (walk.c, walk_fast.c) use. A combination the architecture
 * refuses becomes the fault every lookup of that stage takes.
 * Freestanding.
 */
#include <stdbool.h>
#include <stdint.h>

#include <s2mm/arch.h>
#include <s2mm/mmu.h>

#include "internal.h"
#include "regime.h"

/* PS / IPS / PARange encodings (Arm ARM D19.2, ID_AA64MMFR0_EL1.PARange). */
static unsigned pa_range_bits(unsigned enc)
{
	static const uint8_t bits[8] = { 32, 36, 40, 42, 44, 48, 52, 52 };
	return bits[enc & 7];
}

/*
 * The output size a PS or IPS field selects, into @c (whose gbits and ds
 * are set): capped at the CPU's PAMax, and 52 bits count as 48 unless the
 * granule is 64KB or DS is set (Arm ARM D8.2, AArch64.PAMax/OAFromPA).
 * Return: the size in bits.
 */
static unsigned output_size(struct s2_mmu_tt *c, const struct s2_mmu_cpu *cpu,
			    unsigned enc)
{
	unsigned oa = pa_range_bits(enc);

	if (oa > cpu->pa_bits)
		oa = cpu->pa_bits;
	if (!c->ds && c->gbits != 16 && oa > 48)
		oa = 48;
	c->oa_bits = (uint8_t)oa;
	c->lpa64k = c->gbits == 16 && oa == 52;
	return oa;
}

/*
 * A TGx value naming a reserved or unimplemented granule: the Arm ARM lets
 * the implementation pick an implemented size (IMPLEMENTATION DEFINED).
 */
static unsigned pick_granule(const struct s2_mmu_cpu *cpu, unsigned want)
{
	if (want == 12 && cpu->gran_4k)
		return 12;
	if (want == 14 && cpu->gran_16k)
		return 14;
	if (want == 16 && cpu->gran_64k)
		return 16;
	if (cpu->gran_4k)
		return 12;
	return cpu->gran_64k ? 16 : 14;
}

/*
 * AArch64.MaxTxSZ: the largest TxSZ at either stage; FEAT_TTST lets an
 * input address be as small as 16 bits (17 with 64KB).
 */
static unsigned max_txsz(const struct s2_mmu_cpu *cpu, unsigned gbits)
{
	if (!cpu->ttst)
		return 39;
	return gbits == 16 ? 47 : 48;
}

/*
 * AArch64.S2MinTxSZ: the smallest VTCR_EL2.T0SZ, i.e. the largest IPA
 * size: PAMax, but 48 bits on a 52-bit CPU unless the granule is 64KB or
 * DS is set; an AArch32 EL1 (@s1aarch64 false: HCR_EL2.RW=0) may have a
 * 40-bit IPA whatever PAMax is (Min(min_txsz, 24): the rule loosens).
 */
static unsigned s2_min_txsz(const struct s2_mmu_cpu *cpu, bool ds,
			    unsigned gbits, bool s1aarch64)
{
	unsigned ips = cpu->pa_bits, min;

	if (ips == 52 && !ds && gbits != 16)
		ips = 48;
	min = 64 - ips;
	if (!s1aarch64 && min > 24)
		min = 24;
	return min;
}

/*
 * Work out the descriptor step's constants once @c's granule, start level,
 * sizes and DS/LPA flags are known.
 */
static void cfg_derive(struct s2_mmu_tt *c, const struct s2_mmu_cpu *cpu)
{
	unsigned start_shift = c->gbits + (unsigned)(3 - c->start) * c->stride;

	c->start_shift = (uint8_t)start_shift;
	c->start_bits = (uint8_t)(c->ia_bits - start_shift);
	/* In place: OA[49:gran] with FEAT_LPA2, else OA[47:gran]. */
	c->oa_mask = GENMASK(c->ds ? 49 : DESC_OA_HI, c->gbits);
	c->oa_limit = LOWMASK(c->oa_bits);
	c->oa52 = c->ds || c->lpa64k;
	c->start_mask = BIT(c->start_bits) - 1;
	/*
	 * The walk's fast test for a table descriptor with its OA in range
	 * (desc_decode() decides the rest): valid, table, no OA bit above
	 * the output size. With 52-bit OAs only d == 3 passes (table at 0).
	 */
	c->fast_mask = c->oa52 ? ~0ULL
			       : DESC_VALID | DESC_TABLE | (c->oa_mask & ~c->oa_limit);
	/* AArch64.BlockDescSupported, as a set of levels (bit level + 1). */
	switch (c->gbits) {
	case 12:   /* 4KB: levels 1 and 2; level 0 with DS */
		c->block_levels = (uint8_t)(BIT(2) | BIT(3) | (c->ds ? BIT(1) : 0));
		break;
	case 14:   /* 16KB: level 2; level 1 with DS */
		c->block_levels = (uint8_t)(BIT(3) | (c->ds ? BIT(2) : 0));
		break;
	default:   /* 64KB: level 2; level 1 with a 52-bit PA */
		c->block_levels = (uint8_t)(BIT(3) | (cpu->pa_bits == 52 ? BIT(2) : 0));
		break;
	}
}

/* Base address of a TTBR/VTTBR; fault if beyond the output size. */
static bool ttb_base(const struct s2_mmu_tt *c, uint64_t ttbr, uint64_t *base)
{
	uint64_t b = ttbr & GENMASK(47, 0);

	if (c->oa_bits > 48)   /* BADDR[51:48] in TTBR bits [5:2] */
		b |= ((ttbr >> 2) & 0xf) << 48;
	else if (b >> c->oa_bits)
		return false;
	/* The table is aligned to its size: lower BADDR bits are RES0. */
	*base = b & ~LOWMASK(c->start_bits + 3);
	return true;
}

/*
 * Decode VTCR_EL2/VTTBR_EL2. Invalid combinations make every stage-2
 * lookup fault at level 0: AArch64.S2InvalidTxSZ, AArch64.S2InvalidSL,
 * AArch64.S2InconsistentSL (translation fault) and an out-of-range VTTBR
 * (address size fault).
 */
static void decode_s2(const struct s2_mmu_cpu *cpu,
		      const struct s2_mmu_regs *regs, struct s2_mmu_tt *c)
{
	uint64_t vtcr = regs->vtcr_el2;
	static const uint8_t tg0[4] = { 12, 16, 14, 0 };
	unsigned gbits, stride, t0sz, min_t0sz, sl0, ia, idx;
	int start;

	*c = (struct s2_mmu_tt){ .stage = 2 };
	gbits = pick_granule(cpu, tg0[S2_FIELD_GET(VTCR_EL2_TG0, vtcr)]);
	stride = gbits - 3;
	c->gbits = (uint8_t)gbits;
	c->stride = (uint8_t)stride;
	c->ds = cpu->lpa2 && (vtcr & VTCR_EL2_DS) && gbits != 16;
	c->sh = (uint8_t)S2_FIELD_GET(VTCR_EL2_SH0, vtcr);
	/* VTCR_EL2.HA is RES0 without FEAT_HAFDBS. */
	c->ha = cpu->hafdbs && (vtcr & VTCR_EL2_HA);
	/*
	 * HD takes effect only with HA: AArch64.S2Translate and
	 * AArch64.S2ApplyOutputPerms test both.
	 */
	c->hd = c->ha && cpu->hafdbs_dirty && (vtcr & VTCR_EL2_HD);
	/* S2AttrDecode or, under HCR_EL2.FWB, AArch64.S2ApplyFWBMemAttrs. */
	if (cpu->s2fwb && (regs->hcr_el2 & HCR_EL2_FWB))
		c->memattr_fwb = S2_MMU_MEMATTR_FWB;

	output_size(c, cpu, (unsigned)S2_FIELD_GET(VTCR_EL2_PS, vtcr));

	/*
	 * AArch64.S2TxSZFaults: below AArch64.S2MinTxSZ a CPU with FEAT_LPA
	 * must fault, one without may fault or use the minimum
	 * (IMPLEMENTATION DEFINED); above AArch64.MaxTxSZ either is allowed.
	 * The model faults, translation at level 0, as QEMU does.
	 */
	t0sz = (unsigned)S2_FIELD_GET(VTCR_EL2_T0SZ, vtcr);
	min_t0sz = s2_min_txsz(cpu, c->ds, gbits, regs->hcr_el2 & HCR_EL2_RW);
	if (t0sz < min_t0sz || t0sz > max_txsz(cpu, gbits))
		goto bad;
	ia = 64 - t0sz;
	c->ia_bits = (uint8_t)ia;
	/* AArch64.IPAIsOutOfRange: IPA[63:ia] must be zero. */
	c->range_mask = ~LOWMASK(ia);

	/* AArch64.S2StartLevel. */
	sl0 = (unsigned)S2_FIELD_GET(VTCR_EL2_SL0, vtcr);
	if (gbits == 12) {
		if (c->ds && (vtcr & VTCR_EL2_SL2)) {
			if (sl0 != 0)
				goto bad;
			start = -1;
		} else {
			static const int8_t sl4k[4] = { 2, 1, 0, 3 };
			start = sl4k[sl0];
		}
	} else {
		start = 3 - (int)sl0;
	}
	/*
	 * AArch64.S2InvalidSL: start levels the CPU's PAMax or DS do not
	 * allow. PS is not consulted: 4KB level -1 (SL2:SL0 = 0b100) and
	 * 16KB level 0 (SL0 = 0b11) need DS and a 52-bit PAMax, whatever
	 * the output size. (4KB level -1 and 64KB level 1 on a smaller
	 * PAMax also fail AArch64.S2MinTxSZ or AArch64.S2InconsistentSL.)
	 */
	switch (gbits) {
	case 12:   /* SL0 = 0b11: level 3 with FEAT_TTST only */
		if ((start == 3 && !cpu->ttst) ||
		    (start == 0 && cpu->pa_bits <= 42) ||
		    (start == -1 && cpu->pa_bits < 52))
			goto bad;
		break;
	case 14:
		if ((start == 0 && (!c->ds || cpu->pa_bits < 52)) ||
		    (start == 1 && cpu->pa_bits <= 40))
			goto bad;
		break;
	default:
		if (start == 0 || (start == 1 && cpu->pa_bits <= 42))
			goto bad;
		break;
	}
	c->start = (int8_t)start;
	/*
	 * AArch64.S2InconsistentSL: the start table must have at least 2
	 * entries and at most 16 concatenated tables.
	 */
	idx = gbits + (unsigned)(3 - start) * stride;
	if (ia <= idx || ia - idx > stride + 4)
		goto bad;
	/*
	 * An IPA size beyond the output size (PS) is CONSTRAINED
	 * UNPREDICTABLE; we make AArch64.S2Translate's choice: no fault of
	 * its own (it checks T0SZ, the start level and the IPA range only),
	 * output addresses beyond PS are address size faults.
	 */

	cfg_derive(c, cpu);
	if (!ttb_base(c, regs->vttbr_el2, &c->base))
		c->fault = S2_MMU_FAULT_ADDR_SIZE;
	return;
bad:
	c->fault = S2_MMU_FAULT_TRANSLATION;
}

/*
 * The rest of a stage-1 decode once @c's granule and sizes are known: the
 * start level (enough levels to resolve the input size), the walk's
 * constants and the base address of @ttbr (address size fault beyond the
 * output size).
 */
static void s1_derive(struct s2_mmu_tt *c, const struct s2_mmu_cpu *cpu,
		      uint64_t ttbr)
{
	c->start = (int8_t)(4 - (int)((c->ia_bits - 4) / c->stride));
	cfg_derive(c, cpu);
	if (!ttb_base(c, ttbr, &c->base))
		c->fault = S2_MMU_FAULT_ADDR_SIZE;
}

/*
 * AArch64 stage-1 controls of one VA half, @sel = VA[55] (TTBR1)
 * (AArch64.GetS1TTWParams, AArch64.S1InvalidTxSZ). What
 * AArch64.VAIsOutOfRange checks of each VA (VA[top:ia] all equal to
 * VA[55]) is left in range_mask/range_want for s1_check_in().
 */
static void decode_s1_a64(const struct s2_mmu_cpu *cpu,
			  const struct s2_mmu_regs *regs, bool sel,
			  struct s2_mmu_tt *c)
{
	uint64_t tcr = regs->tcr_el1, ttbr, asid_ttbr;
	static const uint8_t tg0[4] = { 12, 16, 14, 0 };
	static const uint8_t tg1[4] = { 0, 14, 12, 16 };
	bool tbi, epd;
	unsigned tsz, gbits, stride, ia, top, min_tsz;

	if (sel) {
		tsz = (unsigned)S2_FIELD_GET(TCR_EL1_T1SZ, tcr);
		gbits = pick_granule(cpu, tg1[S2_FIELD_GET(TCR_EL1_TG1, tcr)]);
		tbi = tcr & TCR_EL1_TBI1;
		epd = tcr & TCR_EL1_EPD1;
		ttbr = regs->ttbr1_el1;
	} else {
		tsz = (unsigned)S2_FIELD_GET(TCR_EL1_T0SZ, tcr);
		gbits = pick_granule(cpu, tg0[S2_FIELD_GET(TCR_EL1_TG0, tcr)]);
		tbi = tcr & TCR_EL1_TBI0;
		epd = tcr & TCR_EL1_EPD0;
		ttbr = regs->ttbr0_el1;
	}
	stride = gbits - 3;
	*c = (struct s2_mmu_tt){ .gbits = (uint8_t)gbits, .stride = (uint8_t)stride,
				 .stage = 1 };
	c->ds = cpu->lpa2 && (tcr & TCR_EL1_DS) && gbits != 16;
	/* TCR_EL1.HA is RES0 without FEAT_HAFDBS. */
	c->ha = cpu->hafdbs && (tcr & TCR_EL1_HA);
	/*
	 * HD takes effect only with HA: AArch64.S1Translate and
	 * AArch64.S1ApplyOutputPerms test both.
	 */
	c->hd = c->ha && cpu->hafdbs_dirty && (tcr & TCR_EL1_HD);
	output_size(c, cpu, (unsigned)S2_FIELD_GET(TCR_EL1_IPS, tcr));

	asid_ttbr = (tcr & TCR_EL1_A1) ? regs->ttbr1_el1 : regs->ttbr0_el1;
	c->asid = (uint16_t)(asid_ttbr >> TTBR_ASID_SHIFT);
	if (!((tcr & TCR_EL1_AS) && cpu->asid_bits == 16))
		c->asid &= 0xff;

	/* AArch64.S1InvalidTxSZ: IMPLEMENTATION DEFINED fault, as QEMU. */
	min_tsz = (c->ds || (gbits == 16 && cpu->pa_bits == 52)) ? 12 : 16;
	if (tsz < min_tsz || tsz > max_txsz(cpu, gbits))
		goto translation;
	ia = 64 - tsz;
	c->ia_bits = (uint8_t)ia;
	top = tbi ? 56 : 64;
	c->range_mask = ia < top ? GENMASK(top - 1, ia) : 0;
	c->range_want = sel ? c->range_mask : 0;
	if (epd)
		goto translation;
	s1_derive(c, cpu, ttbr);
	return;
translation:
	c->fault = S2_MMU_FAULT_TRANSLATION;
}

/*
 * AArch32 LPAE stage 1 (AArch32.S1TranslateLD) of one VA half, @sel for
 * TTBR1: TTBCR.EAE=1, TTBR0 below 2^(32-T0SZ), TTBR1 at the top
 * 2^(32-T1SZ) (the rest when T1SZ=0, see s1_a32_sel()), 4KB granule,
 * 40-bit output.
 */
static void decode_s1_a32(const struct s2_mmu_cpu *cpu,
			  const struct s2_mmu_regs *regs, bool sel,
			  struct s2_mmu_tt *c)
{
	uint32_t ttbcr = (uint32_t)regs->tcr_el1;
	unsigned t0sz = (unsigned)S2_FIELD_GET(TTBCR_T0SZ, ttbcr);
	unsigned t1sz = (unsigned)S2_FIELD_GET(TTBCR_T1SZ, ttbcr);
	unsigned tsz, ia;
	uint64_t ttbr;

	tsz = sel ? t1sz : t0sz;
	ia = 32 - tsz;
	*c = (struct s2_mmu_tt){ .gbits = 12, .stride = 9, .ia_bits = (uint8_t)ia,
				 .oa_bits = LPAE_OA_HI + 1, .aarch32 = true,
				 .stage = 1 };
	ttbr = (ttbcr & TTBCR_A1) ? regs->ttbr1_el1 : regs->ttbr0_el1;
	c->asid = (uint16_t)((ttbr >> TTBR_LPAE_ASID_SHIFT) & 0xff);
	ttbr = sel ? regs->ttbr1_el1 : regs->ttbr0_el1;
	/* VA[31:ia] all ones (TTBR1) or all zeros (TTBR0). */
	c->range_mask = ia < 32 ? GENMASK(31, ia) : 0;
	c->range_want = sel ? c->range_mask : 0;
	if (ttbcr & (sel ? TTBCR_EPD1 : TTBCR_EPD0))
		goto translation;
	/* As QEMU: a TTBR beyond 40 bits is an address size fault, level 0. */
	s1_derive(c, cpu, ttbr);
	return;
translation:
	c->fault = S2_MMU_FAULT_TRANSLATION;
}

/*
 * Can @c's walks take s2_model_walk2d_fast()? Its stage-2 walks start at
 * level 0, 1 or 2 (a FEAT_TTST level-3 start is left to the general walk).
 */
static bool fast4k(const struct s2_mmu_tt *c)
{
	return !c->fault && c->gbits == 12 && !c->oa52 && !c->ha &&
	       !(c->stage == 2 && c->start == 3);
}

void s2_model_regime_decode_s2(struct s2_mmu_regime *rc,
			       const struct s2_mmu_cpu *cpu,
			       const struct s2_mmu_regs *regs)
{
	decode_s2(cpu, regs, &rc->s2);
	rc->s2.fast4k = fast4k(&rc->s2);
	rc->valid |= REGIME_S2;
}

void s2_model_regime_decode_s1(struct s2_mmu_regime *rc,
			       const struct s2_mmu_cpu *cpu,
			       const struct s2_mmu_regs *regs, bool a32, bool sel)
{
	if (a32)
		decode_s1_a32(cpu, regs, sel, &rc->s1[sel]);
	else
		decode_s1_a64(cpu, regs, sel, &rc->s1[sel]);
	rc->s1[sel].fast4k = fast4k(&rc->s1[sel]);
	rc->valid |= REGIME_S1(sel);
}

void s2_mmu_regime_init(struct s2_mmu_regime *rc)
{
	*rc = (struct s2_mmu_regime){ 0 };
}

uint16_t s2_mmu_vmid(const struct s2_mmu_cpu *cpu, const struct s2_mmu_regs *regs)
{
	return s2_model_vmid(cpu, regs);
}

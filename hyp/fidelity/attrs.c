/* SPDX-License-Identifier: MIT */
/*
 * PAR_EL1.ATTR and PAR_EL1.SH of a successful AT: where the model's and
 * QEMU's differ, which known QEMU deviation explains it. The model gives
 * the architecture's attributes (AArch64.EncodePAR: EncodePARAttrs and
 * PAREncodeShareability of the combined attributes, S2CombineS1MemAttrs or
 * AArch64.S2ApplyFWBMemAttrs); each recogniser here computes what QEMU's
 * rule gives from the descriptors the walk used and accepts exactly that
 * value, and only where the model's value is the architecture's. An
 * unexplained difference is a failure like any other mismatch.
 * docs/fidelity.md has the table with QEMU's source locations.
 */
#include "../hyp.h"
#include "fidelity.h"

#include <s2mm/arch.h>

enum {
	ATTR_SH_S1_ONLY = 1,
	ATTR_DEVICE_NIBBLE,
	ATTR_FWB_S1_DEVICE,
	ATTR_FWB_MEMATTR3,
	ATTR_S1_OFF_SH,
	ATTR_SD_NONE,
	ATTR_NR_PLUS1,
};

const struct fid_deviation_info fid_attr_deviations[] = {
	[ATTR_SH_S1_ONLY - 1] = {
		"par-sh-device-nc-stage1",
		"PAR_EL1.SH is 0b10 for any Device memory and for Normal Inner "
		"and Outer Non-cacheable memory, whatever the descriptor says "
		"(AArch64.EncodePAR, PAREncodeShareability)",
		"do_ats_write() reports cacheattrs.shareability as it is; only "
		"combine_cacheattrs() (two stages) forces 0b10, so a stage-1-only "
		"result gives the descriptor's SH (TCR_EL1.SHx with DS) and "
		"get_phys_addr_disabled() 0b00 with the MMU off",
		FID_QEMU_7_2,
	},
	[ATTR_DEVICE_NIBBLE - 1] = {
		"device-combine-normal-nibble",
		"Device at one stage and Normal at the other gives the Device "
		"stage's type; two Device stages the stricter type "
		"(S2CombineS1MemAttrs, S2CombineS1Device)",
		"combined_attrs_nofwb() orders the low nibbles of both stages "
		"whenever one is Device: a Normal stage whose low nibble is 0x4 "
		"(stage 1 MAIR Inner Non-cacheable, or stage 2 MemAttr[1:0]=01 "
		"as convert_stage2_attrs() encodes it) makes the result nGnRE",
		FID_QEMU_7_2 | FID_QEMU_10_0,
	},
	[ATTR_FWB_S1_DEVICE - 1] = {
		"fwb-s2-device-ignores-s1-device",
		"under HCR_EL2.FWB, stage-2 MemAttr[2]=0 is Device of type "
		"MemAttr[1:0], or stage 1's Device type where that is stricter "
		"(AArch64.S2ApplyFWBMemAttrs, S2CombineS1Device)",
		"combined_attrs_fwb() case 0..3 returns the stage-2 type alone",
		FID_QEMU_7_2 | FID_QEMU_10_0,
	},
	[ATTR_FWB_MEMATTR3 - 1] = {
		"fwb-memattr3-forces-device",
		"under HCR_EL2.FWB the combination reads MemAttr[2:0] only "
		"(AArch64.S2ApplyFWBMemAttrs); MemAttr[3] plays no part",
		"combined_attrs_fwb() takes MemAttr values 8..15 as reserved "
		"and 'arbitrarily' forces Device-nGnRnE",
		FID_QEMU_7_2 | FID_QEMU_10_0,
	},
	[ATTR_S1_OFF_SH - 1] = {
		"s1-off-device-non-shareable",
		"with stage 1 off a data access is Device-nGnRnE, Outer "
		"Shareable (AArch64.S1DisabledOutput); combined under FWB with "
		"a stage 2 that forces Write-Back (MemAttr[2:0]=0b110) it stays "
		"Outer Shareable (the wider domain, S2CombineS1Shareability)",
		"get_phys_addr_disabled() gives the stage-1 Device memory "
		"shareability 0b00; combine_cacheattrs() then reports the "
		"stage-2 SH for the Normal result",
		FID_QEMU_7_2,
	},
	[ATTR_SD_NONE - 1] = {
		"short-descriptor-no-attributes",
		"a Short-descriptor stage 1 gives the memory type and "
		"shareability of TEX[2:0], C, B and S, or of PRRR/NMRR with "
		"SCTLR.TRE (AArch32.DefaultTEXDecode, AArch32.RemappedTEXDecode)",
		"get_phys_addr_v6() computes no cacheattrs: the result keeps the "
		"zeroed ones, Device-nGnRnE with shareability 0b00, as with "
		"stage 1 off; two stages then combine that with stage 2. 10.0 "
		"reports that Device memory's PAR_EL1.SH as 0b10 "
		"(par_el1_shareability())",
		FID_QEMU_7_2 | FID_QEMU_10_0,
	},
};
const unsigned fid_nattr_deviations = ATTR_NR_PLUS1 - 1;

static bool on(const struct fid_gen *g, unsigned d)
{
	return fid_attr_deviations[d - 1].versions & fid_qemu_bit(g->qemu_version);
}

static bool is_s1_op(enum s2_mmu_at_op op)
{
	return op == S2_MMU_AT_S1E1R || op == S2_MMU_AT_S1E1W ||
	       op == S2_MMU_AT_S1E0R || op == S2_MMU_AT_S1E0W;
}

static bool is_device(uint8_t attr)
{
	return (attr & 0xf0) == 0;
}

/*
 * Stage 1's attributes for @va as its walk found them: the MAIR byte and
 * the SH field (TCR_EL1.SHx under DS); with the MMU off, Device-nGnRnE
 * and 0b00, the value QEMU starts from (the architecture's is Outer
 * Shareable, AArch64.S1DisabledOutput). False when the leaf is not found.
 */
static bool s1_attrs(const struct fid_gen *g, const struct fid_case *c, uint64_t va,
		     const struct s2_mmu_result *res, uint8_t *attr, uint8_t *sh)
{
	const struct s2_mmu_regs *r = &c->regs;
	int sel = fid_s1_select(c, va);
	uint64_t d;

	if (!(r->sctlr_el1 & SCTLR_M)) {
		*attr = 0x00;
		*sh = 0;
		return true;
	}
	d = fid_desc_at(g, c, &c->s1[sel], 1, c->a32 ? (uint32_t)va : va, res->s1_level);
	if (!(d & DESC_VALID))
		return false;
	*attr = (uint8_t)(r->mair_el1 >> (8 * S2_FIELD_GET(S1_DESC_ATTRINDX, d)));
	if (c->s1[sel].ds)
		*sh = (uint8_t)(sel ? S2_FIELD_GET(TCR_EL1_SH1, r->tcr_el1)
				    : S2_FIELD_GET(TCR_EL1_SH0, r->tcr_el1));
	else
		*sh = (uint8_t)S2_FIELD_GET(DESC_SH, d);
	return true;
}

/* The Device type (0 nGnRnE .. 3 GRE) QEMU 7.2 reads from a low nibble. */
static unsigned nibble_type(unsigned lo)
{
	return lo == 0 ? 0 : lo == 4 ? 1 : lo == 8 ? 2 : 3;
}

static unsigned min_u(unsigned a, unsigned b)
{
	return a < b ? a : b;
}

/* A MAIR nibble forced Write-Back, hints kept; NC gets RW-allocate. */
static unsigned wb_nibble(unsigned n)
{
	return n == 4 || n == 0 ? 0xfu : n | 4u;
}

/*
 * The architecture's combination under HCR_EL2.FWB of stage-1 MAIR byte
 * @a1 and stage-2 MemAttr @m2 (AArch64.S2ApplyFWBMemAttrs, which reads
 * MemAttr[2:0]): written here apart from the model, as its oracle.
 */
static uint8_t fwb_arch(uint8_t a1, uint8_t m2)
{
	bool dev1 = is_device(a1);

	if (!(m2 & 4))
		return (uint8_t)(min_u(dev1 ? (a1 >> 2) & 3u : 3u, m2 & 3u) << 2);
	switch (m2 & 3) {
	case 3:
		return a1;
	case 2:
		return dev1 ? 0xff : (uint8_t)(wb_nibble(a1 >> 4) << 4 | wb_nibble(a1 & 0xfu));
	default:
		return dev1 ? a1 : 0x44;
	}
}

/*
 * PAR_EL1.SH of combined attributes @attr from stage-1 SH @sh1 and stage-2
 * SH @sh2: the wider domain, and 0b10 for Device and Normal Non-cacheable
 * (PAREncodeShareability).
 */
static uint8_t arch_sh(uint8_t attr, uint8_t sh1, uint8_t sh2)
{
	if (is_device(attr) || attr == 0x44 || sh1 == DESC_SH_OS || sh2 == DESC_SH_OS)
		return DESC_SH_OS;
	return sh1 == DESC_SH_IS || sh2 == DESC_SH_IS ? DESC_SH_IS : DESC_SH_NS;
}

unsigned fid_attr_deviation(const struct fid_gen *g, const struct fid_case *c,
			    enum s2_mmu_at_op op, uint64_t va,
			    const struct s2_mmu_result *res, uint64_t mpar, uint64_t qpar)
{
	uint8_t ma = (uint8_t)S2_FIELD_GET(PAR_EL1_ATTR, mpar);
	uint8_t qa = (uint8_t)S2_FIELD_GET(PAR_EL1_ATTR, qpar);
	uint8_t ms = (uint8_t)S2_FIELD_GET(PAR_EL1_SH, mpar);
	uint8_t qs = (uint8_t)S2_FIELD_GET(PAR_EL1_SH, qpar);
	bool two = !is_s1_op(op) && (c->regs.hcr_el2 & HCR_EL2_VM);
	uint8_t a1, sh1, m2 = res->s2_memattr;
	unsigned t1, t2;

	/*
	 * Short descriptors: QEMU's stage 1 is Device-nGnRnE, SH 0b00. The
	 * model's own value is judged by table tests (test_walk_sd.c).
	 */
	if (c->sd) {
		uint8_t qx = 0x00;

		if (!on(g, ATTR_SD_NONE))
			return 0;
		/* 7.2 reports the zeroed SH as it is, 10.0 Device's 0b10. */
		if (!two)
			return qa == 0x00 &&
			       qs == (fid_qemu_bit(g->qemu_version) == FID_QEMU_7_2 ?
				      DESC_SH_NS : DESC_SH_OS) ? ATTR_SD_NONE : 0;
		if ((m2 & S2_MMU_MEMATTR_FWB) && !(m2 & 8))
			qx = !(m2 & 4) ? (uint8_t)((m2 & 3) << 2) : (m2 & 7) == 6 ? 0xff : 0x00;
		return qa == qx && qs == arch_sh(qx, DESC_SH_NS, res->s2_sh) ? ATTR_SD_NONE : 0;
	}
	if (!s1_attrs(g, c, va, res, &a1, &sh1))
		return 0;
	/* One stage: the attributes agree, QEMU's SH is the descriptor's. */
	if (!two)
		return on(g, ATTR_SH_S1_ONLY) && ma == qa && ma == a1 &&
		       (is_device(ma) || ma == 0x44) && ms == DESC_SH_OS && qs == sh1
		       ? ATTR_SH_S1_ONLY : 0;
	/* Stage 1 off, FWB forcing Write-Back: QEMU's SH is stage 2's. */
	if (on(g, ATTR_S1_OFF_SH) && !(c->regs.sctlr_el1 & SCTLR_M) &&
	    (m2 & (S2_MMU_MEMATTR_FWB | 7)) == (S2_MMU_MEMATTR_FWB | 6) &&
	    ma == fwb_arch(a1, m2) && qa == ma && ms == DESC_SH_OS &&
	    qs == arch_sh(0xff, DESC_SH_NS, res->s2_sh))
		return ATTR_S1_OFF_SH;
	/* Both stages: QEMU's answers here are Device, Outer Shareable. */
	if (qs != DESC_SH_OS ||
	    ms != arch_sh(ma, c->regs.sctlr_el1 & SCTLR_M ? sh1 : DESC_SH_OS, res->s2_sh))
		return 0;
	t1 = is_device(a1) ? (a1 >> 2) & 3u : 3u;
	if (m2 & S2_MMU_MEMATTR_FWB) {
		if (on(g, ATTR_FWB_MEMATTR3) && (m2 & 8) && qa == 0x00 &&
		    ma == fwb_arch(a1, m2) && ma != 0x00)
			return ATTR_FWB_MEMATTR3;
		t2 = m2 & 3u;
		if (on(g, ATTR_FWB_S1_DEVICE) && !(m2 & 0xc) && is_device(a1) && t1 < t2 &&
		    ma == fwb_arch(a1, m2) && qa == t2 << 2)
			return ATTR_FWB_S1_DEVICE;
		return 0;
	}
	/* Without FWB: QEMU's order over both low nibbles. */
	t2 = (m2 & 0xc) ? 3u : m2 & 3u;
	if (on(g, ATTR_DEVICE_NIBBLE) && (is_device(a1) || !(m2 & 0xc)) &&
	    ma == min_u(t1, t2) << 2 &&
	    qa == min_u(nibble_type(a1 & 0xfu),
			(m2 & 0xc) ? ((m2 & 3) == 1 ? 1u : 3u) : t2) << 2)
		return ATTR_DEVICE_NIBBLE;
	return 0;
}

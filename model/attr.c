/* SPDX-License-Identifier: MIT */
/*
 * The MMU model's permissions and memory attributes (Arm ARM DDI 0487):
 * the stage-1 permission table (AArch64.S1ComputePermissions), the
 * combination of stage-1 MAIR attributes with stage-2 MemAttr
 * (S2CombineS1MemAttrs; under HCR_EL2.FWB, AArch64.S2ApplyFWBMemAttrs),
 * PAR_EL1.SH, and the attributes of an access with stage 1 off.
 * Freestanding.
 */
#include <stdbool.h>
#include <stdint.h>

#include <s2mm/arch.h>
#include <s2mm/mmu.h>

#include "attr.h"

/*
 * Stage-1 permissions (AArch64.S1ComputePermissions), as a table indexed
 * by the bits they depend on, gathered with few shifts (s1_perm()): [1:0]
 * AP[2:1], [2] PXN, [3] UXN (AArch32: XN), [4] PXNTable, [5] UXNTable,
 * [7:6] APTable[1:0], [8] AArch32, [9] SCTLR.WXN, [10] SCTLR.UWXN (AArch32
 * only: bit 20 is TSCXT to AArch64). Hierarchical: APTable[0] removes EL0
 * access, APTable[1] writes. AArch64: EL0-writable memory is never
 * executable at EL1. AArch32 LPAE: XN applies at PL0 and PL1, PXN at PL1,
 * executing at PL0 needs read access, and with SCTLR.UWXN PL0-writable
 * memory is not executable at PL1 (AArch32.CheckPermission, the same rule
 * as for short descriptors).
 */
#define P_AP(i) ((((i) & 3) & ~(((i) >> 6) & 1)) | (((i) >> 6) & 2))
#define P_R0(i) (P_AP(i) & 1)
#define P_W0(i) (P_AP(i) == 1)
#define P_W1(i) (!(P_AP(i) & 2))
#define P_XN(i) ((((i) >> 3) | ((i) >> 5)) & 1)
#define P_PXN(i) ((((i) >> 2) | ((i) >> 4)) & 1)
#define P_WXN(i) (((i) >> 9) & 1)
#define P_X0(i) ((((i) >> 8) & 1 ? !P_XN(i) && P_R0(i) : !P_XN(i)) && \
		 !(P_WXN(i) && P_W0(i)))
#define P_UWXN(i) (((i) >> 10) & 1)
#define P_X1(i) ((((i) >> 8) & 1 ? !P_XN(i) && !P_PXN(i) && !(P_UWXN(i) && P_W0(i)) \
			     : !P_PXN(i) && !P_W0(i)) && \
		 !(P_WXN(i) && P_W1(i)))
#define S1P(i) (P_R0(i) * S2_MMU_PERM_R0 | P_W0(i) * S2_MMU_PERM_W0 | \
		P_X0(i) * S2_MMU_PERM_X0 | S2_MMU_PERM_R1 |               \
		P_W1(i) * S2_MMU_PERM_W1 | P_X1(i) * S2_MMU_PERM_X1)
#define S1P4(i) S1P(i), S1P((i) + 1), S1P((i) + 2), S1P((i) + 3)
#define S1P16(i) S1P4(i), S1P4((i) + 4), S1P4((i) + 8), S1P4((i) + 12)
#define S1P64(i) S1P16(i), S1P16((i) + 16), S1P16((i) + 32), S1P16((i) + 48)
#define S1P256(i) S1P64(i), S1P64((i) + 64), S1P64((i) + 128), S1P64((i) + 192)

const uint8_t s2_model_s1_perm_table[2048] = {
	S1P256(0), S1P256(256), S1P256(512), S1P256(768),
	S1P256(1024), S1P256(1280), S1P256(1536), S1P256(1792),
};

/* Cacheability class of a MAIR nibble: 0 NC, 1 WT, 2 WB. */
static unsigned nibble_class(unsigned n)
{
	if (n == 4)
		return 0;
	return ((n >> 2) & 1) ? 2 : 1;   /* 00RW/10RW WT, 01RW/11RW WB */
}

static unsigned combine_nibble(unsigned s1, unsigned s2class)
{
	/* S2CombineS1MemAttrs: the weaker cacheability wins; hints from S1. */
	unsigned c1 = nibble_class(s1);

	if (c1 == 0 || s2class == 0)
		return 4;
	if (c1 == 1)
		return s1;
	if (s2class == 1)
		return 8u | (s1 & 3u);   /* Write-Through, non-transient */
	return s1;
}

/*
 * A MAIR nibble made Write-Back, its allocation and transient hints kept
 * (AArch64.S2ApplyFWBMemAttrs, "Force writeback"): 00RW/10RW Write-Through
 * become 01RW/11RW. Non-cacheable has no hints to keep: Read-Write-allocate,
 * non-transient, as for the UNPREDICTABLE 0b0000.
 */
static unsigned force_wb_nibble(unsigned n)
{
	if (n == 4 || n == 0)
		return 0xf;
	return n | 4;
}

/*
 * Table "Combining the stage 1 and stage 2 memory type attributes, when
 * FEAT_S2FWB is enabled"; AArch64.S2ApplyFWBMemAttrs. MemAttr[3] is RES0
 * and not looked at.
 */
static uint8_t combine_fwb(uint8_t s1, uint8_t m2)
{
	bool dev1 = (s1 & 0xf0) == 0;

	if (!(m2 & 4)) {
		/*
		 * MemAttr[2]=0: Device of type MemAttr[1:0], or stage 1's
		 * Device type where it is the more restrictive
		 * (S2CombineS1Device).
		 */
		unsigned t1 = dev1 ? (s1 >> 2) & 3u : 3u;
		unsigned t2 = m2 & 3u;
		return (uint8_t)((t1 < t2 ? t1 : t2) << 2);
	}
	switch (m2 & 3) {
	case 3:   /* stage 1's attributes */
		return dev1 ? (uint8_t)(s1 & 0xc) : s1;
	case 2:   /* Normal Write-Back, whatever stage 1 says */
		if (dev1)
			return 0xff;
		return (uint8_t)(force_wb_nibble(s1 >> 4) << 4 |
				 force_wb_nibble(s1 & 0xf));
	default:  /* 0b100, 0b101: Normal Non-cacheable, unless stage 1 is Device */
		return dev1 ? (uint8_t)(s1 & 0xc) : 0x44;
	}
}

uint8_t s2_model_combine_attr_rest(uint8_t s1, uint8_t m2)
{
	static const uint8_t s2class[4] = { 0, 0, 1, 2 }; /* 01 NC, 10 WT, 11 WB */
	bool dev1 = (s1 & 0xf0) == 0, dev2;

	if (m2 & S2_MMU_MEMATTR_FWB)
		return combine_fwb(s1, m2);
	dev2 = memattr_is_device(m2);
	if (dev1 || dev2) {
		/* Device: the more restrictive of the two (nGnRnE < ... < GRE). */
		unsigned t1 = dev1 ? (s1 >> 2) & 3u : 3u;
		unsigned t2 = dev2 ? m2 & 3u : 3u;
		return (uint8_t)((t1 < t2 ? t1 : t2) << 2);
	}
	return (uint8_t)((combine_nibble(s1 >> 4, s2class[(m2 >> 2) & 3]) << 4) |
			 combine_nibble(s1 & 0xf, s2class[m2 & 3]));
}

uint8_t s2_model_mmu_off_attr(const struct s2_mmu_regs *regs, unsigned acc)
{
	/* AArch64.S1DisabledOutput: data Device-nGnRnE; fetches Normal. */
	if (acc != S2_MMU_EXEC)
		return 0x00;
	return (regs->sctlr_el1 & SCTLR_I) ? 0xaa : 0x44;
}

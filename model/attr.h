/* SPDX-License-Identifier: MIT */
/*
 * Private to the MMU model: what a translation's leaves allow and what
 * memory they describe. Permissions of each stage (AArch64.S1/S2
 * ComputePermissions) as S2_MMU_PERM_* sets, and the memory attributes and
 * shareability of both stages combined (S2CombineS1MemAttrs). Inline here:
 * what every walk or TLB hit computes; attr.c holds the rest.
 */
#ifndef S2MM_MODEL_ATTR_H
#define S2MM_MODEL_ATTR_H

#include <stdbool.h>
#include <stdint.h>

#include <s2mm/arch.h>
#include <s2mm/mmu.h>

#include "internal.h"

/* Does @perm allow access kind @acc at @el? */
static inline bool s2_model_perm_ok(uint8_t perm, unsigned acc, unsigned el)
{
	return (perm >> (acc + 3u * el)) & 1u;
}

/* Stage-2 permissions of a leaf (S2AP, XN; AArch64.S2ComputePermissions). */
static inline uint8_t s2_perm(const struct s2_mmu_cpu *cpu, uint64_t d)
{
	/*
	 * Execute by XN[1:0] (bits [54:53]). FEAT_XNX: 00 both, 01 not EL1,
	 * 10 none, 11 not EL0. Without it only XN[1] counts.
	 */
	static const uint8_t x[2][4] = {
		{ S2_MMU_PERM_X0 | S2_MMU_PERM_X1, S2_MMU_PERM_X0 | S2_MMU_PERM_X1, 0, 0 },
		{ S2_MMU_PERM_X0 | S2_MMU_PERM_X1, S2_MMU_PERM_X0, 0, S2_MMU_PERM_X1 },
	};
	uint8_t p = x[cpu->xnx][S2_FIELD_GET(S2_DESC_XN, d)];

	if (d & S2_DESC_S2AP_R)
		p |= S2_MMU_PERM_R0 | S2_MMU_PERM_R1;
	if (d & S2_DESC_S2AP_W)
		p |= S2_MMU_PERM_W0 | S2_MMU_PERM_W1;
	return p;
}

/*
 * Stage-1 permissions, by the bits they depend on (attr.c says how the
 * index is formed).
 */
extern const uint8_t s2_model_s1_perm_table[2048];

_Static_assert(S1_DESC_AP_SHIFT == 6 && S1_DESC_PXN == BIT(53) &&
	       S1_DESC_UXN == BIT(54) && S1_TABLE_PXNTABLE == BIT(59) &&
	       S1_TABLE_UXNTABLE == BIT(60) && S1_TABLE_APTABLE_SHIFT == 61,
	       "s1_perm() gathers the permission bits from these places");

/*
 * Stage-1 permissions of a leaf descriptor @d under the table bits @t its
 * walk accumulated (APTable, UXNTable, PXNTable: bits [63:59]).
 */
static WALK_INLINE uint8_t s1_perm(const struct s2_mmu_tt *c,
				   const struct s2_mmu_regs *regs,
				   uint64_t d, uint64_t t)
{
	unsigned i = (unsigned)((d >> 6) & 3) | (unsigned)((d >> 51) & 0xc) |
		     (unsigned)((t >> 55) & 0xf0) | (unsigned)c->aarch32 << 8 |
		     (unsigned)((regs->sctlr_el1 & SCTLR_WXN) != 0) << 9 |
		     /* SCTLR.UWXN, bit 20: an AArch32 EL1's only */
		     ((unsigned)c->aarch32 & (unsigned)(regs->sctlr_el1 >> 20)) << 10;

	return s2_model_s1_perm_table[i];
}

/* Stage-1 AP[2] (bit 7): read-only; with DBM and HD, "not dirty". */
#define S1_DESC_AP2 (S1_DESC_AP_RO_EL1 << S1_DESC_AP_SHIFT)

/*
 * Stage-1 permissions with FEAT_HAFDBS's dirty state: under TCR_EL1.HD a
 * DBM=1 leaf has AP[2] taken as 0 (AArch64.S1ApplyOutputPerms): writable
 * (SCTLR_EL1.WXN then takes execute away, as from any writable page).
 */
static WALK_INLINE uint8_t s1_perm_dbm(const struct s2_mmu_tt *c,
				       const struct s2_mmu_regs *regs,
				       uint64_t d, uint64_t t)
{
	if (c->hd && (d & DESC_DBM))
		d &= ~S1_DESC_AP2;
	return s1_perm(c, regs, d, t);
}

/*
 * Stage-2 permissions with the dirty state: under VTCR_EL2.HD a DBM=1 leaf
 * has S2AP[1] taken as 1 (AArch64.S2ApplyOutputPerms).
 */
static inline uint8_t s2_perm_dbm(const struct s2_mmu_cpu *cpu,
				  const struct s2_mmu_tt *c, uint64_t d)
{
	uint8_t p = s2_perm(cpu, d);

	if (c->hd && (d & DESC_DBM))
		p |= S2_MMU_PERM_W0 | S2_MMU_PERM_W1;
	return p;
}

/*
 * Is stage-2 attribute @memattr (MemAttr[3:0], with S2_MMU_MEMATTR_FWB)
 * Device memory for a stage-1 walk, whose own attributes are Normal:
 * MemAttr[3:2] = 0b00 (S2AttrDecode), or under HCR_EL2.FWB MemAttr[2] = 0
 * (AArch64.S2ApplyFWBMemAttrs).
 */
static inline bool memattr_is_device(uint8_t memattr)
{
	if (memattr & S2_MMU_MEMATTR_FWB)
		return !(memattr & 0x4);
	return (memattr & 0xc) == 0;
}

/* The shareability of two stages combined: the wider domain. */
static inline uint8_t combine_sh(uint8_t sh1, uint8_t sh2)
{
	if (sh1 == DESC_SH_OS || sh2 == DESC_SH_OS)
		return DESC_SH_OS;
	if (sh1 == DESC_SH_IS || sh2 == DESC_SH_IS)
		return DESC_SH_IS;
	return DESC_SH_NS;
}

/* s2_model_combine_attr() for a stage 2 other than Normal Write-Back. */
uint8_t s2_model_combine_attr_rest(uint8_t s1attr, uint8_t s2memattr);

/*
 * Combine stage-1 MAIR attributes with stage-2 MemAttr (S2CombineS1MemAttrs;
 * with S2_MMU_MEMATTR_FWB, AArch64.S2ApplyFWBMemAttrs). Stage 2 Normal
 * Write-Back (MemAttr 0b1111), the usual case, inline: it is never the
 * weaker, so stage 1's attributes stand (Device keeps only its type bits).
 */
static inline uint8_t s2_model_combine_attr(uint8_t s1attr, uint8_t s2memattr)
{
	if (s2memattr == 0xf)
		return (s1attr & 0xf0) == 0 ? (uint8_t)(s1attr & 0xc) : s1attr;
	return s2_model_combine_attr_rest(s1attr, s2memattr);
}

/*
 * PAR_EL1.SH for memory with combined attribute @attr and shareability
 * @sh: Device and Normal Non-cacheable memory report Outer Shareable
 * (PAREncodeShareability).
 */
static inline uint8_t s2_model_par_sh(uint8_t attr, uint8_t sh)
{
	if ((attr & 0xf0) == 0 || attr == 0x44)
		return DESC_SH_OS;
	return sh;
}
/* Stage-1 attributes with the MMU off, for access kind @acc. */
uint8_t s2_model_mmu_off_attr(const struct s2_mmu_regs *regs, unsigned acc);

#endif /* S2MM_MODEL_ATTR_H */

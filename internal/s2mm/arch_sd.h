/* SPDX-License-Identifier: MIT */
/**
 * @file
 * The AArch32 Short-descriptor translation table format (VMSAv8-32, Arm ARM
 * G5.4; TTBCR.EAE=0) and the AArch32 registers that steer it, spelled as
 * the Arm ARM spells them: 32-bit descriptors, a 4096-entry level-1 table
 * of sections (1MB), supersections (16MB) and page tables, a 256-entry
 * level-2 table of large (64KB) and small (4KB) pages, 16 domains.
 *
 * A companion of <s2mm/arch.h> (same naming rules), kept apart because
 * only the model's short-descriptor walker, its tests and the simulator's
 * AArch32 guests use it. Never installed.
 */
#ifndef S2MM_ARCH_SD_H
#define S2MM_ARCH_SD_H

#include <s2mm/arch.h>

/** TTBCR with EAE=0 (G8.2.167): N splits the VA space, PD0/PD1 disable walks. @{ */
#define TTBCR_N_SHIFT           0
#define TTBCR_N_MASK            S2_FIELD_MASK(0, 3)
#define TTBCR_PD0               (S2_UL(1) << 4)
#define TTBCR_PD1               (S2_UL(1) << 5)
/** @} */

/** 32-bit TTBR0/TTBR1 (EAE=0): the table base, bits [31:14-N]. @{ */
#define TTBR_SD_BASE_MASK       S2_FIELD_MASK(7, 25)   /* [31:7]: N = 7 */
/** @} */

/** AArch32 SCTLR bits of the short-descriptor format (G8.2.126). @{ */
#define SCTLR_UWXN              (S2_UL(1) << 20)   /* PL0-writable is PL1 XN */
#define SCTLR_TRE               (S2_UL(1) << 28)   /* TEX remap (PRRR/NMRR) */
#define SCTLR_AFE               (S2_UL(1) << 29)   /* AP[0] is the Access flag */
/** @} */

/** CONTEXTIDR with EAE=0: the ASID in bits [7:0]. @{ */
#define CONTEXTIDR_ASID_SHIFT   0
#define CONTEXTIDR_ASID_MASK    S2_FIELD_MASK(0, 8)
/** @} */

/**
 * PRRR (G8.2.120) and NMRR (G8.2.103), used with SCTLR.TRE=1; in their
 * AArch64 views PRRR is MAIR_EL1[31:0] and NMRR MAIR_EL1[63:32]. Region
 * n = TEX[0]:C:B: PRRR.TRn at [2n+1:2n] (00 Device-nGnRnE, 01 Device-nGnRE,
 * 10 Normal), NMRR.IRn at [2n+1:2n], NMRR.ORn at [2n+17:2n+16]
 * (00 Non-cacheable, 01 WB RA WA, 10 WT RA, 11 WB RA), PRRR.NOSn at [24+n].
 * @{
 */
#define PRRR_TR_DEVICE_nGnRnE   0
#define PRRR_TR_DEVICE_nGnRE    1
#define PRRR_TR_NORMAL          2
#define PRRR_DS0                (S2_UL(1) << 16)
#define PRRR_DS1                (S2_UL(1) << 17)
#define PRRR_NS0                (S2_UL(1) << 18)
#define PRRR_NS1                (S2_UL(1) << 19)
#define PRRR_NOS_SHIFT          24
#define NMRR_OR_SHIFT           16
/** @} */

/** DACR (G8.2.34): two bits per domain. @{ */
#define DACR_NO_ACCESS          0
#define DACR_CLIENT             1
#define DACR_RESERVED           2
#define DACR_MANAGER            3
/** @} */

/** Short-descriptor level 1 (G5.4.1): bits [1:0] give the type. @{ */
#define SD_L1_TYPE_MASK         S2_FIELD_MASK(0, 2)
#define SD_L1_FAULT             S2_UL(0)
#define SD_L1_TABLE             S2_UL(1)
#define SD_L1_SECTION           S2_UL(2)   /* bit 1 set: bit 0 is PXN */
/* Page table descriptor. */
#define SD_L1T_PXN              (S2_UL(1) << 2)
#define SD_L1T_NS               (S2_UL(1) << 3)
#define SD_DOMAIN_SHIFT         5          /* tables and sections */
#define SD_DOMAIN_MASK          S2_FIELD_MASK(5, 4)
#define SD_L1T_BASE_MASK        S2_FIELD_MASK(10, 22)
/* Section and supersection descriptors. */
#define SD_SECT_PXN             (S2_UL(1) << 0)
#define SD_SECT_B               (S2_UL(1) << 2)
#define SD_SECT_C               (S2_UL(1) << 3)
#define SD_SECT_XN              (S2_UL(1) << 4)
#define SD_SECT_AP_SHIFT        10         /* AP[1:0]; AP[2] at bit 15 */
#define SD_SECT_AP_MASK         S2_FIELD_MASK(10, 2)
#define SD_SECT_TEX_SHIFT       12
#define SD_SECT_TEX_MASK        S2_FIELD_MASK(12, 3)
#define SD_SECT_AP2             (S2_UL(1) << 15)
#define SD_SECT_S               (S2_UL(1) << 16)
#define SD_SECT_NG              (S2_UL(1) << 17)
#define SD_SECT_SUPER           (S2_UL(1) << 18)
#define SD_SECT_NS              (S2_UL(1) << 19)
#define SD_SECT_BASE_MASK       S2_FIELD_MASK(20, 12)   /* PA[31:20] */
/* Supersection: PA[31:24] in [31:24], PA[35:32] in [23:20], PA[39:36] in [8:5]. */
#define SD_SUPER_BASE_MASK      S2_FIELD_MASK(24, 8)
#define SD_SUPER_PA35_32_SHIFT  20
#define SD_SUPER_PA39_36_SHIFT  5
/** @} */

/** Short-descriptor level 2 (G5.4.1): small (bit 1 set) and large pages. @{ */
#define SD_L2_TYPE_MASK         S2_FIELD_MASK(0, 2)
#define SD_L2_FAULT             S2_UL(0)
#define SD_L2_LARGE             S2_UL(1)
#define SD_L2_SMALL             S2_UL(2)   /* bit 1 set: bit 0 is XN */
#define SD_L2_SMALL_XN          (S2_UL(1) << 0)
#define SD_L2_B                 (S2_UL(1) << 2)
#define SD_L2_C                 (S2_UL(1) << 3)
#define SD_L2_AP_SHIFT          4          /* AP[1:0]; AP[2] at bit 9 */
#define SD_L2_AP_MASK           S2_FIELD_MASK(4, 2)
#define SD_L2_SMALL_TEX_SHIFT   6
#define SD_L2_SMALL_TEX_MASK    S2_FIELD_MASK(6, 3)
#define SD_L2_AP2               (S2_UL(1) << 9)
#define SD_L2_S                 (S2_UL(1) << 10)
#define SD_L2_NG                (S2_UL(1) << 11)
#define SD_L2_LARGE_TEX_SHIFT   12
#define SD_L2_LARGE_TEX_MASK    S2_FIELD_MASK(12, 3)
#define SD_L2_LARGE_XN          (S2_UL(1) << 15)
#define SD_L2_SMALL_BASE_MASK   S2_FIELD_MASK(12, 20)
#define SD_L2_LARGE_BASE_MASK   S2_FIELD_MASK(16, 16)
/** @} */

/**
 * Short-descriptor fault status (DFSR/IFSR with LPAE=0, G8.2.35): FS[4] in
 * bit 10, FS[3:0] in bits [3:0], the domain in [7:4] (DFSR), WnR bit 11.
 * @{
 */
#define FSR_SD_FS4              (S2_UL(1) << 10)
#define FSR_SD_DOMAIN_SHIFT     4
#define FSR_SD_DOMAIN_MASK      S2_FIELD_MASK(4, 4)
#define FSR_SD_WNR              (S2_UL(1) << 11)
#define FS_SD_ALIGNMENT         0x01
#define FS_SD_AF_L1             0x03   /* Access flag fault, section */
#define FS_SD_AF_L2             0x06   /* Access flag fault, page */
#define FS_SD_TRANSLATION_L1    0x05   /* translation fault, section */
#define FS_SD_TRANSLATION_L2    0x07   /* translation fault, page */
#define FS_SD_DOMAIN_L1         0x09
#define FS_SD_DOMAIN_L2         0x0b
#define FS_SD_SEA_TTW_L1        0x0c   /* external abort on the walk, level 1 */
#define FS_SD_SEA_TTW_L2        0x0e
#define FS_SD_PERMISSION_L1     0x0d
#define FS_SD_PERMISSION_L2     0x0f
/** @} */

/**
 * Long-descriptor status codes of a Domain fault (ESR_ELx DFSC, PAR_EL1.FST
 * from an AArch64 AT): an AArch32 EL1&0 stage 1 in the short format. @{
 */
#define FSC_DOMAIN_L1           S2_UL(0x3d)
#define FSC_DOMAIN_L2           S2_UL(0x3e)
/** @} */

#endif /* S2MM_ARCH_SD_H */

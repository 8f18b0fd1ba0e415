/* SPDX-License-Identifier: MIT */
/**
 * @file
 * Architecture encodings: translation table descriptors and the EL2 system
 * registers s2mm programs or decodes, spelled as the Arm ARM (DDI 0487) spells
 * them. Usable from C and from assembly.
 *
 * Naming: `REGISTER_FIELD_SHIFT` and `REGISTER_FIELD_MASK` for a field (the
 * pair S2_FIELD_GET() and S2_FIELD_PREP() take), `REGISTER_FIELD` alone for
 * a one-bit field, plus named values. The unit test tests/pgtable/test_arch.c
 * pins them against the Arm ARM's values.
 *
 * Never installed: most names are the ones Linux and other hypervisors
 * give the same fields, and would collide in an embedder's code. What an
 * installed header needs from here it defines itself, with the S2_ prefix.
 */
#ifndef S2MM_ARCH_H
#define S2MM_ARCH_H

/** S2_UL() - A 64-bit constant in C; the bare number in assembly. */
#ifdef __ASSEMBLER__
#define S2_UL(x) x
#else
#define S2_UL(x) x##ULL
#endif

/** S2_FIELD_MASK() - A mask of @width bits starting at bit @shift. */
#define S2_FIELD_MASK(shift, width) (((S2_UL(1) << (width)) - 1) << (shift))

/* ------------------------------------------------------------------------ */
/* VMSAv8-64 translation table descriptors (Arm ARM D8.3).                  */
/* ------------------------------------------------------------------------ */

/** Valid bit and type (bits [1:0]) of a descriptor. @{ */
#define DESC_VALID              (S2_UL(1) << 0)
/* Bit 1: table (levels < 3) or page (level 3); 0 at levels < 3 is a block. */
#define DESC_TABLE              (S2_UL(1) << 1)
#define DESC_PAGE               (S2_UL(1) << 1)
#define DESC_TYPE_MASK          S2_UL(3)
#define DESC_TYPE_BLOCK         S2_UL(1)
#define DESC_TYPE_TABLE         S2_UL(3)
#define DESC_TYPE_PAGE          S2_UL(3)
/** @} */

/** The output address of a descriptor (Arm ARM D8.3.1). @{ */
/* OA[47:granule] in bits [47:granule]. */
#define DESC_OA_HI              47
/* FEAT_LPA, 64KB granule: OA[51:48] held in descriptor bits [15:12]. */
#define DESC_OA52_64K_SHIFT     12
#define DESC_OA52_64K_MASK      S2_FIELD_MASK(12, 4)
/* FEAT_LPA2 (VTCR/TCR.DS=1), 4KB/16KB: OA[51:50] in bits [9:8]. */
#define DESC_OA52_LPA2_SHIFT    8
#define DESC_OA52_LPA2_MASK     S2_FIELD_MASK(8, 2)
/** @} */

/** Attributes of a block or page descriptor that both stages share. @{ */
/* Lower attributes. */
#define DESC_SH_SHIFT           8
#define DESC_SH_MASK            S2_FIELD_MASK(8, 2)
#define DESC_SH_NS              S2_UL(0)  /* Non-shareable */
#define DESC_SH_OS              S2_UL(2)  /* Outer Shareable */
#define DESC_SH_IS              S2_UL(3)  /* Inner Shareable */
#define DESC_AF                 (S2_UL(1) << 10)
/* Upper attributes shared by both stages. */
#define DESC_DBM                (S2_UL(1) << 51)
#define DESC_CONTIGUOUS         (S2_UL(1) << 52)
/* Bits [58:55] are reserved for software use in block and page descriptors. */
#define DESC_SW_SHIFT           55
#define DESC_SW_MASK            S2_FIELD_MASK(55, 4)
/** @} */

/** Stage-1 attributes of block and page descriptors (Arm ARM D8.4). @{ */
/* Lower attributes. */
#define S1_DESC_ATTRINDX_SHIFT  2
#define S1_DESC_ATTRINDX_MASK   S2_FIELD_MASK(2, 3)
#define S1_DESC_NS              (S2_UL(1) << 5)
#define S1_DESC_AP_SHIFT        6
#define S1_DESC_AP_MASK         S2_FIELD_MASK(6, 2)
#define S1_DESC_AP_RW_EL1       S2_UL(0)  /* AP[2:1]=00: EL1 RW, EL0 none */
#define S1_DESC_AP_RW_ALL       S2_UL(1)  /* 01: EL1 RW, EL0 RW */
#define S1_DESC_AP_RO_EL1       S2_UL(2)  /* 10: EL1 RO, EL0 none */
#define S1_DESC_AP_RO_ALL       S2_UL(3)  /* 11: EL1 RO, EL0 RO */
#define S1_DESC_NG              (S2_UL(1) << 11)
#define S1_DESC_PXN             (S2_UL(1) << 53)
#define S1_DESC_UXN             (S2_UL(1) << 54)
/** @} */
/** Stage-1 table descriptors' hierarchical attributes. @{ */
#define S1_TABLE_PXNTABLE       (S2_UL(1) << 59)
#define S1_TABLE_UXNTABLE       (S2_UL(1) << 60)
#define S1_TABLE_APTABLE_SHIFT  61
#define S1_TABLE_APTABLE_MASK   S2_FIELD_MASK(61, 2)
#define S1_TABLE_NSTABLE        (S2_UL(1) << 63)
/** @} */

/** Stage-2 attributes of block and page descriptors (Arm ARM D8.5). @{ */
/* Lower attributes. */
#define S2_DESC_MEMATTR_SHIFT   2
#define S2_DESC_MEMATTR_MASK    S2_FIELD_MASK(2, 4)
/* MemAttr[3:2]=11 Outer WB, [1:0]=11 Inner WB (FEAT_S2FWB off). */
#define S2_MEMATTR_NORMAL_WB    S2_UL(0xf)
#define S2_MEMATTR_NORMAL_NC    S2_UL(0x5)
#define S2_MEMATTR_DEVICE_nGnRnE S2_UL(0x0)
#define S2_MEMATTR_DEVICE_nGnRE S2_UL(0x1)
/*
 * With HCR_EL2.FWB=1 (FEAT_S2FWB; AArch64.S2ApplyFWBMemAttrs): MemAttr[2]=0
 * Device of type MemAttr[1:0]; else [1:0] = 11 stage 1's attributes, 10
 * Normal Write-Back forced, 0x Normal Non-cacheable unless stage 1 is
 * Device. MemAttr[3] is RES0.
 */
#define S2_MEMATTR_FWB_S1       S2_UL(0x7)
#define S2_MEMATTR_FWB_NORMAL_WB S2_UL(0x6)
#define S2_MEMATTR_FWB_NORMAL_NC S2_UL(0x5)
#define S2_DESC_S2AP_SHIFT      6
#define S2_DESC_S2AP_MASK       S2_FIELD_MASK(6, 2)
#define S2_DESC_S2AP_R          (S2_UL(1) << 6)  /* S2AP[0]: read allowed */
#define S2_DESC_S2AP_W          (S2_UL(1) << 7)  /* S2AP[1]: write allowed */
/* Stage-2 XN[1:0] in bits [54:53] (FEAT_XNX); without XNX only bit 54. */
#define S2_DESC_XN_SHIFT        53
#define S2_DESC_XN_MASK         S2_FIELD_MASK(53, 2)
#define S2_DESC_XN              (S2_UL(1) << 54)
/** @} */

/* ------------------------------------------------------------------------ */
/* AArch32 Long-descriptor (LPAE) format (Arm ARM G5.5): same descriptor    */
/* layout as VMSAv8-64 4KB with a 40-bit output address; AP[2:1] and XN/PXN */
/* as in stage 1 above (XN at bit 54, PXN at bit 53).                       */
/* ------------------------------------------------------------------------ */
/** AArch32 LPAE: the output address's top bit, TTBCR and TTBR fields (Arm ARM G5.5). @{ */
#define LPAE_OA_HI              39
#define TTBCR_T0SZ_SHIFT        0
#define TTBCR_T0SZ_MASK         S2_FIELD_MASK(0, 3)
#define TTBCR_T1SZ_SHIFT        16
#define TTBCR_T1SZ_MASK         S2_FIELD_MASK(16, 3)
#define TTBCR_EPD0              (S2_UL(1) << 7)
#define TTBCR_A1                (S2_UL(1) << 22)
#define TTBCR_EPD1              (S2_UL(1) << 23)
#define TTBCR_EAE               (S2_UL(1) << 31)
/* 64-bit TTBRn in LPAE: ASID in bits [55:48]. */
#define TTBR_LPAE_ASID_SHIFT    48
/** @} */

/* ------------------------------------------------------------------------ */
/* VTCR_EL2 (Arm ARM D19.2).                                                */
/* ------------------------------------------------------------------------ */
/** VTCR_EL2 fields and values (Arm ARM D19.2): the stage-2 layout. @{ */
#define VTCR_EL2_T0SZ_SHIFT     0
#define VTCR_EL2_T0SZ_MASK      S2_FIELD_MASK(0, 6)
#define VTCR_EL2_SL0_SHIFT      6
#define VTCR_EL2_SL0_MASK       S2_FIELD_MASK(6, 2)
#define VTCR_EL2_IRGN0_SHIFT    8
#define VTCR_EL2_IRGN0_MASK     S2_FIELD_MASK(8, 2)
#define VTCR_EL2_ORGN0_SHIFT    10
#define VTCR_EL2_ORGN0_MASK     S2_FIELD_MASK(10, 2)
#define VTCR_EL2_RGN_WBWA       S2_UL(1)
#define VTCR_EL2_SH0_SHIFT      12
#define VTCR_EL2_SH0_MASK       S2_FIELD_MASK(12, 2)
#define VTCR_EL2_SH0_IS         S2_UL(3)
#define VTCR_EL2_TG0_SHIFT      14
#define VTCR_EL2_TG0_MASK       S2_FIELD_MASK(14, 2)
#define VTCR_EL2_TG0_4K         S2_UL(0)
#define VTCR_EL2_TG0_64K        S2_UL(1)
#define VTCR_EL2_TG0_16K        S2_UL(2)
#define VTCR_EL2_PS_SHIFT       16
#define VTCR_EL2_PS_MASK        S2_FIELD_MASK(16, 3)
#define VTCR_EL2_VS             (S2_UL(1) << 19)   /* 16-bit VMID */
#define VTCR_EL2_HA             (S2_UL(1) << 21)   /* hardware Access flag */
#define VTCR_EL2_HD             (S2_UL(1) << 22)   /* hardware dirty state */
#define VTCR_EL2_RES1           (S2_UL(1) << 31)
#define VTCR_EL2_DS             (S2_UL(1) << 32)   /* FEAT_LPA2 52-bit */
#define VTCR_EL2_SL2            (S2_UL(1) << 33)   /* FEAT_LPA2 level -1 */
/** @} */

/** PS / PARange encodings (Arm ARM D19.2 ID_AA64MMFR0_EL1.PARange): 32 to 52 bits. @{ */
#define PARANGE_32              0
#define PARANGE_36              1
#define PARANGE_40              2
#define PARANGE_42              3
#define PARANGE_44              4
#define PARANGE_48              5
#define PARANGE_52              6
/** @} */

/* ------------------------------------------------------------------------ */
/* VTTBR_EL2.                                                               */
/* ------------------------------------------------------------------------ */
/** VTTBR_EL2 fields: the stage-2 root and the VMID. @{ */
#define VTTBR_EL2_CNP           (S2_UL(1) << 0)
#define VTTBR_EL2_BADDR_SHIFT   1
#define VTTBR_EL2_BADDR_MASK    S2_FIELD_MASK(1, 47)
#define VTTBR_EL2_VMID_SHIFT    48
#define VTTBR_EL2_VMID8_MASK    S2_FIELD_MASK(48, 8)
#define VTTBR_EL2_VMID16_MASK   S2_FIELD_MASK(48, 16)
/** @} */

/* ------------------------------------------------------------------------ */
/* HCR_EL2 bits used by s2mm.                                               */
/* ------------------------------------------------------------------------ */
/** HCR_EL2 bits used by s2mm: VM enables stage 2, the others trap or route. @{ */
#define HCR_EL2_VM              (S2_UL(1) << 0)
#define HCR_EL2_SWIO            (S2_UL(1) << 1)
#define HCR_EL2_PTW             (S2_UL(1) << 2)
#define HCR_EL2_FMO             (S2_UL(1) << 3)
#define HCR_EL2_IMO             (S2_UL(1) << 4)
#define HCR_EL2_AMO             (S2_UL(1) << 5)
#define HCR_EL2_DC              (S2_UL(1) << 12)
#define HCR_EL2_TWI             (S2_UL(1) << 13)
#define HCR_EL2_TWE             (S2_UL(1) << 14)
#define HCR_EL2_TSC             (S2_UL(1) << 19)
#define HCR_EL2_TSW             (S2_UL(1) << 22)
#define HCR_EL2_TVM             (S2_UL(1) << 26)
#define HCR_EL2_RW              (S2_UL(1) << 31)
#define HCR_EL2_FWB             (S2_UL(1) << 46)   /* FEAT_S2FWB */
/** @} */

/* ------------------------------------------------------------------------ */
/* ESR_EL2 (Arm ARM D19.2.37).                                              */
/* ------------------------------------------------------------------------ */
/** ESR_ELx: the syndrome's ISS, IL and exception class (EC), and the classes s2mm handles. @{ */
#define ESR_ELx_ISS_SHIFT       0
#define ESR_ELx_ISS_MASK        S2_FIELD_MASK(0, 25)
#define ESR_ELx_IL              (S2_UL(1) << 25)
#define ESR_ELx_EC_SHIFT        26
#define ESR_ELx_EC_MASK         S2_FIELD_MASK(26, 6)
#define ESR_ELx_EC_UNKNOWN      S2_UL(0x00)
#define ESR_ELx_EC_WFx          S2_UL(0x01)
#define ESR_ELx_EC_HVC32        S2_UL(0x12)
#define ESR_ELx_EC_HVC64        S2_UL(0x16)
#define ESR_ELx_EC_SMC64        S2_UL(0x17)
#define ESR_ELx_EC_SYS64        S2_UL(0x18)
#define ESR_ELx_EC_IABT_LOW     S2_UL(0x20)
#define ESR_ELx_EC_IABT_CUR     S2_UL(0x21)
#define ESR_ELx_EC_DABT_LOW     S2_UL(0x24)
#define ESR_ELx_EC_DABT_CUR     S2_UL(0x25)
/** @} */

/** The ISS of a data or instruction abort: syndrome valid (ISV), access size, register, WnR, S1PTW, status code. @{ */
#define ESR_ISS_DA_ISV          (S2_UL(1) << 24)
#define ESR_ISS_DA_SAS_SHIFT    22
#define ESR_ISS_DA_SAS_MASK     S2_FIELD_MASK(22, 2)
#define ESR_ISS_DA_SSE          (S2_UL(1) << 21)
#define ESR_ISS_DA_SRT_SHIFT    16
#define ESR_ISS_DA_SRT_MASK     S2_FIELD_MASK(16, 5)
#define ESR_ISS_DA_SF           (S2_UL(1) << 15)
#define ESR_ISS_DA_AR           (S2_UL(1) << 14)
#define ESR_ISS_DA_VNCR         (S2_UL(1) << 13)
#define ESR_ISS_DA_FnV          (S2_UL(1) << 10)
#define ESR_ISS_DA_EA           (S2_UL(1) << 9)
#define ESR_ISS_DA_CM           (S2_UL(1) << 8)
#define ESR_ISS_DA_S1PTW        (S2_UL(1) << 7)
#define ESR_ISS_DA_WnR          (S2_UL(1) << 6)
#define ESR_ISS_DA_DFSC_SHIFT   0
#define ESR_ISS_DA_DFSC_MASK    S2_FIELD_MASK(0, 6)
#define ESR_ISS_IA_IFSC_SHIFT   0
#define ESR_ISS_IA_IFSC_MASK    S2_FIELD_MASK(0, 6)
/** @} */

/**
 * Fault status codes (DFSC/IFSC, and PAR_EL1.FST) for long-descriptor
 * translation: type in bits [5:2], level in bits [1:0] (Arm ARM D19.2.37).
 * Level -1 (FEAT_LPA2) uses the separate encodings below.
 * @{
 */
#define FSC_ADDR_SIZE           S2_UL(0x00)  /* + level 0..3 */
#define FSC_TRANSLATION         S2_UL(0x04)  /* + level 0..3 */
#define FSC_ACCESS_FLAG         S2_UL(0x08)  /* + level 0..3 (0x08 level 0: FEAT_LPA2) */
#define FSC_PERMISSION          S2_UL(0x0c)  /* + level 0..3 */
#define FSC_SEA                 S2_UL(0x10)  /* synchronous external abort, not on a walk */
#define FSC_SEA_TTW             S2_UL(0x14)  /* + level 0..3: external abort on a walk */
#define FSC_ALIGNMENT           S2_UL(0x21)
#define FSC_ADDR_SIZE_LM1       S2_UL(0x29)  /* address size fault, level -1 */
#define FSC_TRANSLATION_LM1     S2_UL(0x2b)  /* translation fault, level -1 */
#define FSC_TLB_CONFLICT        S2_UL(0x30)
#define FSC_TYPE_MASK           S2_UL(0x3c)
#define FSC_LEVEL_MASK          S2_UL(0x03)
/** @} */

/** Access sizes in ESR ISS.SAS: 1, 2, 4 and 8 bytes. @{ */
#define ESR_SAS_BYTE            0
#define ESR_SAS_HALF            1
#define ESR_SAS_WORD            2
#define ESR_SAS_DOUBLE          3
/** @} */

/* ------------------------------------------------------------------------ */
/* HPFAR_EL2: FIPA holds IPA[51:12] (Arm ARM D19.2.58).                     */
/* ------------------------------------------------------------------------ */
/** HPFAR_EL2 fields: FIPA holds the faulting IPA[51:12]. @{ */
#define HPFAR_EL2_FIPA_SHIFT    4
#define HPFAR_EL2_FIPA_MASK     S2_FIELD_MASK(4, 40)
#define HPFAR_EL2_NS            (S2_UL(1) << 63)
/** @} */

/* ------------------------------------------------------------------------ */
/* PAR_EL1 (Arm ARM D19.2.116).                                             */
/* ------------------------------------------------------------------------ */
/** PAR_EL1 fields after an AT instruction: F=1 a fault (FST, PTW, S), F=0 the PA and its attributes. @{ */
#define PAR_EL1_F               (S2_UL(1) << 0)
/* F=1 */
#define PAR_EL1_FST_SHIFT       1
#define PAR_EL1_FST_MASK        S2_FIELD_MASK(1, 6)
#define PAR_EL1_PTW             (S2_UL(1) << 8)
#define PAR_EL1_S               (S2_UL(1) << 9)
#define PAR_EL1_RES1_11         (S2_UL(1) << 11)
/* F=0 */
#define PAR_EL1_SH_SHIFT        7
#define PAR_EL1_SH_MASK         S2_FIELD_MASK(7, 2)
#define PAR_EL1_NS              (S2_UL(1) << 9)
#define PAR_EL1_PA_SHIFT        12
#define PAR_EL1_PA_MASK         S2_FIELD_MASK(12, 40)
#define PAR_EL1_ATTR_SHIFT      56
#define PAR_EL1_ATTR_MASK       S2_FIELD_MASK(56, 8)
/** @} */

/* ------------------------------------------------------------------------ */
/* TCR_EL1 fields the stage-1 walker decodes (Arm ARM D19.2.139).           */
/* ------------------------------------------------------------------------ */
/** TCR_EL1 fields and TTBRn_EL1's ASID, as the model's stage-1 walker decodes them. @{ */
#define TCR_EL1_T0SZ_SHIFT      0
#define TCR_EL1_T0SZ_MASK       S2_FIELD_MASK(0, 6)
#define TCR_EL1_EPD0            (S2_UL(1) << 7)
#define TCR_EL1_TG0_SHIFT       14
#define TCR_EL1_TG0_MASK        S2_FIELD_MASK(14, 2)
#define TCR_EL1_TG0_4K          S2_UL(0)
#define TCR_EL1_TG0_64K         S2_UL(1)
#define TCR_EL1_TG0_16K         S2_UL(2)
#define TCR_EL1_T1SZ_SHIFT      16
#define TCR_EL1_T1SZ_MASK       S2_FIELD_MASK(16, 6)
#define TCR_EL1_A1              (S2_UL(1) << 22)
#define TCR_EL1_EPD1            (S2_UL(1) << 23)
#define TCR_EL1_TG1_SHIFT       30
#define TCR_EL1_TG1_MASK        S2_FIELD_MASK(30, 2)
#define TCR_EL1_TG1_16K         S2_UL(1)
#define TCR_EL1_TG1_4K          S2_UL(2)
#define TCR_EL1_TG1_64K         S2_UL(3)
#define TCR_EL1_IPS_SHIFT       32
#define TCR_EL1_IPS_MASK        S2_FIELD_MASK(32, 3)
#define TCR_EL1_AS              (S2_UL(1) << 36)
#define TCR_EL1_TBI0            (S2_UL(1) << 37)
#define TCR_EL1_TBI1            (S2_UL(1) << 38)
#define TCR_EL1_HA              (S2_UL(1) << 39)
#define TCR_EL1_HD              (S2_UL(1) << 40)
#define TCR_EL1_DS              (S2_UL(1) << 59)
#define TTBR_ASID_SHIFT         48
#define TTBR_ASID_MASK          S2_FIELD_MASK(48, 16)
/** @} */

/** SCTLR_EL1 / SCTLR bits: M turns stage 1 on. @{ */
#define SCTLR_M                 (S2_UL(1) << 0)
#define SCTLR_A                 (S2_UL(1) << 1)
#define SCTLR_C                 (S2_UL(1) << 2)
#define SCTLR_I                 (S2_UL(1) << 12)
#define SCTLR_WXN               (S2_UL(1) << 19)   /* write implies XN */
/** @} */

/** TCR_EL1 shareability of table walks; also of the output with DS=1. @{ */
#define TCR_EL1_SH0_SHIFT       12
#define TCR_EL1_SH0_MASK        S2_FIELD_MASK(12, 2)
#define TCR_EL1_SH1_SHIFT       28
#define TCR_EL1_SH1_MASK        S2_FIELD_MASK(28, 2)
/** @} */

#ifndef __ASSEMBLER__
#include <stdint.h>

/** S2_FIELD_GET() - Field @name (its _SHIFT and _MASK) of the value @reg. */
#define S2_FIELD_GET(name, reg) (((uint64_t)(reg) & name##_MASK) >> name##_SHIFT)
/** S2_FIELD_PREP() - @val placed in field @name (its _SHIFT and _MASK). */
#define S2_FIELD_PREP(name, val) (((uint64_t)(val) << name##_SHIFT) & name##_MASK)
#endif

#endif /* S2MM_ARCH_H */

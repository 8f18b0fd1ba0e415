/* SPDX-License-Identifier: MIT */
/*
 * The GICv2 register map (Arm Generic Interrupt Controller Architecture
 * Specification v2, IHI 0048B): offsets and fields of the distributor
 * (GICD), the CPU interface (GICC) and the virtual interface control
 * (GICH), for the physical GIC (gic.c), the guests' vGIC (vgic.c) and its
 * tests. Bases are the users' own.
 */
#ifndef S2HYP_GICV2_H
#define S2HYP_GICV2_H

/* Distributor registers (4.1.2, Table 4-1). */
#define GICD_CTLR		0x000
#define GICD_TYPER		0x004
#define GICD_IIDR		0x008
#define GICD_IGROUPR		0x080
#define GICD_ISENABLER		0x100
#define GICD_ICENABLER		0x180
#define GICD_ISPENDR		0x200
#define GICD_ICPENDR		0x280
#define GICD_ISACTIVER		0x300
#define GICD_ICACTIVER		0x380
#define GICD_IPRIORITYR		0x400
#define GICD_ITARGETSR		0x800
#define GICD_ICFGR		0xc00
#define GICD_SGIR		0xf00
#define GICD_CPENDSGIR		0xf10
#define GICD_SPENDSGIR		0xf20
#define GICD_PIDR4		0xfd0	/* PIDR4..7, PIDR0..3, CIDR0..3 */
#define GICD_PIDR2		0xfe8

#define GICD_CTLR_Enable	(1U << 0)
/* GICD_TYPER (4.3.2): CPUNumber [7:5] is the number of CPUs minus one;
 * ITLinesNumber [4:0] N means 32 * (N + 1) interrupts. */
#define GICD_TYPER_CPUNumber_SHIFT 5
/* GICD_SGIR (4.3.15). */
#define GICD_SGIR_TargetListFilter_SHIFT 24
#define GICD_SGIR_CPUTargetList_SHIFT	16
#define GICD_SGIR_SGIINTID_MASK		0xfU

/* CPU interface registers (4.1.3, Table 4-2). */
#define GICC_CTLR		0x000
#define GICC_PMR		0x004
#define GICC_IAR		0x00c
#define GICC_EOIR		0x010
#define GICC_IAR_INTID_MASK	0x3ffU
#define GIC_SPURIOUS		1023

/* GICH registers (IHI 0048B 5.3, Table 5-1). */
#define GICH_HCR		0x000
#define GICH_VTR		0x004
#define GICH_VMCR		0x008
#define GICH_MISR		0x010
#define GICH_EISR0		0x020
#define GICH_ELRSR0		0x030
#define GICH_APR		0x0f0
#define GICH_LR(n)		(0x100 + 4 * (n))

/* GICH_HCR (5.3.1). */
#define GICH_HCR_En		(1U << 0)
#define GICH_HCR_UIE		(1U << 1)
#define GICH_HCR_LRENPIE	(1U << 2)
#define GICH_HCR_NPIE		(1U << 3)
/* GICH_VTR (5.3.2): ListRegs is the number of LRs minus one. */
#define GICH_VTR_ListRegs	0x3fU
/* GICH_VMCR (5.3.3): the virtual CPU interface's GICV_CTLR and GICV_PMR. */
#define GICH_VMCR_VMGrp0En	(1U << 0)
#define GICH_VMCR_VMGrp1En	(1U << 1)
#define GICH_VMCR_VMPriMask_SHIFT 27
#define GICH_VMCR_VMPriMask_MASK  0x1fU
/* GICH_LRn (5.3.8). */
#define GICH_LR_VirtualID_MASK	0x3ffU
#define GICH_LR_CPUID_SHIFT	10	/* PhysicalID[12:10] when HW == 0 */
#define GICH_LR_CPUID_MASK	0x7U
#define GICH_LR_EOI		(1U << 19)	/* PhysicalID[9] when HW == 0 */
#define GICH_LR_Priority_SHIFT	23	/* the top 5 bits of a priority */
#define GICH_LR_State_Pending	(1U << 28)
#define GICH_LR_State_Active	(1U << 29)
#define GICH_LR_Grp1		(1U << 30)
#define GICH_LR_HW		(1U << 31)
#endif /* S2HYP_GICV2_H */

/* SPDX-License-Identifier: MIT */
/*
 * Just enough of the GICv2 on QEMU virt (distributor at 0x08000000, CPU
 * interface at 0x08010000; no Security Extensions without secure=on) for
 * preemptive time slicing: the EL2 physical timer's PPI, delivered as an
 * IRQ that HCR_EL2.IMO routes to EL2 while a guest runs (Arm ARM D1.13.2:
 * with IMO=1 a physical IRQ taken from EL1 goes to EL2 whatever the
 * guest's PSTATE.I). s2hyp itself runs with DAIF masked, so the interrupt
 * stays pending until the next guest entry, which it then ends at once.
 */
#include "hyp.h"

#define GICD_BASE		0x08000000UL
#define GICC_BASE		0x08010000UL
#define GICD_CTLR		0x000
#define GICD_ISENABLER(n)	(0x100 + 4 * (n))
#define GICD_ICENABLER(n)	(0x180 + 4 * (n))
#define GICD_IPRIORITYR		0x400
#define GICC_CTLR		0x000
#define GICC_PMR		0x004
#define GICC_IAR		0x00c
#define GICC_EOIR		0x010
#define GICC_IAR_INTID_MASK	0x3ffU
#define GIC_SPURIOUS		1023

/* CNTHP_CTL_EL2 (Arm ARM D13.8.17). */
#define CNTHP_CTL_ENABLE	(1ULL << 0)
#define CNTHP_CTL_IMASK		(1ULL << 1)

static inline void mmio_w32(uint64_t a, uint32_t v)
{
	*(volatile uint32_t *)a = v;
}

static inline uint32_t mmio_r32(uint64_t a)
{
	return *(volatile uint32_t *)a;
}

void gic_init_cpu(unsigned int cpu)
{
	if (cpu == 0)
		mmio_w32(GICD_BASE + GICD_CTLR, 1);
	/* SGI/PPI enables and priorities are banked per CPU. */
	*(volatile uint8_t *)(GICD_BASE + GICD_IPRIORITYR +
			      GIC_INTID_HYP_TIMER) = 0x80;
	mmio_w32(GICD_BASE + GICD_ISENABLER(0), 1U << GIC_INTID_HYP_TIMER);
	mmio_w32(GICC_BASE + GICC_PMR, 0xff);
	mmio_w32(GICC_BASE + GICC_CTLR, 1);
}

void hyp_timer_arm(uint64_t ticks)
{
	write_sysreg(ticks, cnthp_tval_el2);
	write_sysreg(CNTHP_CTL_ENABLE, cnthp_ctl_el2);
	isb();
}

void hyp_timer_stop(void)
{
	/* Disabled: the level-sensitive PPI deasserts (no stale pending). */
	write_sysreg(0, cnthp_ctl_el2);
	isb();
}

int gic_ack_timer(void)
{
	uint32_t iar = mmio_r32(GICC_BASE + GICC_IAR);
	uint32_t id = iar & GICC_IAR_INTID_MASK;

	if (id == GIC_SPURIOUS)
		return 0;
	if (id == GIC_INTID_HYP_TIMER)
		hyp_timer_stop();
	mmio_w32(GICC_BASE + GICC_EOIR, iar);
	return id == GIC_INTID_HYP_TIMER ? 1 : -(int)id - 1;
}

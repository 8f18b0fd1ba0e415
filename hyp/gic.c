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
#include "gicv2.h"

#define GICD_BASE		0x08000000UL
#define GICC_BASE		0x08010000UL

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
	static const unsigned int ppis[] = {
		GIC_INTID_HYP_TIMER, GIC_INTID_VTIMER, GIC_INTID_MAINT,
	};

	if (cpu == 0)
		mmio_w32(GICD_BASE + GICD_CTLR, 1);
	/* SGI/PPI enables and priorities are banked per CPU. */
	for (unsigned int i = 0; i < ARRAY_SIZE(ppis); i++)
		*(volatile uint8_t *)(GICD_BASE + GICD_IPRIORITYR + ppis[i]) =
			0x80;
	*(volatile uint8_t *)(GICD_BASE + GICD_IPRIORITYR + GIC_SGI_KICK) = 0x80;
	mmio_w32(GICD_BASE + GICD_ISENABLER, 1U << GIC_INTID_HYP_TIMER |
		 1U << GIC_INTID_VTIMER | 1U << GIC_INTID_MAINT |
		 1U << GIC_SGI_KICK);
	mmio_w32(GICC_BASE + GICC_PMR, 0xff);
	mmio_w32(GICC_BASE + GICC_CTLR, 1);
}

void hyp_timer_arm(uint64_t ticks)
{
	/* Through CVAL: TVAL is a signed 32-bit count (Arm ARM D13.8.21),
	 * which a long slice would overflow into "fire now". */
	hyp_timer_arm_at(hyp_counter() + ticks);
}

void hyp_timer_arm_at(uint64_t cval)
{
	write_sysreg(cval, cnthp_cval_el2);
	write_sysreg(CNTHP_CTL_ENABLE, cnthp_ctl_el2);
	isb();
}

void hyp_timer_stop(void)
{
	/* Disabled: the level-sensitive PPI deasserts (no stale pending). */
	write_sysreg(0, cnthp_ctl_el2);
	isb();
}

uint32_t gic_ack(void)
{
	uint32_t iar = mmio_r32(GICC_BASE + GICC_IAR);

	if ((iar & GICC_IAR_INTID_MASK) == GIC_INTID_HYP_TIMER)
		hyp_timer_stop();
	return iar;
}

void gic_eoi(uint32_t iar)
{
	mmio_w32(GICC_BASE + GICC_EOIR, iar);
}

void gic_ppi_enable(unsigned int intid, bool on)
{
	mmio_w32(GICD_BASE + (on ? GICD_ISENABLER : GICD_ICENABLER),
		 1U << intid);
}

void gic_send_sgi(unsigned int cpu, unsigned int sgi)
{
	/* GICD_SGIR (IHI 0048B 4.3.15): TargetListFilter 0, CPUTargetList. */
	dsb(ish);
	mmio_w32(GICD_BASE + GICD_SGIR, (1U << cpu) << 16 | sgi);
}

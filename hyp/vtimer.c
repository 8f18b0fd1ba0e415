/* SPDX-License-Identifier: MIT */
/*
 * The guest's virtual timer (vtimer.h). CNTV_CTL_EL0 bits from the Arm ARM
 * D13.8.16: ENABLE, IMASK, ISTATUS; the timer condition is met when the
 * virtual count (physical count - CNTVOFF_EL2) reaches CNTV_CVAL_EL0.
 */
#include "vm.h"
#include "vtimer.h"

#define CNTV_CTL_ENABLE		(1ULL << 0)
#define CNTV_CTL_IMASK		(1ULL << 1)
#define CNTV_CTL_ISTATUS	(1ULL << 2)

void vtimer_load(struct hyp_vcpu *vcpu)
{
	const struct vtimer *t = &vcpu->timer;

	write_sysreg(vcpu->vm->cntvoff, cntvoff_el2);
	write_sysreg(t->cval, cntv_cval_el0);
	write_sysreg(t->ctl, cntv_ctl_el0);
	/* PPI enables are banked per CPU: a vCPU whose timer interrupt the
	 * guest has not handled yet keeps it masked wherever it runs. */
	if (t->phys_masked)
		gic_ppi_enable(GIC_INTID_VTIMER, false);
	isb();
}

void vtimer_put(struct hyp_vcpu *vcpu)
{
	struct vtimer *t = &vcpu->timer;

	t->cval = read_sysreg(cntv_cval_el0);
	t->ctl = read_sysreg(cntv_ctl_el0) & (CNTV_CTL_ENABLE | CNTV_CTL_IMASK);
	/* Stopped, so it cannot fire for the next vCPU on this CPU. */
	write_sysreg(0, cntv_ctl_el0);
	if (t->phys_masked)
		gic_ppi_enable(GIC_INTID_VTIMER, true);
	isb();
}

/* The loaded timer's output: enabled, not masked, condition met. */
static bool vtimer_level(void)
{
	uint64_t ctl = read_sysreg(cntv_ctl_el0);

	return (ctl & (CNTV_CTL_ENABLE | CNTV_CTL_IMASK | CNTV_CTL_ISTATUS)) ==
	       (CNTV_CTL_ENABLE | CNTV_CTL_ISTATUS);
}

void vtimer_fired(struct hyp_vcpu *vcpu)
{
	/* Level-sensitive: until the guest reprograms or masks the timer it
	 * would interrupt EL2 again at once. */
	gic_ppi_enable(GIC_INTID_VTIMER, false);
	vcpu->timer.phys_masked = true;
	vgic_set_irq(&vcpu->vm->vgic, vcpu->id, GIC_INTID_VTIMER, true);
}

void vtimer_sync(struct hyp_vcpu *vcpu)
{
	struct vtimer *t = &vcpu->timer;

	if (!t->phys_masked || vtimer_level())
		return;
	vgic_set_irq(&vcpu->vm->vgic, vcpu->id, GIC_INTID_VTIMER, false);
	t->phys_masked = false;
	gic_ppi_enable(GIC_INTID_VTIMER, true);
}

uint64_t vtimer_deadline(const struct hyp_vcpu *vcpu)
{
	const struct vtimer *t = &vcpu->timer;

	if ((t->ctl & (CNTV_CTL_ENABLE | CNTV_CTL_IMASK)) != CNTV_CTL_ENABLE)
		return ~0ULL;
	if (t->cval > ~0ULL - vcpu->vm->cntvoff)
		return ~0ULL;
	return t->cval + vcpu->vm->cntvoff;
}

/* SPDX-License-Identifier: MIT */
/*
 * vCPU scheduling: a VM's vCPUs time-sliced on one physical CPU, round
 * robin. A vCPU that is off (PSCI) or waiting in WFI leaves the run queue
 * until it is powered on or an interrupt is pending for it: its virtual
 * timer's deadline, or one the vGIC holds (an IPI, the UART). With nobody
 * to run, the CPU sleeps in WFI until the earliest deadline (the EL2
 * timer) or a kick (an SGI).
 */
#include "vm.h"
#include "sched.h"

static bool vcpu_runnable(struct hyp_vcpu *v, uint64_t now)
{
	if (__atomic_load_n(&v->power, __ATOMIC_ACQUIRE) != VCPU_ON)
		return false;
	if (!__atomic_load_n(&v->wfi, __ATOMIC_ACQUIRE))
		return true;
	if (vtimer_deadline(v) <= now ||
	    vgic_pending(&v->vm->vgic, v->id)) {
		v->wfi = false;
		return true;
	}
	return false;
}

/* Nothing to run: sleep until the earliest timer deadline or an IRQ. */
static void sched_idle(struct hyp_vm *vm)
{
	uint64_t deadline = ~0ULL;
	uint32_t iar;

	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		struct hyp_vcpu *v = &vm->vcpus[i];

		if (v->power == VCPU_ON && vtimer_deadline(v) < deadline)
			deadline = vtimer_deadline(v);
	}
	if (deadline != ~0ULL)
		hyp_timer_arm_at(deadline);
	/* DAIF stays masked: WFI still wakes on a pending interrupt (Arm
	 * ARM D1.16.2), which we then take by hand. */
	dsb(sy);
	__asm__ volatile("wfi" ::: "memory");
	iar = gic_ack();
	if ((iar & GICC_IAR_INTID_MASK) != GIC_SPURIOUS)
		gic_eoi(iar);
	hyp_timer_stop();
	vm->idles++;
}

void sched_run_vm(struct hyp_vm *vm, unsigned int cpu)
{
	unsigned int next = 0;

	while (!vm->done) {
		uint64_t now = hyp_counter();
		struct hyp_vcpu *v = NULL;

		for (unsigned int n = 0; n < vm->nr_vcpus; n++) {
			struct hyp_vcpu *c = &vm->vcpus[(next + n) % vm->nr_vcpus];

			if (vcpu_runnable(c, now)) {
				v = c;
				break;
			}
		}
		if (!v) {
			sched_idle(vm);
			continue;
		}
		next = (v->id + 1) % vm->nr_vcpus;
		vcpu_run_slice(v, cpu);
	}
}

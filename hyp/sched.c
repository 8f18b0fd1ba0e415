/* SPDX-License-Identifier: MIT */
/*
 * vCPU scheduling: every vCPU of every live VM on one run queue, served
 * round robin by all physical CPUs, a slice at a time (the EL2 timer). A
 * vCPU that is off (PSCI) or waiting in WFI is skipped until it is powered
 * on or an interrupt is pending for it: its virtual timer's deadline
 * passed, or the vGIC holds one (an IPI, the UART). A CPU with nothing to
 * run sleeps in WFI until the earliest deadline or a kick (an SGI).
 *
 * One lock guards the queue and each vCPU's running_on; the vCPU's own
 * state belongs to the CPU running it.
 */
#include "gicv2.h"
#include "vm.h"
#include "sched.h"

#define RQ_MAX	(HYP_MAX_CPUS * 2 * HYP_VM_MAX_VCPUS)
#define SCHED_IDLE_MAX_US	10000
/* How long a runnable vCPU may wait while others keep their CPUs. */
#define SCHED_WAIT_MAX_US	5000

static hyp_lock_t rq_lock;
static struct hyp_vcpu *rq[RQ_MAX];
static unsigned int rq_len, rq_next;
static bool cpu_idle[HYP_MAX_CPUS];

void sched_add_vm(struct hyp_vm *vm)
{
	hyp_lock(&rq_lock);
	for (unsigned int i = 0; i < vm->cfg.nr_vcpus; i++) {
		if (rq_len == RQ_MAX)
			hyp_panic("sched: run queue full");
		vm->vcpus[i].running_on = -1;
		vm->vcpus[i].last_cpu = -1;
		rq[rq_len++] = &vm->vcpus[i];
	}
	hyp_unlock(&rq_lock);
}

static bool vm_running_somewhere(const struct hyp_vm *vm)
{
	for (unsigned int i = 0; i < vm->cfg.nr_vcpus; i++)
		if (__atomic_load_n(&vm->vcpus[i].running_on,
				    __ATOMIC_ACQUIRE) >= 0)
			return true;
	return false;
}

void sched_remove_vm(struct hyp_vm *vm)
{
	hyp_lock(&rq_lock);
	for (unsigned int i = 0; i < rq_len; ) {
		if (rq[i]->vm == vm)
			rq[i] = rq[--rq_len];
		else
			i++;
	}
	rq_next = 0;
	hyp_unlock(&rq_lock);
	/* A CPU still in one of its slices sees vm->done at its next exit
	 * (the slice timer bounds the wait). */
	while (vm_running_somewhere(vm))
		__asm__ volatile("yield");
}

void sched_pause_vm(struct hyp_vm *vm)
{
	__atomic_store_n(&vm->paused, true, __ATOMIC_RELEASE);
	/* Under the lock: no pick() in progress may still choose one. */
	hyp_lock(&rq_lock);
	hyp_unlock(&rq_lock);
	/* Running ones leave at their next exit (the slice timer bounds
	 * the wait). */
	while (vm_running_somewhere(vm))
		__asm__ volatile("yield");
}

static bool vcpu_runnable(struct hyp_vcpu *v, uint64_t now)
{
	if (v->running_on >= 0 || v->vm->done ||
	    __atomic_load_n(&v->vm->paused, __ATOMIC_ACQUIRE) ||
	    __atomic_load_n(&v->power, __ATOMIC_ACQUIRE) != VCPU_ON)
		return false;
	if (!__atomic_load_n(&v->wfi, __ATOMIC_ACQUIRE))
		return true;
	if (vtimer_deadline(v) <= now || vgic_pending(&v->vm->vgic, v->id)) {
		__atomic_store_n(&v->wfi, false, __ATOMIC_RELEASE);
		return true;
	}
	return false;
}

/* A vCPU asleep in WFI whose timer may wake it: its deadline counts. */
static bool vcpu_sleeping(const struct hyp_vcpu *v)
{
	return v->running_on < 0 && !v->vm->done && v->power == VCPU_ON &&
	       v->wfi;
}

/*
 * Under rq_lock: the next runnable vCPU, marked as running on @cpu; or
 * NULL and the earliest timer deadline of the sleeping ones. A vCPU that
 * last ran here comes first (moving costs a local TLB flush and a cold
 * TLB), unless another one has waited longer than SCHED_WAIT_MAX_US.
 */
static struct hyp_vcpu *pick(unsigned int cpu, uint64_t now,
			     uint64_t *deadline)
{
	uint64_t patience = read_sysreg(cntfrq_el0) / 1000000 *
			    SCHED_WAIT_MAX_US;
	struct hyp_vcpu *affine = NULL, *oldest = NULL, *v;

	*deadline = ~0ULL;
	for (unsigned int n = 0; n < rq_len; n++) {
		v = rq[(rq_next + n) % rq_len];
		if (vcpu_runnable(v, now)) {
			if (!affine && (v->last_cpu == (int)cpu ||
					v->last_cpu < 0))
				affine = v;
			if (!oldest || v->ran_until < oldest->ran_until)
				oldest = v;
		} else if (vcpu_sleeping(v) && vtimer_deadline(v) < *deadline) {
			*deadline = vtimer_deadline(v);
		}
	}
	v = affine && now - oldest->ran_until <= patience ? affine : oldest;
	if (v) {
		for (unsigned int i = 0; i < rq_len; i++)
			if (rq[i] == v)
				rq_next = (i + 1) % rq_len;
		v->last_cpu = (int)cpu;
		__atomic_store_n(&v->running_on, (int)cpu, __ATOMIC_RELEASE);
	}
	return v;
}

/* Nothing to run: sleep until @deadline or an interrupt (a kick). */
static void sched_idle(unsigned int cpu, uint64_t deadline)
{
	uint32_t iar;

	/* At most SCHED_IDLE_MAX_US asleep: a CPU also owns a VM whose end
	 * it must notice, whoever ended it. */
	uint64_t cap = hyp_counter() + read_sysreg(cntfrq_el0) / 1000000 *
				       SCHED_IDLE_MAX_US;

	hyp_timer_arm_at(deadline < cap ? deadline : cap);
	/* DAIF stays masked: WFI still wakes on a pending interrupt (Arm
	 * ARM D1.16.2), which is then taken by hand. A kick sent after
	 * pick() is pending already, so WFI returns at once. */
	dsb(sy);
	__asm__ volatile("wfi" ::: "memory");
	__atomic_store_n(&cpu_idle[cpu], false, __ATOMIC_RELEASE);
	iar = gic_ack();
	if ((iar & GICC_IAR_INTID_MASK) != GIC_SPURIOUS)
		gic_eoi(iar);
	hyp_timer_stop();
}

void sched_run_once(unsigned int cpu)
{
	struct hyp_vcpu *v;
	uint64_t deadline;

	hyp_lock(&rq_lock);
	v = pick(cpu, hyp_counter(), &deadline);
	if (!v)
		__atomic_store_n(&cpu_idle[cpu], true, __ATOMIC_RELEASE);
	hyp_unlock(&rq_lock);
	if (!v) {
		sched_idle(cpu, deadline);
		return;
	}
	vcpu_run_slice(v, cpu);
	if (v->wfi)
		__atomic_add_fetch(&v->vm->idles, 1, __ATOMIC_RELAXED);
	v->ran_until = hyp_counter();
	/* PSCI CPU_OFF takes effect once the vCPU is put: before that a
	 * CPU_ON could reset it under its own vcpu_put(), and AFFINITY_INFO
	 * must not say OFF for a core that still runs (DEN0022 5.7). */
	if (v->off_pending) {
		v->off_pending = false;
		__atomic_store_n(&v->power, VCPU_OFF, __ATOMIC_RELEASE);
		vm_check_all_off(v->vm);
	}
	__atomic_store_n(&v->running_on, -1, __ATOMIC_RELEASE);
}

void sched_kick(struct hyp_vcpu *v)
{
	unsigned int self = this_cpu()->id;
	int on;

	__atomic_store_n(&v->wfi, false, __ATOMIC_RELEASE);
	/* Under the queue's lock: either a CPU's pick() comes after this and
	 * sees the vCPU runnable, or it came before and the CPU is marked
	 * idle here, so the SGI wakes it; no wake-up is lost in between. */
	hyp_lock(&rq_lock);
	on = __atomic_load_n(&v->running_on, __ATOMIC_ACQUIRE);
	if (on >= 0) {
		/* Running: it exits, and flushes the new interrupt in. */
		if ((unsigned int)on != self)
			gic_send_sgi((unsigned int)on, GIC_SGI_KICK);
	} else {
		for (unsigned int c = 0; c < hyp_ncpus; c++) {
			if (c == self || !cpu_idle[c])
				continue;
			/* Claimed: the next kick wakes another CPU. */
			cpu_idle[c] = false;
			gic_send_sgi(c, GIC_SGI_KICK);
			break;
		}
	}
	hyp_unlock(&rq_lock);
}

void sched_wake_all(void)
{
	unsigned int self = this_cpu()->id;

	for (unsigned int c = 0; c < hyp_ncpus; c++)
		if (c != self && __atomic_load_n(&cpu_idle[c], __ATOMIC_ACQUIRE))
			gic_send_sgi(c, GIC_SGI_KICK);
}

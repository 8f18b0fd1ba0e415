/* SPDX-License-Identifier: MIT */
/*
 * test=lockstress: a VM's mm_lock (mmlock.c) under load. One VM of the
 * lockstress guest (guests/lockstress.c) has a vCPU on every CPU but 0;
 * they take stage-2 faults and MMIO aborts without pause, each handled
 * under the lock shared (exit.c), while CPU 0 unmaps and write-protects
 * their pages under it exclusive, pass after pass, until they are done.
 *
 * The check is the lock's contract, counted outside it: a fault inside
 * the lock counts itself in and looks for a writer inside; the writer,
 * inside, sets its flag and looks for faults inside, before and after its
 * change. Any overlap is a failure. Progress: the guests' rounds end (no
 * reader starves) and the writer made its passes meanwhile.
 *
 * lockbug=... runs the same with a deliberate bug in the lock, which must
 * be caught; lock-writer=0 runs a vCPU on every CPU and no writer, with
 * no check in the fault path: the lock's read side alone, measured in
 * exits per second.
 */
#include "lockstress.h"

#include <s2mm/error.h>

/* Fewest writer passes while the guests ran, for the test to count. */
#define LS_MIN_PASSES	20
/* Time a side stays inside, so that a broken lock shows (loop turns). */
#define LS_WINDOW	500
/* The writer's pause between passes, in microseconds: faults get in. */
#define LS_PAUSE_US	20

static struct hyp_vm ls_vm;
/* 0 while CPU 0 sets up, 1 when the VM runs, -1 when it could not. */
static int ls_state;
static unsigned int ls_vcpus, ls_finished;
static bool ls_writer;

/* Who is inside, each on a line of its own: the test's shared lines, not
 * the lock's. */
static struct {
	_Alignas(128) unsigned int readers;
	_Alignas(128) unsigned int writer;
	_Alignas(128) uint64_t overlaps;
} inside;

static struct {
	uint64_t passes, unmaps, wrprotects, wait_ticks, wait_max;
	uint64_t ticks, exits, aborts, translation, permission, mmio;
	int status, err;
} res;

/* Stay inside a while, watching @other (the other side's count): whether
 * it ever was nonzero meanwhile. */
static bool window(const unsigned int *other, unsigned int turns)
{
	for (unsigned int i = 0; i < turns; i++)
		if (__atomic_load_n(other, __ATOMIC_SEQ_CST))
			return true;
	return false;
}

/*
 * The lock let both sides in: counted, the first one told, and the run
 * ended there. Its point is made, and the library's exclusive changes
 * under a broken lock may leave the guests' pages slow to fault back
 * (a starved run took minutes to finish its rounds).
 */
static void overlap(const char *what)
{
	if (__atomic_fetch_add(&inside.overlaps, 1, __ATOMIC_RELAXED) == 0) {
		hyp_printf("lockstress: cpu%u: %s\n", this_cpu()->id, what);
		vm_stop(&ls_vm, -1);
	}
}

void lockstress_reader(void)
{
	__atomic_add_fetch(&inside.readers, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&inside.writer, __ATOMIC_SEQ_CST))
		overlap("a fault came in while the writer was inside");
	else if (window(&inside.writer, LS_WINDOW))
		overlap("the writer came in while a fault was inside");
	__atomic_sub_fetch(&inside.readers, 1, __ATOMIC_SEQ_CST);
}

/*
 * One change of the guests' region under the lock: unmap it (its pages
 * fault back in) or write-protect it (permission faults). With a bug in
 * the lock only the latter: a fault walking tables an unmap frees would
 * crash s2hyp rather than let the test report the overlap.
 */
static void writer_pass(struct hyp_vm *vm)
{
	uint64_t t0 = hyp_counter(), t;
	bool unmap = !(res.passes & 1) && vm->mm_lock.bug == HYP_MM_LOCK_OK;
	int ret;

	hyp_mm_write_lock(&vm->mm_lock);
	t = hyp_counter() - t0;
	res.wait_ticks += t;
	if (t > res.wait_max)
		res.wait_max = t;
	__atomic_store_n(&inside.writer, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&inside.readers, __ATOMIC_SEQ_CST))
		overlap("the writer came in while a fault was inside");
	if (unmap)
		ret = s2_vm_unmap(&vm->mm, LS_REGION_IPA,
				  LS_PAGES * PAGE_SIZE);
	else
		ret = s2_vm_wrprotect(&vm->mm, LS_REGION_IPA,
				      LS_PAGES * PAGE_SIZE);
	/* With a bug in the lock, longer: a reader's bug keeps it
	 * between its look and its announcement for a while (mmlock.c), and
	 * the writer must still be here when it comes in. */
	if (window(&inside.readers, vm->mm_lock.bug ? 10 * LS_WINDOW
						      : LS_WINDOW))
		overlap("a fault came in while the writer was inside");
	__atomic_store_n(&inside.writer, 0, __ATOMIC_SEQ_CST);
	hyp_mm_write_unlock(&vm->mm_lock);
	if (ret && !res.err) {
		hyp_printf("lockstress: %s: %s\n", unmap ? "unmap" :
			   "write-protect", s2_strerror(ret));
		res.err = ret;
	}
	res.passes++;
	res.unmaps += unmap;
	res.wrprotects += !unmap;
}

static bool all_finished(void)
{
	return __atomic_load_n(&ls_finished, __ATOMIC_ACQUIRE) == ls_vcpus;
}

static void run_vcpu(struct hyp_vcpu *v, unsigned int cpu)
{
	while (__atomic_load_n(&v->power, __ATOMIC_ACQUIRE) == VCPU_ON &&
	       !__atomic_load_n(&v->vm->done, __ATOMIC_ACQUIRE))
		vcpu_run_slice(v, cpu);
	__atomic_add_fetch(&ls_finished, 1, __ATOMIC_ACQ_REL);
	__asm__ volatile("sev");
}

/* CPU 0, once every vCPU is done: the totals. Return: failed checks. */
static int report(void)
{
	uint64_t us = hyp_ticks_us(res.ticks);
	int bad = 0;

	if (ls_writer)
		hyp_printf("lockstress: writer: %lu passes (%lu unmaps, %lu "
			   "write-protects), lock wait mean %lu us, max %lu "
			   "us%s\n", res.passes, res.unmaps, res.wrprotects,
			   res.passes ? hyp_ticks_us(res.wait_ticks) / res.passes
				      : 0, hyp_ticks_us(res.wait_max),
			   ls_vm.mm_lock.bug ? " (deliberate bug in the lock)"
					     : "");
	hyp_printf("lockstress: %u vCPUs%s: %lu stage-2 aborts (%lu "
		   "translation, of which %lu MMIO, %lu permission), %lu exits in %lu "
		   "us: %lu exits/s\n", ls_vcpus,
		   ls_writer ? " against a writer" : ", no writer", res.aborts,
		   res.translation, res.mmio, res.permission, res.exits, us,
		   us ? res.exits * 1000000 / us : 0);
	hyp_printf("lockstress: %lu overlaps, guests' status %d\n",
		   inside.overlaps, res.status);
	bad += inside.overlaps != 0;
	bad += res.status != 0 || res.err != 0;
	if (ls_writer && res.passes < LS_MIN_PASSES) {
		hyp_printf("lockstress: only %lu writer passes while the guests "
			   "ran\n", res.passes);
		bad++;
	}
	return bad;
}

/* CPU 0: the VM, its vCPUs on, its lock's bug. Return: 0 or -1. */
static int setup(const struct vm_config *cfg, const struct vm_options *opt)
{
	struct vm_config c = *cfg;
	struct hyp_vm *vm = &ls_vm;
	int ret;

	ls_writer = !opt->lock_no_writer;
	ls_vcpus = hyp_ncpus - ls_writer;
	if (!ls_vcpus || ls_vcpus > HYP_VM_MAX_VCPUS) {
		hyp_printf("lockstress: needs 2 to %u CPUs with a writer\n",
			   HYP_VM_MAX_VCPUS + 1);
		return -1;
	}
	c.nr_vcpus = ls_vcpus;
	c.lock_check = ls_writer;
	ret = vm_create(vm, 0, &c);
	if (ret) {
		hyp_printf("lockstress: create failed: %s\n", s2_strerror(ret));
		return -1;
	}
	for (unsigned int i = 0; i < ls_vcpus; i++) {
		struct hyp_vcpu *v = &vm->vcpus[i];

		if (i) {
			vcpu_reset(v, GUEST_RAM_IPA, GUEST_RAM_IPA);
			v->regs.x[1] = c.ram_size;
			v->power = VCPU_ON;
		}
		v->regs.x[3] = opt->lock_rounds;	/* 0: LS_ROUNDS */
	}
	vm->mm_lock.bug = opt->lock_bug;
	return 0;
}

int lockstress_run(const struct vm_config *cfg, const struct vm_options *opt,
		   unsigned int cpu)
{
	struct hyp_vm *vm = &ls_vm;
	uint64_t t0;
	int state;

	if (cpu == 0) {
		state = setup(cfg, opt) ? -1 : 1;
		__atomic_store_n(&ls_state, state, __ATOMIC_RELEASE);
		__asm__ volatile("sev");
	} else {
		while (!(state = __atomic_load_n(&ls_state, __ATOMIC_ACQUIRE)))
			__asm__ volatile("wfe");
	}
	if (state < 0)
		return -1;
	t0 = hyp_counter();
	if (ls_writer && cpu == 0) {
		uint64_t pause = read_sysreg(cntfrq_el0) / 1000000 * LS_PAUSE_US;

		while (!all_finished()) {
			uint64_t until;

			writer_pass(vm);
			for (until = hyp_counter() + pause;
			     hyp_counter() < until && !all_finished();)
				__asm__ volatile("yield");
		}
	} else {
		run_vcpu(&vm->vcpus[cpu - ls_writer], cpu);
	}
	if (cpu != 0)
		return 0;
	while (!all_finished())
		__asm__ volatile("wfe");
	res.ticks = hyp_counter() - t0;
	for (unsigned int i = 0; i < ls_vcpus; i++)
		res.exits += vm->vcpus[i].exits;
	struct s2_vm_stats st;

	vm_fault_stats(vm, &st);
	res.translation = st.translation;
	res.permission = st.permission;
	res.mmio = st.mmio;
	/* MMIO aborts are translation faults too. */
	res.aborts = res.translation + res.permission +
		     st.access_flag;
	res.status = vm->status;
	vm_report(vm, res.ticks);
	vm_destroy(vm);
	return report() ? -1 : 0;
}

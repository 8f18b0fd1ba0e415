/* SPDX-License-Identifier: MIT */
/*
 * The test guests (hyp/guests/) and the scenarios that run them: one VM per
 * CPU, the hostile guest among victims, and many guests time-sliced over
 * every CPU through VMID rollovers.
 */
#include "vm.h"

#include <s2mm/error.h>

#include "linux.h"
#include "ksm.h"
#include "lockstress.h"
#include "migrate.h"
#include "pager.h"
#include "swap.h"
#include "sched.h"

/* A guest program and how to host it. */
struct guest_kind {
	const char *name;
	struct vm_config cfg;
	bool victims;		/* counted after checking the victims */
	bool many;		/* opts.guests VMs, time-sliced */
	bool linux;		/* Linux guests (linux.c), one per CPU */
	bool lockstress;	/* one VM, faults against a writer (lockstress.c) */
};

#define IMG(n) .img = guest_##n##_start, .img_end = guest_##n##_end
#define MiB(n) ((uint64_t)(n) << 20)
#define UNPAREN(...) __VA_ARGS__

/* Every guest image (scenarios.def), as the build embeds it. */
#define GUEST(n, image, k, c) \
	extern char guest_##image##_start[], guest_##image##_end[];
#ifdef S2HYP_HAVE_A32
#define GUEST32 GUEST
#else
#define GUEST32(...)
#endif
#include "scenarios.def"
#undef GUEST

/* The guest catalogue: each scenario name with the VM it runs. */
static const struct guest_kind kinds[] = {
#define GUEST(n, image, k, c) \
	{ .name = #n, UNPAREN k, .cfg = { IMG(image), UNPAREN c } },
#include "scenarios.def"
#undef GUEST
	{ .name = "linux", .linux = true },
};
#undef GUEST32

static struct vm_options opts;
static unsigned int linux_left;	/* test=linux: guests not yet ended */
/* Guests that ended, for the "guests: N passed, N failed" line that
 * `s2mm hyp run` reads. */
static unsigned int guests_passed, guests_failed;

static void count_guest(bool ok)
{
	__atomic_add_fetch(ok ? &guests_passed : &guests_failed, 1,
			   __ATOMIC_RELAXED);
}

/*
 * test=linux overcommit=P or share=1: the frames for every guest that
 * runs at once (one per CPU), P% fewer than their RAM (none fewer for
 * share alone), a quarter of them for the compressed store.
 */
static int linux_pager_init(void)
{
	unsigned int guests = opts.guests ? opts.guests : 1;
	unsigned int at_once = guests < hyp_ncpus ? guests : hyp_ncpus;
	uint64_t ram = (uint64_t)(opts.mem_mib ? opts.mem_mib : 256) << 20;
	uint64_t pages = at_once * (ram >> PAGE_SHIFT);
	/* Merging alone: every page can have a frame of its own, with room
	 * for the store's least and the frames a pass has yet to free. */
	uint64_t budget = opts.overcommit ? pages * 100 / opts.overcommit
					  : pages + pages / 16;
	uint64_t arena = 16;	/* the store's least, when nothing is stored */
	int ret;

	while (opts.overcommit && arena * 2 <= budget / 4)
		arena *= 2;
	if (opts.overcommit && opts.overcommit < 100) {
		hyp_printf("s2hyp: overcommit=%u: at least 100 (percent)\n",
			   opts.overcommit);
		return -1;
	}
	ret = pager_init(budget, arena);
	if (!ret && opts.share)
		ret = ksm_init(pages);
	if (ret) {
		hyp_printf("s2hyp: pager: %s\n", s2_strerror(ret));
		return -1;
	}
	hyp_printf("s2hyp: pager: %lu MiB of frames for %u guests of %lu MiB "
		   "at once (%lu MiB store)%s\n", budget >> 8, at_once,
		   ram >> 20, arena >> 8, opts.share ? ", merging" : "");
	return 0;
}

int vm_scenarios_init(const struct vm_options *opt)
{
	opts = *opt;
	linux_left = opts.guests ? opts.guests : 1;
	vcpu_set_slice(opts.slice_us);
	if ((opts.overcommit || opts.share) && linux_pager_init())
		return -1;
	return vm_sys_init(opts.vmid_bits);
}

static const struct guest_kind *kind_find(const char *name)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(kinds); i++)
		if (strncmp(kinds[i].name, name, strlen(kinds[i].name) + 1) == 0)
			return &kinds[i];
	return NULL;
}

bool vm_scenario_known(const char *name)
{
	return kind_find(name) != NULL;
}

/* ---- scenarios ---------------------------------------------------------- */

static struct hyp_vm vms[HYP_MAX_CPUS];

/* One VM of @k on @cpu, run to completion. */
static int scenario_one(const struct guest_kind *k, unsigned int cpu)
{
	struct hyp_vm *vm = &vms[cpu];
	uint64_t t0;
	int ret;

	if (k->cfg.aarch32 && (read_sysreg(id_aa64pfr0_el1) >> 4 & 0xf) != 2) {
		/* ID_AA64PFR0_EL1.EL1 == 2: EL1 can run AArch32. */
		hyp_printf("cpu%u: EL1 is AArch64-only here\n", cpu);
		return -1;
	}
	ret = vm_create(vm, cpu, &k->cfg);
	if (ret) {
		hyp_printf("vm%u: create failed: %s\n", cpu, s2_strerror(ret));
		return ret;
	}
	t0 = hyp_counter();
	while (!vm->done)
		vcpu_run_slice(&vm->vcpus[0], cpu);
	vm_report(vm, hyp_counter() - t0);
	ret = vm->status;
	vm_destroy(vm);
	if (!k->victims)
		count_guest(ret == 0);
	return ret;
}

/*
 * The hostile guest runs on CPU 0 next to VICTIMS VMs that never run but
 * whose RAM is filled with GUEST_MARKER and mapped in their own stage 2.
 * The guest scans its IPA space and must never read the marker; afterwards
 * every victim word must still be the marker (its writes landed nowhere).
 */
#define VICTIMS 3
static struct hyp_vm victims[VICTIMS];

static int scenario_hostile(const struct guest_kind *k, unsigned int cpu)
{
	int ret, bad = 0;

	if (cpu != 0)
		return 0;
	for (unsigned int i = 0; i < VICTIMS; i++) {
		struct hyp_vm *v = &victims[i];

		ret = vm_create(v, 100 + i, &kind_find("guest")->cfg);
		if (ret)
			return ret;
		vm_fill_frames(v->ram_pa, v->cfg.ram_size, GUEST_MARKER);
		vm_dcache_clean(v->ram_pa, v->cfg.ram_size);
		ret = s2_pgtable_map(&v->mm.pgt, GUEST_RAM_IPA,
				     v->cfg.ram_size, v->ram_pa, S2_PROT_RWX,
				     0);
		if (ret)
			return ret;
	}
	ret = scenario_one(k, cpu);
	for (unsigned int i = 0; i < VICTIMS; i++) {
		struct hyp_vm *v = &victims[i];
		uint64_t changed = 0;

		for (uint64_t *p = (uint64_t *)v->ram_pa;
		     p < (uint64_t *)(v->ram_pa + v->cfg.ram_size); p++)
			changed += *p != GUEST_MARKER;
		hyp_printf("victim vm%u: %lu words of %lu MiB changed\n", v->id,
			   changed, v->cfg.ram_size >> 20);
		bad += changed != 0;
		vm_destroy(v);
	}
	count_guest(!ret && !bad);
	return ret ? ret : bad ? -1 : 0;
}

/*
 * Many guests, more than there are VMIDs: every CPU keeps MANY_SLOTS VMs
 * resident and switches between them whenever one yields (cooperative time
 * slicing), taking new guests from a shared counter until all have run.
 * Each entry asks the VMID allocator for a VMID; when the space is spent
 * it rolls over (one broadcast flush) and hands VMIDs out again.
 */
#define MANY_SLOTS 2

static struct hyp_vm many_vms[HYP_MAX_CPUS][MANY_SLOTS];
static unsigned int many_next, many_failed, many_ran;
static uint64_t many_faults, many_exits, vmid_changes_total, many_preempt;

static int scenario_many(const struct guest_kind *k, unsigned int cpu)
{
	bool live[MANY_SLOTS] = { false };
	unsigned int ran = 0, failed = 0, nlive = 0, slot = 0;
	uint64_t faults = 0, exits = 0, changes = 0, preempt = 0;
	unsigned int total = opts.guests ? opts.guests : 64;

	for (;;) {
		for (unsigned int i = 0; i < MANY_SLOTS; i++) {
			unsigned int n;
			int ret;

			if (live[i])
				continue;
			n = __atomic_fetch_add(&many_next, 1, __ATOMIC_RELAXED);
			if (n >= total)
				break;
			ret = vm_create(&many_vms[cpu][i], n, &k->cfg);
			if (ret) {
				hyp_printf("vm%u: create failed: %s\n", n,
					   s2_strerror(ret));
				count_guest(false);
				failed++;
				continue;
			}
			live[i] = true;
			nlive++;
		}
		if (!nlive)
			break;
		while (!live[slot])
			slot = (slot + 1) % MANY_SLOTS;
		struct hyp_vm *vm = &many_vms[cpu][slot];

		vcpu_run_slice(&vm->vcpus[0], cpu);
		if (vm->done) {
			if (vm->status) {
				hyp_printf("vm%u: exit status %d\n", vm->id,
					   vm->status);
				failed++;
			}
			count_guest(vm->status == 0);
			struct s2_vm_stats st;

			vm_fault_stats(vm, &st);
			faults += st.translation + st.permission +
				  st.access_flag;
			exits += vm->vcpus[0].exits;
			changes += vm->vmid_changes;
			preempt += vm->vcpus[0].preemptions;
			vm_destroy(vm);
			live[slot] = false;
			nlive--;
			ran++;
		}
		slot = (slot + 1) % MANY_SLOTS;
	}
	__atomic_add_fetch(&many_failed, failed, __ATOMIC_RELAXED);
	__atomic_add_fetch(&many_ran, ran, __ATOMIC_RELAXED);
	__atomic_add_fetch(&many_faults, faults, __ATOMIC_RELAXED);
	__atomic_add_fetch(&many_exits, exits, __ATOMIC_RELAXED);
	__atomic_add_fetch(&vmid_changes_total, changes, __ATOMIC_RELAXED);
	__atomic_add_fetch(&many_preempt, preempt, __ATOMIC_RELAXED);
	hyp_printf("cpu%u: ran %u guests, %u failed, %lu stage-2 aborts, %lu "
		   "exits\n", cpu, ran, failed, faults, exits);
	return failed ? -1 : 0;
}

/*
 * Linux guests: guests=N of them (default 1), each with vcpus=N vCPUs and
 * mem-mib=N MiB. CPU c creates guests c, c + ncpus, ... one after another
 * (at most ncpus VMs live at once); the vCPUs of all live guests share
 * every CPU through the scheduler. A guest passes when it powered itself
 * off (PSCI SYSTEM_OFF).
 */

static bool linux_vm_start(struct hyp_vm *vm, unsigned int id, uint64_t ram)
{
	const struct linux_guest g = {
		.ram_size = ram, .nr_vcpus = opts.vcpus ? opts.vcpus : 1,
		.probe = opts.probe_vm == id + 1, .fill = (int)opts.fill - 1,
		.harness = opts.migrate || opts.share,
		.pager = opts.overcommit || opts.share,
	};
	int ret = linux_vm_create(vm, id, &g);

	if (ret) {
		hyp_printf("vm%u: create failed: %s\n", id, s2_strerror(ret));
		count_guest(false);
		__atomic_sub_fetch(&linux_left, 1, __ATOMIC_RELEASE);
		return false;
	}
	vm->started = hyp_counter();
	if (vm->cfg.pager)
		pager_vm_add(vm);
	sched_add_vm(vm);
	return true;
}

/* Return: whether the guest passed. */
static bool linux_vm_end(struct hyp_vm *vm)
{
	bool ok;

	sched_remove_vm(vm);
	vm_report(vm, hyp_counter() - vm->started);
	hyp_printf("vm%u: %lu slices ended in WFI, %lu VMID changes, %lu "
		   "local TLB flushes on vCPU changes\n", vm->id, vm->idles,
		   vm->vmid_changes, vm->tlb_local_flushes);
	__atomic_add_fetch(&vmid_changes_total, vm->vmid_changes,
			   __ATOMIC_RELAXED);
	ok = vm->status == 0;
	count_guest(ok);
	vm_destroy(vm);
	__atomic_sub_fetch(&linux_left, 1, __ATOMIC_RELEASE);
	return ok;
}

/* The other end of a migration from vms[cpu] (and back). */
static struct hyp_vm vms_alt[HYP_MAX_CPUS];

/*
 * test=linux migrate=1: once the guest's workload says its data is
 * written (the harness register), move it into the other VM of this CPU
 * while it runs. Unequal RAM after the move fails the guest.
 * Return: the VM the guest now runs in.
 */
static struct hyp_vm *linux_vm_migrate(struct hyp_vm *vm, unsigned int cpu)
{
	struct hyp_vm *dst = vm == &vms[cpu] ? &vms_alt[cpu] : &vms[cpu];
	const struct migrate_opts mo = {
		.lazy_split = opts.lazy_split, .drop_page = opts.migrate_drop,
	};
	struct migrate_stats ms;
	int ret = vm->cfg.pager ? -S2_ENOTSUP : migrate_vm(vm, dst, &mo, &ms);

	if (ret) {
		hyp_printf("vm%u: migrate: %s\n", vm->id, s2_strerror(ret));
		vm_stop(vm, -1);
		return vm;
	}
	migrate_report(dst, &mo, &ms);
	if (ms.differ) {
		/* The guest runs on corrupt memory: end it now. */
		hyp_printf("vm%u: migrate: RAM differs: guest stopped\n",
			   dst->id);
		vm_stop(dst, -2);
	}
	return dst;
}

static int scenario_linux(unsigned int cpu)
{
	unsigned int guests = opts.guests ? opts.guests : 1;
	uint64_t ram = (uint64_t)(opts.mem_mib ? opts.mem_mib : 256) << 20;
	struct hyp_vm *vm = &vms[cpu];
	unsigned int id = cpu, failed = 0;
	bool live = false, migrated = false;

	while (__atomic_load_n(&linux_left, __ATOMIC_ACQUIRE)) {
		if (live && vm->done) {
			failed += !linux_vm_end(vm);
			live = false;
			migrated = false;
			id += hyp_ncpus;
		}
		if (live && opts.migrate && !migrated &&
		    __atomic_load_n(&vm->guest_phase, __ATOMIC_ACQUIRE) >=
			    HARNESS_PHASE_READY) {
			vm = linux_vm_migrate(vm, cpu);
			migrated = true;
		}
		if (opts.overcommit)
			swap_tick();
		if (opts.share)
			ksm_tick();
		while (!live && id < guests) {
			live = linux_vm_start(vm, id, ram);
			if (!live) {
				failed++;
				id += hyp_ncpus;
			}
		}
		sched_run_once(cpu);
	}
	return failed ? -1 : 0;
}

int vm_scenario_run(const char *name, unsigned int cpu)
{
	const struct guest_kind *k = kind_find(name);

	if (!k)
		return -1;
	if (k->linux)
		return scenario_linux(cpu);
	if (k->lockstress) {
		int ret = lockstress_run(&k->cfg, &opts, cpu);

		if (cpu == 0)
			count_guest(ret == 0);
		return ret;
	}
	if (k->many)
		return scenario_many(k, cpu);
	if (k->victims)
		return scenario_hostile(k, cpu);
	return scenario_one(k, cpu);
}

int vm_scenario_report(const char *name)
{
	unsigned int total = opts.guests ? opts.guests : 64;
	int bad = 0;

	if (strncmp(name, "many", 5) == 0 || strncmp(name, "preempt", 8) == 0) {
		hyp_printf("many: %u guests, %u failed, %lu stage-2 aborts, %lu "
			   "exits, %lu timer preemptions (%s slicing)\n", total,
			   many_failed, many_faults, many_exits, many_preempt,
			   name[0] == 'p' ? "preemptive" : "cooperative");
		bad = many_ran != total;
	}
	if (opts.overcommit || opts.share) {
		pager_report();
		if (opts.overcommit)
			swap_report();
		if (opts.share)
			ksm_report();
		ksm_fini();
	}
	hyp_printf("guests: %u passed, %u failed\n", guests_passed,
		   guests_failed);
	vcpu_vmid_report(vmid_changes_total);
	return bad;
}

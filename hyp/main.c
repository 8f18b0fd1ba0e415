/* SPDX-License-Identifier: MIT */
/*
 * s2hyp: boot, self-tests, SMP bring-up and the scenario the runner asked
 * for (bootargs "test=<name>" from -append, or the semihosting command line).
 *
 * Scenarios:
 *   boot   boot all CPUs, run the self-tests, exit 0
 *   panic  take a deliberate EL2 data abort: must exit HYP_EXIT_PANIC
 *   guest, mmu, dirtylog, staletlb (and their AArch32 twins guest32,
 *          mmu32, dirtylog32, staletlb32; mmusd32: mmu32 with short
 *          descriptors): one VM of that guest per CPU
 *   hostile  the hostile guest on CPU 0 next to marker-filled victims
 *   many   guests=N memory-test VMs (default 64), time-sliced on all CPUs
 *          cooperatively (the guests yield)
 *   preempt  the same, preempted by the EL2 timer every slice-us=N (1000)
 *   fidelity seed=S count=N: the MMU model against QEMU's AT (fidelity/)
 *   linux  guests=N Linux guests of vcpus=N vCPUs and mem-mib=N MiB each,
 *          booting the kernel and initramfs at linux=PA,SIZE initrd=PA,SIZE;
 *          fill=P: their /init fills P% of free memory; probe-vm=N: guest
 *          N reads an address with nothing behind it; migrate=1: each
 *          guest is live-migrated into a new VM once its /init's data is
 *          written (lazy-split=1: blocks split at their first write;
 *          migrate-drop=1: one dirty page is lost, which must fail);
 *          overcommit=P: guests' RAM is P% of the frames s2hyp gives
 *          them, cold pages go to a compressed store; share=1: equal
 *          pages are merged (both back RAM page by page)
 *   lockstress  one VM with a vCPU on every CPU but 0, faulting, while CPU
 *          0 unmaps and write-protects its pages under the VM's mm_lock:
 *          no fault may overlap a change (lockstress.c); lockbug=nowait|
 *          nofence|nodmb: a deliberate bug in the lock, which must fail;
 *          lock-writer=0: faults on every CPU and no writer (a measure);
 *          lock-rounds=N: the guest's rounds (400)
 * Options: guests=N, vmid-bits=8|16 (default: what the CPU has).
 */
#include "hyp.h"
#include "vm.h"
#include "linux.h"
#include "monitor.h"
#include "reclaim.h"
#include "fidelity/fidelity.h"

#define DEFAULT_DTB	0x40000000UL
#define DEFAULT_RAM	(128UL << 20)

extern char __image_start[], __end[];

enum scenario { SC_BOOT, SC_PANIC, SC_VM, SC_FIDELITY };

static volatile enum scenario scenario;
static char vm_scenario[32];
static volatile bool go;
static unsigned int cpus_done;
static int cpu_status[HYP_MAX_CPUS];
static uint64_t boot_ticks;
static struct vm_options vm_opts;

static const char *find_arg(const char *args, const char *key)
{
	size_t klen = strlen(key);

	for (const char *p = args; p && *p; p++)
		if ((p == args || p[-1] == ' ') && strncmp(p, key, klen) == 0)
			return p + klen;
	return NULL;
}

static bool arg_is(const char *v, const char *name)
{
	size_t n = strlen(name);

	return v && strncmp(v, name, n) == 0 && (v[n] == '\0' || v[n] == ' ');
}

/* A decimal option "key=N"; @def when absent. */
static unsigned int arg_uint(const char *args, const char *key,
			     unsigned int def)
{
	const char *v = find_arg(args, key);
	unsigned int n = 0;

	if (!v || *v < '0' || *v > '9')
		return def;
	while (*v >= '0' && *v <= '9') {
		/* Too large is as wrong as absent: the default. */
		if (n > (~0U - 9) / 10)
			return def;
		n = n * 10 + (unsigned int)(*v++ - '0');
	}
	return n;
}

/* A number, decimal or 0x-hex, at @v; the end in *@end. */
static uint64_t parse_u64(const char *v, const char **end)
{
	uint64_t n = 0;
	unsigned int base = 10;

	if (v[0] == '0' && v[1] == 'x') {
		base = 16;
		v += 2;
	}
	for (;; v++) {
		unsigned int d;

		if (*v >= '0' && *v <= '9')
			d = (unsigned int)(*v - '0');
		else if (base == 16 && *v >= 'a' && *v <= 'f')
			d = (unsigned int)(*v - 'a' + 10);
		else
			break;
		if (n > (~0ULL - d) / base) {
			*end = v; /* not at a separator: the caller refuses */
			return 0;
		}
		n = n * base + d;
	}
	*end = v;
	return n;
}

/* "key=PA,SIZE": a file QEMU's loader put in RAM. Return: 0, 1 when
 * absent, -1 when malformed. */
static int arg_blob(const char *args, const char *key, uint64_t *pa,
		    uint64_t *size)
{
	const char *v = find_arg(args, key), *end;

	if (!v)
		return 1;
	*pa = parse_u64(v, &end);
	if (*end != ',')
		return -1;
	*size = parse_u64(end + 1, &end);
	return (*end && *end != ' ') || !*size ? -1 : 0;
}

/*
 * The kernel and initramfs of Linux guests sit at the top of RAM, where
 * `s2mm hyp linux` asked QEMU to load them: RAM ends below them for the
 * allocator. Return: the new end of RAM, or 0 when the arguments are bad.
 */
static uint64_t reserve_images(const char *args, uint64_t ram_base,
			       uint64_t ram_end)
{
	struct linux_images *li = &linux_images;
	uint64_t end = ram_end;

	if (arg_blob(args, "linux=", &li->image_pa, &li->image_size) < 0 ||
	    arg_blob(args, "initrd=", &li->initrd_pa, &li->initrd_size) < 0)
		return 0;
	for (unsigned int i = 0; i < 2; i++) {
		uint64_t pa = i ? li->initrd_pa : li->image_pa;
		uint64_t size = i ? li->initrd_size : li->image_size;

		if (!size)
			continue;
		if (pa < (uint64_t)__end || pa < ram_base || pa + size < pa ||
		    pa + size > ram_end)
			return 0;
		if ((pa & ~(PAGE_SIZE - 1)) < end)
			end = pa & ~(PAGE_SIZE - 1);
	}
	return end;
}

static enum scenario parse_scenario(const void *fdt)
{
	static char cmdline[256];
	const char *args = fdt_bootargs(fdt), *v;
	size_t n = 0;

	if (!args && semihost_cmdline(cmdline, sizeof(cmdline)) == 0)
		args = cmdline;
	v = find_arg(args, "test=");
	hyp_printf("s2hyp: args \"%s\"\n", args ? args : "");
	vm_opts.guests = arg_uint(args, "guests=", 0);
	vm_opts.vmid_bits = arg_uint(args, "vmid-bits=", 0);
	vm_opts.slice_us = arg_uint(args, "slice-us=", 0);
	vm_opts.vcpus = arg_uint(args, "vcpus=", 0);
	vm_opts.mem_mib = arg_uint(args, "mem-mib=", 0);
	/* probe-vm=N: guest N reads an IPA with nothing there (stored +1). */
	vm_opts.probe_vm = find_arg(args, "probe-vm=") ?
			   arg_uint(args, "probe-vm=", 0) + 1 : 0;
	vm_opts.fill = find_arg(args, "fill=") ?
		       arg_uint(args, "fill=", 0) + 1 : 0;
	vm_opts.migrate = arg_uint(args, "migrate=", 0) != 0;
	vm_opts.lazy_split = arg_uint(args, "lazy-split=", 0) != 0;
	vm_opts.migrate_drop = arg_uint(args, "migrate-drop=", 0) != 0;
	vm_opts.overcommit = arg_uint(args, "overcommit=", 0);
	vm_opts.share = arg_uint(args, "share=", 0) != 0;
	v = find_arg(args, "lockbug=");
	vm_opts.lock_bug = arg_is(v, "nowait") ? HYP_MM_LOCK_NO_WAIT :
			   arg_is(v, "nofence") ? HYP_MM_LOCK_NO_FENCE :
			   arg_is(v, "nodmb") ? HYP_MM_LOCK_NO_DMB : HYP_MM_LOCK_OK;
	if (v && vm_opts.lock_bug == HYP_MM_LOCK_OK) {
		hyp_printf("s2hyp: lockbug=nowait|nofence|nodmb\n");
		semihost_exit(HYP_EXIT_FAIL);
	}
	vm_opts.lock_no_writer = arg_uint(args, "lock-writer=", 1) == 0;
	vm_opts.lock_rounds = arg_uint(args, "lock-rounds=", 0);
	v = find_arg(args, "test=");
	if (!v || arg_is(v, "boot"))
		return SC_BOOT;
	if (arg_is(v, "panic"))
		return SC_PANIC;
	if (arg_is(v, "fidelity")) {
		fidelity_setup(args);
		return SC_FIDELITY;
	}
	while (v[n] && v[n] != ' ' && n < sizeof(vm_scenario) - 1) {
		vm_scenario[n] = v[n];
		n++;
	}
	vm_scenario[n] = '\0';
	/* A misspelt scenario must not pass as a plain boot. */
	if (!vm_scenario_known(vm_scenario)) {
		hyp_printf("s2hyp: unknown scenario \"%s\"\n", vm_scenario);
		semihost_exit(HYP_EXIT_FAIL);
	}
	return SC_VM;
}

/* The per-CPU loop: every CPU (0 included) runs its share of the work. */
static void cpu_loop(unsigned int id)
{
	int ret = 0;

	while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE))
		__asm__ volatile("wfe");
	if (scenario == SC_VM)
		ret = vm_scenario_run(vm_scenario, id);
	else if (scenario == SC_FIDELITY)
		ret = fidelity_scenario(id);
	cpu_status[id] = ret;
	__atomic_add_fetch(&cpus_done, 1, __ATOMIC_ACQ_REL);
	__asm__ volatile("sev");
}

void secondary_main(unsigned int id)
{
	hyp_printf("cpu%u: up at EL%lu, MPIDR %lx\n", id,
		   (read_sysreg(currentel) >> 2) & 3, read_sysreg(mpidr_el1));
	__atomic_store_n(&hyp_cpus[id].online, true, __ATOMIC_RELEASE);
	cpu_loop(id);
	for (;;)
		__asm__ volatile("wfe");
}

static int selftests(void)
{
	char buf[64];
	int ret;

	hyp_snprintf(buf, sizeof(buf), "%d %u %x %lx %s %05d %-3s|%p", -42, 42u,
		     0xbeefu, 0x123456789abcdefUL, "ok", 7, "a", (void *)0x10);
	if (strncmp(buf, "-42 42 beef 123456789abcdef ok 00007 a  |0x10", 64)) {
		hyp_printf("selftest: printf gave \"%s\"\n", buf);
		return -1;
	}
	ret = palloc_selftest();
	if (ret) {
		hyp_printf("selftest: palloc failed (%d)\n", ret);
		return -1;
	}
	ret = reclaim_selftest();
	if (ret) {
		hyp_printf("selftest: deferred free failed (%d)\n", ret);
		return -1;
	}
	ret = vm_selftest();
	if (ret) {
		hyp_printf("selftest: vm/mm_ops failed (%d)\n", ret);
		return -1;
	}
	return 0;
}

void hyp_main(uint64_t dtb)
{
	const void *fdt = fdt_valid((void *)dtb) ? (void *)dtb
						  : (void *)DEFAULT_DTB;
	uint64_t ram_base = 0x40000000UL, ram_size = DEFAULT_RAM, ram_end;
	unsigned int failed = 0;
	uint64_t free_before, run_ticks;

	boot_ticks = hyp_counter();
	if (fdt_memory(fdt, &ram_base, &ram_size))
		hyp_printf("s2hyp: no DTB memory node, assuming %lu MiB\n",
			   ram_size >> 20);
	hyp_printf("s2hyp: EL%lu, MIDR %lx, RAM %lx+%lu MiB, DTB %p, image %p-%p\n",
		   (read_sysreg(currentel) >> 2) & 3, read_sysreg(midr_el1),
		   ram_base, ram_size >> 20, fdt, __image_start, __end);
	ram_end = reserve_images(fdt_bootargs(fdt), ram_base,
				 ram_base + ram_size);
	if (!ram_end) {
		hyp_printf("s2hyp: bad linux= or initrd= (PA,SIZE inside RAM "
			   "above the image)\n");
		semihost_exit(HYP_EXIT_FAIL);
	}
	if (palloc_init(ram_base, ram_end, (uint64_t)__end))
		hyp_panic("palloc_init: RAM too small");
	hyp_printf("s2hyp: %lu pages free\n", palloc_free_pages());
	if (hyp_mon_init())
		hyp_panic("the break-before-make monitor did not start");
	scenario = parse_scenario(fdt);
	if (selftests())
		semihost_exit(HYP_EXIT_FAIL);
	hyp_printf("s2hyp: self-tests passed\n");

	if (smp_boot_secondaries())
		semihost_exit(HYP_EXIT_FAIL);
	hyp_printf("s2hyp: %u CPUs online\n", hyp_ncpus);
	if (vm_scenarios_init(&vm_opts))
		semihost_exit(HYP_EXIT_FAIL);

	if (scenario == SC_PANIC) {
		hyp_printf("s2hyp: deliberate EL2 data abort\n");
		*(volatile uint64_t *)0x8000000000UL = 1; /* beyond the map */
	}

	/* Every page a scenario takes must come back: checked at the end. */
	free_before = palloc_free_pages() + hyp_mon_pages();
	run_ticks = hyp_counter();
	__atomic_store_n(&go, true, __ATOMIC_RELEASE);
	__asm__ volatile("sev");
	cpu_loop(0);
	while (__atomic_load_n(&cpus_done, __ATOMIC_ACQUIRE) < hyp_ncpus)
		__asm__ volatile("wfe");
	if (scenario == SC_VM)
		failed += (unsigned int)vm_scenario_report(vm_scenario);
	for (unsigned int i = 0; i < hyp_ncpus; i++)
		if (cpu_status[i])
			failed++;
	/* Every walk has ended: nothing deferred may stay. */
	if (reclaim_poll())
		failed++;
	/* The monitor's ghost state (checked build) is not the scenario's. */
	if (palloc_free_pages() + hyp_mon_pages() != free_before) {
		hyp_printf("s2hyp: %ld pages leaked\n",
			   (int64_t)(free_before - palloc_free_pages() - hyp_mon_pages()));
		failed++;
	}
	if (hyp_mon_summary())
		failed++;
	hyp_printf("s2hyp: %u passed, %u failed (CPUs), %lu us since boot, "
		   "%lu us running\n", hyp_ncpus - failed, failed,
		   hyp_ticks_us(hyp_counter() - boot_ticks),
		   hyp_ticks_us(hyp_counter() - run_ticks));
	if (!failed)
		hyp_printf("PASS\n");
	semihost_exit(failed ? HYP_EXIT_FAIL : HYP_EXIT_PASS);
}

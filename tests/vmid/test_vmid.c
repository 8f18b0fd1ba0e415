/* SPDX-License-Identifier: MIT */
/*
 * Spec tests for the VMID allocator (include/s2mm/vmid.h).
 *
 * Single-threaded: CPUs are simulated by passing their numbers. A tiny TLB
 * model (tag -> VM that filled entries with it, cleared by tlbi_all) turns
 * "no VM ever sees another VM's or an older generation's translations" into
 * an assertion.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <s2mm/arch.h>
#include <s2mm/error.h>
#include <s2mm/host_ops.h>
#include <s2mm/physmem.h>
#include <s2mm/vmid.h>

#define NCPUS_MAX 8
#define NONE	  (-1)

struct fixture {
	struct s2_physmem *pm;
	struct s2_host_mm hm;
	struct s2_vmid_alloc a;
	/* TLB model: which VM filled entries tagged with each VMID. */
	int tlb_owner[1u << 16];
	/* What each simulated CPU runs: VM index and tag, or NONE. */
	int running_vm[NCPUS_MAX];
	uint16_t running_tag[NCPUS_MAX];
	unsigned int ncpus;
};

/*
 * tlbi_all hook: every entry goes; CPUs that keep running refill at once
 * with their (kept, reserved) tags.
 */
static void tlb_flush(void *arg)
{
	struct fixture *f = arg;

	for (size_t i = 0; i < 1u << 16; i++)
		f->tlb_owner[i] = NONE;
	for (unsigned int c = 0; c < f->ncpus; c++)
		if (f->running_vm[c] != NONE)
			f->tlb_owner[f->running_tag[c]] = f->running_vm[c];
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(s2_physmem_create(&f->pm, 0x40000000, 1 << 20), 0);
	s2_host_mm_init(&f->hm, f->pm);
	f->hm.tlbi_all_hook = tlb_flush;
	f->hm.hook_arg = f;
	tlb_flush(f);
	for (int c = 0; c < NCPUS_MAX; c++)
		f->running_vm[c] = NONE;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	s2_host_mm_fini(&f->hm);
	s2_physmem_destroy(f->pm);
	free(f);
	return 0;
}

static void init(struct fixture *f, unsigned int bits, unsigned int ncpus)
{
	assert_int_equal(s2_vmid_init(&f->a, bits, ncpus, &f->hm.ops), 0);
	f->ncpus = ncpus;
	/* A new system: nothing runs, TLBs clean (as at boot). */
	for (int c = 0; c < NCPUS_MAX; c++)
		f->running_vm[c] = NONE;
	tlb_flush(f);
}

/*
 * Run VM @idx on @cpu as a hypervisor would: update, then "execute" (the
 * TLB model checks and fills the tag). Returns the VMID.
 */
static uint16_t run(struct fixture *f, struct s2_vmid *vms, int idx,
		    unsigned int cpu)
{
	uint16_t vmid = 0;

	assert_int_equal(s2_vmid_update(&f->a, &vms[idx], cpu, &vmid), 0);
	assert_int_not_equal(vmid, 0);
	f->running_vm[cpu] = idx;
	f->running_tag[cpu] = vmid;
	/* A translation cached under this tag by another VM would be used. */
	if (f->tlb_owner[vmid] != NONE && f->tlb_owner[vmid] != idx)
		fail_msg("VM %d on CPU %u got VMID %u whose TLB entries belong "
			 "to VM %d",
			 idx, cpu, vmid, f->tlb_owner[vmid]);
	f->tlb_owner[vmid] = idx;
	return vmid;
}

/* The vCPU on @cpu is put. */
static void put(struct fixture *f, unsigned int cpu)
{
	assert_int_equal(s2_vmid_clear_active(&f->a, cpu), 0);
	f->running_vm[cpu] = NONE;
}

static struct s2_vmid *new_vms(size_t n)
{
	struct s2_vmid *vms = malloc(n * sizeof(*vms));

	assert_non_null(vms);
	for (size_t i = 0; i < n; i++)
		s2_vmid_vm_init(&vms[i]);
	return vms;
}

/* No two VMs hold the same VMID in the current generation; none holds 0. */
static void check_unique(struct fixture *f, struct s2_vmid *vms, size_t n)
{
	static int seen[1u << 16];

	memset(seen, 0xff, sizeof(seen));
	for (size_t i = 0; i < n; i++) {
		uint16_t v;

		if (!s2_vmid_is_current(&f->a, &vms[i], &v))
			continue;
		assert_int_not_equal(v, 0);
		if (seen[v] != NONE)
			fail_msg("VMs %d and %zu share VMID %u", seen[v], i, v);
		seen[v] = (int)i;
	}
}

/* ---------------------------------------------------------------------- */

/* init accepts 8/16 bits and 1 .. min(MAX_CPUS, 2^bits - 2) CPUs. */
static void vmid_init_validates_config(void **state)
{
	struct fixture *f = *state;
	static const struct {
		unsigned int bits, ncpus;
		int ret;
	} cases[] = {
	    {8, 1, 0},		 {16, 1, 0},
	    {8, 4, 0},		 {16, S2_VMID_MAX_CPUS, 0},
	    {8, 0, -S2_EINVAL},	 {16, S2_VMID_MAX_CPUS + 1, -S2_EINVAL},
	    {0, 1, -S2_EINVAL},	 {4, 1, -S2_EINVAL},
	    {12, 1, -S2_EINVAL}, {32, 1, -S2_EINVAL},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(s2_vmid_init(&f->a, cases[i].bits,
					      cases[i].ncpus, &f->hm.ops),
				 cases[i].ret);
	assert_int_equal(s2_vmid_init(&f->a, 8, 1, NULL), -S2_EINVAL);
	struct s2_mm_ops no_flush = f->hm.ops;
	no_flush.tlbi_all = NULL;
	assert_int_equal(s2_vmid_init(&f->a, 8, 1, &no_flush), -S2_EINVAL);
}

/*
 * A narrowed space: VMIDs stay below 2^space_bits, a rollover comes after
 * 2^space_bits - 1 VMs, the TLB model never sees a reused tag with stale
 * entries, VTCR_EL2.VS still follows the hardware width; and narrowing is
 * refused out of range, with too many CPUs, or once a VMID was handed out.
 */
static void vmid_narrowed_space_rolls_over(void **state)
{
	struct fixture *f = *state;
	struct s2_vmid *vms = new_vms(40);

	init(f, 16, 2);
	assert_int_equal(s2_vmid_narrow(&f->a, 1), -S2_EINVAL);
	assert_int_equal(s2_vmid_narrow(&f->a, 17), -S2_EINVAL);
	/* Two CPUs need 2^bits - 1 > 2: 2 bits (3 VMIDs) is the least. */
	assert_int_equal(s2_vmid_narrow(&f->a, 2), 0);
	init(f, 16, 4);
	assert_int_equal(s2_vmid_narrow(&f->a, 2), -S2_EINVAL);
	assert_int_equal(s2_vmid_narrow(&f->a, 3), 0);
	assert_int_equal(s2_vmid_vtcr_vs(&f->a), VTCR_EL2_VS);
	for (int i = 0; i < 40; i++) {
		uint16_t vmid = run(f, vms, i, (unsigned int)i % 4);

		assert_true(vmid >= 1 && vmid < 8);
		check_unique(f, vms, 40);
		put(f, (unsigned int)i % 4);
	}
	/* 7 VMIDs per generation, each CPU's last one kept: 40 VMs need
	 * several generations. */
	assert_true(s2_vmid_rollovers(&f->a) >= 5);
	assert_int_equal(s2_vmid_narrow(&f->a, 4), -S2_EINVAL);
	init(f, 8, 1);
	run(f, vms, 0, 0);
	assert_int_equal(s2_vmid_narrow(&f->a, 3), -S2_EINVAL);
	free(vms);
}

/* The VS bit follows the width; widths decode from ID_AA64MMFR1_EL1. */
static void vmid_vtcr_vs_matches_width(void **state)
{
	struct fixture *f = *state;
	static const struct {
		uint64_t mmfr1;
		unsigned int bits;
		uint64_t vs;
	} cases[] = {
	    {0x00, 8, 0},
	    {0x20, 16, VTCR_EL2_VS},
	    {0x10, 8, 0},	/* reserved encoding: assume 8 */
	    {0xffffff0f, 8, 0}, /* other fields do not matter */
	    {0xffffff2f, 16, VTCR_EL2_VS},
	};

	assert_int_equal(VTCR_EL2_VS, UINT64_C(1) << 19); /* Arm ARM D19.2 */
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned int bits = s2_vmid_bits_from_mmfr1(cases[i].mmfr1);

		assert_int_equal(bits, cases[i].bits);
		init(f, bits, 1);
		assert_int_equal(s2_vmid_vtcr_vs(&f->a), cases[i].vs);
	}
}

/* The first VM to run gets VMID 1, for both widths. */
static void vmid_first_is_one(void **state)
{
	struct fixture *f = *state;
	static const unsigned int widths[] = {8, 16};

	for (size_t i = 0; i < 2; i++) {
		struct s2_vmid vm = S2_VMID_INIT;

		init(f, widths[i], 2);
		assert_false(s2_vmid_is_current(&f->a, &vm, NULL));
		assert_int_equal(run(f, &vm, 0, 1), 1);
		assert_true(s2_vmid_is_current(&f->a, &vm, NULL));
		put(f, 1);
	}
	assert_int_equal(f->hm.tlbi_all, 0);
}

/* VMIDs are given in the order VMs first run, not in creation order. */
static void vmid_order_of_first_run(void **state)
{
	struct fixture *f = *state;
	static const struct {
		int vm;
		unsigned int cpu;
		uint16_t vmid;
	} steps[] = {
	    {5, 0, 1}, {2, 1, 2}, {5, 1, 1}, /* again: same */
	    {7, 2, 3}, {0, 0, 4}, {2, 3, 2}, {9, 3, 5},
	};
	struct s2_vmid *vms = new_vms(10);

	init(f, 8, 4);
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		assert_int_equal(run(f, vms, steps[i].vm, steps[i].cpu),
				 steps[i].vmid);
	assert_int_equal(s2_vmid_rollovers(&f->a), 0);
	free(vms);
}

/* A bad CPU number is refused and changes nothing. */
static void vmid_update_rejects_bad_cpu(void **state)
{
	struct fixture *f = *state;
	struct s2_vmid vm = S2_VMID_INIT;
	uint16_t vmid = 0x1234;

	init(f, 8, 4);
	assert_int_equal(s2_vmid_update(&f->a, &vm, 4, &vmid), -S2_EINVAL);
	assert_int_equal(vmid, 0x1234);
	assert_false(s2_vmid_is_current(&f->a, &vm, NULL));
	assert_int_equal(s2_vmid_clear_active(&f->a, 4), -S2_EINVAL);
	assert_int_equal(run(f, &vm, 0, 3), 1);
}

/*
 * With one CPU, 2^bits - 1 VMs use up the space without a flush; the next
 * VM starts generation 2 with exactly one tlbi_all and VMID 1 (the last VM
 * keeps its VMID, reserved because the CPU was still running it).
 */
static void vmid_exhaustion_starts_new_generation_once(void **state)
{
	struct fixture *f = *state;
	static const struct {
		unsigned int bits;
		uint32_t usable;
	} cases[] = {{8, 255}, {16, 65535}};

	for (size_t i = 0; i < 2; i++) {
		uint32_t n = cases[i].usable;
		struct s2_vmid *vms = new_vms(n + 2);
		uint64_t flushes = f->hm.tlbi_all;

		init(f, cases[i].bits, 1);
		for (uint32_t v = 0; v < n; v++)
			assert_int_equal(run(f, vms, (int)v, 0), v + 1);
		assert_int_equal(f->hm.tlbi_all, flushes);
		assert_int_equal(s2_vmid_rollovers(&f->a), 0);

		assert_int_equal(run(f, vms, (int)n, 0), 1);
		assert_int_equal(f->hm.tlbi_all, flushes + 1);
		assert_int_equal(s2_vmid_rollovers(&f->a), 1);
		/* VM 0 ran in generation 1 only: it has no VMID now. */
		assert_false(s2_vmid_is_current(&f->a, &vms[0], NULL));
		assert_int_equal(run(f, vms, (int)n + 1, 0), 2);
		assert_int_equal(f->hm.tlbi_all, flushes + 1);
		free(vms);
	}
}

/*
 * VMs running on other CPUs during a rollover keep their VMIDs, and no
 * other VM gets them in the new generation.
 */
static void vmid_running_vms_keep_vmid_across_rollover(void **state)
{
	struct fixture *f = *state;
	struct s2_vmid *vms = new_vms(1000);
	uint16_t held[4];

	init(f, 8, 4);
	for (unsigned int c = 1; c < 4; c++)
		held[c] = run(f, vms, (int)c, c); /* VMIDs 1, 2, 3 */
	int next = 10;
	while (s2_vmid_rollovers(&f->a) == 0)
		run(f, vms, next++, 0);
	assert_int_equal(f->hm.tlbi_all, 1);
	/* Fill the new generation up to the next rollover: never 1..3. */
	while (s2_vmid_rollovers(&f->a) == 1) {
		uint16_t v = run(f, vms, next++, 0);

		if (s2_vmid_rollovers(&f->a) != 1)
			break;
		for (unsigned int c = 1; c < 4; c++)
			assert_int_not_equal(v, held[c]);
		check_unique(f, vms, 1000);
	}
	/* The running VMs come back with the same VMID, no flush. */
	uint64_t flushes = f->hm.tlbi_all;
	for (unsigned int c = 1; c < 4; c++) {
		assert_int_equal(run(f, vms, (int)c, c), held[c]);
		assert_true(s2_vmid_is_current(&f->a, &vms[c], NULL));
	}
	assert_int_equal(f->hm.tlbi_all, flushes);
	check_unique(f, vms, 1000);
	free(vms);
}

/*
 * CPU 0 is a CPU like the others: the VM it runs across a rollover (made
 * by another CPU) comes back to it with the same VMID, without a flush.
 */
static void vmid_cpu0_keeps_its_vm_across_rollover(void **state)
{
	struct fixture *f = *state;
	struct s2_vmid *vms = new_vms(600);

	init(f, 8, 2);
	uint16_t held = run(f, vms, 0, 0);
	int next = 1;
	while (s2_vmid_rollovers(&f->a) == 0)
		run(f, vms, next++, 1);
	uint64_t flushes = f->hm.tlbi_all;
	assert_int_equal(run(f, vms, 0, 0), held);
	assert_int_equal(f->hm.tlbi_all, flushes);
	check_unique(f, vms, 600);
	free(vms);
}

/*
 * A VM that ran in an old generation and is not running gets a VMID of the
 * new generation: its old index if still free, else the next free one.
 */
static void vmid_old_generation_vm_gets_new_vmid(void **state)
{
	struct fixture *f = *state;
	struct s2_vmid *vms = new_vms(600);
	uint16_t v;

	init(f, 8, 2);
	run(f, vms, 0, 1); /* VMID 1 */
	assert_int_equal(run(f, vms, 1, 1), 2);
	put(f, 1);
	for (int i = 2; i < 255; i++) /* fill: VMIDs 3..255 */
		run(f, vms, i, 0);
	assert_int_equal(run(f, vms, 300, 0), 1); /* rollover */
	assert_int_equal(s2_vmid_rollovers(&f->a), 1);
	assert_false(s2_vmid_is_current(&f->a, &vms[0], NULL));
	assert_false(s2_vmid_is_current(&f->a, &vms[1], NULL));
	/* VM 0's index 1 went to VM 300: VM 0 gets the next free one. */
	v = run(f, vms, 0, 1);
	assert_int_not_equal(v, 1);
	assert_int_equal(v, 2);
	/* VM 1's index 2 is taken by now too. */
	assert_int_equal(run(f, vms, 1, 1), 3);
	/* VM 5 (index 6 in gen 1) finds its old index free and keeps it. */
	assert_int_equal(run(f, vms, 5, 1), 6);
	check_unique(f, vms, 600);
	free(vms);
}

/* A CPU that put its vCPU does not keep that VMID reserved at rollover. */
static void vmid_put_vcpu_not_reserved(void **state)
{
	struct fixture *f = *state;
	struct s2_vmid *vms = new_vms(600);

	init(f, 8, 4);
	assert_int_equal(run(f, vms, 0, 1), 1);
	put(f, 1);
	int next = 1;
	while (s2_vmid_rollovers(&f->a) == 0)
		run(f, vms, next++, 0);
	/* After the rollover VMID 1 (VM 0's) was free for the new VM. */
	assert_int_equal(f->running_tag[0], 1);
	assert_false(s2_vmid_is_current(&f->a, &vms[0], NULL));
	assert_int_equal(run(f, vms, 0, 1), 2);
	free(vms);
}

/* Release refuses a VM still active somewhere and forgets a put one. */
static void vmid_release_needs_put(void **state)
{
	struct fixture *f = *state;
	struct s2_vmid *vms = new_vms(600);

	init(f, 8, 2);
	run(f, vms, 0, 1);
	assert_int_equal(s2_vmid_release(&f->a, &vms[0]), -S2_EBUSY);
	assert_true(s2_vmid_is_current(&f->a, &vms[0], NULL));
	put(f, 1);
	assert_int_equal(s2_vmid_release(&f->a, &vms[0]), 0);
	assert_false(s2_vmid_is_current(&f->a, &vms[0], NULL));
	/* The VMID is not reused before the next rollover's flush. */
	assert_int_equal(run(f, vms, 1, 0), 2);

	/* Active at a rollover and not run since: still busy. */
	run(f, vms, 2, 1);
	int next = 3;
	while (s2_vmid_rollovers(&f->a) == 0)
		run(f, vms, next++, 0);
	assert_int_equal(s2_vmid_release(&f->a, &vms[2]), -S2_EBUSY);
	put(f, 1);
	assert_int_equal(s2_vmid_release(&f->a, &vms[2]), 0);
	/* Never ran: nothing to do. */
	struct s2_vmid fresh = S2_VMID_INIT;
	assert_int_equal(s2_vmid_release(&f->a, &fresh), 0);
	free(vms);
}

/*
 * A rollover gives the whole space back: with every vCPU put, the new
 * generation hands out VMIDs 1 .. 2^bits - 1 again, each exactly once, and
 * only then rolls over. (A put CPU's idle value reserves VMID 0 only; the
 * bitmap is cleared word by word, not just its first word.)
 */
static void vmid_rollover_with_cpus_put_frees_every_vmid(void **state)
{
	struct fixture *f = *state;
	struct s2_vmid *vms = new_vms(600);
	int next = 0;

	init(f, 8, 2);
	run(f, vms, next++, 1);
	put(f, 1);
	while (next < 255)
		run(f, vms, next++, 0);
	put(f, 0);
	assert_int_equal(s2_vmid_rollovers(&f->a), 0);
	for (uint16_t v = 1; v <= 255; v++) {
		assert_int_equal(run(f, vms, next++, 0), v);
		/* Of the new generation, the first (the rollover's) too. */
		assert_true(s2_vmid_is_current(&f->a, &vms[next - 1], NULL));
		put(f, 0);
		assert_int_equal(s2_vmid_rollovers(&f->a), 1);
	}
	assert_int_equal(run(f, vms, next++, 0), 1);
	assert_int_equal(s2_vmid_rollovers(&f->a), 2);
	assert_int_equal(f->hm.tlbi_all, 2);
	free(vms);
}

/* A VM that never ran releases at once, even before any CPU ran anything
 * (every active slot and reservation still 0). */
static void vmid_release_before_any_run(void **state)
{
	struct fixture *f = *state;
	struct s2_vmid vm = S2_VMID_INIT;

	init(f, 8, 2);
	assert_int_equal(s2_vmid_release(&f->a, &vm), 0);
	assert_false(s2_vmid_is_current(&f->a, &vm, NULL));
	assert_int_equal(run(f, &vm, 0, 0), 1);
}

/* 16-bit: several rollovers, never VMID 0, one flush each. */
static void vmid_16bit_rollovers_never_zero(void **state)
{
	struct fixture *f = *state;
	enum { NVM = 70000 };
	struct s2_vmid *vms = new_vms(NVM);

	init(f, 16, 4);
	uint64_t flushes = f->hm.tlbi_all;
	for (int round = 0; round < 3; round++)
		for (int i = 0; i < NVM; i++)
			run(f, vms, i,
			    (unsigned int)(i % 4)); /* asserts != 0 */
	assert_true(s2_vmid_rollovers(&f->a) >= 3);
	assert_int_equal(f->hm.tlbi_all - flushes, s2_vmid_rollovers(&f->a));
	check_unique(f, vms, NVM);
	free(vms);
}

/*
 * Property: 1,000 VMs scheduled on 4 CPUs with 8-bit VMIDs, many random
 * schedules (round-robin with random CPU choice, random puts, some VMs with
 * vCPUs on several CPUs at once). At every step: no two VMs share a VMID of
 * the current generation, none holds 0, and no VM runs with a tag whose TLB
 * entries another VM filled since the last flush. Flushes == rollovers.
 */
static void vmid_property_random_schedules(void **state)
{
	struct fixture *f = *state;
	enum { NVM = 1000, NCPU = 4, SCHEDULES = 8, STEPS = 20000 };
	struct s2_vmid *vms = new_vms(NVM);
	uint64_t total_rollovers = 0;

	for (unsigned int seed = 1; seed <= SCHEDULES; seed++) {
		srand(seed);
		for (int i = 0; i < NVM; i++)
			s2_vmid_vm_init(&vms[i]);
		init(f, 8, NCPU);
		uint64_t flushes = f->hm.tlbi_all;
		int rr = 0;

		for (int step = 0; step < STEPS; step++) {
			unsigned int cpu = (unsigned int)rand() % NCPU;
			int r = rand() % 100;
			int vm;

			if (r < 70)
				vm = rr++ % NVM; /* round-robin */
			else if (r < 85 &&
				 f->running_vm[(cpu + 1) % NCPU] != NONE)
				vm = f->running_vm[(cpu + 1) %
						   NCPU]; /* 2nd vCPU */
			else if (r < 95)
				vm = rand() % NVM;
			else
				vm = f->running_vm[cpu] == NONE
					 ? rand() % NVM
					 : f->running_vm[cpu];
			if (rand() % 4 == 0 && f->running_vm[cpu] != NONE)
				put(f, cpu);
			run(f, vms, vm, cpu);
			check_unique(f, vms, NVM);
			/* Running CPUs: same tag means same VM. */
			for (int c = 0; c < NCPU; c++)
				for (int d = c + 1; d < NCPU; d++)
					if (f->running_vm[c] != NONE &&
					    f->running_vm[d] != NONE &&
					    f->running_tag[c] ==
						f->running_tag[d])
						assert_int_equal(
						    f->running_vm[c],
						    f->running_vm[d]);
		}
		assert_int_equal(f->hm.tlbi_all - flushes,
				 s2_vmid_rollovers(&f->a));
		assert_true(s2_vmid_rollovers(&f->a) > 0);
		total_rollovers += s2_vmid_rollovers(&f->a);
	}
	print_message(
	    "vmid property: %d schedules x %d steps, %llu rollovers\n",
	    SCHEDULES, STEPS, (unsigned long long)total_rollovers);
	free(vms);
}

/*
 * s2_vmid_init() takes memory of any content: an allocator set up over
 * garbage hands out exactly what one set up over zeros does, through
 * rollovers, with CPU 1 never running (its slot is read at each rollover).
 */
static void vmid_init_over_garbage(void **state)
{
	struct fixture *f = *state;
	struct s2_vmid_alloc *clean = calloc(1, sizeof(*clean));
	struct s2_vmid_alloc *dirty = malloc(sizeof(*dirty));
	struct s2_vmid *vc = new_vms(600), *vd = new_vms(600);
	struct s2_host_mm hm2; /* its own monitor: VMIDs repeat across the two */

	assert_non_null(clean);
	assert_non_null(dirty);
	memset(dirty, 0xa5, sizeof(*dirty));
	s2_host_mm_init(&hm2, f->pm);
	/* Not narrowed: s2_vmid_narrow() clears the CPUs' slots again. */
	assert_int_equal(s2_vmid_init(clean, 8, 2, &f->hm.ops), 0);
	assert_int_equal(s2_vmid_init(dirty, 8, 2, &hm2.ops), 0);
	for (int i = 0; i < 600; i++) {
		uint16_t a = 0, b = 0;

		assert_int_equal(s2_vmid_update(clean, &vc[i], 0, &a), 0);
		assert_int_equal(s2_vmid_update(dirty, &vd[i], 0, &b), 0);
		assert_int_equal(a, b);
	}
	assert_true(s2_vmid_rollovers(clean) >= 2);
	assert_int_equal(s2_vmid_rollovers(dirty), s2_vmid_rollovers(clean));
	s2_host_mm_fini(&hm2);
	free(vc);
	free(vd);
	free(clean);
	free(dirty);
}

/*
 * With the most CPUs there are, a rollover reads and writes the slots of
 * those CPUs only: nothing past the allocator changes.
 */
static void vmid_rollover_stays_in_its_cpus(void **state)
{
	struct fixture *f = *state;
	struct guarded {
		struct s2_vmid_alloc a;
		uint64_t guard[16];
	} *g = malloc(sizeof(*g));
	struct s2_vmid *vms = new_vms(600);
	uint64_t want[16];

	assert_non_null(g);
	memset(g->guard, 0xa5, sizeof(g->guard));
	memcpy(want, g->guard, sizeof(want));
	assert_int_equal(s2_vmid_init(&g->a, 8, S2_VMID_MAX_CPUS, &f->hm.ops), 0);
	for (int i = 0; i < 600; i++) {
		uint16_t vmid = 0;

		assert_int_equal(s2_vmid_update(&g->a, &vms[i], (unsigned int)i % S2_VMID_MAX_CPUS,
						&vmid), 0);
		assert_int_not_equal(vmid, 0);
	}
	assert_true(s2_vmid_rollovers(&g->a) >= 2);
	assert_memory_equal(g->guard, want, sizeof(want));
	free(vms);
	free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	    T(vmid_init_validates_config),
	    T(vmid_vtcr_vs_matches_width),
	    T(vmid_narrowed_space_rolls_over),
	    T(vmid_first_is_one),
	    T(vmid_order_of_first_run),
	    T(vmid_update_rejects_bad_cpu),
	    T(vmid_exhaustion_starts_new_generation_once),
	    T(vmid_running_vms_keep_vmid_across_rollover),
	    T(vmid_cpu0_keeps_its_vm_across_rollover),
	    T(vmid_old_generation_vm_gets_new_vmid),
	    T(vmid_put_vcpu_not_reserved),
	    T(vmid_release_needs_put),
	    T(vmid_release_before_any_run),
	    T(vmid_rollover_with_cpus_put_frees_every_vmid),
	    T(vmid_16bit_rollovers_never_zero),
	    T(vmid_property_random_schedules),
	    T(vmid_init_over_garbage),
	    T(vmid_rollover_stays_in_its_cpus),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

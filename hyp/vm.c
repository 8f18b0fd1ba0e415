/* SPDX-License-Identifier: MIT */
/*
 * VMs on libs2mm tables, and the vCPU run loop.
 *
 * INTERIM: the stage-2 abort handler here is deliberately small (map the
 * faulting page if it lies in the guest's RAM, else stop the VM). The full
 * handler, with memslots, MMIO emulation and dirty logging, comes from the
 * library (issue 4) and replaces vm_interim_s2_abort().
 */
#include "vm.h"

#include <s2mm/error.h>
#include <s2mm/geometry.h>

/* Guest RAM at IPA 0x40000000, as on a virt machine; the guests link there. */
#define GUEST_RAM_IPA		0x40000000ULL

struct vm_config {
	const char *img;
	size_t img_size;
	uint64_t ram_size;  /* power of two: one naturally aligned block */
	uint64_t premap;    /* mapped before the first entry; rest on demand */
	uint64_t flags;     /* guest's x3: GUEST_F_* */
	bool aarch32;
};

/* SPSR_EL2 for an AArch64 guest: EL1h, DAIF masked (M[3:0] = 0b0101). */
#define SPSR_EL1H_DAIF		0x3c5ULL
/* SPSR_EL2 for an AArch32 guest: SVC mode (0x13), A32, AIF masked. */
#define SPSR_SVC32_AIF		0x1d3ULL
/* SCTLR_EL1 RES1 bits (11, 20, 22, 23, 28, 29): MMU, caches, checks off. */
#define SCTLR_EL1_RES1		0x30d00800ULL

extern char guest_memtest_start[], guest_memtest_end[];
#ifdef S2HYP_HAVE_A32
extern char guest_memtest32_start[], guest_memtest32_end[];
#endif

int vm_selftest(void)
{
	struct hyp_vm vm = { .vttbr = 0x42ULL << VTTBR_EL2_VMID_SHIFT | 0x2000 };
	const uint64_t outer = 0x17ULL << VTTBR_EL2_VMID_SHIFT | 0x4000;
	uint64_t saved = read_sysreg(vttbr_el2);
	int ret = 0;

	vm.pgt.owner = &vm;
	/* Another VM's VTTBR is current: the op must run under vm's and put
	 * the *old* one back (a helper that restores the new value fails). */
	write_sysreg(outer, vttbr_el2);
	isb();
	hyp_mm_ops.tlbi_ipa(hyp_mm_ops.ctx, &vm.pgt, GUEST_RAM_IPA, 3);
	if (hyp_mm_last_tlbi_vttbr != vm.vttbr || read_sysreg(vttbr_el2) != outer)
		ret = -1;
	hyp_mm_last_tlbi_vttbr = 0;
	hyp_mm_ops.tlbi_vmid(hyp_mm_ops.ctx, &vm.pgt);
	if (hyp_mm_last_tlbi_vttbr != vm.vttbr || read_sysreg(vttbr_el2) != outer)
		ret = -2;
	/* vm's own VTTBR current: stays. */
	write_sysreg(vm.vttbr, vttbr_el2);
	isb();
	hyp_mm_ops.tlbi_ipa(hyp_mm_ops.ctx, &vm.pgt, GUEST_RAM_IPA, 3);
	if (read_sysreg(vttbr_el2) != vm.vttbr)
		ret = -3;
	write_sysreg(saved, vttbr_el2);
	isb();
	return ret;
}

#ifdef S2HYP_HAVE_PGTABLE

static struct hyp_vm vms[HYP_MAX_CPUS];

static void dcache_clean_range(uint64_t va, uint64_t size)
{
	hyp_mm_ops.dcache_clean_poc(hyp_mm_ops.ctx, (void *)va, size);
}

static int vm_create(struct hyp_vm *vm, unsigned int id, uint16_t vmid,
		     const struct vm_config *cfg)
{
	struct s2_geom g;
	uint64_t ram_pa;
	int ret;

	ret = s2_geom_init(&g, 4096, 40, 40, S2_START_LEVEL_AUTO);
	if (ret)
		return ret;
	memset(vm, 0, sizeof(*vm));
	vm->id = id;
	ret = s2_pgtable_init(&vm->pgt, &g, &hyp_mm_ops, vm);
	if (ret)
		return ret;
	if (palloc_alloc(palloc_order(cfg->ram_size), &ram_pa)) {
		s2_pgtable_destroy(&vm->pgt);
		return -S2_ENOMEM;
	}
	vm->ram_ipa = GUEST_RAM_IPA;
	vm->ram_size = cfg->ram_size;
	vm->ram_pa = ram_pa;
	vm->vmid = vmid;
	vm->vttbr = s2_geom_vttbr(&g, vm->pgt.root_pa, vmid);
	/* 16-bit VMIDs only take effect with VTCR_EL2.VS (Arm ARM D8.14.1);
	 * without it the upper VMID byte is ignored and VMs would alias. */
	vm->vtcr = g.vtcr | (hyp_vmid_bits() == 16 ? VTCR_EL2_VS : 0);

	/* The guest runs with its MMU off (Non-cacheable): image to PoC,
	 * and no stale instructions (Arm ARM D7.5.9). */
	memset((void *)ram_pa, 0, cfg->premap);
	memcpy((void *)ram_pa, cfg->img, cfg->img_size);
	dcache_clean_range(ram_pa, cfg->premap);
	__asm__ volatile("ic ialluis; dsb ish; isb" ::: "memory");

	ret = s2_pgtable_map(&vm->pgt, GUEST_RAM_IPA, cfg->premap, ram_pa,
			     S2_PROT_RWX, 0);
	if (ret) {
		s2_pgtable_destroy(&vm->pgt);
		palloc_free(ram_pa, palloc_order(cfg->ram_size));
		return ret;
	}

	vm->regs.x[0] = GUEST_RAM_IPA;
	vm->regs.x[1] = cfg->ram_size;
	vm->regs.x[2] = cfg->premap;
	vm->regs.x[3] = cfg->flags;
	vm->regs.pc = GUEST_RAM_IPA;
	vm->regs.pstate = cfg->aarch32 ? SPSR_SVC32_AIF : SPSR_EL1H_DAIF;
	vm->aarch32 = cfg->aarch32;
	return 0;
}

static void vm_destroy(struct hyp_vm *vm)
{
	/* The VMID may be reused: nothing of this VM may stay in a TLB. */
	hyp_mm_ops.tlbi_vmid(hyp_mm_ops.ctx, &vm->pgt);
	s2_pgtable_destroy(&vm->pgt);
	palloc_free(vm->ram_pa, palloc_order(vm->ram_size));
}

static void vm_putc(struct hyp_vm *vm, char c)
{
	if (c != '\n')
		vm->line[vm->line_len++] = c;
	/* Flush on newline, or when full (the line continues on the next). */
	if (c == '\n' || vm->line_len == sizeof(vm->line) - 1) {
		vm->line[vm->line_len] = '\0';
		hyp_printf("[vm%u] %s\n", vm->id, vm->line);
		vm->line_len = 0;
	}
}

static void vm_hvc(struct hyp_vm *vm)
{
	uint64_t *x = vm->regs.x;

	/* An AArch32 guest's r0/r1 are x0/x1[31:0]; the top halves are
	 * UNKNOWN (Arm ARM D1.20.1), so ignore them. */
	if (vm->aarch32) {
		x[0] &= 0xffffffffULL;
		x[1] &= 0xffffffffULL;
	}
	vm->hvcs++;
	switch (x[0]) {
	case HC_EXIT:
		vm->done = true;
		vm->status = (int)x[1];
		break;
	case HC_PUTC:
		vm_putc(vm, (char)x[1]);
		x[0] = 0;
		break;
	case HC_YIELD:
		vm->yielded = true;
		x[0] = 0;
		break;
	case HC_NOP:
		x[0] = 0;
		break;
	default:
		x[0] = (uint64_t)-1;
		break;
	}
	/* ELR_EL2 already points after the HVC (preferred return address). */
}

/*
 * INTERIM stage-2 abort handler: a translation fault inside the guest's
 * RAM maps that page (zeroed first: the frame held someone else's data
 * before) and resumes; anything else stops the VM with a report.
 */
static void vm_interim_s2_abort(struct hyp_vm *vm, uint64_t esr)
{
	uint64_t far = read_sysreg(far_el2), hpfar = read_sysreg(hpfar_el2);
	uint64_t fsc = esr & ESR_ISS_DA_DFSC_MASK;
	/* HPFAR_EL2.FIPA = IPA[51:12], valid for translation faults (Arm ARM
	 * D19.2.58); the page offset comes from FAR_EL2. */
	uint64_t ipa = S2_FIELD_GET(HPFAR_EL2_FIPA, hpfar) << 12 | (far & 0xfff);
	uint64_t page = ipa & ~0xfffULL;

	if ((fsc & FSC_TYPE_MASK) == FSC_TRANSLATION && page >= vm->ram_ipa &&
	    page - vm->ram_ipa < vm->ram_size) {
		uint64_t pa = vm->ram_pa + (page - vm->ram_ipa);
		int ret;

		memset((void *)pa, 0, PAGE_SIZE);
		dcache_clean_range(pa, PAGE_SIZE);
		ret = s2_pgtable_map(&vm->pgt, page, PAGE_SIZE, pa, S2_PROT_RWX,
				     0);
		if (ret == 0) {
			vm->s2_faults++;
			return; /* resume: the access is retried */
		}
		hyp_printf("vm%u: s2_pgtable_map(%lx): %s\n", vm->id, page,
			   s2_strerror(ret));
	}
	hyp_printf("vm%u: stage-2 abort ESR %lx FAR %lx HPFAR %lx IPA %lx "
		   "at pc %lx\n", vm->id, esr, far, hpfar, ipa, vm->regs.pc);
	vm->done = true;
	vm->status = -1;
}

static void vm_load(const struct hyp_vm *vm)
{
	write_sysreg(vm->vtcr, vtcr_el2);
	write_sysreg(vm->vttbr, vttbr_el2);
	write_sysreg(SCTLR_EL1_RES1, sctlr_el1);
	write_sysreg((vm->aarch32 ? 0 : HCR_EL2_RW) | HCR_EL2_VM, hcr_el2);
	isb();
}

static void vm_put(void)
{
	write_sysreg(HCR_EL2_RW, hcr_el2);
	isb();
}

/* Run @vm's only vCPU until it exits or yields. */
static void vm_run_slice(struct hyp_vm *vm)
{
	vm_load(vm);
	vm->yielded = false;
	while (!vm->done && !vm->yielded) {
		unsigned int vec = hyp_guest_enter(&vm->regs);
		uint64_t esr = read_sysreg(esr_el2);

		vm->exits++;
		if (vec != (vm->aarch32 ? VEC_LOW32_SYNC : VEC_LOW64_SYNC)) {
			hyp_printf("vm%u: unexpected exception, vector %u\n",
				   vm->id, vec);
			hyp_dump_regs(&vm->regs);
			vm->done = true;
			vm->status = -1;
			break;
		}
		switch (S2_FIELD_GET(ESR_ELx_EC, esr)) {
		case ESR_ELx_EC_HVC64:
		case ESR_ELx_EC_HVC32:
			vm_hvc(vm);
			break;
		case ESR_ELx_EC_DABT_LOW:
		case ESR_ELx_EC_IABT_LOW:
			vm_interim_s2_abort(vm, esr);
			break;
		default:
			hyp_printf("vm%u: unhandled EC %lx, ESR %lx\n", vm->id,
				   (uint64_t)S2_FIELD_GET(ESR_ELx_EC, esr), esr);
			hyp_dump_regs(&vm->regs);
			vm->done = true;
			vm->status = -1;
			break;
		}
	}
	vm_put();
}

/* Run @vm until it exits. Return: its exit status. */
static int vm_run(struct hyp_vm *vm)
{
	while (!vm->done)
		vm_run_slice(vm);
	return vm->status;
}

int vm_scenario_guest(unsigned int cpu, bool aarch32)
{
	struct hyp_vm *vm = &vms[cpu];
	uint64_t t0;
	int ret;
	struct vm_config cfg = {
		.img = guest_memtest_start,
		.img_size = (size_t)(guest_memtest_end - guest_memtest_start),
		.ram_size = 4ULL << 20,
		.premap = 1ULL << 20,
	};

	if (aarch32) {
#ifdef S2HYP_HAVE_A32
		/* ID_AA64PFR0_EL1.EL1 == 2: EL1 can run AArch32. */
		if ((read_sysreg(id_aa64pfr0_el1) >> 4 & 0xf) != 2) {
			hyp_printf("cpu%u: EL1 is AArch64-only here\n", cpu);
			return -1;
		}
		cfg.img = guest_memtest32_start;
		cfg.img_size = (size_t)(guest_memtest32_end -
					guest_memtest32_start);
		cfg.aarch32 = true;
#else
		hyp_printf("cpu%u: built without AArch32 guests\n", cpu);
		return -1;
#endif
	}

	ret = vm_create(vm, cpu, (uint16_t)(cpu + 1), &cfg);
	if (ret) {
		hyp_printf("vm%u: create failed: %s\n", cpu, s2_strerror(ret));
		return ret;
	}
	t0 = cntvct();
	ret = vm_run(vm);
	t0 = cntvct() - t0;
	hyp_printf("vm%u: exit status %d after %lu exits (%lu HVC, %lu stage-2 "
		   "faults), %lu us, VMID %u, VTCR %lx\n", cpu, ret, vm->exits,
		   vm->hvcs, vm->s2_faults,
		   t0 * 1000000 / read_sysreg(cntfrq_el0), vm->vmid, vm->vtcr);
	vm_destroy(vm);
	return ret;
}

/*
 * Many guests, more than fit at once: every CPU keeps VM_SLOTS VMs resident
 * and switches between them whenever one yields (cooperative time slicing),
 * taking new guests from a shared counter until all have run. INTERIM VMIDs:
 * each (CPU, slot) owns one VMID and invalidates it when a new VM takes the
 * slot (vm_destroy); the libs2mm VMID allocator with rollover replaces this.
 */
#define VM_SLOTS 2

static struct hyp_vm many_vms[HYP_MAX_CPUS][VM_SLOTS];
static unsigned int many_next, many_failed, many_total;
static uint64_t many_faults, many_exits;

void vm_many_setup(unsigned int guests)
{
	many_total = guests;
}

int vm_scenario_many(unsigned int cpu)
{
	const struct vm_config cfg = {
		.img = guest_memtest_start,
		.img_size = (size_t)(guest_memtest_end - guest_memtest_start),
		.ram_size = 1ULL << 20,
		.premap = 256ULL << 10,
		.flags = GUEST_F_QUICK | GUEST_F_YIELD,
	};
	bool live[VM_SLOTS] = { false };
	unsigned int ran = 0, failed = 0, nlive = 0, slot = 0;
	uint64_t faults = 0, exits = 0;

	for (;;) {
		for (unsigned int i = 0; i < VM_SLOTS; i++) {
			unsigned int n;
			int ret;

			if (live[i])
				continue;
			n = __atomic_fetch_add(&many_next, 1, __ATOMIC_RELAXED);
			if (n >= many_total)
				break;
			ret = vm_create(&many_vms[cpu][i], n,
					(uint16_t)(1 + cpu * VM_SLOTS + i), &cfg);
			if (ret) {
				hyp_printf("vm%u: create failed: %s\n", n,
					   s2_strerror(ret));
				failed++;
				continue;
			}
			live[i] = true;
			nlive++;
		}
		if (!nlive)
			break;
		while (!live[slot])
			slot = (slot + 1) % VM_SLOTS;
		struct hyp_vm *vm = &many_vms[cpu][slot];

		vm_run_slice(vm);
		if (vm->done) {
			if (vm->status) {
				hyp_printf("vm%u: exit status %d\n", vm->id,
					   vm->status);
				failed++;
			}
			faults += vm->s2_faults;
			exits += vm->exits;
			vm_destroy(vm);
			live[slot] = false;
			nlive--;
			ran++;
		}
		slot = (slot + 1) % VM_SLOTS;
	}
	__atomic_add_fetch(&many_failed, failed, __ATOMIC_RELAXED);
	__atomic_add_fetch(&many_faults, faults, __ATOMIC_RELAXED);
	__atomic_add_fetch(&many_exits, exits, __ATOMIC_RELAXED);
	hyp_printf("cpu%u: ran %u guests, %u failed, %lu stage-2 faults, %lu "
		   "exits\n", cpu, ran, failed, faults, exits);
	return failed ? -1 : 0;
}

void vm_many_report(void)
{
	hyp_printf("many: %u guests, %u failed, %lu stage-2 faults, %lu exits\n",
		   many_total, many_failed, many_faults, many_exits);
}

#else /* !S2HYP_HAVE_PGTABLE */

void vm_many_setup(unsigned int guests)
{
	(void)guests;
}

int vm_scenario_many(unsigned int cpu)
{
	return vm_scenario_guest(cpu, false);
}

void vm_many_report(void)
{
}

int vm_scenario_guest(unsigned int cpu, bool aarch32)
{
	(void)aarch32;
	hyp_printf("cpu%u: built without src/pgtable.c: no guests\n", cpu);
	return -1;
}

#endif

/* SPDX-License-Identifier: MIT */
/*
 * VMs on libs2mm, and the vCPU run loop.
 *
 * Each VM is a struct s2_vm (stage-2 tables, memslots, VMID) plus one vCPU.
 * Guest RAM is a memslot backed by contiguous frames from the buddy
 * allocator; nothing is mapped up front: every stage-2 abort goes to
 * s2_vm_handle_abort(), which maps RAM, relaxes dirty-logged pages, or says
 * "MMIO" for IPAs outside every slot. MMIO on the console's data register
 * is emulated from the syndrome (ESR ISS: ISV, SAS, SRT, WnR); any other
 * MMIO, and what the library says to inject, becomes a synchronous
 * external abort in the guest (AArch64 guests; AArch32 guests are stopped).
 *
 * VMIDs come from the libs2mm allocator (s2_vmid_update) just before each
 * entry, with DAIF masked (s2hyp never unmasks at EL2); its rollover flush
 * is mm_ops.c's tlbi_all (TLBI ALLE1IS; IC IALLUIS; DSB ISH).
 */
#include "vm.h"

#include <s2mm/error.h>
#include <s2mm/geometry.h>
#include <s2mm/vmid.h>

/* SPSR_EL2 for an AArch64 guest: EL1h, DAIF masked (M[3:0] = 0b0101). */
#define SPSR_EL1H_DAIF		0x3c5ULL
#define SPSR_M_MASK		0xfULL
#define SPSR_M_EL1T		0x4ULL
/* SPSR_EL2 for an AArch32 guest: SVC mode (0x13), A32, AIF masked. */
#define SPSR_SVC32_AIF		0x1d3ULL
/* SCTLR_EL1 RES1 bits (11, 20, 22, 23, 28, 29): MMU, caches, checks off. */
#define SCTLR_EL1_RES1		0x30d00800ULL
/* Vector offsets from VBAR_EL1 (Arm ARM D1.10.2): synchronous exception
 * from the current EL with SP_EL0 / SP_ELx. */
#define VBAR_CUR_SP0_SYNC	0x000
#define VBAR_CUR_SPX_SYNC	0x200

#define SLOT_RAM		0
#define SLOT_LOG		1
#define SLOT_PROBE		2

/* A guest program and how to host it. */
struct guest_kind {
	const char *name;
	const char *img, *img_end;
	uint64_t ram_size;	/* power of two */
	uint64_t flags;		/* the guest's x3: GUEST_F_* */
	bool aarch32;
	bool pages;		/* RAM misaligned to 2 MiB: page faults only */
	bool log;		/* a dirty-logged slot at GUEST_LOG_IPA */
	bool probe;		/* the stale-TLB probe page */
	bool victims;		/* counted after checking the victims */
	bool preempt;		/* time-sliced by the EL2 timer, not HC_YIELD */
};

#define GUEST_IMG(n) extern char guest_##n##_start[], guest_##n##_end[];
GUEST_IMG(memtest)
GUEST_IMG(mmu)
GUEST_IMG(hostile)
GUEST_IMG(dirtylog)
GUEST_IMG(staletlb)
#ifdef S2HYP_HAVE_A32
GUEST_IMG(memtest32)
GUEST_IMG(mmu32)
GUEST_IMG(hostile32)
GUEST_IMG(dirtylog32)
GUEST_IMG(staletlb32)
#endif

#define IMG(n) .img = guest_##n##_start, .img_end = guest_##n##_end

static const struct guest_kind kinds[] = {
	{ "guest", IMG(memtest), 4ULL << 20, 0, false, true, false, false },
	{ "mmu", IMG(mmu), 4ULL << 20, 0, false, true, true, false },
	{ "hostile", IMG(hostile), 1ULL << 20, 0, false, false, false, false,
	  true },
	{ "dirtylog", IMG(dirtylog), 1ULL << 20, 0, false, false, true, false },
	{ "staletlb", IMG(staletlb), 1ULL << 20, 0, false, false, false, true },
	{ "many", IMG(memtest), 1ULL << 20, GUEST_F_QUICK | GUEST_F_YIELD,
	  false, false, false, false },
	{ "preempt", IMG(memtest), 1ULL << 20, GUEST_F_QUICK, false, false,
	  false, false, false, true },
#ifdef S2HYP_HAVE_A32
	{ "guest32", IMG(memtest32), 4ULL << 20, 0, true, true, false, false },
	{ "mmu32", IMG(mmu32), 4ULL << 20, 0, true, true, true, false },
	{ "hostile32", IMG(hostile32), 1ULL << 20, 0, true, false, false, false,
	  true },
	{ "dirtylog32", IMG(dirtylog32), 1ULL << 20, 0, true, false, true,
	  false },
	{ "staletlb32", IMG(staletlb32), 1ULL << 20, 0, true, false, false,
	  true },
#endif
};

static struct s2_vmid_alloc vmid_alloc;
static struct vm_options opts;
/* Guests that ended, for the "guests: N passed, N failed" line that
 * `s2mm hyp run` reads. */
static unsigned int guests_passed, guests_failed;

static void count_guest(bool ok)
{
	__atomic_add_fetch(ok ? &guests_passed : &guests_failed, 1,
			   __ATOMIC_RELAXED);
}
static uint64_t switch_ticks[HYP_MAX_CPUS], switches[HYP_MAX_CPUS];
static uint64_t switch_min[HYP_MAX_CPUS];
static uint64_t slice_ticks; /* preempt: the EL2 timer's slice */

/* ---- ops-table self-test ------------------------------------------------ */

int vm_selftest(void)
{
	static struct hyp_vm vm;
	const uint64_t outer = 0x17ULL << VTTBR_EL2_VMID_SHIFT | 0x4000;
	uint64_t saved = read_sysreg(vttbr_el2);
	int ret = 0;

	vm.vttbr = 0x42ULL << VTTBR_EL2_VMID_SHIFT | 0x2000;
	/* Another VM's VTTBR is current: the op must run under vm's and put
	 * the *old* one back (a helper that restores the new value fails). */
	write_sysreg(outer, vttbr_el2);
	isb();
	hyp_mm_ops.tlbi_ipa(hyp_mm_ops.ctx, &vm.mm.pgt, GUEST_RAM_IPA, 3);
	if (hyp_mm_last_tlbi_vttbr != vm.vttbr || read_sysreg(vttbr_el2) != outer)
		ret = -1;
	hyp_mm_last_tlbi_vttbr = 0;
	hyp_mm_ops.tlbi_vmid(hyp_mm_ops.ctx, &vm.mm.pgt);
	if (hyp_mm_last_tlbi_vttbr != vm.vttbr || read_sysreg(vttbr_el2) != outer)
		ret = -2;
	/* vm's own VTTBR current: stays. */
	write_sysreg(vm.vttbr, vttbr_el2);
	isb();
	hyp_mm_ops.tlbi_ipa(hyp_mm_ops.ctx, &vm.mm.pgt, GUEST_RAM_IPA, 3);
	if (read_sysreg(vttbr_el2) != vm.vttbr)
		ret = -3;
	write_sysreg(saved, vttbr_el2);
	isb();
	return ret;
}

#ifdef S2HYP_HAVE_PGTABLE

int vm_sys_init(const struct vm_options *opt)
{
	unsigned int hw = hyp_vmid_bits(), bits;
	int ret;

	opts = *opt;
	bits = opts.vmid_bits ? opts.vmid_bits : hw;
	if ((bits != 8 && bits != 16) || bits > hw) {
		hyp_printf("s2hyp: vmid-bits=%u not supported (CPU has %u)\n",
			   bits, hw);
		return -1;
	}
	ret = s2_vmid_init(&vmid_alloc, bits, hyp_ncpus, &hyp_mm_ops);
	if (ret) {
		hyp_printf("s2hyp: s2_vmid_init: %s\n", s2_strerror(ret));
		return -1;
	}
	slice_ticks = read_sysreg(cntfrq_el0) / 1000000 *
		      (opts.slice_us ? opts.slice_us : 1000);
	/* The first generation is not preceded by a rollover: start clean. */
	hyp_mm_ops.tlbi_all(hyp_mm_ops.ctx);
	hyp_printf("s2hyp: %u-bit VMIDs (CPU: %u), VTCR_EL2.VS=%u\n", bits, hw,
		   s2_vmid_vtcr_vs(&vmid_alloc) ? 1 : 0);
	return 0;
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

static void dcache_clean_range(uint64_t va, uint64_t size)
{
	hyp_mm_ops.dcache_clean_poc(hyp_mm_ops.ctx, (void *)va, size);
}

/*
 * Zero guest frames with DC ZVA (block size from DCZID_EL0; prohibited when
 * DZP is set, then a plain loop). Every frame a VM gets must be zeroed: it
 * held another VM's data before (the hostile test checks this).
 */
static void zero_frames(uint64_t pa, uint64_t size)
{
	uint64_t dczid = read_sysreg(dczid_el0);

	if (dczid & (1 << 4)) {
		memset((void *)pa, 0, size);
		return;
	}
	for (uint64_t bs = 4ULL << (dczid & 0xf), p = pa; p < pa + size; p += bs)
		__asm__ volatile("dc zva, %0" : : "r"(p) : "memory");
	dsb(ish);
}

static void fill_frames(uint64_t pa, uint64_t size, uint64_t word)
{
	for (uint64_t *p = (uint64_t *)pa; p < (uint64_t *)(pa + size); p++)
		*p = word;
}

static int vm_slot(struct hyp_vm *vm, uint32_t id, uint64_t ipa, uint64_t size,
		   uint64_t pa)
{
	const struct s2_memslot s = { .id = id, .ipa = ipa, .size = size,
				      .pa = pa };

	return s2_vm_slot_add(&vm->mm, &s);
}

static void vm_free_frames(struct hyp_vm *vm)
{
	if (vm->ram_alloc_pa)
		palloc_free(vm->ram_alloc_pa, vm->ram_order);
	if (vm->log_pa)
		palloc_free(vm->log_pa, palloc_order(GUEST_LOG_SIZE));
	for (unsigned int i = 0; i < 2; i++)
		if (vm->probe_pa[i])
			palloc_free(vm->probe_pa[i], 0);
}

static int vm_create(struct hyp_vm *vm, unsigned int id,
		     const struct guest_kind *k)
{
	uint64_t img_size = (uint64_t)(k->img_end - k->img);
	struct s2_geom g;
	int ret;

	/* The classic layout: 4K granule, 40-bit IPA, 2 concatenated
	 * level-1 tables (DESIGN.md). */
	ret = s2_geom_init(&g, 4096, 40, 40, S2_START_LEVEL_AUTO);
	if (ret)
		return ret;
	memset(vm, 0, sizeof(*vm));
	vm->id = id;
	vm->kind = k;
	ret = s2_vm_init(&vm->mm, &g, &hyp_mm_ops);
	if (ret)
		return ret;
	/* "pages": allocate twice the RAM and start 4K in, so no 2 MiB block
	 * can line up and every page takes its own fault (measurements). */
	vm->ram_order = palloc_order(k->ram_size) + (k->pages ? 1 : 0);
	ret = -S2_ENOMEM;
	if (palloc_alloc(vm->ram_order, &vm->ram_alloc_pa))
		goto fail;
	vm->ram_pa = vm->ram_alloc_pa + (k->pages ? PAGE_SIZE : 0);
	zero_frames(vm->ram_pa, k->ram_size);
	/* The guest starts with its MMU off (Non-cacheable): image to the
	 * PoC, and no stale instructions (Arm ARM D7.5.9). */
	memcpy((void *)vm->ram_pa, k->img, img_size);
	dcache_clean_range(vm->ram_pa, k->ram_size);
	__asm__ volatile("ic ialluis; dsb ish; isb" ::: "memory");
	ret = vm_slot(vm, SLOT_RAM, GUEST_RAM_IPA, k->ram_size, vm->ram_pa);
	if (ret)
		goto fail;
	if (k->log) {
		ret = -S2_ENOMEM;
		if (palloc_alloc(palloc_order(GUEST_LOG_SIZE), &vm->log_pa))
			goto fail;
		zero_frames(vm->log_pa, GUEST_LOG_SIZE);
		ret = vm_slot(vm, SLOT_LOG, GUEST_LOG_IPA, GUEST_LOG_SIZE,
			      vm->log_pa);
		if (ret)
			goto fail;
	}
	if (k->probe) {
		for (unsigned int i = 0; i < 2; i++) {
			ret = -S2_ENOMEM;
			if (palloc_alloc(0, &vm->probe_pa[i]))
				goto fail;
			fill_frames(vm->probe_pa[i], PAGE_SIZE,
				    i ? 0xbbbbbbbbbbbbbbbbULL
				      : 0xaaaaaaaaaaaaaaaaULL);
			dcache_clean_range(vm->probe_pa[i], PAGE_SIZE);
		}
		ret = vm_slot(vm, SLOT_PROBE, GUEST_PROBE_IPA, PAGE_SIZE,
			      vm->probe_pa[0]);
		if (ret)
			goto fail;
	}
	/* 16-bit VMIDs only take effect with VTCR_EL2.VS (Arm ARM D8.14.1);
	 * without it the upper VMID byte is ignored and VMs would alias. */
	vm->vtcr = g.vtcr | s2_vmid_vtcr_vs(&vmid_alloc);
	vm->regs.x[0] = GUEST_RAM_IPA;
	vm->regs.x[1] = k->ram_size;
	vm->regs.x[2] = 0; /* nothing mapped up front */
	vm->regs.x[3] = k->flags;
	vm->regs.pc = GUEST_RAM_IPA;
	vm->regs.pstate = k->aarch32 ? SPSR_SVC32_AIF : SPSR_EL1H_DAIF;
	vm->el1.sctlr = SCTLR_EL1_RES1;
	return 0;
fail:
	s2_vm_destroy(&vm->mm);
	vm_free_frames(vm);
	return ret;
}

static void vm_destroy(struct hyp_vm *vm)
{
	int ret = s2_vmid_release(&vmid_alloc, &vm->mm.vmid);

	/* No TLBI: the VMID stays used until the next rollover, whose
	 * broadcast flush removes this VM's entries (vmid.h). */
	if (ret)
		hyp_panic("vm%u: s2_vmid_release: %s", vm->id, s2_strerror(ret));
	s2_vm_destroy(&vm->mm);
	vm_free_frames(vm);
}

static void vm_stop(struct hyp_vm *vm, int status)
{
	vm->done = true;
	vm->status = status;
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

/* AArch32 CPSR / SCTLR bits for taking an exception (Arm ARM G1.12.3). */
#define PSR_AA32_MODE_ABT	0x17ULL
#define PSR_AA32_MODE_MASK	0x1fULL
#define PSR_AA32_T		(1ULL << 5)
#define PSR_AA32_I		(1ULL << 7)
#define PSR_AA32_A		(1ULL << 8)
#define PSR_AA32_E		(1ULL << 9)
#define PSR_AA32_IT_MASK	(0x3ULL << 25 | 0x3fULL << 10)
#define PSR_AA32_J		(1ULL << 24)
#define SCTLR_AA32_V		(1ULL << 13)
#define SCTLR_AA32_EE		(1ULL << 25)
#define SCTLR_AA32_TE		(1ULL << 30)
#define DFSR_LPAE		(1ULL << 9)
#define DFSR_WNR		(1ULL << 11)
#define DFSR_SEA_LONG		0x10ULL	/* long-descriptor STATUS */
#define DFSR_SEA_SHORT		0x08ULL	/* short-descriptor FS */
#define A32_VECTOR_DABT		0x10
#define A32_LR_ABT		20	/* LR_abt is X20 (Arm ARM D1.20.1) */

/*
 * A Data Abort into an AArch32 guest, as the hardware takes it (Arm ARM
 * G1.12.3, AArch32.TakeDataAbortException): SPSR_abt = CPSR, LR_abt = the
 * faulting instruction + 8, Abort mode with A and I masked, T and E from
 * SCTLR, PC = vector base + 0x10; DFSR (ESR_EL1[31:0]) in the format
 * TTBCR.EAE selects, DFAR (FAR_EL1[31:0]).
 *
 * QEMU 7.2 deviation: an ERET from EL2 straight into Abort mode leaves the
 * AArch32 view of SPSR_abt stale (the ERET writes CPSR raw, without the
 * mode switch that loads the banked SPSR), so a handler's SUBS PC, LR
 * restores a wrong CPSR; hostile.c's AArch32 handler returns without
 * reading SPSR_abt.
 */
static void vm_inject_dabt32(struct hyp_vm *vm, uint64_t esr, uint64_t far)
{
	uint64_t sctlr = read_sysreg(sctlr_el1), cpsr = vm->regs.pstate;
	uint64_t fsr = (read_sysreg(tcr_el1) & TTBCR_EAE) ?
		       DFSR_LPAE | DFSR_SEA_LONG : DFSR_SEA_SHORT;

	if (esr & ESR_ISS_DA_WnR)
		fsr |= DFSR_WNR;
	write_sysreg(cpsr, spsr_abt);
	vm->regs.x[A32_LR_ABT] = (vm->regs.pc + 8) & 0xffffffffULL;
	write_sysreg(fsr, esr_el1);
	write_sysreg((read_sysreg(far_el1) & ~0xffffffffULL) |
		     (far & 0xffffffffULL), far_el1);
	cpsr &= ~(PSR_AA32_MODE_MASK | PSR_AA32_T | PSR_AA32_E |
		  PSR_AA32_IT_MASK | PSR_AA32_J);
	cpsr |= PSR_AA32_MODE_ABT | PSR_AA32_A | PSR_AA32_I;
	if (sctlr & SCTLR_AA32_TE)
		cpsr |= PSR_AA32_T;
	if (sctlr & SCTLR_AA32_EE)
		cpsr |= PSR_AA32_E;
	vm->regs.pstate = cpsr;
	vm->regs.pc = ((sctlr & SCTLR_AA32_V) ? 0xffff0000ULL
		       : read_sysreg(vbar_el1) & 0xffffffe0ULL) + A32_VECTOR_DABT;
	vm->injected++;
}

/*
 * Inject a synchronous external abort into the guest at EL1, as the
 * hardware would take it (Arm ARM D1.10): for AArch64, ESR/FAR/ELR/SPSR_EL1
 * written, PSTATE to EL1h with DAIF masked, PC to the vector. The vCPU's
 * EL1 registers are live on this CPU while it runs (vm_load).
 */
static void vm_inject_abort(struct hyp_vm *vm, uint64_t esr, uint64_t far)
{
	uint64_t from = vm->regs.pstate & SPSR_M_MASK;
	uint64_t ec = S2_FIELD_GET(ESR_ELx_EC, esr);

	if (vm->kind->aarch32 && ec == ESR_ELx_EC_DABT_CUR) {
		vm_inject_dabt32(vm, esr, far);
		return;
	}
	if (vm->kind->aarch32 ||
	    (from != SPSR_M_EL1T && from != (SPSR_EL1H_DAIF & SPSR_M_MASK))) {
		hyp_printf("vm%u: abort at %lx to inject, ESR %lx: guest "
			   "stopped\n", vm->id, far, esr);
		vm_stop(vm, -1);
		return;
	}
	write_sysreg(esr, esr_el1);
	write_sysreg(far, far_el1);
	write_sysreg(vm->regs.pc, elr_el1);
	write_sysreg(vm->regs.pstate, spsr_el1);
	vm->regs.pc = read_sysreg(vbar_el1) + (from == SPSR_M_EL1T ?
					       VBAR_CUR_SP0_SYNC :
					       VBAR_CUR_SPX_SYNC);
	vm->regs.pstate = SPSR_EL1H_DAIF;
	vm->injected++;
}

/* Skip the instruction that trapped: 4 bytes, or 2 for a 16-bit T32 one
 * (ESR_EL2.IL, Arm ARM D17.2.37). */
static void vm_skip(struct hyp_vm *vm, uint64_t esr)
{
	vm->regs.pc += (esr & ESR_ELx_IL) ? 4 : 2;
}

/* The console device: PL011's data register (writes print) and flag
 * register (reads 0: transmit FIFO never full). */
static bool vm_mmio_console(struct hyp_vm *vm, const struct s2_mmio *m,
			    uint64_t *val)
{
	uint64_t off = m->ipa - GUEST_UART_IPA;

	if (m->ipa < GUEST_UART_IPA || off >= PAGE_SIZE)
		return false;
	if (m->write && off == 0)
		vm_putc(vm, (char)m->value);
	*val = 0;
	return true;
}

/*
 * HPFAR_EL2 for this abort. It is UNKNOWN for a permission fault that is
 * not on a stage-1 walk (Arm ARM D19.2.58), so there, as KVM does, the
 * guest's own stage 1 (still loaded) translates FAR_EL2 with AT S1E1R; the
 * guest's PAR_EL1 is put back. Return: false when AT faults (a stage-1
 * entry changed under us, or a table page left stage 2): retry the guest.
 */
static bool vm_fault_hpfar(struct hyp_vm *vm, uint64_t esr, uint64_t far,
			   uint64_t *hpfar)
{
	uint64_t par, saved;

	if ((esr & ESR_ISS_DA_DFSC_MASK & FSC_TYPE_MASK) != FSC_PERMISSION ||
	    (esr & ESR_ISS_DA_S1PTW)) {
		*hpfar = read_sysreg(hpfar_el2);
		return true;
	}
	saved = read_sysreg(par_el1);
	__asm__ volatile("at s1e1r, %0" : : "r"(far) : "memory");
	isb();
	par = read_sysreg(par_el1);
	write_sysreg(saved, par_el1);
	if (par & PAR_EL1_F)
		return false;
	*hpfar = S2_FIELD_PREP(HPFAR_EL2_FIPA, S2_FIELD_GET(PAR_EL1_PA, par));
	vm->at_resolved++;
	return true;
}

static void vm_dabt(struct hyp_vm *vm, uint64_t esr)
{
	struct s2_abort abt = {
		.esr = esr, .far = read_sysreg(far_el2), .regs = vm->regs.x,
	};
	struct s2_exit ex;
	uint64_t val;
	int ret;

	if (!vm_fault_hpfar(vm, esr, abt.far, &abt.hpfar))
		return; /* the guest takes the fault again */
	ret = s2_vm_handle_abort(&vm->mm, &abt, &ex);
	if (ret) {
		hyp_printf("vm%u: s2_vm_handle_abort(ESR %lx, IPA %lx): %s\n",
			   vm->id, esr, ex.ipa, s2_strerror(ret));
		vm_stop(vm, -1);
		return;
	}
	switch (ex.reason) {
	case S2_EXIT_RESUME:
	case S2_EXIT_RETRY:
		return; /* the instruction is retried */
	case S2_EXIT_MMIO:
		vm->mmio++;
		if (!vm_mmio_console(vm, &ex.mmio, &val)) {
			/* Nothing there: the guest sees an external abort. */
			vm_inject_abort(vm, ESR_ELx_EC_DABT_CUR <<
						ESR_ELx_EC_SHIFT | ESR_ELx_IL |
					(esr & ESR_ISS_DA_WnR) | FSC_SEA,
					abt.far);
			return;
		}
		if (!ex.mmio.write && ex.mmio.reg != 31)
			vm->regs.x[ex.mmio.reg] =
				s2_mmio_load_value(&ex.mmio, val);
		vm_skip(vm, esr);
		return;
	case S2_EXIT_CANNOT_EMULATE:
		hyp_printf("vm%u: MMIO at %lx without a syndrome (ESR %lx)\n",
			   vm->id, ex.ipa, esr);
		vm_inject_abort(vm, ESR_ELx_EC_DABT_CUR << ESR_ELx_EC_SHIFT |
				ESR_ELx_IL | FSC_SEA, abt.far);
		return;
	case S2_EXIT_INJECT:
		vm_inject_abort(vm, ex.inject_esr, abt.far);
		return;
	}
}

/* ---- hypercalls --------------------------------------------------------- */

/* HC_DIRTY: round 0 starts logging the log slot; round r > 0 fetches and
 * clears the log and compares it with what the guest was told to write
 * (DIRTY_WANT). Return: the number of pages that differ. */
static uint64_t hc_dirty(struct hyp_vm *vm, uint64_t round)
{
	uint64_t got[ARRAY_SIZE(vm->dirty_bitmap)], diff = 0, ndirty = 0;
	int ret;

	if (!vm->kind->log)
		return (uint64_t)-1;
	if (round == 0) {
		ret = s2_vm_dirty_log_enable(&vm->mm, SLOT_LOG, vm->dirty_bitmap,
					     ARRAY_SIZE(vm->dirty_bitmap));
		if (ret)
			hyp_printf("vm%u: dirty_log_enable: %s\n", vm->id,
				   s2_strerror(ret));
		return ret ? (uint64_t)-1 : 0;
	}
	ret = s2_vm_dirty_log_get_clear(&vm->mm, SLOT_LOG, got, ARRAY_SIZE(got));
	if (ret) {
		hyp_printf("vm%u: dirty_log_get_clear: %s\n", vm->id,
			   s2_strerror(ret));
		return (uint64_t)-1;
	}
	for (uint32_t p = 0; p < GUEST_LOG_SIZE / PAGE_SIZE; p++) {
		bool dirty = got[p / 64] >> (p % 64) & 1;

		ndirty += dirty;
		if (dirty != (bool)DIRTY_WANT(round, p))
			diff++;
	}
	hyp_printf("vm%u: dirty log round %lu: %lu pages dirty, %lu differ "
		   "from the guest's writes\n", vm->id, round, ndirty, diff);
	return diff;
}

/* Rewrite the probe page's leaf to the other frame, with no TLBI: what a
 * buggy hypervisor would do. */
struct remap_arg {
	uint64_t pa;
};

static int remap_leaf(const struct s2_walk_ctx *ctx, enum s2_walk_flags visit)
{
	const struct s2_geom *g = &ctx->pgt->geom;
	const struct remap_arg *a = ctx->arg;
	uint64_t old = ctx->old;

	(void)visit;
	if (!(old & DESC_VALID))
		return -S2_ENOENT;
	*(volatile uint64_t *)ctx->ptep = old - s2_geom_oa_to_desc(g,
		s2_geom_desc_to_oa(g, old)) + s2_geom_oa_to_desc(g, a->pa);
	dcache_clean_range((uint64_t)ctx->ptep, 8);
	return 0;
}

/* HC_REMAP: see hypercall.h. Return: the first word of the frame the
 * probe page maps now (what a fresh translation reads). */
static uint64_t hc_remap(struct hyp_vm *vm, uint64_t mode)
{
	const struct s2_mm_ops *ops = &hyp_mm_ops;
	struct remap_arg a;
	struct s2_walker w = { .cb = remap_leaf, .arg = &a,
			       .flags = S2_WALK_LEAF };
	int ret;

	if (!vm->kind->probe)
		return (uint64_t)-1;
	if (mode == REMAP_SYNC) {
		ops->tlbi_vmid(ops->ctx, &vm->mm.pgt);
		return *(uint64_t *)vm->probe_pa[vm->probe_cur];
	}
	a.pa = vm->probe_pa[!vm->probe_cur];
	ret = s2_pgtable_walk(&vm->mm.pgt, GUEST_PROBE_IPA, PAGE_SIZE, &w);
	if (ret) {
		hyp_printf("vm%u: remap: %s\n", vm->id, s2_strerror(ret));
		return (uint64_t)-1;
	}
	vm->probe_cur = !vm->probe_cur;
	dsb(ishst);
	switch (mode) {
	case REMAP_IPAS2:
		/* Stage-2-only entries by IPA; combined S1+S2 entries stay. */
		write_sysreg(vm->vttbr, vttbr_el2);
		isb();
		__asm__ volatile("tlbi ipas2e1is, %0" : :
				 "r"(GUEST_PROBE_IPA >> 12) : "memory");
		dsb(ish);
		isb();
		break;
	case REMAP_IPAS2_VMALLE1:
		ops->tlbi_ipa(ops->ctx, &vm->mm.pgt, GUEST_PROBE_IPA, 3);
		break;
	case REMAP_VMALLS12:
		ops->tlbi_vmid(ops->ctx, &vm->mm.pgt);
		break;
	default:
		break;
	}
	return *(uint64_t *)vm->probe_pa[vm->probe_cur];
}

static void vm_hvc(struct hyp_vm *vm)
{
	uint64_t *x = vm->regs.x;
	int ret;

	/* An AArch32 guest's r0..r2 are x0..x2[31:0]; the top halves are
	 * UNKNOWN (Arm ARM D1.20.1), so ignore them. */
	if (vm->kind->aarch32) {
		x[0] &= 0xffffffffULL;
		x[1] &= 0xffffffffULL;
		x[2] &= 0xffffffffULL;
	}
	vm->hvcs++;
	switch (x[0]) {
	case HC_EXIT:
		vm_stop(vm, (int)x[1]);
		if (x[1])
			hyp_dump_regs(&vm->regs);
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
	case HC_UNMAP:
		ret = s2_vm_unmap(&vm->mm, x[1], x[2]);
		if (ret)
			hyp_printf("vm%u: unmap %lx+%lx: %s\n", vm->id, x[1],
				   x[2], s2_strerror(ret));
		x[0] = (uint64_t)(int64_t)ret;
		break;
	case HC_DIRTY:
		x[0] = hc_dirty(vm, x[1]);
		break;
	case HC_REMAP:
		x[0] = hc_remap(vm, x[1]);
		break;
	case HC_STATS:
		x[0] = x[1] == STAT_S1PTW ? vm->mm.stats.s1ptw
		       : x[1] == STAT_MMIO ? vm->mmio : (uint64_t)-1;
		break;
	default:
		x[0] = (uint64_t)-1;
		break;
	}
	/* ELR_EL2 already points after the HVC (preferred return address). */
}

/* ---- entry and exit ----------------------------------------------------- */

/*
 * The EL1 registers a vCPU owns (struct hyp_el1_ctx) as X(field, register):
 * one list that vm_put() saves and vm_load() restores, in this order, so
 * the two cannot drift apart. On load, the LAZY group is written only where
 * the CPU holds another value, the EAGER one always.
 */
#define EL1_CTX_LAZY(X)							\
	X(sctlr, sctlr_el1) X(tcr, tcr_el1) X(ttbr0, ttbr0_el1)		\
	X(ttbr1, ttbr1_el1) X(mair, mair_el1) X(vbar, vbar_el1)		\
	X(contextidr, contextidr_el1)
#define EL1_CTX_EAGER(X)						\
	X(elr, elr_el1) X(spsr, spsr_el1) X(esr, esr_el1)		\
	X(far, far_el1) X(sp_el0, sp_el0) X(tpidr, tpidr_el1)
/* AArch32 EL1 only: DACR and the banked SPSRs. */
#define EL1_CTX_AARCH32(X)						\
	X(dacr32, dacr32_el2) X(spsr_abt, spsr_abt) X(spsr_und, spsr_und) \
	X(spsr_irq, spsr_irq) X(spsr_fiq, spsr_fiq)

/* The X()s, on the struct hyp_el1_ctx *c in scope. */
#define EL1_SAVE(f, r)		c->f = read_sysreg(r);
#define EL1_LOAD(f, r)		write_sysreg(c->f, r);
#define EL1_LOAD_CHANGED(f, r) do {					\
	if (read_sysreg(r) != c->f)					\
		write_sysreg(c->f, r);					\
} while (0);

static void vm_load(struct hyp_vm *vm, unsigned int cpu)
{
	const struct hyp_el1_ctx *c = &vm->el1;
	uint64_t t0 = cntvct();
	uint16_t vmid;
	int ret;

	/* DAIF is masked at EL2 throughout, as s2_vmid_update() requires. */
	ret = s2_vmid_update(&vmid_alloc, &vm->mm.vmid, cpu, &vmid);
	if (ret)
		hyp_panic("s2_vmid_update: %s", s2_strerror(ret));
	if (vmid != vm->vmid)
		vm->vmid_changes++;
	vm->vmid = vmid;
	vm->vttbr = s2_vm_vttbr(&vm->mm, vmid);
	write_sysreg(vm->vtcr, vtcr_el2);
	write_sysreg(vm->vttbr, vttbr_el2);
	EL1_CTX_LAZY(EL1_LOAD_CHANGED)
	EL1_CTX_EAGER(EL1_LOAD)
	if (vm->kind->aarch32) {
		EL1_CTX_AARCH32(EL1_LOAD)
	}
	/* IMO: physical IRQs (the slice timer) go to EL2 while it runs. */
	write_sysreg((vm->kind->aarch32 ? 0 : HCR_EL2_RW) | HCR_EL2_VM |
		     (vm->kind->preempt ? HCR_EL2_IMO : 0), hcr_el2);
	isb();
	t0 = cntvct() - t0;
	switch_ticks[cpu] += t0;
	if (!switches[cpu]++ || t0 < switch_min[cpu])
		switch_min[cpu] = t0;
}

static void vm_put(struct hyp_vm *vm, unsigned int cpu)
{
	struct hyp_el1_ctx *c = &vm->el1;

	EL1_CTX_LAZY(EL1_SAVE)
	EL1_CTX_EAGER(EL1_SAVE)
	if (vm->kind->aarch32) {
		EL1_CTX_AARCH32(EL1_SAVE)
	}
	write_sysreg(HCR_EL2_RW, hcr_el2);
	isb();
	s2_vmid_clear_active(&vmid_alloc, cpu);
}

/* Run @vm's only vCPU on @cpu until it exits or yields. */
static void vm_run_slice(struct hyp_vm *vm, unsigned int cpu)
{
	const bool a32 = vm->kind->aarch32;

	vm_load(vm, cpu);
	vm->yielded = false;
	if (vm->kind->preempt)
		hyp_timer_arm(slice_ticks);
	while (!vm->done && !vm->yielded) {
		unsigned int vec = hyp_guest_enter(&vm->regs);
		uint64_t esr = read_sysreg(esr_el2);
		int irq;

		vm->exits++;
		if (vec == (a32 ? VEC_LOW32_IRQ : VEC_LOW64_IRQ)) {
			irq = gic_ack_timer();
			if (irq == 1) {
				/* The slice is over: next VM. */
				vm->yielded = true;
				vm->preemptions++;
			} else if (irq < 0) {
				hyp_printf("vm%u: unexpected IRQ %d\n", vm->id,
					   -irq - 1);
			}
			continue;
		}
		if (vec != (a32 ? VEC_LOW32_SYNC : VEC_LOW64_SYNC)) {
			hyp_printf("vm%u: unexpected exception, vector %u\n",
				   vm->id, vec);
			hyp_dump_regs(&vm->regs);
			vm_stop(vm, -1);
			break;
		}
		switch (S2_FIELD_GET(ESR_ELx_EC, esr)) {
		case ESR_ELx_EC_HVC64:
		case ESR_ELx_EC_HVC32:
			vm_hvc(vm);
			break;
		case ESR_ELx_EC_DABT_LOW:
		case ESR_ELx_EC_IABT_LOW:
			vm_dabt(vm, esr);
			break;
		default:
			hyp_printf("vm%u: unhandled EC %lx, ESR %lx\n", vm->id,
				   (uint64_t)S2_FIELD_GET(ESR_ELx_EC, esr), esr);
			hyp_dump_regs(&vm->regs);
			vm_stop(vm, -1);
			break;
		}
	}
	if (vm->kind->preempt)
		hyp_timer_stop();
	vm_put(vm, cpu);
}

static void vm_report(const struct hyp_vm *vm, uint64_t ticks)
{
	const struct s2_vm_stats *s = &vm->mm.stats;

	hyp_printf("vm%u: exit status %d after %lu exits (%lu HVC, %lu MMIO, "
		   "%lu injected; stage-2: %lu translation, %lu permission, "
		   "%lu access-flag, %lu s1ptw, %lu IPA by AT; %lu block + %lu "
		   "page maps), %lu us, VMID %u, VTCR %lx\n", vm->id, vm->status,
		   vm->exits, vm->hvcs, vm->mmio, vm->injected, s->translation,
		   s->permission, s->access_flag, s->s1ptw, vm->at_resolved,
		   s->block_maps,
		   s->page_maps, ticks * 1000000 / read_sysreg(cntfrq_el0),
		   vm->vmid, vm->vtcr);
}

/* ---- scenarios ---------------------------------------------------------- */

static struct hyp_vm vms[HYP_MAX_CPUS];

/* One VM of @k on @cpu, run to completion. */
static int scenario_one(const struct guest_kind *k, unsigned int cpu)
{
	struct hyp_vm *vm = &vms[cpu];
	uint64_t t0;
	int ret;

	if (k->aarch32 && (read_sysreg(id_aa64pfr0_el1) >> 4 & 0xf) != 2) {
		/* ID_AA64PFR0_EL1.EL1 == 2: EL1 can run AArch32. */
		hyp_printf("cpu%u: EL1 is AArch64-only here\n", cpu);
		return -1;
	}
	ret = vm_create(vm, cpu, k);
	if (ret) {
		hyp_printf("vm%u: create failed: %s\n", cpu, s2_strerror(ret));
		return ret;
	}
	t0 = cntvct();
	while (!vm->done)
		vm_run_slice(vm, cpu);
	vm_report(vm, cntvct() - t0);
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

		ret = vm_create(v, 100 + i, kind_find("guest"));
		if (ret)
			return ret;
		fill_frames(v->ram_pa, v->kind->ram_size, GUEST_MARKER);
		dcache_clean_range(v->ram_pa, v->kind->ram_size);
		ret = s2_pgtable_map(&v->mm.pgt, GUEST_RAM_IPA,
				     v->kind->ram_size, v->ram_pa, S2_PROT_RWX,
				     0);
		if (ret)
			return ret;
	}
	ret = scenario_one(k, cpu);
	for (unsigned int i = 0; i < VICTIMS; i++) {
		struct hyp_vm *v = &victims[i];
		uint64_t changed = 0;

		for (uint64_t *p = (uint64_t *)v->ram_pa;
		     p < (uint64_t *)(v->ram_pa + v->kind->ram_size); p++)
			changed += *p != GUEST_MARKER;
		hyp_printf("victim vm%u: %lu words of %lu MiB changed\n", v->id,
			   changed, v->kind->ram_size >> 20);
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
static uint64_t many_faults, many_exits, many_vmid_changes, many_preempt;

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
			ret = vm_create(&many_vms[cpu][i], n, k);
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

		vm_run_slice(vm, cpu);
		if (vm->done) {
			if (vm->status) {
				hyp_printf("vm%u: exit status %d\n", vm->id,
					   vm->status);
				failed++;
			}
			count_guest(vm->status == 0);
			faults += vm->mm.stats.translation +
				  vm->mm.stats.permission +
				  vm->mm.stats.access_flag;
			exits += vm->exits;
			changes += vm->vmid_changes;
			preempt += vm->preemptions;
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
	__atomic_add_fetch(&many_vmid_changes, changes, __ATOMIC_RELAXED);
	__atomic_add_fetch(&many_preempt, preempt, __ATOMIC_RELAXED);
	hyp_printf("cpu%u: ran %u guests, %u failed, %lu stage-2 aborts, %lu "
		   "exits\n", cpu, ran, failed, faults, exits);
	return failed ? -1 : 0;
}

int vm_scenario_run(const char *name, unsigned int cpu)
{
	const struct guest_kind *k = kind_find(name);

	if (!k)
		return -1;
	if (k == kind_find("many") || k->preempt)
		return scenario_many(k, cpu);
	if (k->victims)
		return scenario_hostile(k, cpu);
	return scenario_one(k, cpu);
}

int vm_scenario_report(const char *name)
{
	unsigned int total = opts.guests ? opts.guests : 64;
	uint64_t ticks = 0, n = 0, min = ~0ULL, ns = 1000000000 /
		 read_sysreg(cntfrq_el0);
	int bad = 0;

	for (unsigned int i = 0; i < hyp_ncpus; i++) {
		ticks += switch_ticks[i];
		n += switches[i];
		if (switches[i] && switch_min[i] < min)
			min = switch_min[i];
	}

	if (strncmp(name, "many", 5) == 0 || strncmp(name, "preempt", 8) == 0) {
		hyp_printf("many: %u guests, %u failed, %lu stage-2 aborts, %lu "
			   "exits, %lu timer preemptions (%s slicing)\n", total,
			   many_failed, many_faults, many_exits, many_preempt,
			   name[0] == 'p' ? "preemptive" : "cooperative");
		bad = many_ran != total;
	}
	hyp_printf("guests: %u passed, %u failed\n", guests_passed,
		   guests_failed);
	/* Counter ticks are 16 ns at QEMU's 62.5 MHz: the minimum is coarse,
	 * the mean includes rollover flushes and first-run translation. */
	hyp_printf("vmid: %u-bit, %lu rollovers, %lu VM switches (%lu VMID "
		   "changes), switch (VMID update + VTCR/VTTBR/EL1 context "
		   "load) mean %lu ns, min %lu ns\n", vmid_alloc.bits,
		   s2_vmid_rollovers(&vmid_alloc), n, many_vmid_changes,
		   n ? ticks * ns / n : 0, n ? min * ns : 0);
	return bad;
}

#else /* !S2HYP_HAVE_PGTABLE */

int vm_sys_init(const struct vm_options *opt)
{
	(void)opt;
	return 0;
}

bool vm_scenario_known(const char *name)
{
	(void)name;
	return false;
}

int vm_scenario_run(const char *name, unsigned int cpu)
{
	(void)name;
	hyp_printf("cpu%u: built without src/pgtable.c: no guests\n", cpu);
	return -1;
}

int vm_scenario_report(const char *name)
{
	(void)name;
	return 0;
}

#endif

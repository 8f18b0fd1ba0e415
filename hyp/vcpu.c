/* SPDX-License-Identifier: MIT */
/*
 * vCPU load and put, and the run loop: enter the guest, take its exit to
 * exit.c, until the VM ends or the vCPU yields the physical CPU.
 */
#include "vm.h"

#include <s2mm/error.h>
#include <s2mm/vmid.h>

/* What a Linux guest adds to HCR_EL2 (Arm ARM D13.2.48): FIQs and
 * SErrors to EL2 as IRQs are (virtual ones from the GIC), SMC, WFI, WFE
 * and set/way cache maintenance trapped. */
#define HCR_EL2_TID3	(1ULL << 18)
#define HCR_EL2_APK	(1ULL << 40)
#define HCR_EL2_API	(1ULL << 41)
/* FB and BSU=Inner Shareable (D13.2.48): the guest's local TLBI, IC
 * IALLU and DSB NSH act on every CPU, as its vCPUs move between CPUs (a
 * vCPU's own local flush on one CPU must reach what it left on another). */
#define HCR_EL2_FB	(1ULL << 9)
#define HCR_EL2_BSU_IS	(1ULL << 10)
#define HCR_LINUX	(HCR_EL2_FMO | HCR_EL2_AMO | HCR_EL2_TSC |	\
			 HCR_EL2_TWI | HCR_EL2_TWE | HCR_EL2_TSW |	\
			 HCR_EL2_TID3 | HCR_EL2_FB | HCR_EL2_BSU_IS)
/* MDCR_EL2 (Arm ARM D13.3.12): PMCR (TPMCR), PMU (TPM), debug (TDA), OS
 * lock (TDOSA) and ROM address (TDRA) accesses trap to EL2. */
#define MDCR_EL2_HPMN_MASK	0x1fULL
#define MDCR_LINUX	(1ULL << 5 | 1ULL << 6 | 1ULL << 9 | 1ULL << 10 | \
			 1ULL << 11)
/* With FEAT_PAuth the guest's pointer authentication runs untrapped (API,
 * APK) and its keys are switched with the vCPU. */
#define HCR_LINUX_PAUTH	(HCR_EL2_API | HCR_EL2_APK)

static uint64_t switch_ticks[HYP_MAX_CPUS], switches[HYP_MAX_CPUS];
static uint64_t switch_min[HYP_MAX_CPUS];
static uint64_t slice_ticks; /* preempt: the EL2 timer's slice */

void vcpu_set_slice(unsigned int slice_us)
{
	slice_ticks = read_sysreg(cntfrq_el0) / 1000000 *
		      (slice_us ? slice_us : 1000);
}

/*
 * The EL1 registers a vCPU owns (struct hyp_el1_ctx) as X(field, register):
 * one list that vcpu_put() saves and vcpu_load() restores, in this order,
 * so the two cannot drift apart. On load, the LAZY group is written only
 * where the CPU holds another value, the EAGER one always.
 */
#define EL1_CTX_LAZY(X)							\
	X(sctlr, sctlr_el1) X(tcr, tcr_el1) X(ttbr0, ttbr0_el1)		\
	X(ttbr1, ttbr1_el1) X(mair, mair_el1) X(vbar, vbar_el1)		\
	X(contextidr, contextidr_el1)
#define EL1_CTX_EAGER(X)						\
	X(elr, elr_el1) X(spsr, spsr_el1) X(esr, esr_el1)		\
	X(far, far_el1) X(sp_el0, sp_el0) X(tpidr, tpidr_el1)
/* What an operating system uses beyond the test guests: FP enables,
 * thread pointers, the timer's EL0 access, debug state. */
#define EL1_CTX_OS(X)							\
	X(cpacr, cpacr_el1) X(tpidr_el0, tpidr_el0)			\
	X(tpidrro, tpidrro_el0) X(amair, amair_el1) X(afsr0, afsr0_el1)	\
	X(afsr1, afsr1_el1) X(par, par_el1) X(cntkctl, cntkctl_el1)	\
	X(csselr, csselr_el1) X(mdscr, mdscr_el1) X(actlr, actlr_el1)
/* FEAT_PAuth keys (Arm ARM D8.10): APIAKey .. APGAKey, Lo and Hi. */
#define EL1_CTX_PAUTH(X)						\
	X(pauth[0], s3_0_c2_c1_0) X(pauth[1], s3_0_c2_c1_1)		\
	X(pauth[2], s3_0_c2_c1_2) X(pauth[3], s3_0_c2_c1_3)		\
	X(pauth[4], s3_0_c2_c2_0) X(pauth[5], s3_0_c2_c2_1)		\
	X(pauth[6], s3_0_c2_c2_2) X(pauth[7], s3_0_c2_c2_3)		\
	X(pauth[8], s3_0_c2_c3_0) X(pauth[9], s3_0_c2_c3_1)
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

/* FEAT_PAuth: ID_AA64ISAR1_EL1 APA [7:4], API [11:8], GPA [27:24], GPI
 * [31:28]; ID_AA64ISAR2_EL1 GPA3 [11:8], APA3 [15:12]. */
static bool cpu_has_pauth(void)
{
	static int has = -1;

	if (has < 0)
		has = (read_sysreg(id_aa64isar1_el1) & 0xff000ff0ULL) ||
		      (read_sysreg(s3_0_c0_c6_2) & 0xff00ULL);
	return has;
}

static void vcpu_load(struct hyp_vcpu *vcpu, unsigned int cpu)
{
	struct hyp_vm *vm = vcpu->vm;
	const struct hyp_el1_ctx *c = &vcpu->el1;
	uint64_t t0 = hyp_counter();
	uint16_t vmid;
	int ret;

	/* DAIF is masked at EL2 throughout, as s2_vmid_update() requires. */
	ret = s2_vmid_update(&hyp_vmid_alloc, &vm->mm.vmid, cpu, &vmid);
	if (ret)
		hyp_panic("s2_vmid_update: %s", s2_strerror(ret));
	if (vmid != vm->vmid)
		__atomic_add_fetch(&vm->vmid_changes, 1, __ATOMIC_RELAXED);
	vm->vmid = vmid;
	vm->vttbr = s2_vm_vttbr(&vm->mm, vmid);
	write_sysreg(vm->vtcr, vtcr_el2);
	write_sysreg(vm->vttbr, vttbr_el2);
	EL1_CTX_LAZY(EL1_LOAD_CHANGED)
	EL1_CTX_EAGER(EL1_LOAD)
	if (vm->cfg.aarch32) {
		EL1_CTX_AARCH32(EL1_LOAD)
	}
	/* Linux guests: debug and PMU registers trapped (sysreg.c); HPMN,
	 * the counters EL1 may own, kept as the CPU reset it. */
	write_sysreg((read_sysreg(mdcr_el2) & MDCR_EL2_HPMN_MASK) |
		     (vm->cfg.linux ? MDCR_LINUX : 0), mdcr_el2);
	/* MPIDR_EL1 as the guest reads it: bit 31 RES1, Aff0 = vCPU index
	 * (the device tree's /cpus reg values). */
	write_sysreg(1ULL << 31 | vcpu->id, vmpidr_el2);
	/* IMO: physical IRQs (the slice timer) go to EL2 while it runs. */
	write_sysreg((vm->cfg.aarch32 ? 0 : HCR_EL2_RW) | HCR_EL2_VM |
		     (vm->cfg.preempt ? HCR_EL2_IMO : 0) |
		     (vm->cfg.linux ? HCR_LINUX : 0) |
		     (vm->cfg.linux && cpu_has_pauth() ? HCR_LINUX_PAUTH : 0),
		     hcr_el2);
	if (vm->cfg.linux) {
		/* Local TLB maintenance by one vCPU does not reach entries
		 * another vCPU of this VM left on this CPU: drop them when
		 * the vCPU changes, as KVM does (last_vcpu_ran). */
		if (vm->last_vcpu_ran[cpu] != vcpu->id + 1) {
			if (vm->last_vcpu_ran[cpu]) {
				isb();
				__asm__ volatile("tlbi vmalle1; dsb nsh; isb"
						 ::: "memory");
				__atomic_add_fetch(&vm->tlb_local_flushes, 1,
						   __ATOMIC_RELAXED);
			}
			vm->last_vcpu_ran[cpu] = vcpu->id + 1;
		}
		EL1_CTX_OS(EL1_LOAD)
		if (cpu_has_pauth()) {
			EL1_CTX_PAUTH(EL1_LOAD)
		}
		fpsimd_load(&vcpu->fp);
		vtimer_load(vcpu);
		vgic_load(&vm->vgic, vcpu->id);
	}
	isb();
	t0 = hyp_counter() - t0;
	switch_ticks[cpu] += t0;
	if (!switches[cpu]++ || t0 < switch_min[cpu])
		switch_min[cpu] = t0;
}

static void vcpu_put(struct hyp_vcpu *vcpu, unsigned int cpu)
{
	struct hyp_el1_ctx *c = &vcpu->el1;

	EL1_CTX_LAZY(EL1_SAVE)
	EL1_CTX_EAGER(EL1_SAVE)
	if (vcpu->vm->cfg.aarch32) {
		EL1_CTX_AARCH32(EL1_SAVE)
	}
	if (vcpu->vm->cfg.linux) {
		EL1_CTX_OS(EL1_SAVE)
		if (cpu_has_pauth()) {
			EL1_CTX_PAUTH(EL1_SAVE)
		}
		fpsimd_save(&vcpu->fp);
		vtimer_put(vcpu);
		vgic_put(&vcpu->vm->vgic, vcpu->id);
	}
	write_sysreg(HCR_EL2_RW, hcr_el2);
	isb();
	s2_vmid_clear_active(&hyp_vmid_alloc, cpu);
}

/* SPSR_EL2 for an AArch64 guest: EL1h, DAIF masked (M[3:0] = 0b0101). */
#define SPSR_EL1H_DAIF		0x3c5ULL
/* SCTLR_EL1 RES1 bits (11, 20, 22, 23, 28, 29): MMU, caches, checks off. */
#define SCTLR_EL1_RES1		0x30d00800ULL
/* An AArch32 EL1 starts in SVC mode, A, I and F masked. */
#define SPSR_SVC32_AIF		0x1d3ULL
/*
 * SCTLR as an AArch32 EL1 resets it (the Cortex-A57's 0x00c50838): RES1
 * bits [4:3], 11, 22 and 23, CP15BEN, nTWI, nTWE; MMU and caches off.
 * Not SCTLR_EL1_RES1: its bit 20 (TSCXT) is UWXN here, which would make
 * every page EL0 may write execute-never at EL1 (AArch32.S1Translate).
 */
#define SCTLR_AA32_RESET	0x00c50838ULL

void vcpu_reset(struct hyp_vcpu *vcpu, uint64_t entry, uint64_t x0)
{
	memset(&vcpu->regs, 0, sizeof(vcpu->regs));
	memset(&vcpu->el1, 0, sizeof(vcpu->el1));
	memset(&vcpu->timer, 0, sizeof(vcpu->timer));
	vcpu->regs.x[0] = x0;
	vcpu->regs.pc = entry;
	vcpu->regs.pstate = SPSR_EL1H_DAIF;
	vcpu->el1.sctlr = SCTLR_EL1_RES1;
	if (vcpu->vm && vcpu->vm->cfg.aarch32) {
		vcpu->regs.pstate = SPSR_SVC32_AIF;
		vcpu->el1.sctlr = SCTLR_AA32_RESET;
	}
	vcpu->wfi = false;
}

void vcpu_run_slice(struct hyp_vcpu *vcpu, unsigned int cpu)
{
	struct hyp_vm *vm = vcpu->vm;

	vcpu_load(vcpu, cpu);
	vcpu->yielded = false;
	if (vm->cfg.preempt)
		hyp_timer_arm(slice_ticks);
	while (!vm->done && !vcpu->yielded &&
	       !__atomic_load_n(&vm->paused, __ATOMIC_ACQUIRE)) {
		unsigned int vec;

		if (vm->cfg.linux)
			vgic_flush(&vm->vgic, vcpu->id);
		vec = hyp_guest_enter(&vcpu->regs);
		vcpu->exits++;
		if (vm->cfg.linux)
			vgic_sync(&vm->vgic, vcpu->id);
		vcpu_handle_exit(vcpu, vec);
		if (vm->cfg.linux)
			vtimer_sync(vcpu);
	}
	if (vm->cfg.preempt)
		hyp_timer_stop();
	vcpu_put(vcpu, cpu);
}

void vcpu_vmid_report(uint64_t vmid_changes)
{
	uint64_t ticks = 0, n = 0, min = ~0ULL;
	uint64_t ns = 1000000000 / read_sysreg(cntfrq_el0);

	for (unsigned int i = 0; i < hyp_ncpus; i++) {
		ticks += switch_ticks[i];
		n += switches[i];
		if (switches[i] && switch_min[i] < min)
			min = switch_min[i];
	}
	/* Counter ticks are 16 ns at QEMU's 62.5 MHz: the minimum is coarse,
	 * the mean includes rollover flushes and first-run translation. */
	hyp_printf("vmid: %u-bit, %lu rollovers, %lu VM switches (%lu VMID "
		   "changes), switch (VMID update + VTCR/VTTBR/EL1 context "
		   "load) mean %lu ns, min %lu ns\n", hyp_vmid_alloc.space_bits,
		   s2_vmid_rollovers(&hyp_vmid_alloc), n, vmid_changes,
		   n ? ticks * ns / n : 0, n ? min * ns : 0);
}

/* SPDX-License-Identifier: MIT */
/*
 * s2hyp VMs and vCPUs. A VM is a libs2mm VM (struct s2_vm: stage-2 tables,
 * memslots, VMID) with its RAM and devices; a vCPU is a register file and
 * the EL1 state it owns. The modules around them:
 *   vm.c        VM lifecycle: RAM frames, memslots, VMID release
 *   vcpu.c      vCPU load/put (VMID, EL1 context) and the run loop
 *   exit.c      exits dispatched by exception class
 *   inject.c    exceptions injected into the guest
 *   mmio.c      emulated devices behind stage-2 MMIO aborts
 *   hypercall.c the test guests' hypercalls
 *   migrate.c   live migration of a running VM into a new one
 *   scenario.c  the guest catalogue and the test scenarios
 */
#ifndef S2HYP_VM_H
#define S2HYP_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <s2mm/ops.h>
#include <s2mm/pgtable.h>
#include <s2mm/vm.h>
#include <s2mm/vmid.h>

#include "hyp.h"
#include "pager.h"
#include "vgic.h"
#include "vpl011.h"
#include "vtimer.h"

/* EL1 system registers a vCPU owns (saved on put, restored on load; the
 * EL1_CTX_* lists of vcpu.c pair each field with its register). */
struct hyp_el1_ctx {
	uint64_t sctlr, tcr, ttbr0, ttbr1, mair, vbar, contextidr;
	uint64_t elr, spsr, esr, far, sp_el0, tpidr;
	uint64_t cpacr, tpidr_el0, tpidrro, amair, afsr0, afsr1, par;
	uint64_t cntkctl, csselr, mdscr, actlr;
	uint64_t pauth[10];	/* FEAT_PAuth keys, when the CPU has them */
	/* AArch32 EL1 only: DACR and the banked SPSRs */
	uint64_t dacr32, spsr_abt, spsr_und, spsr_irq, spsr_fiq;
};

struct hyp_vm;

#define HYP_VM_MAX_VCPUS	8

/* A vCPU's power state (PSCI): only vCPU 0 starts on. */
enum vcpu_power { VCPU_OFF, VCPU_ON };

/* The EL1 virtual timer a vCPU owns (vtimer.c). */
struct vtimer {
	uint64_t cval, ctl;	/* CNTV_CVAL_EL0, CNTV_CTL_EL0 while put */
	bool phys_masked;	/* PPI 27 disabled until the guest handles it */
};

/* V0-V31, FPSR, FPCR (fpsimd.S). */
struct hyp_fpsimd {
	__uint128_t v[32];
	uint64_t fpsr, fpcr;
};
void fpsimd_save(struct hyp_fpsimd *f);
void fpsimd_load(const struct hyp_fpsimd *f);

struct hyp_vcpu {
	struct hyp_regs regs;
	struct hyp_el1_ctx el1;
	struct hyp_fpsimd fp;
	struct vtimer timer;
	struct hyp_vm *vm;
	unsigned int id;
	enum vcpu_power power;
	int running_on;		/* physical CPU, -1: none (sched.c) */
	int last_cpu;		/* where it ran last, -1: nowhere yet */
	uint64_t ran_until;	/* counter when it was last put (0: never) */
	bool off_pending;	/* PSCI CPU_OFF: off once put (sched.c) */
	bool wfi;		/* waiting for an interrupt (WFI, CPU_SUSPEND) */
	bool yielded;		/* leave the run loop: slice over, HC_YIELD */
	uint64_t exits, hvcs, mmio, injected, preemptions;
	/* Exits by kind: synchronous by exception class, and IRQs. */
	uint64_t exit_ec[64];
	uint64_t irq_vtimer, irq_maint, irq_kick;
	uint64_t at_resolved;	/* permission faults' IPA found by AT */
	/* This vCPU's stage-2 faults (s2_abort.stats): counted without
	 * atomics on its own lines, not on the VM's line every fault shares
	 * (vm_fault_stats() sums them). */
	struct s2_vm_stats fault_stats;
};

/* What a VM is made of (vm_create()). */
struct vm_config {
	const char *img, *img_end;	/* copied to the start of RAM */
	uint64_t ram_size;		/* power of two */
	uint64_t entry_x3;		/* the guest's x3 at entry: GUEST_F_* */
	bool aarch32;			/* EL1 in AArch32 */
	bool pages;			/* RAM misaligned to 2 MiB: no blocks */
	bool log;			/* a dirty-logged slot at GUEST_LOG_IPA */
	uint8_t log_mode;		/* its enum s2_dirty_log_mode; a hardware
					 * one needs FEAT_HAFDBS with dirty
					 * state (VTCR_EL2.HD) */
	bool probe;			/* the stale-TLB probe page */
	bool preempt;			/* time-sliced by the EL2 timer */
	bool linux;			/* Linux boot protocol, PSCI, GIC, PL011 */
	bool pager;			/* RAM backed page by page (pager.c) */
	bool lock_check;		/* test=lockstress: faults check that
					 * no writer is inside (lockstress.c) */
	unsigned int nr_vcpus;		/* 0 means 1 (vm_create() sets 1) */
};

#define VM_SLOT_RAM		0
#define VM_SLOT_LOG		1
#define VM_SLOT_PROBE		2

struct hyp_vm {
	struct s2_vm mm;	/* libs2mm: tables, memslots, VMID */
	unsigned int id;
	struct vm_config cfg;
	uint64_t vtcr;		/* VTCR_EL2 while this VM runs */
	uint64_t vttbr;		/* root | VMID << 48: what the TLBI ops load */
	uint16_t vmid;		/* last VMID the allocator gave */
	uint64_t vmid_changes;
	uint64_t ram_pa, ram_alloc_pa;	/* contiguous RAM (not cfg.pager) */
	struct pager_vm pg;		/* cfg.pager: its pages' record */
	unsigned int ram_order;
	uint64_t log_pa, probe_pa[2];
	unsigned int probe_cur;
	/* The log slot's pages, and a word for the hardware methods' table
	 * summary (s2_vm_dirty_log_words()). */
	uint64_t dirty_bitmap[GUEST_LOG_SIZE / PAGE_SIZE / 64 + 1];
	/* Dirty log rounds: when the guest last resumed after one, and the
	 * sums the last round reports. */
	uint64_t dirty_resumed, dirty_guest_ticks, dirty_clear_ticks;
	uint64_t dirty_faults;
	hyp_lock_t lock;	/* vCPU power states */
	struct hyp_vcpu vcpus[HYP_VM_MAX_VCPUS];
	uint64_t cntvoff;	/* CNTVOFF_EL2: the VM's counter starts at 0 */
	uint64_t idles;		/* slices ended in WFI */
	uint64_t started;	/* counter at creation */
	/* The vCPU that last ran on each physical CPU (+1; 0: none): another
	 * one may see its stale local TLB entries (vcpu.c). */
	unsigned int last_vcpu_ran[HYP_MAX_CPUS];
	uint64_t tlb_local_flushes;
	struct vpl011 uart;
	struct vgic vgic;
	/* Shared by stage-2 abort handling, exclusive for the host's changes
	 * to the VM's memory while it runs (migrate.c, swap.c, ksm.c). */
	struct hyp_mm_lock mm_lock;
	bool paused;		/* no vCPU may run (sched_pause_vm()) */
	/* The harness register (mmio.c): the guest's last write says which
	 * phase its workload is in; reads return host_events. */
	uint32_t guest_phase;
	uint32_t host_events;	/* host memory operations completed */
	bool done;
	int status;
	char line[256];		/* console output until its newline */
	unsigned int line_len;
};

/* The ops table libs2mm uses inside s2hyp (mm_ops.c); ctx is unused. */
extern const struct s2_mm_ops hyp_mm_ops;
/* VTTBR_EL2 the last TLBI op ran under (for the save/restore self-test). */
extern uint64_t hyp_mm_last_tlbi_vttbr;
/* VMID width of this CPU: 8, or 16 (ID_AA64MMFR1_EL1.VMIDBits == 2). */
unsigned int hyp_vmid_bits(void);
/** vm_selftest() - Boot-time checks of the ops table (VTTBR save/restore
 * around TLBI). */
int vm_selftest(void);

/* --- vm.c --- */
extern struct s2_vmid_alloc hyp_vmid_alloc;
/** vm_sys_init() - Once, after SMP bring-up: the VMID allocator for
 * hyp_ncpus CPUs, @vmid_bits wide (0: what the CPU has). Return: 0 or -1. */
int vm_sys_init(unsigned int vmid_bits);
/** vm_create() - @vm as @cfg says, nothing mapped in stage 2 yet.
 * Return: 0 or a negative S2_E* code (nothing left allocated). */
int vm_create(struct hyp_vm *vm, unsigned int id, const struct vm_config *cfg);
/** vm_destroy() - Give back the VM's VMID, tables and RAM. */
void vm_destroy(struct hyp_vm *vm);
/** vm_ram_copy_in() - Write @len bytes at offset @off of @vm's RAM from
 * the host, cleaned to the PoC (the boot loader). Return: 0 or -S2_ENOMEM. */
int vm_ram_copy_in(struct hyp_vm *vm, uint64_t off, const void *src,
		   uint64_t len);
/** vm_stop() - End the VM with @status (0: passed); the first failure
 * stays, whatever ends it later. */
void vm_stop(struct hyp_vm *vm, int status);
/** vm_check_all_off() - A VM whose vCPUs are all off (PSCI) has ended:
 * nothing can turn one on again. */
void vm_check_all_off(struct hyp_vm *vm);
/** vm_fault_stats() - @vm's stage-2 fault counters: its own and its
 * vCPUs', summed into *@sum. */
void vm_fault_stats(const struct hyp_vm *vm, struct s2_vm_stats *sum);
/** vm_report() - One line of the VM's exits and stage-2 faults. */
void vm_report(const struct hyp_vm *vm, uint64_t ticks);
/* Clean [va, va + size) to the PoC (guests start with their MMU off). */
void vm_dcache_clean(uint64_t va, uint64_t size);
void vm_fill_frames(uint64_t pa, uint64_t size, uint64_t word);

/* --- vcpu.c --- */
/** vcpu_run_slice() - Run @vcpu on @cpu until its VM ends or it yields. */
void vcpu_run_slice(struct hyp_vcpu *vcpu, unsigned int cpu);
/** vcpu_reset() - @vcpu as at a cold boot at EL1: MMU off, DAIF masked,
 * PC @entry, x0 @x0 (PSCI CPU_ON, Linux's boot protocol). */
void vcpu_reset(struct hyp_vcpu *vcpu, uint64_t entry, uint64_t x0);
/** vcpu_set_slice() - The EL2 timer's slice for preempted VMs. */
void vcpu_set_slice(unsigned int slice_us);
/** vcpu_vmid_report() - The VMID allocator's line, with the cost of VM
 * switches (after the scenario); @vmid_changes over the VMs that ran. */
void vcpu_vmid_report(uint64_t vmid_changes);

/* --- exit.c --- */
/** vcpu_handle_exit() - Handle the exit that came through vector @vec. */
void vcpu_handle_exit(struct hyp_vcpu *vcpu, unsigned int vec);

/* --- inject.c --- */
/** inject_abort() - A synchronous external abort taken to the guest's EL1,
 * syndrome @esr (ESR_EL1 form), address @far. */
void inject_abort(struct hyp_vcpu *vcpu, uint64_t esr, uint64_t far);
/** vcpu_skip() - Step over the trapped instruction (ESR_EL2.IL). */
void vcpu_skip(struct hyp_vcpu *vcpu, uint64_t esr);

/* --- mmio.c --- */
/** mmio_access() - Emulate the access @m to a device of @vcpu's VM.
 * Return: 0 (loads in *@val), or -1: no device there. */
int mmio_access(struct hyp_vcpu *vcpu, const struct s2_mmio *m, uint64_t *val);
/** vm_putc() - A character from the guest's console, printed per line. */
void vm_putc(struct hyp_vm *vm, char c);

/* --- sysreg.c --- */
/** sysreg_trap() - A trapped MRS/MSR/SYS of a Linux guest (EC 0x18). */
void sysreg_trap(struct hyp_vcpu *vcpu, uint64_t esr);

/* --- hypercall.c --- */
/** inject_undef() - An Undefined Instruction exception taken to EL1. */
void inject_undef(struct hyp_vcpu *vcpu);

/** vcpu_hypercall() - The test guests' HVC #0 (hypercall.h). */
void vcpu_hypercall(struct hyp_vcpu *vcpu);

/* --- scenario.c --- */
/* Scenario options parsed from the command line (main.c). */
struct vm_options {
	unsigned int guests;	/* test=many: how many */
	unsigned int vmid_bits;	/* 0: what the CPU has */
	unsigned int slice_us;	/* test=preempt: timer slice (default 1000) */
	unsigned int vcpus;	/* test=linux: vCPUs per guest (default 1) */
	unsigned int mem_mib;	/* test=linux: RAM per guest (default 256) */
	unsigned int probe_vm;	/* test=linux: guest N-1 probes (0: none) */
	unsigned int fill;	/* test=linux: /init's fill% + 1 (0: its own) */
	bool migrate;		/* test=linux: migrate each guest once */
	bool lazy_split;	/* ... splitting blocks lazily */
	bool migrate_drop;	/* ... losing one dirty page (test aid) */
	unsigned int overcommit;	/* test=linux: guest RAM / host frames
					 * for them, in percent (0: off) */
	bool share;		/* test=linux: merge equal pages */
	unsigned int lock_bug;	/* test=lockstress: enum hyp_mm_lock_bug */
	bool lock_no_writer;	/* test=lockstress: faults only (a measure) */
	unsigned int lock_rounds;	/* test=lockstress: guest rounds (0:
					 * LS_ROUNDS) */
};
/** vm_scenarios_init() - Once, after SMP bring-up. Return: 0 or -1. */
int vm_scenarios_init(const struct vm_options *opt);
/** vm_scenario_run() - Run scenario @name on @cpu (every CPU calls it).
 * Return: 0 on success. */
int vm_scenario_run(const char *name, unsigned int cpu);
/** vm_scenario_known() - Whether @name is a VM scenario. */
bool vm_scenario_known(const char *name);
/** vm_scenario_report() - After every CPU returned: print totals.
 * Return: extra failures. */
int vm_scenario_report(const char *name);

#endif /* S2HYP_VM_H */

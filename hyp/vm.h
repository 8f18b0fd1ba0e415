/* SPDX-License-Identifier: MIT */
/*
 * s2hyp VMs: each one a libs2mm VM (struct s2_vm: stage-2 tables, memslots,
 * VMID), one vCPU, and the run loop that takes its exits.
 */
#ifndef S2HYP_VM_H
#define S2HYP_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <s2mm/ops.h>
#include <s2mm/pgtable.h>
#include <s2mm/vm.h>

#include "hyp.h"

/* EL1 system registers a vCPU owns (saved on put, restored on load; vm.c's
 * EL1_CTX_* lists pair each field with its register). */
struct hyp_el1_ctx {
	uint64_t sctlr, tcr, ttbr0, ttbr1, mair, vbar, contextidr;
	uint64_t elr, spsr, esr, far, sp_el0, tpidr;
	/* AArch32 EL1 only: DACR and the banked SPSRs */
	uint64_t dacr32, spsr_abt, spsr_und, spsr_irq, spsr_fiq;
};

struct hyp_vm {
	struct s2_vm mm;	/* libs2mm: tables, memslots, VMID */
	unsigned int id;
	const struct guest_kind *kind;	/* image, RAM size, AArch32 EL1 */
	uint64_t vtcr;		/* VTCR_EL2 while this VM runs */
	uint64_t vttbr;		/* root | VMID << 48: what the TLBI ops load */
	uint16_t vmid;		/* last VMID the allocator gave */
	uint64_t ram_pa, ram_alloc_pa;
	unsigned int ram_order;
	uint64_t log_pa, probe_pa[2];
	unsigned int probe_cur;
	uint64_t dirty_bitmap[GUEST_LOG_SIZE / PAGE_SIZE / 64];
	struct hyp_regs regs;
	struct hyp_el1_ctx el1;
	/* run-loop state */
	bool done;
	bool yielded;
	int status;
	uint64_t exits, hvcs, mmio, injected, vmid_changes, preemptions;
	uint64_t at_resolved;	/* permission faults' IPA found by AT */
	char line[256];
	unsigned int line_len;
};

/* The ops table libs2mm uses inside s2hyp (mm_ops.c); ctx is unused. */
extern const struct s2_mm_ops hyp_mm_ops;
/* VTTBR_EL2 the last TLBI op ran under (for the save/restore self-test). */
extern uint64_t hyp_mm_last_tlbi_vttbr;
/* VMID width of this CPU: 8, or 16 (ID_AA64MMFR1_EL1.VMIDBits == 2). */
unsigned int hyp_vmid_bits(void);

/* Scenario options parsed from the command line (main.c). */
struct vm_options {
	unsigned int guests;	/* test=many: how many */
	unsigned int vmid_bits;	/* 0: what the CPU has */
	unsigned int slice_us;	/* test=preempt: timer slice (default 1000) */
};

/* Once, after SMP bring-up: the VMID allocator for hyp_ncpus CPUs.
 * Return: 0, or -1 (bad vmid-bits for this CPU). */
int vm_sys_init(const struct vm_options *opt);
/* Run scenario @name on @cpu (every CPU calls it). Return: 0 on success. */
int vm_scenario_run(const char *name, unsigned int cpu);
/* Whether @name is a VM scenario (for the argument check). */
bool vm_scenario_known(const char *name);
/* After every CPU returned: print totals. Return: extra failures. */
int vm_scenario_report(const char *name);
/* Boot-time checks of the ops table (VTTBR save/restore around TLBI). */
int vm_selftest(void);

#endif /* S2HYP_VM_H */

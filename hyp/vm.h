/* SPDX-License-Identifier: MIT */
/* s2hyp VMs: stage-2 tables from libs2mm, vCPU run loop, guest images. */
#ifndef S2HYP_VM_H
#define S2HYP_VM_H

#include <stdbool.h>
#include <stdint.h>

#include <s2mm/ops.h>
#include <s2mm/pgtable.h>

#include "hyp.h"

struct hyp_vm {
	unsigned int id;
	struct s2_pgtable pgt;
	uint64_t vtcr;	   /* VTCR_EL2 while this VM runs */
	uint64_t vttbr;	   /* root | VMID << 48: what the TLBI ops load */
	uint16_t vmid;
	bool aarch32;	   /* EL1 in AArch32: HCR_EL2.RW=0 */
	uint64_t ram_ipa, ram_size, ram_pa;
	struct hyp_regs regs;
	/* interim run-loop state */
	bool done;
	bool yielded;
	int status;
	uint64_t s2_faults, hvcs, exits;
	char line[256];
	unsigned int line_len;
};

/* The ops table libs2mm uses inside s2hyp (mm_ops.c); ctx is unused. */
extern const struct s2_mm_ops hyp_mm_ops;
/* VTTBR_EL2 the last TLBI op ran under (for the save/restore self-test). */
extern uint64_t hyp_mm_last_tlbi_vttbr;
/* VMID width of this CPU: 8, or 16 (ID_AA64MMFR1_EL1.VMIDBits == 2). */
unsigned int hyp_vmid_bits(void);

/* One VM per CPU running the memory-test guest (AArch64, or AArch32 with
 * HCR_EL2.RW=0). Return: 0 when it passed. */
int vm_scenario_guest(unsigned int cpu, bool aarch32);
/* Many guests time-sliced on every CPU (test=many guests=N). */
void vm_many_setup(unsigned int guests);
int vm_scenario_many(unsigned int cpu);
void vm_many_report(void);
/* Boot-time checks of the ops table (VTTBR save/restore around TLBI). */
int vm_selftest(void);

#endif /* S2HYP_VM_H */

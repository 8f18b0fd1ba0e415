/* SPDX-License-Identifier: MIT */
/* The fault the VM benchmarks drive (bench/vm, bench/mem). */
#ifndef S2MM_BENCH_VM_FAULT_H
#define S2MM_BENCH_VM_FAULT_H

#include <s2mm/arch.h>
#include <s2mm/vm.h>
#include "bench.h"

/*
 * A guest's write translation fault at @ipa, as the CPU reports it (a data
 * abort from a lower EL, level 3, HPFAR_EL2 valid), counted in the vCPU's
 * own @stats, marked dirty in its own @ring (NULL: none) if the slot is
 * logged; what the handler said to do.
 */
static inline enum s2_exit_reason bench_write_fault_ring(struct s2_vm *vm, uint64_t ipa,
							 struct s2_vm_stats *stats,
							 struct s2_dirty_ring *ring)
{
	struct s2_abort abt = {
		.esr = (ESR_ELx_EC_DABT_LOW << 26) | ESR_ELx_IL | ESR_ISS_DA_WnR |
		       (FSC_TRANSLATION + 3),
		.far = ipa, .hpfar = (ipa >> 12) << 4, .stats = stats, .ring = ring,
	};
	struct s2_exit x;

	bench_check(s2_vm_handle_abort(vm, &abt, &x), "fault");
	return x.reason;
}

/* The same without a dirty ring. */
static inline enum s2_exit_reason bench_write_fault(struct s2_vm *vm, uint64_t ipa,
						    struct s2_vm_stats *stats)
{
	return bench_write_fault_ring(vm, ipa, stats, NULL);
}

#endif

/* SPDX-License-Identifier: MIT */
/*
 * Guest entry at EL1 with the MMU off: x0 = RAM base IPA, x1 = RAM size
 * (set by the hypervisor). Zero BSS, call guest_main(x0..x3), then HC_EXIT with
 * main's return value as the status.
 *
 * vCPU n > 0 of a guest with several (MPIDR_EL1.Aff0, which s2hyp sets
 * to the vCPU's index through VMPIDR_EL2) leaves the BSS to vCPU 0, takes
 * the (n-1)th page below the top of RAM as its stack and calls
 * guest_secondary(x0..x3) instead.
 */
#include "hypercall.h"

	.section .text.boot, "ax"
	.global _start
_start:
	/* x0-x3 are guest_main's arguments: use x9/x10. */
	mrs	x9, mpidr_el1
	and	x9, x9, #0xff
	cbnz	x9, 4f
	ldr	x9, =__stack_top
	mov	sp, x9
	ldr	x9, =__bss_start
	ldr	x10, =__bss_end
1:	cmp	x9, x10
	b.hs	2f
	stp	xzr, xzr, [x9], #16
	b	1b
2:	bl	guest_main
5:	mov	x1, x0
	mov	x0, #HC_EXIT
	hvc	#0
3:	b	3b
4:	add	x10, x0, x1
	sub	x9, x9, #1
	sub	x10, x10, x9, lsl #12
	mov	sp, x10
	bl	guest_secondary
	b	5b

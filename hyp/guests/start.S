/* SPDX-License-Identifier: MIT */
/*
 * Guest entry at EL1 with the MMU off: x0 = RAM base IPA, x1 = RAM size
 * (set by the hypervisor). Zero BSS, call guest_main(x0..x3), then HC_EXIT with
 * main's return value as the status.
 */
#include "hypercall.h"

	.section .text.boot, "ax"
	.global _start
_start:
	/* x0-x3 are guest_main's arguments: use x9/x10. */
	ldr	x9, =__stack_top
	mov	sp, x9
	ldr	x9, =__bss_start
	ldr	x10, =__bss_end
1:	cmp	x9, x10
	b.hs	2f
	stp	xzr, xzr, [x9], #16
	b	1b
2:	bl	guest_main
	mov	x1, x0
	mov	x0, #HC_EXIT
	hvc	#0
3:	b	3b

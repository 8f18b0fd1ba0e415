/* SPDX-License-Identifier: MIT */
/*
 * Guest entry at EL1 with the MMU off: x0 = RAM base IPA, x1 = RAM size
 * (set by the hypervisor). Zero BSS, call main(x0, x1), then HC_EXIT with
 * main's return value as the status.
 */
#include "hyp.h"

	.section .text.boot, "ax"
	.global _start
_start:
	ldr	x2, =__stack_top
	mov	sp, x2
	ldr	x2, =__bss_start
	ldr	x3, =__bss_end
1:	cmp	x2, x3
	b.hs	2f
	stp	xzr, xzr, [x2], #16
	b	1b
2:	bl	main
	mov	x1, x0
	mov	x0, #HC_EXIT
	hvc	#0
3:	b	3b

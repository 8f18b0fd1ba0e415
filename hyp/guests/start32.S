/* SPDX-License-Identifier: MIT */
/*
 * AArch32 guest entry in SVC mode (SPSR_EL2 0x1d3), MMU off: r0 = RAM base
 * IPA, r1 = RAM size, r2 = bytes mapped up front, r3 = flags. Zero BSS,
 * call guest_main(r0..r3), then HC_EXIT with its result.
 */
#include "hypercall.h"

	.arch_extension virt
	.arm
	.section .text.boot, "ax"
	.global _start
_start:
	ldr	sp, =__stack_top
	ldr	r9, =__bss_start
	ldr	r10, =__bss_end
	mov	r11, #0
1:	cmp	r9, r10
	strlo	r11, [r9], #4
	blo	1b
	bl	guest_main
	mov	r1, r0
	mov	r0, #HC_EXIT
	hvc	#0
2:	b	2b

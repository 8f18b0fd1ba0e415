/* SPDX-License-Identifier: MIT */
/*
 * Entry at EL2. QEMU (virt, virtualization=on) starts only CPU 0 here, with
 * the MMU off and x0 = the DTB address (or 0 for a bare ELF: then the DTB is
 * at the start of RAM). Other CPUs arrive at secondary_entry through PSCI
 * CPU_ON with x0 = the context id we passed: their CPU index.
 */
#include "hyp.h"

	.section .text.boot, "ax"
	.global _start
_start:
	msr	daifset, #0xf
	mov	x19, x0

	/* Clear BSS (stacks included) before anything uses a stack. */
	ldr	x1, =__bss_start
	ldr	x2, =__bss_end
1:	cmp	x1, x2
	b.hs	2f
	stp	xzr, xzr, [x1], #16
	b	1b
2:
	mov	x0, #0
	bl	set_stack
	mov	x0, #0
	bl	cpu_early_init
	mov	x0, x19
	bl	hyp_main
	b	hang

	.global secondary_entry
secondary_entry:
	msr	daifset, #0xf
	mov	x19, x0
	bl	set_stack
	mov	x0, x19
	bl	cpu_early_init
	mov	x0, x19
	bl	secondary_main
hang:
	wfe
	b	hang

/* sp = top of CPU x0's stack; clobbers x1 only (no stack yet). */
set_stack:
	ldr	x1, =hyp_stacks
	add	x1, x1, x0, lsl #HYP_STACK_SHIFT
	add	x1, x1, #HYP_STACK_SIZE
	mov	sp, x1
	ret

	.section .bss
	.balign 16
	.global hyp_stacks
hyp_stacks:
	.space	HYP_MAX_CPUS * HYP_STACK_SIZE

/* SPDX-License-Identifier: MIT */
/*
 * EL2 exception vectors and the guest entry/exit path.
 *
 * Exceptions taken from EL2 itself are hypervisor bugs: they save a full
 * struct hyp_regs on the stack and go to hyp_cur_exception(), which panics
 * with a register dump. Exceptions from a lower EL (AArch64 or AArch32
 * guest) save the guest's registers into the vCPU's struct hyp_regs (found
 * through TPIDR_EL2) and return from hyp_guest_enter() with the vector
 * number, as KVM's __guest_enter/__guest_exit do: the run loop is plain C.
 */
#include "hyp.h"

.macro	cur_vector vec
	.balign	0x80
	sub	sp, sp, #REGS_SIZE
	stp	x0, x1, [sp, #REGS_X(0)]
	mov	x1, #\vec
	b	cur_common
.endm

.macro	lower_vector vec
	.balign	0x80
	stp	x0, x1, [sp, #-16]!
	mov	x1, #\vec
	b	guest_exit
.endm

	.section .vectors, "ax"
	.balign	2048
	.global	hyp_vectors
hyp_vectors:
	cur_vector	0	/* current EL, SP_EL0: sync */
	cur_vector	1
	cur_vector	2
	cur_vector	3
	cur_vector	4	/* current EL, SP_EL2: sync */
	cur_vector	5
	cur_vector	6
	cur_vector	7
	lower_vector	8	/* lower EL, AArch64: sync */
	lower_vector	9
	lower_vector	10
	lower_vector	11
	lower_vector	12	/* lower EL, AArch32: sync */
	lower_vector	13
	lower_vector	14
	lower_vector	15

	.text
cur_common:
	stp	x2, x3, [sp, #REGS_X(2)]
	stp	x4, x5, [sp, #REGS_X(4)]
	stp	x6, x7, [sp, #REGS_X(6)]
	stp	x8, x9, [sp, #REGS_X(8)]
	stp	x10, x11, [sp, #REGS_X(10)]
	stp	x12, x13, [sp, #REGS_X(12)]
	stp	x14, x15, [sp, #REGS_X(14)]
	stp	x16, x17, [sp, #REGS_X(16)]
	stp	x18, x19, [sp, #REGS_X(18)]
	stp	x20, x21, [sp, #REGS_X(20)]
	stp	x22, x23, [sp, #REGS_X(22)]
	stp	x24, x25, [sp, #REGS_X(24)]
	stp	x26, x27, [sp, #REGS_X(26)]
	stp	x28, x29, [sp, #REGS_X(28)]
	add	x2, sp, #REGS_SIZE
	stp	x30, x2, [sp, #REGS_X(30)]
	mrs	x2, elr_el2
	mrs	x3, spsr_el2
	stp	x2, x3, [sp, #REGS_PC]
	mov	x0, sp
	bl	hyp_cur_exception
	/* Returned: the handler chose to resume (IRQ). */
	ldp	x2, x3, [sp, #REGS_PC]
	msr	elr_el2, x2
	msr	spsr_el2, x3
	ldp	x2, x3, [sp, #REGS_X(2)]
	ldp	x4, x5, [sp, #REGS_X(4)]
	ldp	x6, x7, [sp, #REGS_X(6)]
	ldp	x8, x9, [sp, #REGS_X(8)]
	ldp	x10, x11, [sp, #REGS_X(10)]
	ldp	x12, x13, [sp, #REGS_X(12)]
	ldp	x14, x15, [sp, #REGS_X(14)]
	ldp	x16, x17, [sp, #REGS_X(16)]
	ldp	x18, x19, [sp, #REGS_X(18)]
	ldp	x20, x21, [sp, #REGS_X(20)]
	ldp	x22, x23, [sp, #REGS_X(22)]
	ldp	x24, x25, [sp, #REGS_X(24)]
	ldp	x26, x27, [sp, #REGS_X(26)]
	ldp	x28, x29, [sp, #REGS_X(28)]
	ldr	x30, [sp, #REGS_X(30)]
	ldp	x0, x1, [sp, #REGS_X(0)]
	add	sp, sp, #REGS_SIZE
	eret

/*
 * unsigned int hyp_guest_enter(struct hyp_regs *regs)
 * Saves the callee-saved registers on the EL2 stack, loads the guest and
 * ERETs. guest_exit unwinds that frame and returns here-to-caller.
 */
	.global	hyp_guest_enter
hyp_guest_enter:
	sub	sp, sp, #96
	stp	x19, x20, [sp, #0]
	stp	x21, x22, [sp, #16]
	stp	x23, x24, [sp, #32]
	stp	x25, x26, [sp, #48]
	stp	x27, x28, [sp, #64]
	stp	x29, x30, [sp, #80]
	mrs	x1, tpidr_el2
	str	x0, [x1, #CPU_GUEST_REGS]
	ldr	x1, [x0, #REGS_SP]
	msr	sp_el1, x1
	ldp	x1, x2, [x0, #REGS_PC]
	msr	elr_el2, x1
	msr	spsr_el2, x2
	ldp	x2, x3, [x0, #REGS_X(2)]
	ldp	x4, x5, [x0, #REGS_X(4)]
	ldp	x6, x7, [x0, #REGS_X(6)]
	ldp	x8, x9, [x0, #REGS_X(8)]
	ldp	x10, x11, [x0, #REGS_X(10)]
	ldp	x12, x13, [x0, #REGS_X(12)]
	ldp	x14, x15, [x0, #REGS_X(14)]
	ldp	x16, x17, [x0, #REGS_X(16)]
	ldp	x18, x19, [x0, #REGS_X(18)]
	ldp	x20, x21, [x0, #REGS_X(20)]
	ldp	x22, x23, [x0, #REGS_X(22)]
	ldp	x24, x25, [x0, #REGS_X(24)]
	ldp	x26, x27, [x0, #REGS_X(26)]
	ldp	x28, x29, [x0, #REGS_X(28)]
	ldr	x30, [x0, #REGS_X(30)]
	ldp	x0, x1, [x0, #REGS_X(0)]
	eret
	/* No speculation past ERET (Arm: SB or DSB+ISB after ERET). */
	dsb	nsh
	isb

/* x1 = vector; the guest's x0/x1 are on the stack. */
guest_exit:
	mrs	x0, tpidr_el2
	ldr	x0, [x0, #CPU_GUEST_REGS]
	stp	x2, x3, [x0, #REGS_X(2)]
	stp	x4, x5, [x0, #REGS_X(4)]
	stp	x6, x7, [x0, #REGS_X(6)]
	stp	x8, x9, [x0, #REGS_X(8)]
	stp	x10, x11, [x0, #REGS_X(10)]
	stp	x12, x13, [x0, #REGS_X(12)]
	stp	x14, x15, [x0, #REGS_X(14)]
	stp	x16, x17, [x0, #REGS_X(16)]
	stp	x18, x19, [x0, #REGS_X(18)]
	stp	x20, x21, [x0, #REGS_X(20)]
	stp	x22, x23, [x0, #REGS_X(22)]
	stp	x24, x25, [x0, #REGS_X(24)]
	stp	x26, x27, [x0, #REGS_X(26)]
	stp	x28, x29, [x0, #REGS_X(28)]
	str	x30, [x0, #REGS_X(30)]
	ldp	x2, x3, [sp], #16
	stp	x2, x3, [x0, #REGS_X(0)]
	mrs	x2, sp_el1
	str	x2, [x0, #REGS_SP]
	mrs	x2, elr_el2
	mrs	x3, spsr_el2
	stp	x2, x3, [x0, #REGS_PC]
	mov	x0, x1
	ldp	x19, x20, [sp, #0]
	ldp	x21, x22, [sp, #16]
	ldp	x23, x24, [sp, #32]
	ldp	x25, x26, [sp, #48]
	ldp	x27, x28, [sp, #64]
	ldp	x29, x30, [sp, #80]
	add	sp, sp, #96
	ret

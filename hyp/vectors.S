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

/*
 * \op (stp to save, ldp to load) x2..x29 of the struct hyp_regs at \base:
 * the part of the register file that every entry and exit moves alike
 * (x0, x1 and x30 are each path's own).
 */
.macro	regs_x2_x29 op, base
	\op	x2, x3, [\base, #REGS_X(2)]
	\op	x4, x5, [\base, #REGS_X(4)]
	\op	x6, x7, [\base, #REGS_X(6)]
	\op	x8, x9, [\base, #REGS_X(8)]
	\op	x10, x11, [\base, #REGS_X(10)]
	\op	x12, x13, [\base, #REGS_X(12)]
	\op	x14, x15, [\base, #REGS_X(14)]
	\op	x16, x17, [\base, #REGS_X(16)]
	\op	x18, x19, [\base, #REGS_X(18)]
	\op	x20, x21, [\base, #REGS_X(20)]
	\op	x22, x23, [\base, #REGS_X(22)]
	\op	x24, x25, [\base, #REGS_X(24)]
	\op	x26, x27, [\base, #REGS_X(26)]
	\op	x28, x29, [\base, #REGS_X(28)]
.endm

/* \op (stp, ldp) the callee-saved x19..x30 in hyp_guest_enter's frame. */
#define ENTER_FRAME_SIZE	96
.macro	enter_frame op
	\op	x19, x20, [sp, #0]
	\op	x21, x22, [sp, #16]
	\op	x23, x24, [sp, #32]
	\op	x25, x26, [sp, #48]
	\op	x27, x28, [sp, #64]
	\op	x29, x30, [sp, #80]
.endm

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
	regs_x2_x29 stp, sp
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
	regs_x2_x29 ldp, sp
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
	sub	sp, sp, #ENTER_FRAME_SIZE
	enter_frame stp
	mrs	x1, tpidr_el2
	str	x0, [x1, #CPU_GUEST_REGS]
	ldr	x1, [x0, #REGS_SP]
	msr	sp_el1, x1
	ldp	x1, x2, [x0, #REGS_PC]
	msr	elr_el2, x1
	msr	spsr_el2, x2
	regs_x2_x29 ldp, x0
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
	regs_x2_x29 stp, x0
	str	x30, [x0, #REGS_X(30)]
	ldp	x2, x3, [sp], #16
	stp	x2, x3, [x0, #REGS_X(0)]
	mrs	x2, sp_el1
	str	x2, [x0, #REGS_SP]
	mrs	x2, elr_el2
	mrs	x3, spsr_el2
	stp	x2, x3, [x0, #REGS_PC]
	mov	x0, x1
	enter_frame ldp
	add	sp, sp, #ENTER_FRAME_SIZE
	ret

/* SPDX-License-Identifier: MIT */
/*
 * A vCPU's FP/SIMD registers: V0-V31, FPSR, FPCR (struct hyp_fpsimd).
 * s2hyp itself is built -mgeneral-regs-only and never touches them, so
 * they belong to whichever vCPU ran last on this CPU until switched here.
 */
	.arch	armv8-a+fp+simd
	.text

/* \op (stp to save, ldp to load) Q\a and Q\b at [x0 + 16 * \a]. */
.macro	q_pair op, a, b
	\op	q\a, q\b, [x0, #\a * 16]
.endm

/* \op Q0..Q31 at [x0]: 32 x 16 bytes. */
.macro	fpsimd_q op
	q_pair	\op, 0, 1
	q_pair	\op, 2, 3
	q_pair	\op, 4, 5
	q_pair	\op, 6, 7
	q_pair	\op, 8, 9
	q_pair	\op, 10, 11
	q_pair	\op, 12, 13
	q_pair	\op, 14, 15
	q_pair	\op, 16, 17
	q_pair	\op, 18, 19
	q_pair	\op, 20, 21
	q_pair	\op, 22, 23
	q_pair	\op, 24, 25
	q_pair	\op, 26, 27
	q_pair	\op, 28, 29
	q_pair	\op, 30, 31
.endm

/* x0: struct hyp_fpsimd *; then FPSR and FPCR at offset 512. */
	.global	fpsimd_save
fpsimd_save:
	fpsimd_q stp
	mrs	x1, fpsr
	mrs	x2, fpcr
	add	x0, x0, #512
	stp	x1, x2, [x0]
	ret

	.global	fpsimd_load
fpsimd_load:
	fpsimd_q ldp
	add	x0, x0, #512
	ldp	x1, x2, [x0]
	msr	fpsr, x1
	msr	fpcr, x2
	ret

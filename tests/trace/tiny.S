/* SPDX-License-Identifier: MIT */
/*
 * A program whose accesses are known exactly, for `s2mm record`'s tests:
 * 10 stores, then 7 rounds of two loads, then exit; no libc. Instructions
 * executed: 2 + 10 * 4 + 1 + 7 * 5 + 3 = 81 fetches; 14 loads, 10 stores.
 */
	.text
	.global _start
_start:
	adr x1, buf
	mov x2, #0
1:	str x2, [x1, x2, lsl #3]
	add x2, x2, #1
	cmp x2, #10
	b.ne 1b
	mov x2, #0
2:	ldr x3, [x1, x2, lsl #3]
	ldrb w4, [x1]
	add x2, x2, #1
	cmp x2, #7
	b.ne 2b
	mov x0, #0
	mov x8, #93
	svc #0
	.bss
	.balign 16
buf:	.skip 4096

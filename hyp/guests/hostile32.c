/* SPDX-License-Identifier: MIT */
/*
 * Hostile guest, AArch32 (HCR_EL2.RW=0, MMU off): the scan of hostile.c
 * over the 4 GiB an AArch32 guest can address. Aborts arrive as Data Abort
 * exceptions in Abort mode, which the hypervisor injects as the hardware
 * would (LR_abt = faulting instruction + 8, SPSR_abt, DFSR/DFAR); the
 * handler counts them and returns past the faulting instruction. It
 * returns with CPS + LDR PC rather than SUBS PC, LR (which restores CPSR
 * from SPSR_abt): QEMU 7.2 loses the SPSR_abt an EL2 writes before an
 * ERET into Abort mode (see vm_inject_dabt32). The probes run in SVC mode
 * with A, I and F masked and set no flags in between, so nothing is lost.
 */
#include "guests/guest.h"

#define PROBE_VALUE	0xbadc0ffeu
#define MARKER_LO	((uint32_t)GUEST_MARKER)
#define MARKER_HI	((uint32_t)(GUEST_MARKER >> 32))

volatile uint32_t aborts, last_dfsr;
static uint32_t abt_stack[64] __attribute__((aligned(8)));

/* Vectors at VBAR (SCTLR.V=0): +0x10 is the Data Abort; all else stops. */
__asm__(".section .text.vectors, \"ax\"\n"
	".arm\n"
	".balign 32\n"
	"a32_vectors:\n"
	"	b	a32_bad\n"	/* reset */
	"	b	a32_bad\n"	/* undefined */
	"	b	a32_bad\n"	/* SVC */
	"	b	a32_bad\n"	/* prefetch abort */
	"	b	a32_dabt\n"	/* data abort */
	"	b	a32_bad\n"
	"	b	a32_bad\n"	/* IRQ */
	"	b	a32_bad\n"	/* FIQ */
	"a32_dabt:\n"
	"	push	{r0, r1}\n"
	"	ldr	r0, =aborts\n"
	"	ldr	r1, [r0]\n"
	"	add	r1, r1, #1\n"
	"	str	r1, [r0]\n"
	"	mrc	p15, 0, r1, c5, c0, 0\n"	/* DFSR */
	"	ldr	r0, =last_dfsr\n"
	"	str	r1, [r0]\n"
	"	sub	r0, lr, #4\n"	/* LR_abt = faulting insn + 8 */
	"	str	r0, a32_ret\n"
	"	pop	{r0, r1}\n"
	"	cps	#0x13\n"	/* back to SVC, A and I still masked */
	"	ldr	pc, a32_ret\n"
	"a32_ret:\n"
	"	.word	0\n"
	"a32_bad:\n"
	"	.arch_extension virt\n"
	"	mov	r0, #0\n"	/* HC_EXIT */
	"	mov	r1, #99\n"
	"	hvc	#0\n"
	"	b	a32_bad\n"
	".ltorg\n"
	".text\n");

extern char a32_vectors[];

static unsigned long probes, hits, silent;

static void probe(uint32_t ipa)
{
	uint32_t before = aborts, lo, hi;

	if (ipa >> 12 == GUEST_UART_IPA >> 12)
		return;
	probes++;
	/* Single LDR/STR instructions: the handler steps over 4 bytes. */
	__asm__ volatile("mov %0, #0\n\tldr %0, [%2]\n\t"
			 "mov %1, #0\n\tldr %1, [%2, #4]"
			 : "=&r"(lo), "=&r"(hi) : "r"(ipa) : "memory");
	if (lo == MARKER_LO && hi == MARKER_HI)
		hits++;
	__asm__ volatile("str %0, [%1]" : : "r"(PROBE_VALUE), "r"(ipa)
			 : "memory");
	if (aborts != before + 3)
		silent++;
}

int guest_main(unsigned long ram, unsigned long size, unsigned long premapped,
	       unsigned long flags)
{
	unsigned long own = 0;

	(void)premapped;
	(void)flags;
	/* SP_abt for the handler; VBAR for the vectors. */
	__asm__ volatile("cps #0x17\n\tmov sp, %0\n\tcps #0x13\n\t"
			 "mcr p15, 0, %1, c12, c0, 0\n\tisb"
			 : : "r"(abt_stack + 64), "r"(a32_vectors) : "memory");
	for (unsigned long a = ram; a < ram + size; a += 8)
		if (*(volatile uint32_t *)a == MARKER_LO &&
		    *(volatile uint32_t *)(a + 4) == MARKER_HI)
			own++;
	for (uint32_t a = 0; a < ram; a += 1u << 20)
		probe(a);
	for (uint32_t a = ram + size; a < 0x80000000u; a += 1u << 16)
		probe(a);
	for (uint32_t a = 0x80000000u; a != 0; a += 1u << 24)
		probe(a);
	gprintf("hostile: %lu probes, %lu aborts (last DFSR %x), %lu accesses "
		"did not abort, %lu marker words read, %lu in own RAM\n",
		probes, (unsigned long)aborts, (unsigned int)last_dfsr, silent,
		hits, own);
	return hits || own || silent;
}

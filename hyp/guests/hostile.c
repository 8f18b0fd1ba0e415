/* SPDX-License-Identifier: MIT */
/*
 * Hostile guest, one source for both execution states: scans its IPA
 * space, reading and writing where it has no RAM. Every such access must
 * end in an abort the hypervisor injects (or one the CPU raises at EL1 for
 * an address beyond its physical range) and never return another VM's
 * data: the hypervisor fills its other VMs' RAM with GUEST_MARKER and
 * checks afterwards that none of it changed.
 *
 * The scan: every 1 MiB below RAM (except the console page), every 64 KiB
 * from the end of RAM to 2 GiB (where the host's own RAM, and so the other
 * VMs' frames, sit on QEMU virt); then on AArch64 every 1 GiB up to 1 TiB
 * (the 40-bit IPA space) and a few addresses past the IPA size, on AArch32
 * every 16 MiB up to the 4 GiB it can address. Its own RAM, zeroed by the
 * hypervisor, must not hold the marker either.
 *
 * AArch32 (HCR_EL2.RW=0, MMU off): aborts arrive as Data Abort exceptions
 * in Abort mode, which the hypervisor injects as the hardware would
 * (LR_abt = faulting instruction + 8, SPSR_abt, DFSR/DFAR); the handler
 * counts them and returns past the faulting instruction. It returns with
 * CPS + LDR PC rather than SUBS PC, LR (which restores CPSR from SPSR_abt):
 * QEMU 7.2 loses the SPSR_abt an EL2 writes before an ERET into Abort mode
 * (see vm_inject_dabt32). The probes run in SVC mode with A, I and F
 * masked and set no flags in between, so nothing is lost.
 */
#include <stdbool.h>

#include "guests/guest.h"

#define __stringify_1(x) #x
#define __stringify_hc(x) __stringify_1(x)

/* Set by the abort handler: aborts taken, and the last ESR_EL1 / DFSR. */
volatile unsigned long aborts, last_fsr;

/*
 * The architecture's part: the abort handler and its vectors, the probing
 * accesses (single LDR/STR instructions: the handler steps over exactly 4
 * bytes), and how many aborts one probe takes.
 */
#ifdef __aarch64__

#define PROBE_VALUE	0xbadc0ffee0ddf00dULL
#define PROBE_ABORTS	2	/* the load, the store */
#define FSR_NAME	"ESR"

/*
 * EL1 vectors: a synchronous exception from EL1 (SP_EL1, offset 0x200)
 * counts, steps over the faulting instruction and returns; anything else
 * stops the guest.
 */
__asm__(".section .text.vectors, \"ax\"\n"
	".balign 2048\n"
	"el1_vectors:\n"
	".rept 4\n"
	"	.balign 0x80\n"
	"	b	el1_bad\n"
	".endr\n"
	"	.balign 0x80\n"
	"	stp	x0, x1, [sp, #-16]!\n"
	"	adrp	x0, aborts\n"
	"	ldr	x1, [x0, :lo12:aborts]\n"
	"	add	x1, x1, #1\n"
	"	str	x1, [x0, :lo12:aborts]\n"
	"	mrs	x1, esr_el1\n"
	"	adrp	x0, last_fsr\n"
	"	str	x1, [x0, :lo12:last_fsr]\n"
	"	mrs	x0, elr_el1\n"
	"	add	x0, x0, #4\n"
	"	msr	elr_el1, x0\n"
	"	ldp	x0, x1, [sp], #16\n"
	"	eret\n"
	".rept 11\n"
	"	.balign 0x80\n"
	"	b	el1_bad\n"
	".endr\n"
	"el1_bad:\n"
	"	mov	x0, #" __stringify_hc(HC_EXIT) "\n"
	"	mov	x1, #99\n"
	"	hvc	#0\n"
	"	b	el1_bad\n"
	".text\n");

extern char el1_vectors[];

static void vectors_init(void)
{
	__asm__ volatile("msr vbar_el1, %0\n\tisb" : : "r"(el1_vectors));
}

static uint64_t probe_load(unsigned long ipa)
{
	unsigned long v;

	__asm__ volatile("mov %0, #0\n\tldr %0, [%1]"
			 : "=&r"(v) : "r"(ipa) : "memory");
	return v;
}

static bool marker_at(unsigned long a)
{
	return *(volatile uint64_t *)a == GUEST_MARKER;
}

#else /* AArch32 */

#define PROBE_VALUE	0xbadc0ffeu
#define PROBE_ABORTS	3	/* the marker's two halves, the store */
#define FSR_NAME	"DFSR"
#define MARKER_LO	((uint32_t)GUEST_MARKER)
#define MARKER_HI	((uint32_t)(GUEST_MARKER >> 32))

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
	"	ldr	r0, =last_fsr\n"
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
	"	mov	r0, #" __stringify_hc(HC_EXIT) "\n"
	"	mov	r1, #99\n"
	"	hvc	#0\n"
	"	b	a32_bad\n"
	".ltorg\n"
	".text\n");

extern char a32_vectors[];

/* SP_abt for the handler; VBAR for the vectors. */
static void vectors_init(void)
{
	__asm__ volatile("cps #0x17\n\tmov sp, %0\n\tcps #0x13\n\t"
			 "mcr p15, 0, %1, c12, c0, 0\n\tisb"
			 : : "r"(abt_stack + 64), "r"(a32_vectors) : "memory");
}

static uint64_t probe_load(unsigned long ipa)
{
	uint32_t lo, hi;

	__asm__ volatile("mov %0, #0\n\tldr %0, [%2]\n\t"
			 "mov %1, #0\n\tldr %1, [%2, #4]"
			 : "=&r"(lo), "=&r"(hi) : "r"(ipa) : "memory");
	return (uint64_t)hi << 32 | lo;
}

static bool marker_at(unsigned long a)
{
	return *(volatile uint32_t *)a == MARKER_LO &&
	       *(volatile uint32_t *)(a + 4) == MARKER_HI;
}

#endif /* __aarch64__ */

static unsigned long probes, hits, silent;

/* One probe: a load and a store; every access must abort. */
static void probe(unsigned long ipa)
{
	unsigned long before = aborts;

	if (ipa >> 12 == GUEST_UART_IPA >> 12)
		return;
	probes++;
	if (probe_load(ipa) == GUEST_MARKER)
		hits++;
	__asm__ volatile("str %0, [%1]"
			 : : "r"(PROBE_VALUE), "r"(ipa) : "memory");
	if (aborts != before + PROBE_ABORTS)
		silent++;
}

int guest_main(unsigned long ram, unsigned long size, unsigned long premapped,
	       unsigned long flags)
{
	unsigned long own = 0;

	(void)premapped;
	(void)flags;
	vectors_init();
	for (unsigned long a = ram; a < ram + size; a += 8)
		if (marker_at(a))
			own++;
	for (unsigned long a = 0; a < ram; a += 1UL << 20)
		probe(a);
	for (unsigned long a = ram + size; a < 0x80000000UL; a += 1UL << 16)
		probe(a);
#ifdef __aarch64__
	for (unsigned long a = 0x80000000UL; a < 1UL << 40; a += 1UL << 30)
		probe(a);
	probe((1UL << 40) + 0x1000);
	probe(1UL << 42);
	probe(1UL << 47);
#else
	for (uint32_t a = 0x80000000u; a != 0; a += 1u << 24) /* to 4 GiB */
		probe(a);
#endif
	gprintf("hostile: %lu probes, %lu aborts (last " FSR_NAME " %lx), %lu "
		"accesses did not abort, %lu marker words read, %lu in own "
		"RAM\n", probes, aborts, last_fsr, silent, hits, own);
	return hits || own || silent;
}

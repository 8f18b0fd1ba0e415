/* SPDX-License-Identifier: MIT */
/*
 * Hostile guest (AArch64): scans its whole 40-bit IPA space, and a little
 * beyond, reading and writing where it has no RAM. Every such access must
 * end in an abort the hypervisor injects (or one the CPU raises at EL1 for
 * an address beyond its physical range) and never return another VM's
 * data: the hypervisor fills its other VMs' RAM with GUEST_MARKER and
 * checks afterwards that none of it changed.
 *
 * The scan: every 1 MiB below RAM (except the console page), every 64 KiB
 * from the end of RAM to 2 GiB (where the host's own RAM, and so the other
 * VMs' frames, sit on QEMU virt), every 1 GiB up to 1 TiB, then a few
 * addresses past the IPA size. Its own RAM, zeroed by the hypervisor,
 * must not hold the marker either.
 */
#include "guests/guest.h"

#define __stringify_1(x) #x
#define __stringify_hc(x) __stringify_1(x)

#define PROBE_VALUE	0xbadc0ffee0ddf00dULL

/* Set by the EL1 vector: aborts taken, and the last ESR_EL1. */
volatile unsigned long aborts, last_esr;

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
	"	adrp	x0, last_esr\n"
	"	str	x1, [x0, :lo12:last_esr]\n"
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

static unsigned long probes, hits, silent;

/* One probe: a load and a store; both must abort. The accesses are single
 * LDR/STR instructions (the vector steps over exactly 4 bytes). */
static void probe(unsigned long ipa)
{
	unsigned long before = aborts, v;

	if (ipa >> 12 == GUEST_UART_IPA >> 12)
		return;
	probes++;
	__asm__ volatile("mov %0, #0\n\tldr %0, [%1]"
			 : "=&r"(v) : "r"(ipa) : "memory");
	if ((uint64_t)v == GUEST_MARKER)
		hits++;
	__asm__ volatile("str %0, [%1]"
			 : : "r"(PROBE_VALUE), "r"(ipa) : "memory");
	if (aborts != before + 2)
		silent++;
}

int guest_main(unsigned long ram, unsigned long size, unsigned long premapped,
	       unsigned long flags)
{
	unsigned long own = 0;

	(void)premapped;
	(void)flags;
	__asm__ volatile("msr vbar_el1, %0\n\tisb" : : "r"(el1_vectors));
	for (unsigned long a = ram; a < ram + size; a += 8)
		if (*(volatile uint64_t *)a == GUEST_MARKER)
			own++;
	for (unsigned long a = 0; a < ram; a += 1UL << 20)
		probe(a);
	for (unsigned long a = ram + size; a < 0x80000000UL; a += 1UL << 16)
		probe(a);
	for (unsigned long a = 0x80000000UL; a < 1UL << 40; a += 1UL << 30)
		probe(a);
	probe((1UL << 40) + 0x1000);
	probe(1UL << 42);
	probe(1UL << 47);
	gprintf("hostile: %lu probes, %lu aborts (last ESR %lx), %lu accesses "
		"did not abort, %lu marker words read, %lu in own RAM\n",
		probes, aborts, last_esr, silent, hits, own);
	return hits || own || silent;
}

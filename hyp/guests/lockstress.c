/* SPDX-License-Identifier: MIT */
/*
 * test=lockstress: every vCPU of the VM runs the same loop (hypercall.h,
 * LS_*): a word of its own in each page of a region that the host keeps
 * unmapping and write-protecting, each value checked after the round that
 * wrote it, and MMIO reads. Every fault and MMIO read is a stage-2 abort
 * that s2hyp handles under the VM's mm_lock, shared, while the host's
 * changes take it exclusive. Nothing is printed: the vCPUs would share
 * the console's line. The exit status is the number of wrong words. x3
 * (flags) is the number of rounds when not 0 (lock-rounds=N).
 */
#include "guests/guest.h"

static int stress(unsigned int vcpu, unsigned long rounds)
{
	volatile uint64_t *region = (volatile uint64_t *)LS_REGION_IPA;
	volatile uint32_t *fr = (volatile uint32_t *)(GUEST_UART_IPA +
						       GUEST_UART_FR);
	unsigned int bad = 0;

	for (uint64_t r = 0; r < rounds; r++) {
		uint64_t v = r << 32 | (uint64_t)vcpu << 16;

		for (unsigned int p = 0; p < LS_PAGES; p++)
			region[p * 512 + vcpu] = v | p;
		for (unsigned int m = 0; m < LS_MMIO; m++)
			(void)*fr;
		for (unsigned int p = 0; p < LS_PAGES; p++)
			bad += region[p * 512 + vcpu] != (v | p);
	}
	return (int)bad;
}

static unsigned int vcpu_index(void)
{
	uint64_t mpidr;

	__asm__ volatile("mrs %0, mpidr_el1" : "=r"(mpidr));
	return (unsigned int)(mpidr & 0xff);
}

int guest_main(unsigned long ram_base, unsigned long ram_size,
	       unsigned long premapped, unsigned long flags)
{
	(void)ram_base;
	(void)ram_size;
	(void)premapped;
	return stress(vcpu_index(), flags ? flags : LS_ROUNDS);
}

/* Every vCPU runs the same loop, on its own word of each page. */
int guest_secondary(unsigned long ram_base, unsigned long ram_size,
		    unsigned long premapped, unsigned long flags)
{
	return guest_main(ram_base, ram_size, premapped, flags);
}

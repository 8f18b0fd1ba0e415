/* SPDX-License-Identifier: MIT */
/*
 * Memory tester: fill the guest's RAM above its image with an address-
 * dependent pattern, verify it, and report. First touches of unmapped pages
 * fault to the hypervisor (stage 2) and resume; a second pass over the same
 * pages runs without faults, so the difference is the fault cost. Also
 * measures the HVC round trip.
 */
#include "guests/guest.h"

#define NOP_CALLS 1000
#define NOP_CALLS_QUICK 10
#define YIELD_CALLS 100
#define SEED 0x5a5aa5a5c3c33c3cULL

static uint64_t pass(volatile uint64_t *p, volatile uint64_t *end, uint64_t seed)
{
	uint64_t t0 = guest_cntvct();

	for (; p < end; p++)
		*p = (uint64_t)p ^ seed;
	return guest_cntvct() - t0;
}

static uint64_t check(volatile uint64_t *p, volatile uint64_t *end, uint64_t seed)
{
	uint64_t bad = 0;

	for (; p < end; p++)
		if (*p != ((uint64_t)p ^ seed))
			bad++;
	return bad;
}

int guest_main(unsigned long ram_base, unsigned long ram_size,
	       unsigned long premapped, unsigned long flags)
{
	volatile uint64_t *start = (volatile uint64_t *)__end;
	/* Nothing premapped (x2 = 0): the faulting part starts at the image's
	 * end. */
	volatile uint64_t *mid = (volatile uint64_t *)(ram_base + premapped);
	volatile uint64_t *end = (volatile uint64_t *)(ram_base + ram_size);
	uint64_t freq = guest_cntfrq(), t0, hvc_t, first, second, bad;
	uint64_t pages = ((uint64_t)end - (uint64_t)start) >> 12;
	uint64_t dpages;
	unsigned int nops = flags & GUEST_F_QUICK ? NOP_CALLS_QUICK : NOP_CALLS;
	uint64_t yield_t = 0;

	if (mid < start)
		mid = start;
	dpages = ((uint64_t)end - (uint64_t)mid) >> 12;
	t0 = guest_cntvct();
	for (unsigned int i = 0; i < nops; i++)
		hvc(HC_NOP, 0);
	hvc_t = guest_cntvct() - t0;
	if (flags & GUEST_F_YIELD) {
		/* Each yield lets the CPU switch to another resident VM. */
		t0 = guest_cntvct();
		for (unsigned int i = 0; i < YIELD_CALLS; i++)
			hvc(HC_YIELD, 0);
		yield_t = guest_cntvct() - t0;
	}

	/* Premapped part, then the demand-faulted part: first touches fault. */
	pass(start, mid, SEED);
	first = pass(mid, end, SEED);
	bad = check(start, end, SEED);
	pass(start, mid, ~SEED);
	second = pass(mid, end, ~SEED);
	bad += check(start, end, ~SEED);

	if (flags & GUEST_F_QUICK) {
		if (bad)
			gprintf("memtest: %lu bad words\n", bad);
		else
			gprintf("memtest: ok, %lu faults, HVC %lu ns, yield "
				"%lu ns\n", dpages,
				hvc_t * 1000000000 / freq / nops,
				yield_t * 1000000000 / freq / YIELD_CALLS);
		return bad ? 1 : 0;
	}
	gprintf("memtest: %lu pages from %lx (%lu demand-faulted), %lu bad "
		"words; faulting pass %lu us, mapped pass %lu us: stage-2 "
		"fault round trip %lu ns; HVC round trip %lu ns\n",
		pages, (uint64_t)start, dpages, bad, first * 1000000 / freq,
		second * 1000000 / freq,
		first > second ? (first - second) * 1000000000 / freq / dpages : 0,
		hvc_t * 1000000000 / freq / nops);
	return bad ? 1 : 0;
}

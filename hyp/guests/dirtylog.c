/* SPDX-License-Identifier: MIT */
/*
 * Dirty-logging guest (AArch64 and AArch32 from this one source). Its
 * second memslot, GUEST_LOG_SIZE at GUEST_LOG_IPA, is first written whole
 * (so the library may map it with a block), then dirty-logged: in each
 * round the guest reads every page but writes only the pages DIRTY_WANT
 * picks, then asks the hypervisor (HC_DIRTY) to fetch and clear the log
 * and compare it with DIRTY_WANT. A read must not mark a page; a page
 * written again after a clear must be caught again.
 */
#include "guests/guest.h"

#define PG	4096UL
#define PAGES	(GUEST_LOG_SIZE / PG)

int guest_main(unsigned long ram, unsigned long size, unsigned long premapped,
	       unsigned long flags)
{
	volatile uint32_t *log = (volatile uint32_t *)GUEST_LOG_IPA;
	unsigned long diff = 0, bad = 0, sum = 0;

	(void)ram;
	(void)size;
	(void)premapped;
	(void)flags;
	for (unsigned long i = 0; i < GUEST_LOG_SIZE / 4; i += PG / 4)
		log[i] = 0;
	if (hvc(HC_DIRTY, 0)) {
		gprintf("dirtylog: could not start logging\n");
		return 1;
	}
	for (uint32_t r = 1; r <= DIRTY_ROUNDS; r++) {
		for (uint32_t p = 0; p < PAGES; p++) {
			volatile uint32_t *w = log + p * (PG / 4) + r;

			sum += *w; /* reads never dirty a page */
			if (DIRTY_WANT(r, p))
				*w = r << 16 | p;
		}
		diff += hvc(HC_DIRTY, r);
		for (uint32_t p = 0; p < PAGES; p++)
			if (DIRTY_WANT(r, p) &&
			    log[p * (PG / 4) + r] != (r << 16 | p))
				bad++;
	}
	gprintf("dirtylog: %u rounds over %u pages, %lu log mismatches, %lu "
		"bad words (%s)\n", DIRTY_ROUNDS, (unsigned int)PAGES, diff, bad,
		sum ? "?" : "reads ok");
	return diff || bad;
}

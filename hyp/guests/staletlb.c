/* SPDX-License-Identifier: MIT */
/*
 * Stale-TLB guest (AArch64 and AArch32 from this one source). The probe
 * page at GUEST_PROBE_IPA is backed by one of two frames (all 0xaa.. or
 * all 0xbb..). For each way of invalidating, the guest loads the probe so
 * that its translation is in the TLB, the hypervisor rewrites the stage-2
 * leaf to the other frame and invalidates that way (HC_REMAP returns what
 * the new frame holds), and the guest loads again: an old value means the
 * TLB kept the stale translation. Then a full invalidation (REMAP_SYNC)
 * gives the next step a clean start.
 *
 * Expected (Arm ARM D8.14, and what QEMU models): no TLBI is stale;
 * IPAS2E1IS alone leaves the combined stage-1+2 entry (stale on QEMU, and
 * allowed to be); IPAS2E1IS + VMALLE1IS and VMALLS12E1IS are fresh.
 */
#include "guests/guest.h"

static const char *const how[] = {
	[REMAP_NO_TLBI] = "no TLBI",
	[REMAP_IPAS2] = "IPAS2E1IS only",
	[REMAP_IPAS2_VMALLE1] = "IPAS2E1IS + VMALLE1IS",
	[REMAP_VMALLS12] = "VMALLS12E1IS",
};

int guest_main(unsigned long ram, unsigned long size, unsigned long premapped,
	       unsigned long flags)
{
	volatile uint32_t *probe = (volatile uint32_t *)GUEST_PROBE_IPA;
	int bad = 0;

	(void)ram;
	(void)size;
	(void)premapped;
	(void)flags;
	for (unsigned int mode = REMAP_NO_TLBI; mode <= REMAP_VMALLS12; mode++) {
		uint32_t before, fresh, after;

		hvc(HC_REMAP, REMAP_SYNC);
		before = *probe;
		fresh = (uint32_t)hvc(HC_REMAP, mode);
		after = *probe;
		gprintf("staletlb: %s: read %x, backing now %x: %s\n", how[mode],
			after, fresh, after == fresh ? "fresh" : "STALE");
		if (after != fresh && after != before)
			bad++; /* neither old nor new: broken */
		if ((mode == REMAP_NO_TLBI && after == fresh) ||
		    (mode >= REMAP_IPAS2_VMALLE1 && after != fresh))
			bad++;
	}
	gprintf("staletlb: %s\n", bad ? "FAILED" : "as expected");
	return bad;
}

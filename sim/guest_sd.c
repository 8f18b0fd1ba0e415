/* SPDX-License-Identifier: MIT */
/*
 * The guest OS model's AArch32 Short-descriptor stage 1 (--s1-format
 * short; TTBCR.EAE=0, N=0): a 16KB level-1 table of 4096 entries, one
 * level-2 table of 256 small pages per MB of VA (each in a page of its
 * own, as Linux's ARM port keeps two per page), every page mapped on its
 * first touch as a small page: AP[2:0]=011 (full access), nG, S, TEX=001
 * C=B=1 (Normal Write-Back, write-allocate; SCTLR.TRE=0), domain 0
 * (Client in the DACR the CPU model loads). Its table writes go through
 * stage 2 like the AArch64 guest's (guest.c).
 */
#include <string.h>

#include <s2mm/arch.h>
#include <s2mm/arch_sd.h>
#include <s2mm/error.h>

#include "sim_int.h"

#define SD_L1_SIZE 0x4000u

int sim_guest_new_l1_sd(struct sim *s, struct sim_cpu *c, uint64_t *ipa)
{
	uint64_t pg, first = 0;
	int err;

	/* TTBR0[31:14]: skip pages up to a 16KB boundary. */
	while (c->vm->next_ipa & (SD_L1_SIZE - 1)) {
		err = sim_guest_alloc_page(s, c->vm, &pg);
		if (err)
			return err;
	}
	for (unsigned int i = 0; i < SD_L1_SIZE >> 12; i++) {
		err = sim_guest_new_table(s, c, &pg);
		if (err)
			return err;
		if (!i)
			first = pg;
	}
	*ipa = first;
	return 0;
}

/* The 32-bit descriptor at @ipa, read or written as the guest kernel does. */
static int sd_slot(struct sim *s, struct sim_cpu *c, uint64_t ipa, bool write,
		   uint32_t **d)
{
	return sim_guest_ptr(s, c, ipa, write, (void **)d);
}

int sim_guest_map_sd(struct sim *s, struct sim_cpu *c, uint64_t va)
{
	struct gvm *vm = c->vm;
	uint64_t l1 = vm->s1_root + ((va >> 20) & 0xfff) * 4, l2, page;
	uint32_t *d, desc;
	int err;

	err = sd_slot(s, c, l1, false, &d);
	if (err)
		return err;
	desc = *d;
	if ((desc & SD_L1_TYPE_MASK) == SD_L1_TABLE) {
		l2 = desc & (uint32_t)SD_L1T_BASE_MASK;
	} else {
		err = sim_guest_new_table(s, c, &l2);
		if (err)
			return err;
		err = sd_slot(s, c, l1, true, &d);
		if (err)
			return err;
		/* Invalid -> valid: no invalidation needed. */
		*d = (uint32_t)l2 | (uint32_t)SD_L1_TABLE;
	}
	l2 += ((va >> 12) & 0xff) * 4;
	err = sd_slot(s, c, l2, false, &d);
	if (err)
		return err;
	if ((*d & SD_L2_TYPE_MASK) != SD_L2_FAULT)
		return 0;   /* mapped meanwhile: spurious */
	err = sim_guest_alloc_page(s, vm, &page);
	if (err)
		return err;
	err = sd_slot(s, c, l2, true, &d);
	if (err)
		return err;
	*d = (uint32_t)page | (uint32_t)SD_L2_SMALL | 3u << SD_L2_AP_SHIFT |
	     (uint32_t)(SD_L2_NG | SD_L2_S | SD_L2_C | SD_L2_B) |
	     1u << SD_L2_SMALL_TEX_SHIFT;
	vm->data_pages++;
	return 0;
}

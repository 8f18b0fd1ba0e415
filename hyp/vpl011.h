/* SPDX-License-Identifier: MIT */
/*
 * The PL011 UART a Linux guest sees (ARM PrimeCell UART PL011 TRM,
 * DDI 0183): transmit only, every character sent at once to s2hyp's
 * console as a "[vmN] " line; the receive FIFO is always empty.
 */
#ifndef S2HYP_VPL011_H
#define S2HYP_VPL011_H

#include <stdbool.h>
#include <stdint.h>

#include "hyp.h"

#define VPL011_IPA		0x09000000UL
#define VPL011_SIZE		0x1000UL
#define VPL011_SPI		1	/* INTID 33, as on QEMU virt */

struct hyp_vm;

struct vpl011 {
	hyp_lock_t lock;
	uint32_t ibrd, fbrd, lcr_h, cr, ifls, imsc, ris, dmacr, ilpr;
};

/**
 * vpl011_access() - A guest access at @off into the UART's page.
 * Return: 0 (loads in *@val), or -1 for an offset or size the PL011 does
 * not have (the caller injects an external abort).
 */
int vpl011_access(struct hyp_vm *vm, struct vpl011 *u, uint64_t off,
		  unsigned int size, bool write, uint64_t *val);

/** vpl011_irq_level() - The UART's interrupt line: (UARTRIS & UARTIMSC). */
bool vpl011_irq_level(const struct vpl011 *u);

#endif

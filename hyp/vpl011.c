/* SPDX-License-Identifier: MIT */
/*
 * The guest's PL011 (vpl011.h). Register offsets and bits from the PL011
 * TRM (DDI 0183) section 3.2; the ID values are an r1p5 PL011's, as QEMU's
 * model reports them, so Linux's AMBA bus matches its amba-pl011 driver.
 */
#include "vm.h"
#include "vpl011.h"

#define UARTDR		0x000
#define UARTRSR		0x004
#define UARTFR		0x018
#define UARTILPR	0x020
#define UARTIBRD	0x024
#define UARTFBRD	0x028
#define UARTLCR_H	0x02c
#define UARTCR		0x030
#define UARTIFLS	0x034
#define UARTIMSC	0x038
#define UARTRIS		0x03c
#define UARTMIS		0x040
#define UARTICR		0x044
#define UARTDMACR	0x048
#define UARTPERIPHID0	0xfe0

#define UARTFR_RXFE	(1U << 4)
#define UARTFR_TXFE	(1U << 7)
#define UART_INT_TX	(1U << 5)	/* TXRIS/TXIM/TXIC */
#define UART_INT_ALL	0x7ffU

/* UARTPeriphID0..3, UARTPCellID0..3 (TRM 3.3.15, 3.3.16). */
static const uint8_t pl011_id[8] = { 0x11, 0x10, 0x14, 0x00,
				     0x0d, 0xf0, 0x05, 0xb1 };

bool vpl011_irq_level(const struct vpl011 *u)
{
	return (u->ris & u->imsc) != 0;
}

static int vpl011_read(struct vpl011 *u, uint64_t off, uint64_t *val)
{
	switch (off) {
	case UARTDR:
	case UARTRSR:
		*val = 0;	/* nothing received, no errors */
		return 0;
	case UARTFR:
		/* Sent at once: the transmit FIFO is always empty. */
		*val = UARTFR_TXFE | UARTFR_RXFE;
		return 0;
	case UARTILPR: *val = u->ilpr; return 0;
	case UARTIBRD: *val = u->ibrd; return 0;
	case UARTFBRD: *val = u->fbrd; return 0;
	case UARTLCR_H: *val = u->lcr_h; return 0;
	case UARTCR: *val = u->cr; return 0;
	case UARTIFLS: *val = u->ifls; return 0;
	case UARTIMSC: *val = u->imsc; return 0;
	case UARTRIS: *val = u->ris; return 0;
	case UARTMIS: *val = u->ris & u->imsc; return 0;
	case UARTDMACR: *val = u->dmacr; return 0;
	}
	if (off >= UARTPERIPHID0 && off < UARTPERIPHID0 + 4 * 8 && !(off & 3)) {
		*val = pl011_id[(off - UARTPERIPHID0) / 4];
		return 0;
	}
	return -1;
}

static int vpl011_write(struct hyp_vm *vm, struct vpl011 *u, uint64_t off,
			uint32_t v)
{
	switch (off) {
	case UARTDR:
		vm_putc(vm, (char)v);
		/* The FIFO drained at once: the transmit interrupt asserts,
		 * as on QEMU's PL011, until the driver clears it. */
		u->ris |= UART_INT_TX;
		return 0;
	case UARTRSR: return 0;	/* UARTECR: clears errors we never have */
	case UARTILPR: u->ilpr = v & 0xff; return 0;
	case UARTIBRD: u->ibrd = v & 0xffff; return 0;
	case UARTFBRD: u->fbrd = v & 0x3f; return 0;
	case UARTLCR_H: u->lcr_h = v & 0xff; return 0;
	case UARTCR: u->cr = v & 0xffff; return 0;
	case UARTIFLS: u->ifls = v & 0x3f; return 0;
	case UARTIMSC: u->imsc = v & UART_INT_ALL; return 0;
	case UARTICR: u->ris &= ~v; return 0;
	case UARTDMACR: u->dmacr = v & 0x7; return 0;
	case UARTFR:
	case UARTRIS:
	case UARTMIS:
		return 0;	/* read-only */
	}
	return -1;
}

int vpl011_access(struct hyp_vm *vm, struct vpl011 *u, uint64_t off,
		  unsigned int size, bool write, uint64_t *val)
{
	int ret;

	/* The registers are 32-bit; Linux's earlycon and driver write UARTDR
	 * with byte or word stores, so 8/16/32-bit accesses are accepted. */
	if (size > 4 || (off & (size - 1)))
		return -1;
	hyp_lock(&u->lock);
	if (write) {
		ret = vpl011_write(vm, u, off & ~3ULL, (uint32_t)*val);
	} else {
		ret = vpl011_read(u, off & ~3ULL, val);
		if (!ret && (off & 3))
			*val >>= 8 * (off & 3);
	}
	hyp_unlock(&u->lock);
	return ret;
}

/* SPDX-License-Identifier: MIT */
/*
 * The device tree s2hyp hands to a Linux guest: a GICv2 "virt" machine as
 * QEMU's hw/arm/virt.c describes it, cut down to what the VM has (RAM,
 * vCPUs started through PSCI over HVC, the GIC distributor and CPU
 * interface, the architected timer, one PL011). No PCI, virtio, flash or RTC.
 */
#ifndef S2HYP_VM_DT_H
#define S2HYP_VM_DT_H

#include <stddef.h>
#include <stdint.h>

#include "fdtw.h"

/* The virt machine's layout (QEMU hw/arm/virt.c, base_memmap/a15irqmap). */
#define VM_DT_GICD_IPA		0x08000000ULL
#define VM_DT_GICC_IPA		0x08010000ULL
#define VM_DT_UART_IPA		0x09000000ULL
#define VM_DT_UART_SPI		1	/* INTID 33 */
/* Region sizes: GICv2 distributor, CPU interface (GICC_DIR is at 0x1000),
 * PL011. */
#define VM_DT_GICD_SIZE		0x10000ULL
#define VM_DT_GICC_SIZE		0x2000ULL
#define VM_DT_UART_SIZE		0x1000ULL

/* A GICv2 serves at most 8 CPUs: the PPI CPU mask is 8 bits wide. */
#define VM_DT_MAX_VCPUS		8
/* Linux arm64's COMMAND_LINE_SIZE, with its NUL. */
#define VM_DT_BOOTARGS_MAX	2048
/*
 * Enough for any valid descriptor: the tree is about 1.5 KiB for one vCPU,
 * 92 bytes more per vCPU, plus the bootargs (the test checks the worst case).
 */
#define VM_DT_MAX_SIZE		8192

/* Phandles of the nodes others point at. */
#define VM_DT_PHANDLE_GIC	1
#define VM_DT_PHANDLE_CLK	2

/* What the tree describes. All addresses are IPAs. */
struct vm_dt_desc {
	uint64_t ram_ipa, ram_size;	/* one /memory node */
	unsigned int nr_vcpus;		/* 1..8; vCPU i has MPIDR i, reg <i> */
	uint64_t gicd_ipa, gicc_ipa;	/* VM_DT_GICD_IPA, VM_DT_GICC_IPA */
	uint64_t uart_ipa;		/* VM_DT_UART_IPA */
	unsigned int uart_spi;		/* VM_DT_UART_SPI: INTID 32 + spi */
	const char *bootargs;		/* NULL: no /chosen/bootargs */
	uint64_t initrd_start, initrd_end; /* [start, end) in RAM; 0/0: none */
};

/**
 * vm_dt_build() - Write the device tree for a VM.
 * @buf: where the DTB goes; 8-byte aligned for Linux.
 * @size: bytes at @buf; VM_DT_MAX_SIZE is always enough.
 * @d: the VM.
 *
 * Return: the DTB's size, or -FDTW_EINVAL for a descriptor Linux could not
 * use (no vCPU or more than 8, empty or wrapping RAM, an initrd not inside
 * RAM, an SPI beyond the GIC's 988, bootargs of VM_DT_BOOTARGS_MAX or more),
 * or -FDTW_ENOSPC if @size is too small. Nothing is written at or past
 * @buf + @size.
 */
int vm_dt_build(void *buf, size_t size, const struct vm_dt_desc *d);

#endif /* S2HYP_VM_DT_H */

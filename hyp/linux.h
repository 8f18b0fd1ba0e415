/* SPDX-License-Identifier: MIT */
/*
 * Linux guests: the kernel Image and initramfs QEMU's loader put in host
 * RAM (command-line "linux=PA,SIZE initrd=PA,SIZE"), and a VM that boots
 * them by Linux's arm64 boot protocol (Documentation/arm64/booting.rst).
 */
#ifndef S2HYP_LINUX_H
#define S2HYP_LINUX_H

#include <stdbool.h>
#include <stdint.h>

struct hyp_vm;

/*
 * The harness register of a Linux guest (/init's s2mm.harness=): the
 * guest writes its workload's phase (HARNESS_PHASE_*), the host answers
 * reads with how many of its memory operations on the VM have completed
 * (a migration, a merging scan), so that /init can check its data before,
 * during and after them. Not a device of QEMU's virt: the guest's kernel
 * knows nothing of it, /init reaches it through /dev/mem.
 */
#define LINUX_HARNESS_IPA	0x0a001000UL
#define LINUX_HARNESS_SIZE	0x1000UL
#define HARNESS_PHASE_READY	1	/* data written: the host may act */

struct linux_images {
	uint64_t image_pa, image_size;
	uint64_t initrd_pa, initrd_size;
};

/* Set by main.c from the command line before the allocator starts. */
extern struct linux_images linux_images;

/* One Linux guest's shape and its /init's options. */
struct linux_guest {
	uint64_t ram_size;
	unsigned int nr_vcpus;
	bool probe;		/* read an IPA with nothing there first */
	int fill;		/* s2mm.fill= percent; < 0: /init's default */
	bool harness;		/* /init's workload waits for host_events */
	bool pager;		/* RAM page by page (overcommit, merging) */
};

/**
 * linux_vm_devices() - The Linux guest's interrupt controller: the vGIC's
 * state and the GICV frame mapped as its CPU interface. For a new VM, and
 * for the destination of a migration (before its state is copied in).
 * Return: 0 or a negative S2_E* code.
 */
int linux_vm_devices(struct hyp_vm *vm);

/**
 * linux_vm_create() - A VM as @g says with the kernel, initramfs and a
 * device tree in its RAM, vCPU 0 at the kernel's entry, the others off
 * until PSCI CPU_ON.
 * Return: 0, or a negative S2_E* code after saying why (nothing kept).
 */
int linux_vm_create(struct hyp_vm *vm, unsigned int id,
		    const struct linux_guest *g);

#endif

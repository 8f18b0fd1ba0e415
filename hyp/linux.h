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
};

/**
 * linux_vm_create() - A VM as @g says with the kernel, initramfs and a
 * device tree in its RAM, vCPU 0 at the kernel's entry, the others off
 * until PSCI CPU_ON.
 * Return: 0, or a negative S2_E* code after saying why (nothing kept).
 */
int linux_vm_create(struct hyp_vm *vm, unsigned int id,
		    const struct linux_guest *g);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * The kernel command line of s2hyp's Linux guests: the PL011 console (and
 * its early console, at the VM's UART), the initramfs's /init. One string
 * for s2hyp (linux.c) and for `s2mm hyp linux --baseline`, which boots the
 * same guest on plain QEMU.
 */
#ifndef S2HYP_LINUX_BOOTARGS_H
#define S2HYP_LINUX_BOOTARGS_H

#define LINUX_BOOTARGS	"console=ttyAMA0 earlycon=pl011,0x9000000 rdinit=/init"

#endif

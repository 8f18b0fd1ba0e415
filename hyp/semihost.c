/* SPDX-License-Identifier: MIT */
/*
 * Semihosting (Arm "Semihosting for AArch32 and AArch64", HLT #0xF000):
 * the test runner's way to get a status out of QEMU (-semihosting).
 */
#include "hyp.h"

#define SYS_GET_CMDLINE		0x15
#define SYS_EXIT		0x18
#define ADP_STOPPED_APP_EXIT	0x20026

static uint64_t semihost_call(uint64_t op, uint64_t arg)
{
	register uint64_t x0 __asm__("x0") = op;
	register uint64_t x1 __asm__("x1") = arg;

	__asm__ volatile("hlt #0xf000" : "+r"(x0) : "r"(x1) : "memory");
	return x0;
}

_Noreturn void semihost_exit(unsigned int code)
{
	/* AArch64 SYS_EXIT takes a block {reason, subcode}; QEMU exits with
	 * subcode & 0xff. */
	static volatile uint64_t block[2];

	block[0] = ADP_STOPPED_APP_EXIT;
	block[1] = code;
	for (;;)
		semihost_call(SYS_EXIT, (uint64_t)block);
}

int semihost_cmdline(char *buf, size_t n)
{
	static volatile uint64_t block[2];

	block[0] = (uint64_t)buf;
	block[1] = n;
	if (semihost_call(SYS_GET_CMDLINE, (uint64_t)block) != 0)
		return -1;
	return 0;
}

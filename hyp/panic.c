/* SPDX-License-Identifier: MIT */
/*
 * Panic: print why, the syndrome registers and the general registers, and
 * leave QEMU with HYP_EXIT_PANIC so a test can never mistake it for a pass.
 */
#include "hyp.h"

static void dump_syndrome(void)
{
	hyp_printf("  ESR_EL2   %016lx  FAR_EL2  %016lx  HPFAR_EL2 %016lx\n",
		   read_sysreg(esr_el2), read_sysreg(far_el2),
		   read_sysreg(hpfar_el2));
	hyp_printf("  ELR_EL2   %016lx  SPSR_EL2 %016lx  VTTBR_EL2 %016lx\n",
		   read_sysreg(elr_el2), read_sysreg(spsr_el2),
		   read_sysreg(vttbr_el2));
}

void hyp_dump_regs(const struct hyp_regs *r)
{
	for (unsigned int i = 0; i < 31; i += 2) {
		if (i == 30)
			hyp_printf("  x30 %016lx  sp  %016lx\n", r->x[30], r->sp);
		else
			hyp_printf("  x%-2u %016lx  x%-2u %016lx\n", i, r->x[i],
				   i + 1, r->x[i + 1]);
	}
	hyp_printf("  pc  %016lx  pstate %016lx\n", r->pc, r->pstate);
}

static void panic_begin(void)
{
	/* Whoever holds the console lock may be the CPU that died. */
	console_break_lock();
	__asm__ volatile("msr daifset, #0xf");
}

_Noreturn void hyp_panic(const char *fmt, ...)
{
	va_list ap;

	panic_begin();
	hyp_printf("\nPANIC on CPU %u: ", this_cpu() ? this_cpu()->id : 0);
	va_start(ap, fmt);
	hyp_vprintf(fmt, ap);
	va_end(ap);
	hyp_printf("\n");
	dump_syndrome();
	semihost_exit(HYP_EXIT_PANIC);
}

_Noreturn void hyp_panic_regs(const struct hyp_regs *r, unsigned int vec,
			      const char *why)
{
	panic_begin();
	hyp_printf("\nPANIC on CPU %u: %s (vector %u, EC 0x%lx)\n",
		   this_cpu() ? this_cpu()->id : 0, why, vec,
		   (read_sysreg(esr_el2) >> 26) & 0x3f);
	dump_syndrome();
	hyp_dump_regs(r);
	semihost_exit(HYP_EXIT_PANIC);
}

/* SPDX-License-Identifier: MIT */
/*
 * Per-CPU state and secondary bring-up through PSCI (DEN0022). With
 * virtualization=on and no EL3 firmware, QEMU implements PSCI itself and
 * takes calls by SMC from EL2 (HCR_EL2.TSC=0).
 */
#include "hyp.h"

#define PSCI_CPU_ON_64		0xc4000003
#define PSCI_RET_INVALID_PARAMS	(-2)
#define PSCI_RET_ALREADY_ON	(-4)

/* MPIDR_EL1 affinity fields Aff3 [39:32], Aff2..Aff0 [23:0]. */
#define MPIDR_AFF_MASK		0xff00ffffffULL

/* CPTR_EL2 (E2H=0) RES1 bits [13:12] and [9:0]; TFP/TTA clear: no traps. */
#define CPTR_EL2_RES1		0x33ffULL
/* CNTHCTL_EL2.EL1PCTEN|EL1PCEN: guests may read the physical counter. */
#define CNTHCTL_EL2_EL1PCxEN	0x3ULL

struct hyp_cpu hyp_cpus[HYP_MAX_CPUS];
unsigned int hyp_ncpus = 1;

extern char secondary_entry[];

void cpu_early_init(unsigned int id)
{
	struct hyp_cpu *c = &hyp_cpus[id];

	c->id = id;
	c->mpidr = read_sysreg(mpidr_el1) & MPIDR_AFF_MASK;
	write_sysreg(c, tpidr_el2);
	write_sysreg(hyp_vectors, vbar_el2);
	/* EL2 state a guest entry relies on; HCR_EL2.VM stays off until a
	 * VM runs. RW=1: EL1 is AArch64 unless a vCPU says otherwise. */
	write_sysreg(HCR_EL2_RW, hcr_el2);
	write_sysreg(CPTR_EL2_RES1, cptr_el2);
	write_sysreg(CNTHCTL_EL2_EL1PCxEN, cnthctl_el2);
	write_sysreg(0, cntvoff_el2);
	write_sysreg(0, hstr_el2);
	write_sysreg(read_sysreg(midr_el1), vpidr_el2);
	write_sysreg(read_sysreg(mpidr_el1), vmpidr_el2);
	isb();
	if (id == 0)
		mmu_init_tables();
	mmu_enable();
	gic_init_cpu(id);
}

int psci_cpu_on(uint64_t mpidr, uint64_t entry, uint64_t ctx)
{
	register uint64_t x0 __asm__("x0") = PSCI_CPU_ON_64;
	register uint64_t x1 __asm__("x1") = mpidr;
	register uint64_t x2 __asm__("x2") = entry;
	register uint64_t x3 __asm__("x3") = ctx;

	__asm__ volatile("smc #0"
			 : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)
			 :
			 : "memory");
	return (int)x0;
}

/*
 * Start CPUs 1, 2, ... until PSCI says the MPIDR does not exist. QEMU virt
 * numbers CPUs with Aff0 = index (8 per cluster), so probing finds exactly
 * the -smp N CPUs without parsing /cpus.
 */
int smp_boot_secondaries(void)
{
	for (unsigned int i = 1; i < HYP_MAX_CPUS; i++) {
		uint64_t mpidr = (uint64_t)(i / 8) << 8 | (i % 8);
		int ret = psci_cpu_on(mpidr, (uint64_t)secondary_entry, i);

		if (ret == PSCI_RET_INVALID_PARAMS)
			break;
		if (ret != 0 && ret != PSCI_RET_ALREADY_ON) {
			hyp_printf("psci: CPU_ON %lx failed: %d\n", mpidr, ret);
			return -1;
		}
		for (uint64_t t0 = hyp_counter();; ) {
			if (__atomic_load_n(&hyp_cpus[i].online, __ATOMIC_ACQUIRE))
				break;
			if (hyp_counter() - t0 > read_sysreg(cntfrq_el0)) {
				hyp_printf("smp: CPU %u did not come up\n", i);
				return -1;
			}
		}
		hyp_ncpus = i + 1;
	}
	return 0;
}

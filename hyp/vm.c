/* SPDX-License-Identifier: MIT */
#include "hyp.h"
#include "vm.h"

int vm_scenario_guest(unsigned int cpu)
{
	(void)cpu;
	return 0;
}

int vm_selftest(void)
{
	return 0;
}

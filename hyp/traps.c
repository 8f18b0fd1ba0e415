/* SPDX-License-Identifier: MIT */
/*
 * Exceptions taken from EL2 itself. s2hyp runs with DAIF masked, so any of
 * these is a bug in the hypervisor: dump and exit non-zero.
 */
#include "hyp.h"

static const char *const vec_names[16] = {
	"sync from EL2 (SP_EL0)", "IRQ from EL2 (SP_EL0)",
	"FIQ from EL2 (SP_EL0)", "SError from EL2 (SP_EL0)",
	"sync from EL2", "IRQ from EL2", "FIQ from EL2", "SError from EL2",
};

void hyp_cur_exception(struct hyp_regs *r, unsigned int vec)
{
	hyp_panic_regs(r, vec, vec < 8 ? vec_names[vec] : "unexpected vector");
}

/* SPDX-License-Identifier: MIT */
/*
 * Private to the MMU model: the plain walk's usual case (walk_lean.c),
 * which s2_mmu_translate_cached() tries before the general walker.
 */
#ifndef S2MM_MODEL_WALK_LEAN_H
#define S2MM_MODEL_WALK_LEAN_H

#include <stdbool.h>

#include <s2mm/mmu.h>

/*
 * Translate @acc (arguments checked: check_args()) as the general walker
 * would with the decoded-regime cache @rc (s2_model_translate_s12()), in
 * the usual case (walk_lean.c says which): true with @res written, else
 * false with @res untouched (@rc may have decoded more or prepared its
 * lean state) for the general walker to translate.
 */
bool s2_model_walk_lean(struct s2_mmu_regime *rc, const struct s2_mmu_mem *mem,
			const struct s2_mmu_cpu *cpu, const struct s2_mmu_regs *regs,
			const struct s2_mmu_access *acc, struct s2_mmu_result *res);

#endif /* S2MM_MODEL_WALK_LEAN_H */

/* SPDX-License-Identifier: MIT */
/*
 * The plain walk's usual case, the lean walk: s2_mmu_translate_cached()
 * of an access whose translation succeeds through the fast 2D walk
 * (walk_fast.h) with usual leaves, in one function. The usual case: an
 * AArch64 EL1 (HCR_EL2.RW) with both stages on (SCTLR_EL1.M, HCR_EL2.VM),
 * no HCR_EL2.PTW, the 4KB granule and OAs of at most 48 bits at both
 * stages and no hardware Access flag or dirty state (fast4k), the fast
 * walk's block of stage-2 tables found (regime_blk()); and per access, a
 * walk the fast walk finishes at both stages, whose leaves have AF set
 * and no Contiguous hint, a stage-2 leaf without DBM, and both stages
 * granting the access.
 *
 * What the general walker spends around the fast walk on every call (the
 * walk context, the regime cache's key, the result initialised and then
 * written field by field, both stages' grants and attributes decoded),
 * the lean walk does once: per context (struct s2_mmu_lean in the regime
 * cache, prepared by the first call after the cache was reset or the
 * memory window, SCTLR_EL1, MAIR_EL1 or HCR_EL2 changed: the fast walk's
 * values, the grant tables) and per leaf bits (the leaves' grants and
 * attributes, leaf_memo.h, shared with the TLB's miss lane, lane.c); the
 * result is written once. Anything else is the general walker's, with
 * nothing written. The checked build (S2MM_MODEL_CHECK_FAST) translates
 * every access the lean walk serves again with the general walker and
 * traps on any difference in the result. Freestanding.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <s2mm/arch.h>
#include <s2mm/mmu.h>

#include "internal.h"
#include "leaf_memo.h"
#include "regime.h"
#include "walk.h"
#include "walk_fast.h"
#include "walk_lean.h"

/*
 * The context as struct s2_mmu_lean keeps it: what the regime cache's key
 * holds (every register its decoding reads, whole) and what the lean
 * walk's results depend on besides (the memory window, SCTLR_EL1,
 * MAIR_EL1, HCR_EL2's other bits).
 */
static inline void lean_ctx(uint64_t k[12], const struct s2_mmu_mem *mem,
			    const struct s2_mmu_cpu *cpu, const struct s2_mmu_regs *regs)
{
	k[0] = (uintptr_t)mem->host;
	k[1] = mem->base;
	k[2] = mem->size;
	k[3] = cpu_word(cpu);
	k[4] = regs->hcr_el2;
	k[5] = regs->vtcr_el2;
	k[6] = regs->vttbr_el2;
	k[7] = regs->sctlr_el1;
	k[8] = regs->tcr_el1;
	k[9] = regs->ttbr0_el1;
	k[10] = regs->ttbr1_el1;
	k[11] = regs->mair_el1;
}

/* Is the context that of @ln? */
static inline bool lean_same(const struct s2_mmu_lean *ln, const struct s2_mmu_mem *mem,
			     const struct s2_mmu_cpu *cpu, const struct s2_mmu_regs *regs)
{
	const uint64_t *k = ln->ctx;

	return !((((uintptr_t)mem->host ^ k[0]) | (mem->base ^ k[1]) | (mem->size ^ k[2]) |
		  (cpu_word(cpu) ^ k[3]) | (regs->hcr_el2 ^ k[4]) | (regs->vtcr_el2 ^ k[5])) |
		 ((regs->vttbr_el2 ^ k[6]) | (regs->sctlr_el1 ^ k[7]) | (regs->tcr_el1 ^ k[8]) |
		  (regs->ttbr0_el1 ^ k[9]) | (regs->ttbr1_el1 ^ k[10]) |
		  (regs->mair_el1 ^ k[11])));
}

/*
 * Prepare @rc's lean state for the context (valid: check_args()), keyed to
 * it as the general walker would key it first (regime_match(), else
 * regime_reset()): what every walk of the general walker would test and
 * take again, tested and taken once. s1ok 0: not the usual case.
 */
static __attribute__((noinline, cold)) void
lean_prepare(struct s2_mmu_regime *rc, const struct s2_mmu_mem *mem,
	     const struct s2_mmu_cpu *cpu, const struct s2_mmu_regs *regs)
{
	struct s2_mmu_lean *ln = &rc->lean;
	const struct s2_mmu_tt *s2;
	struct s2_walk w = { 0 };

	if (!regime_match(rc, cpu, regs))
		regime_reset(rc, cpu, regs);
	lean_ctx(ln->ctx, mem, cpu, regs);
	ln->s1ok = 0;
	rc->valid |= REGIME_LEAN;
	if ((regs->hcr_el2 & (HCR_EL2_VM | HCR_EL2_RW | HCR_EL2_PTW)) !=
	    (HCR_EL2_VM | HCR_EL2_RW) || !(regs->sctlr_el1 & SCTLR_M))
		return;
	s2 = regime_s2(rc, cpu, regs);
	if (!s2->fast4k)
		return;
	/* translate()'s walk context, as far as the fast walk reads it. */
	w.cpu = cpu;
	w.regs = regs;
	w.mem.base = mem->base;
	w.mem.last = mem->size - 8;
	w.mem.host = (uintptr_t)mem->host;
	w.vmid = rc->vmid;
	w.s2_on = true;
	w.s2 = s2;
	w.s2_base_off = s2->base - w.mem.base;
	w.s2_fast = s2->fast_mask;
	w.s2_oa_mask = s2->oa_mask;
	w.s2_range = s2->range_mask;
	if (!regime_blk(rc, &w))
		return;
	s2_model_walk2d_regs(&ln->walk, &w);
	memo_prepare(&ln->memo, cpu, regs->sctlr_el1);
	for (unsigned sel = 0; sel < 2; sel++)
		/* fast4k: valid, no HA (so no HD), what the fast walk takes. */
		if (regime_s1(rc, cpu, regs, false, sel)->fast4k)
			ln->s1ok |= (uint8_t)(1u << sel);
}

/* s2_model_walk_lean() without the checked build's check. */
static inline bool walk_lean(struct s2_mmu_regime *rc, const struct s2_mmu_mem *mem,
			     const struct s2_mmu_cpu *cpu, const struct s2_mmu_regs *regs,
			     const struct s2_mmu_access *acc, struct s2_mmu_result *res)
{
	struct s2_mmu_lean *ln = &rc->lean;
	uint64_t va = acc->va;
	unsigned a = acc->acc, el = acc->el, sel = (unsigned)(va >> 55) & 1;
	const struct s2_mmu_tt *c = regime_s1_half(rc, sel);
	struct tt_leaf lf, lf2;
	uint32_t reads1, reads2;

	if (__builtin_expect(!(rc->valid & REGIME_LEAN) || !lean_same(ln, mem, cpu, regs), 0))
		lean_prepare(rc, mem, cpu, regs);
	/* Stage 1's input address check (s1_check_in(): fast4k, no fault). */
	if (!((ln->s1ok >> sel) & 1) || (va & c->range_mask) != c->range_want)
		return false;
	if (walk2d_fast_any(&ln->walk, c, va, ln->walk.s2start, &lf, &lf2, &reads1,
			    &reads2) != 2 ||
	    !(memo_hit(&ln->memo, lf.desc, lf.table, lf2.desc) ||
	      memo_fill(&ln->memo, regs->mair_el1, rc->s2.memattr_fwb, rc->vmid, c->asid,
			lf.desc, lf.table, lf2.desc)) ||
	    !memo_allows(&ln->memo, a, el))
		return false;
	/* Pages at both stages, the usual leaves: levels and sizes constant. */
	if (__builtin_expect(lf.level == 3 && lf2.level == 3, 1))
		memo_result(&ln->memo, res, a, el, va, 3, 12, lf.out, 3, 12, lf2.out,
			    reads1 + reads2);
	else
		memo_result(&ln->memo, res, a, el, va, lf.level, lf.shift, lf.out,
			    lf2.level, lf2.shift, lf2.out, reads1 + reads2);
	return true;
}

#ifdef S2MM_MODEL_CHECK_FAST
/*
 * Self-check build: every access the lean walk serves is translated again
 * by the general walker, whose result must be the same (result_same()).
 * Counted: [0] declined, [1] served.
 */
unsigned long s2_model_lean_walks[2];
#endif

bool s2_model_walk_lean(struct s2_mmu_regime *rc, const struct s2_mmu_mem *mem,
			const struct s2_mmu_cpu *cpu, const struct s2_mmu_regs *regs,
			const struct s2_mmu_access *acc, struct s2_mmu_result *res)
{
#ifdef S2MM_MODEL_CHECK_FAST
	struct s2_mmu_result general;
	bool served = walk_lean(rc, mem, cpu, regs, acc, res);

	s2_model_lean_walks[served]++;
	if (served) {
		s2_model_translate_s12(mem, cpu, regs, rc, acc, &general);
		if (!result_same(res, &general))
			__builtin_trap();
	}
	return served;
#else
	return walk_lean(rc, mem, cpu, regs, acc, res);
#endif
}

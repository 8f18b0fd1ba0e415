/* SPDX-License-Identifier: MIT */
/*
 * The Contiguous hint in the TLB (Arm ARM D8.6.1 "The Contiguous bit";
 * AArch64.ContiguousBit, AArch64.ContiguousSize). A leaf whose hint is in
 * effect (contig.h) lets a TLB hold one entry for the aligned range of
 * 16, 32 or 128 entries it belongs to; a combined entry's size is the
 * smaller of both stages' (as for blocks). Before such a fill the range is
 * checked: software must give every entry of the range the hint, one
 * output address range aligned to the range's size, and the same
 * attributes and permissions. If it does not, the hint is misprogrammed
 * and the architecture allows, CONSTRAINED UNPREDICTABLE, a TLB conflict
 * abort or, for a look-up of any address of the range, the translation of
 * any one entry of the range (never memory that no entry of the range
 * maps through the stages above it). The model counts it
 * (stats.contig_bad, S2_MMU_CONTIG_BAD) and, by s2_tlb_set_contig(),
 * either uses the entry it walked for the whole range (S2_TLB_CONTIG_RANGE,
 * what a TLB that trusts the hint does; when that entry's own output
 * address is not aligned as the range's, it fills that entry alone, as if
 * there were no hint, so that its own address keeps its translation), or
 * reports a TLB conflict abort (S2_TLB_CONTIG_ABORT). The Access flag is no part of the check: it may
 * differ between the entries of a range (hardware sets it in one entry;
 * Linux's contpte code clears and gathers it per range); a range with an
 * AF=0 entry fills an entry of the walked leaf alone, so that the other's
 * Access flag fault still shows. Freestanding.
 */
#include <stdbool.h>
#include <stdint.h>

#include <s2mm/arch.h>
#include <s2mm/error.h>
#include <s2mm/mmu.h>
#include <s2mm/tlb.h>

#include "contig.h"
#include "internal.h"
#include "regime.h"
#include "tlb_sets.h"
#include "walk.h"

uint8_t s2_contig_leaf(const struct s2_mmu_tt *c, uint64_t desc, int level,
		       unsigned shift, uint8_t flag)
{
	unsigned cs;

	if (!(desc & DESC_CONTIGUOUS))
		return 0;
	cs = s2_mmu_contig_shift(level, shift);
	return cs && cs <= c->ia_bits ? flag : 0;
}

unsigned s2_mmu_contig_shift(int level, unsigned shift)
{
	unsigned g;

	if (level < 0 || level > 3)
		return 0;
	/* shift = g + (3 - level) * (g - 3) names granule g and level. */
	g = (shift + 9 - 3 * (unsigned)level) / (4 - (unsigned)level);
	if ((g != 12 && g != 14 && g != 16) ||
	    g + (3 - (unsigned)level) * (g - 3) != shift)
		return 0;
	switch (g) {
	case 12:    /* RES0 in a level-0 block (FEAT_LPA2) */
		return level ? shift + 4 : 0;
	case 14:    /* RES0 in a level-1 block (FEAT_LPA2) */
		return level == 3 ? shift + 7 : level == 2 ? shift + 5 : 0;
	default:    /* RES0 in a level-1 block (FEAT_LPA) */
		return level >= 2 ? shift + 5 : 0;
	}
}

/* What range_ok() found. */
enum { RANGE_OK, RANGE_BAD, RANGE_NARROW };

/*
 * Is the range of 1 << @cs bytes around @in, whose leaves map 1 << @ls
 * each, programmed as the hint requires? @stage 1 walks stage 1 alone
 * (the output its IPA), 2 stage 2 alone (@in an IPA). RANGE_NARROW: an entry
 * has AF=0, which is no misprogramming (AF may differ within a range),
 * but the model then fills no wider entry, so that the entry's Access
 * flag fault still shows. Walks with the hardware Access flag update off:
 * the check must not write the tables.
 */
static unsigned range_ok(const struct s2_mmu_mem *mem, const struct s2_mmu_cpu *cpu,
			 const struct s2_mmu_regs *regs,
			 const struct s2_mmu_access *acc, unsigned stage,
			 uint64_t in, unsigned cs, unsigned ls)
{
	struct s2_mmu_regs r = *regs;
	struct s2_mmu_regime rc;
	struct s2_mmu_result r0, rj;
	struct s2_mmu_access a = *acc;
	unsigned mode = stage == 1 ? S2_MODEL_S1 : S2_MODEL_S2, ret = RANGE_OK;
	uint8_t flag = stage == 1 ? S2_MMU_CONTIG_S1 : S2_MMU_CONTIG_S2;
	uint64_t base = in & ~LOWMASK(cs), j, n = 1ULL << (cs - ls), out, want;

	r.tcr_el1 &= ~TCR_EL1_HA;
	r.vtcr_el2 &= ~VTCR_EL2_HA;
	regime_reset(&rc, cpu, &r);
	a.va = in;
	s2_model_translate(mem, cpu, &r, &rc, NULL, &a, mode, &r0, NULL);
	if (r0.fault.type)   /* the walked leaf, AF set by its own walk */
		return RANGE_NARROW;
	out = (stage == 1 ? r0.ipa : r0.pa) & ~LOWMASK(cs);
	for (j = 0; j < n; j++) {
		a.va = base + (j << ls);
		s2_model_translate(mem, cpu, &r, &rc, NULL, &a, mode, &rj, NULL);
		if (rj.fault.type == S2_MMU_FAULT_ACCESS_FLAG &&
		    rj.fault.stage == stage && !rj.fault.s1ptw) {
			ret = RANGE_NARROW;
			continue;
		}
		want = out + (j << ls);
		if (rj.fault.type || !(rj.contig & flag) ||
		    (stage == 1 ? rj.ipa : rj.pa) != want)
			return RANGE_BAD;
		if (stage == 1 ? rj.s1_level != r0.s1_level ||
				 rj.s1_perm != r0.s1_perm ||
				 rj.global != r0.global || rj.attr != r0.attr ||
				 rj.sh != r0.sh
			       : rj.s2_level != r0.s2_level ||
				 rj.s2_perm != r0.s2_perm ||
				 rj.s2_memattr != r0.s2_memattr ||
				 rj.s2_sh != r0.s2_sh)
			return RANGE_BAD;
	}
	return ret;
}

void s2_contig_fetch_fill(const struct s2_walk *w, uint64_t ipa, uint64_t desc,
			  struct s2_leaf *o)
{
	struct s2_tlb *tlb = w->tlb;
	unsigned cs = s2_mmu_contig_shift(o->level, o->shift);

	if (cs && tlb->contig != S2_TLB_CONTIG_OFF &&
	    s2_contig_leaf(w->s2, desc, o->level, o->shift, 1)) {
		struct s2_mmu_mem mem = { (const void *)w->mem.host, w->mem.base,
					  w->mem.last + 8 };
		struct s2_mmu_access a = { ipa, S2_MMU_READ, 1 };
		unsigned st = range_ok(&mem, w->cpu, w->regs, &a, 2, ipa, cs,
				       o->shift);

		/*
		 * A misprogrammed run is counted and cached narrow: the
		 * walk's own fetch gives no TLB conflict abort here.
		 */
		if (st == RANGE_BAD)
			tlb->stats.contig_bad++;
		if (st == RANGE_OK) {
			o->shift = (uint8_t)cs;
			tlb->stats.contig_fills++;
		}
	}
	s2_tlb_walk_fill(tlb, w->vmid, ipa, o);
}

void s2_contig_fill(struct s2_tlb *tlb, const struct s2_mmu_mem *mem,
		    const struct s2_mmu_cpu *cpu, const struct s2_mmu_regs *regs,
		    const struct s2_mmu_access *acc, unsigned kind, uint64_t in,
		    struct s2_mmu_result *res)
{
	struct s2_mmu_result r = *res;
	unsigned c1 = r.s1_shift, c2 = r.s2_shift, lo, hi, st = RANGE_OK;

	if (tlb->contig == S2_TLB_CONTIG_OFF || r.fault.type) {
		/* A faulting walk fills nothing wider than it walked. */
		s2_tlb_fill_result(tlb, kind, regs, in, res);
		return;
	}
	if (r.contig & S2_MMU_CONTIG_S1)
		c1 = s2_mmu_contig_shift(r.s1_level, r.s1_shift);
	if (r.contig & S2_MMU_CONTIG_S2)
		c2 = s2_mmu_contig_shift(r.s2_level, r.s2_shift);
	lo = r.s1_shift < r.s2_shift ? r.s1_shift : r.s2_shift;
	hi = c1 < c2 ? c1 : c2;
	if (hi > lo) {
		/* Check each stage whose hint widens the entry. */
		if (c1 > r.s1_shift && hi > r.s1_shift)
			st = range_ok(mem, cpu, regs, acc, 1, in, c1, r.s1_shift);
		if (st != RANGE_BAD && c2 > r.s2_shift && hi > r.s2_shift) {
			unsigned s2 = range_ok(mem, cpu, regs, acc, 2, r.ipa,
					       c2, r.s2_shift);
			st = s2 != RANGE_OK ? s2 : st;
		}
		if (st == RANGE_BAD) {
			tlb->stats.contig_bad++;
			res->contig |= S2_MMU_CONTIG_BAD;
		}
		if (st == RANGE_BAD && tlb->contig == S2_TLB_CONTIG_ABORT) {
			/*
			 * Reported to EL2 when stage 2 is on (R_FWRMB: a
			 * conflict from the Contiguous bit with stage 2
			 * enabled), with no IPA (HPFAR is not valid).
			 */
			struct s2_mmu_fault *f = &res->fault;

			/* The walk succeeded: level 0, no level to name. */
			f->type = S2_MMU_FAULT_TLB_CONFLICT;
			f->stage = kind == S2_TLB_S1 ? 1 : 2;
			f->s1ptw = false;
			f->ipa_valid = false;
			return;
		}
		/*
		 * The walked leaf's own address must keep its translation:
		 * a range entry only where its output is aligned as the
		 * range's would be, else no contiguous effect (the hint may
		 * always be ignored).
		 */
		if (((in ^ r.ipa) | (r.ipa ^ r.pa)) & LOWMASK(hi) & ~LOWMASK(lo))
			st = RANGE_NARROW;
		if (st != RANGE_NARROW) {
			r.s1_shift = (uint8_t)c1;
			r.s2_shift = (uint8_t)c2;
			tlb->stats.contig_fills++;
		}
	}
	s2_tlb_fill_result(tlb, kind, regs, in, &r);
}

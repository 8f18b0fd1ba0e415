/* SPDX-License-Identifier: MIT */
/*
 * Private to the MMU model: the TLB's sets as the translation path
 * (translate.c) and the walker (walk.c) use them. Inline here: the look-up
 * and the result an entry gives, which a TLB hit runs; tlb.c fills the
 * sets. The walker uses the stage-2-only entries as its walk cache; the
 * TLB uses nothing of the walker.
 */
#ifndef S2MM_MODEL_TLB_SETS_H
#define S2MM_MODEL_TLB_SETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <s2mm/arch.h>
#include <s2mm/mmu.h>
#include <s2mm/tlb.h>

#include "attr.h"
#include "internal.h"

/* A stage-2 leaf as the walker found it (or a TLB cached it). */
struct s2_leaf {
	uint64_t pa;       /* output address of the looked-up IPA */
	int8_t level;
	uint8_t shift;     /* log2 block size */
	uint8_t perm;      /* S2_MMU_PERM_* */
	uint8_t memattr;   /* stage-2 MemAttr[3:0] */
	uint8_t sh;
};

/* TLB walk cache: stage-2-only entries used for stage-1 table fetches. */
bool s2_tlb_walk_lookup(struct s2_tlb *tlb, uint16_t vmid, uint64_t ipa,
			struct s2_leaf *out);
void s2_tlb_walk_fill(struct s2_tlb *tlb, uint16_t vmid, uint64_t ipa,
		      const struct s2_leaf *leaf);

/*
 * Probe every block size some entry has, at that size's set. The address
 * is compared first: it is what tells most ways of a set apart.
 */
static inline struct s2_tlb_entry *tlb_lookup(struct s2_tlb *tlb,
					      unsigned kind, uint16_t vmid,
					      uint16_t asid, uint64_t in)
{
	uint64_t shifts = tlb->shifts;
	uint32_t set_mask = tlb->sets - 1, ways = tlb->ways;

	while (shifts) {
		unsigned shift = (unsigned)__builtin_ctzll(shifts);
		uint32_t set = (uint32_t)(in >> shift) & set_mask;
		struct s2_tlb_entry *e = &tlb->entries[set * ways];
		struct s2_tlb_entry *end = e + ways;

		shifts &= shifts - 1;
		for (; e < end; e++) {
			if (!((in ^ e->in) >> shift) && e->shift == shift &&
			    e->kind == kind && e->vmid == vmid &&
			    (e->global || e->asid == asid))
				return e;
		}
	}
	return NULL;
}

/*
 * Rebuild @res from a TLB entry, checking permissions
 * (AArch64.CheckPermission).
 */
static inline void tlb_from_entry(const struct s2_tlb_entry *e,
				  const struct s2_mmu_regs *regs,
				  const struct s2_mmu_access *acc, uint64_t in,
				  struct s2_mmu_result *res)
{
	uint64_t off = in & LOWMASK(e->shift);
	struct s2_mmu_fault *f = &res->fault;

	/* One initialiser: every field written once, padding included. */
	*res = (struct s2_mmu_result){
		.fault = { .acc = acc->acc, .el = acc->el, .va = acc->va },
		.pa = e->out | off,
		.ipa = e->ipa | off,
		.attr = e->attr,
		.sh = e->sh,
		.s1_level = e->s1_level,
		.s2_level = e->s2_level,
		.s1_shift = e->kind == S2_TLB_S2 ? 64 : e->shift,
		.s2_shift = e->kind == S2_TLB_S1 ? 64 : e->shift,
		.s1_perm = e->s1_perm,
		.s2_perm = e->s2_perm,
		.global = e->global,
		.asid = e->asid,
		.vmid = e->vmid,
		.tlb_hit = true,
	};
	if (e->kind == S2_TLB_S2) {
		uint8_t s1 = s2_model_mmu_off_attr(regs, acc->acc);
		res->attr = s2_model_combine_attr(s1, e->attr);
		res->s2_memattr = e->attr;
		res->s2_sh = e->sh;
		res->sh = s2_model_par_sh(res->attr, e->sh);
	}
	if (!s2_model_perm_ok(e->s1_perm, acc->acc, acc->el)) {
		f->type = S2_MMU_FAULT_PERMISSION;
		f->level = e->s1_level;
		f->stage = 1;
	} else if (!s2_model_perm_ok(e->s2_perm, acc->acc, acc->el)) {
		f->type = S2_MMU_FAULT_PERMISSION;
		f->level = e->s2_level;
		f->stage = 2;
		f->ipa = res->ipa;
		f->ipa_valid = true;
	}
}

/* Count @f, if a fault, in @tlb's statistics. */
static inline void tlb_count_fault(struct s2_tlb *tlb,
				   const struct s2_mmu_fault *f)
{
	if (!f->type)
		return;
	tlb->stats.faults[f->type]++;
	tlb->stats.faults_stage2 += f->stage == 2;
	tlb->stats.faults_s1ptw += f->s1ptw;
}

/* Cache a finished walk: success, or a permission fault of the last stage. */
void s2_tlb_fill_result(struct s2_tlb *tlb, unsigned kind,
			const struct s2_mmu_regs *regs, uint64_t in,
			const struct s2_mmu_result *res);

#endif /* S2MM_MODEL_TLB_SETS_H */

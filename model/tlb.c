/* SPDX-License-Identifier: MIT */
/*
 * TLB model: set-associative, VMID/ASID tagged, with the TLBI operations'
 * architectural reach (Arm ARM D8.13). Caches only leaf translations
 * (no intermediate walk caches); stage-2-only entries double as the walk
 * cache for stage-1 table fetches. Freestanding.
 */
#include <stdbool.h>
#include <stdint.h>

#include <s2mm/arch.h>
#include <s2mm/error.h>
#include <s2mm/tlb.h>

#include "attr.h"
#include "internal.h"
#include "regime.h"
#include "walk.h"

int s2_tlb_init(struct s2_tlb *tlb, struct s2_tlb_entry *entries,
		uint32_t sets, uint32_t ways)
{
	uint32_t i;

	if (!tlb || !entries || !sets || (sets & (sets - 1)) || !ways ||
	    (uint64_t)sets * ways > 0xffffffffu)
		return -S2_EINVAL;
	*tlb = (struct s2_tlb){ .entries = entries, .sets = sets, .ways = ways };
	for (i = 0; i < sets * ways; i++)
		entries[i] = (struct s2_tlb_entry){ 0 };
	return 0;
}

void s2_tlb_set_check_stale(struct s2_tlb *tlb, bool on)
{
	tlb->check_stale = on;
}

void s2_tlb_stats_reset(struct s2_tlb *tlb)
{
	tlb->stats = (struct s2_tlb_stats){ 0 };
}

uint32_t s2_tlb_count(const struct s2_tlb *tlb)
{
	uint32_t i, n = 0;

	for (i = 0; i < tlb->sets * tlb->ways; i++)
		n += tlb->entries[i].kind != S2_TLB_INVALID;
	return n;
}

/*
 * Probe every block size some entry has, at that size's set. The address
 * is compared first: it is what tells most ways of a set apart.
 */
static inline struct s2_tlb_entry *lookup(struct s2_tlb *tlb, unsigned kind,
					  uint16_t vmid, uint16_t asid,
					  uint64_t in)
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

static void fill(struct s2_tlb *tlb, const struct s2_tlb_entry *n)
{
	uint32_t set = (uint32_t)(n->in >> n->shift) & (tlb->sets - 1);
	struct s2_tlb_entry *e = &tlb->entries[set * tlb->ways];
	uint32_t way;

	for (way = 0; way < tlb->ways; way++)
		if (e[way].kind == S2_TLB_INVALID)
			break;
	if (way == tlb->ways) {
		/* Round robin: deterministic, so runs replay exactly. */
		way = tlb->victim++ % tlb->ways;
		tlb->stats.evictions++;
	}
	e[way] = *n;
	tlb->shifts |= 1ULL << n->shift;
	tlb->stats.fills++;
}

bool s2_tlb_walk_lookup(struct s2_tlb *tlb, uint16_t vmid, uint64_t ipa,
			struct s2_leaf *out)
{
	const struct s2_tlb_entry *e = lookup(tlb, S2_TLB_S2, vmid, 0, ipa);

	if (!e)
		return false;
	out->pa = e->out | (ipa & LOWMASK(e->shift));
	out->level = e->s2_level;
	out->shift = e->shift;
	out->perm = e->s2_perm;
	out->memattr = e->attr;
	out->sh = e->sh;
	return true;
}

void s2_tlb_walk_fill(struct s2_tlb *tlb, uint16_t vmid, uint64_t ipa,
		      const struct s2_leaf *leaf)
{
	struct s2_tlb_entry n = {
		.in = ipa & ~LOWMASK(leaf->shift),
		.ipa = ipa & ~LOWMASK(leaf->shift),
		.out = leaf->pa & ~LOWMASK(leaf->shift),
		.vmid = vmid, .kind = S2_TLB_S2, .shift = leaf->shift,
		.s1_perm = S2_MMU_PERM_ALL, .s2_perm = leaf->perm,
		.s1_level = -2, .s2_level = leaf->level,
		.attr = leaf->memattr, .sh = leaf->sh, .global = true,
	};
	fill(tlb, &n);
}

/* Cache a finished walk: success, or a permission fault of the last stage. */
static void fill_result(struct s2_tlb *tlb, unsigned kind,
			const struct s2_mmu_regs *regs, uint64_t in,
			const struct s2_mmu_result *res)
{
	const struct s2_mmu_fault *f = &res->fault;
	unsigned shift;
	struct s2_tlb_entry n;

	/* A stage-2 permission fault leaves a complete translation behind. */
	if (f->type && !(f->type == S2_MMU_FAULT_PERMISSION && !f->s1ptw &&
			 f->stage == 2))
		return;
	shift = res->s1_shift < res->s2_shift ? res->s1_shift : res->s2_shift;
	/*
	 * AArch32 LPAE splits the VA space between TTBR0 and TTBR1 at
	 * 2^(32-T0SZ) or at 2^32 - 2^(32-T1SZ), not always on a block
	 * boundary of the walk (T0SZ = 0, T1SZ = 7: TTBR0's 1GB blocks reach
	 * into TTBR1's top 32MB). An entry must not answer for VAs of the
	 * other TTBR: it keeps to the split's alignment (a TLB may hold less
	 * than a block).
	 */
	if (kind != S2_TLB_S2 && !(regs->hcr_el2 & HCR_EL2_RW)) {
		unsigned t0sz = (unsigned)S2_FIELD_GET(TTBCR_T0SZ, regs->tcr_el1);
		unsigned t1sz = (unsigned)S2_FIELD_GET(TTBCR_T1SZ, regs->tcr_el1);

		if (t0sz && shift > 32 - t0sz)
			shift = 32 - t0sz;
		if (t1sz && shift > 32 - t1sz)
			shift = 32 - t1sz;
	}
	n = (struct s2_tlb_entry){
		.in = in & ~LOWMASK(shift),
		.ipa = res->ipa & ~LOWMASK(shift),
		.out = res->pa & ~LOWMASK(shift),
		.vmid = res->vmid, .asid = res->asid, .kind = (uint8_t)kind,
		.shift = (uint8_t)shift,
		.s1_perm = res->s1_perm, .s2_perm = res->s2_perm,
		.s1_level = res->s1_level, .s2_level = res->s2_level,
		.attr = res->attr, .sh = res->sh, .global = res->global,
	};
	if (kind == S2_TLB_S2) {
		/* Keep the stage-2 MemAttr: the entry also serves walks. */
		n.attr = res->s2_memattr;
		n.sh = res->s2_sh;
	}
	fill(tlb, &n);
}

/* Rebuild @res from a TLB entry, checking permissions (AArch64.CheckPermission). */
static void from_entry(const struct s2_tlb_entry *e, const struct s2_mmu_regs *regs,
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

static bool differs(const struct s2_mmu_result *a, const struct s2_mmu_result *b)
{
	if (a->fault.type != b->fault.type)
		return true;
	if (a->fault.type && a->fault.type != S2_MMU_FAULT_PERMISSION)
		return false;
	return a->pa != b->pa || a->s1_perm != b->s1_perm ||
	       a->s2_perm != b->s2_perm || a->attr != b->attr;
}

static void count_fault(struct s2_tlb *tlb, const struct s2_mmu_fault *f)
{
	if (!f->type)
		return;
	tlb->stats.faults[f->type]++;
	tlb->stats.faults_stage2 += f->stage == 2;
	tlb->stats.faults_s1ptw += f->s1ptw;
}

/*
 * A hit with stale checking on: walk afresh and compare. Kept out of line,
 * like miss(), so that the hit path stays a short function.
 */
static __attribute__((noinline)) void
check_stale(struct s2_tlb *tlb, const struct s2_mmu_mem *mem,
	    const struct s2_mmu_cpu *cpu, const struct s2_mmu_regs *regs,
	    const struct s2_mmu_access *acc, struct s2_mmu_result *res)
{
	struct s2_mmu_result fresh;

	s2_model_translate_s12(mem, cpu, regs, &tlb->regime, acc, &fresh);
	if (differs(res, &fresh)) {
		res->stale = true;
		tlb->stats.stale_hits++;
	}
}

/* A miss: walk (through the walk cache) and fill. */
static __attribute__((noinline)) void
miss(struct s2_tlb *tlb, const struct s2_mmu_mem *mem,
     const struct s2_mmu_cpu *cpu, const struct s2_mmu_regs *regs,
     const struct s2_mmu_access *acc, unsigned kind, uint64_t in,
     struct s2_mmu_result *res)
{
	uint32_t s2_hits;

	tlb->stats.misses++;
	tlb->stats.walks++;
	s2_hits = s2_model_translate(mem, cpu, regs, &tlb->regime, tlb, acc,
				     S2_MODEL_S12, res);
	tlb->stats.desc_reads += res->desc_reads;
	tlb->stats.last_walk_reads = res->desc_reads;
	if (res->desc_reads > tlb->stats.max_walk_reads)
		tlb->stats.max_walk_reads = res->desc_reads;
	tlb->stats.walk_s2_hits += s2_hits;
	if (kind != S2_TLB_INVALID)
		fill_result(tlb, kind, regs, in, res);
}

int s2_tlb_translate(struct s2_tlb *tlb, const struct s2_mmu_mem *mem,
		     const struct s2_mmu_cpu *cpu,
		     const struct s2_mmu_regs *regs,
		     const struct s2_mmu_access *acc,
		     struct s2_mmu_result *res)
{
	bool m, vm, a32;
	unsigned kind;
	uint64_t in;
	uint16_t vmid, asid;
	struct s2_tlb_entry *e;
	int err;

	if (!tlb)
		return -S2_EINVAL;
	err = s2_model_check_args(mem, cpu, regs, acc, res);
	if (err)
		return err;
	tlb->stats.translations++;
	m = regs->sctlr_el1 & SCTLR_M;
	vm = regs->hcr_el2 & HCR_EL2_VM;
	a32 = !(regs->hcr_el2 & HCR_EL2_RW);
	kind = m ? (vm ? S2_TLB_S12 : S2_TLB_S1) : (vm ? S2_TLB_S2 : S2_TLB_INVALID);
	in = a32 ? (uint32_t)acc->va : acc->va;
	vmid = s2_model_vmid(cpu, regs);
	asid = s2_model_cur_asid(cpu, regs);

	e = kind != S2_TLB_INVALID ? lookup(tlb, kind, vmid, asid, in) : NULL;
	if (e) {
		tlb->stats.hits++;
		from_entry(e, regs, acc, in, res);
		if (tlb->check_stale)
			check_stale(tlb, mem, cpu, regs, acc, res);
	} else {
		miss(tlb, mem, cpu, regs, acc, kind, in, res);
	}
	count_fault(tlb, &res->fault);
	return 0;
}

/* Does TLBI @op remove entry @e (D8.13, "scope of TLB maintenance")? */
static bool tlbi_hits(const struct s2_tlbi *op, const struct s2_tlb_entry *e)
{
	bool s1 = e->kind == S2_TLB_S12 || e->kind == S2_TLB_S1;
	bool va_hit = s1 && !((op->addr ^ e->in) >> e->shift);

	if (e->kind == S2_TLB_INVALID)
		return false;
	if (op->op == S2_TLBI_ALLE1)
		return true;
	if (e->vmid != op->vmid)
		return false;
	switch (op->op) {
	case S2_TLBI_VMALLS12E1:
		return true;
	case S2_TLBI_VMALLE1:
		return s1;
	case S2_TLBI_IPAS2E1:
	case S2_TLBI_IPAS2LE1:
		/* Stage-2-only entries: combined entries survive. */
		return e->kind == S2_TLB_S2 && !((op->addr ^ e->in) >> e->shift);
	case S2_TLBI_VAE1:
	case S2_TLBI_VALE1:
		return va_hit && (e->global || e->asid == op->asid);
	case S2_TLBI_VAAE1:
	case S2_TLBI_VAALE1:
		return va_hit;
	case S2_TLBI_ASIDE1:
		return s1 && !e->global && e->asid == op->asid;
	default:
		return false;
	}
}

int s2_tlb_tlbi(struct s2_tlb *tlb, const struct s2_tlbi *op)
{
	uint32_t i, n;
	uint64_t shifts = 0;

	if (!tlb || !op || op->op >= S2_TLBI_NR)
		return -S2_EINVAL;
	tlb->stats.tlbi_ops++;
	n = tlb->sets * tlb->ways;
	for (i = 0; i < n; i++) {
		struct s2_tlb_entry *e = &tlb->entries[i];

		if (tlbi_hits(op, e)) {
			e->kind = S2_TLB_INVALID;
			tlb->stats.invalidated++;
		} else if (e->kind != S2_TLB_INVALID) {
			shifts |= 1ULL << e->shift;
		}
	}
	tlb->shifts = shifts;
	return 0;
}

int s2_tlb_tlbi_is(const struct s2_tlb_system *sys, const struct s2_tlbi *op)
{
	uint32_t i;
	int err;

	if (!sys || !op || op->op >= S2_TLBI_NR || (sys->nr_cpus && !sys->cpus))
		return -S2_EINVAL;
	for (i = 0; i < sys->nr_cpus; i++) {
		err = s2_tlb_tlbi(sys->cpus[i], op);
		if (err)
			return err;
	}
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * TLB model: set-associative, VMID/ASID tagged, with the TLBI operations'
 * architectural reach (Arm ARM D8.13). Caches only leaf translations;
 * stage-2-only entries double as the nested TLB for stage-1 table fetches
 * unless the TLB has one of its own (walk_cache.c keeps the walk caches,
 * and the TLBIs here reach them too). This file fills and invalidates the
 * sets; the look-up a TLB hit runs is inline in tlb_sets.h, and the
 * look-up-then-walk is translate.c's: the TLB calls nothing of the
 * walker. Freestanding.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <s2mm/arch.h>
#include <s2mm/error.h>
#include <s2mm/tlb.h>
#include <s2mm/tlb_fast.h>

#include "internal.h"
#include "tlb_sets.h"
#include "walk_cache.h"

/*
 * The fill log (struct s2_tlb's fills, S2_TLB_FILL_LOG slots, filled by
 * tlb_fill_slot()): VMALLE1 of the VMID whose stage-1 entries all lie in
 * logged slots looks at those slots alone, not the whole TLB. The
 * simulator's host follows every stage-2 change with VMALLE1, as KVM
 * does, a few fills apart.
 */
#define S2_TLB_FILL_ANY  0x10000u   /* every entry is in the log */
_Static_assert(sizeof(((struct s2_tlb *)0)->fills) ==
	       S2_TLB_FILL_LOG * sizeof(uint32_t), "the fill log's size");

/*
 * The inline hit (s2mm/tlb_fast.h) copies an entry's attr to s2_perm as
 * one word into struct s2_tlb_fast_hit, which has them in the same order.
 */
#define FAST_SAME(f) (offsetof(struct s2_tlb_entry, f) - offsetof(struct s2_tlb_entry, attr) == \
		      offsetof(struct s2_tlb_fast_hit, f) - offsetof(struct s2_tlb_fast_hit, attr))
_Static_assert(offsetof(struct s2_tlb_entry, s2_perm) - offsetof(struct s2_tlb_entry, attr) == 7 &&
	       FAST_SAME(sh) && FAST_SAME(s1_level) && FAST_SAME(s2_level) &&
	       FAST_SAME(s1_shift) && FAST_SAME(s2_shift) && FAST_SAME(s1_perm) &&
	       FAST_SAME(s2_perm) && sizeof(struct s2_tlb_fast_hit) == 24,
	       "an inline hit's attributes are the entry's eight bytes");

/* Start the log afresh: every stage-1 entry of @vmid is in it (none held). */
static void fills_reset(struct s2_tlb *tlb, uint32_t vmid)
{
	tlb->fills_n = 0;
	tlb->fills_vmid = vmid;
}

int s2_tlb_init(struct s2_tlb *tlb, struct s2_tlb_entry *entries,
		uint32_t sets, uint32_t ways)
{
	uint32_t i;

	if (!tlb || !entries || !sets || (sets & (sets - 1)) || !ways ||
	    (uint64_t)sets * ways > 0xffffffffu)
		return -S2_EINVAL;
	*tlb = (struct s2_tlb){ .entries = entries, .sets = sets, .ways = ways,
				.free = sets * ways,
				.set_bytes = (uint64_t)ways * sizeof(*entries) };
	for (i = 0; i < sets * ways; i++)
		entries[i] = (struct s2_tlb_entry){ 0 };
	fills_reset(tlb, S2_TLB_FILL_ANY);
	return 0;
}

void s2_tlb_set_check_stale(struct s2_tlb *tlb, bool on)
{
	tlb->check_stale = on;
	tlb->ctx.fast = 0;   /* the next translation decides it again */
}

int s2_tlb_set_contig(struct s2_tlb *tlb, enum s2_tlb_contig mode)
{
	if (!tlb || (unsigned)mode >= S2_TLB_CONTIG_NR)
		return -S2_EINVAL;
	tlb->contig = (uint8_t)mode;
	return 0;
}

void s2_tlb_set_s2_fetch(struct s2_tlb *tlb, bool on)
{
	tlb->no_s2_fetch = !on;
	tlb->lane.state = 0;   /* the miss lane's caches changed */
}

void s2_tlb_stats_reset(struct s2_tlb *tlb)
{
	tlb->stats = (struct s2_tlb_stats){ 0 };
	wc_stats_reset(tlb);
}

uint32_t s2_tlb_count(const struct s2_tlb *tlb)
{
	uint32_t i, n = 0;

	for (i = 0; i < tlb->sets * tlb->ways; i++)
		n += tlb->entries[i].kind != S2_TLB_INVALID;
	return n;
}

static void fill(struct s2_tlb *tlb, const struct s2_tlb_entry *n)
{
	*tlb_fill_slot(tlb, n->in, n->shift) = *n;
}

bool s2_tlb_walk_lookup(struct s2_tlb *tlb, uint16_t vmid, uint64_t ipa,
			struct s2_leaf *out)
{
	const struct s2_tlb_entry *e = tlb_lookup(tlb, S2_TLB_S2, vmid, 0, ipa);

	if (!e)
		return false;
	out->pa = e->out | (ipa & LOWMASK(e->shift));
	out->level = e->s2_level;
	out->shift = e->shift;
	out->perm = e->s2_perm;
	out->memattr = e->s2_memattr;
	out->sh = e->s2_sh;
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
		.s1_shift = 64, .s2_shift = leaf->shift,
		.s1_perm = S2_MMU_PERM_ALL, .s2_perm = leaf->perm, .perm = leaf->perm,
		.s1_level = -2, .s2_level = leaf->level,
		.attr = leaf->memattr, .sh = leaf->sh,
		.s2_memattr = leaf->memattr, .s2_sh = leaf->sh, .global = true,
	};
	fill(tlb, &n);
}

/*
 * Cache a finished walk of entry kind @kind in a slot: success, or a
 * permission fault of the last stage, which leaves a complete translation
 * behind. @shift: the entry's size, which @split may make smaller.
 * Inline: the lane's fill (s2_tlb_fill_s12()) folds @kind and @split.
 */
static inline __attribute__((always_inline)) void
fill_walk(struct s2_tlb *tlb, unsigned kind, const struct s2_mmu_regs *regs,
	  uint64_t in, const struct s2_mmu_result *res, const bool split)
{
	const struct s2_mmu_fault *f = &res->fault;
	unsigned shift;
	uint8_t s1_perm, s2_perm;
	struct s2_tlb_entry *e;

	if (f->type && !(f->type == S2_MMU_FAULT_PERMISSION && !f->s1ptw &&
			 f->stage == 2))
		return;
	s2_tlb_held_perm(res, &s1_perm, &s2_perm);
	shift = res->s1_shift < res->s2_shift ? res->s1_shift : res->s2_shift;
	/*
	 * AArch32 LPAE splits the VA space between TTBR0 and TTBR1 at
	 * 2^(32-T0SZ) or at 2^32 - 2^(32-T1SZ), not always on a block
	 * boundary of the walk (T0SZ = 0, T1SZ = 7: TTBR0's 1GB blocks reach
	 * into TTBR1's top 32MB). An entry must not answer for VAs of the
	 * other TTBR: it keeps to the split's alignment (a TLB may hold less
	 * than a block).
	 */
	if (split && kind != S2_TLB_S2 && !(regs->hcr_el2 & HCR_EL2_RW)) {
		unsigned t0sz = (unsigned)S2_FIELD_GET(TTBCR_T0SZ, regs->tcr_el1);
		unsigned t1sz = (unsigned)S2_FIELD_GET(TTBCR_T1SZ, regs->tcr_el1);

		if (t0sz && shift > 32 - t0sz)
			shift = 32 - t0sz;
		if (t1sz && shift > 32 - t1sz)
			shift = 32 - t1sz;
	}
	e = tlb_fill_slot(tlb, in, shift);
	e->in = in & ~LOWMASK(shift);
	e->ipa = res->ipa & ~LOWMASK(shift);
	e->out = res->pa & ~LOWMASK(shift);
	e->s1_level = res->s1_level;
	e->s2_level = res->s2_level;
	/* What a hit reports: the entry's size for each stage on. */
	e->s1_shift = kind == S2_TLB_S2 ? 64 : (uint8_t)shift;
	e->s2_shift = kind == S2_TLB_S1 ? 64 : (uint8_t)shift;
	e->s1_perm = s1_perm;
	e->s2_perm = s2_perm;
	if (kind == S2_TLB_S2) {
		/*
		 * Keep the stage-2 MemAttr: the entry also serves walks, and a
		 * hit combines it with the stage-1 attributes of the moment.
		 */
		e->attr = e->s2_memattr = res->s2_memattr;
		e->sh = e->s2_sh = res->s2_sh;
	} else {
		e->attr = res->attr;
		e->sh = res->sh;
		e->s2_memattr = 0;
		e->s2_sh = 0;
	}
	e->global = res->global;
	e->domain = res->domain;
	e->asid = res->asid;
	e->vmid = res->vmid;
	e->kind = (uint8_t)kind;
	e->shift = (uint8_t)shift;
	e->perm = s1_perm & s2_perm;
	/* The writes withheld (a write hit of one walks again). */
	e->clean = (uint8_t)((res->s1_perm ^ s1_perm) | (res->s2_perm ^ s2_perm));
}

void s2_tlb_fill_result(struct s2_tlb *tlb, unsigned kind,
			const struct s2_mmu_regs *regs, uint64_t in,
			const struct s2_mmu_result *res)
{
	fill_walk(tlb, kind, regs, in, res, true);
}

void s2_tlb_fill_s12(struct s2_tlb *tlb, uint64_t in, const struct s2_mmu_result *res)
{
	fill_walk(tlb, S2_TLB_S12, NULL, in, res, false);
}

bool s2_tlb_fast_lookup_sizes(struct s2_tlb *tlb, const struct s2_mmu_access *acc,
			      struct s2_tlb_fast_hit *hit)
{
	/* s2_tlb_fast_lookup() found the context valid. */
	const struct s2_tlb_ctx *c = &tlb->ctx;
	const struct s2_tlb_entry *e;

	e = tlb_find(tlb, tlb->shifts & (tlb->shifts - 1), c->key, c->asid, acc->va);
	return e && s2_tlb_fast_entry(tlb, e, acc, hit);
}

/* Does TLBI @op remove entry @e (D8.13, "scope of TLB maintenance")? */
static inline __attribute__((always_inline)) bool
tlbi_hits(const struct s2_tlbi *op, const struct s2_tlb_entry *e)
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

/* Remove what @op reaches from the @tlb->ways entries at @e. */
static void tlbi_ways(struct s2_tlb *tlb, const struct s2_tlbi *op,
		      struct s2_tlb_entry *e)
{
	for (uint32_t w = 0; w < tlb->ways; w++, e++) {
		if (tlbi_hits(op, e)) {
			e->kind = S2_TLB_INVALID;
			tlb->stats.invalidated++;
			tlb->free++;
		}
	}
}

/* Remove entry @e if @op reaches it. */
static void tlbi_ways_1(struct s2_tlb *tlb, const struct s2_tlbi *op,
			struct s2_tlb_entry *e)
{
	if (tlbi_hits(op, e)) {
		e->kind = S2_TLB_INVALID;
		tlb->stats.invalidated++;
		tlb->free++;
	}
}

/* The operations that reach only entries holding their address. */
static bool by_addr(unsigned op)
{
	return op == S2_TLBI_IPAS2E1 || op == S2_TLBI_IPAS2LE1 ||
	       op == S2_TLBI_VAE1 || op == S2_TLBI_VALE1 ||
	       op == S2_TLBI_VAAE1 || op == S2_TLBI_VAALE1;
}

int s2_tlb_tlbi(struct s2_tlb *tlb, const struct s2_tlbi *op)
{
	uint32_t i, n;
	uint64_t shifts = 0;

	if (!tlb || !op || op->op >= S2_TLBI_NR)
		return -S2_EINVAL;
	tlb->stats.tlbi_ops++;
	if (by_addr(op->op)) {
		/*
		 * An entry holding the address lies in the set the address
		 * indexes for the entry's own size (tlb_set()): one set per
		 * size held, not the whole TLB (a TLB-miss-heavy s2mm run,
		 * one IPAS2E1 per stage-2 change, spent 2.0 G instructions
		 * scanning). tlb->shifts stays a superset of the sizes held.
		 */
		for (uint64_t s = tlb->shifts; s; s &= s - 1)
			tlbi_ways(tlb, op, tlb_set(tlb, op->addr,
						   (unsigned)__builtin_ctzll(s)));
		wc_tlbi(tlb, op);
		return 0;
	}
	if (op->op == S2_TLBI_VMALLE1 && tlb->fills_n <= S2_TLB_FILL_LOG &&
	    (tlb->fills_vmid == op->vmid || tlb->fills_vmid == S2_TLB_FILL_ANY)) {
		/*
		 * Every stage-1 entry of the VMID was filled into a logged
		 * slot (a slot refilled since is logged again): the rest of
		 * the TLB holds none. tlb->shifts stays a superset.
		 */
		for (i = 0; i < tlb->fills_n; i++)
			tlbi_ways_1(tlb, op, &tlb->entries[tlb->fills[i]]);
		fills_reset(tlb, op->vmid);
		wc_tlbi(tlb, op);
		return 0;
	}
	/*
	 * The whole TLB. ALLE1, VMALLS12E1 and VMALLE1 are a compare of
	 * kind and VMID, inline here (tlbi_hits() says the same): the
	 * simulator's host follows every stage-2 change with VMALLE1, as
	 * KVM does, and a TLB-miss-heavy s2mm run spent 2.1 G instructions
	 * in the scans through tlbi_hits(). ASIDE1 takes tlbi_hits().
	 */
	n = tlb->sets * tlb->ways;
	for (i = 0; i < n; i++) {
		struct s2_tlb_entry *e = &tlb->entries[i];
		unsigned k = e->kind;
		bool hit = op->op == S2_TLBI_ASIDE1 ? tlbi_hits(op, e) :
			   k != S2_TLB_INVALID &&
			   (op->op == S2_TLBI_ALLE1 ||
			    (e->vmid == op->vmid &&
			     (op->op == S2_TLBI_VMALLS12E1 || k != S2_TLB_S2)));

		if (hit) {
			e->kind = S2_TLB_INVALID;
			tlb->stats.invalidated++;
			tlb->free++;
		} else if (e->kind != S2_TLB_INVALID) {
			shifts |= 1ULL << e->shift;
		}
	}
	tlb->shifts = shifts;
	/* ASIDE1 only removes: what the log covers, it still covers. */
	if (op->op != S2_TLBI_ASIDE1)
		fills_reset(tlb, op->op == S2_TLBI_ALLE1 ? S2_TLB_FILL_ANY : op->vmid);
	wc_tlbi(tlb, op);
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

/* SPDX-License-Identifier: MIT */
/*
 * The MMU model's translations as its users call them: one access, with or
 * without a decoded-regime cache (s2_mmu_translate*()), AT, and a CPU's
 * access through its TLB (s2_tlb_translate(): look up, else walk and
 * fill). Here the walker (walk.c) and the TLB (tlb.c) meet, so that
 * neither calls the other's translation. Freestanding.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <s2mm/arch.h>
#include <s2mm/error.h>
#include <s2mm/mmu.h>
#include <s2mm/tlb.h>

#include "contig.h"
#include "lane.h"
#include "regime.h"
#include "tlb_sets.h"
#include "walk.h"
#include "walk_lean.h"
#include "walk_sd.h"

/*
 * Argument checks shared by every entry point (see s2_mmu_translate()).
 * Inline: the TLB hit path runs them on every translation.
 */
static inline int check_args(const struct s2_mmu_mem *mem,
			     const struct s2_mmu_cpu *cpu,
			     const struct s2_mmu_regs *regs,
			     const struct s2_mmu_access *acc, const void *res)
{
	if (!mem || !cpu || !regs || !acc || !res || acc->el > 1 ||
	    acc->acc > S2_MMU_EXEC)
		return -S2_EINVAL;
	if (!mem->host || (((uintptr_t)mem->host | mem->base | mem->size) & 7) ||
	    mem->size < 8 || mem->base + mem->size < mem->base)
		return -S2_EINVAL;
	if (cpu->pa_bits < 32 || cpu->pa_bits > 52)
		return -S2_EINVAL;
	return 0;
}

int s2_mmu_translate(const struct s2_mmu_mem *mem, const struct s2_mmu_cpu *cpu,
		     const struct s2_mmu_regs *regs,
		     const struct s2_mmu_access *acc, struct s2_mmu_result *res)
{
	struct s2_mmu_regime rc;
	int err = check_args(mem, cpu, regs, acc, res);

	if (err)
		return err;
	regime_reset(&rc, cpu, regs);
	s2_model_translate_s12(mem, cpu, regs, &rc, acc, res);
	return 0;
}

int s2_mmu_translate_cached(struct s2_mmu_regime *rc,
			    const struct s2_mmu_mem *mem,
			    const struct s2_mmu_cpu *cpu,
			    const struct s2_mmu_regs *regs,
			    const struct s2_mmu_access *acc,
			    struct s2_mmu_result *res)
{
	int err = check_args(mem, cpu, regs, acc, res);

	if (err)
		return err;
	if (!rc)
		return -S2_EINVAL;
	/* The usual case first (walk_lean.c), else the general walker. */
	if (s2_model_walk_lean(rc, mem, cpu, regs, acc, res))
		return 0;
	s2_model_translate_s12(mem, cpu, regs, rc, acc, res);
	return 0;
}

int s2_mmu_translate_s2(const struct s2_mmu_mem *mem,
			const struct s2_mmu_cpu *cpu,
			const struct s2_mmu_regs *regs,
			const struct s2_mmu_access *acc,
			struct s2_mmu_result *res)
{
	struct s2_mmu_regs r;
	struct s2_mmu_regime rc;
	int err;

	if (!regs)
		return -S2_EINVAL;
	r = *regs;
	r.sctlr_el1 &= ~SCTLR_M;   /* stage 2 only */
	err = check_args(mem, cpu, &r, acc, res);
	if (err)
		return err;
	regime_reset(&rc, cpu, &r);
	s2_model_translate(mem, cpu, &r, &rc, NULL, acc, S2_MODEL_S2, res, NULL);
	return 0;
}

int s2_mmu_at(const struct s2_mmu_mem *mem, const struct s2_mmu_cpu *cpu,
	      const struct s2_mmu_regs *regs, enum s2_mmu_at_op op,
	      uint64_t va, uint64_t *par, struct s2_mmu_result *res)
{
	static const struct { uint8_t acc, el; bool s1; } ops[] = {
		[S2_MMU_AT_S1E1R] = { S2_MMU_READ, 1, true },
		[S2_MMU_AT_S1E1W] = { S2_MMU_WRITE, 1, true },
		[S2_MMU_AT_S1E0R] = { S2_MMU_READ, 0, true },
		[S2_MMU_AT_S1E0W] = { S2_MMU_WRITE, 0, true },
		[S2_MMU_AT_S12E1R] = { S2_MMU_READ, 1, false },
		[S2_MMU_AT_S12E1W] = { S2_MMU_WRITE, 1, false },
		[S2_MMU_AT_S12E0R] = { S2_MMU_READ, 0, false },
		[S2_MMU_AT_S12E0W] = { S2_MMU_WRITE, 0, false },
	};
	struct s2_mmu_access acc;
	struct s2_mmu_result tmp, *r = res ? res : &tmp;
	struct s2_mmu_regime rc;
	int err;

	if ((unsigned)op >= sizeof(ops) / sizeof(ops[0]) || !par)
		return -S2_EINVAL;
	acc = (struct s2_mmu_access){ .va = va, .acc = ops[op].acc,
				      .el = ops[op].el };
	err = check_args(mem, cpu, regs, &acc, r);
	if (err)
		return err;
	regime_reset(&rc, cpu, regs);
	s2_model_translate(mem, cpu, regs, &rc, NULL, &acc,
			   (ops[op].s1 ? S2_MODEL_S1 : S2_MODEL_S12) | S2_MODEL_AT,
			   r, NULL);
	*par = s2_mmu_par(r);
	return 0;
}

/*
 * Does a hit's (or a cached walk's) result @a differ from a fresh walk's
 * @b in what the access sees: the fault, and for a success or a
 * permission fault the translation? Grants are compared as an entry holds
 * them, without the write a writable-clean leaf's DBM allows (a hit's
 * result has none to take away).
 */
static bool differs(const struct s2_mmu_result *a0, const struct s2_mmu_result *b0,
		    bool hd1, bool hd2)
{
	struct s2_mmu_result a1 = *a0, b1 = *b0;
	const struct s2_mmu_result *a = &a1, *b = &b1;
	const uint8_t w = S2_MMU_PERM_W0 | S2_MMU_PERM_W1;

	s2_tlb_held_perm(&a1, &a1.s1_perm, &a1.s2_perm);
	s2_tlb_held_perm(&b1, &b1.s1_perm, &b1.s2_perm);
	/*
	 * With HD at a stage, a walk (another CPU's, or this one's for a
	 * write) makes a writable-clean leaf dirty in memory without any
	 * TLBI: an entry filled before holds it read-only, older than
	 * memory but never granting more; a write through it makes the
	 * update again (AArch64.S2Translate re-reads the descriptor). Not
	 * stale.
	 */
	if (hd1 && !(a->s1_perm & w))
		b1.s1_perm &= (uint8_t)~w;
	if (hd2 && !(a->s2_perm & w))
		b1.s2_perm &= (uint8_t)~w;
	if (a->fault.type != b->fault.type)
		return true;
	if (a->fault.type && a->fault.type != S2_MMU_FAULT_PERMISSION)
		return false;
	if (a->fault.type && a->fault.stage != b->fault.stage)
		return true;
	/*
	 * A stage-1 permission fault ends the walk before stage 2
	 * (AArch64.S1Translate): a fresh walk has no PA or stage-2
	 * grants to agree with, only the IPA and stage 1's grants.
	 */
	if (a->fault.type && a->fault.stage == 1)
		return a->ipa != b->ipa || a->s1_perm != b->s1_perm;
	return a->pa != b->pa || a->s1_perm != b->s1_perm ||
	       a->s2_perm != b->s2_perm || a->attr != b->attr;
}

/*
 * A hit with stale checking on, or a walk that used cached entries: walk
 * the tables alone and compare. The walk writes nothing (S2_MODEL_DRY):
 * checking must not set the Access flag or the dirty state the access
 * itself did not. Kept out of line, like miss(), so that the hit path
 * stays a short function.
 */
static __attribute__((noinline)) void
check_stale(struct s2_tlb *tlb, const struct s2_mmu_mem *mem,
	    const struct s2_mmu_cpu *cpu, const struct s2_mmu_regs *regs,
	    const struct s2_mmu_access *acc, struct s2_mmu_result *res)
{
	struct s2_mmu_result fresh;

	/*
	 * A fault of a descriptor update (FEAT_HAFDBS: the stage-1 update's
	 * write translated by stage 2) comes from a write the check's walk
	 * does not make, so that walk cannot judge the cached entries the
	 * miss used: nothing is said.
	 */
	if (res->fault.type && res->fault.tte_update)
		return;
	s2_model_translate(mem, cpu, regs, &tlb->regime, NULL, acc,
			   S2_MODEL_S12 | S2_MODEL_DRY, &fresh, NULL);
	if (differs(res, &fresh, tlb->regime.s1[0].hd || tlb->regime.s1[1].hd,
		    tlb->regime.s2.hd)) {
		res->stale = true;
		tlb->stats.stale_hits++;
	}
}

/*
 * A miss: walk (through the walk caches) and fill. A walk that took
 * anything from them is stale-checked, as a hit is: a cached table
 * descriptor or stage-2 leaf that a TLBI should have removed shows.
 */
static inline __attribute__((always_inline)) void
miss_walk(struct s2_tlb *tlb, const struct s2_mmu_mem *mem,
	  const struct s2_mmu_cpu *cpu, const struct s2_mmu_regs *regs,
	  const struct s2_mmu_access *acc, unsigned kind, uint64_t in,
	  struct s2_mmu_result *res, const bool lane)
{
	uint32_t s2_hits, wc_hits;

	tlb->stats.misses++;
	tlb->stats.walks++;
	if (lane)
		s2_hits = s2_model_translate_lane(mem, cpu, regs, &tlb->regime, tlb,
						  acc, res, &wc_hits);
	else
		s2_hits = s2_model_translate_miss(mem, cpu, regs, &tlb->regime, tlb,
						  acc, res, &wc_hits);
	if (tlb->check_stale && (s2_hits || wc_hits))
		check_stale(tlb, mem, cpu, regs, acc, res);
	tlb->stats.desc_reads += res->desc_reads;
	tlb->stats.last_walk_reads = res->desc_reads;
	if (res->desc_reads > tlb->stats.max_walk_reads)
		tlb->stats.max_walk_reads = res->desc_reads;
	tlb->stats.walk_s2_hits += s2_hits;
	if (kind == S2_TLB_INVALID)
		return;
	if (__builtin_expect(res->contig, 0))
		s2_contig_fill(tlb, mem, cpu, regs, acc, kind, in, res);
	else if (lane)
		s2_tlb_fill_s12(tlb, in, res);
	else
		s2_tlb_fill_result(tlb, kind, regs, in, res);
}

/* miss_walk() out of line, for translate_rest(). */
static __attribute__((noinline)) void
miss(struct s2_tlb *tlb, const struct s2_mmu_mem *mem,
     const struct s2_mmu_cpu *cpu, const struct s2_mmu_regs *regs,
     const struct s2_mmu_access *acc, unsigned kind, uint64_t in,
     struct s2_mmu_result *res)
{
	miss_walk(tlb, mem, cpu, regs, acc, kind, in, res, false);
}

/*
 * Everything but the usual hit (translations already counted): stage 1
 * off, stale checking on, a miss, a hit that faults. Out of line: the hit
 * path is then a short function that saves no registers.
 */
static __attribute__((noinline)) int
translate_rest(struct s2_tlb *tlb, const struct s2_mmu_mem *mem,
	       const struct s2_mmu_cpu *cpu, const struct s2_mmu_regs *regs,
	       const struct s2_mmu_access *acc, struct s2_mmu_result *res)
{
	bool m, vm, a32;
	unsigned kind;
	uint64_t in;
	uint16_t vmid, asid;
	struct s2_tlb_entry *e;

	m = regs->sctlr_el1 & SCTLR_M;
	vm = regs->hcr_el2 & HCR_EL2_VM;
	a32 = !(regs->hcr_el2 & HCR_EL2_RW);
	kind = m ? (vm ? S2_TLB_S12 : S2_TLB_S1) : (vm ? S2_TLB_S2 : S2_TLB_INVALID);
	in = a32 ? (uint32_t)acc->va : acc->va;
	vmid = s2_model_vmid(cpu, regs);
	asid = s2_model_cur_asid(cpu, regs);

	e = kind != S2_TLB_INVALID ? tlb_lookup(tlb, kind, vmid, asid, in) : NULL;
	/*
	 * A write the entry does not allow, that a writable-clean leaf's DBM
	 * would: the entry never held that write (s2_tlb_fill_result()), the
	 * walk makes the leaf dirty and gives it (FEAT_HAFDBS: a TLB entry
	 * must not be used to write through a descriptor still clean in
	 * memory).
	 */
	if (e && acc->acc == S2_MMU_WRITE &&
	    !s2_model_perm_ok(e->perm, acc->acc, acc->el) &&
	    s2_model_perm_ok(e->clean, acc->acc, acc->el)) {
		e->kind = S2_TLB_INVALID;
		tlb->free++;
		tlb->stats.dirty_walks++;
		e = NULL;
	}
	if (e) {
		tlb->stats.hits++;
		/* Short descriptors: the DACR of the moment decides. */
		if (kind != S2_TLB_S2 && s2_model_is_sd(regs))
			s2_model_sd_from_entry(e, regs, acc, in, res);
		else
			tlb_from_entry(e, regs, acc, in, res);
		if (tlb->check_stale)
			check_stale(tlb, mem, cpu, regs, acc, res);
	} else {
		miss(tlb, mem, cpu, regs, acc, kind, in, res);
	}
	tlb_count_fault(tlb, &res->fault);
	return 0;
}

/*
 * A call whose memory, CPU and registers are not those the inline hit last
 * validated (or for which it does not apply): check every argument, and
 * remember them and the tags they give when they are valid.
 */
static __attribute__((noinline)) int
translate_new(struct s2_tlb *tlb, const struct s2_mmu_mem *mem,
	      const struct s2_mmu_cpu *cpu, const struct s2_mmu_regs *regs,
	      const struct s2_mmu_access *acc, struct s2_mmu_result *res)
{
	struct s2_tlb_ctx *c = &tlb->ctx;
	int err = check_args(mem, cpu, regs, acc, res);
	bool vm;

	if (err)
		return err;
	vm = regs->hcr_el2 & HCR_EL2_VM;
	c->mem = *mem;
	c->cpu = *cpu;
	c->regs = *regs;
	c->key = tlb_key(vm ? S2_TLB_S12 : S2_TLB_S1, s2_model_vmid(cpu, regs));
	c->asid = s2_model_cur_asid(cpu, regs);
	/*
	 * The inline hit: an AArch64 EL1 with stage 1 on (combined or
	 * stage-1-only entries, whose result is the entry's alone), no
	 * stale checking.
	 */
	c->fast = (regs->sctlr_el1 & SCTLR_M) && (regs->hcr_el2 & HCR_EL2_RW) &&
		  !tlb->check_stale;
	/* The miss's walk takes the regime cache as keyed; its lane, afresh. */
	s2_model_regime_sync(&tlb->regime, cpu, regs);
	tlb->lane.state = 0;
	tlb->stats.translations++;
	return translate_rest(tlb, mem, cpu, regs, acc, res);
}

/*
 * Memory, CPU and registers valid, as translate_new() found them: a miss,
 * or a hit the access does not pass (or a bad access).
 */
static __attribute__((noinline)) int
translate_known(struct s2_tlb *tlb, const struct s2_mmu_mem *mem,
		const struct s2_mmu_cpu *cpu, const struct s2_mmu_regs *regs,
		const struct s2_mmu_access *acc, struct s2_mmu_result *res)
{
	if (acc->el > 1 || acc->acc > S2_MMU_EXEC)
		return -S2_EINVAL;
	tlb->stats.translations++;
	return translate_rest(tlb, mem, cpu, regs, acc, res);
}

/*
 * The inline hit compares memory, CPU and the first eight registers: DACR
 * and CONTEXTIDR, after them, steer only an AArch32 EL1's short
 * descriptors, which the inline hit never serves (translate_new()).
 */
_Static_assert(offsetof(struct s2_tlb_ctx, mem) == 0 &&
	       offsetof(struct s2_tlb_ctx, cpu) == 24 &&
	       offsetof(struct s2_tlb_ctx, regs) == 32 &&
	       offsetof(struct s2_mmu_regs, dacr32_el2) == 64 &&
	       sizeof(struct s2_mmu_mem) == 24,
	       "the context is twelve words, six 16-byte vectors");

#if defined(__SSE2__) && !defined(S2MM_MODEL_NO_VECTOR)
typedef uint64_t ctx_vec __attribute__((vector_size(16), may_alias));

static inline ctx_vec vec_load(const void *p)
{
	ctx_vec v;

	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}
#endif

/*
 * Are @mem, @cpu and @regs those of @c? Compared whole (16 bytes at a time
 * where the host has vectors): fewer instructions than the checks and
 * decoding they stand for.
 */
static inline bool ctx_same(const struct s2_tlb_ctx *c,
			    const struct s2_mmu_mem *mem,
			    const struct s2_mmu_cpu *cpu,
			    const struct s2_mmu_regs *regs)
{
#if defined(__SSE2__) && !defined(S2MM_MODEL_NO_VECTOR)
	const ctx_vec *k = (const ctx_vec *)c;
	ctx_vec x, y;

	x = vec_load(mem) ^ k[0];
	y = (ctx_vec){ mem->size, cpu_word(cpu) } ^ k[1];
	x |= vec_load(&regs->hcr_el2) ^ k[2];
	y |= vec_load(&regs->vttbr_el2) ^ k[3];
	x |= vec_load(&regs->tcr_el1) ^ k[4];
	y |= vec_load(&regs->ttbr1_el1) ^ k[5];
	x |= y;
	return !(x[0] | x[1]);
#else
	const struct s2_mmu_regs *r = &c->regs;

	return !(((uintptr_t)mem->host ^ (uintptr_t)c->mem.host) |
		 (mem->base ^ c->mem.base) | (mem->size ^ c->mem.size) |
		 (cpu_word(cpu) ^ cpu_word(&c->cpu)) |
		 (regs->hcr_el2 ^ r->hcr_el2) | (regs->vtcr_el2 ^ r->vtcr_el2) |
		 (regs->vttbr_el2 ^ r->vttbr_el2) | (regs->sctlr_el1 ^ r->sctlr_el1) |
		 (regs->tcr_el1 ^ r->tcr_el1) | (regs->ttbr0_el1 ^ r->ttbr0_el1) |
		 (regs->ttbr1_el1 ^ r->ttbr1_el1) | (regs->mair_el1 ^ r->mair_el1));
#endif
}

/*
 * A hit with the context @c valid: the access valid too (check_args()) and
 * permitted by both stages' grants as the entry holds them
 * (AArch64.CheckPermission), else out of line.
 */
static inline int hit(struct s2_tlb *tlb, struct s2_tlb_ctx *c,
		      const struct s2_mmu_access *acc, struct s2_mmu_result *res,
		      const struct s2_tlb_entry *e)
{
	unsigned a = acc->acc, el = acc->el;

	if ((a > S2_MMU_EXEC) | (el > 1) || !((e->perm >> (a + 3 * el)) & 1))
		return translate_known(tlb, &c->mem, &c->cpu, &c->regs, acc, res);
	tlb->stats.translations++;
	tlb->stats.hits++;
	tlb_hit_result(e, acc, acc->va, res);
	return 0;
}

/*
 * A miss in the context translate_new() validated for the inline hit
 * (c->fast): every block size probed, none holds @acc->va. The walk and
 * fill of translate_rest() without what it would find again: the entry
 * kind and tags are the context's, the input address the VA (AArch64),
 * and no entry means no write through a clean one to drop. The miss lane
 * (lane.c) calls it for everything but the usual case.
 */
int s2_model_miss_walk(struct s2_tlb *tlb, const struct s2_mmu_access *acc,
		       struct s2_mmu_result *res)
{
	struct s2_tlb_ctx *c = &tlb->ctx;

	if (acc->el > 1 || acc->acc > S2_MMU_EXEC)
		return -S2_EINVAL;
	tlb->stats.translations++;
	/* Stage 2 on (S2_TLB_S12 entries): S2_MODEL_LANE's context. */
	if (((c->key >> 16) & 0xff) == S2_TLB_S12)
		miss_walk(tlb, &c->mem, &c->cpu, &c->regs, acc, S2_TLB_S12, acc->va,
			  res, true);
	else
		miss_walk(tlb, &c->mem, &c->cpu, &c->regs, acc, S2_TLB_S1, acc->va,
			  res, false);
	tlb_count_fault(tlb, &res->fault);
	return 0;
}

/* The other block sizes @shifts the TLB holds, probed: a hit or the miss. */
static __attribute__((noinline)) int
translate_sizes(struct s2_tlb *tlb, const struct s2_mmu_access *acc,
		struct s2_mmu_result *res, uint64_t shifts)
{
	struct s2_tlb_ctx *c = &tlb->ctx;
	const struct s2_tlb_entry *e = tlb_find(tlb, shifts, c->key, c->asid, acc->va);

	if (!e)
		return s2_model_miss_lane(tlb, acc, res);
	return hit(tlb, c, acc, res, e);
}

/*
 * The smallest block size missed: probe the others, if the TLB holds any.
 * Out of line: the usual hit takes one probe, and needs the registers.
 * Two tail calls: with one size held, the miss saves no register here.
 */
static __attribute__((noinline)) int
translate_more(struct s2_tlb *tlb, const struct s2_mmu_access *acc,
	       struct s2_mmu_result *res)
{
	uint64_t shifts = tlb->shifts & (tlb->shifts - 1);

	if (shifts)
		return translate_sizes(tlb, acc, res, shifts);
	return s2_model_miss_lane(tlb, acc, res);
}

int s2_tlb_translate(struct s2_tlb *tlb, const struct s2_mmu_mem *mem,
		     const struct s2_mmu_cpu *cpu,
		     const struct s2_mmu_regs *regs,
		     const struct s2_mmu_access *acc,
		     struct s2_mmu_result *res)
{
	const struct s2_tlb_entry *e;
	struct s2_tlb_ctx *c;
	uint64_t shifts;

	if (!tlb || !mem || !cpu || !regs || !acc || !res)
		return -S2_EINVAL;
	/*
	 * Memory, CPU and registers as a call validated them last: the tags
	 * are those it decoded. Nothing is written before the access too is
	 * found valid; every other case goes out of line. From here on,
	 * memory, CPU and registers are the context's copies (equal to the
	 * caller's): the caller's pointers need not stay in registers.
	 */
	c = &tlb->ctx;
	if (!c->fast || !ctx_same(c, mem, cpu, regs))
		return translate_new(tlb, mem, cpu, regs, acc, res);
	shifts = tlb->shifts;
	if (!shifts)
		return translate_known(tlb, &c->mem, &c->cpu, &c->regs, acc, res);
	e = tlb_probe(tlb, c->key, c->asid, acc->va, (unsigned)__builtin_ctzll(shifts));
	if (!e)
		return translate_more(tlb, acc, res);
	return hit(tlb, c, acc, res, e);
}

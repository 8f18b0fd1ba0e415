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
#include <s2mm/tlb_fast.h>

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
 * The layouts a hit relies on: the entry's bytes from attr to vmid are the
 * result's from attr to vmid; vmid, kind and shift make one 32-bit tag.
 */
#define TLB_RES_COPY (offsetof(struct s2_tlb_entry, vmid) + 2 - \
		      offsetof(struct s2_tlb_entry, attr))
#define TLB_SAME(f) (offsetof(struct s2_tlb_entry, f) - offsetof(struct s2_tlb_entry, attr) == \
		     offsetof(struct s2_mmu_result, f) - offsetof(struct s2_mmu_result, attr))
_Static_assert(TLB_RES_COPY == 16 && TLB_SAME(sh) && TLB_SAME(s1_level) &&
	       TLB_SAME(s2_level) && TLB_SAME(s1_shift) && TLB_SAME(s2_shift) &&
	       TLB_SAME(s1_perm) && TLB_SAME(s2_perm) && TLB_SAME(s2_memattr) &&
	       TLB_SAME(s2_sh) && TLB_SAME(global) && TLB_SAME(asid) && TLB_SAME(vmid) &&
	       TLB_SAME(domain) &&
	       offsetof(struct s2_mmu_result, asid) == offsetof(struct s2_mmu_result, global) + 2,
	       "a TLB entry's result bytes are the result's, padding included");
_Static_assert(offsetof(struct s2_tlb_entry, kind) == offsetof(struct s2_tlb_entry, vmid) + 2 &&
	       offsetof(struct s2_tlb_entry, shift) == offsetof(struct s2_tlb_entry, vmid) + 3 &&
	       __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	       "little-endian: vmid, kind, shift one 32-bit tag; a hit's words");
_Static_assert(offsetof(struct s2_mmu_result, fault) == 0 &&
	       offsetof(struct s2_mmu_fault, acc) == 4 && offsetof(struct s2_mmu_fault, el) == 5 &&
	       offsetof(struct s2_mmu_fault, va) == 8 && offsetof(struct s2_mmu_fault, ipa) == 16 &&
	       sizeof(struct s2_mmu_fault) == 24 &&
	       offsetof(struct s2_mmu_result, pa) == 24 && offsetof(struct s2_mmu_result, ipa) == 32 &&
	       offsetof(struct s2_mmu_result, attr) == 40 &&
	       offsetof(struct s2_mmu_result, desc_reads) == 56 &&
	       offsetof(struct s2_mmu_result, tlb_hit) == 58 &&
	       offsetof(struct s2_mmu_result, stale) == 59 && sizeof(struct s2_mmu_result) == 64,
	       "a hit writes struct s2_mmu_result as eight words");

/*
 * The tag a look-up wants, without the block size: vmid, kind (the probe
 * adds the size's shift at bit 24, s2_tlb_fast_probe()).
 */
static inline uint32_t tlb_key(unsigned kind, uint16_t vmid)
{
	return vmid | kind << 16;
}

/*
 * The first way of the set that holds the entries of block size
 * 1 << @shift covering @in: the only set a look-up, a fill and a TLBI by
 * address of that size touch. Every entry is indexed by its own size, so
 * the sizes a TLB holds (tlb->shifts) name every set @in can be in.
 */
static inline struct s2_tlb_entry *tlb_set(const struct s2_tlb *tlb,
					   uint64_t in, unsigned shift)
{
	uint32_t set = (uint32_t)(in >> shift) & (tlb->sets - 1);

	return (struct s2_tlb_entry *)((char *)tlb->entries + set * tlb->set_bytes);
}

/*
 * The way of @in's set for block size 1 << @shift that holds an entry
 * tagged @key (tlb_key()) and, unless global, @asid: the probe
 * the embedders' inline hit runs too (s2mm/tlb_fast.h).
 */
static inline struct s2_tlb_entry *tlb_probe(struct s2_tlb *tlb, uint32_t key,
					     uint16_t asid, uint64_t in,
					     unsigned shift)
{
	return s2_tlb_fast_probe(tlb, key, asid, in, shift);
}

/* Probe each block size of @shifts, the smallest first. */
static inline struct s2_tlb_entry *tlb_find(struct s2_tlb *tlb, uint64_t shifts,
					    uint32_t key, uint16_t asid, uint64_t in)
{
	for (; shifts; shifts &= shifts - 1) {
		struct s2_tlb_entry *e = tlb_probe(tlb, key, asid, in,
						   (unsigned)__builtin_ctzll(shifts));
		if (e)
			return e;
	}
	return NULL;
}

static inline struct s2_tlb_entry *tlb_lookup(struct s2_tlb *tlb,
					      unsigned kind, uint16_t vmid,
					      uint16_t asid, uint64_t in)
{
	return tlb_find(tlb, tlb->shifts, tlb_key(kind, vmid), asid, in);
}

static inline void put64(void *p, uint64_t v)
{
	__builtin_memcpy(p, &v, sizeof(v));
}

static inline uint64_t get64(const void *p)
{
	uint64_t v;

	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}

/*
 * @res as entry @e gives it to access @acc of @in, no fault: every byte
 * written, padding included, as eight words (no zeroing first).
 */
static inline void tlb_hit_result(const struct s2_tlb_entry *e,
				  const struct s2_mmu_access *acc, uint64_t in,
				  struct s2_mmu_result *res)
{
	uint64_t off = in ^ e->in;   /* e->in is @in without the offset */
	char *r = (char *)res;

	put64(r, (uint64_t)(acc->acc | (unsigned)acc->el << 8) << 32);
	put64(r + 8, acc->va);
	put64(r + 16, 0);
	put64(r + 24, e->out | off);
	put64(r + 32, e->ipa | off);
	put64(r + 40, get64(&e->attr));
	put64(r + 48, get64(&e->s2_memattr));
	put64(r + 56, (uint64_t)1 << 16);   /* tlb_hit */
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
	struct s2_mmu_fault *f = &res->fault;

	tlb_hit_result(e, acc, in, res);
	if (e->kind == S2_TLB_S2) {
		uint8_t s1 = s2_model_mmu_off_attr(regs, acc->acc);
		res->attr = s2_model_combine_attr(s1, e->s2_memattr);
		res->sh = s2_model_par_sh(res->attr, e->s2_sh);
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

/* The slots struct s2_tlb's fill log holds (tlb.c says what for). */
#define S2_TLB_FILL_LOG  8

/*
 * The slot an entry for @in of block size 1 << @shift goes to: a free way
 * of its set, else the round-robin victim (deterministic, so runs replay
 * exactly); logged and counted as filled. The caller writes the entry.
 * Inline: tlb.c's fills and the miss lane's (lane.c).
 */
static inline __attribute__((always_inline)) struct s2_tlb_entry *
tlb_fill_slot(struct s2_tlb *tlb, uint64_t in, unsigned shift)
{
	struct s2_tlb_entry *e = tlb_set(tlb, in, shift);
	uint32_t way = tlb->ways;

	/* A full TLB (a miss-heavy run's) has no free way to look for. */
	if (tlb->free) {
		for (way = 0; way < tlb->ways; way++)
			if (e[way].kind == S2_TLB_INVALID)
				break;
		tlb->free -= way < tlb->ways;
	}
	if (way == tlb->ways) {
		/* The cursor stays below @ways: no division. */
		way = tlb->victim;
		tlb->victim = way + 1 < tlb->ways ? way + 1 : 0;
		tlb->stats.evictions++;
	}
	e += way;
	if (tlb->fills_n < S2_TLB_FILL_LOG)
		tlb->fills[tlb->fills_n] = (uint32_t)(e - tlb->entries);
	if (tlb->fills_n <= S2_TLB_FILL_LOG)
		tlb->fills_n++;
	tlb->shifts |= 1ULL << shift;
	tlb->stats.fills++;
	return e;
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

/*
 * The grants of @res's stages as a TLB entry holds them: without the
 * writes a writable-clean leaf's DBM allows (S2_MMU_CLEAN_*). The entry
 * must not let a write through a descriptor that is not dirty in memory;
 * such a write walks again and makes it dirty (translate.c).
 */
static inline void s2_tlb_held_perm(const struct s2_mmu_result *res,
				    uint8_t *s1_perm, uint8_t *s2_perm)
{
	const uint8_t w = S2_MMU_PERM_W0 | S2_MMU_PERM_W1;

	*s1_perm = res->dirty & S2_MMU_CLEAN_S1 ? res->s1_perm & ~w : res->s1_perm;
	*s2_perm = res->dirty & S2_MMU_CLEAN_S2 ? res->s2_perm & ~w : res->s2_perm;
}

/* Cache a finished walk: success, or a permission fault of the last stage. */
void s2_tlb_fill_result(struct s2_tlb *tlb, unsigned kind,
			const struct s2_mmu_regs *regs, uint64_t in,
			const struct s2_mmu_result *res);
/*
 * s2_tlb_fill_result() of a combined entry (S2_TLB_S12) for an AArch64
 * EL1: the TLB miss's fill in S2_MODEL_LANE's context.
 */
void s2_tlb_fill_s12(struct s2_tlb *tlb, uint64_t in, const struct s2_mmu_result *res);

#endif /* S2MM_MODEL_TLB_SETS_H */

/* SPDX-License-Identifier: MIT */
/*
 * Private to the MMU model: the leaves' grants and attributes kept by the
 * leaf bits they depend on (struct s2_mmu_leaf_memo), and a successful
 * two-stage result written once from them. Shared by the usual cases of
 * the TLB miss (lane.c) and of the plain walk (walk_lean.c), which each
 * prepare the memo once per context and give it what their context fixes:
 * MAIR_EL1, HCR_EL2.FWB's MemAttr bit, the VMID, the ASID. Freestanding.
 */
#ifndef S2MM_MODEL_LEAF_MEMO_H
#define S2MM_MODEL_LEAF_MEMO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <s2mm/arch.h>
#include <s2mm/mmu.h>

#include "attr.h"
#include "internal.h"

/*
 * The leaf bits that what memo_fill() gives depends on, besides the
 * context: stage 1's AttrIndx, AP[2:1], SH, AF, nG, Contiguous, PXN, UXN
 * (and the table bits, in bits [63:59]); stage 2's MemAttr, S2AP, SH, AF,
 * DBM, Contiguous, XN[1:0].
 */
#define MEMO_KEY1 (S1_DESC_ATTRINDX_MASK | S1_DESC_AP_MASK | DESC_SH_MASK | DESC_AF | \
		   S1_DESC_NG | DESC_CONTIGUOUS | S1_DESC_PXN | S1_DESC_UXN)
#define MEMO_KEY2 (S2_DESC_MEMATTR_MASK | S2_DESC_S2AP_MASK | DESC_SH_MASK | DESC_AF | \
		   DESC_DBM | DESC_CONTIGUOUS | S2_DESC_XN_MASK)

static inline void memo_put64(void *p, uint64_t v)
{
	__builtin_memcpy(p, &v, sizeof(v));
}

/*
 * Empty @m for a context of @cpu with SCTLR_EL1 @sctlr and an AArch64
 * stage 1: the grant tables it fixes (s1_perm()'s SCTLR_EL1.WXN, AArch32's
 * bits clear; s2_perm() by XN[1:0] and S2AP).
 */
static inline void memo_prepare(struct s2_mmu_leaf_memo *m,
				const struct s2_mmu_cpu *cpu, uint64_t sctlr)
{
	/* No leaves yet: a stage-1 leaf's key has AF set. */
	m->key1 = ~0ULL & ~DESC_AF;
	m->key2 = 0;
	m->s1perm_hi = (uint16_t)((sctlr & SCTLR_WXN) != 0) << 9;
	for (unsigned i = 0; i < 16; i++)
		m->s2perm[i] = s2_perm(cpu, (uint64_t)(i & 0xc) << 51 | (uint64_t)(i & 3) << 6);
}

/*
 * The memo's keys of the leaves @d1 (under table bits @t1) and @d2. Not
 * the VA half: for an AArch64 stage 1 nothing the memo holds depends on
 * it (one ASID for both, TCR_EL1.A1's TTBR's), so a stream of misses in
 * both halves keeps its leaves' memo.
 */
#define MEMO_K1(d1, t1) (((d1) & MEMO_KEY1) | ((t1) & GENMASK(63, 59)))
#define MEMO_K2(d2) ((d2) & MEMO_KEY2)

/*
 * Does @m hold what the leaves @d1 (stage 1, under the table bits @t1
 * its walk accumulated, bits [63:59] in place) and @d2
 * (stage 2) give (leaves with the same bits, under the same context: a
 * guest's pages mostly share them)? Else memo_fill(), whose arguments are
 * then all that is read: callers write memo_hit() || memo_fill().
 */
static WALK_INLINE bool memo_hit(const struct s2_mmu_leaf_memo *m, uint64_t d1,
				 uint64_t t1, uint64_t d2)
{
	return __builtin_expect(MEMO_K1(d1, t1) == m->key1 &&
				MEMO_K2(d2) == m->key2, 1);
}

/*
 * What the leaves give the result besides addresses, levels and sizes
 * (memo_hit()'s @d1, @t1, @d2), into @m. @mair: MAIR_EL1; @fwb:
 * stage 2's memattr_fwb; @vmid, @asid: the tags. False when the usual
 * case cannot finish with them: a leaf with AF clear (AArch64.S1Walk,
 * AArch64.S2Walk: a fault, or with HA an update), or with the Contiguous
 * hint (a range, s2_contig_leaf()), or a stage-2 leaf with DBM (a write
 * through it may make it dirty, s2_af_fault()).
 */
static WALK_INLINE bool memo_fill(struct s2_mmu_leaf_memo *m, uint64_t mair,
				  uint8_t fwb, uint16_t vmid, uint16_t asid,
				  uint64_t d1, uint64_t t1, uint64_t d2)
{
	uint8_t p1, p2, attr, memattr, sh2, sh;
	bool global;

	if (((d1 | d2) & DESC_CONTIGUOUS) || !(d1 & d2 & DESC_AF) || (d2 & DESC_DBM))
		return false;
	/* s1_perm()'s index; stage 1 is AArch64 (bits 8 and 10 clear). */
	p1 = s2_model_s1_perm_table[((d1 >> 6) & 3) | ((d1 >> 51) & 0xc) |
				    ((t1 >> 55) & 0xf0) | m->s1perm_hi];
	p2 = m->s2perm[((d2 >> 51) & 0xc) | ((d2 >> 6) & 3)];
	/* AArch64.S1AttrDecode: MAIR_EL1's byte AttrIndx picks. */
	attr = (uint8_t)(mair >> (8 * S2_FIELD_GET(S1_DESC_ATTRINDX, d1)));
	memattr = (uint8_t)S2_FIELD_GET(S2_DESC_MEMATTR, d2) | fwb;
	sh2 = (uint8_t)S2_FIELD_GET(DESC_SH, d2);
	attr = s2_model_combine_attr(attr, memattr);
	sh = s2_model_par_sh(attr, combine_sh((uint8_t)S2_FIELD_GET(DESC_SH, d1), sh2));
	global = !(d1 & S1_DESC_NG);
	m->key1 = MEMO_K1(d1, t1);
	m->key2 = MEMO_K2(d2);
	m->attr = attr | (uint64_t)sh << 8 | (uint64_t)p1 << 48 | (uint64_t)p2 << 56;
	m->ids = (uint64_t)global << 16 | (global ? 0 : (uint64_t)asid << 32) |
		 (uint64_t)vmid << 48;
	m->s2 = (uint16_t)(memattr | sh2 << 8);
	m->perm = p1 & p2;
	return true;
}

/*
 * Do the grants memo_fill() took allow @a at @el (AArch64.S1CheckPermissions,
 * AArch64.S2CheckPermissions: else a permission fault, the general path's)?
 */
static WALK_INLINE bool memo_allows(const struct s2_mmu_leaf_memo *m, unsigned a,
				    unsigned el)
{
	return (m->perm >> (a + 3 * el)) & 1;
}

/*
 * The result word from attr to s2_shift, less the sizes: @m's attr, sh
 * and grants with the levels @level1, @level2.
 */
static WALK_INLINE uint64_t memo_w40(const struct s2_mmu_leaf_memo *m, int level1,
				     int level2)
{
	return m->attr | (uint64_t)(uint8_t)level1 << 16 | (uint64_t)(uint8_t)level2 << 24;
}

_Static_assert(offsetof(struct s2_mmu_result, pa) == 24 &&
	       offsetof(struct s2_mmu_result, ipa) == 32 &&
	       offsetof(struct s2_mmu_result, attr) == 40 &&
	       offsetof(struct s2_mmu_result, s1_shift) == 44 &&
	       offsetof(struct s2_mmu_result, s2_shift) == 45 &&
	       offsetof(struct s2_mmu_result, s1_perm) == 46 &&
	       offsetof(struct s2_mmu_result, s2_memattr) == 48 &&
	       offsetof(struct s2_mmu_result, global) == 50 &&
	       offsetof(struct s2_mmu_result, asid) == 52 &&
	       offsetof(struct s2_mmu_result, vmid) == 54 &&
	       offsetof(struct s2_mmu_result, desc_reads) == 56 &&
	       offsetof(struct s2_mmu_result, contig) == 62 &&
	       sizeof(struct s2_mmu_result) == 64,
	       "a result's words as memo_result() writes them");

/*
 * A successful translation of @a at @el to @va, written once as the
 * general walk gives it (result_init(), full_s1(), final_s2()): stage 1
 * maps 1 << @shift1 bytes of @va at @level1 to @ipa, stage 2 1 << @shift2
 * of @ipa at @level2 to @pa, in @reads descriptor reads; the rest from
 * @m. No TLB hit, Access flag, dirty state or Contiguous range.
 */
static WALK_INLINE void memo_result(const struct s2_mmu_leaf_memo *m,
				    struct s2_mmu_result *res, unsigned a, unsigned el,
				    uint64_t va, int level1, unsigned shift1, uint64_t ipa,
				    int level2, unsigned shift2, uint64_t pa, uint32_t reads)
{
	/* Read before the stores: @res might alias @m, as far as C knows. */
	uint64_t w40 = memo_w40(m, level1, level2), w48 = m->ids | m->s2;
	char *r = (char *)res;

	memo_put64(r, (uint64_t)(a | el << 8) << 32);
	memo_put64(r + 8, va);
	memo_put64(r + 16, 0);
	memo_put64(r + 24, pa);
	memo_put64(r + 32, ipa);
	memo_put64(r + 40, w40 | (uint64_t)shift1 << 32 | (uint64_t)shift2 << 40);
	memo_put64(r + 48, w48);
	memo_put64(r + 56, reads);
}

#endif /* S2MM_MODEL_LEAF_MEMO_H */

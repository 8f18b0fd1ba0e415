/* SPDX-License-Identifier: MIT */
/**
 * @file
 * The TLB hit inline in the embedder's access path, as a CPU emulator's
 * softmmu TLB is: s2_tlb_fast_lookup() probes a CPU's TLB (struct s2_tlb)
 * for an access under the registers the last s2_tlb_translate() call on
 * that TLB validated, and gives the PA and attributes on a hit; anything
 * else is a miss, for which the caller calls s2_tlb_translate(), which
 * serves it exactly (walk and fill, a permission fault, a write through a
 * writable-clean leaf, stale-entry checking, AArch32).
 *
 * The contract that makes this exact: the embedder calls
 * s2_tlb_regs_changed() whenever anything it passes s2_tlb_translate() for
 * this TLB changes: a register of struct s2_mmu_regs (TTBRn_EL1 and its
 * ASID, TCR_EL1, SCTLR_EL1, MAIR_EL1, HCR_EL2, VTCR_EL2, VTTBR_EL2 and its
 * VMID, DACR32_EL2, CONTEXTIDR_EL1), struct s2_mmu_cpu or struct
 * s2_mmu_mem. The inline look-up does not compare them (that compare is
 * most of what s2_tlb_translate() spends on a hit); it trusts the context
 * the model validated last, until this hook withdraws it. TLBIs need no
 * hook: s2_tlb_tlbi() removes the entries, which the look-up then misses.
 *
 * Not thread-safe, as struct s2_tlb is not: the CPU's own thread only.
 */
#ifndef S2MM_TLB_FAST_H
#define S2MM_TLB_FAST_H

#include <stdbool.h>
#include <stdint.h>

#include <s2mm/mmu.h>
#include <s2mm/tlb.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * struct s2_tlb_fast_hit - What an inline hit gives. Each field is the
 * same-named field of the struct s2_mmu_result that s2_tlb_translate()
 * would give for the access (a TLB hit: no fault, nothing made dirty);
 * @attr to @s2_perm are the entry's bytes, copied as one word.
 */
struct s2_tlb_fast_hit {
	uint64_t pa;        /* output address of the access */
	uint64_t ipa;       /* its IPA (stage-1-only entries: the PA) */
	uint8_t attr;       /* combined attributes, MAIR format */
	uint8_t sh;         /* combined shareability */
	int8_t s1_level;    /* level of the stage-1 leaf */
	int8_t s2_level;    /* level of the stage-2 leaf */
	uint8_t s1_shift;   /* log2 of the size the entry holds */
	uint8_t s2_shift;   /* the same; 64 for stage-1-only entries */
	uint8_t s1_perm;    /* S2_MMU_PERM_* stage 1 grants, as held */
	uint8_t s2_perm;    /* S2_MMU_PERM_* stage 2 grants, as held */
};

/**
 * s2_tlb_fast_probe() - The way of the set for block size 1 << @shift that
 * holds @in with tag @key and, unless global, @asid; NULL when none.
 * Shared by the inline hit and the model's own look-ups (one probe, one
 * set layout); embedders call s2_tlb_fast_lookup().
 *
 * @key: VMID | entry kind << 16, the tag of struct s2_tlb_entry's vmid,
 *       kind and shift read as one little-endian word, without the shift.
 *
 * The address is compared first: it is what tells most ways of a set
 * apart. An entry of the wanted tag holds its block's address aligned
 * (e->in), so one compare with @in's block tells (other ways' addresses
 * are of no matter: their tag differs).
 */
static inline struct s2_tlb_entry *
s2_tlb_fast_probe(const struct s2_tlb *tlb, uint32_t key, uint16_t asid,
		  uint64_t in, unsigned shift)
{
	uint64_t blk = in >> shift << shift;
	uint32_t want = key | (uint32_t)shift << 24;
	uint32_t set = (uint32_t)(in >> shift) & (tlb->sets - 1);
	char *first = (char *)tlb->entries + set * tlb->set_bytes;
	struct s2_tlb_entry *e = (struct s2_tlb_entry *)first;
	struct s2_tlb_entry *end = (struct s2_tlb_entry *)(first + tlb->set_bytes);

	do {   /* s2_tlb_init(): at least one way */
		uint32_t tag;

		__builtin_memcpy(&tag, &e->vmid, sizeof(tag));
		if (e->in == blk && tag == want &&
		    (e->global || e->asid == asid))
			return e;
	} while (++e < end);
	return (struct s2_tlb_entry *)0;
}

/**
 * s2_tlb_fast_entry() - The hit of entry @e (found for @acc's VA under the
 * validated context), if it grants @acc: @hit filled and the hit counted.
 * Shared by s2_tlb_fast_lookup() and s2_tlb_fast_lookup_sizes().
 *
 * Return: true on a hit.
 */
static inline bool s2_tlb_fast_entry(struct s2_tlb *tlb,
				     const struct s2_tlb_entry *e,
				     const struct s2_mmu_access *acc,
				     struct s2_tlb_fast_hit *hit)
{
	unsigned a = acc->acc, el = acc->el;
	uint64_t off = acc->va ^ e->in;   /* e->in is the VA without the offset */

	/*
	 * AArch64.CheckPermission on the grants both stages give, as the
	 * entry holds them: S2_MMU_PERM_* bit acc + 3 * el. A bad access is
	 * the full path's error.
	 */
	if ((a > S2_MMU_EXEC) | (el > 1) || !((e->perm >> (a + 3 * el)) & 1))
		return false;
	tlb->stats.translations++;
	tlb->stats.hits++;
	hit->pa = e->out | off;
	hit->ipa = e->ipa | off;
	__builtin_memcpy(&hit->attr, &e->attr, 8);
	return true;
}

/**
 * s2_tlb_fast_lookup_sizes() - s2_tlb_fast_lookup() for the block sizes it
 * does not probe inline (all but the smallest the TLB holds). Out of line:
 * the usual hit takes one probe. Embedders call s2_tlb_fast_lookup().
 *
 * Return: true on a hit.
 */
bool s2_tlb_fast_lookup_sizes(struct s2_tlb *tlb, const struct s2_mmu_access *acc,
			      struct s2_tlb_fast_hit *hit);

/**
 * s2_tlb_fast_lookup() - The TLB hit, inline.
 * @tlb: this CPU's TLB, translated through by s2_tlb_translate() with the
 *       registers of the moment (see s2_tlb_regs_changed()).
 * @acc: the access: VA, S2_MMU_READ/WRITE/EXEC, EL 0 or 1.
 * @hit: filled on a hit, untouched on a miss.
 *
 * Hits where s2_tlb_translate() would hit the same entry and pass its
 * permission check (AArch64.CheckPermission, on the permissions both
 * stages grant as the entry holds them: a writable-clean leaf's entry
 * holds no write, FEAT_HAFDBS, so such a write misses here and walks
 * there), for an AArch64 EL1&0 regime with stage 1 on and stale-entry
 * checking off (s2_tlb_set_check_stale()). A hit counts in the TLB's
 * statistics (translations, hits) as s2_tlb_translate()'s does. Misses
 * otherwise, changing nothing: the caller then calls s2_tlb_translate(),
 * which also validates the registers this look-up will use next.
 *
 * Return: true on a hit.
 */
static inline bool s2_tlb_fast_lookup(struct s2_tlb *tlb,
				      const struct s2_mmu_access *acc,
				      struct s2_tlb_fast_hit *hit)
{
	const struct s2_tlb_ctx *c = &tlb->ctx;
	uint64_t shifts = tlb->shifts;
	const struct s2_tlb_entry *e;

	if (!c->fast || !shifts)
		return false;
	/* The smallest block size the TLB holds; the others out of line. */
	e = s2_tlb_fast_probe(tlb, c->key, c->asid, acc->va,
			      (unsigned)__builtin_ctzll(shifts));
	if (__builtin_expect(!e, 0))
		return s2_tlb_fast_lookup_sizes(tlb, acc, hit);
	return s2_tlb_fast_entry(tlb, e, acc, hit);
}

/**
 * s2_tlb_regs_changed() - Withdraw the context the inline hit uses.
 * @tlb: the TLB.
 *
 * Call after changing anything passed to s2_tlb_translate() for @tlb: any
 * register of struct s2_mmu_regs (an ASID or VMID switch included), the
 * CPU's features or the memory. s2_tlb_fast_lookup() then misses until
 * s2_tlb_translate() has validated the new registers. Entries stay: as on
 * hardware, a register change is no TLB invalidation.
 */
static inline void s2_tlb_regs_changed(struct s2_tlb *tlb)
{
	tlb->ctx.fast = 0;
}

#ifdef __cplusplus
}
#endif

#endif /* S2MM_TLB_FAST_H */

/* SPDX-License-Identifier: MIT */
/**
 * @file
 * Stage-2 table geometry: everything that differs between layouts (granule,
 * IPA size, start level, concatenated roots, 52-bit output formats) as data,
 * so one page-table engine serves every layout.
 */
#ifndef S2MM_GEOMETRY_H
#define S2MM_GEOMETRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The lowest lookup level: -1 (FEAT_LPA2, 4KB granule). */
#define S2_LEVEL_MIN (-1)
/** The final lookup level, where pages live. */
#define S2_LEVEL_MAX 3
/** s2_geom_init()'s @start_level for the fewest levels. */
#define S2_START_LEVEL_AUTO (-2)
/** Most root tables a stage-2 start level can concatenate. */
#define S2_MAX_CONCAT 16

/**
 * struct s2_geom - A stage-2 layout, as s2_geom_init() derives it. Read
 * its fields; make it only with s2_geom_init().
 */
struct s2_geom {
	unsigned int granule_shift; /* 12 (4K), 14 (16K) or 16 (64K) */
	unsigned int stride;        /* index bits per level: granule_shift - 3 */
	unsigned int ipa_bits;      /* input (IPA) size */
	unsigned int pa_bits;       /* output size: VTCR_EL2.PS */
	int start_level;            /* level of the root */
	unsigned int concat;        /* concatenated root tables, 1..16 */
	uint64_t root_entries;      /* entries in the whole root */
	size_t root_size;           /* bytes of the root; also its alignment */
	bool ds;                    /* FEAT_LPA2 descriptors (52-bit, 4K/16K) */
	bool lpa;                   /* FEAT_LPA 64K: OA[51:48] in bits [15:12] */
	bool fwb;                   /* leaves for HCR_EL2.FWB=1: s2_geom_set_fwb() */
	bool contig;                /* Contiguous hints: s2_geom_set_contig() */
	uint64_t vtcr;              /* VTCR_EL2 for this layout, VS/HA/HD clear */
};

/**
 * s2_geom_init() - Derive a stage-2 layout.
 * @g: filled on success, untouched on error.
 * @granule: 4096, 16384 or 65536.
 * @ipa_bits: IPA size, 25..52 (52 only with @pa_bits 52).
 * @pa_bits: physical address size the CPU implements (PAMax,
 *           ID_AA64MMFR0_EL1.PARange) and VTCR_EL2.PS selects: 32, 36,
 *           40, 42, 44, 48 or 52. @ipa_bits may not exceed it
 *           (AArch64.S2MinTxSZ; a 52-bit layout with 4K or 16K uses
 *           the DS format, FEAT_LPA2).
 * @start_level: S2_START_LEVEL_AUTO for the fewest levels (concatenating up
 *           to 16 root tables, as KVM does), or a level to force.
 *
 * Applies the Arm ARM rules for VTCR_EL2.T0SZ/SL0 (AArch64.S2MinTxSZ,
 * AArch64.S2InconsistentSL and AArch64.S2InvalidSL): the IPA no wider than
 * PAMax (the 40 bits the architecture allows an AArch32 EL1 whatever
 * PAMax is are not made: they would exceed PS); a forced level must
 * resolve the IPA with at most 16 concatenated tables and at least one
 * bit at the start level; level 0 (4K) and level 1 (16K, 64K) need a PA
 * of at least 44/42/44 bits; level -1 (4K) and level 0 (16K) need
 * FEAT_LPA2 and a 52-bit PA. Level 3 with 4K
 * (VTCR_EL2.SL0 = 0b11) needs FEAT_TTST: S2_START_LEVEL_AUTO never picks
 * it, forcing it says the CPU has it. IPA sizes below 25 bits (FEAT_TTST
 * allows 16) are not made.
 * The leaves use the memory attribute encodings of HCR_EL2.FWB=0 until
 * s2_geom_set_fwb() says otherwise.
 *
 * Return: 0, -S2_EINVAL for a value outside the lists above, -S2_ENOTSUP for
 * a combination the architecture forbids.
 */
int s2_geom_init(struct s2_geom *g, unsigned int granule, unsigned int ipa_bits,
		 unsigned int pa_bits, int start_level);

/**
 * s2_geom_set_fwb() - Make leaves for a CPU running the VM with
 * HCR_EL2.FWB=1 (FEAT_S2FWB), or not (@fwb false, the default).
 * @g: a layout from s2_geom_init(), before s2_pgtable_init() or
 *     s2_vm_init() copies it.
 *
 * With FWB, stage-2 MemAttr forces the memory type (Arm ARM, "Stage 2
 * memory type and Cacheability attributes when FEAT_S2FWB is enabled"):
 * Normal memory is mapped 0b0110, Normal Write-Back whatever stage 1 says,
 * and Device memory 0b0001, Device-nGnRE, as without FWB. The guest then
 * sees its RAM Write-Back even with its MMU off, so the embedder need not
 * clean guest pages to the Point of Coherency before it runs (as KVM
 * does); without FWB it must, after writing them through a cacheable
 * mapping. The library's own cleaning is not affected: @dcache_clean_poc
 * of struct s2_mm_ops cleans translation table writes for a walker that
 * does not snoop the data cache, and FWB says nothing about the walker's
 * accesses (VTCR_EL2.IRGN0/ORGN0 do).
 *
 * Return: 0, -S2_EINVAL for a NULL @g.
 */
int s2_geom_set_fwb(struct s2_geom *g, bool fwb);

/**
 * s2_geom_set_contig() - Let the page tables of layout @g set the
 * Contiguous hint (descriptor bit 52), or not (@on false, the default).
 * @g: a layout from s2_geom_init(), before s2_pgtable_init() or
 *     s2_vm_init() copies it.
 *
 * With the hint, s2_pgtable_map() marks every aligned run of leaves it
 * writes into entries that were all invalid, whose output is aligned as
 * well and whose range (s2_geom_contig_shift()) fits the IPA size, so
 * that a TLB may hold one entry for the run (Arm ARM D8.6.1, "The
 * Contiguous bit"). Every change to part of a hinted run first takes the
 * hint off the whole run by break-before-make: each entry cleared, each
 * invalidated, then written back without the hint (Linux's contpte
 * "unfold"); the Access flag alone may differ within a run and changes in
 * place. s2_pgtable_fold() gives a run made whole again its hint back;
 * a VM's fault handler does so where a fault completes a run outside
 * dirty logging (s2_vm_handle_abort()). Off by default: an embedder's own walker or dirty-state code
 * may not expect bit 52; a layout without the hint maps and unmaps
 * through code that tests nothing for it.
 *
 * Return: 0, -S2_EINVAL for a NULL @g.
 */
int s2_geom_set_contig(struct s2_geom *g, bool on);

/**
 * s2_geom_contig_shift() - log2 of the bytes a Contiguous run of leaves at
 * @level maps (AArch64.ContiguousSize): 16 entries with 4KB granules, 128
 * pages or 32 blocks with 16KB, 32 entries with 64KB.
 *
 * Return: the shift, or 0 where the bit is RES0 (AArch64.ContiguousBit:
 * 4KB level 0, 16KB and 64KB level 1, no leaf level) or the run would be
 * wider than the IPA space (AArch64.ContiguousBitFaults: such a hint may
 * be a Translation fault).
 */
unsigned int s2_geom_contig_shift(const struct s2_geom *g, int level);

/** s2_geom_level_shift() - log2 of the bytes one entry at @level maps. */
static inline unsigned int s2_geom_level_shift(const struct s2_geom *g,
					       int level)
{
	return g->granule_shift + (unsigned int)(S2_LEVEL_MAX - level) * g->stride;
}

/** s2_geom_level_size() - Bytes one entry at @level maps. */
static inline uint64_t s2_geom_level_size(const struct s2_geom *g, int level)
{
	return 1ULL << s2_geom_level_shift(g, level);
}

/**
 * s2_geom_leaf_allowed() - Whether a leaf (a block, or a page at level 3)
 * may sit at @level: 4K blocks at levels 1-2 (0 with DS), 16K at 2 (1 with
 * DS), 64K at 2 (1 with 52-bit PA).
 */
bool s2_geom_leaf_allowed(const struct s2_geom *g, int level);

/** s2_geom_ipa_limit() - One past the largest IPA: 1 << ipa_bits. */
static inline uint64_t s2_geom_ipa_limit(const struct s2_geom *g)
{
	return 1ULL << g->ipa_bits;
}

/**
 * s2_geom_oa_to_desc() - Place output address @pa (aligned to the leaf or
 * table size) in a descriptor's address field, in this layout's format.
 */
uint64_t s2_geom_oa_to_desc(const struct s2_geom *g, uint64_t pa);

/** s2_geom_desc_to_oa() - The output address a descriptor holds. */
uint64_t s2_geom_desc_to_oa(const struct s2_geom *g, uint64_t desc);

/** s2_geom_vttbr() - VTTBR_EL2 for a root at @root_pa and @vmid. */
uint64_t s2_geom_vttbr(const struct s2_geom *g, uint64_t root_pa, uint16_t vmid);

#ifdef __cplusplus
}
#endif

#endif /* S2MM_GEOMETRY_H */

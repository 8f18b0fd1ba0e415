/* SPDX-License-Identifier: MIT */
/*
 * Private to the MMU model: the walk context, shared by the general walker
 * (walk.c) and the fast 2D walk (walk_fast.c), and the walker's entry
 * points, which the public translations (translate.c) call.
 */
#ifndef S2MM_MODEL_WALK_H
#define S2MM_MODEL_WALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <s2mm/mmu.h>
#include <s2mm/tlb.h>

#include "internal.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the MMU model reads little-endian descriptors with native loads"
#endif

/* Simulated physical memory as the walker reads it. */
struct tt_mem {
	uint64_t base;
	uint64_t last;           /* size - 8: a PA is in when PA - base <= last */
	uintptr_t host;          /* host address of PA @base */
};

/* A walk in progress: what it reads, with what controls, what it counted. */
struct s2_walk {
	const struct s2_mmu_cpu *cpu;
	const struct s2_mmu_regs *regs;
	struct s2_tlb *tlb;      /* its S2 entries serve S1 table fetches, or NULL */
	/* @tlb's walk caches (NULL when off, and always without @tlb). */
	struct s2_wc *wc1;       /* stage-1 walk cache (AArch64 stage 1 only) */
	struct s2_wc *wc2;       /* stage-2 walk cache */
	struct s2_wc *ntlb;      /* nested TLB, serving S1 table fetches */
	struct tt_mem mem;
	uint16_t vmid;
	bool s2_on;
	const struct s2_mmu_tt *s2; /* decoded stage 2, when @s2_on */
	/* Hot values of @s2 in the walk context (registers, not reloads). */
	uint64_t s2_base_off;    /* start table as an offset in @mem */
	uint64_t s2_fast;
	uint64_t s2_tmask;       /* the fast walk's table test (regime_blk()) */
	uint64_t s2_tval;
	uint64_t s2_oa_mask;
	uint64_t s2_range;       /* IPA bits that must be zero (range_mask) */
	unsigned s2_bad;         /* @s2's fault, or 0 */
	bool ptw;                /* HCR_EL2.PTW */
	uint32_t reads;
	uint32_t s2_cache_hits;  /* S1 table fetches @tlb or @ntlb served */
	uint32_t wc_hits;        /* hits in @wc1 and @wc2 */
	uint64_t s1_dipa;        /* IPA of the stage-1 leaf's descriptor (walk_s1()) */
	uint8_t af_set;          /* S2_MMU_AF_* set by this walk (FEAT_HAFDBS) */
	uint8_t dirty;           /* S2_MMU_DIRTY_* set by this walk */
	bool no_dirty;           /* S2_MODEL_AT or S2_MODEL_DRY: no dirty-state update */
	bool dry;                /* S2_MODEL_DRY: no update written */
};

/*
 * Not a fault: a hardware update found its descriptor changed, and the
 * translation starts again (translate() in walk.c).
 */
#define S2_MODEL_REDO 0xffu

/* The leaf a one-stage walk ends on. */
struct tt_leaf {
	uint64_t desc;
	uint64_t out;        /* output address of the input address */
	uint64_t table;      /* stage 1: accumulated APTable/XNTable/PXNTable bits
			      * [63:59]; stage 2 (general walker): the
			      * descriptor's offset in the memory window */
	int8_t level;
	uint8_t shift;
};

/*
 * Fill @lf with leaf descriptor @d found at @level for input address @ia:
 * @table, the table bits its walk accumulated; @shift, the log2 size the
 * leaf maps; @oa, its output address.
 */
static WALK_INLINE void leaf_set(struct tt_leaf *lf, uint64_t d, uint64_t table,
				 int level, unsigned shift, uint64_t oa,
				 uint64_t ia)
{
	lf->desc = d;
	lf->table = table;
	lf->level = (int8_t)level;
	lf->shift = (uint8_t)shift;
	/* @shift is at most 48: no LOWMASK() range check. */
	lf->out = (oa & ~(BIT(shift) - 1)) | (ia & (BIT(shift) - 1));
}

/* What s2_model_translate() translates, and how (flags ORed in). */
enum s2_model_mode {
	S2_MODEL_S12,   /* the access: stage 1, then stage 2 when HCR_EL2.VM */
	S2_MODEL_S1,    /* stage 1 only (AT S1E*): the result's PA is the IPA */
	S2_MODEL_S2,    /* stage 2 alone, VA taken as IPA, whatever HCR_EL2.VM */
	S2_MODEL_MODE = 0xf,
	/*
	 * An AT instruction: no dirty-state update (AArch64.S1Translate and
	 * AArch64.S2Translate exclude AccessType_AT), the Access flag as an
	 * access sets it.
	 */
	S2_MODEL_AT = 0x10,
	/*
	 * A walk that writes nothing (the TLB's stale check): every update
	 * the access would make is left out of memory; the result is that
	 * of an AT instruction (a writable-clean leaf stays clean).
	 */
	S2_MODEL_DRY = 0x20,
	/*
	 * A TLB miss in the context s2_tlb_translate() validated for its
	 * inline hit, with stage 2 on: an AArch64 EL1 (HCR_EL2.RW), stage 1
	 * on (SCTLR_EL1.M), HCR_EL2.VM, a TLB, and the regime cache keyed
	 * to the CPU and registers (s2_model_regime_sync()). What the walk
	 * would test again folds away.
	 */
	S2_MODEL_LANE = 0x40,
};

/*
 * Walk the tables afresh for @acc (arguments already checked) and fill
 * @res. @rc: the decoded-regime cache to use (checked against @cpu and
 * @regs). @tlb: a TLB whose stage-2-only entries serve (and are filled by)
 * the stage-2 translations of stage-1 table fetches, or NULL; its walk
 * caches serve the walk too. @mode: enum s2_model_mode. Returns how many
 * of those fetches the TLB (or its nested TLB) served; @wc_hits, if not
 * NULL, gets how many look-ups of the walk caches hit.
 */
uint32_t s2_model_translate(const struct s2_mmu_mem *mem,
			    const struct s2_mmu_cpu *cpu,
			    const struct s2_mmu_regs *regs,
			    struct s2_mmu_regime *rc, struct s2_tlb *tlb,
			    const struct s2_mmu_access *acc, unsigned mode,
			    struct s2_mmu_result *res, uint32_t *wc_hits);

/*
 * Fetch the stage-1 descriptor doubleword at @ipa (8-byte aligned) for a
 * walk at @level: through stage 2, whose faults are S1PTW faults in @f;
 * outside the memory window an external abort. Returns a fault type, or
 * 0 with @d read. For the short-descriptor walker (walk_sd.c).
 */
unsigned s2_model_s1_fetch(struct s2_walk *w, uint64_t ipa, int level,
			   uint64_t *d, struct s2_mmu_fault *f);

/*
 * s2_model_translate() of a TLB miss (S2_MODEL_S12, @tlb not NULL), its
 * own copy: the mode folds away. s2_model_translate_lane(): the same in
 * the context S2_MODEL_LANE describes.
 */
uint32_t s2_model_translate_miss(const struct s2_mmu_mem *mem,
				 const struct s2_mmu_cpu *cpu,
				 const struct s2_mmu_regs *regs,
				 struct s2_mmu_regime *rc, struct s2_tlb *tlb,
				 const struct s2_mmu_access *acc,
				 struct s2_mmu_result *res, uint32_t *wc_hits);

uint32_t s2_model_translate_lane(const struct s2_mmu_mem *mem,
				 const struct s2_mmu_cpu *cpu,
				 const struct s2_mmu_regs *regs,
				 struct s2_mmu_regime *rc, struct s2_tlb *tlb,
				 const struct s2_mmu_access *acc,
				 struct s2_mmu_result *res, uint32_t *wc_hits);

/*
 * Key @rc to @cpu and @regs, keeping what it has decoded when they are
 * those it was keyed to: what S2_MODEL_LANE's callers do when they
 * validate a context.
 */
void s2_model_regime_sync(struct s2_mmu_regime *rc, const struct s2_mmu_cpu *cpu,
			  const struct s2_mmu_regs *regs);

/* s2_model_translate() of an access (S2_MODEL_S12) without a TLB. */
void s2_model_translate_s12(const struct s2_mmu_mem *mem,
			    const struct s2_mmu_cpu *cpu,
			    const struct s2_mmu_regs *regs,
			    struct s2_mmu_regime *rc,
			    const struct s2_mmu_access *acc,
			    struct s2_mmu_result *res);

/*
 * Are results @a and @b the same, every field up to contig compared as
 * bytes (the layout has no padding there, tlb_sets.h)? The checked
 * builds' compare of a fast path's result with the general walker's.
 */
static inline bool result_same(const struct s2_mmu_result *a,
			       const struct s2_mmu_result *b)
{
	const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;

	for (size_t i = 0; i <= offsetof(struct s2_mmu_result, contig); i++)
		if (x[i] != y[i])
			return false;
	return true;
}

#endif /* S2MM_MODEL_WALK_H */

/* SPDX-License-Identifier: MIT */
/**
 * @file
 * TLB model: per-CPU, set-associative TLBs of the EL1&0 regime, tagged with
 * VMID and (for nG stage-1 leaves) ASID, and the TLBI operations with their
 * architectural reach (Arm ARM D8.13, "TLB maintenance instructions").
 *
 * Entries come in three kinds, kept apart as the architecture allows:
 *  - combined stage 1+2 (guest MMU on, HCR_EL2.VM=1), tagged by VA;
 *  - stage 1 only (HCR_EL2.VM=0), tagged by VA;
 *  - stage 2 only (guest MMU off, and the stage-2 translations of stage-1
 *    table pages that walks cache), tagged by IPA.
 * TLBI IPAS2E1 removes only stage-2-only entries; combined entries need
 * VMALLE1 or VMALLS12E1. So a hypervisor that changes a stage-2 mapping and
 * forgets the right TLBI sees a stale translation here, as on hardware.
 *
 * No allocation: the caller supplies the entry array. Not thread-safe: one
 * struct s2_tlb per simulated CPU; broadcast (IS) operations must be called
 * where no CPU translates concurrently (the simulator serialises them).
 */
#ifndef S2MM_TLB_H
#define S2MM_TLB_H

#include <stdbool.h>
#include <stdint.h>

#include <s2mm/mmu.h>

#ifdef __cplusplus
extern "C" {
#endif

/** enum s2_tlb_kind - What an entry caches. */
enum s2_tlb_kind {
	S2_TLB_INVALID = 0, /* a free slot */
	S2_TLB_S12,     /* combined stage 1 + stage 2, tagged by VA */
	S2_TLB_S1,      /* stage 1 only (HCR_EL2.VM=0), tagged by VA */
	S2_TLB_S2,      /* stage 2 only, tagged by IPA */
};

/**
 * struct s2_tlb_entry - One cached translation. Treat as opaque; exposed so
 * that callers can size the storage.
 *
 * From @attr to @vmid the fields are, byte for byte, those of the struct
 * s2_mmu_result a hit gives (its @attr to @vmid): a hit copies them as two
 * words. @vmid, @kind and @shift are adjacent: the look-up compares them as
 * one word.
 */
struct s2_tlb_entry {
	uint64_t in;        /* VA or IPA, aligned to 1 << shift */
	uint64_t ipa;       /* IPA of the block (combined entries) */
	uint64_t out;       /* PA, aligned to 1 << shift */
	uint8_t attr;       /* combined attributes, MAIR format (S2: MemAttr) */
	uint8_t sh;         /* combined shareability (S2: the leaf's SH) */
	int8_t s1_level;    /* level of the stage-1 leaf */
	int8_t s2_level;    /* level of the stage-2 leaf */
	uint8_t s1_shift;   /* @shift, 64 for stage-2-only entries */
	uint8_t s2_shift;   /* @shift, 64 for stage-1-only entries */
	uint8_t s1_perm;    /* S2_MMU_PERM_* stage 1 grants */
	uint8_t s2_perm;    /* S2_MMU_PERM_* stage 2 grants */
	uint8_t s2_memattr; /* stage-2-only entries: the leaf's MemAttr, else 0 */
	uint8_t s2_sh;      /* stage-2-only entries: the leaf's SH, else 0 */
	bool global;        /* stage-1 nG=0: matches any ASID */
	uint8_t domain;     /* short-descriptor stage 1: the leaf's domain, else 0 */
	uint16_t asid;      /* the ASID, when not global */
	uint16_t vmid;      /* the VMID it was filled under */
	uint8_t kind;       /* enum s2_tlb_kind */
	uint8_t shift;      /* log2 block size: min of both stages */
	uint8_t perm;       /* @s1_perm & @s2_perm: what a hit may do */
	uint8_t clean;      /* writes withheld from a writable-clean leaf's
			     * grants (FEAT_HAFDBS): a write hit walks again */
};

/** struct s2_tlb_stats - Counters, per TLB (per CPU). */
struct s2_tlb_stats {
	uint64_t translations;      /* s2_tlb_translate() calls */
	uint64_t hits;              /* translations served by an entry */
	uint64_t misses;            /* translations that walked */
	uint64_t walks;             /* walks started on a miss */
	uint64_t walk_s2_hits;      /* stage-1 table fetches served by S2 entries
				     * or the nested TLB */
	uint64_t desc_reads;        /* descriptors read by all walks */
	uint32_t last_walk_reads;   /* descriptors read by the last walk */
	uint32_t max_walk_reads;    /* descriptors read by the longest walk */
	uint64_t faults[S2_MMU_FAULT_NR]; /* by enum s2_mmu_fault_type */
	uint64_t faults_stage2;     /* faults of stage 2 (S1PTW included) */
	uint64_t faults_s1ptw;      /* stage-2 faults on stage-1 walks */
	uint64_t stale_hits;        /* see s2_tlb_set_check_stale() */
	uint64_t dirty_walks;       /* write hits on entries of writable-clean
				     * leaves, walked again (FEAT_HAFDBS) */
	uint64_t fills;             /* entries written */
	uint64_t evictions;         /* valid entries a fill replaced */
	uint64_t tlbi_ops;          /* TLBIs executed on this TLB */
	uint64_t invalidated;       /* entries removed by TLBI */
	uint64_t contig_fills;      /* entries filled for a Contiguous range */
	uint64_t contig_bad;        /* misprogrammed Contiguous ranges found */
};

/**
 * enum s2_wc_type - The walk caches a TLB can have beside its entries
 * (s2_tlb_walk_cache()). Each holds what a walk read, so that the next walk
 * reads less, and each obeys the TLBIs' architectural reach as the TLB does
 * (Arm ARM D8.13: a "last level" TLBI need not remove cached table
 * descriptors, a stage-1 TLBI does not reach stage-2 information):
 */
enum s2_wc_type {
	/*
	 * Stage-1 table descriptors by level and VA prefix, tagged by VMID
	 * and ASID: a hit skips the stage-1 levels above it. Holds the next
	 * table's IPA, so stage 2 still translates the remaining fetches.
	 * Removed by ALLE1, VMALLS12E1, VMALLE1, ASIDE1 and the non-last-level
	 * VA operations (VAE1, VAAE1); VALE1, VAALE1 and IPAS2* leave it.
	 */
	S2_WC_S1,
	/*
	 * Stage-2 table descriptors by level and IPA prefix, tagged by VMID:
	 * a hit skips the stage-2 levels above it, in every stage-2 walk.
	 * Removed by ALLE1, VMALLS12E1 and IPAS2E1; IPAS2LE1 (last level),
	 * VMALLE1 and the VA operations leave it.
	 */
	S2_WC_S2,
	/*
	 * The nested TLB: stage-2 leaves (IPA -> PA, permissions, MemAttr) for
	 * stage-1 descriptor fetches, tagged by VMID. Removed by ALLE1,
	 * VMALLS12E1, IPAS2E1 and IPAS2LE1. Without it, the TLB's own
	 * stage-2-only entries serve those fetches.
	 */
	S2_WC_NESTED,
	S2_WC_NR,
};

/** enum s2_wc_repl - Which way a fill replaces in a full set. */
enum s2_wc_repl {
	S2_WC_ROUND_ROBIN,  /* a cursor per cache */
	S2_WC_LRU,          /* the least recently used way of the set */
	S2_WC_REPL_NR,
};

/** Levels a walk cache counts hits by: -1 (LPA2) to 3, at index level + 1. */
#define S2_WC_LEVELS 5

/**
 * struct s2_wc_entry - One walk-cache entry. Treat as opaque; exposed so
 * that callers can size the storage.
 */
struct s2_wc_entry {
	uint64_t tag;       /* input address >> shift */
	uint64_t out;       /* next table's address, or the leaf block's PA */
	uint64_t stamp;     /* last use, for LRU */
	uint16_t vmid;      /* the VMID it was filled under */
	uint16_t asid;      /* stage-1 walk cache: the ASID */
	int8_t level;       /* level of the cached descriptor */
	uint8_t shift;      /* log2 of the input range it covers */
	uint8_t gbits;      /* granule of the walk that filled it */
	uint8_t valid;      /* 0: a free way */
	uint8_t perm;       /* nested TLB: S2_MMU_PERM_* of the leaf */
	uint8_t memattr;    /* nested TLB: stage-2 MemAttr[3:0] */
	uint8_t sh;         /* nested TLB: stage-2 shareability */
	uint8_t tbl;        /* stage-1 walk cache: table bits [63:59] so far */
};

/** struct s2_wc_stats - Counters of one walk cache. */
struct s2_wc_stats {
	uint64_t lookups;            /* look-ups made */
	uint64_t hits[S2_WC_LEVELS]; /* hits, by the hit entry's level + 1 */
	uint64_t misses;             /* look-ups that found nothing */
	uint64_t fills;              /* entries written */
	uint64_t evictions;          /* valid entries a fill replaced */
	uint64_t invalidated;        /* entries removed by TLBI */
};

/** struct s2_wc - One walk cache. Fields other than @stats are private. */
struct s2_wc {
	struct s2_wc_entry *entries; /* sets * ways, the caller's storage */
	uint64_t set_bytes;          /* ways * sizeof(struct s2_wc_entry) */
	uint32_t set_mask;           /* sets - 1 */
	uint32_t sets;               /* a power of two */
	uint32_t ways;               /* entries per set */
	uint32_t victim;             /* round-robin cursor */
	uint8_t repl;                /* enum s2_wc_repl */
	uint64_t clock;              /* LRU time */
	uint64_t shifts;             /* nested TLB: bit n, some entry has shift n */
	uint8_t shift1;              /* nested TLB: the one n of @shifts (63: none,
				      * 64: several) */
	uint64_t key1;               /* nested TLB: @shift1 and valid, as keyed */
	uint64_t low1;               /* nested TLB: bits below @shift1 */
	uint32_t granules;           /* walk caches: bit n, some entry has gbits n */
	uint32_t fills[8];           /* slots filled since the last whole scan */
	uint32_t fills_n;            /* fills logged; more: only a count */
	uint32_t fills_vmid;         /* the log holds all of this VMID's */
	struct s2_wc_stats stats;    /* read them; s2_tlb_stats_reset() */
};

/** 16-byte alignment, as C11 and C++11 spell it. */
#ifdef __cplusplus
#define S2_TLB_ALIGN16 alignas(16)
#else
#define S2_TLB_ALIGN16 _Alignas(16)
#endif

/**
 * struct s2_tlb_ctx - The memory, CPU and registers s2_tlb_translate() last
 * validated, copied, and the tags they gave. Private to the model.
 */
struct s2_tlb_ctx {
	S2_TLB_ALIGN16 struct s2_mmu_mem mem; /* compared 16 bytes at a time */
	struct s2_mmu_cpu cpu;      /* the CPU's features */
	struct s2_mmu_regs regs;    /* the registers, all of them */
	uint32_t key;               /* VMID and entry kind, as entries hold them */
	uint16_t asid;              /* the ASID */
	uint8_t fast;               /* the inline hit applies; 0: not validated */
};

/**
 * struct s2_tlb_lane - What the TLB miss in the usual case (model/lane.c)
 * takes from the context s2_tlb_translate() validated: prepared by the
 * first miss after the validation, dropped with it and whenever the
 * caches change. Private to the model.
 */
struct s2_tlb_lane {
	uint8_t state;              /* 0: not prepared; else model/lane.c's */
	uint8_t s1ok;               /* bit n: stage 1 of VA half n is usual */
	uint8_t s2blk;              /* stage 2 from level 0 or 1, 2MB blocks */
	uint64_t wc1_key[2];        /* stage-1 walk cache level-2 key, by VA half */
	uint64_t wc2_key;           /* stage-2 walk cache level-2 key */
	uint64_t wc2_key1;          /* and level-1 key */
	struct s2_tlb_lane_walk walk; /* the fast 2D walk's values (no caches) */
	struct s2_mmu_leaf_memo memo; /* the last leaves' grants, attributes */
};

/** struct s2_tlb - One CPU's TLB. Fields are private to the model. */
struct s2_tlb {
	struct s2_tlb_entry *entries; /* sets * ways, the caller's storage */
	uint32_t sets;              /* a power of two */
	uint32_t ways;              /* entries per set */
	uint32_t victim;            /* round-robin replacement cursor */
	uint32_t free;              /* entries not valid: 0, every set is full */
	uint64_t set_bytes;         /* ways * sizeof(struct s2_tlb_entry) */
	uint64_t shifts;            /* bit n: some entry has shift n */
	/*
	 * The slots filled since the last VMALLE1, VMALLS12E1 or ALLE1
	 * (tlb.c): while @fills_n <= S2_TLB_FILL_LOG, every stage-1 entry of
	 * VMID @fills_vmid (any VMID: S2_TLB_FILL_ANY) is in one of them.
	 */
	uint32_t fills[8];          /* S2_TLB_FILL_LOG slot indices */
	uint32_t fills_n;           /* fills logged; more: only a count */
	uint32_t fills_vmid;        /* a VMID, or S2_TLB_FILL_ANY */
	bool check_stale;           /* s2_tlb_set_check_stale() */
	bool no_s2_fetch;           /* s2_tlb_set_s2_fetch() off */
	uint8_t contig;             /* enum s2_tlb_contig */
	struct s2_tlb_stats stats;  /* read them; s2_tlb_stats_reset() */
	struct s2_mmu_regime regime;  /* decoded controls for walks on a miss */
	struct s2_wc *wc[S2_WC_NR]; /* walk caches, NULL when off */
	struct s2_tlb_ctx ctx;      /* s2_tlb_translate()'s last arguments */
	struct s2_tlb_lane lane;    /* the miss of @ctx's usual case */
};

/**
 * s2_tlb_init() - Set up an empty TLB over caller-supplied storage.
 * @tlb: the TLB.
 * @entries: @sets * @ways entries, owned by the caller for @tlb's lifetime.
 * @sets: number of sets, a power of two (1 = fully associative).
 * @ways: associativity, at least 1.
 *
 * Return: 0, -S2_EINVAL for NULL pointers, @sets not a power of two or 0
 * ways.
 */
int s2_tlb_init(struct s2_tlb *tlb, struct s2_tlb_entry *entries,
		uint32_t sets, uint32_t ways);

/**
 * s2_tlb_walk_cache() - Give @tlb a walk cache of kind @type, or take it away.
 * @tlb: the TLB, set up by s2_tlb_init().
 * @type: enum s2_wc_type.
 * @wc: the cache's state, owned by the caller for @tlb's lifetime; NULL
 *      turns the cache of kind @type off.
 * @entries: @sets * @ways entries, the caller's storage (ignored with @wc
 *           NULL).
 * @sets: a power of two; @ways: at least 1; @repl: enum s2_wc_repl.
 *
 * The cache starts empty with zeroed counters. Walks then look it up and
 * fill it on TLB misses (s2_tlb_translate()); s2_tlb_tlbi() removes what
 * each TLBI reaches. With s2_tlb_set_check_stale() on, a walk that used
 * any cached entry is checked against a walk of the tables alone, as a
 * TLB hit is.
 *
 * Return: 0, -S2_EINVAL for a NULL @tlb, an unknown @type or @repl, a NULL
 * @entries, @sets not a power of two or 0 ways (@tlb unchanged).
 */
int s2_tlb_walk_cache(struct s2_tlb *tlb, enum s2_wc_type type, struct s2_wc *wc,
		      struct s2_wc_entry *entries, uint32_t sets, uint32_t ways,
		      enum s2_wc_repl repl);

/**
 * s2_tlb_set_s2_fetch() - Whether stage-1 table fetches use the TLB's
 * stage-2-only entries (on after s2_tlb_init()).
 *
 * Without a nested TLB (S2_WC_NESTED), a walk translates its stage-1
 * table fetches through the TLB's stage-2-only entries and fills them.
 * Off, each fetch walks stage 2 (through the stage-2 walk cache, if any):
 * the configuration with no cache of fetch translations at all.
 */
void s2_tlb_set_s2_fetch(struct s2_tlb *tlb, bool on);

/**
 * s2_tlb_set_check_stale() - Verify every TLB hit against a fresh walk.
 *
 * A hit that a fresh walk would translate differently (other PA, fewer
 * permissions, or a fault) still returns the cached translation, as
 * hardware does, but sets @res->stale and counts stats.stale_hits: the
 * simulator's evidence of a missing TLBI. Costs one walk per hit, which
 * writes nothing (no Access flag, no dirty state): an entry that lets a
 * write through a descriptor since made clean again (DBM=1, AP[2]=1 or
 * S2AP[1]=0) is stale.
 */
void s2_tlb_set_check_stale(struct s2_tlb *tlb, bool on);

/**
 * enum s2_tlb_contig - What a TLB does with the Contiguous hint (descriptor
 * bit 52; Arm ARM D8.6.1 "The Contiguous bit").
 */
enum s2_tlb_contig {
	/*
	 * A leaf whose hint is in effect (struct s2_mmu_result's contig)
	 * fills one entry for its whole range: 16 x 4KB or 16 x 2MB (and
	 * 16 x 1GB) with 4KB granules, 128 x 16KB or 32 x 32MB with 16KB,
	 * 32 x 64KB or 32 x 512MB with 64KB; a combined entry takes the
	 * smaller of both stages' sizes. The range is checked first: a
	 * misprogrammed one (an entry without the hint, another output
	 * address, attribute or permission, an output address not aligned
	 * to the range) is counted (stats.contig_bad) and the walked entry
	 * still answers for the whole range, its output address aligned
	 * down: one of the CONSTRAINED UNPREDICTABLE outcomes the
	 * architecture allows. The default.
	 */
	S2_TLB_CONTIG_RANGE = 0,
	/* The hint ignored: entries of one leaf (an implementation may). */
	S2_TLB_CONTIG_OFF,
	/*
	 * As RANGE, but a misprogrammed range is a TLB conflict abort
	 * (S2_MMU_FAULT_TLB_CONFLICT, FSC 0b110000), the other allowed
	 * outcome, and fills nothing.
	 */
	S2_TLB_CONTIG_ABORT,
	S2_TLB_CONTIG_NR,
};

/**
 * s2_tlb_set_contig() - Choose what @tlb does with the Contiguous hint.
 * @tlb: the TLB.
 * @mode: enum s2_tlb_contig (S2_TLB_CONTIG_RANGE after s2_tlb_init()).
 *
 * Entries already filled stay.
 *
 * Return: 0, -S2_EINVAL for a NULL @tlb or an unknown @mode (@tlb
 * unchanged).
 */
int s2_tlb_set_contig(struct s2_tlb *tlb, enum s2_tlb_contig mode);

/**
 * s2_tlb_translate() - Translate an access through the TLB.
 * @tlb: this CPU's TLB.
 * @mem, @cpu, @regs, @acc, @res: as s2_mmu_translate().
 *
 * Looks up an entry of the kind the current regime uses (combined when
 * stage 1 and 2 are on, stage-1-only when HCR_EL2.VM=0, stage-2-only when
 * the guest MMU is off; none when both are off); a hit checks permissions
 * with the cached permissions (a permission fault reports the cached
 * entry's level). A miss walks, with stage-1 table fetches translated
 * through (and filling) stage-2-only entries, and fills the TLB on success.
 * Faults are never cached. An entry of a writable-clean leaf (FEAT_HAFDBS:
 * DBM=1 under TCR_EL1.HD / VTCR_EL2.HD, not yet dirty) holds it read-only;
 * a write that hits it walks again, which makes the descriptor dirty
 * (stats.dirty_walks).
 *
 * Return: as s2_mmu_translate().
 */
int s2_tlb_translate(struct s2_tlb *tlb, const struct s2_mmu_mem *mem,
		     const struct s2_mmu_cpu *cpu,
		     const struct s2_mmu_regs *regs,
		     const struct s2_mmu_access *acc,
		     struct s2_mmu_result *res);

/** enum s2_tlbi_op - TLB maintenance instructions (EL2 and EL1 forms). */
enum s2_tlbi_op {
	S2_TLBI_ALLE1,      /* every EL1&0 entry, every VMID */
	S2_TLBI_VMALLS12E1, /* every entry of @vmid: S1+2, S1 and S2 only */
	S2_TLBI_VMALLE1,    /* stage-1 entries of @vmid (S1+2 and S1 only) */
	S2_TLBI_IPAS2E1,    /* stage-2-only entries of @vmid covering @addr */
	S2_TLBI_IPAS2LE1,   /* same, last level: the stage-2 walk cache stays */
	S2_TLBI_VAE1,       /* stage-1 entries of @vmid for VA @addr, @asid or global */
	S2_TLBI_VALE1,      /* same, last level: the stage-1 walk cache stays */
	S2_TLBI_VAAE1,      /* stage-1 entries of @vmid for VA @addr, any ASID */
	S2_TLBI_VAALE1,     /* same, last level */
	S2_TLBI_ASIDE1,     /* non-global stage-1 entries of @vmid with @asid */
	S2_TLBI_NR,
};

/**
 * struct s2_tlbi - One TLBI instruction.
 * @op: enum s2_tlbi_op.
 * @vmid: the VMID in VTTBR_EL2 when the instruction executes.
 * @addr: VA (VA ops) or IPA (IPAS2 ops); the model takes the address, not
 *        the Xt encoding (VA[55:12] / IPA[51:12]).
 * @asid: ASID for VAE1/VALE1/ASIDE1.
 */
struct s2_tlbi {
	uint8_t op;
	uint16_t vmid;
	uint64_t addr;
	uint16_t asid;
};

/**
 * s2_tlb_tlbi() - Execute a TLBI on one CPU (the non-IS forms).
 * Return: 0, -S2_EINVAL for an unknown op.
 */
int s2_tlb_tlbi(struct s2_tlb *tlb, const struct s2_tlbi *op);

/** struct s2_tlb_system - The CPUs an Inner Shareable TLBI reaches. */
struct s2_tlb_system {
	struct s2_tlb *const *cpus; /* each CPU's TLB */
	uint32_t nr_cpus;           /* how many */
};

/**
 * s2_tlb_tlbi_is() - Execute a TLBI ...IS: broadcast to every CPU in @sys.
 * Return: 0, -S2_EINVAL for an unknown op or NULL @sys.
 */
int s2_tlb_tlbi_is(const struct s2_tlb_system *sys, const struct s2_tlbi *op);

/** s2_tlb_count() - Valid entries (all kinds, all VMIDs), for tests. */
uint32_t s2_tlb_count(const struct s2_tlb *tlb);

/** s2_tlb_stats_reset() - Zero the counters, the walk caches' too (entries stay). */
void s2_tlb_stats_reset(struct s2_tlb *tlb);

#ifdef __cplusplus
}
#endif

#endif /* S2MM_TLB_H */

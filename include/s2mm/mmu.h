/* SPDX-License-Identifier: MIT */
/**
 * @file
 * The architectural MMU model ("hardware"): the EL1&0 translation regime of
 * an Armv8-A CPU with EL2 enabled. Stage 1 (AArch64 VMSAv8-64, AArch32
 * LPAE or the AArch32 Short-descriptor format) walked *through* stage 2,
 * stage 2 alone (guest MMU off), stage 1 alone (HCR_EL2.VM=0); fault
 * records as the CPU reports them and encoders into ESR_ELx, HPFAR_EL2,
 * FAR and PAR_EL1 (AT instructions).
 *
 * The model shares nothing with libs2mm but the project's private table of
 * bit definitions (internal/s2mm/arch.h) and the error codes of
 * <s2mm/error.h>: it is written from the Arm ARM (DDI 0487), pseudocode
 * names cited in the model sources. It is freestanding (no libc, no
 * allocation) and reads translation tables only through a struct
 * s2_mmu_mem window, so that the same walker runs on the host against
 * simulated memory and inside s2hyp against real memory.
 *
 * Walks write memory only for FEAT_HAFDBS's hardware updates, when the CPU
 * has the feature and TCR_EL1/VTCR_EL2 enable them (HA: the Access flag;
 * HD with HA: the dirty state of DBM=1 descriptors), by compare-and-swap on
 * the descriptor. Without them (Cortex-A57) AF=0 is an Access flag fault
 * and DBM is ignored.
 */
#ifndef S2MM_MMU_H
#define S2MM_MMU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * struct s2_mmu_mem - The physical memory the walker reads descriptors from.
 * @host: where physical address @base is visible to the walker (on the host:
 *        s2_physmem_va(pm, base, size); bare metal: (const void *)base).
 *        Must be 8-byte aligned.
 * @base: first physical address of the window.
 * @size: bytes in the window.
 *
 * A descriptor read outside [@base, @base + @size) is a synchronous external
 * abort on the translation table walk (FSC 0x14 + level): the model never
 * reads outside the window.
 */
struct s2_mmu_mem {
	const void *host;
	uint64_t base;
	uint64_t size;
};

/**
 * struct s2_mmu_cpu - What the modelled CPU implements.
 * @pa_bits: PAMax, from ID_AA64MMFR0_EL1.PARange (32..52).
 * @vmid_bits: 8 or 16 (16 also needs VTCR_EL2.VS).
 * @asid_bits: 8 or 16 (16 also needs TCR_EL1.AS).
 * @gran_4k/@gran_16k/@gran_64k: granules implemented. A TGx value naming an
 *        unimplemented or reserved granule selects an implemented one (the
 *        Arm ARM makes that IMPLEMENTATION DEFINED; we pick 4K, then 64K).
 * @lpa2: FEAT_LPA2 (VTCR_EL2.DS/TCR_EL1.DS, 52-bit with 4K/16K, level -1).
 * @xnx: FEAT_XNX (stage-2 XN[1:0] distinguishes EL0 and EL1 execution).
 * @ttst: FEAT_TTST (small translation tables: TxSZ up to 48 (4K, 16K) or
 *        47 (64K) at both stages, VTCR_EL2.SL0 = 0b11 with 4K: level 3).
 * @s2fwb: FEAT_S2FWB (HCR_EL2.FWB: stage-2 MemAttr forces Write-Back).
 * @hafdbs: FEAT_HAFDBS, the Access flag part (TCR_EL1.HA, VTCR_EL2.HA:
 *        hardware sets AF instead of an Access flag fault).
 * @hafdbs_dirty: FEAT_HAFDBS with the dirty state too (HAFDBS = 0b0010:
 *        TCR_EL1.HD, VTCR_EL2.HD; a write through a DBM=1 descriptor makes
 *        it writable instead of a permission fault). Needs @hafdbs.
 *
 * The granules are bit-fields so that the whole description stays one
 * 64-bit word, which every translation compares (regime.h).
 */
struct s2_mmu_cpu {
	uint8_t pa_bits;
	uint8_t vmid_bits;
	uint8_t asid_bits;
	bool gran_4k : 1;
	bool gran_16k : 1;
	bool gran_64k : 1;
	bool hafdbs : 1;
	bool hafdbs_dirty : 1;
	bool lpa2;
	bool xnx;
	bool ttst;
	bool s2fwb;
};

/** Cortex-A57: 44-bit PA, 8-bit VMID, 16-bit ASID, 4K and 64K. */
extern const struct s2_mmu_cpu s2_mmu_cpu_cortex_a57;
/**
 * QEMU "max" (as far as the model goes): 52-bit PA, 16-bit VMID, all
 * granules, LPA2, XNX, TTST, S2FWB, HAFDBS (Access flag and dirty state).
 */
extern const struct s2_mmu_cpu s2_mmu_cpu_max;

/**
 * s2_mmu_cpu_from_id() - The CPU that ID_AA64MMFR0_EL1 @mmfr0,
 * ID_AA64MMFR1_EL1 @mmfr1 and ID_AA64MMFR2_EL1 @mmfr2 describe (PARange,
 * ASIDBits, TGran4/16/64, FEAT_LPA2, VMIDBits, XNX, ST, FWB), into @cpu.
 * What the model does not implement is ignored. Return: 0, or -S2_EINVAL
 * for a reserved encoding.
 */
int s2_mmu_cpu_from_id(uint64_t mmfr0, uint64_t mmfr1, uint64_t mmfr2,
		       struct s2_mmu_cpu *cpu);

/**
 * struct s2_mmu_regs - The system registers that steer an EL1&0 translation.
 * @hcr_el2: HCR_EL2; VM enables stage 2, PTW makes stage-1 walks to Device
 *           memory fault, RW=0 means EL1 is AArch32, FWB (with @s2fwb)
 *           changes what stage-2 MemAttr means.
 * @vtcr_el2: VTCR_EL2 (T0SZ, SL0, TG0, PS, VS, DS, SL2).
 * @vttbr_el2: VTTBR_EL2 (BADDR, VMID).
 * @sctlr_el1: SCTLR_EL1 / SCTLR (M, WXN; short descriptors: AFE, TRE,
 *           UWXN).
 * @tcr_el1: TCR_EL1; for an AArch32 EL1 the low 32 bits are TTBCR: EAE=1
 *           the Long-descriptor (LPAE) format, EAE=0 the Short-descriptor
 *           format (N, PD0, PD1).
 * @ttbr0_el1: TTBR0_EL1 / 64-bit TTBR0 (EAE=0: the 32-bit TTBR0 in [31:0]).
 * @ttbr1_el1: TTBR1_EL1 / 64-bit TTBR1 (EAE=0: the 32-bit TTBR1 in [31:0]).
 * @mair_el1: MAIR_EL1; AArch32: MAIR0 in [31:0], MAIR1 in [63:32]; with
 *           EAE=0 the same bits are PRRR and NMRR (TEX remap, SCTLR.TRE=1).
 * @dacr32_el2: DACR32_EL2, the AArch32 DACR: the access type of each of the
 *           16 domains of a short-descriptor stage 1 (EAE=0 only). Zero is
 *           "no access" everywhere: every access of a short-descriptor
 *           stage 1 then takes a Domain fault.
 * @contextidr_el1: CONTEXTIDR_EL1 / CONTEXTIDR; with EAE=0 its bits [7:0]
 *           are the ASID of non-global entries.
 *
 * @dacr32_el2 and @contextidr_el1 came last: a caller that zeroes the
 * structure and sets the fields it knows keeps working.
 */
struct s2_mmu_regs {
	uint64_t hcr_el2;
	uint64_t vtcr_el2;
	uint64_t vttbr_el2;
	uint64_t sctlr_el1;
	uint64_t tcr_el1;
	uint64_t ttbr0_el1;
	uint64_t ttbr1_el1;
	uint64_t mair_el1;
	uint64_t dacr32_el2;
	uint64_t contextidr_el1;
};

/**
 * struct s2_mmu_tt - One stage's translation controls as the walker uses
 * them, decoded from the registers. Private to the model: exposed only so
 * that struct s2_mmu_regime can be sized.
 */
struct s2_mmu_tt {
	uint64_t base;         /* start table: TTBR/VTTBR BADDR, table-aligned */
	uint64_t oa_mask;      /* descriptor bits holding OA[hi:gbits] in place */
	uint64_t oa_limit;     /* largest OA the output size allows */
	uint64_t fast_mask;    /* (d & fast_mask) == 3: a table, OA in range */
	uint64_t start_mask;   /* index mask of the start level */
	uint64_t range_mask;   /* input bits that must equal ... */
	uint64_t range_want;   /* ... these (stage 1: VA[55] replicated; 0) */
	uint8_t gbits;         /* log2 granule size: 12, 14 or 16 */
	uint8_t stride;        /* index bits per level: gbits - 3 */
	int8_t start;          /* start level, -1..3 */
	uint8_t start_shift;   /* lowest IA bit the start level indexes */
	uint8_t start_bits;    /* index bits of the start level (concatenation) */
	uint8_t ia_bits;       /* input address size */
	uint8_t oa_bits;       /* output address size */
	uint8_t block_levels;  /* bit (level + 1): block descriptors allowed */
	bool ds;               /* FEAT_LPA2 descriptors (TCR/VTCR.DS) */
	bool lpa64k;           /* FEAT_LPA 64KB: OA[51:48] in bits [15:12] */
	bool oa52;             /* ds || lpa64k: OA bits outside OA[hi:gbits] */
	bool aarch32;          /* stage 1 in the AArch32 LPAE format */
	uint8_t stage;         /* 1 or 2 */
	uint8_t fault;         /* fault type every lookup takes, 0 when valid */
	uint8_t sh;            /* stage 2: VTCR_EL2.SH0, used when DS=1 */
	uint8_t memattr_fwb;   /* stage 2: S2_MMU_MEMATTR_FWB under HCR_EL2.FWB */
	uint16_t asid;         /* stage 1: the ASID of non-global leaves */
	bool fast4k;           /* valid, 4KB granule, OAs of at most 48 bits, no HA */
	bool ha;               /* FEAT_HAFDBS and TCR_EL1.HA / VTCR_EL2.HA */
	bool hd;               /* @ha and, with the dirty state, TCR_EL1.HD / VTCR_EL2.HD */
};

/**
 * struct s2_tlb_lane_walk - The fast 2D walk's values (model/walk_fast.c),
 * taken once from a validated context rather than on every walk. Private
 * to the model.
 */
struct s2_tlb_lane_walk {
	uint64_t last, base;        /* the memory window: size - 8, base PA */
	uint64_t tmask, tval;       /* a stage-2 table in the tables' block */
	uint64_t oa2;               /* stage-2 OA bits */
	uint64_t leafm;             /* a stage-2 leaf's valid, type, OA range bits */
	uint64_t i0mask;            /* stage-2 start-level index, as a byte offset */
	uint64_t range;             /* IPA bits that must be zero */
	uint64_t root_off;          /* stage-2 start table, as a window offset */
	uintptr_t hroot;            /* host address of the start table */
	uintptr_t htab;             /* host address of PA 0, less 0b11 */
	uintptr_t hlo;              /* host address of PA 0 */
	int8_t s2start;             /* stage-2 start level */
};

/**
 * struct s2_mmu_leaf_memo - What a translation's leaves gave besides
 * addresses, levels and sizes (model/leaf_memo.h), kept by the leaf bits
 * it depends on: a guest's pages mostly share them. Private to the model.
 */
struct s2_mmu_leaf_memo {
	uint64_t key1, key2;        /* stage-1 leaf with table bits, stage-2 leaf */
	uint64_t attr;              /* attr, sh, s1_perm, s2_perm in place */
	uint64_t ids;               /* global, asid, vmid in place */
	uint16_t s2;                /* s2_memattr, s2_sh */
	uint8_t perm;               /* s1_perm & s2_perm */
	uint16_t s1perm_hi;         /* stage-1 permission index bits 8 and up */
	uint8_t s2perm[16];         /* stage-2 grants by XN[1:0], S2AP[1:0] */
};

/**
 * struct s2_mmu_lean - The plain walk's usual case (model/walk_lean.c):
 * the context it was prepared for and what it took from it. Private to
 * the model.
 */
struct s2_mmu_lean {
	uint64_t ctx[12];           /* memory window, CPU, first eight registers */
	uint8_t s1ok;               /* bit n: stage 1 of VA half n is usual */
	struct s2_tlb_lane_walk walk; /* the fast 2D walk's values */
	struct s2_mmu_leaf_memo memo; /* the last leaves' grants, attributes */
};

/**
 * struct s2_mmu_regime - Decoded-regime cache: the stage-2 controls and
 * the stage-1 controls of each VA half (TTBR0, TTBR1), decoded once and
 * reused while the registers they are decoded from keep their values.
 *
 * Keyed by the raw values of VTCR_EL2, VTTBR_EL2, TCR_EL1, TTBR0_EL1,
 * TTBR1_EL1, HCR_EL2.RW and HCR_EL2.FWB, and the CPU features: every
 * translation compares them and decodes afresh on any difference, so
 * callers never invalidate it (and TLBIs do not touch it: it caches no
 * translation). Zeroed or set up by s2_mmu_regime_init(), it is empty.
 * Fields are private.
 */
struct s2_mmu_regime {
	/** The key: what the decoded controls were decoded from. @{ */
	uint64_t vtcr_el2;
	uint64_t vttbr_el2;
	uint64_t tcr_el1;
	uint64_t ttbr0_el1;
	uint64_t ttbr1_el1;
	uint64_t hcr_el2;
	struct s2_mmu_cpu cpu;
	/** @} */
	uint8_t valid;         /* bit 0: s2, bits 1, 2: s1[0], s1[1] decoded */
	uint16_t vmid;         /* VTTBR_EL2.VMID as the CPU reads it */
	struct s2_mmu_tt s2;   /* stage 2's controls */
	struct s2_mmu_tt s1[2]; /* stage 1's, for TTBR0 and TTBR1 */
	/** The fast walk's block of stage-2 tables in the window @blk_base/size. */
	uint64_t blk_base, blk_size, blk_tmask, blk_tval;
	struct s2_mmu_lean lean;  /* the usual case of s2_mmu_translate_cached() */
};

/** enum s2_mmu_acc - Kind of access, as the fault syndrome reports it. */
enum s2_mmu_acc {
	S2_MMU_READ = 0,
	S2_MMU_WRITE = 1,
	S2_MMU_EXEC = 2,
};

/**
 * struct s2_mmu_access - One memory access made by the guest.
 * @va: virtual address (AArch32: a 32-bit VA, upper bits must be zero).
 * @acc: enum s2_mmu_acc.
 * @el: exception level of the access, 0 or 1 (selects AP/XN rules).
 */
struct s2_mmu_access {
	uint64_t va;
	uint8_t acc;
	uint8_t el;
};

/** enum s2_mmu_fault_type - Fault kinds the walker reports (Arm ARM D8.14). */
enum s2_mmu_fault_type {
	S2_MMU_FAULT_NONE = 0,
	S2_MMU_FAULT_TRANSLATION,
	S2_MMU_FAULT_ACCESS_FLAG,
	S2_MMU_FAULT_PERMISSION,
	S2_MMU_FAULT_ADDR_SIZE,
	/* Synchronous external abort on a translation table walk. */
	S2_MMU_FAULT_EXT_ABORT,
	/*
	 * TLB conflict abort (FSC 0b110000): a TLB that holds overlapping
	 * entries, here only from a misprogrammed Contiguous range with
	 * S2_TLB_CONTIG_ABORT (s2_tlb_set_contig()).
	 */
	S2_MMU_FAULT_TLB_CONFLICT,
	/* Short-descriptor stage 1: the domain's DACR field is no access. */
	S2_MMU_FAULT_DOMAIN,
	S2_MMU_FAULT_NR,
};

/**
 * struct s2_mmu_fault - A fault as the CPU records it.
 * @type: enum s2_mmu_fault_type; S2_MMU_FAULT_NONE when the access succeeds.
 * @level: lookup level of the fault, -1..3 (a short-descriptor stage 1: 1
 *         for the level-1 table, section or supersection, 2 for a page).
 * @stage: 1 or 2.
 * @s1ptw: a stage-2 fault taken on a stage-1 translation table walk; @ipa
 *         is then the IPA of the stage-1 descriptor.
 * @acc: enum s2_mmu_acc of the access that faulted.
 * @el: exception level of that access.
 * @ipa_valid: @ipa holds the faulting IPA (stage-2 faults only).
 * @tte_update: with @s1ptw, the fault is on the hardware update of the
 *         stage-1 descriptor (FEAT_HAFDBS), a write: ESR WnR=1 for a data
 *         abort.
 * @va: the faulting VA (FAR).
 * @ipa: the faulting IPA (HPFAR, plus the page offset).
 */
struct s2_mmu_fault {
	uint8_t type;
	int8_t level;
	uint8_t stage;
	bool s1ptw;
	uint8_t acc;
	uint8_t el;
	bool ipa_valid;
	bool tte_update;
	uint64_t va;
	uint64_t ipa;
};

/* Permission bits of a translation (struct s2_mmu_result s1_perm/s2_perm). */
#define S2_MMU_PERM_R0 0x01u  /* read at EL0 */
#define S2_MMU_PERM_W0 0x02u  /* write at EL0 */
#define S2_MMU_PERM_X0 0x04u  /* execute at EL0 */
#define S2_MMU_PERM_R1 0x08u  /* read at EL1 */
#define S2_MMU_PERM_W1 0x10u  /* write at EL1 */
#define S2_MMU_PERM_X1 0x20u  /* execute at EL1 */
#define S2_MMU_PERM_ALL 0x3fu  /* all of the above */

/**
 * Bit 4 of struct s2_mmu_result's s2_memattr: MemAttr[3:0] is read under
 * HCR_EL2.FWB (AArch64.S2ApplyFWBMemAttrs). A TLB entry keeps it with the
 * attribute (HCR_EL2.FWB is permitted to be cached in a TLB).
 */
#define S2_MMU_MEMATTR_FWB 0x10u

/**
 * struct s2_mmu_result - Outcome of one translation.
 * @fault: fault.type is S2_MMU_FAULT_NONE on success.
 * @pa: output address (on success, and on a permission fault of the
 *       last stage, whose translation is complete).
 * @ipa: intermediate physical address (stage 1 output, or the VA when stage
 *       1 is off); valid on success and for faults at or after stage 1.
 * @attr: memory attributes in MAIR format (PAR_EL1.ATTR): stage 1 and
 *        stage 2 combined.
 * @sh: shareability as PAR_EL1.SH reports it.
 * @s1_level/@s2_level: level of the leaf descriptor of each stage (-2 when
 *        the stage is off).
 * @s1_shift/@s2_shift: log2 of each stage's block/page size (64 when off).
 * @s1_perm/@s2_perm: S2_MMU_PERM_* each stage grants (ALL when off). A
 *        short-descriptor stage 1's are what AP, XN and PXN grant, which
 *        only a Client domain checks (a Manager domain checks nothing).
 * @s2_memattr/@s2_sh: the stage-2 leaf's MemAttr[3:0] and shareability;
 *        @s2_memattr has S2_MMU_MEMATTR_FWB set when HCR_EL2.FWB gave
 *        MemAttr its meaning (FEAT_S2FWB).
 * @global: the stage-1 leaf has nG=0 (or stage 1 is off).
 * @domain: a short-descriptor stage 1: the domain of the leaf (0 for a
 *        supersection), or of the faulting level-1 entry; 0 otherwise.
 * @asid: ASID the translation is tagged with (when !@global).
 * @vmid: VMID from VTTBR_EL2.
 * @desc_reads: translation table descriptors read (0 on a TLB hit).
 * @tlb_hit: served from a TLB (s2_tlb_translate() only).
 * @stale: a TLB hit that a fresh walk would not give (only when stale
 *         checking is on, see s2_tlb_set_check_stale()).
 * @af_set: S2_MMU_AF_* of the leaves whose AF this walk set in memory.
 * @dirty: S2_MMU_DIRTY_* of the leaves this walk made dirty in memory, and
 *        S2_MMU_CLEAN_* of the stages whose leaf is writable-clean (0 on a
 *        TLB hit).
 * @contig: S2_MMU_CONTIG_*: the leaves whose Contiguous hint is in effect,
 *        and whether a TLB fill found their range misprogrammed.
 */
struct s2_mmu_result {
	struct s2_mmu_fault fault;
	uint64_t pa;
	uint64_t ipa;
	uint8_t attr;
	uint8_t sh;
	int8_t s1_level;
	int8_t s2_level;
	uint8_t s1_shift;
	uint8_t s2_shift;
	uint8_t s1_perm;
	uint8_t s2_perm;
	uint8_t s2_memattr;
	uint8_t s2_sh;
	bool global;
	uint8_t domain;
	uint16_t asid;
	uint16_t vmid;
	uint16_t desc_reads;
	bool tlb_hit;
	bool stale;
	uint8_t af_set;
	uint8_t dirty;
	uint8_t contig;
};

/*
 * struct s2_mmu_result's contig. S1/S2: the stage's leaf has the
 * Contiguous bit set where it means something (AArch64.ContiguousBit) and
 * its range, s2_mmu_contig_shift(), fits the input address size; a TLB
 * may then hold one entry for the whole range. BAD: s2_tlb_translate()
 * found the range misprogrammed (s2_tlb_set_contig()).
 */
#define S2_MMU_CONTIG_S1   0x1u  /* the stage-1 leaf's hint */
#define S2_MMU_CONTIG_S2   0x2u  /* the final stage-2 leaf's hint */
#define S2_MMU_CONTIG_BAD  0x4u  /* a TLB fill found a run misprogrammed */

/**
 * s2_mmu_contig_shift() - log2 of a Contiguous range's size.
 * @level: the leaf's lookup level.
 * @shift: log2 of the leaf's block or page size (struct s2_mmu_result's
 *         s1_shift or s2_shift), which with @level names the granule.
 *
 * AArch64.ContiguousSize: 16 entries with the 4KB granule, 128 pages or
 * 32 level-2 blocks with 16KB, 32 entries with 64KB. 4KB: 64KB at level
 * 3, 32MB at level 2, 16GB at level 1; 16KB: 2MB, 1GB; 64KB: 2MB, 16GB.
 *
 * Return: @shift plus log2 of the entry count, or 0 where the bit is RES0
 * (AArch64.ContiguousBit: 4KB level 0, 16KB and 64KB level 1) or @level
 * and @shift name no leaf.
 */
unsigned s2_mmu_contig_shift(int level, unsigned shift);

/*
 * struct s2_mmu_result's af_set: the leaves whose Access flag the walk set
 * in memory (FEAT_HAFDBS, TCR_EL1.HA / VTCR_EL2.HA).
 */
#define S2_MMU_AF_S1     0x1u  /* the stage-1 leaf */
#define S2_MMU_AF_S2     0x2u  /* the final stage-2 leaf */
#define S2_MMU_AF_S2PTW  0x4u  /* a stage-2 leaf of a stage-1 table page */

/*
 * struct s2_mmu_result's dirty (FEAT_HAFDBS, TCR_EL1.HD / VTCR_EL2.HD).
 * DIRTY: the leaves this walk made dirty in memory (stage 1: AP[2]
 * cleared; stage 2: S2AP[1] set). CLEAN: the stage's leaf is writable-clean
 * (DBM=1, not yet dirty in memory): its s1_perm/s2_perm grant the write
 * that DBM allows, which only a walk that makes it dirty may use (a TLB
 * entry does not hold it).
 */
#define S2_MMU_DIRTY_S1    0x01u  /* the stage-1 leaf */
#define S2_MMU_DIRTY_S2    0x02u  /* the final stage-2 leaf */
#define S2_MMU_DIRTY_S2PTW 0x04u  /* a stage-2 leaf of a stage-1 table page */
#define S2_MMU_CLEAN_S1    0x10u  /* the stage-1 leaf is writable-clean */
#define S2_MMU_CLEAN_S2    0x20u  /* the final stage-2 leaf is writable-clean */

/**
 * s2_mmu_translate() - Walk the tables afresh for one access (no TLB).
 * @mem: physical memory holding every table.
 * @cpu: the CPU's features.
 * @regs: the translation registers.
 * @acc: the access.
 * @res: receives the translation or the fault.
 *
 * The order of checks follows AArch64.FullTranslate: stage-1 walk (each
 * descriptor fetch through stage 2, stage-2 faults there are S1PTW faults),
 * stage-1 Access flag, stage-1 permissions, then the stage-2 walk of the
 * output IPA, its Access flag and permissions.
 *
 * An AArch32 EL1 with TTBCR.EAE=0 walks short descriptors
 * (AArch32.TranslationTableWalkSD): the Access flag fault comes from the
 * walk, then the domain check (Domain fault), then permissions, as
 * AArch32.FirstStageTranslate orders them.
 *
 * Return: 0 when @res holds a result (a fault is a result, not an error);
 * -S2_EINVAL for NULL pointers, @acc->el > 1 or a bad @mem.
 */
int s2_mmu_translate(const struct s2_mmu_mem *mem,
		     const struct s2_mmu_cpu *cpu,
		     const struct s2_mmu_regs *regs,
		     const struct s2_mmu_access *acc,
		     struct s2_mmu_result *res);

/**
 * s2_mmu_regime_init() - Empty a decoded-regime cache.
 * @rc: the cache; all-zero storage is empty too.
 */
void s2_mmu_regime_init(struct s2_mmu_regime *rc);

/**
 * s2_mmu_translate_cached() - s2_mmu_translate() reusing decoded controls.
 * @rc: a decoded-regime cache, one per caller (not thread-safe); it
 *      checks itself against @cpu and @regs on every call.
 * @mem, @cpu, @regs, @acc, @res: as s2_mmu_translate().
 *
 * Same result as s2_mmu_translate(), without decoding VTCR_EL2/TCR_EL1
 * and the translation table base registers again while they are unchanged.
 *
 * Return: as s2_mmu_translate(); -S2_EINVAL for a NULL @rc.
 */
int s2_mmu_translate_cached(struct s2_mmu_regime *rc,
			    const struct s2_mmu_mem *mem,
			    const struct s2_mmu_cpu *cpu,
			    const struct s2_mmu_regs *regs,
			    const struct s2_mmu_access *acc,
			    struct s2_mmu_result *res);

/**
 * s2_mmu_translate_s2() - Stage 2 alone: IPA -> PA, as for a fetch with the
 * guest MMU off (HCR_EL2.VM is not consulted).
 * @acc: @acc->va is the IPA.
 *
 * Return: as s2_mmu_translate().
 */
int s2_mmu_translate_s2(const struct s2_mmu_mem *mem,
			const struct s2_mmu_cpu *cpu,
			const struct s2_mmu_regs *regs,
			const struct s2_mmu_access *acc,
			struct s2_mmu_result *res);

/**
 * s2_mmu_fsc() - Fault status code of @f (ESR DFSC/IFSC, PAR_EL1.FST).
 *
 * Long-descriptor format: type in [5:2], level in [1:0]; level -1 uses
 * 0x29 (address size), 0x2b (translation), 0x13 (external abort on walk).
 * A Domain fault (short-descriptor stage 1) is 0x3d at level 1 (section),
 * 0x3e at level 2 (page).
 * Return: the 6-bit code; 0 for a record with no fault.
 */
uint32_t s2_mmu_fsc(const struct s2_mmu_fault *f);

/**
 * s2_mmu_fsr_sd() - The DFSR or IFSR an AArch32 EL1 using short descriptors
 * (TTBCR.EAE=0) reads for the stage-1 fault of @res: FS[4:0] in bits 10
 * and [3:0] (translation 0x05/0x07, Access flag 0x03/0x06, domain
 * 0x09/0x0b, permission 0x0d/0x0f, external abort on the walk 0x0c/0x0e,
 * level 1 then level 2), LPAE=0, the domain in [7:4] and WnR (bit 11) for
 * a data abort (an instruction fetch's IFSR has neither).
 *
 * Return: the value; 0 when @res holds no fault, or a stage-2 fault (those
 * go to EL2, whose ESR_EL2 has the long-descriptor code, s2_mmu_esr()).
 */
uint32_t s2_mmu_fsr_sd(const struct s2_mmu_result *res);

/**
 * struct s2_mmu_insn - What the faulting instruction tells the syndrome.
 * @isv: the instruction is a single general-purpose register load or store
 *       (no writeback): ISS.ISV may be set (stage-2 data aborts, not S1PTW).
 * @sas: log2 of the access size in bytes (ISS.SAS: 0 byte .. 3 doubleword).
 * @sse: sign-extending load.
 * @srt: transfer register number.
 * @sf: 64-bit register.
 * @ar: acquire/release semantics.
 * @il16: a 16-bit (T32) instruction; ESR.IL=0 when the syndrome is valid.
 */
struct s2_mmu_insn {
	bool isv;
	uint8_t sas;
	bool sse;
	uint8_t srt;
	bool sf;
	bool ar;
	bool il16;
};

/**
 * s2_mmu_fault_target_el() - Exception level the fault is taken to: 2 for a
 * stage-2 fault (including S1PTW), 1 for a stage-1 fault. 0 for no fault.
 */
unsigned s2_mmu_fault_target_el(const struct s2_mmu_fault *f);

/**
 * s2_mmu_esr() - ESR_ELx value the CPU writes for @f at its target EL.
 * @f: the fault.
 * @insn: the instruction's syndrome information, or NULL (ISV=0).
 * @esr: receives the value.
 *
 * EC 0x24/0x20 (abort from a lower EL) for stage-2 faults and for stage-1
 * faults of EL0 accesses; 0x25/0x21 for stage-1 faults of EL1 accesses.
 * IL=1 except a valid syndrome of a 16-bit instruction. ISV and the SAS,
 * SSE, SRT, SF, AR fields only for stage-2 data aborts that are not S1PTW
 * (Arm ARM D19.2.37: ISV=0 for faults on a stage-1 walk). WnR=1 for a
 * write; for S1PTW faults WnR reports the walk's access (always a read in
 * this model). S1PTW, DFSC/IFSC from @f.
 *
 * Return: 0, -S2_EINVAL if @f holds no fault.
 */
int s2_mmu_esr(const struct s2_mmu_fault *f, const struct s2_mmu_insn *insn,
	       uint64_t *esr);

/**
 * s2_mmu_hpfar() - HPFAR_EL2 for a stage-2 fault: FIPA = IPA[51:12].
 * @hpfar: receives the value.
 *
 * Architecturally valid (IPAValid()) for translation, Access flag and
 * address size faults, and for permission faults on a stage-1 walk; for
 * other stage-2 faults the model fills it too (as QEMU does) but the
 * hypervisor must not rely on it (libs2mm's s2_hpfar_valid() says when).
 * Return: 0, -S2_EINVAL if @f is not a stage-2 fault.
 */
int s2_mmu_hpfar(const struct s2_mmu_fault *f, uint64_t *hpfar);

/** s2_mmu_hpfar_valid() - HPFAR_EL2 is architecturally valid for @f. */
bool s2_mmu_hpfar_valid(const struct s2_mmu_fault *f);

/** s2_mmu_far() - FAR_ELx for @f: the faulting VA. */
uint64_t s2_mmu_far(const struct s2_mmu_fault *f);

/**
 * s2_mmu_par() - PAR_EL1 after an AT instruction whose walk gave @res.
 *
 * F=1: FST, PTW (S1PTW), S (stage 2), bit 11 RES1. F=0: PA[51:12], SH,
 * ATTR, NS=0, bit 11 RES1 (LPAE format, as QEMU reports it).
 * Return: the value.
 */
uint64_t s2_mmu_par(const struct s2_mmu_result *res);

/** enum s2_mmu_at_op - Address translation instructions. */
enum s2_mmu_at_op {
	S2_MMU_AT_S1E1R,
	S2_MMU_AT_S1E1W,
	S2_MMU_AT_S1E0R,
	S2_MMU_AT_S1E0W,
	S2_MMU_AT_S12E1R,
	S2_MMU_AT_S12E1W,
	S2_MMU_AT_S12E0R,
	S2_MMU_AT_S12E0W,
};

/**
 * s2_mmu_at() - Execute an AT instruction at EL2: a fresh walk (no TLB).
 * @op: the instruction. S1E* give the stage-1 output (the IPA) in PAR, but
 *      their stage-1 walk still goes through stage 2 (a stage-2 fault there
 *      reports S=1, PTW=1). S12E* with HCR_EL2.VM=0 behave as S1E*.
 *      A write through a writable-clean (DBM=1) descriptor is permitted
 *      but, as AArch64.S1/S2Translate exclude AccessType_AT, the
 *      descriptor is not made dirty; the Access flag is set as for an
 *      access.
 * @va: input address.
 * @par: receives PAR_EL1.
 * @res: receives the full result, or NULL.
 *
 * Return: as s2_mmu_translate(); -S2_EINVAL for an unknown @op.
 */
int s2_mmu_at(const struct s2_mmu_mem *mem, const struct s2_mmu_cpu *cpu,
	      const struct s2_mmu_regs *regs, enum s2_mmu_at_op op,
	      uint64_t va, uint64_t *par, struct s2_mmu_result *res);

/** s2_mmu_vmid() - The VMID the registers select (VTTBR_EL2, VTCR_EL2.VS). */
uint16_t s2_mmu_vmid(const struct s2_mmu_cpu *cpu, const struct s2_mmu_regs *regs);

/** s2_mmu_fault_name() - "translation", "access flag", ... for reports. */
const char *s2_mmu_fault_name(unsigned type);

#ifdef __cplusplus
}
#endif

#endif /* S2MM_MMU_H */

/* SPDX-License-Identifier: MIT */
/*
 * The fidelity test: the MMU model (model/, compiled into s2hyp) against
 * QEMU's translation (AT S12E1R/W, S1E1R... from EL2, then PAR_EL1) on the
 * very same tables in real memory. docs/fidelity.md describes the method,
 * the reproducer format and the table of known QEMU deviations.
 *
 * gen.c         seeded generator: configurations, tables, addresses
 * gen_sd.c      ... its AArch32 short-descriptor stage 1
 * run.c         programs the registers, runs AT, compares, reports
 * fetch.c       executes at the addresses (instruction-fetch permissions)
 * store.c       stores to them under FEAT_HAFDBS (the dirty state)
 * deviations.c  the ONE place where known QEMU deviations are recognised
 */
#ifndef S2HYP_FIDELITY_H
#define S2HYP_FIDELITY_H

#include <stdbool.h>
#include <stdint.h>

#include <s2mm/mmu.h>

/* Translation tables live in one dedicated, naturally aligned region. */
#define FID_REGION_ORDER	13	/* 32 MiB of 4K pages */
#define FID_REGION_SIZE		(1ULL << (FID_REGION_ORDER + 12))
/* Its first part holds stage-1 tables (reached through the T window). */
#define FID_S1POOL_SIZE		(4ULL << 20)

/* Descriptors a configuration writes, at most, before a bulk clear. */
#define FID_LOG_SIZE		4096

/* Addresses tested per configuration, at most. */
#define FID_MAX_ADDRS		96

/* struct fid_rng - xoshiro256** state (reproducible across builds). */
struct fid_rng {
	uint64_t s[4];
};

void fid_rng_seed(struct fid_rng *r, uint64_t seed);
uint64_t fid_rng_next(struct fid_rng *r);
/* Uniform in [0, n) (n > 0). */
uint64_t fid_rng_below(struct fid_rng *r, uint64_t n);
/* True with probability pct/100. */
bool fid_rng_pct(struct fid_rng *r, unsigned pct);

/* One regime's geometry as the generator built it (for dumps). */
struct fid_geo {
	uint64_t root;     /* PA (stage 2) or IPA (stage 1) of the root table */
	uint8_t gbits;
	int8_t start;
	uint8_t ia_bits;
	bool ds;           /* FEAT_LPA2 descriptor format */
	bool lpa64k;       /* 64K granule with 52-bit OA (FEAT_LPA) */
	bool valid;        /* the generator meant this geometry to be valid */
};

/**
 * struct fid_case - One generated configuration: registers, tables (already
 * written into the region) and the addresses to translate.
 * @cfg: configuration number (the reproducer names seed and cfg).
 * @regs: the registers; the model gets exactly these.
 * @a32: EL1 is AArch32 (HCR_EL2.RW=0), stage 1 is LPAE (or, with @sd,
 *       the short-descriptor format).
 * @sd: with @a32, TTBCR.EAE=0: short descriptors (gen_sd.c); @s1 then
 *      says 4K pages from level 1, 32-bit VAs, root the TTBR's table.
 * @s2: stage-2 geometry; @s1[0]/@s1[1]: TTBR0/TTBR1 geometry.
 * @t_ipa: IPA of the region's stage-1 pool ("T window").
 * @t_end: end of the stage-2 range reserved for the T window.
 * @t_level: level of the T window's stage-2 leaves (0: stage 2 unused).
 * @addrs/@naddrs: input addresses to translate.
 */
struct fid_case {
	uint64_t cfg;
	struct s2_mmu_regs regs;
	bool a32;
	bool sd;
	struct fid_geo s2;
	struct fid_geo s1[2];
	uint64_t t_ipa;
	uint64_t t_end;
	int8_t t_level;
	uint64_t addrs[FID_MAX_ADDRS];
	unsigned naddrs;
};

/**
 * struct fid_gen - Generator state for one run.
 * @cpu: the modelled CPU (matches the QEMU -cpu).
 * @mem: the region as the model sees it.
 * @seed: the run's seed.
 * @ttst: the CPU has FEAT_TTST (QEMU max). The model implements it, the
 *        generator does not use it yet: no TxSZ > 39 nor 4K stage-2
 *        SL0=3 is generated on such a CPU.
 * @qemu_version: the oracle, major * 100 + minor (702, 1000; 0 unknown):
 *        only the deviations confirmed on it are accepted.
 */
struct fid_gen {
	const struct s2_mmu_cpu *cpu;
	struct s2_mmu_mem mem;
	uint64_t seed;
	bool ttst;
	unsigned qemu_version;
	/* private */
	struct fid_rng rng;
	/*
	 * HCR_EL2.FWB's draws (FEAT_S2FWB CPUs), from a stream of their
	 * own: every other draw, and so every configuration without FWB,
	 * is what it was before FWB was generated.
	 */
	struct fid_rng fwb_rng;
	bool fwb;                    /* this configuration sets HCR_EL2.FWB */
	/*
	 * FEAT_HAFDBS (CPUs with it; stage 1 for an AArch64 EL1 only), from
	 * a stream of its own like FWB's: TCR_EL1.HA/HD, VTCR_EL2.HA/HD, and
	 * the DBM and AF=0 leaves they act on.
	 */
	struct fid_rng hd_rng;
	bool s1_ha, s1_hd, s2_ha, s2_hd;
	uint64_t s1_next, s2_next;   /* bump pointers (PA) */
	uint64_t *log[FID_LOG_SIZE];   /* slots written (cleared next time) */
	unsigned nlog;
	uint64_t leaf_ipa[64];       /* output IPAs of stage-1 leaves */
	unsigned nleaf_ipa;
};

/* Build configuration number @cfg of @g->seed into @c (and memory). */
void fid_gen_case(struct fid_gen *g, uint64_t cfg, struct fid_case *c);

/* Index of @ia in the table at @level of @geo. */
uint64_t fid_geo_index(const struct fid_geo *geo, int level, uint64_t ia);
/* TTBR0 (0) or TTBR1 (1) for @va. */
int fid_s1_select(const struct fid_case *c, uint64_t va);

/*
 * fid_leaf_slot() - The leaf (block or page) the generator's tables give
 * input address @ia in regime @geo of stage @stage, found by the
 * generator's own walk: its slot, with the leaf's size (@shift) and output
 * address (@oa, the leaf's base). NULL when the walk ends in an invalid
 * entry, a reserved one or outside the pools.
 */
uint64_t *fid_leaf_slot(const struct fid_gen *g, const struct fid_case *c,
			const struct fid_geo *geo, unsigned stage, uint64_t ia,
			unsigned *shift, uint64_t *oa);
/* Point leaf @slot of regime @geo at @oa (aligned to the leaf's size). */
void fid_leaf_set_oa(const struct fid_geo *geo, uint64_t *slot, uint64_t oa);
/*
 * fid_map_exec_page() - Map input address @ia (stage @stage) to @oa with a
 * new level-3 page executable at EL1 (stage 1: read-only at EL1, UXN, no
 * PXNTable on its tables, for an AArch32 EL1 XN and XNTable 0 too; stage
 * 2: read/write, XN 0b00, Normal WB).
 * Return: false when @ia's slot is taken or the pool is full.
 */
bool fid_map_exec_page(struct fid_gen *g, struct fid_case *c, unsigned stage,
		       uint64_t ia, uint64_t oa);
/*
 * The level (1, 2) of the short-descriptor fetch from IPA @fipa on the
 * walk of @va (@c->sd), or -9.
 */
int fid_sd_fetch_level(const struct fid_gen *g, const struct fid_case *c, uint64_t va,
		       uint64_t fipa);

/*
 * fid_sd_map_exec_section() - With short descriptors (@c->sd), map the
 * section at @va (1MB aligned, its level-1 entry free) to IPA @ipa (1MB
 * aligned, below 4GB), executable at PL1: PL1 read-only, PL0 no access,
 * domain 0. Return: false when it cannot be.
 */
bool fid_sd_map_exec_section(struct fid_gen *g, struct fid_case *c, uint32_t va, uint64_t ipa);
/*
 * fid_sd_map_exec_page() - The same with a small page at @va (4KB), in a
 * new level-2 table (its level-1 entry free), to @ipa (below 4GB).
 */
bool fid_sd_map_exec_page(struct fid_gen *g, struct fid_case *c, uint32_t va, uint64_t ipa);
/*
 * fid_sd_leaf_slot() - The short-descriptor leaf of @va (@c->sd): the
 * entry the walk reads (a supersection's or large page's own, of its 16),
 * its size (@shift: 24, 20, 16, 12) and output address. NULL for none.
 */
uint32_t *fid_sd_leaf_slot(const struct fid_gen *g, const struct fid_case *c, uint64_t va,
			   unsigned *shift, uint64_t *oa);
/* Point short-descriptor leaf @slot of size 1 << @shift at @oa (below 4GB). */
void fid_sd_leaf_set_oa(uint32_t *slot, unsigned shift, uint64_t oa);
/*
 * fid_sd_leaf_ipa() - The output IPA the short-descriptor walk of @va
 * gives (@c->sd), found by the generator's own walk. Return: false when it
 * ends in no section or page.
 */
bool fid_sd_leaf_ipa(const struct fid_gen *g, const struct fid_case *c, uint64_t va,
		     uint64_t *ipa);

/*
 * fid_sd_leaf_xn() - The XN and PXN (a level-1 table's PXN for its pages)
 * of the short-descriptor leaf of @va (@c->sd). Return: false when the
 * walk ends in no leaf.
 */
bool fid_sd_leaf_xn(const struct fid_gen *g, const struct fid_case *c, uint64_t va, bool *xn,
		    bool *pxn);

/*
 * fid_sd_l1_domain() - The domain of the level-1 entry the
 * short-descriptor walk of @va reads (@c->sd): a table's (@table) or a
 * section's; -1 for a supersection, an invalid entry, none.
 */
int fid_sd_l1_domain(const struct fid_gen *g, const struct fid_case *c, uint64_t va,
		     bool *table);

/* Where a descriptor a walk reads sits (fid_walk_slots()). */
enum fid_slot_kind {
	FID_SLOT_S1_TABLE,   /* a stage-1 table or leaf on the way */
	FID_SLOT_S1_LEAF,    /* the stage-1 leaf */
	FID_SLOT_S2_TWALK,   /* the stage-2 leaf of a stage-1 table's IPA */
	FID_SLOT_S2_LEAF,    /* the stage-2 leaf of the output IPA */
};

struct fid_slot {
	uint64_t *slot;
	enum fid_slot_kind kind;
};

/*
 * fid_walk_slots() - The descriptors the walk of @va can read, found by
 * the generator's own walk: each stage-1 one (AArch64 and AArch32 LPAE;
 * short descriptors are never updated), the stage-2 leaf of each stage-1
 * table page, the stage-2 leaf of the output IPA. FEAT_HAFDBS updates can only
 * change these. Return: how many, at most @max, into @out (no repeats).
 */
unsigned fid_walk_slots(const struct fid_gen *g, const struct fid_case *c, uint64_t va,
			struct fid_slot *out, unsigned max);

/* Print the descriptors a walk of @va reads (stage 1 through stage 2). */
void fid_dump_walk(const struct fid_gen *g, const struct fid_case *c,
		   uint64_t va);

/**
 * struct fid_outcome - What one AT gave, decoded from PAR_EL1.
 */
struct fid_outcome {
	uint64_t par;
	bool f;
	uint8_t fst;
	bool s, ptw;
	uint64_t pa;
};

void fid_decode_par(uint64_t par, struct fid_outcome *o);

/**
 * fid_s2_max_ia() - The largest IPA size @c's VTCR_EL2 may give on the
 * CPU (AArch64.S2MinTxSZ): PAMax, 48 bits on a 52-bit CPU unless 64K or
 * DS, at least 40 bits for an AArch32 EL1.
 */
unsigned fid_s2_max_ia(const struct fid_gen *g, const struct fid_case *c);

/**
 * fid_deviation() - Is the difference between the model's answer (@model,
 * with the model's full result @res) and QEMU's (@qemu) for AT @op of @va
 * a documented deviation from the architecture of the QEMU in
 * @g->qemu_version (one confirmed on another version is not accepted)?
 * Return: the deviation's id (1-based index into fid_deviations[]), 0 if not.
 */
unsigned fid_deviation(const struct fid_gen *g, const struct fid_case *c,
		       enum s2_mmu_at_op op, uint64_t va,
		       const struct s2_mmu_result *res,
		       const struct fid_outcome *model,
		       const struct fid_outcome *qemu);

/*
 * fid_desc_at() - The descriptor at @level on the walk of @ia in regime @geo
 * of stage @stage (stage-1 tables read through the model's stage 2), or 0
 * when it cannot be found.
 */
uint64_t fid_desc_at(const struct fid_gen *g, const struct fid_case *c,
		     const struct fid_geo *geo, unsigned stage, uint64_t ia,
		     int level);

/**
 * fid_desc_deviation() - Is the difference between the descriptor the
 * model left (@model) and the one QEMU left (@qemu) in slot @kind after AT
 * @op (the model's answer @m) a documented deviation of
 * @g->qemu_version? @s1_dirtied: the stage-1 leaf of this walk is one
 * (QEMU wrote it, through stage 2). Return: its id in fid_deviations[], or 0.
 */
unsigned fid_desc_deviation(const struct fid_gen *g, enum s2_mmu_at_op op,
			    enum fid_slot_kind kind, const struct fid_outcome *m,
			    bool s1_dirtied, uint64_t model, uint64_t qemu);

/**
 * fid_fetch_deviation() - Is the difference between the model's answer
 * (@m, from its result @res) and the CPU's (@q) for an instruction fetch
 * from @va at EL@el a documented deviation of @g->qemu_version (fetch.c)?
 * Return: its id in fid_deviations[], or 0.
 */
unsigned fid_fetch_deviation(const struct fid_gen *g, const struct fid_case *c,
			     uint64_t va, unsigned el, const struct s2_mmu_result *res,
			     const struct fid_outcome *m, const struct fid_outcome *q);

/* The QEMU versions a deviation was confirmed on (bits). */
#define FID_QEMU_7_2	(1u << 0)
#define FID_QEMU_10_0	(1u << 1)
/* The bit of version @v (major * 100 + minor), 0 for one never judged. */
unsigned fid_qemu_bit(unsigned v);

struct fid_deviation_info {
	const char *name;
	const char *rule;   /* the architecture */
	const char *qemu;   /* what QEMU does */
	unsigned versions;  /* FID_QEMU_*: where it was confirmed */
};
extern const struct fid_deviation_info fid_deviations[];
extern const unsigned fid_ndeviations;
/* Deviation 1, the one the injected bugs of inject=1 aim at. */
#define FID_DEV_S1PTW_LEVEL 1
/* Deviation 8: the same on a short-descriptor walk (still in QEMU 10). */
#define FID_DEV_S1PTW_LEVEL_SD 8
/* Deviation 9: AT makes a writable-clean leaf dirty (FEAT_HAFDBS). */
#define FID_DEV_AT_DIRTY 9

/**
 * fid_attr_deviation() - For a successful AT @op of @va whose PA, but not
 * PAR_EL1.ATTR or SH, the model (@mpar, with its full result @res) and
 * QEMU (@qpar) agree on: is the difference a documented QEMU deviation
 * confirmed on @g->qemu_version (attrs.c)?
 * Return: its id (1-based index into fid_attr_deviations[]), 0 if not.
 */
unsigned fid_attr_deviation(const struct fid_gen *g, const struct fid_case *c,
			    enum s2_mmu_at_op op, uint64_t va,
			    const struct s2_mmu_result *res, uint64_t mpar, uint64_t qpar);
extern const struct fid_deviation_info fid_attr_deviations[];
extern const unsigned fid_nattr_deviations;

/**
 * fid_fatal() - Is AT @op, whose answer the model gives in @res, one that
 * kills the QEMU in @g->qemu_version (a known QEMU defect: asking it would
 * end the run)? Return: the defect's id (1-based index into fid_fatals[]),
 * 0 if not.
 */
unsigned fid_fatal(const struct fid_gen *g, const struct fid_case *c, enum s2_mmu_at_op op,
		   uint64_t va, const struct s2_mmu_result *res);
extern const struct fid_deviation_info fid_fatals[];
extern const unsigned fid_nfatals;

/* fid_fetch_init() - The buffer of HVC #0 fetches run in. Return: 0, -1. */
int fid_fetch_init(void);
/**
 * fid_fetch_case() - Execute at up to @max_addrs of @c's addresses, at EL1
 * and EL0 (an AArch32 EL1's at PL1 and PL0), after its ATs (its tables
 * are changed: each final leaf points at the buffer; with short
 * descriptors, DACR may have domains made no access), and compare with
 * the model's answer for the fetch.
 * @n: counts, indexed by FID_FETCH_* (coverage.h), added to.
 * @ndev: counts of the deviations accepted, by id, added to.
 * @report: print a reproducer for each mismatch.
 * @inject: NULL, or {injected, caught, of those by an AArch32 EL1 injected,
 *          caught}: make one model answer in 16 of each EL1 state wrong
 *          (runs <-> permission fault) and count those the comparison caught.
 * Return: the number of mismatches.
 */
unsigned fid_fetch_case(struct fid_gen *g, struct fid_case *c, uint64_t seed,
			unsigned max_addrs, uint64_t n[], uint64_t ndev[], bool report,
			uint64_t *inject);
/* The buffer back to the allocator. */
void fid_fetch_fini(void);

/*
 * Guest code for fetch.c and store.c. The vectors' page (VBAR_EL1) runs
 * HVC #0 everywhere but at FID_VEC_STORE: STR X1, [X0]; HVC #0 (for an
 * AArch32 EL1, a page of A32: STR R1, [R0]; HVC #0).
 */
#define FID_VEC_STORE	0x800
/*
 * fid_exec_vectors() - Map @c's vectors' page (once per configuration),
 * check that the model and the CPU reach it, and set VBAR_EL1.
 * Return: its VA, 0 when there is none (short descriptors, both stages
 * off...).
 */
uint64_t fid_exec_vectors(struct fid_gen *g, struct fid_case *c, uint64_t seed);
/* The PA of the 32 MiB buffer of HVC #0 final leaves are pointed at. */
uint64_t fid_exec_buf(void);
/*
 * fid_final_leaf() - The final leaf of @va (stage 2's, or stage 1's with
 * stage 2 off) and its regime (@geo). NULL when there is none, or (@skip)
 * it may not be pointed at the buffer (larger, or mapping the tables).
 */
uint64_t *fid_final_leaf(const struct fid_gen *g, const struct fid_case *c, uint64_t va,
			 const struct fid_geo **geo, bool *skip);
struct hyp_regs;
/*
 * fid_el1_run() - Enter EL1/EL0 with @regs (DAIF masked), a second's
 * watchdog. Return: 1 for a synchronous exception to EL2 (@regs the
 * guest's then), 0 for another, -1 when the watchdog ended it.
 */
int fid_el1_run(struct hyp_regs *regs);

/**
 * fid_store_case() - Under TCR_EL1.HD or VTCR_EL2.HD (AArch64 EL1, or
 * AArch32 with LPAE or the MMU off), store at EL1 to up
 * to @max_addrs of @c's addresses (those whose walk meets a DBM=1 leaf
 * first), each address's final leaf pointed at the HVC buffer, and
 * compare the abort (or its absence) and every descriptor the walk can
 * update (fid_walk_slots()) with the model's write.
 * @n: counts, indexed by FID_STORE_* (coverage.h), added to.
 * @ndev: counts of the deviations accepted, by id, added to.
 * @report: print a reproducer for each mismatch.
 * @inject: NULL, or {injected, caught}: undo the model's dirty-state
 *          update in its copy of one leaf in 2 it made dirty, and count
 *          those the comparison caught.
 * Return: the number of mismatches.
 */
unsigned fid_store_case(struct fid_gen *g, struct fid_case *c, uint64_t seed,
			unsigned max_addrs, uint64_t n[], uint64_t ndev[], bool report,
			uint64_t *inject);

/*
 * fid_store_desc_deviation() - Is the difference between the descriptor
 * the model's write left (@model) and the one a guest store in QEMU left
 * (@qemu), the model's answer @m, a documented deviation of
 * @g->qemu_version? Return: its id in fid_deviations[], or 0.
 */
unsigned fid_store_desc_deviation(const struct fid_gen *g, const struct fid_outcome *m,
				  uint64_t model, uint64_t qemu);

/**
 * fidelity_run() - The scenario: @count comparisons from @seed, on CPU 0.
 * @first_cfg: start at this configuration (reproduce one case).
 * @verbose: dump every configuration.
 * Return: 0 when every comparison matched or was a documented deviation.
 */
int fidelity_run(uint64_t seed, uint64_t count, uint64_t first_cfg,
		 bool verbose);

/* The s2hyp scenario: parse the boot arguments, then run on CPU @cpu. */
void fidelity_setup(const char *args);
int fidelity_scenario(unsigned int cpu);

#endif /* S2HYP_FIDELITY_H */

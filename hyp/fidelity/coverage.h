/* SPDX-License-Identifier: MIT */
/*
 * The fidelity test's coverage classes: what a configuration's comparisons
 * exercised (EL1's format, each stage's granule and start level, the
 * features), packed into one word per TTBR by s2hyp (run.c, on its "done"
 * lines) and counted by the runner (cli/hyp_fidelity.c), which adds up
 * every boot's configurations. docs/fidelity.md's coverage table is its
 * output.
 */
#ifndef S2HYP_FIDELITY_COVERAGE_H
#define S2HYP_FIDELITY_COVERAGE_H

#define FID_COV_A32        (1u << 0)   /* EL1 AArch32, stage 1 LPAE */
#define FID_COV_S1_ON      (1u << 1)   /* SCTLR_EL1.M */
#define FID_COV_S1_G_SHIFT 2           /* 2 bits: 0 4K, 1 16K, 2 64K */
#define FID_COV_S1_L_SHIFT 4           /* 3 bits: start level + 1 */
#define FID_COV_S1_DS      (1u << 7)   /* TCR_EL1.DS (FEAT_LPA2) */
#define FID_COV_S1_BAD     (1u << 8)   /* a geometry meant to be invalid */
#define FID_COV_S2_ON      (1u << 9)   /* HCR_EL2.VM */
#define FID_COV_S2_G_SHIFT 10
#define FID_COV_S2_L_SHIFT 12
#define FID_COV_S2_DS      (1u << 15)  /* VTCR_EL2.DS */
#define FID_COV_S2_LPA     (1u << 16)  /* 64K with 52-bit OAs (FEAT_LPA) */
#define FID_COV_S2_BAD     (1u << 17)
#define FID_COV_FWB        (1u << 18)  /* HCR_EL2.FWB */
#define FID_COV_PTW        (1u << 19)  /* HCR_EL2.PTW */
#define FID_COV_SD         (1u << 20)  /* with FID_COV_A32: short descriptors */
#define FID_COV_HA         (1u << 21)  /* TCR_EL1.HA or VTCR_EL2.HA (FEAT_HAFDBS) */
#define FID_COV_HD         (1u << 22)  /* TCR_EL1.HD or VTCR_EL2.HD */
#define FID_COV_S2_IA_BIG  (1u << 23)  /* IPA beyond AArch64.S2MinTxSZ's */

/*
 * The instruction-fetch comparisons (fetch.c), counted per configuration
 * on the "done" line after "fetch": by the EL that fetched, by the outcome
 * both sides agreed on, and the addresses not executed.
 */
enum {
	FID_FETCH_EL1,       /* compared at EL1 (PXN, WXN, stage 2 XN) */
	FID_FETCH_EL0,       /* compared at EL0 (UXN, stage 2 XN[1:0]) */
	FID_FETCH_RUN,       /* the fetch translated: the instruction ran */
	FID_FETCH_S1_PERM,   /* stage-1 permission fault (instruction abort to EL1) */
	FID_FETCH_S2_PERM,   /* stage-2 permission fault (to EL2) */
	FID_FETCH_OTHER,     /* another fault: translation, access flag, size */
	FID_FETCH_SKIPPED,   /* not executed: leaf > 32 MiB, maps the tables... */
	FID_FETCH_HD,        /* of the compared, under TCR_EL1.HD (DBM leaves) */
	FID_FETCH_A32_EL1,   /* of the compared, an AArch32 EL1's at PL1 (A32) */
	FID_FETCH_A32_EL0,   /* ... at PL0 */
	FID_FETCH_SD,        /* ... of those, with short descriptors */
	FID_FETCH_A32_RUN,   /* ... ran (in the order of FID_FETCH_RUN..S2_PERM) */
	FID_FETCH_A32_S1_PERM,  /* ... stage-1 permission fault (prefetch abort, IFSR) */
	FID_FETCH_A32_S2_PERM,  /* ... stage-2 permission fault */
	FID_FETCH_SD_DOMAIN, /* ... Domain fault (short descriptors, DACR no access) */
	FID_FETCH_NR
};

/*
 * The guest stores under FEAT_HAFDBS's dirty state (store.c), counted per
 * configuration on the "done" line after "store": compared, by outcome,
 * the leaves both made dirty, and the addresses not stored to.
 */
enum {
	FID_STORE_CMP,        /* stores compared (abort and descriptors) */
	FID_STORE_RAN,        /* the store translated and wrote */
	FID_STORE_S1_PERM,    /* stage-1 permission fault (data abort to EL1) */
	FID_STORE_S2_PERM,    /* stage-2 permission fault (to EL2) */
	FID_STORE_OTHER,      /* another fault */
	FID_STORE_DIRTY_S1,   /* stage-1 leaves made dirty by both (AP[2] cleared) */
	FID_STORE_DIRTY_S2,   /* final stage-2 leaves made dirty (S2AP[1] set) */
	FID_STORE_DIRTY_PTW,  /* stage-2 leaves of stage-1 table pages made dirty */
	FID_STORE_AF,         /* Access flags set by both */
	FID_STORE_SKIPPED,    /* not stored to: leaf > 32 MiB, maps the tables... */
	FID_STORE_A32,        /* of the compared, by an AArch32 EL1 (VTCR_EL2.HD) */
	FID_STORE_A32_S1,     /* ... a stage-1 abort to it (DFSR, LPAE format) */
	FID_STORE_A32_DIRTY,  /* ... final stage-2 leaves made dirty by both */
	FID_STORE_NR
};

/* A granule's code: log2 size 12, 14, 16 -> 0, 1, 2. */
#define FID_COV_GRANULE(gbits) (((unsigned)(gbits) - 12) / 2)

#endif

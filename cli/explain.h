/* SPDX-License-Identifier: MIT */
/*
 * s2mm explain, shared between its parts: the walk's steps as they are
 * recorded (explain_steps.c), the stage-2 walk (explain_s2.c), the
 * stage-1 walks in the long (explain_lpae.c) and short (explain_sd.c)
 * descriptor formats, the hardware Access flag and dirty state
 * (explain_hafdbs.c), the Contiguous hint (explain_contig.c) and the
 * picture (explain_svg.c). explain.c parses the options, runs the walk and
 * prints the model's verdict.
 */
#ifndef S2MM_CLI_EXPLAIN_H
#define S2MM_CLI_EXPLAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <s2mm/mmu.h>

#include "sim.h"

#define MAX_STEPS 64
#define ROW_FINAL 100

struct step {
	int row;          /* stage-1 level, or ROW_FINAL for the final IPA */
	int col;          /* stage-2 level, or -9 for the stage-1 descriptor */
	uint64_t addr, val;
	bool fault;
	char what[200];
};

struct walk {
	const struct sim_view *v;
	unsigned int acc, el;      /* the access explained: enum s2_mmu_acc, EL */
	struct step steps[MAX_STEPS];
	int n;
	/* The steps' own verdict (type 0: none), compared with the model's. */
	struct s2_mmu_fault f;
	char fault_what[240];
	/*
	 * Descriptors the CPU has updated in this walk (FEAT_HAFDBS: AF, the
	 * dirty state), at @upd_pa, now @upd_val.
	 */
	uint64_t upd_pa[MAX_STEPS], upd_val[MAX_STEPS];
	int n_upd;
	/*
	 * Descriptor reads, those of the stage-2 walk of a stage-1 update
	 * too, which are listed but not kept in @steps (the grid has one
	 * cell for each level of a stage-1 descriptor's stage-2 walk).
	 */
	int reads;
	bool tte_walk;
};

/* What a stage-2 walk is for. */
enum s2_for {
	S2_FOR_FETCH,   /* reading a stage-1 descriptor (S1PTW): needs read */
	S2_FOR_ACCESS,  /* the final IPA: the access's own permission */
	S2_FOR_UPDATE,  /* writing a stage-1 descriptor the CPU updates (S1PTW) */
};

/* "read", "write", "exec", indexed by enum s2_mmu_acc. */
extern const char *const explain_acc_names[];

/* explain_steps.c */
/** explain_rd() - The 64-bit word at @pa of simulated memory (0 outside it). */
uint64_t explain_rd(const struct sim_view *v, uint64_t pa);
/**
 * explain_add() - Print descriptor read @addr = @val (@what decodes it) and
 * record it in @w's grid at stage-1 row @row, stage-2 column @col (-9: the
 * stage-1 descriptor); @fault marks the read the walk faults on.
 */
void explain_add(struct walk *w, int row, int col, uint64_t addr, uint64_t val,
		 bool fault, const char *what);
/** explain_fault_at() - Set the steps' verdict: a fault of @type at @stage, @level. */
void explain_fault_at(struct walk *w, unsigned int type, unsigned int stage, int level,
		      bool s1ptw);
/** explain_fault_text() - @f in words into @buf: "a stage-2 ... fault, level 3". */
void explain_fault_text(char *buf, size_t n, const struct s2_mmu_fault *f);
/** explain_same_fault() - Do faults @a and @b agree (type, stage, level, S1PTW)? */
bool explain_same_fault(const struct s2_mmu_fault *a, const struct s2_mmu_fault *b);
/** explain_sh_name() - The name of the SH[1:0] field of descriptor @d. */
const char *explain_sh_name(uint64_t d);

/* explain_hafdbs.c */
/** explain_af_rd() - Descriptor at @pa as this walk reads it, its own updates applied. */
uint64_t explain_af_rd(const struct walk *w, uint64_t pa);
/**
 * explain_upd_set() - The CPU replaces descriptor @d at @pa by @nd (AF set,
 * made dirty); @af_reg, @dirty_reg name the registers that make it do so.
 */
void explain_upd_set(struct walk *w, uint64_t pa, uint64_t d, uint64_t nd,
		     const char *af_reg, const char *dirty_reg);
/** explain_s2_ha() - Hardware Access flag update in effect at stage 2? */
bool explain_s2_ha(const struct walk *w);
/** explain_s1_ha() - Hardware Access flag update in effect at stage 1? */
bool explain_s1_ha(const struct walk *w);
/** explain_s2_hd() - Hardware dirty state in effect at stage 2? */
bool explain_s2_hd(const struct walk *w);
/** explain_s1_hd() - Hardware dirty state in effect at stage 1? */
bool explain_s1_hd(const struct walk *w);
/** explain_print_af_set() - Print which Access flags the model's walk set. */
void explain_print_af_set(const struct s2_mmu_result *res);
/** explain_print_dirty() - Print which leaves the model's walk made dirty or left clean. */
void explain_print_dirty(const struct s2_mmu_result *res);

/* explain_s2.c */
/** explain_fwb_on() - HCR_EL2.FWB in effect (FEAT_S2FWB and the bit set)? */
bool explain_fwb_on(const struct walk *w);
/**
 * explain_s2_walk() - Stage-2 walk of @ipa, recorded in stage-1 row @row,
 * for @why. Return: true with *@pa, or false with the steps' verdict in @w.
 */
bool explain_s2_walk(struct walk *w, int row, uint64_t ipa, enum s2_for why, uint64_t *pa);

/* explain_lpae.c */
/**
 * explain_walk_lpae() - The long-descriptor stage 1 of @va. Return: true
 * with the output IPA in *@ipa, or false with the steps' verdict in @w.
 */
bool explain_walk_lpae(struct walk *w, uint64_t va, uint64_t *ipa);

/* explain_sd.c */
enum { EXPLAIN_SD_UNMAP_NONE, EXPLAIN_SD_UNMAP_SECTION, EXPLAIN_SD_UNMAP_PAGE };

/* What explain changes in a short-descriptor stage 1 (-1: nothing). */
struct explain_sd_opts {
	int unmap;     /* EXPLAIN_SD_UNMAP_*: ADDRESS's level-1 or level-2 entry invalid */
	int ap;        /* AP[2:0] of ADDRESS's level-2 page (or section) */
	int domain;    /* the domain of ADDRESS's level-1 entry */
	int dacr;      /* DACR's field for that domain (DACR_NO_ACCESS...) */
	bool afe;      /* SCTLR.AFE=1: AP[0] is the Access flag */
	bool section;  /* ADDRESS's MB a section, made from its small page */
};

/**
 * explain_sd_edit() - Change the guest's short-descriptor tables for @va
 * as @o says (--s1-unmap, --s1-ap, --s1-domain, --s1-section), in guest memory, each
 * descriptor found through stage 2. Return: 0, or -1 with why in @err.
 */
int explain_sd_edit(const struct sim_view *v, uint32_t va, const struct explain_sd_opts *o,
		    char *err, size_t n);
/** explain_sd_regs_apply() - Apply @o's SCTLR.AFE and DACR to @r. */
void explain_sd_regs_apply(struct s2_mmu_regs *r, const struct explain_sd_opts *o);
/** explain_sd_regs() - An AArch32 EL1 walking short descriptors (TTBCR.EAE=0)? */
bool explain_sd_regs(const struct s2_mmu_regs *r);
/**
 * explain_walk_sd() - The short-descriptor stage 1 of @va. Return: true
 * with the output IPA in *@ipa, or false with the steps' verdict in @w.
 */
bool explain_walk_sd(struct walk *w, uint32_t va, uint64_t *ipa);
/** explain_sd_print_regs() - Print the short-descriptor stage 1's registers. */
void explain_sd_print_regs(const struct s2_mmu_regs *r);
/** explain_sd_print_format() - Print the short-descriptor stage 1's layout. */
void explain_sd_print_format(const struct s2_mmu_regs *r);
/**
 * explain_sd_print_fsr() - Print the DFSR or IFSR and DFAR or IFAR an
 * AArch32 EL1 with short descriptors reads for the stage-1 fault of @res.
 */
void explain_sd_print_fsr(const struct s2_mmu_result *res);

/* explain_contig.c */
/**
 * explain_print_contig() - Print the Contiguous runs the leaves of @res
 * (the translation of @a) belong to and the TLB entry they allow.
 */
void explain_print_contig(const struct sim_view *v, const struct s2_mmu_access *a,
			  bool mmu_on, const struct s2_mmu_result *res);

/* explain_svg.c */
/**
 * explain_svg() - Draw @w's grid into @path with @title.
 * Return: 0, or 2 (the command's exit status) when @path cannot be written.
 */
int explain_svg(const char *path, const struct walk *w, const struct sim_view *v,
		bool mmu_on, const char *title);

#endif

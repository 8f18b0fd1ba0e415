/* SPDX-License-Identifier: MIT */
/*
 * A reference translation walker for the MMU model's tests, written for
 * them from the Arm ARM (DDI 0487) pseudocode: AArch64.S1Walk,
 * AArch64.S2Walk, AArch64.S2InvalidSL, AArch64.S2InconsistentSL,
 * AArch64.S1ComputePermissions... It shares no code with model/ (nor the
 * project's bit definitions: it names every field itself), so that the
 * model's walkers are judged by something that is not themselves. Plain
 * and slow: one level at a time, every field decoded where it is used.
 *
 * Scope: an AArch64 EL1&0 regime (stage 1 on or off) with stage 2 on,
 * 4KB/16KB/64KB granules, 52-bit OAs (FEAT_LPA with 64KB, FEAT_LPA2 with
 * DS), concatenated stage-2 roots, HCR_EL2.PTW, FEAT_HAFDBS (HA and HD
 * at both stages, DBM, AT's exclusion from the dirty state); no walk
 * cache. The hardware updates are not written to memory: the walk keeps
 * them (@upd_pa, @upd_val), its later reads see them, and the caller
 * compares them with what the model wrote. Not covered: a TGx naming an
 * unimplemented granule (REFWALK_UNSUPPORTED).
 *
 * An AArch32 EL1 (HCR_EL2.RW=0) with the Short-descriptor format
 * (TTBCR.EAE=0) is in scope: AArch32.TranslationTableWalkSD (TTBR0/TTBR1
 * by TTBCR.N, PD0/PD1, sections, supersections, page tables, large and
 * small pages, SCTLR.AFE), AArch32.CheckDomain and
 * AArch32.CheckPermission, each descriptor fetched through stage 2; the
 * memory attributes (TEX remap) are not.
 *
 * So is an AArch32 EL1 with the Long-descriptor format (TTBCR.EAE=1,
 * LPAE): AArch32.TranslationTableWalkLD (AArch32.S1WalkLD) with
 * AArch32.GetVARange's TTBR0/TTBR1 split by T0SZ/T1SZ, EPD0/EPD1, the
 * start level from TxSZ, 4KB tables, 1GB and 2MB blocks and pages,
 * a 40-bit output (TTBR or descriptor bits [47:40] set: Address size
 * faults), the ASID of TTBCR.A1's TTBR, the Access flag (no hardware
 * update at an AArch32 stage 1), AArch32.S1ComputePermissions (AP[2:1],
 * APTable, XN/XNTable, PXN/PXNTable, SCTLR.WXN and UWXN), each
 * descriptor fetched through stage 2; not its attributes, nor TTBCR2's
 * HPD (T2E), nor PAN.
 */
#ifndef S2MM_TESTS_MODEL_REFWALK_H
#define S2MM_TESTS_MODEL_REFWALK_H

#include <stdbool.h>
#include <stdint.h>

#include <s2mm/mmu.h>

#define REFWALK_UNSUPPORTED (-1)

/*
 * struct refwalk_result - What the reference walk found.
 * @fault: enum s2_mmu_fault_type (S2_MMU_FAULT_NONE: translated).
 * @level, @stage, @s1ptw: where the fault was taken.
 * @fault_ipa: for a stage-2 fault, the IPA being translated (the stage-1
 *       descriptor's IPA when @s1ptw).
 * @pa: the output address (also on a final stage-2 permission fault).
 * @ipa: stage 1's output (valid once stage 1 has finished).
 * @s1_level, @s2_level: leaf levels (-2 when that stage did not finish).
 * @s1_perm, @s2_perm: S2_MMU_PERM_* each leaf grants (with DBM's write).
 * @af_set, @dirty: as struct s2_mmu_result's (S2_MMU_AF_*, S2_MMU_DIRTY_*,
 *       S2_MMU_CLEAN_*).
 * @n_upd, @upd_pa, @upd_val: the descriptors the walk updated, their new
 *       values (a descriptor updated twice is listed twice, the last
 *       value last).
 * @domain: Short-descriptor stage 1 only: the domain (once a level-1
 *       descriptor gave it).
 * @s1_shift, @global: AArch32 stage 1 (either format): the leaf's size
 *       (log2), !nG.
 * @asid: Long-descriptor AArch32 stage 1: the ASID a non-global leaf is
 *       tagged with (0 for a global one).
 * @s1_desc, @s1_tbl: the stage-1 leaf descriptor as read and its table
 *       descriptors' bits [63:59] ORed (AArch64 and Long-descriptor
 *       AArch32 stage 1), for the tests to tell which rules an access met.
 */
#define REFWALK_UPD_MAX 8

struct refwalk_result {
	unsigned fault;
	int level;
	unsigned stage;
	bool s1ptw;
	uint64_t fault_ipa;
	uint64_t pa;
	uint64_t ipa;
	int s1_level, s2_level;
	unsigned s1_perm, s2_perm;
	unsigned af_set, dirty;
	unsigned n_upd;
	uint64_t upd_pa[REFWALK_UPD_MAX], upd_val[REFWALK_UPD_MAX];
	unsigned domain, s1_shift;
	bool global;
	uint16_t asid;
	uint64_t s1_desc, s1_tbl;
};

/*
 * refwalk_translate() - Translate @acc in the EL1&0 regime with HCR_EL2.VM
 * set (stage 2 is walked whatever HCR_EL2.VM says), descriptors read from
 * @mem. Return: 0, or REFWALK_UNSUPPORTED (out of scope, see above).
 */
int refwalk_translate(const struct s2_mmu_mem *mem, const struct s2_mmu_cpu *cpu,
		      const struct s2_mmu_regs *regs,
		      const struct s2_mmu_access *acc, struct refwalk_result *out);

/*
 * refwalk_at() - refwalk_translate() for AT S12E<el>R/W of @acc: no
 * dirty-state update (AArch64.S1/S2Translate exclude AccessType_AT).
 */
int refwalk_at(const struct s2_mmu_mem *mem, const struct s2_mmu_cpu *cpu,
	       const struct s2_mmu_regs *regs, const struct s2_mmu_access *acc,
	       struct refwalk_result *out);

/* refwalk_s2() - Stage 2 alone: @acc->va is the IPA. */
int refwalk_s2(const struct s2_mmu_mem *mem, const struct s2_mmu_cpu *cpu,
	       const struct s2_mmu_regs *regs, const struct s2_mmu_access *acc,
	       struct refwalk_result *out);

/*
 * refwalk_check() - Does the model's @res agree with the reference @ref?
 * Fault type, level, stage, S1PTW and fault IPA, the leaves whose AF or
 * dirty state was set; on success the PA, IPA, leaf levels, both stages'
 * permissions and which leaves are writable-clean; on a final stage-2
 * permission fault the PA. Prints the first difference (prefixed by
 * @what) to stderr and returns false. The memory the updates left is the
 * caller's to compare (refwalk_check_mem()).
 */
bool refwalk_check(const struct refwalk_result *ref,
		   const struct s2_mmu_result *res, const char *what);

/*
 * refwalk_check_mem() - Does @mem hold, at each descriptor @ref updated,
 * the value it gave it (the model having walked the same tables from the
 * same memory)? Prints the first difference and returns false.
 */
bool refwalk_check_mem(const struct refwalk_result *ref,
		       const struct s2_mmu_mem *mem, const char *what);

/*
 * refwalk_check_sd() - refwalk_check() for a Short-descriptor stage 1,
 * and the domain (where a level-1 descriptor gave it), the stage-1 leaf's
 * size and nG.
 */
bool refwalk_check_sd(const struct refwalk_result *ref,
		      const struct s2_mmu_result *res, const char *what);

/*
 * refwalk_check_ld() - refwalk_check() for a Long-descriptor AArch32
 * stage 1, and where it translated, the stage-1 leaf's size, nG and ASID.
 */
bool refwalk_check_ld(const struct refwalk_result *ref,
		      const struct s2_mmu_result *res, const char *what);

#endif /* S2MM_TESTS_MODEL_REFWALK_H */

/* SPDX-License-Identifier: MIT */
/*
 * Known deviations of QEMU's translation (target/arm/ptw.c: QEMU 7.2 as
 * Debian bookworm ships it, 10.0 from bookworm-backports) from the Arm
 * architecture: the ONE place where the fidelity test accepts a
 * difference. The model follows the architecture; each entry names the
 * rule, what QEMU does, the QEMU versions it was confirmed on (accepted
 * there only), and recognises exactly that difference and no other.
 * docs/fidelity.md has the table with the source evidence.
 */
#include "../hyp.h"
#include "fidelity.h"

#include <s2mm/arch.h>
#include <s2mm/arch_sd.h>

#define GENMASK(hi, lo)	((~0ULL >> (63 - (hi))) & ~((1ULL << (lo)) - 1))

enum {
	DEV_PTW_LEVEL = 1,
	DEV_PTW_VM_OFF,
	DEV_S2_SL_PS,
	DEV_BLOCK_LEVEL,
	DEV_DS_OA_HIGH,
	DEV_PTW_DEVICE_L0,
	DEV_S2_IA_PS,
	DEV_PTW_LEVEL_SD,
	DEV_AT_DIRTY,
	DEV_AF_PERM_FAULT,
	DEV_FETCH_DBM_RO,
	DEV_S2_MIN_TXSZ,
	DEV_SD_NO_WXN,
	DEV_SD_XN_BEFORE_AF,
	DEV_SD_DOMAIN_FIRST,
	DEV_NR_PLUS1,
};

_Static_assert(DEV_PTW_LEVEL == FID_DEV_S1PTW_LEVEL &&
	       DEV_PTW_LEVEL_SD == FID_DEV_S1PTW_LEVEL_SD && DEV_AT_DIRTY == FID_DEV_AT_DIRTY,
	       "fidelity.h names deviations 1, 8, 9");

const struct fid_deviation_info fid_deviations[] = {
	[DEV_PTW_LEVEL - 1] = {
		"s1ptw-fault-level",
		"a stage-2 fault on a stage-1 table walk reports the level of the "
		"stage-2 lookup that faulted (AArch64.S2Walk; FST/DFSC level)",
		"get_phys_addr_lpae() do_fault: sets fi->level to the stage-1 "
		"level after S1_ptw_translate() failed, overwriting the stage-2 level",
		FID_QEMU_7_2,
	},
	[DEV_PTW_VM_OFF - 1] = {
		"ptw-bit-with-stage2-off",
		"HCR_EL2.PTW only acts on stage-2 Device memory; with HCR_EL2.VM=0 "
		"there is no stage 2 and a stage-1 walk never faults at stage 2",
		"AT S1E0*/S1E1* (mmu_idx Stage1_E*) always walk through the Stage2 "
		"regime; with VM=0 get_phys_addr_disabled() gives memattr 0 "
		"(Device), so S1_ptw_translate() raises a stage-2 permission fault "
		"(S=1, PTW=1) at the first stage-1 level when HCR_EL2.PTW=1",
		FID_QEMU_7_2 | FID_QEMU_10_0,
	},
	[DEV_S2_SL_PS - 1] = {
		"s2-start-level-check",
		"AArch64.S2InvalidSL checks the start level against PAMax (the "
		"implemented PA size): 4K SL0=2 (level 0) needs PAMax >= 44, 16K "
		"level 1 PAMax >= 42, 64K level 1 PAMax >= 44; VTCR_EL2.PS plays no "
		"part; 16K SL0=3 (level 0) is valid with VTCR_EL2.DS=1 (FEAT_LPA2)",
		"check_s2_mmu_setup() (QEMU 6.2..7.2) tests the output size "
		"min(PS, PAMax) instead ('level == 0 && outputsize <= 42' for 4K, "
		"'level == 1 && outputsize <= 40/42' for 16K/64K) and rejects 16K "
		"level 0 always ('level == 0 ||'): every stage-2 lookup is then a "
		"translation fault at level 0",
		FID_QEMU_7_2,
	},
	[DEV_BLOCK_LEVEL - 1] = {
		"block-at-unsupported-level",
		"a block descriptor (bits[1:0]=01) at a level that has no blocks "
		"(4K/16K level 0 or 16K level 1 without DS, 64K level 1 without "
		"FEAT_LPA) decodes as invalid: translation fault at that level "
		"(AArch64.DecodeDescriptorType, AArch64.BlockDescSupported)",
		"get_phys_addr_lpae() only faults bit 0 clear and the reserved "
		"level-3 encoding; any other non-table entry is taken as a block "
		"of the level's size, so the walk goes on (a PA, or a later fault)",
		FID_QEMU_7_2,
	},
	[DEV_DS_OA_HIGH - 1] = {
		"lpa2-oa-bits-with-small-ps",
		"with TCR/VTCR.DS=1 a descriptor's OA[51:50] are its bits [9:8] "
		"whatever PS is; an OA beyond PS is an address size fault "
		"(AArch64.OAOutOfRange)",
		"get_phys_addr_lpae() ORs in descriptor bits [9:8] only when "
		"outputsize > 48; with PS <= 48 they are ignored and the walk goes on",
		FID_QEMU_7_2 | FID_QEMU_10_0,
	},
	[DEV_PTW_DEVICE_L0 - 1] = {
		"ptw-device-fault-level-0",
		"with HCR_EL2.PTW a stage-1 walk that reads Device memory takes a "
		"stage-2 permission fault at the level of that stage-2 lookup "
		"(AArch64.SecondStageWalk: AArch64.PermissionFault(ipa, S2.level))",
		"S1_ptw_translate() sets type, s2addr, stage2 and s1ptw for this "
		"fault but never fi->level, which stays 0",
		FID_QEMU_10_0,
	},
	[DEV_S2_IA_PS - 1] = {
		"s2-ipa-beyond-ps-fault",
		"an IPA size (VTCR_EL2.T0SZ) beyond the output size (PS) but "
		"within AArch64.S2MinTxSZ (PAMax) is CONSTRAINED UNPREDICTABLE; "
		"AArch64.S2Translate, which the model follows, walks (an OA "
		"beyond PS is an address size fault)",
		"check_s2_mmu_setup() takes the other choice, 'inputsize > "
		"outputsize && (arm_el_is_aa64(env, 1) || inputsize > 40)': a "
		"level-0 translation fault on every stage-2 lookup",
		FID_QEMU_7_2,
	},
	[DEV_PTW_LEVEL_SD - 1] = {
		"s1ptw-fault-level-short",
		"a stage-2 fault on a short-descriptor stage-1 walk reports the "
		"level of the stage-2 lookup that faulted (AArch32.SecondStageWalk; "
		"FST/DFSC level)",
		"get_phys_addr_v6() do_fault: 'fi->level = level;' (the stage-1 "
		"level, 1 or 2) after S1_ptw_translate() failed, overwriting the "
		"stage-2 level; unlike get_phys_addr_lpae(), still so after 7.2",
		FID_QEMU_7_2 | FID_QEMU_10_0,
	},
	[DEV_AT_DIRTY - 1] = {
		"at-makes-leaf-dirty",
		"an AT instruction does not update the dirty state: "
		"AArch64.S1Translate and AArch64.S2Translate leave a writable-clean "
		"DBM=1 leaf clean for AccessType_AT (the Access flag is set)",
		"get_phys_addr_lpae() prepares the Access flag and dirty-state "
		"update for every walk that is not a debug access, AT included, and "
		"arm_casq_ptw() writes it: AT S1E1W/S12E1W through a writable-clean "
		"leaf clears AP[2] (stage 1) or sets S2AP[1] (stage 2)",
		FID_QEMU_7_2 | FID_QEMU_10_0,
	},
	[DEV_AF_PERM_FAULT - 1] = {
		"af-set-on-permission-fault",
		"setting the Access flag of a descriptor on a walk that then takes "
		"a permission fault is CONSTRAINED UNPREDICTABLE "
		"(AArch64.SettingAccessFlagPermitted); the model, as "
		"AArch64.S2Translate orders it, leaves the descriptor as it is",
		"get_phys_addr_lpae() takes the other choice: it writes the Access "
		"flag of a stage-2 leaf of a stage-1 table page whose Device memory "
		"then faults under HCR_EL2.PTW (S1_ptw_translate(), after the walk)",
		FID_QEMU_7_2,
	},
	[DEV_FETCH_DBM_RO - 1] = {
		"fetch-dbm-leaf-read-only",
		"under TCR_EL1.HA and HD a DBM=1 stage-1 leaf has its effective "
		"AP[2] cleared for every access, fetches included "
		"(AArch64.S1ApplyOutputPerms, before any access type is looked "
		"at): AP[2:1]=0b11 is then writable at EL0, so not executable at "
		"EL1 (AArch64.S1DirectBasePermissions: px = NOT(pxn OR pxn_table "
		"OR uw)), and under SCTLR_EL1.WXN executable at neither EL",
		"get_phys_addr_lpae(), 'Dirty Bit': clears AP[2] of a DBM=1 leaf "
		"only when access_type == MMU_DATA_STORE, so get_S1prot() sees a "
		"fetch's leaf read-only and lets it execute",
		FID_QEMU_7_2 | FID_QEMU_10_0,
	},
	[DEV_S2_MIN_TXSZ - 1] = {
		"s2-ipa-beyond-pamax-walks",
		"VTCR_EL2.T0SZ below AArch64.S2MinTxSZ (64 - PAMax; 48 bits at "
		"most without LPA2 or the 64KB granule) is invalid "
		"(AArch64.S2InvalidTxSZ): a level-0 translation fault on every "
		"stage-2 lookup, before any read",
		"get_phys_addr_lpae() bounds T0SZ by aa64_va_parameters()'s stage-1 "
		"limits (min_tsz 16, or 12 with DS or 64KB and FEAT_LVA) and "
		"check_s2_mmu_setup() no longer compares the IPA size with the "
		"output size (7.2's 'inputsize > outputsize' test): below PAMax's "
		"limit the walk goes on",
		FID_QEMU_10_0,
	},
	[DEV_SD_NO_WXN - 1] = {
		"short-descriptor-no-wxn-uwxn",
		"in the Short-descriptor format as in the Long, SCTLR.UWXN makes "
		"a page PL0 may write execute-never at PL1, and SCTLR.WXN a page "
		"writable at the fetching PL execute-never there "
		"(AArch32.CheckPermission): a fetch there is a stage-1 permission "
		"fault, before stage 2 translates the output",
		"get_phys_addr_v6() decides PAGE_EXEC itself, from XN and PXN "
		"alone ('if (result->f.prot && !xn) result->f.prot |= PAGE_EXEC'), "
		"never reading SCTLR.UWXN nor WXN, which only get_S1prot(), the "
		"LPAE walk's, applies: the fetch goes on to stage 2 and runs (or "
		"takes stage 2's fault). Fixed in 9.2 by 'arm/ptw: Honour WXN/UWXN "
		"and SIF in short-format descriptors' (v6 calls get_S1prot())",
		FID_QEMU_7_2,
	},
	[DEV_SD_XN_BEFORE_AF - 1] = {
		"short-descriptor-xn-before-access-flag",
		"with SCTLR.AFE a Short-descriptor leaf whose AP[0] (the Access "
		"flag) is 0 gives an Access flag fault, taken in the walk "
		"(AArch32.TranslationTableWalkSD), before the domain and any "
		"permission, XN and PXN included, is checked",
		"get_phys_addr_v6() checks 'if (xn && access_type == "
		"MMU_INST_FETCH)' (XN, or PXN at PL1) first, a Permission fault, "
		"and only then AP[0] under SCTLR.AFE. 9.2's 'arm/ptw: Honour "
		"WXN/UWXN and SIF in short-format descriptors' moved the XN check "
		"into get_S1prot(), after the Access flag",
		FID_QEMU_7_2,
	},
	[DEV_SD_DOMAIN_FIRST - 1] = {
		"short-descriptor-domain-before-walk",
		"AArch32.TranslationTableWalkSD finishes the walk (the level-2 "
		"descriptor under a table: translation fault if invalid, stage-2 "
		"faults on its fetch) and takes the Access flag fault (SCTLR.AFE) "
		"before AArch32.CheckDomain: a Domain fault only for a leaf "
		"that was found",
		"get_phys_addr_v6() checks the level-1 entry's domain "
		"('if (domain_prot == 0 || domain_prot == 2)') right after reading "
		"it, before the level-2 descriptor is read (the level already set "
		"to 2 for a table) and before the Access flag: a Domain fault; "
		"still so in 10.0",
		FID_QEMU_7_2 | FID_QEMU_10_0,
	},
};
const unsigned fid_ndeviations = DEV_NR_PLUS1 - 1;

/* ATs that end QEMU (it asserts): never asked where confirmed. */
enum {
	FATAL_S2_PERM_ATTRS = 1,
	FATAL_NR_PLUS1,
};

const struct fid_deviation_info fid_fatals[] = {
	[FATAL_S2_PERM_ATTRS - 1] = {
		"at-s12-stage2-permission-abort",
		"AT S12E* whose final stage-2 lookup has no permission for the "
		"access reports a stage-2 permission fault in PAR_EL1 (S=1, "
		"PTW=0; AArch64.S2Translate, AArch64.S2CheckPermissions)",
		"since 'Determine cache attributes ... earlier in the function' "
		"(QEMU 8), get_phys_addr_lpae() sets cacheattrs.is_s2_format before "
		"the permission check; the fault returns with it set and "
		"do_ats_write() aborts on assert(!res.cacheattrs.is_s2_format)",
		FID_QEMU_10_0,
	},
};
const unsigned fid_nfatals = FATAL_NR_PLUS1 - 1;

unsigned fid_qemu_bit(unsigned v)
{
	return v == 702 ? FID_QEMU_7_2 : v == 1000 ? FID_QEMU_10_0 : 0;
}

static bool is_s1_op(enum s2_mmu_at_op op)
{
	return op == S2_MMU_AT_S1E1R || op == S2_MMU_AT_S1E1W ||
	       op == S2_MMU_AT_S1E0R || op == S2_MMU_AT_S1E0W;
}

/*
 * The stage-1 level whose descriptor is fetched from IPA @fipa on the walk
 * of @va (the earlier fetches translated with the model's stage 2), or -9.
 */
static int s1_fetch_level(const struct fid_gen *g, const struct fid_case *c,
			  uint64_t va, uint64_t fipa)
{
	int sel = fid_s1_select(c, va);
	const struct fid_geo *geo = &c->s1[sel];
	uint64_t ia = c->a32 ? (uint32_t)va : va, table = geo->root;

	if (c->sd)
		return fid_sd_fetch_level(g, c, va, fipa);
	if (!geo->valid)
		return -9;
	for (int l = geo->start; l <= 3; l++) {
		uint64_t daddr = table + fid_geo_index(geo, l, ia) * 8, d;
		struct s2_mmu_access a = { daddr, S2_MMU_READ, 1 };
		struct s2_mmu_result r;

		if (daddr == fipa)
			return l;
		if (l == 3 || s2_mmu_translate_s2(&g->mem, g->cpu, &c->regs, &a, &r) ||
		    r.fault.type || r.pa < g->mem.base ||
		    r.pa - g->mem.base > g->mem.size - 8)
			return -9;
		d = *(const uint64_t *)r.pa;
		if ((d & DESC_TYPE_MASK) != DESC_TYPE_TABLE)
			return -9;
		table = d & GENMASK(47, geo->gbits);
	}
	return -9;
}

/* The output size of @stage: min(PS or IPS, PAMax). */
static unsigned out_bits(const struct fid_gen *g, const struct fid_case *c, unsigned stage)
{
	static const uint8_t bits[8] = { 32, 36, 40, 42, 44, 48, 52, 52 };
	/* An AArch32 stage 1 (LPAE) outputs 40 bits. */
	unsigned ps = stage == 2 ? bits[(c->regs.vtcr_el2 >> 16) & 7]
		      : c->a32	 ? 40 : bits[(c->regs.tcr_el1 >> 32) & 7];

	return ps < g->cpu->pa_bits ? ps : g->cpu->pa_bits;
}

/* VTCR_EL2 names a start level that QEMU 7.2 rejects for PS < PAMax only. */
static bool s2_sl_vs_ps(const struct fid_gen *g, const struct fid_case *c)
{
	uint64_t vtcr = c->regs.vtcr_el2;
	unsigned tg = (vtcr >> 14) & 3, sl0 = (vtcr >> 6) & 3;
	unsigned ps = out_bits(g, c, 2), pamax = g->cpu->pa_bits;

	if (!(c->regs.hcr_el2 & HCR_EL2_VM) || !c->s2.valid)
		return false;
	/* 16K level 0 with DS=1 (FEAT_LPA2) */
	if (tg == 2 && sl0 == 3 && c->s2.ds)
		return true;
	if (sl0 != 2)
		return false;
	switch (tg) {
	case 0: return g->cpu->gran_4k && ps <= 42 && pamax >= 44;      /* 4K, L0 */
	case 2: return g->cpu->gran_16k && ps <= 40 && pamax >= 42;     /* 16K, L1 */
	case 1: return g->cpu->gran_64k && ps <= 42 && pamax >= 44;     /* 64K, L1 */
	default: return false;
	}
}

unsigned fid_s2_max_ia(const struct fid_gen *g, const struct fid_case *c)
{
	uint64_t vtcr = c->regs.vtcr_el2;
	bool k64 = ((vtcr >> 14) & 3) == 1, ds = g->cpu->lpa2 && !k64 && (vtcr & VTCR_EL2_DS);
	unsigned ips = g->cpu->pa_bits;

	if (ips == 52 && !k64 && !ds)
		ips = 48;
	return c->a32 && ips < 40 ? 40 : ips;
}

/*
 * VTCR_EL2's IPA size (an AArch64 EL1) is beyond what AArch64.S2MinTxSZ
 * allows, where the model faults, but within QEMU 10's bound: the stage-1
 * limits of aa64_va_parameters(), 48 bits, or 52 with DS or with the 64KB
 * granule and FEAT_LVA (which the CPUs with a 52-bit PAMax here have).
 */
static bool s2_ia_beyond_pamax(const struct fid_gen *g, const struct fid_case *c)
{
	uint64_t vtcr = c->regs.vtcr_el2;
	unsigned ia = 64 - (unsigned)(vtcr & 0x3f);
	bool k64 = ((vtcr >> 14) & 3) == 1;
	bool ds = g->cpu->lpa2 && !k64 && (vtcr & VTCR_EL2_DS);
	unsigned qemu_max = ds || (k64 && g->cpu->pa_bits == 52) ? 52 : 48;

	return (c->regs.hcr_el2 & HCR_EL2_VM) && !c->a32 &&
	       ia > fid_s2_max_ia(g, c) && ia <= qemu_max;
}

/*
 * VTCR_EL2's IPA size is beyond its output size, where QEMU 7.2 faults,
 * but within what AArch64.S2MinTxSZ allows: beyond that the model faults
 * at level 0 too, and both agree.
 */
static bool s2_ia_beyond_ps(const struct fid_gen *g, const struct fid_case *c)
{
	unsigned ia = 64 - (unsigned)(c->regs.vtcr_el2 & 0x3f);

	return (c->regs.hcr_el2 & HCR_EL2_VM) && ia > out_bits(g, c, 2) &&
	       ia <= fid_s2_max_ia(g, c) && (!c->a32 || ia > 40);
}

static bool blocks_at(const struct fid_gen *g, const struct fid_geo *geo,
		      int level)
{
	switch (geo->gbits) {
	case 12: return level == 1 || level == 2 || (level == 0 && geo->ds);
	case 14: return level == 2 || (level == 1 && geo->ds);
	default: return level == 2 || (level == 1 && g->cpu->pa_bits == 52);
	}
}

uint64_t fid_desc_at(const struct fid_gen *g, const struct fid_case *c,
		     const struct fid_geo *geo, unsigned stage, uint64_t ia,
		     int level)
{
	uint64_t table = geo->root;

	for (int l = geo->start; l <= level; l++) {
		uint64_t pa = table + fid_geo_index(geo, l, ia) * 8, d;

		if (stage == 1 && (c->regs.hcr_el2 & HCR_EL2_VM)) {
			struct s2_mmu_access a = { pa, S2_MMU_READ, 1 };
			struct s2_mmu_result r;

			if (s2_mmu_translate_s2(&g->mem, g->cpu, &c->regs, &a, &r) ||
			    r.fault.type)
				return 0;
			pa = r.pa;
		}
		if (pa < g->mem.base || pa - g->mem.base > g->mem.size - 8)
			return 0;
		d = *(const uint64_t *)pa;
		if (l == level)
			return d;
		if ((d & DESC_TYPE_MASK) != DESC_TYPE_TABLE)
			return 0;
		table = d & GENMASK(47, geo->gbits);
	}
	return 0;
}

/* The model's fault is a block at a level without blocks. */
static bool bad_block_fault(const struct fid_gen *g, const struct fid_case *c,
			    uint64_t va, const struct s2_mmu_result *res)
{
	const struct s2_mmu_fault *f = &res->fault;
	const struct fid_geo *geo;
	uint64_t ia, d;

	if (f->type != S2_MMU_FAULT_TRANSLATION || f->level < 0 || f->level > 2)
		return false;
	if (f->stage == 2) {
		geo = &c->s2;
		ia = f->ipa;
	} else {
		geo = &c->s1[fid_s1_select(c, va)];
		ia = c->a32 ? (uint32_t)va : va;
	}
	if (!geo->valid || blocks_at(g, geo, f->level))
		return false;
	d = fid_desc_at(g, c, geo, f->stage, ia, f->level);
	return (d & DESC_TYPE_MASK) == DESC_TYPE_BLOCK;
}

/* The model's address size fault comes from DS OA[51:50] alone. */
static bool ds_oa_high_fault(const struct fid_gen *g, const struct fid_case *c,
			     uint64_t va, const struct s2_mmu_result *res)
{
	const struct s2_mmu_fault *f = &res->fault;
	const struct fid_geo *geo;
	uint64_t d;

	if (f->type != S2_MMU_FAULT_ADDR_SIZE || f->level < 0)
		return false;
	geo = f->stage == 2 ? &c->s2 : &c->s1[fid_s1_select(c, va)];
	if (!geo->ds || !geo->valid)
		return false;
	d = fid_desc_at(g, c, geo, f->stage, f->stage == 2 ? f->ipa :
		    (c->a32 ? (uint32_t)va : va), f->level);
	return (d & DESC_OA52_LPA2_MASK) && !(d & GENMASK(49, 48));
}

/*
 * QEMU's answer @q went on past the descriptor the model faulted on
 * (deviations 4, 5): a PA, or a fault other than a translation fault
 * (nor, with @no_asz, an address size fault) at the model's level or
 * before on that stage. A block taken where the level has none may still
 * give an address size fault at that level: its OA is checked there.
 */
static bool walked_past(const struct s2_mmu_result *res, const struct fid_outcome *q,
			bool no_asz)
{
	const struct s2_mmu_fault *f = &res->fault;
	unsigned type = q->fst & 0x3c;
	bool same_stage = q->s == (f->stage == 2) && q->ptw == f->s1ptw;

	if (!q->f)
		return true;
	return !(same_stage && (type == 0x04 || (no_asz && type == 0x00)) &&
		 (int)(q->fst & 3) <= f->level);
}

/*
 * The level QEMU reports for a stage-2 fault it takes on the stage-1 walk
 * of @va before walking anything: 7.2 overwrites it with the walk's start
 * level (deviation 1's cause), 10.0 leaves the 0 it started with.
 */
static int qemu_walk_level(const struct fid_gen *g, const struct fid_case *c, uint64_t va)
{
	if (fid_qemu_bit(g->qemu_version) == FID_QEMU_7_2)
		return c->s1[fid_s1_select(c, va)].start;
	/* get_phys_addr_v6()'s do_fault sets the stage-1 level (deviation 8). */
	return c->sd ? 1 : 0;
}

/* QEMU refused the stage-2 setup (deviations 3, 7): a level-0 stage-2
 * translation fault, or that fault on the stage-1 walk. */
static bool qemu_s2_setup_fault(const struct fid_gen *g, const struct fid_case *c,
				uint64_t va, const struct fid_outcome *q)
{
	return q->f && q->s && (q->fst & 0x3c) == 0x04 &&
	       (int)(q->fst & 3) == (q->ptw ? qemu_walk_level(g, c, va) : 0);
}

/* Deviation @d is accepted against this QEMU. */
static bool on(const struct fid_gen *g, unsigned d)
{
	return fid_deviations[d - 1].versions & fid_qemu_bit(g->qemu_version);
}

/* The model's fault is HCR_EL2.PTW's: a stage-1 walk read Device memory
 * (an accessible stage-2 leaf, AArch64.S2ApplyFWBMemAttrs / S2AttrDecode). */
static bool ptw_device_fault(const struct fid_gen *g, const struct fid_case *c,
			     const struct s2_mmu_result *res)
{
	const struct s2_mmu_fault *f = &res->fault;
	uint64_t d;

	if (!(c->regs.hcr_el2 & HCR_EL2_PTW) || !f->s1ptw || f->stage != 2 ||
	    f->type != S2_MMU_FAULT_PERMISSION || f->level < 0)
		return false;
	d = fid_desc_at(g, c, &c->s2, 2, f->ipa, f->level);
	/*
	 * Device: MemAttr[3:2] = 0, under FWB MemAttr[2] = 0. AF=0 under
	 * VTCR_EL2.HA is no Access flag fault: the permission check comes
	 * first, and the model leaves the flag clear on its fault.
	 */
	return ((d & DESC_AF) || g->s2_ha) && (d & S2_DESC_S2AP_R) &&
	       !(d & ((c->regs.hcr_el2 & HCR_EL2_FWB ? 0x4ULL : 0xcULL) << S2_DESC_MEMATTR_SHIFT));
}

unsigned fid_deviation(const struct fid_gen *g, const struct fid_case *c,
		       enum s2_mmu_at_op op, uint64_t va,
		       const struct s2_mmu_result *res,
		       const struct fid_outcome *m, const struct fid_outcome *q)
{
	const struct s2_mmu_regs *r = &c->regs;

	/* Same fault type, S1PTW on both sides; the model's level is its
	 * stage-2 lookup's, QEMU's the stage-1 level of the fetch. */
	if (on(g, c->sd ? DEV_PTW_LEVEL_SD : DEV_PTW_LEVEL) && m->f && q->f && m->s &&
	    m->ptw && q->s && q->ptw &&
	    (m->fst & 0x3c) == (q->fst & 0x3c) && m->fst != q->fst &&
	    res->fault.s1ptw && res->fault.stage == 2 && res->fault.level >= 0 &&
	    (int)(m->fst & 3) == res->fault.level &&
	    (int)(q->fst & 3) == s1_fetch_level(g, c, va, res->fault.ipa))
		return c->sd ? DEV_PTW_LEVEL_SD : DEV_PTW_LEVEL;

	/* Stage 2 off, PTW set, stage-1-only AT with the MMU on: QEMU's
	 * stage-2 permission fault at the start level of the walk. */
	if (on(g, DEV_PTW_VM_OFF) && !(r->hcr_el2 & HCR_EL2_VM) && (r->hcr_el2 & HCR_EL2_PTW) &&
	    (r->sctlr_el1 & SCTLR_M) && is_s1_op(op) && !m->s &&
	    q->f && q->s && q->ptw && (q->fst & 0x3c) == 0x0c &&
	    (int)(q->fst & 3) == qemu_walk_level(g, c, va))
		return DEV_PTW_VM_OFF;

	/* A start level valid for PAMax but not for PS: QEMU's stage-2
	 * translation fault, level 0 (or the stage-1 level on a walk); the
	 * model walked the tables (its answer is theirs). */
	if (on(g, DEV_S2_SL_PS) && s2_sl_vs_ps(g, c) && res->desc_reads &&
	    qemu_s2_setup_fault(g, c, va, q))
		return DEV_S2_SL_PS;

	/* The same where the IPA size is beyond PS: QEMU 7.2's choice. */
	if (on(g, DEV_S2_IA_PS) && s2_ia_beyond_ps(g, c) && res->desc_reads &&
	    qemu_s2_setup_fault(g, c, va, q))
		return DEV_S2_IA_PS;

	/* The model stopped at a block where the level has none; QEMU took
	 * it as a block and went on: whatever it gives follows from that. */
	if (on(g, DEV_BLOCK_LEVEL) && m->f && bad_block_fault(g, c, va, res) &&
	    walked_past(res, q, false))
		return DEV_BLOCK_LEVEL;

	/* The model's address size fault from OA[51:50]; QEMU, ignoring
	 * them, walked past it (only where the output size is <= 48 bits). */
	if (on(g, DEV_DS_OA_HIGH) && m->f && ds_oa_high_fault(g, c, va, res) &&
	    out_bits(g, c, res->fault.stage) <= 48 && walked_past(res, q, true))
		return DEV_DS_OA_HIGH;

	/* The model's level-0 fault for an IPA size beyond PAMax's; QEMU
	 * walked (whatever it gives follows from the walk). */
	if (on(g, DEV_S2_MIN_TXSZ) && s2_ia_beyond_pamax(g, c) && m->f && m->s &&
	    (m->fst & 0x3f) == 0x04 && res->fault.type == S2_MMU_FAULT_TRANSLATION &&
	    res->fault.stage == 2 && res->fault.level == 0 && !(q->f && q->fst == m->fst))
		return DEV_S2_MIN_TXSZ;

	/* The same fault but level 0, where the cause is PTW and Device. */
	if (on(g, DEV_PTW_DEVICE_L0) && m->f && q->f && m->s && m->ptw && q->s && q->ptw &&
	    (m->fst & 0x3c) == 0x0c && (q->fst & 0x3c) == 0x0c && (q->fst & 3) == 0 &&
	    (m->fst & 3) != 0 && ptw_device_fault(g, c, res))
		return DEV_PTW_DEVICE_L0;
	return 0;
}

/* Two answers for a fetch agree (as fetch.c compares them). */
static bool fetch_agrees(const struct fid_outcome *a, const struct fid_outcome *b)
{
	return a->f == b->f &&
	       (!a->f || (a->fst == b->fst && a->s == b->s && a->ptw == b->ptw));
}

/*
 * Short descriptors, SCTLR.UWXN or WXN set: the model's stage-1
 * permission fault (its own answer) is theirs alone, and QEMU's answer is
 * the model's with both cleared (runs, or stage 2's fault).
 */
static bool sd_no_wxn(const struct fid_gen *g, const struct fid_case *c, uint64_t va,
		      unsigned el, const struct s2_mmu_result *res, const struct fid_outcome *m,
		      const struct fid_outcome *q)
{
	struct s2_mmu_regs r = c->regs;
	struct s2_mmu_access a = { va, S2_MMU_EXEC, (uint8_t)el };
	struct s2_mmu_result again;
	struct fid_outcome mm, o;

	if (!on(g, DEV_SD_NO_WXN) || !c->sd || !(r.sctlr_el1 & (SCTLR_UWXN | SCTLR_WXN)) ||
	    !m->f || m->s)
		return false;
	fid_decode_par(s2_mmu_par(res), &mm);
	if (!fetch_agrees(&mm, m) || res->fault.type != S2_MMU_FAULT_PERMISSION ||
	    res->fault.stage != 1)
		return false;
	r.sctlr_el1 &= ~(SCTLR_UWXN | SCTLR_WXN);
	if (s2_mmu_translate(&g->mem, g->cpu, &r, &a, &again) ||
	    (again.fault.type == S2_MMU_FAULT_PERMISSION && again.fault.stage == 1))
		return false;
	fid_decode_par(s2_mmu_par(&again), &o);
	return fetch_agrees(&o, q);
}

/*
 * Short descriptors under SCTLR.AFE: the model's Access flag fault (its
 * own answer) on an XN leaf (or PXN, at PL1); QEMU's a stage-1
 * permission fault at that level.
 */
static bool sd_xn_before_af(const struct fid_gen *g, const struct fid_case *c, uint64_t va,
			    unsigned el, const struct s2_mmu_result *res,
			    const struct fid_outcome *m, const struct fid_outcome *q)
{
	struct fid_outcome mm;
	bool xn, pxn;

	if (!on(g, DEV_SD_XN_BEFORE_AF) || !c->sd || !(c->regs.sctlr_el1 & SCTLR_AFE) ||
	    !m->f || m->s || !q->f || q->s || q->ptw)
		return false;
	fid_decode_par(s2_mmu_par(res), &mm);
	if (!fetch_agrees(&mm, m) || res->fault.type != S2_MMU_FAULT_ACCESS_FLAG ||
	    res->fault.stage != 1 || q->fst != (0x0c | (m->fst & 3)) ||
	    !fid_sd_leaf_xn(g, c, va, &xn, &pxn))
		return false;
	return xn || (el == 1 && pxn);
}

/*
 * Short descriptors, a level-1 entry (table or section) in a domain with
 * no access: the model's own answer a fault the walk takes before the
 * domain check (a stage-1 translation fault on the level-2 entry, an
 * Access flag fault, a stage-2 fault on the level-2 fetch); QEMU's a
 * Domain fault at the level of that entry's leaf (2 under a table).
 */
static bool sd_domain_first(const struct fid_gen *g, const struct fid_case *c, uint64_t va,
			    const struct s2_mmu_result *res, const struct fid_outcome *m,
			    const struct fid_outcome *q)
{
	const struct s2_mmu_fault *f = &res->fault;
	struct fid_outcome mm;
	bool table, walk;
	int dom;

	if (!on(g, DEV_SD_DOMAIN_FIRST) || !c->sd || !m->f || !q->f || q->s || q->ptw)
		return false;
	fid_decode_par(s2_mmu_par(res), &mm);
	dom = fid_sd_l1_domain(g, c, va, &table);
	if (!fetch_agrees(&mm, m) || dom < 0 || ((c->regs.dacr32_el2 >> (2 * dom)) & 1) ||
	    q->fst != (table ? 0x3e : 0x3d))
		return false;
	walk = f->stage == 1 ? (f->type == S2_MMU_FAULT_TRANSLATION && table && f->level == 2) ||
				       f->type == S2_MMU_FAULT_ACCESS_FLAG
			     : table && f->s1ptw && fid_sd_fetch_level(g, c, va, f->ipa) == 2;
	return walk;
}

unsigned fid_fetch_deviation(const struct fid_gen *g, const struct fid_case *c,
			     uint64_t va, unsigned el, const struct s2_mmu_result *res,
			     const struct fid_outcome *m, const struct fid_outcome *q)
{
	const struct s2_mmu_fault *f = &res->fault;
	struct s2_mmu_regs r = c->regs;
	struct s2_mmu_access a = { va, S2_MMU_EXEC, (uint8_t)el };
	struct s2_mmu_result again;
	struct fid_outcome mm, o;
	uint64_t d;

	if (sd_no_wxn(g, c, va, el, res, m, q))
		return DEV_SD_NO_WXN;
	if (sd_xn_before_af(g, c, va, el, res, m, q))
		return DEV_SD_XN_BEFORE_AF;
	if (sd_domain_first(g, c, va, res, m, q))
		return DEV_SD_DOMAIN_FIRST;
	if (!on(g, DEV_FETCH_DBM_RO) || c->a32 || !(r.sctlr_el1 & SCTLR_M) ||
	    (r.tcr_el1 & (TCR_EL1_HA | TCR_EL1_HD)) != (TCR_EL1_HA | TCR_EL1_HD))
		return 0;
	/* The model's own answer: a stage-1 permission fault. */
	fid_decode_par(s2_mmu_par(res), &mm);
	if (!fetch_agrees(&mm, m) || f->type != S2_MMU_FAULT_PERMISSION || f->stage != 1 ||
	    f->level < 0)
		return 0;
	/* On a writable-clean leaf: DBM=1, AP[2]=1 in memory. */
	d = fid_desc_at(g, c, &c->s1[fid_s1_select(c, va)], 1, va, f->level);
	if ((d & DESC_TYPE_MASK) == DESC_TYPE_TABLE && f->level < 3)
		return 0;
	if (!(d & DESC_DBM) || !(d & (S1_DESC_AP_RO_EL1 << S1_DESC_AP_SHIFT)))
		return 0;
	/* QEMU's answer is the model's with AP[2] as memory has it: TCR_EL1.HD
	 * off (a fetch makes nothing dirty, so only the permissions move). */
	r.tcr_el1 &= ~TCR_EL1_HD;
	if (s2_mmu_translate(&g->mem, g->cpu, &r, &a, &again))
		return 0;
	fid_decode_par(s2_mmu_par(&again), &o);
	return fetch_agrees(&o, q) ? DEV_FETCH_DBM_RO : 0;
}

static bool is_write_op(enum s2_mmu_at_op op)
{
	return op == S2_MMU_AT_S12E1W || op == S2_MMU_AT_S12E0W ||
	       op == S2_MMU_AT_S1E1W || op == S2_MMU_AT_S1E0W;
}

unsigned fid_fatal(const struct fid_gen *g, const struct fid_case *c, enum s2_mmu_at_op op,
		   uint64_t va, const struct s2_mmu_result *res)
{
	const struct s2_mmu_fault *f = &res->fault;
	uint64_t d;

	if (!(fid_fatals[FATAL_S2_PERM_ATTRS - 1].versions & fid_qemu_bit(g->qemu_version)) ||
	    is_s1_op(op) || f->stage != 2 || f->s1ptw)
		return 0;
	if (f->type == S2_MMU_FAULT_PERMISSION)
		return FATAL_S2_PERM_ATTRS;
	/* Deviation 5 first: QEMU ignores the leaf's OA[51:50], takes the
	 * leaf, and dies in its permission check. */
	if (on(g, DEV_DS_OA_HIGH) && ds_oa_high_fault(g, c, va, res)) {
		d = fid_desc_at(g, c, &c->s2, 2, f->ipa, f->level);
		if ((d & DESC_AF) &&
		    !(d & (is_write_op(op) ? S2_DESC_S2AP_W : S2_DESC_S2AP_R)))
			return FATAL_S2_PERM_ATTRS;
	}
	return 0;
}

/* The Access flag alone, set by QEMU only, on a permission fault. */
static bool af_on_perm_fault(const struct fid_gen *g, const struct fid_outcome *m,
			     uint64_t model, uint64_t qemu)
{
	return on(g, DEV_AF_PERM_FAULT) && m->f && (m->fst & 0x3c) == 0x0c &&
	       (model ^ qemu) == DESC_AF && (qemu & DESC_AF);
}

unsigned fid_store_desc_deviation(const struct fid_gen *g, const struct fid_outcome *m,
				  uint64_t model, uint64_t qemu)
{
	/* A store is no AT: deviation 9 is not one; a store makes dirty. */
	return af_on_perm_fault(g, m, model, qemu) ? DEV_AF_PERM_FAULT : 0;
}

unsigned fid_desc_deviation(const struct fid_gen *g, enum s2_mmu_at_op op,
			    enum fid_slot_kind kind, const struct fid_outcome *m,
			    bool s1_dirtied, uint64_t model, uint64_t qemu)
{
	/*
	 * Stage 1's update comes before stage 2 translates the output
	 * (AArch64.S1Translate, then AArch64.S2Translate in
	 * AArch64.FullTranslate): a stage-2 fault there, not on the walk
	 * (PTW), leaves stage 1 translated.
	 */
	bool translated = !m->f || (kind == FID_SLOT_S1_LEAF && m->s && !m->ptw);
	bool write = op == S2_MMU_AT_S1E1W || op == S2_MMU_AT_S1E0W ||
		     op == S2_MMU_AT_S12E1W || op == S2_MMU_AT_S12E0W;
	/* AP[2] and S2AP[1] are both bit 7; dirty is 0 at stage 1, 1 at stage 2. */
	uint64_t dirty_bit = S2_DESC_S2AP_W;
	bool s1 = kind == FID_SLOT_S1_LEAF;

	if (af_on_perm_fault(g, m, model, qemu))
		return DEV_AF_PERM_FAULT;
	if (!(fid_deviations[DEV_AT_DIRTY - 1].versions & fid_qemu_bit(g->qemu_version)))
		return 0;
	/* Only the final leaves of a write AT whose stage 1 translated
	 * (@translated: stage 2's leaf too), with DBM. */
	/* QEMU's write of that dirty stage-1 leaf, through stage 2, made the
	 * table page's writable-clean stage-2 leaf dirty in turn. */
	if (kind == FID_SLOT_S2_TWALK && s1_dirtied)
		translated = true;
	else if (kind != FID_SLOT_S1_LEAF && kind != FID_SLOT_S2_LEAF)
		return 0;
	if (!write || !translated || (model ^ qemu) != dirty_bit || !(model & DESC_DBM))
		return 0;
	/* The model's leaf clean, QEMU's dirty; nothing else differs. */
	if (s1 ? !(model & dirty_bit) : (model & dirty_bit))
		return 0;
	return DEV_AT_DIRTY;
}

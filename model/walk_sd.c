/* SPDX-License-Identifier: MIT */
/*
 * The AArch32 Short-descriptor stage 1 of the MMU model (VMSAv8-32,
 * TTBCR.EAE=0; Arm ARM DDI 0487 G5.4), written from the pseudocode:
 * AArch32.TranslationTableWalkSD (TTBR0/TTBR1 by TTBCR.N, PD0/PD1, the
 * level-1 section, supersection and page table, the level-2 large and
 * small page, the Access flag with SCTLR.AFE), AArch32.DefaultTEXDecode
 * and AArch32.RemappedTEXDecode (SCTLR.TRE, PRRR/NMRR), then
 * AArch32.FirstStageTranslate's AArch32.CheckDomain (DACR) and
 * AArch32.CheckPermission. Each 32-bit descriptor is fetched through
 * stage 2 by the general walker's fetch (walk.c), so stage-2 faults on
 * the walk are S1PTW faults as for the other formats. Freestanding.
 *
 * Not modelled: SCTLR.EE (big-endian tables), PSTATE.PAN, alignment
 * faults (an access has no size here), the NS bit (Non-secure EL1: every
 * access is Non-secure, as IsSecure() is false).
 */
#include <stdbool.h>
#include <stdint.h>

#include <s2mm/arch.h>
#include <s2mm/arch_sd.h>
#include <s2mm/mmu.h>
#include <s2mm/tlb.h>

#include "attr.h"
#include "internal.h"
#include "tlb_sets.h"
#include "walk.h"
#include "walk_sd.h"

static bool sd_fault(struct s2_mmu_fault *f, unsigned type, int level)
{
	f->type = (uint8_t)type;
	f->level = (int8_t)level;
	f->stage = 1;
	return false;
}

/*
 * Fetch the 32-bit descriptor at @ipa: the walker's fetch reads the
 * aligned doubleword holding it (stage 2, S1PTW faults, HCR_EL2.PTW),
 * little-endian (SCTLR.EE=0). Returns a fault type, 0 with @d set.
 */
static unsigned sd_fetch(struct s2_walk *w, uint32_t ipa, int level,
			 uint32_t *d, struct s2_mmu_fault *f)
{
	uint64_t dw;
	unsigned t = s2_model_s1_fetch(w, ipa & ~7u, level, &dw, f);

	if (t) {
		if (f->s1ptw)   /* the descriptor's own IPA (HPFAR, FAR) */
			f->ipa = ipa;
		return t;
	}
	*d = (uint32_t)(ipa & 4 ? dw >> 32 : dw);
	return 0;
}

/*
 * ShortConvertAttrsHints: a 2-bit RGN (C:B, TEX[1:0], NMRR.IRn/ORn) as a
 * MAIR nibble: Non-cacheable, WB RA WA, WT RA, WB RA.
 */
static unsigned sd_hints(unsigned rgn)
{
	static const uint8_t nibble[4] = { 0x4, 0xf, 0xa, 0xe };

	return nibble[rgn & 3];
}

/*
 * The stage-1 memory attributes of TEX[2:0], C, B and S, in MAIR format
 * with a shareability: AArch32.DefaultTEXDecode (SCTLR.TRE=0) or
 * AArch32.RemappedTEXDecode (SCTLR.TRE=1: region TEX[0]:C:B of PRRR and
 * NMRR, which are MAIR_EL1[31:0] and [63:32]). The model's choices where
 * the architecture leaves one: the reserved encodings (TEX=001 with
 * C:B=01, TEX=010 with C:B!=00, TEX=011; PRRR.TRn=11) are
 * Device-nGnRnE, the IMPLEMENTATION DEFINED TEX=001 C:B=10 is Normal
 * Non-cacheable, and remap region 6 decodes like the others.
 */
static void sd_attr(const struct s2_mmu_regs *regs, unsigned tex, unsigned cb,
		    bool s, uint8_t *attr, uint8_t *sh)
{
	unsigned inner, outer;
	bool shareable, outer_sh;

	if (regs->sctlr_el1 & SCTLR_TRE) {
		uint32_t prrr = (uint32_t)regs->mair_el1;
		uint32_t nmrr = (uint32_t)(regs->mair_el1 >> 32);
		unsigned region = (tex & 1) << 2 | cb, tr;
		bool s_bit;

		tr = (prrr >> (2 * region)) & 3;
		if (tr != PRRR_TR_NORMAL) {
			*attr = tr == PRRR_TR_DEVICE_nGnRE ? 0x04 : 0x00;
			*sh = DESC_SH_OS;
			return;
		}
		inner = sd_hints(nmrr >> (2 * region));
		outer = sd_hints(nmrr >> (2 * region + NMRR_OR_SHIFT));
		s_bit = prrr & (s ? PRRR_NS1 : PRRR_NS0);
		shareable = s_bit;
		outer_sh = s_bit && !((prrr >> (PRRR_NOS_SHIFT + region)) & 1);
	} else {
		unsigned texcb = tex << 2 | cb;

		if (tex & 4) {   /* TEX[1:0] outer, C:B inner */
			inner = sd_hints(cb);
			outer = sd_hints(tex);
		} else if (texcb == 0x01 || texcb == 0x08) {
			*attr = 0x04;   /* Device-nGnRE */
			*sh = DESC_SH_OS;
			return;
		} else if (texcb == 0x02 || texcb == 0x03 || texcb == 0x04) {
			inner = outer = sd_hints(cb);
		} else if (texcb == 0x07) {
			inner = outer = sd_hints(1);   /* WB RA WA */
		} else if (texcb == 0x06) {
			inner = outer = sd_hints(0);
		} else {   /* 00000 Device-nGnRnE, and the reserved ones */
			*attr = 0x00;
			*sh = DESC_SH_OS;
			return;
		}
		/* No Inner Shareable without remap: S is Outer Shareable. */
		shareable = outer_sh = s;
	}
	*attr = (uint8_t)(outer << 4 | inner);
	*sh = !shareable ? DESC_SH_NS : outer_sh ? DESC_SH_OS : DESC_SH_IS;
}

/*
 * What AP[2:0], XN and PXN grant in a Client domain
 * (AArch32.CheckPermission): with SCTLR.AFE=1 or AP[0]=1, AP[2] removes
 * writes and AP[1] gives PL0 access (writes with AP[2:1]=01); otherwise
 * (AP[0]=0, AFE=0) AP[2:1]=00 is no access, 01 PL1 read/write and PL0
 * read, 1x read-only at PL1 and, with AP[1], at PL0. A PL0 fetch needs
 * PL0 read access, a PL1 fetch PL1 read access; XN stops both, PXN PL1;
 * SCTLR.WXN makes writable memory execute-never at its level, SCTLR.UWXN
 * PL0-writable memory at PL1.
 */
static uint8_t sd_perm(unsigned ap, bool xn, bool pxn, uint64_t sctlr)
{
	unsigned ap21 = (ap >> 1) & 3;
	bool priv_r, priv_w, user_r = ap & 2, user_w, wxn, uwxn, user_x, priv_x;
	uint8_t p = 0;

	if ((sctlr & SCTLR_AFE) || (ap & 1)) {
		priv_r = true;
		priv_w = !(ap & 4);
		user_w = ap21 == 1;
	} else {
		priv_r = ap21 != 0;
		priv_w = ap21 == 1;
		user_w = false;
	}
	wxn = sctlr & SCTLR_WXN;
	uwxn = sctlr & SCTLR_UWXN;
	user_x = user_r && !xn && !(user_w && wxn);
	priv_x = priv_r && !xn && !pxn && !(priv_w && wxn) && !(user_w && uwxn);
	p |= user_r ? S2_MMU_PERM_R0 : 0;
	p |= user_w ? S2_MMU_PERM_W0 : 0;
	p |= user_x ? S2_MMU_PERM_X0 : 0;
	p |= priv_r ? S2_MMU_PERM_R1 : 0;
	p |= priv_w ? S2_MMU_PERM_W1 : 0;
	p |= priv_x ? S2_MMU_PERM_X1 : 0;
	return p;
}

/* DACR's field for @domain (AArch32.CheckDomain). */
static unsigned sd_dacr(const struct s2_mmu_regs *regs, unsigned domain)
{
	return (unsigned)(regs->dacr32_el2 >> (2 * domain)) & 3;
}

/*
 * AArch32.CheckDomain: No access is a Domain fault; the reserved value
 * 0b10 too (CONSTRAINED UNPREDICTABLE, the model takes "no access", as
 * QEMU does). Returns whether permissions are checked (Client), or
 * false with a Domain fault in @f.
 */
static bool sd_check_domain(const struct s2_mmu_regs *regs, unsigned domain,
			    int level, struct s2_mmu_fault *f, bool *check)
{
	unsigned dacr = sd_dacr(regs, domain);

	if (dacr == DACR_NO_ACCESS || dacr == DACR_RESERVED)
		return sd_fault(f, S2_MMU_FAULT_DOMAIN, level);
	*check = dacr == DACR_CLIENT;
	return true;
}

/* The leaf a short-descriptor walk ends on, decoded. */
struct sd_leaf {
	uint64_t out;      /* output address of the VA */
	unsigned ap;       /* AP[2:0] */
	unsigned tex;      /* TEX[2:0] */
	unsigned cb;       /* C:B */
	unsigned domain;
	int level;
	unsigned shift;
	bool s, ng, xn, pxn;
};

/*
 * AArch32.TranslationTableWalkSD for @va up to the leaf, the Access flag
 * check included. Returns false on a fault (in @f, with the domain in
 * @lf->domain when the walk knew it).
 */
static bool sd_walk(struct s2_walk *w, uint32_t va, struct sd_leaf *lf,
		    struct s2_mmu_fault *f)
{
	const struct s2_mmu_regs *regs = w->regs;
	uint32_t ttbcr = (uint32_t)regs->tcr_el1, ttbr, d, ipa;
	unsigned n = (unsigned)S2_FIELD_GET(TTBCR_N, ttbcr);
	bool afe = regs->sctlr_el1 & SCTLR_AFE, disabled;

	/* TTBR0 below 2^(32-N); TTBR1 above, walked as TTBR0 with N=0. */
	if (n == 0 || !(va >> (32 - n))) {
		ttbr = (uint32_t)regs->ttbr0_el1;
		disabled = ttbcr & TTBCR_PD0;
	} else {
		ttbr = (uint32_t)regs->ttbr1_el1;
		disabled = ttbcr & TTBCR_PD1;
		n = 0;
	}
	lf->domain = 0;   /* UNKNOWN until a descriptor gives it */
	if (disabled)
		return sd_fault(f, S2_MMU_FAULT_TRANSLATION, 1);
	/* Level 1: TTBR[31:14-N], VA[31-N:20], 4 bytes per entry. */
	ipa = (ttbr & (uint32_t)GENMASK(31, 14 - n)) |
	      ((va >> 20) & (0xfffu >> n)) << 2;
	if (sd_fetch(w, ipa, 1, &d, f))
		return false;
	switch (d & SD_L1_TYPE_MASK) {
	case SD_L1_FAULT:
		return sd_fault(f, S2_MMU_FAULT_TRANSLATION, 1);
	case SD_L1_TABLE:
		lf->domain = (unsigned)S2_FIELD_GET(SD_DOMAIN, d);
		lf->pxn = d & SD_L1T_PXN;
		/* Level 2: the table at d[31:10], VA[19:12]. */
		ipa = (d & (uint32_t)SD_L1T_BASE_MASK) | ((va >> 12) & 0xff) << 2;
		if (sd_fetch(w, ipa, 2, &d, f))
			return false;
		if ((d & SD_L2_TYPE_MASK) == SD_L2_FAULT)
			return sd_fault(f, S2_MMU_FAULT_TRANSLATION, 2);
		lf->level = 2;
		lf->ng = d & SD_L2_NG;
		lf->s = d & SD_L2_S;
		lf->ap = (unsigned)S2_FIELD_GET(SD_L2_AP, d) | (d & SD_L2_AP2 ? 4 : 0);
		/* ARMv8 has no hardware Access flag for this format. */
		if (afe && !(d & BIT(SD_L2_AP_SHIFT)))
			return sd_fault(f, S2_MMU_FAULT_ACCESS_FLAG, 2);
		lf->cb = (d >> 2) & 3;
		if (d & SD_L2_SMALL) {
			lf->xn = d & SD_L2_SMALL_XN;
			lf->tex = (unsigned)S2_FIELD_GET(SD_L2_SMALL_TEX, d);
			lf->shift = 12;
			lf->out = (d & SD_L2_SMALL_BASE_MASK) | (va & 0xfff);
		} else {
			lf->xn = d & SD_L2_LARGE_XN;
			lf->tex = (unsigned)S2_FIELD_GET(SD_L2_LARGE_TEX, d);
			lf->shift = 16;
			lf->out = (d & SD_L2_LARGE_BASE_MASK) | (va & 0xffff);
		}
		return true;
	default:   /* 1x: section or supersection, bit 0 is PXN */
		lf->level = 1;
		lf->pxn = d & SD_SECT_PXN;
		lf->ng = d & SD_SECT_NG;
		lf->s = d & SD_SECT_S;
		lf->ap = (unsigned)S2_FIELD_GET(SD_SECT_AP, d) | (d & SD_SECT_AP2 ? 4 : 0);
		lf->tex = (unsigned)S2_FIELD_GET(SD_SECT_TEX, d);
		lf->xn = d & SD_SECT_XN;
		lf->cb = (d >> 2) & 3;
		if (!(d & SD_SECT_SUPER))
			lf->domain = (unsigned)S2_FIELD_GET(SD_DOMAIN, d);
		if (afe && !(d & BIT(SD_SECT_AP_SHIFT)))
			return sd_fault(f, S2_MMU_FAULT_ACCESS_FLAG, 1);
		if (!(d & SD_SECT_SUPER)) {
			lf->shift = 20;
			lf->out = (d & SD_SECT_BASE_MASK) | (va & 0xfffff);
		} else {
			/*
			 * Supersection (domain 0): PA[39:36] from d[8:5],
			 * PA[35:32] from d[23:20], PA[31:24] from d[31:24];
			 * bits above the CPU's PA size are not implemented.
			 */
			uint64_t pa = (d & SD_SUPER_BASE_MASK) |
				      (uint64_t)((d >> SD_SUPER_PA35_32_SHIFT) & 0xf) << 32 |
				      (uint64_t)((d >> SD_SUPER_PA39_36_SHIFT) & 0xf) << 36;

			lf->shift = 24;
			lf->out = (pa & LOWMASK(w->cpu->pa_bits)) | (va & 0xffffff);
		}
		return true;
	}
}

bool s2_model_walk_sd(struct s2_walk *w, const struct s2_mmu_access *acc,
		      struct s2_mmu_result *res, uint8_t *attr, uint8_t *sh)
{
	const struct s2_mmu_regs *regs = w->regs;
	struct s2_mmu_fault *f = &res->fault;
	struct sd_leaf lf;
	bool check = false;

	lf.level = 1;
	if (!sd_walk(w, (uint32_t)acc->va, &lf, f)) {
		res->domain = (uint8_t)lf.domain;
		return false;
	}
	res->domain = (uint8_t)lf.domain;
	res->s1_perm = sd_perm(lf.ap, lf.xn, lf.pxn, regs->sctlr_el1);
	res->s1_level = (int8_t)lf.level;
	res->s1_shift = (uint8_t)lf.shift;
	res->global = !lf.ng;
	res->asid = res->global ? 0 :
		    (uint16_t)S2_FIELD_GET(CONTEXTIDR_ASID, regs->contextidr_el1);
	res->ipa = lf.out;
	/* AArch32.FirstStageTranslate: the domain, then permissions. */
	if (!sd_check_domain(regs, lf.domain, lf.level, f, &check))
		return false;
	if (check && !s2_model_perm_ok(res->s1_perm, acc->acc, acc->el))
		return sd_fault(f, S2_MMU_FAULT_PERMISSION, lf.level);
	sd_attr(regs, lf.tex, lf.cb, lf.s, attr, sh);
	return true;
}

void s2_model_sd_from_entry(const struct s2_tlb_entry *e,
			    const struct s2_mmu_regs *regs,
			    const struct s2_mmu_access *acc, uint64_t in,
			    struct s2_mmu_result *res)
{
	struct s2_mmu_fault *f = &res->fault;
	bool check = false;

	tlb_hit_result(e, acc, in, res);
	/* No TLB holds the DACR: every access checks the domain anew. */
	if (!sd_check_domain(regs, e->domain, e->s1_level, f, &check))
		return;
	if (check && !s2_model_perm_ok(e->s1_perm, acc->acc, acc->el)) {
		sd_fault(f, S2_MMU_FAULT_PERMISSION, e->s1_level);
	} else if (!s2_model_perm_ok(e->s2_perm, acc->acc, acc->el)) {
		f->type = S2_MMU_FAULT_PERMISSION;
		f->level = e->s2_level;
		f->stage = 2;
		f->ipa = res->ipa;
		f->ipa_valid = true;
	}
}

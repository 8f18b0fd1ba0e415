/* SPDX-License-Identifier: MIT */
/*
 * s2mm explain: an AArch32 stage 1 in the Short-descriptor format
 * (TTBCR.EAE=0): sections, supersections, large and small pages, the
 * TTBR0/TTBR1 split by TTBCR.N, domains (DACR) and AP[2:0]/XN/PXN.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <s2mm/arch.h>
#include <s2mm/arch_sd.h>

#include "explain.h"

/* An AArch32 EL1 walking short descriptors (TTBCR.EAE=0)? */
bool explain_sd_regs(const struct s2_mmu_regs *r)
{
	return !(r->hcr_el2 & HCR_EL2_RW) && !(r->tcr_el1 & TTBCR_EAE);
}

static uint32_t rd32(const struct sim_view *v, uint64_t pa)
{
	const void *p = s2_physmem_va(v->pm, pa, 4);
	uint32_t d = 0;

	if (p)
		memcpy(&d, p, sizeof(d));
	return d;
}

/*
 * Short-descriptor permissions in a Client domain (AArch32.CheckPermission):
 * AP[2:0] (AP[0] the Access flag with SCTLR.AFE=1), XN, PXN, SCTLR.WXN
 * and UWXN. Return: NULL when the access is allowed, else why not.
 */
static const char *sd_denied(const struct walk *w, unsigned int ap, bool xn, bool pxn)
{
	uint64_t sctlr = w->v->regs->sctlr_el1;
	unsigned int ap21 = (ap >> 1) & 3;
	bool simple = (sctlr & SCTLR_AFE) || (ap & 1);
	bool pr = simple || ap21, pw = simple ? !(ap & 4) : ap21 == 1;
	bool ur = ap & 2, uw = simple && ap21 == 1;
	bool wxn = sctlr & SCTLR_WXN, uwxn = sctlr & SCTLR_UWXN;

	switch (w->acc) {
	case S2_MMU_READ:
		if (w->el ? pr : ur)
			return NULL;
		return w->el ? "AP: no PL1 access" : "AP: no PL0 access";
	case S2_MMU_WRITE:
		if (w->el ? pw : uw)
			return NULL;
		if (w->el ? pr : ur)
			return w->el ? "AP: read-only at PL1" : "AP: read-only at PL0";
		return w->el ? "AP: no PL1 access" : "AP: no PL0 access";
	}
	if (!(w->el ? pr : ur))
		return w->el ? "AP: no PL1 access, so no execution"
			     : "PL0 executes only what it may read, and AP gives PL0 no access";
	if (xn)
		return "XN=1";
	if (w->el && pxn)
		return "PXN=1";
	if (wxn && (w->el ? pw : uw))
		return "SCTLR.WXN=1: writable memory never executes";
	if (w->el && uwxn && uw)
		return "SCTLR.UWXN=1: memory PL0 may write never executes at PL1";
	return NULL;
}

static const char *const dacr_names[4] = { "no access", "Client", "reserved",
					   "Manager" };

/*
 * The short-descriptor stage 1 of @va (AArch32.TranslationTableWalkSD,
 * then the domain and permission checks of AArch32.FirstStageTranslate),
 * each 32-bit descriptor read through its own stage-2 walk. Returns true
 * with the output IPA in *@ipa.
 */
/*
 * An invalid level-@level descriptor @d (entry @idx, at PA @dpa): a
 * stage-1 translation fault the guest takes. Return: false, the walk ends.
 */
static bool sd_invalid(struct walk *w, int level, uint32_t idx, uint64_t dpa,
		       uint32_t d)
{
	char what[160];

	snprintf(what, sizeof(what), "L%d [%" PRIu32 "] invalid: stage-1 translation "
		 "fault, level %d (%s; to the guest)", level, idx, level,
		 level == 1 ? "section" : "page");
	explain_add(w, level, -9, dpa, d, true, what);
	explain_fault_at(w, S2_MMU_FAULT_TRANSLATION, 1, level, false);
	snprintf(w->fault_what, sizeof(w->fault_what),
		 "stage-1 translation fault, level %d", level);
	return false;
}

bool explain_walk_sd(struct walk *w, uint32_t va, uint64_t *ipa)
{
	const struct s2_mmu_regs *r = w->v->regs;
	uint32_t ttbcr = (uint32_t)r->tcr_el1, ttbr, d, dipa, idx;
	unsigned int n = ttbcr & 7, dom, level = 1, ap, tex, dacr;
	bool pd, one = !n || !(va >> (32 - n)), xn, pxn, af_fault, fault;
	uint64_t dpa, size, oa;
	const char *kind, *denied = NULL;
	char what[200];
	int len;

	ttbr = (uint32_t)(one ? r->ttbr0_el1 : r->ttbr1_el1);
	pd = ttbcr & (one ? TTBCR_PD0 : TTBCR_PD1);
	if (!one)
		n = 0;   /* TTBR1 is walked as TTBR0 with N=0 */
	if (pd) {
		printf(" TTBR%d walks are disabled (TTBCR.PD%d=1): stage-1 translation "
		       "fault, level 1, no descriptor read\n", !one, !one);
		explain_fault_at(w, S2_MMU_FAULT_TRANSLATION, 1, 1, false);
		snprintf(w->fault_what, sizeof(w->fault_what),
			 "stage-1 translation fault, level 1: TTBCR.PD%d=1", !one);
		return false;
	}
	idx = (va >> 20) & (0xfffu >> n);
	dipa = (ttbr & ~((1u << (14 - n)) - 1)) + idx * 4;
	printf(" stage 1 level 1 (TTBR%d, short descriptors): descriptor [%" PRIu32 "] at "
	       "IPA %#" PRIx32 ", its stage-2 walk:\n", !one, idx, dipa);
	if (!explain_s2_walk(w, 1, dipa, S2_FOR_FETCH, &dpa))
		return false;
	d = rd32(w->v, dpa);
	if ((d & 3) == 0)
		return sd_invalid(w, 1, idx, dpa, d);
	if ((d & 3) == 1) {
		uint32_t l2 = d & 0xfffffc00u;

		dom = (d >> 5) & 0xf;
		pxn = d & 4;
		snprintf(what, sizeof(what), "L1 [%" PRIu32 "] page table -> IPA %#" PRIx32
			 " domain %u PXN=%d", idx, l2, dom, pxn);
		explain_add(w, 1, -9, dpa, d, false, what);
		level = 2;
		idx = (va >> 12) & 0xff;
		dipa = l2 + idx * 4;
		printf(" stage 1 level 2: descriptor [%" PRIu32 "] at IPA %#" PRIx32
		       ", its stage-2 walk:\n", idx, dipa);
		if (!explain_s2_walk(w, 2, dipa, S2_FOR_FETCH, &dpa))
			return false;
		d = rd32(w->v, dpa);
		if ((d & 3) == 0)
			return sd_invalid(w, 2, idx, dpa, d);
		ap = ((d >> 4) & 3) | ((d >> 7) & 4);
		if (d & 2) {
			kind = "small page";
			size = 1ULL << 12;
			xn = d & 1;
			tex = (d >> 6) & 7;
		} else {
			kind = "large page";
			size = 1ULL << 16;
			xn = (d >> 15) & 1;
			tex = (d >> 12) & 7;
		}
		oa = d & ~(uint32_t)(size - 1);
	} else {
		pxn = d & 1;
		ap = ((d >> 10) & 3) | ((d >> 13) & 4);
		tex = (d >> 12) & 7;
		xn = (d >> 4) & 1;
		if (d & (1u << 18)) {
			/* PA[39:36] in d[8:5], PA[35:32] in d[23:20]. */
			kind = "supersection";
			size = 1ULL << 24;
			dom = 0;
			oa = (d & 0xff000000u) | (uint64_t)((d >> 20) & 0xf) << 32 |
			     (uint64_t)((d >> 5) & 0xf) << 36;
			if (w->v->cpu->pa_bits < 64)
				oa &= (1ULL << w->v->cpu->pa_bits) - 1;
		} else {
			kind = "section";
			size = 1ULL << 20;
			dom = (d >> 5) & 0xf;
			oa = d & 0xfff00000u;
		}
	}
	*ipa = oa | (va & (size - 1));
	dacr = (unsigned int)(r->dacr32_el2 >> (2 * dom)) & 3;
	/* The walk's Access flag check, then the domain, then AP. */
	af_fault = (r->sctlr_el1 & SCTLR_AFE) && !(ap & 1);
	if (!af_fault && dacr == DACR_CLIENT)
		denied = sd_denied(w, ap, xn, pxn);
	fault = af_fault || dacr == DACR_NO_ACCESS || dacr == DACR_RESERVED || denied;
	len = snprintf(what, sizeof(what), "L%u [%" PRIu32 "] %s -> IPA %#" PRIx64
		       " domain %u (DACR: %s) AP[2:0]=%u%u%u TEX=%u C=%u B=%u S=%d nG=%d "
		       "XN=%d PXN=%d", level, idx, kind, oa, dom, dacr_names[dacr],
		       (ap >> 2) & 1, (ap >> 1) & 1, ap & 1, tex, (d >> 3) & 1, (d >> 2) & 1,
		       level == 2 ? (d >> 10) & 1 : (d >> 16) & 1,
		       level == 2 ? (d >> 11) & 1 : (d >> 17) & 1, xn, pxn);
	if (len > 0 && (size_t)len < sizeof(what) && fault)
		snprintf(what + len, sizeof(what) - (size_t)len, ": stage-1 %s fault",
			 af_fault ? "access flag" : denied ? "permission" : "domain");
	explain_add(w, (int)level, -9, dpa, d, fault, what);
	if (!fault) {
		if (dacr == DACR_MANAGER)
			printf("      domain %u is a Manager: no permission check (AP, XN)\n", dom);
		return true;
	}
	if (af_fault) {
		explain_fault_at(w, S2_MMU_FAULT_ACCESS_FLAG, 1, (int)level, false);
		snprintf(w->fault_what, sizeof(w->fault_what), "stage-1 access flag fault, "
			 "level %u: SCTLR.AFE=1 and AP[0]=0", level);
	} else if (!denied) {
		explain_fault_at(w, S2_MMU_FAULT_DOMAIN, 1, (int)level, false);
		snprintf(w->fault_what, sizeof(w->fault_what), "stage-1 domain fault, "
			 "level %u: DACR gives domain %u %s", level, dom, dacr_names[dacr]);
	} else {
		printf("      %s at PL%u denied: %s\n", explain_acc_names[w->acc], w->el, denied);
		explain_fault_at(w, S2_MMU_FAULT_PERMISSION, 1, (int)level, false);
		snprintf(w->fault_what, sizeof(w->fault_what), "stage-1 permission fault, "
			 "level %u: %s", level, denied);
	}
	printf(" the walk stops here: a stage-1 fault is taken before stage 2 translates "
	       "the output IPA %#" PRIx64 "\n", *ipa);
	return false;
}

void explain_sd_print_regs(const struct s2_mmu_regs *r)
{
	printf("  TTBR0 %#010" PRIx64 "  TTBCR %#" PRIx64 "  SCTLR %#" PRIx64
	       "  DACR %#010" PRIx64 "  CONTEXTIDR %#" PRIx64 "  PRRR/NMRR %#" PRIx64
	       "\n", r->ttbr0_el1, r->tcr_el1, r->sctlr_el1,
	       r->dacr32_el2, r->contextidr_el1, r->mair_el1);
}

void explain_sd_print_format(const struct s2_mmu_regs *r)
{
	printf("  stage 1: AArch32 short descriptors (TTBCR.EAE=0, N=%u): level 1 "
	       "sections (1M), supersections (16M) or page tables, level 2 large "
	       "(64K) and small (4K) pages\n", (unsigned)(r->tcr_el1 & 7));
}

/*
 * The fault status FS[4:0] of a short-descriptor DFSR/IFSR (FS[4] in bit
 * 10): the Arm ARM's table of short-descriptor FSR encodings (DFSR,
 * G8.2.35, and IFSR with LPAE=0); the codes a translation can give.
 */
static const char *sd_fs_name(unsigned int fs)
{
	switch (fs) {
	case 0x01: return "alignment fault";
	case 0x03: return "access flag fault, section";
	case 0x05: return "translation fault, section";
	case 0x06: return "access flag fault, page";
	case 0x07: return "translation fault, page";
	case 0x09: return "domain fault, section";
	case 0x0b: return "domain fault, page";
	case 0x0c: return "synchronous external abort on translation table walk, level 1";
	case 0x0d: return "permission fault, section";
	case 0x0e: return "synchronous external abort on translation table walk, level 2";
	case 0x0f: return "permission fault, page";
	}
	return "reserved";
}

void explain_sd_print_fsr(const struct s2_mmu_result *res)
{
	const struct s2_mmu_fault *f = &res->fault;
	bool exec = f->acc == S2_MMU_EXEC;
	uint32_t fsr = s2_mmu_fsr_sd(res);
	unsigned int fs = (fsr & 0xf) | ((fsr & (uint32_t)FSR_SD_FS4) ? 0x10 : 0);

	/*
	 * Bit 9 is the format: 0, short descriptors (RAZ in this format).
	 * The IFSR has no Domain and no WnR field.
	 */
	printf("  %s %#06" PRIx32 " (FS %#x, %s; ", exec ? "IFSR" : "DFSR", fsr, fs,
	       sd_fs_name(fs));
	if (!exec)
		printf("Domain %u, WnR %u, ",
		       (unsigned)((fsr & (uint32_t)FSR_SD_DOMAIN_MASK) >> FSR_SD_DOMAIN_SHIFT),
		       !!(fsr & (uint32_t)FSR_SD_WNR));
	printf("LPAE %u: short-descriptor format)  %s %#" PRIx64, (fsr >> 9) & 1,
	       exec ? "IFAR" : "DFAR", s2_mmu_far(f));
}

/* The 32-bit descriptor at IPA @ipa: its PA through stage 2, or false. */
static bool sd_desc_pa(const struct sim_view *v, uint64_t ipa, uint64_t *pa)
{
	struct s2_mmu_access a = { .va = ipa, .acc = S2_MMU_READ, .el = 1 };
	struct s2_mmu_result res;

	if (s2_mmu_translate_s2(v->mem, v->cpu, v->regs, &a, &res) || res.fault.type ||
	    !s2_physmem_va(v->pm, res.pa, 4))
		return false;
	*pa = res.pa;
	return true;
}

static void wr32(const struct sim_view *v, uint64_t pa, uint32_t d)
{
	memcpy(s2_physmem_va(v->pm, pa, 4), &d, sizeof(d));
}

int explain_sd_edit(const struct sim_view *v, uint32_t va, const struct explain_sd_opts *o,
		    char *err, size_t n)
{
	const struct s2_mmu_regs *r = v->regs;
	uint32_t ttbcr = (uint32_t)r->tcr_el1, d, l1d, l2;
	unsigned int tn = ttbcr & 7;
	bool one = !tn || !(va >> (32 - tn));
	uint64_t ttbr = one ? r->ttbr0_el1 : r->ttbr1_el1, l1pa, l2pa;

	if (!one)
		tn = 0;
	/* AArch32.TranslationTableWalkSD: the level-1 entry of @va. */
	if (!sd_desc_pa(v, ((uint32_t)ttbr & ~((1u << (14 - tn)) - 1)) +
			       ((va >> 20) & (0xfffu >> tn)) * 4, &l1pa)) {
		snprintf(err, n, "the level-1 descriptor of %#" PRIx32 " is not in guest RAM", va);
		return -1;
	}
	d = rd32(v, l1pa);
	if (o->domain >= 0) {
		if ((d & SD_L1_TYPE_MASK) == SD_L1_FAULT ||
		    ((d & SD_L1_SECTION) && (d & SD_SECT_SUPER))) {
			snprintf(err, n, "--s1-domain: %#" PRIx32 " has no level-1 page table or "
				 "section (a supersection is in domain 0)", va);
			return -1;
		}
		d = (d & ~(uint32_t)SD_DOMAIN_MASK) | (uint32_t)o->domain << SD_DOMAIN_SHIFT;
		wr32(v, l1pa, d);
	}
	if (o->unmap == EXPLAIN_SD_UNMAP_SECTION) {
		wr32(v, l1pa, 0);
		return 0;
	}
	if (o->unmap != EXPLAIN_SD_UNMAP_PAGE && o->ap < 0 && !o->section)
		return 0;
	if ((d & SD_L1_TYPE_MASK) != SD_L1_TABLE) {
		snprintf(err, n, "--s1-unmap page / --s1-ap / --s1-section: %#" PRIx32 " is not "
			 "mapped by a level-1 page table", va);
		return -1;
	}
	l1d = d;
	l2 = d & (uint32_t)SD_L1T_BASE_MASK;
	if (!sd_desc_pa(v, l2 + ((va >> 12) & 0xff) * 4, &l2pa)) {
		snprintf(err, n, "the level-2 descriptor of %#" PRIx32 " is not in guest RAM", va);
		return -1;
	}
	d = rd32(v, l2pa);
	if (o->unmap == EXPLAIN_SD_UNMAP_PAGE) {
		wr32(v, l2pa, 0);
		return 0;
	}
	if ((d & SD_L2_TYPE_MASK) == SD_L2_FAULT) {
		snprintf(err, n, "--s1-ap / --s1-section: %#" PRIx32 " has no level-2 page", va);
		return -1;
	}
	if (o->section) {
		/*
		 * The small page's MB as a section (G5.4.1's level-1 section
		 * descriptor): its TEX [8:6] -> [14:12], S [10] -> [16], nG
		 * [11] -> [17], XN [0] -> [4], AP[1:0] [5:4] -> [11:10], AP[2]
		 * [9] -> [15], C and B in place; the page table's domain and
		 * PXN [2] -> [0].
		 */
		unsigned int ap = o->ap >= 0 ? (unsigned int)o->ap :
				  (unsigned int)(((d >> SD_L2_AP_SHIFT) & 3) | ((d & SD_L2_AP2) ? 4 : 0));
		uint32_t sd = (d & (uint32_t)SD_SECT_BASE_MASK) | (uint32_t)SD_L1_SECTION |
			      (d & (uint32_t)(SD_SECT_C | SD_SECT_B)) |
			      ((d >> 6) & 7) << SD_SECT_TEX_SHIFT |
			      ((d & SD_L2_S) ? (uint32_t)SD_SECT_S : 0) |
			      ((d & SD_L2_NG) ? (uint32_t)SD_SECT_NG : 0) |
			      ((d & 1) ? (uint32_t)SD_SECT_XN : 0) |
			      (ap & 3) << SD_SECT_AP_SHIFT | ((ap & 4) ? (uint32_t)SD_SECT_AP2 : 0) |
			      (l1d & (uint32_t)SD_DOMAIN_MASK) |
			      ((l1d & SD_L1T_PXN) ? (uint32_t)SD_SECT_PXN : 0);

		wr32(v, l1pa, sd);
		return 0;
	}
	/* Small and large pages alike: AP[1:0] in bits [5:4], AP[2] in bit 9. */
	d &= ~(uint32_t)(SD_L2_AP_MASK | SD_L2_AP2);
	d |= ((uint32_t)o->ap & 3) << SD_L2_AP_SHIFT | ((o->ap & 4) ? (uint32_t)SD_L2_AP2 : 0);
	wr32(v, l2pa, d);
	return 0;
}

void explain_sd_regs_apply(struct s2_mmu_regs *r, const struct explain_sd_opts *o)
{
	if (o->afe)
		r->sctlr_el1 |= SCTLR_AFE;
	if (o->dacr >= 0) {
		unsigned int dom = o->domain >= 0 ? (unsigned int)o->domain : 0;

		r->dacr32_el2 &= ~(3ULL << (2 * dom));
		r->dacr32_el2 |= (uint64_t)o->dacr << (2 * dom);
	}
}

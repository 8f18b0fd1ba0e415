/* SPDX-License-Identifier: MIT */
/*
 * The fidelity generator's AArch32 Short-descriptor stage 1 (TTBCR.EAE=0),
 * written from the Arm ARM (G5.4) like the rest of the generator, sharing
 * nothing with the model's walk_sd.c: TTBCR.N and PD0/PD1, the level-1
 * table (16KB >> N for TTBR0) and 1KB level-2 tables in the stage-1 pool,
 * sections, supersections (PA[39:32] too), small and large pages, invalid
 * entries, random AP, TEX/C/B, S, nG, XN, PXN, domains, SCTLR.AFE, TRE,
 * UWXN, PRRR/NMRR (MAIR_EL1) and the DACR.
 *
 * What QEMU 7.2 cannot be asked (docs/fidelity.md): no DACR field is "no
 * access" or reserved (its AT from AArch64 asserts in arm_fi_to_lfsc() on
 * a Domain fault), no AP[2:0] = 0b100 (reserved: QEMU gives no access,
 * the pseudocode PL1 read-only), and no Manager domain with SCTLR.AFE=1
 * (QEMU skips the Access flag check in a Manager domain; the pseudocode
 * takes the Access flag fault in the walk, before the domain check).
 * Those rules have table tests (tests/model/test_walk_sd.c).
 */
#include "../hyp.h"
#include "fidelity.h"
#include "gen_int.h"

#include <s2mm/arch_sd.h>

#define RND(n)		fid_rng_below(&g->rng, (n))
#define PCT(p)		fid_rng_pct(&g->rng, (p))
#define RBITS()		fid_rng_next(&g->rng)

#define L1_SIZE		0x4000u
#define LOWMASK(n)	((1ULL << (n)) - 1)

static uint32_t get32(uint64_t pa)
{
	return *(const volatile uint32_t *)pa;
}

/* A 32-bit descriptor into its doubleword, through the slot log. */
static void put32(struct fid_gen *g, uint64_t pa, uint32_t v)
{
	uint64_t *dw = (uint64_t *)(pa & ~7ULL), d = *dw;

	if (pa & 4)
		d = (d & 0xffffffffULL) | (uint64_t)v << 32;
	else
		d = (d & ~0xffffffffULL) | v;
	fid_set_slot(g, dw, d);
}

static unsigned ttbcr_n(const struct fid_case *c)
{
	return (unsigned)(c->regs.tcr_el1 & 7);
}

/* PA of the level-1 entry for @va: TTBR1 is walked as with N = 0. */
static uint64_t l1_pa(const struct fid_gen *g, const struct fid_case *c, uint32_t va)
{
	int sel = fid_s1_select(c, va);
	unsigned n = sel ? 0 : ttbcr_n(c);

	return fid_s1_pa(c, g, c->s1[sel].root) + ((va >> 20) & (0xfffu >> n)) * 4;
}

/* A VA of TTBR@sel's part, biased to its ends. */
static uint32_t sd_va(struct fid_gen *g, const struct fid_case *c, int sel)
{
	unsigned n = ttbcr_n(c);
	uint32_t va = (uint32_t)RBITS();

	if (!n)
		sel = 0;
	if (!sel && n)
		va &= 0xffffffffu >> n;
	if (sel && !(va >> (32 - n)))
		va |= 0x80000000u >> RND(n);
	switch (RND(8)) {
	case 0: va = sel ? 1u << (32 - n) : 0; break;
	case 1: va = sel || !n ? 0xffffffffu : 0xffffffffu >> n; break;
	default: break;
	}
	return va;
}

/* AP[2:0]: never the reserved 0b100; with AFE AP[0] the Access flag. */
static unsigned sd_ap(struct fid_gen *g, bool afe)
{
	unsigned ap = (unsigned)RND(8);

	if (afe)
		return (ap & 6) | (PCT(92) ? 1 : 0);
	return ap == 4 ? 5 : ap;
}

/* TEX, C, B, S, nG of a section (@page: at a small page's places). */
static uint32_t sd_mem(struct fid_gen *g, int kind)
{
	uint32_t tex = (uint32_t)RND(8), d = (uint32_t)RBITS() & (SD_SECT_C | SD_SECT_B);

	switch (kind) {
	case 0:   /* section */
		return d | tex << SD_SECT_TEX_SHIFT | (PCT(50) ? (uint32_t)SD_SECT_S : 0) |
		       (PCT(30) ? (uint32_t)SD_SECT_NG : 0);
	case 1:   /* small page */
		return d | tex << SD_L2_SMALL_TEX_SHIFT | (PCT(50) ? (uint32_t)SD_L2_S : 0) |
		       (PCT(30) ? (uint32_t)SD_L2_NG : 0);
	default:  /* large page */
		return d | tex << SD_L2_LARGE_TEX_SHIFT | (PCT(50) ? (uint32_t)SD_L2_S : 0) |
		       (PCT(30) ? (uint32_t)SD_L2_NG : 0);
	}
}

static uint32_t sect_ap(unsigned ap)
{
	return (ap & 3) << SD_SECT_AP_SHIFT | (ap & 4 ? (uint32_t)SD_SECT_AP2 : 0);
}

static uint32_t page_ap(unsigned ap)
{
	return (ap & 3) << SD_L2_AP_SHIFT | (ap & 4 ? (uint32_t)SD_L2_AP2 : 0);
}

/* A non-zero invalid descriptor: bits [1:0] = 00. */
static uint32_t sd_invalid(struct fid_gen *g)
{
	uint32_t d = (uint32_t)RBITS() & ~3u;

	return d ? d : 4;
}

/*
 * The level-2 table of @va's level-1 entry, made when the entry is free.
 * Returns its PA, or 0 when the entry holds something else.
 */
static uint64_t l2_table(struct fid_gen *g, struct fid_case *c, uint32_t va)
{
	uint64_t slot = l1_pa(g, c, va), pa;
	uint32_t d = get32(slot);

	if (d) {
		if ((d & SD_L1_TYPE_MASK) != SD_L1_TABLE)
			return 0;
		pa = fid_s1_pa(c, g, d & (uint32_t)SD_L1T_BASE_MASK);
		return fid_s1_in_pool(g, pa) ? pa : 0;
	}
	pa = fid_s1_alloc(g, c, 1024);
	if (!pa)
		return 0;
	put32(g, slot, (uint32_t)fid_s1_ipa(c, g, pa) | (uint32_t)SD_L1_TABLE |
		       (uint32_t)RND(16) << SD_DOMAIN_SHIFT |
		       (PCT(20) ? (uint32_t)SD_L1T_PXN : 0) |
		       (PCT(20) ? (uint32_t)SD_L1T_NS : 0));
	return pa;
}

/*
 * A leaf for @va: section, supersection, small or large page, or an
 * invalid entry; large pages and supersections in their 16 entries
 * (now and then only the VA's own). Returns the size shift, 0 for none.
 */
static unsigned put_leaf_sd(struct fid_gen *g, struct fid_case *c, uint32_t va,
			    bool afe)
{
	unsigned r = (unsigned)RND(100), ap = sd_ap(g, afe), copies;
	uint64_t slot, ipa, l2;
	uint32_t d;

	if (r < 25 || (r >= 90 && r < 95)) {   /* level 1 */
		slot = l1_pa(g, c, va);
		if (r >= 90) {
			if (!get32(slot))
				put32(g, slot, sd_invalid(g));
			return 0;
		}
		if (get32(slot))
			return 0;
		ipa = fid_target_ipa(g, c, 32, 0xffffffffULL);
		put32(g, slot, ((uint32_t)ipa & (uint32_t)SD_SECT_BASE_MASK) |
			       (uint32_t)SD_L1_SECTION | (PCT(25) ? (uint32_t)SD_SECT_PXN : 0) |
			       (PCT(20) ? (uint32_t)SD_SECT_XN : 0) |
			       (uint32_t)RND(16) << SD_DOMAIN_SHIFT | sect_ap(ap) |
			       sd_mem(g, 0) | (PCT(20) ? (uint32_t)SD_SECT_NS : 0));
		return 20;
	}
	if (r < 40) {   /* supersection */
		uint64_t first = l1_pa(g, c, va) & ~0x3fULL;

		copies = PCT(90) ? 16 : 1;
		if (copies == 1)
			first = l1_pa(g, c, va);
		for (unsigned i = 0; i < copies; i++)
			if (get32(first + 4 * i))
				return 0;
		ipa = fid_target_ipa(g, c, 40, LOWMASK(40));
		d = ((uint32_t)ipa & (uint32_t)SD_SUPER_BASE_MASK) |
		    (uint32_t)((ipa >> 32) & 0xf) << SD_SUPER_PA35_32_SHIFT |
		    (uint32_t)((ipa >> 36) & 0xf) << SD_SUPER_PA39_36_SHIFT |
		    (uint32_t)SD_L1_SECTION | (uint32_t)SD_SECT_SUPER |
		    (PCT(25) ? (uint32_t)SD_SECT_PXN : 0) | (PCT(20) ? (uint32_t)SD_SECT_XN : 0) |
		    sect_ap(ap) | sd_mem(g, 0);
		for (unsigned i = 0; i < copies; i++)
			put32(g, first + 4 * i, d);
		return 24;
	}
	l2 = l2_table(g, c, va);
	if (!l2)
		return 0;
	slot = l2 + ((va >> 12) & 0xff) * 4;
	if (r >= 95) {
		if (!get32(slot))
			put32(g, slot, sd_invalid(g));
		return 0;
	}
	if (r < 70) {   /* small page */
		if (get32(slot))
			return 0;
		ipa = fid_target_ipa(g, c, 32, 0xffffffffULL);
		put32(g, slot, ((uint32_t)ipa & (uint32_t)SD_L2_SMALL_BASE_MASK) |
			       (uint32_t)SD_L2_SMALL | (PCT(20) ? (uint32_t)SD_L2_SMALL_XN : 0) |
			       page_ap(ap) | sd_mem(g, 1));
		return 12;
	}
	/* large page (r < 90) */
	copies = PCT(90) ? 16 : 1;
	if (copies == 16)
		slot &= ~0x3fULL;
	for (unsigned i = 0; i < copies; i++)
		if (get32(slot + 4 * i))
			return 0;
	ipa = fid_target_ipa(g, c, 32, 0xffffffffULL);
	d = ((uint32_t)ipa & (uint32_t)SD_L2_LARGE_BASE_MASK) | (uint32_t)SD_L2_LARGE |
	    (PCT(20) ? (uint32_t)SD_L2_LARGE_XN : 0) | page_ap(ap) | sd_mem(g, 2);
	for (unsigned i = 0; i < copies; i++)
		put32(g, slot + 4 * i, d);
	return 16;
}

void fid_gen_sd(struct fid_gen *g, struct fid_case *c)
{
	struct s2_mmu_regs *r = &c->regs;
	bool afe = PCT(30), manager = !afe && PCT(40);
	unsigned n = PCT(50) ? 0 : (unsigned)RND(8);
	uint64_t pa;

	r->sctlr_el1 = (r->sctlr_el1 & ~(SCTLR_AFE | SCTLR_TRE | SCTLR_UWXN)) |
		       (afe ? SCTLR_AFE : 0) | (PCT(40) ? SCTLR_TRE : 0) |
		       (PCT(20) ? SCTLR_UWXN : 0);
	/* Client or Manager per domain: never no access (see above). */
	for (unsigned d = 0; d < 16; d++)
		r->dacr32_el2 |= (uint64_t)(manager && PCT(40) ? DACR_MANAGER : DACR_CLIENT)
				 << (2 * d);
	r->contextidr_el1 = RND(256);
	r->tcr_el1 = n | (PCT(3) ? TTBCR_PD0 : 0) | (PCT(3) ? TTBCR_PD1 : 0);
	for (int sel = 0; sel < 2; sel++) {
		uint64_t size = sel ? L1_SIZE : L1_SIZE >> n;

		c->s1[sel] = (struct fid_geo){ .gbits = 12, .start = 1, .ia_bits = 32,
					       .valid = true };
		pa = fid_s1_alloc(g, c, size);
		c->s1[sel].root = pa ? fid_s1_ipa(c, g, pa) : c->t_ipa;
	}
	/* TTBR[6:0]: IRGN, S, IMP, RGN, NOS; the base takes the rest. */
	r->ttbr0_el1 = c->s1[0].root | (RBITS() & 0x7f);
	r->ttbr1_el1 = c->s1[1].root | (RBITS() & 0x7f);

	for (unsigned p = 0; p < 24 && c->naddrs < FID_MAX_ADDRS - 8; p++) {
		uint32_t va = sd_va(g, c, (int)RND(2));
		unsigned shift = put_leaf_sd(g, c, va, afe);

		fid_add_edges(g, c, va, shift ? shift : 12);
	}
	while (c->naddrs < FID_MAX_ADDRS)
		fid_add_addr(c, sd_va(g, c, (int)RND(2)));
}

/* One short-descriptor fetch: IPA, its stage 2, the descriptor. */
static bool dump_fetch(const struct fid_gen *g, const struct fid_case *c, int level,
		       uint64_t ipa, uint32_t *d)
{
	uint64_t pa;

	hyp_printf("    s1 L%d desc IPA %lx ->\n", level, ipa);
	pa = fid_dump_s2(g, c, ipa);
	if (pa == ~0ULL)
		return false;
	if (pa < g->mem.base || pa - g->mem.base > g->mem.size - 4) {
		hyp_printf("    s1 L%d PA %lx outside the region\n", level, pa);
		return false;
	}
	*d = get32(pa);
	hyp_printf("    s1 L%d [%lx] = %08x\n", level, pa, *d);
	return true;
}

void fid_dump_walk_sd(const struct fid_gen *g, const struct fid_case *c, uint64_t va)
{
	const struct s2_mmu_regs *r = &c->regs;
	int sel = fid_s1_select(c, va);
	unsigned n = sel ? 0 : ttbcr_n(c);
	uint32_t v = (uint32_t)va, d;
	uint64_t ipa, l2;

	hyp_printf("  HCR_EL2=%lx VTCR_EL2=%lx VTTBR_EL2=%lx\n"
		   "  SCTLR=%lx TTBCR=%lx PRRR/NMRR=%lx DACR=%lx\n"
		   "  TTBR0=%lx TTBR1=%lx T-window IPA %lx = PA %lx\n"
		   "  geometry: s2 %uK start L%d ia %u%s; s1 AArch32 short descriptors\n",
		   r->hcr_el2, r->vtcr_el2, r->vttbr_el2, r->sctlr_el1, r->tcr_el1,
		   r->mair_el1, r->dacr32_el2, r->ttbr0_el1, r->ttbr1_el1, c->t_ipa,
		   g->mem.base, 1u << (c->s2.gbits - 10), c->s2.start, c->s2.ia_bits,
		   c->s2.valid ? "" : " (invalid on purpose)");
	hyp_printf("  stage 1 via TTBR%d:\n", sel);
	if (r->tcr_el1 & (sel ? TTBCR_PD1 : TTBCR_PD0)) {
		hyp_printf("    TTBCR.PD%d=1\n", sel);
		return;
	}
	ipa = (c->s1[sel].root & ~(uint64_t)((L1_SIZE >> n) - 1)) +
	      ((v >> 20) & (0xfffu >> n)) * 4;
	if (!dump_fetch(g, c, 1, ipa, &d) || !(d & 3))
		return;
	if ((d & 3) == SD_L1_TABLE) {
		l2 = d & (uint32_t)SD_L1T_BASE_MASK;
		if (!dump_fetch(g, c, 2, l2 + ((v >> 12) & 0xff) * 4, &d) || !(d & 3))
			return;
		ipa = d & 2 ? (d & (uint32_t)SD_L2_SMALL_BASE_MASK) | (v & 0xfff)
			    : (d & (uint32_t)SD_L2_LARGE_BASE_MASK) | (v & 0xffff);
	} else if (d & SD_SECT_SUPER) {
		ipa = (d & (uint32_t)SD_SUPER_BASE_MASK) | (v & 0xffffff) |
		      (uint64_t)((d >> 20) & 0xf) << 32 | (uint64_t)((d >> 5) & 0xf) << 36;
	} else {
		ipa = (d & (uint32_t)SD_SECT_BASE_MASK) | (v & 0xfffff);
	}
	hyp_printf("  IPA %lx\n", ipa);
	if (r->hcr_el2 & HCR_EL2_VM) {
		hyp_printf("  stage 2 of IPA %lx:\n", ipa);
		fid_dump_s2(g, c, ipa);
	}
}

bool fid_sd_walk_ipas(const struct fid_gen *g, const struct fid_case *c, uint64_t va,
		      uint64_t desc[2], unsigned *ndesc, uint64_t *out)
{
	uint32_t v = (uint32_t)va, d;
	int sel = fid_s1_select(c, va);
	unsigned n = sel ? 0 : ttbcr_n(c);
	uint64_t pa;

	*ndesc = 0;
	if (c->regs.tcr_el1 & (sel ? TTBCR_PD1 : TTBCR_PD0))
		return false;
	desc[(*ndesc)++] = (c->s1[sel].root & ~(uint64_t)((L1_SIZE >> n) - 1)) +
			   ((v >> 20) & (0xfffu >> n)) * 4;
	pa = fid_s1_pa(c, g, desc[0]);
	if (!fid_s1_in_pool(g, pa) || !((d = get32(pa)) & 3))
		return false;
	if ((d & 3) == SD_L1_TABLE) {
		desc[(*ndesc)++] = (d & (uint32_t)SD_L1T_BASE_MASK) + ((v >> 12) & 0xff) * 4;
		pa = fid_s1_pa(c, g, desc[1]);
		if (!fid_s1_in_pool(g, pa) || !((d = get32(pa)) & 3))
			return false;
		*out = d & 2 ? (d & (uint32_t)SD_L2_SMALL_BASE_MASK) | (v & 0xfff)
			     : (d & (uint32_t)SD_L2_LARGE_BASE_MASK) | (v & 0xffff);
	} else if (d & SD_SECT_SUPER) {
		*out = (d & (uint32_t)SD_SUPER_BASE_MASK) | (v & 0xffffff) |
		       (uint64_t)((d >> 20) & 0xf) << 32 | (uint64_t)((d >> 5) & 0xf) << 36;
	} else {
		*out = (d & (uint32_t)SD_SECT_BASE_MASK) | (v & 0xfffff);
	}
	return true;
}

int fid_sd_fetch_level(const struct fid_gen *g, const struct fid_case *c, uint64_t va,
		       uint64_t fipa)
{
	uint32_t v = (uint32_t)va, d;
	int sel = fid_s1_select(c, va);
	unsigned n = sel ? 0 : ttbcr_n(c);
	uint64_t l1 = (c->s1[sel].root & ~(uint64_t)((L1_SIZE >> n) - 1)) +
		      ((v >> 20) & (0xfffu >> n)) * 4;
	struct s2_mmu_access a = { l1, S2_MMU_READ, 1 };
	struct s2_mmu_result r;

	if (fipa == l1)
		return 1;
	if (s2_mmu_translate_s2(&g->mem, g->cpu, &c->regs, &a, &r) || r.fault.type ||
	    r.pa < g->mem.base || r.pa - g->mem.base > g->mem.size - 4)
		return -9;
	d = get32(r.pa);
	if ((d & 3) == SD_L1_TABLE &&
	    fipa == (d & (uint32_t)SD_L1T_BASE_MASK) + ((v >> 12) & 0xff) * 4)
		return 2;
	return -9;
}

bool fid_sd_map_exec_section(struct fid_gen *g, struct fid_case *c, uint32_t va, uint64_t ipa)
{
	int sel = fid_s1_select(c, va);
	uint64_t slot;

	if ((c->regs.tcr_el1 & (sel ? TTBCR_PD1 : TTBCR_PD0)) || (va & 0xfffff) ||
	    (ipa & 0xfffff) || (ipa >> 32))
		return false;
	slot = l1_pa(g, c, va);
	if (!fid_s1_in_pool(g, slot) || get32(slot))
		return false;
	/*
	 * AP[2:0] = 0b101: PL1 read-only, PL0 no access (AFE=0); with AFE,
	 * AP[2:1] = 0b10, PL1 read-only, and AP[0] = 1 the Access flag. No
	 * PL0 nor PL1 write: neither SCTLR.WXN nor UWXN makes it XN
	 * (AArch32.CheckPermission); XN and PXN 0; domain 0 (every DACR
	 * field is Client or Manager here).
	 */
	put32(g, slot, ((uint32_t)ipa & (uint32_t)SD_SECT_BASE_MASK) | (uint32_t)SD_L1_SECTION |
		       (uint32_t)SD_SECT_C | (uint32_t)SD_SECT_B | sect_ap(5));
	return true;
}

bool fid_sd_leaf_ipa(const struct fid_gen *g, const struct fid_case *c, uint64_t va,
		     uint64_t *ipa)
{
	uint64_t desc[2];
	unsigned nd;

	return fid_sd_walk_ipas(g, c, va, desc, &nd, ipa);
}

bool fid_sd_leaf_xn(const struct fid_gen *g, const struct fid_case *c, uint64_t va, bool *xn,
		    bool *pxn)
{
	uint32_t v = (uint32_t)va, d;
	uint64_t pa;

	if (c->regs.tcr_el1 & (fid_s1_select(c, va) ? TTBCR_PD1 : TTBCR_PD0))
		return false;
	pa = l1_pa(g, c, v);
	if (!fid_s1_in_pool(g, pa))
		return false;
	d = get32(pa);
	switch (d & SD_L1_TYPE_MASK) {
	case SD_L1_SECTION:   /* and supersections */
	case SD_L1_SECTION | 1:
		*xn = d & SD_SECT_XN;
		*pxn = d & SD_SECT_PXN;
		return true;
	case SD_L1_TABLE:
		*pxn = d & SD_L1T_PXN;
		pa = fid_s1_pa(c, g, d & (uint32_t)SD_L1T_BASE_MASK) + ((v >> 12) & 0xff) * 4;
		if (!fid_s1_in_pool(g, pa))
			return false;
		d = get32(pa);
		if (!(d & 3))
			return false;
		*xn = d & SD_L2_SMALL ? d & SD_L2_SMALL_XN : d & SD_L2_LARGE_XN;
		return true;
	default:
		return false;
	}
}

bool fid_sd_map_exec_page(struct fid_gen *g, struct fid_case *c, uint32_t va, uint64_t ipa)
{
	int sel = fid_s1_select(c, va);
	uint64_t slot, l2;

	if ((c->regs.tcr_el1 & (sel ? TTBCR_PD1 : TTBCR_PD0)) || (ipa >> 32))
		return false;
	slot = l1_pa(g, c, va);
	if (!fid_s1_in_pool(g, slot) || get32(slot))
		return false;
	l2 = fid_s1_alloc(g, c, 1024);
	if (!l2)
		return false;
	/* Domain 0, no PXN; the small page as fid_sd_map_exec_section()'s
	 * section: PL1 read-only, PL0 no access, XN 0. */
	put32(g, slot, (uint32_t)fid_s1_ipa(c, g, l2) | (uint32_t)SD_L1_TABLE);
	put32(g, l2 + ((va >> 12) & 0xff) * 4,
	      ((uint32_t)ipa & (uint32_t)SD_L2_SMALL_BASE_MASK) | (uint32_t)SD_L2_SMALL |
	      (uint32_t)SD_L2_C | (uint32_t)SD_L2_B | page_ap(5));
	return true;
}

uint32_t *fid_sd_leaf_slot(const struct fid_gen *g, const struct fid_case *c, uint64_t va,
			   unsigned *shift, uint64_t *oa)
{
	uint32_t v = (uint32_t)va, d;
	uint64_t pa;

	if (c->regs.tcr_el1 & (fid_s1_select(c, va) ? TTBCR_PD1 : TTBCR_PD0))
		return NULL;
	pa = l1_pa(g, c, v);
	if (!fid_s1_in_pool(g, pa))
		return NULL;
	d = get32(pa);
	switch (d & SD_L1_TYPE_MASK) {
	case SD_L1_SECTION:
	case SD_L1_SECTION | 1:
		if (d & SD_SECT_SUPER) {
			*shift = 24;
			*oa = (d & (uint32_t)SD_SUPER_BASE_MASK) |
			      (uint64_t)((d >> SD_SUPER_PA35_32_SHIFT) & 0xf) << 32 |
			      (uint64_t)((d >> SD_SUPER_PA39_36_SHIFT) & 0xf) << 36;
		} else {
			*shift = 20;
			*oa = d & (uint32_t)SD_SECT_BASE_MASK;
		}
		return (uint32_t *)pa;
	case SD_L1_TABLE:
		pa = fid_s1_pa(c, g, d & (uint32_t)SD_L1T_BASE_MASK) + ((v >> 12) & 0xff) * 4;
		if (!fid_s1_in_pool(g, pa))
			return NULL;
		d = get32(pa);
		if (!(d & 3))
			return NULL;
		*shift = d & SD_L2_SMALL ? 12 : 16;
		*oa = d & (d & SD_L2_SMALL ? (uint32_t)SD_L2_SMALL_BASE_MASK
					   : (uint32_t)SD_L2_LARGE_BASE_MASK);
		return (uint32_t *)pa;
	default:
		return NULL;
	}
}

void fid_sd_leaf_set_oa(uint32_t *slot, unsigned shift, uint64_t oa)
{
	uint32_t d = *slot, base = (uint32_t)oa & ~(uint32_t)((1ULL << shift) - 1);

	/* A supersection's PA[39:32] fields to 0 too: @oa is below 4GB. */
	if (shift == 24)
		d &= ~((0xfu << SD_SUPER_PA35_32_SHIFT) | (0xfu << SD_SUPER_PA39_36_SHIFT));
	*slot = (d & (uint32_t)((1ULL << shift) - 1)) | base;
}

int fid_sd_l1_domain(const struct fid_gen *g, const struct fid_case *c, uint64_t va,
		     bool *table)
{
	uint64_t pa;
	uint32_t d;

	if (c->regs.tcr_el1 & (fid_s1_select(c, va) ? TTBCR_PD1 : TTBCR_PD0))
		return -1;
	pa = l1_pa(g, c, (uint32_t)va);
	if (!fid_s1_in_pool(g, pa))
		return -1;
	d = get32(pa);
	*table = (d & SD_L1_TYPE_MASK) == SD_L1_TABLE;
	/* A supersection has no domain field (domain 0). */
	if (!(d & 3) || (!*table && (d & SD_SECT_SUPER)))
		return -1;
	return (int)((d >> SD_DOMAIN_SHIFT) & 0xf);
}

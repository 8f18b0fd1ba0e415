/* SPDX-License-Identifier: MIT */
/*
 * The fidelity generator: from (seed, configuration number) alone, a random
 * EL1&0 translation configuration, its tables written into the dedicated
 * region, and the addresses to translate. Written here from the Arm ARM,
 * sharing no walk or geometry code with the model (the judged) nor with
 * libs2mm.
 *
 * Memory layout (docs/fidelity.md):
 *   region [0, 4 MiB)        stage-1 tables ("S1 pool"), seen by the guest
 *                            at IPA t_ipa + offset ("T window")
 *   region [4 MiB, 32 MiB)   stage-2 tables ("S2 pool"), by PA
 * Every PA a walk can read is inside the region (the model's window): the
 * T window is mapped first, so later stage-2 leaves can never cover it, and
 * stage-1 table pointers only ever point into the T window. Deliberately
 * invalid entries are non-zero (bit 0 clear), so no later path fills them.
 * Final output addresses (stage-2 leaves, stage-1 leaves with stage 2 off)
 * are never read, so they may be anything.
 */
#include "../hyp.h"
#include "fidelity.h"
#include "gen_int.h"

#define BIT(n)		(1ULL << (n))
#define LOWMASK(n)	((n) >= 64 ? ~0ULL : BIT(n) - 1)
#define GENMASK(hi, lo)	(LOWMASK((hi) + 1) & ~LOWMASK(lo))

/* ---- random numbers: splitmix64 seeding, xoshiro256** --------------- */

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void fid_rng_seed(struct fid_rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix(&seed);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

uint64_t fid_rng_next(struct fid_rng *r)
{
	uint64_t *s = r->s, res = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return res;
}

uint64_t fid_rng_below(struct fid_rng *r, uint64_t n)
{
	return fid_rng_next(r) % n;
}

bool fid_rng_pct(struct fid_rng *r, unsigned pct)
{
	return fid_rng_below(r, 100) < pct;
}

#define RND(n)		fid_rng_below(&g->rng, (n))
#define PCT(p)		fid_rng_pct(&g->rng, (p))
#define RBITS()		fid_rng_next(&g->rng)

/* ---- geometry ----------------------------------------------------------- */

static unsigned lvl_shift(const struct fid_geo *geo, int level)
{
	return geo->gbits + (unsigned)(3 - level) * (geo->gbits - 3u);
}

/* Index bits of the table at @level (the root may be short or concatenated). */
static unsigned lvl_bits(const struct fid_geo *geo, int level)
{
	if (level == geo->start)
		return geo->ia_bits - lvl_shift(geo, level);
	return geo->gbits - 3u;
}

static uint64_t lvl_index(const struct fid_geo *geo, int level, uint64_t ia)
{
	return (ia >> lvl_shift(geo, level)) & LOWMASK(lvl_bits(geo, level));
}

uint64_t fid_geo_index(const struct fid_geo *geo, int level, uint64_t ia)
{
	return lvl_index(geo, level, ia);
}

int fid_s1_select(const struct fid_case *c, uint64_t va)
{
	const struct s2_mmu_regs *r = &c->regs;

	if (c->sd) {   /* TTBR1 when TTBCR.N is set and VA[31:32-N] are not zero */
		unsigned n = r->tcr_el1 & 7;
		return n && ((uint32_t)va >> (32 - n));
	}
	if (c->a32) {
		uint32_t v = (uint32_t)va, t1 = (r->tcr_el1 >> 16) & 7;
		return t1 ? v >= ~(0xffffffffu >> t1)
			  : v > (0xffffffffu >> (r->tcr_el1 & 7));
	}
	return (va >> 55) & 1;
}

/* Output address field of a descriptor, in the format @geo uses. */
static uint64_t oa_encode(const struct fid_geo *geo, uint64_t oa)
{
	uint64_t d = oa & GENMASK(47, geo->gbits);

	if (geo->ds) {
		d = (oa & GENMASK(49, geo->gbits)) | ((oa >> 50) & 3) << 8;
	} else if (geo->lpa64k) {
		d |= ((oa >> 48) & 0xf) << 12;
	}
	return d;
}

static unsigned max_oa_field(const struct fid_geo *geo)
{
	return geo->ds || geo->lpa64k ? 52 : 48;
}

/* Can this geometry hold a block at @level? (Architecture, D8.2.) */
static bool block_allowed(const struct fid_gen *g, const struct fid_geo *geo,
			  int level, unsigned stage)
{
	(void)stage;
	switch (geo->gbits) {
	case 12:
		return level == 1 || level == 2 || (level == 0 && geo->ds);
	case 14:
		return level == 2 || (level == 1 && geo->ds);
	default:
		return level == 2 || (level == 1 && g->cpu->pa_bits == 52);
	}
}

/* ---- the region --------------------------------------------------------- */

static uint64_t s1pool_base(const struct fid_gen *g)
{
	return g->mem.base;
}

static uint64_t s2pool_base(const struct fid_gen *g)
{
	return g->mem.base + FID_S1POOL_SIZE;
}

/*
 * Every descriptor written goes through set_slot(), which logs the slots
 * that were zero: the next configuration clears exactly those, so the
 * whole region is zero between configurations (no stale tables, and no
 * page zeroing: 64K tables would cost more than the comparisons).
 */
static void set_slot(struct fid_gen *g, uint64_t *slot, uint64_t d)
{
	if (*slot == 0) {
		if (g->nlog < FID_LOG_SIZE)
			g->log[g->nlog] = slot;
		g->nlog++;
	}
	*slot = d;
}

static void clear_log(struct fid_gen *g)
{
	if (g->nlog > FID_LOG_SIZE) {
		memset((void *)s1pool_base(g), 0, g->s1_next - s1pool_base(g));
		memset((void *)s2pool_base(g), 0, g->s2_next - s2pool_base(g));
	} else {
		for (unsigned i = 0; i < g->nlog; i++)
			*g->log[i] = 0;
	}
	g->nlog = 0;
}

static void map_t_page(struct fid_gen *g, struct fid_case *c, uint64_t pa,
		       uint64_t size);

/* A zero, naturally aligned block of @size bytes from one pool. */
static uint64_t pool_alloc(struct fid_gen *g, struct fid_case *c,
			   unsigned stage, uint64_t size)
{
	uint64_t *next = stage == 1 ? &g->s1_next : &g->s2_next;
	uint64_t end = stage == 1 ? s1pool_base(g) + FID_S1POOL_SIZE
				  : g->mem.base + g->mem.size;
	uint64_t pa = ALIGN_UP(*next, size);

	if (pa + size > end)
		return 0;
	*next = pa + size;
	if (stage == 1)
		map_t_page(g, c, pa, size);
	return pa;
}

static bool in_pool(const struct fid_gen *g, unsigned stage, uint64_t pa)
{
	if (stage == 1)
		return pa >= s1pool_base(g) && pa < g->s1_next;
	return pa >= s2pool_base(g) && pa < g->s2_next;
}

/* Table address (as written in descriptors / TTBRs) -> PA of the table. */
static uint64_t tbl_pa(const struct fid_case *c, const struct fid_gen *g,
		       unsigned stage, uint64_t addr)
{
	if (stage == 1)
		return addr - c->t_ipa + s1pool_base(g);
	return addr;
}

static uint64_t tbl_addr(const struct fid_case *c, const struct fid_gen *g,
			 unsigned stage, uint64_t pa)
{
	if (stage == 1)
		return pa - s1pool_base(g) + c->t_ipa;
	return pa;
}

/* Random hierarchical attributes of a stage-1 table descriptor. */
static uint64_t s1_table_attrs(struct fid_gen *g)
{
	if (!PCT(15))
		return 0;
	return RBITS() & (S1_TABLE_PXNTABLE | S1_TABLE_UXNTABLE |
			  S1_TABLE_APTABLE_MASK);
}

/*
 * The slot for @ia at @level of the regime @geo (root PA @root_pa),
 * creating tables on the way when @create. NULL when the path is blocked
 * by a leaf, an invalid entry or a table that is not ours.
 */
static uint64_t *get_slot(struct fid_gen *g, struct fid_case *c,
			  const struct fid_geo *geo, unsigned stage,
			  uint64_t ia, int level, bool create)
{
	uint64_t pa = tbl_pa(c, g, stage, geo->root);
	uint64_t gsize = BIT(geo->gbits);

	for (int l = geo->start;; l++) {
		uint64_t *slot = (uint64_t *)(pa + lvl_index(geo, l, ia) * 8);
		uint64_t d = *slot, next;

		if (l == level)
			return slot;
		if (d == 0) {
			if (!create)
				return NULL;
			next = pool_alloc(g, c, stage, gsize);
			if (!next)
				return NULL;
			set_slot(g, slot, oa_encode(geo, tbl_addr(c, g, stage, next)) |
					  DESC_TYPE_TABLE |
					  (stage == 1 ? s1_table_attrs(g) : 0));
			pa = next;
			continue;
		}
		if ((d & DESC_TYPE_MASK) != DESC_TYPE_TABLE)
			return NULL;
		if (geo->ds && (d & DESC_OA52_LPA2_MASK))
			return NULL;
		if (geo->lpa64k && (d & DESC_OA52_64K_MASK))
			return NULL;
		next = tbl_pa(c, g, stage, d & GENMASK(47, geo->gbits));
		if (!in_pool(g, stage, next))
			return NULL;
		pa = next;
	}
}

/* ---- descriptors ------------------------------------------------------- */

/*
 * FEAT_HAFDBS: with HA, an Access flag clear in a third of the leaves
 * (the walk sets it: AArch64.SetAccessFlag); with HD, DBM in 40%, half of
 * those writable-clean (stage 1 AP[2]=1, stage 2 S2AP[1]=0: a write makes
 * them dirty; AArch64.S1ApplyOutputPerms, AArch64.S2ApplyOutputPerms).
 * Drawn from hd_rng: no other draw moves.
 */
static uint64_t hd_attrs(struct fid_gen *g, uint64_t d, unsigned stage)
{
	bool ha = stage == 1 ? g->s1_ha : g->s2_ha, hd = stage == 1 ? g->s1_hd : g->s2_hd;

	if (!ha)
		return d;
	if (fid_rng_pct(&g->hd_rng, 33))
		d &= ~DESC_AF;
	if (hd && fid_rng_pct(&g->hd_rng, 40)) {
		d |= DESC_DBM;
		if (fid_rng_pct(&g->hd_rng, 50))
			d = stage == 1 ? d | S1_DESC_AP_RO_EL1 << S1_DESC_AP_SHIFT
				       : d & ~S2_DESC_S2AP_W;
	}
	return d;
}

static uint64_t s2_leaf_attrs(struct fid_gen *g, const struct fid_geo *geo)
{
	uint64_t d = DESC_VALID;
	static const uint8_t memattr[] = { 0xf, 0xf, 0xf, 0x5, 0xa, 0x0, 0x1,
					   0x2, 0x3, 0x6, 0xe, 0xb };

	d |= (uint64_t)memattr[RND(sizeof(memattr))] << S2_DESC_MEMATTR_SHIFT;
	d |= (PCT(80) ? 3ULL : RND(4)) << S2_DESC_S2AP_SHIFT;
	if (!geo->ds)
		d |= (PCT(70) ? 3ULL : RND(4)) << DESC_SH_SHIFT;
	if (PCT(92))
		d |= DESC_AF;
	if (PCT(20))
		d |= RND(4) << S2_DESC_XN_SHIFT;
	if (PCT(10))
		d |= RBITS() & DESC_SW_MASK;
	return hd_attrs(g, d, 2);
}

static uint64_t s1_leaf_attrs(struct fid_gen *g, const struct fid_geo *geo)
{
	uint64_t d = DESC_VALID;

	d |= RND(8) << S1_DESC_ATTRINDX_SHIFT;
	d |= (PCT(50) ? 0ULL : RND(4)) << S1_DESC_AP_SHIFT;
	if (!geo->ds)
		d |= (PCT(70) ? 3ULL : RND(4)) << DESC_SH_SHIFT;
	if (PCT(92))
		d |= DESC_AF;
	if (PCT(30))
		d |= S1_DESC_NG;
	if (PCT(20))
		d |= RBITS() & (S1_DESC_PXN | S1_DESC_UXN);
	if (PCT(10))
		d |= RBITS() & DESC_SW_MASK;
	return hd_attrs(g, d, 1);
}

/* A non-zero invalid descriptor (bit 0 clear): never taken as empty. */
static uint64_t invalid_desc(struct fid_gen *g)
{
	uint64_t d = RBITS() & ~DESC_VALID;

	return d ? d : 2;
}

/*
 * A leaf for @ia in regime @geo: mostly a page or an allowed block, with
 * every kind of wrong entry mixed in. @oa is the output address of the leaf
 * base (aligned by this function). Returns the leaf size shift, 0 when no
 * leaf was written.
 */
static unsigned put_leaf(struct fid_gen *g, struct fid_case *c,
			 const struct fid_geo *geo, unsigned stage, uint64_t ia,
			 uint64_t oa, unsigned oa_bits)
{
	int level = 3, cand[5], n = 0;
	unsigned r = (unsigned)RND(100), shift;
	uint64_t attrs = stage == 1 ? s1_leaf_attrs(g, geo) : s2_leaf_attrs(g, geo);
	uint64_t *slot, d;

	for (int l = geo->start < 0 ? 0 : geo->start; l < 3; l++)
		if (block_allowed(g, geo, l, stage))
			cand[n++] = l;
	if (r < 55 || (r < 80 && !n)) {
		level = 3;
	} else if (r < 80) {
		level = cand[RND((uint64_t)n)];
	} else {
		level = geo->start + (int)RND((uint64_t)(4 - geo->start));
	}
	shift = lvl_shift(geo, level);
	slot = get_slot(g, c, geo, stage, ia, level, true);
	if (!slot || *slot)
		return 0;
	oa &= ~LOWMASK(shift);
	if (oa_bits < max_oa_field(geo) && PCT(4))   /* address size fault */
		oa |= BIT(oa_bits + RND(max_oa_field(geo) - oa_bits));
	d = oa_encode(geo, oa) | attrs;
	if (level == 3)
		d |= DESC_PAGE;
	if (r >= 80) {
		/* Leaf at any level: a block where none is allowed faults. */
		if (r < 88) {
			d = invalid_desc(g);
		} else if (r < 92 && level == 3) {
			d &= ~DESC_PAGE;            /* reserved level-3 encoding */
		} else if (r < 96 && level < 3 && oa_bits < 48) {
			/* A table pointer beyond the output size. */
			/* (Its low bits point into the pool, should a
			 * walker ignore the high ones.) */
			uint64_t low = stage == 1 ? c->t_ipa : s2pool_base(g);
			d = oa_encode(geo, BIT(oa_bits + RND(48 - oa_bits)) |
					       (low & GENMASK(47, geo->gbits))) |
			    DESC_TYPE_TABLE;
		}
	}
	set_slot(g, slot, d);
	return shift;
}

/* ---- configuration ----------------------------------------------------- */

static unsigned pa_range_bits(unsigned enc)
{
	static const uint8_t bits[8] = { 32, 36, 40, 42, 44, 48, 52, 52 };
	return bits[enc & 7];
}

static unsigned parange_enc(unsigned bits)
{
	for (unsigned e = 0; e < 7; e++)
		if (pa_range_bits(e) == bits)
			return e;
	return 0;
}

static unsigned pick_gbits(struct fid_gen *g)
{
	unsigned opts[3], n = 0;

	if (g->cpu->gran_4k)
		opts[n++] = 12;
	if (g->cpu->gran_16k)
		opts[n++] = 14;
	if (g->cpu->gran_64k)
		opts[n++] = 16;
	return opts[RND(n)];
}

/* An output-size encoding: mostly the CPU's, sometimes smaller. */
static unsigned pick_ps(struct fid_gen *g, unsigned need)
{
	unsigned max = parange_enc(g->cpu->pa_bits), e;

	if (PCT(3))
		return (unsigned)RND(8);
	if (PCT(60))
		return max;
	e = (unsigned)RND(max + 1);
	while (pa_range_bits(e) < need && e < max)
		e++;
	return e;
}

/*
 * Stage-2 controls. Mostly a valid geometry (the start level chosen among
 * those the IPA size allows); 4% anything (the CPU must fault at level 0).
 */
static void gen_s2(struct fid_gen *g, struct fid_case *c)
{
	struct fid_geo *geo = &c->s2;
	unsigned gbits = pick_gbits(g), stride = gbits - 3, ia, oa, ps, sl0;
	unsigned pa = g->cpu->pa_bits, min_t0sz, tg;
	bool ds = g->cpu->lpa2 && gbits != 16 && PCT(15);
	int starts[5], n = 0, start;
	uint64_t vtcr, root_size;

	if (ds && !PCT(60))
		ps = 6;
	else
		ps = pick_ps(g, 32);
	oa = pa_range_bits(ps);
	if (oa > pa)
		oa = pa;
	if (!ds && gbits != 16 && oa > 48)
		oa = 48;
	min_t0sz = (ds || (gbits == 16 && pa == 52)) ? 12 : 16;
	/* IPA size: 25..oa bits, biased to the common ones. */
	if (PCT(30))
		ia = oa;
	else if (PCT(30))
		ia = 40 <= oa ? 40 : oa;
	else
		ia = 25 + (unsigned)RND(oa - 25 + 1);
	if (ia > 64 - min_t0sz)
		ia = 64 - min_t0sz;
	for (int s = -1; s <= 3; s++) {
		unsigned idx = gbits + (unsigned)(3 - s) * stride;

		if (ia <= idx || ia - idx > stride + 4)
			continue;
		/* Level -1 (FEAT_LPA2, 4K): QEMU 7.2 aborts on a fault there
		 * (arm_fi_to_lfsc() asserts level 0..3): not generated. */
		if (s == -1)
			continue;
		if (gbits == 12 && s == 0 && pa <= 42)
			continue;
		if (gbits == 14 && s == 0 && !(ds && oa == 52))
			continue;
		if (gbits == 14 && s == 1 && pa <= 40)
			continue;
		if (gbits == 16 && (s == 0 || (s == 1 && pa <= 42)))
			continue;
		starts[n++] = s;
	}
	geo->valid = n > 0 && (g->ttst || !PCT(4));
	start = n ? starts[RND((uint64_t)n)] : 1;
	if (gbits == 12)
		sl0 = start == -1 ? 0 : (unsigned)(2 - start);
	else
		sl0 = (unsigned)(3 - start);
	tg = gbits == 12 ? 0 : gbits == 16 ? 1 : 2;
	vtcr = VTCR_EL2_RES1 | (64 - ia) | (uint64_t)sl0 << VTCR_EL2_SL0_SHIFT |
	       RND(4) << VTCR_EL2_IRGN0_SHIFT | RND(4) << VTCR_EL2_ORGN0_SHIFT |
	       RND(4) << VTCR_EL2_SH0_SHIFT | (uint64_t)tg << VTCR_EL2_TG0_SHIFT |
	       (uint64_t)ps << VTCR_EL2_PS_SHIFT;
	if (g->cpu->vmid_bits == 16 && PCT(50))
		vtcr |= VTCR_EL2_VS;
	if (ds)
		vtcr |= VTCR_EL2_DS | (start == -1 ? VTCR_EL2_SL2 : 0);
	if (!geo->valid) {
		/* Anything: T0SZ and SL0 at random (mostly nonsense). */
		vtcr &= ~(VTCR_EL2_T0SZ_MASK | VTCR_EL2_SL0_MASK);
		vtcr |= RND(64) | RND(4) << VTCR_EL2_SL0_SHIFT;
	}
	*geo = (struct fid_geo){ .gbits = (uint8_t)gbits, .start = (int8_t)start,
				 .ia_bits = (uint8_t)ia, .ds = ds,
				 .lpa64k = gbits == 16 && oa == 52,
				 .valid = geo->valid };
	root_size = BIT(ia - lvl_shift(geo, start) + 3);
	if (root_size < BIT(gbits))
		root_size = BIT(gbits);
	/* A nonsense geometry may index up to 16 concatenated tables. */
	if (!geo->valid)
		root_size = BIT(gbits + 4);
	geo->root = pool_alloc(g, c, 2, root_size);
	c->regs.vtcr_el2 = vtcr;
	c->regs.vttbr_el2 = geo->root | (RBITS() & VTTBR_EL2_VMID16_MASK);
}

/* One stage-1 translation table regime (TTBR0 or TTBR1), AArch64. */
static uint64_t gen_s1_a64(struct fid_gen *g, struct fid_case *c, int sel,
			   unsigned ips_bits, bool ds)
{
	struct fid_geo *geo = &c->s1[sel];
	unsigned gbits = pick_gbits(g), tsz, min_tsz, tg, ia;
	uint64_t tcr = 0;

	if (ds && gbits == 16)
		gbits = g->cpu->gran_4k ? 12 : 14;
	min_tsz = (ds || (gbits == 16 && g->cpu->pa_bits == 52)) ? 12 : 16;
	if (PCT(3))
		tsz = (unsigned)RND(g->ttst ? 40 : 64);   /* maybe invalid */
	else if (PCT(30))
		tsz = PCT(50) ? 25 : min_tsz;
	else
		tsz = min_tsz + (unsigned)RND(39 - min_tsz + 1);
	/* No 4K start level -1 (see gen_s2()): at most 48 bits with 4K. */
	if (gbits == 12 && tsz < 16)
		tsz = 16;
	ia = 64 - tsz;
	if (ia > 64 - min_tsz)
		ia = 64 - min_tsz;
	if (ia < 25)
		ia = 25;
	*geo = (struct fid_geo){ .gbits = (uint8_t)gbits, .ia_bits = (uint8_t)ia,
				 .ds = ds && gbits != 16,
				 .lpa64k = gbits == 16 && ips_bits == 52,
				 .valid = tsz >= min_tsz && tsz <= 39 };
	geo->start = (int8_t)(3 - (int)((ia - gbits - 1) / (gbits - 3)));
	if (sel == 0) {
		tg = gbits == 12 ? 0 : gbits == 16 ? 1 : 2;
		tcr = tsz | (uint64_t)tg << TCR_EL1_TG0_SHIFT;
		if (PCT(3))
			tcr |= TCR_EL1_EPD0;
		if (PCT(20))
			tcr |= TCR_EL1_TBI0;
	} else {
		tg = gbits == 12 ? 2 : gbits == 16 ? 3 : 1;
		tcr = (uint64_t)tsz << TCR_EL1_T1SZ_SHIFT |
		      (uint64_t)tg << TCR_EL1_TG1_SHIFT;
		if (PCT(3))
			tcr |= TCR_EL1_EPD1;
		if (PCT(20))
			tcr |= TCR_EL1_TBI1;
	}
	return tcr;
}

static uint64_t root_for(struct fid_gen *g, struct fid_case *c, int sel)
{
	struct fid_geo *geo = &c->s1[sel];
	uint64_t pa = pool_alloc(g, c, 1, BIT(geo->gbits));

	geo->root = pa ? tbl_addr(c, g, 1, pa) : c->t_ipa;
	return geo->root;
}

static const uint8_t mair_vals[] = {
	0x00, 0x04, 0x08, 0x0c, 0x44, 0xff, 0xbb, 0xaa, 0x4f, 0xf4, 0x77, 0x99,
};

/*
 * The T window in stage 2: the stage-1 tables' IPAs -> the S1 pool, mapped
 * by pages or by blocks. The tables down to the leaf level are made first,
 * so that no later stage-2 leaf can cover the window; the leaves come with
 * each stage-1 table page (map_t_page()).
 */
static void map_t_window(struct fid_gen *g, struct fid_case *c)
{
	const struct fid_geo *geo = &c->s2;
	int level = 3;
	uint64_t step;

	if (PCT(30)) {
		/* A block level whose blocks fit the region (T and the region
		 * are both 32 MiB aligned). */
		for (int l = geo->start < 1 ? 1 : geo->start; l < 3; l++)
			if (block_allowed(g, geo, l, 2) &&
			    lvl_shift(geo, l) <= FID_REGION_ORDER + 12) {
				level = l;
				break;
			}
	}
	c->t_level = (int8_t)level;
	c->t_end = c->t_ipa + ALIGN_UP(FID_S1POOL_SIZE, BIT(lvl_shift(geo, level)));
	step = level > geo->start ? BIT(lvl_shift(geo, level - 1)) : c->t_end;
	for (uint64_t ipa = c->t_ipa; ipa < c->t_end; ipa += step)
		get_slot(g, c, geo, 2, ipa, level, true);
}

/*
 * Spoil the stage-2 leaf of T-window IPA @ipa now and then: invalid, no
 * read access, Access flag clear, Device memory (faults with HCR_EL2.PTW).
 * Walks through it give stage-2 faults with S1PTW.
 */
static void maybe_spoil(struct fid_gen *g, uint64_t *slot)
{
	if (!PCT(7))
		return;
	switch (RND(5)) {
	case 0:
		*slot = invalid_desc(g);
		break;
	case 1:
		*slot &= ~(S2_DESC_S2AP_MASK);
		*slot |= RND(2) << (S2_DESC_S2AP_SHIFT + 1);   /* W only or none */
		break;
	case 2:
		*slot &= ~DESC_AF;
		break;
	default:
		*slot &= ~S2_DESC_MEMATTR_MASK;
		*slot |= RND(4) << S2_DESC_MEMATTR_SHIFT;      /* Device */
		/*
		 * Under HCR_EL2.FWB, 0b10xx too (MemAttr[2] = 0: Device;
		 * without FWB Normal, so a walk there does not fault).
		 */
		if (g->fwb && fid_rng_pct(&g->fwb_rng, 50))
			*slot |= 8ULL << S2_DESC_MEMATTR_SHIFT;
		break;
	}
}

/* Stage-2 leaves for a new stage-1 table page at @pa (@size bytes). */
static void map_t_page(struct fid_gen *g, struct fid_case *c, uint64_t pa,
		       uint64_t size)
{
	const struct fid_geo *geo = &c->s2;
	unsigned shift;
	uint64_t ipa;

	if (!c->t_level)
		return;
	shift = lvl_shift(geo, c->t_level);
	ipa = (pa - s1pool_base(g) + c->t_ipa) & ~LOWMASK(shift);
	for (; ipa < pa - s1pool_base(g) + c->t_ipa + size; ipa += BIT(shift)) {
		uint64_t *slot = get_slot(g, c, geo, 2, ipa, c->t_level, false);
		uint64_t d, out = ipa - c->t_ipa + s1pool_base(g);

		if (!slot || *slot)
			continue;
		d = oa_encode(geo, out) | DESC_VALID | DESC_AF |
		    S2_MEMATTR_NORMAL_WB << S2_DESC_MEMATTR_SHIFT |
		    (3ULL << S2_DESC_S2AP_SHIFT) |
		    (geo->ds ? 0 : DESC_SH_IS << DESC_SH_SHIFT);
		if (c->t_level == 3)
			d |= DESC_PAGE;
		/* A stage-1 hardware update through a writable-clean
		 * stage-2 leaf makes it dirty (AArch64.S2Translate for the
		 * walk's write); one with AF=0 gets its Access flag. */
		if (g->s2_ha && fid_rng_pct(&g->hd_rng, 20))
			d = hd_attrs(g, d, 2);
		set_slot(g, slot, d);
		maybe_spoil(g, slot);
	}
}

/* Record the address set: @a, clipped to the case's limit. */
static void add_addr(struct fid_case *c, uint64_t a)
{
	if (c->naddrs < FID_MAX_ADDRS)
		c->addrs[c->naddrs++] = a;
}

/* An IPA for a stage-1 leaf (or a stage-1-off access) and its stage 2. */
static uint64_t gen_target_ipa(struct fid_gen *g, struct fid_case *c,
			       unsigned ips_bits, uint64_t mask)
{
	const struct fid_geo *s2 = &c->s2;
	unsigned r = (unsigned)RND(100), ia = s2->ia_bits;
	uint64_t ipa;

	if (r < 70)
		ipa = RBITS() & LOWMASK(ia);
	else if (r < 80)
		ipa = c->t_ipa + (RBITS() & (FID_S1POOL_SIZE - 1));
	else if (r < 90)
		ipa = BIT(ia) + (RBITS() & LOWMASK(ia));   /* out of range */
	else
		ipa = RBITS() & LOWMASK(ips_bits);
	if (r < 70 && g->nleaf_ipa && PCT(25))
		ipa = g->leaf_ipa[RND(g->nleaf_ipa)] ^ (RBITS() & LOWMASK(RND(24)));
	ipa &= mask;
	/* Stage-2 leaves never cover the T window (see the file comment). */
	if (c->t_level && r < 70 && (ipa < c->t_ipa || ipa >= c->t_end) &&
	    !(ipa >> s2->ia_bits)) {   /* beyond: would alias a T slot */
		uint64_t oa = RBITS() & LOWMASK(g->cpu->pa_bits);
		put_leaf(g, c, s2, 2, ipa, oa, g->cpu->pa_bits);
	}
	if (g->nleaf_ipa < sizeof(g->leaf_ipa) / sizeof(g->leaf_ipa[0]))
		g->leaf_ipa[g->nleaf_ipa++] = ipa;
	return ipa;
}

/* Addresses around a leaf of @size bytes at @base: edges and inside. */
static void add_edges(struct fid_gen *g, struct fid_case *c, uint64_t va,
		      unsigned shift)
{
	uint64_t size = BIT(shift), base = va & ~(size - 1);

	add_addr(c, va);
	switch (RND(4)) {
	case 0: add_addr(c, base); break;
	case 1: add_addr(c, base + size - 1); break;
	case 2: add_addr(c, base + size); break;
	default: add_addr(c, base - 1); break;
	}
}

/* A VA in TTBR@sel's range (AArch64), biased to its ends. */
static uint64_t a64_va(struct fid_gen *g, const struct fid_case *c, int sel)
{
	const struct fid_geo *geo = &c->s1[sel];
	uint64_t off, va;

	switch (RND(8)) {
	case 0: off = 0; break;
	case 1: off = LOWMASK(geo->ia_bits); break;
	case 2: off = LOWMASK(geo->ia_bits) & ~7ULL; break;
	default: off = RBITS() & LOWMASK(geo->ia_bits); break;
	}
	va = sel ? ~LOWMASK(geo->ia_bits) | off : off;
	if (PCT(10))
		va ^= RBITS() & GENMASK(63, 56);   /* tag byte (TBI) */
	if (PCT(3))
		va ^= BIT(geo->ia_bits + RND(64 - geo->ia_bits)); /* out of range */
	return va;
}

/* A VA for AArch32 stage 1: TTBR@sel's part of the 32-bit space. */
static uint64_t a32_va(struct fid_gen *g, const struct fid_case *c, int sel)
{
	uint32_t ttbcr = (uint32_t)c->regs.tcr_el1;
	unsigned t0sz = ttbcr & 7, t1sz = (ttbcr >> 16) & 7;
	uint32_t va = (uint32_t)RBITS();

	if (sel == 0 && t0sz)
		va &= 0xffffffffu >> t0sz;
	if (sel == 1 && t1sz)
		va |= ~(0xffffffffu >> t1sz);
	switch (RND(8)) {
	case 0: va = sel ? (t1sz ? ~(0xffffffffu >> t1sz) : (0xffffffffu >> t0sz) + 1) : 0; break;
	case 1: va = sel ? 0xffffffffu : (0xffffffffu >> t0sz); break;
	default: break;
	}
	return va;
}

void fid_gen_case(struct fid_gen *g, uint64_t cfg, struct fid_case *c)
{
	uint64_t seed = g->seed ^ (cfg * 0xd1342543de82ef95ULL), tcr = 0;
	bool vm, mmu, a32, ds = false, sd;
	struct fid_rng sd_rng;
	unsigned ips_bits, ips = 0;
	struct s2_mmu_regs *r = &c->regs;

	fid_rng_seed(&g->rng, seed);
	fid_rng_seed(&g->fwb_rng, seed ^ 0x46574246574246ULL);
	fid_rng_seed(&g->hd_rng, seed ^ 0x4841464442ULL);
	/*
	 * Short descriptors in 40% of the AArch32 configurations with the
	 * MMU on, drawn from a stream of their own: the others stay what
	 * they were before the format was generated.
	 */
	fid_rng_seed(&sd_rng, seed ^ 0x5344455343ULL);
	sd = fid_rng_pct(&sd_rng, 40);
	/* FEAT_S2FWB: HCR_EL2.FWB in 30% of the configurations. */
	g->fwb = g->cpu->s2fwb && fid_rng_pct(&g->fwb_rng, 30);
	clear_log(g);
	*c = (struct fid_case){ .cfg = cfg };
	g->s1_next = s1pool_base(g);
	g->s2_next = s2pool_base(g);
	g->nleaf_ipa = 0;

	vm = PCT(85);
	mmu = PCT(85);
	a32 = PCT(15);
	c->a32 = a32;
	/*
	 * FEAT_HAFDBS in 30% of the configurations, each stage: stage 1 for an
	 * AArch64 EL1 only (TCR_EL1.HA/HD; an AArch32 EL1 has none), stage 2
	 * whatever EL1's state (VTCR_EL2 is EL2's, AArch64.S2Translate).
	 */
	g->s1_ha = g->cpu->hafdbs && !a32 && fid_rng_pct(&g->hd_rng, 30);
	g->s1_hd = g->s1_ha && g->cpu->hafdbs_dirty && fid_rng_pct(&g->hd_rng, 70);
	g->s2_ha = g->cpu->hafdbs && fid_rng_pct(&g->hd_rng, 30);
	g->s2_hd = g->s2_ha && g->cpu->hafdbs_dirty && fid_rng_pct(&g->hd_rng, 70);
	r->hcr_el2 = (a32 ? 0 : HCR_EL2_RW) | (vm ? HCR_EL2_VM : 0) |
		     (PCT(25) ? HCR_EL2_PTW : 0) | (g->fwb ? HCR_EL2_FWB : 0);
	r->sctlr_el1 = 0x30d00800ULL | (mmu ? SCTLR_M : 0) |
		       (RBITS() & (SCTLR_C | SCTLR_I | SCTLR_WXN));
	for (int i = 0; i < 8; i++)
		r->mair_el1 |= (uint64_t)mair_vals[RND(sizeof(mair_vals))] << (8 * i);

	gen_s2(g, c);
	c->regs.vtcr_el2 |= (g->s2_ha ? VTCR_EL2_HA : 0) | (g->s2_hd ? VTCR_EL2_HD : 0);
	/* The T window: identity when stage 2 is off, else low IPAs. */
	if (!vm) {
		c->t_ipa = s1pool_base(g);
	} else {
		unsigned lim = c->s2.ia_bits > 31 ? 31 : c->s2.ia_bits;
		c->t_ipa = RND(BIT(lim - 25)) << 25;
		if (c->s2.ia_bits >= 32 && PCT(15))
			c->t_ipa = s1pool_base(g);
		if (c->t_ipa + FID_S1POOL_SIZE > BIT(c->s2.ia_bits))
			c->t_ipa = 0;
	}
	if (vm && c->s2.valid)
		map_t_window(g, c);   /* sets t_level: stage 2 is written */

	/* Stage 1. Short descriptors name 32-bit IPAs: the T window below 4GB. */
	if (a32 && mmu && sd && c->t_ipa + FID_S1POOL_SIZE <= BIT(32)) {
		c->sd = true;
		fid_gen_sd(g, c);
		return;
	}
	if (a32) {
		unsigned t0sz = PCT(50) ? 0 : (unsigned)RND(8);
		unsigned t1sz = PCT(40) ? 0 : (unsigned)RND(8);

		tcr = TTBCR_EAE | t0sz | (uint64_t)t1sz << TTBCR_T1SZ_SHIFT |
		      (PCT(20) ? TTBCR_A1 : 0) | (PCT(3) ? TTBCR_EPD0 : 0) |
		      (PCT(3) ? TTBCR_EPD1 : 0);
		for (int sel = 0; sel < 2; sel++) {
			unsigned tsz = sel ? t1sz : t0sz;
			c->s1[sel] = (struct fid_geo){ .gbits = 12,
				.ia_bits = (uint8_t)(32 - tsz), .valid = true };
			c->s1[sel].start = (int8_t)(tsz < 2 ? 1 : 2);
		}
		ips_bits = 40;
	} else {
		ds = g->cpu->lpa2 && PCT(10);
		ips = ds ? (PCT(70) ? 6 : pick_ps(g, 32)) : pick_ps(g, 32);
		ips_bits = pa_range_bits(ips);
		if (ips_bits > g->cpu->pa_bits)
			ips_bits = g->cpu->pa_bits;
		tcr = gen_s1_a64(g, c, 0, ips_bits, ds) |
		      gen_s1_a64(g, c, 1, ips_bits, ds) |
		      (uint64_t)ips << TCR_EL1_IPS_SHIFT |
		      (PCT(30) ? TCR_EL1_A1 : 0) | (PCT(50) ? TCR_EL1_AS : 0) |
		      (ds ? TCR_EL1_DS : 0) | (RBITS() & (TCR_EL1_SH0_MASK |
							  TCR_EL1_SH1_MASK)) |
		      (g->s1_ha ? TCR_EL1_HA : 0) | (g->s1_hd ? TCR_EL1_HD : 0);
		if (!ds && ips_bits > 48)
			for (int sel = 0; sel < 2; sel++)
				if (c->s1[sel].gbits != 16)
					ips_bits = 48;
	}
	r->tcr_el1 = tcr;
	r->ttbr0_el1 = root_for(g, c, 0) | (RBITS() & GENMASK(63, 48));
	r->ttbr1_el1 = root_for(g, c, 1) | (RBITS() & GENMASK(63, 48));
	if (a32) {
		r->ttbr0_el1 &= GENMASK(55, 0);
		r->ttbr1_el1 &= GENMASK(55, 0);
	}

	if (!mmu) {
		/* Stage 1 off: the addresses are IPAs. */
		while (c->naddrs < FID_MAX_ADDRS - 8) {
			uint64_t ipa = gen_target_ipa(g, c, ips_bits,
						      a32 ? 0xffffffffULL : ~0ULL);
			add_edges(g, c, a32 ? (uint32_t)ipa : ipa, c->s2.gbits);
		}
		add_addr(c, LOWMASK(c->s2.ia_bits));
		add_addr(c, BIT(c->s2.ia_bits));
		add_addr(c, LOWMASK(g->cpu->pa_bits));
		add_addr(c, BIT(g->cpu->pa_bits));
		add_addr(c, RBITS());
		/* An AArch32 EL1 makes 32-bit addresses only. */
		if (a32)
			for (unsigned i = 0; i < c->naddrs; i++)
				c->addrs[i] = (uint32_t)c->addrs[i];
		return;
	}
	/* Paths: a leaf per VA, then addresses around it. */
	for (unsigned p = 0; p < 20 && c->naddrs < FID_MAX_ADDRS - 8; p++) {
		int sel = (int)RND(2);
		const struct fid_geo *geo = &c->s1[sel];
		uint64_t va = a32 ? a32_va(g, c, sel) : a64_va(g, c, sel);
		uint64_t ipa = gen_target_ipa(g, c, ips_bits, ~0ULL);
		uint64_t ia = a32 ? (uint32_t)va : va & LOWMASK(geo->ia_bits);
		unsigned shift;

		shift = put_leaf(g, c, geo, 1, ia, ipa, ips_bits);
		add_edges(g, c, va, shift ? shift : geo->gbits);
		if (PCT(40))
			add_addr(c, va ^ BIT(lvl_shift(geo, 3 - (int)RND(2))));
	}
	while (c->naddrs < FID_MAX_ADDRS) {
		int sel = (int)RND(2);
		add_addr(c, a32 ? a32_va(g, c, sel) : a64_va(g, c, sel));
	}
}

/* ---- reproducer dump ----------------------------------------------------- */

static bool dump_read(const struct fid_gen *g, uint64_t pa, uint64_t *d)
{
	if (pa < g->mem.base || pa - g->mem.base > g->mem.size - 8)
		return false;
	*d = *(const uint64_t *)pa;
	return true;
}

/* Print the descriptors of a walk; returns the output address or ~0. */
static uint64_t dump_regime(const struct fid_gen *g, const struct fid_case *c,
			    const struct fid_geo *geo, unsigned stage,
			    uint64_t ia);

static uint64_t dump_s2(const struct fid_gen *g, const struct fid_case *c,
			uint64_t ipa)
{
	if (!(c->regs.hcr_el2 & HCR_EL2_VM))
		return ipa;
	return dump_regime(g, c, &c->s2, 2, ipa);
}

static uint64_t dump_regime(const struct fid_gen *g, const struct fid_case *c,
			    const struct fid_geo *geo, unsigned stage,
			    uint64_t ia)
{
	uint64_t table = geo->root;

	for (int l = geo->start; l <= 3; l++) {
		uint64_t daddr = table + lvl_index(geo, l, ia) * 8, pa = daddr, d;

		if (stage == 1) {
			hyp_printf("    s1 L%d desc IPA %lx ->\n", l, daddr);
			pa = dump_s2(g, c, daddr);
			if (pa == ~0ULL)
				return ~0ULL;
		}
		if (!dump_read(g, pa, &d)) {
			hyp_printf("    s%u L%d PA %lx outside the region\n",
				   stage, l, pa);
			return ~0ULL;
		}
		hyp_printf("    s%u L%d [%lx] = %016lx\n", stage, l, pa, d);
		if (!(d & DESC_VALID))
			return ~0ULL;
		if (l < 3 && (d & DESC_TABLE)) {
			table = d & GENMASK(47, geo->gbits);
			continue;
		}
		return (d & GENMASK(47, lvl_shift(geo, l))) |
		       (ia & LOWMASK(lvl_shift(geo, l)));
	}
	return ~0ULL;
}

void fid_dump_walk(const struct fid_gen *g, const struct fid_case *c,
		   uint64_t va)
{
	const struct s2_mmu_regs *r = &c->regs;
	uint64_t ipa = va;

	if (c->sd) {
		fid_dump_walk_sd(g, c, va);
		return;
	}
	hyp_printf("  HCR_EL2=%lx VTCR_EL2=%lx VTTBR_EL2=%lx\n"
		   "  SCTLR_EL1=%lx TCR_EL1=%lx MAIR_EL1=%lx\n"
		   "  TTBR0_EL1=%lx TTBR1_EL1=%lx T-window IPA %lx = PA %lx\n",
		   r->hcr_el2, r->vtcr_el2, r->vttbr_el2, r->sctlr_el1,
		   r->tcr_el1, r->mair_el1, r->ttbr0_el1, r->ttbr1_el1,
		   c->t_ipa, g->mem.base);
	hyp_printf("  geometry: s2 %uK start L%d ia %u%s; s1 TTBR0 %uK L%d ia %u;"
		   " TTBR1 %uK L%d ia %u%s\n",
		   1u << (c->s2.gbits - 10), c->s2.start, c->s2.ia_bits,
		   c->s2.valid ? "" : " (invalid on purpose)",
		   1u << (c->s1[0].gbits - 10), c->s1[0].start, c->s1[0].ia_bits,
		   1u << (c->s1[1].gbits - 10), c->s1[1].start, c->s1[1].ia_bits,
		   c->a32 ? " (AArch32 LPAE)" : "");
	if (r->sctlr_el1 & SCTLR_M) {
		int sel = fid_s1_select(c, va);
		uint64_t ia = c->a32 ? (uint32_t)va : va & LOWMASK(c->s1[sel].ia_bits);

		hyp_printf("  stage 1 via TTBR%d:\n", sel);
		ipa = dump_regime(g, c, &c->s1[sel], 1, ia);
		if (ipa == ~0ULL)
			return;
		hyp_printf("  IPA %lx\n", ipa);
	}
	if (r->hcr_el2 & HCR_EL2_VM) {
		hyp_printf("  stage 2 of IPA %lx:\n", ipa);
		dump_s2(g, c, ipa);
	}
}

/* ---- leaves, for the fetch checks (fetch.c) ------------------------------ */

/* A descriptor's output address field, in the format @geo uses. */
static uint64_t oa_decode(const struct fid_geo *geo, uint64_t d)
{
	uint64_t oa = d & GENMASK(47, geo->gbits);

	if (geo->ds)
		oa = (d & GENMASK(49, geo->gbits)) | ((d >> 8) & 3) << 50;
	else if (geo->lpa64k)
		oa |= ((d >> 12) & 0xf) << 48;
	return oa;
}

static uint64_t oa_field(const struct fid_geo *geo)
{
	if (geo->ds)
		return GENMASK(49, geo->gbits) | DESC_OA52_LPA2_MASK;
	return GENMASK(47, geo->gbits) | (geo->lpa64k ? DESC_OA52_64K_MASK : 0);
}

uint64_t *fid_leaf_slot(const struct fid_gen *g, const struct fid_case *c,
			const struct fid_geo *geo, unsigned stage, uint64_t ia,
			unsigned *shift, uint64_t *oa)
{
	uint64_t pa = tbl_pa(c, g, stage, geo->root);

	if (!geo->valid || !in_pool(g, stage, pa))
		return NULL;
	for (int l = geo->start < 0 ? 0 : geo->start; l <= 3; l++) {
		uint64_t *slot = (uint64_t *)(pa + lvl_index(geo, l, ia) * 8);
		uint64_t d = *slot;

		if (!(d & DESC_VALID))
			return NULL;
		/* A block (at any level: QEMU 7.2 takes those at levels
		 * without blocks too) or a page. */
		if ((l < 3 && (d & DESC_TYPE_MASK) == DESC_TYPE_BLOCK) ||
		    (l == 3 && (d & DESC_PAGE))) {
			*shift = lvl_shift(geo, l);
			*oa = oa_decode(geo, d) & ~LOWMASK(*shift);
			return slot;
		}
		if (l == 3 || (geo->ds && (d & DESC_OA52_LPA2_MASK)) ||
		    (geo->lpa64k && (d & DESC_OA52_64K_MASK)))
			return NULL;
		pa = tbl_pa(c, g, stage, d & GENMASK(47, geo->gbits));
		if (!in_pool(g, stage, pa))
			return NULL;
	}
	return NULL;
}

static unsigned add_slot(struct fid_slot *out, unsigned n, unsigned max, uint64_t *slot,
			 enum fid_slot_kind kind)
{
	/* A slot both on the walk and the final leaf (the output IPA in the
	 * T window) is the final leaf: an AT's own access goes through it. */
	for (unsigned i = 0; i < n; i++)
		if (out[i].slot == slot) {
			if (kind == FID_SLOT_S1_LEAF || kind == FID_SLOT_S2_LEAF)
				out[i].kind = kind;
			return n;
		}
	if (!slot || n >= max)
		return n;
	out[n] = (struct fid_slot){ slot, kind };
	return n + 1;
}

unsigned fid_walk_slots(const struct fid_gen *g, const struct fid_case *c, uint64_t va,
			struct fid_slot *out, unsigned max)
{
	bool vm = (c->regs.hcr_el2 & HCR_EL2_VM) && c->s2.valid;
	uint64_t ipa = va, oa;
	unsigned n = 0, shift;

	if (c->sd) {
		/* Short descriptors have no Access flag nor dirty state that
		 * hardware updates; stage 2's leaves of what it reads do. */
		uint64_t desc[2], oipa;
		unsigned nd;
		bool leaf;

		if (!vm)
			return 0;
		leaf = fid_sd_walk_ipas(g, c, va, desc, &nd, &oipa);
		for (unsigned j = 0; j < nd; j++)
			n = add_slot(out, n, max,
				     fid_leaf_slot(g, c, &c->s2, 2, desc[j], &shift, &oa),
				     FID_SLOT_S2_TWALK);
		if (leaf)
			n = add_slot(out, n, max,
				     fid_leaf_slot(g, c, &c->s2, 2, oipa, &shift, &oa),
				     FID_SLOT_S2_LEAF);
		return n;
	}
	if (c->regs.sctlr_el1 & SCTLR_M) {
		const struct fid_geo *geo = &c->s1[fid_s1_select(c, va)];
		uint64_t ia = c->a32 ? (uint32_t)va : va & LOWMASK(geo->ia_bits);
		uint64_t pa = tbl_pa(c, g, 1, geo->root);
		bool leaf = false;

		if (!geo->valid || !in_pool(g, 1, pa))
			return 0;
		for (int l = geo->start < 0 ? 0 : geo->start; l <= 3 && !leaf; l++) {
			uint64_t *slot = (uint64_t *)(pa + lvl_index(geo, l, ia) * 8);
			uint64_t d = *slot;

			if (vm)
				n = add_slot(out, n, max, fid_leaf_slot(g, c, &c->s2, 2,
						tbl_addr(c, g, 1, (uint64_t)slot), &shift, &oa),
					     FID_SLOT_S2_TWALK);
			leaf = (l < 3 && (d & DESC_TYPE_MASK) == DESC_TYPE_BLOCK) ||
			       (l == 3 && (d & DESC_PAGE));
			n = add_slot(out, n, max, slot, leaf ? FID_SLOT_S1_LEAF : FID_SLOT_S1_TABLE);
			if (!(d & DESC_VALID))
				return n;
			if (leaf) {
				shift = lvl_shift(geo, l);
				ipa = (oa_decode(geo, d) & ~LOWMASK(shift)) | (ia & LOWMASK(shift));
				break;
			}
			if (l == 3 || (geo->ds && (d & DESC_OA52_LPA2_MASK)) ||
			    (geo->lpa64k && (d & DESC_OA52_64K_MASK)))
				return n;
			pa = tbl_pa(c, g, 1, d & GENMASK(47, geo->gbits));
			if (!in_pool(g, 1, pa))
				return n;
		}
		if (!leaf)
			return n;
	}
	if (vm)
		n = add_slot(out, n, max, fid_leaf_slot(g, c, &c->s2, 2, ipa, &shift, &oa),
			     FID_SLOT_S2_LEAF);
	return n;
}

void fid_leaf_set_oa(const struct fid_geo *geo, uint64_t *slot, uint64_t oa)
{
	*slot = (*slot & ~oa_field(geo)) | oa_encode(geo, oa);
}

bool fid_map_exec_page(struct fid_gen *g, struct fid_case *c, unsigned stage,
		       uint64_t ia, uint64_t oa)
{
	const struct fid_geo *geo = stage == 1 ? &c->s1[fid_s1_select(c, ia)] : &c->s2;
	uint64_t *slot = get_slot(g, c, geo, stage, ia, 3, true), d, pa;

	if (!slot || *slot)
		return false;
	if (stage == 1) {
		/*
		 * EL1 read-only, executable at EL1 only (AP=0b10, UXN); for
		 * an AArch32 EL1 (LPAE) bit 54 is XN, bit 60 XNTable: both 0.
		 */
		d = (c->a32 ? 0 : S1_DESC_UXN) | (2ULL << S1_DESC_AP_SHIFT);
		/* No PXNTable (nor XNTable) on the way. */
		pa = tbl_pa(c, g, 1, geo->root);
		for (int l = geo->start; l < 3; l++) {
			uint64_t *t = (uint64_t *)(pa + lvl_index(geo, l, ia) * 8);

			*t &= ~(S1_TABLE_PXNTABLE | (c->a32 ? S1_TABLE_UXNTABLE : 0));
			pa = tbl_pa(c, g, 1, *t & GENMASK(47, geo->gbits));
		}
	} else {
		d = (3ULL << S2_DESC_S2AP_SHIFT) |
		    (uint64_t)S2_MEMATTR_NORMAL_WB << S2_DESC_MEMATTR_SHIFT;
	}
	d |= oa_encode(geo, oa) | DESC_VALID | DESC_PAGE | DESC_AF |
	     (geo->ds ? 0 : DESC_SH_IS << DESC_SH_SHIFT);
	set_slot(g, slot, d);
	return true;
}

/* ---- for gen_sd.c (gen_int.h) ------------------------------------------ */

uint64_t fid_s1_alloc(struct fid_gen *g, struct fid_case *c, uint64_t size)
{
	return pool_alloc(g, c, 1, size);
}

void fid_set_slot(struct fid_gen *g, uint64_t *slot, uint64_t d)
{
	set_slot(g, slot, d);
}

uint64_t fid_s1_ipa(const struct fid_case *c, const struct fid_gen *g, uint64_t pa)
{
	return tbl_addr(c, g, 1, pa);
}

uint64_t fid_s1_pa(const struct fid_case *c, const struct fid_gen *g, uint64_t ipa)
{
	return tbl_pa(c, g, 1, ipa);
}

bool fid_s1_in_pool(const struct fid_gen *g, uint64_t pa)
{
	return in_pool(g, 1, pa);
}

uint64_t fid_target_ipa(struct fid_gen *g, struct fid_case *c, unsigned ips_bits,
			uint64_t mask)
{
	return gen_target_ipa(g, c, ips_bits, mask);
}

void fid_add_addr(struct fid_case *c, uint64_t a)
{
	add_addr(c, a);
}

void fid_add_edges(struct fid_gen *g, struct fid_case *c, uint64_t va, unsigned shift)
{
	add_edges(g, c, va, shift);
}

uint64_t fid_dump_s2(const struct fid_gen *g, const struct fid_case *c, uint64_t ipa)
{
	return dump_s2(g, c, ipa);
}

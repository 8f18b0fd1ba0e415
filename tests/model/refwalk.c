/* SPDX-License-Identifier: MIT */
/*
 * The reference walker of refwalk.h: the Arm ARM's translation table walk
 * (DDI 0487, "The AArch64 Virtual Memory System Architecture", the
 * VMSAv8-32 chapter for an AArch32 EL1's stage 1, and their translation
 * pseudocode) written out plainly for the tests.
 * Every field is named here as the Arm ARM names it, from its bit
 * positions in the register or descriptor descriptions, not from the
 * project's arch.h.
 */
#include <stdio.h>
#include <string.h>

#include "refwalk.h"

/* v[hi:lo] */
static uint64_t field(uint64_t v, unsigned hi, unsigned lo)
{
	unsigned n = hi - lo + 1;

	return (v >> lo) & (n >= 64 ? ~0ULL : (1ULL << n) - 1);
}

static bool bit(uint64_t v, unsigned n)
{
	return (v >> n) & 1;
}

/* The low @n bits set. */
static uint64_t ones(unsigned n)
{
	return n >= 64 ? ~0ULL : (1ULL << n) - 1;
}

/* One stage's walk parameters (AArch64.GetS1TTWParams, GetS2TTWParams). */
struct params {
	unsigned stage;     /* 1 or 2 */
	unsigned gbits;     /* TGxGranuleBits(): 12, 14 or 16 */
	unsigned stride;    /* gbits - 3 */
	unsigned ia;        /* input address size, 64 - TxSZ */
	unsigned oa;        /* output address size (AArch64.PAMax capped) */
	int start;          /* start level */
	bool ds;            /* TCR_ELx.DS / VTCR_EL2.DS in effect */
	uint64_t base;      /* start table address, aligned to its size */
	unsigned fault;     /* a fault every lookup takes (level 0), or 0 */
};

struct ctx {
	const struct s2_mmu_mem *mem;
	const struct s2_mmu_cpu *cpu;
	const struct s2_mmu_regs *regs;
	struct params s2;
	bool ptw;           /* HCR_EL2.PTW: walks to Device memory fault */
	bool fwb;           /* HCR_EL2.FWB in effect (FEAT_S2FWB) */
	/*
	 * FEAT_HAFDBS: TCR_EL1.HA [39], HD [40]; VTCR_EL2.HA [21], HD [22];
	 * RES0 without the feature (HD without its dirty-state part), and
	 * HD in effect only with HA (walkparams.ha && walkparams.hd).
	 */
	bool ha1, hd1, ha2, hd2;
	bool at;            /* an AT instruction: no dirty state */
	struct refwalk_result *out;  /* its updates: what the walk reads */
};

/*
 * AArch64.MaxTxSZ: 39, or with FEAT_TTST 48 (4KB, 16KB) and 47 (64KB).
 */
static unsigned max_txsz(const struct s2_mmu_cpu *cpu, unsigned gbits)
{
	if (!cpu->ttst)
		return 39;
	return gbits == 16 ? 47 : 48;
}

/* A leaf descriptor as a walk ends on it. */
struct leaf {
	uint64_t desc;
	uint64_t daddr;     /* where it was read (stage 1: its IPA; stage 2: PA) */
	uint64_t out;       /* output address of the input address */
	uint64_t tbl;       /* stage 1: table descriptors' bits [63:59], ORed */
	int level;
};

static void set_fault(struct refwalk_result *r, unsigned type, int level,
		      unsigned stage)
{
	r->fault = type;
	r->level = level;
	r->stage = stage;
}

/*
 * A descriptor read from physical memory; outside the window it is an
 * external abort on the walk (the window is all the memory there is).
 */
static bool read_desc(const struct ctx *c, uint64_t pa, uint64_t *d)
{
	const struct refwalk_result *o = c->out;

	if (pa < c->mem->base || pa - c->mem->base > c->mem->size - 8)
		return false;
	/* This walk's own updates, the last one first. */
	for (unsigned i = o->n_upd; i-- > 0;) {
		if (o->upd_pa[i] == pa) {
			*d = o->upd_val[i];
			return true;
		}
	}
	memcpy(d, (const uint8_t *)c->mem->host + (pa - c->mem->base), 8);
	return true;
}

/* The hardware's update of the descriptor at @pa to @v (kept, not written). */
static void write_desc(struct ctx *c, uint64_t pa, uint64_t v)
{
	struct refwalk_result *o = c->out;

	if (o->n_upd < REFWALK_UPD_MAX) {
		o->upd_pa[o->n_upd] = pa;
		o->upd_val[o->n_upd++] = v;
	}
}

/*
 * TGx: 0 for a reserved or unimplemented granule (out of scope: the Arm
 * ARM leaves the choice IMPLEMENTATION DEFINED).
 */
static unsigned granule_bits(const struct s2_mmu_cpu *cpu, unsigned size_kb)
{
	if (size_kb == 4 && cpu->gran_4k)
		return 12;
	if (size_kb == 16 && cpu->gran_16k)
		return 14;
	if (size_kb == 64 && cpu->gran_64k)
		return 16;
	return 0;
}

/*
 * The output address size of a PS/IPS encoding: capped at PAMax, and at
 * 48 bits unless the granule is 64KB (FEAT_LPA) or DS=1 (FEAT_LPA2). The
 * reserved 0b111 behaves as 0b110, 52 bits (VTCR_EL2.PS: "other values
 * are reserved ... behave in the same way as 0b110").
 */
static unsigned out_size(const struct s2_mmu_cpu *cpu, unsigned ps,
			 unsigned gbits, bool ds)
{
	static const unsigned pa[8] = { 32, 36, 40, 42, 44, 48, 52, 52 };
	unsigned oa = pa[ps];

	if (oa > cpu->pa_bits)
		oa = cpu->pa_bits;
	if (oa > 48 && gbits != 16 && !ds)
		oa = 48;
	return oa;
}

/*
 * The address a table, block or page descriptor holds (AArch64.NextTableBase,
 * AArch64.BlockBase): OA[47:gbits] in place, or OA[49:gbits] with DS
 * and OA[51:50] in bits [9:8]; with 64KB and a 52-bit OA, OA[51:48] in
 * bits [15:12].
 */
static uint64_t desc_addr(const struct params *p, uint64_t d)
{
	uint64_t a;

	if (p->ds) {
		a = field(d, 49, p->gbits) << p->gbits;
		return a | field(d, 9, 8) << 50;
	}
	a = field(d, 47, p->gbits) << p->gbits;
	if (p->gbits == 16 && p->oa == 52)
		a |= field(d, 15, 12) << 48;
	return a;
}

/* AArch64.BlockDescSupported: the levels a block descriptor may sit at. */
static bool block_ok(const struct ctx *c, const struct params *p, int level)
{
	switch (p->gbits) {
	case 12:
		return level == 1 || level == 2 || (level == 0 && p->ds);
	case 14:
		return level == 2 || (level == 1 && p->ds);
	default:
		return level == 2 || (level == 1 && c->cpu->pa_bits == 52);
	}
}

/*
 * The translation table base of TTBRn_EL1/VTTBR_EL2 (BADDR, with
 * BADDR[51:48] in bits [5:2] when the OA is 52 bits), aligned to the
 * start table's size; false when beyond the output size (an Address
 * size fault at level 0, AArch64.S1Walk/S2Walk).
 */
static bool table_base(struct params *p, uint64_t ttbr)
{
	unsigned start_shift = p->gbits + (unsigned)(3 - p->start) * p->stride;
	uint64_t b = field(ttbr, 47, 1) << 1;

	if (p->oa == 52)
		b |= field(ttbr, 5, 2) << 48;
	else if (b >> p->oa)
		return false;
	/* Bits below the table's size are RES0: ignored. */
	p->base = b & ~ones(p->ia - start_shift + 3);
	return true;
}

/*
 * VTCR_EL2 and VTTBR_EL2 (AArch64.S2Translate's register checks): T0SZ
 * [5:0], SL0 [7:6], TG0 [15:14], PS [18:16], DS [32], SL2 [33].
 */
static int s2_params(struct ctx *c)
{
	uint64_t vtcr = c->regs->vtcr_el2;
	static const unsigned tg0_kb[4] = { 4, 64, 16, 0 };
	struct params *p = &c->s2;
	unsigned t0sz, sl0, min_txsz, levels, min_ia, max_ia;
	bool sl2;

	*p = (struct params){ .stage = 2 };
	p->gbits = granule_bits(c->cpu, tg0_kb[field(vtcr, 15, 14)]);
	if (!p->gbits)
		return REFWALK_UNSUPPORTED;
	p->stride = p->gbits - 3;
	/* DS is RES0 without FEAT_LPA2, and with the 64KB granule. */
	p->ds = c->cpu->lpa2 && bit(vtcr, 32) && p->gbits != 16;
	p->oa = out_size(c->cpu, (unsigned)field(vtcr, 18, 16), p->gbits, p->ds);

	/*
	 * AArch64.S2TxSZFaults with AArch64.S2MinTxSZ: 64 - PAMax, where a
	 * 52-bit PAMax counts as 48 unless 64KB or DS; at most 24 when EL1
	 * is AArch32 (HCR_EL2.RW = 0). Below it: a fault (required with
	 * FEAT_LPA, the IMPLEMENTATION DEFINED choice without). AArch64.MaxTxSZ.
	 */
	t0sz = (unsigned)field(vtcr, 5, 0);
	if (c->cpu->pa_bits == 52)
		min_txsz = (p->gbits == 16 || p->ds) ? 12 : 16;
	else
		min_txsz = 64 - c->cpu->pa_bits;
	if (!bit(c->regs->hcr_el2, 31) && min_txsz > 24)
		min_txsz = 24;
	if (t0sz < min_txsz || t0sz > max_txsz(c->cpu, p->gbits))
		goto bad;
	p->ia = 64 - t0sz;

	/* AArch64.S2StartLevel and AArch64.S2InvalidSL. */
	sl0 = (unsigned)field(vtcr, 7, 6);
	sl2 = p->ds && bit(vtcr, 33);   /* SL2 is RES0 unless DS=1 */
	switch (p->gbits) {
	case 12:
		if (sl2) {
			/* SL2:SL0 = 0b100: level -1 with PAMax 52 only;
			 * 0b1x1, 0b11x reserved. */
			if (sl0 != 0 || c->cpu->pa_bits < 52)
				goto bad;
			p->start = -1;
		} else if (sl0 == 3) {
			if (!c->cpu->ttst)
				goto bad;      /* level 3 needs FEAT_TTST */
			p->start = 3;
		} else {
			p->start = 2 - (int)sl0;
			if (sl0 == 2 && c->cpu->pa_bits < 44)
				goto bad;
		}
		break;
	case 14:
		p->start = 3 - (int)sl0;
		if ((sl0 == 3 && (!p->ds || c->cpu->pa_bits < 52)) ||
		    (sl0 == 2 && c->cpu->pa_bits < 42))
			goto bad;
		break;
	default:
		p->start = 3 - (int)sl0;
		if (sl0 == 3 || (sl0 == 2 && c->cpu->pa_bits < 44))
			goto bad;
		break;
	}
	/*
	 * AArch64.S2InconsistentSL: the start level must resolve at least
	 * one bit and at most one level's bits plus 16 concatenated tables.
	 */
	levels = (unsigned)(3 - p->start);
	min_ia = levels * p->stride + p->gbits + 1;
	max_ia = min_ia + (p->stride - 1) + 4;
	if (p->ia < min_ia || p->ia > max_ia)
		goto bad;
	if (!table_base(p, c->regs->vttbr_el2))
		p->fault = S2_MMU_FAULT_ADDR_SIZE;
	return 0;
bad:
	p->fault = S2_MMU_FAULT_TRANSLATION;
	return 0;
}

static unsigned s1_fetch(struct ctx *c, uint64_t ipa, int level, uint64_t *d,
			 struct refwalk_result *r);

/*
 * One stage's table walk of @in from its start level (AArch64.S1Walk,
 * AArch64.S2Walk): 0 and the leaf in @lf, or the fault in @r. Stage-1
 * descriptors are fetched through stage 2 (s1_fetch()).
 */
static unsigned walk(struct ctx *c, const struct params *p, uint64_t in,
		     bool s1ptw, struct leaf *lf, struct refwalk_result *r)
{
	uint64_t table = p->base, tbl = 0, d, oa;
	int level = p->start;
	unsigned t;

	for (;;) {
		unsigned shift = p->gbits + (unsigned)(3 - level) * p->stride;
		/* The start level indexes every bit above it (concatenation). */
		unsigned nbits = level == p->start ? p->ia - shift : p->stride;
		uint64_t daddr = table + field(in, shift + nbits - 1, shift) * 8;
		bool is_table;

		if (p->stage == 1) {
			t = s1_fetch(c, daddr, level, &d, r);
			if (t)
				return t;
		} else if (!read_desc(c, daddr, &d)) {
			set_fault(r, S2_MMU_FAULT_EXT_ABORT, level, 2);
			r->s1ptw = s1ptw;
			return S2_MMU_FAULT_EXT_ABORT;
		}
		/* AArch64.DecodeDescriptorType. */
		if (!bit(d, 0))
			goto translation;
		if (level == 3) {
			if (!bit(d, 1))    /* 0b01 at level 3: reserved */
				goto translation;
			is_table = false;
		} else {
			is_table = bit(d, 1);
			if (!is_table && !block_ok(c, p, level))
				goto translation;
		}
		/* AArch64.OAOutOfRange, for the next table as for the leaf. */
		oa = desc_addr(p, d);
		if (oa >> p->oa) {
			set_fault(r, S2_MMU_FAULT_ADDR_SIZE, level, p->stage);
			r->s1ptw = s1ptw;
			return S2_MMU_FAULT_ADDR_SIZE;
		}
		if (!is_table) {
			lf->desc = d;
			lf->daddr = daddr;
			lf->tbl = tbl;
			lf->level = level;
			lf->out = (oa & ~ones(shift)) | (in & ones(shift));
			return 0;
		}
		/* APTable [62:61], UXNTable [60], PXNTable [59] (stage 1). */
		tbl |= d & (0x1fULL << 59);
		table = oa;
		level++;
	}
translation:
	set_fault(r, S2_MMU_FAULT_TRANSLATION, level, p->stage);
	r->s1ptw = s1ptw;
	return S2_MMU_FAULT_TRANSLATION;
}

/*
 * Stage-2 permissions (AArch64.S2ComputePermissions): S2AP, XN[1:0]; with
 * HD, DBM [51] makes S2AP[1] effectively 1 (AArch64.S2ApplyOutputPerms).
 */
static unsigned s2_perm(const struct ctx *c, uint64_t d)
{
	unsigned p = 0, xn = (unsigned)field(d, 54, 53);
	bool x0, x1;

	if (bit(d, 6))                 /* S2AP[0]: read */
		p |= S2_MMU_PERM_R0 | S2_MMU_PERM_R1;
	if (bit(d, 7) || (c->hd2 && bit(d, 51)))   /* S2AP[1]: write */
		p |= S2_MMU_PERM_W0 | S2_MMU_PERM_W1;
	if (c->cpu->xnx) {
		/* FEAT_XNX: 00 both, 01 EL0 only, 10 none, 11 EL1 only. */
		x0 = xn == 0 || xn == 1;
		x1 = xn == 0 || xn == 3;
	} else {
		x0 = x1 = !(xn & 2);   /* XN[0] is RES0 */
	}
	if (x0)
		p |= S2_MMU_PERM_X0;
	if (x1)
		p |= S2_MMU_PERM_X1;
	return p;
}

/*
 * Stage 2 of @ipa up to its leaf and its Access flag (AArch64.S2Translate
 * without the permission check): register faults and an IPA beyond T0SZ
 * are translation faults at level 0, checked before the walk.
 */
static unsigned s2_lookup(struct ctx *c, uint64_t ipa, bool s1ptw,
			  struct leaf *lf, struct refwalk_result *r)
{
	unsigned t;

	r->fault_ipa = ipa;
	if (c->s2.fault == S2_MMU_FAULT_TRANSLATION || (ipa >> c->s2.ia)) {
		set_fault(r, S2_MMU_FAULT_TRANSLATION, 0, 2);
		r->s1ptw = s1ptw;
		return S2_MMU_FAULT_TRANSLATION;
	}
	if (c->s2.fault) {
		set_fault(r, c->s2.fault, 0, 2);
		r->s1ptw = s1ptw;
		return c->s2.fault;
	}
	t = walk(c, &c->s2, ipa, s1ptw, lf, r);
	if (t)
		return t;
	/* Without VTCR_EL2.HA, AF=0 is an Access flag fault. */
	if (!bit(lf->desc, 10) && !c->ha2) {
		set_fault(r, S2_MMU_FAULT_ACCESS_FLAG, lf->level, 2);
		r->s1ptw = s1ptw;
		return S2_MMU_FAULT_ACCESS_FLAG;
	}
	return 0;
}

/*
 * AArch64.S2Translate's update of an allowed access's leaf @lf: AF
 * (VTCR_EL2.HA), and for a write S2AP[1] [7] of a DBM=1 leaf (HD). @af,
 * @dirty: the result's bits to record.
 */
static void s2_update(struct ctx *c, struct leaf *lf, bool write, unsigned af,
		      unsigned dirty)
{
	uint64_t d = lf->desc, nd = d | (1ULL << 10);

	if (write && c->hd2 && bit(d, 51))
		nd |= 1ULL << 7;
	if (nd == d)
		return;
	write_desc(c, lf->daddr, nd);
	if (!bit(d, 10))
		c->out->af_set |= af;
	if (!bit(d, 7) && bit(nd, 7))
		c->out->dirty |= dirty;
	lf->desc = nd;
}

/*
 * A stage-1 descriptor at @ipa: stage 2 translates the fetch, which needs
 * read permission (S2AP[0]) and, with HCR_EL2.PTW, memory that is not
 * Device (MemAttr[3:2] != 0; under HCR_EL2.FWB MemAttr[2] != 0,
 * AArch64.S2ApplyFWBMemAttrs); a stage-2 fault here is reported with
 * S1PTW. The read itself can abort (a stage-1 fault at @level).
 */
static unsigned s1_fetch(struct ctx *c, uint64_t ipa, int level, uint64_t *d,
			 struct refwalk_result *r)
{
	struct leaf lf;
	unsigned t;

	t = s2_lookup(c, ipa, true, &lf, r);
	if (t)
		return t;
	if (!bit(lf.desc, 6) ||
	    (c->ptw && (c->fwb ? !bit(lf.desc, 4) : field(lf.desc, 5, 4) == 0))) {
		set_fault(r, S2_MMU_FAULT_PERMISSION, lf.level, 2);
		r->s1ptw = true;
		return S2_MMU_FAULT_PERMISSION;
	}
	s2_update(c, &lf, false, S2_MMU_AF_S2PTW, 0);
	if (!read_desc(c, lf.out, d)) {
		set_fault(r, S2_MMU_FAULT_EXT_ABORT, level, 1);
		return S2_MMU_FAULT_EXT_ABORT;
	}
	return 0;
}

/*
 * Stage-1 permissions (AArch64.S1ComputePermissions; no PAN, no HPD):
 * AP[2:1] [7:6] with APTable, PXN [53], UXN [54] with PXNTable and
 * UXNTable; memory writable at EL0 is never executable at EL1, and with
 * SCTLR_EL1.WXN [19] writable memory is not executable.
 */
static unsigned s1_perm(const struct ctx *c, const struct leaf *lf, bool dbm)
{
	/* AArch64.S1ApplyOutputPerms: with HD, DBM [51] clears AP[2]. */
	bool ap2 = (bit(lf->desc, 7) && !(dbm && c->hd1 && bit(lf->desc, 51))) ||
		   bit(lf->tbl, 62);
	bool ap1 = bit(lf->desc, 6) && !bit(lf->tbl, 61);
	bool uxn = bit(lf->desc, 54) || bit(lf->tbl, 60);
	bool pxn = bit(lf->desc, 53) || bit(lf->tbl, 59);
	bool wxn = bit(c->regs->sctlr_el1, 19);
	bool r0 = ap1, w0 = ap1 && !ap2, w1 = !ap2;
	bool x0 = !uxn && !(wxn && w0);
	bool x1 = !pxn && !w0 && !(wxn && w1);

	return (r0 ? S2_MMU_PERM_R0 : 0) | (w0 ? S2_MMU_PERM_W0 : 0) |
	       (x0 ? S2_MMU_PERM_X0 : 0) | S2_MMU_PERM_R1 |
	       (w1 ? S2_MMU_PERM_W1 : 0) | (x1 ? S2_MMU_PERM_X1 : 0);
}

/* Does @perm allow access kind @acc at @el? */
static bool allowed(unsigned perm, const struct s2_mmu_access *acc)
{
	static const unsigned bits[2][3] = {
		{ S2_MMU_PERM_R0, S2_MMU_PERM_W0, S2_MMU_PERM_X0 },
		{ S2_MMU_PERM_R1, S2_MMU_PERM_W1, S2_MMU_PERM_X1 },
	};

	return perm & bits[acc->el][acc->acc];
}

/*
 * AArch64.S1Translate's update of the allowed access's leaf @lf: AF (HA),
 * and for a write that is not AT AP[2] [7] cleared on a DBM=1 leaf (HD);
 * the descriptor written at its IPA, which stage 2 translates as a write
 * (CreateAccDescTTEUpdate()): S2AP[1] or DBM needed, a stage-2 fault there
 * is an S1PTW fault on the descriptor's IPA. Returns 0 or the fault.
 */
static unsigned s1_update(struct ctx *c, const struct s2_mmu_access *acc,
			  struct leaf *lf, struct refwalk_result *r)
{
	uint64_t d = lf->desc, nd = d | (1ULL << 10);
	struct leaf l2;
	unsigned t;

	if (acc->acc == S2_MMU_WRITE && !c->at && c->hd1 && bit(d, 51))
		nd &= ~(1ULL << 7);
	if (nd == d)
		return 0;
	t = s2_lookup(c, lf->daddr, true, &l2, r);
	if (t)
		return t;
	if (!(s2_perm(c, l2.desc) & S2_MMU_PERM_W1)) {
		set_fault(r, S2_MMU_FAULT_PERMISSION, l2.level, 2);
		r->s1ptw = true;
		return S2_MMU_FAULT_PERMISSION;
	}
	s2_update(c, &l2, true, S2_MMU_AF_S2PTW, S2_MMU_DIRTY_S2PTW);
	write_desc(c, l2.out, nd);
	if (!bit(d, 10))
		r->af_set |= S2_MMU_AF_S1;
	if (bit(d, 7) && !bit(nd, 7))
		r->dirty |= S2_MMU_DIRTY_S1;
	lf->desc = nd;
	return 0;
}

/*
 * Stage 1 of @va (AArch64.S1Translate): TCR_EL1 T0SZ [5:0], EPD0 [7],
 * TG0 [15:14], T1SZ [21:16], EPD1 [23], TG1 [31:30], IPS [34:32], TBI0
 * [37], TBI1 [38], DS [59]. Returns 0 with the IPA in @r->ipa.
 */
static int stage1(struct ctx *c, const struct s2_mmu_access *acc,
		  struct refwalk_result *r, bool *done)
{
	const struct s2_mmu_regs *regs = c->regs;
	uint64_t tcr = regs->tcr_el1, va = acc->va, ttbr, top_bits;
	static const unsigned tg0_kb[4] = { 4, 64, 16, 0 };
	static const unsigned tg1_kb[4] = { 0, 16, 4, 64 };
	bool sel = bit(va, 55), tbi = bit(tcr, sel ? 38 : 37);
	unsigned top = tbi ? 55 : 63, tsz, min_txsz;
	struct params p = { .stage = 1 };
	struct leaf lf;

	*done = false;
	if (!bit(regs->sctlr_el1, 0)) {
		/* AArch64.S1DisabledOutput: VA[top:PAMax] must be zero. */
		if (field(va, top, c->cpu->pa_bits)) {
			set_fault(r, S2_MMU_FAULT_ADDR_SIZE, 0, 1);
			return 0;
		}
		r->ipa = field(va, top, 0);
		*done = true;
		return 0;
	}
	p.gbits = granule_bits(c->cpu, sel ? tg1_kb[field(tcr, 31, 30)]
				       : tg0_kb[field(tcr, 15, 14)]);
	if (!p.gbits)
		return REFWALK_UNSUPPORTED;
	p.stride = p.gbits - 3;
	p.ds = c->cpu->lpa2 && bit(tcr, 59) && p.gbits != 16;
	p.oa = out_size(c->cpu, (unsigned)field(tcr, 34, 32), p.gbits, p.ds);
	tsz = (unsigned)(sel ? field(tcr, 21, 16) : field(tcr, 5, 0));
	/*
	 * AArch64.S1MinTxSZ: 12 with DS, or 64KB with FEAT_LVA (the CPU
	 * description has no LVA: a 52-bit PA CPU is taken to have it).
	 * Out of range: a level 0 translation fault (IMPLEMENTATION DEFINED,
	 * the model's and QEMU's choice).
	 */
	min_txsz = (p.ds || (p.gbits == 16 && c->cpu->pa_bits == 52)) ? 12 : 16;
	p.ia = 64 - tsz;
	/* AArch64.VAIsOutOfRange: VA[top:ia] all equal to VA[55]. */
	top_bits = field(va, top, p.ia < top ? p.ia : top);
	if (tsz < min_txsz || tsz > max_txsz(c->cpu, p.gbits) ||
	    top_bits != (sel ? ones(top - p.ia + 1) : 0) ||
	    bit(tcr, sel ? 23 : 7)) {
		set_fault(r, S2_MMU_FAULT_TRANSLATION, 0, 1);
		return 0;
	}
	/* Start level: enough levels of stride bits to resolve the rest. */
	p.start = 4 - (int)((p.ia - p.gbits + p.stride - 1) / p.stride);
	ttbr = sel ? regs->ttbr1_el1 : regs->ttbr0_el1;
	if (!table_base(&p, ttbr)) {
		set_fault(r, S2_MMU_FAULT_ADDR_SIZE, 0, 1);
		return 0;
	}
	if (walk(c, &p, va, false, &lf, r))
		return 0;
	if (!bit(lf.desc, 10) && !c->ha1) {
		set_fault(r, S2_MMU_FAULT_ACCESS_FLAG, lf.level, 1);
		return 0;
	}
	r->s1_level = lf.level;
	r->s1_desc = lf.desc;
	r->s1_tbl = lf.tbl;
	r->s1_perm = s1_perm(c, &lf, true);
	r->ipa = lf.out;
	if (!allowed(r->s1_perm, acc)) {
		set_fault(r, S2_MMU_FAULT_PERMISSION, lf.level, 1);
		return 0;
	}
	if (s1_update(c, acc, &lf, r))
		return 0;
	if (r->s1_perm != s1_perm(c, &lf, false))
		r->dirty |= S2_MMU_CLEAN_S1;
	*done = true;
	return 0;
}

/* The final stage 2 of @r->ipa and its permission check. */
static void final_s2(struct ctx *c, const struct s2_mmu_access *acc,
		     struct refwalk_result *r)
{
	struct leaf lf;

	if (s2_lookup(c, r->ipa, false, &lf, r))
		return;
	r->s2_level = lf.level;
	r->pa = lf.out;
	if (!allowed(s2_perm(c, lf.desc), acc)) {
		r->s2_perm = s2_perm(c, lf.desc);
		set_fault(r, S2_MMU_FAULT_PERMISSION, lf.level, 2);
		r->fault_ipa = r->ipa;
		return;
	}
	s2_update(c, &lf, acc->acc == S2_MMU_WRITE && !c->at, S2_MMU_AF_S2,
		  S2_MMU_DIRTY_S2);
	r->s2_perm = s2_perm(c, lf.desc);
	if (c->hd2 && bit(lf.desc, 51) && !bit(lf.desc, 7))
		r->dirty |= S2_MMU_CLEAN_S2;
}

/*
 * The AArch32 Short-descriptor stage 1 (TTBCR.EAE=0), from the Arm ARM's
 * VMSAv8-32 chapter (G5) and its pseudocode: AArch32.TranslationTableWalkSD,
 * AArch32.FirstStageTranslate, AArch32.CheckDomain, AArch32.CheckPermission.
 * Register fields: TTBCR N [2:0], PD0 [4], PD1 [5], EAE [31]; SCTLR M [0],
 * WXN [19], UWXN [20], AFE [29]; DACR two bits a domain (00 no access,
 * 01 Client, 10 reserved, 11 Manager).
 */

/* The 32-bit descriptor at @ipa: a stage-1 fetch of its doubleword. */
static unsigned sd_fetch(struct ctx *c, uint32_t ipa, int level, uint32_t *d,
			 struct refwalk_result *r)
{
	uint64_t dw;
	unsigned t = s1_fetch(c, ipa & ~7u, level, &dw, r);

	if (t) {
		/* A stage-2 fault names the descriptor's own IPA. */
		if (r->stage == 2)
			r->fault_ipa = ipa;
		return t;
	}
	/* Little-endian tables (SCTLR.EE=0): the word at bit 32 * ipa[2]. */
	*d = (uint32_t)(dw >> (bit(ipa, 2) ? 32 : 0));
	return 0;
}

/*
 * AArch32.CheckPermission's grants: AP[0] forced to 1 by SCTLR.AFE, then
 * AP[2:0] 000 no access, 001 PL1 RW, 010 PL1 RW PL0 RO, 011 RW both,
 * 101 PL1 RO, 11x RO both (100 is reserved: never generated). A fetch is
 * execute-never where it may not read, where XN is set, at PL1 where PXN
 * is, where SCTLR.WXN and it may write, and at PL1 where SCTLR.UWXN and
 * PL0 may write.
 */
static unsigned sd_perm(uint64_t sctlr, unsigned ap, bool xn, bool pxn)
{
	bool pr, pw, ur, uw, wxn = bit(sctlr, 19), uwxn = bit(sctlr, 20);
	unsigned p = 0;

	if (bit(sctlr, 29))
		ap |= 1;
	switch (ap) {
	case 0: pr = false; pw = false; ur = false; uw = false; break;
	case 1: pr = true;  pw = true;  ur = false; uw = false; break;
	case 2: pr = true;  pw = true;  ur = true;  uw = false; break;
	case 3: pr = true;  pw = true;  ur = true;  uw = true;  break;
	case 5: pr = true;  pw = false; ur = false; uw = false; break;
	default: pr = true; pw = false; ur = true;  uw = false; break;   /* 11x */
	}
	if (ur)
		p |= S2_MMU_PERM_R0;
	if (uw)
		p |= S2_MMU_PERM_W0;
	if (ur && !xn && !(wxn && uw))
		p |= S2_MMU_PERM_X0;
	if (pr)
		p |= S2_MMU_PERM_R1;
	if (pw)
		p |= S2_MMU_PERM_W1;
	if (pr && !xn && !pxn && !(wxn && pw) && !(uwxn && uw))
		p |= S2_MMU_PERM_X1;
	return p;
}

/* Stage 1 of @acc->va in the Short-descriptor format. */
static void stage1_sd(struct ctx *c, const struct s2_mmu_access *acc,
		      struct refwalk_result *r, bool *done)
{
	const struct s2_mmu_regs *regs = c->regs;
	uint32_t va = (uint32_t)acc->va, ttbcr = (uint32_t)regs->tcr_el1, d, ipa;
	unsigned n = (unsigned)field(ttbcr, 2, 0), ap, dacr, domain = 0;
	bool use1, xn, pxn = false, ng;
	int level;
	uint64_t out;

	*done = false;
	r->domain = 0;
	if (!bit(regs->sctlr_el1, 0)) {   /* stage 1 off: VA = IPA */
		r->ipa = va;
		*done = true;
		return;
	}
	/* TTBR1 when N > 0 and VA[31:32-N] is not zero. */
	use1 = n && field(va, 31, 32 - n);
	if (bit(ttbcr, use1 ? 5 : 4)) {   /* PD1 / PD0 */
		set_fault(r, S2_MMU_FAULT_TRANSLATION, 1, 1);
		return;
	}
	if (use1) {
		/* TTBR1[31:14], VA[31:20]: a 16KB table. */
		ipa = (uint32_t)(field(regs->ttbr1_el1, 31, 14) << 14) |
		      (uint32_t)field(va, 31, 20) << 2;
	} else {
		/* TTBR0[31:14-N], VA[31-N:20]. */
		ipa = (uint32_t)(field(regs->ttbr0_el1, 31, 14 - n) << (14 - n)) |
		      (uint32_t)field(va, 31 - n, 20) << 2;
	}
	if (sd_fetch(c, ipa, 1, &d, r))
		return;
	switch (field(d, 1, 0)) {
	case 0:
		set_fault(r, S2_MMU_FAULT_TRANSLATION, 1, 1);
		return;
	case 1:   /* page table: PXN [2], Domain [8:5], base [31:10] */
		domain = (unsigned)field(d, 8, 5);
		pxn = bit(d, 2);
		r->domain = domain;
		ipa = (uint32_t)(field(d, 31, 10) << 10) | (uint32_t)field(va, 19, 12) << 2;
		if (sd_fetch(c, ipa, 2, &d, r))
			return;
		level = 2;
		switch (field(d, 1, 0)) {
		case 0:
			set_fault(r, S2_MMU_FAULT_TRANSLATION, 2, 1);
			return;
		case 1:   /* large page: XN [15], base [31:16] */
			xn = bit(d, 15);
			out = field(d, 31, 16) << 16 | field(va, 15, 0);
			r->s1_shift = 16;
			break;
		default:  /* small page: XN [0], base [31:12] */
			xn = bit(d, 0);
			out = field(d, 31, 12) << 12 | field(va, 11, 0);
			r->s1_shift = 12;
			break;
		}
		/* AP[1:0] [5:4], AP[2] [9], nG [11] */
		ap = (unsigned)(field(d, 5, 4) | field(d, 9, 9) << 2);
		ng = bit(d, 11);
		break;
	default:  /* section (bit 18 clear) or supersection: PXN [0], XN [4] */
		level = 1;
		pxn = bit(d, 0);
		xn = bit(d, 4);
		ap = (unsigned)(field(d, 11, 10) | field(d, 15, 15) << 2);
		ng = bit(d, 17);
		if (!bit(d, 18)) {
			domain = (unsigned)field(d, 8, 5);
			out = field(d, 31, 20) << 20 | field(va, 19, 0);
			r->s1_shift = 20;
		} else {
			/* Domain 0; PA[39:36] in [8:5], PA[35:32] in [23:20]. */
			domain = 0;
			out = field(d, 8, 5) << 36 | field(d, 23, 20) << 32 |
			      field(d, 31, 24) << 24 | field(va, 23, 0);
			r->s1_shift = 24;
		}
		r->domain = domain;
		break;
	}
	/* The Access flag (AP[0] with SCTLR.AFE), before the domain. */
	if (bit(regs->sctlr_el1, 29) && !(ap & 1)) {
		set_fault(r, S2_MMU_FAULT_ACCESS_FLAG, level, 1);
		return;
	}
	r->s1_level = level;
	r->s1_perm = sd_perm(regs->sctlr_el1, ap, xn, pxn);
	r->ipa = out;
	r->global = !ng;
	dacr = (unsigned)field(regs->dacr32_el2, 2 * domain + 1, 2 * domain);
	/* No access, and the reserved 0b10 taken as no access: Domain fault. */
	if (dacr == 0 || dacr == 2) {
		set_fault(r, S2_MMU_FAULT_DOMAIN, level, 1);
		return;
	}
	/* Client: the permissions; Manager: none. */
	if (dacr == 1 && !allowed(r->s1_perm, acc)) {
		set_fault(r, S2_MMU_FAULT_PERMISSION, level, 1);
		return;
	}
	*done = true;
}

/*
 * The AArch32 Long-descriptor stage 1 (TTBCR.EAE=1, "LPAE"), from the Arm
 * ARM's VMSAv8-32 chapter (G5, the Long-descriptor translation table
 * format) and its pseudocode: AArch32.S1TranslateLD and
 * AArch32.TranslationTableWalkLD (AArch32.S1WalkLD in later issues),
 * AArch32.GetVARange, AArch32.S1ComputePermissions. The granule is 4KB,
 * the output 40 bits; stage 1 has no hardware Access flag or dirty state
 * (TTBCR has no HA/HD). Register fields: TTBCR T0SZ [2:0], EPD0 [7],
 * T1SZ [18:16], A1 [22], EPD1 [23]; the 64-bit TTBRn: BADDR [39:x] with
 * [47:40] zero, ASID [55:48]; SCTLR M [0], WXN [19], UWXN [20].
 * Descriptors: valid [0], table/page [1], AP[2:1] [7:6], AF [10], nG
 * [11], OA [39:12] with [47:40] zero, PXN [53], XN [54]; a table's
 * PXNTable [59], XNTable [60], APTable [62:61].
 */

/*
 * AArch32.GetVARange: TTBR0 holds VA[31:32-T0SZ] zero, TTBR1
 * VA[31:32-T1SZ] ones; a TxSZ of 0 gives that TTBR whatever the other
 * does not take (both 0: all TTBR0). Returns 0, 1, or -1 for a VA in
 * neither (a translation fault).
 */
static int ld_range(uint32_t va, unsigned t0sz, unsigned t1sz)
{
	bool lo = t0sz == 0 || field(va, 31, 32 - t0sz) == 0;
	bool hi = t1sz != 0 && field(va, 31, 32 - t1sz) == ones(t1sz);

	if (t1sz == 0)
		return lo ? 0 : 1;
	if (hi)
		return 1;
	return lo ? 0 : -1;
}

/*
 * AArch32.S1ComputePermissions for the Long-descriptor format: AP[2:1]
 * 00 PL1 RW, 01 RW at both, 10 PL1 RO, 11 RO at both; APTable[1] takes
 * writes away, APTable[0] PL0's access; XN (or XNTable) forbids execution
 * at both PLs, PXN (or PXNTable) at PL1; PL0 executes only what it may
 * read; SCTLR.WXN makes what the PL may write not executable there, and
 * SCTLR.UWXN what PL0 may write not executable at PL1. @tbl: the table
 * descriptors' bits [63:59], ORed.
 */
static unsigned ld_perm(uint64_t sctlr, uint64_t d, uint64_t tbl)
{
	bool ap2 = bit(d, 7) || bit(tbl, 62), ap1 = bit(d, 6) && !bit(tbl, 61);
	bool xn = bit(d, 54) || bit(tbl, 60), pxn = bit(d, 53) || bit(tbl, 59);
	bool wxn = bit(sctlr, 19), uwxn = bit(sctlr, 20);
	bool pr = true, pw = !ap2, ur = ap1, uw = ap1 && !ap2;
	bool ux = ur && !xn && !(wxn && uw);
	bool px = pr && !xn && !pxn && !(wxn && pw) && !(uwxn && uw);

	return (ur ? S2_MMU_PERM_R0 : 0) | (uw ? S2_MMU_PERM_W0 : 0) |
	       (ux ? S2_MMU_PERM_X0 : 0) | (pr ? S2_MMU_PERM_R1 : 0) |
	       (pw ? S2_MMU_PERM_W1 : 0) | (px ? S2_MMU_PERM_X1 : 0);
}

/* Stage 1 of @acc->va in the Long-descriptor format. */
static void stage1_ld(struct ctx *c, const struct s2_mmu_access *acc,
		      struct refwalk_result *r, bool *done)
{
	const struct s2_mmu_regs *regs = c->regs;
	uint32_t va = (uint32_t)acc->va, ttbcr = (uint32_t)regs->tcr_el1;
	unsigned t0sz = (unsigned)field(ttbcr, 2, 0), t1sz = (unsigned)field(ttbcr, 18, 16);
	unsigned tsz, ia, x, shift;
	uint64_t ttbr, table, d, tbl = 0;
	int sel, start, level;

	*done = false;
	if (!bit(regs->sctlr_el1, 0)) {   /* stage 1 off: VA = IPA */
		r->ipa = va;
		*done = true;
		return;
	}
	/* A VA in neither range, or its EPDx set: a level 1 translation fault. */
	sel = ld_range(va, t0sz, t1sz);
	if (sel < 0 || bit(ttbcr, sel ? 23 : 7)) {
		set_fault(r, S2_MMU_FAULT_TRANSLATION, 1, 1);
		return;
	}
	tsz = sel ? t1sz : t0sz;
	ia = 32 - tsz;
	ttbr = sel ? regs->ttbr1_el1 : regs->ttbr0_el1;
	/* TTBR bits [47:40] not zero: an Address size fault, level 0. */
	if (field(ttbr, 47, 40)) {
		set_fault(r, S2_MMU_FAULT_ADDR_SIZE, 0, 1);
		return;
	}
	/*
	 * The walk starts at level 1 for TxSZ 0 or 1 (a table of 4 or 2
	 * entries, BADDR[39:x], x = 5 - TxSZ), else at level 2 (x = 14 -
	 * TxSZ); the bits of BADDR below x are RES0, ignored.
	 */
	start = tsz <= 1 ? 1 : 2;
	x = start == 1 ? 5 - tsz : 14 - tsz;
	table = field(ttbr, 39, x) << x;
	for (level = start;; level++) {
		/*
		 * Level 1 resolves VA[31:30], level 2 VA[29:21], level 3
		 * VA[20:12]; the start level only the bits below the input size.
		 */
		uint64_t daddr;

		shift = 39 - 9 * (unsigned)level;
		daddr = table | field(va, level == start ? ia - 1 : shift + 8, shift) << 3;
		if (s1_fetch(c, daddr, level, &d, r))
			return;
		/* Invalid, or 0b01 at level 3 (reserved). */
		if (!bit(d, 0) || (level == 3 && !bit(d, 1))) {
			set_fault(r, S2_MMU_FAULT_TRANSLATION, level, 1);
			return;
		}
		/* An address with bits [47:40] set: beyond the 40-bit output. */
		if (field(d, 47, 40)) {
			set_fault(r, S2_MMU_FAULT_ADDR_SIZE, level, 1);
			return;
		}
		if (level == 3 || !bit(d, 1))
			break;   /* a block (levels 1 and 2) or a page */
		tbl |= d & (0x1fULL << 59);
		table = field(d, 39, 12) << 12;
	}
	/* No hardware Access flag at an AArch32 stage 1: AF=0 faults. */
	if (!bit(d, 10)) {
		set_fault(r, S2_MMU_FAULT_ACCESS_FLAG, level, 1);
		return;
	}
	r->s1_level = level;
	r->s1_shift = shift;
	r->s1_desc = d;
	r->s1_tbl = tbl;
	r->s1_perm = ld_perm(regs->sctlr_el1, d, tbl);
	r->ipa = field(d, 39, shift) << shift | field(va, shift - 1, 0);
	r->global = !bit(d, 11);
	/* TTBCR.A1 names the TTBR whose ASID non-global entries take. */
	r->asid = r->global ? 0 :
		  (uint16_t)field(bit(ttbcr, 22) ? regs->ttbr1_el1 : regs->ttbr0_el1, 55, 48);
	if (!allowed(r->s1_perm, acc)) {
		set_fault(r, S2_MMU_FAULT_PERMISSION, level, 1);
		return;
	}
	*done = true;
}

static int setup(struct ctx *c, const struct s2_mmu_mem *mem,
		 const struct s2_mmu_cpu *cpu, const struct s2_mmu_regs *regs,
		 struct refwalk_result *out)
{
	*c = (struct ctx){ .mem = mem, .cpu = cpu, .regs = regs,
			   .ptw = bit(regs->hcr_el2, 2),
			   .fwb = cpu->s2fwb && bit(regs->hcr_el2, 46), .out = out };
	c->ha1 = cpu->hafdbs && bit(regs->tcr_el1, 39);
	c->hd1 = c->ha1 && cpu->hafdbs_dirty && bit(regs->tcr_el1, 40);
	c->ha2 = cpu->hafdbs && bit(regs->vtcr_el2, 21);
	c->hd2 = c->ha2 && cpu->hafdbs_dirty && bit(regs->vtcr_el2, 22);
	*out = (struct refwalk_result){ .s1_level = -2, .s2_level = -2,
					.s1_perm = S2_MMU_PERM_ALL,
					.s2_perm = S2_MMU_PERM_ALL };
	return s2_params(c);
}

static int translate(const struct s2_mmu_mem *mem, const struct s2_mmu_cpu *cpu,
		     const struct s2_mmu_regs *regs, const struct s2_mmu_access *acc,
		     struct refwalk_result *out, bool at)
{
	struct ctx c;
	bool done;
	int err;

	/*
	 * HCR_EL2.RW [31] clear: an AArch32 EL1, whose TTBCR.EAE [31] picks
	 * the Long-descriptor format (set) or the Short-descriptor one.
	 */
	bool a32 = !bit(regs->hcr_el2, 31), ld = a32 && bit(regs->tcr_el1, 31);

	err = setup(&c, mem, cpu, regs, out);
	if (err)
		return err;
	c.at = at;
	if (ld)
		stage1_ld(&c, acc, out, &done);
	else if (a32)
		stage1_sd(&c, acc, out, &done);
	else
		err = stage1(&c, acc, out, &done);
	if (err || !done)
		return err;
	final_s2(&c, acc, out);
	return 0;
}

int refwalk_translate(const struct s2_mmu_mem *mem, const struct s2_mmu_cpu *cpu,
		      const struct s2_mmu_regs *regs,
		      const struct s2_mmu_access *acc, struct refwalk_result *out)
{
	return translate(mem, cpu, regs, acc, out, false);
}

int refwalk_at(const struct s2_mmu_mem *mem, const struct s2_mmu_cpu *cpu,
	       const struct s2_mmu_regs *regs, const struct s2_mmu_access *acc,
	       struct refwalk_result *out)
{
	return translate(mem, cpu, regs, acc, out, true);
}

int refwalk_s2(const struct s2_mmu_mem *mem, const struct s2_mmu_cpu *cpu,
	       const struct s2_mmu_regs *regs, const struct s2_mmu_access *acc,
	       struct refwalk_result *out)
{
	struct ctx c;
	int err = setup(&c, mem, cpu, regs, out);

	if (err)
		return err;
	out->ipa = acc->va;
	final_s2(&c, acc, out);
	return 0;
}

#define CHECK(cond, fmt, ...)                                              \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stderr, "refwalk: %s: " fmt "\n", what,    \
				__VA_ARGS__);                              \
			return false;                                      \
		}                                                          \
	} while (0)

bool refwalk_check(const struct refwalk_result *ref,
		   const struct s2_mmu_result *res, const char *what)
{
	const struct s2_mmu_fault *f = &res->fault;
	unsigned long long rp = ref->pa, mp = res->pa;

	CHECK(f->type == ref->fault, "fault type: model %u, reference %u (L%d stage %u s1ptw %d)",
	      f->type, ref->fault, ref->level, ref->stage, ref->s1ptw);
	CHECK(res->af_set == ref->af_set && (res->dirty & 7) == (ref->dirty & 7),
	      "AF set 0x%x dirty 0x%x, reference 0x%x 0x%x", res->af_set,
	      res->dirty & 7, ref->af_set, ref->dirty & 7);
	if (ref->fault) {
		CHECK(f->level == ref->level && f->stage == ref->stage &&
		      f->s1ptw == ref->s1ptw,
		      "fault %u at L%d stage %u s1ptw %d, reference L%d stage %u s1ptw %d",
		      f->type, f->level, f->stage, f->s1ptw, ref->level, ref->stage,
		      ref->s1ptw);
		if (ref->stage == 2)
			CHECK(f->ipa_valid && f->ipa == ref->fault_ipa,
			      "fault IPA 0x%llx, reference 0x%llx",
			      (unsigned long long)f->ipa,
			      (unsigned long long)ref->fault_ipa);
		if (ref->fault == S2_MMU_FAULT_PERMISSION && ref->stage == 2 &&
		    !ref->s1ptw)
			CHECK(mp == rp, "PA 0x%llx, reference 0x%llx", mp, rp);
		return true;
	}
	CHECK(mp == rp, "PA 0x%llx, reference 0x%llx", mp, rp);
	CHECK(res->ipa == ref->ipa, "IPA 0x%llx, reference 0x%llx",
	      (unsigned long long)res->ipa, (unsigned long long)ref->ipa);
	CHECK(res->s1_level == ref->s1_level && res->s2_level == ref->s2_level,
	      "leaf levels S1 %d S2 %d, reference %d %d", res->s1_level,
	      res->s2_level, ref->s1_level, ref->s2_level);
	CHECK(res->s1_perm == ref->s1_perm && res->s2_perm == ref->s2_perm,
	      "permissions S1 0x%x S2 0x%x, reference 0x%x 0x%x", res->s1_perm,
	      res->s2_perm, ref->s1_perm, ref->s2_perm);
	CHECK(res->dirty == ref->dirty, "dirty 0x%x, reference 0x%x", res->dirty,
	      ref->dirty);
	return true;
}

bool refwalk_check_mem(const struct refwalk_result *ref,
		       const struct s2_mmu_mem *mem, const char *what)
{
	for (unsigned i = 0; i < ref->n_upd; i++) {
		uint64_t pa = ref->upd_pa[i], v, want = ref->upd_val[i];
		bool last = true;

		for (unsigned j = i + 1; j < ref->n_upd; j++)
			last = last && ref->upd_pa[j] != pa;
		if (!last)
			continue;
		memcpy(&v, (const uint8_t *)mem->host + (pa - mem->base), 8);
		CHECK(v == want, "descriptor at PA 0x%llx: 0x%llx in memory, reference "
		      "0x%llx", (unsigned long long)pa, (unsigned long long)v,
		      (unsigned long long)want);
	}
	return true;
}

bool refwalk_check_sd(const struct refwalk_result *ref,
		      const struct s2_mmu_result *res, const char *what)
{
	const struct s2_mmu_fault *f = &res->fault;

	if (!refwalk_check(ref, res, what))
		return false;
	/* The domain is known once a level-1 descriptor gave it. */
	if (!ref->fault || (ref->stage == 1 && !(ref->fault == S2_MMU_FAULT_TRANSLATION &&
						 ref->level == 1)))
		CHECK(res->domain == ref->domain, "domain %u, reference %u",
		      res->domain, ref->domain);
	if (!ref->fault) {
		CHECK(res->s1_shift == ref->s1_shift, "stage-1 leaf size 2^%u, reference 2^%u",
		      res->s1_shift, ref->s1_shift);
		CHECK(res->global == ref->global, "global %d, reference %d", res->global,
		      ref->global);
	}
	(void)f;
	return true;
}

bool refwalk_check_ld(const struct refwalk_result *ref,
		      const struct s2_mmu_result *res, const char *what)
{
	if (!refwalk_check(ref, res, what))
		return false;
	/* Stage 1 walked to its leaf (not off) and nothing faulted. */
	if (!ref->fault && ref->s1_level >= 0) {
		CHECK(res->s1_shift == ref->s1_shift, "stage-1 leaf size 2^%u, reference 2^%u",
		      res->s1_shift, ref->s1_shift);
		CHECK(res->global == ref->global, "global %d, reference %d", res->global,
		      ref->global);
		CHECK(res->asid == ref->asid, "ASID %u, reference %u", res->asid, ref->asid);
	}
	return true;
}

/* SPDX-License-Identifier: MIT */
/*
 * Guest stores under FEAT_HAFDBS's dirty state, which no AT can judge:
 * the architecture's AT makes nothing dirty (QEMU 7.2's does, deviation
 * 9). In a configuration with TCR_EL1.HD or VTCR_EL2.HD, after its ATs
 * and fetches, s2hyp makes EL1 (AArch64, or AArch32 with LPAE or the MMU
 * off: stage 2's dirty state) store to its addresses (those whose walk
 * meets a DBM=1 leaf first) and compares what the CPU did with the
 * model's answer for a write at EL1 (s2_mmu_translate(), S2_MMU_WRITE):
 * the abort or its absence, and every descriptor the walk can update
 * (fid_walk_slots(): AF set, AP[2] cleared at stage 1, S2AP[1] set at
 * stage 2, on the final leaves and on the stage-2 leaves of stage-1 table
 * pages, AArch64.S1Translate / AArch64.S2Translate / AArch64.MemSwapTableDesc).
 *
 * Each address's final leaf is first pointed at fetch.c's HVC buffer, and
 * the store writes two HVC #0 there: memory stays what it was. The store
 * routine sits in the vectors' page (FID_VEC_STORE: STR X1, [X0]; HVC #0):
 *   the store wrote              -> EL2, HVC, ELR_EL2 = routine + 8
 *   stage-1 data abort           -> EL1 vector +0x200 runs its HVC;
 *                                   ESR_EL1.EC 0x25, FAR_EL1 = the VA
 *   stage-2 data abort           -> EL2, ESR_EL2.EC 0x24 (S1PTW for the walk),
 *                                   HPFAR_EL2 compared where IPAValid()
 * As run.c does for AT, both start from the same tables: the model writes
 * first, its updates are taken out for the CPU's store and put back after
 * it (the architecture's state is what the next access starts from).
 */
#include "../hyp.h"
#include "coverage.h"
#include "fidelity.h"

#include <s2mm/arch.h>

#define STORE_VALUE	0xd4000002d4000002ULL	/* two HVC #0 */
#define EC_HVC32	0x12
#define EC_HVC64	0x16
#define EC_DABT_LOW	0x24
#define EC_DABT_CUR	0x25
#define ESR_EC(e)	(((e) >> 26) & 0x3f)
#define ESR_DFSC(e)	((e) & 0x3f)
#define ESR_S1PTW	(1ULL << 7)
#define SPSR_DAIF	0x3c0ULL
#define SPSR_EL1H	0x5ULL
#define SPSR_A32_SVC	0x1d3ULL	/* AArch32 Supervisor mode, A, I, F masked */
#define VEC_CUR_SPX	0x200
#define VEC32_DABT	0x10		/* AArch32 Data Abort vector */
#define DFSR_LPAE	(1ULL << 9)	/* DFSR (ESR_EL1[31:0]) in the LPAE format */
#define MAX_SLOTS	16
/* AP[2] and S2AP[1] are both bit 7: dirty is 0 at stage 1, 1 at stage 2. */
#define DIRTY_BIT	S2_DESC_S2AP_W

struct store_out {
	bool weird, hung;
	struct fid_outcome q;
	uint64_t esr, far, elr, hpfar;   /* HPFAR_EL2 of a stage-2 abort */
};

static void tlbi(void)
{
	dsb(ish);
	__asm__ volatile("tlbi alle1" ::: "memory");
	dsb(ish);
	isb();
}

/*
 * Make EL1 run the store routine of the vectors' page at @vbar on @va. An
 * AArch32 EL1 (@a32) runs its A32 routine in Supervisor mode; a stage-1
 * Data Abort takes it to VBAR + 0x10 in Abort mode, DFSR (LPAE format,
 * ESR_EL1[31:0]) and DFAR (FAR_EL1[31:0]) saying why and where.
 */
static void hw_store(uint64_t va, uint64_t vbar, bool a32, struct store_out *o)
{
	struct hyp_regs regs = { .pc = vbar + FID_VEC_STORE,
				 .pstate = a32 ? SPSR_A32_SVC : SPSR_DAIF | SPSR_EL1H };
	uint64_t esr, e1, vector = vbar + (a32 ? VEC32_DABT : VEC_CUR_SPX);
	int v;

	regs.x[0] = va;
	regs.x[1] = STORE_VALUE;
	*o = (struct store_out){ 0 };
	v = fid_el1_run(&regs);
	esr = read_sysreg(esr_el2);
	o->esr = esr;
	o->far = read_sysreg(far_el2);
	o->elr = regs.pc;
	if (v <= 0) {
		o->weird = true;
		o->hung = v < 0;
		return;
	}
	if (ESR_EC(esr) == EC_DABT_LOW && o->far == va) {
		o->q = (struct fid_outcome){ .f = true, .fst = (uint8_t)ESR_DFSC(esr), .s = true,
					     .ptw = (esr & ESR_S1PTW) != 0 };
		o->hpfar = read_sysreg(hpfar_el2);
		return;
	}
	if (ESR_EC(esr) != (a32 ? EC_HVC32 : EC_HVC64)) {
		o->weird = true;
		return;
	}
	if (regs.pc == vbar + FID_VEC_STORE + 8)
		return;   /* it wrote */
	if (regs.pc != vector + 4) {
		o->weird = true;
		return;
	}
	e1 = read_sysreg(esr_el1);
	o->esr = e1;
	o->far = read_sysreg(far_el1);
	o->elr = read_sysreg(elr_el1);
	if (a32 && (e1 & DFSR_LPAE) && (uint32_t)o->far == va) {
		o->q = (struct fid_outcome){ .f = true, .fst = (uint8_t)ESR_DFSC(e1) };
		return;
	}
	if (!a32 && ESR_EC(e1) == EC_DABT_CUR && o->far == va &&
	    o->elr == vbar + FID_VEC_STORE) {
		o->q = (struct fid_outcome){ .f = true, .fst = (uint8_t)ESR_DFSC(e1) };
		return;
	}
	o->weird = true;
}

static bool same(const struct fid_outcome *a, const struct fid_outcome *b)
{
	return a->f == b->f && (!a->f || (a->fst == b->fst && a->s == b->s && a->ptw == b->ptw));
}

/*
 * The abort agrees: the same outcome, and for a stage-2 abort whose
 * HPFAR_EL2 the architecture defines (IPAValid()) the same faulting IPA.
 */
static bool same_abort(const struct s2_mmu_result *res, const struct fid_outcome *m,
		       const struct store_out *o)
{
	uint64_t hpfar;

	if (o->weird || !same(m, &o->q))
		return false;
	if (!m->f || !m->s || !s2_mmu_hpfar_valid(&res->fault))
		return true;
	return !s2_mmu_hpfar(&res->fault, &hpfar) && hpfar == o->hpfar;
}

/* The walk of this store: its slots and their three versions. */
struct swalk {
	struct fid_slot s[MAX_SLOTS];
	uint64_t orig[MAX_SLOTS], model[MAX_SLOTS], qemu[MAX_SLOTS];
	unsigned n;
};

/* Does the walk meet a DBM=1 leaf (a store may make it dirty)? */
static bool meets_dbm(const struct swalk *w)
{
	for (unsigned j = 0; j < w->n; j++)
		if (w->s[j].kind != FID_SLOT_S1_TABLE && (*w->s[j].slot & DESC_DBM))
			return true;
	return false;
}

/* Count what both did to slot @j (its model and QEMU versions agree). */
static void count_agreed(const struct swalk *w, unsigned j, uint64_t n[])
{
	uint64_t o = w->orig[j], m = w->model[j];

	n[FID_STORE_AF] += !(o & DESC_AF) && (m & DESC_AF);
	switch (w->s[j].kind) {
	case FID_SLOT_S1_LEAF:
		n[FID_STORE_DIRTY_S1] += (o & DIRTY_BIT) && !(m & DIRTY_BIT);
		break;
	case FID_SLOT_S2_LEAF:
		n[FID_STORE_DIRTY_S2] += !(o & DIRTY_BIT) && (m & DIRTY_BIT);
		break;
	case FID_SLOT_S2_TWALK:
		n[FID_STORE_DIRTY_PTW] += !(o & DIRTY_BIT) && (m & DIRTY_BIT);
		break;
	default:
		break;
	}
}

/*
 * inject: undo the model's dirty-state update of one slot in its copy
 * @cmp (one leaf in 2 it made dirty). Return: whether one was.
 */
static bool inject_here(const struct swalk *w, uint64_t cmp[])
{
	static unsigned k;

	for (unsigned j = 0; j < w->n; j++)
		if (((w->orig[j] ^ w->model[j]) & DIRTY_BIT) && k++ % 2 == 0) {
			cmp[j] ^= DIRTY_BIT;
			return true;
		}
	return false;
}

static void report_store(const struct fid_gen *g, const struct fid_case *c, uint64_t seed,
			 unsigned i, uint64_t va, uint64_t vbar, const struct s2_mmu_result *res,
			 const struct fid_outcome *m, const struct store_out *o,
			 const struct swalk *w, const uint64_t cmp[], int bad)
{
	hyp_printf("MISMATCH STORE seed %lu config %lu addr %u VA %lx\n", seed, c->cfg, i, va);
	if (m->f)
		hyp_printf("    model: %s fault FSC %02x (stage %u%s)\n",
			   s2_mmu_fault_name(res->fault.type), m->fst, m->s ? 2 : 1,
			   m->ptw ? ", S1PTW" : "");
	else
		hyp_printf("    model: writes (PA %lx)\n", res->pa);
	if (o->hung)
		hyp_printf("    cpu:   did not come back within a second (PC %lx)\n", o->elr);
	else if (o->weird)
		hyp_printf("    cpu:   unexpected exception: ESR %lx FAR %lx ELR %lx\n", o->esr,
			   o->far, o->elr);
	else if (!o->q.f)
		hyp_printf("    cpu:   writes\n");
	else
		hyp_printf("    cpu:   data abort DFSC %02x (%s%s)\n", o->q.fst,
			   o->q.s ? "to EL2" : "to EL1", o->q.ptw ? ", S1PTW" : "");
	if (m->f && m->s && o->q.s) {
		uint64_t hpfar = 0;

		s2_mmu_hpfar(&res->fault, &hpfar);
		hyp_printf("    HPFAR_EL2: model %lx%s, cpu %lx\n", hpfar,
			   s2_mmu_hpfar_valid(&res->fault) ? "" : " (not IPAValid)", o->hpfar);
	}
	if (bad >= 0)
		hyp_printf("    slot %lx (kind %d): before %016lx model %016lx qemu %016lx\n",
			   (uint64_t)w->s[bad].slot, w->s[bad].kind, w->orig[bad], cmp[bad],
			   w->qemu[bad]);
	hyp_printf("  HCR_EL2=%lx SCTLR_EL1=%lx TCR_EL1=%lx VTCR_EL2=%lx VBAR_EL1=%lx\n",
		   c->regs.hcr_el2, c->regs.sctlr_el1, c->regs.tcr_el1, c->regs.vtcr_el2, vbar);
	fid_dump_walk(g, c, va);
}

unsigned fid_store_case(struct fid_gen *g, struct fid_case *c, uint64_t seed,
			unsigned max_addrs, uint64_t n[], uint64_t ndev[], bool report,
			uint64_t *inject)
{
	const struct s2_mmu_regs *r = &c->regs;
	uint64_t hahd1 = TCR_EL1_HA | TCR_EL1_HD, hahd2 = VTCR_EL2_HA | VTCR_EL2_HD;
	/* HD where it acts: a CPU with it, HA too, that stage on. */
	bool s1hd = (r->sctlr_el1 & SCTLR_M) && (r->tcr_el1 & hahd1) == hahd1;
	bool s2hd = (r->hcr_el2 & HCR_EL2_VM) && (r->vtcr_el2 & hahd2) == hahd2;
	unsigned fails = 0, done = 0;
	static struct swalk w;
	uint64_t vbar, buf = fid_exec_buf();

	/* Short descriptors: a DFSR of their own format, not compared. */
	if (c->sd || !buf || !g->cpu->hafdbs_dirty || (!s1hd && !s2hd))
		return 0;
	vbar = fid_exec_vectors(g, c, seed);
	if (!vbar) {
		n[FID_STORE_SKIPPED] += max_addrs;
		return 0;
	}
	/* Addresses whose walk meets a DBM=1 leaf first, then the others. */
	for (unsigned pass = 0; pass < 2; pass++) {
		for (unsigned i = 0; i < c->naddrs && done < max_addrs; i++) {
			uint64_t va = c->addrs[i] & ~7ULL, *slot, cmp[MAX_SLOTS];
			struct s2_mmu_access a = { va, S2_MMU_WRITE, 1 };
			const struct fid_geo *geo;
			struct s2_mmu_result res;
			struct fid_outcome m;
			struct store_out o;
			unsigned dev = 0;
			int bad = -1;
			bool skip, agree, injected = false;

			/* Canonical VAs only, as fetch.c: bits [63:55] all equal;
			 * an AArch32 EL1's R0 holds 32 bits. */
			if ((((va >> 55) + 1) & 0x1fe) || (c->a32 && (va >> 32)))
				continue;
			w.n = fid_walk_slots(g, c, va, w.s, MAX_SLOTS);
			if (meets_dbm(&w) != (pass == 0))
				continue;
			done++;
			slot = fid_final_leaf(g, c, va, &geo, &skip);
			if (skip) {
				n[FID_STORE_SKIPPED]++;
				continue;
			}
			if (slot)
				fid_leaf_set_oa(geo, slot, buf);
			for (unsigned j = 0; j < w.n; j++)
				w.orig[j] = *w.s[j].slot;
			if (s2_mmu_translate(&g->mem, g->cpu, r, &a, &res) ||
			    res.fault.type == S2_MMU_FAULT_EXT_ABORT ||
			    (!slot && !res.fault.type)) {
				/* Nowhere known to write to: not asked. */
				for (unsigned j = 0; j < w.n; j++)
					*w.s[j].slot = w.orig[j];
				n[FID_STORE_SKIPPED]++;
				continue;
			}
			/* The CPU from the tables the model started from. */
			for (unsigned j = 0; j < w.n; j++) {
				w.model[j] = *w.s[j].slot;
				*w.s[j].slot = w.orig[j];
			}
			tlbi();
			hw_store(va, vbar, c->a32, &o);
			for (unsigned j = 0; j < w.n; j++) {
				w.qemu[j] = *w.s[j].slot;
				*w.s[j].slot = w.model[j];
				cmp[j] = w.model[j];
			}
			tlbi();
			fid_decode_par(s2_mmu_par(&res), &m);
			if (inject && !o.weird && same(&m, &o.q))
				injected = inject_here(&w, cmp);
			if (injected)
				inject[0]++;
			n[FID_STORE_CMP]++;
			agree = same_abort(&res, &m, &o);
			if (!o.weird && !same(&m, &o.q)) {
				/* A known QEMU way with the fault; its walk may
				 * then update elsewhere: descriptors not judged. */
				dev = fid_deviation(g, c, S2_MMU_AT_S12E1W, va, &res, &m, &o.q);
				if (dev) {
					ndev[dev]++;
					continue;
				}
			}
			for (unsigned j = 0; agree && j < w.n; j++) {
				unsigned d;

				if (cmp[j] == w.qemu[j])
					continue;
				d = fid_store_desc_deviation(g, &m, cmp[j], w.qemu[j]);
				if (!d) {
					bad = (int)j;
					break;
				}
				ndev[d]++;
			}
			if (agree && bad < 0) {
				uint64_t dirty2 = n[FID_STORE_DIRTY_S2];

				for (unsigned j = 0; j < w.n; j++)
					if (w.model[j] == w.qemu[j])
						count_agreed(&w, j, n);
				if (c->a32) {
					n[FID_STORE_A32]++;
					n[FID_STORE_A32_S1] += m.f && !m.s;
					n[FID_STORE_A32_DIRTY] += n[FID_STORE_DIRTY_S2] - dirty2;
				}
				n[!m.f ? FID_STORE_RAN :
				  (m.fst & 0x3c) != 0x0c ? FID_STORE_OTHER :
				  m.s ? FID_STORE_S2_PERM : FID_STORE_S1_PERM]++;
				continue;
			}
			fails++;
			if (injected)
				inject[1]++;
			if (report)
				report_store(g, c, seed, i, va, vbar, &res, &m, &o, &w, cmp, bad);
		}
	}
	return fails;
}

/* SPDX-License-Identifier: MIT */
/*
 * Instruction-fetch permissions, which no AT reports: after a
 * configuration's ATs, s2hyp executes at its addresses, at EL1 (PXN, WXN,
 * stage-2 XN) and at EL0 (UXN, stage-2 XN[1:0] with FEAT_XNX), and compares
 * what the CPU did with the model's answer for an instruction fetch
 * (s2_mmu_translate(), access S2_MMU_EXEC).
 *
 * Every address's final leaf (the stage-2 leaf, or stage 1's with stage 2
 * off) is first pointed at a 32 MiB buffer filled with HVC #0, found by the
 * generator's own walk (fid_leaf_slot()), so a fetch that translates runs
 * an HVC and nothing else; the model walks the same tables. A leaf larger
 * than the buffer, or one that maps the tables themselves, is not
 * executed (counted as skipped). A new page at VBAR_EL1, executable at EL1
 * and mapped to a 64K page of HVC #0 of its own (which also holds
 * store.c's routine), catches what EL1 takes:
 *   EL1 runs the HVC          -> EL2, HVC, ELR_EL2 = VA + 4
 *   EL0 runs it (UNDEFINED)   -> EL1 vector +0x400, ESR_EL1.EC = 0, its HVC
 *   stage-1 instruction abort -> EL1 vector +0x200/+0x400, ESR_EL1.EC 0x21/0x20
 *   stage-2 instruction abort -> EL2, ESR_EL2.EC 0x20 (S1PTW for the walk)
 * An AArch32 EL1 (LPAE, short descriptors or the MMU off) runs A32 at PL1
 * and PL0 instead (hw_fetch32(): the fetched word made an A32 HVC #0,
 * prefetch aborts read from IFSR/IFAR in the format TTBCR.EAE says), in
 * short-descriptor configurations with some domains made "no access" for
 * the fetches alone. Canonical VAs only (a tagged branch target is
 * another matter, AArch64.BranchAddr), 32-bit ones for an AArch32 EL1.
 */
#include "../hyp.h"
#include "coverage.h"
#include "fidelity.h"

#include <s2mm/arch.h>

#define BUF_ORDER	13			/* 32 MiB */
#define BUF_SIZE	(1ULL << (BUF_ORDER + 12))
#define HVC_0		0xd4000002u
#define VEC_CUR_SPX	0x200
#define VEC_LOWER64	0x400
#define EC_UNKNOWN	0x00
#define EC_HVC64	0x16
#define EC_IABT_LOW	0x20
#define EC_IABT_CUR	0x21
#define ESR_EC(e)	(((e) >> 26) & 0x3f)
#define ESR_IFSC(e)	((e) & 0x3f)
#define ESR_S1PTW	(1ULL << 7)
#define SPSR_DAIF	0x3c0ULL
#define SPSR_EL1H	0x5ULL
#define SPSR_EL0T	0x0ULL
#define VEC_LOWER_SYNC	8		/* hyp_guest_enter()'s vector numbers */
#define VEC_LOWER_IRQ	9
#define VEC_LOWER32_SYNC 12		/* ... from an AArch32 EL1 */
#define VEC_LOWER32_IRQ	13
/* An AArch32 EL1: PL1 in Supervisor mode, PL0 in User mode, A, I, F masked. */
#define SPSR_A32_SVC	0x1d3ULL
#define SPSR_A32_USR	0x1d0ULL
#define EC_HVC32	0x12
#define VEC32_UNDEF	0x04		/* AArch32 Undefined Instruction vector */
#define VEC32_PABT	0x0c		/* AArch32 Prefetch Abort vector */
#define IFSR_LPAE	(1u << 9)	/* IFSR in the Long-descriptor format */
/* The banked LRs as an AArch64 EL2 sees them (X20 LR_abt, X22 LR_und). */
#define X_LR_ABT	20
#define X_LR_UND	22

/*
 * The HVC buffer; the vectors' pages (64K: a page of any granule), one
 * for an AArch64 EL1, one in A32 for an AArch32 EL1 (store.c's stores).
 */
static uint64_t buf, vec, vec32;
#define VEC_ORDER	4
#define VEC_SIZE	(4096ULL << VEC_ORDER)
#define STR_X1_X0	0xf9000001u	/* STR X1, [X0] */
#define A32_HVC_0	0xe1400070u	/* HVC #0 (A32) */
#define A32_STR_R1_R0	0xe5801000u	/* STR R1, [R0] */
#define VEC32_DABT	0x10		/* AArch32 Data Abort vector */

/* Configuration whose vectors are mapped (fid_exec_vectors()), and where. */
static uint64_t vec_cfg = ~0ULL, vec_va;

int fid_fetch_init(void)
{
	if (buf)
		return 0;
	if (palloc_alloc(BUF_ORDER, &buf))
		return -1;
	if (palloc_alloc(VEC_ORDER, &vec)) {
		palloc_free(buf, BUF_ORDER);
		buf = 0;
		return -1;
	}
	if (palloc_alloc(VEC_ORDER, &vec32)) {
		palloc_free(vec, VEC_ORDER);
		palloc_free(buf, BUF_ORDER);
		buf = 0;
		return -1;
	}
	for (uint32_t *p = (uint32_t *)buf; p < (uint32_t *)(buf + BUF_SIZE); p++)
		*p = HVC_0;
	/* The vectors run HVC #0 too; at FID_VEC_STORE the store routine,
	 * which no fetch of a generated address reaches (those run in buf). */
	for (uint32_t *p = (uint32_t *)vec; p < (uint32_t *)(vec + VEC_SIZE); p++)
		*p = HVC_0;
	((uint32_t *)vec)[FID_VEC_STORE / 4] = STR_X1_X0;
	for (uint32_t *p = (uint32_t *)vec32; p < (uint32_t *)(vec32 + VEC_SIZE); p++)
		*p = A32_HVC_0;
	((uint32_t *)vec32)[FID_VEC_STORE / 4] = A32_STR_R1_R0;
	dsb(ish);
	__asm__ volatile("ic iallu" ::: "memory");
	dsb(ish);
	isb();
	return 0;
}

void fid_fetch_fini(void)
{
	if (buf) {
		palloc_free(buf, BUF_ORDER);
		palloc_free(vec, VEC_ORDER);
		palloc_free(vec32, VEC_ORDER);
	}
	buf = vec = vec32 = 0;
	vec_cfg = ~0ULL;
}

uint64_t fid_exec_buf(void)
{
	return buf;
}

/* What a fetch gave: ran, or the fault as the syndrome tells it. */
struct fetch_out {
	bool ok;
	bool s2;       /* taken to EL2 (stage 2 fault) */
	bool s1ptw;
	uint8_t fsc;   /* IFSC */
	bool weird;    /* anything else: an exception this harness does not expect */
	bool hung;     /* EL1 never came back: the watchdog ended it */
	uint64_t esr, far, elr;
	uint64_t hpfar;   /* HPFAR_EL2 of a stage-2 abort */
};

static void tlbi(void)
{
	dsb(ish);
	__asm__ volatile("tlbi alle1" ::: "memory");
	dsb(ish);
	isb();
}

int fid_el1_run(struct hyp_regs *regs)
{
	uint64_t hcr = read_sysreg(hcr_el2);
	unsigned v;

	/*
	 * A watchdog: should EL1 loop on exceptions (a vector it cannot
	 * fetch after all), the EL2 timer's IRQ, routed to EL2 by
	 * HCR_EL2.IMO whatever EL1's PSTATE.I, ends it after a second.
	 */
	write_sysreg(hcr | HCR_EL2_IMO, hcr_el2);
	isb();
	hyp_timer_arm(read_sysreg(cntfrq_el0));
	v = hyp_guest_enter(regs);
	hyp_timer_stop();
	write_sysreg(hcr, hcr_el2);
	isb();
	if (v == VEC_LOWER_IRQ || v == VEC_LOWER32_IRQ) {
		gic_eoi(gic_ack());
		return -1;
	}
	return v == VEC_LOWER_SYNC || v == VEC_LOWER32_SYNC ? 1 : 0;
}

/* Put instruction @insn at @word, seen by the next fetch from anywhere. */
static void code_write(uint32_t *word, uint32_t insn)
{
	*word = insn;
	dsb(ish);
	__asm__ volatile("ic iallu" ::: "memory");
	dsb(ish);
	isb();
}

/*
 * EL2's side of a fetch's end, @v as fid_el1_run() gave it and @pc the
 * guest's: the syndrome kept in @o; true when that decides the outcome
 * (EL1 hung or left oddly, or a stage-2 abort on @va), false for the HVC
 * exit the caller reads further.
 */
static bool fetch_exit(struct fetch_out *o, int v, uint64_t pc, uint64_t va)
{
	uint64_t esr = read_sysreg(esr_el2);

	o->esr = esr;
	o->far = read_sysreg(far_el2);
	o->elr = pc;
	if (v <= 0) {
		o->weird = true;
		o->hung = v < 0;
		return true;
	}
	if (ESR_EC(esr) != EC_IABT_LOW)
		return false;
	if (o->far != va) {
		o->weird = true;   /* the vector's own fetch */
		return true;
	}
	o->s2 = true;
	o->s1ptw = esr & ESR_S1PTW;
	o->fsc = (uint8_t)ESR_IFSC(esr);
	o->hpfar = read_sysreg(hpfar_el2);
	return true;
}

/* Branch to @va at @el (VBAR_EL1 = @vbar) and see what happens. */
static void hw_fetch(uint64_t va, unsigned el, uint64_t vbar, struct fetch_out *o)
{
	struct hyp_regs regs = { .pc = va, .pstate = SPSR_DAIF | (el ? SPSR_EL1H : SPSR_EL0T) };
	uint64_t esr, e1, ret;
	int v;

	*o = (struct fetch_out){ 0 };
	v = fid_el1_run(&regs);
	if (fetch_exit(o, v, regs.pc, va))
		return;
	esr = o->esr;
	if (ESR_EC(esr) != EC_HVC64) {
		o->weird = true;
		return;
	}
	ret = regs.pc - 4;
	if (el == 1 && ret == va) {
		o->ok = true;
		return;
	}
	if (ret != vbar + (el ? VEC_CUR_SPX : VEC_LOWER64)) {
		o->weird = true;
		return;
	}
	/* EL1 took an exception: which one. */
	e1 = read_sysreg(esr_el1);
	o->esr = e1;
	o->far = read_sysreg(far_el1);
	o->elr = read_sysreg(elr_el1);
	if (el == 0 && ESR_EC(e1) == EC_UNKNOWN && o->elr == va) {
		o->ok = true;   /* EL0 ran the HVC: UNDEFINED there */
		return;
	}
	if (ESR_EC(e1) == (el ? EC_IABT_CUR : EC_IABT_LOW) && o->far == va && o->elr == va) {
		o->fsc = (uint8_t)ESR_IFSC(e1);
		return;
	}
	o->weird = true;
}

/*
 * An IFSR's fault status as a Long-descriptor FSC, which the model's
 * answer (PAR_EL1.FST) is in: the LPAE format's STATUS as it is; the
 * Short-descriptor FS[4:0] (IFSR[10], [3:0]) translated, section (level
 * 1) or page (level 2): translation 0x05/0x07, Access flag 0x03/0x06,
 * domain 0x09/0x0b (s2_mmu_fsc()'s 0x3d/0x3e), permission 0x0d/0x0f,
 * external abort on the walk 0x0c/0x0e. Return: -1 for anything else
 * (or the other format than @sd says).
 */
static int ifsr_fsc(uint32_t ifsr, bool sd)
{
	static const int8_t fs[32] = {
		[0x05] = 0x05, [0x07] = 0x06, [0x03] = 0x09, [0x06] = 0x0a,
		[0x09] = 0x3d, [0x0b] = 0x3e, [0x0d] = 0x0d, [0x0f] = 0x0e,
		[0x0c] = 0x15, [0x0e] = 0x16,
	};

	if (!sd)
		return ifsr & IFSR_LPAE ? (int)(ifsr & 0x3f) : -1;
	if (ifsr & IFSR_LPAE)
		return -1;
	return fs[(ifsr & 0xf) | ((ifsr >> 6) & 0x10)] ? fs[(ifsr & 0xf) | ((ifsr >> 6) & 0x10)]
						       : -1;
}

/*
 * The same for an AArch32 EL1 (A32), whose word at @word (the PA @va
 * fetches from, in the buffer) is made an A32 HVC #0 for the fetch:
 *   PL1 runs the HVC           -> EL2, HVC (EC 0x12), ELR_EL2 = VA + 4
 *   PL0 runs it (UNDEFINED)    -> Undefined vector +0x04 runs its HVC,
 *                                 LR_und = VA + 4
 *   stage-1 prefetch abort     -> Prefetch Abort vector +0x0c runs its HVC:
 *                                 IFSR (IFSR32_EL2: Short-descriptor format
 *                                 with @sd, else LPAE), IFAR (FAR_EL1[63:32])
 *                                 = VA, LR_abt = VA + 4
 *   stage-2 prefetch abort     -> EL2, ESR_EL2.EC 0x20, FAR_EL2 = VA, HPFAR_EL2
 */
static void hw_fetch32(uint64_t va, unsigned el, uint64_t vbar, bool sd, uint32_t *word,
		       struct fetch_out *o)
{
	struct hyp_regs regs = { .pc = va, .pstate = el ? SPSR_A32_SVC : SPSR_A32_USR };
	uint64_t esr, ret;
	int v, fsc;

	*o = (struct fetch_out){ 0 };
	if (word)
		code_write(word, A32_HVC_0);
	v = fid_el1_run(&regs);
	if (word)
		code_write(word, HVC_0);
	if (fetch_exit(o, v, regs.pc, va))
		return;
	esr = o->esr;
	if (ESR_EC(esr) != EC_HVC32) {
		o->weird = true;
		return;
	}
	/* 32-bit PCs: the word at 0xfffffffc returns to 0. */
	ret = (uint32_t)(regs.pc - 4);
	if (el == 1 && ret == va) {
		o->ok = true;
		return;
	}
	if (el == 0 && ret == vbar + VEC32_UNDEF && regs.x[X_LR_UND] == (uint32_t)(va + 4)) {
		o->ok = true;   /* PL0 ran the HVC: UNDEFINED there */
		return;
	}
	if (ret != vbar + VEC32_PABT) {
		o->weird = true;
		return;
	}
	o->esr = read_sysreg(ifsr32_el2);
	o->far = read_sysreg(far_el1) >> 32;
	o->elr = regs.x[X_LR_ABT];
	fsc = ifsr_fsc((uint32_t)o->esr, sd);
	if (fsc < 0 || o->far != va || o->elr != (uint32_t)(va + 4)) {
		o->weird = true;
		return;
	}
	o->fsc = (uint8_t)fsc;
}

static void fetch_outcome(const struct fetch_out *o, struct fid_outcome *q)
{
	*q = (struct fid_outcome){ .f = !o->ok, .fst = o->fsc, .s = o->s2, .ptw = o->s1ptw };
}

/*
 * The final leaf of @va: stage 2's for the IPA stage 1 gives it, or stage
 * 1's with stage 2 off, or stage 2's for IPA = VA with the MMU off. NULL
 * when there is none, or it may not be pointed at the buffer (larger, or
 * mapping the tables' region).
 */
/*
 * A leaf at @oa of 1 << @shift bytes may not be pointed at the buffer:
 * larger, or mapping the tables' region, or the vectors (it would lose
 * store.c's routine).
 */
static bool leaf_unsafe(const struct fid_gen *g, uint64_t oa, unsigned shift)
{
	return shift > BUF_ORDER + 12 ||
	       (oa < g->mem.base + g->mem.size && oa + (1ULL << shift) > g->mem.base) ||
	       (vec && oa <= vec && vec < oa + (1ULL << shift)) ||
	       (vec32 && oa <= vec32 && vec32 < oa + (1ULL << shift));
}

static uint64_t *final_leaf(const struct fid_gen *g, const struct fid_case *c, uint64_t va,
			    const struct fid_geo **geo, bool *skip, uint64_t *off)
{
	bool vm = c->regs.hcr_el2 & HCR_EL2_VM, mmu = c->regs.sctlr_el1 & SCTLR_M;
	uint64_t ipa = va, oa, *slot = NULL;
	unsigned shift = 0;

	*skip = false;
	if (c->sd) {
		/* Stage 2's leaf (stage 2 off: sd_final_leaf()). */
		if (!vm) {
			*skip = true;
			return NULL;
		}
		if (!fid_sd_leaf_ipa(g, c, va, &ipa))
			return NULL;
	} else if (mmu) {
		*geo = &c->s1[fid_s1_select(c, va)];
		/* A geometry the architecture rejects: how a CPU walks it
		 * anyway is not known here, nor so where it would fetch. */
		if (!(*geo)->valid) {
			*skip = true;
			return NULL;
		}
		slot = fid_leaf_slot(g, c, *geo, 1, va, &shift, &oa);
		if (!slot)
			return NULL;
		ipa = oa | (va & ((1ULL << shift) - 1));
	}
	if (vm) {
		*geo = &c->s2;
		slot = fid_leaf_slot(g, c, *geo, 2, ipa, &shift, &oa);
		if (!slot)
			return NULL;
	}
	*off = ipa & ((1ULL << shift) - 1);
	if (leaf_unsafe(g, oa, shift)) {
		*skip = true;
		return NULL;
	}
	return slot;
}

/*
 * Short descriptors with stage 2 off: the stage-1 leaf (the entry the
 * walk of @va reads) pointed at the buffer; NULL when there is none, or
 * (@skip) it may not be.
 */
static uint32_t *sd_final_leaf(const struct fid_gen *g, const struct fid_case *c, uint64_t va,
			       bool *skip, uint64_t *off)
{
	unsigned shift;
	uint64_t oa;
	uint32_t *slot = fid_sd_leaf_slot(g, c, va, &shift, &oa);

	*skip = slot && (leaf_unsafe(g, oa, shift) || (buf >> 32));
	if (!slot || *skip)
		return NULL;
	fid_sd_leaf_set_oa(slot, shift, buf);
	*off = (uint32_t)va & ((1ULL << shift) - 1);
	return slot;
}

uint64_t *fid_final_leaf(const struct fid_gen *g, const struct fid_case *c, uint64_t va,
			 const struct fid_geo **geo, bool *skip)
{
	uint64_t off;

	return final_leaf(g, c, va, geo, skip, &off);
}

/*
 * A page at VBAR_EL1 that EL1 can execute, mapped to the buffer: a new
 * stage-1 page (where the MMU is on) whose IPA gets a new stage-2 page
 * (where stage 2 is on). Return: its VA, 0 when none could be made.
 */
static uint64_t map_vectors(struct fid_gen *g, struct fid_case *c, struct fid_rng *rr)
{
	const struct s2_mmu_regs *r = &c->regs;
	bool vm = r->hcr_el2 & HCR_EL2_VM, mmu = r->sctlr_el1 & SCTLR_M;
	uint64_t page = c->a32 ? vec32 : vec, ipa = page, va;

	for (int tries = 0; tries < 16; tries++) {
		if (vm) {
			/* An IPA below 4 GiB (any IPS) outside the T window;
			 * a section's (1MB) for short descriptors. */
			unsigned bits = c->s2.ia_bits < 32 ? c->s2.ia_bits : 32;

			ipa = fid_rng_next(rr) & ((1ULL << bits) - 1) &
			      ~(c->sd ? 0xfffffULL : 0xffffULL);
			if (ipa + 0x10000 > c->t_ipa && ipa < c->t_end)
				continue;
		}
		if (c->sd && vm) {
			/* A section to the stage-2 page of its IPA. */
			va = (uint32_t)fid_rng_next(rr) & ~0xfffffULL;
			if (fid_sd_map_exec_section(g, c, (uint32_t)va, ipa) &&
			    fid_map_exec_page(g, c, 2, ipa, page))
				return va;
			continue;
		}
		if (c->sd) {
			/* Stage 2 off: a small page to the vectors' page. */
			va = (uint32_t)fid_rng_next(rr) & ~0xfffULL;
			if (fid_sd_map_exec_page(g, c, (uint32_t)va, page))
				return va;
			continue;
		}
		if (!mmu) {
			if (vm && fid_map_exec_page(g, c, 2, ipa, page))
				return ipa;
			continue;
		}
		for (int sel = 0; sel < 2; sel++) {
			const struct fid_geo *geo = &c->s1[sel];
			uint64_t epd = sel ? TCR_EL1_EPD1 : TCR_EL1_EPD0;

			if (!geo->valid || (r->tcr_el1 & epd))
				continue;
			va = fid_rng_next(rr) & ((1ULL << geo->ia_bits) - 1) & ~0xffffULL;
			if (sel)
				va |= ~((1ULL << geo->ia_bits) - 1);
			/* AArch32: 32-bit VAs, in the TTBR they name. */
			if (c->a32 && fid_s1_select(c, va = (uint32_t)va) != sel)
				continue;
			if (vm && !fid_map_exec_page(g, c, 2, ipa, page))
				break;
			if (fid_map_exec_page(g, c, 1, va, ipa))
				return va;
		}
	}
	return 0;
}

/*
 * Can EL1 run in @c at all: a stage on, a valid stage 2.
 */
static bool runnable(const struct fid_case *c)
{
	const struct s2_mmu_regs *r = &c->regs;

	return buf &&
	       ((r->hcr_el2 & HCR_EL2_VM) || (r->sctlr_el1 & SCTLR_M)) &&
	       (!(r->hcr_el2 & HCR_EL2_VM) || c->s2.valid);
}

uint64_t fid_exec_vectors(struct fid_gen *g, struct fid_case *c, uint64_t seed)
{
	const struct s2_mmu_regs *r = &c->regs;
	struct fid_rng rr;
	uint64_t vbar;

	if (vec_cfg == c->cfg)
		return vec_va;
	if (!runnable(c))
		return 0;
	/* Once per configuration: its fetches and its stores share them. */
	vec_cfg = c->cfg;
	vec_va = 0;
	fid_rng_seed(&rr, seed ^ c->cfg ^ 0x6665746368ULL);
	vbar = map_vectors(g, c, &rr);
	if (!vbar)
		return 0;
	tlbi();
	{
		/* The vectors must be reachable, or nothing can be told. */
		uint64_t off = c->a32 ? VEC32_PABT : VEC_CUR_SPX;
		struct s2_mmu_access a = { vbar + off, S2_MMU_EXEC, 1 };
		struct s2_mmu_result res;
		uint64_t par;

		if (s2_mmu_translate(&g->mem, g->cpu, r, &a, &res) || res.fault.type)
			return 0;
		/* The CPU too (a QEMU deviation may leave stage 2 unusable,
		 * deviation 3): AT S12E1R, its PA the vectors' page's. */
		__asm__ volatile("at s12e1r, %0" : : "r"(a.va));
		isb();
		par = read_sysreg(par_el1);
		if ((par & PAR_EL1_F) ||
		    (par & PAR_EL1_PA_MASK) != (((c->a32 ? vec32 : vec) + off) & ~0xfffULL))
			return 0;
	}
	write_sysreg(vbar, vbar_el1);
	isb();
	vec_va = vbar;
	return vbar;
}

/* Model and CPU agree on a fetch (fid_deviation() for QEMU's known ways). */
static bool fetch_same(const struct fid_outcome *m, const struct fid_outcome *q)
{
	if (m->f != q->f)
		return false;
	return !m->f || (m->fst == q->fst && m->s == q->s && m->ptw == q->ptw);
}

/*
 * Short descriptors: Domain faults for the fetches alone (AT's would end
 * QEMU 7.2, gen_sd.c): in half the configurations, 1 to 3 domains other
 * than 0 (the vectors') made "no access" in DACR (DACR32_EL2, and the
 * model's copy), from a stream of the configuration's own.
 */
static void no_access_domains(struct fid_case *c, uint64_t seed)
{
	struct fid_rng rr;

	fid_rng_seed(&rr, seed ^ c->cfg ^ 0x444143520ULL);
	if (!fid_rng_pct(&rr, 50))
		return;
	for (unsigned k = 1 + (unsigned)fid_rng_below(&rr, 3); k; k--) {
		unsigned d = 1 + (unsigned)fid_rng_below(&rr, 15);

		c->regs.dacr32_el2 &= ~(3ULL << (2 * d));
	}
	write_sysreg(c->regs.dacr32_el2, dacr32_el2);
	tlbi();
}

unsigned fid_fetch_case(struct fid_gen *g, struct fid_case *c, uint64_t seed,
			unsigned max_addrs, uint64_t n[], uint64_t ndev[], bool report,
			uint64_t *inject)
{
	const struct s2_mmu_regs *r = &c->regs;
	uint64_t vbar;
	unsigned fails = 0, done = 0;

	/* Not counted as skipped where nothing can run (as before). */
	if (!runnable(c))
		return 0;
	vbar = fid_exec_vectors(g, c, seed);
	if (!vbar) {
		n[FID_FETCH_SKIPPED] += max_addrs;
		return 0;
	}
	if (c->sd)
		no_access_domains(c, seed);
	for (unsigned i = 0; i < c->naddrs && done < max_addrs; i++) {
		uint64_t va = c->addrs[i] & ~3ULL, *slot, off = 0;
		const struct fid_geo *geo;
		bool skip;

		/* Canonical VAs only: bits [63:55] all equal; an AArch32
		 * EL1's PC holds 32 bits. */
		if ((((va >> 55) + 1) & 0x1fe) || (c->a32 && (va >> 32)))
			continue;
		done++;
		if (c->sd && !(r->hcr_el2 & HCR_EL2_VM)) {
			slot = (uint64_t *)sd_final_leaf(g, c, va, &skip, &off);
			if (slot)
				tlbi();
		} else {
			slot = final_leaf(g, c, va, &geo, &skip, &off);
			if (slot) {
				fid_leaf_set_oa(geo, slot, buf);
				tlbi();
			}
		}
		if (skip) {
			n[FID_FETCH_SKIPPED]++;
			continue;
		}
		for (unsigned el = 0; el < 2; el++) {
			struct s2_mmu_access a = { va, S2_MMU_EXEC, (uint8_t)el };
			struct s2_mmu_result res;
			struct fid_outcome m, q;
			struct fetch_out o;
			unsigned dev;
			bool bad;

			if (s2_mmu_translate(&g->mem, g->cpu, r, &a, &res) ||
			    res.fault.type == S2_MMU_FAULT_EXT_ABORT)
				continue;
			/* No leaf found, yet the model translates: the
			 * fetch would run whatever is there; not asked. */
			if (!slot && !res.fault.type) {
				n[FID_FETCH_SKIPPED]++;
				continue;
			}
			fid_decode_par(s2_mmu_par(&res), &m);
			if (c->a32)
				hw_fetch32(va, el, vbar, c->sd,
					   slot ? (uint32_t *)(buf + (off & ~3ULL)) : NULL, &o);
			else
				hw_fetch(va, el, vbar, &o);
			fetch_outcome(&o, &q);
			/* A stage-2 abort whose HPFAR_EL2 the architecture
			 * defines (IPAValid()) names the model's faulting IPA. */
			if (!o.weird && m.f && m.s && q.s && s2_mmu_hpfar_valid(&res.fault)) {
				uint64_t hpfar;

				if (s2_mmu_hpfar(&res.fault, &hpfar) || hpfar != o.hpfar)
					o.weird = true;
			}
			/* inject: one answer in 16 that the CPU confirms made
			 * wrong (runs <-> a permission fault), in each EL1
			 * state: it must tell. */
			bad = inject && !o.weird && fetch_same(&m, &q) &&
			      (c->a32 ? n[FID_FETCH_A32_EL1] + n[FID_FETCH_A32_EL0]
				      : n[FID_FETCH_EL1] + n[FID_FETCH_EL0]) % 16 == 5;
			if (bad) {
				inject[0]++;
				inject[2] += c->a32;
				m = (struct fid_outcome){ .f = !m.f, .fst = m.f ? 0 : 0x0f };
			}
			n[el ? FID_FETCH_EL1 : FID_FETCH_EL0]++;
			if (c->a32) {
				n[el ? FID_FETCH_A32_EL1 : FID_FETCH_A32_EL0]++;
				n[FID_FETCH_SD] += c->sd;
			}
			n[FID_FETCH_HD] += g->cpu->hafdbs_dirty && (r->sctlr_el1 & SCTLR_M) &&
					   (r->tcr_el1 & (TCR_EL1_HA | TCR_EL1_HD)) ==
					   (TCR_EL1_HA | TCR_EL1_HD);
			dev = 0;
			if (!o.weird && !fetch_same(&m, &q)) {
				dev = fid_deviation(g, c, el ? S2_MMU_AT_S12E1R : S2_MMU_AT_S12E0R,
						    va, &res, &m, &q);
				if (!dev)
					dev = fid_fetch_deviation(g, c, va, el, &res, &m, &q);
				ndev[dev] += dev != 0;
			}
			if (!o.weird && (fetch_same(&m, &q) || dev)) {
				unsigned k = !m.f ? FID_FETCH_RUN :
					     (m.fst & 0x3c) != 0x0c ? FID_FETCH_OTHER :
					     m.s ? FID_FETCH_S2_PERM : FID_FETCH_S1_PERM;

				n[k]++;
				if (c->a32 && k != FID_FETCH_OTHER)
					n[k - FID_FETCH_RUN + FID_FETCH_A32_RUN]++;
				n[FID_FETCH_SD_DOMAIN] += m.f && (m.fst == 0x3d || m.fst == 0x3e);
				continue;
			}
			fails++;
			if (bad) {
				inject[1]++;
				inject[3] += c->a32;
			}
			if (!report)
				continue;
			hyp_printf("MISMATCH FETCH seed %lu config %lu addr %u EL%u VA %lx\n",
				   seed, c->cfg, i, el, va);
			if (m.f)
				hyp_printf("    model: %s fault FSC %02x (stage %u%s)\n",
					   s2_mmu_fault_name(res.fault.type), m.fst,
					   m.s ? 2 : 1, m.ptw ? ", S1PTW" : "");
			else
				hyp_printf("    model: runs (PA %lx)\n", res.pa);
			if (o.hung)
				hyp_printf("    cpu:   did not come back within a second (PC %lx)\n",
					   o.elr);
			else if (o.weird)
				hyp_printf("    cpu:   unexpected exception: ESR %lx FAR %lx "
					   "ELR %lx HPFAR_EL2 %lx\n", o.esr, o.far, o.elr,
					   read_sysreg(hpfar_el2));
			else if (o.ok)
				hyp_printf("    cpu:   runs\n");
			else
				hyp_printf("    cpu:   instruction abort IFSC %02x (%s%s)%s\n",
					   o.fsc, o.s2 ? "to EL2" : "to EL1",
					   o.s1ptw ? ", S1PTW" : "",
					   c->a32 && !o.s2 ? " [IFSR as FSC]" : "");
			if (c->a32 && m.f && !m.s)
				hyp_printf("    model IFSR %x%s, cpu IFSR %lx\n",
					   c->sd ? s2_mmu_fsr_sd(&res) : 0x200u | m.fst,
					   c->sd ? " (short descriptors)" : "",
					   o.s2 ? 0 : o.esr);
			hyp_printf("  HCR_EL2=%lx SCTLR_EL1=%lx TCR_EL1=%lx VBAR_EL1=%lx\n",
				   r->hcr_el2, r->sctlr_el1, r->tcr_el1, vbar);
			fid_dump_walk(g, c, va);
		}
	}
	return fails;
}

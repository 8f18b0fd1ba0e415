/* SPDX-License-Identifier: MIT */
/*
 * The fidelity run: for each generated configuration, program the EL1&0
 * translation registers from EL2, then for each address and AT operation
 * compare PAR_EL1 from QEMU with the PAR the model computes from the same
 * registers and the same memory. A difference that fid_deviation() does not
 * recognise is a failure: printed as a reproducer and counted.
 *
 * For the runner on the host (cli/hyp_fidelity.c), which must survive a
 * QEMU that dies on an AT: with progress=1 each configuration ends in a
 * "done" line with its counts, the unit the runner adds up; careful=1
 * names each comparison of the first configuration before its AT, so the
 * one QEMU dies on is known; skip=K,... leaves those comparisons of the
 * first configuration to the model alone and prints them as QEMU defects
 * with their reproducer.
 */
#include "../hyp.h"
#include "coverage.h"
#include "fidelity.h"

#include <s2mm/arch.h>

/* Full reproducers printed before the rest are only counted. */
#define MAX_REPORTS	64

static const struct {
	const char *name;
	enum s2_mmu_at_op op;
} at_ops[] = {
	{ "S12E1R", S2_MMU_AT_S12E1R }, { "S12E1W", S2_MMU_AT_S12E1W },
	{ "S1E1R", S2_MMU_AT_S1E1R },   { "S1E1W", S2_MMU_AT_S1E1W },
	{ "S1E0R", S2_MMU_AT_S1E0R },   { "S1E0W", S2_MMU_AT_S1E0W },
	{ "S12E0R", S2_MMU_AT_S12E0R }, { "S12E0W", S2_MMU_AT_S12E0W },
};

/* Mismatch classes: (model, QEMU) outcome kinds, the first example each. */
#define MAX_CLASSES	48
struct mclass {
	uint32_t key;
	uint64_t n, cfg;
	unsigned addr, op;
};
static struct mclass classes[MAX_CLASSES];
static unsigned nclasses;

/* An outcome's class; OKEY_ATTR: a PA whose ATTR/SH the other side's lacks. */
#define OKEY_ATTR	0x400u

static uint32_t okey(const struct fid_outcome *o)
{
	return o->f ? 0x80u | o->fst | (o->s ? 0x100u : 0) | (o->ptw ? 0x200u : 0)
		    : 0;
}

/* Count a mismatch; true when it is the first of its class. */
static bool classify(const struct fid_outcome *m, const struct fid_outcome *q,
		     bool attr, bool a32, uint64_t cfg, unsigned addr, unsigned op)
{
	uint32_t key = (okey(m) | (attr ? OKEY_ATTR : 0)) << 16 |
		       (okey(q) | (attr ? OKEY_ATTR : 0)) << 1 | a32;

	for (unsigned i = 0; i < nclasses; i++)
		if (classes[i].key == key) {
			classes[i].n++;
			return false;
		}
	if (nclasses < MAX_CLASSES)
		classes[nclasses++] = (struct mclass){ key, 1, cfg, addr, op };
	return true;
}

static void okey_str(char *buf, size_t n, uint32_t k)
{
	if (k & OKEY_ATTR)
		hyp_snprintf(buf, n, "PA ATTR/SH");
	else if (!(k & 0x80))
		hyp_snprintf(buf, n, "PA");
	else
		hyp_snprintf(buf, n, "FST %02x%s%s", k & 0x3f, k & 0x100 ? " S" : "",
			     k & 0x200 ? " PTW" : "");
}

static uint64_t hw_at(enum s2_mmu_at_op op, uint64_t va)
{
	switch (op) {
	case S2_MMU_AT_S1E1R: __asm__ volatile("at s1e1r, %0" : : "r"(va)); break;
	case S2_MMU_AT_S1E1W: __asm__ volatile("at s1e1w, %0" : : "r"(va)); break;
	case S2_MMU_AT_S1E0R: __asm__ volatile("at s1e0r, %0" : : "r"(va)); break;
	case S2_MMU_AT_S1E0W: __asm__ volatile("at s1e0w, %0" : : "r"(va)); break;
	case S2_MMU_AT_S12E1R: __asm__ volatile("at s12e1r, %0" : : "r"(va)); break;
	case S2_MMU_AT_S12E1W: __asm__ volatile("at s12e1w, %0" : : "r"(va)); break;
	case S2_MMU_AT_S12E0R: __asm__ volatile("at s12e0r, %0" : : "r"(va)); break;
	case S2_MMU_AT_S12E0W: __asm__ volatile("at s12e0w, %0" : : "r"(va)); break;
	}
	isb();
	return read_sysreg(par_el1);
}

static void program(const struct s2_mmu_regs *r)
{
	write_sysreg(r->hcr_el2, hcr_el2);
	write_sysreg(r->vtcr_el2, vtcr_el2);
	write_sysreg(r->vttbr_el2, vttbr_el2);
	write_sysreg(r->sctlr_el1, sctlr_el1);
	write_sysreg(r->tcr_el1, tcr_el1);
	write_sysreg(r->ttbr0_el1, ttbr0_el1);
	write_sysreg(r->ttbr1_el1, ttbr1_el1);
	write_sysreg(r->mair_el1, mair_el1);
	/* AArch32 EL1 with short descriptors: the DACR, and CONTEXTIDR's ASID. */
	write_sysreg(r->dacr32_el2, dacr32_el2);
	write_sysreg(r->contextidr_el1, contextidr_el1);
	/* Tables written with plain stores; AT walks afresh, but QEMU caches
	 * the stage-2 translations of stage-1 table pages in its TLB. */
	dsb(ish);
	__asm__ volatile("tlbi alle1" ::: "memory");
	dsb(ish);
	isb();
}

void fid_decode_par(uint64_t par, struct fid_outcome *o)
{
	*o = (struct fid_outcome){ .par = par, .f = par & PAR_EL1_F };
	if (o->f) {
		o->fst = (uint8_t)((par & PAR_EL1_FST_MASK) >> PAR_EL1_FST_SHIFT);
		o->s = par & PAR_EL1_S;
		o->ptw = par & PAR_EL1_PTW;
	} else {
		o->pa = par & PAR_EL1_PA_MASK;
	}
}

static struct fid_gen gen;
static struct fid_case fcase;

/*
 * The coverage class (coverage.h) of @c's comparisons whose VA selects
 * TTBR@sel: EL1's format, each stage's geometry, the features.
 */
static unsigned coverage(const struct fid_case *c, int sel)
{
	const struct fid_geo *s1 = &c->s1[sel], *s2 = &c->s2;
	uint64_t hcr = c->regs.hcr_el2;
	unsigned k = 0;

	if (c->a32)
		k |= FID_COV_A32 | (c->sd ? FID_COV_SD : 0);
	if (c->regs.sctlr_el1 & SCTLR_M) {
		k |= FID_COV_S1_ON | FID_COV_GRANULE(s1->gbits) << FID_COV_S1_G_SHIFT |
		     (unsigned)(s1->start + 1) << FID_COV_S1_L_SHIFT;
		k |= (s1->ds ? FID_COV_S1_DS : 0) | (s1->valid ? 0 : FID_COV_S1_BAD);
	}
	if (hcr & HCR_EL2_VM) {
		k |= FID_COV_S2_ON | FID_COV_GRANULE(s2->gbits) << FID_COV_S2_G_SHIFT |
		     (unsigned)(s2->start + 1) << FID_COV_S2_L_SHIFT;
		k |= (s2->ds ? FID_COV_S2_DS : 0) | (s2->lpa64k ? FID_COV_S2_LPA : 0) |
		     (s2->valid ? 0 : FID_COV_S2_BAD);
		if (64 - (c->regs.vtcr_el2 & 0x3f) > fid_s2_max_ia(&gen, c))
			k |= FID_COV_S2_IA_BIG;
	}
	k |= (hcr & HCR_EL2_FWB ? FID_COV_FWB : 0) | (hcr & HCR_EL2_PTW ? FID_COV_PTW : 0);
	/* What the generator enabled, where that stage is on. */
	if ((gen.s1_ha && (k & FID_COV_S1_ON)) || (gen.s2_ha && (k & FID_COV_S2_ON)))
		k |= FID_COV_HA;
	if ((gen.s1_hd && (k & FID_COV_S1_ON)) || (gen.s2_hd && (k & FID_COV_S2_ON)))
		k |= FID_COV_HD;
	return k;
}

static bool same(const struct fid_outcome *a, const struct fid_outcome *b)
{
	if (a->f != b->f)
		return false;
	if (a->f)
		return a->fst == b->fst && a->s == b->s && a->ptw == b->ptw;
	return a->pa == b->pa;
}

static void describe(const char *who, const struct fid_outcome *o)
{
	if (o->f)
		hyp_printf("    %-5s PAR %016lx: fault FST %02x (%s level %d) S=%d PTW=%d\n",
			   who, o->par, o->fst,
			   (o->fst & 0x3c) == 0x04 ? "translation" :
			   (o->fst & 0x3c) == 0x08 ? "access flag" :
			   (o->fst & 0x3c) == 0x0c ? "permission" :
			   (o->fst & 0x3c) == 0x00 ? "address size" :
			   (o->fst & 0x3c) == 0x14 ? "ext abort walk" : "other",
			   o->fst & 3, o->s, o->ptw);
	else
		hyp_printf("    %-5s PAR %016lx: PA %lx ATTR %02lx SH %lu\n", who, o->par, o->pa,
			   (unsigned long)S2_FIELD_GET(PAR_EL1_ATTR, o->par),
			   (unsigned long)S2_FIELD_GET(PAR_EL1_SH, o->par));
}

/*
 * FEAT_HAFDBS: the descriptors the walk of one AT can update, as the model
 * left them and as QEMU did. Each side starts from the same tables: the
 * model's updates are taken out before QEMU's AT and put back after it,
 * so that the architecture's state is what the next AT starts from.
 */
#define MAX_WSLOTS 16
struct hd_walk {
	struct fid_slot s[MAX_WSLOTS];
	uint64_t orig[MAX_WSLOTS], model[MAX_WSLOTS], qemu[MAX_WSLOTS];
	unsigned n;
	bool stale;   /* QEMU's last AT left what the model's did not */
};

/*
 * Counts of the descriptor comparisons (the "hd" of the "done" line); the
 * last three with an AArch32 EL1 (stage 2's HA/HD; of those, short
 * descriptors).
 */
enum { HD_CMP, HD_AF, HD_DIRTY, HD_DEV, HD_A32, HD_A32_AF, HD_SD, HD_NR };

/*
 * Compare the descriptors QEMU left with the model's. Return: the
 * deviation id of a documented difference (0 when none), -1 when some
 * difference is not one (@bad: its slot).
 */
static int hd_compare(const struct hd_walk *w, enum s2_mmu_at_op op, const struct fid_outcome *mo,
		      uint64_t n[], unsigned *bad)
{
	int dev = 0;
	bool s1_dirtied = false;

	for (unsigned i = 0; i < w->n; i++)
		if (w->s[i].kind == FID_SLOT_S1_LEAF && w->model[i] != w->qemu[i])
			s1_dirtied = fid_desc_deviation(&gen, op, FID_SLOT_S1_LEAF, mo, false,
							w->model[i], w->qemu[i]) != 0;
	for (unsigned i = 0; i < w->n; i++) {
		uint64_t o = w->orig[i], m = w->model[i], q = w->qemu[i];
		unsigned d;

		if (m == q) {
			n[HD_AF] += !(o & DESC_AF) && (m & DESC_AF);
			n[HD_DIRTY] += (o ^ m) == S2_DESC_S2AP_W;
			continue;
		}
		d = fid_desc_deviation(&gen, op, w->s[i].kind, mo, s1_dirtied, m, q);
		if (!d) {
			*bad = i;
			return -1;
		}
		n[HD_AF] += !(o & DESC_AF) && (m & DESC_AF);
		if (!dev || d == FID_DEV_AT_DIRTY)
			dev = (int)d;
	}
	return dev;
}

/*
 * inject=1: the model's Access flag update undone in one in 2 of the
 * translations where it set one (AT sets AF under HA: AArch64.S1Translate,
 * AArch64.S2Translate), in its copy for the comparison only. Return:
 * whether one was.
 */
static bool hd_inject(struct hd_walk *w, const struct fid_outcome *m)
{
	static unsigned n;

	if (m->f)
		return false;
	for (unsigned i = 0; i < w->n; i++)
		if (!(w->orig[i] & DESC_AF) && (w->model[i] & DESC_AF) && n++ % 2 == 0) {
			w->model[i] &= ~DESC_AF;
			return true;
		}
	return false;
}

/* The model's CPU: what the CPU's ID registers say it implements. */
static struct s2_mmu_cpu cpu;

static int pick_cpu(const char **name)
{
	uint64_t mmfr0 = read_sysreg(id_aa64mmfr0_el1), mmfr1 = read_sysreg(id_aa64mmfr1_el1);
	uint64_t mmfr2 = read_sysreg(s3_0_c0_c7_2);

	hyp_printf("fidelity: ID_AA64MMFR0 %lx MMFR1 %lx MMFR2 %lx\n", mmfr0, mmfr1,
		   mmfr2);
	if (s2_mmu_cpu_from_id(mmfr0, mmfr1, mmfr2, &cpu)) {
		hyp_printf("fidelity: reserved encodings in the ID registers\n");
		return -1;
	}
	*name = !memcmp(&cpu, &s2_mmu_cpu_cortex_a57, sizeof(cpu)) ? "cortex-a57" :
		!memcmp(&cpu, &s2_mmu_cpu_max, sizeof(cpu)) ? "max" : "from ID registers";
	hyp_printf("fidelity: model CPU (%s): PA %u bits, VMID %u, ASID %u, granules%s%s%s%s%s%s%s\n",
		   *name, cpu.pa_bits, cpu.vmid_bits, cpu.asid_bits, cpu.gran_4k ? " 4K" : "",
		   cpu.gran_16k ? " 16K" : "", cpu.gran_64k ? " 64K" : "",
		   cpu.lpa2 ? ", LPA2" : "", cpu.xnx ? ", XNX" : "",
		   cpu.ttst ? ", TTST" : "", cpu.s2fwb ? ", S2FWB" : "");
	return 0;
}


/*
 * inject=1: a wrong model answer where the comparison must tell. One in
 * 1000 of the answers QEMU confirms: a PA bit, an ATTR bit, or a fault's
 * level, type, S or PTW. And one in 16 of those accepted as deviation 1
 * (the same fault, QEMU's level another): the model's level made a third value,
 * which a recogniser that looked at QEMU's side alone would let through.
 * (Where a deviation leaves QEMU's answer saying nothing of the right
 * one, as 2 and 3 do, no comparison with that QEMU can catch anything.)
 */
static bool inject_here(const struct fid_outcome *m, const struct fid_outcome *q,
			enum s2_mmu_at_op op, uint64_t va, const struct s2_mmu_result *res,
			uint64_t cmp)
{
	/* The place within a block moves by one each block, so that every
	 * one of an address's four ATs gets its turn. */
	if (same(m, q))
		return cmp % 1000 == 7 + (cmp / 1000) % 4;
	if (cmp % 16 != 3 + (cmp / 16) % 4)
		return false;
	switch (fid_deviation(&gen, &fcase, op, va, res, m, q)) {
	case FID_DEV_S1PTW_LEVEL:
	case FID_DEV_S1PTW_LEVEL_SD:
		return true;
	default:
		return false;
	}
}

static uint64_t inject_bug(uint64_t par, const struct fid_outcome *m,
			   const struct fid_outcome *q, uint64_t n)
{
	static unsigned npa;
	unsigned l;

	/* A PA bit, or every other time an ATTR bit (Device <-> Normal). */
	if (!m->f)
		return par ^ (npa++ % 2 ? 1ULL << 60 : 1ULL << 12);
	if (!same(m, q)) {
		for (l = 0; l == (m->fst & 3u) || l == (q->fst & 3u); l++)
			;
		return (par & ~(3ULL << PAR_EL1_FST_SHIFT)) | ((uint64_t)l << PAR_EL1_FST_SHIFT);
	}
	switch (n % 4) {
	case 0: return par ^ (1ULL << PAR_EL1_FST_SHIFT);        /* level */
	case 1: return par ^ (0xcULL << PAR_EL1_FST_SHIFT);      /* type */
	case 2: return par ^ PAR_EL1_S;
	default: return par ^ PAR_EL1_PTW;
	}
}

static bool arg_summary, arg_inject, arg_progress, arg_careful;
/* fetch=N: execute at up to N addresses of each configuration (fetch.c);
 * nofetch=C: not in configuration C (QEMU died there); inject-crash-fetch=C:
 * end QEMU before configuration C's fetches, as a QEMU dying there would. */
static unsigned arg_fetch;
static uint64_t nofetch_cfg = ~0ULL, crash_fetch_cfg = ~0ULL;
/* Comparisons of the first configuration QEMU is not asked (skip=). */
#define MAX_SKIPS 32
static uint64_t skips[MAX_SKIPS];
static unsigned nskips;
/* inject-crash=C.K / inject-hang=C.K: before comparison K of
 * configuration C, end QEMU as a QEMU that dies would, or go silent as
 * one that hangs would (prove the runner survives both). */
static uint64_t crash_cfg = ~0ULL, crash_k, hang_cfg = ~0ULL, hang_k;

static bool skipped(uint64_t k)
{
	for (unsigned i = 0; i < nskips; i++)
		if (skips[i] == k)
			return true;
	return false;
}

int fidelity_run(uint64_t seed, uint64_t count, uint64_t first_cfg,
		 bool verbose)
{
	uint64_t region, t0, ticks, passed = 0, failed = 0, devs = 0, cmp = 0;
	uint64_t ndev[16] = { 0 }, nattr[8] = { 0 }, defects = 0, nfatal[8] = { 0 }, known = 0;
	uint64_t attr_cmp = 0, nfetch[FID_FETCH_NR] = { 0 }, finject[4] = { 0 };
	uint64_t nstore[FID_STORE_NR] = { 0 }, sinject[2] = { 0 };
	uint64_t injected = 0, caught = 0, nhd[HD_NR] = { 0 };
	static struct hd_walk hw;
	const char *cpu_name;
	struct fid_rng opr;
	uint64_t cfg = first_cfg;

	if (pick_cpu(&cpu_name))
		return -1;
	gen.cpu = &cpu;
	/* ID_AA64MMFR2_EL1.ST: FEAT_TTST, beyond the model. */
	gen.ttst = (read_sysreg(s3_0_c0_c7_2) >> 28) & 0xf;
	if (palloc_alloc(FID_REGION_ORDER, &region)) {
		hyp_printf("fidelity: no %llu MiB region\n", FID_REGION_SIZE >> 20);
		return -1;
	}
	memset((void *)region, 0, FID_REGION_SIZE);
	if (arg_fetch && fid_fetch_init()) {
		hyp_printf("fidelity: no memory for the fetch buffer\n");
		return -1;
	}
	gen.mem = (struct s2_mmu_mem){ (const void *)region, region,
				       FID_REGION_SIZE };
	gen.seed = seed;
	gen.nlog = 0;
	gen.s1_next = region;
	gen.s2_next = region + FID_S1POOL_SIZE;
	hyp_printf("fidelity: cpu %s, seed %lu, %lu comparisons from config %lu, "
		   "region %lx+%llu MiB, QEMU %u.%u\n", cpu_name, seed, count, first_cfg,
		   region, FID_REGION_SIZE >> 20, gen.qemu_version / 100,
		   gen.qemu_version % 100);

	t0 = hyp_counter();
	while (cmp < count) {
		fid_gen_case(&gen, cfg, &fcase);
		fid_rng_seed(&opr, seed ^ cfg ^ 0x5bd1e995ULL);
		program(&fcase.regs);
		if (verbose) {
			hyp_printf("config %lu: %u addresses\n", cfg, fcase.naddrs);
			fid_dump_walk(&gen, &fcase, fcase.addrs[0]);
		}
		uint64_t failed0 = failed, passed0 = passed, cmp0 = cmp, attr_cmp0 = attr_cmp;
		uint64_t compared[2] = { 0 };   /* by TTBR, for the coverage */
		uint64_t ndev0[16], nattr0[8], defects0 = defects, known0 = known;
		uint64_t nfetch0[FID_FETCH_NR], nhd0[HD_NR], nstore0[FID_STORE_NR];
		bool hafdbs = coverage(&fcase, 0) & FID_COV_HA;

		for (unsigned d = 0; d < HD_NR; d++)
			nhd0[d] = nhd[d];

		for (unsigned d = 0; d < 16; d++)
			ndev0[d] = ndev[d];
		for (unsigned d = 0; d < 8; d++)
			nattr0[d] = nattr[d];
		for (unsigned d = 0; d < FID_FETCH_NR; d++)
			nfetch0[d] = nfetch[d];
		for (unsigned d = 0; d < FID_STORE_NR; d++)
			nstore0[d] = nstore[d];
		for (unsigned i = 0; i < fcase.naddrs && cmp < count; i++) {
			uint64_t va = fcase.addrs[i];
			/* S12E1R, S12E1W, S1E1R always; one of the others. */
			unsigned ops[4] = { 0, 1, 2,
					    3 + (unsigned)fid_rng_below(&opr, 5) };

			for (unsigned k = 0; k < 4 && cmp < count; k++) {
				enum s2_mmu_at_op op = at_ops[ops[k]].op;
				struct s2_mmu_result res;
				struct fid_outcome m, q;
				uint64_t mpar;
				unsigned dev, fatal;
				bool bad, attr = false;
				/* The comparison's place in its configuration. */
				uint64_t at = cmp - cmp0;
				int err;

				/* The model first: a walk leaving the region would
				 * be an external abort, which QEMU takes as an EL2
				 * Data Abort instead of reporting it in PAR_EL1. */
				hw.n = hafdbs ? fid_walk_slots(&gen, &fcase, va, hw.s, MAX_WSLOTS)
					      : 0;
				for (unsigned j = 0; j < hw.n; j++)
					hw.orig[j] = *hw.s[j].slot;
				err = s2_mmu_at(&gen.mem, gen.cpu, &fcase.regs, op,
						va, &mpar, &res);
				cmp++;
				if (err || res.fault.type == S2_MMU_FAULT_EXT_ABORT) {
					hyp_printf("fidelity: model error %d / walk outside "
						   "the region: config %lu addr %u op %s VA %lx\n",
						   err, cfg, i, at_ops[ops[k]].name, va);
					if (failed++ < MAX_REPORTS)
						fid_dump_walk(&gen, &fcase, va);
					continue;
				}
				if (cfg == first_cfg && skipped(at)) {
					defects++;
					/* The runner learnt of it last boot. */
					if (at != skips[nskips - 1])
						continue;
					fid_decode_par(mpar, &m);
					hyp_printf("fidelity: QEMU defect: seed %lu config %lu "
						   "cmp %lu addr %u op %s VA %lx (%s): QEMU "
						   "did not survive this AT\n", seed, cfg, at, i,
						   at_ops[ops[k]].name, va, cpu_name);
					describe("model", &m);
					fid_dump_walk(&gen, &fcase, va);
					continue;
				}
				fatal = fid_fatal(&gen, &fcase, op, va, &res);
				if (fatal) {
					known++;
					if (nfatal[fatal]++ == 0)
						hyp_printf("fidelity: known QEMU defect %u (%s) first "
							   "seen: seed %lu config %lu addr %u op %s: "
							   "not asked\n", fatal,
							   fid_fatals[fatal - 1].name, seed, cfg, i,
							   at_ops[ops[k]].name);
					continue;
				}
				if (cfg == first_cfg && arg_careful)
					hyp_printf("fidelity: at cfg %lu cmp %lu\n", cfg, at);
				if (cfg == crash_cfg && at == crash_k)
					semihost_exit(HYP_EXIT_PANIC);
				while (cfg == hang_cfg && at == hang_k)
					__asm__ volatile("wfe");
				/* QEMU from the tables the model started from. */
				for (unsigned j = 0; j < hw.n; j++) {
					hw.model[j] = *hw.s[j].slot;
					*hw.s[j].slot = hw.orig[j];
				}
				if (hw.n && hw.stale) {
					/* Its TLB may hold stage-2 entries of what
					 * QEMU wrote and memory no longer says. */
					hw.stale = false;
					dsb(ish);
					__asm__ volatile("tlbi alle1" ::: "memory");
					dsb(ish);
					isb();
				}
				fid_decode_par(hw_at(op, va), &q);
				for (unsigned j = 0; j < hw.n; j++) {
					hw.qemu[j] = *hw.s[j].slot;
					*hw.s[j].slot = hw.model[j];
					hw.stale |= hw.qemu[j] != hw.model[j];
				}
				fid_decode_par(mpar, &m);
				/* Descriptors are judged where the answers agree: a
				 * walk QEMU takes elsewhere (a PAR deviation) may
				 * update elsewhere. */
				if (hw.n && same(&m, &q)) {
					unsigned bad_slot = 0;
					bool hd_bad;
					int hd;

					uint64_t af0 = nhd[HD_AF];

					nhd[HD_CMP]++;
					hd_bad = arg_inject && hd_inject(&hw, &m);
					injected += hd_bad;
					hd = hd_compare(&hw, op, &m, nhd, &bad_slot);
					if (fcase.a32) {
						nhd[HD_A32]++;
						nhd[HD_A32_AF] += nhd[HD_AF] - af0;
						nhd[HD_SD] += fcase.sd;
					}
					caught += hd_bad && hd < 0;
					if (hd > 0) {
						nhd[HD_DEV] += hd == FID_DEV_AT_DIRTY;
						if (ndev[hd]++ == 0)
							hyp_printf("fidelity: deviation %d (%s) first "
								   "seen: seed %lu config %lu addr %u "
								   "op %s\n", hd,
								   fid_deviations[hd - 1].name, seed,
								   cfg, i, at_ops[ops[k]].name);
					} else if (hd < 0) {
						if (arg_progress)
							hyp_printf("fidelity: fail cfg %lu addr %u op "
								   "%s: model %-12s qemu %-12s\n", cfg, i,
								   at_ops[ops[k]].name, "descriptor",
								   "descriptor");
						if (failed++ < MAX_REPORTS) {
							hyp_printf("MISMATCH seed %lu config %lu addr %u "
								   "op %s VA %lx (%s): descriptor "
								   "after AT\n", seed, cfg, i,
								   at_ops[ops[k]].name, va, cpu_name);
							hyp_printf("    slot %lx (kind %d): before %016lx "
								   "model %016lx qemu %016lx\n",
								   (uint64_t)hw.s[bad_slot].slot,
								   hw.s[bad_slot].kind,
								   hw.orig[bad_slot], hw.model[bad_slot],
								   hw.qemu[bad_slot]);
							describe("model", &m);
							describe("qemu", &q);
							fid_dump_walk(&gen, &fcase, va);
						}
						continue;
					}
				}
				bad = arg_inject && inject_here(&m, &q, op, va, &res, cmp);
				if (bad) {
					mpar = inject_bug(mpar, &m, &q, injected++);
					fid_decode_par(mpar, &m);
				}
				compared[fid_s1_select(&fcase, va)]++;
				if (same(&m, &q) && !m.f) {
					/* The same PA: then the same ATTR and SH, or
					 * a documented QEMU deviation (attrs.c). */
					attr_cmp++;
					if (!((mpar ^ q.par) & (PAR_EL1_ATTR_MASK | PAR_EL1_SH_MASK))) {
						passed++;
						continue;
					}
					dev = fid_attr_deviation(&gen, &fcase, op, va, &res, mpar,
								 q.par);
					if (dev) {
						passed++;
						if (nattr[dev]++ == 0)
							hyp_printf("fidelity: attr deviation %u (%s) "
								   "first seen: seed %lu config %lu "
								   "addr %u op %s\n", dev,
								   fid_attr_deviations[dev - 1].name,
								   seed, cfg, i, at_ops[ops[k]].name);
						continue;
					}
					attr = true;
				} else if (same(&m, &q)) {
					passed++;
					continue;
				}
				dev = attr ? 0 : fid_deviation(&gen, &fcase, op, va, &res, &m, &q);
				if (dev) {
					devs++;
					passed++;
					if (ndev[dev]++ == 0)
						hyp_printf("fidelity: deviation %u (%s) first "
							   "seen: seed %lu config %lu addr %u op %s\n",
							   dev, fid_deviations[dev - 1].name,
							   seed, cfg, i, at_ops[ops[k]].name);
					continue;
				}
				if (arg_progress) {
					char a[24], b[24];

					okey_str(a, sizeof(a), okey(&m) | (attr ? OKEY_ATTR : 0));
					okey_str(b, sizeof(b), okey(&q) | (attr ? OKEY_ATTR : 0));
					hyp_printf("fidelity: fail cfg %lu addr %u op %s: model %-12s "
						   "qemu %-12s%s\n", cfg, i, at_ops[ops[k]].name, a,
						   b, fcase.a32 ? " AArch32" : "");
				}
				if (classify(&m, &q, attr, fcase.a32, cfg, i, ops[k]) &&
				    failed < MAX_REPORTS) {
					hyp_printf("MISMATCH seed %lu config %lu addr %u op %s "
						   "VA %lx (%s)\n", seed, cfg, i,
						   at_ops[ops[k]].name, va, cpu_name);
					describe("model", &m);
					describe("qemu", &q);
					fid_dump_walk(&gen, &fcase, va);
				}
				failed++;
				caught += bad;
			}
		}
		/*
		 * Then execute there (the tables change: after the ATs). Under
		 * TCR_EL1.HD a DBM=1 leaf's effective AP[2] is 0 for fetches
		 * too (AArch64.S1ApplyOutputPerms), which QEMU does for stores
		 * only: deviation 11.
		 */
		if (arg_fetch && cfg != nofetch_cfg) {
			uint64_t seen[16];

			if (cfg == first_cfg && arg_careful)
				hyp_printf("fidelity: fetch cfg %lu\n", cfg);
			if (cfg == crash_fetch_cfg)
				semihost_exit(HYP_EXIT_PANIC);
			for (unsigned d = 0; d < 16; d++)
				seen[d] = ndev[d];
			failed += fid_fetch_case(&gen, &fcase, seed, arg_fetch, nfetch, ndev,
						 failed < MAX_REPORTS, arg_inject ? finject : NULL);
			/* Under HD, stores too: the dirty state AT cannot show. */
			failed += fid_store_case(&gen, &fcase, seed, arg_fetch, nstore, ndev,
						 failed < MAX_REPORTS, arg_inject ? sinject : NULL);
			for (unsigned d = 1; d <= fid_ndeviations; d++)
				if (!seen[d] && ndev[d])
					hyp_printf("fidelity: deviation %u (%s) first seen: seed "
						   "%lu config %lu (guest fetch or store)\n", d,
						   fid_deviations[d - 1].name, seed, cfg);
		}
		if (arg_summary)
			hyp_printf("cfg %lu a32 %d vm %d m %d s2 %uK L%d ia %u valid %d VTCR %lx "
				   "TCR %lx: %lu mismatches\n", cfg, fcase.a32,
				   (int)(fcase.regs.hcr_el2 & 1),
				   (int)(fcase.regs.sctlr_el1 & 1),
				   1u << (fcase.s2.gbits - 10), fcase.s2.start,
				   fcase.s2.ia_bits, fcase.s2.valid,
				   fcase.regs.vtcr_el2, fcase.regs.tcr_el1,
				   failed - failed0);
		/* A configuration cut short by count is done all the same. */
		if (arg_progress) {
			hyp_printf("fidelity: done cfg %lu cmp %lu pass %lu fail %lu defects %lu "
				   "known %lu attr %lu", cfg, cmp - cmp0, passed - passed0,
				   failed - failed0, defects - defects0, known - known0,
				   attr_cmp - attr_cmp0);
			for (unsigned d = 1; d <= fid_nattr_deviations; d++)
				hyp_printf(" %lu", nattr[d] - nattr0[d]);
			hyp_printf(" dev");
			for (unsigned d = 1; d <= fid_ndeviations; d++)
				hyp_printf(" %lu", ndev[d] - ndev0[d]);
			hyp_printf(" cov %x %lu %x %lu fetch", coverage(&fcase, 0), compared[0],
				   coverage(&fcase, 1), compared[1]);
			for (unsigned d = 0; d < FID_FETCH_NR; d++)
				hyp_printf(" %lu", nfetch[d] - nfetch0[d]);
			hyp_printf(" hd");
			for (unsigned d = 0; d < HD_NR; d++)
				hyp_printf(" %lu", nhd[d] - nhd0[d]);
			hyp_printf(" store");
			for (unsigned d = 0; d < FID_STORE_NR; d++)
				hyp_printf(" %lu", nstore[d] - nstore0[d]);
			hyp_printf("\n");
		}
		cfg++;
	}
	ticks = hyp_counter() - t0;
	/* Leave the EL1&0 regime off, stage 2 off. */
	write_sysreg(HCR_EL2_RW, hcr_el2);
	write_sysreg(0, sctlr_el1 /* M=0 */);
	isb();
	palloc_free(region, FID_REGION_ORDER);
	fid_fetch_fini();

	for (unsigned d = 1; d <= fid_ndeviations; d++)
		if (ndev[d])
			hyp_printf("fidelity: deviation %u %s: %lu\n", d,
				   fid_deviations[d - 1].name, ndev[d]);
	for (unsigned d = 1; d <= fid_nattr_deviations; d++)
		if (nattr[d])
			hyp_printf("fidelity: attr deviation %u %s: %lu\n", d,
				   fid_attr_deviations[d - 1].name, nattr[d]);
	for (unsigned i = 0; i < nclasses; i++) {
		char a[24], b[24];

		okey_str(a, sizeof(a), classes[i].key >> 16);
		okey_str(b, sizeof(b), (classes[i].key >> 1) & 0x7fff);
		hyp_printf("fidelity: mismatch model %-12s qemu %-12s%s: %lu "
			   "(first: config %lu addr %u op %s)\n", a, b,
			   classes[i].key & 1 ? " AArch32" : "", classes[i].n,
			   classes[i].cfg, classes[i].addr,
			   at_ops[classes[i].op].name);
	}
	hyp_printf("fidelity: %lu configurations, %lu comparisons in %lu ms "
		   "(%lu/s), %lu documented deviations, ATTR/SH compared in %lu\n",
		   cfg - first_cfg, cmp, ticks * 1000 / read_sysreg(cntfrq_el0),
		   ticks ? cmp * read_sysreg(cntfrq_el0) / ticks : 0, devs,
		   attr_cmp);
	if (arg_fetch)
		hyp_printf("fidelity: fetch compared at EL1 %lu, at EL0 %lu: ran %lu, stage-1 "
			   "permission fault %lu, stage-2 permission fault %lu, other faults "
			   "%lu; not executed %lu; under TCR_EL1.HD %lu\n", nfetch[FID_FETCH_EL1],
			   nfetch[FID_FETCH_EL0], nfetch[FID_FETCH_RUN], nfetch[FID_FETCH_S1_PERM],
			   nfetch[FID_FETCH_S2_PERM], nfetch[FID_FETCH_OTHER],
			   nfetch[FID_FETCH_SKIPPED], nfetch[FID_FETCH_HD]);
	if (arg_fetch)
		hyp_printf("fidelity: fetch by an AArch32 EL1 compared at PL1 %lu, at PL0 %lu "
			   "(short descriptors %lu): ran %lu, stage-1 permission fault %lu, "
			   "stage-2 permission fault %lu, Domain fault %lu\n", nfetch[FID_FETCH_A32_EL1],
			   nfetch[FID_FETCH_A32_EL0], nfetch[FID_FETCH_SD], nfetch[FID_FETCH_A32_RUN],
			   nfetch[FID_FETCH_A32_S1_PERM], nfetch[FID_FETCH_A32_S2_PERM],
			   nfetch[FID_FETCH_SD_DOMAIN]);
	hyp_printf("fidelity: HAFDBS descriptors compared after %lu ATs: Access flag set "
		   "by both %lu, dirtied by both %lu, made dirty by QEMU's AT alone "
		   "(deviation) %lu; with an AArch32 EL1 %lu (Access flag set by both %lu; "
		   "short descriptors %lu)\n", nhd[HD_CMP], nhd[HD_AF], nhd[HD_DIRTY],
		   nhd[HD_DEV], nhd[HD_A32], nhd[HD_A32_AF], nhd[HD_SD]);
	if (arg_fetch)
		hyp_printf("fidelity: HAFDBS stores compared %lu: wrote %lu, stage-1 permission "
			   "fault %lu, stage-2 permission fault %lu, other faults %lu; made dirty "
			   "by both: stage-1 leaves %lu, stage-2 leaves %lu, stage-2 leaves of "
			   "table pages %lu; Access flag set by both %lu; not stored to %lu; by an "
			   "AArch32 EL1 %lu (stage-1 aborts %lu, stage-2 leaves made dirty %lu)\n",
			   nstore[FID_STORE_CMP], nstore[FID_STORE_RAN], nstore[FID_STORE_S1_PERM],
			   nstore[FID_STORE_S2_PERM], nstore[FID_STORE_OTHER],
			   nstore[FID_STORE_DIRTY_S1], nstore[FID_STORE_DIRTY_S2],
			   nstore[FID_STORE_DIRTY_PTW], nstore[FID_STORE_AF],
			   nstore[FID_STORE_SKIPPED], nstore[FID_STORE_A32], nstore[FID_STORE_A32_S1],
			   nstore[FID_STORE_A32_DIRTY]);
	for (unsigned d = 1; d <= fid_nfatals; d++)
		if (nfatal[d])
			hyp_printf("fidelity: known QEMU defect %u %s: %lu not asked\n", d,
				   fid_fatals[d - 1].name, nfatal[d]);
	if (defects)
		hyp_printf("fidelity: %lu comparisons QEMU died on (QEMU defects)\n", defects);
	if (arg_inject)
		hyp_printf("fidelity: injected %lu wrong model answers, caught %lu\n", injected,
			   caught);
	if (arg_inject && arg_fetch)
		hyp_printf("fidelity: injected %lu wrong fetch answers, caught %lu\n", finject[0],
			   finject[1]);
	if (arg_inject && arg_fetch)
		hyp_printf("fidelity: injected %lu wrong fetch answers of an AArch32 EL1, caught "
			   "%lu\n", finject[2], finject[3]);
	if (arg_inject && arg_fetch)
		hyp_printf("fidelity: injected %lu wrong store answers, caught %lu\n", sinject[0],
			   sinject[1]);
	hyp_printf("fidelity: %lu passed, %lu failed\n", passed, failed);
	return failed ? -1 : 0;
}

/* ---- the scenario: "test=fidelity seed=S count=N [cfg=C] [verbose]" ---- */

static uint64_t arg_seed = 1, arg_count = 100000, arg_cfg;
static bool arg_verbose;

/*
 * The numbers after @key ("key=A" or "key=A,B,..." or "key=A.B") in
 * @args, a key at a word's start: up to @max into @v. Return: how many.
 */
static unsigned arg_list(const char *args, const char *key, uint64_t *v, unsigned max)
{
	size_t klen = strlen(key);
	unsigned n = 0;

	for (const char *p = args; p && *p; p++) {
		if ((p != args && p[-1] != ' ') || strncmp(p, key, klen))
			continue;
		p += klen;
		while (n < max && *p >= '0' && *p <= '9') {
			v[n] = 0;
			while (*p >= '0' && *p <= '9')
				v[n] = v[n] * 10 + (uint64_t)(*p++ - '0');
			n++;
			if (*p != ',' && *p != '.')
				break;
			p++;
		}
		break;
	}
	return n;
}

static bool arg_u64(const char *args, const char *key, uint64_t *v)
{
	return arg_list(args, key, v, 1) == 1;
}

void fidelity_setup(const char *args)
{
	uint64_t v, w[2];

	arg_u64(args, "seed=", &arg_seed);
	arg_u64(args, "count=", &arg_count);
	arg_u64(args, "cfg=", &arg_cfg);
	arg_verbose = arg_u64(args, "verbose=", &v) && v;
	arg_summary = arg_u64(args, "summary=", &v) && v;
	/* inject=1: a deliberately wrong model answer, to prove detection. */
	arg_inject = arg_u64(args, "inject=", &v) && v;
	arg_progress = arg_u64(args, "progress=", &v) && v;
	arg_careful = arg_u64(args, "careful=", &v) && v;
	if (arg_u64(args, "fetch=", &v))
		arg_fetch = (unsigned)v;
	arg_u64(args, "nofetch=", &nofetch_cfg);
	arg_u64(args, "inject-crash-fetch=", &crash_fetch_cfg);
	/* qemu=M.m: the oracle's version, for the deviations it has. */
	if (arg_list(args, "qemu=", w, 2) == 2)
		gen.qemu_version = (unsigned)(w[0] * 100 + w[1]);
	nskips = arg_list(args, "skip=", skips, MAX_SKIPS);
	if (arg_list(args, "inject-crash=", w, 2) == 2) {
		crash_cfg = w[0];
		crash_k = w[1];
	}
	if (arg_list(args, "inject-hang=", w, 2) == 2) {
		hang_cfg = w[0];
		hang_k = w[1];
	}
}

int fidelity_scenario(unsigned int cpu)
{
	/* One CPU compares; the others have nothing to do. */
	if (cpu != 0)
		return 0;
	return fidelity_run(arg_seed, arg_count, arg_cfg, arg_verbose);
}

/* SPDX-License-Identifier: MIT */
/*
 * Replaying a recording (docs/trace-format.md, "Replay").
 *
 * A user-mode trace is one process: its VAs go through the guest OS
 * model as a lackey trace's do (each new VA page gets a new IPA page), at
 * EL0 with the MMU on.
 *
 * A whole machine's trace carries the IPA of every access, but not the
 * values of the registers the guest wrote (QEMU 7.2's plugins cannot read
 * them). What the replay needs from them it infers, looking ahead in the
 * trace (records wait in a queue until the question is settled):
 * - the MMU: every vCPU starts with it off (reset). After a write to
 *   SCTLR_EL1 it is on if an access of that vCPU translates (VA != PA)
 *   before its next SCTLR_EL1 write, else off. Linux turns the MMU on with
 *   an identity map, but soon touches a page mapped elsewhere (the FDT).
 * - address spaces: a write to TTBR0_EL1 starts an epoch of its vCPU. The
 *   first EPOCH_PAGES distinct lower-half pages the epoch touches are
 *   compared with the mappings of every address space seen so far: one
 *   page mapped elsewhere, or more pages it lacks than pages in common,
 *   rules an address space out, and of the rest the one with the most
 *   pages in common is the epoch's; none, a new one. An epoch that touches
 *   no lower-half page (a kernel thread's) changes nothing. While an epoch
 *   is undecided only its vCPU's lower-half accesses and events wait: its
 *   kernel-half accesses go ahead of them (the one reordering the replay
 *   makes, within the first EPOCH_PAGES pages of an epoch).
 * Accesses replay through sim_replay_access(): the replay's stage 1 maps
 * each VA page to its recorded IPA (sim/replay.c). TLBI VMALLE1(IS) is
 * replayed; a TLBI by VA or ASID is not (its operand is a register): the
 * replay invalidates precisely whatever its own remaps change instead.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pagemap.h"
#include "replay.h"
#include "s2trace.h"
#include "sim_int.h"

/* A record's kind is the simulator's access: no translation needed. */
_Static_assert((int)S2T_LOAD == (int)SIM_READ && (int)S2T_STORE == (int)SIM_WRITE &&
	       (int)S2T_FETCH == (int)SIM_EXEC,
	       "s2t_op and sim_acc agree");

#define EPOCH_PAGES 16
/* Records of a vCPU that may wait before it decides with what it has. */
#define DEFER_CAP (1u << 20)
#define RAM_BASE 0x40000000ULL

/* A record and, for an event, what the lookahead decided. */
struct qrec {
	struct s2t_rec r;
	int32_t as;                /* TTBR0: address space, -1 no change */
	bool mmu_on;               /* SCTLR: the MMU after it */
	bool pending;              /* an event whose question is open */
};

struct vstate {
	struct sim_cpu *cpu;       /* the simulated CPU it runs on */
	bool x_mmu_on;             /* the MMU as replayed so far */
	bool mmu_on;               /* ... and as the lookahead sees it */
	bool ask_mmu;              /* an SCTLR write awaits its answer */
	bool ask_as;               /* a TTBR0 epoch awaits its address space */
	size_t mmu_q, as_q;        /* those events' places in dq */
	/* The vCPU's records waiting for the answers, in order: dq[dh..dn). */
	struct qrec *dq;
	size_t dh, dn, dcap;
	int32_t as;                /* current, -1 none yet */
	/* The pages of the current address space already in the map, as
	 * it maps them (most accesses repeat a recent page). */
	uint64_t seen_vp[64], seen_ip[64];
	unsigned int npages;
	/* The epoch's first pages: the IPA each had when first seen (what
	 * it is compared on) and its last (what the map keeps). */
	uint64_t vpage[EPOCH_PAGES], ipage[EPOCH_PAGES], ilast[EPOCH_PAGES];
};

struct replay {
	struct sim *s;
	struct report *rep;
	struct sim_rec_stats *rs;
	const char *name;
	unsigned int vcpus;
	struct vstate *v;
	/* (address space, VA page) -> IPA page, as the lookahead saw. */
	struct pagemap map;
	int32_t nr_as;
	uint64_t acc_lines;        /* access lines (a machine's: the reader's count) */
};

static uint64_t as_key(int32_t as, uint64_t vpage)
{
	return (uint64_t)as << 40 | vpage;
}

/* Settle vCPU @v's open TTBR0 epoch with what it has seen. */
static int decide_as(struct replay *r, struct vstate *v)
{
	int32_t best = -1, best_score = 0;

	v->ask_as = false;
	v->dq[v->as_q].pending = false;
	if (!v->npages) {
		v->dq[v->as_q].as = -1;
		return 0;
	}
	/*
	 * One page mapped elsewhere rules an address space out: a process's
	 * pages do not move while it is switched out (its own copy-on-write
	 * remaps happen in its own epochs); shared pages (a program's text,
	 * the pages a fork has not yet copied) agree with several. So do
	 * fewer pages in common than pages it lacks: a new process touches
	 * fresh pages besides the shared ones.
	 */
	for (int32_t a = 0; a < r->nr_as; a++) {
		int32_t sc = 0, absent = 0;

		for (unsigned int i = 0; i < v->npages; i++) {
			int64_t got = pagemap_get(&r->map, as_key(a, v->vpage[i]));

			if (got < 0) {
				absent++;
				continue;
			}
			if ((uint64_t)got != v->ipage[i]) {
				sc = 0;
				break;
			}
			sc++;
		}
		/* A process switched back in touches mostly pages it has. */
		if (sc < absent)
			continue;
		if (sc > best_score) {
			best = a;
			best_score = sc;
		}
	}
	if (best < 0)
		best = r->nr_as++;
	v->as = best;
	memset(v->seen_vp, 0xff, sizeof(v->seen_vp));
	v->dq[v->as_q].as = best;
	for (unsigned int i = 0; i < v->npages; i++)
		if (pagemap_put(&r->map, as_key(best, v->vpage[i]), v->ilast[i]))
			return -ENOMEM;
	return 0;
}

static void decide_mmu(struct vstate *v, bool on)
{
	v->dq[v->mmu_q].mmu_on = on;
	v->dq[v->mmu_q].pending = false;
	v->mmu_on = on;
	v->ask_mmu = false;
}

/* Whether @rec of @v must wait for @v's open questions (or opens one). */
static bool waits(const struct vstate *v, const struct s2t_rec *rec)
{
	enum s2t_sys k;

	if (v->ask_mmu)
		return true;
	if (rec->op == S2T_EVENT) {
		k = s2t_sysinsn(rec->insn);
		return v->ask_as || k == S2T_SYS_SCTLR || k == S2T_SYS_TTBR0;
	}
	return v->ask_as && v->mmu_on && !(rec->va >> 55 & 1);
}

/* Whether @v noted @rec's page as it maps it now (a recent page). */
static inline bool seen(const struct vstate *v, const struct s2t_rec *rec)
{
	uint64_t vp = rec->va >> 12;
	unsigned int k = vp & 63;

	return (v->seen_vp[k] == vp) & (v->seen_ip[k] == rec->pa >> 12);
}

/* A lower-half access of @v with its MMU on and no epoch open: the
 * address space's map, as the recording maps pages now. */
static inline int note_page(struct replay *r, struct vstate *v, const struct s2t_rec *rec)
{
	uint64_t vp = rec->va >> 12, ip = rec->pa >> 12;
	unsigned int k = vp & 63;

	if (v->as < 0 || seen(v, rec))
		return 0;
	if (pagemap_put(&r->map, as_key(v->as, vp), ip))
		return -ENOMEM;
	v->seen_vp[k] = vp;
	v->seen_ip[k] = ip;
	return 0;
}

/*
 * The lookahead's view of one record of @v (in @v's waiting list at @at
 * when it waits): open questions, answer them.
 */
static int observe(struct replay *r, struct vstate *v, const struct s2t_rec *rec, size_t at)
{
	if (rec->op == S2T_EVENT) {
		enum s2t_sys k = s2t_sysinsn(rec->insn);

		if (k == S2T_SYS_SCTLR) {
			if (v->ask_mmu)
				decide_mmu(v, false);
			v->ask_mmu = true;
			v->mmu_q = at;
			v->dq[at].pending = true;
		} else if (k == S2T_SYS_TTBR0) {
			if (v->ask_as && decide_as(r, v))
				return -ENOMEM;
			v->ask_as = true;
			v->as_q = at;
			v->dq[at].pending = true;
			v->npages = 0;
		}
		return 0;
	}
	if (!rec->pa_known || rec->io)
		return 0;
	if (v->ask_mmu && rec->va != rec->pa)
		decide_mmu(v, true);
	if (!v->mmu_on || v->ask_mmu || (rec->va >> 55 & 1))
		return 0;
	if (v->ask_as) {
		uint64_t vp = rec->va >> 12;
		unsigned int i;

		for (i = 0; i < v->npages && v->vpage[i] != vp; i++)
			;
		if (i < v->npages) {
			v->ilast[i] = rec->pa >> 12; /* remapped in the epoch */
			return 0;
		}
		v->vpage[v->npages] = vp;
		v->ipage[v->npages] = v->ilast[v->npages] = rec->pa >> 12;
		if (++v->npages == EPOCH_PAGES && decide_as(r, v))
			return -ENOMEM;
		return 0;
	}
	return note_page(r, v, rec);
}

/* Replay one record through the simulator. Return: 0, or -1 (said why). */
static int execute(struct replay *r, const struct qrec *e)
{
	const struct s2t_rec *rec = &e->r;
	struct sim_rec_stats *rs = r->rs;
	struct sim_want w;
	unsigned int acc;
	int err = 0;

	if (rec->op == S2T_EVENT) {
		bool by_va, by_asid;
		const char *t;

		switch (s2t_sysinsn(rec->insn)) {
		case S2T_SYS_SCTLR:
			rs->sctlr_writes++;
			rs->mmu_on += e->mmu_on;
			r->v[rec->vcpu].x_mmu_on = e->mmu_on;
			err = sim_replay_mmu(r->s, rec->vcpu, e->mmu_on);
			break;
		case S2T_SYS_TTBR0:
			rs->ttbr0_writes++;
			if (e->as >= 0)
				err = sim_replay_as(r->s, rec->vcpu, (unsigned int)e->as);
			break;
		case S2T_SYS_TLBI:
			t = s2t_tlbi_name(rec->insn, &by_va, &by_asid);
			if (t && !by_va && !by_asid)
				sim_replay_tlbi_all(r->s, rec->vcpu, strcmp(t, "VMALLE1") != 0);
			else
				rs->tlbi_other++;
			break;
		default:
			break;
		}
		goto out;
	}
	if (!rec->pa_known) {
		rs->no_pa++;
		return 0;
	}
	acc = rec->op;
	w = (struct sim_want){ .ipa = rec->pa, .el1 = rec->el1, .acc = (uint8_t)acc };
	/* With the MMU off the address is the IPA (the same as the VA, unless
	 * the lookahead ran out before it saw the MMU on). */
	err = sim_replay_access(r->s, rec->vcpu, r->v[rec->vcpu].x_mmu_on ? rec->va : rec->pa,
				acc, &w);
	if (__builtin_expect((rec->n & 0xffff) == 0, 0))
		report_tick(r->rep, r->s);
out:
	if (err) {
		fprintf(stderr, "s2mm trace: %s: record %" PRIu64 ": %s\n", r->name, rec->n,
			sim_error(r->s));
		return -1;
	}
	return 0;
}

/*
 * Replay @e of @v at once (it does not wait): most often a micro-TLB hit,
 * inlined here; else through the simulator. Return: 0, or -1 (said why).
 */
static inline int run_now(struct replay *r, struct vstate *v, const struct qrec *e)
{
	const struct s2t_rec *rec = &e->r;

	if (rec->op != S2T_EVENT && rec->pa_known &&
	    sim_replay_hit(v->cpu, v->x_mmu_on ? rec->va : rec->pa, rec->op, rec->el1,
			   v->x_mmu_on, rec->pa)) {
		v->cpu->utlb_hits++;
		/* The record number, not a count of our own: one less store
		 * per access. */
		if (__builtin_expect((rec->n & 0xffff) == 0, 0))
			report_tick(r->rep, r->s);
		return 0;
	}
	return execute(r, e);
}

/*
 * Replay @v's waiting records up to its first open question; @force:
 * settle its questions with what is known first (the end, or too many
 * records waiting).
 */
static int flush(struct replay *r, struct vstate *v, bool force)
{
	size_t done;

	if (force) {
		if (v->ask_mmu)
			decide_mmu(v, false);
		if (v->ask_as && decide_as(r, v)) {
			fprintf(stderr, "s2mm trace: out of memory\n");
			return -1;
		}
	}
	for (; v->dh < v->dn && !v->dq[v->dh].pending; v->dh++)
		if (execute(r, &v->dq[v->dh]))
			return -1;
	if (v->dh == v->dn) {
		v->dh = v->dn = 0;
	} else if (v->dh > v->dn / 2) {
		/* Keep the list from creeping up: the open questions' records
		 * move to the front with the rest. */
		done = v->dh;
		memmove(v->dq, v->dq + done, (v->dn - done) * sizeof(*v->dq));
		v->dn -= done;
		v->dh = 0;
		v->mmu_q -= v->ask_mmu ? done : 0;
		v->as_q -= v->ask_as ? done : 0;
	}
	return 0;
}

static int open_reader(const char *path, int *fd, struct s2t_reader **rd)
{
	*rd = NULL;
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0) {
		fprintf(stderr, "s2mm trace: cannot open %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (s2t_reader_open(rd, *fd, NULL, 0)) {
		fprintf(stderr, "s2mm trace: %s: %s\n", path,
			*rd ? s2t_reader_error(*rd) : "out of memory");
		return -1;
	}
	return 0;
}

static int replay_user(struct replay *r, struct s2t_reader *rd)
{
	uint64_t limit = 1ULL << sim_va_bits(r->s);
	struct s2t_rec rec;
	int rc;

	while ((rc = s2t_read(rd, &rec)) > 0) {
		unsigned int acc;

		if (rec.op == S2T_EVENT)
			continue;
		if (rec.va + rec.size - 1 >= limit) {
			fprintf(stderr, "s2mm trace: %s: record %" PRIu64 ": VA %#" PRIx64
				" beyond the guest's %u-bit VA size (--va-bits)\n", r->name,
				rec.n, rec.va, sim_va_bits(r->s));
			return 2;
		}
		acc = rec.op;
		if (sim_access(r->s, rec.vcpu, rec.va, acc) ||
		    (((rec.va & 0xfff) + rec.size) > 0x1000 &&
		     sim_access(r->s, rec.vcpu, (rec.va | 0xfff) + 1, acc))) {
			fprintf(stderr, "s2mm trace: %s: record %" PRIu64 ": %s\n", r->name, rec.n,
				sim_error(r->s));
			return 2;
		}
		if ((++r->acc_lines & 0xffff) == 0)
			report_tick(r->rep, r->s);
	}
	if (rc < 0) {
		fprintf(stderr, "s2mm trace: %s: %s\n", r->name, s2t_reader_error(rd));
		return 2;
	}
	return 0;
}

static int replay_machine(struct replay *r, struct s2t_reader *rd)
{
	struct qrec e = { .as = -1 };
	int rc;

	while ((rc = s2t_read(rd, &e.r)) > 0) {
		struct vstate *v;
		size_t at = 0;
		bool wait;

		v = &r->v[e.r.vcpu]; /* below the header's vCPUs: the reader checks */
		/*
		 * The common case first: an access that neither waits nor opens
		 * or answers a question (no SCTLR_EL1 question open, and no
		 * epoch open unless it is a kernel-half or MMU-off access, which
		 * go ahead), most often a micro-TLB hit. It does what observe()
		 * and the end of this loop do for it.
		 */
		if (__builtin_expect(!v->ask_mmu && e.r.op != S2T_EVENT, 1)) {
			/* A branch: kernel and user accesses come in long runs
			 * (in a Linux boot, one switch per 2,000 accesses). */
			if (v->mmu_on && !(e.r.va >> 55 & 1)) {
				if (v->ask_as)
					goto lookahead;
				if (e.r.pa_known & !e.r.io && !seen(v, &e.r) &&
				    note_page(r, v, &e.r)) {
					fprintf(stderr, "s2mm trace: out of memory\n");
					return 2;
				}
			}
			if (run_now(r, v, &e))
				return 2;
			continue;
		}
lookahead:
		wait = waits(v, &e.r);
		if (wait) {
			if (v->dn == v->dcap) {
				size_t cap = v->dcap ? 2 * v->dcap : 1024;
				struct qrec *q = realloc(v->dq, cap * sizeof(*q));

				if (!q) {
					fprintf(stderr, "s2mm trace: out of memory\n");
					return 2;
				}
				v->dq = q;
				v->dcap = cap;
			}
			at = v->dn++;
			v->dq[at] = e;
			v->dq[at].pending = false;
		}
		if (observe(r, v, &e.r, at)) {
			fprintf(stderr, "s2mm trace: out of memory\n");
			return 2;
		}
		/* A record that does not wait neither opens nor answers. */
		if (!wait) {
			if (run_now(r, v, &e))
				return 2;
			continue;
		}
		if (v->dn - v->dh >= DEFER_CAP)
			r->rs->capped++;
		if (flush(r, v, v->dn - v->dh >= DEFER_CAP))
			return 2;
	}
	if (rc < 0) {
		fprintf(stderr, "s2mm trace: %s: %s\n", r->name, s2t_reader_error(rd));
		return 2;
	}
	for (unsigned int i = 0; i < r->vcpus; i++)
		if (flush(r, &r->v[i], true))
			return 2;
	r->acc_lines = s2t_reader_accesses(rd);
	return 0;
}

int replay_recorded(const char *path, struct sim_config *cfg, struct report *rep,
		    uint64_t repeat)
{
	struct replay r = { .rep = rep, .name = path };
	const struct s2t_header *h;
	struct s2t_reader *rd;
	char err[256] = "";
	int fd, ret = 2;

	if (open_reader(path, &fd, &rd))
		goto out;
	h = s2t_reader_header(rd);
	r.vcpus = h->vcpus;
	if (h->vcpus > S2_VMID_MAX_CPUS) {
		fprintf(stderr, "s2mm trace: %s: %u vCPUs: the simulator has at most %d CPUs\n",
			path, h->vcpus, S2_VMID_MAX_CPUS);
		goto out;
	}
	cfg->cpus = cfg->vcpus = h->vcpus;
	if (h->flags & S2T_F_SYSTEM) {
		if (repeat > 1) {
			fprintf(stderr, "s2mm trace: %s: a machine's recording runs from "
				"power-on once: no --repeat\n", path);
			goto out;
		}
		if (h->ram_base != RAM_BASE) {
			fprintf(stderr, "s2mm trace: %s: RAM at %#" PRIx64 ": the simulator's "
				"guests have theirs at %#llx\n", path, h->ram_base, RAM_BASE);
			goto out;
		}
		/* The recording's RAM, and room above for the rebuilt stage 1. */
		cfg->recorded = true;
		cfg->recorded_ram = h->ram_size;
		cfg->vm_mem = h->ram_size + h->ram_size / 8 + (16ULL << 20);
		cfg->s1_granule = 4096;
		cfg->s1_format = SIM_S1_A64;
		cfg->va_bits = 48;
	}
	if (sim_create(&r.s, cfg, err, sizeof(err))) {
		fprintf(stderr, "s2mm trace: %s\n", err);
		goto out;
	}
	r.rs = sim_replay_stats(r.s);
	r.v = calloc(r.vcpus, sizeof(*r.v));
	if (!r.v) {
		fprintf(stderr, "s2mm trace: out of memory\n");
		goto out;
	}
	for (unsigned int i = 0; i < r.vcpus; i++) {
		r.v[i].as = -1;
		r.v[i].cpu = sim_replay_cpu(r.s, i);
		memset(r.v[i].seen_vp, 0xff, sizeof(r.v[i].seen_vp));
		if (sim_schedule(r.s, i, sim_vcpu(r.s, 0, i)) ||
		    (!cfg->recorded && sim_mmu_enable(r.s, sim_vcpu(r.s, 0, i)))) {
			fprintf(stderr, "s2mm trace: %s\n", sim_error(r.s));
			goto out;
		}
	}
	report_begin(rep, 0);
	for (uint64_t i = 0; i < repeat; i++) {
		if (i) {
			s2t_reader_close(rd);
			close(fd);
			if (open_reader(path, &fd, &rd))
				goto out;
		}
		ret = cfg->recorded ? replay_machine(&r, rd) : replay_user(&r, rd);
		if (ret)
			goto out;
	}
	rep->trace_lines = r.acc_lines;
	ret = report_finish(rep, r.s);
out:
	s2t_reader_close(rd);
	if (fd >= 0)
		close(fd);
	for (unsigned int i = 0; r.v && i < r.vcpus; i++)
		free(r.v[i].dq);
	free(r.v);
	pagemap_free(&r.map);
	sim_destroy(r.s);
	return ret;
}

/* SPDX-License-Identifier: MIT */
/*
 * The simulator engine (see sim.h): CPUs with the model's TLBs, VMs on
 * libs2mm, a guest OS model, self-checks.
 */
#define _POSIX_C_SOURCE 200809L
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <s2mm/arch.h>
#include <s2mm/error.h>
#include <s2mm/geometry.h>
#include <s2mm/monitor.h>

#include "sim_int.h"

#define MAIR_WB 0xffULL           /* attr 0: Normal WB RA WA */
#define GUEST_ASID 1
#define MAX_RETRIES 32

void sim_utlb_flush(struct sim_cpu *c)
{
	for (unsigned int i = 0; i < UTLB_SIZE; i++)
		c->utlb[i].tag = UTLB_INVALID;
}

void sim_utlb_flush_all(struct sim *s)
{
	for (unsigned int i = 0; i < s->cfg.cpus; i++)
		sim_utlb_flush(&s->cpus[i]);
}

int sim_fail(struct sim *s, int err, const char *msg)
{
	snprintf(s->errmsg, sizeof(s->errmsg), "%s: %s", msg, s2_strerror(err));
	return err;
}


uint64_t sim_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

const char *sim_error(const struct sim *s)
{
	return s->errmsg;
}

/* ------------------------------------------------------------------ */
/* The host embedder's TLBI hooks: the library's invalidations reach the */
/* model's TLBs only here, as TLBI ...IS instructions.                   */
/* ------------------------------------------------------------------ */

static bool vm_vmid(struct sim *s, struct s2_vm *vm, uint16_t *vmid)
{
	return s2_vmid_is_current(s->ids, &vm->vmid, vmid);
}

void sim_tlbi(struct sim *s, unsigned int op, uint16_t vmid, uint16_t asid, uint64_t addr)
{
	struct s2_tlbi t = { .op = (uint8_t)op, .vmid = vmid, .asid = asid, .addr = addr };

	s2_tlb_tlbi_is(&s->sys, &t);
	sim_utlb_flush_all(s);
}

static void tlbi(struct sim *s, unsigned int op, uint16_t vmid, uint64_t addr)
{
	sim_tlbi(s, op, vmid, 0, addr);
}

/* The monitor's violations (--check-bbm): counted, the first few told. */
static void bbm_report(void *arg, const struct s2_mon_violation *v)
{
	struct sim *s = arg;
	char msg[256];

	if (s->st.bbm_violations++ < 10) {
		s2_mon_format(v, msg, sizeof(msg));
		fprintf(stderr, "s2mm: break-before-make monitor: %s\n", msg);
	}
}

static void hook_ipa(void *arg, const struct s2_pgtable *pgt, uint64_t ipa,
		     unsigned int level)
{
	struct sim *s = arg;
	struct s2_vm *vm = container_of(pgt, struct s2_vm, pgt);
	uint16_t vmid;

	(void)level;
	if (s->cfg.drop_tlbi_ipa)
		return; /* a buggy embedder: the self-checks must catch it */
	if (s->cfg.drop_tlbi_merge && s->merging)
		return; /* ... or only those of the page merger (--share) */
	/* A VM without a current VMID has no entries: the rollover flushed. */
	if (!vm_vmid(s, vm, &vmid))
		return;
	/* TLBI IPAS2E1IS leaves combined entries: VMALLE1IS too (ops.h). */
	tlbi(s, S2_TLBI_IPAS2E1, vmid, ipa);
	tlbi(s, S2_TLBI_VMALLE1, vmid, 0);
}

static void hook_vmid(void *arg, const struct s2_pgtable *pgt)
{
	struct sim *s = arg;
	struct s2_vm *vm = container_of(pgt, struct s2_vm, pgt);
	uint16_t vmid;

	if (vm_vmid(s, vm, &vmid))
		tlbi(s, S2_TLBI_VMALLS12E1, vmid, 0);
}

static void hook_all(void *arg)
{
	struct sim *s = arg;

	if (s->cfg.drop_tlbi_all)
		return; /* a buggy embedder: VMIDs reused with old entries */
	tlbi(s, S2_TLBI_ALLE1, 0, 0);
}

/* ------------------------------------------------------------------ */
/* Self-check: TLB entries against fresh walks.                         */
/* ------------------------------------------------------------------ */

static bool s2_fresh(struct sim *s, const struct s2_mmu_regs *regs,
		     uint64_t ipa, struct s2_mmu_result *r)
{
	struct s2_mmu_access a = { .va = ipa, .acc = S2_MMU_READ, .el = 1 };

	return s2_mmu_translate_s2(&s->mem, &s->cpu, regs, &a, r) == 0;
}

static void start_checking(struct sim *s, struct sim_cpu *c, uint64_t n)
{
	s->st.stale_entries += n;
	if (!c->checking) {
		c->checking = true;
		c->use_utlb = false;
		s2_tlb_set_check_stale(&c->tlb, true);
	}
	sim_utlb_flush(c);
}

/*
 * Every TLB entry of @vm's VMID, on every CPU, must agree with what a fresh
 * stage-2 walk of its IPA gives (same PA, no more permissions). Entries
 * that do not are stale: the library changed a mapping without the
 * invalidation that removes them. The CPU then verifies every hit.
 */
void sim_sweep(struct sim *s, struct gvm *vm)
{
	struct s2_mmu_regs regs;
	uint16_t vmid;

	vm->swept_stores = s->hm.stores;
	if (!vm_vmid(s, gvm_s2(vm), &vmid))
		return;
	regs = (struct s2_mmu_regs){ .hcr_el2 = s->hcr, .vtcr_el2 = s->vtcr,
				     .vttbr_el2 = s2_vm_vttbr(gvm_s2(vm), vmid) };
	for (unsigned int i = 0; i < s->cfg.cpus; i++) {
		struct sim_cpu *c = &s->cpus[i];
		uint32_t n = c->tlb.sets * c->tlb.ways;
		uint64_t bad = 0;

		if (c->checking)
			continue; /* every hit is verified already */

		for (uint32_t k = 0; k < n; k++) {
			const struct s2_tlb_entry *e = &c->entries[k];
			struct s2_mmu_result r;
			uint64_t ipa;

			if (e->vmid != vmid || (e->kind != S2_TLB_S2 &&
						e->kind != S2_TLB_S12))
				continue;
			ipa = e->kind == S2_TLB_S2 ? e->in : e->ipa;
			if (!s2_fresh(s, &regs, ipa, &r))
				continue;
			if (r.fault.type == S2_MMU_FAULT_ACCESS_FLAG)
				continue; /* ageing hints may be stale */
			/* As the model's stale check: other PA or permissions. */
			if (r.fault.type || r.pa != e->out || e->s2_perm != r.s2_perm)
				bad++;
		}
		if (c->vm == vm && c->use_utlb) {
			for (unsigned int k = 0; k < UTLB_SIZE; k++) {
				const struct utlb_e *u = &c->utlb[k];
				struct s2_mmu_result r;

				if (u->tag == UTLB_INVALID ||
				    !s2_fresh(s, &regs, u->ipa, &r) ||
				    r.fault.type == S2_MMU_FAULT_ACCESS_FLAG)
					continue;
				if (r.fault.type || r.pa != u->pa ||
				    u->s2w != !!(r.s2_perm & S2_MMU_PERM_W0))
					bad++;
			}
		}
		if (bad)
			start_checking(s, c, bad);
	}
}

/* ------------------------------------------------------------------ */
/* The hypervisor: stage-2 aborts into the library.                      */
/* ------------------------------------------------------------------ */

/*
 * @regs: the registers of the faulting access when its FAR is a VA, so that
 * an UNKNOWN HPFAR (permission fault) is resolved with AT S1E1R as KVM
 * does (vm.h); NULL when the model's HPFAR is used as is (the guest
 * kernel's linear-map accesses, whose VA is the IPA).
 */
static int hyp_abort(struct sim *s, struct gvm *vm, const struct s2_mmu_fault *f,
		     const struct s2_mmu_regs *regs, bool *done)
{
	/* A 64-bit LDR/STR X1: the syndrome the CPU gives with ISV=1. */
	static const struct s2_mmu_insn ldr_x1 = {
		.isv = true, .sas = ESR_SAS_DOUBLE, .srt = 1, .sf = true
	};
	struct s2_abort ab = { 0 };
	struct s2_exit ex;
	int err;

	switch (f->type) {
	case S2_MMU_FAULT_TRANSLATION:
		if (f->s1ptw)
			s->st.s2_s1ptw++;
		else
			s->st.s2_translation++;
		break;
	case S2_MMU_FAULT_PERMISSION:
		if (f->s1ptw)
			s->st.s2_s1ptw++;
		else
			s->st.s2_permission++;
		break;
	case S2_MMU_FAULT_ACCESS_FLAG:
		if (f->s1ptw)
			s->st.s2_s1ptw++;
		else
			s->st.s2_access_flag++;
		break;
	default:
		s->st.s2_other++;
		break;
	}
	err = s2_mmu_esr(f, &ldr_x1, &ab.esr);
	if (!err)
		err = s2_mmu_hpfar(f, &ab.hpfar);
	if (err)
		return sim_fail(s, err, "encoding the stage-2 abort");
	ab.far = s2_mmu_far(f);
	if (regs && s2_hpfar_needs_at(ab.esr)) {
		struct s2_mmu_result at;
		uint64_t par;

		err = s2_mmu_at(&s->mem, &s->cpu, regs, S2_MMU_AT_S1E1R, ab.far, &par, &at);
		if (err)
			return sim_fail(s, err, "AT S1E1R for HPFAR");
		if ((par & PAR_EL1_F) && at.fault.stage == 2 && at.fault.s1ptw) {
			/*
			 * The access hit the TLB, but a fresh stage-1 walk
			 * faults at stage 2 on a table page (aged by
			 * --overcommit's clock, which needs no invalidation).
			 * KVM goes back to the guest to retry; here that
			 * would hit the same entry again: take the walk's
			 * fault first, as the guest's own walk would.
			 */
			err = hyp_abort(s, vm, &at.fault, NULL, done);
			if (!err && !*done)
				s->st.retries++;
			return err;
		}
		err = s2_hpfar_from_par(par, &ab.hpfar);
		if (err)
			return sim_fail(s, err, "AT S1E1R for HPFAR");
	}
	err = s2_vm_handle_abort(gvm_s2(vm), &ab, &ex);
	if (err)
		return sim_fail(s, err, "s2_vm_handle_abort");
	/*
	 * Tables no store has changed since the last sweep cannot have made
	 * an entry stale (every entry since came from a walk of them): most
	 * aborts of a booting guest are MMIO, and change nothing.
	 */
	if (!s->hm.stores_counted || s->hm.stores != vm->swept_stores)
		sim_sweep(s, vm);
	*done = false;
	switch (ex.reason) {
	case S2_EXIT_RESUME:
		break;
	case S2_EXIT_RETRY:
		s->st.retries++;
		/* The pager had no free page: the host makes room first. */
		if (s->mm)
			return mm_after_retry(s);
		break;
	case S2_EXIT_MMIO:
	case S2_EXIT_CANNOT_EMULATE:
		s->st.mmio++;
		*done = true;
		break;
	default:
		s->st.injected++;
		*done = true;
		break;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* The guest OS: its own accesses to its tables go through stage 2.      */
/* ------------------------------------------------------------------ */

static void mark_page(struct gvm *vm, uint64_t ipa, unsigned int shift)
{
	uint64_t n = (ipa - RAM_IPA) >> shift;

	if (ipa - RAM_IPA >= vm->ram_size)
		return;
	if (!(vm->touched[n / 64] & (1ULL << (n % 64)))) {
		vm->touched[n / 64] |= 1ULL << (n % 64);
		vm->distinct++;
	}
}

/* Host pointer to guest IPA @ipa, as the guest kernel reaches it. */
static int guest_ptr(struct sim *s, struct sim_cpu *c, uint64_t ipa, bool write,
		     void **p)
{
	struct s2_mmu_access a = { .va = ipa, .acc = write ? S2_MMU_WRITE : S2_MMU_READ,
				   .el = 1 };
	struct s2_mmu_result r;
	bool done;
	int err;

	for (unsigned int i = 0; i < MAX_RETRIES; i++) {
		err = s2_mmu_translate_s2(&s->mem, &s->cpu, &c->regs, &a, &r);
		if (err)
			return sim_fail(s, err, "stage-2 walk");
		if (!r.fault.type) {
			if (r.pa - c->ram_pa >= c->ram_size ||
			    (s->mm && !mm_pa_ok(s, c->vm, r.pa, write)))
				c->isolation++;
			*p = s2_physmem_va(s->pm, r.pa, 8);
			return *p ? 0 : sim_fail(s, -S2_EFAULT, "guest table PA");
		}
		err = hyp_abort(s, c->vm, &r.fault, NULL, &done);
		if (err)
			return err;
		if (done)
			return sim_fail(s, -S2_EFAULT, "guest table page is not RAM");
	}
	return sim_fail(s, -S2_EAGAIN, "stage-2 fault livelock on a guest table");
}

static int guest_alloc_page(struct sim *s, struct gvm *vm, uint64_t *ipa)
{
	uint64_t size = 1ULL << s->s1_gshift;

	if (vm->next_ipa + size > RAM_IPA + vm->ram_size) {
		snprintf(s->errmsg, sizeof(s->errmsg),
			 "guest RAM of VM %u exhausted (%llu MiB): raise --vm-mem",
			 vm->idx, (unsigned long long)(vm->ram_size >> 20));
		return -S2_ENOMEM;
	}
	*ipa = vm->next_ipa;
	vm->next_ipa += size;
	mark_page(vm, *ipa, s->s1_gshift);
	return 0;
}

/* A new, zeroed stage-1 table page (the guest writes it through stage 2). */
int sim_guest_new_table(struct sim *s, struct sim_cpu *c, uint64_t *ipa)
{
	uint64_t size = 1ULL << s->s1_gshift;
	uint64_t chunk = 1ULL << s->g.granule_shift;
	int err = guest_alloc_page(s, c->vm, ipa);

	if (chunk > size)
		chunk = size;
	for (uint64_t off = 0; !err && off < size; off += chunk) {
		void *p;

		err = guest_ptr(s, c, *ipa + off, true, &p);
		if (!err)
			memset(p, 0, chunk);
	}
	if (!err)
		c->vm->s1_tables++;
	return err;
}

static unsigned int s1_shift(const struct sim *s, int level)
{
	return s->s1_gshift + (unsigned int)(3 - level) * s->s1_stride;
}

/*
 * The guest's page fault handler: map the VA page of @va to a new IPA page
 * (generated guests), or to @want's IPA page (recorded ones, which also
 * remap a page whose recorded IPA changed: the guest changed its tables).
 */
static int guest_map(struct sim *s, struct sim_cpu *c, uint64_t va,
		     const struct sim_want *want)
{
	struct gvm *vm = c->vm;
	bool upper = want && (va >> 55 & 1);
	uint64_t table = upper ? vm->s1_kroot : want ? c->cur->ttbr0 & S1_OA_MASK
						     : vm->s1_root;
	int err;

	for (int level = s->s1_start; level <= 3; level++) {
		unsigned int shift = s1_shift(s, level);
		uint64_t bits = level == s->s1_start ? s->s1_va_bits - shift
						     : s->s1_stride;
		uint64_t idx = (va >> shift) & ((1ULL << bits) - 1);
		uint64_t *d, desc, next;

		err = guest_ptr(s, c, table + idx * 8, false, (void **)&d);
		if (err)
			return err;
		desc = *d;
		if (level < 3 && (desc & DESC_TYPE_MASK) == DESC_TYPE_TABLE) {
			table = desc & ((1ULL << 48) - 1) & ~((1ULL << s->s1_gshift) - 1);
			continue;
		}
		if (level == 3 && (desc & DESC_VALID) && !want)
			return 0; /* mapped meanwhile: spurious */
		if (level < 3)
			err = sim_guest_new_table(s, c, &next);
		else if (want)
			next = want->ipa & ~0xfffULL;
		else
			err = guest_alloc_page(s, vm, &next);
		if (err)
			return err;
		if (level < 3) {
			desc = next | DESC_TYPE_TABLE;
		} else if (want) {
			desc = sim_replay_leaf(c, va, next, desc, want);
			if (!desc)
				return 0; /* unchanged: not a fault of the tables */
		} else {
			desc = next | DESC_TYPE_PAGE | DESC_AF | S1_DESC_NG |
			       (DESC_SH_IS << DESC_SH_SHIFT) |
			       (S1_DESC_AP_RW_ALL << S1_DESC_AP_SHIFT);
			vm->data_pages++;
		}
		err = guest_ptr(s, c, table + idx * 8, true, (void **)&d);
		if (err)
			return err;
		if (level == 3 && (*d & DESC_VALID)) {
			/*
			 * A valid leaf changes (a recorded remap):
			 * break-before-make, then TLBI VAE1IS for the
			 * page, as the guest kernel must (D8.16.1).
			 */
			*d = 0;
			sim_replay_tlbi_va(s, c, va, desc & S1_DESC_NG);
			err = guest_ptr(s, c, table + idx * 8, true, (void **)&d);
			if (err)
				return err;
		}
		/* Invalid -> valid: no invalidation needed (faults are not cached). */
		*d = desc;
		table = next;
	}
	return 0;
}

static void load_regs(struct sim *s, struct sim_cpu *c, struct sim_vcpu *v,
		      uint16_t vmid)
{
	struct gvm *vm = v->vm;
	bool rec = s->cfg.recorded;

	c->regs = (struct s2_mmu_regs){
		.hcr_el2 = s->hcr,
		.vtcr_el2 = s->vtcr,
		.vttbr_el2 = s2_vm_vttbr(gvm_s2(vm), vmid),
		.sctlr_el1 = v->mmu_on ? SCTLR_M : 0,
		.tcr_el1 = s->tcr,
		.ttbr0_el1 = rec ? v->ttbr0
				 : vm->s1_root | ((uint64_t)GUEST_ASID << TTBR_ASID_SHIFT),
		.ttbr1_el1 = rec ? vm->s1_kroot : 0,
		.mair_el1 = MAIR_WB,
	};
	c->el = v->mmu_on && !rec ? 0 : 1;
	sim_utlb_flush(c);
}

/* ------------------------------------------------------------------ */
/* Accesses.                                                             */
/* ------------------------------------------------------------------ */

static uint32_t perm_mask(const struct s2_mmu_result *r, unsigned int el)
{
	uint32_t p = r->s1_perm & r->s2_perm, m = 0;

	if (p & (el ? S2_MMU_PERM_R1 : S2_MMU_PERM_R0))
		m |= 1u << S2_MMU_READ;
	if (p & (el ? S2_MMU_PERM_W1 : S2_MMU_PERM_W0))
		m |= 1u << S2_MMU_WRITE;
	if (p & (el ? S2_MMU_PERM_X1 : S2_MMU_PERM_X0))
		m |= 1u << S2_MMU_EXEC;
	return m;
}

/*
 * The kernel image's value for word @ipa: the same in every VM, as if one
 * image had been loaded into each (the pages --share finds identical).
 */
static uint64_t image_value(uint64_t ipa)
{
	uint64_t h = ((ipa >> 12) * 0x9E3779B97F4A7C15ULL) >> DV_CTR_SHIFT | 1;

	return h << DV_CTR_SHIFT | ((ipa >> 3) & 511) << DV_WORD_SHIFT;
}

static void data_error(struct sim *s, struct sim_cpu *c, uint64_t ipa,
		       uint64_t want, uint64_t found)
{
	uint64_t tag = found & DV_TAG_MASK;

	if (!s->st.data_errors) {
		s->st.derr_vm = c->vm->idx;
		s->st.derr_ipa = ipa;
		s->st.derr_want = want;
		s->st.derr_found = found;
	}
	s->st.data_errors++;
	if (tag && tag != DV_TAG_MASK && tag != c->vm->idx + 1)
		s->st.data_foreign++;
}

/*
 * The data self-check of an access that translated IPA @ipa to PA @pa: a
 * write stores its value in the word it writes and in the shadow of its
 * page; a read compares the word the shadow names (the page's last write)
 * with it, or, in a page never written, its own word with 0 (RAM a guest
 * has not written reads as zeroes: fresh, or zero-filled by the pager).
 * One word per access keeps the check to a few loads.
 */
static inline void data_access(struct sim *s, struct sim_cpu *c, uint64_t ipa,
			       uint64_t pa, unsigned int acc)
{
	uint64_t *page = (uint64_t *)(void *)(c->host + ((pa & ~0xfffULL) - PHYS_BASE));
	uint64_t *sh = &c->shadow[(ipa - RAM_IPA) >> 12];
	unsigned int w = (unsigned int)(ipa >> 3) & 511;
	uint64_t want;

	if (acc == SIM_WRITE) {
		if (c->el && ipa - RAM_IPA < KERNEL_SIZE)
			want = image_value(ipa);
		else
			want = ++c->vm->wctr << DV_CTR_SHIFT |
			       (uint64_t)w << DV_WORD_SHIFT | (c->vm->idx + 1);
		page[w] = want;
		*sh = want;
		return;
	}
	c->checks++;
	want = *sh;
	if (want)
		w = dv_word(want);
	if (__builtin_expect(page[w] != want, 0))
		data_error(s, c, ipa, want, page[w]);
}

int sim_access_slow(struct sim *s, struct sim_cpu *c, uint64_t addr, unsigned int acc,
		    const struct sim_want *want)
{
	struct s2_mmu_access a = { .va = addr, .acc = (uint8_t)acc, .el = c->el };
	struct s2_mmu_result r;
	bool done;
	int err;

	for (unsigned int i = 0; i < MAX_RETRIES; i++) {
		err = s2_tlb_translate(&c->tlb, &s->mem, &s->cpu, &c->regs, &a, &r);
		if (err)
			return sim_fail(s, err, "s2_tlb_translate");
		if (r.stale)
			s->st.stale_tlb_hits++;
		if (!r.fault.type) {
			bool isolated, in_ram = r.pa - PHYS_BASE < s->mem.size &&
				      r.ipa - RAM_IPA < c->vm->ram_size;

			/* A recorded guest that now maps the page elsewhere. */
			if (want && (r.ipa ^ want->ipa) >> 12) {
				s->st.rec.s1_remaps++;
				err = guest_map(s, c, addr, want);
				if (err)
					return err;
				continue;
			}
			isolated = r.pa - c->ram_pa < c->ram_size &&
				   (!s->mm || mm_pa_ok(s, c->vm, r.pa, acc == SIM_WRITE));
			if (!isolated)
				c->isolation++;
			if (!in_ram)
				s->st.errors++; /* the guest model stays in RAM */
			else if (s->cfg.check_data)
				data_access(s, c, r.ipa, r.pa, acc);
			if (c->el || want)
				mark_page(c->vm, r.ipa, s->s1_gshift);
			/*
			 * A recorded guest's EL1 accesses too (sim_replay.c).
			 * Not a page that breaks isolation: its hits would not
			 * be counted (the micro-TLB's hit does not check).
			 */
			if (c->use_utlb && (!c->el || want) && in_ram && isolated) {
				struct utlb_e *u = &c->utlb[(addr >> 12) & (UTLB_SIZE - 1)];

				u->tag = addr >> 12;
				u->pa = r.pa & ~0xfffULL;
				u->ipa = r.ipa & ~0xfffULL;
				u->perm = perm_mask(&r, 0) | perm_mask(&r, 1) << UTLB_EL1_SHIFT;
				u->s2w = !!(r.s2_perm & S2_MMU_PERM_W0);
			}
			return 0;
		}
		if (r.fault.stage == 1) {
			/* A recorded guest's access did not fault: its tables
			 * (rebuilt here) lack the mapping or its permission. */
			if (want) {
				s->st.s1_faults++;
				err = guest_map(s, c, addr, want);
				if (err)
					return err;
				continue;
			}
			if (r.fault.type != S2_MMU_FAULT_TRANSLATION) {
				s->st.errors++; /* the guest model never makes these */
				return 0;
			}
			s->st.s1_faults++;
			err = guest_map(s, c, addr, NULL);
			if (err)
				return err;
			continue;
		}
		err = hyp_abort(s, c->vm, &r.fault, &c->regs, &done);
		if (err || done)
			return err;
	}
	/*
	 * The same fault again and again: on hardware the vCPU would spin
	 * (a stale TLB entry the hypervisor did not invalidate). Count it as a
	 * self-check failure and drop the access.
	 */
	s->st.livelocks++;
	return 0;
}

int sim_access(struct sim *s, unsigned int cpu, uint64_t addr, unsigned int acc)
{
	struct sim_cpu *c = &s->cpus[cpu];
	const struct utlb_e *u = &c->utlb[(addr >> 12) & (UTLB_SIZE - 1)];

	if (__builtin_expect(u->tag == addr >> 12 && ((u->perm >> acc) & 1), 1)) {
		c->utlb_hits++;
		if (s->cfg.check_data)
			data_access(s, c, u->ipa | (addr & 0xfff), u->pa, acc);
		return 0;
	}
	c->accesses++;
	return sim_access_slow(s, c, addr, acc, NULL);
}

/* ------------------------------------------------------------------ */
/* Scheduling.                                                           */
/* ------------------------------------------------------------------ */

int sim_schedule(struct sim *s, unsigned int cpu, struct sim_vcpu *v)
{
	struct sim_cpu *c = &s->cpus[cpu];
	uint64_t roll = s2_vmid_rollovers(s->ids);
	uint16_t vmid;
	int err;

	if (c->cur && c->cur != v) {
		s2_vmid_clear_active(s->ids, cpu);
		c->cur->cpu = -1;
		s->st.context_switches++;
	}
	err = s2_vmid_update(s->ids, &gvm_s2(v->vm)->vmid, cpu, &vmid);
	if (err)
		return sim_fail(s, err, "s2_vmid_update");
	c->cur = v;
	c->vm = v->vm;
	v->cpu = (int)cpu;
	/* Pager slots: any pool page; access_slow() checks whose it is. */
	c->ram_pa = s->mm ? mm_pool_pa(s) : v->vm->ram_pa;
	c->ram_size = s->mm ? mm_pool_size(s) : v->vm->ram_size;
	c->shadow = v->vm->shadow;
	load_regs(s, c, v, vmid);
	/* A new VMID for this VM: entries tagged with it must be its own. */
	if (vmid != v->vm->last_vmid || roll != s2_vmid_rollovers(s->ids) ||
	    v->vm->last_gen != roll) {
		v->vm->last_vmid = vmid;
		v->vm->last_gen = s2_vmid_rollovers(s->ids);
		sim_sweep(s, v->vm);
	}
	return 0;
}

int sim_mmu_enable(struct sim *s, struct sim_vcpu *v)
{
	struct sim_cpu *c = &s->cpus[v->cpu];
	int err;

	if (!v->vm->s1_root) {
		err = sim_guest_new_table(s, c, &v->vm->s1_root);
		if (err)
			return err;
	}
	v->mmu_on = true;
	load_regs(s, c, v, s2_mmu_vmid(&s->cpu, &c->regs));
	return 0;
}

bool sim_vcpu_mmu_on(const struct sim_vcpu *v)
{
	return v->mmu_on;
}

const struct sim_config *sim_config(const struct sim *s)
{
	return &s->cfg;
}

uint64_t sim_ram_ipa(const struct sim *s)
{
	(void)s;
	return RAM_IPA;
}

unsigned int sim_va_bits(const struct sim *s)
{
	return s->s1_va_bits;
}

uint64_t sim_boot_ipa(const struct sim *s, uint64_t n)
{
	(void)s;
	return RAM_IPA + (n * 64) % KERNEL_SIZE;
}

struct sim_vcpu *sim_vcpu(struct sim *s, unsigned int vm, unsigned int idx)
{
	return &s->vcpus[vm * s->cfg.vcpus + idx];
}

int sim_slice_end(struct sim *s)
{
	int err;

	s->slices++;
	s2_host_mm_reclaim(&s->hm); /* single-threaded: always a grace period */
	if (s->cfg.dirty_vms && s->cfg.dirty_every &&
	    s->slices % s->cfg.dirty_every == 0) {
		for (unsigned int i = 0; i < s->cfg.dirty_vms && i < s->cfg.vms; i++) {
			struct gvm *vm = &s->vms[i];

			if (s->cfg.migrate && i == 0)
				continue; /* its log is the migration's */
			if (!vm->logging) {
				err = s2_vm_dirty_log_enable(gvm_s2(vm), 0, vm->dirty_map,
							     vm->dirty_words);
				if (err)
					return sim_fail(s, err, "s2_vm_dirty_log_enable");
				vm->logging = true;
			} else {
				err = s2_vm_dirty_log_get_clear(gvm_s2(vm), 0, vm->dirty_out,
								vm->dirty_words);
				if (err)
					return sim_fail(s, err, "s2_vm_dirty_log_get_clear");
				for (size_t w = 0; w < vm->dirty_words; w++)
					s->st.dirty_pages += (uint64_t)__builtin_popcountll(vm->dirty_out[w]);
				s->st.dirty_rounds++;
			}
			sim_sweep(s, vm);
		}
	}
	if (s->cfg.reclaim_every && s->slices % s->cfg.reclaim_every == 0) {
		struct gvm *vm = &s->vms[s->reclaim_next++ % s->cfg.vms];

		/* The host takes the VM's memory back (an MMU notifier). */
		err = sim_host_unmap(s, vm->idx, RAM_IPA, vm->ram_size);
		if (err)
			return err;
		s->st.reclaims++;
	}
	if (s->cfg.migrate) {
		err = mig_tick(s);
		if (err)
			return err;
	}
	return s->mm ? mm_slice_end(s) : 0;
}

void sim_put_vm(struct sim *s, struct gvm *g)
{
	for (unsigned int i = 0; i < s->cfg.cpus; i++) {
		struct sim_cpu *c = &s->cpus[i];

		if (!c->cur || c->cur->vm != g)
			continue;
		s2_vmid_clear_active(s->ids, i);
		c->cur->cpu = -1;
		c->cur = NULL;
		c->vm = NULL;
		sim_utlb_flush(c);
	}
}

void sim_view(struct sim *s, unsigned int cpu, struct sim_view *v)
{
	struct sim_cpu *c = &s->cpus[cpu];

	*v = (struct sim_view){
		.mem = &s->mem, .cpu = &s->cpu, .regs = &c->regs, .g = &s->g,
		.pm = s->pm, .s1_gshift = s->s1_gshift, .s1_stride = s->s1_stride,
		.s1_va_bits = s->s1_va_bits, .s1_start = s->s1_start,
		.ram_pa = c->ram_pa, .ram_size = c->ram_size,
	};
}

int sim_host_unmap(struct sim *s, unsigned int vm, uint64_t ipa, uint64_t size)
{
	int err = s2_vm_unmap(gvm_s2(&s->vms[vm]), ipa, size);

	if (err)
		return sim_fail(s, err, "s2_vm_unmap");
	sim_sweep(s, &s->vms[vm]);
	return 0;
}

int sim_ram_alloc(struct sim *s, uint64_t *alloc_pa, uint64_t *alloc_size,
		  uint64_t *ram_pa)
{
	uint64_t gsz = s->cfg.granule, per_vm = s->vms[0].ram_size;
	int err;

	/*
	 * Without blocks the backing is offset by one granule, so IPA and PA
	 * never line up modulo a block: the abort handler then maps pages
	 * only (the rule Linux's user_mem_abort follows).
	 */
	*alloc_size = per_vm + (s->cfg.blocks ? 0 : gsz);
	err = s2_physmem_alloc_range(s->pm, *alloc_size, s->ram_align, alloc_pa);
	if (err)
		return err;
	*ram_pa = *alloc_pa + (s->cfg.blocks ? 0 : gsz);
	return 0;
}

/* @vm's dirty log and its copy: one bit per stage-2 page of its RAM. */
static bool dirty_alloc(const struct sim *s, struct gvm *vm)
{
	vm->dirty_words = (vm->ram_size / s->cfg.granule + 63) / 64;
	vm->dirty_map = calloc(vm->dirty_words, 8);
	vm->dirty_out = calloc(vm->dirty_words, 8);
	return vm->dirty_map && vm->dirty_out;
}

int sim_dirty_log_start(struct sim *s, unsigned int vm)
{
	struct gvm *g = &s->vms[vm];
	int err;

	if (!g->dirty_map && !dirty_alloc(s, g))
		return sim_fail(s, -S2_ENOMEM, "dirty bitmap");
	err = s2_vm_dirty_log_enable(gvm_s2(g), 0, g->dirty_map, g->dirty_words);
	if (err)
		return sim_fail(s, err, "s2_vm_dirty_log_enable");
	g->logging = true;
	sim_sweep(s, g);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Setup and statistics.                                                 */
/* ------------------------------------------------------------------ */

static int count_tables(const struct s2_walk_ctx *ctx, enum s2_walk_flags visit)
{
	(void)visit;
	(*(uint64_t *)ctx->arg)++;
	return 0;
}

void sim_stats_light(struct sim *s, struct sim_stats *st)
{
	*st = s->st;
	for (unsigned int i = 0; i < s->cfg.cpus; i++) {
		const struct sim_cpu *c = &s->cpus[i];

		st->accesses += c->accesses + c->utlb_hits;
		st->utlb_hits += c->utlb_hits;
		st->tlb_hits += c->tlb.stats.hits + c->utlb_hits;
		st->tlb_misses += c->tlb.stats.misses;
		st->walks += c->tlb.stats.walks;
		st->descriptor_reads += c->tlb.stats.desc_reads;
		st->isolation_violations += c->isolation;
		st->data_checks += c->checks;
	}
	st->vmid_rollovers = s2_vmid_rollovers(s->ids);
	st->tlbi_ipa = s->hm.tlbi_ipa;
	st->tlbi_vmid = s->hm.tlbi_vmid;
	st->tlbi_all = s->hm.tlbi_all;
	st->tlb_flushes = st->tlbi_ipa + st->tlbi_vmid + st->tlbi_all;
}

void sim_stats(struct sim *s, struct sim_stats *st)
{
	sim_stats_light(s, st);
	for (unsigned int i = 0; i < s->cfg.vms; i++) {
		struct gvm *vm = &s->vms[i];
		uint64_t tables = 0;
		struct s2_walker w = { .cb = count_tables, .arg = &tables,
				       .flags = S2_WALK_TABLE_PRE };

		s2_pgtable_walk(&gvm_s2(vm)->pgt, 0, s2_geom_ipa_limit(&s->g), &w);
		st->stage2_table_pages += tables + s->g.concat;
		st->stage1_table_pages += vm->s1_tables;
		st->distinct_ipa_pages += vm->distinct;
		st->data_pages += vm->data_pages;
		st->block_maps += gvm_s2(vm)->stats.block_maps;
		st->page_maps += gvm_s2(vm)->stats.page_maps;
	}
	if (s->mm)
		mm_stats(s, st);
}

static unsigned int parange(unsigned int bits)
{
	static const unsigned int r[] = { 32, 36, 40, 42, 44, 48, 52 };

	for (unsigned int i = 0; i < 7; i++)
		if (bits <= r[i])
			return i;
	return 6;
}

int sim_create(struct sim **out, const struct sim_config *cfg, char *errbuf,
	       size_t errlen)
{
	struct sim *s = calloc(1, sizeof(*s));
	uint64_t per_vm, tables, total, align, gsz;
	unsigned int tg;
	int err;

#define BAD(code, ...)                                                  \
	do {                                                            \
		snprintf(errbuf, errlen, __VA_ARGS__);                  \
		err = (code);                                           \
		goto out_err;                                           \
	} while (0)

	if (!s)
		return -S2_ENOMEM;
	s->cfg = *cfg;
	/* Their hosts copy, store and merge the guests' bytes. */
	if (cfg->migrate || cfg->overcommit != 0 || cfg->share)
		s->cfg.check_data = true;
	err = s2_geom_init(&s->g, cfg->granule, cfg->ipa_bits, cfg->pa_bits,
			   S2_START_LEVEL_AUTO);
	if (err)
		BAD(err, "stage-2 layout %u-byte granule, %u-bit IPA, %u-bit PA: %s",
		    cfg->granule, cfg->ipa_bits, cfg->pa_bits, s2_strerror(err));
	gsz = cfg->granule;
	if (!cfg->cpus || cfg->cpus > S2_VMID_MAX_CPUS)
		BAD(-S2_EINVAL, "--cpus must be 1..%d", S2_VMID_MAX_CPUS);
	if (!cfg->vms || !cfg->vcpus)
		BAD(-S2_EINVAL, "--vms and --vcpus must be at least 1");
	if (cfg->vmid_bits != 8 && cfg->vmid_bits != 16)
		BAD(-S2_EINVAL, "--vmid-bits must be 8 or 16");
	if (cfg->s1_granule != 4096 && cfg->s1_granule != 16384 &&
	    cfg->s1_granule != 65536)
		BAD(-S2_EINVAL, "--s1-granule must be 4K, 16K or 64K");
	if (cfg->s1_format == SIM_S1_A32 && cfg->s1_granule != 4096)
		BAD(-S2_EINVAL, "AArch32 LPAE stage 1 uses 4K pages only");
	if (cfg->ipa_bits < 32)
		BAD(-S2_EINVAL, "--ipa-bits must be at least 32 (guest RAM at IPA 0x40000000)");
	if (!cfg->tlb_ways || cfg->tlb_entries < cfg->tlb_ways ||
	    cfg->tlb_entries % cfg->tlb_ways ||
	    ((cfg->tlb_entries / cfg->tlb_ways) & (cfg->tlb_entries / cfg->tlb_ways - 1)))
		BAD(-S2_EINVAL, "--tlb-entries / --tlb-ways must be a power of two");
	s->s1_gshift = (unsigned int)__builtin_ctz(cfg->s1_granule);
	s->s1_stride = s->s1_gshift - 3;
	s->s1_va_bits = cfg->s1_format == SIM_S1_A32 ? 32 : cfg->va_bits;
	if (s->s1_va_bits < 25 || s->s1_va_bits > 48)
		BAD(-S2_EINVAL, "--va-bits must be 25..48");
	{
		unsigned int levels = (s->s1_va_bits - s->s1_gshift + s->s1_stride - 1) /
				      s->s1_stride;
		s->s1_start = 4 - (int)levels;
	}
	if (cfg->recorded && (cfg->s1_granule != 4096 || cfg->s1_format != SIM_S1_A64 ||
			      s->s1_va_bits != 48 || cfg->vms != 1 ||
			      cfg->recorded_ram >= cfg->vm_mem))
		BAD(-S2_EINVAL, "a recorded guest is one VM with a 4K, 48-bit AArch64 "
		    "stage 1 and RAM for its tables above the recorded RAM");
	per_vm = (cfg->vm_mem + 0x1fffffULL) & ~0x1fffffULL;
	if (per_vm < 2 * KERNEL_SIZE)
		per_vm = 2 * KERNEL_SIZE;
	if (per_vm + gsz > (1ULL << 30))
		BAD(-S2_ERANGE, "--vm-mem: at most 1 GiB less one granule per VM");
	if (RAM_IPA + per_vm > s2_geom_ipa_limit(&s->g))
		BAD(-S2_ERANGE, "--vm-mem %llu MiB does not fit a %u-bit IPA space",
		    (unsigned long long)(per_vm >> 20), cfg->ipa_bits);
	align = cfg->blocks ? s2_geom_level_size(&s->g, 2) : gsz;
	if (align > per_vm)
		align = gsz;
	s->ram_align = align;
	if (cfg->overcommit != 0 && !(cfg->overcommit >= 1 && cfg->overcommit <= 64))
		BAD(-S2_EINVAL, "--overcommit must be 1..64");
	if (cfg->migrate && (cfg->overcommit != 0 || cfg->share))
		BAD(-S2_EINVAL, "--migrate moves contiguous RAM: not with --overcommit or --share");
	/*
	 * The buddy allocator rounds a range up to a power of two: reserve
	 * that for each VM, twice for fragmentation. Memory is committed
	 * only when touched, so the window costs address space only.
	 */
	tables = per_vm / 64 + (4ULL << 20) + s->g.root_size;
	{
		uint64_t p2 = 1;

		while (p2 < per_vm + align + gsz)
			p2 <<= 1;
		total = (uint64_t)cfg->vms * (2 * p2 + tables) + (64ULL << 20);
		if (cfg->overcommit != 0 || cfg->share) {
			/* The pager's pool, in chunks of at most 256 MiB. */
			total += 2 * ((uint64_t)cfg->vms * per_vm + (256ULL << 20));
		}
	}
	total = (total + (1ULL << 30) - 1) & ~((1ULL << 30) - 1);
	if (PHYS_BASE + total > (1ULL << cfg->pa_bits))
		BAD(-S2_ERANGE, "%u VMs of %llu MiB need %llu GiB of PA space: more than "
		    "--pa-bits %u", cfg->vms, (unsigned long long)(per_vm >> 20),
		    (unsigned long long)(total >> 30), cfg->pa_bits);
	err = s2_physmem_create(&s->pm, PHYS_BASE, total);
	if (err)
		BAD(err, "cannot reserve %llu GiB of simulated memory: %s",
		    (unsigned long long)(total >> 30), s2_strerror(err));
	s->mem = (struct s2_mmu_mem){ .host = s2_physmem_va(s->pm, PHYS_BASE, total),
				      .base = PHYS_BASE, .size = total };
	s2_host_mm_init(&s->hm, s->pm);
	s->hm.tlbi_ipa_hook = hook_ipa;
	s->hm.tlbi_vmid_hook = hook_vmid;
	s->hm.tlbi_all_hook = hook_all;
	s->hm.hook_arg = s;
	if (cfg->check_bbm) {
		err = s2_host_mm_check(&s->hm, bbm_report, s);
		s->hm.drop_dsb = cfg->drop_dsb;
		if (err)
			BAD(err, "cannot start the break-before-make monitor: %s",
			    s2_strerror(err));
	}
	/*
	 * A 52-bit stage 2 with a 4K or 16K granule is an LPA2 layout (the
	 * library sets VTCR_EL2.DS): the CPU must implement FEAT_LPA2, or
	 * it ignores DS, reads the descriptors without LPA2's layout and
	 * faults every walk of an IPA wider than 48 bits. The guest's
	 * stage 1 leaves TCR_EL1.DS clear: its IPAs (RAM at RAM_IPA) stay
	 * below 2^48.
	 */
	s->cpu = (struct s2_mmu_cpu){ .pa_bits = (uint8_t)cfg->pa_bits,
				      .vmid_bits = (uint8_t)cfg->vmid_bits,
				      .asid_bits = 16, .gran_4k = true,
				      .gran_16k = true, .gran_64k = true,
				      .lpa2 = s->g.ds };
	s->ids = aligned_alloc(S2_VMID_CACHELINE,
			       (sizeof(*s->ids) + S2_VMID_CACHELINE - 1) &
				       ~(size_t)(S2_VMID_CACHELINE - 1));
	if (!s->ids)
		BAD(-S2_ENOMEM, "out of memory");
	err = s2_vmid_init(s->ids, cfg->vmid_bits, cfg->cpus, &s->hm.ops);
	if (err)
		BAD(err, "VMID allocator: %s (%u CPUs, %u-bit VMIDs)", s2_strerror(err),
		    cfg->cpus, cfg->vmid_bits);
	s->vtcr = s->g.vtcr | s2_vmid_vtcr_vs(s->ids);
	if (cfg->s1_format == SIM_S1_A32) {
		s->hcr = HCR_EL2_VM;
		s->tcr = TTBCR_EAE | TTBCR_EPD1;
	} else {
		s->hcr = HCR_EL2_VM | HCR_EL2_RW;
		tg = cfg->s1_granule == 4096 ? TCR_EL1_TG0_4K :
		     cfg->s1_granule == 16384 ? TCR_EL1_TG0_16K : TCR_EL1_TG0_64K;
		s->tcr = (64 - s->s1_va_bits) | (tg << TCR_EL1_TG0_SHIFT) | TCR_EL1_EPD1 |
			 ((uint64_t)parange(cfg->ipa_bits) << TCR_EL1_IPS_SHIFT) |
			 (3ULL << TCR_EL1_SH0_SHIFT) | (1ULL << 8) | (1ULL << 10) |
			 TCR_EL1_AS;
		/* A recorded guest: the kernel's half through TTBR1 too, the
		 * same size and granule, Inner Shareable, write-back. */
		if (cfg->recorded)
			s->tcr = (s->tcr & ~TCR_EL1_EPD1) |
				 (uint64_t)(64 - s->s1_va_bits) << TCR_EL1_T1SZ_SHIFT |
				 TCR_EL1_TG1_4K << TCR_EL1_TG1_SHIFT | 3ULL << 28 |
				 1ULL << 24 | 1ULL << 26;
	}

	s->cpus = calloc(cfg->cpus, sizeof(*s->cpus));
	s->tlbp = calloc(cfg->cpus, sizeof(*s->tlbp));
	if (!s->cpus || !s->tlbp)
		BAD(-S2_ENOMEM, "out of memory");
	for (unsigned int i = 0; i < cfg->cpus; i++) {
		struct sim_cpu *c = &s->cpus[i];

		c->entries = calloc(cfg->tlb_entries, sizeof(*c->entries));
		if (!c->entries)
			BAD(-S2_ENOMEM, "out of memory");
		err = s2_tlb_init(&c->tlb, c->entries, cfg->tlb_entries / cfg->tlb_ways,
				  cfg->tlb_ways);
		if (err)
			BAD(err, "TLB: %s", s2_strerror(err));
		c->use_utlb = cfg->utlb;
		c->host = s2_physmem_va(s->pm, PHYS_BASE, total);
		sim_utlb_flush(c);
		s->tlbp[i] = &c->tlb;
	}
	s->sys = (struct s2_tlb_system){ .cpus = s->tlbp, .nr_cpus = cfg->cpus };

	s->vms = calloc(cfg->vms, sizeof(*s->vms));
	s->vcpus = calloc((size_t)cfg->vms * cfg->vcpus, sizeof(*s->vcpus));
	if (!s->vms || !s->vcpus)
		BAD(-S2_ENOMEM, "out of memory");
	if (cfg->overcommit != 0 || cfg->share) {
		err = mm_create(s, (uint64_t)cfg->vms * (per_vm / gsz), errbuf, errlen);
		if (err)
			goto out_err;
	}
	for (unsigned int i = 0; i < cfg->vms; i++) {
		struct gvm *vm = &s->vms[i];
		uint64_t pages = per_vm >> 12;
		struct s2_memslot slot;

		vm->sim = s;
		vm->idx = i;
		vm->ram_size = per_vm;
		/* A recorded guest's own RAM is the recording's: the
		 * replay's tables go above it. */
		vm->next_ipa = RAM_IPA + (cfg->recorded ? cfg->recorded_ram : KERNEL_SIZE);
		vm->last_vmid = 0xffff;
		vm->touched = calloc((pages + 63) / 64, 8);
		vm->shadow = calloc(pages, 8);
		vm->s2 = calloc(1, sizeof(*vm->s2));
		if (!vm->touched || !vm->shadow || !vm->s2)
			BAD(-S2_ENOMEM, "out of memory");
		vm->s2->g = vm;
		err = s2_vm_init(gvm_s2(vm), &s->g, &s->hm.ops);
		if (err)
			BAD(err, "s2_vm_init: %s", s2_strerror(err));
		if (s->mm) {
			/* RAM page by page from the host's pool (sim_mm.c). */
			err = mm_vm_init(s, vm);
			if (err)
				BAD(err, "pager slot of VM %u: %s", i, s2_strerror(err));
		} else {
			err = sim_ram_alloc(s, &vm->alloc_pa, &vm->alloc_size, &vm->ram_pa);
			if (err)
				BAD(err, "guest RAM for VM %u: %s", i, s2_strerror(err));
			slot = (struct s2_memslot){ .id = 0, .ipa = RAM_IPA, .size = per_vm,
						    .pa = vm->ram_pa };
			/* Test aid: every access of that VM breaks isolation. */
			if (cfg->foreign_ram && i && i == cfg->vms - 1)
				slot.pa = s->vms[0].ram_pa;
			err = s2_vm_slot_add(gvm_s2(vm), &slot);
			if (err)
				BAD(err, "s2_vm_slot_add: %s", s2_strerror(err));
		}
		if (i < cfg->dirty_vms && !dirty_alloc(s, vm))
			BAD(-S2_ENOMEM, "out of memory");
		for (unsigned int k = 0; k < cfg->vcpus; k++) {
			struct sim_vcpu *v = sim_vcpu(s, i, k);

			v->vm = vm;
			v->cpu = -1;
		}
	}
	*out = s;
	return 0;
out_err:
	sim_destroy(s);
	return err;
#undef BAD
}

void sim_destroy(struct sim *s)
{
	if (!s)
		return;
	if (s->ids)
		for (unsigned int i = 0; s->cpus && i < s->cfg.cpus; i++)
			s2_vmid_clear_active(s->ids, i);
	mig_destroy(s);
	for (unsigned int i = 0; s->vms && i < s->cfg.vms; i++) {
		struct gvm *vm = &s->vms[i];

		if (vm->s2 && gvm_s2(vm)->pgt.root) {
			s2_vmid_release(s->ids, &gvm_s2(vm)->vmid);
			s2_vm_destroy(gvm_s2(vm));
		}
		free(vm->s2);
		if (s->mm)
			mm_vm_destroy(s, vm);
		if (vm->alloc_pa)
			s2_physmem_free_range(s->pm, vm->alloc_pa, vm->alloc_size);
		free(vm->touched);
		free(vm->shadow);
		free(vm->as_root);
		free(vm->dirty_map);
		free(vm->dirty_out);
	}
	for (unsigned int i = 0; s->cpus && i < s->cfg.cpus; i++)
		free(s->cpus[i].entries);
	free(s->cpus);
	free(s->tlbp);
	free(s->vms);
	free(s->vcpus);
	free(s->ids);
	mm_destroy(s);
	if (s->pm) {
		s2_host_mm_fini(&s->hm);
		s2_physmem_destroy(s->pm);
	}
	free(s);
}

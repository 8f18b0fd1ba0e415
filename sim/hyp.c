/* SPDX-License-Identifier: MIT */
/*
 * The hypervisor side (sim.h): libs2mm as a host embeds it. Its stage-2
 * aborts come from the model's fault records (ESR, FAR, HPFAR); a vCPU's
 * load updates its VMID; the host's TLBI hooks are the only way the
 * library's invalidations reach the model's TLBs (through cpu.c's TLBI);
 * and between time slices the host does its own work: dirty logs,
 * reclaim, a migration round, the page pool's.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>

#include <s2mm/arch.h>
#include <s2mm/error.h>
#include <s2mm/monitor.h>

#include "sim_int.h"

/* ------------------------------------------------------------------ */
/* The host embedder's TLBI hooks: the library's invalidations reach the */
/* model's TLBs only here, as TLBI ...IS instructions.                   */
/* ------------------------------------------------------------------ */

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
	if (!sim_vm_vmid(s, vm, &vmid))
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

	if (sim_vm_vmid(s, vm, &vmid))
		tlbi(s, S2_TLBI_VMALLS12E1, vmid, 0);
}

static void hook_all(void *arg)
{
	struct sim *s = arg;

	if (s->cfg.drop_tlbi_all)
		return; /* a buggy embedder: VMIDs reused with old entries */
	tlbi(s, S2_TLBI_ALLE1, 0, 0);
}

void sim_hyp_attach(struct sim *s)
{
	s->hm.tlbi_ipa_hook = hook_ipa;
	s->hm.tlbi_vmid_hook = hook_vmid;
	s->hm.tlbi_all_hook = hook_all;
	s->hm.hook_arg = s;
}

int sim_hyp_monitor(struct sim *s)
{
	int err = s2_host_mm_check(&s->hm, bbm_report, s);

	s->hm.drop_dsb = s->cfg.drop_dsb;
	return err;
}

/* ------------------------------------------------------------------ */
/* Stage-2 aborts into the library.                                   */
/* ------------------------------------------------------------------ */

/*
 * @regs: the registers of the faulting access when its FAR is a VA, so that
 * an UNKNOWN HPFAR (permission fault) is resolved with AT S1E1R as KVM
 * does (vm.h); NULL when the model's HPFAR is used as is (the guest
 * kernel's linear-map accesses, whose VA is the IPA).
 */
int sim_hyp_abort(struct sim *s, struct gvm *vm, const struct s2_mmu_fault *f,
		  const struct s2_mmu_regs *regs, bool *done)
{
	/* A 64-bit LDR/STR X1: the syndrome the CPU gives with ISV=1. */
	static const struct s2_mmu_insn ldr_x1 = {
		.isv = true, .sas = ESR_SAS_DOUBLE, .srt = 1, .sf = true
	};
	struct s2_abort ab = { 0 };
	struct s2_exit ex;
	uint64_t *kind;
	int err;

	switch (f->type) {
	case S2_MMU_FAULT_TRANSLATION:
		kind = &s->st.s2_translation;
		break;
	case S2_MMU_FAULT_PERMISSION:
		kind = &s->st.s2_permission;
		break;
	case S2_MMU_FAULT_ACCESS_FLAG:
		kind = &s->st.s2_access_flag;
		break;
	default:
		kind = &s->st.s2_other;
		break;
	}
	/* A fault on a stage-1 walk's fetch counts as that, whatever its kind. */
	if (f->s1ptw && kind != &s->st.s2_other)
		kind = &s->st.s2_s1ptw;
	(*kind)++;
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
			err = sim_hyp_abort(s, vm, &at.fault, NULL, done);
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
/* vCPU loads: the VMID, and a sweep when it is new.                  */
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
	sim_load_regs(s, c, v, vmid);
	/* A new VMID for this VM: entries tagged with it must be its own. */
	if (vmid != v->vm->last_vmid || roll != s2_vmid_rollovers(s->ids) ||
	    v->vm->last_gen != roll) {
		v->vm->last_vmid = vmid;
		v->vm->last_gen = s2_vmid_rollovers(s->ids);
		sim_sweep(s, v->vm);
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* The host's own work: between slices, and on its own.               */
/* ------------------------------------------------------------------ */

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
				err = s2_vm_dirty_log_enable_mode(gvm_s2(vm), 0, vm->dirty_map,
								  vm->dirty_words,
								  (enum s2_dirty_log_mode)s->cfg.dirty_log);
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

int sim_host_unmap(struct sim *s, unsigned int vm, uint64_t ipa, uint64_t size)
{
	int err = s2_vm_unmap(gvm_s2(&s->vms[vm]), ipa, size);

	if (err)
		return sim_fail(s, err, "s2_vm_unmap");
	sim_sweep(s, &s->vms[vm]);
	return 0;
}

int sim_host_age(struct sim *s, unsigned int vm, uint64_t ipa, uint64_t size)
{
	int err = s2_vm_test_clear_young(gvm_s2(&s->vms[vm]), ipa, size, NULL);

	if (err)
		return sim_fail(s, err, "s2_vm_test_clear_young");
	return 0;
}

bool sim_dirty_alloc(const struct sim *s, struct gvm *vm)
{
	/* The pages, and the hardware methods' table summary after them. */
	vm->dirty_words = s2_vm_dirty_log_words(gvm_s2(vm), 0,
						(enum s2_dirty_log_mode)s->cfg.dirty_log);
	if (!vm->dirty_words)
		vm->dirty_words = (vm->ram_size / s->cfg.granule + 63) / 64;
	vm->dirty_map = calloc(vm->dirty_words, 8);
	vm->dirty_out = calloc(vm->dirty_words, 8);
	return vm->dirty_map && vm->dirty_out;
}

int sim_dirty_log_start(struct sim *s, unsigned int vm)
{
	struct gvm *g = &s->vms[vm];
	int err;

	if (!g->dirty_map && !sim_dirty_alloc(s, g))
		return sim_fail(s, -S2_ENOMEM, "dirty bitmap");
	err = s2_vm_dirty_log_enable_mode(gvm_s2(g), 0, g->dirty_map, g->dirty_words,
					  (enum s2_dirty_log_mode)s->cfg.dirty_log);
	if (err)
		return sim_fail(s, err, "s2_vm_dirty_log_enable");
	g->logging = true;
	sim_sweep(s, g);
	return 0;
}


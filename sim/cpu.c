/* SPDX-License-Identifier: MIT */
/*
 * The simulated CPUs (sim.h): each access goes through a micro-TLB, then
 * the MMU model's TLB, first by its inline hit (s2mm/tlb_fast.h), then with
 * its 2D walks (s2_tlb_translate()); its faults go to
 * the guest (stage 1, guest.c) or the hypervisor (stage 2, hyp.c) and the
 * access is retried. The isolation and data self-checks are made on the
 * way (check.c). TLBIs reach every CPU's TLB and micro-TLB here.
 */
#include <s2mm/arch.h>
#include <s2mm/arch_sd.h>
#include <s2mm/error.h>
#include <s2mm/tlb_fast.h>

#include "sim_int.h"

#define MAIR_WB 0xffULL           /* attr 0: Normal WB RA WA */
#define GUEST_ASID 1

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

/*
 * A TLBI ...IS: the model's TLBs, and every micro-TLB whole (it keeps no
 * VMID or ASID to match).
 */
void sim_tlbi(struct sim *s, unsigned int op, uint16_t vmid, uint16_t asid, uint64_t addr)
{
	struct s2_tlbi t = { .op = (uint8_t)op, .vmid = vmid, .asid = asid, .addr = addr };

	s2_tlb_tlbi_is(&s->sys, &t);
	sim_utlb_flush_all(s);
}

/*
 * A generated guest runs its workload at EL0 once its MMU is on; a recorded
 * one's accesses say their EL themselves (sim_replay_access()).
 */
void sim_load_regs(struct sim *s, struct sim_cpu *c, struct sim_vcpu *v, uint16_t vmid)
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
			   : s->cfg.s1_format == SIM_S1_A32_SD ? vm->s1_root
			   : vm->s1_root | ((uint64_t)GUEST_ASID << TTBR_ASID_SHIFT),
		.ttbr1_el1 = rec ? vm->s1_kroot : 0,
		.mair_el1 = MAIR_WB,
		/* Short descriptors: the tables' domain 0 is Client. */
		.dacr32_el2 = DACR_CLIENT,
		.contextidr_el1 = GUEST_ASID,
	};
	c->el = v->mmu_on && !rec ? 0 : 1;
	s2_tlb_regs_changed(&c->tlb);
	sim_utlb_flush(c);
}

/* ------------------------------------------------------------------ */
/* Accesses.                                                          */
/* ------------------------------------------------------------------ */

/*
 * What a TLB may hold of @r's grants: not the write a writable-clean
 * leaf's DBM allows (S2_MMU_CLEAN_*), which only a walk that makes the
 * descriptor dirty may use.
 */
uint8_t sim_held_perm(const struct s2_mmu_result *r, unsigned int stage)
{
	uint8_t p = stage == 1 ? r->s1_perm : r->s2_perm;

	if (r->dirty & (stage == 1 ? S2_MMU_CLEAN_S1 : S2_MMU_CLEAN_S2))
		p &= (uint8_t)~(S2_MMU_PERM_W0 | S2_MMU_PERM_W1);
	return p;
}

static uint32_t perm_mask(const struct s2_mmu_result *r, unsigned int el)
{
	uint32_t p = sim_held_perm(r, 1) & sim_held_perm(r, 2), m = 0;

	if (p & (el ? S2_MMU_PERM_R1 : S2_MMU_PERM_R0))
		m |= 1u << S2_MMU_READ;
	if (p & (el ? S2_MMU_PERM_W1 : S2_MMU_PERM_W0))
		m |= 1u << S2_MMU_WRITE;
	if (p & (el ? S2_MMU_PERM_X1 : S2_MMU_PERM_X0))
		m |= 1u << S2_MMU_EXEC;
	return m;
}

int sim_access_slow(struct sim *s, struct sim_cpu *c, uint64_t addr, unsigned int acc,
		    const struct sim_want *want)
{
	struct s2_mmu_access a = { .va = addr, .acc = (uint8_t)acc, .el = c->el };
	struct s2_mmu_result r;
	bool done;
	int err;

	for (unsigned int i = 0; i < MAX_RETRIES; i++) {
		uint64_t walks = c->tlb.stats.walks;
		struct s2_tlb_fast_hit h;

		if (s2_tlb_fast_lookup(&c->tlb, &a, &h)) {
			/* What s2_tlb_translate() gives on that hit, as used here. */
			r.fault.type = S2_MMU_FAULT_NONE;
			r.pa = h.pa;
			r.ipa = h.ipa;
			r.s1_perm = h.s1_perm;
			r.s2_perm = h.s2_perm;
			r.stale = false;
			r.dirty = 0;
		} else {
			err = s2_tlb_translate(&c->tlb, &s->mem, &s->cpu, &c->regs, &a, &r);
			if (err)
				return sim_fail(s, err, "s2_tlb_translate");
		}
		if (c->tlb.stats.walks != walks) {
			uint32_t n = c->tlb.stats.last_walk_reads;

			c->walk_refs[n < SIM_WALK_REFS ? n : SIM_WALK_REFS - 1]++;
		}
		if (r.stale)
			s->st.stale_tlb_hits++;
		if (__builtin_expect(r.dirty, 0)) {
			s->st.hw_dirty_s1 += !!(r.dirty & S2_MMU_DIRTY_S1);
			s->st.hw_dirty_s2 += !!(r.dirty & S2_MMU_DIRTY_S2) +
					     !!(r.dirty & S2_MMU_DIRTY_S2PTW);
		}
		if (!r.fault.type) {
			bool isolated, in_ram = r.pa - PHYS_BASE < s->mem.size &&
				      r.ipa - RAM_IPA < c->vm->ram_size;

			/* A recorded guest that now maps the page elsewhere. */
			if (want && (r.ipa ^ want->ipa) >> 12) {
				s->st.rec.s1_remaps++;
				err = sim_guest_map(s, c, addr, want);
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
				sim_data_access(s, c, r.ipa, r.pa, acc);
			if (c->el || want)
				sim_mark_page(c->vm, r.ipa, s->s1_gshift);
			/*
			 * A recorded guest's EL1 accesses too (replay.c).
			 * Not a page that breaks isolation: its hits would not
			 * be counted (the micro-TLB's hit does not check).
			 */
			if (c->use_utlb && (!c->el || want) && in_ram && isolated) {
				struct utlb_e *u = &c->utlb[(addr >> 12) & (UTLB_SIZE - 1)];

				u->tag = addr >> 12;
				u->pa = r.pa & ~0xfffULL;
				u->ipa = r.ipa & ~0xfffULL;
				u->perm = perm_mask(&r, 0) | perm_mask(&r, 1) << UTLB_EL1_SHIFT;
				u->s2w = !!(sim_held_perm(&r, 2) & S2_MMU_PERM_W0);
			}
			return 0;
		}
		if (r.fault.stage == 1) {
			/* A recorded guest's access did not fault: its tables
			 * (rebuilt here) lack the mapping or its permission. */
			if (want) {
				s->st.s1_faults++;
				err = sim_guest_map(s, c, addr, want);
				if (err)
					return err;
				continue;
			}
			if (r.fault.type != S2_MMU_FAULT_TRANSLATION) {
				s->st.errors++; /* the guest model never makes these */
				return 0;
			}
			s->st.s1_faults++;
			err = sim_guest_map(s, c, addr, NULL);
			if (err)
				return err;
			continue;
		}
		err = sim_hyp_abort(s, c->vm, &r.fault, &c->regs, &done);
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

	if (__builtin_expect(sim_utlb_hit(c, addr, acc), 1)) {
		const struct utlb_e *u = &c->utlb[(addr >> 12) & (UTLB_SIZE - 1)];

		c->utlb_hits++;
		if (s->cfg.check_data)
			sim_data_access(s, c, u->ipa | (addr & 0xfff), u->pa, acc);
		return 0;
	}
	c->accesses++;
	return sim_access_slow(s, c, addr, acc, NULL);
}

struct sim_cpu *sim_utlb_cpu(struct sim *s, unsigned int cpu)
{
	struct sim_cpu *c = &s->cpus[cpu];

	return s->cfg.check_data || !c->use_utlb ? NULL : c;
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


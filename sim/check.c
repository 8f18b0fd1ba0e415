/* SPDX-License-Identifier: MIT */
/*
 * The self-checks (sim.h) that are not made inline on the access path:
 * the stale-entry sweep, which compares the TLB entries of a VM's VMID on
 * every CPU with fresh walks after each hypervisor operation and makes a
 * CPU with a stale one verify its every hit; and the data check's errors
 * (its per-access part is sim_data_access(), in sim_int.h). Isolation is
 * counted by cpu.c as each access completes.
 */
#include "sim_int.h"

/* ------------------------------------------------------------------ */
/* Self-check: TLB entries against fresh walks.                       */
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
/*
 * Whether an entry's stage-2 grants @held agree with a fresh walk's
 * @fresh. With VTCR_EL2.HD a CPU's walk makes a writable-clean leaf
 * dirty in memory without a TLBI: an entry filled before holds it
 * read-only, older than memory but never granting more (a write through
 * it makes the update again). That alone is not stale.
 */
static bool sim_same_perm(const struct sim *s, uint8_t held, uint8_t fresh)
{
	const uint8_t w = S2_MMU_PERM_W0 | S2_MMU_PERM_W1;

	if (s->cfg.hw_dirty && !(held & w))
		fresh &= (uint8_t)~w;
	return held == fresh;
}

void sim_sweep(struct sim *s, struct gvm *vm)
{
	struct s2_mmu_regs regs;
	uint16_t vmid;

	vm->swept_stores = s->hm.stores;
	if (!sim_vm_vmid(s, gvm_s2(vm), &vmid))
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
			/* As the model's stale check: other PA or permissions
			 * (but the write a CPU's dirty state update gave the
			 * leaf since, with VTCR_EL2.HD: sim_same_perm()). */
			if (r.fault.type || r.pa != e->out ||
			    !sim_same_perm(s, e->s2_perm, sim_held_perm(&r, 2)))
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
				    (u->s2w != !!(sim_held_perm(&r, 2) & S2_MMU_PERM_W0) &&
				     (u->s2w || !s->cfg.hw_dirty)))
					bad++;
			}
		}
		if (bad)
			start_checking(s, c, bad);
	}
}

/* ------------------------------------------------------------------ */
/* The data self-check's errors.                                      */
/* ------------------------------------------------------------------ */

void sim_data_error(struct sim *s, struct sim_cpu *c, uint64_t ipa, uint64_t want,
		    uint64_t found)
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


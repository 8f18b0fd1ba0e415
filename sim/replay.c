/* SPDX-License-Identifier: MIT */
/*
 * A recorded guest's stage 1: instead of the guest OS model's own layout
 * (guest.c maps each new VA page to a new IPA page), the tables are rebuilt
 * from the recording, leaf by leaf, as accesses need them: each VA page
 * maps to the IPA page the recording saw it translate to. The kernel's
 * half (VA bit 55 set) is one global tree under TTBR1_EL1; the lower half
 * has one tree per address space the replay tells apart (cli/replay.c),
 * non-global under its own ASID. Permissions are the least the recorded
 * accesses need: a lower-half page is EL0-accessible once EL0 touches it
 * (ARM ARM D8.4: then it is implicitly PXN), EL1-only while only the
 * kernel runs there (the boot identity map); write is always allowed (the
 * recording holds only accesses that succeeded). A leaf that changes
 * (remapped by the guest, or needing another permission) is replaced with
 * break-before-make and TLBI VAE1IS, as the guest's kernel must do.
 */
#include <stdlib.h>

#include <s2mm/arch.h>
#include <s2mm/error.h>
#include <s2mm/tlb_fast.h>

#include "sim_int.h"

uint64_t sim_replay_leaf(struct sim_cpu *c, uint64_t va, uint64_t ipa, uint64_t old,
			 const struct sim_want *want)
{
	bool upper = va >> 55 & 1, valid = old & DESC_VALID;
	uint64_t ap = S1_DESC_AP_RW_EL1, desc;

	/*
	 * The lower half: EL0 needs AP[1]; an EL1 fetch needs it clear (else
	 * implicit PXN: EL1 never executes what EL0 may write); EL1 data
	 * keeps what the page has, and a lower-half page the kernel writes
	 * first is most likely the user's (a copy to user memory).
	 */
	if (!upper && !(want->el1 && want->acc == SIM_EXEC))
		ap = want->el1 && valid && (old & S1_OA_MASK) == ipa
			     ? (old & S1_DESC_AP_MASK) >> S1_DESC_AP_SHIFT
			     : S1_DESC_AP_RW_ALL;
	desc = ipa | DESC_TYPE_PAGE | DESC_AF | (DESC_SH_IS << DESC_SH_SHIFT) |
	       ap << S1_DESC_AP_SHIFT | (upper ? S1_DESC_UXN : S1_DESC_NG);
	if (!valid)
		c->vm->data_pages++;
	return desc == old ? 0 : desc;
}

void sim_replay_tlbi_va(struct sim *s, struct sim_cpu *c, uint64_t va, bool ng)
{
	uint16_t vmid = s2_mmu_vmid(&s->cpu, &c->regs);
	uint16_t asid = (uint16_t)(c->regs.ttbr0_el1 >> TTBR_ASID_SHIFT);

	sim_tlbi(s, ng ? S2_TLBI_VAE1 : S2_TLBI_VAAE1, vmid, asid, va & ~0xfffULL);
}

int sim_replay_as(struct sim *s, unsigned int cpu, unsigned int as)
{
	struct sim_cpu *c = &s->cpus[cpu];
	struct gvm *vm = c->vm;
	int err;

	if (as >= 0xffff)
		return sim_fail(s, -S2_ERANGE, "more address spaces than 16-bit ASIDs");
	if (as >= vm->nr_as) {
		uint64_t *r = realloc(vm->as_root, (as + 1) * sizeof(*r));

		if (!r)
			return sim_fail(s, -S2_ENOMEM, "address spaces");
		vm->as_root = r;
		while (vm->nr_as <= as)
			r[vm->nr_as++] = 0;
	}
	if (!vm->as_root[as]) {
		err = sim_guest_new_table(s, c, &vm->as_root[as]);
		if (err)
			return err;
		s->st.rec.address_spaces++;
	}
	c->cur->ttbr0 = vm->as_root[as] | (uint64_t)(as + 1) << TTBR_ASID_SHIFT;
	c->regs.ttbr0_el1 = c->cur->ttbr0;
	s2_tlb_regs_changed(&c->tlb);
	/* The micro-TLB is tagged by VA only. */
	sim_utlb_flush_all(s);
	return 0;
}

int sim_replay_mmu(struct sim *s, unsigned int cpu, bool on)
{
	struct sim_cpu *c = &s->cpus[cpu];
	struct gvm *vm = c->vm;
	int err;

	if (on && !vm->s1_kroot) {
		err = sim_guest_new_table(s, c, &vm->s1_kroot);
		if (err)
			return err;
	}
	if (on && !c->cur->ttbr0) {
		err = sim_replay_as(s, cpu, 0);
		if (err)
			return err;
	}
	c->cur->mmu_on = on;
	c->regs.sctlr_el1 = on ? SCTLR_M : 0;
	c->regs.ttbr1_el1 = vm->s1_kroot;
	s2_tlb_regs_changed(&c->tlb);
	sim_utlb_flush_all(s);
	return 0;
}

void sim_replay_tlbi_all(struct sim *s, unsigned int cpu, bool is)
{
	struct sim_cpu *c = &s->cpus[cpu];
	struct s2_tlbi t = { .op = S2_TLBI_VMALLE1, .vmid = s2_mmu_vmid(&s->cpu, &c->regs) };

	s->st.rec.tlbi_replayed++;
	if (is) {
		s2_tlb_tlbi_is(&s->sys, &t);
		sim_utlb_flush_all(s);
	} else {
		s2_tlb_tlbi(&c->tlb, &t);
		sim_utlb_flush(c);
	}
}

int sim_replay_access(struct sim *s, unsigned int cpu, uint64_t va, unsigned int acc,
		      const struct sim_want *w)
{
	struct sim_cpu *c = &s->cpus[cpu];

	if (sim_replay_hit(c, va, acc, w->el1, c->cur->mmu_on, w->ipa)) {
		c->utlb_hits++;
		return 0;
	}
	c->accesses++;
	c->el = c->cur->mmu_on ? w->el1 : 1;
	return sim_access_slow(s, c, va, acc, w);
}

struct sim_cpu *sim_replay_cpu(struct sim *s, unsigned int cpu)
{
	return &s->cpus[cpu];
}

struct sim_rec_stats *sim_replay_stats(struct sim *s)
{
	return &s->st.rec;
}

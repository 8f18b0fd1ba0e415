/* SPDX-License-Identifier: MIT */
/*
 * The guest OS model (sim.h): each VM's kernel allocates IPA pages from
 * its RAM, builds its stage-1 tables there on demand and maps each VA page
 * on its first touch (a stage-1 translation fault), or, for a recorded
 * guest, to the IPA the recording saw (replay.c makes the leaves). Its own
 * accesses to its tables go through stage 2 like any other, so they fault
 * into the hypervisor too.
 */
#include <string.h>

#include <s2mm/arch.h>
#include <s2mm/error.h>

#include "sim_int.h"

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
		err = sim_hyp_abort(s, c->vm, &r.fault, NULL, &done);
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
	sim_mark_page(vm, *ipa, s->s1_gshift);
	return 0;
}

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
int sim_guest_map(struct sim *s, struct sim_cpu *c, uint64_t va,
		  const struct sim_want *want)
{
	struct gvm *vm = c->vm;
	bool upper = want && (va >> 55 & 1);
	uint64_t table = upper ? vm->s1_kroot : want ? c->cur->ttbr0 & S1_OA_MASK
						     : vm->s1_root;
	int err;

	if (s->cfg.s1_format == SIM_S1_A32_SD)
		return sim_guest_map_sd(s, c, va);

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
			/*
			 * With the dirty state in hardware, writable-clean
			 * (DBM, read-only), as Linux maps a page it has not
			 * seen written: the first write makes it dirty.
			 */
			desc = next | DESC_TYPE_PAGE | DESC_AF | S1_DESC_NG |
			       (DESC_SH_IS << DESC_SH_SHIFT) |
			       (s->cfg.hw_dirty ? DESC_DBM | S1_DESC_AP_RO_ALL << S1_DESC_AP_SHIFT
						: S1_DESC_AP_RW_ALL << S1_DESC_AP_SHIFT);
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

int sim_mmu_enable(struct sim *s, struct sim_vcpu *v)
{
	struct sim_cpu *c = &s->cpus[v->cpu];
	int err;

	if (!v->vm->s1_root) {
		err = s->cfg.s1_format == SIM_S1_A32_SD ?
		      sim_guest_new_l1_sd(s, c, &v->vm->s1_root) :
		      sim_guest_new_table(s, c, &v->vm->s1_root);
		if (err)
			return err;
	}
	v->mmu_on = true;
	sim_load_regs(s, c, v, s2_mmu_vmid(&s->cpu, &c->regs));
	return 0;
}

bool sim_vcpu_mmu_on(const struct sim_vcpu *v)
{
	return v->mmu_on;
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


int sim_guest_ptr(struct sim *s, struct sim_cpu *c, uint64_t ipa, bool write, void **p)
{
	return guest_ptr(s, c, ipa, write, p);
}

int sim_guest_alloc_page(struct sim *s, struct gvm *vm, uint64_t *ipa)
{
	return guest_alloc_page(s, vm, ipa);
}

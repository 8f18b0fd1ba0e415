/* SPDX-License-Identifier: MIT */
/*
 * Building the machine (sim.h): the simulated physical memory, the CPUs
 * with their TLBs, the VMID allocator, the VMs with their RAM and vCPUs,
 * all from the layout config.c derived while it checked the configuration;
 * and taking it down again.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <s2mm/arch.h>
#include <s2mm/error.h>
#include <s2mm/geometry.h>

#include "sim_int.h"

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

const struct sim_config *sim_config(const struct sim *s)
{
	return &s->cfg;
}

struct sim_vcpu *sim_vcpu(struct sim *s, unsigned int vm, unsigned int idx)
{
	return &s->vcpus[vm * s->cfg.vcpus + idx];
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
	struct sim_layout l;
	uint64_t per_vm, total, gsz;
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
	cfg = &s->cfg; /* as settled by the check */
	err = sim_config_layout(&s->cfg, &l, errbuf, errlen);
	if (err)
		goto out_err;
	/* Their hosts copy, store and merge the guests' bytes. */
	if (cfg->migrate || cfg->overcommit != 0 || cfg->share)
		s->cfg.check_data = true;
	s->g = l.g;
	s->s1_gshift = l.s1_gshift;
	s->s1_stride = l.s1_stride;
	s->s1_va_bits = l.s1_va_bits;
	s->s1_start = l.s1_start;
	s->ram_align = l.align;
	per_vm = l.per_vm;
	total = l.total;
	gsz = cfg->granule;
	err = s2_physmem_create(&s->pm, PHYS_BASE, total);
	if (err)
		BAD(err, "cannot reserve %llu GiB of simulated memory: %s",
		    (unsigned long long)(total >> 30), s2_strerror(err));
	s->mem = (struct s2_mmu_mem){ .host = s2_physmem_va(s->pm, PHYS_BASE, total),
				      .base = PHYS_BASE, .size = total };
	s2_host_mm_init(&s->hm, s->pm);
	sim_hyp_attach(s);
	if (cfg->check_bbm) {
		err = sim_hyp_monitor(s);
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
				      .lpa2 = s->g.ds, .s2fwb = cfg->fwb,
				      .hafdbs = cfg->hw_af,
				      .hafdbs_dirty = cfg->hw_dirty };
	s->ids = aligned_alloc(S2_VMID_CACHELINE,
			       (sizeof(*s->ids) + S2_VMID_CACHELINE - 1) &
				       ~(size_t)(S2_VMID_CACHELINE - 1));
	if (!s->ids)
		BAD(-S2_ENOMEM, "out of memory");
	err = s2_vmid_init(s->ids, cfg->vmid_bits, cfg->cpus, &s->hm.ops);
	if (err)
		BAD(err, "VMID allocator: %s (%u CPUs, %u-bit VMIDs)", s2_strerror(err),
		    cfg->cpus, cfg->vmid_bits);
	s->vtcr = s->g.vtcr | s2_vmid_vtcr_vs(s->ids) | (cfg->hw_af ? VTCR_EL2_HA : 0) |
		  (cfg->hw_dirty ? VTCR_EL2_HD : 0);
	if (sim_s1_is_a32(cfg->s1_format)) {
		s->hcr = HCR_EL2_VM | (cfg->fwb ? HCR_EL2_FWB : 0);
		/* Short descriptors: EAE=0, N=0 (all of the VA space is TTBR0's). */
		s->tcr = cfg->s1_format == SIM_S1_A32 ? TTBCR_EAE | TTBCR_EPD1 : 0;
	} else {
		s->hcr = HCR_EL2_VM | HCR_EL2_RW | (cfg->fwb ? HCR_EL2_FWB : 0);
		tg = cfg->s1_granule == 4096 ? TCR_EL1_TG0_4K :
		     cfg->s1_granule == 16384 ? TCR_EL1_TG0_16K : TCR_EL1_TG0_64K;
		s->tcr = (64 - s->s1_va_bits) | (tg << TCR_EL1_TG0_SHIFT) | TCR_EL1_EPD1 |
			 ((uint64_t)parange(cfg->ipa_bits) << TCR_EL1_IPS_SHIFT) |
			 (3ULL << TCR_EL1_SH0_SHIFT) | (1ULL << 8) | (1ULL << 10) |
			 TCR_EL1_AS | (cfg->hw_af ? TCR_EL1_HA : 0) |
			 (cfg->hw_dirty ? TCR_EL1_HD : 0);
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
		s2_tlb_set_s2_fetch(&c->tlb, !cfg->no_tlb_fetch);
		err = s2_tlb_set_contig(&c->tlb, (enum s2_tlb_contig)cfg->tlb_contig);
		if (err)
			BAD(err, "TLB: %s", s2_strerror(err));
		for (unsigned int t = 0; t < S2_WC_NR; t++) {
			const struct sim_wc_config *w = &cfg->wc[t];

			if (!w->entries)
				continue;
			c->wc_entries[t] = calloc(w->entries, sizeof(*c->wc_entries[t]));
			if (!c->wc_entries[t])
				BAD(-S2_ENOMEM, "out of memory");
			err = s2_tlb_walk_cache(&c->tlb, t, &c->wc[t], c->wc_entries[t],
						w->entries / w->ways, w->ways,
						w->lru ? S2_WC_LRU : S2_WC_ROUND_ROBIN);
			if (err)
				BAD(err, "--%s: %s", sim_wc_option[t], s2_strerror(err));
		}
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
		/* The CPUs update descriptors themselves: the library says so
		 * to the VM (the hardware logging methods, CAS everywhere). */
		err = s2_vm_set_hw_update(gvm_s2(vm), (cfg->hw_af ? S2_HW_AF : 0) |
						     (cfg->hw_dirty ? S2_HW_DIRTY : 0));
		if (err)
			BAD(err, "s2_vm_set_hw_update: %s", s2_strerror(err));
		if (s->mm) {
			/* RAM page by page from the host's pool (mm.c). */
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
		if (i < cfg->dirty_vms && !sim_dirty_alloc(s, vm))
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
	for (unsigned int i = 0; s->cpus && i < s->cfg.cpus; i++) {
		free(s->cpus[i].entries);
		for (unsigned int t = 0; t < S2_WC_NR; t++)
			free(s->cpus[i].wc_entries[t]);
	}
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


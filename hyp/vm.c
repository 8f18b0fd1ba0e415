/* SPDX-License-Identifier: MIT */
/*
 * VM lifecycle on libs2mm. Guest RAM is a memslot backed by contiguous
 * frames from the buddy allocator; nothing is mapped up front: every
 * stage-2 abort goes to s2_vm_handle_abort() (exit.c), which maps RAM,
 * relaxes dirty-logged pages, or says "MMIO" for IPAs outside every slot.
 *
 * VMIDs come from the libs2mm allocator (s2_vmid_update, vcpu.c) just
 * before each entry; its rollover flush is mm_ops.c's tlbi_all (TLBI
 * ALLE1IS; IC IALLUIS; DSB ISH).
 */
#include "vm.h"

#include <s2mm/error.h>
#include <s2mm/geometry.h>
#include <s2mm/vmid.h>

/* SPSR_EL2 for an AArch32 guest: SVC mode (0x13), A32, AIF masked. */

struct s2_vmid_alloc hyp_vmid_alloc;

int vm_sys_init(unsigned int vmid_bits)
{
	unsigned int hw = hyp_vmid_bits(), bits = vmid_bits ? vmid_bits : hw;
	/* 8 or 16 bits select the hardware width; fewer narrow an 8-bit
	 * space so that a few VMs roll it over (tests). */
	unsigned int width = bits < 8 ? 8 : bits;
	int ret;

	if ((width != 8 && width != 16) || width > hw) {
		hyp_printf("s2hyp: vmid-bits=%u not supported (CPU has %u)\n",
			   bits, hw);
		return -1;
	}
	ret = s2_vmid_init(&hyp_vmid_alloc, width, hyp_ncpus, &hyp_mm_ops);
	if (!ret && bits < width)
		ret = s2_vmid_narrow(&hyp_vmid_alloc, bits);
	if (ret) {
		hyp_printf("s2hyp: vmid-bits=%u: %s\n", bits, s2_strerror(ret));
		return -1;
	}
	/* The first generation is not preceded by a rollover: start clean. */
	hyp_mm_ops.tlbi_all(hyp_mm_ops.ctx);
	hyp_printf("s2hyp: %u-bit VMIDs (CPU: %u), VTCR_EL2.VS=%u\n", bits, hw,
		   s2_vmid_vtcr_vs(&hyp_vmid_alloc) ? 1 : 0);
	return 0;
}

void vm_dcache_clean(uint64_t va, uint64_t size)
{
	hyp_mm_ops.dcache_clean_poc(hyp_mm_ops.ctx, (void *)va, size);
}

/*
 * Zero guest frames with DC ZVA (block size from DCZID_EL0; prohibited when
 * DZP is set, then a plain loop). Every frame a VM gets must be zeroed: it
 * held another VM's data before (the hostile test checks this).
 */
static void zero_frames(uint64_t pa, uint64_t size)
{
	uint64_t dczid = read_sysreg(dczid_el0);

	if (dczid & (1 << 4)) {
		memset((void *)pa, 0, size);
		return;
	}
	for (uint64_t bs = 4ULL << (dczid & 0xf), p = pa; p < pa + size; p += bs)
		__asm__ volatile("dc zva, %0" : : "r"(p) : "memory");
	dsb(ish);
}

void vm_fill_frames(uint64_t pa, uint64_t size, uint64_t word)
{
	for (uint64_t *p = (uint64_t *)pa; p < (uint64_t *)(pa + size); p++)
		*p = word;
}

static int vm_slot(struct hyp_vm *vm, uint32_t id, uint64_t ipa, uint64_t size,
		   uint64_t pa)
{
	const struct s2_memslot s = { .id = id, .ipa = ipa, .size = size,
				      .pa = pa };

	return s2_vm_slot_add(&vm->mm, &s);
}

static void vm_free_frames(struct hyp_vm *vm)
{
	if (vm->cfg.pager)
		pager_vm_fini(vm);
	if (vm->ram_alloc_pa)
		palloc_free(vm->ram_alloc_pa, vm->ram_order);
	if (vm->log_pa)
		palloc_free(vm->log_pa, palloc_order(GUEST_LOG_SIZE));
	for (unsigned int i = 0; i < 2; i++)
		if (vm->probe_pa[i])
			palloc_free(vm->probe_pa[i], 0);
}

/* The test devices: a dirty-logged slot, the stale-TLB probe page. */
static int vm_create_test_slots(struct hyp_vm *vm, const struct vm_config *c)
{
	int ret = 0;

	if (c->log) {
		if (palloc_alloc(palloc_order(GUEST_LOG_SIZE), &vm->log_pa))
			return -S2_ENOMEM;
		zero_frames(vm->log_pa, GUEST_LOG_SIZE);
		ret = vm_slot(vm, VM_SLOT_LOG, GUEST_LOG_IPA, GUEST_LOG_SIZE,
			      vm->log_pa);
		if (ret)
			return ret;
	}
	if (c->probe) {
		for (unsigned int i = 0; i < 2; i++) {
			if (palloc_alloc(0, &vm->probe_pa[i]))
				return -S2_ENOMEM;
			vm_fill_frames(vm->probe_pa[i], PAGE_SIZE,
				       i ? 0xbbbbbbbbbbbbbbbbULL
					 : 0xaaaaaaaaaaaaaaaaULL);
			vm_dcache_clean(vm->probe_pa[i], PAGE_SIZE);
		}
		ret = vm_slot(vm, VM_SLOT_PROBE, GUEST_PROBE_IPA, PAGE_SIZE,
			      vm->probe_pa[0]);
	}
	return ret;
}

int vm_create(struct hyp_vm *vm, unsigned int id, const struct vm_config *c)
{
	uint64_t img_size = c->img ? (uint64_t)(c->img_end - c->img) : 0;
	unsigned int nr_vcpus = c->nr_vcpus ? c->nr_vcpus : 1;
	struct hyp_vcpu *vcpu = &vm->vcpus[0];
	struct s2_geom g;
	int ret;

	/* The classic layout: 4K granule, 40-bit IPA, 2 concatenated
	 * level-1 tables. */
	ret = s2_geom_init(&g, 4096, 40, 40, S2_START_LEVEL_AUTO);
	if (ret)
		return ret;
	if (img_size > c->ram_size || nr_vcpus > HYP_VM_MAX_VCPUS)
		return -S2_EINVAL;
	memset(vm, 0, sizeof(*vm));
	vm->id = id;
	vm->cfg = *c;
	ret = s2_vm_init(&vm->mm, &g, &hyp_mm_ops);
	if (ret)
		return ret;
	/* ID_AA64MMFR1_EL1.HAFDBS: 1 the Access flag, 2 and dirty state. */
	unsigned int hafdbs = read_sysreg(id_aa64mmfr1_el1) & 0xf;
	if (c->log && c->log_mode != S2_DIRTY_LOG_SW) {
		if (hafdbs < 2) {
			hyp_printf("vm%u: dirty logging by hardware needs "
				   "FEAT_HAFDBS with dirty state "
				   "(ID_AA64MMFR1_EL1.HAFDBS=%u here)\n", id,
				   hafdbs);
			ret = -S2_ENOTSUP;
			goto fail;
		}
		ret = s2_vm_set_hw_update(&vm->mm, S2_HW_DIRTY);
		if (ret)
			goto fail;
	} else if (hafdbs >= 1) {
		/*
		 * As KVM does (kvm_get_vtcr()): the CPU sets the Access flag
		 * at stage 2 itself, so that the ageing of reclaim and swap
		 * costs no Access flag faults.
		 */
		ret = s2_vm_set_hw_update(&vm->mm, S2_HW_AF);
		if (ret)
			goto fail;
	}
	if (c->pager) {
		/* Frames come on the first fault of each page. */
		const struct s2_memslot s = {
			.id = VM_SLOT_RAM, .flags = S2_SLOT_PAGER,
			.ipa = GUEST_RAM_IPA, .size = c->ram_size,
		};

		ret = pager_vm_init(vm);
		if (!ret)
			ret = s2_vm_slot_add(&vm->mm, &s);
		if (!ret && img_size)
			ret = vm_ram_copy_in(vm, 0, c->img, img_size);
		if (ret)
			goto fail;
		goto slots;
	}
	/* "pages": allocate twice the RAM and start 4K in, so no 2 MiB block
	 * can line up and every page takes its own fault (measurements). */
	vm->ram_order = palloc_order(c->ram_size) + (c->pages ? 1 : 0);
	ret = -S2_ENOMEM;
	if (palloc_alloc(vm->ram_order, &vm->ram_alloc_pa))
		goto fail;
	vm->ram_pa = vm->ram_alloc_pa + (c->pages ? PAGE_SIZE : 0);
	zero_frames(vm->ram_pa, c->ram_size);
	/* The guest starts with its MMU off (Non-cacheable): image to the
	 * PoC, and no stale instructions (Arm ARM D7.5.9). */
	if (img_size)
		memcpy((void *)vm->ram_pa, c->img, img_size);
	vm_dcache_clean(vm->ram_pa, c->ram_size);
	__asm__ volatile("ic ialluis; dsb ish; isb" ::: "memory");
	ret = vm_slot(vm, VM_SLOT_RAM, GUEST_RAM_IPA, c->ram_size, vm->ram_pa);
slots:
	if (!ret)
		ret = vm_create_test_slots(vm, c);
	if (ret)
		goto fail;
	/* 16-bit VMIDs only take effect with VTCR_EL2.VS (Arm ARM D8.14.1);
	 * without it the upper VMID byte is ignored and VMs would alias. */
	vm->vtcr = g.vtcr | s2_vmid_vtcr_vs(&hyp_vmid_alloc) |
		   s2_vm_vtcr_hw(&vm->mm);
	vm->cfg.nr_vcpus = nr_vcpus;
	for (unsigned int i = 0; i < nr_vcpus; i++) {
		vm->vcpus[i].vm = vm;
		vm->vcpus[i].id = i;
	}
	/* The virtual counter of a new VM starts near 0. */
	vm->cntvoff = hyp_counter();
	vcpu_reset(vcpu, GUEST_RAM_IPA, GUEST_RAM_IPA);
	vcpu->power = VCPU_ON;
	vcpu->regs.x[1] = c->ram_size;
	vcpu->regs.x[2] = 0; /* nothing mapped up front */
	vcpu->regs.x[3] = c->entry_x3;
	return 0;
fail:
	s2_vm_destroy(&vm->mm);
	vm_free_frames(vm);
	return ret;
}

void vm_destroy(struct hyp_vm *vm)
{
	int ret = s2_vmid_release(&hyp_vmid_alloc, &vm->mm.vmid);

	/* Out of reclaim's and merging's sight before its tables go. */
	if (vm->cfg.pager)
		pager_vm_remove(vm);

	/* No TLBI: the VMID stays used until the next rollover, whose
	 * broadcast flush removes this VM's entries (vmid.h). */
	if (ret)
		hyp_panic("vm%u: s2_vmid_release: %s", vm->id, s2_strerror(ret));
	s2_vm_destroy(&vm->mm);
	vm_free_frames(vm);
}

int vm_ram_copy_in(struct hyp_vm *vm, uint64_t off, const void *src,
		   uint64_t len)
{
	if (vm->cfg.pager)
		return pager_copy_in(vm, off, src, len);
	memcpy((void *)(vm->ram_pa + off), src, len);
	vm_dcache_clean(vm->ram_pa + off, len);
	return 0;
}

void vm_stop(struct hyp_vm *vm, int status)
{
	/* Several vCPUs may end it at once: a failure is never turned into
	 * a pass by a later power-off. */
	if (status)
		__atomic_compare_exchange_n(&vm->status, &(int){ 0 }, status,
					    false, __ATOMIC_ACQ_REL,
					    __ATOMIC_ACQUIRE);
	__atomic_store_n(&vm->done, true, __ATOMIC_RELEASE);
}

/* A Linux guest's exits by kind, summed over its vCPUs. */
static void vm_report_exits(const struct hyp_vm *vm)
{
	uint64_t ec[64] = { 0 }, slice = 0, vtimer = 0, maint = 0, kick = 0;

	for (unsigned int i = 0; i < vm->cfg.nr_vcpus; i++) {
		const struct hyp_vcpu *v = &vm->vcpus[i];

		for (unsigned int e = 0; e < 64; e++)
			ec[e] += v->exit_ec[e];
		slice += v->preemptions;
		vtimer += v->irq_vtimer;
		maint += v->irq_maint;
		kick += v->irq_kick;
	}
	hyp_printf("vm%u: exits by kind: IRQ %lu (slice timer %lu, virtual "
		   "timer %lu, vGIC maintenance %lu, kick %lu), WFx %lu, HVC %lu, "
		   "SMC %lu, system register %lu, data abort %lu, instruction "
		   "abort %lu\n", vm->id, slice + vtimer + maint + kick, slice,
		   vtimer, maint, kick, ec[ESR_ELx_EC_WFx], ec[ESR_ELx_EC_HVC64],
		   ec[ESR_ELx_EC_SMC64], ec[ESR_ELx_EC_SYS64],
		   ec[ESR_ELx_EC_DABT_LOW], ec[ESR_ELx_EC_IABT_LOW]);
}

void vm_check_all_off(struct hyp_vm *vm)
{
	for (unsigned int i = 0; i < vm->cfg.nr_vcpus; i++)
		if (__atomic_load_n(&vm->vcpus[i].power, __ATOMIC_ACQUIRE) !=
		    VCPU_OFF)
			return;
	hyp_printf("vm%u: every vCPU is off, without SYSTEM_OFF: guest "
		   "stopped\n", vm->id);
	vm_stop(vm, -1);
}

void vm_fault_stats(const struct hyp_vm *vm, struct s2_vm_stats *sum)
{
	*sum = vm->mm.stats;
	for (unsigned int i = 0; i < vm->cfg.nr_vcpus; i++) {
		const struct s2_vm_stats *v = &vm->vcpus[i].fault_stats;

		sum->translation += v->translation;
		sum->permission += v->permission;
		sum->access_flag += v->access_flag;
		sum->s1ptw += v->s1ptw;
		sum->mmio += v->mmio;
		sum->retry += v->retry;
		sum->inject += v->inject;
		sum->block_maps += v->block_maps;
		sum->page_maps += v->page_maps;
	}
}

void vm_report(const struct hyp_vm *vm, uint64_t ticks)
{
	struct s2_vm_stats st;
	const struct s2_vm_stats *s = &st;
	struct hyp_vcpu t = { .exits = 0 };

	vm_fault_stats(vm, &st);
	for (unsigned int i = 0; i < vm->cfg.nr_vcpus; i++) {
		const struct hyp_vcpu *v = &vm->vcpus[i];

		t.exits += v->exits;
		t.hvcs += v->hvcs;
		t.mmio += v->mmio;
		t.injected += v->injected;
		t.at_resolved += v->at_resolved;
	}
	hyp_printf("vm%u: exit status %d after %lu exits (%lu HVC, %lu MMIO, "
		   "%lu injected; stage-2: %lu translation, %lu permission, "
		   "%lu access-flag, %lu s1ptw, %lu IPA by AT; %lu block + %lu "
		   "page maps), %lu us, VMID %u, VTCR %lx\n", vm->id, vm->status,
		   t.exits, t.hvcs, t.mmio, t.injected, s->translation,
		   s->permission, s->access_flag, s->s1ptw, t.at_resolved,
		   s->block_maps, s->page_maps,
		   hyp_ticks_us(ticks), vm->vmid, vm->vtcr);
	if (vm->cfg.linux)
		vm_report_exits(vm);
}

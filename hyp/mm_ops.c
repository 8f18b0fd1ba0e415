/* SPDX-License-Identifier: MIT */
/*
 * struct s2_mm_ops for s2hyp: pages from the buddy allocator, VA == PA
 * (mmu.c maps RAM flat), cache maintenance and TLB invalidation with the
 * real instructions.
 *
 * TLBI by IPA and by VMID act on the VMID in the *current* VTTBR_EL2 (Arm
 * ARM D8.14, "TLB maintenance instructions": IPAS2E1IS and VMALLS12E1IS
 * apply to the current VMID). The library may ask for a VM that is not the
 * one loaded on this CPU, so each op loads the VM's VTTBR, invalidates and
 * puts back the value it found: the *old* one (restoring the new one
 * would leave the wrong VM loaded).
 */
#include "vm.h"
#include "monitor.h"
#include "reclaim.h"

uint64_t hyp_mm_last_tlbi_vttbr;

static void *mm_zalloc(void *ctx, size_t size)
{
	void *va = palloc_zalloc_bytes(size);

	(void)ctx;
	if (va)
		HYP_MON(s2_mon_alloc(&hyp_mon, va, size));
	return va;
}

static void mm_free(void *ctx, void *va, size_t size)
{
	(void)ctx;
	HYP_MON(s2_mon_free(&hyp_mon, va, size));
	palloc_free_bytes(va, size);
}

static void mm_free_deferred(void *ctx, void *va, size_t size)
{
	(void)ctx;
	HYP_MON(s2_mon_free(&hyp_mon, va, size));
	reclaim_free_deferred(va, size);
}

static uint32_t *mm_refcount(void *ctx, void *va)
{
	(void)ctx;
	return palloc_refcount((uint64_t)va);
}

static uint64_t mm_virt_to_phys(void *ctx, void *va)
{
	(void)ctx;
	return (uint64_t)va;
}

static void *mm_phys_to_virt(void *ctx, uint64_t pa)
{
	(void)ctx;
	return (void *)pa;
}

/*
 * Our walks are cacheable (VTCR_EL2.IRGN0/ORGN0 = WBWA), so the clean is
 * belt and braces on QEMU; it keeps the image right for a walker that does
 * not snoop. DC CVAC per line (CTR_EL0.DminLine), then DSB so the walker
 * sees the clean before the next TLBI or ERET (Arm ARM D7.5.9).
 */
static void mm_dcache_clean_poc(void *ctx, void *va, size_t size)
{
	uint64_t line = 4ULL << ((read_sysreg(ctr_el0) >> 16) & 0xf);
	uint64_t p = (uint64_t)va & ~(line - 1), end = (uint64_t)va + size;

	(void)ctx;
	for (; p < end; p += line)
		__asm__ volatile("dc cvac, %0" : : "r"(p) : "memory");
	dsb(ish);
}

/* Load @vm's VTTBR if it is not current. Return: the value to restore. */
static uint64_t vttbr_enter(const struct s2_pgtable *pgt)
{
	/* The tables live in a struct s2_vm inside our struct hyp_vm: found
	 * by position, whatever the library keeps in pgt->owner. */
	const struct hyp_vm *vm = (const struct hyp_vm *)
		((const char *)pgt - offsetof(struct hyp_vm, mm.pgt));
	uint64_t old = read_sysreg(vttbr_el2);

	if (old != vm->vttbr) {
		write_sysreg(vm->vttbr, vttbr_el2);
		isb();
	}
	hyp_mm_last_tlbi_vttbr = read_sysreg(vttbr_el2);
	return old;
}

static void vttbr_exit(uint64_t old)
{
	if (read_sysreg(vttbr_el2) != old) {
		write_sysreg(old, vttbr_el2);
		isb();
	}
}

static void mm_tlbi_ipa(void *ctx, const struct s2_pgtable *pgt, uint64_t ipa,
			unsigned int level)
{
	uint64_t old = vttbr_enter(pgt);

	(void)ctx;
	(void)level; /* a TTL hint needs FEAT_TTL; invalidate any level */
	/*
	 * DSB ISHST: the descriptor write is visible to walkers before the
	 * TLBI. IPAS2E1IS drops stage-2-only entries for the IPA, but combined
	 * stage-1+2 entries are tagged by VA, so VMALLE1IS is needed too (Arm
	 * ARM D8.14.5; QEMU 7.2 keeps them otherwise, as the staletlb
	 * scenario shows).
	 */
	dsb(ishst);
	HYP_MON(s2_mon_dsb(&hyp_mon, S2_MON_DSB_ISHST));
	__asm__ volatile("tlbi ipas2e1is, %0" : : "r"(ipa >> 12) : "memory");
	HYP_MON(s2_mon_tlbi_ipa(&hyp_mon, pgt, ipa, S2_MON_TTL_NONE));
	dsb(ish);
	HYP_MON(s2_mon_dsb(&hyp_mon, S2_MON_DSB_ISH));
	__asm__ volatile("tlbi vmalle1is" ::: "memory");
	dsb(ish);
	isb();
	vttbr_exit(old);
}

static void mm_tlbi_vmid(void *ctx, const struct s2_pgtable *pgt)
{
	uint64_t old = vttbr_enter(pgt);

	(void)ctx;
	dsb(ishst);
	HYP_MON(s2_mon_dsb(&hyp_mon, S2_MON_DSB_ISHST));
	__asm__ volatile("tlbi vmalls12e1is" ::: "memory");
	HYP_MON(s2_mon_tlbi_vmid(&hyp_mon, pgt));
	dsb(ish);
	HYP_MON(s2_mon_dsb(&hyp_mon, S2_MON_DSB_ISH));
	isb();
	vttbr_exit(old);
}

static void mm_tlbi_all(void *ctx)
{
	(void)ctx;
	dsb(ishst);
	HYP_MON(s2_mon_dsb(&hyp_mon, S2_MON_DSB_ISHST));
	__asm__ volatile("tlbi alle1is" ::: "memory");
	HYP_MON(s2_mon_tlbi_all(&hyp_mon));
	__asm__ volatile("ic ialluis" ::: "memory");
	dsb(ish);
	HYP_MON(s2_mon_dsb(&hyp_mon, S2_MON_DSB_ISH));
	isb();
}

#ifdef S2MM_MONITOR
static void mm_monitor(void *ctx, const struct s2_mon_event *ev)
{
	(void)ctx;
	s2_mon_event(&hyp_mon, ev);
}
#endif

const struct s2_mm_ops hyp_mm_ops = {
	.zalloc = mm_zalloc,
	.free = mm_free,
	.free_deferred = mm_free_deferred,
	.refcount = mm_refcount,
	.virt_to_phys = mm_virt_to_phys,
	.phys_to_virt = mm_phys_to_virt,
	.dcache_clean_poc = mm_dcache_clean_poc,
	.tlbi_ipa = mm_tlbi_ipa,
	.tlbi_vmid = mm_tlbi_vmid,
	.tlbi_all = mm_tlbi_all,
#ifdef S2MM_MONITOR
	.monitor = mm_monitor,
#endif
};

unsigned int hyp_vmid_bits(void)
{
	return ((read_sysreg(id_aa64mmfr1_el1) >> 4) & 0xf) == 2 ? 16 : 8;
}

int vm_selftest(void)
{
	static struct hyp_vm vm;
	const uint64_t outer = 0x17ULL << VTTBR_EL2_VMID_SHIFT | 0x4000;
	uint64_t saved = read_sysreg(vttbr_el2);
	int ret = 0;

	vm.vttbr = 0x42ULL << VTTBR_EL2_VMID_SHIFT | 0x2000;
	/* Another VM's VTTBR is current: the op must run under vm's and put
	 * the *old* one back (a helper that restores the new value fails). */
	write_sysreg(outer, vttbr_el2);
	isb();
	hyp_mm_ops.tlbi_ipa(hyp_mm_ops.ctx, &vm.mm.pgt, GUEST_RAM_IPA, 3);
	if (hyp_mm_last_tlbi_vttbr != vm.vttbr || read_sysreg(vttbr_el2) != outer)
		ret = -1;
	hyp_mm_last_tlbi_vttbr = 0;
	hyp_mm_ops.tlbi_vmid(hyp_mm_ops.ctx, &vm.mm.pgt);
	if (hyp_mm_last_tlbi_vttbr != vm.vttbr || read_sysreg(vttbr_el2) != outer)
		ret = -2;
	/* vm's own VTTBR current: stays. */
	write_sysreg(vm.vttbr, vttbr_el2);
	isb();
	hyp_mm_ops.tlbi_ipa(hyp_mm_ops.ctx, &vm.mm.pgt, GUEST_RAM_IPA, 3);
	if (read_sysreg(vttbr_el2) != vm.vttbr)
		ret = -3;
	write_sysreg(saved, vttbr_el2);
	isb();
	return ret;
}

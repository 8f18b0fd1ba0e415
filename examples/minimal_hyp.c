/* SPDX-License-Identifier: MIT */
/*
 * minimal_hyp: libs2mm in the smallest hypervisor-shaped program that runs
 * on a host. The MMU model (libs2mm-model) plays the CPU: it walks the
 * stage-2 tables the library builds and reports each guest access that
 * faults as the stage-2 abort a CPU takes to EL2; the "hypervisor" hands
 * it to s2_vm_handle_abort() as s2hyp does, and does what the answer says.
 * docs/embedding.md walks through it. Built against the installed files:
 *
 *   cc -std=c11 minimal_hyp.c $(pkg-config --cflags --libs s2mm-model)
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <s2mm/error.h>
#include <s2mm/geometry.h>
#include <s2mm/mmu.h>
#include <s2mm/vm.h>
#include <s2mm/vmid.h>

#define GRANULE 4096
#define GUEST_RAM_IPA 0x40000000ULL
#define GUEST_RAM_SIZE (2ULL << 20)
#define GUEST_RAM_PA 0x80000000ULL  /* host memory the VMM gave the guest */
#define GUEST_UART_IPA 0x09000000ULL /* emulated device: no slot behind it */

/* ---- Physical memory for the tables: the embedder's page allocator ---- */

/*
 * One host buffer stands for the physical window [PHYS_BASE, PHYS_BASE +
 * PHYS_SIZE) the tables live in, handed out in naturally aligned blocks of
 * 4 KiB frames (a concatenated root is several frames). The model walks
 * the same window. Guest RAM needs no host memory here: the model reads
 * descriptors, never data.
 */
#define PHYS_BASE 0x10000000ULL
#define NFRAMES 64
#define PHYS_SIZE (NFRAMES * GRANULE)

static struct {
	uint8_t *host;
	bool used[NFRAMES];
	uint32_t refcount[NFRAMES]; /* the slot the library keeps per table page */
	unsigned int frames_in_use;
	unsigned int tlbi_ipa, tlbi_vmid, tlbi_all;
} phys;

static void *mm_zalloc(void *ctx, size_t size)
{
	size_t n = size / GRANULE;

	(void)ctx;
	for (size_t f = 0; f + n <= NFRAMES; f += n) {
		size_t i = 0;
		while (i < n && !phys.used[f + i])
			i++;
		if (i < n)
			continue;
		for (i = 0; i < n; i++)
			phys.used[f + i] = true;
		phys.frames_in_use += (unsigned int)n;
		memset(phys.host + f * GRANULE, 0, size);
		return phys.host + f * GRANULE;
	}
	return NULL;
}

static void mm_free(void *ctx, void *va, size_t size)
{
	size_t f = (size_t)((uint8_t *)va - phys.host) / GRANULE;

	(void)ctx;
	for (size_t i = 0; i < size / GRANULE; i++)
		phys.used[f + i] = false;
	phys.frames_in_use -= (unsigned int)(size / GRANULE);
}

static uint32_t *mm_refcount(void *ctx, void *va)
{
	(void)ctx;
	return &phys.refcount[((uint8_t *)va - phys.host) / GRANULE];
}

static uint64_t mm_virt_to_phys(void *ctx, void *va)
{
	(void)ctx;
	return PHYS_BASE + (uint64_t)((uint8_t *)va - phys.host);
}

static void *mm_phys_to_virt(void *ctx, uint64_t pa)
{
	(void)ctx;
	return phys.host + (pa - PHYS_BASE);
}

/* ---- The VM, and how a TLBI operation finds it ------------------------ */

static struct s2_vmid_alloc vmids; /* one per system */

struct guest {
	struct s2_vm s2;           /* libs2mm's part: tables, slots, stats */
	struct s2_mmu_regs regs;   /* the registers its vCPU runs with */
	uint64_t x[31];            /* its vCPU's general-purpose registers */
};

/*
 * s2_vm_init() makes pgt->owner the struct s2_vm itself: its VMID is
 * there (and the rest of struct guest is a container_of away). The model
 * walks afresh on every access (no TLB), so here the operations only
 * count. On hardware each loads the VM's VTTBR_EL2 if another is current,
 * then DSB ISHST (the library wrote the descriptor with a plain store: it
 * must reach the walkers first), TLBI IPAS2E1IS, ipa >> 12; DSB ISH;
 * TLBI VMALLE1IS; DSB ISH; ISB, and puts the old VTTBR_EL2 back.
 */
static void mm_tlbi_ipa(void *ctx, const struct s2_pgtable *pgt, uint64_t ipa,
			unsigned int level)
{
	const struct s2_vm *vm = pgt->owner;
	uint16_t vmid;

	(void)ctx, (void)ipa, (void)level;
	/* A VM without a VMID of this generation has nothing in any TLB. */
	if (s2_vmid_is_current(&vmids, &vm->vmid, &vmid))
		phys.tlbi_ipa++;
}

/* DSB ISHST; TLBI VMALLS12E1IS under the VM's VMID; DSB ISH; ISB. */
static void mm_tlbi_vmid(void *ctx, const struct s2_pgtable *pgt)
{
	const struct s2_vm *vm = pgt->owner;

	(void)ctx;
	if (s2_vmid_is_current(&vmids, &vm->vmid, NULL))
		phys.tlbi_vmid++;
}

/* DSB ISHST; TLBI ALLE1IS; IC IALLUIS; DSB ISH; ISB: a VMID rollover. */
static void mm_tlbi_all(void *ctx)
{
	(void)ctx;
	phys.tlbi_all++;
}

static const struct s2_mm_ops mm_ops = {
	.zalloc = mm_zalloc,
	.free = mm_free,
	.refcount = mm_refcount,
	.virt_to_phys = mm_virt_to_phys,
	.phys_to_virt = mm_phys_to_virt,
	/* Optional ones left out: alloc, free_deferred (one vCPU, no
	 * concurrent walks), dcache_clean_poc (the walker snoops). */
	.tlbi_ipa = mm_tlbi_ipa,
	.tlbi_vmid = mm_tlbi_vmid,
	.tlbi_all = mm_tlbi_all,
};

/* ---- The vCPU loop ----------------------------------------------------- */

/* Where the model reads descriptors: the window, seen through phys.host. */
static struct s2_mmu_mem walker_mem = { NULL, PHYS_BASE, PHYS_SIZE };

/* What the guest's loads from the emulated device read. */
static uint64_t uart_read(uint64_t ipa, unsigned int size)
{
	(void)ipa, (void)size;
	return 0x60; /* a UART's "transmitter empty" status */
}

/*
 * The stage-2 abort the model reports, as the CPU gives it to EL2, into
 * the library. Return: 0 when the vCPU retries the access, 1 when it was
 * emulated (the vCPU skips the instruction), or a negative error.
 */
static int take_abort(struct guest *g, const struct s2_mmu_fault *f)
{
	/* An LDR/STR X1, [Xn]: the syndrome has what MMIO emulation needs. */
	static const struct s2_mmu_insn ldr_x1 = { .isv = true, .sas = 3, .srt = 1, .sf = true };
	struct s2_abort abt = { .regs = g->x };
	struct s2_exit ex;
	int ret;

	ret = s2_mmu_esr(f, &ldr_x1, &abt.esr); /* ESR_EL2 */
	if (ret)
		return ret;
	abt.far = s2_mmu_far(f); /* FAR_EL2 */
	if (s2_hpfar_valid(abt.esr)) {
		ret = s2_mmu_hpfar(f, &abt.hpfar); /* HPFAR_EL2 */
		if (ret)
			return ret;
	} else if (s2_hpfar_needs_at(abt.esr)) {
		/*
		 * HPFAR_EL2 is UNKNOWN: on hardware, AT S1E1R on FAR_EL2 and
		 * s2_hpfar_from_par(PAR_EL1). This guest's MMU is off, so
		 * FAR_EL2 is already the IPA.
		 */
		abt.hpfar = s2_hpfar_from_ipa(abt.far);
	}
	ret = s2_vm_handle_abort(&g->s2, &abt, &ex);
	if (ret)
		return ret;
	switch (ex.reason) {
	case S2_EXIT_RESUME:
	case S2_EXIT_RETRY:
		printf("  stage-2 %s fault at IPA %#llx: handled\n",
		       s2_mmu_fault_name(f->type), (unsigned long long)ex.ipa);
		return 0;
	case S2_EXIT_MMIO:
		printf("  MMIO %s of %u bytes at %#llx, X%u\n",
		       ex.mmio.write ? "write" : "read", ex.mmio.size,
		       (unsigned long long)ex.mmio.ipa, ex.mmio.reg);
		if (!ex.mmio.write && ex.mmio.reg != 31)
			g->x[ex.mmio.reg] = s2_mmio_load_value(
				&ex.mmio, uart_read(ex.mmio.ipa, ex.mmio.size));
		return 1;
	default:
		/* A VMM would inject ex.inject_esr; this guest has no handler. */
		return -S2_EFAULT;
	}
}

/* One access by the guest's vCPU (its MMU off: the address is an IPA). */
static int guest_access(struct guest *g, uint64_t ipa, bool write)
{
	const struct s2_mmu_access acc = {
		.va = ipa, .acc = write ? S2_MMU_WRITE : S2_MMU_READ, .el = 1,
	};
	struct s2_mmu_result res;

	printf("guest %s %#llx\n", write ? "writes" : "reads", (unsigned long long)ipa);
	/* Each abort handled is one ERET to the same instruction. */
	for (int tries = 0; tries < 4; tries++) {
		int ret = s2_mmu_translate_s2(&walker_mem, &s2_mmu_cpu_cortex_a57,
					      &g->regs, &acc, &res);
		if (ret)
			return ret;
		if (res.fault.type == S2_MMU_FAULT_NONE)
			return 0;
		ret = take_abort(g, &res.fault);
		if (ret)
			return ret > 0 ? 0 : ret;
	}
	return -S2_EAGAIN; /* no progress: a bug in the hypervisor */
}

/* ---- The hypervisor ----------------------------------------------------- */

/* A call that returns 0 or a negative error code. */
#define TRY(call)                                                              \
	do {                                                                   \
		int try_ret_ = (call);                                         \
		if (try_ret_) {                                                \
			fprintf(stderr, "%s: %s\n", #call, s2_strerror(try_ret_)); \
			goto out;                                              \
		}                                                              \
	} while (0)

/* What must hold at this point. */
#define EXPECT(cond)                                                           \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "expected %s\n", #cond);               \
			goto out;                                              \
		}                                                              \
	} while (0)

int main(void)
{
	static struct guest g;
	const struct s2_memslot ram = {
		.id = 0, .ipa = GUEST_RAM_IPA, .size = GUEST_RAM_SIZE, .pa = GUEST_RAM_PA,
	};
	uint64_t dirty[GUEST_RAM_SIZE / GRANULE / 64], log[GUEST_RAM_SIZE / GRANULE / 64];
	struct s2_geom geom;
	uint16_t vmid;
	int status = 1;

	phys.host = aligned_alloc(PHYS_SIZE, PHYS_SIZE);
	if (!phys.host)
		return 1;
	walker_mem.host = phys.host;

	/* The layout: 4 KiB granule, 32-bit IPA, 40-bit PA; and the VM. */
	TRY(s2_geom_init(&geom, GRANULE, 32, 40, S2_START_LEVEL_AUTO));
	TRY(s2_vmid_init(&vmids, S2_VMID_BITS_8, 1, &mm_ops));
	TRY(s2_vm_init(&g.s2, &geom, &mm_ops));
	TRY(s2_vm_slot_add(&g.s2, &ram));

	/* vCPU load on CPU 0: a VMID, then VTCR_EL2 and VTTBR_EL2. */
	TRY(s2_vmid_update(&vmids, &g.s2.vmid, 0, &vmid));
	g.regs.vtcr_el2 = geom.vtcr | s2_vmid_vtcr_vs(&vmids);
	g.regs.vttbr_el2 = s2_vm_vttbr(&g.s2, vmid);
	printf("VMID %u, VTCR_EL2 %#llx, VTTBR_EL2 %#llx\n", vmid,
	       (unsigned long long)g.regs.vtcr_el2, (unsigned long long)g.regs.vttbr_el2);

	/* Nothing is mapped: the first access faults the RAM in, as a block. */
	TRY(guest_access(&g, GUEST_RAM_IPA, false));
	TRY(guest_access(&g, GUEST_RAM_IPA + 0x1008, true));
	EXPECT(g.s2.stats.block_maps == 1);
	/* A device: the load's value comes from the emulation into X1. */
	TRY(guest_access(&g, GUEST_UART_IPA + 0x18, false));
	EXPECT(g.x[1] == 0x60);

	/* Dirty logging: the block becomes write-protected pages. */
	TRY(s2_vm_dirty_log_enable(&g.s2, ram.id, dirty, sizeof(dirty) / 8));
	TRY(guest_access(&g, GUEST_RAM_IPA + 0x2000, false)); /* no fault */
	TRY(guest_access(&g, GUEST_RAM_IPA + 0x3010, true));  /* logged */
	TRY(s2_vm_dirty_log_get_clear(&g.s2, ram.id, log, sizeof(log) / 8));
	for (size_t w = 0; w < sizeof(log) / 8; w++)
		for (unsigned int b = 0; b < 64; b++)
			if (log[w] >> b & 1)
				printf("dirty page: %#llx\n", (unsigned long long)
				       (GUEST_RAM_IPA + (w * 64 + b) * GRANULE));
	EXPECT(log[0] == 1u << 3);
	TRY(s2_vm_dirty_log_disable(&g.s2, ram.id));

	/* vCPU put, VM destroyed: every table page goes back. */
	TRY(s2_vmid_clear_active(&vmids, 0));
	s2_vm_destroy(&g.s2);
	TRY(s2_vmid_release(&vmids, &g.s2.vmid));
	printf("faults: %llu translation, %llu permission; TLBI by IPA %u, by VMID %u\n",
	       (unsigned long long)g.s2.stats.translation,
	       (unsigned long long)g.s2.stats.permission, phys.tlbi_ipa, phys.tlbi_vmid);
	EXPECT(phys.frames_in_use == 0);
	printf("every table page freed\n");
	status = 0;
out:
	free(phys.host);
	return status;
}

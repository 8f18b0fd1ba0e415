/* SPDX-License-Identifier: MIT */
/**
 * @file
 * VMID allocator: generation-based, as Linux's arch/arm64/kvm/vmid.c.
 *
 * TLB entries are tagged with the VMID held in VTTBR_EL2. There are only
 * 2^8 or 2^16 - 1 usable VMIDs (0 is never handed out), and any number of
 * VMs. Each VM therefore holds a 64-bit value, generation | vmid; a VM whose
 * value is not of the current generation has no VMID and gets one, lazily,
 * when one of its vCPUs is about to run. When the space is spent a new
 * generation starts: the bitmap of used VMIDs is cleared except for the
 * VMIDs that CPUs are running right now (kept "reserved" so running VMs keep
 * theirs), and every TLB is invalidated once, through ops->tlbi_all.
 *
 * The fast path (the VM's value is of the current generation) is at most
 * one atomic compare-and-swap of the CPU's "active" value and takes no
 * lock. The slow path takes a small spinlock private to this module (C11
 * atomics; see vmid.c for why it is ours and not the embedder's).
 *
 * What the embedder must do:
 *  - call s2_vmid_update() with interrupts masked (or at least so that no
 *    interrupt handler on the same CPU can call into the allocator), after
 *    the vCPU is bound to a CPU and before VTTBR_EL2 is loaded, and load
 *    VTTBR_EL2 with the VMID it returns (s2_geom_vttbr());
 *  - call s2_vmid_clear_active() when the vCPU is put (no longer runs on
 *    this CPU), so that a rollover does not keep its VMID reserved needlessly;
 *  - program VTCR_EL2.VS from s2_vmid_vtcr_vs() so that VTCR and the
 *    allocator agree on the VMID width;
 *  - supply an ops->tlbi_all that is broadcast (inner shareable: TLBI
 *    ALLE1IS; IC IALLUIS; DSB ISH; ISB) and complete on return. There is no
 *    per-CPU "flush pending" state: as in Linux since 5.15, a rollover
 *    flushes every CPU at once rather than each CPU lazily, because
 *    rollovers are rare.
 *
 * Who flushes what: s2_vmid_update() calls ops->tlbi_all exactly once per
 * rollover, from the CPU that found the space spent, while holding the lock
 * (so no VMID of the new generation is handed out before the flush is
 * complete). Nothing else in this module invalidates anything. A destroyed
 * VM's VMID stays used until the next rollover, whose flush removes its TLB
 * entries: no per-VM invalidation is needed when a VM goes away.
 */
#ifndef S2MM_VMID_H
#define S2MM_VMID_H

#include <stdbool.h>
#include <stdint.h>

#include <s2mm/ops.h>

/*
 * C++ has no _Atomic (C++23's <stdatomic.h> aside): it sees the
 * allocator's atomic fields as the plain integers they are laid out as
 * (vmid.c checks that the two agree) and leaves them to the library.
 */
#ifdef __cplusplus
#define S2_VMID_ATOMIC(t) t
#define S2_VMID_ALIGNAS(n) alignas(n)
#else
/** S2_VMID_ATOMIC() - An atomic @t in C; the plain @t in C++. */
#define S2_VMID_ATOMIC(t) _Atomic(t)
/** S2_VMID_ALIGNAS() - _Alignas(@n) in C; alignas(@n) in C++. */
#define S2_VMID_ALIGNAS(n) _Alignas(n)
#endif

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Most CPUs one allocator serves. The per-CPU state lives inside struct
 * s2_vmid_alloc (no allocation), one cache line per CPU. Library and
 * embedder must be built with the same value.
 */
#ifndef S2_VMID_MAX_CPUS
#define S2_VMID_MAX_CPUS 64
#endif

/* VMID widths the architecture offers (ID_AA64MMFR1_EL1.VMIDBits). */
#define S2_VMID_BITS_8	8	/* every Armv8-A CPU */
#define S2_VMID_BITS_16 16	/* FEAT_VMID16, with VTCR_EL2.VS=1 */
/** The narrowest VMID space s2_vmid_narrow() accepts: VMIDs 1..3. */
#define S2_VMID_SPACE_BITS_MIN 2

/** Size of the bitmap of used VMIDs: enough for 16-bit VMIDs. */
#define S2_VMID_MAP_WORDS ((1u << S2_VMID_BITS_16) / 64)

/** One cache line; per-CPU state is padded to it to avoid false sharing. */
#define S2_VMID_CACHELINE 64

/**
 * struct s2_vmid - A VM's VMID: generation | vmid, or 0 if it never ran.
 * Embed one per VM and zero it (S2_VMID_INIT or s2_vmid_vm_init()) before
 * the VM first runs. The allocator owns it afterwards; read it only through
 * the functions below.
 */
struct s2_vmid {
	S2_VMID_ATOMIC(uint64_t) id;	/* generation | vmid; 0: never ran */
};

/** Initialiser of a struct s2_vmid that never ran. */
#define S2_VMID_INIT                                                           \
	{                                                                      \
		0                                                              \
	}

/**
 * struct s2_vmid_cpu - Private to the allocator: one CPU's state, alone on
 * its cache line.
 */
struct s2_vmid_cpu {
	/** VMID being run (or about to be); 0 after a rollover. */
	S2_VMID_ALIGNAS(S2_VMID_CACHELINE) S2_VMID_ATOMIC(uint64_t) active;
	/** VMID kept through the last rollover (under the lock). */
	uint64_t reserved;
};

/**
 * struct s2_vmid_alloc - The allocator; one per system (per VMID space).
 * Treat as opaque; the fields are here only so that it can be embedded
 * without allocation (about 8 KiB of bitmap plus 64 bytes per CPU).
 */
struct s2_vmid_alloc {
	/* Read by every fast path: kept apart from what the slow path writes.
	 */
	S2_VMID_ATOMIC(uint64_t) generation; /* current generation, in the upper bits */
	uint64_t vmid_mask;	     /* (1 << space_bits) - 1 */
	unsigned int bits;	     /* the hardware's VMID width */
	unsigned int space_bits;     /* VMIDs handed out: below 2^space_bits */
	unsigned int ncpus;	     /* CPUs numbered 0 .. ncpus - 1 */
	const struct s2_mm_ops *ops; /* for ops->tlbi_all */

	/** Slow-path state, protected by @lock: the lock itself. */
	S2_VMID_ALIGNAS(S2_VMID_CACHELINE) S2_VMID_ATOMIC(unsigned int) lock;
	uint32_t cur_idx; /* last VMID handed out */
	uint64_t map[S2_VMID_MAP_WORDS]; /* VMIDs used in this generation */

	struct s2_vmid_cpu cpu[S2_VMID_MAX_CPUS]; /* per-CPU state */
};

/**
 * s2_vmid_init() - Set up an empty allocator.
 * @a: the allocator (any content; fully overwritten).
 * @bits: VMID width, 8 or 16; must match VTCR_EL2.VS (s2_vmid_vtcr_vs())
 *        and what the CPU supports (s2_vmid_bits_from_mmfr1()).
 * @ncpus: CPUs that will call s2_vmid_update(), numbered 0 .. @ncpus - 1;
 *         at most S2_VMID_MAX_CPUS and fewer than 2^@bits - 1, so that a
 *         VMID is always free after a rollover reserves one per CPU.
 * @ops: the embedder's ops; only @ops->tlbi_all is used. Must outlive @a.
 *
 * Flushes nothing: the embedder starts with clean TLBs (or flushes once at
 * boot), as the first generation is not preceded by a rollover.
 *
 * Return: 0, or -S2_EINVAL for a bad @bits or @ncpus, or @ops (or
 * @ops->tlbi_all) NULL.
 */
int s2_vmid_init(struct s2_vmid_alloc *a, unsigned int bits, unsigned int ncpus,
		 const struct s2_mm_ops *ops);

/**
 * s2_vmid_vm_init() - Mark a VM's VMID as never allocated.
 * @vm_vmid: the VM's state; equivalent to initialising it with S2_VMID_INIT.
 */
void s2_vmid_vm_init(struct s2_vmid *vm_vmid);

/**
 * s2_vmid_update() - Make sure a VM has a VMID of the current generation,
 * and mark it active on @cpu.
 * @a: the allocator.
 * @vm_vmid: the VM whose vCPU is about to run on @cpu.
 * @cpu: the calling CPU's number (< ncpus given to s2_vmid_init()). The call
 *       must run on that CPU, not concurrently with another call for the
 *       same @cpu.
 * @vmid_out: receives the VMID to load into VTTBR_EL2.VMID (never 0).
 *
 * Call with interrupts masked, after the vCPU is bound to @cpu and before
 * VTTBR_EL2 is loaded; load VTTBR with *@vmid_out even if it did not change.
 *
 * Fast path: if the VM's VMID is of the current generation, one
 * compare-and-swap of @cpu's active value, no lock (none at all when @cpu
 * last ran this same VM and was not put since). Otherwise takes the
 * allocator's lock and gives the VM a VMID: its old one if still free (or
 * kept as reserved by a CPU that was running it), else the next free one in
 * first-run order. If none is free a new generation starts, and this call
 * invalidates every TLB entry and the I-cache on every CPU, exactly once,
 * through @a->ops->tlbi_all, before returning. The caller flushes nothing.
 *
 * Return: 0, or -S2_EINVAL if @cpu is out of range (nothing changed).
 */
int s2_vmid_update(struct s2_vmid_alloc *a, struct s2_vmid *vm_vmid,
		   unsigned int cpu, uint16_t *vmid_out);

/**
 * s2_vmid_clear_active() - The vCPU that ran on @cpu is put (stopped
 * running there); a rollover no longer needs to keep its VMID reserved.
 * @a: the allocator.
 * @cpu: the calling CPU's number.
 *
 * Call after the guest stopped executing on @cpu (VTTBR_EL2 is not used for
 * guest execution again before the next s2_vmid_update()). Without it a
 * rollover keeps one VMID per CPU reserved for the last VM it ran, and
 * s2_vmid_release() refuses that VM. Flushes nothing.
 *
 * Return: 0, or -S2_EINVAL if @cpu is out of range.
 */
int s2_vmid_clear_active(struct s2_vmid_alloc *a, unsigned int cpu);

/**
 * s2_vmid_release() - A VM is being destroyed: forget its VMID.
 * @a: the allocator.
 * @vm_vmid: the VM's state; reset to "never allocated".
 *
 * The VMID is not returned to the pool: it stays used until the next
 * rollover, whose broadcast flush removes the VM's TLB entries. So the
 * caller need not invalidate the VM's VMID (s2_pgtable_destroy() relies on
 * this). Every vCPU of the VM must have been put first
 * (s2_vmid_clear_active()).
 *
 * Return: 0, or -S2_EBUSY if some CPU still has the VM's VMID active (a
 * vCPU not put; nothing changed).
 */
int s2_vmid_release(struct s2_vmid_alloc *a, struct s2_vmid *vm_vmid);

/**
 * s2_vmid_narrow() - Hand out only VMIDs below 2^@space_bits: a space
 * narrower than the hardware's, so that a handful of VMs rolls it over (a
 * test of the rollover path under real guests). VTCR_EL2.VS still follows
 * the width given to s2_vmid_init().
 * @a: an allocator from s2_vmid_init() on which no s2_vmid_update() ran.
 * @space_bits: S2_VMID_SPACE_BITS_MIN .. the width; @a's ncpus must stay
 *              below 2^@space_bits - 1 (a VMID free after a rollover).
 * Return: 0, or -S2_EINVAL (nothing changed).
 */
int s2_vmid_narrow(struct s2_vmid_alloc *a, unsigned int space_bits);

/**
 * s2_vmid_vtcr_vs() - The VTCR_EL2.VS bit for @a's VMID width.
 * Return: VTCR_EL2.VS (bit 19) for 16-bit VMIDs, 0 for 8-bit. OR it into
 * VTCR_EL2.
 */
uint64_t s2_vmid_vtcr_vs(const struct s2_vmid_alloc *a);

/**
 * s2_vmid_bits_from_mmfr1() - VMID width a CPU supports.
 * @id_aa64mmfr1: the value of ID_AA64MMFR1_EL1.
 * Return: 16 if VMIDBits (bits [7:4]) is 0b0010, else 8.
 */
unsigned int s2_vmid_bits_from_mmfr1(uint64_t id_aa64mmfr1);

/**
 * s2_vmid_is_current() - Whether @vm_vmid holds a VMID of the current
 * generation (for tests and statistics; may be stale on return).
 * @vmid_out: if not NULL and the result is true, receives the VMID.
 */
bool s2_vmid_is_current(const struct s2_vmid_alloc *a,
			const struct s2_vmid *vm_vmid, uint16_t *vmid_out);

/**
 * s2_vmid_rollovers() - Number of generations started after the first
 * (each one is one ops->tlbi_all call).
 */
uint64_t s2_vmid_rollovers(const struct s2_vmid_alloc *a);

#ifdef __cplusplus
}
#endif

#endif /* S2MM_VMID_H */

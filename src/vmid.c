/* SPDX-License-Identifier: MIT */
/*
 * Generation-based VMID allocator. The algorithm is the one of Linux's
 * arch/arm64/kvm/vmid.c (itself the arm64 ASID allocator); the code is ours.
 *
 * A VM's value is generation | vmid, generation being a multiple of
 * 2^bits. Invariants (the slow path keeps them under the lock):
 *  I1 within a generation, a VMID index belongs to at most one VM: the
 *     bitmap bit is set when it is handed out and only a rollover clears it;
 *  I2 a CPU's active value, if not 0, is the value of the VM it runs (or
 *     is about to run); a rollover swaps every active value for 0 and keeps
 *     what it found (or, for a CPU that has not run since the previous
 *     rollover, its previous reserved value) as that CPU's reserved value,
 *     with its bit set in the new bitmap;
 *  I3 VMID 0 is never handed out (bit 0 is always set).
 *
 * Why the fast path needs only one relaxed compare-and-swap: a CPU may use
 * the VM's value without the lock if it is of the current generation and it
 * can publish it in its active slot *before* any rollover swaps that slot.
 * The cmpxchg from the value it last read to the VM's value is an RMW on
 * the slot, so it is ordered with the rollover's exchange on the same slot:
 * either it comes first (and the rollover reserves the VM's VMID, so the VM
 * keeps it in the next generation), or it sees the 0 the rollover left and
 * fails, and the CPU takes the slow path. A stale load of the generation
 * only sends a CPU to the slow path, or lets it win the race above. Every
 * new-generation VMID is handed out under the lock after the broadcast
 * flush completed, so no CPU can run with it while stale entries remain.
 *
 * Locking: the slow path needs mutual exclusion across CPUs. We use a
 * test-and-test-and-set spinlock on a C11 atomic, private to this file,
 * rather than a lock op from the embedder, because: the critical section is
 * short and bounded (a bitmap scan, a pass over the CPUs, at most one
 * flush), runs with interrupts masked anyway (Linux uses a raw spinlock with
 * IRQs off for it), and a bare-metal embedder such as s2hyp has nothing but
 * a spinlock to offer; it keeps struct s2_mm_ops free of lock ops that only
 * this module would use. The cost: a hosted embedder that can be preempted
 * in s2_vmid_update() may spin while the holder is descheduled; the slow
 * path is rare (first run of a VM in each generation), so we accept that.
 */
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <s2mm/arch.h>
#include <s2mm/error.h>
#include <s2mm/vmid.h>

#include "monitor_hook.h"

/* ID_AA64MMFR1_EL1.VMIDBits (Arm ARM D19.2): 0b0000 8 bits, 0b0010 16 bits. */
#define ID_AA64MMFR1_VMIDBITS_SHIFT 4
#define ID_AA64MMFR1_VMIDBITS_MASK  S2_FIELD_MASK(4, 4)
#define ID_AA64MMFR1_VMIDBITS_16    S2_UL(2)

#define NO_IDX UINT32_MAX

_Static_assert(S2_VMID_MAX_CPUS >= 1, "need at least one CPU");
_Static_assert(sizeof(struct s2_vmid_cpu) == S2_VMID_CACHELINE,
	       "one cache line per CPU");
/* C++ embedders see these fields as plain integers (vmid.h). */
_Static_assert(sizeof(_Atomic(uint64_t)) == sizeof(uint64_t) &&
	       _Alignof(_Atomic(uint64_t)) == _Alignof(uint64_t) &&
	       sizeof(atomic_uint) == sizeof(unsigned int) &&
	       _Alignof(atomic_uint) == _Alignof(unsigned int),
	       "atomic fields laid out as their plain types");

/* ---------------------------------------------------------------------- */
/* The lock.                                                              */
/* ---------------------------------------------------------------------- */

static inline void cpu_relax(void)
{
#if defined(__aarch64__) || defined(__arm__)
	__asm__ volatile("yield" ::: "memory");
#elif defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

static void vmid_lock(struct s2_vmid_alloc *a)
{
	for (;;) {
		if (!atomic_exchange_explicit(&a->lock, 1,
					      memory_order_acquire))
			return;
		while (atomic_load_explicit(&a->lock, memory_order_relaxed))
			cpu_relax();
	}
}

static void vmid_unlock(struct s2_vmid_alloc *a)
{
	atomic_store_explicit(&a->lock, 0, memory_order_release);
}

/* ---------------------------------------------------------------------- */
/* The bitmap (under the lock).                                           */
/* ---------------------------------------------------------------------- */

static inline uint32_t nr_vmids(const struct s2_vmid_alloc *a)
{
	return (uint32_t)a->vmid_mask + 1;
}

static inline bool test_and_set_idx(struct s2_vmid_alloc *a, uint32_t idx)
{
	uint64_t bit = UINT64_C(1) << (idx % 64);
	bool was = a->map[idx / 64] & bit;

	a->map[idx / 64] |= bit;
	return was;
}

/* First clear bit at or after @from, or NO_IDX. */
static uint32_t find_free_idx(const struct s2_vmid_alloc *a, uint32_t from)
{
	uint32_t n = nr_vmids(a);
	uint32_t w = from / 64;
	/* Ones for the bits below @from in its word: treat them as used. */
	uint64_t word = ~a->map[w] & (~UINT64_C(0) << (from % 64));

	for (;;) {
		if (word) {
			uint32_t idx = w * 64 + (uint32_t)__builtin_ctzll(word);

			return idx < n ? idx : NO_IDX;
		}
		if (++w >= (n + 63) / 64)
			return NO_IDX;
		word = ~a->map[w];
	}
}

static void clear_map(struct s2_vmid_alloc *a)
{
	uint32_t words = (nr_vmids(a) + 63) / 64;

	for (uint32_t i = 0; i < words; i++)
		a->map[i] = 0;
	a->map[0] = 1; /* I3: VMID 0 is never handed out. */
}

/* ---------------------------------------------------------------------- */
/* Generations.                                                           */
/* ---------------------------------------------------------------------- */

static inline uint64_t gen_of(const struct s2_vmid_alloc *a, uint64_t v)
{
	return v & ~a->vmid_mask;
}

static inline uint64_t current_gen(const struct s2_vmid_alloc *a)
{
	return atomic_load_explicit(&a->generation, memory_order_relaxed);
}

/*
 * Start a new generation (under the lock): clear the bitmap, keep each
 * CPU's running VMID as reserved (I2), and flush every TLB once.
 */
static void rollover(struct s2_vmid_alloc *a)
{
	uint64_t gen = current_gen(a) + a->vmid_mask + 1;

	atomic_store_explicit(&a->generation, gen, memory_order_relaxed);
	clear_map(a);
	for (unsigned int c = 0; c < a->ncpus; c++) {
		struct s2_vmid_cpu *pc = &a->cpu[c];
		uint64_t v = atomic_exchange_explicit(&pc->active, 0,
						      memory_order_relaxed);

		/*
		 * 0: the CPU has not run since the last rollover and may still
		 * be running what it ran then: keep that reserved.
		 */
		if (v == 0)
			v = pc->reserved;
		test_and_set_idx(a, (uint32_t)(v & a->vmid_mask));
		pc->reserved = v;
	}
	/* Exactly one broadcast TLB + I-cache invalidation per generation. */
	a->ops->tlbi_all(a->ops->ctx);
}

/*
 * If some CPU kept @old (of a previous generation) reserved, it still runs
 * that VM: move the reservations to @new_v and let the VM keep its VMID.
 */
static bool update_reserved(struct s2_vmid_alloc *a, uint64_t old,
			    uint64_t new_v)
{
	bool hit = false;

	for (unsigned int c = 0; c < a->ncpus; c++) {
		if (a->cpu[c].reserved == old) {
			a->cpu[c].reserved = new_v;
			hit = true;
		}
	}
	return hit;
}

/* Tell a checked build's monitor that @vm now holds @v. */
static inline void handed_out(const struct s2_vmid_alloc *a,
			      const struct s2_vmid *vm, uint64_t v)
{
	struct s2_mon_event ev = {
		.kind = S2_MON_VMID, .vm = vm, .vmid = v & a->vmid_mask,
		.generation = v >> a->space_bits,
	};

	mon_report(a->ops, &ev);
}

/* Give @vm a VMID of the current generation (under the lock). */
static uint64_t new_vmid(struct s2_vmid_alloc *a, struct s2_vmid *vm)
{
	uint64_t old = atomic_load_explicit(&vm->id, memory_order_relaxed);
	uint64_t gen = current_gen(a);
	uint32_t idx;

	if (old != 0) {
		/* The VM ran in an older generation: try to keep its index. */
		uint64_t v = gen | (old & a->vmid_mask);

		if (update_reserved(a, old, v) ||
		    !test_and_set_idx(a, (uint32_t)(old & a->vmid_mask))) {
			atomic_store_explicit(&vm->id, v, memory_order_relaxed);
			handed_out(a, vm, v);
			return v;
		}
	}

	/* Indices below cur_idx are all used in this generation. */
	idx = find_free_idx(a, a->cur_idx);
	if (idx == NO_IDX) {
		rollover(a);
		gen = current_gen(a);
		/* At most ncpus < 2^bits - 1 are reserved: one is free. */
		idx = find_free_idx(a, 1);
	}
	test_and_set_idx(a, idx);
	a->cur_idx = idx;
	atomic_store_explicit(&vm->id, gen | idx, memory_order_relaxed);
	handed_out(a, vm, gen | idx);
	return gen | idx;
}

/* ---------------------------------------------------------------------- */
/* API.                                                                   */
/* ---------------------------------------------------------------------- */

int s2_vmid_init(struct s2_vmid_alloc *a, unsigned int bits, unsigned int ncpus,
		 const struct s2_mm_ops *ops)
{
	if (!a || !ops || !ops->tlbi_all)
		return -S2_EINVAL;
	if (bits != S2_VMID_BITS_8 && bits != S2_VMID_BITS_16)
		return -S2_EINVAL;
	/* One free VMID must remain after every CPU reserved one. */
	if (ncpus == 0 || ncpus > S2_VMID_MAX_CPUS || ncpus >= (1u << bits) - 1)
		return -S2_EINVAL;

	a->bits = bits;
	a->space_bits = bits;
	a->ncpus = ncpus;
	a->ops = ops;
	a->vmid_mask = (UINT64_C(1) << bits) - 1;
	/* Generation 0 is "never ran", so values start at generation 1. */
	atomic_init(&a->generation, a->vmid_mask + 1);
	atomic_init(&a->lock, 0);
	a->cur_idx = 1;
	for (uint32_t i = 0; i < S2_VMID_MAP_WORDS; i++)
		a->map[i] = 0;
	a->map[0] = 1; /* I3 */
	for (unsigned int c = 0; c < S2_VMID_MAX_CPUS; c++) {
		atomic_init(&a->cpu[c].active, 0);
		a->cpu[c].reserved = 0;
	}
	mon_report(ops, &(struct s2_mon_event){ .kind = S2_MON_VMID_INIT });
	return 0;
}

int s2_vmid_narrow(struct s2_vmid_alloc *a, unsigned int space_bits)
{
	if (!a || space_bits < S2_VMID_SPACE_BITS_MIN || space_bits > a->bits ||
	    a->ncpus >= (1u << space_bits) - 1)
		return -S2_EINVAL;
	/* Only before the first update: generation and map are still the
	 * fresh ones of s2_vmid_init(), rebased on the narrower mask. */
	if (atomic_load_explicit(&a->generation, memory_order_relaxed) !=
	    a->vmid_mask + 1 || a->map[0] != 1)
		return -S2_EINVAL;
	a->space_bits = space_bits;
	a->vmid_mask = (UINT64_C(1) << space_bits) - 1;
	atomic_store_explicit(&a->generation, a->vmid_mask + 1,
			      memory_order_relaxed);
	for (unsigned int c = 0; c < S2_VMID_MAX_CPUS; c++)
		atomic_store_explicit(&a->cpu[c].active, 0,
				      memory_order_relaxed);
	return 0;
}

void s2_vmid_vm_init(struct s2_vmid *vm_vmid)
{
	atomic_init(&vm_vmid->id, 0);
}

/*
 * Slow path of s2_vmid_update(), out of line (and tail-called) so that the
 * fast path stays a leaf with no register saves.
 */
static __attribute__((noinline)) int update_slow(struct s2_vmid_alloc *a,
						 struct s2_vmid *vm,
						 _Atomic uint64_t *active,
						 uint16_t *vmid_out)
{
	uint64_t v;

	vmid_lock(a);
	v = atomic_load_explicit(&vm->id, memory_order_relaxed);
	if (gen_of(a, v) != current_gen(a))
		v = new_vmid(a, vm);
	atomic_store_explicit(active, v, memory_order_relaxed);
	vmid_unlock(a);
	*vmid_out = (uint16_t)(v & a->vmid_mask);
	return 0;
}

int s2_vmid_update(struct s2_vmid_alloc *a, struct s2_vmid *vm_vmid,
		   unsigned int cpu, uint16_t *vmid_out)
{
	_Atomic uint64_t *active;
	uint64_t v, old_active;

	if (cpu >= a->ncpus)
		return -S2_EINVAL;
	active = &a->cpu[cpu].active;

	/*
	 * Fast path: current generation, and the active slot not swapped to
	 * 0 by a rollover since we read it (see the comment at the top).
	 * If the slot already holds @v (the VM re-enters without a put) even
	 * the CAS is unneeded: only this CPU stores non-zero values there, so
	 * reading @v means our last store was @v, and the first rollover
	 * after it swaps out @v and reserves it, whether or not our load saw
	 * that swap; @v's index stays reserved until this CPU updates again.
	 */
	v = atomic_load_explicit(&vm_vmid->id, memory_order_relaxed);
	old_active = atomic_load_explicit(active, memory_order_relaxed);
	if (old_active != 0 && gen_of(a, v) == current_gen(a) &&
	    (old_active == v ||
	     atomic_compare_exchange_strong_explicit(active, &old_active, v,
						     memory_order_relaxed,
						     memory_order_relaxed))) {
		*vmid_out = (uint16_t)(v & a->vmid_mask);
		return 0;
	}

	return update_slow(a, vm_vmid, active, vmid_out);
}

/*
 * Active value of a CPU whose vCPU was put: not 0, which would mean "swapped
 * by a rollover" and send the next update to the slow path, but generation
 * 1 | VMID 0, which matches no VM (I3) and reserves only bit 0.
 */
static inline uint64_t active_idle(const struct s2_vmid_alloc *a)
{
	return a->vmid_mask + 1;
}

int s2_vmid_clear_active(struct s2_vmid_alloc *a, unsigned int cpu)
{
	if (cpu >= a->ncpus)
		return -S2_EINVAL;
	atomic_store_explicit(&a->cpu[cpu].active, active_idle(a),
			      memory_order_relaxed);
	return 0;
}

int s2_vmid_release(struct s2_vmid_alloc *a, struct s2_vmid *vm_vmid)
{
	uint64_t v = atomic_load_explicit(&vm_vmid->id, memory_order_relaxed);
	int ret = 0;

	if (v == 0)
		return 0;
	vmid_lock(a);
	for (unsigned int c = 0; c < a->ncpus; c++) {
		uint64_t act = atomic_load_explicit(&a->cpu[c].active,
						    memory_order_relaxed);

		/* Running it, or ran it at a rollover and not since (I2). */
		if (act == v || (act == 0 && a->cpu[c].reserved == v)) {
			ret = -S2_EBUSY;
			break;
		}
	}
	/* The index stays set in the bitmap until the next rollover. */
	if (!ret)
		atomic_store_explicit(&vm_vmid->id, 0, memory_order_relaxed);
	vmid_unlock(a);
	return ret;
}

uint64_t s2_vmid_vtcr_vs(const struct s2_vmid_alloc *a)
{
	return a->bits == S2_VMID_BITS_16 ? VTCR_EL2_VS : 0;
}

unsigned int s2_vmid_bits_from_mmfr1(uint64_t id_aa64mmfr1)
{
	uint64_t f = (id_aa64mmfr1 & ID_AA64MMFR1_VMIDBITS_MASK) >>
		     ID_AA64MMFR1_VMIDBITS_SHIFT;

	return f == ID_AA64MMFR1_VMIDBITS_16 ? S2_VMID_BITS_16 : S2_VMID_BITS_8;
}

bool s2_vmid_is_current(const struct s2_vmid_alloc *a,
			const struct s2_vmid *vm_vmid, uint16_t *vmid_out)
{
	uint64_t v = atomic_load_explicit(&vm_vmid->id, memory_order_relaxed);

	if (v == 0 || gen_of(a, v) != current_gen(a))
		return false;
	if (vmid_out)
		*vmid_out = (uint16_t)(v & a->vmid_mask);
	return true;
}

uint64_t s2_vmid_rollovers(const struct s2_vmid_alloc *a)
{
	/* Generations start at 1 and advance by one per rollover. */
	return (current_gen(a) >> a->space_bits) - 1;
}

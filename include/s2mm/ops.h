/* SPDX-License-Identifier: MIT */
/**
 * @file
 * The embedder boundary: everything libs2mm needs from its environment.
 *
 * The library never allocates, prints or takes a lock by itself. The host
 * simulator, the tests and s2hyp each supply one struct s2_mm_ops. Modelled
 * on Linux's struct kvm_pgtable_mm_ops.
 *
 * Contract (docs/embedding.md has a worked example):
 *
 * Required: @zalloc, @free, @refcount, @virt_to_phys, @phys_to_virt,
 * @tlbi_ipa and @tlbi_vmid; s2_pgtable_init() (and so s2_vm_init())
 * refuses a table without one with -S2_EINVAL. @tlbi_all is required by
 * s2_vmid_init() only, and is the only operation the VMID allocator
 * calls. @alloc, @free_deferred, @dcache_clean_poc and @monitor are
 * optional.
 *
 * Concurrency: the shared fault path (s2_vm_handle_abort(), and
 * s2_pgtable_map() with S2_MAP_SHARED, s2_pgtable_relax(),
 * s2_pgtable_mkyoung()) runs on several CPUs at once and may call any
 * operation but @tlbi_all concurrently: @zalloc/@alloc, @free (only of
 * pages it allocated and never made visible), @free_deferred, @refcount
 * (for one page from several CPUs: the library updates the counter with
 * atomics), the address translations, @dcache_clean_poc, @tlbi_ipa and
 * @tlbi_vmid (a block replacing a table). Every other function calls them
 * from the one thread that holds the embedder's exclusive lock. The
 * library calls them with whatever lock its caller holds: they must not
 * take the VM's memory lock.
 *
 * Ordering: the library writes descriptors with plain (single-copy
 * atomic, release when publishing a table) stores and issues no barrier.
 * A TLBI operation starts with DSB ISHST, so that the descriptor writes
 * before it reach every table walker before the invalidation, and ends
 * with DSB ISH, so that it is complete on every CPU when it returns: the
 * library writes the new entry of a break-before-make, and frees unlinked
 * table pages, only after that. @dcache_clean_poc, where used, completes
 * its clean (DC CVAC per line; DSB ISH) before returning.
 *
 * Finding the VM: the TLBI operations get the table, whose @owner is what
 * s2_pgtable_init() was given: for a VM's tables (s2_vm_init()) the
 * struct s2_vm itself, so an embedder that embeds it in its own VM
 * structure finds that with container_of, and with it the VMID the VM
 * runs under (its VTTBR_EL2, or s2_vmid_is_current() on its struct
 * s2_vmid). TLBI by IPA and by VMID act on the VMID of the current
 * VTTBR_EL2, and the library may invalidate a VM that is not the one
 * loaded on this CPU: load its VTTBR_EL2 around the TLBI. A VM without a
 * VMID of the current generation has nothing left in any TLB.
 */
#ifndef S2MM_OPS_H
#define S2MM_OPS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct s2_pgtable;
struct s2_mon_event;

/**
 * struct s2_mm_ops - What libs2mm asks of its embedder. Those marked
 * optional may be NULL; s2_pgtable_init() refuses an ops table that lacks
 * any other but @tlbi_all, which s2_vmid_init() requires.
 */
struct s2_mm_ops {
	/**
	 * @zalloc: allocate @size bytes of zeroed memory aligned to @size.
	 * @size is a power of two, at least 4096: one table page of the
	 * granule, or a concatenated stage-2 root (up to 16 of them).
	 * Return: the memory's virtual address, or NULL when out of memory.
	 */
	void *(*zalloc)(void *ctx, size_t size);
	/**
	 * @alloc: optional; like @zalloc but the memory need not be zeroed.
	 * Used for the table pages of a change, which the library fills or
	 * zeroes itself as it uses them, so that a fresh table is written
	 * once instead of twice. NULL: @zalloc is used.
	 */
	void *(*alloc)(void *ctx, size_t size);
	/** @free: give back memory that @zalloc or @alloc returned, with its @size. */
	void (*free)(void *ctx, void *va, size_t size);
	/**
	 * @free_deferred: like @free, but only once every walker that may
	 * have seen the page is done (RCU-style): for table pages a shared
	 * walk (S2_MAP_SHARED) replaced while other walkers may be reading
	 * them. Optional: NULL frees at once, which is safe only when shared
	 * walks never run concurrently.
	 */
	void (*free_deferred)(void *ctx, void *va, size_t size);
	/**
	 * @refcount: a counter the library owns for the table page at @va
	 * (one that @zalloc returned and that is not yet freed). The library
	 * initialises it; the embedder only stores it. Used to free table
	 * pages that become empty.
	 */
	uint32_t *(*refcount)(void *ctx, void *va);
	/** @virt_to_phys: the physical address of @va. */
	uint64_t (*virt_to_phys)(void *ctx, void *va);
	/** @phys_to_virt: the virtual address of physical address @pa. */
	void *(*phys_to_virt)(void *ctx, uint64_t pa);
	/**
	 * @dcache_clean_poc: clean [@va, @va + @size) to the Point of
	 * Coherency after descriptor writes. Only needed when the table walker
	 * does not snoop the data cache; NULL when it does. The library
	 * cleans only its tables, never guest pages, with HCR_EL2.FWB or
	 * without (s2_geom_set_fwb() says why).
	 */
	void (*dcache_clean_poc)(void *ctx, void *va, size_t size);
	/**
	 * @tlbi_ipa: invalidate every TLB entry, on every CPU, that may hold
	 * the stage-2 translation of @ipa made by a leaf at @level in @pgt's
	 * VMID, including combined stage-1+2 entries (on Arm: TLBI IPAS2E1IS,
	 * DSB, TLBI VMALLE1IS, DSB, since IPAS2E1IS alone leaves combined
	 * entries). Must complete before returning.
	 */
	void (*tlbi_ipa)(void *ctx, const struct s2_pgtable *pgt, uint64_t ipa,
			 unsigned int level);
	/**
	 * @tlbi_vmid: invalidate every stage-1 and stage-2 TLB entry of @pgt's
	 * VMID on every CPU (TLBI VMALLS12E1IS). Must complete before
	 * returning.
	 */
	void (*tlbi_vmid)(void *ctx, const struct s2_pgtable *pgt);
	/**
	 * @tlbi_all: invalidate all TLB entries of every VMID at EL1&0, and
	 * the instruction cache, on every CPU (TLBI ALLE1IS; IC IALLUIS). Used
	 * by the VMID allocator when a new generation starts.
	 */
	void (*tlbi_all)(void *ctx);
	/**
	 * @monitor: optional, and called only by a checked build of the
	 * library (compiled with S2MM_MONITOR; production builds never call
	 * it): each descriptor store to a table, the end of each exclusive
	 * change, each root created and destroyed and each VMID handed out,
	 * for a checker such as the break-before-make monitor of
	 * <s2mm/monitor.h> (forward @ev to s2_mon_event()). Called on the
	 * same paths and with the same locks as the operations above.
	 */
	void (*monitor)(void *ctx, const struct s2_mon_event *ev);
	/** @ctx: passed as the first argument of every operation. */
	void *ctx;
};

#ifdef __cplusplus
}
#endif

#endif /* S2MM_OPS_H */

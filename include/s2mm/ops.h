/* SPDX-License-Identifier: MIT */
/*
 * The embedder boundary: everything libs2mm needs from its environment.
 *
 * The library never allocates, prints or takes a lock by itself. The host
 * simulator, the tests and s2hyp each supply one struct s2_mm_ops. Modelled
 * on Linux's struct kvm_pgtable_mm_ops.
 */
#ifndef S2MM_OPS_H
#define S2MM_OPS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct s2_pgtable;

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
	 * does not snoop the data cache; NULL when it does.
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
	/** @ctx: passed as the first argument of every operation. */
	void *ctx;
};

#ifdef __cplusplus
}
#endif

#endif /* S2MM_OPS_H */

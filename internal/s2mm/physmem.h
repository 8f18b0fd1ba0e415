/* SPDX-License-Identifier: MIT */
/**
 * @file
 * Simulated physical memory for the host build: one physical address window
 * [base, base + size) backed by a lazily committed host mapping, with a buddy
 * allocator for page frames and a refcount slot per 4 KiB frame.
 *
 * The MMU model reads descriptors from it by physical address; the host ops
 * table allocates table pages and guest RAM from it. Memory is committed only
 * when touched, so large guests cost what they use. Thread-safe.
 */
#ifndef S2MM_PHYSMEM_H
#define S2MM_PHYSMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** log2 of the frame size: each 4 KiB frame has its refcount slot. */
#define S2_PHYSMEM_FRAME_SHIFT 12
/** The frame size. */
#define S2_PHYSMEM_FRAME_SIZE (1ULL << S2_PHYSMEM_FRAME_SHIFT)

struct s2_physmem;

/**
 * s2_physmem_create() - Create a physical address window.
 * @out: receives the new object.
 * @base: first physical address; a multiple of @size's largest power-of-two
 *        divisor up to 1 GiB is best for block mappings (0x40000000 is
 *        QEMU virt's RAM base).
 * @size: bytes; a multiple of 4 KiB, at least 4 KiB.
 *
 * Return: 0, -S2_EINVAL for a bad @base/@size, -S2_ENOMEM when the host
 * refuses the reservation.
 */
int s2_physmem_create(struct s2_physmem **out, uint64_t base, uint64_t size);

/** s2_physmem_destroy() - Release the window and all its memory. */
void s2_physmem_destroy(struct s2_physmem *pm);

/** s2_physmem_base() - The window's first physical address. */
uint64_t s2_physmem_base(const struct s2_physmem *pm);
/** s2_physmem_size() - The window's size in bytes. */
uint64_t s2_physmem_size(const struct s2_physmem *pm);

/**
 * s2_physmem_va() - Host pointer for physical address @pa.
 * Return: the pointer, or NULL when [@pa, @pa + @len) leaves the window.
 */
void *s2_physmem_va(const struct s2_physmem *pm, uint64_t pa, uint64_t len);

/** s2_physmem_pa() - Physical address of host pointer @va inside the window. */
uint64_t s2_physmem_pa(const struct s2_physmem *pm, const void *va);

/**
 * s2_physmem_alloc() - Allocate a naturally aligned block of physical memory.
 * @size: a power of two, at least 4 KiB.
 * @pa: receives its physical address.
 *
 * The memory is not zeroed. Return: 0 or -S2_ENOMEM, -S2_EINVAL.
 */
int s2_physmem_alloc(struct s2_physmem *pm, uint64_t size, uint64_t *pa);

/**
 * s2_physmem_alloc_range() - Allocate @size bytes (a multiple of 4 KiB, not
 * necessarily a power of two) aligned to @align (a power of two, at least
 * 4 KiB), for guest RAM. Freed with s2_physmem_free_range().
 * Return: 0, -S2_ENOMEM, -S2_EINVAL.
 */
int s2_physmem_alloc_range(struct s2_physmem *pm, uint64_t size,
			   uint64_t align, uint64_t *pa);

/** s2_physmem_free() - Free a block from s2_physmem_alloc() (same @size). */
void s2_physmem_free(struct s2_physmem *pm, uint64_t pa, uint64_t size);

/** s2_physmem_free_range() - Free a range from s2_physmem_alloc_range(). */
void s2_physmem_free_range(struct s2_physmem *pm, uint64_t pa, uint64_t size);

/** s2_physmem_refcount() - The per-frame counter slot of frame @pa. */
uint32_t *s2_physmem_refcount(struct s2_physmem *pm, uint64_t pa);

/** s2_physmem_allocated() - Bytes currently allocated (for leak checks). */
uint64_t s2_physmem_allocated(const struct s2_physmem *pm);

/**
 * s2_physmem_read64() - Aligned 64-bit read, as a table walker makes it
 * (single-copy atomic).
 * Return: 0, or -S2_EFAULT when @pa is outside the window or misaligned.
 */
int s2_physmem_read64(const struct s2_physmem *pm, uint64_t pa, uint64_t *val);
/**
 * s2_physmem_write64() - Aligned 64-bit write (single-copy atomic).
 * Return: 0, or -S2_EFAULT when @pa is outside the window or misaligned.
 */
int s2_physmem_write64(struct s2_physmem *pm, uint64_t pa, uint64_t val);

#endif /* S2MM_PHYSMEM_H */

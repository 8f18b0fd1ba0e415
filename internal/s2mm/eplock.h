/* SPDX-License-Identifier: MIT */
/**
 * @file
 * An exclusion lock that scales with its readers: a reader/writer lock with
 * one reader slot per vCPU, each on its own cache line, for the embedder's
 * mmu_lock (read for s2_vm_handle_abort(), write for the rest).
 *
 * A pthread rwlock counts its readers in one word: every read_lock and
 * read_unlock is an atomic read-modify-write of the one cache line all
 * vCPUs share, and two vCPUs faulting at once run slower than one
 * (bench_vm: 0.54-0.88x). Here a reader writes only its own slot and reads
 * the writer flag, a line that stays shared in every reader's cache while
 * no writer comes: the fault path takes no cache line from another CPU.
 * The writer pays instead, once per slot; the VM's exclusive operations
 * (unmap, dirty-log, migration) are rare and long, faults are frequent and
 * short.
 *
 * A slot belongs to one thread at a time (a vCPU: its index). A reader may
 * take the lock again on its own slot (nesting); a writer must not take it
 * for reading, nor a reader for writing. Readers wait while a writer holds
 * or wants the lock, so faults cannot starve the host's changes.
 *
 * The orderings are internal/s2mm/eplock_core.h's (with the argument);
 * this is the hosted lock around them: slots from the heap, a pthread
 * mutex between writers, sched_yield() while waiting.
 */
#ifndef S2MM_EPLOCK_H
#define S2MM_EPLOCK_H

#include <pthread.h>
#include <stdatomic.h>

/* The protocol, freestanding (s2hyp's mm_lock is built on it too). */
#include <s2mm/eplock_core.h>

/** Most reader slots one lock may have. */
#define S2_EPLOCK_MAX_SLOTS 4096

/**
 * struct s2_eplock - the lock. Set up with s2_eplock_init(); its fields
 * are the lock's own.
 */
struct s2_eplock {
	/** A writer holds the lock or waits for its readers: readers keep
	 * out. Alone on its line, which readers only read. */
	_Alignas(S2_EPLOCK_LINE) atomic_uint writer;
	pthread_mutex_t writers;        /* one writer at a time */
	unsigned int nslots;
	struct s2_eplock_slot *slots;   /* nslots lines */
};

/**
 * s2_eplock_init() - Set up @l with @nslots reader slots (one per vCPU).
 * Return: 0; -S2_EINVAL when @l is NULL or @nslots is 0 or above
 * S2_EPLOCK_MAX_SLOTS; -S2_ENOMEM.
 */
int s2_eplock_init(struct s2_eplock *l, unsigned int nslots);

/**
 * s2_eplock_destroy() - Give back what s2_eplock_init() took. Nobody may
 * hold @l. @l may be set up again afterwards.
 */
void s2_eplock_destroy(struct s2_eplock *l);

/**
 * s2_eplock_read_lock() - Take @l shared on reader slot @slot, waiting
 * while a writer holds or wants it. Only the slot's owner calls it.
 * Return: 0; -S2_EINVAL when @slot is not one of @l's (nothing taken).
 */
int s2_eplock_read_lock(struct s2_eplock *l, unsigned int slot);

/**
 * s2_eplock_read_unlock() - Release what s2_eplock_read_lock() on @slot
 * took. Return: 0; -S2_EINVAL when @slot is not one of @l's or does not
 * hold @l.
 */
int s2_eplock_read_unlock(struct s2_eplock *l, unsigned int slot);

/**
 * s2_eplock_write_lock() - Take @l exclusively: new readers keep out, then
 * wait for every reader slot to empty. Writers take turns.
 */
void s2_eplock_write_lock(struct s2_eplock *l);

/** s2_eplock_write_unlock() - Release what s2_eplock_write_lock() took. */
void s2_eplock_write_unlock(struct s2_eplock *l);

#endif /* S2MM_EPLOCK_H */

/* SPDX-License-Identifier: MIT */
/**
 * @file
 * The protocol of the per-vCPU reader/writer lock, freestanding: the
 * orderings that make it correct, in one place. Two locks are built on it
 * with their own waiting and their own mutex between writers: the host's
 * (host/eplock.c, internal/s2mm/eplock.h: pthreads) and s2hyp's mm_lock
 * (hyp/mmlock.c: one slot per physical CPU, WFE).
 *
 * A reader writes only its own slot and reads the writer flag, a line that
 * stays shared in every reader's cache while no writer comes: the fault
 * path takes no cache line from another CPU. A writer sets the flag and
 * waits for every slot to empty.
 *
 * Why it is correct: the store-buffering (Dekker) pattern.
 *
 *   reader on slot s                  writer
 *   held[s] = 1       (relaxed)       writer = 1          (relaxed)
 *   fence(seq_cst)                    fence(seq_cst)
 *   load writer       (acquire)       load held[i], all i (acquire)
 *
 * Without the fences each side's load may be satisfied before its own
 * store is visible to the other (x86's store buffer does exactly that; so
 * do Arm and POWER), and both would see 0 and both enter. With them, the
 * two seq_cst fences are ordered in the single total order S: if the
 * reader's comes first, the writer's later load of held[s] sees 1 (C11
 * 7.17.3, the rule for a store before one seq_cst fence and a load after
 * another that follows it in S), and the writer waits; if the writer's
 * comes first, the reader sees writer = 1 and backs off. At least one
 * sees the other.
 *
 * On AArch64 GCC and Clang make the fence DMB ISH, the relaxed store STR
 * and the acquire load LDAR. The Arm ARM's memory model (B2.3) orders a
 * store before a later load to another address only through a barrier:
 * LDAR orders the accesses after it, not a plain store before it, so
 * STR; LDAR may be observed as LDAR first, and only the DMB (both
 * accesses "Barrier-ordered-before" across it) keeps the store ahead.
 * (STLR; LDAR would do too: a Store-Release before a Load-Acquire is
 * ordered, the RCsc rule; the fence is what the C11 argument above needs
 * on every architecture.)
 *
 * Why the critical sections are ordered: a reader leaves with a release
 * store of held[s] = 0 that the writer's acquire load reads; the writer
 * leaves with a release store of writer = 0 that a reader's acquire load
 * reads. A reader that saw writer = 0 before any writer came needs no
 * edge: that writer then waits for it.
 *
 * ThreadSanitizer does not model a standalone fence, and would take the
 * relaxed store for a race-free but unordered one: under it the two
 * accesses on each side are seq_cst themselves (the same argument, through
 * S directly), which costs an xchg on the fast path there only.
 */
#ifndef S2MM_EPLOCK_CORE_H
#define S2MM_EPLOCK_CORE_H

#include <stdatomic.h>
#include <stdbool.h>

/** Reader slots are this far apart: two 64-byte lines, as the adjacent-line
 * prefetcher of x86 CPUs pulls lines in pairs (Arm cores have 64-byte
 * lines; CTR_EL0.CWG allows up to 2 KiB, but no core in use has more than
 * 128). */
#define S2_EPLOCK_LINE 128

/** struct s2_eplock_slot - one reader's line: how often it holds the lock. */
struct s2_eplock_slot {
	_Alignas(S2_EPLOCK_LINE) atomic_uint held;
};

#if defined(__SANITIZE_THREAD__)
#define S2_EPLOCK_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define S2_EPLOCK_TSAN 1
#endif
#endif

#ifdef S2_EPLOCK_TSAN
#define S2_EPLOCK_ANNOUNCE memory_order_seq_cst /* the store each side makes */
#define S2_EPLOCK_OBSERVE memory_order_seq_cst  /* the load each side makes */
#define S2_EPLOCK_FENCE() ((void)0)
#else
#define S2_EPLOCK_ANNOUNCE memory_order_relaxed
#define S2_EPLOCK_OBSERVE memory_order_acquire
#define S2_EPLOCK_FENCE() atomic_thread_fence(memory_order_seq_cst)
#endif

/**
 * s2_eplock_read_enter() - One attempt of a reader on the empty slot @s to
 * enter: announce, fence, look for a writer at @writer.
 * Return: true when in; false when a writer holds or wants the lock, and
 * then @s is empty again (the writer may be waiting for it): wait until
 * s2_eplock_writer_busy() is false, and try again.
 */
static inline bool s2_eplock_read_enter(struct s2_eplock_slot *s,
					const atomic_uint *writer)
{
	atomic_store_explicit(&s->held, 1, S2_EPLOCK_ANNOUNCE);
	S2_EPLOCK_FENCE();
	if (!atomic_load_explicit((atomic_uint *)writer, S2_EPLOCK_OBSERVE))
		return true;
	atomic_store_explicit(&s->held, 0, memory_order_release);
	return false;
}

/**
 * s2_eplock_read_leave() - The reader on @s leaves, @held times still
 * inside (0: out). Release: its critical section happens before the writer
 * that reads the 0.
 */
static inline void s2_eplock_read_leave(struct s2_eplock_slot *s,
					unsigned int held)
{
	atomic_store_explicit(&s->held, held, memory_order_release);
}

/** s2_eplock_writer_busy() - Whether a writer holds or wants the lock of
 * flag @writer (a hint for waiting: s2_eplock_read_enter() decides). */
static inline bool s2_eplock_writer_busy(const atomic_uint *writer)
{
	return atomic_load_explicit((atomic_uint *)writer,
				    memory_order_relaxed) != 0;
}

/**
 * s2_eplock_write_enter() - The one writer (writers exclude each other
 * outside this protocol) keeps new readers out: set @writer, fence. Then
 * it waits until s2_eplock_slot_held() is false for every slot.
 */
static inline void s2_eplock_write_enter(atomic_uint *writer)
{
	atomic_store_explicit(writer, 1, S2_EPLOCK_ANNOUNCE);
	S2_EPLOCK_FENCE();
}

/** s2_eplock_slot_held() - Whether a reader is inside on slot @s (acquire:
 * a 0 read is after that reader's critical section). */
static inline bool s2_eplock_slot_held(const struct s2_eplock_slot *s)
{
	return atomic_load_explicit((atomic_uint *)&s->held,
				    S2_EPLOCK_OBSERVE) != 0;
}

/** s2_eplock_write_leave() - The writer leaves: release, its critical
 * section happens before the reader that reads @writer = 0. */
static inline void s2_eplock_write_leave(atomic_uint *writer)
{
	atomic_store_explicit(writer, 0, memory_order_release);
}

#endif /* S2MM_EPLOCK_CORE_H */

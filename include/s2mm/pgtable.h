/* SPDX-License-Identifier: MIT */
/**
 * @file
 * The stage-2 page-table engine: one walker and the operations built on it.
 *
 * Addresses are IPAs (input) and PAs (output). Ranges are [ipa, ipa + size);
 * both must be aligned to the granule. TLB invalidation: every operation
 * that removes or restricts a translation the TLB may hold invalidates it
 * through the ops table before it returns (who invalidates is said per
 * function). Operations on one table are not safe against each other unless
 * said otherwise: the caller serialises them.
 */
#ifndef S2MM_PGTABLE_H
#define S2MM_PGTABLE_H

#include <stdbool.h>
#include <stdint.h>

#include <s2mm/geometry.h>
#include <s2mm/ops.h>

#ifdef __cplusplus
extern "C" {
#endif

/** enum s2_prot - Access permissions and memory type of a mapping. */
enum s2_prot {
	S2_PROT_R = 1 << 0,      /* the guest may read */
	S2_PROT_W = 1 << 1,      /* the guest may write */
	S2_PROT_X = 1 << 2,      /* the guest may execute */
	S2_PROT_DEVICE = 1 << 3, /* Device-nGnRE instead of Normal WB; never executable */
	/**
	 * The leaf's DBM bit (FEAT_HAFDBS, Arm ARM "Hardware management of
	 * the dirty state"): on a CPU running the VM with VTCR_EL2.HD=1, a
	 * write through a leaf with DBM and without S2_PROT_W (writable-clean)
	 * makes the hardware set S2AP[1] (writable-dirty) instead of taking a
	 * permission fault. Ignored by a CPU without HD (writes fault).
	 */
	S2_PROT_DBM = 1 << 4,
	S2_PROT_RW = S2_PROT_R | S2_PROT_W,              /* RAM, no execution */
	S2_PROT_RWX = S2_PROT_R | S2_PROT_W | S2_PROT_X, /* RAM */
};

/** enum s2_map_flags - Flags for s2_pgtable_map(). */
enum s2_map_flags {
	S2_MAP_PAGES = 1 << 0, /* use final-level pages only, no blocks */
	S2_MAP_NOREPLACE = 1 << 1, /* fail with -S2_EEXIST over a valid leaf */
	/**
	 * Shared walk (the fault path): other S2_MAP_SHARED maps, relax and
	 * mkyoung may run concurrently on the same table. Entries are
	 * installed with compare-and-swap; losing a race, or finding the
	 * mapping already in place, returns -S2_EAGAIN (the caller retries,
	 * e.g. lets the vCPU fault again), possibly after installing empty
	 * tables on the way. Replaced tables are freed through
	 * ops->free_deferred.
	 */
	S2_MAP_SHARED = 1 << 2,
};

/**
 * struct s2_pgtable - One stage-2 translation table: a VM's, or any other
 * that the embedder walks. s2_pgtable_init() fills it; the fields are for
 * reading (root_pa for VTTBR_EL2, owner in the TLBI ops).
 */
struct s2_pgtable {
	struct s2_geom geom;          /* its layout */
	const struct s2_mm_ops *ops;  /* the embedder's operations */
	uint64_t *root;   /* virtual address of the root */
	uint64_t root_pa; /* physical address of the root */
	void *owner;      /* embedder's handle (its VM), for the TLBI ops */
};

/** enum s2_walk_flags - Which visit a walker callback is called for. */
enum s2_walk_flags {
	S2_WALK_LEAF = 1 << 0,       /* leaf or invalid entries */
	S2_WALK_TABLE_PRE = 1 << 1,  /* table entries, before their children */
	S2_WALK_TABLE_POST = 1 << 2, /* table entries, after their children */
};

/** struct s2_walk_ctx - What a visitor of s2_pgtable_walk() is shown. */
struct s2_walk_ctx {
	const struct s2_pgtable *pgt; /* the table walked */
	uint64_t *ptep;   /* the entry (may be written by a visitor) */
	uint64_t old;     /* its value when read */
	uint64_t addr;    /* IPA the entry maps (aligned to the level) */
	uint64_t start;   /* the walked range: [start, end) */
	uint64_t end;     /* (its end) */
	int level;        /* the entry's level */
	void *arg;        /* struct s2_walker's arg */
};

/**
 * A visitor returns 0 to go on, S2_WALK_SKIP not to descend into the entry
 * (if it is or became a table), or a negative error that stops the walk.
 * If a LEAF visitor turns the entry into a table, the walker descends into it.
 */
#define S2_WALK_SKIP 1

/** A walker's callback: called for each entry @visit asks for, see S2_WALK_SKIP. */
typedef int (*s2_visitor_fn)(const struct s2_walk_ctx *ctx,
			     enum s2_walk_flags visit);

/** struct s2_walker - A callback and the visits it wants. */
struct s2_walker {
	s2_visitor_fn cb;   /* the visitor */
	void *arg;          /* passed in struct s2_walk_ctx */
	unsigned int flags; /* enum s2_walk_flags: which visits to make */
};

/**
 * s2_pgtable_init() - Allocate an empty root for layout @g.
 * @owner: stored in @pgt->owner for the embedder's TLBI ops.
 * Return: 0 or -S2_ENOMEM, -S2_EINVAL (an ops table without a required
 * operation, or @g not a layout s2_geom_init() makes).
 */
int s2_pgtable_init(struct s2_pgtable *pgt, const struct s2_geom *g,
		    const struct s2_mm_ops *ops, void *owner);

/**
 * s2_pgtable_destroy() - Free every table page and the root.
 * Performs no TLB invalidation: the caller must invalidate the VMID before
 * it is used again (the VMID allocator's rollover does).
 */
void s2_pgtable_destroy(struct s2_pgtable *pgt);

/**
 * s2_pgtable_walk() - Visit the entries covering [@ipa, @ipa + @size).
 * Return: 0, the first negative value a visitor returned, -S2_ERANGE, or
 * -S2_EINVAL (no callback, or flags other than enum s2_walk_flags).
 */
int s2_pgtable_walk(const struct s2_pgtable *pgt, uint64_t ipa, uint64_t size,
		    const struct s2_walker *w);

/**
 * s2_pgtable_map() - Map [@ipa, @ipa + @size) to [@pa, @pa + @size).
 * @prot: enum s2_prot bits; S2_PROT_R or S2_PROT_W or S2_PROT_X needed.
 * @flags: enum s2_map_flags.
 *
 * Uses the largest leaf the level allows where IPA and PA are aligned to it
 * and the range covers it (pages only with S2_MAP_PAGES). Existing leaves in
 * the range are replaced with break-before-make and invalidated by IPA;
 * tables replaced by a block are freed after a VMID-wide invalidation.
 * All table pages are allocated before the first entry changes, so on
 * -S2_ENOMEM the tree is exactly as it was.
 *
 * Return: 0, -S2_EINVAL (alignment, size, prot), -S2_ERANGE (beyond the IPA
 * or PA size), -S2_ENOMEM, -S2_EEXIST (S2_MAP_NOREPLACE), -S2_EAGAIN
 * (S2_MAP_SHARED lost a race).
 */
int s2_pgtable_map(struct s2_pgtable *pgt, uint64_t ipa, uint64_t size,
		   uint64_t pa, unsigned int prot, unsigned int flags);

/**
 * s2_pgtable_unmap() - Remove every mapping in [@ipa, @ipa + @size).
 * Blocks straddling an end of the range are split first (which may need
 * memory: -S2_ENOMEM leaves the tree as it was). Table pages that become
 * empty are freed. Invalidates the TLB (by IPA, or VMID-wide for many
 * entries or freed tables) before returning.
 * Return: 0, -S2_EINVAL, -S2_ERANGE, -S2_ENOMEM.
 */
int s2_pgtable_unmap(struct s2_pgtable *pgt, uint64_t ipa, uint64_t size);

/**
 * s2_pgtable_protect() - Set the permissions of every leaf in the range to
 * @prot's R/W/X (memory type unchanged). Blocks straddling an end of the
 * range are split first. Invalidates as s2_pgtable_unmap() does.
 * Return: 0, -S2_EINVAL, -S2_ERANGE, -S2_ENOMEM.
 */
int s2_pgtable_protect(struct s2_pgtable *pgt, uint64_t ipa, uint64_t size,
		       unsigned int prot);

/**
 * s2_pgtable_wrprotect() - Remove write permission over the range (dirty
 * logging). Same contract as s2_pgtable_protect().
 */
int s2_pgtable_wrprotect(struct s2_pgtable *pgt, uint64_t ipa, uint64_t size);

/**
 * s2_pgtable_relax() - Add the permissions in @prot to the leaf mapping
 * @ipa (after a permission fault), with compare-and-swap: safe against
 * concurrent shared maps, relaxes and mkyoungs. Always invalidates @ipa,
 * even when another vCPU relaxed it first: the faulting CPU may still hold
 * the stricter TLB entry.
 * Return: 0, -S2_ENOENT (no valid leaf), -S2_EINVAL, -S2_ERANGE.
 */
int s2_pgtable_relax(struct s2_pgtable *pgt, uint64_t ipa, unsigned int prot);

/**
 * s2_pgtable_fold() - Give the aligned run of leaves around @ipa the
 * Contiguous hint again (s2_geom_set_contig()), where a change to part of
 * it took the hint off and the run is whole again: every entry a leaf at
 * the level of @ipa's, one output range aligned as the run, the same
 * attributes and permissions (the Access flag may differ), as the hint
 * promises (Arm ARM D8.6.1). Linux's contpte "fold": break-before-make of
 * every entry (each cleared, each invalidated by IPA), then each written
 * back with the hint. @flags: S2_MAP_SHARED to run concurrently with
 * shared maps, relaxes and other folds (each entry claimed with
 * compare-and-swap), else the caller excludes every other change.
 * Return: 0 (the run is hinted, now or already), -S2_ENOENT (no such
 * run: hints off, a level without runs, an entry invalid or different),
 * -S2_EAGAIN (a concurrent change was met; nothing changed), -S2_EINVAL
 * (unknown @flags), -S2_ERANGE (@ipa beyond the IPA size).
 */
int s2_pgtable_fold(struct s2_pgtable *pgt, uint64_t ipa, unsigned int flags);

/**
 * s2_pgtable_mkyoung() - Set the Access flag of the leaf mapping @ipa
 * (after an Access flag fault), with compare-and-swap like
 * s2_pgtable_relax(). No invalidation: entries that fault on
 * the Access flag are never cached in a TLB (Arm ARM D8.16).
 * Return: 0, -S2_ENOENT, -S2_ERANGE (beyond the IPA size).
 */
int s2_pgtable_mkyoung(struct s2_pgtable *pgt, uint64_t ipa);

/**
 * s2_pgtable_test_clear_young() - Clear the Access flag of every leaf in the
 * range; @young (may be NULL) says whether any was set. No invalidation:
 * an ageing hint may be stale, as Linux's is.
 * Return: 0, -S2_EINVAL, -S2_ERANGE.
 */
int s2_pgtable_test_clear_young(struct s2_pgtable *pgt, uint64_t ipa,
				uint64_t size, bool *young);

/**
 * s2_pgtable_lookup() - The leaf that translates @ipa.
 * @desc: receives the descriptor (0 when nothing maps @ipa).
 * @level: receives its level (of the invalid entry when nothing maps it).
 * Return: 0 for a valid leaf, -S2_ENOENT, -S2_ERANGE.
 */
int s2_pgtable_lookup(const struct s2_pgtable *pgt, uint64_t ipa,
		      uint64_t *desc, int *level);

/**
 * s2_pgtable_split() - Split every block overlapping the range into leaves
 * of @level (the next level for a single split, S2_LEVEL_MAX for pages),
 * keeping output addresses and attributes. Each replaced block goes through
 * break-before-make with an invalidation by IPA.
 * Return: 0, -S2_EINVAL, -S2_ERANGE, -S2_ENOMEM (tree unchanged).
 */
int s2_pgtable_split(struct s2_pgtable *pgt, uint64_t ipa, uint64_t size,
		     int level);

/**
 * enum s2_clean_op - What s2_pgtable_clean_dirty() does to the leaves it
 * changes. Each change is one atomic compare-and-swap: the hardware may
 * set S2AP[1] of a DBM leaf at any time (AArch64.S2Translate's dirty
 * update, an atomic AArch64.MemSwapTableDesc), and a plain store over it
 * would lose that write's record.
 */
enum s2_clean_op {
	/* Writable leaves: S2AP[1] cleared, DBM kept (get-and-clear). */
	S2_CLEAN_KEEP,
	/* Writable leaves: S2AP[1] cleared, DBM set: writable-clean leaves
	 * the hardware logs (starting hardware logging). */
	S2_CLEAN_ARM,
	/* Leaves writable or with DBM: both cleared, so that the hardware
	 * can no longer change them (before a change by plain stores). */
	S2_CLEAN_FREEZE,
	/* Leaves with DBM: DBM cleared, S2AP[1] set (logging stops: write
	 * permission back); no invalidation, the permission only grows. */
	S2_CLEAN_RELEASE,
	S2_CLEAN_OPS /* how many */
};

/**
 * s2_pgtable_clean_dirty() - Report and change the dirty state of the
 * leaves in [@ipa, @ipa + @size) (hardware dirty logging).
 * @op: enum s2_clean_op.
 * @bitmap: may be NULL; else receives (atomic OR) one bit per granule page
 *          of every leaf with S2AP[1] set that the pass changes (it looks
 *          only at the leaves @op names: with S2_CLEAN_RELEASE, those with
 *          DBM): bit n is the page at @bitmap_ipa + n * granule. In a range
 *          dirty logging write-protected, those are the pages written since.
 * @bitmap_ipa: granule-aligned, at most @ipa.
 *
 * Blocks straddling an end of the range are split first (-S2_ENOMEM
 * leaves the tree as it was). Every leaf whose write permission or DBM
 * goes is invalidated by IPA (VMID-wide past a batch) before returning:
 * a TLB may hold the writable entry, through which later writes would
 * update neither the descriptor nor fault (Arm ARM, TLB maintenance for
 * the dirty state; Linux clears the dirty state with a compare-and-swap
 * loop, ptep_set_wrprotect(), and flushes before trusting it). A last-level
 * table with no leaf that @op changes is passed over after one read of
 * its descriptors.
 * Return: 0, -S2_EINVAL (alignment, @op, @bitmap_ipa), -S2_ERANGE,
 * -S2_ENOMEM.
 */
int s2_pgtable_clean_dirty(struct s2_pgtable *pgt, uint64_t ipa, uint64_t size,
			   enum s2_clean_op op, uint64_t *bitmap,
			   uint64_t bitmap_ipa);

/**
 * s2_pgtable_desc_prot() - The enum s2_prot bits a leaf descriptor grants
 * (none for an invalid one), S2_PROT_DBM included.
 */
unsigned int s2_pgtable_desc_prot(uint64_t desc);

#ifdef __cplusplus
}
#endif

#endif /* S2MM_PGTABLE_H */

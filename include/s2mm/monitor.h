/* SPDX-License-Identifier: MIT */
/**
 * @file
 * The break-before-make and invalidation monitor: a checker of the rules
 * that keep stale translations out of the TLBs, in the spirit of the
 * Casemate checker built for pKVM.
 *
 * A checked build of libs2mm (compiled with S2MM_MONITOR) reports each
 * descriptor store to a table, the end of each exclusive change and each
 * VMID it hands out through the optional s2_mm_ops.monitor hook; a
 * production build compiles every report out. The embedder forwards those
 * reports to s2_mon_event() and tells the monitor, from its own ops, what
 * it does: each table page allocated and freed, each barrier and each TLB
 * invalidation. The monitor keeps a ghost copy of every table page a walker
 * may reach and, per entry, the invalidation still owed for it, and checks:
 *
 * - a valid entry is replaced by a valid entry that differs in more than
 *   permissions and the access flag only through an invalid entry and a
 *   completed invalidation covering it (Arm ARM D8.14.1, "break-before-make");
 * - an invalidation covers a store only when a DSB came between the store
 *   and the TLBI, and completes only at the DSB ISH after the TLBI
 *   (Arm ARM D8.13.1, "Ordering and completion of TLB maintenance");
 * - an exclusive change returns with no invalidation owed: a removed or
 *   restricted translation may not stay usable (for example a page
 *   write-protected for dirty logging but still writable through the TLB);
 * - a table page unlinked from the tree is freed, reused or linked again
 *   only after a completed invalidation of its whole VMID, since its walk
 *   may be cached for any address below it;
 * - a VMID goes to another VM only after a completed invalidation of every
 *   VMID since the last time it was handed out (the rollover's flush),
 *   and never to two VMs within one generation.
 *
 * Freestanding: the monitor takes its memory from the embedder, so s2hyp
 * can run it as well as the host. Every entry point takes the monitor's
 * own lock, so concurrent fault paths may report at once.
 */
#ifndef S2MM_MONITOR_H
#define S2MM_MONITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct s2_pgtable;

/** enum s2_mon_kind - What a report of the library says happened. */
enum s2_mon_kind {
	S2_MON_TABLE_INIT,    /* @pgt's root is at @ptep, @n bytes long */
	S2_MON_WRITE,         /* @n descriptors from @ptep were just stored */
	S2_MON_DONE,          /* an exclusive change of @pgt returns */
	S2_MON_TABLE_DESTROY, /* @pgt frees its tables; its VM runs no more */
	S2_MON_VMID,          /* @vm was handed VMID @vmid of @generation */
	S2_MON_VMID_INIT,     /* a VMID allocator (re)starts: VMIDs start afresh */
};

/**
 * struct s2_mon_event - One report of a checked library build, passed to
 * s2_mm_ops.monitor. Fields not named by @kind are zero.
 */
struct s2_mon_event {
	enum s2_mon_kind kind;          /* what happened */
	const struct s2_pgtable *pgt;   /* the tables it happened to */
	uint64_t *ptep;                 /* the first descriptor stored, or the root */
	size_t n;                       /* descriptors stored, or the root's bytes */
	const void *vm;                 /* S2_MON_VMID: the VM's struct s2_vmid */
	uint64_t vmid;                  /* S2_MON_VMID: the VMID */
	uint64_t generation;            /* S2_MON_VMID: its generation */
};

/** enum s2_mon_rule - The rule a violation breaks. */
enum s2_mon_rule {
	S2_MON_RULE_BBM,         /* valid -> different valid without a break */
	S2_MON_RULE_BBM_INVAL,   /* made after a break with no invalidation */
	S2_MON_RULE_TLBI_ORDER,  /* invalidation not ordered after the store, or not completed */
	S2_MON_RULE_INVAL_OWED,  /* a change returned with an invalidation owed */
	S2_MON_RULE_TABLE_FREE,  /* a table page freed while walks may reach it */
	S2_MON_RULE_TABLE_REUSE, /* a table page linked or allocated again too soon */
	S2_MON_RULE_VMID_REUSE,  /* a VMID handed on before the flush */
	S2_MON_RULE_VMID_SHARED, /* one VMID held by two VMs in a generation */
	S2_MON_RULE_NOMEM,       /* the monitor ran out of memory: it checks no more */
	S2_MON_RULE_NR,
};

/**
 * struct s2_mon_violation - What the monitor saw break a rule.
 */
struct s2_mon_violation {
	enum s2_mon_rule rule;          /* the rule broken */
	const struct s2_pgtable *pgt;   /* the tables, or NULL (VMID rules) */
	const void *where;              /* the entry, or the table page */
	uint64_t ipa;                   /* the IPA the entry maps from */
	int level;                      /* the entry's level, or -1 */
	uint64_t old, new;              /* descriptors (VMID rules: generations) */
	const void *vm, *other_vm;      /* VMID rules: the VM and the holder */
	const char *why;                /* a short detail */
};

/** A TLBI by IPA with no TTL hint: it covers a leaf at any level. */
#define S2_MON_TTL_NONE (~0u)

/** enum s2_mon_dsb - The barriers an embedder's invalidation uses. */
enum s2_mon_dsb {
	S2_MON_DSB_ISHST, /* DSB ISHST: earlier stores are visible */
	S2_MON_DSB_ISH,   /* DSB ISH: earlier TLBIs are complete too */
};

/**
 * struct s2_mon_mem - Where the monitor's ghost state comes from.
 * @alloc returns @size bytes aligned to 8 (need not be zeroed) or NULL;
 * @free gives them back with their size.
 */
struct s2_mon_mem {
	void *(*alloc)(void *ctx, size_t size);        /* get memory */
	void (*free)(void *ctx, void *p, size_t size); /* give it back */
	void *ctx;                                     /* their first argument */
};

struct s2_mon_page;
struct s2_mon_owner;
struct s2_mon_issued;

/**
 * struct s2_mon - A monitor. Its fields are the monitor's own; allocate
 * it anywhere and set it up with s2_mon_init().
 */
struct s2_mon {
	struct s2_mon_mem mem;          /**< where ghost state comes from */
	/** called for each violation, under the lock */
	void (*report)(void *arg, const struct s2_mon_violation *v);
	void *report_arg;               /**< report's first argument */
	int lock;                       /**< the monitor's spinlock */
	bool off;                       /**< out of memory: stopped checking */
	uint64_t violations;            /**< violations seen */
	uint64_t stores;                /**< descriptor stores checked */
	struct s2_mon_violation first;  /**< the first violation seen */
	struct s2_mon_page **pages;     /**< ghost pages, hashed by address */
	size_t npages;                  /**< ghost pages held */
	size_t cap;                     /**< slots of pages */
	struct s2_mon_page **owed;      /**< pages with an invalidation owed */
	size_t nowed;                   /**< entries of owed used */
	size_t owed_cap;                /**< entries of owed allocated */
	uint64_t dsb_epoch;             /**< DSBs seen so far */
	struct s2_mon_issued *issued;   /**< entries whose TLBI awaits its DSB ISH */
	size_t nissued;                 /**< entries of issued used */
	size_t issued_cap;              /**< entries of issued allocated */
	bool all_issued;                /**< a TLBI of every VMID awaits it */
	uint64_t seq;                   /**< VMID hand-outs and flushes so far */
	uint64_t flush_seq;             /**< seq at the last completed flush */
	struct s2_mon_owner *owners;    /**< per VMID: its last holder */
	size_t nowners;                 /**< entries of owners */
};

/**
 * s2_mon_init() - Set up @m, taking memory from @mem; @report (optional)
 * is called under the monitor's lock for each violation, with @arg.
 * Return: 0, or -S2_EINVAL for a NULL @m or an incomplete @mem.
 */
int s2_mon_init(struct s2_mon *m, const struct s2_mon_mem *mem,
		void (*report)(void *arg, const struct s2_mon_violation *v),
		void *arg);

/** s2_mon_fini() - Give back all of @m's memory. */
void s2_mon_fini(struct s2_mon *m);

/** s2_mon_event() - A report of the library (what s2_mm_ops.monitor forwards). */
void s2_mon_event(struct s2_mon *m, const struct s2_mon_event *ev);

/** s2_mon_alloc() - The embedder's @alloc or @zalloc returned [@va, @va + @size). */
void s2_mon_alloc(struct s2_mon *m, const void *va, size_t size);

/** s2_mon_free() - The library gave [@va, @va + @size) to @free or @free_deferred. */
void s2_mon_free(struct s2_mon *m, const void *va, size_t size);

/** s2_mon_dsb() - This CPU executed the barrier @kind. */
void s2_mon_dsb(struct s2_mon *m, enum s2_mon_dsb kind);

/**
 * s2_mon_tlbi_ipa() - A TLBI of the stage-2 leaf at @level translating
 * @ipa in @pgt's VMID (TLBI IPAS2E1IS with that level as its TTL hint;
 * S2_MON_TTL_NONE: without one).
 */
void s2_mon_tlbi_ipa(struct s2_mon *m, const struct s2_pgtable *pgt,
		     uint64_t ipa, unsigned int level);

/** s2_mon_tlbi_vmid() - A TLBI of every entry of @pgt's VMID (VMALLS12E1IS). */
void s2_mon_tlbi_vmid(struct s2_mon *m, const struct s2_pgtable *pgt);

/** s2_mon_tlbi_all() - A TLBI of every VMID (ALLE1IS). */
void s2_mon_tlbi_all(struct s2_mon *m);

/** s2_mon_violations() - How many violations @m has seen. */
uint64_t s2_mon_violations(const struct s2_mon *m);

/** s2_mon_stores() - How many descriptor stores @m has checked. */
uint64_t s2_mon_stores(const struct s2_mon *m);

/** s2_mon_rule_name() - A short name for @rule ("bbm", "tlbi-order", ...). */
const char *s2_mon_rule_name(enum s2_mon_rule rule);

/**
 * s2_mon_format() - Describe @v in @buf (at most @size bytes, always
 * terminated). Freestanding: no printf needed.
 * Return: the length written.
 */
size_t s2_mon_format(const struct s2_mon_violation *v, char *buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* S2MM_MONITOR_H */

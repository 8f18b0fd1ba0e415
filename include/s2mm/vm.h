/* SPDX-License-Identifier: MIT */
/**
 * @file
 * The hypervisor's memory manager for one VM: its stage-2 tables, memslots,
 * stage-2 abort handling, dirty logging, and unmap/ageing for the host.
 *
 * Concurrency contract (Linux's mmu_lock, read/write): s2_vm_handle_abort()
 * may run on several vCPUs of the same VM at once (each embedder thread
 * holding a shared lock); every other function here needs exclusive access
 * (the embedder's exclusive lock, or no vCPU running). Table pages that a
 * shared walk replaces are freed through ops->free_deferred when the ops
 * table has it (they must outlive every concurrent walker), else at once.
 */
#ifndef S2MM_VM_H
#define S2MM_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <s2mm/geometry.h>
#include <s2mm/ops.h>
#include <s2mm/pgtable.h>
#include <s2mm/vmid.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Memslots a VM holds in struct s2_vm itself (as many as s2hyp's VMs use:
 * RAM, a logged region, a probe); s2_vm_set_slot_storage() gives it room
 * for more.
 */
#define S2_VM_INLINE_SLOTS 3

/** enum s2_slot_flags - What kind of memory a memslot is. */
enum s2_slot_flags {
	S2_SLOT_READONLY = 1 << 0,  /* guest writes exit as MMIO (ROM, flash) */
	S2_SLOT_DIRTY_LOG = 1 << 1, /* set while dirty logging is on (read-only) */
	/**
	 * Backed page by page by the VM's pager (struct s2_pager), not by
	 * contiguous memory at slot->pa (which must be 0): mapped in pages
	 * only, so that the host can take back, share or replace each one
	 * (reclaim, same-page merging, copy-on-write, RAM filled on demand).
	 */
	S2_SLOT_PAGER = 1 << 2,
};

/**
 * enum s2_dirty_log_mode - How s2_vm_dirty_log_enable_mode() logs a slot's
 * writes (docs/embedding.md, "Choosing a dirty-logging method", has the
 * measured trade-off).
 */
enum s2_dirty_log_mode {
	/**
	 * Software: every page write-protected; the first write to a page
	 * in each round takes a permission fault that logs it and makes it
	 * writable; get-and-clear write-protects the pages it reports.
	 */
	S2_DIRTY_LOG_SW,
	/**
	 * Hardware (FEAT_HAFDBS, VTCR_EL2.HD=1; s2_vm_set_hw_update()): every
	 * page writable-clean (DBM set, S2AP[1] clear), so that the CPU
	 * marks each page it writes dirty by setting S2AP[1], without a
	 * fault; get-and-clear scans every descriptor of the slot, reports
	 * and cleans the dirty ones.
	 */
	S2_DIRTY_LOG_HW,
	/**
	 * Both: pages start write-protected as with S2_DIRTY_LOG_SW; a
	 * page's first write fault logs it and leaves it writable-dirty with
	 * DBM, so that the hardware logs it from then on. Get-and-clear scans
	 * only the last-level tables holding such pages (a summary bit per
	 * table), not the whole slot: writes to the pages a guest keeps
	 * writing fault once, and the scan is as large as that working set.
	 */
	S2_DIRTY_LOG_HYBRID,
	S2_DIRTY_LOG_MODES /* how many */
};

/**
 * enum s2_hw_update - What the CPU updates in stage-2 descriptors by
 * itself (FEAT_HAFDBS), as the embedder runs its VMs: s2_vm_set_hw_update().
 */
enum s2_hw_update {
	S2_HW_AF = 1 << 0,    /* the Access flag: VTCR_EL2.HA=1 */
	S2_HW_DIRTY = 1 << 1, /* the dirty state: VTCR_EL2.HD=1 (and HA) */
};

/**
 * struct s2_memslot - A region of IPA space backed by contiguous host
 * physical memory (or, for S2_SLOT_PAGER, page by page by the pager).
 */
struct s2_memslot {
	uint32_t id;        /* the embedder's name for it, unique in the VM */
	uint32_t flags;     /* enum s2_slot_flags */
	uint64_t ipa;       /* granule-aligned */
	uint64_t size;      /* granule multiple */
	uint64_t pa;        /* host PA backing ipa; granule-aligned */
	uint64_t *dirty;    /* while logging: one bit per granule page */
	/* Set while logging (read-only): */
	uint32_t dirty_mode;     /* enum s2_dirty_log_mode */
	uint64_t *dirty_tables;  /* hardware modes: a bit per last-level table
				  * that may hold dirty pages (after the dirty
				  * page words, in the embedder's bitmap) */
};

/**
 * struct s2_vm_stats - Fault counters: a VM's (vm->stats), or a vCPU's
 * (struct s2_abort).
 */
struct s2_vm_stats {
	uint64_t translation, permission, access_flag, s1ptw; /* faults by kind */
	uint64_t mmio, retry, inject; /* aborts by what they ended in */
	uint64_t block_maps, page_maps; /* leaves mapped by faults, by size */
};

/**
 * struct s2_pager - The embedder's backing of S2_SLOT_PAGER slots: its record of which host
 * page holds each guest page (a VMM's "host page table").
 */
struct s2_pager {
	/**
	 * @page: the host page backing the granule page of @ipa in @slot,
	 * for an access that writes if @write. Called on a translation fault
	 * (and S1PTW) in the slot, and on every write permission fault there:
	 * a page shared read-only breaks its sharing by answering with a
	 * fresh copy (copy-on-write). *@pa: the page's PA; *@writable: false
	 * maps it read-only (a shared page), so that the next write asks
	 * again with @write. Concurrent faults on one IPA may each call it:
	 * it must answer with the same page until the embedder changes its
	 * record, which it does under its exclusive lock or here.
	 * Return: 0; -S2_EAGAIN: no page now (the vCPU retries while the
	 * embedder frees memory); any other negative code fails the abort
	 * with it, nothing mapped.
	 */
	int (*page)(void *arg, const struct s2_memslot *slot, uint64_t ipa,
		    bool write, uint64_t *pa, bool *writable);
	void *arg;      /* @page's first argument */
};

/**
 * struct s2_dirty_ring - A vCPU's own record of the pages its write faults
 * dirtied in logged slots (KVM's dirty ring serves the same end): marking
 * a page there is two plain stores, where the slot's bitmap takes an
 * atomic OR on a line every vCPU logging into it shares. The embedder
 * owns the storage and attaches the ring to the VM once
 * (s2_vm_dirty_ring_attach()), then passes it with each of the vCPU's
 * aborts (struct s2_abort.ring). The library moves its entries into the
 * slots' bitmaps wherever it reads or changes them under the exclusive
 * lock (s2_vm_dirty_log_get_clear(), s2_vm_dirty_log_disable(), slot
 * removal and moves), so a bitmap is never read without them. A full ring
 * marks the bitmap instead, counted in @overflows.
 * @ipa:       storage for @size entries (the embedder's)
 * @size:      its entries
 * @used:      entries in use (the library's)
 * @overflows: marks made in the bitmap because the ring was full
 * @vm:        the VM it is attached to (the library's)
 * @next:      the VM's next ring (the library's)
 */
struct s2_dirty_ring {
	uint64_t *ipa;
	uint32_t size;
	uint32_t used;
	uint64_t overflows;
	const struct s2_vm *vm;
	struct s2_dirty_ring *next;
};

/**
 * struct s2_vm - One VM's memory. s2_vm_init() sets it up; read the
 * fields, change them only through the functions below.
 */
struct s2_vm {
	struct s2_pgtable pgt;      /* its stage-2 tables */
	struct s2_vmid vmid;        /* for s2_vmid_update() */
	struct s2_memslot *slots;   /* in no particular order: inline_slots,
				     * or s2_vm_set_slot_storage()'s */
	unsigned int nslots;        /* slots in use */
	unsigned int max_slots;     /* room in @slots */
	struct s2_vm_stats stats;   /* faults whose s2_abort had no stats */
	struct s2_pager pager;      /* s2_vm_set_pager() */
	bool lazy_split;            /* s2_vm_set_eager_split() */
	unsigned int hw_update;     /* enum s2_hw_update: s2_vm_set_hw_update() */
	struct s2_dirty_ring *rings; /* s2_vm_dirty_ring_attach() */
	struct s2_memslot inline_slots[S2_VM_INLINE_SLOTS]; /* few: every VM
				     * pays for them (one in 2M blocks has
				     * three table pages); more come from
				     * the embedder */
};

/**
 * struct s2_abort - What the CPU gives the hypervisor with a stage-2 abort (EC 0x20/0x24).
 * @hpfar holds the faulting IPA's page in HPFAR_EL2's format:
 *  - HPFAR_EL2 itself where s2_hpfar_valid(@esr);
 *  - where s2_hpfar_needs_at(@esr) (a permission fault not on a stage-1
 *    walk, for which the CPU leaves HPFAR_EL2 UNKNOWN), FAR_EL2 resolved
 *    with AT S1E1R and s2_hpfar_from_par(), as KVM does;
 *  - otherwise anything (0): s2_vm_handle_abort() injects those aborts
 *    without looking at the IPA.
 */
struct s2_abort {
	uint64_t esr;          /* ESR_EL2 */
	uint64_t far;          /* FAR_EL2 */
	uint64_t hpfar;        /* HPFAR_EL2 (see above) */
	const uint64_t *regs;  /* guest X0..X30, for an MMIO write's value; may be NULL */
	/**
	 * The faulting vCPU's own counters, updated without atomics; NULL
	 * counts in the VM's stats atomically, a cache line all vCPUs share
	 * (which costs parallel faults their scaling).
	 */
	struct s2_vm_stats *stats;
	/**
	 * The faulting vCPU's dirty ring (attached to this VM), which its
	 * write faults in logged slots mark without atomics; NULL marks the
	 * slot's bitmap atomically.
	 */
	struct s2_dirty_ring *ring;
};

/** enum s2_exit_reason - What the vCPU loop does after an abort. */
enum s2_exit_reason {
	S2_EXIT_RESUME,         /* handled: return to the guest, same instruction */
	S2_EXIT_RETRY,          /* already handled by another vCPU (or spurious) */
	S2_EXIT_MMIO,           /* emulate @mmio, then skip the instruction */
	S2_EXIT_CANNOT_EMULATE, /* MMIO without a valid syndrome (ESR ISV=0) */
	S2_EXIT_INJECT,         /* inject the abort in @inject_esr at @ipa */
};

/**
 * struct s2_mmio - A decoded MMIO access (from ESR ISS: ISV, SAS, SSE,
 * SRT, SF, WnR).
 */
struct s2_mmio {
	uint64_t ipa;          /* the IPA accessed */
	unsigned int size;     /* bytes: 1, 2, 4 or 8 */
	bool write;            /* WnR: a store */
	bool sign_extend;      /* SSE: loads sign-extend */
	bool sf;               /* SF: the register is 64-bit */
	unsigned int reg;      /* SRT; 31 is XZR */
	uint64_t value;        /* writes: the value stored (when regs given) */
};

/** struct s2_exit - s2_vm_handle_abort()'s answer. */
struct s2_exit {
	enum s2_exit_reason reason; /* what to do */
	uint64_t ipa;          /* faulting IPA (its page only, for S1PTW) */
	struct s2_mmio mmio;   /* S2_EXIT_MMIO, S2_EXIT_CANNOT_EMULATE */
	uint64_t inject_esr;   /* S2_EXIT_INJECT: ESR_EL1 for an AArch64 guest
				* (an AArch32 guest's DFSR/IFSR is the embedder's
				* to derive) */
};

/**
 * s2_hpfar_valid() - Whether the CPU wrote the faulting IPA to HPFAR_EL2
 * for the abort whose ESR_EL2 is @esr.
 *
 * For a data or instruction abort from a lower Exception level (EC 0x24,
 * 0x20; a guest's, with HCR_EL2.TGE=0, is a stage-2 fault), the Arm ARM's
 * rule (IPAValid()): on a stage-1 walk (ISS.S1PTW) for translation,
 * Access flag, permission and address size faults; otherwise for
 * translation, Access flag and address size faults, not permission ones.
 * Any level, -1 (FEAT_LPA2) included. False for every other syndrome
 * (external aborts, alignment, TLB conflicts, other exception classes).
 */
bool s2_hpfar_valid(uint64_t esr);

/**
 * s2_hpfar_needs_at() - Whether the abort whose ESR_EL2 is @esr is one
 * s2_vm_handle_abort() needs the IPA of although HPFAR_EL2 is UNKNOWN:
 * a stage-2 permission fault not on a stage-1 walk. The embedder then
 * translates FAR_EL2 with AT S1E1R (the guest's stage 1 still loaded)
 * and passes s2_hpfar_from_par()'s result in struct s2_abort. Never
 * true where s2_hpfar_valid() is; for an abort where neither is, an AT
 * might fault again (an external abort on the walk): pass 0 instead.
 */
bool s2_hpfar_needs_at(uint64_t esr);

/**
 * s2_hpfar_from_ipa() - HPFAR_EL2 as the CPU writes it for a fault on
 * @ipa: FIPA = @ipa[51:12], the page offset and bits above 51 dropped,
 * NS = 0 (the Non-secure state s2mm runs in).
 */
uint64_t s2_hpfar_from_ipa(uint64_t ipa);

/**
 * s2_hpfar_from_par() - HPFAR_EL2 for the IPA an AT S1E1R or S1E0R left
 * in PAR_EL1 (@par, the 64-bit format): its PA[51:12] become FIPA.
 * PAR_EL1.NS is not carried over (UNKNOWN for a Non-secure regime).
 * @hpfar: receives the value; untouched on error.
 * Return: 0, -S2_EFAULT when PAR_EL1.F says the AT faulted (the guest
 * changed its stage 1 meanwhile, or a stage-1 table left stage 2: let
 * the guest retry the access), -S2_EINVAL for a NULL @hpfar.
 */
int s2_hpfar_from_par(uint64_t par, uint64_t *hpfar);

/**
 * s2_vm_init() - Create a VM's memory: allocate its stage-2 root.
 * Return: 0, -S2_EINVAL, -S2_ENOMEM.
 */
int s2_vm_init(struct s2_vm *vm, const struct s2_geom *g,
	       const struct s2_mm_ops *ops);

/**
 * s2_vm_destroy() - Unmap everything and free every table page and the
 * root. The caller releases the VMID (s2_vmid_release()) after its vCPUs
 * are stopped; no TLB invalidation is made here (see s2_pgtable_destroy).
 */
void s2_vm_destroy(struct s2_vm *vm);

/**
 * s2_vm_vttbr() - VTTBR_EL2 for this VM with @vmid (from s2_vmid_update()).
 */
uint64_t s2_vm_vttbr(const struct s2_vm *vm, uint16_t vmid);

/**
 * s2_vm_set_pager() - Set the pager that backs S2_SLOT_PAGER slots
 * (copied). Only while the VM has no such slot.
 * Return: 0, -S2_EINVAL (NULL, or no page function), -S2_EBUSY (a pager
 * slot exists).
 */
int s2_vm_set_pager(struct s2_vm *vm, const struct s2_pager *pager);

/**
 * s2_vm_set_eager_split() - Whether enabling dirty logging splits every
 * block of the slot into pages at once (@eager, the default) or leaves
 * the blocks write-protected and splits each on its first write fault
 * (lazy: a cheaper start, a split on the fault path; KVM's eager split
 * chunk size 0). Only while no slot is logging.
 * Return: 0, -S2_EINVAL (NULL), -S2_EBUSY (a slot is logging).
 */
int s2_vm_set_eager_split(struct s2_vm *vm, bool eager);

/**
 * s2_vm_set_hw_update() - Say what the CPU updates in descriptors by itself
 * as the embedder runs this VM: @features, enum s2_hw_update bits; 0 (the
 * default) for a CPU without FEAT_HAFDBS (ID_AA64MMFR1_EL1.HAFDBS=0).
 * S2_HW_AF needs HAFDBS >= 1, S2_HW_DIRTY HAFDBS >= 2 and implies
 * S2_HW_AF. The embedder ORs s2_vm_vtcr_hw() into the VM's VTCR_EL2.
 * With S2_HW_AF, s2_vm_test_clear_young() ages pages without Access flag
 * faults (the CPU sets AF again on the next access); with S2_HW_DIRTY,
 * s2_vm_dirty_log_enable_mode() accepts the hardware modes. The library
 * changes descriptors the CPU may update with compare-and-swap only.
 * Return: 0, -S2_EINVAL (NULL, unknown bits), -S2_EBUSY (taking
 * S2_HW_DIRTY away while a slot logs by hardware; nothing changed).
 */
int s2_vm_set_hw_update(struct s2_vm *vm, unsigned int features);

/**
 * s2_vm_vtcr_hw() - The VTCR_EL2 bits (HA, HD) for what
 * s2_vm_set_hw_update() was told.
 */
uint64_t s2_vm_vtcr_hw(const struct s2_vm *vm);

/**
 * s2_vm_slot_add() - Add a memslot (copied; dirty and dirty_tables must be NULL). Nothing is
 * mapped: the guest's first access faults it in. An S2_SLOT_PAGER slot
 * needs the VM's pager set and pa 0.
 * Return: 0, -S2_EINVAL (misaligned, empty, bad flags, a pager slot
 * without a pager or with a pa), -S2_ERANGE (beyond the IPA or PA size),
 * -S2_EEXIST (id in use or IPA overlap), -S2_ENOMEM (vm->max_slots
 * reached: S2_VM_INLINE_SLOTS, or what s2_vm_set_slot_storage() gave).
 */
int s2_vm_slot_add(struct s2_vm *vm, const struct s2_memslot *slot);

/**
 * s2_vm_set_slot_storage() - Hold the VM's memslots in @storage, room for
 * @n of them, instead of its S2_VM_INLINE_SLOTS (as the model's TLB holds
 * its entries in the caller's storage): an embedder with many slots pays
 * for them, one with few does not. The slots in use are copied over. The
 * storage must outlive the VM (or the next call); the VM does not free it.
 * Return: 0, -S2_EINVAL (@storage NULL, or @n below the slots in use;
 * nothing changed).
 */
int s2_vm_set_slot_storage(struct s2_vm *vm, struct s2_memslot *storage, unsigned int n);

/**
 * s2_vm_slot_remove() - Remove slot @id and unmap its range (invalidated).
 * Return: 0, -S2_ENOENT, -S2_ENOMEM (a block straddling the slot's edge
 * could not be split; nothing changed).
 */
int s2_vm_slot_remove(struct s2_vm *vm, uint32_t id);

/**
 * s2_vm_slot_move() - Move slot @id to @new_ipa (same backing): its old
 * range is unmapped; the new one faults in.
 * Return: 0, -S2_ENOENT, -S2_EINVAL, -S2_ERANGE, -S2_EEXIST, -S2_ENOMEM.
 */
int s2_vm_slot_move(struct s2_vm *vm, uint32_t id, uint64_t new_ipa);

/** s2_vm_slot_find() - The slot containing @ipa, or NULL. */
const struct s2_memslot *s2_vm_slot_find(const struct s2_vm *vm, uint64_t ipa);

/**
 * s2_vm_handle_abort() - Handle a stage-2 abort: classify it from the
 * syndrome and act, saying in @exit what the vCPU loop does next.
 *  - translation fault in a slot: map it with the largest block the level
 *    allows where IPA and PA line up and the block stays in the slot
 *    (pages only while the slot is dirty-logged); in a pager slot, the
 *    page the pager gives;
 *  - fault on a stage-1 table walk (S1PTW): the same (tables are RAM);
 *  - permission fault on a write to a dirty-logged page: make it writable,
 *    mark it dirty, invalidate its TLB entry (a block not yet split,
 *    lazy splitting: map that page writable inside it); in a pager slot
 *    the page the pager gives for the write (copy-on-write); on a
 *    read-only slot: MMIO;
 *  - access flag fault: set AF;
 *  - a data access outside every slot: MMIO (or CANNOT_EMULATE without
 *    ISV); a fetch or a stage-1 walk outside every slot: INJECT;
 *  - beyond the IPA size, or anything else: INJECT.
 * The VM's pgt.owner is the struct s2_vm itself (for the ops' TLBIs).
 * Counters: translation counts every stage-2 translation fault, mmio
 * those that exited as MMIO.
 * Safe against concurrent calls for the same VM (see the file comment).
 * Return: 0 with @exit filled; -S2_ENOMEM (retry later or kill the VM;
 * nothing changed), -S2_EINVAL for an ESR that is not a stage-2 abort.
 */
int s2_vm_handle_abort(struct s2_vm *vm, const struct s2_abort *abt,
		       struct s2_exit *exit);

/**
 * s2_mmio_load_value() - The register value for an MMIO load of @raw:
 * truncated to the access size, sign-extended if SSE, limited to 32 bits
 * unless SF (Arm ARM: ISS.SSE and ISS.SF); 0 for a size of 0.
 */
uint64_t s2_mmio_load_value(const struct s2_mmio *m, uint64_t raw);

/**
 * s2_vm_dirty_log_words() - The 64-bit words of the bitmap
 * s2_vm_dirty_log_enable_mode() needs for slot @id in @mode: one bit per
 * granule page, and for the hardware modes one per last-level table after
 * them. 0 for an unknown slot or mode.
 */
size_t s2_vm_dirty_log_words(const struct s2_vm *vm, uint32_t id,
			     enum s2_dirty_log_mode mode);

/**
 * s2_vm_dirty_log_enable_mode() - Start dirty logging on slot @id by
 * @mode. Dirty logging maps pages only, as KVM's does: the slot's blocks
 * are split into pages first (a dirty block would report every page of
 * it); S2_DIRTY_LOG_SW may leave that to each block's first write
 * (s2_vm_set_eager_split()), the hardware modes always split at once.
 * Then every writable page is write-protected (S2_DIRTY_LOG_SW,
 * S2_DIRTY_LOG_HYBRID) or made writable-clean (S2_DIRTY_LOG_HW), and
 * invalidated. @bitmap, @words 64-bit words, at least
 * s2_vm_dirty_log_words() (zeroed by this call): its first words receive
 * the dirty pages, bit n for the page at slot->ipa + n granules, until
 * disabled; the library keeps its table summary in the rest.
 * Return: 0, -S2_ENOENT, -S2_EINVAL (NULL or short bitmap, unknown mode,
 * read-only slot, a pager slot in a hardware mode), -S2_ENOTSUP (a
 * hardware mode without S2_HW_DIRTY from s2_vm_set_hw_update()),
 * -S2_EBUSY (already logging), -S2_ENOMEM (nothing changed but blocks
 * split).
 */
int s2_vm_dirty_log_enable_mode(struct s2_vm *vm, uint32_t id, uint64_t *bitmap,
				size_t words, enum s2_dirty_log_mode mode);

/**
 * s2_vm_dirty_log_enable() - s2_vm_dirty_log_enable_mode() with
 * S2_DIRTY_LOG_SW.
 */
int s2_vm_dirty_log_enable(struct s2_vm *vm, uint32_t id, uint64_t *bitmap,
			   size_t words);

/**
 * s2_vm_dirty_log_get_clear() - Copy slot @id's dirty pages into @out
 * (@words 64-bit words, at least one bit per page) and clean them, so
 * that every later write is caught again: write-protected (software),
 * or S2AP[1] cleared with DBM kept (hardware: the descriptors the CPU
 * marked are found by scanning, the whole slot in S2_DIRTY_LOG_HW, the
 * tables in the summary in S2_DIRTY_LOG_HYBRID). Every page it cleans is
 * invalidated before it returns, so a write after the return is in the
 * next round.
 * Return: 0, -S2_ENOENT, -S2_EINVAL (not logging, @out too small).
 */
int s2_vm_dirty_log_get_clear(struct s2_vm *vm, uint32_t id, uint64_t *out,
			      size_t words);

/**
 * s2_vm_dirty_ring_attach() - Attach @ring (struct s2_dirty_ring: @ipa
 * and @size set, @vm NULL, as a zeroed struct or one detached leaves it;
 * the rest anything) to @vm, empty; exclusive lock.
 * Return: 0; -S2_EINVAL for NULL, no storage, or a ring attached already
 * (to any VM: its @vm is set).
 */
int s2_vm_dirty_ring_attach(struct s2_vm *vm, struct s2_dirty_ring *ring);

/**
 * s2_vm_dirty_ring_detach() - Move @ring's entries into the bitmaps and
 * detach it from @vm; exclusive lock. s2_vm_destroy() detaches every ring.
 * Return: 0; -S2_EINVAL for NULL, -S2_ENOENT if not attached to @vm.
 */
int s2_vm_dirty_ring_detach(struct s2_vm *vm, struct s2_dirty_ring *ring);

/**
 * s2_vm_dirty_log_disable() - Stop logging on slot @id; pages stay mapped
 * and later faults may map blocks again. Software: pages stay
 * write-protected until their next write fault. Hardware modes: the
 * pages the CPU marked since the last get-and-clear are added to the
 * bitmap (the embedder's to read), and every writable-clean page gets
 * write permission back (DBM cleared), without a fault.
 * Return: 0, -S2_ENOENT, -S2_EINVAL (not logging).
 */
int s2_vm_dirty_log_disable(struct s2_vm *vm, uint32_t id);

/**
 * s2_vm_unmap() - Unmap an IPA range for the host (an MMU notifier):
 * the next guest access faults it in again. Invalidates. In a slot
 * logged by hardware, the pages the CPU marked dirty are added to its
 * bitmap first (as for s2_vm_wrprotect(), s2_vm_slot_remove(),
 * s2_vm_slot_move()).
 * Return: as s2_pgtable_unmap().
 */
int s2_vm_unmap(struct s2_vm *vm, uint64_t ipa, uint64_t size);

/**
 * s2_vm_wrprotect() - Remove write permission over an IPA range
 * (invalidated): the next guest write takes a permission fault, handled
 * as s2_vm_handle_abort() says (a pager slot asks its pager). For a host
 * that must read a page the guest cannot change meanwhile (comparing
 * pages before merging them).
 * Return: as s2_pgtable_wrprotect().
 */
int s2_vm_wrprotect(struct s2_vm *vm, uint64_t ipa, uint64_t size);

/**
 * s2_vm_map_page() - Map the granule page of @ipa, in an S2_SLOT_PAGER
 * slot, onto host page @pa, replacing whatever maps it (break-before-make,
 * invalidated): the host changed its record of that page (merged it into
 * a shared page, moved it). Writable only if @writable, the slot is not
 * read-only and not dirty-logged (a logged page gets W on its first write
 * fault, which logs it).
 * Return: 0, -S2_EINVAL (misaligned), -S2_ENOENT (not in a pager slot),
 * -S2_ERANGE, -S2_ENOMEM (nothing changed).
 */
int s2_vm_map_page(struct s2_vm *vm, uint64_t ipa, uint64_t pa, bool writable);

/**
 * s2_vm_test_clear_young() - Test and clear the Access flag over a range
 * (each with compare-and-swap: with S2_HW_AF the CPU sets it again on the
 * next access, without a fault, and with S2_HW_DIRTY it may mark the page
 * dirty meanwhile).
 * Return: as s2_pgtable_test_clear_young().
 */
int s2_vm_test_clear_young(struct s2_vm *vm, uint64_t ipa, uint64_t size,
			   bool *young);

#ifdef __cplusplus
}
#endif

#endif /* S2MM_VM_H */

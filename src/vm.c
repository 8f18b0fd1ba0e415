/* SPDX-License-Identifier: MIT */
/*
 * The hypervisor's memory manager for one VM: memslots, stage-2 abort
 * handling (the shape of Linux's kvm_handle_guest_abort/user_mem_abort),
 * dirty logging.
 */
#include <s2mm/arch.h>
#include <s2mm/error.h>
#include <s2mm/vm.h>

#include "pgtable_edges.h"

/*
 * Where a fault is counted: the vCPU's own counters when the embedder
 * passes them (no shared cache line on the fault path), else the VM's,
 * atomically.
 */
struct counting {
	struct s2_vm_stats *st;
	bool shared;
	struct s2_dirty_ring *ring; /* the vCPU's, attached to the VM; or NULL */
};

#define COUNT(cnt, field)                                                      \
	do {                                                                   \
		if ((cnt)->shared)                                             \
			__atomic_add_fetch(&(cnt)->st->field, 1, __ATOMIC_RELAXED); \
		else                                                           \
			(cnt)->st->field++;                                    \
	} while (0)

static uint64_t granule_size(const struct s2_vm *vm)
{
	return 1ULL << vm->pgt.geom.granule_shift;
}

static int freeze_hw_logged(struct s2_vm *vm, uint64_t ipa, uint64_t size);

int s2_vm_init(struct s2_vm *vm, const struct s2_geom *g,
	       const struct s2_mm_ops *ops)
{
	if (!vm || !g || !ops)
		return -S2_EINVAL;
	struct s2_vm fresh = { .nslots = 0, .max_slots = S2_VM_INLINE_SLOTS };
	*vm = fresh;
	vm->slots = vm->inline_slots;
	s2_vmid_vm_init(&vm->vmid);
	return s2_pgtable_init(&vm->pgt, g, ops, vm);
}

void s2_vm_destroy(struct s2_vm *vm)
{
	if (!vm)
		return;
	s2_pgtable_destroy(&vm->pgt);
	vm->nslots = 0;
	while (vm->rings) {
		struct s2_dirty_ring *r = vm->rings;
		vm->rings = r->next;
		r->next = NULL;
		r->vm = NULL;
		r->used = 0;
	}
}

uint64_t s2_vm_vttbr(const struct s2_vm *vm, uint16_t vmid)
{
	return s2_geom_vttbr(&vm->pgt.geom, vm->pgt.root_pa, vmid);
}

/* ------------------------------------------------------------------------ */
/* Memslots.                                                                */
/* ------------------------------------------------------------------------ */

static struct s2_memslot *slot_by_id(struct s2_vm *vm, uint32_t id)
{
	for (unsigned int i = 0; i < vm->nslots; i++)
		if (vm->slots[i].id == id)
			return &vm->slots[i];
	return NULL;
}

/* Inline: every abort looks its IPA up. */
static inline const struct s2_memslot *slot_find(const struct s2_vm *vm,
						 uint64_t ipa)
{
	for (unsigned int i = 0; i < vm->nslots; i++) {
		const struct s2_memslot *s = &vm->slots[i];
		if (ipa >= s->ipa && ipa - s->ipa < s->size)
			return s;
	}
	return NULL;
}

const struct s2_memslot *s2_vm_slot_find(const struct s2_vm *vm, uint64_t ipa)
{
	return slot_find(vm, ipa);
}

/* ------------------------------------------------------------------------ */
/* Dirty rings.                                                             */
/* ------------------------------------------------------------------------ */

/*
 * Move @r's entries into the bitmaps of the slots logging them now; an
 * entry whose slot went away or stopped logging is dropped (its bitmap
 * was the embedder's, and is no longer read). Exclusive lock.
 */
static void ring_flush(struct s2_vm *vm, struct s2_dirty_ring *r)
{
	for (uint32_t i = 0; i < r->used; i++) {
		const struct s2_memslot *s = slot_find(vm, r->ipa[i]);
		if (!s || !(s->flags & S2_SLOT_DIRTY_LOG))
			continue;
		uint64_t page = (r->ipa[i] - s->ipa) >> vm->pgt.geom.granule_shift;
		s->dirty[page / 64] |= 1ULL << (page % 64);
	}
	r->used = 0;
}

/* Every attached ring's entries into the bitmaps, before they are read. */
static void rings_flush(struct s2_vm *vm)
{
	for (struct s2_dirty_ring *r = vm->rings; r; r = r->next)
		ring_flush(vm, r);
}

int s2_vm_dirty_ring_attach(struct s2_vm *vm, struct s2_dirty_ring *ring)
{
	if (!vm || !ring || !ring->ipa || !ring->size)
		return -S2_EINVAL;
	for (struct s2_dirty_ring *r = vm->rings; r; r = r->next)
		if (r == ring)
			return -S2_EINVAL;
	if (ring->vm)
		return -S2_EINVAL;
	ring->used = 0;
	ring->overflows = 0;
	ring->vm = vm;
	ring->next = vm->rings;
	vm->rings = ring;
	return 0;
}

int s2_vm_dirty_ring_detach(struct s2_vm *vm, struct s2_dirty_ring *ring)
{
	if (!vm || !ring)
		return -S2_EINVAL;
	for (struct s2_dirty_ring **p = &vm->rings; *p; p = &(*p)->next) {
		if (*p != ring)
			continue;
		ring_flush(vm, ring);
		*p = ring->next;
		ring->next = NULL;
		ring->vm = NULL;
		return 0;
	}
	return -S2_ENOENT;
}

/* Whether [ipa, ipa + size) fits the VM and misses every slot but @skip. */
static int check_slot_range(const struct s2_vm *vm, uint64_t ipa, uint64_t size,
			    uint64_t pa, const struct s2_memslot *skip)
{
	const struct s2_geom *g = &vm->pgt.geom;
	uint64_t gmask = granule_size(vm) - 1;

	if (!size || (ipa | size | pa) & gmask)
		return -S2_EINVAL;
	if (ipa >= s2_geom_ipa_limit(g) || size > s2_geom_ipa_limit(g) - ipa ||
	    pa >= (1ULL << g->pa_bits) || size > (1ULL << g->pa_bits) - pa)
		return -S2_ERANGE;
	for (unsigned int i = 0; i < vm->nslots; i++) {
		const struct s2_memslot *s = &vm->slots[i];
		if (s != skip && ipa < s->ipa + s->size && s->ipa < ipa + size)
			return -S2_EEXIST;
	}
	return 0;
}

int s2_vm_set_pager(struct s2_vm *vm, const struct s2_pager *pager)
{
	if (!vm || !pager || !pager->page)
		return -S2_EINVAL;
	for (unsigned int i = 0; i < vm->nslots; i++)
		if (vm->slots[i].flags & S2_SLOT_PAGER)
			return -S2_EBUSY;
	vm->pager = *pager;
	return 0;
}

int s2_vm_set_eager_split(struct s2_vm *vm, bool eager)
{
	if (!vm)
		return -S2_EINVAL;
	for (unsigned int i = 0; i < vm->nslots; i++)
		if (vm->slots[i].flags & S2_SLOT_DIRTY_LOG)
			return -S2_EBUSY;
	vm->lazy_split = !eager;
	return 0;
}

static bool logs_by_hw(const struct s2_memslot *s)
{
	return (s->flags & S2_SLOT_DIRTY_LOG) && s->dirty_mode != S2_DIRTY_LOG_SW;
}

int s2_vm_set_hw_update(struct s2_vm *vm, unsigned int features)
{
	if (!vm || (features & ~(unsigned int)(S2_HW_AF | S2_HW_DIRTY)))
		return -S2_EINVAL;
	/* FEAT_HAFDBS: HD without HA is not a level the CPU reports. */
	if (features & S2_HW_DIRTY)
		features |= S2_HW_AF;
	if (!(features & S2_HW_DIRTY))
		for (unsigned int i = 0; i < vm->nslots; i++)
			if (logs_by_hw(&vm->slots[i]))
				return -S2_EBUSY;
	vm->hw_update = features;
	return 0;
}

uint64_t s2_vm_vtcr_hw(const struct s2_vm *vm)
{
	return (vm->hw_update & S2_HW_AF ? VTCR_EL2_HA : 0) |
	       (vm->hw_update & S2_HW_DIRTY ? VTCR_EL2_HD : 0);
}

int s2_vm_slot_add(struct s2_vm *vm, const struct s2_memslot *slot)
{
	if (!slot || slot->dirty || slot->dirty_tables ||
	    (slot->flags & ~(S2_SLOT_READONLY | S2_SLOT_PAGER)))
		return -S2_EINVAL;
	if ((slot->flags & S2_SLOT_PAGER) && (!vm->pager.page || slot->pa))
		return -S2_EINVAL;
	int ret = check_slot_range(vm, slot->ipa, slot->size, slot->pa, NULL);
	if (ret)
		return ret;
	if (slot_by_id(vm, slot->id))
		return -S2_EEXIST;
	if (vm->nslots == vm->max_slots)
		return -S2_ENOMEM;
	vm->slots[vm->nslots++] = *slot;
	return 0;
}

int s2_vm_set_slot_storage(struct s2_vm *vm, struct s2_memslot *storage, unsigned int n)
{
	if (!vm || !storage || n < vm->nslots)
		return -S2_EINVAL;
	for (unsigned int i = 0; i < vm->nslots; i++)
		storage[i] = vm->slots[i];
	vm->slots = storage;
	vm->max_slots = n;
	return 0;
}

int s2_vm_slot_remove(struct s2_vm *vm, uint32_t id)
{
	struct s2_memslot *s = slot_by_id(vm, id);

	if (!s)
		return -S2_ENOENT;
	int ret = freeze_hw_logged(vm, s->ipa, s->size);
	if (!ret)
		ret = s2_pgtable_unmap(&vm->pgt, s->ipa, s->size);
	if (ret)
		return ret;
	rings_flush(vm); /* its pages' entries, while they find it */
	*s = vm->slots[--vm->nslots];
	return 0;
}

int s2_vm_slot_move(struct s2_vm *vm, uint32_t id, uint64_t new_ipa)
{
	struct s2_memslot *s = slot_by_id(vm, id);

	if (!s)
		return -S2_ENOENT;
	int ret = check_slot_range(vm, new_ipa, s->size, s->pa, s);
	if (ret)
		return ret;
	ret = freeze_hw_logged(vm, s->ipa, s->size);
	if (!ret)
		ret = s2_pgtable_unmap(&vm->pgt, s->ipa, s->size);
	if (ret)
		return ret;
	rings_flush(vm); /* entries hold the old IPAs */
	s->ipa = new_ipa;
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Stage-2 aborts.                                                          */
/* ------------------------------------------------------------------------ */

uint64_t s2_mmio_load_value(const struct s2_mmio *m, uint64_t raw)
{
	unsigned int bits = m->size * 8;

	/* No bytes, no value (an access of size 0 is no access). */
	if (!bits)
		return 0;
	if (bits < 64)
		raw &= (1ULL << bits) - 1;
	if (m->sign_extend && bits < 64 && (raw >> (bits - 1)) & 1)
		raw |= ~0ULL << bits;
	/* ISS.SF=0: a W register; the upper half is zero. */
	if (!m->sf)
		raw &= 0xffffffffULL;
	return raw;
}

/* Decode an MMIO access from the data abort ISS (Arm ARM D19.2.37). */
static void decode_mmio(const struct s2_abort *abt, uint64_t ipa,
			struct s2_exit *exit)
{
	uint64_t esr = abt->esr;
	struct s2_mmio *m = &exit->mmio;

	m->ipa = ipa;
	m->write = esr & ESR_ISS_DA_WnR;
	if (S2_FIELD_GET(ESR_ELx_EC, esr) != ESR_ELx_EC_DABT_LOW ||
	    !(esr & ESR_ISS_DA_ISV)) {
		/* No syndrome to emulate from (e.g. a load pair, or a fetch). */
		exit->reason = S2_EXIT_CANNOT_EMULATE;
		return;
	}
	m->size = 1u << S2_FIELD_GET(ESR_ISS_DA_SAS, esr);
	m->sign_extend = esr & ESR_ISS_DA_SSE;
	m->sf = esr & ESR_ISS_DA_SF;
	m->reg = (unsigned int)S2_FIELD_GET(ESR_ISS_DA_SRT, esr);
	m->value = 0;
	if (m->write && abt->regs && m->reg != 31) {
		m->value = abt->regs[m->reg];
		if (m->size < 8)
			m->value &= (1ULL << (m->size * 8)) - 1;
	}
	exit->reason = S2_EXIT_MMIO;
}

/*
 * The abort to inject: a synchronous external abort on the data access or
 * instruction fetch, as taken from EL1 (Linux's inject_abt64). An embedder
 * whose guest was at EL0 uses EC 0x24/0x20 instead.
 */
static void inject(const struct counting *cnt, const struct s2_abort *abt,
		   struct s2_exit *exit)
{
	bool iabt = S2_FIELD_GET(ESR_ELx_EC, abt->esr) == ESR_ELx_EC_IABT_LOW;

	exit->reason = S2_EXIT_INJECT;
	exit->inject_esr =
		S2_FIELD_PREP(ESR_ELx_EC, iabt ? ESR_ELx_EC_IABT_CUR : ESR_ELx_EC_DABT_CUR) |
		ESR_ELx_IL | FSC_SEA;
	COUNT(cnt, inject);
}

/*
 * The largest leaf for @ipa in @slot: where IPA and PA line up modulo the
 * block size, the block stays inside the slot and the level allows blocks
 * (Linux user_mem_abort's rule). Pages only while dirty logging.
 */
static uint64_t fault_map_size(const struct s2_vm *vm,
			       const struct s2_memslot *slot, uint64_t ipa)
{
	const struct s2_geom *g = &vm->pgt.geom;
	uint64_t size = granule_size(vm);

	if (slot->flags & (S2_SLOT_DIRTY_LOG | S2_SLOT_PAGER))
		return size;
	for (int l = S2_LEVEL_MAX - 1; l >= g->start_level; l--) {
		uint64_t bs = s2_geom_level_size(g, l);
		uint64_t base = ipa & ~(bs - 1);
		if (!s2_geom_leaf_allowed(g, l) || ((slot->pa - slot->ipa) & (bs - 1)) ||
		    base < slot->ipa || base + bs > slot->ipa + slot->size)
			break;
		size = bs;
	}
	return size;
}

/* The span of IPA space one last-level table maps: a summary bit's. */
static unsigned int table_shift(const struct s2_vm *vm)
{
	return s2_geom_level_shift(&vm->pgt.geom, S2_LEVEL_MAX - 1);
}

/*
 * A hardware-logged slot: the last-level table of @ipa may hold pages the
 * CPU marks dirty. Before the page is given DBM, so that no get-and-clear
 * can miss it.
 */
static void mark_table(const struct s2_vm *vm, const struct s2_memslot *slot,
		       uint64_t ipa)
{
	uint64_t t = (ipa >> table_shift(vm)) - (slot->ipa >> table_shift(vm));

	__atomic_fetch_or(&slot->dirty_tables[t / 64], 1ULL << (t % 64),
			  __ATOMIC_RELAXED);
}

/*
 * With Contiguous hints (s2_geom_set_contig()), the whole aligned run of
 * @size leaves around @ipa, when the slot holds it with its output aligned
 * as the run: one fault maps the run, hinted, where its entries are all
 * invalid. Else @size.
 */
static uint64_t fault_run_size(const struct s2_vm *vm,
			       const struct s2_memslot *slot, uint64_t ipa,
			       uint64_t size)
{
	const struct s2_geom *g = &vm->pgt.geom;
	int l = S2_LEVEL_MAX;

	if (!g->contig || (slot->flags & (S2_SLOT_DIRTY_LOG | S2_SLOT_PAGER)))
		return size;
	while (s2_geom_level_size(g, l) < size)
		l--;
	unsigned int cs = s2_geom_contig_shift(g, l);
	uint64_t rs = 1ULL << cs, base = ipa & ~(rs - 1);
	if (!cs || ((slot->pa - slot->ipa) & (rs - 1)) || base < slot->ipa ||
	    base + rs > slot->ipa + slot->size)
		return size;
	return rs;
}

/*
 * With Contiguous hints, a leaf just made or relaxed may make its run
 * whole again (a run written page by page after dirty logging stopped, or
 * mapped page by page after a race): give it the hint back. Not while the
 * slot logs (its pages change one by one) nor in a pager's slot (its
 * pages come from anywhere).
 */
static __attribute__((noinline, cold)) void
refold(struct s2_vm *vm, const struct s2_memslot *slot, uint64_t ipa)
{
	if (!(slot->flags & (S2_SLOT_DIRTY_LOG | S2_SLOT_PAGER)))
		(void)s2_pgtable_fold(&vm->pgt, ipa, S2_MAP_SHARED);
}

/*
 * Mark @ipa's page dirty: in the vCPU's ring while it has room (its own
 * lines, no atomic), else in the slot's bitmap.
 */
static inline __attribute__((always_inline)) void
mark_dirty(const struct s2_vm *vm, const struct counting *cnt,
	   const struct s2_memslot *slot, uint64_t ipa)
{
	struct s2_dirty_ring *r = cnt->ring;
	uint64_t page = (ipa - slot->ipa) >> vm->pgt.geom.granule_shift;

	if (r) {
		if (r->used < r->size) {
			r->ipa[r->used++] = ipa;
			return;
		}
		r->overflows++;
	}
	__atomic_fetch_or(&slot->dirty[page / 64], 1ULL << (page % 64),
			  __ATOMIC_RELAXED);
}

/* The vCPU faults again: another one got there first, or no page yet. */
static int retry(const struct counting *cnt, enum s2_exit_reason *reason)
{
	*reason = S2_EXIT_RETRY;
	COUNT(cnt, retry);
	return 0;
}

/*
 * Ask the pager for the page of @ipa (granule-aligned). -S2_EAGAIN from it
 * becomes a retry; a page it will not make writable for a write is its
 * error (the write would fault forever).
 */
static int pager_page(struct s2_vm *vm, const struct counting *cnt,
		      const struct s2_memslot *slot, uint64_t ipa, bool write,
		      uint64_t *pa, bool *writable, enum s2_exit_reason *reason)
{
	uint64_t gmask = granule_size(vm) - 1;
	int ret = vm->pager.page(vm->pager.arg, slot, ipa, write, pa, writable);

	*reason = S2_EXIT_RESUME;
	if (ret == -S2_EAGAIN)
		return retry(cnt, reason);
	if (ret)
		return ret;
	if ((*pa & gmask) || (write && !*writable))
		return -S2_EINVAL;
	return 0;
}

static int wrprotected_leaf(const struct s2_walk_ctx *ctx,
			    enum s2_walk_flags visit)
{
	(void)visit;
	return (ctx->old & DESC_VALID) && !(ctx->old & S2_DESC_S2AP_W) ?
	       -S2_EPERM : 0;
}

/*
 * Whether a page of [@base, @base + @size) is mapped without write
 * permission: s2_vm_wrprotect() (or dirty logging) left it so, and its
 * next write must fault, which a writable block over it would undo.
 */
static bool holds_wrprotected(const struct s2_vm *vm, uint64_t base,
			      uint64_t size)
{
	const struct s2_walker w = { .cb = wrprotected_leaf, .flags = S2_WALK_LEAF };

	return s2_pgtable_walk(&vm->pgt, base, size, &w) == -S2_EPERM;
}

/*
 * A translation fault (or S1PTW) inside @slot: map it. *@reason: resume, or
 * retry (a race lost, no page yet).
 */
static int fault_in(struct s2_vm *vm, const struct counting *cnt,
		    const struct s2_memslot *slot, uint64_t ipa, bool write,
		    enum s2_exit_reason *reason)
{
	uint64_t gsz = granule_size(vm);
	bool logging = slot->flags & S2_SLOT_DIRTY_LOG;
	uint64_t leaf = fault_map_size(vm, slot, ipa);
	uint64_t size = fault_run_size(vm, slot, ipa, leaf);
	uint64_t base = ipa & ~(size - 1);
	uint64_t pa = slot->pa + (base - slot->ipa);
	bool writable = true;
	int ret;

	if (slot->flags & S2_SLOT_PAGER) {
		ret = pager_page(vm, cnt, slot, base, write, &pa, &writable, reason);
		if (ret || *reason == S2_EXIT_RETRY)
			return ret;
	}
	unsigned int prot = S2_PROT_R | S2_PROT_X;
	/* Read-only slots never get W; logged pages only on a write fault,
	 * which is then the write that dirties them. */
	if (writable && !(slot->flags & S2_SLOT_READONLY) && (!logging || write))
		prot |= S2_PROT_W;
	/* Hardware logging: all pages, or (hybrid) those written, get DBM. */
	if (logging && (slot->dirty_mode == S2_DIRTY_LOG_HW ||
			(slot->dirty_mode == S2_DIRTY_LOG_HYBRID && write))) {
		prot |= S2_PROT_DBM;
		mark_table(vm, slot, ipa);
	}
	/* Pages of the block's region still write-protected: this one alone. */
	if (size > gsz && (prot & S2_PROT_W) && holds_wrprotected(vm, base, size)) {
		size = gsz;
		base = ipa & ~(size - 1);
		pa = slot->pa + (base - slot->ipa);
	}
	ret = s2_pgtable_map(&vm->pgt, base, size, pa, prot, S2_MAP_SHARED);
	if (ret == -S2_EAGAIN && size > leaf) {
		/*
		 * Part of the run is mapped (or claimed): the faulting leaf
		 * alone, so that a run left half-mapped cannot fault forever.
		 */
		size = leaf;
		base = ipa & ~(size - 1);
		pa = slot->pa + (base - slot->ipa);
		ret = s2_pgtable_map(&vm->pgt, base, size, pa, prot, S2_MAP_SHARED);
	}
	if (ret == -S2_EAGAIN)
		/* Another vCPU mapped it (or is changing it) meanwhile. */
		return retry(cnt, reason);
	if (ret)
		return ret;
	if (logging && write)
		mark_dirty(vm, cnt, slot, ipa);
	if (size > gsz)
		COUNT(cnt, block_maps);
	else
		COUNT(cnt, page_maps);
	if (__builtin_expect(vm->pgt.geom.contig, 0) && size <= leaf)
		refold(vm, slot, base);   /* not a hinted run already */
	*reason = S2_EXIT_RESUME;
	return 0;
}

/*
 * A write permission fault in @slot (not read-only): the page is
 * write-protected for dirty logging (or was left so after logging
 * stopped), shared by the pager, or an unsplit block of a lazily split
 * logged slot. Logged pages are marked first, so that no write lands on
 * a writable page unlogged.
 */
static int write_fault(struct s2_vm *vm, const struct counting *cnt,
		       const struct s2_memslot *slot, uint64_t ipa,
		       struct s2_exit *exit)
{
	uint64_t gsz = granule_size(vm), page = ipa & ~(gsz - 1);
	bool logging = slot->flags & S2_SLOT_DIRTY_LOG;
	bool pager = slot->flags & S2_SLOT_PAGER;
	uint64_t desc, pa = slot->pa + (page - slot->ipa);
	bool writable = true, replace = false;
	int level = S2_LEVEL_MAX, ret;

	exit->reason = S2_EXIT_RESUME;
	/*
	 * Only a pager slot (its page may have moved) or a lazily split
	 * logged slot (the leaf may be a block) needs the leaf: the common
	 * case, eager logging, relaxes in one walk.
	 */
	if (pager || (logging && vm->lazy_split)) {
		ret = s2_pgtable_lookup(&vm->pgt, page, &desc, &level);
		if (ret == -S2_ENOENT) {
			/* Unmapped meanwhile: the retry faults it in. */
			exit->reason = S2_EXIT_RETRY;
			return 0;
		}
		if (ret)
			return ret;
		replace = level != S2_LEVEL_MAX;
	}
	if (pager) {
		ret = pager_page(vm, cnt, slot, page, true, &pa, &writable,
				 &exit->reason);
		if (ret || exit->reason == S2_EXIT_RETRY)
			return ret;
		replace |= s2_geom_desc_to_oa(&vm->pgt.geom, desc) != pa;
	}
	unsigned int prot = S2_PROT_W;
	if (logging)
		mark_dirty(vm, cnt, slot, page);
	/*
	 * Logged by hardware: a page frozen by a host operation, or (hybrid)
	 * written for the first time. With DBM the CPU logs its next rounds.
	 */
	if (logging && slot->dirty_mode != S2_DIRTY_LOG_SW) {
		mark_table(vm, slot, page);
		prot |= S2_PROT_DBM;
	}
	if (!replace) {
		ret = s2_pgtable_relax(&vm->pgt, page, prot);
		/* -S2_EAGAIN: its Contiguous run was changing. */
		if (ret == -S2_ENOENT || ret == -S2_EAGAIN) {
			exit->reason = S2_EXIT_RETRY;
			ret = 0;
		} else if (!ret && __builtin_expect(vm->pgt.geom.contig, 0)) {
			refold(vm, slot, page);
		}
		return ret;
	}
	/*
	 * A new page (copy-on-write), or one page of a block that logging
	 * write-protected whole: map it writable (break-before-make; the
	 * rest of the block keeps its mapping read-only).
	 */
	ret = s2_pgtable_map(&vm->pgt, page, gsz, pa, S2_PROT_RWX,
			     S2_MAP_SHARED | S2_MAP_PAGES);
	if (ret == -S2_EAGAIN)
		return retry(cnt, &exit->reason);
	if (!ret)
		COUNT(cnt, page_maps);
	return ret;
}

/*
 * The kind of a stage-2 fault status code (Arm ARM D19.2.40, ISS.DFSC):
 * FSC_TRANSLATION, FSC_PERMISSION or FSC_ACCESS_FLAG at any level,
 * including level -1 (FEAT_LPA2: translation 0x2b; access flag and
 * permission at level 0 are 0x08 and 0x0c); anything else (address size,
 * external aborts, alignment, TLB conflicts, reserved codes) is returned
 * as it is, and injected.
 */
static uint64_t fault_type(uint64_t fsc)
{
	if (fsc == FSC_TRANSLATION_LM1)
		return FSC_TRANSLATION;
	switch (fsc & FSC_TYPE_MASK) {
	case FSC_TRANSLATION:
	case FSC_PERMISSION:
	case FSC_ACCESS_FLAG:
		return fsc & FSC_TYPE_MASK;
	default:
		return fsc;
	}
}

/* A stage-2 abort's syndrome, decoded. */
struct fault {
	uint64_t ipa;    /* faulting IPA (its page only, for S1PTW) */
	uint64_t fsc;    /* fault_type() of the fault status code */
	bool s1ptw;      /* on a stage-1 walk */
	bool iabt;       /* an instruction abort */
	bool write;      /* to be handled as a write */
};

static inline void count_translation(const struct counting *cnt, const struct fault *f)
{
	if (f->s1ptw)
		COUNT(cnt, s1ptw);
	else
		COUNT(cnt, translation);
}

/*
 * Every abort but a translation fault in a slot that maps it: beyond the
 * IPA size, outside every slot, a write to a read-only slot, permission and
 * Access flag faults, and the rest.
 */
static int abort_other(struct s2_vm *vm, const struct counting *cnt,
		       const struct s2_abort *abt, const struct fault *f,
		       const struct s2_memslot *slot, struct s2_exit *exit)
{
	struct s2_exit out = { .reason = S2_EXIT_RESUME, .ipa = f->ipa };
	int ret = 0;

	if (f->ipa >= s2_geom_ipa_limit(&vm->pgt.geom)) {
		inject(cnt, abt, &out);
		*exit = out;
		return 0;
	}
	switch (f->fsc) {
	case FSC_TRANSLATION:
		count_translation(cnt, f);
		/*
		 * Outside every slot, or a write to a read-only one (a fetch
		 * or a stage-1 walk's translation fault never writes). A
		 * stage-1 table or an instruction fetch outside RAM cannot be
		 * emulated: the guest gets an external abort (a prefetch
		 * abort for the fetch), as under KVM.
		 */
		if (f->s1ptw || f->iabt) {
			inject(cnt, abt, &out);
		} else {
			decode_mmio(abt, f->ipa, &out);
			COUNT(cnt, mmio);
		}
		break;
	case FSC_PERMISSION:
		COUNT(cnt, permission);
		if (!slot) {
			inject(cnt, abt, &out);
		} else if (f->write && (slot->flags & S2_SLOT_READONLY)) {
			/* A walk's update of tables in ROM cannot be emulated. */
			if (f->s1ptw) {
				inject(cnt, abt, &out);
			} else {
				decode_mmio(abt, f->ipa, &out);
				COUNT(cnt, mmio);
			}
		} else if (f->write) {
			ret = write_fault(vm, cnt, slot, f->ipa, &out);
		} else {
			/*
			 * Reads and fetches are always granted in a slot: the
			 * CPU used a stale entry (or another vCPU changed it).
			 * Relaxing (a no-op on the descriptor) invalidates the
			 * entry, so the retry walks afresh.
			 */
			ret = s2_pgtable_relax(&vm->pgt, f->ipa,
					       f->iabt ? S2_PROT_X : S2_PROT_R);
			if (ret == -S2_ENOENT || ret == -S2_EAGAIN)
				ret = 0;
			out.reason = S2_EXIT_RETRY;
		}
		break;
	case FSC_ACCESS_FLAG:
		COUNT(cnt, access_flag);
		ret = s2_pgtable_mkyoung(&vm->pgt, f->ipa);
		if (ret == -S2_ENOENT) {
			out.reason = S2_EXIT_RETRY;
			ret = 0;
		}
		break;
	default:
		/* Address size, external aborts, alignment, TLB conflicts. */
		inject(cnt, abt, &out);
		break;
	}
	if (ret)
		return ret;
	*exit = out;
	return 0;
}

int s2_vm_handle_abort(struct s2_vm *vm, const struct s2_abort *abt,
		       struct s2_exit *exit)
{
	if (!vm || !abt || !exit)
		return -S2_EINVAL;
	uint64_t esr = abt->esr;
	uint64_t ec = S2_FIELD_GET(ESR_ELx_EC, esr);
	if (ec != ESR_ELx_EC_DABT_LOW && ec != ESR_ELx_EC_IABT_LOW)
		return -S2_EINVAL;

	struct counting cnt = { abt->stats ? abt->stats : &vm->stats, !abt->stats,
				abt->ring && abt->ring->vm == vm ? abt->ring : NULL };
	struct fault f = {
		.fsc = fault_type(S2_FIELD_GET(ESR_ISS_DA_DFSC, esr)),
		.s1ptw = esr & ESR_ISS_DA_S1PTW,
		.iabt = ec == ESR_ELx_EC_IABT_LOW,
	};
	/*
	 * A stage-1 walk's permission fault is a write: its hardware update
	 * of a descriptor's Access flag or dirty state (FEAT_HAFDBS), reads
	 * of a slot being always granted (as KVM's kvm_is_write_fault()
	 * has it, whatever WnR says). Its translation fault maps for a read.
	 */
	f.write = f.s1ptw ? f.fsc == FSC_PERMISSION :
			    !f.iabt && (esr & ESR_ISS_DA_WnR);
	/*
	 * Faulting IPA = HPFAR_EL2.FIPA:FAR[11:0] (Arm ARM D19.2.58); on a
	 * stage-1 walk FAR holds the access's VA, so only the page is known.
	 */
	f.ipa = S2_FIELD_GET(HPFAR_EL2_FIPA, abt->hpfar) << 12;
	if (!f.s1ptw)
		f.ipa |= abt->far & 0xfff;

	/*
	 * The common case, RAM to map, first. A slot lies inside the IPA
	 * size (check_slot_range()), so finding one checks that too.
	 */
	const struct s2_memslot *slot = slot_find(vm, f.ipa);
	if (f.fsc != FSC_TRANSLATION || !slot ||
	    (f.write && (slot->flags & S2_SLOT_READONLY)))
		return abort_other(vm, &cnt, abt, &f, slot, exit);
	count_translation(&cnt, &f);
	enum s2_exit_reason reason;
	int ret = fault_in(vm, &cnt, slot, f.ipa, f.write, &reason);
	if (ret)
		return ret;
	*exit = (struct s2_exit){ .reason = reason, .ipa = f.ipa };
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Dirty logging.                                                           */
/* ------------------------------------------------------------------------ */

static size_t bitmap_words(const struct s2_vm *vm, const struct s2_memslot *s)
{
	uint64_t pages = s->size >> vm->pgt.geom.granule_shift;

	return (size_t)((pages + 63) / 64);
}

/* Last-level tables [@ipa, @ipa + @size) spans, in part or whole. */
static uint64_t table_count(const struct s2_vm *vm, const struct s2_memslot *s)
{
	unsigned int ts = table_shift(vm);

	return ((s->ipa + s->size - 1) >> ts) - (s->ipa >> ts) + 1;
}

static size_t words_for(const struct s2_vm *vm, const struct s2_memslot *s,
			enum s2_dirty_log_mode mode)
{
	size_t w = bitmap_words(vm, s);

	if (mode != S2_DIRTY_LOG_SW)
		w += (size_t)((table_count(vm, s) + 63) / 64);
	return w;
}

size_t s2_vm_dirty_log_words(const struct s2_vm *vm, uint32_t id,
			     enum s2_dirty_log_mode mode)
{
	if (!vm || (unsigned int)mode >= S2_DIRTY_LOG_MODES)
		return 0;
	const struct s2_memslot *s = slot_by_id((struct s2_vm *)vm, id);

	return s ? words_for(vm, s, mode) : 0;
}

/*
 * Before a host operation changes [@ipa, @ipa + @size) with plain stores:
 * in every slot logged by hardware there, move the CPU's marks into the
 * bitmap and take DBM away (S2_CLEAN_FREEZE), so that the CPU cannot mark
 * a descriptor between the operation's read and its store. A page left
 * mapped is logged by its next write fault, which gives DBM back.
 */
static int freeze_hw_logged(struct s2_vm *vm, uint64_t ipa, uint64_t size)
{
	bool any = false;

	for (unsigned int i = 0; i < vm->nslots; i++)
		any |= logs_by_hw(&vm->slots[i]) && ipa < vm->slots[i].ipa + vm->slots[i].size &&
		       vm->slots[i].ipa < ipa + size;
	if (!any)
		return 0;
	/*
	 * The operation's splits first: then it needs no memory, and an
	 * -S2_ENOMEM comes before the clean below, leaving the tree as it was.
	 */
	int ret = s2_pgtable_split_edges(&vm->pgt, ipa, size);
	if (ret)
		return ret;
	for (unsigned int i = 0; i < vm->nslots; i++) {
		struct s2_memslot *s = &vm->slots[i];
		if (!logs_by_hw(s) || ipa >= s->ipa + s->size || s->ipa >= ipa + size)
			continue;
		uint64_t lo = ipa > s->ipa ? ipa : s->ipa;
		uint64_t hi = ipa + size < s->ipa + s->size ? ipa + size : s->ipa + s->size;
		uint64_t gmask = granule_size(vm) - 1;
		lo &= ~gmask;
		hi = (hi + gmask) & ~gmask;
		int ret = s2_pgtable_clean_dirty(&vm->pgt, lo, hi - lo,
						 S2_CLEAN_FREEZE, s->dirty, s->ipa);
		if (ret)
			return ret;
	}
	return 0;
}

int s2_vm_dirty_log_enable_mode(struct s2_vm *vm, uint32_t id, uint64_t *bitmap,
				size_t words, enum s2_dirty_log_mode mode)
{
	if (!vm)
		return -S2_EINVAL;
	struct s2_memslot *s = slot_by_id(vm, id);

	if (!s)
		return -S2_ENOENT;
	if ((unsigned int)mode >= S2_DIRTY_LOG_MODES || !bitmap ||
	    words < words_for(vm, s, mode) || (s->flags & S2_SLOT_READONLY))
		return -S2_EINVAL;
	if (s->flags & S2_SLOT_DIRTY_LOG)
		return -S2_EBUSY;
	bool hw = mode != S2_DIRTY_LOG_SW;
	/* The pager shares pages read-only: DBM would let writes past it. */
	if (hw && (s->flags & S2_SLOT_PAGER))
		return -S2_EINVAL;
	if (hw && !(vm->hw_update & S2_HW_DIRTY))
		return -S2_ENOTSUP;
	/*
	 * Pages only, as KVM logs (a block the CPU marked dirty would report
	 * all its pages). Eager splitting: the first write to each page then
	 * costs a permission fault only (or nothing, by hardware), not a
	 * split under the fault path. Lazy (software only): write_fault()
	 * splits a block at its first write.
	 */
	int ret = vm->lazy_split && !hw ? 0 :
		  s2_pgtable_split(&vm->pgt, s->ipa, s->size, S2_LEVEL_MAX);
	if (ret)
		return ret;
	/* Before logging starts: a block straddling the slot's edge would
	 * need a split, which may fail; then nothing has changed. */
	if (mode == S2_DIRTY_LOG_HW)
		ret = s2_pgtable_clean_dirty(&vm->pgt, s->ipa, s->size,
					     S2_CLEAN_ARM, NULL, s->ipa);
	else
		ret = s2_pgtable_wrprotect(&vm->pgt, s->ipa, s->size);
	if (ret)
		return ret;
	size_t pw = bitmap_words(vm, s);
	for (size_t i = 0; i < words_for(vm, s, mode); i++)
		bitmap[i] = 0;
	s->dirty = bitmap;
	s->dirty_tables = hw ? bitmap + pw : NULL;
	if (mode == S2_DIRTY_LOG_HW) {
		/* Every table may hold pages the CPU marks. */
		uint64_t n = table_count(vm, s);
		for (uint64_t t = 0; t < n; t++)
			s->dirty_tables[t / 64] |= 1ULL << (t % 64);
	}
	s->dirty_mode = mode;
	s->flags |= S2_SLOT_DIRTY_LOG;
	return 0;
}

int s2_vm_dirty_log_enable(struct s2_vm *vm, uint32_t id, uint64_t *bitmap,
			   size_t words)
{
	return s2_vm_dirty_log_enable_mode(vm, id, bitmap, words, S2_DIRTY_LOG_SW);
}

/* Whether any of the bitmap's bits [@first, @first + @n) is set. */
static bool any_bit(const uint64_t *bitmap, uint64_t first, uint64_t n)
{
	for (uint64_t b = first; b < first + n;) {
		uint64_t bits = bitmap[b / 64] >> (b % 64);
		uint64_t take = 64 - b % 64 < first + n - b ? 64 - b % 64 : first + n - b;
		if (take < 64)
			bits &= (1ULL << take) - 1;
		if (bits)
			return true;
		b += take;
	}
	return false;
}

/*
 * The hybrid method's round for summary table @t, [@lo, @hi) of the slot:
 * clean it; if no page of it was written this round (by fault or by the
 * CPU: none in the bitmap), take DBM away from its pages and drop it from
 * the summary, so that the next rounds' scans skip it until a write
 * faults there again. The freeze reports a page the CPU marked after the
 * clean, so nothing is lost in between.
 */
static int harvest_table(struct s2_vm *vm, struct s2_memslot *s, uint64_t t,
			 uint64_t lo, uint64_t hi)
{
	unsigned int gs = vm->pgt.geom.granule_shift;
	int ret = s2_pgtable_clean_dirty(&vm->pgt, lo, hi - lo, S2_CLEAN_KEEP,
					 s->dirty, s->ipa);

	if (ret || any_bit(s->dirty, (lo - s->ipa) >> gs, (hi - lo) >> gs))
		return ret;
	ret = s2_pgtable_clean_dirty(&vm->pgt, lo, hi - lo, S2_CLEAN_FREEZE,
				     s->dirty, s->ipa);
	if (!ret)
		s->dirty_tables[t / 64] &= ~(1ULL << (t % 64));
	return ret;
}

/*
 * Move the CPU's marks into the slot's bitmap: clean every table the
 * summary names (S2_DIRTY_LOG_HW: all of them, a run of consecutive ones
 * in one walk; hybrid get-and-clear: one by one, see harvest_table()).
 */
static int harvest(struct s2_vm *vm, struct s2_memslot *s, enum s2_clean_op op)
{
	unsigned int ts = table_shift(vm);
	uint64_t n = table_count(vm, s), first = s->ipa >> ts;
	uint64_t end = s->ipa + s->size;
	bool per_table = op == S2_CLEAN_KEEP && s->dirty_mode == S2_DIRTY_LOG_HYBRID;

	for (uint64_t t = 0; t < n;) {
		if (!(s->dirty_tables[t / 64] >> (t % 64) & 1)) {
			t++;
			continue;
		}
		uint64_t run = t + 1;
		while (!per_table && run < n &&
		       (s->dirty_tables[run / 64] >> (run % 64) & 1))
			run++;
		uint64_t lo = (first + t) << ts, hi = (first + run) << ts;
		if (lo < s->ipa)
			lo = s->ipa;
		if (hi > end)
			hi = end;
		int ret = per_table ? harvest_table(vm, s, t, lo, hi) :
			  s2_pgtable_clean_dirty(&vm->pgt, lo, hi - lo, op,
						 s->dirty, s->ipa);
		if (ret)
			return ret;
		t = run;
	}
	return 0;
}

int s2_vm_dirty_log_get_clear(struct s2_vm *vm, uint32_t id, uint64_t *out,
			      size_t words)
{
	if (!vm)
		return -S2_EINVAL;
	struct s2_memslot *s = slot_by_id(vm, id);

	if (!s)
		return -S2_ENOENT;
	if (!(s->flags & S2_SLOT_DIRTY_LOG) || !out || words < bitmap_words(vm, s))
		return -S2_EINVAL;
	rings_flush(vm);
	if (s->dirty_mode != S2_DIRTY_LOG_SW) {
		/*
		 * The pages the CPU marked, cleaned (DBM kept) and invalidated
		 * before the bitmap is read: a write after this is either in
		 * the bitmap now or marks its descriptor for the next round.
		 * Those the fault path logged are in the bitmap already, and
		 * cleaned here too (it left them writable-dirty).
		 */
		int ret = harvest(vm, s, S2_CLEAN_KEEP);
		if (ret)
			return ret;
		for (size_t w = 0; w < bitmap_words(vm, s); w++)
			out[w] = __atomic_exchange_n(&s->dirty[w], 0, __ATOMIC_RELAXED);
		return 0;
	}
	uint64_t gsz = granule_size(vm);
	for (size_t w = 0; w < bitmap_words(vm, s); w++) {
		uint64_t mask = __atomic_exchange_n(&s->dirty[w], 0, __ATOMIC_RELAXED);
		out[w] = mask;
		/* Write-protect each run of reported pages again. */
		while (mask) {
			unsigned int first = (unsigned int)__builtin_ctzll(mask);
			unsigned int n = 0;
			while (first + n < 64 && (mask >> (first + n)) & 1)
				n++;
			uint64_t ipa = s->ipa + ((uint64_t)w * 64 + first) * gsz;
			int ret = s2_pgtable_wrprotect(&vm->pgt, ipa, n * gsz);
			if (ret)
				return ret;
			mask &= n == 64 ? 0 : ~(((1ULL << n) - 1) << first);
		}
	}
	return 0;
}

int s2_vm_dirty_log_disable(struct s2_vm *vm, uint32_t id)
{
	if (!vm)
		return -S2_EINVAL;
	struct s2_memslot *s = slot_by_id(vm, id);

	if (!s)
		return -S2_ENOENT;
	if (!(s->flags & S2_SLOT_DIRTY_LOG))
		return -S2_EINVAL;
	rings_flush(vm); /* the bitmap is the embedder's to read after this */
	if (s->dirty_mode != S2_DIRTY_LOG_SW) {
		/* Marks to the bitmap, write permission back to every page
		 * with DBM (no fault, no invalidation: permission grows). */
		int ret = harvest(vm, s, S2_CLEAN_RELEASE);
		if (ret)
			return ret;
	}
	s->flags &= ~(uint32_t)S2_SLOT_DIRTY_LOG;
	s->dirty = NULL;
	s->dirty_tables = NULL;
	s->dirty_mode = S2_DIRTY_LOG_SW;
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Host-side range operations.                                              */
/* ------------------------------------------------------------------------ */

/* Whether the range is one the page-table operations take: nothing is
 * frozen for a call that then fails on its arguments. */
static bool range_ok(const struct s2_vm *vm, uint64_t ipa, uint64_t size)
{
	uint64_t limit = s2_geom_ipa_limit(&vm->pgt.geom);

	return size && !((ipa | size) & (granule_size(vm) - 1)) &&
	       ipa < limit && size <= limit - ipa;
}

int s2_vm_unmap(struct s2_vm *vm, uint64_t ipa, uint64_t size)
{
	int ret = range_ok(vm, ipa, size) ? freeze_hw_logged(vm, ipa, size) : 0;

	return ret ? ret : s2_pgtable_unmap(&vm->pgt, ipa, size);
}

int s2_vm_wrprotect(struct s2_vm *vm, uint64_t ipa, uint64_t size)
{
	int ret = range_ok(vm, ipa, size) ? freeze_hw_logged(vm, ipa, size) : 0;

	return ret ? ret : s2_pgtable_wrprotect(&vm->pgt, ipa, size);
}

int s2_vm_map_page(struct s2_vm *vm, uint64_t ipa, uint64_t pa, bool writable)
{
	if (!vm)
		return -S2_EINVAL;
	uint64_t gsz = granule_size(vm);
	const struct s2_memslot *s = s2_vm_slot_find(vm, ipa);

	if ((ipa | pa) & (gsz - 1))
		return -S2_EINVAL;
	if (!s || !(s->flags & S2_SLOT_PAGER))
		return -S2_ENOENT;
	unsigned int prot = S2_PROT_R | S2_PROT_X;
	if (writable && !(s->flags & (S2_SLOT_READONLY | S2_SLOT_DIRTY_LOG)))
		prot |= S2_PROT_W;
	return s2_pgtable_map(&vm->pgt, ipa, gsz, pa, prot, S2_MAP_PAGES);
}

int s2_vm_test_clear_young(struct s2_vm *vm, uint64_t ipa, uint64_t size,
			   bool *young)
{
	return s2_pgtable_test_clear_young(&vm->pgt, ipa, size, young);
}

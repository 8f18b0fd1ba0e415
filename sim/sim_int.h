/* SPDX-License-Identifier: MIT */
/*
 * The simulator's insides, shared by its rooms (sim.h says what the
 * simulator is; docs/README.md lists the files):
 *   config.c  the configuration's check, and the layout it derives
 *   setup.c   building the machine: memory, CPUs and TLBs, VMs, vCPUs
 *   cpu.c     the CPU and the access path: micro-TLB, the model's TLB and
 *             walks, TLBIs reaching the TLBs, a vCPU's registers
 *   hyp.c     the hypervisor: stage-2 aborts into libs2mm, VMIDs on
 *             vCPU loads, the host's TLBI hooks, its periodic work
 *   guest.c   the guest OS model: its page allocator, stage-1 tables and
 *             page faults, its MMU
 *   check.c   the self-checks: the stale-entry sweep, the data check
 *   stats.c   the totals
 *   replay.c  a recorded guest's stage 1 (cli/replay.c drives it)
 *   mig.c     --migrate; mm.c, swap.c and share.c the page pool behind
 *             pager slots (mm.h): --overcommit, --share
 * Not for the commands, which use sim.h; the replay loops of cli/replay.c
 * and cli/trace.c alone reach in, for the micro-TLB hit they inline
 * (sim_replay_hit(), sim_utlb_hit()).
 */
#ifndef S2MM_SIM_SIM_INT_H
#define S2MM_SIM_SIM_INT_H

#include <stddef.h>

#include <s2mm/geometry.h>

#include "sim.h"

#define RAM_IPA 0x40000000ULL
#define PHYS_BASE 0x40000000ULL
#define KERNEL_SIZE SIM_BOOT_IMAGE /* boot image at the start of RAM */
/* A 4K stage-1 descriptor's or TTBR's output address (48-bit). */
#define S1_OA_MASK (((1ULL << 48) - 1) & ~0xfffULL)
/* Faults one access may take before it counts as a livelock. */
#define MAX_RETRIES 32

/*
 * What a configuration makes of the machine (config.c derives it while it
 * checks the configuration; setup.c builds it).
 */
struct sim_layout {
	struct s2_geom g;          /* stage 2 */
	uint64_t per_vm;           /* guest RAM per VM: --vm-mem rounded up */
	uint64_t align;            /* contiguous RAM's alignment */
	uint64_t total;            /* simulated physical memory, bytes */
	/* The guests' stage 1. */
	unsigned int s1_gshift, s1_stride, s1_va_bits;
	int s1_start;
};

/*
 * sim_config_layout() - sim_config_check() (config.h), and the layout
 * @cfg makes in @l.
 */
int sim_config_layout(struct sim_config *cfg, struct sim_layout *l, char *err,
		      size_t errlen);

/*
 * The data self-check's values: what a guest write stores in the word it
 * writes, and what its VM's shadow remembers for that 4K IPA page (the last
 * value written there, 0 before any). The word index inside the page is in
 * the value, so one 64-bit shadow word per page says where to look:
 *   bits 63..29  the VM's write counter (the image's: a hash of the page)
 *   bits 28..20  the word's index in its 4K page
 *   bits 19..0   the VM's index + 1; 0 for the kernel image, which is the
 *                same in every VM (what --share can merge)
 */
#define DV_TAG_BITS 20
#define DV_TAG_MASK ((1ULL << DV_TAG_BITS) - 1)
#define DV_WORD_SHIFT 20
#define DV_CTR_SHIFT 29
/* What the host writes over every page it frees: no VM's value. */
#define DV_POISON (0xdeadbeefULL << 32 | 0x1ffULL << DV_WORD_SHIFT | DV_TAG_MASK)

static inline unsigned int dv_word(uint64_t v)
{
	return (unsigned int)(v >> DV_WORD_SHIFT) & 511;
}

/*
 * The micro-TLB: a few page translations per CPU, filled only from the
 * model's TLB results and flushed by every TLBI that reaches the CPU and on
 * every context switch, as hardware micro-TLBs are. It keeps the common
 * case (a repeated hit) to a tag compare; --no-utlb measures without it.
 */
#define UTLB_SIZE 64
#define UTLB_INVALID UINT64_MAX
#define UTLB_EL1_SHIFT 4

struct utlb_e {
	uint64_t tag;   /* VA >> 12 */
	uint64_t pa;    /* page PA */
	uint64_t ipa;   /* page IPA, for the self-checks */
	uint32_t perm;  /* bit (1 << acc) set when the access is allowed at
			 * EL0, bit (1 << (acc + UTLB_EL1_SHIFT)) at EL1 */
	uint32_t s2w;   /* stage 2 grants write */
};

struct gvm;

/* One stage-2 address space: a VM's, or its migration destination's. */
struct gs2 {
	struct s2_vm vm;
	struct gvm *g;
};

struct gvm {
	struct gs2 *s2;            /* the stage 2 its vCPUs run on */
	struct sim *sim;
	unsigned int idx;
	/* Contiguous RAM (ram_pa 0 when a pager backs it page by page). */
	uint64_t ram_pa, ram_size, alloc_pa, alloc_size;
	uint64_t next_ipa;         /* guest page allocator */
	uint64_t s1_root;          /* IPA of the stage-1 root, 0 until built */
	/* A recorded guest (replay.c): TTBR1's root, and TTBR0's of
	 * each address space the replay told apart (ASID = index + 1). */
	uint64_t s1_kroot;
	uint64_t *as_root;
	unsigned int nr_as;
	uint64_t s1_tables, data_pages, distinct;
	uint64_t *touched;         /* one bit per guest page of RAM */
	uint64_t *dirty_map, *dirty_out;
	size_t dirty_words;
	bool logging;
	uint16_t last_vmid;
	uint64_t last_gen;         /* rollover count when last_vmid was seen */
	uint64_t swept_stores;     /* the library's descriptor stores at its last sweep */
	/* The data self-check: last value written per 4K page of RAM. */
	uint64_t *shadow;
	uint64_t wctr;             /* the VM's writes so far */
	uint32_t *pte;             /* pager: each granule page's backing */
};

struct sim_vcpu {
	struct gvm *vm;
	int cpu;                   /* CPU it runs on, -1 */
	bool mmu_on;
	uint64_t ttbr0;            /* a recorded guest's current TTBR0_EL1 */
};

struct sim_cpu {
	struct utlb_e utlb[UTLB_SIZE];
	struct s2_tlb tlb;
	struct s2_tlb_entry *entries;
	struct s2_wc wc[S2_WC_NR];         /* the walk caches configured */
	struct s2_wc_entry *wc_entries[S2_WC_NR];
	struct s2_mmu_regs regs;
	struct sim_vcpu *cur;
	struct gvm *vm;
	uint64_t ram_pa, ram_size;
	uint64_t *shadow;          /* vm->shadow */
	uint8_t *host;             /* host address of PHYS_BASE */
	/* Accesses besides the micro-TLB's hits (which hold only pages
	 * that passed the isolation check), and its hits. */
	uint64_t accesses, utlb_hits, isolation, checks;
	uint64_t walk_refs[SIM_WALK_REFS]; /* sim_stats' */
	uint8_t el;
	bool use_utlb;             /* off while verifying every hit */
	bool checking;
};

struct sim_mm;
struct sim_mig;

struct sim {
	struct sim_config cfg;
	struct s2_physmem *pm;
	struct s2_host_mm hm;
	struct s2_vmid_alloc *ids;
	struct s2_mmu_cpu cpu;
	struct s2_mmu_mem mem;
	struct s2_geom g;
	struct sim_cpu *cpus;
	struct s2_tlb **tlbp;
	struct s2_tlb_system sys;
	struct gvm *vms;
	struct sim_vcpu *vcpus;
	struct sim_stats st;       /* counters kept here (others collected) */
	uint64_t slices, reclaim_next;
	uint64_t ram_align;        /* contiguous RAM's alignment */
	struct sim_mm *mm;         /* pager slots: --overcommit, --share */
	struct sim_mig *mig;       /* --migrate */
	bool merging;              /* the share scanner is at work */
	/* Stage-1 layout of the guests. */
	unsigned int s1_gshift, s1_stride, s1_va_bits;
	int s1_start;
	uint64_t tcr, hcr, vtcr;
	char errmsg[256];
};

#define container_of(p, type, member) \
	((type *)(void *)((char *)(p) - offsetof(type, member)))

static inline struct s2_vm *gvm_s2(struct gvm *g)
{
	return &g->s2->vm;
}

/* The VMID @vm holds now, if any (a VM without one has no TLB entries). */
static inline bool sim_vm_vmid(struct sim *s, struct s2_vm *vm, uint16_t *vmid)
{
	return s2_vmid_is_current(s->ids, &vm->vmid, vmid);
}

/* setup.c */
/* Record a fatal error for sim_error(): @msg and @err's text. Return: @err. */
int sim_fail(struct sim *s, int err, const char *msg);
/* Allocate contiguous guest RAM as sim_create() does (offset without blocks). */
int sim_ram_alloc(struct sim *s, uint64_t *alloc_pa, uint64_t *alloc_size,
		  uint64_t *ram_pa);
uint64_t sim_now_ns(void);

/* cpu.c */
void sim_utlb_flush_all(struct sim *s);
void sim_utlb_flush(struct sim_cpu *c);
/*
 * @r's grants of @stage (1 or 2) as a TLB holds them: without the write of
 * a writable-clean leaf (FEAT_HAFDBS, S2_MMU_CLEAN_*).
 */
uint8_t sim_held_perm(const struct s2_mmu_result *r, unsigned int stage);
/* A TLBI ...IS instruction: every CPU's TLB and micro-TLB. */
void sim_tlbi(struct sim *s, unsigned int op, uint16_t vmid, uint16_t asid, uint64_t addr);
/* Load vCPU @v's registers into CPU @c, under VMID @vmid. */
void sim_load_regs(struct sim *s, struct sim_cpu *c, struct sim_vcpu *v, uint16_t vmid);
/*
 * Whether an access at @addr by the vCPU on CPU @c hits the micro-TLB
 * (sim_access()'s fast path; the lackey replay inlines it into its loop,
 * where a call per access cost a tenth of the replay): the caller counts
 * the hit in c->utlb_hits.
 */
static inline bool sim_utlb_hit(const struct sim_cpu *c, uint64_t addr, unsigned int acc)
{
	const struct utlb_e *u = &c->utlb[(addr >> 12) & (UTLB_SIZE - 1)];

	return u->tag == addr >> 12 && ((u->perm >> acc) & 1);
}

/*
 * CPU @cpu, for a loop that inlines its micro-TLB hits (sim_utlb_hit()),
 * or NULL when every access must take sim_access(): --check-data checks
 * the data of hits too, and without the micro-TLB nothing hits.
 */
struct sim_cpu *sim_utlb_cpu(struct sim *s, unsigned int cpu);

/*
 * An access past the micro-TLB: the model's TLB and walks, the guest's
 * stage-1 faults and the hypervisor's stage-2 aborts, retried until it
 * completes. @want: a recorded guest's access, the IPA the recording saw
 * (the replay's stage 1 is made to agree) at EL1 or EL0; NULL otherwise.
 */
int sim_access_slow(struct sim *s, struct sim_cpu *c, uint64_t addr, unsigned int acc,
		    const struct sim_want *want);

/*
 * Whether a recorded guest's access by the vCPU on CPU @c hits the
 * micro-TLB (sim_replay_access()'s fast path, inlined into the replay's
 * loop); the caller counts a hit in c->utlb_hits.
 * @mmu_on: the vCPU's MMU (with it off every access is EL1's).
 */
static inline bool sim_replay_hit(struct sim_cpu *c, uint64_t va, unsigned int acc, bool el1,
				  bool mmu_on, uint64_t ipa)
{
	const struct utlb_e *u = &c->utlb[(va >> 12) & (UTLB_SIZE - 1)];
	unsigned int shift = acc + (el1 || !mmu_on ? UTLB_EL1_SHIFT : 0);

	return u->tag == va >> 12 && ((u->perm >> shift) & 1) && !((u->ipa ^ ipa) >> 12);
}

/* hyp.c */
/* The host's TLBI hooks into libs2mm's host ops (s->hm). */
void sim_hyp_attach(struct sim *s);
/* Start the break-before-make monitor (--check-bbm). */
int sim_hyp_monitor(struct sim *s);
/*
 * A stage-2 abort of fault @f into the library, as KVM takes it. @regs:
 * the faulting access's registers when its FAR is a VA (HPFAR may need AT
 * S1E1R), NULL when the model's HPFAR is used as is. @done: the access
 * does not complete (MMIO, an injected abort): stop retrying it.
 */
int sim_hyp_abort(struct sim *s, struct gvm *vm, const struct s2_mmu_fault *f,
		  const struct s2_mmu_regs *regs, bool *done);
/* @vm's dirty log and its copy: one bit per stage-2 page of its RAM. */
bool sim_dirty_alloc(const struct sim *s, struct gvm *vm);
/* Stop @g's vCPUs: put them off every CPU (a migration's last phase). */
void sim_put_vm(struct sim *s, struct gvm *g);

/* guest.c */
/* A new zeroed stage-1 table page in guest RAM, written through stage 2. */
int sim_guest_new_table(struct sim *s, struct sim_cpu *c, uint64_t *ipa);
/*
 * The guest's page fault handler for @va on CPU @c: a new IPA page, or
 * @want's (a recorded guest, whose remaps it also makes).
 */
int sim_guest_map(struct sim *s, struct sim_cpu *c, uint64_t va,
		  const struct sim_want *want);
/* The guest kernel's pointer to its IPA @ipa (through stage 2, faulting in). */
int sim_guest_ptr(struct sim *s, struct sim_cpu *c, uint64_t ipa, bool write, void **p);
/* The next free page of @vm's RAM (the guest's page allocator). */
int sim_guest_alloc_page(struct sim *s, struct gvm *vm, uint64_t *ipa);

/* guest_sd.c: the AArch32 short-descriptor guest (--s1-format short). */
/* A new zeroed 16KB level-1 table, 16KB-aligned in guest RAM (TTBCR.N=0). */
int sim_guest_new_l1_sd(struct sim *s, struct sim_cpu *c, uint64_t *ipa);
/* sim_guest_map() of a generated guest with short descriptors. */
int sim_guest_map_sd(struct sim *s, struct sim_cpu *c, uint64_t va);

/* Count @ipa's page of @vm's RAM as touched (distinct_ipa_pages). */
static inline void sim_mark_page(struct gvm *vm, uint64_t ipa, unsigned int shift)
{
	uint64_t n = (ipa - RAM_IPA) >> shift;

	if (ipa - RAM_IPA >= vm->ram_size)
		return;
	if (!(vm->touched[n / 64] & (1ULL << (n % 64)))) {
		vm->touched[n / 64] |= 1ULL << (n % 64);
		vm->distinct++;
	}
}

/* check.c */
/*
 * The stale-entry sweep: every TLB entry of @vm's VMID against a fresh
 * walk, after anything that may have changed its stage 2.
 */
void sim_sweep(struct sim *s, struct gvm *vm);
/* The data self-check found @found where @want was written (counted). */
void sim_data_error(struct sim *s, struct sim_cpu *c, uint64_t ipa, uint64_t want,
		    uint64_t found);

/*
 * The kernel image's value for word @ipa: the same in every VM, as if one
 * image had been loaded into each (the pages --share finds identical).
 */
static inline uint64_t sim_image_value(uint64_t ipa)
{
	uint64_t h = ((ipa >> 12) * 0x9E3779B97F4A7C15ULL) >> DV_CTR_SHIFT | 1;

	return h << DV_CTR_SHIFT | ((ipa >> 3) & 511) << DV_WORD_SHIFT;
}

/*
 * The data self-check of an access that translated IPA @ipa to PA @pa: a
 * write stores its value in the word it writes and in the shadow of its
 * page; a read compares the word the shadow names (the page's last write)
 * with it, or, in a page never written, its own word with 0 (RAM a guest
 * has not written reads as zeroes: fresh, or zero-filled by the pager).
 * One word per access keeps the check to a few loads; it is here, inline,
 * because every access of a --check-data run makes it, micro-TLB hits too.
 */
static inline void sim_data_access(struct sim *s, struct sim_cpu *c, uint64_t ipa,
				   uint64_t pa, unsigned int acc)
{
	uint64_t *page = (uint64_t *)(void *)(c->host + ((pa & ~0xfffULL) - PHYS_BASE));
	uint64_t *sh = &c->shadow[(ipa - RAM_IPA) >> 12];
	unsigned int w = (unsigned int)(ipa >> 3) & 511;
	uint64_t want;

	if (acc == SIM_WRITE) {
		if (c->el && ipa - RAM_IPA < KERNEL_SIZE)
			want = sim_image_value(ipa);
		else
			want = ++c->vm->wctr << DV_CTR_SHIFT |
			       (uint64_t)w << DV_WORD_SHIFT | (c->vm->idx + 1);
		page[w] = want;
		*sh = want;
		return;
	}
	c->checks++;
	want = *sh;
	if (want)
		w = dv_word(want);
	if (__builtin_expect(page[w] != want, 0))
		sim_data_error(s, c, ipa, want, page[w]);
}

/* replay.c: a recorded guest's stage 1. */
/* The CPU that vCPU @cpu of a recording runs on, for sim_replay_hit(). */
struct sim_cpu *sim_replay_cpu(struct sim *s, unsigned int cpu);
/* The leaf for VA @va -> IPA page @ipa given the old leaf @old; 0 when
 * @old already does. */
uint64_t sim_replay_leaf(struct sim_cpu *c, uint64_t va, uint64_t ipa, uint64_t old,
			 const struct sim_want *want);
/* TLBI VAE1IS (@ng: the current ASID's entry) or VAAE1IS for @va. */
void sim_replay_tlbi_va(struct sim *s, struct sim_cpu *c, uint64_t va, bool ng);

/* mig.c: --migrate. */
int mig_tick(struct sim *s);
void mig_destroy(struct sim *s);

/* mm.c: the page pool behind pager slots (mm.h). */
int mm_create(struct sim *s, uint64_t total_pages, char *err, size_t errlen);
void mm_destroy(struct sim *s);
int mm_vm_init(struct sim *s, struct gvm *g);
void mm_vm_destroy(struct sim *s, struct gvm *g);
/* Whether VM @g may make access @write to host page @pa (isolation). */
bool mm_pa_ok(const struct sim *s, const struct gvm *g, uint64_t pa, bool write);
uint64_t mm_pool_pa(const struct sim *s);
uint64_t mm_pool_size(const struct sim *s);
/* After a retry the pager asked for (no free page): make room. */
int mm_after_retry(struct sim *s);
int mm_slice_end(struct sim *s);
void mm_stats(const struct sim *s, struct sim_stats *st);

#endif

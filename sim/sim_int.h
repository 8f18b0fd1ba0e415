/* SPDX-License-Identifier: MIT */
/*
 * The simulator's insides, shared by its files: sim.c (CPUs, the guest OS
 * model, the self-checks), sim_replay.c and replay.c (recordings), sim_mig.c (live migration), sim_mm.c (the host
 * page pool behind pager slots), sim_swap.c (overcommit: reclaim into a
 * compressed store) and sim_share.c (same-page merging). Not for the
 * commands: they use sim.h.
 */
#ifndef S2MM_CLI_SIM_INT_H
#define S2MM_CLI_SIM_INT_H

#include <stddef.h>

#include "sim.h"

#define RAM_IPA 0x40000000ULL
#define PHYS_BASE 0x40000000ULL
#define KERNEL_SIZE (2ULL << 20)  /* boot image at the start of RAM */
/* A 4K stage-1 descriptor's or TTBR's output address (48-bit). */
#define S1_OA_MASK (((1ULL << 48) - 1) & ~0xfffULL)

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
	/* A recorded guest (sim_replay.c): TTBR1's root, and TTBR0's of
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
	struct s2_mmu_regs regs;
	struct sim_vcpu *cur;
	struct gvm *vm;
	uint64_t ram_pa, ram_size;
	uint64_t *shadow;          /* vm->shadow */
	uint8_t *host;             /* host address of PHYS_BASE */
	/* Accesses besides the micro-TLB's hits (which hold only pages
	 * that passed the isolation check), and its hits. */
	uint64_t accesses, utlb_hits, isolation, checks;
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

/* sim.c */
int sim_fail(struct sim *s, int err, const char *msg);
void sim_sweep(struct sim *s, struct gvm *vm);
void sim_utlb_flush_all(struct sim *s);
void sim_utlb_flush(struct sim_cpu *c);
/* Allocate contiguous guest RAM as sim_create() does (offset without blocks). */
int sim_ram_alloc(struct sim *s, uint64_t *alloc_pa, uint64_t *alloc_size,
		  uint64_t *ram_pa);
/* Stop @g's vCPUs: put them off every CPU (a migration's last phase). */
void sim_put_vm(struct sim *s, struct gvm *g);
uint64_t sim_now_ns(void);

/*
 * One access of a recorded guest through sim_access_slow(): the IPA the
 * recording saw (the replay's stage 1 is made to agree) at EL1 or EL0.
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

/* sim_replay.c: a recorded guest's stage 1. */
/* The CPU that vCPU @cpu of a recording runs on, for sim_replay_hit(). */
struct sim_cpu *sim_replay_cpu(struct sim *s, unsigned int cpu);
/* The leaf for VA @va -> IPA page @ipa given the old leaf @old; 0 when
 * @old already does. */
uint64_t sim_replay_leaf(struct sim_cpu *c, uint64_t va, uint64_t ipa, uint64_t old,
			 const struct sim_want *want);
/* TLBI VAE1IS (@ng: the current ASID's entry) or VAAE1IS for @va. */
void sim_replay_tlbi_va(struct sim *s, struct sim_cpu *c, uint64_t va, bool ng);
/* A new zeroed stage-1 table page in guest RAM (sim.c). */
int sim_guest_new_table(struct sim *s, struct sim_cpu *c, uint64_t *ipa);
void sim_tlbi(struct sim *s, unsigned int op, uint16_t vmid, uint16_t asid, uint64_t addr);

/* sim_mig.c: --migrate. */
int mig_tick(struct sim *s);
void mig_destroy(struct sim *s);

/* sim_mm.c: the page pool behind pager slots. */
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

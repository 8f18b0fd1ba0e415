/* SPDX-License-Identifier: MIT */
/*
 * The simulator behind `s2mm run` and `s2mm trace`: simulated CPUs (each
 * with the MMU model's TLB) run vCPUs of many VMs. The hypervisor side is
 * libs2mm (s2_vm_*, s2_vmid_*), reached only through stage-2 aborts built
 * from the model's fault records (ESR/FAR/HPFAR) and VMID updates on
 * context switches; the hardware side is the MMU model (s2_tlb_translate),
 * which sees the library's invalidations only through the host ops' TLBI
 * hooks. A small guest OS model in each VM maps each touched VA page to its
 * own IPA page on first touch (a stage-1 translation fault) and allocates
 * its stage-1 table pages on demand in guest RAM, writing them through
 * stage 2.
 *
 * Self-checks on every access: the PA must lie in the VM's RAM (isolation);
 * after every hypervisor operation the TLB entries of the VM's VMID on every
 * CPU are compared with fresh walks (a difference is a missing
 * invalidation), and from then on that CPU verifies each TLB hit (stale
 * hits are counted). Data: every guest write stores a value made of its
 * VM, its word and the VM's write counter in the host page the model
 * translated to; a shadow per VM keeps the last value written in each 4K
 * IPA page, and every read compares that word with it (a stale page,
 * another VM's data or a lost write is a data error).
 *
 * Live memory management (sim_int.h lists the files): VM 0 migrated live
 * by dirty logging into a second stage 2 (--migrate); RAM in pager slots
 * backed page by page from a host pool smaller than the guests' RAM, cold
 * pages compressed away (--overcommit); identical pages merged read-only
 * and copied on write (--share). Single-threaded and deterministic for a
 * given seed.
 *
 * The commands (cli/) fill a struct sim_config (config.h) from their
 * options, check it with sim_config_check(), and drive the machine and
 * print its totals through this header only.
 */
#ifndef S2MM_SIM_SIM_H
#define S2MM_SIM_SIM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <s2mm/host_ops.h>
#include <s2mm/mmu.h>
#include <s2mm/physmem.h>
#include <s2mm/tlb.h>
#include <s2mm/vm.h>
#include <s2mm/vmid.h>

#include "config.h"

/* Live memory management's figures (JSON objects of their own). */
struct sim_mm_stats {
	/* --migrate */
	bool mig_done;
	bool mig_lazy;
	unsigned int mig_rounds;   /* copy passes: full, live, stopped */
	uint64_t mig_round_pages[SIM_MIG_MAX_ROUNDS];
	uint64_t mig_pages, mig_zero_pages, mig_ram_pages, mig_touched_pages;
	uint64_t mig_downtime_pages, mig_downtime_ns, mig_enable_ns;
	uint64_t mig_lost_pages;   /* source != destination at the switch */
	uint64_t mig_write_faults; /* permission faults while logging */
	uint64_t mig_fault_maps;   /* pages mapped by faults meanwhile */
	uint64_t mig_forgotten;    /* test aid: pages dropped */
	/* The page pool (--overcommit, --share). */
	uint64_t guest_bytes, pool_pages, page_size;
	uint64_t host_bytes, peak_host_bytes, peak_pages;
	uint64_t zero_fills;
	/* --overcommit */
	uint64_t pages_out, pages_in, same_filled, stored_pages, store_bytes;
	uint64_t compressed_in, compressed_out; /* bytes, cumulative */
	uint64_t aged, young;      /* clock visits, second chances */
	/* --share */
	uint64_t scanned, merged, breaks, shared_frames, sharing, saved_peak;
};

/* Totals for reports (the JSON keys). */
/* Walks by descriptors read, 0 .. SIM_WALK_REFS - 1; the last: that many or more. */
#define SIM_WALK_REFS 48

struct sim_stats {
	uint64_t accesses, tlb_hits, tlb_misses, utlb_hits, walks;
	uint64_t tlb_contig_fills; /* TLB entries filled for a Contiguous run */
	uint64_t tlb_contig_bad;   /* misprogrammed runs the TLBs found */
	uint64_t descriptor_reads;
	uint64_t walk_refs[SIM_WALK_REFS];
	uint64_t fetch_cache_hits; /* S1 table fetches the TLB or nested TLB served */
	struct s2_wc_stats wc[S2_WC_NR]; /* the walk caches', over the CPUs */
	uint64_t s1_faults;
	uint64_t s2_translation, s2_permission, s2_access_flag, s2_s1ptw;
	uint64_t s2_other, mmio, injected, retries;
	/*
	 * FEAT_HAFDBS's dirty state (--hw-dirty): descriptors the CPUs made
	 * dirty, stage-1 leaves and stage-2 leaves (of data and of stage-1
	 * table pages); write hits on TLB entries of writable-clean leaves,
	 * walked again.
	 */
	uint64_t hw_dirty_s1, hw_dirty_s2, dirty_walks;
	uint64_t vmid_rollovers, tlb_flushes;
	uint64_t tlbi_ipa, tlbi_vmid, tlbi_all;
	uint64_t stage2_table_pages, stage1_table_pages, distinct_ipa_pages;
	uint64_t data_pages;
	uint64_t isolation_violations, stale_tlb_hits, stale_entries;
	uint64_t bbm_violations;   /* the monitor's (--check-bbm) */
	uint64_t dirty_pages, dirty_rounds, reclaims, context_switches;
	uint64_t block_maps, page_maps;
	uint64_t errors, livelocks;
	/* A recorded guest's replay (cli/replay.c, sim/replay.c). */
	struct sim_rec_stats {
		uint64_t s1_remaps;      /* leaves rewritten: remaps, permissions */
		uint64_t address_spaces; /* told apart (TTBR0 trees) */
		uint64_t tlbi_replayed;  /* guest TLBI VMALLE1(IS) */
		uint64_t tlbi_other;     /* by VA/ASID: operands unrecorded */
		uint64_t ttbr0_writes, sctlr_writes, mmu_on;
		uint64_t no_pa;          /* accesses without a PA: skipped */
		uint64_t capped;         /* decisions forced by the lookahead cap */
	} rec;
	/* The data self-check. */
	uint64_t data_checks, data_errors, data_foreign;
	unsigned int derr_vm;      /* the first data error */
	uint64_t derr_ipa, derr_want, derr_found;
	struct sim_mm_stats mm;
};

struct sim;
struct sim_vcpu;

/* One guest access. */
enum sim_acc { SIM_READ = S2_MMU_READ, SIM_WRITE = S2_MMU_WRITE, SIM_EXEC = S2_MMU_EXEC };

/**
 * sim_create() - Build the machine: physical memory, CPUs and TLBs, the
 * VMID allocator, the VMs with their RAM slots (nothing mapped). @cfg is
 * checked first, by sim_config_check() on the machine's copy.
 * @err: receives a message on failure (no command prefix).
 * Return: 0 or a negative S2_E* code.
 */
int sim_create(struct sim **out, const struct sim_config *cfg, char *err,
	       size_t errlen);
void sim_destroy(struct sim *s);

/** sim_vcpu() - vCPU @idx of VM @vm. */
struct sim_vcpu *sim_vcpu(struct sim *s, unsigned int vm, unsigned int idx);

/**
 * sim_schedule() - Put @v on CPU @cpu (puts what ran there, updates the
 * VMID, loads the registers). Return: 0 or a negative error.
 */
int sim_schedule(struct sim *s, unsigned int cpu, struct sim_vcpu *v);

/**
 * sim_access() - One access by the vCPU running on @cpu, through the TLB, the
 * 2D walk, guest stage-1 faults and the hypervisor's stage-2 abort handler.
 * With the guest MMU off @addr is the IPA. Return: 0, or a negative error
 * for a fatal condition (guest RAM exhausted, library error).
 */
int sim_access(struct sim *s, unsigned int cpu, uint64_t addr, unsigned int acc);

/** sim_mmu_enable() - The guest of @v's VM turns its MMU on (stage 1). */
int sim_mmu_enable(struct sim *s, struct sim_vcpu *v);
bool sim_vcpu_mmu_on(const struct sim_vcpu *v);
/** sim_config() - The configuration @s was created with. */
const struct sim_config *sim_config(const struct sim *s);
/** sim_ram_ipa() - Where each VM's RAM starts in its IPA space. */
uint64_t sim_ram_ipa(const struct sim *s);
/** sim_va_bits() - The guests' stage-1 VA size: --va-bits, or 32 (AArch32). */
unsigned int sim_va_bits(const struct sim *s);
/**
 * sim_boot_ipa() - The IPA of a guest's @n-th access while it boots with its
 * MMU off (n from 0): its kernel image at the start of RAM, read 64 bytes at
 * a time, round and round.
 */
uint64_t sim_boot_ipa(const struct sim *s, uint64_t n);

/**
 * sim_slice_end() - Bookkeeping after a time slice: dirty log, reclaim, a
 * migration round, the page merger's scan.
 */
int sim_slice_end(struct sim *s);

/** sim_stats() - Current totals (collects per-CPU and per-VM counters). */
void sim_stats(struct sim *s, struct sim_stats *st);
/** sim_stats_light() - The counters only (no table walks): for progress. */
void sim_stats_light(struct sim *s, struct sim_stats *st);

/*
 * A simple cost model of translation, in cycles: what each event costs.
 * The defaults (SIM_COST_DEFAULT) are round figures of the order of a
 * server core's, not measurements: set them for the machine studied.
 */
struct sim_cost_model {
	uint32_t utlb_hit, tlb_hit, desc_read, s1_fault, s2_fault;
	uint32_t wc_hit;           /* a hit in a walk cache or the nested TLB */
};
#define SIM_COST_DEFAULT \
	((struct sim_cost_model){ .utlb_hit = 1, .tlb_hit = 8, .desc_read = 40, \
				  .s1_fault = 2000, .s2_fault = 5000, .wc_hit = 2 })

/* Cycles by where they went, under a struct sim_cost_model. */
struct sim_cost {
	double utlb_hits, tlb_hits, walks, wc_hits, s1_faults, s2_faults, total;
};

/**
 * sim_cost() - @st's accesses under @m: micro-TLB hits, the other TLB
 * hits, the walks' descriptor reads, the walk caches' hits, guest stage-1
 * faults and stage-2 faults (every kind) each at their price.
 */
void sim_cost(const struct sim_cost_model *m, const struct sim_stats *st,
	      struct sim_cost *out);

/* What `s2mm explain` needs to show a walk: the hardware's view of a CPU. */
struct sim_view {
	const struct s2_mmu_mem *mem;
	const struct s2_mmu_cpu *cpu;
	const struct s2_mmu_regs *regs;
	const struct s2_geom *g;        /* stage 2 */
	struct s2_physmem *pm;
	unsigned int s1_gshift, s1_stride, s1_va_bits;
	int s1_start;
	uint64_t ram_pa, ram_size;
};

/** sim_view() - Fill @v for CPU @cpu (valid until the next sim call). */
void sim_view(struct sim *s, unsigned int cpu, struct sim_view *v);

/** sim_host_unmap() - The host unmaps [@ipa, @ipa + @size) of VM @vm. */
int sim_host_unmap(struct sim *s, unsigned int vm, uint64_t ipa, uint64_t size);

/**
 * sim_host_age() - The host clears the Access flag of [@ipa, @ipa + @size)
 * of VM @vm, as page ageing does (no TLB invalidation).
 */
int sim_host_age(struct sim *s, unsigned int vm, uint64_t ipa, uint64_t size);

/** sim_dirty_log_start() - Start dirty logging VM @vm's RAM. */
int sim_dirty_log_start(struct sim *s, unsigned int vm);

/* What a recorded access saw: the IPA, the privilege, the access. */
struct sim_want {
	uint64_t ipa;
	bool el1;
	uint8_t acc;               /* enum sim_acc */
};

/**
 * sim_replay_access() - One access of a recorded guest by the vCPU on
 * @cpu: VA @va (the IPA itself with the MMU off) that the recording saw
 * translate to @w->ipa. Return: 0, or a negative error (sim_error()).
 */
int sim_replay_access(struct sim *s, unsigned int cpu, uint64_t va, unsigned int acc,
		      const struct sim_want *w);

/** sim_replay_mmu() - The recorded guest on @cpu turns its MMU on or off. */
int sim_replay_mmu(struct sim *s, unsigned int cpu, bool on);

/**
 * sim_replay_as() - The recorded guest on @cpu switches TTBR0_EL1 to
 * address space @as (made on first use; ASID @as + 1).
 */
int sim_replay_as(struct sim *s, unsigned int cpu, unsigned int as);

/** sim_replay_tlbi_all() - The guest's TLBI VMALLE1 (@is: VMALLE1IS). */
void sim_replay_tlbi_all(struct sim *s, unsigned int cpu, bool is);

/** sim_replay_stats() - The replay's own counters, for its driver. */
struct sim_rec_stats *sim_replay_stats(struct sim *s);

/** sim_error() - Message for the last fatal error of sim_access(). */
const char *sim_error(const struct sim *s);

#endif

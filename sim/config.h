/* SPDX-License-Identifier: MIT */
/*
 * The simulated machine's configuration (sim/config.c): its fields, the
 * machine every command starts from, the limits of each value, and the one
 * check of a whole configuration, which the commands call once their
 * options are read (to fail before any work) and sim_create() calls again
 * (for callers that build a configuration themselves: the benches, the
 * replay of a recording).
 */
#ifndef S2MM_SIM_CONFIG_H
#define S2MM_SIM_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <s2mm/tlb.h>
#include <s2mm/vmid.h>

/*
 * The guests' stage-1 format: AArch64, AArch32 LPAE (TTBCR.EAE=1), or the
 * AArch32 Short-descriptor format (TTBCR.EAE=0; guest_sd.c builds it).
 */
enum sim_s1_format { SIM_S1_A64, SIM_S1_A32, SIM_S1_A32_SD };

/* An AArch32 guest, either format: 32-bit VAs, 4K pages. */
static inline bool sim_s1_is_a32(unsigned int format)
{
	return format == SIM_S1_A32 || format == SIM_S1_A32_SD;
}

/* A walk cache beside each CPU's TLB (enum s2_wc_type): 0 entries, off. */
struct sim_wc_config {
	unsigned int entries;
	unsigned int ways;
	bool lru;                  /* else round robin, as the TLB replaces */
};

struct sim_config {
	unsigned int cpus;
	unsigned int vms;
	unsigned int vcpus;        /* per VM */
	unsigned int vmid_bits;    /* 8 or 16 */
	unsigned int granule;      /* stage 2: 4096, 16384, 65536 */
	unsigned int ipa_bits;
	unsigned int pa_bits;
	unsigned int s1_granule;   /* stage 1 */
	unsigned int s1_format;    /* enum sim_s1_format */
	unsigned int va_bits;      /* stage-1 input size; 0: the format's */
	bool blocks;               /* stage-2 block mappings allowed */
	unsigned int tlb_entries;
	unsigned int tlb_ways;
	bool utlb;                 /* micro-TLB in front of the model's TLB */
	struct sim_wc_config wc[S2_WC_NR]; /* walk caches, by enum s2_wc_type */
	bool no_tlb_fetch;         /* S1 table fetches skip the TLB's S2 entries */
	uint64_t vm_mem;           /* guest RAM per VM, bytes */
	unsigned int dirty_vms;    /* the first N VMs are dirty-logged */
	uint64_t dirty_every;      /* get/clear the dirty log every N slices */
	uint64_t reclaim_every;    /* host unmaps a VM's RAM every N slices */
	bool drop_tlbi_ipa;        /* test aid: the host loses TLBI by IPA */
	bool drop_tlbi_all;        /* test aid: ... and the rollover flush */
	bool check_bbm;            /* the break-before-make monitor on */
	bool fwb;                  /* HCR_EL2.FWB=1, FEAT_S2FWB leaves */
	bool contig;               /* the library sets Contiguous hints */
	uint8_t tlb_contig;        /* enum s2_tlb_contig of every TLB */
	bool hw_af;                /* FEAT_HAFDBS: TCR_EL1.HA, VTCR_EL2.HA */
	bool hw_dirty;             /* and the dirty state: TCR_EL1.HD, VTCR_EL2.HD,
				    * the guest's pages writable-clean (DBM) */
	uint8_t dirty_log;         /* enum s2_dirty_log_mode of the dirty-logged
				    * VMs and --migrate's (hardware: --hw-dirty) */
	bool drop_dsb;             /* test aid: TLBIs end without DSB ISH */
	/*
	 * The data self-check (sim/check.c): every write stores real bytes,
	 * so memory is committed for every page a guest writes. On for
	 * --migrate, --overcommit and --share, whose host copies and moves
	 * those bytes; else only when asked.
	 */
	bool check_data;
	/* Live migration of VM 0 (sim/mig.c). */
	bool migrate;
	bool lazy_split;           /* blocks split on first write, not at once */
	uint64_t migrate_start;    /* the slice it starts at */
	uint64_t migrate_rate;     /* pages the host copies per slice */
	uint64_t migrate_threshold;/* stop the VM when a round has <= this */
	unsigned int migrate_rounds; /* ... or after this many rounds */
	/* Pager slots (sim/mm.c): RAM backed page by page from a host pool. */
	double overcommit;         /* 0: off; host pages = guest RAM / this */
	bool share;                /* same-page merging (sim/share.c) */
	unsigned int share_scan;   /* pages the merger scans per slice */
	bool drop_dirty_page;      /* test aid: migration forgets a page */
	bool drop_tlbi_merge;      /* test aid: the merger's TLBIs are lost */
	bool bad_swapin;           /* test aid: swap-in restores another page */
	bool foreign_ram;          /* test aid: the last VM's slot is the first's RAM */
	/*
	 * A recorded guest (`s2mm trace` of an s2mm trace): its RAM is
	 * recorded_ram bytes at the recording's RAM base; its stage 1 is
	 * rebuilt to reproduce the recorded VA -> IPA mappings (4K pages,
	 * 48-bit VAs, TTBR0 and TTBR1), in tables above that RAM.
	 */
	bool recorded;
	uint64_t recorded_ram;
};

/*
 * The limits of the values. The option parser refuses a value outside
 * them with the option's own text; sim_config_check() holds a whole
 * configuration to them.
 */
#define SIM_CPUS_MAX S2_VMID_MAX_CPUS
#define SIM_VMS_MAX 100000
#define SIM_VCPUS_MAX 64
#define SIM_IPA_BITS_MIN 32        /* guest RAM is at IPA 0x40000000 */
#define SIM_IPA_BITS_MAX 52
#define SIM_VA_BITS_MIN 25
#define SIM_VA_BITS_MAX 48
/* A VM's RAM: rounded up to SIM_VM_MEM_ROUND, at least two of them (the
 * boot image, then the guest's pages), and with a granule to spare it
 * fits the simulator's 1 GiB window per VM. */
#define SIM_VM_MEM_ROUND (2ULL << 20)
#define SIM_BOOT_IMAGE (2ULL << 20)  /* at the start of guest RAM */
#define SIM_VM_MEM_MIN (4ULL << 20)
#define SIM_VM_MEM_MAX ((1ULL << 30) - (2ULL << 20))
#define SIM_OVERCOMMIT_MAX 64
#define SIM_MIG_MAX_ROUNDS 64
#define SIM_WC_ENTRIES_MAX 65536   /* per walk cache and CPU */

/*
 * The machine each command starts from, before its options: one VM with
 * one vCPU on one CPU, 16-bit VMIDs, the classic stage-2 layout (4K
 * granule, 40-bit IPA and PA, blocks), a 4K AArch64 stage 1 with 48-bit
 * VAs, a 1024-entry 4-way TLB behind a micro-TLB (the defaults the
 * options' help names); no guest RAM size, dirty logging or reclaim.
 * Each command copies it and sets what its scenario changes.
 */
extern const struct sim_config sim_defaults;

/* The option that configures each walk cache, without its dashes. */
extern const char *const sim_wc_option[S2_WC_NR];

/**
 * sim_config_check() - Settle what @cfg leaves open (va_bits 0: 48 for an
 * AArch64 stage 1, 32 for AArch32's), then check the whole configuration:
 * each value within its limits, the options that need or exclude each
 * other, the stage-2 layout, and the machine within its PA space.
 * @err: receives a message naming the options (no command prefix).
 * Return: 0, or -S2_EINVAL / -S2_ERANGE (or the layout's own error).
 */
int sim_config_check(struct sim_config *cfg, char *err, size_t errlen);

#endif

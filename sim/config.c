/* SPDX-License-Identifier: MIT */
/*
 * The machine's configuration: its defaults, and the one check of a whole
 * configuration (config.h), which also derives the machine's layout for
 * sim_create() (sim_int.h), so that what is checked is what is built.
 */
#include <stdio.h>

#include <s2mm/error.h>
#include <s2mm/geometry.h>

#include "sim_int.h"

const struct sim_config sim_defaults = {
	.cpus = 1, .vms = 1, .vcpus = 1, .vmid_bits = 16, .granule = 4096,
	.ipa_bits = 40, .pa_bits = 40, .s1_granule = 4096, .s1_format = SIM_S1_A64,
	.va_bits = 48, .blocks = true, .tlb_entries = 1024, .tlb_ways = 4,
	.utlb = true,
};

const char *const sim_wc_option[S2_WC_NR] = {
	[S2_WC_S1] = "s1-walk-cache", [S2_WC_S2] = "s2-walk-cache",
	[S2_WC_NESTED] = "nested-tlb",
};

/*
 * The options that need or exclude each other. The messages name every
 * option of a rule at once, so that one fix settles it.
 */
static int check_options(const struct sim_config *cfg, char *err, size_t errlen)
{
	if (!cfg->migrate && (cfg->lazy_split || cfg->drop_dirty_page)) {
		snprintf(err, errlen, "--lazy-split, --migrate-at and "
			 "--inject-lost-dirty-page need --migrate");
		return -S2_EINVAL;
	}
	if ((cfg->migrate && (cfg->overcommit != 0 || cfg->share)) ||
	    (cfg->drop_tlbi_merge && !cfg->share) ||
	    (cfg->bad_swapin && cfg->overcommit == 0)) {
		snprintf(err, errlen, "--migrate moves contiguous RAM: not with "
			 "--overcommit or --share; --inject-missing-merge-tlbi needs "
			 "--share, --inject-bad-swapin --overcommit");
		return -S2_EINVAL;
	}
	if (cfg->foreign_ram && (cfg->vms < 2 || cfg->overcommit != 0 || cfg->share)) {
		snprintf(err, errlen, "--inject-foreign-ram needs 2 VMs or more, each "
			 "with contiguous RAM (no --overcommit or --share)");
		return -S2_EINVAL;
	}
	/* HD takes effect only with HA (AArch64.S1/S2Translate test both). */
	if (cfg->hw_dirty && !cfg->hw_af) {
		snprintf(err, errlen, "--hw-dirty needs --hw-af: TCR_EL1.HD and "
			 "VTCR_EL2.HD take effect only with HA");
		return -S2_EINVAL;
	}
	/* The library refuses a hardware method without HD (s2_vm_set_hw_update()),
	 * and in pager slots (whose shared pages DBM would make writable). */
	if (cfg->dirty_log != S2_DIRTY_LOG_SW &&
	    (!cfg->hw_dirty || (!cfg->dirty_vms && !cfg->migrate) ||
	     cfg->overcommit != 0 || cfg->share)) {
		snprintf(err, errlen, "--dirty-log hw or hybrid needs --hw-dirty (the "
			 "CPUs' VTCR_EL2.HD), --dirty-vms or --migrate to log, and "
			 "contiguous RAM (no --overcommit or --share)");
		return -S2_EINVAL;
	}
	/* Saying nothing would run something else than asked for. */
	if (sim_s1_is_a32(cfg->s1_format) && cfg->va_bits != 32) {
		snprintf(err, errlen, "--va-bits %u with --s1-format %s: the AArch32 "
			 "guest's stage 1 translates 32-bit VAs (%s): "
			 "--va-bits 32 or none", cfg->va_bits,
			 cfg->s1_format == SIM_S1_A32 ? "a32" : "short",
			 cfg->s1_format == SIM_S1_A32 ? "TTBCR.T0SZ 0" : "TTBCR.N 0");
		return -S2_EINVAL;
	}
	return 0;
}

int sim_config_layout(struct sim_config *cfg, struct sim_layout *l, char *errbuf,
		      size_t errlen)
{
	uint64_t tables, p2 = 1;
	int err;

#define BAD(code, ...)                                                  \
	do {                                                            \
		snprintf(errbuf, errlen, __VA_ARGS__);                  \
		return (code);                                          \
	} while (0)

	if (!cfg->va_bits)
		cfg->va_bits = sim_s1_is_a32(cfg->s1_format) ? 32 : sim_defaults.va_bits;
	err = check_options(cfg, errbuf, errlen);
	if (err)
		return err;
	err = s2_geom_init(&l->g, cfg->granule, cfg->ipa_bits, cfg->pa_bits,
			   S2_START_LEVEL_AUTO);
	if (err)
		BAD(err, "stage-2 layout %u-byte granule, %u-bit IPA, %u-bit PA: %s",
		    cfg->granule, cfg->ipa_bits, cfg->pa_bits, s2_strerror(err));
	s2_geom_set_fwb(&l->g, cfg->fwb);
	s2_geom_set_contig(&l->g, cfg->contig);
	if (!cfg->cpus || cfg->cpus > SIM_CPUS_MAX)
		BAD(-S2_EINVAL, "--cpus must be 1..%d", SIM_CPUS_MAX);
	if (!cfg->vms || !cfg->vcpus)
		BAD(-S2_EINVAL, "--vms and --vcpus must be at least 1");
	if (cfg->vms > SIM_VMS_MAX || cfg->vcpus > SIM_VCPUS_MAX)
		BAD(-S2_EINVAL, "--vms must be 1..%d, --vcpus 1..%d", SIM_VMS_MAX,
		    SIM_VCPUS_MAX);
	if (cfg->vmid_bits != 8 && cfg->vmid_bits != 16)
		BAD(-S2_EINVAL, "--vmid-bits must be 8 or 16");
	if (cfg->s1_granule != 4096 && cfg->s1_granule != 16384 &&
	    cfg->s1_granule != 65536)
		BAD(-S2_EINVAL, "--s1-granule must be 4K, 16K or 64K");
	if (sim_s1_is_a32(cfg->s1_format) && cfg->s1_granule != 4096)
		BAD(-S2_EINVAL, "an AArch32 stage 1 uses 4K pages only");
	if (cfg->ipa_bits < SIM_IPA_BITS_MIN)
		BAD(-S2_EINVAL, "--ipa-bits must be at least %d (guest RAM at IPA 0x40000000)",
		    SIM_IPA_BITS_MIN);
	if (!cfg->tlb_ways || cfg->tlb_entries < cfg->tlb_ways ||
	    cfg->tlb_entries % cfg->tlb_ways ||
	    ((cfg->tlb_entries / cfg->tlb_ways) & (cfg->tlb_entries / cfg->tlb_ways - 1)))
		BAD(-S2_EINVAL, "--tlb-entries / --tlb-ways must be a power of two");
	if (cfg->tlb_contig >= S2_TLB_CONTIG_NR)
		BAD(-S2_EINVAL, "--tlb-contig must be range, off or abort");
	for (unsigned int t = 0; t < S2_WC_NR; t++) {
		const struct sim_wc_config *w = &cfg->wc[t];
		unsigned int sets = w->ways ? w->entries / w->ways : 0;

		if (w->entries && (w->entries > SIM_WC_ENTRIES_MAX || !w->ways ||
				   w->entries % w->ways || (sets & (sets - 1))))
			BAD(-S2_EINVAL, "--%s: at most %d entries, a power of two of "
			    "sets of at least 1 way", sim_wc_option[t], SIM_WC_ENTRIES_MAX);
	}
	l->s1_gshift = (unsigned int)__builtin_ctz(cfg->s1_granule);
	l->s1_stride = l->s1_gshift - 3;
	l->s1_va_bits = sim_s1_is_a32(cfg->s1_format) ? 32 : cfg->va_bits;
	if (l->s1_va_bits < SIM_VA_BITS_MIN || l->s1_va_bits > SIM_VA_BITS_MAX)
		BAD(-S2_EINVAL, "--va-bits must be %d..%d", SIM_VA_BITS_MIN, SIM_VA_BITS_MAX);
	l->s1_start = 4 - (int)((l->s1_va_bits - l->s1_gshift + l->s1_stride - 1) /
				l->s1_stride);
	if (cfg->recorded && (cfg->s1_granule != 4096 || cfg->s1_format != SIM_S1_A64 ||
			      l->s1_va_bits != 48 || cfg->vms != 1 ||
			      cfg->recorded_ram >= cfg->vm_mem))
		BAD(-S2_EINVAL, "a recorded guest is one VM with a 4K, 48-bit AArch64 "
		    "stage 1 and RAM for its tables above the recorded RAM");
	l->per_vm = (cfg->vm_mem + SIM_VM_MEM_ROUND - 1) & ~(SIM_VM_MEM_ROUND - 1);
	if (l->per_vm < 2 * SIM_BOOT_IMAGE)
		l->per_vm = 2 * SIM_BOOT_IMAGE;
	if (l->per_vm + cfg->granule > (1ULL << 30))
		BAD(-S2_ERANGE, "--vm-mem: at most 1 GiB less one granule per VM");
	if (RAM_IPA + l->per_vm > s2_geom_ipa_limit(&l->g))
		BAD(-S2_ERANGE, "--vm-mem %llu MiB does not fit a %u-bit IPA space",
		    (unsigned long long)(l->per_vm >> 20), cfg->ipa_bits);
	l->align = cfg->blocks ? s2_geom_level_size(&l->g, 2) : cfg->granule;
	if (l->align > l->per_vm)
		l->align = cfg->granule;
	if (cfg->overcommit != 0 && !(cfg->overcommit >= 1 &&
				      cfg->overcommit <= SIM_OVERCOMMIT_MAX))
		BAD(-S2_EINVAL, "--overcommit must be 1..%d", SIM_OVERCOMMIT_MAX);
	/*
	 * The buddy allocator rounds a range up to a power of two: reserve
	 * that for each VM, twice for fragmentation. Memory is committed
	 * only when touched, so the window costs address space only.
	 */
	tables = l->per_vm / 64 + (4ULL << 20) + l->g.root_size;
	while (p2 < l->per_vm + l->align + cfg->granule)
		p2 <<= 1;
	l->total = (uint64_t)cfg->vms * (2 * p2 + tables) + (64ULL << 20);
	if (cfg->overcommit != 0 || cfg->share) {
		/* The pager's pool, in chunks of at most 256 MiB. */
		l->total += 2 * ((uint64_t)cfg->vms * l->per_vm + (256ULL << 20));
	}
	l->total = (l->total + (1ULL << 30) - 1) & ~((1ULL << 30) - 1);
	if (PHYS_BASE + l->total > (1ULL << cfg->pa_bits))
		BAD(-S2_ERANGE, "%u VMs of %llu MiB need %llu GiB of PA space: more than "
		    "--pa-bits %u", cfg->vms, (unsigned long long)(l->per_vm >> 20),
		    (unsigned long long)(l->total >> 30), cfg->pa_bits);
	return 0;
#undef BAD
}

int sim_config_check(struct sim_config *cfg, char *err, size_t errlen)
{
	struct sim_layout l;

	return sim_config_layout(cfg, &l, err, errlen);
}

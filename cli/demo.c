/* SPDX-License-Identifier: MIT */
/*
 * s2mm demo: the seed's story on one VM, with the library alone. A VM's
 * stage-2 tables are created for the chosen layout (classic: 4K granule,
 * 40-bit IPA, two concatenated level-1 pages); guest accesses find no
 * mapping and memory is faulted in with the largest block that fits; the
 * RAM is write-protected for dirty logging, a write relaxes one page and
 * marks it dirty; the tables are printed; the VM is destroyed.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <s2mm/arch.h>
#include <s2mm/error.h>
#include <s2mm/geometry.h>
#include <s2mm/host_ops.h>
#include <s2mm/pgtable.h>
#include <s2mm/physmem.h>

#include "cli.h"

#define RAM_IPA 0x40000000ULL
#define UART_IPA 0x09000000ULL

static void demo_usage(FILE *out)
{
	fprintf(out,
		"usage: s2mm demo [--granule 4K|16K|64K] [--ipa-bits N] [--pa-bits N]\n"
		"                 [--ram SIZE]\n\n"
		"Creates one VM's stage-2 tables (default: 4K granule, 40-bit IPA and\n"
		"PA, the classic layout with two concatenated level-1 tables), faults\n"
		"guest RAM in on first access with the largest block that fits,\n"
		"dirty-logs it, and prints every step and the resulting tables.\n");
}

struct vm {
	struct s2_physmem *pm;
	struct s2_host_mm hm;
	struct s2_geom g;
	struct s2_pgtable pt;
	uint64_t ram_pa, ram_size;
	uint8_t *dirty; /* one byte per page, for the demo's dirty log */
	bool logging;
};

static int check(int ret, const char *what)
{
	if (ret)
		fprintf(stderr, "s2mm demo: %s: %s\n", what, s2_strerror(ret));
	return ret;
}

/*
 * What a hypervisor does on a stage-2 abort for @ipa (a write if @write):
 * map the largest block that lines up and stays in RAM, relax a page that
 * dirty logging protected, or report an access outside RAM as MMIO.
 */
static int guest_access(struct vm *vm, uint64_t ipa, bool write)
{
	uint64_t desc;
	int level;
	uint64_t gsz = 1ULL << vm->g.granule_shift;

	printf("guest %s IPA %#" PRIx64 ": ", write ? "writes" : "reads", ipa);
	int ret = s2_pgtable_lookup(&vm->pt, ipa, &desc, &level);
	if (ret == 0) {
		if (!write || (desc & S2_DESC_S2AP_W)) {
			printf("mapped at level %d, PA %#" PRIx64 "\n", level,
			       s2_geom_desc_to_oa(&vm->g, desc) +
				       (ipa & (s2_geom_level_size(&vm->g, level) - 1)));
			return 0;
		}
		/* Permission fault: the page was write-protected for logging. */
		printf("stage-2 permission fault (level %d) -> ", level);
		if (check(s2_pgtable_relax(&vm->pt, ipa, S2_PROT_W), "relax"))
			return 1;
		vm->dirty[(ipa - RAM_IPA) / gsz] = 1;
		printf("made writable, page marked dirty, TLB entry invalidated\n");
		return 0;
	}
	printf("stage-2 translation fault (level %d) -> ", level);
	if (ipa < RAM_IPA || ipa >= RAM_IPA + vm->ram_size) {
		printf("outside RAM: MMIO exit to the device model\n");
		return 0;
	}
	/* The largest block the level allows that stays inside RAM and whose
	 * IPA and PA line up (pages only while dirty logging). */
	uint64_t size = gsz;
	for (int l = S2_LEVEL_MAX - 1; l > vm->g.start_level && !vm->logging; l--) {
		uint64_t bs = s2_geom_level_size(&vm->g, l);
		uint64_t base = ipa & ~(bs - 1);
		if (!s2_geom_leaf_allowed(&vm->g, l) || base < RAM_IPA ||
		    base + bs > RAM_IPA + vm->ram_size ||
		    ((vm->ram_pa - RAM_IPA) & (bs - 1)))
			break;
		size = bs;
	}
	uint64_t base = ipa & ~(size - 1);
	/*
	 * While logging, a page is writable only once marked dirty: a read
	 * maps it read-only (its first write then takes the permission
	 * fault above), a write marks it and maps it writable.
	 */
	unsigned int prot = S2_PROT_RWX;
	if (vm->logging && !write)
		prot = S2_PROT_R | S2_PROT_X;
	if (check(s2_pgtable_map(&vm->pt, base, size, vm->ram_pa + (base - RAM_IPA),
				 prot, 0), "map"))
		return 1;
	if (vm->logging && write)
		vm->dirty[(base - RAM_IPA) / gsz] = 1;
	s2_pgtable_lookup(&vm->pt, ipa, &desc, &level);
	printf("mapped IPA %#" PRIx64 "+%#" PRIx64 " as a level %d %s%s\n", base,
	       size, level, level == S2_LEVEL_MAX ? "page" : "block",
	       prot & S2_PROT_W ? (vm->logging ? ", marked dirty" : "") : " read-only");
	return 0;
}

int cmd_demo(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "granule", required_argument, NULL, 'g' },
		{ "ipa-bits", required_argument, NULL, 'i' },
		{ "pa-bits", required_argument, NULL, 'p' },
		{ "ram", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	unsigned long long granule = 4096, ram = 8ULL << 20;
	unsigned int ipa_bits = 40, pa_bits = 40;
	int c;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'g': granule = parse_size(optarg); break;
		case 'i': ipa_bits = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 'p': pa_bits = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 'r': ram = parse_size(optarg); break;
		case 'h': demo_usage(stdout); return 0;
		default: demo_usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "s2mm demo: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}

	struct vm vm = { 0 };
	if (check(s2_geom_init(&vm.g, (unsigned int)granule, ipa_bits, pa_bits,
			       S2_START_LEVEL_AUTO), "layout"))
		return 2;
	uint64_t gsz = 1ULL << vm.g.granule_shift;
	/* Large granules need larger blocks: RAM at least two of them. */
	uint64_t min_ram = 2 * s2_geom_level_size(&vm.g, S2_LEVEL_MAX - 1);
	if (min_ram <= (1ULL << 30) && ram < min_ram)
		ram = min_ram;
	if (!ram || ram % gsz || RAM_IPA + ram > s2_geom_ipa_limit(&vm.g)) {
		fprintf(stderr, "s2mm demo: bad RAM size\n");
		return 2;
	}
	vm.ram_size = ram;
	int ret = 1;
	if (check(s2_physmem_create(&vm.pm, 0x40000000ULL, 4 * ram + (64ULL << 20)),
		  "physical memory"))
		return 1;
	s2_host_mm_init(&vm.hm, vm.pm);
	vm.dirty = calloc(ram / gsz, 1);
	if (!vm.dirty ||
	    check(s2_physmem_alloc_range(vm.pm, ram, ram, &vm.ram_pa), "guest RAM"))
		goto out_pm;

	printf("== layout: %llu KiB granule, %u-bit IPA, %u-bit PA\n", granule >> 10,
	       ipa_bits, pa_bits);
	printf("   start level %d, %u concatenated root table%s (%zu bytes)\n",
	       vm.g.start_level, vm.g.concat, vm.g.concat > 1 ? "s" : "",
	       vm.g.root_size);
	printf("   VTCR_EL2 = %#" PRIx64 " (T0SZ=%u SL0=%u TG0=%u PS=%u)\n", vm.g.vtcr,
	       (unsigned int)S2_FIELD_GET(VTCR_EL2_T0SZ, vm.g.vtcr),
	       (unsigned int)S2_FIELD_GET(VTCR_EL2_SL0, vm.g.vtcr),
	       (unsigned int)S2_FIELD_GET(VTCR_EL2_TG0, vm.g.vtcr),
	       (unsigned int)S2_FIELD_GET(VTCR_EL2_PS, vm.g.vtcr));

	printf("== create VM: allocate the stage-2 root (the pgd)\n");
	if (check(s2_pgtable_init(&vm.pt, &vm.g, &vm.hm.ops, &vm), "create"))
		goto out_ram;
	printf("   root at PA %#" PRIx64 ", VTTBR_EL2 = %#" PRIx64 " for VMID 1\n",
	       vm.pt.root_pa, s2_geom_vttbr(&vm.g, vm.pt.root_pa, 1));
	printf("   guest RAM: IPA %#llx, %llu MiB, backed by PA %#" PRIx64 "\n",
	       RAM_IPA, ram >> 20, vm.ram_pa);

	printf("== guest boots with its MMU off; stage 2 faults memory in\n");
	uint64_t blk = s2_geom_level_size(&vm.g, S2_LEVEL_MAX - 1);
	const struct { uint64_t ipa; bool write; } boot[] = {
		{ RAM_IPA, false }, { RAM_IPA + 0x10, true },
		{ RAM_IPA + blk + 3 * gsz, true }, { UART_IPA, true },
		{ RAM_IPA + ram - gsz, false },
	};
	for (size_t i = 0; i < sizeof(boot) / sizeof(boot[0]); i++)
		if (guest_access(&vm, boot[i].ipa, boot[i].write))
			goto out_pt;

	printf("== dirty logging: split blocks into pages, write-protect RAM\n");
	vm.logging = true;
	if (check(s2_pgtable_split(&vm.pt, RAM_IPA, ram, S2_LEVEL_MAX), "split") ||
	    check(s2_pgtable_wrprotect(&vm.pt, RAM_IPA, ram), "write-protect"))
		goto out_pt;
	printf("   RAM write-protected (%" PRIu64 " TLB invalidations so far: %" PRIu64
	       " by IPA, %" PRIu64 " VMID-wide)\n", vm.hm.tlbi_ipa + vm.hm.tlbi_vmid,
	       vm.hm.tlbi_ipa, vm.hm.tlbi_vmid);
	if (guest_access(&vm, RAM_IPA + blk + 5 * gsz, false) ||
	    guest_access(&vm, RAM_IPA + blk + 5 * gsz, true) ||
	    guest_access(&vm, RAM_IPA + blk + 5 * gsz + 8, true))
		goto out_pt;
	unsigned int ndirty = 0;
	for (uint64_t i = 0; i < ram / gsz; i++)
		ndirty += vm.dirty[i];
	printf("   dirty pages: %u\n", ndirty);

	printf("== the tables\n");
	dump_pgtable(stdout, &vm.pt, RAM_IPA, ram);

	printf("== unmap the first block, test-and-clear young over RAM\n");
	bool young;
	if (check(s2_pgtable_unmap(&vm.pt, RAM_IPA, blk), "unmap") ||
	    check(s2_pgtable_test_clear_young(&vm.pt, RAM_IPA, ram, &young), "age"))
		goto out_pt;
	printf("   RAM was %s\n", young ? "young (accessed)" : "old");
	ret = 0;
out_pt:
	printf("== destroy VM\n");
	uint64_t held = s2_physmem_allocated(vm.pm) - ram;
	s2_pgtable_destroy(&vm.pt);
	if (s2_physmem_allocated(vm.pm) == ram)
		printf("   freed every table page (%" PRIu64 " bytes)\n", held);
	else {
		fprintf(stderr, "s2mm demo: table pages leaked\n");
		ret = 1;
	}
out_ram:
	s2_physmem_free_range(vm.pm, vm.ram_pa, ram);
out_pm:
	free(vm.dirty);
	s2_host_mm_fini(&vm.hm);
	s2_physmem_destroy(vm.pm);
	return ret;
}

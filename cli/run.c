/* SPDX-License-Identifier: MIT */
/*
 * s2mm run: many VMs time-sliced on a few CPUs. Each vCPU boots with its
 * MMU off (its accesses are IPAs), then its guest turns stage 1 on and runs
 * a synthetic workload; stage 2 is faulted in on demand by libs2mm, VMIDs
 * roll over, a dirty-logged VM is migrated-style scanned, the host takes
 * memory back now and then. Every access is self-checked. --migrate,
 * --overcommit and --share run the host's live memory management (sim.h).
 */
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <s2mm/error.h>

#include "cli.h"
#include "report.h"
#include "sim.h"

#define VA_BASE 0x10000000ULL
/*
 * Guest RAM as the simulator lays it out (sim/config.h): --vm-mem rounded
 * up to 2 MiB, at most 1022M, its first 2 MiB the boot image; the guest
 * allocates its pages and its stage-1 tables in the rest.
 */
#define VM_MEM_ROUND SIM_VM_MEM_ROUND
#define VM_MEM_MAX SIM_VM_MEM_MAX
#define BOOT_IMAGE SIM_BOOT_IMAGE

enum workload { WL_SEQUENTIAL, WL_RANDOM, WL_ZIPF, WL_STRIDED };
static const char *const wl_names[] = { "sequential", "random", "zipf", "strided" };

enum {
	OPT_WORKLOAD = OPT_CMD_BASE, OPT_ACCESSES, OPT_SEED, OPT_SLICE, OPT_WSS,
	OPT_WRITES, OPT_STRIDE, OPT_ZIPF_S, OPT_BOOT,
	OPT_MIGRATE, OPT_LAZY_SPLIT, OPT_MIGRATE_AT, OPT_MIGRATE_RATE,
	OPT_MIGRATE_THRESHOLD, OPT_MIGRATE_ROUNDS, OPT_OVERCOMMIT, OPT_SHARE,
	OPT_CHECK_DATA,
	OPT_SHARE_SCAN, OPT_DROP_DIRTY, OPT_DROP_MERGE_TLBI, OPT_BAD_SWAPIN, OPT_FOREIGN_RAM,
};

struct wl {
	enum workload kind;
	uint64_t wss;              /* pages per VM */
	uint64_t page;             /* stage-1 page size */
	uint64_t stride;
	uint32_t write_thresh;     /* writes when rand32 < this */
	double zipf_s;
	double *cdf;               /* zipf: cumulative weights by rank */
	uint64_t boot;             /* MMU-off accesses per vCPU */
};

struct vstate {
	uint64_t rng;
	uint64_t pos;
	uint64_t boot_left;
};

static void run_usage(FILE *out)
{
	fprintf(out,
		"usage: s2mm run [options]\n\n"
		"Simulates CPUs running vCPUs of many VMs on libs2mm and the MMU model.\n"
		"The default scenario: 4 CPUs, 300 VMs x 2 vCPUs with 8-bit VMIDs (so\n"
		"VMIDs roll over), guests that boot with the MMU off and then enable\n"
		"stage 1, stage 2 faulted in on demand, VM 0 dirty-logged, the host\n"
		"reclaiming a VM's memory every 200 slices.\n\n"
		"workload:\n"
		"  --workload sequential|random|zipf|strided   (default zipf)\n"
		"  --accesses N        total guest accesses (default 20M)\n"
		"  --wss N             pages each VM's workload touches (default 512)\n"
		"  --writes PCT        percentage of writes (default 30)\n"
		"  --stride BYTES      strided workload step (default 4160)\n"
		"  --zipf-s S          zipf exponent (default 1.0)\n"
		"  --boot N            MMU-off accesses per vCPU before stage 1 (default 2048)\n"
		"  --slice N           accesses per time slice (default 2000)\n"
		"  --seed N            random seed (default 1)\n"
		"live memory management:\n"
		"  --migrate           migrate VM 0 live (pre-copy over its dirty log) into\n"
		"                      a second stage 2 with RAM of its own\n"
		"  --lazy-split        ... splitting its blocks on their first write, not\n"
		"                      when logging starts (eager, the default)\n"
		"  --migrate-at N      start after N accesses (default: a quarter of the run)\n"
		"  --migrate-rate N    pages the host copies per time slice (default 64)\n"
		"  --migrate-threshold N  stop the VM when a round sends at most N pages\n"
		"                      (default 16)\n"
		"  --migrate-rounds N  ... or after N copy rounds (2..%d, default 30)\n"
		"  --overcommit RATIO  the host has the guests' RAM / RATIO (1..64, e.g.\n"
		"                      1.5): pages on first touch, cold pages reclaimed into\n"
		"                      a compressed store (zstd; same-filled pages as a word)\n"
		"  --share             merge identical pages across VMs, copy on write\n"
		"  --share-scan N      pages the merger looks at per time slice (default 64)\n"
		"  --check-data        every read must find the last value written (on with\n"
		"                      --migrate, --overcommit, --share; costs memory for\n"
		"                      every page written)\n"
		"  --inject-lost-dirty-page  test the checks: the migration skips the first\n"
		"                      page of each dirty log it gets\n"
		"  --inject-missing-merge-tlbi  ... the TLBIs of the merger's calls are lost\n"
		"  --inject-bad-swapin ... a page comes back from the store with another's data\n"
		"  --inject-foreign-ram ... the last VM's memory slot is backed by the first\n"
		"                      VM's RAM (2 VMs or more, no --overcommit or --share)\n"
		"%s"
		"\nExit status: 0; 1 when a self-check failed (a PA outside the VM's\n"
		"memory, a stale TLB entry used, a value read that is not the last one\n"
		"written, a page the migration lost); 2 for bad options or errors.\n",
		SIM_MIG_MAX_ROUNDS, report_options_help);
}

/*
 * Option @opt's count from @arg, within [@min, @max]. Return: 0, or
 * -S2_EINVAL after an error naming the option and what it takes.
 */
static int count_arg(const char *opt, const char *arg, uint64_t min, uint64_t max,
		     uint64_t *v)
{
	uint64_t x;

	if (parse_u64(arg, &x) && x >= min && x <= max) {
		*v = x;
		return 0;
	}
	if (max == UINT64_MAX)
		fprintf(stderr, "s2mm run: --%s '%s': expected %" PRIu64 " or more (a count; "
				"K, M, G multiply by 2^10, 2^20, 2^30)\n", opt, arg, min);
	else
		fprintf(stderr, "s2mm run: --%s '%s': expected %" PRIu64 "..%" PRIu64 "\n", opt,
			arg, min, max);
	return -S2_EINVAL;
}

/*
 * Guest RAM a guest uses to touch each of @pages stage-1 pages from
 * VA_BASE once: the boot image, the pages, and the stage-1 tables that
 * map them (the simulator's guest allocates them all in its RAM).
 */
static uint64_t guest_ram_need(const struct sim_config *cfg, unsigned int va_bits,
			       uint64_t pages)
{
	unsigned int gshift = (unsigned int)__builtin_ctz(cfg->s1_granule);
	unsigned int stride = gshift - 3;
	unsigned int levels = (va_bits - gshift + stride - 1) / stride;
	uint64_t last = VA_BASE + (pages << gshift) - 1, n = 1 + pages; /* + root */

	/* Below the root, one table per span of VAs a table at that depth maps. */
	for (unsigned int l = 1; l < levels; l++) {
		unsigned int span = gshift + stride * (levels - l);

		n += (last >> span) - (VA_BASE >> span) + 1;
	}
	return BOOT_IMAGE + (n << gshift);
}

/* The largest working set whose guest fits in @have bytes of RAM. */
static uint64_t max_wss(const struct sim_config *cfg, unsigned int va_bits, uint64_t have)
{
	uint64_t lo = 0, hi = 1ULL << 28;

	while (lo < hi) {
		uint64_t mid = lo + (hi - lo + 1) / 2;

		if (guest_ram_need(cfg, va_bits, mid) <= have)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

/*
 * The workload against the machine, before anything is allocated: its
 * VAs [VA_BASE, + wss pages) within the guest's VA space, its pages and
 * their stage-1 tables within guest RAM. Sets the default --vm-mem (from
 * --wss) when none was given. Return: 0, or -S2_EINVAL after saying why.
 */
static int check_wss(struct sim_config *cfg, const struct wl *w, bool a32)
{
	/* --va-bits, or its default (sim_config_check() settles it later). */
	unsigned int va_bits = a32 ? 32 : cfg->va_bits ? cfg->va_bits : sim_defaults.va_bits;
	unsigned int need_bits = 0;
	uint64_t span = w->wss * w->page, need, have;
	bool dflt = !cfg->vm_mem;

	if (VA_BASE + span > (1ULL << va_bits)) {
		uint64_t fit = (1ULL << va_bits) > VA_BASE
				       ? ((1ULL << va_bits) - VA_BASE) / w->page : 0;

		while (VA_BASE + span > (1ULL << need_bits))
			need_bits++;
		fprintf(stderr, "s2mm run: the workload's VAs %#llx..%#" PRIx64 " (--wss %" PRIu64
				" pages of %" PRIu64 "K) do not fit the guest's %u-bit VA space ",
			(unsigned long long)VA_BASE, (uint64_t)(VA_BASE + span - 1), w->wss,
			w->page >> 10, va_bits);
		if (a32)
			fprintf(stderr, "(--s1-format a32): expected --wss 1..%" PRIu64 "\n", fit);
		else if (fit)
			fprintf(stderr, "(--va-bits %u): expected --wss 1..%" PRIu64 " or --va-bits "
					"%u..48\n", va_bits, fit, need_bits);
		else
			fprintf(stderr, "(--va-bits %u): expected --va-bits %u..48\n", va_bits,
				need_bits);
		return -S2_EINVAL;
	}
	if (dflt) {
		/*
		 * Kernel image, the working set, its tables, and headroom;
		 * at most the largest --vm-mem, which the check below holds
		 * the working set to.
		 */
		cfg->vm_mem = (4ULL << 20) + span + span / 4 + (w->page << 6);
		if (cfg->vm_mem > VM_MEM_MAX)
			cfg->vm_mem = VM_MEM_MAX;
	}
	need = guest_ram_need(cfg, va_bits, w->wss);
	have = (cfg->vm_mem + VM_MEM_ROUND - 1) & ~(VM_MEM_ROUND - 1);
	if (need <= have)
		return 0;
	fprintf(stderr, "s2mm run: --wss %" PRIu64 ": %" PRIu64 " pages of %" PRIu64 "K, their "
			"stage-1 tables and the boot image need %" PRIu64 " MiB of guest RAM per "
			"VM, more than ", w->wss, w->wss, w->page >> 10, (need + (1 << 20) - 1) >> 20);
	if (dflt)
		fprintf(stderr, "the default --vm-mem gives (4M + 1.25 x the working set + 64 "
				"pages, at most %lluM: %" PRIu64 " MiB here)",
			(unsigned long long)(VM_MEM_MAX >> 20),
			have >> 20);
	else
		fprintf(stderr, "--vm-mem gives (%" PRIu64 " MiB)", have >> 20);
	fprintf(stderr, ": expected --wss 1..%" PRIu64 " with %" PRIu64 "K pages%s\n",
		max_wss(cfg, va_bits, dflt ? VM_MEM_MAX : have), w->page >> 10,
		dflt || have >= VM_MEM_MAX ? "" : ", or a larger --vm-mem (up to 1022M)");
	return -S2_EINVAL;
}

static inline uint64_t rnd(uint64_t *s)
{
	/* xorshift64* */
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static int zipf_init(struct wl *w)
{
	double sum = 0;

	w->cdf = malloc(w->wss * sizeof(double));
	if (!w->cdf)
		return -1;
	for (uint64_t i = 0; i < w->wss; i++) {
		sum += 1.0 / pow((double)(i + 1), w->zipf_s);
		w->cdf[i] = sum;
	}
	for (uint64_t i = 0; i < w->wss; i++)
		w->cdf[i] /= sum;
	return 0;
}

static uint64_t zipf_page(const struct wl *w, uint64_t r)
{
	double u = (double)(r >> 11) * (1.0 / 9007199254740992.0);
	uint64_t lo = 0, hi = w->wss - 1;

	while (lo < hi) {
		uint64_t mid = (lo + hi) / 2;

		if (w->cdf[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* Scatter ranks over the region so that hot pages are not adjacent. */
	return (lo * 2654435761ULL) % w->wss;
}

static inline uint64_t next_va(const struct wl *w, struct vstate *v)
{
	uint64_t span = w->wss * w->page, r;

	switch (w->kind) {
	case WL_SEQUENTIAL:
		v->pos += 64;
		if (v->pos >= span)
			v->pos = 0;
		return VA_BASE + v->pos;
	case WL_STRIDED:
		v->pos += w->stride;
		if (v->pos >= span)
			v->pos %= span;
		return VA_BASE + (v->pos & ~7ULL);
	case WL_RANDOM:
		r = rnd(&v->rng);
		return VA_BASE + (r >> 20) % w->wss * w->page + (r & (w->page - 8));
	default:
		r = rnd(&v->rng);
		return VA_BASE + zipf_page(w, r) * w->page + ((r >> 3) & (w->page - 8));
	}
}

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		REPORT_LONGOPTS,
		{ "workload", 1, 0, OPT_WORKLOAD }, { "accesses", 1, 0, OPT_ACCESSES },
		{ "seed", 1, 0, OPT_SEED }, { "slice", 1, 0, OPT_SLICE },
		{ "wss", 1, 0, OPT_WSS }, { "writes", 1, 0, OPT_WRITES },
		{ "stride", 1, 0, OPT_STRIDE }, { "zipf-s", 1, 0, OPT_ZIPF_S },
		{ "boot", 1, 0, OPT_BOOT }, { "help", 0, 0, 'h' },
		{ "migrate", 0, 0, OPT_MIGRATE }, { "lazy-split", 0, 0, OPT_LAZY_SPLIT },
		{ "migrate-at", 1, 0, OPT_MIGRATE_AT },
		{ "migrate-rate", 1, 0, OPT_MIGRATE_RATE },
		{ "migrate-threshold", 1, 0, OPT_MIGRATE_THRESHOLD },
		{ "migrate-rounds", 1, 0, OPT_MIGRATE_ROUNDS },
		{ "overcommit", 1, 0, OPT_OVERCOMMIT }, { "share", 0, 0, OPT_SHARE },
		{ "check-data", 0, 0, OPT_CHECK_DATA },
		{ "share-scan", 1, 0, OPT_SHARE_SCAN },
		{ "inject-lost-dirty-page", 0, 0, OPT_DROP_DIRTY },
		{ "inject-missing-merge-tlbi", 0, 0, OPT_DROP_MERGE_TLBI },
		{ "inject-bad-swapin", 0, 0, OPT_BAD_SWAPIN },
		{ "inject-foreign-ram", 0, 0, OPT_FOREIGN_RAM }, { 0, 0, 0, 0 },
	};
	struct sim_config cfg = sim_defaults;
	struct report rep = { .command = "run" };
	struct wl w = { .kind = WL_ZIPF, .wss = 512, .stride = 4160, .zipf_s = 1.0,
			.boot = 2048 };
	uint64_t accesses = 20000000, seed = 1, slice = 2000, writes = 30;
	uint64_t migrate_at = 0, v;
	bool migrate_at_set = false;
	struct vstate *vs = NULL;
	struct sim *s = NULL;
	char err[256] = "";
	int c, ret = 2;

	/* Many VMs on a few CPUs, VMIDs to roll over; guest RAM from --wss. */
	cfg.cpus = 4;
	cfg.vms = 300;
	cfg.vcpus = 2;
	cfg.vmid_bits = 8;
	cfg.dirty_vms = 1;
	cfg.dirty_every = 50;
	cfg.reclaim_every = 200;
	cfg.migrate_rate = 64;
	cfg.migrate_threshold = 16;
	cfg.migrate_rounds = 30;
	cfg.share_scan = 64;
	/* 0 until --va-bits is given: an AArch32 stage 1 takes 32 only. */
	cfg.va_bits = 0;
	while ((c = report_getopt(argc, argv, opts, &cfg, &rep)) != -1) {
		switch (c) {
		case 'h':
			run_usage(stdout);
			return 0;
		case OPT_WORKLOAD: {
			unsigned int i;

			for (i = 0; i < 4 && strcmp(optarg, wl_names[i]); i++)
				;
			if (i == 4) {
				fprintf(stderr, "s2mm run: --workload '%s': expected sequential, "
						"random, zipf or strided\n", optarg);
				return 2;
			}
			w.kind = (enum workload)i;
			break;
		}
		case OPT_ACCESSES:
			if (count_arg("accesses", optarg, 1, UINT64_MAX, &accesses))
				return 2;
			break;
		case OPT_SEED:
			if (count_arg("seed", optarg, 0, UINT64_MAX, &seed))
				return 2;
			break;
		case OPT_SLICE:
			if (count_arg("slice", optarg, 1, UINT64_MAX, &slice))
				return 2;
			break;
		case OPT_WSS:
			/* Up to 2^28 pages here; against guest RAM once all is read. */
			if (count_arg("wss", optarg, 1, 1ULL << 28, &w.wss))
				return 2;
			break;
		case OPT_WRITES:
			if (count_arg("writes", optarg, 0, 100, &writes))
				return 2;
			break;
		case OPT_STRIDE:
			if (count_arg("stride", optarg, 1, UINT64_MAX, &w.stride))
				return 2;
			break;
		case OPT_ZIPF_S: {
			char *end;

			w.zipf_s = strtod(optarg, &end);
			if (*end || end == optarg || !(w.zipf_s > 0 && w.zipf_s < 10)) {
				fprintf(stderr, "s2mm run: --zipf-s '%s': expected a number above 0 "
						"and below 10\n", optarg);
				return 2;
			}
			break;
		}
		case OPT_BOOT:
			if (count_arg("boot", optarg, 0, UINT64_MAX, &w.boot))
				return 2;
			break;
		case OPT_MIGRATE:
			cfg.migrate = true;
			break;
		case OPT_LAZY_SPLIT:
			cfg.lazy_split = true;
			break;
		case OPT_MIGRATE_AT:
			if (count_arg("migrate-at", optarg, 0, UINT64_MAX, &migrate_at))
				return 2;
			migrate_at_set = true;
			break;
		case OPT_MIGRATE_RATE:
			if (count_arg("migrate-rate", optarg, 1, UINT64_MAX, &cfg.migrate_rate))
				return 2;
			break;
		case OPT_MIGRATE_THRESHOLD:
			if (count_arg("migrate-threshold", optarg, 0, UINT64_MAX,
				      &cfg.migrate_threshold))
				return 2;
			break;
		case OPT_MIGRATE_ROUNDS:
			if (count_arg("migrate-rounds", optarg, 2, SIM_MIG_MAX_ROUNDS, &v))
				return 2;
			cfg.migrate_rounds = (unsigned int)v;
			break;
		case OPT_OVERCOMMIT: {
			char *end;

			cfg.overcommit = strtod(optarg, &end);
			if (*end || end == optarg || !(cfg.overcommit >= 1 && cfg.overcommit <= 64)) {
				fprintf(stderr, "s2mm run: --overcommit '%s': expected a ratio from "
						"1 to 64 (guest RAM / host memory)\n", optarg);
				return 2;
			}
			break;
		}
		case OPT_CHECK_DATA:
			cfg.check_data = true;
			break;
		case OPT_SHARE:
			cfg.share = true;
			break;
		case OPT_SHARE_SCAN:
			if (count_arg("share-scan", optarg, 1, 1000000, &v))
				return 2;
			cfg.share_scan = (unsigned int)v;
			break;
		case OPT_DROP_DIRTY:
			cfg.drop_dirty_page = true;
			break;
		case OPT_DROP_MERGE_TLBI:
			cfg.drop_tlbi_merge = true;
			break;
		case OPT_BAD_SWAPIN:
			cfg.bad_swapin = true;
			break;
		case OPT_FOREIGN_RAM:
			cfg.foreign_ram = true;
			break;
		default: /* report_getopt() said why */
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "s2mm run: unexpected argument '%s'\nTry 's2mm run --help'.\n",
			argv[optind]);
		return 2;
	}
	/* --migrate-at is this command's (the machine's is migrate_start). */
	if (!cfg.migrate && migrate_at_set) {
		fprintf(stderr, "s2mm run: --lazy-split, --migrate-at and "
				"--inject-lost-dirty-page need --migrate\n");
		return 2;
	}
	/* Migration starts at a slice: a quarter of the run by default. */
	cfg.migrate_start = (migrate_at_set ? migrate_at : accesses / 4) / slice;
	w.page = cfg.s1_granule;
	if (check_wss(&cfg, &w, sim_s1_is_a32(cfg.s1_format)))
		return 2;
	/* After check_wss(), which sets the default --vm-mem it names. */
	if (sim_config_check(&cfg, err, sizeof(err))) {
		fprintf(stderr, "s2mm run: %s\n", err);
		return 2;
	}
	w.write_thresh = (uint32_t)((writes * 0x100000000ULL) / 100 > 0xffffffffULL
					    ? 0xffffffffu
					    : (writes * 0x100000000ULL) / 100);
	if (w.kind == WL_ZIPF && zipf_init(&w)) {
		fprintf(stderr, "s2mm run: out of memory\n");
		return 2;
	}
	rep.seed = seed;
	rep.slice = slice;
	rep.workload = wl_names[w.kind];
	if (sim_create(&s, &cfg, err, sizeof(err))) {
		fprintf(stderr, "s2mm run: %s\n", err);
		goto out;
	}
	uint64_t nv = (uint64_t)cfg.vms * cfg.vcpus;
	vs = calloc(nv, sizeof(*vs));
	if (!vs)
		goto out;
	for (uint64_t i = 0; i < nv; i++) {
		vs[i].rng = (seed + 1) * 0x9E3779B97F4A7C15ULL ^ (i + 1) * 0xD1B54A32D192ED03ULL;
		if (!vs[i].rng)
			vs[i].rng = 1;
		vs[i].pos = (i % cfg.vcpus) * (w.wss / cfg.vcpus) * w.page;
		vs[i].boot_left = w.boot;
	}

	unsigned int ncpu = cfg.cpus < nv ? cfg.cpus : (unsigned int)nv;
	uint64_t done = 0, round = 0;

	report_begin(&rep, accesses);
	while (done < accesses) {
		for (unsigned int cpu = 0; cpu < ncpu && done < accesses; cpu++) {
			uint64_t vi = (round * ncpu + cpu) % nv;
			struct sim_vcpu *vc = sim_vcpu(s, (unsigned int)(vi / cfg.vcpus),
						       (unsigned int)(vi % cfg.vcpus));
			struct vstate *st = &vs[vi];
			uint64_t n = accesses - done < slice ? accesses - done : slice;

			if (sim_schedule(s, cpu, vc))
				goto sim_err;
			for (uint64_t k = 0; k < n; k++) {
				uint64_t va, rr = rnd(&st->rng);
				unsigned int acc = (uint32_t)rr < w.write_thresh ? SIM_WRITE : SIM_READ;

				if (st->boot_left) {
					/*
					 * The kernel runs from its image with the MMU
					 * off, writing the same words in every VM and
					 * on every pass (the same image: pages --share
					 * can merge, and the boot then writes to).
					 */
					va = sim_boot_ipa(s, w.boot - st->boot_left);
					acc = (uint32_t)((va * 0x9E3779B97F4A7C15ULL) >> 32) <
						      w.write_thresh ? SIM_WRITE : SIM_READ;
					if (sim_access(s, cpu, va, acc))
						goto sim_err;
					if (--st->boot_left == 0 && sim_mmu_enable(s, vc))
						goto sim_err;
					continue;
				}
				if (!sim_vcpu_mmu_on(vc) && sim_mmu_enable(s, vc))
					goto sim_err;
				va = next_va(&w, st);
				if (sim_access(s, cpu, va, acc))
					goto sim_err;
			}
			done += n;
			if (sim_slice_end(s))
				goto sim_err;
		}
		round++;
		report_tick(&rep, s);
	}
	ret = report_finish(&rep, s);
	goto out;
sim_err:
	fprintf(stderr, "\ns2mm run: %s\n", sim_error(s));
	ret = 2;
out:
	free(vs);
	free(w.cdf);
	report_free(&rep);
	sim_destroy(s);
	return ret;
}

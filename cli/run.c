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

enum workload { WL_SEQUENTIAL, WL_RANDOM, WL_ZIPF, WL_STRIDED };
static const char *const wl_names[] = { "sequential", "random", "zipf", "strided" };

enum {
	OPT_WORKLOAD = OPT_CMD_BASE, OPT_ACCESSES, OPT_SEED, OPT_SLICE, OPT_WSS,
	OPT_WRITES, OPT_STRIDE, OPT_ZIPF_S, OPT_BOOT,
	OPT_MIGRATE, OPT_LAZY_SPLIT, OPT_MIGRATE_AT, OPT_MIGRATE_RATE,
	OPT_MIGRATE_THRESHOLD, OPT_MIGRATE_ROUNDS, OPT_OVERCOMMIT, OPT_SHARE,
	OPT_CHECK_DATA,
	OPT_SHARE_SCAN, OPT_DROP_DIRTY, OPT_DROP_MERGE_TLBI, OPT_BAD_SWAPIN,
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
		"%s"
		"\nExit status: 0; 1 when a self-check failed (a PA outside the VM's\n"
		"memory, a stale TLB entry used, a value read that is not the last one\n"
		"written, a page the migration lost); 2 for bad options or errors.\n",
		SIM_MIG_MAX_ROUNDS, report_options_help);
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
		{ "inject-bad-swapin", 0, 0, OPT_BAD_SWAPIN }, { 0, 0, 0, 0 },
	};
	struct sim_config cfg = report_defaults;
	struct report rep = { .command = "run" };
	struct wl w = { .kind = WL_ZIPF, .wss = 512, .stride = 4160, .zipf_s = 1.0,
			.boot = 2048 };
	uint64_t accesses = 20000000, seed = 1, slice = 2000, writes = 30;
	uint64_t migrate_at = UINT64_MAX, v;
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
			if (!parse_u64(optarg, &accesses) || !accesses)
				goto bad_num;
			break;
		case OPT_SEED:
			if (!parse_u64(optarg, &seed))
				goto bad_num;
			break;
		case OPT_SLICE:
			if (!parse_u64(optarg, &slice) || !slice)
				goto bad_num;
			break;
		case OPT_WSS:
			if (!parse_u64(optarg, &w.wss) || !w.wss || w.wss > (1ULL << 28))
				goto bad_num;
			break;
		case OPT_WRITES:
			if (!parse_u64(optarg, &writes) || writes > 100)
				goto bad_num;
			break;
		case OPT_STRIDE:
			if (!parse_u64(optarg, &w.stride) || !w.stride)
				goto bad_num;
			break;
		case OPT_ZIPF_S: {
			char *end;

			w.zipf_s = strtod(optarg, &end);
			if (*end || end == optarg || !(w.zipf_s > 0 && w.zipf_s < 10))
				goto bad_num;
			break;
		}
		case OPT_BOOT:
			if (!parse_u64(optarg, &w.boot))
				goto bad_num;
			break;
		case OPT_MIGRATE:
			cfg.migrate = true;
			break;
		case OPT_LAZY_SPLIT:
			cfg.lazy_split = true;
			break;
		case OPT_MIGRATE_AT:
			if (!parse_u64(optarg, &migrate_at))
				goto bad_num;
			break;
		case OPT_MIGRATE_RATE:
			if (!parse_u64(optarg, &cfg.migrate_rate) || !cfg.migrate_rate)
				goto bad_num;
			break;
		case OPT_MIGRATE_THRESHOLD:
			if (!parse_u64(optarg, &cfg.migrate_threshold))
				goto bad_num;
			break;
		case OPT_MIGRATE_ROUNDS:
			if (!parse_u64(optarg, &v) || v < 2 || v > SIM_MIG_MAX_ROUNDS) {
				fprintf(stderr, "s2mm run: --migrate-rounds '%s': expected 2..%d\n",
					optarg, SIM_MIG_MAX_ROUNDS);
				return 2;
			}
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
			if (!parse_u64(optarg, &v) || !v || v > 1000000)
				goto bad_num;
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
		default: /* report_getopt() said why */
			return 2;
		}
		continue;
bad_num:
		fprintf(stderr, "s2mm run: %s: bad value '%s'\n", argv[optind - 1], optarg);
		return 2;
	}
	if (optind < argc) {
		fprintf(stderr, "s2mm run: unexpected argument '%s'\nTry 's2mm run --help'.\n",
			argv[optind]);
		return 2;
	}
	if (!cfg.migrate && (cfg.lazy_split || migrate_at != UINT64_MAX ||
			     cfg.drop_dirty_page)) {
		fprintf(stderr, "s2mm run: --lazy-split, --migrate-at and "
				"--inject-lost-dirty-page need --migrate\n");
		return 2;
	}
	if ((cfg.migrate && (cfg.overcommit != 0 || cfg.share)) ||
	    (cfg.drop_tlbi_merge && !cfg.share) || (cfg.bad_swapin && cfg.overcommit == 0)) {
		fprintf(stderr, "s2mm run: --migrate moves contiguous RAM: not with "
				"--overcommit or --share; --inject-missing-merge-tlbi needs "
				"--share, --inject-bad-swapin --overcommit\n");
		return 2;
	}
	/* Migration starts at a slice: a quarter of the run by default. */
	cfg.migrate_start = (migrate_at == UINT64_MAX ? accesses / 4 : migrate_at) / slice;
	w.page = cfg.s1_granule;
	if (!cfg.vm_mem) {
		/* Kernel image, the working set, its tables, and headroom. */
		cfg.vm_mem = (4ULL << 20) + w.wss * w.page + w.wss * w.page / 4 +
			     (w.page << 6);
	}
	if (cfg.s1_format == SIM_S1_A32 && VA_BASE + w.wss * w.page > (1ULL << 32)) {
		fprintf(stderr, "s2mm run: --wss too large for 32-bit VAs\n");
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

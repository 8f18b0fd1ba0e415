/* SPDX-License-Identifier: MIT */
/*
 * s2mm run: many VMs time-sliced on a few CPUs. Each vCPU boots with its
 * MMU off (its accesses are IPAs), then its guest turns stage 1 on and runs
 * a synthetic workload; stage 2 is faulted in on demand by libs2mm, VMIDs
 * roll over, a dirty-logged VM is migrated-style scanned, the host takes
 * memory back now and then. Every access is self-checked.
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
		"%s"
		"\nExit status: 0; 1 when a self-check failed (a PA outside the VM's\n"
		"memory, a stale TLB entry used); 2 for bad options or errors.\n",
		report_options_help);
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
		{ "boot", 1, 0, OPT_BOOT }, { "help", 0, 0, 'h' }, { 0, 0, 0, 0 },
	};
	struct sim_config cfg = report_defaults;
	struct report rep = { .command = "run" };
	struct wl w = { .kind = WL_ZIPF, .wss = 512, .stride = 4160, .zipf_s = 1.0,
			.boot = 2048 };
	uint64_t accesses = 20000000, seed = 1, slice = 2000, writes = 30;
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
					/* The kernel runs from its image with the MMU off. */
					va = sim_boot_ipa(s, w.boot - st->boot_left);
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

/* SPDX-License-Identifier: MIT */
/*
 * MMU model benchmarks, as ratios against baselines measured in the same
 * run: a full 4+4-level 2D walk (24 descriptor reads) against 24 dependent
 * cached loads (pointer chase); a TLB hit as an embedder makes it (the
 * inline look-up of s2mm/tlb_fast.h, s2_tlb_translate() on a miss) and
 * through s2_tlb_translate() alone; translations/s of a mixed workload
 * through a 256-entry TLB.
 *
 * The walk is measured as a TLB miss sees it (best of ROUNDS rounds
 * alternating with the chase; 16 of its 24 reads depend on one another,
 * docs/model.md "The fast 2D walk"), with the registers' decoded
 * controls kept (s2_mmu_translate_cached(), as struct s2_tlb does): what
 * the goal ratio is about. "walk-decode" adds decoding VTCR_EL2, TCR_EL1
 * and the TTBRs on every walk (s2_mmu_translate(), no state).
 *
 * Translation caches: a TLB-miss-heavy replay (random pages over 16 MiB,
 * 4096 pages through a 64-entry TLB) with every cache on (stage-1 and
 * stage-2 walk caches, nested TLB) against the same stream with every
 * cache off (no cache of stage-1 fetch translations: the fast 2D walk),
 * best of ROUNDS alternating rounds; and a TLB hit with every cache on
 * against one with none, alternating too: the caches must not slow it.
 *
 * Usage: bench_model [iters] [walk|walk-decode|hit|hit-call|mixed|wc-on|wc-off|hit-wc|halves].
 * Naming one part runs only
 * it, for instruction counts: under valgrind --tool=callgrind, the
 * difference between runs of 2N and N iterations, over N, is the cost of
 * one walk, TLB hit or mixed translation.
 */
#define _POSIX_C_SOURCE 199309L
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <s2mm/arch.h>
#include <s2mm/mmu.h>
#include <s2mm/physmem.h>
#include <s2mm/tlb.h>
#include <s2mm/tlb_fast.h>

#include "../../tests/model/tt.h"
#include "../bench.h"

#define ROUNDS 7

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* 24 nodes, one per cache line, visited in a shuffled cycle. */
static void *chase_nodes[24 * 8] __attribute__((aligned(64)));

static double bench_chase(long iters)
{
	unsigned perm[24], i;
	void **p;
	double t0;
	long n;

	for (i = 0; i < 24; i++)
		perm[i] = i;
	for (i = 23; i > 0; i--) {
		unsigned j = (unsigned)rand() % (i + 1), t = perm[i];
		perm[i] = perm[j];
		perm[j] = t;
	}
	for (i = 0; i < 24; i++)
		chase_nodes[perm[i] * 8] = &chase_nodes[perm[(i + 1) % 24] * 8];
	p = &chase_nodes[perm[0] * 8];
	t0 = now();
	for (n = 0; n < iters; n++) {
		for (i = 0; i < 24; i++)
			p = *p;
		__asm__ volatile("" : "+r"(p));
	}
	return (now() - t0) / (double)iters;
}

/* Storage for a TLB and its walk caches. */
struct caches {
	struct s2_tlb tlb;
	struct s2_tlb_entry ent[16 * 4];
	struct s2_wc wc[S2_WC_NR];
	struct s2_wc_entry wce[S2_WC_NR][64];
};

/*
 * A 64-entry TLB, @on: with the stage-1 walk cache (64 entries), the
 * stage-2 walk cache and the nested TLB (32 each), all 4-way, as
 * `s2mm run --s1-walk-cache 64 --s2-walk-cache 32 --nested-tlb 32`; off:
 * none, and no TLB entries serving stage-1 fetches (`--no-tlb-fetch`).
 */
static void caches_init(struct caches *k, bool on)
{
	static const uint32_t n[S2_WC_NR] = { [S2_WC_S1] = 64, [S2_WC_S2] = 32,
					      [S2_WC_NESTED] = 32 };

	bench_check(s2_tlb_init(&k->tlb, k->ent, 16, 4), "s2_tlb_init");
	s2_tlb_set_s2_fetch(&k->tlb, on);
	for (unsigned t = 0; on && t < S2_WC_NR; t++)
		bench_check(s2_tlb_walk_cache(&k->tlb, t, &k->wc[t], k->wce[t], n[t] / 4, 4,
					      S2_WC_ROUND_ROBIN), "s2_tlb_walk_cache");
}

#define STREAM 65536
/* The TTBR1 half's VAs: these bits set (48-bit VA spaces). */
#define HALF1 0xffff000000000000ULL

/* Replay @va[] @iters accesses long through @k; ns per access. */
static double replay(struct caches *k, const struct tt *t, const struct s2_mmu_cpu *cpu,
		     const struct s2_mmu_regs *regs, const uint64_t *va, long iters,
		     uint64_t *sink)
{
	struct s2_mmu_access a = { 0, S2_MMU_READ, 1 };
	struct s2_mmu_result r;
	double t0 = now();

	for (long n = 0; n < iters; n++) {
		a.va = va[n & (STREAM - 1)];
		s2_tlb_translate(&k->tlb, &t->mem, cpu, regs, &a, &r);
		*sink += r.pa;
	}
	return (now() - t0) / (double)iters;
}

/* One access's TLB hit, @iters times; ns per hit. */
static double hits(struct caches *k, const struct tt *t, const struct s2_mmu_cpu *cpu,
		   const struct s2_mmu_regs *regs, uint64_t va, long iters, uint64_t *sink)
{
	struct s2_mmu_access a = { va, S2_MMU_READ, 1 };
	struct s2_mmu_result r;
	double t0;

	s2_tlb_translate(&k->tlb, &t->mem, cpu, regs, &a, &r);
	t0 = now();
	for (long n = 0; n < iters; n++) {
		s2_tlb_translate(&k->tlb, &t->mem, cpu, regs, &a, &r);
		*sink += r.pa;
	}
	return (now() - t0) / (double)iters;
}

/* Run @part: everything when no part is named. */
static int want(const char *only, const char *part)
{
	return !only || !strcmp(only, part);
}

int main(int argc, char **argv)
{
	long iters = argc > 1 ? atol(argv[1]) : 2000000;
	const char *only = argc > 2 ? argv[2] : NULL;
	struct tt t;
	struct s2_mmu_cpu cpu = s2_mmu_cpu_max;
	uint64_t i;
	struct tt_geo s2, s1, s1hi;
	struct s2_mmu_regs regs;
	struct s2_mmu_access a = { 0x0000123456789abcULL, S2_MMU_READ, 1 };
	struct s2_mmu_result r;
	static struct s2_tlb_entry ent[64 * 4];
	struct s2_tlb tlb;
	struct s2_mmu_regime rc;
	double t0, walk = 0, walk_dec = 0, chase = 0, hit = 0, hit_call = 0, mixed = 0;
	double wc_on = 0, wc_off = 0, hit_on = 0, hit_off = 0, wc_reads = 0, nowc_reads = 0;
	double half0 = 0, half01 = 0;
	long n;
	uint64_t sink = 0, rng = 88172645463325252ULL;

	bench_start("bench_model");
	tt_init(&t);
	tt_world_48(&t, 0x80000000ULL, 4ULL << 20, &s2, &s1, &regs);
	regs.vttbr_el2 |= 1ULL << VTTBR_EL2_VMID_SHIFT;
	regs.mair_el1 = 0xff;
	/* 4096 guest pages (16 MiB) at VA 0x123456000000, IPA 0x10000000. */
	for (i = 0; i < 4096; i++) {
		tt_set(&t, &s2, 0x10000000ULL + i * 4096, 3,
		       s2_leaf(TT_MEM_BASE + i * 4096, 3, 0xf, 0, 3));
		tt_set(&t, &s1, 0x123456000000ULL + i * 4096, 3,
		       s1_leaf(0x10000000ULL + i * 4096, 0, 0, 0, 3));
	}
	tt_set(&t, &s1, a.va, 3, s1_leaf(0x10000000, 0, 0, 0, 3));
	/* The same pages in the TTBR1 half too (T1SZ 16, TG1 4KB), for "halves". */
	s1hi = (struct tt_geo){ 12, 0, 48, tt_alloc(&t, 4096), s1.off };
	regs.tcr_el1 |= (16ULL << 16) | (2ULL << 30);
	regs.ttbr1_el1 = s1hi.root - s1hi.off;
	for (i = 0; i < 4096; i++)
		tt_set(&t, &s1hi, HALF1 + 0x123456000000ULL + i * 4096, 3,
		       s1_leaf(0x10000000ULL + i * 4096, 0, 0, 0, 3));
	if (s2_mmu_translate(&t.mem, &cpu, &regs, &a, &r) || r.fault.type ||
	    r.desc_reads != 24) {
		fprintf(stderr, "setup: fault %u reads %u\n", r.fault.type, r.desc_reads);
		return 1;
	}

	/*
	 * The chase and the walk alternate in ROUNDS rounds and each keeps
	 * its best round: the ratio then compares the two at the machine's
	 * quietest, not whatever else ran during one of them. Each walk's VA
	 * depends on the last one's PA, as the chase's loads depend on each
	 * other: a walk's latency, not walks overlapping.
	 */
	if (want(only, "walk")) {
		uint64_t va0 = a.va;
		long per = only ? iters : iters / ROUNDS;
		int round;

		s2_mmu_regime_init(&rc);
		for (round = 0; round < (only ? 1 : ROUNDS); round++) {
			double c = only ? 0 : bench_chase(per), w;

			t0 = now();
			for (n = 0; n < per; n++) {
				s2_mmu_translate_cached(&rc, &t.mem, &cpu, &regs, &a, &r);
				sink += r.pa;
				a.va = va0 + (r.pa >> 63);
			}
			w = (now() - t0) / (double)per;
			if (!round || c < chase)
				chase = c;
			if (!round || w < walk)
				walk = w;
		}
	}
	if (want(only, "walk-decode")) {
		t0 = now();
		for (n = 0; n < iters; n++) {
			s2_mmu_translate(&t.mem, &cpu, &regs, &a, &r);
			sink += r.pa;
		}
		walk_dec = (now() - t0) / (double)iters;
	}

	/*
	 * The TLB hit as an embedder makes it: the inline look-up
	 * (s2mm/tlb_fast.h), s2_tlb_translate() on a miss; and the same hits
	 * through s2_tlb_translate() alone. 64 pages in turn, all held, so
	 * that each hit probes its own set; best of ROUNDS alternating rounds.
	 */
	if (want(only, "hit") || want(only, "hit-call")) {
		long per = only ? iters : iters / ROUNDS;
		struct s2_mmu_access h = a;

		s2_tlb_init(&tlb, ent, 64, 4);
		for (i = 0; i < 64; i++) {
			h.va = 0x123456000000ULL + i * 4096;
			s2_tlb_translate(&tlb, &t.mem, &cpu, &regs, &h, &r);
		}
		s2_tlb_stats_reset(&tlb);
		for (int round = 0; round < (only ? 1 : ROUNDS); round++) {
			double x = 0, y = 0;

			if (want(only, "hit")) {
				t0 = now();
				for (n = 0; n < per; n++) {
					struct s2_tlb_fast_hit fh;

					h.va = 0x123456000000ULL + (uint64_t)(n & 63) * 4096 + 8;
					if (s2_tlb_fast_lookup(&tlb, &h, &fh)) {
						sink += fh.pa;
						continue;
					}
					s2_tlb_translate(&tlb, &t.mem, &cpu, &regs, &h, &r);
					sink += r.pa;
				}
				x = (now() - t0) / (double)per;
			}
			if (want(only, "hit-call")) {
				t0 = now();
				for (n = 0; n < per; n++) {
					h.va = 0x123456000000ULL + (uint64_t)(n & 63) * 4096 + 8;
					s2_tlb_translate(&tlb, &t.mem, &cpu, &regs, &h, &r);
					sink += r.pa;
				}
				y = (now() - t0) / (double)per;
			}
			if (!round || x < hit)
				hit = x;
			if (!round || y < hit_call)
				hit_call = y;
		}
		if (tlb.stats.hits != tlb.stats.translations) {
			fprintf(stderr, "hit: %llu hits of %llu translations\n",
				(unsigned long long)tlb.stats.hits,
				(unsigned long long)tlb.stats.translations);
			return 1;
		}
	}

	/* Mixed: 90% within a hot set of 64 pages, 10% over 4096 pages. */
	s2_tlb_init(&tlb, ent, 64, 4);
	if (want(only, "mixed")) {
		t0 = now();
		for (n = 0; n < iters; n++) {
			uint64_t page;
			rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
			page = (rng % 10) ? (rng >> 8) % 64 : (rng >> 8) % 4096;
			a.va = 0x123456000000ULL + page * 4096 + ((rng >> 32) & 0xff8);
			a.acc = (rng >> 40) & 1;
			s2_tlb_translate(&tlb, &t.mem, &cpu, &regs, &a, &r);
			sink += r.pa;
		}
		mixed = (now() - t0) / (double)iters;
	}

	if (want(only, "wc-on") || want(only, "wc-off") || want(only, "hit-wc")) {
		static struct caches on, off, hon, hoff;
		static uint64_t stream[STREAM];
		long per = only ? iters : iters / ROUNDS;
		int round;

		for (i = 0; i < STREAM; i++) {
			rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
			stream[i] = 0x123456000000ULL + ((rng >> 8) % 4096) * 4096 +
				    ((rng >> 32) & 0xff8);
		}
		caches_init(&on, true);
		caches_init(&off, false);
		caches_init(&hon, true);
		caches_init(&hoff, false);
		for (round = 0; round < (only ? 1 : ROUNDS); round++) {
			double x, y;

			if (want(only, "wc-on") || want(only, "wc-off")) {
				x = want(only, "wc-off") ? replay(&off, &t, &cpu, &regs, stream, per, &sink) : 0;
				y = want(only, "wc-on") ? replay(&on, &t, &cpu, &regs, stream, per, &sink) : 0;
				if (!round || x < wc_off)
					wc_off = x;
				if (!round || y < wc_on)
					wc_on = y;
			}
			if (want(only, "hit-wc")) {
				x = hits(&hoff, &t, &cpu, &regs, a.va, per, &sink);
				y = hits(&hon, &t, &cpu, &regs, a.va, per, &sink);
				if (!round || x < hit_off)
					hit_off = x;
				if (!round || y < hit_on)
					hit_on = y;
			}
		}
		if (on.tlb.stats.stale_hits || hon.tlb.stats.stale_hits ||
		    off.tlb.stats.hits * 10 > off.tlb.stats.translations) {
			fprintf(stderr, "replay: %llu stale hits, %llu hits of %llu\n",
				(unsigned long long)on.tlb.stats.stale_hits,
				(unsigned long long)off.tlb.stats.hits,
				(unsigned long long)off.tlb.stats.translations);
			return 1;
		}
		wc_reads = on.tlb.stats.walks ? (double)on.tlb.stats.desc_reads / on.tlb.stats.walks : 0;
		nowc_reads = off.tlb.stats.walks ? (double)off.tlb.stats.desc_reads / off.tlb.stats.walks : 0;
	}

	/*
	 * TLB misses in both VA halves: the stream of "wc-off" (every cache
	 * off) all in TTBR0, and the same pages each in TTBR0 or TTBR1 at
	 * random, half and half, where the lean walk's and the miss lane's
	 * branch on the half (regime_s1_half()) is least predictable.
	 * Alternating best-of rounds; no goal.
	 */
	if (want(only, "halves")) {
		static struct caches h0, h01;
		static uint64_t s0[STREAM], s01[STREAM];
		long per = only ? iters : iters / ROUNDS;

		for (i = 0; i < STREAM; i++) {
			rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17;
			s0[i] = 0x123456000000ULL + ((rng >> 8) % 4096) * 4096 +
				((rng >> 32) & 0xff8);
			s01[i] = s0[i] | ((rng >> 60) & 1 ? HALF1 : 0);
		}
		caches_init(&h0, false);
		caches_init(&h01, false);
		for (int round = 0; round < (only ? 1 : ROUNDS); round++) {
			double x = replay(&h0, &t, &cpu, &regs, s0, per, &sink);
			double y = replay(&h01, &t, &cpu, &regs, s01, per, &sink);

			if (!round || x < half0)
				half0 = x;
			if (!round || y < half01)
				half01 = y;
		}
		for (int f = 1; f < S2_MMU_FAULT_NR; f++)
			if (h0.tlb.stats.faults[f] || h01.tlb.stats.faults[f]) {
				fprintf(stderr, "halves: faults of type %d\n", f);
				return 1;
			}
	}

	printf("pointer chase, 24 dependent loads : %8.1f ns\n", chase);
	printf("full 2D walk (4+4 levels, 24 reads): %8.1f ns  ratio %.2fx (goal <= 1.5x)\n",
	       walk, walk / chase);
	printf("  same, decoding the registers     : %8.1f ns  ratio %.2fx\n",
	       walk_dec, walk_dec / chase);
	printf("TLB hit, inline (s2mm/tlb_fast.h)  : %8.1f ns  (%.2fx one chase load)\n",
	       hit, hit / (chase / 24));
	printf("  same, through s2_tlb_translate() : %8.1f ns\n", hit_call);
	printf("mixed workload through TLB         : %8.1f ns  %.2f M translations/s, hit rate %.1f%%\n",
	       mixed, 1e3 / mixed,
	       100.0 * (double)tlb.stats.hits / (double)tlb.stats.translations);
	printf("TLB-miss-heavy replay, caches off : %8.1f ns  (%.1f reads a walk)\n",
	       wc_off, nowc_reads);
	printf("  every cache on                   : %8.1f ns  (%.1f reads a walk), %.2fx faster\n",
	       wc_on, wc_reads, wc_off / wc_on);
	printf("TLB hit, every cache on            : %8.1f ns  (%.2fx the hit with none, %.1f ns)\n",
	       hit_on, hit_on / hit_off, hit_off);
	printf("TLB-miss replay, caches off, TTBR0 or TTBR1 at random: %.1f ns "
	       "(%.1f ns all TTBR0)\n", half01, half0);
	printf("(sink %llu)\n", (unsigned long long)(sink & 1));
	if (!only) {
		bench_goal("full 2D walk vs 24 dependent cached loads", walk / chase, true, 1.5, "x");
		bench_goal("TLB hit in the model", hit, true, 5.0, " ns");
		bench_goal("TLB-miss-heavy replay, caches on vs off", wc_off / wc_on, false, 2.0, "x");
		/* Alternating best-of rounds: 10% covers a shared host's noise. */
		bench_goal("TLB hit with every cache on vs none", hit_on / hit_off, true, 1.1, "x");
	}

	tt_fini(&t);
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * One hot path, N times, for the instruction budgets (tests/budget/budget.sh):
 * the production library, host glue and MMU model set up as bench/ does,
 * each operation in its own function budget_op_CASE, which callgrind counts
 * alone (--toggle-collect): setup and the undoing between operations stay
 * outside the count. Nothing here reads a clock or a random source, so a
 * build runs the same instructions every time.
 *
 * Cases (an operation each):
 *   map        map 64 MiB of 4K pages into empty tables (whole tables filled)
 *   map-fill   map 64 MiB of 4K pages into tables already holding one page
 *              each: one leaf at a time, a refcount update each
 *   unmap-pages  unmap them again, leaving each table its first page: one
 *              leaf at a time too
 *   wrprotect  write-protect 64 MiB of writable 4K pages (whole tables)
 *   fault      one write translation fault through s2_vm_handle_abort,
 *              populating one 4K page of a dirty-logged slot
 *   walk       one full 2D walk (4+4 levels, 24 reads) through the MMU
 *              model, its decoded-regime cache kept between walks
 *   tlb-hit    one TLB hit (s2_tlb_translate()) of the same world: 64 pages
 *              in turn, all held by the TLB, so every set and way the
 *              look-up takes is a real one, not one remembered answer
 *   tlb-hit-inline  the same hits as an embedder makes them: the inline
 *              look-up (s2mm/tlb_fast.h), s2_tlb_translate() on a miss
 *   wc-miss    one TLB miss (s2_tlb_translate(): walk and fill) with every
 *              translation cache on and warm (bench/model's 64-entry TLB,
 *              stage-1 walk cache 64, stage-2 walk cache 32, nested TLB 32):
 *              the walk the caches serve, two descriptor reads
 *   nowc-miss  the same misses with every cache off (no TLB entry serving
 *              stage-1 fetches either): the fast 2D walk, 24 reads
 *
 * Usage: budget_ops CASE N   (prints the case, N and a checksum)
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <s2mm/arch.h>
#include <s2mm/error.h>
#include <s2mm/geometry.h>
#include <s2mm/host_ops.h>
#include <s2mm/mmu.h>
#include <s2mm/pgtable.h>
#include <s2mm/physmem.h>
#include <s2mm/tlb.h>
#include <s2mm/tlb_fast.h>
#include <s2mm/vm.h>

#include "../model/tt.h"

#define K4 4096ULL
#define M2 (2ULL << 20)
#define G1 (1ULL << 30)
#define RANGE (64ULL << 20)
#define IPA_BASE (4 * G1)
#define PA_BASE (8 * G1)
#define SLOT_SIZE (256ULL << 20)

/* A count past an error measures the error path: stop instead. */
static void check(int ret, const char *what)
{
	if (ret) {
		fprintf(stderr, "budget_ops: %s: %s\n", what, s2_strerror(ret));
		exit(1);
	}
}

/* Tables from simulated physical memory through the host glue, as bench/;
 * @pt for the page-table cases (env_init_pt()). */
struct env {
	struct s2_physmem *pm;
	struct s2_host_mm hm;
	struct s2_geom g;
	struct s2_pgtable pt;
	bool has_pt;
};

static void env_init(struct env *e)
{
	e->has_pt = false;
	check(s2_physmem_create(&e->pm, 0x40000000, 256ULL << 20), "physmem");
	s2_host_mm_init(&e->hm, e->pm);
	check(s2_geom_init(&e->g, 4096, 40, 40, S2_START_LEVEL_AUTO), "geometry");
}

static void env_init_pt(struct env *e)
{
	env_init(e);
	check(s2_pgtable_init(&e->pt, &e->g, &e->hm.ops, NULL), "pgtable");
	e->has_pt = true;
}

static void env_fini(struct env *e)
{
	if (e->has_pt)
		s2_pgtable_destroy(&e->pt);
	s2_host_mm_reclaim(&e->hm);
	s2_physmem_destroy(e->pm);
}

/*
 * The measured operations: out of line, not cloned and not merged with
 * another of the same body (callgrind finds each by its name).
 */
#if defined(__clang__)
#define MEASURED __attribute__((noinline))
#else
#define MEASURED __attribute__((noipa))
#endif

/* External, so that each keeps its name: no prototypes elsewhere. */
int budget_op_map(struct s2_pgtable *pt);
int budget_op_map_fill(struct s2_pgtable *pt);
int budget_op_unmap_pages(struct s2_pgtable *pt);
int budget_op_wrprotect(struct s2_pgtable *pt);
int budget_op_fault(struct s2_vm *vm, uint64_t ipa, struct s2_vm_stats *st);
uint64_t budget_op_walk(struct s2_mmu_regime *rc, const struct s2_mmu_mem *mem,
			const struct s2_mmu_cpu *cpu, const struct s2_mmu_regs *regs,
			const struct s2_mmu_access *a);
uint64_t budget_op_tlb_hit(struct s2_tlb *tlb, const struct s2_mmu_mem *mem,
			   const struct s2_mmu_cpu *cpu, const struct s2_mmu_regs *regs,
			   const struct s2_mmu_access *a);
uint64_t budget_op_tlb_hit_inline(struct s2_tlb *tlb, const struct s2_mmu_mem *mem,
				  const struct s2_mmu_cpu *cpu, const struct s2_mmu_regs *regs,
				  const struct s2_mmu_access *a);
uint64_t budget_op_wc_miss(struct s2_tlb *tlb, const struct s2_mmu_mem *mem,
			   const struct s2_mmu_cpu *cpu, const struct s2_mmu_regs *regs,
			   const struct s2_mmu_access *a);
uint64_t budget_op_nowc_miss(struct s2_tlb *tlb, const struct s2_mmu_mem *mem,
			     const struct s2_mmu_cpu *cpu, const struct s2_mmu_regs *regs,
			     const struct s2_mmu_access *a);

static int map_range(struct s2_pgtable *pt)
{
	return s2_pgtable_map(pt, IPA_BASE, RANGE, PA_BASE, S2_PROT_RW, S2_MAP_PAGES);
}

/* All but the first page of each level-3 table: the tables stay. */
static int unmap_pages(struct s2_pgtable *pt)
{
	int ret = 0;

	for (uint64_t a = 0; a < RANGE && !ret; a += M2)
		ret = s2_pgtable_unmap(pt, IPA_BASE + a + K4, M2 - K4);
	return ret;
}

MEASURED int budget_op_map(struct s2_pgtable *pt)
{
	return map_range(pt);
}

MEASURED int budget_op_map_fill(struct s2_pgtable *pt)
{
	return map_range(pt);
}

MEASURED int budget_op_unmap_pages(struct s2_pgtable *pt)
{
	return unmap_pages(pt);
}

MEASURED int budget_op_wrprotect(struct s2_pgtable *pt)
{
	return s2_pgtable_wrprotect(pt, IPA_BASE, RANGE);
}

MEASURED int budget_op_fault(struct s2_vm *vm, uint64_t ipa, struct s2_vm_stats *st)
{
	struct s2_abort abt = {
		.esr = (ESR_ELx_EC_DABT_LOW << 26) | ESR_ELx_IL | ESR_ISS_DA_WnR |
		       (FSC_TRANSLATION + 3),
		.far = ipa, .hpfar = (ipa >> 12) << 4, .stats = st,
	};
	struct s2_exit x;
	int ret = s2_vm_handle_abort(vm, &abt, &x);

	return ret ? ret : x.reason == S2_EXIT_RESUME ? 0 : -S2_EAGAIN;
}

MEASURED uint64_t budget_op_walk(struct s2_mmu_regime *rc, const struct s2_mmu_mem *mem,
				 const struct s2_mmu_cpu *cpu, const struct s2_mmu_regs *regs,
				 const struct s2_mmu_access *a)
{
	struct s2_mmu_result r;

	if (s2_mmu_translate_cached(rc, mem, cpu, regs, a, &r) || r.fault.type)
		return 0;
	return r.pa;
}

MEASURED uint64_t budget_op_tlb_hit(struct s2_tlb *tlb, const struct s2_mmu_mem *mem,
				    const struct s2_mmu_cpu *cpu, const struct s2_mmu_regs *regs,
				    const struct s2_mmu_access *a)
{
	struct s2_mmu_result r;

	if (s2_tlb_translate(tlb, mem, cpu, regs, a, &r) || r.fault.type || !r.tlb_hit)
		return 0;
	return r.pa;
}

MEASURED uint64_t budget_op_tlb_hit_inline(struct s2_tlb *tlb, const struct s2_mmu_mem *mem,
					   const struct s2_mmu_cpu *cpu,
					   const struct s2_mmu_regs *regs,
					   const struct s2_mmu_access *a)
{
	struct s2_tlb_fast_hit h;
	struct s2_mmu_result r;

	if (s2_tlb_fast_lookup(tlb, a, &h))
		return h.pa;
	if (s2_tlb_translate(tlb, mem, cpu, regs, a, &r) || r.fault.type || !r.tlb_hit)
		return 0;
	return r.pa;
}

MEASURED uint64_t budget_op_wc_miss(struct s2_tlb *tlb, const struct s2_mmu_mem *mem,
				    const struct s2_mmu_cpu *cpu, const struct s2_mmu_regs *regs,
				    const struct s2_mmu_access *a)
{
	struct s2_mmu_result r;

	if (s2_tlb_translate(tlb, mem, cpu, regs, a, &r) || r.fault.type || r.tlb_hit)
		return 0;
	return r.pa;
}

MEASURED uint64_t budget_op_nowc_miss(struct s2_tlb *tlb, const struct s2_mmu_mem *mem,
				      const struct s2_mmu_cpu *cpu, const struct s2_mmu_regs *regs,
				      const struct s2_mmu_access *a)
{
	return budget_op_wc_miss(tlb, mem, cpu, regs, a);
}

/* The fresh map into empty tables, unmapped again (whole tables) uncounted. */
static uint64_t run_map(long n)
{
	struct env e;
	struct s2_pgtable *pt = &e.pt;
	uint64_t sum = 0, desc;
	int level;

	env_init_pt(&e);
	for (long i = 0; i < n; i++) {
		check(budget_op_map(pt), "map");
		check(s2_pgtable_lookup(pt, IPA_BASE + RANGE - K4, &desc, &level), "lookup");
		sum += level == S2_LEVEL_MAX;
		check(s2_pgtable_unmap(pt, IPA_BASE, RANGE), "unmap");
	}
	env_fini(&e);
	return sum;
}

/*
 * Tables present, each level-3 table keeping its first page: the map
 * installs the other 511 leaves one by one, the unmap removes them one by
 * one (a refcount update each), and the tables stay. @map: count the map
 * (else the unmap).
 */
static uint64_t run_fill(long n, bool map)
{
	struct env e;
	struct s2_pgtable *pt = &e.pt;
	uint64_t sum = 0, desc;
	int level;

	env_init_pt(&e);
	for (uint64_t a = 0; a < RANGE; a += M2)
		check(s2_pgtable_map(pt, IPA_BASE + a, K4, PA_BASE + a, S2_PROT_RW,
				     S2_MAP_PAGES), "first pages");
	for (long i = 0; i < n; i++) {
		check(map ? budget_op_map_fill(pt) : map_range(pt), "map");
		check(s2_pgtable_lookup(pt, IPA_BASE + RANGE - K4, &desc, &level), "lookup");
		sum += desc & 1;
		check(map ? unmap_pages(pt) : budget_op_unmap_pages(pt), "unmap");
		sum += s2_pgtable_lookup(pt, IPA_BASE + RANGE - K4, &desc, &level) == -S2_ENOENT;
	}
	env_fini(&e);
	return sum;
}

static uint64_t run_map_fill(long n)
{
	return run_fill(n, true);
}

static uint64_t run_unmap_pages(long n)
{
	return run_fill(n, false);
}

/* Write-protect a writable range; write access given back uncounted. */
static uint64_t run_wrprotect(long n)
{
	struct env e;
	struct s2_pgtable *pt = &e.pt;
	uint64_t sum = 0, desc;
	int level;

	env_init_pt(&e);
	check(map_range(pt), "map");
	for (long i = 0; i < n; i++) {
		check(budget_op_wrprotect(pt), "wrprotect");
		check(s2_pgtable_lookup(pt, IPA_BASE + RANGE / 2, &desc, &level), "lookup");
		sum += !(desc & S2_DESC_S2AP_W);
		check(s2_pgtable_protect(pt, IPA_BASE, RANGE, S2_PROT_RW), "protect");
	}
	env_fini(&e);
	return sum;
}

/*
 * Faults on consecutive pages of a dirty-logged slot (pages only, as
 * bench/vm has it): a new level-3 table every 512 faults, the rest into
 * tables present. The slot's pages are unmapped after each 32 MiB run.
 */
static uint64_t run_fault(long n)
{
	static uint64_t bitmap[SLOT_SIZE / K4 / 64];
	const long per_run = 8192;
	struct env e;
	struct s2_vm vm;
	struct s2_vm_stats st = { 0 };
	struct s2_memslot slot = { .id = 1, .ipa = IPA_BASE, .size = SLOT_SIZE, .pa = PA_BASE };

	env_init(&e);
	check(s2_vm_init(&vm, &e.g, &e.hm.ops), "vm");
	check(s2_vm_slot_add(&vm, &slot), "slot");
	check(s2_vm_dirty_log_enable(&vm, 1, bitmap, sizeof(bitmap) / 8), "dirty log");
	for (long i = 0; i < n; i++) {
		check(budget_op_fault(&vm, IPA_BASE + (uint64_t)(i % per_run) * K4, &st), "fault");
		if (i % per_run == per_run - 1 || i == n - 1)
			check(s2_vm_unmap(&vm, IPA_BASE, (uint64_t)per_run * K4), "unmap");
	}
	s2_vm_destroy(&vm);
	env_fini(&e);
	return st.page_maps;
}

/* bench/model's world: 4096 guest pages, both stages at 4K, 48-bit. */
static void walk_world(struct tt *t, struct s2_mmu_regs *regs)
{
	struct tt_geo s2, s1;

	tt_init(t);
	tt_world_48(t, 0x80000000ULL, 4ULL << 20, &s2, &s1, regs);
	regs->vttbr_el2 |= 1ULL << VTTBR_EL2_VMID_SHIFT;
	regs->mair_el1 = 0xff;
	for (uint64_t i = 0; i < 4096; i++) {
		tt_set(t, &s2, 0x10000000ULL + i * 4096, 3,
		       s2_leaf(TT_MEM_BASE + i * 4096, 3, 0xf, 0, 3));
		tt_set(t, &s1, 0x123456000000ULL + i * 4096, 3,
		       s1_leaf(0x10000000ULL + i * 4096, 0, 0, 0, 3));
	}
}

static uint64_t run_walk(long n)
{
	struct tt t;
	struct s2_mmu_regs regs;
	struct s2_mmu_cpu cpu = s2_mmu_cpu_max;
	struct s2_mmu_access a = { 0x0000123456789abcULL, S2_MMU_READ, 1 };
	struct s2_mmu_regime rc;
	uint64_t sum = 0, va0 = a.va;

	walk_world(&t, &regs);
	s2_mmu_regime_init(&rc);
	for (long i = 0; i < n; i++) {
		/* 4096 pages in turn: the same path, other descriptors. */
		a.va = va0 - (va0 & 0xffffff) + (uint64_t)(i % 4096) * 4096 + 0xabc;
		uint64_t pa = budget_op_walk(&rc, &t.mem, &cpu, &regs, &a);
		if (!pa) {
			fprintf(stderr, "budget_ops: walk of %#llx faulted\n",
				(unsigned long long)a.va);
			exit(1);
		}
		sum += pa;
	}
	tt_fini(&t);
	return sum;
}

/*
 * bench/model's TLB (64 sets x 4 ways) over the same world, 64 pages
 * filled by one walk each (uncounted), then hit in turn: through
 * s2_tlb_translate(), or (@inline_hit) as an embedder does, each hit the
 * inline one.
 */
static uint64_t tlb_hits(long n, bool inline_hit)
{
	static struct s2_tlb_entry ent[64 * 4];
	struct tt t;
	struct s2_mmu_regs regs;
	struct s2_mmu_cpu cpu = s2_mmu_cpu_max;
	struct s2_mmu_access a = { 0x123456000000ULL, S2_MMU_READ, 1 };
	struct s2_mmu_result r;
	struct s2_tlb tlb;
	uint64_t sum = 0;

	walk_world(&t, &regs);
	check(s2_tlb_init(&tlb, ent, 64, 4), "tlb");
	for (uint64_t i = 0; i < 64; i++) {
		a.va = 0x123456000000ULL + i * 4096;
		check(s2_tlb_translate(&tlb, &t.mem, &cpu, &regs, &a, &r), "fill");
	}
	for (long i = 0; i < n; i++) {
		a.va = 0x123456000000ULL + (uint64_t)(i % 64) * 4096 + 0x8;
		uint64_t hits = tlb.stats.hits;
		uint64_t pa = inline_hit ?
			budget_op_tlb_hit_inline(&tlb, &t.mem, &cpu, &regs, &a) :
			budget_op_tlb_hit(&tlb, &t.mem, &cpu, &regs, &a);
		if (!pa || tlb.stats.hits != hits + 1) {
			fprintf(stderr, "budget_ops: no TLB hit for %#llx\n",
				(unsigned long long)a.va);
			exit(1);
		}
		sum += pa;
	}
	tt_fini(&t);
	return sum;
}

static uint64_t run_tlb_hit(long n)
{
	return tlb_hits(n, false);
}

static uint64_t run_tlb_hit_inline(long n)
{
	return tlb_hits(n, true);
}

/*
 * Misses over the same world: its 4096 pages in a fixed scattered order
 * (stride 1031) through a 16 x 4 TLB, each dropped from it first (a
 * last-level TLBI, uncounted, which leaves the walk caches); @on: every translation cache on, warmed by
 * one round uncounted (the counted ones: what the caches then give).
 */
static uint64_t run_miss(long n, bool on)
{
	static struct s2_tlb_entry ent[16 * 4];
	static struct s2_wc wc[S2_WC_NR];
	static struct s2_wc_entry wce[S2_WC_NR][64];
	static const uint32_t size[S2_WC_NR] = { [S2_WC_S1] = 64, [S2_WC_S2] = 32,
						 [S2_WC_NESTED] = 32 };
	struct tt t;
	struct s2_mmu_regs regs;
	struct s2_mmu_cpu cpu = s2_mmu_cpu_max;
	struct s2_mmu_access a = { 0, S2_MMU_READ, 1 };
	struct s2_mmu_result r;
	struct s2_tlb tlb;
	struct s2_tlbi op = { .op = S2_TLBI_VAALE1, .vmid = 1 };
	uint64_t sum = 0;

	walk_world(&t, &regs);
	check(s2_tlb_init(&tlb, ent, 16, 4), "tlb");
	s2_tlb_set_s2_fetch(&tlb, on);
	for (unsigned c = 0; on && c < S2_WC_NR; c++)
		check(s2_tlb_walk_cache(&tlb, c, &wc[c], wce[c], size[c] / 4, 4,
					S2_WC_ROUND_ROBIN), "walk cache");
	for (uint64_t i = 0; i < 4096; i++) {
		a.va = 0x123456000000ULL + (i * 1031 % 4096) * 4096;
		check(s2_tlb_translate(&tlb, &t.mem, &cpu, &regs, &a, &r), "warm");
	}
	for (long i = 0; i < n; i++) {
		a.va = 0x123456000000ULL + ((uint64_t)i * 1031 % 4096) * 4096 + 0x10;
		/* Last level: the walk caches keep their table descriptors. */
		op.addr = a.va;
		check(s2_tlb_tlbi(&tlb, &op), "tlbi");
		uint64_t pa = on ? budget_op_wc_miss(&tlb, &t.mem, &cpu, &regs, &a) :
				   budget_op_nowc_miss(&tlb, &t.mem, &cpu, &regs, &a);
		if (!pa) {
			fprintf(stderr, "budget_ops: no miss, or a fault, for %#llx\n",
				(unsigned long long)a.va);
			exit(1);
		}
		sum += pa;
	}
	tt_fini(&t);
	return sum;
}

static uint64_t run_wc_miss(long n)
{
	return run_miss(n, true);
}

static uint64_t run_nowc_miss(long n)
{
	return run_miss(n, false);
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		uint64_t (*run)(long n);
	} cases[] = {
		{ "map", run_map }, { "map-fill", run_map_fill },
		{ "unmap-pages", run_unmap_pages },
		{ "wrprotect", run_wrprotect }, { "fault", run_fault },
		{ "walk", run_walk }, { "tlb-hit", run_tlb_hit },
		{ "tlb-hit-inline", run_tlb_hit_inline },
		{ "wc-miss", run_wc_miss }, { "nowc-miss", run_nowc_miss },
	};
	long n = argc == 3 ? atol(argv[2]) : 0;

	for (size_t c = 0; n > 0 && c < sizeof(cases) / sizeof(cases[0]); c++) {
		if (strcmp(argv[1], cases[c].name))
			continue;
		printf("%s %ld checksum %llu\n", cases[c].name, n,
		       (unsigned long long)cases[c].run(n));
		return 0;
	}
	fprintf(stderr, "usage: budget_ops map|map-fill|unmap-pages|wrprotect|fault|walk|tlb-hit|tlb-hit-inline|wc-miss|nowc-miss N (N > 0)\n");
	return 2;
}

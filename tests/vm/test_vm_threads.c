/* SPDX-License-Identifier: MIT */
/*
 * Concurrency: two vCPU threads fault on the same VM (shared, lock-free
 * table updates) while a host thread unmaps, ages and dirty-logs it
 * (exclusive), for S2MM_OPS operations (default 1,000,000). Run under TSan
 * (-DS2MM_TSAN=ON): no report, no lost write in the dirty log, and the
 * whole-tree invariant holds at the end.
 *
 * The embedder's lock is the per-vCPU one of host/eplock.c (each vCPU its
 * own reader slot): read for aborts, write for the
 * rest, as KVM's mmu_lock. Faults are built from the syndrome a CPU would
 * report for what the tables hold (the model itself is not thread-safe).
 */
#define _POSIX_C_SOURCE 200809L /* sched_yield */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>

#include <s2mm/eplock.h>
#include <s2mm/table_rc.h>

#include "vmfx.h"

#define RAM_IPA 0x40000000ULL
#define RAM_SIZE (8ULL << 20)
#define PAGES (RAM_SIZE >> 12)
#define VCPUS 2

struct shared {
	struct vmfx f;
	uint64_t pa;
	struct s2_eplock lock;
	uint64_t ops_left, total;
	bool logging;                  /* under lock */
	uint64_t bitmap[PAGES / 64];   /* the slot's live log */
	uint64_t logged[PAGES / 64];   /* union of what get_clear reported */
	uint64_t wrote[PAGES / 64];    /* pages written while logging */
	uint64_t retries, resumes, host_ops;
	uint64_t mapped;               /* bytes mapped at the end */
	unsigned int vcpus_running;
	bool done;
};

/* cmocka's asserts cannot fail from other threads: record, stop, report. */
static const char *failed_what;
static int failed_line;
#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond) && !__atomic_exchange_n(&failed_line, __LINE__,     \
						    __ATOMIC_RELAXED))            \
			failed_what = #cond;                                   \
	} while (0)
#define FAILED() (__atomic_load_n(&failed_line, __ATOMIC_RELAXED) != 0)

static uint64_t rng(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return *s >> 17;
}

/*
 * The vCPUs keep within PACE writes per host operation. A loaded machine
 * could otherwise leave the host thread unscheduled until every write was
 * done (0 host operations and 4 faults, 1 run in 70 beside two busy
 * loops), and nothing would have run concurrently. Unloaded, the host
 * makes one operation per 30 writes or so: the pace never binds.
 */
#define PACE 256
static bool take_op(struct shared *sh)
{
	uint64_t left = __atomic_load_n(&sh->ops_left, __ATOMIC_RELAXED);
	while (left && !FAILED()) {
		if ((sh->total - left) / PACE >
		    __atomic_load_n(&sh->host_ops, __ATOMIC_RELAXED)) {
			sched_yield();
			left = __atomic_load_n(&sh->ops_left, __ATOMIC_RELAXED);
			continue;
		}
		if (__atomic_compare_exchange_n(&sh->ops_left, &left, left - 1, false,
						__ATOMIC_RELAXED, __ATOMIC_RELAXED))
			return true;
	}
	return false;
}

/*
 * A vCPU writes one page: fault until the tables let the write through.
 * The retry happens inside the same read-side section, as a CPU retrying
 * the instruction at once would: the host's exclusive operations cannot
 * undo the fix in between, so every write makes progress. Another vCPU's
 * walk may hold the entry locked (break-before-make) while the OS has
 * preempted its thread: after a few quick tries the writer yields, and
 * only an entry that stays locked for WRITE_TRIES tries is a failure (a
 * lock a walker never released).
 */
#define WRITE_QUICK_TRIES 8
#define WRITE_TRIES 100000
static void guest_write(struct shared *sh, unsigned int slot, uint64_t page)
{
	uint64_t ipa = RAM_IPA + page * 4096 + 8;
	CHECK(s2_eplock_read_lock(&sh->lock, slot) == 0);
	for (int tries = 0; tries < WRITE_TRIES; tries++) {
		uint64_t desc;
		if (tries >= WRITE_QUICK_TRIES)
			sched_yield();
		int level;
		int found = s2_pgtable_lookup(&sh->f.vm.pgt, ipa, &desc, &level);
		if (found == 0 && (desc & S2_DESC_S2AP_W)) {
			/* The store happens now, inside the read side: a
			 * write-protect (exclusive) cannot run meanwhile. */
			uint64_t pa = s2_geom_desc_to_oa(&sh->f.g, desc) +
				      (ipa & (s2_geom_level_size(&sh->f.g, level) - 1));
			CHECK(pa == sh->pa + page * 4096 + 8);
			if (sh->logging)
				__atomic_fetch_or(&sh->wrote[page / 64], 1ULL << (page % 64),
						  __ATOMIC_RELAXED);
			CHECK(s2_eplock_read_unlock(&sh->lock, slot) == 0);
			return;
		}
		uint64_t fsc = found == 0 ? FSC_PERMISSION + (uint64_t)level
					  : FSC_TRANSLATION + (uint64_t)(level < 0 ? 0 : level);
		struct s2_abort abt = {
			.esr = (ESR_ELx_EC_DABT_LOW << 26) | ESR_ELx_IL | ESR_ISS_DA_WnR | fsc,
			.far = ipa, .hpfar = (ipa >> 12) << 4,
		};
		struct s2_exit e;
		int ret = s2_vm_handle_abort(&sh->f.vm, &abt, &e);
		CHECK(ret == 0);
		CHECK(ret || e.reason == S2_EXIT_RESUME || e.reason == S2_EXIT_RETRY);
		if (FAILED())
			break;
		__atomic_add_fetch(e.reason == S2_EXIT_RETRY ? &sh->retries : &sh->resumes, 1,
				   __ATOMIC_RELAXED);
	}
	CHECK(s2_eplock_read_unlock(&sh->lock, slot) == 0);
	CHECK(!"a write made no progress");
}

struct vcpu {
	struct shared *sh;
	unsigned int slot; /* its reader slot in the lock */
};

static void *vcpu(void *arg)
{
	struct shared *sh = ((struct vcpu *)arg)->sh;
	unsigned int slot = ((struct vcpu *)arg)->slot;
	uint64_t seed = (uint64_t)(uintptr_t)&seed;
	for (unsigned int n = 0; !FAILED() && take_op(sh); n++) {
		uint64_t r = rng(&seed);
		/* Half the writes go to a few hot pages, where vCPUs collide. */
		guest_write(sh, slot, r & 1 ? (r >> 1) % 8 : (r >> 1) % PAGES);
		if (n % 16 == 0)
			sched_yield(); /* let the host thread in */
	}
	/*
	 * The last vCPU stops the host at once. Left to the main thread, woken
	 * from its join, a loaded machine gave the host time for thousands of
	 * operations with no writes between them, and its unmaps emptied the
	 * tables (the check of what stays mapped failed, 1 run in 30).
	 */
	if (__atomic_sub_fetch(&sh->vcpus_running, 1, __ATOMIC_RELAXED) == 0)
		__atomic_store_n(&sh->done, true, __ATOMIC_RELAXED);
	return NULL;
}

static void collect(struct shared *sh)
{
	uint64_t out[PAGES / 64];
	CHECK(s2_vm_dirty_log_get_clear(&sh->f.vm, 1, out, PAGES / 64) == 0);
	for (size_t i = 0; i < PAGES / 64; i++)
		sh->logged[i] |= out[i];
}

static void *host(void *arg)
{
	struct shared *sh = arg;
	uint64_t seed = 99;
	while (!FAILED() && !__atomic_load_n(&sh->done, __ATOMIC_RELAXED)) {
		s2_eplock_write_lock(&sh->lock);
		__atomic_add_fetch(&sh->host_ops, 1, __ATOMIC_RELAXED);
		uint64_t r = rng(&seed);
		switch (r % 6) {
		case 0: /* MMU notifier: a random range goes */
			CHECK(s2_vm_unmap(&sh->f.vm, RAM_IPA + (r >> 8) % PAGES * 4096,
					  4096 * (1 + (r >> 30) % 64)) == 0);
			break;
		case 1: {
			bool young;
			CHECK(s2_vm_test_clear_young(&sh->f.vm, RAM_IPA, RAM_SIZE, &young) == 0);
			break;
		}
		case 2:
			if (!sh->logging) {
				CHECK(s2_vm_dirty_log_enable(&sh->f.vm, 1, sh->bitmap, PAGES / 64) == 0);
				sh->logging = true;
			}
			break;
		case 3:
			if (sh->logging) {
				collect(sh);
				/* Every page written while logging was reported. */
				for (size_t i = 0; i < PAGES / 64; i++)
					CHECK((sh->wrote[i] & ~sh->logged[i]) == 0);
				CHECK(s2_vm_dirty_log_disable(&sh->f.vm, 1) == 0);
				memset(sh->wrote, 0, sizeof(sh->wrote));
				memset(sh->logged, 0, sizeof(sh->logged));
				sh->logging = false;
			}
			break;
		default:
			if (sh->logging)
				collect(sh);
			break;
		}
		/* No shared walker runs now: the grace period for deferred frees. */
		s2_host_mm_reclaim(&sh->f.hm);
		s2_eplock_write_unlock(&sh->lock);
		sched_yield();
	}
	return NULL;
}

/* Refcounts right for the valid entries of every table (s2mm/table_rc.h;
 * empty tables allowed: a shared walk that lost a race may leave one for
 * the next fault). */
static int rc_visitor(const struct s2_walk_ctx *ctx, enum s2_walk_flags visit)
{
	struct vmfx *f = ctx->arg;
	(void)visit;
	uint64_t pa = s2_geom_desc_to_oa(&f->g, ctx->old);
	uint64_t *t = s2_physmem_va(f->pm, pa, 4096);
	uint32_t valid = 0;
	for (int i = 0; i < 512; i++)
		valid += t[i] & 1;
	assert_true(s2_table_rc_ok(*s2_physmem_refcount(f->pm, pa), valid));
	return 0;
}

/* Every mapping left lies in the slot and maps the slot's own page: no
 * race mapped a wrong or stray page. Counts the bytes mapped. */
static int leaf_visitor(const struct s2_walk_ctx *ctx, enum s2_walk_flags visit)
{
	struct shared *sh = ctx->arg;
	uint64_t size = s2_geom_level_size(&sh->f.g, ctx->level);
	(void)visit;
	if (!(ctx->old & 1))
		return 0;
	assert_true(ctx->addr >= RAM_IPA && ctx->addr + size <= RAM_IPA + RAM_SIZE);
	assert_int_equal(s2_geom_desc_to_oa(&sh->f.g, ctx->old), sh->pa + (ctx->addr - RAM_IPA));
	sh->mapped += size;
	return 0;
}

static void threads_fault_unmap_and_log(void **state)
{
	(void)state;
	struct shared *sh = calloc(1, sizeof(*sh));
	assert_non_null(sh);
	vmfx_init(&sh->f, 4096, 40);
	sh->pa = vmfx_ram(&sh->f, RAM_SIZE, 2 << 20);
	vmfx_slot(&sh->f, 1, RAM_IPA, RAM_SIZE, sh->pa, 0);
	assert_int_equal(s2_eplock_init(&sh->lock, VCPUS), 0);
	const char *ops = getenv("S2MM_OPS");
	sh->ops_left = ops ? strtoull(ops, NULL, 0) : 1000000;
	uint64_t total = sh->ops_left;
	sh->total = total;

	pthread_t t[VCPUS + 1];
	struct vcpu v[VCPUS];
	sh->vcpus_running = VCPUS;
	for (int i = 0; i < VCPUS; i++) {
		v[i] = (struct vcpu){ sh, (unsigned int)i };
		assert_int_equal(pthread_create(&t[i], NULL, vcpu, &v[i]), 0);
	}
	assert_int_equal(pthread_create(&t[VCPUS], NULL, host, sh), 0);
	for (int i = 0; i < VCPUS + 1; i++)
		pthread_join(t[i], NULL);
	if (FAILED())
		fail_msg("line %d: %s", failed_line, failed_what);

	if (sh->logging) {
		collect(sh);
		for (size_t i = 0; i < PAGES / 64; i++)
			assert_int_equal(sh->wrote[i] & ~sh->logged[i], 0);
	}
	/*
	 * Writes alone now, so that what stays mapped is never empty: on a
	 * loaded machine the host's last unmaps could otherwise follow every
	 * write (the check of mapped pages below found none, 1 run in 60).
	 */
	for (uint64_t page = 0; page < 64; page++)
		guest_write(sh, 0, page);
	if (FAILED())
		fail_msg("line %d: %s", failed_line, failed_what);
	struct s2_walker w = { .cb = rc_visitor, .arg = &sh->f, .flags = S2_WALK_TABLE_PRE };
	assert_int_equal(s2_pgtable_walk(&sh->f.vm.pgt, 0, 1ULL << 40, &w), 0);
	w = (struct s2_walker){ .cb = leaf_visitor, .arg = sh, .flags = S2_WALK_LEAF };
	assert_int_equal(s2_pgtable_walk(&sh->f.vm.pgt, 0, 1ULL << 40, &w), 0);
	assert_true(sh->mapped >= 64 * 4096);
	print_message("%llu guest writes, %llu host operations, %llu faults handled, %llu retries\n",
		      (unsigned long long)total, (unsigned long long)sh->host_ops,
		      (unsigned long long)sh->resumes, (unsigned long long)sh->retries);
	assert_true(sh->resumes > total / 100);
	s2_eplock_destroy(&sh->lock);
	vmfx_fini(&sh->f);
	free(sh);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(threads_fault_unmap_and_log),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

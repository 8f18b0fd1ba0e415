/* SPDX-License-Identifier: MIT */
/*
 * Pre-copy live migration (migrate.h), as a VMM does it over the network
 * with KVM's dirty log, but into a second VM of the same s2hyp: logging on
 * the source's RAM slot, a full copy, then rounds of get-and-clear and
 * copies of the pages written meanwhile while the guest runs on the other
 * CPUs; then stop, last round, device state, switch. get-and-clear
 * write-protects what it reports before the copy reads it, so a write
 * racing with the copy dirties the page again for the next round.
 */
#include "vm.h"
#include "linux.h"
#include "migrate.h"
#include "sched.h"

#include <s2mm/error.h>

static void copy_page(const struct hyp_vm *src, struct hyp_vm *dst,
		      uint64_t page)
{
	uint64_t off = page << PAGE_SHIFT;

	memcpy((void *)(dst->ram_pa + off), (const void *)(src->ram_pa + off),
	       PAGE_SIZE);
	/* The destination's guest may read it with its MMU off or execute
	 * it: to the PoC now, while the source still runs. */
	vm_dcache_clean(dst->ram_pa + off, PAGE_SIZE);
}

static const uint64_t *ram_page(const struct hyp_vm *vm, uint64_t page)
{
	return (const uint64_t *)(vm->ram_pa + (page << PAGE_SHIFT));
}

#define NO_PAGE	(~0ULL)

/*
 * One round: take the pages written since the last one (write-protecting
 * them again, under the VM's memory lock) and copy them. Return: pages
 * copied, or a negative S2_E* code.
 *
 * Test aid: with @lost not NULL, the host loses one page for good, as a
 * bug in its bitmap walk would: the first page found dirty whose copy is
 * out of date (written since the full copy) becomes *@lost, and is never
 * sent again. Its last write is then missing at the destination.
 */
static int64_t sync_round(struct hyp_vm *src, struct hyp_vm *dst,
			  uint64_t *bits, size_t words, uint64_t *lost)
{
	int64_t n = 0;
	int ret;

	hyp_mm_write_lock(&src->mm_lock);
	ret = s2_vm_dirty_log_get_clear(&src->mm, VM_SLOT_RAM, bits, words);
	hyp_mm_write_unlock(&src->mm_lock);
	if (ret)
		return ret;
	for (size_t w = 0; w < words; w++) {
		for (uint64_t m = bits[w]; m; m &= m - 1) {
			uint64_t page = w * 64 + (uint64_t)__builtin_ctzll(m);

			if (lost && *lost == NO_PAGE &&
			    !page_equal(ram_page(src, page),
					ram_page(dst, page))) {
				*lost = page;
				hyp_printf("vm%u: migrate: test aid: page %lx "
					   "lost\n", src->id, page);
			}
			if (lost && page == *lost)
				continue;
			copy_page(src, dst, page);
			n++;
		}
	}
	return n;
}

/* The guest's state that is not RAM: vCPUs, vGIC, UART, clocks. */
static void copy_state(const struct hyp_vm *src, struct hyp_vm *dst)
{
	for (unsigned int i = 0; i < src->cfg.nr_vcpus; i++) {
		struct hyp_vcpu *v = &dst->vcpus[i];

		*v = src->vcpus[i];
		v->vm = dst;
		v->running_on = -1;
		v->last_cpu = -1;
	}
	/* The vGIC's and the UART's state are plain data but for the
	 * owner the vGIC kicks, and the locks (free: nothing runs). */
	dst->vgic = src->vgic;
	dst->vgic.kick_ctx = dst;
	dst->vgic.lock.v = 0;
	dst->uart = src->uart;
	dst->uart.lock.v = 0;
	/* The guest's virtual counter runs on across the move: the
	 * downtime is time that passed, as after a real migration. */
	dst->cntvoff = src->cntvoff;
	dst->started = src->started;
	dst->idles = src->idles;
	dst->vmid_changes += src->vmid_changes;
	dst->tlb_local_flushes += src->tlb_local_flushes;
	memcpy(dst->line, src->line, sizeof(dst->line));
	dst->line_len = src->line_len;
	dst->guest_phase = src->guest_phase;
	dst->host_events = src->host_events + 1;
	dst->status = src->status;
	dst->done = src->done;
	/* The fault counters of the whole life, for the final report (the
	 * vCPUs' own came with them). */
	struct s2_vm_stats *d = &dst->mm.stats;
	const struct s2_vm_stats *s = &src->mm.stats;
	d->translation += s->translation;
	d->permission += s->permission;
	d->access_flag += s->access_flag;
	d->s1ptw += s->s1ptw;
	d->mmio += s->mmio;
	d->retry += s->retry;
	d->inject += s->inject;
	d->block_maps += s->block_maps;
	d->page_maps += s->page_maps;
}

int migrate_vm(struct hyp_vm *src, struct hyp_vm *dst,
	       const struct migrate_opts *o, struct migrate_stats *st)
{
	uint64_t pages = src->cfg.ram_size >> PAGE_SHIFT;
	size_t words = (size_t)((pages + 63) / 64), bytes = words * 8;
	unsigned int max_rounds = o->max_rounds ? o->max_rounds : 8;
	uint64_t stop = o->stop_pages ? o->stop_pages : 256;
	uint64_t *log = palloc_zalloc_bytes(bytes);
	uint64_t *bits = palloc_zalloc_bytes(bytes);
	uint64_t t0, t_stop, t_check, lost_page = NO_PAGE;
	uint64_t *lost = o->drop_page ? &lost_page : NULL;
	int64_t n;
	int ret;

	memset(st, 0, sizeof(*st));
	if (max_rounds > MIGRATE_MAX_ROUNDS)
		max_rounds = MIGRATE_MAX_ROUNDS;
	ret = -S2_ENOMEM;
	if (!log || !bits)
		goto out_free;
	ret = vm_create(dst, src->id, &src->cfg);
	if (ret)
		goto out_free;
	ret = linux_vm_devices(dst);
	if (ret)
		goto out_dst;

	t0 = hyp_counter();
	hyp_mm_write_lock(&src->mm_lock);
	ret = s2_vm_set_eager_split(&src->mm, !o->lazy_split);
	if (!ret)
		ret = s2_vm_dirty_log_enable(&src->mm, VM_SLOT_RAM, log, words);
	hyp_mm_write_unlock(&src->mm_lock);
	st->enable_us = hyp_ticks_us(hyp_counter() - t0);
	if (ret)
		goto out_dst;
	/* Round 0: everything, then what the guest wrote meanwhile. */
	memcpy((void *)dst->ram_pa, (const void *)src->ram_pa,
	       src->cfg.ram_size);
	vm_dcache_clean(dst->ram_pa, dst->cfg.ram_size);
	st->sent[0] = pages;
	while (st->rounds < max_rounds) {
		n = sync_round(src, dst, bits, words, lost);
		if (n < 0) {
			ret = (int)n;
			goto out_log;
		}
		st->sent[++st->rounds] = (uint64_t)n;
		if ((uint64_t)n < stop)
			break;
	}
	st->precopy_us = hyp_ticks_us(hyp_counter() - t0);

	/* Stop and copy. */
	t_stop = hyp_counter();
	sched_pause_vm(src);
	n = sync_round(src, dst, bits, words, lost);
	if (n < 0)
		hyp_panic("vm%u: migrate: last round: %s", src->id,
			  s2_strerror((int)n));
	st->final_pages = (uint64_t)n;
	st->sent[st->rounds + 1] = (uint64_t)n;
	for (unsigned int r = 0; r <= st->rounds + 1; r++)
		st->total += st->sent[r];
	/* The check of this test (no real migration makes it): both RAMs
	 * equal while neither VM runs. Not counted as downtime. */
	t_check = hyp_counter();
	for (uint64_t p = 0; p < pages; p++)
		st->differ += !page_equal(ram_page(src, p), ram_page(dst, p));
	st->pages = pages;
	st->check_us = hyp_ticks_us(hyp_counter() - t_check);
	/* The new frames may hold another VM's instructions in the
	 * instruction cache: the guest's code is data written here. */
	__asm__ volatile("ic ialluis; dsb ish; isb" ::: "memory");
	copy_state(src, dst);
	sched_remove_vm(src);
	sched_add_vm(dst);
	st->downtime_us = hyp_ticks_us(hyp_counter() - t_stop) - st->check_us;
	s2_vm_dirty_log_disable(&src->mm, VM_SLOT_RAM);
	vm_destroy(src);
	palloc_free_bytes(log, bytes);
	palloc_free_bytes(bits, bytes);
	return 0;

out_log:
	hyp_mm_write_lock(&src->mm_lock);
	s2_vm_dirty_log_disable(&src->mm, VM_SLOT_RAM);
	hyp_mm_write_unlock(&src->mm_lock);
out_dst:
	vm_destroy(dst);
out_free:
	if (log)
		palloc_free_bytes(log, bytes);
	if (bits)
		palloc_free_bytes(bits, bytes);
	return ret;
}

void migrate_report(const struct hyp_vm *vm, const struct migrate_opts *o,
		    const struct migrate_stats *st)
{
	hyp_printf("vm%u: migrate: %s splitting, %u rounds, pages sent:",
		   vm->id, o->lazy_split ? "lazy" : "eager", st->rounds);
	for (unsigned int r = 0; r <= st->rounds + 1; r++)
		hyp_printf(" %lu", st->sent[r]);
	hyp_printf(" (total %lu, %lu while stopped); logging on in %lu us, "
		   "pre-copy %lu us, downtime %lu us (+ %lu us comparing); %lu "
		   "of %lu pages differ\n", st->total, st->final_pages,
		   st->enable_us, st->precopy_us, st->downtime_us, st->check_us,
		   st->differ, st->pages);
}

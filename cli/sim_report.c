/* SPDX-License-Identifier: MIT */
/* The report's parts for the data self-check and live memory management. */
#include <inttypes.h>

#include "sim_report.h"

#define MIB(x) ((double)(x) / (1 << 20))

bool sim_report_failed(const struct sim_stats *st)
{
	return st->data_errors || st->mm.mig_lost_pages;
}

void sim_report_summary(FILE *f, const struct sim_config *c, const struct sim_stats *st)
{
	const struct sim_mm_stats *m = &st->mm;

	if (c->migrate) {
		unsigned int n = m->mig_rounds < SIM_MIG_MAX_ROUNDS ? m->mig_rounds
								     : SIM_MIG_MAX_ROUNDS;

		fprintf(f, "  migration   VM 0, %s split: %u rounds, pages per round",
			m->mig_lazy ? "lazy" : "eager", m->mig_rounds);
		for (unsigned int i = 0; i < n; i++)
			fprintf(f, " %" PRIu64, m->mig_round_pages[i]);
		fprintf(f, "\n              %" PRIu64 " pages sent (%" PRIu64 " of RAM, %" PRIu64
			   " zero, %" PRIu64 " touched by the guest); while logging %" PRIu64
			   " write faults, %" PRIu64 " pages mapped by faults\n",
			m->mig_pages, m->mig_ram_pages, m->mig_zero_pages, m->mig_touched_pages,
			m->mig_write_faults, m->mig_fault_maps);
		if (m->mig_done)
			fprintf(f, "              downtime %" PRIu64 " pages (%.1f us); %" PRIu64
				   " pages differ at the switch%s\n",
				m->mig_downtime_pages, m->mig_downtime_ns / 1e3, m->mig_lost_pages,
				m->mig_lost_pages ? "  FAILED" : ", destination == source");
		else
			fprintf(f, "              not finished when the run ended\n");
	}
	if (c->overcommit != 0 || c->share)
		fprintf(f, "  memory      %" PRIu64 " host pages (%.1f MiB) for %.1f MiB of guest "
			   "RAM; peak %.1f MiB (%.1f%%) with the store, %" PRIu64 " pages "
			   "zero-filled on first touch\n",
			m->pool_pages, MIB(m->pool_pages * m->page_size), MIB(m->guest_bytes),
			MIB(m->peak_host_bytes), 100.0 * report_ratio(m->peak_host_bytes, m->guest_bytes),
			m->zero_fills);
	if (c->overcommit != 0)
		fprintf(f, "  overcommit  %.2fx: %" PRIu64 " pages out, %" PRIu64 " in, %" PRIu64
			   " same-filled, compression %.1fx; now %" PRIu64 " pages in the store "
			   "(%.1f KiB)\n",
			c->overcommit, m->pages_out, m->pages_in, m->same_filled,
			report_ratio(m->compressed_in, m->compressed_out), m->stored_pages,
			m->store_bytes / 1024.0);
	if (c->share)
		fprintf(f, "  sharing     %" PRIu64 " pages merged, %" PRIu64 " sharing breaks; now %"
			   PRIu64 " pages on %" PRIu64 " shared pages (%" PRIu64 " saved, %" PRIu64
			   " at peak); %" PRIu64 " pages scanned\n",
			m->merged, m->breaks, m->sharing, m->shared_frames,
			m->sharing - m->shared_frames, m->saved_peak, m->scanned);
	if (!c->check_data && !c->migrate && c->overcommit == 0 && !c->share) {
		fprintf(f, "  data        not checked (--check-data)\n");
		return;
	}
	fprintf(f, "  data        %" PRIu64 " reads checked, %" PRIu64 " data errors (%" PRIu64
		   " another VM's)%s\n", st->data_checks, st->data_errors, st->data_foreign,
		st->data_errors ? "  FAILED" : "");
	if (st->data_errors)
		fprintf(f, "              first: VM %u IPA 0x%" PRIx64 " expected 0x%016" PRIx64
			   " found 0x%016" PRIx64 "\n", st->derr_vm, st->derr_ipa,
			st->derr_want, st->derr_found);
}


void sim_report_json(json_t *o, const struct sim_config *c, const struct sim_stats *st)
{
	const struct sim_mm_stats *m = &st->mm;

	json_set_u64(o, "data_checks", st->data_checks);
	json_set_u64(o, "data_errors", st->data_errors);
	json_set_u64(o, "data_foreign", st->data_foreign);
	if (c->recorded) {
		const struct sim_rec_stats *r = &st->rec;
		json_t *j = json_object();

		json_set_u64(j, "address_spaces", r->address_spaces);
		json_set_u64(j, "s1_remaps", r->s1_remaps);
		json_set_u64(j, "tlbi_replayed", r->tlbi_replayed);
		json_set_u64(j, "tlbi_other", r->tlbi_other);
		json_set_u64(j, "ttbr0_writes", r->ttbr0_writes);
		json_set_u64(j, "sctlr_writes", r->sctlr_writes);
		json_set_u64(j, "mmu_on", r->mmu_on);
		json_set_u64(j, "no_pa", r->no_pa);
		json_set_u64(j, "capped", r->capped);
		json_object_set_new(o, "recorded", j);
	}
	if (c->migrate) {
		json_t *j = json_object(), *r = json_array();
		unsigned int n = m->mig_rounds < SIM_MIG_MAX_ROUNDS ? m->mig_rounds
								     : SIM_MIG_MAX_ROUNDS;

		for (unsigned int i = 0; i < n; i++)
			json_array_append_new(r, json_integer((json_int_t)m->mig_round_pages[i]));
		json_object_set_new(j, "done", json_boolean(m->mig_done));
		json_object_set_new(j, "split", json_string(m->mig_lazy ? "lazy" : "eager"));
		json_set_u64(j, "rounds", m->mig_rounds);
		json_object_set_new(j, "pages_per_round", r);
		json_set_u64(j, "pages", m->mig_pages);
		json_set_u64(j, "zero_pages", m->mig_zero_pages);
		json_set_u64(j, "ram_pages", m->mig_ram_pages);
		json_set_u64(j, "touched_pages", m->mig_touched_pages);
		json_set_u64(j, "downtime_pages", m->mig_downtime_pages);
		json_set_u64(j, "downtime_ns", m->mig_downtime_ns);
		json_set_u64(j, "log_enable_ns", m->mig_enable_ns);
		json_set_u64(j, "write_faults", m->mig_write_faults);
		json_set_u64(j, "fault_page_maps", m->mig_fault_maps);
		json_set_u64(j, "lost_pages", m->mig_lost_pages);
		json_set_u64(j, "forgotten_pages", m->mig_forgotten);
		json_object_set_new(o, "migration", j);
	}
	if (c->overcommit != 0 || c->share) {
		json_t *j = json_object();

		json_set_u64(j, "page_size", m->page_size);
		json_set_u64(j, "guest_bytes", m->guest_bytes);
		json_set_u64(j, "host_pages", m->pool_pages);
		json_set_u64(j, "peak_host_bytes", m->peak_host_bytes);
		json_set_u64(j, "peak_pages", m->peak_pages);
		json_set_u64(j, "host_bytes", m->host_bytes);
		json_set_u64(j, "zero_fills", m->zero_fills);
		json_object_set_new(o, "memory", j);
	}
	if (c->overcommit != 0) {
		json_t *j = json_object();

		json_object_set_new(j, "ratio", json_real(c->overcommit));
		json_set_u64(j, "pages_out", m->pages_out);
		json_set_u64(j, "pages_in", m->pages_in);
		json_set_u64(j, "same_filled", m->same_filled);
		json_set_u64(j, "stored_pages", m->stored_pages);
		json_set_u64(j, "store_bytes", m->store_bytes);
		json_set_u64(j, "compressed_in", m->compressed_in);
		json_set_u64(j, "compressed_out", m->compressed_out);
		json_object_set_new(j, "compression_ratio",
				    json_real(report_ratio(m->compressed_in, m->compressed_out)));
		json_set_u64(j, "aged", m->aged);
		json_set_u64(j, "second_chances", m->young);
		json_object_set_new(o, "overcommit", j);
	}
	if (c->share) {
		json_t *j = json_object();

		json_set_u64(j, "scanned", m->scanned);
		json_set_u64(j, "merged", m->merged);
		json_set_u64(j, "breaks", m->breaks);
		json_set_u64(j, "shared_pages", m->shared_frames);
		json_set_u64(j, "sharing", m->sharing);
		json_set_u64(j, "saved", m->sharing - m->shared_frames);
		json_set_u64(j, "saved_peak", m->saved_peak);
		json_object_set_new(o, "sharing", j);
	}
}

void sim_report_failure(FILE *f, const char *cmd, const struct sim_stats *st)
{
	if (sim_report_failed(st))
		fprintf(f, "s2mm %s: data self-check failed: %" PRIu64 " data errors (%" PRIu64
			   " another VM's), %" PRIu64 " pages lost by the migration\n",
			cmd, st->data_errors, st->data_foreign, st->mm.mig_lost_pages);
}

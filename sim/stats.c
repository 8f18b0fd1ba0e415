/* SPDX-License-Identifier: MIT */
/*
 * The machine's totals (sim.h): the counters kept in struct sim, those of
 * each CPU and TLB, the host's TLBIs, and, for the full report, walks of
 * every VM's stage 2 to count its table pages.
 */
#include <s2mm/geometry.h>

#include "sim_int.h"

static int count_tables(const struct s2_walk_ctx *ctx, enum s2_walk_flags visit)
{
	(void)visit;
	(*(uint64_t *)ctx->arg)++;
	return 0;
}

void sim_stats_light(struct sim *s, struct sim_stats *st)
{
	*st = s->st;
	for (unsigned int i = 0; i < s->cfg.cpus; i++) {
		const struct sim_cpu *c = &s->cpus[i];

		st->accesses += c->accesses + c->utlb_hits;
		st->utlb_hits += c->utlb_hits;
		st->tlb_hits += c->tlb.stats.hits + c->utlb_hits;
		st->tlb_misses += c->tlb.stats.misses;
		st->walks += c->tlb.stats.walks;
		st->tlb_contig_fills += c->tlb.stats.contig_fills;
		st->tlb_contig_bad += c->tlb.stats.contig_bad;
		st->descriptor_reads += c->tlb.stats.desc_reads;
		for (unsigned int n = 0; n < SIM_WALK_REFS; n++)
			st->walk_refs[n] += c->walk_refs[n];
		st->fetch_cache_hits += c->tlb.stats.walk_s2_hits;
		st->dirty_walks += c->tlb.stats.dirty_walks;
		for (unsigned int t = 0; t < S2_WC_NR; t++) {
			const struct s2_wc_stats *w = &c->wc[t].stats;
			struct s2_wc_stats *o = &st->wc[t];

			o->lookups += w->lookups;
			for (unsigned int l = 0; l < S2_WC_LEVELS; l++)
				o->hits[l] += w->hits[l];
			o->misses += w->misses;
			o->fills += w->fills;
			o->evictions += w->evictions;
			o->invalidated += w->invalidated;
		}
		st->isolation_violations += c->isolation;
		st->data_checks += c->checks;
	}
	st->vmid_rollovers = s2_vmid_rollovers(s->ids);
	st->tlbi_ipa = s->hm.tlbi_ipa;
	st->tlbi_vmid = s->hm.tlbi_vmid;
	st->tlbi_all = s->hm.tlbi_all;
	st->tlb_flushes = st->tlbi_ipa + st->tlbi_vmid + st->tlbi_all;
}

void sim_stats(struct sim *s, struct sim_stats *st)
{
	sim_stats_light(s, st);
	for (unsigned int i = 0; i < s->cfg.vms; i++) {
		struct gvm *vm = &s->vms[i];
		uint64_t tables = 0;
		struct s2_walker w = { .cb = count_tables, .arg = &tables,
				       .flags = S2_WALK_TABLE_PRE };

		s2_pgtable_walk(&gvm_s2(vm)->pgt, 0, s2_geom_ipa_limit(&s->g), &w);
		st->stage2_table_pages += tables + s->g.concat;
		st->stage1_table_pages += vm->s1_tables;
		st->distinct_ipa_pages += vm->distinct;
		st->data_pages += vm->data_pages;
		st->block_maps += gvm_s2(vm)->stats.block_maps;
		st->page_maps += gvm_s2(vm)->stats.page_maps;
	}
	if (s->mm)
		mm_stats(s, st);
}

void sim_cost(const struct sim_cost_model *m, const struct sim_stats *st,
	      struct sim_cost *out)
{
	/* tlb_hits counts the micro-TLB's hits too. */
	out->utlb_hits = (double)st->utlb_hits * m->utlb_hit;
	out->tlb_hits = (double)(st->tlb_hits - st->utlb_hits) * m->tlb_hit;
	out->walks = (double)st->descriptor_reads * m->desc_read;
	out->wc_hits = 0;
	for (unsigned int t = 0; t < S2_WC_NR; t++)
		for (unsigned int l = 0; l < S2_WC_LEVELS; l++)
			out->wc_hits += (double)st->wc[t].hits[l] * m->wc_hit;
	out->s1_faults = (double)st->s1_faults * m->s1_fault;
	out->s2_faults = (double)(st->s2_translation + st->s2_permission +
				  st->s2_access_flag + st->s2_s1ptw + st->s2_other) *
			 m->s2_fault;
	out->total = out->utlb_hits + out->tlb_hits + out->walks + out->wc_hits +
		     out->s1_faults + out->s2_faults;
}

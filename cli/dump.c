/* SPDX-License-Identifier: MIT */
/* Print a stage-2 tree, decoding each descriptor's fields. */
#include <inttypes.h>

#include <s2mm/arch.h>

#include "cli.h"

struct dump {
	FILE *out;
	const struct s2_pgtable *pt;
	/* A pending run of leaves that continue each other. */
	uint64_t run_ipa, run_pa, run_attrs, run_size, run_n, run_first;
	int run_level;
};

static void flush_run(struct dump *d)
{
	if (!d->run_n)
		return;
	const char *kind = d->run_level == S2_LEVEL_MAX ? "page" : "block";
	unsigned int prot = s2_pgtable_desc_prot(d->run_first);
	fprintf(d->out, "%*sL%d %s%s IPA %#011" PRIx64 "-%#011" PRIx64
			" -> PA %#011" PRIx64 "  desc %#018" PRIx64
			"  S2AP=%c%c XN=%d AF=%d MemAttr=%#x SH=%u\n",
		2 * (d->run_level - d->pt->geom.start_level), "", d->run_level,
		kind, d->run_n > 1 ? "s" : "", d->run_ipa,
		d->run_ipa + d->run_n * d->run_size - 1, d->run_pa, d->run_first,
		prot & S2_PROT_R ? 'R' : '-', prot & S2_PROT_W ? 'W' : '-',
		!!(d->run_first & S2_DESC_XN), !!(d->run_first & DESC_AF),
		(unsigned int)S2_FIELD_GET(S2_DESC_MEMATTR, d->run_first),
		(unsigned int)S2_FIELD_GET(DESC_SH, d->run_first));
	if (d->run_n > 1)
		fprintf(d->out, "%*s   (%" PRIu64 " %ss)\n",
			2 * (d->run_level - d->pt->geom.start_level), "",
			d->run_n, kind);
	d->run_n = 0;
}

static int dump_visitor(const struct s2_walk_ctx *ctx, enum s2_walk_flags visit)
{
	struct dump *d = ctx->arg;
	const struct s2_geom *g = &d->pt->geom;
	uint64_t size = s2_geom_level_size(g, ctx->level);
	uint64_t pa = s2_geom_desc_to_oa(g, ctx->old);

	if (visit == S2_WALK_TABLE_PRE) {
		flush_run(d);
		fprintf(d->out, "%*sL%d table IPA %#011" PRIx64 "-%#011" PRIx64
				" -> table at PA %#" PRIx64 "\n",
			2 * (ctx->level - g->start_level), "", ctx->level,
			ctx->addr, ctx->addr + size - 1, pa);
		return 0;
	}
	if (!(ctx->old & DESC_VALID)) {
		flush_run(d);
		return 0;
	}
	uint64_t attrs = ctx->old & ~s2_geom_oa_to_desc(g, pa);
	if (d->run_n && d->run_level == ctx->level && d->run_attrs == attrs &&
	    d->run_ipa + d->run_n * size == ctx->addr &&
	    d->run_pa + d->run_n * size == pa) {
		d->run_n++;
		return 0;
	}
	flush_run(d);
	d->run_ipa = ctx->addr;
	d->run_pa = pa;
	d->run_attrs = attrs;
	d->run_size = size;
	d->run_level = ctx->level;
	d->run_first = ctx->old;
	d->run_n = 1;
	return 0;
}

void dump_pgtable(FILE *out, const struct s2_pgtable *pt, uint64_t ipa,
		  uint64_t size)
{
	struct dump d = { .out = out, .pt = pt };
	struct s2_walker w = {
		.cb = dump_visitor, .arg = &d,
		.flags = S2_WALK_LEAF | S2_WALK_TABLE_PRE,
	};

	fprintf(out, "L%d root (%u table%s, %zu bytes) at PA %#" PRIx64 "\n",
		pt->geom.start_level, pt->geom.concat,
		pt->geom.concat > 1 ? "s concatenated" : "", pt->geom.root_size,
		pt->root_pa);
	s2_pgtable_walk(pt, ipa, size, &w);
	flush_run(&d);
}

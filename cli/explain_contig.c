/* SPDX-License-Identifier: MIT */
/*
 * s2mm explain: the Contiguous hint, the runs the walk's leaves belong to
 * and the TLB entry they allow.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <s2mm/arch.h>
#include <s2mm/tlb.h>

#include "explain.h"

/*
 * The Contiguous runs the leaves of @res belong to (Arm ARM D8.6.1, "The
 * Contiguous bit"), the TLB entry they allow, and whether a TLB filling
 * it finds the run misprogrammed.
 */
void explain_print_contig(const struct sim_view *v, const struct s2_mmu_access *a,
			 bool mmu_on, const struct s2_mmu_result *res)
{
	static const char *const st[2] = { "stage-1", "stage-2" };
	unsigned int run[2] = { res->s1_shift, res->s2_shift }, shift;
	uint64_t in[2] = { a->va, res->ipa }, out[2] = { res->ipa, res->pa };
	int lvl[2] = { res->s1_level, res->s2_level };
	struct s2_tlb_entry ent[4];
	struct s2_tlb tlb;
	struct s2_mmu_result r;

	for (int i = 0; i < 2; i++) {
		if (!(res->contig & (S2_MMU_CONTIG_S1 << i)))
			continue;
		run[i] = s2_mmu_contig_shift(lvl[i], i ? res->s2_shift : res->s1_shift);
		uint64_t m = (1ULL << run[i]) - 1;
		printf("  contiguous: the %s leaf (level %d) is one of a run of %llu with the "
		       "hint: %s [%#" PRIx64 ", %#" PRIx64 "] -> %s [%#" PRIx64 ", %#" PRIx64 "]\n",
		       st[i], lvl[i],
		       1ULL << (run[i] - (i ? res->s2_shift : res->s1_shift)),
		       i ? "IPA" : "VA", in[i] & ~m, (in[i] | m),
		       i || !mmu_on ? "PA" : "IPA", out[i] & ~m, out[i] | m);
	}
	shift = run[0] < run[1] ? run[0] : run[1];
	uint64_t mask = ((uint64_t)1 << shift) - 1;
	printf("  contiguous: one TLB entry may hold %s [%#" PRIx64 ", %#" PRIx64 "] "
	       "(the smaller of both stages)\n", mmu_on ? "VA" : "IPA",
	       a->va & ~mask, a->va | mask);
	/* A TLB fill checks the runs: is any misprogrammed? */
	if (s2_tlb_init(&tlb, ent, 1, 4) ||
	    s2_tlb_translate(&tlb, v->mem, v->cpu, v->regs, a, &r))
		return;
	if (r.contig & S2_MMU_CONTIG_BAD)
		printf("  contiguous: MISPROGRAMMED run (entries differ in output, attributes, "
		       "permissions or the hint): CONSTRAINED UNPREDICTABLE\n");
}

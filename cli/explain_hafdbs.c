/* SPDX-License-Identifier: MIT */
/*
 * s2mm explain: FEAT_HAFDBS, the hardware update of the Access flag and
 * of the dirty state: which of it is in effect at each stage, the
 * descriptors the walk's steps update, and what the model's walk updated.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <s2mm/arch.h>

#include "explain.h"

/*
 * The descriptor at @pa as this walk reads it: the model updates memory
 * only after these steps, so a descriptor the walk has already updated
 * (explain_upd_set()) reads here as the update left it, as the CPU's next read
 * would.
 */
uint64_t explain_af_rd(const struct walk *w, uint64_t pa)
{
	for (int i = w->n_upd - 1; i >= 0; i--)
		if (w->upd_pa[i] == pa)
			return w->upd_val[i];
	return explain_rd(w->v, pa);
}

/*
 * The CPU replaces descriptor @d at @pa by @nd (AF set, made dirty), one
 * compare-and-swap (AArch64.MemSwapTableDesc); @af_reg, @dirty_reg: the
 * registers that make it do so.
 */
void explain_upd_set(struct walk *w, uint64_t pa, uint64_t d, uint64_t nd,
		    const char *af_reg, const char *dirty_reg)
{
	bool af = (d ^ nd) & DESC_AF, db = (d ^ nd) & ~DESC_AF;
	const char *what = nd & ~d & ~DESC_AF ? "sets S2AP[1]" : "clears AP[2]";

	if (w->n_upd < MAX_STEPS) {
		w->upd_pa[w->n_upd] = pa;
		w->upd_val[w->n_upd++] = nd;
	}
	if (af && db)
		printf("      AF=0 and a write through a writable-clean leaf: the CPU sets "
		       "AF (%s) and %s, the dirty state (%s), in one compare-and-swap of "
		       "this descriptor, and goes on\n", af_reg, what, dirty_reg);
	else if (db)
		printf("      a write through a writable-clean leaf: the CPU %s, the dirty "
		       "state (%s), a compare-and-swap of this descriptor, and goes on\n",
		       what, dirty_reg);
	else
		printf("      AF=0: the CPU sets it (%s), a compare-and-swap of this "
		       "descriptor, and goes on\n", af_reg);
}
/*
 * The hardware Access flag update in effect at stage 2 / stage 1: the CPU
 * has FEAT_HAFDBS and VTCR_EL2.HA / TCR_EL1.HA is set (RES0 without it).
 */
bool explain_s2_ha(const struct walk *w)
{
	return w->v->cpu->hafdbs && (w->v->regs->vtcr_el2 & VTCR_EL2_HA);
}

bool explain_s1_ha(const struct walk *w)
{
	return w->v->cpu->hafdbs && (w->v->regs->hcr_el2 & HCR_EL2_RW) &&
	       (w->v->regs->tcr_el1 & TCR_EL1_HA);
}

/*
 * The hardware dirty state in effect at stage 2 / stage 1: the CPU has it
 * (HAFDBS 0b0010), HD is set, and so is HA (AArch64.S1/S2Translate test
 * both): a DBM=1 leaf is writable, a write makes it dirty.
 */
bool explain_s2_hd(const struct walk *w)
{
	return explain_s2_ha(w) && w->v->cpu->hafdbs_dirty && (w->v->regs->vtcr_el2 & VTCR_EL2_HD);
}

bool explain_s1_hd(const struct walk *w)
{
	return explain_s1_ha(w) && w->v->cpu->hafdbs_dirty && (w->v->regs->tcr_el1 & TCR_EL1_HD);
}

/* Which leaves the model's walk set the Access flag of. */
void explain_print_af_set(const struct s2_mmu_result *res)
{
	static const char *const who[3] = { "the stage-1 leaf", "the final stage-2 leaf",
					    "stage-2 leaves of stage-1 tables" };
	const char *sep = "";

	if (!res->af_set)
		return;
	printf("  the CPU set AF (the model's walk):");
	for (int i = 0; i < 3; i++)
		if (res->af_set & (1u << i)) {
			printf("%s %s", sep, who[i]);
			sep = ",";
		}
	printf("\n");
}

/* Which leaves the model's walk made dirty, and which it left writable-clean. */
void explain_print_dirty(const struct s2_mmu_result *res)
{
	static const char *const who[3] = { "the stage-1 leaf", "the final stage-2 leaf",
					    "stage-2 leaves of stage-1 tables" };
	const char *sep = "";

	if (res->dirty & 7) {
		printf("  the CPU made dirty (the model's walk):");
		for (int i = 0; i < 3; i++)
			if (res->dirty & (1u << i)) {
				printf("%s %s", sep, who[i]);
				sep = ",";
			}
		printf("\n");
	}
	if (res->dirty & (S2_MMU_CLEAN_S1 | S2_MMU_CLEAN_S2))
		printf("  writable-clean (a TLB holds it read-only until a write makes it "
		       "dirty): %s%s%s\n", res->dirty & S2_MMU_CLEAN_S1 ? who[0] : "",
		       (res->dirty & S2_MMU_CLEAN_S1) && (res->dirty & S2_MMU_CLEAN_S2) ? ", " : "",
		       res->dirty & S2_MMU_CLEAN_S2 ? who[1] : "");
}

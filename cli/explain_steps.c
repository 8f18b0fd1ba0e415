/* SPDX-License-Identifier: MIT */
/*
 * s2mm explain: the walk's steps, as they are listed and recorded for the
 * picture, and their verdict (the fault the steps find), which is compared
 * with the model's.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <s2mm/arch.h>

#include "explain.h"

uint64_t explain_rd(const struct sim_view *v, uint64_t pa)
{
	const uint64_t *p = s2_physmem_va(v->pm, pa, 8);

	return p ? *p : 0;
}

void explain_add(struct walk *w, int row, int col, uint64_t addr, uint64_t val,
		bool fault, const char *what)
{
	struct step *s;

	w->reads++;
	printf("  %2d  %-6s PA %#014" PRIx64 "  = %#018" PRIx64 "  %s\n", w->reads,
	       col == -9 ? "S1" : "S2", addr, val, what);
	if (w->n == MAX_STEPS || w->tte_walk)
		return;
	s = &w->steps[w->n++];
	*s = (struct step){ .row = row, .col = col, .addr = addr, .val = val,
			    .fault = fault };
	snprintf(s->what, sizeof(s->what), "%s", what);
}

/* The steps' verdict: a fault of @type at @stage, @level. */
void explain_fault_at(struct walk *w, unsigned int type, unsigned int stage, int level,
		     bool s1ptw)
{
	w->f = (struct s2_mmu_fault){ .type = (uint8_t)type, .stage = (uint8_t)stage,
				      .level = (int8_t)level, .s1ptw = s1ptw };
}

/* "a stage-2 translation fault, level 3 (S1PTW)", or "no fault". */
void explain_fault_text(char *buf, size_t n, const struct s2_mmu_fault *f)
{
	if (!f->type)
		snprintf(buf, n, "no fault");
	else
		snprintf(buf, n, "a stage-%u %s fault, level %d%s", f->stage,
			 s2_mmu_fault_name(f->type), f->level, f->s1ptw ? " (S1PTW)" : "");
}

bool explain_same_fault(const struct s2_mmu_fault *a, const struct s2_mmu_fault *b)
{
	return a->type == b->type && a->stage == b->stage && a->level == b->level &&
	       a->s1ptw == b->s1ptw;
}

const char *explain_sh_name(uint64_t d)
{
	static const char *const n[] = { "NS", "res", "OS", "IS" };

	return n[(d >> DESC_SH_SHIFT) & 3];
}

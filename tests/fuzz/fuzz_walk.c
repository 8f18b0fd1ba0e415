/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for the MMU model: arbitrary bytes become the translation
 * registers, the access and the contents of a small physical memory window
 * holding guest-written tables. Whatever they say, every walk must end
 * with a PA or a well-formed fault, without reading outside the window.
 * The window is exactly the heap buffer, so ASan sees a read past it: in
 * the libFuzzer build and in scripts/test.sh's ASan+UBSan build, which
 * runs fuzz_walk_replay too. The plain build's replay checks the results
 * only.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <s2mm/arch.h>
#include <s2mm/mmu.h>
#include <s2mm/tlb.h>

#define FUZZ_BASE 0x40000000ULL
#define NREG 9

static void check(const struct s2_mmu_result *r, int err)
{
	const struct s2_mmu_fault *f = &r->fault;
	uint64_t v;

	if (err)
		return;
	if (f->type >= S2_MMU_FAULT_NR || f->level < -1 || f->level > 3 ||
	    (f->type && f->stage != 1 && f->stage != 2) ||
	    (f->s1ptw && f->stage != 2) || r->desc_reads > 35) {
		fprintf(stderr, "bad result: type %u level %d stage %u s1ptw %d reads %u\n",
			f->type, f->level, f->stage, f->s1ptw, r->desc_reads);
		abort();
	}
	if (f->type) {
		if (s2_mmu_esr(f, NULL, &v) ||
		    (!s2_mmu_fsc(f) && !(f->type == S2_MMU_FAULT_ADDR_SIZE && f->level == 0)))
			abort();
		if (f->stage == 2 && s2_mmu_hpfar(f, &v))
			abort();
	}
	(void)s2_mmu_par(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t reg[NREG] = { 0 };
	size_t hdr = NREG * 8, memsz, i;
	uint64_t *mem, *seen;
	bool changed = false;
	struct s2_mmu_mem m;
	struct s2_mmu_regs regs;
	struct s2_mmu_cpu cpu;
	struct s2_mmu_access a;
	struct s2_mmu_result r;
	struct s2_tlb_entry ent[8];
	struct s2_tlb tlb;
	uint64_t par;
	int err, pass;

	memcpy(reg, data, size < hdr ? size : hdr);
	memsz = size > hdr ? ((size - hdr) + 7) & ~(size_t)7 : 8;
	mem = calloc(1, memsz);
	if (!mem)
		return 0;
	if (size > hdr)
		memcpy(mem, data + hdr, size - hdr);
	m = (struct s2_mmu_mem){ mem, FUZZ_BASE, memsz };
	cpu = (reg[8] & 1) ? s2_mmu_cpu_max : s2_mmu_cpu_cortex_a57;
	regs = (struct s2_mmu_regs){
		.hcr_el2 = reg[0], .vtcr_el2 = reg[1], .vttbr_el2 = reg[2],
		.sctlr_el1 = reg[3], .tcr_el1 = reg[4], .ttbr0_el1 = reg[5],
		.ttbr1_el1 = reg[6], .mair_el1 = reg[7],
	};
	/* Usually aim the table bases into the window, so walks go deep. */
	if (reg[8] & 2) {
		regs.vttbr_el2 = (regs.vttbr_el2 & ~0xffffffffffffULL) |
				 (FUZZ_BASE + ((reg[2] & 0xffffffff) % memsz));
		regs.ttbr0_el1 = (regs.ttbr0_el1 & ~0xffffffffffffULL) |
				 (FUZZ_BASE + ((reg[5] & 0xffffffff) % memsz));
	}
	a = (struct s2_mmu_access){ reg[8] >> 8, (uint8_t)((reg[8] >> 2) % 3),
				    (uint8_t)((reg[8] >> 4) & 1) };
	if (reg[8] & 0x40)
		a.va = FUZZ_BASE + ((reg[8] >> 8) % memsz);

	err = s2_mmu_translate(&m, &cpu, &regs, &a, &r);
	check(&r, err);
	err = s2_mmu_translate_s2(&m, &cpu, &regs, &a, &r);
	check(&r, err);
	err = s2_mmu_at(&m, &cpu, &regs, (enum s2_mmu_at_op)((reg[8] >> 5) & 7),
			a.va, &par, &r);
	check(&r, err);
	if (s2_tlb_init(&tlb, ent, 2, 4))
		abort();
	/* The tables as the TLB's walks left them. */
	seen = malloc(memsz);
	if (!seen)
		abort();
	memcpy(seen, mem, memsz);
	s2_tlb_set_check_stale(&tlb, true);
	for (pass = 0; pass < 3; pass++) {
		err = s2_tlb_translate(&tlb, &m, &cpu, &regs, &a, &r);
		check(&r, err);
		/*
		 * A hit must agree with the walk while the tables stay as
		 * they were. They change under the TLB's own walks when one
		 * sets an Access flag or a dirty state (FEAT_HAFDBS), which
		 * may make another walk of the same descriptor (tables in
		 * one window overlap) take a different path; or the walk
		 * updates one descriptor at both stages, undoing one update
		 * with the other (stage 1's dirty state clears bit 7, stage
		 * 2's sets it), and caches both. And a
		 * misprogrammed Contiguous range may disagree: under
		 * S2_TLB_CONTIG_RANGE (the default) its walked entry answers
		 * for the whole range, which the stale check flags on the
		 * range's other pages (docs/model.md, "The Contiguous hint").
		 */
		if (memcmp(mem, seen, memsz) || (!err && (r.af_set || r.dirty))) {
			changed = true;
			memcpy(seen, mem, memsz);
		}
		if (!err && r.stale && !changed && !tlb.stats.contig_bad) {
			fprintf(stderr, "stale hit with unchanged tables\n");
			abort();
		}
		a.va += 8;
	}
	for (i = 0; i < S2_TLBI_NR; i++) {
		struct s2_tlbi t = { (uint8_t)i, (uint16_t)reg[7], a.va, (uint16_t)reg[6] };
		if (s2_tlb_tlbi(&tlb, &t))
			abort();
	}
	free(seen);
	free(mem);
	return 0;
}

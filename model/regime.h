/* SPDX-License-Identifier: MIT */
/*
 * Private to the MMU model: the registers as the walks use them. VTCR_EL2
 * and VTTBR_EL2, TCR_EL1 (AArch32: TTBCR) and the TTBRs are decoded into
 * one struct s2_mmu_tt per stage and VA half (regime.c), and the
 * decoded-regime cache (struct s2_mmu_regime) keeps them while the
 * registers keep their values. Inline here is what every translation runs:
 * the cache's key compare, the choice of TTBR, the VMID and ASID tags.
 */
#ifndef S2MM_MODEL_REGIME_H
#define S2MM_MODEL_REGIME_H

#include <stdbool.h>
#include <stdint.h>

#include <s2mm/arch.h>
#include <s2mm/mmu.h>

/* VTTBR_EL2.VMID, 16 bits when implemented and VTCR_EL2.VS=1. */
static inline uint16_t s2_model_vmid(const struct s2_mmu_cpu *cpu,
				     const struct s2_mmu_regs *regs)
{
	if (cpu->vmid_bits == 16 && (regs->vtcr_el2 & VTCR_EL2_VS))
		return (uint16_t)((regs->vttbr_el2 & VTTBR_EL2_VMID16_MASK) >>
				  VTTBR_EL2_VMID_SHIFT);
	return (uint16_t)((regs->vttbr_el2 & VTTBR_EL2_VMID8_MASK) >>
			  VTTBR_EL2_VMID_SHIFT);
}

/*
 * The ASID non-global entries are tagged with (TCR.A1/TTBCR.A1, TCR.AS;
 * short descriptors, TTBCR.EAE=0: CONTEXTIDR.ASID).
 */
static inline uint16_t s2_model_cur_asid(const struct s2_mmu_cpu *cpu,
					 const struct s2_mmu_regs *regs)
{
	uint64_t tcr = regs->tcr_el1, ttbr;

	if (!(regs->hcr_el2 & HCR_EL2_RW)) {
		if (!(tcr & TTBCR_EAE))
			return (uint16_t)(regs->contextidr_el1 & 0xff);
		ttbr = (tcr & TTBCR_A1) ? regs->ttbr1_el1 : regs->ttbr0_el1;
		return (uint16_t)((ttbr >> TTBR_LPAE_ASID_SHIFT) & 0xff);
	}
	ttbr = (tcr & TCR_EL1_A1) ? regs->ttbr1_el1 : regs->ttbr0_el1;
	if ((tcr & TCR_EL1_AS) && cpu->asid_bits == 16)
		return (uint16_t)(ttbr >> TTBR_ASID_SHIFT);
	return (uint16_t)((ttbr >> TTBR_ASID_SHIFT) & 0xff);
}

/* The AArch32 LPAE TTBR of @va32: TTBR1 at the top when T1SZ != 0. */
static inline bool s1_a32_sel(uint64_t tcr, uint32_t va32)
{
	unsigned t0sz = (unsigned)S2_FIELD_GET(TTBCR_T0SZ, tcr);
	unsigned t1sz = (unsigned)S2_FIELD_GET(TTBCR_T1SZ, tcr);

	if (t1sz == 0)
		return va32 > (0xffffffffu >> t0sz);
	return va32 >= ~(0xffffffffu >> t1sz);
}

/* The HCR_EL2 bits the decoding reads: RW (stage-1 format), FWB. */
#define REGIME_HCR (HCR_EL2_RW | HCR_EL2_FWB)

/* What of a struct s2_mmu_regime is decoded: its valid bits. */
#define REGIME_S2 1u
#define REGIME_S1(sel) (2u << (sel))
#define REGIME_BLK 8u
#define REGIME_LEAN 16u   /* lean (walk_lean.c), for its context */

_Static_assert(sizeof(struct s2_mmu_cpu) == sizeof(uint64_t),
	       "struct s2_mmu_cpu is compared as one 64-bit word");

static inline uint64_t cpu_word(const struct s2_mmu_cpu *cpu)
{
	uint64_t v;

	__builtin_memcpy(&v, cpu, sizeof(v));
	return v;
}

/* Do @rc's keys equal the raw values of everything its decoding reads? */
static inline bool regime_match(const struct s2_mmu_regime *rc,
				const struct s2_mmu_cpu *cpu,
				const struct s2_mmu_regs *regs)
{
	return !((rc->vtcr_el2 ^ regs->vtcr_el2) |
		 (rc->vttbr_el2 ^ regs->vttbr_el2) |
		 (rc->tcr_el1 ^ regs->tcr_el1) |
		 (rc->ttbr0_el1 ^ regs->ttbr0_el1) |
		 (rc->ttbr1_el1 ^ regs->ttbr1_el1) |
		 (rc->hcr_el2 ^ (regs->hcr_el2 & REGIME_HCR)) |
		 (cpu_word(&rc->cpu) ^ cpu_word(cpu)));
}

/* Key @rc to @cpu and @regs, nothing decoded yet. */
static inline void regime_reset(struct s2_mmu_regime *rc,
				const struct s2_mmu_cpu *cpu,
				const struct s2_mmu_regs *regs)
{
	rc->vtcr_el2 = regs->vtcr_el2;
	rc->vttbr_el2 = regs->vttbr_el2;
	rc->tcr_el1 = regs->tcr_el1;
	rc->ttbr0_el1 = regs->ttbr0_el1;
	rc->ttbr1_el1 = regs->ttbr1_el1;
	rc->hcr_el2 = regs->hcr_el2 & REGIME_HCR;
	rc->cpu = *cpu;
	rc->valid = 0;
	rc->vmid = s2_model_vmid(cpu, regs);
}

/*
 * Decode stage 2, or stage 1 of VA half @sel (@a32: the AArch32 LPAE
 * format), into @rc from @cpu and @regs, which @rc's keys equal. Out of
 * line, in regime.c: the walk's code stays small.
 */
void s2_model_regime_decode_s2(struct s2_mmu_regime *rc,
			       const struct s2_mmu_cpu *cpu,
			       const struct s2_mmu_regs *regs);
void s2_model_regime_decode_s1(struct s2_mmu_regime *rc,
			       const struct s2_mmu_cpu *cpu,
			       const struct s2_mmu_regs *regs, bool a32, bool sel);

/* Stage 2 decoded from @rc's keys (equal to @cpu and @regs). */
static inline const struct s2_mmu_tt *regime_s2(struct s2_mmu_regime *rc,
						const struct s2_mmu_cpu *cpu,
						const struct s2_mmu_regs *regs)
{
	if (!(rc->valid & REGIME_S2))
		s2_model_regime_decode_s2(rc, cpu, regs);
	return &rc->s2;
}

/* Stage 1 of VA half @sel, decoded from @rc's keys. */
static inline const struct s2_mmu_tt *regime_s1(struct s2_mmu_regime *rc,
						const struct s2_mmu_cpu *cpu,
						const struct s2_mmu_regs *regs,
						bool a32, bool sel)
{
	if (!(rc->valid & REGIME_S1(sel)))
		s2_model_regime_decode_s1(rc, cpu, regs, a32, sel);
	return &rc->s1[sel];
}

/*
 * &@rc->s1[@sel], @sel taken from the VA, chosen by a branch: a walk's
 * reads that depend only on the stage-1 controls (the stage-2 walk of the
 * start table's address, the fields' loads) then start at once, on the
 * predicted half, where an address computed from @sel would hold them all
 * until the VA arrives. The empty volatile asm keeps the compiler from
 * turning the branch back into arithmetic (a conditional move).
 */
static inline const struct s2_mmu_tt *regime_s1_half(const struct s2_mmu_regime *rc,
						     unsigned sel)
{
	const struct s2_mmu_tt *c = &rc->s1[0];

	if (sel) {
		c = &rc->s1[1];
		__asm__ volatile("" : "+r"(c));
	}
	return c;
}

#endif /* S2MM_MODEL_REGIME_H */

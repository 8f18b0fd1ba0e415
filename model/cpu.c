/* SPDX-License-Identifier: MIT */
/*
 * What a CPU implements of the translation system: the presets, and the
 * description read from a CPU's own ID registers (so that the model is
 * compared with an implementation on exactly the features it reports).
 */
#include <stdbool.h>
#include <stdint.h>

#include <s2mm/error.h>
#include <s2mm/mmu.h>

const struct s2_mmu_cpu s2_mmu_cpu_cortex_a57 = {
	.pa_bits = 44, .vmid_bits = 8, .asid_bits = 16,
	.gran_4k = true, .gran_16k = false, .gran_64k = true,
	.lpa2 = false, .xnx = false, .ttst = false, .s2fwb = false,
};

const struct s2_mmu_cpu s2_mmu_cpu_max = {
	.pa_bits = 52, .vmid_bits = 16, .asid_bits = 16,
	.gran_4k = true, .gran_16k = true, .gran_64k = true, .hafdbs = true,
	.hafdbs_dirty = true, .lpa2 = true, .xnx = true, .ttst = true, .s2fwb = true,
};

static unsigned int field(uint64_t reg, unsigned int lsb)
{
	return (unsigned int)(reg >> lsb) & 0xf;
}

int s2_mmu_cpu_from_id(uint64_t mmfr0, uint64_t mmfr1, uint64_t mmfr2,
		       struct s2_mmu_cpu *cpu)
{
	/* ID_AA64MMFR0_EL1.PARange encodings 0b0000..0b0110. */
	static const uint8_t pa[7] = { 32, 36, 40, 42, 44, 48, 52 };
	unsigned int parange = field(mmfr0, 0), asid = field(mmfr0, 4);
	unsigned int tgran16 = field(mmfr0, 20), tgran64 = field(mmfr0, 24);
	unsigned int tgran4 = field(mmfr0, 28), vmid = field(mmfr1, 4);

	if (parange >= sizeof(pa) || (asid != 0 && asid != 2) || (vmid != 0 && vmid != 2))
		return -S2_EINVAL;
	/* Field by field on zeroed storage: the granules' padding bits are
	 * then zero too, and equal CPUs compare equal as words (regime.h). */
	__builtin_memset(cpu, 0, sizeof(*cpu));
	cpu->pa_bits = pa[parange];
	cpu->asid_bits = asid == 2 ? 16 : 8;
	cpu->vmid_bits = vmid == 2 ? 16 : 8;
	/* TGran4 and TGran64 are signed fields (0xf: absent), TGran16
	 * unsigned (0: absent); the stage-2 fields ([43:32]) are not read:
	 * the model has one set of granules for both stages. */
	cpu->gran_4k = tgran4 != 0xf;
	cpu->gran_16k = tgran16 != 0;
	cpu->gran_64k = tgran64 != 0xf;
	/* FEAT_LPA2: TGran4 0b0001, TGran16 0b0010 (52-bit OA). */
	cpu->lpa2 = tgran4 == 1 || tgran16 == 2;
	/* ID_AA64MMFR1_EL1.XNX: FEAT_XNX, stage-2 XN[1:0]. */
	cpu->xnx = field(mmfr1, 28) != 0;
	/* ID_AA64MMFR2_EL1.ST: FEAT_TTST; ID_AA64MMFR2_EL1.FWB: FEAT_S2FWB. */
	cpu->ttst = field(mmfr2, 28) != 0;
	cpu->s2fwb = field(mmfr2, 40) != 0;
	/* ID_AA64MMFR1_EL1.HAFDBS: 0b0001 AF only, 0b0010 AF and dirty state. */
	cpu->hafdbs = field(mmfr1, 0) != 0;
	cpu->hafdbs_dirty = field(mmfr1, 0) >= 2;
	return 0;
}

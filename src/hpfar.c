/* SPDX-License-Identifier: MIT */
/*
 * The faulting IPA of a stage-2 abort, in HPFAR_EL2's format: when the
 * CPU gives it, and what to make of an AT's PAR_EL1 when it does not.
 * Every embedder needs this decision before s2_vm_handle_abort().
 */
#include <stdbool.h>
#include <stdint.h>

#include <s2mm/arch.h>
#include <s2mm/error.h>
#include <s2mm/vm.h>

/* A data or instruction abort from a lower EL: the only ones with an IPA. */
static bool lower_el_abort(uint64_t esr)
{
	uint64_t ec = S2_FIELD_GET(ESR_ELx_EC, esr);

	return ec == ESR_ELx_EC_DABT_LOW || ec == ESR_ELx_EC_IABT_LOW;
}

bool s2_hpfar_valid(uint64_t esr)
{
	/* DFSC and IFSC, S1PTW: the same bits in both ISS encodings. */
	uint64_t fsc = S2_FIELD_GET(ESR_ISS_DA_DFSC, esr);

	if (!lower_el_abort(esr))
		return false;
	/*
	 * Arm ARM (DDI 0487) pseudocode, IPAValid(), as
	 * AArch64.ReportException() uses it to write HPFAR_EL2:
	 *   s2fs1walk:   {AccessFlag, Permission, Translation, AddressSize}
	 *   secondstage: {AccessFlag, Translation, AddressSize}
	 * Level -1 (FEAT_LPA2) has codes of its own for translation and
	 * address size faults; below 0x10 the code is type:level.
	 */
	if (fsc == FSC_TRANSLATION_LM1 || fsc == FSC_ADDR_SIZE_LM1)
		return true;
	if (fsc >= FSC_SEA)
		return false;
	if ((fsc & FSC_TYPE_MASK) == FSC_PERMISSION)
		return esr & ESR_ISS_DA_S1PTW;
	return true;
}

bool s2_hpfar_needs_at(uint64_t esr)
{
	uint64_t fsc = S2_FIELD_GET(ESR_ISS_DA_DFSC, esr);

	return lower_el_abort(esr) && fsc < FSC_SEA &&
	       (fsc & FSC_TYPE_MASK) == FSC_PERMISSION &&
	       !(esr & ESR_ISS_DA_S1PTW);
}

uint64_t s2_hpfar_from_ipa(uint64_t ipa)
{
	return S2_FIELD_PREP(HPFAR_EL2_FIPA, ipa >> 12);
}

int s2_hpfar_from_par(uint64_t par, uint64_t *hpfar)
{
	if (!hpfar)
		return -S2_EINVAL;
	if (par & PAR_EL1_F)
		return -S2_EFAULT;
	*hpfar = S2_FIELD_PREP(HPFAR_EL2_FIPA, S2_FIELD_GET(PAR_EL1_PA, par));
	return 0;
}

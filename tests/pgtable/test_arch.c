/* SPDX-License-Identifier: MIT */
/* Architecture encodings pinned to Arm ARM (DDI 0487) values. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <s2mm/arch.h>
#include <s2mm/arch_sd.h>
#include <s2mm/error.h>
#include <s2mm/geometry.h>

/* Descriptor fields sit where D8.3 puts them. */
static void arch_descriptor_fields(void **state)
{
	(void)state;
	assert_int_equal(DESC_VALID, 1ULL << 0);
	assert_int_equal(DESC_TABLE, 1ULL << 1);
	assert_int_equal(DESC_AF, 1ULL << 10);
	assert_int_equal(DESC_SH_MASK, 0x300ULL);
	assert_int_equal(S2_DESC_MEMATTR_MASK, 0x3cULL);
	assert_int_equal(S2_DESC_S2AP_MASK, 0xc0ULL);
	assert_int_equal(S2_DESC_XN, 1ULL << 54);
	assert_int_equal(S2_DESC_XN_MASK, 3ULL << 53);
	assert_int_equal(S1_DESC_AP_MASK, 0xc0ULL);
	assert_int_equal(S1_DESC_NG, 1ULL << 11);
	assert_int_equal(S1_DESC_PXN, 1ULL << 53);
	assert_int_equal(S1_DESC_UXN, 1ULL << 54);
	assert_int_equal(DESC_CONTIGUOUS, 1ULL << 52);
	assert_int_equal(DESC_DBM, 1ULL << 51);
	assert_int_equal(DESC_SW_MASK, 0xfULL << 55);
	assert_int_equal(S1_TABLE_APTABLE_MASK, 3ULL << 61);
	assert_int_equal(S1_TABLE_NSTABLE, 1ULL << 63);
}

/*
 * The AArch32 Short-descriptor format (G5.4) and its registers: the
 * descriptor fields, TTBCR (EAE=0), SCTLR.AFE/TRE/UWXN, the DFSR/IFSR
 * status codes (G8.2.35) and the AArch64 DFSC of a Domain fault.
 */
static void arch_short_descriptor(void **state)
{
	(void)state;
	assert_int_equal(TTBCR_N_MASK, 7);
	assert_int_equal(TTBCR_PD0, 0x10);
	assert_int_equal(TTBCR_PD1, 0x20);
	assert_int_equal(SCTLR_UWXN, 1ULL << 20);
	assert_int_equal(SCTLR_TRE, 1ULL << 28);
	assert_int_equal(SCTLR_AFE, 1ULL << 29);
	assert_int_equal(SD_DOMAIN_MASK, 0x1e0);
	assert_int_equal(SD_L1T_PXN, 4);
	assert_int_equal(SD_L1T_BASE_MASK, 0xfffffc00ULL);
	assert_int_equal(SD_SECT_AP_MASK | SD_SECT_AP2, 0x8c00);
	assert_int_equal(SD_SECT_TEX_MASK, 0x7000);
	assert_int_equal(SD_SECT_S | SD_SECT_NG | SD_SECT_SUPER | SD_SECT_NS, 0xf0000);
	assert_int_equal(SD_SECT_BASE_MASK, 0xfff00000ULL);
	assert_int_equal(SD_SUPER_BASE_MASK, 0xff000000ULL);
	assert_int_equal(SD_L2_AP_MASK | SD_L2_AP2, 0x230);
	assert_int_equal(SD_L2_SMALL_TEX_MASK, 0x1c0);
	assert_int_equal(SD_L2_LARGE_TEX_MASK, 0x7000);
	assert_int_equal(SD_L2_LARGE_XN, 0x8000);
	assert_int_equal(SD_L2_S | SD_L2_NG, 0xc00);
	assert_int_equal(SD_L2_SMALL_BASE_MASK, 0xfffff000ULL);
	assert_int_equal(SD_L2_LARGE_BASE_MASK, 0xffff0000ULL);
	assert_int_equal(FS_SD_ALIGNMENT, 0x01);
	assert_int_equal(FS_SD_AF_L1, 0x03);
	assert_int_equal(FS_SD_AF_L2, 0x06);
	assert_int_equal(FS_SD_TRANSLATION_L1, 0x05);
	assert_int_equal(FS_SD_TRANSLATION_L2, 0x07);
	assert_int_equal(FS_SD_DOMAIN_L1, 0x09);
	assert_int_equal(FS_SD_DOMAIN_L2, 0x0b);
	assert_int_equal(FS_SD_SEA_TTW_L1, 0x0c);
	assert_int_equal(FS_SD_SEA_TTW_L2, 0x0e);
	assert_int_equal(FS_SD_PERMISSION_L1, 0x0d);
	assert_int_equal(FS_SD_PERMISSION_L2, 0x0f);
	assert_int_equal(FSR_SD_FS4, 0x400);
	assert_int_equal(FSR_SD_WNR, 0x800);
	assert_int_equal(FSC_DOMAIN_L1, 0x3d);
	assert_int_equal(FSC_DOMAIN_L2, 0x3e);
	assert_int_equal(PRRR_NS0 | PRRR_NS1, 0xc0000);
	assert_int_equal(PRRR_NOS_SHIFT, 24);
	assert_int_equal(NMRR_OR_SHIFT, 16);
}

/* The stage-2 page descriptor QEMU 7.2 walks for normal RW memory. */
static void arch_s2_page_descriptor(void **state)
{
	(void)state;
	uint64_t d = 0x40001000ULL | DESC_TYPE_PAGE |
		     S2_FIELD_PREP(S2_DESC_MEMATTR, S2_MEMATTR_NORMAL_WB) |
		     S2_DESC_S2AP_R | S2_DESC_S2AP_W |
		     S2_FIELD_PREP(DESC_SH, DESC_SH_IS) | DESC_AF;
	assert_int_equal(d, 0x400017ffULL);
	assert_int_equal(S2_FIELD_PREP(S2_DESC_MEMATTR, S2_MEMATTR_DEVICE_nGnRE), 0x4ULL);
}

/* VTCR_EL2 fields (D19.2, VTCR_EL2). */
static void arch_vtcr_fields(void **state)
{
	(void)state;
	assert_int_equal(VTCR_EL2_T0SZ_MASK, 0x3fULL);
	assert_int_equal(VTCR_EL2_SL0_MASK, 0xc0ULL);
	assert_int_equal(VTCR_EL2_IRGN0_MASK, 0x300ULL);
	assert_int_equal(VTCR_EL2_ORGN0_MASK, 0xc00ULL);
	assert_int_equal(VTCR_EL2_SH0_MASK, 0x3000ULL);
	assert_int_equal(VTCR_EL2_TG0_MASK, 0xc000ULL);
	assert_int_equal(VTCR_EL2_PS_MASK, 0x70000ULL);
	assert_int_equal(VTCR_EL2_VS, 1ULL << 19);
	assert_int_equal(VTCR_EL2_HA, 1ULL << 21);
	assert_int_equal(VTCR_EL2_HD, 1ULL << 22);
	assert_int_equal(VTCR_EL2_RES1, 1ULL << 31);
	assert_int_equal(VTCR_EL2_DS, 1ULL << 32);
	assert_int_equal(VTCR_EL2_SL2, 1ULL << 33);
}

/* Checked on QEMU 7.2: 4K/40-bit/40-bit PA and the 39-bit variant. */
static void arch_vtcr_known_values(void **state)
{
	(void)state;
	struct s2_geom g;
	assert_int_equal(s2_geom_init(&g, 4096, 40, 40, S2_START_LEVEL_AUTO), 0);
	assert_int_equal(g.vtcr, 0x80023558ULL);
	assert_int_equal(s2_geom_init(&g, 4096, 39, 40, S2_START_LEVEL_AUTO), 0);
	assert_int_equal(g.vtcr, 0x80023559ULL);
}

/* VTTBR_EL2: BADDR | VMID << 48 (8 or 16 bits). */
static void arch_vttbr(void **state)
{
	(void)state;
	struct s2_geom g;
	assert_int_equal(s2_geom_init(&g, 4096, 40, 40, S2_START_LEVEL_AUTO), 0);
	assert_int_equal(s2_geom_vttbr(&g, 0x40010000ULL, 5), 0x0005000040010000ULL);
	assert_int_equal(s2_geom_vttbr(&g, 0x40010000ULL, 0xabcd), 0xabcd000040010000ULL);
	assert_int_equal(VTTBR_EL2_VMID8_MASK, 0xffULL << 48);
	assert_int_equal(VTTBR_EL2_VMID16_MASK, 0xffffULL << 48);
	/* 52-bit PA, 64K: PA[51:48] go to BADDR[5:2]. */
	assert_int_equal(s2_geom_init(&g, 65536, 48, 52, S2_START_LEVEL_AUTO), 0);
	assert_int_equal(s2_geom_vttbr(&g, 0xa000040010000ULL, 1),
			 0x0001000040010000ULL | (0xaULL << 2));
}

/*
 * 52-bit output addresses in descriptors (Arm ARM D8.3): FEAT_LPA with 64KB
 * puts OA[51:48] in bits [15:12]; FEAT_LPA2 (DS=1) puts OA[51:50] in bits
 * [9:8] and keeps OA[49:48] in place. A round trip alone would not catch a
 * field at the wrong place: pin the values.
 */
static void arch_oa52_formats(void **state)
{
	(void)state;
	struct s2_geom g;
	assert_int_equal(s2_geom_init(&g, 65536, 48, 52, S2_START_LEVEL_AUTO), 0);
	assert_int_equal(s2_geom_oa_to_desc(&g, (0xaULL << 48) | 0x40010000ULL),
			 0x4001a000ULL);
	assert_int_equal(s2_geom_init(&g, 4096, 48, 52, S2_START_LEVEL_AUTO), 0);
	assert_int_equal(s2_geom_oa_to_desc(&g, (3ULL << 50) | (1ULL << 48) | 0x12345000ULL),
			 (1ULL << 48) | 0x12345000ULL | 0x300);
	assert_int_equal(s2_geom_init(&g, 16384, 48, 52, S2_START_LEVEL_AUTO), 0);
	assert_int_equal(s2_geom_oa_to_desc(&g, (2ULL << 50) | 0x12344000ULL),
			 0x12344000ULL | 0x200);
	/* Without 52-bit output nothing moves. */
	assert_int_equal(s2_geom_init(&g, 4096, 48, 48, S2_START_LEVEL_AUTO), 0);
	assert_int_equal(s2_geom_oa_to_desc(&g, 0xfedcba987000ULL), 0xfedcba987000ULL);
}

/* HCR_EL2 bits s2hyp programs for its test guests: 0x80000001 = RW | VM. */
static void arch_hcr(void **state)
{
	(void)state;
	assert_int_equal(HCR_EL2_RW | HCR_EL2_VM, 0x80000001ULL);
	assert_int_equal(HCR_EL2_PTW, 1ULL << 2);
	assert_int_equal(HCR_EL2_DC, 1ULL << 12);
	assert_int_equal(HCR_EL2_TVM, 1ULL << 26);
}

/* ESR_EL2 and the abort ISS (D19.2.37): the S1PTW case seen on QEMU. */
static void arch_esr(void **state)
{
	(void)state;
	assert_int_equal(ESR_ELx_EC_MASK, 0x3fULL << 26);
	assert_int_equal(ESR_ELx_IL, 1ULL << 25);
	assert_int_equal(ESR_ISS_DA_ISV, 1ULL << 24);
	assert_int_equal(ESR_ISS_DA_SAS_MASK, 3ULL << 22);
	assert_int_equal(ESR_ISS_DA_SSE, 1ULL << 21);
	assert_int_equal(ESR_ISS_DA_SRT_MASK, 0x1fULL << 16);
	assert_int_equal(ESR_ISS_DA_SF, 1ULL << 15);
	assert_int_equal(ESR_ISS_DA_AR, 1ULL << 14);
	assert_int_equal(ESR_ISS_DA_S1PTW, 1ULL << 7);
	assert_int_equal(ESR_ISS_DA_WnR, 1ULL << 6);
	assert_int_equal(ESR_ISS_DA_DFSC_MASK, 0x3fULL);
	/* 0x92000087: EC 0x24, IL, S1PTW, translation fault level 3. */
	uint64_t esr = S2_FIELD_PREP(ESR_ELx_EC, ESR_ELx_EC_DABT_LOW) | ESR_ELx_IL |
		       ESR_ISS_DA_S1PTW | (FSC_TRANSLATION + 3);
	assert_int_equal(esr, 0x92000087ULL);
	/* DFSC per level as observed: 0x05/0x06/0x07, 0x0F, 0x09. */
	assert_int_equal(FSC_TRANSLATION + 1, 0x05);
	assert_int_equal(FSC_PERMISSION + 3, 0x0f);
	assert_int_equal(FSC_ACCESS_FLAG + 1, 0x09);
	assert_int_equal(FSC_SEA_TTW, 0x14);
}

/* HPFAR_EL2.FIPA and PAR_EL1 (D19.2.58, D19.2.116). */
static void arch_hpfar_par(void **state)
{
	(void)state;
	uint64_t ipa = 0x8012345678ULL;
	uint64_t hpfar = S2_FIELD_PREP(HPFAR_EL2_FIPA, ipa >> 12);
	uint64_t far = 0xffff000000000678ULL;
	assert_int_equal(((hpfar >> 4) << 12) | (far & 0xfff), ipa);
	/* PAR 0xa0b: F, FST=0x05 (translation L1), S=1, RES1 bit 11. */
	assert_int_equal(PAR_EL1_F | S2_FIELD_PREP(PAR_EL1_FST, FSC_TRANSLATION + 1) |
			 PAR_EL1_S | PAR_EL1_RES1_11, 0xa0bULL);
	/* 0x81f: stage-1 permission fault level 3. */
	assert_int_equal(PAR_EL1_F | S2_FIELD_PREP(PAR_EL1_FST, FSC_PERMISSION + 3) |
			 PAR_EL1_RES1_11, 0x81fULL);
	assert_int_equal(PAR_EL1_PTW, 1ULL << 8);
	assert_int_equal(PAR_EL1_PA_MASK, 0xffffffffffULL << 12);
}

/* Field helpers round-trip and reject spill-over. */
static void arch_field_helpers(void **state)
{
	(void)state;
	assert_int_equal(S2_FIELD_PREP(VTCR_EL2_T0SZ, 0x7f), 0x3fULL);
	assert_int_equal(S2_FIELD_GET(VTCR_EL2_PS, 0x80023558ULL), 2);
	assert_int_equal(S2_FIELD_GET(VTCR_EL2_SL0, 0x80023558ULL), 1);
}

/* s2_strerror names every code and takes either sign. */
static void arch_strerror(void **state)
{
	(void)state;
	assert_string_equal(s2_strerror(0), "success");
	assert_string_equal(s2_strerror(-S2_ENOMEM), "out of memory");
	assert_string_equal(s2_strerror(S2_ENOMEM), "out of memory");
	assert_string_equal(s2_strerror(-9999), "unknown error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(arch_descriptor_fields),
		cmocka_unit_test(arch_s2_page_descriptor),
		cmocka_unit_test(arch_short_descriptor),
		cmocka_unit_test(arch_vtcr_fields),
		cmocka_unit_test(arch_vtcr_known_values),
		cmocka_unit_test(arch_vttbr),
		cmocka_unit_test(arch_oa52_formats),
		cmocka_unit_test(arch_hcr),
		cmocka_unit_test(arch_esr),
		cmocka_unit_test(arch_hpfar_par),
		cmocka_unit_test(arch_field_helpers),
		cmocka_unit_test(arch_strerror),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

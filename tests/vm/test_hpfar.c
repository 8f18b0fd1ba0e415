/* SPDX-License-Identifier: MIT */
/*
 * HPFAR_EL2 helpers (vm.h): when the CPU writes the faulting IPA, when an
 * embedder must find it with AT, and the IPA and PAR_EL1 conversions. The
 * expected values are spelt out from the Arm ARM's tables, not from
 * arch.h, and checked once more against the MMU model's syndromes.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <s2mm/error.h>
#include <s2mm/mmu.h>
#include <s2mm/vm.h>

#define EC_IABT_LOW 0x20u
#define EC_IABT_CUR 0x21u
#define EC_DABT_LOW 0x24u
#define EC_DABT_CUR 0x25u
#define EC_HVC64 0x16u
#define S1PTW (1ULL << 7)
#define IL (1ULL << 25)

static uint64_t esr(unsigned int ec, unsigned int fsc, bool s1ptw)
{
	return (uint64_t)ec << 26 | IL | fsc | (s1ptw ? S1PTW : 0);
}

/* IPAValid() by fault kind, in DFSC/IFSC terms (Arm ARM, ISS encoding
 * for an exception from a Data Abort). */
enum kind { OTHER, ADDR_SIZE, TRANSLATION, ACCESS_FLAG, PERMISSION };

static enum kind kind_of(unsigned int fsc)
{
	switch (fsc) {
	case 0x00: case 0x01: case 0x02: case 0x03: case 0x29:
		return ADDR_SIZE;
	case 0x04: case 0x05: case 0x06: case 0x07: case 0x2b:
		return TRANSLATION;
	case 0x08: case 0x09: case 0x0a: case 0x0b:
		return ACCESS_FLAG;
	case 0x0c: case 0x0d: case 0x0e: case 0x0f:
		return PERMISSION;
	default:
		/* External aborts (0x10, 0x13-0x17), parity/ECC, alignment
		 * (0x21), TLB conflict (0x30), ... */
		return OTHER;
	}
}

/* Every fault status code, on and off a stage-1 walk, data and fetch. */
static void every_fsc(void **state)
{
	static const unsigned int ecs[] = { EC_DABT_LOW, EC_IABT_LOW };

	(void)state;
	for (unsigned int i = 0; i < 2; i++) {
		for (unsigned int fsc = 0; fsc < 64; fsc++) {
			for (int walk = 0; walk < 2; walk++) {
				uint64_t e = esr(ecs[i], fsc, walk);
				enum kind k = kind_of(fsc);
				bool valid = k == ADDR_SIZE || k == TRANSLATION ||
					     k == ACCESS_FLAG || (k == PERMISSION && walk);
				bool at = k == PERMISSION && !walk;

				assert_int_equal(s2_hpfar_valid(e), valid);
				assert_int_equal(s2_hpfar_needs_at(e), at);
			}
		}
	}
}

/* The boundaries of each kind, and the level -1 codes, named. */
static void boundaries(void **state)
{
	(void)state;
	assert_true(s2_hpfar_valid(esr(EC_DABT_LOW, 0x00, false)));   /* addr size L0 */
	assert_true(s2_hpfar_valid(esr(EC_DABT_LOW, 0x07, false)));   /* translation L3 */
	assert_true(s2_hpfar_valid(esr(EC_DABT_LOW, 0x08, false)));   /* AF L0 (LPA2) */
	assert_true(s2_hpfar_valid(esr(EC_DABT_LOW, 0x0b, false)));   /* AF L3 */
	assert_false(s2_hpfar_valid(esr(EC_DABT_LOW, 0x0c, false)));  /* permission L0 */
	assert_true(s2_hpfar_valid(esr(EC_DABT_LOW, 0x0c, true)));
	assert_false(s2_hpfar_valid(esr(EC_DABT_LOW, 0x0f, false)));  /* permission L3 */
	assert_true(s2_hpfar_valid(esr(EC_IABT_LOW, 0x0f, true)));
	assert_true(s2_hpfar_needs_at(esr(EC_IABT_LOW, 0x0f, false)));
	assert_false(s2_hpfar_valid(esr(EC_DABT_LOW, 0x10, false)));  /* SEA */
	assert_false(s2_hpfar_valid(esr(EC_DABT_LOW, 0x13, true)));   /* SEA on walk, L-1 */
	assert_false(s2_hpfar_valid(esr(EC_DABT_LOW, 0x17, true)));   /* SEA on walk, L3 */
	assert_false(s2_hpfar_needs_at(esr(EC_DABT_LOW, 0x17, true)));
	assert_false(s2_hpfar_valid(esr(EC_DABT_LOW, 0x21, false)));  /* alignment */
	assert_true(s2_hpfar_valid(esr(EC_DABT_LOW, 0x29, false)));   /* addr size L-1 */
	assert_false(s2_hpfar_valid(esr(EC_DABT_LOW, 0x2a, false)));
	assert_true(s2_hpfar_valid(esr(EC_DABT_LOW, 0x2b, true)));    /* translation L-1 */
	assert_false(s2_hpfar_valid(esr(EC_DABT_LOW, 0x30, false)));  /* TLB conflict */
	assert_false(s2_hpfar_needs_at(esr(EC_DABT_LOW, 0x30, false)));
}

/* Only aborts from a lower EL carry an IPA; other ISS bits do not matter. */
static void exception_class_and_iss(void **state)
{
	static const unsigned int others[] = { EC_DABT_CUR, EC_IABT_CUR, EC_HVC64, 0 };

	(void)state;
	for (unsigned int i = 0; i < 4; i++) {
		assert_false(s2_hpfar_valid(esr(others[i], 0x07, false)));
		assert_false(s2_hpfar_needs_at(esr(others[i], 0x0f, false)));
	}
	/* ISV, SAS, SRT, SF, AR, EA, CM, WnR and ISS2 set: same answers. */
	uint64_t noise = 1ULL << 24 | 3ULL << 22 | 0x1fULL << 16 | 1ULL << 15 |
			 1ULL << 14 | 1ULL << 9 | 1ULL << 8 | 1ULL << 6 |
			 0x1fULL << 32;
	assert_true(s2_hpfar_valid(esr(EC_DABT_LOW, 0x06, false) | noise));
	assert_false(s2_hpfar_valid(esr(EC_DABT_LOW, 0x0e, false) | noise));
	assert_true(s2_hpfar_needs_at(esr(EC_DABT_LOW, 0x0e, false) | noise));
}

/* FIPA = IPA[51:12] in bits [43:4]; nothing else, NS 0. */
static void from_ipa(void **state)
{
	(void)state;
	assert_int_equal(s2_hpfar_from_ipa(0), 0);
	assert_int_equal(s2_hpfar_from_ipa(0xfff), 0);
	assert_int_equal(s2_hpfar_from_ipa(0x1000), 0x10);
	assert_int_equal(s2_hpfar_from_ipa(0x40001008), 0x400010);
	assert_int_equal(s2_hpfar_from_ipa((1ULL << 48) - 1), 0xfffffffff0ULL);
	assert_int_equal(s2_hpfar_from_ipa((1ULL << 52) - 1), 0xffffffffff0ULL);
	assert_int_equal(s2_hpfar_from_ipa(1ULL << 52), 0);
	assert_int_equal(s2_hpfar_from_ipa(~0ULL), 0xffffffffff0ULL);
}

/* PAR_EL1 (F=0): PA[51:12] become FIPA; attributes, SH, NS, bit 11 do not. */
static void from_par(void **state)
{
	uint64_t hp = 0x5a5a;

	(void)state;
	assert_int_equal(s2_hpfar_from_par(0x40001000, &hp), 0);
	assert_int_equal(hp, 0x400010);
	uint64_t attrs = 0xffULL << 56 | 1ULL << 11 | 1ULL << 10 | 1ULL << 9 |
			 3ULL << 7;
	assert_int_equal(s2_hpfar_from_par(0x40001000 | attrs, &hp), 0);
	assert_int_equal(hp, 0x400010);
	assert_int_equal(s2_hpfar_from_par(0x000ffffffffff000ULL, &hp), 0);
	assert_int_equal(hp, 0xffffffffff0ULL);
	assert_int_equal(s2_hpfar_from_par(0, &hp), 0);
	assert_int_equal(hp, 0);
	/* F=1: the AT faulted (FST, PTW, S set); the result stays as it was. */
	hp = 0x5a5a;
	assert_int_equal(s2_hpfar_from_par(1 | 0x0f << 1 | 1 << 8 | 1 << 9 | 1 << 11, &hp),
			 -S2_EFAULT);
	assert_int_equal(s2_hpfar_from_par(0x40001001, &hp), -S2_EFAULT);
	assert_int_equal(hp, 0x5a5a);
	assert_int_equal(s2_hpfar_from_par(0x40001000, NULL), -S2_EINVAL);
	/* The AT's IPA and the CPU's HPFAR agree, page for page. */
	for (uint64_t ipa = 0x1234; ipa < (1ULL << 52); ipa = ipa * 3 + 0x1000) {
		assert_int_equal(s2_hpfar_from_par(ipa & 0x000ffffffffff000ULL, &hp), 0);
		assert_int_equal(hp, s2_hpfar_from_ipa(ipa));
	}
}

/* The MMU model (written apart from the library) agrees on its faults. */
static void agrees_with_model(void **state)
{
	static const uint8_t types[] = {
		S2_MMU_FAULT_TRANSLATION, S2_MMU_FAULT_ACCESS_FLAG,
		S2_MMU_FAULT_PERMISSION, S2_MMU_FAULT_ADDR_SIZE,
		S2_MMU_FAULT_EXT_ABORT,
	};
	unsigned int n = 0;

	(void)state;
	for (unsigned int t = 0; t < sizeof(types); t++)
		for (int level = -1; level <= 3; level++)
			for (int walk = 0; walk < 2; walk++)
				for (uint8_t acc = S2_MMU_READ; acc <= S2_MMU_EXEC; acc++) {
					struct s2_mmu_fault f = {
						.type = types[t], .level = (int8_t)level,
						.stage = 2, .s1ptw = walk, .acc = acc,
						.el = 1, .ipa_valid = true,
						.va = 0xffff000012345678ULL,
						.ipa = 0x000f123456789abcULL,
					};
					uint64_t e, hp;

					if (level < 0 && (types[t] == S2_MMU_FAULT_ACCESS_FLAG ||
							  types[t] == S2_MMU_FAULT_PERMISSION))
						continue; /* no such fault at level -1 */
					assert_int_equal(s2_mmu_esr(&f, NULL, &e), 0);
					assert_int_equal(s2_hpfar_valid(e), s2_mmu_hpfar_valid(&f));
					assert_int_equal(s2_hpfar_needs_at(e),
							 types[t] == S2_MMU_FAULT_PERMISSION && !walk);
					assert_int_equal(s2_mmu_hpfar(&f, &hp), 0);
					assert_int_equal(hp, s2_hpfar_from_ipa(f.ipa));
					n++;
				}
	assert_int_equal(n, 2 * 3 * (5 * 5 - 2));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_fsc),
		cmocka_unit_test(boundaries),
		cmocka_unit_test(exception_class_and_iss),
		cmocka_unit_test(from_ipa),
		cmocka_unit_test(from_par),
		cmocka_unit_test(agrees_with_model),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/*
 * hyp/vgic.c on the host: the emulated GICv2 distributor's register
 * semantics, and the list-register traffic against a simulated GICH
 * register file (one per "physical CPU"; tests switch vgic_host_gich to
 * move a vCPU). The guest is simulated by editing the list registers as
 * the virtual CPU interface would (acknowledge: Pending -> Active; end:
 * Active -> Invalid) and the hardware by recomputing GICH_ELRSR0 and
 * GICH_EISR0 before each vgic_sync(). Names and rules: IHI 0048B 4.3, 5.3.
 *
 * The last test runs four vCPUs on four threads sending each other SGIs and
 * moving SPIs about, checking that no interrupt ever sits in two list
 * registers and that every SGI sent is delivered (run it under TSan too:
 * cmake -DS2MM_TSAN=ON).
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <s2mm/error.h>

#include "gicv2.h"
#include "vgic.h"

_Thread_local volatile uint32_t *vgic_host_gich;

/* GICH offsets (5.3) and fields, written out again as the test's oracle. */
#define GICH_WORDS	(0x200 / 4)
#define LR_ID(lr)	((lr) & GICH_LR_VirtualID_MASK)
#define LR_CPUID(lr)	((lr) >> GICH_LR_CPUID_SHIFT & GICH_LR_CPUID_MASK)
#define LR_PRIO(lr)	((lr) >> GICH_LR_Priority_SHIFT & 0x1fU)
#define LR_P		GICH_LR_State_Pending
#define LR_A		GICH_LR_State_Active
#define LR_STATE(lr)	((lr) & (LR_P | LR_A))
#define VMCR_PMR(p)	((uint32_t)(p) << GICH_VMCR_VMPriMask_SHIFT)
#define NR_LRS		4			/* QEMU's GICH_VTR.ListRegs + 1 */

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define SGIR(filter, list, id) ((uint32_t)(filter) << 24 | (uint32_t)(list) << 16 | (id))

static struct vgic G;
static uint32_t sim_a[GICH_WORDS], sim_b[GICH_WORDS];

static uint32_t kicked;		/* vCPUs kicked since kicks_clear() */
static unsigned int kick_calls;
static bool kick_bad;		/* wrong ctx, or the vgic lock held */
static int kick_ctx_token;

static void kick(void *ctx, unsigned int vcpu)
{
	if (ctx != &kick_ctx_token || G.lock.v != 0 || vcpu >= G.nr_vcpus)
		kick_bad = true;
	kicked |= 1U << vcpu;
	kick_calls++;
}

static void kicks_clear(void)
{
	kicked = 0;
	kick_calls = 0;
}

/* ---- the simulated GICH and guest -------------------------------------- */

static void sim_reset(uint32_t *s)
{
	memset(s, 0, GICH_WORDS * 4);
	/* PRIbits = PREbits = 5 - 1, ListRegs = 4 - 1, as QEMU's. */
	s[GICH_VTR / 4] = 4U << 29 | 4U << 26 | (NR_LRS - 1);
	s[GICH_ELRSR0 / 4] = (1U << NR_LRS) - 1;
}

static void on_cpu(uint32_t *s)
{
	vgic_host_gich = s;
}

static uint32_t *lr(uint32_t *s, unsigned int i)
{
	return &s[GICH_LR(0) / 4 + i];
}

/* GICH_ELRSR0 and GICH_EISR0 as the hardware derives them (5.3.5, 5.3.6). */
static void sim_hw(uint32_t *s)
{
	uint32_t elrsr = 0, eisr = 0;

	for (unsigned int i = 0; i < NR_LRS; i++) {
		uint32_t v = *lr(s, i);

		if (LR_STATE(v))
			continue;
		if ((v & GICH_LR_HW) || !(v & GICH_LR_EOI))
			elrsr |= 1U << i;
		else
			eisr |= 1U << i;
	}
	s[GICH_ELRSR0 / 4] = elrsr;
	s[GICH_EISR0 / 4] = eisr;
}

/* GICV_IAR: the highest-priority pending LR becomes active. */
static uint32_t guest_ack(uint32_t *s)
{
	int best = -1;

	for (unsigned int i = 0; i < NR_LRS; i++) {
		uint32_t v = *lr(s, i);

		if (LR_STATE(v) != LR_P)
			continue;
		if (best < 0 || LR_PRIO(v) < LR_PRIO(*lr(s, (unsigned int)best)))
			best = (int)i;
	}
	if (best < 0)
		return GIC_SPURIOUS;
	*lr(s, (unsigned int)best) ^= LR_P | LR_A;
	return LR_ID(*lr(s, (unsigned int)best)) |
	       LR_CPUID(*lr(s, (unsigned int)best)) << 10;
}

/* GICV_EOIR (EOImode 0): the matching active LR is deactivated. */
static void guest_eoi(uint32_t *s, uint32_t iar)
{
	for (unsigned int i = 0; i < NR_LRS; i++) {
		uint32_t v = *lr(s, i);

		if ((v & LR_A) && LR_ID(v) == LR_ID(iar) &&
		    LR_CPUID(v) == LR_CPUID(iar)) {
			*lr(s, i) = v & ~LR_A;
			return;
		}
	}
	fail_msg("EOI of %u: not active in any LR", iar);
}

static unsigned int nr_valid(uint32_t *s)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < NR_LRS; i++)
		n += LR_STATE(*lr(s, i)) != 0;
	return n;
}

/* The LR holding @id, checking that no other one does. */
static int lr_of(uint32_t *s, unsigned int id)
{
	int found = -1;

	for (unsigned int i = 0; i < NR_LRS; i++) {
		if (!LR_STATE(*lr(s, i)) || LR_ID(*lr(s, i)) != id)
			continue;
		assert_int_equal(found, -1);
		found = (int)i;
	}
	return found;
}

static void assert_no_dup(uint32_t *s)
{
	for (unsigned int i = 0; i < NR_LRS; i++)
		for (unsigned int j = i + 1; j < NR_LRS; j++)
			if (LR_STATE(*lr(s, i)) && LR_STATE(*lr(s, j)))
				assert_int_not_equal(LR_ID(*lr(s, i)),
						     LR_ID(*lr(s, j)));
}

static void vm_exit(unsigned int vcpu, uint32_t *s)
{
	on_cpu(s);
	sim_hw(s);
	vgic_sync(&G, vcpu);
}

/* vgic_put() straight after the guest ran: it syncs too. */
static void put(unsigned int vcpu, uint32_t *s)
{
	on_cpu(s);
	sim_hw(s);
	vgic_put(&G, vcpu);
}

static void enter(unsigned int vcpu, uint32_t *s)
{
	on_cpu(s);
	vgic_flush(&G, vcpu);
	assert_no_dup(s);
}

/* The guest takes and ends everything pending in its LRs. */
static void guest_take_all(uint32_t *s)
{
	uint32_t iar;

	while ((iar = guest_ack(s)) != GIC_SPURIOUS)
		guest_eoi(s, iar);
}

/* ---- distributor accessors ---------------------------------------------- */

static uint32_t rdn(unsigned int vcpu, uint64_t off, unsigned int size)
{
	uint64_t v = 0xdeadbeef;

	assert_int_equal(vgic_dist_access(&G, vcpu, off, size, false, &v), 0);
	return (uint32_t)v;
}

static void wrn(unsigned int vcpu, uint64_t off, unsigned int size, uint32_t v)
{
	uint64_t x = v;

	assert_int_equal(vgic_dist_access(&G, vcpu, off, size, true, &x), 0);
}

static uint32_t rd(unsigned int vcpu, uint64_t off)
{
	return rdn(vcpu, off, 4);
}

static void wr(unsigned int vcpu, uint64_t off, uint32_t v)
{
	wrn(vcpu, off, 4, v);
}

static bool bit(unsigned int vcpu, uint64_t base, unsigned int intid)
{
	return rd(vcpu, base + intid / 32 * 4) >> (intid % 32) & 1;
}

static void set_bit_reg(unsigned int vcpu, uint64_t base, unsigned int intid)
{
	wr(vcpu, base + intid / 32 * 4, 1U << (intid % 32));
}

/* An SPI, enabled, of priority @prio, targeting @targets. */
static void spi_setup(unsigned int intid, uint8_t prio, uint8_t targets)
{
	wrn(0, GICD_IPRIORITYR + intid, 1, prio);
	wrn(0, GICD_ITARGETSR + intid, 1, targets);
	set_bit_reg(0, GICD_ISENABLER, intid);
}

static int setup_n(unsigned int nr_vcpus)
{
	sim_reset(sim_a);
	sim_reset(sim_b);
	on_cpu(sim_a);
	kicks_clear();
	kick_bad = false;
	if (vgic_init(&G, nr_vcpus, kick, &kick_ctx_token))
		return -1;
	return 0;
}

static int setup(void **state)
{
	(void)state;
	return setup_n(4);
}

static int teardown(void **state)
{
	(void)state;
	assert_false(kick_bad);
	return 0;
}

/* ---- tests -------------------------------------------------------------- */

static void test_init_typer_id(void **state)
{
	uint64_t v = 0;

	(void)state;
	assert_int_equal(G.nr_lrs, NR_LRS);
	/* ITLinesNumber 1 (64 IDs), CPUNumber 3 (4 CPU interfaces). */
	assert_int_equal(rd(0, GICD_TYPER), 1U | 3U << 5);
	assert_int_equal(rd(0, GICD_IIDR), 0x5300043bU);
	assert_int_equal(rd(0, GICD_PIDR2) >> 4 & 0xf, 2);
	assert_int_equal(rd(0, 0xff0), 0x0d);
	assert_int_equal(rd(0, 0xffc), 0xb1);
	/* Read-only and reserved: RAZ, WI. */
	wr(0, GICD_TYPER, 0);
	assert_int_equal(rd(0, GICD_TYPER), 0x61);
	wr(0, 0x00c, ~0U);
	assert_int_equal(rd(0, 0x00c), 0);
	assert_int_equal(rd(0, 0x040), 0);
	assert_int_equal(rd(0, 0xd00), 0);
	assert_int_equal(rd(0, GICD_SGIR), 0);
	/* Registers of interrupts 64+ do not exist. */
	wr(0, GICD_IGROUPR + 8, ~0U);
	assert_int_equal(rd(0, GICD_IGROUPR + 8), 0);
	wr(0, GICD_ISENABLER + 8, ~0U);
	assert_int_equal(rd(0, GICD_ISENABLER + 8), 0);
	wr(0, GICD_IPRIORITYR + 64, ~0U);
	assert_int_equal(rd(0, GICD_IPRIORITYR + 64), 0);
	wr(0, GICD_ICFGR + 16, ~0U);
	assert_int_equal(rd(0, GICD_ICFGR + 16), 0);
	/* Sizes and alignment: bytes only where 4.1.4 allows them. */
	assert_int_equal(vgic_dist_access(&G, 0, GICD_CTLR, 1, false, &v),
			 -S2_EINVAL);
	assert_int_equal(vgic_dist_access(&G, 0, GICD_ISENABLER, 2, true, &v),
			 -S2_EINVAL);
	assert_int_equal(vgic_dist_access(&G, 0, GICD_IPRIORITYR + 2, 4, false,
					  &v), -S2_EINVAL);
	assert_int_equal(vgic_dist_access(&G, 0, GICD_IPRIORITYR + 1, 2, false,
					  &v), -S2_EINVAL);
	assert_int_equal(vgic_dist_access(&G, 0, GICD_IPRIORITYR, 8, false, &v),
			 -S2_EINVAL);
	assert_int_equal(vgic_dist_access(&G, 0, GICD_CTLR, 3, false, &v),
			 -S2_EINVAL);
	assert_int_equal(vgic_dist_access(&G, 0, VGIC_GICD_SIZE, 4, false, &v),
			 -S2_EFAULT);
	assert_int_equal(vgic_dist_access(&G, 4, GICD_CTLR, 4, false, &v),
			 -S2_EINVAL);
	assert_int_equal(vgic_dist_access(&G, 0, GICD_IPRIORITYR + 1, 1, false,
					  &v), 0);
	assert_int_equal(vgic_dist_access(&G, 0, GICD_ITARGETSR + 34, 2, false,
					  &v), 0);
	assert_int_equal(vgic_dist_access(&G, 0, GICD_SPENDSGIR + 3, 1, false,
					  &v), 0);
	/* GICD_CTLR: bit 0 only. */
	wr(0, GICD_CTLR, ~0U);
	assert_int_equal(rd(1, GICD_CTLR), 1);

	/* One vCPU; bad vCPU counts; too few list registers. */
	assert_int_equal(setup_n(1), 0);
	assert_int_equal(rd(0, GICD_TYPER), 1);
	assert_int_equal(vgic_init(&G, 0, NULL, NULL), -S2_EINVAL);
	assert_int_equal(vgic_init(&G, VGIC_MAX_VCPUS + 1, NULL, NULL),
			 -S2_EINVAL);
	sim_a[GICH_VTR / 4] &= ~0x3fU;
	assert_int_equal(vgic_init(&G, 2, NULL, NULL), -S2_ENOTSUP);
	sim_a[GICH_VTR / 4] |= 31;	/* 32 LRs: the vgic uses 16 */
	assert_int_equal(vgic_init(&G, 2, kick, &kick_ctx_token), 0);
	assert_int_equal(G.nr_lrs, VGIC_MAX_LRS);
}

static void test_enable_pending_active(void **state)
{
	(void)state;
	/* SGIs permanently enabled: RAO/WI. */
	assert_int_equal(rd(0, GICD_ISENABLER), 0xffff);
	wr(0, GICD_ICENABLER, ~0U);
	assert_int_equal(rd(0, GICD_ICENABLER), 0xffff);
	/* PPI enables are banked. */
	set_bit_reg(1, GICD_ISENABLER, 27);
	assert_int_equal(rd(1, GICD_ISENABLER), 0xffff | 1U << 27);
	assert_int_equal(rd(1, GICD_ICENABLER), 0xffff | 1U << 27);
	assert_int_equal(rd(0, GICD_ISENABLER), 0xffff);
	set_bit_reg(1, GICD_ICENABLER, 27);
	assert_false(bit(1, GICD_ISENABLER, 27));
	/* SPI enables are shared. */
	set_bit_reg(2, GICD_ISENABLER, 37);
	assert_int_equal(rd(0, GICD_ISENABLER + 4), 1U << 5);
	assert_int_equal(rd(3, GICD_ICENABLER + 4), 1U << 5);
	wr(1, GICD_ICENABLER + 4, 1U << 5);
	assert_int_equal(rd(0, GICD_ISENABLER + 4), 0);

	/* Pending: set/clear pairs; SGI bits ignore writes (SPENDSGIR). */
	set_bit_reg(0, GICD_ISPENDR, 40);
	assert_true(bit(3, GICD_ISPENDR, 40));
	assert_true(bit(3, GICD_ICPENDR, 40));
	set_bit_reg(3, GICD_ICPENDR, 40);
	assert_false(bit(0, GICD_ISPENDR, 40));
	wr(0, GICD_ISPENDR, 0xffff);
	assert_int_equal(rd(0, GICD_ISPENDR), 0);
	/* PPI pending is banked. */
	set_bit_reg(2, GICD_ISPENDR, 20);
	assert_true(bit(2, GICD_ISPENDR, 20));
	assert_false(bit(1, GICD_ISPENDR, 20));

	/* Level-sensitive: pending while the line is high, whatever
	 * ICPENDR; ISPENDR latches it pending whatever the line (4.3.7/8). */
	vgic_set_irq(&G, 0, 41, true);
	assert_true(bit(0, GICD_ISPENDR, 41));
	set_bit_reg(0, GICD_ICPENDR, 41);
	assert_true(bit(0, GICD_ISPENDR, 41));
	vgic_set_irq(&G, 0, 41, false);
	assert_false(bit(0, GICD_ISPENDR, 41));
	set_bit_reg(0, GICD_ISPENDR, 41);
	assert_true(bit(0, GICD_ISPENDR, 41));
	vgic_set_irq(&G, 0, 41, true);
	vgic_set_irq(&G, 0, 41, false);
	assert_true(bit(0, GICD_ISPENDR, 41));
	set_bit_reg(0, GICD_ICPENDR, 41);
	assert_false(bit(0, GICD_ISPENDR, 41));

	/* Active. */
	set_bit_reg(1, GICD_ISACTIVER, 42);
	assert_true(bit(2, GICD_ISACTIVER, 42));
	assert_true(bit(2, GICD_ICACTIVER, 42));
	set_bit_reg(2, GICD_ICACTIVER, 42);
	assert_false(bit(1, GICD_ISACTIVER, 42));
	set_bit_reg(3, GICD_ISACTIVER, 3);
	assert_true(bit(3, GICD_ISACTIVER, 3));
	assert_false(bit(0, GICD_ISACTIVER, 3));
	set_bit_reg(3, GICD_ICACTIVER, 3);
	assert_false(bit(3, GICD_ISACTIVER, 3));

	/* Groups: read/write, the private ones banked. */
	wr(0, GICD_IGROUPR + 4, 0xf0f0f0f0);
	assert_int_equal(rd(2, GICD_IGROUPR + 4), 0xf0f0f0f0);
	wr(1, GICD_IGROUPR, 0x80000001);
	assert_int_equal(rd(1, GICD_IGROUPR), 0x80000001);
	assert_int_equal(rd(0, GICD_IGROUPR), 0);
}

static void test_priority_bytes(void **state)
{
	(void)state;
	wrn(0, GICD_IPRIORITYR + 1, 1, 0xa0);
	assert_int_equal(rd(0, GICD_IPRIORITYR), 0xa000);
	assert_int_equal(rd(1, GICD_IPRIORITYR), 0);	/* banked */
	/* Five priority bits, as an LR carries: the low three RAZ/WI. */
	wrn(0, GICD_IPRIORITYR + 1, 1, 0xff);
	assert_int_equal(rdn(0, GICD_IPRIORITYR + 1, 1), 0xf8);
	/* Halfword and word accesses: little-endian bytes. */
	wrn(0, GICD_IPRIORITYR + 34, 2, 0x8040);
	assert_int_equal(rd(3, GICD_IPRIORITYR + 32), 0x80400000);
	wr(2, GICD_IPRIORITYR + 36, 0x10203040);
	assert_int_equal(rdn(0, GICD_IPRIORITYR + 36, 1), 0x40);
	assert_int_equal(rdn(1, GICD_IPRIORITYR + 39, 1), 0x10);
	assert_int_equal(rdn(1, GICD_IPRIORITYR + 38, 2), 0x1020);
	wr(2, GICD_IPRIORITYR + 24, 0xffffffff);
	assert_int_equal(rd(2, GICD_IPRIORITYR + 24), 0xf8f8f8f8);
	assert_int_equal(rd(0, GICD_IPRIORITYR + 24), 0);
}

static void test_targets(void **state)
{
	(void)state;
	/* ITARGETSR0..7 name the reading CPU, read-only (4.3.12). */
	for (unsigned int v = 0; v < 4; v++) {
		uint32_t me = 0x01010101U << v;

		for (unsigned int off = 0; off < 32; off += 4)
			assert_int_equal(rd(v, GICD_ITARGETSR + off), me);
		wr(v, GICD_ITARGETSR + 28, 0);
		assert_int_equal(rd(v, GICD_ITARGETSR + 28), me);
		assert_int_equal(rdn(v, GICD_ITARGETSR + 27, 1), 1U << v);
	}
	/* SPIs: bits of CPU interfaces that do not exist are RAZ/WI. */
	wrn(0, GICD_ITARGETSR + 32, 1, 0xff);
	assert_int_equal(rdn(3, GICD_ITARGETSR + 32, 1), 0x0f);
	wrn(1, GICD_ITARGETSR + 34, 2, 0x0402);
	assert_int_equal(rd(2, GICD_ITARGETSR + 32), 0x0402000f);
	wr(1, GICD_ITARGETSR + 60, 0x08040201);
	assert_int_equal(rd(0, GICD_ITARGETSR + 60), 0x08040201);

	/* A uniprocessor GIC's are RAZ/WI. */
	assert_int_equal(setup_n(1), 0);
	assert_int_equal(rd(0, GICD_ITARGETSR), 0);
	wrn(0, GICD_ITARGETSR + 32, 1, 1);
	assert_int_equal(rd(0, GICD_ITARGETSR + 32), 0);
}

static void test_icfgr(void **state)
{
	(void)state;
	/* SGIs: edge, read-only. PPIs: level at reset, programmable,
	 * banked. Int_config[0] reserved. */
	assert_int_equal(rd(0, GICD_ICFGR), 0xaaaaaaaa);
	wr(0, GICD_ICFGR, 0);
	assert_int_equal(rd(0, GICD_ICFGR), 0xaaaaaaaa);
	assert_int_equal(rd(0, GICD_ICFGR + 4), 0);
	wr(1, GICD_ICFGR + 4, ~0U);
	assert_int_equal(rd(1, GICD_ICFGR + 4), 0xaaaaaaaa);
	assert_int_equal(rd(0, GICD_ICFGR + 4), 0);
	assert_int_equal(rd(0, GICD_ICFGR + 8), 0);
	wr(0, GICD_ICFGR + 8, 0x2);	/* SPI 32 edge */
	assert_int_equal(rd(3, GICD_ICFGR + 8), 0x2);

	/* Edge: a rising edge latches; the line going low does not clear. */
	vgic_set_irq(&G, 0, 32, true);
	assert_true(bit(0, GICD_ISPENDR, 32));
	vgic_set_irq(&G, 0, 32, false);
	assert_true(bit(0, GICD_ISPENDR, 32));
	set_bit_reg(0, GICD_ICPENDR, 32);
	assert_false(bit(0, GICD_ISPENDR, 32));
	vgic_set_irq(&G, 0, 32, true);
	set_bit_reg(0, GICD_ICPENDR, 32);
	vgic_set_irq(&G, 0, 32, true);	/* still high: no new edge */
	assert_false(bit(0, GICD_ISPENDR, 32));
	/* SGIs cannot be driven as lines. */
	vgic_set_irq(&G, 0, 3, true);
	assert_int_equal(rd(0, GICD_ISPENDR), 0);
}

static void test_sgir(void **state)
{
	uint32_t iar;
	int i;

	(void)state;
	wr(0, GICD_CTLR, 1);
	kicks_clear();
	/* Filter 0: the target list (vCPUs 1 and 3); each sees source 0. */
	wr(0, GICD_SGIR, SGIR(0, 0x0a, 5));
	assert_int_equal(rdn(1, GICD_SPENDSGIR + 5, 1), 0x01);
	assert_int_equal(rdn(3, GICD_SPENDSGIR + 5, 1), 0x01);
	assert_int_equal(rdn(2, GICD_SPENDSGIR + 5, 1), 0);
	assert_int_equal(rdn(0, GICD_SPENDSGIR + 5, 1), 0);
	assert_true(bit(1, GICD_ISPENDR, 5));
	assert_false(bit(0, GICD_ISPENDR, 5));
	assert_int_equal(kicked, 0x0a);
	/* Filter 1: all but the requester. */
	kicks_clear();
	wr(2, GICD_SGIR, SGIR(1, 0, 3));
	assert_int_equal(rd(0, GICD_SPENDSGIR), 0x04000000);
	assert_int_equal(rd(1, GICD_SPENDSGIR), 0x04000000);
	assert_int_equal(rd(3, GICD_SPENDSGIR), 0x04000000);
	assert_int_equal(rd(2, GICD_SPENDSGIR), 0);
	assert_int_equal(kicked, 0x0b);
	/* Filter 2: the requester only, which is not kicked. */
	kicks_clear();
	wr(3, GICD_SGIR, SGIR(2, 0xff, 7));
	assert_int_equal(rdn(3, GICD_SPENDSGIR + 7, 1), 0x08);
	assert_int_equal(rdn(0, GICD_SPENDSGIR + 7, 1), 0);
	assert_int_equal(kicked, 0);
	/* Filter 3 is reserved; targets without a CPU interface dropped. */
	wr(0, GICD_SGIR, SGIR(3, 0xff, 9));
	wr(0, GICD_SGIR, SGIR(0, 0xf0, 9));
	for (unsigned int v = 0; v < 4; v++)
		assert_int_equal(rdn(v, GICD_SPENDSGIR + 9, 1), 0);
	assert_int_equal(kicked, 0);

	/* Per (source, target): SGI 5 to vCPU 1 from 0 and 2. */
	wr(2, GICD_SGIR, SGIR(0, 0x02, 5));
	assert_int_equal(rdn(1, GICD_SPENDSGIR + 5, 1), 0x05);
	wrn(1, GICD_CPENDSGIR + 5, 1, 0x01);
	assert_int_equal(rdn(1, GICD_CPENDSGIR + 5, 1), 0x04);
	wrn(1, GICD_SPENDSGIR + 4, 2, 0x0300);	/* SGI 5 from 0 and 1 */
	assert_int_equal(rdn(1, GICD_SPENDSGIR + 5, 1), 0x07);
	wrn(1, GICD_CPENDSGIR + 5, 1, 0x02);
	assert_int_equal(rdn(1, GICD_SPENDSGIR + 5, 1), 0x05);

	/* One LR per SGI, naming one source (CPUID); EOI bit while more
	 * sources wait. */
	on_cpu(sim_b);
	vgic_load(&G, 1);
	enter(1, sim_b);
	i = lr_of(sim_b, 5);
	assert_true(i >= 0);
	assert_int_equal(LR_CPUID(*lr(sim_b, i)), 0);
	assert_true(*lr(sim_b, i) & GICH_LR_EOI);
	assert_int_equal(LR_STATE(*lr(sim_b, i)), LR_P);
	iar = guest_ack(sim_b);
	while (LR_ID(iar) != 5) {	/* SGI 3 (source 2) may come first */
		guest_eoi(sim_b, iar);
		iar = guest_ack(sim_b);
	}
	assert_int_equal(iar, 5 | 0 << 10);
	guest_eoi(sim_b, iar);
	vm_exit(1, sim_b);
	sim_hw(sim_b);
	assert_int_equal(sim_b[GICH_EISR0 / 4], 0);	/* sync cleared it */
	assert_int_equal(rdn(1, GICD_SPENDSGIR + 5, 1), 0x04);
	enter(1, sim_b);
	i = lr_of(sim_b, 5);
	assert_int_equal(LR_CPUID(*lr(sim_b, i)), 2);
	assert_false(*lr(sim_b, i) & GICH_LR_EOI);
	assert_int_equal(guest_ack(sim_b), 5 | 2 << 10);
	guest_eoi(sim_b, 5 | 2 << 10);
	guest_take_all(sim_b);
	vm_exit(1, sim_b);
	assert_int_equal(rd(1, GICD_SPENDSGIR + 4), 0);
	assert_int_equal(rd(1, GICD_ISPENDR), 0);
}

static void test_lr_order(void **state)
{
	static const struct { unsigned int id; uint8_t prio; } spis[] = {
		{ 32, 0xc0 }, { 33, 0x40 }, { 34, 0x80 }, { 35, 0x40 },
		{ 36, 0x20 }, { 37, 0xf0 },
	};
	uint32_t iar;

	(void)state;
	wr(0, GICD_CTLR, 1);
	for (unsigned int i = 0; i < ARRAY_SIZE(spis); i++) {
		spi_setup(spis[i].id, spis[i].prio, 0x01);
		set_bit_reg(1, GICD_ISPENDR, spis[i].id);
	}
	/* Pending but disabled: never listed. */
	wrn(0, GICD_ITARGETSR + 38, 1, 1);
	set_bit_reg(0, GICD_ISPENDR, 38);
	/* PPI 27, level, line high, priority 0x60. */
	wrn(0, GICD_IPRIORITYR + 27, 1, 0x60);
	set_bit_reg(0, GICD_ISENABLER, 27);
	vgic_set_irq(&G, 0, 27, true);
	/* SPI 39 targets vCPU 1: not vCPU 0's. */
	spi_setup(39, 0x00, 0x02);
	set_bit_reg(0, GICD_ISPENDR, 39);

	vgic_load(&G, 0);
	enter(0, sim_a);
	/* Highest priority first, ties by INTID; Priority = prio >> 3. */
	assert_int_equal(LR_ID(*lr(sim_a, 0)), 36);
	assert_int_equal(LR_ID(*lr(sim_a, 1)), 33);
	assert_int_equal(LR_ID(*lr(sim_a, 2)), 35);
	assert_int_equal(LR_ID(*lr(sim_a, 3)), 27);
	assert_int_equal(LR_PRIO(*lr(sim_a, 0)), 0x20 >> 3);
	assert_int_equal(LR_PRIO(*lr(sim_a, 3)), 0x60 >> 3);
	for (unsigned int i = 0; i < NR_LRS; i++) {
		assert_int_equal(LR_STATE(*lr(sim_a, i)), LR_P);
		assert_false(*lr(sim_a, i) & (GICH_LR_HW | GICH_LR_Grp1));
	}
	/* Level-sensitive (SPIs and PPIs at reset): EOI maintenance. */
	assert_true(*lr(sim_a, 0) & GICH_LR_EOI);
	assert_true(*lr(sim_a, 3) & GICH_LR_EOI);
	/* Three more wait: underflow maintenance interrupt. */
	assert_int_equal(sim_a[GICH_HCR / 4], GICH_HCR_En | GICH_HCR_UIE);

	/* The guest takes 36 and stays in its handler: active first. */
	assert_int_equal(guest_ack(sim_a), 36);
	vm_exit(0, sim_a);
	assert_int_equal(sim_a[GICH_HCR / 4], GICH_HCR_En);	/* UIE dropped */
	assert_true(bit(0, GICD_ISACTIVER, 36));
	assert_false(bit(0, GICD_ISPENDR, 36));
	enter(0, sim_a);
	assert_int_equal(LR_ID(*lr(sim_a, 0)), 36);
	assert_int_equal(LR_STATE(*lr(sim_a, 0)), LR_A);
	assert_int_equal(LR_ID(*lr(sim_a, 1)), 33);
	assert_int_equal(LR_ID(*lr(sim_a, 2)), 35);
	assert_int_equal(LR_ID(*lr(sim_a, 3)), 27);
	guest_eoi(sim_a, 36);
	/* A flush without a sync in between starts over, no duplicates. */
	on_cpu(sim_a);
	sim_hw(sim_a);
	vgic_flush(&G, 0);
	assert_no_dup(sim_a);
	assert_int_equal(LR_ID(*lr(sim_a, 0)), 33);
	assert_int_equal(LR_ID(*lr(sim_a, 1)), 35);
	assert_int_equal(LR_ID(*lr(sim_a, 2)), 27);
	assert_int_equal(LR_ID(*lr(sim_a, 3)), 34);
	assert_int_equal(sim_a[GICH_HCR / 4], GICH_HCR_En | GICH_HCR_UIE);
	assert_false(bit(0, GICD_ISACTIVER, 36));

	/* Take everything listed; the rest follows; 27 is back (level,
	 * line still high) and nothing else waits: no UIE. */
	guest_take_all(sim_a);
	vm_exit(0, sim_a);
	assert_true(bit(0, GICD_ISPENDR, 27));
	enter(0, sim_a);
	assert_int_equal(nr_valid(sim_a), 3);
	assert_int_equal(LR_ID(*lr(sim_a, 0)), 27);
	assert_int_equal(LR_ID(*lr(sim_a, 1)), 32);
	assert_int_equal(LR_ID(*lr(sim_a, 2)), 37);
	assert_int_equal(sim_a[GICH_HCR / 4], GICH_HCR_En);
	vgic_set_irq(&G, 0, 27, false);
	while ((iar = guest_ack(sim_a)) != GIC_SPURIOUS)
		guest_eoi(sim_a, iar);
	vm_exit(0, sim_a);
	enter(0, sim_a);
	assert_int_equal(nr_valid(sim_a), 0);
	assert_true(bit(0, GICD_ISPENDR, 38));
	assert_true(bit(0, GICD_ISPENDR, 39));
}

static void test_spi_one_vcpu(void **state)
{
	(void)state;
	wr(0, GICD_CTLR, 1);
	/* Targets vCPUs 0 and 1: the lowest-numbered one gets it. */
	spi_setup(40, 0x80, 0x03);
	on_cpu(sim_a);
	vgic_load(&G, 0);
	on_cpu(sim_b);
	vgic_load(&G, 1);
	kicks_clear();
	set_bit_reg(2, GICD_ISPENDR, 40);
	assert_int_equal(kicked, 0x01);
	enter(1, sim_b);
	assert_int_equal(nr_valid(sim_b), 0);
	enter(0, sim_a);
	assert_true(lr_of(sim_a, 40) >= 0);

	/* Retargeted to vCPU 1 while in vCPU 0's LR: vCPU 1 must not list
	 * it, and is kicked once vCPU 0's exit gives it back. */
	kicks_clear();
	wrn(1, GICD_ITARGETSR + 40, 1, 0x02);
	assert_int_equal(kicked, 0);
	assert_true(bit(1, GICD_ISPENDR, 40));	/* held: still pending */
	enter(1, sim_b);
	assert_int_equal(lr_of(sim_b, 40), -1);
	/* Even set pending again, or its line high, while held. */
	set_bit_reg(2, GICD_ISPENDR, 40);
	vgic_set_irq(&G, 0, 40, true);
	enter(1, sim_b);
	assert_int_equal(lr_of(sim_b, 40), -1);
	vgic_set_irq(&G, 0, 40, false);
	assert_int_equal(kicked, 0);
	vm_exit(0, sim_a);		/* not acknowledged */
	assert_int_equal(kicked, 0x02);
	enter(0, sim_a);
	assert_int_equal(lr_of(sim_a, 40), -1);
	enter(1, sim_b);
	assert_true(lr_of(sim_b, 40) >= 0);

	/* Active on vCPU 1: it stays there (it must end there) even when
	 * retargeted; a new edge waits for the end. */
	assert_int_equal(guest_ack(sim_b), 40);
	vm_exit(1, sim_b);
	wrn(0, GICD_ITARGETSR + 40, 1, 0x01);
	set_bit_reg(0, GICD_ISPENDR, 40);
	enter(0, sim_a);
	assert_int_equal(lr_of(sim_a, 40), -1);
	enter(1, sim_b);
	assert_int_equal(LR_STATE(*lr(sim_b, lr_of(sim_b, 40))), LR_A | LR_P);
	guest_eoi(sim_b, 40);		/* pending remains in the LR */
	vm_exit(1, sim_b);
	assert_false(bit(0, GICD_ISACTIVER, 40));
	assert_true(bit(0, GICD_ISPENDR, 40));
	enter(1, sim_b);
	assert_int_equal(lr_of(sim_b, 40), -1);
	enter(0, sim_a);
	assert_true(lr_of(sim_a, 40) >= 0);

	/* Clear-pending by another vCPU while held: honoured at the sync. */
	set_bit_reg(3, GICD_ICPENDR, 40);
	assert_false(bit(3, GICD_ISPENDR, 40));
	vm_exit(0, sim_a);
	assert_false(bit(0, GICD_ISPENDR, 40));
	enter(0, sim_a);
	assert_int_equal(nr_valid(sim_a), 0);

	/* No target: stays pending, delivered to nobody. Then vCPUs 2|3:
	 * vCPU 2 is kicked. */
	kicks_clear();
	wrn(0, GICD_ITARGETSR + 40, 1, 0);
	set_bit_reg(0, GICD_ISPENDR, 40);
	assert_int_equal(kicked, 0);
	enter(0, sim_a);
	assert_int_equal(nr_valid(sim_a), 0);
	wrn(0, GICD_ITARGETSR + 40, 1, 0x0c);
	assert_int_equal(kicked, 0x04);
}

static void test_eoi_fold(void **state)
{
	(void)state;
	wr(0, GICD_CTLR, 1);
	spi_setup(33, 0x80, 0x01);
	wr(0, GICD_ICFGR + 8, 2U << 2);		/* 33: edge */
	vgic_load(&G, 0);
	vgic_set_irq(&G, 0, 33, true);
	enter(0, sim_a);
	assert_int_equal(LR_STATE(*lr(sim_a, 0)), LR_P);
	assert_false(*lr(sim_a, 0) & GICH_LR_EOI);
	/* Read from another vCPU while listed: pending, not active. */
	assert_true(bit(2, GICD_ISPENDR, 33));
	assert_false(bit(2, GICD_ISACTIVER, 33));
	assert_int_equal(guest_ack(sim_a), 33);
	vm_exit(0, sim_a);
	assert_true(bit(0, GICD_ISACTIVER, 33));
	assert_false(bit(0, GICD_ISPENDR, 33));
	/* A new edge while active: active and pending in one LR. */
	vgic_set_irq(&G, 0, 33, false);
	vgic_set_irq(&G, 0, 33, true);
	enter(0, sim_a);
	assert_int_equal(nr_valid(sim_a), 1);
	assert_int_equal(LR_STATE(*lr(sim_a, 0)), LR_A | LR_P);
	guest_eoi(sim_a, 33);
	vm_exit(0, sim_a);
	assert_false(bit(0, GICD_ISACTIVER, 33));
	assert_true(bit(0, GICD_ISPENDR, 33));
	enter(0, sim_a);
	assert_int_equal(guest_ack(sim_a), 33);
	guest_eoi(sim_a, 33);
	sim_hw(sim_a);
	assert_int_equal(sim_a[GICH_ELRSR0 / 4] & 1, 1);	/* empty */
	vm_exit(0, sim_a);
	assert_false(bit(0, GICD_ISACTIVER, 33));
	assert_false(bit(0, GICD_ISPENDR, 33));
	enter(0, sim_a);
	assert_int_equal(nr_valid(sim_a), 0);
	assert_int_equal(sim_a[GICH_HCR / 4], GICH_HCR_En);

	/* ICACTIVER from another vCPU while listed active: honoured. */
	set_bit_reg(0, GICD_ISPENDR, 33);
	enter(0, sim_a);
	assert_int_equal(guest_ack(sim_a), 33);
	vm_exit(0, sim_a);
	enter(0, sim_a);
	set_bit_reg(1, GICD_ICACTIVER, 33);
	assert_false(bit(1, GICD_ISACTIVER, 33));
	vm_exit(0, sim_a);
	assert_false(bit(0, GICD_ISACTIVER, 33));
	enter(0, sim_a);
	assert_int_equal(nr_valid(sim_a), 0);
}

static void test_level_repend(void **state)
{
	int i;

	(void)state;
	wr(0, GICD_CTLR, 1);
	set_bit_reg(0, GICD_ISENABLER, 27);
	vgic_load(&G, 0);
	vgic_set_irq(&G, 0, 27, true);
	enter(0, sim_a);
	i = lr_of(sim_a, 27);
	assert_true(i >= 0);
	assert_true(*lr(sim_a, i) & GICH_LR_EOI);
	assert_int_equal(guest_ack(sim_a), 27);
	guest_eoi(sim_a, 27);
	/* Ended with the line high: an EOI maintenance interrupt ... */
	sim_hw(sim_a);
	assert_int_equal(sim_a[GICH_EISR0 / 4], 1U << i);
	assert_int_equal(sim_a[GICH_ELRSR0 / 4] >> i & 1, 0);
	/* ... and pending again. */
	vm_exit(0, sim_a);
	assert_int_equal(*lr(sim_a, i), 0);
	sim_hw(sim_a);
	assert_int_equal(sim_a[GICH_EISR0 / 4], 0);
	assert_true(bit(0, GICD_ISPENDR, 27));
	assert_false(bit(0, GICD_ISACTIVER, 27));
	enter(0, sim_a);
	assert_int_equal(LR_STATE(*lr(sim_a, lr_of(sim_a, 27))), LR_P);

	/* The device drops the line during the handler: not again. */
	assert_int_equal(guest_ack(sim_a), 27);
	vm_exit(0, sim_a);		/* e.g. the handler's MMIO trap */
	vgic_set_irq(&G, 0, 27, false);
	enter(0, sim_a);
	assert_int_equal(LR_STATE(*lr(sim_a, lr_of(sim_a, 27))), LR_A);
	guest_eoi(sim_a, 27);
	vm_exit(0, sim_a);
	assert_false(bit(0, GICD_ISPENDR, 27));
	assert_false(bit(0, GICD_ISACTIVER, 27));
	enter(0, sim_a);
	assert_int_equal(nr_valid(sim_a), 0);

	/* Line high while active: listed active and pending. */
	vgic_set_irq(&G, 0, 27, true);
	enter(0, sim_a);
	assert_int_equal(guest_ack(sim_a), 27);
	vm_exit(0, sim_a);
	enter(0, sim_a);
	assert_int_equal(LR_STATE(*lr(sim_a, lr_of(sim_a, 27))), LR_A | LR_P);
	/* Line dropped while listed: no longer pending after the exit. */
	vgic_set_irq(&G, 0, 27, false);
	vm_exit(0, sim_a);
	assert_false(bit(0, GICD_ISPENDR, 27));
	assert_true(bit(0, GICD_ISACTIVER, 27));
}

static void test_kicks(void **state)
{
	(void)state;
	spi_setup(34, 0x80, 0x04);
	kicks_clear();
	/* Distributor off: nothing deliverable, no kick. */
	vgic_set_irq(&G, 0, 34, true);
	assert_int_equal(kick_calls, 0);
	/* Enabling the distributor kicks whoever has something. */
	wr(0, GICD_CTLR, 1);
	assert_int_equal(kicked, 0x04);
	assert_int_equal(kick_calls, 1);
	/* Disabled interrupt: no kick until enabled. */
	kicks_clear();
	set_bit_reg(0, GICD_ICENABLER, 34);
	vgic_set_irq(&G, 0, 34, false);
	vgic_set_irq(&G, 0, 34, true);
	assert_int_equal(kick_calls, 0);
	set_bit_reg(1, GICD_ISENABLER, 34);
	assert_int_equal(kicked, 0x04);
	/* The accessing vCPU is not kicked for its own access. */
	kicks_clear();
	set_bit_reg(2, GICD_ICENABLER, 34);
	set_bit_reg(2, GICD_ISENABLER, 34);
	assert_int_equal(kick_calls, 0);
	/* A PPI of vCPU 3. */
	set_bit_reg(3, GICD_ISENABLER, 27);
	vgic_set_irq(&G, 3, 27, true);
	assert_int_equal(kicked, 0x08);
	/* Clearing an active+pending one's active state makes it
	 * deliverable. */
	kicks_clear();
	set_bit_reg(0, GICD_ISACTIVER, 33);
	spi_setup(33, 0x80, 0x02);
	set_bit_reg(0, GICD_ISPENDR, 33);
	assert_int_equal(kick_calls, 0);
	set_bit_reg(0, GICD_ICACTIVER, 33);
	assert_int_equal(kicked, 0x02);
	/* No kick function at all is fine. */
	assert_int_equal(vgic_init(&G, 2, NULL, NULL), 0);
	wr(0, GICD_CTLR, 1);
	wr(0, GICD_SGIR, SGIR(1, 0, 1));
}

static void test_pending_pmr(void **state)
{
	(void)state;
	wr(0, GICD_CTLR, 1);
	spi_setup(35, 0x80, 0x01);
	set_bit_reg(0, GICD_ISPENDR, 35);
	vgic_load(&G, 0);
	/* The guest has not enabled its CPU interface: VMCR 0. */
	vm_exit(0, sim_a);
	assert_false(vgic_pending(&G, 0));
	/* GICV_PMR 0x80 masks priority 0x80; 0x88 lets it through. */
	sim_a[GICH_VMCR / 4] = GICH_VMCR_VMGrp0En | VMCR_PMR(0x80 >> 3);
	vm_exit(0, sim_a);
	assert_false(vgic_pending(&G, 0));
	sim_a[GICH_VMCR / 4] = GICH_VMCR_VMGrp0En | VMCR_PMR(0x88 >> 3);
	assert_false(vgic_pending(&G, 0));	/* not synced yet */
	vm_exit(0, sim_a);
	assert_true(vgic_pending(&G, 0));
	assert_false(vgic_pending(&G, 1));	/* not vCPU 1's */
	/* Group 1 needs VMGrp1En. */
	wr(0, GICD_IGROUPR + 4, 1U << 3);
	assert_false(vgic_pending(&G, 0));
	sim_a[GICH_VMCR / 4] |= GICH_VMCR_VMGrp1En;
	vm_exit(0, sim_a);
	assert_true(vgic_pending(&G, 0));
	/* Running priority (GICH_APR): 0x80 active masks 0x80. */
	sim_a[GICH_APR / 4] = 1U << (0x80 >> 3);
	vm_exit(0, sim_a);
	assert_false(vgic_pending(&G, 0));
	sim_a[GICH_APR / 4] = 1U << (0x88 >> 3);
	vm_exit(0, sim_a);
	assert_true(vgic_pending(&G, 0));
	/* Disabled, active, distributor off: no. */
	set_bit_reg(0, GICD_ICENABLER, 35);
	assert_false(vgic_pending(&G, 0));
	set_bit_reg(0, GICD_ISENABLER, 35);
	set_bit_reg(0, GICD_ISACTIVER, 35);
	assert_false(vgic_pending(&G, 0));
	set_bit_reg(0, GICD_ICACTIVER, 35);
	assert_true(vgic_pending(&G, 0));
	wr(0, GICD_CTLR, 0);
	assert_false(vgic_pending(&G, 0));
	wr(0, GICD_CTLR, 1);
	/* Listed but not yet taken: still pending; after put, the saved
	 * VMCR decides. */
	enter(0, sim_a);
	assert_true(vgic_pending(&G, 0));
	put(0, sim_a);
	assert_true(vgic_pending(&G, 0));
	/* An SGI from vCPU 1. */
	set_bit_reg(0, GICD_ICPENDR, 35);
	assert_false(vgic_pending(&G, 0));
	wr(1, GICD_SGIR, SGIR(0, 1, 2));
	assert_true(vgic_pending(&G, 0));
}

static void test_put_load_migrate(void **state)
{
	int i;

	(void)state;
	wr(0, GICD_CTLR, 1);
	spi_setup(36, 0x40, 0x01);
	wr(1, GICD_SGIR, SGIR(0, 1, 4));
	set_bit_reg(0, GICD_ISPENDR, 36);
	on_cpu(sim_a);
	vgic_load(&G, 0);
	assert_int_equal(sim_a[GICH_HCR / 4], GICH_HCR_En);
	enter(0, sim_a);
	assert_int_equal(guest_ack(sim_a), 4 | 1 << 10);  /* SGI 4, prio 0 */
	assert_int_equal(guest_ack(sim_a), 36);
	/* The guest's GICV_CTLR/PMR and active priorities. */
	sim_a[GICH_VMCR / 4] = GICH_VMCR_VMGrp0En | VMCR_PMR(0x1e);
	sim_a[GICH_APR / 4] = 1U << 0 | 1U << (0x40 >> 3);
	put(0, sim_a);
	assert_int_equal(sim_a[GICH_HCR / 4], 0);
	assert_int_equal(nr_valid(sim_a), 0);
	assert_true(bit(2, GICD_ISACTIVER, 36));
	assert_true(bit(0, GICD_ISACTIVER, 4));
	assert_false(bit(0, GICD_ISPENDR, 36));
	/* Flush/sync of a vCPU that is not loaded: no effect. */
	vgic_flush(&G, 0);
	assert_int_equal(nr_valid(sim_a), 0);

	/* Onto another physical CPU, whose LRs hold garbage. */
	for (unsigned int n = 0; n < NR_LRS; n++)
		*lr(sim_b, n) = LR_P | 50;
	on_cpu(sim_b);
	vgic_load(&G, 0);
	assert_int_equal(sim_b[GICH_VMCR / 4], GICH_VMCR_VMGrp0En | VMCR_PMR(0x1e));
	assert_int_equal(sim_b[GICH_APR / 4], 1U << 0 | 1U << 8);
	assert_int_equal(sim_b[GICH_HCR / 4], GICH_HCR_En);
	assert_int_equal(nr_valid(sim_b), 0);
	enter(0, sim_b);
	assert_int_equal(nr_valid(sim_b), 2);
	i = lr_of(sim_b, 4);
	assert_int_equal(*lr(sim_b, i), LR_A | 1U << 10 | 4);
	i = lr_of(sim_b, 36);
	assert_int_equal(*lr(sim_b, i), LR_A | GICH_LR_EOI | (0x40U >> 3) << 23 | 36);
	guest_eoi(sim_b, 4 | 1 << 10);
	guest_eoi(sim_b, 36);
	put(0, sim_b);
	assert_false(bit(0, GICD_ISACTIVER, 36));
	assert_false(bit(0, GICD_ISACTIVER, 4));
	/* Level SPI 36, line low: nothing pending again. */
	assert_false(bit(0, GICD_ISPENDR, 36));
	assert_int_equal(sim_b[GICH_HCR / 4], 0);
}

static void test_ctlr_off(void **state)
{
	(void)state;
	spi_setup(44, 0x10, 0x01);
	set_bit_reg(0, GICD_ISPENDR, 44);
	set_bit_reg(0, GICD_ISACTIVER, 45);
	vgic_load(&G, 0);
	enter(0, sim_a);
	/* Distributor off: nothing pending forwarded, but an active one is
	 * listed so that the guest can still end it. */
	assert_int_equal(nr_valid(sim_a), 1);
	assert_int_equal(*lr(sim_a, 0) & ~(0x1fU << 23), LR_A | GICH_LR_EOI | 45);
	wr(0, GICD_CTLR, 1);
	vm_exit(0, sim_a);
	enter(0, sim_a);
	assert_int_equal(LR_ID(*lr(sim_a, 0)), 45);	/* active first */
	assert_int_equal(LR_ID(*lr(sim_a, 1)), 44);
}

/* ---- concurrency ---------------------------------------------------------- */

enum { T_VCPUS = 4, T_SPI0 = 40, T_NSPI = 4 };

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define T_ITERS 4000
#else
#define T_ITERS 20000
#endif

static atomic_ulong t_sent[T_VCPUS][T_VCPUS][VGIC_NR_SGIS];
static atomic_ulong t_recv[T_VCPUS][T_VCPUS][VGIC_NR_SGIS];
static atomic_int t_holder[VGIC_NR_SPIS];
static atomic_int t_errors;
static atomic_ulong t_kicks;
static atomic_ulong t_spis;	/* SPIs the guests took */
static atomic_uint t_stopped;	/* threads done sending */

static void t_kick(void *ctx, unsigned int vcpu)
{
	(void)ctx;
	(void)vcpu;
	atomic_fetch_add_explicit(&t_kicks, 1, memory_order_relaxed);
}

static uint32_t xorshift(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

/*
 * The guest: check the LRs (no duplicate VirtualID here, no SPI in another
 * vCPU's LRs at the same time), take everything, count SGIs by source.
 */
static void t_guest(unsigned int v, uint32_t *s, uint32_t *held)
{
	*held = 0;
	for (unsigned int i = 0; i < NR_LRS; i++) {
		uint32_t x = *lr(s, i), id = LR_ID(x);

		if (!LR_STATE(x))
			continue;
		for (unsigned int j = i + 1; j < NR_LRS; j++)
			if (LR_STATE(*lr(s, j)) && LR_ID(*lr(s, j)) == id)
				atomic_fetch_add(&t_errors, 1);
		if (id >= VGIC_NR_PRIVATE) {
			int none = -1;

			if (!atomic_compare_exchange_strong(
				    &t_holder[id - VGIC_NR_PRIVATE], &none,
				    (int)v))
				atomic_fetch_add(&t_errors, 1);
			*held |= 1U << (id - VGIC_NR_PRIVATE);
			atomic_fetch_add(&t_spis, 1);
		}
		if ((x & LR_P) && id < VGIC_NR_SGIS)
			atomic_fetch_add(&t_recv[LR_CPUID(x)][v][id], 1);
		*lr(s, i) = x & ~(LR_P | LR_A);
	}
}

static void t_release(uint32_t held)
{
	while (held) {
		unsigned int i = (unsigned int)__builtin_ctz(held);

		held &= held - 1;
		atomic_store(&t_holder[i], -1);
	}
}

static void *t_vcpu(void *arg)
{
	unsigned int v = (unsigned int)(uintptr_t)arg;
	uint32_t sims[2][GICH_WORDS];
	uint32_t rng = 0x9e3779b9U * (v + 1), held;
	unsigned int cur = 0;
	uint64_t x;

	sim_reset(sims[0]);
	sim_reset(sims[1]);
	on_cpu(sims[cur]);
	vgic_load(&G, v);
	for (unsigned int it = 0; it < T_ITERS; it++) {
		uint32_t r = xorshift(&rng);

		vgic_flush(&G, v);
		t_guest(v, sims[cur], &held);
		if (r & 1) {
			unsigned int sgi = r >> 4 & 15, mask = r >> 8 & 15;

			for (unsigned int d = 0; d < T_VCPUS; d++)
				if (mask >> d & 1)
					atomic_fetch_add(&t_sent[v][d][sgi], 1);
			x = SGIR(0, mask, sgi);
			vgic_dist_access(&G, v, GICD_SGIR, 4, true, &x);
		}
		/* While this vCPU may hold SPIs: new edges for them. */
		if (r >> 12 & 1)
			vgic_set_irq(&G, 0, T_SPI0 + (r >> 16 & 3), r >> 18 & 1);
		if ((r >> 20 & 15) == 0) {
			x = r >> 24 & 15;
			vgic_dist_access(&G, v, GICD_ITARGETSR + T_SPI0 +
					 (r >> 28 & 3), 1, true, &x);
		}
		/* Give the SPIs back before the sync that folds them. */
		t_release(held);
		sim_hw(sims[cur]);
		vgic_sync(&G, v);
		if ((it & 63) == 63) {	/* migrate */
			vgic_put(&G, v);
			cur ^= 1;
			on_cpu(sims[cur]);
			vgic_load(&G, v);
		}
	}
	/* Nobody sends any more: drain this vCPU's SGIs. */
	atomic_fetch_add(&t_stopped, 1);
	while (atomic_load(&t_stopped) < T_VCPUS)
		;
	for (unsigned int round = 0; round < 64; round++) {
		vgic_flush(&G, v);
		if (!nr_valid(sims[cur]))
			break;
		t_guest(v, sims[cur], &held);
		t_release(held);
		sim_hw(sims[cur]);
		vgic_sync(&G, v);
	}
	vgic_put(&G, v);
	return NULL;
}

static void test_threads(void **state)
{
	pthread_t th[T_VCPUS];

	(void)state;
	assert_int_equal(vgic_init(&G, T_VCPUS, t_kick, NULL), 0);
	for (unsigned int i = 0; i < VGIC_NR_SPIS; i++)
		atomic_store(&t_holder[i], -1);
	wr(0, GICD_CTLR, 1);
	for (unsigned int i = 0; i < T_NSPI; i++) {
		spi_setup(T_SPI0 + i, (uint8_t)(0x40 * i), 0x0f);
		wr(0, GICD_ICFGR + 8 + 4 * ((T_SPI0 + i - 32) / 16),
		   rd(0, GICD_ICFGR + 8 + 4 * ((T_SPI0 + i - 32) / 16)) |
		   2U << (2 * ((T_SPI0 + i) % 16)));
	}
	atomic_store(&t_stopped, 0);
	for (unsigned int v = 0; v < T_VCPUS; v++)
		assert_int_equal(pthread_create(&th[v], NULL, t_vcpu,
						(void *)(uintptr_t)v), 0);
	for (unsigned int v = 0; v < T_VCPUS; v++)
		pthread_join(th[v], NULL);

	assert_int_equal(atomic_load(&t_errors), 0);
	assert_true(atomic_load(&t_kicks) > 0);
	assert_true(atomic_load(&t_spis) > 0);
	/* Every SGI sent arrived at least once, and none more often than
	 * sent (identical ones pending together merge). */
	for (unsigned int s = 0; s < T_VCPUS; s++)
		for (unsigned int d = 0; d < T_VCPUS; d++)
			for (unsigned int i = 0; i < VGIC_NR_SGIS; i++) {
				unsigned long sent = atomic_load(&t_sent[s][d][i]);
				unsigned long got = atomic_load(&t_recv[s][d][i]);

				assert_true(got <= sent);
				assert_true((sent > 0) == (got > 0));
			}
	for (unsigned int v = 0; v < T_VCPUS; v++) {
		assert_int_equal(rd(v, GICD_ISPENDR), 0);
		assert_int_equal(rd(v, GICD_ISACTIVER), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_init_typer_id, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enable_pending_active, setup, teardown),
		cmocka_unit_test_setup_teardown(test_priority_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_targets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_icfgr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sgir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lr_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spi_one_vcpu, setup, teardown),
		cmocka_unit_test_setup_teardown(test_eoi_fold, setup, teardown),
		cmocka_unit_test_setup_teardown(test_level_repend, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kicks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pending_pmr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_put_load_migrate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ctlr_off, setup, teardown),
		cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

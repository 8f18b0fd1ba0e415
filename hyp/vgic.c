/* SPDX-License-Identifier: MIT */
/*
 * GICv2 interrupt virtualization (vgic.h): the emulated distributor and
 * the list-register traffic. Register and field names are those of the
 * GIC Architecture Specification, IHI 0048B: the distributor in 4.3, the
 * virtual interface control registers (GICH) in 5.3.
 *
 * State model. Each interrupt's state lives in its struct vgic_irq, except
 * while a flush has handed it to a vCPU's list register (LR): then the LR
 * owns the pending and active state the flush moved there (the pending
 * latch, one SGI source, the active bit), and sync folds back whatever the
 * LR still holds. Sync empties every LR, so between an exit's sync and
 * the next flush the exiting vCPU's interrupts are all in the distributor
 * state, exact for its own GICD accesses. Only vCPUs running right now
 * hold LRs; what other vCPUs do to an SPI held there meanwhile is recorded
 * (latch set again, clr_pend, clr_act) and merged at the holder's sync.
 *
 * Who gets an interrupt. SGIs and PPIs: the vCPU whose bank it is. SPIs:
 * the vCPU whose LRs hold it; else, if active, the vCPU whose interface
 * has it active (it must be ended there: GICH_APR records it); else the
 * lowest-numbered vCPU in its GICD_ITARGETSR mask (none: it stays pending,
 * as a GIC forwards an SPI with no target to no CPU interface). Together
 * with "never flush what an LR holds" this keeps an interrupt in at most
 * one LR of one vCPU.
 *
 * LR use (5.3.8, GICH_LRn): HW = 0 always (no physical interrupt is
 * forwarded). Level-sensitive interrupts get the EOI bit, so ending one
 * raises a maintenance interrupt and the next sync can make it pending
 * again if its line is still high. An SGI with more sources pending than
 * the one an LR can name (CPUID) gets the EOI bit too, so the next source
 * follows once this one is ended. GICH_HCR.UIE asks for a maintenance
 * interrupt when at most one LR is still valid, set only when some
 * interrupts did not fit; NPIE is not used, as with only active
 * interrupts in the LRs it would fire at every entry. LRENPIE is not used
 * either: active interrupts are flushed first, and a guest with more
 * nested active interrupts than LRs (Linux has at most one) would have
 * its EOI of an interrupt not in an LR ignored.
 */
#include "gicv2.h"
#include "vgic.h"

#include <s2mm/error.h>

/*
 * The GICH frame of the CPU we run on. Host unit tests point it at a
 * simulated register file, one per thread (hyp_host.h).
 */
#ifdef VGIC_HOST_TEST
#define GICH_BASE	vgic_host_gich
#else
#define GICH_BASE	((volatile uint32_t *)VGIC_GICH_PA)
#endif

static inline uint32_t gich_read(unsigned int off)
{
	return GICH_BASE[off / 4];
}

static inline void gich_write(unsigned int off, uint32_t v)
{
	GICH_BASE[off / 4] = v;
}

/* An LR holds a 5-bit priority: the GIC priority's bits [7:3]. */
#define VGIC_PRI_SHIFT		3
#define VGIC_PRI_MASK		0xf8U

#define GICD_ID_END		0x1000

/* GICD_TYPER (4.3.2): ITLinesNumber N means 32 * (N + 1) interrupts. */
#define GICD_TYPER_ITLinesNumber (VGIC_NR_IRQS / 32 - 1)
/*
 * GICD_IIDR (4.3.3): Implementer 0x43B (Arm's JEP106 code, as KVM's vGIC
 * reports), ProductID 0x53 ('S', s2hyp), Variant 0, Revision 0. Not a real
 * GIC part number, so no guest applies a silicon erratum workaround.
 */
#define VGIC_IIDR		0x5300043bU
#define SGIR_FILTER_LIST	0	/* the CPUs in CPUTargetList */
#define SGIR_FILTER_OTHERS	1	/* all but the requesting CPU */
#define SGIR_FILTER_SELF	2	/* only the requesting CPU */

/*
 * Identification registers at 0xFD0..0xFFC (4.3, Table 4-1; the
 * CoreSight layout): PIDR4..7, PIDR0..3, CIDR0..3. PIDR2.ArchRev = 2
 * (GICv2); JEP106 code Arm (continuation 4, identity 0x3B); part 0.
 */
static const uint8_t gicd_id[12] = {
	0x04, 0x00, 0x00, 0x00,	/* PIDR4..PIDR7 */
	0x00, 0xb0, 0x2b, 0x00,	/* PIDR0..PIDR3: PIDR2 = ArchRev 2 | JEDEC */
	0x0d, 0xf0, 0x05, 0xb1,	/* CIDR0..CIDR3 */
};

static inline unsigned int lowest_bit(uint32_t x)
{
	return (unsigned int)__builtin_ctz(x);
}

static inline uint32_t vcpu_mask(const struct vgic *g)
{
	return (1U << g->nr_vcpus) - 1;
}

static struct vgic_irq *irq_of(struct vgic *g, unsigned int vcpu,
			       unsigned int intid)
{
	if (intid < VGIC_NR_PRIVATE)
		return &g->cpu[vcpu].priv[intid];
	return &g->spi[intid - VGIC_NR_PRIVATE];
}

/* Pending in the distributor state (not counting what an LR holds). */
static bool pending_dist(const struct vgic_irq *irq, unsigned int intid)
{
	if (intid < VGIC_NR_SGIS)
		return irq->sgi_src != 0;
	return irq->latch || (!irq->edge && irq->line);
}

/* Pending as GICD_ISPENDR reports it: the distributor's or the LR's. */
static bool pending_any(const struct vgic_irq *irq, unsigned int intid)
{
	if (irq->lr_vcpu != VGIC_NO_VCPU && irq->lr_pending && !irq->clr_pend)
		return true;
	return pending_dist(irq, intid);
}

static bool active_any(const struct vgic_irq *irq)
{
	if (irq->lr_vcpu != VGIC_NO_VCPU && irq->lr_active && !irq->clr_act)
		return true;
	return irq->active;
}

/* Which vCPU @intid (of @vcpu's bank, for a private one) belongs to now:
 * the rule in the comment at the top. */
static unsigned int irq_owner(const struct vgic *g, unsigned int vcpu,
			      unsigned int intid, const struct vgic_irq *irq)
{
	uint32_t t;

	if (intid < VGIC_NR_PRIVATE)
		return vcpu;
	if (irq->lr_vcpu != VGIC_NO_VCPU)
		return irq->lr_vcpu;
	if (irq->active)
		return irq->active_vcpu;
	if (g->nr_vcpus == 1)
		return 0;
	t = irq->targets & vcpu_mask(g);
	return t ? lowest_bit(t) : VGIC_NO_VCPU;
}

/* The vCPU a flush would put @intid in an LR of as pending, or NO_VCPU. */
static unsigned int deliver_to(const struct vgic *g, unsigned int vcpu,
			       unsigned int intid, const struct vgic_irq *irq)
{
	if (!g->enabled || !irq->enabled || irq->active ||
	    irq->lr_vcpu != VGIC_NO_VCPU || !pending_dist(irq, intid))
		return VGIC_NO_VCPU;
	return irq_owner(g, vcpu, intid, irq);
}

static void note_kick(const struct vgic *g, unsigned int vcpu,
		      unsigned int intid, const struct vgic_irq *irq,
		      uint32_t *kicks)
{
	unsigned int to = deliver_to(g, vcpu, intid, irq);

	if (to != VGIC_NO_VCPU)
		*kicks |= 1U << to;
}

/* Every vCPU with something deliverable (GICD_CTLR.Enable just set). */
static uint32_t all_kicks(const struct vgic *g)
{
	uint32_t kicks = 0;

	for (unsigned int v = 0; v < g->nr_vcpus; v++)
		for (unsigned int i = 0; i < VGIC_NR_PRIVATE; i++)
			note_kick(g, v, i, &g->cpu[v].priv[i], &kicks);
	for (unsigned int i = 0; i < VGIC_NR_SPIS; i++)
		note_kick(g, 0, VGIC_NR_PRIVATE + i, &g->spi[i], &kicks);
	return kicks;
}

/* Called with the lock dropped (vgic.h: kicks). */
static void do_kicks(struct vgic *g, uint32_t kicks)
{
	while (kicks && g->kick) {
		unsigned int v = lowest_bit(kicks);

		kicks &= kicks - 1;
		g->kick(g->kick_ctx, v);
	}
}

int vgic_init(struct vgic *g, unsigned int nr_vcpus, vgic_kick_fn *kick,
	      void *ctx)
{
	unsigned int nr_lrs;

	if (nr_vcpus == 0 || nr_vcpus > VGIC_MAX_VCPUS)
		return -S2_EINVAL;
	nr_lrs = (gich_read(GICH_VTR) & GICH_VTR_ListRegs) + 1;
	/* UIE needs two: with one LR it would fire while that one is valid. */
	if (nr_lrs < 2)
		return -S2_ENOTSUP;
	memset(g, 0, sizeof(*g));
	g->nr_vcpus = nr_vcpus;
	g->nr_lrs = nr_lrs < VGIC_MAX_LRS ? nr_lrs : VGIC_MAX_LRS;
	g->kick = kick;
	g->kick_ctx = ctx;
	for (unsigned int v = 0; v < VGIC_MAX_VCPUS; v++) {
		for (unsigned int i = 0; i < VGIC_NR_PRIVATE; i++) {
			struct vgic_irq *irq = &g->cpu[v].priv[i];

			irq->lr_vcpu = VGIC_NO_VCPU;
			irq->active_vcpu = VGIC_NO_VCPU;
			/*
			 * SGIs: permanently enabled (4.3.5 leaves it
			 * IMPLEMENTATION DEFINED) and edge-triggered (4.3.13).
			 * PPIs: level-sensitive, as QEMU's are at reset.
			 */
			irq->enabled = i < VGIC_NR_SGIS;
			irq->edge = i < VGIC_NR_SGIS;
		}
	}
	for (unsigned int i = 0; i < VGIC_NR_SPIS; i++) {
		g->spi[i].lr_vcpu = VGIC_NO_VCPU;
		g->spi[i].active_vcpu = VGIC_NO_VCPU;
	}
	return 0;
}

/* ---- distributor ------------------------------------------------------ */

/* One bit of a GICD_IGROUPRn .. GICD_ICACTIVERn register, read. */
static bool dist_read_bit(struct vgic *g, unsigned int vcpu,
			  unsigned int base, unsigned int intid)
{
	const struct vgic_irq *irq = irq_of(g, vcpu, intid);

	switch (base) {
	case GICD_IGROUPR:
		return irq->group1;
	case GICD_ISENABLER:
	case GICD_ICENABLER:
		return irq->enabled;
	case GICD_ISPENDR:
	case GICD_ICPENDR:
		return pending_any(irq, intid);
	default: /* GICD_ISACTIVER, GICD_ICACTIVER */
		return active_any(irq);
	}
}

/* A 1 written to a bit of a set/clear register. */
static void dist_set_clear(struct vgic *g, unsigned int vcpu,
			   unsigned int base, unsigned int intid,
			   uint32_t *kicks)
{
	struct vgic_irq *irq = irq_of(g, vcpu, intid);
	bool held = irq->lr_vcpu != VGIC_NO_VCPU;

	switch (base) {
	case GICD_ISENABLER:
		/* SGI bits are RAO/WI: always enabled (4.3.5). */
		if (intid >= VGIC_NR_SGIS)
			irq->enabled = true;
		break;
	case GICD_ICENABLER:
		if (intid >= VGIC_NR_SGIS)
			irq->enabled = false;
		break;
	case GICD_ISPENDR:
		/*
		 * SGI bits ignore writes: GICD_SPENDSGIRn sets an SGI pending
		 * with its source (4.3.7). A level-sensitive interrupt stays
		 * pending whatever its line until cleared (4.3.7).
		 */
		if (intid < VGIC_NR_SGIS)
			return;
		irq->latch = true;
		irq->clr_pend = false;
		break;
	case GICD_ICPENDR:
		/* A level-sensitive one whose line is high stays pending. */
		if (intid < VGIC_NR_SGIS)
			return;
		irq->latch = false;
		if (held)
			irq->clr_pend = true;
		break;
	case GICD_ISACTIVER:
		irq->active = true;
		irq->clr_act = false;
		/* Whose interface ends it: the one that holds it, else the
		 * requester (any choice is as good for a forced state). */
		if (intid < VGIC_NR_SGIS)
			irq->active_src = (uint8_t)vcpu;
		else if (intid >= VGIC_NR_PRIVATE)
			irq->active_vcpu = (uint8_t)(held ? irq->lr_vcpu : vcpu);
		break;
	case GICD_ICACTIVER:
		irq->active = false;
		if (held)
			irq->clr_act = true;
		else
			irq->active_vcpu = VGIC_NO_VCPU;
		break;
	}
	note_kick(g, vcpu, intid, irq, kicks);
}

static uint32_t dist_read_icfgr(struct vgic *g, unsigned int vcpu,
				unsigned int n)
{
	uint32_t v = 0;

	/* Int_config[1] of each 2-bit field: 1 edge, 0 level; Int_config[0]
	 * is reserved in GICv2 (4.3.13). */
	for (unsigned int f = 0; f < 16; f++)
		if (irq_of(g, vcpu, 16 * n + f)->edge)
			v |= 2U << (2 * f);
	return v;
}

static void dist_write_icfgr(struct vgic *g, unsigned int vcpu,
			     unsigned int n, uint32_t v, uint32_t *kicks)
{
	/* GICD_ICFGR0, the SGIs', is read-only (4.3.13). */
	if (n == 0)
		return;
	for (unsigned int f = 0; f < 16; f++) {
		unsigned int intid = 16 * n + f;
		struct vgic_irq *irq = irq_of(g, vcpu, intid);

		/* Now level-sensitive with its line high: pending. */
		irq->edge = v >> (2 * f + 1) & 1;
		note_kick(g, vcpu, intid, irq, kicks);
	}
}

static void dist_write_sgir(struct vgic *g, unsigned int vcpu, uint32_t v,
			    uint32_t *kicks)
{
	unsigned int sgi = v & GICD_SGIR_SGIINTID_MASK;
	uint32_t targets;

	switch (v >> GICD_SGIR_TargetListFilter_SHIFT & 3) {
	case SGIR_FILTER_LIST:
		targets = v >> GICD_SGIR_CPUTargetList_SHIFT & 0xff;
		break;
	case SGIR_FILTER_OTHERS:
		targets = ~(1U << vcpu);
		break;
	case SGIR_FILTER_SELF:
		targets = 1U << vcpu;
		break;
	default: /* reserved (4.3.15): nothing sent */
		return;
	}
	/* No CPU interface, no SGI: targets beyond nr_vcpus are dropped. */
	targets &= vcpu_mask(g);
	while (targets) {
		unsigned int t = lowest_bit(targets);
		struct vgic_irq *irq = &g->cpu[t].priv[sgi];

		targets &= targets - 1;
		/* GICv2 keeps an SGI's state per (source, target) pair. */
		irq->sgi_src |= (uint8_t)(1U << vcpu);
		note_kick(g, t, sgi, irq, kicks);
	}
}

/* The word-only registers: all but the four 4.3.11, 4.3.12, 4.3.16 and
 * 4.3.17 make byte-accessible. */
static uint32_t dist_read_word(struct vgic *g, unsigned int vcpu,
			       unsigned int off)
{
	uint32_t v = 0;

	if (off == GICD_CTLR)
		return g->enabled ? GICD_CTLR_Enable : 0;
	if (off == GICD_TYPER)
		return GICD_TYPER_ITLinesNumber |
		       (g->nr_vcpus - 1) << GICD_TYPER_CPUNumber_SHIFT;
	if (off == GICD_IIDR)
		return VGIC_IIDR;
	if (off >= GICD_IGROUPR && off < GICD_IPRIORITYR) {
		unsigned int base = off & ~0x7fU, n = (off & 0x7f) / 4;

		if (n >= VGIC_NR_IRQS / 32)
			return 0;
		for (unsigned int i = 0; i < 32; i++)
			if (dist_read_bit(g, vcpu, base, 32 * n + i))
				v |= 1U << i;
		return v;
	}
	if (off >= GICD_ICFGR && off < GICD_ICFGR + VGIC_NR_IRQS / 4)
		return dist_read_icfgr(g, vcpu, (off - GICD_ICFGR) / 4);
	if (off >= GICD_PIDR4 && off < GICD_ID_END)
		return gicd_id[(off - GICD_PIDR4) / 4];
	/* GICD_SGIR is write-only; the rest is reserved: RAZ. */
	return 0;
}

static void dist_write_word(struct vgic *g, unsigned int vcpu,
			    unsigned int off, uint32_t v, uint32_t *kicks)
{
	if (off == GICD_CTLR) {
		bool was = g->enabled;

		/* Non-secure view of a GIC without Security Extensions:
		 * bit 0 alone enables forwarding (4.3.1). */
		g->enabled = v & GICD_CTLR_Enable;
		if (!was && g->enabled)
			*kicks |= all_kicks(g);
		return;
	}
	if (off == GICD_SGIR) {
		dist_write_sgir(g, vcpu, v, kicks);
		return;
	}
	if (off >= GICD_IGROUPR && off < GICD_IPRIORITYR) {
		unsigned int base = off & ~0x7fU, n = (off & 0x7f) / 4;

		if (n >= VGIC_NR_IRQS / 32)
			return;
		for (unsigned int i = 0; i < 32; i++) {
			if (base == GICD_IGROUPR)
				irq_of(g, vcpu, 32 * n + i)->group1 = v >> i & 1;
			else if (v >> i & 1)
				dist_set_clear(g, vcpu, base, 32 * n + i, kicks);
		}
		return;
	}
	if (off >= GICD_ICFGR && off < GICD_ICFGR + VGIC_NR_IRQS / 4)
		dist_write_icfgr(g, vcpu, (off - GICD_ICFGR) / 4, v, kicks);
	/* GICD_TYPER, GICD_IIDR, the ID registers: read-only. Reserved: WI. */
}

static bool dist_byte_reg(uint64_t off)
{
	return (off >= GICD_IPRIORITYR && off < GICD_ICFGR) ||
	       (off >= GICD_CPENDSGIR && off < GICD_SPENDSGIR + VGIC_NR_SGIS);
}

static uint8_t dist_read_byte(struct vgic *g, unsigned int vcpu,
			      unsigned int off)
{
	const struct vgic_irq *irq;
	unsigned int intid;
	uint8_t src;

	if (off < GICD_ITARGETSR) {
		intid = off - GICD_IPRIORITYR;
		return intid < VGIC_NR_IRQS ? irq_of(g, vcpu, intid)->priority : 0;
	}
	if (off < GICD_ICFGR) {
		intid = off - GICD_ITARGETSR;
		/* A uniprocessor GIC's are RAZ/WI (4.3.12). */
		if (intid >= VGIC_NR_IRQS || g->nr_vcpus == 1)
			return 0;
		/* GICD_ITARGETSR0..7 name the reading CPU (4.3.12). */
		if (intid < VGIC_NR_PRIVATE)
			return (uint8_t)(1U << vcpu);
		return g->spi[intid - VGIC_NR_PRIVATE].targets;
	}
	/* GICD_CPENDSGIRn/SPENDSGIRn: one byte per SGI, a bit per source,
	 * for the SGIs targeting the accessing CPU (4.3.16, 4.3.17). */
	irq = &g->cpu[vcpu].priv[(off - GICD_CPENDSGIR) % VGIC_NR_SGIS];
	src = irq->sgi_src;
	if (irq->lr_vcpu != VGIC_NO_VCPU && irq->lr_pending && !irq->clr_pend)
		src |= (uint8_t)(1U << irq->lr_src);
	return src;
}

static void dist_write_byte(struct vgic *g, unsigned int vcpu,
			    unsigned int off, uint8_t v, uint32_t *kicks)
{
	struct vgic_irq *irq;
	unsigned int intid;

	if (off < GICD_ITARGETSR) {
		intid = off - GICD_IPRIORITYR;
		/* Only the bits an LR's Priority carries: 32 levels, the
		 * unimplemented low bits RAZ/WI (4.3.11). */
		if (intid < VGIC_NR_IRQS)
			irq_of(g, vcpu, intid)->priority = v & VGIC_PRI_MASK;
		return;
	}
	if (off < GICD_ICFGR) {
		intid = off - GICD_ITARGETSR;
		/* SGI/PPI ones are read-only; uniprocessor: RAZ/WI. */
		if (intid < VGIC_NR_PRIVATE || intid >= VGIC_NR_IRQS ||
		    g->nr_vcpus == 1)
			return;
		irq = &g->spi[intid - VGIC_NR_PRIVATE];
		/* Bits of CPU interfaces that do not exist are RAZ/WI. */
		irq->targets = (uint8_t)(v & vcpu_mask(g));
		note_kick(g, vcpu, intid, irq, kicks);
		return;
	}
	v = (uint8_t)(v & vcpu_mask(g));
	irq = &g->cpu[vcpu].priv[(off - GICD_CPENDSGIR) % VGIC_NR_SGIS];
	if (off < GICD_SPENDSGIR) {
		irq->sgi_src &= (uint8_t)~v;
		if (irq->lr_vcpu != VGIC_NO_VCPU && v >> irq->lr_src & 1)
			irq->clr_pend = true;
	} else {
		irq->sgi_src |= v;
		/* Targets the accessing vCPU: no kick needed. */
	}
}

int vgic_dist_access(struct vgic *g, unsigned int vcpu, uint64_t off,
		     unsigned int size, bool write, uint64_t *val)
{
	uint32_t kicks = 0, v = 0;
	bool bytes = dist_byte_reg(off);

	if (vcpu >= g->nr_vcpus)
		return -S2_EINVAL;
	if (off >= VGIC_GICD_SIZE)
		return -S2_EFAULT;
	/* Words everywhere; bytes (and halfwords, as QEMU's GIC takes them)
	 * only in the byte-accessible registers; never unaligned. */
	if (size != 4 && !(bytes && (size == 1 || size == 2)))
		return -S2_EINVAL;
	if (off & (size - 1))
		return -S2_EINVAL;
	if (write)
		v = (uint32_t)(*val & (size == 4 ? 0xffffffffU :
						   (1U << (8 * size)) - 1));
	hyp_lock(&g->lock);
	if (bytes) {
		for (unsigned int i = 0; i < size; i++) {
			unsigned int o = (unsigned int)off + i;

			if (write)
				dist_write_byte(g, vcpu, o, v >> (8 * i) & 0xff,
						&kicks);
			else
				v |= (uint32_t)dist_read_byte(g, vcpu, o)
				     << (8 * i);
		}
	} else if (write) {
		dist_write_word(g, vcpu, (unsigned int)off, v, &kicks);
	} else {
		v = dist_read_word(g, vcpu, (unsigned int)off);
	}
	hyp_unlock(&g->lock);
	if (!write)
		*val = v;
	/* The accessing vCPU is in s2hyp and flushes before it re-enters. */
	do_kicks(g, kicks & ~(1U << vcpu));
	return 0;
}

void vgic_set_irq(struct vgic *g, unsigned int vcpu, unsigned int intid,
		  bool level)
{
	struct vgic_irq *irq;
	uint32_t kicks = 0;

	if (intid < VGIC_NR_SGIS || intid >= VGIC_NR_IRQS)
		return;
	if (intid < VGIC_NR_PRIVATE && vcpu >= g->nr_vcpus)
		return;
	if (intid >= VGIC_NR_PRIVATE)
		vcpu = 0;
	hyp_lock(&g->lock);
	irq = irq_of(g, vcpu, intid);
	/* Edge: a rising edge latches pending; level: the line is the
	 * pending state (besides GICD_ISPENDR's latch). */
	if (irq->edge && level && !irq->line)
		irq->latch = true;
	irq->line = level;
	if (level)
		note_kick(g, vcpu, intid, irq, &kicks);
	hyp_unlock(&g->lock);
	do_kicks(g, kicks);
}

/* ---- list registers ---------------------------------------------------- */

/*
 * Fold what GICH_LRn (value @lr: 0 when GICH_ELRSR0 says it is empty)
 * says of @intid back into the distributor state. Pending: the guest has
 * not acknowledged it; active: acknowledged, not ended; neither: ended.
 */
static void fold_lr(struct vgic *g, unsigned int vcpu, unsigned int intid,
		    uint32_t lr, uint32_t *kicks)
{
	struct vgic_irq *irq = irq_of(g, vcpu, intid);
	unsigned int cpuid = lr >> GICH_LR_CPUID_SHIFT & GICH_LR_CPUID_MASK;

	if ((lr & GICH_LR_State_Pending) && !irq->clr_pend) {
		if (intid < VGIC_NR_SGIS)
			irq->sgi_src |= (uint8_t)(1U << cpuid);
		else if (irq->lr_latch)
			irq->latch = true;
		/* A level one pending by its line only stays so if the
		 * line is still high: nothing to record. */
	}
	if ((lr & GICH_LR_State_Active) && !irq->clr_act) {
		irq->active = true;
		if (intid < VGIC_NR_SGIS)
			irq->active_src = (uint8_t)cpuid;
		else if (intid >= VGIC_NR_PRIVATE)
			irq->active_vcpu = (uint8_t)vcpu;
	} else if (!irq->active) {
		irq->active_vcpu = VGIC_NO_VCPU;
	}
	/* An ended level-sensitive interrupt whose line is still high is
	 * pending again here: pending_dist() reads the line. */
	irq->lr_vcpu = VGIC_NO_VCPU;
	irq->lr_pending = irq->lr_active = irq->lr_latch = false;
	irq->lr_src = 0;
	irq->clr_pend = irq->clr_act = false;
	/* Another vCPU may have skipped it while it sat here. */
	if (intid >= VGIC_NR_PRIVATE)
		note_kick(g, vcpu, intid, irq, kicks);
}

/* Empty @vcpu's LRs into the distributor state; lock held, loaded. */
static uint32_t sync_lrs(struct vgic *g, unsigned int vcpu)
{
	struct vgic_cpu *c = &g->cpu[vcpu];
	uint32_t kicks = 0, used = c->lr_used;
	uint32_t empty = used ? gich_read(GICH_ELRSR0) : 0;

	while (used) {
		unsigned int i = lowest_bit(used);
		uint32_t lr = 0;

		used &= used - 1;
		/*
		 * Empty (5.3.6): State invalid and no EOI maintenance
		 * interrupt outstanding, so nothing to read or clear. One
		 * still flagged in GICH_EISR0 is cleared, which ends that
		 * maintenance interrupt.
		 */
		if (!(empty >> i & 1)) {
			lr = gich_read(GICH_LR(i));
			gich_write(GICH_LR(i), 0);
		}
		fold_lr(g, vcpu, c->lr_intid[i], lr, &kicks);
	}
	c->lr_used = 0;
	/* UIE would hold the maintenance interrupt up with the LRs empty. */
	if (c->hcr & GICH_HCR_UIE) {
		c->hcr = GICH_HCR_En;
		gich_write(GICH_HCR, c->hcr);
	}
	/* The guest writes GICV_PMR and GICV_CTLR without trapping:
	 * vgic_pending() needs them fresh. */
	c->vmcr = gich_read(GICH_VMCR);
	c->apr = gich_read(GICH_APR);
	return kicks & ~(1U << vcpu);
}

/* GICH_LRn for @intid, moving the state it carries out of the
 * distributor state; @pend: deliver its pending state too. */
static uint32_t make_lr(struct vgic *g, unsigned int vcpu, unsigned int intid,
			bool pend)
{
	struct vgic_irq *irq = irq_of(g, vcpu, intid);
	bool act = irq->active;
	uint32_t lr = intid | (uint32_t)(irq->priority >> VGIC_PRI_SHIFT)
				      << GICH_LR_Priority_SHIFT;

	if (irq->group1)
		lr |= GICH_LR_Grp1;
	irq->lr_latch = false;
	irq->lr_src = 0;
	if (intid < VGIC_NR_SGIS) {
		unsigned int src;

		/*
		 * One LR per SGI, naming one source in CPUID (5.3.8): the
		 * active instance's source, with its pending state only if
		 * that same source has sent it again; else the lowest
		 * pending source. The others wait for this one to end (EOI).
		 */
		if (act) {
			src = irq->active_src;
			pend = pend && (irq->sgi_src >> src & 1);
		} else {
			src = lowest_bit(irq->sgi_src);
		}
		if (pend)
			irq->sgi_src &= (uint8_t)~(1U << src);
		if (irq->sgi_src)
			lr |= GICH_LR_EOI;
		lr |= src << GICH_LR_CPUID_SHIFT;
		irq->lr_src = (uint8_t)src;
	} else {
		if (pend) {
			irq->lr_latch = irq->latch;
			irq->latch = false;
		}
		if (!irq->edge)
			lr |= GICH_LR_EOI;
	}
	if (pend)
		lr |= GICH_LR_State_Pending;
	if (act) {
		lr |= GICH_LR_State_Active;
		irq->active = false;
		if (intid >= VGIC_NR_PRIVATE)
			irq->active_vcpu = (uint8_t)vcpu;
	}
	irq->lr_vcpu = (uint8_t)vcpu;
	irq->lr_pending = pend;
	irq->lr_active = act;
	irq->clr_pend = irq->clr_act = false;
	return lr;
}

void vgic_flush(struct vgic *g, unsigned int vcpu)
{
	/* Sort keys: not-active, priority, INTID (active ones first: the
	 * guest can only end what an LR holds). */
	uint16_t keys[VGIC_NR_IRQS];
	unsigned int n = 0;
	struct vgic_cpu *c;
	uint32_t kicks = 0, hcr = GICH_HCR_En;

	if (vcpu >= g->nr_vcpus)
		return;
	hyp_lock(&g->lock);
	c = &g->cpu[vcpu];
	if (!c->loaded)
		goto out;
	/* A second flush without a sync: start from empty LRs again. */
	if (c->lr_used)
		kicks = sync_lrs(g, vcpu);
	for (unsigned int intid = 0; intid < VGIC_NR_IRQS; intid++) {
		const struct vgic_irq *irq = irq_of(g, vcpu, intid);
		bool act, pend;
		uint16_t key;
		unsigned int j;

		if (irq->lr_vcpu != VGIC_NO_VCPU)
			continue;
		act = irq->active &&
		      (intid < VGIC_NR_PRIVATE || irq->active_vcpu == vcpu);
		pend = g->enabled && irq->enabled &&
		       pending_dist(irq, intid) &&
		       irq_owner(g, vcpu, intid, irq) == vcpu;
		if (!act && !pend)
			continue;
		key = (uint16_t)(!act << 14 | irq->priority << 6 | intid);
		for (j = n; j > 0 && keys[j - 1] > key; j--)
			keys[j] = keys[j - 1];
		keys[j] = key;
		n++;
	}
	for (unsigned int i = 0; i < n && i < g->nr_lrs; i++) {
		unsigned int intid = keys[i] & 0x3f;
		const struct vgic_irq *irq = irq_of(g, vcpu, intid);
		bool pend = g->enabled && irq->enabled &&
			    pending_dist(irq, intid);

		gich_write(GICH_LR(i), make_lr(g, vcpu, intid, pend));
		c->lr_intid[i] = (uint8_t)intid;
		c->lr_used |= 1U << i;
	}
	/* Underflow maintenance interrupt (5.3.1): back here to refill
	 * once at most one LR is still valid. */
	if (n > g->nr_lrs)
		hcr |= GICH_HCR_UIE;
	if (hcr != c->hcr) {
		c->hcr = hcr;
		gich_write(GICH_HCR, hcr);
	}
out:
	hyp_unlock(&g->lock);
	do_kicks(g, kicks);
}

void vgic_sync(struct vgic *g, unsigned int vcpu)
{
	uint32_t kicks = 0;

	if (vcpu >= g->nr_vcpus)
		return;
	hyp_lock(&g->lock);
	if (g->cpu[vcpu].loaded)
		kicks = sync_lrs(g, vcpu);
	hyp_unlock(&g->lock);
	do_kicks(g, kicks);
}

void vgic_load(struct vgic *g, unsigned int vcpu)
{
	struct vgic_cpu *c;

	if (vcpu >= g->nr_vcpus)
		return;
	hyp_lock(&g->lock);
	c = &g->cpu[vcpu];
	gich_write(GICH_VMCR, c->vmcr);
	gich_write(GICH_APR, c->apr);
	/* Whatever ran here last left them empty, but a CPU's first load
	 * finds them UNKNOWN. */
	for (unsigned int i = 0; i < g->nr_lrs; i++)
		gich_write(GICH_LR(i), 0);
	c->lr_used = 0;
	c->hcr = GICH_HCR_En;
	gich_write(GICH_HCR, c->hcr);
	c->loaded = true;
	hyp_unlock(&g->lock);
}

void vgic_put(struct vgic *g, unsigned int vcpu)
{
	struct vgic_cpu *c;
	uint32_t kicks = 0;

	if (vcpu >= g->nr_vcpus)
		return;
	hyp_lock(&g->lock);
	c = &g->cpu[vcpu];
	if (c->loaded) {
		/* Also saves GICH_VMCR and GICH_APR. */
		kicks = sync_lrs(g, vcpu);
		c->hcr = 0;
		gich_write(GICH_HCR, 0);
		c->loaded = false;
	}
	hyp_unlock(&g->lock);
	do_kicks(g, kicks);
}

bool vgic_pending(struct vgic *g, unsigned int vcpu)
{
	const struct vgic_cpu *c;
	unsigned int pmr, rpr = 32;
	bool ret = false;

	if (vcpu >= g->nr_vcpus)
		return false;
	hyp_lock(&g->lock);
	c = &g->cpu[vcpu];
	/* In 5-bit priority units, as GICH_VMCR.VMPriMask and GICH_APR
	 * (5.3.3, 5.3.7) count them. */
	pmr = c->vmcr >> GICH_VMCR_VMPriMask_SHIFT & GICH_VMCR_VMPriMask_MASK;
	/*
	 * The running priority: the lowest-numbered active priority bit.
	 * APR bits sit at group-priority boundaries, so comparing the full
	 * 5-bit priority with it decides preemption exactly.
	 */
	if (c->apr)
		rpr = lowest_bit(c->apr);
	if (!g->enabled)
		goto out;
	for (unsigned int intid = 0; intid < VGIC_NR_IRQS && !ret; intid++) {
		const struct vgic_irq *irq = irq_of(g, vcpu, intid);
		unsigned int prio = irq->priority >> VGIC_PRI_SHIFT;
		uint32_t grp_en = irq->group1 ? GICH_VMCR_VMGrp1En :
						GICH_VMCR_VMGrp0En;

		if (!irq->enabled || active_any(irq) ||
		    !pending_any(irq, intid) ||
		    irq_owner(g, vcpu, intid, irq) != vcpu)
			continue;
		ret = (c->vmcr & grp_en) && prio < pmr && prio < rpr;
	}
out:
	hyp_unlock(&g->lock);
	return ret;
}

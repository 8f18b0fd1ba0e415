/* SPDX-License-Identifier: MIT */
/*
 * vgic: a GICv2 for s2hyp's guests, on the GICv2 virtualization extensions
 * (IHI 0048B chapter 5). The guest's distributor (GICD, IPA 0x08000000) is
 * emulated here from stage-2 MMIO traps; its CPU interface (IPA 0x08010000)
 * is the physical GICV frame mapped in stage 2, so the guest's IAR, EOIR,
 * PMR and CTLR accesses never trap. s2hyp moves interrupts between the two
 * through the list registers of GICH, the hypervisor control interface
 * (banked per physical CPU).
 *
 * The run loop of a vCPU v, on the physical CPU that runs it:
 *
 *	vgic_load(g, v);
 *	for (;;) {
 *		vgic_flush(g, v);	// DAIF masked until the guest runs
 *		enter the guest;
 *		vgic_sync(g, v);	// first thing after every exit
 *		handle the exit;	// vgic_dist_access() for GICD traps,
 *					// vgic_pending() for WFI
 *		if (descheduling v)
 *			break;
 *	}
 *	vgic_put(g, v);
 *
 * Locking: one lock per VM (struct vgic.lock) is taken inside every public
 * function; callers hold no vgic lock and may call from any physical CPU
 * (vgic_set_irq(), vgic_pending(), vgic_dist_access()). vgic_load(),
 * vgic_flush(), vgic_sync() and vgic_put() for vCPU v must run on the
 * physical CPU that runs v (they touch its banked GICH).
 *
 * Kicks: when an interrupt becomes deliverable to vCPU v (pending, enabled,
 * GICD_CTLR.Enable set, not held in another vCPU's list registers), the
 * vgic calls kick(ctx, v) after dropping its lock, so kick may take locks
 * of its own; it must not call back into the vgic. A vCPU is not kicked
 * for what its own vgic_dist_access() or vgic_sync() made pending (it is
 * in s2hyp and flushes before it re-enters); vgic_set_irq() always kicks.
 * Kicks can be spurious: the scheduler should just rerun vgic_pending().
 */
#ifndef S2HYP_VGIC_H
#define S2HYP_VGIC_H

#include <stdbool.h>
#include <stdint.h>

#ifdef VGIC_HOST_TEST
#include "hyp_host.h"	/* tests/hyp: the lock and a simulated GICH */
#else
#include "hyp.h"
#endif

#define VGIC_MAX_VCPUS		8
#define VGIC_NR_IRQS		64	/* SGIs, PPIs and SPIs 32..63 */
#define VGIC_NR_SGIS		16
#define VGIC_NR_PRIVATE		32	/* SGIs and PPIs: banked per vCPU */
#define VGIC_NR_SPIS		(VGIC_NR_IRQS - VGIC_NR_PRIVATE)
#define VGIC_MAX_LRS		16	/* GICH_ELRSR0/EISR0 cover them */

#define VGIC_GICD_IPA		0x08000000UL
#define VGIC_GICD_SIZE		0x10000UL
#define VGIC_GICC_IPA		0x08010000UL
#define VGIC_GICC_SIZE		0x2000UL	/* GICC_DIR at 0x1000 */
#define VGIC_GICV_PA		0x08040000UL
#define VGIC_GICH_PA		0x08030000UL

/*
 * The physical PPI the virtual interface raises when GICH_MISR is not zero
 * (QEMU virt: PPI 9). s2hyp enables it on every CPU; when it is taken, EOI
 * it and go round the run loop: vgic_sync() clears what raised it.
 */
#define VGIC_MAINT_INTID	25

#define VGIC_NO_VCPU		0xff

typedef void vgic_kick_fn(void *ctx, unsigned int vcpu);

/* One interrupt: a banked SGI/PPI of one vCPU, or an SPI. */
struct vgic_irq {
	uint8_t priority;	/* GICD_IPRIORITYR field (low 3 bits RAZ) */
	uint8_t targets;	/* SPIs: GICD_ITARGETSR field */
	uint8_t sgi_src;	/* SGIs: CPUs with an instance pending here */
	uint8_t active_src;	/* SGIs: the source of the active instance */
	uint8_t active_vcpu;	/* SPIs: whose interface has it active */
	uint8_t lr_vcpu;	/* whose list registers hold it, or NO_VCPU */
	uint8_t lr_src;		/* SGIs: the CPUID that LR carries */
	bool lr_pending, lr_active;	/* the State that LR was given */
	bool lr_latch;		/* its pending state came from latch */
	bool clr_pend, clr_act;	/* cleared in GICD while in that LR */
	bool enabled;
	bool latch;		/* pending latch: edge, GICD_ISPENDR */
	bool line;		/* input level (level-sensitive ones) */
	bool active;
	bool edge;		/* GICD_ICFGR Int_config[1] */
	bool group1;		/* GICD_IGROUPR */
};

struct vgic_cpu {
	struct vgic_irq priv[VGIC_NR_PRIVATE];
	uint32_t vmcr;		/* GICH_VMCR: restored by load, saved by
				 * put, refreshed by every sync */
	uint32_t apr;		/* GICH_APR, likewise */
	uint32_t hcr;		/* GICH_HCR as the last flush wrote it */
	uint32_t lr_used;	/* list registers the last flush filled */
	uint8_t lr_intid[VGIC_MAX_LRS];
	bool loaded;		/* between vgic_load() and vgic_put() */
};

struct vgic {
	hyp_lock_t lock;
	unsigned int nr_vcpus;
	unsigned int nr_lrs;	/* GICH_VTR.ListRegs + 1, at most MAX_LRS */
	vgic_kick_fn *kick;
	void *kick_ctx;
	bool enabled;		/* GICD_CTLR.Enable */
	struct vgic_irq spi[VGIC_NR_SPIS];
	struct vgic_cpu cpu[VGIC_MAX_VCPUS];
};

/**
 * vgic_init() - Reset @g: distributor disabled, every interrupt inactive,
 * priority 0, SPIs level-sensitive and targeting no CPU, SGIs enabled.
 * @g: the VM's vgic.
 * @nr_vcpus: 1..VGIC_MAX_VCPUS.
 * @kick: called when an interrupt becomes deliverable to a vCPU; may be
 *        NULL.
 * @ctx: passed to @kick.
 *
 * Reads GICH_VTR, so it runs on a CPU whose GICH is there (QEMU:
 * -M virt,virtualization=on).
 *
 * Return: 0, -S2_EINVAL for a bad @nr_vcpus, -S2_ENOTSUP if GICH has
 * fewer than two list registers.
 */
int vgic_init(struct vgic *g, unsigned int nr_vcpus, vgic_kick_fn *kick,
	      void *ctx);

/**
 * vgic_dist_access() - Emulate a guest access to its distributor.
 * @g: the VM's vgic.
 * @vcpu: the vCPU that made it (the banked registers are its own).
 * @off: offset in the GICD frame.
 * @size: 1, 2 or 4 bytes; 1 and 2 only for GICD_IPRIORITYRn,
 *        GICD_ITARGETSRn, GICD_CPENDSGIRn, GICD_SPENDSGIRn.
 * @write: store *@val, else load into *@val.
 * @val: the value, in its low @size bytes.
 *
 * Reserved and unimplemented offsets read as zero and ignore writes.
 *
 * Return: 0, -S2_EINVAL for a bad size, misalignment or @vcpu (the
 * caller injects an abort), -S2_EFAULT for @off outside the frame.
 */
int vgic_dist_access(struct vgic *g, unsigned int vcpu, uint64_t off,
		     unsigned int size, bool write, uint64_t *val);

/**
 * vgic_set_irq() - Drive the input line of a PPI or an SPI.
 * @g: the VM's vgic.
 * @vcpu: for a PPI, whose; ignored for an SPI.
 * @intid: 16..VGIC_NR_IRQS - 1 (others are ignored).
 * @level: the line's new level. A level-sensitive interrupt is pending
 *         while it is high; an edge-triggered one latches pending on a
 *         rising edge.
 */
void vgic_set_irq(struct vgic *g, unsigned int vcpu, unsigned int intid,
		  bool level);

/**
 * vgic_pending() - Whether @vcpu's virtual CPU interface would signal an
 * interrupt: pending, enabled, GICD_CTLR.Enable set, not active, its
 * group enabled in GICH_VMCR (VMGrp0En/VMGrp1En), priority below
 * VMCR.VMPriMask and above the running priority (GICH_APR). For waking a
 * vCPU from WFI. The VMCR and APR used are those of @vcpu's last
 * vgic_sync() or vgic_put().
 * @g: the VM's vgic.
 * @vcpu: the vCPU.
 *
 * Return: true if so.
 */
bool vgic_pending(struct vgic *g, unsigned int vcpu);

/**
 * vgic_load() - On the physical CPU about to run @vcpu: restore its
 * GICH_VMCR and GICH_APR, clear every list register, set GICH_HCR.En.
 * @g: the VM's vgic.
 * @vcpu: the vCPU.
 */
void vgic_load(struct vgic *g, unsigned int vcpu);

/**
 * vgic_put() - @vcpu leaves this physical CPU: fold its list registers
 * back into the distributor state and clear them, save GICH_VMCR and
 * GICH_APR, clear GICH_HCR. It may then be loaded on any CPU.
 * @g: the VM's vgic.
 * @vcpu: the vCPU, loaded here.
 */
void vgic_put(struct vgic *g, unsigned int vcpu);

/**
 * vgic_flush() - Before entering loaded @vcpu: put its active interrupts,
 * then its deliverable pending ones by priority (then INTID), in the list
 * registers; set GICH_HCR.UIE if some did not fit.
 * @g: the VM's vgic.
 * @vcpu: the vCPU, loaded here.
 */
void vgic_flush(struct vgic *g, unsigned int vcpu);

/**
 * vgic_sync() - After an exit of loaded @vcpu: fold what the guest did to
 * its list registers (acknowledged, ended) back into the distributor
 * state and empty them; refresh the saved GICH_VMCR and GICH_APR.
 * @g: the VM's vgic.
 * @vcpu: the vCPU, loaded here.
 */
void vgic_sync(struct vgic *g, unsigned int vcpu);

#endif /* S2HYP_VGIC_H */

/* SPDX-License-Identifier: MIT */
/*
 * PSCI 1.0 over HVC/SMC for Linux guests (psci.h). Function IDs and return
 * codes from DEN0022D 5.1 and 5.2.2; SMCCC_VERSION and ARCH_FEATURES from
 * DEN0028 7.2 and 7.3. A vCPU's MPIDR is its index (vm_dt.c writes the
 * same reg values in /cpus).
 */
#include "vm.h"
#include "sched.h"
#include "psci.h"

#define PSCI_VERSION			0x84000000U
#define PSCI_CPU_SUSPEND		0x84000001U
#define PSCI_CPU_OFF			0x84000002U
#define PSCI_CPU_ON			0x84000003U
#define PSCI_AFFINITY_INFO		0x84000004U
#define PSCI_MIGRATE_INFO_TYPE		0x84000006U
#define PSCI_SYSTEM_OFF			0x84000008U
#define PSCI_SYSTEM_RESET		0x84000009U
#define PSCI_FEATURES			0x8400000aU
/* SMC64 twins of the calls that take addresses or MPIDRs: bit 30. */
#define PSCI_64(fn)			((fn) | 0x40000000U)
#define SMCCC_VERSION			0x80000000U
#define SMCCC_ARCH_FEATURES		0x80000001U

#define PSCI_RET_SUCCESS		0
#define PSCI_RET_NOT_SUPPORTED		(-1)
#define PSCI_RET_INVALID_PARAMS		(-2)
#define PSCI_RET_ALREADY_ON		(-4)
#define PSCI_RET_INVALID_ADDRESS	(-9)
#define PSCI_VERSION_1_0		0x00010000U
#define SMCCC_VERSION_1_1		0x00010001U
/* AFFINITY_INFO answers. */
#define PSCI_AFF_ON			0
#define PSCI_AFF_OFF			1
/* MIGRATE_INFO_TYPE: no Trusted OS that needs migrating. */
#define PSCI_TOS_NOT_PRESENT		2

/* SMCCC: bit 31 fast call; bits [29:24] owning entity. */
#define SMCCC_FAST			(1U << 31)
#define SMCCC_OWNER(fn)			(((fn) >> 24) & 0x3f)
#define SMCCC_OWNER_ARCH		0
#define SMCCC_OWNER_STANDARD		4

static bool psci_implemented(uint32_t fn)
{
	switch (fn) {
	case PSCI_VERSION: case PSCI_CPU_SUSPEND: case PSCI_64(PSCI_CPU_SUSPEND):
	case PSCI_CPU_OFF: case PSCI_CPU_ON: case PSCI_64(PSCI_CPU_ON):
	case PSCI_AFFINITY_INFO: case PSCI_64(PSCI_AFFINITY_INFO):
	case PSCI_MIGRATE_INFO_TYPE: case PSCI_SYSTEM_OFF:
	case PSCI_SYSTEM_RESET: case PSCI_FEATURES: case SMCCC_VERSION:
		return true;
	}
	return false;
}

static struct hyp_vcpu *vcpu_by_mpidr(struct hyp_vm *vm, uint64_t mpidr)
{
	if (mpidr >= vm->cfg.nr_vcpus)
		return NULL;
	return &vm->vcpus[mpidr];
}

/* CPU_ON (DEN0022D 5.6): the target starts at @entry, in the state of a
 * cold boot at EL1: MMU off, DAIF masked, x0 = @context. */
static int64_t vpsci_cpu_on(struct hyp_vcpu *vcpu, uint64_t mpidr,
			    uint64_t entry, uint64_t context)
{
	struct hyp_vm *vm = vcpu->vm;
	struct hyp_vcpu *t = vcpu_by_mpidr(vm, mpidr);
	int64_t ret = PSCI_RET_SUCCESS;

	if (!t)
		return PSCI_RET_INVALID_PARAMS;
	if (entry < GUEST_RAM_IPA || entry >= GUEST_RAM_IPA + vm->cfg.ram_size)
		return PSCI_RET_INVALID_ADDRESS;
	hyp_lock(&vm->lock);
	if (t->power == VCPU_ON) {
		ret = PSCI_RET_ALREADY_ON;
	} else {
		vcpu_reset(t, entry, context);
		__atomic_store_n(&t->power, VCPU_ON, __ATOMIC_RELEASE);
	}
	hyp_unlock(&vm->lock);
	if (!ret)
		sched_kick(t);
	return ret;
}

bool psci_call(struct hyp_vcpu *vcpu)
{
	struct hyp_vm *vm = vcpu->vm;
	uint64_t *x = vcpu->regs.x;
	uint32_t fn = (uint32_t)x[0];
	int64_t ret;

	if (!(fn & SMCCC_FAST) || (SMCCC_OWNER(fn) != SMCCC_OWNER_STANDARD &&
				   SMCCC_OWNER(fn) != SMCCC_OWNER_ARCH))
		return false;
	switch (fn) {
	case PSCI_VERSION:
		ret = PSCI_VERSION_1_0;
		break;
	case SMCCC_VERSION:
		ret = SMCCC_VERSION_1_1;
		break;
	case PSCI_FEATURES:
		ret = psci_implemented((uint32_t)x[1]) ? PSCI_RET_SUCCESS
						       : PSCI_RET_NOT_SUPPORTED;
		break;
	case PSCI_CPU_SUSPEND:
	case PSCI_64(PSCI_CPU_SUSPEND):
		/* Standby is enough: waking on an interrupt is what any
		 * power state promises; the vCPU waits as in WFI. */
		if (!vgic_pending(&vm->vgic, vcpu->id))
			vcpu->wfi = true;
		vcpu->yielded = true;
		ret = PSCI_RET_SUCCESS;
		break;
	case PSCI_CPU_OFF:
		/* Off once put (sched.c), not while still loaded here. */
		vcpu->off_pending = true;
		vcpu->yielded = true;
		ret = PSCI_RET_SUCCESS;	/* not seen: the vCPU is off */
		break;
	case PSCI_CPU_ON:
	case PSCI_64(PSCI_CPU_ON):
		ret = vpsci_cpu_on(vcpu, fn == PSCI_CPU_ON ? (uint32_t)x[1] : x[1],
				  x[2], x[3]);
		break;
	case PSCI_AFFINITY_INFO:
	case PSCI_64(PSCI_AFFINITY_INFO): {
		struct hyp_vcpu *t = vcpu_by_mpidr(vm, x[1]);

		/* Only level 0 (one vCPU) is asked by Linux. */
		ret = !t || x[2] ? PSCI_RET_INVALID_PARAMS :
		      __atomic_load_n(&t->power, __ATOMIC_ACQUIRE) == VCPU_ON ?
		      PSCI_AFF_ON : PSCI_AFF_OFF;
		break;
	}
	case PSCI_MIGRATE_INFO_TYPE:
		ret = PSCI_TOS_NOT_PRESENT;
		break;
	case PSCI_SYSTEM_OFF:
		hyp_printf("vm%u: PSCI SYSTEM_OFF\n", vm->id);
		vm_stop(vm, 0);
		sched_wake_all();
		ret = PSCI_RET_SUCCESS;
		break;
	case PSCI_SYSTEM_RESET:
		/* Nothing here asks a guest to reboot: a reset is a failure. */
		hyp_printf("vm%u: PSCI SYSTEM_RESET: guest stopped\n", vm->id);
		vm_stop(vm, -1);
		sched_wake_all();
		ret = PSCI_RET_SUCCESS;
		break;
	case SMCCC_ARCH_FEATURES:
	default:
		ret = PSCI_RET_NOT_SUPPORTED;
		break;
	}
	x[0] = (uint64_t)ret;
	return true;
}

/* SPDX-License-Identifier: MIT */
/*
 * Emulated devices: what a stage-2 abort outside every memslot reaches
 * (libs2mm decodes the access from the syndrome: ESR ISS ISV, SAS, SRT,
 * WnR). Anything else is "nothing there" and the guest takes an external
 * abort (exit.c).
 */
#include "vm.h"
#include "linux.h"

void vm_putc(struct hyp_vm *vm, char c)
{
	/* A terminal's carriage return (a tty's ONLCR): the line ends at
	 * the newline. */
	if (c == '\r')
		return;
	if (c != '\n')
		vm->line[vm->line_len++] = c;
	/* Flush on newline, or when full (the line continues on the next). */
	if (c == '\n' || vm->line_len == sizeof(vm->line) - 1) {
		vm->line[vm->line_len] = '\0';
		hyp_printf("[vm%u] %s\n", vm->id, vm->line);
		vm->line_len = 0;
	}
}

/* The console device: PL011's data register (writes print) and flag
 * register (reads 0: transmit FIFO never full). */
static bool mmio_console(struct hyp_vm *vm, const struct s2_mmio *m,
			 uint64_t *val)
{
	uint64_t off = m->ipa - GUEST_UART_IPA;

	if (m->ipa < GUEST_UART_IPA || off >= PAGE_SIZE)
		return false;
	if (m->write && off == 0)
		vm_putc(vm, (char)m->value);
	*val = 0;
	return true;
}

/* A Linux guest's devices: the GIC distributor and the PL011. */
static int mmio_linux(struct hyp_vcpu *vcpu, const struct s2_mmio *m,
		      uint64_t *val)
{
	struct hyp_vm *vm = vcpu->vm;

	if (m->write)
		*val = m->value;
	if (m->ipa - VGIC_GICD_IPA < VGIC_GICD_SIZE)
		return vgic_dist_access(&vm->vgic, vcpu->id,
					m->ipa - VGIC_GICD_IPA, m->size,
					m->write, val) ? -1 : 0;
	if (m->ipa - VPL011_IPA < VPL011_SIZE) {
		int ret = vpl011_access(vm, &vm->uart, m->ipa - VPL011_IPA,
					m->size, m->write, val);

		/* Only its own registers move the UART's interrupt line. */
		vgic_set_irq(&vm->vgic, 0, 32 + VPL011_SPI,
			     vpl011_irq_level(&vm->uart));
		return ret;
	}
	if (m->ipa - LINUX_HARNESS_IPA < LINUX_HARNESS_SIZE) {
		/* The harness register: a 32-bit word at offset 0. */
		if (m->ipa != LINUX_HARNESS_IPA || m->size != 4)
			return -1;
		if (m->write)
			__atomic_store_n(&vm->guest_phase, (uint32_t)m->value,
					 __ATOMIC_RELEASE);
		else
			*val = __atomic_load_n(&vm->host_events,
					       __ATOMIC_ACQUIRE);
		return 0;
	}
	return -1;
}

int mmio_access(struct hyp_vcpu *vcpu, const struct s2_mmio *m, uint64_t *val)
{
	if (vcpu->vm->cfg.linux)
		return mmio_linux(vcpu, m, val);
	if (mmio_console(vcpu->vm, m, val))
		return 0;
	return -1;
}

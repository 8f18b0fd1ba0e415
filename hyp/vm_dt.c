/* SPDX-License-Identifier: MIT */
/*
 * A Linux guest's device tree (vm_dt.h). Node for node it is what QEMU's
 * hw/arm/virt.c writes for "-M virt,gic-version=2" (create_fdt,
 * fdt_add_*_node(s), create_uart), minus the devices s2hyp does not give a
 * VM. Intermediate fdtw_*() results are not checked: fdtw latches the first
 * error and fdtw_finish() returns it.
 */
#include "vm_dt.h"

/*
 * GIC interrupt specifiers, <type number flags> (Linux bindings
 * interrupt-controller/arm,gic.yaml): type 0 is an SPI, 1 a PPI; flags
 * bits[3:0] are the trigger, bits[15:8] the CPUs a PPI is wired to.
 */
#define GIC_SPI			0
#define GIC_PPI			1
#define GIC_MAX_SPI		987
#define IRQ_TYPE_LEVEL_HIGH	4
#define GIC_PPI_CPU_SHIFT	8

/*
 * The architected timer's PPIs, in the order timer/arm,arch_timer.yaml
 * lists them (secure, non-secure, virtual, hypervisor physical timer): the
 * Arm BSA numbers QEMU's virt uses (ARCH_TIMER_*_IRQ).
 */
#define PPI_TIMER_SEC		13
#define PPI_TIMER_NS		14
#define PPI_TIMER_VIRT		11
#define PPI_TIMER_HYP		10

/* PL011 clocks: QEMU's fixed 24 MHz "apb-pclk" feeds both inputs. */
#define APB_PCLK_HZ		24000000

/* "/pl011@" and at most 16 hex digits, with room to spare. */
#define NAME_LEN		32

/*
 * Write "<prefix>@<addr>" into @buf (NAME_LEN bytes; @prefix is one of this
 * file's short literals). A unit address is the node's first reg address
 * in hex (DTSpec v0.4 2.2.1), lower case and without leading zeros as dtc's
 * unit_address_format check wants.
 */
static void unit_name(char *buf, const char *prefix, uint64_t addr)
{
	static const char hex[] = "0123456789abcdef";
	char digits[16];
	int n = 0;

	while (*prefix)
		*buf++ = *prefix++;
	*buf++ = '@';
	do {
		digits[n++] = hex[addr & 15];
		addr >>= 4;
	} while (addr);
	while (n)
		*buf++ = digits[--n];
	*buf = '\0';
}

/* One <address size> pair under the root's #address-cells = #size-cells = 2. */
static void reg_cells(uint32_t cells[4], uint64_t base, uint64_t size)
{
	cells[0] = (uint32_t)(base >> 32);
	cells[1] = (uint32_t)base;
	cells[2] = (uint32_t)(size >> 32);
	cells[3] = (uint32_t)size;
}

static bool str_shorter(const char *s, size_t max)
{
	size_t n;

	for (n = 0; n < max; n++)
		if (!s[n])
			return true;
	return false;
}

static int check_desc(const struct vm_dt_desc *d)
{
	if (!d || d->nr_vcpus < 1 || d->nr_vcpus > VM_DT_MAX_VCPUS)
		return -FDTW_EINVAL;
	if (!d->ram_size || d->ram_size - 1 > UINT64_MAX - d->ram_ipa)
		return -FDTW_EINVAL;
	/*
	 * Linux disables an initrd that is not inside the memory it is told
	 * about ("INITRD: ... is not a memory region"): refuse to describe one.
	 */
	if (d->initrd_start || d->initrd_end) {
		if (d->initrd_start >= d->initrd_end ||
		    d->initrd_start < d->ram_ipa ||
		    d->initrd_end - d->ram_ipa > d->ram_size)
			return -FDTW_EINVAL;
	}
	if (d->uart_spi > GIC_MAX_SPI)
		return -FDTW_EINVAL;
	if (d->bootargs && !str_shorter(d->bootargs, VM_DT_BOOTARGS_MAX))
		return -FDTW_EINVAL;
	return 0;
}

/* DTSpec 3.3 (/aliases) and 3.6 (/chosen); Linux reads the initrd range as
 * a number of any cell count (drivers/of/fdt.c), QEMU writes two cells. */
static void dt_chosen(struct fdtw *w, const struct vm_dt_desc *d,
		      const char *uart_path)
{
	fdtw_begin_node(w, "chosen");
	if (d->bootargs)
		fdtw_prop_str(w, "bootargs", d->bootargs);
	if (d->initrd_start || d->initrd_end) {
		fdtw_prop_u64(w, "linux,initrd-start", d->initrd_start);
		fdtw_prop_u64(w, "linux,initrd-end", d->initrd_end);
	}
	fdtw_prop_str(w, "stdout-path", uart_path);
	fdtw_end_node(w);

	/* serial0 pins the console to ttyAMA0 whatever else appears. */
	fdtw_begin_node(w, "aliases");
	fdtw_prop_str(w, "serial0", uart_path);
	fdtw_end_node(w);
}

/* DTSpec 3.4: device_type "memory" and reg. */
static void dt_memory(struct fdtw *w, const struct vm_dt_desc *d)
{
	char name[NAME_LEN];
	uint32_t reg[4];

	unit_name(name, "memory", d->ram_ipa);
	reg_cells(reg, d->ram_ipa, d->ram_size);
	fdtw_begin_node(w, name);
	fdtw_prop_str(w, "device_type", "memory");
	fdtw_prop_cells(w, "reg", reg, 4);
	fdtw_end_node(w);
}

/*
 * DTSpec 3.7/3.8 and Linux bindings arm/cpus.yaml: reg is the MPIDR
 * affinity; one cell is enough while MPIDR[63:32] is 0 on every CPU, and
 * vCPU i has Aff0 = i. "arm,armv8" is the compatible for software models;
 * every vCPU, the boot one too, is started or stopped through PSCI.
 */
static void dt_cpus(struct fdtw *w, const struct vm_dt_desc *d)
{
	char name[NAME_LEN];
	unsigned int i;

	fdtw_begin_node(w, "cpus");
	fdtw_prop_u32(w, "#address-cells", 1);
	fdtw_prop_u32(w, "#size-cells", 0);
	for (i = 0; i < d->nr_vcpus; i++) {
		unit_name(name, "cpu", i);
		fdtw_begin_node(w, name);
		fdtw_prop_str(w, "device_type", "cpu");
		fdtw_prop_str(w, "compatible", "arm,armv8");
		fdtw_prop_u32(w, "reg", i);
		fdtw_prop_str(w, "enable-method", "psci");
		fdtw_end_node(w);
	}
	fdtw_end_node(w);
}

/*
 * Linux bindings arm/psci.yaml: from PSCI 0.2 on, the function IDs are the
 * standard ones and need no properties; "arm,psci" stays last as QEMU
 * writes it.
 */
static void dt_psci(struct fdtw *w)
{
	static const char *const compat[] = {
		"arm,psci-1.0", "arm,psci-0.2", "arm,psci",
	};

	fdtw_begin_node(w, "psci");
	fdtw_prop_strs(w, "compatible", compat, 3);
	fdtw_prop_str(w, "method", "hvc");
	fdtw_end_node(w);
}

/*
 * Linux bindings interrupt-controller/arm,gic.yaml: "arm,cortex-a15-gic" is
 * a GICv2. reg holds only the distributor and the CPU interface: the GICH/
 * GICV regions describe virtualization extensions, which the guest lacks.
 * #address-cells/#size-cells as QEMU has them (dtc's interrupt_provider
 * check wants #address-cells on every interrupt controller).
 */
static void dt_gic(struct fdtw *w, const struct vm_dt_desc *d)
{
	char name[NAME_LEN];
	uint32_t reg[8];

	unit_name(name, "intc", d->gicd_ipa);
	reg_cells(reg, d->gicd_ipa, VM_DT_GICD_SIZE);
	reg_cells(reg + 4, d->gicc_ipa, VM_DT_GICC_SIZE);
	fdtw_begin_node(w, name);
	fdtw_prop_str(w, "compatible", "arm,cortex-a15-gic");
	fdtw_prop_u32(w, "#interrupt-cells", 3);
	fdtw_prop_empty(w, "interrupt-controller");
	fdtw_prop_u32(w, "#address-cells", 2);
	fdtw_prop_u32(w, "#size-cells", 2);
	fdtw_prop_cells(w, "reg", reg, 8);
	fdtw_prop_u32(w, "phandle", VM_DT_PHANDLE_GIC);
	fdtw_end_node(w);
}

/*
 * Linux bindings timer/arm,arch_timer.yaml ("arm,armv8-timer" alone is one
 * of its forms; QEMU adds "arm,armv7-timer", which arm64 does not need).
 * A GICv2 PPI specifier also names the CPUs it reaches: all vCPUs, as QEMU
 * writes for gic-version=2.
 */
static void dt_timer(struct fdtw *w, const struct vm_dt_desc *d)
{
	uint32_t flags = IRQ_TYPE_LEVEL_HIGH |
			 ((1U << d->nr_vcpus) - 1) << GIC_PPI_CPU_SHIFT;
	const uint32_t irqs[] = {
		GIC_PPI, PPI_TIMER_SEC, flags,
		GIC_PPI, PPI_TIMER_NS, flags,
		GIC_PPI, PPI_TIMER_VIRT, flags,
		GIC_PPI, PPI_TIMER_HYP, flags,
	};

	fdtw_begin_node(w, "timer");
	fdtw_prop_str(w, "compatible", "arm,armv8-timer");
	fdtw_prop_cells(w, "interrupts", irqs, 12);
	fdtw_prop_empty(w, "always-on");
	fdtw_end_node(w);
}

/*
 * Linux bindings clock/fixed-clock.yaml. QEMU: the pl011 binding calls its
 * clocks optional, but without them Linux does not probe the device.
 */
static void dt_clock(struct fdtw *w)
{
	fdtw_begin_node(w, "apb-pclk");
	fdtw_prop_str(w, "compatible", "fixed-clock");
	fdtw_prop_u32(w, "#clock-cells", 0);
	fdtw_prop_u32(w, "clock-frequency", APB_PCLK_HZ);
	fdtw_prop_str(w, "clock-output-names", "clk24mhz");
	fdtw_prop_u32(w, "phandle", VM_DT_PHANDLE_CLK);
	fdtw_end_node(w);
}

/*
 * Linux bindings serial/pl011.yaml: clocks are UARTCLK then PCLK, named
 * "uartclk" and "apb_pclk" (the latter is what the AMBA bus probe enables).
 */
static void dt_uart(struct fdtw *w, const struct vm_dt_desc *d)
{
	static const char *const compat[] = { "arm,pl011", "arm,primecell" };
	static const char *const clock_names[] = { "uartclk", "apb_pclk" };
	const uint32_t irq[] = { GIC_SPI, d->uart_spi, IRQ_TYPE_LEVEL_HIGH };
	const uint32_t clocks[] = { VM_DT_PHANDLE_CLK, VM_DT_PHANDLE_CLK };
	char name[NAME_LEN];
	uint32_t reg[4];

	unit_name(name, "pl011", d->uart_ipa);
	reg_cells(reg, d->uart_ipa, VM_DT_UART_SIZE);
	fdtw_begin_node(w, name);
	fdtw_prop_strs(w, "compatible", compat, 2);
	fdtw_prop_cells(w, "reg", reg, 4);
	fdtw_prop_cells(w, "interrupts", irq, 3);
	fdtw_prop_strs(w, "clock-names", clock_names, 2);
	fdtw_prop_cells(w, "clocks", clocks, 2);
	fdtw_end_node(w);
}

int vm_dt_build(void *buf, size_t size, const struct vm_dt_desc *d)
{
	char uart_path[NAME_LEN];
	struct fdtw w;
	int ret;

	ret = check_desc(d);
	if (ret)
		return ret;
	unit_name(uart_path, "/pl011", d->uart_ipa);

	fdtw_init(&w, buf, size);
	/*
	 * DTSpec 3.2: the root's model and compatible are required; both are
	 * "linux,dummy-virt" as on QEMU. Every node's interrupts go to the GIC.
	 */
	fdtw_begin_node(&w, "");
	fdtw_prop_u32(&w, "#address-cells", 2);
	fdtw_prop_u32(&w, "#size-cells", 2);
	fdtw_prop_str(&w, "compatible", "linux,dummy-virt");
	fdtw_prop_str(&w, "model", "linux,dummy-virt");
	fdtw_prop_u32(&w, "interrupt-parent", VM_DT_PHANDLE_GIC);

	dt_chosen(&w, d, uart_path);
	dt_memory(&w, d);
	dt_cpus(&w, d);
	dt_psci(&w);
	dt_gic(&w, d);
	dt_timer(&w, d);
	dt_clock(&w);
	dt_uart(&w, d);

	fdtw_end_node(&w);
	return fdtw_finish(&w);
}

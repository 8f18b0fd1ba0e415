/* SPDX-License-Identifier: MIT */
/*
 * s2hyp's device tree writer (hyp/fdtw.c) and the tree it writes for a
 * Linux guest (hyp/vm_dt.c), built for the host and read back with libfdt:
 * every node and property Linux relies on and nothing else, the header,
 * too-small buffers (never a byte written at or past the size given), bad
 * descriptors, misuse of the writer, and dtc's checks when dtc is installed.
 */
#define _POSIX_C_SOURCE 200809L /* popen, mkstemp */

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <libfdt.h>

#include "fdtw.h"
#include "vm_dt.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

#define RAM_IPA		0x40000000ULL
#define RAM_SIZE	(256ULL << 20)
#define INITRD_START	0x48000000ULL
#define INITRD_END	0x4812345bULL	/* not aligned: Linux takes any end */
#define BOOTARGS	"console=ttyAMA0 earlycon rdinit=/sbin/init"
#define CANARY		0xa5
#define SLACK		64		/* canary bytes past the largest size */
#define PATH_LEN	64

static struct vm_dt_desc desc(unsigned int nr_vcpus)
{
	return (struct vm_dt_desc){
		.ram_ipa = RAM_IPA,
		.ram_size = RAM_SIZE,
		.nr_vcpus = nr_vcpus,
		.gicd_ipa = VM_DT_GICD_IPA,
		.gicc_ipa = VM_DT_GICC_IPA,
		.uart_ipa = VM_DT_UART_IPA,
		.uart_spi = VM_DT_UART_SPI,
		.bootargs = BOOTARGS,
		.initrd_start = INITRD_START,
		.initrd_end = INITRD_END,
	};
}

/* ---- reading the tree back ------------------------------------------- */

static int node(const void *fdt, const char *path)
{
	int off = fdt_path_offset(fdt, path);

	if (off < 0)
		fail_msg("no node %s: %s", path, fdt_strerror(off));
	return off;
}

static void expect_prop(const void *fdt, const char *path, const char *name,
			const void *val, int len)
{
	const void *p;
	int l;

	p = fdt_getprop(fdt, node(fdt, path), name, &l);
	if (!p)
		fail_msg("%s: no property %s", path, name);
	if (l != len || memcmp(p, val, (size_t)len) != 0)
		fail_msg("%s: %s differs (%d bytes, expected %d)", path, name,
			 l, len);
}

/* A string or a NUL-separated list, from a literal: its sizeof counts the
 * last NUL. */
#define EXPECT_STRS(fdt, path, name, lit) \
	expect_prop(fdt, path, name, lit, (int)sizeof(lit))

static void expect_str(const void *fdt, const char *path, const char *name,
		       const char *s)
{
	expect_prop(fdt, path, name, s, (int)strlen(s) + 1);
}

static void expect_cells(const void *fdt, const char *path, const char *name,
			 const uint32_t *cells, size_t n)
{
	fdt32_t be[16];
	size_t i;

	assert_true(n <= ARRAY_SIZE(be));
	for (i = 0; i < n; i++)
		be[i] = cpu_to_fdt32(cells[i]);
	expect_prop(fdt, path, name, be, (int)(4 * n));
}

#define EXPECT_CELLS(fdt, path, name, ...) do {				\
	const uint32_t c_[] = { __VA_ARGS__ };				\
	expect_cells(fdt, path, name, c_, ARRAY_SIZE(c_));		\
} while (0)

static void expect_u64(const void *fdt, const char *path, const char *name,
		       uint64_t v)
{
	EXPECT_CELLS(fdt, path, name, (uint32_t)(v >> 32), (uint32_t)v);
}

/* The node at @path has exactly the properties @names, each once. */
static void expect_props(const void *fdt, const char *path,
			 const char *const *names, size_t n)
{
	int off = node(fdt, path), prop, len;
	bool seen[16] = { false };
	size_t count = 0, i;

	assert_true(n <= ARRAY_SIZE(seen));
	fdt_for_each_property_offset(prop, fdt, off) {
		const char *pname;

		assert_non_null(fdt_getprop_by_offset(fdt, prop, &pname, &len));
		for (i = 0; i < n && strcmp(pname, names[i]) != 0; i++)
			;
		if (i == n)
			fail_msg("%s: unexpected property %s", path, pname);
		if (seen[i])
			fail_msg("%s: %s twice", path, pname);
		seen[i] = true;
		count++;
	}
	assert_int_equal(prop, -FDT_ERR_NOTFOUND);
	if (count != n)
		fail_msg("%s: %zu properties, expected %zu", path, count, n);
}

#define EXPECT_PROPS(fdt, path, ...) do {				\
	static const char *const n_[] = { __VA_ARGS__ };		\
	expect_props(fdt, path, n_, ARRAY_SIZE(n_));			\
} while (0)

/* The tree has exactly the nodes @paths. */
static void expect_nodes(const void *fdt, const char *const *paths, size_t n)
{
	char path[PATH_LEN];
	int off = 0, depth = 0;
	size_t count = 0, i;

	for (; off >= 0 && depth >= 0; off = fdt_next_node(fdt, off, &depth)) {
		assert_int_equal(fdt_get_path(fdt, off, path, sizeof(path)), 0);
		for (i = 0; i < n && strcmp(path, paths[i]) != 0; i++)
			;
		if (i == n)
			fail_msg("unexpected node %s", path);
		count++;
	}
	if (count != n)
		fail_msg("%zu nodes, expected %zu", count, n);
}

/* Each string of the strings block is there once (fdtw dedupes names). */
static void expect_unique_strings(const void *fdt)
{
	const char *tab = (const char *)fdt + fdt_off_dt_strings(fdt);
	uint32_t size = fdt_size_dt_strings(fdt), i, j;

	assert_true(size > 0);
	assert_int_equal(tab[size - 1], '\0');
	for (i = 0; i < size; i += (uint32_t)strlen(tab + i) + 1)
		for (j = i + (uint32_t)strlen(tab + i) + 1; j < size;
		     j += (uint32_t)strlen(tab + j) + 1)
			if (strcmp(tab + i, tab + j) == 0)
				fail_msg("string \"%s\" stored twice", tab + i);
}

/* Header and overall validity (DTSpec v0.4 5.2, 5.3, 5.4). */
static void check_blob(const void *fdt, int size)
{
	assert_true(size > 0);
	assert_int_equal(fdt_check_header(fdt), 0);
	assert_int_equal(fdt_magic(fdt), FDT_MAGIC);
	assert_int_equal(fdt_totalsize(fdt), (uint32_t)size);
	assert_int_equal(fdt_version(fdt), 17);
	assert_int_equal(fdt_last_comp_version(fdt), 16);
	assert_int_equal(fdt_boot_cpuid_phys(fdt), 0);
	assert_int_equal(fdt_off_mem_rsvmap(fdt) % 8, 0);
	assert_int_equal(fdt_off_dt_struct(fdt) % 4, 0);
	assert_int_equal(fdt_num_mem_rsv(fdt), 0);
	/* The blocks follow each other and fill the blob exactly. */
	assert_int_equal(fdt_off_dt_struct(fdt) + fdt_size_dt_struct(fdt),
			 fdt_off_dt_strings(fdt));
	assert_int_equal(fdt_off_dt_strings(fdt) + fdt_size_dt_strings(fdt),
			 (uint32_t)size);
#ifdef HAVE_FDT_CHECK_FULL
	assert_int_equal(fdt_check_full(fdt, (size_t)size), 0);
#endif
}

/* Every node and property of the tree vm_dt_build() wrote for @d. */
static void check_tree(const void *fdt, int size, const struct vm_dt_desc *d)
{
	char mem[PATH_LEN], gic[PATH_LEN], uart[PATH_LEN];
	char cpus[VM_DT_MAX_VCPUS][PATH_LEN];
	const char *paths[10 + VM_DT_MAX_VCPUS];
	const char *chosen[4];
	uint32_t ppi_flags = 4 | ((1U << d->nr_vcpus) - 1) << 8;
	size_t np = 0, nc = 0;
	unsigned int i;
	int off;

	check_blob(fdt, size);
	expect_unique_strings(fdt);

	snprintf(mem, sizeof(mem), "/memory@%" PRIx64, d->ram_ipa);
	snprintf(gic, sizeof(gic), "/intc@%" PRIx64, d->gicd_ipa);
	snprintf(uart, sizeof(uart), "/pl011@%" PRIx64, d->uart_ipa);
	paths[np++] = "/";
	paths[np++] = "/chosen";
	paths[np++] = "/aliases";
	paths[np++] = mem;
	paths[np++] = "/cpus";
	for (i = 0; i < d->nr_vcpus; i++) {
		snprintf(cpus[i], PATH_LEN, "/cpus/cpu@%x", i);
		paths[np++] = cpus[i];
	}
	paths[np++] = "/psci";
	paths[np++] = gic;
	paths[np++] = "/timer";
	paths[np++] = "/apb-pclk";
	paths[np++] = uart;
	assert_true(np <= ARRAY_SIZE(paths));
	expect_nodes(fdt, paths, np);

	EXPECT_PROPS(fdt, "/", "#address-cells", "#size-cells", "compatible",
		     "model", "interrupt-parent");
	EXPECT_CELLS(fdt, "/", "#address-cells", 2);
	EXPECT_CELLS(fdt, "/", "#size-cells", 2);
	EXPECT_STRS(fdt, "/", "compatible", "linux,dummy-virt");
	EXPECT_STRS(fdt, "/", "model", "linux,dummy-virt");
	EXPECT_CELLS(fdt, "/", "interrupt-parent", VM_DT_PHANDLE_GIC);

	if (d->bootargs)
		chosen[nc++] = "bootargs";
	if (d->initrd_start || d->initrd_end) {
		chosen[nc++] = "linux,initrd-start";
		chosen[nc++] = "linux,initrd-end";
	}
	chosen[nc++] = "stdout-path";
	expect_props(fdt, "/chosen", chosen, nc);
	if (d->bootargs)
		expect_str(fdt, "/chosen", "bootargs", d->bootargs);
	if (d->initrd_start || d->initrd_end) {
		expect_u64(fdt, "/chosen", "linux,initrd-start", d->initrd_start);
		expect_u64(fdt, "/chosen", "linux,initrd-end", d->initrd_end);
	}
	expect_str(fdt, "/chosen", "stdout-path", uart);
	EXPECT_PROPS(fdt, "/aliases", "serial0");
	expect_str(fdt, "/aliases", "serial0", uart);

	EXPECT_PROPS(fdt, mem, "device_type", "reg");
	EXPECT_STRS(fdt, mem, "device_type", "memory");
	EXPECT_CELLS(fdt, mem, "reg", (uint32_t)(d->ram_ipa >> 32),
		     (uint32_t)d->ram_ipa, (uint32_t)(d->ram_size >> 32),
		     (uint32_t)d->ram_size);

	EXPECT_PROPS(fdt, "/cpus", "#address-cells", "#size-cells");
	EXPECT_CELLS(fdt, "/cpus", "#address-cells", 1);
	EXPECT_CELLS(fdt, "/cpus", "#size-cells", 0);
	for (i = 0; i < d->nr_vcpus; i++) {
		EXPECT_PROPS(fdt, cpus[i], "device_type", "compatible", "reg",
			     "enable-method");
		EXPECT_STRS(fdt, cpus[i], "device_type", "cpu");
		EXPECT_STRS(fdt, cpus[i], "compatible", "arm,armv8");
		EXPECT_CELLS(fdt, cpus[i], "reg", i);
		EXPECT_STRS(fdt, cpus[i], "enable-method", "psci");
	}

	EXPECT_PROPS(fdt, "/psci", "compatible", "method");
	EXPECT_STRS(fdt, "/psci", "compatible",
		    "arm,psci-1.0\0arm,psci-0.2\0arm,psci");
	EXPECT_STRS(fdt, "/psci", "method", "hvc");

	EXPECT_PROPS(fdt, gic, "compatible", "#interrupt-cells",
		     "interrupt-controller", "#address-cells", "#size-cells",
		     "reg", "phandle");
	EXPECT_STRS(fdt, gic, "compatible", "arm,cortex-a15-gic");
	EXPECT_CELLS(fdt, gic, "#interrupt-cells", 3);
	expect_prop(fdt, gic, "interrupt-controller", "", 0);
	EXPECT_CELLS(fdt, gic, "#address-cells", 2);
	EXPECT_CELLS(fdt, gic, "#size-cells", 2);
	EXPECT_CELLS(fdt, gic, "reg",
		     (uint32_t)(d->gicd_ipa >> 32), (uint32_t)d->gicd_ipa, 0, 0x10000,
		     (uint32_t)(d->gicc_ipa >> 32), (uint32_t)d->gicc_ipa, 0, 0x2000);
	EXPECT_CELLS(fdt, gic, "phandle", VM_DT_PHANDLE_GIC);

	EXPECT_PROPS(fdt, "/timer", "compatible", "interrupts", "always-on");
	EXPECT_STRS(fdt, "/timer", "compatible", "arm,armv8-timer");
	EXPECT_CELLS(fdt, "/timer", "interrupts",
		     1, 13, ppi_flags, 1, 14, ppi_flags,
		     1, 11, ppi_flags, 1, 10, ppi_flags);
	expect_prop(fdt, "/timer", "always-on", "", 0);

	EXPECT_PROPS(fdt, "/apb-pclk", "compatible", "#clock-cells",
		     "clock-frequency", "clock-output-names", "phandle");
	EXPECT_STRS(fdt, "/apb-pclk", "compatible", "fixed-clock");
	EXPECT_CELLS(fdt, "/apb-pclk", "#clock-cells", 0);
	EXPECT_CELLS(fdt, "/apb-pclk", "clock-frequency", 24000000);
	EXPECT_STRS(fdt, "/apb-pclk", "clock-output-names", "clk24mhz");
	EXPECT_CELLS(fdt, "/apb-pclk", "phandle", VM_DT_PHANDLE_CLK);

	EXPECT_PROPS(fdt, uart, "compatible", "reg", "interrupts",
		     "clock-names", "clocks");
	EXPECT_STRS(fdt, uart, "compatible", "arm,pl011\0arm,primecell");
	EXPECT_CELLS(fdt, uart, "reg", (uint32_t)(d->uart_ipa >> 32),
		     (uint32_t)d->uart_ipa, 0, 0x1000);
	EXPECT_CELLS(fdt, uart, "interrupts", 0, d->uart_spi, 4);
	EXPECT_STRS(fdt, uart, "clock-names", "uartclk\0apb_pclk");
	EXPECT_CELLS(fdt, uart, "clocks", VM_DT_PHANDLE_CLK, VM_DT_PHANDLE_CLK);

	/* The phandles lead where they should, as libfdt resolves them. */
	off = fdt_node_offset_by_phandle(fdt, VM_DT_PHANDLE_GIC);
	assert_int_equal(off, node(fdt, gic));
	assert_int_equal(fdt_get_phandle(fdt, off), VM_DT_PHANDLE_GIC);
	off = fdt_node_offset_by_phandle(fdt, VM_DT_PHANDLE_CLK);
	assert_int_equal(off, node(fdt, "/apb-pclk"));
}

/* ---- dtc ----------------------------------------------------------------- */

static bool have_dtc(void)
{
	return system("command -v dtc >/dev/null 2>&1") == 0;
}

/*
 * Decompile @dtb with dtc, which runs its checks on the way. Return: dtc's
 * exit status (-1 if it did not exit), its stdout and stderr in @out.
 */
static int run_dtc(const void *dtb, size_t size, char *out, size_t outsz)
{
	char path[] = "/tmp/test_vm_dt.XXXXXX", cmd[128];
	size_t n;
	FILE *f;
	int fd, st;

	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, dtb, size), (ssize_t)size);
	assert_int_equal(close(fd), 0);
	snprintf(cmd, sizeof(cmd), "dtc -I dtb -O dts -o /dev/null %s 2>&1",
		 path);
	f = popen(cmd, "r");
	assert_non_null(f);
	n = fread(out, 1, outsz - 1, f);
	out[n] = '\0';
	st = pclose(f);
	unlink(path);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* ---- vm_dt_build ------------------------------------------------------- */

static void build_and_check(const struct vm_dt_desc *d)
{
	_Alignas(8) static uint8_t buf[VM_DT_MAX_SIZE];
	int size;

	size = vm_dt_build(buf, sizeof(buf), d);
	assert_true(size > 0);
	check_tree(buf, size, d);
}

static void vm_dt_one_vcpu(void **state)
{
	struct vm_dt_desc d = desc(1);

	(void)state;
	build_and_check(&d);
}

static void vm_dt_four_vcpus(void **state)
{
	struct vm_dt_desc d = desc(4);

	(void)state;
	build_and_check(&d);
}

static void vm_dt_every_vcpu_count(void **state)
{
	unsigned int n;

	(void)state;
	for (n = 1; n <= VM_DT_MAX_VCPUS; n++) {
		struct vm_dt_desc d = desc(n);

		build_and_check(&d);
	}
}

/* No initrd, no bootargs: the properties are absent, not empty. */
static void vm_dt_optional_chosen(void **state)
{
	struct vm_dt_desc d = desc(2);

	(void)state;
	d.initrd_start = d.initrd_end = 0;
	build_and_check(&d);
	d.bootargs = NULL;
	build_and_check(&d);
	d.bootargs = "";
	build_and_check(&d);
}

/* Unit addresses follow the descriptor: lower-case hex, no leading zeros,
 * above 4 GiB too. */
static void vm_dt_other_layout(void **state)
{
	struct vm_dt_desc d = desc(3);

	(void)state;
	d.ram_ipa = 0x880000000ULL;
	d.ram_size = 0x140000000ULL;
	d.initrd_start = 0x8a0000000ULL;
	d.initrd_end = 0x8a0400000ULL;
	d.gicd_ipa = 0x2c001000;
	d.gicc_ipa = 0x2c002000;
	d.uart_ipa = 0x1c0a0000;
	d.uart_spi = 987;
	build_and_check(&d);
}

/*
 * Every size short of the tree is refused with -FDTW_ENOSPC and leaves
 * every byte from the size on as it was; the exact size gives the same
 * bytes as a roomy buffer.
 */
static void too_small(unsigned int nr_vcpus)
{
	_Alignas(8) static uint8_t ref[VM_DT_MAX_SIZE];
	_Alignas(8) static uint8_t buf[VM_DT_MAX_SIZE + SLACK];
	struct vm_dt_desc d = desc(nr_vcpus);
	size_t sz, i;
	int need, ret;

	need = vm_dt_build(ref, sizeof(ref), &d);
	assert_true(need > 0);
	for (sz = 0; sz <= (size_t)need; sz++) {
		memset(buf, CANARY, sizeof(buf));
		ret = vm_dt_build(buf, sz, &d);
		if (sz < (size_t)need) {
			if (ret != -FDTW_ENOSPC)
				fail_msg("size %zu of %d: got %d", sz, need, ret);
		} else {
			assert_int_equal(ret, need);
			assert_memory_equal(buf, ref, (size_t)need);
		}
		for (i = sz; i < sizeof(buf); i++)
			if (buf[i] != CANARY)
				fail_msg("size %zu: byte %zu written", sz, i);
	}
	assert_int_equal(vm_dt_build(NULL, 0, &d), -FDTW_ENOSPC);
}

static void vm_dt_too_small_one_vcpu(void **state)
{
	(void)state;
	too_small(1);
}

static void vm_dt_too_small_four_vcpus(void **state)
{
	(void)state;
	too_small(4);
}

/* Any buffer alignment gives the same bytes (fdtw stores byte by byte). */
static void vm_dt_unaligned_buffer(void **state)
{
	_Alignas(8) static uint8_t ref[VM_DT_MAX_SIZE], buf[VM_DT_MAX_SIZE + 8];
	struct vm_dt_desc d = desc(4);
	int need, off;

	(void)state;
	need = vm_dt_build(ref, sizeof(ref), &d);
	for (off = 1; off < 8; off++) {
		assert_int_equal(vm_dt_build(buf + off, VM_DT_MAX_SIZE, &d), need);
		assert_memory_equal(buf + off, ref, (size_t)need);
	}
}

/* The largest valid descriptor fits VM_DT_MAX_SIZE. */
static void vm_dt_max_size(void **state)
{
	_Alignas(8) static uint8_t buf[VM_DT_MAX_SIZE];
	static char args[VM_DT_BOOTARGS_MAX + 1];
	struct vm_dt_desc d = desc(VM_DT_MAX_VCPUS);
	int size;

	(void)state;
	memset(args, 'x', VM_DT_BOOTARGS_MAX - 1);
	d.bootargs = args;
	d.ram_ipa = 0xffffffff00000000ULL;	/* longest unit address */
	d.ram_size = 0x100000000ULL;
	d.initrd_start = d.ram_ipa;
	d.initrd_end = d.ram_ipa + 0x1000;
	d.gicd_ipa = 0xffffffffffff0000ULL;
	d.gicc_ipa = 0xfffffffffffe0000ULL;
	d.uart_ipa = 0xfffffffffffd0000ULL;
	size = vm_dt_build(buf, sizeof(buf), &d);
	print_message("largest tree: %d of %d bytes\n", size, VM_DT_MAX_SIZE);
	assert_true(size > 0 && size <= VM_DT_MAX_SIZE);
	check_tree(buf, size, &d);

	args[VM_DT_BOOTARGS_MAX - 1] = 'x';	/* one too many */
	assert_int_equal(vm_dt_build(buf, sizeof(buf), &d), -FDTW_EINVAL);
}

static void vm_dt_bad_desc(void **state)
{
	_Alignas(8) static uint8_t buf[VM_DT_MAX_SIZE];
	struct vm_dt_desc d;
	int i;

	(void)state;
	assert_int_equal(vm_dt_build(buf, sizeof(buf), NULL), -FDTW_EINVAL);
	for (i = 0; i < 10; i++) {
		d = desc(2);
		switch (i) {
		case 0: d.nr_vcpus = 0; break;
		case 1: d.nr_vcpus = VM_DT_MAX_VCPUS + 1; break;
		case 2: d.ram_size = 0; break;
		case 3: d.ram_ipa = 0xfffffffff0000000ULL; d.ram_size = (1ULL << 28) + 0x1000; break;
		case 4: d.initrd_end = d.initrd_start; break;
		case 5: d.initrd_start = 0; break;
		case 6: d.initrd_start = RAM_IPA - 0x1000; break;
		case 7: d.initrd_end = RAM_IPA + RAM_SIZE + 1; break;
		case 8: d.uart_spi = 988; break;
		case 9: d.initrd_start = d.initrd_end + 0x1000; break;
		}
		if (vm_dt_build(buf, sizeof(buf), &d) != -FDTW_EINVAL)
			fail_msg("bad descriptor %d accepted", i);
	}
	/* The edges that are fine: RAM up to 2^64, initrd filling RAM. */
	d = desc(2);
	d.ram_ipa = 0xfffffffff0000000ULL;
	d.ram_size = 1ULL << 28;
	d.initrd_start = d.ram_ipa;
	d.initrd_end = d.ram_ipa + (d.ram_size - 1);
	assert_true(vm_dt_build(buf, sizeof(buf), &d) > 0);
	d = desc(2);
	d.initrd_start = RAM_IPA;
	d.initrd_end = RAM_IPA + RAM_SIZE;
	assert_true(vm_dt_build(buf, sizeof(buf), &d) > 0);
}

static void vm_dt_dtc(void **state)
{
	_Alignas(8) static uint8_t buf[VM_DT_MAX_SIZE];
	char out[4096];
	unsigned int n;
	int size;

	(void)state;
	if (!have_dtc())
		skip();
	for (n = 1; n <= VM_DT_MAX_VCPUS; n++) {
		struct vm_dt_desc d = desc(n);

		if (n == 3)
			d.initrd_start = d.initrd_end = 0;
		if (n == 5)
			d.bootargs = NULL;
		size = vm_dt_build(buf, sizeof(buf), &d);
		assert_true(size > 0);
		if (run_dtc(buf, (size_t)size, out, sizeof(out)) != 0 || out[0])
			fail_msg("dtc on the %u-vCPU tree:\n%s", n, out);
	}
}

/* Control for the above: dtc's warnings do reach the test. */
static void dtc_reports_warnings(void **state)
{
	_Alignas(8) static uint8_t buf[256];
	char out[4096];
	struct fdtw w;
	int size;

	(void)state;
	if (!have_dtc())
		skip();
	fdtw_init(&w, buf, sizeof(buf));
	fdtw_begin_node(&w, "");
	fdtw_prop_u32(&w, "#address-cells", 1);
	fdtw_prop_u32(&w, "#size-cells", 1);
	fdtw_begin_node(&w, "dev@1000");	/* a unit address, no reg */
	fdtw_end_node(&w);
	fdtw_end_node(&w);
	size = fdtw_finish(&w);
	assert_true(size > 0);
	assert_int_equal(run_dtc(buf, (size_t)size, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "unit_address_vs_reg"));
}

/* ---- fdtw on its own --------------------------------------------------- */

/* Root alone: header 40, reservation 16, BEGIN_NODE "" 8, END_NODE 4,
 * END 4, no strings. */
static void fdtw_empty_root(void **state)
{
	_Alignas(8) uint8_t buf[128];
	struct fdtw w;

	(void)state;
	assert_int_equal(fdtw_init(&w, buf, sizeof(buf)), 0);
	assert_int_equal(fdtw_begin_node(&w, ""), 0);
	assert_int_equal(fdtw_end_node(&w), 0);
	assert_int_equal(fdtw_finish(&w), 72);
	check_blob(buf, 72);
	assert_int_equal(fdt_size_dt_strings(buf), 0);
	/* Spent. */
	assert_int_equal(fdtw_finish(&w), -FDTW_ESTATE);
}

static void fdtw_values(void **state)
{
	_Alignas(8) uint8_t buf[512];
	static const uint8_t odd[5] = { 1, 2, 3, 4, 5 };
	static const uint32_t cells[3] = { 0x01020304, 0, 0xffffffff };
	static const char *const strs[] = { "a", "", "bc" };
	const uint8_t *p;
	struct fdtw w;
	int size, len;

	(void)state;
	fdtw_init(&w, buf, sizeof(buf));
	fdtw_begin_node(&w, "");
	fdtw_prop(&w, "odd", odd, sizeof(odd));
	fdtw_prop_u32(&w, "u32", 0xdeadbeef);
	fdtw_prop_u64(&w, "u64", 0x0123456789abcdefULL);
	fdtw_prop_cells(&w, "cells", cells, 3);
	fdtw_prop_cells(&w, "no-cells", NULL, 0);
	fdtw_prop_str(&w, "str", "hello");
	fdtw_prop_strs(&w, "strs", strs, 3);
	fdtw_prop_empty(&w, "empty");
	fdtw_begin_node(&w, "child@1,2");
	fdtw_prop_u32(&w, "u32", 7);
	fdtw_end_node(&w);
	fdtw_begin_node(&w, "Abcdefghijklmnopqrstuvwxyz01234@x");
	fdtw_end_node(&w);
	fdtw_end_node(&w);
	size = fdtw_finish(&w);
	check_blob(buf, size);

	p = fdt_getprop(buf, 0, "odd", &len);
	assert_int_equal(len, 5);
	assert_memory_equal(p, odd, 5);
	/* 5.4.1: zero padding to the next token. */
	assert_int_equal(p[5] | p[6] | p[7], 0);
	expect_prop(buf, "/", "u32", "\xde\xad\xbe\xef", 4);
	expect_prop(buf, "/", "u64", "\x01\x23\x45\x67\x89\xab\xcd\xef", 8);
	EXPECT_CELLS(buf, "/", "cells", 0x01020304, 0, 0xffffffff);
	expect_prop(buf, "/", "no-cells", "", 0);
	EXPECT_STRS(buf, "/", "str", "hello");
	EXPECT_STRS(buf, "/", "strs", "a\0\0bc");
	expect_prop(buf, "/", "empty", "", 0);
	EXPECT_CELLS(buf, "/child@1,2", "u32", 7);
	node(buf, "/Abcdefghijklmnopqrstuvwxyz01234@x");
}

/*
 * Names are stored once; a name that ends another ("cells" in "#size-cells")
 * points into it, one that only starts another ("compat") does not.
 */
static void fdtw_strings_dedup(void **state)
{
	_Alignas(8) uint8_t buf[512];
	struct fdtw w;
	int size;

	(void)state;
	fdtw_init(&w, buf, sizeof(buf));
	fdtw_begin_node(&w, "");
	fdtw_prop_u32(&w, "#size-cells", 1);
	fdtw_prop_str(&w, "compatible", "x");
	fdtw_begin_node(&w, "n");
	fdtw_prop_u32(&w, "#size-cells", 2);
	fdtw_prop_u32(&w, "cells", 3);
	fdtw_prop_str(&w, "compatible", "y");
	fdtw_prop_u32(&w, "compat", 4);
	fdtw_end_node(&w);
	fdtw_end_node(&w);
	size = fdtw_finish(&w);
	check_blob(buf, size);
	assert_int_equal(fdt_size_dt_strings(buf), sizeof("#size-cells") +
			 sizeof("compatible") + sizeof("compat"));
	EXPECT_CELLS(buf, "/", "#size-cells", 1);
	EXPECT_STRS(buf, "/", "compatible", "x");
	EXPECT_CELLS(buf, "/n", "#size-cells", 2);
	EXPECT_CELLS(buf, "/n", "cells", 3);
	EXPECT_STRS(buf, "/n", "compatible", "y");
	EXPECT_CELLS(buf, "/n", "compat", 4);
	EXPECT_PROPS(buf, "/n", "#size-cells", "cells", "compatible", "compat");
}

/* Calls out of order: -FDTW_ESTATE, latched. */
static void fdtw_order(void **state)
{
	_Alignas(8) uint8_t buf[256];
	struct fdtw w;

	(void)state;
	fdtw_init(&w, buf, sizeof(buf));
	assert_int_equal(fdtw_prop_u32(&w, "a", 1), -FDTW_ESTATE);
	assert_int_equal(fdtw_begin_node(&w, ""), -FDTW_ESTATE);
	assert_int_equal(fdtw_finish(&w), -FDTW_ESTATE);

	fdtw_init(&w, buf, sizeof(buf));
	assert_int_equal(fdtw_begin_node(&w, "a"), -FDTW_ESTATE);

	fdtw_init(&w, buf, sizeof(buf));
	assert_int_equal(fdtw_end_node(&w), -FDTW_ESTATE);

	fdtw_init(&w, buf, sizeof(buf));
	assert_int_equal(fdtw_finish(&w), -FDTW_ESTATE);

	fdtw_init(&w, buf, sizeof(buf));
	fdtw_begin_node(&w, "");
	fdtw_end_node(&w);
	assert_int_equal(fdtw_begin_node(&w, ""), -FDTW_ESTATE);

	fdtw_init(&w, buf, sizeof(buf));
	fdtw_begin_node(&w, "");
	fdtw_end_node(&w);
	assert_int_equal(fdtw_end_node(&w), -FDTW_ESTATE);

	/* DTSpec 5.4.2: a node's properties before its children. */
	fdtw_init(&w, buf, sizeof(buf));
	fdtw_begin_node(&w, "");
	fdtw_begin_node(&w, "a");
	assert_int_equal(fdtw_prop_u32(&w, "in-a", 1), 0);
	assert_int_equal(fdtw_end_node(&w), 0);
	assert_int_equal(fdtw_begin_node(&w, "b"), 0);
	assert_int_equal(fdtw_end_node(&w), 0);
	assert_int_equal(fdtw_prop_u32(&w, "late", 1), -FDTW_ESTATE);

	fdtw_init(&w, buf, sizeof(buf));
	fdtw_begin_node(&w, "");
	fdtw_begin_node(&w, "a");
	fdtw_end_node(&w);
	assert_int_equal(fdtw_finish(&w), -FDTW_ESTATE);
}

static void fdtw_bad_args(void **state)
{
	static const char *const bad_nodes[] = {
		"", "1abc", "-a", "a/b", "a b", "a@", "a@b@c", "a@b/c",
		"abcdefghijklmnopqrstuvwxyz012345",	/* 32 */
		"abcdefghijklmnopqrstuvwxyz012345@1",
	};
	static const char *const bad_props[] = {
		"", "a b", "a/b", "a@b", "a=b",
		"abcdefghijklmnopqrstuvwxyz012345",	/* 32 */
	};
	static const char *const null_str[] = { "a", NULL };
	_Alignas(8) uint8_t buf[256];
	struct fdtw w;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bad_nodes); i++) {
		fdtw_init(&w, buf, sizeof(buf));
		fdtw_begin_node(&w, "");
		if (fdtw_begin_node(&w, bad_nodes[i]) != -FDTW_EINVAL)
			fail_msg("node name \"%s\" accepted", bad_nodes[i]);
		/* Latched: good calls report it, finish too. */
		assert_int_equal(fdtw_end_node(&w), -FDTW_EINVAL);
		assert_int_equal(fdtw_finish(&w), -FDTW_EINVAL);
	}
	for (i = 0; i < ARRAY_SIZE(bad_props); i++) {
		fdtw_init(&w, buf, sizeof(buf));
		fdtw_begin_node(&w, "");
		if (fdtw_prop_empty(&w, bad_props[i]) != -FDTW_EINVAL)
			fail_msg("property name \"%s\" accepted", bad_props[i]);
	}
	fdtw_init(&w, buf, sizeof(buf));
	fdtw_begin_node(&w, "");
	assert_int_equal(fdtw_prop_empty(&w, "ok,name_with.all+the?#chars-"), 0);
	assert_int_equal(fdtw_prop_empty(&w, "abcdefghijklmnopqrstuvwxyz01234"), 0);
	assert_int_equal(fdtw_begin_node(&w, "abcdefghijklmnopqrstuvwxyz01234@a,b.c_d+e-f"), 0);
	assert_int_equal(fdtw_end_node(&w), 0);
	assert_int_equal(fdtw_end_node(&w), 0);
	assert_true(fdtw_finish(&w) > 0);

	fdtw_init(&w, buf, sizeof(buf));
	fdtw_begin_node(&w, "");
	assert_int_equal(fdtw_prop(&w, "p", NULL, 1), -FDTW_EINVAL);
	fdtw_init(&w, buf, sizeof(buf));
	fdtw_begin_node(&w, "");
	assert_int_equal(fdtw_prop_cells(&w, "p", NULL, 1), -FDTW_EINVAL);
	fdtw_init(&w, buf, sizeof(buf));
	fdtw_begin_node(&w, "");
	assert_int_equal(fdtw_prop_strs(&w, "p", null_str, 2), -FDTW_EINVAL);
	fdtw_init(&w, buf, sizeof(buf));
	fdtw_begin_node(&w, "");
	assert_int_equal(fdtw_prop_u32(&w, NULL, 1), -FDTW_EINVAL);
	fdtw_init(&w, buf, sizeof(buf));
	assert_int_equal(fdtw_begin_node(&w, NULL), -FDTW_EINVAL);

	assert_int_equal(fdtw_init(&w, NULL, 100), -FDTW_EINVAL);
	assert_int_equal(fdtw_begin_node(&w, ""), -FDTW_EINVAL);
	assert_int_equal(fdtw_init(&w, buf, 55), -FDTW_ENOSPC);
	assert_int_equal(fdtw_begin_node(&w, ""), -FDTW_ENOSPC);
	assert_int_equal(fdtw_finish(&w), -FDTW_ENOSPC);
	assert_int_equal(fdtw_init(&w, buf, 56), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(vm_dt_one_vcpu),
		cmocka_unit_test(vm_dt_four_vcpus),
		cmocka_unit_test(vm_dt_every_vcpu_count),
		cmocka_unit_test(vm_dt_optional_chosen),
		cmocka_unit_test(vm_dt_other_layout),
		cmocka_unit_test(vm_dt_too_small_one_vcpu),
		cmocka_unit_test(vm_dt_too_small_four_vcpus),
		cmocka_unit_test(vm_dt_unaligned_buffer),
		cmocka_unit_test(vm_dt_max_size),
		cmocka_unit_test(vm_dt_bad_desc),
		cmocka_unit_test(vm_dt_dtc),
		cmocka_unit_test(dtc_reports_warnings),
		cmocka_unit_test(fdtw_empty_root),
		cmocka_unit_test(fdtw_values),
		cmocka_unit_test(fdtw_strings_dedup),
		cmocka_unit_test(fdtw_order),
		cmocka_unit_test(fdtw_bad_args),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/*
 * The arm64 boot protocol (Linux Documentation/arm64/booting.rst) for a
 * VM: the Image at a 2 MiB-aligned base plus its text_offset, the
 * initramfs and the device tree further up in RAM, written by s2hyp
 * through its own mapping of the memslot's frames (stage 2 stays empty:
 * the guest faults its pages in); vCPU 0 enters at EL1h with the MMU and
 * caches off, x0 = the device tree's IPA, x1..x3 = 0.
 */
#include "vm.h"
#include "sched.h"
#include "linux.h"
#include "linux_bootargs.h"
#include "vgic.h"
#include "vm_dt.h"

#include <s2mm/error.h>

struct linux_images linux_images;

/* The Image header (booting.rst section 4). */
#define IMAGE_TEXT_OFFSET	0x08
#define IMAGE_SIZE		0x10
#define IMAGE_FLAGS		0x18
#define IMAGE_MAGIC		0x38
#define IMAGE_MAGIC_ARM64	0x644d5241U	/* "ARM\x64" */
#define IMAGE_FLAGS_BE		(1ULL << 0)
/* Images older than 3.17 have image_size 0 and text_offset 0x80000. */
#define IMAGE_OLD_TEXT_OFFSET	0x80000ULL

#define SZ_2M			0x200000ULL
#define DTB_MAX			(64 * 1024ULL)

/* An IPA with nothing behind it (no memslot, no device; on QEMU's own virt
 * it would be virtio-mmio): test=linux probe-vm=N has guest N's /init
 * read it, which must end in an external abort for that guest alone. */
#define LINUX_PROBE_IPA		0x0a000000UL

static uint64_t le64(const void *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* The kernel's placement: text_offset and the bytes it may use. */
static int image_layout(const struct linux_images *li, uint64_t *text_offset,
			uint64_t *size)
{
	const uint8_t *h = (const uint8_t *)li->image_pa;
	uint32_t magic;

	if (!li->image_pa || li->image_size < 0x40) {
		hyp_printf("linux: no kernel Image (linux=PA,SIZE)\n");
		return -S2_EINVAL;
	}
	memcpy(&magic, h + IMAGE_MAGIC, sizeof(magic));
	if (magic != IMAGE_MAGIC_ARM64) {
		hyp_printf("linux: not an arm64 Image (magic %x)\n", magic);
		return -S2_EINVAL;
	}
	if (le64(h + IMAGE_FLAGS) & IMAGE_FLAGS_BE) {
		hyp_printf("linux: big-endian kernel: not supported\n");
		return -S2_EINVAL;
	}
	*text_offset = le64(h + IMAGE_TEXT_OFFSET);
	*size = le64(h + IMAGE_SIZE);
	if (!*size) {
		*text_offset = IMAGE_OLD_TEXT_OFFSET;
		*size = li->image_size;
	}
	if (*size < li->image_size)
		*size = li->image_size;
	return 0;
}

static void vm_kick(void *ctx, unsigned int vcpu)
{
	struct hyp_vm *vm = ctx;

	sched_kick(&vm->vcpus[vcpu]);
}

/* The kernel command line: the console, the initramfs's /init, and the
 * options the guest's /init reads. */
static void linux_bootargs_for(char *buf, size_t n, const struct linux_guest *g)
{
	int len = hyp_snprintf(buf, n, "%s", LINUX_BOOTARGS);

	if (g->probe)
		len += hyp_snprintf(buf + len, n - (size_t)len,
				    " s2mm.probe=0x%lx", LINUX_PROBE_IPA);
	if (g->fill >= 0)
		len += hyp_snprintf(buf + len, n - (size_t)len, " s2mm.fill=%d",
				    g->fill);
	if (g->harness)
		hyp_snprintf(buf + len, n - (size_t)len, " s2mm.harness=0x%lx",
			     LINUX_HARNESS_IPA);
}

int linux_vm_devices(struct hyp_vm *vm)
{
	int ret = vgic_init(&vm->vgic, vm->cfg.nr_vcpus, vm_kick, vm);

	if (ret)
		return ret;
	/* The guest's GIC CPU interface is the GICV frame itself: mapped up
	 * front like KVM's, so its IAR/EOIR accesses never trap. */
	return s2_pgtable_map(&vm->mm.pgt, VGIC_GICC_IPA, VGIC_GICC_SIZE,
			      VGIC_GICV_PA, S2_PROT_RW | S2_PROT_DEVICE, 0);
}

int linux_vm_create(struct hyp_vm *vm, unsigned int id,
		    const struct linux_guest *g)
{
	static char bootargs[HYP_MAX_CPUS][192];
	char *args = bootargs[this_cpu()->id];
	uint64_t ram_size = g->ram_size;
	unsigned int nr_vcpus = g->nr_vcpus;
	const struct linux_images *li = &linux_images;
	struct vm_config cfg = {
		.ram_size = ram_size, .linux = true, .preempt = true,
		.nr_vcpus = nr_vcpus, .pager = g->pager,
	};
	struct vm_dt_desc dt = {
		.ram_ipa = GUEST_RAM_IPA, .ram_size = ram_size,
		.nr_vcpus = nr_vcpus, .gicd_ipa = VGIC_GICD_IPA,
		.gicc_ipa = VGIC_GICC_IPA, .uart_ipa = VPL011_IPA,
		.uart_spi = VPL011_SPI, .bootargs = args,
	};
	uint64_t text_offset, kernel_size, initrd_off, dtb_off;
	void *dtb;
	int ret, dtb_size;

	linux_bootargs_for(args, sizeof(bootargs[0]), g);
	ret = image_layout(li, &text_offset, &kernel_size);
	if (ret)
		return ret;
	/* Kernel at the 2 MiB-aligned start of RAM; the initramfs above the
	 * kernel's whole footprint (image_size counts its BSS); the DTB
	 * above that, 8-byte aligned and in its own 64 KiB. */
	/* Each term below RAM's size first: the header's fields are the
	 * file's, and their sum must not wrap. */
	if (text_offset >= ram_size || kernel_size >= ram_size ||
	    li->initrd_size >= ram_size) {
		hyp_printf("linux: %lu MiB of RAM cannot hold the kernel "
			   "(text_offset %lx, image_size %lx)\n",
			   ram_size >> 20, text_offset, kernel_size);
		return -S2_EINVAL;
	}
	initrd_off = ALIGN_UP(text_offset + kernel_size, SZ_2M);
	dtb_off = ALIGN_UP(initrd_off + li->initrd_size, SZ_2M);
	if (dtb_off + DTB_MAX > ram_size) {
		hyp_printf("linux: %lu MiB of RAM cannot hold the kernel, "
			   "initramfs and device tree\n", ram_size >> 20);
		return -S2_EINVAL;
	}
	ret = vm_create(vm, id, &cfg);
	if (ret)
		return ret;
	/* The guest starts with its MMU and caches off: all it reads is
	 * cleaned to the PoC as it is written, and no stale instructions
	 * (booting.rst section 5). */
	ret = vm_ram_copy_in(vm, text_offset, (void *)li->image_pa,
			     li->image_size);
	if (!ret && li->initrd_size) {
		ret = vm_ram_copy_in(vm, initrd_off, (void *)li->initrd_pa,
				     li->initrd_size);
		dt.initrd_start = GUEST_RAM_IPA + initrd_off;
		dt.initrd_end = dt.initrd_start + li->initrd_size;
	}
	if (ret)
		goto fail;
	dtb = palloc_zalloc_bytes(DTB_MAX);
	ret = -S2_ENOMEM;
	if (!dtb)
		goto fail;
	dtb_size = vm_dt_build(dtb, DTB_MAX, &dt);
	if (dtb_size < 0) {
		hyp_printf("linux: vm_dt_build: %d\n", dtb_size);
		palloc_free_bytes(dtb, DTB_MAX);
		ret = -S2_EINVAL;
		goto fail;
	}
	ret = vm_ram_copy_in(vm, dtb_off, dtb, (uint64_t)dtb_size);
	palloc_free_bytes(dtb, DTB_MAX);
	if (ret)
		goto fail;
	__asm__ volatile("ic ialluis; dsb ish; isb" ::: "memory");

	ret = linux_vm_devices(vm);
	if (ret)
		goto fail;
	vcpu_reset(&vm->vcpus[0], GUEST_RAM_IPA + text_offset,
		   GUEST_RAM_IPA + dtb_off);
	hyp_printf("vm%u: Linux, %u vCPUs, %lu MiB; kernel %lu bytes at %lx, "
		   "initramfs %lu bytes at %lx, DTB %d bytes at %lx\n", id,
		   nr_vcpus, ram_size >> 20, li->image_size,
		   GUEST_RAM_IPA + text_offset, li->initrd_size,
		   GUEST_RAM_IPA + initrd_off, dtb_size, GUEST_RAM_IPA + dtb_off);
	return 0;
fail:
	vm_destroy(vm);
	return ret;
}

// SPDX-License-Identifier: MIT
//
// Built by tests/install/install.sh with the system C++ compiler against
// the installed libs2mm and libs2mm-model, found through pkg-config alone:
// a VM takes a stage-2 translation fault the MMU model encodes and maps
// the block behind it. Its first line must match use_c.c's: C and C++
// must agree on the layout of what embedders allocate.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>

#include <s2mm/error.h>
#include <s2mm/geometry.h>
#include <s2mm/mmu.h>
#include <s2mm/vm.h>

namespace {

// Table pages from the C++ heap, PA = VA.
std::map<void *, uint32_t> pages;

void *zalloc(void *, size_t size)
{
	void *p = std::aligned_alloc(size, size);
	if (!p)
		return nullptr;
	std::memset(p, 0, size);
	pages[p] = 0;
	return p;
}

void release(void *, void *va, size_t)
{
	pages.erase(va);
	std::free(va);
}

uint32_t *refcount(void *, void *va) { return &pages.at(va); }
uint64_t virt_to_phys(void *, void *va) { return reinterpret_cast<uintptr_t>(va); }
void *phys_to_virt(void *, uint64_t pa) { return reinterpret_cast<void *>(pa); }
void tlbi_ipa(void *, const s2_pgtable *, uint64_t, unsigned int) {}
void tlbi_vmid(void *, const s2_pgtable *) {}

int fail(int line, const char *what)
{
	std::fprintf(stderr, "use_cxx.cpp:%d: %s\n", line, what);
	return 1;
}

} // namespace

#define CHECK(c)                                                               \
	do {                                                                   \
		if (!(c))                                                      \
			return fail(__LINE__, #c);                             \
	} while (0)

int main()
{
	std::printf("layout %zu %zu %zu %zu %zu\n", sizeof(s2_vm),
		    offsetof(s2_vm, stats), sizeof(s2_vmid_alloc),
		    offsetof(s2_vmid_alloc, lock), offsetof(s2_vmid_alloc, cpu));

	s2_mm_ops ops = {};
	ops.zalloc = zalloc;
	ops.free = release;
	ops.refcount = refcount;
	ops.virt_to_phys = virt_to_phys;
	ops.phys_to_virt = phys_to_virt;
	ops.tlbi_ipa = tlbi_ipa;
	ops.tlbi_vmid = tlbi_vmid;

	s2_geom g;
	CHECK(s2_geom_init(&g, 4096, 40, 48, S2_START_LEVEL_AUTO) == 0);
	static s2_vm vm;
	CHECK(s2_vm_init(&vm, &g, &ops) == 0);
	s2_memslot slot = {};
	slot.id = 1;
	slot.ipa = 0x40000000;
	slot.size = 2 << 20;
	slot.pa = 0x80000000;
	CHECK(s2_vm_slot_add(&vm, &slot) == 0);
	CHECK(s2_vm_slot_add(&vm, &slot) == -S2_EEXIST);

	// The guest (MMU off) writes to 0x40001008: a level-1 translation
	// fault in an empty table, as the CPU would report it.
	s2_mmu_fault f = {};
	f.type = S2_MMU_FAULT_TRANSLATION;
	f.level = 1;
	f.stage = 2;
	f.acc = S2_MMU_WRITE;
	f.el = 1;
	f.ipa_valid = true;
	f.va = 0x40001008;
	f.ipa = 0x40001008;
	s2_abort abt = {};
	CHECK(s2_mmu_esr(&f, nullptr, &abt.esr) == 0);
	CHECK(s2_mmu_hpfar(&f, &abt.hpfar) == 0);
	abt.far = s2_mmu_far(&f);
	CHECK(s2_hpfar_valid(abt.esr) && !s2_hpfar_needs_at(abt.esr));
	CHECK(abt.hpfar == s2_hpfar_from_ipa(f.ipa));

	s2_exit ex;
	CHECK(s2_vm_handle_abort(&vm, &abt, &ex) == 0);
	CHECK(ex.reason == S2_EXIT_RESUME && ex.ipa == 0x40001008);
	uint64_t desc;
	int level;
	CHECK(s2_pgtable_lookup(&vm.pgt, 0x40001000, &desc, &level) == 0);
	CHECK(level == 2 && s2_geom_desc_to_oa(&g, desc) == 0x80000000);
	CHECK(s2_pgtable_desc_prot(desc) & S2_PROT_W);
	CHECK(vm.stats.translation == 1 && vm.stats.block_maps == 1);

	s2_vm_destroy(&vm);
	CHECK(pages.empty());
	std::printf("c++: ok\n");
	return 0;
}

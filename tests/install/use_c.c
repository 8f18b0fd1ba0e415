/* SPDX-License-Identifier: MIT */
/*
 * Built by tests/install/install.sh against an installed libs2mm, found
 * through pkg-config alone: maps a block and a page and reads them back.
 * Its first line (the layout of the structs embedders allocate) must
 * match use_cxx.cpp's, which sees the same headers as C++.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <s2mm/error.h>
#include <s2mm/geometry.h>
#include <s2mm/pgtable.h>
#include <s2mm/vm.h>

#define MAX_PAGES 64

/* Host pages, PA = VA: the library only needs the two to round-trip. */
static struct {
	void *va;
	uint32_t rc;
} pages[MAX_PAGES];
static int live;

static void *t_zalloc(void *ctx, size_t size)
{
	(void)ctx;
	for (int i = 0; i < MAX_PAGES; i++) {
		if (pages[i].va)
			continue;
		pages[i].va = aligned_alloc(size, size);
		if (!pages[i].va)
			return NULL;
		memset(pages[i].va, 0, size);
		live++;
		return pages[i].va;
	}
	return NULL;
}

static void t_free(void *ctx, void *va, size_t size)
{
	(void)ctx;
	(void)size;
	for (int i = 0; i < MAX_PAGES; i++) {
		if (pages[i].va == va) {
			free(va);
			pages[i].va = NULL;
			live--;
		}
	}
}

static uint32_t *t_refcount(void *ctx, void *va)
{
	(void)ctx;
	for (int i = 0; i < MAX_PAGES; i++)
		if (pages[i].va == va)
			return &pages[i].rc;
	abort();
}

static uint64_t t_virt_to_phys(void *ctx, void *va)
{
	(void)ctx;
	return (uint64_t)(uintptr_t)va;
}

static void *t_phys_to_virt(void *ctx, uint64_t pa)
{
	(void)ctx;
	return (void *)(uintptr_t)pa;
}

static int tlbis;

static void t_tlbi_ipa(void *ctx, const struct s2_pgtable *pgt, uint64_t ipa,
		       unsigned int level)
{
	(void)ctx, (void)pgt, (void)ipa, (void)level;
	tlbis++;
}

static void t_tlbi_vmid(void *ctx, const struct s2_pgtable *pgt)
{
	(void)ctx, (void)pgt;
	tlbis++;
}

static const struct s2_mm_ops ops = {
	.zalloc = t_zalloc, .free = t_free, .refcount = t_refcount,
	.virt_to_phys = t_virt_to_phys, .phys_to_virt = t_phys_to_virt,
	.tlbi_ipa = t_tlbi_ipa, .tlbi_vmid = t_tlbi_vmid,
};

#define CHECK(c)                                                              \
	do {                                                                  \
		if (!(c)) {                                                   \
			fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, #c); \
			return 1;                                             \
		}                                                             \
	} while (0)

int main(void)
{
	struct s2_geom g;
	struct s2_pgtable pgt;
	uint64_t desc;
	int level;

	printf("layout %zu %zu %zu %zu %zu\n", sizeof(struct s2_vm),
	       offsetof(struct s2_vm, stats), sizeof(struct s2_vmid_alloc),
	       offsetof(struct s2_vmid_alloc, lock),
	       offsetof(struct s2_vmid_alloc, cpu));

	CHECK(s2_geom_init(&g, 4096, 40, 48, S2_START_LEVEL_AUTO) == 0);
	CHECK(s2_pgtable_init(&pgt, &g, &ops, NULL) == 0);
	CHECK(s2_pgtable_map(&pgt, 0x40000000, 2 << 20, 0x80000000, S2_PROT_RW, 0) == 0);
	CHECK(s2_pgtable_map(&pgt, 0x40400000, 4096, 0x12345000, S2_PROT_R, 0) == 0);

	CHECK(s2_pgtable_lookup(&pgt, 0x40001000, &desc, &level) == 0);
	CHECK(level == 2 && s2_geom_desc_to_oa(&g, desc) == 0x80000000);
	CHECK(s2_pgtable_desc_prot(desc) == S2_PROT_RW);
	CHECK(s2_pgtable_lookup(&pgt, 0x40400000, &desc, &level) == 0);
	CHECK(level == 3 && s2_geom_desc_to_oa(&g, desc) == 0x12345000);
	CHECK(s2_pgtable_desc_prot(desc) == S2_PROT_R);

	CHECK(s2_pgtable_unmap(&pgt, 0x40000000, 2 << 20) == 0);
	CHECK(s2_pgtable_lookup(&pgt, 0x40001000, &desc, &level) == -S2_ENOENT);
	CHECK(tlbis > 0);
	CHECK(!strcmp(s2_strerror(-S2_ENOENT), s2_strerror(S2_ENOENT)));
	s2_pgtable_destroy(&pgt);
	CHECK(live == 0);
	printf("c: ok\n");
	return 0;
}

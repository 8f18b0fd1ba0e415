/* SPDX-License-Identifier: MIT */
/*
 * Just enough flattened device tree (DTSpec v0.4 ch. 5) to find the RAM
 * (/memory@...: reg, two cells each on QEMU virt) and /chosen/bootargs.
 */
#include "hyp.h"

#define FDT_MAGIC	0xd00dfeed
#define FDT_BEGIN_NODE	1
#define FDT_END_NODE	2
#define FDT_PROP	3
#define FDT_NOP		4
#define FDT_END		9

static uint32_t be32(const void *p)
{
	const uint8_t *b = p;

	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	       (uint32_t)b[2] << 8 | b[3];
}

bool fdt_valid(const void *fdt)
{
	return fdt && be32(fdt) == FDT_MAGIC;
}

/*
 * Find property @prop of the first node at depth 1 whose name starts with
 * @node. Return: the value (length in *len), or NULL.
 */
static const void *fdt_find(const void *fdt, const char *node,
			    const char *prop, uint32_t *len)
{
	const uint8_t *base = fdt;
	const uint8_t *p = base + be32(base + 8);
	const char *strings = (const char *)base + be32(base + 12);
	size_t nlen = strlen(node);
	int depth = 0;
	bool in_node = false;

	for (;;) {
		uint32_t tok = be32(p);

		p += 4;
		switch (tok) {
		case FDT_BEGIN_NODE: {
			const char *name = (const char *)p;

			depth++;
			in_node = depth == 2 && strncmp(name, node, nlen) == 0 &&
				  (name[nlen] == '\0' || name[nlen] == '@');
			p += ALIGN_UP(strlen(name) + 1, 4);
			break;
		}
		case FDT_END_NODE:
			depth--;
			in_node = false;
			break;
		case FDT_PROP: {
			uint32_t l = be32(p), off = be32(p + 4);

			if (in_node && strncmp(strings + off, prop, 64) == 0) {
				*len = l;
				return p + 8;
			}
			p += 8 + ALIGN_UP(l, 4);
			break;
		}
		case FDT_NOP:
			break;
		default:
			return NULL;
		}
	}
}

int fdt_memory(const void *fdt, uint64_t *base, uint64_t *size)
{
	const uint8_t *reg;
	uint32_t len;

	if (!fdt_valid(fdt))
		return -1;
	reg = fdt_find(fdt, "memory", "reg", &len);
	if (!reg || len < 16)
		return -1;
	*base = (uint64_t)be32(reg) << 32 | be32(reg + 4);
	*size = (uint64_t)be32(reg + 8) << 32 | be32(reg + 12);
	return 0;
}

const char *fdt_bootargs(const void *fdt)
{
	uint32_t len;

	if (!fdt_valid(fdt))
		return NULL;
	return fdt_find(fdt, "chosen", "bootargs", &len);
}

/* SPDX-License-Identifier: MIT */
/*
 * Flattened device tree writer (see fdtw.h). The finished blob is laid out
 * as DTSpec v0.4 5.1 shows it: header, memory reservation block, structure
 * block, strings block. Every multi-byte field is stored a byte at a time:
 * the caller's buffer may be unaligned and s2hyp builds with -mstrict-align.
 */
#include "fdtw.h"

#if __STDC_HOSTED__
#include <string.h>
#else
/*
 * s2hyp: the cross toolchain has no C library headers. hyp/lib.c defines
 * these; hyp.h declares them with the same prototypes, which are <string.h>'s.
 */
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
void *memset(void *s, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
#endif

/* DTSpec v0.4 5.2: header fields; 5.4.1: structure block tokens. */
#define FDT_MAGIC		0xd00dfeedU
#define FDT_VERSION		17
#define FDT_LAST_COMP_VERSION	16
#define FDT_BEGIN_NODE		0x1U
#define FDT_END_NODE		0x2U
#define FDT_PROP		0x3U
#define FDT_END			0x9U

/* struct fdt_header (5.2): ten big-endian u32s. */
#define HDR_SIZE		40
/*
 * 5.3.2: the memory reservation block is 8-byte aligned and ends with an
 * entry whose address and size are both 0; ours is that entry alone.
 */
#define RSV_OFF			HDR_SIZE
#define RSV_SIZE		16
/* 5.4: the structure block is 4-byte aligned; 56 is. */
#define STRUCT_OFF		(RSV_OFF + RSV_SIZE)
/* FDT_PROP's payload before the value: len and nameoff (5.4.1). */
#define PROP_HDR		12

/* DTSpec 2.2.1 (node-name) and 2.2.4 (property name): 1 to 31 characters. */
#define NAME_MAX_LEN		31
/* Table 2.1 (node names, unit addresses) and Table 2.2 (property names). */
#define NODE_NAME_PUNCT		",._+-"
#define PROP_NAME_PUNCT		",._+?#-"

/* The DTB's sizes are u32; fdtw_finish() returns the total as an int. */
#define FDTW_MAX_SIZE		0x7fffffffU

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* 5.4.1: every token, and so every node name and property value, is
 * followed by zero padding up to a 4-byte boundary. */
static uint32_t align4(uint32_t n)
{
	return (n + 3) & ~3U;
}

/* Latch the first error; later calls report it unchanged. */
static int fail(struct fdtw *w, int err)
{
	if (!w->err)
		w->err = err;
	return w->err;
}

/* Free bytes between the structure block and the strings at the end. */
static uint32_t room(const struct fdtw *w)
{
	return w->size - w->strings - w->off;
}

static bool name_char(char c, const char *punct)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z'))
		return true;
	for (; *punct; punct++)
		if (c == *punct)
			return true;
	return false;
}

/*
 * DTSpec 2.2.1: node-name[@unit-address], the node-name starting with a
 * letter. Return: the name's length, or 0 if it breaks the rule.
 */
static size_t node_name_len(const char *name)
{
	size_t i, unit;

	if (!((name[0] >= 'a' && name[0] <= 'z') ||
	      (name[0] >= 'A' && name[0] <= 'Z')))
		return 0;
	for (i = 0; name[i] && name[i] != '@'; i++)
		if (!name_char(name[i], NODE_NAME_PUNCT))
			return 0;
	if (i > NAME_MAX_LEN)
		return 0;
	if (!name[i])
		return i;
	for (unit = ++i; name[i]; i++)
		if (!name_char(name[i], NODE_NAME_PUNCT))
			return 0;
	return i > unit ? i : 0;
}

/* DTSpec 2.2.4, Table 2.2. Return: the name's length, or 0 if bad. */
static size_t prop_name_len(const char *name)
{
	size_t i;

	for (i = 0; name[i]; i++)
		if (i == NAME_MAX_LEN || !name_char(name[i], PROP_NAME_PUNCT))
			return 0;
	return i;
}

/*
 * Find @s (@len bytes and its NUL) in the strings block, or append it.
 * Return: its distance from the end of the buffer (at least 2), or 0 after
 * latching -FDTW_ENOSPC. The distance stands in for nameoff until
 * fdtw_finish() knows where the block starts.
 */
static uint32_t add_string(struct fdtw *w, const char *s, uint32_t len)
{
	const uint8_t *tab = w->buf + w->size - w->strings;
	uint32_t i;

	/*
	 * A match may be the tail of a longer name ("cells" inside
	 * "#size-cells"): still a NUL-terminated string at that offset, which
	 * is all nameoff needs (5.4.1, 5.5).
	 */
	for (i = 0; i + len + 1 <= w->strings; i++)
		if (memcmp(tab + i, s, len + 1) == 0)
			return w->strings - i;
	if (len + 1 > room(w)) {
		fail(w, -FDTW_ENOSPC);
		return 0;
	}
	w->strings += len + 1;
	memcpy(w->buf + w->size - w->strings, s, len + 1);
	return w->strings;
}

int fdtw_init(struct fdtw *w, void *buf, size_t size)
{
	*w = (struct fdtw){ .buf = buf, .off = STRUCT_OFF };
	if (!buf && size)
		return fail(w, -FDTW_EINVAL);
	w->size = size > FDTW_MAX_SIZE ? FDTW_MAX_SIZE : (uint32_t)size;
	/* The header and reservation block are written last, at finish. */
	if (w->size < STRUCT_OFF)
		return fail(w, -FDTW_ENOSPC);
	return 0;
}

int fdtw_begin_node(struct fdtw *w, const char *name)
{
	uint32_t need;
	size_t len;
	uint8_t *p;

	if (w->err)
		return w->err;
	if (!name)
		return fail(w, -FDTW_EINVAL);
	if (!w->depth) {
		/* 5.4.2: the tree has one root, whose name is empty (5.4.1). */
		if (w->root_done || name[0])
			return fail(w, -FDTW_ESTATE);
		len = 0;
	} else {
		len = node_name_len(name);
		if (!len)
			return fail(w, -FDTW_EINVAL);
	}
	need = 4 + align4((uint32_t)len + 1);
	if (need > room(w))
		return fail(w, -FDTW_ENOSPC);
	p = w->buf + w->off;
	put_be32(p, FDT_BEGIN_NODE);
	memcpy(p + 4, name, len);
	memset(p + 4 + len, 0, need - 4 - len);
	w->off += need;
	w->depth++;
	w->root_done = true;
	w->after_child = false;
	return 0;
}

int fdtw_end_node(struct fdtw *w)
{
	if (w->err)
		return w->err;
	if (!w->depth)
		return fail(w, -FDTW_ESTATE);
	if (room(w) < 4)
		return fail(w, -FDTW_ENOSPC);
	put_be32(w->buf + w->off, FDT_END_NODE);
	w->off += 4;
	w->depth--;
	/* Back in the parent, which now has a child: 5.4.2 puts its
	 * properties before its children. */
	w->after_child = true;
	return 0;
}

/*
 * Emit FDT_PROP, len, nameoff and @len bytes of zeroed value plus padding.
 * Return: where the value goes, or NULL with the error latched.
 */
static uint8_t *prop_begin(struct fdtw *w, const char *name, size_t len)
{
	uint32_t dist, need;
	size_t nlen;
	uint8_t *p;

	if (w->err)
		return NULL;
	if (!w->depth || w->after_child) {
		fail(w, -FDTW_ESTATE);
		return NULL;
	}
	nlen = name ? prop_name_len(name) : 0;
	if (!nlen) {
		fail(w, -FDTW_EINVAL);
		return NULL;
	}
	if (len > FDTW_MAX_SIZE - PROP_HDR - 3) {
		fail(w, -FDTW_ENOSPC);
		return NULL;
	}
	dist = add_string(w, name, (uint32_t)nlen);
	if (!dist)
		return NULL;
	need = PROP_HDR + align4((uint32_t)len);
	if (need > room(w)) {
		fail(w, -FDTW_ENOSPC);
		return NULL;
	}
	p = w->buf + w->off;
	put_be32(p, FDT_PROP);
	put_be32(p + 4, (uint32_t)len);
	put_be32(p + 8, dist);
	memset(p + PROP_HDR, 0, need - PROP_HDR);
	w->off += need;
	return p + PROP_HDR;
}

int fdtw_prop(struct fdtw *w, const char *name, const void *data, size_t len)
{
	uint8_t *p;

	if (!w->err && !data && len)
		return fail(w, -FDTW_EINVAL);
	p = prop_begin(w, name, len);
	if (!p)
		return w->err;
	if (len)
		memcpy(p, data, len);
	return 0;
}

int fdtw_prop_empty(struct fdtw *w, const char *name)
{
	return fdtw_prop(w, name, NULL, 0);
}

int fdtw_prop_cells(struct fdtw *w, const char *name, const uint32_t *cells,
		    size_t n)
{
	uint8_t *p;
	size_t i;

	if (w->err)
		return w->err;
	if (!cells && n)
		return fail(w, -FDTW_EINVAL);
	if (n > FDTW_MAX_SIZE / 4)
		return fail(w, -FDTW_ENOSPC);
	p = prop_begin(w, name, n * 4);
	if (!p)
		return w->err;
	/* 2.2.4.2: cells are big-endian, whatever the CPU. */
	for (i = 0; i < n; i++)
		put_be32(p + 4 * i, cells[i]);
	return 0;
}

int fdtw_prop_u32(struct fdtw *w, const char *name, uint32_t v)
{
	return fdtw_prop_cells(w, name, &v, 1);
}

int fdtw_prop_u64(struct fdtw *w, const char *name, uint64_t v)
{
	/* 2.2.4.2: <u64> is two cells, the most significant first. */
	const uint32_t cells[2] = { (uint32_t)(v >> 32), (uint32_t)v };

	return fdtw_prop_cells(w, name, cells, 2);
}

int fdtw_prop_str(struct fdtw *w, const char *name, const char *s)
{
	return fdtw_prop_strs(w, name, &s, 1);
}

int fdtw_prop_strs(struct fdtw *w, const char *name, const char *const *strs,
		   size_t n)
{
	size_t i, len = 0, l;
	uint8_t *p;

	if (w->err)
		return w->err;
	if (!strs && n)
		return fail(w, -FDTW_EINVAL);
	for (i = 0; i < n; i++) {
		if (!strs[i])
			return fail(w, -FDTW_EINVAL);
		l = strlen(strs[i]) + 1;
		if (l > FDTW_MAX_SIZE - len)
			return fail(w, -FDTW_ENOSPC);
		len += l;
	}
	p = prop_begin(w, name, len);
	if (!p)
		return w->err;
	for (i = 0; i < n; i++) {
		l = strlen(strs[i]) + 1;
		memcpy(p, strs[i], l);
		p += l;
	}
	return 0;
}

/*
 * Turn each FDT_PROP's distance-from-the-end (add_string()) into nameoff,
 * the offset in the strings block (5.4.1), now that its size is final.
 */
static void fix_nameoffs(struct fdtw *w)
{
	uint8_t *p = w->buf + STRUCT_OFF, *end = w->buf + w->off;

	while (p < end) {
		uint32_t tok = get_be32(p);

		p += 4;
		if (tok == FDT_BEGIN_NODE) {
			p += align4((uint32_t)strlen((const char *)p) + 1);
		} else if (tok == FDT_PROP) {
			put_be32(p + 4, w->strings - get_be32(p + 4));
			p += 8 + align4(get_be32(p));
		}
		/* FDT_END_NODE and FDT_END carry nothing. */
	}
}

int fdtw_finish(struct fdtw *w)
{
	uint32_t strings_off, total;
	uint8_t *h = w->buf;

	if (w->err)
		return w->err;
	if (!w->root_done || w->depth)
		return fail(w, -FDTW_ESTATE);
	if (room(w) < 4)
		return fail(w, -FDTW_ENOSPC);
	put_be32(w->buf + w->off, FDT_END);
	w->off += 4;

	/* 5.5: the strings block needs no alignment; it goes right after. */
	strings_off = w->off;
	memmove(w->buf + strings_off, w->buf + w->size - w->strings,
		w->strings);
	fix_nameoffs(w);
	total = strings_off + w->strings;

	put_be32(h + 0, FDT_MAGIC);
	put_be32(h + 4, total);				/* totalsize */
	put_be32(h + 8, STRUCT_OFF);			/* off_dt_struct */
	put_be32(h + 12, strings_off);			/* off_dt_strings */
	put_be32(h + 16, RSV_OFF);			/* off_mem_rsvmap */
	put_be32(h + 20, FDT_VERSION);
	put_be32(h + 24, FDT_LAST_COMP_VERSION);
	/* 5.2: the boot CPU's reg; always 0 here (fdtw.h). */
	put_be32(h + 28, 0);				/* boot_cpuid_phys */
	put_be32(h + 32, w->strings);			/* size_dt_strings */
	put_be32(h + 36, strings_off - STRUCT_OFF);	/* size_dt_struct */
	memset(h + RSV_OFF, 0, RSV_SIZE);

	/* Spent: a second finish would move the strings again. */
	w->err = -FDTW_ESTATE;
	return (int)total;
}

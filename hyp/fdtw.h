/* SPDX-License-Identifier: MIT */
/*
 * fdtw: a sequential writer of flattened device trees (DTB format version
 * 17, last compatible version 16; Devicetree Specification v0.4 ch. 5) into
 * a caller's buffer. No allocation and no libc beyond memcpy/memmove/memset/
 * strlen, so the same file builds into s2hyp (freestanding AArch64) and
 * into host tests.
 *
 * Usage: fdtw_init(), then fdtw_begin_node(w, "") for the root, properties
 * and child nodes in tree order (a node's properties before its children,
 * DTSpec 5.4.2), the matching fdtw_end_node() calls, and fdtw_finish().
 * The first error is latched: every later call returns it and does nothing,
 * so a builder may check only the result of fdtw_finish().
 *
 * While the tree is being written, the structure block grows up from the
 * front of the buffer and the strings block grows down from its end;
 * fdtw_finish() moves the strings next to the structure block. The buffer
 * therefore needs room for the whole DTB and nothing more, and no byte at or
 * past buf + size is ever written. Linux wants the DTB 8-byte aligned
 * (Documentation/arm64/booting.rst in 6.1): that is up to the caller's buf.
 */
#ifndef S2HYP_FDTW_H
#define S2HYP_FDTW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Error codes, returned negated (-FDTW_ENOSPC). Values follow the POSIX
 * errno numbers, as libs2mm's do (include/s2mm/error.h).
 */
enum fdtw_error {
	FDTW_ESTATE = 1,	/* call out of order (EPERM): see fdtw_*() */
	FDTW_EINVAL = 22,	/* bad name or argument */
	FDTW_ENOSPC = 28,	/* the DTB does not fit in the buffer */
};

/* Everything in here is private to fdtw.c; sizes fit the DTB's u32s. */
struct fdtw {
	uint8_t *buf;
	uint32_t size;		/* usable bytes at buf */
	uint32_t off;		/* end of the structure block written so far */
	uint32_t strings;	/* bytes of strings, at buf + size - strings */
	uint32_t depth;		/* nodes open */
	bool root_done;		/* the root node has been begun */
	bool after_child;	/* the open node has had a child: no more props */
	int err;		/* first error (negative), latched */
};

/**
 * fdtw_init() - Start a DTB in a caller's buffer.
 * @w: the writer state.
 * @buf: where the DTB goes; any alignment (written byte by byte where it
 *	matters), but Linux wants 8.
 * @size: bytes available at @buf; only the first 2 GiB - 1 are used
 *	(fdtw_finish() returns the DTB's size as an int).
 *
 * Return: 0, or -FDTW_ENOSPC if @size cannot even hold the header and the
 * memory reservation block (then latched in @w). -FDTW_EINVAL if @buf is
 * NULL with a non-zero @size.
 */
int fdtw_init(struct fdtw *w, void *buf, size_t size);

/**
 * fdtw_begin_node() - Open a node (FDT_BEGIN_NODE, DTSpec 5.4.1).
 * @w: the writer.
 * @name: "" for the root node, which must come first and only once;
 *	otherwise "node-name" or "node-name@unit-address" (DTSpec 2.2.1:
 *	node-name 1-31 characters of [0-9a-zA-Z,._+-], the unit address of
 *	the same characters).
 *
 * Return: 0, -FDTW_EINVAL for a bad name, -FDTW_ESTATE for a second root
 * or a child outside the root, -FDTW_ENOSPC.
 */
int fdtw_begin_node(struct fdtw *w, const char *name);

/**
 * fdtw_end_node() - Close the innermost open node (FDT_END_NODE).
 * @w: the writer.
 *
 * Return: 0, -FDTW_ESTATE if no node is open, -FDTW_ENOSPC.
 */
int fdtw_end_node(struct fdtw *w);

/**
 * fdtw_prop() - Add a property to the open node (FDT_PROP, DTSpec 5.4.1).
 * @w: the writer.
 * @name: 1-31 characters of [0-9a-zA-Z,._+?#-] (DTSpec 2.2.4, Table 2.2).
 *	Each distinct name is stored once in the strings block.
 * @data: the value, copied as is (already big-endian where it matters);
 *	may be NULL when @len is 0.
 * @len: bytes at @data.
 *
 * Return: 0, -FDTW_EINVAL for a bad name or NULL data, -FDTW_ESTATE when
 * no node is open or the open node already has a child (properties come
 * first, DTSpec 5.4.2), -FDTW_ENOSPC.
 */
int fdtw_prop(struct fdtw *w, const char *name, const void *data, size_t len);

/**
 * fdtw_prop_empty() - Add a property with no value (a boolean such as
 * "interrupt-controller", DTSpec 2.2.4.2 <empty>).
 * @w: the writer.
 * @name: the property name, as for fdtw_prop().
 *
 * Return: as fdtw_prop().
 */
int fdtw_prop_empty(struct fdtw *w, const char *name);

/**
 * fdtw_prop_u32() - Add a <u32> property (one big-endian cell).
 * @w: the writer.
 * @name: the property name, as for fdtw_prop().
 * @v: the value.
 *
 * Return: as fdtw_prop().
 */
int fdtw_prop_u32(struct fdtw *w, const char *name, uint32_t v);

/**
 * fdtw_prop_u64() - Add a <u64> property: two cells, high one first
 * (DTSpec 2.2.4.2).
 * @w: the writer.
 * @name: the property name, as for fdtw_prop().
 * @v: the value.
 *
 * Return: as fdtw_prop().
 */
int fdtw_prop_u64(struct fdtw *w, const char *name, uint64_t v);

/**
 * fdtw_prop_cells() - Add a <prop-encoded-array> of cells.
 * @w: the writer.
 * @name: the property name, as for fdtw_prop().
 * @cells: @n values in CPU order; converted to big-endian on the way out.
 * @n: number of cells (0 gives an empty property).
 *
 * Return: as fdtw_prop().
 */
int fdtw_prop_cells(struct fdtw *w, const char *name, const uint32_t *cells,
		    size_t n);

/**
 * fdtw_prop_str() - Add a <string> property (NUL-terminated).
 * @w: the writer.
 * @name: the property name, as for fdtw_prop().
 * @s: the value.
 *
 * Return: as fdtw_prop().
 */
int fdtw_prop_str(struct fdtw *w, const char *name, const char *s);

/**
 * fdtw_prop_strs() - Add a <stringlist> property: the strings one after the
 * other, each NUL-terminated (DTSpec 2.2.4.2), e.g. a "compatible" list.
 * @w: the writer.
 * @name: the property name, as for fdtw_prop().
 * @strs: @n strings, none NULL.
 * @n: number of strings (0 gives an empty property).
 *
 * Return: as fdtw_prop().
 */
int fdtw_prop_strs(struct fdtw *w, const char *name, const char *const *strs,
		   size_t n);

/**
 * fdtw_finish() - Close the DTB: FDT_END, the strings block moved after the
 * structure block, the header and the (empty) memory reservation block.
 * @w: the writer; spent afterwards (later calls give -FDTW_ESTATE).
 *
 * The header's boot_cpuid_phys is 0: the boot CPU is the one with reg 0.
 *
 * Return: the DTB's size in bytes (its header's totalsize, from the start of
 * the buffer), or the latched error, or -FDTW_ESTATE if the root node was
 * never begun or some node is still open, or -FDTW_ENOSPC.
 */
int fdtw_finish(struct fdtw *w);

#endif /* S2HYP_FDTW_H */

/* SPDX-License-Identifier: MIT */
/*
 * zstore: s2hyp's compressed store of 4 KiB guest pages, for overcommitting
 * guest memory (as Linux's zram/zswap). When s2hyp takes a page away from a
 * guest it puts the contents here and keeps the handle; the guest's next
 * stage-2 fault on it takes them back.
 *
 * Pages of one repeated 64-bit word (zero pages above all) are kept in the
 * handle itself and cost no arena bytes. Other pages are compressed with an
 * LZ77 byte coder in the LZ4 block format (a token of 4-bit literal and
 * match lengths, 255-byte length extensions, 16-bit little-endian offsets,
 * 4-byte minimum match; the last 5 bytes are literals), or kept raw when
 * that would not save a 64-byte unit. Blobs live in a caller-given arena,
 * carved into 64-byte units, with free blocks merged with their free
 * neighbours.
 *
 * Locking: none inside. The caller serialises every call on one store
 * (zstore_decompress() alone touches no store and may run anywhere).
 */
#ifndef S2HYP_ZSTORE_H
#define S2HYP_ZSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ZSTORE_PAGE_SIZE	4096
#define ZSTORE_UNIT_SHIFT	6
#define ZSTORE_UNIT		(1U << ZSTORE_UNIT_SHIFT) /* arena granule, bytes */
#define ZSTORE_CLASSES		64	/* free lists: 1..63 units, then >= 64 */

/* No page is ever stored under handle 0: callers may use it for "none". */
#define ZSTORE_HANDLE_NONE	0

/*
 * Arena bytes zstore keeps for itself (the compressor's hash table and
 * scratch output, two bits of maps per unit), besides alignment. Roughly
 * ZSTORE_META_FIXED + arena_size / 256.
 */
#define ZSTORE_META_FIXED	(4096 + ZSTORE_PAGE_SIZE)

/*
 * A store. Every field is private to zstore.c; it is here so that callers
 * can embed or statically allocate one.
 */
struct zstore {
	uint8_t *units;			/* unit 0 */
	uint64_t *free_map;		/* bit per unit: free */
	uint64_t *start_map;		/* bit per unit: first unit of a blob */
	uint16_t *hash;			/* compressor: position of a 4-byte hash */
	uint8_t *scratch;		/* compressor output, before it is sized */
	uint32_t nr_units;
	uint32_t free_units;
	uint64_t nonempty;		/* bit c - 1: free list of class c */
	uint32_t free_head[ZSTORE_CLASSES];
	size_t meta_bytes;
	/* What is stored now. */
	uint64_t pages, same_filled, raw, bytes_stored;
};

/**
 * struct zstore_stats - What a store holds now.
 * @pages:        pages stored (every kind).
 * @same_filled:  of which same-filled, kept in their handle.
 * @raw:          of which stored uncompressed (compression did not pay).
 * @bytes_in:     page bytes stored: @pages * 4096.
 * @bytes_stored: blob bytes, compressed or raw; same-filled pages add 0.
 * @arena_used:   arena bytes the blobs take, in whole 64-byte units: the
 *                host memory the stored pages cost, beyond @arena_meta.
 * @arena_free:   arena bytes free for blobs (perhaps fragmented).
 * @arena_meta:   arena bytes zstore keeps for itself, a constant.
 */
struct zstore_stats {
	uint64_t pages;
	uint64_t same_filled;
	uint64_t raw;
	uint64_t bytes_in;
	uint64_t bytes_stored;
	uint64_t arena_used;
	uint64_t arena_free;
	uint64_t arena_meta;
};

/**
 * zstore_init() - Make an empty store over an arena.
 * @z:          the store.
 * @arena:      memory the store owns from now on (any alignment).
 * @arena_size: its size in bytes. Beyond 256 GiB of units the rest is not
 *              used.
 *
 * Return: 0, or -S2_EINVAL when the arena cannot hold zstore's own tables
 * and one raw page.
 */
int zstore_init(struct zstore *z, void *arena, size_t arena_size);

/**
 * zstore_same_filled() - Whether the 4096-byte @page is one 64-bit word
 * repeated (then kept in its handle, costing no arena bytes), and which
 * (*@word, when true and @word is not NULL).
 */
bool zstore_same_filled(const void *page, uint64_t *word);

/**
 * zstore_put() - Store a copy of one page.
 * @z:      the store.
 * @page:   4096 bytes (page-aligned is fastest).
 * @handle: set to the page's handle on success, never to 0.
 *
 * A page of one repeated 64-bit word costs no arena bytes: the handle holds
 * the word. (Not quite every word: 1 in 4096 word values would look like a
 * blob's handle, and such a page is compressed into one unit instead.)
 *
 * Return: 0, or -S2_ENOMEM when no free block is large enough (nothing is
 * stored, *handle and the stats are unchanged).
 */
int zstore_put(struct zstore *z, const void *page, uint64_t *handle);

/**
 * zstore_take() - Read a page back and free it.
 * @z:      the store.
 * @handle: what zstore_put() gave.
 * @page:   4096 bytes to write the page into.
 *
 * A blob's handle carries a check byte and is checked against the
 * arena's maps, so a handle taken twice or made up is refused. A
 * same-filled page's handle carries the page, so taking it twice goes
 * unnoticed while other same-filled pages are stored.
 *
 * Return: 0; -S2_EINVAL for a handle that names no stored page (nothing
 * changes), or for a blob that does not decode (its page is unspecified,
 * the blob stays stored: zstore_drop() it).
 */
int zstore_take(struct zstore *z, uint64_t handle, void *page);

/**
 * zstore_drop() - Free a page without reading it.
 * @z:      the store.
 * @handle: what zstore_put() gave.
 *
 * Return: 0, or -S2_EINVAL for a handle that names no stored page (as for
 * zstore_take(): nothing changes).
 */
int zstore_drop(struct zstore *z, uint64_t handle);

/**
 * zstore_stats() - Report what a store holds.
 * @z:  the store.
 * @st: filled in.
 */
void zstore_stats(const struct zstore *z, struct zstore_stats *st);

/**
 * zstore_compress() - Compress one page into a buffer (no arena involved).
 * @z:   an initialised store, for its hash table (so serialised as the rest).
 * @page: 4096 bytes.
 * @dst: output buffer, never written past @cap.
 * @cap: its size.
 *
 * The coder zstore_put() uses, for tests and benchmarks.
 *
 * Return: the blob's length (> 0), or -S2_ERANGE when it would not fit in
 * @cap.
 */
int zstore_compress(struct zstore *z, const void *page, void *dst, size_t cap);

/**
 * zstore_decompress() - Decode one blob into a page.
 * @src:  the blob, @n bytes (not overlapping @page).
 * @n:    its exact length.
 * @page: 4096 bytes of output.
 *
 * Every length and offset is checked against both buffers: nothing outside
 * @src is read and nothing outside @page written, whatever @src holds.
 *
 * Return: 0, or -S2_EINVAL when @src is not a blob that decodes to exactly
 * 4096 bytes (then @page holds some of the output).
 */
int zstore_decompress(const void *src, size_t n, void *page);

#endif /* S2HYP_ZSTORE_H */

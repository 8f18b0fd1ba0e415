/* SPDX-License-Identifier: MIT */
/*
 * The compressed page store (zstore.h): an LZ4-block coder written for one
 * 4 KiB page at a time, and an allocator of 64-byte units in the caller's
 * arena.
 *
 * Handles. A blob's handle is ZS_TAG in bits 63:52, the blob's length - 1
 * in bits 51:40 (a raw page is the only 4096-byte blob), a check byte of
 * the two in bits 39:32 and its first unit in bits 31:0; the length is not
 * stored anywhere else, hence the check. Any other non-zero
 * handle is a same-filled page: its word XOR ZS_FILL_KEY. The key makes the
 * zero page's handle non-zero, so that 0 can mean "none" to callers; the
 * words whose handle would be 0 or look tagged are compressed instead.
 *
 * Arena. [hash table][scratch][free map][start map] then the units, 64-byte
 * aligned. A free block keeps its size and list links in its first unit and
 * its size again in the last 4 bytes of its last unit, so that a freed
 * block finds both neighbours in O(1) through the free map. The start map
 * marks the first unit of each blob: with the free map it tells whether a
 * handle names exactly one live blob, without a header in the blob.
 * Free lists are segregated by size (classes 1..63 units exact, 64 for
 * every larger block), with a bitmap of the non-empty ones: allocation
 * takes the smallest class that fits and splits it from its end, O(1).
 */
#ifdef ZSTORE_HOST_TEST
#include "hyp_host.h"	/* tests/hyp: libc's memset & co. */
#else
#include "hyp.h"
#endif
#include "zstore.h"

#include <s2mm/error.h>

/*
 * s2hyp builds with -mstrict-align for its guests' sake (their MMU is off,
 * all memory Device). zstore runs at EL2 after mmu_enable(), on Normal
 * memory, where unaligned loads are fine: without this every 4- or 8-byte
 * load of the coder becomes byte loads and shifts.
 */
#if defined(__aarch64__) && defined(__GNUC__) && !defined(__clang__)
#pragma GCC target("no-strict-align")
#endif

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "zstore's match counting (ctz of an XOR) assumes little-endian loads"
#endif

#define PAGE		ZSTORE_PAGE_SIZE
#define UNIT		ZSTORE_UNIT
#define UNIT_SHIFT	ZSTORE_UNIT_SHIFT
#define PAGE_UNITS	(PAGE / UNIT)

/* A blob must save at least one unit over a raw page. */
#define COMP_MAX	(PAGE - UNIT)

/* LZ4 block format's limits: a decoder may rely on them. */
#define MINMATCH	4
#define LASTLITERALS	5	/* the last 5 bytes are literals */
#define MFLIMIT		12	/* no match starts in the last 12 bytes */
#define ML_BITS		4
#define ML_MASK		15
#define RUN_MASK	15

#define HASH_LOG	11
#define HASH_SIZE	(1U << HASH_LOG)
/* After 2^SKIP_TRIGGER misses in a row the search steps 2 bytes, etc.:
 * incompressible pages go by fast. */
#define SKIP_TRIGGER	6

#define ZS_TAG		0x5a7ULL
#define ZS_TAG_SHIFT	52
#define ZS_LEN_SHIFT	40
#define ZS_LEN_MASK	0xfffULL
#define ZS_CHECK_SHIFT	32
#define ZS_IDX_MASK	0xffffffffULL
#define ZS_FILL_KEY	0x9e3779b97f4a7c15ULL
#define ZS_NIL		UINT32_MAX
#define ZS_MAX_UNITS	(UINT32_MAX - 1)

#define ZS_ALIGN(x, a)	(((x) + (a) - 1) & ~(uintptr_t)((a) - 1))

_Static_assert(HASH_SIZE * sizeof(uint16_t) + PAGE == ZSTORE_META_FIXED,
	       "zstore.h's ZSTORE_META_FIXED");
_Static_assert(PAGE_UNITS == ZSTORE_CLASSES, "one class per unit count");

/* Aliasing-safe views of the arena and of pages. */
typedef uint64_t __attribute__((may_alias)) zu64;
typedef uint32_t __attribute__((may_alias)) zu32;

/* ---- unaligned access ---------------------------------------------------- */

static inline uint32_t load32(const uint8_t *p)
{
	uint32_t v;

	__builtin_memcpy(&v, p, 4);
	return v;
}

static inline uint64_t load64(const uint8_t *p)
{
	uint64_t v;

	__builtin_memcpy(&v, p, 8);
	return v;
}

static inline void store64(uint8_t *p, uint64_t v)
{
	__builtin_memcpy(p, &v, 8);
}

/* Non-overlapping copy. s2hyp's memcpy goes bytewise when the two sides
 * are differently aligned, which blobs and literals always may be. */
static inline void copy_bytes(uint8_t *d, const uint8_t *s, size_t n)
{
	for (; n >= 8; n -= 8, d += 8, s += 8)
		store64(d, load64(s));
	while (n--)
		*d++ = *s++;
}

/* ---- the coder ----------------------------------------------------------- */

static inline uint32_t hash4(uint32_t v)
{
	return (v * 2654435761U) >> (32 - HASH_LOG);
}

/* Bytes of a length's extension: 255s then the remainder. */
static inline size_t ext_len(size_t len)
{
	return len >= 15 ? (len - 15) / 255 + 1 : 0;
}

static inline uint8_t *put_ext(uint8_t *op, size_t len)
{
	for (len -= 15; len >= 255; len -= 255)
		*op++ = 255;
	*op++ = (uint8_t)len;
	return op;
}

/* How many more bytes p matches r, p running up to limit (r < p). */
static inline size_t count_match(const uint8_t *p, const uint8_t *r,
				 const uint8_t *limit)
{
	const uint8_t *start = p;

	while (limit - p >= 8) {
		uint64_t x = load64(p) ^ load64(r);

		if (x)
			return (size_t)(p - start) + (__builtin_ctzll(x) >> 3);
		p += 8;
		r += 8;
	}
	while (p < limit && *p == *r) {
		p++;
		r++;
	}
	return (size_t)(p - start);
}

/*
 * Greedy LZ4 parse of one page with a 2048-entry table of positions. The
 * table is cleared first: stale entries would only cost a compare, but the
 * output would then depend on earlier pages. Zeroed entries all point at
 * position 0, which is before any position searched, so every candidate
 * is a valid back reference. Returns the length, or 0 when over cap.
 */
static size_t lz_compress(uint16_t *table, const uint8_t *src, uint8_t *dst,
			  size_t cap)
{
	const uint8_t *ip = src + 1, *anchor = src;
	const uint8_t *const iend = src + PAGE;
	const uint8_t *const mflimit = iend - MFLIMIT;
	const uint8_t *const matchlimit = iend - LASTLITERALS;
	uint8_t *op = dst;
	uint8_t *const oend = dst + cap;
	size_t run;

	for (size_t i = 0; i < HASH_SIZE; i += 4)
		*(zu64 *)&table[i] = 0;

	for (;;) {
		const uint8_t *ref, *fwd = ip;
		unsigned int step = 1, misses = 1U << SKIP_TRIGGER;
		uint8_t *token;
		size_t lit;

		do {
			uint32_t h = hash4(load32(fwd));

			ip = fwd;
			fwd += step;
			step = misses++ >> SKIP_TRIGGER;
			if (fwd > mflimit)
				goto last;
			ref = src + table[h];
			table[h] = (uint16_t)(ip - src);
		} while (load32(ref) != load32(ip));

		while (ip > anchor && ref > src && ip[-1] == ref[-1]) {
			ip--;
			ref--;
		}

		/* Token, literals and the offset: the match's extension and
		 * the closing literals are checked when known. */
		lit = (size_t)(ip - anchor);
		if ((size_t)(oend - op) < 1 + ext_len(lit) + lit + 2)
			return 0;
		token = op++;
		if (lit >= RUN_MASK) {
			*token = RUN_MASK << ML_BITS;
			op = put_ext(op, lit);
		} else {
			*token = (uint8_t)(lit << ML_BITS);
		}
		/* Whole 8-byte chunks when the output has room: the spill
		 * is overwritten next, and the input goes on past ip. */
		if ((size_t)(oend - op) >= lit + 8 + 2) {
			for (size_t i = 0; i < lit; i += 8)
				store64(op + i, load64(anchor + i));
		} else {
			copy_bytes(op, anchor, lit);
		}
		op += lit;

		/* This match, then any that start right where it ends. */
		for (;;) {
			size_t off = (size_t)(ip - ref), ml;
			uint32_t h;

			*op++ = (uint8_t)off;
			*op++ = (uint8_t)(off >> 8);
			ml = count_match(ip + MINMATCH, ref + MINMATCH,
					 matchlimit);
			ip += MINMATCH + ml;
			if ((size_t)(oend - op) < ext_len(ml))
				return 0;
			if (ml >= ML_MASK) {
				*token |= ML_MASK;
				op = put_ext(op, ml);
			} else {
				*token |= (uint8_t)ml;
			}
			anchor = ip;
			if (ip > mflimit)
				goto last;

			table[hash4(load32(ip - 2))] = (uint16_t)(ip - 2 - src);
			h = hash4(load32(ip));
			ref = src + table[h];
			table[h] = (uint16_t)(ip - src);
			if (load32(ref) != load32(ip))
				break;
			if ((size_t)(oend - op) < 1 + 2)
				return 0;
			token = op++;
			*token = 0;
		}
		ip++;
	}
last:
	run = (size_t)(iend - anchor);
	if ((size_t)(oend - op) < 1 + ext_len(run) + run)
		return 0;
	if (run >= RUN_MASK) {
		*op++ = RUN_MASK << ML_BITS;
		op = put_ext(op, run);
	} else {
		*op++ = (uint8_t)(run << ML_BITS);
	}
	copy_bytes(op, anchor, run);
	op += run;
	return (size_t)(op - dst);
}

int zstore_compress(struct zstore *z, const void *page, void *dst, size_t cap)
{
	size_t n = lz_compress(z->hash, page, dst, cap < PAGE ? cap : PAGE);

	return n ? (int)n : -S2_ERANGE;
}

/* A length's extension: false when it runs off the blob or past a page. */
static inline bool get_ext(const uint8_t **ipp, const uint8_t *iend,
			   size_t *len)
{
	const uint8_t *ip = *ipp;
	unsigned int b;

	do {
		if (ip >= iend || *len > PAGE)
			return false;
		b = *ip++;
		*len += b;
	} while (b == 255);
	*ipp = ip;
	return true;
}

/*
 * Copy a match of len bytes from off back, off <= bytes already written.
 * Overlapping is the point (off 1 repeats a byte): 8-byte chunks are safe
 * once the distance is 8 or more, so a short period first writes its
 * first bytes singly and then copies from the smallest multiple of it
 * that is at least 8 back, which is at or after the match's source.
 */
static inline void copy_match(uint8_t *op, size_t off, size_t len)
{
	const uint8_t *ref = op - off;
	uint8_t *const end = op + len;

	if (off < 8) {
		size_t d = off, k;

		while (d < 8)
			d += off;
		if (len <= d - off) {
			while (op < end)
				*op++ = *ref++;
			return;
		}
		for (k = d - off; k; k--)
			*op++ = *ref++;
		ref = op - d;
	}
	for (; end - op >= 8; op += 8, ref += 8)
		store64(op, load64(ref));
	while (op < end)
		*op++ = *ref++;
}

/* copy_match() for off >= 8 with 8 bytes of room after the match: whole
 * chunks only, the last one spilling into what comes next. */
static inline void copy_match_wild(uint8_t *op, size_t off, size_t len)
{
	const uint8_t *ref = op - off;
	uint8_t *const end = op + len;

	do {
		store64(op, load64(ref));
		op += 8;
		ref += 8;
	} while (op < end);
}

int zstore_decompress(const void *src, size_t n, void *page)
{
	const uint8_t *ip = src;
	const uint8_t *const iend = ip + n;
	uint8_t *op = page;
	uint8_t *const ostart = op, *const oend = op + PAGE;

	for (;;) {
		unsigned int token;
		size_t len, off;

		if (ip >= iend)
			return -S2_EINVAL;
		token = *ip++;

		len = token >> ML_BITS;
		if (len == RUN_MASK && !get_ext(&ip, iend, &len))
			return -S2_EINVAL;
		if (len > (size_t)(iend - ip) || len > (size_t)(oend - op))
			return -S2_EINVAL;
		/* Most runs are short: copy 16 bytes when both buffers have
		 * them, the extra output is overwritten next. */
		if (len <= 16 && iend - ip >= 16 && oend - op >= 16) {
			store64(op, load64(ip));
			store64(op + 8, load64(ip + 8));
		} else {
			copy_bytes(op, ip, len);
		}
		ip += len;
		op += len;
		if (ip == iend)
			return op == oend ? 0 : -S2_EINVAL;

		if (iend - ip < 2)
			return -S2_EINVAL;
		off = ip[0] | (size_t)ip[1] << 8;
		ip += 2;
		if (off == 0 || off > (size_t)(op - ostart))
			return -S2_EINVAL;
		len = token & ML_MASK;
		if (len == ML_MASK && !get_ext(&ip, iend, &len))
			return -S2_EINVAL;
		len += MINMATCH;
		if (len > (size_t)(oend - op))
			return -S2_EINVAL;
		if (off >= 8 && (size_t)(oend - op) >= len + 8)
			copy_match_wild(op, off, len);
		else
			copy_match(op, off, len);
		op += len;
	}
}

/* ---- the unit allocator -------------------------------------------------- */

/* In the first unit of a free block; the arena is also written as bytes
 * and 64-bit words, hence may_alias. */
struct __attribute__((may_alias)) zfree {
	uint32_t size;		/* units */
	uint32_t next, prev;	/* unit indices, ZS_NIL */
};

static inline uint8_t *unit_ptr(const struct zstore *z, uint32_t idx)
{
	return z->units + ((size_t)idx << UNIT_SHIFT);
}

static inline struct zfree *free_hdr(const struct zstore *z, uint32_t idx)
{
	return (struct zfree *)unit_ptr(z, idx);
}

/* The copy of a free block's size at the end of its last unit. */
static inline zu32 *free_ftr(const struct zstore *z, uint32_t last)
{
	return (zu32 *)(unit_ptr(z, last) + UNIT - sizeof(uint32_t));
}

static inline unsigned int size_class(uint32_t units)
{
	return units < ZSTORE_CLASSES ? units : ZSTORE_CLASSES;
}

static inline bool test_bit(const uint64_t *map, uint32_t i)
{
	return map[i / 64] >> (i % 64) & 1;
}

/* Bits [i, i + n) of map, n <= 64, as the low bits of the result. */
static inline uint64_t get_bits(const uint64_t *map, uint32_t i, uint32_t n)
{
	uint32_t w = i / 64, s = i % 64;
	uint64_t v = map[w] >> s;

	if (s && s + n > 64)
		v |= map[w + 1] << (64 - s);
	return n < 64 ? v & ((1ULL << n) - 1) : v;
}

/* Set (on) or clear bits [i, i + n) of map, any n. */
static void set_bits(uint64_t *map, uint32_t i, uint32_t n, bool on)
{
	while (n) {
		uint32_t s = i % 64, k = 64 - s < n ? 64 - s : n;
		uint64_t m = (k == 64 ? ~0ULL : (1ULL << k) - 1) << s;

		if (on)
			map[i / 64] |= m;
		else
			map[i / 64] &= ~m;
		i += k;
		n -= k;
	}
}

static void list_add(struct zstore *z, uint32_t idx, uint32_t size)
{
	unsigned int c = size_class(size);
	struct zfree *f = free_hdr(z, idx);

	f->size = size;
	f->prev = ZS_NIL;
	f->next = z->free_head[c - 1];
	if (f->next != ZS_NIL)
		free_hdr(z, f->next)->prev = idx;
	z->free_head[c - 1] = idx;
	z->nonempty |= 1ULL << (c - 1);
	*free_ftr(z, idx + size - 1) = size;
}

static void list_del(struct zstore *z, uint32_t idx)
{
	struct zfree *f = free_hdr(z, idx);
	unsigned int c = size_class(f->size);

	if (f->prev != ZS_NIL)
		free_hdr(z, f->prev)->next = f->next;
	else
		z->free_head[c - 1] = f->next;
	if (f->next != ZS_NIL)
		free_hdr(z, f->next)->prev = f->prev;
	if (z->free_head[c - 1] == ZS_NIL)
		z->nonempty &= ~(1ULL << (c - 1));
}

/* Allocate n units (1..64): the smallest class that fits, split from its
 * end so that a large block keeps its place on its list. */
static int units_alloc(struct zstore *z, uint32_t n, uint32_t *idx)
{
	uint64_t fits = z->nonempty & ~((1ULL << (n - 1)) - 1);
	uint32_t b, size, rest;
	struct zfree *f;

	if (!fits)
		return -S2_ENOMEM;
	b = z->free_head[__builtin_ctzll(fits)];
	f = free_hdr(z, b);
	size = f->size;
	rest = size - n;
	if (!rest) {
		list_del(z, b);
	} else if (size_class(rest) == size_class(size)) {
		f->size = rest;
		*free_ftr(z, b + rest - 1) = rest;
	} else {
		list_del(z, b);
		list_add(z, b, rest);
	}
	*idx = b + rest;
	set_bits(z->free_map, *idx, n, false);
	set_bits(z->start_map, *idx, 1, true);
	z->free_units -= n;
	return 0;
}

static void units_free(struct zstore *z, uint32_t idx, uint32_t n)
{
	uint32_t start = idx, size = n;

	set_bits(z->start_map, idx, 1, false);
	set_bits(z->free_map, idx, n, true);
	z->free_units += n;
	if (idx + n < z->nr_units && test_bit(z->free_map, idx + n)) {
		size += free_hdr(z, idx + n)->size;
		list_del(z, idx + n);
	}
	if (idx && test_bit(z->free_map, idx - 1)) {
		uint32_t psize = *free_ftr(z, idx - 1);

		start = idx - psize;
		size += psize;
		list_del(z, start);
	}
	list_add(z, start, size);
}

/* ---- the store ----------------------------------------------------------- */

int zstore_init(struct zstore *z, void *arena, size_t arena_size)
{
	uintptr_t base = (uintptr_t)arena, end = base + arena_size;
	uintptr_t p = ZS_ALIGN(base, UNIT), maps;
	size_t words, nr;

	memset(z, 0, sizeof(*z));
	if (arena_size < ZSTORE_META_FIXED || end < base ||
	    end - p <= ZSTORE_META_FIXED)
		return -S2_EINVAL;
	z->hash = (uint16_t *)p;
	z->scratch = (uint8_t *)p + HASH_SIZE * sizeof(uint16_t);
	maps = p + ZSTORE_META_FIXED;

	/* Units and their two maps: 2 bits a unit, 257/4 bytes with the
	 * unit; the rounding of the maps and alignment take a few less. */
	nr = (end - maps) * 4 / 257;
	if (nr > ZS_MAX_UNITS)
		nr = ZS_MAX_UNITS;
	for (;; nr--) {
		words = (nr + 63) / 64;
		if (nr < PAGE_UNITS)
			return -S2_EINVAL;
		if (ZS_ALIGN(maps + 2 * words * 8, UNIT) + nr * UNIT <= end)
			break;
	}
	z->free_map = (uint64_t *)maps;
	z->start_map = z->free_map + words;
	z->units = (uint8_t *)ZS_ALIGN(maps + 2 * words * 8, UNIT);
	z->nr_units = (uint32_t)nr;
	z->meta_bytes = (size_t)((uintptr_t)z->units - base);

	memset(z->start_map, 0, words * 8);
	memset(z->free_map, 0, words * 8);
	set_bits(z->free_map, 0, z->nr_units, true);
	for (unsigned int c = 0; c < ZSTORE_CLASSES; c++)
		z->free_head[c] = ZS_NIL;
	list_add(z, 0, z->nr_units);
	z->free_units = z->nr_units;
	return 0;
}

bool zstore_same_filled(const void *page, uint64_t *word)
{
	const uint8_t *p = page;
	uint64_t w = load64(p);

	if (((uintptr_t)p & 7) == 0) {
		const zu64 *q = (const zu64 *)p;

		for (size_t i = 1; i < PAGE / 8; i++)
			if (q[i] != w)
				return false;
	} else {
		for (size_t i = 8; i < PAGE; i += 8)
			if (load64(p + i) != w)
				return false;
	}
	if (word)
		*word = w;
	return true;
}

static inline bool is_blob(uint64_t h)
{
	return h >> ZS_TAG_SHIFT == ZS_TAG;
}

static inline uint64_t blob_handle(uint32_t idx, size_t len)
{
	uint64_t v = (uint64_t)(len - 1) << ZS_LEN_SHIFT | idx;
	/* 8 bits of a multiplicative hash of length and unit */
	uint64_t check = (v * 0x9e3779b97f4a7c15ULL) >> 56;

	return ZS_TAG << ZS_TAG_SHIFT | check << ZS_CHECK_SHIFT | v;
}

/*
 * A blob handle's first unit and length, if it names exactly one live
 * blob: the start bit of its first unit set, no start or free bit in the
 * rest, and the unit after it (if any) free or the start of another blob.
 */
static int blob_lookup(const struct zstore *z, uint64_t h, uint32_t *idx,
		       size_t *len)
{
	uint32_t i = (uint32_t)(h & ZS_IDX_MASK), n;
	size_t l = (size_t)(h >> ZS_LEN_SHIFT & ZS_LEN_MASK) + 1;

	if (!is_blob(h) || blob_handle(i, l) != h)
		return -S2_EINVAL;
	n = (uint32_t)((l + UNIT - 1) >> UNIT_SHIFT);
	if (i >= z->nr_units || n > z->nr_units - i)
		return -S2_EINVAL;
	if (get_bits(z->start_map, i, n) != 1 || get_bits(z->free_map, i, n))
		return -S2_EINVAL;
	if (i + n < z->nr_units && !test_bit(z->start_map, i + n) &&
	    !test_bit(z->free_map, i + n))
		return -S2_EINVAL;
	*idx = i;
	*len = l;
	return 0;
}

static void blob_free(struct zstore *z, uint32_t idx, size_t len)
{
	units_free(z, idx, (uint32_t)((len + UNIT - 1) >> UNIT_SHIFT));
	z->pages--;
	z->bytes_stored -= len;
	if (len == PAGE)
		z->raw--;
}

int zstore_put(struct zstore *z, const void *page, uint64_t *handle)
{
	const uint8_t *src = z->scratch;
	uint64_t w, h;
	uint32_t idx;
	size_t len;
	int ret;

	if (zstore_same_filled(page, &w)) {
		h = w ^ ZS_FILL_KEY;
		if (h && !is_blob(h)) {
			z->pages++;
			z->same_filled++;
			*handle = h;
			return 0;
		}
	}
	/* Do not spend a compression on a full arena. */
	if (!z->nonempty)
		return -S2_ENOMEM;

	len = lz_compress(z->hash, page, z->scratch, COMP_MAX);
	if (!len) {
		src = page;
		len = PAGE;
	}
	ret = units_alloc(z, (uint32_t)((len + UNIT - 1) >> UNIT_SHIFT), &idx);
	if (ret)
		return ret;
	copy_bytes(unit_ptr(z, idx), src, len);

	z->pages++;
	z->bytes_stored += len;
	if (len == PAGE)
		z->raw++;
	*handle = blob_handle(idx, len);
	return 0;
}

/* A same-filled handle: refused when none is stored. */
static int fill_lookup(const struct zstore *z, uint64_t h)
{
	return h != ZSTORE_HANDLE_NONE && z->same_filled ? 0 : -S2_EINVAL;
}

int zstore_take(struct zstore *z, uint64_t handle, void *page)
{
	uint32_t idx;
	size_t len;
	int ret;

	if (!is_blob(handle)) {
		uint64_t w = handle ^ ZS_FILL_KEY;
		uint8_t *p = page;

		ret = fill_lookup(z, handle);
		if (ret)
			return ret;
		for (size_t i = 0; i < PAGE; i += 8)
			store64(p + i, w);
	} else {
		ret = blob_lookup(z, handle, &idx, &len);
		if (ret)
			return ret;
		if (len == PAGE)
			copy_bytes(page, unit_ptr(z, idx), PAGE);
		else if (zstore_decompress(unit_ptr(z, idx), len, page))
			return -S2_EINVAL;
	}
	/* Read: now as dropped (its checks pass again, at no cost). */
	return zstore_drop(z, handle);
}

int zstore_drop(struct zstore *z, uint64_t handle)
{
	uint32_t idx;
	size_t len;
	int ret;

	if (!is_blob(handle)) {
		ret = fill_lookup(z, handle);
		if (ret)
			return ret;
		z->pages--;
		z->same_filled--;
		return 0;
	}
	ret = blob_lookup(z, handle, &idx, &len);
	if (ret)
		return ret;
	blob_free(z, idx, len);
	return 0;
}

void zstore_stats(const struct zstore *z, struct zstore_stats *st)
{
	st->pages = z->pages;
	st->same_filled = z->same_filled;
	st->raw = z->raw;
	st->bytes_in = z->pages * PAGE;
	st->bytes_stored = z->bytes_stored;
	st->arena_used = (uint64_t)(z->nr_units - z->free_units) * UNIT;
	st->arena_free = (uint64_t)z->free_units * UNIT;
	st->arena_meta = z->meta_bytes;
}

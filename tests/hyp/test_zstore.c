/* SPDX-License-Identifier: MIT */
/*
 * hyp/zstore.c on the host (-DZSTORE_HOST_TEST): round trips of every kind
 * of page, blob sizes that the format fixes, the arena's accounting, full
 * arenas, bad handles, and corrupt blobs. The decoder is checked against a
 * plain byte-at-a-time decoder written here from the LZ4 block format, on
 * the coder's output, on damaged copies of it and on noise; every blob is
 * decoded from a heap buffer of its exact size so that ASan sees any read
 * past it. Last, a benchmark printout (no assertion).
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <s2mm/error.h>

#include "zstore.h"

#define PAGE		ZSTORE_PAGE_SIZE
#define UNIT		ZSTORE_UNIT

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* xorshift64*: fixed seeds, so a failure replays. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

static void seed(uint64_t s)
{
	rng_state = s * 0x9e3779b97f4a7c15ULL + 1;
}

/* ---- pages --------------------------------------------------------------- */

static void page_random(uint8_t *p)
{
	for (size_t i = 0; i < PAGE; i += 8) {
		uint64_t v = rnd();

		memcpy(p + i, &v, 8);
	}
}

static void page_fill(uint8_t *p, uint64_t w)
{
	for (size_t i = 0; i < PAGE; i += 8)
		memcpy(p + i, &w, 8);
}

/* What `seq from` prints, cut at 4096 bytes. */
static void page_seq(uint8_t *p, unsigned int from)
{
	char line[16];
	size_t o = 0;

	while (o < PAGE) {
		int n = snprintf(line, sizeof(line), "%u\n", from++);

		for (int i = 0; i < n && o < PAGE; i++)
			p[o++] = (uint8_t)line[i];
	}
}

/* English-like text: words drawn with a skewed frequency, spaces,
 * sentences. */
static void page_words(uint8_t *p)
{
	static const char *const words[] = {
		"the", "of", "and", "to", "a", "in", "is", "that", "for", "it",
		"as", "was", "with", "be", "by", "on", "not", "he", "this",
		"are", "or", "his", "from", "at", "which", "but", "have", "an",
		"had", "they", "you", "were", "their", "one", "all", "we",
		"can", "her", "has", "there", "been", "if", "more", "when",
		"will", "would", "who", "so", "no", "memory", "guest", "page",
		"table", "stage", "translation", "hypervisor", "fault",
		"address", "physical", "virtual", "machine", "compressed",
		"store", "handle", "arena", "kernel", "interrupt", "timer",
		"register", "exception", "level", "walk", "descriptor",
	};
	size_t o = 0, nw = sizeof(words) / sizeof(words[0]);
	bool cap = true;

	while (o < PAGE) {
		/* min of two uniforms: the first words come up most */
		size_t a = rnd() % nw, b = rnd() % nw;
		const char *w = words[a < b ? a : b];

		for (size_t i = 0; w[i] && o < PAGE; i++)
			p[o++] = (uint8_t)(cap && i == 0 ? w[i] - 32 : w[i]);
		cap = rnd() % 12 == 0;
		if (o < PAGE)
			p[o++] = cap ? '.' : ' ';
		if (cap && o < PAGE)
			p[o++] = ' ';
	}
}

/* What a guest's memory looks like: mostly zero, some kernel pointers and
 * small integers in structures, a little random data. */
static void page_guest(uint8_t *p)
{
	memset(p, 0, PAGE);
	for (size_t i = 0; i < PAGE; i += 64) {
		uint64_t r = rnd();

		switch (r % 4) {
		case 0: /* list_head-like pair of pointers */
		{
			uint64_t a = 0xffff000012340000ULL + (r >> 20 & 0xfff0);

			memcpy(p + i, &a, 8);
			a += 0x40;
			memcpy(p + i + 8, &a, 8);
			break;
		}
		case 1: /* counters and flags */
		{
			uint32_t v[4] = { (uint32_t)(r >> 8 & 0xff), 1, 0,
					  (uint32_t)(r >> 32 & 0xffff) };

			memcpy(p + i + 16, v, sizeof(v));
			break;
		}
		case 2: /* some entropy */
		{
			uint64_t a = rnd(), b = rnd();

			memcpy(p + i, &a, 8);
			memcpy(p + i + 24, &b, 8);
			break;
		}
		default:
			break;
		}
	}
}

/* Runs of bytes of random lengths, each a copy from some way back or a
 * byte repeated: long and short matches, every offset size. */
static void page_repeats(uint8_t *p)
{
	size_t o = 0;

	while (o < PAGE) {
		size_t longer = rnd() % 4 == 0;
		size_t len = 1 + rnd() % (longer ? 1500 : 40);

		if (len > PAGE - o)
			len = PAGE - o;
		switch (o ? rnd() % 3 : 0) {
		case 0:
			memset(p + o, (int)(rnd() & 0xff), len);
			break;
		case 1:
		{
			size_t near = rnd() % 2;
			size_t off = 1 + rnd() % (near ? 8 : o);

			if (off > o)
				off = o;
			for (size_t i = 0; i < len; i++)
				p[o + i] = p[o + i - off];
			break;
		}
		default:
			for (size_t i = 0; i < len; i++)
				p[o + i] = (uint8_t)rnd();
			break;
		}
		o += len;
	}
}

enum kind { K_ZERO, K_FILL, K_SEQ, K_WORDS, K_GUEST, K_RANDOM, K_REPEATS,
	    K_HALF, K_NR };

/* Page number n of a mixture: the same n gives the same page. */
static void page_of(uint8_t *p, uint64_t n)
{
	seed(n);
	switch (n % K_NR) {
	case K_ZERO:
		memset(p, 0, PAGE);
		break;
	case K_FILL:
		page_fill(p, rnd());
		break;
	case K_SEQ:
		page_seq(p, (unsigned int)(rnd() % 1000000));
		break;
	case K_WORDS:
		page_words(p);
		break;
	case K_GUEST:
		page_guest(p);
		break;
	case K_RANDOM:
		page_random(p);
		break;
	case K_REPEATS:
		page_repeats(p);
		break;
	default: /* half zero, half random: a buffer being filled */
		memset(p, 0, PAGE);
		for (size_t i = 0; i < PAGE / 2; i++)
			p[i] = (uint8_t)rnd();
		break;
	}
}

/* ---- the reference decoder ---------------------------------------------- */

/*
 * The LZ4 block format, one byte at a time, every read checked. Also
 * reports whether the blob keeps LZ4's end rules (the last 5 bytes
 * literals, no match starting in the last 12), which the coder must.
 */
static int ref_decode(const uint8_t *s, size_t n, uint8_t *out, bool *lz4_end)
{
	size_t i = 0, o = 0, last_match_start = 0, last_match_end = 0;

	for (;;) {
		size_t lit, ml, off;
		unsigned int t;

		if (i >= n)
			return -1;
		t = s[i++];
		lit = t >> 4;
		if (lit == 15) {
			unsigned int b;

			do {
				if (i >= n || lit > 100000)
					return -1;
				b = s[i++];
				lit += b;
			} while (b == 255);
		}
		for (size_t k = 0; k < lit; k++) {
			if (i >= n || o >= PAGE)
				return -1;
			out[o++] = s[i++];
		}
		if (i == n) {
			if (o != PAGE)
				return -1;
			*lz4_end = last_match_end <= PAGE - 5 &&
				   (last_match_end == 0 ||
				    last_match_start <= PAGE - 12);
			return 0;
		}
		if (n - i < 2)
			return -1;
		off = s[i] | (size_t)s[i + 1] << 8;
		i += 2;
		if (off == 0 || off > o)
			return -1;
		ml = t & 15;
		if (ml == 15) {
			unsigned int b;

			do {
				if (i >= n || ml > 100000)
					return -1;
				b = s[i++];
				ml += b;
			} while (b == 255);
		}
		ml += 4;
		last_match_start = o;
		for (size_t k = 0; k < ml; k++) {
			if (o >= PAGE)
				return -1;
			out[o] = out[o - off];
			o++;
		}
		last_match_end = o;
	}
}

/* The real decoder on a heap copy of exactly n bytes, into a heap page of
 * exactly 4096: ASan catches either side overrun. */
static int decode_exact(const uint8_t *blob, size_t n, uint8_t *out)
{
	uint8_t *src = malloc(n ? n : 1), *dst = malloc(PAGE);
	int ret;

	assert_non_null(src);
	assert_non_null(dst);
	memcpy(src, blob, n);
	ret = zstore_decompress(src, n, dst);
	memcpy(out, dst, PAGE);
	free(src);
	free(dst);
	return ret;
}

/* Both decoders agree on accepting a blob and on what it decodes to. */
static int decode_both(const uint8_t *blob, size_t n, uint8_t *out)
{
	static uint8_t ref[PAGE];
	bool lz4_end;
	int r = ref_decode(blob, n, ref, &lz4_end);
	int ret = decode_exact(blob, n, out);

	if (r == 0) {
		assert_int_equal(ret, 0);
		assert_memory_equal(out, ref, PAGE);
	} else {
		assert_int_equal(ret, -S2_EINVAL);
	}
	return ret;
}

/* ---- fixtures ------------------------------------------------------------ */

static struct zstore Z;
static uint8_t *arena;

static void store_new(size_t size)
{
	free(arena);
	arena = malloc(size);
	assert_non_null(arena);
	assert_int_equal(zstore_init(&Z, arena, size), 0);
}

static struct zstore_stats stats(void)
{
	struct zstore_stats st;

	zstore_stats(&Z, &st);
	return st;
}

static void assert_stats_equal(const struct zstore_stats *a,
			       const struct zstore_stats *b)
{
	assert_int_equal(a->pages, b->pages);
	assert_int_equal(a->same_filled, b->same_filled);
	assert_int_equal(a->raw, b->raw);
	assert_int_equal(a->bytes_in, b->bytes_in);
	assert_int_equal(a->bytes_stored, b->bytes_stored);
	assert_int_equal(a->arena_used, b->arena_used);
	assert_int_equal(a->arena_free, b->arena_free);
	assert_int_equal(a->arena_meta, b->arena_meta);
}

static int teardown(void **state)
{
	(void)state;
	free(arena);
	arena = NULL;
	return 0;
}

/* Compress with the coder, check the blob with both decoders and the LZ4
 * end rules; return its length (0 when it did not fit in 4096). */
static size_t compress_check(const uint8_t *page)
{
	static uint8_t blob[PAGE], out[PAGE], ref[PAGE];
	int n = zstore_compress(&Z, page, blob, sizeof(blob));
	bool lz4_end = false;

	if (n == -S2_ERANGE)
		return 0;
	assert_true(n > 0 && n <= PAGE);
	assert_int_equal(ref_decode(blob, (size_t)n, ref, &lz4_end), 0);
	assert_true(lz4_end);
	assert_memory_equal(ref, page, PAGE);
	assert_int_equal(decode_exact(blob, (size_t)n, out), 0);
	assert_memory_equal(out, page, PAGE);
	return (size_t)n;
}

/* put, take, compare; return the arena bytes the page took while stored. */
static uint64_t round_trip(const uint8_t *page)
{
	static uint8_t out[PAGE];
	struct zstore_stats before = stats(), during, after;
	uint64_t h = 0;

	assert_int_equal(zstore_put(&Z, page, &h), 0);
	assert_true(h != ZSTORE_HANDLE_NONE);
	during = stats();
	assert_int_equal(during.pages, before.pages + 1);
	memset(out, 0xa5, sizeof(out));
	assert_int_equal(zstore_take(&Z, h, out), 0);
	assert_memory_equal(out, page, PAGE);
	after = stats();
	assert_stats_equal(&before, &after);
	return during.arena_used - before.arena_used;
}

/* ---- tests --------------------------------------------------------------- */

static void init_sizes(void **state)
{
	(void)state;
	uint8_t *buf = malloc(1 << 20);
	struct zstore_stats st;

	assert_non_null(buf);
	assert_int_equal(zstore_init(&Z, buf, 0), -S2_EINVAL);
	assert_int_equal(zstore_init(&Z, buf, ZSTORE_META_FIXED + PAGE),
			 -S2_EINVAL);
	free(buf);
	/* From a 64-byte aligned base: the tables, one unit of maps, and
	 * one raw page is the least. */
	buf = aligned_alloc(64, 1 << 20);
	assert_non_null(buf);
	assert_int_equal(zstore_init(&Z, buf, ZSTORE_META_FIXED + UNIT + PAGE - 1),
			 -S2_EINVAL);
	assert_int_equal(zstore_init(&Z, buf, ZSTORE_META_FIXED + UNIT + PAGE), 0);
	zstore_stats(&Z, &st);
	assert_int_equal(st.arena_free, PAGE);
	assert_int_equal(st.arena_meta, ZSTORE_META_FIXED + UNIT);
	/* Any alignment: all of 1 MiB but the tables and maps is units. */
	for (size_t mis = 0; mis < 64; mis += 7) {
		assert_int_equal(zstore_init(&Z, buf + mis, (1 << 20) - mis), 0);
		zstore_stats(&Z, &st);
		assert_int_equal(st.pages, 0);
		assert_int_equal(st.arena_used, 0);
		assert_int_equal(st.arena_free % UNIT, 0);
		assert_true(st.arena_meta >= ZSTORE_META_FIXED);
		assert_true(st.arena_meta + st.arena_free <= (1 << 20) - mis);
		/* meta is the fixed part, 2 bits a unit and alignment */
		assert_true(st.arena_meta <= ZSTORE_META_FIXED + 63 +
			    2 * ((st.arena_free / UNIT + 63) / 64 * 8) + 63);
		assert_true((1 << 20) - mis - st.arena_meta - st.arena_free < 2 * UNIT);
	}
	free(buf);
}

static void zero_page(void **state)
{
	(void)state;
	static uint8_t page[PAGE], out[PAGE];
	struct zstore_stats st;
	uint64_t h = 0, h2 = 0;

	store_new(64 << 10);
	assert_int_equal(zstore_put(&Z, page, &h), 0);
	assert_int_equal(zstore_put(&Z, page, &h2), 0);
	assert_true(h != ZSTORE_HANDLE_NONE);
	assert_int_equal(h, h2);
	st = stats();
	assert_int_equal(st.pages, 2);
	assert_int_equal(st.same_filled, 2);
	assert_int_equal(st.bytes_in, 2 * PAGE);
	assert_int_equal(st.bytes_stored, 0);
	assert_int_equal(st.arena_used, 0);
	memset(out, 0x5a, sizeof(out));
	assert_int_equal(zstore_take(&Z, h, out), 0);
	assert_memory_equal(out, page, PAGE);
	assert_int_equal(zstore_drop(&Z, h2), 0);
	st = stats();
	assert_int_equal(st.pages, 0);
	assert_int_equal(st.same_filled, 0);
	/* None stored: a same-filled handle is refused now. */
	assert_int_equal(zstore_take(&Z, h, out), -S2_EINVAL);
	assert_int_equal(zstore_drop(&Z, h), -S2_EINVAL);
	assert_int_equal(zstore_take(&Z, ZSTORE_HANDLE_NONE, out), -S2_EINVAL);
}

static void same_filled(void **state)
{
	(void)state;
	static uint8_t page[PAGE];
	static const uint64_t words[] = {
		~0ULL, 1, 0x0101010101010101ULL, 0xdeadbeefcafebabeULL,
		0x8000000000000000ULL, 0x00000000ffffffffULL,
	};
	unsigned int blobs = 0;

	store_new(256 << 10);
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		page_fill(page, words[i]);
		assert_int_equal(round_trip(page), 0);
	}
	seed(1);
	for (int i = 0; i < 1000; i++) {
		uint64_t used;

		page_fill(page, rnd());
		/* 1 in 4096 words is a blob, of one unit */
		used = round_trip(page);
		assert_true(used == 0 || used == UNIT);
		blobs += used != 0;
	}
	assert_true(blobs <= 3);
	blobs = 0;
	/* Of the words t << 52, exactly one has a handle that would look
	 * like a blob's: it is compressed into one unit instead. */
	for (uint64_t t = 0; t < 4096; t++) {
		uint64_t used;

		page_fill(page, t << 52);
		used = round_trip(page);
		if (used) {
			assert_int_equal(used, UNIT);
			blobs++;
		}
	}
	assert_int_equal(blobs, 1);
	/* White box: a same-filled handle is the word XOR a key, which makes
	 * the zero page's handle the key. The page of that word would get
	 * handle 0 ("none"): it is a one-unit blob instead. */
	{
		uint64_t key, h;

		memset(page, 0, PAGE);
		assert_int_equal(zstore_put(&Z, page, &key), 0);
		assert_int_equal(zstore_drop(&Z, key), 0);
		page_fill(page, key);
		assert_int_equal(round_trip(page), UNIT);
		assert_int_equal(zstore_put(&Z, page, &h), 0);
		assert_true(h != ZSTORE_HANDLE_NONE);
		assert_int_equal(zstore_drop(&Z, h), 0);
	}
	/* A page that is not one word: one byte differs, at the end. */
	page_fill(page, 0x1122334455667788ULL);
	page[PAGE - 1] ^= 1;
	assert_int_equal(round_trip(page), UNIT);
	/* Repeated 32-bit word, but not 64-bit: 0xaaaabbbb 0xaaaabbbb ...
	 * is a 64-bit repeat too; 3-byte periods are not. */
	for (size_t i = 0; i < PAGE; i++)
		page[i] = (uint8_t)(i % 3);
	assert_int_equal(round_trip(page), UNIT);
}

/*
 * Blob sizes the format fixes. A zero page with its last byte 1: one
 * literal, one match of 4090 at offset 1 (token, 2 offset bytes, 16 bytes
 * of extension: 4086 - 15 = 15 * 255 + 246), then the last 5 literals:
 * 1 + 1 + 2 + 16 + 1 + 5 = 26. Bytes 0..255 sixteen times: 256 literals
 * (1 extension byte: 241), a match of 3835 at offset 256 (15 bytes:
 * 3816 = 14 * 255 + 246), 5 literals: 1 + 1 + 256 + 2 + 15 + 1 + 5 = 281.
 */
static void exact_sizes(void **state)
{
	(void)state;
	static uint8_t page[PAGE];
	struct zstore_stats st;
	uint64_t h, h2;

	store_new(256 << 10);
	memset(page, 0, PAGE);
	page[PAGE - 1] = 1;
	assert_int_equal(compress_check(page), 26);
	assert_int_equal(zstore_put(&Z, page, &h), 0);
	st = stats();
	assert_int_equal(st.bytes_stored, 26);
	assert_int_equal(st.arena_used, UNIT);
	assert_int_equal(st.raw, 0);

	for (size_t i = 0; i < PAGE; i++)
		page[i] = (uint8_t)i;
	assert_int_equal(compress_check(page), 281);
	assert_int_equal(zstore_put(&Z, page, &h2), 0);
	st = stats();
	assert_int_equal(st.bytes_stored, 26 + 281);
	assert_int_equal(st.arena_used, UNIT + 5 * UNIT);
	assert_int_equal(zstore_drop(&Z, h), 0);
	assert_int_equal(zstore_drop(&Z, h2), 0);
	st = stats();
	assert_int_equal(st.arena_used, 0);
	assert_int_equal(st.bytes_stored, 0);

	/* Too small an output buffer: refused, not overrun (ASan). */
	{
		uint8_t *small = malloc(280);

		assert_int_equal(zstore_compress(&Z, page, small, 280), -S2_ERANGE);
		free(small);
		small = malloc(281);
		assert_int_equal(zstore_compress(&Z, page, small, 281), 281);
		free(small);
	}
}

static void random_is_raw(void **state)
{
	(void)state;
	static uint8_t page[PAGE];
	struct zstore_stats st;
	uint64_t h;

	store_new(256 << 10);
	seed(2);
	page_random(page);
	/* Worst case of the format: a little over the page. */
	assert_int_equal(compress_check(page), 0);
	assert_int_equal(zstore_put(&Z, page, &h), 0);
	st = stats();
	assert_int_equal(st.raw, 1);
	assert_int_equal(st.bytes_stored, PAGE);
	assert_int_equal(st.arena_used, PAGE);
	assert_int_equal(zstore_drop(&Z, h), 0);
	for (int i = 0; i < 50; i++) {
		page_random(page);
		assert_int_equal(round_trip(page), PAGE);
	}
	/* Random in the first 3/4, zero after: a blob under 3/4 of a page. */
	memset(page + 3 * PAGE / 4, 0, PAGE / 4);
	assert_true(round_trip(page) <= 3 * PAGE / 4 + UNIT);
}

static void text_pages(void **state)
{
	(void)state;
	static uint8_t page[PAGE];

	store_new(256 << 10);
	for (unsigned int from = 1; from < 2000000; from = from * 3 + 7) {
		size_t n;

		page_seq(page, from);
		n = compress_check(page);
		/* Small numbers have few repeats to find (an LZ coder
		 * without entropy coding: ~1.0); from 5 digits on the
		 * shared prefixes pay. */
		if (from >= 10000)
			assert_true(n > 0 && n < 3 * PAGE / 4);
		round_trip(page);
	}
	seed(3);
	for (int i = 0; i < 50; i++) {
		size_t n;

		page_words(page);
		n = compress_check(page);
		assert_true(n > 0 && n < 3 * PAGE / 4);
		round_trip(page);
	}
}

static void long_repeats(void **state)
{
	(void)state;
	static uint8_t page[PAGE];

	store_new(256 << 10);
	/* Every period 1..300, from a random prefix, with a random tail. */
	seed(4);
	for (size_t period = 1; period <= 300; period++) {
		size_t n;

		for (size_t i = 0; i < period; i++)
			page[i] = (uint8_t)rnd();
		for (size_t i = period; i < PAGE; i++)
			page[i] = page[i - period];
		for (size_t i = PAGE - period % 17; i < PAGE; i++)
			page[i] = (uint8_t)rnd();
		n = compress_check(page);
		assert_true(n > 0 && n < period + 100);
		round_trip(page);
	}
	/* Match and literal lengths around every extension boundary. */
	for (size_t len = 1; len < 600; len++) {
		memset(page, 0, PAGE);
		for (size_t i = 0; i < len && 64 + i < PAGE; i++)
			page[64 + i] = (uint8_t)(rnd() | 1);
		page[PAGE - 1] = 7;
		compress_check(page);
		round_trip(page);
	}
	for (int i = 0; i < 500; i++) {
		page_repeats(page);
		compress_check(page);
		round_trip(page);
	}
}

static void guest_mixture(void **state)
{
	(void)state;
	static uint8_t page[PAGE];

	store_new(1 << 20);
	for (uint64_t n = 0; n < 4000; n++) {
		page_of(page, n);
		compress_check(page);
		round_trip(page);
	}
	assert_int_equal(stats().arena_used, 0);
}

/* The coder never writes past its output buffer: every page of the
 * mixture into heap buffers of exactly its blob's size and less (ASan). */
static void compress_bounds(void **state)
{
	(void)state;
	static uint8_t page[PAGE], blob[PAGE];

	store_new(64 << 10);
	for (uint64_t p = 0; p < 40 * K_NR; p++) {
		int n;

		page_of(page, p);
		n = zstore_compress(&Z, page, blob, sizeof(blob));
		if (n < 0)
			continue;
		for (int cap = n; cap >= 0 && cap > n - 40; cap--) {
			uint8_t *dst = malloc(cap ? (size_t)cap : 1);

			assert_non_null(dst);
			assert_int_equal(zstore_compress(&Z, page, dst, (size_t)cap),
					 cap == n ? n : -S2_ERANGE);
			if (cap == n)
				assert_memory_equal(dst, blob, (size_t)n);
			free(dst);
		}
	}
}

/* A full arena: -S2_ENOMEM changes nothing, and taking everything back
 * returns every unit (the same pages fit again). */
static void arena_full(void **state)
{
	(void)state;
	static uint8_t page[PAGE], out[PAGE];
	static uint64_t handles[64];
	struct zstore_stats full, after;
	unsigned int n = 0, n2 = 0;
	uint64_t h, units;

	store_new(ZSTORE_META_FIXED + 40 * PAGE + 16 * UNIT);
	units = stats().arena_free / UNIT;
	assert_true(units >= 40 * 64 && units < 41 * 64);
	for (;;) {
		struct zstore_stats before = stats();

		page_of(page, 5 + 8 * n);	/* K_RANDOM: raw */
		h = 0x1234;
		if (zstore_put(&Z, page, &h) == -S2_ENOMEM) {
			after = stats();
			assert_int_equal(h, 0x1234);
			assert_stats_equal(&before, &after);
			break;
		}
		assert_true(n < 64);
		handles[n++] = h;
	}
	assert_int_equal(n, 40);
	full = stats();
	assert_int_equal(full.raw, 40);
	assert_int_equal(full.arena_free, (units - 40 * 64) * UNIT);
	/* Full of units, not of pages: same-filled pages still go in. */
	page_fill(page, 0x77);
	assert_int_equal(zstore_put(&Z, page, &h), 0);
	assert_int_equal(zstore_drop(&Z, h), 0);
	after = stats();
	assert_stats_equal(&full, &after);

	/* Free every other page: 20 holes of 64 units, none larger. */
	for (unsigned int i = 0; i < n; i += 2) {
		page_of(page, 5 + 8 * i);
		assert_int_equal(zstore_take(&Z, handles[i], out), 0);
		assert_memory_equal(out, page, PAGE);
	}
	/* 20 one-unit blobs go where they fit best: the spare units left
	 * at the start, then one hole, not one unit of each. */
	memset(page, 0, PAGE);
	for (n2 = 0; n2 < 20; n2++) {
		/* never all zero: no same-filled page */
		page[PAGE - 1] = (uint8_t)(1 + n2 % 255);
		page[PAGE - 2] = (uint8_t)(1 + n2 / 255 % 255);
		assert_int_equal(zstore_put(&Z, page, &h), 0);
	}
	/* So 19 raw pages still fit, and the 20th does not, with free units
	 * left but no 64 together: refused, nothing changed. */
	for (unsigned int i = 0; i < 19; i++) {
		page_of(page, 5 + 8 * (100 + i));
		assert_int_equal(zstore_put(&Z, page, &h), 0);
	}
	full = stats();
	assert_true(full.arena_free > 0 && full.arena_free < PAGE);
	page_of(page, 5 + 8 * 200);
	h = 0x1234;
	assert_int_equal(zstore_put(&Z, page, &h), -S2_ENOMEM);
	assert_int_equal(h, 0x1234);
	after = stats();
	assert_stats_equal(&full, &after);
	/* Small blobs fill the rest, to the last unit. */
	memset(page, 0, PAGE);
	for (;; n2++) {
		page[PAGE - 1] = (uint8_t)(1 + n2 % 255);
		page[PAGE - 2] = (uint8_t)(1 + n2 / 255 % 255);
		if (zstore_put(&Z, page, &h) == -S2_ENOMEM)
			break;
	}
	assert_int_equal(n2, 20 + full.arena_free / UNIT);
	after = stats();
	assert_int_equal(after.arena_free, 0);
	assert_int_equal(after.arena_used, units * UNIT);
	assert_int_equal(after.pages, 20 + 19 + n2);
	assert_int_equal(after.raw, 20 + 19);
	/* Re-init drops everything at once. */
	assert_int_equal(zstore_init(&Z, arena,
				     ZSTORE_META_FIXED + 40 * PAGE + 16 * UNIT), 0);
	assert_int_equal(stats().arena_free, units * UNIT);
}

/*
 * 100,000 pages of the mixture through an arena of 128 pages, at most 48
 * live at once: never full, each page read back as written, and at the
 * end every unit free and merged into one block (128 raw pages fit).
 */
static void churn(void **state)
{
	(void)state;
	enum { LIVE = 48, TOTAL = 100000 };
	static uint8_t page[PAGE], out[PAGE];
	static uint64_t handle[LIVE], num[LIVE];
	struct zstore_stats st;
	unsigned int live = 0;
	uint64_t next = 1000, max_used = 0, walk = 42, units;

	store_new(ZSTORE_META_FIXED + 128 * PAGE + 64 * UNIT);
	assert_true(stats().arena_free >= 128 * PAGE);
	assert_true(stats().arena_free < 129 * PAGE);
	units = stats().arena_free / UNIT;

	while (next < 1000 + TOTAL || live) {
		/* Its own generator: page_of() reseeds rnd(). */
		uint64_t r = (walk = walk * 6364136223846793005ULL +
			      1442695040888963407ULL) >> 16;

		if (next < 1000 + TOTAL && (live < LIVE / 2 || (live < LIVE && r % 2))) {
			page_of(page, next);
			assert_int_equal(zstore_put(&Z, page, &handle[live]), 0);
			num[live++] = next++;
		} else {
			unsigned int i = (unsigned int)(r >> 32) % live;

			page_of(page, num[i]);
			if (r & 4) {
				assert_int_equal(zstore_take(&Z, handle[i], out), 0);
				assert_memory_equal(out, page, PAGE);
			} else {
				assert_int_equal(zstore_drop(&Z, handle[i]), 0);
			}
			handle[i] = handle[--live];
			num[i] = num[live];
		}
		st = stats();
		if (st.arena_used > max_used)
			max_used = st.arena_used;
		assert_int_equal(st.arena_used + st.arena_free, units * UNIT);
	}
	st = stats();
	assert_int_equal(st.pages, 0);
	assert_int_equal(st.bytes_stored, 0);
	assert_int_equal(st.arena_used, 0);
	print_message("churn: %d pages, at most %llu KiB of units used\n",
		      TOTAL, (unsigned long long)max_used >> 10);
	/* One free block again: 128 raw pages fit. */
	seed(9);
	for (unsigned int i = 0; i < 128; i++) {
		page_random(page);
		assert_int_equal(zstore_put(&Z, page, &handle[0]), 0);
	}
	assert_int_equal(zstore_put(&Z, page, &handle[0]), -S2_ENOMEM);
}

static void bad_handles(void **state)
{
	(void)state;
	static uint8_t page[PAGE], out[PAGE];
	struct zstore_stats before, after;
	uint64_t h, h2, h3;

	store_new(256 << 10);
	seed(5);
	page_words(page);
	assert_int_equal(zstore_put(&Z, page, &h), 0);
	page_random(page);
	assert_int_equal(zstore_put(&Z, page, &h2), 0);
	page_fill(page, 3);
	assert_int_equal(zstore_put(&Z, page, &h3), 0);
	before = stats();

	/* Each bit of a blob's handle flipped, but the tag's: the length
	 * or the unit is wrong, or the check byte. */
	for (int bit = 0; bit < 128; bit++) {
		uint64_t bad = (bit < 64 ? h : h2) ^ (1ULL << bit % 64);

		if (bad >> 52 != h >> 52)
			continue;	/* reads as a same-filled page */
		assert_true(bad != h && bad != h2);
		assert_int_equal(zstore_take(&Z, bad, out), -S2_EINVAL);
		assert_int_equal(zstore_drop(&Z, bad), -S2_EINVAL);
	}
	after = stats();
	assert_stats_equal(&before, &after);

	/* Taken twice; dropped after taken. */
	seed(5);
	page_words(page);
	assert_int_equal(zstore_take(&Z, h, out), 0);
	assert_memory_equal(out, page, PAGE);
	assert_int_equal(zstore_take(&Z, h, out), -S2_EINVAL);
	assert_int_equal(zstore_drop(&Z, h), -S2_EINVAL);
	assert_int_equal(zstore_drop(&Z, h2), 0);
	assert_int_equal(zstore_drop(&Z, h2), -S2_EINVAL);
	assert_int_equal(zstore_take(&Z, h2, out), -S2_EINVAL);
	after = stats();
	assert_int_equal(after.pages, 1);
	assert_int_equal(after.arena_used, 0);
	assert_int_equal(zstore_drop(&Z, h3), 0);
}

/* Blobs of every kind of page, damaged: each byte set to a few values,
 * random bytes flipped, cut short, extended. */
static void corrupt_blobs(void **state)
{
	(void)state;
	static uint8_t page[PAGE], blob[PAGE], bad[PAGE + 16], out[PAGE];
	unsigned long accepted = 0, tried = 0;

	store_new(256 << 10);
	for (uint64_t p = 0; p < 3 * K_NR; p++) {
		int n;

		page_of(page, p);
		n = zstore_compress(&Z, page, blob, sizeof(blob));
		if (n < 0)
			continue;
		/* Cut short or extended: always refused. */
		for (int k = 0; k < n; k++)
			assert_int_equal(decode_exact(blob, (size_t)k, out), -S2_EINVAL);
		memcpy(bad, blob, (size_t)n);
		for (int k = 1; k <= 16; k++) {
			bad[n + k - 1] = (uint8_t)k;
			assert_int_equal(decode_exact(bad, (size_t)(n + k), out), -S2_EINVAL);
		}
		/* Each byte replaced: decoders agree; the intact one
		 * round-trips. */
		for (int k = 0; k < n; k++) {
			static const uint8_t vals[] = { 0, 0x0f, 0xf0, 0xff, 0x01 };

			memcpy(bad, blob, (size_t)n);
			for (size_t v = 0; v < sizeof(vals); v++) {
				bad[k] = vals[v] == blob[k] ? (uint8_t)~vals[v] : vals[v];
				tried++;
				accepted += decode_both(bad, (size_t)n, out) == 0;
			}
			bad[k] = blob[k] ^ (uint8_t)(1 << (rnd() % 8));
			tried++;
			accepted += decode_both(bad, (size_t)n, out) == 0;
		}
		/* Several random flips at once. */
		for (int t = 0; t < 300; t++) {
			memcpy(bad, blob, (size_t)n);
			int flips = 1 + (int)(rnd() % 6);

			for (int f = 0; f < flips; f++) {
				size_t at = rnd() % (uint64_t)n;

				bad[at] ^= (uint8_t)(1 + rnd() % 255);
			}
			tried++;
			accepted += decode_both(bad, (size_t)n, out) == 0;
		}
		assert_int_equal(decode_both(blob, (size_t)n, out), 0);
		assert_memory_equal(out, page, PAGE);
	}
	/* Noise: random lengths, tokens biased to long runs. */
	seed(6);
	for (int t = 0; t < 20000; t++) {
		size_t n = rnd() % (t % 2 ? 64 : 4200);

		for (size_t i = 0; i < n; i++)
			bad[i % sizeof(bad)] = (uint8_t)(rnd() % 3 ? rnd() : 0xff);
		tried++;
		accepted += decode_both(bad, n < sizeof(bad) ? n : sizeof(bad), out) == 0;
	}
	print_message("corrupt blobs: %lu tried, %lu decoded to some page\n",
		      tried, accepted);
}

/* A blob damaged inside the arena is refused by take and stays stored. */
static void corrupt_in_arena(void **state)
{
	(void)state;
	static uint8_t page[PAGE], blob[PAGE], out[PAGE];
	struct zstore_stats st;
	uint8_t *at = NULL;
	uint64_t h;
	int n;

	store_new(64 << 10);
	seed(7);
	page_words(page);
	n = zstore_compress(&Z, page, blob, sizeof(blob));
	assert_true(n > 64);
	assert_int_equal(zstore_put(&Z, page, &h), 0);
	/* The blob is somewhere in the units (the scratch buffer before
	 * them holds a copy): find it. */
	for (size_t i = stats().arena_meta; i + (size_t)n <= (64 << 10) && !at; i++)
		if (!memcmp(arena + i, blob, (size_t)n))
			at = arena + i;
	assert_non_null(at);
	/* First token: 15 literals and more, then 255s: a literal run
	 * longer than the page. */
	at[0] = 0xf0;
	memset(at + 1, 0xff, 20);
	st = stats();
	assert_int_equal(zstore_take(&Z, h, out), -S2_EINVAL);
	assert_int_equal(stats().pages, st.pages);
	assert_int_equal(stats().arena_used, st.arena_used);
	assert_int_equal(zstore_drop(&Z, h), 0);
	assert_int_equal(stats().arena_used, 0);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Seconds per call of what, best of 15 batches: the machine may be busy. */
#define BEST_OF(what) __extension__({					\
	double best = 1e9;						\
	for (int r = 0; r < 15; r++) {					\
		double t0 = now(), t;					\
		for (int i = 0; i < 100; i++)				\
			what;						\
		t = (now() - t0) / 100;					\
		if (t < best)						\
			best = t;					\
	}								\
	best;								\
})

static void bench_one(const char *name, const uint8_t *page)
{
	static uint8_t blob[PAGE], out[PAGE];
	int n = zstore_compress(&Z, page, blob, sizeof(blob));
	double tc, td;

	assert_true(n > 0);
	tc = BEST_OF(zstore_compress(&Z, page, blob, sizeof(blob)));
	td = BEST_OF(zstore_decompress(blob, (size_t)n, out));
	assert_memory_equal(out, page, PAGE);
	print_message("%-22s %4d bytes (ratio %4.2f)  compress %5.0f MB/s  "
		      "decompress %5.0f MB/s\n", name, n, (double)PAGE / n,
		      PAGE / tc / 1e6, PAGE / td / 1e6);
}

static void bench(void **state)
{
	(void)state;
	static uint8_t page[PAGE];
	uint64_t h;

	store_new(1 << 20);
	page_seq(page, 1);
	bench_one("seq 1.. (text)", page);
	page_seq(page, 100000);
	bench_one("seq 100000..", page);
	seed(8);
	page_words(page);
	bench_one("English-like words", page);
	page_guest(page);
	bench_one("guest-like structures", page);
	page_repeats(page);
	bench_one("runs and copies", page);

	/* Incompressible: the search's skip makes a miss cheap. */
	page_random(page);
	{
		static uint8_t blob[PAGE];
		double t = BEST_OF(zstore_compress(&Z, page, blob, PAGE - UNIT));

		print_message("%-22s raw (gives up)      compress %5.0f MB/s\n",
			      "random", PAGE / t / 1e6);
	}
	/* put + take, compression and allocation included. */
	page_words(page);
	{
		static uint8_t out[PAGE];
		double t = BEST_OF((zstore_put(&Z, page, &h),
				    zstore_take(&Z, h, out)));

		print_message("%-22s put + take %5.0f MB/s\n",
			      "English-like words", PAGE / t / 1e6);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(init_sizes),
		cmocka_unit_test(zero_page),
		cmocka_unit_test(same_filled),
		cmocka_unit_test(exact_sizes),
		cmocka_unit_test(random_is_raw),
		cmocka_unit_test(text_pages),
		cmocka_unit_test(long_repeats),
		cmocka_unit_test(guest_mixture),
		cmocka_unit_test(compress_bounds),
		cmocka_unit_test(arena_full),
		cmocka_unit_test(churn),
		cmocka_unit_test(bad_handles),
		cmocka_unit_test(corrupt_blobs),
		cmocka_unit_test(corrupt_in_arena),
		cmocka_unit_test(bench),
	};

	return cmocka_run_group_tests(tests, NULL, teardown);
}

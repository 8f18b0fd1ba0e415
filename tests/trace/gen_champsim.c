/* SPDX-License-Identifier: MIT */
/*
 * A ChampSim trace with known answers, for tests/trace/champsim.sh.
 * Usage: gen_champsim PREFIX [RECORDS [CUT]]
 * Writes PREFIX.champsimtrace (plain) and PREFIX.champsimtrace.xz (through
 * liblzma: the xz command is not in every Debian base system), the last
 * CUT bytes of the records left out of both (a record cut short); and
 * PREFIX.lackey, the same accesses as lackey lines of size 1, in the order
 * the replay makes them (fetch, loads, stores). Prints
 *   records R fetches F loads L stores S pages P
 * counted here while writing: P is the number of distinct 4K VA pages.
 *
 * The records are written field by field from ChampSim's struct
 * input_instr (64 bytes, little-endian), not with the reader's header, so
 * that a reader decoding the wrong offsets disagrees. What the replay's
 * counting rules meet:
 * - used memory slots anywhere among the unused ones (slot 2 alone, slots
 *   1 and 3...): a zero slot is skipped, not the end of the list;
 * - accesses at the last byte of a page (fetches, loads, stores): 1 byte
 *   each, none crosses (an 8-byte access would, and count twice);
 * - 47-bit VAs (x86-64 stacks and PIE text);
 * - nonzero branch and register fields, which replay nothing.
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lzma.h>

#define REC 64

static uint64_t *pages;
static size_t npages;
static FILE *lackey;

static void note(char kind, uint64_t va)
{
	pages[npages++] = va >> 12;
	if (kind == 'I')
		fprintf(lackey, "I  %08" PRIx64 ",1\n", va);
	else
		fprintf(lackey, " %c %08" PRIx64 ",1\n", kind, va);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void put64(unsigned char *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* Record @i's bytes into @p; counts its accesses. */
static void record(unsigned char *p, unsigned int i, uint64_t *loads, uint64_t *stores)
{
	/* Which slots hold an address: i % 5 loads, i % 3 stores. */
	static const unsigned int src_mask[5] = { 0x0, 0x4, 0xa, 0xb, 0xf };
	static const unsigned int dst_mask[3] = { 0x0, 0x2, 0x3 };
	uint64_t ip = 0x400fff + 6ULL * i;
	uint64_t src[4] = {
		0x10000000 + 520ULL * i,                 /* heap, 127 pages */
		0x7ffd4a3bf000 - 8ULL * i,               /* the stack */
		0x20000fff + 4096ULL * (i % 37),         /* last bytes of pages */
		0x555555554000 + (7919ULL * i) % 100000, /* PIE data */
	};
	uint64_t dst[2] = {
		0x10000000 + 520ULL * i + 4,             /* the loads' pages */
		0x30000fff + 4096ULL * (i % 11),         /* last bytes of pages */
	};

	memset(p, 0, REC);
	put64(p, ip);
	note('I', ip);
	p[8] = (unsigned char)(i & 1);            /* is_branch */
	p[9] = (unsigned char)((i >> 1) & 1);     /* branch_taken */
	p[10] = 26;                               /* destination registers */
	p[11] = (unsigned char)(i % 64);
	for (int k = 0; k < 4; k++)               /* source registers */
		p[12 + k] = (unsigned char)(k + 1 + i % 7);
	for (int k = 0; k < 4; k++)
		if (src_mask[i % 5] & (1u << k)) {
			put64(p + 32 + 8 * k, src[k]);
			note('L', src[k]);
			++*loads;
		}
	for (int k = 0; k < 2; k++)
		if (dst_mask[i % 3] & (1u << k)) {
			put64(p + 16 + 8 * k, dst[k]);
			note('S', dst[k]);
			++*stores;
		}
}

static int write_xz(const char *path, const unsigned char *buf, size_t len)
{
	lzma_stream s = LZMA_STREAM_INIT;
	size_t cap = len + len / 2 + 4096, n;
	unsigned char *out = malloc(cap);
	FILE *f;

	if (!out || lzma_easy_encoder(&s, 6, LZMA_CHECK_CRC64) != LZMA_OK)
		return -1;
	s.next_in = buf;
	s.avail_in = len;
	s.next_out = out;
	s.avail_out = cap;
	if (lzma_code(&s, LZMA_FINISH) != LZMA_STREAM_END)
		return -1;
	n = cap - s.avail_out;
	lzma_end(&s);
	f = fopen(path, "wb");
	if (!f || fwrite(out, 1, n, f) != n || fclose(f))
		return -1;
	free(out);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned int n = argc > 2 ? (unsigned int)strtoul(argv[2], NULL, 0) : 1000;
	size_t cut = argc > 3 ? strtoul(argv[3], NULL, 0) : 0, len = (size_t)n * REC;
	uint64_t loads = 0, stores = 0, distinct = 0;
	unsigned char *buf;
	char path[4096];
	FILE *f;

	if (argc < 2 || !n || cut >= len) {
		fprintf(stderr, "usage: gen_champsim PREFIX [RECORDS [CUT]]\n");
		return 2;
	}
	buf = malloc(len);
	pages = malloc((size_t)n * 7 * sizeof(*pages));
	snprintf(path, sizeof(path), "%s.lackey", argv[1]);
	lackey = fopen(path, "w");
	if (!buf || !pages || !lackey)
		return 2;
	for (unsigned int i = 0; i < n; i++)
		record(buf + (size_t)i * REC, i, &loads, &stores);
	if (fclose(lackey))
		return 2;
	len -= cut;
	qsort(pages, npages, sizeof(*pages), cmp_u64);
	for (size_t i = 0; i < npages; i++)
		distinct += !i || pages[i] != pages[i - 1];

	snprintf(path, sizeof(path), "%s.champsimtrace", argv[1]);
	f = fopen(path, "wb");
	if (!f || fwrite(buf, 1, len, f) != len || fclose(f)) {
		perror(path);
		return 2;
	}
	snprintf(path, sizeof(path), "%s.champsimtrace.xz", argv[1]);
	if (write_xz(path, buf, len)) {
		fprintf(stderr, "%s: cannot write\n", path);
		return 2;
	}
	printf("records %u fetches %u loads %" PRIu64 " stores %" PRIu64 " pages %" PRIu64 "\n",
	       n, n, loads, stores, distinct);
	free(buf);
	free(pages);
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * An independent reading of an s2mm trace, written from
 * docs/trace-format.md alone (not from trace/s2t_read.c), for the tests:
 * prints "accesses N ram_pages N io N fetch_data_pairs N
 * fetch_data_conflicts N", where
 * ram_pages counts the distinct 4K PA pages of RAM the accesses touched
 * and a fetch/data conflict is a fetch whose PA page differs from that of
 * the last data access to the same upper-half VA page (a wrong fetch PA).
 * Usage: pages TRACE. Exit status 1 on anything unexpected.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

static unsigned char *bits;           /* one bit per RAM page */
static uint64_t ram_base, ram_pages, distinct;

struct slot { uint64_t vp, pp1; };

static int die(const char *why)
{
	fprintf(stderr, "pages: %s\n", why);
	exit(1);
}

int main(int argc, char **argv)
{
	static unsigned char in[1 << 16], out[1 << 20];
	unsigned char hdr[32];
	FILE *f = argc == 2 ? fopen(argv[1], "rb") : NULL;
	ZSTD_DStream *ds = ZSTD_createDStream();
	size_t have = 0, pos = 0;
	uint64_t acc = 0, io = 0, conflicts = 0, pairs = 0, vcpu = 0, vcpus;
	uint64_t (*last)[2];
	struct slot (*pred)[4096];
	/* Upper-half VA page -> PA page + 1 of its last data access. */
	static uint64_t dkey[1 << 20], dval[1 << 20];
	int done = 0;

	if (!f || fread(hdr, 1, 32, f) != 32 || memcmp(hdr, "\x89S2MMTR\n", 8))
		die("not a trace");
	vcpus = hdr[16] | hdr[17] << 8;
	ram_base = (uint64_t)(hdr[20] | hdr[21] << 8 | hdr[22] << 16 | (uint64_t)hdr[23] << 24);
	ram_pages = (uint64_t)(hdr[24] | hdr[25] << 8 | hdr[26] << 16 | (uint64_t)hdr[27] << 24);
	bits = calloc(ram_pages / 8 + 1, 1);
	last = calloc(vcpus, sizeof(*last));
	pred = calloc(vcpus, sizeof(*pred));
	if (!bits || !last || !pred)
		die("memory");
	for (uint64_t v = 0; v < vcpus; v++)
		for (int i = 0; i < 4096; i++)
			pred[v][i].vp = UINT64_MAX;
	ZSTD_initDStream(ds);
	ZSTD_inBuffer ib = { in, 0, 0 };
	while (!done) {
		/* Keep at least 32 decoded bytes ahead, or the stream's end. */
		if (have - pos < 32) {
			memmove(out, out + pos, have - pos);
			have -= pos;
			pos = 0;
			while (have < 32) {
				ZSTD_outBuffer ob = { out, sizeof(out), have };

				if (ib.pos == ib.size) {
					ib.size = fread(in, 1, sizeof(in), f);
					ib.pos = 0;
					if (!ib.size)
						break;
				}
				if (ZSTD_isError(ZSTD_decompressStream(ds, &ob, &ib)))
					die("zstd");
				have = ob.pos;
			}
			if (have == pos)
				die("no end record");
		}
		unsigned char *p = out + pos, t = *p++;
#define VARINT(x) do { uint64_t _v = 0; int _s = 0; unsigned char _b; \
		do { _b = *p++; _v |= (uint64_t)(_b & 0x7f) << _s; _s += 7; } while (_b & 0x80); \
		(x) = _v; } while (0)
		uint64_t z, va, pp1 = 0;

		if ((t & 3) == 3) {
			uint64_t c;

			switch (t >> 2) {
			case 0: VARINT(vcpu); if (vcpu >= vcpus) die("vcpu"); break;
			case 1: VARINT(z); p += 4; break;
			case 2: for (int i = 0; i < 4; i++) VARINT(c); done = 1; (void)c; break;
			default: die("tag");
			}
			pos = (size_t)(p - out);
			continue;
		}
		int fetch = (t & 3) == 2;
		VARINT(z);
		va = last[vcpu][fetch] + (uint64_t)((int64_t)(z >> 1) ^ -(int64_t)(z & 1));
		last[vcpu][fetch] = va;
		struct slot *sl = &pred[vcpu][(va >> 12) & 4095];
		if (t & 0x40) {
			VARINT(pp1);
			sl->vp = va >> 12;
			sl->pp1 = pp1;
		} else if (sl->vp != va >> 12) {
			die("no prediction");
		}
		pp1 = sl->pp1;
		pos = (size_t)(p - out);
		acc++;
		if (t & 0x80) {
			io++;
			continue;
		}
		if (!pp1)
			continue;
		uint64_t pg = pp1 - 1;
		if (pg - (ram_base) < ram_pages && !(bits[(pg - ram_base) / 8] >> ((pg - ram_base) % 8) & 1)) {
			bits[(pg - ram_base) / 8] |= (unsigned char)(1 << ((pg - ram_base) % 8));
			distinct++;
		}
		if (va >> 55 & 1) {
			size_t h = (size_t)((va >> 12) * 0x9E3779B97F4A7C15ULL >> 44);

			if (!fetch) {
				dkey[h] = va >> 12;
				dval[h] = pp1;
			} else if (dkey[h] == va >> 12 && dval[h]) {
				pairs++;
				conflicts += dval[h] != pp1;
			}
		}
	}
	printf("accesses %llu ram_pages %llu io %llu fetch_data_pairs %llu "
	       "fetch_data_conflicts %llu\n", (unsigned long long)acc,
	       (unsigned long long)distinct, (unsigned long long)io,
	       (unsigned long long)pairs, (unsigned long long)conflicts);
	ZSTD_freeDStream(ds);
	free(bits);
	free(last);
	free(pred);
	fclose(f);
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * The ChampSim trace reader: the file is read and decompressed a buffer at
 * a time (input.h: plain, gzip or xz, whole or an error); records are
 * decoded from the decompressed buffer, refilled whenever it holds less
 * than a whole record.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "champsim.h"
#include "input.h"

/* Decoded bytes: up to 1024 records at a time. */
#define OUT_SIZE (1024u * CHAMPSIM_RECORD_SIZE)

struct champsim_reader {
	struct tin *in;
	uint64_t n;                /* records returned */
	int failed;                /* the error, returned again if asked */
	size_t pos, len;           /* decoded bytes in out[] */
	char err[240], where[64];
	unsigned char out[OUT_SIZE];
};

static int fail(struct champsim_reader *r, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct champsim_reader *r, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->err, sizeof(r->err), fmt, ap);
	va_end(ap);
	return code;
}

static bool ends_with(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);

	return n >= k && !memcmp(s + n - k, suffix, k);
}

bool champsim_named(const char *path)
{
	size_t n = path ? strlen(path) : 0;

	return ends_with(path, n, ".champsim") || ends_with(path, n, ".champsimtrace") ||
	       ends_with(path, n, ".champsimtrace.xz") ||
	       ends_with(path, n, ".champsimtrace.gz");
}

/*
 * Where in the records the decompressor is, for its errors: "after record
 * 12", "in record 13 (5 of its 64 bytes)", "before the first record".
 */
static const char *where(void *arg, uint64_t produced)
{
	struct champsim_reader *r = arg;
	uint64_t whole = produced / CHAMPSIM_RECORD_SIZE;
	unsigned int part = (unsigned int)(produced % CHAMPSIM_RECORD_SIZE);

	if (part)
		snprintf(r->where, sizeof(r->where), "in record %" PRIu64 " (%u of its %d bytes)",
			 whole + 1, part, CHAMPSIM_RECORD_SIZE);
	else if (whole)
		snprintf(r->where, sizeof(r->where), "after record %" PRIu64, whole);
	else
		snprintf(r->where, sizeof(r->where), "before the first record");
	return r->where;
}

int champsim_reader_open(struct champsim_reader **out, int fd)
{
	struct champsim_reader *r = calloc(1, sizeof(*r));
	int err;

	*out = r;
	if (!r)
		return -ENOMEM;
	err = tin_open(&r->in, fd, where, r);
	if (err)
		return fail(r, err, "%s", r->in ? tin_error(r->in) : "out of memory");
	return 0;
}

static uint64_t le64(const unsigned char *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

int champsim_read(struct champsim_reader *r, struct champsim_rec *rec)
{
	const unsigned char *p;

	/* After an error the decoders' state is undefined: no more records. */
	if (r->failed)
		return r->failed;
	while (r->len - r->pos < CHAMPSIM_RECORD_SIZE) {
		long k;

		memmove(r->out, r->out + r->pos, r->len - r->pos);
		r->len -= r->pos;
		r->pos = 0;
		k = tin_read(r->in, r->out + r->len, OUT_SIZE - r->len);
		if (k < 0)
			return r->failed = fail(r, (int)k, "%s", tin_error(r->in));
		if (!k) {
			if (!r->len)
				return 0;
			return r->failed = fail(r, -EPIPE, "truncated: record %" PRIu64
						" is cut short after %zu bytes (of %d)",
						r->n + 1, r->len, CHAMPSIM_RECORD_SIZE);
		}
		r->len += (size_t)k;
	}
	p = r->out + r->pos;
	r->pos += CHAMPSIM_RECORD_SIZE;
	rec->n = ++r->n;
	rec->ip = le64(p);
	rec->is_branch = p[8];
	rec->branch_taken = p[9];
	memcpy(rec->dst_regs, p + 10, 2);
	memcpy(rec->src_regs, p + 12, 4);
	for (int i = 0; i < CHAMPSIM_DST_MEM; i++)
		rec->dst_mem[i] = le64(p + 16 + 8 * i);
	for (int i = 0; i < CHAMPSIM_SRC_MEM; i++)
		rec->src_mem[i] = le64(p + 32 + 8 * i);
	return 1;
}

const char *champsim_reader_error(const struct champsim_reader *r)
{
	return r->err;
}

void champsim_reader_close(struct champsim_reader *r)
{
	if (!r)
		return;
	tin_close(r->in);
	free(r);
}

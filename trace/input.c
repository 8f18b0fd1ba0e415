/* SPDX-License-Identifier: MIT */
/*
 * Decompressing input (input.h). Both decompressors are driven here
 * rather than through gzread() or xz -dc: those take a cut stream for its
 * end unless asked, and skip what follows it.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lzma.h>
#include <zlib.h>

#include "input.h"

#define IN_SIZE (1u << 17)

enum tin_comp { TIN_PLAIN, TIN_GZIP, TIN_XZ };

static const unsigned char xz_magic[6] = { 0xfd, '7', 'z', 'X', 'Z', 0x00 };

struct tin {
	int fd;
	enum tin_comp comp;
	bool file_eof;             /* read() said the file ended */
	bool stream_end;           /* the compressed stream (member) ended */
	bool later_stream;         /* xz: decoding a stream after the first */
	bool zs_init, xs_init;
	unsigned int pad;          /* xz: zero bytes of stream padding seen */
	uint64_t produced;         /* bytes decompressed, for where() */
	tin_where_fn *where_fn;
	void *where_arg;
	size_t in_pos, in_len;     /* unread input in inbuf[] */
	z_stream zs;
	lzma_stream xs;
	char err[200];
	unsigned char inbuf[IN_SIZE];
};

static int fail(struct tin *r, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct tin *r, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->err, sizeof(r->err), fmt, ap);
	va_end(ap);
	return code;
}

/* The place for a message: @pre, the caller's place, @post; or "". */
static const char *where(struct tin *r, const char *pre, const char *post, char *buf,
			 size_t n)
{
	const char *w = r->where_fn ? r->where_fn(r->where_arg, r->produced) : NULL;

	if (!w)
		return "";
	snprintf(buf, n, "%s%s%s", pre, w, post);
	return buf;
}

/*
 * Read up to @len bytes of the file into @dst. Return: the count (0 sets
 * r->file_eof), or -EIO.
 */
static ssize_t read_file(struct tin *r, void *dst, size_t len)
{
	ssize_t k;

	do
		k = read(r->fd, dst, len);
	while (k < 0 && errno == EINTR);
	if (k < 0)
		return fail(r, -EIO, "cannot read: %s", strerror(errno));
	r->file_eof = !k;
	return k;
}

/*
 * Read more of the file into inbuf[] after what is left there.
 * Return: 0 (r->file_eof at its end), or -EIO.
 */
static int fill_in(struct tin *r)
{
	size_t keep = r->in_len - r->in_pos;
	ssize_t k;

	memmove(r->inbuf, r->inbuf + r->in_pos, keep);
	k = read_file(r, r->inbuf + keep, sizeof(r->inbuf) - keep);
	if (k < 0)
		return -EIO;
	r->in_pos = 0;
	r->in_len = keep + (size_t)k;
	return 0;
}

int tin_open(struct tin **out, int fd, tin_where_fn *where_fn, void *arg)
{
	struct tin *r = calloc(1, sizeof(*r));
	const unsigned char *p;

	*out = r;
	if (!r)
		return -ENOMEM;
	r->fd = fd;
	r->where_fn = where_fn;
	r->where_arg = arg;
	/* A pipe may hand over the magic a byte at a time. */
	while (r->in_len < sizeof(xz_magic) && !r->file_eof)
		if (fill_in(r))
			return -EIO;
	p = r->inbuf;
	if (r->in_len >= sizeof(xz_magic) && !memcmp(p, xz_magic, sizeof(xz_magic))) {
		/*
		 * One stream at a time (not LZMA_CONCATENATED): what follows
		 * a stream is looked at here, to tell another stream from
		 * garbage. No memory limit: the file's own settings decide,
		 * as with xz -d.
		 */
		r->comp = TIN_XZ;
		r->xs = (lzma_stream)LZMA_STREAM_INIT;
		if (lzma_stream_decoder(&r->xs, UINT64_MAX, 0) != LZMA_OK)
			return fail(r, -ENOMEM, "cannot start liblzma");
		r->xs_init = true;
	} else if (r->in_len >= 2 && p[0] == 0x1f && p[1] == 0x8b) {
		r->comp = TIN_GZIP;
		/* 16 + MAX_WBITS: a gzip header and trailer (CRC, length) only. */
		if (inflateInit2(&r->zs, 16 + MAX_WBITS) != Z_OK)
			return fail(r, -ENOMEM, "cannot start zlib");
		r->zs_init = true;
	}
	return 0;
}

/* Plain: the file's bytes. Return: the count, 0 at its end, or -EIO. */
static long get_plain(struct tin *r, unsigned char *dst, size_t len)
{
	size_t n;

	if (r->in_pos == r->in_len) {
		if (r->file_eof)
			return 0;
		/* A request as large as inbuf[]: the file's bytes go straight
		 * there, not copied through inbuf[] (9% of a trace replay's
		 * instructions). */
		if (len >= sizeof(r->inbuf)) {
			ssize_t k = read_file(r, dst, len);

			if (k > 0)
				r->produced += (uint64_t)k;
			return k < 0 ? -EIO : (long)k;
		}
		if (fill_in(r))
			return -EIO;
	}
	n = r->in_len - r->in_pos < len ? r->in_len - r->in_pos : len;
	memcpy(dst, r->inbuf + r->in_pos, n);
	r->in_pos += n;
	r->produced += n;
	return (long)n;
}

/*
 * gzip: inflated bytes. Several members one after another are one trace,
 * as gzip -d reads them. Return: the count, 0 at the end of the last
 * member where the file ends, or a negative errno (r->err says why).
 */
static long get_gzip(struct tin *r, unsigned char *dst, size_t len)
{
	z_stream *zs = &r->zs;
	char wb[96];

	zs->next_out = dst;
	zs->avail_out = (unsigned int)len;
	for (;;) {
		size_t produced;
		int rc;

		if (r->in_pos == r->in_len && !r->file_eof && fill_in(r))
			return -EIO;
		zs->next_in = r->inbuf + r->in_pos;
		zs->avail_in = (unsigned int)(r->in_len - r->in_pos);
		if (r->stream_end) {
			if (!zs->avail_in) {
				if (r->file_eof)
					return 0;
				continue;
			}
			if (zs->next_in[0] != 0x1f)
				return fail(r, -EILSEQ, "data after the end of the gzip stream%s",
					    where(r, " (", ")", wb, sizeof(wb)));
			inflateReset(zs);
			r->stream_end = false;
		}
		rc = inflate(zs, Z_NO_FLUSH);
		r->in_pos = r->in_len - zs->avail_in;
		produced = len - zs->avail_out;
		r->produced += produced; /* the only pass with output: it returns */
		if (rc == Z_STREAM_END)
			r->stream_end = true;
		else if (rc == Z_MEM_ERROR)
			return fail(r, -ENOMEM, "out of memory (zlib)");
		else if (rc != Z_OK && rc != Z_BUF_ERROR)
			return fail(r, -EILSEQ, "corrupt gzip data%s: %s",
				    where(r, " ", "", wb, sizeof(wb)),
				    zs->msg ? zs->msg : zError(rc));
		else if (!produced && !zs->avail_in && r->file_eof)
			return fail(r, -EPIPE, "truncated: the gzip stream ends early "
				    "(unexpected end of file)%s",
				    where(r, ", ", "", wb, sizeof(wb)));
		if (produced)
			return (long)produced;
	}
}

static const char *lzma_why(lzma_ret rc)
{
	switch (rc) {
	case LZMA_DATA_ERROR: return "compressed data is corrupt";
	case LZMA_FORMAT_ERROR: return "not in the xz format";
	case LZMA_OPTIONS_ERROR: return "unsupported compression options";
	case LZMA_MEMLIMIT_ERROR:
	case LZMA_MEM_ERROR: return "out of memory";
	default: return "liblzma error";
	}
}

/*
 * xz: decompressed bytes. Streams one after another (cat a.xz b.xz), with
 * stream padding (zero bytes, a multiple of 4) between or after them, are
 * one trace, as xz -d reads them. Return: the count, 0 at the end of the
 * last stream where the file ends, or a negative errno (r->err says why).
 */
static long get_xz(struct tin *r, unsigned char *dst, size_t len)
{
	lzma_stream *xs = &r->xs;
	char wb[96];

	xs->next_out = dst;
	xs->avail_out = len;
	for (;;) {
		size_t produced;
		lzma_ret rc;

		if (r->in_pos == r->in_len && !r->file_eof && fill_in(r))
			return -EIO;
		if (r->stream_end) {
			while (r->in_pos < r->in_len && !r->inbuf[r->in_pos]) {
				r->in_pos++;
				r->pad++;
			}
			if (r->in_pos == r->in_len && !r->file_eof)
				continue;
			if (r->pad % 4)
				return fail(r, -EILSEQ, "corrupt xz data%s: stream padding "
					    "of %u bytes, not a multiple of 4",
					    where(r, " ", "", wb, sizeof(wb)), r->pad);
			if (r->in_pos == r->in_len)
				return 0;
			if (r->inbuf[r->in_pos] != xz_magic[0])
				return fail(r, -EILSEQ, "data after the end of the xz stream%s",
					    where(r, " (", ")", wb, sizeof(wb)));
			/* Another stream: its header decides (below). */
			if (lzma_stream_decoder(xs, UINT64_MAX, 0) != LZMA_OK)
				return fail(r, -ENOMEM, "cannot start liblzma");
			r->stream_end = false;
			r->later_stream = true;
			r->pad = 0;
		}
		xs->next_in = r->inbuf + r->in_pos;
		xs->avail_in = r->in_len - r->in_pos;
		/* LZMA_FINISH once the file has ended: a cut stream then says so. */
		rc = lzma_code(xs, r->file_eof ? LZMA_FINISH : LZMA_RUN);
		r->in_pos = r->in_len - xs->avail_in;
		produced = len - xs->avail_out;
		r->produced += produced; /* the only pass with output: it returns */
		if (rc == LZMA_STREAM_END)
			r->stream_end = true;
		else if (rc == LZMA_FORMAT_ERROR && r->later_stream)
			return fail(r, -EILSEQ, "data after the end of the xz stream%s",
				    where(r, " (", ")", wb, sizeof(wb)));
		else if (rc == LZMA_MEM_ERROR || rc == LZMA_MEMLIMIT_ERROR)
			return fail(r, -ENOMEM, "out of memory (liblzma)");
		else if ((rc == LZMA_OK || rc == LZMA_BUF_ERROR) &&
			 !produced && !xs->avail_in && r->file_eof)
			return fail(r, -EPIPE, "truncated: the xz stream ends early "
				    "(unexpected end of file)%s",
				    where(r, ", ", "", wb, sizeof(wb)));
		else if (rc != LZMA_OK && rc != LZMA_BUF_ERROR)
			return fail(r, -EILSEQ, "corrupt xz data%s: %s",
				    where(r, " ", "", wb, sizeof(wb)),
				    lzma_why(rc));
		if (produced)
			return (long)produced;
	}
}

long tin_read(struct tin *t, void *dst, size_t len)
{
	switch (t->comp) {
	case TIN_XZ: return get_xz(t, dst, len);
	case TIN_GZIP: return get_gzip(t, dst, len);
	default: return get_plain(t, dst, len);
	}
}

const char *tin_error(const struct tin *t)
{
	return t->err;
}

void tin_close(struct tin *t)
{
	if (!t)
		return;
	if (t->zs_init)
		inflateEnd(&t->zs);
	if (t->xs_init)
		lzma_end(&t->xs);
	free(t);
}

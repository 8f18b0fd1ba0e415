/* SPDX-License-Identifier: MIT */
/*
 * The trace reader: the file is read and decompressed a buffer at a time;
 * records are decoded from the decompressed buffer, which always holds a
 * whole record (MAX_RECORD bytes) unless the stream ends first.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <zstd.h>

#include "s2t_int.h"

#define IN_SIZE (1u << 17)
#define OUT_SIZE (1u << 18)

struct s2t_reader {
	int fd;
	bool file_eof, frame_done, ended;
	unsigned int cur_vcpu;
	uint64_t n;                /* records decoded */
	uint64_t counts[4];
	struct s2t_header h;
	ZSTD_DStream *ds;
	ZSTD_inBuffer in;
	size_t pos, len;           /* decoded bytes in out[] */
	char err[160];
	unsigned char inbuf[IN_SIZE];
	unsigned char out[OUT_SIZE];
	struct s2t_vcpu *vcpus[S2T_MAX_VCPUS];
};

static int fail(struct s2t_reader *r, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#include <stdarg.h>

static int fail(struct s2t_reader *r, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->err, sizeof(r->err), fmt, ap);
	va_end(ap);
	return code;
}

bool s2t_is_trace(const void *p, size_t len)
{
	return len >= S2T_MAGIC_LEN && !memcmp(p, S2T_MAGIC, S2T_MAGIC_LEN);
}

/* Read into inbuf after what is left there. Return: 0, or -EIO. */
static int fill_in(struct s2t_reader *r)
{
	size_t keep = r->in.size - r->in.pos;
	ssize_t k;

	memmove(r->inbuf, r->inbuf + r->in.pos, keep);
	do
		k = read(r->fd, r->inbuf + keep, sizeof(r->inbuf) - keep);
	while (k < 0 && errno == EINTR);
	if (k < 0)
		return fail(r, -EIO, "cannot read: %s", strerror(errno));
	r->file_eof = !k;
	r->in = (ZSTD_inBuffer){ r->inbuf, keep + (size_t)k, 0 };
	return 0;
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

int s2t_reader_open(struct s2t_reader **out, int fd, const void *pre, size_t len)
{
	struct s2t_reader *r = calloc(1, sizeof(*r));
	const unsigned char *hp;

	*out = r;
	if (!r)
		return -ENOMEM;
	r->fd = fd;
	if (len > sizeof(r->inbuf))
		return fail(r, -EINVAL, "internal: %zu bytes read ahead", len);
	if (len)
		memcpy(r->inbuf, pre, len);
	r->in = (ZSTD_inBuffer){ r->inbuf, len, 0 };
	while (r->in.size < S2T_HEADER_SIZE && !r->file_eof)
		if (fill_in(r))
			return -EIO;
	if (r->in.size < S2T_HEADER_SIZE || !s2t_is_trace(r->inbuf, r->in.size))
		return fail(r, -EILSEQ, "not an s2mm trace (header of %d bytes expected)",
			    S2T_HEADER_SIZE);
	hp = r->inbuf;
	r->h.version = le32(hp + 8);
	r->h.flags = le32(hp + 12);
	r->h.vcpus = le32(hp + 16);
	r->h.ram_base = (uint64_t)le32(hp + 20) << PAGE_SHIFT;
	r->h.ram_size = (uint64_t)le32(hp + 24) << PAGE_SHIFT;
	if (r->h.version != S2T_VERSION)
		return fail(r, -EILSEQ, "trace format version %" PRIu32 ", this s2mm reads %d",
			    r->h.version, S2T_VERSION);
	if (!r->h.vcpus || r->h.vcpus > S2T_MAX_VCPUS ||
	    (r->h.flags & ~(S2T_F_SYSTEM | S2T_F_FETCH_PA)))
		return fail(r, -EILSEQ, "bad header (vcpus %" PRIu32 ", flags %#" PRIx32 ")",
			    r->h.vcpus, r->h.flags);
	r->in.pos = S2T_HEADER_SIZE;
	r->ds = ZSTD_createDStream();
	if (!r->ds || ZSTD_isError(ZSTD_initDStream(r->ds)))
		return fail(r, -ENOMEM, "cannot start zstd");
	return 0;
}

const struct s2t_header *s2t_reader_header(const struct s2t_reader *r)
{
	return &r->h;
}

/*
 * Decompress until out[] holds @need bytes from pos or the input is done.
 * Return: 0, or a negative error.
 */
static int fill_out(struct s2t_reader *r, size_t need)
{
	memmove(r->out, r->out + r->pos, r->len - r->pos);
	r->len -= r->pos;
	r->pos = 0;
	while (r->len < need) {
		ZSTD_outBuffer o = { r->out, sizeof(r->out), r->len };
		size_t ret;

		if (r->in.pos == r->in.size) {
			if (r->file_eof)
				return 0;
			if (fill_in(r))
				return -EIO;
			if (r->in.pos == r->in.size)
				return 0;
		}
		if (r->frame_done)
			return fail(r, -EILSEQ, "data after the end of the zstd stream "
						"(after record %" PRIu64 ")", r->n);
		ret = ZSTD_decompressStream(r->ds, &o, &r->in);
		if (ZSTD_isError(ret))
			return fail(r, -EILSEQ, "corrupt zstd data after record %" PRIu64 ": %s",
				    r->n, ZSTD_getErrorName(ret));
		r->frame_done = !ret;
		r->len = o.pos;
	}
	return 0;
}

static bool get_varint(const unsigned char **pp, const unsigned char *end, uint64_t *v)
{
	const unsigned char *p = *pp;
	uint64_t x = 0;

	for (unsigned int s = 0; p < end && s < 64; s += 7) {
		unsigned char b = *p++;

		x |= (uint64_t)(b & 0x7f) << s;
		if (!(b & 0x80)) {
			*pp = p;
			*v = x;
			return true;
		}
	}
	return false;
}

int s2t_read(struct s2t_reader *r, struct s2t_rec *rec)
{
	const unsigned char *p, *end;
	struct s2t_vcpu *v;
	unsigned int tag, op;
	uint64_t d;

	if (r->err[0])
		return -EILSEQ;
	if (r->ended)
		return 0;
again:
	if (r->len - r->pos < MAX_RECORD && fill_out(r, MAX_RECORD))
		return -EILSEQ;
	if (r->pos == r->len)
		return fail(r, -EPIPE, "truncated: the trace ends after record %" PRIu64
				       " without its end record", r->n);
	p = r->out + r->pos;
	end = r->out + r->len;
	tag = *p++;
	op = tag & TAG_OP_MASK;
	rec->n = r->n + 1;
	if (op == S2T_EVENT) {
		unsigned int ev = tag >> TAG_EV_SHIFT;
		uint64_t c[4];

		switch (ev) {
		case EV_VCPU:
			if (!get_varint(&p, end, &d) || d >= r->h.vcpus)
				goto bad;
			r->cur_vcpu = (unsigned int)d;
			r->pos = (size_t)(p - r->out);
			goto again;
		case EV_SYSINSN:
			v = s2t_vcpu_get(r->vcpus, r->cur_vcpu);
			if (!v)
				return fail(r, -ENOMEM, "out of memory");
			if (!get_varint(&p, end, &d) || end - p < 4)
				goto bad;
			*rec = (struct s2t_rec){
				.n = ++r->n, .op = S2T_EVENT, .vcpu = (uint16_t)r->cur_vcpu,
				.va = v->last_va[1] + (uint64_t)unzigzag(d), .insn = le32(p),
			};
			r->counts[S2T_EVENT]++;
			r->pos = (size_t)(p + 4 - r->out);
			return 1;
		case EV_END:
			for (int i = 0; i < 4; i++)
				if (!get_varint(&p, end, &c[i]))
					goto bad;
			for (int i = 0; i < 4; i++)
				if (c[i] != r->counts[i])
					return fail(r, -EILSEQ, "end record: %" PRIu64 " records of "
						    "kind %d announced, %" PRIu64 " read",
						    c[i], i, r->counts[i]);
			r->pos = (size_t)(p - r->out);
			/* The stream and the file must end here. */
			if (fill_out(r, 1))
				return -EILSEQ;
			if (r->pos == r->len && !r->frame_done)
				return fail(r, -EPIPE, "truncated: the zstd stream ends early, "
						       "after the end record (record %" PRIu64 ")",
					    r->n);
			if (r->pos != r->len || r->in.pos != r->in.size)
				return fail(r, -EILSEQ, "data after the end record (record %"
						       PRIu64 ")", r->n + 1);
			r->ended = true;
			return 0;
		default:
			goto bad;
		}
	}
	v = s2t_vcpu_get(r->vcpus, r->cur_vcpu);
	if (!v)
		return fail(r, -ENOMEM, "out of memory");
	if (((tag & TAG_SIZE_MASK) >> TAG_SIZE_SHIFT) > 4 || !get_varint(&p, end, &d))
		goto bad;
	{
		uint64_t *last = &v->last_va[op == S2T_FETCH];
		uint64_t va = *last + (uint64_t)unzigzag(d), ppage1;
		struct pred_e *e = pred_slot(v, va);

		*last = va;
		if (tag & TAG_PA) {
			if (!get_varint(&p, end, &ppage1) || ppage1 > (1ULL << 52))
				goto bad;
			e->vpage = va >> PAGE_SHIFT;
			e->ppage1 = ppage1;
		} else if (e->vpage != va >> PAGE_SHIFT) {
			return fail(r, -EILSEQ, "record %" PRIu64 ": no PA and none to "
				    "predict it from", r->n + 1);
		}
		rec->n = ++r->n;
		rec->va = va;
		rec->pa_known = e->ppage1 != 0;
		rec->pa = rec->pa_known ? (e->ppage1 - 1) << PAGE_SHIFT | (va & PAGE_OFF) : 0;
		rec->insn = 0;
		rec->vcpu = (uint16_t)r->cur_vcpu;
		rec->op = (uint8_t)op;
		rec->size = (uint8_t)(1u << ((tag & TAG_SIZE_MASK) >> TAG_SIZE_SHIFT));
		rec->el1 = tag & TAG_EL1;
		rec->io = tag & TAG_IO;
		r->counts[op]++;
	}
	r->pos = (size_t)(p - r->out);
	return 1;
bad:
	if (p >= end && r->file_eof && r->in.pos == r->in.size)
		return fail(r, -EPIPE, "truncated: record %" PRIu64 " is cut short", r->n + 1);
	return fail(r, -EILSEQ, "record %" PRIu64 ": malformed (tag %#x)", r->n + 1, tag);
}

uint64_t s2t_reader_accesses(const struct s2t_reader *r)
{
	return r->counts[S2T_LOAD] + r->counts[S2T_STORE] + r->counts[S2T_FETCH];
}

const char *s2t_reader_error(const struct s2t_reader *r)
{
	return r->err;
}

void s2t_reader_close(struct s2t_reader *r)
{
	if (!r)
		return;
	ZSTD_freeDStream(r->ds);
	for (unsigned int i = 0; i < S2T_MAX_VCPUS; i++)
		free(r->vcpus[i]);
	free(r);
}

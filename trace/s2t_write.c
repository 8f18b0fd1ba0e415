/* SPDX-License-Identifier: MIT */
/*
 * The trace writer: records are encoded into a buffer that zstd's
 * streaming compressor drains to the file descriptor when full.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <zstd.h>

#include "s2t_int.h"

#define BUF_SIZE (1u << 17)

struct s2t_writer {
	int fd;
	int err;                   /* first error; every later call fails */
	unsigned int cur_vcpu;
	uint64_t records, bytes;
	uint64_t counts[4];        /* per op: the end record's totals */
	ZSTD_CCtx *cctx;
	size_t len;
	unsigned char buf[BUF_SIZE];
	unsigned char out[BUF_SIZE];
	struct s2t_vcpu *vcpus[S2T_MAX_VCPUS];
};

static int write_all(struct s2t_writer *w, const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n) {
		ssize_t k = write(w->fd, c, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return w->err = k < 0 ? -errno : -EIO;
		c += k;
		n -= (size_t)k;
		w->bytes += (uint64_t)k;
	}
	return 0;
}

/* Compress what is buffered; @end finishes the zstd frame. */
static int drain(struct s2t_writer *w, bool end)
{
	ZSTD_inBuffer in = { w->buf, w->len, 0 };

	for (;;) {
		ZSTD_outBuffer out = { w->out, sizeof(w->out), 0 };
		size_t left = ZSTD_compressStream2(w->cctx, &out, &in,
						   end ? ZSTD_e_end : ZSTD_e_continue);

		if (ZSTD_isError(left))
			return w->err = -EIO;
		if (out.pos && write_all(w, w->out, out.pos))
			return w->err;
		if (end ? !left : in.pos == in.size)
			break;
	}
	w->len = 0;
	return 0;
}

static inline unsigned char *room(struct s2t_writer *w)
{
	if (w->len + MAX_RECORD > sizeof(w->buf) && drain(w, false))
		return NULL;
	return w->buf + w->len;
}

int s2t_writer_open(struct s2t_writer **out, int fd, const struct s2t_header *h,
		    int level)
{
	unsigned char hdr[S2T_HEADER_SIZE] = { 0 };
	struct s2t_writer *w;
	int err;

	*out = NULL;
	if (h->version != S2T_VERSION || !h->vcpus || h->vcpus > S2T_MAX_VCPUS ||
	    (h->flags & ~(S2T_F_SYSTEM | S2T_F_FETCH_PA)) || level < 0 || level > 19)
		return -EINVAL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->fd = fd;
	w->cctx = ZSTD_createCCtx();
	if (!w->cctx) {
		free(w);
		return -ENOMEM;
	}
	ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_compressionLevel, level ? level : 3);
	/* A damaged trace must not replay as another one. */
	ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_checksumFlag, 1);
	/* Little-endian fields: docs/trace-format.md, "Header". */
	memcpy(hdr, S2T_MAGIC, S2T_MAGIC_LEN);
	for (int i = 0; i < 4; i++) {
		hdr[8 + i] = (unsigned char)(h->version >> (8 * i));
		hdr[12 + i] = (unsigned char)(h->flags >> (8 * i));
		hdr[16 + i] = (unsigned char)(h->vcpus >> (8 * i));
	}
	/* RAM base and size in 4K pages (32 bits each: up to 16 TiB). */
	for (int i = 0; i < 4; i++) {
		hdr[20 + i] = (unsigned char)((h->ram_base >> PAGE_SHIFT) >> (8 * i));
		hdr[24 + i] = (unsigned char)((h->ram_size >> PAGE_SHIFT) >> (8 * i));
	}
	err = write_all(w, hdr, sizeof(hdr));
	if (err) {
		ZSTD_freeCCtx(w->cctx);
		free(w);
		return err;
	}
	*out = w;
	return 0;
}

/* Switch the stream's vCPU; the state of @vcpu. NULL after an error. */
static struct s2t_vcpu *enter(struct s2t_writer *w, unsigned int vcpu)
{
	struct s2t_vcpu *v;

	if (w->err)
		return NULL;
	if (vcpu >= S2T_MAX_VCPUS) {
		w->err = -EINVAL;
		return NULL;
	}
	v = s2t_vcpu_get(w->vcpus, vcpu);
	if (!v) {
		w->err = -ENOMEM;
		return NULL;
	}
	if (vcpu != w->cur_vcpu) {
		unsigned char *p = room(w);

		if (!p)
			return NULL;
		*p++ = 3 | EV_VCPU << TAG_EV_SHIFT;
		p = put_varint(p, vcpu);
		w->len = (size_t)(p - w->buf);
		w->cur_vcpu = vcpu;
	}
	return v;
}

int s2t_write_access(struct s2t_writer *w, unsigned int vcpu, unsigned int op,
		     uint64_t va, bool pa_known, uint64_t pa, unsigned int size,
		     bool el1, bool io)
{
	unsigned int lg = (unsigned int)__builtin_ctz(size | 32);
	struct s2t_vcpu *v;
	struct pred_e *e;
	unsigned char *p, tag;
	uint64_t *last, ppage1;

	if (op > S2T_FETCH || size != 1u << lg || lg > 4 ||
	    (pa_known && (pa & PAGE_OFF) != (va & PAGE_OFF)))
		return w->err ? w->err : -EINVAL;
	v = enter(w, vcpu);
	if (!v || !(p = room(w)))
		return w->err;
	tag = (unsigned char)(op | lg << TAG_SIZE_SHIFT | (el1 ? TAG_EL1 : 0) |
			      (io ? TAG_IO : 0));
	ppage1 = pa_known ? (pa >> PAGE_SHIFT) + 1 : 0;
	e = pred_slot(v, va);
	if (e->vpage != va >> PAGE_SHIFT || e->ppage1 != ppage1) {
		tag |= TAG_PA;
		e->vpage = va >> PAGE_SHIFT;
		e->ppage1 = ppage1;
	}
	*p++ = tag;
	last = &v->last_va[op == S2T_FETCH];
	p = put_varint(p, zigzag((int64_t)(va - *last)));
	*last = va;
	if (tag & TAG_PA)
		p = put_varint(p, ppage1);
	w->len = (size_t)(p - w->buf);
	w->records++;
	w->counts[op]++;
	return 0;
}

int s2t_write_sysinsn(struct s2t_writer *w, unsigned int vcpu, uint64_t va,
		      uint32_t insn)
{
	struct s2t_vcpu *v = enter(w, vcpu);
	unsigned char *p;

	if (!v || !(p = room(w)))
		return w->err;
	*p++ = 3 | EV_SYSINSN << TAG_EV_SHIFT;
	/* Relative to the fetch of the instruction itself: mostly 0. */
	p = put_varint(p, zigzag((int64_t)(va - v->last_va[1])));
	for (int i = 0; i < 4; i++)
		*p++ = (unsigned char)(insn >> (8 * i));
	w->len = (size_t)(p - w->buf);
	w->records++;
	w->counts[S2T_EVENT]++;
	return 0;
}

int s2t_writer_close(struct s2t_writer *w)
{
	unsigned char *p;
	int err;

	if (!w)
		return -EINVAL;
	if (!w->err && (p = room(w))) {
		*p++ = 3 | EV_END << TAG_EV_SHIFT;
		for (int i = 0; i < 4; i++)
			p = put_varint(p, w->counts[i]);
		w->len = (size_t)(p - w->buf);
		drain(w, true);
	}
	err = w->err;
	ZSTD_freeCCtx(w->cctx);
	for (unsigned int i = 0; i < S2T_MAX_VCPUS; i++)
		free(w->vcpus[i]);
	free(w);
	return err;
}

uint64_t s2t_writer_records(const struct s2t_writer *w)
{
	return w->records;
}

uint64_t s2t_writer_bytes(const struct s2t_writer *w)
{
	return w->bytes;
}

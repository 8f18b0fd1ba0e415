/* SPDX-License-Identifier: MIT */
/*
 * A trace file's bytes, decompressed as they are read: plain, gzip (zlib)
 * or xz (liblzma), told apart by the first bytes. Used by the lackey and
 * ChampSim readers. The compressed stream must end where the file ends:
 * a cut stream is "truncated", bytes after it are an error, so that a
 * damaged trace never replays as a shorter, plausible one. Several gzip
 * members, or xz streams with their padding, one after another are one
 * input, as gzip -d and xz -d read them.
 */
#ifndef S2MM_TRACE_INPUT_H
#define S2MM_TRACE_INPUT_H

#include <stddef.h>
#include <stdint.h>

struct tin;

/*
 * Where the input is, for error messages ("in record 13 (5 of its 64
 * bytes)"), given the bytes decompressed so far; NULL: no place.
 */
typedef const char *tin_where_fn(void *arg, uint64_t produced);

/**
 * tin_open() - Read @fd (left open), decompressing by its first bytes.
 * @where, @arg: how errors name the place (may be NULL).
 * Return: 0, or a negative errno; tin_error() says why (*@out is NULL only
 * without memory, and must be closed otherwise).
 */
int tin_open(struct tin **out, int fd, tin_where_fn *where, void *arg);

/**
 * tin_read() - Up to @len bytes of the decompressed input into @dst.
 * Return: the count, 0 at the end of a whole input, or -EIO, -EILSEQ
 * (corrupt, data after the end), -EPIPE (truncated), -ENOMEM; tin_error()
 * says why.
 */
long tin_read(struct tin *t, void *dst, size_t len);

/** tin_error() - Why the last call failed. */
const char *tin_error(const struct tin *t);

/** tin_close() - Free @t (NULL is fine; the fd stays open). */
void tin_close(struct tin *t);

#endif

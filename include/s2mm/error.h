/* SPDX-License-Identifier: MIT */
/**
 * @file
 * Error codes of libs2mm. Functions return 0 on success or one of these,
 * negated (-S2_ENOMEM). Values follow POSIX errno numbers where one fits, so
 * that embedders that already speak errno can pass them through.
 */
#ifndef S2MM_ERROR_H
#define S2MM_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

/** enum s2_error - What went wrong; functions return it negated. */
enum s2_error {
	S2_EPERM = 1,      /* operation not allowed in this state */
	S2_ENOENT = 2,     /* no such mapping, slot or object */
	S2_EAGAIN = 11,    /* lost a race with another walker: retry */
	S2_ENOMEM = 12,    /* the embedder's allocator ran out of pages */
	S2_EFAULT = 14,    /* address outside the range the object covers */
	S2_EBUSY = 16,     /* object in use (for example a VM still running) */
	S2_EEXIST = 17,    /* overlaps an existing mapping or slot */
	S2_EINVAL = 22,    /* invalid argument (misaligned, empty, bad flags) */
	S2_ERANGE = 34,    /* address or size beyond what the geometry allows */
	S2_ENOTSUP = 95,   /* combination the architecture (or CPU) forbids */
};

/**
 * s2_strerror() - Describe an error code.
 * @err: an error code, negated or not; 0 is "success".
 *
 * Return: a static string; never NULL ("unknown error" for other values).
 */
const char *s2_strerror(int err);

#ifdef __cplusplus
}
#endif

#endif /* S2MM_ERROR_H */

/* SPDX-License-Identifier: MIT */
#include <s2mm/error.h>

const char *s2_strerror(int err)
{
	if (err < 0)
		err = -err;
	switch (err) {
	case 0: return "success";
	case S2_EPERM: return "operation not allowed in this state";
	case S2_ENOENT: return "no such mapping or object";
	case S2_EAGAIN: return "raced with another walker; retry";
	case S2_ENOMEM: return "out of memory";
	case S2_EFAULT: return "address outside the object's range";
	case S2_EBUSY: return "object busy";
	case S2_EEXIST: return "overlaps an existing mapping or object";
	case S2_EINVAL: return "invalid argument";
	case S2_ERANGE: return "address or size beyond the geometry's range";
	case S2_ENOTSUP: return "not supported by the architecture or CPU";
	default: return "unknown error";
	}
}

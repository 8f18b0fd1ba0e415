/* SPDX-License-Identifier: MIT */
/*
 * ChampSim traces through the simulator. The trace is one x86-64 process
 * (Pin, user mode): its addresses are VAs, replayed at EL0 with the MMU on
 * through the guest OS model, which maps each new VA page to a new IPA
 * page. ChampSim records no access sizes: every access is one byte, so
 * none crosses a page (an 8-byte load at the end of a page would touch
 * the next one too; the trace cannot say).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "champsim.h"
#include "replay_champsim.h"
#include "sim.h"

/* One access of record @n; 0, or 2 after printing why. */
static int access1(struct sim *s, const char *name, uint64_t n, uint64_t va,
		   unsigned int acc, uint64_t limit)
{
	if (va >= limit) {
		fprintf(stderr, "s2mm trace: %s: record %" PRIu64 ": VA %#" PRIx64
			" beyond the guest's %u-bit VA size (--va-bits)\n", name, n, va,
			sim_va_bits(s));
		return 2;
	}
	if (sim_access(s, 0, va, acc)) {
		fprintf(stderr, "s2mm trace: %s: record %" PRIu64 ": %s\n", name, n,
			sim_error(s));
		return 2;
	}
	return 0;
}

int replay_champsim(struct sim *s, struct report *rep, const char *path, const char *name,
		    uint64_t *records)
{
	uint64_t limit = 1ULL << sim_va_bits(s);
	struct champsim_reader *rd = NULL;
	struct champsim_rec rec;
	int fd = path ? open(path, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
	int rc, ret = 2;

	if (fd < 0) {
		fprintf(stderr, "s2mm trace: cannot open %s: %s\n", name, strerror(errno));
		return 2;
	}
	if (champsim_reader_open(&rd, fd)) {
		fprintf(stderr, "s2mm trace: %s: %s\n", name,
			rd ? champsim_reader_error(rd) : "out of memory");
		goto out;
	}
	while ((rc = champsim_read(rd, &rec)) > 0) {
		/* ChampSim's order within an instruction: fetch, loads, stores. */
		if (access1(s, name, rec.n, rec.ip, SIM_EXEC, limit))
			goto out;
		for (int i = 0; i < CHAMPSIM_SRC_MEM; i++)
			if (rec.src_mem[i] &&
			    access1(s, name, rec.n, rec.src_mem[i], SIM_READ, limit))
				goto out;
		for (int i = 0; i < CHAMPSIM_DST_MEM; i++)
			if (rec.dst_mem[i] &&
			    access1(s, name, rec.n, rec.dst_mem[i], SIM_WRITE, limit))
				goto out;
		if ((++*records & 0xffff) == 0)
			report_tick(rep, s);
	}
	if (rc < 0)
		fprintf(stderr, "s2mm trace: %s: %s\n", name, champsim_reader_error(rd));
	else
		ret = 0;
out:
	champsim_reader_close(rd);
	if (path)
		close(fd);
	return ret;
}

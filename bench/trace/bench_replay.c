/* SPDX-License-Identifier: MIT */
/*
 * Replay throughput of recorded traces (`s2mm record`), as a ratio
 * against the same run's baseline: reading and decoding the same trace
 * without simulating it (every record's fields folded into a sum that is
 * printed, so the decoding cannot be optimised away). Goal (issue 14):
 * replay >= 0.8x decoding, for a whole machine's trace with the default
 * TLBs and for a user-mode trace where TLB hits dominate.
 * Usage: bench_replay TRACE... (each measured best of 3)
 */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "replay.h"
#include "report.h"
#include "s2trace.h"

/* Decode @path; records per second, the fold in *sum. */
static double decode(const char *path, uint64_t *n, uint64_t *sum)
{
	struct s2t_reader *r;
	struct s2t_rec rec;
	int fd = open(path, O_RDONLY), rc;
	double t0 = bench_now();

	*n = *sum = 0;
	if (fd < 0 || s2t_reader_open(&r, fd, NULL, 0)) {
		fprintf(stderr, "bench_replay: %s: cannot read\n", path);
		exit(1);
	}
	while ((rc = s2t_read(r, &rec)) > 0) {
		*sum += rec.va ^ rec.pa ^ rec.op ^ rec.size ^ rec.el1;
		*n += rec.op != S2T_EVENT;
	}
	if (rc < 0) {
		fprintf(stderr, "bench_replay: %s: %s\n", path, s2t_reader_error(r));
		exit(1);
	}
	s2t_reader_close(r);
	close(fd);
	return (double)*n / (bench_now() - t0);
}

/* Replay @path as `s2mm trace` does (default machine); accesses/second. */
static double replay(const char *path, uint64_t *n)
{
	struct sim_config cfg = sim_defaults;
	struct report rep = { .command = "trace", .workload = path, .quiet = true };
	double t0;
	int ret;

	cfg.vm_mem = 512ULL << 20;
	t0 = bench_now();
	ret = replay_recorded(path, &cfg, &rep, 1);
	if (ret) {
		fprintf(stderr, "bench_replay: replaying %s failed (%d)\n", path, ret);
		exit(1);
	}
	*n = rep.st.accesses;
	report_free(&rep);
	return (double)*n / (bench_now() - t0);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: bench_replay TRACE...\n");
		return 2;
	}
	bench_start("bench_replay");
	for (int i = 1; i < argc; i++) {
		double dec = 0, rep = 0;
		uint64_t nd = 0, nr = 0, sum = 0;

		for (int k = 0; k < 3; k++) {
			double d = decode(argv[i], &nd, &sum), r = replay(argv[i], &nr);

			dec = d > dec ? d : dec;
			rep = r > rep ? r : rep;
		}
		if (nd != nr) {
			fprintf(stderr, "bench_replay: %s: %" PRIu64 " accesses decoded, %" PRIu64
				" replayed\n", argv[i], nd, nr);
			return 1;
		}
		printf("%s: %" PRIu64 " accesses: decode %.1f M/s, replay %.1f M/s: ratio %.2f "
		       "[fold %" PRIx64 "]\n", argv[i], nd, dec / 1e6, rep / 1e6, rep / dec, sum);
		bench_goal("trace replay vs reading and decoding it", rep / dec, false, 0.8, "x");
	}
	return 0;
}

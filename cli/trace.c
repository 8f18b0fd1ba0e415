/* SPDX-License-Identifier: MIT */
/*
 * s2mm trace: replay a real program's memory trace as one VM's guest.
 *
 * Input: valgrind's lackey format (valgrind --tool=lackey --trace-mem=yes
 * --log-file=FILE PROG), plain or gzip'd, from a file or standard input:
 *   "I  04001e40,3"   instruction fetch
 *   " L 1ffefffd78,8" load
 *   " S 1ffefffd70,8" store
 *   " M 0403b0a8,4"   modify (a load then a store)
 * Lines starting with "==" or "--" (valgrind's messages), "#" and empty
 * lines are skipped; anything else is an error naming the line. The guest
 * runs with its MMU on from the start (a booted OS) at EL0; an access that
 * crosses a 4K page boundary touches both pages. A gzip or xz input must be
 * whole: a truncated stream or data after it is an error.
 *
 * Also read: ChampSim traces (the DPC-3 traces; replay_champsim.c) and
 * recordings of `s2mm record` (replay.c). --format names the input's;
 * else a recording is told by its first bytes, a ChampSim trace by its
 * name (its records have no magic), and anything else is lackey's.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "champsim.h"
#include "cli.h"
#include "input.h"
#include "lackey.h"
#include "replay.h"
#include "replay_champsim.h"
#include "report.h"
#include "s2trace.h"
#include "sim.h"
#include "sim_int.h"

enum { OPT_REPEAT = OPT_CMD_BASE, OPT_BOOT, OPT_FORMAT };

enum trace_format { FMT_AUTO, FMT_LACKEY, FMT_CHAMPSIM, FMT_S2MM };

static void trace_usage(FILE *out)
{
	fprintf(out,
		"usage: s2mm trace [options] [FILE|-]\n\n"
		"Replays a memory trace as the guest of one VM on one CPU (default:\n"
		"standard input): valgrind's lackey format (gzip'd or xz'd input is detected),\n"
		"a ChampSim trace (the DPC-3 traces; xz'd, gzip'd or plain) or a\n"
		"recording of `s2mm record`:\n\n"
		"  valgrind --tool=lackey --trace-mem=yes --log-file=t.txt ./prog\n"
		"  s2mm trace t.txt --json out.json\n"
		"  s2mm trace 600.perlbench_s-210B.champsimtrace.xz --json out.json\n\n"
		"The guest OS maps each touched VA page to its own IPA page on first\n"
		"touch and builds its stage-1 tables in guest RAM; stage 2 is faulted\n"
		"in by libs2mm (use --no-blocks for 4K stage-2 pages only).\n\n"
		"Counting: I, L and S lines are one access each, M (modify) is two, a\n"
		"load then a store; an access that crosses a 4K page boundary counts\n"
		"once per page it touches. Lines starting with \"==\" or \"--\"\n"
		"(valgrind's messages) or \"#\", and empty lines, are skipped; any other\n"
		"line is an error. trace_lines in --json is the number of access lines\n"
		"replayed (times --repeat), not counting skipped lines.\n\n"
		"ChampSim: each 64-byte record (one instruction) is a fetch at its ip,\n"
		"then a load per nonzero source_memory slot, then a store per nonzero\n"
		"destination_memory slot; each access is 1 byte (ChampSim records no\n"
		"sizes: none crosses a page). trace_lines is the number of records\n"
		"replayed (times --repeat).\n\n"
		"trace:\n"
		"  --format F          lackey, champsim or s2mm (default: a recording\n"
		"                      by its first bytes, a ChampSim trace by its name:\n"
		"                      *.champsim, *.champsimtrace[.xz|.gz]; else lackey)\n"
		"  --repeat N          replay the trace N times (default 1)\n"
		"  --boot N            MMU-off accesses before the trace (default 0)\n"
		"%s"
		"\nExit status: 0; 1 when a self-check failed; 2 for bad options, a\n"
		"malformed line or record (its number is printed), a truncated or\n"
		"corrupt gzip or xz file, data after its compressed stream, or other\n"
		"errors.\n",
		report_options_help);
}

struct replay {
	struct sim *s;
	struct report *rep;
	uint64_t line, va_limit;
	uint64_t access_lines;     /* lines of accesses replayed (trace_lines) */
	const char *name;
};

static int malformed(struct replay *r, const char *p, const char *end, const char *why)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	int len = (int)((nl ? nl : end) - p);

	if (len > 60)
		len = 60;
	fprintf(stderr, "s2mm trace: %s:%" PRIu64 ": %s: '", r->name, r->line, why);
	/* Shown escaped: binary input must not reach the terminal as is
	 * (control sequences would act on it). */
	for (int i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c >= 0x20 && c < 0x7f && c != '\\')
			fputc(c, stderr);
		else
			fprintf(stderr, "\\x%02x", c);
	}
	fprintf(stderr, "'\n");
	return -1;
}

/*
 * Parse and replay the whole lines in [buf, end); *end is a NUL, and
 * LACKEY_PAD bytes from it are readable (lackey_parse()). Return: bytes
 * consumed (up to the last whole line's '\n'), or -1 after an error.
 */
static long replay_lines(struct replay *r, const char *buf, const char *end)
{
	/* The simulator's access for each kind; M is a load, then a store. */
	static const unsigned int kinds[] = {
		[LACKEY_FETCH] = SIM_EXEC, [LACKEY_LOAD] = SIM_READ,
		[LACKEY_STORE] = SIM_WRITE, [LACKEY_MODIFY] = SIM_READ,
	};
	/* Counted here, not in *r: sim_access() would make them memory. */
	uint64_t line = r->line, access_lines = r->access_lines;
	const char *p = buf, *next, *why;
	struct sim *s = r->s;
	/* Its micro-TLB hits are taken here, without a call (NULL: none). */
	struct sim_cpu *c = sim_utlb_cpu(s, 0);
	struct lackey_access a;
	int ret;

	for (; p < end; p = next) {
		ret = lackey_parse(p, end, r->va_limit, &a, &next, &why);
		if (__builtin_expect(ret < 0, 0)) {
			/* A line the read cut short: its rest comes next time. */
			if (!memchr(p, '\n', (size_t)(end - p)))
				break;
			r->line = line + 1;
			return malformed(r, p, end, why);
		}
		line++;
		if (!ret)
			continue;
		access_lines++;

		/* M: a load then a store (lackey's "modify"). */
		for (unsigned int k = a.kind == LACKEY_MODIFY ? 2 : 1, acc = kinds[a.kind]; k;
		     k--, acc = SIM_WRITE) {
			if (c && sim_utlb_hit(c, a.addr, acc))
				c->utlb_hits++;
			else if (sim_access(s, 0, a.addr, acc))
				goto sim_err;
			/* Crossing a page: the second page is accessed too. */
			if (__builtin_expect(((a.addr & 0xfff) + a.size) > 0x1000, 0) &&
			    sim_access(s, 0, (a.addr | 0xfff) + 1, acc))
				goto sim_err;
		}
		if (__builtin_expect((access_lines & 0xffff) == 0, 0))
			report_tick(r->rep, s);
	}
	r->line = line;
	r->access_lines = access_lines;
	return p - buf;
sim_err:
	r->line = line;
	fprintf(stderr, "s2mm trace: %s:%" PRIu64 ": %s\n", r->name, r->line, sim_error(s));
	return -1;
}

#define BUFSZ (1u << 20)

/* Whether @path starts with the s2mm trace format's magic. */
static bool is_recorded(const char *path)
{
	unsigned char m[S2T_MAGIC_LEN];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, m, sizeof(m));

	if (fd >= 0)
		close(fd);
	return n > 0 && s2t_is_trace(m, (size_t)n);
}

static int replay_file(struct replay *r, const char *path)
{
	/* Room for a '\n' after a last line without one, then the NUL and
	 * the padding lackey_parse() reads. */
	char *buf = malloc(BUFSZ + 1 + LACKEY_PAD);
	int fd = path ? open(path, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
	struct tin *in = NULL;
	size_t have = 0;
	int ret = 2;

	if (!buf) {
		fprintf(stderr, "s2mm trace: out of memory\n");
		goto out;
	}
	if (fd < 0) {
		fprintf(stderr, "s2mm trace: %s: cannot open: %s\n", r->name, strerror(errno));
		goto out;
	}
	if (tin_open(&in, fd, NULL, NULL)) {
		fprintf(stderr, "s2mm trace: %s: %s\n", r->name, in ? tin_error(in) : "out of memory");
		goto out;
	}
	ret = 0;
	for (;;) {
		long n = tin_read(in, buf + have, BUFSZ - have);
		long used;

		if (n < 0) {
			fprintf(stderr, "s2mm trace: %s: %s\n", r->name, tin_error(in));
			ret = 2;
			break;
		}
		have += (size_t)n;
		/* A last line without a '\n' ends where the input does. */
		if (!n && have && buf[have - 1] != '\n')
			buf[have++] = '\n';
		/* Padding that was never written would be read uninitialised. */
		memset(buf + have, '\0', LACKEY_PAD);
		used = replay_lines(r, buf, buf + have);
		if (used < 0) {
			ret = 2;
			break;
		}
		memmove(buf, buf + used, have - (size_t)used);
		have -= (size_t)used;
		if (n == 0)
			break;
		if (have == BUFSZ) {
			r->line++;
			fprintf(stderr, "s2mm trace: %s:%" PRIu64 ": line too long\n", r->name,
				r->line);
			ret = 2;
			break;
		}
	}
out:
	tin_close(in);
	if (path && fd >= 0)
		close(fd);
	free(buf);
	return ret;
}

int cmd_trace(int argc, char **argv)
{
	static const struct option opts[] = {
		REPORT_LONGOPTS,
		{ "repeat", 1, 0, OPT_REPEAT }, { "boot", 1, 0, OPT_BOOT },
		{ "format", 1, 0, OPT_FORMAT },
		{ "help", 0, 0, 'h' }, { 0, 0, 0, 0 },
	};
	struct sim_config cfg = sim_defaults;
	struct report rep = { .command = "trace" };
	uint64_t repeat = 1, boot = 0;
	enum trace_format fmt = FMT_AUTO;
	struct sim *s = NULL;
	char err[256] = "";
	const char *path = NULL;
	int c, ret = 2;

	cfg.vm_mem = 512ULL << 20;
	cfg.va_bits = 0; /* not given (sim_config_check()) */
	while ((c = report_getopt(argc, argv, opts, &cfg, &rep)) != -1) {
		switch (c) {
		case 'h':
			trace_usage(stdout);
			return 0;
		case OPT_REPEAT:
			if (!parse_u64(optarg, &repeat) || !repeat) {
				fprintf(stderr, "s2mm trace: --repeat '%s': expected a count >= 1\n",
					optarg);
				return 2;
			}
			break;
		case OPT_BOOT:
			if (!parse_u64(optarg, &boot)) {
				fprintf(stderr, "s2mm trace: --boot '%s': expected a count\n", optarg);
				return 2;
			}
			break;
		case OPT_FORMAT:
			if (!strcmp(optarg, "lackey")) {
				fmt = FMT_LACKEY;
			} else if (!strcmp(optarg, "champsim")) {
				fmt = FMT_CHAMPSIM;
			} else if (!strcmp(optarg, "s2mm")) {
				fmt = FMT_S2MM;
			} else {
				fprintf(stderr, "s2mm trace: --format '%s': expected lackey, "
						"champsim or s2mm\n", optarg);
				return 2;
			}
			break;
		default: /* report_getopt() said why */
			return 2;
		}
	}
	if (sim_config_check(&cfg, err, sizeof(err))) {
		fprintf(stderr, "s2mm trace: %s\n", err);
		return 2;
	}
	if (argc - optind > 1) {
		fprintf(stderr, "s2mm trace: one trace file at most\nTry 's2mm trace --help'.\n");
		return 2;
	}
	if (optind < argc && strcmp(argv[optind], "-"))
		path = argv[optind];
	if (path && access(path, R_OK)) {
		fprintf(stderr, "s2mm trace: cannot read %s\n", path);
		return 2;
	}
	if (fmt == FMT_AUTO)
		fmt = path && is_recorded(path) ? FMT_S2MM :
		      path && champsim_named(path) ? FMT_CHAMPSIM : FMT_LACKEY;
	if (fmt == FMT_S2MM && !path) {
		fprintf(stderr, "s2mm trace: an s2mm recording is read from a file, "
				"not from standard input\n");
		return 2;
	}
	if (fmt == FMT_S2MM) {
		if (cfg.cpus != 1 || cfg.vms != 1 || cfg.vcpus != 1 || boot) {
			fprintf(stderr, "s2mm trace: %s is an s2mm recording: its vCPUs "
					"each get a CPU of their own (no --cpus, --vms, "
					"--vcpus), and a machine's boots by itself (no "
					"--boot)\n", path);
			return 2;
		}
		rep.workload = path;
		ret = replay_recorded(path, &cfg, &rep, repeat);
		report_free(&rep);
		return ret;
	}
	if (cfg.cpus != 1 || cfg.vms != 1 || cfg.vcpus != 1) {
		fprintf(stderr, "s2mm trace: a trace is one VM's guest on one CPU "
				"(--cpus, --vms and --vcpus must be 1)\n");
		return 2;
	}
	if (repeat > 1 && !path) {
		fprintf(stderr, "s2mm trace: --repeat needs a file, not standard input\n");
		return 2;
	}
	rep.workload = path ? path : "standard input";
	if (sim_create(&s, &cfg, err, sizeof(err))) {
		fprintf(stderr, "s2mm trace: %s\n", err);
		return 2;
	}
	struct replay rp = {
		.s = s, .rep = &rep, .name = rep.workload,
		.va_limit = 1ULL << sim_va_bits(s),
	};
	if (sim_schedule(s, 0, sim_vcpu(s, 0, 0)))
		goto sim_err;
	report_begin(&rep, 0);
	for (uint64_t i = 0; i < boot; i++)
		if (sim_access(s, 0, sim_boot_ipa(s, i), SIM_READ))
			goto sim_err;
	if (sim_mmu_enable(s, sim_vcpu(s, 0, 0)))
		goto sim_err;
	for (uint64_t i = 0; i < repeat; i++) {
		rp.line = 0;
		ret = fmt == FMT_CHAMPSIM ?
			replay_champsim(s, &rep, path, rp.name, &rp.access_lines) :
			replay_file(&rp, path);
		if (ret)
			goto out;
	}
	rep.trace_lines = rp.access_lines;
	ret = report_finish(&rep, s);
	goto out;
sim_err:
	fprintf(stderr, "s2mm trace: %s\n", sim_error(s));
	ret = 2;
out:
	report_free(&rep);
	sim_destroy(s);
	return ret;
}

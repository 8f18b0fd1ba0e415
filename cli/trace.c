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
 * crosses a 4K page boundary touches both pages.
 */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "cli.h"
#include "report.h"
#include "sim.h"

enum { OPT_REPEAT = OPT_CMD_BASE, OPT_BOOT };

static void trace_usage(FILE *out)
{
	fprintf(out,
		"usage: s2mm trace [options] [FILE|-]\n\n"
		"Replays a memory trace in valgrind's lackey format as the guest of one\n"
		"VM on one CPU (default: standard input; gzip'd input is detected):\n\n"
		"  valgrind --tool=lackey --trace-mem=yes --log-file=t.txt ./prog\n"
		"  s2mm trace t.txt --json out.json\n\n"
		"The guest OS maps each touched VA page to its own IPA page on first\n"
		"touch and builds its stage-1 tables in guest RAM; stage 2 is faulted\n"
		"in by libs2mm (use --no-blocks for 4K stage-2 pages only).\n\n"
		"trace:\n"
		"  --repeat N          replay the trace N times (default 1)\n"
		"  --boot N            MMU-off accesses before the trace (default 0)\n"
		"%s"
		"\nExit status: 0; 1 when a self-check failed; 2 for bad options, a\n"
		"malformed line (its number is printed) or errors.\n",
		report_options_help);
}

static const int8_t hexval[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6,
	['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10, ['a'] = 11, ['b'] = 12,
	['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16, ['A'] = 11, ['B'] = 12,
	['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

struct replay {
	struct sim *s;
	struct report *rep;
	uint64_t line, va_limit;
	const char *name;
};

static int malformed(struct replay *r, const char *p, const char *end, const char *why)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	int len = (int)((nl ? nl : end) - p);

	if (len > 60)
		len = 60;
	fprintf(stderr, "s2mm trace: %s:%" PRIu64 ": %s: '%.*s'\n", r->name, r->line, why,
		len, p);
	return -1;
}

/*
 * Parse and replay the complete lines in [p, end). Return: bytes consumed
 * (up to the last newline), or -1 after an error.
 */
static long replay_lines(struct replay *r, const char *buf, const char *end, bool last)
{
	const char *p = buf;
	struct sim *s = r->s;

	for (;;) {
		const char *line = p, *nl;
		uint64_t addr = 0, size = 0;
		unsigned int kind;
		int8_t h;

		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl) {
			if (!last || p == end)
				return p - buf;
			nl = end; /* last line without a newline */
		}
		r->line++;
		if (*p == ' ')
			p++;
		switch (*p) {
		case 'I': kind = SIM_EXEC; break;
		case 'L': kind = SIM_READ; break;
		case 'S': kind = SIM_WRITE; break;
		case 'M': kind = 3; break;
		case '=': case '-': case '#': case '\n': case '\r':
			p = nl + (nl < end);
			if (p >= end)
				return p - buf;
			continue;
		default:
			return malformed(r, line, end, "not a lackey line (I, L, S or M)");
		}
		p++;
		if (*p != ' ')
			return malformed(r, line, end, "expected a space after the access kind");
		while (*p == ' ')
			p++;
		if (!hexval[(uint8_t)*p])
			return malformed(r, line, end, "expected a hexadecimal address");
		for (int n = 0; (h = hexval[(uint8_t)*p]); p++, n++) {
			if (n == 16)
				return malformed(r, line, end, "address too long");
			addr = addr << 4 | (uint64_t)(h - 1);
		}
		if (*p++ != ',')
			return malformed(r, line, end, "expected ',' after the address");
		if (*p < '0' || *p > '9')
			return malformed(r, line, end, "expected a decimal size");
		while (*p >= '0' && *p <= '9' && size < 1000000)
			size = size * 10 + (uint64_t)(*p++ - '0');
		if (*p == '\r')
			p++;
		if (p != nl || !size || size > 4096)
			return malformed(r, line, end, "bad size or trailing characters");
		if (addr + size - 1 >= r->va_limit || addr + size < addr)
			return malformed(r, line, end, "address beyond the guest's VA size (--va-bits)");
		p = nl + (nl < end);

		/* M: a load then a store (lackey's "modify"). */
		for (unsigned int k = kind == 3 ? 2 : 1, acc = kind == 3 ? SIM_READ : kind; k;
		     k--, acc = SIM_WRITE) {
			if (sim_access(s, 0, addr, acc))
				goto sim_err;
			/* Crossing a page: the second page is accessed too. */
			if (__builtin_expect(((addr & 0xfff) + size) > 0x1000, 0) &&
			    sim_access(s, 0, (addr | 0xfff) + 1, acc))
				goto sim_err;
		}
		if (__builtin_expect((r->line & 0xffff) == 0, 0))
			report_tick(r->rep, s);
		if (p >= end)
			return p - buf;
	}
sim_err:
	fprintf(stderr, "s2mm trace: %s:%" PRIu64 ": %s\n", r->name, r->line, sim_error(s));
	return -1;
}

#define BUFSZ (1u << 20)

static int replay_file(struct replay *r, const char *path)
{
	gzFile z = path ? gzopen(path, "rb") : gzdopen(dup(STDIN_FILENO), "rb");
	char *buf = malloc(BUFSZ + 1);
	size_t have = 0;
	int ret = 0;

	if (!z || !buf) {
		fprintf(stderr, "s2mm trace: cannot open %s\n", r->name);
		if (z)
			gzclose(z);
		free(buf);
		return 2;
	}
	gzbuffer(z, 1u << 18);
	for (;;) {
		int n = gzread(z, buf + have, (unsigned int)(BUFSZ - have));
		long used;

		if (n < 0) {
			int e;
			fprintf(stderr, "s2mm trace: %s: %s\n", r->name, gzerror(z, &e));
			ret = 2;
			break;
		}
		have += (size_t)n;
		buf[have] = '\0';
		used = replay_lines(r, buf, buf + have, n == 0);
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
	gzclose(z);
	free(buf);
	return ret;
}

int cmd_trace(int argc, char **argv)
{
	static const struct option opts[] = {
		REPORT_LONGOPTS,
		{ "repeat", 1, 0, OPT_REPEAT }, { "boot", 1, 0, OPT_BOOT },
		{ "help", 0, 0, 'h' }, { 0, 0, 0, 0 },
	};
	struct sim_config cfg = report_defaults;
	struct report rep = { .command = "trace" };
	uint64_t repeat = 1, boot = 0;
	struct sim *s = NULL;
	char err[256] = "";
	const char *path = NULL;
	int c, ret = 2;

	cfg.vm_mem = 512ULL << 20;
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
		default: /* report_getopt() said why */
			return 2;
		}
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
		ret = replay_file(&rp, path);
		if (ret)
			goto out;
	}
	rep.trace_lines = rp.line * repeat;
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

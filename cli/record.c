/* SPDX-License-Identifier: MIT */
/*
 * s2mm record: record real arm64 software's memory accesses as an s2mm
 * trace (trace/s2trace.h) with the project's QEMU plugin (trace/
 * recorder.c): a program under qemu-aarch64, or the Linux guest of
 * `s2mm hyp linux` on qemu-system-aarch64 from power-on to power-off; and
 * look into a trace (--info, --dump).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "pagemap.h"
#include "qemu.h"
#include "report.h"
#include "s2trace.h"
#include "../hyp/linux_bootargs.h"

enum {
	RO_LINUX = 0x200, RO_IMAGES, RO_CPUS, RO_MEM, RO_APPEND, RO_FILL, RO_SEQ,
	RO_NO_ICOUNT, RO_LEVEL, RO_QEMU, RO_PLUGIN, RO_SYSROOT, RO_TIMEOUT, RO_INFO,
	RO_DUMP, RO_JSON, RO_INITRD,
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: s2mm record [options] -o FILE -- PROGRAM [ARGS...]\n"
		"       s2mm record [options] -o FILE --linux\n"
		"       s2mm record --info FILE [--json OUT]\n"
		"       s2mm record --dump FILE\n\n"
		"Records every memory access of real arm64 software as an s2mm trace\n"
		"(docs/trace-format.md), with the project's QEMU plugin:\n"
		"  PROGRAM   an arm64 Linux program under qemu-aarch64 (user mode: VAs\n"
		"            only, all at EL0; a dynamic one needs --sysroot)\n"
		"  --linux   the Linux guest of `s2mm hyp linux` (Debian's arm64 kernel,\n"
		"            busybox initramfs) on qemu-system-aarch64, straight on QEMU,\n"
		"            from power-on with its MMU off to power-off: each access with\n"
		"            the PA QEMU resolved, the IPA a hypervisor's stage 2 sees.\n"
		"            Deterministic (QEMU's -icount, no random DT nodes, a fixed\n"
		"            RTC): two recordings are identical.\n"
		"Replay a trace with `s2mm trace FILE`.\n\n"
		"recording:\n"
		"  -o, --output FILE   the trace to write\n"
		"  --level N           zstd level 1..19 (default 3)\n"
		"  --qemu PATH         qemu-aarch64 / qemu-system-aarch64 to run\n"
		"  --plugin PATH       the recorder (default: this build's\n"
		"                      libs2mm-record.so, else the installed one)\n"
		"  --timeout S         kill QEMU after S seconds (default: none; 1800\n"
		"                      with --linux)\n"
		"  --sysroot DIR       user mode: arm64 libraries (qemu-aarch64 -L)\n"
		"--linux:\n"
		"  --images DIR        kernel and initramfs (default <build>/linux, made\n"
		"                      by scripts/linux-images.sh when missing)\n"
		"  --cpus N            vCPUs 1..8 (default 1)\n"
		"  --mem MIB           guest RAM 64..4096 (default 512)\n"
		"  --fill P            s2mm.fill: percent of free RAM the workload fills\n"
		"                      (default 0)\n"
		"  --seq N             s2mm.seq: the sort workload's size (default 1000)\n"
		"  --append ARGS       more kernel command line\n"
		"  --initrd FILE       another initramfs (its /init runs instead)\n"
		"  --no-icount         QEMU at full speed: faster, not deterministic\n"
		"inspecting:\n"
		"  --info FILE         header and totals: records of each kind, distinct\n"
		"                      pages, bytes per access (--json OUT too)\n"
		"  --dump FILE         every record, one per line:\n"
		"                      N vcpu op VA PA size el io (PA '-' when unknown);\n"
		"                      events: N vcpu ev VA insn kind\n\n"
		"Exit status: 0; 1 when QEMU or the recording failed; 2 for bad options\n"
		"or a malformed or truncated trace (its record number is printed).\n");
}

/* ------------------------------------------------------------------ */
/* Looking into a trace.                                                */
/* ------------------------------------------------------------------ */

static const char *const op_name[] = { "L", "S", "I", "E" };
static const char *const sys_name[] = {
	[S2T_SYS_NONE] = "other", [S2T_SYS_TTBR0] = "TTBR0_EL1", [S2T_SYS_TTBR1] = "TTBR1_EL1",
	[S2T_SYS_TCR] = "TCR_EL1", [S2T_SYS_SCTLR] = "SCTLR_EL1",
	[S2T_SYS_CONTEXTIDR] = "CONTEXTIDR_EL1", [S2T_SYS_TLBI] = "TLBI",
};

static int open_trace(const char *path, int *fd, struct s2t_reader **r)
{
	*r = NULL;
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0) {
		fprintf(stderr, "s2mm record: cannot open %s: %s\n", path, strerror(errno));
		return 2;
	}
	if (s2t_reader_open(r, *fd, NULL, 0)) {
		fprintf(stderr, "s2mm record: %s: %s\n", path,
			*r ? s2t_reader_error(*r) : "out of memory");
		return 2;
	}
	return 0;
}

static int cmd_info(const char *path, const char *json, bool dump)
{
	struct pagemap va_pages = { 0 }, pa_pages = { 0 };
	uint64_t ops[4] = { 0 }, sys[7] = { 0 }, el1 = 0, io = 0, no_pa = 0, bytes;
	uint64_t vcpu_seen[S2T_MAX_VCPUS / 64] = { 0 };
	const struct s2t_header *h;
	struct s2t_reader *r;
	struct s2t_rec rec;
	unsigned int vcpus = 0;
	struct stat st;
	int fd, rc, ret = open_trace(path, &fd, &r);

	if (ret)
		goto out;
	h = s2t_reader_header(r);
	while ((rc = s2t_read(r, &rec)) > 0) {
		if (!(vcpu_seen[rec.vcpu / 64] >> (rec.vcpu % 64) & 1)) {
			vcpu_seen[rec.vcpu / 64] |= 1ULL << (rec.vcpu % 64);
			vcpus++;
		}
		ops[rec.op]++;
		if (rec.op == S2T_EVENT) {
			enum s2t_sys k = s2t_sysinsn(rec.insn);

			sys[k]++;
			if (dump) {
				bool by_va, by_asid;
				const char *t = s2t_tlbi_name(rec.insn, &by_va, &by_asid);

				printf("%" PRIu64 " %u E %#" PRIx64 " %08" PRIx32 " %s%s%s\n", rec.n,
				       rec.vcpu, rec.va, rec.insn, sys_name[k], t ? " " : "",
				       t ? t : "");
			}
			continue;
		}
		el1 += rec.el1;
		io += rec.io;
		no_pa += !rec.pa_known;
		if (pagemap_put(&va_pages, rec.va >> 12, 0) ||
		    (rec.pa_known && pagemap_put(&pa_pages, rec.pa >> 12, 0))) {
			fprintf(stderr, "s2mm record: out of memory\n");
			ret = 2;
			goto out;
		}
		if (!dump)
			continue;
		if (rec.pa_known)
			printf("%" PRIu64 " %u %s %#" PRIx64 " %#" PRIx64 " %u %d %d\n", rec.n,
			       rec.vcpu, op_name[rec.op], rec.va, rec.pa, rec.size, rec.el1,
			       rec.io);
		else
			printf("%" PRIu64 " %u %s %#" PRIx64 " - %u %d %d\n", rec.n, rec.vcpu,
			       op_name[rec.op], rec.va, rec.size, rec.el1, rec.io);
	}
	if (rc < 0) {
		fflush(stdout);
		fprintf(stderr, "s2mm record: %s: %s\n", path, s2t_reader_error(r));
		ret = 2;
		goto out;
	}
	if (dump)
		goto out;
	bytes = fstat(fd, &st) ? 0 : (uint64_t)st.st_size;
	{
		uint64_t acc = ops[0] + ops[1] + ops[2];

		printf("%s: s2mm trace version %" PRIu32 ", %s, %u of %" PRIu32 " vCPUs seen\n",
		       path, h->version, h->flags & S2T_F_SYSTEM ? "a whole machine" : "user mode",
		       vcpus, h->vcpus);
		if (h->flags & S2T_F_SYSTEM)
			printf("  RAM %#" PRIx64 "..%#" PRIx64 "\n", h->ram_base,
			       h->ram_base + h->ram_size - 1);
		printf("  accesses %" PRIu64 ": %" PRIu64 " loads, %" PRIu64 " stores, %" PRIu64
		       " fetches; %" PRIu64 " at EL1, %" PRIu64 " to devices, %" PRIu64
		       " without a PA\n", acc, ops[0], ops[1], ops[2], el1, io, no_pa);
		printf("  events %" PRIu64 ": %" PRIu64 " TTBR0_EL1, %" PRIu64 " TTBR1_EL1, %"
		       PRIu64 " TCR_EL1, %" PRIu64 " SCTLR_EL1, %" PRIu64 " CONTEXTIDR_EL1, %"
		       PRIu64 " TLBI\n", ops[3], sys[S2T_SYS_TTBR0], sys[S2T_SYS_TTBR1],
		       sys[S2T_SYS_TCR], sys[S2T_SYS_SCTLR], sys[S2T_SYS_CONTEXTIDR],
		       sys[S2T_SYS_TLBI]);
		printf("  distinct 4K pages: %zu VA, %zu PA\n", va_pages.n, pa_pages.n);
		printf("  %" PRIu64 " bytes, %.3f per access\n", bytes,
		       acc ? (double)bytes / (double)acc : 0.0);
		if (json) {
			json_t *o = json_pack(
				"{s:i, s:b, s:i, s:i, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I,"
				" s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
				"version", (int)h->version, "system", !!(h->flags & S2T_F_SYSTEM),
				"vcpus", (int)h->vcpus, "vcpus_seen", (int)vcpus,
				"accesses", (json_int_t)acc, "loads", (json_int_t)ops[0],
				"stores", (json_int_t)ops[1], "fetches", (json_int_t)ops[2],
				"el1", (json_int_t)el1, "io", (json_int_t)io,
				"no_pa", (json_int_t)no_pa, "events", (json_int_t)ops[3],
				"ttbr0", (json_int_t)sys[S2T_SYS_TTBR0],
				"ttbr1", (json_int_t)sys[S2T_SYS_TTBR1],
				"sctlr", (json_int_t)sys[S2T_SYS_SCTLR],
				"tlbi", (json_int_t)sys[S2T_SYS_TLBI],
				"va_pages", (json_int_t)va_pages.n,
				"pa_pages", (json_int_t)pa_pages.n, "bytes", (json_int_t)bytes,
				"ram_base", (json_int_t)h->ram_base,
				"ram_size", (json_int_t)h->ram_size);

			if (!o || json_dump_file(o, json, JSON_INDENT(2))) {
				fprintf(stderr, "s2mm record: cannot write %s: %s\n", json,
					strerror(errno));
				ret = 2;
			}
			json_decref(o);
		}
	}
out:
	s2t_reader_close(r);
	if (fd >= 0)
		close(fd);
	pagemap_free(&va_pages);
	pagemap_free(&pa_pages);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Recording.                                                           */
/* ------------------------------------------------------------------ */

/* The recorder: this build tree's, else the installed one. */
static int find_plugin(char *out, size_t n)
{
	char build[PATH_MAX];

	if (!s2mm_build_dir(build, sizeof(build)) &&
	    (size_t)snprintf(out, n, "%s", S2MM_RECORD_PLUGIN_BUILD) < n &&
	    !access(out, R_OK))
		return 0;
	if ((size_t)snprintf(out, n, "%s", S2MM_RECORD_PLUGIN_INSTALLED) < n &&
	    !access(out, R_OK))
		return 0;
	fprintf(stderr, "s2mm record: the recorder plugin is neither built (%s) nor "
		"installed (%s): build the s2mm_record target, or give --plugin\n",
		S2MM_RECORD_PLUGIN_BUILD, S2MM_RECORD_PLUGIN_INSTALLED);
	return -1;
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Run @argv (QEMU) to its end or @timeout seconds (0: none). Return: its
 * exit status, or -1 after saying why. */
static int run_qemu(char *const argv[], unsigned int timeout, double *secs)
{
	double t0 = now();
	int status;
	pid_t pid;

	fprintf(stderr, "s2mm record:");
	for (size_t i = 0; argv[i]; i++)
		fprintf(stderr, strpbrk(argv[i], " \"") ? " '%s'" : " %s", argv[i]);
	fprintf(stderr, "\n");
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "s2mm record: fork: %s\n", strerror(errno));
		return -1;
	}
	if (!pid) {
		execvp(argv[0], argv);
		fprintf(stderr, "s2mm record: cannot run %s: %s (Debian package %s)\n", argv[0],
			strerror(errno),
			strstr(argv[0], "system") ? "qemu-system-arm" : "qemu-user");
		_exit(127);
	}
	for (;;) {
		pid_t w = waitpid(pid, &status, timeout ? WNOHANG : 0);

		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			fprintf(stderr, "s2mm record: waitpid: %s\n", strerror(errno));
			return -1;
		}
		if (timeout && now() - t0 > timeout) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			fprintf(stderr, "s2mm record: timed out after %u s\n", timeout);
			return -1;
		}
		if (timeout) {
			struct timespec ts = { 0, 50 * 1000 * 1000 };

			nanosleep(&ts, NULL);
		}
	}
	*secs = now() - t0;
	if (WIFSIGNALED(status)) {
		fprintf(stderr, "s2mm record: %s died of signal %d\n", argv[0], WTERMSIG(status));
		return -1;
	}
	return WEXITSTATUS(status);
}

struct rec_opts {
	const char *out, *qemu, *plugin, *sysroot, *images, *append, *initrd;
	unsigned int level, cpus, mem_mib, fill, seq, timeout;
	bool linux_guest, icount, timeout_set;
};

static int record(struct rec_opts *o, int argc, char **argv)
{
	char plugin[PATH_MAX], parg[2 * PATH_MAX + 128], build[PATH_MAX];
	char dir[PATH_MAX + 8], image[PATH_MAX + 32], initrd[PATH_MAX + 32];
	char cmdline[1024];
	const char *qv[48];
	struct s2hyp_boot_result res = { 0 };
	struct s2hyp_qemu q;
	size_t n = 0;
	double secs = 0;
	struct stat st;
	int status;

	if (o->plugin) {
		snprintf(plugin, sizeof(plugin), "%s", o->plugin);
		if (access(plugin, R_OK)) {
			fprintf(stderr, "s2mm record: --plugin %s: %s\n", plugin, strerror(errno));
			return 2;
		}
	} else if (find_plugin(plugin, sizeof(plugin))) {
		return 1;
	}
	if (strchr(o->out, ',') || strchr(plugin, ',')) {
		fprintf(stderr, "s2mm record: QEMU's -plugin syntax cannot take a ',' in a "
			"path: %s\n", strchr(o->out, ',') ? o->out : plugin);
		return 2;
	}
	snprintf(parg, sizeof(parg), "%s,out=%s", plugin, o->out);
	if (o->level)
		snprintf(parg + strlen(parg), sizeof(parg) - strlen(parg), ",level=%u", o->level);
	if (!o->linux_guest) {
		qv[n++] = o->qemu ? o->qemu : "qemu-aarch64";
		/* A fixed seed: the program's AT_RANDOM bytes, the same each run. */
		qv[n++] = "-seed";
		qv[n++] = "1";
		if (o->sysroot) {
			qv[n++] = "-L";
			qv[n++] = o->sysroot;
		}
		qv[n++] = "-plugin";
		qv[n++] = parg;
		for (int i = 0; i < argc && n < 46; i++)
			qv[n++] = argv[i];
		qv[n] = NULL;
		status = run_qemu((char *const *)qv, o->timeout, &secs);
		goto done;
	}
	if (o->images) {
		snprintf(dir, sizeof(dir), "%s", o->images);
	} else {
		if (s2mm_build_dir(build, sizeof(build))) {
			fprintf(stderr, "s2mm record: not in a build tree: give --images DIR\n");
			return 2;
		}
		snprintf(dir, sizeof(dir), "%s/linux", build);
		if (linux_images_make(dir, "s2mm record"))
			return 1;
	}
	snprintf(image, sizeof(image), "%s/Image", dir);
	if (o->initrd)
		snprintf(initrd, sizeof(initrd), "%s", o->initrd);
	else
		snprintf(initrd, sizeof(initrd), "%s/initrd.gz", dir);
	if (stat(image, &st) || stat(initrd, &st)) {
		fprintf(stderr, "s2mm record: no %s or %s (scripts/linux-images.sh %s "
			"makes them)\n", image, initrd, dir);
		return 2;
	}
	snprintf(parg + strlen(parg), sizeof(parg) - strlen(parg), ",ram=0x40000000:%#llx",
		 (unsigned long long)o->mem_mib << 20);
	snprintf(cmdline, sizeof(cmdline), "%s s2mm.fill=%u s2mm.seq=%u%s%s", LINUX_BOOTARGS,
		 o->fill, o->seq, o->append ? " " : "", o->append ? o->append : "");
	/* Linux straight on QEMU, through the launcher every `s2mm hyp` uses. */
	s2hyp_qemu_init(&q, "s2mm record", o->timeout);
	if (o->qemu)
		q.qemu = o->qemu;
	q.cpus = o->cpus;
	q.mem_mib = o->mem_mib;
	if ((size_t)snprintf(q.image, sizeof(q.image), "%s", image) >= sizeof(q.image)) {
		fprintf(stderr, "s2mm record: path too long: %s\n", image);
		return 2;
	}
	q.direct_initrd = initrd;
	/* No random DT nodes (KASLR seed, RNG seed): the same boot each run. */
	q.extra[q.nr_extra++] = "-M";
	q.extra[q.nr_extra++] = "dtb-randomness=off";
	if (o->icount) {
		/* One instruction per ns of virtual time, vCPUs in turn on one
		 * thread, the RTC on that clock: deterministic. */
		q.extra[q.nr_extra++] = "-icount";
		q.extra[q.nr_extra++] = "shift=0,sleep=off";
		q.extra[q.nr_extra++] = "-rtc";
		q.extra[q.nr_extra++] = "base=2020-01-01T00:00:00,clock=vm";
	}
	q.extra[q.nr_extra++] = "-plugin";
	q.extra[q.nr_extra++] = parg;
	qv[0] = q.qemu;
	status = s2hyp_qemu_boot(&q, cmdline, 0, NULL, NULL, &res);
	secs = res.seconds;
done:
	if (status < 0)
		return 1;
	if (status) {
		fprintf(stderr, "s2mm record: %s exited with status %d\n", qv[0], status);
		return 1;
	}
	if (stat(o->out, &st)) {
		fprintf(stderr, "s2mm record: the recorder wrote no %s (QEMU said why above)\n",
			o->out);
		return 1;
	}
	fprintf(stderr, "s2mm record: %s: %lld bytes in %.1f s\n", o->out,
		(long long)st.st_size, secs);
	return 0;
}

int cmd_record(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", 1, 0, 'o' }, { "linux", 0, 0, RO_LINUX },
		{ "images", 1, 0, RO_IMAGES }, { "cpus", 1, 0, RO_CPUS }, { "mem", 1, 0, RO_MEM },
		{ "append", 1, 0, RO_APPEND }, { "initrd", 1, 0, RO_INITRD }, { "fill", 1, 0, RO_FILL }, { "seq", 1, 0, RO_SEQ },
		{ "no-icount", 0, 0, RO_NO_ICOUNT }, { "level", 1, 0, RO_LEVEL },
		{ "qemu", 1, 0, RO_QEMU }, { "plugin", 1, 0, RO_PLUGIN },
		{ "sysroot", 1, 0, RO_SYSROOT }, { "timeout", 1, 0, RO_TIMEOUT },
		{ "info", 1, 0, RO_INFO }, { "dump", 1, 0, RO_DUMP }, { "json", 1, 0, RO_JSON },
		{ "help", 0, 0, 'h' }, { 0, 0, 0, 0 },
	};
	struct rec_opts o = { .cpus = 1, .mem_mib = 512, .seq = 1000, .icount = true };
	const char *info = NULL, *dump = NULL, *json = NULL;
	long v;
	int c;

	optind = 1;
	/* '+': PROGRAM's own options are its, not ours. */
	while ((c = getopt_long(argc, argv, "+o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o': o.out = optarg; break;
		case RO_LINUX: o.linux_guest = true; break;
		case RO_IMAGES: o.images = optarg; break;
		case RO_APPEND: o.append = optarg; break;
		case RO_INITRD: o.initrd = optarg; break;
		case RO_NO_ICOUNT: o.icount = false; break;
		case RO_QEMU: o.qemu = optarg; break;
		case RO_PLUGIN: o.plugin = optarg; break;
		case RO_SYSROOT: o.sysroot = optarg; break;
		case RO_INFO: info = optarg; break;
		case RO_DUMP: dump = optarg; break;
		case RO_JSON: json = optarg; break;
		case 'h': usage(stdout); return 0;
		case RO_CPUS: case RO_MEM: case RO_FILL: case RO_SEQ: case RO_LEVEL: case RO_TIMEOUT: {
			static const struct { int opt; const char *name; long lo, hi; } lim[] = {
				{ RO_CPUS, "--cpus", 1, 8 }, { RO_MEM, "--mem", 64, 4096 },
				{ RO_FILL, "--fill", 0, 95 }, { RO_SEQ, "--seq", 1, 100000000 },
				{ RO_LEVEL, "--level", 1, 19 }, { RO_TIMEOUT, "--timeout", 1, 86400 },
			};
			size_t k = 0;

			while (lim[k].opt != c)
				k++;
			v = parse_uint(optarg, lim[k].lo, lim[k].hi);
			if (v < 0) {
				fprintf(stderr, "s2mm record: %s: bad value '%s' (expected %ld..%ld)\n",
					lim[k].name, optarg, lim[k].lo, lim[k].hi);
				return 2;
			}
			if (c == RO_CPUS) o.cpus = (unsigned int)v;
			if (c == RO_MEM) o.mem_mib = (unsigned int)v;
			if (c == RO_FILL) o.fill = (unsigned int)v;
			if (c == RO_SEQ) o.seq = (unsigned int)v;
			if (c == RO_LEVEL) o.level = (unsigned int)v;
			if (c == RO_TIMEOUT) { o.timeout = (unsigned int)v; o.timeout_set = true; }
			break;
		}
		default:
			fprintf(stderr, "Try 's2mm record --help'.\n");
			return 2;
		}
	}
	if (info || dump) {
		if (info && dump) {
			fprintf(stderr, "s2mm record: --info or --dump, not both\n");
			return 2;
		}
		if (o.out || o.linux_guest || optind < argc) {
			fprintf(stderr, "s2mm record: --%s reads a trace; it records nothing\n",
				info ? "info" : "dump");
			return 2;
		}
		if (json && !info) {
			fprintf(stderr, "s2mm record: --json goes with --info\n");
			return 2;
		}
		return cmd_info(info ? info : dump, json, dump != NULL);
	}
	if (json) {
		fprintf(stderr, "s2mm record: --json goes with --info\n");
		return 2;
	}
	if (!o.out) {
		fprintf(stderr, "s2mm record: -o FILE: where to write the trace\n"
				"Try 's2mm record --help'.\n");
		return 2;
	}
	if (o.linux_guest == (optind < argc)) {
		fprintf(stderr, "s2mm record: %s\nTry 's2mm record --help'.\n",
			o.linux_guest ? "--linux records the Linux guest: no PROGRAM"
				      : "what to record: -- PROGRAM [ARGS...], or --linux");
		return 2;
	}
	if (!o.linux_guest && (o.images || o.append || o.initrd || o.cpus != 1 || o.mem_mib != 512 ||
			       o.fill || o.seq != 1000 || !o.icount)) {
		fprintf(stderr, "s2mm record: --images, --append, --initrd, --cpus, --mem, "
				"--fill, --seq and --no-icount go with --linux\n");
		return 2;
	}
	if (o.linux_guest && o.sysroot) {
		fprintf(stderr, "s2mm record: --sysroot is for a PROGRAM under qemu-aarch64\n");
		return 2;
	}
	if (o.linux_guest && !o.timeout_set)
		o.timeout = 1800;
	return record(&o, argc - optind, argv + optind);
}

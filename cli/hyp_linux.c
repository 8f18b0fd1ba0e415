/* SPDX-License-Identifier: MIT */
/*
 * s2mm hyp linux: fetch Debian's arm64 kernel and build the initramfs when
 * needed (scripts/linux-images.sh), have QEMU load both at the top of RAM,
 * boot s2hyp's Linux scenario and check every guest: its /init must report
 * the workload's sum the manifest expects, and it must power itself off.
 * Ends with "N passed, N failed" over the guests.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "qemu.h"
#include "linux_bootargs.h"

#define MAX_GUESTS	64
#define MAX_VCPUS	8
#define RAM_IPA_BASE	0x40000000ULL	/* QEMU virt's RAM */
#define SZ_2M		0x200000ULL
#define HYP_RESERVE_MIB	128		/* s2hyp, its tables, headroom */

struct linux_opts {
	unsigned int guests, vcpus, mem_mib;
	unsigned int vmid_bits;		/* 0: the CPU's */
	int fill;			/* /init's s2mm.fill=; < 0: its own */
	int probe_vm;			/* this guest probes; < 0: none */
	int baseline;			/* first the same guest on plain QEMU */
	int migrate;			/* live-migrate each guest once */
	int lazy_split;			/* ... splitting blocks lazily */
	int migrate_drop;		/* ... losing a dirty page (test aid) */
	unsigned int overcommit;	/* guest RAM / host frames, percent */
	int share;			/* merge equal pages */
	const char *images;		/* NULL: <build>/linux */
};

struct manifest {
	char workload_sum[64];
	char kernel[128];
	uint64_t image_bytes, initrd_bytes;
};

/* What each guest's console said: "[vmN] linux-guest: ..." lines. */
struct guest_state {
	int workload_ok, done, powered_off, failed;
	int probe_aborted;		/* its /init's probe got SIGBUS */
	int harness_ok;			/* "harness N files, N during ok" */
	int migrated;			/* s2hyp moved it into a new VM */
	unsigned long differ;		/* pages unequal after the move */
	unsigned long injected;		/* exceptions s2hyp injected */
	char sum[64];
};

struct linux_run {
	const struct manifest *m;
	struct guest_state g[MAX_GUESTS];
	int hyp_pass;
	double uptime[MAX_GUESTS];	/* "linux-guest: uptime" */
};

/* The baseline: the same kernel, initramfs and workload on plain QEMU. */
struct baseline {
	const struct manifest *m;
	double uptime;
	int workload_ok, done;
};



static void usage(FILE *out, const struct s2hyp_qemu *q)
{
	fprintf(out,
		"usage: s2mm hyp linux [--guests N] [--vcpus N] [--mem SIZE]\n"
		"                      [--images DIR] [QEMU options]\n\n"
		"Boot N unmodified Debian arm64 Linux guests at once on s2hyp, each\n"
		"with its memory demand-faulted through libs2mm's stage 2; each runs\n"
		"a workload from its initramfs and powers itself off.\n\n"
		"  --guests N    guests (default 1, at most 64): CPU c runs guests\n"
		"                c, c + cpus, ... one after another\n"
		"  --vcpus N     vCPUs per guest (default 1, at most 8)\n"
		"  --mem SIZE    RAM per guest (default 256M; 128M..1G, a power of 2)\n"
		"  --fill P      each /init fills P%% of free memory (default 60)\n"
		"  --probe-vm N  guest N also reads an address with nothing\n"
		"                behind it: it must get an external abort (SIGBUS\n"
		"                in its reader) and still pass, the others too\n"
		"  --migrate     live-migrate each guest into a new VM once its\n"
		"                /init has written its first files (pre-copy\n"
		"                through the dirty log); the guest checks its\n"
		"                files, s2hyp compares both VMs page by page\n"
		"  --lazy-split  with --migrate: split blocks at their first\n"
		"                write, not when logging starts\n"
		"  --migrate-drop  test aid: s2hyp loses one dirty page for\n"
		"                good; the run must fail\n"
		"  --overcommit R  the guests' RAM is R times the frames s2hyp\n"
		"                gives them (e.g. 1.5, 2): cold pages go to a\n"
		"                compressed store and come back on their fault\n"
		"  --share       merge equal pages across the guests into\n"
		"                read-only shared frames, copied on write; /init\n"
		"                checks its files across a merging sweep\n"
		"  --baseline    first run the same guest on plain QEMU (no EL2),\n"
		"                then one guest on s2hyp, and print the ratio of\n"
		"                their wall times (with --guests 1)\n"
		"  --vmid-bits N VMID space: 8 or 16 bits (the width; 16 needs\n"
		"                --cpu max), or 2..7 to narrow an 8-bit space so\n"
		"                that a few guests roll it over (default: the CPU's)\n"
		"  --images DIR  kernel, initramfs and manifest (default\n"
		"                <build>/linux, made by scripts/linux-images.sh)\n"
		"QEMU options (--cpus defaults to --guests, at most 8):\n");
	s2hyp_qemu_help(out, q, 1);
	fprintf(out, "\nEnds with 'N passed, N failed' over the guests.\n");
}

static int read_manifest(const char *dir, struct manifest *m)
{
	char path[PATH_MAX + 32], line[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/manifest.txt", dir);
	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "s2mm hyp linux: %s: %s\n", path, strerror(errno));
		return -1;
	}
	memset(m, 0, sizeof(*m));
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "workload_sum=", 13))
			snprintf(m->workload_sum, sizeof(m->workload_sum), "%.63s",
				 line + 13);
		else if (!strncmp(line, "kernel_package=", 15))
			snprintf(m->kernel, sizeof(m->kernel), "%.127s",
				 line + 15);
		else if (!strncmp(line, "image_bytes=", 12))
			m->image_bytes = strtoull(line + 12, NULL, 10);
		else if (!strncmp(line, "initrd_bytes=", 13))
			m->initrd_bytes = strtoull(line + 13, NULL, 10);
	}
	fclose(f);
	if (!m->workload_sum[0] || !m->image_bytes || !m->initrd_bytes) {
		fprintf(stderr, "s2mm hyp linux: %s lacks workload_sum, "
			"image_bytes or initrd_bytes\n", path);
		return -1;
	}
	return 0;
}

int linux_images_make(const char *dir, const char *who)
{
	char script[PATH_MAX];
	pid_t pid;
	int status;

	snprintf(script, sizeof(script), "%s/scripts/linux-images.sh",
		 S2MM_SOURCE_DIR);
	pid = fork();
	if (pid == 0) {
		execl("/bin/bash", "bash", script, dir, (char *)NULL);
		fprintf(stderr, "%s: cannot run %s: %s\n", who, script,
			strerror(errno));
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "%s: %s %s failed\n", who, script, dir);
		return -1;
	}
	return 0;
}

static void scan_line(void *ctx, const char *line)
{
	struct linux_run *r = ctx;
	unsigned int vm;
	char sum[64], verdict[16];
	unsigned long injected;
	int n = 0;

	if (!strcmp(line, "PASS"))
		r->hyp_pass = 1;
	if (sscanf(line, "vm%u: PSCI SYSTEM_OFF%n", &vm, &n) == 1 && n &&
	    vm < MAX_GUESTS)
		r->g[vm].powered_off = 1;
	if (sscanf(line, "vm%u: exit status %*d after %*u exits (%*u HVC, "
		   "%*u MMIO, %lu injected", &vm, &injected) == 2 &&
	    vm < MAX_GUESTS)
		r->g[vm].injected = injected;
	n = 0;
	if (sscanf(line, "vm%u: migrate: %n", &vm, &n) == 1 && n &&
	    vm < MAX_GUESTS) {
		const char *d = strstr(line, " pages differ");

		r->g[vm].migrated = 1;
		/* "...; N of M pages differ" */
		while (d && d > line && d[-1] != ';')
			d--;
		r->g[vm].differ = d ? strtoul(d + 1, NULL, 10) : 1;
		return;
	}
	n = 0;
	if (sscanf(line, "[vm%u] linux-guest: %n", &vm, &n) != 1 || !n ||
	    vm >= MAX_GUESTS)
		return;
	line += n;
	if (sscanf(line, "workload %63s %15s", sum, verdict) == 2) {
		snprintf(r->g[vm].sum, sizeof(r->g[vm].sum), "%s", sum);
		r->g[vm].workload_ok = !strcmp(verdict, "ok") &&
				       !strcmp(sum, r->m->workload_sum);
	} else if (!strncmp(line, "harness ", 8)) {
		size_t len = strlen(line);

		r->g[vm].harness_ok = len > 3 && !strcmp(line + len - 3, " ok");
	} else if (!strncmp(line, "probe ", 6)) {
		r->g[vm].probe_aborted = strstr(line, " aborted (signal") != NULL;
	} else if (!strncmp(line, "uptime ", 7)) {
		r->uptime[vm] = strtod(line + 7, NULL);
	} else if (!strcmp(line, "done")) {
		r->g[vm].done = 1;
	} else if (!strncmp(line, "FAILED", 6)) {
		r->g[vm].failed = 1;
	}
}

static void scan_baseline(void *ctx, const char *line)
{
	struct baseline *b = ctx;
	char sum[64], verdict[16];

	if (strncmp(line, "linux-guest: ", 13))
		return;
	line += 13;
	if (sscanf(line, "workload %63s %15s", sum, verdict) == 2)
		b->workload_ok = !strcmp(verdict, "ok") &&
				 !strcmp(sum, b->m->workload_sum);
	else if (!strncmp(line, "uptime ", 7))
		b->uptime = strtod(line + 7, NULL);
	else if (!strcmp(line, "done"))
		b->done = 1;
}

/*
 * The same guest on plain QEMU (no EL2, no s2hyp): the kernel on the
 * virt machine itself, as many CPUs as the guest has vCPUs, its RAM.
 * Return: the wall time, or a negative value if the guest failed.
 */
static double run_baseline(const struct s2hyp_qemu *hq,
			   const struct linux_opts *o, const struct manifest *m,
			   const char *image, const char *initrd, double *uptime)
{
	struct s2hyp_qemu q = *hq;
	struct baseline b = { .m = m };
	char args[256];
	struct s2hyp_boot_result res;
	int status;

	q.who = "s2mm hyp linux (baseline)";
	q.nr_blobs = 0;
	q.cpus = o->vcpus;
	q.mem_mib = o->mem_mib;
	if ((size_t)snprintf(q.image, sizeof(q.image), "%s", image) >=
	    sizeof(q.image))
		return -1;
	q.direct_initrd = initrd;
	snprintf(args, sizeof(args), "%s", LINUX_BOOTARGS);
	if (o->fill >= 0)
		snprintf(args + strlen(args), sizeof(args) - strlen(args),
			 " s2mm.fill=%d", o->fill);
	status = s2hyp_qemu_boot(&q, args, 1, scan_baseline, &b, &res);
	if (status || !b.workload_ok || !b.done) {
		fprintf(stderr, "s2mm hyp linux: the baseline run on plain QEMU "
			"failed (status %d)\n", status);
		return -1;
	}
	*uptime = b.uptime;
	return res.seconds;
}

int cmd_hyp_linux(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "guests", required_argument, NULL, 'g' },
		{ "vcpus", required_argument, NULL, 'v' },
		{ "mem", required_argument, NULL, 'm' },
		{ "images", required_argument, NULL, 'i' },
		{ "vmid-bits", required_argument, NULL, 'b' },
		{ "fill", required_argument, NULL, 'f' },
		{ "probe-vm", required_argument, NULL, 'p' },
		{ "baseline", no_argument, NULL, 'B' },
		{ "migrate", no_argument, NULL, 'M' },
		{ "lazy-split", no_argument, NULL, 'L' },
		{ "migrate-drop", no_argument, NULL, 'D' },
		{ "overcommit", required_argument, NULL, 'O' },
		{ "share", no_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		S2HYP_OPTIONS_BOOT,
		S2HYP_OPTION_CPUS,
		{ NULL, 0, NULL, 0 },
	};
	struct linux_opts o = { .guests = 1, .vcpus = 1, .mem_mib = 256,
				.fill = -1, .probe_vm = -1 };
	char build[PATH_MAX], dir[PATH_MAX + 8], image[PATH_MAX + 32],
	     initrd[PATH_MAX + 32], cmdline[512];
	struct linux_run run = { 0 };
	struct manifest m;
	struct s2hyp_qemu q;
	uint64_t blob_mib, top, image_pa, initrd_pa;
	unsigned long long size;
	long passed = 0, failed = 0;
	int c, cpus_set = 0, status;
	unsigned int at_once;
	double base_wall = 0, base_uptime = 0;
	struct s2hyp_boot_result res;

	s2hyp_qemu_init(&q, "s2mm hyp linux", 300);
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
		long v;

		switch (c) {
		case 'g':
		case 'v':
			v = parse_uint(optarg, 1, c == 'g' ? MAX_GUESTS
							   : MAX_VCPUS);
			if (v < 0) {
				fprintf(stderr, "s2mm hyp linux: --%s wants "
					"1..%d, not '%s'\n", c == 'g' ? "guests"
					: "vcpus", c == 'g' ? MAX_GUESTS
					: MAX_VCPUS, optarg);
				return 2;
			}
			*(c == 'g' ? &o.guests : &o.vcpus) = (unsigned int)v;
			break;
		case 'm':
			size = parse_size(optarg);
			if (size < (128ULL << 20) || size > (1ULL << 30) ||
			    (size & (size - 1))) {
				fprintf(stderr, "s2mm hyp linux: --mem wants a "
					"power of two in 128M..1G, not '%s'\n",
					optarg);
				return 2;
			}
			o.mem_mib = (unsigned int)(size >> 20);
			break;
		case 'i':
			o.images = optarg;
			break;
		case 'f':
			v = parse_uint(optarg, 0, 95);
			if (v < 0) {
				fprintf(stderr, "s2mm hyp linux: --fill wants "
					"0..95 (percent), not '%s'\n", optarg);
				return 2;
			}
			o.fill = (int)v;
			break;
		case 'p':
			v = parse_uint(optarg, 0, MAX_GUESTS - 1);
			if (v < 0) {
				fprintf(stderr, "s2mm hyp linux: --probe-vm wants "
					"0..%d, not '%s'\n", MAX_GUESTS - 1,
					optarg);
				return 2;
			}
			o.probe_vm = (int)v;
			break;
		case 'b':
			v = parse_uint(optarg, 2, 16);
			if (v < 0 || (v > 8 && v != 16)) {
				fprintf(stderr, "s2mm hyp linux: --vmid-bits wants "
					"2..8 or 16, not '%s'\n", optarg);
				return 2;
			}
			o.vmid_bits = (unsigned int)v;
			break;
		case 'B':
			o.baseline = 1;
			break;
		case 'M':
			o.migrate = 1;
			break;
		case 'L':
			o.lazy_split = 1;
			break;
		case 'D':
			o.migrate_drop = 1;
			break;
		case 'O': {
			char *end;
			double r = strtod(optarg, &end);

			if (end == optarg || *end || !(r >= 1.0 && r <= 16.0)) {
				fprintf(stderr, "s2mm hyp linux: --overcommit "
					"wants a ratio in 1..16, not '%s'\n",
					optarg);
				return 2;
			}
			o.overcommit = (unsigned int)(r * 100 + 0.5);
			break;
		}
		case 'S':
			o.share = 1;
			break;
		case 'h':
			usage(stdout, &q);
			return 0;
		default:
			if (s2hyp_qemu_option_or_usage(&q, c, optarg, usage))
				return 2;
			cpus_set |= c == S2HYP_OPT_CPUS;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "s2mm hyp linux: unexpected argument '%s'\n",
			argv[optind]);
		return 2;
	}
	if (o.migrate && (o.overcommit || o.share)) {
		fprintf(stderr, "s2mm hyp linux: --migrate moves contiguous "
			"RAM: not with --overcommit or --share\n");
		return 2;
	}
	if ((o.lazy_split || o.migrate_drop) && !o.migrate) {
		fprintf(stderr, "s2mm hyp linux: --%s needs --migrate\n",
			o.lazy_split ? "lazy-split" : "migrate-drop");
		return 2;
	}
	if (o.probe_vm >= (int)o.guests) {
		fprintf(stderr, "s2mm hyp linux: --probe-vm %d: there are only "
			"%u guests\n", o.probe_vm, o.guests);
		return 2;
	}
	if (!cpus_set)
		q.cpus = o.guests < 8 ? o.guests : 8;
	at_once = o.guests < q.cpus ? o.guests : q.cpus;
	if (o.images) {
		snprintf(dir, sizeof(dir), "%s", o.images);
	} else {
		if (s2hyp_qemu_image(&q))
			return 1;
		/* The image sits in <build>/hyp/image/: <build> is 3 up. */
		snprintf(build, sizeof(build), "%s", q.image);
		for (int up = 0; up < 3; up++)
			*strrchr(build, '/') = '\0';
		snprintf(dir, sizeof(dir), "%s/linux", build);
		if (linux_images_make(dir, "s2mm hyp linux"))
			return 1;
	}
	if (o.images && s2hyp_qemu_image(&q))
		return 1;
	if (read_manifest(dir, &m))
		return 1;
	run.m = &m;

	/* RAM: a guest's is one naturally aligned buddy block, and s2hyp's
	 * image sits in the first block of that size; the two files go at
	 * the top of the last one, below which s2hyp keeps its tables. */
	blob_mib = ((m.image_bytes + SZ_2M - 1) / SZ_2M +
		    (m.initrd_bytes + SZ_2M - 1) / SZ_2M) * 2;
	q.mem_mib = (at_once + 1) * o.mem_mib;
	/* A migration's destination lives beside its source. */
	if (o.migrate)
		q.mem_mib += at_once * o.mem_mib;
	q.mem_mib += o.mem_mib < blob_mib + HYP_RESERVE_MIB ?
		     (unsigned int)blob_mib + HYP_RESERVE_MIB : o.mem_mib;
	top = RAM_IPA_BASE + ((uint64_t)q.mem_mib << 20) - (blob_mib << 20);
	image_pa = top;
	initrd_pa = top + ((m.image_bytes + SZ_2M - 1) & ~(SZ_2M - 1));
	snprintf(image, sizeof(image), "%s/Image", dir);
	snprintf(initrd, sizeof(initrd), "%s/initrd.gz", dir);
	q.blobs[0] = (struct s2hyp_blob){ image, image_pa };
	q.blobs[1] = (struct s2hyp_blob){ initrd, initrd_pa };
	q.nr_blobs = 2;
	snprintf(cmdline, sizeof(cmdline),
		 "test=linux guests=%u vcpus=%u mem-mib=%u linux=0x%" PRIx64
		 ",%" PRIu64 " initrd=0x%" PRIx64 ",%" PRIu64, o.guests, o.vcpus,
		 o.mem_mib, image_pa, m.image_bytes, initrd_pa, m.initrd_bytes);
	if (o.vmid_bits)
		snprintf(cmdline + strlen(cmdline),
			 sizeof(cmdline) - strlen(cmdline), " vmid-bits=%u",
			 o.vmid_bits);
	if (o.fill >= 0)
		snprintf(cmdline + strlen(cmdline),
			 sizeof(cmdline) - strlen(cmdline), " fill=%d", o.fill);
	if (o.probe_vm >= 0)
		snprintf(cmdline + strlen(cmdline),
			 sizeof(cmdline) - strlen(cmdline), " probe-vm=%d",
			 o.probe_vm);
	if (o.migrate)
		snprintf(cmdline + strlen(cmdline),
			 sizeof(cmdline) - strlen(cmdline), " migrate=1%s%s",
			 o.lazy_split ? " lazy-split=1" : "",
			 o.migrate_drop ? " migrate-drop=1" : "");
	if (o.overcommit)
		snprintf(cmdline + strlen(cmdline),
			 sizeof(cmdline) - strlen(cmdline), " overcommit=%u",
			 o.overcommit);
	if (o.share)
		snprintf(cmdline + strlen(cmdline),
			 sizeof(cmdline) - strlen(cmdline), " share=1");
	fprintf(stderr, "s2mm hyp linux: %s, workload sum %s\n", m.kernel,
		m.workload_sum);
	if (o.baseline) {
		if (o.guests != 1) {
			fprintf(stderr, "s2mm hyp linux: --baseline compares "
				"one guest: use --guests 1\n");
			return 2;
		}
		base_wall = run_baseline(&q, &o, &m, image, initrd,
					 &base_uptime);
		if (base_wall < 0)
			return 1;
	}
	status = s2hyp_qemu_boot(&q, cmdline, 0, scan_line, &run, &res);
	for (unsigned int i = 0; i < o.guests; i++) {
		const struct guest_state *g = &run.g[i];
		int probe = (int)i == o.probe_vm;
		/* The probing guest took an external abort (its reader got
		 * SIGBUS) and carried on; the others took none. */
		int probe_ok = probe ? g->probe_aborted && g->injected > 0
				     : !g->probe_aborted;
		/* Migrated: its files checked out, both RAMs were equal. */
		int mig_ok = !o.migrate || (g->migrated && !g->differ &&
					    g->harness_ok);
		/* Merged: its files checked out across a sweep. */
		int share_ok = !o.share || g->harness_ok;
		int ok = g->workload_ok && g->done && g->powered_off &&
			 !g->failed && probe_ok && mig_ok && share_ok;

		if (!ok)
			fprintf(stderr, "s2mm hyp linux: vm%u failed: %s\n", i,
				o.migrate && g->differ ? "its RAM differed after "
				"the migration" :
				g->failed ? "its /init reported a failure" :
				!g->sum[0] ? "no workload result" :
				!g->workload_ok ? "wrong workload result" :
				!g->done ? "workload did not finish" :
				!g->powered_off ? "did not power off" :
				o.migrate && !g->migrated ? "was not migrated" :
				o.migrate && !g->harness_ok ? "its files did not "
				"check out across the migration" :
				o.share && !g->harness_ok ? "its files did not "
				"check out across merging" :
				"its probe of an address with nothing behind "
				"it did not end in an external abort");
		passed += ok;
		failed += !ok;
	}
	if (status != 0 || !run.hyp_pass) {
		fprintf(stderr, "s2mm hyp linux: s2hyp %s (status %d)\n",
			status == S2HYP_EXIT_TIMEOUT ? "timed out" : "failed", status);
		if (!failed)
			failed = 1;
	}
	if (o.baseline && !failed)
		printf("baseline (plain QEMU, no EL2): %.2f s wall, guest uptime "
		       "%.2f s\ns2hyp: %.2f s wall, guest uptime %.2f s\n"
		       "ratio s2hyp/plain: %.2fx wall, %.2fx guest uptime\n",
		       base_wall, base_uptime, res.seconds, run.uptime[0],
		       res.seconds / base_wall,
		       base_uptime > 0 ? run.uptime[0] / base_uptime : 0.0);
	printf("%ld passed, %ld failed\n", passed, failed);
	return failed ? 1 : 0;
}

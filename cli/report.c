/* SPDX-License-Identifier: MIT */
/* Reports: summary, progress, JSON, CSV, gnuplot; the shared options. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "report.h"
#include "sim_report.h"

const char report_options_help[] =
	"machine:\n"
	"  --cpus N            simulated CPUs, each with its own TLB\n"
	"  --vms N             VMs\n"
	"  --vcpus N           vCPUs per VM\n"
	"  --vmid-bits 8|16    VMID width (rollover when more VMs than VMIDs run)\n"
	"  --granule 4K|16K|64K   stage-2 granule\n"
	"  --ipa-bits N        IPA size (32..52)\n"
	"  --pa-bits N         PA size (VTCR_EL2.PS: 32 36 40 42 44 48 52)\n"
	"  --s1-granule 4K|16K|64K   the guests' stage-1 page size (default 4K)\n"
	"  --s1-format a64|a32|short  guest stage-1 format: AArch64, AArch32 LPAE\n"
	"                      (a32, also 'lpae'), or AArch32 short descriptors\n"
	"                      (TTBCR.EAE=0: sections, pages, domains); 32-bit VAs\n"
	"  --va-bits N         AArch64 stage-1 VA size (default 48)\n"
	"  --blocks / --no-blocks  stage-2 block mappings on (default) or off\n"
	"  --fwb               run the VMs with HCR_EL2.FWB=1 (FEAT_S2FWB): the\n"
	"                      library's leaves force Normal Write-Back\n"
	"  --hw-af             the CPUs set the Access flag themselves (FEAT_HAFDBS,\n"
	"                      TCR_EL1.HA and VTCR_EL2.HA): no Access flag faults\n"
	"  --hw-dirty          and the dirty state (TCR_EL1.HD, VTCR_EL2.HD; needs\n"
	"                      --hw-af): a write through a DBM=1 leaf makes it\n"
	"                      dirty; the guest maps its pages writable-clean\n"
	"  --contig            the library sets the Contiguous hint on aligned runs\n"
	"                      (16 x 4K, 16 x 2M...): one TLB entry per run\n"
	"  --tlb-contig range|off|abort  what the TLBs do with the hint: one\n"
	"                      entry per run (default), ignore it, or as range\n"
	"                      with a misprogrammed run a TLB conflict abort\n"
	"  --tlb-entries N     TLB entries per CPU (default 1024)\n"
	"  --tlb-ways N        TLB associativity (default 4)\n"
	"  --no-utlb           no micro-TLB in front of the TLB (every access\n"
	"                      goes through the model's TLB lookup)\n"
	"  --s1-walk-cache N[:W[:lru|rr]]  a stage-1 walk cache per CPU: N table\n"
	"                      descriptors by level and VA prefix, W-way (default\n"
	"                      4), LRU or round-robin (default) replacement; off\n"
	"  --s2-walk-cache N[:W[:lru|rr]]  the same for stage-2 table descriptors\n"
	"  --nested-tlb N[:W[:lru|rr]]  a nested TLB: stage-2 leaves for stage-1\n"
	"                      table fetches (without it, the TLB's stage-2 entries\n"
	"                      serve them)\n"
	"  --no-tlb-fetch      stage-1 table fetches do not use the TLB's entries\n"
	"  --vm-mem SIZE       guest RAM per VM, 4M..1022M\n"
	"  --dirty-vms N       dirty-log the first N VMs\n"
	"  --dirty-every N     get and clear their dirty logs every N time slices\n"
	"  --dirty-log sw|hw|hybrid  how the library logs them (and --migrate's\n"
	"                      VM): write faults (default), the CPUs' dirty\n"
	"                      state (needs --hw-dirty), or both\n"
	"  --reclaim-every N   the host unmaps one VM's RAM every N slices (0: never)\n"
	"  --inject-missing-tlbi  test the self-checks: the host drops every\n"
	"                      TLBI by IPA the library asks for\n"
	"  --inject-missing-rollover-flush  ... or the flush of a VMID rollover\n"
	"  --check-bbm         check every stage-2 change with the break-before-make\n"
	"                      monitor (each descriptor store, barrier, TLBI, table\n"
	"                      page and VMID; slower): a violation fails the run\n"
	"  --inject-missing-dsb  test the monitor: the host's TLBIs end without\n"
	"                      the DSB ISH that waits for them\n"
	"reports:\n"
	"  --json FILE         totals as JSON\n"
	"  --csv FILE          time series (hit rate, faults, rollovers)\n"
	"  --plot FILE.png|FILE.svg  plot the time series with gnuplot\n"
	"  --sample N          a time-series row every N accesses\n"
	"  --quiet             no summary, no progress line\n"
	"  --cost K=N,...      the cost model's cycles: utlb (a micro-TLB hit),\n"
	"                      tlb (another TLB hit), desc (a descriptor read\n"
	"                      of a walk), wc (a walk-cache or nested-TLB hit),\n"
	"                      s1fault, s2fault (default utlb=1, tlb=8, desc=40,\n"
	"                      wc=2, s1fault=2000, s2fault=5000)\n"
	"  --progress SECONDS  a progress line every SECONDS (default: a live\n"
	"                      line on a terminal, else a line every 10 s on\n"
	"                      stderr, so that logs show a long run going on)\n";

/* The help and the parser's messages say these limits (sim/config.h). */
_Static_assert(SIM_CPUS_MAX == 64 && SIM_VMS_MAX == 100000 && SIM_VCPUS_MAX == 64 &&
	       SIM_IPA_BITS_MIN == 32 && SIM_IPA_BITS_MAX == 52 &&
	       SIM_VA_BITS_MIN == 25 && SIM_VA_BITS_MAX == 48 &&
	       SIM_VM_MEM_MIN == 4ULL << 20 && SIM_VM_MEM_MAX == 1022ULL << 20 &&
	       SIM_WC_ENTRIES_MAX == 65536,
	       "the options' texts name the limits of sim/config.h");

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int bad(const char *cmd, const char *opt, const char *arg, const char *why)
{
	fprintf(stderr, "s2mm %s: --%s '%s': %s\n", cmd, opt, arg, why);
	return -1;
}

/* --cost K=N,...: the prices given replace the defaults'. Return: 1 or -1. */
static int parse_cost(const char *cmd, struct report *rep, const char *arg)
{
	static const struct { const char *key; size_t off; } keys[] = {
		{ "utlb", offsetof(struct sim_cost_model, utlb_hit) },
		{ "tlb", offsetof(struct sim_cost_model, tlb_hit) },
		{ "desc", offsetof(struct sim_cost_model, desc_read) },
		{ "s1fault", offsetof(struct sim_cost_model, s1_fault) },
		{ "s2fault", offsetof(struct sim_cost_model, s2_fault) },
		{ "wc", offsetof(struct sim_cost_model, wc_hit) },
	};
	struct sim_cost_model m = rep->cost_given ? rep->cost : SIM_COST_DEFAULT;
	const char *p = arg;

	while (*p) {
		const char *eq = strchr(p, '='), *end = strchr(p, ',');
		char num[24];
		size_t i, klen, nlen;
		uint64_t v;

		if (!end)
			end = p + strlen(p);
		if (!eq || eq > end)
			return bad(cmd, "cost", arg, "expected KEY=CYCLES,... (utlb, tlb, desc, "
				   "wc, s1fault, s2fault)");
		klen = (size_t)(eq - p);
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (strlen(keys[i].key) == klen && !strncmp(p, keys[i].key, klen))
				break;
		nlen = (size_t)(end - eq - 1);
		if (i == sizeof(keys) / sizeof(keys[0]))
			return bad(cmd, "cost", arg, "keys are utlb, tlb, desc, wc, s1fault, s2fault");
		if (!nlen || nlen >= sizeof(num))
			return bad(cmd, "cost", arg, "expected cycles 0..1000000 after each =");
		memcpy(num, eq + 1, nlen);
		num[nlen] = 0;
		if (!parse_u64(num, &v) || v > 1000000)
			return bad(cmd, "cost", arg, "expected cycles 0..1000000 after each =");
		*(uint32_t *)((char *)&m + keys[i].off) = (uint32_t)v;
		p = *end ? end + 1 : end;
		if (*end && !*p)
			return bad(cmd, "cost", arg, "a trailing comma");
	}
	if (p == arg)
		return bad(cmd, "cost", arg, "expected KEY=CYCLES,...");
	rep->cost = m;
	rep->cost_given = true;
	return 1;
}

/*
 * A walk cache's N[:W[:lru|rr]], or "off" (or 0). Return: 1 or -1.
 */
static int parse_wc(const char *cmd, unsigned int t, const char *arg,
		    struct sim_wc_config *w)
{
	char buf[64], *ways, *repl;
	uint64_t n, k = 4;

	if (!strcmp(arg, "off") || !strcmp(arg, "0")) {
		*w = (struct sim_wc_config){ 0 };
		return 1;
	}
	if (strlen(arg) >= sizeof(buf))
		goto bad;
	strcpy(buf, arg);
	ways = strchr(buf, ':');
	repl = ways ? strchr(ways + 1, ':') : NULL;
	if (ways)
		*ways++ = 0;
	if (repl)
		*repl++ = 0;
	if (!parse_u64(buf, &n) || !n || n > SIM_WC_ENTRIES_MAX || (ways && !parse_u64(ways, &k)) ||
	    !k || k > n || n % k || ((n / k) & (n / k - 1)))
		goto bad;
	if (repl && strcmp(repl, "lru") && strcmp(repl, "rr"))
		goto bad;
	*w = (struct sim_wc_config){ .entries = (unsigned int)n,
				     .ways = (unsigned int)k,
				     .lru = repl && !strcmp(repl, "lru") };
	return 1;
bad:
	return bad(cmd, sim_wc_option[t], arg, "expected off, or N[:W[:lru|rr]]: N "
		   "entries (at most 65536), W ways (default 4) dividing N into a "
		   "power of two of sets");
}

static bool granule_arg(const char *arg, unsigned int *g)
{
	uint64_t v;

	if (!parse_u64(arg, &v) || (v != 4096 && v != 16384 && v != 65536))
		return false;
	*g = (unsigned int)v;
	return true;
}

/*
 * Apply shared option @opt with argument @arg. Return: 1 if handled, 0 if
 * @opt is not a shared option, -1 after printing an error naming @cmd and
 * the option.
 */
static int report_option(const char *cmd, int opt, const char *arg,
			 struct sim_config *cfg, struct report *rep)
{
	uint64_t v = 0;
	bool num = arg && parse_u64(arg, &v);
	bool small = num && v <= 0xffffffffu;

	switch (opt) {
	case OPT_CPUS:
		if (!small || !v || v > SIM_CPUS_MAX)
			return bad(cmd, "cpus", arg, "expected 1..64");
		cfg->cpus = (unsigned int)v;
		return 1;
	case OPT_VMS:
		if (!small || !v || v > SIM_VMS_MAX)
			return bad(cmd, "vms", arg, "expected 1..100000");
		cfg->vms = (unsigned int)v;
		return 1;
	case OPT_VCPUS:
		if (!small || !v || v > SIM_VCPUS_MAX)
			return bad(cmd, "vcpus", arg, "expected 1..64");
		cfg->vcpus = (unsigned int)v;
		return 1;
	case OPT_VMID_BITS:
		if (!num || (v != 8 && v != 16))
			return bad(cmd, "vmid-bits", arg, "expected 8 or 16");
		cfg->vmid_bits = (unsigned int)v;
		return 1;
	case OPT_GRANULE:
		if (!granule_arg(arg, &cfg->granule))
			return bad(cmd, "granule", arg, "expected 4K, 16K or 64K");
		return 1;
	case OPT_S1_GRANULE:
		if (!granule_arg(arg, &cfg->s1_granule))
			return bad(cmd, "s1-granule", arg, "expected 4K, 16K or 64K");
		return 1;
	case OPT_IPA_BITS:
		if (!num || v < SIM_IPA_BITS_MIN || v > SIM_IPA_BITS_MAX)
			return bad(cmd, "ipa-bits", arg, "expected 32..52");
		cfg->ipa_bits = (unsigned int)v;
		return 1;
	case OPT_PA_BITS:
		if (!num || (v != 32 && v != 36 && v != 40 && v != 42 && v != 44 &&
			     v != 48 && v != 52))
			return bad(cmd, "pa-bits", arg, "expected 32, 36, 40, 42, 44, 48 or 52");
		cfg->pa_bits = (unsigned int)v;
		return 1;
	case OPT_S1_FORMAT:
		if (!strcmp(arg, "a64") || !strcmp(arg, "aarch64"))
			cfg->s1_format = SIM_S1_A64;
		else if (!strcmp(arg, "a32") || !strcmp(arg, "aarch32") ||
			 !strcmp(arg, "lpae"))
			cfg->s1_format = SIM_S1_A32;
		else if (!strcmp(arg, "short"))
			cfg->s1_format = SIM_S1_A32_SD;
		else
			return bad(cmd, "s1-format", arg, "expected a64, a32 (lpae) or short");
		return 1;
	case OPT_VA_BITS:
		if (!num || v < SIM_VA_BITS_MIN || v > SIM_VA_BITS_MAX)
			return bad(cmd, "va-bits", arg, "expected 25..48");
		cfg->va_bits = (unsigned int)v;
		return 1;
	case OPT_BLOCKS:
		cfg->blocks = true;
		return 1;
	case OPT_NO_BLOCKS:
		cfg->blocks = false;
		return 1;
	case OPT_TLB_ENTRIES:
		if (!small || !v || (v & (v - 1)))
			return bad(cmd, "tlb-entries", arg, "expected a power of two");
		cfg->tlb_entries = (unsigned int)v;
		return 1;
	case OPT_TLB_WAYS:
		if (!small || !v || (v & (v - 1)))
			return bad(cmd, "tlb-ways", arg, "expected a power of two");
		cfg->tlb_ways = (unsigned int)v;
		return 1;
	case OPT_NO_UTLB:
		cfg->utlb = false;
		return 1;
	case OPT_S1_WC:
		return parse_wc(cmd, S2_WC_S1, arg, &cfg->wc[S2_WC_S1]);
	case OPT_S2_WC:
		return parse_wc(cmd, S2_WC_S2, arg, &cfg->wc[S2_WC_S2]);
	case OPT_NESTED_TLB:
		return parse_wc(cmd, S2_WC_NESTED, arg, &cfg->wc[S2_WC_NESTED]);
	case OPT_NO_TLB_FETCH:
		cfg->no_tlb_fetch = true;
		return 1;
	case OPT_VM_MEM:
		/* The simulator's per-VM window (sim/config.h). */
		if (!num || v < SIM_VM_MEM_MIN || v > SIM_VM_MEM_MAX)
			return bad(cmd, "vm-mem", arg, "expected a size from 4M to 1022M");
		cfg->vm_mem = v;
		return 1;
	case OPT_DIRTY_VMS:
		if (!small)
			return bad(cmd, "dirty-vms", arg, "expected a count");
		cfg->dirty_vms = (unsigned int)v;
		return 1;
	case OPT_DIRTY_LOG:
		if (!strcmp(arg, "sw"))
			cfg->dirty_log = S2_DIRTY_LOG_SW;
		else if (!strcmp(arg, "hw"))
			cfg->dirty_log = S2_DIRTY_LOG_HW;
		else if (!strcmp(arg, "hybrid"))
			cfg->dirty_log = S2_DIRTY_LOG_HYBRID;
		else
			return bad(cmd, "dirty-log", arg, "expected sw, hw or hybrid");
		return 1;
	case OPT_DIRTY_EVERY:
		if (!num || !v)
			return bad(cmd, "dirty-every", arg, "expected a count >= 1");
		cfg->dirty_every = v;
		return 1;
	case OPT_RECLAIM_EVERY:
		if (!num)
			return bad(cmd, "reclaim-every", arg, "expected a count");
		cfg->reclaim_every = v;
		return 1;
	case OPT_JSON:
		rep->json = arg;
		return 1;
	case OPT_CSV:
		rep->csv = arg;
		return 1;
	case OPT_PLOT: {
		const char *dot = strrchr(arg, '.');
		if (!dot || (strcmp(dot, ".png") && strcmp(dot, ".svg")))
			return bad(cmd, "plot", arg, "the file must end in .png or .svg");
		rep->plot = arg;
		return 1;
	}
	case OPT_DROP_TLBI:
		cfg->drop_tlbi_ipa = true;
		return 1;
	case OPT_DROP_FLUSH:
		cfg->drop_tlbi_all = true;
		return 1;
	case OPT_CHECK_BBM:
		cfg->check_bbm = true;
		return 1;
	case OPT_FWB:
		cfg->fwb = true;
		return 1;
	case OPT_HW_AF:
		cfg->hw_af = true;
		return 1;
	case OPT_HW_DIRTY:
		cfg->hw_dirty = true;
		return 1;
	case OPT_CONTIG:
		cfg->contig = true;
		return 1;
	case OPT_TLB_CONTIG:
		if (!strcmp(arg, "range"))
			cfg->tlb_contig = S2_TLB_CONTIG_RANGE;
		else if (!strcmp(arg, "off"))
			cfg->tlb_contig = S2_TLB_CONTIG_OFF;
		else if (!strcmp(arg, "abort"))
			cfg->tlb_contig = S2_TLB_CONTIG_ABORT;
		else
			return bad(cmd, "tlb-contig", arg, "expected range, off or abort");
		return 1;
	case OPT_DROP_DSB:
		cfg->drop_dsb = true;
		return 1;
	case OPT_QUIET:
		rep->quiet = true;
		return 1;
	case OPT_PROGRESS: {
		char *end;
		double s = strtod(arg, &end);

		if (end == arg || *end || !(s >= 0.01 && s <= 3600))
			return bad(cmd, "progress", arg,
				   "expected seconds from 0.01 to 3600");
		rep->progress_every = s;
		return 1;
	}
	case OPT_SAMPLE:
		if (!num || !v)
			return bad(cmd, "sample", arg, "expected a count >= 1");
		rep->sample_every = v;
		return 1;
	case OPT_COST:
		return parse_cost(cmd, rep, arg);
	}
	return 0;
}

/*
 * Can @path be written? Checked when the options are read, so that a typo
 * in a directory fails at once rather than after a run of minutes. The
 * check leaves no trace: a file it had to create is removed again, and an
 * existing one is opened without truncating it.
 * Return: 0, or -1 after printing the path and the reason.
 */
static int check_output(const char *cmd, const char *opt, const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0666);
	bool created = fd >= 0;

	if (fd < 0 && errno == EEXIST)
		fd = open(path, O_WRONLY);
	if (fd < 0) {
		fprintf(stderr, "s2mm %s: --%s: cannot write %s: %s\n", cmd, opt, path,
			strerror(errno));
		return -1;
	}
	close(fd);
	if (created)
		unlink(path);
	return 0;
}

int report_getopt(int argc, char **argv, const struct option *opts,
		  struct sim_config *cfg, struct report *rep)
{
	static char prog[32];
	int c, r;

	if (argv[0] != prog) {
		/* The first call: getopt's messages name the command. */
		snprintf(prog, sizeof(prog), "s2mm %s", rep->command);
		argv[0] = prog;
		optind = 1;
	}
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == '?') {
			fprintf(stderr, "Try 's2mm %s --help'.\n", rep->command);
			return '?';
		}
		r = report_option(rep->command, c, optarg, cfg, rep);
		if (r < 0)
			return '?';
		if (!r)
			return c;
	}
	/* All options read: the outputs must be writable before any run. */
	if ((rep->json && check_output(rep->command, "json", rep->json)) ||
	    (rep->csv && check_output(rep->command, "csv", rep->csv)) ||
	    (rep->plot && check_output(rep->command, "plot", rep->plot)))
		return '?';
	return -1;
}

void report_begin(struct report *rep, uint64_t total)
{
	rep->total = total;
	rep->t0 = now_seconds();
	rep->progress = !rep->quiet;
	rep->progress_lines = !isatty(STDERR_FILENO);
	if (!rep->progress_every)
		rep->progress_every = rep->progress_lines ? 10 : 0.5;
	rep->next_progress = rep->t0 + rep->progress_every;
	if (!rep->sample_every)
		rep->sample_every = total ? (total / 200 ? total / 200 : 1) : 100000;
	rep->next_sample = rep->sample_every;
}

static void take_sample(struct report *rep, const struct sim_stats *st, double t)
{
	if (rep->nsamples == rep->cap) {
		size_t cap = rep->cap ? rep->cap * 2 : 256;
		void *p = realloc(rep->samples, cap * sizeof(*rep->samples));

		if (!p)
			return;
		rep->samples = p;
		rep->cap = cap;
	}
	rep->samples[rep->nsamples++] = (struct report_sample){
		.t = t, .accesses = st->accesses, .hits = st->tlb_hits,
		.misses = st->tlb_misses, .s1_faults = st->s1_faults,
		.s2_faults = st->s2_translation + st->s2_permission +
			     st->s2_access_flag + st->s2_s1ptw,
		.rollovers = st->vmid_rollovers, .flushes = st->tlb_flushes,
		.s2_translation = st->s2_translation, .s2_permission = st->s2_permission,
		.s2_access_flag = st->s2_access_flag, .s2_s1ptw = st->s2_s1ptw,
	};
}

/* The cost model's prices: --cost's, else the defaults. */
static struct sim_cost_model cost_model(const struct report *rep)
{
	return rep->cost_given ? rep->cost : SIM_COST_DEFAULT;
}

void report_tick(struct report *rep, struct sim *s)
{
	struct sim_stats st;
	double t;
	bool sample, progress;

	sim_stats_light(s, &st);
	sample = (rep->csv || rep->plot) && st.accesses >= rep->next_sample;
	t = now_seconds();
	progress = rep->progress && t >= rep->next_progress;
	if (sample) {
		take_sample(rep, &st, t - rep->t0);
		while (rep->next_sample <= st.accesses)
			rep->next_sample += rep->sample_every;
	}
	if (progress) {
		double el = t - rep->t0;

		rep->next_progress = t + rep->progress_every;
		/* A terminal's line is redrawn; a log gets whole lines. */
		if (rep->progress_lines)
			fprintf(stderr, "s2mm %s: %.1f s: ", rep->command, el);
		else
			fputc('\r', stderr);
		if (rep->total)
			fprintf(stderr, "%5.1f%%  %" PRIu64 " accesses  %.1f M/s  %" PRIu64
					" rollovers  ",
				100.0 * st.accesses / rep->total, st.accesses,
				st.accesses / el / 1e6, st.vmid_rollovers);
		else
			fprintf(stderr, "%" PRIu64 " accesses  %.1f M/s  ", st.accesses,
				st.accesses / el / 1e6);
		if (rep->progress_lines)
			fputc('\n', stderr);
		fflush(stderr);
	}
}

static bool sim_failed(const struct sim_stats *st)
{
	return st->isolation_violations || st->stale_tlb_hits || st->stale_entries ||
	       st->bbm_violations || st->livelocks || st->errors || st->tlb_contig_bad ||
	       sim_report_failed(st);
}

/* The walks' lengths: the most common ones, by share of the walks. */
static void summary_walks(FILE *f, const struct sim_stats *st)
{
	bool shown[SIM_WALK_REFS] = { false };

	if (!st->walks)
		return;
	fprintf(f, "  walks       descriptor reads per walk:");
	for (unsigned int k = 0; k < 4; k++) {
		unsigned int best = 0;

		for (unsigned int n = 1; n < SIM_WALK_REFS; n++)
			if (!shown[n] && st->walk_refs[n] > st->walk_refs[best])
				best = n;
		if (!st->walk_refs[best] || shown[best])
			break;
		shown[best] = true;
		fprintf(f, "%s %u%s (%.1f%%)", k ? "," : "", best,
			best == SIM_WALK_REFS - 1 ? "+" : "",
			100.0 * report_ratio(st->walk_refs[best], st->walks));
	}
	fprintf(f, "\n");
}

/* Short names of the walk caches, as the summary and the JSON say them. */
static const char *const wc_name[S2_WC_NR] = {
	[S2_WC_S1] = "s1_walk_cache", [S2_WC_S2] = "s2_walk_cache",
	[S2_WC_NESTED] = "nested_tlb",
};

static uint64_t wc_hits(const struct s2_wc_stats *w)
{
	uint64_t n = 0;

	for (unsigned int l = 0; l < S2_WC_LEVELS; l++)
		n += w->hits[l];
	return n;
}

/* Each walk cache configured: its hit rate, and its hits by level. */
static void summary_wc(FILE *f, const struct report *rep)
{
	static const char *const label[S2_WC_NR] = {
		[S2_WC_S1] = "s1 walk cache", [S2_WC_S2] = "s2 walk cache",
		[S2_WC_NESTED] = "nested TLB",
	};

	for (unsigned int t = 0; t < S2_WC_NR; t++) {
		const struct sim_wc_config *c = &rep->cfg.wc[t];
		const struct s2_wc_stats *w = &rep->st.wc[t];

		if (!c->entries)
			continue;
		fprintf(f, "  %-11s %u entries %u-way %s: %" PRIu64 " look-ups, %.2f%% hits",
			label[t], c->entries, c->ways, c->lru ? "LRU" : "round robin",
			w->lookups, 100.0 * report_ratio(wc_hits(w), w->lookups));
		for (unsigned int l = 0; l < S2_WC_LEVELS; l++)
			if (w->hits[l])
				fprintf(f, ", level %d %.2f%%", (int)l - 1,
					100.0 * report_ratio(w->hits[l], w->lookups));
		fprintf(f, "; %" PRIu64 " evictions, %" PRIu64 " invalidated\n",
			w->evictions, w->invalidated);
	}
}

static void summary_cost(FILE *f, const struct report *rep)
{
	struct sim_cost_model m = cost_model(rep);
	struct sim_cost c;

	sim_cost(&m, &rep->st, &c);
	if (c.total <= 0)
		return;
	fprintf(f, "  cost        %.1f cycles per access: walks %.1f%%, walk caches %.1f%%, "
		   "TLB hits %.1f%%, micro-TLB %.1f%%, stage-1 faults %.1f%%, "
		   "stage-2 faults %.1f%%%s\n",
		report_ratio(c.total, rep->st.accesses), 100 * c.walks / c.total,
		100 * c.wc_hits / c.total,
		100 * c.tlb_hits / c.total, 100 * c.utlb_hits / c.total,
		100 * c.s1_faults / c.total, 100 * c.s2_faults / c.total,
		rep->cost_given ? "" : " (--cost)");
}

static void summary(FILE *f, const struct report *rep)
{
	const struct sim_stats *st = &rep->st;
	const struct sim_config *c = &rep->cfg;

	fprintf(f, "s2mm %s: %s\n", rep->command, rep->workload);
	fprintf(f, "  machine     %u CPUs, %u VMs x %u vCPUs, %u-bit VMIDs, stage 2 %uK granule "
		   "%u-bit IPA %u-bit PA%s, stage 1 %s %uK, TLB %u entries %u-way\n",
		c->cpus, c->vms, c->vcpus, c->vmid_bits, c->granule >> 10, c->ipa_bits,
		c->pa_bits, c->blocks ? " blocks" : " pages only",
		c->s1_format == SIM_S1_A32 ? "AArch32 LPAE" :
		c->s1_format == SIM_S1_A32_SD ? "AArch32 short-descriptor" : "AArch64",
		c->s1_granule >> 10, c->tlb_entries, c->tlb_ways);
	fprintf(f, "  accesses    %" PRIu64 " in %.3f s (%.1f M/s)\n", st->accesses,
		rep->seconds, rep->seconds > 0 ? st->accesses / rep->seconds / 1e6 : 0.0);
	fprintf(f, "  TLB         %" PRIu64 " hits (%.2f%%, %" PRIu64 " in the micro-TLB), %" PRIu64
		   " misses, %" PRIu64 " walks, %" PRIu64 " descriptor reads (%.1f per walk)\n",
		st->tlb_hits, 100.0 * report_ratio(st->tlb_hits, st->tlb_hits + st->tlb_misses),
		st->utlb_hits, st->tlb_misses, st->walks, st->descriptor_reads,
		report_ratio(st->descriptor_reads, st->walks));
	if (c->contig || st->tlb_contig_fills || st->tlb_contig_bad)
		fprintf(f, "  contiguous  %" PRIu64 " TLB entries filled for a run (%.2f%% of the misses), "
			   "%" PRIu64 " misprogrammed runs\n", st->tlb_contig_fills,
			100.0 * report_ratio(st->tlb_contig_fills, st->tlb_misses),
			st->tlb_contig_bad);
	summary_walks(f, st);
	summary_wc(f, rep);
	fprintf(f, "  stage 1     %" PRIu64 " guest page faults, %" PRIu64 " table pages, %" PRIu64
		   " data pages\n", st->s1_faults, st->stage1_table_pages, st->data_pages);
	fprintf(f, "  stage 2     faults: %" PRIu64 " translation, %" PRIu64 " permission, %" PRIu64
		   " access flag, %" PRIu64 " on stage-1 walks (S1PTW); %" PRIu64 " MMIO\n",
		st->s2_translation, st->s2_permission, st->s2_access_flag, st->s2_s1ptw,
		st->mmio);
	fprintf(f, "              %" PRIu64 " table pages, %" PRIu64 " blocks and %" PRIu64
		   " pages mapped, %" PRIu64 " distinct IPA pages touched\n",
		st->stage2_table_pages, st->block_maps, st->page_maps, st->distinct_ipa_pages);
	fprintf(f, "  VMIDs       %" PRIu64 " rollovers, %" PRIu64 " context switches\n",
		st->vmid_rollovers, st->context_switches);
	fprintf(f, "  TLBI        %" PRIu64 " (%" PRIu64 " by IPA, %" PRIu64 " by VMID, %" PRIu64
		   " all)\n", st->tlb_flushes, st->tlbi_ipa, st->tlbi_vmid, st->tlbi_all);
	if (c->dirty_vms || st->reclaims)
		fprintf(f, "  host        %" PRIu64 " dirty pages in %" PRIu64 " log rounds, %" PRIu64
			   " reclaims\n", st->dirty_pages, st->dirty_rounds, st->reclaims);
	summary_cost(f, rep);
	sim_report_summary(f, c, st);
	if (c->check_bbm)
		fprintf(f, "  monitor     %" PRIu64 " break-before-make violations\n",
			st->bbm_violations);
	fprintf(f, "  self-checks %" PRIu64 " isolation violations, %" PRIu64
		   " stale TLB hits (%" PRIu64 " stale entries found), %" PRIu64
		   " fault livelocks%s\n",
		st->isolation_violations, st->stale_tlb_hits, st->stale_entries,
		st->livelocks, sim_failed(st) ? "  FAILED" : "  ok");
}

/*
 * Walks by descriptors read: the mean, the largest, and the histogram as
 * {"N": walks that read N} (the buckets with walks; the last bucket,
 * SIM_WALK_REFS - 1, holds the longer walks too).
 */
static json_t *walk_refs_json(const struct sim_stats *st)
{
	json_t *o = json_object(), *h = json_object();
	unsigned int max = 0;

	for (unsigned int n = 0; n < SIM_WALK_REFS; n++) {
		char key[8];

		if (!st->walk_refs[n])
			continue;
		snprintf(key, sizeof(key), "%u", n);
		json_set_u64(h, key, st->walk_refs[n]);
		max = n;
	}
	json_object_set_new(o, "mean", json_real(report_ratio(st->descriptor_reads, st->walks)));
	json_set_u64(o, "max", max);
	json_object_set_new(o, "histogram", h);
	return o;
}

static json_t *cost_json(const struct report *rep)
{
	struct sim_cost_model m = cost_model(rep);
	json_t *o = json_object(), *p = json_object();
	struct sim_cost c;

	sim_cost(&m, &rep->st, &c);
	json_set_u64(p, "utlb", m.utlb_hit);
	json_set_u64(p, "tlb", m.tlb_hit);
	json_set_u64(p, "desc", m.desc_read);
	json_set_u64(p, "s1fault", m.s1_fault);
	json_set_u64(p, "s2fault", m.s2_fault);
	json_set_u64(p, "wc", m.wc_hit);
	json_object_set_new(o, "cycles", json_real(c.total));
	json_object_set_new(o, "per_access", json_real(report_ratio(c.total, rep->st.accesses)));
	json_object_set_new(o, "utlb_hits", json_real(c.utlb_hits));
	json_object_set_new(o, "tlb_hits", json_real(c.tlb_hits));
	json_object_set_new(o, "walks", json_real(c.walks));
	json_object_set_new(o, "walk_caches", json_real(c.wc_hits));
	json_object_set_new(o, "s1_faults", json_real(c.s1_faults));
	json_object_set_new(o, "s2_faults", json_real(c.s2_faults));
	json_object_set_new(o, "model", p);
	return o;
}

/*
 * Every walk cache, configured or not (a sweep's CSV then has the same
 * columns in every row): its shape, counters and hits by level.
 */
static json_t *wc_json(const struct report *rep)
{
	json_t *o = json_object();

	for (unsigned int t = 0; t < S2_WC_NR; t++) {
		const struct sim_wc_config *c = &rep->cfg.wc[t];
		const struct s2_wc_stats *w = &rep->st.wc[t];
		json_t *e = json_object(), *lv = json_object();

		json_set_u64(e, "entries", c->entries);
		json_set_u64(e, "ways", c->ways);
		json_object_set_new(e, "replacement", json_string(!c->entries ? "off" :
								  c->lru ? "lru" : "rr"));
		json_set_u64(e, "lookups", w->lookups);
		json_set_u64(e, "hits", wc_hits(w));
		json_object_set_new(e, "hit_rate",
				    json_real(report_ratio(wc_hits(w), w->lookups)));
		for (unsigned int l = 0; l < S2_WC_LEVELS; l++) {
			char key[4];

			snprintf(key, sizeof(key), "%d", (int)l - 1);
			json_set_u64(lv, key, w->hits[l]);
		}
		json_object_set_new(e, "hits_by_level", lv);
		json_set_u64(e, "misses", w->misses);
		json_set_u64(e, "fills", w->fills);
		json_set_u64(e, "evictions", w->evictions);
		json_set_u64(e, "invalidated", w->invalidated);
		json_object_set_new(o, wc_name[t], e);
	}
	return o;
}

static int write_json(const struct report *rep)
{
	const struct sim_stats *st = &rep->st;
	const struct sim_config *c = &rep->cfg;
	json_t *o = json_object(), *f = json_object(), *cfg = json_object();
	FILE *fp;
	int err;

	json_object_set_new(o, "command", json_string(rep->command));
	json_object_set_new(o, "workload", json_string(rep->workload));
	json_set_u64(o, "accesses", st->accesses);
	json_set_u64(o, "tlb_hits", st->tlb_hits);
	json_set_u64(o, "tlb_misses", st->tlb_misses);
	json_set_u64(o, "tlb_contig_fills", st->tlb_contig_fills);
	json_set_u64(o, "tlb_contig_bad", st->tlb_contig_bad);
	json_set_u64(o, "utlb_hits", st->utlb_hits);
	json_set_u64(o, "walks", st->walks);
	json_set_u64(o, "descriptor_reads", st->descriptor_reads);
	json_object_set_new(o, "walk_refs", walk_refs_json(st));
	json_set_u64(o, "fetch_cache_hits", st->fetch_cache_hits);
	json_object_set_new(o, "walk_caches", wc_json(rep));
	json_object_set_new(o, "cost", cost_json(rep));
	json_set_u64(o, "s1_faults", st->s1_faults);
	json_set_u64(f, "translation", st->s2_translation);
	json_set_u64(f, "permission", st->s2_permission);
	json_set_u64(f, "access_flag", st->s2_access_flag);
	json_set_u64(f, "s1ptw", st->s2_s1ptw);
	json_object_set_new(o, "s2_faults", f);
	if (c->hw_dirty) {
		json_set_u64(o, "hw_dirty_s1", st->hw_dirty_s1);
		json_set_u64(o, "hw_dirty_s2", st->hw_dirty_s2);
		json_set_u64(o, "dirty_walks", st->dirty_walks);
	}
	json_set_u64(o, "mmio", st->mmio);
	json_set_u64(o, "vmid_rollovers", st->vmid_rollovers);
	json_set_u64(o, "tlb_flushes", st->tlb_flushes);
	json_set_u64(o, "tlbi_ipa", st->tlbi_ipa);
	json_set_u64(o, "tlbi_vmid", st->tlbi_vmid);
	json_set_u64(o, "tlbi_all", st->tlbi_all);
	json_set_u64(o, "stage2_table_pages", st->stage2_table_pages);
	json_set_u64(o, "stage1_table_pages", st->stage1_table_pages);
	json_set_u64(o, "distinct_ipa_pages", st->distinct_ipa_pages);
	json_set_u64(o, "data_pages", st->data_pages);
	json_set_u64(o, "block_maps", st->block_maps);
	json_set_u64(o, "page_maps", st->page_maps);
	json_set_u64(o, "dirty_pages", st->dirty_pages);
	json_set_u64(o, "reclaims", st->reclaims);
	json_set_u64(o, "context_switches", st->context_switches);
	json_set_u64(o, "isolation_violations", st->isolation_violations);
	if (c->check_bbm)
		json_set_u64(o, "bbm_violations", st->bbm_violations);
	json_set_u64(o, "stale_tlb_hits", st->stale_tlb_hits);
	json_set_u64(o, "stale_tlb_entries", st->stale_entries);
	json_set_u64(o, "errors", st->errors);
	json_set_u64(o, "livelocks", st->livelocks);
	/* Lines of accesses replayed (not valgrind's messages), even none. */
	if (!strcmp(rep->command, "trace"))
		json_set_u64(o, "trace_lines", rep->trace_lines);
	sim_report_json(o, c, st);
	json_object_set_new(o, "seconds", json_real(rep->seconds));
	json_object_set_new(o, "accesses_per_second",
			    json_real(rep->seconds > 0 ? st->accesses / rep->seconds : 0));
	json_set_u64(cfg, "cpus", c->cpus);
	json_set_u64(cfg, "vms", c->vms);
	json_set_u64(cfg, "vcpus", c->vcpus);
	json_set_u64(cfg, "vmid_bits", c->vmid_bits);
	json_set_u64(cfg, "granule", c->granule);
	json_set_u64(cfg, "ipa_bits", c->ipa_bits);
	json_set_u64(cfg, "pa_bits", c->pa_bits);
	json_set_u64(cfg, "s1_granule", c->s1_granule);
	json_object_set_new(cfg, "s1_format",
			    json_string(c->s1_format == SIM_S1_A32 ? "a32" :
					c->s1_format == SIM_S1_A32_SD ? "short" : "a64"));
	json_object_set_new(cfg, "blocks", json_boolean(c->blocks));
	json_set_u64(cfg, "tlb_entries", c->tlb_entries);
	json_set_u64(cfg, "tlb_ways", c->tlb_ways);
	json_object_set_new(cfg, "utlb", json_boolean(c->utlb));
	json_object_set_new(cfg, "tlb_fetch", json_boolean(!c->no_tlb_fetch));
	json_object_set_new(cfg, "fwb", json_boolean(c->fwb));
	json_object_set_new(cfg, "hw_af", json_boolean(c->hw_af));
	json_object_set_new(cfg, "dirty_log", json_string(
		c->dirty_log == S2_DIRTY_LOG_HW ? "hw" :
		c->dirty_log == S2_DIRTY_LOG_HYBRID ? "hybrid" : "sw"));
	json_object_set_new(cfg, "hw_dirty", json_boolean(c->hw_dirty));
	json_object_set_new(cfg, "contig", json_boolean(c->contig));
	json_object_set_new(cfg, "tlb_contig", json_string(
		c->tlb_contig == S2_TLB_CONTIG_OFF ? "off" :
		c->tlb_contig == S2_TLB_CONTIG_ABORT ? "abort" : "range"));
	json_set_u64(cfg, "vm_mem", c->vm_mem);
	json_set_u64(cfg, "slice", rep->slice);
	json_set_u64(cfg, "seed", rep->seed);
	json_object_set_new(o, "config", cfg);
	/* Our own FILE rather than json_dump_file(): errno says why it failed. */
	fp = fopen(rep->json, "w");
	if (!fp) {
		json_decref(o);
		goto fail;
	}
	errno = 0;
	err = json_dumpf(o, fp, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (fclose(fp) || err)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "s2mm %s: cannot write %s: %s\n", rep->command, rep->json,
		errno ? strerror(errno) : "out of memory");
	return 2;
}

static int write_csv(const struct report *rep, const char *path)
{
	FILE *f = fopen(path, "w");
	const struct report_sample *prev = NULL;

	if (!f) {
		fprintf(stderr, "s2mm %s: cannot write %s: %s\n", rep->command, path,
			strerror(errno));
		return 2;
	}
	/* New columns go last: the plot reads the others by position. */
	fprintf(f, "seconds,accesses,tlb_hit_rate,s1_faults,s2_faults,vmid_rollovers,tlb_flushes,"
		   "s2_translation,s2_permission,s2_access_flag,s2_s1ptw\n");
	for (size_t i = 0; i < rep->nsamples; i++) {
		const struct report_sample *p = &rep->samples[i];
		uint64_t h = p->hits - (prev ? prev->hits : 0);
		uint64_t m = p->misses - (prev ? prev->misses : 0);

		fprintf(f, "%.6f,%" PRIu64 ",%.6f,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
			   ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 "\n",
			p->t, p->accesses, report_ratio(h, h + m), p->s1_faults, p->s2_faults,
			p->rollovers, p->flushes, p->s2_translation, p->s2_permission,
			p->s2_access_flag, p->s2_s1ptw);
		prev = p;
	}
	if (fclose(f)) {
		fprintf(stderr, "s2mm %s: cannot write %s: %s\n", rep->command, path,
			strerror(errno));
		return 2;
	}
	return 0;
}

/*
 * The plot's totals, as gnuplot data blocks: the histogram of descriptor
 * reads per walk ("reads walks" lines), then the cost by where it went
 * ("'label' cycles per access" lines).
 */
static int write_totals(const struct report *rep, const char *path)
{
	struct sim_cost_model m = cost_model(rep);
	const struct sim_stats *st = &rep->st;
	FILE *f = fopen(path, "w");
	struct sim_cost c;

	if (!f) {
		fprintf(stderr, "s2mm %s: cannot write %s: %s\n", rep->command, path,
			strerror(errno));
		return 2;
	}
	for (unsigned int n = 0; n < SIM_WALK_REFS; n++)
		if (st->walk_refs[n])
			fprintf(f, "%u %" PRIu64 "\n", n, st->walk_refs[n]);
	if (!st->walks)
		fprintf(f, "0 0\n"); /* gnuplot refuses an empty block */
	sim_cost(&m, st, &c);
	fprintf(f, "\n\n\"walks\" %.6g\n\"walk caches\" %.6g\n\"TLB hits\" %.6g\n"
		   "\"micro-TLB\" %.6g\n\"stage-1 faults\" %.6g\n\"stage-2 faults\" %.6g\n",
		report_ratio(c.walks, st->accesses), report_ratio(c.wc_hits, st->accesses),
		report_ratio(c.tlb_hits, st->accesses),
		report_ratio(c.utlb_hits, st->accesses), report_ratio(c.s1_faults, st->accesses),
		report_ratio(c.s2_faults, st->accesses));
	if (fclose(f)) {
		fprintf(stderr, "s2mm %s: cannot write %s\n", rep->command, path);
		return 2;
	}
	return 0;
}

static int plot(const struct report *rep)
{
	char tmp[] = "/tmp/s2mm-plot-XXXXXX", tot[] = "/tmp/s2mm-plot-XXXXXX";
	const char *dot = strrchr(rep->plot, '.');
	bool svg = dot && !strcmp(dot, ".svg");
	int fd = mkstemp(tmp), fd2 = fd < 0 ? -1 : mkstemp(tot), ret;
	FILE *g;

	if (fd < 0 || fd2 < 0) {
		if (fd >= 0) {
			close(fd);
			unlink(tmp);
		}
		fprintf(stderr, "s2mm %s: cannot create a temporary file\n", rep->command);
		return 2;
	}
	close(fd);
	close(fd2);
	ret = write_csv(rep, tmp);
	if (!ret)
		ret = write_totals(rep, tot);
	if (ret) {
		unlink(tmp);
		unlink(tot);
		return ret;
	}
	/*
	 * gnuplot writes the image to its standard output when it cannot open
	 * the file: never to the terminal. Its messages go to our stderr.
	 */
	g = popen("exec gnuplot >/dev/null", "w");
	if (!g) {
		unlink(tmp);
		unlink(tot);
		fprintf(stderr, "s2mm %s: cannot run gnuplot (apt-get install gnuplot-nox)\n",
			rep->command);
		return 2;
	}
	fprintf(g,
		"set terminal %s size 1000,1300\n"
		"set output '%s'\n"
		"set datafile separator ','\n"
		/* Keys above each panel: inside, a line near 1.0 ran
		 * through them and long titles were cut. */
		"set key outside top center horizontal autotitle columnhead\n"
		"set multiplot layout 5,1 title 's2mm %s: %s'\n"
		"set xlabel 'accesses'\n"
		"set ylabel 'TLB hit rate'\n"
		"set yrange [0:1.05]\n"
		"plot '%s' using 2:3 with lines lw 2 title 'TLB hit rate'\n"
		"set yrange [*:*]\n"
		/* Stage-2 faults are orders of magnitude fewer than
		 * stage-1 ones: an axis of their own, on the right. */
		"set ylabel 'stage-1 faults'\n"
		"set y2label 'stage-2 faults'\n"
		"set ytics nomirror\n"
		"set y2tics\n"
		"plot '%s' using 2:4 with lines lw 2 axes x1y1 title 'stage-1 faults (left)', "
		"'' using 2:5 with lines lw 2 axes x1y2 title 'stage-2 faults (right)'\n"
		"unset y2tics\n"
		"unset y2label\n"
		"set ytics mirror\n"
		"set ylabel 'rollovers'\n"
		/* From 0; a run with none gets [0:1], not an empty range
		 * gnuplot warns about. */
		"set yrange [0:%s]\n"
		"plot '%s' using 2:6 with steps lw 2 title 'VMID rollovers'\n"
		/* The totals: whitespace-separated, no header row. */
		"set datafile separator whitespace\n"
		"set key noautotitle\n"
		"set yrange [0:*]\n"
		"set style fill solid 0.6\n"
		"set boxwidth 0.8\n"
		"set xlabel 'descriptor reads per walk'\n"
		"set ylabel 'walks'\n"
		"set xrange [-0.5:*]\n"
		"plot '%s' index 0 using 1:2 with boxes notitle\n"
		"set xrange [*:*]\n"
		"set xlabel 'cost model (--cost)'\n"
		"set ylabel 'cycles per access'\n"
		"plot '%s' index 1 using 0:2:xticlabels(1) with boxes notitle\n"
		"unset multiplot\n",
		svg ? "svg" : "png", rep->plot, rep->command, rep->workload, tmp, tmp,
		rep->st.vmid_rollovers ? "*" : "1", tmp, tot, tot);
	ret = pclose(g);
	unlink(tmp);
	unlink(tot);
	if (ret == -1 || (WIFEXITED(ret) && WEXITSTATUS(ret) == 127)) {
		/* The shell's "command not found". */
		fprintf(stderr, "s2mm %s: cannot run gnuplot (apt-get install gnuplot-nox)\n",
			rep->command);
		return 2;
	}
	if (ret) {
		fprintf(stderr, "s2mm %s: gnuplot failed to write %s (status %d)\n",
			rep->command, rep->plot, WIFEXITED(ret) ? WEXITSTATUS(ret) : ret);
		return 2;
	}
	return 0;
}

int report_finish(struct report *rep, struct sim *s)
{
	int ret = 0, r;

	rep->seconds = now_seconds() - rep->t0;
	rep->cfg = *sim_config(s);
	sim_stats(s, &rep->st);
	/*
	 * The last row, unless report_tick() already took one at this very
	 * access count: a second row would cover no accesses, and its hit rate
	 * (0 of 0) would drop the plot's line to 0 at the end.
	 */
	if (!rep->nsamples || rep->samples[rep->nsamples - 1].accesses != rep->st.accesses)
		take_sample(rep, &rep->st, rep->seconds);
	if (rep->progress && !rep->progress_lines)
		fprintf(stderr, "\r%70s\r", "");
	if (!rep->quiet)
		summary(stdout, rep);
	if (rep->json && (r = write_json(rep)))
		ret = r;
	if (rep->csv && (r = write_csv(rep, rep->csv)))
		ret = r;
	if (rep->plot && (r = plot(rep)))
		ret = r;
	if (sim_failed(&rep->st)) {
		fprintf(stderr, "s2mm %s: self-check failed: %" PRIu64 " isolation violations, %"
				PRIu64 " stale TLB hits, %" PRIu64 " stale TLB entries, %" PRIu64
				" fault livelocks, %" PRIu64 " unexpected faults, %" PRIu64
				" break-before-make violations\n",
			rep->command, rep->st.isolation_violations, rep->st.stale_tlb_hits,
			rep->st.stale_entries, rep->st.livelocks, rep->st.errors,
			rep->st.bbm_violations);
		sim_report_failure(stderr, rep->command, &rep->st);
		if (!ret)
			ret = 1;
	}
	return ret;
}

void report_free(struct report *rep)
{
	free(rep->samples);
	rep->samples = NULL;
}

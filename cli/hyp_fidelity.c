/* SPDX-License-Identifier: MIT */
/*
 * s2mm hyp fidelity: boot s2hyp's fidelity scenario (hyp/fidelity/) under
 * QEMU (qemu.c): the MMU model, compiled into the image, against QEMU's AT
 * instructions on the same tables; stream the console and end with
 * "N passed, N failed" (comparisons). docs/fidelity.md.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../hyp/fidelity/coverage.h"
#include "cli.h"
#include "qemu.h"

static void usage(FILE *out, const struct s2hyp_qemu *q)
{
	fprintf(out,
		"usage: s2mm hyp fidelity [--seed S|random] [--count N] [--cfg C]\n"
		"                         [--fetch N] [--hang-timeout SEC] [--inject-...]\n"
		"                         [QEMU options]\n\n"
		"Differential test of the MMU model against QEMU's ARM translation:\n"
		"s2hyp generates random stage-1/stage-2 configurations and tables\n"
		"from the seed, runs AT S12E1R/W, S1E1R... and compares PAR_EL1 with\n"
		"the model's answer on the same memory. Differences that are known\n"
		"QEMU deviations from the architecture are counted as passed.\n\n"
		"  --seed S      generator seed (default 1; 'random': drawn, printed)\n"
		"  --count N     comparisons (default 1000000)\n"
		"  --cfg C       start at configuration C (reproduce a report)\n"
		"  --fetch N     after each configuration's ATs, execute at N of its\n"
		"                addresses at EL1 and EL0 and compare the instruction\n"
		"                abort (or its absence) with the model (default 8; 0: off);\n"
		"                under TCR_EL1.HD or VTCR_EL2.HD also store to N of them\n"
		"                and compare the abort and the descriptors left\n"
		"  --inject-model-bug  make model answers wrong where the comparison\n"
		"                must tell (prints how many, and how many were caught)\n"
		"  --inject-oracle-crash C.K  end QEMU before comparison K of\n"
		"                configuration C, as a QEMU that dies there would\n"
		"  --inject-oracle-hang C.K   go silent there, as a QEMU that hangs\n"
		"  --inject-oracle-crash-fetch C  end QEMU before configuration C's\n"
		"                fetches (the run goes on without them)\n"
		"  --hang-timeout SEC  a QEMU silent that long has hung (default 60)\n\n"
		"When QEMU dies or hangs on an AT, the run finds which one, prints it\n"
		"with its reproducer as a QEMU defect and goes on from there. Known\n"
		"deviations are accepted only on the QEMU versions they were\n"
		"confirmed on (QEMU --version). A second QEMU: scripts/qemu-oracle.sh,\n"
		"then --qemu or $QEMU.\n"
		"QEMU options (--cpu: cortex-a57 or max, the model's presets):\n");
	s2hyp_qemu_help(out, q, 0);
}

/* Mismatch classes over the whole run: (model, QEMU) outcome kinds, as
 * s2hyp names them ("model FST 0f S PTW qemu FST 0c S PTW AArch32"). */
#define MAX_CLASSES 64
struct mclass {
	char key[64];
	long long n, cfg, addr;
	char op[8];
};

/*
 * Comparisons by coverage class (hyp/fidelity/coverage.h), one dimension
 * at a time: EL1's format, each stage off or its granule and start level
 * (-1..3), and the features.
 */
enum { COV_FWB, COV_PTW, COV_S1_DS, COV_S2_DS, COV_S2_LPA, COV_S1_BAD, COV_S2_BAD,
       COV_S2_IA_BIG, COV_HA, COV_HD, COV_NR };
/* The HAFDBS descriptor comparisons (the "hd" counts of s2hyp's run.c). */
enum { HD_CMP, HD_AF, HD_DIRTY, HD_DEV, HD_A32, HD_A32_AF, HD_SD, HD_NR };
struct coverage {
	long long a64, a32, a32_sd, s1_off, s2_off;
	long long s1[3][5], s2[3][5];
	long long feat[COV_NR];
	long long fetch[FID_FETCH_NR];   /* instruction fetches (coverage.h) */
	long long hd[HD_NR];             /* descriptors read back after AT */
	long long store[FID_STORE_NR];   /* guest stores under HD (coverage.h) */
};

/* The whole run, added up over QEMU's boots. */
struct run {
	struct coverage cov;
	long long cmp, passed, failed, defects, known, attr, configs, dev[16], adev[8];
	unsigned int ndev, nadev;
	struct mclass classes[MAX_CLASSES];
	unsigned int nclasses;
	bool dev_seen[16], fatal_seen[8], adev_seen[8];
	char dev_name[16][48], adev_name[8][48];
	int reports;		/* mismatch reproducers shown */
	bool echo_block;	/* showing a reproducer's indented lines */
	bool first_boot;
	/* This boot. */
	bool summary, done_any, at_any, fetch_any;
	uint64_t next_cfg, at_cfg, at_cmp, fetch_cfg;
	long long fetch_defects;	/* configurations whose fetches QEMU died in */
	char dying[256];	/* QEMU's last words (not s2hyp's) */
};

#define MAX_REPORTS 64

static void add_class(struct run *r, const char *line)
{
	unsigned long long cfg;
	unsigned int addr;
	char op[8], key[64];

	if (sscanf(line, "fidelity: fail cfg %llu addr %u op %7[^:]: %63[^\n]", &cfg, &addr, op,
		   key) != 4)
		return;
	for (unsigned int i = 0; i < r->nclasses; i++)
		if (!strcmp(r->classes[i].key, key)) {
			r->classes[i].n++;
			return;
		}
	if (r->nclasses < MAX_CLASSES) {
		struct mclass *c = &r->classes[r->nclasses++];

		*c = (struct mclass){ .n = 1, .cfg = (long long)cfg, .addr = addr };
		snprintf(c->key, sizeof(c->key), "%s", key);
		snprintf(c->op, sizeof(c->op), "%s", op);
	}
}

/* @n comparisons of coverage class @k. */
static void cov_add(struct coverage *c, unsigned int k, long long n)
{
	static const unsigned int feat[COV_NR] = {
		[COV_FWB] = FID_COV_FWB, [COV_PTW] = FID_COV_PTW,
		[COV_S1_DS] = FID_COV_S1_DS, [COV_S2_DS] = FID_COV_S2_DS,
		[COV_S2_LPA] = FID_COV_S2_LPA, [COV_S1_BAD] = FID_COV_S1_BAD,
		[COV_S2_BAD] = FID_COV_S2_BAD, [COV_S2_IA_BIG] = FID_COV_S2_IA_BIG,
		[COV_HA] = FID_COV_HA, [COV_HD] = FID_COV_HD,
	};
	unsigned int g1 = (k >> FID_COV_S1_G_SHIFT) & 3, l1 = (k >> FID_COV_S1_L_SHIFT) & 7;
	unsigned int g2 = (k >> FID_COV_S2_G_SHIFT) & 3, l2 = (k >> FID_COV_S2_L_SHIFT) & 7;

	if (!n || g1 > 2 || g2 > 2 || l1 > 4 || l2 > 4)
		return;
	*(k & FID_COV_SD ? &c->a32_sd : k & FID_COV_A32 ? &c->a32 : &c->a64) += n;
	/* Short descriptors have no granule nor start level of LPAE's kind. */
	if ((k & (FID_COV_SD | FID_COV_S1_ON)) == FID_COV_S1_ON)
		c->s1[g1][l1] += n;
	else if (!(k & FID_COV_S1_ON))
		c->s1_off += n;
	if (k & FID_COV_S2_ON)
		c->s2[g2][l2] += n;
	else
		c->s2_off += n;
	for (unsigned int f = 0; f < COV_NR; f++)
		if (k & feat[f])
			c->feat[f] += n;
}

/*
 * The coverage table: every class, 0 where nothing was compared (what the
 * generator does not make, or this CPU lacks).
 */
static void print_coverage(const struct coverage *c)
{
	static const char *const feat[COV_NR] = {
		[COV_FWB] = "HCR_EL2.FWB", [COV_PTW] = "HCR_EL2.PTW",
		[COV_S1_DS] = "stage 1 LPA2 (TCR_EL1.DS)",
		[COV_S2_DS] = "stage 2 LPA2 (VTCR_EL2.DS)",
		[COV_S2_LPA] = "stage 2 64K with 52-bit OAs (FEAT_LPA)",
		[COV_S1_BAD] = "stage 1 invalid geometry",
		[COV_S2_BAD] = "stage 2 invalid geometry",
		[COV_S2_IA_BIG] = "stage 2 IPA beyond PAMax (AArch64.S2MinTxSZ)",
		[COV_HA] = "HAFDBS Access flag (TCR_EL1.HA or VTCR_EL2.HA)",
		[COV_HD] = "HAFDBS dirty state (TCR_EL1.HD or VTCR_EL2.HD)",
	};
	static const char *const gran[3] = { "4K", "16K", "64K" };

	printf("fidelity: coverage EL1 AArch64: %lld\n", c->a64);
	printf("fidelity: coverage EL1 AArch32 (LPAE): %lld\n", c->a32);
	printf("fidelity: coverage EL1 AArch32 (short descriptors): %lld\n", c->a32_sd);
	printf("fidelity: coverage stage 1 off: %lld\n", c->s1_off);
	for (unsigned int g = 0; g < 3; g++)
		for (unsigned int l = 0; l < 5; l++)
			printf("fidelity: coverage stage 1 %s level %d: %lld\n", gran[g],
			       (int)l - 1, c->s1[g][l]);
	printf("fidelity: coverage stage 2 off: %lld\n", c->s2_off);
	for (unsigned int g = 0; g < 3; g++)
		for (unsigned int l = 0; l < 5; l++)
			printf("fidelity: coverage stage 2 %s level %d: %lld\n", gran[g],
			       (int)l - 1, c->s2[g][l]);
	for (unsigned int f = 0; f < COV_NR; f++)
		printf("fidelity: coverage %s: %lld\n", feat[f], c->feat[f]);
	printf("fidelity: coverage fetch at EL1 (PXN, WXN, stage 2 XN): %lld\n",
	       c->fetch[FID_FETCH_EL1]);
	printf("fidelity: coverage fetch at EL0 (UXN, stage 2 XN): %lld\n", c->fetch[FID_FETCH_EL0]);
	printf("fidelity: coverage fetch ran: %lld\n", c->fetch[FID_FETCH_RUN]);
	printf("fidelity: coverage fetch stage-1 permission fault: %lld\n",
	       c->fetch[FID_FETCH_S1_PERM]);
	printf("fidelity: coverage fetch stage-2 permission fault: %lld\n",
	       c->fetch[FID_FETCH_S2_PERM]);
	printf("fidelity: coverage fetch other fault: %lld\n", c->fetch[FID_FETCH_OTHER]);
	printf("fidelity: coverage fetch not executed: %lld\n", c->fetch[FID_FETCH_SKIPPED]);
	printf("fidelity: coverage fetch under TCR_EL1.HD: %lld\n", c->fetch[FID_FETCH_HD]);
	printf("fidelity: coverage fetch AArch32 EL1 at PL1: %lld\n", c->fetch[FID_FETCH_A32_EL1]);
	printf("fidelity: coverage fetch AArch32 EL1 at PL0: %lld\n", c->fetch[FID_FETCH_A32_EL0]);
	printf("fidelity: coverage fetch AArch32 EL1, short descriptors: %lld\n",
	       c->fetch[FID_FETCH_SD]);
	printf("fidelity: coverage fetch AArch32 EL1 ran: %lld\n", c->fetch[FID_FETCH_A32_RUN]);
	printf("fidelity: coverage fetch AArch32 EL1 stage-1 permission fault: %lld\n",
	       c->fetch[FID_FETCH_A32_S1_PERM]);
	printf("fidelity: coverage fetch AArch32 EL1 stage-2 permission fault: %lld\n",
	       c->fetch[FID_FETCH_A32_S2_PERM]);
	printf("fidelity: coverage fetch AArch32 EL1 Domain fault: %lld\n",
	       c->fetch[FID_FETCH_SD_DOMAIN]);
	printf("fidelity: coverage HAFDBS descriptors read back after AT: %lld\n", c->hd[HD_CMP]);
	printf("fidelity: coverage HAFDBS Access flag set by both: %lld\n", c->hd[HD_AF]);
	printf("fidelity: coverage HAFDBS dirtied by both: %lld\n", c->hd[HD_DIRTY]);
	printf("fidelity: coverage HAFDBS made dirty by QEMU's AT alone (deviation): %lld\n",
	       c->hd[HD_DEV]);
	printf("fidelity: coverage HAFDBS descriptors read back after AT, AArch32 EL1: %lld\n",
	       c->hd[HD_A32]);
	printf("fidelity: coverage HAFDBS Access flag set by both, AArch32 EL1: %lld\n",
	       c->hd[HD_A32_AF]);
	printf("fidelity: coverage HAFDBS descriptors read back after AT, short descriptors: "
	       "%lld\n", c->hd[HD_SD]);
	printf("fidelity: coverage HAFDBS stores compared: %lld\n", c->store[FID_STORE_CMP]);
	printf("fidelity: coverage HAFDBS store wrote: %lld\n", c->store[FID_STORE_RAN]);
	printf("fidelity: coverage HAFDBS store stage-1 permission fault: %lld\n",
	       c->store[FID_STORE_S1_PERM]);
	printf("fidelity: coverage HAFDBS store stage-2 permission fault: %lld\n",
	       c->store[FID_STORE_S2_PERM]);
	printf("fidelity: coverage HAFDBS store other fault: %lld\n", c->store[FID_STORE_OTHER]);
	printf("fidelity: coverage HAFDBS store made stage-1 leaf dirty: %lld\n",
	       c->store[FID_STORE_DIRTY_S1]);
	printf("fidelity: coverage HAFDBS store made stage-2 leaf dirty: %lld\n",
	       c->store[FID_STORE_DIRTY_S2]);
	printf("fidelity: coverage HAFDBS store made table page's stage-2 leaf dirty: %lld\n",
	       c->store[FID_STORE_DIRTY_PTW]);
	printf("fidelity: coverage HAFDBS store Access flag set by both: %lld\n",
	       c->store[FID_STORE_AF]);
	printf("fidelity: coverage HAFDBS store not done: %lld\n", c->store[FID_STORE_SKIPPED]);
	printf("fidelity: coverage HAFDBS stores compared, AArch32 EL1: %lld\n",
	       c->store[FID_STORE_A32]);
	printf("fidelity: coverage HAFDBS store stage-1 abort, AArch32 EL1: %lld\n",
	       c->store[FID_STORE_A32_S1]);
	printf("fidelity: coverage HAFDBS store made stage-2 leaf dirty, AArch32 EL1: %lld\n",
	       c->store[FID_STORE_A32_DIRTY]);
}

/* A "done" line: one configuration's counts. Return: 0, or -1 if not one. */
static int add_done(struct run *r, const char *line)
{
	unsigned long long cfg, cmp, pass, fail, defects, known, attr, d, n0, n1;
	unsigned int k0, k1;
	const char *p;
	int used;

	if (sscanf(line, "fidelity: done cfg %llu cmp %llu pass %llu fail %llu defects %llu "
		   "known %llu attr %llu%n", &cfg, &cmp, &pass, &fail, &defects, &known,
		   &attr, &used) != 7)
		return -1;
	/* The ATTR/SH deviations, then the others. */
	p = line + used;
	for (unsigned int i = 1; i < 8 && sscanf(p, " %llu%n", &d, &used) == 1; i++) {
		r->adev[i] += (long long)d;
		r->nadev = i > r->nadev ? i : r->nadev;
		p += used;
	}
	if (strncmp(p, " dev", 4))
		return -1;
	used = 4;
	r->known += (long long)known;
	r->cmp += (long long)cmp;
	r->passed += (long long)pass;
	r->failed += (long long)fail;
	r->defects += (long long)defects;
	r->attr += (long long)attr;
	r->configs++;
	p += used;
	for (unsigned int i = 1; i < 16 && sscanf(p, " %llu%n", &d, &used) == 1; i++) {
		r->dev[i] += (long long)d;
		r->ndev = i > r->ndev ? i : r->ndev;
		p += used;
	}
	if (sscanf(p, " cov %x %llu %x %llu%n", &k0, &n0, &k1, &n1, &used) == 4) {
		cov_add(&r->cov, k0, (long long)n0);
		cov_add(&r->cov, k1, (long long)n1);
		p += used;
		if (!strncmp(p, " fetch", 6)) {
			p += 6;
			for (unsigned int i = 0; i < FID_FETCH_NR &&
			     sscanf(p, " %llu%n", &d, &used) == 1; i++) {
				r->cov.fetch[i] += (long long)d;
				p += used;
			}
		}
		if (!strncmp(p, " hd", 3)) {
			p += 3;
			for (unsigned int i = 0; i < HD_NR &&
			     sscanf(p, " %llu%n", &d, &used) == 1; i++) {
				r->cov.hd[i] += (long long)d;
				p += used;
			}
		}
		if (!strncmp(p, " store", 6)) {
			p += 6;
			for (unsigned int i = 0; i < FID_STORE_NR &&
			     sscanf(p, " %llu%n", &d, &used) == 1; i++) {
				r->cov.store[i] += (long long)d;
				p += used;
			}
		}
	}
	r->done_any = true;
	r->next_cfg = cfg + 1;
	return 0;
}

/* Each console line: add it up, and show what a reader wants to see. */
static void on_line(void *ctx, const char *line)
{
	struct run *r = ctx;
	unsigned long long a, b;
	unsigned int d;
	bool show = false;

	if (line[0] == ' ') {
		show = r->echo_block;
	} else {
		r->echo_block = false;
		if (!strncmp(line, "fidelity: done ", 15)) {
			add_done(r, line);
		} else if (sscanf(line, "fidelity: at cfg %llu cmp %llu", &a, &b) == 2) {
			r->at_any = true;
			r->at_cfg = a;
			r->at_cmp = b;
		} else if (sscanf(line, "fidelity: fetch cfg %llu", &a) == 1) {
			r->fetch_any = true;
			r->fetch_cfg = a;
		} else if (!strncmp(line, "fidelity: fail ", 15)) {
			add_class(r, line);
		} else if (sscanf(line, "fidelity: deviation %u (", &d) == 1 && d < 16) {
			show = !r->dev_seen[d];
			r->dev_seen[d] = true;
			sscanf(line, "fidelity: deviation %*u (%47[^)])", r->dev_name[d]);
		} else if (sscanf(line, "fidelity: attr deviation %u (", &d) == 1 && d < 8) {
			show = !r->adev_seen[d];
			r->adev_seen[d] = true;
			sscanf(line, "fidelity: attr deviation %*u (%47[^)])", r->adev_name[d]);
		} else if (sscanf(line, "fidelity: known QEMU defect %u (", &d) == 1 && d < 8) {
			show = !r->fatal_seen[d];
			r->fatal_seen[d] = true;
		} else if (!strncmp(line, "MISMATCH ", 9) || !strncmp(line, "fidelity: model error", 21)) {
			show = r->echo_block = r->reports++ < MAX_REPORTS;
		} else if (!strncmp(line, "fidelity: QEMU defect:", 22)) {
			show = r->echo_block = true;
		} else if (sscanf(line, "fidelity: %llu passed, %llu failed", &a, &b) == 2) {
			r->summary = true;
		} else if (!strncmp(line, "s2hyp", 5) || !strncmp(line, "fidelity: ", 10)) {
			/* The header once; each boot's own totals never (the
			 * run's are printed at its end). */
			show = r->first_boot && !strstr(line, "passed") &&
			       !strstr(line, "configurations") &&
			       strncmp(line, "fidelity: deviation", 19) &&
			       strncmp(line, "fidelity: attr deviation", 24) &&
			       strncmp(line, "fidelity: mismatch", 18) &&
			       strncmp(line, "fidelity: comparisons", 21);
		} else if (strcmp(line, "PASS") && strcmp(line, "FAIL")) {
			/* QEMU's own words: a dying QEMU says why (shown with
			 * what the run makes of it). */
			snprintf(r->dying, sizeof(r->dying), "%s", line);
		}
	}
	if (show) {
		puts(line);
		fflush(stdout);
	}
}

/* The run's totals, as s2hyp prints one boot's. */
static void print_totals(const struct run *r, unsigned long long boots, long long crashes)
{
	for (unsigned int d = 1; d <= r->ndev; d++)
		if (r->dev[d])
			printf("fidelity: deviation %u %s: %lld\n", d, r->dev_name[d], r->dev[d]);
	for (unsigned int d = 1; d <= r->nadev; d++)
		printf("fidelity: attr deviation %u %s: %lld\n", d,
		       r->adev_name[d][0] ? r->adev_name[d] : "(not seen)", r->adev[d]);
	for (unsigned int i = 0; i < r->nclasses; i++)
		printf("fidelity: mismatch %s: %lld (first: config %lld addr %lld op %s)\n",
		       r->classes[i].key, r->classes[i].n, r->classes[i].cfg, r->classes[i].addr,
		       r->classes[i].op);
	print_coverage(&r->cov);
	printf("fidelity: %lld configurations, %lld comparisons in %llu QEMU boot%s\n",
	       r->configs, r->cmp, boots, boots == 1 ? "" : "s");
	printf("fidelity: ATTR/SH compared in %lld successful translations\n", r->attr);
	if (r->known)
		printf("fidelity: %lld ATs not asked: they kill this QEMU (known QEMU "
		       "defects)\n", r->known);
	if (r->defects || crashes)
		printf("fidelity: QEMU died %lld times; %lld comparisons it died on are QEMU "
		       "defects (not compared, reproducers above)\n", crashes, r->defects);
	if (r->fetch_defects)
		printf("fidelity: %lld configurations' fetches not checked: QEMU died in them\n",
		       r->fetch_defects);
}

/* "C.K": two numbers and a dot. */
static bool cfg_dot_cmp(const char *s)
{
	size_t a = strspn(s, "0123456789");

	return a && s[a] == '.' && s[a + 1] && strspn(s + a + 1, "0123456789") == strlen(s + a + 1);
}

/* The run, boot after boot: from the next configuration when QEMU dies
 * (careful about it), without the comparison it died on. */
static int run_all(struct s2hyp_qemu *q, uint64_t seed, uint64_t count, uint64_t cfg,
		   int inject, const char *crash, const char *hang_at, uint64_t fetch,
		   const char *crash_fetch)
{
	static struct run r;
	unsigned long long boots = 0;
	unsigned int major = 0, minor = 0, nskips = 0;
	uint64_t skips[32], left = count, nofetch = UINT64_MAX;
	long long crashes = 0;
	bool careful = false;
	char append[640];

	r = (struct run){ .first_boot = true };
	if (s2hyp_qemu_version(q, &major, &minor))
		fprintf(stderr, "s2mm hyp fidelity: cannot tell the version of %s (--version): "
			"no known QEMU deviation is accepted\n", q->qemu);
	else
		printf("fidelity: oracle QEMU %u.%u (%s)\n", major, minor, q->qemu);
	for (;;) {
		struct s2hyp_boot_result res;
		long long before = r.cmp;
		const char *why;
		size_t n;
		int status;

		n = (size_t)snprintf(append, sizeof(append),
				     "test=fidelity seed=%" PRIu64 " count=%" PRIu64 " cfg=%" PRIu64
				     " progress=1 qemu=%u.%u fetch=%" PRIu64 "%s%s%s%s%s%s", seed, left,
				     cfg, major, minor, fetch, inject ? " inject=1" : "",
				     careful ? " careful=1" : "",
				     crash ? " inject-crash=" : "", crash ? crash : "",
				     hang_at ? " inject-hang=" : "", hang_at ? hang_at : "");
		if (crash_fetch && n < sizeof(append) - 48)
			n += (size_t)snprintf(append + n, sizeof(append) - n,
					      " inject-crash-fetch=%s", crash_fetch);
		if (nofetch == cfg && n < sizeof(append) - 48)
			n += (size_t)snprintf(append + n, sizeof(append) - n, " nofetch=%" PRIu64,
					      nofetch);
		for (unsigned int i = 0; i < nskips && n < sizeof(append) - 24; i++)
			n += (size_t)snprintf(append + n, sizeof(append) - n, "%s%" PRIu64,
					      i ? "," : " skip=", skips[i]);
		r.summary = r.done_any = r.at_any = r.fetch_any = false;
		r.dying[0] = '\0';
		status = s2hyp_qemu_boot(q, append, 1, on_line, &r, &res);
		boots++;
		q->terse = 1;
		r.first_boot = false;
		if (!res.spoke) {
			fprintf(stderr, "s2mm hyp fidelity: QEMU did not run s2hyp (see above)\n");
			printf("0 passed, 0 failed\n");
			return 1;
		}
		left -= (uint64_t)(r.cmp - before);
		if (r.summary)
			break;
		/* QEMU ended before s2hyp's result: it died, hung or left. */
		crashes++;
		why = status == S2HYP_EXIT_TIMEOUT ? "hung" : status < 0 ? "died" : "exited";
		if (r.done_any) {
			/* In the configuration after the last one done. */
			cfg = r.next_cfg;
			nskips = 0;
			careful = true;
			continue;
		}
		if (!careful) {
			careful = true;
			continue;
		}
		if (r.fetch_any && r.fetch_cfg == cfg) {
			/* Its ATs all done: the fetches after them. */
			if (nofetch == cfg) {
				fprintf(stderr, "s2mm hyp fidelity: QEMU %s in configuration %"
					PRIu64 " with its fetches off: cannot go on\n", why, cfg);
				return 1;
			}
			nofetch = cfg;
			r.fetch_defects++;
			printf("fidelity: QEMU %s during the fetches of configuration %" PRIu64
			       "%s%s: a QEMU defect; going on without them\n", why, cfg,
			       r.dying[0] ? ": " : "", r.dying);
			continue;
		}
		if (r.at_any && r.at_cfg == cfg) {
			for (unsigned int i = 0; i < nskips; i++)
				if (skips[i] == r.at_cmp) {
					fprintf(stderr, "s2mm hyp fidelity: QEMU %s on configuration "
						"%" PRIu64 " comparison %" PRIu64 ", which it was "
						"not asked\n", why, cfg, r.at_cmp);
					return 1;
				}
			if (nskips == sizeof(skips) / sizeof(skips[0])) {
				fprintf(stderr, "s2mm hyp fidelity: QEMU died on %u comparisons "
					"of configuration %" PRIu64 ": giving up\n", nskips, cfg);
				return 1;
			}
			skips[nskips++] = r.at_cmp;
			printf("fidelity: QEMU %s on configuration %" PRIu64 " comparison %" PRIu64
			       "%s%s: a QEMU defect; going on without it\n", why, cfg, r.at_cmp,
			       r.dying[0] ? ": " : "", r.dying);
			continue;
		}
		fprintf(stderr, "s2mm hyp fidelity: QEMU %s in configuration %" PRIu64
			" before its first AT (status %d): cannot go on\n", why, cfg, status);
		return 1;
	}
	print_totals(&r, boots, crashes);
	printf("%lld passed, %lld failed\n", r.passed, r.failed);
	return r.failed == 0 ? 0 : 1;
}

int cmd_hyp_fidelity(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "count", required_argument, NULL, 'n' },
		{ "cfg", required_argument, NULL, 'f' },
		{ "inject-model-bug", no_argument, NULL, 'I' },
		{ "inject-oracle-crash", required_argument, NULL, 'C' },
		{ "inject-oracle-hang", required_argument, NULL, 'G' },
		{ "hang-timeout", required_argument, NULL, 'H' },
		{ "fetch", required_argument, NULL, 'X' },
		{ "inject-oracle-crash-fetch", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		S2HYP_OPTIONS_BOOT,
		{ NULL, 0, NULL, 0 },
	};
	uint64_t seed = 1, count = 1000000, cfg = 0, hang = 60, fetch = 8;
	const char *crash = NULL, *hang_at = NULL, *crash_fetch = NULL;
	struct s2hyp_qemu q;
	int inject = 0, opt;

	s2hyp_qemu_init(&q, "s2mm hyp fidelity", 600);
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
		uint64_t *dst = NULL;

		switch (opt) {
		case 's': dst = &seed; break;
		case 'n': dst = &count; break;
		case 'f': dst = &cfg; break;
		case 'I': inject = 1; break;
		case 'C': crash = optarg; break;
		case 'G': hang_at = optarg; break;
		case 'H': dst = &hang; break;
		case 'X': dst = &fetch; break;
		case 'F': crash_fetch = optarg; break;
		case 'h': usage(stdout, &q); return 0;
		default:
			if (s2hyp_qemu_option_or_usage(&q, opt, optarg, usage))
				return 2;
		}
		if (dst == &seed && !strcmp(optarg, "random")) {
			/* Long runs cover new ground each time; the seed
			 * printed reproduces any finding. */
			FILE *f = fopen("/dev/urandom", "rb");

			if (!f || fread(&seed, sizeof(seed), 1, f) != 1) {
				fprintf(stderr, "s2mm hyp fidelity: cannot read /dev/urandom\n");
				if (f)
					fclose(f);
				return 1;
			}
			fclose(f);
			seed &= (1ULL << 48) - 1;
			printf("fidelity: seed %" PRIu64 " (drawn at random)\n", seed);
			continue;
		}
		if (dst && !parse_u64(optarg, dst)) {
			fprintf(stderr, "s2mm hyp fidelity: bad number '%s'\n", optarg);
			return 2;
		}
	}
	if (crash_fetch && (!*crash_fetch || strspn(crash_fetch, "0123456789") != strlen(crash_fetch))) {
		fprintf(stderr, "s2mm hyp fidelity: --inject-oracle-crash-fetch wants a "
			"configuration number\n");
		return 2;
	}
	if ((crash && !cfg_dot_cmp(crash)) || (hang_at && !cfg_dot_cmp(hang_at))) {
		fprintf(stderr, "s2mm hyp fidelity: --inject-oracle-crash/hang want "
			"CONFIG.COMPARISON\n");
		return 2;
	}
	if (fetch > 96) {
		fprintf(stderr, "s2mm hyp fidelity: --fetch wants 0..96 addresses\n");
		return 2;
	}
	if (hang == 0 || hang > 86400) {
		fprintf(stderr, "s2mm hyp fidelity: --hang-timeout wants 1..86400 seconds\n");
		return 2;
	}
	q.silence = (unsigned int)hang;
	if (count == 0) {
		fprintf(stderr, "s2mm hyp fidelity: --count wants at least 1\n");
		return 2;
	}
	if (optind != argc) {
		fprintf(stderr, "s2mm hyp fidelity: unexpected argument '%s'\n",
			argv[optind]);
		usage(stderr, &q);
		return 2;
	}
	if (strcmp(q.cpu, "cortex-a57") && strcmp(q.cpu, "max")) {
		fprintf(stderr, "s2mm hyp fidelity: --cpu: cortex-a57 or max (the "
			"model has presets for those)\n");
		return 2;
	}
	if (s2hyp_qemu_image(&q))
		return 1;
	return run_all(&q, seed, count, cfg, inject, crash, hang_at, fetch, crash_fetch);
}

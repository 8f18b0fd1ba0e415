/* SPDX-License-Identifier: MIT */
/*
 * s2mm sweep: a grid of `s2mm run` (or `s2mm trace`) command lines, run as
 * separate processes on the machine's cores, one CSV row per run, plots.
 *
 * The sweep lives in its directory: sweep.json (the definition),
 * commands.txt (each run's whole shell command line, one per line: what a
 * local run executes and what a Slurm array task executes), runs/NNNN.json
 * (a finished run's report, renamed into place only when the run exited 0)
 * and runs/NNNN.log. A run whose report is there is done; anything else is
 * run again, so an interrupted sweep resumes where it stopped.
 */
#define _XOPEN_SOURCE 700 /* realpath(), popen(), strndup() */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "sweep.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: s2mm sweep [options] DIR -- run|trace [ARGS...]\n"
		"       s2mm sweep [options] DIR          (resume or collect DIR's sweep)\n\n"
		"Runs every combination of the --vary values as its own `s2mm run`\n"
		"(or `s2mm trace`) process, up to --jobs at once, each writing its\n"
		"report to DIR/runs/; then writes DIR/results.csv, one row per run,\n"
		"and the --plot images. A rerun skips the runs already finished, so\n"
		"an interrupted sweep resumes; each run is one line of\n"
		"DIR/commands.txt, so the grid can go to a cluster scheduler.\n\n"
		"options:\n"
		"  --vary OPT=V1,V2,...  an option of the command and its values; the\n"
		"                    grid is the product of every --vary (at most %d).\n"
		"                    For an option without a value, @on passes it and\n"
		"                    @off leaves it out (--vary no-blocks=@on,@off)\n"
		"  --jobs N          runs at once (default: the machine's cores)\n"
		"  --plot Y:X[:FILE] plot metric Y of the report (a JSON key such as\n"
		"                    tlb_misses or s2_faults.translation, or A/B, a\n"
		"                    ratio of two) against the varied option X, one\n"
		"                    line per combination of the other varied options;\n"
		"                    FILE .svg or .png (default DIR/Y-X.svg)\n"
		"  --emit slurm      write DIR/sweep.slurm (a job array, one task per\n"
		"                    run) and run nothing; `s2mm sweep --collect DIR`\n"
		"                    gathers the results afterwards\n"
		"  --collect         run nothing: write results.csv and the plots\n"
		"                    from the runs finished so far\n",
		SWEEP_MAX_VARY);
}

/* Single-quoted for sh: every byte literal, ' as '\''. */
static void put_quoted(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; *s; s++)
		if (*s == '\'')
			fputs("'\\''", f);
		else
			fputc(*s, f);
	fputc('\'', f);
}

static int parse_vary(struct sweep *sw, const char *arg)
{
	const char *eq;
	struct vary *v;
	char *list, *tok, *save;

	if (sw->nvary == SWEEP_MAX_VARY) {
		fprintf(stderr, "%s: at most %d --vary\n", sw->who, SWEEP_MAX_VARY);
		return -1;
	}
	if (!strncmp(arg, "--", 2))
		arg += 2;
	eq = strchr(arg, '=');
	if (!eq || eq == arg || !eq[1]) {
		fprintf(stderr, "%s: --vary '%s': expected OPTION=VALUE,VALUE...\n",
			sw->who, arg);
		return -1;
	}
	v = &sw->vary[sw->nvary];
	v->opt = strndup(arg, (size_t)(eq - arg));
	list = strdup(eq + 1);
	v->val = calloc(strlen(list) / 2 + 1, sizeof(*v->val));
	if (!v->opt || !list || !v->val) {
		free(v->opt);
		free(list);
		free(v->val);
		fprintf(stderr, "%s: out of memory\n", sw->who);
		return -1;
	}
	v->n = 0;
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		v->val[v->n++] = strdup(tok);
	free(list);
	sw->nvary++;
	for (unsigned int i = 0; i < v->n; i++)
		if (!v->val[i]) {
			fprintf(stderr, "%s: out of memory\n", sw->who);
			return -1;
		}
	if (!v->n || eq[1] == ',' || eq[strlen(eq) - 1] == ',' || strstr(eq, ",,")) {
		fprintf(stderr, "%s: --vary '%s': an empty value\n", sw->who, arg);
		return -1;
	}
	for (unsigned int i = 0; i + 1 < sw->nvary; i++)
		if (!strcmp(sw->vary[i].opt, v->opt)) {
			fprintf(stderr, "%s: --vary %s given twice\n", sw->who, v->opt);
			return -1;
		}
	return 0;
}

static void free_sweep(struct sweep *sw)
{
	for (unsigned int i = 0; i < sw->nvary; i++) {
		for (unsigned int j = 0; j < sw->vary[i].n; j++)
			free(sw->vary[i].val[j]);
		free(sw->vary[i].val);
		free(sw->vary[i].opt);
	}
	free(sw->cmd_alloc);
	json_decref(sw->def);
}

/*
 * The command and its varied options are checked before anything runs:
 * only run and trace write a --json report, the report is the sweep's, and
 * every varied option must be one the command lists in its --help.
 */
static int check_definition(struct sweep *sw)
{
	char help[PATH_MAX + 64], line[512];
	bool found[SWEEP_MAX_VARY] = { false };
	FILE *p;
	int st;

	if (!sw->ncmd || (strcmp(sw->cmd[0], "run") && strcmp(sw->cmd[0], "trace"))) {
		fprintf(stderr, "%s: the command to sweep is run or trace, not '%s'\n",
			sw->who, sw->ncmd ? sw->cmd[0] : "");
		return -1;
	}
	if (!sw->nvary) {
		fprintf(stderr, "%s: nothing to vary (--vary OPT=V1,V2...)\n", sw->who);
		return -1;
	}
	for (unsigned int i = 1; i < sw->ncmd; i++)
		if (!strcmp(sw->cmd[i], "--json") || !strncmp(sw->cmd[i], "--json=", 7)) {
			fprintf(stderr, "%s: the sweep writes each run's --json itself\n",
				sw->who);
			return -1;
		}
	snprintf(help, sizeof(help), "'%s' %s --help", sw->exe, sw->cmd[0]);
	p = popen(help, "r");
	if (!p) {
		fprintf(stderr, "%s: cannot run %s\n", sw->who, help);
		return -1;
	}
	while (fgets(line, sizeof(line), p))
		for (unsigned int i = 0; i < sw->nvary; i++) {
			const char *o = line;
			size_t len = strlen(sw->vary[i].opt);

			while ((o = strstr(o, "--"))) {
				o += 2;
				if (!strncmp(o, sw->vary[i].opt, len) &&
				    !(o[len] == '-' || (o[len] >= 'a' && o[len] <= 'z')))
					found[i] = true;
			}
		}
	st = pclose(p);
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(stderr, "%s: '%s' failed\n", sw->who, help);
		return -1;
	}
	for (unsigned int i = 0; i < sw->nvary; i++) {
		if (!found[i]) {
			fprintf(stderr, "%s: --vary %s: s2mm %s has no option --%s\n",
				sw->who, sw->vary[i].opt, sw->cmd[0], sw->vary[i].opt);
			return -1;
		}
		if (!strcmp(sw->vary[i].opt, "json")) {
			fprintf(stderr, "%s: the sweep writes each run's --json itself\n",
				sw->who);
			return -1;
		}
	}
	sw->runs = 1;
	for (unsigned int i = 0; i < sw->nvary; i++) {
		sw->runs *= sw->vary[i].n;
		if (sw->runs > SWEEP_MAX_RUNS) {
			fprintf(stderr, "%s: more than %d runs\n", sw->who, SWEEP_MAX_RUNS);
			return -1;
		}
	}
	return 0;
}

/* The first --vary varies slowest. */
const char *sweep_value(const struct sweep *sw, unsigned long r, unsigned int k)
{
	for (unsigned int i = sw->nvary; i-- > k + 1;)
		r /= sw->vary[i].n;
	return sw->vary[k].val[r % sw->vary[k].n];
}

void sweep_run_path(const struct sweep *sw, unsigned long r, const char *ext,
		     char *buf, size_t size)
{
	snprintf(buf, size, "%s/runs/%04lu.%s", sw->dir, r, ext);
}

/* Run @r's whole shell command line, without the newline. */
static void write_command(FILE *f, const struct sweep *sw, unsigned long r)
{
	char part[PATH_MAX + 32], json[PATH_MAX + 32], log[PATH_MAX + 32];

	sweep_run_path(sw, r, "json.part", part, sizeof(part));
	sweep_run_path(sw, r, "json", json, sizeof(json));
	sweep_run_path(sw, r, "log", log, sizeof(log));
	put_quoted(f, sw->exe);
	for (unsigned int i = 0; i < sw->ncmd; i++) {
		fputc(' ', f);
		put_quoted(f, sw->cmd[i]);
	}
	for (unsigned int k = 0; k < sw->nvary; k++) {
		const char *v = sweep_value(sw, r, k);

		if (!strcmp(v, "@off"))
			continue;
		fprintf(f, " --%s", sw->vary[k].opt);
		if (strcmp(v, "@on")) {
			fputc(' ', f);
			put_quoted(f, v);
		}
	}
	fputs(" --json ", f);
	put_quoted(f, part);
	fputs(" >", f);
	put_quoted(f, log);
	fputs(" 2>&1 && mv -f ", f);
	put_quoted(f, part);
	fputc(' ', f);
	put_quoted(f, json);
}

static json_t *definition_json(const struct sweep *sw)
{
	json_t *o = json_object(), *cmd = json_array(), *vary = json_array();

	for (unsigned int i = 0; i < sw->ncmd; i++)
		json_array_append_new(cmd, json_string(sw->cmd[i]));
	for (unsigned int i = 0; i < sw->nvary; i++) {
		json_t *vals = json_array();

		for (unsigned int j = 0; j < sw->vary[i].n; j++)
			json_array_append_new(vals, json_string(sw->vary[i].val[j]));
		json_array_append_new(vary, json_pack("{s:s, s:o}", "option",
						      sw->vary[i].opt, "values", vals));
	}
	json_object_set_new(o, "command", cmd);
	json_object_set_new(o, "vary", vary);
	return o;
}

/* sweep.json's definition into @sw (when the command line gave none). */
static int load_definition(struct sweep *sw, json_t *def)
{
	json_t *cmd = json_object_get(def, "command"), *vary = json_object_get(def, "vary"), *x;
	size_t i;

	if (!json_is_array(cmd) || !json_is_array(vary) || json_array_size(cmd) > 256 ||
	    json_array_size(vary) > SWEEP_MAX_VARY)
		return -1;
	sw->cmd = sw->cmd_alloc = calloc(json_array_size(cmd) + 1, sizeof(*sw->cmd));
	if (!sw->cmd)
		return -1;
	json_array_foreach(cmd, i, x) {
		if (!json_is_string(x))
			return -1;
		sw->cmd[sw->ncmd++] = (char *)json_string_value(x);
	}
	json_array_foreach(vary, i, x) {
		json_t *vals = json_object_get(x, "values"), *y;
		const char *opt = json_string_value(json_object_get(x, "option"));
		struct vary *v = &sw->vary[sw->nvary];
		size_t j;

		if (!opt || !json_is_array(vals) || !json_array_size(vals))
			return -1;
		v->opt = strdup(opt);
		v->val = calloc(json_array_size(vals), sizeof(*v->val));
		sw->nvary++;
		if (!v->opt || !v->val)
			return -1;
		json_array_foreach(vals, j, y) {
			if (!json_is_string(y))
				return -1;
			v->val[v->n] = strdup(json_string_value(y));
			if (!v->val[v->n++])
				return -1;
		}
	}
	return 0;
}

static int mkdir_p(const char *who, const char *d)
{
	if (mkdir(d, 0777) && errno != EEXIST) {
		fprintf(stderr, "%s: cannot create %s: %s\n", who, d, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * DIR's sweep.json against the command line's definition: a new DIR takes
 * it, a DIR of the same sweep resumes, another sweep's DIR is refused.
 * Without a definition on the command line, DIR's is loaded.
 */
static int open_dir(struct sweep *sw, const char *dir, bool have_def)
{
	char path[PATH_MAX + 32];
	json_error_t err;
	json_t *old;

	if (have_def && mkdir_p(sw->who, dir))
		return -1;
	if (!realpath(dir, sw->dir)) {
		fprintf(stderr, "%s: %s: %s\n", sw->who, dir, strerror(errno));
		return -1;
	}
	snprintf(path, sizeof(path), "%s/sweep.json", sw->dir);
	old = json_load_file(path, 0, &err);
	if (!old && access(path, F_OK) == 0) {
		fprintf(stderr, "%s: %s: %s\n", sw->who, path, err.text);
		return -1;
	}
	if (!have_def) {
		if (!old) {
			fprintf(stderr, "%s: %s holds no sweep (no sweep.json): give "
				"the command to sweep after --\n", sw->who, sw->dir);
			return -1;
		}
		sw->def = old;
		if (load_definition(sw, old)) {
			fprintf(stderr, "%s: %s: not a sweep's definition\n", sw->who, path);
			return -1;
		}
		return check_definition(sw);
	}
	sw->def = definition_json(sw);
	if (old) {
		bool same = json_equal(old, sw->def);

		json_decref(old);
		if (!same) {
			fprintf(stderr, "%s: %s holds another sweep (its sweep.json "
				"differs): use a new directory\n", sw->who, sw->dir);
			return -1;
		}
		return 0;
	}
	if (json_dump_file(sw->def, path, JSON_INDENT(2))) {
		fprintf(stderr, "%s: cannot write %s\n", sw->who, path);
		return -1;
	}
	return 0;
}

static int write_commands(const struct sweep *sw)
{
	char path[PATH_MAX + 32], runs[PATH_MAX + 8];
	FILE *f;

	snprintf(runs, sizeof(runs), "%s/runs", sw->dir);
	if (mkdir_p(sw->who, runs))
		return -1;
	snprintf(path, sizeof(path), "%s/commands.txt", sw->dir);
	f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "%s: cannot write %s: %s\n", sw->who, path, strerror(errno));
		return -1;
	}
	for (unsigned long r = 0; r < sw->runs; r++) {
		write_command(f, sw, r);
		fputc('\n', f);
	}
	if (fclose(f)) {
		fprintf(stderr, "%s: cannot write %s\n", sw->who, path);
		return -1;
	}
	return 0;
}

static int emit_slurm(const struct sweep *sw)
{
	char path[PATH_MAX + 32];
	FILE *f;

	snprintf(path, sizeof(path), "%s/sweep.slurm", sw->dir);
	f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "%s: cannot write %s: %s\n", sw->who, path, strerror(errno));
		return -1;
	}
	fprintf(f, "#!/bin/sh\n"
		   "# s2mm sweep: one array task per run, each a line of commands.txt.\n"
		   "# Submit with: sbatch %s\n"
		   "# then: s2mm sweep --collect %s\n"
		   "#SBATCH --job-name=s2mm-sweep\n"
		   "#SBATCH --array=0-%lu\n"
		   "#SBATCH --ntasks=1\n"
		   "#SBATCH --cpus-per-task=1\n"
		   "#SBATCH --output=%s/runs/slurm-%%a.out\n"
		   "line=$(sed -n \"$((SLURM_ARRAY_TASK_ID + 1))p\" ",
		path, sw->dir, sw->runs - 1, sw->dir);
	snprintf(path, sizeof(path), "%s/commands.txt", sw->dir);
	put_quoted(f, path);
	fprintf(f, ")\n[ -n \"$line\" ] || { echo \"no run $SLURM_ARRAY_TASK_ID\" >&2; exit 2; }\n"
		   "exec sh -c \"$line\"\n");
	if (fclose(f)) {
		fprintf(stderr, "%s: cannot write %s/sweep.slurm\n", sw->who, sw->dir);
		return -1;
	}
	snprintf(path, sizeof(path), "%s/sweep.slurm", sw->dir);
	chmod(path, 0755);
	printf("%s: %lu runs: %s (sbatch it; then s2mm sweep --collect %s)\n",
	       sw->who, sw->runs, path, sw->dir);
	return 0;
}

static bool finished(const struct sweep *sw, unsigned long r)
{
	char json[PATH_MAX + 32];

	sweep_run_path(sw, r, "json", json, sizeof(json));
	return access(json, F_OK) == 0;
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void describe(FILE *f, const struct sweep *sw, unsigned long r)
{
	for (unsigned int k = 0; k < sw->nvary; k++)
		fprintf(f, "%s%s=%s", k ? " " : "", sw->vary[k].opt, sweep_value(sw, r, k));
}

/*
 * Every unfinished run, up to @jobs at once, each `sh -c` its line of
 * commands.txt. Return: the number of runs that failed, or -1.
 */
static long run_all(const struct sweep *sw, unsigned int jobs)
{
	struct slot { pid_t pid; unsigned long r; double t0; } *slot;
	unsigned long next = 0, done = 0, todo = 0, skipped = 0;
	unsigned int busy = 0;
	long failed = 0;

	for (unsigned long r = 0; r < sw->runs; r++)
		if (finished(sw, r))
			skipped++;
	todo = sw->runs - skipped;
	printf("%s: %lu runs, %lu finished before, %lu to run, %u at once\n",
	       sw->who, sw->runs, skipped, todo, jobs);
	fflush(stdout);
	slot = calloc(jobs, sizeof(*slot));
	if (!slot) {
		fprintf(stderr, "%s: out of memory\n", sw->who);
		return -1;
	}
	while (done < todo) {
		int status;
		pid_t pid;

		while (busy < jobs && next < sw->runs) {
			char *line = NULL;
			size_t len = 0;
			FILE *m;
			unsigned int i;

			if (finished(sw, next)) {
				next++;
				continue;
			}
			m = open_memstream(&line, &len);
			if (!m) {
				free(slot);
				return -1;
			}
			write_command(m, sw, next);
			fclose(m);
			for (i = 0; slot[i].pid; i++)
				;
			fflush(NULL);
			pid = fork();
			if (pid == 0) {
				execl("/bin/sh", "sh", "-c", line, (char *)NULL);
				_exit(127);
			}
			free(line);
			if (pid < 0) {
				fprintf(stderr, "%s: fork: %s\n", sw->who, strerror(errno));
				free(slot);
				return -1;
			}
			slot[i] = (struct slot){ pid, next++, now() };
			busy++;
		}
		pid = wait(&status);
		if (pid < 0) {
			fprintf(stderr, "%s: wait: %s\n", sw->who, strerror(errno));
			free(slot);
			return -1;
		}
		for (unsigned int i = 0; i < jobs; i++) {
			if (slot[i].pid != pid)
				continue;
			done++;
			busy--;
			slot[i].pid = 0;
			if (WIFEXITED(status) && !WEXITSTATUS(status) && finished(sw, slot[i].r)) {
				printf("[%lu/%lu] run %04lu ok in %.1f s: ", done, todo,
				       slot[i].r, now() - slot[i].t0);
			} else {
				failed++;
				printf("[%lu/%lu] run %04lu FAILED (%s %d; its log: %s/runs/%04lu.log): ",
				       done, todo, slot[i].r,
				       WIFEXITED(status) ? "exit status" : "signal",
				       WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
				       sw->dir, slot[i].r);
			}
			describe(stdout, sw, slot[i].r);
			putchar('\n');
			fflush(stdout);
		}
	}
	free(slot);
	return failed;
}

/* Each plot's X among the varied options. */
static int find_plot_axes(const struct sweep *sw, struct plot *plots, unsigned int nplots)
{
	for (unsigned int i = 0; i < nplots; i++) {
		unsigned int k;

		for (k = 0; k < sw->nvary && strcmp(sw->vary[k].opt, plots[i].x); k++)
			;
		if (k == sw->nvary) {
			fprintf(stderr, "%s: --plot %s:%s: --%s is not varied\n", sw->who,
				plots[i].y, plots[i].x, plots[i].x);
			return -1;
		}
		plots[i].xk = k;
	}
	return 0;
}

int cmd_sweep(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "vary", required_argument, NULL, 'v' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "plot", required_argument, NULL, 'p' },
		{ "emit", required_argument, NULL, 'e' },
		{ "collect", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct sweep sw = { .who = "s2mm sweep" };
	struct plot plots[SWEEP_MAX_PLOTS];
	unsigned int nplots = 0, jobs = (unsigned int)sysconf(_SC_NPROCESSORS_ONLN);
	bool do_collect = false, slurm = false;
	const char *dir;
	long failed = 0, v;
	int c, ret = 2;

	memset(plots, 0, sizeof(plots));
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (c) {
		case 'v':
			if (parse_vary(&sw, optarg))
				goto out;
			break;
		case 'j':
			v = parse_uint(optarg, 1, 1024);
			if (v < 0) {
				fprintf(stderr, "%s: --jobs wants 1..1024, not '%s'\n", sw.who, optarg);
				goto out;
			}
			jobs = (unsigned int)v;
			break;
		case 'p':
			if (nplots == SWEEP_MAX_PLOTS) {
				fprintf(stderr, "%s: at most %d --plot\n", sw.who, SWEEP_MAX_PLOTS);
				goto out;
			}
			if (sweep_parse_plot(sw.who, optarg, &plots[nplots]))
				goto out;
			nplots++;
			break;
		case 'e':
			if (strcmp(optarg, "slurm")) {
				fprintf(stderr, "%s: --emit slurm, not '%s'\n", sw.who, optarg);
				goto out;
			}
			slurm = true;
			break;
		case 'c':
			do_collect = true;
			break;
		case 'h':
			usage(stdout);
			ret = 0;
			goto out;
		default:
			usage(stderr);
			goto out;
		}
	}
	if (jobs < 1)
		jobs = 1;
	if (optind >= argc) {
		fprintf(stderr, "%s: which directory? (s2mm sweep --help)\n", sw.who);
		goto out;
	}
	dir = argv[optind++];
	if (optind < argc && !strcmp(argv[optind], "--"))
		optind++;
	sw.cmd = argv + optind;
	sw.ncmd = (unsigned int)(argc - optind);
	if (slurm && do_collect) {
		fprintf(stderr, "%s: --emit and --collect: one or the other\n", sw.who);
		goto out;
	}
	if (!sw.ncmd && sw.nvary) {
		fprintf(stderr, "%s: --vary without the command to sweep (after --)\n", sw.who);
		goto out;
	}
	if (!realpath("/proc/self/exe", sw.exe)) {
		fprintf(stderr, "%s: cannot find the s2mm binary: %s\n", sw.who, strerror(errno));
		goto out;
	}
	if (sw.ncmd && check_definition(&sw))
		goto out;
	/* A new sweep's plots are checked before its directory is made. */
	if (sw.ncmd && find_plot_axes(&sw, plots, nplots))
		goto out;
	if (open_dir(&sw, dir, sw.ncmd > 0))
		goto out;
	if (!sw.ncmd && find_plot_axes(&sw, plots, nplots))
		goto out;
	for (unsigned int i = 0; i < nplots; i++) {
		if (!plots[i].file[0]) {
			/* Copies: gcc's -Wrestrict takes the struct's other
			 * members for parts of the destination. */
			char y[sizeof(plots[i].y)], x[sizeof(plots[i].x)];
			int n;

			memcpy(y, plots[i].y, sizeof(y));
			memcpy(x, plots[i].x, sizeof(x));
			for (char *s = y; *s; s++)
				if (*s == '/')
					*s = '_';
			n = snprintf(plots[i].file, sizeof(plots[i].file), "%.*s/%s-%s.svg",
				     (int)(sizeof(plots[i].file) - sizeof(y) - sizeof(plots[i].x) - 8),
				     sw.dir, y, x);
			if (n < 0 || (size_t)n >= sizeof(plots[i].file) ||
			    strlen(plots[i].file) != strlen(sw.dir) + strlen(y) + strlen(x) + 6) {
				fprintf(stderr, "%s: %s: too long a path\n", sw.who, sw.dir);
				goto out;
			}
		}
	}
	if (write_commands(&sw))
		goto out;
	if (slurm) {
		ret = emit_slurm(&sw) ? 2 : 0;
		goto out;
	}
	if (!do_collect) {
		failed = run_all(&sw, jobs);
		if (failed < 0)
			goto out;
	}
	ret = sweep_collect(&sw, plots, nplots) ? 2 : failed ? 1 : 0;
	if (failed)
		fprintf(stderr, "%s: %ld runs failed (their logs are in %s/runs; a rerun "
			"tries them again)\n", sw.who, failed, sw.dir);
out:
	free_sweep(&sw);
	return ret;
}

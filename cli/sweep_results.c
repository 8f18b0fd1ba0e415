/* SPDX-License-Identifier: MIT */
/*
 * s2mm sweep's results: every finished run's JSON report flattened into
 * one row of results.csv, and plots of one metric against one varied
 * option through gnuplot.
 */
#define _XOPEN_SOURCE 700 /* popen(), mkstemp() */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sweep.h"

/* The report's scalars flattened: "a.b" for {"a": {"b": 1}}; arrays left out. */
static void flatten(json_t *out, json_t *o, const char *prefix)
{
	const char *k;
	json_t *v;

	json_object_foreach(o, k, v) {
		char key[256];

		snprintf(key, sizeof(key), "%s%s%s", prefix, *prefix ? "." : "", k);
		if (json_is_object(v))
			flatten(out, v, key);
		else if (!json_is_array(v) && !json_is_null(v))
			json_object_set(out, key, v);
	}
}

/* @r's flattened report, or NULL when it has none (or an unreadable one). */
static json_t *load_run(const struct sweep *sw, unsigned long r)
{
	char path[PATH_MAX + 32];
	json_t *o, *flat;

	sweep_run_path(sw, r, "json", path, sizeof(path));
	o = json_load_file(path, 0, NULL);
	if (!json_is_object(o)) {
		json_decref(o);
		return NULL;
	}
	flat = json_object();
	flatten(flat, o, "");
	json_decref(o);
	return flat;
}

static void put_csv(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static void put_value(FILE *f, json_t *v)
{
	if (json_is_integer(v))
		fprintf(f, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else if (json_is_real(v))
		fprintf(f, "%.9g", json_real_value(v));
	else if (json_is_boolean(v))
		fputc(json_is_true(v) ? '1' : '0', f);
	else if (json_is_string(v))
		put_csv(f, json_string_value(v));
}

/*
 * DIR/results.csv: run, status (ok, or missing: no report), the varied
 * options' values, then every scalar of the reports, in the order they
 * first appear. Return: the number of runs with a report, or -1.
 */
static long write_results(const struct sweep *sw, json_t **rep)
{
	json_t *cols = json_object(), *order = json_array();
	char path[PATH_MAX + 32];
	long have = 0;
	FILE *f;

	for (unsigned long r = 0; r < sw->runs; r++) {
		const char *k;
		json_t *v;

		if (!rep[r])
			continue;
		have++;
		json_object_foreach(rep[r], k, v)
			if (!json_object_get(cols, k)) {
				json_object_set_new(cols, k, json_true());
				json_array_append_new(order, json_string(k));
			}
	}
	snprintf(path, sizeof(path), "%s/results.csv", sw->dir);
	f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "%s: cannot write %s: %s\n", sw->who, path, strerror(errno));
		have = -1;
		goto out;
	}
	/* The varied options as --OPT: the report may have a key OPT too. */
	fputs("run,status", f);
	for (unsigned int k = 0; k < sw->nvary; k++) {
		fputs(",--", f);
		put_csv(f, sw->vary[k].opt);
	}
	for (size_t c = 0; c < json_array_size(order); c++) {
		fputc(',', f);
		put_csv(f, json_string_value(json_array_get(order, c)));
	}
	fputc('\n', f);
	for (unsigned long r = 0; r < sw->runs; r++) {
		fprintf(f, "%lu,%s", r, rep[r] ? "ok" : "missing");
		for (unsigned int k = 0; k < sw->nvary; k++) {
			fputc(',', f);
			put_csv(f, sweep_value(sw, r, k));
		}
		for (size_t c = 0; c < json_array_size(order); c++) {
			fputc(',', f);
			if (rep[r])
				put_value(f, json_object_get(rep[r],
					json_string_value(json_array_get(order, c))));
		}
		fputc('\n', f);
	}
	if (fclose(f)) {
		fprintf(stderr, "%s: cannot write %s\n", sw->who, path);
		have = -1;
	}
out:
	json_decref(cols);
	json_decref(order);
	return have;
}

/* Metric @y (KEY or KEY/KEY) of a flattened report; NAN when absent. */
static double metric(json_t *rep, const char *y)
{
	const char *slash = strchr(y, '/');
	char num[256];
	json_t *a, *b;

	if (!rep)
		return NAN;
	if (!slash)
		return json_is_number(a = json_object_get(rep, y)) ? json_number_value(a) : NAN;
	snprintf(num, sizeof(num), "%.*s", (int)(slash - y), y);
	a = json_object_get(rep, num);
	b = json_object_get(rep, slash + 1);
	if (!json_is_number(a) || !json_is_number(b) || json_number_value(b) == 0)
		return NAN;
	return json_number_value(a) / json_number_value(b);
}


int sweep_parse_plot(const char *who, const char *arg, struct plot *p)
{
	const char *c1 = strchr(arg, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	size_t ylen = c1 ? (size_t)(c1 - arg) : 0;
	size_t xlen = c1 ? (c2 ? (size_t)(c2 - c1 - 1) : strlen(c1 + 1)) : 0;

	if (!c1 || !ylen || !xlen || ylen >= sizeof(p->y) || xlen >= sizeof(p->x) ||
	    (c2 && (!c2[1] || strlen(c2 + 1) >= sizeof(p->file)))) {
		fprintf(stderr, "%s: --plot '%s': expected METRIC:OPTION[:FILE]\n", who, arg);
		return -1;
	}
	memcpy(p->y, arg, ylen);
	p->y[ylen] = 0;
	memcpy(p->x, c1 + 1, xlen);
	p->x[xlen] = 0;
	if (!strncmp(p->x, "--", 2))
		memmove(p->x, p->x + 2, strlen(p->x) - 1);
	if (c2)
		snprintf(p->file, sizeof(p->file), "%s", c2 + 1);
	if (c2) {
		const char *dot = strrchr(p->file, '.');

		if (!dot || (strcmp(dot, ".svg") && strcmp(dot, ".png"))) {
			fprintf(stderr, "%s: --plot '%s': FILE ends in .svg or .png\n", who, arg);
			return -1;
		}
	}
	return 0;
}

/* X's values are all numbers: a numeric axis (log2 when they span 8x). */
static bool numeric_axis(const struct vary *v, bool *log2)
{
	double lo = INFINITY, hi = 0;

	for (unsigned int i = 0; i < v->n; i++) {
		char *end;
		double d = strtod(v->val[i], &end);

		if (end == v->val[i] || *end || !isfinite(d))
			return false;
		if (d < lo)
			lo = d;
		if (d > hi)
			hi = d;
	}
	*log2 = lo > 0 && hi / lo >= 8;
	return true;
}

/*
 * The run of series @s (a combination of the options other than X, numbered
 * as sweep_value() numbers runs, X left out) with X's value @xi.
 */
static unsigned long series_run(const struct sweep *sw, unsigned int xk,
				unsigned int xi, unsigned long s)
{
	unsigned long r = 0, mul = 1;

	for (unsigned int k = sw->nvary; k-- > 0;) {
		unsigned long digit = xi;

		if (k != xk) {
			digit = s % sw->vary[k].n;
			s /= sw->vary[k].n;
		}
		r += digit * mul;
		mul *= sw->vary[k].n;
	}
	return r;
}

static int draw(const struct sweep *sw, struct plot *p, json_t **rep)
{
	char tmp[] = "/tmp/s2mm-sweep-XXXXXX";
	const struct vary *xv = &sw->vary[p->xk];
	unsigned long series = sw->runs / xv->n;
	bool log2 = false, num = numeric_axis(xv, &log2);
	int fd = mkstemp(tmp), ret;
	FILE *d, *g;

	if (fd < 0 || !(d = fdopen(fd, "w"))) {
		fprintf(stderr, "%s: cannot create a temporary file\n", sw->who);
		return -1;
	}
	/* One gnuplot data block per combination of the other options. */
	for (unsigned long s = 0; s < series; s++) {
		for (unsigned int xi = 0; xi < xv->n; xi++) {
			unsigned long r = series_run(sw, p->xk, xi, s);

			if (num)
				fprintf(d, "%s %.9g\n", xv->val[xi], metric(rep[r], p->y));
			else
				fprintf(d, "%u \"%s\" %.9g\n", xi, xv->val[xi], metric(rep[r], p->y));
		}
		fprintf(d, "\n\n");
	}
	fclose(d);
	g = popen("exec gnuplot >/dev/null", "w");
	if (!g) {
		unlink(tmp);
		fprintf(stderr, "%s: cannot run gnuplot (apt-get install gnuplot-nox)\n", sw->who);
		return -1;
	}
	fprintf(g, "set terminal %s size 900,600 noenhanced\nset output '%s'\n"
		   "set key outside right\nset grid\n"
		   "set xlabel '--%s'\nset ylabel '%s'\n"
		   "set title 's2mm %s: %s against --%s'\n%s",
		strstr(p->file, ".png") ? "png" : "svg", p->file, xv->opt, p->y,
		sw->cmd[0], p->y, xv->opt, log2 ? "set logscale x 2\n" : "");
	fputs("plot ", g);
	for (unsigned long s = 0; s < series; s++) {
		unsigned long rest = s;
		char title[512] = "";
		size_t len = 0;

		/* The series' title: the other options' values. */
		for (unsigned int k = sw->nvary; k-- > 0;) {
			if (k == p->xk)
				continue;
			len += (size_t)snprintf(title + len, len < sizeof(title) ? sizeof(title) - len : 0,
						"%s%s=%s", len ? " " : "", sw->vary[k].opt,
						sw->vary[k].val[rest % sw->vary[k].n]);
			rest /= sw->vary[k].n;
			if (len >= sizeof(title))
				len = sizeof(title) - 1;
		}
		fprintf(g, "%s'%s' index %lu using %s with linespoints lw 2 title '%s'",
			s ? ", " : "", tmp, s, num ? "1:2" : "1:3:xticlabels(2)",
			series > 1 ? title : p->y);
	}
	fputc('\n', g);
	ret = pclose(g);
	unlink(tmp);
	if (ret == -1 || (WIFEXITED(ret) && WEXITSTATUS(ret) == 127)) {
		fprintf(stderr, "%s: cannot run gnuplot (apt-get install gnuplot-nox)\n", sw->who);
		return -1;
	}
	if (ret) {
		fprintf(stderr, "%s: gnuplot failed to write %s\n", sw->who, p->file);
		return -1;
	}
	printf("%s: %s\n", sw->who, p->file);
	return 0;
}

int sweep_collect(const struct sweep *sw, struct plot *plots, unsigned int nplots)
{
	json_t **rep = calloc(sw->runs, sizeof(*rep));
	long have;
	int ret = 0;

	if (!rep) {
		fprintf(stderr, "%s: out of memory\n", sw->who);
		return -1;
	}
	for (unsigned long r = 0; r < sw->runs; r++)
		rep[r] = load_run(sw, r);
	have = write_results(sw, rep);
	if (have >= 0)
		printf("%s: %s/results.csv: %ld of %lu runs finished\n", sw->who,
		       sw->dir, have, sw->runs);
	else
		ret = -1;
	for (unsigned int i = 0; i < nplots && !ret; i++) {
		/* A metric no report has is a typing error: say so. */
		bool seen = false;

		for (unsigned long r = 0; r < sw->runs && !seen; r++)
			seen = !isnan(metric(rep[r], plots[i].y));
		if (!seen && have > 0) {
			fprintf(stderr, "%s: --plot %s: no run's report has it (see the "
				"columns of results.csv)\n", sw->who, plots[i].y);
			ret = -1;
			break;
		}
		if (draw(sw, &plots[i], rep))
			ret = -1;
	}
	for (unsigned long r = 0; r < sw->runs; r++)
		json_decref(rep[r]);
	free(rep);
	return ret;
}

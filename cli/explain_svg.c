/* SPDX-License-Identifier: MIT */
/*
 * s2mm explain --svg: the walk's grid as an SVG picture, stage-1 levels
 * in rows and each descriptor fetch's stage-2 levels in columns.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <s2mm/arch.h>

#include "explain.h"

/*
 * The SVG's text is monospace: each character advances 0.6 em in the
 * common monospace fonts (DejaVu Sans Mono, Liberation Mono, Courier), so
 * a text's width is its length times 0.6 times its font size, and every
 * box is sized from the texts it holds. A descriptor's decoding is
 * wrapped at spaces into lines of at most SVG_WRAP characters.
 */
#define SVG_PAD 6            /* inside a box, each side */
#define SVG_GAP 6            /* between boxes */
#define SVG_WRAP 44
#define SVG_LINES 8
#define SVG_LINE_H 11        /* a 9-pixel decoding line */

static int svg_text_w(size_t len, int size)
{
	return (int)((len * (size_t)size * 3 + 4) / 5);  /* 0.6 em, rounded up */
}

struct svg_lines {
	int n;
	struct { int off, len; } l[SVG_LINES];
};

/* Wrap @s at spaces; a word longer than a line keeps a line of its own. */
static void svg_wrap(const char *s, struct svg_lines *out)
{
	int len = (int)strlen(s), start = 0;

	out->n = 0;
	while (start < len) {
		int end = len;

		if (len - start > SVG_WRAP && out->n < SVG_LINES - 1) {
			end = start + SVG_WRAP;
			while (end > start && s[end] != ' ')
				end--;
			if (end == start)
				for (end = start + SVG_WRAP; end < len && s[end] != ' '; end++)
					;
		}
		out->l[out->n].off = start;
		out->l[out->n].len = end - start;
		out->n++;
		for (start = end; s[start] == ' '; start++)
			;
	}
}

/* @len characters of @s as XML character data. */
static void svg_put(FILE *f, const char *s, size_t len)
{
	for (size_t i = 0; i < len && s[i]; i++) {
		switch (s[i]) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '\'': fputs("&apos;", f); break;
		default: fputc(s[i], f);
		}
	}
}

static void svg_textf(FILE *f, int x, int y, const char *attrs, const char *s, size_t len)
{
	fprintf(f, "<text x='%d' y='%d'%s>", x, y, attrs);
	svg_put(f, s, len);
	fputs("</text>\n", f);
}

int explain_svg(const char *path, const struct walk *w, const struct sim_view *v,
	       bool mmu_on, const char *title)
{
	const struct s2_geom *g = v->g;
	int rows[8], nrows = 0, cols, x0 = 0, y0 = 70, ch, width, height, maxl = 1;
	int colw[8], colx[8];
	struct svg_lines lines[MAX_STEPS];
	char head[8][24], label[8][24], addr[MAX_STEPS][24], foot[160];
	FILE *f;

	if (mmu_on)
		for (int l = v->s1_start; l <= 3; l++)
			rows[nrows++] = l;
	rows[nrows++] = ROW_FINAL;
	cols = (S2_LEVEL_MAX - g->start_level + 1) + (mmu_on ? 1 : 0);
	/* Each column as wide as its widest text: header, address, value, decoding. */
	for (int c = 0; c < cols; c++) {
		if (mmu_on && c == cols - 1)
			snprintf(head[c], sizeof(head[c]), "stage-1 descriptor");
		else
			snprintf(head[c], sizeof(head[c]), "stage 2 L%d", g->start_level + c);
		colw[c] = SVG_PAD + svg_text_w(strlen(head[c]), 11) + SVG_PAD;
	}
	for (int i = 0; i < w->n; i++) {
		const struct step *s = &w->steps[i];
		int c = s->col == -9 ? cols - 1 : s->col - g->start_level, need;

		svg_wrap(s->what, &lines[i]);
		if (lines[i].n > maxl)
			maxl = lines[i].n;
		snprintf(addr[i], sizeof(addr[i]), "PA %#" PRIx64, s->addr);
		/* The step's number (16-pixel, two digits at most) then its address. */
		need = 32 + svg_text_w(strlen(addr[i]), 11);
		if (need < SVG_PAD + svg_text_w(18, 11))
			need = SVG_PAD + svg_text_w(18, 11);
		for (int k = 0; k < lines[i].n; k++)
			if (need < SVG_PAD + svg_text_w((size_t)lines[i].l[k].len, 9))
				need = SVG_PAD + svg_text_w((size_t)lines[i].l[k].len, 9);
		if (colw[c] < need + SVG_PAD)
			colw[c] = need + SVG_PAD;
	}
	/* The stage-2 columns alike, a grid: the widest one's width. */
	for (int c = 1; c < cols - (mmu_on ? 1 : 0); c++)
		if (colw[0] < colw[c])
			colw[0] = colw[c];
	for (int c = 1; c < cols - (mmu_on ? 1 : 0); c++)
		colw[c] = colw[0];
	for (int r = 0; r < nrows; r++) {
		int lw;

		if (rows[r] == ROW_FINAL)
			snprintf(label[r], sizeof(label[r]), "%s", mmu_on ? "output IPA" : "IPA");
		else
			snprintf(label[r], sizeof(label[r]), "stage 1 L%d", rows[r]);
		lw = 8 + svg_text_w(strlen(label[r]), 11) + 12;
		if (x0 < lw)
			x0 = lw;
	}
	for (int c = 0; c < cols; c++)
		colx[c] = c ? colx[c - 1] + colw[c - 1] + SVG_GAP : x0;
	/* Number and address, the value, then the decoding's lines. */
	ch = 54 + (maxl - 1) * SVG_LINE_H + 8 + SVG_GAP;
	snprintf(foot, sizeof(foot), "%d descriptor reads. Blue: stage-2 descriptors, "
		 "green: stage-1 descriptors, red: the fault.", w->reads);
	width = colx[cols - 1] + colw[cols - 1] + 20;
	if (width < 10 + svg_text_w(strlen(title), 15) + 10)
		width = 10 + svg_text_w(strlen(title), 15) + 10;
	if (width < 10 + svg_text_w(strlen(foot), 12) + 10)
		width = 10 + svg_text_w(strlen(foot), 12) + 10;
	height = y0 + nrows * ch + 40;

	f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "s2mm explain: cannot write %s\n", path);
		return 2;
	}
	fprintf(f, "<svg xmlns='http://www.w3.org/2000/svg' width='%d' height='%d' "
		   "font-family='monospace' font-size='11'>\n", width, height);
	fprintf(f, "<rect width='100%%' height='100%%' fill='white'/>\n");
	svg_textf(f, 10, 22, " font-size='15' font-weight='bold'", title, strlen(title));
	for (int c = 0; c < cols; c++)
		svg_textf(f, colx[c] + SVG_PAD, y0 - 10, " font-weight='bold'", head[c],
			  strlen(head[c]));
	for (int r = 0; r < nrows; r++) {
		svg_textf(f, 8, y0 + r * ch + ch / 2, " font-weight='bold'", label[r],
			  strlen(label[r]));
		for (int c = 0; c < cols; c++)
			fprintf(f, "<rect x='%d' y='%d' width='%d' height='%d' fill='#f4f4f4' "
				   "stroke='#ccc'/>\n", colx[c], y0 + r * ch, colw[c], ch - SVG_GAP);
	}
	for (int i = 0; i < w->n; i++) {
		const struct step *s = &w->steps[i];
		int r = 0, c;
		char num[12], val[24];

		while (r < nrows && rows[r] != s->row)
			r++;
		c = s->col == -9 ? cols - 1 : s->col - g->start_level;
		int x = colx[c], y = y0 + r * ch;
		const char *fill = s->fault ? "#f6b0b0" : s->col == -9 ? "#b9e4b9" : "#b8d4f0";

		fprintf(f, "<rect x='%d' y='%d' width='%d' height='%d' fill='%s' stroke='#555'/>\n",
			x, y, colw[c], ch - SVG_GAP, fill);
		snprintf(num, sizeof(num), "%d", i + 1);
		snprintf(val, sizeof(val), "%#018" PRIx64, s->val);
		svg_textf(f, x + SVG_PAD, y + 20, " font-size='16' font-weight='bold'", num,
			  strlen(num));
		svg_textf(f, x + 32, y + 18, "", addr[i], strlen(addr[i]));
		svg_textf(f, x + SVG_PAD, y + 38, "", val, strlen(val));
		for (int k = 0; k < lines[i].n; k++)
			svg_textf(f, x + SVG_PAD, y + 54 + k * SVG_LINE_H, " font-size='9'",
				  s->what + lines[i].l[k].off, (size_t)lines[i].l[k].len);
	}
	svg_textf(f, 10, height - 14, " font-size='12'", foot, strlen(foot));
	fprintf(f, "</svg>\n");
	if (fclose(f)) {
		fprintf(stderr, "s2mm explain: cannot write %s\n", path);
		return 2;
	}
	return 0;
}

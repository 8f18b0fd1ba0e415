/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target for the s2mm command's input parsers. The first byte picks
 * one, the rest is its input:
 *   0  the numbers and sizes of options (parse_u64, parse_size), against
 *      a reference of the grammar they document;
 *   1  lackey lines (lackey_parse) in a buffer as `s2mm trace` gives
 *      them, against a reference of the line syntax; each line also cut
 *      short before its '\n' (where a read ended), never to be taken;
 *   2  a ChampSim trace (plain, gzip or xz by its first bytes): a plain
 *      one must give exactly its whole 64-byte records, field by field,
 *      and a cut one must end in -EPIPE;
 *   3  an s2mm trace as is; 4 the same with the bytes after the 32-byte
 *      header compressed here, so that the record decoder sees what the
 *      input says rather than zstd's errors.
 * Whatever the bytes, no crash, no hang, no leak (the sanitizers and
 * libFuzzer's -timeout), and an input refused comes with an error and a
 * message, never as a silent success or a shorter trace.
 */
#define _GNU_SOURCE /* memfd_create */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <zstd.h>

#include "champsim.h"
#include "lackey.h"
#include "parse_num.h"
#include "s2trace.h"

#define FAIL(...)                                                              \
	do {                                                                   \
		fprintf(stderr, "fuzz_cli_parse: " __VA_ARGS__);               \
		fprintf(stderr, "\n");                                         \
		abort();                                                       \
	} while (0)

/* ------------------------------------------------------------------ */
/* Numbers.                                                             */
/* ------------------------------------------------------------------ */

static int digit(char c, unsigned int base)
{
	int d = c >= '0' && c <= '9' ? c - '0' :
		c >= 'a' && c <= 'f' ? c - 'a' + 10 :
		c >= 'A' && c <= 'F' ? c - 'A' + 10 : 99;
	return d < (int)base ? d : -1;
}

/* The documented grammar: [1-9][0-9]* | 0x[0-9a-f]+ | 0[0-7]*, then
 * K, M or G, with no overflow. Return: whether @s is one; *@rest: what
 * follows. */
static bool ref_number(const char *s, uint64_t *v, const char **rest)
{
	unsigned int base = 10, shift = 0;
	uint64_t x = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && digit(s[2], 16) >= 0) {
		base = 16;
		s += 2;
	} else if (s[0] == '0') {
		base = 8;
	} else if (digit(s[0], 10) < 0) {
		return false;
	}
	for (; digit(*s, base) >= 0; s++) {
		if (x > (UINT64_MAX - (uint64_t)digit(*s, base)) / base)
			return false;
		x = x * base + (uint64_t)digit(*s, base);
	}
	switch (*s) {
	case 'k': case 'K': shift = 10; s++; break;
	case 'm': case 'M': shift = 20; s++; break;
	case 'g': case 'G': shift = 30; s++; break;
	}
	if (x > (UINT64_MAX >> shift))
		return false;
	*v = x << shift;
	*rest = s;
	return true;
}

static void numbers(const char *s)
{
	uint64_t v = 0x5a5a, want;
	const char *rest;
	bool ok = ref_number(s, &want, &rest);
	bool got = parse_u64(s, &v);
	unsigned long long size = parse_size(s);

	if (got != (ok && !*rest))
		FAIL("parse_u64(\"%s\"): %s, expected %s", s, got ? "accepted" : "refused",
		     got ? "refused" : "accepted");
	if (got && v != want)
		FAIL("parse_u64(\"%s\") = %llu, expected %llu", s, (unsigned long long)v,
		     (unsigned long long)want);
	if (!got && v != 0x5a5a)
		FAIL("parse_u64(\"%s\") refused but wrote its result", s);
	if (ok && (!*rest || !strcmp(rest, "B") || !strcmp(rest, "iB"))) {
		if (size != want)
			FAIL("parse_size(\"%s\") = %llu, expected %llu", s, size,
			     (unsigned long long)want);
	} else if (size) {
		FAIL("parse_size(\"%s\") = %llu, expected an error", s, size);
	}
}

/* ------------------------------------------------------------------ */
/* Lackey lines.                                                        */
/* ------------------------------------------------------------------ */

/* The line syntax: " ?[ILSM] +hex{1,16},dec\r?", size 1..4096, within the
 * VA limit; skipped: "==", "--", "#" starts, "" and "\r". */
static int ref_lackey(const char *p, const char *nl, uint64_t limit, struct lackey_access *a)
{
	static const char kinds[] = "ILSM";
	uint64_t addr = 0, size = 0;
	int n;

	if (p == nl || (nl - p >= 2 && (!memcmp(p, "==", 2) || !memcmp(p, "--", 2))) ||
	    *p == '#' || (nl - p == 1 && *p == '\r'))
		return 0;
	if (*p == ' ')
		p++;
	if (p == nl || !*p || !strchr(kinds, *p))
		return -1;
	a->kind = (enum lackey_kind)(strchr(kinds, *p) - kinds);
	if (++p == nl || *p != ' ')
		return -1;
	while (p < nl && *p == ' ')
		p++;
	for (n = 0; p < nl && digit(*p, 16) >= 0; p++, n++)
		addr = addr << 4 | (uint64_t)digit(*p, 16);
	if (!n || n > 16 || p == nl || *p++ != ',')
		return -1;
	for (n = 0; p < nl && digit(*p, 10) >= 0; p++, n++)
		if (size <= 4096)
			size = size * 10 + (uint64_t)digit(*p, 10);
	if (p < nl && *p == '\r')
		p++;
	if (!n || p != nl || !size || size > 4096 || addr + size - 1 >= limit ||
	    addr + size < addr)
		return -1;
	a->addr = addr;
	a->size = size;
	return 1;
}

/*
 * The bytes lackey_parse() is given up to @end: @k of @line, the NUL, then
 * padding of hex digits, as stale bytes of an earlier read could be.
 */
static int lackey_cut(const char *line, size_t k, uint64_t limit, struct lackey_access *a,
		      const char **next, const char **why)
{
	char buf[96 + 1 + LACKEY_PAD];

	memcpy(buf, line, k);
	buf[k] = '\0';
	memset(buf + k + 1, '7', LACKEY_PAD - 1);
	return lackey_parse(buf, buf + k, limit, a, next, why);
}

static void lackey(const char *in, size_t len, uint64_t limit)
{
	/* As replay_file() gives them: a '\n' after a last line without one,
	 * the NUL, then the padding (hex digits: the NUL must stop them). */
	char *buf = malloc(len + 2 + LACKEY_PAD);
	const char *p, *end;

	if (!buf)
		return;
	memcpy(buf, in, len);
	if (len && buf[len - 1] != '\n')
		buf[len++] = '\n';
	buf[len] = '\0';
	memset(buf + len + 1, '7', LACKEY_PAD);
	p = buf;
	end = buf + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *why = NULL, *next = NULL;
		struct lackey_access a = { 0 }, b = { 0 };
		int got, want;

		got = lackey_parse(p, end, limit, &a, &next, &why);
		want = ref_lackey(p, nl, limit, &b);
		if (got != want)
			FAIL("lackey line '%.*s': %d, expected %d", (int)(nl - p), p, got, want);
		if (got < 0 && (!why || !*why))
			FAIL("lackey line refused without a reason");
		if (got >= 0 && next != nl + 1)
			FAIL("lackey line '%.*s': next line %td bytes on, expected %td",
			     (int)(nl - p), p, next - p, nl + 1 - p);
		if (got > 0 && (a.addr != b.addr || a.size != b.size || a.kind != b.kind))
			FAIL("lackey line '%.*s': %#llx,%llu kind %d, expected %#llx,%llu kind %d",
			     (int)(nl - p), p, (unsigned long long)a.addr,
			     (unsigned long long)a.size, a.kind, (unsigned long long)b.addr,
			     (unsigned long long)b.size, b.kind);
		/* Cut before its '\n' (where a read ended), a line is never taken. */
		for (size_t k = 0; k <= (size_t)(nl - p) && k <= 96; k++) {
			why = NULL;
			if (lackey_cut(p, k, limit, &a, &next, &why) >= 0 || !why || !*why)
				FAIL("lackey line '%.*s' cut to %zu bytes: not refused",
				     (int)(nl - p), p, k);
		}
		p = nl + 1;
	}
	free(buf);
}

/* ------------------------------------------------------------------ */
/* Trace files, through a memory file as the command reads a file.      */
/* ------------------------------------------------------------------ */

static int mem_file(const void *data, size_t len)
{
	int fd = memfd_create("fuzz", MFD_CLOEXEC);

	if (fd < 0 || (len && write(fd, data, len) != (ssize_t)len) ||
	    lseek(fd, 0, SEEK_SET))
		FAIL("memfd: %s", strerror(errno));
	return fd;
}

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void champsim(const uint8_t *data, size_t len)
{
	static const uint8_t gz[] = { 0x1f, 0x8b }, xz[] = { 0xfd, '7', 'z', 'X', 'Z', 0 };
	bool plain = !(len >= 2 && !memcmp(data, gz, 2)) && !(len >= 6 && !memcmp(data, xz, 6));
	struct champsim_reader *r = NULL;
	struct champsim_rec rec;
	int fd = mem_file(data, len), ret;
	uint64_t n = 0;

	ret = champsim_reader_open(&r, fd);
	if (ret) {
		if (!r || !*champsim_reader_error(r))
			FAIL("champsim_reader_open: %d without a message", ret);
		goto out;
	}
	while ((ret = champsim_read(r, &rec)) == 1) {
		const uint8_t *p = data + n * CHAMPSIM_RECORD_SIZE;

		if (rec.n != ++n)
			FAIL("ChampSim record %llu numbered %llu", (unsigned long long)n,
			     (unsigned long long)rec.n);
		if (!plain)
			continue;
		if (rec.ip != le64(p) || rec.is_branch != p[8] || rec.branch_taken != p[9] ||
		    rec.dst_mem[0] != le64(p + 16) || rec.dst_mem[1] != le64(p + 24) ||
		    rec.src_mem[0] != le64(p + 32) || rec.src_mem[3] != le64(p + 56))
			FAIL("ChampSim record %llu differs from its bytes", (unsigned long long)n);
		if (n > len / CHAMPSIM_RECORD_SIZE)
			FAIL("more ChampSim records than bytes");
	}
	if (ret < 0 && !*champsim_reader_error(r))
		FAIL("champsim_read: %d without a message", ret);
	if (plain) {
		if (n != len / CHAMPSIM_RECORD_SIZE)
			FAIL("%llu ChampSim records of %zu bytes", (unsigned long long)n, len);
		if ((len % CHAMPSIM_RECORD_SIZE) ? ret != -EPIPE : ret != 0)
			FAIL("plain ChampSim trace of %zu bytes ends with %d", len, ret);
	}
out:
	champsim_reader_close(r);
	close(fd);
}

static void s2trace(const uint8_t *data, size_t len, bool compress)
{
	static uint8_t buf[1 << 16];
	struct s2t_reader *r = NULL;
	struct s2t_rec rec;
	const struct s2t_header *h;
	uint64_t n = 0;
	size_t blen = len;
	int fd, ret;

	if (compress) {
		/* A header that passes, then the input's records. */
		uint8_t hdr[S2T_HEADER_SIZE] = { 0 };
		size_t head = len < 8 ? len : 8, z;

		memcpy(hdr, S2T_MAGIC, S2T_MAGIC_LEN);
		hdr[8] = S2T_VERSION;
		hdr[12] = head ? data[0] & 3 : 0;
		hdr[16] = 1 + (head > 1 ? data[1] & 7 : 0);
		memcpy(buf, hdr, sizeof(hdr));
		z = ZSTD_compress(buf + sizeof(hdr), sizeof(buf) - sizeof(hdr), data + head,
				  len - head, 1);
		if (ZSTD_isError(z))
			return;
		blen = sizeof(hdr) + z;
		data = buf;
	}
	fd = mem_file(data, blen);
	ret = s2t_reader_open(&r, fd, NULL, 0);
	if (ret) {
		if (!r || !*s2t_reader_error(r))
			FAIL("s2t_reader_open: %d without a message", ret);
		goto out;
	}
	h = s2t_reader_header(r);
	if (!h->vcpus || h->vcpus > S2T_MAX_VCPUS)
		FAIL("header with %u vCPUs accepted", h->vcpus);
	while ((ret = s2t_read(r, &rec)) == 1) {
		if (rec.n != ++n || rec.op > S2T_EVENT || rec.vcpu >= h->vcpus)
			FAIL("s2t record %llu: n %llu op %u vcpu %u", (unsigned long long)n,
			     (unsigned long long)rec.n, rec.op, rec.vcpu);
		if (rec.op != S2T_EVENT && (!rec.size || rec.size > 16 ||
					    (rec.size & (rec.size - 1))))
			FAIL("s2t record %llu: size %u", (unsigned long long)n, rec.size);
		/* Every record takes a byte at least: a loop would show. */
		if (n > 8 * (uint64_t)sizeof(buf) * 64)
			FAIL("s2t reader does not end");
	}
	if (ret < 0 && !*s2t_reader_error(r))
		FAIL("s2t_read: %d without a message", ret);
	if (!ret && s2t_read(r, &rec) != 0)
		FAIL("s2t reader went on after its end");
out:
	if (r)
		s2t_reader_close(r);
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (!size)
		return 0;
	/* The text parsers get what the command gives them: a C string. */
	s = malloc(size);
	if (!s)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	switch (data[0] % 5) {
	case 0:
		numbers(s);
		break;
	case 1:
		lackey(s, size - 1,
		       data[0] & 0x80 ? UINT64_MAX : 1ULL << (25 + (data[0] >> 3) % 24));
		break;
	case 2:
		champsim(data + 1, size - 1);
		break;
	default:
		s2trace(data + 1, size - 1, data[0] % 5 == 4);
		break;
	}
	free(s);
	return 0;
}

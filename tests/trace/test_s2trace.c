/* SPDX-License-Identifier: MIT */
/*
 * The s2mm trace format: what the writer writes the reader reads back,
 * record for record; the same calls make the same bytes; and a damaged
 * trace (cut anywhere, a byte changed, bytes added, a bad header) is an
 * error naming a record, never a crash and never a shorter trace read as
 * whole. System instructions are classified by their ARM ARM encodings.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "s2trace.h"

#define N 20000

/* A deterministic mix of what real traces hold. */
static void make_recs(struct s2t_rec *r, unsigned int n, unsigned int vcpus, bool pas)
{
	uint64_t x = 88172645463325252ULL, va[4] = { 0x400000, 0xffff800010000000ULL,
						      0x7fffff000, 0x40200000 };

	for (unsigned int i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		unsigned int k = (unsigned int)(x >> 60) & 3;
		struct s2t_rec *e = &r[i];

		memset(e, 0, sizeof(*e));
		e->n = i + 1;
		e->vcpu = (uint16_t)((x >> 20) % vcpus);
		if ((x & 0xff) == 7) {
			e->op = S2T_EVENT;
			e->insn = (x & 0x100) ? 0xd5182000 : 0xd508831f;
			e->va = va[k];
			continue;
		}
		/* Mostly small strides, sometimes a jump anywhere. */
		va[k] += ((x >> 8) & 0x40) ? (x >> 24) : ((x >> 8) & 0x3f);
		va[k] &= (1ULL << 56) - 1;
		e->va = va[k];
		e->op = (uint8_t)((x >> 40) % 3);
		e->size = (uint8_t)(1u << ((x >> 44) % 5));
		e->el1 = (x >> 50) & 1;
		e->io = ((x >> 51) & 15) == 0;
		e->pa_known = pas && ((x >> 55) & 31) != 0;
		if (e->pa_known)
			e->pa = ((x >> 12) & 0xfffff000ULL) | (e->va & 0xfff);
	}
}

/* Write @recs to a memory file; its contents in *buf, *len. */
static void write_recs(const struct s2t_rec *recs, unsigned int n, unsigned int vcpus,
		       bool pas, char **buf, size_t *len)
{
	struct s2t_header h = { .version = S2T_VERSION, .vcpus = vcpus,
				.flags = pas ? S2T_F_SYSTEM : 0,
				.ram_base = 0x40000000, .ram_size = 1ULL << 30 };
	struct s2t_writer *w;
	int fd = memfd_create("t", 0);
	off_t end;

	assert_true(fd >= 0);
	assert_int_equal(s2t_writer_open(&w, fd, &h, 3), 0);
	for (unsigned int i = 0; i < n; i++) {
		const struct s2t_rec *e = &recs[i];

		if (e->op == S2T_EVENT)
			assert_int_equal(s2t_write_sysinsn(w, e->vcpu, e->va, e->insn), 0);
		else
			assert_int_equal(s2t_write_access(w, e->vcpu, e->op, e->va, e->pa_known,
							  e->pa, e->size, e->el1, e->io), 0);
	}
	assert_int_equal(s2t_writer_records(w), n);
	assert_int_equal(s2t_writer_close(w), 0);
	end = lseek(fd, 0, SEEK_END);
	*len = (size_t)end;
	*buf = malloc(*len + 64);
	assert_int_equal(pread(fd, *buf, *len, 0), (ssize_t)*len);
	close(fd);
}

/* Read @len bytes of @buf as a trace. Return: records read, or -(record+1)
 * of the error when it failed (its message in @err). */
static long read_buf(const char *buf, size_t len, struct s2t_rec *out, char *err)
{
	int fd = memfd_create("r", 0);
	struct s2t_reader *r;
	struct s2t_rec rec;
	long n = 0, accesses = 0;
	int rc;

	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, buf, len, 0), (ssize_t)len);
	err[0] = '\0';
	if (s2t_reader_open(&r, fd, NULL, 0)) {
		snprintf(err, 200, "%s", s2t_reader_error(r));
		s2t_reader_close(r);
		close(fd);
		return -1;
	}
	while ((rc = s2t_read(r, &rec)) > 0) {
		if (out)
			out[n] = rec;
		n++;
		accesses += rec.op != S2T_EVENT;
		assert_int_equal(s2t_reader_accesses(r), accesses);
	}
	/* Nor is the end record one: the replay's trace_lines rely on it. */
	assert_int_equal(s2t_reader_accesses(r), accesses);
	if (rc < 0) {
		snprintf(err, 200, "%s", s2t_reader_error(r));
		assert_true(err[0] != '\0');
		n = -(n + 1);
	}
	/* After the end or an error, reading goes on saying so. */
	assert_int_equal(s2t_read(r, &rec) > 0, 0);
	s2t_reader_close(r);
	close(fd);
	return n;
}

static void roundtrip(unsigned int vcpus, bool pas)
{
	struct s2t_rec *in = calloc(N, sizeof(*in)), *out = calloc(N, sizeof(*out));
	char *buf, err[256];
	size_t len;

	make_recs(in, N, vcpus, pas);
	write_recs(in, N, vcpus, pas, &buf, &len);
	assert_int_equal(read_buf(buf, len, out, err), N);
	for (unsigned int i = 0; i < N; i++) {
		const struct s2t_rec *a = &in[i], *b = &out[i];

		assert_int_equal(b->n, i + 1);
		assert_int_equal(b->op, a->op);
		assert_int_equal(b->vcpu, a->vcpu);
		assert_int_equal(b->va, a->va);
		if (a->op == S2T_EVENT) {
			assert_int_equal(b->insn, a->insn);
			continue;
		}
		assert_int_equal(b->size, a->size);
		assert_int_equal(b->el1, a->el1);
		assert_int_equal(b->io, a->io);
		assert_int_equal(b->pa_known, a->pa_known);
		if (a->pa_known)
			assert_int_equal(b->pa, a->pa);
	}
	free(buf);
	free(in);
	free(out);
}

static void test_roundtrip_machine(void **state)
{
	(void)state;
	roundtrip(4, true);
}

static void test_roundtrip_user(void **state)
{
	(void)state;
	roundtrip(1, false);
}

static void test_same_bytes(void **state)
{
	struct s2t_rec *in = calloc(N, sizeof(*in));
	char *a, *b;
	size_t la, lb;

	(void)state;
	make_recs(in, N, 3, true);
	write_recs(in, N, 3, true, &a, &la);
	write_recs(in, N, 3, true, &b, &lb);
	assert_int_equal(la, lb);
	assert_memory_equal(a, b, la);
	free(a);
	free(b);
	free(in);
}

/* Every cut of the file is an error, never a whole trace. */
static void test_truncated(void **state)
{
	struct s2t_rec *in = calloc(2000, sizeof(*in));
	char *buf, err[256];
	size_t len;

	(void)state;
	make_recs(in, 2000, 2, true);
	write_recs(in, 2000, 2, true, &buf, &len);
	for (size_t cut = 0; cut < len; cut++) {
		long n = read_buf(buf, cut, NULL, err);

		assert_true(n < 0);
		if (!(strstr(err, "truncated") || strstr(err, "corrupt") || strstr(err, "header")))
			fprintf(stderr, "cut %zu: %s\n", cut, err);
		assert_true(strstr(err, "truncated") || strstr(err, "corrupt") ||
			    strstr(err, "header"));
		if (cut > 64 && !strstr(err, "header"))
			assert_true(strstr(err, "record") != NULL);
	}
	free(buf);
	free(in);
}

/* A changed byte anywhere after the header: an error or, where zstd
 * cannot tell (a literal), a trace that still ends where it should. */
static void test_corrupt(void **state)
{
	struct s2t_rec *in = calloc(2000, sizeof(*in));
	char *buf, err[256];
	size_t len;
	unsigned int errors = 0;

	(void)state;
	make_recs(in, 2000, 2, true);
	write_recs(in, 2000, 2, true, &buf, &len);
	for (size_t at = S2T_HEADER_SIZE; at < len; at++) {
		long n;

		buf[at] ^= 0x5a;
		n = read_buf(buf, len, NULL, err);
		buf[at] ^= 0x5a;
		if (n < 0)
			errors++;
		else
			assert_int_equal(n, 2000); /* the end record's counts held */
	}
	/* zstd's checksum (XXH64 of the records) catches every one. */
	assert_int_equal(errors, len - S2T_HEADER_SIZE);
	free(buf);
	free(in);
}

static void test_trailing_and_header(void **state)
{
	struct s2t_rec in[100];
	char *buf, err[256];
	size_t len;

	(void)state;
	make_recs(in, 100, 1, true);
	write_recs(in, 100, 1, true, &buf, &len);
	memcpy(buf + len, "junk", 4);
	assert_true(read_buf(buf, len + 4, NULL, err) < 0);
	assert_non_null(strstr(err, "after the end"));
	buf[8] = 2; /* version */
	assert_int_equal(read_buf(buf, len, NULL, err), -1);
	assert_non_null(strstr(err, "version 2"));
	buf[8] = 1;
	buf[0] = 'x';
	assert_int_equal(read_buf(buf, len, NULL, err), -1);
	assert_non_null(strstr(err, "not an s2mm trace"));
	free(buf);
}

static void test_writer_refuses(void **state)
{
	struct s2t_header h = { .version = S2T_VERSION, .vcpus = 2 };
	struct s2t_writer *w;
	int fd = memfd_create("w", 0);

	(void)state;
	h.vcpus = 0;
	assert_int_equal(s2t_writer_open(&w, fd, &h, 3), -EINVAL);
	h.vcpus = 2;
	h.flags = 0x80;
	assert_int_equal(s2t_writer_open(&w, fd, &h, 3), -EINVAL);
	h.flags = 0;
	assert_int_equal(s2t_writer_open(&w, fd, &h, 20), -EINVAL);
	assert_int_equal(s2t_writer_open(&w, fd, &h, 0), 0);
	assert_int_equal(s2t_write_access(w, 0, S2T_LOAD, 0x1000, false, 0, 3, false, false),
			 -EINVAL);
	assert_int_equal(s2t_write_access(w, 0, S2T_EVENT, 0x1000, false, 0, 4, false, false),
			 -EINVAL);
	assert_int_equal(s2t_write_access(w, 0, S2T_LOAD, 0x1008, true, 0x2000, 8, false,
					  false), -EINVAL); /* page offsets differ */
	assert_int_equal(s2t_write_access(w, 0, S2T_LOAD, 0x1008, false, 0, 32, false, false),
			 -EINVAL);
	/* A refused call leaves the trace usable. */
	assert_int_equal(s2t_write_access(w, 1, S2T_LOAD, 0x1008, false, 0, 8, false, false), 0);
	/* A vCPU beyond the header's: the first error sticks. */
	assert_int_equal(s2t_write_access(w, 2000, S2T_LOAD, 0, false, 0, 8, false, false),
			 -EINVAL);
	assert_int_equal(s2t_writer_close(w), -EINVAL);
	close(fd);
}

static void test_sysinsn(void **state)
{
	bool va, asid;

	(void)state;
	assert_int_equal(s2t_sysinsn(0xd5182000), S2T_SYS_TTBR0);      /* msr ttbr0_el1, x0 */
	assert_int_equal(s2t_sysinsn(0xd5182021), S2T_SYS_TTBR1);      /* msr ttbr1_el1, x1 */
	assert_int_equal(s2t_sysinsn(0xd5182042), S2T_SYS_TCR);        /* msr tcr_el1, x2 */
	assert_int_equal(s2t_sysinsn(0xd5181000), S2T_SYS_SCTLR);      /* msr sctlr_el1, x0 */
	assert_int_equal(s2t_sysinsn(0xd518d020), S2T_SYS_CONTEXTIDR); /* msr contextidr_el1, x0 */
	assert_int_equal(s2t_sysinsn(0xd5382000), S2T_SYS_NONE);       /* mrs x0, ttbr0_el1 */
	assert_int_equal(s2t_sysinsn(0xd51c2000), S2T_SYS_NONE);       /* msr ttbr0_el2, x0 */
	assert_int_equal(s2t_sysinsn(0xd503201f), S2T_SYS_NONE);       /* nop */
	assert_int_equal(s2t_sysinsn(0xd508831f), S2T_SYS_TLBI);       /* tlbi vmalle1is */
	assert_string_equal(s2t_tlbi_name(0xd508831f, &va, &asid), "VMALLE1IS");
	assert_false(va);
	assert_string_equal(s2t_tlbi_name(0xd508871f, &va, &asid), "VMALLE1");
	assert_string_equal(s2t_tlbi_name(0xd5088320, &va, &asid), "VAE1IS"); /* x0 */
	assert_true(va);
	assert_string_equal(s2t_tlbi_name(0xd5088740, &va, &asid), "ASIDE1"); /* x0 */
	assert_true(asid);
	assert_string_equal(s2t_tlbi_name(0xd50887a0, &va, &asid), "VALE1");
	assert_null(s2t_tlbi_name(0xd50c831f, &va, &asid)); /* tlbi alle2is: not EL1 */
	assert_null(s2t_tlbi_name(0xd503201f, &va, &asid));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_machine), cmocka_unit_test(test_roundtrip_user),
		cmocka_unit_test(test_same_bytes),        cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_corrupt),           cmocka_unit_test(test_trailing_and_header),
		cmocka_unit_test(test_writer_refuses),    cmocka_unit_test(test_sysinsn),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* SPDX-License-Identifier: MIT */
/*
 * Replay driver for the fuzz targets without libFuzzer (any compiler): runs
 * the files named on the command line, then a fixed-seed stream of random
 * inputs, some biased towards well-formed tables, so that CI exercises the
 * harness on every build. S2MM_FUZZ_DUMP=<file> keeps the last random
 * input there, to replay a crash.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

int main(int argc, char **argv)
{
	static uint8_t buf[1 << 16];
	unsigned long iters = 20000, i;
	int k;

	for (k = 1; k < argc; k++) {
		FILE *f = fopen(argv[k], "rb");
		size_t n;
		if (!f)
			return 1;
		n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		LLVMFuzzerTestOneInput(buf, n);
	}
	const char *dump = getenv("S2MM_FUZZ_DUMP");

	if (getenv("S2MM_FUZZ_ITERS"))
		iters = strtoul(getenv("S2MM_FUZZ_ITERS"), NULL, 0);
	for (i = 0; i < iters; i++) {
		size_t n = 72 + (size_t)(next() % 16384), j;
		for (j = 0; j < n; j += 8) {
			uint64_t v = next();
			/* Bias: valid-looking descriptors pointing into the window. */
			if (j >= 72 && (v & 3) != 0)
				v = (0x40000000ULL + ((v >> 12) % (n ? n : 1) & ~0xfffULL)) |
				    (v & 0xfff0000000000fffULL) | 1 | (v & 2);
			for (size_t b = 0; b < 8 && j + b < n; b++)
				buf[j + b] = (uint8_t)(v >> (8 * b));
		}
		if (dump) {
			/* The input about to run, kept should it crash. */
			FILE *f = fopen(dump, "wb");
			if (!f || fwrite(buf, 1, n, f) != n || fclose(f))
				return 1;
		}
		LLVMFuzzerTestOneInput(buf, n);
	}
	printf("replayed %d files, %lu random inputs\n", argc - 1, iters);
	return 0;
}

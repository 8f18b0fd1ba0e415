/* SPDX-License-Identifier: MIT */
/* A small real program whose lackey trace the tests replay. */
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
	size_t n = 256 * 1024;
	unsigned char *p = malloc(n);
	unsigned long sum = 0;

	if (!p)
		return 1;
	for (size_t i = 0; i < n; i += 64)
		p[i] = (unsigned char)i;
	for (size_t i = 0; i < n; i += 512)
		sum += p[i];
	printf("%lu\n", sum);
	free(p);
	return 0;
}

/* The mutator's unit test (test_mutate.py) lists this file's mutants. */
#include <stdint.h>
#define LIMIT 3 /* directives are not mutated: 3 */

struct pair {
	int a, b;
};

static const int table[2] = { 1, 0x1f };

#if 0
static int dead(int x) { return x + 1; }
#endif

int f(int *p, int n, uint64_t *q)
{
	int s = -n; /* unary minus: no mutant; "strings < neither" */
	uint64_t *r = q;

	if (n < LIMIT && p)
		s += *p & 0x10;
	else
		s = n >> 2;
	while (!n)
		n++;
	*r = (uint64_t)&s != 0;
	return s;
}

/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pagemap.h"

static size_t slot0(const struct pagemap *m, uint64_t key)
{
	key ^= key >> 31;
	key *= 0x9E3779B97F4A7C15ULL;
	return (size_t)(key ^ key >> 29) & (m->cap - 1);
}

int64_t pagemap_get(const struct pagemap *m, uint64_t key)
{
	if (!m->cap)
		return -1;
	for (size_t i = slot0(m, key); m->key[i] != UINT64_MAX; i = (i + 1) & (m->cap - 1))
		if (m->key[i] == key)
			return (int64_t)m->val[i];
	return -1;
}

int pagemap_put(struct pagemap *m, uint64_t key, uint64_t val)
{
	size_t i;

	/* At most half full: probes stay short. */
	if (2 * (m->n + 1) > m->cap) {
		struct pagemap t = { .cap = m->cap ? 2 * m->cap : 4096 };

		t.key = malloc(t.cap * sizeof(*t.key));
		t.val = malloc(t.cap * sizeof(*t.val));
		if (!t.key || !t.val) {
			free(t.key);
			free(t.val);
			return -ENOMEM;
		}
		memset(t.key, 0xff, t.cap * sizeof(*t.key));
		for (size_t k = 0; k < m->cap; k++)
			if (m->key[k] != UINT64_MAX)
				pagemap_put(&t, m->key[k], m->val[k]);
		free(m->key);
		free(m->val);
		*m = t;
	}
	for (i = slot0(m, key); m->key[i] != UINT64_MAX && m->key[i] != key;
	     i = (i + 1) & (m->cap - 1))
		;
	m->n += m->key[i] == UINT64_MAX;
	m->key[i] = key;
	m->val[i] = val;
	return 0;
}

void pagemap_free(struct pagemap *m)
{
	free(m->key);
	free(m->val);
	*m = (struct pagemap){ 0 };
}

/* SPDX-License-Identifier: MIT */
/*
 * The encoding both ends of the s2mm trace format share (docs/
 * trace-format.md): the record tags, the varints and the translation
 * predictor that lets most records omit their PA.
 */
#ifndef S2MM_TRACE_S2T_INT_H
#define S2MM_TRACE_S2T_INT_H

#include <stdlib.h>

#include "s2trace.h"

/*
 * Tag byte. Accesses: op in bits 1:0, log2(size) in 4:2, EL1 in 5, "PA
 * follows" in 6, I/O in 7. Events (op 3): the event in bits 7:2.
 */
#define TAG_OP_MASK 3u
#define TAG_SIZE_SHIFT 2
#define TAG_SIZE_MASK (7u << TAG_SIZE_SHIFT)
#define TAG_EL1 (1u << 5)
#define TAG_PA (1u << 6)
#define TAG_IO (1u << 7)
#define TAG_EV_SHIFT 2

enum { EV_VCPU, EV_SYSINSN, EV_END };

/* The longest record: a tag, two 10-byte varints, an instruction word. */
#define MAX_RECORD 32

#define PAGE_SHIFT 12
#define PAGE_OFF ((1ULL << PAGE_SHIFT) - 1)

/*
 * The predictor: per vCPU, the last PA page seen for each VA page in a
 * direct-mapped table. A record whose PA page is the one predicted leaves
 * it out; writer and reader update the table alike, so they agree.
 */
#define PRED_BITS 12
#define PRED_SIZE (1u << PRED_BITS)

struct pred_e {
	uint64_t vpage;            /* UINT64_MAX: empty */
	uint64_t ppage1;           /* PA page + 1; 0: no PA known */
};

struct s2t_vcpu {
	uint64_t last_va[2];       /* data, fetch: the base of VA deltas */
	struct pred_e pred[PRED_SIZE];
};

/* The vCPU's state, made on first use. Return: NULL when out of memory. */
static inline struct s2t_vcpu *s2t_vcpu_get(struct s2t_vcpu **tab, unsigned int vcpu)
{
	struct s2t_vcpu *v = tab[vcpu];

	if (!v) {
		v = malloc(sizeof(*v));
		if (!v)
			return NULL;
		v->last_va[0] = v->last_va[1] = 0;
		for (unsigned int i = 0; i < PRED_SIZE; i++)
			v->pred[i] = (struct pred_e){ UINT64_MAX, 0 };
		tab[vcpu] = v;
	}
	return v;
}

static inline struct pred_e *pred_slot(struct s2t_vcpu *v, uint64_t va)
{
	return &v->pred[(va >> PAGE_SHIFT) & (PRED_SIZE - 1)];
}

static inline uint64_t zigzag(int64_t d)
{
	return ((uint64_t)d << 1) ^ (uint64_t)(d >> 63);
}

static inline int64_t unzigzag(uint64_t z)
{
	return (int64_t)(z >> 1) ^ -(int64_t)(z & 1);
}

static inline unsigned char *put_varint(unsigned char *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	*p++ = (unsigned char)v;
	return p;
}

#endif

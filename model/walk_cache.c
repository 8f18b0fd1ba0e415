/* SPDX-License-Identifier: MIT */
/*
 * The walk caches beside a TLB (enum s2_wc_type in tlb.h): set-associative
 * stores of table descriptors by level and input-address prefix (the
 * stage-1 and stage-2 walk caches) and of stage-2 leaves (the nested TLB),
 * with round-robin or LRU replacement, and the reach of each TLBI into
 * them (Arm ARM D8.13). What the walker does with a hit is walk.c's.
 * Freestanding.
 */
#include <stdbool.h>
#include <stdint.h>

#include <s2mm/error.h>
#include <s2mm/tlb.h>

#include "internal.h"
#include "walk_cache.h"

/*
 * The fill log, as the TLB's (tlb.c): VMALLE1 of the VMID whose entries
 * all lie in the slots filled since the last whole scan looks at those
 * alone. Only the stage-1 walk cache takes VMALLE1.
 */
#define WC_FILL_LOG 8
#define WC_FILL_ANY 0x10000u
_Static_assert(sizeof(((struct s2_wc *)0)->fills) == WC_FILL_LOG * sizeof(uint32_t),
	       "the fill log's size");

/*
 * The nested TLB's sizes: @shifts, and the one size for the look-up's
 * single probe (wc_leaf_find1()); none held, 63, a size no leaf has.
 */
static void shifts_set(struct s2_wc *wc, uint64_t shifts)
{
	wc->shifts = shifts;
	wc->shift1 = shifts & (shifts - 1) ? 64 :
		     (uint8_t)__builtin_ctzll(shifts | BIT(63));
	wc->key1 = WC_KEY(0, 0, 0, wc->shift1, 0);
	wc->low1 = LOWMASK(wc->shift1);
}

static void fills_reset(struct s2_wc *wc, uint32_t vmid)
{
	wc->fills_n = 0;
	wc->fills_vmid = vmid;
}

int s2_tlb_walk_cache(struct s2_tlb *tlb, enum s2_wc_type type, struct s2_wc *wc,
		      struct s2_wc_entry *entries, uint32_t sets, uint32_t ways,
		      enum s2_wc_repl repl)
{
	uint64_t i;

	if (!tlb || (unsigned)type >= S2_WC_NR)
		return -S2_EINVAL;
	if (!wc) {
		tlb->wc[type] = NULL;
		tlb->lane.state = 0;   /* the miss lane's caches changed */
		return 0;
	}
	if (!entries || !sets || (sets & (sets - 1)) || !ways ||
	    (uint64_t)sets * ways > 0xffffffffu || (unsigned)repl >= S2_WC_REPL_NR)
		return -S2_EINVAL;
	*wc = (struct s2_wc){ .entries = entries, .sets = sets, .ways = ways,
			      .set_mask = sets - 1,
			      .set_bytes = (uint64_t)ways * sizeof(*entries),
			      .repl = (uint8_t)repl };
	for (i = 0; i < (uint64_t)sets * ways; i++)
		entries[i] = (struct s2_wc_entry){ 0 };
	fills_reset(wc, WC_FILL_ANY);
	shifts_set(wc, 0);
	tlb->wc[type] = wc;
	tlb->lane.state = 0;
	return 0;
}

void wc_stats_reset(struct s2_tlb *tlb)
{
	for (unsigned t = 0; t < S2_WC_NR; t++)
		if (tlb->wc[t])
			tlb->wc[t]->stats = (struct s2_wc_stats){ 0 };
}

/* Put @n in @set: a free way, else the replacement policy's victim. */
static void fill(struct s2_wc *wc, struct s2_wc_entry *set,
		 const struct s2_wc_entry *n)
{
	uint32_t way, victim = 0;

	for (way = 0; way < wc->ways; way++) {
		if (!set[way].valid)
			break;
		if (set[way].stamp < set[victim].stamp)
			victim = way;
	}
	if (way == wc->ways) {
		/* Round robin, like the TLB's: deterministic replays. */
		way = wc->repl == S2_WC_LRU ? victim : wc->victim++ % wc->ways;
		wc->stats.evictions++;
	}
	set[way] = *n;
	if (wc->fills_n < WC_FILL_LOG)
		wc->fills[wc->fills_n] = (uint32_t)(&set[way] - wc->entries);
	if (wc->fills_n <= WC_FILL_LOG)
		wc->fills_n++;
	set[way].stamp = ++wc->clock;
	wc->stats.fills++;
}

void wc_table_fill(struct s2_wc *wc, const struct s2_mmu_tt *c, uint16_t vmid,
		   uint16_t asid, uint64_t ia, int level, uint64_t next,
		   uint8_t tbl)
{
	unsigned shift = wc_level_shift(c, level);
	struct s2_wc_entry n = {
		.tag = ia >> shift, .out = next, .vmid = vmid, .asid = asid,
		.level = (int8_t)level, .shift = (uint8_t)shift,
		.gbits = c->gbits, .valid = 1, .tbl = tbl,
	};

	fill(wc, wc_set(wc, n.tag, level), &n);
	wc->granules |= 1u << c->gbits;
}

void wc_leaf_fill(struct s2_wc *wc, uint16_t vmid, uint64_t ipa,
		  const struct s2_leaf *leaf)
{
	struct s2_wc_entry n = {
		.tag = ipa >> leaf->shift, .out = leaf->pa & ~LOWMASK(leaf->shift),
		.vmid = vmid, .level = leaf->level, .shift = leaf->shift,
		.valid = 1, .perm = leaf->perm, .memattr = leaf->memattr,
		.sh = leaf->sh,
	};

	fill(wc, wc_set(wc, n.tag, 0), &n);
	shifts_set(wc, wc->shifts | 1ULL << leaf->shift);
}

/*
 * Does TLBI @op remove entry @e of a cache of kind @type (D8.13, "scope
 * of TLB maintenance")? A "last level" operation need only remove
 * entries of the walk's last level: the walk caches hold none, so
 * VALE1, VAALE1 and IPAS2LE1 leave them. A stage-1 operation does not
 * reach stage-2 information, nor IPAS2* stage-1 information.
 */
static inline __attribute__((always_inline)) bool
tlbi_hits(unsigned type, const struct s2_tlbi *op, const struct s2_wc_entry *e)
{
	bool s1 = type == S2_WC_S1;
	bool va = s1 && ((op->addr & GENMASK(55, 0)) >> e->shift) == e->tag;
	bool ipa = !s1 && op->addr >> e->shift == e->tag;

	if (!e->valid)
		return false;
	if (op->op == S2_TLBI_ALLE1)
		return true;
	if (e->vmid != op->vmid)
		return false;
	switch (op->op) {
	case S2_TLBI_VMALLS12E1:
		return true;
	case S2_TLBI_VMALLE1:
		return s1;
	case S2_TLBI_IPAS2E1:
		return ipa;
	case S2_TLBI_IPAS2LE1:
		return ipa && type == S2_WC_NESTED;
	case S2_TLBI_VAE1:
		return va && e->asid == op->asid;
	case S2_TLBI_VAAE1:
		return va;
	case S2_TLBI_ASIDE1:
		return s1 && e->asid == op->asid;
	default:        /* VALE1, VAALE1: last level */
		return false;
	}
}

/* Remove what @op reaches from the @ways entries at @e. */
static void tlbi_ways(struct s2_wc *wc, unsigned type, const struct s2_tlbi *op,
		      struct s2_wc_entry *e)
{
	for (uint32_t w = 0; w < wc->ways; w++, e++) {
		if (tlbi_hits(type, op, e)) {
			e->valid = 0;
			wc->stats.invalidated++;
		}
	}
}

/*
 * A TLBI by address reaches only the sets its address indexes: for a walk
 * cache, one per level of each granule its entries were filled with; for
 * the nested TLB, one per block size it holds. Its block sizes stay a
 * superset of what it holds (a probe more, never one fewer).
 */
static void tlbi_addr(struct s2_wc *wc, unsigned type, const struct s2_tlbi *op)
{
	uint64_t a = type == S2_WC_S1 ? op->addr & GENMASK(55, 0) : op->addr;

	if (type == S2_WC_NESTED) {
		for (uint64_t s = wc->shifts; s; s &= s - 1) {
			unsigned shift = (unsigned)__builtin_ctzll(s);

			tlbi_ways(wc, type, op, wc_set(wc, a >> shift, 0));
		}
		return;
	}
	for (uint32_t g = wc->granules; g; g &= g - 1) {
		unsigned gbits = (unsigned)__builtin_ctz(g), stride = gbits - 3;

		for (int level = -1; level <= 2; level++) {
			unsigned shift = gbits + (unsigned)(3 - level) * stride;

			if (shift < 64)
				tlbi_ways(wc, type, op, wc_set(wc, a >> shift, level));
		}
	}
}

/*
 * The caches each operation can reach at all (tlbi_hits() says which
 * entries), so that the others are not scanned: the simulator's host
 * follows every stage-2 change with IPAS2E1 and VMALLE1, as KVM does.
 */
#define WC(t) (1u << (t))
static const uint8_t reach[S2_TLBI_NR] = {
	[S2_TLBI_ALLE1] = WC(S2_WC_S1) | WC(S2_WC_S2) | WC(S2_WC_NESTED),
	[S2_TLBI_VMALLS12E1] = WC(S2_WC_S1) | WC(S2_WC_S2) | WC(S2_WC_NESTED),
	[S2_TLBI_VMALLE1] = WC(S2_WC_S1),
	[S2_TLBI_IPAS2E1] = WC(S2_WC_S2) | WC(S2_WC_NESTED),
	[S2_TLBI_IPAS2LE1] = WC(S2_WC_NESTED),
	[S2_TLBI_VAE1] = WC(S2_WC_S1),
	[S2_TLBI_VAAE1] = WC(S2_WC_S1),
	[S2_TLBI_ASIDE1] = WC(S2_WC_S1),
	/* VALE1, VAALE1: last level, which no walk cache holds. */
};

void wc_tlbi(struct s2_tlb *tlb, const struct s2_tlbi *op)
{
	for (unsigned t = 0; t < S2_WC_NR; t++) {
		struct s2_wc *wc = tlb->wc[t];
		uint64_t n, shifts = 0;

		if (!wc || !(reach[op->op] & WC(t)) || !wc->clock)
			continue;
		if (op->op == S2_TLBI_VAE1 || op->op == S2_TLBI_VAAE1 ||
		    op->op == S2_TLBI_IPAS2E1 || op->op == S2_TLBI_IPAS2LE1) {
			tlbi_addr(wc, t, op);
			continue;
		}
		if (op->op == S2_TLBI_VMALLE1 && wc->fills_n <= WC_FILL_LOG &&
		    (wc->fills_vmid == op->vmid || wc->fills_vmid == WC_FILL_ANY)) {
			for (uint32_t i = 0; i < wc->fills_n; i++) {
				struct s2_wc_entry *e = &wc->entries[wc->fills[i]];

				if (e->valid && e->vmid == op->vmid) {
					e->valid = 0;
					wc->stats.invalidated++;
				}
			}
			fills_reset(wc, op->vmid);
			continue;
		}
		/*
		 * The whole cache. ALLE1, VMALLS12E1 and VMALLE1 are a VMID
		 * compare (ALLE1 taken as any VMID), inline here: through
		 * tlbi_hits(), a TLB-miss-heavy s2mm run (its host follows
		 * each stage-2 change with IPAS2E1 and VMALLE1) took 16.6 G
		 * instructions rather than 12.1 G (callgrind).
		 * ASIDE1 takes tlbi_hits().
		 */
		n = (uint64_t)wc->sets * wc->ways;
		for (uint64_t i = 0; i < n; i++) {
			struct s2_wc_entry *e = &wc->entries[i];
			bool hit = op->op == S2_TLBI_ASIDE1 ? tlbi_hits(t, op, e) :
				   e->valid && (op->op == S2_TLBI_ALLE1 ||
						e->vmid == op->vmid);

			if (hit) {
				e->valid = 0;
				wc->stats.invalidated++;
			} else if (e->valid) {
				shifts |= 1ULL << e->shift;
			}
		}
		if (t == S2_WC_NESTED)
			shifts_set(wc, shifts);
		/* ASIDE1 only removes: what the log covers, it still covers. */
		if (op->op != S2_TLBI_ASIDE1)
			fills_reset(wc, op->op == S2_TLBI_ALLE1 ? WC_FILL_ANY : op->vmid);
	}
}

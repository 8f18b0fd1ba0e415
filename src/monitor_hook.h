/* SPDX-License-Identifier: MIT */
/*
 * The library's reports to a break-before-make monitor
 * (include/s2mm/monitor.h): made only by a checked build (S2MM_MONITOR
 * defined), and only when the embedder set s2_mm_ops.monitor. A
 * production build compiles every call to nothing.
 */
#ifndef S2MM_MONITOR_HOOK_H
#define S2MM_MONITOR_HOOK_H

#include <s2mm/monitor.h>
#include <s2mm/ops.h>
#include <s2mm/pgtable.h>

#ifdef S2MM_MONITOR
static inline void mon_report(const struct s2_mm_ops *ops,
			      const struct s2_mon_event *ev)
{
	if (ops->monitor)
		ops->monitor(ops->ctx, ev);
}
#else
static inline void mon_report(const struct s2_mm_ops *ops,
			      const struct s2_mon_event *ev)
{
	(void)ops;
	(void)ev;
}
#endif

/* @n descriptors from @ptep of @pgt were stored (table writes only). */
static inline void mon_write(const struct s2_pgtable *pgt, uint64_t *ptep,
			     size_t n)
{
	struct s2_mon_event ev = {
		.kind = S2_MON_WRITE, .pgt = pgt, .ptep = ptep, .n = n,
	};

	mon_report(pgt->ops, &ev);
}

/* Something else happened to @pgt: @kind, with @ptep and @n if it says so. */
static inline void mon_table(const struct s2_pgtable *pgt,
			     enum s2_mon_kind kind, uint64_t *ptep, size_t n)
{
	struct s2_mon_event ev = {
		.kind = kind, .pgt = pgt, .ptep = ptep, .n = n,
	};

	mon_report(pgt->ops, &ev);
}

#endif /* S2MM_MONITOR_HOOK_H */

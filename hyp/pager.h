/* SPDX-License-Identifier: MIT */
/*
 * Guest RAM backed page by page (libs2mm's S2_SLOT_PAGER): each VM keeps
 * a record of what holds each of its pages, the host a budget of frames
 * for all of them. A page is given a zeroed frame on its first fault (no
 * RAM is zeroed up front), taken away into the compressed store by the
 * reclaimer (swap.c) and brought back on its next fault, or merged into a
 * frame several pages share read-only (ksm.c) until one of them writes.
 *
 * Locks, outermost first: pager_host_lock (a reclaim or merge pass; VMs
 * joining or leaving), a VM's mm_lock, pager_lock (every record, the
 * budget, the store). The fault path holds its VM's mm_lock shared.
 */
#ifndef S2HYP_PAGER_H
#define S2HYP_PAGER_H

#include <stdbool.h>
#include <stdint.h>

#include "hyp.h"
#include "zstore.h"

struct hyp_vm;

/* What holds a guest page. */
enum pg_state {
	PG_NONE,	/* never touched: reads as zero */
	PG_PRIVATE,	/* a frame of its own: val is its PA */
	PG_SWAPPED,	/* in the store: val is the zstore handle */
	PG_SHARED,	/* a read-only frame shared with other pages: val
			 * is its PA, palloc_refcount() counts the pages */
};

/* A VM's record (struct hyp_vm.pg). */
struct pager_vm {
	uint64_t pages;
	uint8_t *state;		/* enum pg_state per page */
	uint64_t *val;
	uint64_t clock;		/* reclaim's hand */
	uint64_t scan;		/* merging's hand */
	uint64_t passes;	/* merging sweeps over the whole VM */
	bool ready_at_sweep_start;	/* the guest was ready (harness) */
};

/* The host's side of all pager VMs. */
struct pager_stats {
	uint64_t budget;	/* frames for guest pages and the store */
	uint64_t used, peak;	/* frames in use now, at most */
	uint64_t arena_frames;	/* of them the store's arena */
	uint64_t zero_fills, pages_out, pages_in;
	uint64_t store_peak;	/* arena bytes in use, at most */
	uint64_t starved;	/* faults told to retry: no frame */
	uint64_t cow_breaks;	/* writes to shared frames */
	uint64_t shared_frames;	/* shared frames some page maps */
	uint64_t shared_pages;	/* guest pages on them */
	uint64_t ram_pages;	/* guest RAM of the live VMs, in pages */
	uint64_t ram_peak;	/* ... at most */
};

extern hyp_lock_t pager_lock;
extern hyp_lock_t pager_host_lock;
extern struct pager_stats pager_stats;
extern struct zstore pager_store;
/* A fault found no frame: the reclaimer has work. */
extern bool pager_starved;

/**
 * pager_init() - Once: a budget of @budget_frames frames for every pager
 * VM's pages, @arena_frames of them (a power of two) for the store.
 * Return: 0 or a negative S2_E* code.
 */
int pager_init(uint64_t budget_frames, uint64_t arena_frames);

/**
 * pager_vm_init() - @vm's RAM slot backed by the pager: the record and
 * the libs2mm pager. Before the slot is added. Return: 0 or -S2_ENOMEM.
 */
int pager_vm_init(struct hyp_vm *vm);
/** pager_vm_fini() - Give back every frame and stored page of @vm. */
void pager_vm_fini(struct hyp_vm *vm);

/**
 * pager_copy_in() - Write @len bytes at offset @off of @vm's RAM from the
 * host (the boot loader), giving frames to the pages first. Before
 * pager_vm_add(): reclaim must not take a page it is writing.
 * Return: 0 or -S2_ENOMEM (budget spent).
 */
int pager_copy_in(struct hyp_vm *vm, uint64_t off, const void *src,
		  uint64_t len);

/** pager_frame_alloc() - Under pager_lock: a frame of the budget, not
 * zeroed, or 0. */
uint64_t pager_frame_alloc(void);
/** pager_frame_free() - Under pager_lock: give a frame back. */
void pager_frame_free(uint64_t pa);
/** pager_unshare() - Under pager_lock: one page less maps shared frame
 * @pa. The last one leaves it to ksm.c to free (its table may still
 * name it). */
void pager_unshare(uint64_t pa);

/** pager_vms() - The live pager VMs (under pager_host_lock). */
unsigned int pager_vms(struct hyp_vm ***vms);
/** pager_vm_add() / pager_vm_remove() - @vm joins or leaves the live set
 * (started, about to be destroyed). */
void pager_vm_add(struct hyp_vm *vm);
void pager_vm_remove(struct hyp_vm *vm);

/** pager_report() - The budget's line, on the console. */
void pager_report(void);

#endif

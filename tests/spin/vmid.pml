/* SPDX-License-Identifier: MIT */
/*
 * Promela model of the VMID allocator, src/vmid.c, for spin.
 * docs/vmid-model.md says what is modelled, what is abstracted and why
 * that is sound, and how to run it (tests/spin/check.sh).
 *
 * Each C function, or the part of it a step models, is cited as
 * "name(), src/vmid.c:A-B"; vmid.manifest records those ranges and a hash
 * of each function's text, and check.sh --drift fails when they no longer
 * match the C: re-read the function, fix the model, then update both.
 *
 * Granularity: one Promela step per access to a variable that another CPU
 * touches outside the lock (the generation, a VM's value, the active
 * slots, the lock word), each atomic access being one atomic step, as the
 * C11 atomics are. Plain accesses to what only the lock holder touches
 * (bitmap, cur_idx, reserved values) are folded into the neighbouring
 * step: no other CPU can observe or change them in between, so the fold
 * removes no behaviour. The holder's own loads of the generation and of a
 * VM's value are folded likewise: only the holder writes those.
 *
 * Memory order: the model is sequentially consistent, while src/vmid.c
 * uses relaxed accesses but for the lock. The argument it rests on (the
 * comment at the top of src/vmid.c) needs only what the model keeps: an
 * RMW on an active slot reads the latest value of that slot (so the fast
 * path's compare-and-swap and a rollover's exchange are ordered), and the
 * lock's acquire/release orders the slow paths. Stale relaxed loads of the
 * generation or of a VM's value only send a CPU to the slow path or to
 * that compare-and-swap, which the model explores. That the flush is
 * complete before a value of the new generation is visible is the
 * embedder's DSB in ops->tlbi_all (vmid.h), taken for granted here.
 *
 * Configuration (cpp, e.g. spin -DNCPU=3 -DNIDX=5 -a vmid.pml):
 *  NCPU  CPUs (s2_vmid_init()'s ncpus);
 *  NIDX  VMID indices, 0 .. NIDX-1; 0 is never handed out, so NIDX-1 usable
 *        (the C's vmid_mask + 1; s2_vmid_narrow(a, 2) gives NIDX = 4);
 *  NVM   VMs, more than NIDX-1 so that the space rolls over.
 * Broken variants, each of which must yield a counterexample:
 *  BROKEN_NO_RESERVED  a rollover keeps no VMID for the running CPUs;
 *  BROKEN_NO_FLUSH     a rollover does not call ops->tlbi_all;
 *  BROKEN_FAST_STORE   the fast path stores its active slot instead of
 *                      compare-and-swapping it (the race the comment
 *                      at the top of src/vmid.c describes).
 */

#ifndef NCPU
#define NCPU 2
#endif
#ifndef NIDX
#define NIDX 4
#endif
#ifndef NVM
#define NVM 4
#endif

/*
 * A value is generation | index, as in the C with the generation counted in
 * units of NIDX (the C's generation is a multiple of vmid_mask + 1).
 * Generation 0 is "never ran"; real generations start at 1.
 */
#define MK(g, i)	((g) * NIDX + (i))
/*
 * gen_of(), src/vmid.c:148-151, compared with current_gen(),
 * src/vmid.c:153-156, which is gen here.
 */
#define GEN_OF(v)	((v) / NIDX)
#define IDX_OF(v)	((v) % NIDX)
#define NO_IDX		255
/* active_idle(), src/vmid.c:369-372: generation 1 | VMID 0. */
#define IDLE		MK(1, 0)
#define BIT(i)		(1 << (i))

/* struct s2_vmid_alloc, as s2_vmid_init(), src/vmid.c:254-283 leaves it. */
byte gen = 1;			/* generation, in units of NIDX */
byte owner;			/* the lock word: 0, or 1 + the CPU that holds it */
byte cur_idx = 1;		/* last VMID handed out */
byte map = BIT(0);		/* VMIDs used in this generation; I3 */
byte cpu_active[NCPU];		/* per-CPU active value */
byte cpu_reserved[NCPU];		/* per-CPU reserved value */
/* struct s2_vmid of each VM: 0, never ran. */
byte vm_id[NVM];

/*
 * The C's locals that hold a value: global so that the generation
 * renumbering below can reach them. fv: s2_vmid_update()'s v (and
 * update_slow()'s, new_vmid()'s old: the same load under the lock); fo:
 * old_active.
 */
byte fv[NCPU];
byte fo[NCPU];
/*
 * The VM each CPU runs next (the embedder's choice), from the pick until
 * the guest starts, NOSEL otherwise; global for canon().
 */
#define NOSEL	255
byte sel[NCPU] = NOSEL;

/*
 * What the hardware and the properties need (not in the C): the VM a CPU
 * runs (m + 1, or 0 when no guest executes there), the VMID it runs it with
 * (what VTTBR_EL2.VMID holds), and each CPU's TLB: for each VMID, the VM
 * (m + 1) whose entries tagged with it the TLB may hold, or 0.
 */
byte run_vm[NCPU];
byte run_idx[NCPU];
byte tlb[NCPU * NIDX];
/*
 * For the progress property: the CPU is inside s2_vmid_update(); it is
 * waiting for the lock.
 */
bool ask[NCPU];
bool waits[NCPU];

/* Scratch of the d_steps: 0 between steps, so no state differs by them. */
byte sk, st, sg, sr;

/*
 * Generation renumbering: a modelling device, not in the C. The C's
 * generation only grows (64 bits), which no finite model can hold. But the
 * C only ever compares generations for equality (gen_of(v) ==
 * current_gen(a), whole values for equality), and makes a new one as
 * current + 1. Renaming the generations held anywhere in the state by an
 * order-preserving map that keeps them distinct therefore yields a state
 * the C cannot tell apart from the original: every later comparison has
 * the same outcome. Closing the gaps (a generation no value holds any
 * more) bounds the generations by the number of values held, so the
 * model covers any number of rollovers. Values with index 0 (0 itself and
 * IDLE) are never compared by generation (their index matches no VM's),
 * so they are left alone.
 */
#define HOLDS(v, gg)	(IDX_OF(v) != 0 && GEN_OF(v) == (gg))
#define SHIFT(v, gg)	if :: IDX_OF(v) != 0 && GEN_OF(v) > (gg) -> v = v - NIDX :: else fi

inline renumber()
{
	sg = 1;
	do
	:: sg < gen ->
		sr = 0;
		sk = 0;
		do
		:: sk < NVM -> if :: HOLDS(vm_id[sk], sg) -> sr = 1 :: else fi; sk++
		:: else -> break
		od;
		sk = 0;
		do
		:: sk < NCPU ->
			if
			:: HOLDS(cpu_active[sk], sg) || HOLDS(cpu_reserved[sk], sg) ||
			   HOLDS(fv[sk], sg) || HOLDS(fo[sk], sg) -> sr = 1
			:: else
			fi;
			sk++
		:: else -> break
		od;
		if
		:: sr -> sg++
		:: else ->
			/* No value of generation g: close the gap. */
			sk = 0;
			do
			:: sk < NVM -> SHIFT(vm_id[sk], sg); sk++
			:: else -> break
			od;
			sk = 0;
			do
			:: sk < NCPU ->
				SHIFT(cpu_active[sk], sg); SHIFT(cpu_reserved[sk], sg);
				SHIFT(fv[sk], sg); SHIFT(fo[sk], sg);
				sk++
			:: else -> break
			od;
			gen--
		fi
	:: else -> break
	od;
	sg = 0; sr = 0; sk = 0
}

/* find_free_idx(), src/vmid.c:116-133: first clear bit at or after from. */
inline find_free_idx(from, idx)
{
	idx = from;
	do
	:: idx < NIDX && (map & BIT(idx)) -> idx++
	:: idx < NIDX && !(map & BIT(idx)) -> break
	:: idx >= NIDX -> idx = NO_IDX; break
	od
}

/*
 * test_and_set_idx(), src/vmid.c:106-113, with update_reserved(),
 * src/vmid.c:190-202: new_vmid()'s attempt to keep the VM's old index
 * (src/vmid.c:223-233). Sets kept when it may.
 */
inline keep_old_idx(old, nv, kept)
{
	kept = 0;
	sk = 0;
	do
	:: sk < NCPU ->
		if
		:: cpu_reserved[sk] == old -> cpu_reserved[sk] = nv; kept = 1
		:: else
		fi;
		sk++
	:: else -> break
	od;
	sk = 0;
	if
	:: !kept && !(map & BIT(IDX_OF(old))) -> map = map | BIT(IDX_OF(old)); kept = 1
	:: else
	fi
}

/*
 * Property (a) and (b), an invariant of every state (checked by the
 * monitor below, and by the CPU itself when its guest starts):
 *  (a) two CPUs running different VMs never run them with the same VMID;
 *  (b) the VMID a CPU runs VM m with is m's in the current generation:
 *      m's value holds that index, and is of the current generation, or
 *      carried into it by the allocator: still in some CPU's active slot
 *      (the rollover in progress will swap it out and reserve it), or
 *      swapped out and reserved by a CPU that has not updated since
 *      (new_vmid() will give m the same index again; I2). So a VM never
 *      runs with a VMID left from an older generation, one that this
 *      generation may hand to another VM.
 */
#define KEPT_BY(v, d)	(cpu_active[d] == (v) || \
			 (cpu_active[d] == 0 && cpu_reserved[d] == (v)))
#define OWNED(c)	(run_vm[c] == 0 || \
			 (IDX_OF(vm_id[run_vm[c] - 1]) == run_idx[c] && \
			  (GEN_OF(vm_id[run_vm[c] - 1]) == gen || \
			   KEPT_BY_ANY(vm_id[run_vm[c] - 1]))))
#define CLASH(c, d)	(run_vm[c] != 0 && run_vm[d] != 0 && \
			 run_vm[c] != run_vm[d] && run_idx[c] == run_idx[d])
#if NCPU == 2
#define KEPT_BY_ANY(v)	(KEPT_BY(v, 0) || KEPT_BY(v, 1))
#define SAFE	(!CLASH(0, 1) && OWNED(0) && OWNED(1))
#elif NCPU == 3
#define KEPT_BY_ANY(v)	(KEPT_BY(v, 0) || KEPT_BY(v, 1) || KEPT_BY(v, 2))
#define SAFE	(!CLASH(0, 1) && !CLASH(0, 2) && !CLASH(1, 2) && \
		 OWNED(0) && OWNED(1) && OWNED(2))
#else
#error "the properties are spelt out for NCPU 2 and 3"
#endif

/*
 * ops->tlbi_all (called at src/vmid.c:183): broadcast and complete on
 * return, so every TLB is empty then. A CPU whose guest is executing may
 * refill its entries at once: the model refills them (more entries only
 * make property (c) harder to meet).
 */
inline tlbi_all()
{
	sk = 0;
	do
	:: sk < NCPU * NIDX -> tlb[sk] = 0; sk++
	:: else -> break
	od;
	sk = 0;
	do
	:: sk < NCPU ->
		if
		:: run_vm[sk] != 0 -> tlb[sk * NIDX + run_idx[sk]] = run_vm[sk]
		:: else
		fi;
		sk++
	:: else -> break
	od;
	sk = 0
}

/*
 * VM symmetry, a modelling device like renumber(): the VMs are alike, so
 * renaming them throughout a state (their values, the CPUs' choices, the
 * VMs the CPUs run and the TLB entries' owners) yields a state the C and
 * the properties cannot tell apart. canon() sorts the VMs by value (ties,
 * VMs that never ran, by which CPUs chose them), so that states differing
 * only in the names of the VMs are stored once. Any renaming would be
 * sound; sorting only makes it a good reduction.
 */
#define VKEY(i)	(vm_id[i] * 8 + SELBY(i))
#if NCPU == 2
#define SELBY(i)	((sel[0] == (i)) + 2 * (sel[1] == (i)))
#else
#define SELBY(i)	((sel[0] == (i)) + 2 * (sel[1] == (i)) + 4 * (sel[2] == (i)))
#endif
#define SWAPV(a, i, j)	if :: a == (i) -> a = (j) :: a == (j) -> a = (i) :: else fi

inline canon()
{
	sg = 0;
	do
	:: sg < NVM - 1 ->
		sr = 0;
		do
		:: sr < NVM - 1 - sg ->
			if
			:: VKEY(sr) > VKEY(sr + 1) ->
				st = vm_id[sr]; vm_id[sr] = vm_id[sr + 1]; vm_id[sr + 1] = st;
				sk = 0;
				do
				:: sk < NCPU ->
					SWAPV(sel[sk], sr, sr + 1);
					SWAPV(run_vm[sk], sr + 1, sr + 2);
					sk++
				:: else -> break
				od;
				sk = 0;
				do
				:: sk < NCPU * NIDX -> SWAPV(tlb[sk], sr + 1, sr + 2); sk++
				:: else -> break
				od
			:: else
			fi;
			sr++
		:: else -> break
		od;
		sg++
	:: else -> break
	od;
	sg = 0; sr = 0; st = 0; sk = 0
}

/*
 * The guest stops (see below), the embedder picks a VM to run next, and
 * s2_vmid_update(), src/vmid.c:331-362, starts with the fast path:
 * v = atomic_load(&vm_vmid->id), line 333.
 */
inline pick_vm()
{
	run_vm[c] = 0;
	run_idx[c] = 0;
	select(sk : 0 .. NVM - 1);
	sel[c] = sk;
	sk = 0;
	ask[c] = 1;
	fv[c] = vm_id[sel[c]];
	d_step { canon() }
}

active [NCPU] proctype cpu()
{
	byte c = _pid;		/* this CPU's number */
	byte nv;		/* new_vmid()'s v, under the lock */
	byte idx;		/* new_vmid()'s idx */
	byte x;			/* rollover()'s CPU */
	bool kept;

	/* The embedder's loop: pick a VM, s2_vmid_update(), run, maybe put. */
pick:
	atomic { pick_vm(); goto picked }
	/* Reached only through the jumps. */
picked:
	/* old_active = atomic_load(active), line 334. */
	fo[c] = cpu_active[c];
	/*
	 * old_active != 0 && gen_of(v) == current_gen(a) && (old_active == v
	 * || ...), lines 352-353: one load of the generation.
	 */
	atomic {
		if
		:: fo[c] == 0 || GEN_OF(fv[c]) != gen -> fo[c] = 0; goto slow
		:: else
		fi;
		if
		:: fo[c] == fv[c] -> fo[c] = 0; goto fast
		:: else
		fi
	}
#ifdef BROKEN_FAST_STORE
	atomic { cpu_active[c] = fv[c]; fo[c] = 0; d_step { renumber() }; goto fast }
#else
	/* atomic_compare_exchange_strong(active, &old_active, v), lines 354-356. */
	if
	:: atomic { cpu_active[c] == fo[c] -> cpu_active[c] = fv[c]; fo[c] = 0; d_step { renumber() }; goto fast }
	:: atomic { cpu_active[c] != fo[c] -> fo[c] = 0; d_step { renumber() }; goto slow }
	fi;
#endif

slow:
	/*
	 * update_slow(), src/vmid.c:314-329, taking the lock with vmid_lock(),
	 * src/vmid.c:81-90: the exchange; if it read 1, the relaxed loads until
	 * the word reads 0 (one blocking step: the loop's iterations change
	 * nothing), then the exchange again. owner is the lock word, 1 when not
	 * 0; which CPU wrote it is for the progress property only.
	 */
	waits[c] = 1;
retry:
	if
	:: atomic {
		owner == 0 -> owner = c + 1; waits[c] = 0;
		/*
		 * v = load(&vm->id); gen_of(v) != current_gen(a), lines
		 * 305-306; only the holder writes either, so they fold in.
		 */
		fv[c] = vm_id[sel[c]];
		if
		:: GEN_OF(fv[c]) == gen -> goto slow_store
		:: else
		fi
	   }
	:: atomic { owner != 0 -> skip }
spinwait:
		owner == 0;
		goto retry
	fi;
	/*
	 * new_vmid(), src/vmid.c:217-248. Up to its first store, everything is
	 * under the lock and read by no one else: one step with that store.
	 */
	atomic {
		if
		:: fv[c] != 0 ->
			nv = MK(gen, IDX_OF(fv[c]));
			keep_old_idx(fv[c], nv, kept);
			if
			:: kept ->
				/* atomic_store(&vm->id, v), line 215. */
				vm_id[sel[c]] = nv;
				fv[c] = nv;
				nv = 0; kept = 0;
				d_step { renumber(); canon() }
				goto slow_store
			:: else -> nv = 0
			fi
		:: else
		fi;
		/* Lines 221-222. */
		find_free_idx(cur_idx, idx);
		if
		:: idx != NO_IDX -> goto new_store
		:: else
		fi;
		/*
		 * rollover(), src/vmid.c:162-184: the store of the new
		 * generation (line 164), and clear_map(), src/vmid.c:135-142.
		 */
		gen++;
		map = BIT(0);
		d_step { renumber() }
	}
	/* rollover(), lines 168-181: one exchange per CPU, in order. */
	x = 0;
	do
	:: x < NCPU ->
		atomic {
#ifdef BROKEN_NO_RESERVED
			cpu_active[x] = 0;
#else
			st = cpu_active[x];
			cpu_active[x] = 0;
			if
			:: st == 0 -> st = cpu_reserved[x]
			:: else
			fi;
			map = map | BIT(IDX_OF(st));
			cpu_reserved[x] = st;
			st = 0;
#endif
			x++;
			d_step { renumber() }
		}
	:: else -> break
	od;
#ifndef BROKEN_NO_FLUSH
	/* Line 181: a->ops->tlbi_all(a->ops->ctx). */
	atomic { x = 0; d_step { tlbi_all() } }
#endif
	/* Lines 224-226: a free VMID is left (ncpus < NIDX - 1). */
	atomic {
		x = 0;
		find_free_idx(1, idx);
		assert(idx != NO_IDX);
		goto new_store
	}
new_store:
	/* new_vmid(), lines 243-247: the store of gen | idx (and its report to a checked build's monitor, which the model leaves out). */
	atomic {
		map = map | BIT(idx);
		cur_idx = idx;
		vm_id[sel[c]] = MK(gen, idx);
		fv[c] = vm_id[sel[c]];
		idx = 0;
		d_step { renumber(); canon() }
	}
slow_store:
	/* update_slow(), line 308: atomic_store(active, v). */
	atomic { cpu_active[c] = fv[c]; d_step { renumber() } }
	/* vmid_unlock(), src/vmid.c:92-95; update_slow() returns (line 311). */
	owner = 0;

fast:
	/*
	 * s2_vmid_update() returned; the embedder loads VTTBR_EL2 and enters
	 * the guest, which fills its CPU's TLB with entries tagged by the VMID.
	 * Property (c): a TLB holds no entry of a previous owner of that VMID.
	 */
progress_got:
	atomic {
		ask[c] = 0;
		run_vm[c] = sel[c] + 1;
		run_idx[c] = IDX_OF(fv[c]);
		assert(run_idx[c] != 0);
		assert(tlb[c * NIDX + run_idx[c]] == 0 ||
		       tlb[c * NIDX + run_idx[c]] == sel[c] + 1);
		tlb[c * NIDX + run_idx[c]] = sel[c] + 1;
		assert(SAFE);
		fv[c] = 0;
		sel[c] = NOSEL;
		d_step { renumber(); canon() }
	}
	/*
	 * The guest exits to EL2: run_vm[c] = 0 is folded into the CPU's next
	 * step, the put or the next update. That only makes the guest run
	 * longer, which the properties can only be harder to meet for.
	 */
	if
	:: atomic {
		/* s2_vmid_clear_active(), src/vmid.c:374-381: the vCPU is put. */
		run_vm[c] = 0;
		run_idx[c] = 0;
		cpu_active[c] = IDLE;
		d_step { renumber() }
	   }
	:: atomic { pick_vm(); goto picked }
	fi;
	goto pick
}

/* Properties (a) and (b) in every state, not only when a guest starts. */
active proctype monitor()
{
	atomic { !SAFE -> assert(SAFE) }
}

/*
 * Property (d), per CPU: a CPU that asks for a VMID gets one, provided that
 * a CPU waiting for the lock gets it (docs/vmid-model.md: the lock itself
 * is not fair). Compiled in with -DPROGRESS; check with -a -f -N progress<c>.
 */
#ifdef PROGRESS
ltl progress0 { [] (waits[0] -> <> (owner == 1)) -> [] (ask[0] -> <> !ask[0]) }
ltl progress1 { [] (waits[1] -> <> (owner == 2)) -> [] (ask[1] -> <> !ask[1]) }
#if NCPU > 2
ltl progress2 { [] (waits[2] -> <> (owner == 3)) -> [] (ask[2] -> <> !ask[2]) }
#endif
#endif

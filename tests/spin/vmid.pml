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
 * Structure: each CPU's place in the C (pc[]) and its locals that outlive
 * a step are global per-CPU arrays, and each CPU's process runs one step
 * at a time chosen by its pc, holding nothing between steps. That lets
 * canon() rename CPUs as well as VMs (symmetry reduction): with 3 CPUs
 * the states to store shrink enough for an exhaustive search.
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
 *  NVM   VMs, more than NIDX-1 so that the space rolls over;
 *  NO_CPU_SYMMETRY  CPUs are not renamed (canon()), and a rollover takes
 *        them in the C's order: for the liveness checks, whose fairness is
 *        per process;
 *  NP    (with spin's -DNP) the progress label of the non-progress check;
 *  BFS_SEARCH  (with spin's -DBFS) no hidden variables.
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
 * (what VTTBR_EL2.VMID holds), and the TLBs: for each VMID, the VM (m + 1)
 * whose entries tagged with it some CPU's TLB may hold, or 0. One record
 * for all the CPUs, not one per CPU: property (c) checked against the
 * union (no TLB anywhere holds another VM's entry with the VMID) implies
 * it per CPU, the C's only flush is broadcast (it clears the union), and
 * the union holds fewer states.
 */
byte run_vm[NCPU];
byte run_idx[NCPU];
byte tlb[NIDX];
/*
 * For the liveness formulas (-DPROGRESS) only: the CPU is inside
 * s2_vmid_update(); it is waiting for the lock. Elsewhere they would only
 * tell apart states that differ in nothing else.
 */
#ifdef PROGRESS
bool ask[NCPU];
bool waits[NCPU];
#define SET_ASK(c, b)	ask[c] = b
#define SET_WAITS(c, b)	waits[c] = b
#else
#define SET_ASK(c, b)	skip
#define SET_WAITS(c, b)	skip
#endif

/*
 * Each CPU's place in its loop (the pc of the C code it runs), and during a
 * rollover whether its active slot was exchanged yet (rollover()'s loop
 * counter, per CPU so that the CPUs can be renamed; see canon()).
 */
#define P_PICK		1	/* about to pick a VM and call s2_vmid_update() */
#define P_LOAD_ACTIVE	2	/* the fast path's load of the active slot */
#define P_CHECK		3	/* the fast path's tests and load of the generation */
#define P_CAS		4	/* the fast path's compare-and-swap */
#define P_LOCK		5	/* update_slow() takes the lock */
#define P_SPIN		6	/* the lock was seen taken: wait for it */
#define P_NEW_VMID	7	/* new_vmid() */
#define P_ROLL		8	/* rollover()'s exchanges of the active slots */
#define P_FLUSH		9	/* rollover()'s call of ops->tlbi_all */
#define P_NEW_STORE	10	/* new_vmid() after a rollover: the free index */
#define P_STORE_ACTIVE	11	/* update_slow()'s store of the active slot, unlock */
#define P_RUN		12	/* s2_vmid_update() returned: the guest starts */
#define P_RAN		13	/* the guest ran: put the vCPU, or update again */
byte pc[NCPU] = P_PICK;
bool xch[NCPU];

/*
 * Scratch of the steps, and new_vmid()'s locals, which live within one
 * step: hidden, not part of a stored state, but for the breadth-first
 * searches, which cannot have hidden variables (-DBFS_SEARCH); they are 0
 * between steps there, so no state differs by them.
 */
#ifdef BFS_SEARCH
#define HIDDEN
#else
#define HIDDEN	hidden
#endif
HIDDEN byte sk, st, sg, sr, sx, sy;
HIDDEN int k1, k2;
HIDDEN byte idx;	/* new_vmid()'s idx */
HIDDEN byte nv;		/* new_vmid()'s v */
HIDDEN byte kept;

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
	:: sk < NIDX -> tlb[sk] = 0; sk++
	:: else -> break
	od;
	sk = 0;
	do
	:: sk < NCPU ->
		if
		:: run_vm[sk] != 0 -> tlb[run_idx[sk]] = run_vm[sk]
		:: else
		fi;
		sk++
	:: else -> break
	od;
	sk = 0
}

/*
 * Symmetry, a modelling device like renumber(): the VMs are alike, and so
 * are the CPUs, so renaming either throughout a state yields a state the C
 * and the properties cannot tell apart. canon() renames both into a
 * sorted order after each step, so that states differing only in the
 * names of VMs or CPUs are stored once. Any renaming is sound; sorting
 * only makes it a good reduction.
 *
 * VMs first, by a key that names no CPU: the value, then how many CPUs
 * chose the VM and how many run it. Renaming VMs i and j renames them in
 * the CPUs' choices, the VMs the CPUs run and the TLB's owners.
 */
#define VSEL(i)	((sel[0] == (i)) + (sel[1] == (i)) + VSEL3(sel, i))
#define VRUN(i)	((run_vm[0] == (i) + 1) + (run_vm[1] == (i) + 1) + VSEL3(run_vm, (i) + 1))
#if NCPU == 2
#define VSEL3(a, i)	0
#else
#define VSEL3(a, i)	(a[2] == (i))
#endif
#define VKEY(i)	(vm_id[i] * 16 + VSEL(i) * 4 + VRUN(i))
#define SWAPV(a, i, j)	if :: a == (i) -> a = (j) :: a == (j) -> a = (i) :: else fi

/*
 * Then the CPUs, by everything a CPU holds (the VM names in it are now
 * fixed), in two words: k1 for CPU sx, k2 for CPU sy when compared.
 * Renaming CPUs i and j swaps their slots of every per-CPU array and the
 * lock word's owner. The processes hold nothing (each is at the head of its
 * loop between steps, below), so process k simply runs CPU k's slot. Two
 * things make this sound, both said where they are modelled: rollover()
 * exchanges the CPUs' slots in any order, not only in ascending order
 * (a superset of the C's behaviours, so the safety properties checked
 * cover the C's order); and the liveness checks, whose fairness is per
 * process, turn CPU renaming off (-DNO_CPU_SYMMETRY) and keep the C's order.
 */
#define CKEY1(x)	(((pc[x] * 128 + cpu_active[x]) * 128 + cpu_reserved[x]) * 128 + fv[x])
#define CKEY2(x)	((((fo[x] * 8 + (sel[x] & 7)) * 8 + run_vm[x]) * 8 + run_idx[x]) * 2 + \
			 xch[x]) * 2 + (owner == (x) + 1)
#define SWAPB(a, i, j)	st = a[i]; a[i] = a[j]; a[j] = st

inline canon_vms()
{
	sg = 0;
	do
	:: sg < NVM - 1 ->
		sr = 0;
		do
		:: sr < NVM - 1 - sg ->
			if
			:: VKEY(sr) > VKEY(sr + 1) ->
				SWAPB(vm_id, sr, sr + 1);
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
				:: sk < NIDX -> SWAPV(tlb[sk], sr + 1, sr + 2); sk++
				:: else -> break
				od
			:: else
			fi;
			sr++
		:: else -> break
		od;
		sg++
	:: else -> break
	od
}

inline swap_cpus(i, j)
{
	SWAPB(pc, i, j); SWAPB(cpu_active, i, j); SWAPB(cpu_reserved, i, j);
	SWAPB(fv, i, j); SWAPB(fo, i, j); SWAPB(sel, i, j);
	SWAPB(run_vm, i, j); SWAPB(run_idx, i, j); SWAPB(xch, i, j);
	if
	:: owner == (i) + 1 -> owner = (j) + 1
	:: owner == (j) + 1 -> owner = (i) + 1
	:: else
	fi
}

inline canon_cpus()
{
	sx = 0;
	do
	:: sx < NCPU - 1 ->
		sy = 0;
		do
		:: sy < NCPU - 1 - sx ->
			k1 = CKEY1(sy) - CKEY1(sy + 1);
			k2 = CKEY2(sy) - CKEY2(sy + 1);
			if
			:: k1 > 0 || (k1 == 0 && k2 > 0) -> swap_cpus(sy, sy + 1)
			:: else
			fi;
			sy++
		:: else -> break
		od;
		sx++
	:: else -> break
	od;
	sx = 0; sy = 0; k1 = 0; k2 = 0
}

inline canon()
{
	canon_vms();
#ifndef NO_CPU_SYMMETRY
	canon_cpus();
#endif
	sg = 0; sr = 0; st = 0; sk = 0
}

/*
 * The end of every step: the generations renumbered, the state renamed.
 * Every step is a d_step, deterministic and stored as one transition: an
 * atomic sequence would store each intermediate state as well.
 */
#define SETTLE	renumber(); canon()

/*
 * The guest stops (see P_RAN), the embedder picks VM m to run next, and
 * s2_vmid_update(), src/vmid.c:331-362, starts with the fast path:
 * v = atomic_load(&vm_vmid->id), line 350. One option per VM, as a
 * d_step cannot choose.
 */
inline pick_vm(c, m)
{
	run_vm[c] = 0;
	run_idx[c] = 0;
	sel[c] = m;
	SET_ASK(c, 1);
	fv[c] = vm_id[m];
	pc[c] = P_LOAD_ACTIVE
}
#if NVM > 5
#error "pick options are spelt out for up to 5 VMs"
#endif
#define PICK(from, m)	:: d_step { pc[c] == from && (m) < NVM -> pick_vm(c, m); SETTLE }

/*
 * rollover(), src/vmid.c:162-184, lines 168-181: the exchange of CPU x's
 * active slot, one atomic step per CPU. With CPU renaming on, the rollover
 * may take the CPUs in any order (which CPU comes first is a name); with
 * it off, in the C's ascending order.
 */
#ifdef NO_CPU_SYMMETRY
#define XNEXT(x)	(!xch[x] && ((x) == 0 || xch[(x) - 1]))
#else
#define XNEXT(x)	(!xch[x])
#endif
#if NCPU == 2
#define ALL_XCH		(xch[0] && xch[1])
#else
#define ALL_XCH		(xch[0] && xch[1] && xch[2])
#endif

inline exchange(c, x)
{
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
	xch[x] = 1;
	/* The loop's end: the counter is local to the lock holder. */
	if
	:: ALL_XCH ->
		sk = 0;
		do
		:: sk < NCPU -> xch[sk] = 0; sk++
		:: else -> break
		od;
		sk = 0;
		pc[c] = P_FLUSH
	:: else
	fi
}

/*
 * new_vmid(), lines 243-247: test_and_set_idx(), cur_idx, and the store of
 * gen | idx (and its report to a checked build's monitor, which the model
 * leaves out). Its index was found in the same step: only the lock holder
 * reads or writes the bitmap and cur_idx, so no other CPU can tell.
 */
inline new_store(c, idx)
{
	map = map | BIT(idx);
	cur_idx = idx;
	vm_id[sel[c]] = MK(gen, idx);
	fv[c] = vm_id[sel[c]];
	idx = 0;
	pc[c] = P_STORE_ACTIVE
}

/*
 * A CPU: the embedder's loop (pick a VM, s2_vmid_update(), run, maybe
 * put), one atomic step of it at a time, chosen by pc[c]. Between steps
 * the process is at the head of its loop and holds nothing, all of the
 * CPU's state being in the global per-CPU arrays (see canon()).
 */
active [NCPU] proctype cpu()
{
	byte c = _pid;		/* this CPU's slot */

	do
	PICK(P_PICK, 0) PICK(P_PICK, 1) PICK(P_PICK, 2) PICK(P_PICK, 3) PICK(P_PICK, 4)

	/* old_active = atomic_load(active), line 351. */
	:: d_step { pc[c] == P_LOAD_ACTIVE -> fo[c] = cpu_active[c]; pc[c] = P_CHECK; SETTLE }

	/*
	 * old_active != 0 && gen_of(v) == current_gen(a) && (old_active == v
	 * || ...), lines 352-353: one load of the generation.
	 */
	:: d_step { pc[c] == P_CHECK ->
		if
		:: fo[c] == 0 || GEN_OF(fv[c]) != gen -> fo[c] = 0; pc[c] = P_LOCK
		:: else -> if
			   :: fo[c] == fv[c] -> fo[c] = 0; pc[c] = P_RUN
			   :: else -> pc[c] = P_CAS
			   fi
		fi;
		SETTLE }

	/* atomic_compare_exchange_strong(active, &old_active, v), lines 354-356. */
	:: d_step { pc[c] == P_CAS ->
#ifdef BROKEN_FAST_STORE
		cpu_active[c] = fv[c]; pc[c] = P_RUN;
#else
		if
		:: cpu_active[c] == fo[c] -> cpu_active[c] = fv[c]; pc[c] = P_RUN
		:: else -> pc[c] = P_LOCK
		fi;
#endif
		fo[c] = 0;
		SETTLE }

	/*
	 * update_slow(), src/vmid.c:314-329, taking the lock with vmid_lock(),
	 * src/vmid.c:81-90: the exchange; if it read 1, the relaxed loads until
	 * the word reads 0 (one blocking step, P_SPIN: the loop's iterations
	 * change nothing), then the exchange again. owner is the lock word, 1
	 * when not 0; which CPU wrote it is for the progress property only.
	 * With the lock: v = load(&vm->id); gen_of(v) != current_gen(a), lines
	 * 322-323; only the holder writes either, so they fold in.
	 */
	:: d_step { pc[c] == P_LOCK ->
		SET_WAITS(c, 1);
		if
		:: owner == 0 ->
			owner = c + 1;
			SET_WAITS(c, 0);
			fv[c] = vm_id[sel[c]];
			if
			:: GEN_OF(fv[c]) == gen -> pc[c] = P_STORE_ACTIVE
			:: else -> pc[c] = P_NEW_VMID
			fi
		:: else -> pc[c] = P_SPIN
		fi;
		SETTLE }
	:: d_step { pc[c] == P_SPIN && owner == 0 -> pc[c] = P_LOCK; SETTLE }

	/*
	 * new_vmid(), src/vmid.c:217-248. Up to its first store, everything is
	 * under the lock and read by no one else: one step with that store.
	 */
	:: d_step { pc[c] == P_NEW_VMID ->
		if
		:: fv[c] != 0 ->
			/* Lines 223-232: keep the VM's old index if it may. */
			nv = MK(gen, IDX_OF(fv[c]));
			keep_old_idx(fv[c], nv, kept)
		:: else -> kept = 0
		fi;
		if
		:: kept ->
			/* atomic_store(&vm->id, v), line 229. */
			vm_id[sel[c]] = nv;
			fv[c] = nv;
			pc[c] = P_STORE_ACTIVE
		:: else ->
			/* Lines 235-237. */
			find_free_idx(cur_idx, idx);
			if
			:: idx != NO_IDX -> new_store(c, idx)
			:: else ->
				/*
				 * rollover(): the store of the new generation
				 * (line 166), and clear_map(), src/vmid.c:135-142.
				 */
				gen++;
				map = BIT(0);
				idx = 0;
				pc[c] = P_ROLL
			fi
		fi;
		nv = 0; kept = 0;
		SETTLE }

	:: d_step { pc[c] == P_ROLL && XNEXT(0) -> exchange(c, 0); SETTLE }
	:: d_step { pc[c] == P_ROLL && XNEXT(1) -> exchange(c, 1); SETTLE }
#if NCPU > 2
	:: d_step { pc[c] == P_ROLL && XNEXT(2) -> exchange(c, 2); SETTLE }
#endif

	/* Line 183: a->ops->tlbi_all(a->ops->ctx). */
	:: d_step { pc[c] == P_FLUSH ->
#ifndef BROKEN_NO_FLUSH
		tlbi_all();
#endif
		pc[c] = P_NEW_STORE;
		SETTLE }

	/* Lines 239-241: a free VMID is left (ncpus < NIDX - 1). */
	:: d_step { pc[c] == P_NEW_STORE ->
		find_free_idx(1, idx);
		assert(idx != NO_IDX);
		new_store(c, idx);
		SETTLE }

	/*
	 * update_slow(), line 325: atomic_store(active, v), then
	 * vmid_unlock(), src/vmid.c:92-95, and update_slow() returns (line
	 * 328). One step: a release moves left past any other CPU's step (it
	 * only lets a CPU take the lock, which that CPU could then also do
	 * later), and no property reads the lock word (Lipton's reduction).
	 */
	:: d_step { pc[c] == P_STORE_ACTIVE -> cpu_active[c] = fv[c]; owner = 0; pc[c] = P_RUN; SETTLE }

	/*
	 * s2_vmid_update() returned; the embedder loads VTTBR_EL2 and enters
	 * the guest, which fills the TLB with entries tagged by the VMID.
	 * Property (c): no TLB holds an entry of a previous owner of that VMID.
	 * The non-progress check (-DNP) needs a progress label on a state it
	 * stores: the guard is a step of its own there.
	 */
#ifdef NP
	:: pc[c] == P_RUN ->
progress_got:
		d_step {
#else
	:: d_step { pc[c] == P_RUN ->
#endif
		SET_ASK(c, 0);
		run_vm[c] = sel[c] + 1;
		run_idx[c] = IDX_OF(fv[c]);
		assert(run_idx[c] != 0);
		assert(tlb[run_idx[c]] == 0 || tlb[run_idx[c]] == sel[c] + 1);
		tlb[run_idx[c]] = sel[c] + 1;
		assert(SAFE);
		fv[c] = 0;
		sel[c] = NOSEL;
		pc[c] = P_RAN;
		SETTLE }

	/*
	 * The guest exits to EL2: run_vm[c] = 0 is folded into the CPU's next
	 * step, the put or the next update. That only makes the guest run
	 * longer, which the properties can only be harder to meet for.
	 * s2_vmid_clear_active(), src/vmid.c:374-381: the vCPU is put, with
	 * active_idle(), src/vmid.c:369-372.
	 */
	:: d_step { pc[c] == P_RAN ->
		run_vm[c] = 0;
		run_idx[c] = 0;
		cpu_active[c] = IDLE;
		pc[c] = P_PICK;
		SETTLE }
	PICK(P_RAN, 0) PICK(P_RAN, 1) PICK(P_RAN, 2) PICK(P_RAN, 3) PICK(P_RAN, 4)
	od
}

/* Properties (a) and (b) in every state, not only when a guest starts. */
active proctype monitor()
{
	atomic { !SAFE -> assert(SAFE) }
}

/*
 * Property (d), per CPU: a CPU that asks for a VMID gets one, provided that
 * a CPU waiting for the lock gets it (docs/vmid-model.md: the lock itself
 * is not fair). Compiled in with -DPROGRESS (and -DNO_CPU_SYMMETRY: CPU k
 * must stay process k); check with -a -f -N progress<c>.
 */
#ifdef PROGRESS
#ifndef NO_CPU_SYMMETRY
#error "the liveness formulas name CPUs: build with -DNO_CPU_SYMMETRY"
#endif
ltl progress0 { [] (waits[0] -> <> (owner == 1)) -> [] (ask[0] -> <> !ask[0]) }
ltl progress1 { [] (waits[1] -> <> (owner == 2)) -> [] (ask[1] -> <> !ask[1]) }
#if NCPU > 2
ltl progress2 { [] (waits[2] -> <> (owner == 3)) -> [] (ask[2] -> <> !ask[2]) }
#endif
#endif

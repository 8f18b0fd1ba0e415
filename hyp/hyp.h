/* SPDX-License-Identifier: MIT */
/*
 * s2hyp internals: the bare-metal AArch64 EL2 hypervisor for QEMU's virt
 * machine. One header for the small modules (console, allocator, SMP, traps)
 * so that each .c file stays short. Usable from assembly for the offsets.
 */
#ifndef S2HYP_HYP_H
#define S2HYP_HYP_H

#include <s2mm/arch.h>

#define HYP_MAX_CPUS		8
#define HYP_STACK_SHIFT		14	/* 16 KiB of EL2 stack per CPU */
#define HYP_STACK_SIZE		(1 << HYP_STACK_SHIFT)

/* struct hyp_regs: x0..x30, sp, pc, pstate (asm offsets below). */
#define REGS_X(n)		((n) * 8)
#define REGS_SP			(31 * 8)
#define REGS_PC			(32 * 8)
#define REGS_PSTATE		(33 * 8)
#define REGS_SIZE		(34 * 8)

/* struct hyp_cpu: first field is the running guest's register file. */
#define CPU_GUEST_REGS		0

/* Which vector an exception came through: offset in VBAR_EL2 / 0x80. */
#define VEC_CUR_SP0_SYNC	0
#define VEC_CUR_SPX_SYNC	4
#define VEC_CUR_SPX_IRQ		5
#define VEC_LOW64_SYNC		8
#define VEC_LOW64_IRQ		9
#define VEC_LOW64_FIQ		10
#define VEC_LOW64_SERROR	11
#define VEC_LOW32_SYNC		12
#define VEC_LOW32_IRQ		13

/* Semihosting exit codes the runner (tests/qemu) checks. */
#define HYP_EXIT_PASS		0
#define HYP_EXIT_FAIL		1
#define HYP_EXIT_PANIC		3

#include "hypercall.h"

#ifndef __ASSEMBLER__
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define __stringify_1(x) #x
#define __stringify(x) __stringify_1(x)

#define read_sysreg(r) __extension__({					\
	uint64_t __v;							\
	__asm__ volatile("mrs %0, " __stringify(r) : "=r"(__v));	\
	__v;								\
})
#define write_sysreg(v, r) do {						\
	uint64_t __v = (uint64_t)(v);					\
	__asm__ volatile("msr " __stringify(r) ", %0" : : "r"(__v));	\
} while (0)

#include <s2mm/eplock_core.h>

#define isb()		__asm__ volatile("isb" ::: "memory")
#define dsb(opt)	__asm__ volatile("dsb " #opt ::: "memory")

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define ALIGN_UP(x, a)	(((x) + (a) - 1) & ~((uint64_t)(a) - 1))

struct hyp_regs {
	uint64_t x[31];
	uint64_t sp;	 /* SP_EL1 for a guest, the EL2 SP for a hyp frame */
	uint64_t pc;	 /* ELR_EL2 */
	uint64_t pstate; /* SPSR_EL2 */
};
_Static_assert(sizeof(struct hyp_regs) == REGS_SIZE, "asm offsets");

struct hyp_cpu {
	struct hyp_regs *guest_regs; /* read by the vectors: keep first */
	unsigned int id;
	uint64_t mpidr;
	volatile bool online;
};

/* --- lib.c: the few libc functions the compiler may call --- */
void *memset(void *s, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
/* Two PAGE_SIZE pages, 8-byte aligned, compared a word at a time (memcmp
 * goes byte by byte). */
bool page_equal(const void *a, const void *b);
size_t strlen(const char *s);
int strncmp(const char *a, const char *b, size_t n);

/* --- spinlock (ldaxr/stlxr: needs the EL2 MMU on, Normal memory) --- */
typedef struct { volatile uint32_t v; } hyp_lock_t;
void hyp_lock(hyp_lock_t *l);
void hyp_unlock(hyp_lock_t *l);
/* Take it if free. Return: whether it is now held. */
bool hyp_trylock(hyp_lock_t *l);

/* --- mmlock.c: a VM's memory lock (vm.h: mm_lock), shared by stage-2
 * aborts, exclusive for the host's changes to the VM's memory. The
 * per-vCPU reader slots of internal/s2mm/eplock_core.h, one per physical
 * CPU: a fault writes only its CPU's slot and reads the writer's line;
 * a writer holds new readers back (it must not starve behind faults) and
 * waits for every slot. Zeroed memory is an unlocked lock. --- */
enum hyp_mm_lock_bug {
	HYP_MM_LOCK_OK,
	HYP_MM_LOCK_NO_WAIT,	/* the writer does not wait for readers */
	HYP_MM_LOCK_NO_FENCE,	/* readers load the flag, then announce */
	HYP_MM_LOCK_NO_DMB,	/* readers announce and load, no DMB */
};
struct hyp_mm_lock {
	/* Readers read this line only: it stays in every CPU's cache. */
	_Alignas(S2_EPLOCK_LINE) atomic_uint writer;
	uint32_t bug;		/* enum hyp_mm_lock_bug: tests only */
	hyp_lock_t writers;	/* one writer at a time */
	struct s2_eplock_slot slots[HYP_MAX_CPUS];
};
/** hyp_mm_read_lock() - Take @l shared on this CPU's slot. The CPU holds
 * it only while handling one exit: not across a guest entry, and never
 * twice. */
void hyp_mm_read_lock(struct hyp_mm_lock *l);
/** hyp_mm_read_unlock() - Release what hyp_mm_read_lock() took. */
void hyp_mm_read_unlock(struct hyp_mm_lock *l);
/** hyp_mm_write_lock() - Take @l exclusively: keep new readers out, wait
 * for every CPU's slot to empty. Not on a CPU that holds it shared. */
void hyp_mm_write_lock(struct hyp_mm_lock *l);
/** hyp_mm_write_unlock() - Release what hyp_mm_write_lock() took. */
void hyp_mm_write_unlock(struct hyp_mm_lock *l);

/* --- console.c: PL011 at 0x09000000 and our own formatter --- */
void console_putc(char c);
int hyp_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int hyp_vprintf(const char *fmt, va_list ap);
int hyp_snprintf(char *buf, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void console_lock(void);
void console_unlock(void);
/* After a panic: print without taking the lock (its owner may be dead). */
void console_break_lock(void);

/* --- semihost.c --- */
_Noreturn void semihost_exit(unsigned int code);
int semihost_cmdline(char *buf, size_t n);

/* --- panic.c --- */
_Noreturn void hyp_panic(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
_Noreturn void hyp_panic_regs(const struct hyp_regs *r, unsigned int vec,
			      const char *why);
void hyp_dump_regs(const struct hyp_regs *r);

/* --- fdt.c --- */
int fdt_memory(const void *fdt, uint64_t *base, uint64_t *size);
const char *fdt_bootargs(const void *fdt);
bool fdt_valid(const void *fdt);

/* --- mmu.c: EL2 stage-1 identity map --- */
void mmu_init_tables(void);
void mmu_enable(void);

/* --- palloc.c: buddy allocator of naturally aligned 2^n pages --- */
#define PAGE_SHIFT	12
#define PAGE_SIZE	(1UL << PAGE_SHIFT)
#define PALLOC_MAX_ORDER 18 /* 1 GiB: a Linux guest's RAM is one block */
int palloc_init(uint64_t ram_base, uint64_t ram_end, uint64_t free_start);
int palloc_alloc(unsigned int order, uint64_t *pa);
void palloc_free(uint64_t pa, unsigned int order);
void *palloc_zalloc_bytes(size_t size);
void palloc_free_bytes(void *va, size_t size);
uint32_t *palloc_refcount(uint64_t pa);
uint64_t palloc_free_pages(void);
unsigned int palloc_order(size_t size);
int palloc_selftest(void);

/* --- smp.c --- */
extern struct hyp_cpu hyp_cpus[HYP_MAX_CPUS];
extern unsigned int hyp_ncpus;
static inline struct hyp_cpu *this_cpu(void)
{
	return (struct hyp_cpu *)read_sysreg(tpidr_el2);
}
void cpu_early_init(unsigned int id);
int smp_boot_secondaries(void);
int psci_cpu_on(uint64_t mpidr, uint64_t entry, uint64_t ctx);

/* --- vectors.S --- */
extern char hyp_vectors[];
/* Run a guest until it takes an exception to EL2; returns the vector. */
unsigned int hyp_guest_enter(struct hyp_regs *regs);

/* --- traps.c --- */
void hyp_cur_exception(struct hyp_regs *r, unsigned int vec);

/* --- gic.c: GICv2 and the EL2 physical timer, for preemption --- */
/* CNTHP (EL2 physical timer): PPI 10, INTID 26 (Arm BSA; QEMU virt). */
#define GIC_INTID_HYP_TIMER	26
/* CNTV (EL1 virtual timer, the guest's): PPI 11, INTID 27. */
#define GIC_INTID_VTIMER	27
/* GICv2 virtual interface maintenance interrupt: PPI 9, INTID 25. */
#define GIC_INTID_MAINT		25
/* The SGI one CPU sends another to make its guest exit. */
#define GIC_SGI_KICK		1
void gic_init_cpu(unsigned int cpu);
void hyp_timer_arm(uint64_t ticks);
/* Fire when the physical counter reaches @cval. */
void hyp_timer_arm_at(uint64_t cval);
void hyp_timer_stop(void);
/* Acknowledge the highest-priority pending interrupt: GICC_IAR (the EL2
 * timer is stopped when it is the one). */
uint32_t gic_ack(void);
/* End it: GICC_EOIR with what gic_ack() returned. */
void gic_eoi(uint32_t iar);
/* Enable or disable a PPI of this CPU. */
void gic_ppi_enable(unsigned int intid, bool on);
/* Send SGI @sgi to physical CPU @cpu. */
void gic_send_sgi(unsigned int cpu, unsigned int sgi);

/* --- main.c --- */
void hyp_main(uint64_t dtb);
void secondary_main(unsigned int id);

/* The physical count: guests' virtual counters are offset (CNTVOFF_EL2),
 * s2hyp's own clock is not. */
static inline uint64_t hyp_counter(void)
{
	isb();
	return read_sysreg(cntpct_el0);
}

/* Counter ticks in microseconds (CNTFRQ_EL0 ticks a second). */
static inline uint64_t hyp_ticks_us(uint64_t ticks)
{
	return ticks * 1000000 / read_sysreg(cntfrq_el0);
}
#endif /* !__ASSEMBLER__ */
#endif /* S2HYP_HYP_H */

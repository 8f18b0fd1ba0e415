/* SPDX-License-Identifier: MIT */
/*
 * Writes a whole machine's trace whose answers are known, for the replay's
 * tests: 2 vCPUs boot with the MMU off, turn it on (an identity-mapped
 * fetch first, then the kernel's upper half), then run processes in turn,
 * each switch a TTBR0_EL1 write, a kernel thread (a TTBR0 write, no
 * lower-half access) between them. Processes 0..2 map the same text pages
 * (one program: the same IPAs) and data pages of their own. In round 2
 * process 0 copies a page on write while it runs (its IPA changes: a
 * remap). In round 1 process 1 forks process 3, which starts with all of
 * process 1's pages; process 1 then copies its data page 0 (a remap), and
 * process 3 runs with the original. Known: 4 address spaces, 2 remaps, the
 * distinct RAM pages and device accesses printed on stdout as
 * "ram_pages N io N".
 * Usage: gen_machine FILE
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "s2trace.h"

#define PROCS 4
#define RAM 0x40000000ULL
#define KVA 0xffff000000000000ULL   /* the kernel's linear map of RAM */
#define TEXT_VA 0x400000ULL
#define DATA_VA 0x7f0000000ULL
#define MSR_TTBR0 0xd5182000u
#define MSR_SCTLR 0xd5181000u
#define TLBI_VMALLE1IS 0xd508831fu

static struct s2t_writer *w;
static uint64_t ram_seen[64];  /* distinct RAM pages, small set */
static unsigned int nram, nio;

static void seen(uint64_t pa)
{
	for (unsigned int i = 0; i < nram; i++)
		if (ram_seen[i] == pa >> 12)
			return;
	ram_seen[nram++] = pa >> 12;
}

static void acc(unsigned int v, unsigned int op, uint64_t va, uint64_t pa, bool el1)
{
	bool io = pa < RAM;

	if (s2t_write_access(w, v, op, va, true, pa, op == S2T_FETCH ? 4 : 8, el1, io))
		exit(1);
	if (io)
		nio++;
	else
		seen(pa);
}

static void sys(unsigned int v, uint64_t va, uint32_t insn)
{
	acc(v, S2T_FETCH, va, va >= KVA ? va - KVA + RAM : va, true);
	if (s2t_write_sysinsn(w, v, va, insn))
		exit(1);
}

/* Data page @i of process @p in @round: its IPA. */
static uint64_t data_ipa(unsigned int p, unsigned int i, unsigned int round)
{
	/* Process 3 is process 1's child: its pages are process 1's, except
	 * page 0, which process 1 copied after the fork. */
	if (p == 3)
		p = 1;
	else if (p == 1 && i == 0 && round >= 1)
		return RAM + 0x2f0000;
	if (p == 0 && i == 1 && round >= 3)
		return RAM + 0x2e0000;
	return RAM + 0x200000 + p * 0x10000 + i * 0x1000;
}

/* Process @p's time slice on vCPU @v in @round. */
static void run(unsigned int v, unsigned int p, unsigned int round)
{
	sys(v, KVA + 0x1000, MSR_TTBR0);
	for (unsigned int i = 0; i < 4; i++) {
		acc(v, S2T_FETCH, TEXT_VA + i * 0x1000, RAM + 0x100000 + i * 0x1000, false);
		acc(v, S2T_LOAD, DATA_VA + i * 0x1000,
		    data_ipa(p, i, round == 1 && p == 1 ? 0 : round), false);
		acc(v, S2T_LOAD, KVA + 0x300000 + i * 8, RAM + 0x300000 + i * 8, true);
	}
	/* Copies on write while the process runs: its page moves. */
	if (p == 0 && round == 2)
		acc(v, S2T_STORE, DATA_VA + 0x1000, data_ipa(0, 1, 3), false);
	if (p == 1 && round == 1)
		acc(v, S2T_STORE, DATA_VA, data_ipa(1, 0, 1), false);
	/* The kernel copies to the process's memory (uaccess, EL1). */
	acc(v, S2T_STORE, DATA_VA + 0x2008, data_ipa(p, 2, round) + 8, true);
	/* A kernel thread: TTBR0 to the reserved tables, kernel data only. */
	sys(v, KVA + 0x2000, MSR_TTBR0);
	acc(v, S2T_LOAD, KVA + 0x301000, RAM + 0x301000, true);
	acc(v, S2T_LOAD, 0x9000018, 0x9000018, true); /* the UART */
}

int main(int argc, char **argv)
{
	struct s2t_header h = { .version = S2T_VERSION, .flags = S2T_F_SYSTEM | S2T_F_FETCH_PA,
				.vcpus = 2, .ram_base = RAM, .ram_size = 64ULL << 20 };
	int fd = argc == 2 ? open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644) : -1;

	if (fd < 0 || s2t_writer_open(&w, fd, &h, 3))
		return 1;
	for (unsigned int v = 0; v < 2; v++) {
		/* MMU off: VA = PA; then SCTLR, an identity-mapped fetch, and
		 * the first access through a translation (VA != PA). */
		acc(v, S2T_FETCH, RAM + 0x80000, RAM + 0x80000, true);
		acc(v, S2T_LOAD, RAM + 0x81000, RAM + 0x81000, true);
		sys(v, RAM + 0x80004, MSR_SCTLR);
		acc(v, S2T_FETCH, RAM + 0x80008, RAM + 0x80008, true);
		acc(v, S2T_FETCH, KVA + 0x80000, RAM + 0x80000, true);
		sys(v, KVA + 0x80004, TLBI_VMALLE1IS);
	}
	for (unsigned int round = 0; round < 4; round++)
		for (unsigned int p = 0; p < PROCS; p++)
			if (p < 3 || round >= 2) /* process 3 exists from round 2 */
				run((round + p) % 2, p, round);
	if (s2t_writer_close(w) || close(fd))
		return 1;
	printf("ram_pages %u io %u\n", nram, nio);
	return 0;
}

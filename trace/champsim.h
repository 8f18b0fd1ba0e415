/* SPDX-License-Identifier: MIT */
/*
 * ChampSim traces (the DPC-3 traces, 600.perlbench_s-210B.champsimtrace.xz
 * and the like): one fixed-size record per retired instruction, written by
 * ChampSim's Pin tracer as its struct input_instr, 64 bytes little-endian:
 *
 *   offset  size  field
 *        0     8  ip                        instruction pointer
 *        8     1  is_branch
 *        9     1  branch_taken
 *       10     2  destination_registers[2]
 *       12     4  source_registers[4]
 *       16    16  destination_memory[2]     stores' addresses
 *       32    32  source_memory[4]          loads' addresses
 *
 * A memory slot of 0 is unused (ChampSim drops them). No header, no access
 * sizes. The file is xz'd (as distributed), gzip'd or plain: told apart by
 * its first bytes. The reader streams: one input and one output buffer,
 * whatever the trace's length.
 */
#ifndef S2MM_TRACE_CHAMPSIM_H
#define S2MM_TRACE_CHAMPSIM_H

#include <stdbool.h>
#include <stdint.h>

#define CHAMPSIM_RECORD_SIZE 64
#define CHAMPSIM_DST_MEM 2
#define CHAMPSIM_SRC_MEM 4

/* One record as read back. */
struct champsim_rec {
	uint64_t n;                /* record number, from 1 */
	uint64_t ip;
	uint8_t is_branch, branch_taken;
	uint8_t dst_regs[2], src_regs[4];
	uint64_t dst_mem[CHAMPSIM_DST_MEM]; /* stores; 0: unused */
	uint64_t src_mem[CHAMPSIM_SRC_MEM]; /* loads; 0: unused */
};

/**
 * champsim_named() - Whether @path is named as a ChampSim trace: it ends in
 * .champsim, .champsimtrace, .champsimtrace.xz or .champsimtrace.gz.
 */
bool champsim_named(const char *path);

struct champsim_reader;

/**
 * champsim_reader_open() - Read a trace from @fd (left open); its first
 * bytes decide plain, gzip (1F 8B) or xz (FD 37 7A 58 5A 00).
 * Return: 0, or a negative errno; champsim_reader_error() says why (the
 * reader must still be closed; *@out is NULL only without memory).
 */
int champsim_reader_open(struct champsim_reader **out, int fd);

/**
 * champsim_read() - The next record into @rec.
 * Return: 1, 0 at the end of a whole trace, or -EPIPE (truncated: a record
 * cut short, a compressed stream that ends early), -EILSEQ (corrupt
 * compressed data, data after the compressed stream), -EIO, -ENOMEM:
 * champsim_reader_error() names the record.
 */
int champsim_read(struct champsim_reader *r, struct champsim_rec *rec);

/** champsim_reader_error() - Why the last call failed ("" if it did not). */
const char *champsim_reader_error(const struct champsim_reader *r);

/** champsim_reader_close() - Free @r (NULL is fine; the fd stays open). */
void champsim_reader_close(struct champsim_reader *r);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * The s2mm trace format (docs/trace-format.md): memory accesses recorded
 * from real arm64 software under QEMU (trace/recorder.c, the plugin), read
 * back one record at a time by the replay. A short plain header, then one
 * zstd stream of variable-length records: every load, store and
 * instruction fetch with its vCPU, virtual address, size, privilege and,
 * for a whole machine, the physical address QEMU resolved (the IPA a
 * hypervisor's stage 2 sees); and the events that change the guest's
 * translation (writes to TTBR0/1_EL1, TCR_EL1, SCTLR_EL1, CONTEXTIDR_EL1,
 * TLBI instructions), kept as their instruction words.
 *
 * Both ends stream: the writer holds one compression buffer, the reader
 * one input and one output buffer, whatever the trace's length. The same
 * sequence of calls writes the same bytes (no timestamps, no paths).
 */
#ifndef S2MM_TRACE_S2TRACE_H
#define S2MM_TRACE_S2TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define S2T_VERSION 1
#define S2T_MAGIC "\x89S2MMTR\n"
#define S2T_MAGIC_LEN 8
#define S2T_HEADER_SIZE 32
#define S2T_MAX_VCPUS 1024

/* Header flags. */
#define S2T_F_SYSTEM   (1u << 0) /* a whole machine: data PAs recorded */
#define S2T_F_FETCH_PA (1u << 1) /* fetch PAs recorded too */

struct s2t_header {
	uint32_t version;
	uint32_t flags;
	uint32_t vcpus;            /* vCPUs of the recording (1 in user mode) */
	uint64_t ram_base, ram_size; /* the machine's RAM (0 in user mode) */
};

enum s2t_op { S2T_LOAD, S2T_STORE, S2T_FETCH, S2T_EVENT };

/* What a recorded system instruction does (s2t_sysinsn()). */
enum s2t_sys {
	S2T_SYS_NONE,              /* not one the recorder keeps */
	S2T_SYS_TTBR0,             /* MSR TTBR0_EL1, Xt */
	S2T_SYS_TTBR1,             /* MSR TTBR1_EL1, Xt */
	S2T_SYS_TCR,               /* MSR TCR_EL1, Xt */
	S2T_SYS_SCTLR,             /* MSR SCTLR_EL1, Xt */
	S2T_SYS_CONTEXTIDR,        /* MSR CONTEXTIDR_EL1, Xt */
	S2T_SYS_TLBI,              /* TLBI <op>{, Xt} */
};

/* One record as read back. */
struct s2t_rec {
	uint64_t n;                /* record number, from 1 */
	uint64_t va;               /* S2T_EVENT: the instruction's address */
	uint64_t pa;               /* valid when pa_known */
	uint32_t insn;             /* S2T_EVENT: the instruction word */
	uint16_t vcpu;
	uint8_t op;                /* enum s2t_op */
	uint8_t size;              /* bytes: 1, 2, 4, 8, 16 (0 for events) */
	bool el1;                  /* privileged (see the format's doc) */
	bool io;                   /* the PA is a device, not RAM */
	bool pa_known;
};

/** s2t_sysinsn() - Classify an A64 instruction word (enum s2t_sys). */
enum s2t_sys s2t_sysinsn(uint32_t insn);

/**
 * s2t_tlbi_name() - The TLBI operation of @insn (an S2T_SYS_TLBI word) as
 * the ARM ARM names it ("VMALLE1IS", "VAE1", ...), or NULL if unknown.
 * @by_va: set when the operation takes an address (or ASID) operand.
 */
const char *s2t_tlbi_name(uint32_t insn, bool *by_va, bool *by_asid);

struct s2t_writer;

/**
 * s2t_writer_open() - Start a trace on file descriptor @fd (left open).
 * @level: zstd level (1..19; 0 for the default).
 * Return: 0, -EINVAL for a bad header, -ENOMEM, or -errno of a write.
 */
int s2t_writer_open(struct s2t_writer **out, int fd, const struct s2t_header *h,
		    int level);

/**
 * s2t_write_access() - Record one access (@op S2T_LOAD, S2T_STORE or
 * S2T_FETCH) of @size bytes (a power of two, 1..16) by @vcpu.
 * @pa_known: false when no PA is known (user mode, or a fetch QEMU gave no
 * host page for); @pa is then ignored.
 * Return: 0, -EINVAL, or -errno of a write.
 */
int s2t_write_access(struct s2t_writer *w, unsigned int vcpu, unsigned int op,
		     uint64_t va, bool pa_known, uint64_t pa, unsigned int size,
		     bool el1, bool io);

/** s2t_write_sysinsn() - Record system instruction @insn at @va by @vcpu. */
int s2t_write_sysinsn(struct s2t_writer *w, unsigned int vcpu, uint64_t va,
		      uint32_t insn);

/**
 * s2t_writer_close() - Write the end record and finish the stream; frees
 * @w in every case. Return: 0, or the first error of the whole trace.
 */
int s2t_writer_close(struct s2t_writer *w);

/** s2t_writer_records() - Records written so far (end record excluded). */
uint64_t s2t_writer_records(const struct s2t_writer *w);
/** s2t_writer_bytes() - Compressed bytes written so far, header included. */
uint64_t s2t_writer_bytes(const struct s2t_writer *w);

struct s2t_reader;

/**
 * s2t_is_trace() - Whether the first bytes @p (@len of them) start an s2mm
 * trace (its magic).
 */
bool s2t_is_trace(const void *p, size_t len);

/**
 * s2t_reader_open() - Read a trace from @fd, whose first @len bytes were
 * already read into @pre (a caller sniffing the format). Reads the header.
 * Return: 0, or a negative errno; s2t_reader_error() says why (the reader
 * must still be closed).
 */
int s2t_reader_open(struct s2t_reader **out, int fd, const void *pre, size_t len);

/** s2t_reader_header() - The trace's header. */
const struct s2t_header *s2t_reader_header(const struct s2t_reader *r);

/**
 * s2t_read() - The next record into @rec.
 * Return: 1, 0 after the end record (the stream and the file end there),
 * or -EILSEQ (malformed), -EPIPE (truncated), -EIO: s2t_reader_error()
 * names the record.
 */
int s2t_read(struct s2t_reader *r, struct s2t_rec *rec);

/** s2t_reader_accesses() - Access records read so far (events excluded). */
uint64_t s2t_reader_accesses(const struct s2t_reader *r);

/** s2t_reader_error() - Why the last call failed ("" if it did not). */
const char *s2t_reader_error(const struct s2t_reader *r);

/** s2t_reader_close() - Free @r (the fd stays open). */
void s2t_reader_close(struct s2t_reader *r);

#endif

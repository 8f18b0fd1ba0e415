/* SPDX-License-Identifier: MIT */
/*
 * The recorder: a QEMU TCG plugin (libs2mm-record.so) that writes every
 * memory access of the guest as an s2mm trace (s2trace.h). `s2mm record`
 * loads it; by hand:
 *
 *   qemu-aarch64 -plugin ./libs2mm-record.so,out=t.s2t ./prog
 *   qemu-system-aarch64 ... -plugin ./libs2mm-record.so,out=t.s2t
 *
 * Arguments: out=FILE (required), level=N (zstd level, default 3),
 * vcpus=N (user mode: threads to expect, default 1), ram=BASE:SIZE (system
 * mode: the machine's RAM, for fetch PAs; default 0x40000000:1G).
 *
 * What QEMU 7.2's plugin API lets the recorder know, and so what a trace
 * holds (docs/trace-format.md says it for readers):
 * - data accesses: VA, size, load or store, and in system mode the PA QEMU
 *   resolved and whether it is a device (qemu_plugin_get_hwaddr);
 * - fetches: VA, and in system mode a PA computed from the host address of
 *   the instruction (qemu_plugin_insn_haddr): guest RAM is one host
 *   mapping, whose offset is learnt from the first instruction, fetched at
 *   reset with the MMU off (VA = PA);
 * - privilege: not readable; an instruction counts as EL1 when its VA is in
 *   the upper (TTBR1) half or equals its PA (MMU off, or an identity map),
 *   and its data accesses take its level;
 * - system instructions, as words: register values are not readable, so a
 *   TTBR0 write says when the address space changes, not to which.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qemu_plugin_api.h"
#include "s2trace.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = S2MM_QEMU_PLUGIN_API;

/* What the recorder knows of one translated instruction. */
struct insn {
	uint64_t va, pa;
	uint32_t word;
	bool pa_known, el1, sys;
};

/* Instructions are never freed: QEMU may run a translation until exit. */
#define CHUNK 4096
struct chunk {
	struct chunk *next;
	size_t used;
	struct insn insns[CHUNK];
};

static struct {
	pthread_mutex_t lock;
	struct s2t_writer *w;
	int fd;
	bool system;
	unsigned int vcpus;
	uint64_t ram_base, ram_size;
	/* Guest RAM's host address minus its PA, once known. */
	bool host_known;
	uintptr_t host_off;
	uint64_t fetch_no_pa, io, errors;
	int first_err;
	struct chunk *chunks;
	char path[4096];
} R = { .lock = PTHREAD_MUTEX_INITIALIZER, .fd = -1 };

static struct insn *insn_new(void)
{
	struct chunk *c = R.chunks;

	if (!c || c->used == CHUNK) {
		c = calloc(1, sizeof(*c));
		if (!c)
			return NULL;
		c->next = R.chunks;
		R.chunks = c;
	}
	return &c->insns[c->used++];
}

static void note_err(int err)
{
	if (err && !R.errors++)
		R.first_err = err;
}

static void on_exec(unsigned int vcpu, void *ud)
{
	const struct insn *i = ud;

	pthread_mutex_lock(&R.lock);
	note_err(s2t_write_access(R.w, vcpu, S2T_FETCH, i->va, i->pa_known, i->pa, 4,
				  i->el1, false));
	if (i->sys)
		note_err(s2t_write_sysinsn(R.w, vcpu, i->va, i->word));
	pthread_mutex_unlock(&R.lock);
}

static void on_mem(unsigned int vcpu, qemu_plugin_meminfo_t info, uint64_t va, void *ud)
{
	const struct insn *i = ud;
	struct qemu_plugin_hwaddr *hw = R.system ? qemu_plugin_get_hwaddr(info, va) : NULL;
	bool io = hw && qemu_plugin_hwaddr_is_io(hw);
	uint64_t pa = hw ? qemu_plugin_hwaddr_phys_addr(hw) : 0;

	pthread_mutex_lock(&R.lock);
	R.io += io;
	note_err(s2t_write_access(R.w, vcpu,
				  qemu_plugin_mem_is_store(info) ? S2T_STORE : S2T_LOAD, va,
				  hw != NULL, pa, 1u << qemu_plugin_mem_size_shift(info),
				  i->el1, io));
	pthread_mutex_unlock(&R.lock);
}

/* The PA of a fetch from host address @h (system mode). */
static bool fetch_pa(const void *h, uint64_t va, uint64_t *pa)
{
	if (!h)
		return false;
	if (!R.host_known) {
		/* The first instruction runs at reset, MMU off: VA = PA. */
		if (va - R.ram_base >= R.ram_size)
			return false;
		R.host_off = (uintptr_t)h - (uintptr_t)va;
		R.host_known = true;
	}
	*pa = (uint64_t)((uintptr_t)h - R.host_off);
	return *pa - R.ram_base < R.ram_size;
}

static void on_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t n = qemu_plugin_tb_n_insns(tb);

	(void)id;
	pthread_mutex_lock(&R.lock);
	for (size_t k = 0; k < n; k++) {
		struct qemu_plugin_insn *qi = qemu_plugin_tb_get_insn(tb, k);
		struct insn *i = insn_new();

		if (!i) {
			note_err(-ENOMEM);
			break;
		}
		i->va = qemu_plugin_insn_vaddr(qi);
		if (qemu_plugin_insn_size(qi) == 4)
			memcpy(&i->word, qemu_plugin_insn_data(qi), 4);
		i->sys = s2t_sysinsn(i->word) != S2T_SYS_NONE;
		if (R.system) {
			i->pa_known = fetch_pa(qemu_plugin_insn_haddr(qi), i->va, &i->pa);
			R.fetch_no_pa += !i->pa_known;
			i->el1 = (i->va >> 55 & 1) || (i->pa_known && i->pa == i->va);
		}
		qemu_plugin_register_vcpu_insn_exec_cb(qi, on_exec, QEMU_PLUGIN_CB_NO_REGS, i);
		qemu_plugin_register_vcpu_mem_cb(qi, on_mem, QEMU_PLUGIN_CB_NO_REGS,
						 QEMU_PLUGIN_MEM_RW, i);
	}
	pthread_mutex_unlock(&R.lock);
}

static void on_exit(qemu_plugin_id_t id, void *ud)
{
	uint64_t records, bytes;
	char msg[4096 + 512];
	int err;

	(void)id;
	(void)ud;
	pthread_mutex_lock(&R.lock);
	records = s2t_writer_records(R.w);
	err = s2t_writer_close(R.w);
	R.w = NULL;
	bytes = (uint64_t)lseek(R.fd, 0, SEEK_END);
	if (close(R.fd) && !err)
		err = -errno;
	note_err(err);
	snprintf(msg, sizeof(msg),
		 "s2mm-record: %s: %" PRIu64 " records, %" PRIu64 " bytes (%.3f per record)"
		 ", %" PRIu64 " device accesses, %" PRIu64 " fetch translations without "
		 "a PA%s%s\n",
		 R.path, records, bytes, records ? (double)bytes / (double)records : 0.0,
		 R.io, R.fetch_no_pa, R.errors ? ", FAILED: " : "",
		 R.errors ? strerror(-R.first_err) : "");
	qemu_plugin_outs(msg);
	pthread_mutex_unlock(&R.lock);
	for (struct chunk *c = R.chunks, *next; c; c = next) {
		next = c->next;
		free(c);
	}
	/* QEMU exits with its own status; a failed trace must not look whole. */
	if (R.errors)
		unlink(R.path);
}

static bool parse_u64(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return !errno && end != s && !*end && *s != '-';
}

static int usage(const char *why, const char *arg)
{
	fprintf(stderr, "s2mm-record: %s%s%s\n"
		"arguments: out=FILE [level=1..19] [vcpus=N] [ram=BASE:SIZE]\n",
		why, arg ? ": " : "", arg ? arg : "");
	return -1;
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
					   int argc, char **argv)
{
	struct s2t_header h = { .version = S2T_VERSION };
	uint64_t level = 0, vcpus = 1;
	const char *out = NULL;
	int err;

	if (info->version.min > S2MM_QEMU_PLUGIN_API || info->version.cur < S2MM_QEMU_PLUGIN_API) {
		fprintf(stderr, "s2mm-record: QEMU's plugin API is version %d..%d; this "
			"recorder was written for version %d (QEMU 7.2)\n",
			info->version.min, info->version.cur, S2MM_QEMU_PLUGIN_API);
		return -1;
	}
	if (strcmp(info->target_name, "aarch64"))
		return usage("only aarch64 guests are recorded, not", info->target_name);
	R.system = info->system_emulation;
	R.ram_base = 0x40000000;
	R.ram_size = 1ULL << 30;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (!strncmp(a, "out=", 4) && a[4]) {
			out = a + 4;
		} else if (!strncmp(a, "level=", 6)) {
			if (!parse_u64(a + 6, &level) || !level || level > 19)
				return usage("level: expected 1..19", a + 6);
		} else if (!strncmp(a, "vcpus=", 6)) {
			if (!parse_u64(a + 6, &vcpus) || !vcpus || vcpus > S2T_MAX_VCPUS)
				return usage("vcpus: expected 1..1024", a + 6);
		} else if (!strncmp(a, "ram=", 4)) {
			char *colon = strchr(a + 4, ':');

			if (!colon)
				return usage("ram: expected BASE:SIZE", a + 4);
			*colon = '\0';
			if (!parse_u64(a + 4, &R.ram_base) || !parse_u64(colon + 1, &R.ram_size) ||
			    !R.ram_size || (R.ram_base | R.ram_size) & 0xfff)
				return usage("ram: expected page-aligned BASE:SIZE", a + 4);
		} else {
			return usage("unknown argument", a);
		}
	}
	if (!out)
		return usage("missing out=FILE", NULL);
	if (R.system)
		vcpus = (uint64_t)info->system.max_vcpus;
	if (strlen(out) >= sizeof(R.path))
		return usage("path too long", out);
	strcpy(R.path, out);
	R.vcpus = (unsigned int)vcpus;
	h.vcpus = R.vcpus;
	h.flags = R.system ? S2T_F_SYSTEM | S2T_F_FETCH_PA : 0;
	if (R.system) {
		h.ram_base = R.ram_base;
		h.ram_size = R.ram_size;
	}
	R.fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (R.fd < 0)
		return usage(strerror(errno), out);
	err = s2t_writer_open(&R.w, R.fd, &h, (int)level);
	if (err) {
		close(R.fd);
		unlink(out);
		return usage(strerror(-err), out);
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_trans);
	qemu_plugin_register_atexit_cb(id, on_exit, NULL);
	return 0;
}

/* SPDX-License-Identifier: MIT */
/* The s2mm command: subcommands and shared helpers. */
#ifndef S2MM_CLI_H
#define S2MM_CLI_H

#include <stdio.h>

#include <s2mm/pgtable.h>

#include "parse_num.h"

/* Each subcommand: argc/argv start at its own name. Returns the exit status. */
int cmd_demo(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_trace(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_sweep(int argc, char **argv);
int cmd_hyp(int argc, char **argv);
/* The other `s2mm hyp` subcommands, dispatched from cmd_hyp(). */
int cmd_hyp_fidelity(int argc, char **argv);
int cmd_hyp_boot(int argc, char **argv);
int cmd_hyp_check(int argc, char **argv);
int cmd_hyp_linux(int argc, char **argv);
int cmd_record(int argc, char **argv);

/**
 * linux_images_make() - scripts/linux-images.sh @dir: the Debian arm64
 * kernel and initramfs of the Linux guests, fetched and built only when
 * changed. @who prefixes messages. Return: 0, or -1 after saying why.
 */
int linux_images_make(const char *dir, const char *who);

/**
 * dump_pgtable() - Print the tree of @pt below [ipa, ipa + size): one line
 * per table and per run of leaves with consecutive output addresses and the
 * same attributes.
 */
void dump_pgtable(FILE *out, const struct s2_pgtable *pt, uint64_t ipa,
		  uint64_t size);

/** parse_uint() - A decimal in [@lo, @hi] (@lo >= 0); -1 when not. */
long parse_uint(const char *s, long lo, long hi);


#endif

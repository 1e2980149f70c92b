/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Read, diff and print the records the ksplice GCC plugin writes into
 * .discard.ksplice.records (format: gcc-plugin/README.md).
 *
 *	struct ks_records pre, post;
 *	struct ks_diff d;
 *	char err[KS_ERR_LEN];
 *
 *	if (ks_records_read_elf("pre.o", &pre, err, sizeof(err)) ||
 *	    ks_records_read_elf("post.o", &post, err, sizeof(err)) ||
 *	    ks_diff(&pre, &post, &d, err, sizeof(err)))
 *		-> fprintf(stderr, "%s\n", err), fail
 *	for (i = 0; i < d.n_changed; i++) use d.changed[i].post->name ...
 *	ks_diff_free(&d); ks_records_free(&pre); ks_records_free(&post);
 *
 * No global state. Every function that can fail returns 0 or -1 and then
 * writes a message into err (errlen bytes); the structures are left empty.
 * A diff points into the two record sets: free it before them.
 */
#ifndef KSPLICE_RECORDS_H
#define KSPLICE_RECORDS_H

#include <stddef.h>
#include <stdio.h>

#define KS_RECORDS_SECTION ".discard.ksplice.records"
#define KS_RECORDS_VERSION 1
#define KS_ERR_LEN 512

struct ks_unit {
	char *unit;
	char *compiler;
	char *asm_sum;		/* top-level asm checksum, or NULL */
};

struct ks_func {
	char *key;		/* name, or name%unit when local */
	char *name;
	char *unit;
	char *section;
	char *bind;		/* "global", "weak", "local" */
	char *sum;
	char *cold;		/* section of the .cold part, or NULL */
	char *origin;		/* clone origin, or NULL */
	char *clone;		/* clone kind, or NULL */
	char *lines;		/* checksum of left-out line numbers, or NULL */
	char *alias_of;		/* for an alias record: its target, else NULL */
	char **inlines;
	size_t n_inlines;
	char **uses;
	size_t n_uses;
};

struct ks_data {
	char *key;		/* matching key (README "Names and keys"), + %unit when local */
	char *name;
	char *unit;
	char *section;
	char *bind;
	char *sum;
	char *owner;		/* owning function of a static local, or NULL */
	long long size;
};

struct ks_type {
	char *name;		/* "struct:foo" */
	char *unit;
	char *sum;
	long long size;
};

struct ks_records {
	char *raw;		/* the section contents, as stored */
	size_t raw_len;
	struct ks_unit *units;
	size_t n_units;
	struct ks_func *funcs;	/* sorted by key; aliases included */
	size_t n_funcs;
	struct ks_data *data;	/* sorted by key */
	size_t n_data;
	struct ks_type *types;	/* sorted by name */
	size_t n_types;
	char **asm_syms;	/* labels defined by top-level asm */
	size_t n_asm_syms;
};

/* Function change reasons, in report order. */
#define KS_FUNC_CODE	0x1
#define KS_FUNC_SECTION	0x2
#define KS_FUNC_LINKAGE	0x4
#define KS_FUNC_COLD	0x8
#define KS_FUNC_ALIAS	0x10

/* Data change reasons, in report order. */
#define KS_DATA_SIZE		0x1
#define KS_DATA_SECTION		0x2
#define KS_DATA_LINKAGE		0x4
#define KS_DATA_INITIALIZER	0x8

struct ks_func_change {
	const struct ks_func *pre, *post;
	unsigned int reasons;
};

struct ks_data_change {
	const struct ks_data *pre, *post;
	unsigned int reasons;
};

struct ks_layout_change {
	const char *type;
	const char **used_by;	/* sorted, unique */
	size_t n_used_by;
};

struct ks_diff {
	struct ks_func_change *changed;
	size_t n_changed;
	const struct ks_func **new_funcs;
	size_t n_new;
	const struct ks_func **removed_funcs;
	size_t n_removed;
	struct ks_data_change *changed_data;
	size_t n_changed_data;
	const struct ks_data **new_data;
	size_t n_new_data;
	const struct ks_data **removed_data;
	size_t n_removed_data;
	struct ks_layout_change *layouts;
	size_t n_layouts;
	const struct ks_func **line_only;
	size_t n_line_only;
	const char **asm_changed;	/* units whose top-level asm changed */
	size_t n_asm_changed;
};

/* Parse the records section's contents (several units may follow each other). */
int ks_records_parse(const char *buf, size_t len, struct ks_records *out,
		     char *err, size_t errlen);
/* Read the records of an ELF object (relocatable or linked). */
int ks_records_read_elf(const char *path, struct ks_records *out,
			char *err, size_t errlen);
void ks_records_free(struct ks_records *r);

const struct ks_func *ks_records_find_func(const struct ks_records *r,
					   const char *key);
/* "init", "exit", "text", "data" or "special" (README). */
const char *ks_placement(const char *section);

/*
 * Is this data trace output only: an event's print format (print_fmt_*), a
 * TRACE_DEFINE_ENUM map (__TRACE_SYSTEM_*) or a __print_symbolic table (a
 * static local of a trace_raw_output_* function; owner may be NULL)? The
 * running kernel keeping its copy changes no state, so a change to it is no
 * reason for custom code (rxrpc's print_fmt_rxrpc_call grows with an enum).
 */
int ks_data_is_trace_output(const char *name, const char *owner);

int ks_records_print_text(FILE *f, const struct ks_records *r);
int ks_records_print_json(FILE *f, const struct ks_records *r);

int ks_diff(const struct ks_records *pre, const struct ks_records *post,
	    struct ks_diff *out, char *err, size_t errlen);
void ks_diff_free(struct ks_diff *d);
/* 1 when there are no differences (line_only entries do not count). */
int ks_diff_empty(const struct ks_diff *d);
int ks_diff_print_text(FILE *f, const struct ks_diff *d);
int ks_diff_print_json(FILE *f, const struct ks_diff *d);

#endif /* KSPLICE_RECORDS_H */

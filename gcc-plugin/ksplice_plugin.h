// SPDX-License-Identifier: GPL-2.0
/*
 * ksplice_plugin.h: what the files of ksplice_plugin.so share: the GCC
 * headers, the gcc 12 check, the containers, the hasher, the plugin state
 * and the functions one file calls in another. What one file alone uses is
 * static in it. (Not named plugin.h: gcc-plugin.h includes GCC's own
 * plugin.h from the same include directory.)
 */
#ifndef KSPLICE_PLUGIN_H
#define KSPLICE_PLUGIN_H

#include "bversion.h"
#include "gcc-plugin.h"
#include "config.h"
#include "system.h"
#include "coretypes.h"
#include "tm.h"
#include "tree.h"
#include "rtl.h"
#include "memmodel.h"
#include "emit-rtl.h"
#include "function.h"
#include "output.h"
#include "flags.h"
#include "options.h"
#include "diagnostic-core.h"
#include "tree-pass.h"
#include "context.h"
#include "cgraph.h"
#include "varasm.h"
#include "real.h"
#include "basic-block.h"
#include "gimple.h"
#include "gimple-iterator.h"
#include "gimple-walk.h"
#include "stringpool.h"
#include "attribs.h"
#include "version.h"
#include "rtl-iter.h"

#if BUILDING_GCC_MAJOR != 12
#error "ksplice_plugin supports gcc 12 only"
#endif

/*
 * Everything below is internal to the plugin: hidden, so that a call
 * between its files binds to the plugin's own function, never to one of
 * cc1's exported symbols of the same name, and the only exported symbols
 * stay plugin_init and plugin_is_GPL_compatible.
 */
#pragma GCC visibility push(hidden)

/* strbuf.c: small containers (one compilation = one process). */

struct strbuf {
	char *buf;
	size_t len, cap;
};

void sb_add(struct strbuf *sb, const char *s, size_t n);
void sb_puts(struct strbuf *sb, const char *s);
void sb_printf(struct strbuf *sb, const char *fmt, ...) ATTRIBUTE_PRINTF_2;
void sb_field(struct strbuf *sb, const char *s);
void sb_join_keys(struct strbuf *sb);
void add_record(struct strbuf *sb, const char *line);

/* Pointer-keyed map (open addressing), value a 64-bit integer. */
struct ptrmap {
	const void **keys;
	unsigned long long *vals;
	size_t n, cap;
};

void pm_put(struct ptrmap *m, const void *key, unsigned long long val);
bool pm_get(const struct ptrmap *m, const void *key, unsigned long long *val);
void pm_clear(struct ptrmap *m);

/* ksplice_plugin.c: the plugin state (GCC calls back into the plugin). */

struct ks_state {
	const char *unit;
	const char *dump_path;
	FILE *dump;
	struct strbuf records;	/* the unit's records, emitted at the end */
	struct strbuf pending;	/* inline/uses lines of the current function */
	struct strbuf asm_syms;	/* asmsym lines */
	tree pending_fn;
	unsigned long long toplevel_asm;
	bool have_toplevel_asm;
	struct ptrmap layouts;	/* type -> layout checksum */
	struct ptrmap type_emitted;
	struct ptrmap static_ord;	/* static local decl -> ordinal + 1 */
	struct ptrmap fn_types;		/* scratch: types used by the function */
	bool in_dyndbg;			/* hashing a __dyndbg variable */
};

extern struct ks_state ks;

const char *section_name(section *s);
const char *binding(tree decl);

/* hash_tree.c: the hasher, names of symbols, values of trees. */

struct hasher {
	unsigned long long h;
	bool dump;
};

void h_init(struct hasher *h, const char *what, const char *name);
void h_bytes(struct hasher *h, const void *p, size_t n);
void h_str(struct hasher *h, const char *s);
void h_int(struct hasher *h, long long v);
void h_newline(struct hasher *h);
void h_end(struct hasher *h);

const char *strip_star(const char *s);
const char *decl_name_str(tree decl);
size_t norm_len(const char *name);
bool is_static_local(const_tree decl);
const char *local_name(tree decl);
void sb_static_local_key(struct strbuf *sb, tree decl);
void hash_decl_ref(struct hasher *h, tree decl, const char *name);
void hash_real(struct hasher *h, const REAL_VALUE_TYPE *r, machine_mode mode);
void hash_tree_value(struct hasher *h, tree t, int depth);

/* hash_rtl.c: the code checksum of a function (its RTL after final). */

struct fn_ctx {
	struct hasher code;	/* <sum> */
	struct hasher lines;	/* line numbers left out of <sum> */
	bool have_lines;
	int *label_ord;		/* by INSN_UID, + 1 */
	int max_uid;
	int asm_noutputs;
	/* Line numbers as code constants (__LINE__ as a call argument): */
	const char **strings;	/* string literals the function references */
	int nstrings;
	bool has_func_name;	/* references a __func__ */
	long cur_line;		/* line of the current insn, when it can be one */
	rtx_insn *insn;		/* the insn being hashed */
};

bool initcall_norm(struct strbuf *sb, const char *name, size_t len);
void hash_template(struct hasher *h, const char *tpl);
void hash_function(struct fn_ctx *c, tree decl, const char *name);

/* types.c: layouts of structs and unions, "uses"/"type"/"inline" records. */

void note_type(tree t);
tree note_types_cb(tree *tp, int *walk_subtrees, void *data);
void flush_types(const char *fn);
void flush_inlines(tree decl, const char *fn);

/* data.c: data objects, aliases, top-level asm. */

void record_data_objects(void);
void record_aliases(void);
void toplevel_asm_cb(void *gcc_data, void *user_data);

#pragma GCC visibility pop

#endif /* KSPLICE_PLUGIN_H */

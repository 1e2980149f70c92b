// SPDX-License-Identifier: GPL-2.0
/*
 * ksplice_plugin: per-function checksums, section markers and change facts.
 *
 * While a C file is compiled, record what every emitted function and data
 * object is, into the non-allocated section .discard.ksplice.records of the
 * object (the kernel's links drop .discard.*):
 *
 *   - per function: its assembler name, section, binding, a checksum of its
 *     final code (the RTL instruction stream after the final pass, hashed
 *     without addresses or line numbers, symbols by name, literals by value),
 *     its GCC clone origin, the functions inlined into it, the structs and
 *     unions it accesses;
 *   - per data object: section, binding, size, a checksum of its initializer,
 *     and for a static local the function that owns it;
 *   - per struct/union used by a function: a layout checksum.
 *
 * It also turns on -ffunction-sections -fdata-sections. It never changes the
 * generated code: its passes only read. gcc-plugin/README.md documents the
 * record format and exactly what is hashed.
 *
 * Usage (gcc-12):
 *   gcc-12 -O2 -ffunction-sections -fdata-sections \
 *     -fplugin=ksplice_plugin.so \
 *     -fplugin-arg-ksplice_plugin-unit=kernel/printk/printk.c \
 *     [-fplugin-arg-ksplice_plugin-dump=FILE] -c kernel/printk/printk.c
 *
 * Options: unit=PATH (qualifies static symbols; default: the input file
 * name), dump=FILE (write the hashed token streams, for debugging). Any other
 * option is an error. ksplice-sums prints and diffs the records.
 */

#include "bversion.h"
#include "gcc-plugin.h"
#include "plugin-version.h"
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

int plugin_is_GPL_compatible;

static const char plugin_name[] = "ksplice_plugin";

#define RECORDS_SECTION ".discard.ksplice.records"
#define RECORDS_VERSION 1

/* ------------------------------------------------------------------ */
/* Small containers (plugin-private; one compilation = one process).  */

struct strbuf {
	char *buf;
	size_t len, cap;
};

static void sb_grow(struct strbuf *sb, size_t more)
{
	size_t cap;

	if (sb->len + more + 1 <= sb->cap)
		return;
	cap = sb->cap ? sb->cap : 4096;
	while (cap < sb->len + more + 1)
		cap *= 2;
	sb->buf = (char *)xrealloc(sb->buf, cap);
	sb->cap = cap;
}

static void sb_add(struct strbuf *sb, const char *s, size_t n)
{
	sb_grow(sb, n);
	memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

static void sb_puts(struct strbuf *sb, const char *s)
{
	sb_add(sb, s, strlen(s));
}

static void sb_printf(struct strbuf *sb, const char *fmt, ...)
	ATTRIBUTE_PRINTF_2;

static void sb_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	sb_grow(sb, n);
	va_start(ap, fmt);
	vsnprintf(sb->buf + sb->len, n + 1, fmt, ap);
	va_end(ap);
	sb->len += n;
}

/* A record field: bytes outside '!'..'~', '%' and '=' become %XX (a raw
 * '=' only appears in key=value attributes). */
static void sb_field(struct strbuf *sb, const char *s)
{
	sb_puts(sb, " ");
	if (!*s) {
		sb_puts(sb, "%00");
		return;
	}
	for (; *s; s++) {
		unsigned char c = *s;

		if (c < '!' || c > '~' || c == '%' || c == '=')
			sb_printf(sb, "%%%02X", c);
		else
			sb_add(sb, (const char *)&c, 1);
	}
}

/* Pointer-keyed map (open addressing), value a 64-bit integer. */
struct ptrmap {
	const void **keys;
	unsigned long long *vals;
	size_t n, cap;
};

static size_t pm_slot(const struct ptrmap *m, const void *key)
{
	size_t i = ((uintptr_t)key >> 3) * 0x9e3779b97f4a7c15ULL;

	for (i &= m->cap - 1; m->keys[i] && m->keys[i] != key;
	     i = (i + 1) & (m->cap - 1))
		;
	return i;
}

static void pm_put(struct ptrmap *m, const void *key, unsigned long long val)
{
	size_t i;

	if ((m->n + 1) * 2 > m->cap) {
		struct ptrmap old = *m;

		m->cap = m->cap ? m->cap * 2 : 64;
		m->keys = XCNEWVEC(const void *, m->cap);
		m->vals = XCNEWVEC(unsigned long long, m->cap);
		m->n = 0;
		for (i = 0; i < old.cap; i++)
			if (old.keys[i])
				pm_put(m, old.keys[i], old.vals[i]);
		free(old.keys);
		free(old.vals);
	}
	i = pm_slot(m, key);
	if (!m->keys[i]) {
		m->keys[i] = key;
		m->n++;
	}
	m->vals[i] = val;
}

static bool pm_get(const struct ptrmap *m, const void *key,
		   unsigned long long *val)
{
	size_t i;

	if (!m->cap)
		return false;
	i = pm_slot(m, key);
	if (!m->keys[i])
		return false;
	if (val)
		*val = m->vals[i];
	return true;
}

static void pm_clear(struct ptrmap *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

/* ------------------------------------------------------------------ */
/* Plugin state.                                                      */

static struct {
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
} ks;

static void add_record(struct strbuf *sb, const char *line)
{
	sb_puts(sb, line);
	sb_puts(sb, "\n");
}

static unsigned long count_lines(const struct strbuf *sb)
{
	unsigned long n = 0;
	size_t i;

	for (i = 0; i < sb->len; i++)
		n += sb->buf[i] == '\n';
	return n;
}

/* ------------------------------------------------------------------ */
/* FNV-1a 64 over a token stream; the dump shows the same tokens.     */

struct hasher {
	unsigned long long h;
	bool dump;
};

static void h_init(struct hasher *h, const char *what, const char *name)
{
	h->h = 0xcbf29ce484222325ULL;
	h->dump = ks.dump != NULL;
	if (h->dump)
		fprintf(ks.dump, "%s %s:", what, name);
}

static void h_bytes(struct hasher *h, const void *p, size_t n)
{
	const unsigned char *b = (const unsigned char *)p;
	unsigned long long x = h->h;

	while (n--) {
		x ^= *b++;
		x *= 0x100000001b3ULL;
	}
	h->h = x;
}

static void h_str(struct hasher *h, const char *s)
{
	unsigned char tag = 's';

	if (!s)
		s = "";
	h_bytes(h, &tag, 1);
	h_bytes(h, s, strlen(s) + 1);
	if (h->dump) {
		fputc(' ', ks.dump);
		for (; *s; s++)
			fputc(ISPRINT(*s) && *s != ' ' ? *s : '?', ks.dump);
	}
}

static void h_int(struct hasher *h, long long v)
{
	unsigned char buf[9];
	int i;

	buf[0] = 'i';
	for (i = 0; i < 8; i++)
		buf[i + 1] = (unsigned char)((unsigned long long)v >> (8 * i));
	h_bytes(h, buf, 9);
	if (h->dump)
		fprintf(ks.dump, " %lld", v);
}

static void h_newline(struct hasher *h)
{
	if (h->dump)
		fputs("\n ", ks.dump);
}

static void h_end(struct hasher *h)
{
	if (h->dump)
		fprintf(ks.dump, "\n = %016llx\n", h->h);
}

/* ------------------------------------------------------------------ */
/* Names of symbols.                                                  */

static const char *strip_star(const char *s)
{
	return s && *s == '*' ? s + 1 : s;
}

static const char *decl_name_str(tree decl)
{
	if (DECL_ASSEMBLER_NAME_SET_P(decl))
		return strip_star(IDENTIFIER_POINTER(DECL_ASSEMBLER_NAME(decl)));
	if (DECL_NAME(decl))
		return IDENTIFIER_POINTER(DECL_NAME(decl));
	return "";
}

/* "__UNIQUE_ID_ddebug416" -> length without the __COUNTER__ digits. */
static size_t norm_len(const char *name)
{
	size_t n = strlen(name);

	if (strncmp(name, "__UNIQUE_ID_", 12))
		return n;
	while (n > 12 && ISDIGIT(name[n - 1]))
		n--;
	return n;
}

static bool is_static_local(const_tree decl)
{
	return TREE_CODE(decl) == VAR_DECL && TREE_STATIC(decl) &&
	       DECL_CONTEXT(decl) &&
	       TREE_CODE(DECL_CONTEXT(decl)) == FUNCTION_DECL;
}

static const char *local_name(tree decl)
{
	return DECL_NAME(decl) ? IDENTIFIER_POINTER(DECL_NAME(decl)) : "";
}

/* The k of a static local: its rank among the statics of its owner with
 * the same (normalized) name, in declaration order. */
static int static_local_ordinal(tree decl)
{
	unsigned long long v;
	const char *name = local_name(decl);
	size_t n = norm_len(name);
	varpool_node *vn;
	int k = 0;

	if (pm_get(&ks.static_ord, decl, &v))
		return (int)v - 1;
	FOR_EACH_VARIABLE(vn) {
		tree o = vn->decl;
		const char *on;

		if (o == decl || DECL_CONTEXT(o) != DECL_CONTEXT(decl) ||
		    DECL_UID(o) > DECL_UID(decl))
			continue;
		on = local_name(o);
		if (norm_len(on) == n && !strncmp(on, name, n))
			k++;
	}
	pm_put(&ks.static_ord, decl, k + 1);
	return k;
}

static void sb_static_local_key(struct strbuf *sb, tree decl)
{
	const char *name = local_name(decl);

	sb_printf(sb, "%s::%.*s#%d",
		  IDENTIFIER_POINTER(DECL_NAME(DECL_CONTEXT(decl))),
		  (int)norm_len(name), name, static_local_ordinal(decl));
}

static void hash_tree_value(struct hasher *h, tree t, int depth);

/* Hash a reference to a symbol: by name, statics qualified by unit. */
static void hash_decl_ref(struct hasher *h, tree decl, const char *name)
{
	struct strbuf sb = { NULL, 0, 0 };

	if (decl && TREE_CODE(decl) == VAR_DECL && DECL_ARTIFICIAL(decl) &&
	    !TREE_PUBLIC(decl) && !is_static_local(decl) &&
	    (!DECL_NAME(decl) ||
	     !strncmp(local_name(decl), "__compound_literal", 18))) {
		/* An anonymous object: by value. */
		h_str(h, "anon");
		hash_tree_value(h, DECL_INITIAL(decl), 1);
		return;
	}
	if (decl && is_static_local(decl)) {
		sb_static_local_key(&sb, decl);
	} else {
		if (!name)
			name = decl ? decl_name_str(decl) : "";
		sb_add(&sb, name, norm_len(name));
		if (decl && !TREE_PUBLIC(decl) && !DECL_EXTERNAL(decl))
			sb_printf(&sb, "%%%s", ks.unit);
	}
	h_str(h, sb.buf);
	free(sb.buf);
}

/* ------------------------------------------------------------------ */
/* Values of trees (data initializers, constant-pool entries).        */

static void hash_wide(struct hasher *h, const_tree cst)
{
	int i;

	h_int(h, TYPE_PRECISION(TREE_TYPE(cst)));
	h_int(h, TYPE_UNSIGNED(TREE_TYPE(cst)));
	for (i = 0; i < TREE_INT_CST_NUNITS(cst); i++)
		h_int(h, TREE_INT_CST_ELT(cst, i));
}

static void hash_real(struct hasher *h, const REAL_VALUE_TYPE *r,
		      machine_mode mode)
{
	long buf[8];
	int i;

	memset(buf, 0, sizeof(buf));
	if (SCALAR_FLOAT_MODE_P(mode))
		real_to_target(buf, r, mode);
	else
		buf[0] = real_hash(r);
	for (i = 0; i < 8; i++)
		h_int(h, buf[i]);
}

/* Is this constructor element the lineno of a dynamic-debug descriptor
 * (a variable in section __dyndbg)? */
static bool skip_field(const_tree field)
{
	return ks.in_dyndbg && DECL_NAME(field) &&
	       !strcmp(IDENTIFIER_POINTER(DECL_NAME(field)), "lineno");
}

static void hash_ctor(struct hasher *h, tree t, int depth)
{
	unsigned HOST_WIDE_INT ix;
	tree idx, val;

	h_str(h, "{");
	if (TYPE_SIZE_UNIT(TREE_TYPE(t)) &&
	    tree_fits_shwi_p(TYPE_SIZE_UNIT(TREE_TYPE(t))))
		h_int(h, tree_to_shwi(TYPE_SIZE_UNIT(TREE_TYPE(t))));
	FOR_EACH_CONSTRUCTOR_ELT(CONSTRUCTOR_ELTS(t), ix, idx, val) {
		if (idx && TREE_CODE(idx) == FIELD_DECL) {
			if (skip_field(idx)) {
				h_str(h, "lineno-skipped");
				continue;
			}
			h_str(h, ".");
			if (tree_fits_shwi_p(bit_position(idx)))
				h_int(h, int_bit_position(idx));
			if (DECL_SIZE(idx) && tree_fits_shwi_p(DECL_SIZE(idx)))
				h_int(h, tree_to_shwi(DECL_SIZE(idx)));
		} else if (idx && TREE_CODE(idx) == RANGE_EXPR) {
			h_str(h, "[..]");
			hash_tree_value(h, TREE_OPERAND(idx, 0), depth + 1);
			hash_tree_value(h, TREE_OPERAND(idx, 1), depth + 1);
		} else if (idx) {
			h_str(h, "[]");
			hash_tree_value(h, idx, depth + 1);
		} else {
			h_str(h, "#");
			h_int(h, ix);
		}
		hash_tree_value(h, val, depth + 1);
	}
	h_str(h, "}");
}

static void hash_tree_value(struct hasher *h, tree t, int depth)
{
	int i, n;

	if (!t || t == error_mark_node) {
		h_str(h, "null");
		return;
	}
	if (depth > 64) {
		h_str(h, "deep");
		return;
	}
	switch (TREE_CODE(t)) {
	case INTEGER_CST:
		h_str(h, "int");
		hash_wide(h, t);
		return;
	case REAL_CST:
		h_str(h, "real");
		hash_real(h, TREE_REAL_CST_PTR(t), TYPE_MODE(TREE_TYPE(t)));
		return;
	case STRING_CST:
		h_str(h, "string");
		h_int(h, TREE_STRING_LENGTH(t));
		h_bytes(h, TREE_STRING_POINTER(t), TREE_STRING_LENGTH(t));
		if (h->dump) {
			fputc('"', ks.dump);
			for (i = 0; i < TREE_STRING_LENGTH(t); i++) {
				char c = TREE_STRING_POINTER(t)[i];

				fputc(ISPRINT(c) ? c : '?', ks.dump);
			}
			fputc('"', ks.dump);
		}
		return;
	case CONSTRUCTOR:
		hash_ctor(h, t, depth);
		return;
	case VAR_DECL:
	case FUNCTION_DECL:
		hash_decl_ref(h, t, NULL);
		return;
	case CONST_DECL:
		hash_tree_value(h, DECL_INITIAL(t), depth + 1);
		return;
	case LABEL_DECL:
		h_str(h, "label");
		return;
	case COMPONENT_REF:
		hash_tree_value(h, TREE_OPERAND(t, 0), depth + 1);
		h_str(h, ".");
		if (tree_fits_shwi_p(bit_position(TREE_OPERAND(t, 1))))
			h_int(h, int_bit_position(TREE_OPERAND(t, 1)));
		return;
	default:
		break;
	}
	if (TYPE_P(t)) {
		h_str(h, "type");
		return;
	}
	/* Expressions (ADDR_EXPR, ARRAY_REF, MEM_REF, conversions, ...). */
	h_str(h, get_tree_code_name(TREE_CODE(t)));
	if (!EXPR_P(t))
		return;
	n = TREE_OPERAND_LENGTH(t);
	for (i = 0; i < n; i++)
		hash_tree_value(h, TREE_OPERAND(t, i), depth + 1);
}

/* ------------------------------------------------------------------ */
/* The code checksum: the RTL instruction stream after final.         */

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

static int label_ordinal(struct fn_ctx *c, rtx label)
{
	int uid;

	if (!label)
		return -1;
	uid = INSN_UID(label);
	if (uid < 0 || uid >= c->max_uid || !c->label_ord[uid])
		return -1;
	return c->label_ord[uid] - 1;
}

static void hash_rtx(struct fn_ctx *c, const_rtx x);

/*
 * A string literal holding "FILE:LINE" of the insn that loads it
 * (__FILE__ ":" __stringify(__LINE__), e.g. fortify's "field ... at
 * net/core/dev.c:10273"): LINE is hashed into lines=, the rest into <sum>.
 */
static bool hash_string_with_line(struct fn_ctx *c, tree str)
{
	const char *p = TREE_STRING_POINTER(str), *end = p + TREE_STRING_LENGTH(str);
	const char *base, *q;
	expanded_location xl;
	char num[32];
	size_t bl, nl;

	if (!c->insn || !INSN_HAS_LOCATION(c->insn))
		return false;
	xl = expand_location(INSN_LOCATION(c->insn));
	if (!xl.file || xl.line <= 0)
		return false;
	base = lbasename(xl.file);
	bl = strlen(base);
	nl = snprintf(num, sizeof(num), ":%d", xl.line);
	for (q = p; q + bl + nl <= end; q++) {
		if (memcmp(q, base, bl) || memcmp(q + bl, num, nl) ||
		    (q + bl + nl < end && ISDIGIT(q[bl + nl])) ||
		    (q > p && q[-1] != '/' && q[-1] != ' ' && q[-1] != '"'))
			continue;
		h_str(&c->code, "string-with-line");
		h_int(&c->code, q + bl + 1 - p);
		h_bytes(&c->code, p, q + bl + 1 - p);
		h_bytes(&c->code, q + bl + nl, end - (q + bl + nl));
		h_int(&c->lines, xl.line);
		c->have_lines = true;
		return true;
	}
	return false;
}

static void hash_symbol_ref(struct fn_ctx *c, const_rtx x)
{
	struct hasher *h = &c->code;
	tree decl;

	if (CONSTANT_POOL_ADDRESS_P(x)) {
		h_str(h, "pool");
		h_str(h, GET_MODE_NAME(get_pool_mode(x)));
		hash_rtx(c, get_pool_constant(x));
		return;
	}
	decl = SYMBOL_REF_DECL(x);
	if (TREE_CONSTANT_POOL_ADDRESS_P(x) && decl && DECL_P(decl)) {
		h_str(h, "const");
		if (DECL_INITIAL(decl) &&
		    TREE_CODE(DECL_INITIAL(decl)) == STRING_CST &&
		    hash_string_with_line(c, DECL_INITIAL(decl)))
			return;
		hash_tree_value(h, DECL_INITIAL(decl), 0);
		return;
	}
	h_str(h, "sym");
	hash_decl_ref(h, decl, strip_star(XSTR(x, 0)));
}

/* Uses of asm operand N in a template. */
struct opuse {
	bool used, as_label, on_line_line;
};

static void scan_template(const char *tpl, int opno, struct opuse *u)
{
	const char *p, *line = tpl;

	memset(u, 0, sizeof(*u));
	for (p = tpl; *p; p++) {
		const char *q, *eol;
		int n;

		if (*p == '\n')
			line = p + 1;
		if (*p != '%')
			continue;
		if (p[1] == '%') {
			p++;
			continue;
		}
		for (q = p + 1; ISALPHA(*q); q++)
			;
		if (!ISDIGIT(*q))
			continue;
		n = (int)strtol(q, (char **)&eol, 10);
		if (n != opno)
			continue;
		u->used = true;
		if (*eol == ':' || ((*eol == 'b' || *eol == 'f') &&
				    !ISALNUM(eol[1]) && eol[1] != '_'))
			u->as_label = true;
		eol = strchr(p, '\n');
		if (!eol)
			eol = p + strlen(p);
		for (q = line; q + 6 <= eol; q++)
			if (!strncmp(q, "::line", 6))
				u->on_line_line = true;
	}
}

/*
 * "__initcall__kmod_<mod>__<counter>_<line>_<fn><level>" (LEN bytes at NAME)
 * -> "__initcall__kmod_<mod>__<fn><level>" appended to SB: the __COUNTER__
 * and __LINE__ parts shift with unrelated edits. False when NAME is not one.
 */
static bool initcall_norm(struct strbuf *sb, const char *name, size_t len)
{
	static const char initcall[] = "__initcall__kmod_";
	const size_t plen = sizeof(initcall) - 1;
	const char *p, *q, *end = name + len;

	if (len <= plen || strncmp(name, initcall, plen))
		return false;
	for (p = name + plen; p + 2 < end; p++) {
		if (p[0] != '_' || p[1] != '_' || !ISDIGIT(p[2]))
			continue;
		for (q = p + 2; q < end && ISDIGIT(*q); q++)
			;
		if (q + 1 >= end || *q != '_' || !ISDIGIT(q[1]))
			continue;
		for (q++; q < end && ISDIGIT(*q); q++)
			;
		if (q >= end || *q != '_')
			continue;
		sb_add(sb, name, p - name);
		sb_puts(sb, "__");
		sb_add(sb, q + 1, end - q - 1);
		return true;
	}
	return false;
}

/* The template with numeric local labels renumbered in order of
 * appearance and initcall names normalized (initcall_norm). */
static void hash_template(struct hasher *h, const char *tpl)
{
	struct strbuf sb = { NULL, 0, 0 };
	long seen[64];
	int nseen = 0;
	const char *p = tpl;

	sb_puts(&sb, "");
	while (*p) {
		const char *q = p;
		bool start = p == tpl || !(ISALNUM(p[-1]) || p[-1] == '_' ||
					   p[-1] == '.' || p[-1] == '$' ||
					   p[-1] == '%');

		if (start && !strncmp(p, "__initcall__kmod_", 17)) {
			while (ISALNUM(*q) || *q == '_')
				q++;
			if (!initcall_norm(&sb, p, q - p))
				sb_add(&sb, p, q - p);
			p = q;
			continue;
		}
		if (start && ISDIGIT(*p)) {
			while (ISDIGIT(*q))
				q++;
			if (*q == ':' || ((*q == 'b' || *q == 'f') &&
					  !ISALNUM(q[1]) && q[1] != '_')) {
				long v = strtol(p, NULL, 10);
				int i;

				for (i = 0; i < nseen && seen[i] != v; i++)
					;
				if (i == nseen && nseen < 64)
					seen[nseen++] = v;
				sb_printf(&sb, "L%d", i);
				p = q;
				continue;
			}
			sb_add(&sb, p, q - p);
			p = q;
			continue;
		}
		sb_add(&sb, p, 1);
		p++;
	}
	h_str(h, sb.buf);
	free(sb.buf);
}

static void hash_asm_operands(struct fn_ctx *c, const_rtx x)
{
	struct hasher *h = &c->code;
	const char *tpl = ASM_OPERANDS_TEMPLATE(x);
	bool bug_table = strstr(tpl, "__bug_table") != NULL;
	int i, n = ASM_OPERANDS_INPUT_LENGTH(x);

	h_str(h, "asm");
	hash_template(h, tpl);
	h_str(h, ASM_OPERANDS_OUTPUT_CONSTRAINT(x));
	h_int(h, ASM_OPERANDS_OUTPUT_IDX(x));
	h_int(h, MEM_VOLATILE_P(x));
	for (i = 0; i < n; i++) {
		rtx op = ASM_OPERANDS_INPUT(x, i);
		struct opuse u;

		h_str(h, ASM_OPERANDS_INPUT_CONSTRAINT(x, i));
		if (!CONST_INT_P(op)) {
			hash_rtx(c, op);
			continue;
		}
		scan_template(tpl, c->asm_noutputs + i, &u);
		if (!u.used) {
			h_str(h, "unused-int");
		} else if (u.as_label) {
			h_str(h, "label-int");
		} else if (bug_table && u.on_line_line) {
			h_str(h, "line-int");
			h_int(&c->lines, INTVAL(op));
			c->have_lines = true;
		} else {
			h_int(h, INTVAL(op));
		}
	}
	n = ASM_OPERANDS_LABEL_LENGTH(x);
	for (i = 0; i < n; i++) {
		h_str(h, "asm-label");
		h_int(h, label_ordinal(c, label_ref_label(
					      ASM_OPERANDS_LABEL(x, i))));
	}
}

static void hash_rtx_operands(struct fn_ctx *c, const_rtx x)
{
	struct hasher *h = &c->code;
	const char *fmt = GET_RTX_FORMAT(GET_CODE(x));
	int i, j;

	for (i = 0; fmt[i]; i++) {
		switch (fmt[i]) {
		case 'e':
			hash_rtx(c, XEXP(x, i));
			break;
		case 'E':
		case 'V':
			if (!XVEC(x, i)) {
				h_int(h, -1);
				break;
			}
			h_int(h, XVECLEN(x, i));
			for (j = 0; j < XVECLEN(x, i); j++)
				hash_rtx(c, XVECEXP(x, i, j));
			break;
		case 'i':
		case 'n':
			h_int(h, XINT(x, i));
			break;
		case 'w':
			h_int(h, XWINT(x, i));
			break;
		case 's':
		case 'S':
		case 'T':
			h_str(h, XSTR(x, i));
			break;
		case 'u':
			if (XEXP(x, i) && LABEL_P(XEXP(x, i)))
				h_int(h, label_ordinal(c, XEXP(x, i)));
			break;
		case 'p':
			h_int(h, SUBREG_BYTE(x).to_constant());
			break;
		default:	/* '0', 't', 'B', 'r', 'b': not code */
			break;
		}
	}
}

static void hash_rtx(struct fn_ctx *c, const_rtx x)
{
	struct hasher *h = &c->code;
	int i;

	if (!x) {
		h_str(h, "nil");
		return;
	}
	h_str(h, GET_RTX_NAME(GET_CODE(x)));
	if (GET_MODE(x) != VOIDmode)
		h_str(h, GET_MODE_NAME(GET_MODE(x)));
	switch (GET_CODE(x)) {
	case SYMBOL_REF:
		hash_symbol_ref(c, x);
		return;
	case LABEL_REF:
		h_int(h, label_ordinal(c, label_ref_label(x)));
		return;
	case ASM_OPERANDS:
		hash_asm_operands(c, x);
		return;
	case ASM_INPUT:
		hash_template(h, XSTR(x, 0));
		return;
	case REG:
		h_int(h, REGNO(x));
		return;
	case CONST_INT:
		if (c->cur_line > 0 && INTVAL(x) == c->cur_line) {
			h_str(h, "line-int");
			h_int(&c->lines, INTVAL(x));
			c->have_lines = true;
			return;
		}
		h_int(h, INTVAL(x));
		return;
	case CONST_WIDE_INT:
		h_int(h, CONST_WIDE_INT_NUNITS(x));
		for (i = 0; i < CONST_WIDE_INT_NUNITS(x); i++)
			h_int(h, CONST_WIDE_INT_ELT(x, i));
		return;
	case CONST_DOUBLE:
		if (GET_MODE(x) == VOIDmode) {
			h_int(h, CONST_DOUBLE_LOW(x));
			h_int(h, CONST_DOUBLE_HIGH(x));
		} else {
			hash_real(h, CONST_DOUBLE_REAL_VALUE(x), GET_MODE(x));
		}
		return;
	case CODE_LABEL:
		h_int(h, label_ordinal(c, CONST_CAST_RTX(x)));
		return;
	default:
		hash_rtx_operands(c, x);
	}
}

static int count_asm_outputs(rtx pat)
{
	int i, n = 0;

	if (GET_CODE(pat) == SET && GET_CODE(SET_SRC(pat)) == ASM_OPERANDS)
		return 1;
	if (GET_CODE(pat) != PARALLEL)
		return 0;
	for (i = 0; i < XVECLEN(pat, 0); i++) {
		rtx e = XVECEXP(pat, 0, i);

		if (GET_CODE(e) == SET && GET_CODE(SET_SRC(e)) == ASM_OPERANDS)
			n++;
	}
	return n;
}

static void number_labels(struct fn_ctx *c)
{
	rtx_insn *insn;
	int n = 0;

	c->max_uid = get_max_uid() + 1;
	c->label_ord = XCNEWVEC(int, c->max_uid);
	for (insn = get_insns(); insn; insn = NEXT_INSN(insn)) {
		if (LABEL_P(insn) ||
		    (NOTE_P(insn) &&
		     (NOTE_KIND(insn) == NOTE_INSN_DELETED_LABEL ||
		      NOTE_KIND(insn) == NOTE_INSN_DELETED_DEBUG_LABEL)))
			c->label_ord[INSN_UID(insn)] = ++n;
	}
}

/* The string literals and __func__ references of the function, for
 * line_of_insn(). */
static void collect_line_hints(struct fn_ctx *c)
{
	rtx_insn *insn;
	int cap = 0;

	for (insn = get_insns(); insn; insn = NEXT_INSN(insn)) {
		subrtx_iterator::array_type array;

		if (!NONDEBUG_INSN_P(insn))
			continue;
		FOR_EACH_SUBRTX(iter, array, PATTERN(insn), ALL) {
			const_rtx x = *iter;
			tree d, v;

			if (GET_CODE(x) != SYMBOL_REF || CONSTANT_POOL_ADDRESS_P(x))
				continue;
			d = SYMBOL_REF_DECL(x);
			if (!d || !DECL_P(d))
				continue;
			if (is_static_local(d) && DECL_NAME(d) &&
			    (!strcmp(local_name(d), "__func__") ||
			     !strcmp(local_name(d), "__FUNCTION__")))
				c->has_func_name = true;
			v = DECL_INITIAL(d);
			if (!TREE_CONSTANT_POOL_ADDRESS_P(x) || !v ||
			    TREE_CODE(v) != STRING_CST)
				continue;
			if (c->nstrings == cap) {
				cap = cap ? cap * 2 : 16;
				c->strings = XRESIZEVEC(const char *, c->strings, cap);
			}
			c->strings[c->nstrings++] = TREE_STRING_POINTER(v);
		}
	}
}

/*
 * The line the integer constant of INSN must equal to be taken for __LINE__
 * (and hashed into lines= instead of <sum>), or 0. Only for an insn that
 * loads an immediate into a register or memory; the line is that of the insn's
 * location (for a macro, of its outermost expansion point, as __LINE__),
 * and only when the function also references __FILE__ of that location (a
 * string ending in the file's base name) or __func__, as __LINE__ users do
 * (ASSERT_RTNL(), might_sleep(), pr_err("%s:%d", __func__, __LINE__)).
 */
static long line_of_insn(struct fn_ctx *c, rtx_insn *insn)
{
	expanded_location xl;
	const char *base;
	size_t bl;
	int i;

	rtx set = single_set(insn);

	/* Only an immediate loaded into a register or memory ("mov $N, %edx",
	 * how a call argument is set up), never arithmetic ("add $24, %rsp"). */
	if (!set || !CONST_INT_P(SET_SRC(set)) ||
	    !(REG_P(SET_DEST(set)) || MEM_P(SET_DEST(set))) ||
	    SET_DEST(set) == stack_pointer_rtx || !INSN_HAS_LOCATION(insn))
		return 0;
	xl = expand_location(INSN_LOCATION(insn));
	if (xl.line <= 0 || !xl.file)
		return 0;
	if (c->has_func_name)
		return xl.line;
	base = lbasename(xl.file);
	bl = strlen(base);
	for (i = 0; i < c->nstrings; i++) {
		size_t sl = strlen(c->strings[i]);

		if (sl >= bl && !strcmp(c->strings[i] + sl - bl, base) &&
		    (sl == bl || c->strings[i][sl - bl - 1] == '/'))
			return xl.line;
	}
	return 0;
}

static void hash_attributes(struct hasher *h, tree decl)
{
	tree a;

	for (a = DECL_ATTRIBUTES(decl); a; a = TREE_CHAIN(a)) {
		tree arg;

		/* The section is a record field of its own. */
		if (is_attribute_p("section", get_attribute_name(a)))
			continue;
		h_str(h, "attr");
		h_str(h, IDENTIFIER_POINTER(get_attribute_name(a)));
		for (arg = TREE_VALUE(a); arg && TREE_CODE(arg) == TREE_LIST;
		     arg = TREE_CHAIN(arg))
			hash_tree_value(h, TREE_VALUE(arg), 0);
	}
}

static void hash_function(struct fn_ctx *c, tree decl, const char *name)
{
	rtx_insn *insn;

	h_init(&c->code, "func", name);
	c->lines.h = 0xcbf29ce484222325ULL;
	c->lines.dump = false;
	c->have_lines = false;
	number_labels(c);
	collect_line_hints(c);

	h_str(&c->code, "profile");
	h_int(&c->code, crtl->profile);
	h_int(&c->code, DECL_ALIGN(decl));
	hash_attributes(&c->code, decl);
	for (insn = get_insns(); insn; insn = NEXT_INSN(insn)) {
		if (LABEL_P(insn)) {
			h_newline(&c->code);
			h_str(&c->code, "label");
			h_int(&c->code, label_ordinal(c, insn));
			h_int(&c->code, label_to_alignment(insn).levels[0].log);
			continue;
		}
		if (NOTE_P(insn)) {
			if (NOTE_KIND(insn) == NOTE_INSN_SWITCH_TEXT_SECTIONS) {
				h_newline(&c->code);
				h_str(&c->code, "switch-text-section");
			}
			continue;
		}
		if (JUMP_TABLE_DATA_P(insn)) {
			h_newline(&c->code);
			h_str(&c->code, "jump-table");
			hash_rtx(c, PATTERN(insn));
			continue;
		}
		if (!NONDEBUG_INSN_P(insn))
			continue;
		h_newline(&c->code);
		c->asm_noutputs = count_asm_outputs(PATTERN(insn));
		c->cur_line = line_of_insn(c, insn);
		c->insn = insn;
		hash_rtx(c, PATTERN(insn));
		c->cur_line = 0;
		c->insn = NULL;
	}
	h_end(&c->code);
	free(c->label_ord);
	c->label_ord = NULL;
	free(c->strings);
	c->strings = NULL;
}

/* ------------------------------------------------------------------ */
/* Records of a function (after final).                               */

static const char *section_name(section *s)
{
	if (!s)
		return "?";
	if (SECTION_STYLE(s) == SECTION_NAMED)
		return s->named.name;
	if (s == text_section)
		return ".text";
	if (s == data_section)
		return ".data";
	if (s == readonly_data_section)
		return ".rodata";
	if (s == bss_section)
		return ".bss";
	return "?";
}

static const char *binding(tree decl)
{
	if (DECL_WEAK(decl))
		return "weak";
	return TREE_PUBLIC(decl) ? "global" : "local";
}

/* "f.constprop.0.isra.0" -> "isra"; "" for a non-clone. */
static void clone_kind(const char *name, char *kind, size_t size)
{
	const char *p, *last = NULL;
	size_t n;

	kind[0] = '\0';
	for (p = strchr(name, '.'); p; p = strchr(p + 1, '.'))
		if (!ISDIGIT(p[1]))
			last = p + 1;
	if (!last)
		return;
	n = strcspn(last, ".");
	if (n >= size)
		n = size - 1;
	memcpy(kind, last, n);
	kind[n] = '\0';
}

static void record_function(tree decl)
{
	struct strbuf line = { NULL, 0, 0 };
	struct fn_ctx c;
	const char *name = strip_star(get_fnname_from_decl(decl));
	size_t origin_len = strcspn(name, ".");
	bool saved = in_cold_section_p;
	const char *hot, *cold = NULL;
	char kind[64];

	memset(&c, 0, sizeof(c));
	hash_function(&c, decl, name);

	in_cold_section_p = false;
	hot = section_name(current_function_section());
	if (crtl->has_bb_partition) {
		in_cold_section_p = true;
		cold = section_name(current_function_section());
	}
	in_cold_section_p = saved;

	sb_puts(&line, "func");
	sb_field(&line, name);
	sb_field(&line, hot);
	sb_field(&line, binding(decl));
	sb_printf(&line, " %016llx", c.code.h);
	if (cold) {
		sb_puts(&line, " cold=");
		sb_field(&line, cold);
	}
	clone_kind(name, kind, sizeof(kind));
	if (name[origin_len] && origin_len && kind[0]) {
		char *origin = xstrndup(name, origin_len);

		sb_printf(&line, " origin=");
		sb_field(&line, origin);
		sb_printf(&line, " clone=%s", kind);
		free(origin);
	}
	if (c.have_lines)
		sb_printf(&line, " lines=%016llx", c.lines.h);
	/* sb_field put a space after '='; squeeze "= " to "=". */
	{
		char *p, *q;

		for (p = q = line.buf; *p; p++) {
			if (*p == ' ' && p > line.buf && p[-1] == '=')
				continue;
			*q++ = *p;
		}
		*q = '\0';
	}
	add_record(&ks.records, line.buf);
	free(line.buf);
	if (ks.pending_fn == decl && ks.pending.len) {
		sb_add(&ks.records, ks.pending.buf, ks.pending.len);
	}
	ks.pending.len = 0;
	ks.pending_fn = NULL;
}

/* ------------------------------------------------------------------ */
/* Layouts of structs and unions.                                     */

static bool type_name(tree type, struct strbuf *sb)
{
	tree name = TYPE_NAME(type);
	const char *kind = TREE_CODE(type) == UNION_TYPE ? "union" : "struct";

	if (name && TREE_CODE(name) == TYPE_DECL)
		name = DECL_NAME(name);
	if (!name || TREE_CODE(name) != IDENTIFIER_NODE)
		return false;
	sb_printf(sb, "%s:%s", kind, IDENTIFIER_POINTER(name));
	return true;
}

static bool is_record(const_tree t)
{
	return TREE_CODE(t) == RECORD_TYPE || TREE_CODE(t) == UNION_TYPE;
}

static unsigned long long layout_sum(tree type, int depth);

static void hash_type_desc(struct hasher *h, tree t, int depth, bool shallow)
{
	struct strbuf sb = { NULL, 0, 0 };

	if (!t || depth > 32) {
		h_str(h, "?");
		return;
	}
	t = TYPE_MAIN_VARIANT(t);
	h_str(h, get_tree_code_name(TREE_CODE(t)));
	switch (TREE_CODE(t)) {
	case INTEGER_TYPE:
	case BOOLEAN_TYPE:
	case REAL_TYPE:
		h_int(h, TYPE_PRECISION(t));
		h_int(h, TYPE_UNSIGNED(t));
		break;
	case ENUMERAL_TYPE:
		h_int(h, TYPE_PRECISION(t));
		h_int(h, TYPE_UNSIGNED(t));
		if (TYPE_NAME(t) && TREE_CODE(TYPE_NAME(t)) == IDENTIFIER_NODE)
			h_str(h, IDENTIFIER_POINTER(TYPE_NAME(t)));
		break;
	case POINTER_TYPE:
	case REFERENCE_TYPE:
		hash_type_desc(h, TREE_TYPE(t), depth + 1, true);
		break;
	case ARRAY_TYPE:
		if (TYPE_DOMAIN(t) && TYPE_MAX_VALUE(TYPE_DOMAIN(t)) &&
		    tree_fits_shwi_p(TYPE_MAX_VALUE(TYPE_DOMAIN(t))))
			h_int(h, tree_to_shwi(TYPE_MAX_VALUE(TYPE_DOMAIN(t))));
		else
			h_int(h, -1);
		hash_type_desc(h, TREE_TYPE(t), depth + 1, shallow);
		break;
	case RECORD_TYPE:
	case UNION_TYPE:
		if (type_name(t, &sb)) {
			h_str(h, sb.buf);
			if (shallow)
				break;
		}
		h_int(h, layout_sum(t, depth + 1));
		break;
	case FUNCTION_TYPE:
		/*
		 * Through a pointer: a callback's prototype is not part of
		 * the layout. Every unit that sets or calls the member sees
		 * the new prototype: its code changes and is in the update,
		 * or it fails to compile (xfrm_mgr's migrate gains a net).
		 */
		break;
	default:
		break;
	}
	free(sb.buf);
}

static unsigned long long layout_sum(tree type, int depth)
{
	unsigned long long v;
	struct hasher h;
	tree f;

	type = TYPE_MAIN_VARIANT(type);
	if (pm_get(&ks.layouts, type, &v))
		return v;
	h.h = 0xcbf29ce484222325ULL;
	h.dump = false;
	h_str(&h, TREE_CODE(type) == UNION_TYPE ? "union" : "struct");
	if (!COMPLETE_TYPE_P(type)) {
		h_str(&h, "incomplete");
		return h.h;
	}
	h_int(&h, tree_fits_shwi_p(TYPE_SIZE(type)) ?
		  tree_to_shwi(TYPE_SIZE(type)) : -1);
	h_int(&h, TYPE_ALIGN(type));
	for (f = TYPE_FIELDS(type); f; f = DECL_CHAIN(f)) {
		if (TREE_CODE(f) != FIELD_DECL)
			continue;
		h_str(&h, DECL_NAME(f) ? IDENTIFIER_POINTER(DECL_NAME(f)) :
					 "<anon>");
		h_int(&h, tree_fits_shwi_p(bit_position(f)) ?
			  int_bit_position(f) : -1);
		h_int(&h, DECL_SIZE(f) && tree_fits_shwi_p(DECL_SIZE(f)) ?
			  tree_to_shwi(DECL_SIZE(f)) : -1);
		h_int(&h, DECL_BIT_FIELD(f));
		hash_type_desc(&h, TREE_TYPE(f), depth, false);
	}
	pm_put(&ks.layouts, type, h.h);
	return h.h;
}

static void note_type(tree t)
{
	while (t && TREE_CODE(t) == ARRAY_TYPE)
		t = TREE_TYPE(t);
	if (!t || !is_record(t))
		return;
	t = TYPE_MAIN_VARIANT(t);
	if (!COMPLETE_TYPE_P(t))
		return;
	pm_put(&ks.fn_types, t, 1);
}

static tree note_types_cb(tree *tp, int *walk_subtrees, void *data)
{
	tree t = *tp;

	(void)data;
	if (TYPE_P(t)) {
		*walk_subtrees = 0;
		return NULL_TREE;
	}
	if (DECL_P(t)) {
		if (TREE_CODE(t) == VAR_DECL || TREE_CODE(t) == PARM_DECL ||
		    TREE_CODE(t) == RESULT_DECL)
			note_type(TREE_TYPE(t));
		*walk_subtrees = 0;
		return NULL_TREE;
	}
	if (TREE_CODE(t) == COMPONENT_REF)
		note_type(DECL_CONTEXT(TREE_OPERAND(t, 1)));
	if (TREE_TYPE(t))
		note_type(TREE_TYPE(t));
	return NULL_TREE;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* One "type" record per type name in the unit (the first one seen). */
static void emit_type_record(tree t, const char *tname)
{
	struct strbuf line = { NULL, 0, 0 };
	tree id = get_identifier(tname);

	if (pm_get(&ks.type_emitted, id, NULL))
		return;
	pm_put(&ks.type_emitted, id, 1);
	sb_puts(&line, "type");
	sb_field(&line, tname);
	sb_printf(&line, " %lld %016llx",
		  tree_fits_shwi_p(TYPE_SIZE_UNIT(t)) ?
		  (long long)tree_to_shwi(TYPE_SIZE_UNIT(t)) : -1LL,
		  layout_sum(t, 0));
	add_record(&ks.records, line.buf);
	free(line.buf);
}

struct named_type {
	char *name;
	tree type;
	unsigned long long sum;
};

/* By name, then layout: record order must not depend on addresses. */
static int cmp_named_type(const void *a, const void *b)
{
	const struct named_type *x = (const struct named_type *)a;
	const struct named_type *y = (const struct named_type *)b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	return x->sum < y->sum ? -1 : x->sum > y->sum;
}

/* "uses" and "type" records for the types in ks.fn_types. */
static void flush_types(const char *fn)
{
	struct named_type *v = XNEWVEC(struct named_type, ks.fn_types.n + 1);
	size_t i, n = 0;

	for (i = 0; i < ks.fn_types.cap; i++) {
		struct strbuf sb = { NULL, 0, 0 };
		tree t = (tree)CONST_CAST(void *, ks.fn_types.keys[i]);

		if (!t || !type_name(t, &sb)) {
			free(sb.buf);
			continue;
		}
		v[n].name = sb.buf;
		v[n].type = t;
		v[n].sum = layout_sum(t, 0);
		n++;
	}
	qsort(v, n, sizeof(*v), cmp_named_type);
	for (i = 0; i < n; i++) {
		if (i && !strcmp(v[i].name, v[i - 1].name))
			continue;
		emit_type_record(v[i].type, v[i].name);
		sb_puts(&ks.pending, "uses");
		sb_field(&ks.pending, fn);
		sb_field(&ks.pending, v[i].name);
		sb_puts(&ks.pending, "\n");
	}
	for (i = 0; i < n; i++)
		free(v[i].name);
	free(v);
	pm_clear(&ks.fn_types);
}

static void collect_inlines(tree block, struct ptrmap *seen)
{
	tree b;

	for (; block; block = BLOCK_CHAIN(block)) {
		if (inlined_function_outer_scope_p(block)) {
			tree o = block_ultimate_origin(block);

			if (o && TREE_CODE(o) == FUNCTION_DECL)
				pm_put(seen, o, 1);
		}
		b = BLOCK_SUBBLOCKS(block);
		if (b)
			collect_inlines(b, seen);
	}
}

static void flush_inlines(tree decl, const char *fn)
{
	struct ptrmap seen = { NULL, NULL, 0, 0 };
	const char **names;
	size_t i, n = 0;

	if (DECL_INITIAL(decl) && TREE_CODE(DECL_INITIAL(decl)) == BLOCK)
		collect_inlines(DECL_INITIAL(decl), &seen);
	names = XNEWVEC(const char *, seen.n + 1);
	for (i = 0; i < seen.cap; i++) {
		tree o = (tree)CONST_CAST(void *, seen.keys[i]);

		if (o && DECL_NAME(o))
			names[n++] = IDENTIFIER_POINTER(DECL_NAME(o));
	}
	qsort(names, n, sizeof(*names), cmp_str);
	for (i = 0; i < n; i++) {
		if (i && !strcmp(names[i], names[i - 1]))
			continue;
		sb_puts(&ks.pending, "inline");
		sb_field(&ks.pending, fn);
		sb_field(&ks.pending, names[i]);
		sb_puts(&ks.pending, "\n");
	}
	free(names);
	pm_clear(&seen);
}

/* GIMPLE pass, after "optimized": types used and functions inlined. */
static unsigned int ksplice_gimple_execute(function *fun)
{
	tree decl = fun->decl, var, parm;
	const char *fn = decl_name_str(decl);
	basic_block bb;
	unsigned ix;

	ks.pending.len = 0;
	ks.pending_fn = decl;
	pm_clear(&ks.fn_types);
	FOR_EACH_BB_FN(bb, fun) {
		gimple_stmt_iterator gsi;

		for (gsi = gsi_start_bb(bb); !gsi_end_p(gsi); gsi_next(&gsi)) {
			struct walk_stmt_info wi;

			memset(&wi, 0, sizeof(wi));
			walk_gimple_op(gsi_stmt(gsi), note_types_cb, &wi);
		}
	}
	FOR_EACH_LOCAL_DECL(fun, ix, var)
		note_type(TREE_TYPE(var));
	for (parm = DECL_ARGUMENTS(decl); parm; parm = DECL_CHAIN(parm))
		note_type(TREE_TYPE(parm));
	if (DECL_RESULT(decl))
		note_type(TREE_TYPE(DECL_RESULT(decl)));
	flush_inlines(decl, fn);
	flush_types(fn);
	return 0;
}

static unsigned int ksplice_final_execute(function *fun)
{
	record_function(fun->decl);
	return 0;
}

static const pass_data ksplice_gimple_pass_data = {
	GIMPLE_PASS, "ksplice_types", OPTGROUP_NONE, TV_NONE,
	PROP_cfg, 0, 0, 0, 0
};

class ksplice_gimple_pass : public gimple_opt_pass {
public:
	ksplice_gimple_pass() : gimple_opt_pass(ksplice_gimple_pass_data, g) {}
	unsigned int execute(function *fun) final override
	{
		return ksplice_gimple_execute(fun);
	}
	opt_pass *clone() final override { return new ksplice_gimple_pass(); }
};

static const pass_data ksplice_final_pass_data = {
	RTL_PASS, "ksplice_sums", OPTGROUP_NONE, TV_NONE, 0, 0, 0, 0, 0
};

class ksplice_final_pass : public rtl_opt_pass {
public:
	ksplice_final_pass() : rtl_opt_pass(ksplice_final_pass_data, g) {}
	unsigned int execute(function *fun) final override
	{
		return ksplice_final_execute(fun);
	}
	opt_pass *clone() final override { return new ksplice_final_pass(); }
};

/* ------------------------------------------------------------------ */
/* Data objects, aliases, top-level asm, emission.                    */

static int cmp_uid(const void *a, const void *b)
{
	const_tree x = *(const const_tree *)a, y = *(const const_tree *)b;

	return DECL_UID(x) < DECL_UID(y) ? -1 : DECL_UID(x) > DECL_UID(y);
}

static const char *var_section_name(tree decl)
{
	section *s;

	if (DECL_SECTION_NAME(decl))
		return DECL_SECTION_NAME(decl);
	s = get_variable_section(decl, DECL_INITIAL(decl) &&
			DECL_INITIAL(decl) != error_mark_node &&
			compute_reloc_for_constant(DECL_INITIAL(decl)));
	return section_name(s);
}

/* The diff key of a file-scope data name (see README "Names and keys"). */
static void data_key(struct strbuf *sb, const char *name, struct strbuf *names)
{
	size_t n = norm_len(name);

	if (n != strlen(name)) {
		/* __UNIQUE_ID_<tag>NNN: count earlier ones with this tag. */
		size_t off = names->len, i, k = 0;

		sb_add(names, name, n);
		sb_add(names, "", 1);
		for (i = 0; i < off; i += strlen(names->buf + i) + 1)
			if (!strcmp(names->buf + i, names->buf + off))
				k++;
		sb_printf(sb, "%.*s#%zu", (int)n, name, k);
		return;
	}
	if (initcall_norm(sb, name, strlen(name)))
		return;
	sb_puts(sb, name);
}

static void record_data(tree decl, struct strbuf *names)
{
	struct strbuf line = { NULL, 0, 0 }, key = { NULL, 0, 0 };
	const char *name = decl_name_str(decl);
	const char *sec = var_section_name(decl);
	struct hasher h;
	long long size = -1;

	if (DECL_SIZE_UNIT(decl) && tree_fits_shwi_p(DECL_SIZE_UNIT(decl)))
		size = tree_to_shwi(DECL_SIZE_UNIT(decl));
	h_init(&h, "data", name);
	h_int(&h, TREE_READONLY(decl));
	ks.in_dyndbg = !strcmp(sec, "__dyndbg");
	if (DECL_INITIAL(decl) && DECL_INITIAL(decl) != error_mark_node)
		hash_tree_value(&h, DECL_INITIAL(decl), 0);
	else
		h_str(&h, "zero");
	ks.in_dyndbg = false;
	h_end(&h);

	if (is_static_local(decl))
		sb_static_local_key(&key, decl);
	else
		data_key(&key, name, names);

	sb_puts(&line, "data");
	sb_field(&line, name);
	sb_field(&line, key.buf);
	sb_field(&line, sec);
	sb_field(&line, binding(decl));
	sb_printf(&line, " %lld %016llx", size, h.h);
	if (is_static_local(decl)) {
		sb_puts(&line, " owner=");
		sb_field(&line, IDENTIFIER_POINTER(DECL_NAME(DECL_CONTEXT(decl))));
	}
	{
		char *p, *q;

		for (p = q = line.buf; *p; p++) {
			if (*p == ' ' && p > line.buf && p[-1] == '=')
				continue;
			*q++ = *p;
		}
		*q = '\0';
	}
	add_record(&ks.records, line.buf);
	free(line.buf);
	free(key.buf);
}

static void record_data_objects(void)
{
	struct strbuf names = { NULL, 0, 0 };
	varpool_node *vn;
	tree *decls;
	size_t i, n = 0, cap = 0;

	FOR_EACH_VARIABLE(vn)
		cap++;
	decls = XNEWVEC(tree, cap + 1);
	FOR_EACH_VARIABLE(vn) {
		tree d = vn->decl;

		if (vn->alias || DECL_EXTERNAL(d) || !TREE_ASM_WRITTEN(d) ||
		    DECL_HARD_REGISTER(d))
			continue;
		decls[n++] = d;
	}
	qsort(decls, n, sizeof(*decls), cmp_uid);
	for (i = 0; i < n; i++)
		record_data(decls[i], &names);
	free(decls);
	free(names.buf);
}

static void record_aliases(void)
{
	symtab_node *node;

	FOR_EACH_SYMBOL(node) {
		struct strbuf line = { NULL, 0, 0 };
		symtab_node *target;

		if (!node->alias || node->weakref || !node->definition ||
		    DECL_EXTERNAL(node->decl))
			continue;
		target = node->get_alias_target();
		sb_puts(&line, "alias");
		sb_field(&line, strip_star(node->asm_name()));
		sb_field(&line, target ? strip_star(target->asm_name()) : "?");
		sb_field(&line, binding(node->decl));
		add_record(&ks.records, line.buf);
		free(line.buf);
	}
}

/* "asmsym" records: the labels a top-level asm statement defines
 * ("name:" at the start of a statement, not numeric, not .L). */
static void record_asm_labels(const char *text)
{
	const char *p = text;

	while (*p) {
		const char *start, *q;

		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == ';')
			p++;
		start = p;
		for (q = p; ISALNUM(*q) || *q == '_' || *q == '.' || *q == '$';)
			q++;
		if (q > start && *q == ':' && !ISDIGIT(*start) &&
		    strncmp(start, ".L", 2)) {
			char *name = xstrndup(start, q - start);

			sb_puts(&ks.asm_syms, "asmsym");
			sb_field(&ks.asm_syms, name);
			sb_puts(&ks.asm_syms, "\n");
			free(name);
			p = q + 1;
			continue;
		}
		while (*p && *p != '\n' && *p != ';')
			p++;
	}
}

static void toplevel_asm_cb(void *gcc_data, void *user_data)
{
	asm_node *a;
	struct hasher h;

	(void)gcc_data;
	(void)user_data;
	h_init(&h, "asm", "toplevel");
	for (a = symtab->first_asm_symbol(); a; a = a->next) {
		ks.have_toplevel_asm = true;
		hash_template(&h, TREE_STRING_POINTER(a->asm_str));
		record_asm_labels(TREE_STRING_POINTER(a->asm_str));
	}
	h_end(&h);
	ks.toplevel_asm = h.h;
}

/* .ascii lines for the records section. */
static void emit_ascii(FILE *f, const char *s, size_t n)
{
	size_t i, col = 0;

	for (i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (!col)
			fputs("\t.ascii \"", f);
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < ' ' || c > '~')
			fprintf(f, "\\%03o", c);
		else
			fputc(c, f);
		if (++col >= 200 || c == '\n' || i + 1 == n) {
			fputs("\"\n", f);
			col = 0;
		}
	}
}

static void finish_unit_cb(void *gcc_data, void *user_data)
{
	struct strbuf head = { NULL, 0, 0 }, tail = { NULL, 0, 0 };

	(void)gcc_data;
	(void)user_data;
	if (seen_error() || !asm_out_file)
		return;
	record_data_objects();
	record_aliases();
	if (ks.have_toplevel_asm) {
		sb_printf(&tail, "asm %016llx", ks.toplevel_asm);
		add_record(&ks.records, tail.buf);
		tail.len = 0;
		sb_add(&ks.records, ks.asm_syms.buf ? ks.asm_syms.buf : "",
		       ks.asm_syms.len);
	}
	sb_printf(&head, "ksplice-records %d\nunit", RECORDS_VERSION);
	sb_field(&head, ks.unit);
	sb_puts(&head, "\ncompiler");
	sb_field(&head, version_string);
	sb_puts(&head, "\n");
	sb_printf(&tail, "end %lu\n", count_lines(&ks.records) + 3);

	fprintf(asm_out_file, "\t.pushsection %s,\"\",@progbits\n",
		RECORDS_SECTION);
	emit_ascii(asm_out_file, head.buf, head.len);
	if (ks.records.len)
		emit_ascii(asm_out_file, ks.records.buf, ks.records.len);
	emit_ascii(asm_out_file, tail.buf, tail.len);
	fputs("\t.popsection\n", asm_out_file);
	free(head.buf);
	free(tail.buf);
}

static void finish_cb(void *gcc_data, void *user_data)
{
	(void)gcc_data;
	(void)user_data;
	if (ks.dump && fclose(ks.dump))
		error("%s: cannot write dump file %qs: %s", plugin_name,
		      ks.dump_path, xstrerror(errno));
	ks.dump = NULL;
}

/* ------------------------------------------------------------------ */
/* Initialisation.                                                    */

static bool parse_args(struct plugin_name_args *info)
{
	int i;

	for (i = 0; i < info->argc; i++) {
		const char *key = info->argv[i].key;
		const char *val = info->argv[i].value;

		if (!strcmp(key, "unit") || !strcmp(key, "dump")) {
			if (!val || !*val) {
				error("%s: option %qs needs a value (%s=...)",
				      plugin_name, key, key);
				return false;
			}
			if (!strcmp(key, "unit"))
				ks.unit = val;
			else
				ks.dump_path = val;
			continue;
		}
		error("%s: unknown option %qs (known: unit=PATH, dump=FILE)",
		      plugin_name, key);
		return false;
	}
	return true;
}

static bool check_version(struct plugin_gcc_version *version)
{
	struct plugin_gcc_version built = gcc_version;

#ifdef KSPLICE_TEST_BUILT_FOR
	built.basever = KSPLICE_TEST_BUILT_FOR;
#endif
	if (plugin_default_version_check(version, &built))
		return true;
	error("%s: built for gcc %s, but loaded into gcc %s; rebuild it with "
	      "this compiler (make -C gcc-plugin)", plugin_name,
	      built.basever, version->basever);
	return false;
}

static struct register_pass_info gimple_pass_info, final_pass_info;

int plugin_init(struct plugin_name_args *info,
		struct plugin_gcc_version *version)
{
	if (!check_version(version) || !parse_args(info))
		return 1;
	if (!ks.unit)
		ks.unit = main_input_filename ? main_input_filename : "";
	if (flag_lto) {
		error("%s: %<-flto%> is not supported", plugin_name);
		return 1;
	}
	if (ks.dump_path) {
		ks.dump = fopen(ks.dump_path, "w");
		if (!ks.dump) {
			error("%s: cannot open dump file %qs: %s", plugin_name,
			      ks.dump_path, xstrerror(errno));
			return 1;
		}
	}
	flag_function_sections = 1;
	flag_data_sections = 1;

	gimple_pass_info.pass = new ksplice_gimple_pass();
	gimple_pass_info.reference_pass_name = "optimized";
	gimple_pass_info.ref_pass_instance_number = 1;
	gimple_pass_info.pos_op = PASS_POS_INSERT_AFTER;
	final_pass_info.pass = new ksplice_final_pass();
	final_pass_info.reference_pass_name = "final";
	final_pass_info.ref_pass_instance_number = 1;
	final_pass_info.pos_op = PASS_POS_INSERT_AFTER;

	register_callback(plugin_name, PLUGIN_PASS_MANAGER_SETUP, NULL,
			  &gimple_pass_info);
	register_callback(plugin_name, PLUGIN_PASS_MANAGER_SETUP, NULL,
			  &final_pass_info);
	register_callback(plugin_name, PLUGIN_ALL_IPA_PASSES_END,
			  toplevel_asm_cb, NULL);
	register_callback(plugin_name, PLUGIN_FINISH_UNIT, finish_unit_cb,
			  NULL);
	register_callback(plugin_name, PLUGIN_FINISH, finish_cb, NULL);
	return 0;
}

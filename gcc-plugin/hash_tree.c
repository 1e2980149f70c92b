// SPDX-License-Identifier: GPL-2.0
/*
 * hash_tree.c: the FNV-1a 64 hasher (and the dump of its tokens), the names
 * of symbols as they are hashed and recorded (statics qualified by unit,
 * static locals as owner::name#k) and the hash of tree values: data
 * initializers and constant-pool entries.
 */

#include "ksplice_plugin.h"

/* ------------------------------------------------------------------ */
/* FNV-1a 64 over a token stream; the dump shows the same tokens.     */

void h_init(struct hasher *h, const char *what, const char *name)
{
	h->h = 0xcbf29ce484222325ULL;
	h->dump = ks.dump != NULL;
	if (h->dump)
		fprintf(ks.dump, "%s %s:", what, name);
}

void h_bytes(struct hasher *h, const void *p, size_t n)
{
	const unsigned char *b = (const unsigned char *)p;
	unsigned long long x = h->h;

	while (n--) {
		x ^= *b++;
		x *= 0x100000001b3ULL;
	}
	h->h = x;
}

void h_str(struct hasher *h, const char *s)
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

void h_int(struct hasher *h, long long v)
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

void h_newline(struct hasher *h)
{
	if (h->dump)
		fputs("\n ", ks.dump);
}

void h_end(struct hasher *h)
{
	if (h->dump)
		fprintf(ks.dump, "\n = %016llx\n", h->h);
}

/* ------------------------------------------------------------------ */
/* Names of symbols.                                                  */

const char *strip_star(const char *s)
{
	return s && *s == '*' ? s + 1 : s;
}

const char *decl_name_str(tree decl)
{
	if (DECL_ASSEMBLER_NAME_SET_P(decl))
		return strip_star(IDENTIFIER_POINTER(DECL_ASSEMBLER_NAME(decl)));
	if (DECL_NAME(decl))
		return IDENTIFIER_POINTER(DECL_NAME(decl));
	return "";
}

/* "__UNIQUE_ID_ddebug416" -> length without the __COUNTER__ digits. */
size_t norm_len(const char *name)
{
	size_t n = strlen(name);

	if (strncmp(name, "__UNIQUE_ID_", 12))
		return n;
	while (n > 12 && ISDIGIT(name[n - 1]))
		n--;
	return n;
}

bool is_static_local(const_tree decl)
{
	return TREE_CODE(decl) == VAR_DECL && TREE_STATIC(decl) &&
	       DECL_CONTEXT(decl) &&
	       TREE_CODE(DECL_CONTEXT(decl)) == FUNCTION_DECL;
}

const char *local_name(tree decl)
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

void sb_static_local_key(struct strbuf *sb, tree decl)
{
	const char *name = local_name(decl);

	sb_printf(sb, "%s::%.*s#%d",
		  IDENTIFIER_POINTER(DECL_NAME(DECL_CONTEXT(decl))),
		  (int)norm_len(name), name, static_local_ordinal(decl));
}

/* Hash a reference to a symbol: by name, statics qualified by unit. */
void hash_decl_ref(struct hasher *h, tree decl, const char *name)
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

void hash_real(struct hasher *h, const REAL_VALUE_TYPE *r,
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

void hash_tree_value(struct hasher *h, tree t, int depth)
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

// SPDX-License-Identifier: GPL-2.0
/*
 * types.c: the layout checksums of structs and unions, the types a function
 * uses and the functions inlined into it ("uses", "type" and "inline"
 * records).
 */

#include "ksplice_plugin.h"

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

void note_type(tree t)
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

tree note_types_cb(tree *tp, int *walk_subtrees, void *data)
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
void flush_types(const char *fn)
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

void flush_inlines(tree decl, const char *fn)
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

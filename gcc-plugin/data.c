// SPDX-License-Identifier: GPL-2.0
/*
 * data.c: the records of data objects ("data", with their diff keys), of
 * aliases ("alias") and of the unit's top-level asm ("asm", "asmsym").
 */

#include "ksplice_plugin.h"

/* ------------------------------------------------------------------ */
/* Data objects, aliases, top-level asm.                              */

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
	sb_join_keys(&line);
	add_record(&ks.records, line.buf);
	free(line.buf);
	free(key.buf);
}

void record_data_objects(void)
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

void record_aliases(void)
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

void toplevel_asm_cb(void *gcc_data, void *user_data)
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

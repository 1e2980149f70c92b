// SPDX-License-Identifier: GPL-2.0
/*
 * hash_rtl.c: the code checksum of a function: its RTL instruction stream
 * after final, with labels as ordinals, symbols by name, literals by value,
 * asm templates with local labels renumbered, and the __LINE__ numbers
 * (WARN/BUG, call arguments, "file:line" strings) hashed apart into lines=.
 */

#include "ksplice_plugin.h"

/* ------------------------------------------------------------------ */
/* The code checksum: the RTL instruction stream after final.         */

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
bool initcall_norm(struct strbuf *sb, const char *name, size_t len)
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
void hash_template(struct hasher *h, const char *tpl)
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

void hash_function(struct fn_ctx *c, tree decl, const char *name)
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

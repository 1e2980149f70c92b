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
 *
 * Files (ksplice_plugin.h declares what they share):
 *   ksplice_plugin.c  this: options, version check, plugin state, pass
 *                     registration, the GIMPLE and final passes, the
 *                     "func" records, emission of the records section
 *   strbuf.c          strbuf, ptrmap, the record line helper
 *   hash_tree.c       the hasher, names of symbols, values of trees
 *   hash_rtl.c        the code checksum of a function (RTL after final)
 *   types.c           struct/union layouts, "uses"/"type"/"inline" records
 *   data.c            "data", "alias", "asm" and "asmsym" records
 */

#include "ksplice_plugin.h"
/* Defines static data (gcc_version) that only check_version() uses. */
#include "plugin-version.h"

int plugin_is_GPL_compatible;

static const char plugin_name[] = "ksplice_plugin";

#define RECORDS_SECTION ".discard.ksplice.records"
#define RECORDS_VERSION 1

/* ------------------------------------------------------------------ */
/* Plugin state.                                                      */

struct ks_state ks;

static unsigned long count_lines(const struct strbuf *sb)
{
	unsigned long n = 0;
	size_t i;

	for (i = 0; i < sb->len; i++)
		n += sb->buf[i] == '\n';
	return n;
}

/* ------------------------------------------------------------------ */
/* Records of a function (after final).                               */

const char *section_name(section *s)
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

const char *binding(tree decl)
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
	sb_join_keys(&line);
	add_record(&ks.records, line.buf);
	free(line.buf);
	if (ks.pending_fn == decl && ks.pending.len) {
		sb_add(&ks.records, ks.pending.buf, ks.pending.len);
	}
	ks.pending.len = 0;
	ks.pending_fn = NULL;
}

/* ------------------------------------------------------------------ */
/* The passes.                                                        */

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
/* Emission of the records section.                                   */

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

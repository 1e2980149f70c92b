// SPDX-License-Identifier: GPL-2.0
/*
 * Print records and diffs, as text or JSON (ksplice-sums's output).
 */
#include "records.h"
#include "records_int.h"

#include <stdlib.h>
#include <string.h>

static const char *const func_reason_names[] = {
	"code", "section", "linkage", "cold", "alias"
};
static const char *const data_reason_names[] = {
	"size", "section", "linkage", "initializer"
};

static void print_reasons(FILE *f, unsigned int r, const char *const *names,
			  size_t n, int json)
{
	const char *sep = "";
	size_t i;

	for (i = 0; i < n; i++) {
		if (!(r & (1u << i)))
			continue;
		fprintf(f, json ? "%s\"%s\"" : "%s%s", sep, names[i]);
		sep = json ? ", " : ",";
	}
}

static void json_str(FILE *f, const char *s)
{
	if (!s) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void json_strs(FILE *f, char *const *s, size_t n)
{
	size_t i;

	fputc('[', f);
	for (i = 0; i < n; i++) {
		if (i)
			fputs(", ", f);
		json_str(f, s[i]);
	}
	fputc(']', f);
}

static const char *tf(int b)
{
	return b ? "true" : "false";
}

static int finish(FILE *f)
{
	return fflush(f) || ferror(f) ? -1 : 0;
}

int ks_records_print_text(FILE *f, const struct ks_records *r)
{
	fwrite(r->raw, 1, r->raw_len, f);
	return finish(f);
}

static void print_func_json(FILE *f, const struct ks_func *fn)
{
	fputs("{\"name\": ", f);
	json_str(f, fn->name);
	fputs(", \"unit\": ", f);
	json_str(f, fn->unit);
	if (fn->alias_of) {
		fputs(", \"target\": ", f);
		json_str(f, fn->alias_of);
		fprintf(f, ", \"static\": %s, \"weak\": %s}",
			tf(!strcmp(fn->bind, "local")),
			tf(!strcmp(fn->bind, "weak")));
		return;
	}
	fputs(", \"section\": ", f);
	json_str(f, fn->section);
	fprintf(f, ", \"static\": %s, \"weak\": %s, \"sum\": ",
		tf(!strcmp(fn->bind, "local")), tf(!strcmp(fn->bind, "weak")));
	json_str(f, fn->sum);
	fputs(", \"placement\": ", f);
	json_str(f, ks_placement(fn->section));
	fputs(", \"cold_section\": ", f);
	json_str(f, fn->cold);
	fputs(", \"origin\": ", f);
	json_str(f, fn->origin);
	fputs(", \"clone\": ", f);
	json_str(f, fn->clone);
	fputs(", \"lines\": ", f);
	json_str(f, fn->lines);
	fputs(", \"inlines\": ", f);
	json_strs(f, fn->inlines, fn->n_inlines);
	fputs(", \"uses\": ", f);
	json_strs(f, fn->uses, fn->n_uses);
	fputc('}', f);
}

static void print_data_json(FILE *f, const struct ks_data *d)
{
	fputs("{\"name\": ", f);
	json_str(f, d->name);
	fputs(", \"key\": ", f);
	json_str(f, d->key);
	fputs(", \"unit\": ", f);
	json_str(f, d->unit);
	fputs(", \"section\": ", f);
	json_str(f, d->section);
	fprintf(f, ", \"static\": %s, \"weak\": %s, \"size\": %lld, \"sum\": ",
		tf(!strcmp(d->bind, "local")), tf(!strcmp(d->bind, "weak")),
		d->size);
	json_str(f, d->sum);
	fputs(", \"owner\": ", f);
	json_str(f, d->owner);
	fputs(", \"placement\": ", f);
	json_str(f, ks_placement(d->section));
	fputc('}', f);
}

int ks_records_print_json(FILE *f, const struct ks_records *r)
{
	const char *sep;
	size_t i;

	fputs("{\"units\": [", f);
	for (i = 0; i < r->n_units; i++) {
		fputs(i ? ", {\"unit\": " : "{\"unit\": ", f);
		json_str(f, r->units[i].unit);
		fputs(", \"compiler\": ", f);
		json_str(f, r->units[i].compiler);
		fputs(", \"asm\": ", f);
		json_str(f, r->units[i].asm_sum);
		fputc('}', f);
	}
	fputs("],\n \"asm_symbols\": ", f);
	json_strs(f, r->asm_syms, r->n_asm_syms);
	fputs(",\n \"functions\": [", f);
	for (i = 0, sep = "\n  "; i < r->n_funcs; i++) {
		if (r->funcs[i].alias_of)
			continue;
		fputs(sep, f);
		print_func_json(f, &r->funcs[i]);
		sep = ",\n  ";
	}
	fputs("],\n \"aliases\": [", f);
	for (i = 0, sep = "\n  "; i < r->n_funcs; i++) {
		if (!r->funcs[i].alias_of)
			continue;
		fputs(sep, f);
		print_func_json(f, &r->funcs[i]);
		sep = ",\n  ";
	}
	fputs("],\n \"data\": [", f);
	for (i = 0; i < r->n_data; i++) {
		fputs(i ? ",\n  " : "\n  ", f);
		print_data_json(f, &r->data[i]);
	}
	fputs("],\n \"types\": [", f);
	for (i = 0; i < r->n_types; i++) {
		fputs(i ? ",\n  {\"name\": " : "\n  {\"name\": ", f);
		json_str(f, r->types[i].name);
		fputs(", \"unit\": ", f);
		json_str(f, r->types[i].unit);
		fprintf(f, ", \"size\": %lld, \"sum\": ", r->types[i].size);
		json_str(f, r->types[i].sum);
		fputc('}', f);
	}
	fputs("]}\n", f);
	return finish(f);
}

static void print_func_brief_json(FILE *f, const struct ks_func *fn)
{
	fputs("{\"name\": ", f);
	json_str(f, fn->name);
	fputs(", \"section\": ", f);
	json_str(f, fn->alias_of ? NULL : fn->section);
	fprintf(f, ", \"static\": %s, \"origin\": ",
		tf(!strcmp(fn->bind, "local")));
	json_str(f, fn->origin);
	fputc('}', f);
}

static void print_data_brief_json(FILE *f, const struct ks_data *d)
{
	fputs("{\"name\": ", f);
	json_str(f, d->name);
	fputs(", \"section\": ", f);
	json_str(f, d->section);
	fprintf(f, ", \"static\": %s}", tf(!strcmp(d->bind, "local")));
}

static void json_list_funcs(FILE *f, const char *key,
			    const struct ks_func *const *v, size_t n)
{
	size_t i;

	fprintf(f, " \"%s\": [", key);
	for (i = 0; i < n; i++) {
		fputs(i ? ",\n  " : "\n  ", f);
		print_func_brief_json(f, v[i]);
	}
	fputs("],\n", f);
}

static void json_list_data(FILE *f, const char *key,
			   const struct ks_data *const *v, size_t n)
{
	size_t i;

	fprintf(f, " \"%s\": [", key);
	for (i = 0; i < n; i++) {
		fputs(i ? ",\n  " : "\n  ", f);
		print_data_brief_json(f, v[i]);
	}
	fputs("],\n", f);
}

int ks_diff_print_json(FILE *f, const struct ks_diff *d)
{
	size_t i, k;

	fputs("{\"changed_functions\": [", f);
	for (i = 0; i < d->n_changed; i++) {
		const struct ks_func *b = d->changed[i].post;

		fputs(i ? ",\n  {\"name\": " : "\n  {\"name\": ", f);
		json_str(f, b->name);
		fputs(", \"section\": ", f);
		json_str(f, b->alias_of ? NULL : b->section);
		fprintf(f, ", \"static\": %s, \"origin\": ",
			tf(!strcmp(b->bind, "local")));
		json_str(f, b->origin);
		fputs(", \"reasons\": [", f);
		print_reasons(f, d->changed[i].reasons, func_reason_names, 5, 1);
		fputs("]}", f);
	}
	fputs("],\n", f);
	json_list_funcs(f, "new_functions", d->new_funcs, d->n_new);
	json_list_funcs(f, "removed_functions", d->removed_funcs, d->n_removed);
	fputs(" \"changed_data\": [", f);
	for (i = 0; i < d->n_changed_data; i++) {
		fputs(i ? ",\n  {\"name\": " : "\n  {\"name\": ", f);
		json_str(f, d->changed_data[i].post->name);
		fputs(", \"reason\": \"", f);
		print_reasons(f, d->changed_data[i].reasons, data_reason_names,
			      4, 0);
		fprintf(f, "\", \"trace_output\": %s}",
			tf(ks_data_is_trace_output(d->changed_data[i].post->name,
						   d->changed_data[i].post->owner)));
	}
	fputs("],\n", f);
	json_list_data(f, "new_data", d->new_data, d->n_new_data);
	json_list_data(f, "removed_data", d->removed_data, d->n_removed_data);
	fputs(" \"changed_layouts\": [", f);
	for (i = 0; i < d->n_layouts; i++) {
		fputs(i ? ",\n  {\"type\": " : "\n  {\"type\": ", f);
		json_str(f, d->layouts[i].type);
		fputs(", \"used_by\": [", f);
		for (k = 0; k < d->layouts[i].n_used_by; k++) {
			if (k)
				fputs(", ", f);
			json_str(f, d->layouts[i].used_by[k]);
		}
		fputs("]}", f);
	}
	fputs("],\n \"line_only_functions\": [", f);
	for (i = 0; i < d->n_line_only; i++) {
		if (i)
			fputs(", ", f);
		json_str(f, d->line_only[i]->name);
	}
	fputs("],\n \"changed_toplevel_asm\": [", f);
	for (i = 0; i < d->n_asm_changed; i++) {
		if (i)
			fputs(", ", f);
		json_str(f, d->asm_changed[i]);
	}
	fputs("]}\n", f);
	return finish(f);
}

int ks_diff_print_text(FILE *f, const struct ks_diff *d)
{
	size_t i, k;

	for (i = 0; i < d->n_changed; i++) {
		fprintf(f, "changed function %s (", d->changed[i].post->name);
		print_reasons(f, d->changed[i].reasons, func_reason_names, 5, 0);
		fputs(")\n", f);
	}
	for (i = 0; i < d->n_new; i++)
		fprintf(f, "new function %s\n", d->new_funcs[i]->name);
	for (i = 0; i < d->n_removed; i++)
		fprintf(f, "removed function %s\n", d->removed_funcs[i]->name);
	for (i = 0; i < d->n_changed_data; i++) {
		fprintf(f, "changed data %s (", d->changed_data[i].post->name);
		print_reasons(f, d->changed_data[i].reasons, data_reason_names,
			      4, 0);
		fputs(")\n", f);
	}
	for (i = 0; i < d->n_new_data; i++)
		fprintf(f, "new data %s\n", d->new_data[i]->name);
	for (i = 0; i < d->n_removed_data; i++)
		fprintf(f, "removed data %s\n", d->removed_data[i]->name);
	for (i = 0; i < d->n_layouts; i++) {
		fprintf(f, "changed layout %s (used by", d->layouts[i].type);
		for (k = 0; k < d->layouts[i].n_used_by; k++)
			fprintf(f, "%s %s", k ? "," : "",
				d->layouts[i].used_by[k]);
		fputs(")\n", f);
	}
	for (i = 0; i < d->n_asm_changed; i++)
		fprintf(f, "changed top-level asm of %s\n", d->asm_changed[i]);
	for (i = 0; i < d->n_line_only; i++)
		fprintf(f, "line-only function %s\n", d->line_only[i]->name);
	return finish(f);
}

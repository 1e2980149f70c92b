// SPDX-License-Identifier: GPL-2.0
/*
 * ksplice-pack: from the pre and post objects of the units of one target,
 * write the sources of the update's two modules.
 *
 *   ksplice-pack diff [--json] [--fresh] UNIT PRE.o POST.o
 *   ksplice-pack build --id=ID --target=T [--description=TEXT] --out=DIR
 *                      [--allow-data-changes] [--provided=NAME ...]
 *                      [--keep-new] [--import-ns=NS ...] [--fresh]
 *                      UNIT PRE.o POST.o [...]
 *
 * build writes DIR/pre.c, DIR/new.c, DIR/code_<n>.o (one per unit with
 * changes) and DIR/manifest.json. Exit status: 0 done, 1 error, 2 usage,
 * 3 no function changed (and no hook), 4 unsupported change (listed on
 * stderr). Changed data is no error when the patch has hooks
 * (kmod/ksplice-patch.h) or with --allow-data-changes: the running kernel
 * keeps its data and the patch's custom code takes care of it.
 *
 * An update with several targets: --provided=NAME names a function another
 * target's fix adds and this target's new code calls (sr.c calls cdrom.c's
 * new cdrom_probe_write_features): not a label to find in the running
 * kernel, ksplice-apply binds it to the other new module. --keep-new builds
 * a target whose only changes are new functions (another target calls them).
 * --import-ns=NS: the new module imports symbol namespace NS (the units call
 * an export of NS that they do not import themselves). --fresh: the update
 * changes the layout of structures only this target module's code sees
 * (kbuild/analyze.py decides): the pre module says so (KSPLICE_TARGET_FRESH),
 * and the core applies it only while the module is not loaded; changed
 * functions of .init.text and .exit.text are replaced too (the core patches the module as
 * it loads, before its init runs).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checksums.h"
#include "premod.h"

#define EXIT_NOCHANGE 3
#define EXIT_UNSUPPORTED 4

struct unit_state {
	struct kelf pre, post;
	struct ksp_diff diff;
	struct ksp_newobj nobj;
	int opened, diffed;
};

static int usage(void)
{
	fprintf(stderr,
		"usage: ksplice-pack diff [--json] [--fresh] UNIT PRE.o POST.o\n"
		"       ksplice-pack build --id=ID --target=T [--description=TEXT] --out=DIR\n"
		"                          [--allow-data-changes] [--provided=NAME ...] [--keep-new]\n"
		"                          [--import-ns=NS ...] [--fresh]\n"
		"                          UNIT PRE.o POST.o [UNIT PRE.o POST.o ...]\n");
	return 2;
}

static void unit_free(struct unit_state *s)
{
	ksp_newobj_free(&s->nobj);
	if (s->diffed)
		ksp_diff_free(&s->diff);
	if (s->opened) {
		kelf_close(&s->pre);
		kelf_close(&s->post);
	}
}

static int unit_load(struct unit_state *s, const char *unit, const char *pre,
		     const char *post, int fresh)
{
	char err[512];
	int used;

	memset(s, 0, sizeof(*s));
	if (kelf_open(&s->pre, pre, err, sizeof(err))) {
		fprintf(stderr, "ksplice-pack: %s\n", err);
		return 1;
	}
	if (kelf_open(&s->post, post, err, sizeof(err))) {
		fprintf(stderr, "ksplice-pack: %s\n", err);
		kelf_close(&s->pre);
		return 1;
	}
	s->opened = 1;
	if (ksp_diff(&s->pre, &s->post, &s->diff, fresh, err, sizeof(err))) {
		fprintf(stderr, "ksplice-pack: %s: %s\n", unit, err);
		return 1;
	}
	s->diffed = 1;
	if (ksp_diff_by_checksums(pre, post, &s->pre, &s->post, &s->diff, stderr, &used,
				  err, sizeof(err))) {
		fprintf(stderr, "ksplice-pack: %s: the plugin's records: %s\n", unit, err);
		return 1;
	}
	if (!used)
		fprintf(stderr, "ksplice-pack: %s: no plugin records: changed functions from "
			"the byte comparison alone\n", unit);
	return 0;
}

static size_t count_changes(const struct ksp_diff *d, enum ksp_change which)
{
	const struct ksp_funcs *fs = which == KSP_REMOVED ? &d->pre : &d->post;
	size_t i, n = 0;

	for (i = 0; i < fs->n; i++)
		n += fs->v[i].change == which && fs->v[i].parent < 0;
	return n;
}

static size_t count_in_place(const struct ksp_diff *d)
{
	size_t i, n = 0;

	for (i = 0; i < d->nr_data; i++)
		n += ksp_data_in_place(&d->data[i]);
	return n;
}

/*
 * Changed data, one line each on stderr: a fresh copy, rewritten in place,
 * or unsupported (and why not in place). Returns how many are unsupported.
 */
static size_t report_unsupported(const struct unit_state *s, const char *unit)
{
	size_t i;

	for (i = 0; i < s->diff.nr_instances; i++)
		fprintf(stderr, "%s: data %s: its size changes: a fresh copy in the update, "
			"for every function that uses it\n", unit,
			s->post.syms[s->diff.instances[i]].name);
	for (i = 0; i < s->diff.nr_data; i++) {
		const struct ksp_data_change *c = &s->diff.data[i];

		if (ksp_data_in_place(c))
			fprintf(stderr, "%s: data %s: %s: rewritten in place (%zu field%s)\n", unit,
				s->pre.syms[c->pre_sym].name, c->reason, c->inplace.nr_fields,
				c->inplace.nr_fields == 1 ? "" : "s");
		else
			fprintf(stderr, "%s: data %s: %s (not in place: %s)\n", unit,
				s->pre.syms[c->pre_sym].name, c->reason, c->inplace.refusal);
	}
	return s->diff.nr_data - count_in_place(&s->diff);
}

static int cmd_diff(int argc, char **argv)
{
	struct ksp_unit un = { 0 };
	struct ksp_update u = { .id = "", .target = "", .description = "",
				.units = &un, .nr_units = 1 };
	struct unit_state s;
	int json = 0, fresh = 0, i = 0, rc;
	size_t k;
	char err[512];

	for (; i < argc && !strncmp(argv[i], "--", 2); i++) {
		if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (!strcmp(argv[i], "--fresh"))
			fresh = 1;
		else
			return usage();
	}
	if (argc - i != 3)
		return usage();
	rc = unit_load(&s, argv[i], argv[i + 1], argv[i + 2], fresh);
	if (rc)
		return rc;
	un = (struct ksp_unit){ argv[i], &s.pre, &s.post, &s.diff, NULL };
	if (json) {
		rc = ksp_write_manifest(stdout, &u, err, sizeof(err)) ? 1 : 0;
	} else {
		for (k = 0; k < s.diff.post.n; k++) {
			const struct ksp_func *f = &s.diff.post.v[k];

			if (f->parent < 0 && (f->change == KSP_CHANGED || f->change == KSP_NEW))
				printf("%s %s\n", f->change == KSP_NEW ? "new" : "changed",
				       s.post.syms[f->sym].name);
		}
		for (k = 0; k < s.diff.pre.n; k++)
			if (s.diff.pre.v[k].change == KSP_REMOVED && s.diff.pre.v[k].parent < 0)
				printf("removed %s\n", s.pre.syms[s.diff.pre.v[k].sym].name);
		for (k = 0; k < s.diff.nr_instances; k++)
			printf("data %s: a fresh copy in the update\n",
			       s.post.syms[s.diff.instances[k]].name);
		for (k = 0; k < s.diff.nr_data; k++)
			printf("data %s: %s (%s%s)\n", s.pre.syms[s.diff.data[k].pre_sym].name,
			       s.diff.data[k].reason,
			       ksp_data_in_place(&s.diff.data[k]) ? "in place" : "not in place: ",
			       s.diff.data[k].inplace.refusal);
	}
	unit_free(&s);
	return rc;
}

struct build_opts {
	const char *id, *target, *description, *out;
	int allow_data;		/* data changes are handled by custom code */
	int keep_new;		/* only new functions is a change */
	int fresh;		/* KSPLICE_TARGET_FRESH */
	const char **provided;	/* by another target's new module */
	size_t nr_provided;
	const char **import_ns;	/* namespaces the new module imports */
	size_t nr_import_ns;
};

static int parse_build(int *argc, char ***argv, struct build_opts *o)
{
	while (*argc > 0 && !strncmp((*argv)[0], "--", 2)) {
		const char *a = (*argv)[0];

		if (!strncmp(a, "--id=", 5))
			o->id = a + 5;
		else if (!strncmp(a, "--target=", 9))
			o->target = a + 9;
		else if (!strncmp(a, "--description=", 14))
			o->description = a + 14;
		else if (!strncmp(a, "--out=", 6))
			o->out = a + 6;
		else if (!strcmp(a, "--allow-data-changes"))
			o->allow_data = 1;
		else if (!strcmp(a, "--keep-new"))
			o->keep_new = 1;
		else if (!strcmp(a, "--fresh"))
			o->fresh = 1;
		else if (!strncmp(a, "--provided=", 11) && a[11])
			o->provided[o->nr_provided++] = a + 11;
		else if (!strncmp(a, "--import-ns=", 12) && a[12])
			o->import_ns[o->nr_import_ns++] = a + 12;
		else
			return -1;
		(*argc)--;
		(*argv)++;
	}
	return o->id && o->target && o->out && *argc > 0 && *argc % 3 == 0 ? 0 : -1;
}

static int write_file(const char *dir, const char *name, const struct ksp_update *u,
		      int (*fn)(FILE *, const struct ksp_update *, char *, size_t))
{
	char path[4096], err[512];
	FILE *f;
	int rc;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		return 1;
	}
	rc = fn(f, u, err, sizeof(err));
	if (fclose(f) || rc) {
		fprintf(stderr, "ksplice-pack: %s: %s\n", path, rc ? err : "write error");
		return 1;
	}
	return 0;
}

static int build_units(struct unit_state *st, struct ksp_unit *units, int n,
		       char **argv, const struct build_opts *o)
{
	const char *out = o->out;
	size_t unsupported = 0, changed = 0, hooks = 0;
	char path[4096], err[512];
	int i;

	for (i = 0; i < n; i++) {
		if (unit_load(&st[i], argv[3 * i], argv[3 * i + 1], argv[3 * i + 2], o->fresh))
			return 1;
		unsupported += report_unsupported(&st[i], argv[3 * i]);
		changed += count_changes(&st[i].diff, KSP_CHANGED) + count_in_place(&st[i].diff);
		hooks += ksp_count_hooks(&st[i].post);
		units[i] = (struct ksp_unit){ argv[3 * i], &st[i].pre, &st[i].post, &st[i].diff,
					      &st[i].nobj };
	}
	if (unsupported && (hooks || o->allow_data)) {
		fprintf(stderr, "ksplice-pack: %zu data change%s (listed above) left to the "
			"patch's custom code\n", unsupported, unsupported == 1 ? "" : "s");
	} else if (unsupported) {
		fprintf(stderr, "ksplice-pack: %zu unsupported change%s (listed above)\n",
			unsupported, unsupported == 1 ? "" : "s");
		return EXIT_UNSUPPORTED;
	}
	if (!changed && !hooks && !o->keep_new)
		return EXIT_NOCHANGE;
	for (i = 0; i < n; i++) {
		/* a unit with only new functions or data: another unit may use
		 * them (tls_strp.c's __tls_strp_done, called by tls_sw.c)
		 */
		if (!count_changes(&st[i].diff, KSP_CHANGED) && !count_changes(&st[i].diff, KSP_NEW) &&
		    !ksp_count_hooks(&st[i].post) && !count_in_place(&st[i].diff) &&
		    !ksp_count_new_data(&st[i].pre, &st[i].post))
			continue;
		snprintf(path, sizeof(path), "%s/code_%d.o", out, i);
		if (ksp_write_newobj(&st[i].pre, &st[i].post, &st[i].diff, argv[3 * i], i, path,
				     &st[i].nobj, err, sizeof(err))) {
			fprintf(stderr, "ksplice-pack: %s\n", err);
			return 1;
		}
	}
	return 0;
}

static int cmd_build(int argc, char **argv)
{
	struct build_opts o = { .description = "" };
	struct unit_state *st;
	struct ksp_unit *units;
	struct ksp_update u;
	int n, i, rc;

	o.provided = calloc((size_t)argc + 1, sizeof(*o.provided));
	o.import_ns = calloc((size_t)argc + 1, sizeof(*o.import_ns));
	if (!o.provided || !o.import_ns) {
		fprintf(stderr, "ksplice-pack: out of memory\n");
		free(o.provided);
		free(o.import_ns);
		return 1;
	}
	if (parse_build(&argc, &argv, &o)) {
		free(o.provided);
		free(o.import_ns);
		return usage();
	}
	n = argc / 3;
	st = calloc((size_t)n, sizeof(*st));
	units = calloc((size_t)n, sizeof(*units));
	if (!st || !units) {
		fprintf(stderr, "ksplice-pack: out of memory\n");
		free(st);
		free(units);
		free(o.provided);
		free(o.import_ns);
		return 1;
	}
	rc = build_units(st, units, n, argv, &o);
	u = (struct ksp_update){ o.id, o.target, o.description, units, (size_t)n,
				 o.provided, o.nr_provided, o.import_ns, o.nr_import_ns,
				 o.fresh };
	if (!rc)
		rc = write_file(o.out, "pre.c", &u, ksp_write_pre_c) ||
		     write_file(o.out, "new.c", &u, ksp_write_new_c) ||
		     write_file(o.out, "manifest.json", &u, ksp_write_manifest);
	for (i = 0; i < n; i++)
		unit_free(&st[i]);
	free(st);
	free(units);
	free(o.provided);
	free(o.import_ns);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	if (!strcmp(argv[1], "diff"))
		return cmd_diff(argc - 2, argv + 2);
	if (!strcmp(argv[1], "build"))
		return cmd_build(argc - 2, argv + 2);
	return usage();
}

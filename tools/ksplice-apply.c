// SPDX-License-Identifier: GPL-2.0
/*
 * ksplice-apply [-v] [--raw-errors] TARBALL
 *
 * Checks the tarball against the running kernel, loads the core (ksplice.ko)
 * if needed, loads each target's pre module (run-pre matching happens in its
 * init), binds each new module's labels to the addresses the core resolved
 * and loads it, then writes "applied" to /sys/kernel/ksplice/<id>/stage and
 * unloads the pre modules. On any failure everything loaded is unloaded.
 *
 * A target module that is not loaded is patched when it loads (kmod/coming.c):
 * its labels are bound to the core's placeholder, their sites are written to
 * /sys/kernel/ksplice/<id>/fixups, and its pre module stays loaded.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "ksplice.h"

struct apply {
	struct ks_tarball t;
	int verbose, raw;
	char pre_names[KS_MAX_TARGETS][64];
	char new_names[KS_MAX_TARGETS][64];
	int pending[KS_MAX_TARGETS];	/* not loaded: patched when it loads */
	int nr_pre, nr_new;
	struct ks_err err;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: ksplice-apply [-v] [--raw-errors] TARBALL\n");
}

static int ensure_core(struct apply *a)
{
	char path[PATH_MAX];
	const char *env = getenv("KSPLICE_CORE_MODULE");
	struct stat st;

	if (!stat(KS_SYSFS, &st))
		return 0;
	snprintf(path, sizeof(path), "%s/ksplice.ko", a->t.dir);
	if (stat(path, &st) && env)
		snprintf(path, sizeof(path), "%s", env);
	if (a->verbose)
		printf("Loading the ksplice core %s\n", path);
	if (ks_load_module(path, &a->err) && errno != EEXIST)
		return -1;
	return 0;
}

/* Unload what this run loaded, new modules first; forget a failed update. */
static void roll_back(struct apply *a)
{
	struct ks_err err;
	int i;

	for (i = a->nr_new - 1; i >= 0; i--)
		if (ks_unload_module(a->new_names[i], &err))
			fprintf(stderr, "ksplice-apply: %s\n", err.msg);
	/* before the pre modules: the core lets go of a deferred target's */
	if (ks_update_exists(a->t.id))
		ks_update_write(a->t.id, "stage", "cleanup");
	for (i = a->nr_pre - 1; i >= 0; i--)
		if (ks_unload_module(a->pre_names[i], &err))
			fprintf(stderr, "ksplice-apply: %s\n", err.msg);
	a->nr_new = a->nr_pre = 0;
}

/* After a kernel-side failure: report its abort code. */
static int abort_status(struct apply *a)
{
	char cause[64] = "", conflicts[4096] = "";
	const struct ks_abort *ab;

	if (ks_update_read(a->t.id, "abort_cause", cause, sizeof(cause)) ||
	    !strcmp(cause, "ok")) {
		fprintf(stderr, "ksplice-apply: %s\n", a->err.msg);
		return KS_EXIT_ERROR;
	}
	ab = ks_abort_info(cause);
	if (a->raw)
		fprintf(stderr, "%s\n", cause);
	else
		ks_print_abort(a->t.id, cause);
	if (!strcmp(cause, "code_busy") &&
	    !ks_update_read(a->t.id, "conflicts", conflicts, sizeof(conflicts)))
		fprintf(stderr, "%s\n", conflicts);
	return ab->status;
}

static int load_pre(struct apply *a, const struct ks_target *tg)
{
	char *name = a->pre_names[a->nr_pre];

	if (ks_module_name(tg->pre, name, sizeof(a->pre_names[0]), &a->err))
		return KS_EXIT_BAD_TARBALL;
	if (a->verbose)
		printf("Loading %s (run-pre matching for %s)\n", name,
		       tg->name);
	if (ks_load_module(tg->pre, &a->err))
		return abort_status(a);
	a->nr_pre++;
	return 0;
}

/*
 * Tell the core where the new module uses the labels of a target that is not
 * loaded: "target label site type addend" lines, the site from the section's
 * load address (/sys/module/<module>/sections/), and "target label =value"
 * for a label whose value must stay; at most a page per write.
 */
static int write_fixups(struct apply *a, const struct ks_target *tg,
			const char *module, const char *sites)
{
	char sec[256], label[256], path[PATH_MAX], base[64], out[3072];
	unsigned long long off;
	unsigned int type;
	long long addend;
	const char *p;
	size_t len = 0;
	int n;

	for (p = sites; *p; p = strchr(p, '\n') + 1) {
		if (len > sizeof(out) - 600) {
			if (ks_update_write(a->t.id, "fixups", out))
				return ks_fail(&a->err, "writing fixups: %s",
					       strerror(errno));
			len = 0;
		}
		if (sscanf(p, "= %llx %255s", &off, label) == 2) {
			n = snprintf(out + len, sizeof(out) - len, "%s %s =0x%llx\n",
				     tg->name, label, off);
			len += n;
			continue;
		}
		if (sscanf(p, "%255s %llu %u %lld %255s", sec, &off, &type,
			   &addend, label) != 5)
			return ks_fail(&a->err, "bad fixup line");
		snprintf(path, sizeof(path), "/sys/module/%s/sections/%s",
			 module, sec);
		if (ks_read_file(path, base, sizeof(base)))
			return ks_fail(&a->err, "%s: %s", path, strerror(errno));
		n = snprintf(out + len, sizeof(out) - len, "%s %s 0x%llx %u %lld\n",
			     tg->name, label, strtoull(base, NULL, 0) + off,
			     type, addend);
		len += n;
	}
	if (len && ks_update_write(a->t.id, "fixups", out))
		return ks_fail(&a->err, "writing fixups: %s", strerror(errno));
	return 0;
}

static int load_new(struct apply *a, int i, const char *symbols)
{
	const struct ks_target *tg = &a->t.targets[i];
	char *name = a->new_names[a->nr_new], linked[KS_DIR_MAX + 400];
	struct ks_fixups fx = { 0 };
	int bound, ret = 0;

	if (ks_module_name(tg->new, name, sizeof(a->new_names[0]), &a->err))
		return KS_EXIT_BAD_TARBALL;
	snprintf(linked, sizeof(linked), "%s.linked", tg->new);
	if (ks_link_new(tg->new, linked, symbols, &bound,
			a->pending[i] ? &fx : NULL, &a->err)) {
		fprintf(stderr, "ksplice-apply: %s: %s%s\n", tg->name, a->err.msg,
			a->pending[i] ? " (the module is not loaded: load it, then apply the update)" : "");
		free(fx.text);
		return a->pending[i] ? ks_abort_info("target_not_loaded")->status :
				       KS_EXIT_ERROR;
	}
	if (a->verbose)
		printf("Loading %s (%d symbols bound)\n", name, bound);
	if (ks_load_module(linked, &a->err)) {
		free(fx.text);
		return abort_status(a);
	}
	a->nr_new++;
	if (fx.len && write_fixups(a, tg, name, fx.text)) {
		fprintf(stderr, "ksplice-apply: %s\n", a->err.msg);
		ret = KS_EXIT_ERROR;
	}
	free(fx.text);
	return ret;
}

/* Which targets the core deferred ("pending" in targets); say so. */
static void find_pending(struct apply *a)
{
	int i;

	for (i = 0; i < a->t.nr_targets; i++) {
		a->pending[i] = ks_target_pending(a->t.id, a->t.targets[i].name);
		if (a->pending[i])
			printf("Module %s is not loaded: it will be patched when it loads.\n",
			       a->t.targets[i].name);
	}
}

static int apply(struct apply *a)
{
	char stage[64], path[PATH_MAX], *symbols;
	int i, ret;

	if (ks_update_exists(a->t.id) &&
	    !ks_update_read(a->t.id, "stage", stage, sizeof(stage)) &&
	    !strcmp(stage, "applied")) {
		fprintf(stderr, "ksplice-apply: Ksplice update %s is already applied.\n",
			a->t.id);
		return KS_EXIT_ALREADY_APPLIED;
	}
	if (ensure_core(a)) {
		fprintf(stderr, "ksplice-apply: %s\n", a->err.msg);
		return KS_EXIT_ERROR;
	}
	if (ks_update_exists(a->t.id))	/* left over by an earlier failure */
		ks_update_write(a->t.id, "stage", "cleanup");
	for (i = 0; i < a->t.nr_targets; i++) {
		ret = load_pre(a, &a->t.targets[i]);
		if (ret)
			return ret;
	}
	/*
	 * The symbols are read again for each target: they include the
	 * functions of the new modules loaded before it, which its new code
	 * may call (ksplice-create puts such providers first).
	 */
	find_pending(a);
	ks_update_path(path, sizeof(path), a->t.id, "symbols");
	for (i = 0; i < a->t.nr_targets; i++) {
		symbols = ks_read_all(path);
		if (!symbols) {
			fprintf(stderr, "ksplice-apply: cannot read %s: %s\n",
				path, strerror(errno));
			return KS_EXIT_ERROR;
		}
		ret = load_new(a, i, symbols);
		free(symbols);
		if (ret)
			return ret;
	}
	if (ks_update_write(a->t.id, "stage", "applied")) {
		ks_fail(&a->err, "writing applied to the stage failed: %s",
			strerror(errno));
		return abort_status(a);
	}
	for (i = a->nr_pre - 1; i >= 0; i--)	/* a pending target keeps its */
		if (!a->pending[i] && ks_unload_module(a->pre_names[i], &a->err))
			fprintf(stderr, "ksplice-apply: warning: %s\n",
				a->err.msg);
	a->nr_pre = 0;
	a->nr_new = 0;
	printf("Done! Ksplice update %s applied.\n", a->t.id);
	return 0;
}

int main(int argc, char **argv)
{
	static struct apply a;
	const char *tarball = NULL;
	int i, ret;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose")) {
			a.verbose = 1;
		} else if (!strcmp(argv[i], "--raw-errors")) {
			a.raw = 1;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else if (argv[i][0] == '-' || tarball) {
			usage(stderr);
			return KS_EXIT_USAGE;
		} else {
			tarball = argv[i];
		}
	}
	if (!tarball) {
		usage(stderr);
		return KS_EXIT_USAGE;
	}
	if (ks_tarball_open(tarball, &a.t, &a.err)) {
		fprintf(stderr, "ksplice-apply: %s\n", a.err.msg);
		ks_tarball_close(&a.t);
		return KS_EXIT_BAD_TARBALL;
	}
	if (ks_check_kernel(&a.t, &a.err)) {
		fprintf(stderr, "ksplice-apply: %s. Nothing was loaded.\n",
			a.err.msg);
		ks_tarball_close(&a.t);
		return KS_EXIT_WRONG_KERNEL;
	}
	ret = apply(&a);
	if (ret && ret != KS_EXIT_ALREADY_APPLIED)
		roll_back(&a);
	ks_tarball_close(&a.t);
	return ret;
}

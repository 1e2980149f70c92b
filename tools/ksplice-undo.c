// SPDX-License-Identifier: GPL-2.0
/*
 * ksplice-undo [--raw-errors] ID
 *
 * Writes "reversed" to /sys/kernel/ksplice/<id>/stage (the core checks that
 * no task is in the new code and that the trampolines are intact, then puts
 * the original bytes back), unloads the update's new modules and writes
 * "cleanup".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "ksplice.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: ksplice-undo [--raw-errors] ID\n");
}

static int report_abort(const char *id, int raw, int err)
{
	char cause[64] = "", conflicts[4096] = "";

	if (ks_update_read(id, "abort_cause", cause, sizeof(cause)) ||
	    !strcmp(cause, "ok")) {
		fprintf(stderr, "ksplice-undo: reversing %s failed: %s\n", id,
			strerror(err));
		return KS_EXIT_ERROR;
	}
	if (raw)
		fprintf(stderr, "%s\n", cause);
	else
		ks_print_abort(id, cause);
	if (!strcmp(cause, "code_busy") &&
	    !ks_update_read(id, "conflicts", conflicts, sizeof(conflicts)))
		fprintf(stderr, "%s\n", conflicts);
	return ks_abort_info(cause)->status;
}

/*
 * Unload the new modules listed in targets ("target module state" lines), and
 * the pre module of a target that was not loaded at apply, which the core
 * kept until now.
 */
static int unload_new(const char *id)
{
	struct ks_target_state *v;
	int i, n = ks_read_targets(id, &v), ret = 0;
	struct ks_err err;

	for (i = 0; i < n; i++) {
		char pre[160], sys[200];
		struct stat st;

		if (strcmp(v[i].module, "-") && ks_unload_module(v[i].module, &err)) {
			fprintf(stderr, "ksplice-undo: %s\n", err.msg);
			ret = -1;
		}
		snprintf(pre, sizeof(pre), "ksplice_%s_%s_pre", id, v[i].name);
		snprintf(sys, sizeof(sys), "/sys/module/%s", pre);
		if (!stat(sys, &st) && ks_unload_module(pre, &err))
			fprintf(stderr, "ksplice-undo: %s\n", err.msg);
	}
	free(v);
	return n < 0 ? -1 : ret;
}

int main(int argc, char **argv)
{
	const char *id = NULL;
	char stage[64];
	int i, raw = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--raw-errors")) {
			raw = 1;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else if (argv[i][0] == '-' || id) {
			usage(stderr);
			return KS_EXIT_USAGE;
		} else {
			id = argv[i];
		}
	}
	if (!id) {
		usage(stderr);
		return KS_EXIT_USAGE;
	}
	if (!ks_valid_id(id)) {
		fprintf(stderr, "ksplice-undo: \"%s\" is not a Ksplice id (1-8 of [a-z0-9])\n",
			id);
		return KS_EXIT_USAGE;
	}
	if (!ks_update_exists(id) ||
	    ks_update_read(id, "stage", stage, sizeof(stage))) {
		fprintf(stderr, "ksplice-undo: Ksplice id %s is not present in the kernel.\n",
			id);
		return KS_EXIT_NOT_LOADED;
	}
	if (strcmp(stage, "applied")) {
		fprintf(stderr, "ksplice-undo: Ksplice id %s is %s, not applied; nothing to reverse.\n",
			id, stage);
		return strcmp(stage, "reversed") ? KS_EXIT_NOT_LOADED :
			ks_abort_info("already_reversed")->status;
	}
	if (ks_update_write(id, "stage", "reversed"))
		return report_abort(id, raw, errno);
	if (unload_new(id))
		fprintf(stderr, "ksplice-undo: warning: the new code of %s stays loaded (harmless)\n",
			id);
	if (ks_update_write(id, "stage", "cleanup"))
		fprintf(stderr, "ksplice-undo: warning: cleanup of %s failed: %s\n",
			id, strerror(errno));
	printf("Ksplice update %s reversed.\n", id);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * ksplice-view [--id=ID] [--json]
 * ksplice-view --file=TARBALL
 *
 * Lists the updates in /sys/kernel/ksplice: "Ksplice id X is present in the
 * kernel and is <stage>." (and, with --id, its description); --json prints
 * one JSON array of {id, stage, abort_cause, description, targets, hooks}
 * (hooks: "target kind function" lines of the update's custom code).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ksplice.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: ksplice-view [--id=ID] [--json]\n"
		   "       ksplice-view --file=TARBALL\n");
}

static void json_string(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

static void show(const char *id, int json, int detail, int first)
{
	char stage[64] = "?", cause[64] = "?", desc[4096] = "",
	     targets[4096] = "", hooks[4096] = "";

	ks_update_read(id, "stage", stage, sizeof(stage));
	ks_update_read(id, "abort_cause", cause, sizeof(cause));
	ks_update_read(id, "description", desc, sizeof(desc));
	ks_update_read(id, "targets", targets, sizeof(targets));
	/* "target kind function" lines: the hooks of kmod/ksplice-patch.h */
	ks_update_read(id, "hooks", hooks, sizeof(hooks));
	if (!json) {
		printf("Ksplice id %s is present in the kernel and is %s.\n",
		       id, stage);
		if (detail)
			printf("Description: %s\nLast abort cause: %s\n",
			       desc, cause);
		if (detail && hooks[0])
			printf("Hooks (target kind function):\n%s\n", hooks);
		return;
	}
	printf("%s\n  {\"id\": ", first ? "" : ",");
	json_string(id);
	printf(", \"stage\": ");
	json_string(stage);
	printf(", \"abort_cause\": ");
	json_string(cause);
	printf(", \"description\": ");
	json_string(desc);
	printf(", \"targets\": ");
	json_string(targets);
	printf(", \"hooks\": ");
	json_string(hooks);
	printf("}");
}

static int view_file(const char *path)
{
	struct ks_tarball t;
	struct ks_err err;
	char desc[4096] = "", file[KS_DIR_MAX + 64];
	int i;

	if (ks_tarball_open(path, &t, &err)) {
		fprintf(stderr, "ksplice-view: %s\n", err.msg);
		ks_tarball_close(&t);
		return KS_EXIT_BAD_TARBALL;
	}
	snprintf(file, sizeof(file), "%s/description", t.dir);
	ks_read_file(file, desc, sizeof(desc));
	ks_chomp(desc);
	printf("Ksplice id %s, for kernel %s (%s)\nDescription: %s\n", t.id,
	       t.release, t.vermagic, desc);
	for (i = 0; i < t.nr_targets; i++)
		printf("Target: %s\n", t.targets[i].name);
	printf("It is %spresent in the kernel.\n",
	       ks_update_exists(t.id) ? "" : "not ");
	ks_tarball_close(&t);
	return 0;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
	const char *id = NULL;
	char *ids[256];
	int i, n = 0, json = 0;
	struct dirent *e;
	DIR *d;

	for (i = 1; i < argc; i++) {
		if (!strncmp(argv[i], "--file=", 7)) {
			return view_file(argv[i] + 7);
		} else if (!strncmp(argv[i], "--id=", 5)) {
			id = argv[i] + 5;
		} else if (!strcmp(argv[i], "--json")) {
			json = 1;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return KS_EXIT_USAGE;
		}
	}
	if (id) {
		if (!ks_valid_id(id) || !ks_update_exists(id)) {
			if (json)
				printf("[]\n");
			else
				printf("Ksplice id %s is not present in the kernel.\n",
				       id);
			return KS_EXIT_NOT_LOADED;
		}
		if (json)
			printf("[");
		show(id, json, 1, 1);
		if (json)
			printf("\n]\n");
		return 0;
	}
	d = opendir(KS_SYSFS);
	while (d && (e = readdir(d)) && n < 256)
		if (e->d_name[0] != '.')
			ids[n++] = strdup(e->d_name);
	if (d)
		closedir(d);
	qsort(ids, n, sizeof(ids[0]), cmp);
	if (json)
		printf("[");
	else if (!n)
		printf("No Ksplice updates are present in the kernel.\n");
	for (i = 0; i < n; i++) {
		show(ids[i], json, 0, !i);
		free(ids[i]);
	}
	if (json)
		printf("%s]\n", n ? "\n" : "");
	return 0;
}

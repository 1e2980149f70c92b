// SPDX-License-Identifier: GPL-2.0
/*
 * ksplice-sums: print and diff the records of the ksplice GCC plugin.
 *
 *   ksplice-sums [--json] FILE.o
 *   ksplice-sums --diff [--json] PRE.o POST.o
 *
 * Exit status: 0 success / no differences, 1 differences (--diff), 2 error.
 * See README.md for the formats.
 */
#include <stdio.h>
#include <string.h>

#include "records.h"

static int usage(void)
{
	fprintf(stderr,
		"usage: ksplice-sums [--json] FILE.o\n"
		"       ksplice-sums --diff [--json] PRE.o POST.o\n");
	return 2;
}

static int show(const char *path, int json)
{
	struct ks_records r;
	char err[KS_ERR_LEN];
	int rc;

	if (ks_records_read_elf(path, &r, err, sizeof(err))) {
		fprintf(stderr, "ksplice-sums: %s\n", err);
		return 2;
	}
	rc = json ? ks_records_print_json(stdout, &r) :
		    ks_records_print_text(stdout, &r);
	ks_records_free(&r);
	if (rc) {
		fprintf(stderr, "ksplice-sums: cannot write the output\n");
		return 2;
	}
	return 0;
}

static int diff(const char *pre_path, const char *post_path, int json)
{
	struct ks_records pre, post;
	struct ks_diff d;
	char err[KS_ERR_LEN];
	int rc;

	if (ks_records_read_elf(pre_path, &pre, err, sizeof(err))) {
		fprintf(stderr, "ksplice-sums: %s\n", err);
		return 2;
	}
	if (ks_records_read_elf(post_path, &post, err, sizeof(err))) {
		fprintf(stderr, "ksplice-sums: %s\n", err);
		ks_records_free(&pre);
		return 2;
	}
	if (ks_diff(&pre, &post, &d, err, sizeof(err))) {
		fprintf(stderr, "ksplice-sums: %s\n", err);
		rc = 2;
	} else {
		rc = json ? ks_diff_print_json(stdout, &d) :
			    ks_diff_print_text(stdout, &d);
		if (rc) {
			fprintf(stderr, "ksplice-sums: cannot write the output\n");
			rc = 2;
		} else {
			rc = ks_diff_empty(&d) ? 0 : 1;
		}
		ks_diff_free(&d);
	}
	ks_records_free(&pre);
	ks_records_free(&post);
	return rc;
}

int main(int argc, char **argv)
{
	const char *files[2];
	int i, nfiles = 0, json = 0, do_diff = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = 1;
		} else if (!strcmp(argv[i], "--diff")) {
			do_diff = 1;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage();
			return 0;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "ksplice-sums: unknown option '%s'\n",
				argv[i]);
			return usage();
		} else if (nfiles < 2) {
			files[nfiles++] = argv[i];
		} else {
			return usage();
		}
	}
	if (do_diff)
		return nfiles == 2 ? diff(files[0], files[1], json) : usage();
	return nfiles == 1 ? show(files[0], json) : usage();
}

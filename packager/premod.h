/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Generated C sources of an update's modules for one target: the pre module
 * (byte arrays of the pre code of every replaced function, their relocation
 * sites and rewritten ranges, the labels the new code needs; its init calls
 * ksplice_register_pre()) and the new module's main.c (the ksplice_new table
 * pointing at the aliases of the new-code objects).
 */
#ifndef KSPLICE_PREMOD_H
#define KSPLICE_PREMOD_H

#include <stdio.h>

#include "newobj.h"

struct ksp_unit {
	const char *unit;		/* source path relative to the tree */
	const struct kelf *pre, *post;
	const struct ksp_diff *diff;
	const struct ksp_newobj *nobj;
};

struct ksp_update {
	const char *id, *target, *description;
	const struct ksp_unit *units;
	size_t nr_units;
	/* new functions of the update's other targets: not labels */
	const char *const *provided;
	size_t nr_provided;
	/* symbol namespaces of the exports the units use (Module.symvers) */
	const char *const *import_ns;
	size_t nr_import_ns;
	/* layouts only the target's code sees change: apply while it is unloaded */
	int fresh;
};

int ksp_write_pre_c(FILE *f, const struct ksp_update *u, char *err, size_t errlen);
int ksp_write_new_c(FILE *f, const struct ksp_update *u, char *err, size_t errlen);
/* The manifest fragment of the target: a JSON object. */
int ksp_write_manifest(FILE *f, const struct ksp_update *u, char *err, size_t errlen);

#endif /* KSPLICE_PREMOD_H */

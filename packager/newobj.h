/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The new-code object of one unit: the changed and new functions of the post
 * build with their relocations, the read-only local data they use (strings,
 * const tables), new static data, and the entries of the special sections
 * (special.h) that belong to the included code. Every other reference becomes
 * an undefined symbol named by its label (kmod/ksplice_abi.h); a static local
 * is named by the *pre* build's numbered name, so the new code uses the
 * running kernel's instance. Each replaced function gets a global alias
 * "__ksplice_new_<unit index>_<n>" for the generated main.c; a new non-static
 * function is global under its own name, so that another unit of the same
 * update calling it (tls_sw.c calling tls_strp.c's new __tls_strp_done) is
 * linked to it when the new module is built, not looked up in the kernel.
 * A data object rewritten in place (inplace.h) is copied as the post build
 * has it, with the relocations of its changed pointer fields only, under a
 * global "__ksplice_data_<unit index>_<n>": the core copies its fields.
 */
#ifndef KSPLICE_NEWOBJ_H
#define KSPLICE_NEWOBJ_H

#include "diff.h"
#include "hooks.h"

struct ksp_label {
	char *label;		/* "name" or "name%unit" */
	char *name;		/* the kallsyms name */
};

struct ksp_patch {
	char *label;		/* the replaced function's label (pre build) */
	char *name;
	char *alias;		/* global symbol of the new code */
	uint64_t size;
};

struct ksp_newobj {
	struct ksp_label *labels;
	size_t nr_labels;
	struct ksp_patch *patches;
	size_t nr_patches;
	size_t nr_new_funcs;
	char **new_globals;	/* new non-static functions and data: defined, global */
	size_t nr_new_globals;
	struct ksp_hooks hooks;	/* of ksplice-patch.h, with their aliases */
	char **data_alias;	/* per data change: its post copy's global symbol, or NULL */
	size_t nr_data_alias;
	size_t nr_sections;	/* sections written, for the manifest */
	uint64_t code_size;	/* bytes of included functions */
};

/* The label of symbol sym of k, for a unit path. Returns malloc'd text. */
char *ksp_label_of(const struct kelf *k, int sym, const char *unit);
/* The label of a symbol of the target itself: "name%unit". Malloc'd, or NULL. */
char *ksp_label_of_local(const char *name, const char *unit);

/*
 * Non-static data objects post adds, each alone in its section: the unit's
 * new-code object defines them for the other units.
 */
size_t ksp_count_new_data(const struct kelf *pre, const struct kelf *post);

/* Write the object to out_path. Returns 0, or -1 with a message in err. */
int ksp_write_newobj(const struct kelf *pre, const struct kelf *post,
		     const struct ksp_diff *d, const char *unit, int unit_index,
		     const char *out_path, struct ksp_newobj *res, char *err, size_t errlen);
void ksp_newobj_free(struct ksp_newobj *res);

#endif /* KSPLICE_NEWOBJ_H */

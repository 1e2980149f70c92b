/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The hooks of kmod/ksplice-patch.h in a post object: each macro puts a
 * pointer to the author's function in section ".ksplice_hooks.<kind>". The
 * hook functions are new functions of the update, so they are in its
 * new-code object; newobj.c gives each a global alias
 * "__ksplice_hook_<unit>_<n>" and premod.c lists them (kind, name, alias) in
 * the new module's ksplice_hook table (kmod/ksplice_abi.h).
 */
#ifndef KSPLICE_HOOKS_H
#define KSPLICE_HOOKS_H

#include <stdio.h>

#include "diff.h"

/* Indexed by enum ksplice_hook_kind of kmod/ksplice_abi.h; NULL-terminated. */
extern const char *const ksp_hook_kinds[];
#define KSP_HOOK_SECTION ".ksplice_hooks."

struct ksp_hook {
	int kind;		/* index into ksp_hook_kinds */
	int post_func;		/* index into the diff's post functions */
	char *name;		/* the hook function's name */
	char *alias;		/* its global alias in the new-code object */
};

struct ksp_hooks {
	struct ksp_hook *v;
	size_t n;
};

/* Is this a hook section? Returns the kind, or -1. */
int ksp_hook_section_kind(const char *name);
/* How many hook pointers the object holds (0 without hooks). */
size_t ksp_count_hooks(const struct kelf *post);
/*
 * The hooks of the post object, each resolved to an included post function.
 * Returns 0, or -1 with a message in err (a hook that names no function of
 * the update, an unknown kind, a pointer without relocation).
 */
int ksp_find_hooks(const struct kelf *post, const struct ksp_diff *d,
		   struct ksp_hooks *h, char *err, size_t errlen);
void ksp_hooks_free(struct ksp_hooks *h);

#endif /* KSPLICE_HOOKS_H */

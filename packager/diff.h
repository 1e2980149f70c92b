/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Compare the pre and post builds of one compilation unit: which functions
 * changed, which are new or removed, and which data objects changed (an
 * unsupported change). Functions are matched by name (GCC's numbered locals
 * by base name and rank), compared by their bytes and by what each
 * relocation points at; a ".cold" fragment belongs to its parent function.
 * A changed data object of the same size may be rewritten in place (inplace.h).
 */
#ifndef KSPLICE_DIFF_H
#define KSPLICE_DIFF_H

#include "inplace.h"
#include "kelf.h"

enum ksp_change {
	KSP_SAME,
	KSP_CHANGED,
	KSP_NEW,
	KSP_REMOVED,
};

struct ksp_func {
	int sym;		/* in its object */
	int sec;
	uint64_t start, size;
	int parent;		/* index of the parent function for a .cold fragment, or -1 */
	int peer;		/* index of the same function in the other build, or -1 */
	enum ksp_change change;
};

struct ksp_funcs {
	struct ksp_func *v;
	size_t n;
};

struct ksp_data_change {
	int pre_sym, post_sym;
	char reason[96];
	struct ksp_inplace inplace;	/* the fields; refusal "" when the core can rewrite them */
	int replaces;		/* post symbol whose copy the fields now point at, or -1 */
};

/* Does the core rewrite this change in place (no custom code needed)? */
static inline int ksp_data_in_place(const struct ksp_data_change *c)
{
	return !c->inplace.refusal[0];
}

struct ksp_diff {
	int fresh;		/* see ksp_diff() */
	struct ksp_funcs pre, post;
	struct ksp_data_change *data;
	size_t nr_data;
	int *instances;		/* post statics the new code gets a fresh copy of */
	size_t nr_instances;
};

/*
 * Returns 0, or -1 with a message in err. fresh: a target patched as it loads,
 * before its init runs (kmod/coming.c): the functions of .init.text and
 * .exit.text are compared too, and its data may change in place field by field (inplace.h).
 */
int ksp_diff(const struct kelf *pre, const struct kelf *post, struct ksp_diff *d, int fresh,
	     char *err, size_t errlen);
void ksp_diff_free(struct ksp_diff *d);

/* Index in fs of the function symbol sym, or -1. */
int ksp_func_of_sym(const struct ksp_funcs *fs, int sym);
/* Index in fs of the function whose bytes cover offset off of section sec, or -1. */
int ksp_func_at(const struct ksp_funcs *fs, int sec, int64_t off);

/* Does the new code get a fresh copy of post's static sym (fresh_instance())? */
int ksp_diff_is_instance(const struct ksp_diff *d, int sym);

/* Is this post function part of the update (changed or new, or a fragment of one)? */
int ksp_post_included(const struct ksp_diff *d, size_t i);

#endif /* KSPLICE_DIFF_H */

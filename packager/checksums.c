// SPDX-License-Identifier: GPL-2.0
/*
 * The changed functions, from the plugin's checksums.
 *
 * The plugin records a checksum of every function's final code while it is
 * compiled (gcc-plugin/README.md), so the records of the pre and post objects
 * say which functions changed without looking at machine code. They are the
 * primary answer: a function whose checksum changed is replaced. ksp_diff()'s
 * own comparison (bytes and what each relocation points at) stays as the
 * cross-check, and the update takes the union of the two, because replacing
 * a function that did not change costs a few bytes while missing one that
 * did would leave old code running: a function the bytes call changed but
 * the checksums do not is reported and included.
 */
#include <string.h>

#include "checksums.h"
#include "records.h"

/* The post-build function named name in d, or NULL. */
static struct ksp_func *post_func(const struct kelf *post, struct ksp_diff *d,
				  const char *name)
{
	size_t i;

	for (i = 0; i < d->post.n; i++) {
		struct ksp_func *f = &d->post.v[i];

		if (f->parent < 0 && !strcmp(post->syms[f->sym].name, name))
			return f;
	}
	return NULL;
}

static int sum_changed(const struct ks_diff *rd, const char *name)
{
	size_t i;

	for (i = 0; i < rd->n_changed; i++)
		if (rd->changed[i].post && !strcmp(rd->changed[i].post->name, name) &&
		    (rd->changed[i].reasons & (KS_FUNC_CODE | KS_FUNC_COLD)))
			return 1;
	return 0;
}

static void mark_changed_by_sums(const struct kelf *post, struct ksp_diff *d,
				 const struct ks_diff *rd, FILE *log)
{
	size_t i;

	for (i = 0; i < rd->n_changed; i++) {
		const struct ks_func *r = rd->changed[i].post;
		struct ksp_func *f;

		if (!r || !(rd->changed[i].reasons & (KS_FUNC_CODE | KS_FUNC_COLD)))
			continue;
		f = post_func(post, d, r->name);
		if (f && f->change == KSP_SAME) {
			f->change = KSP_CHANGED;
			if (f->peer >= 0)
				d->pre.v[f->peer].change = KSP_CHANGED;
			fprintf(log, "checksums: %s changed (its bytes compare equal): replaced\n",
				r->name);
		}
	}
}

static void report_bytes_only(const struct kelf *post, const struct ksp_diff *d,
			      const struct ks_diff *rd, FILE *log)
{
	size_t i;

	for (i = 0; i < d->post.n; i++) {
		const struct ksp_func *f = &d->post.v[i];
		const char *name = post->syms[f->sym].name;

		if (f->parent < 0 && f->change == KSP_CHANGED && !sum_changed(rd, name))
			fprintf(log, "checksums: %s has the same checksum but its bytes "
				"differ: replaced too\n", name);
	}
}

int ksp_diff_by_checksums(const char *pre_path, const char *post_path,
			  const struct kelf *pre, const struct kelf *post,
			  struct ksp_diff *d, FILE *log, int *used,
			  char *err, size_t errlen)
{
	struct ks_records rpre, rpost;
	struct ks_diff rd;

	*used = 0;
	if (kelf_find_sec(pre, KS_RECORDS_SECTION) <= 0 ||
	    kelf_find_sec(post, KS_RECORDS_SECTION) <= 0)
		return 0;
	if (ks_records_read_elf(pre_path, &rpre, err, errlen))
		return -1;
	if (ks_records_read_elf(post_path, &rpost, err, errlen)) {
		ks_records_free(&rpre);
		return -1;
	}
	if (ks_diff(&rpre, &rpost, &rd, err, errlen)) {
		ks_records_free(&rpre);
		ks_records_free(&rpost);
		return -1;
	}
	mark_changed_by_sums(post, d, &rd, log);
	report_bytes_only(post, d, &rd, log);
	ks_diff_free(&rd);
	ks_records_free(&rpre);
	ks_records_free(&rpost);
	*used = 1;
	return 0;
}

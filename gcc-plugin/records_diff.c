// SPDX-License-Identifier: GPL-2.0
/*
 * Diff two record sets (ks_diff): what changed between a pre and a post object.
 */
#include "records.h"
#include "records_int.h"

#include <stdlib.h>
#include <string.h>

struct diff_caps {
	size_t changed, new_funcs, removed_funcs, changed_data, new_data,
		removed_data, layouts, line_only, asm_changed;
};

#define PUSH(d, caps, field, nfield, capfield, val)                          \
	(ks_grow((void **)&(d)->field, &(caps)->capfield, (d)->nfield,       \
		 sizeof(*(d)->field)) ? -1 : ((d)->field[(d)->nfield++] = (val), 0))

static int streq_opt(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return !strcmp(a, b);
}

static unsigned int func_reasons(const struct ks_func *a,
				 const struct ks_func *b)
{
	unsigned int r = 0;

	if (a->alias_of || b->alias_of) {
		if (!streq_opt(a->alias_of, b->alias_of))
			r |= KS_FUNC_ALIAS;
	} else {
		if (strcmp(a->sum, b->sum))
			r |= KS_FUNC_CODE;
		if (strcmp(a->section, b->section))
			r |= KS_FUNC_SECTION;
		if (!streq_opt(a->cold, b->cold))
			r |= KS_FUNC_COLD;
	}
	if (strcmp(a->bind, b->bind))
		r |= KS_FUNC_LINKAGE;
	return r;
}

static int diff_funcs(const struct ks_records *pre,
		      const struct ks_records *post, struct ks_diff *d,
		      struct diff_caps *caps)
{
	size_t i = 0, j = 0;

	while (i < pre->n_funcs || j < post->n_funcs) {
		const struct ks_func *a = i < pre->n_funcs ? &pre->funcs[i] : NULL;
		const struct ks_func *b = j < post->n_funcs ? &post->funcs[j] : NULL;
		int c = !a ? 1 : !b ? -1 : strcmp(a->key, b->key);

		if (c < 0) {
			if (PUSH(d, caps, removed_funcs, n_removed, removed_funcs, a))
				return -1;
			i++;
		} else if (c > 0) {
			if (PUSH(d, caps, new_funcs, n_new, new_funcs, b))
				return -1;
			j++;
		} else {
			unsigned int r = func_reasons(a, b);

			if (r) {
				struct ks_func_change ch = { a, b, r };

				if (PUSH(d, caps, changed, n_changed, changed, ch))
					return -1;
			} else if (!streq_opt(a->lines, b->lines)) {
				if (PUSH(d, caps, line_only, n_line_only, line_only, b))
					return -1;
			}
			i++;
			j++;
		}
	}
	return 0;
}

/* Length of SEC without a trailing ".NAME" (-fdata-sections' own suffix). */
static size_t section_stem(const char *sec, const char *name)
{
	size_t ls = strlen(sec), ln = strlen(name);

	if (ls > ln + 1 && sec[ls - ln - 1] == '.' && !strcmp(sec + ls - ln, name))
		return ls - ln - 1;
	return ls;
}

/* Same placement? ".bss.count.1" for count.1 equals ".bss.count.4" for
 * count.4: GCC renumbered the static local, the section follows the name. */
static int same_section(const struct ks_data *a, const struct ks_data *b)
{
	size_t la = section_stem(a->section, a->name);
	size_t lb = section_stem(b->section, b->name);

	if (strcmp(a->name, b->name) && la != strlen(a->section) &&
	    lb != strlen(b->section))
		return la == lb && !strncmp(a->section, b->section, la);
	return !strcmp(a->section, b->section);
}

static unsigned int data_reasons(const struct ks_data *a,
				 const struct ks_data *b)
{
	unsigned int r = 0;

	if (a->size != b->size)
		r |= KS_DATA_SIZE;
	if (!same_section(a, b))
		r |= KS_DATA_SECTION;
	if (strcmp(a->bind, b->bind))
		r |= KS_DATA_LINKAGE;
	if (strcmp(a->sum, b->sum))
		r |= KS_DATA_INITIALIZER;
	return r;
}

static int diff_data(const struct ks_records *pre,
		     const struct ks_records *post, struct ks_diff *d,
		     struct diff_caps *caps)
{
	size_t i = 0, j = 0;

	while (i < pre->n_data || j < post->n_data) {
		const struct ks_data *a = i < pre->n_data ? &pre->data[i] : NULL;
		const struct ks_data *b = j < post->n_data ? &post->data[j] : NULL;
		int c = !a ? 1 : !b ? -1 : strcmp(a->key, b->key);

		if (c < 0) {
			if (PUSH(d, caps, removed_data, n_removed_data, removed_data, a))
				return -1;
			i++;
		} else if (c > 0) {
			if (PUSH(d, caps, new_data, n_new_data, new_data, b))
				return -1;
			j++;
		} else {
			unsigned int r = data_reasons(a, b);

			if (r) {
				struct ks_data_change ch = { a, b, r };

				if (PUSH(d, caps, changed_data, n_changed_data, changed_data, ch))
					return -1;
			}
			i++;
			j++;
		}
	}
	return 0;
}

static const struct ks_type *find_type(const struct ks_records *r,
				       const char *name, const char *unit)
{
	size_t i;

	for (i = 0; i < r->n_types; i++)
		if (!strcmp(r->types[i].name, name) &&
		    !strcmp(r->types[i].unit, unit))
			return &r->types[i];
	return NULL;
}

static int add_users(const struct ks_records *r, const char *type,
		     struct ks_layout_change *lc, size_t *cap)
{
	size_t i, k;

	for (i = 0; i < r->n_funcs; i++) {
		const struct ks_func *f = &r->funcs[i];

		for (k = 0; k < f->n_uses; k++) {
			if (strcmp(f->uses[k], type))
				continue;
			if (ks_grow((void **)&lc->used_by, cap, lc->n_used_by,
				 sizeof(*lc->used_by)))
				return -1;
			lc->used_by[lc->n_used_by++] = f->name;
			break;
		}
	}
	return 0;
}

static int diff_layouts(const struct ks_records *pre,
			const struct ks_records *post, struct ks_diff *d,
			struct diff_caps *caps)
{
	size_t i, k, n;

	for (i = 0; i < post->n_types; i++) {
		const struct ks_type *b = &post->types[i];
		const struct ks_type *a = find_type(pre, b->name, b->unit);
		struct ks_layout_change lc = { b->name, NULL, 0 };
		size_t cap = 0;

		if (!a || (!strcmp(a->sum, b->sum) && a->size == b->size))
			continue;
		if (d->n_layouts && !strcmp(d->layouts[d->n_layouts - 1].type,
					    b->name))
			continue;	/* same type, another unit */
		if (add_users(pre, b->name, &lc, &cap) ||
		    add_users(post, b->name, &lc, &cap)) {
			free(lc.used_by);
			return -1;
		}
		ks_sort(lc.used_by, lc.n_used_by, sizeof(char *), ks_cmp_strp);
		for (k = n = 0; k < lc.n_used_by; k++)
			if (!n || strcmp(lc.used_by[n - 1], lc.used_by[k]))
				lc.used_by[n++] = lc.used_by[k];
		lc.n_used_by = n;
		if (PUSH(d, caps, layouts, n_layouts, layouts, lc)) {
			free(lc.used_by);
			return -1;
		}
	}
	return 0;
}

static int diff_asm(const struct ks_records *pre,
		    const struct ks_records *post, struct ks_diff *d,
		    struct diff_caps *caps)
{
	size_t i, j;

	for (j = 0; j < post->n_units; j++) {
		const struct ks_unit *b = &post->units[j];
		const char *pre_sum = NULL;

		for (i = 0; i < pre->n_units; i++)
			if (!strcmp(pre->units[i].unit, b->unit))
				pre_sum = pre->units[i].asm_sum;
		if (streq_opt(pre_sum, b->asm_sum))
			continue;
		if (PUSH(d, caps, asm_changed, n_asm_changed, asm_changed,
			 (const char *)b->unit))
			return -1;
	}
	return 0;
}

static int cmp_fchange(const void *a, const void *b)
{
	return strcmp(((const struct ks_func_change *)a)->post->name,
		      ((const struct ks_func_change *)b)->post->name);
}

static int cmp_dchange(const void *a, const void *b)
{
	return strcmp(((const struct ks_data_change *)a)->post->name,
		      ((const struct ks_data_change *)b)->post->name);
}

static int cmp_funcp(const void *a, const void *b)
{
	return strcmp((*(const struct ks_func *const *)a)->name,
		      (*(const struct ks_func *const *)b)->name);
}

static int cmp_datap(const void *a, const void *b)
{
	return strcmp((*(const struct ks_data *const *)a)->name,
		      (*(const struct ks_data *const *)b)->name);
}

int ks_diff(const struct ks_records *pre, const struct ks_records *post,
	    struct ks_diff *out, char *err, size_t errlen)
{
	struct diff_caps caps;

	memset(out, 0, sizeof(*out));
	memset(&caps, 0, sizeof(caps));
	if (diff_funcs(pre, post, out, &caps) ||
	    diff_data(pre, post, out, &caps) ||
	    diff_layouts(pre, post, out, &caps) ||
	    diff_asm(pre, post, out, &caps)) {
		ks_diff_free(out);
		return ks_fail(err, errlen, "out of memory");
	}
	/* Lists are reported sorted by name (keys sort local ones by unit). */
	ks_sort(out->changed, out->n_changed, sizeof(*out->changed), cmp_fchange);
	ks_sort(out->new_funcs, out->n_new, sizeof(*out->new_funcs), cmp_funcp);
	ks_sort(out->removed_funcs, out->n_removed, sizeof(*out->removed_funcs),
	      cmp_funcp);
	ks_sort(out->changed_data, out->n_changed_data,
	      sizeof(*out->changed_data), cmp_dchange);
	ks_sort(out->new_data, out->n_new_data, sizeof(*out->new_data), cmp_datap);
	ks_sort(out->removed_data, out->n_removed_data,
	      sizeof(*out->removed_data), cmp_datap);
	ks_sort(out->line_only, out->n_line_only, sizeof(*out->line_only),
	      cmp_funcp);
	return 0;
}

void ks_diff_free(struct ks_diff *d)
{
	size_t i;

	for (i = 0; i < d->n_layouts; i++)
		free(d->layouts[i].used_by);
	free(d->changed);
	free(d->new_funcs);
	free(d->removed_funcs);
	free(d->changed_data);
	free(d->new_data);
	free(d->removed_data);
	free(d->layouts);
	free(d->line_only);
	free(d->asm_changed);
	memset(d, 0, sizeof(*d));
}

int ks_diff_empty(const struct ks_diff *d)
{
	return !d->n_changed && !d->n_new && !d->n_removed &&
	       !d->n_changed_data && !d->n_new_data && !d->n_removed_data &&
	       !d->n_layouts && !d->n_asm_changed;
}

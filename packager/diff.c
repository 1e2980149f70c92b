// SPDX-License-Identifier: GPL-2.0
/* Compare two builds of one unit; see diff.h. */
#include "diff.h"
#include "records.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int skip_section(const char *name)
{
	return !strncmp(name, ".init.", 6) || !strncmp(name, ".exit.", 6) ||
	       !strcmp(name, ".init.text") || !strcmp(name, ".exit.text");
}

static const char *cold_suffix(const char *name)
{
	const char *c = strstr(name, ".cold");

	return c && (c[5] == 0 || c[5] == '.') ? c : NULL;
}

static int collect_funcs(const struct kelf *k, struct ksp_funcs *fs)
{
	size_t i, j;

	fs->v = calloc(k->nr_syms ? k->nr_syms : 1, sizeof(*fs->v));
	if (!fs->v)
		return -1;
	fs->n = 0;
	for (i = 1; i < k->nr_syms; i++) {
		const GElf_Sym *s = &k->syms[i].st;
		struct ksp_func *f;

		if (!kelf_sym_is_func(k, (int)i) || !s->st_size ||
		    !kelf_sec_is_text(k, s->st_shndx) ||
		    skip_section(k->secs[s->st_shndx].name))
			continue;
		f = &fs->v[fs->n++];
		f->sym = (int)i;
		f->sec = s->st_shndx;
		f->start = s->st_value;
		f->size = s->st_size;
		f->parent = -1;
		f->peer = -1;
	}
	/* Attach "foo.cold" to "foo". */
	for (i = 0; i < fs->n; i++) {
		const char *name = k->syms[fs->v[i].sym].name, *c = cold_suffix(name);

		if (!c)
			continue;
		for (j = 0; j < fs->n; j++) {
			const char *p = k->syms[fs->v[j].sym].name;

			if (j != i && strlen(p) == (size_t)(c - name) &&
			    !strncmp(p, name, (size_t)(c - name)))
				fs->v[i].parent = (int)j;
		}
	}
	return 0;
}

int ksp_func_of_sym(const struct ksp_funcs *fs, int sym)
{
	size_t i;

	for (i = 0; i < fs->n; i++)
		if (fs->v[i].sym == sym)
			return (int)i;
	return -1;
}

int ksp_func_at(const struct ksp_funcs *fs, int sec, int64_t off)
{
	size_t i;

	for (i = 0; i < fs->n; i++)
		if (fs->v[i].sec == sec && (int64_t)fs->v[i].start <= off &&
		    off < (int64_t)(fs->v[i].start + fs->v[i].size))
			return (int)i;
	return -1;
}

/* The symbol of the other build that is the same function or object, or -1. */
static int peer_sym(const struct kelf *from, int sym, const struct kelf *to)
{
	char base[256];
	int want_func = GELF_ST_TYPE(from->syms[sym].st.st_info) == STT_FUNC;

	if (!kelf_sym_is_local(from, sym)) {
		int s = kelf_find_sym(to, from->syms[sym].name);

		return s >= 0 && !kelf_sym_is_local(to, s) ? s : -1;
	}
	(void)base;
	(void)want_func;
	return kelf_local_peer(from, sym, to);
}

static int relas_equal(const struct kelf *a, const struct kelf_sec *sa, uint64_t a0,
		       const struct kelf *b, const struct kelf_sec *sb, uint64_t b0,
		       uint64_t size, int in_code)
{
	size_t na, nb, ia = kelf_relas_in(sa, a0, a0 + size, &na),
		       ib = kelf_relas_in(sb, b0, b0 + size, &nb), i;

	if (na != nb)
		return 0;
	for (i = 0; i < na; i++) {
		const struct kelf_rela *ra = &sa->relas[ia + i], *rb = &sb->relas[ib + i];

		if (ra->offset - a0 != rb->offset - b0 ||
		    !kelf_same_target(a, ra, in_code ? sa : NULL, b, rb, in_code ? sb : NULL))
			return 0;
	}
	return 1;
}

static int bytes_equal(const struct kelf_sec *sa, uint64_t a0, const struct kelf_sec *sb,
		       uint64_t b0, uint64_t size)
{
	if (!sa->data || !sb->data)
		return !sa->data && !sb->data;
	return !memcmp(sa->data + a0, sb->data + b0, size);
}

static int func_equal(const struct kelf *pre, const struct ksp_func *a,
		      const struct kelf *post, const struct ksp_func *b)
{
	const struct kelf_sec *sa = &pre->secs[a->sec], *sb = &post->secs[b->sec];

	return a->size == b->size && bytes_equal(sa, a->start, sb, b->start, a->size) &&
	       relas_equal(pre, sa, a->start, post, sb, b->start, a->size, 1);
}

static void match_funcs(const struct kelf *pre, const struct kelf *post, struct ksp_diff *d)
{
	size_t i;

	for (i = 0; i < d->post.n; i++) {
		struct ksp_func *f = &d->post.v[i];
		int ps = peer_sym(post, f->sym, pre), pi = ps >= 0 ? ksp_func_of_sym(&d->pre, ps) : -1;

		f->peer = pi;
		if (pi < 0) {
			f->change = KSP_NEW;
			continue;
		}
		d->pre.v[pi].peer = (int)i;
		f->change = func_equal(pre, &d->pre.v[pi], post, f) ? KSP_SAME : KSP_CHANGED;
		d->pre.v[pi].change = f->change;
	}
	for (i = 0; i < d->pre.n; i++)
		if (d->pre.v[i].peer < 0)
			d->pre.v[i].change = KSP_REMOVED;
	/* A changed or new fragment changes its parent. */
	for (i = 0; i < d->post.n; i++) {
		struct ksp_func *f = &d->post.v[i];

		if (f->parent >= 0 && f->change != KSP_SAME &&
		    d->post.v[f->parent].change == KSP_SAME) {
			d->post.v[f->parent].change = KSP_CHANGED;
			if (d->post.v[f->parent].peer >= 0)
				d->pre.v[d->post.v[f->parent].peer].change = KSP_CHANGED;
		}
	}
}

int ksp_post_included(const struct ksp_diff *d, size_t i)
{
	const struct ksp_func *f = &d->post.v[i];

	if (f->parent >= 0)
		f = &d->post.v[f->parent];
	return f->change == KSP_CHANGED || f->change == KSP_NEW;
}

static int data_sym(const struct kelf *k, size_t i)
{
	const GElf_Sym *s = &k->syms[i].st;
	const char *sec;

	if (GELF_ST_TYPE(s->st_info) != STT_OBJECT || !s->st_size ||
	    s->st_shndx == SHN_UNDEF || s->st_shndx >= k->nr_secs)
		return 0;
	sec = k->secs[s->st_shndx].name;
	/* Descriptors whose content is a line number or a unique counter. */
	return strcmp(sec, "__dyndbg") && strncmp(sec, ".discard", 8) &&
	       !skip_section(sec) && (k->secs[s->st_shndx].sh.sh_flags & SHF_ALLOC);
}

static int add_data_change(const struct kelf *pre, const struct kelf *post, struct ksp_diff *d,
			   int pre_sym, int post_sym, const char *why)
{
	struct ksp_data_change *n = realloc(d->data, (d->nr_data + 1) * sizeof(*n));

	if (!n)
		return -1;
	d->data = n;
	n[d->nr_data].pre_sym = pre_sym;
	n[d->nr_data].post_sym = post_sym;
	snprintf(n[d->nr_data].reason, sizeof(n->reason), "%s", why);
	if (ksp_inplace_fields(pre, pre_sym, post, post_sym, &n[d->nr_data].inplace))
		return -1;
	d->nr_data++;
	return 0;
}

/* Does relocation r of post point into the data object sym? */
static int rela_targets(const struct kelf *post, const struct kelf_rela *r, int sym)
{
	const GElf_Sym *t = &post->syms[sym].st, *s = &post->syms[r->sym].st;

	if ((int)r->sym == sym)
		return 1;
	return GELF_ST_TYPE(s->st_info) == STT_SECTION && s->st_shndx == t->st_shndx;
}

/*
 * A changed read-only static (a quirk table, an id list, a string table) is
 * no data change when only code reads it: the new code gets its own copy
 * (newobj.c copies read-only statics), so every function reading it is
 * replaced, changed or not. Returns 1 when that is so (the readers are
 * marked), 0 when data holds its address (a driver's id table in its
 * struct) or boot code uses it (proc_create_seq() of an ops table): the
 * running kernel keeps using its copy, a data change.
 */
static int readers_take_new_copy(const struct kelf *post, struct ksp_diff *d, int sym)
{
	size_t sec, i, pass;

	if (!kelf_sym_is_local(post, sym) ||
	    (post->secs[post->syms[sym].st.st_shndx].sh.sh_flags & SHF_WRITE))
		return 0;
	for (pass = 0; pass < 2; pass++)	/* check, then mark */
		for (sec = 1; sec < post->nr_secs; sec++) {
			const struct kelf_sec *s = &post->secs[sec];

			if (!(s->sh.sh_flags & SHF_ALLOC) || !strncmp(s->name, ".discard", 8))
				continue;
			for (i = 0; i < s->nr_relas; i++) {
				int f;

				if (!rela_targets(post, &s->relas[i], sym))
					continue;
				if (!kelf_sec_is_text(post, (int)sec))
					return 0;	/* stored in data */
				if (skip_section(s->name))
					return 0;	/* boot code stored or read it */
				f = ksp_func_at(&d->post, (int)sec, (int64_t)s->relas[i].offset);
				if (f >= 0 && d->post.v[f].parent >= 0)
					f = d->post.v[f].parent;	/* a .cold fragment */
				if (pass && f >= 0 && d->post.v[f].change == KSP_SAME) {
					d->post.v[f].change = KSP_CHANGED;
					if (d->post.v[f].peer >= 0)
						d->pre.v[d->post.v[f].peer].change = KSP_CHANGED;
				}
			}
		}
	return 1;
}

static int compare_data(const struct kelf *pre, const struct kelf *post, struct ksp_diff *d)
{
	size_t i;

	for (i = 1; i < pre->nr_syms; i++) {
		const GElf_Sym *a = &pre->syms[i].st, *b;
		const struct kelf_sec *sa, *sb;
		char why[96];
		int p;

		if (!data_sym(pre, i))
			continue;
		p = peer_sym(pre, (int)i, post);
		if (p < 0 || !data_sym(post, (size_t)p))
			continue;	/* removed: the running kernel keeps it */
		b = &post->syms[p].st;
		sa = &pre->secs[a->st_shndx];
		sb = &post->secs[b->st_shndx];
		why[0] = 0;
		if (a->st_size != b->st_size)
			snprintf(why, sizeof(why), "size changed from %llu to %llu",
				 (unsigned long long)a->st_size, (unsigned long long)b->st_size);
		else if (!!(sa->sh.sh_flags & SHF_WRITE) != !!(sb->sh.sh_flags & SHF_WRITE))
			snprintf(why, sizeof(why), "writability changed");
		else if (!bytes_equal(sa, a->st_value, sb, b->st_value, a->st_size))
			snprintf(why, sizeof(why), "initial value changed");
		else if (!relas_equal(pre, sa, a->st_value, post, sb, b->st_value, a->st_size, 0))
			snprintf(why, sizeof(why), "initial pointer value changed");
		if (why[0] && !ks_data_is_trace_output(post->syms[p].name, NULL) &&
		    !readers_take_new_copy(post, d, p) &&
		    add_data_change(pre, post, d, (int)i, p, why))
			return -1;
	}
	return 0;
}

int ksp_diff(const struct kelf *pre, const struct kelf *post, struct ksp_diff *d,
	     char *err, size_t errlen)
{
	memset(d, 0, sizeof(*d));
	if (collect_funcs(pre, &d->pre) || collect_funcs(post, &d->post) ||
	    (match_funcs(pre, post, d), compare_data(pre, post, d))) {
		snprintf(err, errlen, "out of memory");
		ksp_diff_free(d);
		return -1;
	}
	return 0;
}

void ksp_diff_free(struct ksp_diff *d)
{
	size_t i;

	free(d->pre.v);
	free(d->post.v);
	for (i = 0; i < d->nr_data; i++)
		ksp_inplace_free(&d->data[i].inplace);
	free(d->data);
	memset(d, 0, sizeof(*d));
}

// SPDX-License-Identifier: GPL-2.0
/* Build the new-code object of one unit; see newobj.h. */
#include "newobj.h"
#include "special.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct orela {
	uint64_t off;
	uint32_t type;
	int sym;
	int64_t addend;
};

struct osec {
	char *name;
	GElf_Word type;
	GElf_Xword flags, align, entsize;
	unsigned char *data;
	size_t size;
	struct orela *relas;
	size_t nr_relas;
	int src_sec;		/* copied from this section of post ... */
	uint64_t src_start;	/* ... from this offset (0 for a special section) */
	int copy_relas;		/* translate the source relocations of the copied range */
	int secsym;
};

struct osym {
	char *name;
	unsigned char info;
	int shndx;		/* output section index (1-based), or SHN_UNDEF */
	uint64_t value, size;
};

struct builder {
	const struct kelf *pre, *post;
	const struct ksp_diff *d;
	const char *unit;
	struct osec *secs;	/* output section i+1 is secs[i] */
	size_t nr_secs;
	struct osym *syms;
	size_t nr_syms;
	int *func_sec;		/* post function -> output section, 0 when not included */
	int *whole_sec;		/* post section -> output section, 0 when not included */
	int repl_sec;		/* output .altinstr_replacement (kept replacements only) */
	struct ksp_newobj *res;
	char *err;
	size_t errlen;
};

static int oom(struct builder *b)
{
	snprintf(b->err, b->errlen, "out of memory");
	return -1;
}

static int grow(void **v, size_t n, size_t size)
{
	void *p;

	if (n & (n - 1) && n > 8)
		return 0;	/* capacity doubles at powers of two */
	p = realloc(*v, (n < 8 ? 8 : n * 2) * size);
	if (!p)
		return -1;
	*v = p;
	return 0;
}

static int add_sym(struct builder *b, const char *name, unsigned char info, int shndx,
		   uint64_t value, uint64_t size)
{
	struct osym *s;

	if (grow((void **)&b->syms, b->nr_syms, sizeof(*b->syms)))
		return -1;
	s = &b->syms[b->nr_syms];
	s->name = strdup(name);
	if (!s->name)
		return -1;
	s->info = info;
	s->shndx = shndx;
	s->value = value;
	s->size = size;
	return (int)b->nr_syms++;
}

/* A new output section; returns its 1-based index or -1. */
static int add_sec(struct builder *b, const char *name, const GElf_Shdr *like,
		   const unsigned char *data, size_t size, int src_sec, uint64_t src_start)
{
	struct osec *o;

	if (grow((void **)&b->secs, b->nr_secs, sizeof(*b->secs)))
		return -1;
	o = &b->secs[b->nr_secs];
	memset(o, 0, sizeof(*o));
	o->name = strdup(name);
	o->type = like->sh_type;
	o->flags = like->sh_flags & (SHF_ALLOC | SHF_WRITE | SHF_EXECINSTR | SHF_MERGE |
				     SHF_STRINGS);
	o->align = like->sh_addralign ? like->sh_addralign : 1;
	o->entsize = like->sh_entsize;
	o->size = size;
	o->src_sec = src_sec;
	o->src_start = src_start;
	if (!o->name)
		return -1;
	if (like->sh_type != SHT_NOBITS) {
		o->data = calloc(size ? size : 1, 1);
		if (!o->data)
			return -1;
		if (data)
			memcpy(o->data, data, size);
	}
	b->nr_secs++;
	o->secsym = add_sym(b, "", GELF_ST_INFO(STB_LOCAL, STT_SECTION), (int)b->nr_secs, 0, 0);
	return o->secsym < 0 ? -1 : (int)b->nr_secs;
}

static int add_rela(struct builder *b, int osec, uint64_t off, uint32_t type, int sym,
		    int64_t addend)
{
	struct osec *o = &b->secs[osec - 1];

	if (grow((void **)&o->relas, o->nr_relas, sizeof(*o->relas)))
		return oom(b);
	o->relas[o->nr_relas++] = (struct orela){ off, type, sym, addend };
	return 0;
}

char *ksp_label_of_local(const char *name, const char *unit)
{
	size_t n = strlen(name) + strlen(unit) + 2;
	char *l = malloc(n);

	if (l)
		snprintf(l, n, "%s%%%s", name, unit);
	return l;
}

char *ksp_label_of(const struct kelf *k, int sym, const char *unit)
{
	const char *name = k->syms[sym].name;

	return kelf_sym_is_local(k, sym) ? ksp_label_of_local(name, unit) : strdup(name);
}

/* The undefined symbol for a label (one per label). */
static int ext_label(struct builder *b, char *label, const char *name)
{
	struct ksp_newobj *r = b->res;
	size_t i;
	void *p;

	if (!label)
		return oom(b);
	for (i = 1; i < b->nr_syms; i++)
		if (b->syms[i].shndx == SHN_UNDEF && !strcmp(b->syms[i].name, label)) {
			free(label);
			return (int)i;
		}
	p = realloc(r->labels, (r->nr_labels + 1) * sizeof(*r->labels));
	if (!p)
		return oom(b);
	r->labels = p;
	r->labels[r->nr_labels].label = label;
	r->labels[r->nr_labels].name = strdup(name);
	if (!r->labels[r->nr_labels].name)
		return oom(b);
	r->nr_labels++;
	i = (size_t)add_sym(b, label, GELF_ST_INFO(STB_GLOBAL, STT_NOTYPE), SHN_UNDEF, 0, 0);
	return (int)i;
}

/* The label symbol of post symbol sym, named as in the pre build when it exists there. */
static int ext_sym(struct builder *b, int sym)
{
	const struct kelf *post = b->post, *pre = b->pre;
	char base[256];
	int p = -1;

	if (!kelf_sym_is_local(post, sym))
		return ext_label(b, ksp_label_of(post, sym, b->unit), post->syms[sym].name);
	(void)base;
	p = kelf_local_peer(post, sym, pre);
	if (p < 0)
		return -2;	/* new in post */
	return ext_label(b, ksp_label_of(pre, p, b->unit), pre->syms[p].name);
}

/* Include a whole section of post (data, or text without function symbols). */
static int whole(struct builder *b, int sec)
{
	const struct kelf_sec *s = &b->post->secs[sec];
	int o;

	if (b->whole_sec[sec])
		return b->whole_sec[sec];
	o = add_sec(b, s->name, &s->sh, s->data, s->size, sec, 0);
	if (o < 0)
		return oom(b);
	b->secs[o - 1].copy_relas = 1;
	b->whole_sec[sec] = o;
	return o;
}

struct ref {
	int sym;
	int64_t addend;
};

static int ref_whole(struct builder *b, int sec, int64_t off, struct ref *out)
{
	int o = whole(b, sec);

	if (o < 0)
		return -1;
	out->sym = b->secs[o - 1].secsym;
	out->addend = off;
	return 0;
}

/* A reference to data symbol t of post, at addend relative to t. */
static int ref_data(struct builder *b, int t, int64_t addend, struct ref *out)
{
	const struct kelf *post = b->post;
	const GElf_Sym *s = &post->syms[t].st;
	const struct kelf_sec *sec = &post->secs[s->st_shndx];
	int e;

	if (kelf_sym_is_local(post, t) &&
	    (!(sec->sh.sh_flags & SHF_WRITE) || ksp_diff_is_instance(b->d, t)))
		return ref_whole(b, s->st_shndx, (int64_t)s->st_value + addend, out);
	if (!kelf_sym_is_local(post, t) && kelf_find_sym(b->pre, post->syms[t].name) < 0)
		return ref_whole(b, s->st_shndx, (int64_t)s->st_value + addend, out);
	e = ext_sym(b, t);
	if (e == -2)	/* a static that the patch adds: a fresh instance */
		return ref_whole(b, s->st_shndx, (int64_t)s->st_value + addend, out);
	if (e < 0)
		return -1;
	out->sym = e;
	out->addend = addend;
	return 0;
}

static int ref_text(struct builder *b, int sec, int64_t off, int64_t look, struct ref *out)
{
	const struct ksp_funcs *fs = &b->d->post;
	int fi = ksp_func_at(fs, sec, look), e;

	if (fi < 0)
		fi = ksp_func_at(fs, sec, off);
	if (fi < 0) {
		size_t i;

		for (i = 0; i < fs->n && fi < 0; i++)	/* the end of a function */
			if (fs->v[i].sec == sec && (int64_t)(fs->v[i].start + fs->v[i].size) == off &&
			    b->func_sec[i])
				fi = (int)i;
	}
	if (fi < 0)
		return ref_whole(b, sec, off, out);
	if (b->func_sec[fi]) {
		out->sym = b->secs[b->func_sec[fi] - 1].secsym;
		out->addend = off - (int64_t)fs->v[fi].start;
		return 0;
	}
	e = ext_sym(b, fs->v[fi].sym);
	if (e == -2) {
		snprintf(b->err, b->errlen, "%s: function %s is neither in the update nor in the pre build",
			 b->unit, b->post->syms[fs->v[fi].sym].name);
		return -1;
	}
	if (e < 0)
		return -1;
	out->sym = e;
	out->addend = off - (int64_t)fs->v[fi].start;
	return 0;
}

static int translate(struct builder *b, const struct kelf_rela *r, const struct kelf_sec *code,
		     struct ref *out)
{
	const struct kelf *post = b->post;
	const struct kelf_sym *s = &post->syms[r->sym];
	int64_t bias = kelf_pcrel_bias(code, r);
	int sec = s->st.st_shndx, t;

	if (sec == SHN_UNDEF && b->d->fresh && !strcmp(s->name, "__this_module")) {
		/*
		 * THIS_MODULE in the new code of a module patched as it
		 * loads is that module, not the update's new module: what its
		 * new init registers (xt_mac's fresh copy of its matches, .me)
		 * must pin the module whose code it uses, which may otherwise
		 * be unloaded while patched. A label of the target's own.
		 */
		out->sym = ext_label(b, ksp_label_of_local(s->name, b->unit), s->name);
		out->addend = r->addend;
		return out->sym < 0 ? -1 : 0;
	}
	if (sec == SHN_UNDEF) {
		out->sym = ext_label(b, strdup(s->name), s->name);
		out->addend = r->addend;
		return out->sym < 0 ? -1 : 0;
	}
	if (sec >= (int)post->nr_secs) {
		snprintf(b->err, b->errlen, "%s: unsupported reference to %s (section index %d)",
			 b->unit, s->name, sec);
		return -1;
	}
	if (GELF_ST_TYPE(s->st.st_info) == STT_SECTION) {
		if (kelf_sec_is_text(post, sec))
			return ref_text(b, sec, r->addend, r->addend + bias, out);
		if (!(post->secs[sec].sh.sh_flags & SHF_WRITE))
			return ref_whole(b, sec, r->addend, out);
		t = kelf_sym_at_pcrel(post, sec, code, r);
		if (t < 0) {
			snprintf(b->err, b->errlen,
				 "%s: reference to writable data at %s%+lld with no symbol",
				 b->unit, post->secs[sec].name, (long long)r->addend);
			return -1;
		}
		return ref_data(b, t, r->addend - (int64_t)post->syms[t].st.st_value, out);
	}
	if (kelf_sec_is_text(post, sec))
		return ref_text(b, sec, (int64_t)s->st.st_value + r->addend,
				(int64_t)s->st.st_value, out);
	return ref_data(b, (int)r->sym, r->addend, out);
}

/* Translate the source relocations of output section o (a copied range). */
static int copy_relas(struct builder *b, int o)
{
	/*
	 * No pointer into b->secs across translate(): it may add a section
	 * (local data the code uses) and so move the array.
	 */
	uint64_t start = b->secs[o - 1].src_start;
	const struct kelf_sec *src = &b->post->secs[b->secs[o - 1].src_sec];
	const struct kelf_sec *code = src->sh.sh_flags & SHF_EXECINSTR ? src : NULL;
	size_t n, i, first = kelf_relas_in(src, start, start + b->secs[o - 1].size, &n);

	for (i = 0; i < n; i++) {
		struct kelf_rela r = src->relas[first + i];
		struct ref ref;

		if (translate(b, &r, code, &ref))
			return -1;
		if (add_rela(b, o, r.offset - start, r.type, ref.sym, ref.addend))
			return -1;
	}
	return 0;
}

/*
 * Copy the replacement code that relocation r (an entry's replacement field)
 * points at, len bytes, with its relocations; ref is the copy.
 */
static int copy_repl(struct builder *b, const struct kelf_rela *r, size_t len, struct ref *ref)
{
	const struct kelf *post = b->post;
	const GElf_Sym *sym = &post->syms[r->sym].st;
	const struct kelf_sec *src;
	int64_t off = r->addend + (GELF_ST_TYPE(sym->st_info) == STT_SECTION ? 0 :
				   (int64_t)sym->st_value);
	size_t n, first, i, at;
	struct osec *os;

	if (sym->st_shndx == SHN_UNDEF || sym->st_shndx >= post->nr_secs)
		return translate(b, r, NULL, ref);
	src = &post->secs[sym->st_shndx];
	if (!src->data || off < 0 || (size_t)off + len > src->size)
		return translate(b, r, NULL, ref);
	if (!b->repl_sec && (b->repl_sec = add_sec(b, src->name, &src->sh, NULL, 0,
						   sym->st_shndx, 0)) < 0)
		return oom(b);
	os = &b->secs[b->repl_sec - 1];
	at = os->size;
	os->data = realloc(os->data, at + len + 1);
	if (!os->data)
		return oom(b);
	memcpy(os->data + at, src->data + off, len);
	os->size += len;
	first = kelf_relas_in(src, (uint64_t)off, (uint64_t)off + len, &n);
	for (i = 0; i < n; i++) {
		struct kelf_rela rr = src->relas[first + i];
		struct ref t;

		if (translate(b, &rr, src, &t) ||
		    add_rela(b, b->repl_sec, at + (rr.offset - (uint64_t)off), rr.type, t.sym,
			     t.addend))
			return -1;
	}
	ref->sym = b->secs[b->repl_sec - 1].secsym;
	ref->addend = r->addend - off + (int64_t)at;
	return 0;
}

/* Where the code field of an entry points: a post function index, or -1. */
static int entry_func(struct builder *b, const struct kelf_sec *s, uint64_t field)
{
	const struct kelf *post = b->post;
	const struct ksp_funcs *fs = &b->d->post;
	size_t n, first = kelf_relas_in(s, field, field + 1, &n), i;
	const struct kelf_rela *r;
	const GElf_Sym *sym;
	int64_t off;
	int fi;

	if (!n)
		return -1;
	r = &s->relas[first];
	sym = &post->syms[r->sym].st;
	if (sym->st_shndx == SHN_UNDEF || sym->st_shndx >= post->nr_secs)
		return -1;
	off = r->addend + (GELF_ST_TYPE(sym->st_info) == STT_SECTION ? 0 : (int64_t)sym->st_value);
	fi = ksp_func_at(fs, sym->st_shndx, off);
	for (i = 0; fi < 0 && i < fs->n; i++)	/* ORC's end-of-function entries */
		if (fs->v[i].sec == sym->st_shndx && b->func_sec[i] &&
		    (int64_t)(fs->v[i].start + fs->v[i].size) == off)
			fi = (int)i;
	return fi >= 0 && b->func_sec[fi] ? fi : -1;
}

static int copy_special(struct builder *b, const struct ksp_special *sp, int sec)
{
	const struct kelf *post = b->post;
	const struct kelf_sec *s = &post->secs[sec], *par = NULL;
	int o = 0, po = 0, p = 0;
	size_t e, count = s->size / sp->entsize;

	if (sp->parallel && (p = kelf_find_sec(post, sp->parallel)) > 0)
		par = &post->secs[p];
	for (e = 0; e < count; e++) {
		uint64_t base = e * sp->entsize;
		size_t n, first, i;
		struct osec *os;

		if (!s->data || entry_func(b, s, base + sp->code_field) < 0)
			continue;
		if (!o && (o = add_sec(b, s->name, &s->sh, NULL, 0, sec, 0)) < 0)
			return oom(b);
		os = &b->secs[o - 1];
		os->data = realloc(os->data, os->size + sp->entsize);
		if (!os->data)
			return oom(b);
		memcpy(os->data + os->size, s->data + base, sp->entsize);
		first = kelf_relas_in(s, base, base + sp->entsize, &n);
		for (i = 0; i < n; i++) {
			struct kelf_rela r = s->relas[first + i];
			struct ref ref;

			if (sp->repl_field >= 0 && r.offset == base + (uint64_t)sp->repl_field) {
				if (copy_repl(b, &r, s->data[base + sp->repl_len_byte], &ref))
					return -1;
			} else if (translate(b, &r, 0, &ref)) {
				return -1;
			}
			os = &b->secs[o - 1];	/* translate() may have moved b->secs */
			if (add_rela(b, o, os->size + (r.offset - base), r.type, ref.sym, ref.addend))
				return -1;
		}
		os->size += sp->entsize;
		if (par && par->data && (e + 1) * sp->parallel_entsize <= par->size) {
			struct osec *ps;

			if (!po && (po = add_sec(b, par->name, &par->sh, NULL, 0, p, 0)) < 0)
				return oom(b);
			ps = &b->secs[po - 1];
			ps->data = realloc(ps->data, ps->size + sp->parallel_entsize);
			if (!ps->data)
				return oom(b);
			memcpy(ps->data + ps->size, par->data + e * sp->parallel_entsize,
			       sp->parallel_entsize);
			ps->size += sp->parallel_entsize;
		}
	}
	return 0;
}

/* A global alias "__ksplice_hook_<unit>_<n>" for each hook function (hooks.h). */
static int add_hook_aliases(struct builder *b, int unit_index)
{
	struct ksp_hooks *h = &b->res->hooks;
	size_t i;

	if (ksp_find_hooks(b->post, b->d, h, b->err, b->errlen))
		return -1;
	for (i = 0; i < h->n; i++) {
		char alias[64];

		snprintf(alias, sizeof(alias), "__ksplice_hook_%d_%zu", unit_index, i);
		h->v[i].alias = strdup(alias);
		if (!h->v[i].alias ||
		    add_sym(b, alias, GELF_ST_INFO(STB_GLOBAL, STT_FUNC),
			    b->func_sec[h->v[i].post_func], 0,
			    b->d->post.v[h->v[i].post_func].size) < 0)
			return oom(b);
	}
	return 0;
}

/* A function the patch adds, not static: other units may call it. */
static int new_global(const struct builder *b, const struct ksp_func *f)
{
	return f->change == KSP_NEW && f->parent < 0 && !kelf_sym_is_local(b->post, f->sym);
}

static int add_new_global(struct ksp_newobj *r, const char *name)
{
	char **p = realloc(r->new_globals, (r->nr_new_globals + 1) * sizeof(*p));

	if (!p)
		return -1;
	r->new_globals = p;
	p[r->nr_new_globals] = strdup(name);
	return p[r->nr_new_globals++] ? 0 : -1;
}

static int add_funcs(struct builder *b, int unit_index)
{
	const struct ksp_diff *d = b->d;
	const struct kelf *post = b->post;
	size_t i;

	for (i = 0; i < d->post.n; i++) {
		const struct ksp_func *f = &d->post.v[i];
		const struct kelf_sec *s = &post->secs[f->sec];
		char name[600];
		int o;

		if (!ksp_post_included(d, i))
			continue;
		snprintf(name, sizeof(name), ".text.ksplice.%s", post->syms[f->sym].name);
		o = add_sec(b, name, &s->sh, s->data ? s->data + f->start : NULL, f->size,
			    f->sec, f->start);
		if (o < 0)
			return oom(b);
		b->secs[o - 1].copy_relas = 1;
		b->func_sec[i] = o;
		if (add_sym(b, post->syms[f->sym].name,
			    GELF_ST_INFO(new_global(b, f) ? STB_GLOBAL : STB_LOCAL, STT_FUNC), o, 0,
			    f->size) < 0)
			return oom(b);
		b->res->code_size += f->size;
		if (f->change == KSP_NEW && f->parent < 0)
			b->res->nr_new_funcs++;
		if (new_global(b, f) && add_new_global(b->res, post->syms[f->sym].name))
			return oom(b);
	}
	for (i = 0; i < d->post.n; i++) {
		const struct ksp_func *f = &d->post.v[i];
		struct ksp_patch *pt;
		char alias[64];
		void *p;

		if (f->change != KSP_CHANGED || f->parent >= 0)
			continue;
		snprintf(alias, sizeof(alias), "__ksplice_new_%d_%zu", unit_index,
			 b->res->nr_patches);
		if (add_sym(b, alias, GELF_ST_INFO(STB_GLOBAL, STT_FUNC), b->func_sec[i], 0,
			    f->size) < 0)
			return oom(b);
		p = realloc(b->res->patches, (b->res->nr_patches + 1) * sizeof(*pt));
		if (!p)
			return oom(b);
		b->res->patches = p;
		pt = &b->res->patches[b->res->nr_patches++];
		pt->label = ksp_label_of(b->pre, d->pre.v[f->peer].sym, b->unit);
		pt->name = strdup(b->pre->syms[d->pre.v[f->peer].sym].name);
		pt->alias = strdup(alias);
		pt->size = f->size;
		if (!pt->label || !pt->name || !pt->alias)
			return oom(b);
	}
	return add_hook_aliases(b, unit_index);
}


/*
 * The post copy of each data object rewritten in place: its bytes, and only
 * the relocations of the pointer fields that change (the others are never
 * copied, so they need no label).
 */
static int add_data_copies(struct builder *b, int unit_index)
{
	const struct ksp_diff *d = b->d;
	size_t i, k;

	b->res->data_alias = calloc(d->nr_data + 1, sizeof(char *));
	if (!b->res->data_alias)
		return oom(b);
	b->res->nr_data_alias = d->nr_data;
	for (i = 0; i < d->nr_data; i++) {
		const struct ksp_data_change *c = &d->data[i];
		const GElf_Sym *st = &b->post->syms[c->post_sym].st;
		const struct kelf_sec *s = &b->post->secs[st->st_shndx];
		GElf_Shdr like = { .sh_type = SHT_PROGBITS, .sh_flags = SHF_ALLOC,
				   .sh_addralign = 8 };
		char name[600], alias[64];
		int o;

		if (!ksp_data_in_place(c))
			continue;
		snprintf(name, sizeof(name), ".rodata.ksplice_data.%s", b->post->syms[c->post_sym].name);
		o = add_sec(b, name, &like, s->data ? s->data + st->st_value : NULL, st->st_size,
			    st->st_shndx, st->st_value);
		if (o < 0)
			return oom(b);
		for (k = 0; k < c->inplace.nr_fields; k++) {
			const struct ksp_data_field *f = &c->inplace.fields[k];
			struct ref ref;

			if (f->post_rela < 0)
				continue;
			if (translate(b, &s->relas[f->post_rela], NULL, &ref) ||
			    add_rela(b, o, f->offset, s->relas[f->post_rela].type, ref.sym,
				     ref.addend))
				return -1;
		}
		snprintf(alias, sizeof(alias), "__ksplice_data_%d_%zu", unit_index, i);
		b->res->data_alias[i] = strdup(alias);
		if (!b->res->data_alias[i] ||
		    add_sym(b, alias, GELF_ST_INFO(STB_GLOBAL, STT_OBJECT), o, 0, st->st_size) < 0)
			return oom(b);
	}
	return 0;
}

/*
 * A non-static data object the patch adds (with -fdata-sections, alone in its
 * section): included and defined global, since another unit's new code or data
 * may refer to it (ath11k's new core.c table points at hw.c's new
 * ath11k_ce_ie_addr_ipq8074). Per-cpu and special sections are left out.
 */
static int new_global_data(const struct kelf *pre, const struct kelf *post, int sym)
{
	const struct kelf_sym *s = &post->syms[sym];
	int sec = s->st.st_shndx;
	const char *sn;

	if (GELF_ST_TYPE(s->st.st_info) != STT_OBJECT || kelf_sym_is_local(post, sym) ||
	    sec == SHN_UNDEF || sec >= (int)post->nr_secs ||
	    !(post->secs[sec].sh.sh_flags & SHF_ALLOC) || kelf_sec_is_text(post, sec) ||
	    kelf_find_sym(pre, s->name) >= 0)
		return 0;
	sn = post->secs[sec].name;
	if (strncmp(sn, ".rodata.", 8) && strncmp(sn, ".data.", 6) && strncmp(sn, ".bss.", 5))
		return 0;
	return strcmp(strchr(sn + 1, '.') + 1, s->name) == 0;
}

size_t ksp_count_new_data(const struct kelf *pre, const struct kelf *post)
{
	size_t i, n = 0;

	for (i = 1; i < post->nr_syms; i++)
		n += new_global_data(pre, post, (int)i);
	return n;
}

static int add_new_data(struct builder *b)
{
	size_t i;

	for (i = 1; i < b->post->nr_syms; i++) {
		const GElf_Sym *st = &b->post->syms[i].st;
		int o;

		if (!new_global_data(b->pre, b->post, (int)i))
			continue;
		o = whole(b, st->st_shndx);
		if (o < 0)
			return -1;
		if (add_sym(b, b->post->syms[i].name, GELF_ST_INFO(STB_GLOBAL, STT_OBJECT), o,
			    st->st_value, st->st_size) < 0 ||
		    add_new_global(b->res, b->post->syms[i].name))
			return oom(b);
	}
	return 0;
}

static int sym_order(const struct osym *s)
{
	return GELF_ST_BIND(s->info) == STB_LOCAL ? 0 : 1;
}

/* Symbol table order: null and locals, then globals. Fills map[old] = new. */
static size_t order_syms(struct builder *b, int *map)
{
	size_t i, n = 0, nlocal = 0;
	int pass;

	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < b->nr_syms; i++)
			if (sym_order(&b->syms[i]) == pass)
				map[i] = (int)n++;
	for (i = 0; i < b->nr_syms; i++)
		nlocal += sym_order(&b->syms[i]) == 0;
	return nlocal;
}

struct strtab {
	char *buf;
	size_t len, cap;
};

static size_t str_add(struct strtab *t, const char *s)
{
	size_t n = strlen(s) + 1, off = t->len;
	char *p;

	if (t->len + n > t->cap) {
		size_t cap = (t->cap + n) * 2;

		p = realloc(t->buf, cap);
		if (!p)
			return (size_t)-1;
		t->buf = p;
		t->cap = cap;
	}
	memcpy(t->buf + t->len, s, n);
	t->len += n;
	return off;
}

static Elf_Scn *new_scn(Elf *e, const void *buf, size_t size, Elf_Type type, size_t align)
{
	Elf_Scn *scn = elf_newscn(e);
	Elf_Data *d = scn ? elf_newdata(scn) : NULL;

	if (!d)
		return NULL;
	d->d_buf = (void *)buf;
	d->d_size = size;
	d->d_type = type;
	d->d_align = align;
	d->d_version = EV_CURRENT;
	return scn;
}

static int set_shdr(Elf_Scn *scn, size_t name, GElf_Word type, GElf_Xword flags,
		    GElf_Xword align, GElf_Xword entsize, GElf_Word link, GElf_Word info,
		    size_t size)
{
	GElf_Shdr sh;

	if (!gelf_getshdr(scn, &sh))
		return -1;
	sh.sh_name = (GElf_Word)name;
	sh.sh_type = type;
	sh.sh_flags = flags;
	sh.sh_addralign = align;
	sh.sh_entsize = entsize;
	sh.sh_link = link;
	sh.sh_info = info;
	sh.sh_size = size;
	return gelf_update_shdr(scn, &sh) ? 0 : -1;
}

struct wbufs {
	struct strtab shstr, str;
	GElf_Sym *syms;
	GElf_Rela **relas;
	int *map;
};

static int write_sections(struct builder *b, Elf *e, struct wbufs *w, size_t nlocal)
{
	size_t i, nrel = 0, symtab_idx, strtab_name, shstr_name, symtab_name, strtab_idx;
	Elf_Scn *scn;

	for (i = 0; i < b->nr_secs; i++) {
		struct osec *o = &b->secs[i];
		size_t nm = str_add(&w->shstr, o->name);

		scn = new_scn(e, o->data, o->size, ELF_T_BYTE, o->align);
		if (!scn || nm == (size_t)-1 ||
		    set_shdr(scn, nm, o->type, o->flags, o->align, o->entsize, 0, 0, o->size))
			return -1;
		if (o->nr_relas)
			nrel++;
	}
	/* .note.GNU-stack, then relocations, symtab, strtab, shstrtab */
	scn = new_scn(e, "", 0, ELF_T_BYTE, 1);
	if (!scn || set_shdr(scn, str_add(&w->shstr, ".note.GNU-stack"), SHT_PROGBITS, 0, 1, 0,
			     0, 0, 0))
		return -1;
	symtab_idx = b->nr_secs + 2 + nrel;
	strtab_idx = symtab_idx + 1;
	for (i = 0; i < b->nr_secs; i++) {
		struct osec *o = &b->secs[i];
		char name[700];
		size_t j;

		if (!o->nr_relas)
			continue;
		w->relas[i] = calloc(o->nr_relas, sizeof(GElf_Rela));
		if (!w->relas[i])
			return -1;
		for (j = 0; j < o->nr_relas; j++) {
			w->relas[i][j].r_offset = o->relas[j].off;
			w->relas[i][j].r_info = GELF_R_INFO((GElf_Xword)w->map[o->relas[j].sym],
							    o->relas[j].type);
			w->relas[i][j].r_addend = o->relas[j].addend;
		}
		snprintf(name, sizeof(name), ".rela%s", o->name);
		scn = new_scn(e, w->relas[i], o->nr_relas * sizeof(GElf_Rela), ELF_T_RELA, 8);
		if (!scn || set_shdr(scn, str_add(&w->shstr, name), SHT_RELA, SHF_INFO_LINK, 8,
				     sizeof(GElf_Rela), (GElf_Word)symtab_idx,
				     (GElf_Word)(i + 1), o->nr_relas * sizeof(GElf_Rela)))
			return -1;
	}
	symtab_name = str_add(&w->shstr, ".symtab");
	strtab_name = str_add(&w->shstr, ".strtab");
	shstr_name = str_add(&w->shstr, ".shstrtab");
	scn = new_scn(e, w->syms, b->nr_syms * sizeof(GElf_Sym), ELF_T_SYM, 8);
	if (!scn || set_shdr(scn, symtab_name, SHT_SYMTAB, 0, 8, sizeof(GElf_Sym),
			     (GElf_Word)strtab_idx, (GElf_Word)nlocal,
			     b->nr_syms * sizeof(GElf_Sym)))
		return -1;
	scn = new_scn(e, w->str.buf, w->str.len, ELF_T_BYTE, 1);
	if (!scn || set_shdr(scn, strtab_name, SHT_STRTAB, 0, 1, 0, 0, 0, w->str.len))
		return -1;
	scn = new_scn(e, w->shstr.buf, w->shstr.len, ELF_T_BYTE, 1);
	if (!scn || set_shdr(scn, shstr_name, SHT_STRTAB, 0, 1, 0, 0, 0, w->shstr.len))
		return -1;
	return (int)elf_ndxscn(scn);
}

static int fill_syms(struct builder *b, struct wbufs *w)
{
	size_t i;

	if (str_add(&w->str, "") == (size_t)-1 || str_add(&w->shstr, "") == (size_t)-1)
		return -1;
	for (i = 0; i < b->nr_syms; i++) {
		GElf_Sym *s = &w->syms[w->map[i]];
		size_t nm = b->syms[i].name[0] ? str_add(&w->str, b->syms[i].name) : 0;

		if (nm == (size_t)-1)
			return -1;
		s->st_name = (GElf_Word)nm;
		s->st_info = b->syms[i].info;
		s->st_shndx = (GElf_Section)b->syms[i].shndx;
		s->st_value = b->syms[i].value;
		s->st_size = b->syms[i].size;
	}
	return 0;
}

static int write_object(struct builder *b, const char *path)
{
	struct wbufs w = { { NULL, 0, 0 }, { NULL, 0, 0 }, NULL, NULL, NULL };
	int fd = -1, rc = -1, shstrndx;
	size_t nlocal, i;
	GElf_Ehdr eh;
	Elf *e = NULL;

	w.map = calloc(b->nr_syms, sizeof(int));
	w.syms = calloc(b->nr_syms, sizeof(GElf_Sym));
	w.relas = calloc(b->nr_secs + 1, sizeof(*w.relas));
	if (!w.map || !w.syms || !w.relas)
		goto out;
	nlocal = order_syms(b, w.map);
	if (fill_syms(b, &w))
		goto out;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0) {
		snprintf(b->err, b->errlen, "%s: %s", path, strerror(errno));
		goto out_quiet;
	}
	e = elf_begin(fd, ELF_C_WRITE, NULL);
	if (!e || !gelf_newehdr(e, ELFCLASS64) || !gelf_getehdr(e, &eh))
		goto out;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_OSABI] = ELFOSABI_NONE;
	eh.e_type = ET_REL;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	shstrndx = write_sections(b, e, &w, nlocal);
	if (shstrndx < 0)
		goto out;
	eh.e_shstrndx = (GElf_Half)shstrndx;
	if (!gelf_update_ehdr(e, &eh) || elf_update(e, ELF_C_WRITE) < 0)
		goto out;
	rc = 0;
out:
	if (rc)
		snprintf(b->err, b->errlen, "%s: cannot write the object: %s", path,
			 elf_errmsg(-1));
out_quiet:
	if (e)
		elf_end(e);
	if (fd >= 0)
		close(fd);
	for (i = 0; w.relas && i < b->nr_secs; i++)
		free(w.relas[i]);
	free(w.relas);
	free(w.syms);
	free(w.map);
	free(w.str.buf);
	free(w.shstr.buf);
	return rc;
}

static void builder_free(struct builder *b)
{
	size_t i;

	for (i = 0; i < b->nr_secs; i++) {
		free(b->secs[i].name);
		free(b->secs[i].data);
		free(b->secs[i].relas);
	}
	for (i = 0; i < b->nr_syms; i++)
		free(b->syms[i].name);
	free(b->secs);
	free(b->syms);
	free(b->func_sec);
	free(b->whole_sec);
}

int ksp_write_newobj(const struct kelf *pre, const struct kelf *post,
		     const struct ksp_diff *d, const char *unit, int unit_index,
		     const char *out_path, struct ksp_newobj *res, char *err, size_t errlen)
{
	struct builder b = { .pre = pre, .post = post, .d = d, .unit = unit, .res = res,
			     .err = err, .errlen = errlen };
	const struct ksp_special *sp;
	int rc = -1;
	size_t i;

	memset(res, 0, sizeof(*res));
	b.func_sec = calloc(d->post.n + 1, sizeof(int));
	b.whole_sec = calloc(post->nr_secs, sizeof(int));
	if (!b.func_sec || !b.whole_sec || add_sym(&b, "", 0, SHN_UNDEF, 0, 0) < 0) {
		oom(&b);
		goto out;
	}
	if (add_funcs(&b, unit_index) || add_data_copies(&b, unit_index) || add_new_data(&b))
		goto out;
	for (sp = ksp_specials; sp->name; sp++) {
		int sec = kelf_find_sec(post, sp->name);

		if (sec > 0 && copy_special(&b, sp, sec))
			goto out;
	}
	for (i = 0; i < b.nr_secs; i++)	/* grows while it runs */
		if (b.secs[i].copy_relas && copy_relas(&b, (int)i + 1))
			goto out;
	res->nr_sections = b.nr_secs;
	rc = write_object(&b, out_path);
out:
	builder_free(&b);
	return rc;
}

void ksp_newobj_free(struct ksp_newobj *res)
{
	size_t i;

	for (i = 0; i < res->nr_labels; i++) {
		free(res->labels[i].label);
		free(res->labels[i].name);
	}
	for (i = 0; i < res->nr_patches; i++) {
		free(res->patches[i].label);
		free(res->patches[i].name);
		free(res->patches[i].alias);
	}
	for (i = 0; i < res->nr_new_globals; i++)
		free(res->new_globals[i]);
	for (i = 0; i < res->nr_data_alias; i++)
		free(res->data_alias[i]);
	free(res->data_alias);
	free(res->new_globals);
	free(res->labels);
	free(res->patches);
	ksp_hooks_free(&res->hooks);
	memset(res, 0, sizeof(*res));
}

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

/* module_init()'s and module_exit()'s aliases of the module's functions. */
static int is_module_alias(const char *name)
{
	return !strcmp(name, "init_module") || !strcmp(name, "cleanup_module");
}

/*
 * The functions of k; for a fresh target, those of .init.text and .exit.text
 * too (a module patched as it loads, before its init runs: kmod/coming.c).
 */
static int collect_funcs(const struct kelf *k, struct ksp_funcs *fs, int fresh)
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
		    is_module_alias(k->syms[i].name) ||
		    !kelf_sec_is_text(k, s->st_shndx) ||
		    (skip_section(k->secs[s->st_shndx].name) &&
		     !(fresh && (!strcmp(k->secs[s->st_shndx].name, ".init.text") ||
				 !strcmp(k->secs[s->st_shndx].name, ".exit.text")))))
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

/*
 * MODULE_DEVICE_TABLE()'s alias of an id table: modpost reads it to write the
 * module's aliases; the running kernel never refers to it.
 */
static int is_device_table_alias(const char *name)
{
	size_t n = strlen(name), tail = strlen("_device_table");

	return !strncmp(name, "__mod_", 6) && n > tail && !strcmp(name + n - tail, "_device_table");
}

static int data_sym(const struct kelf *k, size_t i)
{
	const GElf_Sym *s = &k->syms[i].st;
	const char *sec;

	if (GELF_ST_TYPE(s->st_info) != STT_OBJECT || !s->st_size ||
	    s->st_shndx == SHN_UNDEF || s->st_shndx >= k->nr_secs)
		return 0;
	sec = k->secs[s->st_shndx].name;
	if (is_device_table_alias(k->syms[i].name))
		return 0;
	/* Descriptors whose content is a line number or a unique counter. */
	return strcmp(sec, "__dyndbg") && strncmp(sec, ".discard", 8) &&
	       !skip_section(sec) && (k->secs[s->st_shndx].sh.sh_flags & SHF_ALLOC);
}

/* A new entry of d->data, zeroed but for its symbols and reason; NULL out of memory. */
static struct ksp_data_change *new_data_change(struct ksp_diff *d, int pre_sym, int post_sym,
					       const char *why)
{
	struct ksp_data_change *n = realloc(d->data, (d->nr_data + 1) * sizeof(*n));

	if (!n)
		return NULL;
	d->data = n;
	n += d->nr_data++;
	memset(n, 0, sizeof(*n));
	n->pre_sym = pre_sym;
	n->post_sym = post_sym;
	n->replaces = -1;
	snprintf(n->reason, sizeof(n->reason), "%s", why);
	return n;
}

static int add_data_change(const struct kelf *pre, const struct kelf *post, struct ksp_diff *d,
			   int pre_sym, int post_sym, const char *why)
{
	struct ksp_data_change *n = new_data_change(d, pre_sym, post_sym, why);

	return n ? ksp_inplace_fields(pre, pre_sym, post, post_sym, d->fresh, &n->inplace) : -1;
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
 * The next relocation after (*sec, *i) of an allocated section of post (not
 * .discard*) that points into its object sym, or NULL; *sec is then the
 * section it belongs to. Start with *sec = 1, *i = 0.
 */
static const struct kelf_rela *next_reference(const struct kelf *post, int sym, size_t *sec,
					      size_t *i)
{
	for (; *sec < post->nr_secs; (*sec)++, *i = 0) {
		const struct kelf_sec *s = &post->secs[*sec];

		if (!(s->sh.sh_flags & SHF_ALLOC) || !strncmp(s->name, ".discard", 8))
			continue;
		while (*i < s->nr_relas) {
			const struct kelf_rela *r = &s->relas[(*i)++];

			if (rela_targets(post, r, sym))
				return r;
		}
	}
	return NULL;
}

/* Replace post function f (the parent of a .cold fragment), changed or not. */
static void mark_replaced(struct ksp_diff *d, int f)
{
	if (d->post.v[f].parent >= 0)
		f = d->post.v[f].parent;
	if (d->post.v[f].change != KSP_SAME)
		return;
	d->post.v[f].change = KSP_CHANGED;
	if (d->post.v[f].peer >= 0)
		d->pre.v[d->post.v[f].peer].change = KSP_CHANGED;
}

/*
 * A changed read-only static (a quirk table, an id list, a string table) is
 * no data change when only code reads it: the new code gets its own copy
 * (newobj.c copies read-only statics), so every function reading it is
 * replaced, changed or not. Returns 1 when that is so (the readers are
 * marked), 0 when data holds its address (a driver's id table in its
 * struct) or boot code uses it (proc_create_seq() of an ops table): the
 * running kernel keeps using its copy, a data change. With holders_ok, the
 * data that holds its address is left to holders_take_new_copy().
 */
static int readers_take_new_copy(const struct kelf *post, struct ksp_diff *d, int sym,
				 int holders_ok)
{
	const struct kelf_rela *r;
	size_t sec, i, pass;

	if (!kelf_sym_is_local(post, sym) ||
	    (post->secs[post->syms[sym].st.st_shndx].sh.sh_flags & SHF_WRITE))
		return 0;
	for (pass = 0; pass < 2; pass++)	/* check, then mark */
		for (sec = 1, i = 0; (r = next_reference(post, sym, &sec, &i));) {
			int f;

			if (!kelf_sec_is_text(post, (int)sec)) {
				if (holders_ok)
					continue;	/* checked by holders_qualify() */
				return 0;	/* stored in data */
			}
			if (skip_section(post->secs[sec].name))
				return 0;	/* boot code stored or read it */
			f = ksp_func_at(&d->post, (int)sec, (int64_t)r->offset);
			if (pass && f >= 0)
				mark_replaced(d, f);
		}
	return 1;
}

/* A data pointer to a replaced static (holder_fields()). */
struct holder_ptr {
	int post_sym, pre_sym;	/* the holding object in each build */
	int post_rela, pre_rela;	/* the pointer's relocation in each */
};

/*
 * Is relocation post_rela of section sec of post a pointer to sym that the
 * core may rewrite (1, h filled in), no pointer to sym (2), or a reference
 * that keeps sym in use (0)?
 */
static int holder_pointer(const struct kelf *pre, int pre_sym, const struct kelf *post, int sym,
			  int sec, size_t post_rela, struct holder_ptr *h)
{
	const struct kelf_sec *s = &post->secs[sec], *ps;
	const struct kelf_rela *r = &s->relas[post_rela];
	const GElf_Sym *hs, *hps;
	size_t n, first, i;
	uint64_t off;

	if (!rela_targets(post, r, sym))
		return 2;
	h->post_sym = kelf_sym_at(post, sec, (int64_t)r->offset, 0);
	if (skip_section(s->name) || r->type != R_X86_64_64 || h->post_sym < 0 ||
	    h->post_sym == sym || !data_sym(post, (size_t)h->post_sym))
		return 0;
	hs = &post->syms[h->post_sym].st;
	h->pre_sym = peer_sym(post, h->post_sym, pre);
	if (r->offset < hs->st_value || r->offset >= hs->st_value + hs->st_size ||
	    h->pre_sym < 0 || !data_sym(pre, (size_t)h->pre_sym))
		return 0;
	hps = &pre->syms[h->pre_sym].st;
	ps = &pre->secs[hps->st_shndx];
	if (hps->st_size != hs->st_size ||
	    !bytes_equal(ps, hps->st_value, s, hs->st_value, hs->st_size) ||
	    !relas_equal(pre, ps, hps->st_value, post, s, hs->st_value, hs->st_size, 0))
		return 0;	/* a holder that changes too */
	off = r->offset - hs->st_value;
	first = kelf_relas_in(ps, hps->st_value, hps->st_value + hps->st_size, &n);
	for (i = first; i < first + n; i++)
		if (ps->relas[i].offset == hps->st_value + off &&
		    rela_targets(pre, &ps->relas[i], pre_sym))
			break;
	if (i == first + n)
		return 0;
	h->post_rela = (int)post_rela;
	h->pre_rela = (int)i;
	return 1;
}

/* Add h's pointer as a field of the in-place change of its holder. */
static int add_holder_field(const struct kelf *post, struct ksp_diff *d, int sym,
			    const struct holder_ptr *h)
{
	const GElf_Sym *hs = &post->syms[h->post_sym].st;
	const struct kelf_rela *r = &post->secs[hs->st_shndx].relas[h->post_rela];
	struct ksp_data_change *c = NULL;
	char why[96];
	size_t i;

	for (i = 0; i < d->nr_data && !c; i++)
		if (d->data[i].post_sym == h->post_sym && d->data[i].replaces == sym)
			c = &d->data[i];
	if (!c) {
		snprintf(why, sizeof(why), "holds the address of %s", post->syms[sym].name);
		c = new_data_change(d, h->pre_sym, h->post_sym, why);
		if (!c)
			return -1;
		c->replaces = sym;
	}
	return ksp_inplace_add_field(&c->inplace, (uint32_t)(r->offset - hs->st_value), 8,
				     h->pre_rela, h->post_rela);
}

/*
 * Every data pointer to sym (see holder_pointer()); with d, each is added as
 * an in-place field of its holder. Returns 1 when all may be rewritten, 0
 * when one may not, -1 out of memory.
 */
static int holder_fields(const struct kelf *pre, int pre_sym, const struct kelf *post, int sym,
			 struct ksp_diff *d)
{
	struct holder_ptr h;
	size_t sec, i;
	int ok;

	for (sec = 1; sec < post->nr_secs; sec++) {
		const struct kelf_sec *s = &post->secs[sec];

		if (!(s->sh.sh_flags & SHF_ALLOC) || !strncmp(s->name, ".discard", 8) ||
		    kelf_sec_is_text(post, (int)sec))
			continue;
		for (i = 0; i < s->nr_relas; i++) {
			ok = holder_pointer(pre, pre_sym, post, sym, (int)sec, i, &h);
			if (!ok)
				return 0;
			if (ok == 1 && d && add_holder_field(post, d, sym, &h))
				return -1;
		}
	}
	return 1;
}

/*
 * A changed read-only static whose address data holds and whose size changes
 * (a driver's id table that grows, held by its pci_driver or usb_driver) is
 * replaced as a whole:
 * the update carries its post copy, the code that reads it is replaced (as
 * in readers_take_new_copy()), and each pointer to it in data is rewritten
 * in place to the copy (an in-place change of the holder, whose "replaces"
 * names it). The kernel reads such a pointer each time (pci_match_device()
 * on every probe); anything it took from the old copy (a device bound by an
 * old entry) stays valid, since the old copy stays. Returns 1 when done, 0
 * when it cannot be (boot code used it: usb-serial's init registers
 * option_ids itself), -1 out of memory.
 */
static int holders_take_new_copy(const struct kelf *pre, int pre_sym, const struct kelf *post,
				 struct ksp_diff *d, int sym)
{
	int ok;

	if (!kelf_sym_is_local(post, sym) ||
	    (post->secs[post->syms[sym].st.st_shndx].sh.sh_flags & SHF_WRITE))
		return 0;
	ok = holder_fields(pre, pre_sym, post, sym, NULL);
	if (ok <= 0)
		return ok;
	if (!readers_take_new_copy(post, d, sym, 1))
		return 0;	/* boot code used it */
	return holder_fields(pre, pre_sym, post, sym, d) < 0 ? -1 : 1;
}

/*
 * Is post's data object sym a static alone in its own section (-fdata-sections:
 * no special section the kernel walks) that no relocation of an allocated
 * section names? Nothing in the kernel reads it: a device id table that only
 * MODULE_DEVICE_TABLE() names, for modpost (mscc's vsc85xx_tbl).
 */
static int unreferenced(const struct kelf *post, int sym)
{
	const char *name = post->syms[sym].name, *sn;
	size_t sec, i, n;

	if (!kelf_sym_is_local(post, sym))
		return 0;
	sn = post->secs[post->syms[sym].st.st_shndx].name;
	n = strlen(sn) - strlen(name);
	if (strlen(sn) <= strlen(name) || strcmp(sn + n, name) || sn[n - 1] != '.' ||
	    (strncmp(sn, ".data.", n) && strncmp(sn, ".bss.", n) && strncmp(sn, ".rodata.", n)))
		return 0;
	for (sec = 1; sec < post->nr_secs; sec++) {
		const struct kelf_sec *s = &post->secs[sec];

		if (!(s->sh.sh_flags & SHF_ALLOC))
			continue;
		for (i = 0; i < s->nr_relas; i++)
			if (rela_targets(post, &s->relas[i], sym))
				return 0;
	}
	return 1;
}

/*
 * Is relocation r of section sec inside post's object sym itself (a list
 * head that points at itself)?
 */
static int self_reference(const struct kelf *post, int sec, const struct kelf_rela *r, int sym)
{
	const GElf_Sym *t = &post->syms[sym].st;

	return (int)t->st_shndx == sec && r->offset >= t->st_value &&
	       r->offset < t->st_value + t->st_size;
}

/*
 * A changed writable static of a fresh target (a module patched as it loads,
 * before its init runs) whose size changes (xt_mac's mac_mt_reg becomes an
 * array of two matches) cannot be rewritten in place; but nothing has used
 * the module's copy yet, so the new code may use a fresh copy of its own,
 * initialised as post says, if every function that refers to it is replaced
 * (its __init and __exit functions too: fresh targets patch them) and no
 * data but itself holds its address. Returns 1 when so (the functions are
 * marked changed), 0 when not, -1 out of memory.
 */
static int fresh_instance(const struct kelf *post, struct ksp_diff *d, int sym)
{
	const struct kelf_rela *r;
	size_t sec, i, pass;
	int *v;

	if (!d->fresh || !kelf_sym_is_local(post, sym) ||
	    !(post->secs[post->syms[sym].st.st_shndx].sh.sh_flags & SHF_WRITE))
		return 0;
	for (pass = 0; pass < 2; pass++)	/* check, then mark */
		for (sec = 1, i = 0; (r = next_reference(post, sym, &sec, &i));) {
			int f;

			if (self_reference(post, (int)sec, r, sym))
				continue;
			f = kelf_sec_is_text(post, (int)sec) ?
			    ksp_func_at(&d->post, (int)sec, (int64_t)r->offset) : -1;
			if (f < 0)
				return 0;	/* data holds it, or code of no function */
			if (pass)
				mark_replaced(d, f);
		}
	v = realloc(d->instances, (d->nr_instances + 1) * sizeof(*v));
	if (!v)
		return -1;
	d->instances = v;
	v[d->nr_instances++] = sym;
	return 1;
}

int ksp_diff_is_instance(const struct ksp_diff *d, int sym)
{
	size_t i;

	for (i = 0; i < d->nr_instances; i++)
		if (d->instances[i] == sym)
			return 1;
	return 0;
}

static int compare_data(const struct kelf *pre, const struct kelf *post, struct ksp_diff *d)
{
	size_t i;

	for (i = 1; i < pre->nr_syms; i++) {
		const GElf_Sym *a = &pre->syms[i].st, *b;
		const struct kelf_sec *sa, *sb;
		char why[96];
		int p, replaced;

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
		if (!why[0] || ks_data_is_trace_output(post->syms[p].name, NULL) ||
		    unreferenced(post, p) || readers_take_new_copy(post, d, p, 0))
			continue;
		/* the same size: its fields change in place instead (inplace.h) */
		replaced = 0;
		if (a->st_size != b->st_size) {
			replaced = holders_take_new_copy(pre, (int)i, post, d, p);
			if (!replaced)
				replaced = fresh_instance(post, d, p);
		}
		if (replaced < 0 || (!replaced && add_data_change(pre, post, d, (int)i, p, why)))
			return -1;
	}
	return 0;
}

int ksp_diff(const struct kelf *pre, const struct kelf *post, struct ksp_diff *d, int fresh,
	     char *err, size_t errlen)
{
	memset(d, 0, sizeof(*d));
	d->fresh = fresh;
	if (collect_funcs(pre, &d->pre, fresh) || collect_funcs(post, &d->post, fresh) ||
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
	free(d->instances);
	memset(d, 0, sizeof(*d));
}

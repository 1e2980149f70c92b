// SPDX-License-Identifier: GPL-2.0
/*
 * Read, diff and print ksplice plugin records. See records.h and README.md.
 */
#include "records.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* qsort() that accepts an empty (NULL) array. */
static void sort_arr(void *base, size_t n, size_t size,
		     int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(base, n, size, cmp);
}

/* ------------------------------------------------------------------ */
/* Growable arrays.                                                   */

static int grow(void **arr, size_t *cap, size_t n, size_t size)
{
	void *p;
	size_t c;

	if (n < *cap)
		return 0;
	c = *cap ? *cap * 2 : 16;
	p = realloc(*arr, c * size);
	if (!p)
		return -1;
	*arr = p;
	*cap = c;
	return 0;
}

static int push_str(char ***arr, size_t *n, size_t *cap, char *s)
{
	if (grow((void **)arr, cap, *n, sizeof(**arr)))
		return -1;
	(*arr)[(*n)++] = s;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Parsing.                                                           */

#define MAX_FIELDS 16

struct line {
	char *f[MAX_FIELDS];	/* unescaped fields, in the line's buffer */
	int n;
	unsigned long no;
};

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Unescape %XX in place; "%00" alone is the empty string. */
static int unescape(char *s)
{
	char *w = s;

	if (!strcmp(s, "%00")) {
		*s = '\0';
		return 0;
	}
	while (*s) {
		if (*s == '%') {
			int hi = hexval(s[1]), lo = hi < 0 ? -1 : hexval(s[2]);

			if (lo < 0)
				return -1;
			*w++ = (char)(hi * 16 + lo);
			s += 3;
			continue;
		}
		*w++ = *s++;
	}
	*w = '\0';
	return 0;
}

static int split_line(char *buf, struct line *l, char *err, size_t errlen)
{
	char *p = buf;

	l->n = 0;
	while (*p) {
		char *start = p;

		while (*p && *p != ' ')
			p++;
		if (p == start)
			return fail(err, errlen, "line %lu: empty field", l->no);
		if (l->n == MAX_FIELDS)
			return fail(err, errlen, "line %lu: too many fields",
				    l->no);
		if (*p)
			*p++ = '\0';
		/* key=value attributes are unescaped after the '='. */
		l->f[l->n] = start;
		if (unescape(strchr(start, '=') ? strchr(start, '=') + 1 :
			     start))
			return fail(err, errlen, "line %lu: bad %%XX escape",
				    l->no);
		l->n++;
	}
	return 0;
}

static int is_sum(const char *s)
{
	int i;

	for (i = 0; i < 16; i++)
		if (hexval(s[i]) < 0 || (s[i] >= 'A' && s[i] <= 'F'))
			return 0;
	return s[16] == '\0';
}

struct parser {
	struct ks_records *r;
	size_t cap_units, cap_funcs, cap_data, cap_types;
	struct ks_unit *unit;	/* current unit, NULL outside one */
	unsigned long unit_lines;
	char *err;
	size_t errlen;
};

static char *sdup(struct parser *p, const char *s)
{
	char *d = strdup(s ? s : "");

	if (!d)
		fail(p->err, p->errlen, "out of memory");
	return d;
}

static char *dup_opt(struct parser *p, const char *s, int *bad)
{
	char *d;

	if (!s)
		return NULL;
	d = sdup(p, s);
	if (!d)
		*bad = 1;
	return d;
}

/* The value of attribute KEY among fields [from, n), or NULL. */
static const char *attr(const struct line *l, int from, const char *key)
{
	size_t kl = strlen(key);
	int i;

	for (i = from; i < l->n; i++)
		if (!strncmp(l->f[i], key, kl) && l->f[i][kl] == '=')
			return l->f[i] + kl + 1;
	return NULL;
}

static char *make_key(struct parser *p, const char *name, const char *bind,
		      const char *unit)
{
	size_t n = strlen(name) + strlen(unit) + 2;
	char *k = malloc(n);

	if (!k) {
		fail(p->err, p->errlen, "out of memory");
		return NULL;
	}
	if (!strcmp(bind, "local"))
		snprintf(k, n, "%s%%%s", name, unit);
	else
		snprintf(k, n, "%s", name);
	return k;
}

static int check_bind(struct parser *p, const struct line *l, const char *b)
{
	if (strcmp(b, "global") && strcmp(b, "weak") && strcmp(b, "local"))
		return fail(p->err, p->errlen, "line %lu: bad binding '%s'",
			    l->no, b);
	return 0;
}

static int parse_func(struct parser *p, const struct line *l)
{
	struct ks_records *r = p->r;
	struct ks_func *f;
	int bad = 0;

	if (l->n < 5 || !is_sum(l->f[4]))
		return fail(p->err, p->errlen, "line %lu: bad func record",
			    l->no);
	if (check_bind(p, l, l->f[3]) ||
	    grow((void **)&r->funcs, &p->cap_funcs, r->n_funcs, sizeof(*f)))
		return -1;
	f = &r->funcs[r->n_funcs++];
	memset(f, 0, sizeof(*f));
	f->name = sdup(p, l->f[1]);
	f->unit = sdup(p, p->unit->unit);
	f->section = sdup(p, l->f[2]);
	f->bind = sdup(p, l->f[3]);
	f->sum = sdup(p, l->f[4]);
	f->cold = dup_opt(p, attr(l, 5, "cold"), &bad);
	f->origin = dup_opt(p, attr(l, 5, "origin"), &bad);
	f->clone = dup_opt(p, attr(l, 5, "clone"), &bad);
	f->lines = dup_opt(p, attr(l, 5, "lines"), &bad);
	f->key = make_key(p, l->f[1], l->f[3], p->unit->unit);
	if (bad || !f->name || !f->unit || !f->section || !f->bind ||
	    !f->sum || !f->key)
		return -1;
	return 0;
}

static int parse_alias(struct parser *p, const struct line *l)
{
	struct ks_records *r = p->r;
	struct ks_func *f;
	size_t n;

	if (l->n < 4)
		return fail(p->err, p->errlen, "line %lu: bad alias record",
			    l->no);
	if (check_bind(p, l, l->f[3]) ||
	    grow((void **)&r->funcs, &p->cap_funcs, r->n_funcs, sizeof(*f)))
		return -1;
	f = &r->funcs[r->n_funcs++];
	memset(f, 0, sizeof(*f));
	f->name = sdup(p, l->f[1]);
	f->alias_of = sdup(p, l->f[2]);
	f->unit = sdup(p, p->unit->unit);
	f->bind = sdup(p, l->f[3]);
	f->section = sdup(p, "");
	n = strlen(l->f[2]) + 7;
	f->sum = malloc(n);
	if (f->sum)
		snprintf(f->sum, n, "alias:%s", l->f[2]);
	f->key = make_key(p, l->f[1], l->f[3], p->unit->unit);
	if (!f->name || !f->alias_of || !f->unit || !f->bind || !f->section ||
	    !f->sum || !f->key)
		return fail(p->err, p->errlen, "out of memory");
	return 0;
}

/* inline/uses: attach to the latest func of that name in this unit. */
static int parse_fn_fact(struct parser *p, const struct line *l, int uses)
{
	struct ks_records *r = p->r;
	size_t i;

	if (l->n != 3)
		return fail(p->err, p->errlen, "line %lu: bad %s record",
			    l->no, uses ? "uses" : "inline");
	for (i = r->n_funcs; i-- > 0;) {
		struct ks_func *f = &r->funcs[i];
		size_t cap;
		char *s;

		if (strcmp(f->unit, p->unit->unit))
			break;
		if (strcmp(f->name, l->f[1]))
			continue;
		s = sdup(p, l->f[2]);
		if (!s)
			return -1;
		if (uses) {
			cap = f->n_uses;
			if (push_str(&f->uses, &f->n_uses, &cap, s))
				return free(s), fail(p->err, p->errlen, "out of memory");
		} else {
			cap = f->n_inlines;
			if (push_str(&f->inlines, &f->n_inlines, &cap, s))
				return free(s), fail(p->err, p->errlen, "out of memory");
		}
		return 0;
	}
	return 0;	/* a function that was not emitted: nothing to attach */
}

static int parse_data(struct parser *p, const struct line *l)
{
	struct ks_records *r = p->r;
	struct ks_data *d;
	char *end;
	int bad = 0;

	if (l->n < 7 || !is_sum(l->f[6]))
		return fail(p->err, p->errlen, "line %lu: bad data record",
			    l->no);
	if (check_bind(p, l, l->f[4]) ||
	    grow((void **)&r->data, &p->cap_data, r->n_data, sizeof(*d)))
		return -1;
	d = &r->data[r->n_data++];
	memset(d, 0, sizeof(*d));
	d->size = strtoll(l->f[5], &end, 10);
	if (*end)
		return fail(p->err, p->errlen, "line %lu: bad size '%s'",
			    l->no, l->f[5]);
	d->name = sdup(p, l->f[1]);
	d->unit = sdup(p, p->unit->unit);
	d->section = sdup(p, l->f[3]);
	d->bind = sdup(p, l->f[4]);
	d->sum = sdup(p, l->f[6]);
	d->owner = dup_opt(p, attr(l, 7, "owner"), &bad);
	/* Static locals and other locals are keyed within their unit. */
	d->key = make_key(p, l->f[2], d->owner ? "local" : l->f[4],
			  p->unit->unit);
	if (bad || !d->name || !d->unit || !d->section || !d->bind ||
	    !d->sum || !d->key)
		return -1;
	return 0;
}

static int parse_type(struct parser *p, const struct line *l)
{
	struct ks_records *r = p->r;
	struct ks_type *t;
	char *end;

	if (l->n != 4 || !is_sum(l->f[3]))
		return fail(p->err, p->errlen, "line %lu: bad type record",
			    l->no);
	if (grow((void **)&r->types, &p->cap_types, r->n_types, sizeof(*t)))
		return fail(p->err, p->errlen, "out of memory");
	t = &r->types[r->n_types++];
	memset(t, 0, sizeof(*t));
	t->size = strtoll(l->f[2], &end, 10);
	if (*end)
		return fail(p->err, p->errlen, "line %lu: bad size '%s'",
			    l->no, l->f[2]);
	t->name = sdup(p, l->f[1]);
	t->unit = sdup(p, p->unit->unit);
	t->sum = sdup(p, l->f[3]);
	if (!t->name || !t->unit || !t->sum)
		return -1;
	return 0;
}

static int parse_header(struct parser *p, const struct line *l)
{
	struct ks_records *r = p->r;

	if (p->unit)
		return fail(p->err, p->errlen,
			    "line %lu: unit '%s' has no 'end' record", l->no,
			    p->unit->unit);
	if (l->n != 2 || atoi(l->f[1]) != KS_RECORDS_VERSION)
		return fail(p->err, p->errlen,
			    "line %lu: unsupported records version '%s' (this reader knows %d)",
			    l->no, l->n > 1 ? l->f[1] : "", KS_RECORDS_VERSION);
	if (grow((void **)&r->units, &p->cap_units, r->n_units,
		 sizeof(*r->units)))
		return fail(p->err, p->errlen, "out of memory");
	p->unit = &r->units[r->n_units++];
	memset(p->unit, 0, sizeof(*p->unit));
	p->unit->unit = sdup(p, "");
	p->unit_lines = 1;
	return p->unit->unit ? 0 : -1;
}

static int parse_record(struct parser *p, struct line *l)
{
	const char *kind = l->f[0];

	if (!strcmp(kind, "ksplice-records"))
		return parse_header(p, l);
	if (!p->unit)
		return fail(p->err, p->errlen,
			    "line %lu: '%s' record outside a unit (no 'ksplice-records' line)",
			    l->no, kind);
	if (strcmp(kind, "end"))
		p->unit_lines++;
	if (!strcmp(kind, "unit") || !strcmp(kind, "compiler")) {
		char **dst = kind[0] == 'u' ? &p->unit->unit : &p->unit->compiler;

		if (l->n != 2)
			return fail(p->err, p->errlen, "line %lu: bad %s record",
				    l->no, kind);
		free(*dst);
		*dst = sdup(p, l->f[1]);
		return *dst ? 0 : -1;
	}
	if (!strcmp(kind, "func"))
		return parse_func(p, l);
	if (!strcmp(kind, "alias"))
		return parse_alias(p, l);
	if (!strcmp(kind, "inline") || !strcmp(kind, "uses"))
		return parse_fn_fact(p, l, kind[0] == 'u');
	if (!strcmp(kind, "data"))
		return parse_data(p, l);
	if (!strcmp(kind, "type"))
		return parse_type(p, l);
	if (!strcmp(kind, "asm")) {
		if (l->n != 2 || !is_sum(l->f[1]))
			return fail(p->err, p->errlen, "line %lu: bad asm record",
				    l->no);
		free(p->unit->asm_sum);
		p->unit->asm_sum = sdup(p, l->f[1]);
		return p->unit->asm_sum ? 0 : -1;
	}
	if (!strcmp(kind, "asmsym")) {
		char *name;
		size_t cap = p->r->n_asm_syms;

		if (l->n != 2)
			return fail(p->err, p->errlen, "line %lu: bad asmsym record",
				    l->no);
		name = sdup(p, l->f[1]);
		if (!name || push_str(&p->r->asm_syms, &p->r->n_asm_syms, &cap,
				      name))
			return free(name), fail(p->err, p->errlen, "out of memory");
		return 0;
	}
	if (!strcmp(kind, "end")) {
		/* n counts the unit's lines before "end", header included. */
		if (l->n != 2 || strtoul(l->f[1], NULL, 10) != p->unit_lines)
			return fail(p->err, p->errlen,
				    "line %lu: unit '%s' ends after %lu records but says %s (truncated?)",
				    l->no, p->unit->unit, p->unit_lines,
				    l->n > 1 ? l->f[1] : "?");
		p->unit = NULL;
		return 0;
	}
	return fail(p->err, p->errlen, "line %lu: unknown record '%s'", l->no,
		    kind);
}

static int cmp_func(const void *a, const void *b)
{
	return strcmp(((const struct ks_func *)a)->key,
		      ((const struct ks_func *)b)->key);
}

static int cmp_data(const void *a, const void *b)
{
	return strcmp(((const struct ks_data *)a)->key,
		      ((const struct ks_data *)b)->key);
}

static int cmp_type(const void *a, const void *b)
{
	const struct ks_type *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : strcmp(x->unit, y->unit);
}

static int cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int check_dups(const struct ks_records *r, char *err, size_t errlen)
{
	size_t i;

	for (i = 1; i < r->n_funcs; i++)
		if (!strcmp(r->funcs[i].key, r->funcs[i - 1].key))
			return fail(err, errlen, "function '%s' recorded twice",
				    r->funcs[i].key);
	for (i = 1; i < r->n_data; i++)
		if (!strcmp(r->data[i].key, r->data[i - 1].key))
			return fail(err, errlen, "data key '%s' recorded twice",
				    r->data[i].key);
	return 0;
}

int ks_records_parse(const char *buf, size_t len, struct ks_records *out,
		     char *err, size_t errlen)
{
	struct parser p;
	char *copy, *line, *next;
	unsigned long no = 0;
	size_t i;

	memset(out, 0, sizeof(*out));
	memset(&p, 0, sizeof(p));
	p.r = out;
	p.err = err;
	p.errlen = errlen;
	/* Trailing NULs (section padding) are not records. */
	while (len && buf[len - 1] == '\0')
		len--;
	out->raw = malloc(len + 1);
	copy = malloc(len + 1);
	if (!out->raw || !copy) {
		free(copy);
		ks_records_free(out);
		return fail(err, errlen, "out of memory");
	}
	memcpy(out->raw, buf, len);
	out->raw[len] = '\0';
	out->raw_len = len;
	memcpy(copy, buf, len);
	copy[len] = '\0';
	if (memchr(buf, '\0', len)) {
		free(copy);
		ks_records_free(out);
		return fail(err, errlen, "records contain a NUL byte");
	}
	if (len && buf[len - 1] != '\n') {
		free(copy);
		ks_records_free(out);
		return fail(err, errlen, "records do not end with a newline (truncated)");
	}
	for (line = copy; *line; line = next) {
		struct line l;

		next = strchr(line, '\n');
		*next++ = '\0';
		l.no = ++no;
		if (split_line(line, &l, err, errlen) || !l.n ||
		    parse_record(&p, &l)) {
			if (!l.n && !(err && *err))
				fail(err, errlen, "line %lu: empty line", no);
			free(copy);
			ks_records_free(out);
			return -1;
		}
	}
	free(copy);
	if (p.unit) {
		fail(err, errlen, "unit '%s' has no 'end' record (truncated)",
		     p.unit->unit);
		ks_records_free(out);
		return -1;
	}
	if (!out->n_units) {
		ks_records_free(out);
		return fail(err, errlen, "no records");
	}
	sort_arr(out->funcs, out->n_funcs, sizeof(*out->funcs), cmp_func);
	sort_arr(out->data, out->n_data, sizeof(*out->data), cmp_data);
	sort_arr(out->types, out->n_types, sizeof(*out->types), cmp_type);
	for (i = 0; i < out->n_funcs; i++) {
		struct ks_func *f = &out->funcs[i];

		sort_arr(f->inlines, f->n_inlines, sizeof(char *), cmp_strp);
		sort_arr(f->uses, f->n_uses, sizeof(char *), cmp_strp);
	}
	if (check_dups(out, err, errlen)) {
		ks_records_free(out);
		return -1;
	}
	return 0;
}

static void free_strs(char **s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(s[i]);
	free(s);
}

void ks_records_free(struct ks_records *r)
{
	size_t i;

	for (i = 0; i < r->n_units; i++) {
		free(r->units[i].unit);
		free(r->units[i].compiler);
		free(r->units[i].asm_sum);
	}
	for (i = 0; i < r->n_funcs; i++) {
		struct ks_func *f = &r->funcs[i];

		free(f->key);
		free(f->name);
		free(f->unit);
		free(f->section);
		free(f->bind);
		free(f->sum);
		free(f->cold);
		free(f->origin);
		free(f->clone);
		free(f->lines);
		free(f->alias_of);
		free_strs(f->inlines, f->n_inlines);
		free_strs(f->uses, f->n_uses);
	}
	for (i = 0; i < r->n_data; i++) {
		struct ks_data *d = &r->data[i];

		free(d->key);
		free(d->name);
		free(d->unit);
		free(d->section);
		free(d->bind);
		free(d->sum);
		free(d->owner);
	}
	for (i = 0; i < r->n_types; i++) {
		free(r->types[i].name);
		free(r->types[i].unit);
		free(r->types[i].sum);
	}
	free_strs(r->asm_syms, r->n_asm_syms);
	free(r->units);
	free(r->funcs);
	free(r->data);
	free(r->types);
	free(r->raw);
	memset(r, 0, sizeof(*r));
}

/* ------------------------------------------------------------------ */
/* ELF.                                                               */

static int append(char **buf, size_t *len, const void *p, size_t n)
{
	char *b = realloc(*buf, *len + n + 1);

	if (!b)
		return -1;
	memcpy(b + *len, p, n);
	*len += n;
	*buf = b;
	return 0;
}

static int read_sections(Elf *elf, const char *path, char **buf, size_t *len,
			 char *err, size_t errlen)
{
	size_t shstrndx;
	Elf_Scn *scn = NULL;
	int found = 0;

	if (elf_kind(elf) != ELF_K_ELF)
		return fail(err, errlen, "%s: not an ELF object", path);
	if (elf_getshdrstrndx(elf, &shstrndx))
		return fail(err, errlen, "%s: %s", path, elf_errmsg(-1));
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *data = NULL;
		const char *name;

		if (!gelf_getshdr(scn, &sh))
			return fail(err, errlen, "%s: %s", path, elf_errmsg(-1));
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (!name || strcmp(name, KS_RECORDS_SECTION))
			continue;
		found = 1;
		if (sh.sh_type == SHT_NOBITS)
			continue;
		while ((data = elf_getdata(scn, data)))
			if (data->d_buf &&
			    append(buf, len, data->d_buf, data->d_size))
				return fail(err, errlen, "out of memory");
	}
	if (!found)
		return fail(err, errlen,
			    "%s: no %s section (not compiled with the ksplice plugin)",
			    path, KS_RECORDS_SECTION);
	return 0;
}

int ks_records_read_elf(const char *path, struct ks_records *out,
			char *err, size_t errlen)
{
	char *buf = NULL;
	size_t len = 0;
	Elf *elf;
	int fd, rc;

	memset(out, 0, sizeof(*out));
	if (elf_version(EV_CURRENT) == EV_NONE)
		return fail(err, errlen, "libelf: %s", elf_errmsg(-1));
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return fail(err, errlen, "%s: %s", path, strerror(errno));
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf) {
		close(fd);
		return fail(err, errlen, "%s: not an ELF object (%s)", path,
			    elf_errmsg(-1));
	}
	rc = read_sections(elf, path, &buf, &len, err, errlen);
	elf_end(elf);
	close(fd);
	if (!rc) {
		char msg[KS_ERR_LEN];

		rc = ks_records_parse(buf ? buf : "", len, out, msg,
				      sizeof(msg));
		if (rc)
			fail(err, errlen, "%s: %s", path, msg);
	}
	free(buf);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Queries.                                                           */

const struct ks_func *ks_records_find_func(const struct ks_records *r,
					   const char *key)
{
	size_t lo = 0, hi = r->n_funcs;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(r->funcs[mid].key, key);

		if (!c)
			return &r->funcs[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int prefix(const char *s, const char *p)
{
	return !strncmp(s, p, strlen(p));
}

int ks_data_is_trace_output(const char *name, const char *owner)
{
	return prefix(name, "print_fmt_") || prefix(name, "__TRACE_SYSTEM_") ||
	       (owner && prefix(owner, "trace_raw_output_"));
}

const char *ks_placement(const char *s)
{
	if (prefix(s, ".init.") || !strcmp(s, ".init"))
		return "init";
	if (prefix(s, ".exit.") || !strcmp(s, ".exit"))
		return "exit";
	if (!strcmp(s, ".text") || prefix(s, ".text."))
		return "text";
	if (!strcmp(s, ".data") || prefix(s, ".data.") ||
	    !strcmp(s, ".bss") || prefix(s, ".bss.") ||
	    !strcmp(s, ".rodata") || prefix(s, ".rodata."))
		return "data";
	return "special";
}

/* ------------------------------------------------------------------ */
/* Diff.                                                              */

struct diff_caps {
	size_t changed, new_funcs, removed_funcs, changed_data, new_data,
		removed_data, layouts, line_only, asm_changed;
};

#define PUSH(d, caps, field, nfield, capfield, val)                          \
	(grow((void **)&(d)->field, &(caps)->capfield, (d)->nfield,         \
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
			if (grow((void **)&lc->used_by, cap, lc->n_used_by,
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
		sort_arr(lc.used_by, lc.n_used_by, sizeof(char *), cmp_strp);
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
		return fail(err, errlen, "out of memory");
	}
	/* Lists are reported sorted by name (keys sort local ones by unit). */
	sort_arr(out->changed, out->n_changed, sizeof(*out->changed), cmp_fchange);
	sort_arr(out->new_funcs, out->n_new, sizeof(*out->new_funcs), cmp_funcp);
	sort_arr(out->removed_funcs, out->n_removed, sizeof(*out->removed_funcs),
	      cmp_funcp);
	sort_arr(out->changed_data, out->n_changed_data,
	      sizeof(*out->changed_data), cmp_dchange);
	sort_arr(out->new_data, out->n_new_data, sizeof(*out->new_data), cmp_datap);
	sort_arr(out->removed_data, out->n_removed_data,
	      sizeof(*out->removed_data), cmp_datap);
	sort_arr(out->line_only, out->n_line_only, sizeof(*out->line_only),
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

/* ------------------------------------------------------------------ */
/* Printing.                                                          */

static const char *const func_reason_names[] = {
	"code", "section", "linkage", "cold", "alias"
};
static const char *const data_reason_names[] = {
	"size", "section", "linkage", "initializer"
};

static void print_reasons(FILE *f, unsigned int r, const char *const *names,
			  size_t n, int json)
{
	const char *sep = "";
	size_t i;

	for (i = 0; i < n; i++) {
		if (!(r & (1u << i)))
			continue;
		fprintf(f, json ? "%s\"%s\"" : "%s%s", sep, names[i]);
		sep = json ? ", " : ",";
	}
}

static void json_str(FILE *f, const char *s)
{
	if (!s) {
		fputs("null", f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void json_strs(FILE *f, char *const *s, size_t n)
{
	size_t i;

	fputc('[', f);
	for (i = 0; i < n; i++) {
		if (i)
			fputs(", ", f);
		json_str(f, s[i]);
	}
	fputc(']', f);
}

static const char *tf(int b)
{
	return b ? "true" : "false";
}

static int finish(FILE *f)
{
	return fflush(f) || ferror(f) ? -1 : 0;
}

int ks_records_print_text(FILE *f, const struct ks_records *r)
{
	fwrite(r->raw, 1, r->raw_len, f);
	return finish(f);
}

static void print_func_json(FILE *f, const struct ks_func *fn)
{
	fputs("{\"name\": ", f);
	json_str(f, fn->name);
	fputs(", \"unit\": ", f);
	json_str(f, fn->unit);
	if (fn->alias_of) {
		fputs(", \"target\": ", f);
		json_str(f, fn->alias_of);
		fprintf(f, ", \"static\": %s, \"weak\": %s}",
			tf(!strcmp(fn->bind, "local")),
			tf(!strcmp(fn->bind, "weak")));
		return;
	}
	fputs(", \"section\": ", f);
	json_str(f, fn->section);
	fprintf(f, ", \"static\": %s, \"weak\": %s, \"sum\": ",
		tf(!strcmp(fn->bind, "local")), tf(!strcmp(fn->bind, "weak")));
	json_str(f, fn->sum);
	fputs(", \"placement\": ", f);
	json_str(f, ks_placement(fn->section));
	fputs(", \"cold_section\": ", f);
	json_str(f, fn->cold);
	fputs(", \"origin\": ", f);
	json_str(f, fn->origin);
	fputs(", \"clone\": ", f);
	json_str(f, fn->clone);
	fputs(", \"lines\": ", f);
	json_str(f, fn->lines);
	fputs(", \"inlines\": ", f);
	json_strs(f, fn->inlines, fn->n_inlines);
	fputs(", \"uses\": ", f);
	json_strs(f, fn->uses, fn->n_uses);
	fputc('}', f);
}

static void print_data_json(FILE *f, const struct ks_data *d)
{
	fputs("{\"name\": ", f);
	json_str(f, d->name);
	fputs(", \"key\": ", f);
	json_str(f, d->key);
	fputs(", \"unit\": ", f);
	json_str(f, d->unit);
	fputs(", \"section\": ", f);
	json_str(f, d->section);
	fprintf(f, ", \"static\": %s, \"weak\": %s, \"size\": %lld, \"sum\": ",
		tf(!strcmp(d->bind, "local")), tf(!strcmp(d->bind, "weak")),
		d->size);
	json_str(f, d->sum);
	fputs(", \"owner\": ", f);
	json_str(f, d->owner);
	fputs(", \"placement\": ", f);
	json_str(f, ks_placement(d->section));
	fputc('}', f);
}

int ks_records_print_json(FILE *f, const struct ks_records *r)
{
	const char *sep;
	size_t i;

	fputs("{\"units\": [", f);
	for (i = 0; i < r->n_units; i++) {
		fputs(i ? ", {\"unit\": " : "{\"unit\": ", f);
		json_str(f, r->units[i].unit);
		fputs(", \"compiler\": ", f);
		json_str(f, r->units[i].compiler);
		fputs(", \"asm\": ", f);
		json_str(f, r->units[i].asm_sum);
		fputc('}', f);
	}
	fputs("],\n \"asm_symbols\": ", f);
	json_strs(f, r->asm_syms, r->n_asm_syms);
	fputs(",\n \"functions\": [", f);
	for (i = 0, sep = "\n  "; i < r->n_funcs; i++) {
		if (r->funcs[i].alias_of)
			continue;
		fputs(sep, f);
		print_func_json(f, &r->funcs[i]);
		sep = ",\n  ";
	}
	fputs("],\n \"aliases\": [", f);
	for (i = 0, sep = "\n  "; i < r->n_funcs; i++) {
		if (!r->funcs[i].alias_of)
			continue;
		fputs(sep, f);
		print_func_json(f, &r->funcs[i]);
		sep = ",\n  ";
	}
	fputs("],\n \"data\": [", f);
	for (i = 0; i < r->n_data; i++) {
		fputs(i ? ",\n  " : "\n  ", f);
		print_data_json(f, &r->data[i]);
	}
	fputs("],\n \"types\": [", f);
	for (i = 0; i < r->n_types; i++) {
		fputs(i ? ",\n  {\"name\": " : "\n  {\"name\": ", f);
		json_str(f, r->types[i].name);
		fputs(", \"unit\": ", f);
		json_str(f, r->types[i].unit);
		fprintf(f, ", \"size\": %lld, \"sum\": ", r->types[i].size);
		json_str(f, r->types[i].sum);
		fputc('}', f);
	}
	fputs("]}\n", f);
	return finish(f);
}

static void print_func_brief_json(FILE *f, const struct ks_func *fn)
{
	fputs("{\"name\": ", f);
	json_str(f, fn->name);
	fputs(", \"section\": ", f);
	json_str(f, fn->alias_of ? NULL : fn->section);
	fprintf(f, ", \"static\": %s, \"origin\": ",
		tf(!strcmp(fn->bind, "local")));
	json_str(f, fn->origin);
	fputc('}', f);
}

static void print_data_brief_json(FILE *f, const struct ks_data *d)
{
	fputs("{\"name\": ", f);
	json_str(f, d->name);
	fputs(", \"section\": ", f);
	json_str(f, d->section);
	fprintf(f, ", \"static\": %s}", tf(!strcmp(d->bind, "local")));
}

static void json_list_funcs(FILE *f, const char *key,
			    const struct ks_func *const *v, size_t n)
{
	size_t i;

	fprintf(f, " \"%s\": [", key);
	for (i = 0; i < n; i++) {
		fputs(i ? ",\n  " : "\n  ", f);
		print_func_brief_json(f, v[i]);
	}
	fputs("],\n", f);
}

static void json_list_data(FILE *f, const char *key,
			   const struct ks_data *const *v, size_t n)
{
	size_t i;

	fprintf(f, " \"%s\": [", key);
	for (i = 0; i < n; i++) {
		fputs(i ? ",\n  " : "\n  ", f);
		print_data_brief_json(f, v[i]);
	}
	fputs("],\n", f);
}

int ks_diff_print_json(FILE *f, const struct ks_diff *d)
{
	size_t i, k;

	fputs("{\"changed_functions\": [", f);
	for (i = 0; i < d->n_changed; i++) {
		const struct ks_func *b = d->changed[i].post;

		fputs(i ? ",\n  {\"name\": " : "\n  {\"name\": ", f);
		json_str(f, b->name);
		fputs(", \"section\": ", f);
		json_str(f, b->alias_of ? NULL : b->section);
		fprintf(f, ", \"static\": %s, \"origin\": ",
			tf(!strcmp(b->bind, "local")));
		json_str(f, b->origin);
		fputs(", \"reasons\": [", f);
		print_reasons(f, d->changed[i].reasons, func_reason_names, 5, 1);
		fputs("]}", f);
	}
	fputs("],\n", f);
	json_list_funcs(f, "new_functions", d->new_funcs, d->n_new);
	json_list_funcs(f, "removed_functions", d->removed_funcs, d->n_removed);
	fputs(" \"changed_data\": [", f);
	for (i = 0; i < d->n_changed_data; i++) {
		fputs(i ? ",\n  {\"name\": " : "\n  {\"name\": ", f);
		json_str(f, d->changed_data[i].post->name);
		fputs(", \"reason\": \"", f);
		print_reasons(f, d->changed_data[i].reasons, data_reason_names,
			      4, 0);
		fprintf(f, "\", \"trace_output\": %s}",
			tf(ks_data_is_trace_output(d->changed_data[i].post->name,
						   d->changed_data[i].post->owner)));
	}
	fputs("],\n", f);
	json_list_data(f, "new_data", d->new_data, d->n_new_data);
	json_list_data(f, "removed_data", d->removed_data, d->n_removed_data);
	fputs(" \"changed_layouts\": [", f);
	for (i = 0; i < d->n_layouts; i++) {
		fputs(i ? ",\n  {\"type\": " : "\n  {\"type\": ", f);
		json_str(f, d->layouts[i].type);
		fputs(", \"used_by\": [", f);
		for (k = 0; k < d->layouts[i].n_used_by; k++) {
			if (k)
				fputs(", ", f);
			json_str(f, d->layouts[i].used_by[k]);
		}
		fputs("]}", f);
	}
	fputs("],\n \"line_only_functions\": [", f);
	for (i = 0; i < d->n_line_only; i++) {
		if (i)
			fputs(", ", f);
		json_str(f, d->line_only[i]->name);
	}
	fputs("],\n \"changed_toplevel_asm\": [", f);
	for (i = 0; i < d->n_asm_changed; i++) {
		if (i)
			fputs(", ", f);
		json_str(f, d->asm_changed[i]);
	}
	fputs("]}\n", f);
	return finish(f);
}

int ks_diff_print_text(FILE *f, const struct ks_diff *d)
{
	size_t i, k;

	for (i = 0; i < d->n_changed; i++) {
		fprintf(f, "changed function %s (", d->changed[i].post->name);
		print_reasons(f, d->changed[i].reasons, func_reason_names, 5, 0);
		fputs(")\n", f);
	}
	for (i = 0; i < d->n_new; i++)
		fprintf(f, "new function %s\n", d->new_funcs[i]->name);
	for (i = 0; i < d->n_removed; i++)
		fprintf(f, "removed function %s\n", d->removed_funcs[i]->name);
	for (i = 0; i < d->n_changed_data; i++) {
		fprintf(f, "changed data %s (", d->changed_data[i].post->name);
		print_reasons(f, d->changed_data[i].reasons, data_reason_names,
			      4, 0);
		fputs(")\n", f);
	}
	for (i = 0; i < d->n_new_data; i++)
		fprintf(f, "new data %s\n", d->new_data[i]->name);
	for (i = 0; i < d->n_removed_data; i++)
		fprintf(f, "removed data %s\n", d->removed_data[i]->name);
	for (i = 0; i < d->n_layouts; i++) {
		fprintf(f, "changed layout %s (used by", d->layouts[i].type);
		for (k = 0; k < d->layouts[i].n_used_by; k++)
			fprintf(f, "%s %s", k ? "," : "",
				d->layouts[i].used_by[k]);
		fputs(")\n", f);
	}
	for (i = 0; i < d->n_asm_changed; i++)
		fprintf(f, "changed top-level asm of %s\n", d->asm_changed[i]);
	for (i = 0; i < d->n_line_only; i++)
		fprintf(f, "line-only function %s\n", d->line_only[i]->name);
	return finish(f);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Parse ksplice plugin records and read them from an object (the diff is in
 * records_diff.c, the printing in records_print.c). See records.h and
 * README.md.
 */
#include "records.h"
#include "records_int.h"

#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int ks_fail(char *err, size_t errlen, const char *fmt, ...)
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
void ks_sort(void *base, size_t n, size_t size,
	     int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(base, n, size, cmp);
}

/* ------------------------------------------------------------------ */
/* Growable arrays.                                                   */

int ks_grow(void **arr, size_t *cap, size_t n, size_t size)
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
	if (ks_grow((void **)arr, cap, *n, sizeof(**arr)))
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
			return ks_fail(err, errlen, "line %lu: empty field", l->no);
		if (l->n == MAX_FIELDS)
			return ks_fail(err, errlen, "line %lu: too many fields",
				    l->no);
		if (*p)
			*p++ = '\0';
		/* key=value attributes are unescaped after the '='. */
		l->f[l->n] = start;
		if (unescape(strchr(start, '=') ? strchr(start, '=') + 1 :
			     start))
			return ks_fail(err, errlen, "line %lu: bad %%XX escape",
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
		ks_fail(p->err, p->errlen, "out of memory");
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
		ks_fail(p->err, p->errlen, "out of memory");
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
		return ks_fail(p->err, p->errlen, "line %lu: bad binding '%s'",
			    l->no, b);
	return 0;
}

static int parse_func(struct parser *p, const struct line *l)
{
	struct ks_records *r = p->r;
	struct ks_func *f;
	int bad = 0;

	if (l->n < 5 || !is_sum(l->f[4]))
		return ks_fail(p->err, p->errlen, "line %lu: bad func record",
			    l->no);
	if (check_bind(p, l, l->f[3]) ||
	    ks_grow((void **)&r->funcs, &p->cap_funcs, r->n_funcs, sizeof(*f)))
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
		return ks_fail(p->err, p->errlen, "line %lu: bad alias record",
			    l->no);
	if (check_bind(p, l, l->f[3]) ||
	    ks_grow((void **)&r->funcs, &p->cap_funcs, r->n_funcs, sizeof(*f)))
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
		return ks_fail(p->err, p->errlen, "out of memory");
	return 0;
}

/* inline/uses: attach to the latest func of that name in this unit. */
static int parse_fn_fact(struct parser *p, const struct line *l, int uses)
{
	struct ks_records *r = p->r;
	size_t i;

	if (l->n != 3)
		return ks_fail(p->err, p->errlen, "line %lu: bad %s record",
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
				return free(s), ks_fail(p->err, p->errlen, "out of memory");
		} else {
			cap = f->n_inlines;
			if (push_str(&f->inlines, &f->n_inlines, &cap, s))
				return free(s), ks_fail(p->err, p->errlen, "out of memory");
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
		return ks_fail(p->err, p->errlen, "line %lu: bad data record",
			    l->no);
	if (check_bind(p, l, l->f[4]) ||
	    ks_grow((void **)&r->data, &p->cap_data, r->n_data, sizeof(*d)))
		return -1;
	d = &r->data[r->n_data++];
	memset(d, 0, sizeof(*d));
	d->size = strtoll(l->f[5], &end, 10);
	if (*end)
		return ks_fail(p->err, p->errlen, "line %lu: bad size '%s'",
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
		return ks_fail(p->err, p->errlen, "line %lu: bad type record",
			    l->no);
	if (ks_grow((void **)&r->types, &p->cap_types, r->n_types, sizeof(*t)))
		return ks_fail(p->err, p->errlen, "out of memory");
	t = &r->types[r->n_types++];
	memset(t, 0, sizeof(*t));
	t->size = strtoll(l->f[2], &end, 10);
	if (*end)
		return ks_fail(p->err, p->errlen, "line %lu: bad size '%s'",
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
		return ks_fail(p->err, p->errlen,
			    "line %lu: unit '%s' has no 'end' record", l->no,
			    p->unit->unit);
	if (l->n != 2 || atoi(l->f[1]) != KS_RECORDS_VERSION)
		return ks_fail(p->err, p->errlen,
			    "line %lu: unsupported records version '%s' (this reader knows %d)",
			    l->no, l->n > 1 ? l->f[1] : "", KS_RECORDS_VERSION);
	if (ks_grow((void **)&r->units, &p->cap_units, r->n_units,
		 sizeof(*r->units)))
		return ks_fail(p->err, p->errlen, "out of memory");
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
		return ks_fail(p->err, p->errlen,
			    "line %lu: '%s' record outside a unit (no 'ksplice-records' line)",
			    l->no, kind);
	if (strcmp(kind, "end"))
		p->unit_lines++;
	if (!strcmp(kind, "unit") || !strcmp(kind, "compiler")) {
		char **dst = kind[0] == 'u' ? &p->unit->unit : &p->unit->compiler;

		if (l->n != 2)
			return ks_fail(p->err, p->errlen, "line %lu: bad %s record",
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
			return ks_fail(p->err, p->errlen, "line %lu: bad asm record",
				    l->no);
		free(p->unit->asm_sum);
		p->unit->asm_sum = sdup(p, l->f[1]);
		return p->unit->asm_sum ? 0 : -1;
	}
	if (!strcmp(kind, "asmsym")) {
		char *name;
		size_t cap = p->r->n_asm_syms;

		if (l->n != 2)
			return ks_fail(p->err, p->errlen, "line %lu: bad asmsym record",
				    l->no);
		name = sdup(p, l->f[1]);
		if (!name || push_str(&p->r->asm_syms, &p->r->n_asm_syms, &cap,
				      name))
			return free(name), ks_fail(p->err, p->errlen, "out of memory");
		return 0;
	}
	if (!strcmp(kind, "end")) {
		/* n counts the unit's lines before "end", header included. */
		if (l->n != 2 || strtoul(l->f[1], NULL, 10) != p->unit_lines)
			return ks_fail(p->err, p->errlen,
				    "line %lu: unit '%s' ends after %lu records but says %s (truncated?)",
				    l->no, p->unit->unit, p->unit_lines,
				    l->n > 1 ? l->f[1] : "?");
		p->unit = NULL;
		return 0;
	}
	return ks_fail(p->err, p->errlen, "line %lu: unknown record '%s'", l->no,
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

int ks_cmp_strp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int check_dups(const struct ks_records *r, char *err, size_t errlen)
{
	size_t i;

	for (i = 1; i < r->n_funcs; i++)
		if (!strcmp(r->funcs[i].key, r->funcs[i - 1].key))
			return ks_fail(err, errlen, "function '%s' recorded twice",
				    r->funcs[i].key);
	for (i = 1; i < r->n_data; i++)
		if (!strcmp(r->data[i].key, r->data[i - 1].key))
			return ks_fail(err, errlen, "data key '%s' recorded twice",
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
		return ks_fail(err, errlen, "out of memory");
	}
	memcpy(out->raw, buf, len);
	out->raw[len] = '\0';
	out->raw_len = len;
	memcpy(copy, buf, len);
	copy[len] = '\0';
	if (memchr(buf, '\0', len)) {
		free(copy);
		ks_records_free(out);
		return ks_fail(err, errlen, "records contain a NUL byte");
	}
	if (len && buf[len - 1] != '\n') {
		free(copy);
		ks_records_free(out);
		return ks_fail(err, errlen, "records do not end with a newline (truncated)");
	}
	for (line = copy; *line; line = next) {
		struct line l;

		next = strchr(line, '\n');
		*next++ = '\0';
		l.no = ++no;
		if (split_line(line, &l, err, errlen) || !l.n ||
		    parse_record(&p, &l)) {
			if (!l.n && !(err && *err))
				ks_fail(err, errlen, "line %lu: empty line", no);
			free(copy);
			ks_records_free(out);
			return -1;
		}
	}
	free(copy);
	if (p.unit) {
		ks_fail(err, errlen, "unit '%s' has no 'end' record (truncated)",
		     p.unit->unit);
		ks_records_free(out);
		return -1;
	}
	if (!out->n_units) {
		ks_records_free(out);
		return ks_fail(err, errlen, "no records");
	}
	ks_sort(out->funcs, out->n_funcs, sizeof(*out->funcs), cmp_func);
	ks_sort(out->data, out->n_data, sizeof(*out->data), cmp_data);
	ks_sort(out->types, out->n_types, sizeof(*out->types), cmp_type);
	for (i = 0; i < out->n_funcs; i++) {
		struct ks_func *f = &out->funcs[i];

		ks_sort(f->inlines, f->n_inlines, sizeof(char *), ks_cmp_strp);
		ks_sort(f->uses, f->n_uses, sizeof(char *), ks_cmp_strp);
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
		return ks_fail(err, errlen, "%s: not an ELF object", path);
	if (elf_getshdrstrndx(elf, &shstrndx))
		return ks_fail(err, errlen, "%s: %s", path, elf_errmsg(-1));
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *data = NULL;
		const char *name;

		if (!gelf_getshdr(scn, &sh))
			return ks_fail(err, errlen, "%s: %s", path, elf_errmsg(-1));
		name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (!name || strcmp(name, KS_RECORDS_SECTION))
			continue;
		found = 1;
		if (sh.sh_type == SHT_NOBITS)
			continue;
		while ((data = elf_getdata(scn, data)))
			if (data->d_buf &&
			    append(buf, len, data->d_buf, data->d_size))
				return ks_fail(err, errlen, "out of memory");
	}
	if (!found)
		return ks_fail(err, errlen,
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
		return ks_fail(err, errlen, "libelf: %s", elf_errmsg(-1));
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return ks_fail(err, errlen, "%s: %s", path, strerror(errno));
	elf = elf_begin(fd, ELF_C_READ, NULL);
	if (!elf) {
		close(fd);
		return ks_fail(err, errlen, "%s: not an ELF object (%s)", path,
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
			ks_fail(err, errlen, "%s: %s", path, msg);
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


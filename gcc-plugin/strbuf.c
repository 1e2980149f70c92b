// SPDX-License-Identifier: GPL-2.0
/*
 * strbuf.c: the plugin's small containers: a growable string (strbuf, with
 * sb_field for an escaped record field and add_record for a record line)
 * and a pointer-keyed map (ptrmap).
 */

#include "ksplice_plugin.h"

/* ------------------------------------------------------------------ */
/* Small containers (plugin-private; one compilation = one process).  */

static void sb_grow(struct strbuf *sb, size_t more)
{
	size_t cap;

	if (sb->len + more + 1 <= sb->cap)
		return;
	cap = sb->cap ? sb->cap : 4096;
	while (cap < sb->len + more + 1)
		cap *= 2;
	sb->buf = (char *)xrealloc(sb->buf, cap);
	sb->cap = cap;
}

void sb_add(struct strbuf *sb, const char *s, size_t n)
{
	sb_grow(sb, n);
	memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

void sb_puts(struct strbuf *sb, const char *s)
{
	sb_add(sb, s, strlen(s));
}

void sb_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	sb_grow(sb, n);
	va_start(ap, fmt);
	vsnprintf(sb->buf + sb->len, n + 1, fmt, ap);
	va_end(ap);
	sb->len += n;
}

/* A record field: bytes outside '!'..'~', '%' and '=' become %XX (a raw
 * '=' only appears in key=value attributes). */
void sb_field(struct strbuf *sb, const char *s)
{
	sb_puts(sb, " ");
	if (!*s) {
		sb_puts(sb, "%00");
		return;
	}
	for (; *s; s++) {
		unsigned char c = *s;

		if (c < '!' || c > '~' || c == '%' || c == '=')
			sb_printf(sb, "%%%02X", c);
		else
			sb_add(sb, (const char *)&c, 1);
	}
}

/* Pointer-keyed map (open addressing), value a 64-bit integer. */
static size_t pm_slot(const struct ptrmap *m, const void *key)
{
	size_t i = ((uintptr_t)key >> 3) * 0x9e3779b97f4a7c15ULL;

	for (i &= m->cap - 1; m->keys[i] && m->keys[i] != key;
	     i = (i + 1) & (m->cap - 1))
		;
	return i;
}

void pm_put(struct ptrmap *m, const void *key, unsigned long long val)
{
	size_t i;

	if ((m->n + 1) * 2 > m->cap) {
		struct ptrmap old = *m;

		m->cap = m->cap ? m->cap * 2 : 64;
		m->keys = XCNEWVEC(const void *, m->cap);
		m->vals = XCNEWVEC(unsigned long long, m->cap);
		m->n = 0;
		for (i = 0; i < old.cap; i++)
			if (old.keys[i])
				pm_put(m, old.keys[i], old.vals[i]);
		free(old.keys);
		free(old.vals);
	}
	i = pm_slot(m, key);
	if (!m->keys[i]) {
		m->keys[i] = key;
		m->n++;
	}
	m->vals[i] = val;
}

bool pm_get(const struct ptrmap *m, const void *key,
	    unsigned long long *val)
{
	size_t i;

	if (!m->cap)
		return false;
	i = pm_slot(m, key);
	if (!m->keys[i])
		return false;
	if (val)
		*val = m->vals[i];
	return true;
}

void pm_clear(struct ptrmap *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

/*
 * sb_field puts a space before each field, also after "key=": squeeze "= "
 * to "=" so that "owner=NAME" stays one field.
 */
void sb_join_keys(struct strbuf *sb)
{
	char *p, *q;

	if (!sb->buf)
		return;
	for (p = q = sb->buf; *p; p++) {
		if (*p == ' ' && p > sb->buf && p[-1] == '=')
			continue;
		*q++ = *p;
	}
	*q = '\0';
	sb->len = q - sb->buf;
}

void add_record(struct strbuf *sb, const char *line)
{
	sb_puts(sb, line);
	sb_puts(sb, "\n");
}

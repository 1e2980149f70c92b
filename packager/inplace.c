// SPDX-License-Identifier: GPL-2.0
/* Which fields of a changed data object differ, and may they change in place; see inplace.h. */
#include "inplace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define R_POINTER R_X86_64_64

int ksp_inplace_readonly(const struct kelf_sec *s)
{
	return !(s->sh.sh_flags & SHF_WRITE) || !strncmp(s->name, ".data.rel.ro", 12) ||
	       !strcmp(s->name, ".data..ro_after_init");
}

static unsigned int rela_width(uint32_t type)
{
	switch (type) {
	case R_X86_64_64:
	case R_X86_64_PC64:
		return 8;
	case R_X86_64_16:
		return 2;
	case R_X86_64_8:
		return 1;
	default:
		return 4;
	}
}

static unsigned char byte_at(const struct kelf_sec *s, uint64_t off)
{
	return s->data ? s->data[off] : 0;	/* NOBITS: zeros */
}

int ksp_inplace_add_field(struct ksp_inplace *ip, uint32_t off, uint32_t len, int pre_rela,
			  int post_rela)
{
	struct ksp_data_field *f = realloc(ip->fields, (ip->nr_fields + 1) * sizeof(*f));

	if (!f)
		return -1;
	ip->fields = f;
	f[ip->nr_fields++] = (struct ksp_data_field){ off, len, pre_rela, post_rela };
	return 0;
}

/* The relocation of s in [first, first + n) at offset off, or -1. */
static int rela_at(const struct kelf_sec *s, size_t first, size_t n, uint64_t off)
{
	size_t i;

	for (i = first; i < first + n; i++)
		if (s->relas[i].offset == off)
			return (int)i;
	return -1;
}

/* Mark the bytes of [start, start + size) of s that a relocation covers. */
static void mark_relocated(unsigned char *covered, const struct kelf_sec *s, uint64_t start,
			   uint64_t size)
{
	size_t n, first = kelf_relas_in(s, start, start + size, &n), i;
	uint64_t o, end;

	for (i = first; i < first + n; i++) {
		o = s->relas[i].offset - start;
		end = o + rela_width(s->relas[i].type);
		for (; o < end && o < size; o++)
			covered[o] = 1;
	}
}

/* The pointer fields: relocation sites that differ. */
static int pointer_fields(const struct kelf *pre, const struct kelf_sec *sa, uint64_t a0,
			  const struct kelf *post, const struct kelf_sec *sb, uint64_t b0,
			  uint64_t size, struct ksp_inplace *ip)
{
	size_t na, nb, fa = kelf_relas_in(sa, a0, a0 + size, &na),
		       fb = kelf_relas_in(sb, b0, b0 + size, &nb), i;

	for (i = fb; i < fb + nb; i++) {
		uint64_t off = sb->relas[i].offset - b0;
		int pa = rela_at(sa, fa, na, a0 + off);

		if (pa >= 0 && kelf_same_target(pre, &sa->relas[pa], NULL, post, &sb->relas[i], NULL))
			continue;
		if (ksp_inplace_add_field(ip, (uint32_t)off, rela_width(sb->relas[i].type), pa, (int)i))
			return -1;
	}
	for (i = fa; i < fa + na; i++) {
		uint64_t off = sa->relas[i].offset - a0;

		if (rela_at(sb, fb, nb, b0 + off) < 0 &&
		    ksp_inplace_add_field(ip, (uint32_t)off, rela_width(sa->relas[i].type), (int)i, -1))
			return -1;
	}
	return 0;
}

/* The value fields: runs of differing bytes that no relocation covers. */
static int value_fields(const struct kelf_sec *sa, uint64_t a0, const struct kelf_sec *sb,
			uint64_t b0, uint64_t size, const unsigned char *covered,
			struct ksp_inplace *ip)
{
	uint64_t i = 0, start;

	while (i < size) {
		if (covered[i] || byte_at(sa, a0 + i) == byte_at(sb, b0 + i)) {
			i++;
			continue;
		}
		for (start = i; i < size && !covered[i] &&
		     byte_at(sa, a0 + i) != byte_at(sb, b0 + i); i++)
			;
		if (ksp_inplace_add_field(ip, (uint32_t)start, (uint32_t)(i - start), -1, -1))
			return -1;
	}
	return 0;
}

static int by_offset(const void *a, const void *b)
{
	const struct ksp_data_field *x = a, *y = b;

	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* Where the post relocation of a pointer field points; "" when it may. */
static void check_target(const struct kelf *post, const struct kelf_rela *r, char *why,
			 size_t len)
{
	struct kelf_target t;

	kelf_resolve(post, r, NULL, &t);
	if (t.sec <= 0 || kelf_sec_is_text(post, t.sec) ||
	    ksp_inplace_readonly(&post->secs[t.sec]))
		return;	/* a kernel symbol, code, or read-only data the update carries */
	snprintf(why, len, "it would point at writable data (%s)",
		 t.sym >= 0 ? post->syms[t.sym].name : post->secs[t.sec].name);
}

static void check_fields(const struct kelf_sec *sa, const struct kelf *post,
			 const struct kelf_sec *sb, int fresh, struct ksp_inplace *ip)
{
	int ro = fresh || (ksp_inplace_readonly(sa) && ksp_inplace_readonly(sb));
	size_t i;

	for (i = 0; i < ip->nr_fields && !ip->refusal[0]; i++) {
		const struct ksp_data_field *f = &ip->fields[i];
		const struct kelf_rela *ra = f->pre_rela >= 0 ? &sa->relas[f->pre_rela] : NULL;
		const struct kelf_rela *rb = f->post_rela >= 0 ? &sb->relas[f->post_rela] : NULL;
		char why[120] = "";

		if (i && f->offset < ip->fields[i - 1].offset + ip->fields[i - 1].len)
			snprintf(why, sizeof(why), "its relocations moved");
		else if ((ra && ra->type != R_POINTER) || (rb && rb->type != R_POINTER))
			snprintf(why, sizeof(why), "a relocation of type %u is no pointer",
				 (ra && ra->type != R_POINTER ? ra : rb)->type);
		else if (rb && !fresh)
			check_target(post, rb, why, sizeof(why));
		else if (!ra && !ro)
			snprintf(why, sizeof(why),
				 "a value in writable data may have been copied, counted or "
				 "used to register the object");
		if (why[0])
			snprintf(ip->refusal, sizeof(ip->refusal), "field at +%u (%u byte%s): %s",
				 f->offset, f->len, f->len == 1 ? "" : "s", why);
	}
}

int ksp_inplace_fields(const struct kelf *pre, int pre_sym, const struct kelf *post,
		       int post_sym, int fresh, struct ksp_inplace *ip)
{
	const GElf_Sym *a = &pre->syms[pre_sym].st, *b = &post->syms[post_sym].st;
	const struct kelf_sec *sa = &pre->secs[a->st_shndx], *sb = &post->secs[b->st_shndx];
	unsigned char *covered;

	memset(ip, 0, sizeof(*ip));
	if (a->st_size != b->st_size) {
		snprintf(ip->refusal, sizeof(ip->refusal), "its size changes");
		return 0;
	}
	if (!strncmp(sa->name, ".data..percpu", 13) || !strncmp(sb->name, ".data..percpu", 13)) {
		snprintf(ip->refusal, sizeof(ip->refusal), "per-CPU data");
		return 0;
	}
	if (ksp_inplace_readonly(sa) != ksp_inplace_readonly(sb)) {
		snprintf(ip->refusal, sizeof(ip->refusal), "its writability changes");
		return 0;
	}
	covered = calloc(a->st_size ? a->st_size : 1, 1);
	if (!covered)
		return -1;
	mark_relocated(covered, sa, a->st_value, a->st_size);
	mark_relocated(covered, sb, b->st_value, b->st_size);
	if (pointer_fields(pre, sa, a->st_value, post, sb, b->st_value, a->st_size, ip) ||
	    value_fields(sa, a->st_value, sb, b->st_value, a->st_size, covered, ip)) {
		free(covered);
		ksp_inplace_free(ip);
		return -1;
	}
	free(covered);
	qsort(ip->fields, ip->nr_fields, sizeof(*ip->fields), by_offset);
	if (!ip->nr_fields)
		snprintf(ip->refusal, sizeof(ip->refusal), "no field differs");
	else
		check_fields(sa, post, sb, fresh, ip);
	return 0;
}

void ksp_inplace_free(struct ksp_inplace *ip)
{
	free(ip->fields);
	ip->fields = NULL;
	ip->nr_fields = 0;
}

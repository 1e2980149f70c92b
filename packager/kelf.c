// SPDX-License-Identifier: GPL-2.0
/* kelf: read and index a relocatable x86-64 object. See kelf.h. */
#include "kelf.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int cmp_rela(const void *a, const void *b)
{
	const struct kelf_rela *x = a, *y = b;

	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

static int load_relas(struct kelf *k, Elf_Scn *scn, const GElf_Shdr *sh, int index)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	struct kelf_sec *target;
	size_t n, i;

	if (sh->sh_info >= k->nr_secs || !d)
		return -1;
	target = &k->secs[sh->sh_info];
	n = sh->sh_entsize ? sh->sh_size / sh->sh_entsize : 0;
	target->relas = calloc(n ? n : 1, sizeof(*target->relas));
	if (!target->relas)
		return -1;
	target->nr_relas = 0;
	for (i = 0; i < n; i++) {
		struct kelf_rela *out = &target->relas[target->nr_relas];
		GElf_Rela r;

		if (!gelf_getrela(d, (int)i, &r))
			return -1;
		/*
		 * R_X86_64_NONE writes no byte (mlx5's cmd_exec has one, from a
		 * ".reloc", against its cold part): nothing to compare, label
		 * or relocate.
		 */
		if (GELF_R_TYPE(r.r_info) == R_X86_64_NONE)
			continue;
		out->offset = r.r_offset;
		out->type = (uint32_t)GELF_R_TYPE(r.r_info);
		out->sym = (uint32_t)GELF_R_SYM(r.r_info);
		out->addend = r.r_addend;
		target->nr_relas++;
	}
	n = target->nr_relas;
	target->rela_index = index;
	qsort(target->relas, n, sizeof(*target->relas), cmp_rela);
	return 0;
}

static int load_syms(struct kelf *k, Elf_Scn *scn, const GElf_Shdr *sh)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	size_t n = sh->sh_entsize ? sh->sh_size / sh->sh_entsize : 0, i;

	if (!d)
		return -1;
	k->syms = calloc(n ? n : 1, sizeof(*k->syms));
	if (!k->syms)
		return -1;
	for (i = 0; i < n; i++) {
		if (!gelf_getsym(d, (int)i, &k->syms[i].st))
			return -1;
		k->syms[i].name = elf_strptr(k->elf, sh->sh_link, k->syms[i].st.st_name);
		if (!k->syms[i].name)
			k->syms[i].name = "";
	}
	k->nr_syms = n;
	return 0;
}

static int fail(char *err, size_t errlen, const char *path, const char *what)
{
	snprintf(err, errlen, "%s: %s", path, what);
	return -1;
}

int kelf_open(struct kelf *k, const char *path, char *err, size_t errlen)
{
	size_t shstrndx, i;
	Elf_Scn *scn = NULL;
	GElf_Ehdr eh;

	memset(k, 0, sizeof(*k));
	k->path = path;
	elf_version(EV_CURRENT);
	k->fd = open(path, O_RDONLY);
	if (k->fd < 0)
		return fail(err, errlen, path, strerror(errno));
	k->elf = elf_begin(k->fd, ELF_C_READ, NULL);
	if (!k->elf || elf_kind(k->elf) != ELF_K_ELF || !gelf_getehdr(k->elf, &eh)) {
		kelf_close(k);
		return fail(err, errlen, path, "not an ELF file");
	}
	if (eh.e_type != ET_REL || eh.e_machine != EM_X86_64 ||
	    gelf_getclass(k->elf) != ELFCLASS64) {
		kelf_close(k);
		return fail(err, errlen, path, "not a relocatable x86-64 object");
	}
	if (elf_getshdrnum(k->elf, &k->nr_secs) || elf_getshdrstrndx(k->elf, &shstrndx)) {
		kelf_close(k);
		return fail(err, errlen, path, "cannot read section headers");
	}
	k->secs = calloc(k->nr_secs, sizeof(*k->secs));
	if (!k->secs) {
		kelf_close(k);
		return fail(err, errlen, path, "out of memory");
	}
	while ((scn = elf_nextscn(k->elf, scn))) {
		struct kelf_sec *s = &k->secs[elf_ndxscn(scn)];
		Elf_Data *d;

		gelf_getshdr(scn, &s->sh);
		s->name = elf_strptr(k->elf, shstrndx, s->sh.sh_name);
		if (!s->name)
			s->name = "";
		s->size = s->sh.sh_size;
		if (s->sh.sh_type != SHT_NOBITS && (d = elf_getdata(scn, NULL)))
			s->data = d->d_buf;
	}
	k->secs[0].name = "";
	while ((scn = elf_nextscn(k->elf, scn))) {
		size_t idx = elf_ndxscn(scn);
		GElf_Shdr *sh = &k->secs[idx].sh;
		int rc = 0;

		if (sh->sh_type == SHT_SYMTAB) {
			k->symtab_index = (int)idx;
			rc = load_syms(k, scn, sh);
		} else if (sh->sh_type == SHT_RELA) {
			rc = load_relas(k, scn, sh, (int)idx);
		} else if (sh->sh_type == SHT_REL) {
			rc = -1;
		}
		if (rc) {
			kelf_close(k);
			return fail(err, errlen, path, "cannot read symbols or relocations");
		}
	}
	if (!k->syms) {
		kelf_close(k);
		return fail(err, errlen, path, "no symbol table");
	}
	for (i = 0; i < k->nr_syms; i++) {
		GElf_Sym *st = &k->syms[i].st;

		if (GELF_ST_TYPE(st->st_info) == STT_SECTION && st->st_shndx < k->nr_secs)
			k->syms[i].name = k->secs[st->st_shndx].name;
	}
	return 0;
}

void kelf_close(struct kelf *k)
{
	size_t i;

	if (k->secs)
		for (i = 0; i < k->nr_secs; i++)
			free(k->secs[i].relas);
	free(k->secs);
	free(k->syms);
	if (k->elf)
		elf_end(k->elf);
	if (k->fd > 0)
		close(k->fd);
	memset(k, 0, sizeof(*k));
}

int kelf_find_sec(const struct kelf *k, const char *name)
{
	size_t i;

	for (i = 1; i < k->nr_secs; i++)
		if (!strcmp(k->secs[i].name, name))
			return (int)i;
	return -1;
}

int kelf_find_sym(const struct kelf *k, const char *name)
{
	size_t i;

	for (i = 1; i < k->nr_syms; i++)
		if (GELF_ST_TYPE(k->syms[i].st.st_info) != STT_SECTION &&
		    !strcmp(k->syms[i].name, name))
			return (int)i;
	return -1;
}

size_t kelf_relas_in(const struct kelf_sec *s, uint64_t start, uint64_t end,
		     size_t *count)
{
	size_t lo = 0, hi = s->nr_relas, first;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (s->relas[mid].offset < start)
			lo = mid + 1;
		else
			hi = mid;
	}
	first = lo;
	while (lo < s->nr_relas && s->relas[lo].offset < end)
		lo++;
	*count = lo - first;
	return first;
}

int kelf_rela_is_pcrel(uint32_t type)
{
	return type == R_X86_64_PC32 || type == R_X86_64_PLT32;
}

static int sym_is_object(const GElf_Sym *s)
{
	int t = GELF_ST_TYPE(s->st_info);

	return t == STT_OBJECT || t == STT_FUNC || t == STT_NOTYPE || t == STT_TLS;
}

int kelf_sym_at(const struct kelf *k, int sec, int64_t off, int want_func)
{
	int best = -1;
	size_t i;

	for (i = 1; i < k->nr_syms; i++) {
		const GElf_Sym *s = &k->syms[i].st;

		if (s->st_shndx != sec || !sym_is_object(s) || !k->syms[i].name[0])
			continue;
		if (want_func && GELF_ST_TYPE(s->st_info) != STT_FUNC)
			continue;
		if (GELF_ST_TYPE(s->st_info) == STT_NOTYPE && kelf_sym_is_local(k, (int)i))
			continue;	/* assembler labels */
		if ((int64_t)s->st_value <= off &&
		    off < (int64_t)(s->st_value + (s->st_size ? s->st_size : 1)))
			return (int)i;
		/* else the nearest symbol before off, as a fallback */
		if ((int64_t)s->st_value <= off &&
		    (best < 0 || s->st_value > k->syms[best].st.st_value))
			best = (int)i;
	}
	return best;
}

/* Does a one-byte opcode with a ModRM byte take an immediate, and of what size? */
static int64_t imm_of_opcode(unsigned char op, unsigned char modrm, int opsize16)
{
	int reg = (modrm >> 3) & 7;
	int64_t imm32 = opsize16 ? 2 : 4;

	switch (op) {
	case 0x80: case 0x82: case 0x83: case 0xc0: case 0xc1: case 0xc6: case 0x6b:
		return 1;
	case 0x81: case 0xc7: case 0x69:
		return imm32;
	case 0xf6:
		return reg <= 1 ? 1 : 0;	/* test $imm8 */
	case 0xf7:
		return reg <= 1 ? imm32 : 0;
	default:
		return 0;
	}
}

/* Does a two-byte opcode 0x0f op with a ModRM byte take an 8-bit immediate? */
static int64_t imm_of_0f_opcode(unsigned char op)
{
	return (op >= 0x70 && op <= 0x73) || op == 0xa4 || op == 0xac || op == 0xba ||
	       (op >= 0xc2 && op <= 0xc6);
}

/* kelf_pcrel_bias(), and in *exact whether the instruction was read. */
static int64_t site_bias(const struct kelf_sec *code, const struct kelf_rela *r, int *exact)
{
	const unsigned char *d = code ? code->data : NULL;
	uint64_t at = r->offset;
	unsigned char modrm;
	int opsize16;

	*exact = 0;
	if (!code || !kelf_rela_is_pcrel(r->type))
		return 0;
	if (!d || at < 2 || at + 4 > code->size)
		return 4;
	/* call/jmp rel32, jcc rel32: nothing after the displacement */
	if (d[at - 1] == 0xe8 || d[at - 1] == 0xe9 ||
	    (d[at - 2] == 0x0f && (d[at - 1] & 0xf0) == 0x80)) {
		*exact = 1;
		return 4;
	}
	modrm = d[at - 1];
	if ((modrm & 0xc7) != 0x05)	/* not a RIP-relative operand */
		return 4;
	*exact = 1;
	if (at >= 4 && d[at - 4] == 0x0f && (d[at - 3] == 0x38 || d[at - 3] == 0x3a))
		return d[at - 3] == 0x3a ? 5 : 4;	/* three-byte opcodes */
	if (at >= 3 && d[at - 3] == 0x0f && (d[at - 2] & 0xf0) != 0x80)
		return 4 + imm_of_0f_opcode(d[at - 2]);
	/* [0x66] [REX] opcode ModRM disp32 [imm] */
	opsize16 = (at >= 3 && d[at - 3] == 0x66) ||
		   (at >= 4 && (d[at - 3] & 0xf0) == 0x40 && d[at - 4] == 0x66);
	return 4 + imm_of_opcode(d[at - 2], modrm, opsize16);
}

int64_t kelf_pcrel_bias(const struct kelf_sec *code, const struct kelf_rela *r)
{
	int exact;

	return site_bias(code, r, &exact);
}

int kelf_sym_at_pcrel(const struct kelf *k, int sec, const struct kelf_sec *code,
		      const struct kelf_rela *r)
{
	int exact;
	int64_t bias = site_bias(code, r, &exact), addend = r->addend;
	int64_t extra;
	int sym;
	size_t i;

	/*
	 * When the instruction could not be read, an immediate after the
	 * displacement may make the bias larger than 4 (5 for imm8, 6 for
	 * imm16, 8 for imm32): probe those.
	 */
	for (extra = 0; bias && !exact && extra <= 4; extra++) {
		sym = kelf_sym_at(k, sec, addend + bias + extra, 0);
		if (sym >= 0 && (int64_t)k->syms[sym].st.st_value <= addend + bias + extra &&
		    addend + bias + extra < (int64_t)(k->syms[sym].st.st_value +
						     (k->syms[sym].st.st_size ?: 1)))
			return sym;
	}
	sym = kelf_sym_at(k, sec, addend + bias, 0);
	if (sym >= 0)
		return sym;
	/* Before the first symbol: any symbol of the section will do. */
	for (i = 1; i < k->nr_syms; i++)
		if (k->syms[i].st.st_shndx == sec && k->syms[i].name[0] &&
		    GELF_ST_TYPE(k->syms[i].st.st_info) != STT_SECTION &&
		    !(GELF_ST_TYPE(k->syms[i].st.st_info) == STT_NOTYPE && kelf_sym_is_local(k, (int)i)))
			return (int)i;
	return -1;
}

void kelf_resolve(const struct kelf *k, const struct kelf_rela *r,
		  const struct kelf_sec *code, struct kelf_target *t)
{
	const struct kelf_sym *s = &k->syms[r->sym];
	int sym;

	t->sym = (int)r->sym;
	t->sec = s->st.st_shndx < k->nr_secs ? s->st.st_shndx : 0;
	t->addend = r->addend;
	if (GELF_ST_TYPE(s->st.st_info) != STT_SECTION)
		return;
	/* Section symbol: find the symbol the target lies in. */
	sym = kelf_sym_at_pcrel(k, t->sec, code, r);
	if (sym < 0) {
		t->sym = -1;
		return;
	}
	t->sym = sym;
	t->addend = r->addend - (int64_t)k->syms[sym].st.st_value;
}

/*
 * The name without its number: "count.3" -> "count", and the __COUNTER__
 * names __UNIQUE_ID_ddebug321 and BTF_ID()'s __BTF_ID__struct__bpf_dtab__6341025
 * (__COUNTER__ then __LINE__: a fix above it renumbers it).
 */
void kelf_base_name(const char *name, char *buf, size_t len)
{
	const char *dot = strrchr(name, '.');
	size_t n = strlen(name);
	size_t prefix = !strncmp(name, "__UNIQUE_ID_", 12) ? 12 :
			!strncmp(name, "__BTF_ID__", 10) ? 10 : 0;

	if (prefix) {
		while (n > prefix && isdigit((unsigned char)name[n - 1]))
			n--;
	} else if (dot && dot[1] && strspn(dot + 1, "0123456789") == strlen(dot + 1)) {
		n = (size_t)(dot - name);
	}
	if (n >= len)
		n = len - 1;
	memcpy(buf, name, n);
	buf[n] = 0;
}

static long name_number(const char *name)
{
	size_t n = strlen(name);

	while (n && isdigit((unsigned char)name[n - 1]))
		n--;
	return strtol(name + n, NULL, 10);
}

static int is_numbered(const char *name)
{
	char base[256];

	kelf_base_name(name, base, sizeof(base));
	return strcmp(base, name) != 0;
}

int kelf_local_rank(const struct kelf *k, int sym)
{
	char base[256], other[256];
	long mine = name_number(k->syms[sym].name);
	int rank = 0;
	size_t i;

	if (!is_numbered(k->syms[sym].name))
		return 0;
	kelf_base_name(k->syms[sym].name, base, sizeof(base));
	for (i = 1; i < k->nr_syms; i++) {
		if ((int)i == sym || !kelf_sym_is_local(k, (int)i) ||
		    GELF_ST_TYPE(k->syms[i].st.st_info) == STT_SECTION ||
		    !is_numbered(k->syms[i].name))
			continue;
		if ((GELF_ST_TYPE(k->syms[i].st.st_info) == STT_FUNC) !=
		    (GELF_ST_TYPE(k->syms[sym].st.st_info) == STT_FUNC))
			continue;
		kelf_base_name(k->syms[i].name, other, sizeof(other));
		if (!strcmp(base, other) && name_number(k->syms[i].name) < mine)
			rank++;
	}
	return rank;
}

int kelf_local_by_rank(const struct kelf *k, const char *base, int rank, int want_func)
{
	char other[256];
	size_t i;

	for (i = 1; i < k->nr_syms; i++) {
		if (!kelf_sym_is_local(k, (int)i) ||
		    GELF_ST_TYPE(k->syms[i].st.st_info) == STT_SECTION ||
		    (GELF_ST_TYPE(k->syms[i].st.st_info) == STT_FUNC) != !!want_func)
			continue;
		kelf_base_name(k->syms[i].name, other, sizeof(other));
		if (!strcmp(base, other) &&
		    (!is_numbered(k->syms[i].name) || kelf_local_rank(k, (int)i) == rank))
			return (int)i;
	}
	return -1;
}

/* The function (lowest name) whose code references data symbol sym, or -1. */
static int local_owner(const struct kelf *k, int sym)
{
	const GElf_Sym *s = &k->syms[sym].st;
	int best = -1;
	size_t sec, i;

	for (sec = 1; sec < k->nr_secs; sec++) {
		const struct kelf_sec *ks = &k->secs[sec];

		if (!kelf_sec_is_text(k, (int)sec))
			continue;
		for (i = 0; i < ks->nr_relas; i++) {
			const struct kelf_rela *r = &ks->relas[i];
			const GElf_Sym *ts = &k->syms[r->sym].st;
			int hit = (int)r->sym == sym, f;

			if (!hit && GELF_ST_TYPE(ts->st_info) == STT_SECTION &&
			    ts->st_shndx == s->st_shndx)
				hit = kelf_sym_at_pcrel(k, s->st_shndx, ks, r) == sym;
			if (!hit)
				continue;
			f = kelf_sym_at(k, (int)sec, (int64_t)r->offset, 1);
			if (f >= 0 && (best < 0 || strcmp(k->syms[f].name, k->syms[best].name) < 0))
				best = f;
		}
	}
	return best;
}

/*
 * The name a numbered __func__ holds, or NULL. It is what the local is: a
 * function's __func__ goes with it, where by rank the __func__ of a removed
 * function (route.c's ip_route_output_tunnel, named only by dynamic-debug
 * descriptors, so with no owner) would pair with another function's.
 */
static const char *func_name_held(const struct kelf *k, int sym)
{
	const GElf_Sym *s = &k->syms[sym].st;
	const struct kelf_sec *sec;
	char base[256];

	kelf_base_name(k->syms[sym].name, base, sizeof(base));
	if (strcmp(base, "__func__") || !is_numbered(k->syms[sym].name) ||
	    s->st_shndx == SHN_UNDEF || s->st_shndx >= k->nr_secs || !s->st_size)
		return NULL;
	sec = &k->secs[s->st_shndx];
	if (!sec->data || s->st_value + s->st_size > sec->size ||
	    sec->data[s->st_value + s->st_size - 1])
		return NULL;
	return (const char *)sec->data + s->st_value;
}

void kelf_local_key(const struct kelf *k, int sym, char *buf, size_t len)
{
	char base[256], owner[256];
	const char *held = func_name_held(k, sym);
	int o = -1;

	kelf_base_name(k->syms[sym].name, base, sizeof(base));
	if (!is_numbered(k->syms[sym].name)) {
		snprintf(buf, len, "%s", base);
		return;
	}
	if (held) {
		snprintf(buf, len, "%s=\"%s\"", base, held);
		return;
	}
	if (GELF_ST_TYPE(k->syms[sym].st.st_info) != STT_FUNC)
		o = local_owner(k, sym);
	if (o >= 0) {
		kelf_base_name(k->syms[o].name, owner, sizeof(owner));
		snprintf(buf, len, "%s@%s", base, owner);
	} else {
		snprintf(buf, len, "%s#%d", base, kelf_local_rank(k, sym));
	}
}

int kelf_local_peer(const struct kelf *from, int sym, const struct kelf *to)
{
	int want_func = GELF_ST_TYPE(from->syms[sym].st.st_info) == STT_FUNC;
	char key[600], other[600], base[256], obase[256];
	int found = -1, n = 0;
	size_t i;

	kelf_local_key(from, sym, key, sizeof(key));
	kelf_base_name(from->syms[sym].name, base, sizeof(base));
	for (i = 1; i < to->nr_syms; i++) {
		if (!kelf_sym_is_local(to, (int)i) ||
		    GELF_ST_TYPE(to->syms[i].st.st_info) == STT_SECTION ||
		    (GELF_ST_TYPE(to->syms[i].st.st_info) == STT_FUNC) != want_func)
			continue;
		kelf_base_name(to->syms[i].name, obase, sizeof(obase));
		if (strcmp(base, obase))
			continue;
		kelf_local_key(to, (int)i, other, sizeof(other));
		if (!strcmp(key, other)) {
			found = (int)i;
			n++;
		}
	}
	if (n == 1)
		return found;
	if (func_name_held(from, sym))
		return -1;	/* its function is gone */
	return kelf_local_by_rank(to, base, kelf_local_rank(from, sym), want_func);
}

static void put_escaped(char *buf, size_t len, const unsigned char *p, size_t n)
{
	size_t o = strlen(buf), i;

	for (i = 0; i < n && o + 5 < len; i++) {
		if (isprint(p[i]) && p[i] != '\\' && p[i] != '"')
			buf[o++] = (char)p[i];
		else
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x", p[i]);
	}
	buf[o] = 0;
}

void kelf_norm_target(const struct kelf *k, const struct kelf_rela *r,
		      const struct kelf_sec *code, char *buf, size_t len)
{
	const struct kelf_sym *s = &k->syms[r->sym];
	int64_t bias = kelf_pcrel_bias(code, r);
	char base[256];
	struct kelf_target t;

	snprintf(buf, len, "%u:", r->type);
	if (GELF_ST_TYPE(s->st.st_info) == STT_SECTION && s->st.st_shndx < k->nr_secs) {
		const struct kelf_sec *sec = &k->secs[s->st.st_shndx];
		int64_t off = r->addend + bias;

		if ((sec->sh.sh_flags & SHF_MERGE) && sec->data && off >= 0 &&
		    (size_t)off < sec->size) {
			/* A string or a constant: compare by content. */
			size_t n = sec->size - (size_t)off;

			if (sec->sh.sh_flags & SHF_STRINGS)
				n = strnlen((const char *)sec->data + off, n) + 1;
			else if (sec->sh.sh_entsize && n > sec->sh.sh_entsize)
				n = sec->sh.sh_entsize;
			snprintf(buf + strlen(buf), len - strlen(buf), "%lld:\"",
				 (long long)bias);
			put_escaped(buf, len, sec->data + off, n);
			snprintf(buf + strlen(buf), len - strlen(buf), "\"");
			return;
		}
	}
	kelf_resolve(k, r, code, &t);
	if (t.sym < 0) {
		kelf_base_name(k->secs[t.sec].name, base, sizeof(base));
		snprintf(buf + strlen(buf), len - strlen(buf), "[%s]%+lld", base,
			 (long long)t.addend);
		return;
	}
	if (kelf_sym_is_local(k, t.sym))
		kelf_local_key(k, t.sym, base, sizeof(base));
	else
		snprintf(base, sizeof(base), "%s", k->syms[t.sym].name);
	snprintf(buf + strlen(buf), len - strlen(buf), "%s%+lld", base, (long long)t.addend);
}

int kelf_same_target(const struct kelf *a, const struct kelf_rela *ra, const struct kelf_sec *ca,
		     const struct kelf *b, const struct kelf_rela *rb, const struct kelf_sec *cb)
{
	char ta[512], tb[512];

	if (ra->type != rb->type)
		return 0;
	kelf_norm_target(a, ra, ca, ta, sizeof(ta));
	kelf_norm_target(b, rb, cb, tb, sizeof(tb));
	return !strcmp(ta, tb);
}

uint64_t kelf_fnv1a(const unsigned char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

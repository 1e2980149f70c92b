// SPDX-License-Identifier: GPL-2.0
/*
 * libelf: read a module's name; bind a new module's labels to addresses, and
 * list the relocation sites of the labels of a target that is not loaded
 * (kmod/coming.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "ksplice.h"

static Elf *open_elf(const char *path, int *fd, Elf_Cmd cmd,
		     struct ks_err *err)
{
	Elf *elf;

	if (elf_version(EV_CURRENT) == EV_NONE) {
		ks_fail(err, "libelf: %s", elf_errmsg(-1));
		return NULL;
	}
	*fd = open(path, cmd == ELF_C_RDWR ? O_RDWR : O_RDONLY);
	if (*fd < 0) {
		ks_fail(err, "%s: %s", path, strerror(errno));
		return NULL;
	}
	elf = elf_begin(*fd, cmd, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		ks_fail(err, "%s: not an ELF file", path);
		if (elf)
			elf_end(elf);
		close(*fd);
		return NULL;
	}
	return elf;
}

static Elf_Scn *find_section(Elf *elf, const char *name)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	GElf_Shdr sh;

	if (elf_getshdrstrndx(elf, &shstrndx))
		return NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		const char *n;

		if (!gelf_getshdr(scn, &sh))
			continue;
		n = elf_strptr(elf, shstrndx, sh.sh_name);
		if (n && !strcmp(n, name))
			return scn;
	}
	return NULL;
}

/* The module's name: "name=" in .modinfo. */
int ks_module_name(const char *path, char *name, size_t size,
		   struct ks_err *err)
{
	Elf_Scn *scn;
	Elf_Data *d;
	int fd, ret = -1;
	Elf *elf = open_elf(path, &fd, ELF_C_READ, err);
	size_t i;

	if (!elf)
		return -1;
	scn = find_section(elf, ".modinfo");
	d = scn ? elf_getdata(scn, NULL) : NULL;
	for (i = 0; d && i < d->d_size; i += strlen((char *)d->d_buf + i) + 1) {
		const char *s = (const char *)d->d_buf + i;

		if (!strncmp(s, "name=", 5) && strlen(s + 5) < size) {
			strcpy(name, s + 5);
			ret = 0;
			break;
		}
		if (!memchr(s, 0, d->d_size - i))
			break;
	}
	if (ret)
		ks_fail(err, "%s: not a kernel module (no name in .modinfo)",
			path);
	elf_end(elf);
	close(fd);
	return ret;
}

/* The "label address[ deferred]" line of label, or NULL. */
static const char *line_of(const char *symbols, const char *label)
{
	size_t len = strlen(label);
	const char *p = symbols;

	while (p && *p) {
		if (!strncmp(p, label, len) && p[len] == ' ')
			return p;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return NULL;
}

/* Address of label in "label address" lines; 0 if absent. */
static int lookup(const char *symbols, const char *label, unsigned long *addr)
{
	const char *p = line_of(symbols, label);

	if (p)
		*addr = strtoul(p + strlen(label) + 1, NULL, 0);
	return p != NULL;
}

/* Is label one of a target that is not loaded ("... deferred")? */
static int deferred(const char *symbols, const char *label)
{
	const char *p = line_of(symbols, label), *end;

	if (!p)
		return 0;
	end = strchr(p, '\n');
	return end && end - p > 9 && !strncmp(end - 9, " deferred", 9);
}

static int copy_file(const char *in, const char *out, struct ks_err *err)
{
	char buf[65536];
	int ifd = open(in, O_RDONLY), ofd;
	ssize_t n = 0;

	if (ifd < 0)
		return ks_fail(err, "%s: %s", in, strerror(errno));
	ofd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (ofd < 0) {
		close(ifd);
		return ks_fail(err, "%s: %s", out, strerror(errno));
	}
	while ((n = read(ifd, buf, sizeof(buf))) > 0)
		if (write(ofd, buf, n) != n) {
			n = -1;
			break;
		}
	close(ifd);
	if (close(ofd) || n < 0)
		return ks_fail(err, "copying %s to %s failed", in, out);
	return 0;
}

static int bind_symbols(Elf *elf, const char *symbols, int *nr_bound,
			struct ks_err *err)
{
	Elf_Scn *scn = find_section(elf, ".symtab");
	Elf_Data *data;
	GElf_Shdr sh;
	size_t i, n;

	if (!scn || !gelf_getshdr(scn, &sh) || !(data = elf_getdata(scn, NULL)))
		return ks_fail(err, "no symbol table");
	n = sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
	for (i = 1; i < n; i++) {
		unsigned long addr;
		const char *name;
		GElf_Sym sym;

		if (!gelf_getsym(data, i, &sym) || sym.st_shndx != SHN_UNDEF)
			continue;
		name = elf_strptr(elf, sh.sh_link, sym.st_name);
		if (!name || !*name || !lookup(symbols, name, &addr))
			continue;
		sym.st_shndx = SHN_ABS;
		sym.st_value = addr;
		if (!gelf_update_sym(data, i, &sym))
			return ks_fail(err, "libelf: %s", elf_errmsg(-1));
		(*nr_bound)++;
	}
	elf_flagdata(data, ELF_C_SET, ELF_F_DIRTY);
	return 0;
}

/*
 * A label site the core may rewrite once the target loads: in the new code
 * (with static_cpu_has()'s .altinstr_aux, code the loader only runs through)
 * or its data (read-only, or a fresh copy of a static of the module: only
 * the new code reads it). A site elsewhere is one the module loader acts on
 * as it loads the module (a static key of __jump_table, a static call site,
 * an alternative's replacement, per-cpu data): the placeholder must not get
 * there.
 */
static int fixup_section_ok(const char *name)
{
	return !strncmp(name, ".text", 5) || !strncmp(name, ".rodata", 7) ||
	       !strcmp(name, ".altinstr_aux") ||
	       (!strncmp(name, ".data", 5) && strncmp(name, ".data..percpu", 13));
}

/*
 * Append "SECTION OFFSET TYPE ADDEND LABEL" for a relocation to rewrite, or,
 * with r NULL, "= VALUE LABEL" for one whose value must stay, to fx.
 */
static int add_site(struct ks_fixups *fx, const char *sec, const GElf_Rela *r,
		    unsigned long value, const char *label, struct ks_err *err)
{
	size_t need = strlen(sec) + strlen(label) + 80;
	char *p;

	if (fx->len + need >= fx->size) {
		fx->size = (fx->size + need) * 2;
		p = realloc(fx->text, fx->size);
		if (!p)
			return ks_fail(err, "out of memory");
		fx->text = p;
	}
	if (!r)
		fx->len += snprintf(fx->text + fx->len, fx->size - fx->len,
				    "= 0x%lx %s\n", value, label);
	else
		fx->len += snprintf(fx->text + fx->len, fx->size - fx->len,
				    "%s %llu %u %lld %s\n", sec,
				    (unsigned long long)r->r_offset,
				    (unsigned int)GELF_R_TYPE(r->r_info),
				    (long long)r->r_addend, label);
	return 0;
}

static int rela_sites(Elf *elf, Elf_Scn *scn, const GElf_Shdr *sh,
		      const char *symbols, unsigned long placeholder,
		      struct ks_fixups *fx, struct ks_err *err)
{
	Elf_Data *rd = elf_getdata(scn, NULL), *sd;
	Elf_Scn *symscn = elf_getscn(elf, sh->sh_link), *tscn;
	GElf_Shdr ssh, tsh;
	size_t shstrndx, i, n;
	const char *tname;
	int ret;

	if (!rd || !symscn || !gelf_getshdr(symscn, &ssh) ||
	    !(sd = elf_getdata(symscn, NULL)) || elf_getshdrstrndx(elf, &shstrndx) ||
	    !(tscn = elf_getscn(elf, sh->sh_info)) || !gelf_getshdr(tscn, &tsh) ||
	    !(tname = elf_strptr(elf, shstrndx, tsh.sh_name)))
		return ks_fail(err, "libelf: %s", elf_errmsg(-1));
	n = sh->sh_entsize ? sh->sh_size / sh->sh_entsize : 0;
	for (i = 0; i < n; i++) {
		GElf_Rela r;
		GElf_Sym sym;
		const char *label;

		if (!gelf_getrela(rd, i, &r) ||
		    !gelf_getsym(sd, GELF_R_SYM(r.r_info), &sym) ||
		    sym.st_shndx != SHN_ABS)
			continue;
		label = elf_strptr(elf, ssh.sh_link, sym.st_name);
		if (!label || !deferred(symbols, label))
			continue;
		/*
		 * A label the kernel has now keeps its value (the module loader
		 * may have rewritten the site: an ftrace nop, a return thunk),
		 * which matching must confirm; the placeholder is rewritten.
		 */
		if (sym.st_value != placeholder)
			ret = add_site(fx, tname, NULL, sym.st_value, label, err);
		else if (fixup_section_ok(tname))
			ret = add_site(fx, tname, &r, 0, label, err);
		else
			return ks_fail(err, "its new code refers to %s from %s, which the module loader acts on",
				       label, tname);
		if (ret)
			return -1;
	}
	return 0;
}

/* The sites of the labels of a target that is not loaded, into fx. */
static int deferred_sites(Elf *elf, const char *symbols, unsigned long placeholder,
			  struct ks_fixups *fx, struct ks_err *err)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(elf, scn)))
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_RELA &&
		    sh.sh_info &&
		    rela_sites(elf, scn, &sh, symbols, placeholder, fx, err))
			return -1;
	return 0;
}

int ks_link_new(const char *in, const char *out, const char *symbols,
		int *nr_bound, struct ks_fixups *fx, struct ks_err *err)
{
	unsigned long placeholder = 0;
	int fd, ret;
	Elf *elf;

	*nr_bound = 0;
	if (copy_file(in, out, err))
		return -1;
	elf = open_elf(out, &fd, ELF_C_RDWR, err);
	if (!elf)
		return -1;
	elf_flagelf(elf, ELF_C_SET, ELF_F_LAYOUT);
	ret = bind_symbols(elf, symbols, nr_bound, err);
	if (!ret && fx && lookup(symbols, "%placeholder", &placeholder))
		ret = deferred_sites(elf, symbols, placeholder, fx, err);
	if (!ret && elf_update(elf, ELF_C_WRITE) < 0)
		ret = ks_fail(err, "%s: libelf: %s", out, elf_errmsg(-1));
	elf_end(elf);
	close(fd);
	return ret;
}

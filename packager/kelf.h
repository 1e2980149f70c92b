/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kelf: a read-only view of one relocatable x86-64 kernel object (libelf),
 * with the questions the packager asks of it: which functions it defines,
 * what every relocation points at (a symbol, or a place in a section that
 * has no symbol), the label of a symbol (kmod/ksplice_abi.h) and a
 * normalised form of a relocation target for comparing two builds.
 */
#ifndef KSPLICE_KELF_H
#define KSPLICE_KELF_H

#include <gelf.h>
#include <stddef.h>
#include <stdint.h>

struct kelf_rela {
	uint64_t offset;
	uint32_t type;
	uint32_t sym;		/* index into the object's symbols */
	int64_t addend;
};

struct kelf_sec {
	const char *name;
	GElf_Shdr sh;
	const unsigned char *data;	/* NULL for NOBITS */
	size_t size;
	struct kelf_rela *relas;	/* sorted by offset */
	size_t nr_relas;
	int rela_index;			/* the SHT_RELA section, or 0 */
};

struct kelf_sym {
	const char *name;
	GElf_Sym st;
};

struct kelf {
	const char *path;
	int fd;
	Elf *elf;
	struct kelf_sec *secs;
	size_t nr_secs;
	struct kelf_sym *syms;
	size_t nr_syms;
	int symtab_index;
};

/* What a relocation points at, resolved to a symbol when one covers it. */
struct kelf_target {
	int sym;		/* symbol index (never a section symbol), or -1 */
	int sec;		/* the section the target is in, or 0 (undefined) */
	int64_t addend;		/* addend relative to sym (or to sec when sym < 0) */
};

/* Open and index an object. Returns 0, or -1 with a message in err. */
int kelf_open(struct kelf *k, const char *path, char *err, size_t errlen);
void kelf_close(struct kelf *k);

int kelf_find_sec(const struct kelf *k, const char *name);
int kelf_find_sym(const struct kelf *k, const char *name);

static inline int kelf_sym_is_func(const struct kelf *k, int i)
{
	const GElf_Sym *s = &k->syms[i].st;

	return GELF_ST_TYPE(s->st_info) == STT_FUNC && s->st_shndx != SHN_UNDEF &&
	       s->st_shndx < k->nr_secs;
}

static inline int kelf_sym_is_local(const struct kelf *k, int i)
{
	return GELF_ST_BIND(k->syms[i].st.st_info) == STB_LOCAL;
}

static inline int kelf_sec_is_text(const struct kelf *k, int sec)
{
	return sec > 0 && (k->secs[sec].sh.sh_flags & SHF_EXECINSTR);
}

/* The relocations of section sec within [start, end). Returns the first index. */
size_t kelf_relas_in(const struct kelf_sec *s, uint64_t start, uint64_t end,
		     size_t *count);

/* Is the relocation type PC-relative from an instruction (addend has -4)? */
int kelf_rela_is_pcrel(uint32_t type);

/*
 * How far past a PC-relative relocation's site the CPU measures it from: 4
 * for a rel32 or a RIP-relative operand, plus the immediate that follows the
 * displacement ("cmpb $0x0,x(%rip)": 5, "movl $0x1,x(%rip)": 8); 0 outside
 * code (code NULL) and for other types; 4 when the instruction is not
 * recognized. Adjacent one-byte objects (WARN_ONCE's __already_done.N) need
 * the exact value.
 */
int64_t kelf_pcrel_bias(const struct kelf_sec *code, const struct kelf_rela *r);

/*
 * Resolve a relocation. code: the section of instructions the site is in
 * (NULL for data), so a PC-relative addend carries the bias above, which is
 * removed when choosing the covering symbol (the addend stays exact).
 */
void kelf_resolve(const struct kelf *k, const struct kelf_rela *r,
		  const struct kelf_sec *code, struct kelf_target *t);

/* The symbol of a defined object or function covering offset off of sec. */
int kelf_sym_at(const struct kelf *k, int sec, int64_t off, int want_func);

/*
 * The symbol of section sec that relocation r (in section code, or NULL for
 * data) points into: at its addend + kelf_pcrel_bias(), probing up to 4 more
 * bytes when the instruction was not recognized; or -1.
 */
int kelf_sym_at_pcrel(const struct kelf *k, int sec, const struct kelf_sec *code,
		      const struct kelf_rela *r);

/*
 * A GCC numbered local ("count.3", "__UNIQUE_ID_ddebug417", BTF_ID()'s
 * "__BTF_ID__struct__bpf_dtab__6341025") without its number.
 */
void kelf_base_name(const char *name, char *buf, size_t len);

/*
 * The rank of a numbered local among the symbols with the same base name, in
 * numeric order (0 for the first): the pre and post symbols of equal rank are
 * the same static local.
 */
int kelf_local_rank(const struct kelf *k, int sym);
/* The local symbol with this base name and rank, or -1. */
int kelf_local_by_rank(const struct kelf *k, const char *base, int rank, int want_func);

/*
 * How a local is matched across builds: "name" when it has no GCC number,
 * __func__="f" for a numbered __func__ (by the name it holds), "base@owner"
 * for a static local (owner: the function whose code uses it), else
 * "base#rank".
 */
void kelf_local_key(const struct kelf *k, int sym, char *buf, size_t len);
/* The local symbol of `to` that is symbol sym of `from`, or -1. */
int kelf_local_peer(const struct kelf *from, int sym, const struct kelf *to);

/*
 * A text that is equal in two builds iff the relocation points at the same
 * thing: numbered names without numbers, strings by content, section offsets
 * relative to the covering symbol.
 */
void kelf_norm_target(const struct kelf *k, const struct kelf_rela *r,
		      const struct kelf_sec *code, char *buf, size_t len);

/*
 * Do relocations ra (of a, in code ca or NULL for data) and rb (of b) have the
 * same type and point at the same thing (kelf_norm_target)?
 */
int kelf_same_target(const struct kelf *a, const struct kelf_rela *ra, const struct kelf_sec *ca,
		     const struct kelf *b, const struct kelf_rela *rb, const struct kelf_sec *cb);

/* 64-bit FNV-1a, for the manifest's pre-code checksums. */
uint64_t kelf_fnv1a(const unsigned char *p, size_t n);

#endif /* KSPLICE_KELF_H */

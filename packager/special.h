/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one table of special sections: for each, the entry size, the offset of
 * the field that points at code, and (for sections the running kernel acts
 * on by rewriting code) the ksplice_range kind and length of the rewritten
 * bytes. The new-code object keeps the entries of included code; the pre
 * module turns the entries of pre code into ksplice_range records.
 */
#ifndef KSPLICE_SPECIAL_H
#define KSPLICE_SPECIAL_H

#include <stddef.h>
#include <stdint.h>

/* Mirrors enum ksplice_range_kind of kmod/ksplice_abi.h. */
enum {
	KSP_RANGE_NONE = -1,
	KSP_RANGE_FENTRY = 0,
	KSP_RANGE_ALTINSTR,
	KSP_RANGE_PARAVIRT,
	KSP_RANGE_JUMP_LABEL,
	KSP_RANGE_STATIC_CALL,
	KSP_RANGE_RETPOLINE,
	KSP_RANGE_RETURN,
	KSP_RANGE_SMP_LOCK,
};

struct ksp_special {
	const char *name;
	size_t entsize;
	size_t code_field;	/* offset of the field that points at code */
	int range_kind;		/* KSP_RANGE_* */
	/* Bytes the kernel may rewrite at the site: from the entry and the code. */
	uint32_t (*range_len)(const unsigned char *entry, const unsigned char *code,
			      size_t code_left);
	const char *parallel;	/* a section with one entry per entry of this one */
	size_t parallel_entsize;
	/*
	 * A field pointing at replacement code (.altinstructions: repl_offset
	 * into .altinstr_replacement), -1 if none, and the byte with its length:
	 * only the replacements of kept entries are copied.
	 */
	int repl_field;
	int repl_len_byte;
};

/* The table, terminated by an entry with name NULL. */
extern const struct ksp_special ksp_specials[];

const struct ksp_special *ksp_special_find(const char *name);

#endif /* KSPLICE_SPECIAL_H */

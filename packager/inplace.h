/* SPDX-License-Identifier: GPL-2.0 */
/*
 * In-place data: a changed data object whose size is the same in both builds
 * can be rewritten field by field in the running kernel, when every field
 * that differs is one the kernel reads each time it uses it:
 *
 *  - in read-only data (.rodata, .data.rel.ro, .data..ro_after_init): any
 *    field, a value or a pointer (a netlink policy's length, an ops table's
 *    callback, an exported constant other code reads);
 *  - in writable data (.data, __read_mostly, .bss): only pointers to code (a
 *    callback of a registered ops struct). A value there may have been copied,
 *    counted or used to register the object (xt_realm's .family chose the
 *    list its xt_match is on): custom code's job.
 *
 * A pointer field must be a 64-bit absolute relocation whose target is code
 * or read-only data. Each field is (offset, length) with the pre build's
 * value: bytes, or a pointer to a label plus addend; the post value is the
 * update's copy of the object (newobj.c). The core checks at match time and
 * again with the machine stopped that the running value is the pre one, and
 * writes the post one (kmod/data.c); undo writes the running value back.
 *
 * fresh: a module patched as it loads, before its init runs (kmod/coming.c):
 * nothing has read or copied its data yet, so any field of the same size
 * may change, a value in writable data or a pointer to writable data too.
 */
#ifndef KSPLICE_INPLACE_H
#define KSPLICE_INPLACE_H

#include "kelf.h"

struct ksp_data_field {
	uint32_t offset;	/* from the object's start */
	uint32_t len;
	int pre_rela;		/* index in the pre section's relocations, or -1: bytes */
	int post_rela;		/* same in post */
};

struct ksp_inplace {
	struct ksp_data_field *fields;
	size_t nr_fields;
	char refusal[160];	/* why not in place ("" when it is) */
};

/*
 * The fields of data object pre_sym (pre) / post_sym (post) that differ (in a
 * fresh target: see above).
 * Returns 0 (refusal says whether it can be done in place), -1 out of memory.
 */
int ksp_inplace_fields(const struct kelf *pre, int pre_sym, const struct kelf *post,
		       int post_sym, int fresh, struct ksp_inplace *ip);
void ksp_inplace_free(struct ksp_inplace *ip);
/* Append a field; -1 out of memory. */
int ksp_inplace_add_field(struct ksp_inplace *ip, uint32_t off, uint32_t len, int pre_rela,
			  int post_rela);

/* Is the section read-only once the kernel has booted? */
int ksp_inplace_readonly(const struct kelf_sec *s);

#endif /* KSPLICE_INPLACE_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libksplice-tools: what ksplice-apply, ksplice-undo and ksplice-view share.
 * Library code: returns errors (a message in struct ks_err), never exits.
 */
#ifndef KSPLICE_TOOLS_H
#define KSPLICE_TOOLS_H

#include <limits.h>
#include <stddef.h>

#define KS_SYSFS "/sys/kernel/ksplice"
#define KS_API_VERSION "3"
#define KS_MAX_TARGETS 64
#define KS_DIR_MAX 512		/* temporary directories */

/* Exit statuses of the tools. Abort codes of the kernel start at 10. */
enum ks_status {
	KS_EXIT_OK = 0,
	KS_EXIT_ERROR = 1,		/* system error */
	KS_EXIT_USAGE = 2,
	KS_EXIT_BAD_TARBALL = 3,
	KS_EXIT_WRONG_KERNEL = 4,
	KS_EXIT_ALREADY_APPLIED = 5,
	KS_EXIT_NOT_LOADED = 6,
};

struct ks_err {
	char msg[1024];
};

int ks_fail(struct ks_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

struct ks_target {
	char name[64];
	char pre[KS_DIR_MAX + 320];	/* paths inside the unpacked tarball */
	char new[KS_DIR_MAX + 320];
};

struct ks_tarball {
	char tmp[KS_DIR_MAX];	/* temporary directory (removed by close) */
	char dir[KS_DIR_MAX + 32];	/* tmp/ksplice-<id> */
	char id[16];
	char release[256];
	char vermagic[256];
	struct ks_target targets[KS_MAX_TARGETS];
	int nr_targets;
};

int ks_tarball_open(const char *path, struct ks_tarball *t,
		    struct ks_err *err);
void ks_tarball_close(struct ks_tarball *t);
int ks_check_kernel(const struct ks_tarball *t, struct ks_err *err);
int ks_valid_id(const char *id);

/* files */
int ks_read_file(const char *path, char *buf, size_t size);
char *ks_read_all(const char *path);	/* malloc'd, NUL-terminated */
int ks_write_file(const char *path, const char *text);
void ks_chomp(char *s);

/* /sys/kernel/ksplice/<id>/<file> */
int ks_update_path(char *buf, size_t size, const char *id, const char *file);
int ks_update_exists(const char *id);
int ks_update_read(const char *id, const char *file, char *buf, size_t size);
int ks_update_write(const char *id, const char *file, const char *text);
struct ks_target_state {
	char name[64], module[64], state[32];	/* module "-" when it has none */
};
int ks_read_targets(const char *id, struct ks_target_state **out);
int ks_target_pending(const char *id, const char *target);

/* modules */
int ks_load_module(const char *path, struct ks_err *err);
int ks_unload_module(const char *name, struct ks_err *err);
int ks_module_name(const char *path, char *name, size_t size,
		   struct ks_err *err);

/*
 * ELF: bind the new module's undefined label symbols to absolute addresses.
 * With fx, the labels of a target that is not loaded ("label address
 * deferred" lines after "%placeholder ADDRESS" in symbols) have their
 * relocation sites appended to fx: "SECTION OFFSET TYPE ADDEND LABEL" for
 * one bound to the placeholder (the core rewrites it; only in the new code or
 * its read-only data), "= VALUE LABEL" for one bound to an address the kernel
 * has now, which must stay (kmod/coming.c).
 */
struct ks_fixups {
	char *text;		/* malloc'd */
	size_t len, size;
};

int ks_link_new(const char *in, const char *out, const char *symbols,
		int *nr_bound, struct ks_fixups *fx, struct ks_err *err);

/* abort codes */
struct ks_abort {
	const char *code;
	int status;
	const char *text;
};

const struct ks_abort *ks_abort_info(const char *code);
void ks_print_abort(const char *id, const char *code);

#endif

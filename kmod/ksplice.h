/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal interfaces of the ksplice core module, shared by its files:
 *
 *  core.c     registration of pre/new modules, update objects, stages
 *  sysfs.c    /sys/kernel/ksplice/<id>/{stage,abort_cause,conflicts,...}
 *  symbols.c  kallsyms: non-exported kernel functions, label candidates
 *  match.c    run-pre matching: find the functions to replace, pin labels
 *  patch.c    stop_machine, stack check, trampolines, undo
 *  data.c     data objects rewritten in place
 *  coming.c   targets not loaded at apply: patched as their module loads
 *  ftrace.c   the redirect through ftrace, where a jmp cannot go
 *  text.c     writing kernel text through the kernel's text_poke()
 */
#ifndef _KSPLICE_H
#define _KSPLICE_H

#include <linux/kobject.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/stop_machine.h>
#include <linux/workqueue.h>
#include "ksplice_abi.h"

#define KSPLICE_TRAMP_LEN 5	/* e9 rel32 */

enum ksplice_stage {
	KSPLICE_STAGE_PREPARING,
	KSPLICE_STAGE_APPLIED,
	KSPLICE_STAGE_REVERSED,
};

/* Abort codes (sysfs abort_cause), as in Ksplice. */
#define KSPLICE_OK			"ok"
#define KSPLICE_NO_MATCH		"no_match"
#define KSPLICE_CODE_BUSY		"code_busy"
#define KSPLICE_FAILED_TO_FIND		"failed_to_find"
#define KSPLICE_MISSING_EXPORT		"missing_export"
#define KSPLICE_ALREADY_REVERSED	"already_reversed"
#define KSPLICE_MODULE_BUSY		"module_busy"
#define KSPLICE_TARGET_NOT_LOADED	"target_not_loaded"
#define KSPLICE_TARGET_LOADED		"target_loaded"
#define KSPLICE_OUT_OF_MEMORY		"out_of_memory"
#define KSPLICE_UNEXPECTED		"unexpected"

/* A label and the address it resolved to. */
struct ksplice_label {
	const char *label;	/* copied */
	const char *name;	/* kallsyms name (copied) */
	bool local;		/* "name%unit": search the target only */
	bool pinned;
	unsigned long value;
	unsigned long *cands;	/* kallsyms candidates */
	unsigned int nr_cands;
	/* the value its first site held in the comparison numbered seen_gen */
	unsigned long seen;
	unsigned int seen_gen;
};

struct ksplice_ftrace;

/* How a replaced function is sent to its new code (match.c chooses). */
enum ksplice_redirect {
	KSPLICE_REDIRECT_JMP,		/* e9 rel32 after the ftrace nop */
	KSPLICE_REDIRECT_FTRACE,	/* an ftrace_ops sets the IP (ftrace.c) */
};

/* A function to replace, found in the running kernel. */
struct ksplice_func {
	const char *label;
	unsigned long sym_addr;	/* kallsyms address (the label's value) */
	unsigned long addr;	/* where its running code is (see stacking) */
	u32 size;
	u32 flags;		/* KSPLICE_PRE_* */
	u32 tramp_off;		/* trampoline offset (after the fentry nop) */
	enum ksplice_redirect redirect;
	u8 saved[KSPLICE_TRAMP_LEN];	/* running bytes at the trampoline */
	struct ksplice_update *host;	/* earlier update whose new code it is */
};

/*
 * A trampoline: func->addr + tramp_off jumps to new_addr; or, for
 * KSPLICE_REDIRECT_FTRACE, the ftrace handler at site (the function's fentry
 * call, func->addr) sends the task to new_addr while the update is applied.
 */
struct ksplice_trampoline {
	struct ksplice_update *update;
	struct ksplice_func *func;
	unsigned long site;
	unsigned long new_addr;
	u32 new_size;
	u8 tramp[KSPLICE_TRAMP_LEN];
	struct ksplice_ftrace *ftrace;	/* registered ops (ftrace.c), or NULL */
};

/* A field of a data object rewritten in place (data.c). */
struct ksplice_data_val {
	u32 offset;
	u32 len;
	u8 *running;		/* its value when matched (the pre one) */
	void *alias;		/* writable alias while stopping, or NULL */
	void *base;		/* the alias's vmap() */
};

struct ksplice_data_obj {
	const char *label;	/* copied */
	unsigned long addr;	/* the running object */
	const u8 *post;		/* the new module's copy, NULL until it loads */
	bool points_new;	/* a post value points into the new module */
	struct ksplice_data_val *fields;
	unsigned int nr_fields;
};

/*
 * A relocation site of a new module whose label was not known when it loaded
 * (its target module was not loaded): rewritten when the target loads.
 */
struct ksplice_fixup {
	char *label;
	unsigned long site;	/* type 0: the address the label was given */
	u32 type;		/* R_X86_64_PC32, _PLT32, _32S, _64; 0: a check */
	s64 addend;
};

struct ksplice_target {
	struct list_head list;
	char name[MODULE_NAME_LEN];
	/*
	 * The target module: referenced while the update exists, or, for a
	 * deferred target, not referenced and set only while it is loaded.
	 */
	struct module *mod;
	struct module *pre_owner;	/* NULL once the pre module is gone */
	struct module *new_owner;	/* NULL until the new module registers */
	bool new_ref;			/* we hold a reference on new_owner */
	struct ksplice_func *funcs;
	unsigned int nr_funcs;
	struct ksplice_label *labels;
	unsigned int nr_labels;
	struct ksplice_trampoline *tramps;
	unsigned int nr_tramps;
	const struct ksplice_hook *hooks;	/* of the new module (hooks.c) */
	unsigned int nr_hooks;
	struct ksplice_data_obj *data;		/* rewritten in place (data.c) */
	unsigned int nr_data;
	/* not loaded at registration: patched as it loads (coming.c) */
	bool deferred;
	bool fresh;			/* KSPLICE_TARGET_FRESH */
	const struct ksplice_pre *pre;	/* deferred: of pre_owner */
	bool pre_ref;			/* we hold a reference on pre_owner */
	const struct ksplice_new *new;	/* deferred: its new module's table */
	struct ksplice_fixup *fixups;
	unsigned int nr_fixups;
};

struct ksplice_update {
	struct list_head list;
	struct kobject kobj;
	char id[KSPLICE_ID_LEN + 1];
	enum ksplice_stage stage;
	const char *abort_cause;
	char *description;
	char *conflicts;		/* PAGE_SIZE: "comm pid symbol" lines */
	size_t conflicts_len;
	struct list_head targets;
	struct work_struct cleanup_work;
	bool dead;
	/* the last successful apply or reverse, for sysfs "timing" */
	unsigned int tries;
	u64 stop_machine_ns;	/* the whole stop_machine() call */
	u64 stopped_ns;		/* inside, with every CPU stopped */
};

extern struct mutex ksplice_mutex;
extern struct list_head ksplice_updates;

/* core.c */
void ksplice_cleanup_update(struct ksplice_update *update);
void ksplice_free_target(struct ksplice_target *target);
void ksplice_forget_match(struct ksplice_target *target);
int ksplice_make_trampolines(struct ksplice_update *update,
			     struct ksplice_target *target,
			     const struct ksplice_new *new);
struct ksplice_update *ksplice_find_update(const char *id);
struct ksplice_target *ksplice_find_target(struct ksplice_update *update,
					   const char *name);

/* sysfs.c */
int ksplice_sysfs_init(void);
void ksplice_sysfs_exit(void);
int ksplice_sysfs_add(struct ksplice_update *update);
void ksplice_sysfs_del(struct ksplice_update *update);
void ksplice_free_update(struct ksplice_update *update);

/* symbols.c */
struct ksplice_kernel {
	int (*kallsyms_on_each_symbol)(int (*fn)(void *, const char *,
						 struct module *,
						 unsigned long),
				       void *data);
	int (*module_kallsyms_on_each_symbol)(int (*fn)(void *, const char *,
							struct module *,
							unsigned long),
					      void *data);
	int (*kallsyms_lookup_size_offset)(unsigned long addr,
					   unsigned long *size,
					   unsigned long *offset);
	void *(*text_poke)(void *addr, const void *opcode, size_t len);
	struct mutex *text_mutex;
	int (*stop_machine_cpuslocked)(cpu_stop_fn_t fn, void *data,
				       const struct cpumask *cpus);
	struct task_struct *(*idle_task)(int cpu);
	struct kprobe *(*get_kprobe)(void *addr);
	unsigned long (*ftrace_location)(unsigned long ip);
	struct module *(*module_address)(unsigned long addr);
};

extern struct ksplice_kernel ksplice_kernel;
int ksplice_symbols_init(void);
int ksplice_find_candidates(struct ksplice_target *target);
bool ksplice_label_has(const struct ksplice_label *l, unsigned long value);
unsigned long ksplice_lookup_name(const char *name);

/* match.c */
int ksplice_match_pre(struct ksplice_update *update,
		      struct ksplice_target *target,
		      const struct ksplice_pre *pre);
struct ksplice_label *ksplice_get_label(struct ksplice_target *target,
					const char *label);

/* patch.c */
int ksplice_apply_update(struct ksplice_update *update);
int ksplice_reverse_update(struct ksplice_update *update);
struct ksplice_trampoline *ksplice_trampoline_in(unsigned long start,
						unsigned long end);
struct ksplice_trampoline *ksplice_trampoline_by_new(unsigned long new_addr);

/* data.c */
int ksplice_match_data(struct ksplice_update *update,
		       struct ksplice_target *target,
		       const struct ksplice_pre *pre);
int ksplice_bind_data(struct ksplice_update *update,
		      struct ksplice_target *target,
		      const struct ksplice_new *new, struct module *owner);
void ksplice_unbind_data(struct ksplice_target *target);
void ksplice_free_data(struct ksplice_target *target);
int ksplice_data_map(struct ksplice_update *update);
void ksplice_data_unmap(struct ksplice_update *update);
int ksplice_data_check(struct ksplice_update *update, bool reverse);
void ksplice_data_write(struct ksplice_update *update, bool reverse);
const char *ksplice_data_in_new_text(struct ksplice_update *update,
				     unsigned long addr);
void ksplice_data_settle(struct ksplice_update *update);
void ksplice_data_keep_new(struct ksplice_update *update);

/* coming.c */
int ksplice_coming_init(void);
void ksplice_coming_exit(void);
int ksplice_defer_target(struct ksplice_update *update,
			 struct ksplice_target *target,
			 const struct ksplice_pre *pre, struct module *owner);
int ksplice_defer_new(struct ksplice_update *update,
		      struct ksplice_target *target,
		      const struct ksplice_new *new);
int ksplice_add_fixups(struct ksplice_update *update, const char *text);
unsigned long ksplice_placeholder(void);
unsigned long ksplice_deferred_value(const struct ksplice_symbol *sym);
bool ksplice_target_live(const struct ksplice_target *target);
int ksplice_check_fresh(struct ksplice_update *update);
void ksplice_release_deferred(struct ksplice_update *update);

/* ftrace.c */
bool ksplice_ftrace_traceable(unsigned long addr);
int ksplice_ftrace_prepare(struct ksplice_update *update);
void ksplice_ftrace_release(struct ksplice_update *update);
int ksplice_ftrace_prepare_target(struct ksplice_update *update,
				  struct ksplice_target *target);
void ksplice_ftrace_release_target(struct ksplice_target *target);
void ksplice_ftrace_release_one(struct ksplice_trampoline *t);
bool ksplice_ftrace_ready(const struct ksplice_trampoline *t, bool active);
void ksplice_ftrace_switch(struct ksplice_trampoline *t, bool active);

/* text.c */
int ksplice_text_write(unsigned long addr, const u8 *bytes, size_t len);
void ksplice_text_sync(void);

#endif /* _KSPLICE_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * targets that are not loaded: patched as their module loads.
 *
 * An update may change a module that is not loaded when it is applied. Such
 * a target is deferred: its pre module stays loaded (referenced), and its new
 * module is loaded with the labels of its code bound to a placeholder
 * address, since nothing can be matched yet; ksplice-apply lists the
 * relocation sites that use them in /sys/kernel/ksplice/<id>/fixups. When
 * the module loads (MODULE_STATE_COMING: relocated, read-only, before its
 * init runs), run-pre matching runs against it, the fixup sites are rewritten
 * with the labels' addresses, and the trampolines are written: no task can
 * be running the module's code yet, so neither stop_machine nor the stack
 * check is needed. If the module does not match, it is refused (the load
 * fails), as livepatch does. When it goes (MODULE_STATE_GOING), what matching
 * found is forgotten and it is patched again at its next load.
 *
 * A fresh target (KSPLICE_TARGET_FRESH: its structures change layout, or its
 * __init code) is only ever patched this way: no object of the old layout
 * can exist, its changed __init functions are patched too (their trampolines
 * go with the init text, MODULE_STATE_LIVE), and undo is refused while the
 * module is loaded (its objects have the new layout, its init ran new code).
 *
 * Data rewritten in place (data.c) is matched and written at COMING too,
 * after the trampolines: nothing has read it yet. A deferred target may not
 * carry custom code (hooks): refused (target_not_loaded). Nor may its new
 * code use a static key or static call of the module (the module loader
 * registers the new module's __jump_table and static call sites with the key
 * it is given): ksplice-apply refuses that, but for two kinds bound to
 * disabled stand-ins of the core's own: dynamic-debug callsites (dev_dbg(),
 * pr_debug()), whose debug messages cannot be switched on, and the module's
 * own tracepoints (trace_*()), whose events the new code never emits.
 */
#define pr_fmt(fmt) "ksplice: " fmt

#include <linux/dynamic_debug.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/static_call.h>
#include <linux/string.h>
#include <linux/tracepoint-defs.h>
#include "ksplice.h"

/*
 * The descriptor of the dynamic-debug callsites of a deferred target's new
 * code: its key stays off, and no control file lists it.
 */
static struct _ddebug ksplice_off_ddebug = {
	.modname = "ksplice", .function = "", .filename = "", .format = "",
#ifdef CONFIG_JUMP_LABEL
	.key.dd_key_false = STATIC_KEY_FALSE_INIT,
#endif
};

/*
 * The tracepoint of a deferred target's new code that calls one of the
 * module's own events: its key stays off, so the call is never reached; the
 * module loader turns its static call site into a nop (the key has no
 * function), and the call's trampoline is an empty function.
 */
static struct tracepoint ksplice_off_tracepoint = {
	.name = "ksplice_off",
	.key = STATIC_KEY_INIT_FALSE,
};

static struct static_call_key ksplice_off_call_key;

static noinline void ksplice_off_call(void)
{
}

/* The stand-in of a tracepoint label (see above), or 0. */
static unsigned long off_tracepoint(const char *name)
{
	if (!strncmp(name, "__tracepoint_", 13))
		return (unsigned long)&ksplice_off_tracepoint;
	if (!strncmp(name, "__SCK__tp_func_", 15))
		return (unsigned long)&ksplice_off_call_key;
	if (!strncmp(name, "__SCT__tp_func_", 15) ||
	    !strncmp(name, "__traceiter_", 12))
		return (unsigned long)ksplice_off_call;
	return 0;
}

/*
 * Is value a stand-in? Matching finds the module's own descriptor or
 * tracepoint there, which the new code is not to use.
 */
static bool is_standin(unsigned long value)
{
	return value == (unsigned long)&ksplice_off_ddebug ||
	       value == (unsigned long)&ksplice_off_tracepoint ||
	       value == (unsigned long)&ksplice_off_call_key ||
	       value == (unsigned long)ksplice_off_call;
}

/* The address new code's labels have until their module loads. */
static noinline void ksplice_not_loaded(void)
{
	WARN(1, "ksplice: new code ran before its target module was loaded\n");
}

unsigned long ksplice_placeholder(void)
{
	return (unsigned long)ksplice_not_loaded;
}

struct global_search {
	const char *name;
	unsigned long addr;
};

static bool is_ksplice_module(const struct module *mod)
{
	return mod && !strncmp(mod->name, "ksplice", 7);
}

static int global_cb(void *data, const char *name, struct module *mod,
		     unsigned long addr)
{
	struct global_search *g = data;

	if (strcmp(name, g->name) || is_ksplice_module(mod))
		return 0;
	g->addr = addr;
	return 1;
}

/*
 * The address of a global the kernel has, not counting ksplice's modules: a
 * changed global function of an update has its new code under its own name
 * in the new module, which is not the function (nor is it stable: the new
 * modules load one after the other).
 */
static unsigned long kernel_global(const char *name)
{
	struct global_search g = { .name = name };
	unsigned long addr = ksplice_lookup_name(name);
	bool ours;

	preempt_disable();
	ours = is_ksplice_module(ksplice_kernel.module_address(addr));
	preempt_enable();
	if (!ours)
		return addr;
	if (!ksplice_kernel.kallsyms_on_each_symbol(global_cb, &g))
		ksplice_kernel.module_kallsyms_on_each_symbol(global_cb, &g);
	return g.addr;
}

/*
 * What a deferred target's label is bound to in its new module: a global
 * the running kernel has now (in vmlinux or another module: __fentry__, a
 * non-exported function) its address, a dynamic-debug descriptor the core's
 * disabled one, one of the module's own tracepoints a disabled stand-in,
 * anything else the placeholder, whose sites ksplice-apply lists as fixups.
 */
unsigned long ksplice_deferred_value(const struct ksplice_symbol *sym)
{
	unsigned long addr = 0;

	if (!strncmp(sym->name, "__UNIQUE_ID_ddebug", 18))
		return (unsigned long)&ksplice_off_ddebug;
	if (!strchr(sym->label, '%'))
		addr = kernel_global(sym->name) ?: off_tracepoint(sym->name);
	return addr ?: ksplice_placeholder();
}

/* Is the target's code in the kernel (not deferred, or loaded and patched)? */
bool ksplice_target_live(const struct ksplice_target *target)
{
	return !target->deferred || target->mod;
}

int ksplice_defer_target(struct ksplice_update *update,
			 struct ksplice_target *target,
			 const struct ksplice_pre *pre, struct module *owner)
{
	if (!owner || !try_module_get(owner)) {
		pr_err("Update %s: target module %s is not loaded\n",
		       update->id, target->name);
		update->abort_cause = KSPLICE_TARGET_NOT_LOADED;
		return -ENOENT;
	}
	target->deferred = true;
	target->pre = pre;
	target->pre_owner = owner;
	target->pre_ref = true;
	pr_info("Update %s: module %s is not loaded: it will be patched when it loads\n",
		update->id, target->name);
	return 0;
}

int ksplice_defer_new(struct ksplice_update *update,
		      struct ksplice_target *target,
		      const struct ksplice_new *new)
{
	if (new->nr_hooks) {
		pr_err("Update %s: target module %s is not loaded, and the update carries custom code for it: load it first\n",
		       update->id, target->name);
		update->abort_cause = KSPLICE_TARGET_NOT_LOADED;
		return -ENOENT;
	}
	target->new = new;
	return 0;
}

/* The bytes of fixup f when its label is at value; their count, or < 0. */
static int fixup_bytes(const struct ksplice_fixup *f, unsigned long value,
		       u8 *buf)
{
	s64 v = (s64)(value + f->addend);
	u64 v64 = value + f->addend;
	s32 v32;

	switch (f->type) {
	case 2:		/* R_X86_64_PC32 */
	case 4:		/* R_X86_64_PLT32 */
		v -= (s64)f->site;
		fallthrough;
	case 11:	/* R_X86_64_32S */
		v32 = v;
		if (v32 != v)
			return -ERANGE;
		memcpy(buf, &v32, 4);
		return 4;
	case 1:		/* R_X86_64_64 */
		memcpy(buf, &v64, 8);
		return 8;
	}
	return -EINVAL;
}

/* The label of the target's pre module named label, or NULL. */
static const struct ksplice_symbol *find_symbol_of(struct ksplice_target *t,
						   const char *label)
{
	unsigned int i;

	for (i = 0; i < t->pre->nr_symbols; i++)
		if (!strcmp(t->pre->symbols[i].label, label))
			return &t->pre->symbols[i];
	return NULL;
}

/*
 * Is fixup f's site in the target's new module, and does it hold the value
 * the module loader wrote for the address the label was given?
 */
static bool fixup_ok(const struct ksplice_fixup *f, struct module *new,
		     unsigned long given)
{
	u8 want[8];
	int len = fixup_bytes(f, given, want);

	return len > 0 && within_module(f->site, new) &&
	       within_module(f->site + len - 1, new) &&
	       !memcmp((void *)f->site, want, len);
}

/*
 * One "target label site type addend" line (a site to rewrite when the module
 * loads), or "target label =value" (a label the new module uses where no
 * site may be rewritten, such as its own init code calling __fentry__:
 * matching must resolve it to the value it was given).
 */
static int add_fixup(struct ksplice_update *update, const char *line)
{
	char name[MODULE_NAME_LEN], label[256];
	struct ksplice_fixup f = { 0 }, *fs;
	const struct ksplice_symbol *sym;
	struct ksplice_target *t;

	if (sscanf(line, "%55s %255s =%lx", name, label, &f.site) != 3 &&
	    sscanf(line, "%55s %255s %lx %u %lld", name, label, &f.site, &f.type,
		   &f.addend) != 5)
		return -EINVAL;
	t = ksplice_find_target(update, name);
	sym = t && !ksplice_target_live(t) ? find_symbol_of(t, label) : NULL;
	if (!sym || !t->new_owner)
		return -ENOENT;
	if (f.type && !fixup_ok(&f, t->new_owner, ksplice_deferred_value(sym))) {
		pr_err("Update %s: bad fixup %s at %lx\n", update->id, label,
		       f.site);
		return -EINVAL;
	}
	f.label = kstrdup(label, GFP_KERNEL);
	fs = krealloc(t->fixups, (t->nr_fixups + 1) * sizeof(*fs), GFP_KERNEL);
	if (!f.label || !fs) {
		kfree(f.label);
		return -ENOMEM;
	}
	fs[t->nr_fixups++] = f;
	t->fixups = fs;
	return 0;
}

/* Writes to the fixups file (one or more lines), before apply. */
int ksplice_add_fixups(struct ksplice_update *update, const char *text)
{
	char *copy = kstrdup(text, GFP_KERNEL), *p, *line;
	int ret = 0;

	if (!copy)
		return -ENOMEM;
	if (update->stage != KSPLICE_STAGE_PREPARING)
		ret = -EBUSY;
	for (p = copy; !ret && (line = strsep(&p, "\n"));)
		if (*line)
			ret = add_fixup(update, line);
	kfree(copy);
	return ret;
}

/* Rewrite the fixup sites with the labels matching resolved. */
static int apply_fixups(struct ksplice_update *update,
			struct ksplice_target *target)
{
	unsigned int i;
	u8 buf[8];
	int len;

	for (i = 0; i < target->nr_fixups; i++) {
		const struct ksplice_fixup *f = &target->fixups[i];
		struct ksplice_label *l = ksplice_get_label(target, f->label);

		/* "=value": a check, where matching settled the label */
		if (!f->type && (!l || !l->pinned || l->value == f->site ||
				 is_standin(f->site)))
			continue;
		if (!l || !l->pinned) {
			pr_err("Update %s: %s: label %s is not resolved\n",
			       update->id, target->name, f->label);
			return -ENOENT;
		}
		if (!f->type) {
			pr_err("Update %s: %s: %s is at %lx, not %lx as its new code was told\n",
			       update->id, target->name, f->label, l->value,
			       f->site);
			return -EINVAL;
		}
		len = fixup_bytes(f, l->value, buf);
		if (len < 0) {
			pr_err("Update %s: %s: %s out of range at %pS\n",
			       update->id, target->name, f->label,
			       (void *)f->site);
			return len;
		}
		if (ksplice_text_write(f->site, buf, len))
			return -EIO;
	}
	return 0;
}

/* The post values of a data object matching found in the module. */
static int write_data(const struct ksplice_data_obj *o)
{
	unsigned int k;
	int ret = 0;

	for (k = 0; k < o->nr_fields && !ret; k++)
		ret = ksplice_text_write(o->addr + o->fields[k].offset,
					 o->post + o->fields[k].offset,
					 o->fields[k].len);
	return ret;
}

/*
 * Fixups, then the trampolines and the data: the module's code is not
 * running yet.
 */
static int write_coming(struct ksplice_update *update,
			struct ksplice_target *target)
{
	unsigned int i;
	int ret;

	mutex_lock(ksplice_kernel.text_mutex);
	ret = apply_fixups(update, target);
	for (i = 0; i < target->nr_tramps && !ret; i++) {
		struct ksplice_trampoline *t = &target->tramps[i];

		if (t->func->redirect != KSPLICE_REDIRECT_JMP)
			continue;
		if (memcmp((void *)t->site, t->func->saved, KSPLICE_TRAMP_LEN))
			ret = -EILSEQ;
		else
			ret = ksplice_text_write(t->site, t->tramp,
						 KSPLICE_TRAMP_LEN);
	}
	for (i = 0; i < target->nr_tramps && !ret; i++)
		if (target->tramps[i].func->redirect == KSPLICE_REDIRECT_FTRACE)
			ksplice_ftrace_switch(&target->tramps[i], true);
	for (i = 0; i < target->nr_data && !ret; i++)
		ret = write_data(&target->data[i]);
	mutex_unlock(ksplice_kernel.text_mutex);
	ksplice_text_sync();
	return ret;
}

/* What matching found for a target whose module goes away. */
static void forget_target(struct ksplice_target *target)
{
	unsigned int i;

	for (i = 0; i < target->nr_tramps; i++)
		if (target->tramps[i].ftrace)
			ksplice_ftrace_switch(&target->tramps[i], false);
	ksplice_ftrace_release_target(target);
	ksplice_forget_match(target);
	target->mod = NULL;
}

static int patch_coming(struct ksplice_update *update,
			struct ksplice_target *target, struct module *mod)
{
	const char *cause = update->abort_cause;
	int ret;

	target->mod = mod;
	ret = ksplice_match_pre(update, target, target->pre);
	ret = ret ?: ksplice_make_trampolines(update, target, target->new);
	ret = ret ?: ksplice_bind_data(update, target, target->new,
				       target->new_owner);
	ret = ret ?: ksplice_ftrace_prepare_target(update, target);
	ret = ret ?: write_coming(update, target);
	update->abort_cause = cause;	/* the update itself stays applied */
	if (ret) {
		pr_err("Update %s: module %s does not match the update (%d): it is not loaded\n",
		       update->id, mod->name, ret);
		forget_target(target);
		return ret;
	}
	pr_info("Update %s: module %s patched as it loaded\n", update->id,
		mod->name);
	return 0;
}

static void module_going(struct module *mod)
{
	struct ksplice_update *u;
	struct ksplice_target *t;

	list_for_each_entry(u, &ksplice_updates, list)
		list_for_each_entry(t, &u->targets, list) {
			if (!t->deferred || t->mod != mod)
				continue;
			forget_target(t);
			if (u->stage == KSPLICE_STAGE_APPLIED)
				pr_info("Update %s: module %s unloaded: it will be patched again when it loads\n",
					u->id, mod->name);
		}
}

/*
 * The module's init has run and its init text is about to be freed: the
 * trampolines there (a changed __init function of a fresh target) are gone.
 */
static void module_live(struct module *mod)
{
	struct ksplice_update *u;
	struct ksplice_target *t;
	unsigned int i;

	list_for_each_entry(u, &ksplice_updates, list)
		list_for_each_entry(t, &u->targets, list) {
			if (!t->deferred || t->mod != mod)
				continue;
			for (i = 0; i < t->nr_tramps; i++) {
				struct ksplice_trampoline *tr = &t->tramps[i];

				if (!within_module_init(tr->func->addr, mod))
					continue;
				if (tr->ftrace)
					ksplice_ftrace_switch(tr, false);
				ksplice_ftrace_release_one(tr);
				tr->site = 0;
				tr->func->addr = 0;
				tr->func->size = 0;
			}
		}
}

static int module_coming(struct module *mod)
{
	struct ksplice_update *u;
	struct ksplice_target *t;
	int ret;

	list_for_each_entry(u, &ksplice_updates, list)
		list_for_each_entry(t, &u->targets, list) {
			if (!t->deferred || t->mod || strcmp(t->name, mod->name))
				continue;
			if (u->stage == KSPLICE_STAGE_PREPARING) {
				pr_err("Update %s: module %s loaded while the update was prepared: apply it again\n",
				       u->id, mod->name);
				u->abort_cause = KSPLICE_UNEXPECTED;
				continue;
			}
			if (u->stage != KSPLICE_STAGE_APPLIED)
				continue;
			ret = patch_coming(u, t, mod);
			if (ret) {
				module_going(mod);	/* the load fails */
				return ret;
			}
		}
	return 0;
}

static int ksplice_module_notify(struct notifier_block *nb,
				 unsigned long action, void *data)
{
	int ret = 0;

	mutex_lock(&ksplice_mutex);
	if (action == MODULE_STATE_COMING)
		ret = module_coming(data);
	else if (action == MODULE_STATE_LIVE)
		module_live(data);
	else if (action == MODULE_STATE_GOING)
		module_going(data);
	mutex_unlock(&ksplice_mutex);
	return notifier_from_errno(ret);
}

/* Last on COMING: the kernel's own notifiers have set the module's text up. */
static struct notifier_block ksplice_module_nb = {
	.notifier_call = ksplice_module_notify,
	.priority = INT_MIN,
};

/* Before undo: a fresh target's objects have the new layout now. */
int ksplice_check_fresh(struct ksplice_update *update)
{
	struct ksplice_target *t;

	list_for_each_entry(t, &update->targets, list) {
		if (!t->fresh || !t->mod)
			continue;
		pr_err("Update %s: module %s was patched as it loaded (the update changes its layouts or its init code): unload it, then undo the update\n",
		       update->id, t->name);
		update->abort_cause = KSPLICE_TARGET_LOADED;
		return -EBUSY;
	}
	return 0;
}

/* After undo or at cleanup: the deferred targets' pre modules may go. */
void ksplice_release_deferred(struct ksplice_update *update)
{
	struct ksplice_target *t;

	list_for_each_entry(t, &update->targets, list) {
		if (t->pre_ref)
			module_put(t->pre_owner);
		t->pre_ref = false;
	}
}

int ksplice_coming_init(void)
{
	return register_module_notifier(&ksplice_module_nb);
}

void ksplice_coming_exit(void)
{
	unregister_module_notifier(&ksplice_module_nb);
}

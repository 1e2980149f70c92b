// SPDX-License-Identifier: GPL-2.0
/*
 * the ksplice core module: registration of the update modules and the
 * life of an update object.
 *
 * ksplice_register_pre() (from a pre module's init) creates the update
 * /sys/kernel/ksplice/<id>/ if needed, finds the target, runs run-pre
 * matching and resolves every label; it copies everything it needs, so the
 * pre module can be unloaded afterwards. On failure the update stays, in
 * stage "preparing" with its abort_cause, until "cleanup" is written.
 * ksplice_register_new() (from a new module's init) records the trampolines
 * from each replaced function to its new code (a jmp, or the ftrace redirect
 * of ftrace.c where match.c chose it). Writing "applied",
 * "reversed" or "cleanup" to the stage file drives the rest (patch.c).
 */
#define pr_fmt(fmt) "ksplice: " fmt

#include <linux/ctype.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "custom.h"

DEFINE_MUTEX(ksplice_mutex);
LIST_HEAD(ksplice_updates);

static bool valid_id(const char *id)
{
	int i;

	if (!id)
		return false;
	for (i = 0; id[i]; i++)
		if (i >= KSPLICE_ID_LEN || !(islower(id[i]) || isdigit(id[i])))
			return false;
	return i > 0;
}

struct ksplice_update *ksplice_find_update(const char *id)
{
	struct ksplice_update *u;

	list_for_each_entry(u, &ksplice_updates, list)
		if (!strcmp(u->id, id))
			return u;
	return NULL;
}

struct ksplice_target *ksplice_find_target(struct ksplice_update *update,
					   const char *name)
{
	struct ksplice_target *t;

	list_for_each_entry(t, &update->targets, list)
		if (!strcmp(t->name, name))
			return t;
	return NULL;
}

static bool attached(struct ksplice_update *update)
{
	struct ksplice_target *t;

	list_for_each_entry(t, &update->targets, list)
		if (t->pre_owner || t->new_owner)
			return true;
	return false;
}

static struct ksplice_update *new_update(const char *id)
{
	struct ksplice_update *update = kzalloc(sizeof(*update), GFP_KERNEL);

	if (!update)
		return NULL;
	strscpy(update->id, id, sizeof(update->id));
	update->stage = KSPLICE_STAGE_PREPARING;
	update->abort_cause = KSPLICE_OK;
	INIT_LIST_HEAD(&update->targets);
	update->conflicts = kzalloc(PAGE_SIZE, GFP_KERNEL);
	if (!update->conflicts || ksplice_sysfs_add(update)) {
		kfree(update->conflicts);
		kfree(update);
		return NULL;
	}
	list_add_tail(&update->list, &ksplice_updates);
	return update;
}

/* Free what matching found (and the trampolines made from it). */
void ksplice_forget_match(struct ksplice_target *target)
{
	unsigned int i;

	for (i = 0; i < target->nr_labels; i++) {
		kfree(target->labels[i].label);
		kfree(target->labels[i].name);
		kfree(target->labels[i].cands);
	}
	kfree(target->labels);
	target->labels = NULL;
	target->nr_labels = 0;
	ksplice_free_data(target);
	kfree(target->funcs);
	target->funcs = NULL;
	target->nr_funcs = 0;
	kfree(target->tramps);
	target->tramps = NULL;
	target->nr_tramps = 0;
}

void ksplice_free_target(struct ksplice_target *target)
{
	unsigned int i;

	ksplice_forget_match(target);
	for (i = 0; i < target->nr_fixups; i++)
		kfree(target->fixups[i].label);
	kfree(target->fixups);
	if (target->mod && !target->deferred)
		module_put(target->mod);
	if (target->pre_ref)
		module_put(target->pre_owner);
	kfree(target);
}

/* Remove an update that is not applied (caller holds ksplice_mutex). */
void ksplice_cleanup_update(struct ksplice_update *update)
{
	list_del(&update->list);
	update->dead = true;
	ksplice_sysfs_del(update);	/* frees it when the last user goes */
}

struct find_mod {
	const char *name;
	struct module *mod;
};

static int find_mod_cb(void *data, const char *name, struct module *mod,
		       unsigned long addr)
{
	struct find_mod *f = data;

	if (!mod || strcmp(mod->name, f->name))
		return 0;
	if (try_module_get(mod))
		f->mod = mod;
	return 1;
}

/* Reference the target module; -ENOENT if it is not loaded. */
static int get_target(struct ksplice_target *target)
{
	struct find_mod f = { .name = target->name };

	if (!strcmp(target->name, "vmlinux"))
		return 0;
	ksplice_kernel.module_kallsyms_on_each_symbol(find_mod_cb, &f);
	if (!f.mod)
		return -ENOENT;
	target->mod = f.mod;
	return 0;
}

/* The update for a new pre module; an old failed or reversed one is replaced. */
static struct ksplice_update *update_for_pre(const struct ksplice_pre *pre)
{
	struct ksplice_update *update = ksplice_find_update(pre->id);

	if (update && update->stage == KSPLICE_STAGE_APPLIED) {
		pr_err("Update %s is already applied\n", pre->id);
		return ERR_PTR(-EEXIST);
	}
	if (update && (update->stage == KSPLICE_STAGE_REVERSED ||
		       strcmp(update->abort_cause, KSPLICE_OK))) {
		if (attached(update)) {
			pr_err("Update %s: modules of an earlier attempt are still loaded\n",
			       pre->id);
			return ERR_PTR(-EBUSY);
		}
		ksplice_cleanup_update(update);
		update = NULL;
	}
	if (update && ksplice_find_target(update, pre->target)) {
		pr_err("Update %s: a pre module for %s is already loaded\n",
		       pre->id, pre->target);
		return ERR_PTR(-EEXIST);
	}
	if (!update)
		update = new_update(pre->id);
	return update ?: ERR_PTR(-ENOMEM);
}

static int register_pre_locked(const struct ksplice_pre *pre,
			       struct module *owner)
{
	struct ksplice_update *update;
	struct ksplice_target *target;
	int ret;

	update = update_for_pre(pre);
	if (IS_ERR(update))
		return PTR_ERR(update);
	target = kzalloc(sizeof(*target), GFP_KERNEL);
	if (!target) {
		update->abort_cause = KSPLICE_OUT_OF_MEMORY;
		return -ENOMEM;
	}
	strscpy(target->name, pre->target, sizeof(target->name));
	target->fresh = pre->flags & KSPLICE_TARGET_FRESH;
	ret = get_target(target);
	if (!ret && target->fresh) {
		pr_err("Update %s: module %s is loaded, and the update changes the layout of structures only its code uses: unload it, then apply the update\n",
		       update->id, target->name);
		update->abort_cause = KSPLICE_TARGET_LOADED;
		ret = -EBUSY;
		goto fail;
	}
	if (ret)
		ret = ksplice_defer_target(update, target, pre, owner);
	if (ret)
		goto fail;
	if (!update->description && pre->description) {
		update->description = kstrdup(pre->description, GFP_KERNEL);
		if (update->description)
			strim(update->description);
	}
	if (!target->deferred)
		ret = ksplice_match_pre(update, target, pre);
	if (ret)
		goto fail;
	target->pre_owner = owner;
	list_add_tail(&target->list, &update->targets);
	return 0;
fail:
	ksplice_free_target(target);
	return ret;
}

int ksplice_register_pre(const struct ksplice_pre *pre, struct module *owner)
{
	int ret;

	if (!pre || pre->abi_version != KSPLICE_ABI_VERSION) {
		pr_err("pre module %s: unsupported ABI version %u (want %u)\n",
		       owner ? owner->name : "?", pre ? pre->abi_version : 0,
		       KSPLICE_ABI_VERSION);
		return -EINVAL;
	}
	if (!valid_id(pre->id) || !pre->target || !*pre->target ||
	    strlen(pre->target) >= MODULE_NAME_LEN) {
		pr_err("pre module %s: bad id or target\n",
		       owner ? owner->name : "?");
		return -EINVAL;
	}
	mutex_lock(&ksplice_mutex);
	ret = register_pre_locked(pre, owner);
	mutex_unlock(&ksplice_mutex);
	return ret;
}
EXPORT_SYMBOL_GPL(ksplice_register_pre);

void ksplice_unregister_pre(const struct ksplice_pre *pre)
{
	struct ksplice_update *update;
	struct ksplice_target *target;

	mutex_lock(&ksplice_mutex);
	update = ksplice_find_update(pre->id);
	target = update ? ksplice_find_target(update, pre->target) : NULL;
	if (target)
		target->pre_owner = NULL;
	mutex_unlock(&ksplice_mutex);
}
EXPORT_SYMBOL_GPL(ksplice_unregister_pre);

static struct ksplice_func *find_func(struct ksplice_target *target,
				      const char *label)
{
	unsigned int i;

	for (i = 0; i < target->nr_funcs; i++)
		if ((target->funcs[i].flags & KSPLICE_PRE_REPLACE) &&
		    !strcmp(target->funcs[i].label, label))
			return &target->funcs[i];
	return NULL;
}

int ksplice_make_trampolines(struct ksplice_update *update,
			     struct ksplice_target *target,
			     const struct ksplice_new *new)
{
	unsigned int i;

	target->tramps = kcalloc(new->nr_patches, sizeof(*target->tramps),
				 GFP_KERNEL);
	if (!target->tramps)
		return -ENOMEM;
	for (i = 0; i < new->nr_patches; i++) {
		const struct ksplice_patch *p = &new->patches[i];
		struct ksplice_trampoline *t = &target->tramps[i];
		s64 rel;
		s32 rel32;

		t->func = p->label ? find_func(target, p->label) : NULL;
		if (!t->func) {
			pr_err("Update %s: new code for %s, which the pre module does not replace\n",
			       update->id, p->label ?: "(null)");
			return -EINVAL;
		}
		t->update = update;
		t->new_addr = (unsigned long)p->new_addr;
		t->new_size = p->new_size;
		if (!t->new_size) {
			unsigned long size = 0, off;

			ksplice_kernel.kallsyms_lookup_size_offset(t->new_addr,
								   &size, &off);
			t->new_size = size;
		}
		if (t->func->redirect == KSPLICE_REDIRECT_FTRACE) {
			t->site = t->func->addr;	/* its fentry call */
			continue;
		}
		t->site = t->func->addr + t->func->tramp_off;
		rel = (s64)(t->new_addr - (t->site + KSPLICE_TRAMP_LEN));
		rel32 = rel;
		if (rel32 != rel) {
			pr_err("Update %s: %s: new code out of jmp range\n",
			       update->id, p->label);
			return -ERANGE;
		}
		t->tramp[0] = 0xe9;
		memcpy(t->tramp + 1, &rel32, sizeof(rel32));
	}
	target->nr_tramps = new->nr_patches;
	return 0;
}

int ksplice_register_new(const struct ksplice_new *new, struct module *owner)
{
	struct ksplice_update *update;
	struct ksplice_target *target = NULL;
	int ret = -ENOENT;

	if (!new || new->abi_version != KSPLICE_ABI_VERSION || !new->id ||
	    !new->target)
		return -EINVAL;
	mutex_lock(&ksplice_mutex);
	update = ksplice_find_update(new->id);
	if (update)
		target = ksplice_find_target(update, new->target);
	if (!target) {
		pr_err("Update %s: new code for %s but no pre module matched it\n",
		       new->id, new->target);
		goto out;
	}
	ret = -EBUSY;
	if (update->stage != KSPLICE_STAGE_PREPARING || target->new_owner ||
	    strcmp(update->abort_cause, KSPLICE_OK))
		goto out;
	if (target->deferred) {
		ret = ksplice_defer_new(update, target, new);
		goto bound;
	}
	ret = ksplice_make_trampolines(update, target, new);
	if (!ret)
		ret = ksplice_bind_data(update, target, new, owner);
	if (!ret)
		ret = ksplice_hooks_register(update, target, new, owner);
bound:
	if (ret) {
		ksplice_unbind_data(target);
		kfree(target->tramps);
		target->tramps = NULL;
		target->nr_tramps = 0;
		if (!strcmp(update->abort_cause, KSPLICE_OK))
			update->abort_cause = ret == -ENOMEM ?
					      KSPLICE_OUT_OF_MEMORY :
					      KSPLICE_UNEXPECTED;
		goto out;
	}
	target->new_owner = owner;
out:
	mutex_unlock(&ksplice_mutex);
	return ret;
}
EXPORT_SYMBOL_GPL(ksplice_register_new);

void ksplice_unregister_new(const struct ksplice_new *new)
{
	struct ksplice_update *update;
	struct ksplice_target *target;

	mutex_lock(&ksplice_mutex);
	update = ksplice_find_update(new->id);
	target = update ? ksplice_find_target(update, new->target) : NULL;
	if (target && target->new_owner) {
		/* we hold a reference while applied: cannot happen then */
		WARN_ON(target->new_ref);
		ksplice_hooks_unregister(target);
		ksplice_unbind_data(target);
		target->new_owner = NULL;
		target->new = NULL;
		kfree(target->tramps);
		target->tramps = NULL;
		target->nr_tramps = 0;
	}
	mutex_unlock(&ksplice_mutex);
}
EXPORT_SYMBOL_GPL(ksplice_unregister_new);

static int __init ksplice_init(void)
{
	int ret = ksplice_symbols_init();

	ret = ret ?: ksplice_sysfs_init();
	if (ret)
		return ret;
	ret = ksplice_coming_init();
	if (ret)
		ksplice_sysfs_exit();
	return ret;
}

static void __exit ksplice_exit(void)
{
	struct ksplice_update *u, *tmp;

	ksplice_coming_exit();
	mutex_lock(&ksplice_mutex);
	list_for_each_entry_safe(u, tmp, &ksplice_updates, list)
		ksplice_cleanup_update(u);
	mutex_unlock(&ksplice_mutex);
	ksplice_sysfs_exit();
	ksplice_shadow_exit();
}

module_init(ksplice_init);
module_exit(ksplice_exit);
MODULE_DESCRIPTION("ksplice: rebootless kernel updates (core)");
MODULE_LICENSE("GPL");

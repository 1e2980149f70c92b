// SPDX-License-Identifier: GPL-2.0
/*
 * the hooks of ksplice-patch.h: custom code an update runs around its
 * apply and its undo.
 *
 * A new module lists its hooks in its ksplice_new table (kind, name,
 * function); ksplice_register_new() records them per target. patch.c calls
 * them with the semantics of the original Ksplice:
 *
 *   pre_*    before stop_machine; a non-zero result vetoes (call_failed)
 *   check_*  inside stop_machine after the stack check, before any
 *            trampoline is touched; a non-zero result vetoes (call_failed)
 *   apply / reverse   inside stop_machine, after the trampolines
 *   post_*   after stop_machine, on success
 *   fail_*   on any failure after the pre hooks ran
 *
 * Hooks of every target run, targets in registration order, each target's
 * hooks in table order. /sys/kernel/ksplice/<id>/hooks lists them as
 * "target kind name" lines (ksplice-view --id shows them).
 */
#define pr_fmt(fmt) "ksplice: " fmt

#include <linux/kobject.h>
#include <linux/sysfs.h>
#include "custom.h"

static const char * const hook_kinds[KSPLICE_NR_HOOK_KINDS] = {
	[KSPLICE_HOOK_PRE_APPLY] = "pre_apply",
	[KSPLICE_HOOK_CHECK_APPLY] = "check_apply",
	[KSPLICE_HOOK_APPLY] = "apply",
	[KSPLICE_HOOK_POST_APPLY] = "post_apply",
	[KSPLICE_HOOK_FAIL_APPLY] = "fail_apply",
	[KSPLICE_HOOK_PRE_REVERSE] = "pre_reverse",
	[KSPLICE_HOOK_CHECK_REVERSE] = "check_reverse",
	[KSPLICE_HOOK_REVERSE] = "reverse",
	[KSPLICE_HOOK_POST_REVERSE] = "post_reverse",
	[KSPLICE_HOOK_FAIL_REVERSE] = "fail_reverse",
};

static ssize_t hooks_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	struct ksplice_update *update = container_of(kobj, struct ksplice_update,
						     kobj);
	struct ksplice_target *target;
	unsigned int i;
	ssize_t n = 0;

	mutex_lock(&ksplice_mutex);
	list_for_each_entry(target, &update->targets, list)
		for (i = 0; i < target->nr_hooks; i++)
			n += sysfs_emit_at(buf, n, "%s %s %s\n", target->name,
					   hook_kinds[target->hooks[i].kind],
					   target->hooks[i].name ?: "?");
	mutex_unlock(&ksplice_mutex);
	return n;
}

static struct kobj_attribute hooks_attr = __ATTR_RO(hooks);

int ksplice_hooks_register(struct ksplice_update *update,
			   struct ksplice_target *target,
			   const struct ksplice_new *new, struct module *owner)
{
	struct kernfs_node *kn;
	unsigned int i;
	int ret;

	for (i = 0; i < new->nr_hooks; i++)
		if (new->hooks[i].kind >= KSPLICE_NR_HOOK_KINDS ||
		    !new->hooks[i].fn) {
			pr_err("Update %s: bad hook %u in the new code of %s\n",
			       update->id, i, target->name);
			return -EINVAL;
		}
	kn = sysfs_get_dirent(update->kobj.sd, hooks_attr.attr.name);
	if (kn) {
		sysfs_put(kn);	/* another target made it */
	} else {
		ret = sysfs_create_file(&update->kobj, &hooks_attr.attr);
		if (ret)
			return ret;
	}
	target->hooks = new->nr_hooks ? new->hooks : NULL;
	target->nr_hooks = new->nr_hooks;
	if (owner)
		ksplice_shadow_add_owner(owner);
	return 0;
}

/* The new module goes: its hooks and its shadows go with it. */
void ksplice_hooks_unregister(struct ksplice_target *target)
{
	if (target->new_owner)
		ksplice_shadow_free_owner(target->new_owner, true);
	target->hooks = NULL;
	target->nr_hooks = 0;
}

int ksplice_call_int_hooks(struct ksplice_update *update, u32 kind)
{
	struct ksplice_target *target;
	unsigned int i;
	int ret;

	list_for_each_entry(target, &update->targets, list)
		for (i = 0; i < target->nr_hooks; i++) {
			const struct ksplice_hook *h = &target->hooks[i];
			int (*fn)(void) = h->fn;

			if (h->kind != kind)
				continue;
			ret = fn();
			if (ret) {
				pr_err("Update %s: %s hook %s failed (%d)\n",
				       update->id, hook_kinds[kind],
				       h->name ?: "?", ret);
				return ret;
			}
		}
	return 0;
}

void ksplice_call_void_hooks(struct ksplice_update *update, u32 kind)
{
	struct ksplice_target *target;
	unsigned int i;

	list_for_each_entry(target, &update->targets, list)
		for (i = 0; i < target->nr_hooks; i++) {
			const struct ksplice_hook *h = &target->hooks[i];
			void (*fn)(void) = h->fn;

			if (h->kind == kind)
				fn();
		}
}

void ksplice_hooks_free_shadows(struct ksplice_update *update)
{
	struct ksplice_target *target;

	list_for_each_entry(target, &update->targets, list)
		if (target->new_owner)
			ksplice_shadow_free_owner(target->new_owner, false);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/ksplice/<id>/
 *
 *  stage        preparing | applied | reversed; write "applied", "reversed"
 *               or "cleanup" (removes an update that is not applied)
 *  abort_cause  ok, or why the last step failed (no_match, code_busy, ...)
 *  conflicts    after code_busy: lines "comm pid symbol"
 *  description  the update's description
 *  targets      lines "target new_module" (new_module "-" if none loaded)
 *  symbols      (root only) lines "label address", every resolved label,
 *               then the global functions of the new modules loaded so far
 *               (a later target's new code may call a function an earlier
 *               target's fix adds: sr_mod's sr_probe, cdrom's new
 *               cdrom_probe_write_features)
 *  timing       the last apply/reverse: tries, stop_machine_ns (the whole
 *               call), stopped_ns (with every CPU stopped)
 */
#define pr_fmt(fmt) "ksplice: " fmt

#include <linux/kobject.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include "ksplice.h"

static struct kobject *ksplice_kobj;
static struct workqueue_struct *ksplice_wq;

#define to_update(k) container_of(k, struct ksplice_update, kobj)

static const char *const stage_names[] = {
	[KSPLICE_STAGE_PREPARING] = "preparing",
	[KSPLICE_STAGE_APPLIED] = "applied",
	[KSPLICE_STAGE_REVERSED] = "reversed",
};

static ssize_t stage_show(struct kobject *kobj, struct kobj_attribute *attr,
			  char *buf)
{
	struct ksplice_update *update = to_update(kobj);
	ssize_t n;

	mutex_lock(&ksplice_mutex);
	n = sysfs_emit(buf, "%s\n", stage_names[update->stage]);
	mutex_unlock(&ksplice_mutex);
	return n;
}

static void cleanup_work(struct work_struct *work)
{
	ksplice_sysfs_del(container_of(work, struct ksplice_update,
				       cleanup_work));
}

static int stage_cleanup(struct ksplice_update *update)
{
	if (update->stage == KSPLICE_STAGE_APPLIED)
		return -EBUSY;
	ksplice_release_deferred(update);	/* its pre modules may go now */
	/* a kobject cannot remove itself from its own store method */
	list_del(&update->list);
	update->dead = true;
	INIT_WORK(&update->cleanup_work, cleanup_work);
	queue_work(ksplice_wq, &update->cleanup_work);
	return 0;
}

static ssize_t stage_store(struct kobject *kobj, struct kobj_attribute *attr,
			   const char *buf, size_t count)
{
	struct ksplice_update *update = to_update(kobj);
	int ret;

	mutex_lock(&ksplice_mutex);
	if (update->dead)
		ret = -ENOENT;
	else if (sysfs_streq(buf, "applied"))
		ret = ksplice_apply_update(update);
	else if (sysfs_streq(buf, "reversed"))
		ret = ksplice_reverse_update(update);
	else if (sysfs_streq(buf, "cleanup"))
		ret = stage_cleanup(update);
	else
		ret = -EINVAL;
	mutex_unlock(&ksplice_mutex);
	return ret ?: count;
}

static ssize_t abort_cause_show(struct kobject *kobj,
				struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n", READ_ONCE(to_update(kobj)->abort_cause));
}

static ssize_t conflicts_show(struct kobject *kobj,
			      struct kobj_attribute *attr, char *buf)
{
	struct ksplice_update *update = to_update(kobj);
	ssize_t n;

	mutex_lock(&ksplice_mutex);
	n = sysfs_emit(buf, "%s", update->conflicts);
	mutex_unlock(&ksplice_mutex);
	return n;
}

static ssize_t description_show(struct kobject *kobj,
				struct kobj_attribute *attr, char *buf)
{
	const char *d = to_update(kobj)->description;

	return sysfs_emit(buf, "%s\n", d ?: "");
}

static ssize_t targets_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	struct ksplice_update *update = to_update(kobj);
	struct ksplice_target *t;
	ssize_t n = 0;

	mutex_lock(&ksplice_mutex);
	list_for_each_entry(t, &update->targets, list)
		n += sysfs_emit_at(buf, n, "%s %s %s\n", t->name,
				   t->new_owner ? t->new_owner->name : "-",
				   !t->deferred ? "loaded" :
				   t->mod ? "patched-at-load" : "pending");
	mutex_unlock(&ksplice_mutex);
	return n;
}

static ssize_t timing_show(struct kobject *kobj, struct kobj_attribute *attr,
			   char *buf)
{
	struct ksplice_update *update = to_update(kobj);
	ssize_t n;

	mutex_lock(&ksplice_mutex);
	n = sysfs_emit(buf, "tries %u\nstop_machine_ns %llu\nstopped_ns %llu\n",
		       update->tries, update->stop_machine_ns,
		       update->stopped_ns);
	mutex_unlock(&ksplice_mutex);
	return n;
}

/* "target label site type addend" lines (ksplice-apply): see coming.c */
static ssize_t fixups_store(struct kobject *kobj, struct kobj_attribute *attr,
			    const char *buf, size_t count)
{
	struct ksplice_update *update = to_update(kobj);
	int ret;

	mutex_lock(&ksplice_mutex);
	ret = update->dead ? -ENOENT : ksplice_add_fixups(update, buf);
	mutex_unlock(&ksplice_mutex);
	return ret ?: count;
}

static struct kobj_attribute stage_attr = __ATTR_RW_MODE(stage, 0600);
static struct kobj_attribute fixups_attr = __ATTR_WO(fixups);
static struct kobj_attribute abort_cause_attr = __ATTR_RO(abort_cause);
static struct kobj_attribute conflicts_attr = __ATTR_RO(conflicts);
static struct kobj_attribute description_attr = __ATTR_RO(description);
static struct kobj_attribute targets_attr = __ATTR_RO(targets);
static struct kobj_attribute timing_attr = __ATTR_RO(timing);

/*
 * "name address" lines of the global functions of a new module, but its init
 * and exit and the aliases of its replacements. (Module kallsyms types are
 * lower case, 'T' is for exported symbols only: the binding says global.)
 */
static size_t format_module_functions(struct module *mod, char *buf,
				      size_t size, size_t n)
{
	struct mod_kallsyms *ks;
	unsigned int i;

	preempt_disable();
	ks = rcu_dereference_sched(mod->kallsyms);
	for (i = 0; i < ks->num_symtab; i++) {
		const char *name = ks->strtab + ks->symtab[i].st_name;

		if (ks->typetab[i] != 't' ||
		    ELF_ST_BIND(ks->symtab[i].st_info) != STB_GLOBAL ||
		    !strncmp(name, "__ksplice", 9) ||
		    !strcmp(name, "init_module") ||
		    !strcmp(name, "cleanup_module"))
			continue;
		n += snprintf(buf ? buf + n : NULL, buf ? size - n : 0,
			      "%s 0x%lx\n", name,
			      (unsigned long)ks->symtab[i].st_value);
	}
	preempt_enable();
	return n;
}

/*
 * A deferred target's labels (coming.c), after a "%placeholder ADDRESS" line,
 * each "label address deferred" (the placeholder for those only the module
 * will have): ksplice-apply lists their sites.
 */
static size_t format_deferred(struct ksplice_update *update, char *buf,
			      size_t size, size_t n)
{
	struct ksplice_target *t;
	unsigned long at = ksplice_placeholder();
	bool first = true;
	unsigned int i;

	list_for_each_entry(t, &update->targets, list) {
		if (ksplice_target_live(t) || !t->pre)
			continue;
		if (first)
			n += snprintf(buf ? buf + n : NULL, buf ? size - n : 0,
				      "%%placeholder 0x%lx\n", at);
		first = false;
		for (i = 0; i < t->pre->nr_symbols; i++)
			n += snprintf(buf ? buf + n : NULL, buf ? size - n : 0,
				      "%s 0x%lx deferred\n",
				      t->pre->symbols[i].label,
				      ksplice_deferred_value(&t->pre->symbols[i]));
	}
	return n;
}

/* The lines of the symbols file, into buf (NULL: measure). */
static size_t format_symbols(struct ksplice_update *update, char *buf,
			     size_t size)
{
	struct ksplice_target *t;
	size_t n = 0;
	unsigned int i;

	list_for_each_entry(t, &update->targets, list) {
		for (i = 0; i < t->nr_labels; i++) {
			const struct ksplice_label *l = &t->labels[i];

			if (!l->pinned)
				continue;
			n += snprintf(buf ? buf + n : NULL, buf ? size - n : 0,
				      "%s 0x%lx\n", l->label, l->value);
		}
	}
	n = format_deferred(update, buf, size, n);
	list_for_each_entry(t, &update->targets, list)
		if (t->new_owner)
			n = format_module_functions(t->new_owner, buf, size, n);
	return n;
}

static ssize_t symbols_read(struct file *file, struct kobject *kobj,
			    struct bin_attribute *attr, char *buf,
			    loff_t off, size_t count)
{
	struct ksplice_update *update = to_update(kobj);
	size_t size;
	char *text;
	ssize_t ret = 0;

	mutex_lock(&ksplice_mutex);
	size = format_symbols(update, NULL, 0) + 1;
	text = kvmalloc(size, GFP_KERNEL);
	if (!text) {
		ret = -ENOMEM;
		goto out;
	}
	size = format_symbols(update, text, size);
	if (off < size) {
		ret = min_t(size_t, count, size - off);
		memcpy(buf, text + off, ret);
	}
	kvfree(text);
out:
	mutex_unlock(&ksplice_mutex);
	return ret;
}

static struct bin_attribute symbols_attr = {
	.attr = { .name = "symbols", .mode = 0400 },
	.read = symbols_read,
};

static struct attribute *update_attrs[] = {
	&stage_attr.attr,
	&abort_cause_attr.attr,
	&conflicts_attr.attr,
	&description_attr.attr,
	&targets_attr.attr,
	&timing_attr.attr,
	&fixups_attr.attr,
	NULL,
};

static struct bin_attribute *update_bin_attrs[] = {
	&symbols_attr,
	NULL,
};

static const struct attribute_group update_group = {
	.attrs = update_attrs,
	.bin_attrs = update_bin_attrs,
};

static const struct attribute_group *update_groups[] = {
	&update_group,
	NULL,
};

static void update_release(struct kobject *kobj)
{
	struct ksplice_update *update = to_update(kobj);
	struct ksplice_target *t, *tmp;

	list_for_each_entry_safe(t, tmp, &update->targets, list)
		ksplice_free_target(t);
	kfree(update->description);
	kfree(update->conflicts);
	kfree(update);
}

static struct kobj_type update_ktype = {
	.release = update_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = update_groups,
};

int ksplice_sysfs_add(struct ksplice_update *update)
{
	int ret;

	/* an earlier update of this id may still be going away */
	flush_workqueue(ksplice_wq);
	kobject_init(&update->kobj, &update_ktype);
	ret = kobject_add(&update->kobj, ksplice_kobj, "%s", update->id);
	return ret;	/* on failure the caller frees what it allocated */
}

void ksplice_sysfs_del(struct ksplice_update *update)
{
	kobject_del(&update->kobj);
	kobject_put(&update->kobj);
}

int ksplice_sysfs_init(void)
{
	ksplice_wq = alloc_workqueue("ksplice", 0, 0);
	if (!ksplice_wq)
		return -ENOMEM;
	ksplice_kobj = kobject_create_and_add("ksplice", kernel_kobj);
	if (!ksplice_kobj) {
		destroy_workqueue(ksplice_wq);
		return -ENOMEM;
	}
	return 0;
}

void ksplice_sysfs_exit(void)
{
	destroy_workqueue(ksplice_wq);
	kobject_put(ksplice_kobj);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * data objects an update rewrites in place (packager/inplace.h): a callback
 * an ops table gains, a constant's changed value.
 *
 * Match (with the pre module): among the addresses kallsyms has for the
 * object's name, exactly one must hold the pre build's value in every field
 * the update changes (a pointer field: an address of the label the pre build
 * names). That running value is saved.
 *
 * Apply, with every CPU stopped: every field must still hold the saved value;
 * then the post copy's value (the new module's, relocated by the module
 * loader) is written through a writable alias of the page, mapped with vmap()
 * before stop_machine, so read-only data (.rodata, ro_after_init) is written
 * without touching the kernel's page protections (Ksplice's way; never CR0.WP).
 * Reverse: every field must hold the post value; the saved one goes back.
 *
 * A pointer field may point into the new module (a new callback, a string).
 * On reverse the stack check therefore covers the new module's whole text
 * (patch.c asks ksplice_data_in_new_text()), and after it
 * synchronize_rcu_tasks() waits for every task to pass a voluntary context
 * switch, so none is between loading such a pointer and using it. The kernel
 * may also have copied the pointer elsewhere while the update was applied,
 * which no check can see: so that copy cannot dangle, that new module is
 * never unloaded (ksplice_data_keep_new() keeps its reference).
 */
#define pr_fmt(fmt) "ksplice: " fmt

#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include "ksplice.h"

static struct ksplice_data_obj *find_obj(struct ksplice_target *target,
					 const char *label)
{
	unsigned int i;

	for (i = 0; i < target->nr_data; i++)
		if (!strcmp(target->data[i].label, label))
			return &target->data[i];
	return NULL;
}

/* Does the running field at addr hold the pre build's value? */
static bool holds_pre(struct ksplice_target *target,
		      const struct ksplice_data_field *f, unsigned long addr)
{
	const struct ksplice_label *l;
	unsigned long value;

	if (!f->pre_label)
		return !memcmp((void *)addr + f->offset, f->pre, f->len);
	if (f->len != sizeof(value))
		return false;
	memcpy(&value, (void *)addr + f->offset, sizeof(value));
	l = ksplice_get_label(target, f->pre_label);
	return l && ksplice_label_has(l, value - f->pre_addend);
}

static bool holds_all_pre(struct ksplice_target *target,
			  const struct ksplice_pre_data *pd, unsigned long addr,
			  u32 *bad)
{
	unsigned int k;

	for (k = 0; k < pd->nr_fields; k++) {
		if (!holds_pre(target, &pd->fields[k], addr)) {
			*bad = pd->fields[k].offset;
			return false;
		}
	}
	return true;
}

/* The one running copy of pd, or 0 with the abort cause set. */
static unsigned long find_running(struct ksplice_update *update,
				  struct ksplice_target *target,
				  const struct ksplice_pre_data *pd)
{
	const struct ksplice_label *l = ksplice_get_label(target, pd->label);
	unsigned long found = 0;
	unsigned int i, n, survivors = 0;
	u32 bad = 0;

	n = !l ? 0 : l->pinned ? 1 : l->nr_cands;
	for (i = 0; i < n; i++) {
		unsigned long addr = l->pinned ? l->value : l->cands[i];

		if (holds_all_pre(target, pd, addr, &bad)) {
			found = addr;
			survivors++;
		}
	}
	if (survivors == 1)
		return found;
	if (!n) {
		pr_err("Update %s: data %s not found in %s\n", update->id,
		       pd->name, target->name);
		update->abort_cause = KSPLICE_FAILED_TO_FIND;
	} else if (survivors > 1) {
		pr_err("Update %s: data %s is ambiguous: %u candidates match\n",
		       update->id, pd->label, survivors);
		update->abort_cause = KSPLICE_FAILED_TO_FIND;
	} else {
		pr_err("Update %s: no_match: data %s: the running value at offset 0x%x is not the pre build's (changed at run time?)\n",
		       update->id, pd->label, bad);
		update->abort_cause = KSPLICE_NO_MATCH;
	}
	return 0;
}

static int save_obj(struct ksplice_data_obj *o,
		    const struct ksplice_pre_data *pd, unsigned long addr)
{
	unsigned int k;

	o->label = kstrdup(pd->label, GFP_KERNEL);
	o->fields = kcalloc(pd->nr_fields, sizeof(*o->fields), GFP_KERNEL);
	if (!o->label || !o->fields)
		return -ENOMEM;
	o->addr = addr;
	o->nr_fields = pd->nr_fields;
	for (k = 0; k < pd->nr_fields; k++) {
		struct ksplice_data_val *v = &o->fields[k];

		v->offset = pd->fields[k].offset;
		v->len = pd->fields[k].len;
		v->running = kmemdup((void *)addr + v->offset, v->len,
				     GFP_KERNEL);
		if (!v->running)
			return -ENOMEM;
	}
	return 0;
}

int ksplice_match_data(struct ksplice_update *update,
		       struct ksplice_target *target,
		       const struct ksplice_pre *pre)
{
	unsigned int i;
	int ret;

	if (!pre->nr_data)
		return 0;
	target->data = kcalloc(pre->nr_data, sizeof(*target->data),
			       GFP_KERNEL);
	if (!target->data)
		return -ENOMEM;
	for (i = 0; i < pre->nr_data; i++) {
		const struct ksplice_pre_data *pd = &pre->data[i];
		unsigned long addr = find_running(update, target, pd);

		if (!addr)
			return -ENOENT;
		target->nr_data = i + 1;
		ret = save_obj(&target->data[i], pd, addr);
		if (ret)
			return ret;
		pr_info("Update %s: %s (%ps in %s): %u field(s) to rewrite in place\n",
			update->id, pd->label, (void *)addr, target->name,
			pd->nr_fields);
	}
	return 0;
}

/* Does a field's post value point into module mod (a new callback)? */
static bool points_into(const struct ksplice_data_obj *o, struct module *mod)
{
	unsigned int k;
	unsigned long value;

	for (k = 0; k < o->nr_fields; k++) {
		if (o->fields[k].len != sizeof(value))
			continue;
		memcpy(&value, o->post + o->fields[k].offset, sizeof(value));
		if (within_module(value, mod))
			return true;
	}
	return false;
}

int ksplice_bind_data(struct ksplice_update *update,
		      struct ksplice_target *target,
		      const struct ksplice_new *new, struct module *owner)
{
	unsigned int i;

	for (i = 0; i < new->nr_data; i++) {
		struct ksplice_data_obj *o = find_obj(target, new->data[i].label);

		if (!o) {
			pr_err("Update %s: new data for %s, which the pre module does not list\n",
			       update->id, new->data[i].label);
			return -EINVAL;
		}
		o->post = new->data[i].post;
		o->points_new = points_into(o, owner);
	}
	for (i = 0; i < target->nr_data; i++) {
		if (!target->data[i].post) {
			pr_err("Update %s: no new data for %s\n", update->id,
			       target->data[i].label);
			return -EINVAL;
		}
	}
	return 0;
}

void ksplice_unbind_data(struct ksplice_target *target)
{
	unsigned int i;

	for (i = 0; i < target->nr_data; i++)
		target->data[i].post = NULL;
}

void ksplice_free_data(struct ksplice_target *target)
{
	unsigned int i, k;

	for (i = 0; i < target->nr_data; i++) {
		struct ksplice_data_obj *o = &target->data[i];

		for (k = 0; o->fields && k < o->nr_fields; k++)
			kfree(o->fields[k].running);
		kfree(o->fields);
		kfree(o->label);
	}
	kfree(target->data);
	target->data = NULL;
	target->nr_data = 0;
}

static struct page *page_of(unsigned long addr)
{
	if (virt_addr_valid((void *)addr))
		return virt_to_page((void *)addr);	/* the kernel image */
	return vmalloc_to_page((void *)addr);		/* a module */
}

/* A writable alias of [addr, addr + len): its address, or NULL. */
static void *map_alias(unsigned long addr, u32 len, void **base)
{
	unsigned long first = addr & PAGE_MASK;
	unsigned int n = ((addr + len - 1) & PAGE_MASK) / PAGE_SIZE -
			 first / PAGE_SIZE + 1, i;
	struct page *pages[2];

	if (n > ARRAY_SIZE(pages))
		return NULL;
	for (i = 0; i < n; i++) {
		pages[i] = page_of(first + i * PAGE_SIZE);
		if (!pages[i])
			return NULL;
	}
	*base = vmap(pages, n, VM_MAP, PAGE_KERNEL);
	return *base ? *base + (addr - first) : NULL;
}

typedef int (*field_fn)(struct ksplice_update *update,
			struct ksplice_data_obj *o, struct ksplice_data_val *v,
			bool reverse);

/* fn on every field of every object of update, until one returns non-zero. */
static int each_field(struct ksplice_update *update, field_fn fn, bool reverse)
{
	struct ksplice_target *target;
	unsigned int i, k;
	int ret;

	list_for_each_entry(target, &update->targets, list)
		for (i = 0; i < target->nr_data; i++)
			for (k = 0; k < target->data[i].nr_fields; k++) {
				ret = fn(update, &target->data[i],
					 &target->data[i].fields[k], reverse);
				if (ret)
					return ret;
			}
	return 0;
}

static int unmap_field(struct ksplice_update *update,
		       struct ksplice_data_obj *o, struct ksplice_data_val *v,
		       bool reverse)
{
	if (v->base)
		vunmap(v->base);
	v->base = NULL;
	v->alias = NULL;
	return 0;
}

static int map_field(struct ksplice_update *update,
		     struct ksplice_data_obj *o, struct ksplice_data_val *v,
		     bool reverse)
{
	v->alias = map_alias(o->addr + v->offset, v->len, &v->base);
	return v->alias ? 0 : -ENOMEM;
}

void ksplice_data_unmap(struct ksplice_update *update)
{
	each_field(update, unmap_field, false);
}

int ksplice_data_map(struct ksplice_update *update)
{
	int ret = each_field(update, map_field, false);

	if (ret)
		ksplice_data_unmap(update);
	return ret;
}

static int check_field(struct ksplice_update *update,
		       struct ksplice_data_obj *o, struct ksplice_data_val *v,
		       bool reverse)
{
	const u8 *want = reverse ? o->post + v->offset : v->running;

	if (!v->alias || !o->post)
		return -EINVAL;
	if (!memcmp((void *)o->addr + v->offset, want, v->len))
		return 0;
	pr_err("Update %s: data %s changed at offset 0x%x since it was %s\n",
	       update->id, o->label, v->offset,
	       reverse ? "rewritten" : "matched");
	return -EILSEQ;
}

static int write_field(struct ksplice_update *update,
		       struct ksplice_data_obj *o, struct ksplice_data_val *v,
		       bool reverse)
{
	memcpy(v->alias, reverse ? v->running : o->post + v->offset, v->len);
	return 0;
}

/* With the machine stopped: do the fields hold what this step rewrites? */
int ksplice_data_check(struct ksplice_update *update, bool reverse)
{
	return each_field(update, check_field, reverse);
}

/* With the machine stopped, after ksplice_data_check(): cannot fail. */
void ksplice_data_write(struct ksplice_update *update, bool reverse)
{
	each_field(update, write_field, reverse);
}

static bool data_any(struct ksplice_update *update)
{
	struct ksplice_target *target;

	list_for_each_entry(target, &update->targets, list)
		if (target->nr_data)
			return true;
	return false;
}

/* Is addr in the text of a new module whose update rewrites data? */
const char *ksplice_data_in_new_text(struct ksplice_update *update,
				     unsigned long addr)
{
	struct ksplice_target *target;

	list_for_each_entry(target, &update->targets, list) {
		const struct module_layout *l;

		if (!target->nr_data || !target->new_owner)
			continue;
		l = &target->new_owner->core_layout;
		if (addr >= (unsigned long)l->base &&
		    addr < (unsigned long)l->base + l->text_size)
			return target->data[0].label;
	}
	return NULL;
}

/* After a reverse: no task still holds a pointer into the new code. */
void ksplice_data_settle(struct ksplice_update *update)
{
	if (data_any(update))
		synchronize_rcu_tasks();
}

/*
 * After a reverse: a new module that rewritten data pointed into keeps its
 * reference for good (a copy of the pointer may remain); returns with
 * target->new_ref cleared, so patch.c does not drop it.
 */
void ksplice_data_keep_new(struct ksplice_update *update)
{
	struct ksplice_target *target;
	unsigned int i;

	list_for_each_entry(target, &update->targets, list) {
		for (i = 0; i < target->nr_data; i++)
			if (target->data[i].points_new && target->new_ref)
				break;
		if (i == target->nr_data)
			continue;
		target->new_ref = false;
		pr_info("Update %s: the new module of %s stays loaded: %s pointed into it while applied, and a copy of that pointer may remain\n",
			update->id, target->name, target->data[i].label);
	}
}

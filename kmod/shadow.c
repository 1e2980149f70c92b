// SPDX-License-Identifier: GPL-2.0
/*
 * shadow data: new fields attached to existing kernel objects by address
 * (the API is in ksplice-patch.h, for the code of updates).
 *
 * One hash table keyed by (object address, id): lookups walk one bucket under
 * rcu_read_lock(), attach and detach take a spin lock (irq-safe, so any
 * context may use them with a suitable gfp), freed shadows go through
 * kfree_rcu(). Each shadow records the update module whose code attached it
 * (the caller's return address within one of the new modules the core knows,
 * see ksplice_shadow_add_owner()); ksplice_shadow_free_owner() frees all of
 * an owner's shadows when its update is reversed or its new module goes.
 * /sys/module/ksplice/parameters/shadow_count is the number of live shadows.
 */
#define pr_fmt(fmt) "ksplice: " fmt

#include <linux/hashtable.h>
#include <linux/module.h>
#include <linux/rculist.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include "ksplice.h"
#include "ksplice-patch.h"

#define SHADOW_HASH_BITS 12
#define MAX_OWNERS 64

struct ksplice_shadow {
	struct hlist_node node;
	struct rcu_head rcu;
	const void *obj;
	unsigned long id;
	struct module *owner;		/* NULL: not attached by update code */
	char data[] __aligned(sizeof(long long));
};

static DEFINE_HASHTABLE(shadow_table, SHADOW_HASH_BITS);
static DEFINE_SPINLOCK(shadow_lock);
static struct module *owners[MAX_OWNERS];	/* under shadow_lock */
static unsigned long shadow_count;		/* under shadow_lock */

static int shadow_count_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%lu\n", READ_ONCE(shadow_count));
}

static const struct kernel_param_ops shadow_count_ops = {
	.get = shadow_count_get,
};

module_param_cb(shadow_count, &shadow_count_ops, NULL, 0444);
MODULE_PARM_DESC(shadow_count, "number of live shadow data blocks");

static unsigned long shadow_key(const void *obj, unsigned long id)
{
	return (unsigned long)obj ^ hash_long(id, BITS_PER_LONG);
}

static struct ksplice_shadow *shadow_find(const void *obj, unsigned long id)
{
	struct ksplice_shadow *s;

	hash_for_each_possible_rcu(shadow_table, s, node, shadow_key(obj, id))
		if (s->obj == obj && s->id == id)
			return s;
	return NULL;
}

/* The update module whose code contains addr (caller holds shadow_lock). */
static struct module *owner_of(unsigned long addr)
{
	int i;

	for (i = 0; i < MAX_OWNERS; i++)
		if (owners[i] && within_module(addr, owners[i]))
			return owners[i];
	return NULL;
}

void *ksplice_shadow_get(const void *obj, unsigned long id)
{
	struct ksplice_shadow *s;

	rcu_read_lock();
	s = shadow_find(obj, id);
	rcu_read_unlock();
	return s ? s->data : NULL;
}
EXPORT_SYMBOL_GPL(ksplice_shadow_get);

static void *shadow_attach(const void *obj, unsigned long id, size_t size,
			   gfp_t gfp, bool existing_ok, unsigned long caller)
{
	struct ksplice_shadow *s, *n;
	unsigned long flags;
	void *p = ksplice_shadow_get(obj, id);

	if (p)
		return existing_ok ? p : NULL;
	n = kzalloc(sizeof(*n) + size, gfp);
	if (!n)
		return NULL;
	n->obj = obj;
	n->id = id;
	spin_lock_irqsave(&shadow_lock, flags);
	s = shadow_find(obj, id);	/* lost a race? */
	if (s) {
		spin_unlock_irqrestore(&shadow_lock, flags);
		kfree(n);
		return existing_ok ? s->data : NULL;
	}
	n->owner = owner_of(caller);
	hash_add_rcu(shadow_table, &n->node, shadow_key(obj, id));
	shadow_count++;
	spin_unlock_irqrestore(&shadow_lock, flags);
	return n->data;
}

void *ksplice_shadow_attach(const void *obj, unsigned long id, size_t size,
			    gfp_t gfp)
{
	return shadow_attach(obj, id, size, gfp, false, _RET_IP_);
}
EXPORT_SYMBOL_GPL(ksplice_shadow_attach);

void *ksplice_shadow_get_or_attach(const void *obj, unsigned long id,
				   size_t size, gfp_t gfp)
{
	return shadow_attach(obj, id, size, gfp, true, _RET_IP_);
}
EXPORT_SYMBOL_GPL(ksplice_shadow_get_or_attach);

/* Caller holds shadow_lock. */
static void shadow_free(struct ksplice_shadow *s)
{
	hash_del_rcu(&s->node);
	shadow_count--;
	kfree_rcu(s, rcu);
}

void ksplice_shadow_detach(const void *obj, unsigned long id)
{
	struct ksplice_shadow *s;
	unsigned long flags;

	spin_lock_irqsave(&shadow_lock, flags);
	s = shadow_find(obj, id);
	if (s)
		shadow_free(s);
	spin_unlock_irqrestore(&shadow_lock, flags);
}
EXPORT_SYMBOL_GPL(ksplice_shadow_detach);

void ksplice_shadow_detach_all(unsigned long id)
{
	struct ksplice_shadow *s;
	struct hlist_node *tmp;
	unsigned long flags;
	int bkt;

	spin_lock_irqsave(&shadow_lock, flags);
	hash_for_each_safe(shadow_table, bkt, tmp, s, node)
		if (s->id == id)
			shadow_free(s);
	spin_unlock_irqrestore(&shadow_lock, flags);
}
EXPORT_SYMBOL_GPL(ksplice_shadow_detach_all);

/* Shadows attached from mod's code will be mod's (a new module of an update). */
int ksplice_shadow_add_owner(struct module *mod)
{
	unsigned long flags;
	int i, ret = -ENOSPC;

	spin_lock_irqsave(&shadow_lock, flags);
	for (i = 0; i < MAX_OWNERS && ret; i++)
		if (!owners[i] || owners[i] == mod) {
			owners[i] = mod;
			ret = 0;
		}
	spin_unlock_irqrestore(&shadow_lock, flags);
	if (ret)
		pr_warn("%s: more than %d update modules: its shadows are freed only on detach\n",
			mod->name, MAX_OWNERS);
	return ret;
}

/* Free every shadow of mod; with forget, mod is no longer an owner. */
void ksplice_shadow_free_owner(struct module *mod, bool forget)
{
	struct ksplice_shadow *s;
	struct hlist_node *tmp;
	unsigned long flags, n = 0;
	int bkt, i;

	spin_lock_irqsave(&shadow_lock, flags);
	hash_for_each_safe(shadow_table, bkt, tmp, s, node)
		if (s->owner == mod) {
			shadow_free(s);
			n++;
		}
	for (i = 0; forget && i < MAX_OWNERS; i++)
		if (owners[i] == mod)
			owners[i] = NULL;
	spin_unlock_irqrestore(&shadow_lock, flags);
	if (n)
		pr_info("%s: freed %lu shadow%s\n", mod->name, n, n == 1 ? "" : "s");
}

/* Module exit: free everything (no update code can run any more). */
void ksplice_shadow_exit(void)
{
	struct ksplice_shadow *s;
	struct hlist_node *tmp;
	unsigned long flags;
	int bkt;

	spin_lock_irqsave(&shadow_lock, flags);
	hash_for_each_safe(shadow_table, bkt, tmp, s, node)
		shadow_free(s);
	spin_unlock_irqrestore(&shadow_lock, flags);
	rcu_barrier();
}

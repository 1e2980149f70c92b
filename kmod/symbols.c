// SPDX-License-Identifier: GPL-2.0
/*
 * kallsyms for the core module.
 *
 * Linux 6.1 exports neither kallsyms_lookup_name() nor the kallsyms iterators
 * nor text_poke() nor ftrace_location() nor __module_address(); the address
 * of kallsyms_lookup_name() is taken from a kprobe registered on it
 * (register_kprobe() resolves symbol names itself), and the rest is looked
 * up through it.
 *
 * ksplice_find_candidates() collects, for every label of a target, every
 * address kallsyms has for the label's name: in the target (vmlinux or the
 * target module), then, for global labels only, in vmlinux and other modules.
 */
#define pr_fmt(fmt) "ksplice: " fmt

#include <linux/kallsyms.h>
#include <linux/bsearch.h>
#include <linux/kprobes.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include "ksplice.h"

struct ksplice_kernel ksplice_kernel;

static unsigned long (*lookup_name)(const char *name);

/*
 * Registered disabled, the kprobe is never armed: its address is all we want,
 * and arming it would go through ftrace, whose records an armed and disarmed
 * probe leaves flagged while kernel.ftrace_enabled is 0 (a WARNING in
 * ftrace_shutdown() once the last tracer goes).
 */
static int find_lookup_name(void)
{
	struct kprobe kp = {
		.symbol_name = "kallsyms_lookup_name",
		.flags = KPROBE_FLAG_DISABLED,
	};
	int ret;

	ret = register_kprobe(&kp);
	if (ret < 0)
		return ret;
	lookup_name = (unsigned long (*)(const char *))kp.addr;
	unregister_kprobe(&kp);
	return lookup_name ? 0 : -ENOENT;
}

/* kallsyms_lookup_name(): vmlinux first, then the modules; 0 if absent. */
unsigned long ksplice_lookup_name(const char *name)
{
	return lookup_name(name);
}

static int resolve(const char *name, void *where, bool required)
{
	unsigned long addr = lookup_name(name);

	if (!addr) {
		if (required)
			pr_err("kernel symbol %s not found\n", name);
		return required ? -ENOENT : 0;
	}
	memcpy(where, &addr, sizeof(addr));
	return 0;
}

int ksplice_symbols_init(void)
{
	struct ksplice_kernel *k = &ksplice_kernel;
	int ret;

	ret = find_lookup_name();
	if (ret) {
		pr_err("cannot find kallsyms_lookup_name (%d)\n", ret);
		return ret;
	}
	ret = resolve("kallsyms_on_each_symbol",
		      &k->kallsyms_on_each_symbol, true);
	ret = ret ?: resolve("module_kallsyms_on_each_symbol",
			     &k->module_kallsyms_on_each_symbol, true);
	ret = ret ?: resolve("kallsyms_lookup_size_offset",
			     &k->kallsyms_lookup_size_offset, true);
	ret = ret ?: resolve("text_poke", &k->text_poke, true);
	ret = ret ?: resolve("text_mutex", &k->text_mutex, true);
	ret = ret ?: resolve("stop_machine_cpuslocked",
			     &k->stop_machine_cpuslocked, true);
	ret = ret ?: resolve("idle_task", &k->idle_task, false);
	ret = ret ?: resolve("get_kprobe", &k->get_kprobe, false);
	ret = ret ?: resolve("ftrace_location", &k->ftrace_location, false);
	ret = ret ?: resolve("__module_address", &k->module_address, true);
	return ret;
}

/*
 * Where a candidate was found, best first. ksplice's own modules come last:
 * a changed global function's new code has its name, and a target matched
 * as it loads (coming.c) is matched after the update's new modules loaded;
 * only a function no other module has (an earlier update's new one) is
 * found there.
 */
enum cand_scope { SCOPE_TARGET, SCOPE_VMLINUX, SCOPE_OTHER, SCOPE_KSPLICE,
		  NR_SCOPES };

struct cand_list {
	unsigned long *addrs;
	unsigned int nr, alloc;
};

struct name_entry {
	const char *name;
	struct cand_list scope[NR_SCOPES];
};

struct cand_search {
	struct name_entry *names;
	unsigned int nr_names;
	const char *target;	/* module name, or NULL for vmlinux */
	int err;
};

static int cmp_name(const void *a, const void *b)
{
	const struct name_entry *x = a, *y = b;

	return strcmp(x->name, y->name);
}

static int add_cand(struct cand_list *list, unsigned long addr)
{
	unsigned int i;

	for (i = 0; i < list->nr; i++)
		if (list->addrs[i] == addr)
			return 0;
	if (list->nr == list->alloc) {
		unsigned int n = list->alloc ? 2 * list->alloc : 4;
		unsigned long *p = krealloc_array(list->addrs, n,
						  sizeof(*p), GFP_KERNEL);

		if (!p)
			return -ENOMEM;
		list->addrs = p;
		list->alloc = n;
	}
	list->addrs[list->nr++] = addr;
	return 0;
}

static int cand_cb(void *data, const char *name, struct module *mod,
		   unsigned long addr)
{
	struct cand_search *s = data;
	struct name_entry key = { .name = name }, *e;
	enum cand_scope scope;

	e = bsearch(&key, s->names, s->nr_names, sizeof(*e), cmp_name);
	if (!e)
		return 0;
	if (!mod)
		scope = s->target ? SCOPE_VMLINUX : SCOPE_TARGET;
	else if (s->target && !strcmp(mod->name, s->target))
		scope = SCOPE_TARGET;
	else if (!strncmp(mod->name, "ksplice", 7))
		scope = SCOPE_KSPLICE;
	else
		scope = SCOPE_OTHER;
	s->err = add_cand(&e->scope[scope], addr);
	return s->err;
}

static struct name_entry *find_name(struct cand_search *s, const char *name)
{
	struct name_entry key = { .name = name };

	return bsearch(&key, s->names, s->nr_names, sizeof(key), cmp_name);
}

/* Give each label the candidates of the best scope it may use. */
static int assign_cands(struct ksplice_target *target, struct cand_search *s)
{
	unsigned int i, sc;

	for (i = 0; i < target->nr_labels; i++) {
		struct ksplice_label *l = &target->labels[i];
		struct name_entry *e = find_name(s, l->name);

		for (sc = 0; e && sc < NR_SCOPES; sc++) {
			struct cand_list *c = &e->scope[sc];

			if (!c->nr)
				continue;
			l->cands = kmemdup(c->addrs, c->nr * sizeof(*c->addrs),
					   GFP_KERNEL);
			if (!l->cands)
				return -ENOMEM;
			l->nr_cands = c->nr;
			break;
		}
		if (l->local && l->nr_cands && sc != SCOPE_TARGET) {
			kfree(l->cands);
			l->cands = NULL;
			l->nr_cands = 0;
		}
	}
	return 0;
}

int ksplice_find_candidates(struct ksplice_target *target)
{
	struct cand_search s = { .target = target->mod ? target->name : NULL };
	unsigned int i, j, sc;
	int ret;

	s.names = kcalloc(target->nr_labels, sizeof(*s.names), GFP_KERNEL);
	if (!s.names)
		return -ENOMEM;
	for (i = 0; i < target->nr_labels; i++)
		s.names[i].name = target->labels[i].name;
	sort(s.names, target->nr_labels, sizeof(*s.names), cmp_name, NULL);
	/* drop duplicate names */
	for (i = 0, j = 0; i < target->nr_labels; i++)
		if (!j || strcmp(s.names[j - 1].name, s.names[i].name))
			s.names[j++] = s.names[i];
	s.nr_names = j;

	ret = ksplice_kernel.kallsyms_on_each_symbol(cand_cb, &s);
	if (!ret)
		ret = ksplice_kernel.module_kallsyms_on_each_symbol(cand_cb, &s);
	if (!ret)
		ret = assign_cands(target, &s);
	else if (s.err)
		ret = s.err;
	for (i = 0; i < s.nr_names; i++)
		for (sc = 0; sc < NR_SCOPES; sc++)
			kfree(s.names[i].scope[sc].addrs);
	kfree(s.names);
	return ret;
}

bool ksplice_label_has(const struct ksplice_label *l, unsigned long value)
{
	unsigned int i;

	if (l->pinned)
		return l->value == value;
	for (i = 0; i < l->nr_cands; i++)
		if (l->cands[i] == value)
			return true;
	/* a label kallsyms does not know (e.g. a section): anything goes */
	return !l->nr_cands;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * run-pre matching, as in Ksplice.
 *
 * Every function of a pre module (the pre build's code of the functions to
 * replace, and of helpers that only settle ambiguous static symbols) must be
 * found in the running kernel: among the addresses kallsyms has for its name,
 * exactly one must hold the same bytes, outside
 *  - the byte ranges the kernel rewrites at boot or run time (ftrace nops,
 *    alternatives, paravirt, jump labels, static calls, retpolines, return
 *    thunks, lock prefixes), given by the pre module, and
 *  - relocation sites, where the value read instead implies the address of
 *    the label the relocation refers to; that address must be one kallsyms
 *    gives for the label's name.
 * A function with a single survivor is committed: its label and every label
 * its relocation sites imply are pinned, which can make other functions
 * unambiguous; this repeats until nothing changes. Nothing is written here.
 *
 * Stacked updates: if a candidate already carries the trampoline of an applied
 * update, its running code is that update's new code, which is matched instead
 * (and which a later trampoline patches).
 *
 * Each function to replace gets its redirect here: a jmp after its ftrace nop,
 * or, where bytes 5-9 hold code the kernel rewrites or the function is too
 * short, the ftrace redirect of ftrace.c (a function without an ftrace record
 * is refused).
 */
#define pr_fmt(fmt) "ksplice: " fmt

#include <linux/kallsyms.h>
#include <linux/kprobes.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include "ksplice.h"

enum { BYTE_CMP = 0, BYTE_SKIP = 1, BYTE_RELOC = 2 };

struct match_ctx {
	struct ksplice_target *target;
	const struct ksplice_pre_func *pf;
	u8 *mask;		/* per byte: BYTE_* */
	u8 *run;		/* copy of the running code */
	u32 mismatch;		/* first differing offset (dry run) */
	const char *why;
	bool any_survivor;	/* commit a helper that several copies match */
	unsigned int gen;	/* numbers each comparison (ksplice_label.seen) */
};

struct ksplice_label *ksplice_get_label(struct ksplice_target *target,
					const char *label)
{
	unsigned int i;

	for (i = 0; i < target->nr_labels; i++)
		if (!strcmp(target->labels[i].label, label))
			return &target->labels[i];
	return NULL;
}

static int reloc_width(u32 type)
{
	switch (type) {
	case 2:		/* R_X86_64_PC32 */
	case 4:		/* R_X86_64_PLT32 */
	case 10:	/* R_X86_64_32 */
	case 11:	/* R_X86_64_32S */
		return 4;
	case 1:		/* R_X86_64_64 */
		return 8;
	}
	return 0;
}

/* The label address implied by the running bytes at a relocation site. */
static unsigned long reloc_value(const struct ksplice_reloc *r,
				 unsigned long site, const u8 *bytes)
{
	s32 v32;
	u64 v64;

	switch (r->type) {
	case 2:
	case 4:
		memcpy(&v32, bytes, 4);
		return site + (s64)v32 - r->addend;
	case 10:
		memcpy(&v32, bytes, 4);
		return (u32)v32 - r->addend;
	case 11:
		memcpy(&v32, bytes, 4);
		return (s64)v32 - r->addend;
	default:
		memcpy(&v64, bytes, 8);
		return v64 - r->addend;
	}
}

/*
 * An address in the new code of an applied update stands for the function it
 * replaces (new code calls other replaced functions directly).
 */
static unsigned long canonical(unsigned long value)
{
	struct ksplice_trampoline *t = ksplice_trampoline_by_new(value);

	return t ? t->func->sym_addr : value;
}

static int build_mask(struct match_ctx *m)
{
	const struct ksplice_pre_func *pf = m->pf;
	unsigned int i, j;

	memset(m->mask, BYTE_CMP, pf->size);
	for (i = 0; i < pf->nr_ranges; i++) {
		const struct ksplice_range *r = &pf->ranges[i];

		if (r->offset > pf->size || r->len > pf->size - r->offset)
			return -EINVAL;
		memset(m->mask + r->offset, BYTE_SKIP, r->len);
	}
	for (i = 0; i < pf->nr_relocs; i++) {
		const struct ksplice_reloc *r = &pf->relocs[i];
		int w = reloc_width(r->type);

		if (!w || r->offset > pf->size || w > pf->size - r->offset)
			return -EINVAL;
		for (j = 0; j < w; j++)
			if (m->mask[r->offset + j] == BYTE_CMP)
				m->mask[r->offset + j] = BYTE_RELOC;
	}
	return 0;
}

/* Compare pf with running code at addr; on commit, pin implied labels. */
static bool compare(struct match_ctx *m, unsigned long addr, u32 size,
		    bool commit)
{
	const struct ksplice_pre_func *pf = m->pf;
	unsigned int i, j;

	m->gen++;
	if (size < pf->size) {
		m->mismatch = size;
		m->why = "running function is shorter";
		return false;
	}
	if (copy_from_kernel_nofault(m->run, (void *)addr, pf->size)) {
		m->mismatch = 0;
		m->why = "unreadable";
		return false;
	}
	for (i = 0; i < pf->size; i++) {
		if (m->mask[i] == BYTE_CMP && m->run[i] != pf->code[i]) {
			m->mismatch = i;
			m->why = "bytes differ";
			return false;
		}
	}
	for (i = 0; i < pf->nr_relocs; i++) {
		const struct ksplice_reloc *r = &pf->relocs[i];
		int w = reloc_width(r->type);
		struct ksplice_label *l;
		unsigned long v;
		bool in_range = false;

		for (j = 0; j < w; j++)
			in_range |= m->mask[r->offset + j] == BYTE_SKIP;
		l = ksplice_get_label(m->target, r->label);
		/*
		 * A label kallsyms does not know (a section of merged strings,
		 * which the linker spreads apart) implies no one address:
		 * pinned to its first site's, it failed the next site of the
		 * commit and left the labels after it unpinned (scan.c's
		 * __UNIQUE_ID_ddebug333.23 stayed ambiguous).
		 */
		if (in_range || !l->nr_cands)
			continue;
		v = canonical(reloc_value(r, addr + r->offset,
					  m->run + r->offset));
		if (!ksplice_label_has(l, v)) {
			m->mismatch = r->offset;
			m->why = "relocation value differs";
			return false;
		}
		/*
		 * Two sites of a label not pinned yet may each hold one of its
		 * candidates: the dry run must refuse what the commit would.
		 */
		if (l->seen_gen == m->gen && l->seen != v) {
			m->mismatch = r->offset;
			m->why = "two sites of a symbol hold different addresses";
			return false;
		}
		l->seen_gen = m->gen;
		l->seen = v;
		if (commit && !l->pinned) {
			l->pinned = true;
			l->value = v;
		}
	}
	return true;
}

/* Where the code of the function at sym_addr runs now (stacking). */
static unsigned long running_code(struct match_ctx *m, unsigned long sym_addr,
				  u32 *size, struct ksplice_update **host)
{
	unsigned long addr = sym_addr, sz = 0, off;
	struct ksplice_trampoline *t;
	int hops;

	*host = NULL;
	if (!ksplice_kernel.kallsyms_lookup_size_offset(addr, &sz, &off) ||
	    off)
		sz = m->pf->size;
	for (hops = 0; hops < 64; hops++) {
		t = ksplice_trampoline_in(addr, addr + 16);
		if (!t)
			break;
		addr = t->new_addr;
		sz = t->new_size;
		*host = t->update;
	}
	*size = sz;
	return addr;
}

struct func_state {
	bool matched;
	unsigned int survivors;
	unsigned long best_addr;	/* the candidate that got furthest */
	u32 best_mismatch;
	const char *best_why;
};

/*
 * Try every candidate of one function; commit when exactly one survives.
 * Returns 0, or -EINVAL if committing fails where the dry run passed.
 */
static int match_func(struct match_ctx *m, struct ksplice_func *f,
		      struct func_state *st, bool *progress)
{
	struct ksplice_label *l = ksplice_get_label(m->target, m->pf->label);
	unsigned long survivor = 0, run = 0, addr;
	struct ksplice_update *host, *survivor_host = NULL;
	unsigned int i, n = l->pinned ? 1 : l->nr_cands;
	u32 size, run_size = 0;

	st->survivors = 0;
	st->best_mismatch = 0;
	st->best_addr = 0;
	st->best_why = "no symbol of that name";
	for (i = 0; i < n; i++) {
		unsigned long cand = l->pinned ? l->value : l->cands[i];

		addr = running_code(m, cand, &size, &host);
		if (compare(m, addr, size, false)) {
			st->survivors++;
			survivor = cand;
			run = addr;
			run_size = size;
			survivor_host = host;
		} else if (!st->best_addr || m->mismatch >= st->best_mismatch) {
			st->best_addr = cand;
			st->best_mismatch = m->mismatch;
			st->best_why = m->why;
		}
	}
	if (st->survivors != 1 && !(m->any_survivor && st->survivors > 1))
		return 0;
	if (!compare(m, run, run_size, true)) {
		/* the dry run passed: some label was pinned meanwhile */
		pr_err("%s: run-pre matching: the committing comparison failed at offset 0x%x (%s)\n",
		       m->pf->label, m->mismatch, m->why);
		return -EINVAL;
	}
	l->pinned = true;
	l->value = survivor;
	f->label = l->label;
	f->sym_addr = survivor;
	f->addr = run;
	f->size = m->pf->size;
	f->host = survivor_host;
	st->matched = true;
	*progress = true;
	return 0;
}

static const char *const range_kinds[] = {
	[KSPLICE_RANGE_FENTRY] = "an ftrace nop",
	[KSPLICE_RANGE_ALTINSTR] = "an alternatives site",
	[KSPLICE_RANGE_PARAVIRT] = "a paravirt site",
	[KSPLICE_RANGE_JUMP_LABEL] = "a jump label",
	[KSPLICE_RANGE_STATIC_CALL] = "a static call site",
	[KSPLICE_RANGE_RETPOLINE] = "a retpoline site",
	[KSPLICE_RANGE_RETURN] = "a return thunk site",
	[KSPLICE_RANGE_SMP_LOCK] = "a lock prefix",
};

/*
 * Why a jmp cannot go after the ftrace nop (into buf), or NULL if it can:
 * the function is too short, or the bytes hold code the kernel rewrites.
 */
static const char *jmp_refusal(const struct ksplice_pre_func *pf,
			       const struct ksplice_func *f, char *buf,
			       size_t size)
{
	unsigned int i;

	if (f->tramp_off + KSPLICE_TRAMP_LEN > pf->size) {
		snprintf(buf, size, "function too short for a trampoline (%u bytes)",
			 pf->size);
		return buf;
	}
	for (i = 0; i < pf->nr_ranges; i++) {
		const struct ksplice_range *r = &pf->ranges[i];

		if (r->offset < f->tramp_off + KSPLICE_TRAMP_LEN &&
		    r->offset + r->len > f->tramp_off &&
		    !(r->kind == KSPLICE_RANGE_FENTRY && r->offset == 0)) {
			snprintf(buf, size, "trampoline bytes %u-%u overlap code the kernel rewrites (%s at %u)",
				 f->tramp_off,
				 f->tramp_off + KSPLICE_TRAMP_LEN - 1,
				 r->kind < ARRAY_SIZE(range_kinds) ?
				 range_kinds[r->kind] : "unknown kind", r->offset);
			return buf;
		}
	}
	return NULL;
}

/*
 * The trampoline goes after the ftrace nop, clear of rewritten bytes; where
 * it cannot, a function with an ftrace record is redirected through ftrace
 * (ftrace.c), and one without is refused.
 */
static int place_trampoline(struct ksplice_update *update,
			    const struct ksplice_pre_func *pf,
			    struct ksplice_func *f)
{
	const char *why;
	char buf[128];
	unsigned int i;

	f->tramp_off = 0;
	f->redirect = KSPLICE_REDIRECT_JMP;
	for (i = 0; i < pf->nr_ranges; i++)
		if (pf->ranges[i].kind == KSPLICE_RANGE_FENTRY &&
		    pf->ranges[i].offset == 0)
			f->tramp_off = pf->ranges[i].len;
	why = jmp_refusal(pf, f, buf, sizeof(buf));
	if (!why)
		return copy_from_kernel_nofault(f->saved,
						(void *)(f->addr + f->tramp_off),
						KSPLICE_TRAMP_LEN) ? -EFAULT : 0;
	if (!f->tramp_off || !ksplice_ftrace_traceable(f->addr)) {
		pr_err("Update %s: %s: %s, and it has no ftrace record to redirect it through\n",
		       update->id, pf->label, why);
		return -EINVAL;
	}
	f->redirect = KSPLICE_REDIRECT_FTRACE;
	pr_info("Update %s: %s: %s: redirected through ftrace\n",
		update->id, pf->label, why);
	return 0;
}

static int add_label(struct ksplice_target *target, const char *label,
		     const char *name, unsigned int max)
{
	struct ksplice_label *l;
	const char *pct;

	if (!label)
		return -EINVAL;
	if (ksplice_get_label(target, label))
		return 0;
	if (target->nr_labels == max)
		return -EINVAL;
	l = &target->labels[target->nr_labels];
	pct = strchr(label, '%');
	l->label = kstrdup(label, GFP_KERNEL);
	if (name)
		l->name = kstrdup(name, GFP_KERNEL);
	else
		l->name = kstrndup(label, pct ? pct - label : strlen(label),
				   GFP_KERNEL);
	if (!l->label || !l->name) {
		kfree(l->label);
		kfree(l->name);
		return -ENOMEM;
	}
	l->local = pct;
	target->nr_labels++;
	return 0;
}

static int build_labels(struct ksplice_target *target,
			const struct ksplice_pre *pre)
{
	unsigned int i, j, max = pre->nr_funcs + pre->nr_symbols + pre->nr_data;
	int ret = 0;

	for (i = 0; i < pre->nr_funcs; i++)
		max += pre->funcs[i].nr_relocs;
	for (i = 0; i < pre->nr_data; i++)
		max += pre->data[i].nr_fields;
	target->labels = kcalloc(max, sizeof(*target->labels), GFP_KERNEL);
	if (!target->labels)
		return -ENOMEM;
	for (i = 0; i < pre->nr_funcs && !ret; i++)
		ret = add_label(target, pre->funcs[i].label,
				pre->funcs[i].name, max);
	for (i = 0; i < pre->nr_symbols && !ret; i++)
		ret = add_label(target, pre->symbols[i].label,
				pre->symbols[i].name, max);
	for (i = 0; i < pre->nr_funcs && !ret; i++)
		for (j = 0; j < pre->funcs[i].nr_relocs && !ret; j++)
			ret = add_label(target, pre->funcs[i].relocs[j].label,
					NULL, max);
	for (i = 0; i < pre->nr_data && !ret; i++) {
		ret = add_label(target, pre->data[i].label, pre->data[i].name,
				max);
		for (j = 0; j < pre->data[i].nr_fields && !ret; j++)
			if (pre->data[i].fields[j].pre_label)
				ret = add_label(target,
						pre->data[i].fields[j].pre_label,
						NULL, max);
	}
	return ret;
}

static bool in_rewritten_range(const struct ksplice_pre_func *pf, u32 offset)
{
	unsigned int k;

	for (k = 0; k < pf->nr_ranges; k++)
		if (offset >= pf->ranges[k].offset &&
		    offset < pf->ranges[k].offset + pf->ranges[k].len)
			return true;
	return false;
}

/*
 * A helper whose copies are all alike: it refers to no local symbol, but
 * in bytes the kernel rewrites (__nr_to_section's static_cpu_has jump).
 */
static bool interchangeable(const struct ksplice_pre_func *pf)
{
	unsigned int j;

	if (pf->flags & KSPLICE_PRE_REPLACE)
		return false;
	for (j = 0; j < pf->nr_relocs; j++)
		if (strchr(pf->relocs[j].label, '%') &&
		    !in_rewritten_range(pf, pf->relocs[j].offset))
			return false;
	return true;
}

/* One try of every function not matched yet (only helpers on the last). */
static int match_pass(struct match_ctx *m, struct ksplice_target *target,
		      const struct ksplice_pre *pre, struct func_state *st,
		      bool *progress)
{
	unsigned int i;
	int ret;

	for (i = 0; i < pre->nr_funcs; i++) {
		if (st[i].matched ||
		    (m->any_survivor && !interchangeable(&pre->funcs[i])))
			continue;
		m->pf = &pre->funcs[i];
		if (build_mask(m)) {
			pr_err("%s: bad range or relocation in pre code\n",
			       m->pf->label);
			return -EINVAL;
		}
		ret = match_func(m, &target->funcs[i], &st[i], progress);
		if (ret)
			return ret;
	}
	return 0;
}

static int run_pre_loop(struct ksplice_update *update,
			struct ksplice_target *target,
			const struct ksplice_pre *pre, struct func_state *st)
{
	struct match_ctx m = { .target = target };
	unsigned int i, max = 0;
	bool progress;
	int ret = 0;

	for (i = 0; i < pre->nr_funcs; i++)
		max = max_t(unsigned int, max, pre->funcs[i].size);
	m.mask = kvmalloc(max + 1, GFP_KERNEL);
	m.run = kvmalloc(max + 1, GFP_KERNEL);
	if (!m.mask || !m.run) {
		ret = -ENOMEM;
		goto out;
	}
	do {
		do {
			progress = false;
			ret = match_pass(&m, target, pre, st, &progress);
		} while (!ret && progress);
		/*
		 * Settled as far as it goes: a helper that several identical
		 * copies match, all of them referring only to global symbols,
		 * is any of them (set_pte, inlined out of line in many files).
		 */
		m.any_survivor = true;
		ret = ret ?: match_pass(&m, target, pre, st, &progress);
		m.any_survivor = false;
	} while (!ret && progress);
out:
	kvfree(m.mask);
	kvfree(m.run);
	return ret;
}

/* A kprobe's int3 (or optimised jump) makes the code differ: say so. */
static void report_kprobes(struct ksplice_update *update, const char *label,
			   unsigned long addr, u32 size)
{
	struct kprobe *p;
	u32 off;

	if (!ksplice_kernel.get_kprobe)
		return;
	for (off = 0; off < size; off++) {
		preempt_disable();
		p = ksplice_kernel.get_kprobe((void *)(addr + off));
		preempt_enable();
		if (p)
			pr_err("Update %s: %s has a kprobe at offset 0x%x; remove it and try again\n",
			       update->id, label, off);
	}
}

static int check_results(struct ksplice_update *update,
			 struct ksplice_target *target,
			 const struct ksplice_pre *pre, struct func_state *st)
{
	unsigned int i;

	for (i = 0; i < pre->nr_funcs; i++) {
		const struct ksplice_pre_func *pf = &pre->funcs[i];

		/* a helper left unmatched: its label is settled by name below */
		if (st[i].matched || !(pf->flags & KSPLICE_PRE_REPLACE))
			continue;
		if (st[i].survivors > 1) {
			pr_err("Update %s: %s (%s) is ambiguous: %u candidates match\n",
			       update->id, pf->label, pf->name,
			       st[i].survivors);
			update->abort_cause = KSPLICE_FAILED_TO_FIND;
			return -ENOENT;
		}
		if (!st[i].best_addr) {
			pr_err("Update %s: function %s not found in %s\n",
			       update->id, pf->name, target->name);
			update->abort_cause = KSPLICE_FAILED_TO_FIND;
			return -ENOENT;
		}
		pr_err("Update %s: no_match: %s (%pS) differs from the pre code at offset 0x%x (%s)\n",
		       update->id, pf->label, (void *)st[i].best_addr,
		       st[i].best_mismatch, st[i].best_why);
		report_kprobes(update, pf->label, st[i].best_addr, pf->size);
		update->abort_cause = KSPLICE_NO_MATCH;
		return -ENOEXEC;
	}
	for (i = 0; i < pre->nr_symbols; i++) {
		struct ksplice_label *l;

		l = ksplice_get_label(target, pre->symbols[i].label);
		if (l->pinned)
			continue;
		if (l->nr_cands == 1) {
			l->pinned = true;
			l->value = l->cands[0];
			continue;
		}
		pr_err("Update %s: symbol %s: %s\n", update->id, l->label,
		       l->nr_cands ? "ambiguous" : "not found");
		update->abort_cause = KSPLICE_FAILED_TO_FIND;
		return -ENOENT;
	}
	return 0;
}

int ksplice_match_pre(struct ksplice_update *update,
		      struct ksplice_target *target,
		      const struct ksplice_pre *pre)
{
	struct func_state *st;
	unsigned int i;
	int ret;

	ret = build_labels(target, pre);
	ret = ret ?: ksplice_find_candidates(target);
	if (ret)
		goto fail;
	target->funcs = kcalloc(pre->nr_funcs, sizeof(*target->funcs),
				GFP_KERNEL);
	st = kcalloc(pre->nr_funcs, sizeof(*st), GFP_KERNEL);
	if (!target->funcs || !st) {
		kfree(st);
		ret = -ENOMEM;
		goto fail;
	}
	target->nr_funcs = pre->nr_funcs;
	ret = run_pre_loop(update, target, pre, st);
	ret = ret ?: check_results(update, target, pre, st);
	ret = ret ?: ksplice_match_data(update, target, pre);
	kfree(st);
	if (ret)
		goto fail;
	for (i = 0; i < pre->nr_funcs && !ret; i++) {
		target->funcs[i].flags = pre->funcs[i].flags;
		if (!(pre->funcs[i].flags & KSPLICE_PRE_REPLACE))
			continue;
		ret = place_trampoline(update, &pre->funcs[i],
				       &target->funcs[i]);
		if (ret)
			update->abort_cause = KSPLICE_UNEXPECTED;
	}
	return ret;
fail:
	if (!update->abort_cause || !strcmp(update->abort_cause, KSPLICE_OK))
		update->abort_cause = ret == -ENOMEM ? KSPLICE_OUT_OF_MEMORY :
						      KSPLICE_UNEXPECTED;
	return ret;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * applying and reversing an update.
 *
 * Apply: with every CPU stopped (stop_machine), check that no task's stack
 * holds an address inside a function being replaced (the saved instruction
 * pointer and, conservatively, every word from the saved stack pointer to the
 * top of the stack, for every thread and every CPU's idle task); if one does,
 * the update is code_busy and is tried again up to 5 times, 1 s apart; else
 * check that the trampoline sites still hold the bytes run-pre matching saw and
 * write an e9 rel32 jump to the new code at each one. The trampoline goes
 * after the function's ftrace nop, which ftrace keeps owning. A function whose
 * bytes 5-9 the kernel rewrites at run time (or too short for the jmp) is
 * redirected through ftrace instead (ftrace.c): its ftrace_ops is registered
 * before stop_machine and switched on here, with the jmps, so all of an
 * update's functions switch at once.
 *
 * Data objects the update rewrites in place (data.c) are checked and written
 * in the same stopped phase, after the trampolines.
 *
 * Reverse: the same stack check against the new code, then every trampoline
 * must still be intact, and the saved bytes are written back (an ftrace
 * redirect is switched off, and its ftrace_ops unregistered after
 * stop_machine).
 *
 * While applied, the update holds a reference on each new module (and
 * core.c one on each target module), so none of them can be unloaded under
 * a trampoline.
 */
#define pr_fmt(fmt) "ksplice: " fmt

#include <linux/cpu.h>
#include <linux/delay.h>
#include <linux/sched/signal.h>
#include <linux/sched/task_stack.h>
#include <linux/stop_machine.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <asm/sync_core.h>
#include "custom.h"

#define KSPLICE_TRIES 5

struct stop_args {
	struct ksplice_update *update;
	bool reverse;
	const char *cause;	/* abort cause when the call fails */
	u64 stopped_ns;
	unsigned int master;	/* the CPU that checks and writes */
	atomic_t done;
};

/* The function (or new code) of update containing addr, if any. */
static const char *busy_label(struct stop_args *a, unsigned long addr)
{
	struct ksplice_target *target;
	unsigned int i;

	list_for_each_entry(target, &a->update->targets, list) {
		for (i = 0; i < target->nr_tramps; i++) {
			struct ksplice_trampoline *t = &target->tramps[i];
			unsigned long start = a->reverse ? t->new_addr :
							   t->func->addr;
			unsigned long size = a->reverse ? t->new_size :
							  t->func->size;

			if (addr >= start && addr < start + size)
				return t->func->label;
		}
	}
	/* new code that data rewritten in place may point at */
	return a->reverse ? ksplice_data_in_new_text(a->update, addr) : NULL;
}

static void add_conflict(struct ksplice_update *update, struct task_struct *t,
			 const char *label)
{
	update->conflicts_len += scnprintf(update->conflicts +
					   update->conflicts_len,
					   PAGE_SIZE - update->conflicts_len,
					   "%s %d %s\n", t->comm, t->pid,
					   label);
}

/* Returns true if the task's stack refers to code being replaced. */
static bool check_task(struct stop_args *a, struct task_struct *t)
{
	unsigned long stack, *sp, *end;
	const char *label;

	if (t == current || READ_ONCE(t->on_cpu))
		return false;	/* this CPU's or another CPU's stopper */
	if (!refcount_read(&t->stack_refcount))
		return false;	/* dead, its stack is gone */
	stack = (unsigned long)task_stack_page(t);
	if (!stack)
		return false;
	end = (unsigned long *)(stack + THREAD_SIZE);
	sp = (unsigned long *)t->thread.sp;
	if ((unsigned long)sp < stack || sp >= end)
		sp = (unsigned long *)stack;	/* be conservative */
	for (; sp < end; sp++) {
		label = busy_label(a, READ_ONCE_NOCHECK(*sp));
		if (label) {
			add_conflict(a->update, t, label);
			return true;
		}
	}
	return false;
}

static bool check_stacks(struct stop_args *a)
{
	struct task_struct *g, *t;
	bool busy = false;
	int cpu;

	a->update->conflicts_len = 0;
	a->update->conflicts[0] = '\0';
	rcu_read_lock();
	for_each_process_thread(g, t)
		busy |= check_task(a, t);
	rcu_read_unlock();
	if (ksplice_kernel.idle_task) {
		for_each_possible_cpu(cpu) {
			t = ksplice_kernel.idle_task(cpu);
			if (t)
				busy |= check_task(a, t);
		}
	}
	return busy;
}

static int write_trampolines(struct stop_args *a)
{
	struct ksplice_target *target;
	unsigned int i;
	int ret = 0;

	/* verify every site first: all or nothing */
	list_for_each_entry(target, &a->update->targets, list) {
		for (i = 0; i < target->nr_tramps; i++) {
			struct ksplice_trampoline *t = &target->tramps[i];
			const u8 *expect = a->reverse ? t->tramp : t->func->saved;

			if (t->func->redirect == KSPLICE_REDIRECT_FTRACE) {
				if (ksplice_ftrace_ready(t, a->reverse))
					continue;
				pr_err("Update %s: %s: its ftrace redirect is not registered\n",
				       a->update->id, t->func->label);
				a->cause = KSPLICE_UNEXPECTED;
				return -EILSEQ;
			}
			if (memcmp((void *)t->site, expect, KSPLICE_TRAMP_LEN)) {
				pr_err("Update %s: %s: bytes at %pS changed (%5ph)\n",
				       a->update->id, t->func->label,
				       (void *)t->site, (void *)t->site);
				a->cause = KSPLICE_UNEXPECTED;
				return -EILSEQ;
			}
		}
	}
	list_for_each_entry(target, &a->update->targets, list) {
		for (i = 0; i < target->nr_tramps && !ret; i++) {
			struct ksplice_trampoline *t = &target->tramps[i];

			if (t->func->redirect == KSPLICE_REDIRECT_JMP)
				ret = ksplice_text_write(t->site, a->reverse ?
							 t->func->saved :
							 t->tramp,
							 KSPLICE_TRAMP_LEN);
		}
	}
	if (ret)
		return ret;
	/* cannot fail: after the jmps, so a failed write leaves them off */
	list_for_each_entry(target, &a->update->targets, list)
		for (i = 0; i < target->nr_tramps; i++)
			if (target->tramps[i].func->redirect ==
			    KSPLICE_REDIRECT_FTRACE)
				ksplice_ftrace_switch(&target->tramps[i],
						      !a->reverse);
	return 0;
}

/* On one CPU, with every other CPU waiting in stopped(). */
static int stopped_master(struct stop_args *a)
{
	u64 start = ktime_get_ns();
	int ret;

	if (check_stacks(a)) {
		a->cause = KSPLICE_CODE_BUSY;
		return -EBUSY;
	}
	if (ksplice_call_int_hooks(a->update, a->reverse ?
				   KSPLICE_HOOK_CHECK_REVERSE :
				   KSPLICE_HOOK_CHECK_APPLY)) {
		a->cause = KSPLICE_CALL_FAILED;
		return -ECANCELED;
	}
	ret = ksplice_data_check(a->update, a->reverse);
	if (ret)
		a->cause = KSPLICE_UNEXPECTED;
	ret = ret ?: write_trampolines(a);
	if (!ret) {
		ksplice_data_write(a->update, a->reverse);
		ksplice_call_void_hooks(a->update, a->reverse ?
					KSPLICE_HOOK_REVERSE :
					KSPLICE_HOOK_APPLY);
	}
	a->stopped_ns = ktime_get_ns() - start;
	return ret;
}

/*
 * Runs on every online CPU. One CPU checks and writes; the others wait for
 * it, then execute a serialising instruction before they may run the new
 * bytes (cross-modifying code, Intel SDM vol. 3, 8.1.3).
 */
static int stopped(void *data)
{
	struct stop_args *a = data;
	int ret;

	if (smp_processor_id() != a->master) {
		while (!atomic_read(&a->done))
			cpu_relax();
		sync_core();
		return 0;
	}
	ret = stopped_master(a);
	atomic_set(&a->done, 1);
	return ret;
}

/* Stop the machine and try; retry on code_busy. */
static int try_stopped(struct stop_args *a)
{
	int tries, ret = -EBUSY;
	u64 start = 0, end = 0;

	for (tries = 0; tries < KSPLICE_TRIES; tries++) {
		if (tries)
			msleep(1000);
		a->cause = KSPLICE_UNEXPECTED;
		cpus_read_lock();
		mutex_lock(ksplice_kernel.text_mutex);
		a->master = cpumask_first(cpu_online_mask);
		atomic_set(&a->done, 0);
		start = ktime_get_ns();
		ret = ksplice_kernel.stop_machine_cpuslocked(stopped, a,
							     cpu_online_mask);
		end = ktime_get_ns();
		mutex_unlock(ksplice_kernel.text_mutex);
		cpus_read_unlock();
		if (ret != -EBUSY)
			break;
	}
	if (!ret) {
		ksplice_text_sync();
		a->update->tries = tries + 1;
		a->update->stop_machine_ns = end - start;
		a->update->stopped_ns = a->stopped_ns;
	}
	return ret;
}

static void put_new_modules(struct ksplice_update *update)
{
	struct ksplice_target *target;

	list_for_each_entry(target, &update->targets, list) {
		if (target->new_ref)
			module_put(target->new_owner);
		target->new_ref = false;
	}
}

static int get_new_modules(struct ksplice_update *update)
{
	struct ksplice_target *target;

	list_for_each_entry(target, &update->targets, list) {
		if (!target->new_owner) {
			pr_err("Update %s: no new code loaded for %s\n",
			       update->id, target->name);
			update->abort_cause = KSPLICE_UNEXPECTED;
			put_new_modules(update);
			return -EINVAL;
		}
		if (!try_module_get(target->new_owner)) {
			update->abort_cause = KSPLICE_MODULE_BUSY;
			put_new_modules(update);
			return -EBUSY;
		}
		target->new_ref = true;
	}
	return 0;
}

/*
 * The pre hooks, then the stopped phase with its retries; on failure the fail
 * hooks run and the abort cause is recorded. Shared by apply and reverse.
 * The ftrace redirects (ftrace.c) are registered only while the update is
 * applied: before stop_machine on apply, released after it on reverse or
 * when the apply fails.
 */
static int transition(struct stop_args *a, u32 pre_hook, u32 fail_hook)
{
	struct ksplice_update *update = a->update;
	int ret;

	if (ksplice_call_int_hooks(update, pre_hook)) {
		a->cause = KSPLICE_CALL_FAILED;
		ret = -ECANCELED;
	} else {
		ret = a->reverse ? 0 : ksplice_ftrace_prepare(update);
		ret = ret ?: ksplice_data_map(update);
		if (ret)
			a->cause = ret == -ENOMEM ? KSPLICE_OUT_OF_MEMORY :
						    KSPLICE_UNEXPECTED;
		else
			ret = try_stopped(a);
		ksplice_data_unmap(update);
	}
	if (a->reverse ? !ret : ret)
		ksplice_ftrace_release(update);
	if (!ret)
		return 0;
	update->abort_cause = a->cause;
	if (!strcmp(a->cause, KSPLICE_CODE_BUSY))
		pr_err("Update %s: code_busy after %d tries:\n%s",
		       update->id, KSPLICE_TRIES, update->conflicts);
	ksplice_call_void_hooks(update, fail_hook);
	return ret;
}

/*
 * The running code of every function to replace must still be what matching
 * found: an update applied since then that redirects one of them (a jmp after
 * its ftrace nop, or through ftrace at its fentry call, where this update's
 * bytes check would not see it) must be undone first, or this update made on
 * top of it. Called with ksplice_mutex held, which every apply and reverse
 * takes.
 */
static int check_superseded(struct ksplice_update *update)
{
	struct ksplice_target *target;
	struct ksplice_trampoline *other;
	unsigned int i;

	list_for_each_entry(target, &update->targets, list) {
		for (i = 0; i < target->nr_tramps; i++) {
			struct ksplice_func *f = target->tramps[i].func;

			other = ksplice_trampoline_in(f->addr, f->addr + f->size);
			if (!other)
				continue;
			pr_err("Update %s: %s was patched by update %s after this update matched it; undo %s, or make this update on top of it\n",
			       update->id, f->label, other->update->id,
			       other->update->id);
			update->abort_cause = KSPLICE_UNEXPECTED;
			return -EBUSY;
		}
	}
	return 0;
}

int ksplice_apply_update(struct ksplice_update *update)
{
	struct stop_args a = { .update = update };
	int ret;

	if (update->stage != KSPLICE_STAGE_PREPARING ||
	    (strcmp(update->abort_cause, KSPLICE_OK) &&
	     strcmp(update->abort_cause, KSPLICE_CODE_BUSY)))
		return -EINVAL;
	if (list_empty(&update->targets)) {
		update->abort_cause = KSPLICE_UNEXPECTED;
		return -EINVAL;
	}
	update->abort_cause = KSPLICE_OK;
	ret = check_superseded(update);
	if (ret)
		return ret;
	ret = get_new_modules(update);
	if (ret)
		return ret;
	ret = transition(&a, KSPLICE_HOOK_PRE_APPLY, KSPLICE_HOOK_FAIL_APPLY);
	if (ret) {
		put_new_modules(update);
		return ret;
	}
	ksplice_call_void_hooks(update, KSPLICE_HOOK_POST_APPLY);
	update->stage = KSPLICE_STAGE_APPLIED;
	pr_info("Update %s applied successfully\n", update->id);
	return 0;
}

/* An applied update other than update whose trampolines patch its code. */
static struct ksplice_update *dependent(struct ksplice_update *update)
{
	struct ksplice_update *u;
	struct ksplice_target *target;
	unsigned int i;

	list_for_each_entry(u, &ksplice_updates, list) {
		if (u == update || u->stage != KSPLICE_STAGE_APPLIED)
			continue;
		list_for_each_entry(target, &u->targets, list)
			for (i = 0; i < target->nr_funcs; i++)
				if (target->funcs[i].host == update)
					return u;
	}
	return NULL;
}

int ksplice_reverse_update(struct ksplice_update *update)
{
	struct stop_args a = { .update = update, .reverse = true };
	struct ksplice_update *dep;
	int ret;

	if (update->stage == KSPLICE_STAGE_REVERSED) {
		update->abort_cause = KSPLICE_ALREADY_REVERSED;
		return -EINVAL;
	}
	if (update->stage != KSPLICE_STAGE_APPLIED)
		return -EINVAL;
	if (ksplice_check_fresh(update))
		return -EBUSY;
	dep = dependent(update);
	if (dep) {
		pr_err("Update %s: update %s patches its new code; reverse %s first\n",
		       update->id, dep->id, dep->id);
		update->abort_cause = KSPLICE_MODULE_BUSY;
		return -EBUSY;
	}
	ret = transition(&a, KSPLICE_HOOK_PRE_REVERSE, KSPLICE_HOOK_FAIL_REVERSE);
	if (ret)
		return ret;
	ksplice_data_settle(update);
	ksplice_call_void_hooks(update, KSPLICE_HOOK_POST_REVERSE);
	ksplice_hooks_free_shadows(update);
	update->abort_cause = KSPLICE_OK;
	update->stage = KSPLICE_STAGE_REVERSED;
	ksplice_data_keep_new(update);
	put_new_modules(update);
	ksplice_release_deferred(update);
	pr_info("Update %s reversed successfully\n", update->id);
	return 0;
}

/* The trampoline of an applied update with its site in [start, end). */
struct ksplice_trampoline *ksplice_trampoline_in(unsigned long start,
						unsigned long end)
{
	struct ksplice_update *u;
	struct ksplice_target *target;
	unsigned int i;

	list_for_each_entry(u, &ksplice_updates, list) {
		if (u->stage != KSPLICE_STAGE_APPLIED)
			continue;
		list_for_each_entry(target, &u->targets, list)
			for (i = 0; i < target->nr_tramps; i++)
				if (target->tramps[i].site >= start &&
				    target->tramps[i].site < end)
					return &target->tramps[i];
	}
	return NULL;
}

/* The trampoline of an applied update whose new code starts at new_addr. */
struct ksplice_trampoline *ksplice_trampoline_by_new(unsigned long new_addr)
{
	struct ksplice_update *u;
	struct ksplice_target *target;
	unsigned int i;

	list_for_each_entry(u, &ksplice_updates, list) {
		if (u->stage != KSPLICE_STAGE_APPLIED)
			continue;
		list_for_each_entry(target, &u->targets, list)
			for (i = 0; i < target->nr_tramps; i++)
				if (target->tramps[i].new_addr == new_addr)
					return &target->tramps[i];
	}
	return NULL;
}

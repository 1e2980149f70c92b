// SPDX-License-Identifier: GPL-2.0
/*
 * redirecting a replaced function through ftrace, where a jmp cannot go.
 *
 * A replaced function is normally redirected by a 5-byte jmp written right
 * after its ftrace nop (patch.c). That is impossible when bytes 5-9 hold code
 * the kernel rewrites at run time (an alternatives or paravirt site, a jump
 * label, a static call, a retpoline or return thunk: the kernel would write
 * over our jmp, or we over its site) or when the function is shorter than
 * 5 + 5 bytes. match.c then chooses this redirect, the way the kernel's
 * livepatch does it (kernel/livepatch/patch.c): an ftrace_ops filtered to the
 * function's fentry call, whose handler sets the saved instruction pointer to
 * the new code, so the task returns from the ftrace trampoline into the new
 * code instead of the old body. The function's own bytes are never written;
 * ftrace owns its fentry site and keeps tracing it (several ftrace_ops share
 * a site; only one may modify the IP, so a livepatch of the same function or
 * a second redirect of it is refused when the ops is registered).
 *
 * An update stays atomic: the ops is registered (which writes the fentry
 * call, through ftrace's own text_poke_bp path) before stop_machine with its
 * redirect inactive, and switched active inside the stop_machine callback
 * together with the jmp trampolines of the same update, after the stack check
 * has passed (patch.c). The stack check covers the old function as for a jmp:
 * a task preempted inside the ftrace trampoline has the fentry call's return
 * address (inside the old function) on its stack, and one that the handler
 * already sent to the new code has the new address in the saved registers on
 * its stack. Reverse: deactivated inside stop_machine, unregistered after it
 * (unregister_ftrace_function() waits until no task can still be in the
 * handler or the trampoline), then freed.
 *
 * The handler only reads one flag: it needs neither RCU nor recursion
 * protection, and it is notrace. A function without an ftrace record (notrace,
 * noinstr, no fentry call at offset 0) cannot take this redirect: matching
 * refuses it as before.
 */
#define pr_fmt(fmt) "ksplice: " fmt

#include <linux/ftrace.h>
#include <linux/slab.h>
#include "ksplice.h"

struct ksplice_ftrace {
	struct ftrace_ops ops;
	unsigned long new_addr;
	bool active;		/* written only inside stop_machine */
};

static void notrace ksplice_ftrace_handler(unsigned long ip,
					   unsigned long parent_ip,
					   struct ftrace_ops *ops,
					   struct ftrace_regs *fregs)
{
	struct ksplice_ftrace *kf = container_of(ops, struct ksplice_ftrace,
						 ops);

	if (READ_ONCE(kf->active))
		ftrace_instruction_pointer_set(fregs, kf->new_addr);
}

/* Does the function at addr have an ftrace record for its fentry call at addr? */
bool ksplice_ftrace_traceable(unsigned long addr)
{
	return ksplice_kernel.ftrace_location &&
	       ksplice_kernel.ftrace_location(addr) == addr;
}

static int register_one(struct ksplice_update *update,
			struct ksplice_trampoline *t)
{
	struct ksplice_ftrace *kf;
	int ret;

	kf = kzalloc(sizeof(*kf), GFP_KERNEL);
	if (!kf)
		return -ENOMEM;
	kf->new_addr = t->new_addr;
	kf->ops.func = ksplice_ftrace_handler;
	/* as livepatch: IPMODIFY; PERMANENT keeps ftrace_enabled from going 0 */
	kf->ops.flags = FTRACE_OPS_FL_DYNAMIC | FTRACE_OPS_FL_IPMODIFY |
#ifndef CONFIG_HAVE_DYNAMIC_FTRACE_WITH_ARGS
			FTRACE_OPS_FL_SAVE_REGS |
#endif
			FTRACE_OPS_FL_PERMANENT;
	ret = ftrace_set_filter_ip(&kf->ops, t->site, 0, 0);
	if (ret) {
		pr_err("Update %s: %s: cannot set an ftrace filter on %pS (%d)\n",
		       update->id, t->func->label, (void *)t->site, ret);
		goto fail;
	}
	ret = register_ftrace_function(&kf->ops);
	if (ret) {
		pr_err("Update %s: %s: cannot register its ftrace redirect (%d)%s\n",
		       update->id, t->func->label, ret,
		       ret == -EBUSY ? ": another ftrace user (a livepatch?) already modifies its IP, or ftrace is off (kernel.ftrace_enabled)" : "");
		goto fail;
	}
	t->ftrace = kf;
	return 0;
fail:
	ftrace_free_filter(&kf->ops);
	kfree(kf);
	return ret;
}

/*
 * Before stop_machine: register an inactive ftrace_ops for every function of
 * the update redirected through ftrace. On failure nothing stays registered.
 */
int ksplice_ftrace_prepare_target(struct ksplice_update *update,
				  struct ksplice_target *target)
{
	unsigned int i;
	int ret;

	for (i = 0; i < target->nr_tramps; i++) {
		struct ksplice_trampoline *t = &target->tramps[i];

		if (t->func->redirect != KSPLICE_REDIRECT_FTRACE || t->ftrace)
			continue;
		ret = register_one(update, t);
		if (ret) {
			ksplice_ftrace_release_target(target);
			return ret;
		}
	}
	return 0;
}

int ksplice_ftrace_prepare(struct ksplice_update *update)
{
	struct ksplice_target *target;
	int ret;

	list_for_each_entry(target, &update->targets, list) {
		ret = ksplice_ftrace_prepare_target(update, target);
		if (ret) {
			ksplice_ftrace_release(update);
			return ret;
		}
	}
	return 0;
}

/* Unregister and free t's ops, switched off (none: nothing to do). */
void ksplice_ftrace_release_one(struct ksplice_trampoline *t)
{
	struct ksplice_ftrace *kf = t->ftrace;

	if (!kf)
		return;
	WARN_ON(READ_ONCE(kf->active));
	WARN_ON(unregister_ftrace_function(&kf->ops));
	ftrace_free_filter(&kf->ops);
	kfree(kf);
	t->ftrace = NULL;
}

/* After stop_machine (or a failed apply): unregister and free every ops. */
void ksplice_ftrace_release_target(struct ksplice_target *target)
{
	unsigned int i;

	for (i = 0; i < target->nr_tramps; i++)
		ksplice_ftrace_release_one(&target->tramps[i]);
}

void ksplice_ftrace_release(struct ksplice_update *update)
{
	struct ksplice_target *target;

	list_for_each_entry(target, &update->targets, list)
		ksplice_ftrace_release_target(target);
}

/* Inside stop_machine: is t's ops registered, with its redirect as given? */
bool ksplice_ftrace_ready(const struct ksplice_trampoline *t, bool active)
{
	return t->ftrace && READ_ONCE(t->ftrace->active) == active;
}

/* Inside stop_machine, with every other CPU waiting. */
void ksplice_ftrace_switch(struct ksplice_trampoline *t, bool active)
{
	WRITE_ONCE(t->ftrace->active, active);
}

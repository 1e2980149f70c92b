// SPDX-License-Identifier: GPL-2.0
/*
 * kshook: the target module of tests/custom/ and patches/examples/. Its init
 * should set a flag (the seeds' example of a fix that only runs at boot);
 * /proc/kshook shows the flag and what kshook_value() returns.
 */
#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/sched.h>
#include <linux/seq_file.h>

static int kshook_ready;
module_param(kshook_ready, int, 0444);
static int kshook_base = 1;

static noinline int kshook_value(void)
{
	return READ_ONCE(kshook_base);
}

static int kshook_show(struct seq_file *m, void *v)
{
	seq_printf(m, "ready %d value %d\n", READ_ONCE(kshook_ready),
		   kshook_value());
	return 0;
}

static int __init kshook_init(void)
{
	if (!proc_create_single("kshook", 0444, NULL, kshook_show))
		return -ENOMEM;
	return 0;
}

static void __exit kshook_exit(void)
{
	remove_proc_entry("kshook", NULL);
}

module_init(kshook_init);
module_exit(kshook_exit);
MODULE_DESCRIPTION("ksplice test target for custom code");
MODULE_LICENSE("GPL");

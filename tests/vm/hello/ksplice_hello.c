// SPDX-License-Identifier: GPL-2.0
/*
 * The VM harness's smoke-test module: prints a line on load and unload, and
 * with warn=1 triggers a WARNING so that the harness's console check can be
 * shown to catch kernel failures.
 */
#include <linux/module.h>
#include <linux/printk.h>

static bool warn;
module_param(warn, bool, 0444);
MODULE_PARM_DESC(warn, "trigger a WARNING on load");

static int __init ksplice_hello_init(void)
{
	pr_info("ksplice_hello: loaded\n");
	WARN(warn, "ksplice_hello: warning requested\n");
	return 0;
}

static void __exit ksplice_hello_exit(void)
{
	pr_info("ksplice_hello: unloaded\n");
}

module_init(ksplice_hello_init);
module_exit(ksplice_hello_exit);
MODULE_DESCRIPTION("ksplice VM harness smoke test");
MODULE_LICENSE("GPL");

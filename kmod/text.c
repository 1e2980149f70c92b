// SPDX-License-Identifier: GPL-2.0
/*
 * writing kernel text.
 *
 * Kernel and module text is read-only (STRICT_KERNEL_RWX, STRICT_MODULE_RWX)
 * and must never be made writable by flipping CR0.WP. We use the kernel's own
 * text_poke() (found through kallsyms): it maps the page at a temporary
 * address in a private mm, copies, unmaps and flushes that mm's TLB locally.
 *
 * Why text_poke() is safe inside stop_machine, where we call it:
 *  - it does not sleep: the poking PTE is preallocated by poking_init(), its
 *    page-table lock is a spinlock, and it runs with interrupts disabled
 *    itself; the TLB flush of poking_mm needs no IPI because no other CPU
 *    has that mm loaded (see the comments in __text_poke()).
 *  - it expects text_mutex to be held, which is what serialises it against
 *    ftrace, kprobes, jump labels and static calls. patch.c takes
 *    cpus_read_lock() then text_mutex (the order jump labels and kprobes use)
 *    around stop_machine_cpuslocked(), so no other text modification can run
 *    while the machine is stopped and the poking PTE is ours.
 * The alternative (a writable vmap() alias made before stop_machine, as the
 * original Ksplice did) would bypass the kernel's serialisation with ftrace.
 *
 * The other CPUs execute a serialising instruction (sync_core) inside
 * stop_machine once the bytes are written, before they may run them, as the
 * SDM requires for cross-modifying code; ksplice_text_sync() after
 * stop_machine does it once more on every CPU.
 */
#define pr_fmt(fmt) "ksplice: " fmt

#include <linux/smp.h>
#include <linux/string.h>
#include <asm/sync_core.h>
#include "ksplice.h"

/* Called with text_mutex held, inside stop_machine. */
int ksplice_text_write(unsigned long addr, const u8 *bytes, size_t len)
{
	ksplice_kernel.text_poke((void *)addr, bytes, len);
	return memcmp((void *)addr, bytes, len) ? -EIO : 0;
}

static void do_sync_core(void *info)
{
	sync_core();
}

void ksplice_text_sync(void)
{
	on_each_cpu(do_sync_core, NULL, 1);
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ksplice-patch.h: custom code for patches that change state.
 *
 * A patch that changes data semantics, initial values, struct layouts or
 * code that only runs at boot cannot be applied to a running kernel by
 * replacing functions alone: kbuild/ksplice-create says why (its analyzer)
 * and refuses unless the patch carries the matching hooks. The patch
 * includes this header (ksplice-create puts kmod/ on the include path):
 *
 *	#include <ksplice-patch.h>
 *
 *	static void set_flag(void) { my_flag = 1; }
 *	static void clear_flag(void) { my_flag = 0; }
 *	ksplice_apply(set_flag);
 *	ksplice_reverse(clear_flag);
 *
 * Hooks and when the core (kmod/hooks.c) calls them, for apply:
 *
 *	ksplice_pre_apply(int fn(void))    before stop_machine; non-zero vetoes
 *	ksplice_check_apply(int fn(void))  inside stop_machine (every CPU
 *					   stopped, after the stack check, before
 *					   any trampoline); non-zero vetoes
 *	ksplice_apply(void fn(void))       inside stop_machine, right after the
 *					   trampolines are written
 *	ksplice_post_apply(void fn(void))  after stop_machine, on success
 *	ksplice_fail_apply(void fn(void))  when the apply fails after the
 *					   pre_apply hooks ran (a veto, code_busy,
 *					   changed bytes): undo what pre_apply did
 *
 * and the same five for undo: ksplice_pre_reverse, ksplice_check_reverse,
 * ksplice_reverse, ksplice_post_reverse, ksplice_fail_reverse.
 *
 * A veto (a pre or check hook returning non-zero) aborts with call_failed
 * and leaves the kernel as it was: no trampoline is written and the fail
 * hooks run. Hooks inside stop_machine run with interrupts off on one CPU
 * while the others spin: they must not sleep (GFP_ATOMIC only) and should
 * be short. Hooks run in the order the patch defines them (per kind).
 *
 * Each macro places a pointer to the function in the section
 * ".ksplice_hooks.<kind>" of the patched object; packager/ keeps the hook
 * functions in the update's new-code module and lists them in its
 * ksplice_new table (kmod/ksplice_abi.h). ksplice-view --id shows them.
 *
 * Shadow data: new fields for existing objects, without changing their
 * layout (the usual fix for "add a field to a struct"). A shadow is a
 * zeroed block of memory attached to (object address, id); lookups are
 * O(1) (a hash table) and lock-free (RCU); attach and detach take a spin
 * lock and may be called from any context with a suitable gfp. Every shadow
 * attached by an update's code is freed when the update is reversed or its
 * new code is unloaded. The caller owns the synchronisation of the shadow's
 * contents, and must not use a shadow after detaching it.
 */
#ifndef _KSPLICE_PATCH_H
#define _KSPLICE_PATCH_H

#include <linux/compiler.h>
#include <linux/gfp.h>
#include <linux/types.h>

#define __ksplice_hook_int(kind, fn)					\
	static int (*__ksplice_hook_##kind##_##fn)(void) __used		\
	__section(".ksplice_hooks." #kind) = fn

#define __ksplice_hook_void(kind, fn)					\
	static void (*__ksplice_hook_##kind##_##fn)(void) __used		\
	__section(".ksplice_hooks." #kind) = fn

#define ksplice_pre_apply(fn)		__ksplice_hook_int(pre_apply, fn)
#define ksplice_check_apply(fn)		__ksplice_hook_int(check_apply, fn)
#define ksplice_apply(fn)		__ksplice_hook_void(apply, fn)
#define ksplice_post_apply(fn)		__ksplice_hook_void(post_apply, fn)
#define ksplice_fail_apply(fn)		__ksplice_hook_void(fail_apply, fn)

#define ksplice_pre_reverse(fn)		__ksplice_hook_int(pre_reverse, fn)
#define ksplice_check_reverse(fn)	__ksplice_hook_int(check_reverse, fn)
#define ksplice_reverse(fn)		__ksplice_hook_void(reverse, fn)
#define ksplice_post_reverse(fn)	__ksplice_hook_void(post_reverse, fn)
#define ksplice_fail_reverse(fn)	__ksplice_hook_void(fail_reverse, fn)

/* The shadow of (obj, id), or NULL. */
void *ksplice_shadow_get(const void *obj, unsigned long id);
/* Attach a zeroed shadow of size bytes; NULL if one exists or no memory. */
void *ksplice_shadow_attach(const void *obj, unsigned long id, size_t size,
			    gfp_t gfp);
/* The existing shadow, or a new zeroed one; NULL only without memory. */
void *ksplice_shadow_get_or_attach(const void *obj, unsigned long id,
				   size_t size, gfp_t gfp);
/* Free the shadow of (obj, id), if any. */
void ksplice_shadow_detach(const void *obj, unsigned long id);
/* Free every shadow with this id. */
void ksplice_shadow_detach_all(unsigned long id);

#endif /* _KSPLICE_PATCH_H */

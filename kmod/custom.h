/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Custom code of updates inside the core: the hooks of ksplice-patch.h
 * (hooks.c) and shadow data (shadow.c).
 */
#ifndef _KSPLICE_CUSTOM_H
#define _KSPLICE_CUSTOM_H

#include "ksplice.h"

#define KSPLICE_CALL_FAILED	"call_failed"

/* hooks.c */
int ksplice_hooks_register(struct ksplice_update *update,
			   struct ksplice_target *target,
			   const struct ksplice_new *new, struct module *owner);
void ksplice_hooks_unregister(struct ksplice_target *target);
/* Run the int hooks of kind (pre/check); 0, or the first non-zero result. */
int ksplice_call_int_hooks(struct ksplice_update *update, u32 kind);
void ksplice_call_void_hooks(struct ksplice_update *update, u32 kind);
/* Free the shadows of the update's new modules (after reverse). */
void ksplice_hooks_free_shadows(struct ksplice_update *update);

/* shadow.c */
int ksplice_shadow_add_owner(struct module *mod);
void ksplice_shadow_free_owner(struct module *mod, bool forget);
void ksplice_shadow_exit(void);

#endif /* _KSPLICE_CUSTOM_H */

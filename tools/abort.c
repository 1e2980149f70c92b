// SPDX-License-Identifier: GPL-2.0
/* The kernel's abort codes: one exit status and one paragraph each. */
#include <stdio.h>
#include <string.h>
#include "ksplice.h"

static const struct ks_abort aborts[] = {
	{ "no_match", 10,
	  "The running kernel's code of a function to replace does not match the\n"
	  "code this update was built from (its \"pre\" code). The update was made\n"
	  "for a different kernel build or source, or the function was already\n"
	  "changed in memory. The kernel log names the function and the first\n"
	  "differing offset. Nothing was changed." },
	{ "code_busy", 11,
	  "A task was executing (or sleeping inside) a function this update\n"
	  "replaces, every time it was tried (5 times, 1 second apart). The tasks\n"
	  "are listed below as \"command pid function\". Try again when they have\n"
	  "left that code. Nothing was changed." },
	{ "failed_to_find", 12,
	  "A symbol the update needs could not be found in the running kernel, or\n"
	  "several symbols have its name and run-pre matching could not tell which\n"
	  "one is meant. The kernel log names it. Nothing was changed." },
	{ "missing_export", 13,
	  "The update needs a symbol that the running kernel does not provide.\n"
	  "Nothing was changed." },
	{ "already_reversed", 14,
	  "This update has already been reversed." },
	{ "module_busy", 15,
	  "A module of the update is in use. If another update patches this\n"
	  "update's new code, reverse that one first (updates are reversed in the\n"
	  "opposite order of application); the kernel log names it." },
	{ "unexpected_running_task", 16,
	  "A task was found running where none should be. Nothing was changed." },
	{ "target_not_loaded", 17,
	  "The update changes a kernel module that is not loaded, and what it\n"
	  "changes there cannot wait until the module loads (data rewritten in\n"
	  "place, custom code, a static key or static call site; the kernel log\n"
	  "or the message above says which). Load the module first, then apply the\n"
	  "update. Nothing was changed." },
	{ "out_of_memory", 18,
	  "The kernel ran out of memory while preparing the update. Nothing was\n"
	  "changed." },
	{ "call_failed", 19,
	  "A hook of the update refused to run. Nothing was changed." },
	{ "cold_update_loaded", 20,
	  "A conflicting update is already loaded." },
	{ "bad_system_map", 21,
	  "The kernel's symbol table is not the one the update expects." },
	{ "target_loaded", 23,
	  "The update changes the layout of structures that only a module's code\n"
	  "uses: it applies only while that module is not loaded (the module is\n"
	  "then patched as it loads, before any object exists), and undoes only\n"
	  "once it is unloaded again. The kernel log names the module: unload it\n"
	  "(modprobe -r), then try again. Nothing was changed." },
	{ "unexpected", 22,
	  "An unexpected error occurred (see the kernel log: e.g. the trampoline\n"
	  "bytes were changed by someone else, a function is too short for a\n"
	  "trampoline, or ftrace refused to redirect a function: ftrace is off or\n"
	  "another user, such as a livepatch, modifies it). Nothing was changed." },
};

const struct ks_abort *ks_abort_info(const char *code)
{
	size_t i;

	for (i = 0; i < sizeof(aborts) / sizeof(aborts[0]); i++)
		if (!strcmp(aborts[i].code, code))
			return &aborts[i];
	return &aborts[sizeof(aborts) / sizeof(aborts[0]) - 1];
}

void ks_print_abort(const char *id, const char *code)
{
	const struct ks_abort *a = ks_abort_info(code);

	fprintf(stderr, "Ksplice update %s: aborted (%s).\n%s\n", id, code,
		a->text);
}

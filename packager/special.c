// SPDX-License-Identifier: GPL-2.0
/* The special-section table; see special.h. */
#include "special.h"

#include <string.h>

static uint32_t len_fentry(const unsigned char *e, const unsigned char *c, size_t n)
{
	(void)e; (void)c; (void)n;
	return 5;	/* call __fentry__ / nop5 */
}

static uint32_t len_alt(const unsigned char *e, const unsigned char *c, size_t n)
{
	(void)c; (void)n;
	return e[10];	/* alt_instr.instrlen */
}

static uint32_t len_para(const unsigned char *e, const unsigned char *c, size_t n)
{
	(void)c; (void)n;
	return e[9];	/* paravirt_patch_site.len */
}

static uint32_t len_jump(const unsigned char *e, const unsigned char *c, size_t n)
{
	(void)e;
	/* objtool wrote jmp.d8 / nop2 or jmp.d32 / nop5 */
	if (n >= 1 && c[0] == 0xeb)
		return 2;
	if (n >= 2 && c[0] == 0x66 && c[1] == 0x90)
		return 2;
	return 5;
}

static uint32_t len_call5(const unsigned char *e, const unsigned char *c, size_t n)
{
	(void)e; (void)c; (void)n;
	return 5;
}

static uint32_t len_retpoline(const unsigned char *e, const unsigned char *c, size_t n)
{
	(void)e;
	return n >= 1 && c[0] == 0x0f ? 6 : 5;	/* jcc rel32 or call/jmp rel32 */
}

static uint32_t len_lock(const unsigned char *e, const unsigned char *c, size_t n)
{
	(void)e; (void)c; (void)n;
	return 1;
}

const struct ksp_special ksp_specials[] = {
	{ "__mcount_loc", 8, 0, KSP_RANGE_FENTRY, len_fentry, NULL, 0, -1, -1 },
	{ ".altinstructions", 12, 0, KSP_RANGE_ALTINSTR, len_alt, NULL, 0, 4, 11 },
	{ ".parainstructions", 16, 0, KSP_RANGE_PARAVIRT, len_para, NULL, 0, -1, -1 },
	{ "__jump_table", 16, 0, KSP_RANGE_JUMP_LABEL, len_jump, NULL, 0, -1, -1 },
	{ ".static_call_sites", 8, 0, KSP_RANGE_STATIC_CALL, len_call5, NULL, 0, -1, -1 },
	{ ".retpoline_sites", 4, 0, KSP_RANGE_RETPOLINE, len_retpoline, NULL, 0, -1, -1 },
	{ ".return_sites", 4, 0, KSP_RANGE_RETURN, len_call5, NULL, 0, -1, -1 },
	{ ".smp_locks", 4, 0, KSP_RANGE_SMP_LOCK, len_lock, NULL, 0, -1, -1 },
	{ "__ex_table", 12, 0, KSP_RANGE_NONE, NULL, NULL, 0, -1, -1 },
	{ "__bug_table", 12, 0, KSP_RANGE_NONE, NULL, NULL, 0, -1, -1 },
	{ ".orc_unwind_ip", 4, 0, KSP_RANGE_NONE, NULL, ".orc_unwind", 6, -1, -1 },
	{ NULL, 0, 0, KSP_RANGE_NONE, NULL, NULL, 0, -1, -1 },
};

const struct ksp_special *ksp_special_find(const char *name)
{
	const struct ksp_special *s;

	for (s = ksp_specials; s->name; s++)
		if (!strcmp(s->name, name))
			return s;
	return NULL;
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A tiny TAP producer for the project's C unit tests, in the spirit of the
 * kernel's tools/testing/selftests/kselftest.h.
 *
 *	#include "tap.h"
 *	int main(void)
 *	{
 *		tap_plan(2);
 *		tap_ok(1 + 1 == 2, "addition");
 *		tap_is_int(sum(), 3, "sum of the table");
 *		return tap_finish();
 *	}
 *
 * The counters are per test program (a test binary is one process), so the
 * state lives in one static struct here, not in library code.
 */
#ifndef KSPLICE_TAP_H
#define KSPLICE_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static struct {
	int planned, run, failed;
} tap_state;

static inline void tap_plan(int n)
{
	tap_state.planned = n;
	printf("TAP version 13\n1..%d\n", n);
}

static inline int tap_ok(int cond, const char *fmt, ...)
{
	va_list ap;

	tap_state.run++;
	if (!cond)
		tap_state.failed++;
	printf("%sok %d - ", cond ? "" : "not ", tap_state.run);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	return cond;
}

static inline void tap_diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

#define tap_is_int(got, want, ...)                                        \
	do {                                                              \
		long long g_ = (got), w_ = (want);                        \
		if (!tap_ok(g_ == w_, __VA_ARGS__))                       \
			tap_diag("got %lld, want %lld", g_, w_);          \
	} while (0)

#define tap_is_str(got, want, ...)                                        \
	do {                                                              \
		const char *g_ = (got), *w_ = (want);                     \
		if (!tap_ok(g_ && w_ && !strcmp(g_, w_), __VA_ARGS__))    \
			tap_diag("got '%s', want '%s'", g_ ? g_ : "(null)", \
				 w_ ? w_ : "(null)");                     \
	} while (0)

/* Exit status of the test program: 0 when all planned tests ran and passed. */
static inline int tap_finish(void)
{
	if (tap_state.run != tap_state.planned)
		tap_diag("planned %d tests but ran %d", tap_state.planned,
			 tap_state.run);
	return tap_state.failed || tap_state.run != tap_state.planned;
}

#endif /* KSPLICE_TAP_H */

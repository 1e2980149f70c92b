/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the records library's files (records.c: parse and read;
 * records_diff.c: diff; records_print.c: print). Not part of its API.
 */
#ifndef KSPLICE_RECORDS_INT_H
#define KSPLICE_RECORDS_INT_H

#include <stddef.h>

/* Write the message into err (errlen bytes, when err is not NULL); -1. */
int ks_fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* qsort() that accepts an empty (NULL) array. */
void ks_sort(void *base, size_t n, size_t size,
	     int (*cmp)(const void *, const void *));

/* qsort() comparison of two char * (or const char *) elements. */
int ks_cmp_strp(const void *a, const void *b);

/* Make room in *arr (capacity *cap, n used) for one more element. */
int ks_grow(void **arr, size_t *cap, size_t n, size_t size);

#endif

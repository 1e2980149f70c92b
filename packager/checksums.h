/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The plugin's per-function checksums decide which functions an update
 * replaces (gcc-plugin/records.h): see checksums.c.
 */
#ifndef KSPLICE_CHECKSUMS_H
#define KSPLICE_CHECKSUMS_H

#include <stdio.h>

#include "diff.h"

/*
 * When both objects carry the plugin's records, mark changed every function
 * whose checksum changed and report on log the functions where the byte
 * comparison disagrees. *used is 1 when records were used, 0 when an object
 * has none (the byte comparison stands alone). Returns 0, or -1 with err.
 */
int ksp_diff_by_checksums(const char *pre_path, const char *post_path,
			  const struct kelf *pre, const struct kelf *post,
			  struct ksp_diff *d, FILE *log, int *used,
			  char *err, size_t errlen);

#endif /* KSPLICE_CHECKSUMS_H */

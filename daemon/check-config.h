/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * `damond --check-config [FILE...]`: loads, validates and compiles the profiles (all installed ones and
 * damond.conf, or the FILEs given, checked against the installed damond.conf's AllowedStall=) for the
 * running kernel, probed read-only, or a named kernel generation (profile-kernels.h). Prints every problem
 * to stderr as "path:line: Key=value: what is wrong" and the compiled result to stdout. Never writes to
 * the kernel.
 */

#include <stddef.h>

typedef struct CheckConfigOptions {
        const char *root;               /* configuration and kernel files below it; NULL = "/" */
        char * const *config_dirs;      /* NULL = the installed layout below root */
        const char *kernel;             /* "running", or a generation profile_kernel_features() knows */
} CheckConfigOptions;

/* Returns 0 when everything is valid, 1 when something is not, or -errno (said on stderr). */
int check_config_run(const CheckConfigOptions *o, char **files, size_t n_files);

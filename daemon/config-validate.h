/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Validate (docs/dbus-api.md): profiles sent by a caller, or the installed configuration, through the
 * configuration pipeline (config-load.h) for the probed kernel, without running anything and without
 * reading any path a caller names. It blocks for the whole pipeline: the D-Bus service runs it in a child
 * (bus-validate.h).
 */

#include <stdbool.h>
#include <stddef.h>

typedef struct Manager Manager;

/*
 * Validate: loads, validates and compiles for the probed kernel the @n files given as @names (file names,
 * "web.conf") and @contents, includes resolved by name in the configuration directories; with @n == 0
 * the installed configuration (damond.conf and every profile), as a reload would read it. Nothing runs and
 * no path a caller gave is read: a content with an Include= of a path is refused. Fills *ret_valid and
 * *ret_diagnostics (formatted as in LoadRecord, NULL-terminated). Returns 0, or
 *   -EINVAL  a file name is empty, has a '/', or does not end in ".conf", or a file is too large
 *            (*reterr says which);
 *   -ENOMEM.
 */
/* The argument checks of manager_validate(), alone: returns 0 or -EINVAL (*reterr says which file). */
int manager_validate_check(const char * const *names, const char * const *contents, size_t n, char **reterr);

int manager_validate(Manager *m, char * const *names, char * const *contents, size_t n, bool *ret_valid,
                     char ***ret_diagnostics, char **reterr);

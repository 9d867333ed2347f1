/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Shared by the sysfs driver's files (damon-sysfs.c, damon-sysfs-image.c, damon-sysfs-status.c). */

#include "damon-image.h"
#include "damon-sysfs.h"

/* Values the kernel would reject with EINVAL (or silently ignore), independent of the kernel version. */
int damon_spec_validate(const DamonSpec *spec, DamonError *reterr);

/* Whether the probed kernel can take @spec: -EOPNOTSUPP naming the setting, feature and version. */
int damon_image_check(const DamonImage *img, const DamonSpec *spec, const DamonFeatures *f, DamonError *reterr);

_printf_(2, 3) void damon_error_set(DamonError *e, const char *fmt, ...);

/* "sys/kernel/mm/damon/admin/kdamonds/K/REL" into @buf. -ENAMETOOLONG. */
int damon_kdamond_path(char *buf, size_t size, unsigned index, const char *rel);

/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * proc/iomem below a Root: the physical address ranges of System RAM, for paddr profiles whose regions
 * are "auto" (what DAMON's own modules monitor by default).
 */

#include <stdint.h>

#include "root.h"

/* The largest top-level "System RAM" range of proc/iomem, @ret_end exclusive. Nested lines (indented:
 * kernel code, data, ...) are skipped. -ENOENT if there is none (or the file reads all zeros, as it does
 * without CAP_SYS_ADMIN), other -errno from reading. */
int iomem_largest_system_ram(const Root *root, uint64_t *ret_start, uint64_t *ret_end);

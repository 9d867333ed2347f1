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

/* Ranges smaller than this are left out of "all System RAM": firmware holes leave slivers (the 640 KiB
 * below 1 MiB, EFI fragments) that would only cost DAMON regions. */
#define IOMEM_MIN_RANGE (UINT64_C(4) * 1024 * 1024)
/* At most this many ranges are returned (the largest ones), so that a fragmented map cannot exceed the
 * kernel's region limits. */
#define IOMEM_MAX_RANGES 64

typedef struct IomemRange {
        uint64_t start, end;    /* [start, end) */
} IomemRange;

/* Every top-level "System RAM" range of at least IOMEM_MIN_RANGE (the largest IOMEM_MAX_RANGES of
 * them), sorted by address, into a new array. -ENOENT if there is none. */
int iomem_system_ram(const Root *root, IomemRange **ret, size_t *ret_n);

/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The staged image of a spec: the ordered list of sysfs files (relative to kdamonds/K/) that describe
 * it, in the write order of damon-abi.md 4.3, each with the feature its file (or its value) needs and
 * whether the value is the kernel default. Staging walks this list; checking walks it too.
 */

#include "damon-sysfs.h"

#define DAMON_IMAGE_PATH_MAX 192
#define DAMON_IMAGE_VALUE_MAX 256

typedef enum ImageKind {
        IMAGE_NR,               /* an nr_* file: writing it wipes and recreates the subtree */
        IMAGE_U64,
        IMAGE_S64,
        IMAGE_BOOL,
        IMAGE_KEYWORD,
        IMAGE_STRING,
} ImageKind;

typedef struct ImageEntry {
        char path[DAMON_IMAGE_PATH_MAX];
        char value[DAMON_IMAGE_VALUE_MAX];
        ImageKind kind;
        bool is_default;
        int file_feature;       /* DamonFeature the file needs, or -1 */
        int value_feature;      /* DamonFeature this value needs even where the file exists, or -1 */
        const char *what;       /* the setting, for messages */
        /* Sampling/aggregation intervals while the kernel tunes them: not compared on a running
         * kdamond, since the kernel rewrites them (refresh_ms, update_tuned_intervals). */
        bool kernel_tuned;
} ImageEntry;

typedef struct DamonImage {
        ImageEntry *entries;
        size_t n;
} DamonImage;

void damon_image_done(DamonImage *img);

/* Builds the image of @spec. -ENAMETOOLONG if a string does not fit, -ENOMEM. */
int damon_image_build(const DamonSpec *spec, DamonImage *ret);

/* Values the kernel would reject with EINVAL (or silently ignore), independent of the kernel version. */
int damon_spec_validate(const DamonSpec *spec, DamonError *reterr);

/* Whether the probed kernel can take @spec: -EOPNOTSUPP naming the setting, feature and version. */
int damon_image_check(const DamonImage *img, const DamonSpec *spec, const DamonFeatures *f, DamonError *reterr);

_printf_(2, 3) void damon_error_set(DamonError *e, const char *fmt, ...);

/* "sys/kernel/mm/damon/admin/kdamonds/K/REL" into @buf. -ENAMETOOLONG. */
int damon_kdamond_path(char *buf, size_t size, unsigned index, const char *rel);

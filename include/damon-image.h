/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The sysfs image of a spec: the ordered list of files below kdamonds/K/ that describe a DamonSpec, with
 * the value each gets, in the order they are written (nr_* files before the subtrees they create, the
 * operations before the targets' regions, a filter's type before its other files). Each entry knows the
 * feature its file (or its value) needs and whether the value is the kernel's default.
 *
 * It is the one rendering of a spec into files: the sysfs driver stages it (damon-sysfs.h writes the
 * entries that differ), and a compiled profile's listing and fingerprint print it (profile-compile.h),
 * so that what a profile is said to write and what is written cannot drift apart.
 */

#include <stdbool.h>
#include <stddef.h>

#include "damon-features.h"
#include "damon-model.h"

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
        char path[DAMON_IMAGE_PATH_MAX];        /* relative to kdamonds/K/ */
        char value[DAMON_IMAGE_VALUE_MAX];      /* as written: decimal numbers, Y/N, keywords */
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

/* Builds the image of @spec. Returns 0, -ENAMETOOLONG if a string does not fit, or -ENOMEM. */
int damon_image_build(const DamonSpec *spec, DamonImage *ret);

/* Whether @e's file exists on a kernel with features @f. */
bool damon_image_entry_exists(const ImageEntry *e, const DamonFeatures *f);

/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* What the daemon needs from the profile API beyond profile.h and profile-compile.h. */

#include "profile-compile.h"
#include "profile.h"

#define PROFILE_DIRS_MAX 16

/* ProfileDirs with their own storage. */
typedef struct ProfileDirsBuf {
        char *storage[2][PROFILE_DIRS_MAX];
        const char *config[PROFILE_DIRS_MAX];
        const char *policy[PROFILE_DIRS_MAX];
        ProfileDirs dirs;
} ProfileDirsBuf;

/* The installed layout below @root (NULL or "/" = as installed); @config_dirs (NULL-terminated, may be
 * NULL) replaces the configuration directories (taken as given, not below @root). Returns 0 or -ENOMEM. */
int profile_dirs_build(ProfileDirsBuf *b, const char *root, char * const *config_dirs);
void profile_dirs_done(ProfileDirsBuf *b);

/* A canonical text of everything of @c that reaches the kernel or damond's own behaviour (the dump of
 * compiled_profile_dump() for @features, plus Enabled=): two compiled profiles are equal when their
 * fingerprints are. Returns a new string in *ret, or -ENOMEM. */
int compiled_profile_fingerprint(const CompiledProfile *c, const DamonFeatures *features, char **ret);

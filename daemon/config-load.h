/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The one configuration pipeline: damond's start-up and reload, `damond --check-config` and the D-Bus
 * Validate all read profiles through it, so that none of them accepts what another refuses:
 *   config_profile_load()     reads a profile (from disk, or its main file from memory as if installed),
 *                             with its includes and drop-ins, and validates it;
 *   config_profiles_check_names()  refuses a second file with a name already taken;
 *   config_profile_compile()  compiles a valid one for the kernel's features and the memory tiers.
 * Every problem lands in the ConfigProfile's DiagList; functions return <0 only for -ENOMEM.
 */

#include "config-files.h"
#include "memory-tiers.h"
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

/* A profile read through the pipeline. */
typedef struct ConfigProfile {
        char *path;
        Profile *profile;               /* NULL: not even read (see diags) */
        DiagList diags;
        CompiledProfile compiled;       /* set by config_profile_compile() when valid */
        char *fingerprint;              /* likewise */
        bool valid;                     /* no error so far */
} ConfigProfile;

void config_profile_done(ConfigProfile *c);
void config_profiles_free(ConfigProfile *l, size_t n);

/* Loads and validates the profile whose main file is @path; @data non-NULL: the main file's contents
 * (@size bytes, NUL-terminated), as if @path held them (profile_load_data()). @root (may be NULL) is
 * where cgroups are looked up. Returns 0 or -ENOMEM; c->valid says whether it has no error. */
int config_profile_load(ConfigProfile *c, const char *path, const char *data, size_t size, const ProfileDirs *dirs,
                        const Root *root);

/* The names taken so far, for profiles checked one at a time (and freed before the next is read). */
typedef struct ConfigNames {
        StrMap by_name;                 /* name -> the path of the first file of that name (in paths) */
        char **paths;
        size_t n;
} ConfigNames;

void config_names_done(ConfigNames *names);
/* Marks @c as invalid, with an error, when an earlier profile took its name: two files with the same
 * Name= would fight over one profile. Returns 0 or -ENOMEM. */
int config_names_check(ConfigNames *names, ConfigProfile *c);
/* config_names_check() for each of @l in order. */
int config_profiles_check_names(ConfigProfile *l, size_t n);

/* Compiles a valid profile for @features; Nodes=auto needs @tiers (NULL: not known, said as such).
 * Fills compiled and fingerprint. Returns 0 or -ENOMEM; c->valid says whether it has no error. */
int config_profile_compile(ConfigProfile *c, const DamonFeatures *features, const MemoryTopology *tiers);

/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * damond's configuration on the disk: which files there are and what they hold. The parser
 * (policies/, profile.h) reads nothing itself; this finds the files in the configuration directories
 * and reads them for it, and answers its questions about the machine from the kernel/ layer.
 */

#include "profile.h"
#include "root.h"

/* Where configuration lives. Directories are tried in order, first wins for a file name: an
 * /etc/damond/foo.conf hides /usr/lib/damond/foo.conf. All arrays are NULL-terminated. */
typedef struct ProfileDirs {
        const char * const *config_dirs;        /* profiles, damond.conf, drop-ins: /etc, /run, /usr/lib */
        const char * const *policy_dirs;        /* includable policies: .../policies, then the datadir */
} ProfileDirs;

/* The installed layout (paths from the build configuration). */
extern const ProfileDirs profile_dirs_default;

/*
 * The ProfileFiles of @dirs (which must outlive it): files are read only if they are regular files (a
 * FIFO, a device or a directory is refused before it is opened for reading), and an Include= name is
 * looked up in the policy directories, then the config directories; a name containing '/' is a path,
 * relative to the including file.
 */
void profile_files_disk(const ProfileDirs *dirs, ProfileFiles *ret);

/* The ProfileMachine of @root (which must outlive it; NULL: no checks). */
void profile_machine_root(const Root *root, ProfileMachine *ret);

/*
 * Loads the profile whose main file is @path (profile_load_files()) with its drop-ins, NAME.conf.d/ *.conf
 * in every config directory and beside @path: a drop-in file name in an earlier directory hides the same
 * name in later ones, and they are read in file-name order. @data non-NULL: the main file's contents
 * (@size bytes, NUL-terminated) as if @path held them and were installed (only the config directories'
 * drop-ins then). Always sets *ret (unless -ENOMEM), even with errors.
 */
int profile_load_data(const char *path, const char *data, size_t size, const ProfileDirs *dirs, Profile **ret,
                      DiagList *diags);
int profile_load(const char *path, const ProfileDirs *dirs, Profile **ret, DiagList *diags);

/*
 * The profiles to run: every NAME.conf directly in the config directories but damond.conf, the first
 * directory holding a name winning; names whose winning file is empty-by-symlink (a link to /dev/null)
 * are masked and left out. Returns the paths, sorted by profile name, NULL-terminated, in *ret.
 */
int profile_enumerate(const ProfileDirs *dirs, char ***ret);

/* Reads damond.conf from the first config directory that has it, then damond.conf.d/ *.conf drop-ins.
 * A missing damond.conf is not an error: @ret then holds the defaults. */
int damond_config_load(const ProfileDirs *dirs, DamondConfig *ret, DiagList *diags);

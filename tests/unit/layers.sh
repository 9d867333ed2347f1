#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The layer rule of policies/: no file I/O. No object compiled from policies/ into the core library
# (argument 1) may call a function that opens, reads or examines a file: files reach the parser through
# a ProfileFiles and the machine reaches validation through a ProfileMachine (include/profile.h).
set -eu
forbidden=' open open64 openat openat64 fopen fopen64 freopen opendir fdopendir readdir readdir64 scandir
 read pread pread64 readv access faccessat realpath stat stat64 lstat lstat64 fstat fstat64 fstatat
 fstatat64 statx statfs statfs64 fstatfs fstatfs64 readlink readlinkat ini_parse ini_parse_file
 root_open root_openat root_read_file root_read_head '
symbols=$(nm -u -A "$1" | awk '$1 ~ /policies_/ { n = split($1, a, "/"); print a[n], $NF }')
[ -n "$symbols" ] || { echo "no policies/ objects in $1"; exit 1; }
status=0
printf '%s\n' "$symbols" | {
        while read -r object symbol; do
                case "$forbidden" in
                *" $symbol "*)
                        echo "policies/$(echo "${object#policies_}" | sed 's/\.o:$//'): calls $symbol()"
                        status=1 ;;
                esac
        done
        exit $status
}

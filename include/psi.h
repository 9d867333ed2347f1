/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Pressure stall information (Documentation/accounting/psi.rst): readers of the system and per-cgroup
 * memory pressure files, and PSI triggers.
 *
 * Files, relative to the root (root.h):
 *   system:  "proc/pressure/memory"
 *   cgroup:  "sys/fs/cgroup/<cgroup path>/memory.pressure" (cgroup v2)
 * Both have the format
 *   some avg10=0.12 avg60=0.05 avg300=0.01 total=123456
 *   full avg10=0.00 avg60=0.00 avg300=0.00 total=4567
 * "full" is absent from the system CPU file before 5.13 and may be absent elsewhere on old kernels.
 *
 * Units:
 *   avg10/avg60/avg300  percent of wall time in the last 10/60/300 s, kept as fixed-point hundredths
 *                       of a percent (the kernel prints exactly two decimals): 1234 = 12.34 %, 0..10000.
 *                       Integers avoid float comparisons in tuners and keep the value the kernel printed.
 *   total               cumulative stall time in microseconds since boot (or since the cgroup was
 *                       created); monotonic while the file's owner lives.
 *   trigger stall/window microseconds.
 *
 * Nothing here blocks beyond a read or write of one small file; nothing logs.
 */

#include <stdbool.h>
#include <stdint.h>

#include "root.h"

#define PSI_SYSTEM_MEMORY_PATH "proc/pressure/memory"
#define PSI_CGROUP_ROOT_PATH "sys/fs/cgroup"

/* Largest pressure file we read. Real files are about 100 bytes; more is not a pressure file (-EFBIG). */
#define PSI_FILE_MAX (64U * 1024U)

/* The kernel's trigger limits (kernel/sched/psi.c psi_trigger_create, psi.rst "Userspace monitor usage") */
#define PSI_TRIGGER_WINDOW_MIN_USEC UINT64_C(500000)
#define PSI_TRIGGER_WINDOW_MAX_USEC UINT64_C(10000000)

/* avgs are hundredths of a percent: PSI_AVG_MAX is 100.00 % */
#define PSI_AVG_MAX 10000U

typedef enum PsiKind {
        PSI_SOME,       /* at least one task stalled */
        PSI_FULL,       /* all non-idle tasks stalled at once */
        _PSI_KIND_MAX,
        _PSI_KIND_INVALID = -EINVAL,
} PsiKind;

typedef struct PsiLine {
        uint32_t avg10;         /* hundredths of a percent, 0..PSI_AVG_MAX */
        uint32_t avg60;
        uint32_t avg300;
        uint64_t total_usec;    /* cumulative stall, µs */
} PsiLine;

typedef struct PsiStats {
        PsiLine some;
        PsiLine full;           /* all zero when !has_full */
        bool has_full;
} PsiStats;

const char *psi_kind_to_string(PsiKind k);      /* "some", "full" */
PsiKind psi_kind_from_string(const char *s);

/*
 * Parses the text of a pressure file. Accepted: lines "some ..." and "full ..." in any order, each with
 * avg10=, avg60=, avg300= and total= (in any order), fields separated by spaces or tabs; unknown extra
 * fields (name=value) and unknown lines ("word ...") are ignored, for forward compatibility; a missing
 * final newline; a missing "full" line (has_full = false).
 * Returns 0, or
 *   -EINVAL  no "some" line; a known line missing a field, repeated, or with a field repeated; a
 *            field without '='; a value that is not a plain decimal number (signs, "nan", "inf",
 *            exponents, empty values, more than 9 decimals on an avg, a decimal point on total);
 *            a line that does not start with a lowercase word (garbage); a truncated line;
 *   -ERANGE  total above UINT64_MAX, an avg above 100.00.
 * On error *ret is left untouched.
 */
int psi_parse(const char *text, PsiStats *ret);

/* Reads and parses a pressure file at @relpath below @root. Besides psi_parse()'s errors: -ENOENT
 * (no such file: PSI disabled, no such cgroup), -EOPNOTSUPP (the kernel has PSI compiled in but
 * disabled with psi=0), -EFBIG (larger than PSI_FILE_MAX), -EINVAL for a file with a NUL byte. */
int psi_read_file(const Root *root, const char *relpath, PsiStats *ret);

/* psi_read_file() of "proc/pressure/memory". */
int psi_read_system(const Root *root, PsiStats *ret);

/* The cgroup's memory.pressure, read through cgroup_read_file() (cgroup.h: libcgroup on the machine's root),
 * parsed as psi_read_file() does. @cgpath as in psi_cgroup_pressure_path(). */
int psi_read_cgroup(const Root *root, const char *cgpath, PsiStats *ret);

/* The "total" of one kind from the system file (@cgpath NULL) or a cgroup's. -ENODATA when @kind is
 * PSI_FULL and the file has no "full" line. */
int psi_read_total_usec(const Root *root, const char *cgpath, PsiKind kind, uint64_t *ret);

/*
 * Builds the root-relative path of a cgroup's memory.pressure from a cgroup path as systemd and the
 * DAMON memcg filters write it ("/system.slice/foo.service"; the leading slash is optional). Empty
 * components and "." are dropped ("//a/./b/" = "/a/b"); "/" is the root cgroup. Returns 0 and a new
 * string in *ret, or -EINVAL for NULL, "" or any ".." component, -ENAMETOOLONG beyond PATH_MAX.
 */
int psi_cgroup_pressure_path(const char *cgpath, char **ret);
/* The same below another cgroup2 mount point, relative to the root: "sys/fs/cgroup/unified" on systemd's
 * hybrid layout (cgroup v1 controllers, with cgroup2 and its pressure files at .../unified). */
int psi_cgroup_pressure_path_at(const char *mount_relpath, const char *cgpath, char **ret);

/*
 * PSI triggers. Opens @relpath (a pressure file below @root) O_RDWR|O_NONBLOCK|O_CLOEXEC and writes
 * "<some|full> <stall_usec> <window_usec>" followed by its terminating NUL in one write(), as psi.rst
 * does. The caller polls the returned fd for POLLPRI (stall_usec of stall within a window_usec window;
 * the kernel rate-limits events to one per window) and owns the fd: closing it removes the trigger.
 * Validated before anything is opened: 500 ms <= window <= 10 s and 0 < stall <= window, else -EINVAL.
 * The NUL matters: the kernel overwrites the last byte written with one, so without it the window's last
 * digit would be lost (verified on 6.18: "some 150000 2000000" without the NUL gives EINVAL).
 * Kernel errors are passed through: -EINVAL also when the opener lacks CAP_SYS_RESOURCE and the window
 * is not a multiple of 2 s (6.5+, and stable kernels that took the change, such as Debian's 6.1.192;
 * seen in containers and units with a reduced CapabilityBoundingSet),
 * -EACCES/-EPERM (no write access), -EOPNOTSUPP (PSI disabled), -ENOENT.
 * Returns 0 and *ret_fd.
 */
int psi_trigger_validate(PsiKind kind, uint64_t stall_usec, uint64_t window_usec);
int psi_trigger_format(PsiKind kind, uint64_t stall_usec, uint64_t window_usec, char *buf, size_t size);
int psi_trigger_open(
                const Root *root,
                const char *relpath,
                PsiKind kind,
                uint64_t stall_usec,
                uint64_t window_usec,
                int *ret_fd);

/* What poll() said about a trigger fd: 1 when POLLPRI fired, 0 for nothing, -ENODEV on POLLERR (the
 * monitored file went away: the cgroup was removed; the trigger is dead and the fd should be closed). */
int psi_trigger_revents(short revents);

/*
 * Stall between two readings of a total, in µs. The kernel's total only grows; a smaller @now means it
 * was reset (the cgroup was removed and created again under the same path), so the stall since the
 * reset, @now itself, is the best answer. Returns 0, or 1 when a reset was seen.
 */
int psi_delta_usec(uint64_t prev, uint64_t now, uint64_t *ret);
/* psi_delta_usec() of one kind between two PsiStats; -ENODATA for PSI_FULL when either lacks it. */
int psi_stats_delta_usec(const PsiStats *prev, const PsiStats *now, PsiKind kind, uint64_t *ret);
/* @stall_usec over @interval_usec in basis points (1/10000), capped at 10000; 0 for an empty interval. */
uint64_t psi_stall_permyriad(uint64_t stall_usec, uint64_t interval_usec);

/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * The I/O seam under every DAMON sysfs and module-parameter access.
 *
 * All paths are relative to the root (see root.h), e.g. "sys/kernel/mm/damon/admin/kdamonds/nr_kdamonds".
 * The real backend does openat()/read()/write() below a Root. Tests install a backend that behaves like
 * the kernel (tests/fake/fake-kernel.h) and count what is written.
 *
 * Serialisation: every DamonIO call takes the DamonIO's (recursive) lock, and the driver holds it across
 * each whole operation (stage + commit), so two threads never interleave DAMON sysfs I/O through one
 * DamonIO. damond uses exactly one DamonIO.
 *
 * EBUSY: the kernel answers EBUSY to nr_*, state and pid accesses while its damon_sysfs_lock is held by a
 * pending state command (6.14+), and on lock contention. damon_io_read() and damon_io_write() retry EBUSY
 * up to DAMON_IO_EBUSY_TRIES times with an exponential back-off starting at DAMON_IO_EBUSY_FIRST_USEC
 * (about 1.3 s in all), then return -EBUSY. damon_io_write_once() does not retry: for writes whose EBUSY
 * has a meaning of its own (nr_kdamonds while a kdamond runs, "on" while a module holds DAMON).
 * All of these calls block the calling thread; a state command blocks until the kdamond has handled it
 * (about one sampling interval, or a whole apply interval for update_schemes_tried_regions).
 */

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "macro.h"
#include "root.h"

#define DAMON_IO_EBUSY_TRIES 8
#define DAMON_IO_EBUSY_FIRST_USEC UINT64_C(10000)

typedef struct DamonIOOps {
        /* Reads the file at @path into @buf (at most @size-1 bytes), NUL-terminates it.
         * Returns the number of bytes read or -errno. */
        ssize_t (*read)(void *userdata, const char *path, char *buf, size_t size);
        /* Writes @value with one write() call. Returns 0 or -errno. */
        int (*write)(void *userdata, const char *path, const char *value);
        /* Returns 1 if @path exists, 0 if not, -errno on other errors. */
        int (*exists)(void *userdata, const char *path);
        /* Returns the entry names of directory @path (no "." or ".."), NULL-terminated, sorted
         * in natural order (numbers by value). -ENOENT if there is no such directory. */
        int (*list)(void *userdata, const char *path, char ***ret_names);
        /* Sleeps for the EBUSY back-off; tests count instead of sleeping. */
        void (*sleep_usec)(void *userdata, uint64_t usec);
} DamonIOOps;

typedef struct DamonIOStats {
        uint64_t reads;
        uint64_t writes;          /* successful writes */
        uint64_t failed_writes;
        uint64_t ebusy_retries;
} DamonIOStats;

typedef struct DamonIO DamonIO;

/* Observer called after every write attempt (successful or not): write logs and counts in tests,
 * --dry-run style tracing in tools. @r is 0 or the -errno the write returned. */
typedef void (*DamonIOWriteHook)(void *userdata, const char *path, const char *value, int r);

/* The real backend below @root. @root must outlive the DamonIO. */
int damon_io_new_root(const Root *root, DamonIO **ret);
/* A custom backend. @ops and @userdata must outlive the DamonIO. */
int damon_io_new(const DamonIOOps *ops, void *userdata, DamonIO **ret);
DamonIO *damon_io_free(DamonIO *io);
DEFINE_TRIVIAL_CLEANUP_FUNC(DamonIO *, damon_io_free);

/* The real backend's operations, with a Root as userdata: fake backends reuse them for reads. */
extern const DamonIOOps damon_io_root_ops;

/* While *@flag is true (another thread of ours has a state command pending in the kernel, which then
 * answers EBUSY: damon-snapshot.h), an EBUSY is not retried with the back-off but returned at once as
 * -EAGAIN: "try again later", which the driver's callers already take as a deferral (commit, goal feed)
 * or a reading to skip (status, health). NULL: always retry. @flag must outlive the DamonIO or be unset
 * first. */
void damon_io_set_busy_flag(DamonIO *io, const atomic_bool *flag);

void damon_io_set_write_hook(DamonIO *io, DamonIOWriteHook hook, void *userdata);
const DamonIOStats *damon_io_stats(const DamonIO *io);
void damon_io_reset_stats(DamonIO *io);

/* Sleeps through the backend (tests count instead of sleeping): for bounded polls such as waiting for a
 * module to consume commit_inputs. */
void damon_io_sleep_usec(DamonIO *io, uint64_t usec);

void damon_io_lock(DamonIO *io);
void damon_io_unlock(DamonIO *io);

/* Reads a small file, strips one trailing newline. Returns 0 or -errno (-EFBIG if it did not fit). */
int damon_io_read(DamonIO *io, const char *path, char *buf, size_t size);
int damon_io_read_u64(DamonIO *io, const char *path, uint64_t *ret);
int damon_io_read_s64(DamonIO *io, const char *path, int64_t *ret);
/* Accepts Y/N/1/0 (what the kernel prints for bool files and what it takes). */
int damon_io_read_bool(DamonIO *io, const char *path, bool *ret);

int damon_io_write(DamonIO *io, const char *path, const char *value);
int damon_io_write_once(DamonIO *io, const char *path, const char *value);
/* Writes decimal without leading zeros: the kernel parses with base 0, so "010" would be octal 8. */
int damon_io_write_u64(DamonIO *io, const char *path, uint64_t v);
int damon_io_write_s64(DamonIO *io, const char *path, int64_t v);

int damon_io_exists(DamonIO *io, const char *path);
int damon_io_list(DamonIO *io, const char *path, char ***ret_names);

/* Parsers shared with the fakes and readers: decimal, or the kernel's base-0 forms (0x.., 0..). Reject
 * empty strings, signs on unsigned values, trailing garbage other than one newline, and overflow. */
int parse_u64_kernel(const char *s, uint64_t *ret);
int parse_s64_kernel(const char *s, int64_t *ret);
int parse_bool_kernel(const char *s, bool *ret);

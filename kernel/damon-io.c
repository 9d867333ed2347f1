/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "damon-io.h"

struct DamonIO {
        const DamonIOOps *ops;
        void *userdata;
        pthread_mutex_t lock;
        DamonIOStats stats;
        DamonIOWriteHook write_hook;
        void *write_hook_userdata;
        const atomic_bool *busy_flag;
};

/* An EBUSY while our own other thread keeps the kernel busy (damon_io_set_busy_flag()) lasts as long as
 * its command: not worth a back-off. */
static bool busy_elsewhere(const DamonIO *io) {
        return io->busy_flag && atomic_load(io->busy_flag);
}

void damon_io_set_busy_flag(DamonIO *io, const atomic_bool *flag) {
        io->busy_flag = flag;
}

static ssize_t root_ops_read(void *userdata, const char *path, char *buf, size_t size) {
        ssize_t n = root_read_head(userdata, path, buf, size);

        /* the values we read are short; one that fills the buffer is not what we expect */
        if (n >= 0 && (size_t) n == size - 1)
                return -EFBIG;
        return n;
}

static int root_ops_write(void *userdata, const char *path, const char *value) {
        const Root *root = userdata;
        _cleanup_close_ int fd = -EBADF;
        size_t len = strlen(value);
        ssize_t n;

        /* O_TRUNC is what damo and shells do; sysfs ignores it, and a plain file (a fixture tree)
         * then holds the value alone. No O_CREAT: a missing file is an error the caller must see. */
        fd = root_openat(root, path, O_WRONLY | O_TRUNC);
        if (fd < 0)
                return fd;
        /* sysfs takes a value in one write(); a partial write would leave a half-parsed value */
        do
                n = write(fd, value, len);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return -errno;
        if ((size_t) n != len)
                return -EIO;
        return 0;
}

static int root_ops_exists(void *userdata, const char *path) {
        const Root *root = userdata;

        if (faccessat(root->fd, path, F_OK, AT_SYMLINK_NOFOLLOW) >= 0)
                return 1;
        if (errno == ENOENT || errno == ENOTDIR)
                return 0;
        return -errno;
}

static int natural_cmp(const void *a, const void *b) {
        const char *x = *(const char * const *) a, *y = *(const char * const *) b;
        bool xd = x[0] && strspn(x, "0123456789") == strlen(x);
        bool yd = y[0] && strspn(y, "0123456789") == strlen(y);

        if (xd && yd) {
                size_t lx = strlen(x), ly = strlen(y);
                if (lx != ly)
                        return lx < ly ? -1 : 1;
        } else if (xd != yd)
                return xd ? -1 : 1;
        return strcmp(x, y);
}

static int root_ops_list(void *userdata, const char *path, char ***ret_names) {
        const Root *root = userdata;
        _cleanup_strv_free_ char **names = NULL;
        _cleanup_close_ int fd = -EBADF;
        DIR *d;
        size_t n = 0, cap = 0;
        struct dirent *de;
        int r = 0;

        fd = root_openat(root, path, O_RDONLY | O_DIRECTORY);
        if (fd < 0)
                return fd;
        d = fdopendir(fd);
        if (!d)
                return -errno;
        TAKE_FD(fd);

        errno = 0;
        while ((de = readdir(d))) {
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                if (n + 2 > cap) {
                        size_t ncap = cap ? cap * 2 : 16;
                        char **l = realloc(names, ncap * sizeof(char *));
                        if (!l) {
                                r = -ENOMEM;
                                break;
                        }
                        names = l;
                        cap = ncap;
                }
                names[n] = strdup(de->d_name);
                if (!names[n]) {
                        r = -ENOMEM;
                        break;
                }
                names[++n] = NULL;
        }
        closedir(d);
        if (r < 0)
                return r;
        if (!names) {
                names = calloc(1, sizeof(char *));
                if (!names)
                        return -ENOMEM;
        }
        qsort(names, n, sizeof(char *), natural_cmp);
        *ret_names = TAKE_PTR(names);
        return 0;
}

static void root_ops_sleep_usec(void *userdata, uint64_t usec) {
        struct timespec ts = {
                .tv_sec = usec / USEC_PER_SEC,
                .tv_nsec = (usec % USEC_PER_SEC) * 1000,
        };

        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

const DamonIOOps damon_io_root_ops = {
        .read = root_ops_read,
        .write = root_ops_write,
        .exists = root_ops_exists,
        .list = root_ops_list,
        .sleep_usec = root_ops_sleep_usec,
};

int damon_io_new(const DamonIOOps *ops, void *userdata, DamonIO **ret) {
        pthread_mutexattr_t attr;
        DamonIO *io;

        if (!ops || !ret)
                return -EINVAL;
        io = calloc(1, sizeof(*io));
        if (!io)
                return -ENOMEM;
        io->ops = ops;
        io->userdata = userdata;
        pthread_mutexattr_init(&attr);
        pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
        pthread_mutex_init(&io->lock, &attr);
        pthread_mutexattr_destroy(&attr);
        *ret = io;
        return 0;
}

int damon_io_new_root(const Root *root, DamonIO **ret) {
        if (!root)
                return -EINVAL;
        return damon_io_new(&damon_io_root_ops, (void *) root, ret);
}

DamonIO *damon_io_free(DamonIO *io) {
        if (!io)
                return NULL;
        pthread_mutex_destroy(&io->lock);
        return mfree(io);
}

void damon_io_set_write_hook(DamonIO *io, DamonIOWriteHook hook, void *userdata) {
        io->write_hook = hook;
        io->write_hook_userdata = userdata;
}

const DamonIOStats *damon_io_stats(const DamonIO *io) {
        return &io->stats;
}

void damon_io_reset_stats(DamonIO *io) {
        damon_io_lock(io);
        io->stats = (DamonIOStats) {};
        damon_io_unlock(io);
}

void damon_io_sleep_usec(DamonIO *io, uint64_t usec) {
        io->ops->sleep_usec(io->userdata, usec);
}

void damon_io_lock(DamonIO *io) {
        pthread_mutex_lock(&io->lock);
}

void damon_io_unlock(DamonIO *io) {
        pthread_mutex_unlock(&io->lock);
}

int damon_io_read(DamonIO *io, const char *path, char *buf, size_t size) {
        uint64_t backoff = DAMON_IO_EBUSY_FIRST_USEC;
        ssize_t n = -EBUSY;

        damon_io_lock(io);
        for (unsigned i = 0; i < DAMON_IO_EBUSY_TRIES; i++) {
                if (i > 0) {
                        io->stats.ebusy_retries++;
                        io->ops->sleep_usec(io->userdata, backoff);
                        backoff *= 2;
                }
                n = io->ops->read(io->userdata, path, buf, size);
                if (n != -EBUSY || busy_elsewhere(io))
                        break;
        }
        if (n == -EBUSY && busy_elsewhere(io))
                n = -EAGAIN;
        if (n >= 0)
                io->stats.reads++;
        damon_io_unlock(io);
        if (n < 0)
                return (int) n;
        if (n > 0 && buf[n - 1] == '\n')
                buf[n - 1] = '\0';
        return 0;
}

int damon_io_read_u64(DamonIO *io, const char *path, uint64_t *ret) {
        char buf[64];
        int r;

        r = damon_io_read(io, path, buf, sizeof(buf));
        if (r < 0)
                return r;
        return parse_u64_kernel(buf, ret);
}

int damon_io_read_s64(DamonIO *io, const char *path, int64_t *ret) {
        char buf[64];
        int r;

        r = damon_io_read(io, path, buf, sizeof(buf));
        if (r < 0)
                return r;
        return parse_s64_kernel(buf, ret);
}

int damon_io_read_bool(DamonIO *io, const char *path, bool *ret) {
        char buf[16];
        int r;

        r = damon_io_read(io, path, buf, sizeof(buf));
        if (r < 0)
                return r;
        return parse_bool_kernel(buf, ret);
}

static int write_internal(DamonIO *io, const char *path, const char *value, unsigned tries) {
        uint64_t backoff = DAMON_IO_EBUSY_FIRST_USEC;
        int r = -EBUSY;

        damon_io_lock(io);
        for (unsigned i = 0; i < tries; i++) {
                if (i > 0) {
                        io->stats.ebusy_retries++;
                        io->ops->sleep_usec(io->userdata, backoff);
                        backoff *= 2;
                }
                r = io->ops->write(io->userdata, path, value);
                if (io->write_hook)
                        io->write_hook(io->write_hook_userdata, path, value, r);
                if (r != -EBUSY || busy_elsewhere(io))
                        break;
        }
        if (r == -EBUSY && busy_elsewhere(io))
                r = -EAGAIN;
        if (r < 0)
                io->stats.failed_writes++;
        else
                io->stats.writes++;
        damon_io_unlock(io);
        return r;
}

int damon_io_write(DamonIO *io, const char *path, const char *value) {
        return write_internal(io, path, value, DAMON_IO_EBUSY_TRIES);
}

int damon_io_write_once(DamonIO *io, const char *path, const char *value) {
        return write_internal(io, path, value, 1);
}

int damon_io_write_u64(DamonIO *io, const char *path, uint64_t v) {
        char buf[32];

        snprintf(buf, sizeof(buf), "%" PRIu64, v);
        return damon_io_write(io, path, buf);
}

int damon_io_write_s64(DamonIO *io, const char *path, int64_t v) {
        char buf[32];

        snprintf(buf, sizeof(buf), "%" PRIi64, v);
        return damon_io_write(io, path, buf);
}

int damon_io_exists(DamonIO *io, const char *path) {
        int r;

        damon_io_lock(io);
        r = io->ops->exists(io->userdata, path);
        damon_io_unlock(io);
        return r;
}

int damon_io_list(DamonIO *io, const char *path, char ***ret_names) {
        int r;

        damon_io_lock(io);
        r = io->ops->list(io->userdata, path, ret_names);
        damon_io_unlock(io);
        return r;
}

static int parse_digits(const char *s, uint64_t *ret) {
        unsigned base = 10;
        uint64_t v = 0;
        const char *p = s;

        if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
                base = 16;
                p += 2;
        } else if (p[0] == '0' && p[1] && p[1] != '\n')
                base = 8;
        if (!*p || *p == '\n')
                return -EINVAL;
        for (; *p && *p != '\n'; p++) {
                unsigned d;

                if (isdigit((unsigned char) *p))
                        d = *p - '0';
                else if (base == 16 && isxdigit((unsigned char) *p))
                        d = 10 + (tolower((unsigned char) *p) - 'a');
                else
                        return -EINVAL;
                if (d >= base)
                        return -EINVAL;
                if (v > (UINT64_MAX - d) / base)
                        return -ERANGE;
                v = v * base + d;
        }
        if (*p == '\n' && p[1] != '\0')
                return -EINVAL;
        *ret = v;
        return 0;
}

int parse_u64_kernel(const char *s, uint64_t *ret) {
        uint64_t v;
        int r;

        if (!s || !ret)
                return -EINVAL;
        if (s[0] == '+')
                s++;
        if (!isdigit((unsigned char) s[0]))
                return -EINVAL;
        r = parse_digits(s, &v);
        if (r < 0)
                return r;
        *ret = v;
        return 0;
}

int parse_s64_kernel(const char *s, int64_t *ret) {
        bool neg = false;
        uint64_t v;
        int r;

        if (!s || !ret)
                return -EINVAL;
        if (s[0] == '-' || s[0] == '+') {
                neg = s[0] == '-';
                s++;
        }
        if (!isdigit((unsigned char) s[0]))
                return -EINVAL;
        r = parse_digits(s, &v);
        if (r < 0)
                return r;
        if (neg) {
                if (v > (uint64_t) INT64_MAX + 1)
                        return -ERANGE;
                *ret = v == (uint64_t) INT64_MAX + 1 ? INT64_MIN : -(int64_t) v;
        } else {
                if (v > (uint64_t) INT64_MAX)
                        return -ERANGE;
                *ret = (int64_t) v;
        }
        return 0;
}

int parse_bool_kernel(const char *s, bool *ret) {
        if (!s || !ret)
                return -EINVAL;
        /* kstrtobool looks at the first character only; we are stricter and allow one newline */
        if ((s[0] == 'Y' || s[0] == 'y' || s[0] == '1') && (s[1] == '\0' || (s[1] == '\n' && s[2] == '\0')))
                *ret = true;
        else if ((s[0] == 'N' || s[0] == 'n' || s[0] == '0') && (s[1] == '\0' || (s[1] == '\n' && s[2] == '\0')))
                *ret = false;
        else
                return -EINVAL;
        return 0;
}

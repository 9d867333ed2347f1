/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Validate in a child process (bus-validate.h). The child writes its result to a pipe as
 *   "V" or "I" (valid or not) and a NUL, then every diagnostic followed by a NUL;
 *   or "E" and an error message (for the caller) followed by a NUL.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bus-internal.h"
#include "bus-validate.h"
#include "log.h"

#if defined(__SANITIZE_ADDRESS__)
#define VALIDATE_LIMIT_AS 0     /* ASan reserves terabytes of address space for its shadow */
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define VALIDATE_LIMIT_AS 0
#endif
#endif
#ifndef VALIDATE_LIMIT_AS
#define VALIDATE_LIMIT_AS 1
#endif

#define GROUPS_MAX 256

struct ValidateUse {
        uid_t uid;
        unsigned inflight;
        uint64_t window_start_usec;
        unsigned calls;
};

struct ValidateJob {
        Bus *bus;
        ValidateJob *next;
        sd_bus_message *msg;
        uid_t uid;
        pid_t pid;
        int fd;
        sd_event_source *io;
        sd_event_source *timer;
        char *buf;
        size_t size;
        uint64_t started_usec;
};

static uint64_t now_usec(void) {
        struct timespec ts;

        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000;
}

static ValidateUse *use_find(Bus *b, uid_t uid, bool create) {
        ValidateUse *a;

        for (size_t i = 0; i < b->n_validate_uses; i++)
                if (b->validate_uses[i].uid == uid)
                        return &b->validate_uses[i];
        if (!create)
                return NULL;
        /* forget callers idle for a window, so the table stays as small as the callers of the moment */
        for (size_t i = b->n_validate_uses; i-- > 0;) {
                ValidateUse *u = &b->validate_uses[i];

                if (u->inflight == 0 && now_usec() - u->window_start_usec > VALIDATE_WINDOW_USEC)
                        b->validate_uses[i] = b->validate_uses[--b->n_validate_uses];
        }
        a = reallocarray(b->validate_uses, b->n_validate_uses + 1, sizeof(*a));
        if (!a)
                return NULL;
        b->validate_uses = a;
        a[b->n_validate_uses] = (ValidateUse) { .uid = uid, .window_start_usec = now_usec() };
        return &a[b->n_validate_uses++];
}

static ValidateJob *job_free(ValidateJob *j) {
        ValidateUse *u;

        if (!j)
                return NULL;
        u = use_find(j->bus, j->uid, false);
        if (u && u->inflight > 0)
                u->inflight--;
        j->bus->n_validate_jobs--;
        sd_event_source_disable_unref(j->io);
        sd_event_source_disable_unref(j->timer);
        if (j->pid > 0) {
                (void) kill(j->pid, SIGKILL);
                (void) waitpid(j->pid, NULL, 0);
        }
        if (j->fd >= 0)
                (void) close(j->fd);
        sd_bus_message_unref(j->msg);
        free(j->buf);
        return mfree(j);
}

static void job_unlink(ValidateJob *j) {
        for (ValidateJob **p = &j->bus->validate_jobs; *p; p = &(*p)->next)
                if (*p == j) {
                        *p = j->next;
                        return;
                }
}

static void job_fail(ValidateJob *j, const char *name, const char *message) {
        int r = sd_bus_reply_method_errorf(j->msg, name, "%s", message);

        if (r < 0)
                log_debug_errno(r, "Cannot send the error of a Validate call, ignoring: %m");
}

/* The child's output is complete: reply with it. */
static void job_reply(ValidateJob *j) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r;

        if (j->size < 2 || (j->buf[0] != 'V' && j->buf[0] != 'I' && j->buf[0] != 'E') ||
            j->buf[j->size - 1] != '\0') {
                job_fail(j, SD_BUS_ERROR_FAILED, "Validating failed: the checking process ended early.");
                return;
        }
        if (j->buf[0] == 'E') {
                job_fail(j, SD_BUS_ERROR_FAILED, j->buf + 1);
                return;
        }
        r = sd_bus_message_new_method_return(j->msg, &reply);
        if (r >= 0)
                r = sd_bus_message_append(reply, "b", (int) (j->buf[0] == 'V'));
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "s");
        for (size_t pos = 2; r >= 0 && pos < j->size; pos += strlen(j->buf + pos) + 1)
                r = sd_bus_message_append(reply, "s", j->buf + pos);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_send(NULL, reply, NULL);
        if (r < 0) {
                log_debug_errno(r, "Cannot send the reply of a Validate call: %m");
                job_fail(j, SD_BUS_ERROR_FAILED, "Validating failed: cannot build the reply.");
        }
}

static void job_finish(ValidateJob *j) {
        struct rusage ru = {};
        int status = 0;

        if (j->pid > 0 && wait4(j->pid, &status, 0, &ru) == j->pid)
                j->pid = 0;
        if (WIFSIGNALED(status))
                job_fail(j, SD_BUS_ERROR_LIMITS_EXCEEDED,
                         WTERMSIG(status) == SIGXCPU || WTERMSIG(status) == SIGKILL ?
                         "Validating took more than its CPU or memory limit." :
                         "Validating failed: the checking process crashed.");
        else
                job_reply(j);
        log_debug("Validate for uid %u took %" PRIu64 " ms, %ld ms of CPU, peak RSS %ld KiB.", (unsigned) j->uid,
                  (now_usec() - j->started_usec) / 1000,
                  ru.ru_utime.tv_sec * 1000L + ru.ru_utime.tv_usec / 1000L + ru.ru_stime.tv_sec * 1000L +
                  ru.ru_stime.tv_usec / 1000L, ru.ru_maxrss);
        job_unlink(j);
        job_free(j);
}

static int on_output(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        ValidateJob *j = ASSERT_PTR(userdata);

        for (;;) {
                char chunk[65536];
                ssize_t k = read(fd, chunk, sizeof(chunk));
                char *a;

                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0 && errno == EAGAIN)
                        return 0;
                if (k <= 0)
                        break;
                if (j->size + (size_t) k > VALIDATE_OUTPUT_MAX) {
                        job_fail(j, SD_BUS_ERROR_LIMITS_EXCEEDED, "Validating produced too many diagnostics.");
                        job_unlink(j);
                        job_free(j);
                        return 0;
                }
                a = realloc(j->buf, j->size + (size_t) k);
                if (!a) {
                        job_fail(j, SD_BUS_ERROR_NO_MEMORY, "Out of memory.");
                        job_unlink(j);
                        job_free(j);
                        return 0;
                }
                j->buf = a;
                memcpy(j->buf + j->size, chunk, (size_t) k);
                j->size += (size_t) k;
        }
        job_finish(j);
        return 0;
}

static int on_timeout(sd_event_source *s, uint64_t usec, void *userdata) {
        ValidateJob *j = ASSERT_PTR(userdata);

        job_fail(j, SD_BUS_ERROR_LIMITS_EXCEEDED, "Validating took longer than 20 s and was stopped.");
        job_unlink(j);
        job_free(j);
        return 0;
}

static int write_all(int fd, const void *p, size_t n) {
        const char *c = p;

        while (n > 0) {
                ssize_t k = write(fd, c, n);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return -errno;
                c += k;
                n -= (size_t) k;
        }
        return 0;
}

static _Noreturn void child_error(int fd, const char *fmt, ...) _printf_(2, 3);
static _Noreturn void child_error(int fd, const char *fmt, ...) {
        char buf[512];
        va_list ap;

        buf[0] = 'E';
        va_start(ap, fmt);
        (void) vsnprintf(buf + 1, sizeof(buf) - 1, fmt, ap);
        va_end(ap);
        (void) write_all(fd, buf, strlen(buf) + 1);
        _exit(EXIT_FAILURE);
}

/* Becomes the caller: its groups as the bus gave them, else those the user database gives it. */
static int child_become(uid_t uid, sd_bus_creds *creds) {
        gid_t groups[GROUPS_MAX], gid = (gid_t) -1;
        const gid_t *bus_groups = NULL;
        int n = -1;

        if (sd_bus_creds_get_egid(creds, &gid) < 0)
                gid = (gid_t) -1;
        n = sd_bus_creds_get_supplementary_gids(creds, &bus_groups);
        if (n >= 0 && n <= GROUPS_MAX)
                memcpy(groups, bus_groups, (size_t) n * sizeof(gid_t));
        else {
                struct passwd pw, *found = NULL;
                char pwbuf[4096];

                n = 0;
                if (getpwuid_r(uid, &pw, pwbuf, sizeof(pwbuf), &found) == 0 && found) {
                        int k = GROUPS_MAX;

                        if (gid == (gid_t) -1)
                                gid = found->pw_gid;
                        if (getgrouplist(found->pw_name, gid, groups, &k) >= 0)
                                n = k;
                }
        }
        if (gid == (gid_t) -1)
                gid = 65534;    /* no group known: none that grants anything */
        if (setgroups((size_t) n, groups) < 0 || setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0)
                return -errno;
        if (getuid() != uid || geteuid() != uid || getegid() != gid)
                return -EPERM;
        return 0;
}

static _Noreturn void child_run(Manager *m, pid_t parent, int fd, uid_t uid, sd_bus_creds *creds, char * const *names,
                                 char * const *contents, size_t n) {
        _cleanup_free_ char *message = NULL;
        char **diagnostics = NULL;
        struct rlimit cpu = { VALIDATE_CPU_SEC, VALIDATE_CPU_SEC + 1 };
        bool valid;
        int r;

        (void) prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
                _exit(EXIT_FAILURE);    /* damond died before the line above */
        if (uid != geteuid()) {
                r = child_become(uid, creds);
                if (r < 0)
                        child_error(fd, "Cannot check the files as uid %u: %s.", (unsigned) uid, strerror(-r));
        }
        /* Limits are a second line: the profile budget already bounds the work. A seccomp filter
         * that refuses setrlimit() leaves the timeout. */
        (void) setrlimit(RLIMIT_CPU, &cpu);
        if (VALIDATE_LIMIT_AS) {
                struct rlimit as = { VALIDATE_AS_MAX, VALIDATE_AS_MAX };

                (void) setrlimit(RLIMIT_AS, &as);
        }

        r = manager_validate(m, names, contents, n, &valid, &diagnostics, &message);
        if (r < 0)
                child_error(fd, "%s", message ?: strerror(-r));
        if (write_all(fd, valid ? "V" : "I", 2) < 0)
                _exit(EXIT_FAILURE);
        for (char **d = diagnostics; d && *d; d++)
                if (write_all(fd, *d, strlen(*d) + 1) < 0)
                        _exit(EXIT_FAILURE);
        _exit(EXIT_SUCCESS);
}

int bus_validate_start(Bus *b, sd_bus_message *msg, char * const *names, char * const *contents, size_t n,
                       sd_bus_error *error) {
        _cleanup_(sd_bus_creds_unrefp) sd_bus_creds *creds = NULL;
        pid_t parent = getpid();
        ValidateJob *j;
        ValidateUse *u;
        int fds[2], r;
        uid_t uid;

        r = sd_bus_query_sender_creds(msg, SD_BUS_CREDS_EUID | SD_BUS_CREDS_EGID |
                                      SD_BUS_CREDS_SUPPLEMENTARY_GIDS, &creds);
        if (r >= 0)
                r = sd_bus_creds_get_euid(creds, &uid);
        if (r < 0) {
                log_debug_errno(r, "Cannot get the caller's uid, refusing Validate: %m");
                return sd_bus_error_set(error, SD_BUS_ERROR_ACCESS_DENIED, "Cannot tell who the caller is.");
        }
        /* Without root's privileges damond cannot become another user, and must not read for one. */
        if (geteuid() != 0 && uid != geteuid())
                return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                                         "damond runs as uid %u and cannot check files as uid %u.",
                                         (unsigned) geteuid(), (unsigned) uid);

        u = use_find(b, uid, true);
        if (!u)
                return -ENOMEM;
        if (now_usec() - u->window_start_usec > VALIDATE_WINDOW_USEC) {
                u->window_start_usec = now_usec();
                u->calls = 0;
        }
        if (u->inflight >= VALIDATE_INFLIGHT_MAX || b->n_validate_jobs >= VALIDATE_INFLIGHT_TOTAL_MAX)
                return sd_bus_error_setf(error, SD_BUS_ERROR_LIMITS_EXCEEDED,
                                         "Too many Validate calls at once (at most %d per user, %d in all); "
                                         "try again when one is done.", VALIDATE_INFLIGHT_MAX,
                                         VALIDATE_INFLIGHT_TOTAL_MAX);
        if (uid != 0 && u->calls >= VALIDATE_CALLS_MAX)
                return sd_bus_error_setf(error, SD_BUS_ERROR_LIMITS_EXCEEDED,
                                         "Too many Validate calls from uid %u (at most %d in %llu s); try "
                                         "again later.", (unsigned) uid, VALIDATE_CALLS_MAX,
                                         VALIDATE_WINDOW_USEC / 1000000ULL);

        j = calloc(1, sizeof(*j));
        if (!j)
                return -ENOMEM;
        *j = (ValidateJob) { .bus = b, .msg = sd_bus_message_ref(msg), .uid = uid, .fd = -EBADF,
                             .started_usec = now_usec() };
        u->inflight++;
        u->calls++;
        b->n_validate_jobs++;

        if (pipe2(fds, O_CLOEXEC) < 0) {
                r = -errno;
                goto fail;
        }
        j->pid = fork();
        if (j->pid < 0) {
                r = -errno;
                (void) close(fds[0]);
                (void) close(fds[1]);
                goto fail;
        }
        if (j->pid == 0) {
                (void) close(fds[0]);
                child_run(b->manager, parent, fds[1], uid, creds, names, contents, n);
        }
        (void) close(fds[1]);
        j->fd = fds[0];
        r = fcntl(j->fd, F_SETFL, O_NONBLOCK) < 0 ? -errno : 0;
        if (r >= 0)
                r = sd_event_add_io(manager_event(b->manager), &j->io, j->fd, EPOLLIN, on_output, j);
        if (r >= 0)
                r = sd_event_add_time_relative(manager_event(b->manager), &j->timer, CLOCK_MONOTONIC,
                                               VALIDATE_TIMEOUT_USEC, 0, on_timeout, j);
        if (r < 0)
                goto fail;
        j->next = b->validate_jobs;
        b->validate_jobs = j;
        return 1;
fail:
        job_free(j);
        return r;
}

void bus_validate_done(Bus *b) {
        while (b->validate_jobs) {
                ValidateJob *j = b->validate_jobs;

                b->validate_jobs = j->next;
                job_fail(j, SD_BUS_ERROR_FAILED, "damond is stopping.");
                job_free(j);
        }
        free(b->validate_uses);
        b->validate_uses = NULL;
        b->n_validate_uses = 0;
}

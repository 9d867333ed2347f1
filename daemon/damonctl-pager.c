/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "damonctl-pager.h"

static pid_t pager_pid = 0;

static const char *pager_wanted(void) {
        const char *p = getenv("SYSTEMD_PAGER");

        if (!p)
                p = getenv("PAGER");
        if (p && (p[0] == '\0' || strcmp(p, "cat") == 0))
                return "";
        return p;
}

/* In the child: stdin is the pipe, stdout the terminal. Never returns. */
static _Noreturn void run_pager(const char *pager) {
        char buf[4096];
        ssize_t n;

        /* F: quit if one screen; R: colors; S: no wrapping; X: keep the screen; M, K: as systemd */
        (void) setenv("LESS", "FRSXMK", 0);
        if (pager)
                execl("/bin/sh", "sh", "-c", pager, (char *) NULL);
        else {
                execlp("less", "less", (char *) NULL);
                execlp("more", "more", (char *) NULL);
        }

        /* no pager to run: pass the output through rather than lose it */
        while ((n = read(STDIN_FILENO, buf, sizeof(buf))) != 0) {
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        _exit(EXIT_FAILURE);
                }
                for (ssize_t off = 0; off < n; ) {
                        ssize_t w = write(STDOUT_FILENO, buf + off, (size_t) (n - off));

                        if (w < 0) {
                                if (errno == EINTR)
                                        continue;
                                _exit(EXIT_FAILURE);
                        }
                        off += w;
                }
        }
        _exit(EXIT_SUCCESS);
}

int pager_open(void) {
        const char *pager;
        int fd[2];
        pid_t pid;

        if (pager_pid > 0 || !isatty(STDOUT_FILENO))
                return 0;
        pager = pager_wanted();
        if (pager && pager[0] == '\0')
                return 0;

        if (fflush(stdout) != 0)
                return -errno;
        if (pipe2(fd, O_CLOEXEC) < 0)
                return -errno;
        pid = fork();
        if (pid < 0) {
                int r = -errno;

                (void) close(fd[0]);
                (void) close(fd[1]);
                return r;
        }
        if (pid == 0) {
                if (dup2(fd[0], STDIN_FILENO) < 0)
                        _exit(EXIT_FAILURE);
                /* the write end too: the pass-through fallback reads until it is closed */
                (void) close(fd[0]);
                (void) close(fd[1]);
                run_pager(pager);
        }

        /* stdout now feeds the pager; stderr stays on the terminal, so errors are not paged */
        if (dup2(fd[1], STDOUT_FILENO) < 0) {
                int r = -errno;

                (void) close(fd[0]);
                (void) close(fd[1]);
                (void) waitpid(pid, NULL, 0);
                return r;
        }
        (void) close(fd[0]);
        (void) close(fd[1]);
        pager_pid = pid;
        return 0;
}

void pager_close(void) {
        if (pager_pid <= 0)
                return;
        (void) fflush(stdout);
        /* the pager sees end of input once our end of the pipe is closed */
        (void) close(STDOUT_FILENO);
        while (waitpid(pager_pid, NULL, 0) < 0 && errno == EINTR)
                ;
        pager_pid = 0;
}

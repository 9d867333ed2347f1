/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vm-forkstorm NAME N LIFE_MS: what any local user can do to a profile that follows processes by name:
 * forks N processes that name themselves NAME (prctl PR_SET_NAME, as /proc/PID/comm shows it), each
 * living LIFE_MS, as fast as it can; waits for them and prints "forked N in S s, CPU C s", C being the
 * CPU time of the storm itself (this process and its children): the yardstick the vaddr-exit scenario
 * holds damond's CPU to, as both are inflated alike when the host is busy. Staged into the VM
 * guests by run-scenario; never run on the host against damond.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu_seconds(int who) {
        struct rusage ru;

        if (getrusage(who, &ru) < 0)
                return 0;
        return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

int main(int argc, char **argv) {
        unsigned long n, life_ms, forked = 0;
        double start;

        if (argc != 4 || (n = strtoul(argv[2], NULL, 10)) == 0) {
                fprintf(stderr, "usage: vm-forkstorm NAME N LIFE_MS\n");
                return 2;
        }
        life_ms = strtoul(argv[3], NULL, 10);
        start = now();
        for (unsigned long i = 0; i < n; i++) {
                pid_t pid = fork();

                if (pid < 0) {
                        if (errno == EAGAIN) {
                                /* the task limit: let some exit */
                                (void) wait(NULL);
                                i--;
                                continue;
                        }
                        perror("fork");
                        break;
                }
                if (pid == 0) {
                        struct timespec ts = { life_ms / 1000, (long) (life_ms % 1000) * 1000000 };

                        (void) prctl(PR_SET_PDEATHSIG, SIGKILL);
                        (void) prctl(PR_SET_NAME, argv[1]);
                        (void) nanosleep(&ts, NULL);
                        _exit(0);
                }
                forked++;
                /* Reaped as they exit, so that each lives LIFE_MS and no longer: zombies would pile up
                 * to N and hit the guest's task limit, starving the scenario's own shell of forks. */
                while (waitpid(-1, NULL, WNOHANG) > 0)
                        ;
        }
        while (wait(NULL) > 0 || errno == EINTR)
                ;
        printf("forked %lu in %.1f s, CPU %.2f s\n", forked, now() - start, cpu_seconds(RUSAGE_SELF) + cpu_seconds(RUSAGE_CHILDREN));
        return 0;
}

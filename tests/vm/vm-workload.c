/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vm-workload: the memory workload of the vm scenarios and the demonstration, run inside the VM.
 *
 *   vm-workload --total=MIB [--hot=MIB] [--grow=MIB] [--delay=SEC] [--spinners=N] [--duration=SEC]
 *
 * Allocates TOTAL MiB of anonymous memory, fills every page with data that compresses about 8:1 (so
 * zram swap behaves as with real data, and no page is the zero page), prints "ready total_kib=..
 * hot_kib=.." and then keeps writing one byte in every page of the first HOT MiB, forever or for
 * DURATION seconds. The rest stays cold.
 *
 * With --grow, SIGUSR1 makes the hot set grow to the first GROW MiB: memory that was cold (and may have
 * been paged out) becomes hot at once, a step of memory pressure (the tuning scenario). It prints
 * "grow hot_kib=.. at=SEC.USEC" (CLOCK_REALTIME, comparable with the journal's timestamps) when the
 * first sweep of the grown set starts, and "swept hot_kib=.. sec=.." when that first sweep is done.
 *
 * Under qemu's TCG a process that runs alone on its CPU does not set accessed bits after they are
 * cleared (../shared/notes/vm-testing.md), so DAMON would see the hot set as idle: SPINNERS child
 * processes that only burn CPU keep the scheduler switching address spaces. They die with the parent.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#define MIB (UINT64_C(1) << 20)

static volatile sig_atomic_t stop, grow;

static void on_signal(int sig) {
        if (sig == SIGUSR1)
                grow = 1;
        else
                stop = 1;
}

static double now_realtime(void) {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static int parse_u64(const char *s, uint64_t *ret) {
        char *end;
        unsigned long long v;

        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno != 0 || end == s || *end != '\0' || s[0] == '-')
                return -EINVAL;
        *ret = v;
        return 0;
}

static uint64_t xorshift(uint64_t *state) {
        uint64_t x = *state;

        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        return *state = x;
}

static int spin_children(uint64_t n) {
        for (uint64_t i = 0; i < n; i++) {
                pid_t pid = fork();

                if (pid < 0)
                        return -errno;
                if (pid == 0) {
                        volatile uint64_t counter = 0;

                        /* a spinner must never outlive the workload */
                        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() == 1)
                                _exit(0);
                        for (;;)
                                counter++;
                }
        }
        return 0;
}

int main(int argc, char **argv) {
        static const struct option options[] = {
                { "total", required_argument, NULL, 't' },
                { "hot", required_argument, NULL, 'h' },
                { "delay", required_argument, NULL, 'd' },
                { "spinners", required_argument, NULL, 's' },
                { "duration", required_argument, NULL, 'D' },
                { "grow", required_argument, NULL, 'g' },
                {}
        };
        uint64_t total = 0, hot = 0, delay = 0, spinners = 0, duration = 0, grow_to = 0,
                 seed = 0x9e3779b97f4a7c15;
        long page = sysconf(_SC_PAGESIZE);
        double grown_at = 0;
        time_t end;
        uint8_t *mem;
        int opt;

        while ((opt = getopt_long(argc, argv, "", options, NULL)) >= 0) {
                uint64_t *dst = opt == 't' ? &total : opt == 'h' ? &hot : opt == 'd' ? &delay :
                                opt == 's' ? &spinners : opt == 'D' ? &duration : opt == 'g' ? &grow_to :
                                NULL;

                if (!dst || parse_u64(optarg, dst) < 0) {
                        fprintf(stderr, "usage: vm-workload --total=MIB [--hot=MIB] [--grow=MIB] "
                                "[--delay=SEC] [--spinners=N] [--duration=SEC]\n");
                        return 2;
                }
        }
        if (total == 0 || hot > total || total > 1024 * 1024 || grow_to > total) {
                fprintf(stderr, "vm-workload: need 0 < --hot <= --total <= 1 TiB and --grow <= --total\n");
                return 2;
        }

        signal(SIGTERM, on_signal);
        signal(SIGINT, on_signal);
        signal(SIGUSR1, grow_to > 0 ? on_signal : SIG_IGN);
        if (delay > 0)
                sleep((unsigned) delay);
        if (spin_children(spinners) < 0) {
                fprintf(stderr, "vm-workload: cannot fork spinners: %m\n");
                return 1;
        }

        mem = mmap(NULL, total * MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (mem == MAP_FAILED) {
                fprintf(stderr, "vm-workload: cannot map %" PRIu64 " MiB: %m\n", total);
                return 1;
        }
        /* 512 random bytes per page, the rest zero: compressible, but never a same-filled page */
        for (uint64_t off = 0; off < total * MIB; off += (uint64_t) page)
                for (size_t i = 0; i < 512; i += sizeof(uint64_t)) {
                        uint64_t v = xorshift(&seed);

                        memcpy(mem + off + i, &v, sizeof(v));
                }
        printf("ready total_kib=%" PRIu64 " hot_kib=%" PRIu64 " pid=%d\n", total * 1024, hot * 1024, (int) getpid());
        fflush(stdout);

        end = duration > 0 ? time(NULL) + (time_t) duration : 0;
        while (!stop && (end == 0 || time(NULL) < end)) {
                if (grow && hot != grow_to) {
                        hot = grow_to;
                        grown_at = now_realtime();
                        printf("grow hot_kib=%" PRIu64 " at=%.6f\n", hot * 1024, grown_at);
                        fflush(stdout);
                }
                for (uint64_t off = 0; off < hot * MIB && !stop; off += (uint64_t) page)
                        ((volatile uint8_t *) mem)[off + 1024]++;
                if (grown_at > 0 && !stop) {
                        printf("swept hot_kib=%" PRIu64 " sec=%.3f\n", hot * 1024,
                               now_realtime() - grown_at);
                        fflush(stdout);
                        grown_at = 0;
                }
                if (hot == 0)
                        sleep(1);
        }
        return 0;
}

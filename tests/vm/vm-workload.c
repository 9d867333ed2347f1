/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vm-workload: the memory workload of the vm scenarios and the demonstration, run inside the VM.
 *
 *   vm-workload --total=MIB [--hot=MIB] [--grow=MIB] [--delay=SEC] [--spinners=N] [--duration=SEC]
 *               [--hot-node=N --cold-node=N] [--report=SEC]
 *               [--interleave] [--move-at=SEC] [--residency=SEC] [--small-pages] [--file=PATH]
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
 * With --hot-node and --cold-node (the tiering scenario), the hot set is first written while the process
 * prefers node HOT-NODE and the cold set while it prefers COLD-NODE (set_mempolicy MPOL_PREFERRED: the
 * kernel falls back to another node when that one is full), then the policy is reset to the default, so
 * nothing binds the pages where they start: whoever moves them (damond, NUMA balancing) may.
 * With --report, every SEC seconds it prints where its pages are (move_pages() without moving: every hot
 * page, every 8th cold page, scaled up) and how many sweeps of the hot set it has done:
 *   "placement t=SEC sweeps=N hot_kib=A,B,C,D cold_kib=A,B,C,D" (KiB on nodes 0-3)
 *
 * With --interleave, the hot set is not the first HOT MiB but every (TOTAL / HOT)-th page of the whole
 * mapping, so hot and cold pages are interleaved in physical memory as on a real machine (pages are
 * allocated in the order they are first written): no 2 MiB of it is wholly cold.
 * With --move-at, SEC seconds after "ready" the hot set moves: to the next HOT MiB (contiguous; needs
 * TOTAL >= 2 * HOT), or to the pages halfway between the old ones (interleaved). The old hot set turns
 * cold. It prints "moved at=SEC.USEC".
 * With --residency, every SEC seconds it prints how much of the hot and of the cold set is resident
 * (mincore(): a page paged out to swap is not, unless it is still in the swap cache) and the sweeps of
 * the hot set done so far:
 *   "residency t=SEC sweeps=N hot_kib=TOTAL,RESIDENT cold_kib=TOTAL,RESIDENT cg_current=B cg_swap=B
 *    cg_some_us=US refault_anon=N refault_file=N anon_thp_kib=K cg_anon=B cg_file=B"
 * where the cg_ figures are its own cgroup's (memory.current, memory.swap.current, memory.pressure's
 * "some" total, memory.stat: workingset_refault_anon and _file, anon_thp, anon, file), read at the same instant as the residency, from the cgroup
 * /proc/self/cgroup names at that moment (a runner reading them later, or from a cgroup the workload
 * was started in, measured a cgroup the workload had already left, or one whose workload had ended).
 * With --small-pages the mapping is madvise(MADV_NOHUGEPAGE): base pages even where transparent huge
 * pages are "always" (Debian's kernels), as memory that is fragmented or mapped in small pieces is.
 * Without it, under THP "always", every 2 MiB of an --interleave mapping is one huge page with hot
 * pages in it, and its accessed bit (one per huge page) is set whenever any of them is touched.
 *
 * With --file, the cold set is not anonymous memory but the page cache of PATH, a file that holds at least
 * TOTAL - HOT MiB: the mapping is the HOT MiB hot set alone (all of it swept), and the first TOTAL - HOT
 * MiB of PATH are read once with read(), in pieces between the first writes of the hot set's pages and
 * with readahead off (POSIX_FADV_RANDOM), so that hot anonymous and cold file pages interleave in
 * physical memory as with --interleave; then the file is never read again. Its residency (cold_kib) is
 * the file's pages in the page cache, from mincore() on a mapping of it that is never touched. It goes
 * with neither --interleave, --move-at, --grow nor --hot-node.
 *
 * Under qemu's TCG a process that runs alone on its CPU does not set accessed bits after they are
 * cleared (seen in our VM runs), so DAMON would see the hot set as idle: SPINNERS child
 * processes that only burn CPU keep the scheduler switching address spaces. They die with the parent.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
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

#define REPORT_NODES 4
#define MPOL_DEFAULT 0
#define MPOL_PREFERRED 1

static int prefer_node(long node) {
        unsigned long mask = 1UL << node;

        if (node < 0)
                return syscall(SYS_set_mempolicy, MPOL_DEFAULT, NULL, 0UL) < 0 ? -errno : 0;
        return syscall(SYS_set_mempolicy, MPOL_PREFERRED, &mask, (unsigned long) REPORT_NODES + 1) < 0 ? -errno : 0;
}

/* KiB of [start, start + len) per node, asking for every @step-th page and scaling up. */
static void count_nodes(uint8_t *start, uint64_t len, uint64_t page, uint64_t step, uint64_t kib[REPORT_NODES]) {
        enum { BATCH = 4096 };
        void *pages[BATCH];
        int status[BATCH];
        uint64_t n = 0;

        for (size_t i = 0; i < REPORT_NODES; i++)
                kib[i] = 0;
        for (uint64_t off = 0; off < len; off += page * step) {
                pages[n++] = start + off;
                if (n == BATCH || off + page * step >= len) {
                        if (syscall(SYS_move_pages, 0, (unsigned long) n, pages, NULL, status, 0) == 0)
                                for (uint64_t i = 0; i < n; i++)
                                        if (status[i] >= 0 && status[i] < REPORT_NODES)
                                                kib[status[i]] += page * step / 1024;
                        n = 0;
                }
        }
}

static void report(uint8_t *mem, uint64_t hot, uint64_t total, uint64_t page, double t, uint64_t sweeps) {
        uint64_t h[REPORT_NODES], c[REPORT_NODES];

        count_nodes(mem, hot * MIB, page, 1, h);
        count_nodes(mem + hot * MIB, (total - hot) * MIB, page, 8, c);
        printf("placement t=%.1f sweeps=%" PRIu64 " hot_kib=%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
               " cold_kib=%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 "\n", t, sweeps, h[0], h[1], h[2], h[3],
               c[0], c[1], c[2], c[3]);
        fflush(stdout);
}

/* The hot set: pages [first, first + n) with a stride between them. */
typedef struct HotSet {
        uint64_t first, stride, n;
} HotSet;

static bool hot_has(const HotSet *h, uint64_t idx) {
        return idx >= h->first && (idx - h->first) % h->stride == 0 && (idx - h->first) / h->stride < h->n;
}

/* Its own cgroup's directory, as /proc/self/cgroup names it now (cgroup v2: "0::/PATH"). */
static int own_cgroup(char *buf, size_t size) {
        char line[2048];
        FILE *f = fopen("/proc/self/cgroup", "re");
        int r = -ENOENT;

        if (!f)
                return -errno;
        while (fgets(line, sizeof(line), f))
                if (strncmp(line, "0::", 3) == 0) {
                        line[strcspn(line, "\n")] = '\0';
                        snprintf(buf, size, "/sys/fs/cgroup%s", strcmp(line + 3, "/") == 0 ? "" : line + 3);
                        r = 0;
                        break;
                }
        fclose(f);
        return r;
}

/* The number after KEY (at the start of a line, or after "some " for a pressure file's total=) in
 * DIR/FILE; UINT64_MAX when it cannot be read. */
static uint64_t cg_read(const char *dir, const char *file, const char *key) {
        char path[4352], line[512];
        uint64_t v = UINT64_MAX;
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", dir, file);
        f = fopen(path, "re");
        if (!f)
                return v;
        while (fgets(line, sizeof(line), f)) {
                unsigned long long x;
                char *p;

                if (!key) {
                        if (sscanf(line, "%llu", &x) == 1)
                                v = x;
                        break;
                }
                if (strncmp(line, key, strlen(key)) != 0)
                        continue;
                p = strcmp(key, "some ") == 0 ? strstr(line, "total=") : line + strlen(key);
                if (p && sscanf(p + (strcmp(key, "some ") == 0 ? 6 : 0), "%llu", &x) == 1)
                        v = x;
                break;
        }
        fclose(f);
        return v;
}

static void print_cgroup(void) {
        char dir[4096];
        uint64_t thp;

        if (own_cgroup(dir, sizeof(dir)) < 0)
                return;
        thp = cg_read(dir, "memory.stat", "anon_thp ");
        /* -1: not readable (no such controller, or no cgroup v2) */
        printf(" cg_current=%" PRId64 " cg_swap=%" PRId64 " cg_some_us=%" PRId64 " refault_anon=%" PRId64
               " refault_file=%" PRId64 " anon_thp_kib=%" PRId64 " cg_anon=%" PRId64 " cg_file=%" PRId64,
               (int64_t) cg_read(dir, "memory.current", NULL),
               (int64_t) cg_read(dir, "memory.swap.current", NULL), (int64_t) cg_read(dir, "memory.pressure", "some "),
               (int64_t) cg_read(dir, "memory.stat", "workingset_refault_anon "),
               (int64_t) cg_read(dir, "memory.stat", "workingset_refault_file "),
               thp == UINT64_MAX ? (int64_t) -1 : (int64_t) (thp / 1024),
               (int64_t) cg_read(dir, "memory.stat", "anon "), (int64_t) cg_read(dir, "memory.stat", "file "));
}

/* Adds the pages of [mem, mem + npages pages) to the hot (those @h has, when @h is given) or the cold
 * counts, and the resident ones to the resident counts. */
static int count_resident(uint8_t *mem, uint64_t npages, uint64_t page, const HotSet *h, uint64_t counts[4]) {
        enum { CHUNK = 65536 };
        static unsigned char vec[CHUNK];

        for (uint64_t i = 0; i < npages; i += CHUNK) {
                uint64_t n = npages - i < CHUNK ? npages - i : CHUNK;

                if (mincore(mem + i * page, n * page, vec) < 0) {
                        fprintf(stderr, "vm-workload: mincore: %m\n");
                        return -errno;
                }
                for (uint64_t j = 0; j < n; j++) {
                        bool hot = h && hot_has(h, i + j);

                        counts[hot ? 0 : 2]++;
                        counts[hot ? 1 : 3] += vec[j] & 1;
                }
        }
        return 0;
}

/* @file (NULL without --file): a mapping of the file whose @file_pages pages are all cold. */
static void residency(uint8_t *mem, uint64_t npages, uint8_t *file, uint64_t file_pages, uint64_t page,
                      const HotSet *h, double t, uint64_t sweeps) {
        uint64_t c[4] = { 0 }; /* hot, hot resident, cold, cold resident */

        if (count_resident(mem, npages, page, h, c) < 0 ||
            (file && count_resident(file, file_pages, page, NULL, c) < 0))
                return;
        printf("residency t=%.1f sweeps=%" PRIu64 " hot_kib=%" PRIu64 ",%" PRIu64 " cold_kib=%" PRIu64 ",%" PRIu64
               , t, sweeps, c[0] * page / 1024, c[1] * page / 1024, c[2] * page / 1024, c[3] * page / 1024);
        print_cgroup();
        printf("\n");
        fflush(stdout);
}

/* Reads @len bytes at @off into @buf, whatever the short reads. */
static int read_all(int fd, uint8_t *buf, uint64_t len, uint64_t off) {
        while (len > 0) {
                ssize_t n = pread(fd, buf, len, (off_t) off);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        return -EIO;
                buf += n;
                off += (uint64_t) n;
                len -= (uint64_t) n;
        }
        return 0;
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
                { "hot-node", required_argument, NULL, 'H' },
                { "cold-node", required_argument, NULL, 'C' },
                { "report", required_argument, NULL, 'r' },
                { "interleave", no_argument, NULL, 'i' },
                { "move-at", required_argument, NULL, 'm' },
                { "residency", required_argument, NULL, 'R' },
                { "small-pages", no_argument, NULL, 'S' },
                { "file", required_argument, NULL, 'F' },
                {}
        };
        uint64_t total = 0, hot = 0, delay = 0, spinners = 0, duration = 0, grow_to = 0,
                 seed = 0x9e3779b97f4a7c15, hot_node = UINT64_MAX, cold_node = UINT64_MAX, report_sec = 0,
                 sweeps = 0, move_at = 0, residency_sec = 0, anon;
        double started, next_report = 0, next_residency = 0;
        bool interleave = false, moved = false, small_pages = false;
        const char *file_path = NULL;
        uint8_t *file_map = NULL, *piece = NULL;
        uint64_t file_pages = 0, piece_pages = 0;
        int fd = -1;
        HotSet hs;
        long page = sysconf(_SC_PAGESIZE);
        double grown_at = 0;
        time_t end;
        uint8_t *mem;
        int opt;

        while ((opt = getopt_long(argc, argv, "", options, NULL)) >= 0) {
                if (opt == 'i' || opt == 'S') {
                        *(opt == 'i' ? &interleave : &small_pages) = true;
                        continue;
                }
                if (opt == 'F') {
                        file_path = optarg;
                        continue;
                }
                uint64_t *dst = opt == 't' ? &total : opt == 'h' ? &hot : opt == 'd' ? &delay :
                                opt == 's' ? &spinners : opt == 'D' ? &duration : opt == 'g' ? &grow_to :
                                opt == 'H' ? &hot_node : opt == 'C' ? &cold_node : opt == 'r' ? &report_sec :
                                opt == 'm' ? &move_at : opt == 'R' ? &residency_sec : NULL;

                if (!dst || parse_u64(optarg, dst) < 0) {
                        fprintf(stderr, "usage: vm-workload --total=MIB [--hot=MIB] [--grow=MIB] "
                                "[--delay=SEC] [--spinners=N] [--duration=SEC] [--hot-node=N --cold-node=N] "
                                "[--report=SEC] [--interleave] [--move-at=SEC] [--residency=SEC] [--small-pages] "
                                "[--file=PATH]\n");
                        return 2;
                }
        }
        if ((hot_node == UINT64_MAX) != (cold_node == UINT64_MAX) ||
            (hot_node != UINT64_MAX && (hot_node >= REPORT_NODES || cold_node >= REPORT_NODES))) {
                fprintf(stderr, "vm-workload: --hot-node and --cold-node go together, nodes 0-%d\n",
                        REPORT_NODES - 1);
                return 2;
        }
        if (total == 0 || hot > total || total > 1024 * 1024 || grow_to > total) {
                fprintf(stderr, "vm-workload: need 0 < --hot <= --total <= 1 TiB and --grow <= --total\n");
                return 2;
        }

        if (interleave && (hot == 0 || hot_node != UINT64_MAX || grow_to > 0)) {
                fprintf(stderr, "vm-workload: --interleave needs --hot > 0, and goes with neither --grow "
                        "nor --hot-node\n");
                return 2;
        }
        if (move_at > 0 && ((!interleave && 2 * hot > total) || hot == 0 || grow_to > 0)) {
                fprintf(stderr, "vm-workload: --move-at needs --hot > 0, --total >= 2 * --hot unless "
                        "--interleave, and no --grow\n");
                return 2;
        }

        if (file_path && (hot == 0 || hot == total || interleave || move_at > 0 || grow_to > 0 ||
                          hot_node != UINT64_MAX)) {
                fprintf(stderr, "vm-workload: --file needs 0 < --hot < --total, and goes with neither "
                        "--interleave, --move-at, --grow nor --hot-node\n");
                return 2;
        }
        if (file_path) {
                struct stat st;

                fd = open(file_path, O_RDONLY | O_CLOEXEC);
                if (fd < 0 || fstat(fd, &st) < 0) {
                        fprintf(stderr, "vm-workload: %s: %m\n", file_path);
                        return 1;
                }
                if ((uint64_t) st.st_size < (total - hot) * MIB) {
                        fprintf(stderr, "vm-workload: %s holds less than --total - --hot = %" PRIu64 " MiB\n",
                                file_path, total - hot);
                        return 1;
                }
                file_pages = (total - hot) * MIB / (uint64_t) page;
                /* the file's pages read after each hot page's first write, rounded up */
                piece_pages = (file_pages + hot * MIB / (uint64_t) page - 1) / (hot * MIB / (uint64_t) page);
                piece = malloc(piece_pages * (uint64_t) page);
                if (!piece) {
                        fprintf(stderr, "vm-workload: out of memory\n");
                        return 1;
                }
                /* no readahead: each read brings in only the pages it asks for */
                errno = posix_fadvise(fd, 0, 0, POSIX_FADV_RANDOM);
                if (errno != 0) {
                        fprintf(stderr, "vm-workload: posix_fadvise: %m\n");
                        return 1;
                }
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

        /* with --file, the mapping is the hot set alone: the cold set is the file */
        anon = file_path ? hot : total;
        mem = mmap(NULL, anon * MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (mem == MAP_FAILED) {
                fprintf(stderr, "vm-workload: cannot map %" PRIu64 " MiB: %m\n", anon);
                return 1;
        }
        if (small_pages && madvise(mem, anon * MIB, MADV_NOHUGEPAGE) < 0) {
                fprintf(stderr, "vm-workload: madvise(MADV_NOHUGEPAGE): %m\n");
                return 1;
        }
        /* 512 random bytes per page, the rest zero: compressible, but never a same-filled page */
        for (uint64_t off = 0; off < anon * MIB; off += (uint64_t) page) {
                if (hot_node != UINT64_MAX && (off == 0 || off == hot * MIB) &&
                    prefer_node(off == 0 && hot > 0 ? (long) hot_node : (long) cold_node) < 0) {
                        fprintf(stderr, "vm-workload: set_mempolicy: %m\n");
                        return 1;
                }
                for (size_t i = 0; i < 512; i += sizeof(uint64_t)) {
                        uint64_t v = xorshift(&seed);

                        memcpy(mem + off + i, &v, sizeof(v));
                }
                if (file_path) {
                        uint64_t first = off / (uint64_t) page * piece_pages;
                        uint64_t n = first >= file_pages ? 0 :
                                     file_pages - first < piece_pages ? file_pages - first : piece_pages;

                        if (n > 0 && read_all(fd, piece, n * (uint64_t) page, first * (uint64_t) page) < 0) {
                                fprintf(stderr, "vm-workload: reading %s: %m\n", file_path);
                                return 1;
                        }
                }
        }
        if (file_path) {
                /* only ever given to mincore(): never touched, so never faulted in */
                file_map = mmap(NULL, file_pages * (uint64_t) page, PROT_READ, MAP_SHARED, fd, 0);
                if (file_map == MAP_FAILED) {
                        fprintf(stderr, "vm-workload: cannot map %s: %m\n", file_path);
                        return 1;
                }
                free(piece);
        }
        if (hot_node != UINT64_MAX && prefer_node(-1) < 0) {
                fprintf(stderr, "vm-workload: set_mempolicy: %m\n");
                return 1;
        }
        printf("ready total_kib=%" PRIu64 " hot_kib=%" PRIu64 " pid=%d\n", total * 1024, hot * 1024, (int) getpid());
        fflush(stdout);

        /* contiguous: the first HOT MiB (grown by --grow, where hot changes); interleaved: spread */
        hs.n = hot * MIB / (uint64_t) page;
        hs.stride = interleave ? total / hot : 1;
        hs.first = 0;
        end = duration > 0 ? time(NULL) + (time_t) duration : 0;
        started = now_realtime();
        while (!stop && (end == 0 || time(NULL) < end)) {
                if (report_sec > 0 && now_realtime() >= started + next_report) {
                        report(mem, hot, total, (uint64_t) page, now_realtime() - started, sweeps);
                        next_report += (double) report_sec;
                }
                if (grow && hot != grow_to) {
                        hot = grow_to;
                        grown_at = now_realtime();
                        printf("grow hot_kib=%" PRIu64 " at=%.6f\n", hot * 1024, grown_at);
                        fflush(stdout);
                }
                if (move_at > 0 && !moved && now_realtime() >= started + (double) move_at) {
                        if (interleave)
                                hs.first = hs.stride / 2;
                        else
                                hs.first = hot * MIB / (uint64_t) page;
                        moved = true;
                        printf("moved at=%.6f\n", now_realtime());
                        fflush(stdout);
                }
                if (residency_sec > 0 && now_realtime() >= started + next_residency) {
                        residency(mem, anon * MIB / (uint64_t) page, file_map, file_pages, (uint64_t) page,
                                  &hs, now_realtime() - started, sweeps);
                        next_residency += (double) residency_sec;
                }
                if (interleave || move_at > 0) {
                        for (uint64_t k = 0; k < hs.n && !stop; k++)
                                ((volatile uint8_t *) mem)[(hs.first + k * hs.stride) * (uint64_t) page + 1024]++;
                } else
                        for (uint64_t off = 0; off < hot * MIB && !stop; off += (uint64_t) page)
                                ((volatile uint8_t *) mem)[off + 1024]++;
                sweeps++;
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

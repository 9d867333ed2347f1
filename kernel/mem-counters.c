/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "memcg.h"
#include "mem-counters.h"

#define COUNTERS_FILE_MAX (256U * 1024U)

static int parse_decimal(const char *p, const char **ret_end, uint64_t *ret) {
        uint64_t v = 0;

        if (!isdigit((unsigned char) *p))
                return -EINVAL;
        for (; isdigit((unsigned char) *p); p++) {
                if (v > (UINT64_MAX - (uint64_t) (*p - '0')) / 10)
                        return -ERANGE;
                v = v * 10 + (uint64_t) (*p - '0');
        }
        *ret_end = p;
        *ret = v;
        return 0;
}

int mem_counters_find(const char *text, const char *key, uint64_t *ret) {
        size_t klen = strlen(key);

        for (const char *line = text; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
                const char *p = line + klen, *end;
                bool kb = false;
                uint64_t v;
                int r;

                if (strncmp(line, key, klen) != 0)
                        continue;
                if (*p == ':') {
                        kb = true;      /* meminfo: "Key:   123 kB" */
                        p++;
                } else if (*p != ' ')
                        continue;       /* another key that starts with this one */
                while (*p == ' ' || *p == '\t')
                        p++;
                r = parse_decimal(p, &end, &v);
                if (r < 0)
                        return r;
                if (kb) {
                        if (strncmp(end, " kB", 3) != 0)
                                return -EINVAL;
                        if (v > UINT64_MAX / 1024)
                                return -ERANGE;
                        v *= 1024;
                        end += 3;
                }
                if (*end != '\n' && *end != '\0')
                        return -EINVAL;
                *ret = v;
                return 0;
        }
        return -ENODATA;
}

/* Looks up @key; absent is fine (returns false), malformed is an error. */
static int find_opt(const char *text, const char *key, uint64_t *ret, bool *ret_has) {
        int r = mem_counters_find(text, key, ret);

        *ret_has = r >= 0;
        return r == -ENODATA ? 0 : r;
}

static int refaults(const char *text, MemCounters *c) {
        uint64_t anon = 0, file = 0;
        bool has_anon, has_file;
        int r;

        r = find_opt(text, "workingset_refault_anon", &anon, &has_anon);
        if (r < 0)
                return r;
        r = find_opt(text, "workingset_refault_file", &file, &has_file);
        if (r < 0)
                return r;
        if (has_anon || has_file) {
                c->refaults = anon + file;
                c->has_refaults = true;
                return 0;
        }
        /* before 5.9: one counter */
        return find_opt(text, "workingset_refault", &c->refaults, &c->has_refaults);
}

static uint64_t zram_compressed(const Root *root, bool *ret_any) {
        _cleanup_close_ int fd = -EBADF;
        DIR *d;
        struct dirent *de;
        uint64_t sum = 0;

        *ret_any = false;
        fd = root_openat(root, "sys/block", O_RDONLY | O_DIRECTORY);
        if (fd < 0)
                return 0;
        d = fdopendir(TAKE_FD(fd));
        if (!d)
                return 0;
        while ((de = readdir(d))) {
                char path[300], buf[256];
                uint64_t orig, compr;

                if (strncmp(de->d_name, "zram", 4) != 0)
                        continue;
                snprintf(path, sizeof(path), "sys/block/%s/mm_stat", de->d_name);
                if (root_read_head(root, path, buf, sizeof(buf)) <= 0)
                        continue;
                /* orig_data_size compr_data_size mem_used_total ... */
                if (sscanf(buf, "%" SCNu64 " %" SCNu64, &orig, &compr) != 2)
                        continue;
                sum += compr;
                *ret_any = true;
        }
        closedir(d);
        return sum;
}

static int read_machine(const Root *root, MemCounters *c) {
        _cleanup_free_ char *vmstat = NULL, *meminfo = NULL;
        uint64_t total, avail, st, sf, zswap;
        bool has_zswap = false;
        int r;

        r = root_read_file(root, "proc/vmstat", COUNTERS_FILE_MAX, &vmstat);
        if (r < 0)
                return r;
        r = refaults(vmstat, c);
        if (r < 0)
                return r;
        r = find_opt(vmstat, "pswpin", &c->swapins, &c->has_swapins);
        if (r < 0)
                return r;
        r = find_opt(vmstat, "pswpout", &c->swapouts, &c->has_swapouts);
        if (r < 0)
                return r;

        r = root_read_file(root, "proc/meminfo", COUNTERS_FILE_MAX, &meminfo);
        if (r < 0)
                return r;
        if (mem_counters_find(meminfo, "MemTotal", &total) >= 0 &&
            mem_counters_find(meminfo, "MemAvailable", &avail) >= 0) {
                c->resident_bytes = total > avail ? total - avail : 0;
                c->has_resident = true;
        }
        if (mem_counters_find(meminfo, "SwapTotal", &st) >= 0 && mem_counters_find(meminfo, "SwapFree", &sf) >= 0) {
                c->swap_bytes = st > sf ? st - sf : 0;
                c->has_swap = true;
        }
        r = find_opt(meminfo, "Zswap", &zswap, &has_zswap);
        if (r < 0)
                return r;
        if (has_zswap && zswap > 0) {
                c->compressed_bytes = zswap;
                c->has_compressed = true;
        } else {
                bool any;
                uint64_t z = zram_compressed(root, &any);

                if (any) {
                        c->compressed_bytes = z;
                        c->has_compressed = true;
                }
        }
        return 0;
}

int mem_counters_read(const Root *root, const char *cgroup, MemCounters *ret) {
        _cleanup_free_ char *stat = NULL;
        MemCounters c = {};
        MemcgUsage u;
        int r;

        if (!cgroup || streq(cgroup, "/")) {
                r = read_machine(root, &c);
                if (r < 0)
                        return r;
                *ret = c;
                return 0;
        }

        r = memcg_read_usage(root, cgroup, &u);
        if (r < 0)
                return r;
        c.resident_bytes = u.current;
        c.has_resident = true;
        if (u.has_swap) {
                c.swap_bytes = u.swap_current;
                c.has_swap = true;
        }
        r = cgroup_read_file(root, cgroup, "memory.stat", COUNTERS_FILE_MAX, &stat);
        if (r < 0)
                return r;
        r = refaults(stat, &c);
        if (r < 0)
                return r;
        r = find_opt(stat, "zswap", &c.compressed_bytes, &c.has_compressed);
        if (r < 0)
                return r;
        r = find_opt(stat, "pswpin", &c.swapins, &c.has_swapins);
        if (r < 0)
                return r;
        r = find_opt(stat, "pswpout", &c.swapouts, &c.has_swapouts);
        if (r < 0)
                return r;
        if (!c.has_swapins) {
                MemCounters m = {};

                /* the cgroup's own swap-ins are not counted by this kernel: the machine's, said so */
                if (read_machine(root, &m) >= 0 && m.has_swapins) {
                        c.swapins = m.swapins;
                        c.swapouts = m.swapouts;
                        c.has_swapins = true;
                        c.has_swapouts = m.has_swapouts;
                        c.swap_counts_machine_wide = true;
                }
        }
        *ret = c;
        return 0;
}

int proc_stat_parse_cpu_usec(const char *stat, long clk_tck, uint64_t *ret) {
        const char *p = strrchr(stat, ')');   /* comm may hold spaces and parentheses */
        uint64_t utime, stime;
        unsigned field = 2;

        if (!p || clk_tck <= 0)
                return -EINVAL;
        p++;
        /* fields 3.. follow, space separated: utime is 14, stime 15 */
        while (field < 13) {
                p = strchr(p + 1, ' ');
                if (!p)
                        return -EINVAL;
                field++;
        }
        if (sscanf(p, " %" SCNu64 " %" SCNu64, &utime, &stime) != 2)
                return -EINVAL;
        *ret = (utime + stime) * (USEC_PER_SEC / (uint64_t) clk_tck);
        return 0;
}

int proc_pid_cpu_usec(const Root *root, pid_t pid, uint64_t *ret) {
        char path[64], buf[1024];
        ssize_t n;

        if (pid <= 0)
                return -ESRCH;
        snprintf(path, sizeof(path), "proc/%d/stat", (int) pid);
        n = root_read_head(root, path, buf, sizeof(buf));
        if (n == -ENOENT)
                return -ESRCH;
        if (n < 0)
                return (int) n;
        return proc_stat_parse_cpu_usec(buf, sysconf(_SC_CLK_TCK), ret);
}

int proc_pid_rss_bytes(const Root *root, pid_t pid, uint64_t *ret) {
        char path[64], buf[256];
        unsigned long long size, resident;
        long page;
        ssize_t n;

        if (pid <= 0)
                return -ESRCH;
        snprintf(path, sizeof(path), "proc/%d/statm", (int) pid);
        n = root_read_head(root, path, buf, sizeof(buf));
        if (n == -ENOENT)
                return -ESRCH;
        if (n < 0)
                return (int) n;
        if (sscanf(buf, "%llu %llu", &size, &resident) != 2)
                return -EINVAL;
        page = sysconf(_SC_PAGESIZE);
        if (page <= 0 || resident > UINT64_MAX / (uint64_t) page)
                return -EINVAL;
        *ret = (uint64_t) resident * (uint64_t) page;
        return 0;
}

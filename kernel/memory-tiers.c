/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "memory-tiers.h"
#include "meminfo.h"

/* nodelist, has_cpu and online files: a kernel cpulist of at most 1024 nodes */
#define NODE_LIST_FILE_MAX 8192U
/* a distance line: at most 1024 numbers of 3 digits */
#define DISTANCE_FILE_MAX 8192U
/* /proc/zoneinfo: about 2 KiB per zone plus a few lines per CPU and zone */
#define ZONEINFO_FILE_MAX (16U << 20)
#define ZONEINFO_PATH "proc/zoneinfo"

static int read_node_list(const Root *root, const char *path, unsigned **ret, size_t *ret_n) {
        _cleanup_free_ char *text = NULL;
        int r;

        r = root_read_file(root, path, NODE_LIST_FILE_MAX, &text);
        if (r < 0)
                return r;
        return meminfo_parse_node_list(text, ret, ret_n);
}

static bool list_has(const unsigned *l, size_t n, unsigned v) {
        for (size_t i = 0; i < n; i++)
                if (l[i] == v)
                        return true;
        return false;
}

int memory_parse_distances(const char *text, unsigned *ret, size_t n) {
        const char *p = text;
        size_t i = 0;

        if (!text || !ret)
                return -EINVAL;
        for (;;) {
                unsigned long v;
                char *end;

                while (*p == ' ')
                        p++;
                if (*p == '\0' || (*p == '\n' && p[1] == '\0'))
                        break;
                if (*p < '0' || *p > '9')
                        return -EINVAL;
                errno = 0;
                v = strtoul(p, &end, 10);
                if (errno != 0 || v == 0 || v > 255 || (*end != ' ' && *end != '\n' && *end != '\0'))
                        return -EINVAL;
                if (i == n)
                        return -EINVAL;
                ret[i++] = (unsigned) v;
                p = end;
        }
        return i == n ? 0 : -EINVAL;
}

/* "memory_tier<N>" with N decimal without sign or leading zeros; -EINVAL for other names */
static int tier_id_from_name(const char *name, unsigned *ret) {
        const char *d = name + strlen("memory_tier");
        unsigned long v;
        char *end;

        if (!strneq(name, "memory_tier", strlen("memory_tier")) || *d < '0' || *d > '9' ||
            (d[0] == '0' && d[1] != '\0'))
                return -EINVAL;
        errno = 0;
        v = strtoul(d, &end, 10);
        if (errno != 0 || *end != '\0' || v > UINT32_MAX)
                return -EINVAL;
        *ret = (unsigned) v;
        return 0;
}

typedef struct TierFound {
        unsigned id;
        unsigned *nodes;
        size_t n_nodes;
} TierFound;

static void tiers_found_free(TierFound *t, size_t n) {
        for (size_t i = 0; i < n; i++)
                free(t[i].nodes);
}

static int cmp_tier(const void *a, const void *b) {
        const TierFound *x = a, *y = b;

        return x->id < y->id ? -1 : x->id > y->id;
}

/* Fills @t (MEMORY_TIERS_MAX entries) from the sysfs tiers. -ENOENT when there are none. */
static int read_tiers(const Root *root, TierFound *t, size_t *ret_n) {
        _cleanup_close_ int fd = -EBADF;
        struct dirent *de;
        size_t n = 0;
        DIR *d;
        int r = 0;

        fd = root_openat(root, MEMORY_TIERS_DIR, O_RDONLY | O_DIRECTORY);
        if (fd < 0)
                return fd;
        d = fdopendir(fd);
        if (!d)
                return -errno;
        TAKE_FD(fd);
        while ((errno = 0, de = readdir(d))) {
                char path[sizeof(MEMORY_TIERS_DIR) + 300];
                _cleanup_free_ char *text = NULL;
                unsigned id;

                if (tier_id_from_name(de->d_name, &id) < 0)
                        continue;
                if (n == MEMORY_TIERS_MAX) {
                        r = -E2BIG;
                        break;
                }
                if (!snprintf_ok(path, MEMORY_TIERS_DIR "/%s/nodelist", de->d_name)) {
                        r = -ENAMETOOLONG;
                        break;
                }
                r = root_read_file(root, path, NODE_LIST_FILE_MAX, &text);
                if (r == -ENOENT)
                        continue;       /* a tier going away while we look */
                if (r < 0)
                        break;
                if (text[strspn(text, "\n")] == '\0') {
                        text = mfree(text);     /* emptied, about to go away */
                        continue;
                }
                r = meminfo_parse_node_list(text, &t[n].nodes, &t[n].n_nodes);
                text = mfree(text);
                if (r < 0)
                        break;
                t[n++].id = id;
        }
        if (r == 0 && errno != 0)
                r = -errno;
        closedir(d);
        if (r < 0) {
                tiers_found_free(t, n);
                return r;
        }
        if (n == 0)
                return -ENOENT;
        qsort(t, n, sizeof(*t), cmp_tier);
        *ret_n = n;
        return 0;
}

static int cmp_u32(const void *a, const void *b) {
        uint32_t x = *(const uint32_t *) a, y = *(const uint32_t *) b;

        return x < y ? -1 : x > y;
}

static int read_block_size(const Root *root, uint64_t *ret) {
        char buf[64], *end;
        unsigned long long v;
        ssize_t n;

        n = root_read_head(root, MEMORY_BLOCK_SIZE_PATH, buf, sizeof(buf));
        if (n < 0)
                return (int) n;
        if (n == 0 || buf[0] == '-' || buf[0] == '+')
                return -EINVAL;
        errno = 0;
        v = strtoull(buf, &end, 16);
        if (errno != 0 || end == buf || (*end != '\n' && *end != '\0') || v == 0 || (v & (v - 1)) != 0)
                return -EINVAL;
        *ret = v;
        return 0;
}

/* The node's memory<M> entries, merged into address ranges. No memory blocks in sysfs: 0 ranges. */
static int read_node_ranges(const Root *root, MemoryNode *node, uint64_t block_size) {
        _cleanup_free_ uint32_t *blocks = NULL;
        _cleanup_close_ int fd = -EBADF;
        size_t n = 0, cap = 0, k = 0;
        char path[64];
        struct dirent *de;
        DIR *d;
        int r = 0;

        node->n_ranges = 0;
        node->spanned = false;
        if (block_size == 0)
                return 0;
        snprintf(path, sizeof(path), MEMINFO_NODE_DIR "/node%u", node->id);
        fd = root_openat(root, path, O_RDONLY | O_DIRECTORY);
        if (fd < 0)
                return fd;
        d = fdopendir(fd);
        if (!d)
                return -errno;
        TAKE_FD(fd);
        while ((errno = 0, de = readdir(d))) {
                const char *s = de->d_name + strlen("memory");
                unsigned long v;
                char *end;

                if (!strneq(de->d_name, "memory", strlen("memory")) || *s < '0' || *s > '9')
                        continue;
                errno = 0;
                v = strtoul(s, &end, 10);
                if (errno != 0 || *end != '\0' || v >= UINT32_MAX ||
                    (uint64_t) (v + 1) > UINT64_MAX / block_size)
                        continue;       /* memory_failure and the like; or nonsense */
                if (n == MEMORY_NODE_BLOCKS_MAX) {
                        r = -E2BIG;
                        break;
                }
                if (n == cap) {
                        uint32_t *a;

                        cap = cap ? cap * 2 : 64;
                        a = reallocarray(blocks, cap, sizeof(*blocks));
                        if (!a) {
                                r = -ENOMEM;
                                break;
                        }
                        blocks = a;
                }
                blocks[n++] = (uint32_t) v;
        }
        if (r == 0 && errno != 0)
                r = -errno;
        closedir(d);
        if (r < 0)
                return r;
        if (n == 0)
                return 0;
        qsort(blocks, n, sizeof(*blocks), cmp_u32);

        for (size_t i = 0; i < n; i++) {
                uint64_t start = (uint64_t) blocks[i] * block_size, end = start + block_size;

                if (k > 0 && node->ranges[k - 1].end >= start) {
                        node->ranges[k - 1].end = MAX(node->ranges[k - 1].end, end);
                        continue;
                }
                if (k == MEMORY_NODE_RANGES_MAX) {
                        /* too fragmented to describe: its span */
                        node->ranges[0].end = (uint64_t) blocks[n - 1] * block_size + block_size;
                        node->n_ranges = 1;
                        node->spanned = true;
                        return 0;
                }
                node->ranges[k++] = (MemoryRange) { start, end };
        }
        node->n_ranges = k;
        return 0;
}

int memory_parse_zoneinfo(const char *text, unsigned id, uint64_t *ret_low, uint64_t *ret_high,
                          uint64_t *ret_promo) {
        uint64_t low = 0, high = 0, promo = 0;
        bool mine = false, found = false, zone_promo = false, zone_high = false, zone_low = false;
        uint64_t zlow = 0, zhigh = 0;

        if (!text)
                return -EINVAL;
        for (const char *l = text; *l; ) {
                const char *eol = strchrnul(l, '\n');
                char line[128], key[16];
                unsigned node;
                unsigned long long v;

                /* sscanf() on the text itself would measure all of it on every line */
                snprintf(line, sizeof(line), "%.*s", (int) MIN((size_t) (eol - l), sizeof(line) - 1), l);
                if (sscanf(line, "Node %u, zone", &node) == 1) {
                        /* the previous zone had no promo line: the kernel's own fallback */
                        if (mine && zone_low && zone_high && !zone_promo)
                                promo += zhigh + (zhigh > zlow ? zhigh - zlow : 0);
                        mine = node == id;
                        zone_promo = zone_high = zone_low = false;
                } else if (mine && line[0] == ' ' && sscanf(line, " %15s %llu", key, &v) == 2) {
                        /* each zone's first min/low/high/promo lines; pagesets say "high:" */
                        if (streq(key, "low") && !zone_low) {
                                low += v;
                                zlow = v;
                                zone_low = found = true;
                        } else if (streq(key, "high") && !zone_high) {
                                high += v;
                                zhigh = v;
                                zone_high = found = true;
                        } else if (streq(key, "promo") && !zone_promo) {
                                promo += v;
                                zone_promo = true;
                        }
                }
                l = *eol ? eol + 1 : eol;
        }
        if (mine && zone_low && zone_high && !zone_promo)
                promo += zhigh + (zhigh > zlow ? zhigh - zlow : 0);
        if (!found)
                return -ENOENT;
        *ret_low = low;
        *ret_high = high;
        *ret_promo = MAX(promo, high);
        return 0;
}

static int read_node(const Root *root, MemoryNode *node, bool numa) {
        MemInfo mi;
        int r;

        if (numa)
                r = meminfo_read_node(root, node->id, &mi);
        else
                r = meminfo_read_system(root, &mi);
        if (r < 0)
                return r;
        node->total = mi.total;
        node->free = mi.free;
        return 0;
}

int memory_topology_read(const Root *root, MemoryTopology *ret) {
        _cleanup_free_ unsigned *online = NULL, *cpu = NULL, *mem = NULL;
        size_t n_online = 0, n_cpu = 0, n_mem = 0, n_tiers = 0;
        TierFound found[MEMORY_TIERS_MAX] = {};
        _cleanup_free_ unsigned *dist = NULL;
        uint64_t block_size = 0;
        bool numa, have_cpu_list;
        int r;

        if (!root || !ret)
                return -EINVAL;
        *ret = (MemoryTopology) {};

        r = meminfo_list_nodes(root, &online, &n_online);
        if (r == -ENOENT) {
                /* no NUMA: one node, one tier */
                numa = false;
                online = malloc(sizeof(*online));
                if (!online)
                        return -ENOMEM;
                online[0] = 0;
                n_online = 1;
        } else if (r < 0)
                return r;
        else
                numa = true;

        have_cpu_list = numa && read_node_list(root, MEMORY_NODES_HAS_CPU_PATH, &cpu, &n_cpu) >= 0;
        if (numa) {
                r = read_node_list(root, MEMORY_NODES_HAS_MEMORY_PATH, &mem, &n_mem);
                if (r == -ENOENT) {
                        mem = TAKE_PTR(online);
                        n_mem = n_online;
                        r = meminfo_list_nodes(root, &online, &n_online);
                }
                if (r < 0)
                        return r;
        }

        r = numa ? read_tiers(root, found, &n_tiers) : -ENOENT;
        if (r == -ENOENT) {
                const unsigned *l = numa ? mem : online;
                size_t n = numa ? n_mem : n_online;

                found[0].nodes = malloc(MAX(n, (size_t) 1) * sizeof(unsigned));
                if (!found[0].nodes)
                        return -ENOMEM;
                memcpy(found[0].nodes, l, n * sizeof(unsigned));
                found[0].n_nodes = n;
                n_tiers = 1;
        } else if (r < 0)
                return r;
        else
                ret->from_kernel = true;

        r = read_block_size(root, &block_size);
        if (r == -ENOENT)
                block_size = 0;
        else if (r < 0)
                goto finish;

        for (size_t t = 0; t < n_tiers; t++) {
                MemoryTier *tier = &ret->tiers[ret->n_tiers];

                *tier = (MemoryTier) { .id = found[t].id, .first = ret->n_nodes };
                for (size_t i = 0; i < found[t].n_nodes; i++) {
                        unsigned id = found[t].nodes[i];
                        MemoryNode *node;

                        /* a node listed twice (torn read across a tier change): the first wins */
                        if (memory_topology_node_index(ret, id) >= 0)
                                continue;
                        if (numa && !list_has(mem, n_mem, id))
                                continue;
                        if (ret->n_nodes == MEMORY_NODES_MAX) {
                                r = -E2BIG;
                                goto finish;
                        }
                        node = &ret->nodes[ret->n_nodes];
                        *node = (MemoryNode) {
                                .id = id,
                                .tier = ret->n_tiers,
                                .has_cpu = !have_cpu_list || list_has(cpu, n_cpu, id),
                        };
                        r = read_node(root, node, numa);
                        if (r == -ENOENT)
                                continue;       /* went offline */
                        if (r < 0)
                                goto finish;
                        r = read_node_ranges(root, node, numa ? block_size : 0);
                        if (r == -ENOENT)
                                continue;
                        if (r < 0)
                                goto finish;
                        ret->n_nodes++;
                        tier->n_nodes++;
                }
                if (tier->n_nodes > 0)
                        ret->n_tiers++;
        }

        /* distances, by index into nodes[]: each node's line lists every online node in order */
        dist = calloc(n_online, sizeof(*dist));
        if (!dist) {
                r = -ENOMEM;
                goto finish;
        }
        for (size_t i = 0; numa && i < ret->n_nodes; i++) {
                _cleanup_free_ char *text = NULL;
                char path[64];

                snprintf(path, sizeof(path), MEMINFO_NODE_DIR "/node%u/distance", ret->nodes[i].id);
                r = root_read_file(root, path, DISTANCE_FILE_MAX, &text);
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        goto finish;
                r = memory_parse_distances(text, dist, n_online);
                if (r < 0)
                        goto finish;
                for (size_t j = 0; j < ret->n_nodes; j++)
                        for (size_t o = 0; o < n_online; o++)
                                if (online[o] == ret->nodes[j].id)
                                        ret->distance[i][j] = dist[o];
        }
        if (!numa && ret->n_nodes == 1)
                ret->distance[0][0] = 10;

        /* watermarks: without zoneinfo (or with one that does not parse) they stay unknown */
        {
                _cleanup_free_ char *zi = NULL;
                long page = sysconf(_SC_PAGESIZE);

                if (root_read_file(root, ZONEINFO_PATH, ZONEINFO_FILE_MAX, &zi) >= 0 && page > 0)
                        for (size_t i = 0; i < ret->n_nodes; i++) {
                                MemoryNode *node = &ret->nodes[i];
                                uint64_t low, high, promo;

                                if (memory_parse_zoneinfo(zi, numa ? node->id : 0, &low, &high, &promo) < 0)
                                        continue;
                                node->wmark_low = low * (uint64_t) page;
                                node->wmark_high = high * (uint64_t) page;
                                node->wmark_promo = promo * (uint64_t) page;
                        }
        }
        r = 0;
finish:
        tiers_found_free(found, n_tiers);
        return r;
}

bool memory_topology_same_layout(const MemoryTopology *a, const MemoryTopology *b) {
        if (a->n_tiers != b->n_tiers || a->n_nodes != b->n_nodes || a->from_kernel != b->from_kernel)
                return false;
        for (size_t i = 0; i < a->n_tiers; i++)
                if (a->tiers[i].id != b->tiers[i].id || a->tiers[i].first != b->tiers[i].first ||
                    a->tiers[i].n_nodes != b->tiers[i].n_nodes)
                        return false;
        for (size_t i = 0; i < a->n_nodes; i++) {
                const MemoryNode *x = &a->nodes[i], *y = &b->nodes[i];

                if (x->id != y->id || x->tier != y->tier || x->has_cpu != y->has_cpu ||
                    x->n_ranges != y->n_ranges || x->spanned != y->spanned ||
                    x->wmark_low != y->wmark_low || x->wmark_high != y->wmark_high ||
                    x->wmark_promo != y->wmark_promo ||
                    memcmp(x->ranges, y->ranges, x->n_ranges * sizeof(x->ranges[0])) != 0)
                        return false;
                for (size_t j = 0; j < a->n_nodes; j++)
                        if (a->distance[i][j] != b->distance[i][j])
                                return false;
        }
        return true;
}

int memory_topology_node_index(const MemoryTopology *t, unsigned id) {
        for (size_t i = 0; i < t->n_nodes; i++)
                if (t->nodes[i].id == id)
                        return (int) i;
        return -ENOENT;
}

int memory_topology_nearest(const MemoryTopology *t, size_t from, size_t tier) {
        int best = -ENOENT;

        if (tier >= t->n_tiers || from >= t->n_nodes)
                return -ENOENT;
        for (size_t i = t->tiers[tier].first; i < t->tiers[tier].first + t->tiers[tier].n_nodes; i++) {
                /* an unknown distance (0) sorts last */
                unsigned d = t->distance[from][i] ?: UINT32_MAX;

                if (best < 0 || d < (t->distance[from][best] ?: UINT32_MAX) ||
                    (d == (t->distance[from][best] ?: UINT32_MAX) && t->nodes[i].id < t->nodes[best].id))
                        best = (int) i;
        }
        return best;
}

void memory_tier_nodes_string(const MemoryTopology *t, size_t tier, char *buf, size_t size) {
        size_t used = 0;

        if (size == 0)
                return;
        buf[0] = '\0';
        if (tier >= t->n_tiers)
                return;
        for (size_t i = t->tiers[tier].first, end = i + t->tiers[tier].n_nodes; i < end; i++) {
                size_t j = i;
                int n;

                /* nodes are sorted by id within a tier: fold runs into "a-b", as the kernel prints them */
                while (j + 1 < end && t->nodes[j + 1].id == t->nodes[j].id + 1)
                        j++;
                if (j > i)
                        n = snprintf(buf + used, size - used, "%s%u-%u", used ? "," : "", t->nodes[i].id,
                                     t->nodes[j].id);
                else {
                        n = snprintf(buf + used, size - used, "%s%u", used ? "," : "", t->nodes[i].id);
                        j = i;
                }
                if (n < 0 || (size_t) n >= size - used)
                        return;
                used += (size_t) n;
                i = j;
        }
}

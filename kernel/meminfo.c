/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "meminfo.h"
#include "signal-parse.h"

enum {
        KEY_TOTAL,
        KEY_FREE,
        KEY_AVAILABLE,
        _KEY_MAX,
};

static const char * const key_names[_KEY_MAX] = {
        [KEY_TOTAL] = "MemTotal",
        [KEY_FREE] = "MemFree",
        [KEY_AVAILABLE] = "MemAvailable",
};

/* "   123 kB" up to @eol (trailing blanks allowed) → bytes */
static int parse_kb(const char *p, const char *eol, uint64_t *ret) {
        uint64_t kb;
        int r;

        while (p < eol && signal_is_blank(*p))
                p++;
        r = signal_parse_dec(p, eol, &kb, &p);
        if (r < 0)
                return r;
        if (eol - p < 3 || p[0] != ' ' || p[1] != 'k' || p[2] != 'B')
                return -EINVAL;
        for (p += 3; p < eol; p++)
                if (!signal_is_blank(*p))
                        return -EINVAL;
        if (kb > UINT64_MAX / 1024)
                return -ERANGE;
        *ret = kb * 1024;
        return 0;
}

/* Both files: "[Node N ]Key: value kB" lines. @node < 0 for proc/meminfo, where a "Node" prefix is
 * not expected; @nkeys of key_names are wanted. */
static int parse_meminfo(const char *text, int64_t node, size_t nkeys, MemInfo *ret) {
        uint64_t v[_KEY_MAX] = {};
        unsigned seen = 0;
        int r;

        if (!text || !ret)
                return -EINVAL;

        for (const char *p = text; *p;) {
                const char *eol = strchrnul(p, '\n'), *key = p, *colon;
                size_t klen;

                if (node >= 0 && eol - p > 5 && strneq(p, "Node ", 5)) {
                        uint64_t n;

                        r = signal_parse_dec(p + 5, eol, &n, &key);
                        if (r < 0)
                                return -EINVAL;
                        if (n != (uint64_t) node || key >= eol || !signal_is_blank(*key))
                                return -EINVAL;
                        while (key < eol && signal_is_blank(*key))
                                key++;
                }

                colon = memchr(key, ':', (size_t) (eol - key));
                if (colon) {
                        klen = (size_t) (colon - key);
                        for (size_t i = 0; i < nkeys; i++) {
                                if (strlen(key_names[i]) != klen || !strneq(key_names[i], key, klen))
                                        continue;
                                if (seen & (1U << i))
                                        return -EINVAL;
                                r = parse_kb(colon + 1, eol, &v[i]);
                                if (r < 0)
                                        return r;
                                seen |= 1U << i;
                        }
                }
                p = *eol ? eol + 1 : eol;
        }

        if (seen != (1U << nkeys) - 1)
                return -EINVAL;
        *ret = (MemInfo) {
                .total = v[KEY_TOTAL],
                .free = v[KEY_FREE],
                .available = nkeys > KEY_AVAILABLE ? v[KEY_AVAILABLE] : v[KEY_FREE],
        };
        return 0;
}

int meminfo_parse_system(const char *text, MemInfo *ret) {
        return parse_meminfo(text, -1, _KEY_MAX, ret);
}

int meminfo_parse_node(const char *text, unsigned node, MemInfo *ret) {
        return parse_meminfo(text, node, KEY_AVAILABLE, ret);
}

int meminfo_read_system(const Root *root, MemInfo *ret) {
        _cleanup_free_ char *text = NULL;
        int r;

        if (!root || !ret)
                return -EINVAL;
        r = root_read_file(root, MEMINFO_SYSTEM_PATH, MEMINFO_FILE_MAX, &text);
        if (r < 0)
                return r;
        return meminfo_parse_system(text, ret);
}

int meminfo_read_node(const Root *root, unsigned node, MemInfo *ret) {
        _cleanup_free_ char *text = NULL;
        char path[sizeof(MEMINFO_NODE_DIR) + 32];
        int r;

        if (!root || !ret)
                return -EINVAL;
        if (!snprintf_ok(path, MEMINFO_NODE_DIR "/node%u/meminfo", node))
                return -ENAMETOOLONG;
        r = root_read_file(root, path, MEMINFO_FILE_MAX, &text);
        if (r < 0)
                return r;
        return meminfo_parse_node(text, node, ret);
}

static uint64_t ratio(const MemInfo *m, bool used, uint64_t scale) {
        uint64_t free;

        if (!m || m->total == 0)
                return 0;
        free = MIN(m->free, m->total);
        return signal_mul_div(used ? m->total - free : free, scale, m->total);
}

uint64_t meminfo_free_bp(const MemInfo *m) {
        return ratio(m, false, 10000);
}

uint64_t meminfo_used_bp(const MemInfo *m) {
        return ratio(m, true, 10000);
}

uint64_t meminfo_free_permil(const MemInfo *m) {
        return ratio(m, false, 1000);
}

#define NODE_NUMBER_MAX 65535U

int meminfo_parse_node_list(const char *text, unsigned **ret, size_t *ret_n) {
        _cleanup_free_ unsigned *nodes = NULL;
        size_t n = 0, cap = 0;
        const char *p, *end;
        int r;

        if (!text || !ret || !ret_n)
                return -EINVAL;
        end = text + strlen(text);
        if (end > text && end[-1] == '\n')
                end--;
        if (end == text)
                return -EINVAL;

        for (p = text; p < end;) {
                uint64_t lo, hi;

                r = signal_parse_dec(p, end, &lo, &p);
                if (r < 0)
                        return r;
                hi = lo;
                if (p < end && *p == '-') {
                        r = signal_parse_dec(p + 1, end, &hi, &p);
                        if (r < 0)
                                return r;
                }
                if (hi > NODE_NUMBER_MAX)
                        return -ERANGE;
                if (lo > hi)
                        return -EINVAL;
                if (p < end) {
                        if (*p != ',' || p + 1 == end)
                                return -EINVAL;
                        p++;
                }

                for (uint64_t i = lo; i <= hi; i++) {
                        size_t j;

                        if (n == cap) {
                                unsigned *nn;

                                cap = cap ? cap * 2 : 8;
                                nn = reallocarray(nodes, cap, sizeof(*nodes));
                                if (!nn)
                                        return -ENOMEM;
                                nodes = nn;
                        }
                        /* keep it sorted and unique: the kernel prints ascending ranges, but be exact */
                        for (j = n; j > 0 && nodes[j - 1] >= i; j--)
                                ;
                        if (j < n && nodes[j] == i)
                                continue;
                        memmove(nodes + j + 1, nodes + j, (n - j) * sizeof(*nodes));
                        nodes[j] = (unsigned) i;
                        n++;
                }
        }

        *ret = TAKE_PTR(nodes);
        *ret_n = n;
        return 0;
}

int meminfo_list_nodes(const Root *root, unsigned **ret, size_t *ret_n) {
        _cleanup_free_ char *text = NULL;
        int r;

        if (!root || !ret || !ret_n)
                return -EINVAL;
        r = root_read_file(root, MEMINFO_NODES_ONLINE_PATH, MEMINFO_FILE_MAX, &text);
        if (r < 0)
                return r;
        return meminfo_parse_node_list(text, ret, ret_n);
}

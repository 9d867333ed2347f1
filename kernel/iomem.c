/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "iomem.h"
#include "macro.h"

int iomem_largest_system_ram(const Root *root, uint64_t *ret_start, uint64_t *ret_end) {
        _cleanup_free_ char *text = NULL;
        uint64_t best_start = 0, best_end = 0;
        char *line, *saveptr = NULL;
        int r;

        assert(root);
        assert(ret_start);
        assert(ret_end);

        r = root_read_file(root, "proc/iomem", 1024 * 1024, &text);
        if (r < 0)
                return r;
        for (line = strtok_r(text, "\n", &saveptr); line; line = strtok_r(NULL, "\n", &saveptr)) {
                unsigned long long s, e;
                int n = 0;

                if (line[0] == ' ')
                        continue;
                if (sscanf(line, "%llx-%llx : %n", &s, &e, &n) != 2 || n == 0)
                        continue;
                if (!streq(line + n, "System RAM") || e < s || e == UINT64_MAX)
                        continue;
                /* Without CAP_SYS_ADMIN every address reads 0: a range of one byte at 0 is not RAM. */
                if (e == 0)
                        continue;
                if (e + 1 - s > best_end - best_start) {
                        best_start = s;
                        best_end = e + 1;
                }
        }
        if (best_end == 0)
                return -ENOENT;
        *ret_start = best_start;
        *ret_end = best_end;
        return 0;
}

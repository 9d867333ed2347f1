/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "state-file.h"

#define STATE_FILE_MAX (64 * 1024)

void state_record_done(StateRecord *r) {
        if (!r)
                return;
        for (size_t i = 0; i < r->n; i++)
                free(r->entries[i].profile);
        r->entries = mfree(r->entries);
        r->n = 0;
}

int state_record_add(StateRecord *r, unsigned index, pid_t pid, const char *profile) {
        _cleanup_free_ char *p = NULL;
        StateEntry *e;

        assert(r);

        if (profile) {
                p = strdup(profile);
                if (!p)
                        return -ENOMEM;
        }
        e = reallocarray(r->entries, r->n + 1, sizeof(*e));
        if (!e)
                return -ENOMEM;
        r->entries = e;
        r->entries[r->n++] = (StateEntry) { .index = index, .pid = pid, .profile = TAKE_PTR(p) };
        return 0;
}

int state_read_boot_id(const Root *root, char ret[64]) {
        _cleanup_free_ char *s = NULL;
        int r;

        assert(root);

        r = root_read_file(root, STATE_BOOT_ID_PATH, 64, &s);
        if (r == -ENOENT) {
                ret[0] = '\0';
                return 0;
        }
        if (r < 0)
                return r;
        s[strcspn(s, "\n")] = '\0';
        snprintf(ret, 64, "%s", s);
        return 0;
}

static int parse_entry(char *line, StateRecord *rec) {
        unsigned index;
        int pid, n = 0;
        const char *profile;

        if (sscanf(line, "kdamond %u %d%n", &index, &pid, &n) != 2 || n == 0 || pid < -1 || pid == 0)
                return -EINVAL;
        profile = line + n;
        if (*profile == '\0')
                profile = NULL;
        else if (*profile == ' ' && profile[1] != '\0')
                profile++;
        else
                return -EINVAL;
        for (size_t i = 0; i < rec->n; i++)
                if (rec->entries[i].index == index)
                        return -EINVAL;
        return state_record_add(rec, index, pid, profile);
}

int state_file_read(const Root *root, StateRecord *ret) {
        _cleanup_(state_record_done) StateRecord rec = {};
        _cleanup_free_ char *text = NULL;
        char boot_id[64], *line, *saveptr = NULL;
        bool boot_ok = false;
        int r;

        assert(root);
        assert(ret);

        *ret = (StateRecord) {};
        r = state_read_boot_id(root, boot_id);
        if (r < 0)
                return r;
        r = root_read_file(root, STATE_FILE_PATH, STATE_FILE_MAX, &text);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;

        for (line = strtok_r(text, "\n", &saveptr); line; line = strtok_r(NULL, "\n", &saveptr)) {
                if (line[0] == '#')
                        continue;
                if (strneq(line, "boot_id ", 8)) {
                        if (!streq(line + 8, boot_id))
                                return 0;       /* another boot: every kdamond of it is gone */
                        boot_ok = true;
                        continue;
                }
                r = parse_entry(line, &rec);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        return 0;
        }
        if (!boot_ok)
                return 0;
        *ret = rec;
        rec = (StateRecord) {};
        return 1;
}

int state_file_write(const Root *root, const StateRecord *rec) {
        _cleanup_fclose_ FILE *f = NULL;
        char boot_id[64];
        int fd, r;

        assert(root);
        assert(rec);

        r = state_read_boot_id(root, boot_id);
        if (r < 0)
                return r;
        if (mkdirat(root->fd, "run", 0755) < 0 && errno != EEXIST)
                return -errno;
        if (mkdirat(root->fd, STATE_FILE_DIR, 0755) < 0 && errno != EEXIST)
                return -errno;

        fd = openat(root->fd, STATE_FILE_PATH ".tmp", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd < 0)
                return -errno;
        f = fdopen(fd, "w");
        if (!f) {
                r = -errno;
                (void) close(fd);
                goto fail;
        }
        fprintf(f, "# damond: the kdamonds it owns (index, pid, profile). Do not edit.\n"
                "boot_id %s\n", boot_id);
        for (size_t i = 0; i < rec->n; i++) {
                const StateEntry *e = &rec->entries[i];

                fprintf(f, "kdamond %u %d%s%s\n", e->index, e->pid >= 0 ? (int) e->pid : -1,
                        e->profile ? " " : "", e->profile ?: "");
        }
        if (fflush(f) != 0 || ferror(f) || fsync(fileno(f)) < 0) {
                r = errno > 0 ? -errno : -EIO;
                goto fail;
        }
        if (renameat(root->fd, STATE_FILE_PATH ".tmp", root->fd, STATE_FILE_PATH) < 0) {
                r = -errno;
                goto fail;
        }
        return 0;
fail:
        (void) unlinkat(root->fd, STATE_FILE_PATH ".tmp", 0);
        return r;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <assert.h>
#include <ctype.h>
#include <limits.h>
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

/* A profile name as it is written in the record: bytes outside [A-Za-z0-9_.-] as \xNN, so that no name,
 * whatever it holds, can end a line or add a field. */
static void put_name(FILE *f, const char *name) {
        for (const unsigned char *p = (const unsigned char *) name; *p; p++)
                if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                    strchr("_.-", *p))
                        fputc(*p, f);
                else
                        fprintf(f, "\\x%02x", *p);
}

static int unhex(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        return -1;
}

/* The inverse of put_name(), in place. Anything put_name() cannot have written is -EBADMSG. */
static int decode_name(char *s) {
        char *out = s;

        for (const char *p = s; *p;) {
                if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
                    strchr("_.-", *p)) {
                        *out++ = *p++;
                        continue;
                }
                if (p[0] != '\\' || p[1] != 'x' || unhex(p[2]) < 0 || unhex(p[3]) < 0 ||
                    (unhex(p[2]) << 4 | unhex(p[3])) == 0)
                        return -EBADMSG;
                *out++ = (char) (unhex(p[2]) << 4 | unhex(p[3]));
                p += 4;
        }
        *out = '\0';
        return s[0] ? 0 : -EBADMSG;
}

/* A decimal number as the writer writes it: digits only, no sign, no leading zero, no blanks. */
static const char *parse_number(const char *s, unsigned *ret) {
        unsigned long v = 0;
        const char *p = s;

        if (!isdigit((unsigned char) *p) || (p[0] == '0' && isdigit((unsigned char) p[1])))
                return NULL;
        for (; isdigit((unsigned char) *p); p++) {
                v = v * 10 + (unsigned long) (*p - '0');
                if (v > INT_MAX)
                        return NULL;
        }
        *ret = (unsigned) v;
        return p;
}

/* "kdamond INDEX PID [PROFILE]", exactly as state_file_write() writes it. */
static int parse_entry(char *line, StateRecord *rec) {
        const char *p = line;
        unsigned index, pid;
        char *profile = NULL;
        int r;

        if (!strneq(p, "kdamond ", 8))
                return -EBADMSG;
        p = parse_number(p + 8, &index);
        if (!p || *p++ != ' ')
                return -EBADMSG;
        if (strneq(p, "-1", 2)) {
                pid = 0;
                p += 2;
        } else {
                p = parse_number(p, &pid);
                if (!p || pid == 0)
                        return -EBADMSG;
        }
        if (*p == ' ') {
                profile = line + (p + 1 - line);
                r = decode_name(profile);
                if (r < 0)
                        return r;
        } else if (*p != '\0')
                return -EBADMSG;
        for (size_t i = 0; i < rec->n; i++)
                if (rec->entries[i].index == index)
                        return -EBADMSG;
        return state_record_add(rec, index, pid > 0 ? (pid_t) pid : -1, profile);
}

int state_file_read(const Root *root, StateRecord *ret, unsigned *ret_line) {
        _cleanup_(state_record_done) StateRecord rec = {};
        _cleanup_free_ char *text = NULL;
        char boot_id[64], *line, *next;
        bool boot_ok = false;
        unsigned line_no = 0;
        int r;

        assert(root);
        assert(ret);

        *ret = (StateRecord) {};
        if (ret_line)
                *ret_line = 0;
        r = state_read_boot_id(root, boot_id);
        if (r < 0)
                return r;
        r = root_read_file(root, STATE_FILE_PATH, STATE_FILE_MAX, &text);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;

        /* Line by line, empty lines included: the writer never writes one. */
        for (line = text; *line; line = next) {
                next = strchrnul(line, '\n');
                line_no++;
                if (*next == '\0')
                        goto corrupt;   /* cut short: every line the writer writes ends in '\n' */
                *next++ = '\0';

                if (line_no == 1 && line[0] == '#')
                        continue;
                if (!boot_ok) {
                        if (!strneq(line, "boot_id ", 8))
                                goto corrupt;
                        if (!streq(line + 8, boot_id))
                                return 0;       /* another boot: every kdamond of it is gone */
                        boot_ok = true;
                        continue;
                }
                r = parse_entry(line, &rec);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        goto corrupt;
        }
        if (!boot_ok)
                goto corrupt;
        *ret = rec;
        rec = (StateRecord) {};
        return 1;

corrupt:
        if (ret_line)
                *ret_line = MAX(line_no, 1u);
        return -EBADMSG;
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

                fprintf(f, "kdamond %u %d", e->index, e->pid >= 0 ? (int) e->pid : -1);
                if (e->profile) {
                        fputc(' ', f);
                        put_name(f, e->profile);
                }
                fputc('\n', f);
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

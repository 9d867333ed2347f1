/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <assert.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "profile-diag.h"
#include "macro.h"

#define DIAG_VALUE_MAX 64

static int dup_opt(const char *s, char **ret) {
        *ret = NULL;
        if (!s)
                return 0;
        *ret = strdup(s);
        return *ret ? 0 : -ENOMEM;
}

int diag_add(DiagList *l, DiagSeverity severity, const char *file, unsigned line, const char *key,
             const char *value, const char *format, ...) {
        Diag d = { .severity = severity, .line = line };
        Diag *a;
        va_list ap;
        int r;

        assert(l);
        assert(format);

        va_start(ap, format);
        r = vasprintf(&d.message, format, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        if (dup_opt(file, &d.file) < 0 || dup_opt(key, &d.key) < 0 || dup_opt(value, &d.value) < 0)
                goto oom;
        a = realloc(l->items, (l->n + 1) * sizeof(*a));
        if (!a)
                goto oom;
        l->items = a;
        l->items[l->n++] = d;
        return 0;

oom:
        free(d.message);
        free(d.file);
        free(d.key);
        free(d.value);
        return -ENOMEM;
}

void diag_list_done(DiagList *l) {
        if (!l)
                return;
        for (size_t i = 0; i < l->n; i++) {
                free(l->items[i].file);
                free(l->items[i].key);
                free(l->items[i].value);
                free(l->items[i].message);
        }
        free(l->items);
        *l = (DiagList) {};
}

size_t diag_list_count(const DiagList *l, DiagSeverity severity) {
        size_t n = 0;

        for (size_t i = 0; i < l->n; i++)
                if (l->items[i].severity == severity)
                        n++;
        return n;
}

/* Length of the valid UTF-8 sequence at s, or 0. */
static size_t utf8_len(const unsigned char *s) {
        size_t n;

        if (s[0] >= 0xc2 && s[0] <= 0xdf)
                n = 2;
        else if (s[0] >= 0xe0 && s[0] <= 0xef)
                n = 3;
        else if (s[0] >= 0xf0 && s[0] <= 0xf4)
                n = 4;
        else
                return 0;
        for (size_t i = 1; i < n; i++)
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
        return n;
}

static void put_escaped(FILE *f, const char *value, size_t limit) {
        const unsigned char *s = (const unsigned char *) value;
        size_t shown = 0;

        while (*s) {
                size_t n;

                if (shown >= limit) {
                        fputs("...", f);
                        return;
                }
                if (*s >= 0x20 && *s < 0x7f) {
                        fputc(*s++, f);
                } else if ((n = utf8_len(s)) > 0) {
                        fwrite(s, 1, n, f);
                        s += n;
                } else
                        fprintf(f, "\\x%02x", *s++);
                shown++;
        }
}

char *diag_format(const Diag *d) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f;

        f = open_memstream(&buf, &size);
        if (!f)
                return NULL;
        if (d->file) {
                put_escaped(f, d->file, SIZE_MAX);
                if (d->line > 0)
                        fprintf(f, ":%u", d->line);
                fputs(": ", f);
        }
        if (d->key) {
                fputs(d->key, f);
                if (d->value) {
                        fputc('=', f);
                        put_escaped(f, d->value, DIAG_VALUE_MAX);
                }
                fputs(": ", f);
        }
        fputs(d->message, f);
        if (fclose(f) != 0) {
                free(buf);
                return NULL;
        }
        return buf;
}

const char *diag_severity_to_string(DiagSeverity s) {
        static const char * const table[_DIAG_SEVERITY_MAX] = {
                [DIAG_ERROR] = "error",
                [DIAG_WARNING] = "warning",
                [DIAG_NOTE] = "note",
        };

        if ((int) s < 0 || s >= _DIAG_SEVERITY_MAX)
                return NULL;
        return table[s];
}

int diag_list_sort(DiagList *l) {
        _cleanup_free_ size_t *rank = NULL;
        Diag *sorted;

        if (l->n < 2)
                return 0;
        /* rank of each item's file: the index of the first item naming the same file */
        rank = calloc(l->n, sizeof(*rank));
        if (!rank)
                return -ENOMEM;
        for (size_t i = 0; i < l->n; i++) {
                rank[i] = i;
                for (size_t j = 0; j < i; j++) {
                        const char *a = l->items[i].file, *b = l->items[j].file;

                        if ((!a && !b) || (a && b && streq(a, b))) {
                                rank[i] = rank[j];
                                break;
                        }
                }
        }
        /* insertion sort: stable, and lists are short */
        sorted = l->items;
        for (size_t i = 1; i < l->n; i++)
                for (size_t j = i; j > 0; j--) {
                        Diag t;
                        size_t tr;

                        if (rank[j - 1] < rank[j] ||
                            (rank[j - 1] == rank[j] && sorted[j - 1].line <= sorted[j].line))
                                break;
                        t = sorted[j];
                        sorted[j] = sorted[j - 1];
                        sorted[j - 1] = t;
                        tr = rank[j];
                        rank[j] = rank[j - 1];
                        rank[j - 1] = tr;
                }
        return 0;
}

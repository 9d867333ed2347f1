/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <assert.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "profile-diag.h"
#include "macro.h"
#include "utf8.h"

#define DIAG_VALUE_MAX 64

static int dup_opt(const char *s, char **ret) {
        *ret = NULL;
        if (!s)
                return 0;
        *ret = strdup(s);
        return *ret ? 0 : -ENOMEM;
}

static int diag_push(DiagList *l, Diag *d) {
        if (l->n == l->allocated) {
                size_t m = l->allocated ? l->allocated * 2 : 16;
                Diag *a = realloc(l->items, m * sizeof(*a));

                if (!a)
                        return -ENOMEM;
                l->items = a;
                l->allocated = m;
        }
        l->items[l->n++] = *d;
        return 0;
}

/* Past DIAG_LIST_MAX, one note says so (as severe as the worst problem it stands for) and the rest is
 * only counted: a file of a million bad lines costs a counter, not a million messages. */
static int diag_drop(DiagList *l, DiagSeverity severity) {
        l->dropped[severity]++;
        if (!l->truncated) {
                Diag d = { .severity = severity };

                if (asprintf(&d.message, "too many problems: only the first %d are listed",
                             DIAG_LIST_MAX) < 0)
                        return -ENOMEM;
                if (diag_push(l, &d) < 0) {
                        free(d.message);
                        return -ENOMEM;
                }
                l->truncated = true;
        } else if (severity < l->items[l->n - 1].severity)
                l->items[l->n - 1].severity = severity;
        return 0;
}

bool diag_list_full(const DiagList *l) {
        return l->truncated || l->n >= DIAG_LIST_MAX;
}

int diag_add(DiagList *l, DiagSeverity severity, const char *file, unsigned line, const char *key,
             const char *value, const char *format, ...) {
        Diag d = { .severity = severity, .line = line };
        va_list ap;
        int r;

        assert(l);
        assert(format);
        assert(severity >= 0 && severity < _DIAG_SEVERITY_MAX);

        if (diag_list_full(l))
                return diag_drop(l, severity);
        va_start(ap, format);
        r = vasprintf(&d.message, format, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        if (dup_opt(file, &d.file) < 0 || dup_opt(key, &d.key) < 0 || dup_opt(value, &d.value) < 0)
                goto oom;
        if (diag_push(l, &d) < 0)
                goto oom;
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
        size_t n = l->dropped[severity];

        for (size_t i = 0; i < l->n; i++)
                if (l->items[i].severity == severity && !(l->truncated && i == l->n - 1))
                        n++;
        return n;
}

char *diag_format(const Diag *d) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f;

        f = open_memstream(&buf, &size);
        if (!f)
                return NULL;
        if (d->file) {
                fputs_escaped(d->file, SIZE_MAX, f);
                if (d->line > 0)
                        fprintf(f, ":%u", d->line);
                fputs(": ", f);
        }
        if (d->key) {
                fputs_escaped(d->key, SIZE_MAX, f);
                if (d->value) {
                        fputc('=', f);
                        fputs_escaped(d->value, DIAG_VALUE_MAX, f);
                }
                fputs(": ", f);
        }
        /* messages quote section names, file names and values too */
        fputs_escaped(d->message, SIZE_MAX, f);
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

typedef struct SortKey {
        const char *file;
        size_t rank;    /* index of the first item naming the same file */
        unsigned line;
        size_t index;
} SortKey;

static int cmp_str_null(const char *a, const char *b) {
        if (!a || !b)
                return (a != NULL) - (b != NULL);
        return strcmp(a, b);
}

static int cmp_by_file(const void *x, const void *y) {
        const SortKey *a = x, *b = y;
        int c = cmp_str_null(a->file, b->file);

        return c != 0 ? c : (a->index > b->index) - (a->index < b->index);
}

static int cmp_by_rank(const void *x, const void *y) {
        const SortKey *a = x, *b = y;

        if (a->rank != b->rank)
                return a->rank < b->rank ? -1 : 1;
        if (a->line != b->line)
                return a->line < b->line ? -1 : 1;
        return (a->index > b->index) - (a->index < b->index);
}

/* Two sorts, O(n log n): by file name to find each file's first appearance, then by (that, line, index);
 * the index makes it stable. The truncation note stays last. */
int diag_list_sort(DiagList *l) {
        _cleanup_free_ SortKey *keys = NULL;
        _cleanup_free_ Diag *sorted = NULL;
        size_t n = l->n - (l->truncated ? 1 : 0);

        if (l->n < 2 || n < 2)
                return 0;
        keys = calloc(n, sizeof(*keys));
        sorted = calloc(l->allocated, sizeof(*sorted));
        if (!keys || !sorted)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                keys[i] = (SortKey) { .file = l->items[i].file, .line = l->items[i].line, .index = i };
        qsort(keys, n, sizeof(*keys), cmp_by_file);
        for (size_t i = 0; i < n; i++)
                keys[i].rank = i > 0 && cmp_str_null(keys[i - 1].file, keys[i].file) == 0 ?
                               keys[i - 1].rank : keys[i].index;
        qsort(keys, n, sizeof(*keys), cmp_by_rank);
        for (size_t i = 0; i < n; i++)
                sorted[i] = l->items[keys[i].index];
        for (size_t i = n; i < l->n; i++)
                sorted[i] = l->items[i];
        free(l->items);
        l->items = TAKE_PTR(sorted);
        return 0;
}

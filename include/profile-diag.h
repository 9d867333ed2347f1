/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * Structured diagnostics about configuration files. policies/ never logs: the parser, the validation and
 * the compiler append to a DiagList, and daemon/ decides where each line goes. Every diagnostic that is
 * about a line carries the file and line; one that is about a key carries the key and the value as
 * written, so that the formatted line reads "path:line: Key=value: what is wrong".
 */

#include <stdbool.h>
#include <stddef.h>

#include "macro.h"

typedef enum DiagSeverity {
        DIAG_ERROR,     /* the profile is refused */
        DIAG_WARNING,   /* the line is ignored ("..., ignoring") but the profile is usable */
        DIAG_NOTE,      /* information: a setting emulated in user space or skipped on this kernel */
        _DIAG_SEVERITY_MAX,
        _DIAG_SEVERITY_INVALID = -EINVAL,
} DiagSeverity;

typedef struct Diag {
        DiagSeverity severity;
        char *file;     /* NULL: not about a file */
        unsigned line;  /* 0: about the whole file */
        char *key;      /* NULL: not about one key; a section header is given as "[Scheme NAME]" */
        char *value;    /* the value as written; NULL when key is a section */
        char *message;
} Diag;

/* Diagnostics kept in one list; past it one more item, a note (as severe as the worst one it stands for)
 * says the list was cut, and the rest is only counted. */
#define DIAG_LIST_MAX 1000

typedef struct DiagList {
        Diag *items;
        size_t n;
        size_t allocated;
        size_t dropped[_DIAG_SEVERITY_MAX];     /* counted past DIAG_LIST_MAX, not kept */
        bool truncated;                         /* the last item is the note that says so */
} DiagList;

/* Appends a diagnostic. Every string argument may be NULL and is copied. Returns 0 or -ENOMEM. Past
 * DIAG_LIST_MAX it is only counted (diag_list_count() still sees it). */
int diag_add(DiagList *l, DiagSeverity severity, const char *file, unsigned line, const char *key,
             const char *value, const char *format, ...) _printf_(7, 8);
void diag_list_done(DiagList *l);
/* Whether further diagnostics are only counted: a caller may skip work that only makes one nicer. */
bool diag_list_full(const DiagList *l);
/* Every diagnostic of @severity added, kept or not. */
size_t diag_list_count(const DiagList *l, DiagSeverity severity);
static inline bool diag_list_has_errors(const DiagList *l) {
        return diag_list_count(l, DIAG_ERROR) > 0;
}

/*
 * "path:line: Key=value: message". Every part (the path, the key, the value, the names a message quotes)
 * is shown as written but with control characters and bytes that are not valid UTF-8 escaped (\xNN, see
 * utf8.h), and values are cut to 64 characters ("..."), so a line of garbage cannot garble a terminal,
 * a journal or a D-Bus reply. Returns a new string or NULL on out-of-memory.
 */
char *diag_format(const Diag *d);

/* Sorts by file (in order of first appearance) and line, keeping the order of equal ones, so that a
 * user reads a file's problems top to bottom whichever step found them; O(n log n), the note of a cut
 * list stays last. Returns 0 or -ENOMEM. */
int diag_list_sort(DiagList *l);

/* "error", "warning", "note" */
const char *diag_severity_to_string(DiagSeverity s);

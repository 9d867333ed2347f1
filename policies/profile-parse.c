/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Parsing profiles with inih. Nothing here opens a file: contents come through a ProfileFiles
 * (profile.h), which daemon/config-files.c implements on the disk. The distribution's libinih calls its
 * handler without line numbers, so damond hands it lines through ini_parse_stream() with a reader that
 * counts them. The reader also screens each physical line before inih sees it: lines too long for inih's
 * buffer, NUL bytes, lines that are neither "Key=value", "[Section]" nor a comment are reported here with
 * their line number (inih would only report the first) and replaced by an empty line. Leading whitespace
 * is dropped, so an indented key is a key and never inih's multi-line continuation.
 */
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "profile.h"
#include "strmap.h"
#include "utf8.h"

#define BAD_HEADER "invalid section header: expected [Section] or [Section NAME]"

static const char *read_error(int r) {
        return r == -EFBIG ? "larger than 1 MiB" : r == -EBADFD ? "not a regular file" : strerror(-r);
}

#define BUDGET_BYTES_ERROR "the profile's files exceed %d bytes in total (the main file, every include each " \
        "time it is read, and the drop-ins), not reading further"

/* inih keeps section and key names in 50-byte buffers and cuts longer ones. */
#define INIH_NAME_MAX 49

typedef struct Entry {
        char *section;          /* header text between the brackets; NULL before the first header */
        char *key;              /* NULL: this entry is a section header */
        char *value;
        bool bad_header;        /* a header that was refused: keys up to the next header are dropped */
        const char *file;       /* interned in the owner's file list */
        unsigned line;
} Entry;

typedef struct EntryList {
        Entry *items;
        size_t n;
        size_t allocated;
} EntryList;

typedef struct Loader {
        const ProfileFiles *files;     /* NULL: none */
        DiagList *diags;
        char ***file_list;
        size_t *n_files;
        EntryList entries;
        char **loaded;          /* canonical paths read so far: a file included twice is read once */
        size_t n_loaded;
        const char *stack[PROFILE_INCLUDE_DEPTH_MAX + 2];  /* display paths of the include chain */
        char *stack_real[PROFILE_INCLUDE_DEPTH_MAX + 2];   /* canonical paths, for cycle detection */
        size_t depth;
        size_t bytes;           /* read so far, against PROFILE_BYTES_MAX */
        size_t n_reads;         /* files read so far, against PROFILE_FILES_MAX */
        size_t n_entries;       /* parsed so far, against PROFILE_ENTRIES_MAX */
        bool over_budget;       /* reported: nothing more is read */
        const char *main_data;  /* the main file's contents when given in memory (profile_load_data()) */
        size_t main_size;
} Loader;

typedef struct ReadCtx {
        Loader *loader;
        const char *file;
        const char *data;
        size_t size;
        size_t pos;
        unsigned line;
        char *section;          /* the current header text */
        EntryList own;
        int error;              /* -ENOMEM seen */
} ReadCtx;

static void entry_list_done(EntryList *l) {
        for (size_t i = 0; i < l->n; i++) {
                free(l->items[i].section);
                free(l->items[i].key);
                free(l->items[i].value);
        }
        free(l->items);
        *l = (EntryList) {};
}

static int entry_add(EntryList *l, const char *section, const char *key, const char *value, bool bad,
                     const char *file, unsigned line) {
        Entry e = { .bad_header = bad, .file = file, .line = line };

        if ((section && !(e.section = strdup(section))) || (key && !(e.key = strdup(key))) ||
            (value && !(e.value = strdup(value))))
                goto oom;
        if (l->n == l->allocated) {
                size_t m = l->allocated ? l->allocated * 2 : 32;
                Entry *a = realloc(l->items, m * sizeof(*a));

                if (!a)
                        goto oom;
                l->items = a;
                l->allocated = m;
        }
        l->items[l->n++] = e;
        return 0;
oom:
        free(e.section);
        free(e.key);
        free(e.value);
        return -ENOMEM;
}

/* Moves every entry of @from to the end of @to. */
static int entry_list_move(EntryList *to, EntryList *from) {
        Entry *a;

        if (from->n == 0)
                return 0;
        if (to->n + from->n > to->allocated) {
                size_t m = MAX(to->allocated * 2, to->n + from->n);

                a = realloc(to->items, m * sizeof(*a));
                if (!a)
                        return -ENOMEM;
                to->items = a;
                to->allocated = m;
        }
        memcpy(to->items + to->n, from->items, from->n * sizeof(*a));
        to->n += from->n;
        free(from->items);
        *from = (EntryList) {};
        return 0;
}

static const char *intern_file(Loader *l, const char *path) {
        char **a;
        char *copy;

        for (size_t i = 0; i < *l->n_files; i++)
                if (streq((*l->file_list)[i], path))
                        return (*l->file_list)[i];
        copy = strdup(path);
        if (!copy)
                return NULL;
        a = realloc(*l->file_list, (*l->n_files + 2) * sizeof(*a));
        if (!a)
                return free(copy), NULL;
        *l->file_list = a;
        a[(*l->n_files)++] = copy;
        a[*l->n_files] = NULL;
        return copy;
}

static void loader_done(Loader *l) {
        for (size_t i = 0; i < l->n_loaded; i++)
                free(l->loaded[i]);
        free(l->loaded);
        entry_list_done(&l->entries);
}

static void set_ctx_error(ReadCtx *c, int r) {
        if (r == -ENOMEM)
                c->error = r;
}

static char *line_reader(char *str, int num, void *stream) {
        ReadCtx *c = stream;
        const char *start, *end, *eol;
        size_t len;

        if (c->pos >= c->size || c->error < 0 || c->loader->over_budget)
                return NULL;
        c->line++;
        start = c->data + c->pos;
        eol = memchr(start, '\n', c->size - c->pos);
        end = eol ? eol : c->data + c->size;
        c->pos = (size_t) (end - c->data) + (eol ? 1 : 0);

        if (memchr(start, '\0', (size_t) (end - start))) {
                set_ctx_error(c, diag_add(&*c->loader->diags, DIAG_ERROR, c->file, c->line, NULL, NULL,
                                          "binary data (a NUL byte), ignoring the rest of the file"));
                c->pos = c->size;
                return NULL;
        }
        if (end > start && end[-1] == '\r')
                end--;
        /* a UTF-8 byte order mark before the first line (inih would skip it, but only it) */
        if (c->line == 1 && end - start >= 3 && memcmp(start, "\xef\xbb\xbf", 3) == 0)
                start += 3;
        while (start < end && (*start == ' ' || *start == '\t'))
                start++;
        while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
                end--;
        len = (size_t) (end - start);

        if (len > PROFILE_LINE_MAX || len + 2 > (size_t) num) {
                set_ctx_error(c, diag_add(c->loader->diags, DIAG_ERROR, c->file, c->line, NULL, NULL,
                                          "line too long (%zu bytes, at most %d), ignoring", len,
                                          PROFILE_LINE_MAX));
                goto blank;
        }
        if (len == 0 || *start == '#' || *start == ';')
                goto blank;

        if (*start == '[') {
                _cleanup_free_ char *name = NULL;
                const char *close = memchr(start, ']', len), *rest;

                /* after "]" only a comment may follow */
                if (close) {
                        for (rest = close + 1; rest < end && (*rest == ' ' || *rest == '\t'); rest++)
                                ;
                        if (rest < end && *rest != ';' && *rest != '#')
                                close = NULL;
                        else {
                                end = close + 1;
                                len = (size_t) (end - start);
                        }
                }
                if (!close || len < 3) {
                        set_ctx_error(c, diag_add(c->loader->diags, DIAG_ERROR, c->file, c->line, NULL, NULL,
                                                  "%s", BAD_HEADER));
                        set_ctx_error(c, entry_add(&c->own, NULL, NULL, NULL, true, c->file, c->line));
                        goto blank;
                }
                name = strndup(start + 1, len - 2);
                if (!name) {
                        c->error = -ENOMEM;
                        return NULL;
                }
                if (strlen(name) > INIH_NAME_MAX || strpbrk(name, "[]")) {
                        set_ctx_error(c, diag_add(c->loader->diags, DIAG_ERROR, c->file, c->line, NULL, NULL,
                                                  strlen(name) > INIH_NAME_MAX ?
                                                  "section name too long (at most %d characters)" :
                                                  BAD_HEADER,
                                                  INIH_NAME_MAX));
                        set_ctx_error(c, entry_add(&c->own, NULL, NULL, NULL, true, c->file, c->line));
                        goto blank;
                }
                set_ctx_error(c, entry_add(&c->own, name, NULL, NULL, false, c->file, c->line));
                free(c->section);
                c->section = TAKE_PTR(name);
        } else {
                const char *eq = memchr(start, '=', len);
                const char *colon = memchr(start, ':', len);
                size_t klen;

                if (!eq || (colon && colon < eq) || eq == start) {
                        set_ctx_error(c, diag_add(c->loader->diags, DIAG_ERROR, c->file, c->line, NULL, NULL,
                                                  "expected Key=value, a [Section] header or a comment, "
                                                  "ignoring"));
                        goto blank;
                }
                klen = (size_t) (eq - start);
                while (klen > 0 && (start[klen - 1] == ' ' || start[klen - 1] == '\t'))
                        klen--;
                if (klen > INIH_NAME_MAX) {
                        _cleanup_free_ char *key = strndup(start, klen);

                        if (!key) {
                                c->error = -ENOMEM;
                                return NULL;
                        }
                        set_ctx_error(c, diag_add(c->loader->diags, DIAG_WARNING, c->file, c->line, key,
                                                  NULL, "unknown key, ignoring"));
                        goto blank;
                }
        }
        /* every header and setting costs an entry: past the budget, the rest of the input is not read */
        if (++c->loader->n_entries > PROFILE_ENTRIES_MAX) {
                set_ctx_error(c, diag_add(c->loader->diags, DIAG_ERROR, c->file, c->line, NULL, NULL,
                                          "more than %d settings and section headers in this profile's "
                                          "files, not reading further", PROFILE_ENTRIES_MAX));
                c->loader->over_budget = true;
                c->pos = c->size;
                return NULL;
        }
        memcpy(str, start, len);
        str[len] = '\n';
        str[len + 1] = '\0';
        return str;

blank:
        str[0] = '\n';
        str[1] = '\0';
        return str;
}

static int entry_handler(void *user, const char *section, const char *name, const char *value) {
        ReadCtx *c = user;

        set_ctx_error(c, entry_add(&c->own, c->section, name, value, false, c->file, c->line));
        return 1;
}

static int load_data(Loader *l, const char *file, const char *data, size_t size, EntryList *ret) {
        ReadCtx c = { .loader = l, .file = file, .data = data, .size = size };
        int r;

        r = ini_parse_stream(line_reader, &c, entry_handler, &c);
        free(c.section);
        if (c.error < 0 || r == -2) {
                entry_list_done(&c.own);
                return -ENOMEM;
        }
        /* r > 0 cannot carry news: the reader reported every malformed line and the handler never fails */
        *ret = c.own;
        return 0;
}

static bool is_include(const Entry *e) {
        return e->key && e->section && streq(e->section, "Profile") && streq(e->key, "Include");
}

static int load_file(Loader *l, const char *path, const Entry *from, bool main);

static int resolve_include(Loader *l, const Entry *e, char **ret) {
        *ret = NULL;
        /* without files (profile_load_string() with none) nothing is read */
        if (!l->files || !l->files->include)
                return -ENOENT;
        return l->files->include(l->files, e->value, e->file, ret);
}

static int include_chain(Loader *l, const char *last, char **ret) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        if (!f)
                return -ENOMEM;
        for (size_t i = 0; i < l->depth; i++)
                fprintf(f, "%s -> ", l->stack[i]);
        fputs(last, f);
        if (fclose(f) != 0) {
                free(buf);
                return -ENOMEM;
        }
        *ret = buf;
        return 0;
}

static int process_includes(Loader *l, EntryList *own) {
        for (size_t i = 0; i < own->n; i++) {
                const Entry *e = &own->items[i];
                _cleanup_free_ char *path = NULL;
                int r;

                if (l->over_budget)
                        break;
                if (!is_include(e) || isempty(e->value))
                        continue;
                r = resolve_include(l, e, &path);
                if (r == -ENOMEM)
                        return r;
                if (r == -EINVAL)
                        r = diag_add(l->diags, DIAG_ERROR, e->file, e->line, e->key, e->value,
                                     "invalid name: expected a policy or profile name, or a path");
                else if (r < 0)
                        r = diag_add(l->diags, DIAG_ERROR, e->file, e->line, e->key, e->value,
                                     "no such policy or profile");
                else
                        r = load_file(l, path, e, false);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Loads one file, its includes first; appends its entries to l->entries. @from is the Include= entry
 * that named it (NULL for the main file and drop-ins). */
static int load_file(Loader *l, const char *path, const Entry *from, bool main) {
        _cleanup_free_ char *data = NULL, *real = NULL;
        EntryList own = {};
        const char *file;
        size_t size = 0;
        int r;

        if (l->over_budget)
                return 0;
        file = intern_file(l, path);
        if (!file)
                return -ENOMEM;

        /* a main file given in memory has no place on disk: nothing can include it */
        if (!(main && l->main_data) && l->files && l->files->canonical) {
                r = l->files->canonical(l->files, path, &real);
                if (r < 0)
                        return r;
        }
        if (real)
                for (size_t i = 0; i < l->depth; i++)
                        if (l->stack_real[i] && streq(l->stack_real[i], real)) {
                                _cleanup_free_ char *chain = NULL;

                                assert(from);
                                r = include_chain(l, path, &chain);
                                if (r < 0)
                                        return r;
                                return diag_add(l->diags, DIAG_ERROR, from->file, from->line, from->key,
                                                from->value, "include cycle: %s", chain);
                        }
        /* a diamond (two policies including the same third) reads the shared file once */
        for (size_t i = 0; real && from && i < l->n_loaded; i++)
                if (streq(l->loaded[i], real))
                        return 0;
        if (l->depth > PROFILE_INCLUDE_DEPTH_MAX) {
                assert(from);
                return diag_add(l->diags, DIAG_ERROR, from->file, from->line, from->key, from->value,
                                "includes nested more than %d deep", PROFILE_INCLUDE_DEPTH_MAX);
        }
        if (++l->n_reads > PROFILE_FILES_MAX) {
                l->over_budget = true;
                if (from)
                        return diag_add(l->diags, DIAG_ERROR, from->file, from->line, from->key, from->value,
                                        "more than %d files read for this profile (includes count each "
                                        "time they are read), not reading further", PROFILE_FILES_MAX);
                return diag_add(l->diags, DIAG_ERROR, file, 0, NULL, NULL, "more than %d files read for this "
                                "profile, not reading further", PROFILE_FILES_MAX);
        }

        if (main && l->main_data) {
                size = l->main_size;
                if (size > PROFILE_FILE_MAX)
                        r = -EFBIG;
                else {
                        data = malloc(size + 1);
                        if (!data)
                                return -ENOMEM;
                        memcpy(data, l->main_data, size);
                        data[size] = '\0';
                        r = 0;
                }
        } else if (!l->files || !l->files->read)
                r = -ENOENT;
        else
                r = l->files->read(l->files, path, MIN((size_t) PROFILE_FILE_MAX, PROFILE_BYTES_MAX - l->bytes),
                                   &data, &size);
        if (r == -ENOMEM)
                return r;
        if (r == -EFBIG && l->bytes > 0) {
                l->over_budget = true;
                if (from)
                        return diag_add(l->diags, DIAG_ERROR, from->file, from->line, from->key, from->value,
                                        BUDGET_BYTES_ERROR, PROFILE_BYTES_MAX);
                return diag_add(l->diags, DIAG_ERROR, file, 0, NULL, NULL, BUDGET_BYTES_ERROR,
                                PROFILE_BYTES_MAX);
        }
        if (r < 0) {
                if (from)
                        return diag_add(l->diags, DIAG_ERROR, from->file, from->line, from->key, from->value,
                                        "cannot read %s: %s", path,
                                        read_error(r));
                return diag_add(l->diags, DIAG_ERROR, file, 0, NULL, NULL, "cannot read the file: %s",
                                read_error(r));
        }

        l->bytes += size;
        r = load_data(l, file, data, size, &own);
        if (r < 0)
                return r;
        if (real) {
                char **a = realloc(l->loaded, (l->n_loaded + 1) * sizeof(*a));

                if (!a) {
                        entry_list_done(&own);
                        return -ENOMEM;
                }
                l->loaded = a;
                l->loaded[l->n_loaded] = strdup(real);
                if (!l->loaded[l->n_loaded]) {
                        entry_list_done(&own);
                        return -ENOMEM;
                }
                l->n_loaded++;
        }
        if (main) {
                bool any = false;

                for (size_t i = 0; i < own.n; i++)
                        if (own.items[i].key)
                                any = true;
                if (!any)
                        r = diag_add(l->diags, DIAG_ERROR, file, 0, NULL, NULL,
                                     "the profile has no settings (to disable a shipped profile, set "
                                     "Enabled=no or link its name to /dev/null)");
                if (r < 0)
                        goto finish;
        }

        l->stack[l->depth] = file;
        l->stack_real[l->depth] = real;
        l->depth++;
        r = process_includes(l, &own);
        l->depth--;
        l->stack_real[l->depth] = NULL;
        if (r < 0)
                goto finish;
        r = entry_list_move(&l->entries, &own);
finish:
        entry_list_done(&own);
        return r;
}

char *profile_name_from_path(const char *path) {
        const char *base = strrchr(path, '/');
        size_t len;

        base = base ? base + 1 : path;
        len = strlen(base);
        if (len > 5 && streq(base + len - 5, ".conf"))
                len -= 5;
        return strndup(base, len);
}

/* Applying entries to objects. */

typedef struct Applier {
        Profile *profile;       /* one of these two */
        DamondConfig *config;
        DiagList *diags;
        StrMap headers;         /* "FILE\nSECTION" -> the first Entry: duplicate headers within a file */
        StrMap sections[2];     /* by name: goals, filters (schemes: the profile's schemes_by_name) */
} Applier;

static void applier_done(Applier *a) {
        strmap_done(&a->headers);
        for (size_t i = 0; i < ELEMENTSOF(a->sections); i++)
                strmap_done(&a->sections[i]);
}

/* The section object for [TYPE NAME], created on first sight. Returns NULL with -ENOMEM in *ret_error,
 * or with -E2BIG when the profile holds as many of that type as its budget allows. */
static void *find_or_add(Applier *a, ProfileSectionType type, const char *name, int *ret_error) {
        Profile *p = a->profile;
        ProfileSection ***arr;
        size_t *n, max;
        size_t size;
        ProfileSection *obj, **grown;
        StrMap *map;

        switch (type) {
        case PROFILE_SECTION_PROFILE:
                return &p->general;
        case PROFILE_SECTION_MONITOR:
                return &p->monitor;
        case PROFILE_SECTION_TARGET:
                return &p->target;
        case PROFILE_SECTION_SCHEME:
                arr = (ProfileSection ***) &p->schemes;
                n = &p->n_schemes;
                size = sizeof(ProfileScheme);
                map = &p->schemes_by_name;
                max = PROFILE_SCHEMES_MAX;
                break;
        case PROFILE_SECTION_GOAL:
                arr = (ProfileSection ***) &p->goals;
                n = &p->n_goals;
                size = sizeof(ProfileGoal);
                map = &a->sections[0];
                max = PROFILE_GOALS_MAX;
                break;
        case PROFILE_SECTION_FILTER:
                arr = (ProfileSection ***) &p->filters;
                n = &p->n_filters;
                size = sizeof(ProfileFilter);
                map = &a->sections[1];
                max = PROFILE_FILTERS_MAX;
                break;
        default:
                *ret_error = -EINVAL;
                return NULL;
        }
        obj = strmap_get(map, name);
        if (obj)
                return obj;
        if (*n >= max) {
                *ret_error = -E2BIG;
                return NULL;
        }
        *ret_error = -ENOMEM;
        obj = calloc(1, size);
        if (!obj)
                return NULL;
        obj->name = strdup(name);
        /* a pointer array grown by one: its length is bounded by the budget above */
        grown = realloc(*arr, (*n + 1) * sizeof(*grown));
        if (!obj->name || !grown) {
                free(obj->name);
                free(obj);
                return NULL;
        }
        *arr = grown;
        (*arr)[(*n)++] = obj;
        if (profile_section_init(obj, type) < 0 || strmap_put(map, name, obj) < 0)
                return NULL;
        return obj;
}

static int apply_header(Applier *a, const Entry *e, ProfileSection **current) {
        _cleanup_free_ char *header = NULL;
        ProfileSectionType type;
        const char *name = NULL;
        char *space;
        bool daemon = !!a->config;

        *current = NULL;
        if (asprintf(&header, "[%s]", e->section) < 0)
                return -ENOMEM;
        {
                _cleanup_free_ char *typestr = strdup(e->section);

                if (!typestr)
                        return -ENOMEM;
                space = strchr(typestr, ' ');
                if (space) {
                        *space = '\0';
                        name = e->section + (space - typestr) + 1;
                        while (*name == ' ')
                                name++;
                }
                type = profile_section_type_from_string(typestr);
        }
        if (type < 0 || (type == PROFILE_SECTION_DAEMON) != daemon)
                return diag_add(a->diags, DIAG_WARNING, e->file, e->line, header, NULL,
                                "unknown section, ignoring");
        if (profile_section_type_is_named(type)) {
                if (isempty(name))
                        return diag_add(a->diags, DIAG_ERROR, e->file, e->line, header, NULL,
                                        "a name is required, e.g. [%s cold]",
                                        profile_section_type_to_string(type));
                if (strlen(name) > PROFILE_NAME_MAX)
                        return diag_add(a->diags, DIAG_ERROR, e->file, e->line, header, NULL,
                                        "name too long (at most %d characters)", PROFILE_NAME_MAX);
                for (const char *q = name; *q; q++)
                        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-", *q))
                                return diag_add(a->diags, DIAG_ERROR, e->file, e->line, header, NULL,
                                                "invalid name: use letters, digits, '_', '.' or '-'");
                {
                        _cleanup_free_ char *k = NULL;
                        const Entry *first;

                        /* file names are interned: the pointer names the file */
                        if (asprintf(&k, "%p\n%s", (const void *) e->file, e->section) < 0)
                                return -ENOMEM;
                        first = strmap_get(&a->headers, k);
                        if (first)
                                return diag_add(a->diags, DIAG_ERROR, e->file, e->line, header, NULL,
                                                "duplicate section (first at line %u)", first->line);
                        if (strmap_put(&a->headers, k, (void *) e) < 0)
                                return -ENOMEM;
                }
        } else if (name)
                return diag_add(a->diags, DIAG_ERROR, e->file, e->line, header, NULL,
                                "this section takes no name");

        if (daemon)
                *current = &a->config->head;
        else {
                int r;

                *current = find_or_add(a, type, name, &r);
                if (!*current && r == -E2BIG)
                        return diag_add(a->diags, DIAG_ERROR, e->file, e->line, header, NULL,
                                        "too many [%s] sections: at most %d per profile, ignoring",
                                        profile_section_type_to_string(type),
                                        type == PROFILE_SECTION_SCHEME ? PROFILE_SCHEMES_MAX :
                                        type == PROFILE_SECTION_GOAL ? PROFILE_GOALS_MAX :
                                        PROFILE_FILTERS_MAX);
                if (!*current)
                        return r;
        }
        if (!(*current)->loc.file)
                (*current)->loc = (ConfigLoc) { .file = e->file, .line = e->line };
        return 0;
}

/* Edit distance, case-insensitive, for "did you mean"; capped: only small distances matter. */
static size_t edit_distance(const char *a, const char *b) {
        size_t la = strlen(a), lb = strlen(b), prev[64], cur[64];

        if (la >= 63 || lb >= 63)
                return SIZE_MAX;
        for (size_t j = 0; j <= lb; j++)
                prev[j] = j;
        for (size_t i = 1; i <= la; i++) {
                cur[0] = i;
                for (size_t j = 1; j <= lb; j++) {
                        bool differ = tolower((unsigned char) a[i - 1]) != tolower((unsigned char) b[j - 1]);
                        size_t sub = prev[j - 1] + differ;

                        cur[j] = MIN(MIN(prev[j] + 1, cur[j - 1] + 1), sub);
                }
                memcpy(prev, cur, (lb + 1) * sizeof(size_t));
        }
        return prev[lb];
}

/* The key of @type closest to @name, if it is close enough to be a typo. */
static const char *suggest_key(ProfileSectionType type, const char *name) {
        const char *best = NULL;
        size_t best_d = 3;      /* at most two edits */

        for (size_t i = 0; i < profile_keys_count; i++) {
                size_t d;

                if (profile_keys[i].section != type)
                        continue;
                d = edit_distance(name, profile_keys[i].name);
                if (d < best_d) {
                        best_d = d;
                        best = profile_keys[i].name;
                }
        }
        return best;
}

static int apply_entries(Applier *a, const EntryList *entries) {
        ProfileSection *current = NULL;
        bool in_section = false;
        int r;

        for (size_t i = 0; i < entries->n; i++) {
                const Entry *e = &entries->items[i];
                int k;

                if (!e->key) {
                        in_section = true;
                        current = NULL;
                        if (e->bad_header)
                                continue;
                        r = apply_header(a, e, &current);
                        if (r < 0)
                                return r;
                        continue;
                }
                if (!current) {
                        if (!in_section || !e->section) {
                                r = diag_add(a->diags, DIAG_WARNING, e->file, e->line, e->key, e->value,
                                             "setting outside of any section, ignoring");
                                if (r < 0)
                                        return r;
                        }
                        continue;
                }
                if (is_include(e))
                        continue;
                k = profile_key_lookup(current->type, e->key);
                if (k < 0) {
                        int other = -1;

                        for (int t = 0; t < _PROFILE_SECTION_TYPE_MAX && other < 0; t++)
                                if (t != (int) current->type && t != PROFILE_SECTION_DAEMON &&
                                    profile_key_lookup((ProfileSectionType) t, e->key) >= 0)
                                        other = t;
                        if (other >= 0 && !a->config)
                                r = diag_add(a->diags, DIAG_WARNING, e->file, e->line, e->key, e->value,
                                             "unknown key in [%s], it belongs in [%s%s], ignoring",
                                             profile_section_type_to_string(current->type),
                                             profile_section_type_to_string((ProfileSectionType) other),
                                             profile_section_type_is_named((ProfileSectionType) other) ?
                                             " NAME" : "");
                        else if (!diag_list_full(a->diags) && suggest_key(current->type, e->key))
                                r = diag_add(a->diags, DIAG_WARNING, e->file, e->line, e->key, e->value,
                                             "unknown key (did you mean %s=?), ignoring",
                                             suggest_key(current->type, e->key));
                        else
                                r = diag_add(a->diags, DIAG_WARNING, e->file, e->line, e->key, e->value,
                                             "unknown key, ignoring");
                        if (r < 0)
                                return r;
                        continue;
                }
                r = profile_key_parse(&profile_keys[k], current, e->value, e->file, e->line, a->diags);
                if (r == -ENOMEM)
                        return r;
        }
        return 0;
}

Profile *profile_free(Profile *p) {
        if (!p)
                return NULL;
        profile_section_done(&p->general.head);
        profile_section_done(&p->monitor.head);
        profile_section_done(&p->target.head);
        for (size_t i = 0; i < p->n_schemes; i++) {
                profile_section_done(&p->schemes[i]->head);
                free(p->schemes[i]);
        }
        free(p->schemes);
        strmap_done(&p->schemes_by_name);
        for (size_t i = 0; i < p->n_goals; i++) {
                profile_section_done(&p->goals[i]->head);
                free(p->goals[i]);
        }
        free(p->goals);
        for (size_t i = 0; i < p->n_filters; i++) {
                profile_section_done(&p->filters[i]->head);
                free(p->filters[i]);
        }
        free(p->filters);
        for (size_t i = 0; i < p->n_files; i++)
                free(p->files[i]);
        free(p->files);
        free(p->name);
        free(p->path);
        return mfree(p);
}

static int profile_new(const char *path, Profile **ret) {
        _cleanup_(profile_freep) Profile *p = NULL;

        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        p->path = strdup(path);
        if (!p->path)
                return -ENOMEM;
        if (profile_section_init(&p->general.head, PROFILE_SECTION_PROFILE) < 0 ||
            profile_section_init(&p->monitor.head, PROFILE_SECTION_MONITOR) < 0 ||
            profile_section_init(&p->target.head, PROFILE_SECTION_TARGET) < 0)
                return -ENOMEM;
        *ret = TAKE_PTR(p);
        return 0;
}

static int finish_profile(Profile *p, Loader *l, DiagList *diags) {
        Applier a = { .profile = p, .diags = diags };
        char *name;
        int r;

        r = apply_entries(&a, &l->entries);
        applier_done(&a);
        if (r < 0)
                return r;
        p->name = p->general.name ? strdup(p->general.name) : profile_name_from_path(p->path);
        if (!p->name)
                return -ENOMEM;
        /* The file name is the profile's name unless Name= says otherwise: it must be as plain as one. */
        if (!p->general.name && !profile_name_is_valid(p->name)) {
                r = diag_add(diags, DIAG_ERROR, p->path, 0, NULL, NULL,
                             "the file name is not a valid profile name: rename the file, or set Name=, "
                             "to up to %d letters, digits, '_', '.' or '-' before .conf", PROFILE_NAME_MAX);
                if (r < 0)
                        return r;
                /* still the name the profile is listed under, with its errors: made safe to show */
                name = string_escape(p->name);
                if (!name)
                        return -ENOMEM;
                free(p->name);
                p->name = name;
        }
        return 0;
}

int profile_load_files(const char *path, const char *data, size_t size, char * const *dropins,
                       const ProfileFiles *files, Profile **ret, DiagList *diags) {
        _cleanup_(profile_freep) Profile *p = NULL;
        Loader l = { .files = files, .diags = diags, .main_data = data, .main_size = size };
        int r;

        assert(path);
        assert(ret);
        assert(diags);

        r = profile_new(path, &p);
        if (r < 0)
                return r;
        l.file_list = &p->files;
        l.n_files = &p->n_files;
        r = load_file(&l, path, NULL, true);
        for (size_t i = 0; r >= 0 && dropins && dropins[i]; i++)
                r = load_file(&l, dropins[i], NULL, false);
        if (r >= 0)
                r = finish_profile(p, &l, diags);
        if (r >= 0)
                *ret = TAKE_PTR(p);
        loader_done(&l);
        return r;
}

int profile_load_string(const char *name, const char *data, size_t size, const ProfileFiles *files,
                        Profile **ret, DiagList *diags) {
        _cleanup_(profile_freep) Profile *p = NULL;
        Loader l = { .files = files, .diags = diags };
        EntryList own = {};
        const char *file;
        int r;

        r = profile_new(name, &p);
        if (r < 0)
                return r;
        l.file_list = &p->files;
        l.n_files = &p->n_files;
        file = intern_file(&l, name);
        if (!file)
                return -ENOMEM;
        if (size > PROFILE_BYTES_MAX) {
                r = diag_add(diags, DIAG_ERROR, file, 0, NULL, NULL, BUDGET_BYTES_ERROR, PROFILE_BYTES_MAX);
                if (r < 0)
                        return r;
                size = 0;
        }
        l.bytes = size;
        r = load_data(&l, file, data, size, &own);
        if (r < 0)
                return r;
        l.stack[0] = file;
        l.depth = 1;
        r = process_includes(&l, &own);
        if (r >= 0)
                r = entry_list_move(&l.entries, &own);
        entry_list_done(&own);
        if (r >= 0)
                r = finish_profile(p, &l, diags);
        loader_done(&l);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(p);
        return 0;
}

int damond_config_parse(const char *path, char * const *dropins, const ProfileFiles *files, DamondConfig *ret,
                        DiagList *diags) {
        Loader l = { .files = files, .diags = diags };
        Applier a = { .config = ret, .diags = diags };
        int r;

        assert(ret);
        assert(diags);

        *ret = (DamondConfig) {};
        r = profile_section_init(&ret->head, PROFILE_SECTION_DAEMON);
        if (r < 0)
                return r;
        l.file_list = &ret->files;
        l.n_files = &ret->n_files;

        if (path)
                r = load_file(&l, path, NULL, false);
        for (size_t i = 0; r >= 0 && dropins && dropins[i]; i++)
                r = load_file(&l, dropins[i], NULL, false);
        if (r >= 0)
                r = apply_entries(&a, &l.entries);
        applier_done(&a);
        loader_done(&l);
        return r;
}

void damond_config_done(DamondConfig *c) {
        if (!c)
                return;
        profile_section_done(&c->head);
        for (size_t i = 0; i < c->n_files; i++)
                free(c->files[i]);
        free(c->files);
        *c = (DamondConfig) {};
}

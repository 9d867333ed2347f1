/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * damonctl report (damonctl-report.h): computed from the snapshots with access-stats.h, rendered as
 * text, JSON or a gnuplot script.
 */
#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "access-stats.h"
#include "damonctl-format.h"
#include "damonctl-report.h"

static int print_json(FILE *f, json_object *o, int mode) {
        const char *s;

        if (!o)
                return -ENOMEM;
        s = json_object_to_json_string_ext(o, mode == 1 ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                                  JSON_C_TO_STRING_NOSLASHESCAPE
                                                        : JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        if (!s) {
                json_object_put(o);
                return -ENOMEM;
        }
        fprintf(f, "%s\n", s);
        json_object_put(o);
        return ferror(f) ? -EIO : 0;
}

static json_object *u64(uint64_t v) {
        return json_object_new_uint64(v);
}

static int u64_cmp(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;

        return x < y ? -1 : x > y;
}

static const unsigned wss_pcts[] = { 0, 25, 50, 75, 90, 100 };

int ctl_report_wss(FILE *f, const CtlReport *r) {
        _cleanup_free_ uint64_t *wss = NULL, *sorted = NULL;
        uint64_t window = CTL_REPORT_WSS_WINDOW_USEC, sum = 0;
        char a[CTL_FORMAT_MAX], b[CTL_FORMAT_MAX], c[CTL_FORMAT_MAX];
        int k;

        wss = calloc(r->n ?: 1, sizeof(uint64_t));
        sorted = calloc(r->n ?: 1, sizeof(uint64_t));
        if (!wss || !sorted)
                return -ENOMEM;
        for (size_t i = 0; i < r->n; i++) {
                uint64_t w;

                k = access_snapshot_wss(&r->snaps[i], CTL_REPORT_WSS_WINDOW_USEC, &wss[i], &w);
                if (k < 0)
                        return k;
                window = MAX(window, w);
                sorted[i] = wss[i];
                sum += wss[i];
        }
        qsort(sorted, r->n, sizeof(uint64_t), u64_cmp);

        if (r->json) {
                json_object *o = json_object_new_object(), *arr = json_object_new_array(),
                            *d = json_object_new_object();

                json_object_object_add(o, "profile", json_object_new_string(r->profile));
                json_object_object_add(o, "window_usec", u64(window));
                for (size_t i = 0; i < r->n; i++) {
                        json_object *s = json_object_new_object();

                        json_object_object_add(s, "time_usec", u64(r->snaps[i].time_usec));
                        json_object_object_add(s, "wss_bytes", u64(wss[i]));
                        json_object_object_add(s, "total_bytes", u64(access_snapshot_total_bytes(&r->snaps[i])));
                        json_object_object_add(s, "regions", u64(r->snaps[i].n_regions));
                        json_object_array_add(arr, s);
                }
                json_object_object_add(o, "snapshots", arr);
                for (size_t p = 0; r->n > 0 && p < ELEMENTSOF(wss_pcts); p++) {
                        char key[8];

                        snprintf(key, sizeof key, "p%u", wss_pcts[p]);
                        json_object_object_add(d, key, u64(sorted[(r->n - 1) * wss_pcts[p] / 100]));
                }
                json_object_object_add(o, "distribution_bytes", r->n > 0 ? d : NULL);
                if (r->n == 0)
                        json_object_put(d);
                return print_json(f, o, r->json);
        }

        if (r->n == 0) {
                fprintf(f, "%s: no access snapshot yet\n", r->profile);
                return 0;
        }
        fprintf(f, "Working set of %s: bytes accessed within %s, %zu snapshots from %s to %s\n", r->profile,
                ctl_format_usec(a, sizeof a, window), r->n,
                ctl_format_ago(b, sizeof b, r->snaps[0].time_usec, r->now_usec),
                ctl_format_ago(c, sizeof c, r->snaps[r->n - 1].time_usec, r->now_usec));
        fputs("distribution:", f);
        for (size_t p = 0; p < ELEMENTSOF(wss_pcts); p++)
                fprintf(f, " p%u %s", wss_pcts[p], ctl_format_bytes(a, sizeof a, sorted[(r->n - 1) * wss_pcts[p] / 100]));
        fprintf(f, ", mean %s\n\n", ctl_format_bytes(a, sizeof a, sum / r->n));
        fprintf(f, "%-16s %12s %12s %8s\n", "TIME", "WORKING SET", "MONITORED", "REGIONS");
        for (size_t i = 0; i < r->n; i++)
                fprintf(f, "%-16s %12s %12s %8zu\n", ctl_format_ago(a, sizeof a, r->snaps[i].time_usec, r->now_usec),
                        ctl_format_bytes(b, sizeof b, wss[i]),
                        ctl_format_bytes(c, sizeof c, access_snapshot_total_bytes(&r->snaps[i])),
                        r->snaps[i].n_regions);
        return ferror(f) ? -EIO : 0;
}

/* --- footprint --- */

#define N_IDLE_CLASSES 5
static const char *const idle_class_names[N_IDLE_CLASSES] = { "accessed", "under 10s", "10s-1min", "1-10min",
                                                              "10min+" };
static const char *const idle_class_keys[N_IDLE_CLASSES] = { "accessed_bytes", "idle_under_10s_bytes",
                                                             "idle_10s_1min_bytes", "idle_1_10min_bytes",
                                                             "idle_10min_plus_bytes" };

static void idle_classes(const AccessSnapshot *s, uint64_t ret[N_IDLE_CLASSES]) {
        static const uint64_t limit[] = { 10 * UINT64_C(1000000), 60 * UINT64_C(1000000), 600 * UINT64_C(1000000) };

        memset(ret, 0, N_IDLE_CLASSES * sizeof(uint64_t));
        for (size_t i = 0; i < s->n_regions; i++) {
                const AccessRegion *g = &s->regions[i];
                uint64_t idle = access_region_idle_usec(g, s->aggr_us);
                size_t c = g->nr_accesses > 0 ? 0 : idle < limit[0] ? 1 : idle < limit[1] ? 2 : idle < limit[2] ? 3 : 4;

                ret[c] += access_region_size(g);
        }
}

int ctl_report_footprint(FILE *f, const CtlReport *r) {
        char a[CTL_FORMAT_MAX], b[CTL_FORMAT_MAX];
        uint64_t cls[N_IDLE_CLASSES];

        if (r->json) {
                json_object *o = json_object_new_object(), *arr = json_object_new_array();

                json_object_object_add(o, "profile", json_object_new_string(r->profile));
                for (size_t i = 0; i < r->n; i++) {
                        json_object *s = json_object_new_object();

                        idle_classes(&r->snaps[i], cls);
                        json_object_object_add(s, "time_usec", u64(r->snaps[i].time_usec));
                        json_object_object_add(s, "total_bytes", u64(access_snapshot_total_bytes(&r->snaps[i])));
                        for (size_t c = 0; c < N_IDLE_CLASSES; c++)
                                json_object_object_add(s, idle_class_keys[c], u64(cls[c]));
                        json_object_array_add(arr, s);
                }
                json_object_object_add(o, "snapshots", arr);
                return print_json(f, o, r->json);
        }
        if (r->n == 0) {
                fprintf(f, "%s: no access snapshot yet\n", r->profile);
                return 0;
        }
        fprintf(f, "Footprint of %s: the monitored bytes by how long they have been idle\n\n", r->profile);
        fprintf(f, "%-16s %10s", "TIME", "MONITORED");
        for (size_t c = 0; c < N_IDLE_CLASSES; c++)
                fprintf(f, " %10s", idle_class_names[c]);
        fputc('\n', f);
        for (size_t i = 0; i < r->n; i++) {
                idle_classes(&r->snaps[i], cls);
                fprintf(f, "%-16s %10s", ctl_format_ago(a, sizeof a, r->snaps[i].time_usec, r->now_usec),
                        ctl_format_bytes(b, sizeof b, access_snapshot_total_bytes(&r->snaps[i])));
                for (size_t c = 0; c < N_IDLE_CLASSES; c++)
                        fprintf(f, " %10s", ctl_format_bytes(a, sizeof a, cls[c]));
                fputc('\n', f);
        }
        return ferror(f) ? -EIO : 0;
}

/* --- heat map --- */

/* no data, never accessed, then eight steps up to "accessed at every sample" */
static const char shades[] = " .:-=+*#%@";

static char shade(int32_t bp) {
        if (bp < 0)
                return shades[0];
        if (bp == 0)
                return shades[1];
        return shades[2 + MIN((size_t) (bp - 1) * 8 / 10000, (size_t) 7)];
}

typedef struct Heat {
        int32_t *cells;
        size_t rows, cols;
        uint64_t lo, hi;
} Heat;

static int heat_compute(const CtlReport *r, Heat *h) {
        h->rows = MIN(r->rows ?: 20, MAX(r->n, (size_t) 1));
        h->cols = r->cols ?: 64;
        return access_heatmap(r->snaps, r->n, h->rows, h->cols, &h->cells, &h->lo, &h->hi);
}

int ctl_report_heatmap(FILE *f, const CtlReport *r) {
        char a[CTL_FORMAT_MAX], b[CTL_FORMAT_MAX], c[CTL_FORMAT_MAX];
        Heat h = {};
        int k;

        if (r->n == 0) {
                if (r->json) {
                        json_object *o = json_object_new_object();

                        json_object_object_add(o, "profile", json_object_new_string(r->profile));
                        json_object_object_add(o, "cells", json_object_new_array());
                        return print_json(f, o, r->json);
                }
                fprintf(f, "%s: no access snapshot yet\n", r->profile);
                return 0;
        }
        k = heat_compute(r, &h);
        if (k < 0)
                return k;
        if (r->json) {
                json_object *o = json_object_new_object(), *rows = json_object_new_array();

                json_object_object_add(o, "profile", json_object_new_string(r->profile));
                json_object_object_add(o, "address_min", u64(h.lo));
                json_object_object_add(o, "address_max", u64(h.hi));
                json_object_object_add(o, "time_min_usec", u64(r->snaps[0].time_usec));
                json_object_object_add(o, "time_max_usec", u64(r->snaps[r->n - 1].time_usec));
                json_object_object_add(o, "rows", u64(h.rows));
                json_object_object_add(o, "columns", u64(h.cols));
                for (size_t y = 0; y < h.rows; y++) {
                        json_object *row = json_object_new_array();

                        for (size_t x = 0; x < h.cols; x++) {
                                int32_t v = h.cells[y * h.cols + x];

                                json_object_array_add(row, v < 0 ? NULL : json_object_new_int(v));
                        }
                        json_object_array_add(rows, row);
                }
                json_object_object_add(o, "cells_permyriad", rows);
                free(h.cells);
                return print_json(f, o, r->json);
        }

        fprintf(f, "Access heat map of %s: address (across) x time (down, oldest first), %zu snapshots\n",
                r->profile, r->n);
        fprintf(f, "%*s+", 12, "");
        for (size_t x = 0; x < h.cols; x++)
                fputc('-', f);
        fputs("+\n", f);
        for (size_t y = 0; y < h.rows; y++) {
                /* the time of the row's start */
                uint64_t t = r->snaps[0].time_usec +
                             (r->snaps[r->n - 1].time_usec - r->snaps[0].time_usec) * y / h.rows;

                fprintf(f, "%12s|", ctl_format_ago(a, sizeof a, t, r->now_usec));
                for (size_t x = 0; x < h.cols; x++)
                        fputc(shade(h.cells[y * h.cols + x]), f);
                fputs("|\n", f);
        }
        fprintf(f, "%*s+", 12, "");
        for (size_t x = 0; x < h.cols; x++)
                fputc('-', f);
        fputs("+\n", f);
        fprintf(f, "Addresses 0x%" PRIx64 " to 0x%" PRIx64 " (%s), %s per column.\n", h.lo, h.hi,
                ctl_format_bytes(a, sizeof a, h.hi - h.lo), ctl_format_bytes(b, sizeof b, (h.hi - h.lo) / h.cols));
        fprintf(f, "Time %s to %s, one row per %s.\n", ctl_format_ago(a, sizeof a, r->snaps[0].time_usec, r->now_usec),
                ctl_format_ago(b, sizeof b, r->snaps[r->n - 1].time_usec, r->now_usec),
                ctl_format_usec(c, sizeof c, h.rows > 0 ?
                                (r->snaps[r->n - 1].time_usec - r->snaps[0].time_usec) / h.rows : 0));
        fputs("Shading by access frequency (share of DAMON's samples that found the bytes accessed):\n"
              "  '.' 0%   ':' to 12.5%   '-' to 25%   '=' to 37.5%   '+' to 50%   '*' to 62.5%   '#' to 75%"
              "   '%' to 87.5%   '@' to 100%   ' ' not monitored\n", f);
        free(h.cells);
        return ferror(f) ? -EIO : 0;
}

static bool endswith(const char *s, const char *suffix) {
        size_t a = strlen(s), b = strlen(suffix);

        return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* a gnuplot single-quoted string: '' stands for a quote */
static void gp_string(FILE *f, const char *s) {
        fputc('\'', f);
        for (; *s; s++) {
                if (*s == '\'')
                        fputc('\'', f);
                fputc(*s, f);
        }
        fputc('\'', f);
}

int ctl_report_heatmap_gnuplot(FILE *f, const CtlReport *r, const char *output) {
        char title[256], a[CTL_FORMAT_MAX];
        const char *term;
        Heat h = {};
        double span_s;
        int k;

        if (endswith(output, ".png"))
                term = "pngcairo size 1200,800";
        else if (endswith(output, ".svg"))
                term = "svg size 1200,800";
        else
                return -EINVAL;
        if (r->n == 0)
                return -ENODATA;
        k = heat_compute(r, &h);
        if (k < 0)
                return k;
        span_s = (double) (r->snaps[r->n - 1].time_usec - r->snaps[0].time_usec) / 1e6;

        fprintf(f, "set terminal %s\nset output ", term);
        gp_string(f, output);
        snprintf(title, sizeof title, "DAMON access frequency of %s (%zu snapshots)", r->profile, r->n);
        fputs("\nset title ", f);
        gp_string(f, title);
        fprintf(f, "\nset xlabel 'address offset from 0x%" PRIx64 " (%s in all)'\n", h.lo,
                ctl_format_bytes(a, sizeof a, h.hi - h.lo));
        fputs("set ylabel 'seconds since the first snapshot'\n"
              "set cblabel 'access frequency (% of samples)'\n"
              /* idle (0) pale blue, apart from the white of what is not monitored */
              "set cbrange [0:100]\nset palette defined (0 '#c8d4e8', 1 'yellow', 50 'orange', 100 'red')\n"
              "set format x '%.0s%cB'\n", f);
        fprintf(f, "set xrange [0:%" PRIu64 "]\nset yrange [0:%g]\n", h.hi - h.lo, span_s > 0 ? span_s : 1.0);
        fputs("$heat << EOD\n", f);
        for (size_t y = 0; y < h.rows; y++) {
                for (size_t x = 0; x < h.cols; x++) {
                        int32_t v = h.cells[y * h.cols + x];

                        /* cell centres; an unmonitored cell is NaN, which gnuplot leaves undrawn */
                        fprintf(f, "%g %g ", ((double) x + 0.5) * (double) (h.hi - h.lo) / (double) h.cols,
                                ((double) y + 0.5) * (span_s > 0 ? span_s : 1.0) / (double) h.rows);
                        if (v >= 0)
                                fprintf(f, "%g\n", v / 100.0);
                        else
                                fputs("NaN\n", f);
                }
                fputc('\n', f);
        }
        fputs("EOD\nplot $heat using 1:2:3 with image notitle\n", f);
        free(h.cells);
        return ferror(f) ? -EIO : 0;
}

/* SPDX-License-Identifier: GPL-2.0-or-later */

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "damonctl-format.h"
#include "macro.h"
#include "strv.h"
#include "units.h"

#define ANSI_GREEN "\x1b[0;1;32m"
#define ANSI_RED "\x1b[0;1;31m"
#define ANSI_YELLOW "\x1b[0;1;33m"
#define ANSI_NORMAL "\x1b[0m"

/* The label column of status, as systemctl status aligns "Loaded:", "Active:". */
#define LABEL_WIDTH 12

static const char *strempty_or(const char *s, const char *fallback) {
        return isempty(s) ? fallback : s;
}

static const char *strempty(const char *s) {
        return s ?: "";
}

static bool ends_with(const char *s, const char *suffix) {
        size_t a = strlen(s), b = strlen(suffix);

        return a >= b && streq(s + a - b, suffix);
}

const char *ctl_format_bytes(char *buf, size_t size, uint64_t bytes) {
        if (bytes == CTL_UNKNOWN) {
                snprintf(buf, size, "unknown");
                return buf;
        }
        return format_bytes(buf, size, bytes);
}

/* @v in units of @div as "N" or "N.D" with one decimal, rounded half up. */
static void format_one_decimal(char *buf, size_t size, uint64_t v, uint64_t div, const char *unit) {
        uint64_t tenths = (v * 10 + div / 2) / div;

        if (tenths % 10 == 0)
                snprintf(buf, size, "%" PRIu64 "%s", tenths / 10, unit);
        else
                snprintf(buf, size, "%" PRIu64 ".%" PRIu64 "%s", tenths / 10, tenths % 10, unit);
}

/* Two most significant units of a long span: "2min 30s", "1h 5min", "3d 2h". */
static void format_coarse(char *buf, size_t size, uint64_t sec) {
        static const struct { const char *name; uint64_t sec; } units[] = {
                { "d", 86400 }, { "h", 3600 }, { "min", 60 }, { "s", 1 },
        };

        for (size_t i = 0; i + 1 < ELEMENTSOF(units); i++) {
                uint64_t hi = sec / units[i].sec, lo = sec % units[i].sec / units[i + 1].sec;

                if (hi == 0)
                        continue;
                if (lo == 0)
                        snprintf(buf, size, "%" PRIu64 "%s", hi, units[i].name);
                else
                        snprintf(buf, size, "%" PRIu64 "%s %" PRIu64 "%s", hi, units[i].name, lo,
                                 units[i + 1].name);
                return;
        }
        snprintf(buf, size, "%" PRIu64 "s", sec);
}

const char *ctl_format_usec(char *buf, size_t size, uint64_t usec) {
        if (usec == CTL_UNKNOWN)
                snprintf(buf, size, "unknown");
        else if (usec == 0)
                snprintf(buf, size, "0");
        else if (usec < USEC_PER_MSEC)
                snprintf(buf, size, "%" PRIu64 "us", usec);
        else if (usec < USEC_PER_SEC - USEC_PER_MSEC / 20)
                format_one_decimal(buf, size, usec, USEC_PER_MSEC, "ms");
        else if (usec < 60 * USEC_PER_SEC - USEC_PER_SEC / 20)
                format_one_decimal(buf, size, usec, USEC_PER_SEC, "s");
        else
                format_coarse(buf, size, (usec + USEC_PER_SEC / 2) / USEC_PER_SEC);
        return buf;
}

const char *ctl_format_hundredths(char *buf, size_t size, uint64_t h) {
        if (h == CTL_UNKNOWN)
                snprintf(buf, size, "unknown");
        else if (h % 100 == 0)
                snprintf(buf, size, "%" PRIu64 "%%", h / 100);
        else if (h % 10 == 0)
                snprintf(buf, size, "%" PRIu64 ".%" PRIu64 "%%", h / 100, h % 100 / 10);
        else
                snprintf(buf, size, "%" PRIu64 ".%02" PRIu64 "%%", h / 100, h % 100);
        return buf;
}

const char *ctl_format_timestamp(char *buf, size_t size, uint64_t usec) {
        time_t t = (time_t) (usec / USEC_PER_SEC);
        struct tm tm;

        if (usec == 0 || usec == CTL_UNKNOWN || !localtime_r(&t, &tm) ||
            strftime(buf, size, "%a %Y-%m-%d %H:%M:%S %Z", &tm) == 0)
                snprintf(buf, size, "never");
        return buf;
}

const char *ctl_format_ago(char *buf, size_t size, uint64_t usec, uint64_t now_usec) {
        uint64_t d = now_usec > usec ? now_usec - usec : 0;
        char span[CTL_FORMAT_MAX];

        if (d < USEC_PER_SEC)
                snprintf(span, sizeof(span), "%" PRIu64 "ms", d / USEC_PER_MSEC);
        else
                format_coarse(span, sizeof(span), d / USEC_PER_SEC);
        snprintf(buf, size, "%s ago", span);
        return buf;
}

const char *ctl_format_goal_value(char *buf, size_t size, const char *metric, uint64_t value) {
        if (value == CTL_UNKNOWN)
                snprintf(buf, size, "unknown");
        else if (ends_with(metric, "_us"))
                ctl_format_usec(buf, size, value);
        else if (ends_with(metric, "_bp"))
                ctl_format_hundredths(buf, size, value);
        else if (streq(metric, "cgroup_mem_usage"))
                ctl_format_bytes(buf, size, value);
        else
                snprintf(buf, size, "%" PRIu64, value);
        return buf;
}

const char *ctl_state_marker(const char *state) {
        if (!state)
                return "○";
        if (streq(state, "failed") || streq(state, "over-limit"))
                return "×";
        if (streq(state, "running") || streq(state, "blocked") || streq(state, "waiting"))
                return "●";
        return "○";
}

static const char *state_color(const char *state) {
        if (!state)
                return NULL;
        if (streq(state, "running"))
                return ANSI_GREEN;
        if (streq(state, "failed") || streq(state, "over-limit"))
                return ANSI_RED;
        if (streq(state, "blocked") || streq(state, "waiting"))
                return ANSI_YELLOW;
        return NULL;
}

static int finish(FILE *f) {
        return ferror(f) ? -EIO : 0;
}

/* "   Label: " in the status layout; an empty label continues the previous one. */
static void label(FILE *f, const char *l) {
        if (isempty(l))
                fprintf(f, "%*s", LABEL_WIDTH + 2, "");
        else
                fprintf(f, "%*s: ", LABEL_WIDTH, l);
}

/* "1.2ms/s": a stall over a window as a rate per second. */
static const char *format_rate(char *buf, size_t size, uint64_t stall_usec, uint64_t window_usec) {
        char d[CTL_FORMAT_MAX];

        if (stall_usec == CTL_UNKNOWN || window_usec == 0 || window_usec == CTL_UNKNOWN) {
                snprintf(buf, size, "unknown");
                return buf;
        }
        /* µs of stall per second; 128-bit so that a long window cannot overflow. */
        snprintf(buf, size, "%s/s",
                 ctl_format_usec(d, sizeof(d),
                                 (uint64_t) ((unsigned __int128) stall_usec * USEC_PER_SEC / window_usec)));
        return buf;
}

/* "-1.2s" for DAMON_STAT's negative idle times (bytes accessed, for that long). */
static const char *format_signed_ms(char *buf, size_t size, int64_t ms) {
        char d[CTL_FORMAT_MAX];
        uint64_t abs_ms = ms < 0 ? (uint64_t) -(ms + 1) + 1 : (uint64_t) ms;

        snprintf(buf, size, "%s%s", ms < 0 ? "-" : "", ctl_format_usec(d, sizeof(d), abs_ms * USEC_PER_MSEC));
        return buf;
}

/* The kernel's own DAMON modules (Modules), and what DAMON_STAT measures for the whole machine
 * (DamonStat); nothing from a damond without them, or on a kernel without modules. */
static void print_modules(FILE *f, const CtlManager *m) {
        static const unsigned pcts[] = { 10, 25, 50, 75, 90, 95, 99 };
        const CtlDamonStat *d = &m->damon_stat;
        char a[CTL_FORMAT_MAX];

        /* only the modules that run: one that is off changes nothing for damond (features lists all) */
        for (size_t i = 0; i < m->n_modules; i++) {
                const CtlModule *mod = &m->modules[i];

                if (!mod->enabled)
                        continue;
                label(f, "Module");
                fprintf(f, "%s on", strempty_or(mod->name, "?"));
                if (mod->kdamond_pid > 0)
                        fprintf(f, ", kdamond pid %" PRIi64, mod->kdamond_pid);
                fputs(": it holds DAMON exclusively, the kernel starts no other kdamond beside it\n", f);
        }
        if (!d->running || d->n_idle != 101)
                return;
        label(f, "Machine idle");
        for (size_t i = 0; i < ELEMENTSOF(pcts); i++)
                fprintf(f, "%sp%u %s", i ? ", " : "", pcts[i], format_signed_ms(a, sizeof(a), d->idle_ms[pcts[i]]));
        fputs(" (DAMON_STAT; negative: accessed for that long)\n", f);
        label(f, "Bandwidth");
        fprintf(f, "%s/s, estimated by DAMON_STAT", ctl_format_bytes(a, sizeof(a), d->bandwidth));
        if (d->aggr_interval_us != CTL_UNKNOWN)
                fprintf(f, " (aggregation interval %s)", ctl_format_usec(a, sizeof(a), d->aggr_interval_us));
        fputc('\n', f);
}

static void print_header(FILE *f, const CtlManager *m, const CtlFormat *fmt) {
        char a[CTL_FORMAT_MAX], b[CTL_FORMAT_MAX], c[CTL_FORMAT_MAX];

        fprintf(f, "damond %s on Linux %s, ", strempty_or(m->version, "?"),
                strempty_or(m->kernel_release, "?"));
        if (isempty(m->damon_version))
                fprintf(f, "no DAMON\n");
        else
                fprintf(f, "DAMON %s\n", m->damon_version);

        label(f, "Reload");
        if (m->last_reload_usec == 0)
                fprintf(f, "never");
        else
                fprintf(f, "%s; %s", ctl_format_timestamp(a, sizeof(a), m->last_reload_usec),
                        ctl_format_ago(b, sizeof(b), m->last_reload_usec, fmt->now_usec));
        /* damond's summary says which profiles have errors; without one, say whether any has */
        if (!isempty(m->last_reload_summary))
                fprintf(f, ": %s", m->last_reload_summary);
        else if (m->last_reload_usec != 0)
                fputs(m->last_reload_valid ? ": every profile valid" : ": some profiles have errors", f);
        fputc('\n', f);

        label(f, "Pressure");
        fprintf(f, "some %s (avg10), %s (avg60); full %s (avg10)\n",
                ctl_format_hundredths(a, sizeof(a), m->pressure.some_avg10),
                ctl_format_hundredths(b, sizeof(b), m->pressure.some_avg60),
                ctl_format_hundredths(c, sizeof(c), m->pressure.full_avg10));

        for (size_t i = 0; m->last_reload_errors && m->last_reload_errors[i]; i++) {
                label(f, i == 0 ? "Errors" : NULL);
                fprintf(f, "%s\n", m->last_reload_errors[i]);
        }
        print_modules(f, m);
}

static void print_goal(FILE *f, const CtlGoal *g) {
        char cur[CTL_FORMAT_MAX], tgt[CTL_FORMAT_MAX];

        label(f, NULL);
        fprintf(f, "goal %s", g->metric);
        if (!isempty(g->cgroup))
                fprintf(f, " of %s", g->cgroup);
        if (strneq(g->metric, "node_", 5))
                fprintf(f, " on node %" PRIu64, g->node);
        fprintf(f, ": %s, target %s (%s%s)\n", ctl_format_goal_value(cur, sizeof(cur), g->metric, g->current),
                ctl_format_goal_value(tgt, sizeof(tgt), g->metric, g->target),
                ends_with(g->metric, "_us") ? "stall per quota window, " : "",
                g->fed_by_damond ? "measured by damond" : "measured by the kernel");
}

static void print_scheme(FILE *f, const CtlScheme *s, const CtlFormat *fmt) {
        char a[CTL_FORMAT_MAX], b[CTL_FORMAT_MAX], c[CTL_FORMAT_MAX];
        uint64_t sz_applied = ctl_scheme_stat(s, "sz_applied"), nr_applied = ctl_scheme_stat(s, "nr_applied"),
                 sz_tried = ctl_scheme_stat(s, "sz_tried"), qt = ctl_scheme_stat(s, "qt_exceeds");

        label(f, "Scheme");
        fprintf(f, "%s: %s, %s\n", s->name, s->action, strempty_or(s->tune_state, "none"));

        label(f, NULL);
        if (sz_applied == CTL_UNKNOWN)
                fputs("applied: no statistics yet", f);
        else {
                fprintf(f, "applied %s", ctl_format_bytes(a, sizeof(a), sz_applied));
                if (nr_applied != CTL_UNKNOWN)
                        fprintf(f, " (%" PRIu64 " regions)", nr_applied);
                if (sz_tried != CTL_UNKNOWN)
                        fprintf(f, " of %s tried", ctl_format_bytes(b, sizeof(b), sz_tried));
                fputs(" since it started", f);
                if (qt != CTL_UNKNOWN && qt > 0)
                        fprintf(f, "; quota reached %" PRIu64 " times", qt);
        }
        fputc('\n', f);
        /* The kernel counts tried bytes as the regions' sizes (mm/damon/core.c) but applied bytes as what
         * the action did (the operations set): paging out a huge page reclaims it whole, and the kernel
         * counts all of it, also the part outside the region tried. Both are the kernel's figures. */
        if (sz_applied != CTL_UNKNOWN && sz_tried != CTL_UNKNOWN && sz_applied > sz_tried) {
                label(f, NULL);
                fputs("(more applied than tried: the kernel counts each huge page it acted on whole, also its "
                      "part outside the regions tried)\n", f);
        }

        label(f, NULL);
        fprintf(f, "quota: effective %s", ctl_format_bytes(a, sizeof(a), s->effective_quota));
        if (s->quota_size == 0)
                fputs(", no QuotaSize=", f);
        else
                fprintf(f, " of QuotaSize=%s", ctl_format_bytes(b, sizeof(b), s->quota_size));
        if (s->quota_applied != 0)
                fprintf(f, ", damond applies %s", ctl_format_bytes(c, sizeof(c), s->quota_applied));
        fputc('\n', f);

        for (size_t i = 0; i < s->n_goals; i++)
                print_goal(f, &s->goals[i]);

        if (!isempty(s->activity)) {
                label(f, NULL);
                fprintf(f, "%s\n", s->activity);
        }

        if (s->last_decision_usec != 0 || !isempty(s->last_decision)) {
                label(f, NULL);
                fputs("last decision", f);
                if (s->last_decision_usec != 0)
                        fprintf(f, " %s (%s)", ctl_format_timestamp(a, sizeof(a), s->last_decision_usec),
                                ctl_format_ago(b, sizeof(b), s->last_decision_usec, fmt->now_usec));
                if (!isempty(s->last_decision))
                        fprintf(f, ": %s", s->last_decision);
                fputc('\n', f);
        }
}

static void print_pressure(FILE *f, const CtlPressure *p) {
        char a[CTL_FORMAT_MAX], b[CTL_FORMAT_MAX], c[CTL_FORMAT_MAX];

        label(f, "Pressure");
        fprintf(f, "%s: some %s, full %s (avg10)", p->source,
                ctl_format_hundredths(a, sizeof(a), p->some_avg10),
                ctl_format_hundredths(b, sizeof(b), p->full_avg10));
        if (p->window_stall_usec != CTL_UNKNOWN && p->window_usec != 0) {
                if (p->window_stall_usec == 0)
                        fputs("; no stall", f);
                else
                        fprintf(f, "; stall %s",
                                format_rate(a, sizeof(a), p->window_stall_usec, p->window_usec));
                fprintf(f, " over the last %s", ctl_format_usec(b, sizeof(b), p->window_usec));
                if (p->ceiling_usec != 0)
                        fprintf(f, ", ceiling %s/s", ctl_format_usec(c, sizeof(c), p->ceiling_usec));
        } else if (p->ceiling_usec != 0)
                fprintf(f, "; ceiling %s/s", ctl_format_usec(c, sizeof(c), p->ceiling_usec));
        fputc('\n', f);
        if (p->task_delay_usec != CTL_UNKNOWN) {
                label(f, NULL);
                fprintf(f, "targets' memory delays %s", ctl_format_usec(a, sizeof(a), p->task_delay_usec));
                if (p->window_usec != 0 && p->window_usec != CTL_UNKNOWN)
                        fprintf(f, " over the last %s", ctl_format_usec(b, sizeof(b), p->window_usec));
                fputc('\n', f);
        }
}

/* "0" or "0,2" */
static void format_nodes(char *buf, size_t size, const CtlTier *t) {
        size_t o = 0;

        buf[0] = '\0';
        for (size_t i = 0; i < t->n_nodes && o < size; i++) {
                int k = snprintf(buf + o, size - o, "%s%" PRIu32, i > 0 ? "," : "", t->nodes[i]);

                if (k < 0)
                        break;
                o += (size_t) k;
        }
}

/* One line per memory tier: its free memory against what demotion keeps, and what moved in and out. */
static void print_tiers(FILE *f, const CtlProfile *p) {
        for (size_t i = 0; i < p->n_tiers; i++) {
                const CtlTier *t = &p->tiers[i];
                const struct { const char *what; uint64_t v; } moved[] = {
                        { "demoted out", t->demoted_out }, { "promoted in", t->promoted_in },
                        { "demoted in", t->demoted_in }, { "promoted out", t->promoted_out },
                };
                char nodes[128], a[CTL_FORMAT_MAX], b[CTL_FORMAT_MAX];
                const char *sep = "; ";

                format_nodes(nodes, sizeof(nodes), t);
                label(f, i == 0 ? "Tiers" : NULL);
                fprintf(f, "memory_tier%" PRIu32 " (node%s %s): ", t->id, t->n_nodes == 1 ? "" : "s", nodes);
                if (t->free_bytes != CTL_UNKNOWN && t->total_bytes != CTL_UNKNOWN)
                        fprintf(f, "%s free of %s", ctl_format_bytes(a, sizeof(a), t->free_bytes),
                                ctl_format_bytes(b, sizeof(b), t->total_bytes));
                else
                        fputs("free memory unknown", f);
                if (t->free_target > 0)
                        fprintf(f, ", demotion keeps %s free", ctl_format_hundredths(a, sizeof(a), t->free_target));
                for (size_t k = 0; k < ELEMENTSOF(moved); k++)
                        if (moved[k].v != CTL_UNKNOWN) {
                                fprintf(f, "%s%s %s", sep, moved[k].what, ctl_format_bytes(a, sizeof(a), moved[k].v));
                                sep = ", ";
                        }
                fputc('\n', f);
        }
}

static const unsigned ctl_percentiles[CTL_N_PERCENTILES] = { 10, 25, 50, 75, 90, 95, 99 };

static const char *format_or_na(char *buf, size_t size, uint64_t v, bool usec) {
        if (v == CTL_UNKNOWN)
                return "n/a";
        return usec ? ctl_format_usec(buf, size, v) : ctl_format_bytes(buf, size, v);
}

static void print_savings(FILE *f, const CtlSavings *s, const char *what) {
        char a[CTL_FORMAT_MAX], b[CTL_FORMAT_MAX], c[CTL_FORMAT_MAX], d[CTL_FORMAT_MAX];

        /* what left memory for swap (measured, of the cgroup or machine) before what DAMON acted on */
        fprintf(f, "%s (%s): ", what, ctl_format_usec(a, sizeof(a), s->duration_usec));
        if (s->swapout_bytes != CTL_UNKNOWN)
                fprintf(f, "swapped out %s, ", ctl_format_bytes(a, sizeof(a), s->swapout_bytes));
        fprintf(f, "pageout applied to %s, refaulted %s, swapped in %s",
                ctl_format_bytes(b, sizeof(b), ctl_savings_applied(s, "pageout")),
                format_or_na(c, sizeof(c), s->refault_bytes, false),
                format_or_na(d, sizeof(d), s->swapin_bytes, false));
        if (s->cpu_permyriad != CTL_UNKNOWN)
                fprintf(f, "; kdamond CPU %" PRIu64 ".%02" PRIu64 "%%", s->cpu_permyriad / 100,
                        s->cpu_permyriad % 100);
        if (s->stall_usec != CTL_UNKNOWN)
                fprintf(f, ", stall %s", ctl_format_usec(a, sizeof(a), s->stall_usec));
        fputc('\n', f);
}

/* What DAMON sees and what damond saved (org.damond1.Observe); nothing from a damond without it. */
static void print_observe(FILE *f, const CtlProfile *p, const CtlFormat *fmt) {
        char a[CTL_FORMAT_MAX], b[CTL_FORMAT_MAX], c[CTL_FORMAT_MAX], d[CTL_FORMAT_MAX];
        const CtlObserve *o = &p->observe;
        const CtlSavings *s;

        if (!o->present || !p->state || strcmp(p->state, "running") != 0)
                return;
        label(f, "Working set");
        if (o->access_time_usec == 0)
                fprintf(f, "not measured: %s\n", !isempty(o->unavailable) ? o->unavailable : "no snapshot yet");
        else {
                fprintf(f, "%s of %s accessed within %s (snapshot %s, %" PRIu64 " regions)\n",
                        ctl_format_bytes(a, sizeof(a), o->wss_bytes), ctl_format_bytes(b, sizeof(b), o->total_bytes),
                        ctl_format_usec(c, sizeof(c), o->wss_window_usec),
                        ctl_format_ago(d, sizeof(d), o->access_time_usec, fmt->now_usec), o->n_regions);
                label(f, "Idle");
                for (size_t i = 0; i < o->n_idle && i < CTL_N_PERCENTILES; i++)
                        fprintf(f, "%sp%u %s", i ? ", " : "", ctl_percentiles[i],
                                ctl_format_usec(a, sizeof(a), o->idle_usec[i]));
                fprintf(f, " (of the bytes, idle for at most)\n");
                label(f, "Snapshots");
                /* why no newer one comes (snapshots paused at slow intervals), or the figures above age */
                fprintf(f, "%" PRIu64 " taken, %" PRIu64 " kept in %s of %s%s%s\n", o->n_snapshots, o->n_held,
                        ctl_format_bytes(a, sizeof(a), o->held_bytes), ctl_format_bytes(b, sizeof(b), o->max_bytes),
                        isempty(o->unavailable) ? "" : "; ", isempty(o->unavailable) ? "" : o->unavailable);
        }
        s = ctl_observe_savings(o, "start");
        label(f, "Savings");
        if (!s)
                fputs("not measured yet\n", f);
        else {
                const CtlSavings *h = ctl_observe_savings(o, "hour");

                print_savings(f, s, "since start");
                if (h && h->duration_usec < s->duration_usec) {        /* else the same numbers */
                        label(f, NULL);
                        print_savings(f, h, "last hour");
                }
        }
        if (o->resident_bytes != CTL_UNKNOWN) {
                label(f, "Resident");
                fprintf(f, "%s (%s), baseline %s", ctl_format_bytes(a, sizeof(a), o->resident_bytes),
                        isempty(o->cgroup) ? "machine" : o->cgroup,
                        format_or_na(b, sizeof(b), o->baseline_bytes, false));
                if (o->swap_bytes != CTL_UNKNOWN)
                        fprintf(f, "; swap %s", ctl_format_bytes(c, sizeof(c), o->swap_bytes));
                if (o->compressed_bytes != CTL_UNKNOWN)
                        fprintf(f, ", compressed %s", ctl_format_bytes(c, sizeof(c), o->compressed_bytes));
                fputc('\n', f);
        }
}

static void print_profile(FILE *f, const CtlProfile *p, const CtlFormat *fmt) {
        char a[CTL_FORMAT_MAX], b[CTL_FORMAT_MAX];
        const char *color = fmt->color ? state_color(p->state) : NULL;
        uint64_t total = 0;
        bool have_total = false;

        fprintf(f, "%s%s%s %s: %s", color ?: "", ctl_state_marker(p->state), color ? ANSI_NORMAL : "",
                p->name, strempty_or(p->state, "unknown"));
        if (!isempty(p->description))
                fprintf(f, " - %s", p->description);
        fputc('\n', f);

        if (!isempty(p->state_reason)) {
                label(f, "Reason");
                fprintf(f, "%s\n", p->state_reason);
        }

        label(f, "Kdamond");
        if (p->kdamond < 0)
                fputs("none", f);
        else {
                fprintf(f, "%" PRIi32, p->kdamond);
                if (p->kdamond_pid >= 0)
                        fprintf(f, " (pid %" PRIi32 ")", p->kdamond_pid);
                if (p->running_since_usec != 0)
                        fprintf(f, " since %s; %s", ctl_format_timestamp(a, sizeof(a), p->running_since_usec),
                                ctl_format_ago(b, sizeof(b), p->running_since_usec, fmt->now_usec));
        }
        if (p->restarts > 0)
                fprintf(f, ", restarted %" PRIu32 " time%s", p->restarts, p->restarts == 1 ? "" : "s");
        fputc('\n', f);

        for (size_t i = 0; p->files && p->files[i]; i++) {
                label(f, i == 0 ? "Files" : NULL);
                fprintf(f, "%s\n", p->files[i]);
        }
        if (!p->files || !p->files[0]) {
                label(f, "Files");
                fprintf(f, "%s\n", strempty_or(p->path, "none"));
        }

        label(f, "Operations");
        fprintf(f, "%s%s\n", strempty_or(p->operations, "unknown"), p->enabled ? "" : " (Enabled=no)");

        for (size_t i = 0; p->targets && p->targets[i]; i++) {
                label(f, i == 0 ? "Targets" : NULL);
                fprintf(f, "%s\n", p->targets[i]);
        }

        for (size_t i = 0; i < p->n_schemes; i++) {
                uint64_t v = ctl_scheme_stat(&p->schemes[i], "sz_applied");

                /* a stat scheme acts on nothing, whatever its sz_applied counts */
                if (v != CTL_UNKNOWN && !(p->schemes[i].action && streq(p->schemes[i].action, "stat"))) {
                        total += v;
                        have_total = true;
                }
        }
        label(f, "Applied");
        if (p->applied_last_minute != CTL_UNKNOWN) {
                fprintf(f, "%s in the last minute", ctl_format_bytes(a, sizeof(a), p->applied_last_minute));
                if (have_total)
                        fprintf(f, ", %s since it started", ctl_format_bytes(b, sizeof(b), total));
        } else if (have_total)
                fprintf(f, "%s since it started; the last minute is not measured yet",
                        ctl_format_bytes(b, sizeof(b), total));
        else
                fputs("nothing measured yet", f);
        fputc('\n', f);

        if (!isempty(p->pressure.source))
                print_pressure(f, &p->pressure);

        print_tiers(f, p);
        print_observe(f, p, fmt);

        for (size_t i = 0; i < p->n_schemes; i++)
                print_scheme(f, &p->schemes[i], fmt);
}

int ctl_print_status(FILE *f, const CtlManager *m, char * const *names, const CtlFormat *fmt) {
        bool all = !names || !names[0];

        print_header(f, m, fmt);
        if (m->n_profiles == 0)
                fputs("\nNo profiles.\n", f);
        for (size_t i = 0; i < m->n_profiles; i++) {
                if (!all && !strv_contains(names, m->profiles[i].name))
                        continue;
                fputc('\n', f);
                print_profile(f, &m->profiles[i], fmt);
        }
        return finish(f);
}

/* A table: @n_cols headers, then rows of cells, each column as wide as its widest cell. */
static void print_table(FILE *f, const char * const *headers, size_t n_cols, char ***rows, size_t n_rows,
                        bool legend) {
        size_t width[8] = {};

        assert(n_cols <= ELEMENTSOF(width));
        for (size_t c = 0; c < n_cols; c++) {
                width[c] = legend ? strlen(headers[c]) : 0;
                for (size_t r = 0; r < n_rows; r++)
                        width[c] = MAX(width[c], strlen(rows[r][c]));
        }
        for (size_t r = legend ? 0 : 1; r <= n_rows; r++)
                for (size_t c = 0; c < n_cols; c++) {
                        const char *cell = r == 0 ? headers[c] : rows[r - 1][c];

                        if (c + 1 == n_cols)
                                fprintf(f, "%s\n", cell);
                        else
                                fprintf(f, "%-*s ", (int) width[c], cell);
                }
}

static void rows_free(char ***rows, size_t n_rows, size_t n_cols) {
        for (size_t r = 0; rows && r < n_rows; r++) {
                for (size_t c = 0; rows[r] && c < n_cols; c++)
                        free(rows[r][c]);
                free(rows[r]);
        }
        free(rows);
}

static char *xstrdup_printf(const char *fmt, ...) _printf_(1, 2);
static char *xstrdup_printf(const char *fmt, ...) {
        va_list ap;
        char *s;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&s, fmt, ap);
        va_end(ap);
        return r < 0 ? NULL : s;
}

int ctl_print_list(FILE *f, const CtlManager *m, const CtlFormat *fmt) {
        static const char * const headers[] = { "PROFILE", "STATE", "KDAMOND", "OPERATIONS", "APPLIED/MIN" };
        enum { N = ELEMENTSOF(headers) };
        char ***rows = calloc(m->n_profiles + 1, sizeof(char **));
        int r = 0;

        if (!rows)
                return -ENOMEM;
        for (size_t i = 0; i < m->n_profiles; i++) {
                const CtlProfile *p = &m->profiles[i];
                char a[CTL_FORMAT_MAX];

                rows[i] = calloc(N, sizeof(char *));
                if (!rows[i]) {
                        r = -ENOMEM;
                        goto finish;
                }
                rows[i][0] = strdup(strempty_or(p->name, "?"));
                rows[i][1] = strdup(strempty_or(p->state, "unknown"));
                rows[i][2] = p->kdamond < 0 ? strdup("-") : xstrdup_printf("%" PRIi32, p->kdamond);
                rows[i][3] = strdup(strempty_or(p->operations, "-"));
                rows[i][4] = strdup(p->applied_last_minute == CTL_UNKNOWN ? "-" :
                                    ctl_format_bytes(a, sizeof(a), p->applied_last_minute));
                for (size_t c = 0; c < N; c++)
                        if (!rows[i][c]) {
                                r = -ENOMEM;
                                goto finish;
                        }
        }
        print_table(f, headers, N, rows, m->n_profiles, fmt->legend);
        if (fmt->legend)
                fprintf(f, "\n%zu profile%s listed.\n", m->n_profiles, m->n_profiles == 1 ? "" : "s");
        r = finish(f);
finish:
        rows_free(rows, m->n_profiles, N);
        return r;
}

/* The kernel's DAMON modules below the features: a module holds DAMON exclusively while it runs. */
static void print_module_table(FILE *f, const CtlManager *m, const CtlFormat *fmt) {
        if (m->n_modules == 0)
                return;
        fputc('\n', f);
        if (fmt->legend)
                fprintf(f, "%-15s %-5s %s\n", "MODULE", "STATE", "KDAMOND");
        for (size_t i = 0; i < m->n_modules; i++) {
                const CtlModule *mod = &m->modules[i];
                char pid[32] = "-";

                if (mod->enabled && mod->kdamond_pid > 0)
                        snprintf(pid, sizeof pid, "%" PRIi64, mod->kdamond_pid);
                fprintf(f, "%-15s %-5s %s\n", strempty_or(mod->name, "?"), mod->enabled ? "on" : "off", pid);
        }
}

int ctl_print_features(FILE *f, const CtlManager *m, const CtlFormat *fmt) {
        static const char * const headers[] = { "FEATURE", "VERSION", "STATE", "USED" };
        enum { N = ELEMENTSOF(headers) };
        char ***rows = calloc(m->n_features + 1, sizeof(char **));
        size_t present = 0;
        int r = 0;

        if (!rows)
                return -ENOMEM;
        for (size_t i = 0; i < m->n_features; i++) {
                const CtlFeature *ft = &m->features[i];

                rows[i] = calloc(N, sizeof(char *));
                if (!rows[i]) {
                        r = -ENOMEM;
                        goto finish;
                }
                rows[i][0] = strdup(strempty_or(ft->name, "?"));
                rows[i][1] = strdup(strempty_or(ft->version, "-"));
                rows[i][2] = strdup(strempty_or(ft->state, "?"));
                rows[i][3] = strdup(ft->used ? "yes" : "no");
                for (size_t c = 0; c < N; c++)
                        if (!rows[i][c]) {
                                r = -ENOMEM;
                                goto finish;
                        }
                if (ft->state && !streq(ft->state, "no"))
                        present++;
        }
        print_table(f, headers, N, rows, m->n_features, fmt->legend);
        print_module_table(f, m, fmt);
        if (fmt->legend) {
                fprintf(f, "\n%zu of %zu features present", present, m->n_features);
                if (!isempty(m->damon_version))
                        fprintf(f, " (DAMON %s, Linux %s)", m->damon_version,
                                strempty_or(m->kernel_release, "?"));
                fputs(".\n", f);
        }
        r = finish(f);
finish:
        rows_free(rows, m->n_features, N);
        return r;
}

static const char *yes_no(bool b) {
        return b ? "yes" : "no";
}

/* systemctl show's "[not set]" for a value that is not known. */
static void show_u64(FILE *f, const char *prefix, const char *key, uint64_t v) {
        if (v == CTL_UNKNOWN)
                fprintf(f, "%s%s=[not set]\n", prefix, key);
        else
                fprintf(f, "%s%s=%" PRIu64 "\n", prefix, key, v);
}

static void show_time(FILE *f, const char *prefix, const char *key, uint64_t usec) {
        char a[CTL_FORMAT_MAX];

        fprintf(f, "%s%s=%s\n", prefix, key, usec == 0 ? "" : ctl_format_timestamp(a, sizeof(a), usec));
}

static void show_strv(FILE *f, const char *key, char * const *l) {
        if (!l || !l[0])
                fprintf(f, "%s=\n", key);
        for (; l && *l; l++)
                fprintf(f, "%s=%s\n", key, *l);
}

int ctl_print_show_profile(FILE *f, const CtlProfile *p) {
        const CtlPressure *ps = &p->pressure;

        fprintf(f, "Name=%s\n", strempty(p->name));
        fprintf(f, "Description=%s\n", strempty(p->description));
        fprintf(f, "Path=%s\n", strempty(p->path));
        show_strv(f, "Files", p->files);
        fprintf(f, "Enabled=%s\n", yes_no(p->enabled));
        fprintf(f, "State=%s\n", strempty(p->state));
        fprintf(f, "StateReason=%s\n", strempty(p->state_reason));
        fprintf(f, "Operations=%s\n", strempty(p->operations));
        show_strv(f, "Targets", p->targets);
        fprintf(f, "Kdamond=%" PRIi32 "\n", p->kdamond);
        fprintf(f, "KdamondPid=%" PRIi32 "\n", p->kdamond_pid);
        show_time(f, "", "RunningSince", p->running_since_usec);
        fprintf(f, "Restarts=%" PRIu32 "\n", p->restarts);
        show_u64(f, "", "AppliedLastMinute", p->applied_last_minute);

        for (size_t i = 0; i < p->n_schemes; i++) {
                const CtlScheme *s = &p->schemes[i];
                char prefix[128];

                snprintf(prefix, sizeof(prefix), "Scheme.%s.", s->name);
                fprintf(f, "%sAction=%s\n", prefix, strempty(s->action));
                for (size_t j = 0; j < s->n_stats; j++)
                        fprintf(f, "%sStats.%s=%" PRIu64 "\n", prefix, s->stats[j].name, s->stats[j].value);
                show_u64(f, prefix, "QuotaSize", s->quota_size);
                show_u64(f, prefix, "QuotaApplied", s->quota_applied);
                show_u64(f, prefix, "EffectiveQuota", s->effective_quota);
                fprintf(f, "%sTuneState=%s\n", prefix, strempty(s->tune_state));
                for (size_t j = 0; j < s->n_goals; j++) {
                        const CtlGoal *g = &s->goals[j];
                        char gp[160];

                        snprintf(gp, sizeof(gp), "%sGoal.%zu.", prefix, j);
                        fprintf(f, "%sMetric=%s\n", gp, strempty(g->metric));
                        fprintf(f, "%sFedByDamond=%s\n", gp, yes_no(g->fed_by_damond));
                        show_u64(f, gp, "Target", g->target);
                        show_u64(f, gp, "Current", g->current);
                        fprintf(f, "%sCGroup=%s\n", gp, strempty(g->cgroup));
                        fprintf(f, "%sNode=%" PRIu64 "\n", gp, g->node);
                }
                show_time(f, prefix, "LastDecisionTime", s->last_decision_usec);
                fprintf(f, "%sLastDecision=%s\n", prefix, strempty(s->last_decision));
                fprintf(f, "%sActivity=%s\n", prefix, strempty(s->activity));
        }

        fprintf(f, "Pressure.Source=%s\n", strempty(ps->source));
        fprintf(f, "Pressure.SomeAvg10=%" PRIu32 "\n", ps->some_avg10);
        fprintf(f, "Pressure.FullAvg10=%" PRIu32 "\n", ps->full_avg10);
        show_u64(f, "Pressure.", "WindowStallUSec", ps->window_stall_usec);
        show_u64(f, "Pressure.", "WindowUSec", ps->window_usec);
        show_u64(f, "Pressure.", "CeilingUSec", ps->ceiling_usec);
        show_u64(f, "Pressure.", "TaskDelayUSec", ps->task_delay_usec);

        for (size_t i = 0; i < p->n_tiers; i++) {
                const CtlTier *t = &p->tiers[i];
                char prefix[64], nodes[128];

                snprintf(prefix, sizeof(prefix), "Tier.%" PRIu32 ".", t->id);
                format_nodes(nodes, sizeof(nodes), t);
                fprintf(f, "%sNodes=%s\n", prefix, nodes);
                show_u64(f, prefix, "FreeBytes", t->free_bytes);
                show_u64(f, prefix, "TotalBytes", t->total_bytes);
                show_u64(f, prefix, "FreeTarget", t->free_target);
                show_u64(f, prefix, "PromotedInBytes", t->promoted_in);
                show_u64(f, prefix, "PromotedOutBytes", t->promoted_out);
                show_u64(f, prefix, "DemotedInBytes", t->demoted_in);
                show_u64(f, prefix, "DemotedOutBytes", t->demoted_out);
        }
        return finish(f);
}

int ctl_print_show_manager(FILE *f, const CtlManager *m) {
        fprintf(f, "Version=%s\n", strempty(m->version));
        fprintf(f, "KernelRelease=%s\n", strempty(m->kernel_release));
        fprintf(f, "DamonVersion=%s\n", strempty(m->damon_version));
        for (size_t i = 0; i < m->n_features; i++)
                fprintf(f, "Feature=%s;%s;%s;%s\n", strempty(m->features[i].name),
                        strempty(m->features[i].version), strempty(m->features[i].state),
                        m->features[i].used ? "used" : "unused");
        for (size_t i = 0; i < m->n_profiles; i++)
                fprintf(f, "Profile=%s %s\n", strempty(m->profiles[i].name),
                        strempty(m->profiles[i].object_path));
        show_time(f, "", "LastReload", m->last_reload_usec);
        fprintf(f, "LastReloadValid=%s\n", yes_no(m->last_reload_valid));
        fprintf(f, "LastReloadSummary=%s\n", strempty(m->last_reload_summary));
        show_strv(f, "LastReloadErrors", m->last_reload_errors);
        fprintf(f, "SystemPressure.SomeAvg10=%" PRIu32 "\n", m->pressure.some_avg10);
        fprintf(f, "SystemPressure.SomeAvg60=%" PRIu32 "\n", m->pressure.some_avg60);
        fprintf(f, "SystemPressure.FullAvg10=%" PRIu32 "\n", m->pressure.full_avg10);
        show_u64(f, "SystemPressure.", "SomeTotalUSec", m->pressure.some_total_usec);
        show_u64(f, "SystemPressure.", "FullTotalUSec", m->pressure.full_total_usec);
        for (size_t i = 0; i < m->n_modules; i++)
                fprintf(f, "Module=%s;%s;%" PRIi64 "\n", strempty(m->modules[i].name),
                        m->modules[i].enabled ? "on" : "off", m->modules[i].kdamond_pid);
        if (m->damon_stat.running) {
                show_u64(f, "DamonStat.", "AggrIntervalUSec", m->damon_stat.aggr_interval_us);
                show_u64(f, "DamonStat.", "EstimatedBandwidth", m->damon_stat.bandwidth);
                fputs("DamonStat.IdleMSecPercentiles=", f);
                for (size_t i = 0; i < m->damon_stat.n_idle; i++)
                        fprintf(f, "%s%" PRIi64, i ? "," : "", m->damon_stat.idle_ms[i]);
                fputc('\n', f);
        }
        return finish(f);
}

int ctl_print_validation(FILE *f, const CtlValidation *v) {
        for (size_t i = 0; v->diagnostics && v->diagnostics[i]; i++)
                fprintf(f, "%s\n", v->diagnostics[i]);
        return finish(f);
}

/* JSON building: every setter records an allocation failure in @j instead of returning it, so that the
 * builders read as the schema they produce; the caller checks j.oom once. */
typedef struct J {
        bool oom;
} J;

static json_object *jnew(J *j, json_object *o) {
        if (!o)
                j->oom = true;
        return o;
}

static void jset(J *j, json_object *o, const char *key, json_object *v, bool may_be_null) {
        if ((!v && !may_be_null) || !o || json_object_object_add(o, key, v) < 0) {
                json_object_put(v);
                j->oom = true;
        }
}

static void jset_str(J *j, json_object *o, const char *key, const char *s) {
        jset(j, o, key, json_object_new_string(strempty(s)), false);
}

static void jset_u64(J *j, json_object *o, const char *key, uint64_t v) {
        jset(j, o, key, v == CTL_UNKNOWN ? NULL : json_object_new_uint64(v), true);
}

/* A time: 0 (never) and UINT64_MAX are null. */
static void jset_time(J *j, json_object *o, const char *key, uint64_t v) {
        jset(j, o, key, v == 0 || v == CTL_UNKNOWN ? NULL : json_object_new_uint64(v), true);
}

static void jset_i32(J *j, json_object *o, const char *key, int32_t v) {
        jset(j, o, key, v < 0 ? NULL : json_object_new_int64(v), true);
}

/* An empty string is null. */
static void jset_str_or_null(J *j, json_object *o, const char *key, const char *s) {
        jset(j, o, key, isempty(s) ? NULL : json_object_new_string(s), true);
}

static void jset_bool(J *j, json_object *o, const char *key, bool b) {
        jset(j, o, key, json_object_new_boolean(b), false);
}

static void jappend(J *j, json_object *a, json_object *v) {
        if (!v || !a || json_object_array_add(a, v) < 0) {
                json_object_put(v);
                j->oom = true;
        }
}

static json_object *jstrv(J *j, char * const *l) {
        json_object *a = jnew(j, json_object_new_array());

        for (; a && l && *l; l++)
                jappend(j, a, json_object_new_string(*l));
        return a;
}

static json_object *jfinish(J *j, json_object *o) {
        if (j->oom) {
                json_object_put(o);
                return NULL;
        }
        return o;
}

static json_object *json_scheme(J *j, const CtlScheme *s) {
        json_object *o = jnew(j, json_object_new_object()), *stats, *goals;

        jset_str(j, o, "name", s->name);
        jset_str(j, o, "action", s->action);
        stats = jnew(j, json_object_new_object());
        for (size_t i = 0; stats && i < s->n_stats; i++)
                jset_u64(j, stats, s->stats[i].name, s->stats[i].value);
        jset(j, o, "stats", stats, false);
        jset_u64(j, o, "quota_size_bytes", s->quota_size);
        jset_u64(j, o, "quota_applied_bytes", s->quota_applied);
        jset_u64(j, o, "effective_quota_bytes", s->effective_quota);
        jset_str(j, o, "tune_state", s->tune_state);
        goals = jnew(j, json_object_new_array());
        for (size_t i = 0; goals && i < s->n_goals; i++) {
                const CtlGoal *g = &s->goals[i];
                json_object *go = jnew(j, json_object_new_object());

                jset_str(j, go, "metric", g->metric);
                jset_bool(j, go, "fed_by_damond", g->fed_by_damond);
                jset_u64(j, go, "target", g->target);
                jset_u64(j, go, "current", g->current);
                jset_str_or_null(j, go, "cgroup", g->cgroup);
                jset_u64(j, go, "node", g->node);
                jappend(j, goals, go);
        }
        jset(j, o, "goals", goals, false);
        jset_time(j, o, "last_decision_usec", s->last_decision_usec);
        jset_str_or_null(j, o, "last_decision", s->last_decision);
        jset_str_or_null(j, o, "activity", s->activity);
        return o;
}

static json_object *json_observe(J *j, const CtlObserve *o);

static json_object *json_profile(J *j, const CtlProfile *p) {
        json_object *o = jnew(j, json_object_new_object()), *schemes, *ps, *tiers;

        jset_str(j, o, "name", p->name);
        jset_str(j, o, "object_path", p->object_path);
        jset_str(j, o, "description", p->description);
        jset_str(j, o, "path", p->path);
        jset(j, o, "files", jstrv(j, p->files), false);
        jset_bool(j, o, "enabled", p->enabled);
        jset_str(j, o, "state", p->state);
        jset_str_or_null(j, o, "state_reason", p->state_reason);
        jset_str(j, o, "operations", p->operations);
        jset(j, o, "targets", jstrv(j, p->targets), false);
        jset_i32(j, o, "kdamond", p->kdamond);
        jset_i32(j, o, "kdamond_pid", p->kdamond_pid);
        jset_time(j, o, "running_since_usec", p->running_since_usec);
        jset(j, o, "restarts", json_object_new_uint64(p->restarts), false);
        jset_u64(j, o, "applied_last_minute_bytes", p->applied_last_minute);
        schemes = jnew(j, json_object_new_array());
        for (size_t i = 0; schemes && i < p->n_schemes; i++)
                jappend(j, schemes, json_scheme(j, &p->schemes[i]));
        jset(j, o, "schemes", schemes, false);

        if (isempty(p->pressure.source))
                jset(j, o, "pressure", NULL, true);
        else {
                ps = jnew(j, json_object_new_object());
                jset_str(j, ps, "source", p->pressure.source);
                jset(j, ps, "some_avg10", json_object_new_uint64(p->pressure.some_avg10), false);
                jset(j, ps, "full_avg10", json_object_new_uint64(p->pressure.full_avg10), false);
                jset_u64(j, ps, "window_stall_usec", p->pressure.window_stall_usec);
                jset_u64(j, ps, "window_usec", p->pressure.window_usec);
                jset_u64(j, ps, "ceiling_usec", p->pressure.ceiling_usec);
                jset_u64(j, ps, "task_delay_usec", p->pressure.task_delay_usec);
                jset(j, o, "pressure", ps, false);
        }

        tiers = jnew(j, json_object_new_array());
        for (size_t i = 0; tiers && i < p->n_tiers; i++) {
                const CtlTier *t = &p->tiers[i];
                json_object *to = jnew(j, json_object_new_object()), *nodes = jnew(j, json_object_new_array());

                jset(j, to, "tier", json_object_new_uint64(t->id), false);
                for (size_t k = 0; nodes && k < t->n_nodes; k++)
                        jappend(j, nodes, json_object_new_uint64(t->nodes[k]));
                jset(j, to, "nodes", nodes, false);
                jset_u64(j, to, "free_bytes", t->free_bytes);
                jset_u64(j, to, "total_bytes", t->total_bytes);
                if (t->free_target > 0)
                        jset(j, to, "free_target", json_object_new_uint64(t->free_target), false);
                else
                        jset(j, to, "free_target", NULL, true);
                jset_u64(j, to, "promoted_in_bytes", t->promoted_in);
                jset_u64(j, to, "promoted_out_bytes", t->promoted_out);
                jset_u64(j, to, "demoted_in_bytes", t->demoted_in);
                jset_u64(j, to, "demoted_out_bytes", t->demoted_out);
                jappend(j, tiers, to);
        }
        jset(j, o, "tiers", tiers, false);
        if (p->observe.present)
                jset(j, o, "observe", json_observe(j, &p->observe), false);
        return o;
}

static json_object *json_observe(J *j, const CtlObserve *o) {
        json_object *obs = jnew(j, json_object_new_object()), *x, *arr;

        if (o->access_time_usec == 0)
                jset(j, obs, "access", NULL, true);
        else {
                x = jnew(j, json_object_new_object());
                jset_time(j, x, "time_usec", o->access_time_usec);
                jset_u64(j, x, "wss_bytes", o->wss_bytes);
                jset_u64(j, x, "wss_window_usec", o->wss_window_usec);
                jset_u64(j, x, "total_bytes", o->total_bytes);
                jset_u64(j, x, "regions", o->n_regions);
                arr = jnew(j, json_object_new_object());
                for (size_t i = 0; i < o->n_idle && i < CTL_N_PERCENTILES; i++) {
                        char key[16];

                        snprintf(key, sizeof(key), "p%u", ctl_percentiles[i]);
                        jset_u64(j, arr, key, o->idle_usec[i]);
                }
                jset(j, x, "idle_usec", arr, false);
                jset(j, obs, "access", x, false);
        }
        x = jnew(j, json_object_new_object());
        jset_u64(j, x, "taken", o->n_snapshots);
        jset_u64(j, x, "failed", o->n_failed);
        jset_u64(j, x, "kept", o->n_held);
        jset_u64(j, x, "kept_bytes", o->held_bytes);
        jset_u64(j, x, "max_bytes", o->max_bytes);
        jset_str_or_null(j, x, "unavailable", o->unavailable);
        jset(j, obs, "snapshots", x, false);
        arr = jnew(j, json_object_new_object());
        for (size_t i = 0; i < o->n_savings; i++) {
                const CtlSavings *s = &o->savings[i];
                json_object *ap = jnew(j, json_object_new_object());

                x = jnew(j, json_object_new_object());
                jset_u64(j, x, "duration_usec", s->duration_usec);
                for (size_t k = 0; k < s->n_applied; k++)
                        jset_u64(j, ap, s->applied[k].name, s->applied[k].value);
                jset(j, x, "applied_bytes", ap, false);
                jset_u64(j, x, "refault_bytes", s->refault_bytes);
                jset_u64(j, x, "swapin_bytes", s->swapin_bytes);
                jset_u64(j, x, "swapout_bytes", s->swapout_bytes);
                jset_u64(j, x, "kdamond_cpu_usec", s->cpu_usec);
                jset_u64(j, x, "kdamond_cpu_permyriad", s->cpu_permyriad);
                jset_u64(j, x, "stall_usec", s->stall_usec);
                jset(j, x, "resident_change_bytes", s->resident_change_bytes == INT64_MIN ? NULL :
                     json_object_new_int64(s->resident_change_bytes), true);
                jset(j, arr, s->period, x, false);
        }
        jset(j, obs, "savings", arr, false);
        x = jnew(j, json_object_new_object());
        jset_str_or_null(j, x, "cgroup", o->cgroup);
        jset_u64(j, x, "resident_bytes", o->resident_bytes);
        jset_u64(j, x, "baseline_resident_bytes", o->baseline_bytes);
        jset_u64(j, x, "swap_bytes", o->swap_bytes);
        jset_u64(j, x, "compressed_bytes", o->compressed_bytes);
        jset(j, obs, "memory", x, false);
        return obs;
}

json_object *ctl_json_profile(const CtlProfile *p) {
        J j = {};

        return jfinish(&j, json_profile(&j, p));
}

static json_object *json_modules(J *j, const CtlManager *m) {
        json_object *a = jnew(j, json_object_new_array());

        for (size_t i = 0; a && i < m->n_modules; i++) {
                json_object *o = jnew(j, json_object_new_object());

                jset_str(j, o, "name", m->modules[i].name);
                jset_bool(j, o, "enabled", m->modules[i].enabled);
                jset(j, o, "kdamond_pid",
                     m->modules[i].kdamond_pid > 0 ? json_object_new_int64(m->modules[i].kdamond_pid) : NULL, true);
                jappend(j, a, o);
        }
        return a;
}

/* DAMON_STAT's read-outs, or null when it does not run. */
static json_object *json_damon_stat(J *j, const CtlManager *m) {
        const CtlDamonStat *d = &m->damon_stat;
        json_object *o, *a;

        if (!d->running || d->n_idle == 0)
                return NULL;
        o = jnew(j, json_object_new_object());
        a = jnew(j, json_object_new_array());
        jset_u64(j, o, "aggr_interval_usec", d->aggr_interval_us);
        jset_u64(j, o, "estimated_bandwidth_bytes_per_sec", d->bandwidth);
        for (size_t i = 0; a && i < d->n_idle; i++)
                jappend(j, a, json_object_new_int64(d->idle_ms[i]));
        jset(j, o, "idle_ms_percentiles", a, false);
        return o;
}

/* The manager's own properties, shared by status and show. */
static json_object *json_manager_head(J *j, const CtlManager *m) {
        json_object *o = jnew(j, json_object_new_object()), *lr, *sp;

        jset_str(j, o, "version", m->version);
        jset_str(j, o, "kernel_release", m->kernel_release);
        jset_str_or_null(j, o, "damon_version", m->damon_version);
        lr = jnew(j, json_object_new_object());
        jset_time(j, lr, "time_usec", m->last_reload_usec);
        jset_bool(j, lr, "valid", m->last_reload_valid);
        jset_str(j, lr, "summary", m->last_reload_summary);
        jset(j, lr, "errors", jstrv(j, m->last_reload_errors), false);
        jset(j, o, "last_reload", lr, false);
        sp = jnew(j, json_object_new_object());
        jset(j, sp, "some_avg10", json_object_new_uint64(m->pressure.some_avg10), false);
        jset(j, sp, "some_avg60", json_object_new_uint64(m->pressure.some_avg60), false);
        jset(j, sp, "full_avg10", json_object_new_uint64(m->pressure.full_avg10), false);
        jset_u64(j, sp, "some_total_usec", m->pressure.some_total_usec);
        jset_u64(j, sp, "full_total_usec", m->pressure.full_total_usec);
        jset(j, o, "system_pressure", sp, false);
        jset(j, o, "modules", json_modules(j, m), false);
        jset(j, o, "damon_stat", json_damon_stat(j, m), true);
        return o;
}

json_object *ctl_json_status(const CtlManager *m, char * const *names) {
        J j = {};
        json_object *o = json_manager_head(&j, m), *a = jnew(&j, json_object_new_array());

        for (size_t i = 0; a && i < m->n_profiles; i++)
                if (!names || !names[0] || strv_contains(names, m->profiles[i].name))
                        jappend(&j, a, json_profile(&j, &m->profiles[i]));
        jset(&j, o, "profiles", a, false);
        return jfinish(&j, o);
}

static json_object *json_features(J *j, const CtlManager *m) {
        json_object *a = jnew(j, json_object_new_array());

        for (size_t i = 0; a && i < m->n_features; i++) {
                json_object *o = jnew(j, json_object_new_object());

                jset_str(j, o, "name", m->features[i].name);
                jset_str(j, o, "version", m->features[i].version);
                jset_str(j, o, "state", m->features[i].state);
                jset_bool(j, o, "used", m->features[i].used);
                jappend(j, a, o);
        }
        return a;
}

json_object *ctl_json_manager(const CtlManager *m) {
        J j = {};
        json_object *o = json_manager_head(&j, m), *a = jnew(&j, json_object_new_array());

        jset(&j, o, "features", json_features(&j, m), false);
        for (size_t i = 0; a && i < m->n_profiles; i++) {
                json_object *p = jnew(&j, json_object_new_object());

                jset_str(&j, p, "name", m->profiles[i].name);
                jset_str(&j, p, "object_path", m->profiles[i].object_path);
                jappend(&j, a, p);
        }
        jset(&j, o, "profiles", a, false);
        return jfinish(&j, o);
}

json_object *ctl_json_list(const CtlManager *m) {
        J j = {};
        json_object *o = jnew(&j, json_object_new_object()), *a = jnew(&j, json_object_new_array());

        for (size_t i = 0; a && i < m->n_profiles; i++) {
                const CtlProfile *p = &m->profiles[i];
                json_object *po = jnew(&j, json_object_new_object());

                jset_str(&j, po, "name", p->name);
                jset_str(&j, po, "state", p->state);
                jset_i32(&j, po, "kdamond", p->kdamond);
                jset_i32(&j, po, "kdamond_pid", p->kdamond_pid);
                jset_str(&j, po, "operations", p->operations);
                jset_u64(&j, po, "applied_last_minute_bytes", p->applied_last_minute);
                jappend(&j, a, po);
        }
        jset(&j, o, "profiles", a, false);
        return jfinish(&j, o);
}

json_object *ctl_json_features(const CtlManager *m) {
        J j = {};
        json_object *o = jnew(&j, json_object_new_object());

        jset_str_or_null(&j, o, "damon_version", m->damon_version);
        jset_str(&j, o, "kernel_release", m->kernel_release);
        jset(&j, o, "features", json_features(&j, m), false);
        jset(&j, o, "modules", json_modules(&j, m), false);
        return jfinish(&j, o);
}

json_object *ctl_json_validation(const CtlValidation *v) {
        J j = {};
        json_object *o = jnew(&j, json_object_new_object());

        jset_bool(&j, o, "valid", v->valid);
        jset(&j, o, "diagnostics", jstrv(&j, v->diagnostics), false);
        return jfinish(&j, o);
}

int ctl_print_json(FILE *f, json_object *o, bool pretty) {
        /* short: one line, no spaces, as systemd's --json=short */
        const char *s = json_object_to_json_string_ext(o, pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                                           JSON_C_TO_STRING_NOSLASHESCAPE
                                                                 : JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);

        if (!s)
                return -ENOMEM;
        fprintf(f, "%s\n", s);
        return finish(f);
}

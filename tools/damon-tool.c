/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * damon-tool: drives the kernel/ layer directly, one command at a time. It is what the vm suite's
 * scenarios and the README's demonstration use to exercise the DAMON sysfs driver on a real kernel,
 * and a debugging aid. The kdamond it creates is remembered (index and the spec's options) in a state
 * file, so later commands own exactly that kdamond and nothing else.
 */
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <string.h>
#include <time.h>

#include "damon-features.h"
#include "damon-sysfs.h"
#include "iomem.h"
#include "psi.h"

#define EXIT_NO_DAMON 3

static const char *arg_root = "/";
static const char *arg_state = "/run/damon-tool.state";

static void help(void) {
        printf("Usage: damon-tool [--root=DIR] [--state=FILE] COMMAND [OPTIONS]\n\n"
               "Drive DAMON's sysfs interface through damond's kernel layer.\n\n"
               "Commands:\n"
               "  probe                  print the kernel's DAMON features\n"
               "  start SPEC             create a kdamond, stage SPEC, turn it on\n"
               "  commit SPEC            restage SPEC into that kdamond and commit it online\n"
               "  goals --goal-current=V set the first goal's current value (commit_schemes_quota_goals)\n"
               "  status [--tried-regions]  state, pid and per-scheme statistics\n"
               "  wait-stopped [--timeout=SEC]  wait until the kdamond stopped by itself\n"
               "  stop                   turn the kdamond off\n"
               "  psi [--cgroup=PATH]    PSI memory readings\n"
               "  psi-trigger --stall-us=N --window-us=N [--cgroup=PATH] [--timeout=SEC]\n"
               "                         wait for a PSI trigger to fire\n\n"
               "SPEC options:\n"
               "  --ops=paddr|vaddr|fvaddr --pid=PID --region=START-END|auto\n"
               "  --sample-us=N --aggr-us=N --update-us=N --min-nr-regions=N --max-nr-regions=N\n"
               "  --action=ACTION --sz=MIN-MAX --nr-accesses=MIN-MAX --age=MIN-MAX\n"
               "  --quota-ms=N --quota-bytes=N --quota-reset-ms=N --weights=SZ,NR,AGE\n"
               "  --goal=METRIC:TARGET[:CURRENT] --apply-interval-us=N\n"
               "  --wmarks=METRIC:INTERVAL:HIGH:MID:LOW\n"
               "  --filter=SET:TYPE:matching|notmatching:allow|reject[:ARG]\n");
}

enum {
        OPT_ROOT = 0x100, OPT_STATE, OPT_OPS, OPT_PID, OPT_REGION, OPT_SAMPLE, OPT_AGGR, OPT_UPDATE,
        OPT_MIN_NR, OPT_MAX_NR, OPT_ACTION, OPT_SZ, OPT_NR_ACC, OPT_AGE, OPT_QMS, OPT_QBYTES, OPT_QRESET,
        OPT_WEIGHTS, OPT_GOAL, OPT_APPLY, OPT_WMARKS, OPT_FILTER, OPT_GOAL_CURRENT, OPT_TRIED, OPT_TIMEOUT,
        OPT_CGROUP, OPT_STALL, OPT_WINDOW, OPT_HELP,
};

static const struct option options[] = {
        { "root", required_argument, NULL, OPT_ROOT },
        { "state", required_argument, NULL, OPT_STATE },
        { "ops", required_argument, NULL, OPT_OPS },
        { "pid", required_argument, NULL, OPT_PID },
        { "region", required_argument, NULL, OPT_REGION },
        { "sample-us", required_argument, NULL, OPT_SAMPLE },
        { "aggr-us", required_argument, NULL, OPT_AGGR },
        { "update-us", required_argument, NULL, OPT_UPDATE },
        { "min-nr-regions", required_argument, NULL, OPT_MIN_NR },
        { "max-nr-regions", required_argument, NULL, OPT_MAX_NR },
        { "action", required_argument, NULL, OPT_ACTION },
        { "sz", required_argument, NULL, OPT_SZ },
        { "nr-accesses", required_argument, NULL, OPT_NR_ACC },
        { "age", required_argument, NULL, OPT_AGE },
        { "quota-ms", required_argument, NULL, OPT_QMS },
        { "quota-bytes", required_argument, NULL, OPT_QBYTES },
        { "quota-reset-ms", required_argument, NULL, OPT_QRESET },
        { "weights", required_argument, NULL, OPT_WEIGHTS },
        { "goal", required_argument, NULL, OPT_GOAL },
        { "apply-interval-us", required_argument, NULL, OPT_APPLY },
        { "wmarks", required_argument, NULL, OPT_WMARKS },
        { "filter", required_argument, NULL, OPT_FILTER },
        { "goal-current", required_argument, NULL, OPT_GOAL_CURRENT },
        { "tried-regions", no_argument, NULL, OPT_TRIED },
        { "timeout", required_argument, NULL, OPT_TIMEOUT },
        { "cgroup", required_argument, NULL, OPT_CGROUP },
        { "stall-us", required_argument, NULL, OPT_STALL },
        { "window-us", required_argument, NULL, OPT_WINDOW },
        { "help", no_argument, NULL, OPT_HELP },
        {}
};

typedef struct Args {
        DamonSpec spec;
        bool have_scheme;
        bool have_goal_current;
        uint64_t goal_current;
        bool tried_regions;
        uint64_t timeout_sec;
        const char *cgroup;
        uint64_t stall_us, window_us;
        const char *region;     /* "auto" or START-END, resolved once the root is open */
} Args;

static int fail(const char *what, const char *value) {
        fprintf(stderr, "damon-tool: invalid %s: '%s'\n", what, value);
        return -EINVAL;
}

static int parse_u64_arg(const char *what, const char *s, uint64_t *ret) {
        return parse_u64_kernel(s, ret) < 0 ? fail(what, s) : 0;
}

static int parse_pair(const char *what, const char *s, char sep, uint64_t *a, uint64_t *b) {
        _cleanup_free_ char *copy = strdup(s);
        char *p;

        if (!copy)
                return -ENOMEM;
        p = strchr(copy, sep);
        if (!p)
                return fail(what, s);
        *p++ = '\0';
        if (parse_u64_kernel(copy, a) < 0 || parse_u64_kernel(p, b) < 0)
                return fail(what, s);
        return 0;
}

/* Splits @s at ':' into at most @max fields (modifies @s). */
static size_t split(char *s, char **fields, size_t max) {
        size_t n = 0;

        while (n < max) {
                fields[n++] = s;
                s = strchr(s, ':');
                if (!s)
                        break;
                *s++ = '\0';
        }
        return n;
}

static DamosScheme *scheme(Args *a) {
        if (!a->have_scheme) {
                DamosScheme *s = damon_spec_add_scheme(&a->spec);

                if (!s)
                        return NULL;
                a->have_scheme = true;
        }
        return &a->spec.schemes[0];
}

static int parse_option(Args *a, int c, const char *arg) {
        DamosScheme *s = NULL;
        uint64_t v, w;
        int r;

        if (c >= OPT_ACTION && c <= OPT_FILTER) {
                s = scheme(a);
                if (!s)
                        return -ENOMEM;
        }

        switch (c) {
        case OPT_OPS:
                r = damon_ops_from_string(arg);
                if (r < 0)
                        return fail("operations", arg);
                a->spec.ops = r;
                break;
        case OPT_PID: {
                DamonTarget *t;

                if (parse_u64_arg("pid", arg, &v) < 0 || v == 0 || v > INT32_MAX)
                        return fail("pid", arg);
                t = damon_spec_add_target(&a->spec);
                if (!t)
                        return -ENOMEM;
                t->pid = (pid_t) v;
                break;
        }
        case OPT_REGION:
                a->region = arg;
                break;
        case OPT_SAMPLE:
                return parse_u64_arg("sampling interval", arg, &a->spec.attrs.sample_us);
        case OPT_AGGR:
                return parse_u64_arg("aggregation interval", arg, &a->spec.attrs.aggr_us);
        case OPT_UPDATE:
                return parse_u64_arg("update interval", arg, &a->spec.attrs.update_us);
        case OPT_MIN_NR:
                return parse_u64_arg("minimum number of regions", arg, &a->spec.attrs.min_nr_regions);
        case OPT_MAX_NR:
                return parse_u64_arg("maximum number of regions", arg, &a->spec.attrs.max_nr_regions);
        case OPT_ACTION:
                r = damos_action_from_string(arg);
                if (r < 0)
                        return fail("action", arg);
                s->action = r;
                break;
        case OPT_SZ:
                return parse_pair("size range", arg, '-', &s->sz.min, &s->sz.max);
        case OPT_NR_ACC:
                return parse_pair("accesses range", arg, '-', &s->nr_accesses.min, &s->nr_accesses.max);
        case OPT_AGE:
                return parse_pair("age range", arg, '-', &s->age.min, &s->age.max);
        case OPT_QMS:
                return parse_u64_arg("time quota", arg, &s->quota.ms);
        case OPT_QBYTES:
                return parse_u64_arg("size quota", arg, &s->quota.bytes);
        case OPT_QRESET:
                return parse_u64_arg("quota reset interval", arg, &s->quota.reset_interval_ms);
        case OPT_WEIGHTS: {
                uint64_t x;

                if (sscanf(arg, "%" SCNu64 ",%" SCNu64 ",%" SCNu64, &v, &w, &x) != 3)
                        return fail("weights", arg);
                s->quota.weight_sz_permil = v;
                s->quota.weight_nr_accesses_permil = w;
                s->quota.weight_age_permil = x;
                break;
        }
        case OPT_GOAL: {
                _cleanup_free_ char *copy = strdup(arg);
                char *f[3];
                size_t n;
                DamosGoal *g;

                if (!copy)
                        return -ENOMEM;
                n = split(copy, f, 3);
                g = damos_scheme_add_goal(s);
                if (!g)
                        return -ENOMEM;
                r = damos_goal_metric_from_string(f[0]);
                if (r < 0 || n < 2)
                        return fail("goal", arg);
                g->metric = r;
                if (parse_u64_kernel(f[1], &g->target_value) < 0)
                        return fail("goal target", arg);
                if (n == 3 && parse_u64_kernel(f[2], &g->current_value) < 0)
                        return fail("goal current value", arg);
                break;
        }
        case OPT_APPLY:
                return parse_u64_arg("apply interval", arg, &s->apply_interval_us);
        case OPT_WMARKS: {
                _cleanup_free_ char *copy = strdup(arg);
                char *f[5];

                if (!copy)
                        return -ENOMEM;
                if (split(copy, f, 5) != 5)
                        return fail("watermarks", arg);
                r = damos_wmark_metric_from_string(f[0]);
                if (r < 0 || parse_u64_kernel(f[1], &s->wmarks.interval_us) < 0 ||
                    parse_u64_kernel(f[2], &s->wmarks.high) < 0 || parse_u64_kernel(f[3], &s->wmarks.mid) < 0 ||
                    parse_u64_kernel(f[4], &s->wmarks.low) < 0)
                        return fail("watermarks", arg);
                s->wmarks.metric = r;
                break;
        }
        case OPT_FILTER: {
                _cleanup_free_ char *copy = strdup(arg);
                char *f[5] = {};
                size_t n;
                int set, type;
                DamosFilter *flt;

                if (!copy)
                        return -ENOMEM;
                n = split(copy, f, 5);
                if (n < 4)
                        return fail("filter", arg);
                set = damos_filter_set_from_string(f[0]);
                if (set < 0 && streq(f[0], "core"))
                        set = DAMOS_FILTERS_CORE;
                if (set < 0 && streq(f[0], "ops"))
                        set = DAMOS_FILTERS_OPS;
                type = damos_filter_type_from_string(f[1]);
                if (set < 0 || type < 0 || !(streq(f[2], "matching") || streq(f[2], "notmatching")) ||
                    !(streq(f[3], "allow") || streq(f[3], "reject")))
                        return fail("filter", arg);
                flt = damos_scheme_add_filter(s, set);
                if (!flt)
                        return -ENOMEM;
                flt->type = type;
                flt->matching = streq(f[2], "matching");
                flt->allow = streq(f[3], "allow");
                if (type == DAMOS_FILTER_MEMCG) {
                        if (n < 5)
                                return fail("memcg filter path", arg);
                        flt->memcg_path = strdup(f[4]);
                        if (!flt->memcg_path)
                                return -ENOMEM;
                } else if (type == DAMOS_FILTER_ADDR || type == DAMOS_FILTER_HUGEPAGE_SIZE) {
                        uint64_t lo, hi;

                        if (n < 5 || parse_pair("filter range", f[4], '-', &lo, &hi) < 0)
                                return fail("filter range", arg);
                        if (type == DAMOS_FILTER_ADDR) {
                                flt->addr_start = lo;
                                flt->addr_end = hi;
                        } else {
                                flt->min = lo;
                                flt->max = hi;
                        }
                } else if (type == DAMOS_FILTER_TARGET) {
                        if (n < 5 || parse_u64_kernel(f[4], &flt->target_idx) < 0)
                                return fail("filter target index", arg);
                }
                break;
        }
        case OPT_GOAL_CURRENT:
                a->have_goal_current = true;
                return parse_u64_arg("goal current value", arg, &a->goal_current);
        case OPT_TRIED:
                a->tried_regions = true;
                break;
        case OPT_TIMEOUT:
                return parse_u64_arg("timeout", arg, &a->timeout_sec);
        case OPT_CGROUP:
                a->cgroup = arg;
                break;
        case OPT_STALL:
                return parse_u64_arg("stall", arg, &a->stall_us);
        case OPT_WINDOW:
                return parse_u64_arg("window", arg, &a->window_us);
        default:
                return -EINVAL;
        }
        return 0;
}

static int resolve_region(const Root *root, Args *a) {
        uint64_t start, end;
        DamonTarget *t;
        int r;

        if (!a->region)
                return 0;
        if (streq(a->region, "auto")) {
                r = iomem_largest_system_ram(root, &start, &end);
                if (r < 0) {
                        fprintf(stderr, "damon-tool: cannot find a System RAM range in proc/iomem: %s\n",
                                strerror(-r));
                        return r;
                }
        } else {
                r = parse_pair("region", a->region, '-', &start, &end);
                if (r < 0)
                        return r;
        }
        t = a->spec.n_targets > 0 ? &a->spec.targets[0] : damon_spec_add_target(&a->spec);
        if (!t || !damon_target_add_region(t, start, end))
                return -ENOMEM;
        return 0;
}

typedef struct Context {
        Root *root;
        DamonIO *io;
        DamonFeatures features;
        DamonSysfs *sysfs;
        int index;              /* the kdamond from the state file, or -1 */
        char **saved_argv;      /* SPEC options stored with it */
        bool no_damon;
} Context;

static void context_done(Context *c) {
        damon_sysfs_free(c->sysfs);
        damon_io_free(c->io);
        root_free(c->root);
        strv_freep(&c->saved_argv);
}

static int load_state(Context *c) {
        _cleanup_fclose_ FILE *f = NULL;
        char line[4096];
        size_t n = 0;

        c->index = -1;
        f = fopen(arg_state, "re");
        if (!f)
                return errno == ENOENT ? 0 : -errno;
        if (!fgets(line, sizeof(line), f) || sscanf(line, "%d", &c->index) != 1 || c->index < 0)
                return -EBADMSG;
        c->saved_argv = calloc(64, sizeof(char *));
        if (!c->saved_argv)
                return -ENOMEM;
        while (n < 63 && fgets(line, sizeof(line), f)) {
                line[strcspn(line, "\n")] = '\0';
                c->saved_argv[n] = strdup(line);
                if (!c->saved_argv[n++])
                        return -ENOMEM;
        }
        return 0;
}

static int save_state(unsigned index, int argc, char **argv) {
        _cleanup_fclose_ FILE *f = fopen(arg_state, "we");

        if (!f)
                return -errno;
        fprintf(f, "%u\n", index);
        for (int i = 0; i < argc; i++)
                if (strneq(argv[i], "--", 2))
                        fprintf(f, "%s\n", argv[i]);
        return fflush(f) == 0 ? 0 : -errno;
}

static int open_context(Context *c, bool need_damon) {
        int r;

        r = root_open(arg_root, &c->root);
        if (r < 0) {
                fprintf(stderr, "damon-tool: cannot open root '%s': %s\n", arg_root, strerror(-r));
                return r;
        }
        r = damon_io_new_root(c->root, &c->io);
        if (r < 0)
                return r;
        r = load_state(c);
        if (r < 0) {
                fprintf(stderr, "damon-tool: cannot read state file '%s': %s\n", arg_state, strerror(-r));
                return r;
        }
        if (!need_damon)
                return 0;

        r = damon_sysfs_new(c->io, &c->sysfs);
        if (r < 0)
                return r;
        if (c->index >= 0) {
                r = damon_sysfs_own(c->sysfs, (unsigned) c->index);
                if (r < 0 && r != -ENOENT) {
                        fprintf(stderr, "damon-tool: kdamond %d from '%s': %s\n", c->index, arg_state, strerror(-r));
                        return r;
                }
                if (r == -ENOENT) {
                        fprintf(stderr, "damon-tool: kdamond %d from '%s' is gone; forgetting it\n", c->index,
                                arg_state);
                        c->index = -1;
                }
        }
        if (c->index < 0 && damon_io_exists(c->io, DAMON_KDAMONDS_DIR "/nr_kdamonds") > 0) {
                DamonError e = {};
                unsigned index;

                /* a kdamond of our own to probe in (nested files exist only below staged children)
                 * and to start later; where another user's kdamond is in the way, probe around it */
                r = damon_sysfs_add_kdamonds(c->sysfs, 1, &index, &e);
                if (r >= 0) {
                        c->index = (int) index;
                        r = save_state(index, 0, NULL);
                        if (r < 0) {
                                fprintf(stderr, "damon-tool: cannot write '%s': %s\n", arg_state, strerror(-r));
                                return r;
                        }
                } else
                        fprintf(stderr, "damon-tool: probing without a kdamond of our own: %s\n", e.message);
        }
        r = damon_sysfs_probe(c->sysfs);
        if (r == -ENOENT) {
                fprintf(stderr, "damon-tool: this kernel has no DAMON sysfs interface "
                        "(no sys/kernel/mm/damon/admin under '%s').\n"
                        "Boot a kernel built with CONFIG_DAMON, CONFIG_DAMON_SYSFS and CONFIG_DAMON_PADDR/VADDR: "
                        "on Debian 12, install Debian's 6.12 kernel for Debian 12 (the newest "
                        "linux-image-6.12.*+deb12-amd64) and reboot into it.\n",
                        arg_root);
                c->no_damon = true;
                return -ENOENT;
        }
        if (r < 0) {
                fprintf(stderr, "damon-tool: probing DAMON failed: %s\n", strerror(-r));
                return r;
        }
        c->features = *damon_sysfs_features(c->sysfs);
        return 0;
}

static int cmd_probe(Context *c) {
        printf("version=%u.%u\n", c->features.version_major, c->features.version_minor);
        printf("ops=");
        for (DamonOps o = 0, first = 1; o < _DAMON_OPS_MAX; o++)
                if (c->features.ops_mask & (1u << o)) {
                        printf("%s%s", first ? "" : ",", damon_ops_to_string(o));
                        first = 0;
                }
        printf("\nmodules=");
        for (DamonModule m = 0, first = 1; m < _DAMON_MODULE_MAX; m++)
                if (c->features.modules_mask & (1u << m)) {
                        printf("%s%s", first ? "" : ",", damon_module_to_string(m));
                        first = 0;
                }
        printf("\n");
        for (DamonFeature f = 0; f < _DAMON_FEATURE_MAX; f++) {
                const char *have = !damon_features_has(&c->features, f) ? "no" :
                                   (c->features.inferred & DAMON_FEATURE_BIT(f)) ? "inferred" : "yes";
                char name[64];

                /* one word per feature name, for scripts */
                snprintf(name, sizeof(name), "%s", damon_feature_to_string(f));
                for (char *p = name; *p; p++)
                        if (*p == ' ')
                                *p = '_';
                printf("feature %s %s %s\n", name, damon_feature_version(f), have);
        }
        return 0;
}

static int build_spec(Context *c, Args *a, int argc, char **argv) {
        int r;

        damon_spec_init(&a->spec);
        optind = 0;
        for (;;) {
                int opt = getopt_long(argc, argv, "", options, NULL);

                if (opt < 0)
                        break;
                if (opt == '?')
                        return -EINVAL;
                if (opt == OPT_ROOT || opt == OPT_STATE)
                        continue;
                r = parse_option(a, opt, optarg);
                if (r < 0)
                        return r;
        }
        return resolve_region(c->root, a);
}

static int report(int r, const DamonError *e, const char *what) {
        if (r >= 0)
                return r;
        fprintf(stderr, "damon-tool: %s: %s\n", what, e->message[0] ? e->message : strerror(-r));
        return r;
}

static int cmd_start(Context *c, Args *a, int argc, char **argv) {
        DamonError e = {};
        unsigned index;
        pid_t pid;
        int r;

        if (c->index >= 0) {
                DamonKdamondState st;

                /* ours from an earlier probe or start */
                r = damon_sysfs_read_state(c->sysfs, (unsigned) c->index, &st, NULL);
                if (r >= 0 && st == DAMON_KDAMOND_ON) {
                        fprintf(stderr, "damon-tool: kdamond %d is already running; use commit or stop\n", c->index);
                        return -EALREADY;
                }
                index = (unsigned) c->index;
        } else {
                r = damon_sysfs_add_kdamonds(c->sysfs, 1, &index, &e);
                if (r < 0)
                        return report(r, &e, "cannot add a kdamond");
        }
        r = save_state(index, argc, argv);
        if (r < 0) {
                fprintf(stderr, "damon-tool: cannot write '%s': %s\n", arg_state, strerror(-r));
                return r;
        }
        r = damon_sysfs_start(c->sysfs, index, &a->spec, &pid, &e);
        if (r < 0)
                return report(r, &e, "start failed");
        printf("kdamond=%u pid=%d\n", index, (int) pid);
        return 0;
}

static int need_index(Context *c) {
        if (c->index >= 0)
                return 0;
        fprintf(stderr, "damon-tool: no kdamond recorded in '%s'; run start first\n", arg_state);
        return -ENOENT;
}

static int cmd_commit(Context *c, Args *a, int argc, char **argv) {
        DamonError e = {};
        pid_t pid;
        int r, n;

        r = need_index(c);
        if (r < 0)
                return r;
        n = damon_sysfs_commit(c->sysfs, (unsigned) c->index, &a->spec, NULL, &e);
        if (n < 0)
                return report(n, &e, "commit failed");
        r = save_state((unsigned) c->index, argc, argv);
        if (r < 0)
                return r;
        r = damon_sysfs_read_state(c->sysfs, (unsigned) c->index, NULL, &pid);
        if (r < 0)
                return r;
        printf("written=%d pid=%d\n", n, (int) pid);
        return 0;
}

static int cmd_goals(Context *c, int argc, char **argv) {
        _cleanup_(damon_spec_done) DamonSpec spec;
        Args saved = {};
        DamonError e = {};
        int r, n, sargc = 1;
        char *sargv[66] = { (char *) "damon-tool" };
        uint64_t current = 0;
        bool have = false;

        damon_spec_init(&spec);
        r = need_index(c);
        if (r < 0)
                return r;
        /* the goal current value given now, over the spec saved by start/commit */
        optind = 0;
        for (int opt; (opt = getopt_long(argc, argv, "", options, NULL)) >= 0;) {
                if (opt == OPT_GOAL_CURRENT) {
                        if (parse_u64_arg("goal current value", optarg, &current) < 0)
                                return -EINVAL;
                        have = true;
                }
        }
        if (!have) {
                fprintf(stderr, "damon-tool: goals needs --goal-current=V\n");
                return -EINVAL;
        }
        for (char **p = c->saved_argv; p && *p && sargc < 65; p++)
                sargv[sargc++] = *p;
        r = build_spec(c, &saved, sargc, sargv);
        spec = saved.spec;
        if (r < 0)
                return r;
        if (spec.n_schemes == 0 || spec.schemes[0].quota.n_goals == 0) {
                fprintf(stderr, "damon-tool: the running spec has no goal\n");
                return -ENOENT;
        }
        spec.schemes[0].quota.goals[0].current_value = current;
        n = damon_sysfs_commit_goals(c->sysfs, (unsigned) c->index, &spec, &e);
        if (n < 0)
                return report(n, &e, "goal update failed");
        printf("written=%d\n", n);
        return 0;
}

static int cmd_status(Context *c, Args *a) {
        DamonKdamondStatus st = {};
        int r;

        r = need_index(c);
        if (r < 0)
                return r;
        r = damon_sysfs_read_status(c->sysfs, (unsigned) c->index, &st);
        if (r < 0) {
                fprintf(stderr, "damon-tool: reading status failed: %s\n", strerror(-r));
                return r;
        }
        printf("state=%s pid=%d sample_us=%" PRIu64 " aggr_us=%" PRIu64 "\n",
               st.state == DAMON_KDAMOND_ON ? "on" : "off", (int) st.pid, st.sample_us, st.aggr_us);
        for (size_t i = 0; i < st.n_schemes; i++) {
                const DamosSchemeStats *s = &st.schemes[i];

                printf("scheme=%zu nr_tried=%" PRIu64 " sz_tried=%" PRIu64 " nr_applied=%" PRIu64
                       " sz_applied=%" PRIu64 " qt_exceeds=%" PRIu64, i, s->nr_tried, s->sz_tried,
                       s->nr_applied, s->sz_applied, s->qt_exceeds);
                if (s->has_effective_bytes)
                        printf(" effective_bytes=%" PRIu64, s->effective_bytes);
                printf("\n");
        }
        if (a->tried_regions && st.state == DAMON_KDAMOND_ON)
                for (size_t i = 0; i < st.n_schemes; i++) {
                        _cleanup_free_ DamosTriedRegion *regions = NULL;
                        size_t n = 0;
                        uint64_t total = 0;

                        r = damon_sysfs_read_tried_regions(c->sysfs, (unsigned) c->index, i, &regions, &n, &total);
                        if (r < 0) {
                                fprintf(stderr, "damon-tool: reading tried regions failed: %s\n", strerror(-r));
                                damon_kdamond_status_done(&st);
                                return r;
                        }
                        printf("scheme=%zu tried_regions=%zu total_bytes=%" PRIu64 "\n", i, n, total);
                }
        damon_kdamond_status_done(&st);
        return 0;
}

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000;
}

static int cmd_wait_stopped(Context *c, Args *a) {
        uint64_t deadline = now_usec() + (a->timeout_sec ?: 30) * USEC_PER_SEC;
        int r;

        r = need_index(c);
        if (r < 0)
                return r;
        for (;;) {
                r = damon_sysfs_check_stopped(c->sysfs, (unsigned) c->index);
                if (r < 0) {
                        fprintf(stderr, "damon-tool: reading state failed: %s\n", strerror(-r));
                        return r;
                }
                if (r > 0) {
                        printf("stopped\n");
                        return 0;
                }
                if (now_usec() > deadline) {
                        fprintf(stderr, "damon-tool: kdamond %d still running after %" PRIu64 "s\n", c->index,
                                a->timeout_sec ?: 30);
                        return 1;
                }
                usleep(100 * 1000);
        }
}

static int cmd_stop(Context *c) {
        DamonError e = {};
        int r;

        r = need_index(c);
        if (r < 0)
                return r;
        r = damon_sysfs_stop(c->sysfs, (unsigned) c->index, &e);
        if (r < 0)
                return report(r, &e, "stop failed");
        printf("stopped\n");
        return 0;
}

static void print_psi_line(const char *name, const PsiLine *l) {
        printf("%s avg10=%u.%02u avg60=%u.%02u avg300=%u.%02u total=%" PRIu64 "\n", name, l->avg10 / 100,
               l->avg10 % 100, l->avg60 / 100, l->avg60 % 100, l->avg300 / 100, l->avg300 % 100, l->total_usec);
}

static int cmd_psi(Context *c, Args *a) {
        PsiStats st;
        int r;

        r = a->cgroup ? psi_read_cgroup(c->root, a->cgroup, &st) : psi_read_system(c->root, &st);
        if (r < 0) {
                fprintf(stderr, "damon-tool: reading memory pressure failed: %s\n", strerror(-r));
                return r;
        }
        print_psi_line("some", &st.some);
        if (st.has_full)
                print_psi_line("full", &st.full);
        return 0;
}

static int cmd_psi_trigger(Context *c, Args *a) {
        _cleanup_free_ char *cgpath = NULL;
        _cleanup_close_ int fd = -EBADF;
        struct pollfd pfd;
        int r;

        if (a->cgroup) {
                r = psi_cgroup_pressure_path(a->cgroup, &cgpath);
                if (r < 0)
                        return r;
        }
        r = psi_trigger_open(c->root, cgpath ?: PSI_SYSTEM_MEMORY_PATH, PSI_SOME, a->stall_us, a->window_us, &fd);
        if (r < 0) {
                fprintf(stderr, "damon-tool: cannot register the PSI trigger: %s\n", strerror(-r));
                return r;
        }
        pfd = (struct pollfd) { .fd = fd, .events = POLLPRI };
        r = poll(&pfd, 1, (int) ((a->timeout_sec ?: 30) * 1000));
        if (r < 0)
                return -errno;
        if (r == 0) {
                fprintf(stderr, "damon-tool: the PSI trigger did not fire\n");
                return 1;
        }
        r = psi_trigger_revents(pfd.revents);
        if (r < 0) {
                fprintf(stderr, "damon-tool: the PSI trigger failed: %s\n", strerror(-r));
                return r;
        }
        printf("fired\n");
        return 0;
}

int main(int argc, char **argv) {
        _cleanup_(context_done) Context c = { .index = -1 };
        Args a = {};
        const char *verb = NULL;
        int r;

        damon_spec_init(&a.spec);
        /* global options may come before the verb; everything else after it */
        opterr = 0;
        for (int i = 1; i < argc; i++) {
                if (strneq(argv[i], "--root=", 7))
                        arg_root = argv[i] + 7;
                else if (strneq(argv[i], "--state=", 8))
                        arg_state = argv[i] + 8;
                else if (streq(argv[i], "--help") || streq(argv[i], "-h")) {
                        help();
                        return 0;
                } else if (!verb && argv[i][0] != '-')
                        verb = argv[i];
        }
        if (!verb) {
                fprintf(stderr, "damon-tool: no command given. Try 'damon-tool --help'.\n");
                return 1;
        }
        opterr = 1;

        if (streq(verb, "psi") || streq(verb, "psi-trigger")) {
                r = open_context(&c, false);
                if (r >= 0)
                        r = build_spec(&c, &a, argc, argv);
                if (r >= 0)
                        r = streq(verb, "psi") ? cmd_psi(&c, &a) : cmd_psi_trigger(&c, &a);
        } else {
                r = open_context(&c, true);
                if (c.no_damon)
                        return EXIT_NO_DAMON;
                if (r >= 0)
                        r = build_spec(&c, &a, argc, argv);
                if (r < 0)
                        ;
                else if (streq(verb, "probe"))
                        r = cmd_probe(&c);
                else if (streq(verb, "start"))
                        r = cmd_start(&c, &a, argc, argv);
                else if (streq(verb, "commit"))
                        r = cmd_commit(&c, &a, argc, argv);
                else if (streq(verb, "goals"))
                        r = cmd_goals(&c, argc, argv);
                else if (streq(verb, "status"))
                        r = cmd_status(&c, &a);
                else if (streq(verb, "wait-stopped"))
                        r = cmd_wait_stopped(&c, &a);
                else if (streq(verb, "stop"))
                        r = cmd_stop(&c);
                else {
                        fprintf(stderr, "damon-tool: unknown command '%s'. Try 'damon-tool --help'.\n", verb);
                        r = -EINVAL;
                }
        }
        damon_spec_done(&a.spec);
        if (r == 1)
                return 1;
        return r < 0 ? 1 : 0;
}

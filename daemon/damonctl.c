/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * damonctl: the command line client of damond, over D-Bus only (docs/dbus-api.md, damonctl(1)). The verbs
 * read the bus into the model (damonctl-bus.h) and render it (damonctl-format.h). Exit codes: 0 ok, 1
 * failure (an invalid configuration for validate and reload too), 2 usage, 3 damond not running, 4
 * access denied (LSB's "insufficient privilege"). sd_bus_open_system() honours DBUS_SYSTEM_BUS_ADDRESS,
 * which is how the bus tests point damonctl at a private bus.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <systemd/sd-bus.h>
#include <time.h>
#include <unistd.h>

#include "damonctl-bus.h"
#include "damonctl-format.h"
#include "damonctl-pager.h"
#include "damonctl-report.h"
#include "damond-bus.h"
#include "macro.h"
#include "strv.h"
#include "utf8.h"

enum {
        EXIT_OK = 0,
        EXIT_FAIL = 1,
        EXIT_USAGE = 2,
        EXIT_NOT_RUNNING = 3,
        EXIT_ACCESS_DENIED = 4,
};

/* The largest file validate sends: a profile is at most a few kilobytes, a D-Bus message 128M. */
#define VALIDATE_FILE_MAX (1024 * 1024)

typedef enum JsonMode {
        JSON_OFF,
        JSON_PRETTY,
        JSON_SHORT,
} JsonMode;

static JsonMode arg_json = JSON_OFF;
static bool arg_legend = true;
static bool arg_pager = true;
static bool arg_quiet = false;
static const char *arg_output = NULL;

static void help(void) {
        printf("Usage: damonctl [OPTIONS...] [VERB] [ARGS...]\n\n"
               "Show and control damond, the DAMON policy daemon.\n\n"
               "Verbs:\n"
               "  status [PROFILE...]    Show damond and its profiles (the default)\n"
               "  list                   List the profiles: state, kdamond, operations, applied\n"
               "  show [PROFILE]         Show every property of a profile (or of damond) as Key=value\n"
               "  features               Show the DAMON features of the running kernel\n"
               "  validate [FILE...]     Check profile files (or the installed configuration)\n"
               "  reload                 Reload the configuration (root)\n"
               "  start PROFILE          Start a stopped, failed or blocked profile (root)\n"
               "  stop PROFILE           Stop a running profile (root)\n"
               "  metrics                Print the metrics in the Prometheus text format\n"
               "  report wss|heatmap|footprint [PROFILE]\n"
               "                         What the access snapshots say over time\n\n"
               "Options:\n"
               "  -h --help              Show this help and exit\n"
               "     --version           Show the version and exit\n"
               "     --json=MODE         Print JSON: pretty (as bare --json), short (one line) or off\n"
               "                         (status, list, show, features, validate, reload, report)\n"
               "     --no-pager          Do not pipe the output into a pager\n"
               "     --no-legend         Print tables without their header and count line\n"
               "  -q --quiet             Print no warnings or notes when reload or validate succeeds\n"
               "     --output=FILE       report heatmap: write an image (FILE.png or FILE.svg, gnuplot)\n\n"
               "Exit status: 0 ok, 1 failure or invalid configuration, 2 usage error,\n"
               "3 damond is not running, 4 access denied. See damonctl(1).\n");
}

static int usage_error(const char *fmt, ...) _printf_(1, 2);
static int usage_error(const char *fmt, ...) {
        va_list ap;

        fputs("damonctl: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputs("\nTry 'damonctl --help' for more information.\n", stderr);
        return EXIT_USAGE;
}

static uint64_t now_usec(void) {
        struct timespec ts;

        (void) clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000;
}

static bool color_wanted(void) {
        const char *term = getenv("TERM");

        return isatty(STDOUT_FILENO) && !getenv("NO_COLOR") && !(term && streq(term, "dumb"));
}

/* -1: decide by stdout when the output is formatted; set in main() before a pager takes stdout */
static int fmt_color = -1;

static CtlFormat make_format(void) {
        return (CtlFormat) {
                .now_usec = now_usec(),
                .color = fmt_color >= 0 ? fmt_color : color_wanted(),
                .legend = arg_legend,
        };
}

/* One line on stderr for a failed call, and the exit code it means. */
static int bus_failure(const char *verb, int r, const sd_bus_error *error) {
        if (sd_bus_error_has_names(error, SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER)) {
                fprintf(stderr, "damonctl: damond is not running (%s has no owner on the system bus).\n",
                        DAMOND_BUS_NAME);
                return EXIT_NOT_RUNNING;
        }
        if (sd_bus_error_has_names(error, SD_BUS_ERROR_ACCESS_DENIED,
                                   SD_BUS_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED)) {
                const char *what = streq(verb, "reload") ? "reload damond" :
                                   streq(verb, "start") ? "start profiles" :
                                   streq(verb, "stop") ? "stop profiles" : "do this";

                fprintf(stderr, "damonctl: %s: Access denied: only root, or a user polkit authorizes for "
                        "org.damond1.manage, may %s.\n", verb, what);
                return EXIT_ACCESS_DENIED;
        }
        if (sd_bus_error_is_set(error) && error->message)
                fprintf(stderr, "damonctl: %s: %s\n", verb, error->message);
        else
                fprintf(stderr, "damonctl: %s: %s\n", verb, strerror(-r));
        return EXIT_FAIL;
}

static int print_json(json_object *o) {
        int r;

        if (!o) {
                fprintf(stderr, "damonctl: out of memory.\n");
                return EXIT_FAIL;
        }
        r = ctl_print_json(stdout, o, arg_json == JSON_PRETTY);
        json_object_put(o);
        return r < 0 ? EXIT_FAIL : EXIT_OK;
}

static int render_result(const char *verb, int r) {
        if (r == -ENOMEM)
                fprintf(stderr, "damonctl: %s: out of memory.\n", verb);
        return r < 0 ? EXIT_FAIL : EXIT_OK;
}

static int read_manager(sd_bus *bus, const char *verb, bool profiles, CtlManager *m) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        int r, ret = EXIT_OK;

        r = ctl_bus_read_manager(bus, profiles, m, &error);
        if (r < 0)
                ret = bus_failure(verb, r, &error);
        sd_bus_error_free(&error);
        return ret;
}

static int verb_status(sd_bus *bus, char **args) {
        _cleanup_(ctl_manager_done) CtlManager m = {};
        CtlFormat fmt = make_format();
        int ret;

        ret = read_manager(bus, "status", true, &m);
        if (ret != EXIT_OK)
                return ret;
        for (char **a = args; a && *a; a++)
                if (!ctl_manager_find_profile(&m, *a)) {
                        fprintf(stderr, "damonctl: status: no profile named '%s'.\n", *a);
                        return EXIT_FAIL;
                }
        if (arg_json)
                return print_json(ctl_json_status(&m, args));
        return render_result("status", ctl_print_status(stdout, &m, args, &fmt));
}

static int verb_list(sd_bus *bus, char **args) {
        _cleanup_(ctl_manager_done) CtlManager m = {};
        CtlFormat fmt = make_format();
        int ret;

        ret = read_manager(bus, "list", true, &m);
        if (ret != EXIT_OK)
                return ret;
        if (arg_json)
                return print_json(ctl_json_list(&m));
        return render_result("list", ctl_print_list(stdout, &m, &fmt));
}

static int verb_features(sd_bus *bus, char **args) {
        _cleanup_(ctl_manager_done) CtlManager m = {};
        CtlFormat fmt = make_format();
        int ret;

        ret = read_manager(bus, "features", false, &m);
        if (ret != EXIT_OK)
                return ret;
        if (arg_json)
                return print_json(ctl_json_features(&m));
        return render_result("features", ctl_print_features(stdout, &m, &fmt));
}

static int verb_show(sd_bus *bus, char **args) {
        _cleanup_(ctl_manager_done) CtlManager m = {};
        _cleanup_(ctl_profile_done) CtlProfile p = {};
        sd_bus_error error = SD_BUS_ERROR_NULL;
        const CtlProfile *found;
        int r, ret;

        ret = read_manager(bus, "show", false, &m);
        if (ret != EXIT_OK)
                return ret;
        if (!args[0]) {
                if (arg_json)
                        return print_json(ctl_json_manager(&m));
                return render_result("show", ctl_print_show_manager(stdout, &m));
        }
        found = ctl_manager_find_profile(&m, args[0]);
        if (!found) {
                fprintf(stderr, "damonctl: show: no profile named '%s'.\n", args[0]);
                return EXIT_FAIL;
        }
        r = ctl_bus_read_profile(bus, found->object_path, &p, &error);
        if (r < 0) {
                ret = bus_failure("show", r, &error);
                sd_bus_error_free(&error);
                return ret;
        }
        if (arg_json)
                return print_json(ctl_json_profile(&p));
        return render_result("show", ctl_print_show_profile(stdout, &p));
}

/* Prints the diagnostics of Reload or Validate; 1 when the configuration is not valid. */
static int print_validation(const char *verb, const CtlValidation *v) {
        size_t n = strv_length(v->diagnostics);

        if (arg_json) {
                int ret = print_json(ctl_json_validation(v));

                return ret != EXIT_OK ? ret : v->valid ? EXIT_OK : EXIT_FAIL;
        }
        if (arg_quiet && v->valid)
                return EXIT_OK;
        if (ctl_print_validation(stdout, v) < 0)
                return EXIT_FAIL;
        if (!v->valid) {
                fprintf(stderr, "damonctl: %s: the configuration has errors%s.\n", verb,
                        n > 0 ? " (above)" : "");
                return EXIT_FAIL;
        }
        return EXIT_OK;
}

static int verb_reload(sd_bus *bus, char **args) {
        _cleanup_(ctl_validation_done) CtlValidation v = {};
        sd_bus_error error = SD_BUS_ERROR_NULL;
        int r, ret;

        r = ctl_bus_reload(bus, &v, &error);
        if (r < 0) {
                ret = bus_failure("reload", r, &error);
                sd_bus_error_free(&error);
                return ret;
        }
        return print_validation("reload", &v);
}

static int read_file(const char *path, char **ret) {
        _cleanup_fclose_ FILE *f = NULL;
        _cleanup_free_ char *buf = NULL;
        size_t n;

        f = fopen(path, "re");
        if (!f)
                return -errno;
        buf = malloc(VALIDATE_FILE_MAX + 1);
        if (!buf)
                return -ENOMEM;
        n = fread(buf, 1, VALIDATE_FILE_MAX + 1, f);
        if (ferror(f))
                return -EIO;
        if (n > VALIDATE_FILE_MAX)
                return -EFBIG;
        if (memchr(buf, '\0', n))
                return -EBADMSG;
        buf[n] = '\0';
        *ret = TAKE_PTR(buf);
        return 0;
}

/* damond names a file by the name it was sent as, NAME.conf; the user named it by the path given. */
static int diagnostics_to_paths(char **diagnostics, char * const *names, char * const *paths, size_t n) {
        for (char **d = diagnostics; d && *d; d++) {
                size_t skip = strneq(*d, "note: ", 6) ? 6 : 0;

                for (size_t i = 0; i < n; i++) {
                        _cleanup_free_ char *path = NULL;
                        size_t len = strlen(names[i]);
                        char *t;

                        if (names[i] == paths[i] || !strneq(*d + skip, names[i], len) ||
                            (*d)[skip + len] != ':')
                                continue;
                        path = string_escape(paths[i]);    /* shown on a terminal */
                        if (!path || asprintf(&t, "%.*s%s%s", (int) skip, *d, path, *d + skip + len) < 0)
                                return -ENOMEM;
                        free(*d);
                        *d = t;
                        break;
                }
        }
        return 0;
}

static int verb_validate(sd_bus *bus, char **args) {
        _cleanup_(ctl_validation_done) CtlValidation v = {};
        sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_free_ char **names = NULL;
        size_t n = 0;
        char **contents;
        int r, ret;

        for (; args[n]; n++)
                ;
        names = calloc(n + 1, sizeof(char *));
        contents = calloc(n + 1, sizeof(char *));
        if (!names || !contents) {
                free(contents);
                fprintf(stderr, "damonctl: validate: out of memory.\n");
                return EXIT_FAIL;
        }
        for (size_t i = 0; i < n; i++) {
                /* damond takes profile file names (NAME.conf) and never opens a path of the caller's */
                names[i] = basename(args[i]);
                for (size_t j = 0; j < i; j++)
                        if (streq(names[i], names[j])) {
                                fprintf(stderr, "damonctl: validate: %s and %s have the same name; validate "
                                        "them one at a time.\n", args[j], args[i]);
                                strv_freep(&contents);
                                return EXIT_FAIL;
                        }
                r = read_file(args[i], &contents[i]);
                if (r < 0) {
                        fprintf(stderr, "damonctl: validate: cannot read %s: %s\n", args[i],
                                r == -EBADMSG ? "it is not a text file" : strerror(-r));
                        strv_freep(&contents);
                        return EXIT_FAIL;
                }
        }
        r = ctl_bus_validate(bus, names, contents, n, &v, &error);
        strv_freep(&contents);
        if (r < 0) {
                ret = bus_failure("validate", r, &error);
                sd_bus_error_free(&error);
                return ret;
        }
        if (diagnostics_to_paths(v.diagnostics, names, args, n) < 0) {
                fprintf(stderr, "damonctl: validate: out of memory.\n");
                return EXIT_FAIL;
        }
        return print_validation("validate", &v);
}

static int profile_method(sd_bus *bus, const char *verb, const char *name) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        int r, ret = EXIT_OK;

        if (streq(verb, "start"))
                r = ctl_bus_start_profile(bus, name, &error);
        else
                r = ctl_bus_stop_profile(bus, name, &error);
        if (r < 0)
                ret = bus_failure(verb, r, &error);
        sd_bus_error_free(&error);
        return ret;
}

static int verb_start(sd_bus *bus, char **args) {
        return profile_method(bus, "start", args[0]);
}

static int verb_stop(sd_bus *bus, char **args) {
        return profile_method(bus, "stop", args[0]);
}

static int verb_metrics(sd_bus *bus, char **args) {
        sd_bus_error error = SD_BUS_ERROR_NULL;
        _cleanup_free_ char *text = NULL;
        int r, ret;

        r = ctl_bus_get_metrics(bus, &text, &error);
        if (r < 0) {
                ret = bus_failure("metrics", r, &error);
                sd_bus_error_free(&error);
                return ret;
        }
        /* damond wrote it: the label values are escaped, and a terminal shows them as they are */
        fputs(text, stdout);
        return EXIT_OK;
}

static bool endswith(const char *s, const char *suffix) {
        size_t a = strlen(s), b = strlen(suffix);

        return a >= b && streq(s + a - b, suffix);
}

/* The profile a report is of when none is named: the first running one that has snapshots. */
static int default_report_profile(sd_bus *bus, char **ret) {
        _cleanup_(ctl_manager_done) CtlManager m = {};
        sd_bus_error error = SD_BUS_ERROR_NULL;
        int r;

        r = ctl_bus_read_manager(bus, true, &m, &error);
        if (r < 0) {
                r = bus_failure("report", r, &error);
                sd_bus_error_free(&error);
                return -r;
        }
        for (size_t i = 0; i < m.n_profiles; i++)
                if (m.profiles[i].observe.n_held > 0) {
                        *ret = strdup(m.profiles[i].name);
                        if (!*ret)
                                return -EXIT_FAIL;
                        return 0;
                }
        fprintf(stderr, "damonctl: report: no profile has access snapshots (damonctl status says why).\n");
        return -EXIT_FAIL;
}

/* gnuplot draws the image (gnuplot-nox); the script comes on its standard input */
static int heatmap_image(const CtlReport *rep, const char *output) {
        FILE *gp;
        int r, status;

        gp = popen("gnuplot", "we");
        if (!gp) {
                fprintf(stderr, "damonctl: report: cannot run gnuplot: %m\n");
                return EXIT_FAIL;
        }
        r = ctl_report_heatmap_gnuplot(gp, rep, output);
        status = pclose(gp);
        if (r < 0) {
                fprintf(stderr, "damonctl: report: %s\n", strerror(-r));
                return EXIT_FAIL;
        }
        if (status != 0) {
                fprintf(stderr, "damonctl: report: gnuplot failed (%s); is gnuplot installed?\n",
                        WIFEXITED(status) ? "exit status" : "signal");
                return EXIT_FAIL;
        }
        if (!arg_quiet)
                fprintf(stderr, "Wrote %s.\n", output);
        return EXIT_OK;
}

static int verb_report(sd_bus *bus, char **args) {
        _cleanup_free_ char *name = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        AccessSnapshot *snaps = NULL;
        CtlReport rep;
        size_t n = 0;
        int r, ret;

        if (!streq(args[0], "wss") && !streq(args[0], "heatmap") && !streq(args[0], "footprint"))
                return usage_error("report: unknown report '%s' (wss, heatmap or footprint).", args[0]);
        if (arg_output && !streq(args[0], "heatmap"))
                return usage_error("report %s: --output= is for heatmap only.", args[0]);
        if (arg_output && !endswith(arg_output, ".png") && !endswith(arg_output, ".svg"))
                return usage_error("--output=%s: the file name must end in .png or .svg.", arg_output);
        if (args[1])
                name = strdup(args[1]);
        else {
                r = default_report_profile(bus, &name);
                if (r < 0)
                        return -r;
        }
        if (!name) {
                fprintf(stderr, "damonctl: out of memory.\n");
                return EXIT_FAIL;
        }
        r = ctl_bus_get_snapshots(bus, name, &snaps, &n, &error);
        if (r < 0) {
                if (sd_bus_error_has_names(&error, SD_BUS_ERROR_UNKNOWN_OBJECT, SD_BUS_ERROR_UNKNOWN_METHOD)) {
                        fprintf(stderr, "damonctl: report: no profile '%s'.\n", name);
                        ret = EXIT_FAIL;
                } else
                        ret = bus_failure("report", r, &error);
                sd_bus_error_free(&error);
                return ret;
        }
        rep = (CtlReport) {
                .profile = name, .snaps = snaps, .n = n, .now_usec = now_usec(),
                .json = arg_json == JSON_PRETTY ? 1 : arg_json == JSON_SHORT ? 2 : 0,
        };
        if (arg_output)
                ret = heatmap_image(&rep, arg_output);
        else {
                r = streq(args[0], "wss") ? ctl_report_wss(stdout, &rep) :
                    streq(args[0], "heatmap") ? ctl_report_heatmap(stdout, &rep) : ctl_report_footprint(stdout, &rep);
                if (r < 0)
                        fprintf(stderr, "damonctl: report: %s\n", strerror(-r));
                ret = r < 0 ? EXIT_FAIL : EXIT_OK;
        }
        for (size_t i = 0; i < n; i++)
                access_snapshot_done(&snaps[i]);
        free(snaps);
        return ret;
}

typedef struct Verb {
        const char *name;
        unsigned min_args, max_args;    /* after the verb */
        bool pager;                     /* its output may be longer than a screen */
        int (*run)(sd_bus *bus, char **args);
} Verb;

static const Verb verbs[] = {
        { "status",   0, UINT32_MAX, true,  verb_status   },
        { "list",     0, 0,          true,  verb_list     },
        { "show",     0, 1,          true,  verb_show     },
        { "features", 0, 0,          true,  verb_features },
        { "validate", 0, UINT32_MAX, false, verb_validate },
        { "reload",   0, 0,          false, verb_reload   },
        { "start",    1, 1,          false, verb_start    },
        { "stop",     1, 1,          false, verb_stop     },
        { "metrics",  0, 0,          false, verb_metrics  },
        { "report",   1, 2,          true,  verb_report   },
};

static int parse_argv(int argc, char *argv[]) {
        enum {
                ARG_VERSION = 0x100,
                ARG_JSON,
                ARG_NO_LEGEND,
                ARG_NO_PAGER,
                ARG_OUTPUT,
        };
        static const struct option options[] = {
                { "help",      no_argument,       NULL, 'h'           },
                { "version",   no_argument,       NULL, ARG_VERSION   },
                { "json",      optional_argument, NULL, ARG_JSON      },
                { "no-legend", no_argument,       NULL, ARG_NO_LEGEND },
                { "no-pager",  no_argument,       NULL, ARG_NO_PAGER  },
                { "quiet",     no_argument,       NULL, 'q'           },
                { "output",    required_argument, NULL, ARG_OUTPUT    },
                {}
        };
        int c;

        opterr = 0;
        while ((c = getopt_long(argc, argv, "hq", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("damonctl %s\n", DAMOND_VERSION);
                        return 0;
                case ARG_JSON:
                        /* bare --json is pretty, as it always was; systemd spells the modes alike */
                        if (!optarg || streq(optarg, "pretty"))
                                arg_json = JSON_PRETTY;
                        else if (streq(optarg, "short"))
                                arg_json = JSON_SHORT;
                        else if (streq(optarg, "off"))
                                arg_json = JSON_OFF;
                        else
                                return -usage_error("--json: unknown mode '%s' (pretty, short or off).", optarg);
                        break;
                case ARG_NO_LEGEND:
                        arg_legend = false;
                        break;
                case ARG_NO_PAGER:
                        arg_pager = false;
                        break;
                case 'q':
                        arg_quiet = true;
                        break;
                case ARG_OUTPUT:
                        arg_output = optarg;
                        break;
                case '?':
                        if (optopt)
                                return -usage_error("invalid option -- '%c'", optopt);
                        return -usage_error("unrecognized option '%s'", argv[optind - 1]);
                default:
                        abort();
                }
        return 1;
}

int main(int argc, char *argv[]) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        const Verb *verb = NULL;
        const char *name;
        unsigned n_args;
        int r;

        r = parse_argv(argc, argv);
        if (r <= 0)
                return -r;

        name = optind < argc ? argv[optind] : "status";
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (streq(verbs[i].name, name))
                        verb = &verbs[i];
        if (!verb)
                return usage_error("unknown verb '%s'.", name);
        n_args = optind < argc ? (unsigned) (argc - optind - 1) : 0;
        if (n_args < verb->min_args)
                return usage_error("%s: missing the profile name.", verb->name);
        if (n_args > verb->max_args)
                return usage_error("%s: too many arguments.", verb->name);

        r = sd_bus_open_system(&bus);
        if (r < 0) {
                fprintf(stderr, "damonctl: cannot connect to the system bus: %s\n", strerror(-r));
                return EXIT_FAIL;
        }
        if (verb->pager && arg_pager) {
                /* the colors are decided on the terminal, before stdout becomes the pager's pipe */
                fmt_color = color_wanted();
                r = pager_open();
                if (r < 0)
                        fprintf(stderr, "damonctl: cannot start the pager, printing without: %s\n",
                                strerror(-r));
        }
        r = verb->run(bus, optind < argc ? argv + optind + 1 : argv + argc);
        if (fflush(stdout) != 0 || ferror(stdout)) {
                fprintf(stderr, "damonctl: cannot write the output: %s\n", strerror(errno));
                pager_close();
                return EXIT_FAIL;
        }
        pager_close();
        return r;
}

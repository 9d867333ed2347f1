/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * damond's metrics in the Prometheus text exposition format (version 0.0.4, which OpenMetrics parsers
 * read too): per profile what DAMON sees (working set, idle-time percentiles, snapshots), what its
 * schemes did (the kernel's counters, quotas, goals, tuning state), what damond saved (savings.h
 * counters of the profile's cgroup or of the machine), and damond's own CPU time and resident memory.
 * The names and units are documented in damond(8), METRICS; `damonctl metrics` prints the same text
 * (org.damond1.Observe.GetMetrics on /org/damond1), and MetricsDirectory= (damond.conf) has damond
 * write it to DIR/damond.prom every StatusInterval= for node_exporter's textfile collector.
 *
 * Values that are not known (no snapshot yet, a kernel without the counter) are left out rather than
 * written as NaN. Label values are escaped (backslash, double quote, newline), since profile, scheme
 * and cgroup names come from files.
 */

#include <stdint.h>
#include <stdio.h>

#include "manager.h"

/* Writes the exposition of @m to @f. 0, or -errno of the stream (-ENOMEM, -EIO). */
int manager_metrics_format(Manager *m, FILE *f);
/* The same as a string. -ENOMEM. */
int manager_metrics_to_string(Manager *m, char **ret);

/* Writes DIR/damond.prom atomically: a temporary file in DIR (".damond.prom.tmp", which the textfile
 * collector ignores, since it reads only *.prom) with mode 0644, renamed over the old one. 0 or -errno. */
int manager_metrics_write(Manager *m, const char *dir);

/* The escaped form of a label value (\\ for \, \" for ", \n for a newline) into @f. */
void metrics_write_label_value(FILE *f, const char *v);

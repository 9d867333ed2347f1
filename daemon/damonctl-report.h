/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * damonctl report: what the access snapshots damond keeps (org.damond1.Observe.GetSnapshots) say over
 * time, computed by damonctl from the regions (policies/access-stats.c, pure arithmetic):
 *   wss        the working set of each snapshot (bytes accessed within OBSERVE's 10 s window, or one
 *              aggregation interval if longer) and its distribution over the snapshots;
 *   heatmap    address x time: the access frequency of the bytes of each cell, shaded in the terminal
 *              with a legend, or written as an image through gnuplot;
 *   footprint  the monitored bytes of each snapshot by idle time: accessed in the last aggregation,
 *              idle under 10 s, 10 s to 1 min, 1 to 10 min, 10 min or more.
 * Every report also comes as one JSON object (@json: 0 text, 1 pretty, 2 short).
 */

#include <stdbool.h>
#include <stdio.h>

#include "damon-snapshot.h"

#define CTL_REPORT_WSS_WINDOW_USEC (10 * UINT64_C(1000000))

typedef struct CtlReport {
        const char *profile;
        const AccessSnapshot *snaps;    /* oldest first */
        size_t n;
        uint64_t now_usec;              /* CLOCK_REALTIME, for "ago" */
        int json;                       /* 0 text, 1 pretty, 2 short */
        size_t rows, cols;              /* heatmap: time rows and address columns */
} CtlReport;

int ctl_report_wss(FILE *f, const CtlReport *r);
int ctl_report_footprint(FILE *f, const CtlReport *r);
int ctl_report_heatmap(FILE *f, const CtlReport *r);
/* The gnuplot script (data inline) that draws the heat map into @output (its name ends in .png or
 * .svg: pngcairo or svg terminal). -EINVAL for another extension. */
int ctl_report_heatmap_gnuplot(FILE *f, const CtlReport *r, const char *output);

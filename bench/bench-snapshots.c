/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The memory ceiling of damond's snapshot history, counted, not timed (docs/benchmarks.md): for each
 * SnapshotInterval= and region count, an hour of snapshots is pushed into an AccessRing with the default
 * SnapshotHistoryMax= (4M) and with 64M; printed are the snapshots kept, the bytes the ring charges
 * (access_snapshot_footprint: what SnapshotHistoryMax= bounds), the bytes malloc really holds for them
 * (mallinfo2's uordblks + hblkhd before and after: allocator overhead and the ring's fixed slot array
 * included), and the hours of history
 * that fit. One profile; with N profiles damond holds N rings.
 *
 *   bench-snapshots
 */
#include <inttypes.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>

#include "access-stats.h"

/* in use from the heap, plus blocks malloc mmapped (large ones, such as the ring's slot array) */
static size_t heap_in_use(void) {
        struct mallinfo2 mi = mallinfo2();

        return mi.uordblks + mi.hblkhd;
}

static void run(uint64_t interval_s, size_t n_regions, size_t max_bytes) {
        size_t n_push = 3600 / interval_s, before, after;
        AccessRing ring;

        before = heap_in_use();
        if (access_ring_init(&ring, 3600, max_bytes) < 0)
                abort();
        for (size_t i = 0; i < n_push; i++) {
                AccessSnapshot s = { .time_usec = i * interval_s * 1000000, .sample_us = 5000, .aggr_us = 100000,
                                     .n_regions = n_regions };

                s.regions = calloc(n_regions, sizeof(AccessRegion));
                if (!s.regions)
                        abort();
                for (size_t k = 0; k < n_regions; k++)
                        s.regions[k] = (AccessRegion) { .start = k << 20, .end = (k + 1) << 20 };
                if (access_ring_push(&ring, &s) < 0)
                        abort();
        }
        after = heap_in_use();
        printf("%5" PRIu64 "s %7zu %6zuM %6zu %12zu %12zu %8.2fh\n", interval_s, n_regions, max_bytes >> 20,
               access_ring_size(&ring), ring.bytes, after - before,
               (double) access_ring_size(&ring) * (double) interval_s / 3600.0);
        access_ring_done(&ring);
}

int main(void) {
        static const uint64_t intervals[] = { 1, 5, 30 };
        static const size_t regions[] = { 10, 1000, 10000 };
        static const size_t ceilings[] = { 4 << 20, 64 << 20 };

        printf("%6s %7s %7s %6s %12s %12s %9s\n", "every", "regions", "max", "kept", "charged", "malloc", "history");
        for (size_t c = 0; c < 2; c++)
                for (size_t i = 0; i < 3; i++)
                        for (size_t r = 0; r < 3; r++)
                                run(intervals[i], regions[r], ceilings[c]);
        return 0;
}

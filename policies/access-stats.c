/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>

#include "access-stats.h"

const unsigned access_percentiles[ACCESS_N_PERCENTILES] = { 10, 25, 50, 75, 90, 95, 99 };

/* The snapshot's own helpers (damon-snapshot.h) live here, not beside the worker, so that damonctl can
 * link this file (pure arithmetic) for its reports without the kernel layer. */
void access_snapshot_done(AccessSnapshot *s) {
        if (!s)
                return;
        s->regions = mfree(s->regions);
        s->n_regions = 0;
}

int access_snapshot_copy(const AccessSnapshot *s, AccessSnapshot *ret) {
        AccessSnapshot c = *s;

        c.regions = NULL;
        if (s->n_regions > 0) {
                c.regions = malloc(s->n_regions * sizeof(AccessRegion));
                if (!c.regions)
                        return -ENOMEM;
                memcpy(c.regions, s->regions, s->n_regions * sizeof(AccessRegion));
        }
        *ret = c;
        return 0;
}

size_t access_snapshot_footprint(const AccessSnapshot *s) {
        return sizeof(AccessSnapshot) + s->n_regions * sizeof(AccessRegion);
}


static uint64_t mul_sat(uint64_t a, uint64_t b) {
        uint64_t r;

        if (__builtin_mul_overflow(a, b, &r))
                return UINT64_MAX;
        return r;
}

static uint64_t add_sat(uint64_t a, uint64_t b) {
        return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

uint64_t access_region_size(const AccessRegion *r) {
        return r->end > r->start ? r->end - r->start : 0;
}

uint64_t access_region_idle_usec(const AccessRegion *r, uint64_t aggr_us) {
        if (r->nr_accesses > 0)
                return 0;
        return mul_sat(r->age, aggr_us);
}

uint64_t access_snapshot_total_bytes(const AccessSnapshot *s) {
        uint64_t total = 0;

        for (size_t i = 0; i < s->n_regions; i++)
                total = add_sat(total, access_region_size(&s->regions[i]));
        return total;
}

int access_snapshot_wss(const AccessSnapshot *s, uint64_t window_usec, uint64_t *ret_bytes,
                        uint64_t *ret_window_usec) {
        uint64_t wss = 0, window;

        if (s->aggr_us == 0)
                return -EINVAL;
        window = MAX(window_usec, s->aggr_us);
        for (size_t i = 0; i < s->n_regions; i++) {
                const AccessRegion *r = &s->regions[i];

                /* accessed in the last aggregation, or idle for less than the window */
                if (r->nr_accesses > 0 || access_region_idle_usec(r, s->aggr_us) < window)
                        wss = add_sat(wss, access_region_size(r));
        }
        if (ret_bytes)
                *ret_bytes = wss;
        if (ret_window_usec)
                *ret_window_usec = window;
        return 0;
}

typedef struct IdleSpan {
        uint64_t idle_usec, size;
} IdleSpan;

static int idle_span_cmp(const void *a, const void *b) {
        const IdleSpan *x = a, *y = b;

        return x->idle_usec < y->idle_usec ? -1 : x->idle_usec > y->idle_usec;
}

int access_snapshot_idle_percentiles(const AccessSnapshot *s, const unsigned *pcts, size_t n_pcts,
                                     uint64_t *ret_usec) {
        _cleanup_free_ IdleSpan *spans = NULL;
        uint64_t total = 0;
        size_t n = 0;

        if (s->aggr_us == 0)
                return -EINVAL;
        for (size_t k = 0; k < n_pcts; k++)
                if (pcts[k] > 100)
                        return -EINVAL;
        if (s->n_regions == 0)
                return -ENODATA;
        spans = calloc(s->n_regions, sizeof(IdleSpan));
        if (!spans)
                return -ENOMEM;
        for (size_t i = 0; i < s->n_regions; i++) {
                uint64_t sz = access_region_size(&s->regions[i]);

                if (sz == 0)
                        continue;
                spans[n++] = (IdleSpan) { access_region_idle_usec(&s->regions[i], s->aggr_us), sz };
                total = add_sat(total, sz);
        }
        if (total == 0)
                return -ENODATA;
        qsort(spans, n, sizeof(IdleSpan), idle_span_cmp);

        for (size_t k = 0; k < n_pcts; k++) {
                /* the first byte at or past p% of the total: done in 128 bits so that a machine's worth
                 * of bytes times 100 does not overflow */
                unsigned __int128 want = (unsigned __int128) total * pcts[k];
                unsigned __int128 acc = 0;
                size_t i;

                for (i = 0; i < n; i++) {
                        acc += (unsigned __int128) spans[i].size * 100;
                        if (acc >= want && acc > 0)
                                break;
                }
                ret_usec[k] = spans[MIN(i, n - 1)].idle_usec;
        }
        return 0;
}

uint64_t access_snapshot_bandwidth(const AccessSnapshot *s) {
        unsigned __int128 events = 0, bw;

        if (s->aggr_us == 0)
                return 0;
        for (size_t i = 0; i < s->n_regions; i++)
                events += (unsigned __int128) access_region_size(&s->regions[i]) * s->regions[i].nr_accesses;
        bw = events * 1000000 / s->aggr_us;
        return bw > UINT64_MAX ? UINT64_MAX : (uint64_t) bw;
}

uint64_t access_region_freq_bp(const AccessRegion *r, uint64_t sample_us, uint64_t aggr_us) {
        uint64_t max_nr;

        if (sample_us == 0 || aggr_us == 0)
                return 0;
        max_nr = MAX(aggr_us / sample_us, UINT64_C(1));
        return MIN(mul_sat(r->nr_accesses, 10000) / max_nr, UINT64_C(10000));
}

int access_heatmap(const AccessSnapshot *snaps, size_t n, size_t n_time, size_t n_addr, int32_t **ret_cells,
                   uint64_t *ret_addr_min, uint64_t *ret_addr_max) {
        _cleanup_free_ int32_t *cells = NULL;
        _cleanup_free_ unsigned __int128 *weight = NULL, *sum = NULL;
        uint64_t lo = UINT64_MAX, hi = 0, t0, t1, span;
        size_t ncells;

        if (n_time == 0 || n_addr == 0 || n_time > 4096 || n_addr > 4096)
                return -EINVAL;
        for (size_t k = 0; k < n; k++)
                for (size_t i = 0; i < snaps[k].n_regions; i++) {
                        const AccessRegion *r = &snaps[k].regions[i];

                        if (r->end <= r->start)
                                continue;
                        lo = MIN(lo, r->start);
                        hi = MAX(hi, r->end);
                }
        if (hi <= lo)
                return -ENODATA;

        ncells = n_time * n_addr;
        cells = calloc(ncells, sizeof(int32_t));
        weight = calloc(ncells, sizeof(unsigned __int128));
        sum = calloc(ncells, sizeof(unsigned __int128));
        if (!cells || !weight || !sum)
                return -ENOMEM;

        t0 = snaps[0].time_usec;
        t1 = snaps[n - 1].time_usec;
        span = hi - lo;
        for (size_t k = 0; k < n; k++) {
                const AccessSnapshot *s = &snaps[k];
                size_t row = 0;

                if (t1 > t0 && s->time_usec > t0)
                        row = MIN((size_t) ((unsigned __int128) (s->time_usec - t0) * n_time / (t1 - t0)),
                                  n_time - 1);
                for (size_t i = 0; i < s->n_regions; i++) {
                        const AccessRegion *r = &s->regions[i];
                        uint64_t freq = access_region_freq_bp(r, s->sample_us, s->aggr_us);
                        size_t c0, c1;

                        if (r->end <= r->start)
                                continue;
                        c0 = (size_t) ((unsigned __int128) (r->start - lo) * n_addr / span);
                        c1 = (size_t) (((unsigned __int128) (r->end - lo) * n_addr + span - 1) / span);
                        c1 = MIN(c1, n_addr);
                        for (size_t c = c0; c < c1; c++) {
                                /* the bytes of the region inside column c */
                                uint64_t cs = lo + (uint64_t) ((unsigned __int128) span * c / n_addr);
                                uint64_t ce = lo + (uint64_t) ((unsigned __int128) span * (c + 1) / n_addr);
                                uint64_t a = MAX(cs, r->start), b = MIN(ce, r->end);

                                if (b <= a)
                                        continue;
                                weight[row * n_addr + c] += b - a;
                                sum[row * n_addr + c] += (unsigned __int128) (b - a) * freq;
                        }
                }
        }
        for (size_t i = 0; i < ncells; i++)
                cells[i] = weight[i] == 0 ? -1 : (int32_t) (sum[i] / weight[i]);

        *ret_cells = TAKE_PTR(cells);
        if (ret_addr_min)
                *ret_addr_min = lo;
        if (ret_addr_max)
                *ret_addr_max = hi;
        return 0;
}

int access_ring_init(AccessRing *r, size_t max_snapshots, size_t max_bytes) {
        *r = (AccessRing) { .max_bytes = max_bytes };
        if (max_snapshots == 0)
                return -EINVAL;
        r->snaps = calloc(max_snapshots, sizeof(AccessSnapshot));
        if (!r->snaps)
                return -ENOMEM;
        r->cap = max_snapshots;
        return 0;
}

static void ring_drop_oldest(AccessRing *r) {
        AccessSnapshot *s = &r->snaps[r->head];

        r->bytes -= access_snapshot_footprint(s);
        access_snapshot_done(s);
        r->head = (r->head + 1) % r->cap;
        r->n--;
        r->n_dropped++;
}

void access_ring_done(AccessRing *r) {
        if (!r || !r->snaps)
                return;
        while (r->n > 0)
                ring_drop_oldest(r);
        r->snaps = mfree(r->snaps);
        r->cap = 0;
}

int access_ring_push(AccessRing *r, AccessSnapshot *s) {
        size_t sz = access_snapshot_footprint(s);

        if (sz > r->max_bytes)
                return -E2BIG;
        while (r->n > 0 && (r->n == r->cap || r->bytes + sz > r->max_bytes))
                ring_drop_oldest(r);
        r->snaps[(r->head + r->n) % r->cap] = *s;
        *s = (AccessSnapshot) {};
        r->n++;
        r->bytes += sz;
        r->n_pushed++;
        return 0;
}

size_t access_ring_size(const AccessRing *r) {
        return r->n;
}

const AccessSnapshot *access_ring_get(const AccessRing *r, size_t i) {
        if (i >= r->n)
                return NULL;
        return &r->snaps[(r->head + i) % r->cap];
}

const AccessSnapshot *access_ring_newest(const AccessRing *r) {
        return r->n > 0 ? access_ring_get(r, r->n - 1) : NULL;
}

static const char *const savings_action_table[_SAVINGS_ACTION_MAX] = {
        [SAVINGS_ACTION_PAGEOUT] = "pageout",
        [SAVINGS_ACTION_COLD] = "cold",
        [SAVINGS_ACTION_HOT] = "hot",
        [SAVINGS_ACTION_MIGRATE] = "migrate",
        [SAVINGS_ACTION_HUGEPAGE] = "hugepage",
        [SAVINGS_ACTION_STAT] = "stat",
};

const char *savings_action_to_string(SavingsAction a) {
        if (a < 0 || a >= _SAVINGS_ACTION_MAX)
                return NULL;
        return savings_action_table[a];
}

SavingsAction savings_action_of(DamosAction a) {
        switch (a) {
        case DAMOS_ACTION_PAGEOUT:
                return SAVINGS_ACTION_PAGEOUT;
        case DAMOS_ACTION_COLD:
        case DAMOS_ACTION_LRU_DEPRIO:
                return SAVINGS_ACTION_COLD;
        case DAMOS_ACTION_WILLNEED:
        case DAMOS_ACTION_LRU_PRIO:
                return SAVINGS_ACTION_HOT;
        case DAMOS_ACTION_MIGRATE_HOT:
        case DAMOS_ACTION_MIGRATE_COLD:
                return SAVINGS_ACTION_MIGRATE;
        case DAMOS_ACTION_HUGEPAGE:
        case DAMOS_ACTION_NOHUGEPAGE:
                return SAVINGS_ACTION_HUGEPAGE;
        case DAMOS_ACTION_STAT:
                return SAVINGS_ACTION_STAT;
        default:
                return _SAVINGS_ACTION_INVALID;
        }
}

/* A cumulative counter's growth; a counter that went back was reset, and counts from 0. */
static uint64_t counter_delta(uint64_t then, uint64_t now) {
        return now >= then ? now - then : now;
}

int savings_delta(const SavingsSample *then, const SavingsSample *now, SavingsDelta *ret) {
        SavingsDelta d = {};
        uint64_t page = now->page_size ? now->page_size : 4096;

        if (now->time_usec < then->time_usec)
                return -EINVAL;
        d.duration_usec = now->time_usec - then->time_usec;
        for (size_t a = 0; a < _SAVINGS_ACTION_MAX; a++)
                d.applied_bytes[a] = counter_delta(then->applied_bytes[a], now->applied_bytes[a]);
        d.has_refaults = then->has_refaults && now->has_refaults;
        if (d.has_refaults)
                d.refault_bytes = mul_sat(counter_delta(then->refaults, now->refaults), page);
        d.has_swapins = then->has_swapins && now->has_swapins;
        if (d.has_swapins)
                d.swapin_bytes = mul_sat(counter_delta(then->swapins, now->swapins), page);
        d.has_swapouts = then->has_swapouts && now->has_swapouts;
        if (d.has_swapouts)
                d.swapout_bytes = mul_sat(counter_delta(then->swapouts, now->swapouts), page);
        d.has_cpu = then->has_cpu && now->has_cpu;
        if (d.has_cpu) {
                d.kdamond_cpu_usec = counter_delta(then->kdamond_cpu_usec, now->kdamond_cpu_usec);
                if (d.duration_usec > 0)
                        d.cpu_permyriad = (uint64_t) ((unsigned __int128) d.kdamond_cpu_usec * 10000 /
                                                      d.duration_usec);
        }
        d.has_stall = then->has_stall && now->has_stall;
        if (d.has_stall)
                d.stall_usec = counter_delta(then->stall_usec, now->stall_usec);
        d.has_resident = then->has_resident && now->has_resident;
        if (d.has_resident)
                d.resident_change_bytes = (int64_t) now->resident_bytes - (int64_t) then->resident_bytes;
        *ret = d;
        return 0;
}

void savings_history_init(SavingsHistory *h) {
        *h = (SavingsHistory) {};
}

static const SavingsSample *history_slot(const SavingsHistory *h, size_t i) {
        return &h->slots[(h->head + i) % SAVINGS_HISTORY_SLOTS];
}

int savings_history_add(SavingsHistory *h, const SavingsSample *s) {
        if (h->has_first && s->time_usec < h->latest.time_usec)
                return -EINVAL;
        if (!h->has_first) {
                h->first = *s;
                h->has_first = true;
        }
        h->latest = *s;
        if (h->n == 0 || s->time_usec - history_slot(h, h->n - 1)->time_usec >= SAVINGS_HISTORY_STEP_USEC) {
                if (h->n == SAVINGS_HISTORY_SLOTS) {
                        h->head = (h->head + 1) % SAVINGS_HISTORY_SLOTS;
                        h->n--;
                }
                h->slots[(h->head + h->n) % SAVINGS_HISTORY_SLOTS] = *s;
                h->n++;
        }
        return 0;
}

int savings_history_since_start(const SavingsHistory *h, SavingsDelta *ret) {
        if (!h->has_first || h->latest.time_usec == h->first.time_usec)
                return -ENODATA;
        return savings_delta(&h->first, &h->latest, ret);
}

int savings_history_window(const SavingsHistory *h, uint64_t window_usec, SavingsDelta *ret) {
        const SavingsSample *base = NULL;

        if (!h->has_first || h->n == 0)
                return -ENODATA;
        /* the newest kept sample that is at least the window old; else the oldest kept */
        for (size_t i = h->n; i > 0; i--) {
                const SavingsSample *s = history_slot(h, i - 1);

                if (h->latest.time_usec - s->time_usec >= window_usec) {
                        base = s;
                        break;
                }
        }
        if (!base)
                base = history_slot(h, 0);
        if (base->time_usec == h->latest.time_usec)
                return -ENODATA;
        return savings_delta(base, &h->latest, ret);
}

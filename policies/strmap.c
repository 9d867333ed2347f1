/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strmap.h"

/* FNV-1a. Names chosen to collide could make lookups linear, but every table holds at most what the
 * configuration budget allows (PROFILE_SECTIONS_MAX), so even that worst case stays bounded. */
static size_t hash(const char *s) {
        uint64_t h = UINT64_C(14695981039346656037);

        for (; *s; s++)
                h = (h ^ (unsigned char) *s) * UINT64_C(1099511628211);
        return (size_t) (h ^ (h >> 32));
}

static StrMapEntry *find_slot(StrMapEntry *slots, size_t n_slots, const char *key) {
        size_t mask = n_slots - 1;

        for (size_t i = hash(key) & mask;; i = (i + 1) & mask)
                if (!slots[i].key || streq(slots[i].key, key))
                        return &slots[i];
}

void *strmap_get(const StrMap *m, const char *key) {
        StrMapEntry *e;

        if (!m || m->n_slots == 0)
                return NULL;
        e = find_slot(m->slots, m->n_slots, key);
        return e->key ? e->value : NULL;
}

static int grow(StrMap *m) {
        size_t n_slots = m->n_slots ? m->n_slots * 2 : 16;
        StrMapEntry *slots;

        if (n_slots > SIZE_MAX / sizeof(*slots))
                return -ENOMEM;
        slots = calloc(n_slots, sizeof(*slots));
        if (!slots)
                return -ENOMEM;
        for (size_t i = 0; i < m->n_slots; i++)
                if (m->slots[i].key)
                        *find_slot(slots, n_slots, m->slots[i].key) = m->slots[i];
        free(m->slots);
        m->slots = slots;
        m->n_slots = n_slots;
        return 0;
}

int strmap_put(StrMap *m, const char *key, void *value) {
        StrMapEntry *e;

        assert(m);
        assert(key);
        assert(value);

        if ((m->n + 1) * 2 > m->n_slots && grow(m) < 0)
                return -ENOMEM;
        e = find_slot(m->slots, m->n_slots, key);
        if (!e->key) {
                e->key = strdup(key);
                if (!e->key)
                        return -ENOMEM;
                m->n++;
        }
        e->value = value;
        return 0;
}

void strmap_done(StrMap *m) {
        if (!m)
                return;
        for (size_t i = 0; i < m->n_slots; i++)
                free(m->slots[i].key);
        free(m->slots);
        *m = (StrMap) {};
}

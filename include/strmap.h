/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/*
 * A map from strings to pointers, for lookups that must stay cheap however large a configuration file is
 * (section names, duplicate headers, scheme references): open addressing, grown to keep the load under
 * one half, so every operation is O(1) on average and n insertions cost O(n). Keys are copied.
 */

#include <stddef.h>

#include "macro.h"

typedef struct StrMapEntry {
        char *key;      /* NULL: free slot */
        void *value;
} StrMapEntry;

typedef struct StrMap {
        StrMapEntry *slots;
        size_t n_slots; /* 0 or a power of two */
        size_t n;
} StrMap;

/* The value stored for @key, or NULL. */
void *strmap_get(const StrMap *m, const char *key);
/* Stores @value (not NULL) for @key, replacing an older one. Returns 0 or -ENOMEM. */
int strmap_put(StrMap *m, const char *key, void *value);
void strmap_done(StrMap *m);

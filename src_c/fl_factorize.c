/*
 * fastloss — O(n) factorization of fixed-width byte strings (numpy's "S" and
 * "U" arrays), for the label handling of fastloss.metrics: each item gets the
 * number of its value in order of first appearance, found through an
 * open-addressing hash table keyed on the item's bytes.  Items are equal
 * exactly when their bytes are (numpy pads fixed-width strings with zeros,
 * so this is numpy's string equality).  Sorting the few distinct values is
 * left to the caller.
 *
 * The hash is the caller's: a keyed hash with a per-process random key
 * (Python's own str/bytes hash, SipHash, is what fastloss passes), so that
 * labels cannot be crafted to collide (hash flooding would make the table
 * quadratic).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "fl_kernels.h"

/* the last size % 8 bytes of an item as one word (fixed-size loads only) */
static inline uint64_t fl_tail_word(const char *p, fl_intp r)
{
    uint64_t w = 0;
    int shift = 0;
    if (r & 4) {
        uint32_t v;
        memcpy(&v, p, 4);
        w = v, p += 4, shift = 32;
    }
    if (r & 2) {
        uint16_t v;
        memcpy(&v, p, 2);
        w |= (uint64_t)v << shift, p += 2, shift += 16;
    }
    if (r & 1) w |= (uint64_t)(unsigned char)*p << shift;
    return w;
}

static inline int fl_same_bytes(const char *a, const char *b, fl_intp nw, fl_intp r)
{
    uint64_t u, v;
    for (fl_intp i = 0; i < nw; i++, a += 8, b += 8) {
        memcpy(&u, a, 8);
        memcpy(&v, b, 8);
        if (u != v) return 0;
    }
    return !r || fl_tail_word(a, r) == fl_tail_word(b, r);
}

typedef struct {
    uint64_t hash;
    fl_intp id; /* -1: empty slot */
} fl_slot;

static int fl_grow(fl_slot **table, fl_intp *cap)
{
    const fl_intp ncap = *cap * 2;
    fl_slot *t = (fl_slot *)malloc((size_t)ncap * sizeof(fl_slot));
    if (!t) return -1;
    for (fl_intp i = 0; i < ncap; i++) t[i].id = -1;
    for (fl_intp i = 0; i < *cap; i++) {
        if ((*table)[i].id < 0) continue;
        fl_intp j = (fl_intp)((*table)[i].hash & (uint64_t)(ncap - 1));
        while (t[j].id >= 0) j = (j + 1) & (ncap - 1);
        t[j] = (*table)[i];
    }
    free(*table);
    *table = t;
    *cap = ncap;
    return 0;
}

fl_intp fl_factorize_bytes(const char *x, fl_intp n, fl_intp size, fl_intp stride,
                           fl_hash_fn hash, int64_t *codes, fl_intp *first)
{
    const fl_intp nw = size / 8, r = size % 8;
    fl_intp cap = 1024, k = 0;
    fl_slot *table = (fl_slot *)malloc((size_t)cap * sizeof(fl_slot));
    if (!table) return -1;
    for (fl_intp i = 0; i < cap; i++) table[i].id = -1;
    for (fl_intp i = 0; i < n; i++) {
        const char *item = x + i * stride;
        const uint64_t h = (uint64_t)hash(item, size);
        fl_intp j = (fl_intp)(h & (uint64_t)(cap - 1));
        for (;;) {
            const fl_intp id = table[j].id;
            if (id < 0) { /* a new value */
                table[j].hash = h;
                table[j].id = k;
                first[k] = i;
                codes[i] = k++;
                if (2 * k > cap && fl_grow(&table, &cap)) {
                    free(table);
                    return -1;
                }
                break;
            }
            if (table[j].hash == h && fl_same_bytes(x + first[id] * stride, item, nw, r)) {
                codes[i] = id;
                break;
            }
            j = (j + 1) & (cap - 1);
        }
    }
    free(table);
    return k;
}

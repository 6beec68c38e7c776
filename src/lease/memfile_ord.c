/* Ordered map of kw-word keys -> uint32: a two-level B+tree (see memfile_index.h). */
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "lease/memfile_index.h"

/* The searches take the key width as a constant (always inlined into a dispatch on o->kw), so
 * a one-word map compares plain integers. */
#define INLINE static inline __attribute__((always_inline))

/* a < b, written as one comparison for one word (the searches then compile branch-free). */
INLINE bool klt(const uint32_t *a, const uint32_t *b, unsigned kw)
{
    for (unsigned i = 0; i + 1 < kw; i++)
        if (a[i] != b[i])
            return a[i] < b[i];
    return a[kw - 1] < b[kw - 1];
}

static size_t chunk_bytes(unsigned kw)
{
    return sizeof(memfile_ord_chunk_t) + (size_t)MEMFILE_ORD_CHUNK * kw * sizeof(uint32_t);
}

static uint32_t *key_at(const memfile_ord_chunk_t *c, uint32_t p, unsigned kw)
{
    return (uint32_t *)c->keys + (size_t)p * kw;
}

void memfile_ord_init(memfile_ord_t *o, unsigned kw)
{
    memset(o, 0, sizeof(*o));
    o->kw = kw;
}

void memfile_ord_free(memfile_ord_t *o)
{
    unsigned kw = o->kw;
    for (size_t i = 0; i < o->nchunks; i++)
        free(o->chunks[i]);
    free(o->chunks);
    free(o->firsts);
    memfile_ord_init(o, kw);
}

/* Index of the chunk that holds (or would hold) key: the last chunk whose first key <= key,
 * or 0. Requires nchunks > 0. */
INLINE size_t find_chunk_w(const memfile_ord_t *o, const uint32_t *key, unsigned kw)
{
    size_t lo = 0, hi = o->nchunks; /* answer in [lo, hi) */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (!klt(key, o->firsts + mid * kw, kw))
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* First position in c with keys[pos] >= key. */
INLINE uint32_t lower_bound_w(const memfile_ord_chunk_t *c, const uint32_t *key, unsigned kw)
{
    uint32_t lo = 0, hi = c->n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (klt(c->keys + (size_t)mid * kw, key, kw))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Finds the chunk and position of key (the position where it would be inserted). */
INLINE void locate_w(const memfile_ord_t *o, const uint32_t *key, unsigned kw, size_t *ci,
                     uint32_t *p)
{
    uint32_t k[MEMFILE_KEY_WORDS]; /* in registers, not read again through key */
    memcpy(k, key, kw * sizeof(uint32_t));
    *ci = find_chunk_w(o, k, kw);
    *p = lower_bound_w(o->chunks[*ci], k, kw);
}

static void locate(const memfile_ord_t *o, const uint32_t *key, size_t *ci, uint32_t *p)
{
    if (o->kw == 1)
        locate_w(o, key, 1, ci, p);
    else
        locate_w(o, key, MEMFILE_KEY_WORDS, ci, p);
}

static bool key_is_at(const memfile_ord_t *o, size_t ci, uint32_t p, const uint32_t *key)
{
    const memfile_ord_chunk_t *c = o->chunks[ci];
    return p < c->n && memcmp(key_at(c, p, o->kw), key, o->kw * sizeof(uint32_t)) == 0;
}

INLINE uint32_t get_w(const memfile_ord_t *o, const uint32_t *key, unsigned kw)
{
    size_t ci;
    uint32_t p;
    if (o->nchunks == 0)
        return MEMFILE_NONE;
    locate_w(o, key, kw, &ci, &p);
    const memfile_ord_chunk_t *c = o->chunks[ci];
    return (p < c->n && !klt(key, c->keys + (size_t)p * kw, kw)) ? c->vals[p] : MEMFILE_NONE;
}

/* One function a width, so the v4 lookup is as small as before the map had widths. */
static __attribute__((noinline)) uint32_t get_1(const memfile_ord_t *o, uint32_t key)
{
    return get_w(o, &key, 1);
}

static __attribute__((noinline)) uint32_t get_n(const memfile_ord_t *o, const uint32_t *key)
{
    return get_w(o, key, MEMFILE_KEY_WORDS);
}

uint32_t memfile_ord_get(const memfile_ord_t *o, const uint32_t *key)
{
    return o->kw == 1 ? get_1(o, key[0]) : get_n(o, key);
}

INLINE void set_first(memfile_ord_t *o, size_t ci, unsigned kw)
{
    memcpy(o->firsts + ci * kw, o->chunks[ci]->keys, kw * sizeof(uint32_t));
}

/* Makes room for a new chunk at index at. */
static memfile_ord_chunk_t *add_chunk(memfile_ord_t *o, size_t at)
{
    size_t kb = o->kw * sizeof(uint32_t);
    if (o->nchunks == o->cap) {
        size_t ncap = o->cap ? o->cap * 2 : 16;
        o->chunks = xrealloc(o->chunks, ncap * sizeof(*o->chunks));
        o->firsts = xrealloc(o->firsts, ncap * kb);
        o->cap = ncap;
    }
    memmove(o->chunks + at + 1, o->chunks + at, (o->nchunks - at) * sizeof(*o->chunks));
    memmove(o->firsts + (at + 1) * o->kw, o->firsts + at * o->kw, (o->nchunks - at) * kb);
    memfile_ord_chunk_t *c = xmalloc(chunk_bytes(o->kw));
    c->n = 0;
    o->chunks[at] = c;
    memset(o->firsts + at * o->kw, 0, kb);
    o->nchunks++;
    return c;
}

static void drop_chunk(memfile_ord_t *o, size_t at)
{
    free(o->chunks[at]);
    memmove(o->chunks + at, o->chunks + at + 1, (o->nchunks - at - 1) * sizeof(*o->chunks));
    memmove(o->firsts + at * o->kw, o->firsts + (at + 1) * o->kw,
            (o->nchunks - at - 1) * o->kw * sizeof(uint32_t));
    o->nchunks--;
}

/* Moves n entries of c from position from to position to (within c or into another chunk). */
INLINE void move_entries(memfile_ord_chunk_t *dst, uint32_t to, const memfile_ord_chunk_t *src,
                         uint32_t from, uint32_t n, unsigned kw)
{
    memmove(key_at(dst, to, kw), key_at(src, from, kw), (size_t)n * kw * sizeof(uint32_t));
    memmove(dst->vals + to, src->vals + from, n * sizeof(uint32_t));
}

INLINE void chunk_insert_at(memfile_ord_chunk_t *c, uint32_t p, const uint32_t *key,
                            uint32_t val, unsigned kw)
{
    move_entries(c, p + 1, c, p, c->n - p, kw);
    memcpy(key_at(c, p, kw), key, kw * sizeof(uint32_t));
    c->vals[p] = val;
    c->n++;
}

INLINE void insert_w(memfile_ord_t *o, const uint32_t *key, uint32_t val, unsigned kw)
{
    size_t ci;
    uint32_t p;
    if (o->nchunks == 0)
        add_chunk(o, 0);
    locate_w(o, key, kw, &ci, &p);
    memfile_ord_chunk_t *c = o->chunks[ci];
    if (c->n == MEMFILE_ORD_CHUNK) {
        memfile_ord_chunk_t *r;
        if (p == c->n && ci + 1 == o->nchunks) {
            /* Appending past the largest key (sequential load): start a fresh chunk rather
             * than leaving two half-empty ones. */
            r = add_chunk(o, ci + 1);
            chunk_insert_at(r, 0, key, val, kw);
            set_first(o, ci + 1, kw);
            o->count++;
            return;
        }
        r = add_chunk(o, ci + 1);
        c = o->chunks[ci];
        uint32_t half = c->n / 2;
        r->n = c->n - half;
        move_entries(r, 0, c, half, r->n, kw);
        c->n = half;
        set_first(o, ci + 1, kw);
        if (p > half) {
            c = r;
            ci++;
            p -= half;
        }
    }
    chunk_insert_at(c, p, key, val, kw);
    set_first(o, ci, kw);
    o->count++;
}

static __attribute__((noinline)) void insert_1(memfile_ord_t *o, uint32_t key, uint32_t val)
{
    insert_w(o, &key, val, 1);
}

static __attribute__((noinline)) void insert_n(memfile_ord_t *o, const uint32_t *key,
                                               uint32_t val)
{
    insert_w(o, key, val, MEMFILE_KEY_WORDS);
}

void memfile_ord_insert(memfile_ord_t *o, const uint32_t *key, uint32_t val)
{
    if (o->kw == 1)
        insert_1(o, key[0], val);
    else
        insert_n(o, key, val);
}

bool memfile_ord_remove(memfile_ord_t *o, const uint32_t *key)
{
    size_t ci;
    uint32_t p;
    if (o->nchunks == 0)
        return false;
    locate(o, key, &ci, &p);
    if (!key_is_at(o, ci, p, key))
        return false;
    memfile_ord_chunk_t *c = o->chunks[ci];
    move_entries(c, p, c, p + 1, c->n - p - 1, o->kw);
    c->n--;
    o->count--;
    if (c->n == 0) {
        drop_chunk(o, ci);
        return true;
    }
    set_first(o, ci, o->kw);
    /* Merge with a neighbour when both fit in half a chunk, so mass deletes give memory back. */
    size_t left = ci, right = ci + 1;
    if (right >= o->nchunks || c->n + o->chunks[right]->n > MEMFILE_ORD_CHUNK / 2) {
        if (ci == 0)
            return true;
        left = ci - 1;
        right = ci;
    }
    memfile_ord_chunk_t *l = o->chunks[left], *r = o->chunks[right];
    if (l->n + r->n > MEMFILE_ORD_CHUNK / 2)
        return true;
    move_entries(l, l->n, r, 0, r->n, o->kw);
    l->n += r->n;
    drop_chunk(o, right);
    return true;
}

void memfile_ord_seek(const memfile_ord_t *o, const uint32_t *key, memfile_ord_iter_t *it)
{
    uint32_t p;
    it->c = it->i = 0;
    if (o->nchunks == 0 || !key)
        return;
    locate(o, key, &it->c, &p);
    it->i = p;
}

bool memfile_ord_next(const memfile_ord_t *o, memfile_ord_iter_t *it, const uint32_t **key,
                      uint32_t *val)
{
    while (it->c < o->nchunks && it->i >= o->chunks[it->c]->n) {
        it->c++;
        it->i = 0;
    }
    if (it->c >= o->nchunks)
        return false;
    const memfile_ord_chunk_t *c = o->chunks[it->c];
    if (key)
        *key = key_at(c, (uint32_t)it->i, o->kw);
    *val = c->vals[it->i];
    it->i++;
    return true;
}

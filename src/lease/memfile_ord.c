/* Ordered uint32 -> uint32 map: a two-level B+tree (see memfile_index.h). */
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "lease/memfile_index.h"

void memfile_ord_init(memfile_ord_t *o)
{
    memset(o, 0, sizeof(*o));
}

void memfile_ord_free(memfile_ord_t *o)
{
    for (size_t i = 0; i < o->nchunks; i++)
        free(o->chunks[i]);
    free(o->chunks);
    free(o->firsts);
    memset(o, 0, sizeof(*o));
}

/* Index of the chunk that holds (or would hold) key: the last chunk whose first key <= key,
 * or 0. Requires nchunks > 0. */
static size_t find_chunk(const memfile_ord_t *o, uint32_t key)
{
    size_t lo = 0, hi = o->nchunks; /* answer in [lo, hi) */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (o->firsts[mid] <= key)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* First position in c with keys[pos] >= key. */
static uint32_t lower_bound(const memfile_ord_chunk_t *c, uint32_t key)
{
    uint32_t lo = 0, hi = c->n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (c->keys[mid] < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

uint32_t memfile_ord_get(const memfile_ord_t *o, uint32_t key)
{
    if (o->nchunks == 0)
        return MEMFILE_NONE;
    const memfile_ord_chunk_t *c = o->chunks[find_chunk(o, key)];
    uint32_t p = lower_bound(c, key);
    return (p < c->n && c->keys[p] == key) ? c->vals[p] : MEMFILE_NONE;
}

/* Makes room for a new chunk at index at. */
static memfile_ord_chunk_t *add_chunk(memfile_ord_t *o, size_t at)
{
    if (o->nchunks == o->cap) {
        size_t ncap = o->cap ? o->cap * 2 : 16;
        o->chunks = xrealloc(o->chunks, ncap * sizeof(*o->chunks));
        o->firsts = xrealloc(o->firsts, ncap * sizeof(*o->firsts));
        o->cap = ncap;
    }
    memmove(o->chunks + at + 1, o->chunks + at, (o->nchunks - at) * sizeof(*o->chunks));
    memmove(o->firsts + at + 1, o->firsts + at, (o->nchunks - at) * sizeof(*o->firsts));
    memfile_ord_chunk_t *c = xmalloc(sizeof(*c));
    c->n = 0;
    o->chunks[at] = c;
    o->firsts[at] = 0;
    o->nchunks++;
    return c;
}

static void drop_chunk(memfile_ord_t *o, size_t at)
{
    free(o->chunks[at]);
    memmove(o->chunks + at, o->chunks + at + 1, (o->nchunks - at - 1) * sizeof(*o->chunks));
    memmove(o->firsts + at, o->firsts + at + 1, (o->nchunks - at - 1) * sizeof(*o->firsts));
    o->nchunks--;
}

static void chunk_insert_at(memfile_ord_chunk_t *c, uint32_t p, uint32_t key, uint32_t val)
{
    memmove(c->keys + p + 1, c->keys + p, (c->n - p) * sizeof(uint32_t));
    memmove(c->vals + p + 1, c->vals + p, (c->n - p) * sizeof(uint32_t));
    c->keys[p] = key;
    c->vals[p] = val;
    c->n++;
}

void memfile_ord_insert(memfile_ord_t *o, uint32_t key, uint32_t val)
{
    if (o->nchunks == 0)
        add_chunk(o, 0);
    size_t ci = find_chunk(o, key);
    memfile_ord_chunk_t *c = o->chunks[ci];
    uint32_t p = lower_bound(c, key);
    if (c->n == MEMFILE_ORD_CHUNK) {
        memfile_ord_chunk_t *r;
        if (p == c->n && ci + 1 == o->nchunks) {
            /* Appending past the largest key (sequential load): start a fresh chunk rather
             * than leaving two half-empty ones. */
            r = add_chunk(o, ci + 1);
            chunk_insert_at(r, 0, key, val);
            o->firsts[ci + 1] = key;
            o->count++;
            return;
        }
        r = add_chunk(o, ci + 1);
        c = o->chunks[ci];
        uint32_t half = c->n / 2;
        r->n = c->n - half;
        memcpy(r->keys, c->keys + half, r->n * sizeof(uint32_t));
        memcpy(r->vals, c->vals + half, r->n * sizeof(uint32_t));
        c->n = half;
        o->firsts[ci + 1] = r->keys[0];
        if (p > half) {
            c = r;
            ci++;
            p -= half;
        }
    }
    chunk_insert_at(c, p, key, val);
    o->firsts[ci] = c->keys[0];
    o->count++;
}

bool memfile_ord_remove(memfile_ord_t *o, uint32_t key)
{
    if (o->nchunks == 0)
        return false;
    size_t ci = find_chunk(o, key);
    memfile_ord_chunk_t *c = o->chunks[ci];
    uint32_t p = lower_bound(c, key);
    if (p >= c->n || c->keys[p] != key)
        return false;
    memmove(c->keys + p, c->keys + p + 1, (c->n - p - 1) * sizeof(uint32_t));
    memmove(c->vals + p, c->vals + p + 1, (c->n - p - 1) * sizeof(uint32_t));
    c->n--;
    o->count--;
    if (c->n == 0) {
        drop_chunk(o, ci);
        return true;
    }
    o->firsts[ci] = c->keys[0];
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
    memcpy(l->keys + l->n, r->keys, r->n * sizeof(uint32_t));
    memcpy(l->vals + l->n, r->vals, r->n * sizeof(uint32_t));
    l->n += r->n;
    drop_chunk(o, right);
    return true;
}

void memfile_ord_seek(const memfile_ord_t *o, uint32_t key, memfile_ord_iter_t *it)
{
    if (o->nchunks == 0) {
        it->c = it->i = 0;
        return;
    }
    it->c = find_chunk(o, key);
    it->i = lower_bound(o->chunks[it->c], key);
}

bool memfile_ord_next(const memfile_ord_t *o, memfile_ord_iter_t *it, uint32_t *key,
                      uint32_t *val)
{
    while (it->c < o->nchunks && it->i >= o->chunks[it->c]->n) {
        it->c++;
        it->i = 0;
    }
    if (it->c >= o->nchunks)
        return false;
    const memfile_ord_chunk_t *c = o->chunks[it->c];
    *key = c->keys[it->i];
    *val = c->vals[it->i];
    it->i++;
    return true;
}

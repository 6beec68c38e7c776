/* Indexed binary min-heap of (expire, id) (see memfile_index.h). */
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "lease/memfile_index.h"

void memfile_heap_init(memfile_heap_t *h, memfile_heap_setpos_fn setpos, void *ctx)
{
    memset(h, 0, sizeof(*h));
    h->setpos = setpos;
    h->ctx = ctx;
}

void memfile_heap_free(memfile_heap_t *h)
{
    free(h->a);
    h->a = NULL;
    h->n = h->cap = 0;
}

static void place(memfile_heap_t *h, size_t pos, memfile_heap_ent_t e)
{
    h->a[pos] = e;
    h->setpos(h->ctx, e.id, (uint32_t)pos);
}

static void sift_up(memfile_heap_t *h, size_t pos)
{
    memfile_heap_ent_t e = h->a[pos];
    while (pos > 0) {
        size_t parent = (pos - 1) / 2;
        if (h->a[parent].key <= e.key)
            break;
        place(h, pos, h->a[parent]);
        pos = parent;
    }
    place(h, pos, e);
}

static void sift_down(memfile_heap_t *h, size_t pos)
{
    memfile_heap_ent_t e = h->a[pos];
    for (;;) {
        size_t child = 2 * pos + 1;
        if (child >= h->n)
            break;
        if (child + 1 < h->n && h->a[child + 1].key < h->a[child].key)
            child++;
        if (e.key <= h->a[child].key)
            break;
        place(h, pos, h->a[child]);
        pos = child;
    }
    place(h, pos, e);
}

void memfile_heap_push(memfile_heap_t *h, int64_t key, uint32_t id)
{
    if (h->n == h->cap) {
        size_t ncap = h->cap ? h->cap + h->cap / 2 : 1024;
        h->a = xrealloc(h->a, ncap * sizeof(*h->a));
        h->cap = ncap;
    }
    h->a[h->n] = (memfile_heap_ent_t){.key = key, .id = id};
    h->n++;
    sift_up(h, h->n - 1);
}

void memfile_heap_remove(memfile_heap_t *h, uint32_t pos)
{
    h->n--;
    if (pos == h->n)
        return;
    int64_t old = h->a[pos].key;
    place(h, pos, h->a[h->n]);
    if (h->a[pos].key < old)
        sift_up(h, pos);
    else
        sift_down(h, pos);
}

void memfile_heap_update(memfile_heap_t *h, uint32_t pos, int64_t key)
{
    int64_t old = h->a[pos].key;
    h->a[pos].key = key;
    if (key < old)
        sift_up(h, pos);
    else if (key > old)
        sift_down(h, pos);
}

static int cmp_ent(const void *a, const void *b)
{
    const memfile_heap_ent_t *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* Small auxiliary min-heap of positions of h, ordered by h's keys (best-first walk). */
static void aux_push(const memfile_heap_t *h, size_t *aux, size_t *n, size_t pos)
{
    size_t i = (*n)++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (h->a[aux[parent]].key <= h->a[pos].key)
            break;
        aux[i] = aux[parent];
        i = parent;
    }
    aux[i] = pos;
}

static size_t aux_pop(const memfile_heap_t *h, size_t *aux, size_t *n)
{
    size_t top = aux[0], last = aux[--(*n)], i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= *n)
            break;
        if (c + 1 < *n && h->a[aux[c + 1]].key < h->a[aux[c]].key)
            c++;
        if (h->a[last].key <= h->a[aux[c]].key)
            break;
        aux[i] = aux[c];
        i = c;
    }
    if (*n)
        aux[i] = last;
    return top;
}

size_t memfile_heap_collect(const memfile_heap_t *h, int64_t limit, size_t max, uint32_t **ids)
{
    *ids = NULL;
    if (h->n == 0 || h->a[0].key > limit)
        return 0;
    if (max == 0) {
        /* Everything due: a depth-first walk of the subtrees whose root is due, then sort. */
        size_t cap = 256, n = 0, sp = 0, scap = 64;
        memfile_heap_ent_t *found = xmalloc(cap * sizeof(*found));
        size_t *stack = xmalloc(scap * sizeof(*stack));
        stack[sp++] = 0;
        while (sp) {
            size_t pos = stack[--sp];
            if (h->a[pos].key > limit)
                continue;
            if (n == cap)
                found = xrealloc(found, (cap *= 2) * sizeof(*found));
            found[n++] = h->a[pos];
            for (size_t c = 2 * pos + 1; c <= 2 * pos + 2 && c < h->n; c++) {
                if (sp == scap)
                    stack = xrealloc(stack, (scap *= 2) * sizeof(*stack));
                stack[sp++] = c;
            }
        }
        free(stack);
        qsort(found, n, sizeof(*found), cmp_ent);
        *ids = xmalloc(n * sizeof(**ids));
        for (size_t i = 0; i < n; i++)
            (*ids)[i] = found[i].id;
        free(found);
        return n;
    }
    if (max > h->n)
        max = h->n;
    /* Best-first: the frontier never holds more than max + 1 positions. */
    size_t *aux = xmalloc((2 * max + 2) * sizeof(*aux));
    size_t na = 0, n = 0;
    *ids = xmalloc(max * sizeof(**ids));
    aux_push(h, aux, &na, 0);
    while (na && n < max) {
        size_t pos = aux_pop(h, aux, &na);
        if (h->a[pos].key > limit)
            break;
        (*ids)[n++] = h->a[pos].id;
        for (size_t c = 2 * pos + 1; c <= 2 * pos + 2 && c < h->n; c++)
            aux_push(h, aux, &na, c);
    }
    free(aux);
    if (n == 0) {
        free(*ids);
        *ids = NULL;
    }
    return n;
}

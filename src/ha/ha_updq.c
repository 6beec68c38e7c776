/* Lease updates waiting for one peer: see ha_updq.h. */
#include "ha/ha_updq.h"

#include <stdlib.h>

#include "common/errcode.h"

#define SCAN_MAX 128 /* waiting updates looked at for one that may go out */

static uint64_t norm(uint64_t k)
{
    return k ? k : 1;
}

static size_t slot_of(const ha_updq_t *q, uint64_t k)
{
    k *= 0x9e3779b97f4a7c15ull;
    return (size_t)(k >> 32) & (q->busy_cap - 1);
}

static bool busy_has(const ha_updq_t *q, uint64_t k)
{
    k = norm(k);
    for (size_t i = slot_of(q, k);; i = (i + 1) & (q->busy_cap - 1)) {
        if (q->busy[i] == k)
            return true;
        if (!q->busy[i])
            return false;
    }
}

static void busy_add(ha_updq_t *q, uint64_t k)
{
    k = norm(k);
    size_t i = slot_of(q, k);
    while (q->busy[i])
        i = (i + 1) & (q->busy_cap - 1);
    q->busy[i] = k;
}

/* Removes one instance of k, re-inserting the rest of its cluster (linear probing deletion). */
static void busy_del(ha_updq_t *q, uint64_t k)
{
    k = norm(k);
    size_t i = slot_of(q, k);
    while (q->busy[i] != k) {
        if (!q->busy[i])
            return;
        i = (i + 1) & (q->busy_cap - 1);
    }
    q->busy[i] = 0;
    for (size_t j = (i + 1) & (q->busy_cap - 1); q->busy[j]; j = (j + 1) & (q->busy_cap - 1)) {
        uint64_t v = q->busy[j];
        q->busy[j] = 0;
        busy_add(q, v);
    }
}

int ha_updq_init(ha_updq_t *q, size_t window, ha_upd_drop_fn drop, void *drop_arg)
{
    *q = (ha_updq_t){.window = window ? window : 1, .drop = drop, .drop_arg = drop_arg};
    q->busy_cap = 8;
    while (q->busy_cap < 2 * q->window)
        q->busy_cap <<= 1;
    q->busy = calloc(q->busy_cap, sizeof *q->busy);
    if (!q->busy)
        return NST_ENOMEM;
    pthread_mutex_init(&q->mu, NULL);
    return 0;
}

/* Unlinks the whole waiting list (lock held) and returns it. */
static ha_upd_t *take_all(ha_updq_t *q)
{
    ha_upd_t *l = q->head;
    q->head = q->tail = NULL;
    q->waiting = 0;
    return l;
}

static size_t drop_list(ha_updq_t *q, ha_upd_t *l)
{
    size_t n = 0;
    while (l) {
        ha_upd_t *next = l->next;
        l->next = NULL;
        if (q->drop)
            q->drop(q->drop_arg, l);
        l = next;
        n++;
    }
    return n;
}

void ha_updq_destroy(ha_updq_t *q)
{
    pthread_mutex_lock(&q->mu);
    ha_upd_t *l = take_all(q);
    pthread_mutex_unlock(&q->mu);
    drop_list(q, l);
    free(q->busy);
    q->busy = NULL;
    pthread_mutex_destroy(&q->mu);
}

int ha_updq_push(ha_updq_t *q, ha_upd_t *u)
{
    u->next = NULL;
    pthread_mutex_lock(&q->mu);
    if (q->tail)
        q->tail->next = u;
    else
        q->head = u;
    q->tail = u;
    q->waiting++;
    if (q->held && q->waiting > q->limit) {
        ha_upd_t *l = take_all(q);
        q->overflows++;
        pthread_mutex_unlock(&q->mu);
        drop_list(q, l);
        return -1;
    }
    int r = !q->held && q->inflight < q->window;
    pthread_mutex_unlock(&q->mu);
    return r;
}

ha_upd_t *ha_updq_next(ha_updq_t *q)
{
    pthread_mutex_lock(&q->mu);
    ha_upd_t *prev = NULL, *u = NULL;
    if (!q->held && q->inflight < q->window) {
        /* the first waiting update whose key is not in flight and not held by an earlier
         * waiting update (which must go first); at most SCAN_MAX are looked at */
        uint64_t seen[SCAN_MAX];
        size_t nseen = 0;
        for (ha_upd_t *c = q->head; c && nseen < SCAN_MAX; prev = c, c = c->next) {
            bool blocked = busy_has(q, c->key);
            for (size_t i = 0; !blocked && i < nseen; i++)
                blocked = seen[i] == c->key;
            if (!blocked) {
                u = c;
                break;
            }
            seen[nseen++] = c->key;
        }
    }
    if (u) {
        if (prev)
            prev->next = u->next;
        else
            q->head = u->next;
        if (q->tail == u)
            q->tail = prev;
        u->next = NULL;
        q->waiting--;
        q->inflight++;
        busy_add(q, u->key);
    }
    pthread_mutex_unlock(&q->mu);
    return u;
}

void ha_updq_done(ha_updq_t *q, ha_upd_t *u)
{
    pthread_mutex_lock(&q->mu);
    busy_del(q, u->key);
    q->inflight--;
    pthread_mutex_unlock(&q->mu);
}

void ha_updq_hold(ha_updq_t *q, size_t limit)
{
    pthread_mutex_lock(&q->mu);
    q->held = true;
    q->limit = limit;
    pthread_mutex_unlock(&q->mu);
}

void ha_updq_release(ha_updq_t *q)
{
    pthread_mutex_lock(&q->mu);
    q->held = false;
    pthread_mutex_unlock(&q->mu);
}

size_t ha_updq_clear(ha_updq_t *q)
{
    pthread_mutex_lock(&q->mu);
    ha_upd_t *l = take_all(q);
    pthread_mutex_unlock(&q->mu);
    return drop_list(q, l);
}

size_t ha_updq_waiting(ha_updq_t *q)
{
    pthread_mutex_lock(&q->mu);
    size_t n = q->waiting;
    pthread_mutex_unlock(&q->mu);
    return n;
}

size_t ha_updq_inflight(ha_updq_t *q)
{
    pthread_mutex_lock(&q->mu);
    size_t n = q->inflight;
    pthread_mutex_unlock(&q->mu);
    return n;
}

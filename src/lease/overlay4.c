/* The overlay of queued writes of the SQL lease stores (see overlay4.h). */
#include <stdlib.h>
#include <string.h>

#include "common/errcode.h"
#include "common/util.h"
#include "lease/overlay4.h"

void overlay4_init(overlay4_t *o, pthread_mutex_t *lock)
{
    *o = (overlay4_t){.lock = lock};
}

void overlay4_fini(overlay4_t *o)
{
    free(o->pending);
    o->pending = NULL;
    for (overlay4_entry_t *p = o->list, *n; p; p = n) {
        n = p->lnext;
        lease_free(&p->lease);
        free(p);
    }
    o->list = NULL;
}

static unsigned bucket(const lease_key_t *k)
{
    uint32_t h = k->addr.v4;
    if (k->family == LEASE_V6) {
        h = 2166136261u ^ k->type;
        for (int i = 0; i < 16; i++)
            h = (h ^ k->addr.v6.s6_addr[i]) * 16777619u;
    }
    return (h * 2654435761u) >> 20; /* 12 bits */
}

/* ---- the client indexes: [0] by client-id, [1] by hardware address, of present leases ---- */

static unsigned client_bucket(const uint8_t *id, size_t len, uint32_t subnet)
{
    uint32_t h = 2166136261u ^ subnet;
    for (size_t i = 0; i < len; i++)
        h = (h ^ id[i]) * 16777619u;
    return h % OVERLAY4_BUCKETS;
}

static const uint8_t *client_id_of(const lease_t *l, int kind, size_t *len)
{
    *len = kind ? l->hwaddr_len : l->client_id_len;
    return kind ? l->hwaddr : l->client_id;
}

/* Only v4 leases are indexed by client: v6 clients are looked up by DUID and IAID in the
 * database (the overlay answers v6 lookups by key). */
static void client_link(overlay4_t *o, overlay4_entry_t *p)
{
    for (int k = 0; k < 2 && p->lease.family == LEASE_V4; k++) {
        size_t len;
        const uint8_t *id = client_id_of(&p->lease, k, &len);
        if (!len)
            continue;
        overlay4_entry_t **head = &o->clients[k][client_bucket(id, len, p->lease.subnet_id)];
        p->by[k] = *head;
        *head = p;
    }
}

static void client_unlink(overlay4_t *o, overlay4_entry_t *p)
{
    for (int k = 0; k < 2 && p->lease.family == LEASE_V4; k++) {
        size_t len;
        const uint8_t *id = client_id_of(&p->lease, k, &len);
        if (!len)
            continue;
        overlay4_entry_t **pp = &o->clients[k][client_bucket(id, len, p->lease.subnet_id)];
        while (*pp && *pp != p)
            pp = &(*pp)->by[k];
        if (*pp)
            *pp = p->by[k];
        p->by[k] = NULL;
    }
}

static bool client_match(const lease_t *l, const overlay4_key_t *k)
{
    size_t len;
    const uint8_t *id = client_id_of(l, k->hw, &len);
    return l->subnet_id == k->subnet && len == k->len && !memcmp(id, k->id, len);
}

/* ---- entries by address ------------------------------------------------------------------ */

/* The owner holds the lock. */
overlay4_entry_t *overlay4_find(overlay4_t *o, const lease_key_t *key)
{
    for (overlay4_entry_t *p = o->buckets[bucket(key)]; p; p = p->next)
        if (!lease_key_cmp(&p->key, key))
            return p;
    return NULL;
}

overlay4_entry_t *overlay4_find_or_add(overlay4_t *o, const lease_key_t *key)
{
    overlay4_entry_t *p = overlay4_find(o, key);
    if (p)
        return p;
    p = xcalloc(1, sizeof *p);
    p->key = *key;
    unsigned b = bucket(key);
    p->next = o->buckets[b];
    o->buckets[b] = p;
    p->lnext = o->list;
    if (o->list)
        o->list->lprev = p;
    o->list = p;
    return p;
}

/* Records, for overlay4_client_since(), that an entry touching l's client buckets ended. */
static void ended_lease(overlay4_t *o, const lease_t *l)
{
    for (int k = 0; k < 2 && l->family == LEASE_V4; k++) {
        size_t len;
        const uint8_t *id = client_id_of(l, k, &len);
        if (len)
            o->ended_in[k][client_bucket(id, len, l->subnet_id)] = o->ended;
    }
}

void overlay4_remove(overlay4_t *o, overlay4_entry_t *p)
{
    o->ended++;
    for (int k = 0; k < 2; k++)
        if (p->before[k] >= 0)
            o->ended_in[k][p->before[k]] = o->ended;
    if (p->before_unknown)
        o->ended_any = o->ended;
    if (p->present)
        ended_lease(o, &p->lease);
    overlay4_entry_t **pp = &o->buckets[bucket(&p->key)];
    while (*pp != p)
        pp = &(*pp)->next;
    *pp = p->next;
    if (p->present)
        client_unlink(o, p);
    if (p->lprev)
        p->lprev->lnext = p->lnext;
    else
        o->list = p->lnext;
    if (p->lnext)
        p->lnext->lprev = p->lprev;
    lease_free(&p->lease);
    free(p);
}

/* ---- counts of queued writes ---------------------------------------------------------------- */

static void count_delta(overlay4_delta_t *d, int k, const lease_t *l)
{
    bool counted = l && (l->state == LEASE_STATE_DEFAULT || l->state == LEASE_STATE_DECLINED);
    d->subnet[k] = counted ? l->subnet_id : 0;
    d->state[k] = counted ? (int)l->state : -1;
    d->type[k] = counted ? l->type : 0;
    if (l)
        d->family = l->family;
}

/* Pending counts order by family, subnet, type (the order of the counts queries). */
static int pending_cmp(const overlay4_pending_t *p, uint8_t family, uint32_t subnet, uint8_t type)
{
    if (p->family != family)
        return p->family < family ? -1 : 1;
    if (p->subnet_id != subnet)
        return p->subnet_id < subnet ? -1 : 1;
    return p->type < type ? -1 : p->type > type;
}

static void pending_add(overlay4_t *o, uint8_t family, uint32_t subnet, uint8_t type, int state, int64_t n)
{
    if (state < 0)
        return;
    size_t lo = 0, hi = o->npending;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (pending_cmp(&o->pending[mid], family, subnet, type) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == o->npending || pending_cmp(&o->pending[lo], family, subnet, type)) {
        if (o->npending == o->cap_pending) {
            o->cap_pending = o->cap_pending ? 2 * o->cap_pending : 16;
            o->pending = xrealloc(o->pending, o->cap_pending * sizeof *o->pending);
        }
        memmove(&o->pending[lo + 1], &o->pending[lo], (o->npending - lo) * sizeof *o->pending);
        o->pending[lo] = (overlay4_pending_t){.family = family, .subnet_id = subnet, .type = type};
        o->npending++;
    }
    o->pending[lo].n[state] += n;
}

void overlay4_settle(overlay4_t *o, const overlay4_delta_t *d)
{
    pending_add(o, d->family, d->subnet[0], d->type[0], d->state[0], 1);
    pending_add(o, d->family, d->subnet[1], d->type[1], d->state[1], -1);
    o->settled++;
}

int overlay4_begin(overlay4_t *o, enum overlay4_op op, const lease_t *l, const lease_t *old, bool *conditional,
                   int64_t *cond_expire, overlay4_delta_t *delta)
{
    lease_key_t key = lease_key_of(l);
    overlay4_entry_t *p = overlay4_find(o, &key);
    if (p && p->stale)
        p = NULL; /* after a failure the database decides */
    if (op == OVERLAY4_ADD && p && p->present)
        return NST_EEXIST;
    if (op != OVERLAY4_ADD && p && !p->present)
        return NST_ENOENT;
    const lease_t *seen = op == OVERLAY4_ADD ? NULL : p ? &p->lease : op == OVERLAY4_DEL ? l : old;
    *conditional = seen != NULL;
    *cond_expire = seen ? overlay4_db_expire(seen) : 0;
    count_delta(delta, 0, seen);
    count_delta(delta, 1, op == OVERLAY4_DEL ? NULL : l);
    pending_add(o, delta->family, delta->subnet[0], delta->type[0], delta->state[0], -1);
    pending_add(o, delta->family, delta->subnet[1], delta->type[1], delta->state[1], 1);
    p = overlay4_find_or_add(o, &key);
    if (p->ops++ == 0 || p->stale) { /* the database row this entry hides */
        p->before[0] = p->before[1] = -1;
        p->before_unknown = !seen && op != OVERLAY4_ADD;
        for (int k = 0; k < 2 && seen && seen->family == LEASE_V4; k++) {
            size_t len;
            const uint8_t *id = client_id_of(seen, k, &len);
            if (len)
                p->before[k] = (int16_t)client_bucket(id, len, seen->subnet_id);
        }
    }
    if (p->present)
        client_unlink(o, p);
    p->present = op != OVERLAY4_DEL;
    lease_free(&p->lease);
    if (p->present) {
        lease_dup(&p->lease, l);
        client_link(o, p);
    }
    return 0;
}

void overlay4_end(overlay4_t *o, const lease_key_t *key, bool failed)
{
    pthread_mutex_lock(o->lock);
    overlay4_entry_t *p = overlay4_find(o, key);
    if (p) {
        if (failed)
            p->stale = true;
        if (--p->ops == 0)
            overlay4_remove(o, p);
    }
    pthread_mutex_unlock(o->lock);
}

int overlay4_addr(overlay4_t *o, const lease_key_t *key, lease_t *out)
{
    pthread_mutex_lock(o->lock);
    overlay4_entry_t *p = overlay4_find(o, key);
    int r = 0;
    if (p && !p->stale) {
        r = p->present ? 1 : -1;
        if (p->present)
            lease_dup(out, &p->lease);
    }
    pthread_mutex_unlock(o->lock);
    return r;
}

uint64_t overlay4_client_mark(overlay4_t *o)
{
    pthread_mutex_lock(o->lock);
    uint64_t m = o->ended;
    pthread_mutex_unlock(o->lock);
    return m;
}

bool overlay4_client_since(overlay4_t *o, const overlay4_key_t *k, size_t n, uint64_t mark)
{
    pthread_mutex_lock(o->lock);
    bool changed = o->ended_any > mark;
    for (size_t i = 0; i < n && !changed; i++)
        changed = k[i].len && o->ended_in[k[i].hw][client_bucket(k[i].id, k[i].len, k[i].subnet)] > mark;
    pthread_mutex_unlock(o->lock);
    return changed;
}

int overlay4_client(overlay4_t *o, lease_t *db, bool db_found, const overlay4_key_t *k, lease_t *out)
{
    pthread_mutex_lock(o->lock);
    const lease_t *best = NULL;
    if (db_found) {
        lease_key_t key = lease_key_of(db);
        overlay4_entry_t *p = overlay4_find(o, &key);
        if (!p || p->stale)
            best = db;
        else if (p->present && client_match(&p->lease, k))
            best = &p->lease; /* the queued state of that address */
    }
    for (overlay4_entry_t *p = o->clients[k->hw][client_bucket(k->id, k->len, k->subnet)]; p; p = p->by[k->hw])
        if (!p->stale && client_match(&p->lease, k) && (!best || p->lease.cltt > best->cltt))
            best = &p->lease;
    int r = NST_ENOENT;
    if (best) {
        lease_dup(out, best);
        r = 0;
    }
    pthread_mutex_unlock(o->lock);
    if (db_found)
        lease_free(db);
    return r;
}


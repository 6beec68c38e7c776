/* The overlay of queued writes of the SQL lease stores (see overlay4.h). */
#include <stdlib.h>

#include "common/errcode.h"
#include "common/util.h"
#include "lease/overlay4.h"

void overlay4_init(overlay4_t *o, pthread_mutex_t *lock)
{
    *o = (overlay4_t){.lock = lock};
}

void overlay4_fini(overlay4_t *o)
{
    for (overlay4_entry_t *p = o->list, *n; p; p = n) {
        n = p->lnext;
        lease_free(&p->lease);
        free(p);
    }
    o->list = NULL;
}

static unsigned bucket(uint32_t addr)
{
    return (addr * 2654435761u) >> 20; /* 12 bits */
}

/* The owner holds the lock. */
overlay4_entry_t *overlay4_find(overlay4_t *o, uint32_t addr)
{
    for (overlay4_entry_t *p = o->buckets[bucket(addr)]; p; p = p->next)
        if (p->addr == addr)
            return p;
    return NULL;
}

overlay4_entry_t *overlay4_find_or_add(overlay4_t *o, uint32_t addr)
{
    overlay4_entry_t *p = overlay4_find(o, addr);
    if (p)
        return p;
    p = xcalloc(1, sizeof *p);
    p->addr = addr;
    unsigned b = bucket(addr);
    p->next = o->buckets[b];
    o->buckets[b] = p;
    p->lnext = o->list;
    if (o->list)
        o->list->lprev = p;
    o->list = p;
    return p;
}

void overlay4_remove(overlay4_t *o, overlay4_entry_t *p)
{
    overlay4_entry_t **pp = &o->buckets[bucket(p->addr)];
    while (*pp != p)
        pp = &(*pp)->next;
    *pp = p->next;
    if (p->lprev)
        p->lprev->lnext = p->lnext;
    else
        o->list = p->lnext;
    if (p->lnext)
        p->lnext->lprev = p->lprev;
    lease_free(&p->lease);
    free(p);
}

int overlay4_begin(overlay4_t *o, enum overlay4_op op, const lease_t *l, const lease_t *old, bool *conditional,
                   int64_t *cond_expire)
{
    overlay4_entry_t *p = overlay4_find(o, l->addr.v4);
    if (p && p->stale)
        p = NULL; /* after a failure the database decides */
    if (op == OVERLAY4_ADD && p && p->present)
        return NST_EEXIST;
    if (op != OVERLAY4_ADD && p && !p->present)
        return NST_ENOENT;
    const lease_t *seen = op == OVERLAY4_ADD ? NULL : p ? &p->lease : op == OVERLAY4_DEL ? l : old;
    *conditional = seen != NULL;
    *cond_expire = seen ? overlay4_db_expire(seen) : 0;
    p = overlay4_find_or_add(o, l->addr.v4);
    p->ops++;
    p->present = op != OVERLAY4_DEL;
    lease_free(&p->lease);
    if (p->present)
        lease_dup(&p->lease, l);
    return 0;
}

void overlay4_end(overlay4_t *o, uint32_t addr, bool failed)
{
    pthread_mutex_lock(o->lock);
    overlay4_entry_t *p = overlay4_find(o, addr);
    if (p) {
        if (failed)
            p->stale = true;
        if (--p->ops == 0)
            overlay4_remove(o, p);
    }
    pthread_mutex_unlock(o->lock);
}

int overlay4_addr(overlay4_t *o, uint32_t addr, lease_t *out)
{
    pthread_mutex_lock(o->lock);
    overlay4_entry_t *p = overlay4_find(o, addr);
    int r = 0;
    if (p && !p->stale) {
        r = p->present ? 1 : -1;
        if (p->present)
            lease_dup(out, &p->lease);
    }
    pthread_mutex_unlock(o->lock);
    return r;
}

int overlay4_client(overlay4_t *o, lease_t *db, bool db_found, bool (*match)(const lease_t *, const void *),
                       const void *ctx, lease_t *out)
{
    pthread_mutex_lock(o->lock);
    const lease_t *best = NULL;
    if (db_found) {
        overlay4_entry_t *p = overlay4_find(o, db->addr.v4);
        if (!p || p->stale)
            best = db;
        else if (p->present && match(&p->lease, ctx))
            best = &p->lease; /* the queued state of that address */
    }
    for (overlay4_entry_t *p = o->list; p; p = p->lnext)
        if (!p->stale && p->present && match(&p->lease, ctx) && (!best || p->lease.cltt > best->cltt))
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


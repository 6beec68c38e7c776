/* Reads of the SQL lease stores that see the queued writes without waiting for their commit
 * (see overlay4.h). */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "lease/overlay4.h"

static bool reclaimable(const lease_t *l, int64_t now)
{
    return l->state != LEASE_STATE_RECLAIMED && lease_expired(l, now);
}

static int by_expiry(const void *a, const void *b)
{
    int64_t x = overlay4_db_expire(a), y = overlay4_db_expire(b);
    return x < y ? -1 : x > y;
}

static bool listed(const lease_list_t *list, const lease_key_t *key)
{
    for (size_t i = 0; i < list->count; i++) {
        lease_key_t k = lease_key_of(&list->items[i]);
        if (!lease_key_cmp(&k, key))
            return true;
    }
    return false;
}

void overlay4_expired(overlay4_t *o, enum lease_family family, lease_list_t *list, int64_t now, size_t max)
{
    pthread_mutex_lock(o->lock);
    size_t k = 0;
    for (size_t i = 0; i < list->count; i++) {
        lease_t *l = &list->items[i];
        lease_key_t key = lease_key_of(l);
        overlay4_entry_t *p = overlay4_find(o, &key);
        if (p && !p->stale) {
            lease_free(l);
            if (!p->present || !reclaimable(&p->lease, now))
                continue;
            lease_dup(l, &p->lease);
        }
        list->items[k++] = *l;
    }
    list->count = k;
    for (overlay4_entry_t *p = o->list; p; p = p->lnext)
        if (p->key.family == family && !p->stale && p->present && reclaimable(&p->lease, now) &&
            !listed(list, &p->key))
            lease_list_push(list, &p->lease);
    pthread_mutex_unlock(o->lock);
    if (list->count > 1)
        qsort(list->items, list->count, sizeof *list->items, by_expiry);
    while (max && list->count > max)
        lease_free(&list->items[--list->count]);
}

static int cmp_counts(const lease_subnet_counts_t *d, const overlay4_pending_t *p)
{
    if (d->subnet_id != p->subnet_id)
        return d->subnet_id < p->subnet_id ? -1 : 1;
    return d->type < p->type ? -1 : d->type > p->type;
}

static uint64_t plus(uint64_t base, int64_t n)
{
    return n < 0 && (uint64_t)-n > base ? 0 : base + (uint64_t)n;
}

/* db (sorted by subnet and type) plus pending (of the same family, sorted so), into a new array. */
static lease_subnet_counts_t *merge(const lease_subnet_counts_t *db, size_t ndb, const overlay4_pending_t *p,
                                    size_t np, size_t *n)
{
    lease_subnet_counts_t *c = xcalloc(ndb + np + 1, sizeof *c);
    size_t i = 0, j = 0, k = 0;
    while (i < ndb || j < np) {
        int order = i == ndb ? 1 : j == np ? -1 : cmp_counts(&db[i], &p[j]);
        bool take_db = order <= 0, take_p = order >= 0;
        lease_subnet_counts_t v =
            take_db ? db[i++] : (lease_subnet_counts_t){.subnet_id = p[j].subnet_id, .type = p[j].type};
        if (take_p) {
            v.assigned = plus(v.assigned, p[j].n[0]);
            v.declined = plus(v.declined, p[j].n[1]);
            j++;
        }
        if (v.assigned || v.declined)
            c[k++] = v;
    }
    *n = k;
    return c;
}

int overlay4_counts(overlay4_t *o, enum lease_family family, overlay4_count_fn query, void *ctx,
                    lease_subnet_counts_t **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    for (int attempt = 0;; attempt++) {
        pthread_mutex_lock(o->lock);
        uint64_t seq = o->settled;
        overlay4_pending_t *p = xmalloc((o->npending + 1) * sizeof *p);
        size_t np = 0;
        for (size_t i = 0; i < o->npending; i++)
            if (o->pending[i].family == family)
                p[np++] = o->pending[i];
        pthread_mutex_unlock(o->lock);
        lease_subnet_counts_t *db = NULL;
        size_t ndb = 0;
        int r = query(ctx, &db, &ndb);
        pthread_mutex_lock(o->lock);
        bool same = seq == o->settled;
        pthread_mutex_unlock(o->lock);
        if (!r && (same || attempt == 2))
            *out = merge(db, ndb, p, np, n);
        free(db);
        free(p);
        if (r || *out)
            return r;
    }
}

char *overlay4_queued_list(overlay4_t *o, enum lease_family family, const char *open, const char *close)
{
    pthread_mutex_lock(o->lock);
    size_t count = 0;
    for (overlay4_entry_t *p = o->list; p; p = p->lnext)
        count++;
    size_t cap = strlen(open) + strlen(close) + (INET6_ADDRSTRLEN + 1) * count + 1, len = 0;
    char *s = xmalloc(cap);
    len += (size_t)snprintf(s, cap, "%s", open);
    size_t first = len;
    for (overlay4_entry_t *p = o->list; p; p = p->lnext) {
        if (p->key.family != family)
            continue;
        char text[INET6_ADDRSTRLEN];
        if (family == LEASE_V6)
            inet_ntop(AF_INET6, &p->key.addr.v6, text, sizeof text);
        else
            snprintf(text, sizeof text, "%u", p->key.addr.v4);
        len += (size_t)snprintf(s + len, cap - len, "%s%s", len == first ? "" : ",", text);
    }
    snprintf(s + len, cap - len, "%s", close);
    pthread_mutex_unlock(o->lock);
    return s;
}

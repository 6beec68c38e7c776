/* Keyed lease-store operations of the SQL stores (see sqlstore.h). */
#include "lease/sqlstore.h"

#include "common/errcode.h"

static const sqlstore_tables_t *held(lease_store_t *s, int family)
{
    sqlstore_t *q = (sqlstore_t *)s;
    bool ok = (family == LEASE_V4 && q->families[0]) || (family == LEASE_V6 && q->families[1]);
    return ok ? q->tables : NULL;
}

int sqlstore_get(lease_store_t *s, const lease_key_t *key, lease_t *out)
{
    const sqlstore_tables_t *t = key ? held(s, key->family) : NULL;
    return t ? t->get(s, key, out) : NST_EINVAL;
}

int sqlstore_client(lease_store_t *s, const lease_client_query_t *q, lease_t out[2], bool found[2])
{
    if (!q || q->family != LEASE_V4 || !held(s, LEASE_V4))
        return NST_EINVAL;
    return sqlbatch4_client_subnet(((sqlstore_t *)s)->lookups4, q, out, found);
}

int sqlstore_prefetch(lease_store_t *s, const lease_client_query_t *items, size_t n)
{
    if (n && (items[0].family != LEASE_V4 || !held(s, LEASE_V4)))
        return NST_EINVAL;
    return sqlbatch4_prefetch_all(((sqlstore_t *)s)->lookups4, items, n);
}

/* A page of the leases changed since q->changed_since: the table's pages in key order, filtered
 * here, until the page is full or the table ends (the filter is not in the SQL: one query shape
 * per table, and a synchronization is rare). */
static int page_changed(lease_store_t *s, const sqlstore_tables_t *t, const lease_query_t *q, lease_list_t *out)
{
    lease_key_t after = q->after;
    size_t want = q->limit, chunk = q->limit < 1000 ? 1000 : q->limit;
    for (;;) {
        lease_list_t got = {0};
        int r = t->page(s, q->family, &after, chunk, &got);
        if (r) {
            lease_list_free(&got);
            return r;
        }
        for (size_t i = 0; i < got.count && want; i++) {
            if (got.items[i].cltt < q->changed_since)
                continue;
            lease_list_push(out, &got.items[i]);
            want--;
        }
        bool end = got.count < chunk;
        if (got.count)
            after = lease_key_of(&got.items[got.count - 1]);
        lease_list_free(&got);
        if (end || !want)
            return 0;
    }
}

int sqlstore_list(lease_store_t *s, const lease_query_t *q, lease_list_t *out)
{
    const sqlstore_tables_t *t = q ? held(s, q->family) : NULL;
    if (!t)
        return NST_EINVAL;
    switch (q->by) {
    case LEASE_BY_SUBNET:
    case LEASE_BY_HWADDR:
    case LEASE_BY_CLIENT_ID:
        return t->list(s, q, out);
    case LEASE_BY_DUID_IAID:
        return q->family == LEASE_V6 && q->type <= LEASE6_PD ? t->list(s, q, out) : NST_EINVAL;
    case LEASE_BY_HOSTNAME:
        return q->hostname && *q->hostname ? t->list(s, q, out) : NST_EINVAL;
    case LEASE_BY_PAGE:
        if (!q->limit)
            return NST_EINVAL; /* Kea refuses a page size of 0 */
        if (q->after.family && q->after.family != q->family)
            return NST_EINVAL;
        return q->changed_since ? page_changed(s, t, q, out) : t->page(s, q->family, &q->after, q->limit, out);
    default:
        return NST_EINVAL;
    }
}

int sqlstore_expired(lease_store_t *s, enum lease_family family, int64_t now, size_t max, lease_list_t *out)
{
    const sqlstore_tables_t *t = held(s, family);
    return t ? t->expired(s, family, now, max, out) : NST_EINVAL;
}

int sqlstore_delete_reclaimed(lease_store_t *s, enum lease_family family, int64_t now, uint32_t secs,
                              size_t *removed)
{
    const sqlstore_tables_t *t = held(s, family);
    return t ? t->delete_reclaimed(s, family, now, secs, removed) : NST_EINVAL;
}

int sqlstore_wipe(lease_store_t *s, enum lease_family family, uint32_t subnet_id, size_t *removed)
{
    const sqlstore_tables_t *t = held(s, family);
    return t ? t->wipe(s, family, subnet_id, removed) : NST_EINVAL;
}

int sqlstore_counts(lease_store_t *s, enum lease_family family, lease_subnet_counts_t **out, size_t *n)
{
    const sqlstore_tables_t *t = held(s, family);
    return t ? t->counts(s, family, out, n) : NST_EINVAL;
}

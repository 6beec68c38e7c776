/* Keyed lease-store operations of the SQL stores (see sqlstore.h). */
#include "lease/sqlstore.h"

#include "common/errcode.h"

static const sqlstore_v4_t *v4_of(lease_store_t *s, int family)
{
    return family == LEASE_V4 ? ((sqlstore_t *)s)->v4 : NULL;
}

int sqlstore_get(lease_store_t *s, const lease_key_t *key, lease_t *out)
{
    const sqlstore_v4_t *t = key ? v4_of(s, key->family) : NULL;
    return t ? t->addr(s, key->addr.v4, out) : NST_EINVAL;
}

int sqlstore_client(lease_store_t *s, const lease_client_query_t *q, lease_t out[2], bool found[2])
{
    if (!q || !v4_of(s, q->family))
        return NST_EINVAL;
    return sqlbatch4_client_subnet(((sqlstore_t *)s)->lookups4, q, out, found);
}

int sqlstore_prefetch(lease_store_t *s, const lease_client_query_t *items, size_t n)
{
    if (n && !v4_of(s, items[0].family))
        return NST_EINVAL;
    return sqlbatch4_prefetch_all(((sqlstore_t *)s)->lookups4, items, n);
}

int sqlstore_list(lease_store_t *s, const lease_query_t *q, lease_list_t *out)
{
    const sqlstore_v4_t *t = q ? v4_of(s, q->family) : NULL;
    if (!t)
        return NST_EINVAL;
    switch (q->by) {
    case LEASE_BY_SUBNET:
        return t->subnet(s, q->subnet_id, out);
    case LEASE_BY_HWADDR:
        return t->by_hw(s, q->id, q->idlen, out);
    case LEASE_BY_CLIENT_ID:
        return t->by_cid(s, q->id, q->idlen, out);
    case LEASE_BY_HOSTNAME:
        return q->hostname && *q->hostname ? t->by_hostname(s, q->hostname, out) : NST_EINVAL;
    case LEASE_BY_PAGE:
        if (!q->limit)
            return NST_EINVAL; /* Kea refuses a page size of 0 */
        if (q->after.family == 0)
            return t->page(s, 0, q->limit, out); /* 0.0.0.0 is never a lease */
        return q->after.addr.v4 == UINT32_MAX ? 0 : t->page(s, q->after.addr.v4, q->limit, out);
    default:
        return NST_EINVAL;
    }
}

int sqlstore_expired(lease_store_t *s, enum lease_family family, int64_t now, size_t max, lease_list_t *out)
{
    const sqlstore_v4_t *t = v4_of(s, family);
    return t ? t->expired(s, now, max, out) : NST_EINVAL;
}

int sqlstore_delete_reclaimed(lease_store_t *s, enum lease_family family, int64_t now, uint32_t secs,
                              size_t *removed)
{
    const sqlstore_v4_t *t = v4_of(s, family);
    return t ? t->delete_reclaimed(s, now, secs, removed) : NST_EINVAL;
}

int sqlstore_wipe(lease_store_t *s, enum lease_family family, uint32_t subnet_id, size_t *removed)
{
    const sqlstore_v4_t *t = v4_of(s, family);
    return t ? t->wipe(s, subnet_id, removed) : NST_EINVAL;
}

int sqlstore_counts(lease_store_t *s, enum lease_family family, lease_subnet_counts_t **out, size_t *n)
{
    const sqlstore_v4_t *t = v4_of(s, family);
    return t ? t->counts(s, out, n) : NST_EINVAL;
}

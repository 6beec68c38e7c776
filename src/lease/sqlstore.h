/* The keyed operations of lease.h, mapped onto the table operations of the SQL lease store
 * (sqlcore.h), for each family whose table the store holds.
 *
 * Contract:
 * - A SQL store's struct starts with a sqlstore_t; its lease_store_ops_t uses the sqlstore_*
 *   functions below for every keyed operation, and they answer NST_EINVAL for a family whose
 *   table the store does not hold (families[f] false) and for a query that family has no
 *   statement for (LEASE_BY_DUID_IAID on v4).
 * - The table operations are family-neutral: one function per kind of statement, given the
 *   family (or the key, or the query), serves lease4 and lease6 alike; they are called on the
 *   calling thread, exactly as the operation was.
 * - Client lookups (client, prefetch) are v4's only (the DISCOVER path of sqlbatch4/sqlcache4);
 *   v6 clients are looked up with LEASE_BY_DUID_IAID.
 */
#ifndef NESTOR_LEASE_SQLSTORE_H
#define NESTOR_LEASE_SQLSTORE_H

#include "lease/lease.h"
#include "lease/sqlbatch4.h"

/* The statements of the store's lease tables. */
typedef struct sqlstore_tables {
    int (*get)(lease_store_t *s, const lease_key_t *key, lease_t *out);
    /* Every list query but the page (already checked: family held, arguments present). */
    int (*list)(lease_store_t *s, const lease_query_t *q, lease_list_t *out);
    /* Keys strictly after `after` (family 0: from the first) in key order, at most limit. */
    int (*page)(lease_store_t *s, enum lease_family family, const lease_key_t *after, size_t limit,
                lease_list_t *out);
    int (*expired)(lease_store_t *s, enum lease_family family, int64_t now, size_t max, lease_list_t *out);
    int (*delete_reclaimed)(lease_store_t *s, enum lease_family family, int64_t now, uint32_t secs,
                            size_t *removed);
    int (*wipe)(lease_store_t *s, enum lease_family family, uint32_t subnet_id, size_t *removed);
    int (*counts)(lease_store_t *s, enum lease_family family, lease_subnet_counts_t **out, size_t *n);
} sqlstore_tables_t;

typedef struct sqlstore {
    lease_store_t base;
    const sqlstore_tables_t *tables;
    bool families[2];                  /* [0] lease4, [1] lease6 held */
    const sqlbatch4_store_t *lookups4; /* client lookups and the lookahead (sqlbatch4) */
} sqlstore_t;

/* The keyed entries of a SQL store's lease_store_ops_t. */
#define SQLSTORE_KEYED_OPS                                                                   \
    .get = sqlstore_get, .client = sqlstore_client, .prefetch = sqlstore_prefetch,           \
    .list = sqlstore_list, .expired = sqlstore_expired,                                      \
    .delete_reclaimed = sqlstore_delete_reclaimed, .wipe = sqlstore_wipe, .counts = sqlstore_counts

int sqlstore_get(lease_store_t *s, const lease_key_t *key, lease_t *out);
int sqlstore_client(lease_store_t *s, const lease_client_query_t *q, lease_t out[2], bool found[2]);
int sqlstore_prefetch(lease_store_t *s, const lease_client_query_t *items, size_t n);
int sqlstore_list(lease_store_t *s, const lease_query_t *q, lease_list_t *out);
int sqlstore_expired(lease_store_t *s, enum lease_family family, int64_t now, size_t max, lease_list_t *out);
int sqlstore_delete_reclaimed(lease_store_t *s, enum lease_family family, int64_t now, uint32_t secs,
                              size_t *removed);
int sqlstore_wipe(lease_store_t *s, enum lease_family family, uint32_t subnet_id, size_t *removed);
int sqlstore_counts(lease_store_t *s, enum lease_family family, lease_subnet_counts_t **out, size_t *n);

#endif

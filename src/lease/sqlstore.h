/* The keyed operations of lease.h, mapped onto the per-family operations of the SQL lease store
 * (sqlcore.h), for each table the store holds.
 *
 * Contract:
 * - A SQL store's struct starts with a sqlstore_t; its lease_store_ops_t uses the sqlstore_*
 *   functions below for every keyed operation, and they answer NST_EINVAL for a family whose
 *   table the store does not hold (v4 is the only one so far: v4 != NULL).
 * - The table functions keep each driver's statement code; they are called on the calling
 *   thread, exactly as the operation was.
 */
#ifndef NESTOR_LEASE_SQLSTORE_H
#define NESTOR_LEASE_SQLSTORE_H

#include "lease/lease.h"
#include "lease/sqlbatch4.h"

/* The statements of a lease4 table. */
typedef struct sqlstore_v4 {
    int (*addr)(lease_store_t *s, uint32_t addr, lease_t *out);
    int (*by_hw)(lease_store_t *s, const uint8_t *hw, size_t hwlen, lease_list_t *out);
    int (*by_cid)(lease_store_t *s, const uint8_t *cid, size_t len, lease_list_t *out);
    int (*by_hostname)(lease_store_t *s, const char *hostname, lease_list_t *out);
    int (*subnet)(lease_store_t *s, uint32_t subnet_id, lease_list_t *out);      /* 0: all */
    int (*page)(lease_store_t *s, uint32_t after, size_t limit, lease_list_t *out);
    int (*expired)(lease_store_t *s, int64_t now, size_t max, lease_list_t *out);
    int (*delete_reclaimed)(lease_store_t *s, int64_t now, uint32_t secs, size_t *removed);
    int (*wipe)(lease_store_t *s, uint32_t subnet_id, size_t *removed);
    int (*counts)(lease_store_t *s, lease_subnet_counts_t **out, size_t *n);
} sqlstore_v4_t;

typedef struct sqlstore {
    lease_store_t base;
    const sqlstore_v4_t *v4;
    const sqlbatch4_store_t *lookups4; /* client lookups and the lookahead (sqlbatch4) */
} sqlstore_t;

/* The keyed entries of a SQL store's lease_store_ops_t. */
#define SQLSTORE_KEYED_OPS                                                                   \
    .get = sqlstore_get, .client = sqlstore_client, .prefetch = sqlstore_prefetch,           \
    .list = sqlstore_list, .expired = sqlstore_expired,                                      \
    .delete_reclaimed = sqlstore_delete_reclaimed, .wipe = sqlstore_wipe, .counts = sqlstore_counts

/* A store's sqlstore_v4_t, from statement functions named by this convention. */
#define SQLSTORE_V4_STATEMENTS                                                               \
    .addr = get4_addr, .by_hw = get4_by_hw, .by_cid = get4_by_cid,                           \
    .by_hostname = get4_by_hostname, .subnet = get4_all, .page = get4_page,                  \
    .expired = get4_expired, .delete_reclaimed = delete_reclaimed4, .wipe = wipe4,           \
    .counts = counts4

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

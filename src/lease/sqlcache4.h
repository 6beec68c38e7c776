/* Answers the SQL lease store (sqlcore) reuses instead of asking the database again:
 * - the client answer: what one client lookup (the store's client()) got from the database, the
 *   latest row by client-id and by hardware address, and the row of one more address;
 * - the prefetch: that address's row, given to the get() that follows on the same thread
 *   (thread-local, once, within SQLCACHE4_PREFETCH_MS);
 * - the offer memory: the answer a DISCOVER got, kept for the client's REQUEST (shared by every
 *   thread of a store, taken once, within SQLCACHE4_OFFER_MS). A DORA then costs one lookup.
 *
 * Contract:
 * - Answers hold database rows only: the store's overlay of queued writes is applied on top at
 *   each use, so the store's own queued writes are always seen.
 * - A reused answer may be stale by another server's write (shared database) or by this
 *   server's committed write; writes are conditional (lease.h), so staleness can only fail a
 *   write (the client gets a NAK and starts again), never give one address to two clients.
 *   sqlcache4_forget() drops the offer memory of a client this server writes a lease for.
 * - The offer memory has its own lock and copies what it is given.
 */
#ifndef NESTOR_LEASE_SQLCACHE4_H
#define NESTOR_LEASE_SQLCACHE4_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "lease/lease.h"

#define SQLCACHE4_PREFETCH_MS 50
#define SQLCACHE4_OFFER_MS 1000
#define SQLCACHE4_OFFER_MAX 65536
#define SQLCACHE4_BUCKETS 4096
#define SQLCACHE4_AHEAD_MAX 32

/* The key of a client lookup. */
typedef struct sqlcache4_key {
    const uint8_t *cid;        /* NULL/0: not looked up */
    size_t cidlen;
    const uint8_t *hw;
    size_t hwlen;
    uint32_t subnet_id;
} sqlcache4_key_t;

typedef struct sqlcache4_answer {
    bool have[2];              /* [0] by client-id, [1] by hardware address */
    lease_t db[2];
    uint32_t also_addr;        /* 0: none */
    bool also_found;
    lease_t also;
} sqlcache4_answer_t;

void sqlcache4_answer_init(sqlcache4_answer_t *a, uint32_t also_addr);
void sqlcache4_answer_free(sqlcache4_answer_t *a);
/* Takes one row of the database's reply into the answer (the row is not kept). */
void sqlcache4_answer_row(sqlcache4_answer_t *a, const sqlcache4_key_t *k, const lease_t *row);

/* Prefetch (thread-local). set: remembers a's also row for this thread; take: 1 = the row (moved
 * into out), -1 = the address has no row, 0 = nothing prefetched for addr here. */
void sqlcache4_prefetch_set(const void *store, const sqlcache4_answer_t *a);
int sqlcache4_prefetch_take(const void *store, uint32_t addr, lease_t *out);
void sqlcache4_prefetch_drop(void);

/* Lookahead (thread-local): answers of a prefetch() for the DISCOVERs this thread handles next.
 * ahead_begin forgets what an earlier prefetch left; put keeps a copy of k and takes a (moved);
 * take moves the answer for k and also_addr into out and forgets it (false: none, or older than
 * SQLCACHE4_PREFETCH_MS). */
void sqlcache4_ahead_begin(const void *store);
void sqlcache4_ahead_put(const sqlcache4_key_t *k, sqlcache4_answer_t *a);
bool sqlcache4_ahead_take(const void *store, const sqlcache4_key_t *k, uint32_t also_addr, sqlcache4_answer_t *out);

/* Offer memory. */
typedef struct sqlcache4_entry sqlcache4_entry_t;
typedef struct sqlcache4 {
    pthread_mutex_t lock;
    sqlcache4_entry_t *buckets[SQLCACHE4_BUCKETS];
    sqlcache4_entry_t *oldest, *newest;   /* by age, for expiry */
    size_t count;
} sqlcache4_t;

void sqlcache4_init(sqlcache4_t *c);
void sqlcache4_fini(sqlcache4_t *c);
/* Remembers a copy of a for k (replacing an older answer for k). */
void sqlcache4_put(sqlcache4_t *c, const sqlcache4_key_t *k, const sqlcache4_answer_t *a);
/* Moves the answer for k into out and forgets it; false when there is none, or it is older than
 * SQLCACHE4_OFFER_MS, or it was not fetched with also_addr. */
bool sqlcache4_take(sqlcache4_t *c, const sqlcache4_key_t *k, uint32_t also_addr, sqlcache4_answer_t *out);
/* Forgets the answers of the client l belongs to (a write of l is being queued). */
void sqlcache4_forget(sqlcache4_t *c, const lease_t *l);

#endif

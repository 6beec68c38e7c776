/* Concurrent client lookups of one SQL lease store, combined into one query (shared by the SQL
 * stores).
 *
 * A database spends most of a client lookup on the statement itself (parsing, planning, locking,
 * the round trip), little on the index probes. So a thread that needs a client lookup
 * (client()), or a run of them (prefetch()), queues it, and unless SQLBATCH4_LEADERS
 * threads are running combined queries already it runs one itself, for every lookup queued so far
 * (up to SQLBATCH4_MAX), on its own connection, then hands each waiting thread its answers.
 * Lookups that arrive while a query runs go into the next one: under load several threads share
 * one statement, while an idle server (or a single thread) runs each lookup at once, with no
 * added wait. Bounding the queries in flight also bounds the database threads busy with lookups,
 * which leaves the database's CPU to the commits (with a query per worker thread, commits
 * starved and acknowledgements came late under load).
 *
 * Contract:
 * - sqlbatch4_lookup() blocks until r is answered; r (and the key memory it points to) belongs to
 *   the caller and must stay valid until then. On 0, r->ans holds the database's rows for r (the
 *   caller frees it); on an error, r->ans is empty.
 * - The query function runs on the leading thread without the combiner's lock; it gets the
 *   requests with their answers initialised, feeds every row it reads to sqlbatch4_row(), and
 *   returns 0 or an error (which every request of that query gets).
 * - Answers hold database rows only, like sqlcache4's: the store applies its overlay afterwards.
 */
#ifndef NESTOR_LEASE_SQLBATCH4_H
#define NESTOR_LEASE_SQLBATCH4_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lease/overlay4.h"
#include "lease/sqlcache4.h"

#define SQLBATCH4_MAX 32
#ifndef SQLBATCH4_LEADERS
#define SQLBATCH4_LEADERS 1
#endif

typedef struct sqlbatch4_req {
    sqlcache4_key_t key;       /* client-id / hardware address / subnet looked up */
    uint32_t also_addr;        /* the address whose row comes along (0: none) */
    sqlcache4_answer_t ans;
    int result;
    bool done;
    struct sqlbatch4_req *next;
} sqlbatch4_req_t;

typedef int (*sqlbatch4_query_fn)(void *ctx, sqlbatch4_req_t *const *reqs, size_t n);

typedef struct sqlbatch4 {
    pthread_mutex_t lock;
    pthread_cond_t answered;
    sqlbatch4_req_t *head, **tail;
    unsigned running;          /* combined queries running (at most SQLBATCH4_LEADERS) */
} sqlbatch4_t;

void sqlbatch4_init(sqlbatch4_t *b);
void sqlbatch4_fini(sqlbatch4_t *b);

/* Answers r, alone or together with other threads' lookups, through q(ctx, ...). */
int sqlbatch4_lookup(sqlbatch4_t *b, sqlbatch4_req_t *r, sqlbatch4_query_fn q, void *ctx);

/* The same for nr requests of one thread at once (all answered on return; the result is the
 * first error, each request has its own). */
int sqlbatch4_lookup_many(sqlbatch4_t *b, sqlbatch4_req_t *const *rs, size_t nr, sqlbatch4_query_fn q, void *ctx);

/* Looks up n <= SQLBATCH4_MAX items (the lookahead of prefetch) like sqlbatch4_lookup_many()
 * and keeps each answer in this thread's lookahead (sqlcache4_ahead_put). */
int sqlbatch4_prefetch(sqlbatch4_t *b, const lease_client_query_t *items, size_t n, sqlbatch4_query_fn q, void *ctx);

/* What a SQL store's client lookups use: its identity (for the thread-local caches), its
 * combiner, offer memory and overlay, and its query function. */
typedef struct sqlbatch4_store {
    const void *id;
    sqlbatch4_t *lookups;
    sqlcache4_t *recent;
    overlay4_t *ov;
    sqlbatch4_query_fn query;
    void *ctx;
} sqlbatch4_store_t;

/* client() of a SQL store (see lease.h): the answer kept for a SELECTING REQUEST, or
 * prefetched for a DISCOVER, or else a combined lookup; the row of also_addr goes to the
 * thread's prefetch slot, a DISCOVER's answer to the offer memory, and the overlay of queued
 * writes is applied on top. */
int sqlbatch4_client_subnet(const sqlbatch4_store_t *st, const lease_client_query_t *q, lease_t out[2],
                            bool found[2]);
/* prefetch() of a SQL store: any number of items, SQLBATCH4_MAX per query. */
int sqlbatch4_prefetch_all(const sqlbatch4_store_t *st, const lease_client_query_t *items, size_t n);

/* Gives one row of a combined query's result to every request it answers. */
void sqlbatch4_row(sqlbatch4_req_t *const *reqs, size_t n, const lease_t *row);

#endif

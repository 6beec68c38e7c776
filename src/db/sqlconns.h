/* Per-thread connections of an SQL session (db/sqlsess.h: the lease stores, the hosts
 * databases): each thread that runs a statement gets a connection record of its own, which the
 * session also keeps in a registry.
 *
 * Contract:
 * - A record is a driver struct whose first member is an sqlconn_t; sqlconns_mine() creates the
 *   calling thread's record zeroed (the driver connects it) on first use.
 * - When a thread ends (packet workers stop and start again on every reload), its record's
 *   connection is closed (the driver's close) and the record freed, by the thread key's
 *   destructor: no connection outlives its thread.
 * - sqlconns_fini() closes and frees every remaining record (the main thread's, ...). It must run
 *   after every thread other than the caller stopped using the store; a thread ending afterwards
 *   leaves nothing behind.
 * - The registry is locked inside; records are only used by their own thread.
 */
#ifndef NESTOR_DB_SQLCONNS_H
#define NESTOR_DB_SQLCONNS_H

#include <pthread.h>
#include <stddef.h>

typedef struct sqlconn {
    struct sqlconns *owner;
    struct sqlconn *next;          /* registry, under owner->lock */
} sqlconn_t;

typedef struct sqlconns {
    pthread_key_t key;             /* thread -> its record */
    pthread_mutex_t lock;
    sqlconn_t *head;
    size_t size;                   /* bytes of a driver record */
    void (*close)(sqlconn_t *c);   /* closes the driver connection in c (c itself stays) */
} sqlconns_t;

/* size: the driver record's, at least sizeof(sqlconn_t). */
void sqlconns_init(sqlconns_t *r, size_t size, void (*close)(sqlconn_t *c));
void sqlconns_fini(sqlconns_t *r);
/* The calling thread's record, created on first use. */
sqlconn_t *sqlconns_mine(sqlconns_t *r);
/* How many records are registered (for tests). */
size_t sqlconns_count(sqlconns_t *r);

#endif

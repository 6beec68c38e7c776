/* Internal to the PostgreSQL lease store (pgsql4.c, pgsql4_write.c). */
#ifndef NESTOR_LEASE_PGSQL4_INT_H
#define NESTOR_LEASE_PGSQL4_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "lease/groupcommit.h"
#include "lease/overlay4.h"
#include "lease/sqlbatch4.h"
#include "lease/sqlcache4.h"
#include "lease/sqlconns.h"
#include "lease/sqlstore.h"
#include "db/pgconn.h"
#include "lease/pgsql4.h"


typedef struct pg4_write {
    enum overlay4_op kind;
    lease_t lease;
    bool conditional;          /* update/del: only if the stored expire is cond_expire */
    int64_t cond_expire;       /* database form (see overlay4_db_expire) */
    overlay4_delta_t delta;    /* its change to the counts, pending until settled */
    lease_commit_cb cb;
    void *arg;
    int result;
    struct pg4_write *next;
} pg4_write_t;

/* A thread's connection with its statements prepared (closed when its thread ends). */
typedef struct pg4_conn {
    sqlconn_t reg;             /* first: the record of sqlconns */
    PGconn *pg;
} pg4_conn_t;

typedef struct pg4 {
    sqlstore_t sql;           /* first: a lease_store_t * is a pg4_t * */
    cfg_db_t db;
    pgsql4_report_fn report;
    void *report_arg;
    pgsql4_lost_fn lost;
    void *lost_arg;
    _Atomic bool is_lost;      /* an outage is reported and not yet recovered */

    sqlconns_t conns;          /* the lookup threads' pg4_conn_t */

    pthread_mutex_t lock;      /* overlay and queue */
    overlay4_t ov;             /* queued writes, under lock */
    sqlcache4_t recent;        /* DISCOVER answers kept for the REQUEST (own lock) */
    sqlbatch4_t lookups;       /* concurrent client lookups, combined (own lock) */
    sqlbatch4_store_t sb;      /* the above, for the shared client lookup */
    pg4_write_t *qhead, **qtail;
    unsigned inflight;         /* writes taken by the commit thread, not yet completed */
    groupcommit_age_t age;     /* how long the oldest pending write waits (under lock) */
    pthread_cond_t qcond, idle;
    bool stopping;
    pthread_t committer;
    bool committer_started;
    PGconn *wconn;             /* the commit thread's connection */
} pg4_t;

/* Marks the database lost (once per outage) and tells the server. */
void pg4_set_lost(pg4_t *s);
void pg4_report(pg4_t *s, int sev, const char *msgid, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Prepares every statement on a new connection. */
int pg4_prepare(PGconn *c, char *err, size_t errlen);
/* Decodes row i of a binary lease4 result: 0, or NST_EINVAL for a row that is no lease (NULL
 * valid_lifetime, expire or subnet_id), reported with its address and skipped by the callers. */
int pg4_decode(pg4_t *s, const PGresult *r, int i, lease_t *out);

/* The statement names and parameter layout shared by both files. */
#define PG4_COLS "address, hwaddr, client_id, valid_lifetime, expire, subnet_id, fqdn_fwd, fqdn_rev, " \
                 "hostname, state, user_context"
#define PG4_NPARAMS 11
typedef struct pg4_params {
    const char *values[PG4_NPARAMS + 1];
    int lengths[PG4_NPARAMS + 1];
    int formats[PG4_NPARAMS + 1];
    char addr[8], valid[8], expire[8], subnet[8], state[8], cond[8];
    char fwd, rev;
} pg4_params_t;
/* Fills the 11 lease columns (+ the condition expire as parameter 12 when cond). */
void pg4_bind(pg4_params_t *p, const lease_t *l, bool cond, int64_t cond_expire);

/* pgsql4_write.c */
int pg4_add(lease_store_t *st, const lease_t *l, lease_commit_cb cb, void *arg);
int pg4_update(lease_store_t *st, const lease_t *l, const lease_t *old, lease_commit_cb cb, void *arg);
int pg4_del(lease_store_t *st, const lease_t *l, lease_commit_cb cb, void *arg);
int pg4_flush(lease_store_t *st);
int64_t pg4_backlog_ms(lease_store_t *st);
/* Starts the commit thread; offline: even when the database cannot be reached (it is then lost). */
int pg4_writer_start(pg4_t *s, bool offline, char *err, size_t errlen);
void pg4_writer_stop(pg4_t *s);

#endif

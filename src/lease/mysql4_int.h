/* Internal to the MySQL lease store (mysql4.c, mysql4_write.c). */
#ifndef NESTOR_LEASE_MYSQL4_INT_H
#define NESTOR_LEASE_MYSQL4_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>

#include "lease/groupcommit.h"
#include "lease/overlay4.h"
#include "lease/sqlbatch4.h"
#include "lease/sqlcache4.h"
#include "lease/sqlconns.h"
#include "lease/sqlstore.h"
#include "db/myconn.h"
#include "lease/mysql4.h"


typedef struct my4_write {
    enum overlay4_op kind;
    lease_t lease;
    bool conditional;          /* update/del: only if the stored expire is cond_expire */
    int64_t cond_expire;       /* database form (see overlay4_db_expire) */
    overlay4_delta_t delta;    /* its change to the counts, pending until settled */
    lease_commit_cb cb;
    void *arg;
    int result;
    bool single;               /* sent as a statement of its own (its multi-row INSERT failed) */
    struct my4_write *next;
} my4_write_t;

/* The commit connection's @json_supported, the session variable through which Kea's lease4
 * triggers remember whether the server has JSON functions. When it is 0 the triggers skip the
 * per-client-class statistics procedure, which does nothing for a lease whose user context has
 * no "client-classes" (it reads only that key): inserts of such leases are sent with it set to
 * 0, every other write with it NULL (the trigger then sets it itself, as in any Kea session), so
 * the database ends in exactly the state Kea's triggers would give. */
enum { MY4_JSON_KEA, MY4_JSON_OFF, MY4_JSON_UNKNOWN };

/* A query text being built (mysql4_text.c). */
typedef struct my4_text {
    char *buf;
    size_t len, cap;
} my4_text_t;

/* The prepared statements, in the order of the table in mysql4.c. */
enum my4_stmt {
    MY4_S_GET_ADDR, MY4_S_GET_HW_SUB, MY4_S_GET_CID_SUB, MY4_S_GET_CLIENT, MY4_S_GET_CLIENT_HW, MY4_S_GET_HW, MY4_S_GET_CID,
    MY4_S_GET_HOST, MY4_S_GET_ALL, MY4_S_GET_SUB, MY4_S_GET_PAGE, MY4_S_GET_EXP,
    MY4_S_DEL_RECL, MY4_S_WIPE_ALL, MY4_S_WIPE_SUB, MY4_S_COUNTS,
    /* combined client lookups (sqlbatch4) of up to 2, 4, 8, 16 and SQLBATCH4_MAX clients */
    MY4_S_BATCH2, MY4_S_BATCH4, MY4_S_BATCH8, MY4_S_BATCH16, MY4_S_BATCH32,
    MY4_NSTMT
};

/* A connection with every statement prepared (a lookup thread's is closed when it ends). */
typedef struct my4_conn {
    sqlconn_t reg;             /* first: the record of sqlconns (unused by the commit thread's) */
    MYSQL *my;
    MYSQL_STMT *st[MY4_NSTMT];
} my4_conn_t;

typedef struct my4 {
    sqlstore_t sql;           /* first: a lease_store_t * is a my4_t * */
    cfg_db_t db;
    mysql4_report_fn report;
    void *report_arg;
    mysql4_lost_fn lost;
    void *lost_arg;
    _Atomic bool is_lost;      /* an outage is reported and not yet recovered */

    sqlconns_t conns;          /* the lookup threads' my4_conn_t */

    pthread_mutex_t lock;      /* overlay and queue */
    overlay4_t ov;             /* queued writes, under lock */
    sqlcache4_t recent;        /* DISCOVER answers kept for the REQUEST (own lock) */
    sqlbatch4_t lookups;       /* concurrent client lookups, combined (own lock) */
    sqlbatch4_store_t sb;      /* the above, for the shared client lookup */
    my4_write_t *qhead, **qtail;
    unsigned inflight;         /* writes taken by the commit thread, not yet completed */
    groupcommit_age_t age;     /* how long the oldest pending write waits (under lock) */
    pthread_cond_t qcond, idle;
    bool stopping;
    pthread_t committer;
    bool committer_started;
    my4_conn_t wconn;          /* the commit thread's connection (wconn.my NULL: none) */
    my4_text_t wtext;          /* the commit thread's query text, reused */
    int wjson;                 /* what wconn's session has in @json_supported (MY4_JSON_*) */
} my4_t;

/* mysql4_text.c: writes rendered as SQL text, for a batch sent as one multi-statement query. */
/* Appends w as one statement (with its ';') to t, strings escaped for my's character set. */
void my4_text_write(my4_text_t *t, MYSQL *my, const my4_write_t *w);
/* Appends one INSERT of the count adds from w on (w and the writes after it). */
void my4_text_insert(my4_text_t *t, MYSQL *my, const my4_write_t *w, unsigned count);
void my4_text_raw(my4_text_t *t, const char *sql);
void my4_text_free(my4_text_t *t);

/* Marks the database lost (once per outage) and tells the server. */
void my4_set_lost(my4_t *s);
void my4_report(my4_t *s, int sev, const char *msgid, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Opens a connection and prepares every statement on it; c->my is NULL on failure. */
int my4_connect(my4_t *s, my4_conn_t *c, char *err, size_t errlen);
/* Closes c's statements and connection (c itself stays). */
void my4_disconnect(my4_conn_t *c);

/* MYSQL_BIND helpers: a parameter or result bound to v. */
static inline void my4_b_u32(MYSQL_BIND *b, uint32_t *v)
{
    memset(b, 0, sizeof *b);
    b->buffer_type = MYSQL_TYPE_LONG;
    b->buffer = v;
    b->is_unsigned = 1;
}

static inline void my4_b_u64(MYSQL_BIND *b, uint64_t *v)
{
    memset(b, 0, sizeof *b);
    b->buffer_type = MYSQL_TYPE_LONGLONG;
    b->buffer = v;
    b->is_unsigned = 1;
}

static inline void my4_b_tiny(MYSQL_BIND *b, signed char *v)
{
    memset(b, 0, sizeof *b);
    b->buffer_type = MYSQL_TYPE_TINY;
    b->buffer = v;
}

static inline void my4_b_time(MYSQL_BIND *b, MYSQL_TIME *t)
{
    memset(b, 0, sizeof *b);
    b->buffer_type = MYSQL_TYPE_TIMESTAMP;
    b->buffer = t;
    b->buffer_length = sizeof *t;
}

/* A parameter of *len bytes at p (blob or string); p NULL: SQL NULL. */
static inline void my4_b_bytes(MYSQL_BIND *b, enum enum_field_types type, const void *p, unsigned long *len)
{
    memset(b, 0, sizeof *b);
    if (!p) {
        b->buffer_type = MYSQL_TYPE_NULL;
        return;
    }
    b->buffer_type = type;
    b->buffer = *len ? (void *)p : (void *)""; /* some connectors need a buffer even when empty */
    b->buffer_length = *len;
    b->length = len;
}

/* The lease columns, in table order (address first). */
#define MY4_COLS "address, hwaddr, client_id, valid_lifetime, expire, subnet_id, fqdn_fwd, fqdn_rev, " \
                 "hostname, state, user_context"
#define MY4_NCOLS 11
/* mysql4_write.c */
int my4_add(lease_store_t *st, const lease_t *l, lease_commit_cb cb, void *arg);
int my4_update(lease_store_t *st, const lease_t *l, const lease_t *old, lease_commit_cb cb, void *arg);
int my4_del(lease_store_t *st, const lease_t *l, lease_commit_cb cb, void *arg);
int my4_flush(lease_store_t *st);
int64_t my4_backlog_ms(lease_store_t *st);
/* Starts the commit thread; offline: even when the database cannot be reached (it is then lost). */
int my4_writer_start(my4_t *s, bool offline, char *err, size_t errlen);
void my4_writer_stop(my4_t *s);

#endif

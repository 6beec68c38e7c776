/* The one SQL lease store: everything the PostgreSQL and MySQL lease stores share, written once.
 * A dialect plugs in as a driver (sqlcore_driver_t: its SQL session driver, how it sends a batch
 * of writes as one transaction) and each lease table as a table descriptor (sqlcore_table_t: its
 * statements in that dialect, the codec of its rows, the parameters of its combined lookup); the
 * session prepares the tables' statements one after the other (sqlcore_stmt() numbers them). lease_pg.c and lease_my.c are the two dialects with their
 * lease4 and lease6 tables (Kea 2.2's schemas); tests plug in fakes. Everything below is
 * family-neutral (one code path, the table chosen by the lease's family), except the combined
 * and cached client lookups, which are v4's DISCOVER path.
 *
 * Contract (both dialects):
 * - sqlcore_open() connects once (the commit thread's connection) to check the parameters and the
 *   schema version, and fails with a one-line message otherwise (the password never appears in
 *   it). With allow_offline (retry-on-startup) an unreachable database is no failure: the store
 *   begins lost, and lost() is called at once.
 * - Lookups run synchronously on a connection of the calling thread (db/sqlsess.h: opened on
 *   first use with prepared statements, closed when the thread ends, as the packet workers do on
 *   every reload, and the rest when the store closes, which must be after every thread other than
 *   the caller stopped using it).
 * - Writes (add/update/del) return at once: they go into the overlay of queued writes (overlay4.h:
 *   the store's own lookups see them at once) and onto the queue of the store's commit thread,
 *   which sends everything queued as one transaction in one round trip (group commit, paced by
 *   groupcommit.h) and then runs each write's callback with its own result: 0, NST_EEXIST (the
 *   address was taken meanwhile, e.g. by another server), NST_ECONFLICT (the row changed since it
 *   was read: Kea's expire check) or NST_EIO (database failure). A batch in which a statement
 *   failed is rolled back and its writes are sent again one transaction each, so one bad write
 *   does not fail its neighbours. A reply waits for its callback, so nothing is acknowledged
 *   before the database committed it.
 * - Collections (control commands) first wait for the queued writes (flush), then read the
 *   database; except what runs on the main loop (the expired leases and delete of reclaimed ones
 *   for reclamation, the counts for the recount): they never wait for the queue, which commits may
 *   hold up (a row locked by another server), and see the queued writes through the overlay.
 * - v4 client lookups are combined across threads and kept for the REQUEST after an offer
 *   (sqlbatch4.h, sqlcache4.h).
 * - Outages: a connection found dead is replaced once at once; if that fails, lost() is called
 *   once per outage and every operation fails fast (NST_EIO) until ops->reconnect succeeds.
 * - Rows Kea's schema allows but that are no lease (NULL valid_lifetime, expire or subnet_id) are
 *   skipped by every lookup and list, reported with their address (LEASE_ROW_SKIPPED).
 * - Expiry: expire = cltt + valid_lifetime (overlay4_db_expire); an infinite lifetime is stored
 *   as expire = cltt, as Kea does.
 * - Thread-safety: every op from any thread; callbacks run on the commit thread.
 * - Cost: a statement costs the driver's one exec call (sqlsess.h); rows go to their destination
 *   through sqlcore_sink_put() (no indirect call per row).
 */
#ifndef NESTOR_LEASE_SQLCORE_H
#define NESTOR_LEASE_SQLCORE_H

#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "config/cfg_db.h"
#include "db/sqlsess.h"
#include "lease/groupcommit.h"
#include "lease/lease.h"
#include "lease/overlay4.h"
#include "lease/sqlbatch4.h"
#include "lease/sqlcache4.h"
#include "lease/sqlstore.h"

typedef void (*sqlcore_report_fn)(void *arg, int severity, const char *msgid, const char *text);

/* Called once per outage, from any store thread, when the database stopped answering (a lost
 * connection that one immediate reconnect could not replace). The server's recovery logic then
 * calls ops->reconnect until it succeeds. */
typedef void (*sqlcore_lost_fn)(void *arg);

typedef struct sqlcore_config {
    const cfg_db_t *db;          /* copied */
    sqlcore_lost_fn lost;        /* optional */
    void *lost_arg;
    bool allow_offline;          /* start even if the database is unreachable (retry-on-startup) */
    sqlcore_report_fn report;    /* optional, thread-safe; severity as syslog (3 err .. 7 debug) */
    void *report_arg;
} sqlcore_config_t;

/* A queued write. */
typedef struct sqlcore_write {
    enum overlay4_op kind;
    lease_t lease;
    bool conditional;          /* update/del: only if the stored expire is cond_expire */
    int64_t cond_expire;       /* database form (see overlay4_db_expire) */
    overlay4_delta_t delta;    /* its change to the counts, pending until settled */
    lease_commit_cb cb;
    void *arg;
    int result;
    bool single;               /* the driver's: sent as a statement of its own */
    struct sqlcore_write *next;
} sqlcore_write_t;

/* The columns of a lease4 row, in the order of its tables (Kea's): address, hardware address and
 * client-id (NULL when absent), valid lifetime, expire (database form), subnet, fqdn flags,
 * hostname ("" when absent, as Kea writes), state, user context. */
#define SQLCORE_COLS4 "address, hwaddr, client_id, valid_lifetime, expire, subnet_id, fqdn_fwd, fqdn_rev, " \
                      "hostname, state, user_context"
#define SQLCORE_NCOLS4 11
/* The columns of a lease6 row (the order of Kea's MySQL table and memfile; PostgreSQL's table has
 * state and user_context elsewhere, so statements name them): address (text, inet_ntop's form,
 * as Kea's IOAddress::toText), DUID, valid lifetime, expire, subnet, preferred lifetime, lease
 * type, IAID (PostgreSQL: INT, Kea stores the 32 bits as signed), prefix length, fqdn flags,
 * hostname ("" when absent), hardware address, its type and source (empty, 0, 0 without one), state, user context (""
 * when absent): as Kea 2.2 writes lease6 in PostgreSQL; in MySQL it writes NULL for those
 * (lease_my_text.c adjusts). Both verified against kea-dhcp6's rows by
 * tests/integration/test_sql_lease6.py. */
#define SQLCORE_COLS6 "address, duid, valid_lifetime, expire, subnet_id, pref_lifetime, lease_type, iaid, "     \
                      "prefix_len, fqdn_fwd, fqdn_rev, hostname, hwaddr, hwtype, hwaddr_source, state, user_context"
#define SQLCORE_NCOLS6 17
#define SQLCORE_MAXCOLS SQLCORE_NCOLS6
extern const char *const sqlcore_cols4[SQLCORE_NCOLS4];
extern const char *const sqlcore_cols6[SQLCORE_NCOLS6];
/* A lease's values for the columns of its family's table into p (SQLCORE_MAXCOLS entries); a v6
 * address is written as text into addr, which p[0] points to. Returns the column count. The
 * first column (the address) is the table's key in both families. */
int sqlcore_bind(const lease_t *l, sqlparam_t *p, char addr[INET6_ADDRSTRLEN]);
/* The address of key as its table stores it in text (v4 dotted, for messages). */
void sqlcore_key_text(const lease_key_t *key, char text[INET6_ADDRSTRLEN]);

/* Where the rows of a lookup go: one lease (one != NULL), a list, or the requests of a combined
 * client lookup. */
typedef struct sqlcore_sink {
    lease_t *one;
    bool got;                  /* one: filled */
    lease_list_t *list;
    sqlbatch4_req_t *const *reqs;
    size_t nreqs;
} sqlcore_sink_t;

typedef struct sqlcore sqlcore_t;

/* The statements every lease table has, in the order of its statement table (a dialect adds its
 * own after SQLCORE_NSTMT). Rows come in key
 * order (v6: by the address's 128 bits, not its text) unless said otherwise. */
enum sqlcore_stmt {
    SQLCORE_GET_ADDR,          /* $1 address (v6: $2 lease type) */
    SQLCORE_GET_HW,            /* $1 hwaddr */
    SQLCORE_GET_CID,           /* $1 client_id (v6: DUID) */
    SQLCORE_GET_HOST,          /* $1 hostname, without case */
    SQLCORE_GET_ALL,
    SQLCORE_GET_SUB,           /* $1 subnet_id */
    SQLCORE_GET_PAGE,          /* $1 address after, $2 limit */
    SQLCORE_GET_EXP,           /* $1 time, $2 limit: state <> reclaimed, finite, expire <= $1, by expire */
    SQLCORE_DEL_RECL,          /* $1 time, $2 the queued addresses (text): reclaimed, expire < $1 */
    SQLCORE_WIPE_ALL,
    SQLCORE_WIPE_SUB,          /* $1 subnet_id */
    SQLCORE_COUNTS,            /* subnet_id, lease type (v4: 0), state, leases of the stat table, by
                                * subnet and type */
    SQLCORE_GET_IAID,          /* v6 (v4: unused): $1 DUID, $2 IAID, $3 lease type */
    SQLCORE_GET_IAID_SUB,      /* v6 (v4: unused): the same and $4 subnet_id */
    SQLCORE_NSTMT
};

/* A lease table in one dialect. */
typedef struct sqlcore_table {
    uint8_t family;
    const char *name;              /* "lease4", "lease6" */
    const sqlsess_stmt_t *stmts;   /* indexed by enum sqlcore_stmt, then the dialect's own (names
                                    * unique across the tables of a dialect) */
    size_t nstmts;
    /* v4: the combined lookup of n requests: the statement to run (of this table) and
     * its parameters (at most SQLSESS_MAX_PARAMS); returns the parameter count. */
    int (*lookup)(sqlbatch4_req_t *const *reqs, size_t n, int *stmt, sqlparam_t *p);
    /* Decodes every row of res into k (skipping and reporting rows that are no lease): 0 or
     * NST_EIO. */
    int (*rows)(sqlcore_t *s, const sqlres_t *res, sqlcore_sink_t *k);
    /* Decodes the per-subnet (and type) counts of SQLCORE_COUNTS (a NULL count counts nothing). */
    int (*counts)(const sqlres_t *res, lease_subnet_counts_t **out, size_t *n);
    const char *list_open, *list_close;  /* around the queued addresses of SQLCORE_DEL_RECL */
} sqlcore_table_t;

/* A dialect. */
typedef struct sqlcore_driver {
    const sqlsess_driver_t *sess;
    const char *type;              /* lease_store_ops_t type: "postgresql", "mysql" */
    const char *lookup_setup;      /* optional: run on each new lookup connection */
    /* Sends batch (the writes linked from it) as one transaction on the commit connection c.
     * Sets each write's result (0, NST_EEXIST, NST_ECONFLICT) and returns 0 when it committed; 1
     * when a statement failed (rolled back: the culprit's result NST_EIO when known, the others
     * 0); NST_EIO when the connection failed. */
    int (*commit)(sqlcore_t *s, sqlsess_conn_t *c, sqlcore_write_t *batch, char *err, size_t errlen);
    /* Optional: prepares a new commit connection (after its statements). */
    int (*commit_setup)(sqlsess_conn_t *c, char *err, size_t errlen);
    /* Optional: refuses a write the table cannot hold before it is queued (reported). */
    int (*check)(sqlcore_t *s, const lease_t *l);
} sqlcore_driver_t;

struct sqlcore {
    sqlstore_t sql;            /* first: a lease_store_t * is a sqlcore_t * */
    lease_store_ops_t ops;     /* sql.base.ops: the core's operations, with the driver's type */
    sqlsess_t sess;            /* connections, outages, reports */
    const sqlcore_driver_t *drv;
    const sqlcore_table_t *tables[2]; /* [0] lease4, [1] lease6 (NULL: not held) */
    unsigned base[2];          /* where each table's statements begin in the session's */
    sqlsess_stmt_t *stmts;     /* the session's: the tables' one after the other */

    pthread_mutex_t lock;      /* overlay and queue */
    overlay4_t ov;             /* queued writes, under lock */
    sqlcache4_t recent;        /* DISCOVER answers kept for the REQUEST (own lock) */
    sqlbatch4_t lookups;       /* concurrent client lookups, combined (own lock) */
    sqlbatch4_store_t sb;      /* the above, for the shared client lookup */
    sqlcore_write_t *qhead, **qtail;
    unsigned inflight;         /* writes taken by the commit thread, not yet completed */
    groupcommit_age_t age;     /* how long the oldest pending write waits (under lock) */
    pthread_cond_t qcond, idle;
    bool stopping;
    pthread_t committer;
    bool committer_started;
    sqlsess_conn_t *wconn;     /* the commit thread's connection */
};

/* v6 may be NULL (a store of lease4 only). */
int sqlcore_open(const sqlcore_driver_t *drv, const sqlcore_table_t *v4, const sqlcore_table_t *v6,
                 const sqlcore_config_t *cfg, lease_store_t **out, char *err, size_t errlen);

/* The table of family, or NULL. */
static inline const sqlcore_table_t *sqlcore_table(const sqlcore_t *s, int family)
{
    return family == LEASE_V4 ? s->tables[0] : family == LEASE_V6 ? s->tables[1] : NULL;
}

/* The session's number of statement k of family's table (for sqlsess calls). */
static inline int sqlcore_stmt(const sqlcore_t *s, int family, int k)
{
    return (int)s->base[family == LEASE_V6] + k;
}

/* For drivers: a report through the store's report callback, message id DHCPSRV_<tag>_<event>. */
#define sqlcore_report(s, sev, event, ...) sqlsess_report(&(s)->sess, sev, event, __VA_ARGS__)
/* Reports a row skipped because column is NULL. */
void sqlcore_row_skipped(sqlcore_t *s, const lease_key_t *key, const char *column);
/* Adds one row of the stat table to the counts c[0..*k-1] (rows come ordered by subnet, type). */
void sqlcore_count_row(lease_subnet_counts_t *c, size_t *k, uint32_t subnet, int64_t type, int64_t state,
                       int64_t leases);

/* Gives a decoded row (moved: l is consumed) to the sink. Returns false when the sink wants no
 * more rows. */
static inline bool sqlcore_sink_put(sqlcore_sink_t *k, lease_t *l)
{
    if (k->one) {
        *k->one = *l;
        k->got = true;
        return false;
    }
    if (k->list)
        lease_list_push(k->list, l);
    else
        sqlbatch4_row(k->reqs, k->nreqs, l);
    lease_free(l);
    return true;
}

#endif

/* An SQL session: the connection and recovery half that every SQL store shares (the lease stores,
 * lease/sqlcore.h; the hosts databases, hosts/hostdb.h). A driver (PostgreSQL: sqlsess_pg, MySQL:
 * sqlsess_my, or a test's fake) connects, prepares a table of statements, runs one with bound
 * parameters and says whether a failure lost the connection; the session does the rest once.
 *
 * Contract:
 * - Per-thread connections: each thread that runs a statement gets a connection of its own
 *   (sqlconns), opened on first use with every statement of the table prepared (write statements
 *   left out on a read-only database), closed when the thread ends or the session closes.
 * - Outages: a connection found dead (server restarted, killed by an administrator) is replaced
 *   once at once; if that fails too, the database is lost. With a lost callback, it runs once per
 *   outage (from any thread) and every statement fails fast (NST_EIO) until sqlsess_reconnect()
 *   reaches the database again; without one, a thread whose connect failed fails fast for
 *   reconnect-wait-time (1 s if 0) and then tries again.
 * - Errors: 0 or a negative NST_* code; the reason in one line in the caller's err buffer (may be
 *   NULL), naming the database (`what`), never its password. NST_EEXIST (a unique key refused a
 *   row) is the caller's business and not reported; other failures are reported (severity 3)
 *   with the message id <prefix>_<driver tag>_<event> (e.g. DHCPSRV_PGSQL_QUERY_FAILED).
 * - Parameters are driver-neutral (sqlparam_t); the driver binds them with no allocation.
 *   Results stay the driver's (sqlres_t); the caller decodes them with the driver's codec and
 *   releases them with sqlsess_done().
 * - Thread-safety: every function from any thread, except init/fini.
 */
#ifndef NESTOR_DB_SQLSESS_H
#define NESTOR_DB_SQLSESS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/util.h"
#include "config/cfg_db.h"
#include "db/sqlconns.h"

/* Most parameters of one statement (MySQL's combined lookup of 32 clients binds 96). */
#define SQLSESS_MAX_PARAMS 100

/* A statement parameter. INT and BOOL in i; TIME: epoch seconds in i; BYTES and TEXT: len bytes
 * at p (TEXT also NUL-terminated), p NULL for SQL NULL. */
enum sqlparam_type { SQLP_NULL, SQLP_INT, SQLP_BOOL, SQLP_TIME, SQLP_BYTES, SQLP_TEXT };
typedef struct sqlparam {
    uint8_t type;
    int64_t i;
    const void *p;
    size_t len;
} sqlparam_t;

static inline sqlparam_t sqlp_int(int64_t v) { return (sqlparam_t){.type = SQLP_INT, .i = v}; }
static inline sqlparam_t sqlp_bool(bool v) { return (sqlparam_t){.type = SQLP_BOOL, .i = v}; }
static inline sqlparam_t sqlp_time(int64_t epoch) { return (sqlparam_t){.type = SQLP_TIME, .i = epoch}; }
static inline sqlparam_t sqlp_bytes(const void *p, size_t len)
{
    return (sqlparam_t){.type = p ? SQLP_BYTES : SQLP_NULL, .p = p, .len = len};
}
static inline sqlparam_t sqlp_text(const char *s)
{
    return (sqlparam_t){.type = s ? SQLP_TEXT : SQLP_NULL, .p = s, .len = s ? strlen(s) : 0};
}

/* One statement of a session's table. */
typedef struct sqlsess_stmt {
    const char *name;          /* PostgreSQL's prepared-statement name; messages */
    const char *sql;           /* NULL: an unused slot, not prepared */
    int n;                     /* PostgreSQL: the parameters declared in types */
    unsigned types[20];        /* PostgreSQL type OIDs: the width binary integers are sent in */
    bool write;                /* not prepared on a read-only database */
} sqlsess_stmt_t;

/* A statement's result, as the driver has it (PGresult *, MYSQL_STMT * ...). */
typedef struct sqlres {
    void *h;
} sqlres_t;

/* A connection record: the driver's struct starts with this. */
typedef struct sqlsess_conn {
    sqlconn_t reg;             /* first: the record of sqlconns (unused for a connection of its own) */
    int64_t retry_at_ms;       /* after a failed connect: fail fast until then (no lost callback) */
} sqlsess_conn_t;

typedef struct sqlsess sqlsess_t;

typedef struct sqlsess_driver {
    const char *tag;           /* "PGSQL", "MYSQL": the middle of message ids */
    size_t conn_size;          /* the driver's connection record, at least sizeof(sqlsess_conn_t) */
    /* Connects c and prepares the session's statements: 0, or an error with err set. */
    int (*connect)(sqlsess_t *s, sqlsess_conn_t *c, char *err, size_t errlen);
    /* Closes c's connection if open (c itself stays, zeroed but for reg). */
    void (*disconnect)(sqlsess_conn_t *c);
    /* Whether c holds a usable connection (false: connect it). */
    bool (*ready)(sqlsess_conn_t *c);
    /* Runs statement k with p[0..n-1] on c: 0 with *res, NST_EEXIST (unique key), else NST_EIO with
     * err and *lost (the connection is gone). */
    int (*exec)(sqlsess_t *s, sqlsess_conn_t *c, int k, const sqlparam_t *p, int n, sqlres_t *res, bool *lost,
                char *err, size_t errlen);
    /* Runs sql text without parameters or result (BEGIN, COMMIT, SET ...): 0 or NST_EIO with err. */
    int (*simple)(sqlsess_conn_t *c, const char *sql, bool *lost, char *err, size_t errlen);
    uint64_t (*affected)(const sqlres_t *res);     /* rows a write changed */
    uint64_t (*insert_id)(const sqlres_t *res);    /* the id an insert made (RETURNING / AUTO_INCREMENT) */
    void (*done)(sqlres_t *res);
    /* Opens and closes one connection (is the database back?). */
    int (*probe)(const cfg_db_t *db, char *err, size_t errlen);
} sqlsess_driver_t;

extern const sqlsess_driver_t sqlsess_pg, sqlsess_my;

typedef void (*sqlsess_report_fn)(void *arg, int severity, const char *msgid, const char *text);
typedef void (*sqlsess_lost_fn)(void *arg);

typedef struct sqlsess_config {
    const sqlsess_driver_t *drv;
    const cfg_db_t *db;        /* copied */
    const sqlsess_stmt_t *stmts;   /* borrowed: must outlive the session */
    size_t nstmts;
    const char *prefix;        /* "DHCPSRV", "HOSTS": the start of message ids */
    const char *what;          /* "lease database": in messages (copied) */
    const char *connect_event; /* the event of a failed connect ("FATAL_ERROR", "CONNECT_FAILED") */
    const char *setup_sql;     /* optional: run on each new per-thread connection */
    sqlsess_report_fn report;  /* optional, thread-safe */
    void *report_arg;
} sqlsess_config_t;

struct sqlsess {
    const sqlsess_driver_t *drv;
    cfg_db_t db;
    const sqlsess_stmt_t *stmts;
    size_t nstmts;
    char prefix[16];
    char what[320];
    const char *connect_event;
    const char *setup_sql;
    sqlsess_report_fn report;
    void *report_arg;
    sqlsess_lost_fn lost;      /* set before the session is used by other threads */
    void *lost_arg;
    _Atomic bool is_lost;      /* an outage is reported and not yet recovered */
    sqlconns_t conns;
};

void sqlsess_init(sqlsess_t *s, const sqlsess_config_t *cfg);
/* Closes every connection; after every thread but the caller stopped using the session. */
void sqlsess_fini(sqlsess_t *s);
void sqlsess_set_lost_cb(sqlsess_t *s, sqlsess_lost_fn fn, void *arg);

/* Reports an event (see the contract) through the report callback. */
void sqlsess_report(sqlsess_t *s, int severity, const char *event, const char *fmt, ...) NST_PRINTF(4, 5);

/* The database stopped answering: runs the lost callback once per outage. */
void sqlsess_set_lost(sqlsess_t *s);
bool sqlsess_is_lost(sqlsess_t *s);
/* Opens and closes one connection: 0 when the database answers (the outage is over: threads
 * reconnect on their next statement), else an error with err set. */
int sqlsess_reconnect(sqlsess_t *s, char *err, size_t errlen);

/* A connection of its own (not a thread's; e.g. a commit thread's), allocated zeroed; connect it
 * with sqlsess_open_conn(), release it with sqlsess_free_conn(). */
sqlsess_conn_t *sqlsess_new_conn(sqlsess_t *s);
int sqlsess_open_conn(sqlsess_t *s, sqlsess_conn_t *c, char *err, size_t errlen);
void sqlsess_free_conn(sqlsess_t *s, sqlsess_conn_t *c);

/* The calling thread's connection, connected on first use or after a loss; NULL (err set) while
 * the database is lost or when it cannot be reached (reported, and the database lost). */
sqlsess_conn_t *sqlsess_conn(sqlsess_t *s, char *err, size_t errlen);

/* Runs statement k with p[0..n-1] on the calling thread's connection: 0 with *res (release it
 * with sqlsess_done), NST_EEXIST, or NST_EIO (see the contract). */
int sqlsess_run(sqlsess_t *s, int k, const sqlparam_t *p, int n, sqlres_t *res, char *err, size_t errlen);
/* Runs k and releases its result; *rows (may be NULL) gets the rows it changed. */
int sqlsess_change(sqlsess_t *s, int k, const sqlparam_t *p, int n, uint64_t *rows, char *err, size_t errlen);
/* Runs sql text on the calling thread's connection (transactions of a thread's statements). */
int sqlsess_simple(sqlsess_t *s, const char *sql, char *err, size_t errlen);

/* The answer to a schema version read (r: its result, e its error; major.minor what it read)
 * against the version this build speaks: 0, or an error with a sentence in err naming the
 * nestor-admin command (kind "pgsql", "mysql") that fixes it for database name. */
int sqlsess_schema_check(int r, const char *e, int major, int minor, int want_major, int want_minor,
                         const char *kind, const char *name, char *err, size_t errlen);

static inline void sqlsess_done(sqlsess_t *s, sqlres_t *res) { s->drv->done(res); }

#endif

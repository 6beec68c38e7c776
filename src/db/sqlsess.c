/* SQL sessions: per-thread connections, outages, reports (see sqlsess.h). */
#include "db/sqlsess.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/errcode.h"

static sqlsess_t *owner(sqlconn_t *rec)
{
    return (sqlsess_t *)((char *)rec->owner - offsetof(sqlsess_t, conns));
}

/* sqlconns' close: a thread ended, or the session closes. */
static void conn_close(sqlconn_t *rec)
{
    owner(rec)->drv->disconnect((sqlsess_conn_t *)rec);
}

void sqlsess_init(sqlsess_t *s, const sqlsess_config_t *cfg)
{
    memset(s, 0, sizeof *s);
    s->drv = cfg->drv;
    cfg_db_copy(&s->db, cfg->db);
    s->stmts = cfg->stmts;
    s->nstmts = cfg->nstmts;
    snprintf(s->prefix, sizeof s->prefix, "%s", cfg->prefix);
    snprintf(s->what, sizeof s->what, "%s", cfg->what);
    s->connect_event = cfg->connect_event;
    s->setup_sql = cfg->setup_sql;
    s->report = cfg->report;
    s->report_arg = cfg->report_arg;
    sqlconns_init(&s->conns, cfg->drv->conn_size, conn_close);
}

void sqlsess_fini(sqlsess_t *s)
{
    sqlconns_fini(&s->conns);
    cfg_db_free(&s->db);
}

void sqlsess_set_lost_cb(sqlsess_t *s, sqlsess_lost_fn fn, void *arg)
{
    s->lost = fn;
    s->lost_arg = arg;
}

void sqlsess_report(sqlsess_t *s, int severity, const char *event, const char *fmt, ...)
{
    if (!s->report)
        return;
    char id[64], text[768];
    snprintf(id, sizeof id, "%s_%s_%s", s->prefix, s->drv->tag, event);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    s->report(s->report_arg, severity, id, text);
}

void sqlsess_set_lost(sqlsess_t *s)
{
    if (s->lost && !atomic_exchange(&s->is_lost, true))
        s->lost(s->lost_arg);
}

bool sqlsess_is_lost(sqlsess_t *s)
{
    return atomic_load(&s->is_lost);
}

int sqlsess_reconnect(sqlsess_t *s, char *err, size_t errlen)
{
    int r = s->drv->probe(&s->db, err, errlen);
    if (r == 0)
        atomic_store(&s->is_lost, false); /* threads reconnect their own connections on next use */
    return r;
}

sqlsess_conn_t *sqlsess_new_conn(sqlsess_t *s)
{
    return xcalloc(1, s->drv->conn_size);
}

int sqlsess_open_conn(sqlsess_t *s, sqlsess_conn_t *c, char *err, size_t errlen)
{
    s->drv->disconnect(c);
    return s->drv->connect(s, c, err, errlen);
}

void sqlsess_free_conn(sqlsess_t *s, sqlsess_conn_t *c)
{
    if (!c)
        return;
    s->drv->disconnect(c);
    free(c);
}

/* Connects a thread's connection, with the session's setup statement. */
static int connect_thread(sqlsess_t *s, sqlsess_conn_t *c, char *err, size_t errlen)
{
    int r = sqlsess_open_conn(s, c, err, errlen);
    bool lost;
    if (!r && s->setup_sql && (r = s->drv->simple(c, s->setup_sql, &lost, err, errlen)))
        s->drv->disconnect(c);
    return r;
}

sqlsess_conn_t *sqlsess_conn(sqlsess_t *s, char *err, size_t errlen)
{
    sqlsess_conn_t *c = (sqlsess_conn_t *)sqlconns_mine(&s->conns);
    if (atomic_load(&s->is_lost)) {
        /* fail fast during an outage: the server's recovery timer reconnects */
        errf(err, errlen, NST_EIO, "the %s is unreachable; the server is reconnecting", s->what);
        return NULL;
    }
    if (s->drv->ready(c))
        return c;
    int64_t now = now_mono_ms();
    if (now < c->retry_at_ms) {
        errf(err, errlen, NST_EIO, "the %s is unreachable; retrying later", s->what);
        return NULL;
    }
    char e[512];
    if (connect_thread(s, c, e, sizeof e)) {
        c->retry_at_ms = now + (s->db.reconnect_wait_time ? s->db.reconnect_wait_time : 1000);
        sqlsess_report(s, 3, s->connect_event, "cannot connect to the %s: %s", s->what, e);
        errf(err, errlen, NST_EIO, "cannot connect to the %s: %s", s->what, e);
        sqlsess_set_lost(s);
        return NULL;
    }
    return c;
}

int sqlsess_run(sqlsess_t *s, int k, const sqlparam_t *p, int n, sqlres_t *res, char *err, size_t errlen)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        sqlsess_conn_t *c = sqlsess_conn(s, err, errlen);
        if (!c)
            return NST_EIO;
        bool lost = false;
        char e[512];
        int r = s->drv->exec(s, c, k, p, n, res, &lost, e, sizeof e);
        if (r == 0)
            return 0;
        if (r == NST_EEXIST)
            return errf(err, errlen, r, "%s", e);
        sqlsess_report(s, 3, lost ? "CONNECTION_LOST" : "QUERY_FAILED", "%s: statement %s failed: %s", s->what,
                       s->stmts[k].name, e);
        errf(err, errlen, NST_EIO, "%s: %s", s->what, e);
        if (!lost)
            return NST_EIO;
        s->drv->disconnect(c); /* e.g. killed by the server's administrator: one fresh attempt */
    }
    sqlsess_set_lost(s);
    return NST_EIO;
}

int sqlsess_change(sqlsess_t *s, int k, const sqlparam_t *p, int n, uint64_t *rows, char *err, size_t errlen)
{
    sqlres_t res;
    int r = sqlsess_run(s, k, p, n, &res, err, errlen);
    if (r)
        return r;
    if (rows)
        *rows = s->drv->affected(&res);
    s->drv->done(&res);
    return 0;
}

int sqlsess_simple(sqlsess_t *s, const char *sql, char *err, size_t errlen)
{
    sqlsess_conn_t *c = sqlsess_conn(s, err, errlen);
    if (!c)
        return NST_EIO;
    bool lost = false;
    char e[512];
    if (!s->drv->simple(c, sql, &lost, e, sizeof e))
        return 0;
    if (lost)
        s->drv->disconnect(c);
    return errf(err, errlen, NST_EIO, "%s: %s: %s", s->what, sql, e);
}

int sqlsess_schema_check(int r, const char *e, int major, int minor, int want_major, int want_minor,
                         const char *kind, const char *name, char *err, size_t errlen)
{
    if (r == NST_ENOENT)
        return errf(err, errlen, r, "database %s has no Kea schema (table schema_version is missing); create it "
                    "with: nestor-admin db-init %s -n %s", name, kind, name);
    if (r)
        return errf(err, errlen, r, "cannot read the schema version: %s", e);
    if (major == want_major && minor == want_minor)
        return 0;
    if (major < want_major || (major == want_major && minor < want_minor))
        return errf(err, errlen, NST_ECONFIG, "database schema version %d.%d is older than the supported %d.%d; "
                    "upgrade it with: nestor-admin db-upgrade %s -n %s", major, minor, want_major, want_minor, kind,
                    name);
    return errf(err, errlen, NST_ECONFIG, "database schema version %d.%d is newer than the supported %d.%d (made "
                "by a later Kea or Nestor); use a matching server version", major, minor, want_major, want_minor);
}

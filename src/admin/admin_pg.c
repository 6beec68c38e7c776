/* nestor-admin's PostgreSQL backend (libpq). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin/admin.h"
#include "common/errcode.h"
#include "common/util.h"
#include "db/pgconn.h"
#include "lease/lease_pg.h"

struct admin_conn {
    PGconn *pg;
};

static int pg_connect(const cfg_db_t *db, admin_conn_t **out, char *err, size_t errlen)
{
    PGconn *pg;
    int r = pgconn_connect(db, &pg, err, errlen);
    if (r)
        return r;
    PQclear(PQexec(pg, "SET client_min_messages = warning"));
    *out = xcalloc(1, sizeof **out);
    (*out)->pg = pg;
    return 0;
}

static int scalar(admin_conn_t *c, const char *sql, char *out, size_t cap, char *err, size_t errlen)
{
    PGresult *r = PQexec(c->pg, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
        pgconn_error(c->pg, r, err, errlen);
        PQclear(r);
        return NST_EIO;
    }
    snprintf(out, cap, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    return 0;
}

static int pg_table_count(admin_conn_t *c, long *n, char *err, size_t errlen)
{
    char v[32];
    int r = scalar(c, "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema()", v,
                   sizeof v, err, errlen);
    if (!r)
        *n = atol(v);
    return r;
}

static int pg_version(admin_conn_t *c, int *major, int *minor, char *err, size_t errlen)
{
    return pgconn_schema_version(c->pg, major, minor, err, errlen);
}

static int pg_exec_script(admin_conn_t *c, const char *sql, char *err, size_t errlen)
{
    /* One simple-query message may hold many statements; a script's own BEGIN/COMMIT apply. */
    PGresult *r = PQexec(c->pg, sql);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    if (!ok)
        pgconn_error(c->pg, r, err, errlen);
    PQclear(r);
    if (!ok)
        PQclear(PQexec(c->pg, "ROLLBACK"));
    return ok ? 0 : NST_EIO;
}

static int pg_open_store(const cfg_db_t *db, lease_store_t **out, char *err, size_t errlen)
{
    sqlcore_config_t sc = {.db = db};
    return pgsql_open(&sc, out, err, errlen);
}

static void pg_close(admin_conn_t *c)
{
    if (c) {
        PQfinish(c->pg);
        free(c);
    }
}

const admin_backend_t admin_pgsql = {
    .name = "pgsql",
    .connect = pg_connect,
    .table_count = pg_table_count,
    .can_create = NULL,
    .version = pg_version,
    .exec_script = pg_exec_script,
    .open_store = pg_open_store,
    .close = pg_close,
};

/* The PostgreSQL driver of SQL sessions (see sqlsess_pg.h). */
#include <endian.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/errcode.h"
#include "db/sqlsess_pg.h"

static void pg_disconnect(sqlsess_conn_t *rec)
{
    sqlsess_pgconn_t *c = (sqlsess_pgconn_t *)rec;
    if (c->pg)
        PQfinish(c->pg);
    c->pg = NULL;
}

static int pg_connect(sqlsess_t *s, sqlsess_conn_t *rec, char *err, size_t errlen)
{
    sqlsess_pgconn_t *c = (sqlsess_pgconn_t *)rec;
    int r = pgconn_open(&s->db, &c->pg, err, errlen);
    for (size_t i = 0; r == 0 && i < s->nstmts; i++) {
        const sqlsess_stmt_t *st = &s->stmts[i];
        if (!st->sql || (st->write && s->db.readonly))
            continue;
        PGresult *res = PQprepare(c->pg, st->name, st->sql, st->n, st->types);
        if (PQresultStatus(res) != PGRES_COMMAND_OK) {
            char e[256];
            pgconn_error(c->pg, res, e, sizeof e);
            r = errf(err, errlen, NST_EIO, "preparing statement %s: %s", st->name, e);
        }
        PQclear(res);
    }
    if (r)
        pg_disconnect(rec);
    return r;
}

static bool pg_ready(sqlsess_conn_t *rec)
{
    sqlsess_pgconn_t *c = (sqlsess_pgconn_t *)rec;
    if (c->pg && PQstatus(c->pg) != CONNECTION_OK)
        pg_disconnect(rec);
    return c->pg != NULL;
}

/* An integer in the binary form of type oid into buf; its length. */
static int put_int(char buf[8], unsigned oid, int64_t v)
{
    switch (oid) {
    case PG_BOOLOID:
        buf[0] = v != 0;
        return 1;
    case PG_INT2OID: {
        uint16_t x = htobe16((uint16_t)v);
        memcpy(buf, &x, 2);
        return 2;
    }
    case PG_INT4OID: {
        uint32_t x = htobe32((uint32_t)v);
        memcpy(buf, &x, 4);
        return 4;
    }
    default:
        pg_put_int8(buf, v);
        return 8;
    }
}

/* The parameters of a prepared statement, encoded for libpq. */
typedef struct pg_params {
    const char *vals[SQLSESS_MAX_PARAMS];
    int lens[SQLSESS_MAX_PARAMS], fmts[SQLSESS_MAX_PARAMS];
    char nums[SQLSESS_MAX_PARAMS][8];
} pg_params_t;

static void encode(const sqlsess_stmt_t *st, const sqlparam_t *p, int n, pg_params_t *e)
{
    for (int i = 0; i < n; i++) {
        e->fmts[i] = p[i].type != SQLP_TEXT;
        e->vals[i] = p[i].p;
        e->lens[i] = (int)p[i].len;
        if (p[i].type == SQLP_INT || p[i].type == SQLP_BOOL || p[i].type == SQLP_TIME) {
            unsigned oid = i < st->n ? st->types[i] : PG_INT8OID;
            e->lens[i] = put_int(e->nums[i], oid, p[i].type == SQLP_TIME ? pg_epoch_to_ts(p[i].i) : p[i].i);
            e->vals[i] = e->nums[i];
        }
    }
}

int sqlsess_pg_send(sqlsess_t *s, PGconn *c, int k, const sqlparam_t *p, int n)
{
    pg_params_t e;
    encode(&s->stmts[k], p, n, &e);
    return PQsendQueryPrepared(c, s->stmts[k].name, n, e.vals, e.lens, e.fmts, 1);
}

static int pg_exec(sqlsess_t *s, sqlsess_conn_t *rec, int k, const sqlparam_t *p, int n, sqlres_t *res, bool *lost,
                   char *err, size_t errlen)
{
    PGconn *c = ((sqlsess_pgconn_t *)rec)->pg;
    const sqlsess_stmt_t *st = &s->stmts[k];
    pg_params_t e;
    encode(st, p, n, &e);
    PGresult *r = PQexecPrepared(c, st->name, n, e.vals, e.lens, e.fmts, 1);
    ExecStatusType status = PQresultStatus(r);
    if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK) {
        res->h = r;
        return 0;
    }
    pgconn_error(c, r, err, errlen);
    const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
    bool dup = state && !strcmp(state, "23505"); /* unique_violation */
    *lost = pgconn_lost(c, r);
    PQclear(r);
    return dup ? NST_EEXIST : NST_EIO;
}

static int pg_simple(sqlsess_conn_t *rec, const char *sql, bool *lost, char *err, size_t errlen)
{
    PGconn *c = ((sqlsess_pgconn_t *)rec)->pg;
    PGresult *r = PQexec(c, sql);
    ExecStatusType status = PQresultStatus(r);
    int rc = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK ? 0 : NST_EIO;
    if (rc) {
        pgconn_error(c, r, err, errlen);
        *lost = pgconn_lost(c, r);
    }
    PQclear(r);
    return rc;
}

static uint64_t pg_affected(const sqlres_t *res)
{
    return strtoull(PQcmdTuples((PGresult *)res->h), NULL, 10);
}

/* The first column of the first row (INSERT ... RETURNING id): int4 (SERIAL) or int8. */
static uint64_t pg_insert_id(const sqlres_t *res)
{
    const PGresult *r = res->h;
    if (PQntuples(r) < 1 || PQgetisnull(r, 0, 0))
        return 0;
    int len = PQgetlength(r, 0, 0);
    return len == 8 ? (uint64_t)pg_get_int8(PQgetvalue(r, 0, 0))
           : len == 4 ? (uint64_t)(uint32_t)pg_get_int4(PQgetvalue(r, 0, 0)) : 0;
}

static void pg_done(sqlres_t *res)
{
    PQclear(res->h);
    res->h = NULL;
}

static int pg_probe(const cfg_db_t *db, char *err, size_t errlen)
{
    PGconn *c = NULL;
    int r = pgconn_open(db, &c, err, errlen);
    if (c)
        PQfinish(c);
    return r;
}

const sqlsess_driver_t sqlsess_pg = {
    .tag = "PGSQL",
    .conn_size = sizeof(sqlsess_pgconn_t),
    .connect = pg_connect,
    .disconnect = pg_disconnect,
    .ready = pg_ready,
    .exec = pg_exec,
    .simple = pg_simple,
    .affected = pg_affected,
    .insert_id = pg_insert_id,
    .done = pg_done,
    .probe = pg_probe,
};

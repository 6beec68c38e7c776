/* The MySQL driver of SQL sessions (see sqlsess_my.h). */
#include <mysqld_error.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/errcode.h"
#include "db/sqlsess_my.h"

/* Most TIMESTAMP parameters of one statement. */
#define MAX_TIMES 4

static void my_disconnect(sqlsess_conn_t *rec)
{
    sqlsess_myconn_t *c = sqlsess_my_of(rec);
    for (size_t i = 0; i < c->nst; i++)
        if (c->st[i])
            mysql_stmt_close(c->st[i]);
    free(c->st);
    c->st = NULL;
    c->nst = 0;
    if (c->my)
        mysql_close(c->my);
    c->my = NULL;
    free(c->text.buf);
    c->text = (sqlsess_mytext_t){0};
    c->state = 0;
}

static int my_connect(sqlsess_t *s, sqlsess_conn_t *rec, char *err, size_t errlen)
{
    sqlsess_myconn_t *c = sqlsess_my_of(rec);
    int r = myconn_open(&s->db, &c->my, err, errlen);
    if (r)
        return r;
    c->st = xcalloc(s->nstmts ? s->nstmts : 1, sizeof *c->st);
    c->nst = s->nstmts;
    for (size_t i = 0; i < s->nstmts; i++) {
        const sqlsess_stmt_t *st = &s->stmts[i];
        if (!st->sql || (st->write && s->db.readonly))
            continue; /* a read-only database never sees a write statement */
        c->st[i] = mysql_stmt_init(c->my);
        if (!c->st[i] || mysql_stmt_prepare(c->st[i], st->sql, strlen(st->sql))) {
            char e[256];
            myconn_error(c->my, c->st[i], e, sizeof e);
            my_disconnect(rec);
            return errf(err, errlen, NST_EIO, "preparing statement %s: %s", st->name, e);
        }
    }
    return 0;
}

static bool my_ready(sqlsess_conn_t *rec)
{
    return sqlsess_my_of(rec)->my != NULL;
}

static int my_exec(sqlsess_t *s, sqlsess_conn_t *rec, int k, const sqlparam_t *p, int n, sqlres_t *res, bool *lost,
                   char *err, size_t errlen)
{
    sqlsess_myconn_t *c = sqlsess_my_of(rec);
    MYSQL_STMT *st = (size_t)k < c->nst ? c->st[k] : NULL;
    if (!st)
        return errf(err, errlen, NST_EIO, "statement %s not prepared", s->stmts[k].name);
    MYSQL_BIND b[SQLSESS_MAX_PARAMS];
    unsigned long lens[SQLSESS_MAX_PARAMS];
    MYSQL_TIME times[MAX_TIMES];
    int ntimes = 0;
    for (int i = 0; i < n; i++) {
        MYSQL_BIND *x = &b[i];
        memset(x, 0, sizeof *x);
        switch (p[i].type) {
        case SQLP_INT:
        case SQLP_BOOL:
            x->buffer_type = MYSQL_TYPE_LONGLONG;
            x->buffer = (void *)&p[i].i;
            break;
        case SQLP_TIME:
            if (ntimes == MAX_TIMES)
                return errf(err, errlen, NST_EIO, "statement %s: too many time parameters", s->stmts[k].name);
            myconn_to_time(p[i].i < 1 ? 1 : p[i].i > MYCONN_MAX_TIME ? MYCONN_MAX_TIME : p[i].i, &times[ntimes]);
            x->buffer_type = MYSQL_TYPE_TIMESTAMP;
            x->buffer = &times[ntimes++];
            x->buffer_length = sizeof times[0];
            break;
        case SQLP_BYTES:
        case SQLP_TEXT:
            lens[i] = (unsigned long)p[i].len;
            x->buffer_type = p[i].type == SQLP_TEXT ? MYSQL_TYPE_STRING : MYSQL_TYPE_BLOB;
            x->buffer = lens[i] ? (void *)p[i].p : (void *)""; /* some connectors need a buffer even when empty */
            x->buffer_length = lens[i];
            x->length = &lens[i];
            break;
        default:
            x->buffer_type = MYSQL_TYPE_NULL;
        }
    }
    if (!(n && mysql_stmt_bind_param(st, b)) && !mysql_stmt_execute(st) &&
        !(mysql_stmt_field_count(st) && mysql_stmt_store_result(st))) {
        res->h = st;
        return 0;
    }
    myconn_error(c->my, st, err, errlen);
    unsigned no = mysql_stmt_errno(st);
    *lost = myconn_lost(no);
    return no == ER_DUP_ENTRY ? NST_EEXIST : NST_EIO;
}

static int my_simple(sqlsess_conn_t *rec, const char *sql, bool *lost, char *err, size_t errlen)
{
    MYSQL *my = sqlsess_my_of(rec)->my;
    if (!mysql_real_query(my, sql, (unsigned long)strlen(sql)))
        return 0;
    myconn_error(my, NULL, err, errlen);
    *lost = myconn_lost(mysql_errno(my));
    return NST_EIO;
}

static uint64_t my_affected(const sqlres_t *res)
{
    return (uint64_t)mysql_stmt_affected_rows(res->h);
}

static uint64_t my_insert_id(const sqlres_t *res)
{
    return (uint64_t)mysql_stmt_insert_id(res->h);
}

static void my_done(sqlres_t *res)
{
    mysql_stmt_free_result(res->h);
    res->h = NULL;
}

static int my_probe(const cfg_db_t *db, char *err, size_t errlen)
{
    MYSQL *c = NULL;
    int r = myconn_open(db, &c, err, errlen);
    if (c)
        mysql_close(c);
    return r;
}

const sqlsess_driver_t sqlsess_my = {
    .tag = "MYSQL",
    .conn_size = sizeof(sqlsess_myconn_t),
    .connect = my_connect,
    .disconnect = my_disconnect,
    .ready = my_ready,
    .exec = my_exec,
    .simple = my_simple,
    .affected = my_affected,
    .insert_id = my_insert_id,
    .done = my_done,
    .probe = my_probe,
};

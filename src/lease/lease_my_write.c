/* MySQL lease store: a batch of queued writes as one transaction, sent as one multi-statement
 * query (see lease_my.h). */
#include <mysqld_error.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/errcode.h"
#include "common/util.h"
#include "lease/lease_my_int.h"

/* A TIMESTAMP holds 1970-01-01 00:00:01 .. 2038-01-19 03:14:07 UTC: a lease expiring outside
 * cannot be stored (Kea refuses it too, "Time value is too large"). */
int my_check(sqlcore_t *s, const lease_t *l)
{
    int64_t e = overlay4_db_expire(l);
    if (e >= 1 && e <= MYCONN_MAX_TIME)
        return 0;
    char when[40] = "?";
    time_t t = (time_t)e;
    struct tm tm;
    if (gmtime_r(&t, &tm))
        strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm);
    lease_key_t key = lease_key_of(l);
    char a[INET6_ADDRSTRLEN];
    sqlcore_key_text(&key, a);
    sqlcore_report(s, 3, "EXPIRE_OUT_OF_RANGE", "lease for %s not written: it would expire at %s (cltt %lld + valid-lft %u), %s",
                   a, when, (long long)l->cltt, l->valid_lft,
                   e < 1 ? "before 1970-01-01 00:00:01 UTC, the earliest time a MySQL TIMESTAMP holds"
                         : "after 2038-01-19 03:14:07 UTC, the latest time a MySQL TIMESTAMP holds");
    return NST_ERANGE;
}

/* The commit connection runs several statements in one query; its session starts with
 * @json_supported NULL. */
int my_commit_setup(sqlsess_conn_t *conn, char *err, size_t errlen)
{
    sqlsess_myconn_t *c = sqlsess_my_of(conn);
    c->state = MY_JSON_KEA;
    if (mysql_set_server_option(c->my, MYSQL_OPTION_MULTI_STATEMENTS_ON)) {
        myconn_error(c->my, NULL, err, errlen);
        return NST_EIO;
    }
    return 0;
}

/* Adds of leases without client classes go as multi-row INSERTs of up to this many rows. */
#define MY_INSERT_ROWS 64

/* One statement of a batch's query: count writes from first (one INSERT of count rows when
 * count > 1), or, with count 0, START TRANSACTION, a SET or COMMIT. */
typedef struct unit {
    sqlcore_write_t *first;
    unsigned count;
} unit_t;

/* An add that Kea's per-client-class statistics procedure ignores (see MY_JSON_KEA). */
static bool class_free(const sqlcore_write_t *w)
{
    return w->kind == OVERLAY4_ADD && (!w->lease.user_context || !strstr(w->lease.user_context, "client-classes"));
}

static void want_json(sqlsess_myconn_t *c, unit_t *u, size_t *nu, int want)
{
    if (c->state == want)
        return;
    my_text_raw(&c->text, want == MY_JSON_OFF ? "SET @json_supported = 0;" : "SET @json_supported = NULL;");
    u[(*nu)++] = (unit_t){NULL, 0};
    c->state = want;
}

/* Sends from (and the writes after it) as one query, then COMMIT, begun with START TRANSACTION
 * when begin; consecutive class-free adds share one INSERT unless marked single. Reads each
 * statement's outcome in order into its writes. Returns 0 when all ran (committed), or the
 * statement that failed as *failed (its first write; NULL: START, SET or COMMIT failed) and
 * *failed_count (its writes) with the error number in *errnum; the database runs nothing after a
 * failed statement. */
static int send_batch(sqlsess_myconn_t *c, sqlcore_write_t *from, bool begin, sqlcore_write_t **failed,
                      unsigned *failed_count, unsigned *errnum, char *err, size_t errlen)
{
    sqlsess_mytext_t *t = &c->text;
    size_t n = 0;
    for (sqlcore_write_t *w = from; w; w = w->next)
        n++;
    unit_t *u = xmalloc((2 * n + 3) * sizeof *u);
    size_t nu = 0;
    t->len = 0;
    if (begin) {
        my_text_raw(t, "START TRANSACTION;");
        u[nu++] = (unit_t){NULL, 0};
    }
    for (sqlcore_write_t *w = from; w;) {
        bool free_add = class_free(w);
        want_json(c, u, &nu, free_add ? MY_JSON_OFF : MY_JSON_KEA);
        unsigned count = 1;
        sqlcore_write_t *next = w->next;
        if (free_add && !w->single)
            for (; next && count < MY_INSERT_ROWS && class_free(next) && !next->single; next = next->next)
                count++;
        if (count > 1)
            my_text_insert(t, c->my, w, count);
        else
            my_text_write(t, c->my, w);
        u[nu++] = (unit_t){w, count};
        w = next;
    }
    my_text_raw(t, "COMMIT");
    u[nu++] = (unit_t){NULL, 0};

    int st = mysql_real_query(c->my, t->buf, (unsigned long)t->len) ? 1 : 0;
    for (size_t i = 0;; i++) {
        if (st > 0) {
            *errnum = mysql_errno(c->my);
            myconn_error(c->my, NULL, err, errlen);
            *failed = i < nu ? u[i].first : NULL;
            *failed_count = i < nu ? u[i].count : 0;
            c->state = MY_JSON_UNKNOWN; /* which SETs ran is not known */
            free(u);
            return -1;
        }
        if (i < nu && u[i].count == 1) {
            /* CLIENT_FOUND_ROWS: an UPDATE counts the row it matched even when nothing changed */
            sqlcore_write_t *w = u[i].first;
            my_ulonglong nrows = mysql_affected_rows(c->my);
            w->result = nrows == 1 ? 0 : w->kind == OVERLAY4_ADD ? NST_EEXIST : NST_ECONFLICT;
        }
        /* a multi-row INSERT that ran inserted every row: the writes keep result 0 */
        MYSQL_RES *res = mysql_store_result(c->my);
        if (res)
            mysql_free_result(res);
        st = mysql_next_result(c->my);
        if (st < 0) {
            free(u);
            return 0;
        }
    }
}

/* The batch as one transaction (see sqlcore_driver_t.commit). */
int my_commit(sqlcore_t *s, sqlsess_conn_t *conn, sqlcore_write_t *batch, char *err, size_t errlen)
{
    sqlsess_myconn_t *c = sqlsess_my_of(conn);
    sqlcore_write_t *from = batch;
    bool begin = true;
    for (;;) {
        sqlcore_write_t *failed = NULL;
        unsigned count = 0, e = 0;
        if (send_batch(c, from, begin, &failed, &count, &e, err, errlen) == 0)
            return 0;
        if (myconn_lost(e))
            return NST_EIO;
        if (failed && failed->kind == OVERLAY4_ADD && e == ER_DUP_ENTRY) {
            /* InnoDB rolled back this statement only: the transaction goes on with the rest. A
             * multi-row INSERT is sent again row by row, to find the address that is taken. */
            begin = false;
            if (count == 1) {
                failed->result = NST_EEXIST;
                from = failed->next;
                continue;
            }
            from = failed;
            for (sqlcore_write_t *w = failed; count--; w = w->next)
                w->single = true;
            continue;
        }
        if (mysql_real_query(c->my, "ROLLBACK", 8) && myconn_lost(mysql_errno(c->my)))
            return NST_EIO;
        for (sqlcore_write_t *w = batch; w; w = w->next)
            w->result = 0;
        if (failed)
            failed->result = NST_EIO;
        else
            batch->result = NST_EIO; /* no culprit known: each write is retried on its own */
        return 1;
    }
}

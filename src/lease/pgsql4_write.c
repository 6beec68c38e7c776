/* PostgreSQL lease store: queued writes, the overlay that lets lookups see them, and the commit
 * thread that sends each batch as one pipelined transaction (see pgsql4.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/errcode.h"
#include "common/util.h"
#include "lease/groupcommit.h"
#include "lease/pgsql4_int.h"

static pg4_t *S(lease_store_t *st) { return (pg4_t *)st; }

static int queue(pg4_t *s, enum overlay4_op kind, const lease_t *l, const lease_t *old, lease_commit_cb cb, void *arg)
{
    if (l->family != LEASE_V4)
        return NST_EINVAL;
    pg4_write_t *w = xcalloc(1, sizeof *w);
    w->kind = kind;
    lease_dup(&w->lease, l);
    w->cb = cb;
    w->arg = arg;
    sqlcache4_forget(&s->recent, l);
    pthread_mutex_lock(&s->lock);
    int r = overlay4_begin(&s->ov, kind, l, old, &w->conditional, &w->cond_expire, &w->delta);
    if (r) {
        pthread_mutex_unlock(&s->lock);
        lease_free(&w->lease);
        free(w);
        return r;
    }
    groupcommit_queued(&s->age, !s->qhead, s->inflight > 0);
    *s->qtail = w;
    s->qtail = &w->next;
    pthread_cond_signal(&s->qcond);
    pthread_mutex_unlock(&s->lock);
    return 0;
}

int pg4_add(lease_store_t *st, const lease_t *l, lease_commit_cb cb, void *arg)
{
    return queue(S(st), OVERLAY4_ADD, l, NULL, cb, arg);
}

int pg4_update(lease_store_t *st, const lease_t *l, const lease_t *old, lease_commit_cb cb, void *arg)
{
    return queue(S(st), OVERLAY4_UPDATE, l, old, cb, arg);
}

int pg4_del(lease_store_t *st, const lease_t *l, lease_commit_cb cb, void *arg)
{
    return queue(S(st), OVERLAY4_DEL, l, NULL, cb, arg);
}

int64_t pg4_backlog_ms(lease_store_t *st)
{
    return groupcommit_backlog_ms(&S(st)->age);
}

int pg4_flush(lease_store_t *st)
{
    pg4_t *s = S(st);
    pthread_mutex_lock(&s->lock);
    while (s->qhead || s->inflight)
        pthread_cond_wait(&s->idle, &s->lock);
    pthread_mutex_unlock(&s->lock);
    return 0;
}

/* Sends one write of a pipelined batch. */
static int send_write(PGconn *c, pg4_write_t *w)
{
    pg4_params_t p;
    if (w->kind == OVERLAY4_DEL) {
        pg4_bind(&p, &w->lease, false, 0);
        if (w->conditional) {
            const char *v[] = {p.addr, p.expire};
            int len[] = {8, 8}, fmt[] = {1, 1};
            pg_put_int8(p.expire, pg_epoch_to_ts(w->cond_expire));
            return PQsendQueryPrepared(c, "del", 2, v, len, fmt, 1);
        }
        const char *v[] = {p.addr};
        int len[] = {8}, fmt[] = {1};
        return PQsendQueryPrepared(c, "del_any", 1, v, len, fmt, 1);
    }
    bool cond = w->kind == OVERLAY4_UPDATE && w->conditional;
    pg4_bind(&p, &w->lease, cond, w->cond_expire);
    const char *stmt = w->kind == OVERLAY4_ADD ? "ins" : cond ? "upd" : "upd_any";
    return PQsendQueryPrepared(c, stmt, cond ? 12 : 11, p.values, p.lengths, p.formats, 1);
}

/* Reads the result of one pipelined statement: its status, and rows affected. */
static ExecStatusType read_one(PGconn *c, int *rows, char *err, size_t errlen)
{
    PGresult *r = PQgetResult(c);
    if (!r) {
        snprintf(err, errlen, "no result");
        return PGRES_FATAL_ERROR;
    }
    ExecStatusType st = PQresultStatus(r);
    if (rows)
        *rows = st == PGRES_COMMAND_OK ? atoi(PQcmdTuples(r)) : 0;
    if (st == PGRES_FATAL_ERROR)
        pgconn_error(c, r, err, errlen);
    PQclear(r);
    if (st != PGRES_PIPELINE_SYNC)
        while ((r = PQgetResult(c)) != NULL) /* the NULL that ends each statement's results */
            PQclear(r);
    return st;
}

/* Runs a batch as one transaction. Returns 0 when the transaction committed (each write's
 * result set), 1 when a statement failed (the batch rolled back: w->result of the culprit set,
 * others untouched), or NST_EIO when the connection failed. */
static int run_batch(pg4_t *s, pg4_write_t *batch, char *err, size_t errlen)
{
    PGconn *c = s->wconn;
    if (!PQenterPipelineMode(c)) {
        pgconn_error(c, NULL, err, errlen);
        return NST_EIO;
    }
    int ok = PQsendQueryParams(c, "BEGIN", 0, NULL, NULL, NULL, NULL, 0);
    for (pg4_write_t *w = batch; w && ok; w = w->next)
        ok = send_write(c, w);
    ok = ok && PQsendQueryParams(c, "COMMIT", 0, NULL, NULL, NULL, NULL, 0) && PQpipelineSync(c);
    if (!ok) {
        pgconn_error(c, NULL, err, errlen);
        PQexitPipelineMode(c);
        return NST_EIO;
    }
    int failed = 0;
    ExecStatusType st = read_one(c, NULL, err, errlen); /* BEGIN */
    if (st != PGRES_COMMAND_OK)
        failed = -1;
    for (pg4_write_t *w = batch; w; w = w->next) {
        int rows = 0;
        char e[256] = "";
        st = read_one(c, &rows, e, sizeof e);
        if (st == PGRES_COMMAND_OK)
            w->result = rows == 1 ? 0 : w->kind == OVERLAY4_ADD ? NST_EEXIST : NST_ECONFLICT;
        else if (st == PGRES_FATAL_ERROR && !failed) {
            failed = 1;
            w->result = NST_EIO;
            snprintf(err, errlen, "%s", e);
        }
    }
    st = read_one(c, NULL, err, errlen); /* COMMIT */
    if (st != PGRES_COMMAND_OK && !failed)
        failed = -1;
    st = read_one(c, NULL, err, errlen); /* sync */
    PQexitPipelineMode(c);
    if (failed < 0 || pgconn_lost(c, NULL))
        return NST_EIO;
    return failed;
}

/* Completes a write: overlay bookkeeping, then its callback (no lock held). */
static void complete(pg4_t *s, pg4_write_t *w)
{
    overlay4_end(&s->ov, w->lease.addr.v4, w->result != 0);
    if (w->result && w->result != NST_EIO)
        pg4_report(s, 6, w->result == NST_EEXIST ? "DHCPSRV_PGSQL_ADD_ADDR_TAKEN" : "DHCPSRV_PGSQL_UPDATE_CONFLICT",
                   "lease for %u.%u.%u.%u not written: %s", w->lease.addr.v4 >> 24, (w->lease.addr.v4 >> 16) & 255,
                   (w->lease.addr.v4 >> 8) & 255, w->lease.addr.v4 & 255,
                   w->result == NST_EEXIST ? "the address is leased by another server"
                                           : "the lease changed in the database since it was read");
    if (w->cb)
        w->cb(w->arg, w->result);
    lease_free(&w->lease);
    free(w);
}

static bool ensure_conn(pg4_t *s)
{
    if (atomic_load(&s->is_lost))
        return false; /* fail fast during an outage: the server's recovery timer reconnects */
    if (s->wconn && PQstatus(s->wconn) == CONNECTION_OK)
        return true;
    if (s->wconn)
        PQfinish(s->wconn);
    s->wconn = NULL;
    char err[512];
    PGconn *c;
    if (pgconn_open(&s->db, &c, err, sizeof err) || pg4_prepare(c, err, sizeof err)) {
        pg4_report(s, 3, "DHCPSRV_PGSQL_FATAL_ERROR", "lease database unavailable: %s", err);
        return false;
    }
    s->wconn = c;
    return true;
}

/* Commits batch; on a statement failure retries the writes one transaction each, so that one
 * bad write does not fail its neighbours. */
static void commit_batch(pg4_t *s, pg4_write_t *batch)
{
    char err[512] = "";
    int r = ensure_conn(s) ? run_batch(s, batch, err, sizeof err) : NST_EIO;
    if (r < 0 && s->wconn) {
        /* the connection died under us (e.g. killed by an administrator): one fresh attempt */
        PQfinish(s->wconn);
        s->wconn = NULL;
        for (pg4_write_t *w = batch; w; w = w->next)
            w->result = 0;
        r = ensure_conn(s) ? run_batch(s, batch, err, sizeof err) : NST_EIO;
    }
    if (r == 1) {
        for (pg4_write_t *w = batch; w; w = w->next) {
            pg4_write_t *next = w->next;
            w->next = NULL;
            w->result = 0;
            int r1 = run_batch(s, w, err, sizeof err);
            if (r1 == 1)
                pg4_report(s, 3, "DHCPSRV_PGSQL_QUERY_FAILED", "lease write failed: %s", err);
            if (r1 < 0)
                w->result = NST_EIO;
            w->next = next;
        }
    } else if (r < 0) {
        pg4_report(s, 3, "DHCPSRV_PGSQL_CONNECTION_LOST", "lease writes failed, not acknowledged: %s", err);
        pg4_set_lost(s);
        for (pg4_write_t *w = batch; w; w = w->next)
            w->result = NST_EIO;
    }
    pthread_mutex_lock(&s->lock);
    for (pg4_write_t *w = batch; w; w = w->next)
        overlay4_settle(&s->ov, &w->delta);
    pthread_mutex_unlock(&s->lock);
    for (pg4_write_t *w = batch, *next; w; w = next) {
        next = w->next;
        complete(s, w);
    }
}

static void *committer(void *arg)
{
    pg4_t *s = arg;
    int64_t last_end = 0;
    pthread_mutex_lock(&s->lock);
    for (;;) {
        while (!s->qhead && !s->stopping)
            pthread_cond_wait(&s->qcond, &s->lock);
        if (!s->qhead && s->stopping)
            break;
        if (!s->stopping) {
            unsigned queued = 0;
            for (pg4_write_t *w = s->qhead; w && queued < GROUPCOMMIT_ENOUGH; w = w->next)
                queued++;
            pthread_mutex_unlock(&s->lock);
            groupcommit_linger(last_end, queued);
            pthread_mutex_lock(&s->lock);
        }
        pg4_write_t *batch = s->qhead;
        unsigned n = 0;
        for (pg4_write_t *w = batch; w; w = w->next)
            n++;
        s->qhead = NULL;
        s->qtail = &s->qhead;
        s->inflight = n;
        groupcommit_taken(&s->age);
        pthread_mutex_unlock(&s->lock);
        commit_batch(s, batch);
        last_end = groupcommit_now_ns();
        pthread_mutex_lock(&s->lock);
        s->inflight = 0;
        groupcommit_done(&s->age, s->qhead != NULL);
        if (!s->qhead)
            pthread_cond_broadcast(&s->idle);
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

int pg4_writer_start(pg4_t *s, bool offline, char *err, size_t errlen)
{
    PGconn *c = NULL;
    int r = pgconn_open(&s->db, &c, err, errlen);
    if (!r)
        r = pg4_prepare(c, err, errlen);
    if (r) {
        if (c)
            PQfinish(c);
        c = NULL;
        if (!offline || r != NST_EIO)
            return r; /* a schema or parameter problem is not an outage */
        pg4_report(s, 3, "DHCPSRV_PGSQL_FATAL_ERROR", "lease database unavailable at start-up, will retry: %s", err);
        pg4_set_lost(s);
    }
    s->wconn = c;
    if (pthread_create(&s->committer, NULL, committer, s) == 0) {
        s->committer_started = true;
    } else {
        snprintf(err, errlen, "cannot start the lease commit thread");
        PQfinish(c);
        s->wconn = NULL;
        return NST_EIO;
    }
    return 0;
}

void pg4_writer_stop(pg4_t *s)
{
    if (s->committer_started) {
        pthread_mutex_lock(&s->lock);
        s->stopping = true;
        pthread_cond_signal(&s->qcond);
        pthread_mutex_unlock(&s->lock);
        pthread_join(s->committer, NULL);
        s->committer_started = false;
    }
    if (s->wconn)
        PQfinish(s->wconn);
    s->wconn = NULL;
}

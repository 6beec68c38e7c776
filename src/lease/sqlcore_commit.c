/* The SQL lease store: queued writes, and the commit thread that sends each batch as one
 * transaction through the driver (see sqlcore.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/errcode.h"
#include "common/util.h"
#include "lease/sqlcore_int.h"

static sqlcore_t *S(lease_store_t *st) { return (sqlcore_t *)st; }

static int queue(sqlcore_t *s, enum overlay4_op kind, const lease_t *l, const lease_t *old, lease_commit_cb cb,
                 void *arg)
{
    if (!sqlcore_table(s, l->family))
        return NST_EINVAL;
    if (kind != OVERLAY4_DEL && s->drv->check) {
        int r = s->drv->check(s, l);
        if (r)
            return r;
    }
    sqlcore_write_t *w = xcalloc(1, sizeof *w);
    w->kind = kind;
    lease_dup(&w->lease, l);
    w->cb = cb;
    w->arg = arg;
    if (l->family == LEASE_V4)
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

int sqlcore_add(lease_store_t *st, const lease_t *l, lease_commit_cb cb, void *arg)
{
    return queue(S(st), OVERLAY4_ADD, l, NULL, cb, arg);
}

int sqlcore_update(lease_store_t *st, const lease_t *l, const lease_t *old, lease_commit_cb cb, void *arg)
{
    return queue(S(st), OVERLAY4_UPDATE, l, old, cb, arg);
}

int sqlcore_del(lease_store_t *st, const lease_t *l, lease_commit_cb cb, void *arg)
{
    return queue(S(st), OVERLAY4_DEL, l, NULL, cb, arg);
}

int64_t sqlcore_backlog_ms(lease_store_t *st)
{
    return groupcommit_backlog_ms(&S(st)->age);
}

int sqlcore_flush(lease_store_t *st)
{
    sqlcore_t *s = S(st);
    pthread_mutex_lock(&s->lock);
    while (s->qhead || s->inflight)
        pthread_cond_wait(&s->idle, &s->lock);
    pthread_mutex_unlock(&s->lock);
    return 0;
}

/* ---- the commit thread ----------------------------------------------------------------------- */

/* Completes a write: overlay bookkeeping, then its callback (no lock held). */
static void complete(sqlcore_t *s, sqlcore_write_t *w)
{
    lease_key_t key = lease_key_of(&w->lease);
    overlay4_end(&s->ov, &key, w->result != 0);
    char a[INET6_ADDRSTRLEN];
    sqlcore_key_text(&key, a);
    if (w->result && w->result != NST_EIO)
        sqlcore_report(s, 6, w->result == NST_EEXIST ? "ADD_ADDR_TAKEN" : "UPDATE_CONFLICT",
                       "lease for %s not written: %s", a, w->result == NST_EEXIST ? "the address is leased by another server"
                                               : "the lease changed in the database since it was read");
    if (w->cb)
        w->cb(w->arg, w->result);
    lease_free(&w->lease);
    free(w);
}

static int open_wconn(sqlcore_t *s, char *err, size_t errlen)
{
    int r = sqlsess_open_conn(&s->sess, s->wconn, err, errlen);
    if (!r && s->drv->commit_setup && (r = s->drv->commit_setup(s->wconn, err, errlen)))
        s->drv->sess->disconnect(s->wconn);
    return r;
}

/* Whether the commit connection is up, connecting it if needed. */
static bool ensure_conn(sqlcore_t *s)
{
    if (sqlsess_is_lost(&s->sess))
        return false; /* fail fast during an outage: the server's recovery timer reconnects */
    if (s->drv->sess->ready(s->wconn))
        return true;
    char err[512];
    if (open_wconn(s, err, sizeof err)) {
        sqlcore_report(s, 3, "FATAL_ERROR", "lease database unavailable: %s", err);
        return false;
    }
    return true;
}

/* Sends batch through the driver, every result reset first. */
static int send_batch(sqlcore_t *s, sqlcore_write_t *batch, char *err, size_t errlen)
{
    for (sqlcore_write_t *w = batch; w; w = w->next)
        w->result = 0;
    return s->drv->commit(s, s->wconn, batch, err, errlen);
}

static void lost(sqlcore_t *s, const char *err)
{
    sqlcore_report(s, 3, "CONNECTION_LOST", "lease writes failed, not acknowledged: %s", err);
    s->drv->sess->disconnect(s->wconn);
    sqlsess_set_lost(&s->sess);
}

/* Commits batch; on a statement failure retries the writes one transaction each, so that one bad
 * write does not fail its neighbours. */
static void commit_batch(sqlcore_t *s, sqlcore_write_t *batch)
{
    char err[512] = "";
    bool up = ensure_conn(s);
    int r = up ? send_batch(s, batch, err, sizeof err) : NST_EIO;
    if (r < 0 && up) {
        /* the connection died under us (e.g. killed by an administrator): one fresh attempt */
        sqlcore_report(s, 4, "CONNECTION_LOST", "lease commit connection lost, reconnecting: %s", err);
        s->drv->sess->disconnect(s->wconn);
        r = ensure_conn(s) ? send_batch(s, batch, err, sizeof err) : NST_EIO;
    }
    unsigned n = 0;
    for (sqlcore_write_t *w = batch; w; w = w->next)
        n++;
    if (r == 1) {
        bool dead = false;
        for (sqlcore_write_t *w = batch; w; w = w->next) {
            sqlcore_write_t *next = w->next;
            w->next = NULL;
            int r1 = dead ? NST_EIO : send_batch(s, w, err, sizeof err);
            if (r1 == 1)
                sqlcore_report(s, 3, "QUERY_FAILED", "lease write failed: %s", err);
            if (r1 < 0) {
                w->result = NST_EIO;
                if (!dead)
                    lost(s, err);
                dead = true;
            }
            w->next = next;
        }
    } else if (r < 0) {
        lost(s, err);
        for (sqlcore_write_t *w = batch; w; w = w->next)
            w->result = NST_EIO;
    } else {
        sqlcore_report(s, 7, "COMMIT", "%u lease write(s) committed in one transaction", n);
    }
    pthread_mutex_lock(&s->lock);
    for (sqlcore_write_t *w = batch; w; w = w->next)
        overlay4_settle(&s->ov, &w->delta);
    pthread_mutex_unlock(&s->lock);
    for (sqlcore_write_t *w = batch, *next; w; w = next) {
        next = w->next;
        complete(s, w);
    }
}

static void *committer(void *arg)
{
    sqlcore_t *s = arg;
    int64_t last_end = 0;
    pthread_mutex_lock(&s->lock);
    for (;;) {
        while (!s->qhead && !s->stopping)
            pthread_cond_wait(&s->qcond, &s->lock);
        if (!s->qhead && s->stopping)
            break;
        if (!s->stopping) {
            unsigned queued = 0;
            for (sqlcore_write_t *w = s->qhead; w && queued < GROUPCOMMIT_ENOUGH; w = w->next)
                queued++;
            pthread_mutex_unlock(&s->lock);
            groupcommit_linger(last_end, queued);
            pthread_mutex_lock(&s->lock);
        }
        sqlcore_write_t *batch = s->qhead;
        unsigned n = 0;
        for (sqlcore_write_t *w = batch; w; w = w->next)
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

int sqlcore_writer_start(sqlcore_t *s, bool offline, char *err, size_t errlen)
{
    s->wconn = sqlsess_new_conn(&s->sess);
    int r = open_wconn(s, err, errlen);
    if (r) {
        if (!offline || r != NST_EIO)
            return r; /* a schema or parameter problem is not an outage */
        sqlcore_report(s, 3, "FATAL_ERROR", "lease database unavailable at start-up, will retry: %s", err);
        sqlsess_set_lost(&s->sess);
    }
    if (pthread_create(&s->committer, NULL, committer, s)) {
        snprintf(err, errlen, "cannot start the lease commit thread");
        return NST_EIO;
    }
    s->committer_started = true;
    return 0;
}

void sqlcore_writer_stop(sqlcore_t *s)
{
    if (s->committer_started) {
        pthread_mutex_lock(&s->lock);
        s->stopping = true;
        pthread_cond_signal(&s->qcond);
        pthread_mutex_unlock(&s->lock);
        pthread_join(s->committer, NULL);
        s->committer_started = false;
    }
    sqlsess_free_conn(&s->sess, s->wconn);
    s->wconn = NULL;
}

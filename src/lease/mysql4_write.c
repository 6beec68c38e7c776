/* MySQL lease store: queued writes, the overlay that lets lookups see them, and the commit thread
 * that runs each batch as one transaction (see mysql4.h). */
#include <mysqld_error.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/errcode.h"
#include "common/util.h"
#include "lease/groupcommit.h"
#include "lease/mysql4_int.h"

static my4_t *S(lease_store_t *st) { return (my4_t *)st; }

static void ip_text(uint32_t a, char *buf, size_t cap)
{
    snprintf(buf, cap, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

/* A TIMESTAMP holds 1970-01-01 00:00:01 .. 2038-01-19 03:14:07 UTC: a lease expiring outside
 * cannot be stored (Kea refuses it too, "Time value is too large"). */
static int check_range(my4_t *s, const lease_t *l)
{
    int64_t e = overlay4_db_expire(l);
    if (e >= 1 && e <= MYCONN_MAX_TIME)
        return 0;
    char ip[16], when[40] = "?";
    ip_text(l->addr.v4, ip, sizeof ip);
    time_t t = (time_t)e;
    struct tm tm;
    if (gmtime_r(&t, &tm))
        strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm);
    my4_report(s, 3, "DHCPSRV_MYSQL_EXPIRE_OUT_OF_RANGE",
               "lease for %s not written: it would expire at %s (cltt %lld + valid-lft %u), %s", ip, when,
               (long long)l->cltt, l->valid_lft,
               e < 1 ? "before 1970-01-01 00:00:01 UTC, the earliest time a MySQL TIMESTAMP holds"
                     : "after 2038-01-19 03:14:07 UTC, the latest time a MySQL TIMESTAMP holds");
    return NST_ERANGE;
}

static int queue(my4_t *s, enum overlay4_op kind, const lease_t *l, const lease_t *old, lease_commit_cb cb, void *arg)
{
    if (l->family != LEASE_V4)
        return NST_EINVAL;
    if (kind != OVERLAY4_DEL) {
        int r = check_range(s, l);
        if (r)
            return r;
    }
    my4_write_t *w = xcalloc(1, sizeof *w);
    w->kind = kind;
    lease_dup(&w->lease, l);
    w->cb = cb;
    w->arg = arg;
    sqlcache4_forget(&s->recent, l);
    pthread_mutex_lock(&s->lock);
    int r = overlay4_begin(&s->ov, kind, l, old, &w->conditional, &w->cond_expire);
    if (r) {
        pthread_mutex_unlock(&s->lock);
        lease_free(&w->lease);
        free(w);
        return r;
    }
    *s->qtail = w;
    s->qtail = &w->next;
    pthread_cond_signal(&s->qcond);
    pthread_mutex_unlock(&s->lock);
    return 0;
}

int my4_add(lease_store_t *st, const lease_t *l, lease_commit_cb cb, void *arg)
{
    return queue(S(st), OVERLAY4_ADD, l, NULL, cb, arg);
}

int my4_update(lease_store_t *st, const lease_t *l, const lease_t *old, lease_commit_cb cb, void *arg)
{
    return queue(S(st), OVERLAY4_UPDATE, l, old, cb, arg);
}

int my4_del(lease_store_t *st, const lease_t *l, lease_commit_cb cb, void *arg)
{
    return queue(S(st), OVERLAY4_DEL, l, NULL, cb, arg);
}

int my4_flush(lease_store_t *st)
{
    my4_t *s = S(st);
    pthread_mutex_lock(&s->lock);
    while (s->qhead || s->inflight)
        pthread_cond_wait(&s->idle, &s->lock);
    pthread_mutex_unlock(&s->lock);
    return 0;
}

void my4_bind(my4_params_t *p, const lease_t *l, bool cond, int64_t cond_expire)
{
    memset(p, 0, sizeof *p);
    p->addr = l->addr.v4;
    p->valid = l->valid_lft;
    p->subnet = l->subnet_id;
    p->state = l->state;
    p->fwd = l->fqdn_fwd, p->rev = l->fqdn_rev;
    p->hwlen = l->hwaddr_len;
    p->cidlen = l->client_id_len;
    p->hostlen = l->hostname ? strlen(l->hostname) : 0;
    p->ctxlen = l->user_context ? strlen(l->user_context) : 0;
    my4_b_u32(&p->cols[0], &p->addr);
    my4_b_bytes(&p->cols[1], MYSQL_TYPE_BLOB, l->hwaddr_len ? l->hwaddr : NULL, &p->hwlen);
    my4_b_bytes(&p->cols[2], MYSQL_TYPE_BLOB, l->client_id_len ? l->client_id : NULL, &p->cidlen);
    my4_b_u32(&p->cols[3], &p->valid);
    myconn_to_time(overlay4_db_expire(l), &p->expire);
    my4_b_time(&p->cols[4], &p->expire);
    my4_b_u32(&p->cols[5], &p->subnet);
    my4_b_tiny(&p->cols[6], &p->fwd);
    my4_b_tiny(&p->cols[7], &p->rev);
    my4_b_bytes(&p->cols[8], MYSQL_TYPE_STRING, l->hostname ? l->hostname : "", &p->hostlen); /* "" as Kea */
    my4_b_u32(&p->cols[9], &p->state);
    my4_b_bytes(&p->cols[10], MYSQL_TYPE_STRING, l->user_context, &p->ctxlen);
    if (cond) {
        myconn_to_time(cond_expire, &p->cond_time);
        my4_b_time(&p->cond, &p->cond_time);
    }
    memcpy(p->upd, p->cols + 1, (MY4_NCOLS - 1) * sizeof p->upd[0]);
    p->upd[MY4_NCOLS - 1] = p->cols[0];
    p->upd[MY4_NCOLS] = p->cond;
}

/* ---- the commit thread ----------------------------------------------------------------------- */

/* Runs one write of a transaction. 0: done (w->result set: 0, NST_EEXIST or NST_ECONFLICT);
 * otherwise the statement failed with error number *errnum (err says why). */
static int exec_write(my4_conn_t *c, my4_write_t *w, unsigned *errnum, char *err, size_t errlen)
{
    my4_params_t p;
    MYSQL_STMT *st;
    MYSQL_BIND del[2];
    MYSQL_BIND *params;
    if (w->kind == OVERLAY4_DEL) {
        my4_bind(&p, &w->lease, w->conditional, w->cond_expire);
        del[0] = p.cols[0];
        del[1] = p.cond;
        st = c->st[w->conditional ? MY4_S_DEL : MY4_S_DEL_ANY];
        params = del;
    } else if (w->kind == OVERLAY4_ADD) {
        my4_bind(&p, &w->lease, false, 0);
        st = c->st[MY4_S_INS];
        params = p.cols;
    } else {
        my4_bind(&p, &w->lease, w->conditional, w->cond_expire);
        st = c->st[w->conditional ? MY4_S_UPD : MY4_S_UPD_ANY];
        params = p.upd;
    }
    if (mysql_stmt_bind_param(st, params) || mysql_stmt_execute(st)) {
        *errnum = mysql_stmt_errno(st);
        if (w->kind == OVERLAY4_ADD && *errnum == ER_DUP_ENTRY) {
            /* InnoDB rolled back this statement only: the transaction goes on */
            w->result = NST_EEXIST;
            return 0;
        }
        myconn_error(c->my, st, err, errlen);
        return -1;
    }
    /* CLIENT_FOUND_ROWS: an UPDATE counts the row it matched even when nothing changed */
    my_ulonglong rows = mysql_stmt_affected_rows(st);
    w->result = rows == 1 ? 0 : w->kind == OVERLAY4_ADD ? NST_EEXIST : NST_ECONFLICT;
    return 0;
}

/* Runs a batch as one transaction (one COMMIT, so one log flush for all of it). Returns 0 when the
 * transaction committed (each write's result set), 1 when a statement failed (the transaction was
 * rolled back: w->result of the culprit set to NST_EIO, others untouched), or NST_EIO when the
 * connection failed. */
static int run_batch(my4_t *s, my4_write_t *batch, char *err, size_t errlen)
{
    my4_conn_t *c = &s->wconn;
    unsigned e = 0;
    if (mysql_real_query(c->my, "START TRANSACTION", 17)) {
        myconn_error(c->my, NULL, err, errlen);
        return NST_EIO;
    }
    for (my4_write_t *w = batch; w; w = w->next) {
        w->result = 0;
        if (exec_write(c, w, &e, err, errlen) == 0)
            continue;
        if (myconn_lost(e))
            return NST_EIO;
        w->result = NST_EIO;
        if (mysql_real_query(c->my, "ROLLBACK", 8) && myconn_lost(mysql_errno(c->my)))
            return NST_EIO;
        return 1;
    }
    if (mysql_real_query(c->my, "COMMIT", 6)) {
        e = mysql_errno(c->my);
        myconn_error(c->my, NULL, err, errlen);
        if (myconn_lost(e))
            return NST_EIO;
        mysql_real_query(c->my, "ROLLBACK", 8);
        for (my4_write_t *w = batch; w; w = w->next)
            w->result = 0;
        batch->result = NST_EIO; /* no culprit known: each write is retried on its own */
        return 1;
    }
    return 0;
}

/* Completes a write: overlay bookkeeping, then its callback (no lock held). */
static void complete(my4_t *s, my4_write_t *w)
{
    overlay4_end(&s->ov, w->lease.addr.v4, w->result != 0);
    if (w->result && w->result != NST_EIO) {
        char ip[16];
        ip_text(w->lease.addr.v4, ip, sizeof ip);
        my4_report(s, 6, w->result == NST_EEXIST ? "DHCPSRV_MYSQL_ADD_ADDR_TAKEN" : "DHCPSRV_MYSQL_UPDATE_CONFLICT",
                   "lease for %s not written: %s", ip,
                   w->result == NST_EEXIST ? "the address is leased by another server"
                                           : "the lease changed in the database since it was read");
    }
    if (w->cb)
        w->cb(w->arg, w->result);
    lease_free(&w->lease);
    free(w);
}

static bool ensure_conn(my4_t *s)
{
    if (atomic_load(&s->is_lost))
        return false; /* fail fast during an outage: the server's recovery timer reconnects */
    if (s->wconn.my)
        return true;
    char err[512];
    if (my4_connect(s, &s->wconn, err, sizeof err)) {
        my4_report(s, 3, "DHCPSRV_MYSQL_FATAL_ERROR", "lease database unavailable: %s", err);
        return false;
    }
    return true;
}

/* Commits batch; on a statement failure retries the writes one transaction each, so that one bad
 * write does not fail its neighbours. */
static void commit_batch(my4_t *s, my4_write_t *batch)
{
    char err[512] = "";
    int r = ensure_conn(s) ? run_batch(s, batch, err, sizeof err) : NST_EIO;
    if (r < 0 && s->wconn.my) {
        /* the connection died under us (e.g. killed by an administrator): one fresh attempt */
        my4_report(s, 4, "DHCPSRV_MYSQL_CONNECTION_LOST", "lease commit connection lost, reconnecting: %s", err);
        my4_disconnect(&s->wconn);
        r = ensure_conn(s) ? run_batch(s, batch, err, sizeof err) : NST_EIO;
    }
    if (r == 1) {
        bool dead = false;
        for (my4_write_t *w = batch; w; w = w->next) {
            my4_write_t *next = w->next;
            w->next = NULL;
            int r1 = dead ? NST_EIO : run_batch(s, w, err, sizeof err);
            if (r1 == 1)
                my4_report(s, 3, "DHCPSRV_MYSQL_QUERY_FAILED", "lease write failed: %s", err);
            if (r1 < 0) {
                w->result = NST_EIO;
                if (!dead) {
                    my4_report(s, 3, "DHCPSRV_MYSQL_CONNECTION_LOST", "lease writes failed, not acknowledged: %s",
                               err);
                    my4_disconnect(&s->wconn);
                    my4_set_lost(s);
                    dead = true;
                }
            }
            w->next = next;
        }
    } else if (r < 0) {
        my4_report(s, 3, "DHCPSRV_MYSQL_CONNECTION_LOST", "lease writes failed, not acknowledged: %s", err);
        my4_disconnect(&s->wconn);
        my4_set_lost(s);
        for (my4_write_t *w = batch; w; w = w->next)
            w->result = NST_EIO;
    }
    if (r == 0 && s->report) {
        unsigned n = 0;
        for (my4_write_t *w = batch; w; w = w->next)
            n++;
        my4_report(s, 7, "DHCPSRV_MYSQL_COMMIT", "%u lease write(s) committed in one transaction", n);
    }
    for (my4_write_t *w = batch, *next; w; w = next) {
        next = w->next;
        complete(s, w);
    }
}

static void *committer(void *arg)
{
    my4_t *s = arg;
    int64_t last_end = 0;
    pthread_mutex_lock(&s->lock);
    for (;;) {
        while (!s->qhead && !s->stopping)
            pthread_cond_wait(&s->qcond, &s->lock);
        if (!s->qhead && s->stopping)
            break;
        if (!s->stopping) {
            pthread_mutex_unlock(&s->lock);
            groupcommit_linger(last_end);
            pthread_mutex_lock(&s->lock);
        }
        my4_write_t *batch = s->qhead;
        unsigned n = 0;
        for (my4_write_t *w = batch; w; w = w->next)
            n++;
        s->qhead = NULL;
        s->qtail = &s->qhead;
        s->inflight = n;
        pthread_mutex_unlock(&s->lock);
        commit_batch(s, batch);
        last_end = groupcommit_now_ns();
        pthread_mutex_lock(&s->lock);
        s->inflight = 0;
        if (!s->qhead)
            pthread_cond_broadcast(&s->idle);
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

int my4_writer_start(my4_t *s, bool offline, char *err, size_t errlen)
{
    int r = my4_connect(s, &s->wconn, err, errlen);
    if (r) {
        if (!offline || r != NST_EIO)
            return r; /* a schema or parameter problem is not an outage */
        my4_report(s, 3, "DHCPSRV_MYSQL_FATAL_ERROR", "lease database unavailable at start-up, will retry: %s", err);
        my4_set_lost(s);
    }
    if (pthread_create(&s->committer, NULL, committer, s) == 0) {
        s->committer_started = true;
    } else {
        snprintf(err, errlen, "cannot start the lease commit thread");
        my4_disconnect(&s->wconn);
        return NST_EIO;
    }
    return 0;
}

void my4_writer_stop(my4_t *s)
{
    if (s->committer_started) {
        pthread_mutex_lock(&s->lock);
        s->stopping = true;
        pthread_cond_signal(&s->qcond);
        pthread_mutex_unlock(&s->lock);
        pthread_join(s->committer, NULL);
        s->committer_started = false;
    }
    my4_disconnect(&s->wconn);
}

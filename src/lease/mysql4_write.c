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

int64_t my4_backlog_ms(lease_store_t *st)
{
    return groupcommit_backlog_ms(&S(st)->age);
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

/* ---- the commit thread ----------------------------------------------------------------------- */

/* The commit thread's connection: the lookup statements prepared, and several statements allowed
 * in one query. */
static int wconnect(my4_t *s, char *err, size_t errlen)
{
    int r = my4_connect(s, &s->wconn, err, errlen);
    s->wjson = MY4_JSON_KEA; /* a new session: @json_supported is NULL */
    if (r == 0 && mysql_set_server_option(s->wconn.my, MYSQL_OPTION_MULTI_STATEMENTS_ON)) {
        myconn_error(s->wconn.my, NULL, err, errlen);
        my4_disconnect(&s->wconn);
        r = NST_EIO;
    }
    return r;
}

/* Adds of leases without client classes go as multi-row INSERTs of up to this many rows. */
#define MY4_INSERT_ROWS 64

/* One statement of a batch's query: count writes from first (one INSERT of count rows when
 * count > 1), or, with count 0, START TRANSACTION, a SET or COMMIT. */
typedef struct unit {
    my4_write_t *first;
    unsigned count;
} unit_t;

/* An add that Kea's per-client-class statistics procedure ignores (see MY4_JSON_KEA). */
static bool class_free(const my4_write_t *w)
{
    return w->kind == OVERLAY4_ADD && (!w->lease.user_context || !strstr(w->lease.user_context, "client-classes"));
}

static void want_json(my4_t *s, unit_t *u, size_t *nu, int want)
{
    if (s->wjson == want)
        return;
    my4_text_raw(&s->wtext, want == MY4_JSON_OFF ? "SET @json_supported = 0;" : "SET @json_supported = NULL;");
    u[(*nu)++] = (unit_t){NULL, 0};
    s->wjson = want;
}

/* Sends from (and the writes after it) as one query, then COMMIT, begun with START TRANSACTION
 * when begin; consecutive class-free adds share one INSERT unless marked single. Reads each
 * statement's outcome in order into its writes. Returns 0 when all ran (committed), or the
 * statement that failed as *failed (its first write; NULL: START, SET or COMMIT failed) and
 * *failed_count (its writes) with the error number in *errnum; the database runs nothing after a
 * failed statement. */
static int send_batch(my4_t *s, my4_write_t *from, bool begin, my4_write_t **failed, unsigned *failed_count,
                      unsigned *errnum, char *err, size_t errlen)
{
    my4_conn_t *c = &s->wconn;
    my4_text_t *t = &s->wtext;
    size_t n = 0;
    for (my4_write_t *w = from; w; w = w->next)
        n++;
    unit_t *u = xmalloc((2 * n + 3) * sizeof *u);
    size_t nu = 0;
    t->len = 0;
    if (begin) {
        my4_text_raw(t, "START TRANSACTION;");
        u[nu++] = (unit_t){NULL, 0};
    }
    for (my4_write_t *w = from; w;) {
        bool free_add = class_free(w);
        want_json(s, u, &nu, free_add ? MY4_JSON_OFF : MY4_JSON_KEA);
        unsigned count = 1;
        my4_write_t *next = w->next;
        if (free_add && !w->single)
            for (; next && count < MY4_INSERT_ROWS && class_free(next) && !next->single; next = next->next)
                count++;
        if (count > 1)
            my4_text_insert(t, c->my, w, count);
        else
            my4_text_write(t, c->my, w);
        u[nu++] = (unit_t){w, count};
        w = next;
    }
    my4_text_raw(t, "COMMIT");
    u[nu++] = (unit_t){NULL, 0};

    int st = mysql_real_query(c->my, t->buf, (unsigned long)t->len) ? 1 : 0;
    for (size_t i = 0;; i++) {
        if (st > 0) {
            *errnum = mysql_errno(c->my);
            myconn_error(c->my, NULL, err, errlen);
            *failed = i < nu ? u[i].first : NULL;
            *failed_count = i < nu ? u[i].count : 0;
            s->wjson = MY4_JSON_UNKNOWN; /* which SETs ran is not known */
            free(u);
            return -1;
        }
        if (i < nu && u[i].count == 1) {
            /* CLIENT_FOUND_ROWS: an UPDATE counts the row it matched even when nothing changed */
            my4_write_t *w = u[i].first;
            my_ulonglong rows = mysql_affected_rows(c->my);
            w->result = rows == 1 ? 0 : w->kind == OVERLAY4_ADD ? NST_EEXIST : NST_ECONFLICT;
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

/* Runs a batch as one transaction (one COMMIT, so one log flush for all of it), sent as one
 * query. Returns 0 when the transaction committed (each write's result set), 1 when a statement
 * failed (the transaction was rolled back: w->result of the culprit set to NST_EIO, others
 * untouched), or NST_EIO when the connection failed. */
static int run_batch(my4_t *s, my4_write_t *batch, char *err, size_t errlen)
{
    for (my4_write_t *w = batch; w; w = w->next)
        w->result = 0;
    my4_write_t *from = batch;
    bool begin = true;
    for (;;) {
        my4_write_t *failed = NULL;
        unsigned count = 0, e = 0;
        if (send_batch(s, from, begin, &failed, &count, &e, err, errlen) == 0)
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
            for (my4_write_t *w = failed; count--; w = w->next)
                w->single = true;
            continue;
        }
        if (mysql_real_query(s->wconn.my, "ROLLBACK", 8) && myconn_lost(mysql_errno(s->wconn.my)))
            return NST_EIO;
        for (my4_write_t *w = batch; w; w = w->next)
            w->result = 0;
        if (failed)
            failed->result = NST_EIO;
        else
            batch->result = NST_EIO; /* no culprit known: each write is retried on its own */
        return 1;
    }
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
    if (wconnect(s, err, sizeof err)) {
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
    pthread_mutex_lock(&s->lock);
    for (my4_write_t *w = batch; w; w = w->next)
        overlay4_settle(&s->ov, &w->delta);
    pthread_mutex_unlock(&s->lock);
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
            unsigned queued = 0;
            for (my4_write_t *w = s->qhead; w && queued < GROUPCOMMIT_ENOUGH; w = w->next)
                queued++;
            pthread_mutex_unlock(&s->lock);
            groupcommit_linger(last_end, queued);
            pthread_mutex_lock(&s->lock);
        }
        my4_write_t *batch = s->qhead;
        unsigned n = 0;
        for (my4_write_t *w = batch; w; w = w->next)
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

int my4_writer_start(my4_t *s, bool offline, char *err, size_t errlen)
{
    int r = wconnect(s, err, errlen);
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
    my4_text_free(&s->wtext);
}

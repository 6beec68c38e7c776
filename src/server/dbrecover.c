/* Database recovery (Kea's semantics: reconnect-wait-time, max-reconnect-tries, on-fail): see
 * dbrecover.h. */
#include "server/dbrecover.h"

#include <stdio.h>
#include <stdlib.h>

#include <event2/event.h>

#include "common/errcode.h"
#include "server/srvlog.h"

void srv_dbrec_lease_lost(void *arg)
{
    srv_dbrec_t *r = arg;
    atomic_store(&r->lease_lost, true);
    event_active(r->ev_lost, EV_READ, 0); /* any thread: the main loop handles it */
}

void srv_dbrec_hosts_lost(void *arg)
{
    srv_dbrec_t *r = arg;
    event_active(r->ev_lost, EV_READ, 0);
}

/* The first lost database: its parameters and a name for the log; NULL when none is lost or no
 * configuration runs. */
static const cfg_db_t *lost_db(srv_dbrec_t *r, char *what, size_t cap)
{
    const cfg_db_t *lease = r->ops->lease_params(r->arg);
    if (!lease)
        return NULL;
    if (atomic_load(&r->lease_lost)) {
        snprintf(what, cap, "lease database");
        return lease;
    }
    hostdb_t *h;
    for (size_t i = 0; (h = r->ops->hosts_db(r->arg, i)); i++)
        if (hostdb_is_lost(h)) {
            snprintf(what, cap, "hosts database (%s)", h->desc);
            return &h->params;
        }
    return NULL;
}

/* Reconnects every lost database; 0 when all answer, else the first failure in err. */
static int reconnect_lost(srv_dbrec_t *r, char *err, size_t errlen)
{
    int rc = 0;
    if (atomic_load(&r->lease_lost)) {
        rc = r->ops->lease_reconnect(r->arg, err, errlen);
        if (rc == 0)
            atomic_store(&r->lease_lost, false);
    }
    hostdb_t *h;
    for (size_t i = 0; (h = r->ops->hosts_db(r->arg, i)); i++) {
        char e[512];
        if (hostdb_is_lost(h) && hostdb_reconnect(h, e, sizeof e) && !rc) {
            snprintf(err, errlen, "%s", e);
            rc = NST_EIO;
        }
    }
    return rc;
}

static void schedule_retry(srv_dbrec_t *r, const cfg_db_t *db)
{
    struct timeval tv = {db->reconnect_wait_time / 1000, (db->reconnect_wait_time % 1000) * 1000};
    event_add(r->ev_retry, &tv);
}

static void disable_service(srv_dbrec_t *r, const cfg_db_t *db, const char *name)
{
    atomic_store(&r->disabled, true);
    srv_log(r->prefix, NLOG_ROOT, NLOG_INFO, "DB_RECONNECT_SERVICE_DISABLED",
            "DHCP service disabled until the %s is back (on-fail %s)", name, cfg_db_on_fail_name(db->on_fail));
}

static void on_lost(evutil_socket_t fd, short what, void *arg)
{
    srv_dbrec_t *r = arg;
    char name[320];
    const cfg_db_t *db = lost_db(r, name, sizeof name);
    if (!db)
        return;
    if (r->recovering) {
        /* the running recovery reconnects every lost database; this one may stop the service */
        if (db->on_fail == CFG_DB_STOP_RETRY_EXIT && !atomic_load(&r->disabled))
            disable_service(r, db, name);
        return;
    }
    srv_log(r->prefix, NLOG_ROOT, NLOG_ERROR, "DB_RECONNECT_LOST_CONNECTION", "%s connection lost", name);
    if (!db->max_reconnect_tries || !db->reconnect_wait_time) {
        srv_log(r->prefix, NLOG_ROOT, NLOG_ERROR, "DB_RECONNECT_DISABLED",
                "database reconnect is disabled (max-reconnect-tries %u, reconnect-wait-time %u ms)%s",
                db->max_reconnect_tries, db->reconnect_wait_time,
                db->on_fail == CFG_DB_SERVE_RETRY_CONTINUE ? "; serving on" : "; shutting down");
        if (db->on_fail != CFG_DB_SERVE_RETRY_CONTINUE)
            r->ops->shutdown(r->arg, EXIT_FAILURE);
        return;
    }
    r->recovering = true;
    r->tries = 0;
    if (db->on_fail == CFG_DB_STOP_RETRY_EXIT)
        disable_service(r, db, name);
    schedule_retry(r, db);
}

static void on_retry(evutil_socket_t fd, short what, void *arg)
{
    srv_dbrec_t *r = arg;
    if (!r->recovering || !r->ops->lease_params(r->arg))
        return;
    char name[320];
    const cfg_db_t *db = lost_db(r, name, sizeof name);
    char err[512] = "";
    r->tries++;
    if (!db || reconnect_lost(r, err, sizeof err) == 0) {
        srv_log(r->prefix, NLOG_ROOT, NLOG_INFO, "DB_RECONNECT_SUCCEEDED",
                "database connection recovered after %u attempt(s)", r->tries);
        r->recovering = false;
        atomic_store(&r->disabled, false);
        return;
    }
    if (r->tries >= db->max_reconnect_tries && db->on_fail != CFG_DB_SERVE_RETRY_CONTINUE) {
        srv_log(r->prefix, NLOG_ROOT, NLOG_FATAL, "DB_RECONNECT_FAILED",
                "%s still unreachable after %u attempt(s): %s; shutting down (on-fail %s)", name, r->tries, err,
                cfg_db_on_fail_name(db->on_fail));
        r->ops->shutdown(r->arg, EXIT_FAILURE);
        return;
    }
    srv_log(r->prefix, NLOG_ROOT, NLOG_INFO, "DB_RECONNECT_ATTEMPT_FAILED", "%s reconnect attempt %u of %u failed: %s",
            name, r->tries, db->max_reconnect_tries, err);
    schedule_retry(r, db);
}

void srv_dbrec_init(srv_dbrec_t *r, struct event_base *base, const char *prefix, const srv_dbrec_ops_t *ops,
                    void *arg)
{
    r->ops = ops;
    r->arg = arg;
    r->prefix = prefix;
    atomic_init(&r->disabled, false);
    atomic_init(&r->lease_lost, false);
    r->ev_lost = event_new(base, -1, 0, on_lost, r);
    r->ev_retry = event_new(base, -1, 0, on_retry, r);
    r->recovering = false;
    r->tries = 0;
}

void srv_dbrec_fini(srv_dbrec_t *r)
{
    if (r->ev_lost)
        event_free(r->ev_lost);
    if (r->ev_retry)
        event_free(r->ev_retry);
    r->ev_lost = r->ev_retry = NULL;
}

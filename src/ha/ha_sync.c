/* Lease synchronization with a peer, Kea's synchronize() on the event loop (see ha_service.h,
 * "Lease synchronization"): dhcp-disable, pages of leases stored one page at a time, then
 * ha-sync-complete-notify (or dhcp-enable). Every step is a callback; nothing blocks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "common/cmd.h"
#include "common/errcode.h"
#include "common/util.h"
#include "ha/ha_service_int.h"
#include "log/log.h"

/* The writes of one page, which the lease store completes on any thread. Freed by the last of
 * the synchronization (done with the page, or abandoning it) and its writes. */
typedef struct sync_batch {
    pthread_mutex_t mu;
    unsigned pending;         /* writes not completed yet */
    unsigned failed;
    bool issued;              /* every write of the page was queued */
    bool abandoned;           /* the synchronization went: the last write frees it */
    struct event *ev;         /* main loop: the page is stored */
} sync_batch_t;

typedef struct ha_sync {
    ha_service_t *s;
    unsigned peer;
    unsigned max_period;      /* dhcp-disable's; 0: none */
    ctrl_reply_t *reply;      /* ha-sync's answer; NULL: the state machine's synchronization */
    httpc_t *client;          /* its own connection, sync-timeout per request */
    bool cancelled;           /* ha_sync_cancel: the callbacks of its client do nothing */
    bool disabled;            /* the peer's service was disabled by us */
    bool more;                /* the last page was full: ask for the next */
    char from[64];            /* the last lease of that page */
    char error[512];          /* the first failure; "" while all goes well */
    int64_t start_ms;
    time_t start_wall;
    int64_t since;            /* "changed-since" of the pages (incremental), 0: every lease */
    size_t received;
    sync_batch_t *batch;
} ha_sync_t;

static void batch_free(sync_batch_t *b)
{
    if (b->ev)
        event_free(b->ev);
    pthread_mutex_destroy(&b->mu);
    free(b);
}

/* Any thread: one write of the page completed. */
static void on_written(void *arg, int err)
{
    sync_batch_t *b = arg;
    pthread_mutex_lock(&b->mu);
    if (err < 0)
        b->failed++;
    bool last = --b->pending == 0, free_it = last && b->abandoned;
    if (last && !b->abandoned && b->issued)
        event_active(b->ev, EV_READ, 0);
    pthread_mutex_unlock(&b->mu);
    if (free_it)
        batch_free(b);
}

static void batch_abandon(sync_batch_t *b)
{
    if (!b)
        return;
    pthread_mutex_lock(&b->mu);
    bool free_it = b->pending == 0;
    b->abandoned = true;
    if (b->ev)
        event_free(b->ev);
    b->ev = NULL;
    pthread_mutex_unlock(&b->mu);
    if (free_it)
        batch_free(b);
}

static const char *peer_label(const ha_sync_t *y, char *buf, size_t cap)
{
    return ha_peer_label(y->s, y->peer, buf, cap);
}

static void fail(ha_sync_t *y, const char *msg)
{
    if (!y->error[0])
        snprintf(y->error, sizeof y->error, "%s", msg);
}

/* A failure to talk to the partner makes it unavailable, as in Kea. */
static void peer_failed(ha_sync_t *y)
{
    if ((int)y->peer == y->s->partner)
        ha_set_partner_state(y->s, HA_ST_UNAVAILABLE);
}

/* A request to the peer failed (rc of ha_peer_done_fn): logged with Kea's id and text for a
 * transport failure (rc < 0) or an error answer, "<text> <peer label>: <msg>". */
static void request_failed(ha_sync_t *y, int rc, const char *msg, const char *comm_id, const char *comm_text,
                           const char *fail_id, const char *fail_text)
{
    char label[320];
    LOG_ERROR(NLOG_HA, rc < 0 ? comm_id : fail_id, "%s %s: %s", rc < 0 ? comm_text : fail_text,
              peer_label(y, label, sizeof label), msg);
    peer_failed(y);
    fail(y, msg);
}

static void send_cmd(ha_sync_t *y, const char *name, json_t *args, ha_peer_done_fn done)
{
    json_t *body = ha_peer_body(y->s, name, args);
    ha_peer_post(y->s, y->client, body, done, y);
    json_decref(body);
}

/* The end: the answer to ha-sync, or the state machine's next run. */
static void done(ha_sync_t *y)
{
    ha_service_t *s = y->s;
    bool ok = !y->error[0];
    if (ok && (int)y->peer == s->partner) {
        ha_insync_note(s, y->start_wall);   /* every lease the partner had when we started is here */
        ha_insync_save(s);
    }
    if (ok) {
        char took[32];
        ha_duration_text(y->start_ms, took, sizeof took);
        LOG_INFO(NLOG_HA, "HA_SYNC_SUCCESSFUL", "lease database synchronization with %s completed successfully in %s",
                 s->names[y->peer], took);
        if (y->peer == (unsigned)s->partner)
            s->partner_unsent_base = s->partner_unsent[1];
    } else {
        LOG_ERROR(NLOG_HA, "HA_SYNC_FAILED", "lease database synchronization with %s failed: %s", s->names[y->peer],
                  y->error);
    }
    s->sync = NULL;
    if (y->reply)
        ctrl_reply_send(y->reply, ok ? cmd_answer(CMD_SUCCESS, "Lease database synchronization complete.", NULL)
                                     : cmd_answer(CMD_ERROR, y->error, NULL));
    else {
        s->step_running[HA_STEP_SYNC] = false;
        ha_step_done(s, HA_STEP_SYNC, ok ? HA_RES_OK : HA_RES_FAILED);
    }
    httpc_free(y->client);   /* from its own callback: allowed, nothing else is queued on it */
    batch_abandon(y->batch);
    free(y);
}

static void on_enabled(ha_service_t *s, void *arg, int rc, int result, json_t *args, const char *msg)
{
    ha_sync_t *y = arg;
    if (y->cancelled)
        return;
    if (rc)
        request_failed(y, rc, msg, "HA_DHCP_ENABLE_COMMUNICATIONS_FAILED", "failed to send request to enable DHCP "
                       "service of", "HA_DHCP_ENABLE_FAILED", "failed to enable DHCP service of");
    done(y);
}

static void send_enable(ha_sync_t *y)
{
    send_cmd(y, "dhcp-enable", json_pack("{s:s}", "origin", "ha-partner"), on_enabled);
}

static void on_notified(ha_service_t *s, void *arg, int rc, int result, json_t *args, const char *msg)
{
    ha_sync_t *y = arg;
    if (y->cancelled)
        return;
    if (rc > 0 && result == CMD_UNSUPPORTED) {   /* an older peer: dhcp-enable as before Kea 1.9.11 */
        send_enable(y);
        return;
    }
    if (rc)
        request_failed(y, rc, msg, "HA_SYNC_COMPLETE_NOTIFY_COMMUNICATIONS_FAILED", "failed to send "
                       "ha-sync-complete-notify to", "HA_SYNC_COMPLETE_NOTIFY_FAILED", "error processing "
                       "ha-sync-complete-notify command on");
    done(y);
}

/* The pages are in (or it failed): give the peer its service back. */
static void finish(ha_sync_t *y)
{
    if (!y->disabled) {
        done(y);
        return;
    }
    if (y->error[0]) {
        send_enable(y);
        return;
    }
    send_cmd(y, "ha-sync-complete-notify", ha_peer_named(y->s, NULL), on_notified);
}

static void request_page(ha_sync_t *y);

/* Main loop: the page's writes are all stored (or failed). */
static void page_stored(ha_sync_t *y)
{
    sync_batch_t *b = y->batch;
    y->batch = NULL;
    /* The writer that completed the page fired this event while holding b->mu and may not have
     * released it yet: taking the lock waits for its unlock, after which no thread touches b. */
    pthread_mutex_lock(&b->mu);
    pthread_mutex_unlock(&b->mu);
    if (b->failed)
        LOG_WARN(NLOG_HA, "HA_LEASE_SYNC_FAILED", "synchronization failed for lease: %u lease(s) of a page from %s, "
                 "reason: the lease store failed to write them", b->failed, y->s->names[y->peer]);
    batch_free(b);
    if (y->more)
        request_page(y);
    else
        finish(y);
}

static void on_batch(evutil_socket_t fd, short what, void *arg)
{
    page_stored(arg);
}

/* Hub-and-spoke: whether a page's lease belongs to a subnet of this relationship (every lease when
 * no subnet names it, as Kea 2.6). */
static bool ha_sync_wanted(const ha_service_t *s, json_t *lease)
{
    json_t *sid = json_object_get(lease, "subnet-id");
    if (!s->nsync_subnets || !json_is_integer(sid))
        return true;
    size_t lo = 0, hi = s->nsync_subnets;
    json_int_t id = json_integer_value(sid);
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (s->sync_subnets[mid] == id)
            return true;
        if (s->sync_subnets[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

/* Stores each lease of the page; the next page (or the end) once they are all written. */
static void store_page(ha_sync_t *y, json_t *leases)
{
    ha_service_t *s = y->s;
    sync_batch_t *b = xcalloc(1, sizeof *b);
    pthread_mutex_init(&b->mu, NULL);
    b->ev = event_new(s->core->base, -1, 0, on_batch, y);
    y->batch = b;
    size_t n = json_array_size(leases);
    y->received += n;
    y->more = n >= s->cfg->sync_page_limit;
    for (size_t i = 0; i < n; i++) {
        json_t *l = json_array_get(leases, i);
        char err[512];
        bool wanted = ha_sync_wanted(s, l);   /* else another relationship's (Kea 2.6's lease sync filter) */
        pthread_mutex_lock(&b->mu);
        b->pending++;
        pthread_mutex_unlock(&b->mu);
        int r = !wanted ? 2
                : json_is_object(l) ? s->fam->sync_lease(s->core, l, on_written, b, err, sizeof err)
                                    : errf(err, sizeof err, NST_EINVAL, "a lease must be a map");
        if (r) {
            pthread_mutex_lock(&b->mu);
            b->pending--;
            pthread_mutex_unlock(&b->mu);
        }
        if (r < 0) {
            char *text = json_dumps(l, JSON_COMPACT | JSON_ENCODE_ANY);
            LOG_WARN(NLOG_HA, "HA_LEASE_SYNC_FAILED", "synchronization failed for lease: %s, reason: %s",
                     text ? text : "?", err);
            free(text);
        } else if (r == 1 && nlog_enabled(NLOG_HA, NLOG_DEBUG, NLOG_DBG_TRACE)) {
            json_t *sid = json_object_get(l, "subnet-id");
            nlog_write(NLOG_HA, NLOG_DEBUG, NLOG_DBG_TRACE, s->fam->stale_msg, "skipping stale lease %s in subnet %lld",
                       json_string_value(json_object_get(l, "ip-address")) ?: "?",
                       json_is_integer(sid) ? (long long)json_integer_value(sid) : 0LL);
        }
        if (i + 1 == n) {
            const char *ip = json_string_value(json_object_get(l, "ip-address"));
            snprintf(y->from, sizeof y->from, "%s", ip ? ip : "");
            if (!ip)
                y->more = false;
        }
    }
    pthread_mutex_lock(&b->mu);
    b->issued = true;
    bool now = b->pending == 0;
    pthread_mutex_unlock(&b->mu);
    if (now)
        page_stored(y);
}

static void on_page(ha_service_t *s, void *arg, int rc, int result, json_t *args, const char *msg)
{
    ha_sync_t *y = arg;
    if (y->cancelled)
        return;
    char label[320];
    peer_label(y, label, sizeof label);
    json_t *leases = json_object_get(args, "leases");
    const char *bad = rc ? msg
                      : args && !json_is_object(args) ? "arguments in the received response must be a map"
                      : !json_is_array(leases) ? "server response does not contain leases argument or this argument "
                                                 "is not a list"
                      : NULL;
    if (bad) {
        if (rc < 0)
            LOG_ERROR(NLOG_HA, "HA_LEASES_SYNC_COMMUNICATIONS_FAILED", "failed to communicate with %s while syncing "
                      "leases: %s", label, bad);
        else
            LOG_ERROR(NLOG_HA, "HA_LEASES_SYNC_FAILED", "failed to synchronize leases with %s: %s", label, bad);
        peer_failed(y);
        fail(y, bad);
        finish(y);
        return;
    }
    if (y->since && !json_object_get(args, "changed-since")) {
        LOG_INFO(NLOG_HA, "HA_SYNC_INCREMENTAL_UNSUPPORTED", "%s does not filter leases by change time (not a Nestor "
                 "server): synchronizing every lease", s->names[y->peer]);
        y->since = 0;
    }
    LOG_INFO(NLOG_HA, "HA_LEASES_SYNC_LEASE_PAGE_RECEIVED", "received %zu leases from %s", json_array_size(leases),
             s->names[y->peer]);
    store_page(y, leases);
}

static void request_page(ha_sync_t *y)
{
    ha_service_t *s = y->s;
    json_t *args = json_pack("{s:s, s:I}", "from", y->from[0] ? y->from : "start", "limit",
                             (json_int_t)s->cfg->sync_page_limit);
    if (y->since)
        json_object_set_new(args, "changed-since", json_integer(y->since));
    send_cmd(y, s->fam->get_page, args, on_page);
}

static void on_disabled(ha_service_t *s, void *arg, int rc, int result, json_t *args, const char *msg)
{
    ha_sync_t *y = arg;
    if (y->cancelled)
        return;
    if (rc) {
        request_failed(y, rc, msg, "HA_DHCP_DISABLE_COMMUNICATIONS_FAILED", "failed to send request to disable "
                       "DHCP service of", "HA_DHCP_DISABLE_FAILED", "failed to disable DHCP service of");
        finish(y);
        return;
    }
    y->disabled = true;
    request_page(y);
}

int ha_sync_start(ha_service_t *s, unsigned peer, unsigned max_period, ctrl_reply_t *reply, char *err, size_t errlen)
{
    if (s->sync)
        return errf(err, errlen, NST_EBUSY, "another lease database synchronization is in progress");
    ha_sync_t *y = xcalloc(1, sizeof *y);
    int r = ha_peer_client(s, peer, s->cfg->sync_timeout, &y->client, err, errlen);
    if (r) {
        free(y);
        return r;
    }
    y->s = s;
    y->peer = peer;
    y->max_period = max_period;
    y->reply = reply;
    y->start_ms = now_mono_ms();
    y->start_wall = time(NULL);
    y->since = reply || (int)peer != s->partner ? 0 : ha_insync_since(s);   /* ha-sync: in full */
    s->sync = y;
    LOG_INFO(NLOG_HA, "HA_SYNC_START", "starting lease database synchronization with %s", s->names[peer]);
    if (y->since) {
        char date[64];
        ha_http_date((time_t)y->since, date, sizeof date);
        LOG_INFO(NLOG_HA, "HA_SYNC_INCREMENTAL", "asking %s only for the leases changed since %s (this server held "
                 "all of them until 120 s later)", s->names[peer], date);
    }
    json_t *args = json_pack("{s:s}", "origin", "ha-partner");
    if (max_period)
        json_object_set_new(args, "max-period", json_integer(max_period));
    send_cmd(y, "dhcp-disable", args, on_disabled);
    return 0;
}

void ha_sync_cancel(ha_service_t *s)
{
    ha_sync_t *y = s->sync;
    if (!y)
        return;
    s->sync = NULL;
    s->step_running[HA_STEP_SYNC] = false;
    y->cancelled = true;
    if (y->reply)
        ctrl_reply_send(y->reply, cmd_answer(CMD_ERROR, "the HA service was reconfigured before the lease database "
                                             "synchronization ended", NULL));
    httpc_free(y->client);   /* its request is answered "cancelled": ignored */
    batch_abandon(y->batch);
    free(y);
}

/* Lease updates to the peers: what each peer gets in the current state, the per-peer queues and
 * pools of connections, the replies' holds, communication-recovery's backlog (see ha_service.h,
 * "Lease updates"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "common/cmd.h"
#include "common/errcode.h"
#include "common/util.h"
#include "ha/ha_service_int.h"
#include "lease/lease.h"
#include "log/log.h"

/* One command for one peer, from push until its answer (or its drop). */
typedef struct ha_update {
    ha_upd_t u;              /* first: u.cmd is the body (json_t *), u.hold the reply's hold or NULL */
    ha_service_t *s;
    unsigned peer;
    int slot;                /* its connection while in flight */
    bool backlog;            /* queued in communication-recovery */
    uint64_t seq;            /* push order, to tell the backlog being sent from what came later */
    char what[64];           /* for the logs: the lease's address, else the command */
    uint16_t client_len;     /* the client a conflict is counted for (ha_cmd_t.client), 0: none */
    uint32_t lifetime;
    uint8_t client[HA_CLIENT_KEY_MAX];
} ha_update_t;

/* Frees x; its reply (if it waits for it) goes on, or is dropped when err < 0. */
static void update_free(ha_update_t *x, int err)
{
    if (x->u.hold)
        srv_hold_drop(x->u.hold, err);
    json_decref(x->u.cmd);
    free(x);
}

/* The queue let the update go without sending it (cleared, overflowed, stopped). Any thread. */
static void on_drop(void *arg, ha_upd_t *u)
{
    update_free((ha_update_t *)u, NST_EIO);
}

/* Kea's shouldQueueLeaseUpdates, then shouldSendLeaseUpdates, for peer p in the current state. */
static enum ha_upd_mode mode_for(const ha_service_t *s, unsigned p)
{
    if (!s->send_updates)
        return HA_UPD_OFF;
    if (s->roles[p] == HA_ROLE_BACKUP)
        return HA_UPD_SEND;
    if (s->roles[s->me] == HA_ROLE_BACKUP)
        return HA_UPD_OFF;
    switch (s->state) {
    case HA_ST_COMMUNICATION_RECOVERY:
        return HA_UPD_QUEUE;
    case HA_ST_HOT_STANDBY: case HA_ST_LOAD_BALANCING: case HA_ST_PARTNER_IN_MAINTENANCE:
        return HA_UPD_SEND;
    default:
        return HA_UPD_UNSENT;
    }
}

void ha_updates_set_modes(ha_service_t *s)
{
    for (unsigned p = 0; p < s->npeers; p++) {
        ha_peer_upd_t *pu = s->upd[p];
        if (!pu)
            continue;
        int old = atomic_load(&pu->mode), now = (int)mode_for(s, p);
        if (old == now)
            continue;
        atomic_store(&pu->mode, now);
        if (old == HA_UPD_QUEUE) {   /* leaving communication-recovery: its backlog goes (Kea's doOnExit) */
            s->step_running[HA_STEP_BACKLOG] = false;
            ha_updq_clear(&pu->q);
            ha_updq_release(&pu->q);
            atomic_store(&s->backlog_overflowed, false);
        } else {                      /* what waits will not be sent now: its replies are dropped */
            ha_updq_clear(&pu->q);
        }
        if (now == HA_UPD_QUEUE)
            ha_updq_hold(&pu->q, s->cfg->delayed_updates_limit);
    }
}

/* Kea's increaseUnsentUpdateCount: never back to 0, which means "just started". */
static void count_unsent(ha_service_t *s)
{
    uint64_t v = atomic_load(&s->unsent_update_count), next;
    do
        next = v == UINT64_MAX ? 1 : v + 1;
    while (!atomic_compare_exchange_weak(&s->unsent_update_count, &v, next));
}

static void describe(ha_update_t *x, const ha_cmd_t *c)
{
    const char *ip = json_string_value(json_object_get(c->args, "ip-address"));
    snprintf(x->what, sizeof x->what, "%s", ip ? ip : c->name);
}

void ha_service_leases_changed(ha_service_t *s, const struct lease_change *change, srv_hold_t *hold)
{
    const lease_change_t *ch = change;
    if (!s->send_updates ||
        (ch->cause != LEASE_CHANGE_ALLOC && ch->cause != LEASE_CHANGE_RELEASE && ch->cause != LEASE_CHANGE_DECLINE))
        return;
    ha_cmd_t cmds[HA_CMDS_PER_CHANGE];
    size_t n = 0;
    bool built = false, kick = false;
    for (unsigned p = 0; p < s->npeers; p++) {
        ha_peer_upd_t *pu = s->upd[p];
        if (!pu)
            continue;
        int mode = atomic_load(&pu->mode);
        if (mode == HA_UPD_UNSENT && !pu->backup)
            count_unsent(s);
        if (mode != HA_UPD_SEND && mode != HA_UPD_QUEUE)
            continue;
        if (!built) {
            n = s->fam->update_cmds(ch, cmds);
            built = true;
        }
        for (size_t i = 0; i < n; i++) {
            ha_update_t *x = xcalloc(1, sizeof *x);
            x->s = s;
            x->u.key = cmds[i].key;
            x->u.cmd = ha_peer_body(s, cmds[i].name, json_deep_copy(cmds[i].args));
            x->peer = p;
            x->backlog = mode == HA_UPD_QUEUE;
            x->seq = atomic_fetch_add(&s->upd_seq, 1) + 1;
            describe(x, &cmds[i]);
            x->client_len = cmds[i].client_len;
            x->lifetime = cmds[i].lifetime;
            memcpy(x->client, cmds[i].client, cmds[i].client_len);
            if (mode == HA_UPD_SEND && pu->waits && hold) {
                srv_hold_take(hold);
                x->u.hold = hold;
            }
            int r = ha_updq_push(&pu->q, &x->u);
            if (r < 0)
                atomic_store(&s->backlog_overflowed, true);
            else if (r > 0)
                kick = true;
        }
    }
    for (size_t i = 0; i < n; i++)
        json_decref(cmds[i].args);
    if (kick)
        event_active(s->ev_upd, EV_READ, 0);
}

/* Kea's logFailedLeaseUpdates: the leases a peer could not store, which it lists in its answer
 * (lease6-bulk-apply's "failed-deleted-leases" and "failed-leases"). */
static void log_failed_on_peer(const ha_update_t *x, json_t *args)
{
    static const struct {
        const char *key, *id, *verb;
    } lists[] = {{"failed-deleted-leases", "HA_LEASE_UPDATE_DELETE_FAILED_ON_PEER", "delete"},
                 {"failed-leases", "HA_LEASE_UPDATE_CREATE_UPDATE_FAILED_ON_PEER", "create or update"}};
    if (!json_is_object(args))
        return;
    for (size_t k = 0; k < ARRAY_SIZE(lists); k++) {
        json_t *l = json_object_get(args, lists[k].key), *v;
        size_t i;
        json_array_foreach(l, i, v) {
            if (!json_is_object(v))
                continue;
            const char *ip = json_string_value(json_object_get(v, "ip-address"));
            const char *type = json_string_value(json_object_get(v, "type"));
            const char *why = json_string_value(json_object_get(v, "error-message"));
            LOG_INFO(NLOG_HA, lists[k].id, "%s: failed to %s the lease having type %s for address %s, reason: %s",
                     x->what, lists[k].verb, type ? type : "(unknown)", ip ? ip : "(unknown)", why ? why : "(unknown)");
        }
    }
}

static void drain(ha_service_t *s);
static void backlog_check(ha_service_t *s);

/* Kea 2.4's rejected clients (CommunicationState::reportRejectedLeaseUpdate and friends). */
static ha_rejected_t *rejected_find(ha_service_t *s, const ha_update_t *x)
{
    for (size_t i = 0; i < s->nrejected; i++)
        if (s->rejected[i].len == x->client_len && !memcmp(s->rejected[i].key, x->client, x->client_len))
            return &s->rejected[i];
    return NULL;
}

static void rejected_purge(ha_service_t *s)
{
    int64_t now = now_mono_ms();
    size_t k = 0;
    for (size_t i = 0; i < s->nrejected; i++)
        if (s->rejected[i].expire_ms > now)
            s->rejected[k++] = s->rejected[i];
    s->nrejected = k;
}

static void rejected_report(ha_service_t *s, const ha_update_t *x)
{
    uint32_t max = s->cfg->max_rejected_lease_updates;
    if (!max || !x->client_len)
        return;
    ha_rejected_t *r = rejected_find(s, x);
    if (!r) {
        rejected_purge(s);
        if (s->nrejected >= max)   /* enough to terminate already: one more changes nothing */
            return;
        if (!s->rejected)
            s->rejected = xcalloc(max < 64 ? max : 64, sizeof *s->rejected);
        else if (s->nrejected >= 64 && !(s->nrejected & (s->nrejected - 1)))
            s->rejected = xrealloc(s->rejected, 2 * s->nrejected * sizeof *s->rejected);
        r = &s->rejected[s->nrejected++];
        r->len = x->client_len;
        memcpy(r->key, x->client, x->client_len);
    }
    r->expire_ms = now_mono_ms() + (int64_t)x->lifetime * 1000;
}

static void rejected_success(ha_service_t *s, const ha_update_t *x)
{
    ha_rejected_t *r = x->client_len ? rejected_find(s, x) : NULL;
    if (r)
        *r = s->rejected[--s->nrejected];
}

bool ha_rejects_exceeded(ha_service_t *s)
{
    uint32_t max = s->started ? s->cfg->max_rejected_lease_updates : 0;
    if (!max || s->nrejected < max)
        return false;
    rejected_purge(s);
    return s->nrejected >= max;
}

void ha_rejected_clear(ha_service_t *s)
{
    s->nrejected = 0;
}

static void on_answer(ha_service_t *s, void *arg, int rc, int result, json_t *args, const char *msg)
{
    ha_update_t *x = arg;
    ha_peer_upd_t *pu = s->upd[x->peer];
    pu->busy[x->slot] = false;
    ha_updq_done(&pu->q, &x->u);
    bool ok = rc == 0, conflict = rc > 0 && result == CMD_CONFLICT && !x->backlog;
    if (s->started) {
        char label[320];
        ha_peer_label(s, x->peer, label, sizeof label);
        if (ok)
            log_failed_on_peer(x, args);
        else if (conflict)
            LOG_WARN(NLOG_HA, "HA_LEASE_UPDATE_CONFLICT", "%s: lease update to %s returned conflict status code: %s",
                     x->what, label, msg);
        else if (x->backlog)
            LOG_WARN(NLOG_HA, rc < 0 ? "HA_LEASES_BACKLOG_COMMUNICATIONS_FAILED" : "HA_LEASES_BACKLOG_FAILED",
                     rc < 0 ? "failed to communicate with %s while sending lease updates backlog: %s"
                            : "failed to send lease updates backlog to %s: %s", label, msg);
        else if (rc < 0)
            LOG_WARN(NLOG_HA, "HA_LEASE_UPDATE_COMMUNICATIONS_FAILED", "%s: failed to communicate with %s: %s",
                     x->what, label, msg);
        else
            LOG_WARN(NLOG_HA, "HA_LEASE_UPDATE_FAILED", "%s: lease update to %s failed: %s", x->what, label, msg);
    }
    bool counted = x->backlog && x->seq <= s->backlog_last_seq;
    if (s->started && conflict)
        rejected_report(s, x);   /* the partner answered: it stays available (Kea 2.4) */
    else if (s->started && ok && !pu->backup)
        rejected_success(s, x);
    update_free(x, ok ? 0 : NST_EIO);
    if (!s->started)
        return;
    if (counted && s->step_running[HA_STEP_BACKLOG]) {
        if (s->backlog_left)
            s->backlog_left--;
        if (!ok && !s->backlog_failed) {   /* Kea stops at the first failure: the rest waits again */
            s->backlog_failed = true;
            ha_updq_clear(&pu->q);
            ha_updq_hold(&pu->q, s->cfg->delayed_updates_limit);
        }
    }
    if (!ok && !conflict && !pu->backup)   /* the partner: unavailable until the next heartbeat says otherwise */
        ha_set_partner_state(s, HA_ST_UNAVAILABLE);
    drain(s);
    backlog_check(s);
    if (!ok && !pu->backup)
        ha_run_model(s, HA_EV_NONE);
}

/* Sends whatever may go now, each on a free connection of its peer's pool. */
static void drain(ha_service_t *s)
{
    if (s->draining || !s->started)
        return;
    s->draining = true;
    for (unsigned p = 0; p < s->npeers; p++) {
        ha_peer_upd_t *pu = s->upd[p];
        ha_upd_t *u;
        while (pu && (u = ha_updq_next(&pu->q))) {
            ha_update_t *x = (ha_update_t *)u;
            int k = 0;
            while (k < HA_UPD_WINDOW - 1 && pu->busy[k])   /* the queue's window is the pool's size */
                k++;
            x->slot = k;
            pu->busy[k] = true;
            ha_peer_post(s, pu->pool[k], x->u.cmd, on_answer, x);
        }
    }
    s->draining = false;
}

static void on_wake(evutil_socket_t fd, short what, void *arg)
{
    drain(arg);
}

enum ha_result ha_updates_send_backlog(ha_service_t *s)
{
    ha_peer_upd_t *pu = s->partner >= 0 ? s->upd[s->partner] : NULL;
    size_t n = pu ? ha_updq_waiting(&pu->q) : 0;
    if (!n) {
        LOG_INFO(NLOG_HA, "HA_LEASES_BACKLOG_NOTHING_TO_SEND", "no leases in backlog after communication recovery");
        return HA_RES_OK;
    }
    LOG_INFO(NLOG_HA, "HA_LEASES_BACKLOG_START", "starting to send %zu outstanding lease updates to %s", n,
             s->names[s->partner]);
    s->step_running[HA_STEP_BACKLOG] = true;
    s->backlog_failed = false;
    s->backlog_start_ms = now_mono_ms();
    s->backlog_last_seq = atomic_load(&s->upd_seq);
    s->backlog_left = n;
    ha_updq_release(&pu->q);
    drain(s);
    return HA_RES_NONE;
}

/* The backlog being sent is done when each of its updates was answered, or after a failure once
 * nothing is in flight any more. */
static void backlog_check(ha_service_t *s)
{
    if (!s->step_running[HA_STEP_BACKLOG])
        return;
    if (s->backlog_failed ? ha_updq_inflight(&s->upd[s->partner]->q) > 0 : s->backlog_left > 0)
        return;
    s->step_running[HA_STEP_BACKLOG] = false;
    if (!s->backlog_failed) {
        char took[32];
        ha_duration_text(s->backlog_start_ms, took, sizeof took);
        LOG_INFO(NLOG_HA, "HA_LEASES_BACKLOG_SUCCESS", "sending lease updates backlog to %s successful in %s",
                 s->names[s->partner], took);
    }
    ha_step_done(s, HA_STEP_BACKLOG, s->backlog_failed ? HA_RES_FAILED : HA_RES_OK);
}

static void on_reset(ha_service_t *s, void *arg, int rc, int result, json_t *args, const char *msg)
{
    char label[320];
    ha_peer_label(s, (unsigned)s->partner, label, sizeof label);
    if (rc)
        LOG_WARN(NLOG_HA, rc < 0 ? "HA_RESET_COMMUNICATIONS_FAILED" : "HA_RESET_FAILED",
                 rc < 0 ? "failed to send ha-reset command to %s: %s" : "failed to reset HA state machine of %s: %s",
                 label, msg);
    s->step_running[HA_STEP_RESET] = false;
    ha_step_done(s, HA_STEP_RESET, rc ? HA_RES_FAILED : HA_RES_OK);
}

void ha_updates_send_reset(ha_service_t *s)
{
    s->step_running[HA_STEP_RESET] = true;
    ha_peer_send(s, (unsigned)s->partner, "ha-reset", ha_peer_named(s, NULL), on_reset, NULL);
}

/* ---- lifecycle ---- */

int ha_updates_new(ha_service_t *s, char *err, size_t errlen)
{
    s->send_updates = s->cfg->send_lease_updates;
    if (!s->send_updates)
        return 0;
    s->ev_upd = event_new(s->core->base, -1, 0, on_wake, s);
    for (unsigned p = 0; p < s->npeers; p++) {
        if (p == s->me)
            continue;
        ha_peer_upd_t *pu = xcalloc(1, sizeof *pu);
        s->upd[p] = pu;
        if (ha_updq_init(&pu->q, HA_UPD_WINDOW, on_drop, s))
            abort();
        atomic_init(&pu->mode, HA_UPD_OFF);
        pu->backup = s->roles[p] == HA_ROLE_BACKUP;
        pu->waits = !pu->backup || s->cfg->wait_backup_ack;
        for (unsigned k = 0; k < HA_UPD_WINDOW; k++) {
            int r = ha_peer_client(s, p, HA_PEER_TIMEOUT_MS, &pu->pool[k], err, errlen);
            if (r)
                return r;
        }
    }
    return 0;
}

void ha_updates_start(ha_service_t *s)
{
    ha_updates_set_modes(s);
}

void ha_updates_stop(ha_service_t *s)
{
    for (unsigned p = 0; p < s->npeers; p++) {
        ha_peer_upd_t *pu = s->upd[p];
        if (!pu)
            continue;
        atomic_store(&pu->mode, HA_UPD_OFF);
        ha_updq_clear(&pu->q);
        for (unsigned k = 0; k < HA_UPD_WINDOW; k++) {   /* in flight: answered "cancelled" */
            httpc_free(pu->pool[k]);
            pu->pool[k] = NULL;
        }
    }
    if (s->ev_upd)
        event_del(s->ev_upd);
}

void ha_updates_free(ha_service_t *s)
{
    for (unsigned p = 0; p < s->npeers; p++) {
        ha_peer_upd_t *pu = s->upd[p];
        if (!pu)
            continue;
        for (unsigned k = 0; k < HA_UPD_WINDOW; k++)
            httpc_free(pu->pool[k]);
        ha_updq_destroy(&pu->q);
        free(pu);
        s->upd[p] = NULL;
    }
    if (s->ev_upd)
        event_free(s->ev_upd);
    s->ev_upd = NULL;
    free(s->rejected);
    s->rejected = NULL;
    s->nrejected = 0;
}

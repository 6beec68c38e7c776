/* The HA service: state machine runs, transitions, scopes, heartbeats and failure detection
 * (see ha_service.h). */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "common/errcode.h"
#include "common/util.h"
#include "ha/ha_service_int.h"
#include "log/log.h"

static void upper(const char *name, char *buf, size_t cap)
{
    size_t i = 0;
    for (; name[i] && i + 1 < cap; i++)
        buf[i] = (char)toupper((unsigned char)name[i]);
    buf[i] = '\0';
}

/* Kea's getStateLabel: the partner's "unavailable" is no state of the model, nor is "not heard
 * from yet": both print as UNDEFINED. */
static void partner_label(enum ha_state st, char *buf, size_t cap)
{
    upper(st == HA_ST_UNAVAILABLE || st >= HA_ST_COUNT ? "undefined" : ha_state_name(st), buf, cap);
}

void ha_http_date(time_t t, char *buf, size_t cap)
{
    static const char *const day[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(buf, cap, "%s, %02d %s %04d %02d:%02d:%02d GMT", day[tm.tm_wday], tm.tm_mday, mon[tm.tm_mon],
             tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* "Tue, 24 Nov 2026 23:11:10 GMT" (RFC 1123); false when it is not one. */
static bool parse_http_date(const char *text, time_t *out)
{
    static const char mons[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    char wd[4], mon[4];
    int d, y, h, mi, sec, n = 0;
    if (sscanf(text, "%3s, %d %3s %d %d:%d:%d GMT%n", wd, &d, mon, &y, &h, &mi, &sec, &n) != 7 || !n ||
        text[n])
        return false;
    const char *m = strstr(mons, mon);
    if (!m || (m - mons) % 3 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
        return false;
    struct tm tm = {.tm_year = y - 1900, .tm_mon = (int)(m - mons) / 3, .tm_mday = d, .tm_hour = h,
                    .tm_min = mi, .tm_sec = sec};
    *out = timegm(&tm);
    return true;
}

static void text_time(time_t t, char *buf, size_t cap)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, cap, "%Y-%m-%d %H:%M:%S", &tm);
}

/* Kea's logFormatClockSkew. */
static void skew_text(const ha_service_t *s, char *buf, size_t cap)
{
    if (!s->my_time_at_skew) {
        snprintf(buf, cap, "skew not initialized");
        return;
    }
    char mine[32], theirs[32];
    text_time(s->my_time_at_skew, mine, sizeof mine);
    text_time(s->partner_time_at_skew, theirs, sizeof theirs);
    snprintf(buf, cap, "my time: %s, partner's time: %s, partner's clock is %llds %s", mine, theirs,
             (long long)(s->clock_skew < 0 ? -s->clock_skew : s->clock_skew), s->clock_skew < 0 ? "behind" : "ahead");
}

/* ---- communication state ---- */

bool ha_comm_interrupted(const ha_service_t *s)
{
    return now_mono_ms() - atomic_load(&s->poke_ms) > (int64_t)s->max_response_delay;
}

static void poke(ha_service_t *s)
{
    atomic_store(&s->poke_ms, now_mono_ms());
    pthread_mutex_lock(&s->ulock);
    ha_unacked_clear(&s->unacked);
    pthread_mutex_unlock(&s->ulock);
}

void ha_set_partner_state(ha_service_t *s, enum ha_state st)
{
    s->partner_state = st;
}

json_t *ha_served_scopes(const ha_service_t *s)
{
    uint32_t m = atomic_load(&s->scopes);
    const char *names[HA_PEERS_MAX];
    unsigned n = 0;
    for (unsigned i = 0; i < s->npeers; i++)
        if (m >> i & 1)
            names[n++] = s->names[i];
    /* Kea keeps them in a std::set: sorted */
    for (unsigned i = 1; i < n; i++)
        for (unsigned k = i; k > 0 && strcmp(names[k - 1], names[k]) > 0; k--) {
            const char *t = names[k];
            names[k] = names[k - 1];
            names[k - 1] = t;
        }
    json_t *l = json_array();
    for (unsigned i = 0; i < n; i++)
        json_array_append_new(l, json_string(names[i]));
    return l;
}

/* ---- scopes (any thread) ---- */

static void analyze(ha_service_t *s, const ha_query_t *q)
{
    pthread_mutex_lock(&s->ulock);
    size_t before = s->unacked.clients;
    bool now_unacked = ha_unacked_analyze(&s->unacked, q->id1, q->len1, q->id2, q->len2, q->delay_ms, s->max_ack_delay);
    bool is_new = s->unacked.clients > before;
    size_t total = s->unacked.unacked;
    uint32_t left = ha_unacked_left(&s->unacked, s->max_unacked);
    pthread_mutex_unlock(&s->ulock);
    if (!is_new && !now_unacked)
        return;
    if (!nlog_enabled(NLOG_HA, NLOG_INFO, 0))
        return;
    char who[256] = "";
    if (q->describe)
        q->describe(q->pkt, who, sizeof who);
    if (now_unacked)
        nlog_write(NLOG_HA, NLOG_INFO, 0, s->fam->unacked_msg, "%s: partner server failed to respond, %zu clients "
                   "unacked so far, %u clients left before transitioning to the partner-down state", who, total, left);
    else
        nlog_write(NLOG_HA, NLOG_INFO, 0, s->fam->client_msg, "%s: new client attempting to get a lease from the "
                   "partner", who);
}

bool ha_service_in_scope(ha_service_t *s, const ha_query_t *q, const char **scope_class)
{
    int server = s->primary;
    if (q->balanced && s->mode == HA_MODE_LOAD_BALANCING) {
        int i = ha_lb_server(q->key, q->key_len, 2);
        if (i < 0) {
            *scope_class = NULL;
            return false;
        }
        server = i == 0 ? s->primary : s->secondary;
    }
    if (server < 0) {   /* no primary: a configuration the checks refuse */
        *scope_class = NULL;
        return false;
    }
    *scope_class = s->classes[server];
    bool in = atomic_load(&s->scopes) >> server & 1;
    if (!in && ha_comm_interrupted(s))
        analyze(s, q);
    return in;
}

/* ---- heartbeats ---- */

static void arm_heartbeat(ha_service_t *s)
{
    struct timeval tv = {s->cfg->heartbeat_delay / 1000, (s->cfg->heartbeat_delay % 1000) * 1000};
    evtimer_add(s->ev_heartbeat, &tv);
}

static void schedule_heartbeat(ha_service_t *s)
{
    /* not while the state machine synchronizes, as Kea's syncing handler */
    if (s->heartbeat_running || !s->cfg->heartbeat_delay || s->partner < 0 || s->step_running[HA_STEP_SYNC])
        return;
    s->heartbeat_running = true;
    if (!s->heartbeat_in_flight)
        arm_heartbeat(s);
}

static void stop_heartbeat(ha_service_t *s)
{
    s->heartbeat_running = false;
    if (s->ev_heartbeat)
        evtimer_del(s->ev_heartbeat);
}

/* The heartbeat's arguments: NULL when they are good, else why not. */
static const char *heartbeat_args(ha_service_t *s, json_t *args)
{
    if (!json_is_object(args))
        return "returned arguments in the response must be a map";
    json_t *st = json_object_get(args, "state");
    if (!json_is_string(st))
        return "server state not returned in response to a ha-heartbeat command or it is not a string";
    int state = ha_state_from_name(json_string_value(st));
    if (state < 0)
        return "unsupported HA partner state returned";
    ha_set_partner_state(s, (enum ha_state)state);
    json_t *dt = json_object_get(args, "date-time");
    time_t partner_time;
    if (!json_is_string(dt))
        return "date-time not returned in response to a ha-heartbeat command or it is not a string";
    if (!parse_http_date(json_string_value(dt), &partner_time))
        return "date-time returned in response to a ha-heartbeat command is not an RFC 1123 date";
    s->partner_time_at_skew = partner_time;
    s->my_time_at_skew = time(NULL);
    s->clock_skew = (int64_t)(partner_time - s->my_time_at_skew);
    json_t *scopes = json_object_get(args, "scopes");
    if (json_is_array(scopes)) {   /* optional, as in Kea (older peers do not send it) */
        json_t *l = json_array(), *v;
        size_t i;
        json_array_foreach(scopes, i, v)
            if (json_is_string(v) && *json_string_value(v))
                json_array_append(l, v);
        json_decref(s->partner_scopes);
        s->partner_scopes = l;
    }
    json_t *unsent = json_object_get(args, "unsent-update-count");
    if (unsent) {
        if (!json_is_integer(unsent))
            return "unsent-update-count returned in the ha-heartbeat response is not an integer";
        s->partner_unsent[0] = s->partner_unsent[1];
        s->partner_unsent[1] = (uint64_t)json_integer_value(unsent);
    }
    return NULL;
}

/* Whether the partner sends this server every change now (incremental synchronization). */
static bool receives_all(const ha_service_t *s)
{
    enum ha_state me = s->state, p = s->partner_state;
    return s->cfg->send_lease_updates &&
           (me == HA_ST_HOT_STANDBY || me == HA_ST_LOAD_BALANCING || me == HA_ST_PARTNER_IN_MAINTENANCE ||
            me == HA_ST_IN_MAINTENANCE) &&
           (p == HA_ST_HOT_STANDBY || p == HA_ST_LOAD_BALANCING || p == HA_ST_PARTNER_IN_MAINTENANCE);
}

static void on_heartbeat(ha_service_t *s, void *arg, int rc, int result, json_t *args, const char *msg)
{
    bool notified = arg != NULL;
    char label[320];
    ha_peer_label(s, (unsigned)s->partner, label, sizeof label);
    s->heartbeat_in_flight = false;
    const char *bad = NULL;
    if (rc < 0)
        LOG_WARN(NLOG_HA, "HA_HEARTBEAT_COMMUNICATIONS_FAILED", "failed to send heartbeat to %s: %s", label, msg);
    else if ((bad = rc ? msg : heartbeat_args(s, args)))
        LOG_WARN(NLOG_HA, "HA_HEARTBEAT_FAILED", "heartbeat to %s failed: %s", label, bad);
    bool ok = rc == 0 && !bad;
    if (ok) {
        poke(s);
        if (receives_all(s)) {
            ha_insync_note(s, time(NULL));
            s->partner_unsent_base = s->partner_unsent[1];
        }
    } else {
        ha_set_partner_state(s, HA_ST_UNAVAILABLE);
        if (ha_comm_interrupted(s))
            LOG_WARN(NLOG_HA, "HA_COMMUNICATION_INTERRUPTED", "communication with %s is interrupted",
                     s->names[s->partner]);
    }
    if (s->heartbeat_running)
        arm_heartbeat(s);
    /* The partner synced from us but cannot be reached: serve on in partner-down. */
    if (notified && !ok && s->state == HA_ST_PARTNER_DOWN)
        ha_adjust_network_state(s);
    ha_run_model(s, HA_EV_HEARTBEAT);
}

static void on_heartbeat_timer(evutil_socket_t fd, short what, void *arg)
{
    ha_service_t *s = arg;
    bool notified = s->sync_complete_notified;
    s->sync_complete_notified = false;
    s->heartbeat_in_flight = true;
    ha_peer_send(s, (unsigned)s->partner, "ha-heartbeat", ha_peer_named(s, NULL), on_heartbeat, notified ? s : NULL);
}

/* ---- the state machine ---- */

void ha_adjust_network_state(ha_service_t *s)
{
    /* With one relationship the service as a whole, as Kea; a hub's relationship looks at its own
     * origin (another one's may keep the service off meanwhile). */
    bool should = ha_state_serves(s->state),
         serving = s->origin == SRV_ORIGIN_HA ? srv_core_serving(s->core) : !atomic_load(&s->core->disabled[s->origin]);
    if (should == serving)
        return;
    char st[32];
    upper(ha_state_name(s->state), st, sizeof st);
    if (should)
        LOG_INFO(NLOG_HA, "HA_LOCAL_DHCP_ENABLE", "local DHCP service is enabled while the %s is in the %s state",
                 s->names[s->me], st);
    else
        LOG_INFO(NLOG_HA, "HA_LOCAL_DHCP_DISABLE", "local DHCP service is disabled while the %s is in the %s state",
                 s->names[s->me], st);
    srv_core_set_service(s->core, s->origin, should);
}

/* What the new state does on entry (the doOnEntry part of Kea's handlers). */
static void enter(ha_service_t *s)
{
    bool paused = ha_pauser_enter(&s->pauser, s->state);
    enum ha_scopes sc = ha_state_scopes(s->state, s->cfg->peers[s->me].auto_failover, s->partner_down_by_maint);
    atomic_store(&s->scopes, ha_scope_mask(sc, s->roles, s->npeers, s->me));
    ha_adjust_network_state(s);
    char st[32];
    upper(ha_state_name(s->state), st, sizeof st);
    if (paused)
        LOG_INFO(NLOG_HA, "HA_STATE_MACHINE_PAUSED", "state machine paused in state %s", st);
    switch (s->state) {
    case HA_ST_IN_MAINTENANCE:
        LOG_INFO(NLOG_HA, "HA_MAINTENANCE_SHUTDOWN_SAFE", "the server can now be shutdown for maintenance as the "
                 "partner has taken over the DHCP traffic");
        break;
    case HA_ST_PARTNER_IN_MAINTENANCE:
        LOG_INFO(NLOG_HA, "HA_MAINTENANCE_STARTED", "the server is now in the partner-in-maintenance state and the "
                 "partner is in-maintenance state");
        break;
    case HA_ST_PARTNER_DOWN:
        if (s->partner_down_by_maint)
            LOG_INFO(NLOG_HA, "HA_MAINTENANCE_STARTED_IN_PARTNER_DOWN", "the server is now in the partner-down mode "
                     "as a result of requested maintenance");
        break;
    case HA_ST_TERMINATED:
        stop_heartbeat(s);
        LOG_ERROR(NLOG_HA, "HA_TERMINATED", "HA service terminated due to an unrecoverable condition. Check "
                  "previous error message(s), address the problem and restart!");
        break;
    case HA_ST_PASSIVE_BACKUP:
        stop_heartbeat(s);
        break;
    default:
        break;
    }
}

/* Kea's shouldSendLeaseUpdates for the partner, which decides the log after a transition. */
static bool sends_updates(const ha_service_t *s)
{
    return s->cfg->send_lease_updates && (s->state == HA_ST_HOT_STANDBY || s->state == HA_ST_LOAD_BALANCING ||
                                          s->state == HA_ST_PARTNER_IN_MAINTENANCE);
}

void ha_transition(ha_service_t *s, enum ha_state next, enum ha_event ev)
{
    char from[32], to[32], partner[32];
    upper(ha_state_name(s->state), from, sizeof from);
    upper(ha_state_name(next), to, sizeof to);
    partner_label(s->partner_state, partner, sizeof partner);
    if (s->mode != HA_MODE_PASSIVE_BACKUP)
        LOG_INFO(NLOG_HA, "HA_STATE_TRANSITION", "server transitions from %s to %s state, partner state is %s", from,
                 to, partner);
    else
        LOG_INFO(NLOG_HA, "HA_STATE_TRANSITION_PASSIVE_BACKUP", "server transitions from %s to %s state", from, to);
    if (next == HA_ST_READY && s->state == HA_ST_WAITING && !s->cfg->sync_leases)
        LOG_INFO(NLOG_HA, "HA_CONFIG_LEASE_SYNCING_DISABLED_REMINDER", "bypassing SYNCING state because lease "
                 "database synchronization is administratively disabled");
    s->prev = s->state;
    s->state = next;
    s->partner_down_by_maint = next == HA_ST_PARTNER_DOWN && ev == HA_EV_MAINT_START;
    if (next == HA_ST_WAITING || next == HA_ST_SYNCING || next == HA_ST_READY || next == HA_ST_PARTNER_DOWN ||
        next == HA_ST_TERMINATED)
        ha_rejected_clear(s);
    ha_updates_set_modes(s);   /* leaving communication-recovery also clears its backlog */
    if (s->mode != HA_MODE_PASSIVE_BACKUP && s->roles[s->me] != HA_ROLE_BACKUP) {
        if (sends_updates(s))
            LOG_INFO(NLOG_HA, "HA_LEASE_UPDATES_ENABLED", "lease updates will be sent to the partner while in %s "
                     "state", to);
        else if (!s->cfg->send_lease_updates)
            LOG_INFO(NLOG_HA, "HA_CONFIG_LEASE_UPDATES_DISABLED_REMINDER", "lease updates are administratively "
                     "disabled and will not be generated while in %s state", to);
        else
            LOG_INFO(NLOG_HA, "HA_LEASE_UPDATES_DISABLED", "lease updates will not be sent to the partner while in "
                     "%s state", to);
    }
    enter(s);
}

void ha_duration_text(int64_t ms_since, char *buf, size_t cap)
{
    int64_t us = (now_mono_ms() - ms_since) * 1000;
    snprintf(buf, cap, "%lld.%03lld ms", (long long)(us / 1000), (long long)(us % 1000));
}

static void on_step(evutil_socket_t fd, short what, void *arg)
{
    ha_run_model(arg, HA_EV_NONE);
}

void ha_step_done(ha_service_t *s, enum ha_step step, enum ha_result res)
{
    static const struct timeval now = {0, 0};
    s->step_done[step] = res;
    if (s->started)   /* from the loop, never from inside a run of the machine */
        evtimer_add(s->ev_step, &now);
}

/* The state machine's synchronization with the partner (Kea's syncing handler): dhcp-disable
 * for sync-timeout (at least 1 s). */
static void start_sync(ha_service_t *s)
{
    unsigned period = s->cfg->sync_timeout / 1000;
    char err[512];
    stop_heartbeat(s);
    s->step_running[HA_STEP_SYNC] = true;
    int r = ha_sync_start(s, (unsigned)s->partner, period ? period : 1, NULL, err, sizeof err);
    if (r) {   /* tried again after the next heartbeat */
        s->step_running[HA_STEP_SYNC] = false;
        if (r != NST_EBUSY)
            LOG_ERROR(NLOG_HA, "HA_SYNC_FAILED", "lease database synchronization with %s failed: %s",
                      s->names[s->partner], err);
    }
}

static void log_invalid_partner(const ha_service_t *s)
{
    enum ha_state p = s->partner_state;
    if ((p == HA_ST_COMMUNICATION_RECOVERY || p == HA_ST_LOAD_BALANCING) && s->mode != HA_MODE_LOAD_BALANCING)
        LOG_WARN(NLOG_HA, p == HA_ST_LOAD_BALANCING ? "HA_INVALID_PARTNER_STATE_LOAD_BALANCING"
                 : "HA_INVALID_PARTNER_STATE_COMMUNICATION_RECOVERY", "partner is in the %s state unexpectedly",
                 ha_state_name(p));
    else if (p == HA_ST_HOT_STANDBY && s->mode != HA_MODE_HOT_STANDBY)
        LOG_WARN(NLOG_HA, "HA_INVALID_PARTNER_STATE_HOT_STANDBY", "partner is in the hot-standby state unexpectedly");
}

static void log_skew(ha_service_t *s, enum ha_skew v)
{
    char text[200];
    if (v == HA_SKEW_OK)
        return;
    skew_text(s, text, sizeof text);
    if (v == HA_SKEW_TERMINATE) {
        LOG_ERROR(NLOG_HA, "HA_HIGH_CLOCK_SKEW_CAUSES_TERMINATION", "%s, causing HA service to terminate", text);
        return;
    }
    int64_t now = now_mono_ms();
    if (!s->last_skew_warn_ms || now - s->last_skew_warn_ms > 60000) {
        s->last_skew_warn_ms = now;
        LOG_WARN(NLOG_HA, "HA_HIGH_CLOCK_SKEW", "%s, please synchronize clocks!", text);
    }
}

void ha_run_model(ha_service_t *s, enum ha_event ev)
{
    enum ha_result sync = s->step_done[HA_STEP_SYNC], backlog = s->step_done[HA_STEP_BACKLOG],
                   reset = s->step_done[HA_STEP_RESET];
    for (int i = 0; i < HA_STEP_COUNT; i++)
        s->step_done[i] = HA_RES_NONE;
    for (int guard = 0; guard < 32; guard++) {
        pthread_mutex_lock(&s->ulock);
        bool failure = ha_unacked_failure(&s->unacked, s->max_unacked);
        pthread_mutex_unlock(&s->ulock);
        ha_input_t in = {
            .mode = s->mode, .role = s->roles[s->me], .state = s->state, .partner = s->partner_state,
            .sync_leases = s->cfg->sync_leases,
            .comm_recovery_allowed = s->mode == HA_MODE_LOAD_BALANCING && s->cfg->delayed_updates_limit > 0,
            .comm_interrupted = ha_comm_interrupted(s), .failure_detected = failure,
            .service_enabled = srv_core_serving(s->core), .paused = s->pauser.paused,
            .maintenance_canceled = ev == HA_EV_MAINT_CANCEL,
            .partner_new_unsent = ha_partner_new_unsent(s->partner_unsent, s->partner_unsent_base),
            .backlog_overflowed = atomic_load(&s->backlog_overflowed), .clock_skew = s->clock_skew,
            .rejects_exceeded = ha_rejects_exceeded(s),
            .sync_result = sync, .backlog_result = backlog, .reset_result = reset,
        };
        ha_decision_t d = ha_next(&in);
        log_skew(s, d.skew);
        if (d.rejects)
            LOG_ERROR(NLOG_HA, "HA_LEASE_UPDATE_REJECTS_CAUSED_TERMINATION", "too many rejected lease updates cause "
                      "the HA service to terminate");
        /* The steps run on the loop: the machine runs again with their outcome (ha_step_done). */
        if (d.action == HA_ACT_SYNC) {
            if (!s->step_running[HA_STEP_SYNC])
                start_sync(s);
            break;
        }
        if (d.action == HA_ACT_SEND_BACKLOG) {
            if (s->step_running[HA_STEP_BACKLOG] || (backlog = ha_updates_send_backlog(s)) == HA_RES_NONE)
                break;
            continue;
        }
        if (d.action == HA_ACT_SEND_RESET) {
            if (!s->step_running[HA_STEP_RESET])
                ha_updates_send_reset(s);
            break;
        }
        if (d.next == HA_ST_WAITING && !in.paused)
            log_invalid_partner(s);
        if (d.next == s->state)
            break;
        ha_transition(s, d.next, ev);
        sync = backlog = reset = HA_RES_NONE;
    }
    if (s->state == HA_ST_WAITING && s->partner_state == HA_ST_TERMINATED && !s->pauser.paused)
        LOG_INFO(NLOG_HA, "HA_TERMINATED_RESTART_PARTNER", "waiting for the partner in the TERMINATED state to be "
                 "restarted");
    if (s->state != HA_ST_BACKUP && s->state != HA_ST_PASSIVE_BACKUP && s->state != HA_ST_TERMINATED)
        schedule_heartbeat(s);
}

/* ---- lifecycle ---- */

int ha_service_new(srv_core_t *core, const ha_family_t *fam, const ha_config_t *cfg, ha_service_t **out,
                   char *err, size_t errlen)
{
    if (cfg->peer_count > HA_PEERS_MAX)
        return errf(err, errlen, NST_ECONFIG, "high-availability: at most %d peers", HA_PEERS_MAX);
    ha_service_t *s = xcalloc(1, sizeof *s);
    s->core = core;
    s->fam = fam;
    s->cfg = cfg;
    s->mode = cfg->mode;
    s->npeers = (unsigned)cfg->peer_count;
    s->me = (unsigned)cfg->this_peer;
    s->primary = s->secondary = s->partner = -1;
    const ha_peer_t *partner = ha_config_partner(cfg);
    for (unsigned i = 0; i < s->npeers; i++) {
        const ha_peer_t *p = &cfg->peers[i];
        s->roles[i] = p->role;
        s->names[i] = xstrdup(p->name);
        if (asprintf(&s->classes[i], "HA_%s", p->name) < 0)
            abort();
        if (p->role == HA_ROLE_PRIMARY)
            s->primary = (int)i;
        else if (p->role == HA_ROLE_SECONDARY)
            s->secondary = (int)i;
        if (p == partner && cfg->mode != HA_MODE_PASSIVE_BACKUP && p->role != HA_ROLE_BACKUP &&
            cfg->peers[s->me].role != HA_ROLE_BACKUP)
            s->partner = (int)i;
    }
    s->max_ack_delay = cfg->max_ack_delay;
    s->max_response_delay = cfg->max_response_delay;
    s->max_unacked = cfg->max_unacked_clients;
    atomic_init(&s->scopes, 0);
    atomic_init(&s->poke_ms, now_mono_ms());
    pthread_mutex_init(&s->ulock, NULL);
    ha_unacked_init(&s->unacked);
    s->state = s->prev = HA_ST_WAITING;
    s->partner_state = HA_ST_UNKNOWN;
    s->origin = SRV_ORIGIN_HA;
    s->partner_scopes = json_array();
    ha_pauser_init(&s->pauser, cfg->pause);
    int r = ha_peer_new_clients(s, err, errlen);
    if (!r)
        r = ha_updates_new(s, err, errlen);
    if (r) {
        ha_service_free(s);
        return r;
    }
    *out = s;
    return 0;
}

void ha_service_start(ha_service_t *s)
{
    const ha_config_t *c = s->cfg;
    s->started = true;
    LOG_INFO(NLOG_HA, "HA_CONFIGURATION_SUCCESSFUL", "HA hook library has been successfully configured");
    if (!c->send_lease_updates)
        LOG_WARN(NLOG_HA, "HA_CONFIG_LEASE_UPDATES_DISABLED", "lease updates will not be generated");
    if (!c->sync_leases)
        LOG_WARN(NLOG_HA, "HA_CONFIG_LEASE_SYNCING_DISABLED", "lease database synchronization between HA servers is "
                 "disabled");
    if (c->send_lease_updates != c->sync_leases)
        LOG_WARN(NLOG_HA, "HA_CONFIG_LEASE_UPDATES_AND_SYNCING_DIFFER", "unusual configuration where "
                 "\"send-lease-updates\": %s and \"sync-leases\": %s", c->send_lease_updates ? "true" : "false",
                 c->sync_leases ? "true" : "false");
    if (!c->peers[s->me].auto_failover)
        LOG_WARN(NLOG_HA, "HA_CONFIG_AUTO_FAILOVER_DISABLED", "auto-failover disabled for %s", s->names[s->me]);
    s->ev_heartbeat = evtimer_new(s->core->base, on_heartbeat_timer, s);
    s->ev_step = evtimer_new(s->core->base, on_step, s);
    LOG_INFO(NLOG_HA, "HA_SERVICE_STARTED", "started high availability service in %s mode as %s server",
             ha_mode_name(s->mode), ha_role_name(s->roles[s->me]));
    /* Kea's HAService: the HA origin reset, then the model starts in waiting. */
    srv_core_set_service(s->core, s->origin, true);
    atomic_store(&s->poke_ms, now_mono_ms());
    ha_insync_load(s);
    enter(s);
    ha_updates_start(s);
    ha_run_model(s, HA_EV_NONE);
}

void ha_service_stop(ha_service_t *s)
{
    if (!s || !s->started)
        return;
    s->started = false;
    ha_insync_save(s);
    stop_heartbeat(s);
    event_free(s->ev_heartbeat);
    s->ev_heartbeat = NULL;
    event_free(s->ev_step);
    s->ev_step = NULL;
    ha_sync_cancel(s);
    ha_updates_stop(s);
    void (*answer)(void *, json_t *) = s->maint_done;
    s->maint_done = NULL;
    s->maint_op = HA_MAINT_NONE;
    if (answer)
        answer(s->maint_arg, cmd_answer(CMD_ERROR, "the HA service was reconfigured before the partner answered",
                                        NULL));
    ha_peer_free_clients(s);
    s->cfg = NULL;
}

void ha_service_free(ha_service_t *s)
{
    if (!s)
        return;
    ha_service_stop(s);
    ha_peer_free_clients(s);
    ha_updates_free(s);
    for (unsigned i = 0; i < s->npeers; i++) {
        free(s->names[i]);
        free(s->classes[i]);
    }
    json_decref(s->partner_scopes);
    free(s->state_file);
    free(s->sync_subnets);
    ha_unacked_free(&s->unacked);
    pthread_mutex_destroy(&s->ulock);
    free(s);
}

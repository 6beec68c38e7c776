/* The HA commands (Kea 2.2's ha_callouts.cc names, argument checks, answers and result codes) and
 * the "high-availability" section of status-get (see ha_service.h), for one relationship. The hub
 * (ha_hub.c) registers them while its services run: without them they are unknown commands, as
 * without Kea's hook. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/cmd.h"
#include "common/util.h"
#include "ha/ha_service_int.h"
#include "log/log.h"

#define SVC(ud) ((ha_service_t *)(ud))

static json_t *cmd_heartbeat(ctrl_reply_t *reply, const char *name, json_t *args, void *ud)
{
    ha_service_t *s = SVC(ud);
    char date[64];
    ha_http_date(time(NULL), date, sizeof date);
    return cmd_answer(CMD_SUCCESS, "HA peer status returned.",
                      json_pack("{s:s, s:s, s:o, s:I}", "state", ha_state_name(s->state), "date-time", date,
                                "scopes", ha_served_scopes(s), "unsent-update-count",
                                (json_int_t)s->unsent_update_count));
}

static json_t *cmd_scopes(ctrl_reply_t *reply, const char *name, json_t *args, void *ud)
{
    ha_service_t *s = SVC(ud);
    if (!args)
        return cmd_answer(CMD_ERROR, "arguments not found in the 'ha-scopes' command", NULL);
    if (!json_is_object(args))
        return cmd_answer(CMD_ERROR, "arguments in the 'ha-scopes' command are not a map", NULL);
    json_t *scopes = json_object_get(args, "scopes"), *v;
    if (!scopes)
        return cmd_answer(CMD_ERROR, "'scopes' is mandatory for the 'ha-scopes' command", NULL);
    if (!json_is_array(scopes))
        return cmd_answer(CMD_ERROR, "'scopes' must be a list in the 'ha-scopes' command", NULL);
    size_t i;
    json_array_foreach(scopes, i, v)
        if (!json_is_string(v))
            return cmd_answer(CMD_ERROR, "scope name must be a string in the 'scopes' argument", NULL);
    uint32_t mask = 0;
    json_array_foreach(scopes, i, v) {
        unsigned k = 0;
        while (k < s->npeers && strcmp(s->names[k], json_string_value(v)))
            k++;
        if (k == s->npeers)
            return cmd_answerf(CMD_ERROR, NULL, "invalid server name specified '%s' while enabling/disabling HA "
                               "scopes", json_string_value(v));
        mask |= 1u << k;
    }
    atomic_store(&s->scopes, mask);
    ha_adjust_network_state(s);
    return cmd_answer(CMD_SUCCESS, "New HA scopes configured.", NULL);
}

static json_t *cmd_continue(ctrl_reply_t *reply, const char *name, json_t *args, void *ud)
{
    if (!ha_pauser_continue(&SVC(ud)->pauser))
        return cmd_answer(CMD_SUCCESS, "HA state machine is not paused.", NULL);
    LOG_INFO(NLOG_HA, "HA_STATE_MACHINE_CONTINUED", "state machine is un-paused");
    return cmd_answer(CMD_SUCCESS, "HA state machine continues.", NULL);
}

static json_t *cmd_reset(ctrl_reply_t *reply, const char *name, json_t *args, void *ud)
{
    ha_service_t *s = SVC(ud);
    enum ha_state next;
    if (!ha_cmd_reset(s->state, &next))
        return cmd_answer(CMD_SUCCESS, "HA state machine already in WAITING state.", NULL);
    /* Beyond Kea 2.2: the partner's state is unknown until the next heartbeat (the transition
     * logs the last one known). A partner that sends ha-reset is alive: an "unavailable" of
     * before (it was cut off from us) must not take waiting straight to partner-down and past
     * the sync the reset asks for. */
    ha_transition(s, next, HA_EV_NONE);
    ha_set_partner_state(s, HA_ST_UNKNOWN);
    ha_run_model(s, HA_EV_NONE);
    return cmd_answer(CMD_SUCCESS, "HA state machine reset.", NULL);
}

static json_t *cmd_sync_complete_notify(ctrl_reply_t *reply, const char *name, json_t *args, void *ud)
{
    ha_service_t *s = SVC(ud);
    if (s->origin != SRV_ORIGIN_HA) {   /* a hub: the relationship's own origin keeps partner-down's word */
        if (s->state == HA_ST_PARTNER_DOWN) {
            s->sync_complete_notified = true;
            srv_core_set_service(s->core, s->origin, false);
        }
        srv_core_set_service(s->core, SRV_ORIGIN_HA, true);
    } else if (s->state == HA_ST_PARTNER_DOWN)
        s->sync_complete_notified = true;   /* confirmed by the next heartbeat */
    else
        srv_core_set_service(s->core, SRV_ORIGIN_HA, true);
    return cmd_answer(CMD_SUCCESS, "Server successfully notified about the synchronization completion.", NULL);
}

/* ha-sync {"server-name", "max-period"}: answered once the synchronization ended. */
static json_t *cmd_sync(ctrl_reply_t *reply, const char *name, json_t *args, void *ud)
{
    ha_service_t *s = SVC(ud);
    if (!args)
        return cmd_answer(CMD_ERROR, "arguments not found in the 'ha-sync' command", NULL);
    if (!json_is_object(args))
        return cmd_answer(CMD_ERROR, "arguments in the 'ha-sync' command are not a map", NULL);
    json_t *server = json_object_get(args, "server-name"), *period = json_object_get(args, "max-period");
    if (!server)
        return cmd_answer(CMD_ERROR, "'server-name' is mandatory for the 'ha-sync' command", NULL);
    if (!json_is_string(server))
        return cmd_answer(CMD_ERROR, "'server-name' must be a string in the 'ha-sync' command", NULL);
    if (period && (!json_is_integer(period) || json_integer_value(period) <= 0 ||
                   json_integer_value(period) > UINT32_MAX))
        return cmd_answer(CMD_ERROR, "'max-period' must be a positive integer in the 'ha-sync' command", NULL);
    unsigned peer = 0;
    while (peer < s->npeers && strcmp(s->names[peer], json_string_value(server)))
        peer++;
    if (peer == s->npeers || peer == s->me)
        return cmd_answerf(CMD_ERROR, NULL, "no configuration specified for server %s", json_string_value(server));
    char err[512];
    if (ha_sync_start(s, peer, period ? (unsigned)json_integer_value(period) : 0, reply, err, sizeof err))
        return cmd_answer(CMD_ERROR, err, NULL);
    return CTRL_PENDING;
}

/* From the partner, which starts (cancel false) or cancels its maintenance. */
static json_t *cmd_maintenance_notify(ctrl_reply_t *reply, const char *name, json_t *args, void *ud)
{
    ha_service_t *s = SVC(ud);
    if (!args)
        return cmd_answer(CMD_ERROR, "no arguments specified for the 'ha-maintenance-notify' command", NULL);
    if (!json_is_object(args))
        return cmd_answer(CMD_ERROR, "arguments specified for the 'ha-maintenance-notify' command are not a map",
                          NULL);
    if (!json_object_size(args))
        return cmd_answer(CMD_ERROR, "arguments must not be empty for the 'ha-maintenance-notify' command", NULL);
    json_t *cancel = json_object_get(args, "cancel");
    if (!cancel)
        return cmd_answer(CMD_ERROR, "'cancel' is mandatory for the 'ha-maintenance-notify' command", NULL);
    if (!json_is_boolean(cancel))
        return cmd_answer(CMD_ERROR, "'cancel' must be a boolean in the 'ha-maintenance-notify' command", NULL);
    enum ha_state next;
    int rc = ha_cmd_maintenance_notify(s->state, s->prev, json_is_true(cancel), &next);
    if (json_is_true(cancel)) {
        if (rc)
            return cmd_answer(CMD_ERROR, "Unable to cancel the maintenance for the server not in the in-maintenance "
                              "state.", NULL);
        ha_transition(s, next, HA_EV_MAINT_CANCEL);
        ha_run_model(s, HA_EV_MAINT_CANCEL);
        return cmd_answer(CMD_SUCCESS, "Server maintenance canceled.", NULL);
    }
    if (rc)
        return cmd_answerf(rc, NULL, "Unable to transition the server from the %s to in-maintenance state.",
                           ha_state_name(s->state));
    ha_transition(s, next, HA_EV_NONE);
    ha_run_model(s, HA_EV_NONE);
    return cmd_answer(CMD_SUCCESS, "Server is in-maintenance state.", NULL);
}

/* The partner's answer to our ha-maintenance-notify (start or cancel). */
static void on_notify(ha_service_t *s, void *arg, int rc, int result, json_t *args, const char *msg)
{
    void (*answer)(void *, json_t *) = s->maint_done;
    void *answer_arg = s->maint_arg;
    enum ha_maint_op op = s->maint_op;
    s->maint_done = NULL;
    s->maint_op = HA_MAINT_NONE;
    char label[320];
    ha_peer_label(s, (unsigned)s->partner, label, sizeof label);
    if (rc) {
        if (op == HA_MAINT_START)
            LOG_ERROR(NLOG_HA, rc < 0 ? "HA_MAINTENANCE_NOTIFY_COMMUNICATIONS_FAILED" : "HA_MAINTENANCE_NOTIFY_FAILED",
                      rc < 0 ? "failed to send ha-maintenance-notify to %s: %s"
                      : "error returned while processing ha-maintenance-notify by %s: %s", label, msg);
        else
            LOG_ERROR(NLOG_HA, rc < 0 ? "HA_MAINTENANCE_NOTIFY_CANCEL_COMMUNICATIONS_FAILED"
                      : "HA_MAINTENANCE_NOTIFY_CANCEL_FAILED",
                      rc < 0 ? "failed to send ha-maintenance-notify to %s in attempt to cancel its maintenance: %s"
                      : "error returned while processing ha-maintenance-notify by %s in attempt to cancel its "
                        "maintenance: %s", label, msg);
        ha_set_partner_state(s, HA_ST_UNAVAILABLE);
    }
    json_t *ans;
    enum ha_state next;
    if (op == HA_MAINT_CANCEL) {
        if (rc)
            ans = cmd_answerf(CMD_ERROR, NULL, "Unable to cancel maintenance. The partner server responded with the "
                              "following message to the ha-maintenance-notify command: %s.", msg);
        else if (ha_cmd_maintenance_cancel(s->state, s->prev, &next))
            ans = cmd_answer(CMD_ERROR, "Unable to cancel maintenance request because the server is not in the "
                             "partner-in-maintenance state.", NULL);
        else {
            ha_transition(s, next, HA_EV_MAINT_CANCEL);
            ha_run_model(s, HA_EV_MAINT_CANCEL);
            ans = cmd_answer(CMD_SUCCESS, "Server maintenance successfully canceled.", NULL);
        }
    } else if (ha_cmd_maintenance_start(s->state)) {   /* the state changed while we waited */
        ans = cmd_answerf(CMD_ERROR, NULL, "Unable to transition the server from the %s to partner-in-maintenance "
                          "state.", ha_state_name(s->state));
    } else if (ha_cmd_maintenance_started(rc < 0 ? -1 : result, &next)) {
        ans = cmd_answerf(CMD_ERROR, NULL, "Unable to transition to the partner-in-maintenance state. The partner "
                          "server responded with the following message to the ha-maintenance-notify command: %s.",
                          msg);
    } else {
        ha_transition(s, next, HA_EV_MAINT_START);
        ha_run_model(s, HA_EV_MAINT_START);
        ans = next == HA_ST_PARTNER_DOWN
                  ? cmd_answer(CMD_SUCCESS, "Server is now in the partner-down state as its partner appears to be "
                               "offline for maintenance.", NULL)
                  : cmd_answer(CMD_SUCCESS, "Server is now in the partner-in-maintenance state and its partner is "
                               "in-maintenance state. The partner can be now safely shut down.", NULL);
    }
    answer(answer_arg, ans);
}

static json_t *send_notify(ha_service_t *s, enum ha_maint_op op, void (*done)(void *arg, json_t *answer), void *arg)
{
    if (s->maint_op != HA_MAINT_NONE)
        return cmd_answer(CMD_ERROR, "another maintenance command is waiting for the partner's answer", NULL);
    if (s->partner < 0)
        return cmd_answer(CMD_ERROR, "this server has no partner", NULL);
    s->maint_op = op;
    s->maint_done = done;
    s->maint_arg = arg;
    ha_peer_send(s, (unsigned)s->partner, "ha-maintenance-notify",
                 ha_peer_named(s, json_pack("{s:b}", "cancel", op == HA_MAINT_CANCEL)), on_notify, NULL);
    return CTRL_PENDING;
}

json_t *ha_cmds_maintenance(ha_service_t *s, bool cancel, void (*done)(void *arg, json_t *answer), void *arg)
{
    enum ha_state next;
    if (!cancel && ha_cmd_maintenance_start(s->state))
        return cmd_answerf(CMD_ERROR, NULL, "Unable to transition the server from the %s to partner-in-maintenance "
                           "state.", ha_state_name(s->state));
    if (cancel && ha_cmd_maintenance_cancel(s->state, s->prev, &next))
        return cmd_answer(CMD_ERROR, "Unable to cancel maintenance request because the server is not in the "
                          "partner-in-maintenance state.", NULL);
    return send_notify(s, cancel ? HA_MAINT_CANCEL : HA_MAINT_START, done, arg);
}

/* One relationship of status-get's "high-availability" (Kea 2.2's HAImpl::commandProcessed; a hub's
 * also names the servers, as Kea 2.6). */
json_t *ha_cmds_status(ha_service_t *s)
{
    json_t *servers = json_pack("{s:{s:s, s:o, s:s}}", "local", "role", ha_role_name(s->roles[s->me]),
                                "scopes", ha_served_scopes(s), "state", ha_state_name(s->state));
    if (s->partner >= 0) {
        bool in_touch = s->partner_state != HA_ST_UNKNOWN;
        bool interrupted = ha_comm_interrupted(s);
        pthread_mutex_lock(&s->ulock);
        size_t clients = s->unacked.clients, unacked = s->unacked.unacked;
        uint64_t analyzed = s->unacked.analyzed;
        uint32_t left = interrupted ? ha_unacked_left(&s->unacked, s->max_unacked) : 0;
        pthread_mutex_unlock(&s->ulock);
        int64_t age = in_touch ? (now_mono_ms() - atomic_load(&s->poke_ms)) / 1000 : 0;
        json_object_set_new(servers, "remote", json_pack(
            "{s:I, s:I, s:b, s:I, s:b, s:O, s:s, s:s, s:I, s:I}", "age", (json_int_t)age,
            "analyzed-packets", (json_int_t)analyzed, "communication-interrupted", interrupted,
            "connecting-clients", (json_int_t)clients, "in-touch", in_touch, "last-scopes", s->partner_scopes,
            "last-state", ha_state_name(s->partner_state), "role", ha_role_name(s->roles[s->partner]),
            "unacked-clients", (json_int_t)unacked, "unacked-clients-left", (json_int_t)left));
    }
    if (s->origin != SRV_ORIGIN_HA) {   /* a hub's relationships: which is which (Kea 2.6's names) */
        json_object_set_new(json_object_get(servers, "local"), "server-name", json_string(s->names[s->me]));
        if (s->partner >= 0)
            json_object_set_new(json_object_get(servers, "remote"), "server-name",
                                json_string(s->names[s->partner]));
    }
    return json_pack("{s:s, s:o}", "ha-mode", ha_mode_name(s->mode), "ha-servers", servers);
}

static const struct {
    const char *name;
    ctrl_handler_fn fn;
} cmds[] = {
    {"ha-heartbeat", cmd_heartbeat},
    {"ha-scopes", cmd_scopes},
    {"ha-continue", cmd_continue},
    {"ha-maintenance-notify", cmd_maintenance_notify},
    {"ha-maintenance-start", NULL},    /* every relationship: ha_cmds_maintenance */
    {"ha-maintenance-cancel", NULL},
    {"ha-reset", cmd_reset},
    {"ha-sync", cmd_sync},
    {"ha-sync-complete-notify", cmd_sync_complete_notify},
};

const char *ha_cmds_name(size_t i)
{
    return i < ARRAY_SIZE(cmds) ? cmds[i].name : NULL;
}

ctrl_handler_fn ha_cmds_handler(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(cmds); i++)
        if (!strcmp(cmds[i].name, name))
            return cmds[i].fn;
    return NULL;
}

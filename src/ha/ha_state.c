/* Kea 2.2's HA names and state machine (see ha_state.h). */
#include "ha/ha_state.h"

#include <string.h>

#include "common/util.h"

const char *const ha_mode_names[] = {"load-balancing", "hot-standby", "passive-backup", NULL};
const char *const ha_role_names[] = {"primary", "secondary", "standby", "backup", NULL};
const char *const ha_state_names[] = {
    "backup", "communication-recovery", "hot-standby", "load-balancing", "in-maintenance", "partner-down",
    "partner-in-maintenance", "passive-backup", "ready", "syncing", "terminated", "waiting", "unavailable", NULL,
};
const char *const ha_pause_names[] = {"never", "always", "once", NULL};

static int index_of(const char *const *names, const char *name)
{
    for (int i = 0; name && names[i]; i++)
        if (!strcmp(names[i], name))
            return i;
    return -1;
}

const char *ha_mode_name(enum ha_mode m) { return (unsigned)m < 3 ? ha_mode_names[m] : ""; }
const char *ha_role_name(enum ha_role r) { return (unsigned)r < 4 ? ha_role_names[r] : ""; }
const char *ha_state_name(enum ha_state s) { return (unsigned)s < HA_ST_COUNT ? ha_state_names[s] : ""; }
const char *ha_pause_name(enum ha_pause p) { return (unsigned)p < 3 ? ha_pause_names[p] : ""; }
int ha_mode_from_name(const char *name) { return index_of(ha_mode_names, name); }
int ha_role_from_name(const char *name) { return index_of(ha_role_names, name); }
int ha_state_from_name(const char *name) { return index_of(ha_state_names, name); }
int ha_pause_from_name(const char *name) { return index_of(ha_pause_names, name); }

bool ha_state_serves(enum ha_state s)
{
    switch (s) {
    case HA_ST_COMMUNICATION_RECOVERY: case HA_ST_LOAD_BALANCING: case HA_ST_HOT_STANDBY:
    case HA_ST_PARTNER_DOWN: case HA_ST_PARTNER_IN_MAINTENANCE: case HA_ST_PASSIVE_BACKUP: case HA_ST_TERMINATED:
        return true;
    default:
        return false;
    }
}

enum ha_scopes ha_state_scopes(enum ha_state s, bool auto_failover, bool by_maintenance)
{
    switch (s) {
    case HA_ST_COMMUNICATION_RECOVERY: case HA_ST_LOAD_BALANCING: case HA_ST_HOT_STANDBY:
    case HA_ST_PASSIVE_BACKUP: case HA_ST_TERMINATED:
        return HA_SCOPES_DEFAULT;
    case HA_ST_PARTNER_DOWN:
        return auto_failover || by_maintenance ? HA_SCOPES_ALL : HA_SCOPES_DEFAULT;
    case HA_ST_PARTNER_IN_MAINTENANCE:
        return HA_SCOPES_ALL;
    default:
        return HA_SCOPES_NONE;
    }
}

uint32_t ha_scope_mask(enum ha_scopes sc, const enum ha_role *roles, unsigned count, unsigned me)
{
    uint32_t m = 0;
    for (unsigned i = 0; i < count && i < 32; i++) {
        bool active = roles[i] == HA_ROLE_PRIMARY || roles[i] == HA_ROLE_SECONDARY;
        if (active && (sc == HA_SCOPES_ALL || (sc == HA_SCOPES_DEFAULT && i == me)))
            m |= 1u << i;
    }
    return m;
}

enum ha_skew ha_skew_verdict(int64_t skew_s)
{
    int64_t a = skew_s < 0 ? -skew_s : skew_s;
    return a > 60 ? HA_SKEW_TERMINATE : a > 30 ? HA_SKEW_WARN : HA_SKEW_OK;
}

enum ha_state ha_normal_state(enum ha_mode mode, enum ha_role role)
{
    if (role == HA_ROLE_BACKUP)
        return HA_ST_BACKUP;
    return mode == HA_MODE_LOAD_BALANCING ? HA_ST_LOAD_BALANCING
           : mode == HA_MODE_HOT_STANDBY  ? HA_ST_HOT_STANDBY : HA_ST_PASSIVE_BACKUP;
}

bool ha_partner_down(const ha_input_t *in)
{
    if (!in->comm_interrupted)
        return false;
    if (in->service_enabled && (in->mode == HA_MODE_LOAD_BALANCING || in->role == HA_ROLE_STANDBY))
        return in->failure_detected;
    return true;   /* a hot-standby primary, or service disabled: nothing to watch */
}

/* A partner state that does not fit the mode (Kea's isPartnerStateInvalid). */
static bool partner_invalid(const ha_input_t *in)
{
    switch (in->partner) {
    case HA_ST_COMMUNICATION_RECOVERY: case HA_ST_LOAD_BALANCING:
        return in->mode != HA_MODE_LOAD_BALANCING;
    case HA_ST_HOT_STANDBY:
        return in->mode != HA_MODE_HOT_STANDBY;
    default:
        return false;
    }
}

static enum ha_state down_or_stay(const ha_input_t *in)
{
    return ha_partner_down(in) ? HA_ST_PARTNER_DOWN : in->state;
}

static enum ha_state sync_or_ready(const ha_input_t *in)
{
    return in->sync_leases ? HA_ST_SYNCING : HA_ST_READY;
}

static ha_decision_t waiting(const ha_input_t *in, ha_decision_t d)
{
    switch (in->partner) {
    case HA_ST_COMMUNICATION_RECOVERY: case HA_ST_HOT_STANDBY: case HA_ST_LOAD_BALANCING:
    case HA_ST_IN_MAINTENANCE: case HA_ST_PARTNER_DOWN: case HA_ST_PARTNER_IN_MAINTENANCE: case HA_ST_READY:
        d.next = sync_or_ready(in);
        break;
    case HA_ST_WAITING:   /* both waiting: the primary goes first */
        if (in->role == HA_ROLE_PRIMARY)
            d.next = sync_or_ready(in);
        break;
    case HA_ST_UNAVAILABLE:
        d.next = down_or_stay(in);
        break;
    default:              /* syncing, terminated (until it is restarted), unknown */
        break;
    }
    return d;
}

static ha_decision_t syncing(const ha_input_t *in, ha_decision_t d)
{
    if (in->partner == HA_ST_TERMINATED)
        d.next = HA_ST_TERMINATED;
    else if (in->partner == HA_ST_UNAVAILABLE)
        d.next = down_or_stay(in);
    else if (in->sync_result == HA_RES_NONE)
        d.action = HA_ACT_SYNC;
    else if (in->sync_result == HA_RES_OK)
        d.next = HA_ST_READY;
    return d;             /* a failed sync stays, to retry */
}

static ha_decision_t ready(const ha_input_t *in, ha_decision_t d)
{
    switch (in->partner) {
    case HA_ST_HOT_STANDBY: case HA_ST_LOAD_BALANCING: case HA_ST_COMMUNICATION_RECOVERY:
        d.next = ha_normal_state(in->mode, in->role);
        break;
    case HA_ST_IN_MAINTENANCE:
        d.next = HA_ST_PARTNER_IN_MAINTENANCE;
        break;
    case HA_ST_PARTNER_IN_MAINTENANCE:
        d.next = HA_ST_IN_MAINTENANCE;
        break;
    case HA_ST_READY:     /* both ready: the primary goes first */
        if (in->role == HA_ROLE_PRIMARY)
            d.next = in->mode == HA_MODE_LOAD_BALANCING ? HA_ST_LOAD_BALANCING : HA_ST_HOT_STANDBY;
        break;
    case HA_ST_TERMINATED:
        d.next = HA_ST_TERMINATED;
        break;
    case HA_ST_UNAVAILABLE:
        d.next = down_or_stay(in);
        break;
    default:
        break;
    }
    return d;
}

/* load-balancing, hot-standby and communication-recovery share the partner cases but the last. */
static ha_decision_t normal(const ha_input_t *in, ha_decision_t d)
{
    bool recovery = in->state == HA_ST_COMMUNICATION_RECOVERY;
    switch (in->partner) {
    case HA_ST_IN_MAINTENANCE:
        d.next = HA_ST_PARTNER_IN_MAINTENANCE;
        return d;
    case HA_ST_PARTNER_DOWN:   /* it holds newer leases: sync with it */
        d.next = HA_ST_WAITING;
        return d;
    case HA_ST_PARTNER_IN_MAINTENANCE:
        d.next = HA_ST_IN_MAINTENANCE;
        return d;
    case HA_ST_TERMINATED:
        d.next = HA_ST_TERMINATED;
        return d;
    case HA_ST_UNAVAILABLE:
        if (ha_partner_down(in))
            d.next = HA_ST_PARTNER_DOWN;
        else if (!recovery && in->comm_recovery_allowed)
            d.next = HA_ST_COMMUNICATION_RECOVERY;
        return d;
    default:
        break;
    }
    if (!recovery)
        return d;
    if (in->partner == HA_ST_WAITING || in->partner == HA_ST_SYNCING || in->partner == HA_ST_READY) {
        /* The partner is coming back and syncs anyway; we sync too if our backlog overflowed. */
        if (!in->comm_interrupted && in->backlog_overflowed)
            d.next = HA_ST_WAITING;
        return d;
    }
    if (in->comm_interrupted)
        return d;
    if (in->partner != HA_ST_LOAD_BALANCING && in->partner != HA_ST_COMMUNICATION_RECOVERY) {
        d.next = HA_ST_WAITING;
        return d;
    }
    if (!in->backlog_overflowed && in->backlog_result != HA_RES_FAILED) {
        if (in->backlog_result == HA_RES_NONE)
            d.action = HA_ACT_SEND_BACKLOG;
        else
            d.next = HA_ST_LOAD_BALANCING;
        return d;
    }
    /* The partner must sync from us: ha-reset it, then wait (stay if even that fails). */
    if (in->reset_result == HA_RES_NONE)
        d.action = HA_ACT_SEND_RESET;
    else if (in->reset_result == HA_RES_OK)
        d.next = HA_ST_WAITING;
    return d;
}

bool ha_partner_new_unsent(const uint64_t last[2], uint64_t base)
{
    return last[1] > 0 && (last[0] != last[1] || last[1] != base);
}

static ha_decision_t partner_down(const ha_input_t *in, ha_decision_t d)
{
    switch (in->partner) {
    case HA_ST_COMMUNICATION_RECOVERY:
        /* Beyond Kea 2.2: a partner cut off in communication-recovery never learns the leases we
         * gave its clients (it sends its backlog and returns to load-balancing): ha-reset it so
         * that it syncs from us; waiting either way, as Kea. */
        if (in->reset_result == HA_RES_NONE)
            d.action = HA_ACT_SEND_RESET;
        else
            d.next = HA_ST_WAITING;
        break;
    case HA_ST_PARTNER_DOWN: case HA_ST_PARTNER_IN_MAINTENANCE:
        d.next = HA_ST_WAITING;
        break;
    case HA_ST_READY:     /* back: sync first if it served clients we did not hear of */
        d.next = in->partner_new_unsent ? HA_ST_WAITING : ha_normal_state(in->mode, in->role);
        break;
    case HA_ST_TERMINATED:
        d.next = HA_ST_TERMINATED;
        break;
    default:
        break;
    }
    return d;
}

/* Kea's shouldTerminate: a fatal clock skew, else (Kea 2.4) too many rejected lease updates. */
static bool should_terminate(const ha_input_t *in, ha_decision_t *d)
{
    if ((d->skew = ha_skew_verdict(in->clock_skew)) == HA_SKEW_TERMINATE)
        return true;
    return d->rejects = in->rejects_exceeded;
}

ha_decision_t ha_next(const ha_input_t *in)
{
    ha_decision_t d = {in->state, HA_ACT_NONE, HA_SKEW_OK, false};
    switch (in->state) {
    case HA_ST_BACKUP: case HA_ST_PASSIVE_BACKUP: case HA_ST_IN_MAINTENANCE: case HA_ST_TERMINATED:
        return d;         /* left only by a command, a restart or a reconfiguration */
    case HA_ST_PARTNER_IN_MAINTENANCE:
        if (in->paused)
            return d;
        if (should_terminate(in, &d))
            d.next = HA_ST_TERMINATED;
        else if (in->partner == HA_ST_UNAVAILABLE)
            d.next = HA_ST_PARTNER_DOWN;
        return d;
    default:
        break;
    }
    if (in->paused || in->maintenance_canceled)
        return d;
    if (in->state == HA_ST_WAITING && in->role == HA_ROLE_BACKUP) {
        d.next = HA_ST_BACKUP;
        return d;
    }
    if (in->state == HA_ST_WAITING && in->mode == HA_MODE_PASSIVE_BACKUP) {
        d.next = HA_ST_PASSIVE_BACKUP;
        return d;
    }
    if (should_terminate(in, &d)) {
        d.next = HA_ST_TERMINATED;
        return d;
    }
    if (partner_invalid(in)) {   /* a misconfigured partner: wait until it is fixed */
        d.next = HA_ST_WAITING;
        return d;
    }
    switch (in->state) {
    case HA_ST_WAITING:
        return waiting(in, d);
    case HA_ST_SYNCING:
        return syncing(in, d);
    case HA_ST_READY:
        return ready(in, d);
    case HA_ST_PARTNER_DOWN:
        return partner_down(in, d);
    default:
        return normal(in, d);
    }
}

void ha_pauser_init(ha_pauser_t *p, const uint8_t rule[HA_ST_COUNT])
{
    memset(p, 0, sizeof *p);
    if (rule)
        memcpy(p->rule, rule, sizeof p->rule);
}

bool ha_pauser_enter(ha_pauser_t *p, enum ha_state s)
{
    if (p->paused || (unsigned)s >= HA_ST_COUNT)
        return p->paused;
    if (p->rule[s] == HA_PAUSE_ALWAYS || (p->rule[s] == HA_PAUSE_ONCE && !p->was_paused[s]))
        p->paused = p->was_paused[s] = true;
    return p->paused;
}

bool ha_pauser_continue(ha_pauser_t *p)
{
    bool was = p->paused;
    p->paused = false;
    return was;
}

bool ha_cmd_reset(enum ha_state cur, enum ha_state *next)
{
    if (cur == HA_ST_WAITING)
        return false;
    *next = HA_ST_WAITING;
    return true;
}

int ha_cmd_maintenance_notify(enum ha_state cur, enum ha_state prev, bool cancel, enum ha_state *next)
{
    if (cancel) {
        if (cur != HA_ST_IN_MAINTENANCE)
            return 1;
        *next = prev;
        return 0;
    }
    if (cur == HA_ST_BACKUP || cur == HA_ST_PARTNER_IN_MAINTENANCE || cur == HA_ST_TERMINATED)
        return HA_RESULT_MAINTENANCE_NOT_ALLOWED;
    *next = HA_ST_IN_MAINTENANCE;
    return 0;
}

int ha_cmd_maintenance_start(enum ha_state cur)
{
    return cur == HA_ST_BACKUP || cur == HA_ST_IN_MAINTENANCE || cur == HA_ST_PARTNER_IN_MAINTENANCE ||
           cur == HA_ST_TERMINATED;
}

int ha_cmd_maintenance_started(int partner_rcode, enum ha_state *next)
{
    if (partner_rcode < 0 || partner_rcode == 1)
        *next = HA_ST_PARTNER_DOWN;      /* the partner looks gone already */
    else if (partner_rcode == 0)
        *next = HA_ST_PARTNER_IN_MAINTENANCE;
    else
        return 1;
    return 0;
}

int ha_cmd_maintenance_cancel(enum ha_state cur, enum ha_state prev, enum ha_state *next)
{
    if (cur != HA_ST_PARTNER_IN_MAINTENANCE)
        return 1;
    *next = prev;
    return 0;
}

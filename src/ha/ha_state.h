/* High availability: the names Kea 2.2's HA hook uses (modes, roles, states, pause rules) and
 * its state machine as pure functions.
 *
 * Contract:
 * - Family-neutral and stateless: nothing here knows a packet, a lease or a clock. The caller
 *   (the HA service) gathers what Kea's state handlers look at into ha_input_t and applies the
 *   decision; one function, ha_next(), decides every automatic transition.
 * - Names are Kea's, lower-case as Kea prints them in commands and status-get
 *   ("partner-in-maintenance"); log messages use them upper-cased (HA_STATE_TRANSITION).
 * - HA_ST_UNAVAILABLE and HA_ST_UNKNOWN are partner states only: unavailable = the last heartbeat
 *   (or maintenance notify) failed; unknown = no answer yet since start (Kea's -1: no transition
 *   is made on it).
 * - One departure from Kea 2.2: partner-down with the partner in communication-recovery sends
 *   ha-reset to the partner before waiting, so that the partner syncs the leases given while it
 *   was cut off (Kea goes to waiting only, and the partner may return to load-balancing without
 *   them: two clients could then hold one address).
 */
#ifndef NESTOR_HA_HA_STATE_H
#define NESTOR_HA_HA_STATE_H

#include <stdbool.h>
#include <stdint.h>

enum ha_mode { HA_MODE_LOAD_BALANCING, HA_MODE_HOT_STANDBY, HA_MODE_PASSIVE_BACKUP };
enum ha_role { HA_ROLE_PRIMARY, HA_ROLE_SECONDARY, HA_ROLE_STANDBY, HA_ROLE_BACKUP };

enum ha_state {
    HA_ST_BACKUP,
    HA_ST_COMMUNICATION_RECOVERY,
    HA_ST_HOT_STANDBY,
    HA_ST_LOAD_BALANCING,
    HA_ST_IN_MAINTENANCE,
    HA_ST_PARTNER_DOWN,
    HA_ST_PARTNER_IN_MAINTENANCE,
    HA_ST_PASSIVE_BACKUP,
    HA_ST_READY,
    HA_ST_SYNCING,
    HA_ST_TERMINATED,
    HA_ST_WAITING,
    HA_ST_UNAVAILABLE,        /* partner only */
    HA_ST_COUNT,
    HA_ST_UNKNOWN = HA_ST_COUNT, /* partner only: not heard from yet */
};

/* state-machine "pause": never (default), always (each time the state is entered), once (the
 * first time only, until the configuration is replaced). */
enum ha_pause { HA_PAUSE_NEVER, HA_PAUSE_ALWAYS, HA_PAUSE_ONCE };

/* DHCP service by state: enabled in communication-recovery, load-balancing, hot-standby,
 * partner-down, partner-in-maintenance, passive-backup and terminated; disabled otherwise. */
bool ha_state_serves(enum ha_state s);

/* The scopes a state serves from its entry on (ha-scopes may change them later):
 * NONE; DEFAULT = this server's own scope (primary and secondary; none for standby and backup);
 * ALL = the scopes of the primary and of the secondary (the failover scopes). partner-down serves
 * ALL only with auto-failover or when entered by ha-maintenance-start, else DEFAULT. */
enum ha_scopes { HA_SCOPES_NONE, HA_SCOPES_DEFAULT, HA_SCOPES_ALL };
enum ha_scopes ha_state_scopes(enum ha_state s, bool auto_failover, bool by_maintenance);
/* Which peers' scopes a server serves: bit i = peers[i]'s scope. roles[] are the peers' roles,
 * me this server's index. */
uint32_t ha_scope_mask(enum ha_scopes sc, const enum ha_role *roles, unsigned count, unsigned me);

/* Clock skew (partner's time minus ours, whole seconds truncated toward zero, from the heartbeat's
 * date-time): WARN above 30 s (the caller logs HA_HIGH_CLOCK_SKEW at most once a minute), TERMINATE
 * above 60 s, either sign. */
enum ha_skew { HA_SKEW_OK, HA_SKEW_WARN, HA_SKEW_TERMINATE };
enum ha_skew ha_skew_verdict(int64_t skew_s);

/* The state a normal server returns to: backup for a backup, else the mode's own state. */
enum ha_state ha_normal_state(enum ha_mode mode, enum ha_role role);

/* The outcome of a step the state machine asked for (syncing, sending the backlog, ha-reset). */
enum ha_result { HA_RES_NONE, HA_RES_OK, HA_RES_FAILED };
enum ha_action {
    HA_ACT_NONE,
    HA_ACT_SYNC,          /* syncing: synchronize with the partner now, report in sync_result */
    HA_ACT_SEND_BACKLOG,  /* communication-recovery: send the backlog, report in backlog_result */
    HA_ACT_SEND_RESET,    /* communication-recovery, and partner-down with the partner in communication-recovery
                           * (beyond Kea 2.2, see partner_down()): send ha-reset to the partner, report in
                           * reset_result */
};

/* What Kea's state handlers look at, gathered by the caller. */
typedef struct ha_input {
    enum ha_mode mode;
    enum ha_role role;              /* this server's */
    enum ha_state state;            /* this server's */
    enum ha_state partner;          /* last reported by the partner, or HA_ST_UNAVAILABLE / HA_ST_UNKNOWN */
    bool sync_leases;               /* configuration */
    bool comm_recovery_allowed;     /* load-balancing with delayed-updates-limit > 0 */
    bool comm_interrupted;          /* no contact for longer than max-response-delay */
    bool failure_detected;          /* the unacked-clients verdict (ha_hash.h) */
    bool service_enabled;           /* the local DHCP service is enabled now */
    bool paused;                    /* the state machine is paused (ha_pauser_t) */
    bool maintenance_canceled;      /* the last event was a maintenance cancel: hold for this run */
    bool partner_new_unsent;        /* the partner's unsent-update-count changed (partner-down) */
    bool backlog_overflowed;        /* communication-recovery's backlog overflowed */
    int64_t clock_skew;             /* s, see ha_skew_verdict */
    bool rejects_exceeded;          /* max-rejected-lease-updates clients were rejected (Kea 2.4) */
    enum ha_result sync_result, backlog_result, reset_result;
} ha_input_t;

typedef struct ha_decision {
    enum ha_state next;             /* == in->state: stay */
    enum ha_action action;          /* do this, then call ha_next() again with its result */
    enum ha_skew skew;              /* the skew verdict, when the state's handler looked at it */
    bool rejects;                   /* terminated for the rejected lease updates (skew was fine) */
} ha_decision_t;

/* Whether the partner served clients it sent this server no lease update for (partner-down,
 * partner back in ready). Kea's test: its unsent-update-count changed between the last two
 * heartbeats (last[0], last[1]). Beyond Kea 2.2: or it differs from base, the count when this
 * server last held all the partner's leases (a heartbeat in the in-sync states, a sync). Kea's
 * test misses the leases when this server saw the partner's count rise while it was waiting or
 * syncing (a server stopped, then continued: it goes partner-down, the partner syncs from it). */
bool ha_partner_new_unsent(const uint64_t last[2], uint64_t base);

/* One run of the current state's handler: the next state, or a step to take first. The caller
 * logs a change (HA_STATE_TRANSITION old new partner, upper-case; HA_STATE_TRANSITION_PASSIVE_BACKUP
 * in passive-backup), calls ha_pauser_enter() for the new state, applies ha_state_serves() and
 * ha_state_scopes(), clears the backlog when leaving communication-recovery, and runs ha_next()
 * again while the state changes. */
ha_decision_t ha_next(const ha_input_t *in);
/* shouldPartnerDown: communication interrupted and, when this server can watch the partner's
 * clients (load-balancing, or a standby, with its service enabled), the unacked-clients verdict. */
bool ha_partner_down(const ha_input_t *in);

/* Pauses (state-machine "pause"): entering a state pauses the machine when its rule says so
 * (always; once: the first entry only) and it is not paused already; ha-continue resumes. */
typedef struct ha_pauser {
    uint8_t rule[HA_ST_COUNT];      /* enum ha_pause, from ha_config_t.pause */
    bool was_paused[HA_ST_COUNT];
    bool paused;
} ha_pauser_t;
void ha_pauser_init(ha_pauser_t *p, const uint8_t rule[HA_ST_COUNT]);
bool ha_pauser_enter(ha_pauser_t *p, enum ha_state s);   /* returns whether paused now */
bool ha_pauser_continue(ha_pauser_t *p);                  /* false: was not paused */

/* The transitions commands make (result codes as Kea answers them: 0, 1, or 1001 for a
 * maintenance the state does not allow). *next is set when the state changes. */
#define HA_RESULT_MAINTENANCE_NOT_ALLOWED 1001
/* ha-reset: always 0; *next = waiting unless already there (returns false then). */
bool ha_cmd_reset(enum ha_state cur, enum ha_state *next);
/* ha-maintenance-notify from the partner: cancel returns to prev (only from in-maintenance, else 1);
 * otherwise in-maintenance, refused with 1001 in backup, partner-in-maintenance and terminated. */
int ha_cmd_maintenance_notify(enum ha_state cur, enum ha_state prev, bool cancel, enum ha_state *next);
/* ha-maintenance-start, step 1: 0 when the state allows it (not backup, in-maintenance,
 * partner-in-maintenance, terminated), else 1. Step 2, given the partner's answer to the notify
 * (partner_rcode: 0, 1, 1001, or -1 when it could not be reached): partner-down (entered "by
 * maintenance": it serves all scopes), partner-in-maintenance, or 1 without a change (1001). */
int ha_cmd_maintenance_start(enum ha_state cur);
int ha_cmd_maintenance_started(int partner_rcode, enum ha_state *next);
/* ha-maintenance-cancel: 1 unless in partner-in-maintenance; after the partner accepted the
 * cancel, *next = prev. */
int ha_cmd_maintenance_cancel(enum ha_state cur, enum ha_state prev, enum ha_state *next);

/* Names; the *_from_name functions return -1 for an unknown name. ha_state_name() of
 * HA_ST_UNKNOWN is "" (Kea reports an empty last-state then). */
const char *ha_mode_name(enum ha_mode m);
const char *ha_role_name(enum ha_role r);
const char *ha_state_name(enum ha_state s);
const char *ha_pause_name(enum ha_pause p);
int ha_mode_from_name(const char *name);
int ha_role_from_name(const char *name);
int ha_state_from_name(const char *name);   /* also "unavailable", as Kea's state-machine accepts it */
int ha_pause_from_name(const char *name);
/* NULL-terminated lists of the names (for "did you mean"). */
extern const char *const ha_mode_names[];
extern const char *const ha_role_names[];
extern const char *const ha_state_names[];
extern const char *const ha_pause_names[];

#endif

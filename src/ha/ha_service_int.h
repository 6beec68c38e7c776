/* The HA service's insides, shared by ha_service.c (state machine, heartbeats, scopes),
 * ha_peer.c (commands to the peers) and ha_cmds.c (the HA commands and status-get). */
#ifndef NESTOR_HA_HA_SERVICE_INT_H
#define NESTOR_HA_HA_SERVICE_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include <jansson.h>

#include "ctrl/ctrl.h"
#include "ctrl/httpc.h"
#include "ha/ha_hash.h"
#include "ha/ha_service.h"
#include "ha/ha_state.h"
#include "ha/ha_updq.h"

#define HA_PEERS_MAX 32               /* scopes are a bit mask over the peers */
#define HA_PEER_TIMEOUT_MS 10000      /* Kea's TIMEOUT_DEFAULT_HTTP_CLIENT_REQUEST */

#define HA_UPD_WINDOW 32              /* lease updates in flight per peer: its pool of connections */

/* What a peer gets of the lease updates in the current state (Kea's shouldQueueLeaseUpdates and
 * shouldSendLeaseUpdates): nothing, sent, queued in the backlog (communication-recovery), or
 * nothing but counted in unsent-update-count. */
enum ha_upd_mode { HA_UPD_OFF, HA_UPD_SEND, HA_UPD_QUEUE, HA_UPD_UNSENT };

/* The steps the state machine waits for (ha_decision_t.action), run on the event loop. */
enum ha_step { HA_STEP_SYNC, HA_STEP_BACKLOG, HA_STEP_RESET, HA_STEP_COUNT };

/* The lease updates of one peer (ha_updates.c). */
typedef struct ha_peer_upd {
    ha_updq_t q;
    httpc_t *pool[HA_UPD_WINDOW];     /* one request at a time each */
    bool busy[HA_UPD_WINDOW];
    _Atomic int mode;                 /* enum ha_upd_mode, set on the loop, read by any thread */
    bool waits;                       /* replies wait for its answers: the partner, a backup with wait-backup-ack */
    bool backup;
} ha_peer_upd_t;

struct ha_sync;

/* What the last run of the state machine was started by (Kea's events that handlers look at). */
enum ha_event { HA_EV_NONE, HA_EV_HEARTBEAT, HA_EV_MAINT_START, HA_EV_MAINT_CANCEL };

/* A maintenance command waiting for the partner's answer to ha-maintenance-notify. */
enum ha_maint_op { HA_MAINT_NONE, HA_MAINT_START, HA_MAINT_CANCEL };

struct ha_service {
    srv_core_t *core;
    const ha_family_t *fam;
    const ha_config_t *cfg;           /* borrowed: used only between start and stop */
    /* Copied for the packet threads and for free (the configuration may be gone by then). */
    enum ha_mode mode;
    enum ha_role roles[HA_PEERS_MAX];
    char *names[HA_PEERS_MAX];        /* peer names (scopes) */
    char *classes[HA_PEERS_MAX];      /* "HA_<name>" */
    unsigned npeers, me;
    int partner;                      /* index of the partner, -1 (passive-backup, a backup) */
    int primary, secondary;           /* the load-balancing servers 0 and 1 (-1: none) */
    uint32_t max_ack_delay, max_response_delay, max_unacked;
    _Atomic uint32_t scopes;          /* served scopes: bit i = names[i] */
    _Atomic int64_t poke_ms;          /* last contact with the partner (monotonic) */
    pthread_mutex_t ulock;            /* guards unacked */
    ha_unacked_t unacked;
    /* Main thread. */
    bool started;
    enum ha_state state, prev;
    enum ha_state partner_state;      /* HA_ST_UNKNOWN until the first heartbeat */
    bool partner_down_by_maint;       /* partner-down was entered by ha-maintenance-start */
    ha_pauser_t pauser;
    json_t *partner_scopes;           /* last reported by the partner (sorted, no empty names) */
    _Atomic uint64_t unsent_update_count;  /* leases not sent to the partner (Kea: never 0 again once counted) */
    uint64_t partner_unsent[2];       /* the partner's previous and last unsent-update-count */
    uint64_t partner_unsent_base;     /* its count when this server last held all its leases (in sync) */
    int64_t clock_skew;               /* s, partner minus us */
    time_t my_time_at_skew, partner_time_at_skew;  /* 0: not measured */
    int64_t last_skew_warn_ms;        /* 0: never */
    bool sync_complete_notified;
    struct event *ev_heartbeat;
    struct event *ev_step;            /* runs the machine after a step ended (ha_step_done) */
    bool heartbeat_running;           /* Kea's isHeartbeatRunning: armed or in flight */
    bool heartbeat_in_flight;
    httpc_t *clients[HA_PEERS_MAX];   /* per peer, NULL for this server */
    enum ha_maint_op maint_op;
    void (*maint_done)(void *arg, json_t *answer);   /* answers the maintenance command (ha_cmds_maintenance) */
    void *maint_arg;
    /* Lease updates (ha_updates.c): per peer, NULL for this server or without send-lease-updates. */
    bool send_updates;                /* send-lease-updates, copied */
    ha_peer_upd_t *upd[HA_PEERS_MAX];
    struct event *ev_upd;             /* any thread: updates were queued */
    _Atomic uint64_t upd_seq;         /* updates pushed so far */
    bool draining;
    _Atomic bool backlog_overflowed;  /* communication-recovery's backlog overflowed since entered */
    /* The backlog being sent (HA_STEP_BACKLOG): the updates pushed up to backlog_last_seq. */
    bool backlog_failed;
    int64_t backlog_start_ms;
    uint64_t backlog_last_seq;
    size_t backlog_left;
    /* Steps of the state machine: running, and the outcome the next run takes (HA_RES_NONE: none). */
    bool step_running[HA_STEP_COUNT];
    enum ha_result step_done[HA_STEP_COUNT];
    struct ha_sync *sync;             /* the synchronization under way (ha_sync.c), NULL: none */
    /* Clients whose lease updates a peer rejected as conflicts (Kea 2.4's rejected clients):
     * main thread, at most max-rejected-lease-updates of them are kept. */
    struct ha_rejected *rejected;
    size_t nrejected;
    /* Incremental synchronization (ha_insync.c): every partner lease changed before in_sync is
     * here (0: unknown); the state file holds in_sync_saved. */
    char *state_file;
    time_t in_sync, in_sync_saved;
    bool state_file_failed;
    /* Hub-and-spoke (ha_hub.c): the core's origin this relationship disables the DHCP service with
     * (SRV_ORIGIN_HA with one relationship); the subnets whose leases a synchronization takes
     * (sorted; none: every lease). */
    int origin;
    uint32_t *sync_subnets;
    size_t nsync_subnets;
};

/* One rejected client: its key (ha_cmd_t.client) until expire (monotonic ms). */
typedef struct ha_rejected {
    uint8_t key[HA_CLIENT_KEY_MAX];
    uint16_t len;
    int64_t expire_ms;
} ha_rejected_t;

/* ha_service.c */
void ha_run_model(ha_service_t *s, enum ha_event ev);
void ha_transition(ha_service_t *s, enum ha_state next, enum ha_event ev);
void ha_adjust_network_state(ha_service_t *s);
void ha_set_partner_state(ha_service_t *s, enum ha_state st);
bool ha_comm_interrupted(const ha_service_t *s);
/* The scopes served now, as a sorted JSON list of names. */
json_t *ha_served_scopes(const ha_service_t *s);
/* Kea's RFC 1123 date, "Tue, 24 Nov 2026 23:11:10 GMT". */
void ha_http_date(time_t t, char *buf, size_t cap);

/* Kea's Stopwatch::logFormatLastDuration: "12.345 ms". */
void ha_duration_text(int64_t ms_since, char *buf, size_t cap);
/* Ends a step of the state machine with its outcome and runs the machine. */
void ha_step_done(ha_service_t *s, enum ha_step step, enum ha_result res);

/* ha_updates.c */
int ha_updates_new(ha_service_t *s, char *err, size_t errlen);
void ha_updates_start(ha_service_t *s);
/* Cancels everything (replies waiting for an answer are dropped): before stop. */
void ha_updates_stop(ha_service_t *s);
void ha_updates_free(ha_service_t *s);
/* After every transition: what each peer gets now (see enum ha_upd_mode). */
void ha_updates_set_modes(ha_service_t *s);
/* Communication-recovery's steps: send the backlog (HA_RES_OK when empty; HA_RES_NONE: under way,
 * ha_step_done follows), ha-reset to the partner (always under way). */
enum ha_result ha_updates_send_backlog(ha_service_t *s);
void ha_updates_send_reset(ha_service_t *s);
/* max-rejected-lease-updates: whether that many distinct clients' updates were rejected and are
 * not expired (false when the limit is 0); forgetting them all (on entering waiting, syncing,
 * ready, partner-down and terminated, as Kea). */
bool ha_rejects_exceeded(ha_service_t *s);
void ha_rejected_clear(ha_service_t *s);

/* ha_insync.c: the incremental synchronization's moment (see ha_service.h). load at start; note
 * t: every partner lease changed before t is here; save at stop; since: the "changed-since" of
 * the next synchronization, 0 for a full one. */
void ha_insync_load(ha_service_t *s);
void ha_insync_note(ha_service_t *s, time_t t);
void ha_insync_save(ha_service_t *s);
int64_t ha_insync_since(const ha_service_t *s);

/* ha_sync.c: synchronizes with peer; max_period 0: dhcp-disable without it. For the state
 * machine (reply NULL: ha_step_done(HA_STEP_SYNC) follows, unless it did not start) or for
 * ha-sync (reply answered once done). 0, or NST_EBUSY while another one runs, or the error of the
 * peer's client (err says). */
int ha_sync_start(ha_service_t *s, unsigned peer, unsigned max_period, ctrl_reply_t *reply, char *err, size_t errlen);
/* Abandons the synchronization under way (ha-sync gets an error). */
void ha_sync_cancel(ha_service_t *s);

/* ha_peer.c: commands to a peer. done gets the outcome: rc 0 with the answer's arguments
 * (borrowed, may be NULL) and result (0 or 3); rc -1: the peer could not be reached or its
 * answer is not a control answer; rc 1: it answered with an error result (in *result). msg
 * says what went wrong (borrowed, "" on success). */
typedef void (*ha_peer_done_fn)(ha_service_t *s, void *arg, int rc, int result, json_t *args, const char *msg);
int ha_peer_new_clients(ha_service_t *s, char *err, size_t errlen);
/* A new client for peer i with timeout_ms per request (lease updates' pools, synchronization). */
int ha_peer_client(ha_service_t *s, unsigned peer, unsigned timeout_ms, httpc_t **out, char *err, size_t errlen);
void ha_peer_free_clients(ha_service_t *s);
/* {"command": name, "service": [...], "arguments": args (stolen, may be NULL)}. */
json_t *ha_peer_body(const ha_service_t *s, const char *name, json_t *args);
/* Sends it to peer i on its heartbeat client; done is called only while the service runs. */
void ha_peer_send(ha_service_t *s, unsigned peer, const char *name, json_t *args, ha_peer_done_fn done, void *arg);
/* Sends body (borrowed) on client c; done is called once in any case (with rc -1 when the
 * request could not be queued or was cancelled by a stop). */
void ha_peer_post(ha_service_t *s, httpc_t *c, const json_t *body, ha_peer_done_fn done, void *arg);
/* args (a map, created when NULL) with "server-name": this server's name, which a hub's commands
 * pick the relationship by (Kea 2.6 sends it; Kea 2.2 ignores it). */
json_t *ha_peer_named(const ha_service_t *s, json_t *args);
/* Kea's label of a peer in logs: "<name> (<url>)". */
const char *ha_peer_label(const ha_service_t *s, unsigned peer, char *buf, size_t cap);

/* ha_cmds.c: the HA commands for one relationship, registered by its hub (ha_hub.c). The i-th
 * command's name (NULL past the last); the handler of name for one service (ud: the ha_service_t;
 * NULL for ha-maintenance-start and -cancel, which go to every relationship through
 * ha_cmds_maintenance: an answer now, or CTRL_PENDING and done(arg, answer) later, also when the
 * service stops first); one relationship's entry of status-get's "high-availability". */
const char *ha_cmds_name(size_t i);
ctrl_handler_fn ha_cmds_handler(const char *name);
json_t *ha_cmds_maintenance(ha_service_t *s, bool cancel, void (*done)(void *arg, json_t *answer), void *arg);
json_t *ha_cmds_status(ha_service_t *s);

#endif

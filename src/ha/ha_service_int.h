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

#define HA_PEERS_MAX 32               /* scopes are a bit mask over the peers */
#define HA_PEER_TIMEOUT_MS 10000      /* Kea's TIMEOUT_DEFAULT_HTTP_CLIENT_REQUEST */

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
    uint64_t unsent_update_count;     /* leases not sent to the partner in partner-down */
    uint64_t partner_unsent[2];       /* the partner's previous and last unsent-update-count */
    int64_t clock_skew;               /* s, partner minus us */
    time_t my_time_at_skew, partner_time_at_skew;  /* 0: not measured */
    int64_t last_skew_warn_ms;        /* 0: never */
    bool sync_complete_notified;
    struct event *ev_heartbeat;
    bool heartbeat_running;           /* Kea's isHeartbeatRunning: armed or in flight */
    bool heartbeat_in_flight;
    httpc_t *clients[HA_PEERS_MAX];   /* per peer, NULL for this server */
    enum ha_maint_op maint_op;
    ctrl_reply_t *maint_reply;
};

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

/* ha_peer.c: commands to a peer. done gets the outcome: rc 0 with the answer's arguments
 * (borrowed, may be NULL) and result (0 or 3); rc -1: the peer could not be reached or its
 * answer is not a control answer; rc 1: it answered with an error result (in *result). msg
 * says what went wrong (borrowed, "" on success). */
typedef void (*ha_peer_done_fn)(ha_service_t *s, void *arg, int rc, int result, json_t *args, const char *msg);
int ha_peer_new_clients(ha_service_t *s, char *err, size_t errlen);
void ha_peer_free_clients(ha_service_t *s);
/* Sends {"command": name, "service": [...], "arguments": args (stolen, may be NULL)} to peer i. */
void ha_peer_send(ha_service_t *s, unsigned peer, const char *name, json_t *args, ha_peer_done_fn done, void *arg);
/* Kea's label of a peer in logs: "<name> (<url>)". */
const char *ha_peer_label(const ha_service_t *s, unsigned peer, char *buf, size_t cap);

/* ha_cmds.c */
void ha_cmds_register(ha_service_t *s);
void ha_cmds_unregister(ha_service_t *s);

#endif

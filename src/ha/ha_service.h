/* High availability: the running service, Kea 2.2's libdhcp_ha.so for one daemon. It owns the HA
 * state, drives the state machine of ha_state.h, talks to the peers and answers the HA commands.
 *
 * Contract:
 * - Family-neutral: a family (DHCPv4 now, DHCPv6 later) describes itself in ha_family_t (the
 *   "service" its commands carry to a Control Agent, its message ids) and hands each query to
 *   ha_service_in_scope() as an ha_query_t (its hash key, the client for the unacked-clients
 *   analysis, how long the client says it has tried). Nothing here knows a packet or a lease.
 * - One service per applied configuration with a "high-availability" entry (Kea reloads the hook,
 *   and with it the service, on every reconfiguration): ha_service_new() builds it idle from the
 *   configuration (the peers' HTTP clients: a bad TLS file fails here, before anything changed);
 *   ha_service_start() registers the HA commands and the status-get section, enters waiting (DHCP
 *   service disabled with the core's HA origin, as Kea's HA_COMMAND origin) and starts the
 *   heartbeats; ha_service_stop() unregisters and stops all I/O (pending command answers get an
 *   error) but leaves the service state alone; ha_service_free() then frees it without touching
 *   the configuration, which may be gone by then. ha_service_release() enables the HA origin again
 *   when a configuration without HA replaces one with it.
 * - Threads: everything but ha_service_in_scope() runs on the core's event loop. in_scope runs on
 *   any packet thread: it reads the served scopes and the last contact time (atomics) and, while
 *   communication is interrupted, records the partner's clients under a lock.
 * - State machine (Kea's runModel): ha_next() runs after each heartbeat and after each command that
 *   changes the state, again while the state changes. Each transition is logged with Kea's ids
 *   (HA_STATE_TRANSITION old new partner, upper case; UNDEFINED for a partner that is unavailable
 *   or not heard from, as Kea prints it), then the new state's entry: its scopes, the DHCP service
 *   (HA_LOCAL_DHCP_ENABLE / _DISABLE), pauses, maintenance and termination messages.
 * - Heartbeats: "ha-heartbeat" to the partner heartbeat-delay after the previous one completed,
 *   in every state but backup, passive-backup and terminated; an answer within 10 s (Kea's client
 *   timeout) with a valid state and date-time is a contact; anything else makes the partner
 *   unavailable. Communication is interrupted once the last contact is older than
 *   max-response-delay; then every query in the partner's scope is analysed (ha_hash.h).
 * - Peers (ha_peer.c): one persistent HTTP(S) client per peer (ctrl/httpc.h), commands carry
 *   "service": [<family's service>] so that a Kea peer's Control Agent forwards them; a list or a
 *   bare answer is accepted. Basic auth and TLS as configured for the peer.
 * - Not built yet (the next step): lease updates to the peers and the reply holds they need
 *   (ha_service_leases_changed is the entry point: it holds nothing today), the lease
 *   synchronization (with sync-leases true the service says so once and goes from waiting to ready
 *   as Kea does with sync-leases false; ha_sync_step is the seam), the communication-recovery
 *   backlog (always empty: sending it succeeds at once), ha-sync, restrict-commands.
 */
#ifndef NESTOR_HA_HA_SERVICE_H
#define NESTOR_HA_HA_SERVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ha/ha_config.h"
#include "server/core.h"
#include "server/hold.h"

typedef struct ha_service ha_service_t;

typedef struct ha_family {
    const char *service;          /* "dhcp4": commands' "service" list for a Control Agent */
    const char *client_msg;       /* "HA_COMMUNICATION_INTERRUPTED_CLIENT4" */
    const char *unacked_msg;      /* "HA_COMMUNICATION_INTERRUPTED_CLIENT4_UNACKED" */
} ha_family_t;

/* One query as the scope filter sees it (borrowed for the call). */
typedef struct ha_query {
    const uint8_t *key;           /* the load-balancing key (ha_hash.h); key_len 0: none */
    size_t key_len;
    bool balanced;                /* its message type is load balanced; else the primary's scope */
    const uint8_t *id1, *id2;     /* the client for the unacked-clients analysis (ha_unacked_analyze) */
    size_t len1, len2;
    uint32_t delay_ms;            /* how long the client says it has tried (ha_secs_ms) */
    /* The query's label for the log (Kea's getLabel), written only when a message needs it. */
    void (*describe)(const void *pkt, char *buf, size_t cap);
    const void *pkt;
} ha_query_t;

int ha_service_new(srv_core_t *core, const ha_family_t *fam, const ha_config_t *cfg, ha_service_t **out,
                   char *err, size_t errlen);
void ha_service_start(ha_service_t *s);
void ha_service_stop(ha_service_t *s);
void ha_service_free(ha_service_t *s);
void ha_service_release(srv_core_t *core);

/* Any thread. Whether this server serves the query now; *scope_class is its scope's class
 * ("HA_<server name>", valid while the service lives; NULL for a query without a key in
 * load-balancing, which nobody serves), which the family assigns to the query whether or not it
 * is served. */
bool ha_service_in_scope(ha_service_t *s, const ha_query_t *q, const char **scope_class);

/* The leases_changed seam (srv4.h) for lease updates to the peers: the next step. Today it
 * takes no hold and sends nothing. */
struct lease_change;
void ha_service_leases_changed(ha_service_t *s, const struct lease_change *change, srv_hold_t *hold);

#endif

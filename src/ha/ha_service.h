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
 *   ha_service_start() enters waiting (DHCP service disabled with its origin: the core's HA origin,
 *   as Kea's HA_COMMAND origin, or its relationship's in a hub) and starts the heartbeats; the hub
 *   (ha_hub.h), which owns the services of a configuration, registers the HA commands and the
 *   status-get section; ha_service_stop() stops all I/O (pending command answers get an
 *   error) but leaves the service state alone; ha_service_free() then frees it without touching
 *   the configuration, which may be gone by then (ha_hub_release() enables the HA origins again
 *   when a configuration without HA replaces one with it).
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
 *   bare answer is accepted. Basic auth and TLS as configured for the peer (TLS whenever
 *   it is configured, even with an http:// URL, as Kea's client).
 * - Lease updates (ha_updates.c; Kea's leases4_committed / leases6_committed): the family's
 *   leases_changed seam calls ha_service_leases_changed() from the commit callback of every stored
 *   lease change, on any thread. Only a client's REQUEST, RELEASE and DECLINE are sent (not expiry,
 *   lease commands or a partner's updates); the family writes the commands (ha_family_t.update_cmds)
 *   and each goes to the partner and to every backup through that peer's queue (ha_updq.h: updates
 *   of one lease in order, up to HA_UPD_WINDOW in flight, each on its own connection of the peer's
 *   pool of HTTP clients, apart from the heartbeat's). What a peer gets follows Kea's
 *   shouldQueueLeaseUpdates / shouldSendLeaseUpdates, set at every transition: a backup always;
 *   the partner in hot-standby, load-balancing and partner-in-maintenance; in
 *   communication-recovery its updates wait in the backlog (delayed-updates-limit: an overflow
 *   drops it and makes the state machine ha-reset the partner), sent when the partner is back;
 *   in any other state nothing is sent and unsent-update-count (ha-heartbeat) counts the leases.
 *   The reply to a REQUEST waits (a hold on it) for the partner's answer (for a backup's only with
 *   wait-backup-ack): an error result or a transport failure drops the reply, logs
 *   HA_LEASE_UPDATE_FAILED or HA_LEASE_UPDATE_COMMUNICATIONS_FAILED and makes the partner
 *   unavailable, as Kea does. Waiting updates are dropped (their replies with them) when the
 *   partner stops getting updates, and when the service stops.
 * - Conflicts (Kea 2.4's max-rejected-lease-updates; Kea 2.2 has none): a lease update answered
 *   with result 4 (a Nestor partner refuses an "origin": "ha-partner" update of an address another
 *   client holds there; a Kea 2.4+ partner loses a race) drops the reply and logs
 *   HA_LEASE_UPDATE_CONFLICT, but the partner stays available. The client (ha_cmd_t.client) is
 *   remembered for its lease's lifetime and forgotten when one of its updates succeeds; with
 *   max-rejected-lease-updates such clients (0: never) the state machine goes to terminated
 *   (HA_LEASE_UPDATE_REJECTS_CAUSED_TERMINATION) where Kea's shouldTerminate is asked. Entering
 *   waiting, syncing, ready, partner-down or terminated forgets them all.
 * - Lease synchronization (ha_sync.c): on entering syncing and with the ha-sync command:
 *   dhcp-disable {"origin": "ha-partner", "max-period"} to the peer, then the family's get_page
 *   command from "start" by sync-page-limit (each request within sync-timeout), each lease stored
 *   by the family's sync_lease (added when absent, updated when the stored cltt is older; in a hub
 *   only the leases of the relationship's subnets when some are mapped to it), the next
 *   page once the page's writes are stored, until a short page; then ha-sync-complete-notify
 *   (dhcp-enable when the peer does not know it, or after a failure). Nothing blocks the event
 *   loop; heartbeats pause while the state machine syncs; a failed sync stays in syncing and is
 *   tried again after the next heartbeat, as Kea's.
 * - Incremental synchronization (beyond Kea; ha_insync.c): this server notes the last moment it is
 *   known to hold all its partner's leases: each heartbeat answered while both are in states in
 *   which the partner sends it every change (this server in hot-standby, load-balancing,
 *   partner-in-maintenance or in-maintenance; the partner in hot-standby, load-balancing or
 *   partner-in-maintenance), and the start of each successful synchronization. With a persistent
 *   memfile lease file it is kept in "<lease file>.ha-sync" (ha_service_set_state_file; written at
 *   most every 10 s and at stop; a missing, foreign or unreadable file means "never"). The state
 *   machine's synchronization then asks for the leases changed since that moment less 120 s (the
 *   clock skew a pair tolerates and what a crash may lose): get_page with "changed-since". A
 *   Nestor partner filters by cltt and echoes the parameter; Kea ignores it and sends every lease,
 *   which is Kea's full synchronization (logged). ha-sync, and a server with no such moment, sync
 *   in full. Deletions are not synchronized either way, as in Kea.
 * - restrict-commands is the listener's (server/ha_listen.c, core.h "HA listener"): the listener
 *   at this server's peer URL then runs only the commands a partner sends, others get 403.
 */
#ifndef NESTOR_HA_HA_SERVICE_H
#define NESTOR_HA_HA_SERVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ha/ha_config.h"
#include "server/core.h"
#include "server/hold.h"

typedef struct ha_service ha_service_t;

struct lease_change;

#define HA_CLIENT_KEY_MAX 300

/* One command for a peer: its name (static), arguments (owned) and the key whose commands keep
 * their order (the lease's address). A command the partner may reject as a conflict (result 4:
 * the address is another client's) names its client (client_len 0: none), which
 * max-rejected-lease-updates counts for lifetime seconds. */
typedef struct ha_cmd {
    const char *name;
    json_t *args;
    uint64_t key;
    uint8_t client[HA_CLIENT_KEY_MAX];
    uint16_t client_len;
    uint32_t lifetime;
} ha_cmd_t;

#define HA_CMDS_PER_CHANGE 2

typedef struct ha_family {
    const char *service;          /* "dhcp4": commands' "service" list for a Control Agent */
    const char *client_msg;       /* "HA_COMMUNICATION_INTERRUPTED_CLIENT4" */
    const char *unacked_msg;      /* "HA_COMMUNICATION_INTERRUPTED_CLIENT4_UNACKED" */
    const char *stale_msg;        /* "HA_LEASE_SYNC_STALE_LEASE4_SKIP" */
    const char *get_page;         /* "lease4-get-page" */
    /* The commands that tell a peer about one stored change, in the order they go, at most
     * HA_CMDS_PER_CHANGE (v4: lease4-del of the lease the client left, then lease4-update of the
     * new one; v6: one lease6-bulk-apply). Returns how many. Any thread. */
    size_t (*update_cmds)(const struct lease_change *change, ha_cmd_t *out);
    /* Stores one lease of a synchronization page (the peer's JSON) by Kea's rule: added when
     * absent, updated when the stored lease's cltt is older. Returns 1 when it was left (stale),
     * < 0 when it cannot be stored (err says why), 0 when the write was queued: done(arg, err)
     * follows once it is stored or failed, on any thread, maybe before this returns. Main thread. */
    int (*sync_lease)(srv_core_t *core, json_t *lease, void (*done)(void *arg, int err), void *arg,
                      char *err, size_t errlen);
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
/* The incremental synchronization's state file (see above); NULL: none. Before start. */
void ha_service_set_state_file(ha_service_t *s, const char *path);
void ha_service_start(ha_service_t *s);
void ha_service_stop(ha_service_t *s);
void ha_service_free(ha_service_t *s);

/* Any thread. Whether this server serves the query now; *scope_class is its scope's class
 * ("HA_<server name>", valid while the service lives; NULL for a query without a key in
 * load-balancing, which nobody serves), which the family assigns to the query whether or not it
 * is served. */
bool ha_service_in_scope(ha_service_t *s, const ha_query_t *q, const char **scope_class);

/* The leases_changed seam (srv4.h): any thread, while the service runs (between start and stop;
 * the family makes sure a stopped service is not called). hold: the REQUEST's reply, NULL for
 * others. See "Lease updates" above. */
void ha_service_leases_changed(ha_service_t *s, const struct lease_change *change, srv_hold_t *hold);

#endif

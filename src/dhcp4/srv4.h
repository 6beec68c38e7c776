/* nestor-dhcp4: the server object and the packet path.
 *
 * Contract and threads:
 * - One srv4_t per process. It embeds the server core (server/core.h: event base, control channel
 *   and the neutral commands, service state, database recovery, workers, generation slot,
 *   completions, signals) and describes DHCPv4 to it in srv4_family (root "Dhcp4", service
 *   "DHCPv4", message ids DHCP4_*, cfg4_t configurations, the lease store and hosts databases to
 *   recover, workers4); what stays here is DHCPv4's: sockets, the packet path, replies, the lease
 *   store and allocation, reclamation timers, leases-reclaim and the lease and host commands, and
 *   srv4_apply_config's own steps between the core's (srv_apply_*: generation build, structural
 *   change detection).
 * - The main thread runs the libevent loop: sockets, timers, the control channel,
 *   reconfiguration. Packets are processed on the main thread, or on worker threads when
 *   multi-threading is enabled (see workers4.h); replies are sent by whoever completes them
 *   (a reply completed on a store's commit thread goes through the core's completions to the
 *   main loop).
 * - The running configuration lives in a srv4_rt_t (config, host index, allocation state), a
 *   reference-counted generation (server/gen.h). A reload builds the new one while the workers
 *   serve with the old one, then pauses them only for the swap and the statistics recount
 *   (queued packets wait; none is dropped); a structural change (the lease store, the sockets,
 *   the worker settings) pauses them from before the store or sockets change. Each packet is
 *   processed with the generation its thread holds, passed explicitly (srv4_process's rt);
 *   srv->rt is the current one, for the main thread.
 * - High availability (ha/ha_service.h): a configuration with the libdhcp_ha.so entry runs an HA
 *   service, created idle with the generation and started once it is published (the previous one
 *   stopped just before; a configuration without HA enables the service's origin again). Seams,
 *   family-neutral:
 *     in_scope:       per packet, in the generation (rt->in_scope, rt->scope_arg: the generation's
 *                     HA service), "is this client mine to serve?", given the query as
 *                     ha_query_t (the load-balancing key: the client identifier, else chaddr;
 *                     whether the type is load balanced: DISCOVER, REQUEST, DECLINE, RELEASE,
 *                     INFORM; the client and its secs for the unacked-clients analysis); it
 *                     names the query's scope class (HA_<server>), assigned before classification,
 *                     as Kea's buffer4_receive callout does; false = drop quietly
 *                     (HA_BUFFER4_RECEIVE_NOT_FOR_US), before the type checks and classes;
 *     leases_changed: called from the commit callback of every stored lease change (REQUEST,
 *                     RELEASE, DECLINE, expiry, lease commands) with the lease before and after;
 *                     for a REQUEST, `hold` is its reply, on which the listener may take a hold
 *                     (srv_hold_take) and drop it later (srv_hold_drop), e.g. when the partner
 *                     acknowledged the lease update; NULL otherwise. It runs on whatever thread
 *                     completes the write (inline, a worker, a store's commit thread).
 *   With several HA relationships (Kea 2.6's hub-and-spoke, ha/ha_hub.h) there is no in_scope:
 *   the query's subnet is selected first and its relationship (cfg_subnet4_t.ha_rel) is asked
 *   (rt->ha_hub; false = drop quietly, HA_SUBNET4_SELECT_NOT_FOR_US, after the type counters, as
 *   Kea 2.6's subnet4_select callout; a subnet without a relationship, or no subnet, drops
 *   counted in pkt4-receive-drop with Kea 2.6's messages); no HA_<server> class is assigned before classification; a
 *   lease change goes to the relationship of its lease's subnet.
 *   A reply held that long survives a reload that reopens the sockets: it is sent through the
 *   interface of the same index in the new socket set (or dropped if there is none).
 */
#ifndef NESTOR_DHCP4_SRV4_H
#define NESTOR_DHCP4_SRV4_H

#include <net/if.h>
#include <stddef.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <event2/event.h>

#include "alloc/alloc4.h"
#include "config/cfg4.h"
#include "hosts/hosts4.h"
#include "hosts/hostmgr.h"
#include "ha/ha_hub.h"
#include "lease/lease.h"
#include "proto/frame.h"
#include "proto/pkt4.h"
#include "server/core.h"
#include "server/gen.h"
#include "server/hold.h"
#include "server/workq.h"
#include "stats/stats.h"

typedef struct srv4_iface {
    char name[IFNAMSIZ];
    int ifindex;
    uint8_t mac[6];
    uint32_t addr;            /* primary (or configured) IPv4 address, host order */
    uint32_t mask;
    int pkt_fd;               /* AF_PACKET socket (raw mode), -1 otherwise */
    int udp_fd;               /* UDP socket bound to the server port on this interface */
    struct event *ev_pkt, *ev_udp;
    struct srv4 *srv;
} srv4_iface_t;

/* Everything that belongs to one configuration generation. */
typedef struct srv4_rt {
    gen_t gen;                /* first: a gen_t * of srv->gens is a srv4_rt_t * */
    cfg4_t *cfg;
    hosts4_t *hosts;
    hostmgr_t *hostmgr;       /* config-file reservations + hosts databases (borrows hosts) */
    alloc4_t *alloc;
    uint32_t *server_ids;     /* every configured dhcp-server-identifier (option 54) value */
    size_t server_id_count;
    /* HA seam (see the contract); NULL: every client is ours. */
    bool (*in_scope)(void *arg, const ha_query_t *q, const char **scope_class);
    void *scope_arg;
    ha_hub_t *ha;             /* the HA services built with this generation (owned by the server) */
    ha_hub_t *ha_hub;         /* the same with several relationships (hub-and-spoke): the scope
                               * is asked of the selected subnet's relationship; NULL: in_scope */
} srv4_rt_t;

typedef struct srv4_stats {
    stat_t *received, *discover, *offer_rcvd, *request, *ack_rcvd, *nak_rcvd, *release, *decline,
           *inform, *unknown, *sent, *offer, *ack, *nak, *parse_failed, *drop;
} srv4_stats_t;

typedef struct srv4_reply srv4_reply_t;

typedef struct srv4 {
    srv_core_t core;          /* what every daemon shares (server/core.h): event base, control
                               * channel, service state, workers, generation slot, recovery */
    uint16_t server_port, client_port;

    srv4_rt_t *rt;            /* the current generation (main thread; published in core.gens) */
    lease_store_t *store;
    char *store_sig;          /* identity of the open lease database, to reuse it on reload */

    srv4_iface_t *ifaces;
    size_t iface_count;
    unsigned iface_gen;       /* bumped whenever the socket set is reopened */
    char *iface_sig;          /* identity of the open socket set */

    srv4_stats_t st;

    struct event *ev_reclaim, *ev_flush, *ev_tick;

    /* HA seam (see the contract): lease updates (ha_service_leases_changed of the lease's
     * relationship, through ha_live). */
    void (*leases_changed)(void *arg, const lease_change_t *change, srv_hold_t *hold);
    void *ha_arg;
    ha_hub_t *ha;             /* the running HA services (main thread), NULL: none */
    pthread_rwlock_t ha_rw;   /* any thread reads ha_live under it; the main thread swaps it */
    ha_hub_t *ha_live;        /* the services lease changes go to: s->ha between its start and stop */
    _Atomic bool ha_on;       /* ha_live is set: without HA a lease change takes no lock */

    pkt4_t *rx;               /* parse buffer of the main thread */
} srv4_t;

/* The srv4_t around a core the family hooks are given. */
#define SRV4_OF(c) ((srv4_t *)((char *)(c) - offsetof(srv4_t, core)))

/* A reply under construction or waiting for its lease commit / HA acknowledgements. */
struct srv4_reply {
    srv_hold_t hold;          /* builder + outstanding commits/acks; sent when the last goes,
                               * dropped instead when one failed */
    srv4_t *srv;
    srv4_iface_t *iface;      /* valid while iface_gen is the server's */
    unsigned iface_gen;
    int ifindex;
    atomic_bool deferred;     /* completed off the packet threads: the main loop sends it */
    srv_done_t done;          /* its link in the core's completions (srv_core_defer) */
    bool raw;                 /* send a full frame on pkt_fd; else UDP to dst_ip:dst_port */
    uint8_t dst_mac[6];
    uint32_t dst_ip, src_ip;
    uint16_t dst_port;
    uint8_t msg_type;
    size_t len;               /* DHCP payload length */
    uint8_t frame[FRAME_UDP4_HLEN + 1500]; /* payload starts at frame + FRAME_UDP4_HLEN */
};

static inline bool srv4_service_enabled(const srv4_t *s) { return srv_core_serving(&s->core); }

/* Packet path (proc4.c): handles one received DHCP payload = srv4_parse + srv4_process.
 * srv4_parse drops the packet uncounted while the service is disabled (Kea checks on receipt,
 * DHCP4_PACKET_DROP_0008), else counts it in pkt4-received and parses it into q (false: dropped
 * and counted); srv4_process drops what high availability leaves to another server (counted in
 * pkt4-received only, as Kea's HA drops it in buffer4_receive), counts the message type and takes
 * the packet from acceptance to reply. src_mac: the source hardware address
 * of the frame (packet socket; q->remote_mac), NULL for a datagram read from a UDP socket. */
void srv4_handle(srv4_t *s, srv4_iface_t *ifc, pkt4_t *q, const uint8_t *buf, size_t len,
                 uint32_t src_ip, uint32_t dst_ip, const uint8_t *src_mac);
bool srv4_parse(srv4_t *s, srv4_iface_t *ifc, pkt4_t *q, const uint8_t *buf, size_t len, uint32_t src_ip);
void srv4_process(srv4_t *s, const srv4_rt_t *rt, srv4_iface_t *ifc, const pkt4_t *q, uint32_t src_ip,
                  uint32_t dst_ip);
/* A DHCPRELEASE (decline false) or DHCPDECLINE of addr that changed nothing: looks the lease up
 * again and logs Kea's reason (refused4.c): no lease (DHCP4_RELEASE_FAIL_NO_LEASE,
 * DHCP4_DECLINE_LEASE_NOT_FOUND), another client's (DHCP4_RELEASE_FAIL_WRONG_CLIENT,
 * DHCP4_DECLINE_LEASE_MISMATCH with both sides' hardware addresses and client identifiers), or
 * the store failed (DHCP4_RELEASE_FAIL, DHCP4_DECLINE_FAIL). Not a dropped packet, as in Kea. */
void srv4_log_refused(srv4_t *s, const pkt4_t *q, uint32_t addr, bool decline);
/* Lookahead for a run of packets the calling thread handles next (alloc4_prefetch_*):
 * srv4_prefetch() notes each DISCOVER that srv4_process() would allocate for (parsed into the
 * scratch q, nothing counted or logged; other packets are ignored), srv4_prefetch_run() looks
 * them up together, srv4_prefetch_end() after the run was handled. */
void srv4_prefetch(srv4_t *s, const srv4_rt_t *rt, srv4_iface_t *ifc, pkt4_t *q, const uint8_t *buf, size_t len,
                   uint32_t src_ip);
void srv4_prefetch_run(srv4_t *s, const srv4_rt_t *rt);
void srv4_prefetch_end(srv4_t *s);
/* Overload: when the lease store's oldest uncommitted write has waited more than
 * SRV4_BACKLOG_MS, DISCOVERs are dropped (counted, logged at debug level) until the commits
 * catch up. The exchanges already begun then get their acknowledgements in time instead of all
 * of them waiting longer and longer; a dropped client retransmits. */
#define SRV4_BACKLOG_MS 100
bool srv4_backlogged(const srv4_t *s);
/* Counts (received, dropped) and logs a DISCOVER dropped unparsed because it waited age_ms in
 * the socket (io4.c, RX_STALE_MS). */
void srv4_drop_stale(srv4_t *s, srv4_iface_t *ifc, uint32_t age_ms);
/* Whether lookahead pays: the lease store's lookups are round trips (it has prefetch). */
bool srv4_lookahead(const srv4_t *s);

/* Reply lifecycle (reply4.c). */
srv4_reply_t *srv4_reply_new(srv4_t *s, srv4_iface_t *ifc);
static inline void srv4_reply_hold(srv4_reply_t *r) { srv_hold_take(&r->hold); }
/* Drops one hold; err < 0 marks the reply failed. Sends (or drops) it when no hold remains. */
static inline void srv4_reply_done(srv4_reply_t *r, int err) { srv_hold_drop(&r->hold, err); }
/* Lease-store commit callback: arg is the reply. */
void srv4_reply_commit_cb(void *arg, int err);
/* The core's completion hook (srv_family_t.complete): sends a reply completed on another thread. */
void srv4_reply_complete(srv_core_t *c, srv_done_t *d);

/* Sockets (io4.c). */
int srv4_open_sockets(srv4_t *s, const cfg4_t *cfg, char *err, size_t errlen);
void srv4_close_sockets(srv4_t *s);
/* Turns the receive events of the open sockets off or back on (srv_family_t.rx_enable). */
void srv4_rx_enable(srv4_t *s, bool on);
int srv4_send(srv4_t *s, srv4_reply_t *r);
/* The interface of the current socket set with this index, or NULL. */
srv4_iface_t *srv4_iface_by_index(srv4_t *s, int ifindex);

/* Lifecycle and configuration (srv4.c). */
extern const srv_family_t srv4_family;   /* DHCPv4 as the server core sees it */
int srv4_init(srv4_t *s, struct event_base *base, const char *config_path);
void srv4_fini(srv4_t *s);
/* Takes ownership of cfg; on failure the running configuration stays untouched. */
int srv4_apply_config(srv4_t *s, cfg4_t *cfg, char *err, size_t errlen);
/* DHCPv4's own commands (cmds4.c, lease_cmds4.c; the neutral ones are the core's). */
void srv4_register_commands(srv4_t *s);
void srv4_register_lease_commands(srv4_t *s);
/* High availability's synchronization (lease_cmds4.c): stores one lease of a partner's page (its
 * lease4-get-page JSON) by Kea's rule, with the lease commands' checks and statistics: added when
 * absent, updated when the stored cltt is older (else 1: left). 0: queued, done(arg, err) follows
 * on any thread; < 0: refused (err says why). Main thread. */
int srv4_lease_sync(srv4_t *s, json_t *lease, void (*done)(void *arg, int err), void *arg, char *err, size_t errlen);
/* DHCPv4's descriptor for the HA service (ha4.c). */
extern const ha_family_t srv4_ha_family;

#endif

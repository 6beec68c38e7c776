/* High availability: the "high-availability" parameters of Kea 2.2's libdhcp_ha.so hooks entry,
 * parsed into a plain structure.
 *
 * Contract:
 * - Family-neutral: the same parameters serve DHCPv4 and DHCPv6; nothing here names a family's
 *   packet or lease. The parser runs inside the config module's parse context (config/cfg4_ctx.h):
 *   every error names its parameter with file:line:col and parsing goes on, so -t lists them all.
 * - Kea 2.2's shape: "parameters": {"high-availability": [ one relationship ]}. Kea 2.2's defaults
 *   (delayed-updates-limit 100 in load-balancing, else 0; heartbeat-delay 10000 ms; ...).
 * - Hub-and-spoke (Kea 2.6's, beyond Kea 2.2): the list may hold several relationships, each parsed
 *   as above, chained by `next` in configuration order (index 0, 1, ...). Kea 2.6's checks across
 *   them: every relationship in hot-standby mode, a peer name in one relationship only; and, as
 *   Kea 2.6's ARM requires, every peer URL (scheme, address, port) in one relationship only (each
 *   relationship has its own listener). At most HA_RELATIONSHIPS_MAX relationships.
 * - Kea 2.2's checks: this-server-name among the peers; one primary; load-balancing needs a
 *   secondary and no standby, hot-standby a standby and no secondary, passive-backup neither (backups
 *   are allowed in every mode); wait-backup-ack only in passive-backup; delayed-updates-limit 0
 *   except in load-balancing; peer names unique and not blank; URLs "http(s)://<IP address>[:port][/path]"
 *   (Kea resolves no host names); TLS (trust-anchor, cert-file, key-file, per peer or inherited from the
 *   relationship) all three or none, and https only with TLS; basic-auth-user without ':';
 *   heartbeat-delay, max-response-delay and max-ack-delay at most 65535 (Kea stores them in 16 bits).
 * - Stricter than Kea 2.2, which ignores unknown keys here: an unknown key is an error that suggests the
 *   nearest valid name; keys that only later Kea versions know say so, except
 *   max-rejected-lease-updates (Kea 2.4's, default 10), which Nestor implements. TLS files are not opened here
 *   (the transport does); basic-auth-password-file is read here, as Kea reads it.
 */
#ifndef NESTOR_HA_HA_CONFIG_H
#define NESTOR_HA_HA_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "ha/ha_state.h"

/* TLS files; NULL = not configured at this level. */
typedef struct ha_tls {
    char *trust_anchor, *cert_file, *key_file;
} ha_tls_t;

typedef struct ha_peer {
    char *name;               /* trimmed, unique */
    char *url;                /* as configured */
    enum ha_role role;
    bool auto_failover;       /* default true */
    char *basic_auth_user;    /* NULL or "": no basic auth */
    char *basic_auth_password;/* from basic-auth-password or -password-file; NULL = none */
    ha_tls_t tls;             /* this peer's own settings */
    /* The URL, split: */
    bool https;
    char host[64];            /* the IP address, without brackets */
    int af;                   /* AF_INET or AF_INET6 */
    uint16_t port;            /* 0 = none given (80 / 443) */
    char *path;               /* "/" when none */
    /* TLS after inheriting the relationship's settings: all three set, or none (borrowed). */
    bool use_tls;
    const char *ca, *cert, *key;
} ha_peer_t;

typedef struct ha_config {
    char *this_server_name;
    enum ha_mode mode;
    uint32_t heartbeat_delay;       /* ms; 0 = no heartbeats */
    uint32_t max_response_delay;    /* ms */
    uint32_t max_ack_delay;         /* ms */
    uint32_t max_unacked_clients;
    uint32_t delayed_updates_limit; /* communication-recovery backlog; 0 = no such state */
    uint32_t max_rejected_lease_updates;  /* Kea 2.4's: clients whose updates the partner may reject
                                           * (conflict) before this server terminates; 0 = never */
    bool send_lease_updates, sync_leases, wait_backup_ack, require_client_certs, restrict_commands;
    uint32_t sync_timeout;          /* ms */
    uint32_t sync_page_limit;
    ha_tls_t tls;                   /* relationship-wide TLS, inherited by the peers */
    struct {
        bool enabled, dedicated_listener;
        uint32_t listener_threads, client_threads;   /* 0 = the DHCP thread pool size */
    } mt;
    uint8_t pause[HA_ST_COUNT];     /* enum ha_pause per state */
    ha_peer_t *peers;               /* in configuration order */
    size_t peer_count;
    size_t this_peer;               /* index of this-server-name in peers */
    unsigned index;                 /* of this relationship in "high-availability" */
    struct ha_config *next;         /* the next relationship (hub-and-spoke), NULL: none */
} ha_config_t;

#define HA_RELATIONSHIPS_MAX 16

struct pctx;
/* Parses hooks-libraries entry `entry` (its "parameters") into a new *out; the parse context's path
 * is that entry's. On failure *out is NULL and the errors are recorded in the context. */
int ha_config_parse(struct pctx *p, json_t *entry, ha_config_t **out);
/* Frees c and every relationship after it. */
void ha_config_free(ha_config_t *c);

/* Hub-and-spoke: how many relationships c starts; the one that has a peer named name (its index,
 * -1: none). */
unsigned ha_config_count(const ha_config_t *c);
int ha_config_relationship_of(const ha_config_t *c, const char *name);

/* Lookups: the peer named name (NULL if none); this server; the partner (the first other peer that
 * is not a backup: NULL for a backup-only relationship, passive-backup). */
const ha_peer_t *ha_config_peer(const ha_config_t *c, const char *name);
const ha_peer_t *ha_config_this(const ha_config_t *c);
const ha_peer_t *ha_config_partner(const ha_config_t *c);

#endif

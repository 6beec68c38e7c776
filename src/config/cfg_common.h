/* The parts of a Kea server configuration that Dhcp4 and Dhcp6 share, parsed once for both:
 * interfaces-config, lease-database, hosts-database(s), expired-leases-processing,
 * multi-threading, control-socket(s), loggers, hooks-libraries (libdhcp_ha.so's parameters parsed
 * by ha/ha_config.h, owned here) and server-tag.
 *
 * Contract:
 * - cfg_common_t is part of a family's immutable configuration model (cfg4_t.common) and freed
 *   with it (cfg_common_free). JSON members are borrowed from the configuration's source text.
 * - Parsing (cfg_common_parse, internal to the config module) follows the config module's rules:
 *   every bad value is an error naming the parameter with file:line:col; Kea 2.2's defaults
 *   otherwise (cfg_common_defaults).
 * - Family differences: an interface may carry an address of the family ("eth0/192.0.2.1",
 *   "eth0/2001:db8::1"); dhcp-socket-type and outbound-interface are DHCPv4 keys.
 */
#ifndef NESTOR_CONFIG_CFG_COMMON_H
#define NESTOR_CONFIG_CFG_COMMON_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "config/cfg_db.h"

typedef struct cfg_iface {
    char *name;               /* "eth0" or "*" */
    uint32_t addr;            /* v4, from "eth0/192.0.2.1"; 0 = any */
    struct in6_addr addr6;    /* v6, from "eth0/2001:db8::1"; :: = none */
} cfg_iface_t;

enum cfg_socket_type { CFG_SOCKET_RAW, CFG_SOCKET_UDP };
enum cfg_outbound { CFG_OUTBOUND_SAME_AS_INBOUND, CFG_OUTBOUND_USE_ROUTING };

typedef struct cfg_lease_db {
    char *type;               /* "memfile", "postgresql" or "mysql" */
    cfg_db_t sql;             /* SQL types: connection and recovery parameters */
    char *name;               /* memfile: lease file path; NULL = default */
    bool persist;
    uint32_t lfc_interval;
    uint32_t max_row_errors;
    bool durable;             /* Nestor extension "nestor-durable": ack only after fsync */
} cfg_lease_db_t;

typedef struct cfg_expired {
    uint32_t reclaim_timer_wait_time;        /* s */
    uint32_t flush_reclaimed_timer_wait_time;/* s */
    uint32_t hold_reclaimed_time;            /* s */
    uint32_t max_reclaim_leases;
    uint32_t max_reclaim_time;               /* ms */
    uint32_t unwarned_reclaim_cycles;
} cfg_expired_t;

typedef struct cfg_mt {
    bool enabled;
    uint32_t thread_pool_size;    /* 0 = number of CPUs */
    uint32_t packet_queue_size;
} cfg_mt_t;

/* sanity-checks' lease-checks: what loading a lease whose subnet-id does not match its address
 * does (Kea's CfgConsistency, memfile only). */
enum cfg_lease_checks { CFG_LEASE_CHECKS_NONE, CFG_LEASE_CHECKS_WARN, CFG_LEASE_CHECKS_FIX,
                        CFG_LEASE_CHECKS_FIX_DEL, CFG_LEASE_CHECKS_DEL };

typedef struct cfg_common {
    uint8_t family;               /* 4 or 6 */
    uint8_t lease_checks;         /* enum cfg_lease_checks; Kea's default: warn */
    cfg_iface_t *ifaces;
    size_t iface_count;
    enum cfg_socket_type socket_type;
    enum cfg_outbound outbound;
    bool re_detect;
    cfg_lease_db_t lease_db;
    cfg_db_t *hosts_dbs;          /* hosts-database / hosts-databases, consulted in order */
    size_t hosts_db_count;
    cfg_expired_t expired;
    cfg_mt_t mt;
    char *server_tag;
    json_t *loggers;              /* borrowed; NULL = none */
    json_t *control_socket;       /* borrowed: "control-socket" (Kea 2.2) */
    json_t *control_sockets;      /* borrowed: "control-sockets" (Kea 2.7+) */
    bool hook_lease_cmds, hook_ha;/* Kea hook libraries mapped to built-ins */
    struct ha_config *ha;         /* libdhcp_ha.so's parameters (ha/ha_config.h); NULL: no HA */
    json_t *hook_flex_id;         /* borrowed: libdhcp_flex_id.so's entry (NULL: not configured) */
    json_t *hook_flex_option;     /* borrowed: libdhcp_flex_option.so's entry */
} cfg_common_t;

/* The keys of a Dhcp4 / Dhcp6 map that cfg_common_parse reads (NULL-terminated). */
extern const char *const cfg_common_keys[];

void cfg_common_defaults(cfg_common_t *c, int family);
void cfg_common_free(cfg_common_t *c);

/* Hub-and-spoke (cfg_hamap.c, Kea 2.6): a subnet names its high-availability relationship with
 * "user-context": {"ha-server-name": <any peer name of the relationship>}, its own or its shared
 * network's. cfg_ha_server_name: obj's (a subnet's or shared network's) value, borrowed; NULL: no
 * such key, "": one that is not a non-empty string. cfg_ha_relationship: the relationship of ha
 * that name (the subnet's, else its network's) maps to, or one of CFG_HA_REL_*; for
 * CFG_HA_REL_UNKNOWN *unknown receives a copy of name (for the log). Neither is an error: Kea 2.6
 * loads such a configuration and drops the subnet's queries when there are several relationships
 * (with one, Kea 2.2's configuration, an unmapped subnet is served as Kea 2.2 does). */
#define CFG_HA_REL_NONE (-1)      /* no ha-server-name */
#define CFG_HA_REL_INVALID (-2)   /* ha-server-name is not a non-empty string */
#define CFG_HA_REL_UNKNOWN (-3)   /* ha-server-name names no peer of any relationship */
const char *cfg_ha_server_name(json_t *obj);
int cfg_ha_relationship(const struct ha_config *ha, const char *name, char **unknown);

#endif

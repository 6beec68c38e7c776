/* The DHCPv4 configuration model (Kea 2.2 "Dhcp4" syntax).
 *
 * Contract:
 * - cfg4_parse() builds a complete, validated, immutable cfg4_t from a loaded jsonsrc_t, or fails
 *   with the first error message "file:line:col: <what is wrong, naming the parameter>" and builds
 *   nothing; cfg4_check_file() gives every error found (the parser goes on after an error with
 *   the next key, list entry or section that does not depend on what failed). Every parameter
 *   Nestor does not know or support is an error; nothing is silently ignored: a parameter of Kea
 *   2.2 that Nestor does not build says so, an unknown one is named with the nearest valid name.
 * - A cfg4_t owns everything it points to (including the jsonsrc it came from, kept for config-get)
 *   and is freed whole by cfg4_free(). Once published by the daemon it is read-only, so worker
 *   threads may read it without locks; a reload builds a new one, which the daemon publishes as a
 *   new reference-counted generation (server/gen.h) while packets still being served keep theirs.
 * - Inherited parameters (global -> shared network -> subnet) are resolved at parse time: every
 *   cfg_subnet4_t carries its effective values. Options are the exception: each level keeps its
 *   own option-data, resolved per lookup (cfg_optlevels_t). Option-data may name any option
 *   space; an option of "dhcp4" whose definition encapsulates a space holds, in its data, the
 *   sub-options of that space configured at the same level (cfg_optencap.h, as Kea 2.2); options
 *   of "vendor-<id>" spaces are sent inside option 125 by the daemon.
 * - Addresses are uint32_t in host byte order.
 */
#ifndef NESTOR_CONFIG_CFG4_H
#define NESTOR_CONFIG_CFG4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "config/cfg_common.h"
#include "config/cfg_db.h"
#include "config/jsonsrc.h"
#include "proto/optdef.h"

/* ---- options -------------------------------------------------------------------------------- */

typedef struct cfg_option {
    uint16_t code;            /* 16 bits: DHCPv6 option codes are */
    bool always_send;
    bool never_send;
    uint16_t len;
    char *space;              /* option space, owned; NULL: the family's standard space */
    uint8_t *data;            /* what is sent, owned: the encoded value, followed, for an option
                               * of the standard space whose definition encapsulates a space, by
                               * that space's options of the same level (cfg_optencap.h) */
    uint32_t vendor_id;       /* enterprise id when space is "vendor-<id>", else 0 */
} cfg_option_t;

/* An ordered set of options of one configuration level, at most one per space and code. */
typedef struct cfg_optset {
    cfg_option_t *items;
    size_t count;
} cfg_optset_t;

/* The option of code in the standard space, or NULL. */
const cfg_option_t *cfg_optset_find(const cfg_optset_t *set, uint16_t code);
/* The option of code in vendor space "vendor-<vendor_id>" (vendor_id > 0), or NULL. */
const cfg_option_t *cfg_optset_find_vendor(const cfg_optset_t *set, uint32_t vendor_id,
                                           uint16_t code);

/* The option sets that apply to one answer, most specific first (Kea's order: host, pool,
 * subnet, shared network, the packet's classes in the order they were assigned, global); each
 * level keeps its own set and an option is resolved when it is looked up, so no level holds
 * copies of another's. NULL entries are skipped. */
#define CFG_OPT_LEVELS 40
typedef struct cfg_optlevels {
    const cfg_optset_t *set[CFG_OPT_LEVELS];
    size_t n;                 /* entries in use (0: all CFG_OPT_LEVELS may be) */
} cfg_optlevels_t;

/* How many entries of lv to look at. */
static inline size_t cfg_optlevels_count(const cfg_optlevels_t *lv)
{
    return lv->n ? lv->n : CFG_OPT_LEVELS;
}

/* The most specific option of code in the standard space, or NULL. */
const cfg_option_t *cfg_optlevels_find(const cfg_optlevels_t *lv, uint16_t code);
/* The most specific option of code in vendor space "vendor-<vendor_id>", or NULL. */
const cfg_option_t *cfg_optlevels_find_vendor(const cfg_optlevels_t *lv, uint32_t vendor_id,
                                              uint16_t code);

/* flex-option (Kea's libdhcp_flex_option.so, built in): an action on one option of every reply,
 * computed from the query. add: the expression's value when the reply has no such option;
 * supersede: the value replaces it (or is added); remove: the option goes when the expression
 * is true. Empty values and false do nothing; client_class (>= 0) guards the entry. */
enum cfg_flexopt_action { CFG_FLEXOPT_ADD, CFG_FLEXOPT_SUPERSEDE, CFG_FLEXOPT_REMOVE };
typedef struct cfg_flexopt {
    uint16_t code;
    uint8_t action;             /* enum cfg_flexopt_action */
    bool csv;                   /* the value is text encoded with the option's definition */
    const struct optdef *def;   /* that definition (csv), borrowed from the registry */
    struct eval *expr;
    int32_t client_class;       /* -1: every query */
} cfg_flexopt_t;

/* flex-option's sub-option actions (an entry's "sub-options", cfg4_flexsub.c): on one sub-option
 * of the reply's option `container`, after every option action, in order of container and
 * sub-option code (as Kea 2.2's flex_option). add: when the sub-option is absent; supersede: it
 * replaces every instance; remove: every instance goes when the expression is true. add and
 * supersede create an absent container when container_act is set (container-add), remove drops
 * a container left without sub-options when it is set (container-remove). In option 125,
 * vendor_id (a "vendor-<id>" space) leaves another vendor's option alone and makes a created one
 * that vendor's. */
typedef struct cfg_flexsub {
    uint8_t container, code;
    uint8_t action;                      /* enum cfg_flexopt_action */
    bool container_act;
    bool csv;                            /* the value is text encoded with def */
    const struct optdef *def;            /* the sub-option's definition (csv) */
    const struct optdef *container_def;  /* splits a container's own value from its sub-options */
    uint32_t vendor_id;                  /* 0: none */
    struct eval *expr;
    int32_t container_class, client_class; /* -1: every query */
} cfg_flexsub_t;

/* ---- host reservations ---------------------------------------------------------------------- */

enum cfg_host_id_type {      /* Kea's Host::IdentifierType values */
    HOST_ID_HWADDR = 0,
    HOST_ID_DUID = 1,
    HOST_ID_CIRCUIT_ID = 2,
    HOST_ID_CLIENT_ID = 3,
    HOST_ID_FLEX_ID = 4,
    HOST_ID__COUNT
};
const char *cfg_host_id_name(enum cfg_host_id_type t);

#define CFG_HOST_ID_MAX 128

typedef struct cfg_host4 {
    uint8_t id_type;          /* enum cfg_host_id_type */
    uint8_t id_len;
    uint8_t id[CFG_HOST_ID_MAX];
    uint32_t subnet_id;       /* 0 = global reservation */
    uint32_t ipv4;            /* 0 = no address reserved */
    char *hostname;
    uint32_t next_server;
    char *server_hostname;
    char *boot_file_name;
    cfg_optset_t options;
    char **classes;           /* client-classes: names (also of classes not in the dictionary) */
    size_t class_count;
} cfg_host4_t;

/* ---- subnets, pools, shared networks -------------------------------------------------------- */

/* A level's class restriction and required classes (indexes into cfg4_t.classes). */
typedef struct cfg_class_use {
    int32_t client_class;     /* "client-class": only members may use the level; -1: anyone */
    uint16_t *required;       /* "require-client-classes", in order */
    size_t required_count;
} cfg_class_use_t;

typedef struct cfg_pool4 {
    uint32_t first, last;     /* inclusive */
    cfg_optset_t options;
    cfg_class_use_t cls;
} cfg_pool4_t;

/* Parameters that can be set globally, per shared network and per subnet. */
typedef struct cfg_lifetimes {
    uint32_t valid, valid_min, valid_max;
    bool has_valid_min, has_valid_max; /* the bound is set here or at a level above */
    uint32_t renew, rebind;   /* 0 with has_* false = not configured */
    bool has_renew, has_rebind;
    bool calculate_tee_times;
    double t1_percent, t2_percent;
    uint8_t allocator;        /* enum cfg_allocator */
} cfg_lifetimes_t;

enum cfg_allocator { CFG_ALLOC_ITERATIVE = 0, CFG_ALLOC_RANDOM = 1 };

/* More inheritable parameters (global -> shared network -> subnet). */
typedef struct cfg_extra4 {
    bool store_extended_info;   /* leases keep the relay agent information (user-context ISC) */
    double cache_threshold;     /* lease caching: reuse a lease younger than this part of its
                                 * lifetime (0: off) */
    uint32_t cache_max_age;     /* ... or younger than this many seconds (0: off) */
} cfg_extra4_t;

typedef struct cfg_subnet4 {
    uint32_t id;
    bool auto_id;             /* no "id" (or 0): numbered by the parser, as Kea 2.2 numbers it */
    uint32_t prefix;          /* network address */
    uint8_t prefix_len;
    uint32_t mask;
    cfg_pool4_t *pools;
    size_t pool_count;
    uint64_t total_addresses; /* sum of pool sizes */
    cfg_lifetimes_t life;
    bool match_client_id;
    bool authoritative;
    uint32_t next_server;     /* siaddr; 0 = none */
    char *server_hostname;    /* sname; NULL = none */
    char *boot_file_name;     /* file; NULL = none */
    bool reservations_global, reservations_in_subnet, reservations_out_of_pool;
    cfg_extra4_t extra;
    char *interface;          /* NULL = any */
    uint32_t *relay_addrs;    /* relay.ip-addresses */
    size_t relay_count;
    cfg_optset_t options;     /* the subnet's own option-data (its network's and the global ones stay there) */
    cfg_class_use_t cls;      /* client-class: its own, else its shared network's */
    struct cfg_network4 *network; /* NULL when not in a shared network */
    int ha_rel;               /* its high-availability relationship (user-context "ha-server-name", its
                               * own or its shared network's), else CFG_HA_REL_* (config/cfg_common.h) */
    char *ha_name;            /* that ha-server-name when it names no relationship (for the log); else NULL */
} cfg_subnet4_t;

typedef struct cfg_network4 {
    char *name;
    char *interface;
    uint32_t *relay_addrs;
    size_t relay_count;
    cfg_optset_t options;
    cfg_class_use_t cls;
    cfg_subnet4_t **subnets;  /* borrowed pointers into cfg4_t.subnets */
    size_t subnet_count;
} cfg_network4_t;

/* ---- interfaces, lease database, server-wide settings --------------------------------------- */

typedef struct cfg4 {
    jsonsrc_t *src;               /* the parsed text, owned (config-get, error positions) */
    json_t *dhcp4;                /* borrowed from src: the "Dhcp4" map */

    cfg_common_t common;          /* the sections Dhcp4 and Dhcp6 share */

    cfg_lifetimes_t life;         /* global values */
    bool match_client_id, authoritative, echo_client_id;
    uint32_t decline_probation_period;
    uint32_t stat_sample_count, stat_sample_age; /* statistic-default-sample-count/-age (0: absent) */
    bool stat_samples_set;                       /* either was configured */
    uint32_t next_server;
    char *server_hostname, *boot_file_name;
    bool reservations_global, reservations_in_subnet, reservations_out_of_pool;
    bool ip_reservations_unique;  /* false: several reservations may name one address (Kea) */
    cfg_extra4_t extra;
    /* early-global-reservations-lookup: a global reservation is looked up before the subnet is
     * selected (dhcp4/class4.h). Accepted as Kea 2.2 has them, with an effect that is already
     * Nestor's behaviour or none here: reservations-lookup-first (lookup order only),
     * compatibility.lenient-option-parsing (options are not parsed strictly), parked-packet-limit
     * (no hook parks packets). */
    bool reservations_lookup_first, early_global_reservations_lookup, lenient_option_parsing;
    uint32_t parked_packet_limit;
    /* dhcp-queue-control (kea-ring4): without packet workers, what the sockets hold is read into
     * a ring of queue_capacity packets that keeps the newest (dhcp4/io4.c); with workers it is
     * off, as in Kea 2.2 (multi-threading disables it). */
    bool queue_enabled;
    uint32_t queue_capacity;

    uint8_t host_id_order[HOST_ID__COUNT];   /* host-reservation-identifiers, in order */
    size_t host_id_count;

    optdef_registry_t *optdefs;   /* standard + option-def */
    cfg_optset_t options;         /* global option-data */
    struct cfg_classes *classes;  /* client-classes and every class name used (config/cfg_class.h) */
    struct eval *flex_id;         /* flex-id's identifier-expression (libdhcp_flex_id.so), NULL: none */
    struct cfg_flexopt *flexopts; /* flex-option's entries (libdhcp_flex_option.so), in order */
    size_t flexopt_count;
    struct cfg_flexsub *flexsubs; /* flex-option's sub-option actions, by container and code */
    size_t flexsub_count;
    bool flex_replace_client_id;  /* flex-id's replace-client-id */

    cfg_subnet4_t *subnets;       /* sorted by id */
    size_t subnet_count;
    cfg_network4_t *networks;
    size_t network_count;

    cfg_host4_t *hosts;           /* all reservations (global and per subnet) */
    size_t host_count;
} cfg4_t;

/* Builds the model. On failure returns NST_ECONFIG with the message in err and *out untouched.
 * Takes ownership of src in every case. */
int cfg4_parse(jsonsrc_t *src, cfg4_t **out, char *err, size_t errlen);
/* Loads the file (comments, includes) and parses it. */
int cfg4_load_file(const char *path, cfg4_t **out, char *err, size_t errlen);
/* cfg4_load_file for a check (-t): every error found, not only the first, in *errors, one a line
 * "file:line:col: message" (malloc'd; NULL when there is none). */
int cfg4_check_file(const char *path, cfg4_t **out, char **errors);
/* The configuration as config-get and config-write show it: the text with Kea 2.2's defaults
 * filled in where absent, as kea-dhcp4 2.2 shows them (only keys Nestor accepts: the answer is a
 * valid config-set argument). A new reference. */
json_t *cfg4_config_json(const cfg4_t *c);
int cfg4_load_string(const char *text, const char *name, cfg4_t **out, char *err, size_t errlen);
void cfg4_free(cfg4_t *c);

const cfg_subnet4_t *cfg4_subnet_by_id(const cfg4_t *c, uint32_t id);
/* The subnet whose prefix contains addr, or NULL. */
const cfg_subnet4_t *cfg4_subnet_containing(const cfg4_t *c, uint32_t addr);
/* Whether addr lies in one of the subnet's pools. */
bool cfg_subnet4_in_pool(const cfg_subnet4_t *s, uint32_t addr);

#endif

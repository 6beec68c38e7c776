/* Host reservation sources in SQL databases ("hosts-database" / "hosts-databases"), on Kea 2.2's
 * schema: tables hosts, dhcp4_options (host options: scope 3), host_identifier_type,
 * dhcp_option_scope. One hostdb_t per configured database. The SQL backend (hostdb_sql.c) is
 * written once on an SQL session (db/sqlsess.h); PostgreSQL (hostdb_pg.c) and MySQL/MariaDB
 * (hostdb_my.c) are its dialects: their statements and row codec. The host manager (hostmgr.h)
 * orders the databases behind the config file.
 *
 * Contract:
 * - hostdb_open() connects once (on the calling thread) to check the parameters and the schema
 *   version; it refuses a version it does not speak with the same messages as the lease stores
 *   (naming the nestor-admin command that fixes it). The password never appears in messages.
 * - Every operation runs on a connection of the calling thread, opened on first use (one per
 *   thread, with prepared statements) and closed when the thread ends (packet workers restart on
 *   every reload) or the database closes. Any thread may call any operation at any time; nothing
 *   is shared between threads but the immutable parameters. Outages as db/sqlsess.h: a connection
 *   found dead is replaced once at once; then the database is lost (reported once through the
 *   lost callback, failing fast until hostdb_reconnect()), or, without a lost callback, a thread
 *   waits reconnect-wait-time (1 s if 0) before trying again, failing fast meanwhile.
 * - A readonly database (readonly: true) never prepares its write statements, and hostdb_add4 /
 *   hostdb_del4_* refuse it with HOSTDB_EREADONLY before touching it.
 * - Results: a lookup returns 0 and a new host the caller owns (hostdb_host4_free), NST_ENOENT
 *   when nothing matches, or a negative error (NST_EIO: database failure) with a one-line reason
 *   naming the database in the caller's err buffer (err may be NULL). Collections append new
 *   hosts to a list the caller owns (hostdb_list_free).
 * - Host options: rows of dhcp4_options whose host_id is the host's, in option_id order, space
 *   "dhcp4" (NULL or empty means "dhcp4"; other spaces are skipped: Nestor sends dhcp4 options
 *   only). A non-empty formatted_value is encoded with the option's definition (Kea's csv rules),
 *   else value holds the wire bytes; persistent maps to always-send. A second option with the same
 *   code is ignored (an option set holds one per code). Text columns that are NULL or "" are
 *   "not set".
 * - Writes follow Kea 2.2: one transaction inserts the hosts row (dhcp6_subnet_id NULL, empty
 *   strings for unset texts, 0 for unset addresses) and its options (scope_id 3, formatted_value
 *   when the option was given as csv text, value otherwise). With an IPv4 address the insert is
 *   refused when the subnet already has a reservation for that address (ip-reservations-unique).
 *   A duplicate gives NST_EEXIST.
 */
#ifndef NESTOR_HOSTS_HOSTDB_H
#define NESTOR_HOSTS_HOSTDB_H

#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/errcode.h"
#include "common/util.h"
#include "config/cfg4.h"
#include "config/cfg_db.h"
#include "db/sqlsess.h"
#include "proto/optdef.h"

/* A write was refused because the database is configured read-only. */
#define HOSTDB_EREADONLY (-EROFS)

/* What a database keeps about an option beside its encoded value. */
typedef struct hostdb_optx {
    char *formatted;          /* formatted_value (csv text), NULL when the option is binary */
    char *user_context;       /* JSON map text, NULL = none */
} hostdb_optx_t;

/* A reservation with everything the commands show. h comes first, so &host->h (or a cast of the
 * pointer) is what the allocation engine and the reply builder read, as for config-file hosts. */
typedef struct hostdb_host4 {
    cfg_host4_t h;
    uint64_t host_id;         /* hosts.host_id; config-file hosts: position in the file, from 1 */
    char *user_context;       /* JSON map text, NULL = none */
    hostdb_optx_t *optx;      /* parallel to h.options.items; NULL = no details */
} hostdb_host4_t;

typedef struct hostdb_list {
    hostdb_host4_t **items;
    size_t count, cap;
} hostdb_list_t;

/* One identifier of a client, for get4_client: type (enum cfg_host_id_type) and bytes. */
typedef struct hostdb_id {
    uint8_t type;
    uint8_t len;
    const uint8_t *bytes;
} hostdb_id_t;

typedef void (*hostdb_report_fn)(void *arg, int severity, const char *msgid, const char *text);

typedef struct hostdb hostdb_t;

/* The backend interface. Required: every function but get4_client. subnet_id 0 = global
 * reservations. del4_* return 1 (deleted), 0 (nothing matched) or an error. */
typedef struct hostdb_ops {
    const char *type;         /* "postgresql", "mysql" */
    int (*get4_by_id)(hostdb_t *db, uint32_t subnet_id, uint8_t id_type, const uint8_t *id, size_t len,
                      hostdb_host4_t **out, char *err, size_t errlen);
    /* Optional: every host of subnet_id matching one of ids, in one round trip. */
    int (*get4_client)(hostdb_t *db, uint32_t subnet_id, const hostdb_id_t *ids, size_t n, hostdb_list_t *out,
                       char *err, size_t errlen);
    int (*get4_by_addr)(hostdb_t *db, uint32_t subnet_id, uint32_t addr, hostdb_host4_t **out, char *err,
                        size_t errlen);
    int (*get4_all)(hostdb_t *db, uint32_t subnet_id, hostdb_list_t *out, char *err, size_t errlen);
    /* Hosts with host_id > after, by host_id, at most limit; any_subnet: every IPv4 host. */
    int (*get4_page)(hostdb_t *db, bool any_subnet, uint32_t subnet_id, uint64_t after, size_t limit,
                     hostdb_list_t *out, char *err, size_t errlen);
    /* lower: the hostname in lower case; compared case-insensitively. */
    int (*get4_by_hostname)(hostdb_t *db, const char *lower, bool any_subnet, uint32_t subnet_id,
                            hostdb_list_t *out, char *err, size_t errlen);
    /* IPv4 hosts (any subnet) with this identifier. */
    int (*get4_by_ident)(hostdb_t *db, uint8_t id_type, const uint8_t *id, size_t len, hostdb_list_t *out,
                         char *err, size_t errlen);
    int (*add4)(hostdb_t *db, const hostdb_host4_t *h, char *err, size_t errlen);
    int (*del4_by_id)(hostdb_t *db, uint32_t subnet_id, uint8_t id_type, const uint8_t *id, size_t len, char *err,
                      size_t errlen);
    int (*del4_by_addr)(hostdb_t *db, uint32_t subnet_id, uint32_t addr, char *err, size_t errlen);
    void (*close)(hostdb_t *db);
} hostdb_ops_t;

/* Called (on any thread) once when a database becomes unreachable; see hostdb_set_lost_cb(). */
typedef void (*hostdb_lost_fn)(void *arg);

/* Common head of every backend's object. */
struct hostdb {
    const hostdb_ops_t *ops;
    cfg_db_t params;          /* as configured (reconnect-wait-time, max-reconnect-tries, on-fail) */
    sqlsess_t *sess;          /* the SQL backend's session (outages); NULL for other backends */
    bool readonly;
    char desc[256];           /* "postgresql database kea on 127.0.0.1:5432 as user kea" */
    const optdef_registry_t *defs; /* option definitions for formatted values (borrowed) */
    hostdb_report_fn report;
    void *report_arg;
};

/* Opens the database described by cfg (type postgresql or mysql). defs (borrowed, may be NULL
 * for the standard definitions only) must outlive the source. report may be NULL. */
int hostdb_open(const cfg_db_t *cfg, const optdef_registry_t *defs, hostdb_report_fn report, void *arg,
                hostdb_t **out, char *err, size_t errlen);
void hostdb_close(hostdb_t *db);

/* Outages (see the contract): with a lost callback set, it runs once per outage and every
 * operation fails at once (NST_EIO) until hostdb_reconnect() reaches the database again. Set it
 * before other threads use the database. */
void hostdb_set_lost_cb(hostdb_t *db, hostdb_lost_fn fn, void *arg);
bool hostdb_is_lost(hostdb_t *db);
/* Opens and closes one connection: 0 when the database answers (the outage is over), else an
 * error with err set. */
int hostdb_reconnect(hostdb_t *db, char *err, size_t errlen);

/* Operations (see hostdb_ops_t): 0, NST_ENOENT or an error with err set. Writes check readonly
 * first. */
int hostdb_get4_by_id(hostdb_t *db, uint32_t subnet_id, uint8_t id_type, const uint8_t *id, size_t len,
                      hostdb_host4_t **out, char *err, size_t errlen);
int hostdb_get4_client(hostdb_t *db, uint32_t subnet_id, const hostdb_id_t *ids, size_t n, hostdb_list_t *out,
                       char *err, size_t errlen);
int hostdb_get4_by_addr(hostdb_t *db, uint32_t subnet_id, uint32_t addr, hostdb_host4_t **out, char *err,
                        size_t errlen);
int hostdb_get4_all(hostdb_t *db, uint32_t subnet_id, hostdb_list_t *out, char *err, size_t errlen);
int hostdb_get4_page(hostdb_t *db, bool any_subnet, uint32_t subnet_id, uint64_t after, size_t limit,
                     hostdb_list_t *out, char *err, size_t errlen);
int hostdb_get4_by_hostname(hostdb_t *db, const char *hostname, bool any_subnet, uint32_t subnet_id,
                            hostdb_list_t *out, char *err, size_t errlen);
int hostdb_get4_by_ident(hostdb_t *db, uint8_t id_type, const uint8_t *id, size_t len, hostdb_list_t *out,
                         char *err, size_t errlen);
int hostdb_add4(hostdb_t *db, const hostdb_host4_t *h, char *err, size_t errlen);
int hostdb_del4_by_id(hostdb_t *db, uint32_t subnet_id, uint8_t id_type, const uint8_t *id, size_t len, char *err,
                      size_t errlen);
int hostdb_del4_by_addr(hostdb_t *db, uint32_t subnet_id, uint32_t addr, char *err, size_t errlen);

/* ---- host objects --------------------------------------------------------------------------- */

hostdb_host4_t *hostdb_host4_new(void);
void hostdb_host4_free(hostdb_host4_t *h);
/* A deep copy of a config-file reservation (no classes, user context or option details). */
hostdb_host4_t *hostdb_host4_from_cfg(const cfg_host4_t *c, uint64_t host_id);
/* Appends an option (data copied; formatted and user_context copied when not NULL). Returns
 * false (nothing added) when the host already has an option with that code. */
bool hostdb_host4_add_option(hostdb_host4_t *h, uint8_t code, bool always_send, const uint8_t *data,
                             size_t len, const char *formatted, const char *user_context);
/* Sets the classes from Kea's comma-separated text (spaces around names trimmed, empty names
 * dropped). */
void hostdb_host4_set_classes(hostdb_host4_t *h, const char *text);
/* Kea's comma-separated form of the classes ("a,b"); a new string, "" when none. */
char *hostdb_host4_classes_text(const hostdb_host4_t *h);

void hostdb_list_push(hostdb_list_t *l, hostdb_host4_t *h);
void hostdb_list_free(hostdb_list_t *l);

/* ---- for backends --------------------------------------------------------------------------- */

void hostdb_report(hostdb_t *db, int severity, const char *msgid, const char *fmt, ...) NST_PRINTF(4, 5);
/* Decodes one dhcp4_options row into h (see the contract). value/formatted/space may be NULL. */
void hostdb_decode_option(hostdb_t *db, hostdb_host4_t *h, int code, const uint8_t *value, size_t vlen,
                          const char *formatted, const char *space, bool persistent, const char *user_context);
/* Whether text (a hosts.user_context) is a JSON map; a bad one is reported and dropped. */
bool hostdb_context_ok(hostdb_t *db, const char *text);

/* How many connections the SQL backend holds (per-thread ones; for tests), 0 for others. */
size_t hostdb_connections(hostdb_t *db);

#endif

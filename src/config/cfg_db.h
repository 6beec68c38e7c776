/* Database access parameters: one "lease-database", "hosts-database(s)" entry of type
 * "postgresql" or "mysql", as Kea 2.2's DbAccessParser reads them (family-neutral: DHCPv6 and the
 * config backend use the same model).
 *
 * Contract:
 * - cfg_db_t owns its strings; cfg_db_free() releases them (the struct itself is the caller's).
 * - The password is kept for connecting only: nothing in Nestor logs it, and cfg_db_redact()
 *   hides it in a config tree before it is shown (config-get).
 * - cfg_db_parse() reports the first bad parameter as "file:line:col: text" and returns
 *   NST_ECONFIG (see cfg4_ctx.h).
 */
#ifndef NESTOR_CONFIG_CFG_DB_H
#define NESTOR_CONFIG_CFG_DB_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

enum cfg_db_type { CFG_DB_MEMFILE = 0, CFG_DB_POSTGRESQL, CFG_DB_MYSQL };

/* What to do while a lost database connection is being recovered (Kea's OnFailAction). */
enum cfg_db_on_fail {
    CFG_DB_STOP_RETRY_EXIT = 0,   /* stop serving DHCP while retrying; exit when retries run out */
    CFG_DB_SERVE_RETRY_EXIT,      /* keep serving while retrying; exit when retries run out */
    CFG_DB_SERVE_RETRY_CONTINUE,  /* keep serving, never exit */
};

typedef struct cfg_db {
    enum cfg_db_type type;
    char *name;                   /* database name */
    char *host;                   /* NULL = localhost */
    uint16_t port;                /* 0 = the client library's default */
    char *user, *password;
    uint32_t connect_timeout;     /* s (default 5) */
    uint32_t read_timeout, write_timeout;   /* s, 0 = none (MySQL only) */
    uint32_t tcp_user_timeout;    /* s, 0 = none (PostgreSQL only) */
    bool readonly;                /* hosts databases only */
    char *trust_anchor, *cert_file, *key_file, *cipher_list;   /* TLS; NULL = not set */
    uint32_t max_reconnect_tries; /* 0 = no recovery */
    uint32_t reconnect_wait_time; /* ms, 0 = no recovery */
    enum cfg_db_on_fail on_fail;
    bool retry_on_startup;        /* keep trying at start-up instead of failing (Kea 2.5.5+) */
} cfg_db_t;

struct pctx;

/* Parses the SQL parameters of db (a map whose "type" is postgresql or mysql) into out. what
 * names the map in messages ("lease-database"). hosts: whether "readonly" is allowed. */
int cfg_db_parse(struct pctx *p, json_t *db, const char *what, bool hosts, cfg_db_t *out);
void cfg_db_free(cfg_db_t *db);
/* Deep copy (dst's previous contents are not freed). */
void cfg_db_copy(cfg_db_t *dst, const cfg_db_t *src);

/* "postgresql", "mysql" or "memfile". */
const char *cfg_db_type_name(enum cfg_db_type t);
/* Kea's names for on-fail values. */
const char *cfg_db_on_fail_name(enum cfg_db_on_fail f);

/* Replaces every "password" of the database maps of a "Dhcp4"/"Dhcp6" tree (lease-database,
 * hosts-database, hosts-databases[], config-control.config-databases[]) by "*****". */
void cfg_db_redact(json_t *root);

/* A one-line description for logs: "postgresql database kea on 127.0.0.1:5432 as user kea". */
void cfg_db_describe(const cfg_db_t *db, char *buf, size_t cap);

#endif

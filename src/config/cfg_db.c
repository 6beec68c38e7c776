/* Database access parameters (see cfg_db.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/cfg4_ctx.h"
#include "config/cfg_db.h"

static const char *const sql_keys[] = {
    "type", "name", "host", "port", "user", "password", "connect-timeout", "read-timeout",
    "write-timeout", "tcp-user-timeout", "max-reconnect-tries", "reconnect-wait-time", "on-fail",
    "retry-on-startup", "trust-anchor", "cert-file", "key-file", "cipher-list", "readonly", NULL};

const char *cfg_db_type_name(enum cfg_db_type t)
{
    return t == CFG_DB_POSTGRESQL ? "postgresql" : t == CFG_DB_MYSQL ? "mysql" : "memfile";
}

const char *cfg_db_on_fail_name(enum cfg_db_on_fail f)
{
    static const char *const names[] = {"stop-retry-exit", "serve-retry-exit", "serve-retry-continue"};
    return (unsigned)f < 3 ? names[f] : "?";
}

static int get_on_fail(pctx_t *p, json_t *db, enum cfg_db_on_fail *out)
{
    char *s = NULL;
    int r = pctx_get_str(p, db, "on-fail", &s);
    if (r || !s)
        return r;
    for (int i = 0; i < 3; i++)
        if (!strcmp(s, cfg_db_on_fail_name((enum cfg_db_on_fail)i))) {
            *out = (enum cfg_db_on_fail)i;
            free(s);
            return 0;
        }
    r = pctx_fail(p, "on-fail", "unsupported value '%s' for on-fail (expected stop-retry-exit, "
                  "serve-retry-exit or serve-retry-continue)", s);
    free(s);
    return r;
}

int cfg_db_parse(pctx_t *p, json_t *db, const char *what, bool hosts, cfg_db_t *out)
{
    char *type = NULL;
    int r = pctx_get_str(p, db, "type", &type);
    if (!r && !type)
        r = pctx_fail(p, NULL, "'%s' requires the parameter 'type'", what);
    if (!r) {
        if (!strcmp(type, "postgresql"))
            out->type = CFG_DB_POSTGRESQL;
        else if (!strcmp(type, "mysql"))
            out->type = CFG_DB_MYSQL;
        else
            r = pctx_fail(p, "type", "database type \"%s\" is not supported here (expected \"postgresql\" "
                          "or \"mysql\"%s)", type, hosts ? "" : ", or \"memfile\"");
    }
    free(type);
    if (r)
        return r;
    char whatbuf[96];
    snprintf(whatbuf, sizeof whatbuf, "%s of type %s", what, cfg_db_type_name(out->type));
    static const char *const memfile_only[] = {"persist", "lfc-interval", NULL};
    /* Kea accepts memfile's persist and lfc-interval in a SQL lease-database and ignores them */
    r = hosts ? pctx_check_keys(p, db, whatbuf, sql_keys) : pctx_check_keys2(p, db, whatbuf, sql_keys, memfile_only);
    bool ignored_b;
    uint32_t ignored_u;
    if (!r && !hosts)
        r = pctx_get_bool(p, db, "persist", &ignored_b);
    if (!r && !hosts)
        r = pctx_get_u32(p, db, "lfc-interval", 0, UINT32_MAX, &ignored_u);
    if (!r && !hosts && json_object_get(db, "readonly"))
        r = pctx_fail(p, "readonly", "'readonly' applies to hosts databases only");
    out->connect_timeout = 5;
    uint32_t port = 0;
    if (!r)
        r = pctx_get_str(p, db, "name", &out->name);
    if (!r && !out->name)
        r = pctx_fail(p, NULL, "'%s' of type %s requires the parameter 'name' (the database name)", what,
                      cfg_db_type_name(out->type));
    if (!r && !out->name[0])
        r = pctx_fail(p, "name", "the database name must not be empty");
    if (!r)
        r = pctx_get_str(p, db, "host", &out->host);
    if (!r)
        r = pctx_get_u32(p, db, "port", 0, 65535, &port);
    out->port = (uint16_t)port;
    if (!r)
        r = pctx_get_str(p, db, "user", &out->user);
    if (!r)
        r = pctx_get_str(p, db, "password", &out->password);
    if (!r)
        r = pctx_get_u32(p, db, "connect-timeout", 1, INT32_MAX / 1000, &out->connect_timeout);
    if (!r)
        r = pctx_get_u32(p, db, "read-timeout", 0, INT32_MAX / 1000, &out->read_timeout);
    if (!r)
        r = pctx_get_u32(p, db, "write-timeout", 0, INT32_MAX / 1000, &out->write_timeout);
    if (!r)
        r = pctx_get_u32(p, db, "tcp-user-timeout", 0, INT32_MAX / 1000, &out->tcp_user_timeout);
    if (!r && out->type == CFG_DB_POSTGRESQL &&
        (json_object_get(db, "read-timeout") || json_object_get(db, "write-timeout")))
        r = pctx_fail(p, json_object_get(db, "read-timeout") ? "read-timeout" : "write-timeout",
                      "'read-timeout' and 'write-timeout' apply to mysql only; use 'tcp-user-timeout' "
                      "for postgresql");
    if (!r && out->type == CFG_DB_MYSQL && json_object_get(db, "tcp-user-timeout"))
        r = pctx_fail(p, "tcp-user-timeout", "'tcp-user-timeout' applies to postgresql only; use "
                      "'read-timeout' and 'write-timeout' for mysql");
    if (!r)
        r = pctx_get_u32(p, db, "max-reconnect-tries", 0, INT32_MAX, &out->max_reconnect_tries);
    if (!r)
        r = pctx_get_u32(p, db, "reconnect-wait-time", 0, INT32_MAX, &out->reconnect_wait_time);
    if (!r)
        r = get_on_fail(p, db, &out->on_fail);
    if (!r)
        r = pctx_get_bool(p, db, "retry-on-startup", &out->retry_on_startup);
    if (!r)
        r = pctx_get_bool(p, db, "readonly", &out->readonly);
    if (!r)
        r = pctx_get_str(p, db, "trust-anchor", &out->trust_anchor);
    if (!r)
        r = pctx_get_str(p, db, "cert-file", &out->cert_file);
    if (!r)
        r = pctx_get_str(p, db, "key-file", &out->key_file);
    if (!r)
        r = pctx_get_str(p, db, "cipher-list", &out->cipher_list);
    if (!r && out->type == CFG_DB_POSTGRESQL && out->cipher_list)
        r = pctx_fail(p, "cipher-list", "'cipher-list' applies to mysql only (PostgreSQL's client library "
                      "takes the server's ssl_ciphers)");
    if (!r && (!out->cert_file) != (!out->key_file))
        r = pctx_fail(p, out->cert_file ? "cert-file" : "key-file",
                      "'cert-file' and 'key-file' must be given together");
    return r;
}

void cfg_db_free(cfg_db_t *db)
{
    free(db->name);
    free(db->host);
    free(db->user);
    if (db->password)
        explicit_bzero(db->password, strlen(db->password));
    free(db->password);
    free(db->trust_anchor);
    free(db->cert_file);
    free(db->key_file);
    free(db->cipher_list);
    memset(db, 0, sizeof *db);
}

void cfg_db_copy(cfg_db_t *dst, const cfg_db_t *src)
{
    *dst = *src;
    dst->name = xstrdup_opt(src->name);
    dst->host = xstrdup_opt(src->host);
    dst->user = xstrdup_opt(src->user);
    dst->password = xstrdup_opt(src->password);
    dst->trust_anchor = xstrdup_opt(src->trust_anchor);
    dst->cert_file = xstrdup_opt(src->cert_file);
    dst->key_file = xstrdup_opt(src->key_file);
    dst->cipher_list = xstrdup_opt(src->cipher_list);
}

static void redact_map(json_t *m)
{
    if (json_is_object(m) && json_object_get(m, "password"))
        json_object_set_new(m, "password", json_string("*****"));
}

static void redact_list(json_t *l)
{
    size_t i;
    json_t *m;
    if (json_is_array(l))
        json_array_foreach(l, i, m)
            redact_map(m);
}

void cfg_db_redact(json_t *root)
{
    static const char *const tops[] = {"Dhcp4", "Dhcp6"};
    for (size_t t = 0; t < 2; t++) {
        json_t *d = json_object_get(root, tops[t]);
        if (!json_is_object(d))
            continue;
        redact_map(json_object_get(d, "lease-database"));
        redact_map(json_object_get(d, "hosts-database"));
        redact_list(json_object_get(d, "hosts-databases"));
        json_t *cc = json_object_get(d, "config-control");
        if (json_is_object(cc))
            redact_list(json_object_get(cc, "config-databases"));
    }
}

void cfg_db_describe(const cfg_db_t *db, char *buf, size_t cap)
{
    char port[16] = "";
    if (db->port)
        snprintf(port, sizeof port, ":%u", db->port);
    snprintf(buf, cap, "%s database %s on %s%s%s%s%s", cfg_db_type_name(db->type), db->name,
             db->host ? db->host : "localhost", port, db->user ? " as user " : "", db->user ? db->user : "",
             db->cert_file || db->trust_anchor ? " (TLS)" : "");
}

/* Host reservations in PostgreSQL (Kea 2.2 schema 13.0): per-thread connections, binary
 * prepared statements (see hostdb.h for the contract). */
#include <endian.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "db/pgconn.h"
#include "hosts/hostdb.h"

/* Host columns, then its options (LEFT JOIN: one row per option, NULLs when none). */
#define COLS "SELECT h.host_id, h.dhcp_identifier, h.dhcp_identifier_type, h.dhcp4_subnet_id, " \
             "h.ipv4_address, h.hostname, h.dhcp4_client_classes, h.dhcp4_next_server, " \
             "h.dhcp4_server_hostname, h.dhcp4_boot_file_name, h.user_context, o.option_id, o.code, " \
             "o.value, o.formatted_value, o.space, o.persistent, o.user_context "
#define JOIN " LEFT JOIN dhcp4_options AS o ON o.host_id = h.host_id "
#define ORDER " ORDER BY h.host_id, o.option_id"
#define SEL COLS "FROM hosts AS h" JOIN "WHERE "

enum {
    C_HOST_ID, C_ID, C_ID_TYPE, C_SUBNET, C_ADDR, C_HOSTNAME, C_CLASSES, C_NEXT_SERVER, C_SNAME, C_FILE,
    C_CONTEXT, C_OPT_ID, C_OPT_CODE, C_OPT_VALUE, C_OPT_FORMATTED, C_OPT_SPACE, C_OPT_PERSISTENT,
    C_OPT_CONTEXT,
};

#define HOST_INSERT_COLS "INSERT INTO hosts (dhcp_identifier, dhcp_identifier_type, dhcp4_subnet_id, " \
    "dhcp6_subnet_id, ipv4_address, hostname, dhcp4_client_classes, dhcp6_client_classes, user_context, " \
    "dhcp4_next_server, dhcp4_server_hostname, dhcp4_boot_file_name, auth_key) "
#define HOST_PARAMS {PG_BYTEAOID, PG_INT2OID, PG_INT8OID, PG_INT8OID, PG_VARCHAROID, PG_VARCHAROID, \
                     PG_TEXTOID, PG_INT8OID, PG_VARCHAROID, PG_VARCHAROID}

static const struct {
    const char *name, *sql;
    int n;
    Oid types[10];
    bool write;
} stmts[] = {
    {"h4_id", SEL "h.dhcp4_subnet_id = $1 AND h.dhcp_identifier_type = $2 AND h.dhcp_identifier = $3" ORDER,
     3, {PG_INT8OID, PG_INT2OID, PG_BYTEAOID}, false},
    /* Every host of a subnet matching one of the client's identifiers (a NULL parameter matches
     * nothing): the host manager picks among them in host-reservation-identifiers order. */
    {"h4_client", SEL "h.dhcp4_subnet_id = $1 AND ("
                  "(h.dhcp_identifier_type = 0 AND h.dhcp_identifier = $2) OR "
                  "(h.dhcp_identifier_type = 1 AND h.dhcp_identifier = $3) OR "
                  "(h.dhcp_identifier_type = 2 AND h.dhcp_identifier = $4) OR "
                  "(h.dhcp_identifier_type = 3 AND h.dhcp_identifier = $5) OR "
                  "(h.dhcp_identifier_type = 4 AND h.dhcp_identifier = $6))" ORDER,
     6, {PG_INT8OID, PG_BYTEAOID, PG_BYTEAOID, PG_BYTEAOID, PG_BYTEAOID, PG_BYTEAOID}, false},
    {"h4_addr", SEL "h.dhcp4_subnet_id = $1 AND h.ipv4_address = $2" ORDER, 2, {PG_INT8OID, PG_INT8OID}, false},
    {"h4_sub", SEL "h.dhcp4_subnet_id = $1" ORDER, 1, {PG_INT8OID}, false},
    {"h4_page_sub", COLS "FROM (SELECT * FROM hosts WHERE dhcp4_subnet_id = $1 AND host_id > $2 "
                    "ORDER BY host_id LIMIT $3) AS h" JOIN ORDER, 3, {PG_INT8OID, PG_INT8OID, PG_INT8OID}, false},
    {"h4_page", COLS "FROM (SELECT * FROM hosts WHERE dhcp4_subnet_id IS NOT NULL AND host_id > $1 "
                "ORDER BY host_id LIMIT $2) AS h" JOIN ORDER, 2, {PG_INT8OID, PG_INT8OID}, false},
    {"h4_name", SEL "lower(h.hostname) = $1 AND h.dhcp4_subnet_id IS NOT NULL" ORDER, 1, {PG_VARCHAROID}, false},
    {"h4_name_sub", SEL "lower(h.hostname) = $1 AND h.dhcp4_subnet_id = $2" ORDER, 2,
     {PG_VARCHAROID, PG_INT8OID}, false},
    {"h4_ident", SEL "h.dhcp_identifier_type = $1 AND h.dhcp_identifier = $2 AND h.dhcp4_subnet_id IS NOT NULL"
                 ORDER, 2, {PG_INT2OID, PG_BYTEAOID}, false},
    {"h4_ins", HOST_INSERT_COLS "VALUES ($1, $2, $3, NULL, $4, $5, $6, '', $7, $8, $9, $10, NULL) "
               "RETURNING host_id", 10, HOST_PARAMS, true},
    /* ip-reservations-unique: no second reservation of one address in a subnet. */
    {"h4_ins_uniq", HOST_INSERT_COLS "SELECT $1, $2, $3, NULL::bigint, $4, $5, $6, '', $7, $8, $9, $10, "
                    "NULL::varchar WHERE NOT EXISTS (SELECT 1 FROM hosts WHERE dhcp4_subnet_id = $3 AND "
                    "ipv4_address = $4) RETURNING host_id", 10, HOST_PARAMS, true},
    {"h4_ins_opt", "INSERT INTO dhcp4_options (code, value, formatted_value, space, persistent, user_context, "
                   "host_id, scope_id) VALUES ($1, $2, $3, 'dhcp4', $4, $5, $6, 3)", 6,
     {PG_INT2OID, PG_BYTEAOID, PG_TEXTOID, PG_BOOLOID, PG_TEXTOID, PG_INT8OID}, true},
    {"h4_del_id", "DELETE FROM hosts WHERE dhcp4_subnet_id = $1 AND dhcp_identifier_type = $2 AND "
                  "dhcp_identifier = $3", 3, {PG_INT8OID, PG_INT2OID, PG_BYTEAOID}, true},
    {"h4_del_addr", "DELETE FROM hosts WHERE dhcp4_subnet_id = $1 AND ipv4_address = $2", 2,
     {PG_INT8OID, PG_INT8OID}, true},
};

typedef struct pg_conn {
    PGconn *pg;
    int64_t retry_at_ms;      /* after a failed connect: fail fast until then */
    struct pg_conn *next;
} pg_conn_t;

typedef struct hostdb_pg {
    hostdb_t base;
    cfg_db_t db;
    pthread_key_t key;
    pthread_mutex_t lock;     /* conns */
    pg_conn_t *conns;
} hostdb_pg_t;

static hostdb_pg_t *S(hostdb_t *db) { return (hostdb_pg_t *)db; }

static int prepare(hostdb_pg_t *s, PGconn *c, char *err, size_t errlen)
{
    for (size_t i = 0; i < ARRAY_SIZE(stmts); i++) {
        if (stmts[i].write && s->db.readonly)
            continue;
        PGresult *r = PQprepare(c, stmts[i].name, stmts[i].sql, stmts[i].n, stmts[i].types);
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            char e[256];
            pgconn_error(c, r, e, sizeof e);
            snprintf(err, errlen, "preparing statement %s: %s", stmts[i].name, e);
            PQclear(r);
            return NST_EIO;
        }
        PQclear(r);
    }
    return 0;
}

/* The calling thread's connection, opened on first use or after a loss; NULL with the error set. */
static PGconn *conn(hostdb_pg_t *s)
{
    pg_conn_t *c = pthread_getspecific(s->key);
    if (!c) {
        c = xcalloc(1, sizeof *c);
        pthread_setspecific(s->key, c);
        pthread_mutex_lock(&s->lock);
        c->next = s->conns;
        s->conns = c;
        pthread_mutex_unlock(&s->lock);
    }
    if (c->pg && PQstatus(c->pg) != CONNECTION_OK) {
        PQfinish(c->pg);
        c->pg = NULL;
    }
    if (c->pg)
        return c->pg;
    if (hostdb_is_lost(&s->base)) {
        hostdb_fail(NST_EIO, "the hosts database (%s) is unreachable; the server is reconnecting", s->base.desc);
        return NULL;
    }
    int64_t now = now_mono_ms();
    if (now < c->retry_at_ms) {
        hostdb_fail(NST_EIO, "the hosts database (%s) is unreachable; retrying later", s->base.desc);
        return NULL;
    }
    char err[512];
    PGconn *pg = NULL;
    if (pgconn_open(&s->db, &pg, err, sizeof err) || prepare(s, pg, err, sizeof err)) {
        if (pg)
            PQfinish(pg);
        c->retry_at_ms = now + (s->db.reconnect_wait_time ? s->db.reconnect_wait_time : 1000);
        hostdb_report(&s->base, 3, "HOSTS_PGSQL_CONNECT_FAILED", "cannot connect to the hosts database (%s): %s",
                      s->base.desc, err);
        hostdb_fail(NST_EIO, "cannot connect to the hosts database (%s): %s", s->base.desc, err);
        hostdb_set_lost(&s->base);
        return NULL;
    }
    c->pg = pg;
    return pg;
}

/* Runs a prepared statement with binary parameters and results. NULL on failure, with the error
 * set and its code in *code when given (NST_EEXIST: a unique index refused the row, NST_EIO). A
 * connection found dead (server restart, killed by an administrator) is replaced once at once. */
static PGresult *run_code(hostdb_pg_t *s, const char *stmt, int n, const char *const *vals, const int *lens,
                          int *code)
{
    if (code)
        *code = NST_EIO;
    int fmts[10];
    for (int i = 0; i < 10; i++)
        fmts[i] = 1;
    for (int attempt = 0; attempt < 2; attempt++) {
        PGconn *c = conn(s);
        if (!c)
            return NULL;
        PGresult *r = PQexecPrepared(c, stmt, n, vals, lens, fmts, 1);
        ExecStatusType st = PQresultStatus(r);
        if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
            return r;
        char e[256];
        pgconn_error(c, r, e, sizeof e);
        const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
        bool dup = state && !strcmp(state, "23505"); /* unique_violation */
        bool lost = pgconn_lost(c, r);
        PQclear(r);
        if (dup) {
            hostdb_fail(NST_EEXIST, "%s", e);
            if (code)
                *code = NST_EEXIST;
            return NULL;
        }
        hostdb_report(&s->base, 3, lost ? "HOSTS_PGSQL_CONNECTION_LOST" : "HOSTS_PGSQL_QUERY_FAILED",
                      "hosts database (%s): statement %s failed: %s", s->base.desc, stmt, e);
        hostdb_fail(NST_EIO, "hosts database (%s): %s", s->base.desc, e);
        if (!lost)
            return NULL;
        pg_conn_t *tc = pthread_getspecific(s->key);
        PQfinish(tc->pg);
        tc->pg = NULL;
    }
    return NULL;
}

static PGresult *run(hostdb_pg_t *s, const char *stmt, int n, const char *const *vals, const int *lens)
{
    return run_code(s, stmt, n, vals, lens, NULL);
}

static int64_t col_int(const PGresult *r, int row, int col)
{
    const char *v = PQgetvalue(r, row, col);
    switch (PQgetlength(r, row, col)) {
    case 1:
        return (uint8_t)v[0];
    case 2: {
        uint16_t x;
        memcpy(&x, v, 2);
        return (int16_t)be16toh(x);
    }
    case 4:
        return pg_get_int4(v);
    case 8:
        return pg_get_int8(v);
    default:
        return 0;
    }
}

/* A text column: NULL when NULL or empty (Kea writes "" for unset values). */
static const char *col_text(const PGresult *r, int row, int col)
{
    if (PQgetisnull(r, row, col) || PQgetlength(r, row, col) == 0)
        return NULL;
    return PQgetvalue(r, row, col);
}

/* Builds a host from a row's host columns, or NULL (reported) for rows Nestor cannot use. */
static hostdb_host4_t *decode_host(hostdb_pg_t *s, const PGresult *r, int row)
{
    int64_t type = col_int(r, row, C_ID_TYPE);
    int idlen = PQgetlength(r, row, C_ID);
    if (type < 0 || type >= HOST_ID__COUNT || idlen <= 0 || idlen > CFG_HOST_ID_MAX) {
        hostdb_report(&s->base, 2, "HOSTS_BAD_ROW", "hosts database %s: host %lld has an unusable identifier "
                      "(type %lld, %d bytes); skipped", s->base.desc, (long long)col_int(r, row, C_HOST_ID),
                      (long long)type, idlen);
        return NULL;
    }
    hostdb_host4_t *h = hostdb_host4_new();
    h->host_id = (uint64_t)col_int(r, row, C_HOST_ID);
    h->h.id_type = (uint8_t)type;
    h->h.id_len = (uint8_t)idlen;
    memcpy(h->h.id, PQgetvalue(r, row, C_ID), (size_t)idlen);
    h->h.subnet_id = PQgetisnull(r, row, C_SUBNET) ? 0 : (uint32_t)col_int(r, row, C_SUBNET);
    h->h.ipv4 = PQgetisnull(r, row, C_ADDR) ? 0 : (uint32_t)col_int(r, row, C_ADDR);
    h->h.next_server = PQgetisnull(r, row, C_NEXT_SERVER) ? 0 : (uint32_t)col_int(r, row, C_NEXT_SERVER);
    const char *t;
    if ((t = col_text(r, row, C_HOSTNAME)))
        h->h.hostname = xstrdup(t);
    if ((t = col_text(r, row, C_SNAME)))
        h->h.server_hostname = xstrdup(t);
    if ((t = col_text(r, row, C_FILE)))
        h->h.boot_file_name = xstrdup(t);
    hostdb_host4_set_classes(h, col_text(r, row, C_CLASSES));
    if ((t = col_text(r, row, C_CONTEXT)) && hostdb_context_ok(&s->base, t))
        h->user_context = xstrdup(t);
    return h;
}

/* Appends the hosts of a result (rows ordered by host, then option) to out. */
static void decode_hosts(hostdb_pg_t *s, const PGresult *r, hostdb_list_t *out)
{
    int64_t cur_id = -1, last_opt = -1;
    hostdb_host4_t *cur = NULL;
    for (int i = 0; i < PQntuples(r); i++) {
        int64_t id = col_int(r, i, C_HOST_ID);
        if (id != cur_id) {
            cur_id = id;
            last_opt = -1;
            cur = decode_host(s, r, i);
            if (cur)
                hostdb_list_push(out, cur);
        }
        if (!cur || PQgetisnull(r, i, C_OPT_ID))
            continue;
        int64_t opt = col_int(r, i, C_OPT_ID);
        if (opt <= last_opt)
            continue;
        last_opt = opt;
        bool has_value = !PQgetisnull(r, i, C_OPT_VALUE);
        hostdb_decode_option(&s->base, cur, (int)col_int(r, i, C_OPT_CODE),
                             has_value ? (const uint8_t *)PQgetvalue(r, i, C_OPT_VALUE) : NULL,
                             has_value ? (size_t)PQgetlength(r, i, C_OPT_VALUE) : 0,
                             col_text(r, i, C_OPT_FORMATTED), col_text(r, i, C_OPT_SPACE),
                             !PQgetisnull(r, i, C_OPT_PERSISTENT) && col_int(r, i, C_OPT_PERSISTENT),
                             col_text(r, i, C_OPT_CONTEXT));
    }
}

static int many(hostdb_pg_t *s, const char *stmt, int n, const char *const *vals, const int *lens,
                hostdb_list_t *out)
{
    PGresult *r = run(s, stmt, n, vals, lens);
    if (!r)
        return NST_EIO;
    decode_hosts(s, r, out);
    PQclear(r);
    return 0;
}

/* The first host of a query, or NST_ENOENT. */
static int one(hostdb_pg_t *s, const char *stmt, int n, const char *const *vals, const int *lens,
               hostdb_host4_t **out)
{
    hostdb_list_t l = {0};
    int r = many(s, stmt, n, vals, lens, &l);
    if (r == 0 && !l.count)
        r = NST_ENOENT;
    if (r == 0)
        *out = l.items[0];
    for (size_t i = r == 0 ? 1 : 0; i < l.count; i++)
        hostdb_host4_free(l.items[i]);
    free(l.items);
    return r;
}

static void put2(char out[2], int v)
{
    uint16_t x = htobe16((uint16_t)v);
    memcpy(out, &x, 2);
}

static int get4_by_id(hostdb_t *db, uint32_t subnet_id, uint8_t id_type, const uint8_t *id, size_t len,
                      hostdb_host4_t **out)
{
    char sub[8], type[2];
    pg_put_int8(sub, subnet_id);
    put2(type, id_type);
    const char *v[] = {sub, type, (const char *)id};
    int l[] = {8, 2, (int)len};
    return one(S(db), "h4_id", 3, v, l, out);
}

static int get4_client(hostdb_t *db, uint32_t subnet_id, const hostdb_id_t *ids, size_t n, hostdb_list_t *out)
{
    char sub[8];
    pg_put_int8(sub, subnet_id);
    const char *v[6] = {sub, NULL, NULL, NULL, NULL, NULL};
    int l[6] = {8, 0, 0, 0, 0, 0};
    bool any = false;
    for (size_t i = 0; i < n; i++) {
        if (ids[i].type >= HOST_ID__COUNT || !ids[i].len)
            continue;
        v[1 + ids[i].type] = (const char *)ids[i].bytes;
        l[1 + ids[i].type] = ids[i].len;
        any = true;
    }
    if (!any)
        return 0;
    return many(S(db), "h4_client", 6, v, l, out);
}

static int get4_by_addr(hostdb_t *db, uint32_t subnet_id, uint32_t addr, hostdb_host4_t **out)
{
    char sub[8], a[8];
    pg_put_int8(sub, subnet_id);
    pg_put_int8(a, addr);
    const char *v[] = {sub, a};
    int l[] = {8, 8};
    return one(S(db), "h4_addr", 2, v, l, out);
}

static int get4_all(hostdb_t *db, uint32_t subnet_id, hostdb_list_t *out)
{
    char sub[8];
    pg_put_int8(sub, subnet_id);
    const char *v[] = {sub};
    int l[] = {8};
    return many(S(db), "h4_sub", 1, v, l, out);
}

static int get4_page(hostdb_t *db, bool any_subnet, uint32_t subnet_id, uint64_t after, size_t limit,
                     hostdb_list_t *out)
{
    char sub[8], from[8], lim[8];
    pg_put_int8(sub, subnet_id);
    pg_put_int8(from, (int64_t)(after > INT64_MAX ? INT64_MAX : after));
    pg_put_int8(lim, (int64_t)limit);
    if (any_subnet) {
        const char *v[] = {from, lim};
        int l[] = {8, 8};
        return many(S(db), "h4_page", 2, v, l, out);
    }
    const char *v[] = {sub, from, lim};
    int l[] = {8, 8, 8};
    return many(S(db), "h4_page_sub", 3, v, l, out);
}

static int get4_by_hostname(hostdb_t *db, const char *lower, bool any_subnet, uint32_t subnet_id,
                            hostdb_list_t *out)
{
    char sub[8];
    pg_put_int8(sub, subnet_id);
    const char *v[] = {lower, sub};
    int l[] = {(int)strlen(lower), 8};
    return many(S(db), any_subnet ? "h4_name" : "h4_name_sub", any_subnet ? 1 : 2, v, l, out);
}

static int get4_by_ident(hostdb_t *db, uint8_t id_type, const uint8_t *id, size_t len, hostdb_list_t *out)
{
    char type[2];
    put2(type, id_type);
    const char *v[] = {type, (const char *)id};
    int l[] = {2, (int)len};
    return many(S(db), "h4_ident", 2, v, l, out);
}

static int exec_simple(hostdb_pg_t *s, const char *sql)
{
    PGconn *c = conn(s);
    if (!c)
        return NST_EIO;
    PGresult *r = PQexec(c, sql);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok) {
        char e[256];
        pgconn_error(c, r, e, sizeof e);
        hostdb_fail(NST_EIO, "hosts database (%s): %s: %s", s->base.desc, sql, e);
    }
    PQclear(r);
    return ok ? 0 : NST_EIO;
}

static int add_options(hostdb_pg_t *s, const hostdb_host4_t *h, const char *host_id)
{
    for (size_t i = 0; i < h->h.options.count; i++) {
        const cfg_option_t *o = &h->h.options.items[i];
        const hostdb_optx_t *x = h->optx ? &h->optx[i] : NULL;
        const char *fmt = x && x->formatted ? x->formatted : NULL;
        const char *ctx = x && x->user_context ? x->user_context : NULL;
        char code[2];
        put2(code, o->code);
        char persistent = o->always_send;
        /* As Kea: the csv text when the option was given that way, else its wire bytes. */
        const char *v[] = {code, !fmt && o->len ? (const char *)o->data : NULL, fmt, &persistent, ctx, host_id};
        int l[] = {2, fmt ? 0 : o->len, fmt ? (int)strlen(fmt) : 0, 1, ctx ? (int)strlen(ctx) : 0, 8};
        PGresult *r = run(s, "h4_ins_opt", 6, v, l);
        if (!r)
            return NST_EIO;
        PQclear(r);
    }
    return 0;
}

static int add4(hostdb_t *db, const hostdb_host4_t *h)
{
    hostdb_pg_t *s = S(db);
    if (exec_simple(s, "BEGIN"))
        return NST_EIO;
    char type[2], sub[8], addr[8], ns[8];
    put2(type, h->h.id_type);
    pg_put_int8(sub, h->h.subnet_id);
    pg_put_int8(addr, h->h.ipv4);
    pg_put_int8(ns, h->h.next_server);
    char *classes = hostdb_host4_classes_text(h);
    const char *hn = h->h.hostname ? h->h.hostname : "";
    const char *sn = h->h.server_hostname ? h->h.server_hostname : "";
    const char *bf = h->h.boot_file_name ? h->h.boot_file_name : "";
    const char *v[] = {(const char *)h->h.id, type, sub, addr, hn, classes, h->user_context, ns, sn, bf};
    int l[] = {h->h.id_len, 2, 8, 8, (int)strlen(hn), (int)strlen(classes),
               h->user_context ? (int)strlen(h->user_context) : 0, 8, (int)strlen(sn), (int)strlen(bf)};
    int rc = 0;
    PGresult *r = run_code(s, h->h.ipv4 ? "h4_ins_uniq" : "h4_ins", 10, v, l, &rc);
    free(classes);
    if (!r) {
        if (rc == NST_EEXIST)
            hostdb_fail(rc, "a reservation for this %s already exists in subnet %u of the hosts database (%s)",
                        cfg_host_id_name(h->h.id_type), h->h.subnet_id, s->base.desc);
    } else if (PQntuples(r) != 1) {
        char ip[16];
        uint32_t a = h->h.ipv4;
        snprintf(ip, sizeof ip, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
        rc = hostdb_fail(NST_EEXIST, "address %s is already reserved in subnet %u of the hosts database (%s)",
                         ip, h->h.subnet_id, s->base.desc);
    } else {
        char host_id[8];
        pg_put_int8(host_id, col_int(r, 0, 0));
        rc = add_options(s, h, host_id);
    }
    if (r)
        PQclear(r);
    if (rc) {
        PGconn *c = conn(s);
        if (c)
            PQclear(PQexec(c, "ROLLBACK"));
        return rc;
    }
    return exec_simple(s, "COMMIT");
}

static int deleted(hostdb_pg_t *s, const char *stmt, int n, const char *const *vals, const int *lens)
{
    PGresult *r = run(s, stmt, n, vals, lens);
    if (!r)
        return NST_EIO;
    int count = atoi(PQcmdTuples(r));
    PQclear(r);
    return count > 0;
}

static int del4_by_id(hostdb_t *db, uint32_t subnet_id, uint8_t id_type, const uint8_t *id, size_t len)
{
    char sub[8], type[2];
    pg_put_int8(sub, subnet_id);
    put2(type, id_type);
    const char *v[] = {sub, type, (const char *)id};
    int l[] = {8, 2, (int)len};
    return deleted(S(db), "h4_del_id", 3, v, l);
}

static int del4_by_addr(hostdb_t *db, uint32_t subnet_id, uint32_t addr)
{
    char sub[8], a[8];
    pg_put_int8(sub, subnet_id);
    pg_put_int8(a, addr);
    const char *v[] = {sub, a};
    int l[] = {8, 8};
    return deleted(S(db), "h4_del_addr", 2, v, l);
}

static void close_db(hostdb_t *db)
{
    hostdb_pg_t *s = S(db);
    pthread_mutex_lock(&s->lock);
    for (pg_conn_t *c = s->conns, *n; c; c = n) {
        n = c->next;
        if (c->pg)
            PQfinish(c->pg);
        free(c);
    }
    s->conns = NULL;
    pthread_mutex_unlock(&s->lock);
    pthread_key_delete(s->key);
    pthread_mutex_destroy(&s->lock);
    cfg_db_free(&s->db);
    free(s);
}

static const hostdb_ops_t pg_ops = {
    .type = "postgresql",
    .get4_by_id = get4_by_id,
    .get4_client = get4_client,
    .get4_by_addr = get4_by_addr,
    .get4_all = get4_all,
    .get4_page = get4_page,
    .get4_by_hostname = get4_by_hostname,
    .get4_by_ident = get4_by_ident,
    .add4 = add4,
    .del4_by_id = del4_by_id,
    .del4_by_addr = del4_by_addr,
    .close = close_db,
};

int hostdb_pg_open(const cfg_db_t *cfg, hostdb_t **out, char *err, size_t errlen)
{
    *out = NULL;
    hostdb_pg_t *s = xcalloc(1, sizeof *s);
    s->base.ops = &pg_ops;
    cfg_db_copy(&s->db, cfg);
    cfg_db_describe(cfg, s->base.desc, sizeof s->base.desc);
    pthread_key_create(&s->key, NULL);
    pthread_mutex_init(&s->lock, NULL);
    /* Connect now: a bad database fails the configuration, as Kea's does. This connection stays
     * as the calling thread's. */
    PGconn *pg = NULL;
    char e[512];
    int r = pgconn_open(&s->db, &pg, e, sizeof e);
    if (!r && (r = prepare(s, pg, e, sizeof e)))
        PQfinish(pg);
    if (r) {
        snprintf(err, errlen, "cannot open the hosts database (%s): %s", s->base.desc, e);
        close_db(&s->base);
        return r;
    }
    pg_conn_t *c = xcalloc(1, sizeof *c);
    c->pg = pg;
    s->conns = c;
    pthread_setspecific(s->key, c);
    *out = &s->base;
    return 0;
}

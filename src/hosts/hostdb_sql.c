/* The SQL hosts backend, written once for every dialect (see hostdb.h, hostdb_sql.h). */
#include "hosts/hostdb_sql.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/errcode.h"
#include "common/util.h"

typedef struct hostdb_sql {
    hostdb_t base;
    hostdb_ops_t ops;         /* base.ops: this file's, with the dialect's type */
    sqlsess_t sess;
    const hostdb_dialect_t *d;
} hostdb_sql_t;

static hostdb_sql_t *S(hostdb_t *db) { return (hostdb_sql_t *)db; }

static int many(hostdb_t *db, int k, const sqlparam_t *p, int n, hostdb_list_t *out, char *err, size_t errlen)
{
    hostdb_sql_t *s = S(db);
    sqlres_t res;
    int r = sqlsess_run(&s->sess, k, p, n, &res, err, errlen);
    if (r)
        return r;
    r = s->d->decode(db, &res, out, err, errlen);
    sqlsess_done(&s->sess, &res);
    return r;
}

/* The first host of a query, or NST_ENOENT. */
static int one(hostdb_t *db, int k, const sqlparam_t *p, int n, hostdb_host4_t **out, char *err, size_t errlen)
{
    hostdb_list_t l = {0};
    int r = many(db, k, p, n, &l, err, errlen);
    if (r == 0 && !l.count)
        r = NST_ENOENT;
    if (r == 0)
        *out = l.items[0];
    for (size_t i = r == 0 ? 1 : 0; i < l.count; i++)
        hostdb_host4_free(l.items[i]);
    free(l.items);
    return r;
}

static int get4_by_id(hostdb_t *db, uint32_t subnet_id, uint8_t id_type, const uint8_t *id, size_t len,
                      hostdb_host4_t **out, char *err, size_t errlen)
{
    sqlparam_t p[3] = {sqlp_int(subnet_id), sqlp_int(id_type), sqlp_bytes(id, len)};
    return one(db, HOSTDB_S_ID, p, 3, out, err, errlen);
}

static int get4_client(hostdb_t *db, uint32_t subnet_id, const hostdb_id_t *ids, size_t n, hostdb_list_t *out,
                       char *err, size_t errlen)
{
    sqlparam_t p[1 + HOST_ID__COUNT] = {sqlp_int(subnet_id)};
    bool any = false;
    for (size_t i = 0; i < n; i++) {
        if (ids[i].type >= HOST_ID__COUNT || !ids[i].len)
            continue;
        p[1 + ids[i].type] = sqlp_bytes(ids[i].bytes, ids[i].len);
        any = true;
    }
    return any ? many(db, HOSTDB_S_CLIENT, p, 1 + HOST_ID__COUNT, out, err, errlen) : 0;
}

static int get4_by_addr(hostdb_t *db, uint32_t subnet_id, uint32_t addr, hostdb_host4_t **out, char *err,
                        size_t errlen)
{
    sqlparam_t p[2] = {sqlp_int(subnet_id), sqlp_int(addr)};
    return one(db, HOSTDB_S_ADDR, p, 2, out, err, errlen);
}

static int get4_all(hostdb_t *db, uint32_t subnet_id, hostdb_list_t *out, char *err, size_t errlen)
{
    sqlparam_t p = sqlp_int(subnet_id);
    return many(db, HOSTDB_S_SUB, &p, 1, out, err, errlen);
}

static int get4_page(hostdb_t *db, bool any_subnet, uint32_t subnet_id, uint64_t after, size_t limit,
                     hostdb_list_t *out, char *err, size_t errlen)
{
    sqlparam_t p[3] = {sqlp_int(subnet_id), sqlp_int((int64_t)(after > INT64_MAX ? INT64_MAX : after)),
                       sqlp_int((int64_t)limit)};
    if (any_subnet)
        return many(db, HOSTDB_S_PAGE, p + 1, 2, out, err, errlen);
    return many(db, HOSTDB_S_PAGE_SUB, p, 3, out, err, errlen);
}

static int get4_by_hostname(hostdb_t *db, const char *lower, bool any_subnet, uint32_t subnet_id,
                            hostdb_list_t *out, char *err, size_t errlen)
{
    sqlparam_t p[2] = {sqlp_text(lower), sqlp_int(subnet_id)};
    return many(db, any_subnet ? HOSTDB_S_NAME : HOSTDB_S_NAME_SUB, p, any_subnet ? 1 : 2, out, err, errlen);
}

static int get4_by_ident(hostdb_t *db, uint8_t id_type, const uint8_t *id, size_t len, hostdb_list_t *out,
                         char *err, size_t errlen)
{
    sqlparam_t p[2] = {sqlp_int(id_type), sqlp_bytes(id, len)};
    return many(db, HOSTDB_S_IDENT, p, 2, out, err, errlen);
}

static int add_options(hostdb_sql_t *s, const hostdb_host4_t *h, uint64_t host_id, char *err, size_t errlen)
{
    for (size_t i = 0; i < h->h.options.count; i++) {
        const cfg_option_t *o = &h->h.options.items[i];
        const hostdb_optx_t *x = h->optx ? &h->optx[i] : NULL;
        const char *fmt = x && x->formatted ? x->formatted : NULL;
        const char *ctx = x && x->user_context ? x->user_context : NULL;
        /* As Kea: the csv text when the option was given that way, else its wire bytes. */
        sqlparam_t p[6] = {sqlp_int(o->code), sqlp_bytes(!fmt && o->len ? o->data : NULL, o->len), sqlp_text(fmt),
                           sqlp_bool(o->always_send), sqlp_text(ctx), sqlp_int((int64_t)host_id)};
        int r = sqlsess_change(&s->sess, HOSTDB_S_INS_OPT, p, 6, NULL, err, errlen);
        if (r)
            return r;
    }
    return 0;
}

/* Inserts the hosts row and its options; the caller runs the transaction. */
static int insert(hostdb_sql_t *s, const hostdb_host4_t *h, char *err, size_t errlen)
{
    char *classes = hostdb_host4_classes_text(h);
    const char *hn = h->h.hostname ? h->h.hostname : "";
    const char *sn = h->h.server_hostname ? h->h.server_hostname : "";
    const char *bf = h->h.boot_file_name ? h->h.boot_file_name : "";
    sqlparam_t p[12] = {
        sqlp_bytes(h->h.id, h->h.id_len), sqlp_int(h->h.id_type), sqlp_int(h->h.subnet_id), sqlp_int(h->h.ipv4),
        sqlp_text(hn), sqlp_text(classes), sqlp_text(h->user_context), sqlp_int(h->h.next_server), sqlp_text(sn),
        sqlp_text(bf), sqlp_int(h->h.subnet_id), sqlp_int(h->h.ipv4),
    };
    sqlres_t res;
    int uniq = h->h.ipv4 != 0;
    int r = sqlsess_run(&s->sess, uniq ? HOSTDB_S_INS_UNIQ : HOSTDB_S_INS, p, uniq ? 12 : 10, &res, err, errlen);
    free(classes);
    if (r == NST_EEXIST)
        return errf(err, errlen, r, "a reservation for this %s already exists in subnet %u of the hosts database (%s)",
                    cfg_host_id_name(h->h.id_type), h->h.subnet_id, s->base.desc);
    if (r)
        return r;
    uint64_t rows = s->sess.drv->affected(&res), host_id = s->sess.drv->insert_id(&res);
    sqlsess_done(&s->sess, &res);
    if (rows != 1) {
        uint32_t a = h->h.ipv4;
        return errf(err, errlen, NST_EEXIST, "address %u.%u.%u.%u is already reserved in subnet %u of the hosts "
                    "database (%s)", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255, h->h.subnet_id, s->base.desc);
    }
    return add_options(s, h, host_id, err, errlen);
}

static int add4(hostdb_t *db, const hostdb_host4_t *h, char *err, size_t errlen)
{
    hostdb_sql_t *s = S(db);
    int r = sqlsess_simple(&s->sess, "START TRANSACTION", err, errlen);
    if (r)
        return r;
    r = insert(s, h, err, errlen);
    if (r) {
        sqlsess_simple(&s->sess, "ROLLBACK", NULL, 0);
        return r;
    }
    return sqlsess_simple(&s->sess, "COMMIT", err, errlen);
}

static int deleted(hostdb_t *db, int k, const sqlparam_t *p, int n, char *err, size_t errlen)
{
    uint64_t rows = 0;
    int r = sqlsess_change(&S(db)->sess, k, p, n, &rows, err, errlen);
    return r ? r : rows > 0;
}

static int del4_by_id(hostdb_t *db, uint32_t subnet_id, uint8_t id_type, const uint8_t *id, size_t len, char *err,
                      size_t errlen)
{
    sqlparam_t p[3] = {sqlp_int(subnet_id), sqlp_int(id_type), sqlp_bytes(id, len)};
    return deleted(db, HOSTDB_S_DEL_ID, p, 3, err, errlen);
}

static int del4_by_addr(hostdb_t *db, uint32_t subnet_id, uint32_t addr, char *err, size_t errlen)
{
    sqlparam_t p[2] = {sqlp_int(subnet_id), sqlp_int(addr)};
    return deleted(db, HOSTDB_S_DEL_ADDR, p, 2, err, errlen);
}

static void close_db(hostdb_t *db)
{
    hostdb_sql_t *s = S(db);
    sqlsess_fini(&s->sess);
    free(s);
}

static const hostdb_ops_t sql_ops = {
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

int hostdb_sql_open(const hostdb_dialect_t *d, const cfg_db_t *cfg, const optdef_registry_t *defs,
                    hostdb_report_fn report, void *arg, hostdb_t **out, char *err, size_t errlen)
{
    *out = NULL;
    hostdb_sql_t *s = xcalloc(1, sizeof *s);
    s->d = d;
    s->ops = sql_ops;
    s->ops.type = d->type;
    s->base.ops = &s->ops;
    s->base.sess = &s->sess;
    s->base.readonly = cfg->readonly;
    s->base.defs = defs;
    s->base.report = report;
    s->base.report_arg = arg;
    cfg_db_describe(cfg, s->base.desc, sizeof s->base.desc);
    char what[300];
    snprintf(what, sizeof what, "hosts database (%s)", s->base.desc);
    sqlsess_config_t sc = {
        .drv = d->drv, .db = cfg, .stmts = d->stmts, .nstmts = HOSTDB_NSTMT, .prefix = "HOSTS", .what = what,
        .connect_event = "CONNECT_FAILED", .report = report, .report_arg = arg,
    };
    sqlsess_init(&s->sess, &sc);
    /* Connect now: a bad database fails the configuration, as Kea's does. The connection stays
     * the calling thread's. */
    char e[512];
    sqlsess_conn_t *c = (sqlsess_conn_t *)sqlconns_mine(&s->sess.conns);
    int r = sqlsess_open_conn(&s->sess, c, e, sizeof e);
    if (r) {
        errf(err, errlen, r, "cannot open the hosts database (%s): %s", s->base.desc, e);
        close_db(&s->base);
        return r;
    }
    *out = &s->base;
    return 0;
}

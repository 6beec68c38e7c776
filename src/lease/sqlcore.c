/* The SQL lease store: opening, lookups and the other keyed operations (see sqlcore.h). The
 * queue of writes and the commit thread are in sqlcore_commit.c. */
#include "lease/sqlcore.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/errcode.h"
#include "common/util.h"
#include "lease/sqlcore_int.h"

static sqlcore_t *S(lease_store_t *st) { return (sqlcore_t *)st; }

const char *const sqlcore_cols4[SQLCORE_NCOLS4] = {
    "address", "hwaddr", "client_id", "valid_lifetime", "expire", "subnet_id", "fqdn_fwd", "fqdn_rev",
    "hostname", "state", "user_context",
};

const char *const sqlcore_cols6[SQLCORE_NCOLS6] = {
    "address", "duid", "valid_lifetime", "expire", "subnet_id", "pref_lifetime", "lease_type", "iaid",
    "prefix_len", "fqdn_fwd", "fqdn_rev", "hostname", "hwaddr", "hwtype", "hwaddr_source", "state", "user_context",
};

int sqlcore_bind(const lease_t *l, sqlparam_t *p, char addr[INET6_ADDRSTRLEN])
{
    const uint8_t *hw = l->hwaddr_len ? l->hwaddr : NULL;
    const uint8_t *id = l->client_id_len ? l->client_id : NULL;
    if (l->family == LEASE_V4) {
        p[0] = sqlp_int(l->addr.v4);
        p[1] = sqlp_bytes(hw, l->hwaddr_len);
        p[2] = sqlp_bytes(id, l->client_id_len);
        p[3] = sqlp_int(l->valid_lft);
        p[4] = sqlp_time(overlay4_db_expire(l));
        p[5] = sqlp_int(l->subnet_id);
        p[6] = sqlp_bool(l->fqdn_fwd);
        p[7] = sqlp_bool(l->fqdn_rev);
        p[8] = sqlp_text(l->hostname ? l->hostname : "");
        p[9] = sqlp_int(l->state);
        p[10] = sqlp_text(l->user_context);
        return SQLCORE_NCOLS4;
    }
    inet_ntop(AF_INET6, &l->addr.v6, addr, INET6_ADDRSTRLEN);
    p[0] = sqlp_text(addr);
    p[1] = sqlp_bytes(id, l->client_id_len);
    p[2] = sqlp_int(l->valid_lft);
    p[3] = sqlp_time(overlay4_db_expire(l));
    p[4] = sqlp_int(l->subnet_id);
    p[5] = sqlp_int(l->pref_lft);
    p[6] = sqlp_int(l->type);
    p[7] = sqlp_int(l->iaid); /* PostgreSQL's INT takes its 32 bits (sent as int4), as Kea stores it */
    p[8] = sqlp_int(l->prefix_len);
    p[9] = sqlp_bool(l->fqdn_fwd);
    p[10] = sqlp_bool(l->fqdn_rev);
    p[11] = sqlp_text(l->hostname ? l->hostname : "");
    p[12] = sqlp_bytes(l->hwaddr, l->hwaddr_len); /* empty, not NULL, without one: as Kea 2.2 */
    p[13] = sqlp_int(hw ? l->hwtype : 0);
    p[14] = sqlp_int(hw ? l->hwaddr_source : 0);
    p[15] = sqlp_int(l->state);
    p[16] = sqlp_text(l->user_context ? l->user_context : ""); /* Kea 2.2 writes "" for none in lease6 */
    return SQLCORE_NCOLS6;
}

void sqlcore_key_text(const lease_key_t *key, char text[INET6_ADDRSTRLEN])
{
    uint32_t a = key->addr.v4;
    if (key->family == LEASE_V6)
        inet_ntop(AF_INET6, &key->addr.v6, text, INET6_ADDRSTRLEN);
    else
        snprintf(text, INET6_ADDRSTRLEN, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

void sqlcore_row_skipped(sqlcore_t *s, const lease_key_t *key, const char *column)
{
    char addr[INET6_ADDRSTRLEN];
    sqlcore_key_text(key, addr);
    sqlcore_report(s, 4, "LEASE_ROW_SKIPPED", "lease row for %s skipped: %s is NULL", addr, column);
}

void sqlcore_count_row(lease_subnet_counts_t *c, size_t *k, uint32_t subnet, int64_t type, int64_t state,
                       int64_t leases)
{
    if (leases <= 0)
        return;
    if (!*k || c[*k - 1].subnet_id != subnet || c[*k - 1].type != type) {
        c[*k].subnet_id = subnet;
        c[(*k)++].type = (uint8_t)type;
    }
    if (state == LEASE_STATE_DEFAULT)
        c[*k - 1].assigned = (uint64_t)leases;
    else
        c[*k - 1].declined = (uint64_t)leases;
}

/* Runs statement k of table t and gives its rows to sink, as the database has them (queued writes
 * not waited for). */
static int fetch(sqlcore_t *s, const sqlcore_table_t *t, int k, const sqlparam_t *p, int n, sqlcore_sink_t *sink)
{
    sqlres_t res;
    if (sqlsess_run(&s->sess, sqlcore_stmt(s, t->family, k), p, n, &res, NULL, 0))
        return NST_EIO;
    int r = t->rows(s, &res, sink);
    sqlsess_done(&s->sess, &res);
    return r;
}

/* A collection for a control command: every acknowledged write first. */
static int collect(sqlcore_t *s, const sqlcore_table_t *t, int k, const sqlparam_t *p, int n, lease_list_t *out)
{
    sqlcore_flush(&s->sql.base);
    sqlcore_sink_t sink = {.list = out};
    return fetch(s, t, k, p, n, &sink);
}

static int get_key(lease_store_t *st, const lease_key_t *key, lease_t *out)
{
    sqlcore_t *s = S(st);
    const sqlcore_table_t *t = sqlcore_table(s, key->family);
    int o = overlay4_addr(&s->ov, key, out);
    if (o) {
        if (key->family == LEASE_V4)
            sqlcache4_prefetch_drop();
        return o > 0 ? 0 : NST_ENOENT;
    }
    sqlparam_t p[2] = {sqlp_int(key->addr.v4), sqlp_int(key->type)};
    char text[INET6_ADDRSTRLEN];
    if (key->family == LEASE_V4) {
        int pf = sqlcache4_prefetch_take(s, key->addr.v4, out);
        if (pf)
            return pf > 0 ? 0 : NST_ENOENT;
    } else {
        sqlcore_key_text(key, text);
        p[0] = sqlp_text(text);
    }
    sqlcore_sink_t sink = {.one = out};
    int r = fetch(s, t, SQLCORE_GET_ADDR, p, key->family == LEASE_V4 ? 1 : 2, &sink);
    return r ? r : sink.got ? 0 : NST_ENOENT;
}

/* One combined client lookup (sqlbatch4) on the calling thread's connection. */
static int lookup_query(void *ctx, sqlbatch4_req_t *const *reqs, size_t n)
{
    sqlcore_t *s = ctx;
    const sqlcore_table_t *t = s->tables[0];
    sqlparam_t p[SQLSESS_MAX_PARAMS];
    int k = 0;
    int np = t->lookup(reqs, n, &k, p);
    sqlcore_sink_t sink = {.reqs = reqs, .nreqs = n};
    return fetch(s, t, k, p, np, &sink);
}

static int list(lease_store_t *st, const lease_query_t *q, lease_list_t *out)
{
    sqlcore_t *s = S(st);
    sqlparam_t p[4];
    int k, n = 1;
    switch (q->by) {
    case LEASE_BY_SUBNET:
        p[0] = sqlp_int(q->subnet_id);
        k = q->subnet_id ? SQLCORE_GET_SUB : SQLCORE_GET_ALL;
        n = q->subnet_id ? 1 : 0;
        break;
    case LEASE_BY_HWADDR:
    case LEASE_BY_CLIENT_ID:
        p[0] = sqlp_bytes(q->id, q->idlen);
        k = q->by == LEASE_BY_HWADDR ? SQLCORE_GET_HW : SQLCORE_GET_CID;
        break;
    case LEASE_BY_DUID_IAID:
        p[0] = sqlp_bytes(q->id, q->idlen);
        p[1] = sqlp_int(q->iaid); /* as the table stores it (see SQLCORE_COLS6) */
        p[2] = sqlp_int(q->type);
        p[3] = sqlp_int(q->subnet_id);
        k = q->subnet_id ? SQLCORE_GET_IAID_SUB : SQLCORE_GET_IAID;
        n = q->subnet_id ? 4 : 3;
        break;
    default: /* LEASE_BY_HOSTNAME */
        p[0] = sqlp_text(q->hostname);
        k = SQLCORE_GET_HOST;
    }
    return collect(s, sqlcore_table(s, q->family), k, p, n, out);
}

static int page(lease_store_t *st, enum lease_family family, const lease_key_t *after, size_t limit,
                lease_list_t *out)
{
    sqlcore_t *s = S(st);
    char text[INET6_ADDRSTRLEN] = "::"; /* 0.0.0.0 and :: are never leases */
    sqlparam_t p[2] = {sqlp_int(after->family ? after->addr.v4 : 0), sqlp_int((int64_t)limit)};
    if (family == LEASE_V6) {
        if (after->family)
            sqlcore_key_text(after, text);
        p[0] = sqlp_text(text);
    } else if (after->family && after->addr.v4 == UINT32_MAX) {
        return 0;
    }
    return collect(s, sqlcore_table(s, family), SQLCORE_GET_PAGE, p, 2, out);
}

/* Runs on the main loop (reclamation): does not wait for the queue, whose state the overlay adds. */
static int expired(lease_store_t *st, enum lease_family family, int64_t now, size_t max, lease_list_t *out)
{
    sqlcore_t *s = S(st);
    sqlparam_t p[2] = {sqlp_time(now), sqlp_int(max ? (int64_t)max : INT64_MAX)};
    lease_list_t got = {0};
    sqlcore_sink_t sink = {.list = &got};
    int r = fetch(s, sqlcore_table(s, family), SQLCORE_GET_EXP, p, 2, &sink);
    overlay4_expired(&s->ov, family, &got, now, max);
    for (size_t i = 0; i < got.count; i++)
        lease_list_push(out, &got.items[i]);
    lease_list_free(&got);
    return r;
}

/* Runs statement k of t that deletes rows; *removed (may be NULL) gets how many. */
static int delete_rows(sqlcore_t *s, const sqlcore_table_t *t, int k, const sqlparam_t *p, int n, size_t *removed)
{
    uint64_t rows = 0;
    if (sqlsess_change(&s->sess, sqlcore_stmt(s, t->family, k), p, n, &rows, NULL, 0))
        return NST_EIO;
    if (removed)
        *removed = (size_t)rows;
    return 0;
}

/* Runs on the main loop: does not wait for the queue, leaves the addresses with queued writes. */
static int delete_reclaimed(lease_store_t *st, enum lease_family family, int64_t now, uint32_t secs,
                            size_t *removed)
{
    sqlcore_t *s = S(st);
    const sqlcore_table_t *t = sqlcore_table(s, family);
    char *queued = overlay4_queued_list(&s->ov, family, t->list_open, t->list_close);
    sqlparam_t p[2] = {sqlp_time(now - secs), sqlp_text(queued)};
    int r = delete_rows(s, t, SQLCORE_DEL_RECL, p, 2, removed);
    free(queued);
    return r;
}

static int wipe(lease_store_t *st, enum lease_family family, uint32_t subnet_id, size_t *removed)
{
    sqlcore_flush(st);
    sqlparam_t p = sqlp_int(subnet_id);
    return delete_rows(S(st), sqlcore_table(S(st), family), subnet_id ? SQLCORE_WIPE_SUB : SQLCORE_WIPE_ALL, &p,
                       subnet_id ? 1 : 0, removed);
}

typedef struct counts_ctx {
    sqlcore_t *s;
    const sqlcore_table_t *t;
} counts_ctx_t;

/* The stat table as the database has it (queued writes not waited for). */
static int counts_db(void *ctx, lease_subnet_counts_t **out, size_t *n)
{
    counts_ctx_t *c = ctx;
    *out = NULL;
    *n = 0;
    sqlres_t res;
    if (sqlsess_run(&c->s->sess, sqlcore_stmt(c->s, c->t->family, SQLCORE_COUNTS), NULL, 0, &res, NULL, 0))
        return NST_EIO;
    int r = c->t->counts(&res, out, n);
    sqlsess_done(&c->s->sess, &res);
    return r;
}

/* Runs on the main loop (reload, lease4-wipe): the queued writes' counts come from the overlay. */
static int counts(lease_store_t *st, enum lease_family family, lease_subnet_counts_t **out, size_t *n)
{
    counts_ctx_t c = {S(st), sqlcore_table(S(st), family)};
    return overlay4_counts(&S(st)->ov, family, counts_db, &c, out, n);
}

static void tick(lease_store_t *st, int64_t now_ms)
{
}

static int reconnect(lease_store_t *st, char *err, size_t errlen)
{
    return sqlsess_reconnect(&S(st)->sess, err, errlen);
}

static void close_store(lease_store_t *st)
{
    sqlcore_t *s = S(st);
    sqlcore_writer_stop(s);
    sqlsess_fini(&s->sess);
    overlay4_fini(&s->ov);
    sqlcache4_fini(&s->recent);
    sqlbatch4_fini(&s->lookups);
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->qcond);
    pthread_cond_destroy(&s->idle);
    free(s->stmts);
    free(s);
}

static const sqlstore_tables_t sqlcore_tables = {
    .get = get_key, .list = list, .page = page, .expired = expired, .delete_reclaimed = delete_reclaimed,
    .wipe = wipe, .counts = counts,
};

int sqlcore_open(const sqlcore_driver_t *drv, const sqlcore_table_t *v4, const sqlcore_table_t *v6,
                 const sqlcore_config_t *cfg, lease_store_t **out, char *err, size_t errlen)
{
    *out = NULL;
    sqlcore_t *s = xcalloc(1, sizeof *s);
    s->ops = (lease_store_ops_t){
        .type = drv->type,
        .add = sqlcore_add,
        .update = sqlcore_update,
        .del = sqlcore_del,
        SQLSTORE_KEYED_OPS,
        .flush = sqlcore_flush,
        .backlog_ms = sqlcore_backlog_ms,
        .reconnect = reconnect,
        .tick = tick,
        .close = close_store,
    };
    s->sql.base.ops = &s->ops;
    s->sql.tables = &sqlcore_tables;
    s->sql.families[0] = v4 != NULL;
    s->sql.families[1] = v6 != NULL;
    s->sql.lookups4 = &s->sb;
    s->drv = drv;
    s->tables[0] = v4;
    s->tables[1] = v6;
    size_t n = v4 ? v4->nstmts : 0;
    s->base[1] = (unsigned)n;
    n += v6 ? v6->nstmts : 0;
    s->stmts = xcalloc(n + 1, sizeof *s->stmts);
    for (int f = 0; f < 2; f++)
        if (s->tables[f])
            memcpy(&s->stmts[s->base[f]], s->tables[f]->stmts, s->tables[f]->nstmts * sizeof *s->stmts);
    sqlsess_config_t sc = {
        .drv = drv->sess, .db = cfg->db, .stmts = s->stmts, .nstmts = n, .prefix = "DHCPSRV",
        .what = "lease database", .connect_event = "FATAL_ERROR", .setup_sql = drv->lookup_setup,
        .report = cfg->report, .report_arg = cfg->report_arg,
    };
    sqlsess_init(&s->sess, &sc);
    sqlsess_set_lost_cb(&s->sess, cfg->lost, cfg->lost_arg);
    pthread_mutex_init(&s->lock, NULL);
    overlay4_init(&s->ov, &s->lock);
    sqlcache4_init(&s->recent);
    sqlbatch4_init(&s->lookups);
    s->sb = (sqlbatch4_store_t){s, &s->lookups, &s->recent, &s->ov, lookup_query, s};
    pthread_cond_init(&s->qcond, NULL);
    pthread_cond_init(&s->idle, NULL);
    s->qtail = &s->qhead;
    int r = sqlcore_writer_start(s, cfg->allow_offline, err, errlen);
    if (r) {
        close_store(&s->sql.base);
        return r;
    }
    *out = &s->sql.base;
    return 0;
}

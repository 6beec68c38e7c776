/* The SQL lease store: opening, lookups and the other keyed operations (see sqlcore.h). The
 * queue of writes and the commit thread are in sqlcore_commit.c. */
#include "lease/sqlcore.h"

#include <stdio.h>
#include <stdlib.h>

#include "common/errcode.h"
#include "common/util.h"
#include "lease/sqlcore_int.h"

static sqlcore_t *S(lease_store_t *st) { return (sqlcore_t *)st; }

const char *const sqlcore_cols4[SQLCORE_NCOLS4] = {
    "address", "hwaddr", "client_id", "valid_lifetime", "expire", "subnet_id", "fqdn_fwd", "fqdn_rev",
    "hostname", "state", "user_context",
};

void sqlcore_bind4(const lease_t *l, sqlparam_t p[SQLCORE_NCOLS4])
{
    p[0] = sqlp_int(l->addr.v4);
    p[1] = sqlp_bytes(l->hwaddr_len ? l->hwaddr : NULL, l->hwaddr_len);
    p[2] = sqlp_bytes(l->client_id_len ? l->client_id : NULL, l->client_id_len);
    p[3] = sqlp_int(l->valid_lft);
    p[4] = sqlp_time(overlay4_db_expire(l));
    p[5] = sqlp_int(l->subnet_id);
    p[6] = sqlp_bool(l->fqdn_fwd);
    p[7] = sqlp_bool(l->fqdn_rev);
    p[8] = sqlp_text(l->hostname ? l->hostname : "");
    p[9] = sqlp_int(l->state);
    p[10] = sqlp_text(l->user_context);
}

void sqlcore_row_skipped(sqlcore_t *s, uint32_t addr, const char *column)
{
    sqlcore_report(s, 4, "LEASE_ROW_SKIPPED", "lease row for %u.%u.%u.%u skipped: %s is NULL", addr >> 24,
                   (addr >> 16) & 255, (addr >> 8) & 255, addr & 255, column);
}

void sqlcore_count_row(lease_subnet_counts_t *c, size_t *k, uint32_t subnet, int64_t state, int64_t leases)
{
    if (leases <= 0)
        return;
    if (!*k || c[*k - 1].subnet_id != subnet)
        c[(*k)++].subnet_id = subnet;
    if (state == LEASE_STATE_DEFAULT)
        c[*k - 1].assigned = (uint64_t)leases;
    else
        c[*k - 1].declined = (uint64_t)leases;
}

/* Runs statement k and gives its rows to sink, as the database has them (queued writes not
 * waited for). */
static int fetch(sqlcore_t *s, int k, const sqlparam_t *p, int n, sqlcore_sink_t *sink)
{
    sqlres_t res;
    if (sqlsess_run(&s->sess, k, p, n, &res, NULL, 0))
        return NST_EIO;
    int r = s->v4->rows(s, &res, sink);
    sqlsess_done(&s->sess, &res);
    return r;
}

/* A collection for a control command: every acknowledged write first. */
static int collect(sqlcore_t *s, int k, const sqlparam_t *p, int n, lease_list_t *out)
{
    sqlcore_flush(&s->sql.base);
    sqlcore_sink_t sink = {.list = out};
    return fetch(s, k, p, n, &sink);
}

static int get4_addr(lease_store_t *st, uint32_t addr, lease_t *out)
{
    sqlcore_t *s = S(st);
    int o = overlay4_addr(&s->ov, addr, out);
    if (o) {
        sqlcache4_prefetch_drop();
        return o > 0 ? 0 : NST_ENOENT;
    }
    int pf = sqlcache4_prefetch_take(s, addr, out);
    if (pf)
        return pf > 0 ? 0 : NST_ENOENT;
    sqlparam_t p = sqlp_int(addr);
    sqlcore_sink_t sink = {.one = out};
    int r = fetch(s, SQLCORE_GET_ADDR, &p, 1, &sink);
    return r ? r : sink.got ? 0 : NST_ENOENT;
}

/* One combined client lookup (sqlbatch4) on the calling thread's connection. */
static int lookup_query(void *ctx, sqlbatch4_req_t *const *reqs, size_t n)
{
    sqlcore_t *s = ctx;
    sqlparam_t p[SQLSESS_MAX_PARAMS];
    int k = 0;
    int np = s->v4->lookup(reqs, n, &k, p);
    sqlcore_sink_t sink = {.reqs = reqs, .nreqs = n};
    return fetch(s, k, p, np, &sink);
}

static int get4_by_hw(lease_store_t *st, const uint8_t *hw, size_t hwlen, lease_list_t *out)
{
    sqlparam_t p = sqlp_bytes(hw, hwlen);
    return collect(S(st), SQLCORE_GET_HW, &p, 1, out);
}

static int get4_by_cid(lease_store_t *st, const uint8_t *cid, size_t len, lease_list_t *out)
{
    sqlparam_t p = sqlp_bytes(cid, len);
    return collect(S(st), SQLCORE_GET_CID, &p, 1, out);
}

static int get4_by_hostname(lease_store_t *st, const char *hostname, lease_list_t *out)
{
    sqlparam_t p = sqlp_text(hostname);
    return collect(S(st), SQLCORE_GET_HOST, &p, 1, out);
}

static int get4_all(lease_store_t *st, uint32_t subnet_id, lease_list_t *out)
{
    sqlparam_t p = sqlp_int(subnet_id);
    return collect(S(st), subnet_id ? SQLCORE_GET_SUB : SQLCORE_GET_ALL, &p, subnet_id ? 1 : 0, out);
}

static int get4_page(lease_store_t *st, uint32_t after, size_t limit, lease_list_t *out)
{
    if (!limit)
        return NST_EINVAL;
    sqlparam_t p[2] = {sqlp_int(after), sqlp_int((int64_t)limit)};
    return collect(S(st), SQLCORE_GET_PAGE, p, 2, out);
}

/* Runs on the main loop (reclamation): does not wait for the queue, whose state the overlay adds. */
static int get4_expired(lease_store_t *st, int64_t now, size_t max, lease_list_t *out)
{
    sqlcore_t *s = S(st);
    sqlparam_t p[2] = {sqlp_time(now), sqlp_int(max ? (int64_t)max : INT64_MAX)};
    lease_list_t got = {0};
    sqlcore_sink_t sink = {.list = &got};
    int r = fetch(s, SQLCORE_GET_EXP, p, 2, &sink);
    overlay4_expired(&s->ov, &got, now, max);
    for (size_t i = 0; i < got.count; i++)
        lease_list_push(out, &got.items[i]);
    lease_list_free(&got);
    return r;
}

/* Runs statement k that deletes rows; *removed (may be NULL) gets how many. */
static int delete_rows(sqlcore_t *s, int k, const sqlparam_t *p, int n, size_t *removed)
{
    uint64_t rows = 0;
    if (sqlsess_change(&s->sess, k, p, n, &rows, NULL, 0))
        return NST_EIO;
    if (removed)
        *removed = (size_t)rows;
    return 0;
}

/* Runs on the main loop: does not wait for the queue, leaves the addresses with queued writes. */
static int delete_reclaimed4(lease_store_t *st, int64_t now, uint32_t secs, size_t *removed)
{
    sqlcore_t *s = S(st);
    char *queued = overlay4_queued_list(&s->ov, s->v4->list_open, s->v4->list_close);
    sqlparam_t p[2] = {sqlp_time(now - secs), sqlp_text(queued)};
    int r = delete_rows(s, SQLCORE_DEL_RECL, p, 2, removed);
    free(queued);
    return r;
}

static int wipe4(lease_store_t *st, uint32_t subnet_id, size_t *removed)
{
    sqlcore_flush(st);
    sqlparam_t p = sqlp_int(subnet_id);
    return delete_rows(S(st), subnet_id ? SQLCORE_WIPE_SUB : SQLCORE_WIPE_ALL, &p, subnet_id ? 1 : 0, removed);
}

/* The stat table as the database has it (queued writes not waited for). */
static int counts_db(void *ctx, lease_subnet_counts_t **out, size_t *n)
{
    sqlcore_t *s = ctx;
    *out = NULL;
    *n = 0;
    sqlres_t res;
    if (sqlsess_run(&s->sess, SQLCORE_COUNTS, NULL, 0, &res, NULL, 0))
        return NST_EIO;
    int r = s->v4->counts(&res, out, n);
    sqlsess_done(&s->sess, &res);
    return r;
}

/* Runs on the main loop (reload, lease4-wipe): the queued writes' counts come from the overlay. */
static int counts4(lease_store_t *st, lease_subnet_counts_t **out, size_t *n)
{
    return overlay4_counts(&S(st)->ov, counts_db, S(st), out, n);
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
    free(s);
}

static const sqlstore_v4_t sqlcore_v4 = {SQLSTORE_V4_STATEMENTS};

int sqlcore_open(const sqlcore_driver_t *drv, const sqlcore_table_t *v4, const sqlcore_config_t *cfg,
                 lease_store_t **out, char *err, size_t errlen)
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
    s->sql.v4 = &sqlcore_v4;
    s->sql.lookups4 = &s->sb;
    s->drv = drv;
    s->v4 = v4;
    sqlsess_config_t sc = {
        .drv = drv->sess, .db = cfg->db, .stmts = v4->stmts, .nstmts = v4->nstmts, .prefix = "DHCPSRV",
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

/* PostgreSQL lease store: connections, statements, lookups (see pgsql4.h). Writes and the
 * overlay of queued writes are in pgsql4_write.c. */
#include <endian.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/errcode.h"
#include "common/util.h"
#include "lease/pgsql4_int.h"

#define SEL "SELECT " PG4_COLS " FROM lease4 "

/* name, text, parameter types. */
static const struct {
    const char *name, *sql;
    int n;
    Oid types[12];
} stmts[] = {
    {"ins", "INSERT INTO lease4 (" PG4_COLS ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) "
            "ON CONFLICT (address) DO NOTHING", 11,
     {PG_INT8OID, PG_BYTEAOID, PG_BYTEAOID, PG_INT8OID, PG_TIMESTAMPTZOID, PG_INT8OID, PG_BOOLOID, PG_BOOLOID,
      PG_VARCHAROID, PG_INT8OID, PG_TEXTOID}},
    {"upd", "UPDATE lease4 SET hwaddr = $2, client_id = $3, valid_lifetime = $4, expire = $5, subnet_id = $6, "
            "fqdn_fwd = $7, fqdn_rev = $8, hostname = $9, state = $10, user_context = $11 "
            "WHERE address = $1 AND expire = $12", 12,
     {PG_INT8OID, PG_BYTEAOID, PG_BYTEAOID, PG_INT8OID, PG_TIMESTAMPTZOID, PG_INT8OID, PG_BOOLOID, PG_BOOLOID,
      PG_VARCHAROID, PG_INT8OID, PG_TEXTOID, PG_TIMESTAMPTZOID}},
    {"upd_any", "UPDATE lease4 SET hwaddr = $2, client_id = $3, valid_lifetime = $4, expire = $5, subnet_id = $6, "
                "fqdn_fwd = $7, fqdn_rev = $8, hostname = $9, state = $10, user_context = $11 "
                "WHERE address = $1", 11,
     {PG_INT8OID, PG_BYTEAOID, PG_BYTEAOID, PG_INT8OID, PG_TIMESTAMPTZOID, PG_INT8OID, PG_BOOLOID, PG_BOOLOID,
      PG_VARCHAROID, PG_INT8OID, PG_TEXTOID}},
    {"del", "DELETE FROM lease4 WHERE address = $1 AND expire = $2", 2, {PG_INT8OID, PG_TIMESTAMPTZOID}},
    {"del_any", "DELETE FROM lease4 WHERE address = $1", 1, {PG_INT8OID}},
    {"get_addr", SEL "WHERE address = $1", 1, {PG_INT8OID}},
    {"get_hw_sub", SEL "WHERE hwaddr = $1 AND subnet_id = $2 ORDER BY expire DESC LIMIT 1", 2,
     {PG_BYTEAOID, PG_INT8OID}},
    {"get_cid_sub", SEL "WHERE client_id = $1 AND subnet_id = $2 ORDER BY expire DESC LIMIT 1", 2,
     {PG_BYTEAOID, PG_INT8OID}},
    {"get_client", SEL "WHERE (subnet_id = $3 AND (client_id = $1 OR hwaddr = $2)) OR address = $4", 4,
     {PG_BYTEAOID, PG_BYTEAOID, PG_INT8OID, PG_INT8OID}},
    /* the same for a client without a client identifier ($1 unused) */
    {"get_client_hw", SEL "WHERE (subnet_id = $3 AND hwaddr = $2) OR address = $4", 4,
     {PG_BYTEAOID, PG_BYTEAOID, PG_INT8OID, PG_INT8OID}},
    {"get_batch", SEL "WHERE client_id = ANY($1) UNION ALL " SEL "WHERE hwaddr = ANY($2) UNION ALL " SEL
                  "WHERE address = ANY($3)", 3, {PG_BYTEAARRAYOID, PG_BYTEAARRAYOID, PG_INT8ARRAYOID}},
    {"get_hw", SEL "WHERE hwaddr = $1 ORDER BY address", 1, {PG_BYTEAOID}},
    {"get_cid", SEL "WHERE client_id = $1 ORDER BY address", 1, {PG_BYTEAOID}},
    {"get_host", SEL "WHERE lower(hostname) = lower($1) ORDER BY address", 1, {PG_VARCHAROID}},
    {"get_all", SEL "ORDER BY address", 0, {0}},
    {"get_sub", SEL "WHERE subnet_id = $1 ORDER BY address", 1, {PG_INT8OID}},
    {"get_page", SEL "WHERE address > $1 ORDER BY address LIMIT $2", 2, {PG_INT8OID, PG_INT8OID}},
    {"get_exp", SEL "WHERE state <> 2 AND valid_lifetime <> 4294967295 AND expire <= $1 "
                "ORDER BY expire LIMIT $2", 2, {PG_TIMESTAMPTZOID, PG_INT8OID}},
    /* the addresses in $2 have queued writes: left for a later round */
    {"del_recl", "DELETE FROM lease4 WHERE state = 2 AND expire < $1 AND address <> ALL($2)", 2,
     {PG_TIMESTAMPTZOID, PG_INT8ARRAYOID}},
    {"wipe_all", "DELETE FROM lease4", 0, {0}},
    {"wipe_sub", "DELETE FROM lease4 WHERE subnet_id = $1", 1, {PG_INT8OID}},
    {"counts", "SELECT subnet_id, state, leases FROM lease4_stat WHERE state IN (0, 1) AND leases > 0 "
               "ORDER BY subnet_id", 0, {0}},
};

void pg4_report(pg4_t *s, int sev, const char *msgid, const char *fmt, ...)
{
    if (!s->report)
        return;
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    s->report(s->report_arg, sev, msgid, text);
}

int pg4_prepare(PGconn *c, char *err, size_t errlen)
{
    for (size_t i = 0; i < ARRAY_SIZE(stmts); i++) {
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

void pg4_bind(pg4_params_t *p, const lease_t *l, bool cond, int64_t cond_expire)
{
    memset(p->formats, 0, sizeof p->formats);
    for (int i = 0; i < PG4_NPARAMS + 1; i++)
        p->formats[i] = 1;
    pg_put_int8(p->addr, l->addr.v4);
    pg_put_int8(p->valid, l->valid_lft);
    pg_put_int8(p->expire, pg_epoch_to_ts(overlay4_db_expire(l)));
    pg_put_int8(p->subnet, l->subnet_id);
    pg_put_int8(p->state, l->state);
    p->fwd = l->fqdn_fwd, p->rev = l->fqdn_rev;
#define P(i, v, n) (p->values[i] = (const char *)(v), p->lengths[i] = (int)(n))
    P(0, p->addr, 8);
    P(1, l->hwaddr_len ? (const char *)l->hwaddr : NULL, l->hwaddr_len);
    P(2, l->client_id_len ? (const char *)l->client_id : NULL, l->client_id_len);
    P(3, p->valid, 8);
    P(4, p->expire, 8);
    P(5, p->subnet, 8);
    P(6, &p->fwd, 1);
    P(7, &p->rev, 1);
    P(8, l->hostname ? l->hostname : "", l->hostname ? strlen(l->hostname) : 0);
    P(9, p->state, 8);
    P(10, l->user_context, l->user_context ? strlen(l->user_context) : 0);
    if (cond) {
        pg_put_int8(p->cond, pg_epoch_to_ts(cond_expire));
        P(11, p->cond, 8);
    }
#undef P
}

int pg4_decode(pg4_t *s, const PGresult *r, int i, lease_t *out)
{
    int64_t addr = 0, valid, expire_ts, subnet, state = LEASE_STATE_DEFAULT; /* the column's default */
    const char *null = !pg_col_int8(r, i, 0, &addr)       ? "address"
                       : !pg_col_int8(r, i, 3, &valid)     ? "valid_lifetime"
                       : !pg_col_int8(r, i, 4, &expire_ts) ? "expire"
                       : !pg_col_int8(r, i, 5, &subnet)    ? "subnet_id"
                                                           : NULL;
    if (null) {
        pg4_report(s, 4, "DHCPSRV_PGSQL_LEASE_ROW_SKIPPED", "lease row for %u.%u.%u.%u skipped: %s is NULL",
                   (unsigned)(addr >> 24) & 255, (unsigned)(addr >> 16) & 255, (unsigned)(addr >> 8) & 255,
                   (unsigned)addr & 255, null);
        return NST_EINVAL;
    }
    pg_col_int8(r, i, 9, &state);
    lease_init(out, LEASE_V4);
    out->addr.v4 = (uint32_t)addr;
    if (!PQgetisnull(r, i, 1)) {
        int n = PQgetlength(r, i, 1);
        out->hwaddr_len = (uint8_t)(n > LEASE_HWADDR_MAX ? LEASE_HWADDR_MAX : n);
        memcpy(out->hwaddr, PQgetvalue(r, i, 1), out->hwaddr_len);
    }
    if (!PQgetisnull(r, i, 2) && PQgetlength(r, i, 2) > 0) {
        int n = PQgetlength(r, i, 2);
        lease_set_client_id(out, (const uint8_t *)PQgetvalue(r, i, 2), (size_t)(n > LEASE_CLIENTID_MAX ? LEASE_CLIENTID_MAX : n));
    }
    out->valid_lft = (uint32_t)valid;
    int64_t expire = pg_ts_to_epoch(expire_ts);
    out->cltt = out->valid_lft == LEASE_INFINITE ? expire : expire - (int64_t)out->valid_lft;
    out->subnet_id = (uint32_t)subnet;
    out->fqdn_fwd = PQgetlength(r, i, 6) == 1 && PQgetvalue(r, i, 6)[0];
    out->fqdn_rev = PQgetlength(r, i, 7) == 1 && PQgetvalue(r, i, 7)[0];
    if (!PQgetisnull(r, i, 8) && PQgetlength(r, i, 8) > 0)
        out->hostname = xstrndup(PQgetvalue(r, i, 8), (size_t)PQgetlength(r, i, 8));
    out->state = (uint32_t)state;
    if (!PQgetisnull(r, i, 10) && PQgetlength(r, i, 10) > 0)
        out->user_context = xstrndup(PQgetvalue(r, i, 10), (size_t)PQgetlength(r, i, 10));
    return 0;
}

static pg4_t *S(lease_store_t *st) { return (pg4_t *)st; }

/* A lookup connection plans without sequential scans: every lookup of the DHCP path has an
 * index, but a table that grew since its statistics were taken (a new deployment, after a
 * TRUNCATE) looks small to the planner, which then scans it whole for each combined lookup
 * (milliseconds each, at a few thousand rows). Statements with no index path still scan. */
static int lookup_session(PGconn *pg, char *err, size_t errlen)
{
    PGresult *r = PQexec(pg, "SET enable_seqscan = off");
    int rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : NST_EIO;
    if (rc)
        pgconn_error(pg, r, err, errlen);
    PQclear(r);
    return rc;
}

static void conn_close(sqlconn_t *rec)
{
    pg4_conn_t *c = (pg4_conn_t *)rec;
    if (c->pg)
        PQfinish(c->pg);
    c->pg = NULL;
}

/* The calling thread's connection, opened on first use (or after a loss). */
static PGconn *conn(pg4_t *s)
{
    pg4_conn_t *c = (pg4_conn_t *)sqlconns_mine(&s->conns);
    if (atomic_load(&s->is_lost))
        return NULL; /* fail fast during an outage: the server's recovery timer reconnects */
    if (c->pg && PQstatus(c->pg) != CONNECTION_OK) {
        PQfinish(c->pg);
        c->pg = NULL;
    }
    if (!c->pg) {
        char err[512];
        PGconn *pg = NULL;
        if (pgconn_open(&s->db, &pg, err, sizeof err) || pg4_prepare(pg, err, sizeof err) ||
            lookup_session(pg, err, sizeof err)) {
            pg4_report(s, 3, "DHCPSRV_PGSQL_FATAL_ERROR", "cannot connect to the lease database: %s", err);
            if (pg)
                PQfinish(pg);
            return NULL;
        }
        c->pg = pg;
    }
    return c->pg;
}

void pg4_set_lost(pg4_t *s)
{
    if (!atomic_exchange(&s->is_lost, true) && s->lost)
        s->lost(s->lost_arg);
}

/* Runs a prepared lookup with binary results and the parameter formats fmts (1 binary, 0 text).
 * NULL on failure (reported). A connection found dead (e.g. killed by the server's administrator)
 * is replaced once at once; if that fails too, the database is lost. */
static PGresult *run_fmt(pg4_t *s, const char *stmt, int n, const char *const *vals, const int *lens,
                         const int *fmts)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        PGconn *c = conn(s);
        if (!c) {
            pg4_set_lost(s);
            return NULL;
        }
        PGresult *r = PQexecPrepared(c, stmt, n, vals, lens, fmts, 1);
        ExecStatusType st = PQresultStatus(r);
        if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
            return r;
        char e[256];
        pgconn_error(c, r, e, sizeof e);
        bool lost = pgconn_lost(c, r);
        PQclear(r);
        pg4_report(s, 3, lost ? "DHCPSRV_PGSQL_CONNECTION_LOST" : "DHCPSRV_PGSQL_QUERY_FAILED",
                   "statement %s failed: %s", stmt, e);
        if (!lost)
            return NULL;
        conn_close(sqlconns_mine(&s->conns));
    }
    pg4_set_lost(s);
    return NULL;
}

static PGresult *run(pg4_t *s, const char *stmt, int n, const char *const *vals, const int *lens)
{
    static const int binary[4] = {1, 1, 1, 1};
    return run_fmt(s, stmt, n, vals, lens, binary);
}

static int one(pg4_t *s, const char *stmt, int n, const char *const *vals, const int *lens, lease_t *out)
{
    PGresult *r = run(s, stmt, n, vals, lens);
    if (!r)
        return NST_EIO;
    int found = PQntuples(r) > 0 && pg4_decode(s, r, 0, out) == 0;
    PQclear(r);
    return found ? 0 : NST_ENOENT;
}

/* The leases of a lookup as the database has them (queued writes not waited for). */
static int fetch_now(pg4_t *s, const char *stmt, int n, const char *const *vals, const int *lens, lease_list_t *out)
{
    PGresult *r = run(s, stmt, n, vals, lens);
    if (!r)
        return NST_EIO;
    for (int i = 0; i < PQntuples(r); i++) {
        lease_t l;
        if (pg4_decode(s, r, i, &l))
            continue;
        lease_list_push(out, &l);
        lease_free(&l);
    }
    PQclear(r);
    return 0;
}

static int many(pg4_t *s, const char *stmt, int n, const char *const *vals, const int *lens, lease_list_t *out)
{
    pg4_flush(&s->sql.base); /* control-command reads see every acknowledged write */
    return fetch_now(s, stmt, n, vals, lens, out);
}

static int get4_addr(lease_store_t *st, uint32_t addr, lease_t *out)
{
    pg4_t *s = S(st);
    int o = overlay4_addr(&s->ov, addr, out);
    if (o) {
        sqlcache4_prefetch_drop();
        return o > 0 ? 0 : NST_ENOENT;
    }
    int p = sqlcache4_prefetch_take(s, addr, out);
    if (p)
        return p > 0 ? 0 : NST_ENOENT;
    char a[8];
    pg_put_int8(a, addr);
    const char *v[] = {a};
    int len[] = {8};
    return one(s, "get_addr", 1, v, len, out);
}

/* A text array literal of bytea values: {"\\x0a0b",...} (NULLs for absent keys are left out). */
static void put_bytea_array(char *buf, size_t cap, sqlbatch4_req_t *const *reqs, size_t n, bool hw)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    buf[o++] = '{';
    for (size_t i = 0; i < n; i++) {
        const uint8_t *p = hw ? reqs[i]->key.hw : reqs[i]->key.cid;
        size_t len = hw ? reqs[i]->key.hwlen : reqs[i]->key.cidlen;
        if (!len || o + 2 * len + 8 > cap)
            continue;
        if (buf[o - 1] != '{')
            buf[o++] = ',';
        memcpy(buf + o, "\"\\\\x", 4);
        o += 4;
        for (size_t k = 0; k < len; k++)
            buf[o++] = hex[p[k] >> 4], buf[o++] = hex[p[k] & 15];
        buf[o++] = '"';
    }
    buf[o++] = '}';
    buf[o] = 0;
}

/* Runs one combined client lookup (sqlbatch4) on the calling thread's connection: a single
 * client with its subnet in the statement, several with the array statement. */
static int lookup_query(void *ctx, sqlbatch4_req_t *const *reqs, size_t n)
{
    pg4_t *s = ctx;
    PGresult *r;
    if (n == 1) {
        const sqlcache4_key_t *k = &reqs[0]->key;
        char sub[8], also[8];
        pg_put_int8(sub, k->subnet_id);
        pg_put_int8(also, reqs[0]->also_addr);
        const char *v[] = {(const char *)k->cid, (const char *)k->hw, sub, reqs[0]->also_addr ? also : NULL};
        int len[] = {(int)k->cidlen, (int)k->hwlen, 8, 8};
        r = run(s, k->cidlen ? "get_client" : "get_client_hw", 4, v, len);
    } else {
        /* each client-id takes at most 2 * 255 + 5 characters, a hardware address 2 * 20 + 5 */
        static __thread char cids[SQLBATCH4_MAX * (2 * LEASE_CLIENTID_MAX + 5) + 3],
            hws[SQLBATCH4_MAX * (2 * LEASE_HWADDR_MAX + 5) + 3], addrs[SQLBATCH4_MAX * 11 + 3];
        put_bytea_array(cids, sizeof cids, reqs, n, false);
        put_bytea_array(hws, sizeof hws, reqs, n, true);
        size_t o = 0;
        addrs[o++] = '{';
        for (size_t i = 0; i < n; i++)
            if (reqs[i]->also_addr)
                o += (size_t)snprintf(addrs + o, sizeof addrs - o, "%s%u", addrs[o - 1] == '{' ? "" : ",",
                                      reqs[i]->also_addr);
        addrs[o++] = '}';
        addrs[o] = 0;
        const char *v[] = {cids, hws, addrs};
        int len[] = {0, 0, 0};
        static const int text[3] = {0, 0, 0};
        r = run_fmt(s, "get_batch", 3, v, len, text);
    }
    if (!r)
        return NST_EIO;
    for (int i = 0; i < PQntuples(r); i++) {
        lease_t l;
        if (pg4_decode(s, r, i, &l))
            continue;
        sqlbatch4_row(reqs, n, &l);
        lease_free(&l);
    }
    PQclear(r);
    return 0;
}

static int get4_by_hw(lease_store_t *st, const uint8_t *hw, size_t hwlen, lease_list_t *out)
{
    const char *v[] = {(const char *)hw};
    int len[] = {(int)hwlen};
    return many(S(st), "get_hw", 1, v, len, out);
}

static int get4_by_cid(lease_store_t *st, const uint8_t *cid, size_t n, lease_list_t *out)
{
    const char *v[] = {(const char *)cid};
    int len[] = {(int)n};
    return many(S(st), "get_cid", 1, v, len, out);
}

static int get4_by_hostname(lease_store_t *st, const char *hostname, lease_list_t *out)
{
    const char *v[] = {hostname};
    int len[] = {(int)strlen(hostname)};
    return many(S(st), "get_host", 1, v, len, out);
}

static int get4_all(lease_store_t *st, uint32_t subnet_id, lease_list_t *out)
{
    if (!subnet_id)
        return many(S(st), "get_all", 0, NULL, NULL, out);
    char sub[8];
    pg_put_int8(sub, subnet_id);
    const char *v[] = {sub};
    int len[] = {8};
    return many(S(st), "get_sub", 1, v, len, out);
}

static int get4_page(lease_store_t *st, uint32_t after, size_t limit, lease_list_t *out)
{
    if (!limit)
        return NST_EINVAL;
    char a[8], n[8];
    pg_put_int8(a, after);
    pg_put_int8(n, (int64_t)limit);
    const char *v[] = {a, n};
    int len[] = {8, 8};
    return many(S(st), "get_page", 2, v, len, out);
}

static int get4_expired(lease_store_t *st, int64_t now, size_t max, lease_list_t *out)
{
    char t[8], n[8];
    pg_put_int8(t, pg_epoch_to_ts(now));
    pg_put_int8(n, max ? (int64_t)max : INT64_MAX);
    const char *v[] = {t, n};
    int len[] = {8, 8};
    /* reclamation runs on the main loop: it does not wait for the queue, which the overlay adds */
    lease_list_t got = {0};
    int r = fetch_now(S(st), "get_exp", 2, v, len, &got);
    overlay4_expired(&S(st)->ov, &got, now, max);
    for (size_t i = 0; i < got.count; i++)
        lease_list_push(out, &got.items[i]);
    lease_list_free(&got);
    return r;
}

/* Runs a delete; *removed (may be NULL) gets the number of rows it removed. */
static int affected(pg4_t *s, const char *stmt, int n, const char *const *vals, const int *lens, size_t *removed)
{
    pg4_flush(&s->sql.base);
    PGresult *r = run(s, stmt, n, vals, lens);
    if (!r)
        return NST_EIO;
    if (removed)
        *removed = strtoul(PQcmdTuples(r), NULL, 10);
    PQclear(r);
    return 0;
}

/* Runs on the main loop: does not wait for the queue, leaves the addresses with queued writes. */
static int delete_reclaimed4(lease_store_t *st, int64_t now, uint32_t secs, size_t *removed)
{
    pg4_t *s = S(st);
    char t[8];
    pg_put_int8(t, pg_epoch_to_ts(now - secs));
    char *queued = overlay4_queued_list(&s->ov, "{", "}");
    const char *v[] = {t, queued};
    int len[] = {8, 0};
    static const int fmt[] = {1, 0};
    PGresult *r = run_fmt(s, "del_recl", 2, v, len, fmt);
    free(queued);
    if (!r)
        return NST_EIO;
    if (removed)
        *removed = strtoul(PQcmdTuples(r), NULL, 10);
    PQclear(r);
    return 0;
}

static int wipe4(lease_store_t *st, uint32_t subnet_id, size_t *removed)
{
    if (!subnet_id)
        return affected(S(st), "wipe_all", 0, NULL, NULL, removed);
    char sub[8];
    pg_put_int8(sub, subnet_id);
    const char *v[] = {sub};
    int len[] = {8};
    return affected(S(st), "wipe_sub", 1, v, len, removed);
}

/* lease4_stat as the database has it (queued writes not waited for). */
static int counts_db(void *ctx, lease_subnet_counts_t **out, size_t *n)
{
    pg4_t *s = ctx;
    PGresult *r = run(s, "counts", 0, NULL, NULL);
    *out = NULL;
    *n = 0;
    if (!r)
        return NST_EIO;
    int rows = PQntuples(r);
    lease_subnet_counts_t *c = xcalloc((size_t)rows + 1, sizeof *c);
    size_t k = 0;
    for (int i = 0; i < rows; i++) {
        int64_t subnet, state, leases;
        if (!pg_col_int8(r, i, 0, &subnet) || !pg_col_int8(r, i, 1, &state) || !pg_col_int8(r, i, 2, &leases) ||
            leases <= 0)
            continue; /* a NULL count counts nothing */
        uint32_t sub = (uint32_t)subnet;
        if (!k || c[k - 1].subnet_id != sub)
            c[k++].subnet_id = sub;
        if (state == LEASE_STATE_DEFAULT)
            c[k - 1].assigned = (uint64_t)leases;
        else
            c[k - 1].declined = (uint64_t)leases;
    }
    PQclear(r);
    *out = c;
    *n = k;
    return 0;
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
    pg4_t *s = S(st);
    PGconn *c = NULL;
    int r = pgconn_open(&s->db, &c, err, errlen);
    if (c)
        PQfinish(c);
    if (r == 0)
        atomic_store(&s->is_lost, false); /* threads reconnect their own connections on next use */
    return r;
}

static void close_store(lease_store_t *st)
{
    pg4_t *s = S(st);
    pg4_writer_stop(s);
    sqlconns_fini(&s->conns);
    overlay4_fini(&s->ov);
    sqlcache4_fini(&s->recent);
    sqlbatch4_fini(&s->lookups);
    pthread_mutex_destroy(&s->lock);
    pthread_cond_destroy(&s->qcond);
    pthread_cond_destroy(&s->idle);
    cfg_db_free(&s->db);
    free(s);
}

static const sqlstore_v4_t pg4_v4 = {SQLSTORE_V4_STATEMENTS};

static const lease_store_ops_t pg4_ops = {
    .type = "postgresql",
    .add = pg4_add,
    .update = pg4_update,
    .del = pg4_del,
    SQLSTORE_KEYED_OPS,
    .flush = pg4_flush,
    .backlog_ms = pg4_backlog_ms,
    .reconnect = reconnect,
    .tick = tick,
    .close = close_store,
};

int pgsql4_open(const pgsql4_config_t *cfg, lease_store_t **out, char *err, size_t errlen)
{
    *out = NULL;
    pg4_t *s = xcalloc(1, sizeof *s);
    s->sql.base.ops = &pg4_ops;
    s->sql.v4 = &pg4_v4;
    s->sql.lookups4 = &s->sb;
    cfg_db_copy(&s->db, cfg->db);
    s->report = cfg->report;
    s->report_arg = cfg->report_arg;
    s->lost = cfg->lost;
    s->lost_arg = cfg->lost_arg;
    sqlconns_init(&s->conns, sizeof(pg4_conn_t), conn_close);
    pthread_mutex_init(&s->lock, NULL);
    overlay4_init(&s->ov, &s->lock);
    sqlcache4_init(&s->recent);
    sqlbatch4_init(&s->lookups);
    s->sb = (sqlbatch4_store_t){s, &s->lookups, &s->recent, &s->ov, lookup_query, s};
    pthread_cond_init(&s->qcond, NULL);
    pthread_cond_init(&s->idle, NULL);
    s->qtail = &s->qhead;
    int r = pg4_writer_start(s, cfg->allow_offline, err, errlen);
    if (r) {
        close_store(&s->sql.base);
        return r;
    }
    *out = &s->sql.base;
    return 0;
}

/* PostgreSQL lease store: the lease4 table in PostgreSQL's dialect (see lease_pg.h). */
#include "lease/lease_pg_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/errcode.h"
#include "common/util.h"
#include "db/sqlsess_pg.h"

#define SEL "SELECT " SQLCORE_COLS4 " FROM lease4 "
#define SET_COLS "SET hwaddr = $2, client_id = $3, valid_lifetime = $4, expire = $5, subnet_id = $6, " \
                 "fqdn_fwd = $7, fqdn_rev = $8, hostname = $9, state = $10, user_context = $11 "
#define COL_TYPES PG_INT8OID, PG_BYTEAOID, PG_BYTEAOID, PG_INT8OID, PG_TIMESTAMPTZOID, PG_INT8OID, PG_BOOLOID, \
                  PG_BOOLOID, PG_VARCHAROID, PG_INT8OID, PG_TEXTOID

/* This dialect's statements after the common ones. */
enum { PG_CLIENT = PG_NWRITE, PG_CLIENT_HW, PG_BATCH, PG_NSTMT };

static const sqlsess_stmt_t stmts[PG_NSTMT] = {
    [SQLCORE_GET_ADDR] = {"get_addr", SEL "WHERE address = $1", 1, {PG_INT8OID}},
    [SQLCORE_GET_HW] = {"get_hw", SEL "WHERE hwaddr = $1 ORDER BY address", 1, {PG_BYTEAOID}},
    [SQLCORE_GET_CID] = {"get_cid", SEL "WHERE client_id = $1 ORDER BY address", 1, {PG_BYTEAOID}},
    [SQLCORE_GET_HOST] = {"get_host", SEL "WHERE lower(hostname) = lower($1) ORDER BY address", 1, {PG_VARCHAROID}},
    [SQLCORE_GET_ALL] = {"get_all", SEL "ORDER BY address", 0, {0}},
    [SQLCORE_GET_SUB] = {"get_sub", SEL "WHERE subnet_id = $1 ORDER BY address", 1, {PG_INT8OID}},
    [SQLCORE_GET_PAGE] = {"get_page", SEL "WHERE address > $1 ORDER BY address LIMIT $2", 2, {PG_INT8OID, PG_INT8OID}},
    [SQLCORE_GET_EXP] = {"get_exp", SEL "WHERE state <> 2 AND valid_lifetime <> 4294967295 AND expire <= $1 "
                                    "ORDER BY expire LIMIT $2", 2, {PG_TIMESTAMPTZOID, PG_INT8OID}},
    /* the addresses in $2 have queued writes: left for a later round */
    [SQLCORE_DEL_RECL] = {"del_recl", "DELETE FROM lease4 WHERE state = 2 AND expire < $1 AND address <> ALL($2)", 2,
                          {PG_TIMESTAMPTZOID, PG_INT8ARRAYOID}},
    [SQLCORE_WIPE_ALL] = {"wipe_all", "DELETE FROM lease4", 0, {0}},
    [SQLCORE_WIPE_SUB] = {"wipe_sub", "DELETE FROM lease4 WHERE subnet_id = $1", 1, {PG_INT8OID}},
    [SQLCORE_COUNTS] = {"counts", "SELECT subnet_id, 0::int8, state, leases FROM lease4_stat WHERE state IN (0, 1) AND "
                                  "leases > 0 ORDER BY subnet_id", 0, {0}},
    [PG_INS] = {"ins", "INSERT INTO lease4 (" SQLCORE_COLS4 ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) "
                       "ON CONFLICT (address) DO NOTHING", 11, {COL_TYPES}},
    [PG_UPD] = {"upd", "UPDATE lease4 " SET_COLS "WHERE address = $1 AND expire = $12", 12,
                {COL_TYPES, PG_TIMESTAMPTZOID}},
    [PG_UPD_ANY] = {"upd_any", "UPDATE lease4 " SET_COLS "WHERE address = $1", 11, {COL_TYPES}},
    [PG_DEL] = {"del", "DELETE FROM lease4 WHERE address = $1 AND expire = $2", 2, {PG_INT8OID, PG_TIMESTAMPTZOID}},
    [PG_DEL_ANY] = {"del_any", "DELETE FROM lease4 WHERE address = $1", 1, {PG_INT8OID}},
    [PG_CLIENT] = {"get_client", SEL "WHERE (subnet_id = $3 AND (client_id = $1 OR hwaddr = $2)) OR address = $4", 4,
                   {PG_BYTEAOID, PG_BYTEAOID, PG_INT8OID, PG_INT8OID}},
    /* the same for a client without a client identifier ($1 unused) */
    [PG_CLIENT_HW] = {"get_client_hw", SEL "WHERE (subnet_id = $3 AND hwaddr = $2) OR address = $4", 4,
                      {PG_BYTEAOID, PG_BYTEAOID, PG_INT8OID, PG_INT8OID}},
    [PG_BATCH] = {"get_batch", SEL "WHERE client_id = ANY($1) UNION ALL " SEL "WHERE hwaddr = ANY($2) UNION ALL " SEL
                               "WHERE address = ANY($3)", 3, {PG_BYTEAARRAYOID, PG_BYTEAARRAYOID, PG_INT8ARRAYOID}},
};

/* ---- rows ------------------------------------------------------------------------------------ */

/* Decodes row i: 0, or NST_EINVAL for a row that is no lease (reported). */
static int decode(sqlcore_t *s, const PGresult *r, int i, lease_t *out)
{
    int64_t addr = 0, valid, expire_ts, subnet, state = LEASE_STATE_DEFAULT; /* the column's default */
    const char *null = !pg_col_int8(r, i, 0, &addr)       ? "address"
                       : !pg_col_int8(r, i, 3, &valid)     ? "valid_lifetime"
                       : !pg_col_int8(r, i, 4, &expire_ts) ? "expire"
                       : !pg_col_int8(r, i, 5, &subnet)    ? "subnet_id"
                                                           : NULL;
    if (null) {
        lease_key_t key = lease_key4((uint32_t)addr);
        sqlcore_row_skipped(s, &key, null);
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
        lease_set_client_id(out, (const uint8_t *)PQgetvalue(r, i, 2),
                            (size_t)(n > LEASE_CLIENTID_MAX ? LEASE_CLIENTID_MAX : n));
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

/* The rows of either table (told apart by their column count). */
int pg_rows(sqlcore_t *s, const sqlres_t *res, sqlcore_sink_t *k)
{
    const PGresult *r = sqlres_pg(res);
    bool v6 = PQnfields(r) == SQLCORE_NCOLS6;
    for (int i = 0; i < PQntuples(r); i++) {
        lease_t l;
        if (!(v6 ? pg_decode6(s, r, i, &l) : decode(s, r, i, &l)) && !sqlcore_sink_put(k, &l))
            break;
    }
    return 0;
}

int pg_counts(const sqlres_t *res, lease_subnet_counts_t **out, size_t *n)
{
    const PGresult *r = sqlres_pg(res);
    int nrows = PQntuples(r);
    lease_subnet_counts_t *c = xcalloc((size_t)nrows + 1, sizeof *c);
    size_t k = 0;
    for (int i = 0; i < nrows; i++) {
        int64_t subnet, type, state, leases;
        if (pg_col_int8(r, i, 0, &subnet) && pg_col_int8(r, i, 1, &type) && pg_col_int8(r, i, 2, &state) &&
            pg_col_int8(r, i, 3, &leases))
            sqlcore_count_row(c, &k, (uint32_t)subnet, type, state, leases); /* a NULL count counts nothing */
    }
    *out = c;
    *n = k;
    return 0;
}

/* ---- the combined client lookup -------------------------------------------------------------- */

/* A text array literal of bytea values: {"\\x0a0b",...} (absent keys are left out). */
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

/* A single client with its subnet in the statement, several with the array statement. */
static int lookup(sqlbatch4_req_t *const *reqs, size_t n, int *stmt, sqlparam_t *p)
{
    if (n == 1) {
        const sqlcache4_key_t *k = &reqs[0]->key;
        *stmt = k->cidlen ? PG_CLIENT : PG_CLIENT_HW;
        p[0] = sqlp_bytes(k->cidlen ? k->cid : NULL, k->cidlen);
        p[1] = sqlp_bytes(k->hw, k->hwlen);
        p[2] = sqlp_int(k->subnet_id);
        p[3] = reqs[0]->also_addr ? sqlp_int(reqs[0]->also_addr) : (sqlparam_t){.type = SQLP_NULL};
        return 4;
    }
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
    *stmt = PG_BATCH;
    p[0] = sqlp_text(cids);
    p[1] = sqlp_text(hws);
    p[2] = sqlp_text(addrs);
    return 3;
}

/* ---- the batch commit ------------------------------------------------------------------------ */

/* Sends one write of a pipelined batch. */
static int send_write(sqlcore_t *s, PGconn *c, const sqlcore_write_t *w)
{
    sqlparam_t p[SQLCORE_MAXCOLS + 1];
    char addr[INET6_ADDRSTRLEN];
    int n = sqlcore_bind(&w->lease, p, addr), f = w->lease.family;
    if (w->kind == OVERLAY4_DEL) {
        p[1] = sqlp_time(w->cond_expire);
        return sqlsess_pg_send(&s->sess, c, sqlcore_stmt(s, f, w->conditional ? PG_DEL : PG_DEL_ANY), p,
                               w->conditional ? 2 : 1);
    }
    bool cond = w->kind == OVERLAY4_UPDATE && w->conditional;
    p[n] = sqlp_time(w->cond_expire);
    return sqlsess_pg_send(&s->sess, c, sqlcore_stmt(s, f, w->kind == OVERLAY4_ADD ? PG_INS : cond ? PG_UPD : PG_UPD_ANY),
                           p, cond ? n + 1 : n);
}

/* Reads the result of one pipelined statement: its status, and rows affected. */
static ExecStatusType read_one(PGconn *c, int *nrows, char *err, size_t errlen)
{
    PGresult *r = PQgetResult(c);
    if (!r) {
        snprintf(err, errlen, "no result");
        return PGRES_FATAL_ERROR;
    }
    ExecStatusType st = PQresultStatus(r);
    if (nrows)
        *nrows = st == PGRES_COMMAND_OK ? atoi(PQcmdTuples(r)) : 0;
    if (st == PGRES_FATAL_ERROR)
        pgconn_error(c, r, err, errlen);
    PQclear(r);
    if (st != PGRES_PIPELINE_SYNC)
        while ((r = PQgetResult(c)) != NULL) /* the NULL that ends each statement's results */
            PQclear(r);
    return st;
}

/* The batch as one transaction in one round trip (see sqlcore_driver_t.commit). */
static int commit(sqlcore_t *s, sqlsess_conn_t *conn, sqlcore_write_t *batch, char *err, size_t errlen)
{
    PGconn *c = sqlsess_pg_of(conn);
    if (!PQenterPipelineMode(c)) {
        pgconn_error(c, NULL, err, errlen);
        return NST_EIO;
    }
    int ok = PQsendQueryParams(c, "BEGIN", 0, NULL, NULL, NULL, NULL, 0);
    for (sqlcore_write_t *w = batch; w && ok; w = w->next)
        ok = send_write(s, c, w);
    ok = ok && PQsendQueryParams(c, "COMMIT", 0, NULL, NULL, NULL, NULL, 0) && PQpipelineSync(c);
    if (!ok) {
        pgconn_error(c, NULL, err, errlen);
        PQexitPipelineMode(c);
        return NST_EIO;
    }
    int failed = 0;
    ExecStatusType st = read_one(c, NULL, err, errlen); /* BEGIN */
    if (st != PGRES_COMMAND_OK)
        failed = -1;
    for (sqlcore_write_t *w = batch; w; w = w->next) {
        int n = 0;
        char e[256] = "";
        st = read_one(c, &n, e, sizeof e);
        if (st == PGRES_COMMAND_OK)
            w->result = n == 1 ? 0 : w->kind == OVERLAY4_ADD ? NST_EEXIST : NST_ECONFLICT;
        else if (st == PGRES_FATAL_ERROR && !failed) {
            failed = 1;
            w->result = NST_EIO;
            snprintf(err, errlen, "%s", e);
        }
    }
    st = read_one(c, NULL, err, errlen); /* COMMIT */
    if (st != PGRES_COMMAND_OK && !failed)
        failed = -1;
    read_one(c, NULL, err, errlen); /* sync */
    PQexitPipelineMode(c);
    if (failed < 0 || pgconn_lost(c, NULL))
        return NST_EIO;
    return failed;
}

static const sqlcore_table_t lease4 = {
    .family = LEASE_V4,
    .name = "lease4",
    .stmts = stmts,
    .nstmts = PG_NSTMT,
    .lookup = lookup,
    .rows = pg_rows,
    .counts = pg_counts,
    .list_open = "{",
    .list_close = "}",
};

static const sqlcore_driver_t pgsql = {
    .sess = &sqlsess_pg,
    .type = "postgresql",
    .lookup_setup = "SET enable_seqscan = off",
    .commit = commit,
};

int pgsql_open(const sqlcore_config_t *cfg, lease_store_t **out, char *err, size_t errlen)
{
    return sqlcore_open(&pgsql, &lease4, &pg_lease6, cfg, out, err, errlen);
}

/* PostgreSQL lease store: the lease6 table in PostgreSQL's dialect (Kea 2.2's lease6: the address
 * as text, IAID as a signed INT; see sqlcore.h SQLCORE_COLS6). Lists are in key order: by the
 * address as an inet (its 128 bits), not by its text. */
#include <arpa/inet.h>
#include <string.h>

#include "common/errcode.h"
#include "common/util.h"
#include "db/sqlsess_pg.h"
#include "lease/lease_pg_int.h"

#define SEL "SELECT " SQLCORE_COLS6 " FROM lease6 "
#define ORDER " ORDER BY address::inet"
#define SET_COLS "SET duid = $2, valid_lifetime = $3, expire = $4, subnet_id = $5, pref_lifetime = $6, "      \
                 "lease_type = $7, iaid = $8, prefix_len = $9, fqdn_fwd = $10, fqdn_rev = $11, hostname = $12, " \
                 "hwaddr = $13, hwtype = $14, hwaddr_source = $15, state = $16, user_context = $17 "
#define COL_TYPES PG_VARCHAROID, PG_BYTEAOID, PG_INT8OID, PG_TIMESTAMPTZOID, PG_INT8OID, PG_INT8OID, PG_INT2OID, \
                  PG_INT4OID, PG_INT2OID, PG_BOOLOID, PG_BOOLOID, PG_VARCHAROID, PG_BYTEAOID, PG_INT2OID,        \
                  PG_INT2OID, PG_INT8OID, PG_TEXTOID

static const sqlsess_stmt_t stmts[PG_NWRITE] = {
    [SQLCORE_GET_ADDR] = {"get_addr6", SEL "WHERE address = $1 AND lease_type = $2", 2, {PG_VARCHAROID, PG_INT2OID}},
    [SQLCORE_GET_HW] = {"get_hw6", SEL "WHERE hwaddr = $1" ORDER, 1, {PG_BYTEAOID}},
    [SQLCORE_GET_CID] = {"get_duid6", SEL "WHERE duid = $1" ORDER, 1, {PG_BYTEAOID}},
    [SQLCORE_GET_HOST] = {"get_host6", SEL "WHERE lower(hostname) = lower($1)" ORDER, 1, {PG_VARCHAROID}},
    [SQLCORE_GET_ALL] = {"get_all6", SEL ORDER, 0, {0}},
    [SQLCORE_GET_SUB] = {"get_sub6", SEL "WHERE subnet_id = $1" ORDER, 1, {PG_INT8OID}},
    [SQLCORE_GET_PAGE] = {"get_page6", SEL "WHERE address::inet > $1::inet" ORDER " LIMIT $2", 2,
                          {PG_VARCHAROID, PG_INT8OID}},
    [SQLCORE_GET_EXP] = {"get_exp6", SEL "WHERE state <> 2 AND valid_lifetime <> 4294967295 AND expire <= $1 "
                                     "ORDER BY expire LIMIT $2", 2, {PG_TIMESTAMPTZOID, PG_INT8OID}},
    /* the addresses in $2 have queued writes: left for a later round */
    [SQLCORE_DEL_RECL] = {"del_recl6", "DELETE FROM lease6 WHERE state = 2 AND expire < $1 AND "
                                       "address <> ALL($2::varchar[])", 2, {PG_TIMESTAMPTZOID, PG_TEXTOID}},
    [SQLCORE_WIPE_ALL] = {"wipe_all6", "DELETE FROM lease6", 0, {0}},
    [SQLCORE_WIPE_SUB] = {"wipe_sub6", "DELETE FROM lease6 WHERE subnet_id = $1", 1, {PG_INT8OID}},
    [SQLCORE_COUNTS] = {"counts6", "SELECT subnet_id, lease_type::int8, state, leases FROM lease6_stat WHERE state "
                                   "IN (0, 1) AND leases > 0 ORDER BY subnet_id, lease_type", 0, {0}},
    [SQLCORE_GET_IAID] = {"get_iaid6", SEL "WHERE duid = $1 AND iaid = $2 AND lease_type = $3" ORDER, 3,
                          {PG_BYTEAOID, PG_INT4OID, PG_INT2OID}},
    [SQLCORE_GET_IAID_SUB] = {"get_iaid_sub6", SEL "WHERE duid = $1 AND iaid = $2 AND lease_type = $3 AND "
                                               "subnet_id = $4" ORDER, 4,
                              {PG_BYTEAOID, PG_INT4OID, PG_INT2OID, PG_INT8OID}},
    [PG_INS] = {"ins6", "INSERT INTO lease6 (" SQLCORE_COLS6 ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, "
                        "$12, $13, $14, $15, $16, $17) ON CONFLICT (address) DO NOTHING", 17, {COL_TYPES}},
    [PG_UPD] = {"upd6", "UPDATE lease6 " SET_COLS "WHERE address = $1 AND expire = $18", 18,
                {COL_TYPES, PG_TIMESTAMPTZOID}},
    [PG_UPD_ANY] = {"upd_any6", "UPDATE lease6 " SET_COLS "WHERE address = $1", 17, {COL_TYPES}},
    [PG_DEL] = {"del6", "DELETE FROM lease6 WHERE address = $1 AND expire = $2", 2, {PG_VARCHAROID, PG_TIMESTAMPTZOID}},
    [PG_DEL_ANY] = {"del_any6", "DELETE FROM lease6 WHERE address = $1", 1, {PG_VARCHAROID}},
};

/* An integer column of any width (int2, int4, int8) of a binary result: false when NULL. */
static bool col_int(const PGresult *r, int i, int c, int64_t *out)
{
    if (PQgetisnull(r, i, c))
        return false;
    const char *v = PQgetvalue(r, i, c);
    switch (PQgetlength(r, i, c)) {
    case 2: *out = (int16_t)(((uint8_t)v[0] << 8) | (uint8_t)v[1]); return true;
    case 4: *out = pg_get_int4(v); return true;
    case 8: *out = pg_get_int8(v); return true;
    default: return false;
    }
}

static char *col_text(const PGresult *r, int i, int c)
{
    return PQgetisnull(r, i, c) || !PQgetlength(r, i, c) ? NULL : xstrndup(PQgetvalue(r, i, c), (size_t)PQgetlength(r, i, c));
}

int pg_decode6(sqlcore_t *s, const PGresult *r, int i, lease_t *out)
{
    lease_key_t key = {.family = LEASE_V6};
    char text[INET6_ADDRSTRLEN] = "";
    int n = PQgetlength(r, i, 0);
    if (!PQgetisnull(r, i, 0) && n < (int)sizeof text)
        memcpy(text, PQgetvalue(r, i, 0), (size_t)n);
    int64_t valid, expire_ts, subnet, v = 0;
    const char *bad = inet_pton(AF_INET6, text, &key.addr.v6) != 1 ? "address"
                      : !col_int(r, i, 2, &valid)                   ? "valid_lifetime"
                      : !pg_col_int8(r, i, 3, &expire_ts)           ? "expire"
                      : !col_int(r, i, 4, &subnet)                  ? "subnet_id"
                                                                    : NULL;
    if (bad) {
        sqlcore_row_skipped(s, &key, bad);
        return NST_EINVAL;
    }
    lease_init(out, LEASE_V6);
    out->addr.v6 = key.addr.v6;
    if (!PQgetisnull(r, i, 1) && PQgetlength(r, i, 1) > 0) {
        n = PQgetlength(r, i, 1);
        lease_set_client_id(out, (const uint8_t *)PQgetvalue(r, i, 1),
                            (size_t)(n > LEASE_CLIENTID_MAX ? LEASE_CLIENTID_MAX : n));
    }
    out->valid_lft = (uint32_t)valid;
    int64_t expire = pg_ts_to_epoch(expire_ts);
    out->cltt = out->valid_lft == LEASE_INFINITE ? expire : expire - (int64_t)out->valid_lft;
    out->subnet_id = (uint32_t)subnet;
    out->pref_lft = col_int(r, i, 5, &v) ? (uint32_t)v : 0;
    out->type = col_int(r, i, 6, &v) ? (uint8_t)v : LEASE6_NA;
    out->iaid = col_int(r, i, 7, &v) ? (uint32_t)v : 0; /* the INT's 32 bits */
    out->prefix_len = col_int(r, i, 8, &v) ? (uint8_t)v : 128;
    out->fqdn_fwd = PQgetlength(r, i, 9) == 1 && PQgetvalue(r, i, 9)[0];
    out->fqdn_rev = PQgetlength(r, i, 10) == 1 && PQgetvalue(r, i, 10)[0];
    out->hostname = col_text(r, i, 11);
    if (!PQgetisnull(r, i, 12) && PQgetlength(r, i, 12) > 0) {
        n = PQgetlength(r, i, 12);
        out->hwaddr_len = (uint8_t)(n > LEASE_HWADDR_MAX ? LEASE_HWADDR_MAX : n);
        memcpy(out->hwaddr, PQgetvalue(r, i, 12), out->hwaddr_len);
        out->hwtype = col_int(r, i, 13, &v) ? (uint16_t)v : 1;
        out->hwaddr_source = col_int(r, i, 14, &v) ? (uint32_t)v : 0;
    }
    out->state = col_int(r, i, 15, &v) ? (uint32_t)v : LEASE_STATE_DEFAULT;
    out->user_context = col_text(r, i, 16);
    return 0;
}

const sqlcore_table_t pg_lease6 = {
    .family = LEASE_V6,
    .name = "lease6",
    .stmts = stmts,
    .nstmts = PG_NWRITE,
    .rows = pg_rows,
    .counts = pg_counts,
    .list_open = "{",
    .list_close = "}",
};

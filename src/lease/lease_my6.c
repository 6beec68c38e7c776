/* MySQL lease store: the lease6 table in MySQL's dialect (Kea 2.2's lease6: the address as text;
 * see sqlcore.h SQLCORE_COLS6). Lists are in key order: by INET6_ATON(address) (its 128 bits),
 * not by its text. Writes go as text with lease4's (lease_my_text.c). */
#include <arpa/inet.h>
#include <string.h>

#include "common/errcode.h"
#include "common/util.h"
#include "lease/lease_my_int.h"

#define SEL "SELECT " SQLCORE_COLS6 " FROM lease6 "
#define ORDER " ORDER BY INET6_ATON(address)"

static const sqlsess_stmt_t stmts[SQLCORE_NSTMT] = {
    [SQLCORE_GET_ADDR] = {"get_addr6", SEL "WHERE address = ? AND lease_type = ?"},
    [SQLCORE_GET_HW] = {"get_hw6", SEL "WHERE hwaddr = ?" ORDER},
    [SQLCORE_GET_CID] = {"get_duid6", SEL "WHERE duid = ?" ORDER},
    /* case-insensitive through the column's collation (as lease4's) */
    [SQLCORE_GET_HOST] = {"get_host6", SEL "WHERE hostname = ?" ORDER},
    [SQLCORE_GET_ALL] = {"get_all6", SEL ORDER},
    [SQLCORE_GET_SUB] = {"get_sub6", SEL "WHERE subnet_id = ?" ORDER},
    [SQLCORE_GET_PAGE] = {"get_page6", SEL "WHERE INET6_ATON(address) > INET6_ATON(?)" ORDER " LIMIT ?"},
    [SQLCORE_GET_EXP] = {"get_exp6", SEL "WHERE state <> 2 AND valid_lifetime <> 4294967295 AND expire <= ? "
                                     "ORDER BY expire LIMIT ?"},
    /* the addresses in the list (comma-separated) have queued writes: left for a later round */
    [SQLCORE_DEL_RECL] = {"del_recl6", "DELETE FROM lease6 WHERE state = 2 AND expire < ? AND "
                                       "NOT FIND_IN_SET(address, ?)"},
    [SQLCORE_WIPE_ALL] = {"wipe_all6", "DELETE FROM lease6"},
    [SQLCORE_WIPE_SUB] = {"wipe_sub6", "DELETE FROM lease6 WHERE subnet_id = ?"},
    [SQLCORE_COUNTS] = {"counts6", "SELECT subnet_id, lease_type, state, leases FROM lease6_stat WHERE state IN "
                                   "(0, 1) AND leases > 0 ORDER BY subnet_id, lease_type"},
    [SQLCORE_GET_IAID] = {"get_iaid6", SEL "WHERE duid = ? AND iaid = ? AND lease_type = ?" ORDER},
    [SQLCORE_GET_IAID_SUB] = {"get_iaid_sub6", SEL "WHERE duid = ? AND iaid = ? AND lease_type = ? AND subnet_id = ?"
                                               ORDER},
};

typedef struct row {
    MYSQL_BIND b[SQLCORE_NCOLS6];
    char addr[40], host[256];
    uint8_t duid[LEASE_CLIENTID_MAX], hw[LEASE_HWADDR_MAX];
    uint32_t valid, subnet, pref, iaid, source, state;
    uint16_t hwtype;
    uint8_t type, plen;
    signed char fwd, rev;
    MYSQL_TIME expire;
    unsigned long len[SQLCORE_NCOLS6];
    my_bool nul[SQLCORE_NCOLS6];
} row_t;

static int row_bind(MYSQL_STMT *st, row_t *r)
{
    memset(r, 0, sizeof *r);
    my_bind_out(&r->b[0], MYSQL_TYPE_STRING, r->addr, sizeof r->addr, false);
    my_bind_out(&r->b[1], MYSQL_TYPE_BLOB, r->duid, sizeof r->duid, false);
    my_bind_out(&r->b[2], MYSQL_TYPE_LONG, &r->valid, 0, true);
    my_bind_out(&r->b[3], MYSQL_TYPE_TIMESTAMP, &r->expire, sizeof r->expire, false);
    my_bind_out(&r->b[4], MYSQL_TYPE_LONG, &r->subnet, 0, true);
    my_bind_out(&r->b[5], MYSQL_TYPE_LONG, &r->pref, 0, true);
    my_bind_out(&r->b[6], MYSQL_TYPE_TINY, &r->type, 0, true);
    my_bind_out(&r->b[7], MYSQL_TYPE_LONG, &r->iaid, 0, true);
    my_bind_out(&r->b[8], MYSQL_TYPE_TINY, &r->plen, 0, true);
    my_bind_out(&r->b[9], MYSQL_TYPE_TINY, &r->fwd, 0, false);
    my_bind_out(&r->b[10], MYSQL_TYPE_TINY, &r->rev, 0, false);
    my_bind_out(&r->b[11], MYSQL_TYPE_STRING, r->host, sizeof r->host, false);
    my_bind_out(&r->b[12], MYSQL_TYPE_BLOB, r->hw, sizeof r->hw, false);
    my_bind_out(&r->b[13], MYSQL_TYPE_SHORT, &r->hwtype, 0, true);
    my_bind_out(&r->b[14], MYSQL_TYPE_LONG, &r->source, 0, true);
    my_bind_out(&r->b[15], MYSQL_TYPE_LONG, &r->state, 0, true);
    my_bind_out(&r->b[16], MYSQL_TYPE_STRING, NULL, 0, false);
    for (int i = 0; i < SQLCORE_NCOLS6; i++) {
        r->b[i].is_null = &r->nul[i];
        r->b[i].length = &r->len[i];
    }
    return mysql_stmt_bind_result(st, r->b) ? NST_EIO : 0;
}

/* The row just fetched as a lease: 0, or NST_EINVAL for a row that is no lease (reported). */
static int decode(sqlcore_t *s, MYSQL_STMT *st, row_t *r, lease_t *out)
{
    lease_key_t key = {.family = LEASE_V6};
    char text[sizeof r->addr] = "";
    if (!r->nul[0] && r->len[0] < sizeof text)
        memcpy(text, r->addr, r->len[0]);
    const char *bad = inet_pton(AF_INET6, text, &key.addr.v6) != 1 ? "address"
                      : r->nul[2]                                   ? "valid_lifetime"
                      : r->nul[3]                                   ? "expire"
                      : r->nul[4]                                   ? "subnet_id"
                                                                    : NULL;
    if (bad) {
        sqlcore_row_skipped(s, &key, bad);
        return NST_EINVAL;
    }
    lease_init(out, LEASE_V6);
    out->addr.v6 = key.addr.v6;
    if (!r->nul[1] && r->len[1])
        lease_set_client_id(out, r->duid, r->len[1] > sizeof r->duid ? sizeof r->duid : r->len[1]);
    out->valid_lft = r->valid;
    int64_t expire = myconn_from_time(&r->expire);
    out->cltt = out->valid_lft == LEASE_INFINITE ? expire : expire - (int64_t)out->valid_lft;
    out->subnet_id = r->subnet;
    out->pref_lft = r->nul[5] ? 0 : r->pref;
    out->type = r->nul[6] ? LEASE6_NA : r->type;
    out->iaid = r->nul[7] ? 0 : r->iaid;
    out->prefix_len = r->nul[8] ? 128 : r->plen;
    out->fqdn_fwd = !r->nul[9] && r->fwd;
    out->fqdn_rev = !r->nul[10] && r->rev;
    out->hostname = my_col_text(st, r->b, 11);
    if (!r->nul[12] && r->len[12]) {
        out->hwaddr_len = (uint8_t)(r->len[12] > LEASE_HWADDR_MAX ? LEASE_HWADDR_MAX : r->len[12]);
        memcpy(out->hwaddr, r->hw, out->hwaddr_len);
        out->hwtype = r->nul[13] ? 1 : r->hwtype;
        out->hwaddr_source = r->nul[14] ? 0 : r->source;
    }
    out->state = r->nul[15] ? 0 : r->state;
    out->user_context = my_col_text(st, r->b, 16);
    return 0;
}

static int rows(sqlcore_t *s, const sqlres_t *res, sqlcore_sink_t *k)
{
    MYSQL_STMT *st = sqlres_my(res);
    row_t r;
    if (row_bind(st, &r))
        return NST_EIO;
    int f;
    while ((f = mysql_stmt_fetch(st)) == 0 || f == MYSQL_DATA_TRUNCATED) {
        lease_t l;
        if (!decode(s, st, &r, &l) && !sqlcore_sink_put(k, &l))
            return 0;
    }
    return f == MYSQL_NO_DATA ? 0 : NST_EIO;
}

const sqlcore_table_t my_lease6 = {
    .family = LEASE_V6,
    .name = "lease6",
    .stmts = stmts,
    .nstmts = SQLCORE_NSTMT,
    .rows = rows,
    .counts = my_counts,
    .list_open = "",
    .list_close = "",
};

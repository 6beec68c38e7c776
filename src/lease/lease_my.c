/* MySQL lease store: the lease4 table in MySQL's dialect: statements, row codecs, the combined
 * lookup (see lease_my.h). The batch commit is in lease_my_write.c. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/errcode.h"
#include "common/util.h"
#include "lease/lease_my_int.h"

#define SEL "SELECT " SQLCORE_COLS4 " FROM lease4 "

/* This dialect's statements after the common ones: client lookups, then the combined lookups of
 * up to 2, 4, 8, 16 and SQLBATCH4_MAX clients. */
enum { MY_CLIENT = SQLCORE_NSTMT, MY_CLIENT_HW, MY_BATCH, MY_NSTMT = MY_BATCH + 5 };
static const unsigned batch_size[] = {2, 4, 8, 16, SQLBATCH4_MAX};

static sqlsess_stmt_t stmts[MY_NSTMT] = {
    [SQLCORE_GET_ADDR] = {"get_addr", SEL "WHERE address = ?"},
    [SQLCORE_GET_HW] = {"get_hw", SEL "WHERE hwaddr = ? ORDER BY address"},
    [SQLCORE_GET_CID] = {"get_cid", SEL "WHERE client_id = ? ORDER BY address"},
    /* case-insensitive through the column's collation (Kea's statement; *_ci by default) */
    [SQLCORE_GET_HOST] = {"get_host", SEL "WHERE hostname = ? ORDER BY address"},
    [SQLCORE_GET_ALL] = {"get_all", SEL "ORDER BY address"},
    [SQLCORE_GET_SUB] = {"get_sub", SEL "WHERE subnet_id = ? ORDER BY address"},
    [SQLCORE_GET_PAGE] = {"get_page", SEL "WHERE address > ? ORDER BY address LIMIT ?"},
    [SQLCORE_GET_EXP] = {"get_exp", SEL "WHERE state <> 2 AND valid_lifetime <> 4294967295 AND expire <= ? "
                                    "ORDER BY expire LIMIT ?"},
    /* the addresses in the list (comma-separated) have queued writes: left for a later round */
    [SQLCORE_DEL_RECL] = {"del_recl", "DELETE FROM lease4 WHERE state = 2 AND expire < ? AND "
                                      "NOT FIND_IN_SET(address, ?)"},
    [SQLCORE_WIPE_ALL] = {"wipe_all", "DELETE FROM lease4"},
    [SQLCORE_WIPE_SUB] = {"wipe_sub", "DELETE FROM lease4 WHERE subnet_id = ?"},
    [SQLCORE_COUNTS] = {"counts", "SELECT subnet_id, 0, state, leases FROM lease4_stat WHERE state IN (0, 1) AND "
                                  "leases > 0 ORDER BY subnet_id"},
    /* index lookups by (client_id, subnet_id), (hwaddr, subnet_id) and the requested address, in
     * one round trip */
    [MY_CLIENT] = {"get_client", SEL "WHERE client_id = ? AND subnet_id = ? UNION ALL " SEL "WHERE hwaddr = ? AND "
                                 "subnet_id = ? UNION ALL " SEL "WHERE address = ?"},
    /* the same for a client without a client identifier */
    [MY_CLIENT_HW] = {"get_client_hw", SEL "WHERE hwaddr = ? AND subnet_id = ? UNION ALL " SEL "WHERE address = ?"},
    [MY_BATCH] = {"batch2"}, {"batch4"}, {"batch8"}, {"batch16"}, {"batch32"},
};

/* The combined lookup of k clients: rows by client-id, by hardware address and by address, each
 * list padded with NULLs (which match nothing) when fewer clients are asked. Subnets are matched
 * by the caller (sqlcache4_answer_row), so one statement serves lookups in any subnets. */
static void build_batch_sql(void)
{
    static const char *const col[3] = {"client_id", "hwaddr", "address"};
    for (size_t b = 0; b < ARRAY_SIZE(batch_size); b++) {
        size_t cap = 3 * (sizeof SEL + 32 + 3 * batch_size[b]), len = 0;
        char *q = xmalloc(cap);
        for (int part = 0; part < 3; part++) {
            len += (size_t)snprintf(q + len, cap - len, "%s" SEL "WHERE %s IN (", part ? " UNION ALL " : "", col[part]);
            for (unsigned i = 0; i < batch_size[b]; i++)
                len += (size_t)snprintf(q + len, cap - len, i ? ", ?" : "?");
            len += (size_t)snprintf(q + len, cap - len, ")");
        }
        stmts[MY_BATCH + b].sql = q;
    }
}

/* ---- rows ------------------------------------------------------------------------------------ */

typedef struct row {
    MYSQL_BIND b[SQLCORE_NCOLS4];
    uint32_t addr, valid, subnet, state;
    uint8_t hw[LEASE_HWADDR_MAX];
    uint8_t cid[LEASE_CLIENTID_MAX];
    char host[256];
    MYSQL_TIME expire;
    signed char fwd, rev;
    unsigned long len[SQLCORE_NCOLS4];
    my_bool nul[SQLCORE_NCOLS4];
} row_t;

void my_bind_out(MYSQL_BIND *b, enum enum_field_types type, void *buf, unsigned long size, bool is_unsigned)
{
    b->buffer_type = type;
    b->buffer = buf;
    b->buffer_length = size;
    b->is_unsigned = is_unsigned;
}

static int row_bind(MYSQL_STMT *st, row_t *r)
{
    memset(r, 0, sizeof *r);
    my_bind_out(&r->b[0], MYSQL_TYPE_LONG, &r->addr, 0, true);
    my_bind_out(&r->b[1], MYSQL_TYPE_BLOB, r->hw, sizeof r->hw, false);
    my_bind_out(&r->b[2], MYSQL_TYPE_BLOB, r->cid, sizeof r->cid, false);
    my_bind_out(&r->b[3], MYSQL_TYPE_LONG, &r->valid, 0, true);
    my_bind_out(&r->b[4], MYSQL_TYPE_TIMESTAMP, &r->expire, sizeof r->expire, false);
    my_bind_out(&r->b[5], MYSQL_TYPE_LONG, &r->subnet, 0, true);
    my_bind_out(&r->b[6], MYSQL_TYPE_TINY, &r->fwd, 0, false);
    my_bind_out(&r->b[7], MYSQL_TYPE_TINY, &r->rev, 0, false);
    my_bind_out(&r->b[8], MYSQL_TYPE_STRING, r->host, sizeof r->host, false);
    my_bind_out(&r->b[9], MYSQL_TYPE_LONG, &r->state, 0, true);
    my_bind_out(&r->b[10], MYSQL_TYPE_STRING, NULL, 0, false);
    for (int i = 0; i < SQLCORE_NCOLS4; i++) {
        r->b[i].is_null = &r->nul[i];
        r->b[i].length = &r->len[i];
    }
    return mysql_stmt_bind_result(st, r->b) ? NST_EIO : 0;
}

/* A text column of the current row bound in b, whatever its length (NULL when SQL NULL or
 * empty). */
char *my_col_text(MYSQL_STMT *st, const MYSQL_BIND *b, unsigned col)
{
    unsigned long len = *b[col].length;
    if (*b[col].is_null || !len)
        return NULL;
    if (len <= b[col].buffer_length)
        return xstrndup(b[col].buffer, len);
    char *buf = xmalloc(len + 1);
    MYSQL_BIND one;
    unsigned long got = 0;
    memset(&one, 0, sizeof one);
    one.buffer_type = MYSQL_TYPE_STRING;
    one.buffer = buf;
    one.buffer_length = len;
    one.length = &got;
    if (mysql_stmt_fetch_column(st, &one, col, 0)) {
        free(buf);
        return NULL;
    }
    buf[got < len ? got : len] = 0;
    return buf;
}

/* The next row of st as a lease: 1, 0 at the end, NST_EIO on a fetch error. A row that is no
 * lease (NULL valid_lifetime, expire or subnet_id) is reported with its address and skipped. */
static int next_row(sqlcore_t *s, MYSQL_STMT *st, row_t *r, lease_t *out)
{
    int f;
    const char *null;
    while ((f = mysql_stmt_fetch(st)) != MYSQL_NO_DATA && f != 1 &&
           (null = r->nul[3] ? "valid_lifetime" : r->nul[4] ? "expire" : r->nul[5] ? "subnet_id" : NULL))
        sqlcore_row_skipped(s, &(lease_key_t){.family = LEASE_V4, .addr.v4 = r->addr}, null);
    if (f == MYSQL_NO_DATA)
        return 0;
    if (f == 1)
        return NST_EIO;
    /* 0 or MYSQL_DATA_TRUNCATED: long text columns are fetched by col_text */
    lease_init(out, LEASE_V4);
    out->addr.v4 = r->addr;
    if (!r->nul[1]) {
        out->hwaddr_len = (uint8_t)(r->len[1] > LEASE_HWADDR_MAX ? LEASE_HWADDR_MAX : r->len[1]);
        memcpy(out->hwaddr, r->hw, out->hwaddr_len);
    }
    if (!r->nul[2] && r->len[2])
        lease_set_client_id(out, r->cid, r->len[2] > sizeof r->cid ? sizeof r->cid : r->len[2]);
    out->valid_lft = r->valid;
    int64_t expire = myconn_from_time(&r->expire);
    out->cltt = out->valid_lft == LEASE_INFINITE ? expire : expire - (int64_t)out->valid_lft;
    out->subnet_id = r->subnet;
    out->fqdn_fwd = !r->nul[6] && r->fwd;
    out->fqdn_rev = !r->nul[7] && r->rev;
    out->hostname = my_col_text(st, r->b, 8);
    out->state = r->nul[9] ? 0 : r->state;
    out->user_context = my_col_text(st, r->b, 10);
    return 1;
}

static int rows(sqlcore_t *s, const sqlres_t *res, sqlcore_sink_t *k)
{
    MYSQL_STMT *st = sqlres_my(res);
    row_t r;
    int got = row_bind(st, &r) ? NST_EIO : 1;
    lease_t l;
    while (got == 1 && (got = next_row(s, st, &r, &l)) == 1 && sqlcore_sink_put(k, &l))
        ;
    return got < 0 ? NST_EIO : 0;
}

int my_counts(const sqlres_t *res, lease_subnet_counts_t **out, size_t *n)
{
    MYSQL_STMT *stmt = sqlres_my(res);
    uint32_t sub = 0, type = 0, state = 0;
    int64_t leases = 0;
    my_bool nul[4];
    MYSQL_BIND b[4];
    memset(b, 0, sizeof b);
    my_bind_out(&b[0], MYSQL_TYPE_LONG, &sub, 0, true);
    my_bind_out(&b[1], MYSQL_TYPE_LONG, &type, 0, true);
    my_bind_out(&b[2], MYSQL_TYPE_LONG, &state, 0, true);
    my_bind_out(&b[3], MYSQL_TYPE_LONGLONG, &leases, 0, false);
    for (int i = 0; i < 4; i++)
        b[i].is_null = &nul[i];
    size_t nrows = (size_t)mysql_stmt_num_rows(stmt);
    lease_subnet_counts_t *c = xcalloc(nrows + 1, sizeof *c);
    size_t k = 0;
    int f = mysql_stmt_bind_result(stmt, b) ? 1 : 0;
    while (!f && k <= nrows && (f = mysql_stmt_fetch(stmt)) == 0)
        if (!nul[0] && !nul[1] && !nul[2] && !nul[3])
            sqlcore_count_row(c, &k, sub, type, state, leases);
    if (f == 1) {
        free(c);
        return NST_EIO;
    }
    *out = c;
    *n = k;
    return 0;
}

/* ---- the combined client lookup -------------------------------------------------------------- */

/* A single client with the subnet in the statement, several with the statement of the next size
 * up. */
static int lookup(sqlbatch4_req_t *const *reqs, size_t n, int *stmt, sqlparam_t *p)
{
    static const sqlparam_t null = {.type = SQLP_NULL};
    if (n == 1) {
        const sqlcache4_key_t *k = &reqs[0]->key;
        int np = 0;
        if (k->cidlen) {
            p[np++] = sqlp_bytes(k->cid, k->cidlen);
            p[np++] = sqlp_int(k->subnet_id);
        }
        p[np++] = sqlp_bytes(k->hw, k->hwlen); /* NULL: matches nothing */
        p[np++] = sqlp_int(k->subnet_id);
        p[np++] = reqs[0]->also_addr ? sqlp_int(reqs[0]->also_addr) : null;
        *stmt = k->cidlen ? MY_CLIENT : MY_CLIENT_HW;
        return np;
    }
    size_t b = 0;
    while (batch_size[b] < n)
        b++;
    size_t size = batch_size[b];
    for (size_t i = 0; i < size; i++) {
        const sqlcache4_key_t *key = i < n ? &reqs[i]->key : NULL;
        p[i] = key && key->cidlen ? sqlp_bytes(key->cid, key->cidlen) : null;
        p[size + i] = key && key->hwlen ? sqlp_bytes(key->hw, key->hwlen) : null;
        p[2 * size + i] = key && reqs[i]->also_addr ? sqlp_int(reqs[i]->also_addr) : null;
    }
    *stmt = MY_BATCH + (int)b;
    return (int)(3 * size);
}

static const sqlcore_table_t lease4 = {
    .family = LEASE_V4,
    .name = "lease4",
    .stmts = stmts,
    .nstmts = MY_NSTMT,
    .lookup = lookup,
    .rows = rows,
    .counts = my_counts,
    .list_open = "",
    .list_close = "",
};

static const sqlcore_driver_t mysql = {
    .sess = &sqlsess_my,
    .type = "mysql",
    .commit = my_commit,
    .commit_setup = my_commit_setup,
    .check = my_check,
};

int mysql_open(const sqlcore_config_t *cfg, lease_store_t **out, char *err, size_t errlen)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, build_batch_sql);
    return sqlcore_open(&mysql, &lease4, &my_lease6, cfg, out, err, errlen);
}

/* MySQL lease store: connections, statements, lookups (see mysql4.h). Writes and the overlay of
 * queued writes are in mysql4_write.c. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/errcode.h"
#include "common/util.h"
#include "lease/mysql4_int.h"

#define SEL "SELECT " MY4_COLS " FROM lease4 "
/* Indexed by enum my4_stmt. */
static const char *const stmts[MY4_NSTMT] = {
    [MY4_S_GET_ADDR] = SEL "WHERE address = ?",
    [MY4_S_GET_HW_SUB] = SEL "WHERE hwaddr = ? AND subnet_id = ? ORDER BY expire DESC LIMIT 1",
    [MY4_S_GET_CID_SUB] = SEL "WHERE client_id = ? AND subnet_id = ? ORDER BY expire DESC LIMIT 1",
    /* index lookups by (client_id, subnet_id), (hwaddr, subnet_id) and the requested address, in
     * one round trip (see get4_client_subnet) */
    [MY4_S_GET_CLIENT] = SEL "WHERE client_id = ? AND subnet_id = ? UNION ALL " SEL "WHERE hwaddr = ? AND "
                         "subnet_id = ? UNION ALL " SEL "WHERE address = ?",
    /* the same for a client without a client identifier */
    [MY4_S_GET_CLIENT_HW] = SEL "WHERE hwaddr = ? AND subnet_id = ? UNION ALL " SEL "WHERE address = ?",
    [MY4_S_GET_HW] = SEL "WHERE hwaddr = ? ORDER BY address",
    [MY4_S_GET_CID] = SEL "WHERE client_id = ? ORDER BY address",
    /* case-insensitive through the column's collation (Kea's statement; *_ci by default) */
    [MY4_S_GET_HOST] = SEL "WHERE hostname = ? ORDER BY address",
    [MY4_S_GET_ALL] = SEL "ORDER BY address",
    [MY4_S_GET_SUB] = SEL "WHERE subnet_id = ? ORDER BY address",
    [MY4_S_GET_PAGE] = SEL "WHERE address > ? ORDER BY address LIMIT ?",
    [MY4_S_GET_EXP] = SEL "WHERE state <> 2 AND valid_lifetime <> 4294967295 AND expire <= ? "
                          "ORDER BY expire LIMIT ?",
    /* the addresses in the list (comma-separated) have queued writes: left for a later round */
    [MY4_S_DEL_RECL] = "DELETE FROM lease4 WHERE state = 2 AND expire < ? AND NOT FIND_IN_SET(address, ?)",
    [MY4_S_WIPE_ALL] = "DELETE FROM lease4",
    [MY4_S_WIPE_SUB] = "DELETE FROM lease4 WHERE subnet_id = ?",
    [MY4_S_COUNTS] = ("SELECT subnet_id, state, leases FROM lease4_stat WHERE state IN (0, 1) AND leases > 0 "
                      "ORDER BY subnet_id"),
};

/* The combined lookup of k clients: rows by client-id, by hardware address and by address, each
 * list padded with NULLs (which match nothing) when fewer clients are asked. Subnets are matched
 * by the caller (sqlcache4_answer_row), so one statement serves lookups in any subnets. */
static const unsigned batch_size[] = {2, 4, 8, 16, SQLBATCH4_MAX};
#define NBATCH (sizeof batch_size / sizeof batch_size[0])
static char *batch_sql[NBATCH];
static pthread_once_t batch_once = PTHREAD_ONCE_INIT;

static void build_batch_sql(void)
{
    static const char *const col[3] = {"client_id", "hwaddr", "address"};
    for (size_t b = 0; b < NBATCH; b++) {
        size_t cap = 3 * (sizeof SEL + 32 + 3 * batch_size[b]), len = 0;
        char *q = xmalloc(cap);
        for (int part = 0; part < 3; part++) {
            len += (size_t)snprintf(q + len, cap - len, "%s" SEL "WHERE %s IN (", part ? " UNION ALL " : "", col[part]);
            for (unsigned i = 0; i < batch_size[b]; i++)
                len += (size_t)snprintf(q + len, cap - len, i ? ", ?" : "?");
            len += (size_t)snprintf(q + len, cap - len, ")");
        }
        batch_sql[b] = q;
    }
}

static const char *stmt_sql(int k)
{
    if (k < MY4_S_BATCH2)
        return stmts[k];
    pthread_once(&batch_once, build_batch_sql);
    return batch_sql[k - MY4_S_BATCH2];
}

void my4_report(my4_t *s, int sev, const char *msgid, const char *fmt, ...)
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

void my4_disconnect(my4_conn_t *c)
{
    for (int i = 0; i < MY4_NSTMT; i++)
        if (c->st[i]) {
            mysql_stmt_close(c->st[i]);
            c->st[i] = NULL;
        }
    if (c->my)
        mysql_close(c->my);
    c->my = NULL;
}

int my4_connect(my4_t *s, my4_conn_t *c, char *err, size_t errlen)
{
    my4_disconnect(c);
    int r = myconn_open(&s->db, &c->my, err, errlen);
    if (r)
        return r;
    for (int i = 0; i < MY4_NSTMT; i++) {
        c->st[i] = mysql_stmt_init(c->my);
        const char *sql = stmt_sql(i);
        if (!c->st[i] || mysql_stmt_prepare(c->st[i], sql, strlen(sql))) {
            char e[256];
            myconn_error(c->my, c->st[i], e, sizeof e);
            snprintf(err, errlen, "preparing statement %d: %s", i, e);
            my4_disconnect(c);
            return NST_EIO;
        }
    }
    return 0;
}

/* ---- result rows ----------------------------------------------------------------------------- */

typedef struct row {
    MYSQL_BIND b[MY4_NCOLS];
    uint32_t addr, valid, subnet, state;
    uint8_t hw[LEASE_HWADDR_MAX];
    uint8_t cid[LEASE_CLIENTID_MAX];
    char host[256];
    MYSQL_TIME expire;
    signed char fwd, rev;
    unsigned long len[MY4_NCOLS];
    my_bool nul[MY4_NCOLS];
} row_t;

/* A result column of bytes into buf (size 0: fetched later by col_text). */
static void my4_b_out(MYSQL_BIND *b, enum enum_field_types type, void *buf, unsigned long size)
{
    memset(b, 0, sizeof *b);
    b->buffer_type = type;
    b->buffer = buf;
    b->buffer_length = size;
}

static int row_bind(MYSQL_STMT *st, row_t *r)
{
    memset(r, 0, sizeof *r);
    my4_b_u32(&r->b[0], &r->addr);
    my4_b_out(&r->b[1], MYSQL_TYPE_BLOB, r->hw, sizeof r->hw);
    my4_b_out(&r->b[2], MYSQL_TYPE_BLOB, r->cid, sizeof r->cid);
    my4_b_u32(&r->b[3], &r->valid);
    my4_b_time(&r->b[4], &r->expire);
    my4_b_u32(&r->b[5], &r->subnet);
    my4_b_tiny(&r->b[6], &r->fwd);
    my4_b_tiny(&r->b[7], &r->rev);
    my4_b_out(&r->b[8], MYSQL_TYPE_STRING, r->host, sizeof r->host);
    my4_b_u32(&r->b[9], &r->state);
    my4_b_out(&r->b[10], MYSQL_TYPE_STRING, NULL, 0);
    for (int i = 0; i < MY4_NCOLS; i++) {
        r->b[i].is_null = &r->nul[i];
        r->b[i].length = &r->len[i];
    }
    return mysql_stmt_bind_result(st, r->b) ? NST_EIO : 0;
}

/* A text column of the current row, whatever its length (NULL when SQL NULL or empty). */
static char *col_text(MYSQL_STMT *st, row_t *r, unsigned col)
{
    if (r->nul[col] || !r->len[col])
        return NULL;
    if (r->len[col] <= r->b[col].buffer_length)
        return xstrndup(r->b[col].buffer, r->len[col]);
    char *buf = xmalloc(r->len[col] + 1);
    MYSQL_BIND b;
    unsigned long got = 0;
    memset(&b, 0, sizeof b);
    b.buffer_type = MYSQL_TYPE_STRING;
    b.buffer = buf;
    b.buffer_length = r->len[col];
    b.length = &got;
    if (mysql_stmt_fetch_column(st, &b, col, 0)) {
        free(buf);
        return NULL;
    }
    buf[got < r->len[col] ? got : r->len[col]] = 0;
    return buf;
}

/* The next row of st as a lease: 1, 0 at the end, NST_EIO on a fetch error. A row that is no
 * lease (NULL valid_lifetime, expire or subnet_id) is reported with its address and skipped. */
static int next_row(my4_t *s, MYSQL_STMT *st, row_t *r, lease_t *out)
{
    int f;
    const char *null;
    while ((f = mysql_stmt_fetch(st)) != MYSQL_NO_DATA && f != 1 &&
           (null = r->nul[3] ? "valid_lifetime" : r->nul[4] ? "expire" : r->nul[5] ? "subnet_id" : NULL))
        my4_report(s, 4, "DHCPSRV_MYSQL_LEASE_ROW_SKIPPED", "lease row for %u.%u.%u.%u skipped: %s is NULL",
                   r->addr >> 24, (r->addr >> 16) & 255, (r->addr >> 8) & 255, r->addr & 255, null);
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
    out->hostname = col_text(st, r, 8);
    out->state = r->nul[9] ? 0 : r->state;
    out->user_context = col_text(st, r, 10);
    return 1;
}

/* ---- execution ------------------------------------------------------------------------------- */

static my4_t *S(lease_store_t *st) { return (my4_t *)st; }

static void conn_close(sqlconn_t *rec)
{
    my4_disconnect((my4_conn_t *)rec);
}

/* The calling thread's connection, opened on first use (or after a loss); NULL when unavailable. */
static my4_conn_t *conn(my4_t *s)
{
    my4_conn_t *c = (my4_conn_t *)sqlconns_mine(&s->conns);
    if (atomic_load(&s->is_lost))
        return NULL; /* fail fast during an outage: the server's recovery timer reconnects */
    if (!c->my) {
        char err[512];
        if (my4_connect(s, c, err, sizeof err)) {
            my4_report(s, 3, "DHCPSRV_MYSQL_FATAL_ERROR", "cannot connect to the lease database: %s", err);
            return NULL;
        }
    }
    return c;
}

void my4_set_lost(my4_t *s)
{
    if (!atomic_exchange(&s->is_lost, true) && s->lost)
        s->lost(s->lost_arg);
}

/* Runs prepared statement k of the calling thread's connection; a result set is stored on the
 * client side. NULL on failure (reported). A connection found dead (e.g. killed by the server's
 * administrator) is replaced once at once; if that fails too, the database is lost. */
static MYSQL_STMT *run(my4_t *s, enum my4_stmt k, MYSQL_BIND *params)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        my4_conn_t *c = conn(s);
        if (!c)
            break;
        MYSQL_STMT *st = c->st[k];
        if (!(params && mysql_stmt_bind_param(st, params)) && !mysql_stmt_execute(st) &&
            !(mysql_stmt_field_count(st) && mysql_stmt_store_result(st)))
            return st;
        char e[256];
        myconn_error(c->my, st, e, sizeof e);
        bool lost = myconn_lost(mysql_stmt_errno(st));
        my4_report(s, 3, lost ? "DHCPSRV_MYSQL_CONNECTION_LOST" : "DHCPSRV_MYSQL_QUERY_FAILED",
                   "statement %d failed: %s", (int)k, e);
        if (!lost)
            return NULL;
        my4_disconnect(c);
    }
    my4_set_lost(s);
    return NULL;
}

static int one(my4_t *s, enum my4_stmt k, MYSQL_BIND *params, lease_t *out)
{
    MYSQL_STMT *st = run(s, k, params);
    if (!st)
        return NST_EIO;
    row_t r;
    int got = row_bind(st, &r) ? NST_EIO : next_row(s, st, &r, out);
    mysql_stmt_free_result(st);
    return got == 1 ? 0 : got == 0 ? NST_ENOENT : NST_EIO;
}

/* The leases of a lookup as the database has them (queued writes not waited for). */
static int fetch_now(my4_t *s, enum my4_stmt k, MYSQL_BIND *params, lease_list_t *out)
{
    MYSQL_STMT *st = run(s, k, params);
    if (!st)
        return NST_EIO;
    row_t r;
    int got = row_bind(st, &r) ? NST_EIO : 1;
    lease_t l;
    while (got == 1 && (got = next_row(s, st, &r, &l)) == 1) {
        lease_list_push(out, &l);
        lease_free(&l);
    }
    mysql_stmt_free_result(st);
    return got < 0 ? NST_EIO : 0;
}

static int many(my4_t *s, enum my4_stmt k, MYSQL_BIND *params, lease_list_t *out)
{
    my4_flush(&s->sql.base); /* control-command reads see every acknowledged write */
    return fetch_now(s, k, params, out);
}

/* ---- lookups --------------------------------------------------------------------------------- */

static int get4_addr(lease_store_t *st, uint32_t addr, lease_t *out)
{
    my4_t *s = S(st);
    int o = overlay4_addr(&s->ov, addr, out);
    if (o) {
        sqlcache4_prefetch_drop();
        return o > 0 ? 0 : NST_ENOENT;
    }
    int p = sqlcache4_prefetch_take(s, addr, out);
    if (p)
        return p > 0 ? 0 : NST_ENOENT;
    MYSQL_BIND b[1];
    my4_b_u32(&b[0], &addr);
    return one(s, MY4_S_GET_ADDR, b, out);
}

/* Runs one combined client lookup (sqlbatch4) on the calling thread's connection: a single
 * client with the subnet in the statement, several with the statement of the next size up. */
static int lookup_query(void *ctx, sqlbatch4_req_t *const *reqs, size_t n)
{
    my4_t *s = ctx;
    MYSQL_BIND p[3 * SQLBATCH4_MAX];
    unsigned long len[2 * SQLBATCH4_MAX];
    uint32_t addr[SQLBATCH4_MAX], sub = reqs[0]->key.subnet_id;
    MYSQL_STMT *stmt;
    if (n == 1) {
        const sqlcache4_key_t *k = &reqs[0]->key;
        len[0] = k->cidlen;
        len[1] = k->hwlen;
        addr[0] = reqs[0]->also_addr;
        MYSQL_BIND *q = p;
        if (k->cidlen) {
            my4_b_bytes(q++, MYSQL_TYPE_BLOB, k->cid, &len[0]);
            my4_b_u32(q++, &sub);
        }
        my4_b_bytes(q++, MYSQL_TYPE_BLOB, k->hw, &len[1]); /* NULL: matches nothing */
        my4_b_u32(q++, &sub);
        my4_b_u32(q, &addr[0]);
        if (!addr[0])
            q->buffer_type = MYSQL_TYPE_NULL;
        stmt = run(s, k->cidlen ? MY4_S_GET_CLIENT : MY4_S_GET_CLIENT_HW, p);
    } else {
        size_t b = 0;
        while (batch_size[b] < n)
            b++;
        size_t k = batch_size[b];
        for (size_t i = 0; i < k; i++) {
            const sqlcache4_key_t *key = i < n ? &reqs[i]->key : NULL;
            len[i] = key ? key->cidlen : 0;
            len[k + i] = key ? key->hwlen : 0;
            addr[i] = key ? reqs[i]->also_addr : 0;
            my4_b_bytes(&p[i], MYSQL_TYPE_BLOB, len[i] ? key->cid : NULL, &len[i]);
            my4_b_bytes(&p[k + i], MYSQL_TYPE_BLOB, len[k + i] ? key->hw : NULL, &len[k + i]);
            my4_b_u32(&p[2 * k + i], &addr[i]);
            if (!addr[i])
                p[2 * k + i].buffer_type = MYSQL_TYPE_NULL;
        }
        stmt = run(s, (enum my4_stmt)(MY4_S_BATCH2 + b), p);
    }
    if (!stmt)
        return NST_EIO;
    row_t r;
    int got = row_bind(stmt, &r) ? NST_EIO : 1;
    lease_t l;
    while (got == 1 && (got = next_row(s, stmt, &r, &l)) == 1) {
        sqlbatch4_row(reqs, n, &l);
        lease_free(&l);
    }
    mysql_stmt_free_result(stmt);
    return got < 0 ? NST_EIO : 0;
}

static int get4_by_hw(lease_store_t *st, const uint8_t *hw, size_t hwlen, lease_list_t *out)
{
    unsigned long len = hwlen;
    MYSQL_BIND p[1];
    my4_b_bytes(&p[0], MYSQL_TYPE_BLOB, hw, &len);
    return many(S(st), MY4_S_GET_HW, p, out);
}

static int get4_by_cid(lease_store_t *st, const uint8_t *cid, size_t n, lease_list_t *out)
{
    unsigned long len = n;
    MYSQL_BIND p[1];
    my4_b_bytes(&p[0], MYSQL_TYPE_BLOB, cid, &len);
    return many(S(st), MY4_S_GET_CID, p, out);
}

static int get4_by_hostname(lease_store_t *st, const char *hostname, lease_list_t *out)
{
    unsigned long len = strlen(hostname);
    MYSQL_BIND p[1];
    my4_b_bytes(&p[0], MYSQL_TYPE_STRING, hostname, &len);
    return many(S(st), MY4_S_GET_HOST, p, out);
}

static int get4_all(lease_store_t *st, uint32_t subnet_id, lease_list_t *out)
{
    if (!subnet_id)
        return many(S(st), MY4_S_GET_ALL, NULL, out);
    MYSQL_BIND p[1];
    my4_b_u32(&p[0], &subnet_id);
    return many(S(st), MY4_S_GET_SUB, p, out);
}

static int get4_page(lease_store_t *st, uint32_t after, size_t limit, lease_list_t *out)
{
    if (!limit)
        return NST_EINVAL;
    uint64_t n = limit;
    MYSQL_BIND p[2];
    my4_b_u32(&p[0], &after);
    my4_b_u64(&p[1], &n);
    return many(S(st), MY4_S_GET_PAGE, p, out);
}

/* A TIMESTAMP parameter for a time bound, clamped to the range of the type. */
static void bound_time(int64_t t, MYSQL_TIME *out)
{
    myconn_to_time(t < 1 ? 1 : t > MYCONN_MAX_TIME ? MYCONN_MAX_TIME : t, out);
}

static int get4_expired(lease_store_t *st, int64_t now, size_t max, lease_list_t *out)
{
    MYSQL_TIME t;
    bound_time(now, &t);
    uint64_t n = max ? (uint64_t)max : UINT64_MAX;
    MYSQL_BIND p[2];
    my4_b_time(&p[0], &t);
    my4_b_u64(&p[1], &n);
    /* reclamation runs on the main loop: it does not wait for the queue, which the overlay adds */
    lease_list_t got = {0};
    int r = fetch_now(S(st), MY4_S_GET_EXP, p, &got);
    overlay4_expired(&S(st)->ov, &got, now, max);
    for (size_t i = 0; i < got.count; i++)
        lease_list_push(out, &got.items[i]);
    lease_list_free(&got);
    return r;
}

/* Runs a statement that changes rows; *removed (may be NULL) gets how many. */
static int affected_now(my4_t *s, enum my4_stmt k, MYSQL_BIND *params, size_t *removed)
{
    MYSQL_STMT *st = run(s, k, params);
    if (!st)
        return NST_EIO;
    if (removed)
        *removed = (size_t)mysql_stmt_affected_rows(st);
    return 0;
}

/* The same once every queued write is committed (control commands). */
static int affected(my4_t *s, enum my4_stmt k, MYSQL_BIND *params, size_t *removed)
{
    my4_flush(&s->sql.base);
    return affected_now(s, k, params, removed);
}

/* Runs on the main loop: does not wait for the queue, leaves the addresses with queued writes. */
static int delete_reclaimed4(lease_store_t *st, int64_t now, uint32_t secs, size_t *removed)
{
    my4_t *s = S(st);
    MYSQL_TIME t;
    bound_time(now - secs, &t);
    char *queued = overlay4_queued_list(&s->ov, "", "");
    unsigned long len = strlen(queued);
    MYSQL_BIND p[2];
    my4_b_time(&p[0], &t);
    my4_b_bytes(&p[1], MYSQL_TYPE_STRING, queued, &len);
    int r = affected_now(s, MY4_S_DEL_RECL, p, removed);
    free(queued);
    return r;
}

static int wipe4(lease_store_t *st, uint32_t subnet_id, size_t *removed)
{
    if (!subnet_id)
        return affected(S(st), MY4_S_WIPE_ALL, NULL, removed);
    MYSQL_BIND p[1];
    my4_b_u32(&p[0], &subnet_id);
    return affected(S(st), MY4_S_WIPE_SUB, p, removed);
}

/* lease4_stat as the database has it (queued writes not waited for). */
static int counts_db(void *ctx, lease_subnet_counts_t **out, size_t *n)
{
    my4_t *s = ctx;
    *out = NULL;
    *n = 0;
    MYSQL_STMT *stmt = run(s, MY4_S_COUNTS, NULL);
    if (!stmt)
        return NST_EIO;
    uint32_t sub = 0, state = 0;
    int64_t leases = 0;
    my_bool nul[3];
    MYSQL_BIND b[3];
    my4_b_u32(&b[0], &sub);
    my4_b_u32(&b[1], &state);
    memset(&b[2], 0, sizeof b[2]);
    b[2].buffer_type = MYSQL_TYPE_LONGLONG;
    b[2].buffer = &leases;
    for (int i = 0; i < 3; i++)
        b[i].is_null = &nul[i];
    size_t rows = (size_t)mysql_stmt_num_rows(stmt);
    lease_subnet_counts_t *c = xcalloc(rows + 1, sizeof *c);
    size_t k = 0;
    int f = mysql_stmt_bind_result(stmt, b) ? 1 : 0;
    while (!f && k <= rows && (f = mysql_stmt_fetch(stmt)) == 0) {
        if (nul[0] || nul[1] || nul[2])
            continue;
        if (!k || c[k - 1].subnet_id != sub)
            c[k++].subnet_id = sub;
        if (state == LEASE_STATE_DEFAULT)
            c[k - 1].assigned = leases > 0 ? (uint64_t)leases : 0;
        else
            c[k - 1].declined = leases > 0 ? (uint64_t)leases : 0;
    }
    mysql_stmt_free_result(stmt);
    if (f == 1) {
        free(c);
        return NST_EIO;
    }
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
    my4_t *s = S(st);
    MYSQL *c = NULL;
    int r = myconn_open(&s->db, &c, err, errlen);
    if (c)
        mysql_close(c);
    if (r == 0)
        atomic_store(&s->is_lost, false); /* threads reconnect their own connections on next use */
    return r;
}

static void close_store(lease_store_t *st)
{
    my4_t *s = S(st);
    my4_writer_stop(s);
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

static const sqlstore_v4_t my4_v4 = {SQLSTORE_V4_STATEMENTS};

static const lease_store_ops_t my4_ops = {
    .type = "mysql",
    .add = my4_add,
    .update = my4_update,
    .del = my4_del,
    SQLSTORE_KEYED_OPS,
    .flush = my4_flush,
    .backlog_ms = my4_backlog_ms,
    .reconnect = reconnect,
    .tick = tick,
    .close = close_store,
};

int mysql4_open(const mysql4_config_t *cfg, lease_store_t **out, char *err, size_t errlen)
{
    *out = NULL;
    my4_t *s = xcalloc(1, sizeof *s);
    s->sql.base.ops = &my4_ops;
    s->sql.v4 = &my4_v4;
    s->sql.lookups4 = &s->sb;
    cfg_db_copy(&s->db, cfg->db);
    s->report = cfg->report;
    s->report_arg = cfg->report_arg;
    s->lost = cfg->lost;
    s->lost_arg = cfg->lost_arg;
    sqlconns_init(&s->conns, sizeof(my4_conn_t), conn_close);
    pthread_mutex_init(&s->lock, NULL);
    overlay4_init(&s->ov, &s->lock);
    sqlcache4_init(&s->recent);
    sqlbatch4_init(&s->lookups);
    s->sb = (sqlbatch4_store_t){s, &s->lookups, &s->recent, &s->ov, lookup_query, s};
    pthread_cond_init(&s->qcond, NULL);
    pthread_cond_init(&s->idle, NULL);
    s->qtail = &s->qhead;
    int r = my4_writer_start(s, cfg->allow_offline, err, errlen);
    if (r) {
        close_store(&s->sql.base);
        return r;
    }
    *out = &s->sql.base;
    return 0;
}

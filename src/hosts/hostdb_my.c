/* Host reservations in MySQL / MariaDB (Kea 2.2 schema 14.0): per-thread connections with
 * prepared statements (see hostdb.h for the contract). */
#include <errmsg.h>
#include <mysqld_error.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "db/myconn.h"
#include "hosts/hostdb.h"

/* Host columns, then its options (LEFT JOIN: one row per option, NULLs when none). */
#define COLS "SELECT h.host_id, h.dhcp_identifier, h.dhcp_identifier_type, h.dhcp4_subnet_id, " \
             "h.ipv4_address, h.hostname, h.dhcp4_client_classes, h.dhcp4_next_server, " \
             "h.dhcp4_server_hostname, h.dhcp4_boot_file_name, h.user_context, o.option_id, o.code, " \
             "o.value, o.formatted_value, o.space, o.persistent, o.user_context "
#define JOIN " LEFT JOIN dhcp4_options AS o ON o.host_id = h.host_id "
#define ORDER " ORDER BY h.host_id, o.option_id"
#define SEL COLS "FROM hosts AS h" JOIN "WHERE "
#define NCOLS 18

enum {
    C_HOST_ID, C_ID, C_ID_TYPE, C_SUBNET, C_ADDR, C_HOSTNAME, C_CLASSES, C_NEXT_SERVER, C_SNAME, C_FILE,
    C_CONTEXT, C_OPT_ID, C_OPT_CODE, C_OPT_VALUE, C_OPT_FORMATTED, C_OPT_SPACE, C_OPT_PERSISTENT,
    C_OPT_CONTEXT,
};

#define HOST_INSERT_COLS "INSERT INTO hosts (dhcp_identifier, dhcp_identifier_type, dhcp4_subnet_id, " \
    "dhcp6_subnet_id, ipv4_address, hostname, dhcp4_client_classes, dhcp6_client_classes, user_context, " \
    "dhcp4_next_server, dhcp4_server_hostname, dhcp4_boot_file_name, auth_key) "

enum stmt {
    S_ID, S_CLIENT, S_ADDR, S_SUB, S_PAGE_SUB, S_PAGE, S_NAME, S_NAME_SUB, S_IDENT,
    S_INS, S_INS_UNIQ, S_INS_OPT, S_DEL_ID, S_DEL_ADDR, S_COUNT,
    S_FIRST_WRITE = S_INS,
};

static const char *const stmts[S_COUNT] = {
    [S_ID] = SEL "h.dhcp4_subnet_id = ? AND h.dhcp_identifier_type = ? AND h.dhcp_identifier = ?" ORDER,
    /* Every host of a subnet matching one of the client's identifiers (a NULL parameter matches
     * nothing): the host manager picks among them in host-reservation-identifiers order. */
    [S_CLIENT] = SEL "h.dhcp4_subnet_id = ? AND ("
                 "(h.dhcp_identifier_type = 0 AND h.dhcp_identifier = ?) OR "
                 "(h.dhcp_identifier_type = 1 AND h.dhcp_identifier = ?) OR "
                 "(h.dhcp_identifier_type = 2 AND h.dhcp_identifier = ?) OR "
                 "(h.dhcp_identifier_type = 3 AND h.dhcp_identifier = ?) OR "
                 "(h.dhcp_identifier_type = 4 AND h.dhcp_identifier = ?))" ORDER,
    [S_ADDR] = SEL "h.dhcp4_subnet_id = ? AND h.ipv4_address = ?" ORDER,
    [S_SUB] = SEL "h.dhcp4_subnet_id = ?" ORDER,
    [S_PAGE_SUB] = COLS "FROM (SELECT * FROM hosts WHERE dhcp4_subnet_id = ? AND host_id > ? "
                   "ORDER BY host_id LIMIT ?) AS h" JOIN ORDER,
    [S_PAGE] = COLS "FROM (SELECT * FROM hosts WHERE dhcp4_subnet_id IS NOT NULL AND host_id > ? "
               "ORDER BY host_id LIMIT ?) AS h" JOIN ORDER,
    /* case-insensitive through the column's collation, as Kea relies on */
    [S_NAME] = SEL "h.hostname = ? AND h.dhcp4_subnet_id IS NOT NULL" ORDER,
    [S_NAME_SUB] = SEL "h.hostname = ? AND h.dhcp4_subnet_id = ?" ORDER,
    [S_IDENT] = SEL "h.dhcp_identifier_type = ? AND h.dhcp_identifier = ? AND h.dhcp4_subnet_id IS NOT NULL" ORDER,
    [S_INS] = HOST_INSERT_COLS "VALUES (?, ?, ?, NULL, ?, ?, ?, '', ?, ?, ?, ?, NULL)",
    /* ip-reservations-unique: no second reservation of one address in a subnet. */
    [S_INS_UNIQ] = HOST_INSERT_COLS "SELECT ?, ?, ?, NULL, ?, ?, ?, '', ?, ?, ?, ?, NULL FROM DUAL WHERE NOT "
                   "EXISTS (SELECT 1 FROM hosts WHERE dhcp4_subnet_id = ? AND ipv4_address = ? LIMIT 1)",
    [S_INS_OPT] = ("INSERT INTO dhcp4_options (code, value, formatted_value, space, persistent, user_context, "
                   "host_id, scope_id) VALUES (?, ?, ?, 'dhcp4', ?, ?, ?, 3)"),
    [S_DEL_ID] = "DELETE FROM hosts WHERE dhcp4_subnet_id = ? AND dhcp_identifier_type = ? AND dhcp_identifier = ?",
    [S_DEL_ADDR] = "DELETE FROM hosts WHERE dhcp4_subnet_id = ? AND ipv4_address = ?",
};

typedef struct my_conn {
    MYSQL *my;
    MYSQL_STMT *st[S_COUNT];
    int64_t retry_at_ms;
    struct my_conn *next;
} my_conn_t;

typedef struct hostdb_my {
    hostdb_t base;
    cfg_db_t db;
    pthread_key_t key;
    pthread_mutex_t lock;
    my_conn_t *conns;
} hostdb_my_t;

static hostdb_my_t *S(hostdb_t *db) { return (hostdb_my_t *)db; }

static void disconnect(my_conn_t *c)
{
    for (int i = 0; i < S_COUNT; i++)
        if (c->st[i]) {
            mysql_stmt_close(c->st[i]);
            c->st[i] = NULL;
        }
    if (c->my)
        mysql_close(c->my);
    c->my = NULL;
}

static int connect_conn(hostdb_my_t *s, my_conn_t *c, char *err, size_t errlen)
{
    disconnect(c);
    int r = myconn_open(&s->db, &c->my, err, errlen);
    if (r)
        return r;
    for (int i = 0; i < S_COUNT; i++) {
        if (i >= S_FIRST_WRITE && s->db.readonly)
            continue; /* a read-only database never sees a write statement */
        c->st[i] = mysql_stmt_init(c->my);
        if (!c->st[i] || mysql_stmt_prepare(c->st[i], stmts[i], strlen(stmts[i]))) {
            char e[256];
            myconn_error(c->my, c->st[i], e, sizeof e);
            snprintf(err, errlen, "preparing a statement: %s", e);
            disconnect(c);
            return NST_EIO;
        }
    }
    return 0;
}

/* The calling thread's connection, opened on first use or after a loss; NULL with the error set. */
static my_conn_t *conn(hostdb_my_t *s)
{
    my_conn_t *c = pthread_getspecific(s->key);
    if (!c) {
        c = xcalloc(1, sizeof *c);
        pthread_setspecific(s->key, c);
        pthread_mutex_lock(&s->lock);
        c->next = s->conns;
        s->conns = c;
        pthread_mutex_unlock(&s->lock);
    }
    if (c->my)
        return c;
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
    if (connect_conn(s, c, err, sizeof err)) {
        c->retry_at_ms = now + (s->db.reconnect_wait_time ? s->db.reconnect_wait_time : 1000);
        hostdb_report(&s->base, 3, "HOSTS_MYSQL_CONNECT_FAILED", "cannot connect to the hosts database (%s): %s",
                      s->base.desc, err);
        hostdb_fail(NST_EIO, "cannot connect to the hosts database (%s): %s", s->base.desc, err);
        hostdb_set_lost(&s->base);
        return NULL;
    }
    return c;
}

/* Runs statement k with params; a result set is stored on the client side. NULL on failure (error
 * set, *code NST_EEXIST for a duplicate key, else NST_EIO). A dead connection is replaced once. */
static MYSQL_STMT *run_code(hostdb_my_t *s, enum stmt k, MYSQL_BIND *params, int *code)
{
    if (code)
        *code = NST_EIO;
    for (int attempt = 0; attempt < 2; attempt++) {
        my_conn_t *c = conn(s);
        if (!c)
            return NULL;
        MYSQL_STMT *st = c->st[k];
        if (!st) {
            hostdb_fail(NST_EIO, "hosts database (%s): statement not prepared", s->base.desc);
            return NULL;
        }
        if (!(params && mysql_stmt_bind_param(st, params)) && !mysql_stmt_execute(st) &&
            !(mysql_stmt_field_count(st) && mysql_stmt_store_result(st)))
            return st;
        char e[256];
        myconn_error(c->my, st, e, sizeof e);
        unsigned no = mysql_stmt_errno(st);
        if (no == ER_DUP_ENTRY) {
            if (code)
                *code = NST_EEXIST;
            hostdb_fail(NST_EEXIST, "%s", e);
            return NULL;
        }
        bool lost = myconn_lost(no);
        hostdb_report(&s->base, 3, lost ? "HOSTS_MYSQL_CONNECTION_LOST" : "HOSTS_MYSQL_QUERY_FAILED",
                      "hosts database (%s): statement %d failed: %s", s->base.desc, (int)k, e);
        hostdb_fail(NST_EIO, "hosts database (%s): %s", s->base.desc, e);
        if (!lost)
            return NULL;
        disconnect(c);
    }
    return NULL;
}

static MYSQL_STMT *run(hostdb_my_t *s, enum stmt k, MYSQL_BIND *params)
{
    return run_code(s, k, params, NULL);
}

/* ---- parameters ------------------------------------------------------------------------------ */

static void p_u64(MYSQL_BIND *b, const uint64_t *v)
{
    memset(b, 0, sizeof *b);
    b->buffer_type = MYSQL_TYPE_LONGLONG;
    b->buffer = (void *)v;
    b->is_unsigned = 1;
}

/* Bytes (NULL: SQL NULL). lens must live until execution. */
static void p_bytes(MYSQL_BIND *b, enum enum_field_types type, const void *v, unsigned long *len)
{
    memset(b, 0, sizeof *b);
    if (!v) {
        b->buffer_type = MYSQL_TYPE_NULL;
        return;
    }
    b->buffer_type = type;
    b->buffer = (void *)v;
    b->buffer_length = *len;
    b->length = len;
}

/* ---- results --------------------------------------------------------------------------------- */

typedef struct row {
    MYSQL_BIND b[NCOLS];
    uint64_t num[NCOLS];          /* integer columns */
    uint8_t id[CFG_HOST_ID_MAX + 1];
    unsigned long len[NCOLS];
    my_bool nul[NCOLS];
} row_t;

static bool is_int_col(int i)
{
    return i == C_HOST_ID || i == C_ID_TYPE || i == C_SUBNET || i == C_ADDR || i == C_NEXT_SERVER ||
           i == C_OPT_ID || i == C_OPT_CODE || i == C_OPT_PERSISTENT;
}

static int row_bind(MYSQL_STMT *st, row_t *r)
{
    memset(r, 0, sizeof *r);
    for (int i = 0; i < NCOLS; i++) {
        MYSQL_BIND *b = &r->b[i];
        if (is_int_col(i)) {
            b->buffer_type = MYSQL_TYPE_LONGLONG;
            b->buffer = &r->num[i];
            b->is_unsigned = i != C_ID_TYPE;
        } else if (i == C_ID) {
            b->buffer_type = MYSQL_TYPE_BLOB;
            b->buffer = r->id;
            b->buffer_length = sizeof r->id;
        } else {
            b->buffer_type = MYSQL_TYPE_BLOB; /* text and blobs: fetched by column once the length is known */
        }
        b->is_null = &r->nul[i];
        b->length = &r->len[i];
    }
    return mysql_stmt_bind_result(st, r->b) ? NST_EIO : 0;
}

/* A text/blob column of the current row (NUL-terminated copy), NULL when SQL NULL or empty. */
static char *col_bytes(MYSQL_STMT *st, row_t *r, unsigned col, size_t *len)
{
    *len = 0;
    if (r->nul[col] || !r->len[col])
        return NULL;
    unsigned long n = r->len[col], got = 0;
    char *buf = xmalloc(n + 1);
    MYSQL_BIND b;
    memset(&b, 0, sizeof b);
    b.buffer_type = MYSQL_TYPE_BLOB;
    b.buffer = buf;
    b.buffer_length = n;
    b.length = &got;
    if (mysql_stmt_fetch_column(st, &b, col, 0)) {
        free(buf);
        return NULL;
    }
    *len = got < n ? got : n;
    buf[*len] = 0;
    return buf;
}

static char *col_text(MYSQL_STMT *st, row_t *r, unsigned col)
{
    size_t n;
    return col_bytes(st, r, col, &n);
}

static hostdb_host4_t *decode_host(hostdb_my_t *s, MYSQL_STMT *st, row_t *r)
{
    int64_t type = (int64_t)r->num[C_ID_TYPE];
    unsigned long idlen = r->len[C_ID];
    if (r->nul[C_ID] || type < 0 || type >= HOST_ID__COUNT || idlen == 0 || idlen > CFG_HOST_ID_MAX) {
        hostdb_report(&s->base, 2, "HOSTS_BAD_ROW", "hosts database %s: host %llu has an unusable identifier "
                      "(type %lld, %lu bytes); skipped", s->base.desc, (unsigned long long)r->num[C_HOST_ID],
                      (long long)type, idlen);
        return NULL;
    }
    hostdb_host4_t *h = hostdb_host4_new();
    h->host_id = r->num[C_HOST_ID];
    h->h.id_type = (uint8_t)type;
    h->h.id_len = (uint8_t)idlen;
    memcpy(h->h.id, r->id, idlen);
    h->h.subnet_id = r->nul[C_SUBNET] ? 0 : (uint32_t)r->num[C_SUBNET];
    h->h.ipv4 = r->nul[C_ADDR] ? 0 : (uint32_t)r->num[C_ADDR];
    h->h.next_server = r->nul[C_NEXT_SERVER] ? 0 : (uint32_t)r->num[C_NEXT_SERVER];
    h->h.hostname = col_text(st, r, C_HOSTNAME);
    h->h.server_hostname = col_text(st, r, C_SNAME);
    h->h.boot_file_name = col_text(st, r, C_FILE);
    char *classes = col_text(st, r, C_CLASSES);
    hostdb_host4_set_classes(h, classes);
    free(classes);
    char *ctx = col_text(st, r, C_CONTEXT);
    if (ctx && hostdb_context_ok(&s->base, ctx))
        h->user_context = ctx;
    else
        free(ctx);
    return h;
}

/* Appends the hosts of a stored result (rows ordered by host, then option) to out. */
static int decode_hosts(hostdb_my_t *s, MYSQL_STMT *st, hostdb_list_t *out)
{
    row_t r;
    if (row_bind(st, &r))
        return hostdb_fail(NST_EIO, "hosts database (%s): cannot bind the result", s->base.desc);
    uint64_t cur_id = 0, last_opt = 0;
    bool have_cur = false;
    hostdb_host4_t *cur = NULL;
    int f;
    while ((f = mysql_stmt_fetch(st)) == 0 || f == MYSQL_DATA_TRUNCATED) {
        if (!have_cur || r.num[C_HOST_ID] != cur_id) {
            have_cur = true;
            cur_id = r.num[C_HOST_ID];
            last_opt = 0;
            cur = decode_host(s, st, &r);
            if (cur)
                hostdb_list_push(out, cur);
        }
        if (!cur || r.nul[C_OPT_ID] || r.num[C_OPT_ID] <= last_opt)
            continue;
        last_opt = r.num[C_OPT_ID];
        size_t vlen;
        char *value = col_bytes(st, &r, C_OPT_VALUE, &vlen);
        char *fmt = col_text(st, &r, C_OPT_FORMATTED), *space = col_text(st, &r, C_OPT_SPACE);
        char *uc = col_text(st, &r, C_OPT_CONTEXT);
        hostdb_decode_option(&s->base, cur, r.nul[C_OPT_CODE] ? -1 : (int)r.num[C_OPT_CODE], (const uint8_t *)value,
                             vlen, fmt, space, !r.nul[C_OPT_PERSISTENT] && r.num[C_OPT_PERSISTENT], uc);
        free(value);
        free(fmt);
        free(space);
        free(uc);
    }
    mysql_stmt_free_result(st);
    if (f != MYSQL_NO_DATA)
        return hostdb_fail(NST_EIO, "hosts database (%s): fetching rows: %s", s->base.desc, mysql_stmt_error(st));
    return 0;
}

static int many(hostdb_my_t *s, enum stmt k, MYSQL_BIND *params, hostdb_list_t *out)
{
    MYSQL_STMT *st = run(s, k, params);
    if (!st)
        return NST_EIO;
    return decode_hosts(s, st, out);
}

static int one(hostdb_my_t *s, enum stmt k, MYSQL_BIND *params, hostdb_host4_t **out)
{
    hostdb_list_t l = {0};
    int r = many(s, k, params, &l);
    if (r == 0 && !l.count)
        r = NST_ENOENT;
    if (r == 0)
        *out = l.items[0];
    for (size_t i = r == 0 ? 1 : 0; i < l.count; i++)
        hostdb_host4_free(l.items[i]);
    free(l.items);
    return r;
}

/* ---- operations ------------------------------------------------------------------------------ */

static int get4_by_id(hostdb_t *db, uint32_t subnet_id, uint8_t id_type, const uint8_t *id, size_t len,
                      hostdb_host4_t **out)
{
    uint64_t sub = subnet_id, type = id_type;
    unsigned long l = len;
    MYSQL_BIND p[3];
    p_u64(&p[0], &sub);
    p_u64(&p[1], &type);
    p_bytes(&p[2], MYSQL_TYPE_BLOB, id, &l);
    return one(S(db), S_ID, p, out);
}

static int get4_client(hostdb_t *db, uint32_t subnet_id, const hostdb_id_t *ids, size_t n, hostdb_list_t *out)
{
    uint64_t sub = subnet_id;
    const uint8_t *v[HOST_ID__COUNT] = {NULL};
    unsigned long l[HOST_ID__COUNT] = {0};
    bool any = false;
    for (size_t i = 0; i < n; i++) {
        if (ids[i].type >= HOST_ID__COUNT || !ids[i].len)
            continue;
        v[ids[i].type] = ids[i].bytes;
        l[ids[i].type] = ids[i].len;
        any = true;
    }
    if (!any)
        return 0;
    MYSQL_BIND p[1 + HOST_ID__COUNT];
    p_u64(&p[0], &sub);
    for (int t = 0; t < HOST_ID__COUNT; t++)
        p_bytes(&p[1 + t], MYSQL_TYPE_BLOB, v[t], &l[t]);
    return many(S(db), S_CLIENT, p, out);
}

static int get4_by_addr(hostdb_t *db, uint32_t subnet_id, uint32_t addr, hostdb_host4_t **out)
{
    uint64_t sub = subnet_id, a = addr;
    MYSQL_BIND p[2];
    p_u64(&p[0], &sub);
    p_u64(&p[1], &a);
    return one(S(db), S_ADDR, p, out);
}

static int get4_all(hostdb_t *db, uint32_t subnet_id, hostdb_list_t *out)
{
    uint64_t sub = subnet_id;
    MYSQL_BIND p[1];
    p_u64(&p[0], &sub);
    return many(S(db), S_SUB, p, out);
}

static int get4_page(hostdb_t *db, bool any_subnet, uint32_t subnet_id, uint64_t after, size_t limit,
                     hostdb_list_t *out)
{
    uint64_t sub = subnet_id, from = after, lim = limit;
    MYSQL_BIND p[3];
    if (any_subnet) {
        p_u64(&p[0], &from);
        p_u64(&p[1], &lim);
        return many(S(db), S_PAGE, p, out);
    }
    p_u64(&p[0], &sub);
    p_u64(&p[1], &from);
    p_u64(&p[2], &lim);
    return many(S(db), S_PAGE_SUB, p, out);
}

static int get4_by_hostname(hostdb_t *db, const char *lower, bool any_subnet, uint32_t subnet_id,
                            hostdb_list_t *out)
{
    uint64_t sub = subnet_id;
    unsigned long l = strlen(lower);
    MYSQL_BIND p[2];
    p_bytes(&p[0], MYSQL_TYPE_STRING, lower, &l);
    p_u64(&p[1], &sub);
    return many(S(db), any_subnet ? S_NAME : S_NAME_SUB, p, out);
}

static int get4_by_ident(hostdb_t *db, uint8_t id_type, const uint8_t *id, size_t len, hostdb_list_t *out)
{
    uint64_t type = id_type;
    unsigned long l = len;
    MYSQL_BIND p[2];
    p_u64(&p[0], &type);
    p_bytes(&p[1], MYSQL_TYPE_BLOB, id, &l);
    return many(S(db), S_IDENT, p, out);
}

static int exec_simple(hostdb_my_t *s, const char *sql)
{
    my_conn_t *c = conn(s);
    if (!c)
        return NST_EIO;
    if (mysql_query(c->my, sql)) {
        char e[256];
        myconn_error(c->my, NULL, e, sizeof e);
        return hostdb_fail(NST_EIO, "hosts database (%s): %s: %s", s->base.desc, sql, e);
    }
    return 0;
}

static int add_options(hostdb_my_t *s, const hostdb_host4_t *h, uint64_t host_id)
{
    for (size_t i = 0; i < h->h.options.count; i++) {
        const cfg_option_t *o = &h->h.options.items[i];
        const hostdb_optx_t *x = h->optx ? &h->optx[i] : NULL;
        const char *fmt = x && x->formatted ? x->formatted : NULL;
        const char *ctx = x && x->user_context ? x->user_context : NULL;
        uint64_t code = o->code, persistent = o->always_send, hid = host_id;
        unsigned long vl = o->len, fl = fmt ? strlen(fmt) : 0, cl = ctx ? strlen(ctx) : 0;
        MYSQL_BIND p[6];
        p_u64(&p[0], &code);
        /* As Kea: the csv text when the option was given that way, else its wire bytes. */
        p_bytes(&p[1], MYSQL_TYPE_BLOB, !fmt && o->len ? o->data : NULL, &vl);
        p_bytes(&p[2], MYSQL_TYPE_STRING, fmt, &fl);
        p_u64(&p[3], &persistent);
        p_bytes(&p[4], MYSQL_TYPE_STRING, ctx, &cl);
        p_u64(&p[5], &hid);
        if (!run(s, S_INS_OPT, p))
            return NST_EIO;
    }
    return 0;
}

static int add4(hostdb_t *db, const hostdb_host4_t *h)
{
    hostdb_my_t *s = S(db);
    if (exec_simple(s, "START TRANSACTION"))
        return NST_EIO;
    uint64_t type = h->h.id_type, sub = h->h.subnet_id, addr = h->h.ipv4, ns = h->h.next_server;
    char *classes = hostdb_host4_classes_text(h);
    const char *hn = h->h.hostname ? h->h.hostname : "";
    const char *sn = h->h.server_hostname ? h->h.server_hostname : "";
    const char *bf = h->h.boot_file_name ? h->h.boot_file_name : "";
    unsigned long idl = h->h.id_len, hnl = strlen(hn), cll = strlen(classes),
                  ucl = h->user_context ? strlen(h->user_context) : 0, snl = strlen(sn), bfl = strlen(bf);
    MYSQL_BIND p[12];
    p_bytes(&p[0], MYSQL_TYPE_BLOB, h->h.id, &idl);
    p_u64(&p[1], &type);
    p_u64(&p[2], &sub);
    p_u64(&p[3], &addr);
    p_bytes(&p[4], MYSQL_TYPE_STRING, hn, &hnl);
    p_bytes(&p[5], MYSQL_TYPE_STRING, classes, &cll);
    p_bytes(&p[6], MYSQL_TYPE_STRING, h->user_context, &ucl);
    p_u64(&p[7], &ns);
    p_bytes(&p[8], MYSQL_TYPE_STRING, sn, &snl);
    p_bytes(&p[9], MYSQL_TYPE_STRING, bf, &bfl);
    p_u64(&p[10], &sub);
    p_u64(&p[11], &addr);
    int rc = 0;
    MYSQL_STMT *st = run_code(s, h->h.ipv4 ? S_INS_UNIQ : S_INS, p, &rc);
    free(classes);
    if (!st) {
        if (rc == NST_EEXIST)
            hostdb_fail(rc, "a reservation for this %s already exists in subnet %u of the hosts database (%s)",
                        cfg_host_id_name(h->h.id_type), h->h.subnet_id, s->base.desc);
    } else if (mysql_stmt_affected_rows(st) != 1) {
        char ip[16];
        uint32_t a = h->h.ipv4;
        snprintf(ip, sizeof ip, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
        rc = hostdb_fail(NST_EEXIST, "address %s is already reserved in subnet %u of the hosts database (%s)",
                         ip, h->h.subnet_id, s->base.desc);
    } else {
        rc = add_options(s, h, mysql_stmt_insert_id(st));
    }
    if (rc) {
        my_conn_t *c = conn(s);
        if (c)
            mysql_query(c->my, "ROLLBACK");
        return rc;
    }
    return exec_simple(s, "COMMIT");
}

static int deleted(hostdb_my_t *s, enum stmt k, MYSQL_BIND *params)
{
    MYSQL_STMT *st = run(s, k, params);
    if (!st)
        return NST_EIO;
    return mysql_stmt_affected_rows(st) > 0;
}

static int del4_by_id(hostdb_t *db, uint32_t subnet_id, uint8_t id_type, const uint8_t *id, size_t len)
{
    uint64_t sub = subnet_id, type = id_type;
    unsigned long l = len;
    MYSQL_BIND p[3];
    p_u64(&p[0], &sub);
    p_u64(&p[1], &type);
    p_bytes(&p[2], MYSQL_TYPE_BLOB, id, &l);
    return deleted(S(db), S_DEL_ID, p);
}

static int del4_by_addr(hostdb_t *db, uint32_t subnet_id, uint32_t addr)
{
    uint64_t sub = subnet_id, a = addr;
    MYSQL_BIND p[2];
    p_u64(&p[0], &sub);
    p_u64(&p[1], &a);
    return deleted(S(db), S_DEL_ADDR, p);
}

static void close_db(hostdb_t *db)
{
    hostdb_my_t *s = S(db);
    pthread_mutex_lock(&s->lock);
    for (my_conn_t *c = s->conns, *n; c; c = n) {
        n = c->next;
        disconnect(c);
        free(c);
    }
    s->conns = NULL;
    pthread_mutex_unlock(&s->lock);
    pthread_key_delete(s->key);
    pthread_mutex_destroy(&s->lock);
    cfg_db_free(&s->db);
    free(s);
}

static const hostdb_ops_t my_ops = {
    .type = "mysql",
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

int hostdb_my_open(const cfg_db_t *cfg, hostdb_t **out, char *err, size_t errlen)
{
    *out = NULL;
    hostdb_my_t *s = xcalloc(1, sizeof *s);
    s->base.ops = &my_ops;
    cfg_db_copy(&s->db, cfg);
    cfg_db_describe(cfg, s->base.desc, sizeof s->base.desc);
    pthread_key_create(&s->key, NULL);
    pthread_mutex_init(&s->lock, NULL);
    /* Connect now: a bad database fails the configuration. The connection stays the calling
     * thread's. */
    my_conn_t *c = xcalloc(1, sizeof *c);
    char e[512];
    int r = connect_conn(s, c, e, sizeof e);
    if (r) {
        free(c);
        snprintf(err, errlen, "cannot open the hosts database (%s): %s", s->base.desc, e);
        close_db(&s->base);
        return r;
    }
    s->conns = c;
    pthread_setspecific(s->key, c);
    *out = &s->base;
    return 0;
}

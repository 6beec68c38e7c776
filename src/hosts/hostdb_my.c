/* Host reservations in MySQL / MariaDB (Kea 2.2 schema 14.0): the dialect of the SQL hosts
 * backend (hostdb_sql.h): server-side prepared statements and the row codec. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/errcode.h"
#include "common/util.h"
#include "db/sqlsess_my.h"
#include "hosts/hostdb_sql.h"

#define SEL HOSTDB_SEL
#define ORDER HOSTDB_ORDER

static const sqlsess_stmt_t stmts[HOSTDB_NSTMT] = {
    [HOSTDB_S_ID] = {"h4_id", SEL "h.dhcp4_subnet_id = ? AND h.dhcp_identifier_type = ? AND h.dhcp_identifier = ?"
                              ORDER},
    /* Every host of a subnet matching one of the client's identifiers (a NULL parameter matches
     * nothing): the host manager picks among them in host-reservation-identifiers order. */
    [HOSTDB_S_CLIENT] = {"h4_client", SEL "h.dhcp4_subnet_id = ? AND ("
                                      "(h.dhcp_identifier_type = 0 AND h.dhcp_identifier = ?) OR "
                                      "(h.dhcp_identifier_type = 1 AND h.dhcp_identifier = ?) OR "
                                      "(h.dhcp_identifier_type = 2 AND h.dhcp_identifier = ?) OR "
                                      "(h.dhcp_identifier_type = 3 AND h.dhcp_identifier = ?) OR "
                                      "(h.dhcp_identifier_type = 4 AND h.dhcp_identifier = ?))" ORDER},
    [HOSTDB_S_ADDR] = {"h4_addr", SEL "h.dhcp4_subnet_id = ? AND h.ipv4_address = ?" ORDER},
    [HOSTDB_S_SUB] = {"h4_sub", SEL "h.dhcp4_subnet_id = ?" ORDER},
    [HOSTDB_S_PAGE_SUB] = {"h4_page_sub", HOSTDB_COLS "FROM (SELECT * FROM hosts WHERE dhcp4_subnet_id = ? AND "
                                          "host_id > ? ORDER BY host_id LIMIT ?) AS h" HOSTDB_JOIN ORDER},
    [HOSTDB_S_PAGE] = {"h4_page", HOSTDB_COLS "FROM (SELECT * FROM hosts WHERE dhcp4_subnet_id IS NOT NULL AND "
                                  "host_id > ? ORDER BY host_id LIMIT ?) AS h" HOSTDB_JOIN ORDER},
    /* case-insensitive through the column's collation, as Kea relies on */
    [HOSTDB_S_NAME] = {"h4_name", SEL "h.hostname = ? AND h.dhcp4_subnet_id IS NOT NULL" ORDER},
    [HOSTDB_S_NAME_SUB] = {"h4_name_sub", SEL "h.hostname = ? AND h.dhcp4_subnet_id = ?" ORDER},
    [HOSTDB_S_IDENT] = {"h4_ident", SEL "h.dhcp_identifier_type = ? AND h.dhcp_identifier = ? AND "
                                    "h.dhcp4_subnet_id IS NOT NULL" ORDER},
    [HOSTDB_S_INS] = {"h4_ins", HOSTDB_INSERT_COLS "VALUES (?, ?, ?, NULL, ?, ?, ?, '', ?, ?, ?, ?, NULL)", .write = true},
    /* ip-reservations-unique: no second reservation of one address in a subnet. */
    [HOSTDB_S_INS_UNIQ] = {"h4_ins_uniq", HOSTDB_INSERT_COLS "SELECT ?, ?, ?, NULL, ?, ?, ?, '', ?, ?, ?, ?, NULL FROM "
                                          "DUAL WHERE NOT EXISTS (SELECT 1 FROM hosts WHERE dhcp4_subnet_id = ? AND "
                                          "ipv4_address = ? LIMIT 1)", .write = true},
    [HOSTDB_S_INS_OPT] = {"h4_ins_opt", "INSERT INTO dhcp4_options (code, value, formatted_value, space, persistent, "
                                        "user_context, host_id, scope_id) VALUES (?, ?, ?, 'dhcp4', ?, ?, ?, 3)",
                          .write = true},
    [HOSTDB_S_DEL_ID] = {"h4_del_id", "DELETE FROM hosts WHERE dhcp4_subnet_id = ? AND dhcp_identifier_type = ? AND "
                                      "dhcp_identifier = ?", .write = true},
    [HOSTDB_S_DEL_ADDR] = {"h4_del_addr", "DELETE FROM hosts WHERE dhcp4_subnet_id = ? AND ipv4_address = ?",
                           .write = true},
};

typedef struct row {
    MYSQL_BIND b[HOSTDB_NCOLS];
    uint64_t num[HOSTDB_NCOLS];          /* integer columns */
    uint8_t id[CFG_HOST_ID_MAX + 1];
    unsigned long len[HOSTDB_NCOLS];
    my_bool nul[HOSTDB_NCOLS];
} row_t;

static bool is_int_col(int i)
{
    return i == HOSTDB_C_HOST_ID || i == HOSTDB_C_ID_TYPE || i == HOSTDB_C_SUBNET || i == HOSTDB_C_ADDR || i == HOSTDB_C_NEXT_SERVER ||
           i == HOSTDB_C_OPT_ID || i == HOSTDB_C_OPT_CODE || i == HOSTDB_C_OPT_PERSISTENT;
}

static int row_bind(MYSQL_STMT *st, row_t *r)
{
    memset(r, 0, sizeof *r);
    for (int i = 0; i < HOSTDB_NCOLS; i++) {
        MYSQL_BIND *b = &r->b[i];
        if (is_int_col(i)) {
            b->buffer_type = MYSQL_TYPE_LONGLONG;
            b->buffer = &r->num[i];
            b->is_unsigned = i != HOSTDB_C_ID_TYPE;
        } else if (i == HOSTDB_C_ID) {
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

static hostdb_host4_t *decode_host(hostdb_t *db, MYSQL_STMT *st, row_t *r)
{
    int64_t type = (int64_t)r->num[HOSTDB_C_ID_TYPE];
    unsigned long idlen = r->len[HOSTDB_C_ID];
    if (r->nul[HOSTDB_C_ID] || type < 0 || type >= HOST_ID__COUNT || idlen == 0 || idlen > CFG_HOST_ID_MAX) {
        hostdb_report(db, 2, "HOSTS_BAD_ROW", "hosts database %s: host %llu has an unusable identifier "
                      "(type %lld, %lu bytes); skipped", db->desc, (unsigned long long)r->num[HOSTDB_C_HOST_ID],
                      (long long)type, idlen);
        return NULL;
    }
    hostdb_host4_t *h = hostdb_host4_new();
    h->host_id = r->num[HOSTDB_C_HOST_ID];
    h->h.id_type = (uint8_t)type;
    h->h.id_len = (uint8_t)idlen;
    memcpy(h->h.id, r->id, idlen);
    h->h.subnet_id = r->nul[HOSTDB_C_SUBNET] ? 0 : (uint32_t)r->num[HOSTDB_C_SUBNET];
    h->h.ipv4 = r->nul[HOSTDB_C_ADDR] ? 0 : (uint32_t)r->num[HOSTDB_C_ADDR];
    h->h.next_server = r->nul[HOSTDB_C_NEXT_SERVER] ? 0 : (uint32_t)r->num[HOSTDB_C_NEXT_SERVER];
    h->h.hostname = col_text(st, r, HOSTDB_C_HOSTNAME);
    h->h.server_hostname = col_text(st, r, HOSTDB_C_SNAME);
    h->h.boot_file_name = col_text(st, r, HOSTDB_C_FILE);
    char *classes = col_text(st, r, HOSTDB_C_CLASSES);
    hostdb_host4_set_classes(h, classes);
    free(classes);
    char *ctx = col_text(st, r, HOSTDB_C_CONTEXT);
    if (ctx && hostdb_context_ok(db, ctx))
        h->user_context = ctx;
    else
        free(ctx);
    return h;
}

/* Appends the hosts of a stored result (rows ordered by host, then option) to out. */
static int decode_hosts(hostdb_t *db, const sqlres_t *res, hostdb_list_t *out, char *err, size_t errlen)
{
    MYSQL_STMT *st = sqlres_my(res);
    row_t r;
    if (row_bind(st, &r))
        return errf(err, errlen, NST_EIO, "hosts database (%s): cannot bind the result", db->desc);
    uint64_t cur_id = 0, last_opt = 0;
    bool have_cur = false;
    hostdb_host4_t *cur = NULL;
    int f;
    while ((f = mysql_stmt_fetch(st)) == 0 || f == MYSQL_DATA_TRUNCATED) {
        if (!have_cur || r.num[HOSTDB_C_HOST_ID] != cur_id) {
            have_cur = true;
            cur_id = r.num[HOSTDB_C_HOST_ID];
            last_opt = 0;
            cur = decode_host(db, st, &r);
            if (cur)
                hostdb_list_push(out, cur);
        }
        if (!cur || r.nul[HOSTDB_C_OPT_ID] || r.num[HOSTDB_C_OPT_ID] <= last_opt)
            continue;
        last_opt = r.num[HOSTDB_C_OPT_ID];
        size_t vlen;
        char *value = col_bytes(st, &r, HOSTDB_C_OPT_VALUE, &vlen);
        char *fmt = col_text(st, &r, HOSTDB_C_OPT_FORMATTED), *space = col_text(st, &r, HOSTDB_C_OPT_SPACE);
        char *uc = col_text(st, &r, HOSTDB_C_OPT_CONTEXT);
        hostdb_decode_option(db, cur, r.nul[HOSTDB_C_OPT_CODE] ? -1 : (int)r.num[HOSTDB_C_OPT_CODE], (const uint8_t *)value,
                             vlen, fmt, space, !r.nul[HOSTDB_C_OPT_PERSISTENT] && r.num[HOSTDB_C_OPT_PERSISTENT], uc);
        free(value);
        free(fmt);
        free(space);
        free(uc);
    }
    if (f != MYSQL_NO_DATA)
        return errf(err, errlen, NST_EIO, "hosts database (%s): fetching rows: %s", db->desc, mysql_stmt_error(st));
    return 0;
}

const hostdb_dialect_t hostdb_my = {.type = "mysql", .drv = &sqlsess_my, .stmts = stmts, .decode = decode_hosts};

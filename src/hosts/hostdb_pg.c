/* Host reservations in PostgreSQL (Kea 2.2 schema 13.0): the dialect of the SQL hosts backend
 * (hostdb_sql.h): statements with binary parameters and results, and the row codec. */
#include <endian.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "db/sqlsess_pg.h"
#include "hosts/hostdb_sql.h"

#define HOST_PARAMS PG_BYTEAOID, PG_INT2OID, PG_INT8OID, PG_INT8OID, PG_VARCHAROID, PG_VARCHAROID, \
                    PG_TEXTOID, PG_INT8OID, PG_VARCHAROID, PG_VARCHAROID

static const sqlsess_stmt_t stmts[HOSTDB_NSTMT] = {
    [HOSTDB_S_ID] = {"h4_id", HOSTDB_SEL "h.dhcp4_subnet_id = $1 AND h.dhcp_identifier_type = $2 AND "
                              "h.dhcp_identifier = $3" HOSTDB_ORDER, 3, {PG_INT8OID, PG_INT2OID, PG_BYTEAOID}},
    /* Every host of a subnet matching one of the client's identifiers (a NULL parameter matches
     * nothing): the host manager picks among them in host-reservation-identifiers order. */
    [HOSTDB_S_CLIENT] = {"h4_client", HOSTDB_SEL "h.dhcp4_subnet_id = $1 AND ("
                                      "(h.dhcp_identifier_type = 0 AND h.dhcp_identifier = $2) OR "
                                      "(h.dhcp_identifier_type = 1 AND h.dhcp_identifier = $3) OR "
                                      "(h.dhcp_identifier_type = 2 AND h.dhcp_identifier = $4) OR "
                                      "(h.dhcp_identifier_type = 3 AND h.dhcp_identifier = $5) OR "
                                      "(h.dhcp_identifier_type = 4 AND h.dhcp_identifier = $6))" HOSTDB_ORDER,
                         6, {PG_INT8OID, PG_BYTEAOID, PG_BYTEAOID, PG_BYTEAOID, PG_BYTEAOID, PG_BYTEAOID}},
    [HOSTDB_S_ADDR] = {"h4_addr", HOSTDB_SEL "h.dhcp4_subnet_id = $1 AND h.ipv4_address = $2" HOSTDB_ORDER, 2,
                       {PG_INT8OID, PG_INT8OID}},
    [HOSTDB_S_SUB] = {"h4_sub", HOSTDB_SEL "h.dhcp4_subnet_id = $1" HOSTDB_ORDER, 1, {PG_INT8OID}},
    [HOSTDB_S_PAGE_SUB] = {"h4_page_sub", HOSTDB_COLS "FROM (SELECT * FROM hosts WHERE dhcp4_subnet_id = $1 AND "
                                          "host_id > $2 ORDER BY host_id LIMIT $3) AS h" HOSTDB_JOIN HOSTDB_ORDER,
                           3, {PG_INT8OID, PG_INT8OID, PG_INT8OID}},
    [HOSTDB_S_PAGE] = {"h4_page", HOSTDB_COLS "FROM (SELECT * FROM hosts WHERE dhcp4_subnet_id IS NOT NULL AND "
                                  "host_id > $1 ORDER BY host_id LIMIT $2) AS h" HOSTDB_JOIN HOSTDB_ORDER,
                       2, {PG_INT8OID, PG_INT8OID}},
    [HOSTDB_S_NAME] = {"h4_name", HOSTDB_SEL "lower(h.hostname) = $1 AND h.dhcp4_subnet_id IS NOT NULL" HOSTDB_ORDER,
                       1, {PG_VARCHAROID}},
    [HOSTDB_S_NAME_SUB] = {"h4_name_sub", HOSTDB_SEL "lower(h.hostname) = $1 AND h.dhcp4_subnet_id = $2" HOSTDB_ORDER,
                           2, {PG_VARCHAROID, PG_INT8OID}},
    [HOSTDB_S_IDENT] = {"h4_ident", HOSTDB_SEL "h.dhcp_identifier_type = $1 AND h.dhcp_identifier = $2 AND "
                                    "h.dhcp4_subnet_id IS NOT NULL" HOSTDB_ORDER, 2, {PG_INT2OID, PG_BYTEAOID}},
    [HOSTDB_S_INS] = {"h4_ins", HOSTDB_INSERT_COLS "VALUES ($1, $2, $3, NULL, $4, $5, $6, '', $7, $8, $9, $10, NULL) "
                                "RETURNING host_id", 10, {HOST_PARAMS}, true},
    /* ip-reservations-unique: no second reservation of one address in a subnet. */
    [HOSTDB_S_INS_UNIQ] = {"h4_ins_uniq", HOSTDB_INSERT_COLS "SELECT $1, $2, $3, NULL::bigint, $4, $5, $6, '', $7, "
                                          "$8, $9, $10, NULL::varchar WHERE NOT EXISTS (SELECT 1 FROM hosts WHERE "
                                          "dhcp4_subnet_id = $11 AND ipv4_address = $12) RETURNING host_id",
                           12, {HOST_PARAMS, PG_INT8OID, PG_INT8OID}, true},
    [HOSTDB_S_INS_OPT] = {"h4_ins_opt", "INSERT INTO dhcp4_options (code, value, formatted_value, space, persistent, "
                                        "user_context, host_id, scope_id) VALUES ($1, $2, $3, 'dhcp4', $4, $5, $6, 3)",
                          6, {PG_INT2OID, PG_BYTEAOID, PG_TEXTOID, PG_BOOLOID, PG_TEXTOID, PG_INT8OID}, true},
    [HOSTDB_S_DEL_ID] = {"h4_del_id", "DELETE FROM hosts WHERE dhcp4_subnet_id = $1 AND dhcp_identifier_type = $2 AND "
                                      "dhcp_identifier = $3", 3, {PG_INT8OID, PG_INT2OID, PG_BYTEAOID}, true},
    [HOSTDB_S_DEL_ADDR] = {"h4_del_addr", "DELETE FROM hosts WHERE dhcp4_subnet_id = $1 AND ipv4_address = $2", 2,
                           {PG_INT8OID, PG_INT8OID}, true},
};

static int64_t col_int(const PGresult *r, int row, int col)
{
    const char *v = PQgetvalue(r, row, col);
    switch (PQgetlength(r, row, col)) {
    case 1:
        return (uint8_t)v[0];
    case 2: {
        uint16_t x;
        memcpy(&x, v, 2);
        return (int16_t)be16toh(x);
    }
    case 4:
        return pg_get_int4(v);
    case 8:
        return pg_get_int8(v);
    default:
        return 0;
    }
}

/* A text column: NULL when NULL or empty (Kea writes "" for unset values). */
static const char *col_text(const PGresult *r, int row, int col)
{
    if (PQgetisnull(r, row, col) || PQgetlength(r, row, col) == 0)
        return NULL;
    return PQgetvalue(r, row, col);
}

/* Builds a host from a row's host columns, or NULL (reported) for rows Nestor cannot use. */
static hostdb_host4_t *decode_host(hostdb_t *db, const PGresult *r, int row)
{
    int64_t type = col_int(r, row, HOSTDB_C_ID_TYPE);
    int idlen = PQgetlength(r, row, HOSTDB_C_ID);
    if (type < 0 || type >= HOST_ID__COUNT || idlen <= 0 || idlen > CFG_HOST_ID_MAX) {
        hostdb_report(db, 2, "HOSTS_BAD_ROW", "hosts database %s: host %lld has an unusable identifier "
                      "(type %lld, %d bytes); skipped", db->desc, (long long)col_int(r, row, HOSTDB_C_HOST_ID),
                      (long long)type, idlen);
        return NULL;
    }
    hostdb_host4_t *h = hostdb_host4_new();
    h->host_id = (uint64_t)col_int(r, row, HOSTDB_C_HOST_ID);
    h->h.id_type = (uint8_t)type;
    h->h.id_len = (uint8_t)idlen;
    memcpy(h->h.id, PQgetvalue(r, row, HOSTDB_C_ID), (size_t)idlen);
    h->h.subnet_id = PQgetisnull(r, row, HOSTDB_C_SUBNET) ? 0 : (uint32_t)col_int(r, row, HOSTDB_C_SUBNET);
    h->h.ipv4 = PQgetisnull(r, row, HOSTDB_C_ADDR) ? 0 : (uint32_t)col_int(r, row, HOSTDB_C_ADDR);
    h->h.next_server = PQgetisnull(r, row, HOSTDB_C_NEXT_SERVER) ? 0 : (uint32_t)col_int(r, row, HOSTDB_C_NEXT_SERVER);
    const char *t;
    if ((t = col_text(r, row, HOSTDB_C_HOSTNAME)))
        h->h.hostname = xstrdup(t);
    if ((t = col_text(r, row, HOSTDB_C_SNAME)))
        h->h.server_hostname = xstrdup(t);
    if ((t = col_text(r, row, HOSTDB_C_FILE)))
        h->h.boot_file_name = xstrdup(t);
    hostdb_host4_set_classes(h, col_text(r, row, HOSTDB_C_CLASSES));
    if ((t = col_text(r, row, HOSTDB_C_CONTEXT)) && hostdb_context_ok(db, t))
        h->user_context = xstrdup(t);
    return h;
}

/* Appends the hosts of a result (rows ordered by host, then option) to out. */
static int decode_hosts(hostdb_t *db, const sqlres_t *res, hostdb_list_t *out, char *err, size_t errlen)
{
    const PGresult *r = sqlres_pg(res);
    int64_t cur_id = -1, last_opt = -1;
    hostdb_host4_t *cur = NULL;
    for (int i = 0; i < PQntuples(r); i++) {
        int64_t id = col_int(r, i, HOSTDB_C_HOST_ID);
        if (id != cur_id) {
            cur_id = id;
            last_opt = -1;
            cur = decode_host(db, r, i);
            if (cur)
                hostdb_list_push(out, cur);
        }
        if (!cur || PQgetisnull(r, i, HOSTDB_C_OPT_ID))
            continue;
        int64_t opt = col_int(r, i, HOSTDB_C_OPT_ID);
        if (opt <= last_opt)
            continue;
        last_opt = opt;
        bool has_value = !PQgetisnull(r, i, HOSTDB_C_OPT_VALUE);
        hostdb_decode_option(db, cur, (int)col_int(r, i, HOSTDB_C_OPT_CODE),
                             has_value ? (const uint8_t *)PQgetvalue(r, i, HOSTDB_C_OPT_VALUE) : NULL,
                             has_value ? (size_t)PQgetlength(r, i, HOSTDB_C_OPT_VALUE) : 0,
                             col_text(r, i, HOSTDB_C_OPT_FORMATTED), col_text(r, i, HOSTDB_C_OPT_SPACE),
                             !PQgetisnull(r, i, HOSTDB_C_OPT_PERSISTENT) && col_int(r, i, HOSTDB_C_OPT_PERSISTENT),
                             col_text(r, i, HOSTDB_C_OPT_CONTEXT));
    }
    return 0;
}

const hostdb_dialect_t hostdb_pg = {.type = "postgresql", .drv = &sqlsess_pg, .stmts = stmts, .decode = decode_hosts};

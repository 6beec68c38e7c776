/* Internal to the SQL hosts backend (hostdb_sql.c) and its dialects (hostdb_pg.c, hostdb_my.c). */
#ifndef NESTOR_HOSTS_HOSTDB_SQL_H
#define NESTOR_HOSTS_HOSTDB_SQL_H

#include "hosts/hostdb.h"

/* Host columns, then its options (LEFT JOIN: one row per option, NULLs when none). */
#define HOSTDB_COLS "SELECT h.host_id, h.dhcp_identifier, h.dhcp_identifier_type, h.dhcp4_subnet_id, " \
                    "h.ipv4_address, h.hostname, h.dhcp4_client_classes, h.dhcp4_next_server, " \
                    "h.dhcp4_server_hostname, h.dhcp4_boot_file_name, h.user_context, o.option_id, o.code, " \
                    "o.value, o.formatted_value, o.space, o.persistent, o.user_context "
#define HOSTDB_JOIN " LEFT JOIN dhcp4_options AS o ON o.host_id = h.host_id "
#define HOSTDB_ORDER " ORDER BY h.host_id, o.option_id"
#define HOSTDB_SEL HOSTDB_COLS "FROM hosts AS h" HOSTDB_JOIN "WHERE "
#define HOSTDB_INSERT_COLS "INSERT INTO hosts (dhcp_identifier, dhcp_identifier_type, dhcp4_subnet_id, " \
    "dhcp6_subnet_id, ipv4_address, hostname, dhcp4_client_classes, dhcp6_client_classes, user_context, " \
    "dhcp4_next_server, dhcp4_server_hostname, dhcp4_boot_file_name, auth_key) "

/* The result columns of HOSTDB_COLS. */
enum {
    HOSTDB_C_HOST_ID, HOSTDB_C_ID, HOSTDB_C_ID_TYPE, HOSTDB_C_SUBNET, HOSTDB_C_ADDR, HOSTDB_C_HOSTNAME,
    HOSTDB_C_CLASSES, HOSTDB_C_NEXT_SERVER, HOSTDB_C_SNAME, HOSTDB_C_FILE, HOSTDB_C_CONTEXT, HOSTDB_C_OPT_ID,
    HOSTDB_C_OPT_CODE, HOSTDB_C_OPT_VALUE, HOSTDB_C_OPT_FORMATTED, HOSTDB_C_OPT_SPACE, HOSTDB_C_OPT_PERSISTENT,
    HOSTDB_C_OPT_CONTEXT, HOSTDB_NCOLS
};

/* The statements of a dialect's table, with their parameters in this order. */
enum hostdb_stmt {
    HOSTDB_S_ID,          /* subnet, identifier type, identifier */
    HOSTDB_S_CLIENT,      /* subnet, identifiers of types 0..4 (NULL: none) */
    HOSTDB_S_ADDR,        /* subnet, address */
    HOSTDB_S_SUB,         /* subnet */
    HOSTDB_S_PAGE_SUB,    /* subnet, after host_id, limit */
    HOSTDB_S_PAGE,        /* after host_id, limit */
    HOSTDB_S_NAME,        /* lower-case hostname */
    HOSTDB_S_NAME_SUB,    /* lower-case hostname, subnet */
    HOSTDB_S_IDENT,       /* identifier type, identifier */
    /* writes: identifier, type, subnet, address, hostname, classes, user context, next server, server
     * hostname, boot file name (then subnet and address again for the unique check); the id made
     * comes back as the driver's insert_id */
    HOSTDB_S_INS,
    HOSTDB_S_INS_UNIQ,    /* refused (no row) when the subnet has a reservation for the address */
    HOSTDB_S_INS_OPT,     /* code, value, formatted value, persistent, user context, host id */
    HOSTDB_S_DEL_ID,      /* subnet, identifier type, identifier */
    HOSTDB_S_DEL_ADDR,    /* subnet, address */
    HOSTDB_NSTMT
};

typedef struct hostdb_dialect {
    const char *type;              /* hostdb_ops_t type */
    const sqlsess_driver_t *drv;
    const sqlsess_stmt_t *stmts;   /* HOSTDB_NSTMT, by enum hostdb_stmt */
    /* Appends the hosts of a result (rows ordered by host, then option) to out: 0, or NST_EIO with
     * err set. */
    int (*decode)(hostdb_t *db, const sqlres_t *res, hostdb_list_t *out, char *err, size_t errlen);
} hostdb_dialect_t;

extern const hostdb_dialect_t hostdb_pg, hostdb_my;

/* Opens the database of cfg in dialect d (see hostdb_open). */
int hostdb_sql_open(const hostdb_dialect_t *d, const cfg_db_t *cfg, const optdef_registry_t *defs,
                    hostdb_report_fn report, void *arg, hostdb_t **out, char *err, size_t errlen);

#endif

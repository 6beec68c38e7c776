/* MySQL / MariaDB connections for the SQL stores (libmariadb).
 *
 * Contract:
 * - myconn_open() connects with the parameters of a cfg_db_t as Kea 2.2 does (connect-timeout,
 *   read-timeout, write-timeout, TLS trust-anchor (file or directory) / cert-file / key-file /
 *   cipher-list, no automatic reconnect, CLIENT_FOUND_ROWS so that an UPDATE counts the rows it
 *   matched, session sql_mode STRICT_ALL_TABLES and a 30-day wait_timeout), checks that the
 *   database holds the schema version this build speaks (MYCONN_SCHEMA_MAJOR.MINOR, Kea 2.2's)
 *   and returns the connection; the caller owns it (mysql_close). On failure *out is NULL and err
 *   says why in one line, never containing the password; a schema mismatch names the nestor-admin
 *   command that fixes it.
 * - host: NULL or "localhost" means libmariadb's default Unix socket; a host that starts with '/'
 *   is the path of the server's Unix socket (an extension: Kea 2.2 has no socket parameter; libpq
 *   reads such a host the same way); anything else is a TCP host name or address.
 * - The session time zone is left at the server's default (normally SYSTEM), as Kea leaves it:
 *   myconn_to_time()/myconn_from_time() convert with the process's local time zone (localtime_r,
 *   mktime), exactly as Kea converts lease expiry times, so that both read the same instants from
 *   a shared database (they must run with the same TZ as the server's session time zone).
 * - myconn_lost() tells whether an error number means the connection is gone (the caller reconnects)
 *   rather than a statement error.
 * - No global state but libmariadb's, initialised once (thread-safe); one connection per thread.
 */
#ifndef NESTOR_DB_MYCONN_H
#define NESTOR_DB_MYCONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mysql.h>

#include "config/cfg_db.h"

#define MYCONN_SCHEMA_MAJOR 14
#define MYCONN_SCHEMA_MINOR 0

/* The latest instant a MySQL TIMESTAMP holds: 2038-01-19 03:14:07 UTC (Kea's MAX_DB_TIME). */
#define MYCONN_MAX_TIME 2147483647LL

int myconn_open(const cfg_db_t *db, MYSQL **out, char *err, size_t errlen);
/* The same without the schema check (nestor-admin). */
int myconn_connect(const cfg_db_t *db, MYSQL **out, char *err, size_t errlen);

/* Reads schema_version into major and minor: 0, or an error (no table: NST_ENOENT). */
int myconn_schema_version(MYSQL *c, int *major, int *minor, char *err, size_t errlen);

/* True when error number e (mysql_errno / mysql_stmt_errno) means the connection is unusable:
 * server gone or lost, connection killed, server shutting down, network errors. */
bool myconn_lost(unsigned e);

/* One line describing the last error of c (or stmt when not NULL): "message (errno)". */
void myconn_error(MYSQL *c, MYSQL_STMT *stmt, char *err, size_t errlen);

/* Epoch seconds <-> MYSQL_TIME in the process's local time zone (see the contract). */
void myconn_to_time(int64_t epoch, MYSQL_TIME *out);
int64_t myconn_from_time(const MYSQL_TIME *t);

#endif

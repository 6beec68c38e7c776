/* PostgreSQL connections for the SQL stores (libpq).
 *
 * Contract:
 * - pgconn_open() connects with the parameters of a cfg_db_t (host, port, name, user, password,
 *   connect-timeout, tcp-user-timeout, TLS files), checks that the database holds the schema
 *   version this build speaks (PGCONN_SCHEMA_MAJOR.MINOR, Kea 2.2's) and returns the connection;
 *   the caller owns it (PQfinish). On failure *out is NULL and err says why in one line, never
 *   containing the password; a schema mismatch names the nestor-admin command that fixes it.
 * - pgconn_lost() tells whether a failed call means the connection is gone (the recovery logic
 *   reconnects) rather than a statement error.
 * - No global state; thread-safe as libpq is (one connection per thread).
 */
#ifndef NESTOR_DB_PGCONN_H
#define NESTOR_DB_PGCONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "config/cfg_db.h"

#define PGCONN_SCHEMA_MAJOR 13
#define PGCONN_SCHEMA_MINOR 0

/* Type OIDs used in binary parameters and results (pg_type.h). */
enum {
    PG_BOOLOID = 16, PG_BYTEAOID = 17, PG_INT8OID = 20, PG_INT2OID = 21, PG_INT4OID = 23,
    PG_TEXTOID = 25, PG_VARCHAROID = 1043, PG_TIMESTAMPTZOID = 1184, PG_BYTEAARRAYOID = 1001,
    PG_INT8ARRAYOID = 1016,
};

int pgconn_open(const cfg_db_t *db, PGconn **out, char *err, size_t errlen);
/* The same without the schema check (nestor-admin). */
int pgconn_connect(const cfg_db_t *db, PGconn **out, char *err, size_t errlen);

/* Reads schema_version into major and minor: 0, or an error (no table: NST_ENOENT). */
int pgconn_schema_version(PGconn *c, int *major, int *minor, char *err, size_t errlen);

/* True when the connection is unusable (server gone, admin shutdown, network). */
bool pgconn_lost(PGconn *c, const PGresult *res);

/* One line describing a failed result or connection: the server's message without newlines. */
void pgconn_error(PGconn *c, const PGresult *res, char *err, size_t errlen);

/* Binary value helpers (network byte order on the wire). */
int64_t pg_get_int8(const char *v);
int32_t pg_get_int4(const char *v);
void pg_put_int8(char out[8], int64_t v);
/* Column col of row of a binary result holding an 8-byte integer (int8, timestamptz) into *out:
 * false, *out untouched, when it is NULL or not 8 bytes long (nothing is read past the value). */
bool pg_col_int8(const PGresult *r, int row, int col, int64_t *out);
/* timestamptz in binary: microseconds since 2000-01-01 UTC. */
int64_t pg_ts_to_epoch(int64_t pg_us);
int64_t pg_epoch_to_ts(int64_t epoch);

#endif

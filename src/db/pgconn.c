/* PostgreSQL connections (see pgconn.h). */
#include <endian.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/errcode.h"
#include "db/sqlsess.h"
#include "db/pgconn.h"

#define PG_EPOCH_OFFSET 946684800LL /* 2000-01-01 in Unix time */

int64_t pg_get_int8(const char *v)
{
    uint64_t x;
    memcpy(&x, v, 8);
    return (int64_t)be64toh(x);
}

bool pg_col_int8(const PGresult *r, int row, int col, int64_t *out)
{
    if (PQgetisnull(r, row, col) || PQgetlength(r, row, col) != 8)
        return false;
    *out = pg_get_int8(PQgetvalue(r, row, col));
    return true;
}

int32_t pg_get_int4(const char *v)
{
    uint32_t x;
    memcpy(&x, v, 4);
    return (int32_t)be32toh(x);
}

void pg_put_int8(char out[8], int64_t v)
{
    uint64_t x = htobe64((uint64_t)v);
    memcpy(out, &x, 8);
}

int64_t pg_ts_to_epoch(int64_t pg_us)
{
    /* floor division: timestamps before 2000 are negative */
    int64_t s = pg_us / 1000000;
    if (pg_us % 1000000 < 0)
        s--;
    return s + PG_EPOCH_OFFSET;
}

int64_t pg_epoch_to_ts(int64_t epoch)
{
    return (epoch - PG_EPOCH_OFFSET) * 1000000;
}

static void one_line(char *s)
{
    for (char *p = s; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    size_t n = strlen(s);
    while (n && s[n - 1] == ' ')
        s[--n] = 0;
}

void pgconn_error(PGconn *c, const PGresult *res, char *err, size_t errlen)
{
    const char *m = res ? PQresultErrorMessage(res) : NULL;
    if (!m || !*m)
        m = c ? PQerrorMessage(c) : "no connection";
    snprintf(err, errlen, "%s", m);
    one_line(err);
}

bool pgconn_lost(PGconn *c, const PGresult *res)
{
    if (!c || PQstatus(c) == CONNECTION_BAD)
        return true;
    const char *st = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    /* class 08: connection exception; 57P01..57P03: admin/crash shutdown, cannot connect now */
    return st && (!strncmp(st, "08", 2) || !strncmp(st, "57P0", 4));
}

int pgconn_schema_version(PGconn *c, int *major, int *minor, char *err, size_t errlen)
{
    PGresult *r = PQexec(c, "SELECT version, minor FROM schema_version");
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        const char *st = PQresultErrorField(r, PG_DIAG_SQLSTATE);
        int code = st && !strcmp(st, "42P01") ? NST_ENOENT : NST_EIO;
        pgconn_error(c, r, err, errlen);
        PQclear(r);
        return code;
    }
    if (PQntuples(r) != 1) {
        snprintf(err, errlen, "schema_version has %d rows (expected 1)", PQntuples(r));
        PQclear(r);
        return NST_EMALFORMED;
    }
    *major = atoi(PQgetvalue(r, 0, 0));
    *minor = atoi(PQgetvalue(r, 0, 1));
    PQclear(r);
    return 0;
}

int pgconn_connect(const cfg_db_t *db, PGconn **out, char *err, size_t errlen)
{
    const char *keys[16], *vals[16];
    int n = 0;
    char port[8], ct[16], tut[24];
#define KV(k, v) do { const char *v_ = (v); if (v_) { keys[n] = (k); vals[n] = v_; n++; } } while (0)
    KV("host", db->host ? db->host : "localhost");
    if (db->port) {
        snprintf(port, sizeof port, "%u", db->port);
        KV("port", port);
    }
    KV("dbname", db->name);
    KV("user", db->user);
    KV("password", db->password);
    snprintf(ct, sizeof ct, "%u", db->connect_timeout);
    KV("connect_timeout", ct);
    if (db->tcp_user_timeout) {
        snprintf(tut, sizeof tut, "%llu", (unsigned long long)db->tcp_user_timeout * 1000);
        KV("tcp_user_timeout", tut);
    }
    if (db->trust_anchor || db->cert_file) {
        KV("sslmode", db->trust_anchor ? "verify-full" : "require");
        KV("sslrootcert", db->trust_anchor);
        KV("sslcert", db->cert_file);
        KV("sslkey", db->key_file);
    }
    KV("application_name", "nestor");
#undef KV
    keys[n] = vals[n] = NULL;
    *out = NULL;
    PGconn *c = PQconnectdbParams(keys, vals, 0);
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return NST_ENOMEM;
    }
    if (PQstatus(c) != CONNECTION_OK) {
        pgconn_error(c, NULL, err, errlen);
        PQfinish(c);
        return NST_EIO;
    }
    PQclear(PQexec(c, "SET TIME ZONE 'UTC'"));
    *out = c;
    return 0;
}

int pgconn_open(const cfg_db_t *db, PGconn **out, char *err, size_t errlen)
{
    PGconn *c;
    *out = NULL;
    int r = pgconn_connect(db, &c, err, errlen);
    if (r)
        return r;
    int major = 0, minor = 0;
    char e2[256];
    r = pgconn_schema_version(c, &major, &minor, e2, sizeof e2);
    r = sqlsess_schema_check(r, e2, major, minor, PGCONN_SCHEMA_MAJOR, PGCONN_SCHEMA_MINOR, "pgsql", db->name, err,
                             errlen);
    if (r) {
        PQfinish(c);
        return r;
    }
    *out = c;
    return 0;
}

/* The PostgreSQL driver of SQL sessions (see sqlsess.h): a connection record holds the libpq
 * connection with the session's statements prepared (binary parameters and results).
 * Parameters: integers are sent in the width of the statement's declared type (int2, int4, int8,
 * bool; timestamptz for SQLP_TIME), bytes in binary, text in text format (so a TEXT parameter may
 * also be an array literal such as "{1,2}"). */
#ifndef NESTOR_DB_SQLSESS_PG_H
#define NESTOR_DB_SQLSESS_PG_H

#include "db/pgconn.h"
#include "db/sqlsess.h"

typedef struct sqlsess_pgconn {
    sqlsess_conn_t base;       /* first */
    PGconn *pg;                /* NULL: not connected */
} sqlsess_pgconn_t;

/* Sends statement k with p[0..n-1] on c without waiting (pipeline mode): PQsendQueryPrepared's
 * answer. */
int sqlsess_pg_send(sqlsess_t *s, PGconn *c, int k, const sqlparam_t *p, int n);

static inline PGconn *sqlsess_pg_of(sqlsess_conn_t *c) { return ((sqlsess_pgconn_t *)c)->pg; }
static inline const PGresult *sqlres_pg(const sqlres_t *r) { return r->h; }

#endif

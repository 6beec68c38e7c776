/* The MySQL driver of SQL sessions (see sqlsess.h): a connection record holds the libmariadb
 * connection with the session's statements prepared as server-side statements (results stored on
 * the client side), and, for the record's user, a query text reused across queries and a state
 * word; both are reset when the connection closes. SQLP_TIME parameters are clamped to what a
 * TIMESTAMP holds (1 .. MYCONN_MAX_TIME). */
#ifndef NESTOR_DB_SQLSESS_MY_H
#define NESTOR_DB_SQLSESS_MY_H

#include "db/myconn.h"
#include "db/sqlsess.h"

typedef struct sqlsess_mytext {
    char *buf;
    size_t len, cap;
} sqlsess_mytext_t;

typedef struct sqlsess_myconn {
    sqlsess_conn_t base;       /* first */
    MYSQL *my;                 /* NULL: not connected */
    MYSQL_STMT **st;           /* the session's statements (NULL: not prepared) */
    size_t nst;
    sqlsess_mytext_t text;     /* the user's query text */
    int state;                 /* the user's session state (0 after connecting) */
} sqlsess_myconn_t;

static inline sqlsess_myconn_t *sqlsess_my_of(sqlsess_conn_t *c) { return (sqlsess_myconn_t *)c; }
static inline MYSQL_STMT *sqlres_my(const sqlres_t *r) { return r->h; }

#endif

/* Internal to the MySQL lease store (lease_my.c, lease_my_write.c, lease_my_text.c). */
#ifndef NESTOR_LEASE_LEASE_MY_INT_H
#define NESTOR_LEASE_LEASE_MY_INT_H

#include "db/sqlsess_my.h"
#include "lease/lease_my.h"

/* The commit connection's @json_supported (sqlsess_myconn_t.state), the session variable through
 * which Kea's lease4 triggers remember whether the server has JSON functions: NULL on a new
 * session (MY_JSON_KEA), 0 (MY_JSON_OFF) or not known after a failed query. */
enum { MY_JSON_KEA, MY_JSON_OFF, MY_JSON_UNKNOWN };

/* lease_my.c */
/* A result column of type bound to size bytes at buf (size 0: fetched later by my_col_text). */
void my_bind_out(MYSQL_BIND *b, enum enum_field_types type, void *buf, unsigned long size, bool is_unsigned);
char *my_col_text(MYSQL_STMT *st, const MYSQL_BIND *b, unsigned col);
int my_counts(const sqlres_t *res, lease_subnet_counts_t **out, size_t *n);

/* lease_my6.c */
extern const sqlcore_table_t my_lease6;

/* lease_my_write.c */
int my_commit(sqlcore_t *s, sqlsess_conn_t *c, sqlcore_write_t *batch, char *err, size_t errlen);
int my_commit_setup(sqlsess_conn_t *c, char *err, size_t errlen);
int my_check(sqlcore_t *s, const lease_t *l);

/* lease_my_text.c: writes rendered as SQL text, for a batch sent as one multi-statement query. */
/* Appends w as one statement (with its ';') to t, strings escaped for my's character set. */
void my_text_write(sqlsess_mytext_t *t, MYSQL *my, const sqlcore_write_t *w);
/* Appends one INSERT of the count adds from w on (w and the writes after it). */
void my_text_insert(sqlsess_mytext_t *t, MYSQL *my, const sqlcore_write_t *w, unsigned count);
void my_text_raw(sqlsess_mytext_t *t, const char *sql);

#endif

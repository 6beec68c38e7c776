/* Internal to the PostgreSQL lease store (lease_pg.c: lease4 and the driver, lease_pg6.c: lease6). */
#ifndef NESTOR_LEASE_LEASE_PG_INT_H
#define NESTOR_LEASE_LEASE_PG_INT_H

#include <libpq-fe.h>

#include "lease/lease_pg.h"

/* The write statements of every table, after the common ones (then lease4's client lookups). */
enum { PG_INS = SQLCORE_NSTMT, PG_UPD, PG_UPD_ANY, PG_DEL, PG_DEL_ANY, PG_NWRITE };

extern const sqlcore_table_t pg_lease6;

/* The rows of a lease4 or lease6 statement, into k. */
int pg_rows(sqlcore_t *s, const sqlres_t *res, sqlcore_sink_t *k);
/* Decodes row i of a lease6 result: 0, or NST_EINVAL for a row that is no lease (reported). */
int pg_decode6(sqlcore_t *s, const PGresult *r, int i, lease_t *out);

/* The per-subnet counts of a table's SQLCORE_COUNTS (four int8 columns). */
int pg_counts(const sqlres_t *res, lease_subnet_counts_t **out, size_t *n);

#endif

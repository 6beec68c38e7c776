/* PostgreSQL lease store on Kea 2.2's schema (13.0): the lease4 table, its lease4_stat statistics
 * kept by the schema's triggers. A dialect of the one SQL lease store (sqlcore.h, whose contract
 * it follows): its statements, row codecs, combined lookup and batch commit.
 *
 * Dialect:
 * - A batch of writes is one transaction sent through libpq's pipeline mode (one round trip and
 *   one commit/fsync for the batch); each statement reports its own outcome.
 * - Combined client lookups bind bytea[] and int8[] arrays (= ANY($n)).
 * - Lookup connections run with enable_seqscan = off: every lookup of the DHCP path has an index,
 *   but a table that grew since its statistics were taken (a new deployment, after a TRUNCATE)
 *   looks small to the planner, which then scans it whole for each combined lookup.
 * - Binary values are read only after checking they are present and of the expected length
 *   (pg_col_int8); a NULL state is the default state, NULL flags false, a NULL hostname, hardware
 *   address, client-id or user context absent. expire is a timestamptz: dates after 2038 are fine.
 */
#ifndef NESTOR_LEASE_LEASE_PG_H
#define NESTOR_LEASE_LEASE_PG_H

#include <stddef.h>

#include "lease/sqlcore.h"

int pgsql_open(const sqlcore_config_t *cfg, lease_store_t **out, char *err, size_t errlen);

#endif

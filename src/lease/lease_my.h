/* MySQL / MariaDB lease store on Kea 2.2's schema (14.0): the lease4 table, its lease4_stat
 * statistics kept by the schema's triggers. A dialect of the one SQL lease store (sqlcore.h, whose
 * contract it follows): its statements, row codecs, combined lookup and batch commit.
 *
 * Dialect:
 * - A host starting with '/' is the server's Unix socket path (see db/myconn.h).
 * - A batch of writes is one multi-statement text query (START TRANSACTION; ...; COMMIT: one round
 *   trip, one COMMIT and so one fsync for the batch) whose statements report their outcomes in
 *   order. A duplicate-key insert fails only that statement (InnoDB rolls back the statement, not
 *   the transaction), so the batch resumes with the rest. Consecutive adds go as one multi-row
 *   INSERT (up to 64 rows; one that fails on a duplicate key is sent again row by row).
 * - Kea's lease4 triggers call a per-client-class statistics procedure that reads only the user
 *   context's ISC.client-classes; the commit connection sets @json_supported to 0 before adds
 *   whose user context has no client-classes (the triggers then skip it) and back to NULL before
 *   any other write, so lease4_stat_by_client_class ends exactly as Kea's triggers leave it.
 * - Combined client lookups are prepared for 2, 4, 8, 16 and 32 clients, padded with NULLs.
 * - Expiry: a TIMESTAMP column, converted with the local time zone as Kea does (the session keeps
 *   the server's default time zone). A TIMESTAMP ends at 2038-01-19 03:14:07 UTC: add/update of a
 *   lease expiring later fail at once with NST_ERANGE (reported, nothing queued).
 */
#ifndef NESTOR_LEASE_LEASE_MY_H
#define NESTOR_LEASE_LEASE_MY_H

#include <stddef.h>

#include "lease/sqlcore.h"

int mysql_open(const sqlcore_config_t *cfg, lease_store_t **out, char *err, size_t errlen);

#endif

/* MySQL / MariaDB lease store (v4) on Kea 2.2's schema (14.0): the lease4 table, its lease4_stat
 * statistics kept by the schema's triggers. The same contract as the PostgreSQL store (pgsql4.h).
 *
 * Contract:
 * - mysql4_open() connects once to check the parameters and the schema version, and fails with a
 *   one-line message otherwise (the password never appears in it). A host starting with '/' is
 *   the server's Unix socket path (see db/myconn.h).
 * - Lookups run on a connection of the calling thread (opened on first use, one per thread, with
 *   server-side prepared statements), synchronously.
 * - A thread's connection is closed when the thread ends (packet workers restart on every
 *   reload) and the remaining ones when the store closes, which must be after every thread
 *   other than the caller stopped using it.
 * - Writes (add/update/del) return at once: they are queued to the store's commit thread, which
 *   runs every queued write in ONE transaction (one prepared-statement execution per write, one
 *   COMMIT and so one fsync for the batch: group commit) and then runs each write's callback
 *   with its own result: 0, NST_EEXIST (the address was taken meanwhile, e.g. by another server:
 *   InnoDB rolls back only that statement, not the transaction), NST_ECONFLICT (the row changed
 *   since it was read: UPDATE/DELETE ... WHERE address = ? AND expire = ? found no row, Kea's
 *   check) or NST_EIO (database failure). A reply waits for its callback, so nothing is
 *   acknowledged before the database committed it.
 * - Until a write is committed, this store's own lookups see it (a per-address overlay of queued
 *   writes), so the allocation engine behaves as on memfile. Collections (control commands) first
 *   wait for queued writes (flush), then read the database; except what runs on the main loop
 *   (get4_expired and delete_reclaimed4 for reclamation, counts4 for the recount): they never
 *   wait for the queue, which commits may hold up (a row locked by another server), and see the
 *   queued writes through the overlay instead (expired leases merged, pending counts added,
 *   addresses with queued writes left out of the delete; see overlay4.h).
 * - NULLs are read as by the PostgreSQL store: a row with a NULL valid_lifetime, expire or
 *   subnet_id is skipped and reported (DHCPSRV_MYSQL_LEASE_ROW_SKIPPED).
 * - Expiry: expire = cltt + valid_lifetime in a TIMESTAMP column, converted with the local time
 *   zone as Kea does (the session keeps the server's default time zone); an infinite lifetime is
 *   stored as expire = cltt, as Kea does. A TIMESTAMP ends at 2038-01-19 03:14:07 UTC: add/update
 *   of a lease expiring later fail at once with NST_ERANGE (reported, nothing queued).
 * - Outages: a connection found dead (killed, server restarted) is replaced once at once; if that
 *   fails, lost() is called once per outage and every operation fails fast (NST_EIO) until
 *   ops->reconnect succeeds.
 * - Thread-safety: every op from any thread; callbacks run on the commit thread.
 */
#ifndef NESTOR_LEASE_MYSQL4_H
#define NESTOR_LEASE_MYSQL4_H

#include <stdbool.h>
#include <stddef.h>

#include "config/cfg_db.h"
#include "lease/lease.h"

typedef void (*mysql4_report_fn)(void *arg, int severity, const char *msgid, const char *text);

/* Called once per outage, from any store thread, when the database stopped answering (a lost
 * connection that one immediate reconnect could not replace). The server's recovery logic then
 * calls ops->reconnect until it succeeds. */
typedef void (*mysql4_lost_fn)(void *arg);

typedef struct mysql4_config {
    const cfg_db_t *db;          /* copied */
    mysql4_lost_fn lost;         /* optional */
    void *lost_arg;
    bool allow_offline;          /* start even if the database is unreachable (retry-on-startup):
                                    the store begins lost, and lost() is called at once */
    mysql4_report_fn report;     /* optional, thread-safe; severity as syslog (3 err .. 7 debug) */
    void *report_arg;
} mysql4_config_t;

int mysql4_open(const mysql4_config_t *cfg, lease_store_t **out, char *err, size_t errlen);

#endif

/* PostgreSQL lease store (v4) on Kea 2.2's schema (13.0): the lease4 table, its lease4_stat
 * statistics kept by the schema's triggers.
 *
 * Contract:
 * - pgsql4_open() connects once to check the parameters and the schema version, and fails with a
 *   one-line message otherwise (the password never appears in it).
 * - Lookups run on a connection of the calling thread (opened on first use, one per thread, with
 *   prepared statements), synchronously.
 * - A thread's connection is closed when the thread ends (packet workers restart on every
 *   reload) and the remaining ones when the store closes, which must be after every thread
 *   other than the caller stopped using it.
 * - Writes (add/update/del) return at once: they are queued to the store's commit thread, which
 *   sends every queued write in one transaction through libpq's pipeline mode (one round trip and
 *   one commit/fsync for the batch: group commit) and then runs each write's callback with its own
 *   result: 0, NST_EEXIST (the address was taken meanwhile, e.g. by another server), NST_ECONFLICT
 *   (the row changed since it was read: Kea's expire check) or NST_EIO (database failure). A reply
 *   waits for its callback, so nothing is acknowledged before the database committed it.
 * - Until a write is committed, this store's own lookups see it (a per-address overlay of queued
 *   writes), so the allocation engine behaves as on memfile. Collections (control commands) first
 *   wait for queued writes (flush), then read the database; except what runs on the main loop
 *   (get4_expired and delete_reclaimed4 for reclamation, counts4 for the recount): they never
 *   wait for the queue, which commits may hold up (a row locked by another server), and see the
 *   queued writes through the overlay instead (expired leases merged, pending counts added,
 *   addresses with queued writes left out of the delete; see overlay4.h).
 * - NULLs, which Kea's schema allows: a row with a NULL valid_lifetime, expire or subnet_id is no
 *   lease; every lookup and list skips it and reports it with its address (warning
 *   DHCPSRV_PGSQL_LEASE_ROW_SKIPPED; Kea fails the whole query on such a row). A NULL state is
 *   the default state (the column's default), NULL flags false, a NULL hostname, hardware
 *   address, client-id or user context absent; a NULL count in lease4_stat counts nothing.
 * - Expiry: expire = cltt + valid_lifetime, stored as timestamptz, so dates after 2038 are fine;
 *   an infinite lifetime is stored as expire = cltt, as Kea does.
 * - Thread-safety: every op from any thread; callbacks run on the commit thread.
 */
#ifndef NESTOR_LEASE_PGSQL4_H
#define NESTOR_LEASE_PGSQL4_H

#include <stdbool.h>
#include <stddef.h>

#include "config/cfg_db.h"
#include "lease/lease.h"

typedef void (*pgsql4_report_fn)(void *arg, int severity, const char *msgid, const char *text);

/* Called once per outage, from any store thread, when the database stopped answering (a lost
 * connection that one immediate reconnect could not replace). The server's recovery logic then
 * calls ops->reconnect until it succeeds. */
typedef void (*pgsql4_lost_fn)(void *arg);

typedef struct pgsql4_config {
    const cfg_db_t *db;          /* copied */
    pgsql4_lost_fn lost;         /* optional */
    void *lost_arg;
    bool allow_offline;          /* start even if the database is unreachable (retry-on-startup):
                                    the store begins lost, and lost() is called at once */
    pgsql4_report_fn report;     /* optional, thread-safe; severity as syslog (3 err .. 7 debug) */
    void *report_arg;
} pgsql4_config_t;

int pgsql4_open(const pgsql4_config_t *cfg, lease_store_t **out, char *err, size_t errlen);

#endif

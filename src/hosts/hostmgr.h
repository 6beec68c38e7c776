/* The host manager: one view over the config-file reservations and the hosts databases, in
 * Kea 2.2's order (HostMgr).
 *
 * Contract:
 * - Precedence of a single-host lookup: the config file first, then each database in
 *   "hosts-databases" list order; the first hit wins (a config-file reservation beats a database
 *   one for the same identifier). A client's lookup tries its identifiers in the configured
 *   host-reservation-identifiers order and, for each identifier, every source in that order
 *   (Kea's AllocEngine: HostMgr::get4 per identifier), so an earlier identifier in any source
 *   beats a later one in the file. Collections (commands) are the file's hosts followed by each
 *   database's.
 * - Memory: the manager borrows the configuration and its file index (they must outlive it) and
 *   owns its databases. A hostmgr_ref_t either borrows a config-file host (owned NULL) or owns a
 *   database copy (release it with hostmgr_ref_release). Command results are new hosts the caller
 *   owns (config-file hosts are copied, with host_id = their position in the file, from 1).
 * - Threads: lookups may run on any thread at once (databases use one connection per thread);
 *   adds and deletes are for the control channel's thread. The manager itself never changes after
 *   creation: a reconfiguration builds a new one.
 * - Cost: without databases a client lookup is exactly the config-file index lookup (no
 *   allocation, no locking).
 * - Errors: every operation returns 0 (writes and deletes as documented), NST_ENOENT, or the
 *   database's error with a sentence naming the database in the caller's err buffer (err may be
 *   NULL).
 */
#ifndef NESTOR_HOSTS_HOSTMGR_H
#define NESTOR_HOSTS_HOSTMGR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/cfg4.h"
#include "hosts/hostdb.h"
#include "hosts/hosts4.h"

typedef struct hostmgr hostmgr_t;

typedef struct hostmgr_ref {
    const cfg_host4_t *host;  /* NULL = no reservation */
    hostdb_host4_t *owned;    /* the database copy host points into, or NULL */
} hostmgr_ref_t;

/* Opens every hosts database of cfg (cfg->hosts_dbs, in order) and builds the manager. On failure
 * nothing stays open and err names the failing entry. report (may be NULL) receives the
 * databases' events (severity 0 debug .. 4 fatal). */
int hostmgr_open(const cfg4_t *cfg, const hosts4_t *file, hostdb_report_fn report, void *arg,
                 hostmgr_t **out, char *err, size_t errlen);
/* Builds a manager over already open sources (ownership of each dbs[i] passes to it; the array
 * itself is copied). For tests and for callers that open sources themselves. */
hostmgr_t *hostmgr_new(const cfg4_t *cfg, const hosts4_t *file, hostdb_t *const *dbs, size_t ndb);
void hostmgr_free(hostmgr_t *m);

size_t hostmgr_db_count(const hostmgr_t *m);
hostdb_t *hostmgr_db(const hostmgr_t *m, size_t i);
const cfg4_t *hostmgr_cfg(const hostmgr_t *m);

/* ---- allocation engine ----------------------------------------------------------------------- */

/* The client's identifiers as host identifiers, in host-reservation-identifiers order: hw-address,
 * client-id (option 61 payload), duid (the DUID of an RFC 4361 client identifier), circuit-id.
 * Absent ones are left out. Returns the count (at most HOST_ID__COUNT). */
size_t hostmgr_client_ids(const cfg4_t *cfg, const hosts4_client_ids_t *ids, hostdb_id_t out[HOST_ID__COUNT]);

/* The reservation of a client in subnet_id (0 = global). */
int hostmgr_find_client(hostmgr_t *m, uint32_t subnet_id, const hosts4_client_ids_t *ids, hostmgr_ref_t *out,
                        char *err, size_t errlen);
/* The reservation of addr in subnet_id. */
int hostmgr_find_addr(hostmgr_t *m, uint32_t subnet_id, uint32_t addr, hostmgr_ref_t *out, char *err, size_t errlen);
/* Whether host h is this client's: its identifier is one the client presents (Kea's rule for "an
 * address reserved for someone else"). */
bool hostmgr_host_is_clients(const cfg4_t *cfg, const cfg_host4_t *h, const hosts4_client_ids_t *ids);
void hostmgr_ref_release(hostmgr_ref_t *r);

/* ---- control commands ------------------------------------------------------------------------ */

int hostmgr_get4(hostmgr_t *m, uint32_t subnet_id, uint8_t id_type, const uint8_t *id, size_t len,
                 hostdb_host4_t **out, char *err, size_t errlen);
int hostmgr_get4_by_addr(hostmgr_t *m, uint32_t subnet_id, uint32_t addr, hostdb_host4_t **out, char *err,
                         size_t errlen);
int hostmgr_get4_all(hostmgr_t *m, uint32_t subnet_id, hostdb_list_t *out, char *err, size_t errlen);
/* Kea's paging over sources: *source 0 is the config file, 1.. the databases; from is the last
 * host_id seen in that source. A source with nothing (left) moves on to the next one (from 0); on
 * return *source is the source the hosts came from. An empty result means every source is done. */
int hostmgr_get4_page(hostmgr_t *m, bool any_subnet, uint32_t subnet_id, size_t *source, uint64_t from,
                      size_t limit, hostdb_list_t *out, char *err, size_t errlen);
int hostmgr_get4_by_hostname(hostmgr_t *m, const char *hostname, bool any_subnet, uint32_t subnet_id,
                             hostdb_list_t *out, char *err, size_t errlen);
int hostmgr_get4_by_ident(hostmgr_t *m, uint8_t id_type, const uint8_t *id, size_t len, hostdb_list_t *out,
                          char *err, size_t errlen);

/* Adds h to every hosts database, as Kea 2.2 does. Refused (nothing written) when there is no
 * database (NST_ENOENT) or one of them is read-only (HOSTDB_EREADONLY). */
int hostmgr_add4(hostmgr_t *m, const hostdb_host4_t *h, char *err, size_t errlen);
/* Deletes from the first database holding the host, in list order (a read-only database met on
 * the way refuses). Returns 1 (deleted), 0 (not found) or an error (NST_ENOENT: no database). */
int hostmgr_del4_by_id(hostmgr_t *m, uint32_t subnet_id, uint8_t id_type, const uint8_t *id, size_t len,
                       char *err, size_t errlen);
int hostmgr_del4_by_addr(hostmgr_t *m, uint32_t subnet_id, uint32_t addr, char *err, size_t errlen);

#endif

/* The overlay of queued writes shared by the SQL lease stores: for each address with writes that
 * are queued but not yet committed, the state after them, so that the store's own lookups see
 * its writes at once (read-your-writes) while the commit thread batches them.
 *
 * Contract:
 * - The overlay does no locking of its own: every function is called with the owning store's lock
 *   held, except overlay4_addr() and overlay4_client(), which take that lock (given at init).
 * - Entries own their lease copy; overlay4_remove() and overlay4_fini() free them.
 * - An entry marked stale (a write of it failed) no longer answers lookups: the database decides.
 */
#ifndef NESTOR_LEASE_OVERLAY4_H
#define NESTOR_LEASE_OVERLAY4_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "lease/lease.h"

#define OVERLAY4_BUCKETS 4096

typedef struct overlay4_entry {
    uint32_t addr;
    unsigned ops;              /* queued writes not yet committed */
    bool present;              /* a lease exists after them */
    bool stale;                /* one of them failed */
    lease_t lease;             /* when present */
    struct overlay4_entry *next;                 /* hash chain */
    struct overlay4_entry *lprev, *lnext;        /* all entries, for scans by client */
} overlay4_entry_t;

typedef struct overlay4 {
    pthread_mutex_t *lock;     /* the owning store's lock (borrowed) */
    overlay4_entry_t *buckets[OVERLAY4_BUCKETS];
    overlay4_entry_t *list;
} overlay4_t;

void overlay4_init(overlay4_t *o, pthread_mutex_t *lock);
void overlay4_fini(overlay4_t *o);

/* Lock held. */
overlay4_entry_t *overlay4_find(overlay4_t *o, uint32_t addr);
overlay4_entry_t *overlay4_find_or_add(overlay4_t *o, uint32_t addr);
void overlay4_remove(overlay4_t *o, overlay4_entry_t *e);

/* Lookup by address: 1 = answered with a lease (copied into out), -1 = answered "no lease",
 * 0 = not known here: ask the database. Takes the lock. */
int overlay4_addr(overlay4_t *o, uint32_t addr, lease_t *out);

/* Merges the overlay into a by-client lookup: db (when db_found) is what the database said and is
 * freed here; the queued state of that address replaces it, and any queued lease of the client
 * with a later cltt wins. Returns 0 with *out set, or NST_ENOENT. Takes the lock. */
int overlay4_client(overlay4_t *o, lease_t *db, bool db_found, bool (*match)(const lease_t *, const void *),
                    const void *ctx, lease_t *out);

#endif

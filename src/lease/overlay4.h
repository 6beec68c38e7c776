/* The overlay of queued writes shared by the SQL lease stores: for each lease key (lease.h:
 * family, v6 type, address) with writes that are queued but not yet committed, the state after
 * them, so that the store's own lookups see its writes at once (read-your-writes) while the
 * commit thread batches them. One overlay serves both families (the "4" in its name is
 * historical: it began as lease4's); only its client indexes (overlay4_client, the DISCOVER path
 * of sqlbatch4/sqlcache4) are v4's.
 *
 * Contract:
 * - The overlay does no locking of its own: every function is called with the owning store's lock
 *   held, except overlay4_addr() and overlay4_client(), which take that lock (given at init).
 * - Entries own their lease copy; overlay4_remove() and overlay4_fini() free them.
 * - An entry marked stale (a write of it failed) no longer answers lookups: the database decides.
 * - Reads that must not wait for the queue to drain (reclamation's expired leases, the statistics
 *   recount, the flush of reclaimed leases: they run on the main loop) ask the database without
 *   flushing and merge the queued state (overlay4_expired, overlay4_counts, overlay4_queued_list),
 *   so that they still see the store's own writes.
 */
#ifndef NESTOR_LEASE_OVERLAY4_H
#define NESTOR_LEASE_OVERLAY4_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "lease/lease.h"

#define OVERLAY4_BUCKETS 4096

typedef struct overlay4_entry {
    lease_key_t key;
    unsigned ops;              /* queued writes not yet committed */
    bool present;              /* a lease exists after them */
    bool stale;                /* one of them failed */
    lease_t lease;             /* when present */
    int16_t before[2];         /* v4: client buckets of the row before its first write (-1: none) */
    bool before_unknown;       /* that row's client is not known (an update without old) */
    struct overlay4_entry *next;                 /* hash chain by address */
    struct overlay4_entry *by[2];                /* chains by client-id / hardware address of lease */
    struct overlay4_entry *lprev, *lnext;        /* all entries */
} overlay4_entry_t;

/* What a queued write changes in the per-subnet counts that Kea's triggers keep (lease4_stat,
 * lease6_stat per type: leases in the default and declined states): the counted lease it
 * replaces ([0]) and the one it leaves ([1]); state -1: none counted. */
typedef struct overlay4_delta {
    uint8_t family;
    uint8_t type[2];
    uint32_t subnet[2];
    int state[2];
} overlay4_delta_t;

/* The counts that queued writes not yet settled will add, per family, subnet and type (n[0]
 * default, n[1] declined); sorted in that order. */
typedef struct overlay4_pending {
    uint8_t family, type;
    uint32_t subnet_id;
    int64_t n[2];
} overlay4_pending_t;

typedef struct overlay4 {
    pthread_mutex_t *lock;     /* the owning store's lock (borrowed) */
    overlay4_entry_t *buckets[OVERLAY4_BUCKETS];
    overlay4_entry_t *clients[2][OVERLAY4_BUCKETS];  /* present leases by client-id, by hw address */
    overlay4_entry_t *list;
    overlay4_pending_t *pending;   /* sorted by subnet */
    size_t npending, cap_pending;
    uint64_t settled;              /* writes settled so far (see overlay4_settle) */
    /* Entries ended so far, and the count at which one touching a client bucket (by client-id,
     * by hardware address) or one of unknown client last ended (see overlay4_client_since). */
    uint64_t ended, ended_any, ended_in[2][OVERLAY4_BUCKETS];
} overlay4_t;

/* A by-client lookup: the leases of subnet whose client-id (hw false) or hardware address (hw
 * true) is the len bytes at id. */
typedef struct overlay4_key {
    const uint8_t *id;
    size_t len;
    uint32_t subnet;
    bool hw;
} overlay4_key_t;

/* expire as the SQL schemas store it: cltt + valid, or cltt for an infinite lifetime (Kea's
 * convention). */
static inline int64_t overlay4_db_expire(const lease_t *l)
{
    return l->valid_lft == LEASE_INFINITE ? l->cltt : l->cltt + (int64_t)l->valid_lft;
}

enum overlay4_op { OVERLAY4_ADD, OVERLAY4_UPDATE, OVERLAY4_DEL };

void overlay4_init(overlay4_t *o, pthread_mutex_t *lock);
void overlay4_fini(overlay4_t *o);

/* Lock held. */
overlay4_entry_t *overlay4_find(overlay4_t *o, const lease_key_t *key);
overlay4_entry_t *overlay4_find_or_add(overlay4_t *o, const lease_key_t *key);
void overlay4_remove(overlay4_t *o, overlay4_entry_t *e);

/* Lock held. Checks a write of l against the queued state of its address and records it (the
 * address now has one more queued write, and l, or no lease after a delete, as its state; its
 * change to the counts is *delta, pending until overlay4_settle()).
 * Returns 0, NST_EEXIST (add over a queued lease) or NST_ENOENT (update/delete of a queued delete).
 * On 0, *conditional and *cond_expire say whether the database write must only apply to a row
 * whose stored expire is *cond_expire: the state this server last saw, its own queued write, or
 * else the caller's read (old; for a delete, l itself). */
int overlay4_begin(overlay4_t *o, enum overlay4_op op, const lease_t *l, const lease_t *old, bool *conditional,
                   int64_t *cond_expire, overlay4_delta_t *delta);

/* Lock held. The database has done with the write of delta (committed or failed; called by the
 * commit thread before the write's completion): its counts are no longer pending. */
void overlay4_settle(overlay4_t *o, const overlay4_delta_t *delta);

/* Takes the lock. One queued write of key finished; a failed one leaves the key to the
 * database (stale) until its other queued writes finish. */
void overlay4_end(overlay4_t *o, const lease_key_t *key, bool failed);

/* Lookup by key: 1 = answered with a lease (copied into out), -1 = answered "no lease",
 * 0 = not known here: ask the database. Takes the lock. */
int overlay4_addr(overlay4_t *o, const lease_key_t *key, lease_t *out);

/* v4 only. A client lookup reads the database, then merges the overlay: a write queued before the
 * read and committed after it, whose entry ended before the merge, would be in neither. So a
 * lookup takes overlay4_client_mark() before its read, and reads again while
 * overlay4_client_since() says an entry that can change its answer (one whose lease, before or
 * after its writes, was the client's in one of k[0..n-1]'s buckets) ended since. Takes the lock. */
uint64_t overlay4_client_mark(overlay4_t *o);
bool overlay4_client_since(overlay4_t *o, const overlay4_key_t *k, size_t n, uint64_t mark);

/* v4 only. Merges the overlay into a by-client lookup: db (when db_found) is what the database said and is
 * freed here; the queued state of that address replaces it, and any queued lease of the client
 * with a later cltt wins. Returns 0 with *out set, or NST_ENOENT. Takes the lock. */
int overlay4_client(overlay4_t *o, lease_t *db, bool db_found, const overlay4_key_t *k, lease_t *out);

/* overlay4_reads.c: reads of the main loop that see the queued writes without waiting for them.
 * Each takes the lock. */

/* Merges the queued state of family's leases into list, the database's answer to the expired
 * leases of family (now, max): a row whose key has queued writes takes their state (and goes if
 * that is no longer expired, or reclaimed), queued expired leases the database has not yet are
 * added; by expiry, at most max (0: no limit). */
void overlay4_expired(overlay4_t *o, enum lease_family family, lease_list_t *list, int64_t now, size_t max);

/* The database's per-subnet (v6: and type) counts of one family, sorted so, read without waiting
 * for the queue. */
typedef int (*overlay4_count_fn)(void *ctx, lease_subnet_counts_t **out, size_t *n);
/* query's counts (of family) plus those pending in family's queued writes. The query is repeated (up to 3 times in all)
 * when writes settled while it ran, since their commit may or may not be in its answer; past that
 * (a commit thread busy all along) the answer can be off by the writes that settled meanwhile. */
int overlay4_counts(overlay4_t *o, enum lease_family family, overlay4_count_fn query, void *ctx, lease_subnet_counts_t **out, size_t *n);

/* The addresses of family with queued writes (v4 in decimal, v6 as text: their forms in Kea's
 * lease4 and lease6 tables), separated by commas, between open and close (e.g. "{", "}" for a
 * PostgreSQL array); malloc'd. */
char *overlay4_queued_list(overlay4_t *o, enum lease_family family, const char *open, const char *close);

#endif

/* High availability: the lease updates waiting for one peer. Pure bookkeeping, family-neutral (an
 * update is an opaque command the family built: lease4-update/-del, lease6-bulk-apply); the
 * service sends what ha_updq_next() gives and reports each answer with ha_updq_done().
 *
 * Contract:
 * - Order: updates with the same key (the lease's address, hashed by the caller) go out in the
 *   order they were pushed, one at a time; updates with different keys may be in flight together,
 *   up to `window` at once, so the pair's rate is not one round trip per lease. (Kea's own peers
 *   answer each request on its connection in turn; several connections give the parallelism.)
 * - Backlog (Kea's communication-recovery): while held (ha_updq_hold), pushed updates wait without
 *   being handed out; when more than `limit` wait, the queue overflows: ha_updq_push() says so once
 *   and the updates are dropped (their holds released through `drop`), as Kea clears its backlog
 *   and resynchronises. ha_updq_release() lets them go, in order.
 * - Ownership: the queue owns each update from push until it is handed back by ha_updq_done() (the
 *   caller frees it: the command and hold are the caller's) or by the drop callback.
 * - Threads: push may be called from any thread (a lease write completes on whatever thread);
 *   every function takes the queue's lock. ha_updq_next / _done run on the service's loop.
 */
#ifndef NESTOR_HA_HA_UPDQ_H
#define NESTOR_HA_HA_UPDQ_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ha_upd {
    uint64_t key;                 /* updates with one key keep their order */
    void *cmd;                    /* the command (the caller's: e.g. a json_t) */
    void *hold;                   /* what waits for the answer (the caller's: a reply hold), or NULL */
    struct ha_upd *next;          /* queue link (the queue's) */
} ha_upd_t;

typedef void (*ha_upd_drop_fn)(void *arg, ha_upd_t *u);

typedef struct ha_updq {
    pthread_mutex_t mu;
    ha_upd_t *head, *tail;        /* waiting, in push order */
    size_t waiting;
    uint64_t *busy;               /* keys in flight (open addressing, 0 = free; key 0 is mapped to 1) */
    size_t busy_cap, inflight, window;
    bool held;
    size_t limit;                 /* backlog limit while held (0: no backlog: drop at once) */
    uint64_t overflows;
    ha_upd_drop_fn drop;
    void *drop_arg;
} ha_updq_t;

/* window >= 1 requests in flight at most. 0 or NST_ENOMEM. */
int ha_updq_init(ha_updq_t *q, size_t window, ha_upd_drop_fn drop, void *drop_arg);
/* Drops every waiting update (through the drop callback); the ones in flight stay the caller's. */
void ha_updq_destroy(ha_updq_t *q);

/* Queues u. Returns 1 when the caller should look for work (ha_updq_next) now, 0 when it waits
 * (held, or the window is full), -1 when it overflowed the backlog: everything waiting, u included,
 * was dropped. */
int ha_updq_push(ha_updq_t *q, ha_upd_t *u);
/* The next update that may go out (its key not in flight, the window not full, not held), marked in
 * flight; NULL when there is none. */
ha_upd_t *ha_updq_next(ha_updq_t *q);
/* u's answer came (or failed): its key is free again. */
void ha_updq_done(ha_updq_t *q, ha_upd_t *u);

/* Communication-recovery: hold the updates (backlog of at most `limit`), or let them go. */
void ha_updq_hold(ha_updq_t *q, size_t limit);
void ha_updq_release(ha_updq_t *q);
/* Drops everything waiting (e.g. the partner is down: updates are not sent, as Kea). */
size_t ha_updq_clear(ha_updq_t *q);
size_t ha_updq_waiting(ha_updq_t *q);
size_t ha_updq_inflight(ha_updq_t *q);

#endif

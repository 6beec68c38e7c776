/* Packet worker threads shared by the daemons (Kea's "multi-threading"), for either family.
 *
 * Contract:
 * - The main thread receives packets and hands each payload to workq_submit(), which copies it
 *   (with the receiving interface and the family's per-packet facts, `meta`) into a bounded queue
 *   of queue_size entries.
 * - Two classes (ops->peek_class, no parsing): WORKQ_NEW (a client starting an exchange:
 *   DISCOVER, SOLICIT, or unknown) and WORKQ_ONGOING (the rest). Workers take ONGOING first; a
 *   full queue drops the oldest NEW packet, or the newcomer when it is NEW and none is queued,
 *   before it drops anything else. Under overload the server so finishes the exchanges it has
 *   begun instead of losing them to new ones. Every drop is reported through ops->dropped.
 * - At most one packet per client is in flight (ops->client_key of the parsed packet): a packet
 *   of a busy client waits; a newer one replaces it (reported as superseded), and the worker that
 *   holds the client runs the waiting packet next.
 * - Configuration generations: each worker holds a reference to the generation of `gens` it
 *   serves with and moves to the current one between packets (one atomic load per packet); a
 *   reload that publishes a new generation does not stop or pause the workers. Packets are
 *   processed with the generation the worker holds.
 * - workq_pause() returns once no worker is processing and none will start until
 *   workq_resume(); queued packets stay queued. Pauses nest.
 * - workq_stop() drops what is queued (reported), lets running packets finish, joins the threads
 *   and frees everything, including the workers' generation references.
 * - Lookahead (optional ops): when only NEW packets are queued and ops->lookahead() says lookups
 *   are round trips, a worker takes a run of up to WORKQ_AHEAD_MAX of them, calls prefetch() for
 *   each, prefetch_run() once, handles them, and then prefetch_end().
 */
#ifndef NESTOR_SERVER_WORKQ_H
#define NESTOR_SERVER_WORKQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server/gen.h"

#define WORKQ_META 32        /* bytes of per-packet facts a family keeps with a payload */
#define WORKQ_KEY_MAX 260    /* bytes of a client key */
#define WORKQ_AHEAD_MAX 32

enum workq_class { WORKQ_NEW = 0, WORKQ_ONGOING = 1 };
enum workq_drop { WORKQ_DROP_FULL_NEW, WORKQ_DROP_FULL_ONGOING, WORKQ_DROP_SUPERSEDED, WORKQ_DROP_STOPPED };

typedef struct workq_job {
    void *iface;
    uint8_t meta[WORKQ_META];
    size_t len;
    uint8_t data[];
} workq_job_t;

typedef struct workq_ops {
    enum workq_class (*peek_class)(const uint8_t *payload, size_t len);
    size_t scratch_size;      /* per-worker parse buffer */
    /* Parses job into scratch; false: dropped (the family counted it). quiet: the packet was
     * parsed and counted once already (it waited behind its client). */
    bool (*parse)(void *ctx, void *scratch, const workq_job_t *job, bool quiet);
    /* The key that serialises a client's packets (0: none, not serialised). */
    size_t (*client_key)(const void *scratch, uint8_t key[WORKQ_KEY_MAX]);
    void (*process)(void *ctx, gen_t *gen, void *scratch, const workq_job_t *job);
    bool (*lookahead)(void *ctx);                                   /* optional */
    void (*prefetch)(void *ctx, gen_t *gen, void *scratch, const workq_job_t *job);
    void (*prefetch_run)(void *ctx, gen_t *gen);
    void (*prefetch_end)(void *ctx, gen_t *gen);
    void (*dropped)(void *ctx, enum workq_drop why);
} workq_ops_t;

typedef struct workq workq_t;

/* threads 0 = one per CPU. Starts paused when paused is true. */
workq_t *workq_start(const workq_ops_t *ops, void *ctx, gen_slot_t *gens, unsigned threads, unsigned queue_size,
                     bool paused);
void workq_stop(workq_t *w);
void workq_submit(workq_t *w, void *iface, const void *meta, size_t metalen, const uint8_t *payload, size_t len);
void workq_pause(workq_t *w);
void workq_resume(workq_t *w);
unsigned workq_threads(const workq_t *w);
size_t workq_capacity(const workq_t *w);
/* Room for a receiver that would rather wait than see packets dropped: the free slots of the
 * queue now; 0 also arranges wake(arg) (once, on a worker thread or workq_stop's caller) when a
 * quarter of the queue is free again, so that the receiver can stop reading its sockets (whose
 * buffers hold the packets) until then. A later call replaces the pending wake-up. */
size_t workq_room(workq_t *w, void (*wake)(void *arg), void *arg);
/* Packets waiting in the queue now. */
size_t workq_queued(workq_t *w);

#endif

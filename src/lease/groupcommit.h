/* Group-commit pacing for the commit threads of the SQL lease stores (sqlcore_commit.c).
 *
 * Each batch of queued writes is one transaction and one flush to disk on the database server.
 * Under load (the previous batch ended less than GROUPCOMMIT_BUSY_MS ago) the commit thread lets
 * the next batch gather for GROUPCOMMIT_LINGER_US before sending it (unless it already has
 * GROUPCOMMIT_ENOUGH writes), so that many writes share
 * that flush; an idle server sends a write at once. The cost is at most that long a wait added
 * to a reply, and only under load.
 */
#ifndef NESTOR_LEASE_GROUPCOMMIT_H
#define NESTOR_LEASE_GROUPCOMMIT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#define GROUPCOMMIT_BUSY_MS 5
#ifndef GROUPCOMMIT_LINGER_US
#define GROUPCOMMIT_LINGER_US 1000
#endif
#define GROUPCOMMIT_ENOUGH 16

static inline int64_t groupcommit_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Called without the store's lock, when queued writes are waiting: last_end_ns is when the
 * previous batch finished (0: never). A batch that gathered GROUPCOMMIT_ENOUGH writes while the
 * previous one ran goes at once: waiting would only add latency. */
static inline void groupcommit_linger(int64_t last_end_ns, unsigned queued)
{
    if (queued < GROUPCOMMIT_ENOUGH && last_end_ns &&
        groupcommit_now_ns() - last_end_ns < (int64_t)GROUPCOMMIT_BUSY_MS * 1000000) {
        struct timespec d = {0, GROUPCOMMIT_LINGER_US * 1000L};
        nanosleep(&d, NULL);
    }
}

/* How long the oldest write not yet completed has waited (queued or in the batch being
 * committed), for the server to hold back new work when commits fall behind. The functions that
 * change it are called under the store's queue lock; groupcommit_backlog_ms() from any thread. */
typedef struct groupcommit_age {
    int64_t qhead_ns;          /* when the write at the head of the queue was queued */
    _Atomic int64_t since_ns;  /* the oldest pending write's queue time; 0: none */
} groupcommit_age_t;

/* A write was queued; first: the queue was empty; busy: a batch is being committed. */
static inline void groupcommit_queued(groupcommit_age_t *g, bool first, bool busy)
{
    if (!first)
        return;
    g->qhead_ns = groupcommit_now_ns();
    if (!busy)
        atomic_store(&g->since_ns, g->qhead_ns);
}

/* The commit thread took the whole queue as its batch. */
static inline void groupcommit_taken(groupcommit_age_t *g)
{
    atomic_store(&g->since_ns, g->qhead_ns);
}

/* The batch completed; queued: writes came meanwhile. */
static inline void groupcommit_done(groupcommit_age_t *g, bool queued)
{
    atomic_store(&g->since_ns, queued ? g->qhead_ns : 0);
}

static inline int64_t groupcommit_backlog_ms(groupcommit_age_t *g)
{
    int64_t since = atomic_load(&g->since_ns);
    return since ? (groupcommit_now_ns() - since) / 1000000 : 0;
}

#endif

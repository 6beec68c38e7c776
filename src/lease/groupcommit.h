/* Group-commit pacing for the commit threads of the SQL lease stores (pgsql4, mysql4).
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

#endif

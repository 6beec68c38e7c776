/* Internal to the alloc module. */
#ifndef NESTOR_ALLOC_ALLOC4_INTERNAL_H
#define NESTOR_ALLOC_ALLOC4_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "alloc/alloc4.h"
#include "common/util.h"
#include "stats/stats.h"

/* Writers of a lease for one address (request, release, decline, reclaim) hold that address's
 * stripe lock from the check to the write, so two threads never both decide an address is free.
 * A thread holds at most one stripe at a time. */
#define ALLOC4_ADDR_STRIPES 256

/* The stripes, shared by the engines of successive configurations (alloc4_inherit): packets of an
 * old generation may still be allocating while the new one starts. */
typedef struct alloc4_locks {
    atomic_uint refs;
    pthread_mutex_t m[ALLOC4_ADDR_STRIPES];
} alloc4_locks_t;

/* A pool found full: until the earliest expiry among the leases that filled it (epoch seconds,
 * the request's clock) and for at most ALLOC4_FULL_RECHECK_MS, pickers skip it instead of asking
 * the store about every address again. Freeing an address of the pool here (release, reclaim,
 * a lease command) forgets the mark; the time bound covers changes made elsewhere (another
 * server on a shared database). Read and written with atomics. */
#define ALLOC4_FULL_RECHECK_MS 5000
typedef struct pool_full {
    int64_t until;                /* 0: not known to be full */
    int64_t marked_ms;            /* monotonic time of the mark */
} pool_full_t;

typedef struct subnet_state {
    uint32_t *cursors;            /* iterative allocator: next candidate per pool */
    pool_full_t *full;            /* per pool */
    stat_t *total, *assigned, *declined, *cumulative, *reclaimed, *reclaimed_declined;
} subnet_state_t;

struct alloc4 {
    const cfg4_t *cfg;
    const hosts4_t *hosts;
    lease_store_t *store;
    subnet_state_t *subnets;      /* parallel to cfg->subnets */
    alloc4_locks_t *locks;        /* per-address serialisation (striped) */
    alloc4_change_fn notify;      /* leases-changed listener (alloc4_set_change_listener) */
    void *notify_arg;
    uint64_t seed;                /* seeds each thread's random allocator */
    stat_t *g_declined, *g_cumulative, *g_reclaimed, *g_reclaimed_declined;
    stat_t *g_fail, *g_fail_subnet, *g_fail_network, *g_fail_no_pools, *g_res_conflicts;
};

subnet_state_t *alloc4_state(alloc4_t *a, const cfg_subnet4_t *s);
void alloc4_stats_bind(subnet_state_t *st, uint32_t subnet_id);
void alloc4_stats_bind_global(alloc4_t *a);
bool alloc4_lease_is_clients(const cfg_subnet4_t *s, const lease_t *l, const alloc4_req_t *req);
/* flags: enum lease_lookup (which message looks up; see lease.h). */
bool alloc4_find_client_lease(alloc4_t *a, const alloc4_req_t *req, unsigned flags, lease_t *out,
                              const cfg_subnet4_t **where, alloc4_fail_t *f);
/* Whether addr may be given to this client (see alloc4.c). When prev is not NULL it receives
 * the lease found at addr (prev->family 0 when there is none); the caller frees it. */
bool alloc4_addr_usable(alloc4_t *a, const cfg_subnet4_t *s, uint32_t addr, const alloc4_req_t *req,
                        const cfg_host4_t *own, lease_t *prev, alloc4_fail_t *f);
uint32_t alloc4_pick(alloc4_t *a, const cfg_subnet4_t *s, const alloc4_req_t *req, uint32_t skip, alloc4_fail_t *f);
/* addr may have become free (a lease released, reclaimed or deleted): its pool is no longer
 * known to be full. */
void alloc4_addr_freed(alloc4_t *a, const cfg_subnet4_t *s, uint32_t addr);

/* Records a lookup failure in f (the first one wins; f may be NULL: not recorded). Lookups that
 * take an alloc4_fail_t record their failures there and answer "nothing usable". */
void alloc4_fail(alloc4_fail_t *f, const char *fmt, ...) NST_PRINTF(2, 3);

#endif

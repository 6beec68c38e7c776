/* DHCPv4 address allocation.
 *
 * Contract:
 * - An alloc4_t holds the runtime state that goes with one published configuration: allocator
 *   cursors and per-subnet statistics handles. It borrows the config, the host index and the
 *   lease store, which must outlive it. Rebuilt on every reconfiguration.
 * - alloc4_offer() never writes: it finds the address a DISCOVER would get (Kea's "fake
 *   allocation"). alloc4_request()/release()/decline() write through the lease store, passing the
 *   commit callback along: the caller must hold its reply until the callback runs (it may run
 *   before the call returns).
 * - Conflicts: the store's add() refuses a taken address (NST_EEXIST); the engine then moves to the
 *   next candidate, so two clients never end up with one address. Worker threads never wait for
 *   each other while the store is asked: the iterative allocator claims candidates from a
 *   per-pool cursor with compare-and-swap, the random one has a seed per thread, and every
 *   writer of one address's lease holds that address's stripe lock from check to write.
 * - A pool found full is skipped (not asked about address by address) until the earliest expiry
 *   among its leases, for at most ALLOC4_FULL_RECHECK_MS, or until the engine frees one of its
 *   addresses (alloc4_internal.h): a DISCOVER costs the same number of store lookups however
 *   large the full pools before a free one are.
 * - Results own their lease (alloc4_result_free).
 * - Host reservations come from the config-file index, and, when a host manager with databases
 *   is attached (alloc4_set_hostmgr), from the hosts databases behind it (file first, Kea's
 *   order). Without databases the reservation lookups cost exactly what the index costs. A
 *   reservation read from a database is a copy held for the calling thread: it stays valid until
 *   that thread calls alloc4_result_free() (which every offer/request result gets), or at least
 *   for the next 7 lookups of that thread, whichever comes first.
 * - Errors: a lease or hosts database that fails a lookup ends the allocation with
 *   ALLOC4_STORE_ERROR, the reason in the result's alloc4_fail_t (no thread-local state); the
 *   caller answers nothing rather than guessing.
 */
#ifndef NESTOR_ALLOC_ALLOC4_H
#define NESTOR_ALLOC_ALLOC4_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "config/cfg4.h"
#include "config/classify.h"
#include "hosts/hosts4.h"
#include "hosts/hostmgr.h"
#include "lease/lease.h"

typedef struct alloc4 alloc4_t;

enum alloc4_status {
    ALLOC4_OK = 0,       /* lease in result */
    ALLOC4_NAK,          /* the client's request cannot be honoured: send DHCPNAK */
    ALLOC4_NO_ADDRESS,   /* pools exhausted: no reply (counted as an allocation failure) */
    ALLOC4_SILENT,       /* RFC 2131: no reply (e.g. non-authoritative INIT-REBOOT, unknown lease) */
    ALLOC4_STORE_ERROR,  /* the lease store failed: no reply */
    ALLOC4_UNKNOWN_ADDR, /* REQUEST for an address in none of the pools of the client's network
                          * (and not its reservation): no reply, as Kea (not a NAK) */
};

enum alloc4_request_kind {  /* RFC 2131 §4.3.2 client states in DHCPREQUEST */
    REQ_SELECTING,
    REQ_INIT_REBOOT,
    REQ_RENEWING,
    REQ_REBINDING,
};

typedef struct alloc4_req {
    const cfg_subnet4_t *subnet;   /* selected subnet (its shared network is used too) */
    const uint8_t *hwaddr;
    uint8_t hwaddr_len;
    const uint8_t *client_id;      /* option 61 payload, NULL = none */
    uint8_t client_id_len;
    const uint8_t *circuit_id;     /* option 82 sub-option 1, NULL = none */
    uint8_t circuit_id_len;
    const uint8_t *flex_id;        /* flex-id's identifier, NULL = none */
    uint8_t flex_id_len;
    const uint8_t *rai;            /* option 82 data (store-extended-info), NULL = none */
    uint8_t rai_len;
    uint32_t hint;                 /* requested address (option 50) or ciaddr; 0 = none */
    uint32_t requested_lft;        /* option 51; 0 = none */
    const char *hostname;          /* option 12 (NUL-terminated), NULL = none */
    int64_t now;
    /* Client classification: the packet's classes (NULL: none; subnets and pools with a
     * client-class are then skipped, except ALL's), the first of its classes with a
     * valid-lifetime (NULL: the subnet's), and the reservation when the caller looked it up
     * already (host_known; host NULL: none) so that the engine does not ask again. */
    const cls_set_t *classes;
    const cfg_class_t *life_class;
    const cfg_host4_t *host;
    bool host_known;
} alloc4_req_t;

/* The first failure of one allocation's lookups (a lease or hosts database error, not "nothing
 * found"): the allocation then ends with ALLOC4_STORE_ERROR and no answer to the client, instead
 * of deciding on facts it could not read (Kea drops such a packet too). */
typedef struct alloc4_fail {
    bool failed;
    char why[256];
} alloc4_fail_t;

typedef struct alloc4_result {
    lease_t lease;
    const cfg_subnet4_t *subnet;   /* subnet the lease belongs to */
    const cfg_host4_t *host;       /* reservation that applied, or NULL */
    const char *why;               /* short reason for NAK/failure, for logs */
    alloc4_fail_t fail;            /* ALLOC4_STORE_ERROR: what failed (why points here) */
    bool reused;                   /* REQUEST: the client's lease was reused as it is (lease caching:
                                    * cache-threshold / cache-max-age); nothing was written and the
                                    * commit callback does not run; lease.valid_lft is what remains */
} alloc4_result_t;

alloc4_t *alloc4_new(const cfg4_t *cfg, const hosts4_t *hosts, lease_store_t *store);
/* Carries over from the engine of the previous configuration what outlives a configuration: the
 * iterative allocator's cursors (each pool of a subnet with the same id and the same range goes
 * on where it was) and the per-address locks, which packets still served with the old
 * configuration share with the new one. Call before the new engine is used; old may be freed
 * afterwards. */
void alloc4_inherit(alloc4_t *a, const alloc4_t *old);
/* Attaches the host manager of the same configuration (borrowed; NULL or one without databases:
 * config-file reservations only). Call before any lookup; it must outlive a. */
void alloc4_set_hostmgr(alloc4_t *a, hostmgr_t *hm);
void alloc4_free(alloc4_t *a);
void alloc4_result_free(alloc4_result_t *r);

/* The lock every writer of addr's lease holds from its check to its write (the engine's own
 * writers do; so must anyone else who writes leases beside them, such as lease commands). Shared
 * by the engines of successive configurations. A thread holds one such lock at most. */
pthread_mutex_t *alloc4_addr_lock(alloc4_t *a, uint32_t addr);

/* Leases-changed listener: called from the commit callback of every lease write the engine makes
 * (REQUEST: LEASE_CHANGE_ALLOC, also for the client's previous lease it drops; RELEASE; DECLINE;
 * reclamation: LEASE_CHANGE_EXPIRY) once the store has it, on whatever thread completes the
 * write, before the write's own callback; write_arg is that callback's argument (for a
 * REQUEST, what alloc4_request was given; NULL otherwise). Never called for a failed write. */
typedef void (*alloc4_change_fn)(void *arg, const lease_change_t *change, void *write_arg);
void alloc4_set_change_listener(alloc4_t *a, alloc4_change_fn fn, void *arg);

/* A lease of subnet_id at addr was deleted or changed outside the engine (a lease command): the
 * address's pool is no longer known to be full. */
void alloc4_lease_freed(alloc4_t *a, uint32_t subnet_id, uint32_t addr);

/* Recomputes per-subnet statistics (total, assigned, declined) from the store, and forgets which
 * pools were full (the store changed under the engine). */
void alloc4_recount(alloc4_t *a);

/* The reservation for this client in subnet (honouring reservations-in-subnet/global), or NULL;
 * subnet NULL: global reservations only (early-global-reservations-lookup).
 * In-subnet reservations are preferred to global ones. See the contract for the lifetime of a
 * database reservation. A failed database lookup is recorded in f (may be NULL) and answers NULL. */
const cfg_host4_t *alloc4_host(alloc4_t *a, const cfg_subnet4_t *subnet, const alloc4_req_t *req, alloc4_fail_t *f);

int alloc4_offer(alloc4_t *a, const alloc4_req_t *req, alloc4_result_t *out);

/* Lookahead, for a thread about to handle several DISCOVERs in a row (a store whose lookups are
 * round trips, prefetch in lease.h; otherwise these do nothing): alloc4_prefetch_add() for each
 * (the request is read during the call only), then alloc4_prefetch_run() looks them all up at
 * once, claiming each one's candidate address; each alloc4_offer() of the same client that
 * follows on this thread uses its claim and the store's prefetched answer. alloc4_prefetch_end()
 * after the last: a claim left unused only skips its address until the pool wraps. At most
 * ALLOC4_AHEAD_MAX requests; more are simply not prefetched. */
#define ALLOC4_AHEAD_MAX 32
void alloc4_prefetch_add(alloc4_t *a, const alloc4_req_t *req);
/* Returns how many were looked up (0 also when the lookup failed: each then asks alone). */
size_t alloc4_prefetch_run(alloc4_t *a);
void alloc4_prefetch_end(void);
/* REQUEST, as Kea 2.2's engine (Dhcpv4Srv::assignLease, AllocEngine::requestLease4): req->hint
 * is option 50, else ciaddr, else 0. INIT-REBOOT: a client without a lease in the network gets
 * ALLOC4_SILENT unless the selected subnet is authoritative (then ALLOC4_NAK), a known one
 * ALLOC4_NAK when its lease is for another address. No address named: the client's reserved
 * address, else its lease, else a new address, else ALLOC4_NAK. An address in another client's
 * lease or reserved for another: ALLOC4_NAK; in none of the pools (and not the client's
 * reservation): ALLOC4_UNKNOWN_ADDR. The lease goes to the subnet of the network whose pool holds
 * the address. Taking a new address drops the client's previous lease. */
int alloc4_request(alloc4_t *a, const alloc4_req_t *req, enum alloc4_request_kind kind,
                   lease_commit_cb cb, void *arg, alloc4_result_t *out);
/* RELEASE: deletes the client's lease for addr. Returns ALLOC4_OK or ALLOC4_SILENT when the
 * lease is not the client's (or absent). */
int alloc4_release(alloc4_t *a, const alloc4_req_t *req, uint32_t addr);
/* DECLINE: puts addr into probation for decline-probation-period. */
int alloc4_decline(alloc4_t *a, const alloc4_req_t *req, uint32_t addr, uint32_t probation);

/* Expired-lease reclamation: at most max leases (0 = no limit) within max_ms milliseconds
 * (0 = no limit). remove: delete instead of keeping them as expired-reclaimed. Returns the
 * number reclaimed. */
int alloc4_reclaim(alloc4_t *a, int64_t now, uint32_t max, uint32_t max_ms, bool remove);

/* The lifetimes a lease gets in a subnet, given the client's requested lifetime (0 = none). */
uint32_t alloc4_valid_lft(const cfg_subnet4_t *s, uint32_t requested);
/* The same for a request: its class's valid-lifetime (Kea: the first class that sets one) wins
 * over the subnet's. */
uint32_t alloc4_req_valid_lft(const cfg_subnet4_t *s, const alloc4_req_t *req);
/* Whether the client of req may use subnet s / the pool holding addr in s (client-class). */
bool alloc4_subnet_allowed(const alloc4_req_t *req, const cfg_subnet4_t *s);
bool alloc4_in_allowed_pool(const alloc4_req_t *req, const cfg_subnet4_t *s, uint32_t addr);
/* The reservation for this client in its subnet or, failing that, in another subnet of its
 * shared network (what the engine itself looks up); *where gets the reservation's subnet. */
const cfg_host4_t *alloc4_host_for(alloc4_t *a, const alloc4_req_t *req, const cfg_subnet4_t **where,
                                   alloc4_fail_t *f);
/* T1/T2 for a lease; returns false for each timer that must not be sent. */
void alloc4_timers(const cfg_subnet4_t *s, uint32_t valid, uint32_t *t1, bool *send_t1,
                   uint32_t *t2, bool *send_t2);

#endif

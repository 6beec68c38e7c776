/* DHCPv4 allocation: client lease lookup, candidate evaluation, iterative/random allocators. */
#include "alloc/alloc4.h"

#include <math.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc/alloc4_internal.h"
#include "common/errcode.h"
#include "common/util.h"

static uint32_t bounded(uint32_t dflt, uint32_t min, uint32_t max, uint32_t requested)
{
    if (!requested)
        return dflt;
    if (requested < min)
        return min;
    if (requested > max)
        return max;
    return requested;
}

uint32_t alloc4_valid_lft(const cfg_subnet4_t *s, uint32_t requested)
{
    return bounded(s->life.valid, s->life.valid_min, s->life.valid_max, requested);
}

uint32_t alloc4_req_valid_lft(const cfg_subnet4_t *s, const alloc4_req_t *req)
{
    const cfg_class_t *k = req->life_class;
    if (k && k->has_valid)
        return bounded(k->valid, k->valid_min, k->valid_max, req->requested_lft);
    return alloc4_valid_lft(s, req->requested_lft);
}

bool alloc4_subnet_allowed(const alloc4_req_t *req, const cfg_subnet4_t *s)
{
    if (s->cls.client_class <= 0)
        return true;
    return req->classes && cls_set_has(req->classes, s->cls.client_class);
}

static bool pool_allowed(const alloc4_req_t *req, const cfg_pool4_t *p)
{
    return p->cls.client_class <= 0 || (req->classes && cls_set_has(req->classes, p->cls.client_class));
}

bool alloc4_in_allowed_pool(const alloc4_req_t *req, const cfg_subnet4_t *s, uint32_t addr)
{
    for (size_t i = 0; i < s->pool_count; i++)
        if (addr >= s->pools[i].first && addr <= s->pools[i].last)
            return pool_allowed(req, &s->pools[i]);
    return false;
}

/* Kea's rule (Dhcpv4Srv::setTeeTimes): a configured timer wins, else a calculated one
 * (rounded) when calculate-tee-times is on. T2 is sent when 0 < T2 < valid; T1 when
 * 0 < T1 < T2 (if T2 is sent) or valid. */
void alloc4_timers(const cfg_subnet4_t *s, uint32_t valid, uint32_t *t1, bool *send_t1,
                   uint32_t *t2, bool *send_t2)
{
    *send_t1 = *send_t2 = false;
    *t1 = *t2 = 0;
    if (valid == LEASE_INFINITE)
        return;
    if (s->life.has_rebind)
        *t2 = s->life.rebind;
    else if (s->life.calculate_tee_times)
        *t2 = (uint32_t)lround(valid * s->life.t2_percent);
    *send_t2 = *t2 > 0 && *t2 < valid;
    if (s->life.has_renew)
        *t1 = s->life.renew;
    else if (s->life.calculate_tee_times)
        *t1 = (uint32_t)lround(valid * s->life.t1_percent);
    *send_t1 = *t1 > 0 && *t1 < (*send_t2 ? *t2 : valid);
}

/* The engine plus what the host-database integration adds, kept here so that the internal header
 * shared with alloc4_ops.c stays as it is. Every alloc4_t is allocated by alloc4_new as one. */
typedef struct alloc4_ext {
    struct alloc4 a;          /* first: an alloc4_t * is this object */
    hostmgr_t *hm;            /* NULL or without databases: config-file reservations only */
} alloc4_ext_t;

static alloc4_ext_t *EXT(alloc4_t *a) { return (alloc4_ext_t *)a; }

/* Database reservations handed out on this thread (see alloc4.h): a small ring, emptied by
 * alloc4_result_free and at thread exit. */
#define HOLD_SLOTS 8
typedef struct host_hold {
    hostdb_host4_t *slot[HOLD_SLOTS];
    unsigned next, count;
} host_hold_t;

static pthread_key_t hold_key;
static pthread_once_t hold_once = PTHREAD_ONCE_INIT;

static void hold_clear(host_hold_t *h)
{
    for (unsigned i = 0; i < HOLD_SLOTS; i++) {
        hostdb_host4_free(h->slot[i]);
        h->slot[i] = NULL;
    }
    h->next = h->count = 0;
}

static void hold_destroy(void *p)
{
    hold_clear(p);
    free(p);
}

static void hold_init(void) { pthread_key_create(&hold_key, hold_destroy); }

static void hold(hostdb_host4_t *h)
{
    pthread_once(&hold_once, hold_init);
    host_hold_t *t = pthread_getspecific(hold_key);
    if (!t) {
        t = xcalloc(1, sizeof *t);
        pthread_setspecific(hold_key, t);
    }
    hostdb_host4_free(t->slot[t->next]); /* the oldest, when the ring is full */
    t->slot[t->next] = h;
    t->next = (t->next + 1) % HOLD_SLOTS;
    if (t->count < HOLD_SLOTS)
        t->count++;
}

static void release_held(void)
{
    pthread_once(&hold_once, hold_init);
    host_hold_t *t = pthread_getspecific(hold_key);
    if (t && t->count)
        hold_clear(t);
}

static alloc4_locks_t *locks_new(void)
{
    alloc4_locks_t *l = xcalloc(1, sizeof *l);
    atomic_init(&l->refs, 1);
    for (size_t i = 0; i < ALLOC4_ADDR_STRIPES; i++)
        pthread_mutex_init(&l->m[i], NULL);
    return l;
}

static void locks_put(alloc4_locks_t *l)
{
    if (atomic_fetch_sub(&l->refs, 1) != 1)
        return;
    for (size_t i = 0; i < ALLOC4_ADDR_STRIPES; i++)
        pthread_mutex_destroy(&l->m[i]);
    free(l);
}

alloc4_t *alloc4_new(const cfg4_t *cfg, const hosts4_t *hosts, lease_store_t *store)
{
    alloc4_ext_t *ext = xcalloc(1, sizeof *ext);
    alloc4_t *a = &ext->a;
    a->cfg = cfg;
    a->hosts = hosts;
    a->store = store;
    a->subnets = xcalloc(cfg->subnet_count, sizeof *a->subnets);
    a->seed = (uint64_t)now_mono_ms() * 0x9E3779B97F4A7C15ull | 1;
    a->locks = locks_new();
    for (size_t i = 0; i < cfg->subnet_count; i++) {
        const cfg_subnet4_t *s = &cfg->subnets[i];
        subnet_state_t *st = &a->subnets[i];
        st->cursors = xcalloc(s->pool_count ? s->pool_count : 1, sizeof *st->cursors);
        st->full = xcalloc(s->pool_count ? s->pool_count : 1, sizeof *st->full);
        for (size_t k = 0; k < s->pool_count; k++)
            st->cursors[k] = s->pools[k].first;
        alloc4_stats_bind(st, s->id);
        stat_set(st->total, (int64_t)s->total_addresses);
    }
    alloc4_stats_bind_global(a);
    return a;
}

void alloc4_inherit(alloc4_t *a, const alloc4_t *old)
{
    if (!old)
        return;
    locks_put(a->locks);
    a->locks = old->locks;
    atomic_fetch_add(&a->locks->refs, 1);
    for (size_t i = 0; i < a->cfg->subnet_count; i++) {
        const cfg_subnet4_t *s = &a->cfg->subnets[i];
        const cfg_subnet4_t *o = cfg4_subnet_by_id(old->cfg, s->id);
        if (!o)
            continue;
        const subnet_state_t *ost = alloc4_state((alloc4_t *)old, o);
        for (size_t k = 0; k < s->pool_count; k++)
            for (size_t j = 0; j < o->pool_count; j++)
                if (o->pools[j].first == s->pools[k].first && o->pools[j].last == s->pools[k].last)
                    a->subnets[i].cursors[k] = __atomic_load_n(&ost->cursors[j], __ATOMIC_RELAXED);
    }
}

void alloc4_set_change_listener(alloc4_t *a, alloc4_change_fn fn, void *arg)
{
    a->notify = fn;
    a->notify_arg = arg;
}

void alloc4_set_hostmgr(alloc4_t *a, hostmgr_t *hm)
{
    EXT(a)->hm = hm && hostmgr_db_count(hm) ? hm : NULL;
}

void alloc4_free(alloc4_t *a)
{
    if (!a)
        return;
    release_held();
    for (size_t i = 0; i < a->cfg->subnet_count; i++) {
        free(a->subnets[i].cursors);
        free(a->subnets[i].full);
    }
    free(a->subnets);
    locks_put(a->locks);
    free(EXT(a));
}

void alloc4_result_free(alloc4_result_t *r)
{
    lease_free(&r->lease);
    memset(r, 0, sizeof *r);
    release_held();
}

pthread_mutex_t *alloc4_addr_lock(alloc4_t *a, uint32_t addr)
{
    uint32_t h = addr * 2654435761u; /* Knuth's multiplicative hash spreads neighbours */
    return &a->locks->m[h >> 24];
}

subnet_state_t *alloc4_state(alloc4_t *a, const cfg_subnet4_t *s)
{
    return &a->subnets[s - a->cfg->subnets];
}

void alloc4_recount(alloc4_t *a)
{
    lease_subnet_counts_t *counts = NULL;
    size_t n = 0;
    for (size_t i = 0; i < a->cfg->subnet_count; i++) {
        stat_set(a->subnets[i].assigned, 0);
        stat_set(a->subnets[i].declined, 0);
        for (size_t k = 0; k < a->cfg->subnets[i].pool_count; k++)
            __atomic_store_n(&a->subnets[i].full[k].until, 0, __ATOMIC_RELAXED);
    }
    int64_t declined = 0;
    if (a->store->ops->counts(a->store, LEASE_V4, &counts, &n) == 0) {
        for (size_t i = 0; i < n; i++) {
            const cfg_subnet4_t *s = cfg4_subnet_by_id(a->cfg, counts[i].subnet_id);
            if (!s)
                continue;
            subnet_state_t *st = alloc4_state(a, s);
            stat_set(st->assigned, (int64_t)(counts[i].assigned + counts[i].declined));
            stat_set(st->declined, (int64_t)counts[i].declined);
            declined += (int64_t)counts[i].declined;
        }
    }
    stat_set(a->g_declined, declined);
    free(counts);
}

/* ---- identity ------------------------------------------------------------------------------ */

static bool use_client_id(const cfg_subnet4_t *s, const alloc4_req_t *req)
{
    return s->match_client_id && req->client_id_len > 0;
}

bool alloc4_lease_is_clients(const cfg_subnet4_t *s, const lease_t *l, const alloc4_req_t *req)
{
    if (use_client_id(s, req) && l->client_id_len)
        return l->client_id_len == req->client_id_len && !memcmp(l->client_id, req->client_id, l->client_id_len);
    if (l->hwaddr_len == 0 || l->hwaddr_len != req->hwaddr_len || memcmp(l->hwaddr, req->hwaddr, l->hwaddr_len))
        return false;
    /* Same hardware but a different client identifier is a different client (RFC 2131 §4.2). */
    if (use_client_id(s, req) && l->client_id_len)
        return false;
    return true;
}

/* Iterative allocator: takes the next address of pool k from its cursor (compare-and-swap, so
 * that every address is taken by one thread only) and moves the cursor past it. */
static uint32_t claim_next(subnet_state_t *st, size_t k, const cfg_pool4_t *p)
{
    uint32_t seen = __atomic_load_n(&st->cursors[k], __ATOMIC_RELAXED), addr, next;
    do {
        addr = seen < p->first || seen > p->last ? p->first : seen;
        next = addr == p->last ? p->first : addr + 1;
    } while (!__atomic_compare_exchange_n(&st->cursors[k], &seen, next, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED));
    return addr;
}

/* A DISCOVER's candidate, claimed with the client lookup so that the store fetches its row in
 * the same round trip; alloc4_pick() on this thread tries it first. An unused claim (the client
 * had a lease) only skips that address until the pool wraps. */
typedef struct claim {
    const cfg_subnet4_t *subnet;
    uint32_t addr;
} claim_t;
static __thread claim_t t_claim;

static uint32_t alloc4_claim(alloc4_t *a, const cfg_subnet4_t *s)
{
    if (s->life.allocator == CFG_ALLOC_RANDOM || !s->pool_count)
        return 0;
    t_claim = (claim_t){s, claim_next(alloc4_state(a, s), 0, &s->pools[0])};
    return t_claim.addr;
}

/* ---- lookahead: several DISCOVERs looked up together --------------------------------------- */

/* The claims made for the DISCOVERs of this thread's prefetch, found again by client. */
typedef struct ahead_claim {
    const cfg_subnet4_t *subnet;
    uint8_t hwlen, cidlen;
    uint8_t hw[LEASE_HWADDR_MAX], cid[LEASE_CLIENTID_MAX];
    uint32_t addr;             /* 0: taken */
} ahead_claim_t;
static __thread ahead_claim_t t_ahead[ALLOC4_AHEAD_MAX];
static __thread lease_client_query_t t_items[ALLOC4_AHEAD_MAX];
static __thread size_t t_ahead_n;

void alloc4_prefetch_add(alloc4_t *a, const alloc4_req_t *req)
{
    const cfg_subnet4_t *s = req->subnet;
    if (!a->store->ops->prefetch || t_ahead_n == ALLOC4_AHEAD_MAX || req->hwaddr_len > LEASE_HWADDR_MAX)
        return;
    ahead_claim_t *c = &t_ahead[t_ahead_n];
    lease_client_query_t *it = &t_items[t_ahead_n];
    bool cid = use_client_id(s, req);
    *c = (ahead_claim_t){.subnet = s, .hwlen = req->hwaddr_len, .cidlen = cid ? req->client_id_len : 0};
    memcpy(c->hw, req->hwaddr, c->hwlen);
    if (c->cidlen)
        memcpy(c->cid, req->client_id, c->cidlen);
    uint32_t also = req->hint;
    if (!also && s->life.allocator != CFG_ALLOC_RANDOM && s->pool_count)
        also = c->addr = claim_next(alloc4_state(a, s), 0, &s->pools[0]);
    *it = (lease_client_query_t){.family = LEASE_V4, .cid = c->cidlen ? c->cid : NULL, .cidlen = c->cidlen,
                                 .hw = c->hwlen ? c->hw : NULL, .hwlen = c->hwlen, .subnet_id = s->id,
                                 .flags = LEASE_LOOKUP_OFFER};
    if (also)
        it->also = lease_key4(also);
    t_ahead_n++;
}

size_t alloc4_prefetch_run(alloc4_t *a)
{
    if (t_ahead_n && a->store->ops->prefetch(a->store, t_items, t_ahead_n) == 0)
        return t_ahead_n;
    return 0;
}

/* The claim the prefetch made for this client's DISCOVER in s (0: none); taken once. */
static uint32_t ahead_claim(const cfg_subnet4_t *s, const alloc4_req_t *req)
{
    bool cid = use_client_id(s, req);
    size_t cidlen = cid ? req->client_id_len : 0;
    for (size_t i = 0; i < t_ahead_n; i++) {
        ahead_claim_t *c = &t_ahead[i];
        if (c->addr && c->subnet == s && c->hwlen == req->hwaddr_len && c->cidlen == cidlen &&
            !memcmp(c->hw, req->hwaddr, c->hwlen) && (!cidlen || !memcmp(c->cid, req->client_id, cidlen))) {
            uint32_t addr = c->addr;
            c->addr = 0;
            return addr;
        }
    }
    return 0;
}

void alloc4_prefetch_end(void)
{
    t_ahead_n = 0;
}

/* The client's current lease in subnet s, if any: both lookups in one call (one round trip on
 * SQL, with the DISCOVER's candidate address). */
static bool find_in_subnet(alloc4_t *a, const cfg_subnet4_t *s, const alloc4_req_t *req, unsigned flags,
                           lease_t *out, alloc4_fail_t *f)
{
    lease_t got[2];
    bool found[2] = {false, false};
    bool cid = use_client_id(s, req);
    uint32_t also = req->hint;
    if (!also && (flags & LEASE_LOOKUP_OFFER) && s == req->subnet) {
        also = ahead_claim(s, req);
        if (also)
            t_claim = (claim_t){s, also};
        else
            also = alloc4_claim(a, s);
    }
    lease_client_query_t q = {.family = LEASE_V4, .cid = cid ? req->client_id : NULL,
                              .cidlen = cid ? req->client_id_len : 0, .hw = req->hwaddr,
                              .hwlen = req->hwaddr_len, .subnet_id = s->id, .flags = flags};
    if (also)
        q.also = lease_key4(also);
    if (a->store->ops->client(a->store, &q, got, found) != 0) {
        alloc4_fail(f, "the lease database failed");
        return false;
    }
    int pick = found[0] ? 0 : found[1] && alloc4_lease_is_clients(s, &got[1], req) ? 1 : -1;
    for (int i = 0; i < 2; i++)
        if (found[i] && i != pick)
            lease_free(&got[i]);
    if (pick >= 0)
        *out = got[pick];
    return pick >= 0;
}

/* Searches the selected subnet and then the rest of its shared network. */
bool alloc4_find_client_lease(alloc4_t *a, const alloc4_req_t *req, unsigned flags, lease_t *out,
                              const cfg_subnet4_t **where, alloc4_fail_t *f)
{
    const cfg_subnet4_t *s = req->subnet;
    t_claim.addr = 0;
    if (find_in_subnet(a, s, req, flags, out, f)) {
        *where = s;
        return true;
    }
    if (s->network)
        for (size_t i = 0; i < s->network->subnet_count; i++) {
            const cfg_subnet4_t *o = s->network->subnets[i];
            if (o != s && !f->failed && find_in_subnet(a, o, req, flags, out, f)) {
                *where = o;
                return true;
            }
        }
    return false;
}

static hosts4_client_ids_t client_ids(const alloc4_req_t *req)
{
    hosts4_client_ids_t ids = {req->hwaddr,     req->hwaddr_len,     req->client_id, req->client_id_len,
                               req->circuit_id, req->circuit_id_len, req->flex_id,   req->flex_id_len};
    return ids;
}

void alloc4_fail(alloc4_fail_t *f, const char *fmt, ...)
{
    if (!f || f->failed)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->why, sizeof f->why, fmt, ap);
    va_end(ap);
    f->failed = true;
}

static void host_failed(alloc4_fail_t *f, int r, const char *err)
{
    if (r && r != NST_ENOENT)
        alloc4_fail(f, "host reservation lookup failed: %s", err);
}

/* With hosts databases: the host manager, file first, then each database. */
static const cfg_host4_t *host_from_sources(alloc4_t *a, hostmgr_t *hm, const cfg_subnet4_t *subnet,
                                            const hosts4_client_ids_t *ids, alloc4_fail_t *f)
{
    hostmgr_ref_t ref = {0};
    int r = NST_ENOENT;
    char err[512] = "";
    if (subnet && subnet->reservations_in_subnet)
        r = hostmgr_find_client(hm, subnet->id, ids, &ref, err, sizeof err);
    if (r == NST_ENOENT && (!subnet || subnet->reservations_global))
        r = hostmgr_find_client(hm, 0, ids, &ref, err, sizeof err);
    host_failed(f, r, err);
    if (ref.owned)
        hold(ref.owned);
    return r == 0 ? ref.host : NULL;
}

const cfg_host4_t *alloc4_host(alloc4_t *a, const cfg_subnet4_t *subnet, const alloc4_req_t *req, alloc4_fail_t *f)
{
    hosts4_client_ids_t ids = client_ids(req);
    if (EXT(a)->hm)
        return host_from_sources(a, EXT(a)->hm, subnet, &ids, f);
    const cfg_host4_t *h = NULL;
    if (subnet && subnet->reservations_in_subnet)
        h = hosts4_find_client(a->hosts, a->cfg, subnet->id, &ids);
    if (!h && (!subnet || subnet->reservations_global))
        h = hosts4_find_client(a->hosts, a->cfg, 0, &ids);
    return h;
}

/* ---- candidates ---------------------------------------------------------------------------- */

/* Whether addr is reserved in s for another client (Kea's addressReserved): with
 * reservations-out-of-pool the pools hold no reservations, so in-pool addresses are not looked up. */
static bool reserved_for_other(alloc4_t *a, const cfg_subnet4_t *s, uint32_t addr, const alloc4_req_t *req,
                               const cfg_host4_t *own, alloc4_fail_t *f)
{
    if (!s->reservations_in_subnet || (s->reservations_out_of_pool && cfg_subnet4_in_pool(s, addr)))
        return false;
    /* The client's own reservation of addr in s: the address is not reserved for another, also
     * when ip-reservations-unique is false and others reserve it too (Kea's addressReserved: the
     * first to lease it keeps it, the others meet a reservation conflict). */
    if (own && own->ipv4 == addr && own->subnet_id == s->id)
        return false;
    hosts4_client_ids_t ids = client_ids(req);
    hostmgr_t *hm = EXT(a)->hm;
    if (!hm) {
        const cfg_host4_t *h = hosts4_find_addr(a->hosts, s->id, addr);
        return h && h != own && !hostmgr_host_is_clients(a->cfg, h, &ids);
    }
    hostmgr_ref_t ref = {0};
    char err[512] = "";
    int r = hostmgr_find_addr(hm, s->id, addr, &ref, err, sizeof err);
    host_failed(f, r, err);
    if (r != 0)
        return false;
    bool other = ref.host != own && !hostmgr_host_is_clients(a->cfg, ref.host, &ids);
    hostmgr_ref_release(&ref);
    return other;
}

/* Whether addr may be given to this client: either unleased, leased to this client, or held by an
 * expired lease; and not reserved for someone else. The lease is checked first: a taken address
 * needs no reservation lookup (which may be a database query). */
bool alloc4_addr_usable(alloc4_t *a, const cfg_subnet4_t *s, uint32_t addr, const alloc4_req_t *req,
                        const cfg_host4_t *own, lease_t *prev, alloc4_fail_t *f)
{
    if (prev)
        memset(prev, 0, sizeof *prev);
    lease_t l;
    int got = lease_store_get4(a->store, addr, &l);
    if (got && got != NST_ENOENT) {
        alloc4_fail(f, "the lease database failed");
        return false;
    }
    bool have = got == 0;
    bool ok = true;
    if (have) {
        ok = alloc4_lease_is_clients(s, &l, req) && l.state == LEASE_STATE_DEFAULT;
        if (!ok)
            ok = lease_expired(&l, req->now) || l.state == LEASE_STATE_RECLAIMED;
    }
    if (ok && reserved_for_other(a, s, addr, req, own, f))
        ok = false;
    if (have && prev)
        *prev = l;
    else if (have)
        lease_free(&l);
    return ok;
}

/* xorshift64*, one state per thread (seeded from the engine's seed and the thread's stack): cheap
 * and good enough to spread addresses; not for security. */
static uint64_t next_rand(alloc4_t *a)
{
    static __thread uint64_t t_seed;
    uint64_t x = t_seed;
    if (!x)
        x = (a->seed ^ (uint64_t)(uintptr_t)&t_seed * 0x9E3779B97F4A7C15ull) | 1;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    t_seed = x;
    return x * 0x2545F4914F6CDD1Dull;
}

static bool pool_known_full(const pool_full_t *f, int64_t now)
{
    int64_t until = __atomic_load_n(&f->until, __ATOMIC_RELAXED);
    return until && now < until &&
           now_mono_ms() - __atomic_load_n(&f->marked_ms, __ATOMIC_RELAXED) < ALLOC4_FULL_RECHECK_MS;
}

void alloc4_addr_freed(alloc4_t *a, const cfg_subnet4_t *s, uint32_t addr)
{
    if (!s)
        return;
    subnet_state_t *st = alloc4_state(a, s);
    for (size_t k = 0; k < s->pool_count; k++)
        if (addr >= s->pools[k].first && addr <= s->pools[k].last)
            __atomic_store_n(&st->full[k].until, 0, __ATOMIC_RELAXED);
}

void alloc4_lease_freed(alloc4_t *a, uint32_t subnet_id, uint32_t addr)
{
    alloc4_addr_freed(a, cfg4_subnet_by_id(a->cfg, subnet_id), addr);
}

/* Tries each address of pool k once (iterative: from the cursor; random: from a random start).
 * Returns the first usable one, or 0; *earliest gets the earliest expiry among the leases that
 * made addresses unusable (INT64_MAX: none will expire). */
static uint32_t scan_pool(alloc4_t *a, const cfg_subnet4_t *s, size_t k, const alloc4_req_t *req, uint32_t skip,
                          int64_t *earliest, alloc4_fail_t *f)
{
    const cfg_pool4_t *p = &s->pools[k];
    bool random = s->life.allocator == CFG_ALLOC_RANDOM;
    uint64_t size = (uint64_t)p->last - p->first + 1;
    uint32_t addr = random ? p->first + (uint32_t)(next_rand(a) % size) : 0;
    *earliest = INT64_MAX;
    for (uint64_t n = 0; n < size; n++) {
        if (!random)
            addr = claim_next(alloc4_state(a, s), k, p);
        /* Network and broadcast addresses of the subnet are never handed out. */
        bool edge = s->prefix_len < 31 && (addr == s->prefix || addr == (s->prefix | ~s->mask));
        if (!edge && addr != skip) {
            lease_t held;
            if (alloc4_addr_usable(a, s, addr, req, NULL, &held, f)) {
                lease_free(&held);
                return addr;
            }
            if (held.family && held.valid_lft != LEASE_INFINITE && lease_expire(&held) < *earliest)
                *earliest = lease_expire(&held);
            lease_free(&held);
        }
        if (f->failed)
            return 0; /* the database cannot tell: no point asking about every other address */
        if (random)
            addr = addr == p->last ? p->first : addr + 1;
    }
    return 0;
}

/* Picks a free address from s's pools. Returns 0 when none. No lock is held while the store is
 * asked: the iterative allocator claims each candidate from its pool's cursor (compare-and-swap),
 * so concurrent pickers get different addresses, and the random one has a seed per thread. */
uint32_t alloc4_pick(alloc4_t *a, const cfg_subnet4_t *s, const alloc4_req_t *req, uint32_t skip, alloc4_fail_t *f)
{
    subnet_state_t *st = alloc4_state(a, s);
    if (t_claim.addr && t_claim.subnet == s) {
        /* this thread's claim: no other thread takes it */
        uint32_t addr = t_claim.addr;
        t_claim.addr = 0;
        bool edge = s->prefix_len < 31 && (addr == s->prefix || addr == (s->prefix | ~s->mask));
        if (!edge && addr != skip && alloc4_in_allowed_pool(req, s, addr) &&
            alloc4_addr_usable(a, s, addr, req, NULL, NULL, f))
            return addr;
    }
    for (size_t k = 0; k < s->pool_count && !f->failed; k++) {
        if (!pool_allowed(req, &s->pools[k]) || pool_known_full(&st->full[k], req->now))
            continue;
        int64_t earliest;
        uint32_t found = scan_pool(a, s, k, req, skip, &earliest, f);
        if (found)
            return found;
        if (!f->failed && !skip) {
            __atomic_store_n(&st->full[k].marked_ms, now_mono_ms(), __ATOMIC_RELAXED);
            __atomic_store_n(&st->full[k].until, earliest, __ATOMIC_RELAXED);
        }
    }
    return 0;
}

/* DHCPv4 allocation operations: offer, request, release, decline, reclamation. */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "alloc/alloc4_internal.h"
#include "common/errcode.h"
#include "common/util.h"

void alloc4_stats_bind(subnet_state_t *st, uint32_t id)
{
    char name[96];
#define BIND(field, suffix)                                                 \
    do {                                                                    \
        snprintf(name, sizeof name, "subnet[%u]." suffix, id);              \
        st->field = stats_declare(name);                                    \
    } while (0)
    BIND(total, "total-addresses");
    BIND(assigned, "assigned-addresses");
    BIND(declined, "declined-addresses");
    BIND(cumulative, "cumulative-assigned-addresses");
    BIND(reclaimed, "reclaimed-leases");
    BIND(reclaimed_declined, "reclaimed-declined-addresses");
#undef BIND
}

void alloc4_stats_bind_global(alloc4_t *a)
{
    a->g_declined = stats_declare("declined-addresses");
    a->g_cumulative = stats_declare("cumulative-assigned-addresses");
    a->g_reclaimed = stats_declare("reclaimed-leases");
    a->g_reclaimed_declined = stats_declare("reclaimed-declined-addresses");
    a->g_fail = stats_declare("v4-allocation-fail");
    a->g_fail_subnet = stats_declare("v4-allocation-fail-subnet");
    a->g_fail_network = stats_declare("v4-allocation-fail-shared-network");
    a->g_fail_no_pools = stats_declare("v4-allocation-fail-no-pools");
    a->g_res_conflicts = stats_declare("v4-reservation-conflicts");
}

/* A per-subnet statistic Kea creates on its first event (rare paths: by name). */
static void count_subnet(const cfg_subnet4_t *s, const char *what)
{
    char name[96];
    snprintf(name, sizeof name, "subnet[%u].%s", s->id, what);
    stats_add(name, 1);
}

/* No address for the client: Kea's global and per-subnet counters. */
static void count_fail(alloc4_t *a, const cfg_subnet4_t *s)
{
    stat_add(a->g_fail, 1);
    stat_add(s->network ? a->g_fail_network : a->g_fail_subnet, 1);
    count_subnet(s, "v4-allocation-fail");
    count_subnet(s, s->network ? "v4-allocation-fail-shared-network" : "v4-allocation-fail-subnet");
    /* Kea counts a failure for a classified packet too, and every packet is in class ALL */
    stats_add("v4-allocation-fail-classes", 1);
    count_subnet(s, "v4-allocation-fail-classes");
}

/* The subnet of the selected one's shared network (or the subnet itself, looked at first) that
 * holds addr: one whose pool holds it (as Kea's allocation engine moves a request to the subnet
 * whose pool holds its address, which matters when subnets of a network overlap), else one whose
 * prefix holds it (an out-of-pool reservation). */
static const cfg_subnet4_t *subnet_for(const alloc4_req_t *req, uint32_t addr)
{
    const cfg_subnet4_t *s = req->subnet, *by_prefix = NULL;
    size_t n = s->network ? s->network->subnet_count : 0;
    for (size_t i = 0; i <= n; i++) {
        const cfg_subnet4_t *o = i ? s->network->subnets[i - 1] : s;
        if ((i && o == s) || !alloc4_subnet_allowed(req, o))
            continue;
        if (cfg_subnet4_in_pool(o, addr))
            return o;
        if (!by_prefix && (addr & o->mask) == o->prefix)
            by_prefix = o;
    }
    return by_prefix;
}

static void build_lease(const cfg_subnet4_t *s, const alloc4_req_t *req, const cfg_host4_t *host,
                        uint32_t addr, lease_t *l)
{
    lease_init(l, LEASE_V4);
    l->addr.v4 = addr;
    l->subnet_id = s->id;
    l->hwaddr_len = req->hwaddr_len > LEASE_HWADDR_MAX ? LEASE_HWADDR_MAX : req->hwaddr_len;
    memcpy(l->hwaddr, req->hwaddr, l->hwaddr_len);
    l->hwtype = 1;
    if (req->client_id_len)
        lease_set_client_id(l, req->client_id, req->client_id_len);
    l->valid_lft = alloc4_req_valid_lft(s, req);
    l->cltt = req->now;
    if (s->extra.store_extended_info && req->rai) {
        /* Kea's extended info: the relay agent information option, code and length included, as
         * upper-case hex, under ISC in the user context */
        char ctx[64 + 2 * 257];
        size_t o = (size_t)snprintf(ctx, sizeof ctx, "{ \"ISC\": { \"relay-agent-info\": \"0x52%02X", req->rai_len);
        for (size_t i = 0; i < req->rai_len; i++)
            o += (size_t)snprintf(ctx + o, sizeof ctx - o, "%02X", req->rai[i]);
        snprintf(ctx + o, sizeof ctx - o, "\" } }");
        lease_set_user_context(l, ctx);
    }
    const char *hn = host && host->hostname && *host->hostname ? host->hostname : req->hostname;
    if (hn && *hn) {
        lease_set_hostname(l, hn);
        for (char *c = l->hostname; *c; c++) /* Kea keeps hostnames in lower case */
            if (*c >= 'A' && *c <= 'Z')
                *c = (char)(*c - 'A' + 'a');
    }
}

/* Whether addr may be given out in s for this client: in a pool, or reserved to it, or (with
 * out-of-pool reservations) its reservation. */
static bool addr_allowed(const cfg_subnet4_t *s, uint32_t addr, const cfg_host4_t *host, const alloc4_req_t *req)
{
    if (host && host->ipv4 == addr)
        return true;
    return alloc4_in_allowed_pool(req, s, addr);
}

const cfg_host4_t *alloc4_host_for(alloc4_t *a, const alloc4_req_t *req, const cfg_subnet4_t **where,
                                   alloc4_fail_t *f)
{
    const cfg_subnet4_t *s = req->subnet;
    const cfg_host4_t *h = alloc4_host(a, s, req, f);
    *where = s;
    if (!h && s->network)
        for (size_t i = 0; i < s->network->subnet_count && !h; i++)
            if (s->network->subnets[i] != s && (h = alloc4_host(a, s->network->subnets[i], req, f)))
                *where = s->network->subnets[i];
    return h;
}

/* Finds the address a client should get: reservation, its current lease, its hint, a new one. */
static int choose(alloc4_t *a, const alloc4_req_t *req, alloc4_result_t *out)
{
    const cfg_subnet4_t *hs;
    const cfg_host4_t *host = req->host_known ? req->host : alloc4_host_for(a, req, &hs, &out->fail);
    out->host = host;
    if (host && host->ipv4) {
        const cfg_subnet4_t *rs = subnet_for(req, host->ipv4);
        if (rs && alloc4_addr_usable(a, rs, host->ipv4, req, host, NULL, &out->fail)) {
            build_lease(rs, req, host, host->ipv4, &out->lease);
            out->subnet = rs;
            return ALLOC4_OK;
        }
        stat_add(a->g_res_conflicts, 1);
        count_subnet(rs ? rs : req->subnet, "v4-reservation-conflicts");
    }
    lease_t cur;
    const cfg_subnet4_t *cs;
    if (alloc4_find_client_lease(a, req, LEASE_LOOKUP_OFFER, &cur, &cs, &out->fail)) {
        uint32_t addr = cur.addr.v4;
        lease_free(&cur);
        if (addr_allowed(cs, addr, host, req) && alloc4_addr_usable(a, cs, addr, req, host, NULL, &out->fail)) {
            build_lease(cs, req, host, addr, &out->lease);
            out->subnet = cs;
            return ALLOC4_OK;
        }
    }
    if (req->hint) {
        const cfg_subnet4_t *s = subnet_for(req, req->hint);
        if (s && addr_allowed(s, req->hint, host, req) && alloc4_addr_usable(a, s, req->hint, req, host, NULL, &out->fail)) {
            build_lease(s, req, host, req->hint, &out->lease);
            out->subnet = s;
            return ALLOC4_OK;
        }
    }
    const cfg_subnet4_t *s = req->subnet;
    size_t n = s->network ? s->network->subnet_count : 1;
    for (size_t i = 0; i < n; i++) {
        const cfg_subnet4_t *t = s->network ? s->network->subnets[i] : s;
        if (!alloc4_subnet_allowed(req, t))
            continue;
        uint32_t addr = alloc4_pick(a, t, req, 0, &out->fail);
        if (addr) {
            build_lease(t, req, host, addr, &out->lease);
            out->subnet = t;
            return ALLOC4_OK;
        }
    }
    count_fail(a, s);
    out->why = "no address available in the pools";
    return ALLOC4_NO_ADDRESS;
}

/* Ends an allocation whose lookups failed (out->fail) without an answer. */
static int failed(alloc4_result_t *out, int st)
{
    if (st == ALLOC4_OK)
        lease_free(&out->lease);
    out->why = out->fail.why;
    return ALLOC4_STORE_ERROR;
}

int alloc4_offer(alloc4_t *a, const alloc4_req_t *req, alloc4_result_t *out)
{
    assert(a && req && req->subnet && out);
    memset(out, 0, sizeof *out);
    int st = choose(a, req, out);
    return out->fail.failed ? failed(out, st) : st;
}

/* What one lease write carries to its commit callback: the statistics it changed, applied when
 * it is queued and taken back if the store later fails it, so that assigned-addresses never
 * counts a lease that was not stored; and, when a change listener is set, the change to report
 * once it is stored (copies: the callback may run on another thread, after the caller returned).
 * Only statistic handles and the listener are kept: they outlive any configuration. */
typedef struct acct {
    unsigned n;
    struct {
        stat_t *stat;
        int64_t delta;
    } e[10];
    lease_commit_cb cb;
    void *arg;
    alloc4_change_fn notify;
    void *notify_arg;
    enum lease_change_cause cause;
    lease_t old, new;          /* family 0: none */
} acct_t;

static acct_t *acct_new(alloc4_t *a, enum lease_change_cause cause, const lease_t *old, const lease_t *new,
                        lease_commit_cb cb, void *arg)
{
    acct_t *c = xmalloc(sizeof *c);
    c->n = 0;
    c->cb = cb;
    c->arg = arg;
    c->notify = a->notify;
    c->notify_arg = a->notify_arg;
    c->cause = cause;
    c->old.family = c->new.family = 0;
    if (c->notify && old && old->family)
        lease_dup(&c->old, old);
    if (c->notify && new && new->family)
        lease_dup(&c->new, new);
    return c;
}

static void acct_free(acct_t *c)
{
    if (c->old.family)
        lease_free(&c->old);
    if (c->new.family)
        lease_free(&c->new);
    free(c);
}

static void acct_add(acct_t *c, stat_t *st, int64_t d)
{
    assert(c->n < ARRAY_SIZE(c->e));
    stat_add(st, d);
    c->e[c->n].stat = st;
    c->e[c->n].delta = d;
    c->n++;
}

static void acct_undo(acct_t *c)
{
    for (unsigned i = 0; i < c->n; i++)
        stat_add(c->e[i].stat, -c->e[i].delta);
}

/* The commit callback of every write the engine makes. */
static void acct_done(void *p, int err)
{
    acct_t *c = p;
    if (err) {
        acct_undo(c);
    } else if (c->notify) {
        lease_change_t ch = {c->cause, c->old.family ? &c->old : NULL, c->new.family ? &c->new : NULL};
        c->notify(c->notify_arg, &ch, c->arg);
    }
    if (c->cb)
        c->cb(c->arg, err);
    acct_free(c);
}

/* A write the store refused at once: its callback never runs. */
static void acct_drop(acct_t *c)
{
    acct_undo(c);
    acct_free(c);
}

/* Accounts for a lease taking addr: counts a new assignment unless the client renews its own. */
static void count_assignment(alloc4_t *a, const cfg_subnet4_t *s, bool renewal, const lease_t *replaced, acct_t *c)
{
    subnet_state_t *st = alloc4_state(a, s);
    if (renewal)
        return;
    if (replaced && replaced->state != LEASE_STATE_RECLAIMED) {
        /* An expired lease of another client is reclaimed on the spot. */
        const cfg_subnet4_t *rs = cfg4_subnet_by_id(a->cfg, replaced->subnet_id);
        if (rs) {
            subnet_state_t *rst = alloc4_state(a, rs);
            acct_add(c, rst->assigned, -1);
            acct_add(c, rst->reclaimed, 1);
            if (replaced->state == LEASE_STATE_DECLINED) {
                acct_add(c, rst->declined, -1);
                acct_add(c, rst->reclaimed_declined, 1);
            }
        }
        acct_add(c, a->g_reclaimed, 1);
        if (replaced->state == LEASE_STATE_DECLINED) {
            acct_add(c, a->g_declined, -1);
            acct_add(c, a->g_reclaimed_declined, 1);
        }
    }
    acct_add(c, st->assigned, 1);
    acct_add(c, st->cumulative, 1);
    acct_add(c, a->g_cumulative, 1);
}

/* Writes l (add, or update of prev: the lease found at its address under the same lock, family
 * 0 when none) and accounts for it. Returns 0 or a store error. */
static int commit(alloc4_t *a, const cfg_subnet4_t *s, lease_t *l, const lease_t *prev,
                  const alloc4_req_t *req, lease_commit_cb cb, void *arg)
{
    acct_t *c = acct_new(a, LEASE_CHANGE_ALLOC, prev, l, cb, arg);
    int r;
    /* counted before the write is queued: its callback may run on another thread at once */
    if (prev->family) {
        bool renewal = alloc4_lease_is_clients(s, prev, req) && prev->state == LEASE_STATE_DEFAULT &&
                       !lease_expired(prev, req->now);
        count_assignment(a, s, renewal, renewal ? NULL : prev, c);
        r = lease_store_update(a->store, l, prev, acct_done, c);
    } else {
        count_assignment(a, s, false, NULL, c);
        r = lease_store_add(a->store, l, acct_done, c);
    }
    if (r)
        acct_drop(c);
    return r;
}

/* The client moved to another address: its old lease goes (one lease per client). Done under
 * the old address's lock and only if the lease there is still this client's: another worker
 * may have given that address to someone else meanwhile. */
static void drop_old_lease(alloc4_t *a, const alloc4_req_t *req, uint32_t old_addr)
{
    pthread_mutex_t *lk = alloc4_addr_lock(a, old_addr);
    pthread_mutex_lock(lk);
    lease_t old;
    if (lease_store_get4(a->store, old_addr, &old) == 0) {
        const cfg_subnet4_t *os = cfg4_subnet_by_id(a->cfg, old.subnet_id);
        if (os && alloc4_lease_is_clients(os, &old, req) && old.state != LEASE_STATE_DECLINED) {
            acct_t *c = acct_new(a, LEASE_CHANGE_ALLOC, &old, NULL, NULL, NULL);
            if (old.state != LEASE_STATE_RECLAIMED)
                acct_add(c, alloc4_state(a, os)->assigned, -1);
            if (lease_store_del(a->store, &old, acct_done, c) == 0)
                alloc4_addr_freed(a, os, old_addr);
            else
                acct_drop(c);
        }
        lease_free(&old);
    }
    pthread_mutex_unlock(lk);
}

/* REQUEST: gives addr in s (may be NULL: in no subnet of the network) to the client, under the
 * address's lock: NAK when another client holds it or it is reserved for another, Kea's silence
 * (ALLOC4_UNKNOWN_ADDR) when it is in none of the pools and not the client's reservation. */
static bool same_text(const char *a, const char *b)
{
    return !strcmp(a ? a : "", b ? b : "");
}

/* Lease caching (Kea's setLeaseReusable): the client's own lease, unchanged by this request, is
 * reused without a write while it is younger than cache-max-age seconds and cache-threshold of
 * its lifetime; the client then gets what remains of its lifetime. */
static bool reusable(const cfg_subnet4_t *s, const lease_t *prev, lease_t *next)
{
    const cfg_extra4_t *x = &s->extra;
    if ((!x->cache_threshold && !x->cache_max_age) || !prev->family || prev->state != LEASE_STATE_DEFAULT ||
        prev->subnet_id != next->subnet_id || prev->client_id_len != next->client_id_len ||
        (prev->client_id_len && memcmp(prev->client_id, next->client_id, prev->client_id_len)) ||
        prev->hwaddr_len != next->hwaddr_len || memcmp(prev->hwaddr, next->hwaddr, prev->hwaddr_len) ||
        !same_text(prev->hostname, next->hostname) || !same_text(prev->user_context, next->user_context) ||
        prev->fqdn_fwd != next->fqdn_fwd || prev->fqdn_rev != next->fqdn_rev)
        return false;
    if (prev->valid_lft == LEASE_INFINITE)
        return true;
    if (next->valid_lft < prev->valid_lft || next->cltt < prev->cltt)
        return false; /* a shorter lifetime is a change; time going back is not trusted */
    int64_t age = next->cltt - prev->cltt, limit = 0;
    if (age >= (int64_t)prev->valid_lft)
        return false;
    if (x->cache_max_age) {
        limit = x->cache_max_age;
        if (age > limit)
            return false;
    }
    if (x->cache_threshold) {
        limit = (int64_t)(next->valid_lft * x->cache_threshold);
        if (age > limit)
            return false;
    }
    if (!limit)
        return false;
    next->valid_lft = prev->valid_lft - (uint32_t)age;
    return true;
}

static int request_addr(alloc4_t *a, const alloc4_req_t *req, const cfg_subnet4_t *s, uint32_t addr,
                        const cfg_host4_t *host, lease_commit_cb cb, void *arg, alloc4_result_t *out)
{
    pthread_mutex_t *lk = alloc4_addr_lock(a, addr);
    pthread_mutex_lock(lk);
    lease_t prev = {0};
    bool usable = !s || alloc4_addr_usable(a, s, addr, req, host, &prev, &out->fail);
    int st = ALLOC4_OK;
    if (out->fail.failed) {
        st = failed(out, -1); /* decided on nothing the databases could not tell */
    } else if (!usable) {
        out->why = "requested address is in use by another client";
        st = ALLOC4_NAK;
    } else if (s && !addr_allowed(s, addr, host, req) && cfg_subnet4_in_pool(s, addr)) {
        /* Kea's inPool with the client's classes: a pool they do not admit (any more) is a NAK */
        out->why = "requested address is in a pool the client's classes do not allow";
        st = ALLOC4_NAK;
    } else if (!s || !addr_allowed(s, addr, host, req)) {
        out->why = "requested address is in none of the pools";
        st = ALLOC4_UNKNOWN_ADDR;
    } else {
        build_lease(s, req, host, addr, &out->lease);
        out->subnet = s;
        out->reused = alloc4_lease_is_clients(s, &prev, req) && reusable(s, &prev, &out->lease);
        int r = out->reused ? 0 : commit(a, s, &out->lease, &prev, req, cb, arg);
        if (r) {
            out->why = r == NST_EEXIST ? "requested address was taken concurrently" : "the lease store failed";
            st = r == NST_EEXIST ? ALLOC4_NAK : ALLOC4_STORE_ERROR;
            lease_free(&out->lease);
        }
    }
    pthread_mutex_unlock(lk);
    lease_free(&prev);
    return st;
}

/* REQUEST naming no address (neither option 50 nor ciaddr) from a client without a reserved
 * address: its lease when it has one in the pools, else a new one (Kea's allocateUnreservedLease4),
 * else NAK. */
static int request_any(alloc4_t *a, const alloc4_req_t *req, const cfg_host4_t *host, bool have,
                       uint32_t cur_addr, lease_commit_cb cb, void *arg, alloc4_result_t *out)
{
    if (have) {
        const cfg_subnet4_t *cs = subnet_for(req, cur_addr);
        if (cs && addr_allowed(cs, cur_addr, host, req))
            return request_addr(a, req, cs, cur_addr, host, cb, arg, out);
    }
    const cfg_subnet4_t *s = req->subnet;
    size_t n = s->network ? s->network->subnet_count : 1;
    for (size_t i = 0; i < n && !out->fail.failed; i++) {
        const cfg_subnet4_t *t = s->network ? s->network->subnets[i] : s;
        if (!alloc4_subnet_allowed(req, t))
            continue;
        uint32_t skip = 0;
        for (int tries = 0; tries < 8 && !out->fail.failed; tries++) {
            uint32_t addr = alloc4_pick(a, t, req, skip, &out->fail);
            if (!addr)
                break;
            int st = request_addr(a, req, t, addr, host, cb, arg, out);
            if (st != ALLOC4_NAK)
                return st;
            skip = addr; /* taken meanwhile: the next one */
        }
    }
    if (out->fail.failed)
        return failed(out, -1);
    count_fail(a, s);
    out->why = "no address available in the pools";
    return ALLOC4_NAK;
}

int alloc4_request(alloc4_t *a, const alloc4_req_t *req, enum alloc4_request_kind kind,
                   lease_commit_cb cb, void *arg, alloc4_result_t *out)
{
    assert(a && req && req->subnet && out);
    memset(out, 0, sizeof *out);
    uint32_t addr = req->hint;
    lease_t cur;
    const cfg_subnet4_t *cs = NULL;
    bool have = alloc4_find_client_lease(a, req, kind == REQ_SELECTING ? LEASE_LOOKUP_SELECTING : 0, &cur, &cs,
                                         &out->fail);
    if (out->fail.failed)
        return failed(out, -1);
    uint32_t cur_addr = have ? cur.addr.v4 : 0;
    if (have)
        lease_free(&cur);
    if (kind == REQ_INIT_REBOOT) {
        /* Kea: a client without a lease in the network is answered only by an authoritative
         * server (with a NAK); a known one is NAKed when its notion of its address is wrong. */
        if (!have && !req->subnet->authoritative) {
            out->why = "no lease known for the client (not authoritative)";
            return ALLOC4_SILENT;
        }
        if (!have || cur_addr != addr) {
            out->why = have ? "the client's lease is for a different address" : "no lease known for the client";
            return ALLOC4_NAK;
        }
    }
    const cfg_subnet4_t *hs;
    const cfg_host4_t *host = req->host_known ? req->host : alloc4_host_for(a, req, &hs, &out->fail);
    out->host = host;
    if (out->fail.failed)
        return failed(out, -1);
    if (!addr && host && host->ipv4)
        addr = host->ipv4; /* no address named: the reserved one */
    if (!addr)
        return request_any(a, req, host, have, cur_addr, cb, arg, out);
    if (host && host->ipv4 && host->ipv4 != addr) {
        const cfg_subnet4_t *rs = subnet_for(req, host->ipv4);
        if (rs && alloc4_addr_usable(a, rs, host->ipv4, req, host, NULL, &out->fail)) {
            out->why = "the client has a reservation for another address";
            return ALLOC4_NAK;
        }
    }
    int st = request_addr(a, req, subnet_for(req, addr), addr, host, cb, arg, out);
    if (st == ALLOC4_OK && have && cur_addr != addr)
        drop_old_lease(a, req, cur_addr);
    return st;
}

static int release_locked(alloc4_t *a, const alloc4_req_t *req, uint32_t addr);
static int decline_locked(alloc4_t *a, const alloc4_req_t *req, uint32_t addr, uint32_t probation);

int alloc4_release(alloc4_t *a, const alloc4_req_t *req, uint32_t addr)
{
    assert(a && req);
    pthread_mutex_t *lk = alloc4_addr_lock(a, addr);
    pthread_mutex_lock(lk);
    int r = release_locked(a, req, addr);
    pthread_mutex_unlock(lk);
    return r;
}

static int release_locked(alloc4_t *a, const alloc4_req_t *req, uint32_t addr)
{
    lease_t l;
    if (lease_store_get4(a->store, addr, &l) != 0)
        return ALLOC4_SILENT;
    const cfg_subnet4_t *s = cfg4_subnet_by_id(a->cfg, l.subnet_id);
    int r = ALLOC4_SILENT;
    if (s && alloc4_lease_is_clients(s, &l, req) && l.state == LEASE_STATE_DEFAULT) {
        acct_t *c = acct_new(a, LEASE_CHANGE_RELEASE, &l, NULL, NULL, NULL);
        acct_add(c, alloc4_state(a, s)->assigned, -1);
        if (lease_store_del(a->store, &l, acct_done, c) == 0) {
            alloc4_addr_freed(a, s, addr);
            r = ALLOC4_OK;
        } else {
            acct_drop(c);
        }
    }
    lease_free(&l);
    return r;
}

int alloc4_decline(alloc4_t *a, const alloc4_req_t *req, uint32_t addr, uint32_t probation)
{
    assert(a && req);
    pthread_mutex_t *lk = alloc4_addr_lock(a, addr);
    pthread_mutex_lock(lk);
    int r = decline_locked(a, req, addr, probation);
    pthread_mutex_unlock(lk);
    return r;
}

static int decline_locked(alloc4_t *a, const alloc4_req_t *req, uint32_t addr, uint32_t probation)
{
    lease_t l;
    if (lease_store_get4(a->store, addr, &l) != 0)
        return ALLOC4_SILENT;
    const cfg_subnet4_t *s = cfg4_subnet_by_id(a->cfg, l.subnet_id);
    int r = ALLOC4_SILENT;
    if (s && alloc4_lease_is_clients(s, &l, req) && l.state == LEASE_STATE_DEFAULT) {
        /* The address is unusable: keep it out of service for the probation period, and forget
         * the client so that it gets another address. */
        lease_t old;
        lease_dup(&old, &l); /* as read: the update is conditional on it, and it is the change's "before" */
        l.state = LEASE_STATE_DECLINED;
        l.hwaddr_len = 0;
        lease_set_client_id(&l, NULL, 0);
        lease_set_hostname(&l, NULL);
        l.fqdn_fwd = l.fqdn_rev = false;
        l.cltt = req->now;
        l.valid_lft = probation;
        acct_t *c = acct_new(a, LEASE_CHANGE_DECLINE, &old, &l, NULL, NULL);
        acct_add(c, alloc4_state(a, s)->declined, 1);
        acct_add(c, a->g_declined, 1);
        if (lease_store_update(a->store, &l, &old, acct_done, c) == 0)
            r = ALLOC4_OK;
        else
            acct_drop(c);
        lease_free(&old);
    }
    lease_free(&l);
    return r;
}

/* The statistics of a reclaimed lease (s may be NULL: a subnet no longer configured). */
static void count_reclaim(alloc4_t *a, const cfg_subnet4_t *s, bool declined, acct_t *c)
{
    if (s) {
        subnet_state_t *st = alloc4_state(a, s);
        acct_add(c, st->assigned, -1);
        acct_add(c, st->reclaimed, 1);
        if (declined) {
            acct_add(c, st->declined, -1);
            acct_add(c, st->reclaimed_declined, 1);
        }
    }
    acct_add(c, a->g_reclaimed, 1);
    if (declined) {
        acct_add(c, a->g_declined, -1);
        acct_add(c, a->g_reclaimed_declined, 1);
    }
}

int alloc4_reclaim(alloc4_t *a, int64_t now, uint32_t max, uint32_t max_ms, bool remove)
{
    lease_list_t list = {0};
    if (a->store->ops->expired(a->store, LEASE_V4, now, max, &list) != 0)
        return 0;
    int64_t deadline = max_ms ? now_mono_ms() + max_ms : 0;
    int count = 0;
    for (size_t i = 0; i < list.count; i++) {
        if (deadline && now_mono_ms() > deadline)
            break;
        lease_t *l = &list.items[i];
        /* Re-read under the address lock: a worker may have given the address to a new client
         * since the expired list was taken. */
        pthread_mutex_t *lk = alloc4_addr_lock(a, l->addr.v4);
        pthread_mutex_lock(lk);
        lease_t cur;
        bool got = lease_store_get4(a->store, l->addr.v4, &cur) == 0;
        bool still = got && cur.cltt == l->cltt && cur.valid_lft == l->valid_lft &&
                     cur.state == l->state && lease_expired(&cur, now);
        if (got)
            lease_free(&cur);
        if (!still) {
            pthread_mutex_unlock(lk);
            continue;
        }
        const cfg_subnet4_t *s = cfg4_subnet_by_id(a->cfg, l->subnet_id);
        bool declined = l->state == LEASE_STATE_DECLINED;
        lease_t old;
        lease_dup(&old, l);
        acct_t *c;
        int r;
        if (remove || declined) { /* as Kea: a declined lease has no client left to keep it for */
            c = acct_new(a, LEASE_CHANGE_EXPIRY, &old, NULL, NULL, NULL);
            count_reclaim(a, s, declined, c);
            r = lease_store_del(a->store, l, acct_done, c);
        } else {
            l->state = LEASE_STATE_RECLAIMED;
            lease_set_hostname(l, NULL);
            l->fqdn_fwd = l->fqdn_rev = false;
            c = acct_new(a, LEASE_CHANGE_EXPIRY, &old, l, NULL, NULL);
            count_reclaim(a, s, declined, c);
            r = lease_store_update(a->store, l, &old, acct_done, c);
        }
        pthread_mutex_unlock(lk);
        lease_free(&old);
        if (r) {
            acct_drop(c);
            continue;
        }
        count++;
        alloc4_addr_freed(a, s, l->addr.v4);
    }
    lease_list_free(&list);
    return count;
}

/* Reused database answers of the SQL lease stores (see sqlcache4.h). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/util.h"
#include "lease/sqlcache4.h"

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- answers --------------------------------------------------------------------------------- */

void sqlcache4_answer_init(sqlcache4_answer_t *a, uint32_t also_addr)
{
    memset(a, 0, sizeof *a);
    a->also_addr = also_addr;
}

void sqlcache4_answer_free(sqlcache4_answer_t *a)
{
    for (int k = 0; k < 2; k++)
        if (a->have[k])
            lease_free(&a->db[k]);
    if (a->also_found)
        lease_free(&a->also);
    a->have[0] = a->have[1] = a->also_found = false;
}

static void answer_copy(sqlcache4_answer_t *dst, const sqlcache4_answer_t *src)
{
    *dst = *src;
    for (int k = 0; k < 2; k++)
        if (src->have[k])
            lease_dup(&dst->db[k], &src->db[k]);
    if (src->also_found)
        lease_dup(&dst->also, &src->also);
}

void sqlcache4_answer_row(sqlcache4_answer_t *a, const sqlcache4_key_t *k, const lease_t *row)
{
    if (a->also_addr && row->addr.v4 == a->also_addr && !a->also_found) {
        lease_dup(&a->also, row);
        a->also_found = true;
    }
    if (row->subnet_id != k->subnet_id) /* only the also row */
        return;
    for (int i = 0; i < 2; i++) {
        bool m = i == 0 ? k->cidlen && row->client_id_len == k->cidlen && !memcmp(row->client_id, k->cid, k->cidlen)
                        : k->hwlen && row->hwaddr_len == k->hwlen && !memcmp(row->hwaddr, k->hw, k->hwlen);
        if (m && (!a->have[i] || row->cltt > a->db[i].cltt)) {
            if (a->have[i])
                lease_free(&a->db[i]);
            lease_dup(&a->db[i], row);
            a->have[i] = true;
        }
    }
}

/* ---- prefetch -------------------------------------------------------------------------------- */

typedef struct prefetch {
    const void *store;
    uint32_t addr;
    bool valid, found;
    int64_t at_ms;
    lease_t lease;
} prefetch_t;
static __thread prefetch_t t_pre;

void sqlcache4_prefetch_drop(void)
{
    if (t_pre.valid && t_pre.found)
        lease_free(&t_pre.lease);
    t_pre.valid = false;
}

void sqlcache4_prefetch_set(const void *store, const sqlcache4_answer_t *a)
{
    sqlcache4_prefetch_drop();
    if (!a->also_addr)
        return;
    t_pre = (prefetch_t){.store = store, .addr = a->also_addr, .valid = true, .found = a->also_found,
                         .at_ms = mono_ms()};
    if (a->also_found)
        lease_dup(&t_pre.lease, &a->also);
}

int sqlcache4_prefetch_take(const void *store, uint32_t addr, lease_t *out)
{
    if (!t_pre.valid || t_pre.store != store || t_pre.addr != addr ||
        mono_ms() - t_pre.at_ms > SQLCACHE4_PREFETCH_MS) {
        sqlcache4_prefetch_drop();
        return 0;
    }
    t_pre.valid = false;
    if (!t_pre.found)
        return -1;
    *out = t_pre.lease; /* ownership passes to the caller */
    return 1;
}

/* ---- lookahead ------------------------------------------------------------------------------- */

typedef struct ahead {
    uint32_t subnet_id;
    uint8_t cidlen, hwlen;
    uint8_t cid[LEASE_CLIENTID_MAX], hw[LEASE_HWADDR_MAX];
    bool valid;
    sqlcache4_answer_t answer;
} ahead_t;

static __thread struct {
    const void *store;
    int64_t at_ms;
    size_t n;
    ahead_t slot[SQLCACHE4_AHEAD_MAX];
} t_ahead;

/* A thread that ends with answers left frees them (the key's destructor). */
static pthread_key_t ahead_key;
static pthread_once_t ahead_once = PTHREAD_ONCE_INIT;

static void ahead_clear(void)
{
    for (size_t i = 0; i < t_ahead.n; i++)
        if (t_ahead.slot[i].valid)
            sqlcache4_answer_free(&t_ahead.slot[i].answer);
    t_ahead.n = 0;
}

static void ahead_at_exit(void *arg)
{
    (void)arg;
    ahead_clear();
}

static void ahead_key_init(void)
{
    pthread_key_create(&ahead_key, ahead_at_exit);
}

void sqlcache4_ahead_begin(const void *store)
{
    ahead_clear();
    pthread_once(&ahead_once, ahead_key_init);
    pthread_setspecific(ahead_key, &t_ahead);
    t_ahead.store = store;
    t_ahead.at_ms = mono_ms();
}

static bool key_fits(const sqlcache4_key_t *k)
{
    return k->cidlen <= LEASE_CLIENTID_MAX && k->hwlen <= LEASE_HWADDR_MAX;
}

void sqlcache4_ahead_put(const sqlcache4_key_t *k, sqlcache4_answer_t *a)
{
    if (t_ahead.n == SQLCACHE4_AHEAD_MAX || !key_fits(k)) {
        sqlcache4_answer_free(a);
        return;
    }
    ahead_t *e = &t_ahead.slot[t_ahead.n++];
    e->subnet_id = k->subnet_id;
    e->cidlen = (uint8_t)k->cidlen;
    e->hwlen = (uint8_t)k->hwlen;
    if (k->cidlen)
        memcpy(e->cid, k->cid, k->cidlen);
    if (k->hwlen)
        memcpy(e->hw, k->hw, k->hwlen);
    e->answer = *a;
    e->valid = true;
}

bool sqlcache4_ahead_take(const void *store, const sqlcache4_key_t *k, uint32_t also_addr, sqlcache4_answer_t *out)
{
    if (!t_ahead.n || t_ahead.store != store || !key_fits(k))
        return false;
    if (mono_ms() - t_ahead.at_ms > SQLCACHE4_PREFETCH_MS) {
        ahead_clear();
        return false;
    }
    for (size_t i = 0; i < t_ahead.n; i++) {
        ahead_t *e = &t_ahead.slot[i];
        if (e->valid && e->subnet_id == k->subnet_id && e->cidlen == k->cidlen && e->hwlen == k->hwlen &&
            e->answer.also_addr == also_addr && (!k->cidlen || !memcmp(e->cid, k->cid, k->cidlen)) &&
            (!k->hwlen || !memcmp(e->hw, k->hw, k->hwlen))) {
            *out = e->answer;
            e->valid = false;
            return true;
        }
    }
    return false;
}

/* ---- offer memory ---------------------------------------------------------------------------- */

struct sqlcache4_entry {
    uint32_t subnet_id;
    uint8_t cidlen, hwlen;
    uint8_t cid[LEASE_CLIENTID_MAX], hw[LEASE_HWADDR_MAX];
    int64_t at_ms;
    sqlcache4_answer_t answer;
    sqlcache4_entry_t *next;               /* hash chain */
    sqlcache4_entry_t *older, *newer;      /* age list */
};

void sqlcache4_init(sqlcache4_t *c)
{
    memset(c, 0, sizeof *c);
    pthread_mutex_init(&c->lock, NULL);
}

static void entry_free(sqlcache4_entry_t *e)
{
    sqlcache4_answer_free(&e->answer);
    free(e);
}

void sqlcache4_fini(sqlcache4_t *c)
{
    for (sqlcache4_entry_t *e = c->oldest, *n; e; e = n) {
        n = e->newer;
        entry_free(e);
    }
    pthread_mutex_destroy(&c->lock);
}

/* Entries hash by hardware address (by client-id when there is none): a lease written for a
 * client finds every answer about it, whatever subnet or client-id the lookup used. */
static unsigned bucket_of(const uint8_t *hw, size_t hwlen, const uint8_t *cid, size_t cidlen)
{
    const uint8_t *p = hwlen ? hw : cid;
    size_t n = hwlen ? hwlen : cidlen;
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 16777619u;
    return h % SQLCACHE4_BUCKETS;
}

static bool same_key(const sqlcache4_entry_t *e, const sqlcache4_key_t *k)
{
    return e->subnet_id == k->subnet_id && e->cidlen == k->cidlen && e->hwlen == k->hwlen &&
           (!k->cidlen || !memcmp(e->cid, k->cid, k->cidlen)) && (!k->hwlen || !memcmp(e->hw, k->hw, k->hwlen));
}

/* Lock held. */
static void unlink_entry(sqlcache4_t *c, sqlcache4_entry_t *e)
{
    sqlcache4_entry_t **pp = &c->buckets[bucket_of(e->hw, e->hwlen, e->cid, e->cidlen)];
    while (*pp != e)
        pp = &(*pp)->next;
    *pp = e->next;
    if (e->older)
        e->older->newer = e->newer;
    else
        c->oldest = e->newer;
    if (e->newer)
        e->newer->older = e->older;
    else
        c->newest = e->older;
    c->count--;
}

static sqlcache4_entry_t *find(sqlcache4_t *c, const sqlcache4_key_t *k)
{
    for (sqlcache4_entry_t *e = c->buckets[bucket_of(k->hw, k->hwlen, k->cid, k->cidlen)]; e; e = e->next)
        if (same_key(e, k))
            return e;
    return NULL;
}

void sqlcache4_put(sqlcache4_t *c, const sqlcache4_key_t *k, const sqlcache4_answer_t *a)
{
    if (k->cidlen > LEASE_CLIENTID_MAX || k->hwlen > LEASE_HWADDR_MAX || (!k->cidlen && !k->hwlen))
        return;
    sqlcache4_entry_t *n = xcalloc(1, sizeof *n);
    n->subnet_id = k->subnet_id;
    n->cidlen = (uint8_t)k->cidlen;
    n->hwlen = (uint8_t)k->hwlen;
    if (k->cidlen)
        memcpy(n->cid, k->cid, k->cidlen);
    if (k->hwlen)
        memcpy(n->hw, k->hw, k->hwlen);
    answer_copy(&n->answer, a);
    int64_t now = mono_ms();
    n->at_ms = now;
    sqlcache4_entry_t *gone = NULL; /* freed outside the lock */
    pthread_mutex_lock(&c->lock);
    sqlcache4_entry_t *old = find(c, k);
    if (old) {
        unlink_entry(c, old);
        old->next = gone;
        gone = old;
    }
    while (c->oldest && (c->count >= SQLCACHE4_OFFER_MAX || now - c->oldest->at_ms > SQLCACHE4_OFFER_MS)) {
        sqlcache4_entry_t *e = c->oldest;
        unlink_entry(c, e);
        e->next = gone;
        gone = e;
    }
    unsigned b = bucket_of(n->hw, n->hwlen, n->cid, n->cidlen);
    n->next = c->buckets[b];
    c->buckets[b] = n;
    n->older = c->newest;
    if (c->newest)
        c->newest->newer = n;
    else
        c->oldest = n;
    c->newest = n;
    c->count++;
    pthread_mutex_unlock(&c->lock);
    for (sqlcache4_entry_t *e = gone, *next; e; e = next) {
        next = e->next;
        entry_free(e);
    }
}

bool sqlcache4_take(sqlcache4_t *c, const sqlcache4_key_t *k, uint32_t also_addr, sqlcache4_answer_t *out)
{
    if (k->cidlen > LEASE_CLIENTID_MAX || k->hwlen > LEASE_HWADDR_MAX)
        return false;
    pthread_mutex_lock(&c->lock);
    sqlcache4_entry_t *e = c->count ? find(c, k) : NULL;
    if (e)
        unlink_entry(c, e);
    pthread_mutex_unlock(&c->lock);
    if (!e)
        return false;
    bool ok = mono_ms() - e->at_ms <= SQLCACHE4_OFFER_MS && e->answer.also_addr == also_addr;
    if (ok) {
        *out = e->answer;
        free(e);
    } else {
        entry_free(e);
    }
    return ok;
}

void sqlcache4_forget(sqlcache4_t *c, const lease_t *l)
{
    sqlcache4_entry_t *gone = NULL;
    pthread_mutex_lock(&c->lock);
    if (c->count) {
        sqlcache4_entry_t *e = c->buckets[bucket_of(l->hwaddr, l->hwaddr_len, l->client_id, l->client_id_len)];
        while (e) {
            sqlcache4_entry_t *next = e->next;
            bool same = l->hwaddr_len ? e->hwlen == l->hwaddr_len && !memcmp(e->hw, l->hwaddr, e->hwlen)
                                      : e->cidlen == l->client_id_len &&
                                            (!e->cidlen || !memcmp(e->cid, l->client_id, e->cidlen));
            if (same) {
                unlink_entry(c, e);
                e->next = gone;
                gone = e;
            }
            e = next;
        }
    }
    pthread_mutex_unlock(&c->lock);
    for (sqlcache4_entry_t *e = gone, *next; e; e = next) {
        next = e->next;
        entry_free(e);
    }
}

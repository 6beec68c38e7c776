/* Compact lease records and their indexes, for both families (see memfile_index.h). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "common/util.h"
#include "lease/memfile_index.h"

#define EXT_HDR 9 /* u8 cid_len, u32 host_len, u32 ctx_len (unaligned, native order) */

static uint32_t hash_seed;
static pthread_once_t seed_once = PTHREAD_ONCE_INIT;

/* Per-process random seed, so hash chains cannot be lengthened by chosen identifiers. */
static void seed_init(void)
{
    if (getrandom(&hash_seed, sizeof hash_seed, GRND_NONBLOCK) != sizeof hash_seed)
        hash_seed = (uint32_t)time(NULL);
}

static uint32_t get_u32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static size_t ext_cid_len(const uint8_t *e)
{
    return e ? e[0] : 0;
}

static const uint8_t *ext_cid(const uint8_t *e)
{
    return e + EXT_HDR;
}

static const char *ext_host(const uint8_t *e)
{
    return (e && get_u32(e + 1)) ? (const char *)(e + EXT_HDR + e[0]) : NULL;
}

static const char *ext_ctx(const uint8_t *e)
{
    if (!e || get_u32(e + 5) == 0)
        return NULL;
    return (const char *)(e + EXT_HDR + e[0] + get_u32(e + 1) + 1);
}

static uint8_t *build_ext(const lease_t *l)
{
    size_t cl = l->client_id ? l->client_id_len : 0;
    size_t hl = l->hostname ? strlen(l->hostname) : 0;
    size_t xl = l->user_context ? strlen(l->user_context) : 0;
    if (cl > LEASE_CLIENTID_MAX)
        cl = LEASE_CLIENTID_MAX;
    if (!cl && !hl && !xl)
        return NULL;
    uint8_t *e = xmalloc(EXT_HDR + cl + hl + 1 + xl + 1);
    uint32_t h32 = (uint32_t)hl, x32 = (uint32_t)xl;
    e[0] = (uint8_t)cl;
    memcpy(e + 1, &h32, 4);
    memcpy(e + 5, &x32, 4);
    uint8_t *p = e + EXT_HDR;
    if (cl)
        memcpy(p, l->client_id, cl);
    p += cl;
    memcpy(p, hl ? l->hostname : "", hl + 1);
    p += hl + 1;
    memcpy(p, xl ? l->user_context : "", xl + 1);
    return e;
}

static uint32_t hash_bytes(const uint8_t *b, size_t n, uint32_t extra)
{
    uint32_t h = 2166136261u ^ hash_seed;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 16777619u;
    }
    h ^= extra;
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    h ^= h >> 16;
    return h;
}

static void set_heap_pos(void *ctx, uint32_t id, uint32_t pos)
{
    memfile_idx_rec(ctx, id)->heap_pos = pos;
}

void memfile_idx_init(memfile_idx_t *x, const memfile_family_t *fam)
{
    memset(x, 0, sizeof(*x));
    pthread_once(&seed_once, seed_init);
    x->fam = fam;
    x->rec_size = fam->rec_size;
    x->free_head = MEMFILE_NONE;
    memfile_ord_init(&x->by_key, fam->kw);
    memfile_heap_init(&x->active, set_heap_pos, x);
    memfile_heap_init(&x->reclaimed, set_heap_pos, x);
}

void memfile_idx_free(memfile_idx_t *x)
{
    for (uint32_t id = 0; id < x->used; id++) {
        memfile_rec_t *r = memfile_idx_rec(x, id);
        if (!(r->flags & MREC_FREE))
            free(r->ext);
    }
    for (size_t i = 0; i < x->nslabs; i++)
        free(x->slabs[i]);
    free(x->slabs);
    for (size_t i = 0; i < MEMFILE_CHAINS; i++)
        free(x->chains[i].heads);
    free(x->subnets);
    memfile_ord_free(&x->by_key);
    memfile_heap_free(&x->active);
    memfile_heap_free(&x->reclaimed);
    memset(x, 0, sizeof(*x));
}

/* ---- chains by identifier ---- */

static uint32_t *link_of(const memfile_idx_t *x, memfile_rec_t *r, unsigned which)
{
    return (uint32_t *)((uint8_t *)r + x->fam->chains[which].link_off);
}

/* The identifier r is chained by (length 0: not chained), and the word that goes with it. */
static size_t key_of(const memfile_idx_t *x, const memfile_rec_t *r, unsigned which,
                     const uint8_t **k, uint32_t *extra)
{
    const memfile_chain_def_t *d = &x->fam->chains[which];
    *extra = 0;
    if (d->extra_off)
        memcpy(extra, (const uint8_t *)r + d->extra_off, sizeof *extra);
    if (d->which == MEMFILE_BY_HW) {
        *k = r->hw;
        return r->hwlen;
    }
    *k = r->ext ? ext_cid(r->ext) : NULL;
    return ext_cid_len(r->ext);
}

/* The head of r's bucket in chain which, or NULL when r has no identifier for it (or the
 * chain no buckets yet). */
static inline uint32_t *head_of(memfile_idx_t *x, const memfile_rec_t *r, unsigned which)
{
    const uint8_t *k;
    uint32_t extra;
    memfile_chain_t *ch = &x->chains[which];
    size_t kl = key_of(x, r, which, &k, &extra);
    return kl && ch->heads ? &ch->heads[hash_bytes(k, kl, extra) & ch->mask] : NULL;
}

static void chain_grow(memfile_idx_t *x, unsigned which)
{
    memfile_chain_t *ch = &x->chains[which];
    uint32_t size = ch->heads ? (ch->mask + 1) * 2 : 1024;
    free(ch->heads);
    ch->heads = xmalloc(size * sizeof(uint32_t));
    memset(ch->heads, 0xff, size * sizeof(uint32_t));
    ch->mask = size - 1;
    for (uint32_t id = 0; id < x->used; id++) {
        memfile_rec_t *r = memfile_idx_rec(x, id);
        uint32_t *head = (r->flags & MREC_FREE) ? NULL : head_of(x, r, which);
        if (head) {
            *link_of(x, r, which) = *head;
            *head = id;
        }
    }
}

static void chain_link(memfile_idx_t *x, unsigned which, uint32_t id)
{
    memfile_rec_t *r = memfile_idx_rec(x, id);
    memfile_chain_t *ch = &x->chains[which];
    const uint8_t *k;
    uint32_t extra;
    *link_of(x, r, which) = MEMFILE_NONE;
    if (key_of(x, r, which, &k, &extra) == 0)
        return;
    ch->n++;
    if (!ch->heads || ch->n > (size_t)ch->mask + 1) {
        chain_grow(x, which); /* links every record holding a key, this one included */
        return;
    }
    uint32_t *head = head_of(x, r, which);
    *link_of(x, r, which) = *head;
    *head = id;
}

static void chain_unlink(memfile_idx_t *x, unsigned which, uint32_t id)
{
    memfile_rec_t *r = memfile_idx_rec(x, id);
    uint32_t *link = head_of(x, r, which);
    if (!link)
        return;
    while (*link != MEMFILE_NONE) {
        if (*link == id) {
            *link = *link_of(x, r, which);
            x->chains[which].n--;
            return;
        }
        link = link_of(x, memfile_idx_rec(x, *link), which);
    }
}

/* ---- counts per subnet and type ---- */

static bool count_before(const memfile_subnet_count_t *c, uint32_t sid, uint8_t type)
{
    return c->subnet_id < sid || (c->subnet_id == sid && c->type < type);
}

static memfile_subnet_count_t *subnet_entry(memfile_idx_t *x, uint32_t sid, uint8_t type)
{
    size_t lo = 0, hi = x->nsubnets;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (count_before(&x->subnets[mid], sid, type))
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < x->nsubnets && x->subnets[lo].subnet_id == sid && x->subnets[lo].type == type)
        return &x->subnets[lo];
    if (x->nsubnets == x->subnets_cap) {
        x->subnets_cap = x->subnets_cap ? x->subnets_cap * 2 : 16;
        x->subnets = xrealloc(x->subnets, x->subnets_cap * sizeof(*x->subnets));
    }
    memmove(x->subnets + lo + 1, x->subnets + lo, (x->nsubnets - lo) * sizeof(*x->subnets));
    x->subnets[lo] = (memfile_subnet_count_t){.subnet_id = sid, .type = type};
    x->nsubnets++;
    return &x->subnets[lo];
}

static void count_adjust(memfile_idx_t *x, const memfile_rec_t *r, int delta)
{
    if (r->state == LEASE_STATE_DEFAULT)
        subnet_entry(x, r->subnet_id, r->type)->assigned += (uint64_t)(int64_t)delta;
    else if (r->state == LEASE_STATE_DECLINED)
        subnet_entry(x, r->subnet_id, r->type)->declined += (uint64_t)(int64_t)delta;
}

/* ---- records ---- */

static int64_t heap_key(const memfile_rec_t *r)
{
    return r->valid_lft == LEASE_INFINITE ? INT64_MAX : r->cltt + (int64_t)r->valid_lft;
}

static uint32_t rec_alloc(memfile_idx_t *x)
{
    if (x->free_head != MEMFILE_NONE) {
        uint32_t id = x->free_head;
        x->free_head = memfile_idx_rec(x, id)->link[0];
        return id;
    }
    if ((x->used >> MEMFILE_SLAB_SHIFT) >= x->nslabs) {
        x->slabs = xrealloc(x->slabs, (x->nslabs + 1) * sizeof(*x->slabs));
        x->slabs[x->nslabs++] = xmalloc(MEMFILE_SLAB * x->fam->rec_size);
    }
    return x->used++;
}

static void rec_fill(const memfile_idx_t *x, memfile_rec_t *r, const lease_t *l)
{
    r->cltt = l->cltt;
    r->ext = build_ext(l);
    r->subnet_id = l->subnet_id;
    r->valid_lft = l->valid_lft;
    r->state = l->state;
    r->link[0] = r->link[1] = r->heap_pos = MEMFILE_NONE;
    r->hwlen = l->hwaddr_len < LEASE_HWADDR_MAX ? l->hwaddr_len : LEASE_HWADDR_MAX;
    memset(r->hw, 0, sizeof r->hw);
    memcpy(r->hw, l->hwaddr, r->hwlen);
    r->flags = (uint8_t)((l->fqdn_fwd ? MREC_FWD : 0) | (l->fqdn_rev ? MREC_REV : 0));
    r->type = l->type;
    x->fam->fill(r, l);
}

static void rec_link(memfile_idx_t *x, uint32_t id)
{
    memfile_rec_t *r = memfile_idx_rec(x, id);
    for (unsigned c = 0; c < x->fam->nchains; c++)
        chain_link(x, c, id);
    if (r->state == LEASE_STATE_DEFAULT || r->state == LEASE_STATE_DECLINED) {
        r->flags |= MREC_IN_ACTIVE;
        memfile_heap_push(&x->active, heap_key(r), id);
    } else if (r->state == LEASE_STATE_RECLAIMED) {
        r->flags |= MREC_IN_RECLAIMED;
        memfile_heap_push(&x->reclaimed, heap_key(r), id);
    }
    count_adjust(x, r, +1);
}

static void rec_unlink(memfile_idx_t *x, uint32_t id)
{
    memfile_rec_t *r = memfile_idx_rec(x, id);
    for (unsigned c = 0; c < x->fam->nchains; c++)
        chain_unlink(x, c, id);
    if (r->flags & MREC_IN_ACTIVE)
        memfile_heap_remove(&x->active, r->heap_pos);
    else if (r->flags & MREC_IN_RECLAIMED)
        memfile_heap_remove(&x->reclaimed, r->heap_pos);
    r->flags &= (uint8_t)~(MREC_IN_ACTIVE | MREC_IN_RECLAIMED);
    count_adjust(x, r, -1);
}

uint32_t memfile_idx_insert(memfile_idx_t *x, const lease_t *l)
{
    uint32_t id = rec_alloc(x);
    memfile_rec_t *r = memfile_idx_rec(x, id);
    rec_fill(x, r, l);
    memfile_ord_insert(&x->by_key, memfile_rec_key(x, r), id);
    rec_link(x, id);
    x->count++;
    return id;
}

void memfile_idx_replace(memfile_idx_t *x, uint32_t id, const lease_t *l)
{
    memfile_rec_t *r = memfile_idx_rec(x, id);
    rec_unlink(x, id);
    free(r->ext);
    rec_fill(x, r, l);
    rec_link(x, id);
}

void memfile_idx_remove(memfile_idx_t *x, uint32_t id)
{
    memfile_rec_t *r = memfile_idx_rec(x, id);
    rec_unlink(x, id);
    memfile_ord_remove(&x->by_key, memfile_rec_key(x, r));
    free(r->ext);
    r->ext = NULL;
    r->flags = MREC_FREE;
    r->link[0] = x->free_head;
    x->free_head = id;
    x->count--;
}

void memfile_idx_upsert(memfile_idx_t *x, const lease_t *l)
{
    memfile_key_t k;
    memfile_key_of_lease(l, &k);
    uint32_t id = memfile_idx_find(x, &k);
    if (id == MEMFILE_NONE)
        memfile_idx_insert(x, l);
    else
        memfile_idx_replace(x, id, l);
}

void memfile_idx_view(const memfile_idx_t *x, uint32_t id, lease_t *out)
{
    const memfile_rec_t *r = memfile_idx_rec(x, id);
    lease_init(out, x->fam->family);
    out->type = r->type;
    out->subnet_id = r->subnet_id;
    out->valid_lft = r->valid_lft;
    out->cltt = r->cltt;
    out->state = r->state;
    out->fqdn_fwd = (r->flags & MREC_FWD) != 0;
    out->fqdn_rev = (r->flags & MREC_REV) != 0;
    out->hwaddr_len = r->hwlen;
    memcpy(out->hwaddr, r->hw, r->hwlen);
    out->client_id_len = (uint16_t)ext_cid_len(r->ext);
    out->client_id = out->client_id_len ? (uint8_t *)ext_cid(r->ext) : NULL;
    out->hostname = (char *)ext_host(r->ext);
    out->user_context = (char *)ext_ctx(r->ext);
    x->fam->view(r, out);
}

void memfile_idx_copy(const memfile_idx_t *x, uint32_t id, lease_t *out)
{
    lease_t v;
    memfile_idx_view(x, id, &v);
    lease_dup(out, &v);
}

/* ---- chain walks ---- */

/* Calls fn for every record of q's chain that matches q. Inlined into each caller, with fn. */
static inline __attribute__((always_inline)) void walk(const memfile_idx_t *x, const memfile_match_t *q,
                 void (*fn)(const memfile_idx_t *x, uint32_t id, void *arg), void *arg)
{
    if ((unsigned)q->chain >= x->fam->nchains || q->len == 0)
        return;
    const memfile_chain_t *ch = &x->chains[q->chain];
    const memfile_chain_def_t d = x->fam->chains[q->chain];
    uint32_t iaid = d.extra_off ? q->iaid : 0, extra = 0;
    if (!ch->heads)
        return;
    for (uint32_t id = ch->heads[hash_bytes(q->id, q->len, iaid) & ch->mask];
         id != MEMFILE_NONE;) {
        const memfile_rec_t *r = memfile_idx_rec(x, id);
        const uint8_t *k = r->hw;
        size_t kl = r->hwlen;
        if (d.which != MEMFILE_BY_HW) {
            k = r->ext ? ext_cid(r->ext) : NULL;
            kl = ext_cid_len(r->ext);
        }
        if (d.extra_off)
            memcpy(&extra, (const uint8_t *)r + d.extra_off, sizeof extra);
        if (kl == q->len && extra == iaid && memcmp(k, q->id, kl) == 0 &&
            (q->any_subnet || r->subnet_id == q->subnet_id) &&
            (q->type < 0 || r->type == q->type))
            fn(x, id, arg);
        memcpy(&id, (const uint8_t *)r + d.link_off, sizeof id);
    }
}

static void keep_latest(const memfile_idx_t *x, uint32_t id, void *arg)
{
    uint32_t *best = arg;
    if (*best == MEMFILE_NONE || memfile_idx_rec(x, id)->cltt > memfile_idx_rec(x, *best)->cltt)
        *best = id;
}

uint32_t memfile_idx_latest(const memfile_idx_t *x, const memfile_match_t *q)
{
    uint32_t best = MEMFILE_NONE;
    walk(x, q, keep_latest, &best);
    return best;
}

static void push_view(const memfile_idx_t *x, uint32_t id, void *arg)
{
    lease_t v;
    memfile_idx_view(x, id, &v);
    lease_list_push(arg, &v);
}

static int cmp_key(const void *a, const void *b)
{
    lease_key_t ka = lease_key_of(a), kb = lease_key_of(b);
    return lease_key_cmp(&ka, &kb);
}

void memfile_idx_collect(const memfile_idx_t *x, const memfile_match_t *q, lease_list_t *out)
{
    size_t first = out->count;
    walk(x, q, push_view, out);
    /* Address order, so answers do not depend on hash-chain order. */
    if (out->count > first)
        qsort(out->items + first, out->count - first, sizeof(*out->items), cmp_key);
}

/* ---- keys and the two families ---- */

void memfile_key_of(const lease_key_t *lk, memfile_key_t *k)
{
    memset(k, 0, sizeof *k);
    if (lk->family == LEASE_V4) {
        k->w[0] = lk->addr.v4;
        return;
    }
    for (unsigned i = 0; i < MEMFILE_KEY_WORDS; i++) {
        const uint8_t *b = lk->addr.v6.s6_addr + 4 * i;
        k->w[i] = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
    }
}

void memfile_key_of_lease(const lease_t *l, memfile_key_t *k)
{
    lease_key_t lk = {.family = l->family, .addr = {.v6 = l->addr.v6}};
    memfile_key_of(&lk, k);
}

static void fill4(memfile_rec_t *r, const lease_t *l)
{
    ((memfile_rec4_t *)r)->addr = l->addr.v4;
}

static void view4(const memfile_rec_t *r, lease_t *out)
{
    out->addr.v4 = ((const memfile_rec4_t *)r)->addr;
}

static void fill6(memfile_rec_t *r, const lease_t *l)
{
    memfile_rec6_t *r6 = (memfile_rec6_t *)r;
    memfile_key_t k;
    memfile_key_of_lease(l, &k);
    memcpy(r6->addr, k.w, sizeof r6->addr);
    r6->pref_lft = l->pref_lft;
    r6->iaid = l->iaid;
    r6->iaid_link = MEMFILE_NONE;
    r6->hwaddr_source = l->hwaddr_source;
    r6->hwtype = l->hwtype;
    r6->prefix_len = l->prefix_len;
}

static void view6(const memfile_rec_t *r, lease_t *out)
{
    const memfile_rec6_t *r6 = (const memfile_rec6_t *)r;
    for (unsigned i = 0; i < MEMFILE_KEY_WORDS; i++)
        for (unsigned b = 0; b < 4; b++)
            out->addr.v6.s6_addr[4 * i + b] = (uint8_t)(r6->addr[i] >> (24 - 8 * b));
    out->pref_lft = r6->pref_lft;
    out->iaid = r6->iaid;
    out->hwaddr_source = r6->hwaddr_source;
    out->hwtype = r6->hwtype;
    out->prefix_len = r6->prefix_len;
}

_Static_assert(sizeof(memfile_rec_t) == 64, "the neutral record part grew");
_Static_assert(sizeof(memfile_rec4_t) == 72, "v4 records grew");

#define CHAIN(w, field) {.which = (w), .link_off = offsetof(memfile_rec_t, field)}

const memfile_family_t memfile_family4 = {
    .family = LEASE_V4, .kw = 1, .rec_size = sizeof(memfile_rec4_t),
    .key_off = offsetof(memfile_rec4_t, addr),
    .chains = {CHAIN(MEMFILE_BY_HW, link[0]), CHAIN(MEMFILE_BY_CID, link[1])},
    .nchains = 2, .fill = fill4, .view = view4,
};

const memfile_family_t memfile_family6 = {
    .family = LEASE_V6, .kw = MEMFILE_KEY_WORDS, .rec_size = sizeof(memfile_rec6_t),
    .key_off = offsetof(memfile_rec6_t, addr),
    .chains = {CHAIN(MEMFILE_BY_HW, link[0]), CHAIN(MEMFILE_BY_CID, link[1]),
               {.which = MEMFILE_BY_CID, .link_off = offsetof(memfile_rec6_t, iaid_link),
                .extra_off = offsetof(memfile_rec6_t, iaid)}},
    .nchains = 3, .fill = fill6, .view = view6,
};

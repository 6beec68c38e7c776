/* Compact v4 lease records and their indexes (see memfile_index.h). */
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

static uint32_t hash_bytes(const uint8_t *b, size_t n)
{
    uint32_t h = 2166136261u ^ hash_seed;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 16777619u;
    }
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    h ^= h >> 16;
    return h;
}

static void set_heap_pos(void *ctx, uint32_t id, uint32_t pos)
{
    memfile_idx4_rec(ctx, id)->heap_pos = pos;
}

void memfile_idx4_init(memfile_idx4_t *x)
{
    memset(x, 0, sizeof(*x));
    pthread_once(&seed_once, seed_init);
    x->free_head = MEMFILE_NONE;
    memfile_ord_init(&x->by_addr);
    memfile_heap_init(&x->active, set_heap_pos, x);
    memfile_heap_init(&x->reclaimed, set_heap_pos, x);
}

void memfile_idx4_free(memfile_idx4_t *x)
{
    for (uint32_t id = 0; id < x->used; id++) {
        memfile_rec4_t *r = memfile_idx4_rec(x, id);
        if (!(r->flags & MREC_FREE))
            free(r->ext);
    }
    for (size_t i = 0; i < x->nslabs; i++)
        free(x->slabs[i]);
    free(x->slabs);
    free(x->by_hw.heads);
    free(x->by_cid.heads);
    free(x->subnets);
    memfile_ord_free(&x->by_addr);
    memfile_heap_free(&x->active);
    memfile_heap_free(&x->reclaimed);
    memset(x, 0, sizeof(*x));
}

/* ---- chains by identifier ---- */

enum { BY_HW, BY_CID };

static uint32_t *next_of(memfile_rec4_t *r, int which)
{
    return which == BY_HW ? &r->hw_next : &r->cid_next;
}

static size_t key_of(const memfile_rec4_t *r, int which, const uint8_t **k)
{
    if (which == BY_HW) {
        *k = r->hw;
        return r->hwlen;
    }
    *k = r->ext ? ext_cid(r->ext) : NULL;
    return ext_cid_len(r->ext);
}

static memfile_chain_t *chain_of(memfile_idx4_t *x, int which)
{
    return which == BY_HW ? &x->by_hw : &x->by_cid;
}

static void chain_grow(memfile_idx4_t *x, int which)
{
    memfile_chain_t *ch = chain_of(x, which);
    uint32_t size = ch->heads ? (ch->mask + 1) * 2 : 1024;
    free(ch->heads);
    ch->heads = xmalloc(size * sizeof(uint32_t));
    memset(ch->heads, 0xff, size * sizeof(uint32_t));
    ch->mask = size - 1;
    for (uint32_t id = 0; id < x->used; id++) {
        memfile_rec4_t *r = memfile_idx4_rec(x, id);
        const uint8_t *k;
        size_t kl;
        if ((r->flags & MREC_FREE) || (kl = key_of(r, which, &k)) == 0)
            continue;
        uint32_t b = hash_bytes(k, kl) & ch->mask;
        *next_of(r, which) = ch->heads[b];
        ch->heads[b] = id;
    }
}

static void chain_link(memfile_idx4_t *x, int which, uint32_t id)
{
    memfile_rec4_t *r = memfile_idx4_rec(x, id);
    memfile_chain_t *ch = chain_of(x, which);
    const uint8_t *k;
    size_t kl = key_of(r, which, &k);
    *next_of(r, which) = MEMFILE_NONE;
    if (kl == 0)
        return;
    ch->n++;
    if (!ch->heads || ch->n > (size_t)ch->mask + 1) {
        chain_grow(x, which); /* links every record holding a key, this one included */
        return;
    }
    uint32_t b = hash_bytes(k, kl) & ch->mask;
    *next_of(r, which) = ch->heads[b];
    ch->heads[b] = id;
}

static void chain_unlink(memfile_idx4_t *x, int which, uint32_t id)
{
    memfile_rec4_t *r = memfile_idx4_rec(x, id);
    memfile_chain_t *ch = chain_of(x, which);
    const uint8_t *k;
    size_t kl = key_of(r, which, &k);
    if (kl == 0)
        return;
    uint32_t *link = &ch->heads[hash_bytes(k, kl) & ch->mask];
    while (*link != MEMFILE_NONE) {
        if (*link == id) {
            *link = *next_of(r, which);
            ch->n--;
            return;
        }
        link = next_of(memfile_idx4_rec(x, *link), which);
    }
}

/* ---- per-subnet counts ---- */

static memfile_subnet_count_t *subnet_entry(memfile_idx4_t *x, uint32_t sid)
{
    size_t lo = 0, hi = x->nsubnets;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (x->subnets[mid].subnet_id < sid)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < x->nsubnets && x->subnets[lo].subnet_id == sid)
        return &x->subnets[lo];
    if (x->nsubnets == x->subnets_cap) {
        x->subnets_cap = x->subnets_cap ? x->subnets_cap * 2 : 16;
        x->subnets = xrealloc(x->subnets, x->subnets_cap * sizeof(*x->subnets));
    }
    memmove(x->subnets + lo + 1, x->subnets + lo, (x->nsubnets - lo) * sizeof(*x->subnets));
    x->subnets[lo] = (memfile_subnet_count_t){.subnet_id = sid};
    x->nsubnets++;
    return &x->subnets[lo];
}

static void count_adjust(memfile_idx4_t *x, const memfile_rec4_t *r, int delta)
{
    if (r->state == LEASE_STATE_DEFAULT)
        subnet_entry(x, r->subnet_id)->assigned += (uint64_t)(int64_t)delta;
    else if (r->state == LEASE_STATE_DECLINED)
        subnet_entry(x, r->subnet_id)->declined += (uint64_t)(int64_t)delta;
}

/* ---- records ---- */

static int64_t heap_key(const memfile_rec4_t *r)
{
    return r->valid_lft == LEASE_INFINITE ? INT64_MAX : r->cltt + (int64_t)r->valid_lft;
}

static uint32_t rec_alloc(memfile_idx4_t *x)
{
    if (x->free_head != MEMFILE_NONE) {
        uint32_t id = x->free_head;
        x->free_head = memfile_idx4_rec(x, id)->hw_next;
        return id;
    }
    if ((x->used >> MEMFILE_SLAB_SHIFT) >= x->nslabs) {
        x->slabs = xrealloc(x->slabs, (x->nslabs + 1) * sizeof(*x->slabs));
        x->slabs[x->nslabs++] = xmalloc(MEMFILE_SLAB * sizeof(memfile_rec4_t));
    }
    return x->used++;
}

static void rec_fill(memfile_rec4_t *r, const lease_t *l)
{
    r->cltt = l->cltt;
    r->ext = build_ext(l);
    r->addr = l->addr.v4;
    r->subnet_id = l->subnet_id;
    r->valid_lft = l->valid_lft;
    r->state = l->state;
    r->hw_next = r->cid_next = r->heap_pos = MEMFILE_NONE;
    r->hwlen = l->hwaddr_len < LEASE_HWADDR_MAX ? l->hwaddr_len : LEASE_HWADDR_MAX;
    memset(r->hw, 0, sizeof r->hw);
    memcpy(r->hw, l->hwaddr, r->hwlen);
    r->flags = (uint8_t)((l->fqdn_fwd ? MREC_FWD : 0) | (l->fqdn_rev ? MREC_REV : 0));
}

static void rec_link(memfile_idx4_t *x, uint32_t id)
{
    memfile_rec4_t *r = memfile_idx4_rec(x, id);
    chain_link(x, BY_HW, id);
    chain_link(x, BY_CID, id);
    if (r->state == LEASE_STATE_DEFAULT || r->state == LEASE_STATE_DECLINED) {
        r->flags |= MREC_IN_ACTIVE;
        memfile_heap_push(&x->active, heap_key(r), id);
    } else if (r->state == LEASE_STATE_RECLAIMED) {
        r->flags |= MREC_IN_RECLAIMED;
        memfile_heap_push(&x->reclaimed, heap_key(r), id);
    }
    count_adjust(x, r, +1);
}

static void rec_unlink(memfile_idx4_t *x, uint32_t id)
{
    memfile_rec4_t *r = memfile_idx4_rec(x, id);
    chain_unlink(x, BY_HW, id);
    chain_unlink(x, BY_CID, id);
    if (r->flags & MREC_IN_ACTIVE)
        memfile_heap_remove(&x->active, r->heap_pos);
    else if (r->flags & MREC_IN_RECLAIMED)
        memfile_heap_remove(&x->reclaimed, r->heap_pos);
    r->flags &= (uint8_t)~(MREC_IN_ACTIVE | MREC_IN_RECLAIMED);
    count_adjust(x, r, -1);
}

uint32_t memfile_idx4_insert(memfile_idx4_t *x, const lease_t *l)
{
    uint32_t id = rec_alloc(x);
    rec_fill(memfile_idx4_rec(x, id), l);
    memfile_ord_insert(&x->by_addr, l->addr.v4, id);
    rec_link(x, id);
    x->count++;
    return id;
}

void memfile_idx4_replace(memfile_idx4_t *x, uint32_t id, const lease_t *l)
{
    memfile_rec4_t *r = memfile_idx4_rec(x, id);
    rec_unlink(x, id);
    free(r->ext);
    rec_fill(r, l);
    rec_link(x, id);
}

void memfile_idx4_remove(memfile_idx4_t *x, uint32_t id)
{
    memfile_rec4_t *r = memfile_idx4_rec(x, id);
    rec_unlink(x, id);
    memfile_ord_remove(&x->by_addr, r->addr);
    free(r->ext);
    r->ext = NULL;
    r->flags = MREC_FREE;
    r->hw_next = x->free_head;
    x->free_head = id;
    x->count--;
}

void memfile_idx4_upsert(memfile_idx4_t *x, const lease_t *l)
{
    uint32_t id = memfile_idx4_find(x, l->addr.v4);
    if (id == MEMFILE_NONE)
        memfile_idx4_insert(x, l);
    else
        memfile_idx4_replace(x, id, l);
}

void memfile_idx4_view(const memfile_idx4_t *x, uint32_t id, lease_t *out)
{
    const memfile_rec4_t *r = memfile_idx4_rec(x, id);
    lease_init(out, LEASE_V4);
    out->addr.v4 = r->addr;
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
}

void memfile_idx4_copy(const memfile_idx4_t *x, uint32_t id, lease_t *out)
{
    lease_t v;
    memfile_idx4_view(x, id, &v);
    lease_dup(out, &v);
}

static uint32_t find_latest(const memfile_idx4_t *x, int which, const uint8_t *key, size_t len,
                            uint32_t subnet_id)
{
    const memfile_chain_t *ch = which == BY_HW ? &x->by_hw : &x->by_cid;
    uint32_t best = MEMFILE_NONE;
    int64_t best_cltt = 0;
    if (len == 0 || !ch->heads)
        return MEMFILE_NONE;
    for (uint32_t id = ch->heads[hash_bytes(key, len) & ch->mask]; id != MEMFILE_NONE;) {
        memfile_rec4_t *r = memfile_idx4_rec(x, id);
        const uint8_t *k;
        size_t kl = key_of(r, which, &k);
        if (r->subnet_id == subnet_id && kl == len && memcmp(k, key, len) == 0 &&
            (best == MEMFILE_NONE || r->cltt > best_cltt)) {
            best = id;
            best_cltt = r->cltt;
        }
        id = *next_of(r, which);
    }
    return best;
}

uint32_t memfile_idx4_find_hw(const memfile_idx4_t *x, const uint8_t *hw, size_t len,
                              uint32_t subnet_id)
{
    return find_latest(x, BY_HW, hw, len, subnet_id);
}

uint32_t memfile_idx4_find_cid(const memfile_idx4_t *x, const uint8_t *cid, size_t len,
                               uint32_t subnet_id)
{
    return find_latest(x, BY_CID, cid, len, subnet_id);
}

static int cmp_addr(const void *a, const void *b)
{
    const lease_t *x = a, *y = b;
    return x->addr.v4 < y->addr.v4 ? -1 : x->addr.v4 > y->addr.v4;
}

static void collect(const memfile_idx4_t *x, int which, const uint8_t *key, size_t len,
                    lease_list_t *out)
{
    const memfile_chain_t *ch = which == BY_HW ? &x->by_hw : &x->by_cid;
    size_t first = out->count;
    if (len == 0 || !ch->heads)
        return;
    for (uint32_t id = ch->heads[hash_bytes(key, len) & ch->mask]; id != MEMFILE_NONE;) {
        memfile_rec4_t *r = memfile_idx4_rec(x, id);
        const uint8_t *k;
        size_t kl = key_of(r, which, &k);
        if (kl == len && memcmp(k, key, len) == 0) {
            lease_t v;
            memfile_idx4_view(x, id, &v);
            lease_list_push(out, &v);
        }
        id = *next_of(r, which);
    }
    /* Address order, so answers do not depend on hash-chain order. */
    if (out->count > first)
        qsort(out->items + first, out->count - first, sizeof(*out->items), cmp_addr);
}

void memfile_idx4_collect_hw(const memfile_idx4_t *x, const uint8_t *hw, size_t len,
                             lease_list_t *out)
{
    collect(x, BY_HW, hw, len, out);
}

void memfile_idx4_collect_cid(const memfile_idx4_t *x, const uint8_t *cid, size_t len,
                              lease_list_t *out)
{
    collect(x, BY_CID, cid, len, out);
}

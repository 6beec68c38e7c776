/* In-memory lease indexes of the memfile store (internal to src/lease), one shape for both
 * address families.
 *
 * Contract:
 * - No locking here: the store serialises access (readers share, writers exclude).
 * - memfile_key_t: a lease's address as 32-bit words, most significant first, so that
 *   comparing the words in order is address order (v4: one word, the host-order address; v6:
 *   four words of the 128-bit address). A family's key width (kw) is 1 or 4 words. Kea keeps
 *   lease6 addresses unique whatever their type, so the address alone is the key; the type
 *   only qualifies a lookup (the store compares it).
 * - memfile_ord_t: ordered map key -> uint32 (address -> record id) for keys of kw words. It
 *   is the unique address index and gives ordered paging. Structure: a sorted array of sorted
 *   chunks of up to MEMFILE_ORD_CHUNK entries, with the chunks' first keys in a separate array
 *   so the top-level binary search stays in cache (a two-level B+tree). Lookups cost two
 *   binary searches; inserts move at most one chunk (4 KiB of keys and values for v4, 10 KiB
 *   for v6); a full chunk splits, an underfull one merges with a neighbour. The searches are
 *   compiled once per key width, so a v4 map compares single words as before it had a width.
 *   Chosen over a hash + lazily sorted array because lease4-get-page (HA sync) interleaves with
 *   allocations, and any rebuild would stall the writers; chosen over a radix tree for its
 *   small, predictable memory (4 * (kw + 1) bytes per entry / fill factor).
 * - memfile_heap_t: binary min-heap of (expire, id) with position callbacks so a record can be
 *   moved or removed in O(log n). Reclamation takes the k oldest expired entries in
 *   O(k log k) with a best-first walk that does not modify the heap.
 * - memfile_idx_t: compact lease records in fixed slabs, so record pointers and ids stay
 *   stable (freed ids go to a free list), plus the address map, hash chains by identifier (one
 *   chain per identifier holds all its leases; subnet and type are filtered while walking), an
 *   "active" heap (state default or declined) for expiry and a "reclaimed" heap for
 *   deleteExpiredReclaimed, and state counts per subnet and lease type. A record is the
 *   family-neutral memfile_rec_t (64 bytes: times, state, subnet, type, hardware address, chain
 *   links, heap position, and one optional blob for client-id/DUID, hostname and user context)
 *   followed by its family's fields: memfile_rec4_t (72 bytes: the address) or memfile_rec6_t
 *   (104 bytes: address, preferred lifetime, IAID, prefix length, hwtype, hwaddr source and
 *   the DUID+IAID chain link). A memfile_family_t describes the difference (key width, record
 *   size, chains, family fields); everything else is written once.
 * - Chains: v4 by hardware address and by client-id; v6 by hardware address, by DUID and by
 *   DUID+IAID. Collections come back in address order, whatever the chain order.
 */
#ifndef NESTOR_LEASE_MEMFILE_INDEX_H
#define NESTOR_LEASE_MEMFILE_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lease/lease.h"

#define MEMFILE_NONE UINT32_MAX

/* ---- keys ---- */
#define MEMFILE_KEY_WORDS 4

typedef struct memfile_key {
    uint32_t w[MEMFILE_KEY_WORDS];
} memfile_key_t;

/* The key of a lease / of a lease_key_t (their family decides the width). */
void memfile_key_of_lease(const lease_t *l, memfile_key_t *k);
void memfile_key_of(const lease_key_t *lk, memfile_key_t *k);
/* Key words width of a family: 1 (v4) or MEMFILE_KEY_WORDS (v6). */
static inline unsigned memfile_key_width(enum lease_family fam)
{
    return fam == LEASE_V4 ? 1 : MEMFILE_KEY_WORDS;
}

/* ---- ordered map ---- */
#define MEMFILE_ORD_CHUNK 512

typedef struct memfile_ord_chunk {
    uint32_t n;
    uint32_t vals[MEMFILE_ORD_CHUNK];
    uint32_t keys[]; /* MEMFILE_ORD_CHUNK keys of kw words */
} memfile_ord_chunk_t;

typedef struct memfile_ord {
    memfile_ord_chunk_t **chunks;
    uint32_t *firsts;   /* firsts[i * kw ..] == chunks[i]'s first key */
    size_t nchunks, cap;
    size_t count;
    unsigned kw;        /* key width in words: 1 or MEMFILE_KEY_WORDS */
} memfile_ord_t;

typedef struct memfile_ord_iter {
    size_t c, i;
} memfile_ord_iter_t;

void memfile_ord_init(memfile_ord_t *o, unsigned kw);
void memfile_ord_free(memfile_ord_t *o);
/* MEMFILE_NONE if absent. key has o->kw words. */
uint32_t memfile_ord_get(const memfile_ord_t *o, const uint32_t *key);
/* Inserts key (must be absent). */
void memfile_ord_insert(memfile_ord_t *o, const uint32_t *key, uint32_t val);
/* Removes key; false if absent. */
bool memfile_ord_remove(memfile_ord_t *o, const uint32_t *key);
/* Positions it at the first key >= key (NULL: the first key). */
void memfile_ord_seek(const memfile_ord_t *o, const uint32_t *key, memfile_ord_iter_t *it);
/* Yields the entry at it and advances; false at the end. *key (may be NULL) points into the
 * map, valid until it changes. */
bool memfile_ord_next(const memfile_ord_t *o, memfile_ord_iter_t *it, const uint32_t **key,
                      uint32_t *val);

/* ---- expiry heap ---- */
typedef struct memfile_heap_ent {
    int64_t key;
    uint32_t id;
} memfile_heap_ent_t;

typedef void (*memfile_heap_setpos_fn)(void *ctx, uint32_t id, uint32_t pos);

typedef struct memfile_heap {
    memfile_heap_ent_t *a;
    size_t n, cap;
    memfile_heap_setpos_fn setpos;
    void *ctx;
} memfile_heap_t;

void memfile_heap_init(memfile_heap_t *h, memfile_heap_setpos_fn setpos, void *ctx);
void memfile_heap_free(memfile_heap_t *h);
void memfile_heap_push(memfile_heap_t *h, int64_t key, uint32_t id);
void memfile_heap_remove(memfile_heap_t *h, uint32_t pos);
void memfile_heap_update(memfile_heap_t *h, uint32_t pos, int64_t key);
/* Ids of entries with key <= limit in ascending key order, at most max (0 = all). Returns the
 * count; *ids is malloc'd (caller frees), NULL when the count is 0. */
size_t memfile_heap_collect(const memfile_heap_t *h, int64_t limit, size_t max, uint32_t **ids);

/* ---- records ---- */
#define MEMFILE_SLAB_SHIFT 14
#define MEMFILE_SLAB (1u << MEMFILE_SLAB_SHIFT)

enum {
    MREC_FREE = 1,
    MREC_FWD = 2,
    MREC_REV = 4,
    MREC_IN_ACTIVE = 8,
    MREC_IN_RECLAIMED = 16,
};

/* The chains an index may have; a family lists the ones it keeps. */
enum memfile_chain_id {
    MEMFILE_BY_HW,        /* hardware address */
    MEMFILE_BY_CID,       /* v4 client-id or v6 DUID */
    MEMFILE_BY_DUID_IAID, /* v6: DUID and IAID */
    MEMFILE_CHAINS
};

/* The family-neutral part of a record, first in every family's record. */
typedef struct memfile_rec {
    int64_t cltt;
    uint8_t *ext;        /* NULL, or [u8 cid_len][u32 host_len][u32 ctx_len] cid host\0 ctx\0 */
    uint32_t subnet_id;
    uint32_t valid_lft;
    uint32_t state;
    uint32_t link[2];    /* chains by hwaddr and by client-id/DUID; link[0]: free list */
    uint32_t heap_pos;
    uint8_t hwlen;
    uint8_t flags;
    uint8_t type;        /* v6: enum lease6_type; v4: 0 */
    uint8_t hw[LEASE_HWADDR_MAX];
} memfile_rec_t;

typedef struct memfile_rec4 {
    memfile_rec_t c;
    uint32_t addr;       /* the key (one word) */
} memfile_rec4_t;

typedef struct memfile_rec6 {
    memfile_rec_t c;
    uint32_t addr[MEMFILE_KEY_WORDS]; /* the key */
    uint32_t pref_lft;
    uint32_t iaid;
    uint32_t iaid_link;  /* chain by DUID+IAID */
    uint32_t hwaddr_source;
    uint16_t hwtype;
    uint8_t prefix_len;
} memfile_rec6_t;

typedef struct memfile_chain_def {
    uint8_t which;       /* MEMFILE_BY_HW: keyed by hw; else by the client-id/DUID */
    uint16_t link_off;   /* offset of the record's uint32 link */
    uint16_t extra_off;  /* offset of a uint32 that is part of the key (IAID), 0 = none */
} memfile_chain_def_t;

/* What differs between the families' indexes. */
typedef struct memfile_family {
    enum lease_family family;
    unsigned kw;         /* key width in words */
    size_t rec_size;
    size_t key_off;      /* offset of the key words in the record */
    memfile_chain_def_t chains[MEMFILE_CHAINS]; /* indexed by enum memfile_chain_id */
    unsigned nchains;    /* the family keeps chains[0 .. nchains) */
    /* The family's own fields, lease -> record and record -> lease. */
    void (*fill)(memfile_rec_t *r, const lease_t *l);
    void (*view)(const memfile_rec_t *r, lease_t *out);
} memfile_family_t;

extern const memfile_family_t memfile_family4, memfile_family6;

typedef struct memfile_chain {
    uint32_t *heads;
    uint32_t mask;
    size_t n;
} memfile_chain_t;

typedef struct memfile_subnet_count {
    uint32_t subnet_id;
    uint8_t type;
    uint64_t assigned, declined;
} memfile_subnet_count_t;

typedef struct memfile_idx {
    const memfile_family_t *fam;
    size_t rec_size;     /* fam->rec_size */
    uint8_t **slabs;
    size_t nslabs;
    uint32_t used;       /* ids below this have been handed out */
    uint32_t free_head;
    size_t count;        /* live leases */
    memfile_ord_t by_key;
    memfile_chain_t chains[MEMFILE_CHAINS];
    memfile_heap_t active, reclaimed;
    memfile_subnet_count_t *subnets; /* sorted by (subnet_id, type) */
    size_t nsubnets, subnets_cap;
} memfile_idx_t;

static inline memfile_rec_t *memfile_idx_rec(const memfile_idx_t *x, uint32_t id)
{
    return (memfile_rec_t *)(x->slabs[id >> MEMFILE_SLAB_SHIFT] +
                             (size_t)(id & (MEMFILE_SLAB - 1)) * x->rec_size);
}

static inline const uint32_t *memfile_rec_key(const memfile_idx_t *x, const memfile_rec_t *r)
{
    return (const uint32_t *)((const uint8_t *)r + x->fam->key_off);
}

void memfile_idx_init(memfile_idx_t *x, const memfile_family_t *fam);
void memfile_idx_free(memfile_idx_t *x);
/* Record id of key, or MEMFILE_NONE. */
static inline uint32_t memfile_idx_find(const memfile_idx_t *x, const memfile_key_t *k)
{
    return memfile_ord_get(&x->by_key, k->w);
}
/* Adds l (of the index's family; its address must be absent); returns the id. */
uint32_t memfile_idx_insert(memfile_idx_t *x, const lease_t *l);
/* Replaces record id with l (same address). */
void memfile_idx_replace(memfile_idx_t *x, uint32_t id, const lease_t *l);
void memfile_idx_remove(memfile_idx_t *x, uint32_t id);
/* Insert or replace by address (loading). */
void memfile_idx_upsert(memfile_idx_t *x, const lease_t *l);
/* Fills out with pointers into the record (borrowed; valid until the record changes). */
void memfile_idx_view(const memfile_idx_t *x, uint32_t id, lease_t *out);
/* Fills out with an owned copy (lease_free it). */
void memfile_idx_copy(const memfile_idx_t *x, uint32_t id, lease_t *out);

/* What a chain walk selects: the identifier (and IAID for MEMFILE_BY_DUID_IAID), the subnet
 * (unless any_subnet) and the v6 lease type (-1 = any). */
typedef struct memfile_match {
    enum memfile_chain_id chain;
    const uint8_t *id;
    size_t len;
    uint32_t iaid;
    bool any_subnet;
    uint32_t subnet_id;
    int type;
} memfile_match_t;

/* Most recent (largest cltt) lease matching; MEMFILE_NONE. */
uint32_t memfile_idx_latest(const memfile_idx_t *x, const memfile_match_t *q);
/* Appends copies of every lease matching, in address order. */
void memfile_idx_collect(const memfile_idx_t *x, const memfile_match_t *q, lease_list_t *out);

#endif

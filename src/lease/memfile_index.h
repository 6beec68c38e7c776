/* In-memory lease indexes of the memfile store (internal to src/lease).
 *
 * Contract:
 * - No locking here: the store serialises access (readers share, writers exclude).
 * - memfile_ord_t: ordered map uint32 -> uint32 (address -> record id). It is the unique
 *   address index and gives ordered paging. Structure: a sorted array of sorted chunks of
 *   up to MEMFILE_ORD_CHUNK entries, with the chunks' first keys in a separate array so the
 *   top-level binary search stays in cache (a two-level B+tree). Lookups cost two binary
 *   searches; inserts move at most one chunk (4 KiB); a full chunk splits, an underfull one
 *   merges with a neighbour. Chosen over a hash + lazily sorted array because lease4-get-page
 *   (HA sync) interleaves with allocations, and any rebuild would stall the writers; chosen
 *   over a radix tree for its small, predictable memory (8 bytes per entry / fill factor).
 * - memfile_heap_t: binary min-heap of (expire, id) with position callbacks so a record can be
 *   moved or removed in O(log n). Reclamation takes the k oldest expired entries in
 *   O(k log k) with a best-first walk that does not modify the heap.
 * - memfile_idx4_t: compact v4 lease records (72 bytes + one optional blob for client-id,
 *   hostname and user context) in fixed slabs, so record pointers and ids stay stable, plus
 *   the address map, hash chains by hwaddr and by client-id (one chain per identifier holds
 *   all its leases; the subnet is filtered while walking), an "active" heap (state default or
 *   declined) for expiry and a "reclaimed" heap for deleteExpiredReclaimed, and per-subnet
 *   state counts. TODO(v6): a memfile_idx6_t with the same shape (key: address + type; chains
 *   by DUID+IAID) plugs into the same store.
 */
#ifndef NESTOR_LEASE_MEMFILE_INDEX_H
#define NESTOR_LEASE_MEMFILE_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lease/lease.h"

#define MEMFILE_NONE UINT32_MAX

/* ---- ordered map ---- */
#define MEMFILE_ORD_CHUNK 512

typedef struct memfile_ord_chunk {
    uint32_t n;
    uint32_t keys[MEMFILE_ORD_CHUNK];
    uint32_t vals[MEMFILE_ORD_CHUNK];
} memfile_ord_chunk_t;

typedef struct memfile_ord {
    memfile_ord_chunk_t **chunks;
    uint32_t *firsts;   /* firsts[i] == chunks[i]->keys[0] */
    size_t nchunks, cap;
    size_t count;
} memfile_ord_t;

typedef struct memfile_ord_iter {
    size_t c, i;
} memfile_ord_iter_t;

void memfile_ord_init(memfile_ord_t *o);
void memfile_ord_free(memfile_ord_t *o);
/* MEMFILE_NONE if absent. */
uint32_t memfile_ord_get(const memfile_ord_t *o, uint32_t key);
/* Inserts key (must be absent). */
void memfile_ord_insert(memfile_ord_t *o, uint32_t key, uint32_t val);
/* Removes key; false if absent. */
bool memfile_ord_remove(memfile_ord_t *o, uint32_t key);
/* Positions it at the first key >= key. */
void memfile_ord_seek(const memfile_ord_t *o, uint32_t key, memfile_ord_iter_t *it);
/* Yields the entry at it and advances; false at the end. */
bool memfile_ord_next(const memfile_ord_t *o, memfile_ord_iter_t *it, uint32_t *key,
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

/* ---- v4 records and indexes ---- */
#define MEMFILE_SLAB_SHIFT 14
#define MEMFILE_SLAB (1u << MEMFILE_SLAB_SHIFT)

enum {
    MREC_FREE = 1,
    MREC_FWD = 2,
    MREC_REV = 4,
    MREC_IN_ACTIVE = 8,
    MREC_IN_RECLAIMED = 16,
};

typedef struct memfile_rec4 {
    int64_t cltt;
    uint8_t *ext;        /* NULL, or [u8 cid_len][u32 host_len][u32 ctx_len] cid host\0 ctx\0 */
    uint32_t addr;
    uint32_t subnet_id;
    uint32_t valid_lft;
    uint32_t state;
    uint32_t hw_next;    /* chain by hwaddr; free-list link when MREC_FREE */
    uint32_t cid_next;   /* chain by client-id */
    uint32_t heap_pos;
    uint8_t hwlen;
    uint8_t flags;
    uint8_t hw[LEASE_HWADDR_MAX];
} memfile_rec4_t;

typedef struct memfile_chain {
    uint32_t *heads;
    uint32_t mask;
    size_t n;
} memfile_chain_t;

typedef struct memfile_subnet_count {
    uint32_t subnet_id;
    uint64_t assigned, declined;
} memfile_subnet_count_t;

typedef struct memfile_idx4 {
    memfile_rec4_t **slabs;
    size_t nslabs;
    uint32_t used;       /* ids below this have been handed out */
    uint32_t free_head;
    size_t count;        /* live leases */
    memfile_ord_t by_addr;
    memfile_chain_t by_hw, by_cid;
    memfile_heap_t active, reclaimed;
    memfile_subnet_count_t *subnets;
    size_t nsubnets, subnets_cap;
} memfile_idx4_t;

static inline memfile_rec4_t *memfile_idx4_rec(const memfile_idx4_t *x, uint32_t id)
{
    return &x->slabs[id >> MEMFILE_SLAB_SHIFT][id & (MEMFILE_SLAB - 1)];
}

void memfile_idx4_init(memfile_idx4_t *x);
void memfile_idx4_free(memfile_idx4_t *x);
/* Record id of addr, or MEMFILE_NONE. */
static inline uint32_t memfile_idx4_find(const memfile_idx4_t *x, uint32_t addr)
{
    return memfile_ord_get(&x->by_addr, addr);
}
/* Adds l (its address must be absent); returns the id. */
uint32_t memfile_idx4_insert(memfile_idx4_t *x, const lease_t *l);
/* Replaces record id with l (same address). */
void memfile_idx4_replace(memfile_idx4_t *x, uint32_t id, const lease_t *l);
void memfile_idx4_remove(memfile_idx4_t *x, uint32_t id);
/* Insert or replace by address (loading). */
void memfile_idx4_upsert(memfile_idx4_t *x, const lease_t *l);
/* Fills out with pointers into the record (borrowed; valid until the record changes). */
void memfile_idx4_view(const memfile_idx4_t *x, uint32_t id, lease_t *out);
/* Fills out with an owned copy (lease_free it). */
void memfile_idx4_copy(const memfile_idx4_t *x, uint32_t id, lease_t *out);
/* Most recent (largest cltt) lease with this hwaddr / client-id in subnet; MEMFILE_NONE. */
uint32_t memfile_idx4_find_hw(const memfile_idx4_t *x, const uint8_t *hw, size_t len,
                              uint32_t subnet_id);
uint32_t memfile_idx4_find_cid(const memfile_idx4_t *x, const uint8_t *cid, size_t len,
                               uint32_t subnet_id);
/* Appends copies of every lease with this hwaddr / client-id (any subnet). */
void memfile_idx4_collect_hw(const memfile_idx4_t *x, const uint8_t *hw, size_t len,
                             lease_list_t *out);
void memfile_idx4_collect_cid(const memfile_idx4_t *x, const uint8_t *cid, size_t len,
                              lease_list_t *out);

#endif

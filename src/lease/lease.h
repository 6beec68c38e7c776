/* Lease model and the lease-store interface, shared by every back end (memfile now,
 * PostgreSQL/MySQL later) and by both address families.
 *
 * Contract:
 * - A lease_t is a plain value. Variable-length fields (client-id/DUID, hostname,
 *   user-context) are owned by the lease; lease_free() releases them. lease_dup() deep-copies.
 * - Stores copy what they are given: lease_store_add(s, l) never keeps a pointer to l.
 *   Getters fill caller-owned lease_t values (or arrays the caller frees with lease_list_free).
 * - "expire" = cltt + valid_lft, 64-bit, as in Kea's CSV (no 2038 cap in memfile).
 * - Store operations are thread-safe: each back end serialises internally as it needs.
 * - A store's commit_cb is how a back end says a write is durable (see lease_store_ops).
 */
#ifndef NESTOR_LEASE_LEASE_H
#define NESTOR_LEASE_LEASE_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LEASE_HWADDR_MAX 20
#define LEASE_CLIENTID_MAX 255
#define LEASE_HOSTNAME_MAX 255        /* bytes; Kea's schemas: hostname VARCHAR(255) */
#define LEASE_USER_CONTEXT_MAX 65535  /* bytes of JSON text; Kea's user_context TEXT (MySQL: 64 KiB) */
#define LEASE_INFINITE 0xffffffffu

enum lease_family { LEASE_V4 = 4, LEASE_V6 = 6 };
enum lease_state { LEASE_STATE_DEFAULT = 0, LEASE_STATE_DECLINED = 1, LEASE_STATE_RECLAIMED = 2 };
enum lease6_type { LEASE6_NA = 0, LEASE6_TA = 1, LEASE6_PD = 2 };

typedef struct lease {
    uint8_t family;              /* enum lease_family */
    uint8_t type;                /* v6: enum lease6_type; v4: 0 */
    uint8_t prefix_len;          /* v6 PD; 128 for addresses; v4: 32 */
    uint8_t hwaddr_len;          /* 0 = none */
    uint8_t hwaddr[LEASE_HWADDR_MAX];
    uint16_t hwtype;             /* v6 CSV column; v4 uses 1 (ethernet) implicitly */
    uint32_t hwaddr_source;      /* v6 CSV column */
    union {
        uint32_t v4;             /* host byte order */
        struct in6_addr v6;
    } addr;
    uint32_t subnet_id;
    uint32_t valid_lft;
    uint32_t pref_lft;           /* v6 */
    uint32_t iaid;               /* v6 */
    int64_t cltt;                /* client last transmission time, epoch seconds */
    uint32_t state;              /* enum lease_state */
    bool fqdn_fwd, fqdn_rev;
    uint16_t client_id_len;      /* v4 client-id or v6 DUID; 0 = none */
    uint8_t *client_id;          /* owned, client_id_len bytes */
    char *hostname;              /* owned, NUL-terminated, NULL = none */
    char *user_context;          /* owned JSON object text, NULL = none */
} lease_t;

static inline int64_t lease_expire(const lease_t *l) { return l->cltt + (int64_t)l->valid_lft; }
static inline bool lease_expired(const lease_t *l, int64_t now)
{
    return l->valid_lft != LEASE_INFINITE && lease_expire(l) <= now;
}

void lease_init(lease_t *l, enum lease_family fam);
void lease_free(lease_t *l);                   /* frees owned fields, not l itself */
void lease_dup(lease_t *dst, const lease_t *src);
void lease_set_client_id(lease_t *l, const uint8_t *id, size_t len);
void lease_set_hostname(lease_t *l, const char *name);     /* NULL or "" clears */
void lease_set_user_context(lease_t *l, const char *json); /* NULL clears */

typedef struct lease_list {
    lease_t *items;
    size_t count, cap;
} lease_list_t;
void lease_list_push(lease_list_t *list, const lease_t *l); /* deep copy */
void lease_list_free(lease_list_t *list);

/* Statistics the store can report per subnet (state counts), as Kea's lease stat queries. */
typedef struct lease_subnet_counts {
    uint32_t subnet_id;
    uint64_t assigned;     /* state default, any expiry */
    uint64_t declined;
} lease_subnet_counts_t;

/* Called by a store when a write is durable (or failed: err < 0). Runs on the store's own
 * thread or inline; the callee must not call back into the store while holding its locks. */
typedef void (*lease_commit_cb)(void *arg, int err);

typedef struct lease_store lease_store_t;

enum lease_lookup { LEASE_LOOKUP_OFFER = 1, LEASE_LOOKUP_SELECTING = 2 };

/* One client lookup, as get4_client_subnet() takes it (cidlen / hwlen 0: not looked up). */
typedef struct lease_lookup4 {
    const uint8_t *cid;
    size_t cidlen;
    const uint8_t *hw;
    size_t hwlen;
    uint32_t subnet_id;
    uint32_t also_addr;
} lease_lookup4_t;

typedef struct lease_store_ops {
    const char *type;   /* "memfile", "postgresql", "mysql" */
    /* Insert a new lease; NST_EEXIST if the address is taken. */
    int (*add)(lease_store_t *s, const lease_t *l, lease_commit_cb cb, void *arg);
    /* Replace an existing lease (same address/type); NST_ENOENT if absent. old, when not NULL, is
     * the lease as the caller read it: a store shared with other servers (SQL) updates only if
     * the stored lease still has old's expiry, and fails the write with NST_ECONFLICT otherwise
     * (Kea's optimistic concurrency). memfile, whose callers serialise per address, ignores it. */
    int (*update)(lease_store_t *s, const lease_t *l, const lease_t *old, lease_commit_cb cb, void *arg);
    /* Delete by address (and type for v6); NST_ENOENT if absent. l is the lease as the caller
     * read it: SQL stores delete only if the stored expiry is still l's (see update). */
    int (*del)(lease_store_t *s, const lease_t *l, lease_commit_cb cb, void *arg);
    /* Lookups fill *out (caller frees with lease_free); NST_ENOENT if none. */
    int (*get4_addr)(lease_store_t *s, uint32_t addr, lease_t *out);
    int (*get4_hw_subnet)(lease_store_t *s, const uint8_t *hw, size_t hwlen, uint32_t subnet_id, lease_t *out);
    int (*get4_cid_subnet)(lease_store_t *s, const uint8_t *cid, size_t len, uint32_t subnet_id, lease_t *out);
    /* Optional (NULL: callers use the two lookups above): both of them in one call, for stores
     * where a lookup is a round trip. found[0] says whether out[0] holds the by-client-id lease
     * (cidlen 0: not looked up), found[1] the by-hardware-address one (hwlen 0: not looked up);
     * the caller frees each lease found. also_addr (0 = none) is an address the caller will look
     * up next on this thread (the client's requested address): the store may fetch it in the same
     * round trip and answer that get4_addr() from it, once and only shortly after.
     * flags (enum lease_lookup): LEASE_LOOKUP_OFFER marks a DISCOVER's lookup, whose answer the
     * store may keep for a while; LEASE_LOOKUP_SELECTING the lookup of the REQUEST that follows an
     * offer, which the store may answer from what it kept (once). Writes stay conditional, so a
     * kept answer made stale by another server only fails the write. */
    int (*get4_client_subnet)(lease_store_t *s, const uint8_t *cid, size_t cidlen, const uint8_t *hw,
                              size_t hwlen, uint32_t subnet_id, uint32_t also_addr, unsigned flags,
                              lease_t out[2], bool found[2]);
    /* Optional (stores where a lookup is a round trip): the DISCOVERs this thread is about to
     * handle, looked up together. Each item is what one get4_client_subnet(..., LEASE_LOOKUP_OFFER)
     * call of this thread will ask shortly (same keys, subnet and also_addr); the store looks them
     * all up in as few round trips as it can, and those calls then take their answers (once,
     * within SQLCACHE4_PREFETCH_MS). Items are read during the call only. */
    int (*prefetch4)(lease_store_t *s, const lease_lookup4_t *items, size_t n);
    /* Collections append to *out. subnet_id 0 = all. */
    int (*get4_by_hw)(lease_store_t *s, const uint8_t *hw, size_t hwlen, lease_list_t *out);
    int (*get4_by_cid)(lease_store_t *s, const uint8_t *cid, size_t len, lease_list_t *out);
    int (*get4_by_hostname)(lease_store_t *s, const char *hostname, lease_list_t *out);
    int (*get4_all)(lease_store_t *s, uint32_t subnet_id, lease_list_t *out);
    /* Leases with address > after (ascending), at most limit. */
    int (*get4_page)(lease_store_t *s, uint32_t after, size_t limit, lease_list_t *out);
    /* Up to max (0 = no limit) leases with state default/declined whose expiry <= now. */
    int (*get4_expired)(lease_store_t *s, int64_t now, size_t max, lease_list_t *out);
    /* Remove reclaimed leases expired for more than secs; returns count or < 0. */
    int (*delete_reclaimed4)(lease_store_t *s, int64_t now, uint32_t secs);
    /* Delete all v4 leases of a subnet (0 = all); returns count or < 0. */
    int (*wipe4)(lease_store_t *s, uint32_t subnet_id);
    /* Per-subnet counts of v4 leases, appended to out (caller frees *out). */
    int (*counts4)(lease_store_t *s, lease_subnet_counts_t **out, size_t *n);
    /* Optional (stores that commit writes on a thread of their own): how long, in ms, the oldest
     * write not yet completed has waited; 0 when none waits. Cheap, any thread. */
    int64_t (*backlog_ms)(lease_store_t *s);
    /* Make everything written so far durable (flush + fsync); may block. */
    int (*flush)(lease_store_t *s);
    /* Optional (SQL stores): tries to reach the database again after the store reported it lost;
     * 0 when it answers (the store serves again), else an error with err set. */
    int (*reconnect)(lease_store_t *s, char *err, size_t errlen);
    /* Periodic housekeeping from the main loop (e.g. LFC scheduling). */
    void (*tick)(lease_store_t *s, int64_t now_ms);
    void (*close)(lease_store_t *s);
} lease_store_ops_t;

struct lease_store {
    const lease_store_ops_t *ops;
};

/* Convenience wrappers. A NULL cb means fire-and-forget. */
static inline int lease_store_add(lease_store_t *s, const lease_t *l, lease_commit_cb cb, void *arg)
{ return s->ops->add(s, l, cb, arg); }
static inline int lease_store_update(lease_store_t *s, const lease_t *l, const lease_t *old,
                                     lease_commit_cb cb, void *arg)
{ return s->ops->update(s, l, old, cb, arg); }
static inline int lease_store_del(lease_store_t *s, const lease_t *l, lease_commit_cb cb, void *arg)
{ return s->ops->del(s, l, cb, arg); }

#endif

/* Lease model and the keyed lease-store interface, shared by every back end (memfile,
 * PostgreSQL, MySQL) and by both address families.
 *
 * Contract:
 * - A lease_t is a plain value. Variable-length fields (client-id/DUID, hostname,
 *   user-context) are owned by the lease; lease_free() releases them. lease_dup() deep-copies.
 * - Stores copy what they are given: lease_store_add(s, l) never keeps a pointer to l.
 *   Getters fill caller-owned lease_t values (or arrays the caller frees with lease_list_free).
 * - "expire" = cltt + valid_lft, 64-bit, as in Kea's CSV (no 2038 cap in memfile).
 * - Store operations are thread-safe: each back end serialises internally as it needs.
 * - A store's commit_cb is how a back end says a write is durable (see lease_store_ops).
 * - Leases are addressed by lease_key_t (family, v6 type, address); client lookups and list
 *   queries name their family, so one interface serves DHCPv4 and DHCPv6.
 * - Errors: every operation returns 0 or a negative NST_* code (common/errcode.h); counts come
 *   back through out parameters.
 */
#ifndef NESTOR_LEASE_LEASE_H
#define NESTOR_LEASE_LEASE_H

#include <assert.h>
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

/* The identity of a lease in a store: family, v6 lease type, address (v6 PD: the prefix).
 * v4 keys order by address; v6 keys by address, then type (Kea keeps v6 addresses unique across
 * types, so the type only qualifies a lookup). */
typedef struct lease_key {
    uint8_t family;              /* enum lease_family */
    uint8_t type;                /* v6: enum lease6_type; v4: 0 */
    union {
        uint32_t v4;             /* host byte order */
        struct in6_addr v6;
    } addr;
} lease_key_t;

static inline lease_key_t lease_key4(uint32_t addr)
{
    lease_key_t k = {.family = LEASE_V4};
    k.addr.v4 = addr;
    return k;
}

static inline lease_key_t lease_key6(enum lease6_type type, const struct in6_addr *addr)
{
    lease_key_t k = {.family = LEASE_V6, .type = (uint8_t)type};
    k.addr.v6 = *addr;
    return k;
}

lease_key_t lease_key_of(const lease_t *l);
/* < 0, 0, > 0 in the order above; keys of different families order v4 first. */
int lease_key_cmp(const lease_key_t *a, const lease_key_t *b);

/* Statistics the store can report per subnet (and, for v6, per lease type), as Kea's lease
 * stat queries. */
typedef struct lease_subnet_counts {
    uint32_t subnet_id;
    uint8_t type;          /* v6: enum lease6_type; v4: 0 */
    uint64_t assigned;     /* state default, any expiry */
    uint64_t declined;
} lease_subnet_counts_t;

/* Called by a store when a write is durable (or failed: err < 0). Runs on the store's own
 * thread or inline; the callee must not call back into the store while holding its locks. */
typedef void (*lease_commit_cb)(void *arg, int err);

typedef struct lease_store lease_store_t;

/* Why a lease changed (the leases-changed event that high availability follows). */
enum lease_change_cause {
    LEASE_CHANGE_ALLOC = 1,   /* a client's REQUEST (new, renewed, or its previous lease dropped) */
    LEASE_CHANGE_RELEASE,
    LEASE_CHANGE_DECLINE,
    LEASE_CHANGE_EXPIRY,      /* reclamation */
    LEASE_CHANGE_COMMAND,     /* a lease command */
    LEASE_CHANGE_PARTNER,     /* a lease command from the high-availability partner */
};

/* One stored change: the lease before (NULL: there was none) and after (NULL: deleted). */
typedef struct lease_change {
    enum lease_change_cause cause;
    const lease_t *old_lease, *new_lease;
} lease_change_t;

enum lease_lookup { LEASE_LOOKUP_OFFER = 1, LEASE_LOOKUP_SELECTING = 2 };

/* One client's lookup in one subnet, as the allocation engine asks it (lease_store_ops_t
 * client and prefetch). v4: by client identifier (cidlen 0: not looked up) and by hardware
 * address (hwlen 0: not looked up). v6 clients are looked up with lease_query_t
 * LEASE_BY_DUID_IAID (an IA may hold several leases). */
typedef struct lease_client_query {
    uint8_t family;              /* LEASE_V4 */
    const uint8_t *cid;
    size_t cidlen;
    const uint8_t *hw;
    size_t hwlen;
    uint32_t subnet_id;
    /* An address the caller will look up next on this thread (the client's requested address,
     * or the allocator's candidate): the store may fetch it in the same round trip and answer
     * that get() from it, once and only shortly after. family 0: none. */
    lease_key_t also;
    unsigned flags;              /* enum lease_lookup */
} lease_client_query_t;

/* What a list query selects. Every kind appends to the caller's list in key order. */
enum lease_by {
    LEASE_BY_SUBNET = 1,   /* subnet_id (0: every lease of the family) */
    LEASE_BY_HWADDR,       /* id = hardware address, any subnet */
    LEASE_BY_CLIENT_ID,    /* id = v4 client identifier or v6 DUID, any subnet */
    LEASE_BY_DUID_IAID,    /* v6: id = DUID, iaid, type, subnet_id (0: any subnet) */
    LEASE_BY_HOSTNAME,     /* hostname, compared without case */
    LEASE_BY_PAGE,         /* keys strictly after `after` (family 0: from the first), at most limit */
};

typedef struct lease_query {
    uint8_t family;              /* enum lease_family */
    uint8_t by;                  /* enum lease_by */
    uint8_t type;                /* LEASE_BY_DUID_IAID: enum lease6_type */
    const uint8_t *id;
    size_t idlen;
    uint32_t iaid;
    uint32_t subnet_id;
    const char *hostname;
    lease_key_t after;
    size_t limit;                /* LEASE_BY_PAGE: > 0 */
    int64_t changed_since;       /* LEASE_BY_PAGE: only leases whose cltt is at least this (0: all);
                                  * the page still holds up to limit of them, in key order */
} lease_query_t;

/* Every operation that takes a key, a query or a family answers NST_EINVAL for a family the
 * store does not hold (a memfile store holds the family it was opened for; the SQL stores hold
 * what their tables hold). */
typedef struct lease_store_ops {
    const char *type;   /* "memfile", "postgresql", "mysql" */
    /* Insert a new lease; NST_EEXIST if its key is taken. A store that queues its writes (SQL) may
     * learn that only when it commits: it then returns 0 and the callback gets the error. The
     * same holds for update's and del's NST_ENOENT. */
    int (*add)(lease_store_t *s, const lease_t *l, lease_commit_cb cb, void *arg);
    /* Replace an existing lease (same key); NST_ENOENT if absent. old, when not NULL, is
     * the lease as the caller read it: a store shared with other servers (SQL) updates only if
     * the stored lease still has old's expiry, and fails the write with NST_ECONFLICT otherwise
     * (Kea's optimistic concurrency). memfile, whose callers serialise per address, ignores it. */
    int (*update)(lease_store_t *s, const lease_t *l, const lease_t *old, lease_commit_cb cb, void *arg);
    /* Delete by key; NST_ENOENT if absent. l is the lease as the caller read it: SQL stores
     * delete only if the stored expiry is still l's (see update). */
    int (*del)(lease_store_t *s, const lease_t *l, lease_commit_cb cb, void *arg);
    /* The lease of key (v6: of that type); fills *out (caller frees with lease_free) or
     * NST_ENOENT. */
    int (*get)(lease_store_t *s, const lease_key_t *key, lease_t *out);
    /* v4: the client's lease in q->subnet_id, both ways in one call: found[0] says whether
     * out[0] holds the lease of the client identifier, found[1] whether out[1] holds the most
     * recent lease of the hardware address (which may belong to another client identifier: the
     * caller decides). The caller frees each lease found. flags (enum lease_lookup):
     * LEASE_LOOKUP_OFFER marks a DISCOVER's lookup, whose answer the store may keep for a while;
     * LEASE_LOOKUP_SELECTING the lookup of the REQUEST that follows an offer, which the store may
     * answer from what it kept (once). Writes stay conditional, so a kept answer made stale by
     * another server only fails the write. */
    int (*client)(lease_store_t *s, const lease_client_query_t *q, lease_t out[2], bool found[2]);
    /* Optional (stores where a lookup is a round trip): the DISCOVERs this thread is about to
     * handle, looked up together. Each item is what one client(..., LEASE_LOOKUP_OFFER) call of
     * this thread will ask shortly (same keys, subnet and also); the store looks them all up in
     * as few round trips as it can, and those calls then take their answers (once, within
     * SQLCACHE4_PREFETCH_MS). Items are read during the call only. */
    int (*prefetch)(lease_store_t *s, const lease_client_query_t *items, size_t n);
    /* Appends the leases q selects to *out (see enum lease_by). */
    int (*list)(lease_store_t *s, const lease_query_t *q, lease_list_t *out);
    /* Up to max (0 = no limit) leases of family with state default/declined whose expiry <= now,
     * oldest expiry first. */
    int (*expired)(lease_store_t *s, enum lease_family family, int64_t now, size_t max, lease_list_t *out);
    /* Removes reclaimed leases of family expired for more than secs; *removed (may be NULL)
     * gets the count. */
    int (*delete_reclaimed)(lease_store_t *s, enum lease_family family, int64_t now, uint32_t secs,
                            size_t *removed);
    /* Deletes every lease of family in subnet_id (0 = all); *removed (may be NULL) gets the
     * count. */
    int (*wipe)(lease_store_t *s, enum lease_family family, uint32_t subnet_id, size_t *removed);
    /* Per-subnet (v6: per subnet and type) counts of family's leases, appended to *out (n
     * entries so far; the caller frees *out). */
    int (*counts)(lease_store_t *s, enum lease_family family, lease_subnet_counts_t **out, size_t *n);
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
static inline int lease_store_get4(lease_store_t *s, uint32_t addr, lease_t *out)
{
    assert(s && out);
    lease_key_t k = lease_key4(addr);
    return s->ops->get(s, &k, out);
}
static inline int lease_store_add(lease_store_t *s, const lease_t *l, lease_commit_cb cb, void *arg)
{
    assert(s && l && (l->family == LEASE_V4 || l->family == LEASE_V6));
    return s->ops->add(s, l, cb, arg);
}
static inline int lease_store_update(lease_store_t *s, const lease_t *l, const lease_t *old,
                                     lease_commit_cb cb, void *arg)
{
    assert(s && l && (!old || old->family == l->family));
    return s->ops->update(s, l, old, cb, arg);
}
static inline int lease_store_del(lease_store_t *s, const lease_t *l, lease_commit_cb cb, void *arg)
{
    assert(s && l);
    return s->ops->del(s, l, cb, arg);
}

#endif

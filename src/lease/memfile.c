/* Memfile lease store: open/close and the lease_store_ops_t operations (see memfile.h). */
#include "lease/memfile.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "common/errcode.h"
#include "lease/memfile_int.h"

static const lease_store_ops_t memfile_ops;

void memfile_report(const memfile_store_t *m, int sev, const char *msgid, const char *fmt, ...)
{
    char text[1024];
    va_list ap;
    if (!m->cfg.report)
        return;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    m->cfg.report(m->cfg.report_arg, sev, msgid, text);
}

char *memfile_suffixed(const char *path, const char *suffix)
{
    size_t a = strlen(path), b = strlen(suffix);
    char *p = xmalloc(a + b + 1);
    memcpy(p, path, a);
    memcpy(p + a, suffix, b + 1);
    return p;
}

bool memfile_is(const lease_store_t *s)
{
    return s && s->ops == &memfile_ops;
}

/* ---- open / close ---- */

static void destroy(memfile_store_t *m)
{
    memfile_lfc_join(m);
    memfile_writer_stop(m);
    if (m->fd >= 0)
        close(m->fd);
    memfile_idx_free(&m->idx);
    memfile_queue_free(&m->q);
    free(m->path);
    pthread_rwlock_destroy(&m->lock);
    pthread_mutex_destroy(&m->io_mu);
    pthread_mutex_destroy(&m->q_mu);
    pthread_mutex_destroy(&m->lfc_mu);
    pthread_cond_destroy(&m->q_cv);
    pthread_cond_destroy(&m->q_done_cv);
    free(m);
}

int memfile_open(const memfile_config_t *cfg, lease_store_t **out, char *err, size_t errlen)
{
    char dummy[1];
    if (!err || errlen == 0) {
        err = dummy;
        errlen = sizeof dummy;
    }
    err[0] = '\0';
    if (!cfg || !out) {
        snprintf(err, errlen, "memfile: no configuration");
        return NST_EINVAL;
    }
    if (cfg->family != LEASE_V4 && cfg->family != LEASE_V6) {
        snprintf(err, errlen, "memfile: family %d is neither 4 nor 6", (int)cfg->family);
        return NST_EINVAL;
    }
    if (cfg->persist && (!cfg->path || !*cfg->path)) {
        snprintf(err, errlen, "memfile: persist requires a lease file name");
        return NST_EINVAL;
    }

    memfile_store_t *m = xcalloc(1, sizeof(*m));
    m->base.ops = &memfile_ops;
    m->cfg = *cfg;
    m->path = xstrdup(cfg->path ? cfg->path : "");
    m->cfg.path = m->path;
    bool v4 = cfg->family == LEASE_V4;
    m->csv = v4 ? &memfile_csv4 : &memfile_csv6;
    m->fd = -1;
    m->lfc_next_ms = -1;
    pthread_rwlockattr_t ra;
    pthread_rwlockattr_init(&ra);
    /* Writers (allocations) must not starve behind a stream of lookups. */
    pthread_rwlockattr_setkind_np(&ra, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&m->lock, &ra);
    pthread_rwlockattr_destroy(&ra);
    pthread_mutex_init(&m->io_mu, NULL);
    pthread_mutex_init(&m->q_mu, NULL);
    pthread_mutex_init(&m->lfc_mu, NULL);
    pthread_cond_init(&m->q_cv, NULL);
    pthread_cond_init(&m->q_done_cv, NULL);
    memfile_idx_init(&m->idx, v4 ? &memfile_family4 : &memfile_family6);

    int rc = 0;
    if (m->cfg.persist) {
        char *pid = memfile_suffixed(m->path, ".pid");
        bool conversion = false;
        rc = memfile_check_pid(pid, err, errlen);
        free(pid);
        if (rc == 0)
            rc = memfile_load_all(m, &conversion, err, errlen);
        if (rc == 0)
            rc = memfile_file_open(m, err, errlen);
        if (rc == 0 && m->cfg.durable && (rc = memfile_writer_start(m)) < 0)
            snprintf(err, errlen, "memfile: cannot start the writer thread: %s",
                     nst_strerror(rc));
        if (rc == 0 && conversion) {
            /* As Kea: files in another schema are rewritten by a cleanup right away. */
            m->lfc_pending_conversion = true;
            memfile_report(m, MEMFILE_SEV_INFO, "DHCPSRV_MEMFILE_CONVERTING_LEASE_FILES",
                           "lease file cleanup will convert the lease files of %s to the "
                           "current schema", m->path);
        }
        if (rc == 0 && m->cfg.lfc_interval)
            memfile_report(m, MEMFILE_SEV_INFO, "DHCPSRV_MEMFILE_LFC_SETUP",
                           "lease file cleanup interval set to %u sec", m->cfg.lfc_interval);
    } else {
        memfile_report(m, MEMFILE_SEV_WARN, "DHCPSRV_MEMFILE_NO_STORAGE",
                       "leases are kept in memory only: they are lost on restart");
    }
    if (rc < 0) {
        destroy(m);
        return rc;
    }
    *out = &m->base;
    return 0;
}

static void mf_close(lease_store_t *s)
{
    memfile_store_t *m = memfile_of(s);
    memfile_lfc_join(m);
    int rc = memfile_flush(m);
    if (rc < 0)
        memfile_report(m, MEMFILE_SEV_ERROR, "MEMFILE_WRITE_FAILED",
                       "lease file %s: final flush failed: %s", m->path, nst_strerror(rc));
    destroy(m);
}

static int mf_flush(lease_store_t *s)
{
    return memfile_flush(memfile_of(s));
}

static void mf_tick(lease_store_t *s, int64_t now_ms)
{
    memfile_lfc_tick(memfile_of(s), now_ms);
}

void memfile_get_stats(lease_store_t *s, memfile_stats_t *st)
{
    memfile_store_t *m = memfile_of(s);
    pthread_rwlock_rdlock(&m->lock);
    st->leases = m->idx.count;
    pthread_rwlock_unlock(&m->lock);
    st->load_rows = atomic_load(&m->st_load_rows);
    st->load_errors = atomic_load(&m->st_load_errors);
    st->rows_written = atomic_load(&m->st_rows_written);
    st->write_errors = atomic_load(&m->st_write_errors);
    st->fsyncs = atomic_load(&m->st_fsyncs);
    st->lfc_runs = atomic_load(&m->st_lfc_runs);
    st->lfc_failures = atomic_load(&m->st_lfc_failures);
}

/* ---- changes ---- */

/* Ends a change: commits its rows with the lock held (undoing the change if they cannot be
 * written), unlocks, then calls cb unless the durable writer will. Returns the write's error
 * when it is known now (not durable). */
static int finish_change(memfile_store_t *m, memfile_txn_t *t, lease_commit_cb cb, void *arg)
{
    bool deferred;
    int rc = memfile_txn_commit(m, t, cb, arg, &deferred);
    pthread_rwlock_unlock(&m->lock);
    memfile_txn_free(t);
    if (cb && !deferred)
        cb(arg, rc);
    return rc;
}

/* Whether the store holds family (see lease.h). */
static bool holds(const memfile_store_t *m, int family)
{
    return (int)m->cfg.family == family;
}

/* Kea's message ids and texts name the family: "...LEASES4", "IPv4". */
static int fam_no(const memfile_store_t *m)
{
    return (int)m->cfg.family;
}

static int check_lease(memfile_store_t *m, const lease_t *l)
{
    char why[256];
    int rc = m->csv->check_lease(l, why, sizeof why);
    if (rc < 0)
        memfile_report(m, MEMFILE_SEV_DEBUG, "MEMFILE_LEASE_REJECTED",
                       "lease rejected: %s", why);
    return rc;
}

/* With the lock held: the record of l's key (v6: of l's type; an address held by a lease of
 * another type is not l's), or MEMFILE_NONE. */
static uint32_t find_lease(const memfile_store_t *m, const lease_t *l, memfile_key_t *k)
{
    memfile_key_of_lease(l, k);
    uint32_t id = memfile_idx_find(&m->idx, k);
    if (id != MEMFILE_NONE && memfile_idx_rec(&m->idx, id)->type != l->type)
        return MEMFILE_NONE;
    return id;
}

static int mf_add(lease_store_t *s, const lease_t *l, lease_commit_cb cb, void *arg)
{
    memfile_store_t *m = memfile_of(s);
    memfile_txn_t t;
    memfile_key_t k;
    if (!l || check_lease(m, l) < 0)
        return NST_EINVAL;
    memfile_key_of_lease(l, &k);
    memfile_txn_init(&t);
    memfile_txn_add(m, &t, l, false); /* formatted before locking */
    pthread_rwlock_wrlock(&m->lock);
    if (memfile_idx_find(&m->idx, &k) != MEMFILE_NONE) { /* v6: whatever its type */
        pthread_rwlock_unlock(&m->lock);
        memfile_txn_free(&t);
        return NST_EEXIST;
    }
    memfile_txn_undo(m, &t, &k, MEMFILE_NONE);
    memfile_idx_insert(&m->idx, l);
    finish_change(m, &t, cb, arg);
    return 0;
}

static int mf_update(lease_store_t *s, const lease_t *l, const lease_t *old, lease_commit_cb cb, void *arg)
{
    memfile_store_t *m = memfile_of(s);
    memfile_txn_t t;
    memfile_key_t k;
    (void)old;
    if (!l || check_lease(m, l) < 0)
        return NST_EINVAL;
    memfile_txn_init(&t);
    memfile_txn_add(m, &t, l, false);
    pthread_rwlock_wrlock(&m->lock);
    uint32_t id = find_lease(m, l, &k);
    if (id == MEMFILE_NONE) {
        pthread_rwlock_unlock(&m->lock);
        memfile_txn_free(&t);
        return NST_ENOENT;
    }
    memfile_txn_undo(m, &t, &k, id);
    memfile_idx_replace(&m->idx, id, l);
    finish_change(m, &t, cb, arg);
    return 0;
}

/* With the write lock held: writes the stored lease as a delete row and removes it. */
static void remove_with_row(memfile_store_t *m, memfile_txn_t *t, uint32_t id)
{
    lease_t v;
    memfile_key_t k;
    memfile_idx_view(&m->idx, id, &v);
    memfile_txn_add(m, t, &v, true);
    memfile_key_of_lease(&v, &k);
    memfile_txn_undo(m, t, &k, id);
    memfile_idx_remove(&m->idx, id);
}

static int mf_del(lease_store_t *s, const lease_t *l, lease_commit_cb cb, void *arg)
{
    memfile_store_t *m = memfile_of(s);
    memfile_txn_t t;
    memfile_key_t k;
    if (!l || !holds(m, l->family))
        return NST_EINVAL;
    memfile_txn_init(&t);
    pthread_rwlock_wrlock(&m->lock);
    uint32_t id = find_lease(m, l, &k);
    if (id == MEMFILE_NONE) {
        pthread_rwlock_unlock(&m->lock);
        return NST_ENOENT;
    }
    remove_with_row(m, &t, id);
    finish_change(m, &t, cb, arg);
    return 0;
}

static void set_count(size_t *out, size_t n)
{
    if (out)
        *out = n;
}

/* With the write lock held: removes ids[0..n) with their delete rows, then unlocks (see
 * finish_change); the write's error, if known now. */
static int remove_all(memfile_store_t *m, const uint32_t *ids, size_t n)
{
    memfile_txn_t t;
    memfile_txn_init(&t);
    for (size_t i = 0; i < n; i++)
        remove_with_row(m, &t, ids[i]);
    return finish_change(m, &t, NULL, NULL);
}

static int mf_delete_reclaimed(lease_store_t *s, enum lease_family family, int64_t now, uint32_t secs,
                               size_t *removed)
{
    memfile_store_t *m = memfile_of(s);
    uint32_t *ids;
    char id[64];
    if (!holds(m, family))
        return NST_EINVAL;
    snprintf(id, sizeof id, "DHCPSRV_MEMFILE_DELETE_EXPIRED_RECLAIMED%d", fam_no(m));
    memfile_report(m, MEMFILE_SEV_DEBUG, id,
                   "deleting reclaimed leases expired more than %u seconds ago", secs);
    pthread_rwlock_wrlock(&m->lock);
    /* Kea: reclaimed leases whose expire < now - secs. */
    size_t n = memfile_heap_collect(&m->idx.reclaimed, now - (int64_t)secs - 1, 0, &ids);
    int rc = remove_all(m, ids, n);
    free(ids);
    if (rc < 0)
        return rc;
    set_count(removed, n);
    return 0;
}

static int mf_wipe(lease_store_t *s, enum lease_family family, uint32_t subnet_id, size_t *removed)
{
    memfile_store_t *m = memfile_of(s);
    memfile_ord_iter_t it;
    uint32_t id;
    uint32_t *ids = NULL;
    size_t n = 0, cap = 0;
    char msgid[64];
    if (!holds(m, family))
        return NST_EINVAL;
    snprintf(msgid, sizeof msgid, "DHCPSRV_MEMFILE_WIPE_LEASES%d", fam_no(m));
    memfile_report(m, MEMFILE_SEV_INFO, msgid, "removing all IPv%d leases from subnet %u",
                   fam_no(m), subnet_id);
    pthread_rwlock_wrlock(&m->lock);
    memfile_ord_seek(&m->idx.by_key, NULL, &it);
    while (memfile_ord_next(&m->idx.by_key, &it, NULL, &id)) {
        if (subnet_id && memfile_idx_rec(&m->idx, id)->subnet_id != subnet_id)
            continue;
        if (n == cap)
            ids = xrealloc(ids, (cap = cap ? cap * 2 : 256) * sizeof(*ids));
        ids[n++] = id;
    }
    int rc = remove_all(m, ids, n);
    free(ids);
    if (rc < 0)
        return rc;
    snprintf(msgid, sizeof msgid, "DHCPSRV_MEMFILE_WIPE_LEASES%d_FINISHED", fam_no(m));
    memfile_report(m, MEMFILE_SEV_INFO, msgid, "removed %zu IPv%d leases from subnet %u", n,
                   fam_no(m), subnet_id);
    set_count(removed, n);
    return 0;
}

/* ---- lookups ---- */

static int mf_get(lease_store_t *s, const lease_key_t *key, lease_t *out)
{
    memfile_store_t *m = memfile_of(s);
    memfile_key_t k;
    if (!key || !holds(m, key->family))
        return NST_EINVAL;
    memfile_key_of(key, &k);
    pthread_rwlock_rdlock(&m->lock);
    uint32_t id = memfile_idx_find(&m->idx, &k);
    if (id != MEMFILE_NONE && memfile_idx_rec(&m->idx, id)->type != key->type)
        id = MEMFILE_NONE; /* v6: the address holds a lease of another type */
    if (id != MEMFILE_NONE)
        memfile_idx_copy(&m->idx, id, out);
    pthread_rwlock_unlock(&m->lock);
    return id == MEMFILE_NONE ? NST_ENOENT : 0;
}

/* Both of a v4 client's lookups under one read lock (also is ignored: a lookup costs no round
 * trip here). */
static int mf_client(lease_store_t *s, const lease_client_query_t *q, lease_t out[2], bool found[2])
{
    memfile_store_t *m = memfile_of(s);
    if (!q || !holds(m, q->family) || q->family != LEASE_V4)
        return NST_EINVAL;
    const memfile_match_t by[2] = {
        {.chain = MEMFILE_BY_CID, .id = q->cid, .len = q->cidlen, .subnet_id = q->subnet_id,
         .type = -1},
        {.chain = MEMFILE_BY_HW, .id = q->hw, .len = q->hwlen, .subnet_id = q->subnet_id,
         .type = -1},
    };
    pthread_rwlock_rdlock(&m->lock);
    /* Both walks before any copy: their cache misses overlap. */
    uint32_t ids[2] = {memfile_idx_latest(&m->idx, &by[0]), memfile_idx_latest(&m->idx, &by[1])};
    for (int i = 0; i < 2; i++) {
        found[i] = ids[i] != MEMFILE_NONE;
        if (found[i])
            memfile_idx_copy(&m->idx, ids[i], &out[i]);
    }
    pthread_rwlock_unlock(&m->lock);
    return 0;
}

/* Walks the address order from first (inclusive; NULL: the first key), skipping skip (may be
 * NULL); keep() filters; stops after limit (0 = no limit) copies. */
typedef bool (*keep_fn)(const memfile_idx_t *x, uint32_t id, const void *arg);

static void scan(memfile_store_t *m, const memfile_key_t *first, bool skip_first, size_t limit,
                 keep_fn keep, const void *arg, lease_list_t *out)
{
    memfile_ord_iter_t it;
    const uint32_t *key;
    uint32_t id;
    size_t n = 0;
    unsigned kw = m->idx.fam->kw;
    pthread_rwlock_rdlock(&m->lock);
    memfile_ord_seek(&m->idx.by_key, first ? first->w : NULL, &it);
    while ((limit == 0 || n < limit) && memfile_ord_next(&m->idx.by_key, &it, &key, &id)) {
        if (skip_first && memcmp(key, first->w, kw * sizeof(uint32_t)) == 0)
            continue;
        if (keep && !keep(&m->idx, id, arg))
            continue;
        lease_t v;
        memfile_idx_view(&m->idx, id, &v);
        lease_list_push(out, &v);
        n++;
    }
    pthread_rwlock_unlock(&m->lock);
}

static bool keep_hostname(const memfile_idx_t *x, uint32_t id, const void *arg)
{
    lease_t v;
    memfile_idx_view(x, id, &v);
    return v.hostname && strcasecmp(v.hostname, arg) == 0;
}

static bool keep_subnet(const memfile_idx_t *x, uint32_t id, const void *arg)
{
    return memfile_idx_rec(x, id)->subnet_id == *(const uint32_t *)arg;
}

static bool keep_changed(const memfile_idx_t *x, uint32_t id, const void *arg)
{
    return memfile_idx_rec(x, id)->cltt >= *(const int64_t *)arg;
}

static void collect(memfile_store_t *m, const memfile_match_t *q, lease_list_t *out)
{
    pthread_rwlock_rdlock(&m->lock);
    memfile_idx_collect(&m->idx, q, out);
    pthread_rwlock_unlock(&m->lock);
}

static int mf_list(lease_store_t *s, const lease_query_t *q, lease_list_t *out)
{
    memfile_store_t *m = memfile_of(s);
    memfile_key_t after;
    if (!q || !holds(m, q->family))
        return NST_EINVAL;
    memfile_match_t match = {.id = q->id, .len = q->idlen, .any_subnet = true, .type = -1};
    switch (q->by) {
    case LEASE_BY_SUBNET:
        scan(m, NULL, false, 0, q->subnet_id ? keep_subnet : NULL, &q->subnet_id, out);
        return 0;
    case LEASE_BY_HWADDR:
        match.chain = MEMFILE_BY_HW;
        collect(m, &match, out);
        return 0;
    case LEASE_BY_CLIENT_ID:
        match.chain = MEMFILE_BY_CID;
        collect(m, &match, out);
        return 0;
    case LEASE_BY_DUID_IAID:
        if (q->family != LEASE_V6 || q->type > LEASE6_PD)
            return NST_EINVAL;
        match.chain = MEMFILE_BY_DUID_IAID;
        match.iaid = q->iaid;
        match.any_subnet = q->subnet_id == 0;
        match.subnet_id = q->subnet_id;
        match.type = q->type;
        collect(m, &match, out);
        return 0;
    case LEASE_BY_HOSTNAME:
        if (!q->hostname || !*q->hostname)
            return NST_EINVAL;
        /* A linear scan: a control-command query, not on the packet path. */
        scan(m, NULL, false, 0, keep_hostname, q->hostname, out);
        return 0;
    case LEASE_BY_PAGE: {
        if (q->limit == 0)
            return NST_EINVAL; /* Kea refuses a page size of 0 */
        keep_fn keep = q->changed_since ? keep_changed : NULL;
        if (q->after.family == 0) {
            scan(m, NULL, false, q->limit, keep, &q->changed_since, out);
            return 0;
        }
        if (!holds(m, q->after.family))
            return NST_EINVAL;
        memfile_key_of(&q->after, &after);
        scan(m, &after, true, q->limit, keep, &q->changed_since, out);
        return 0;
    }
    default:
        return NST_EINVAL;
    }
}

static int mf_expired(lease_store_t *s, enum lease_family family, int64_t now, size_t max, lease_list_t *out)
{
    memfile_store_t *m = memfile_of(s);
    uint32_t *ids;
    if (!holds(m, family))
        return NST_EINVAL;
    pthread_rwlock_rdlock(&m->lock);
    size_t n = memfile_heap_collect(&m->idx.active, now, max, &ids);
    for (size_t i = 0; i < n; i++) {
        lease_t v;
        memfile_idx_view(&m->idx, ids[i], &v);
        lease_list_push(out, &v);
    }
    pthread_rwlock_unlock(&m->lock);
    free(ids);
    return 0;
}

static int mf_counts(lease_store_t *s, enum lease_family family, lease_subnet_counts_t **out, size_t *n)
{
    memfile_store_t *m = memfile_of(s);
    if (!holds(m, family))
        return NST_EINVAL;
    pthread_rwlock_rdlock(&m->lock);
    size_t k = 0;
    for (size_t i = 0; i < m->idx.nsubnets; i++)
        k += m->idx.subnets[i].assigned || m->idx.subnets[i].declined;
    if (k) {
        *out = xrealloc(*out, (*n + k) * sizeof(**out));
        for (size_t i = 0; i < m->idx.nsubnets; i++) {
            const memfile_subnet_count_t *c = &m->idx.subnets[i];
            if (c->assigned || c->declined)
                (*out)[(*n)++] = (lease_subnet_counts_t){
                    .subnet_id = c->subnet_id, .type = c->type, .assigned = c->assigned,
                    .declined = c->declined};
        }
    }
    pthread_rwlock_unlock(&m->lock);
    return 0;
}

static const lease_store_ops_t memfile_ops = {
    .type = "memfile",
    .add = mf_add,
    .update = mf_update,
    .del = mf_del,
    .get = mf_get,
    .client = mf_client,
    .list = mf_list,
    .expired = mf_expired,
    .delete_reclaimed = mf_delete_reclaimed,
    .wipe = mf_wipe,
    .counts = mf_counts,
    .flush = mf_flush,
    .tick = mf_tick,
    .close = mf_close,
};

/* Combined client lookups of the SQL lease stores (see sqlbatch4.h). */
#include "lease/sqlbatch4.h"

#include "common/errcode.h"

void sqlbatch4_init(sqlbatch4_t *b)
{
    pthread_mutex_init(&b->lock, NULL);
    pthread_cond_init(&b->answered, NULL);
    b->head = NULL;
    b->tail = &b->head;
    b->running = 0;
}

void sqlbatch4_fini(sqlbatch4_t *b)
{
    pthread_cond_destroy(&b->answered);
    pthread_mutex_destroy(&b->lock);
}

int sqlbatch4_lookup_many(sqlbatch4_t *b, sqlbatch4_req_t *const *rs, size_t nr, sqlbatch4_query_fn q, void *ctx)
{
    pthread_mutex_lock(&b->lock);
    for (size_t i = 0; i < nr; i++) {
        sqlbatch4_req_t *r = rs[i];
        sqlcache4_answer_init(&r->ans, r->also_addr);
        r->result = 0;
        r->done = false;
        r->next = NULL;
        *b->tail = r;
        b->tail = &r->next;
    }
    for (size_t mine = 0; mine < nr;) {
        if (rs[mine]->done) {
            mine++;
            continue;
        }
        if (b->running >= SQLBATCH4_LEADERS || !b->head) {
            pthread_cond_wait(&b->answered, &b->lock);
            continue;
        }
        /* lead: take what is queued (ours among it, unless more than a query's worth came first) */
        b->running++;
        sqlbatch4_req_t *reqs[SQLBATCH4_MAX];
        size_t n = 0;
        while (b->head && n < SQLBATCH4_MAX) {
            reqs[n++] = b->head;
            b->head = b->head->next;
        }
        if (!b->head)
            b->tail = &b->head;
        pthread_mutex_unlock(&b->lock);
        int rc = q(ctx, reqs, n);
        pthread_mutex_lock(&b->lock);
        for (size_t i = 0; i < n; i++) {
            if (rc)
                sqlcache4_answer_free(&reqs[i]->ans);
            reqs[i]->result = rc;
            reqs[i]->done = true; /* its thread may return as soon as the lock is free */
        }
        b->running--;
        pthread_cond_broadcast(&b->answered);
    }
    pthread_mutex_unlock(&b->lock);
    int rc = 0;
    for (size_t i = 0; i < nr && !rc; i++)
        rc = rs[i]->result;
    return rc;
}

int sqlbatch4_lookup(sqlbatch4_t *b, sqlbatch4_req_t *r, sqlbatch4_query_fn q, void *ctx)
{
    return sqlbatch4_lookup_many(b, &r, 1, q, ctx);
}

void sqlbatch4_row(sqlbatch4_req_t *const *reqs, size_t n, const lease_t *row)
{
    for (size_t i = 0; i < n; i++)
        sqlcache4_answer_row(&reqs[i]->ans, &reqs[i]->key, row);
}

int sqlbatch4_prefetch(sqlbatch4_t *b, const lease_client_query_t *items, size_t n, sqlbatch4_query_fn q, void *ctx)
{
    sqlbatch4_req_t r[SQLBATCH4_MAX], *reqs[SQLBATCH4_MAX];
    if (n > SQLBATCH4_MAX)
        n = SQLBATCH4_MAX;
    for (size_t i = 0; i < n; i++) {
        const lease_client_query_t *it = &items[i];
        r[i].key = (sqlcache4_key_t){it->cidlen ? it->cid : NULL, it->cidlen, it->hwlen ? it->hw : NULL, it->hwlen,
                                     it->subnet_id};
        r[i].also_addr = it->also.family == LEASE_V4 ? it->also.addr.v4 : 0;
        reqs[i] = &r[i];
    }
    int rc = n ? sqlbatch4_lookup_many(b, reqs, n, q, ctx) : 0;
    for (size_t i = 0; i < n; i++) {
        if (r[i].result)
            sqlcache4_answer_free(&r[i].ans);
        else
            sqlcache4_ahead_put(&r[i].key, &r[i].ans);
    }
    return rc;
}

int sqlbatch4_client_subnet(const sqlbatch4_store_t *st, const lease_client_query_t *q, lease_t out[2],
                            bool found[2])
{
    const uint8_t *cid = q->cid, *hw = q->hw;
    size_t cidlen = q->cidlen, hwlen = q->hwlen;
    uint32_t subnet_id = q->subnet_id, also_addr = q->also.family == LEASE_V4 ? q->also.addr.v4 : 0;
    unsigned flags = q->flags;
    found[0] = found[1] = false;
    sqlcache4_prefetch_drop();
    sqlbatch4_req_t req = {.key = {cidlen ? cid : NULL, cidlen, hwlen ? hw : NULL, hwlen, subnet_id},
                           .also_addr = also_addr};
    sqlcache4_answer_t *ans = &req.ans;
    overlay4_key_t keys[2] = {{cid, cidlen, subnet_id, false}, {hw, hwlen, subnet_id, true}};
    bool kept = flags & LEASE_LOOKUP_SELECTING ? sqlcache4_take(st->recent, &req.key, also_addr, ans)
                                               : sqlcache4_ahead_take(st->id, &req.key, also_addr, ans);
    /* A fresh read sees every write of this server queued before it (overlay4_client_mark); a
     * kept answer may be stale by one committed since, which conditional writes catch
     * (sqlcache4.h). */
    for (int attempt = 0; !kept; attempt++) {
        uint64_t mark = overlay4_client_mark(st->ov);
        if (sqlbatch4_lookup(st->lookups, &req, st->query, st->ctx))
            return NST_EIO;
        if (attempt == 3 || !overlay4_client_since(st->ov, keys, 2, mark))
            break;
        sqlcache4_answer_free(ans);
    }
    if (flags & LEASE_LOOKUP_OFFER)
        sqlcache4_put(st->recent, &req.key, ans);
    sqlcache4_prefetch_set(st->id, ans);
    if (ans->also_found)
        lease_free(&ans->also);
    for (int k = 0; k < 2; k++) {
        if (!(k == 0 ? cidlen : hwlen)) {
            if (ans->have[k])
                lease_free(&ans->db[k]);
            continue;
        }
        found[k] = overlay4_client(st->ov, &ans->db[k], ans->have[k], &keys[k], &out[k]) == 0;
    }
    return 0;
}

int sqlbatch4_prefetch_all(const sqlbatch4_store_t *st, const lease_client_query_t *items, size_t n)
{
    int rc = 0;
    sqlcache4_ahead_begin(st->id);
    for (size_t from = 0; from < n && !rc; from += SQLBATCH4_MAX) {
        size_t k = n - from < SQLBATCH4_MAX ? n - from : SQLBATCH4_MAX;
        rc = sqlbatch4_prefetch(st->lookups, items + from, k, st->query, st->ctx);
    }
    return rc;
}

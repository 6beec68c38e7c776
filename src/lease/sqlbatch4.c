/* Combined client lookups of the SQL lease stores (see sqlbatch4.h). */
#include "lease/sqlbatch4.h"

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

int sqlbatch4_prefetch(sqlbatch4_t *b, const lease_lookup4_t *items, size_t n, sqlbatch4_query_fn q, void *ctx)
{
    sqlbatch4_req_t r[SQLBATCH4_MAX], *reqs[SQLBATCH4_MAX];
    if (n > SQLBATCH4_MAX)
        n = SQLBATCH4_MAX;
    for (size_t i = 0; i < n; i++) {
        const lease_lookup4_t *it = &items[i];
        r[i].key = (sqlcache4_key_t){it->cidlen ? it->cid : NULL, it->cidlen, it->hwlen ? it->hw : NULL, it->hwlen,
                                     it->subnet_id};
        r[i].also_addr = it->also_addr;
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

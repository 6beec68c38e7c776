/* Per-thread connections of the SQL sessions (see sqlconns.h). */
#include <assert.h>
#include <stdlib.h>

#include "common/util.h"
#include "db/sqlconns.h"

/* Unlinks c from its registry, closes and frees it. */
static void release(sqlconn_t *c)
{
    sqlconns_t *r = c->owner;
    pthread_mutex_lock(&r->lock);
    for (sqlconn_t **p = &r->head; *p; p = &(*p)->next)
        if (*p == c) {
            *p = c->next;
            break;
        }
    pthread_mutex_unlock(&r->lock);
    r->close(c);
    free(c);
}

/* The key's destructor: runs in a thread that ends holding a record. */
static void thread_ends(void *arg)
{
    release(arg);
}

void sqlconns_init(sqlconns_t *r, size_t size, void (*close)(sqlconn_t *c))
{
    assert(size >= sizeof(sqlconn_t) && close);
    r->head = NULL;
    r->size = size;
    r->close = close;
    pthread_mutex_init(&r->lock, NULL);
    pthread_key_create(&r->key, thread_ends);
}

void sqlconns_fini(sqlconns_t *r)
{
    pthread_mutex_lock(&r->lock);
    sqlconn_t *all = r->head;
    r->head = NULL;
    pthread_mutex_unlock(&r->lock);
    for (sqlconn_t *c = all, *n; c; c = n) {
        n = c->next;
        r->close(c);
        free(c);
    }
    pthread_key_delete(r->key); /* a thread still holding a record (the caller) ends without a call */
    pthread_mutex_destroy(&r->lock);
}

sqlconn_t *sqlconns_mine(sqlconns_t *r)
{
    sqlconn_t *c = pthread_getspecific(r->key);
    if (c)
        return c;
    c = xcalloc(1, r->size);
    c->owner = r;
    pthread_mutex_lock(&r->lock);
    c->next = r->head;
    r->head = c;
    pthread_mutex_unlock(&r->lock);
    pthread_setspecific(r->key, c);
    return c;
}

size_t sqlconns_count(sqlconns_t *r)
{
    size_t n = 0;
    pthread_mutex_lock(&r->lock);
    for (sqlconn_t *c = r->head; c; c = c->next)
        n++;
    pthread_mutex_unlock(&r->lock);
    return n;
}

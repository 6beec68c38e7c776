/* Packet worker threads: bounded two-class queue, per-client serialisation, pause/resume and
 * generation hand-over (see workq.h). */
#include "server/workq.h"

#include <assert.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/util.h"

/* A client with a packet in flight, and the packet waiting behind it. */
typedef struct client {
    struct client *next;      /* hash chain */
    uint32_t hash;
    uint16_t key_len;
    uint8_t key[WORKQ_KEY_MAX];
    workq_job_t *waiting;
} client_t;

#define CLIENT_BUCKETS 1024

struct workq {
    const workq_ops_t *ops;
    void *ctx;
    gen_slot_t *gens;
    pthread_t *threads;
    unsigned nthreads;
    pthread_mutex_t mu;
    pthread_cond_t cv_work, cv_idle;
    workq_job_t **ring[2];    /* [WORKQ_NEW], [WORKQ_ONGOING] (taken first) */
    size_t cap, head[2], count[2];
    unsigned busy;
    int paused;
    bool stop;
    pthread_mutex_t cmu;
    client_t *clients[CLIENT_BUCKETS];
    void (*wake)(void *arg);  /* workq_room's wake-up, pending (NULL: none) */
    void *wake_arg;
};

/* A worker's generation: kept between packets, renewed when another was published. */
typedef struct held {
    gen_t *gen;
    unsigned seq;
} held_t;

static gen_t *current(workq_t *w, held_t *h)
{
    unsigned seq = gen_seq(w->gens);
    if (!h->gen || seq != h->seq) {
        gen_put(h->gen);
        h->gen = gen_get(w->gens);
        h->seq = seq;
    }
    return h->gen;
}

static uint32_t hash_key(const uint8_t *k, size_t n)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ k[i]) * 16777619u;
    return h;
}

static client_t **find_slot(workq_t *w, uint32_t h, const uint8_t *key, size_t n)
{
    client_t **pp = &w->clients[h % CLIENT_BUCKETS];
    while (*pp && !((*pp)->hash == h && (*pp)->key_len == n && !memcmp((*pp)->key, key, n)))
        pp = &(*pp)->next;
    return pp;
}

/* Runs a packet and then whatever packets of the same client queued up behind it. */
static void run_job(workq_t *w, held_t *held, void *scratch, workq_job_t *job)
{
    if (!w->ops->parse(w->ctx, scratch, job, false)) {
        free(job);
        return;
    }
    uint8_t key[WORKQ_KEY_MAX];
    size_t n = w->ops->client_key(scratch, key);
    assert(n <= WORKQ_KEY_MAX);
    if (!n) {
        w->ops->process(w->ctx, current(w, held), scratch, job);
        free(job);
        return;
    }
    uint32_t h = hash_key(key, n);
    pthread_mutex_lock(&w->cmu);
    client_t **slot = find_slot(w, h, key, n);
    if (*slot) {
        /* Busy client: this packet waits; an older waiting one is superseded. */
        bool superseded = (*slot)->waiting != NULL;
        free((*slot)->waiting);
        (*slot)->waiting = job;
        pthread_mutex_unlock(&w->cmu);
        if (superseded)
            w->ops->dropped(w->ctx, WORKQ_DROP_SUPERSEDED);
        return;
    }
    client_t *c = xcalloc(1, sizeof *c);
    c->hash = h;
    c->key_len = (uint16_t)n;
    memcpy(c->key, key, n);
    *slot = c;
    pthread_mutex_unlock(&w->cmu);
    for (;;) {
        w->ops->process(w->ctx, current(w, held), scratch, job);
        free(job);
        /* Next: the packet that waited for this client, if any. */
        do {
            pthread_mutex_lock(&w->cmu);
            job = c->waiting;
            c->waiting = NULL;
            if (!job) {
                *find_slot(w, h, key, n) = c->next;
                pthread_mutex_unlock(&w->cmu);
                free(c);
                return;
            }
            pthread_mutex_unlock(&w->cmu);
            if (w->ops->parse(w->ctx, scratch, job, true))
                break;
            free(job);
        } while (true);
    }
}

/* Lock held; class c is not empty. */
static workq_job_t *take(workq_t *w, int c)
{
    workq_job_t *job = w->ring[c][w->head[c]];
    w->head[c] = (w->head[c] + 1) % w->cap;
    w->count[c]--;
    return job;
}

/* Lock held: the wake-up workq_room() asked for, once a quarter of the queue is free (or the
 * queue stops); called by the caller after unlocking. */
static void (*room_wake(workq_t *w, void **arg))(void *)
{
    void (*fn)(void *) = w->wake;
    if (!fn || (!w->stop && w->cap - (w->count[0] + w->count[1]) < (w->cap + 3) / 4))
        return NULL;
    *arg = w->wake_arg;
    w->wake = NULL;
    return fn;
}

/* Lock held, released while the run is handled: up to WORKQ_AHEAD_MAX NEW packets looked up
 * together. */
static void run_ahead(workq_t *w, held_t *held, void *scratch)
{
    workq_job_t *run[WORKQ_AHEAD_MAX];
    size_t n = 0;
    while (w->count[WORKQ_NEW] && n < WORKQ_AHEAD_MAX)
        run[n++] = take(w, WORKQ_NEW);
    w->busy++;
    void *wake_arg;
    void (*wake)(void *) = room_wake(w, &wake_arg);
    pthread_mutex_unlock(&w->mu);
    if (wake)
        wake(wake_arg);
    gen_t *g = current(w, held);
    for (size_t i = 0; i < n; i++)
        w->ops->prefetch(w->ctx, g, scratch, run[i]);
    w->ops->prefetch_run(w->ctx, g);
    for (size_t i = 0; i < n; i++)
        run_job(w, held, scratch, run[i]);
    w->ops->prefetch_end(w->ctx, g);
}

static void *worker_main(void *arg)
{
    workq_t *w = arg;
    void *scratch = xmalloc(w->ops->scratch_size);
    held_t held = {0};
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->stop && (w->paused || !(w->count[0] + w->count[1])))
            pthread_cond_wait(&w->cv_work, &w->mu);
        if (w->stop)
            break;
        if (!w->count[WORKQ_ONGOING] && w->count[WORKQ_NEW] > 1 && w->ops->lookahead &&
            w->ops->lookahead(w->ctx)) {
            run_ahead(w, &held, scratch);
        } else {
            workq_job_t *job = take(w, w->count[WORKQ_ONGOING] ? WORKQ_ONGOING : WORKQ_NEW);
            w->busy++;
            void *wake_arg;
            void (*wake)(void *) = room_wake(w, &wake_arg);
            pthread_mutex_unlock(&w->mu);
            if (wake)
                wake(wake_arg);
            run_job(w, &held, scratch, job);
        }
        pthread_mutex_lock(&w->mu);
        if (--w->busy == 0)
            pthread_cond_broadcast(&w->cv_idle);
    }
    pthread_mutex_unlock(&w->mu);
    gen_put(held.gen);
    free(scratch);
    return NULL;
}

workq_t *workq_start(const workq_ops_t *ops, void *ctx, gen_slot_t *gens, unsigned threads, unsigned queue_size,
                     bool paused)
{
    assert(ops && ops->peek_class && ops->parse && ops->client_key && ops->process && ops->dropped && gens);
    workq_t *w = xcalloc(1, sizeof *w);
    w->ops = ops;
    w->ctx = ctx;
    w->gens = gens;
    if (!threads) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        threads = n > 0 ? (unsigned)n : 1;
    }
    w->nthreads = threads;
    w->cap = queue_size ? queue_size : 64;
    w->ring[0] = xcalloc(w->cap, sizeof *w->ring[0]);
    w->ring[1] = xcalloc(w->cap, sizeof *w->ring[1]);
    w->paused = paused ? 1 : 0;
    pthread_mutex_init(&w->mu, NULL);
    pthread_mutex_init(&w->cmu, NULL);
    pthread_cond_init(&w->cv_work, NULL);
    pthread_cond_init(&w->cv_idle, NULL);
    w->threads = xcalloc(threads, sizeof *w->threads);
    for (unsigned i = 0; i < threads; i++)
        pthread_create(&w->threads[i], NULL, worker_main, w);
    return w;
}

void workq_stop(workq_t *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    w->stop = true;
    pthread_cond_broadcast(&w->cv_work);
    void *wake_arg;
    void (*wake)(void *) = room_wake(w, &wake_arg);
    pthread_mutex_unlock(&w->mu);
    if (wake)
        wake(wake_arg);
    for (unsigned i = 0; i < w->nthreads; i++)
        pthread_join(w->threads[i], NULL);
    for (int c = 0; c < 2; c++)
        while (w->count[c]) {
            free(take(w, c));
            w->ops->dropped(w->ctx, WORKQ_DROP_STOPPED);
        }
    for (size_t b = 0; b < CLIENT_BUCKETS; b++)
        for (client_t *c = w->clients[b], *n; c; c = n) {
            n = c->next;
            free(c->waiting);
            free(c);
        }
    pthread_mutex_destroy(&w->mu);
    pthread_mutex_destroy(&w->cmu);
    pthread_cond_destroy(&w->cv_work);
    pthread_cond_destroy(&w->cv_idle);
    free(w->ring[0]);
    free(w->ring[1]);
    free(w->threads);
    free(w);
}

void workq_submit(workq_t *w, void *iface, const void *meta, size_t metalen, const uint8_t *payload, size_t len)
{
    assert(metalen <= WORKQ_META);
    workq_job_t *job = xmalloc(sizeof *job + len);
    job->iface = iface;
    memset(job->meta, 0, sizeof job->meta);
    if (metalen)
        memcpy(job->meta, meta, metalen);
    job->len = len;
    memcpy(job->data, payload, len);
    int c = w->ops->peek_class(payload, len);
    workq_job_t *dropped = NULL;
    enum workq_drop why = WORKQ_DROP_FULL_NEW;
    pthread_mutex_lock(&w->mu);
    if (w->count[0] + w->count[1] == w->cap) {
        if (w->count[WORKQ_NEW] || c == WORKQ_NEW) {
            /* the oldest NEW packet goes (the newcomer is queued behind the others) */
            if (w->count[WORKQ_NEW])
                dropped = take(w, WORKQ_NEW);
            else
                dropped = job, job = NULL;
        } else {
            dropped = take(w, WORKQ_ONGOING);
            why = WORKQ_DROP_FULL_ONGOING;
        }
    }
    if (job) {
        w->ring[c][(w->head[c] + w->count[c]) % w->cap] = job;
        w->count[c]++;
        pthread_cond_signal(&w->cv_work);
    }
    pthread_mutex_unlock(&w->mu);
    if (dropped) {
        free(dropped);
        w->ops->dropped(w->ctx, why);
    }
}

void workq_pause(workq_t *w)
{
    pthread_mutex_lock(&w->mu);
    w->paused++;
    while (w->busy)
        pthread_cond_wait(&w->cv_idle, &w->mu);
    pthread_mutex_unlock(&w->mu);
}

void workq_resume(workq_t *w)
{
    pthread_mutex_lock(&w->mu);
    if (w->paused > 0 && --w->paused == 0)
        pthread_cond_broadcast(&w->cv_work);
    pthread_mutex_unlock(&w->mu);
}

size_t workq_room(workq_t *w, void (*wake)(void *arg), void *arg)
{
    pthread_mutex_lock(&w->mu);
    size_t free = w->cap - (w->count[0] + w->count[1]);
    if (!free) {
        w->wake = wake;
        w->wake_arg = arg;
    }
    pthread_mutex_unlock(&w->mu);
    return free;
}

unsigned workq_threads(const workq_t *w) { return w ? w->nthreads : 0; }
size_t workq_capacity(const workq_t *w) { return w ? w->cap : 0; }

size_t workq_queued(workq_t *w)
{
    pthread_mutex_lock(&w->mu);
    size_t n = w->count[0] + w->count[1];
    pthread_mutex_unlock(&w->mu);
    return n;
}

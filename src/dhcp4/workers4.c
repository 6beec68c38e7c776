/* Packet worker threads: bounded queue, per-client serialisation, pause/resume.
 *
 * The queue holds two classes: DISCOVERs (and messages without a type), and everything else
 * (REQUEST, RELEASE, DECLINE, INFORM). Workers take the second class first, and a full queue
 * drops the oldest DISCOVER, or the newcomer when it is a DISCOVER and none is queued, before it
 * drops anything else. Under overload the server so finishes the exchanges it has begun (a
 * REQUEST answers an OFFER already sent, and its lease is what the client waits for) instead of
 * losing them to new ones: leases go out at the rate the server can make them, while a dropped
 * DISCOVER costs its client only a retransmission. */
#include "dhcp4/workers4.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/util.h"
#include "log/log.h"

typedef struct job {
    srv4_iface_t *ifc;
    uint32_t src_ip, dst_ip;
    size_t len;
    uint8_t data[];
} job_t;

enum { CLASS_NEW, CLASS_ONGOING };

/* A client with a packet in flight, and the packet waiting behind it. */
typedef struct client {
    struct client *next;      /* hash chain */
    uint32_t hash;
    uint8_t key_len;
    uint8_t key[1 + 255];
    job_t *waiting;
} client_t;

#define CLIENT_BUCKETS 1024

struct workers4 {
    srv4_t *srv;
    pthread_t *threads;
    unsigned nthreads;
    pthread_mutex_t mu;
    pthread_cond_t cv_work, cv_idle;
    job_t **ring[2];          /* [0] DISCOVERs, [1] the rest (taken first) */
    size_t cap, head[2], count[2];
    unsigned busy;
    int paused;
    bool stop;
    pthread_mutex_t cmu;
    client_t *clients[CLIENT_BUCKETS];
};

static uint32_t hash_key(const uint8_t *k, size_t n)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < n; i++)
        h = (h ^ k[i]) * 16777619u;
    return h;
}

/* The key that serialises a client's packets: 'c' + client-id, else 'h' + htype + chaddr. */
static size_t client_key(const pkt4_t *q, uint8_t *key)
{
    size_t len;
    const uint8_t *cid = pkt4_opt(q, PKT4_OPT_CLIENT_ID, &len);
    if (cid && len > 0 && len <= 254) {
        key[0] = 'c';
        memcpy(key + 1, cid, len);
        return len + 1;
    }
    size_t hl = q->hdr.hlen > PKT4_CHADDR_LEN ? PKT4_CHADDR_LEN : q->hdr.hlen;
    if (!hl)
        return 0;
    key[0] = 'h';
    key[1] = q->hdr.htype;
    memcpy(key + 2, q->hdr.chaddr, hl);
    return hl + 2;
}

static client_t **find_slot(workers4_t *w, uint32_t h, const uint8_t *key, size_t n)
{
    client_t **pp = &w->clients[h % CLIENT_BUCKETS];
    while (*pp && !((*pp)->hash == h && (*pp)->key_len == n && !memcmp((*pp)->key, key, n)))
        pp = &(*pp)->next;
    return pp;
}

static void count_drop(workers4_t *w)
{
    stat_add(w->srv->st.drop, 1);
}

/* Runs a packet and then whatever packets of the same client queued up behind it. */
static void run_job(workers4_t *w, pkt4_t *q, job_t *job)
{
    srv4_t *s = w->srv;
    if (!srv4_parse(s, job->ifc, q, job->data, job->len, job->src_ip)) {
        free(job);
        return;
    }
    uint8_t key[1 + 255];
    size_t n = client_key(q, key);
    if (!n) {
        srv4_process(s, job->ifc, q, job->src_ip, job->dst_ip);
        free(job);
        return;
    }
    uint32_t h = hash_key(key, n);
    pthread_mutex_lock(&w->cmu);
    client_t **slot = find_slot(w, h, key, n);
    if (*slot) {
        /* Busy client: this packet waits; an older waiting one is superseded. */
        if ((*slot)->waiting) {
            free((*slot)->waiting);
            count_drop(w);
            LOG_DEBUG(NLOG_PACKETS, NLOG_DBG_PKT_HANDLING, "DHCP4_PACKET_DROP_0011",
                      "dropping a queued packet of a client that sent a newer one");
        }
        (*slot)->waiting = job;
        pthread_mutex_unlock(&w->cmu);
        return;
    }
    client_t *c = xcalloc(1, sizeof *c);
    c->hash = h;
    c->key_len = (uint8_t)n;
    memcpy(c->key, key, n);
    *slot = c;
    pthread_mutex_unlock(&w->cmu);
    for (;;) {
        srv4_process(s, job->ifc, q, job->src_ip, job->dst_ip);
        free(job);
        /* Next: the packet that waited for this client, if any. It parsed (and was counted)
         * before it was queued, so it is parsed again silently. */
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
            if (pkt4_parse(q, job->data, job->len) == 0)
                break;
            free(job);
        } while (true);
    }
}

/* Lock held; class c is not empty. */
static job_t *take(workers4_t *w, int c)
{
    job_t *job = w->ring[c][w->head[c]];
    w->head[c] = (w->head[c] + 1) % w->cap;
    w->count[c]--;
    return job;
}

static void *worker_main(void *arg)
{
    workers4_t *w = arg;
    pkt4_t *q = xmalloc(sizeof *q);
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->stop && (w->paused || !(w->count[0] + w->count[1])))
            pthread_cond_wait(&w->cv_work, &w->mu);
        if (w->stop)
            break;
        if (!w->count[CLASS_ONGOING] && w->count[CLASS_NEW] > 1 && srv4_lookahead(w->srv)) {
            /* DISCOVERs only, and the store's lookups are round trips: take a run of them and
             * look them all up in one */
            job_t *run[ALLOC4_AHEAD_MAX];
            size_t n = 0;
            while (w->count[CLASS_NEW] && n < ALLOC4_AHEAD_MAX)
                run[n++] = take(w, CLASS_NEW);
            w->busy++;
            pthread_mutex_unlock(&w->mu);
            for (size_t i = 0; i < n; i++)
                srv4_prefetch(w->srv, run[i]->ifc, q, run[i]->data, run[i]->len, run[i]->src_ip);
            srv4_prefetch_run(w->srv);
            for (size_t i = 0; i < n; i++)
                run_job(w, q, run[i]);
            srv4_prefetch_end(w->srv);
        } else {
            job_t *job = take(w, w->count[CLASS_ONGOING] ? CLASS_ONGOING : CLASS_NEW);
            w->busy++;
            pthread_mutex_unlock(&w->mu);
            run_job(w, q, job);
        }
        pthread_mutex_lock(&w->mu);
        if (--w->busy == 0)
            pthread_cond_broadcast(&w->cv_idle);
    }
    pthread_mutex_unlock(&w->mu);
    free(q);
    return NULL;
}

workers4_t *workers4_start(srv4_t *s, unsigned threads, unsigned queue_size, bool paused)
{
    workers4_t *w = xcalloc(1, sizeof *w);
    w->srv = s;
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
    LOG_INFO(NLOG_DHCPSRV, "DHCP4_MULTI_THREADING_INFO",
             "enabled multi-threading: %u worker threads, packet queue of %zu", threads, w->cap);
    return w;
}

void workers4_stop(workers4_t *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->mu);
    w->stop = true;
    pthread_cond_broadcast(&w->cv_work);
    pthread_mutex_unlock(&w->mu);
    for (unsigned i = 0; i < w->nthreads; i++)
        pthread_join(w->threads[i], NULL);
    for (int c = 0; c < 2; c++)
        while (w->count[c]) {
            free(take(w, c));
            count_drop(w);
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

void workers4_submit(workers4_t *w, srv4_iface_t *ifc, const uint8_t *payload, size_t len,
                     uint32_t src_ip, uint32_t dst_ip)
{
    job_t *job = xmalloc(sizeof *job + len);
    job->ifc = ifc;
    job->src_ip = src_ip;
    job->dst_ip = dst_ip;
    job->len = len;
    memcpy(job->data, payload, len);
    int type = pkt4_peek_type(payload, len);
    int c = type == 0 || type == PKT4_DISCOVER ? CLASS_NEW : CLASS_ONGOING;
    job_t *dropped = NULL;
    bool dropped_new = false;
    pthread_mutex_lock(&w->mu);
    if (w->count[0] + w->count[1] == w->cap) {
        dropped_new = w->count[CLASS_NEW] || c == CLASS_NEW;
        if (dropped_new) {
            /* the oldest DISCOVER goes (the newcomer is queued behind the others) */
            if (w->count[CLASS_NEW])
                dropped = take(w, CLASS_NEW);
            else
                dropped = job, job = NULL;
        } else {
            dropped = take(w, CLASS_ONGOING);
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
        stat_add(w->srv->st.received, 1);
        count_drop(w);
        LOG_DEBUG(NLOG_PACKETS, NLOG_DBG_PKT_HANDLING, "DHCP4_PACKET_QUEUE_FULL",
                  "the packet queue is full: %s was dropped",
                  dropped_new ? "the oldest DISCOVER" : "the oldest packet");
    }
}

void workers4_pause(workers4_t *w)
{
    pthread_mutex_lock(&w->mu);
    w->paused++;
    while (w->busy)
        pthread_cond_wait(&w->cv_idle, &w->mu);
    pthread_mutex_unlock(&w->mu);
}

void workers4_resume(workers4_t *w)
{
    pthread_mutex_lock(&w->mu);
    if (w->paused > 0 && --w->paused == 0)
        pthread_cond_broadcast(&w->cv_work);
    pthread_mutex_unlock(&w->mu);
}

unsigned workers4_threads(const workers4_t *w) { return w ? w->nthreads : 0; }

size_t workers4_queued(workers4_t *w)
{
    pthread_mutex_lock(&w->mu);
    size_t n = w->count[0] + w->count[1];
    pthread_mutex_unlock(&w->mu);
    return n;
}

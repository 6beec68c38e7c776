/* stats: the registry of named statistics and their values. See stats.h for the contract. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/errcode.h"
#include "common/util.h"
#include "stats/stats_int.h"

/* One sample: a value and when it was set (coarse clock, microseconds since the epoch). */
typedef struct {
    _Atomic int64_t value;
    _Atomic int64_t stamp_us;
} sample_t;

/* The samples of one statistic: a ring written round-robin (slot = sample number % cap). A ring
 * replaced by a larger one (a raised limit) is retired, not freed, until stats_shutdown(): a
 * writer may still hold it, and its late write is then only a lost sample. */
typedef struct ring {
    uint32_t cap;
    struct ring *retired; /* the ring this one replaced (registry lock) */
    sample_t s[];
} ring_t;

/* Kea's Observation limits: either a count of samples or an age (seconds between the newest and
 * the oldest sample kept; at most STATS_AGE_RING samples here). */
typedef struct {
    bool by_age;
    uint32_t count, age;
} limits_t;

#define STATS_AGE_RING 1024
#define STATS_RING_MAX 65536

struct stats_entry {
    _Atomic int64_t value;
    _Atomic uint64_t nsamples;  /* samples recorded since the statistic was (re)created */
    _Atomic uint64_t floor;     /* samples numbered below are gone (a lowered count limit) */
    ring_t *_Atomic ring;
    atomic_int present;
    limits_t lim;                  /* registry lock */
    struct stats_entry *hnext;     /* hash chain (registry lock) */
    struct stats_entry *lnext;     /* all entries, newest first (registry lock) */
    char name[];
};

#define NBUCKETS 4096

static struct {
    pthread_mutex_t mu;
    struct stats_entry *buckets[NBUCKETS];
    struct stats_entry *all;
    size_t count;
    limits_t def;
} reg = {.mu = PTHREAD_MUTEX_INITIALIZER, .def = {false, 20, 0}};

static _Atomic int64_t clock_us;

void stats_tick(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    atomic_store_explicit(&clock_us, (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000,
                          memory_order_relaxed);
}

static int64_t coarse_now(void)
{
    int64_t now = atomic_load_explicit(&clock_us, memory_order_relaxed);
    if (unlikely(now == 0)) {
        stats_tick();
        now = atomic_load_explicit(&clock_us, memory_order_relaxed);
    }
    return now;
}

static uint32_t ring_cap(const limits_t *l)
{
    if (l->by_age)
        return STATS_AGE_RING;
    return l->count < 1 ? 1 : l->count > STATS_RING_MAX ? STATS_RING_MAX : l->count;
}

static ring_t *ring_new(uint32_t cap)
{
    ring_t *r = xcalloc(1, sizeof *r + (size_t)cap * sizeof r->s[0]);
    r->cap = cap;
    return r;
}

/* Applies limits to e, growing its ring (keeping its samples) when they need more room. Caller
 * holds the registry lock. */
static uint64_t visible(struct stats_entry *e, const ring_t *r, uint64_t n);

static void set_limits_locked(struct stats_entry *e, const limits_t *l)
{
    ring_t *old = atomic_load(&e->ring);
    uint64_t n = atomic_load(&e->nsamples);
    if (old && !l->by_age) { /* as Kea, a lower count drops the older samples for good */
        uint64_t seen = visible(e, old, n);
        atomic_store(&e->floor, n - (seen < l->count ? seen : l->count));
    }
    e->lim = *l;
    uint32_t cap = ring_cap(l);
    if (old && old->cap >= cap)
        return;
    ring_t *r = ring_new(cap);
    if (old) {
        uint64_t keep = visible(e, old, n);
        for (uint64_t i = n - keep; i < n; i++) {
            r->s[i % cap].value = atomic_load_explicit(&old->s[i % old->cap].value, memory_order_relaxed);
            r->s[i % cap].stamp_us = atomic_load_explicit(&old->s[i % old->cap].stamp_us, memory_order_relaxed);
        }
        r->retired = old;
    }
    atomic_store(&e->ring, r);
}

/* Records value as the newest sample. Any thread, lock-free. */
static inline void record(struct stats_entry *e, int64_t value)
{
    uint64_t n = atomic_fetch_add_explicit(&e->nsamples, 1, memory_order_relaxed);
    ring_t *r = atomic_load_explicit(&e->ring, memory_order_acquire);
    sample_t *sl = &r->s[n % r->cap];
    atomic_store_explicit(&sl->value, value, memory_order_relaxed);
    atomic_store_explicit(&sl->stamp_us, coarse_now(), memory_order_relaxed);
}

static size_t hash_name(const char *s)
{
    size_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h % NBUCKETS;
}

static struct stats_entry *lookup_locked(const char *name)
{
    for (struct stats_entry *e = reg.buckets[hash_name(name)]; e; e = e->hnext)
        if (strcmp(e->name, name) == 0)
            return e;
    return NULL;
}

stat_t *stats_declare(const char *name)
{
    pthread_mutex_lock(&reg.mu);
    struct stats_entry *e = lookup_locked(name);
    if (!e) {
        size_t n = strlen(name);
        e = xcalloc(1, sizeof *e + n + 1);
        memcpy(e->name, name, n + 1);
        atomic_init(&e->value, 0);
        atomic_init(&e->nsamples, 0);
        atomic_init(&e->floor, 0);
        atomic_init(&e->ring, NULL);
        atomic_init(&e->present, 0);
        set_limits_locked(e, &reg.def);
        size_t h = hash_name(name);
        e->hnext = reg.buckets[h];
        reg.buckets[h] = e;
        e->lnext = reg.all;
        reg.all = e;
        reg.count++;
    }
    pthread_mutex_unlock(&reg.mu);
    return e;
}

stat_t *stats_find(const char *name)
{
    pthread_mutex_lock(&reg.mu);
    struct stats_entry *e = lookup_locked(name);
    pthread_mutex_unlock(&reg.mu);
    return e;
}

static inline void touch(stat_t *s, int64_t value)
{
    record(s, value);
    if (unlikely(!atomic_load_explicit(&s->present, memory_order_relaxed)))
        atomic_store_explicit(&s->present, 1, memory_order_relaxed);
}

void stat_add(stat_t *s, int64_t delta)
{
    touch(s, atomic_fetch_add_explicit(&s->value, delta, memory_order_relaxed) + delta);
}

void stat_set(stat_t *s, int64_t value)
{
    atomic_store_explicit(&s->value, value, memory_order_relaxed);
    touch(s, value);
}

int64_t stat_value(const stat_t *s)
{
    return atomic_load_explicit(&((stat_t *)s)->value, memory_order_relaxed);
}

bool stat_present(const stat_t *s)
{
    return atomic_load_explicit(&((stat_t *)s)->present, memory_order_relaxed) != 0;
}

const char *stat_name(const stat_t *s)
{
    return s->name;
}

void stats_add(const char *name, int64_t delta)
{
    stat_add(stats_declare(name), delta);
}

void stats_set(const char *name, int64_t value)
{
    stat_set(stats_declare(name), value);
}

/* Value 0 and no history; when present, one sample 0 stamped now (Kea's reset), else absent
 * (Kea's remove). Caller holds the registry lock. */
static void zero_locked(struct stats_entry *e, int present)
{
    stats_tick();
    atomic_store_explicit(&e->present, present, memory_order_relaxed);
    atomic_store_explicit(&e->value, 0, memory_order_relaxed);
    atomic_store_explicit(&e->nsamples, 0, memory_order_relaxed);
    atomic_store_explicit(&e->floor, 0, memory_order_relaxed);
    if (present)
        record(e, 0);
}

static int zero_named(const char *name, int present)
{
    int rc = NST_ENOENT;
    pthread_mutex_lock(&reg.mu);
    struct stats_entry *e = lookup_locked(name);
    if (e && stat_present(e)) {
        zero_locked(e, present);
        rc = 0;
    }
    pthread_mutex_unlock(&reg.mu);
    return rc;
}

int stats_remove(const char *name)
{
    return zero_named(name, 0);
}

int stats_reset(const char *name)
{
    return zero_named(name, 1);
}

size_t stats_remove_prefix(const char *prefix)
{
    size_t n = 0, pl = strlen(prefix);
    pthread_mutex_lock(&reg.mu);
    for (struct stats_entry *e = reg.all; e; e = e->lnext) {
        if (stat_present(e) && strncmp(e->name, prefix, pl) == 0) {
            zero_locked(e, 0);
            n++;
        }
    }
    pthread_mutex_unlock(&reg.mu);
    return n;
}

void stats_reset_all(void)
{
    pthread_mutex_lock(&reg.mu);
    for (struct stats_entry *e = reg.all; e; e = e->lnext)
        if (stat_present(e))
            zero_locked(e, 1);
    pthread_mutex_unlock(&reg.mu);
}

void stats_remove_all(void)
{
    pthread_mutex_lock(&reg.mu);
    for (struct stats_entry *e = reg.all; e; e = e->lnext)
        zero_locked(e, 0);
    pthread_mutex_unlock(&reg.mu);
}

/* The limits a request asks for: a count (max_samples > 0) or an age (max_age >= 0). */
static limits_t asked(int64_t max_samples, int64_t max_age)
{
    if (max_samples > 0)
        return (limits_t){false, max_samples > UINT32_MAX ? UINT32_MAX : (uint32_t)max_samples, 0};
    return (limits_t){true, 0, max_age > UINT32_MAX ? UINT32_MAX : (uint32_t)max_age};
}

int stats_set_limits(const char *name, int64_t max_samples, int64_t max_age)
{
    int rc = NST_ENOENT;
    pthread_mutex_lock(&reg.mu);
    struct stats_entry *e = lookup_locked(name);
    if (e && stat_present(e)) {
        limits_t l = asked(max_samples, max_age);
        set_limits_locked(e, &l);
        rc = 0;
    }
    pthread_mutex_unlock(&reg.mu);
    return rc;
}

void stats_set_limits_all(int64_t max_samples, int64_t max_age)
{
    pthread_mutex_lock(&reg.mu);
    limits_t l = asked(max_samples, max_age);
    if (l.by_age) /* Kea keeps the default count, and uses the age */
        reg.def.by_age = true, reg.def.age = l.age;
    else
        reg.def.by_age = false, reg.def.count = l.count;
    for (struct stats_entry *e = reg.all; e; e = e->lnext)
        set_limits_locked(e, &l);
    pthread_mutex_unlock(&reg.mu);
}

void stats_set_default_limits(uint32_t max_samples, uint32_t max_age)
{
    pthread_mutex_lock(&reg.mu);
    /* Kea's SrvConfig::updateStatistics: a count (0: none, the age rules) applied to all */
    reg.def = (limits_t){max_samples == 0, max_samples ? max_samples : reg.def.count, max_age};
    for (struct stats_entry *e = reg.all; e; e = e->lnext)
        set_limits_locked(e, &reg.def);
    pthread_mutex_unlock(&reg.mu);
}

void stats_default_limits(uint32_t *max_samples, uint32_t *max_age)
{
    pthread_mutex_lock(&reg.mu);
    if (max_samples)
        *max_samples = reg.def.by_age ? 0 : reg.def.count;
    if (max_age)
        *max_age = reg.def.age;
    pthread_mutex_unlock(&reg.mu);
}

static json_t *sample_json(int64_t value, int64_t us)
{
    struct timespec ts = {.tv_sec = (time_t)(us / 1000000), .tv_nsec = (long)(us % 1000000) * 1000};
    char when[64];
    format_timestamp_us(when, sizeof when, &ts);
    return json_pack("[Is]", (json_int_t)value, when);
}

/* How many of the n samples recorded are kept: the count limit's (or the ring's, under an age
 * limit), not below the floor. */
static uint64_t visible(struct stats_entry *e, const ring_t *r, uint64_t n)
{
    uint64_t keep = e->lim.by_age ? r->cap : (e->lim.count < r->cap ? e->lim.count : r->cap);
    uint64_t fl = atomic_load_explicit(&e->floor, memory_order_relaxed);
    if (keep > n)
        keep = n;
    return fl <= n && keep > n - fl ? n - fl : keep;
}

/* [[value, "YYYY-MM-DD HH:MM:SS.ffffff"], ...], newest first, as Kea's limits keep them. The
 * newest sample carries the statistic's value (exact when updates race; older samples are as
 * recorded). Caller holds the registry lock. */
static json_t *samples_json(struct stats_entry *e)
{
    json_t *out = json_array();
    ring_t *r = atomic_load_explicit(&e->ring, memory_order_acquire);
    uint64_t n = atomic_load_explicit(&e->nsamples, memory_order_relaxed);
    uint64_t keep = visible(e, r, n);
    int64_t newest = 0;
    for (uint64_t i = 0; i < keep; i++) {
        sample_t *sl = &r->s[(n - 1 - i) % r->cap];
        int64_t us = atomic_load_explicit(&sl->stamp_us, memory_order_relaxed);
        if (i == 0)
            newest = us;
        else if (e->lim.by_age && newest - us > (int64_t)e->lim.age * 1000000)
            break;
        int64_t v = i ? atomic_load_explicit(&sl->value, memory_order_relaxed) : stat_value(e);
        json_array_append_new(out, sample_json(v, us));
    }
    if (!keep) /* present but never sampled: cannot happen, but keep the shape */
        json_array_append_new(out, sample_json(stat_value(e), coarse_now()));
    return out;
}

json_t *stats_get_json(const char *name)
{
    json_t *out = json_object();
    pthread_mutex_lock(&reg.mu);
    struct stats_entry *e = lookup_locked(name);
    if (e && stat_present(e))
        json_object_set_new(out, e->name, samples_json(e));
    pthread_mutex_unlock(&reg.mu);
    return out;
}

static int by_name(const void *a, const void *b)
{
    return strcmp((*(struct stats_entry *const *)a)->name, (*(struct stats_entry *const *)b)->name);
}

json_t *stats_get_all_json(void)
{
    json_t *out = json_object();
    pthread_mutex_lock(&reg.mu);
    struct stats_entry **v = xmalloc((reg.count ? reg.count : 1) * sizeof *v);
    size_t n = 0;
    for (struct stats_entry *e = reg.all; e; e = e->lnext)
        if (stat_present(e))
            v[n++] = e;
    qsort(v, n, sizeof *v, by_name); /* Kea's std::map order */
    for (size_t i = 0; i < n; i++)
        json_object_set_new(out, v[i]->name, samples_json(v[i]));
    pthread_mutex_unlock(&reg.mu);
    free(v);
    return out;
}

void stats_shutdown(void)
{
    pthread_mutex_lock(&reg.mu);
    struct stats_entry *e = reg.all;
    while (e) {
        struct stats_entry *next = e->lnext;
        for (ring_t *r = atomic_load(&e->ring), *older; r; r = older) {
            older = r->retired;
            free(r);
        }
        free(e);
        e = next;
    }
    memset(reg.buckets, 0, sizeof reg.buckets);
    reg.all = NULL;
    reg.count = 0;
    reg.def = (limits_t){false, 20, 0};
    pthread_mutex_unlock(&reg.mu);
}

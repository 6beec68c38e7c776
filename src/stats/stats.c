/* stats: the registry of named statistics and their values. See stats.h for the contract. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/errcode.h"
#include "common/util.h"
#include "stats/stats_int.h"

struct stats_entry {
    _Atomic int64_t value;
    _Atomic int64_t stamp_us; /* last change, coarse clock, microseconds since the epoch */
    atomic_int present;
    uint32_t max_samples, max_age; /* stored limits (registry lock) */
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
    uint32_t def_samples, def_age;
} reg = {.mu = PTHREAD_MUTEX_INITIALIZER, .def_samples = 20, .def_age = 0};

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
        atomic_init(&e->stamp_us, coarse_now());
        atomic_init(&e->present, 0);
        e->max_samples = reg.def_samples;
        e->max_age = reg.def_age;
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

static inline void touch(stat_t *s)
{
    int64_t now = coarse_now();
    if (atomic_load_explicit(&s->stamp_us, memory_order_relaxed) != now)
        atomic_store_explicit(&s->stamp_us, now, memory_order_relaxed);
    if (unlikely(!atomic_load_explicit(&s->present, memory_order_relaxed)))
        atomic_store_explicit(&s->present, 1, memory_order_relaxed);
}

void stat_add(stat_t *s, int64_t delta)
{
    atomic_fetch_add_explicit(&s->value, delta, memory_order_relaxed);
    touch(s);
}

void stat_set(stat_t *s, int64_t value)
{
    atomic_store_explicit(&s->value, value, memory_order_relaxed);
    touch(s);
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

/* Value 0, stamped now; present or not as given. Caller holds the registry lock. */
static void zero_locked(struct stats_entry *e, int present)
{
    stats_tick();
    atomic_store_explicit(&e->present, present, memory_order_relaxed);
    atomic_store_explicit(&e->value, 0, memory_order_relaxed);
    atomic_store_explicit(&e->stamp_us, coarse_now(), memory_order_relaxed);
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

int stats_set_limits(const char *name, int64_t max_samples, int64_t max_age)
{
    int rc = NST_ENOENT;
    pthread_mutex_lock(&reg.mu);
    struct stats_entry *e = lookup_locked(name);
    if (e && stat_present(e)) {
        if (max_samples >= 0)
            e->max_samples = max_samples > UINT32_MAX ? UINT32_MAX : (uint32_t)max_samples;
        if (max_age >= 0)
            e->max_age = max_age > UINT32_MAX ? UINT32_MAX : (uint32_t)max_age;
        rc = 0;
    }
    pthread_mutex_unlock(&reg.mu);
    return rc;
}

void stats_set_limits_all(int64_t max_samples, int64_t max_age)
{
    pthread_mutex_lock(&reg.mu);
    if (max_samples >= 0)
        reg.def_samples = max_samples > UINT32_MAX ? UINT32_MAX : (uint32_t)max_samples;
    if (max_age >= 0)
        reg.def_age = max_age > UINT32_MAX ? UINT32_MAX : (uint32_t)max_age;
    for (struct stats_entry *e = reg.all; e; e = e->lnext) {
        e->max_samples = reg.def_samples;
        e->max_age = reg.def_age;
    }
    pthread_mutex_unlock(&reg.mu);
}

void stats_set_default_limits(uint32_t max_samples, uint32_t max_age)
{
    pthread_mutex_lock(&reg.mu);
    reg.def_samples = max_samples;
    reg.def_age = max_age;
    pthread_mutex_unlock(&reg.mu);
}

void stats_default_limits(uint32_t *max_samples, uint32_t *max_age)
{
    pthread_mutex_lock(&reg.mu);
    if (max_samples)
        *max_samples = reg.def_samples;
    if (max_age)
        *max_age = reg.def_age;
    pthread_mutex_unlock(&reg.mu);
}

/* [[value, "YYYY-MM-DD HH:MM:SS.ffffff"]] */
static json_t *samples_json(const struct stats_entry *e)
{
    int64_t us = atomic_load_explicit(&((struct stats_entry *)e)->stamp_us, memory_order_relaxed);
    struct timespec ts = {.tv_sec = (time_t)(us / 1000000), .tv_nsec = (long)(us % 1000000) * 1000};
    char when[64];
    format_timestamp_us(when, sizeof when, &ts);
    return json_pack("[[Is]]", (json_int_t)stat_value(e), when);
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
        free(e);
        e = next;
    }
    memset(reg.buckets, 0, sizeof reg.buckets);
    reg.all = NULL;
    reg.count = 0;
    reg.def_samples = 20;
    reg.def_age = 0;
    pthread_mutex_unlock(&reg.mu);
}

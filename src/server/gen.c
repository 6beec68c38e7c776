/* Configuration generations (see gen.h). */
#include "server/gen.h"

#include <assert.h>
#include <stddef.h>

void gen_init(gen_t *g, void (*destroy)(gen_t *g))
{
    assert(g && destroy);
    atomic_init(&g->refs, 1);
    g->destroy = destroy;
}

void gen_put(gen_t *g)
{
    if (g && atomic_fetch_sub_explicit(&g->refs, 1, memory_order_acq_rel) == 1)
        g->destroy(g);
}

void gen_slot_init(gen_slot_t *s)
{
    pthread_mutex_init(&s->mu, NULL);
    s->cur = NULL;
    atomic_init(&s->seq, 0);
}

void gen_slot_fini(gen_slot_t *s)
{
    gen_put(s->cur);
    s->cur = NULL;
    pthread_mutex_destroy(&s->mu);
}

gen_t *gen_get(gen_slot_t *s)
{
    pthread_mutex_lock(&s->mu);
    gen_t *g = s->cur;
    if (g)
        atomic_fetch_add_explicit(&g->refs, 1, memory_order_relaxed);
    pthread_mutex_unlock(&s->mu);
    return g;
}

void gen_publish(gen_slot_t *s, gen_t *g)
{
    pthread_mutex_lock(&s->mu);
    gen_t *old = s->cur;
    s->cur = g;
    atomic_fetch_add_explicit(&s->seq, 1, memory_order_release);
    pthread_mutex_unlock(&s->mu);
    gen_put(old);
}

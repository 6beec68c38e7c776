/* Configuration generations: what a daemon serves with (configuration, host index, allocation
 * state) as one reference-counted object, swapped without stopping the packet path.
 *
 * Contract:
 * - A gen_t is embedded first in the daemon's generation object; destroy frees that object when
 *   the last reference goes.
 * - gen_slot_t holds the current generation. gen_publish() makes a new one current and drops
 *   the slot's reference to the old one; threads still holding the old one finish with it and
 *   the last gen_put() destroys it. No thread waits for another.
 * - Readers take a reference with gen_get() (a mutex, only when the generation changed: a worker
 *   keeps its reference between packets and compares gen_seq() first, one atomic load per
 *   packet). The thread that publishes may read slot->cur without a reference.
 * - gen_t is thread-safe; gen_slot_t's functions may be called from any thread.
 */
#ifndef NESTOR_SERVER_GEN_H
#define NESTOR_SERVER_GEN_H

#include <pthread.h>
#include <stdatomic.h>

typedef struct gen {
    atomic_uint refs;
    void (*destroy)(struct gen *g);
} gen_t;

typedef struct gen_slot {
    pthread_mutex_t mu;
    gen_t *cur;               /* NULL before the first publish */
    atomic_uint seq;          /* bumped by every publish */
} gen_slot_t;

/* g starts with one reference (the caller's, which gen_publish takes over). */
void gen_init(gen_t *g, void (*destroy)(gen_t *g));
void gen_put(gen_t *g);       /* NULL is ignored */

void gen_slot_init(gen_slot_t *s);
/* Drops the current generation's slot reference. */
void gen_slot_fini(gen_slot_t *s);
/* The current generation with a reference the caller drops with gen_put (NULL: none yet). */
gen_t *gen_get(gen_slot_t *s);
void gen_publish(gen_slot_t *s, gen_t *g);
static inline unsigned gen_seq(gen_slot_t *s) { return atomic_load_explicit(&s->seq, memory_order_acquire); }

#endif

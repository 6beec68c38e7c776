/* Holds on something that completes when the last hold goes: a reply waits for its lease writes
 * and for whatever a leases-changed listener (high availability) waits for.
 *
 * Contract: srv_hold_init() starts with one hold (the creator's). srv_hold_take() adds one;
 * srv_hold_drop() drops one, err < 0 marking the held thing failed, and the thread that drops the
 * last calls last(h, failed). Any thread may take or drop a hold it owns; take only while holding
 * one already (so the count never rises from zero). */
#ifndef NESTOR_SERVER_HOLD_H
#define NESTOR_SERVER_HOLD_H

#include <stdatomic.h>
#include <stdbool.h>

typedef struct srv_hold srv_hold_t;
struct srv_hold {
    atomic_int n;
    atomic_bool failed;
    void (*last)(srv_hold_t *h, bool failed);
};

static inline void srv_hold_init(srv_hold_t *h, void (*last)(srv_hold_t *h, bool failed))
{
    atomic_init(&h->n, 1);
    atomic_init(&h->failed, false);
    h->last = last;
}

static inline void srv_hold_take(srv_hold_t *h)
{
    atomic_fetch_add_explicit(&h->n, 1, memory_order_relaxed);
}

static inline void srv_hold_drop(srv_hold_t *h, int err)
{
    if (err < 0)
        atomic_store(&h->failed, true);
    if (atomic_fetch_sub_explicit(&h->n, 1, memory_order_acq_rel) == 1)
        h->last(h, atomic_load(&h->failed));
}

/* Gives back a hold that will not be dropped (what it waited for did not happen); never the last. */
static inline void srv_hold_forget(srv_hold_t *h)
{
    atomic_fetch_sub_explicit(&h->n, 1, memory_order_relaxed);
}

#endif
